/* The stream of a child process's record (importtrace.run._child._ProcessFile): each record, in its portable
 * form and marshalled, appended to the file as it ends (a load or reload also as it begins), so that a
 * process killed by a signal loses at most the events in flight.
 *
 * The file is written through a shared memory mapping, not one write() per record: what is copied into
 * it belongs to the file the moment it is copied, whatever becomes of the process, at the cost of a
 * memcpy.  The space is allocated ahead (posix_fallocate on Linux: a full disk fails there, never as
 * SIGBUS on a later write), a window at a time; the unused end of the last window is zeros, where a reader's marshal
 * stops.  stream_stop() cuts the file to what was written, so that Python can append the end record.
 * The file is not opened with O_APPEND: where the filesystem cannot allocate, glibc's posix_fallocate
 * writes a byte per block with pwrite(), which O_APPEND would turn into appends. */
#include "crecord.h"

#ifndef _WIN32
#include <fcntl.h>
#include <marshal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WINDOW ((size_t)1 << 20)

static void
unmap(Recorder *R)
{
    if (R->stream_map != NULL) {
        munmap(R->stream_map, R->stream_len);
        R->stream_map = NULL;
        R->stream_len = 0;
    }
}

/* Map the window that holds the next byte to write. */
static int
next_window(Recorder *R)
{
    unmap(R);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t offset = R->stream_pos / page * page;
#ifdef __linux__
    if (posix_fallocate(R->stream_fd, (off_t)offset, (off_t)WINDOW) != 0) {
        return -1;
    }
#else /* macOS has no posix_fallocate: the file is extended, its blocks allocated as they are written */
    struct stat st;
    if (fstat(R->stream_fd, &st) < 0
        || ((size_t)st.st_size < offset + WINDOW && ftruncate(R->stream_fd, (off_t)(offset + WINDOW)) < 0)) {
        return -1;
    }
#endif
    void *map = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, R->stream_fd, (off_t)offset);
    if (map == MAP_FAILED) {
        return -1;
    }
    R->stream_map = map;
    R->stream_off = offset;
    R->stream_len = WINDOW;
    return 0;
}

static int
append(Recorder *R, const char *data, size_t n)
{
    while (n > 0) {
        if (R->stream_map == NULL || R->stream_pos >= R->stream_off + R->stream_len) {
            if (next_window(R) < 0) {
                return -1;
            }
        }
        size_t room = R->stream_off + R->stream_len - R->stream_pos;
        size_t k = n < room ? n : room;
        memcpy(R->stream_map + (R->stream_pos - R->stream_off), data, k);
        R->stream_pos += k;
        data += k;
        n -= k;
    }
    return 0;
}

/* Append the record at index; on any failure stop streaming (with a note), never disturb the import. */
void
stream_record(Recorder *R, Py_ssize_t index)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *record = rec_record(R, index);
    PyObject *data = record ? PyMarshal_WriteObjectToString(record, 2) : NULL;
    if (data == NULL || append(R, PyBytes_AS_STRING(data), (size_t)PyBytes_GET_SIZE(data)) < 0) {
        PyErr_Clear();
        unmap(R);
        R->stream_fd = -1;
        PyObject *data = Py_BuildValue("(s)", "record");
        if (data != NULL) {
            rec_note(R, "stream", data);
            Py_DECREF(data);
        }
        PyErr_Clear();
    }
    Py_XDECREF(data);
    Py_XDECREF(record);
    PyErr_Restore(type, value, tb);
}

int
stream_start(Recorder *R, int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    stream_stop(R, 1);
    R->stream_fd = fd;
    R->stream_pos = (size_t)st.st_size;
    return 0;
}

/* Stop appending; with cut, the file ends where the records written end (not in the state of a
 * forked child: the mapping is its parent's file). */
void
stream_stop(Recorder *R, int cut)
{
    unmap(R);
    if (R->stream_fd >= 0 && cut) {
        (void)ftruncate(R->stream_fd, (off_t)R->stream_pos);
    }
    R->stream_fd = -1;
    R->stream_pos = 0;
}

#else /* no mapping: no process records (the command line does not follow child processes there) */

void
stream_record(Recorder *R, Py_ssize_t index)
{
}

int
stream_start(Recorder *R, int fd)
{
    PyErr_SetString(PyExc_OSError, "process records are not supported on this platform");
    return -1;
}

void
stream_stop(Recorder *R, int cut)
{
    R->stream_fd = -1;
}

#endif
