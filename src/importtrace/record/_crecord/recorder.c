/* The Recorder: the record log, threads and their open loads, clock, notes, and what the hooks share
 * (see crecord.h).  The Recorder is the compiled counterpart of _pyrecord's module globals, with the
 * interface of _pybackend.PyRecorder. */
#include "crecord.h"
#include <pythread.h>

PyObject *s_hit, *s_search, *s_load, *s_reload, *s_import, *s_import_module, *s_dunder_import, *s_probe, *s_lazy,
    *s___name__, *s___package__, *s___spec__, *s___loader__, *s___file__, *s__initializing, *s_loader, *s_origin,
    *s_submodule_search_locations, *s_name, *s_find_spec, *s_exec_module, *s_create_module, *s_load_module, *s_cwfr,
    *s_fafl_unlocked, *s_reload_name, *s_imp, *s_NamespaceLoader, *s___qualname__, *s_namespace_type, *s_co_code,
    *empty_tuple, *empty_str, *s_dot, *s_meta_path;


int64_t
rec_now(Recorder *R)
{
    if (R->clock == NULL) {
#if PY_VERSION_HEX >= 0x030D0000
        PyTime_t t = 0;
        (void)PyTime_PerfCounterRaw(&t);
        return (int64_t)t;
#else
        return (int64_t)_PyTime_GetPerfCounter();
#endif
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *result = PyObject_CallNoArgs(R->clock);
    int64_t t = 0;
    if (result != NULL) {
        t = (int64_t)PyLong_AsLongLong(result);
        Py_DECREF(result);
    }
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return t;
}

/* This thread's state, made on its first record (its name read then, as _policy.thread_name reads it). */
Thread *
rec_thread(Recorder *R)
{
    unsigned long tid = PyThread_get_thread_ident();
    if (R->last_thread >= 0 && R->last_thread < R->nthreads && R->threads[R->last_thread].tid == tid) {
        return &R->threads[R->last_thread];
    }
    for (int i = 0; i < R->nthreads; i++) {
        if (R->threads[i].tid == tid) {
            R->last_thread = i;
            return &R->threads[i];
        }
    }
    if (R->nthreads == R->threads_cap) {
        int cap = R->threads_cap ? R->threads_cap * 2 : 8;
        Thread *grown = PyMem_Realloc(R->threads, cap * sizeof(Thread));
        if (grown == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        R->threads = grown;
        R->threads_cap = cap;
    }
    int i = R->nthreads++;
    Thread *t = &R->threads[i];
    t->tid = tid;
    t->number = i + 1;
    t->depth = t->cap = 0;
    t->stack = NULL;
    t->nreq = t->capreq = 0;
    t->requests = NULL;
    R->last_thread = i;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *tid_obj = PyLong_FromUnsignedLong(tid);
    PyObject *name = tid_obj ? PyObject_CallOneArg(R->p_thread_name, tid_obj) : NULL;
    PyObject *number = PyLong_FromLong(i + 1);
    if (name == NULL || number == NULL || PyDict_SetItem(R->thread_names, number, name) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(tid_obj);
    Py_XDECREF(name);
    Py_XDECREF(number);
    PyErr_Restore(type, value, tb);
    return &R->threads[i]; /* the call above may have let another thread grow the array */
}

/* Open a record: the common fields now, the kind's fields None (in Rec.extra) until the caller fills
 * them.  Returns its index in the log, -1 with an exception set on failure. */
void
place_of(PyObject *code, int lasti, Place *out)
{
    out->file = out->table = NULL;
    out->firstline = 0;
    out->lasti = -1;
    if (code == NULL || !PyCode_Check(code)) {
        return;
    }
    PyCodeObject *co = (PyCodeObject *)code;
    out->file = Py_NewRef(co->co_filename);
#if PY_VERSION_HEX >= 0x030A0000
    out->table = Py_NewRef(cursor_ok ? co->co_linetable : code);
#else
    out->table = Py_NewRef(cursor_ok ? co->co_lnotab : code);
#endif
    out->firstline = co->co_firstlineno;
    out->lasti = lasti;
}

void
place_copy(Place *to, Place *from)
{
    *to = *from;
    Py_XINCREF(to->file);
    Py_XINCREF(to->table);
}

void
place_clear(Place *p)
{
    Py_CLEAR(p->file);
    Py_CLEAR(p->table);
}

/* 1 if the instruction at lasti calls (__import__(), or C code that imports), 0 for IMPORT_NAME. */
int
code_is_call(Recorder *R, PyObject *code, int lasti)
{
    if (R->import_name < 0 || lasti < 0 || !PyCode_Check(code)) {
        return 0;
    }
#if PY_VERSION_HEX >= 0x030B0000
    PyCodeObject *co = (PyCodeObject *)code;
    if (lasti < Py_SIZE(co) * 2 && (unsigned char)co->co_code_adaptive[lasti] == R->import_name) {
        return 0; /* IMPORT_NAME has no specialised or instrumented form to hide behind */
    }
    PyObject *bytecode = PyCode_GetCode(co); /* the plain instructions (cached by the code object) */
#else
    PyObject *bytecode = Py_NewRef(((PyCodeObject *)code)->co_code);
#endif
    int call = 0;
    if (bytecode != NULL && PyBytes_Check(bytecode) && lasti < PyBytes_GET_SIZE(bytecode)) {
        call = ((unsigned char *)PyBytes_AS_STRING(bytecode))[lasti] != R->import_name;
    }
    if (bytecode == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(bytecode);
    return call;
}

Py_ssize_t
rec_new(Recorder *R, int kind, PyObject *name, PyObject *code, int lasti, PyObject *importer)
{
    /* a borrowed place: rec_new_at takes its own references */
    Place place = {NULL, NULL, 0, -1};
    if (code != NULL && PyCode_Check(code)) {
        PyCodeObject *co = (PyCodeObject *)code;
        place.file = co->co_filename;
#if PY_VERSION_HEX >= 0x030A0000
        place.table = cursor_ok ? co->co_linetable : code;
#else
        place.table = cursor_ok ? co->co_lnotab : code;
#endif
        place.firstline = co->co_firstlineno;
        place.lasti = lasti;
    }
    return rec_new_at(R, kind, name, &place, importer);
}

/* Open a record: the common fields now, the kind's fields None (in Rec.f) until the caller fills them.
 * Returns its index in the log, -1 with an exception set on failure. */
Py_ssize_t
rec_new_at(Recorder *R, int kind, PyObject *name, Place *place, PyObject *importer)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        return -1;
    }
    int64_t parent = t->depth ? R->recs[t->stack[t->depth - 1].index].id : 0;
    int number = t->number;
    if (R->len == R->cap) {
        Py_ssize_t cap = R->cap ? R->cap * 2 : 256;
        Rec *grown = PyMem_Realloc(R->recs, cap * sizeof(Rec));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        R->recs = grown;
        R->cap = cap;
    }
    Py_ssize_t index = R->len++;
    Rec *r = &R->recs[index];
    r->f = NULL;
    r->t0 = 0;
    r->t1 = T_OPEN;
    r->id = R->next_id++;
    r->parent = parent;
    r->name = Py_NewRef(name);
    place_copy(&r->place, place);
    r->importer = Py_XNewRef(importer);
    r->from = NULL;
    r->nfrom = 0;
    r->count = 1;
    r->thread = number;
    r->kind = (unsigned char)kind;
    r->flags = 0;
    r->level = 0;
    int64_t t0 = rec_now(R); /* after the slot is taken: the log stays in the order records began */
    R->recs[index].t0 = t0;
    return index;
}

static void
call_sink(Recorder *R, Py_ssize_t index, PyObject *began)
{
    PyObject *sink = R->sink;
    if (sink == NULL) {
        return;
    }
    Py_INCREF(sink);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *record = rec_record(R, index);
    PyObject *result = record ? PyObject_CallFunctionObjArgs(sink, record, began, NULL) : NULL;
    if (result == NULL) {
        PyObject *etype, *evalue, *etb;
        PyErr_Fetch(&etype, &evalue, &etb);
        PyErr_NormalizeException(&etype, &evalue, &etb);
        PyObject *described = evalue ? rec_describe(R, evalue) : NULL;
        PyObject *data = described ? Py_BuildValue("(sOO)", "stream", PyTuple_GET_ITEM(described, 0),
                                                   PyTuple_GET_ITEM(described, 1))
                                   : NULL;
        if (data != NULL) {
            rec_note(R, "stream", data);
        }
        PyErr_Clear();
        Py_XDECREF(data);
        Py_XDECREF(described);
        Py_XDECREF(etype);
        Py_XDECREF(evalue);
        Py_XDECREF(etb);
    }
    Py_XDECREF(result);
    Py_XDECREF(record);
    Py_DECREF(sink);
    PyErr_Restore(type, value, tb);
}

/* A load or reload that began (the sink writes them then, so that a process that dies inside one still
 * shows it); other records reach the sink when they end. */
void
rec_began(Recorder *R, Py_ssize_t index)
{
    if ((R->sink != NULL || R->stream_fd >= 0) && (R->recs[index].kind == K_LOAD || R->recs[index].kind == K_RELOAD)) {
        if (R->stream_fd >= 0) {
            stream_record(R, index);
        }
        if (R->sink != NULL) {
            call_sink(R, index, Py_True);
        }
    }
}

void
rec_end(Recorder *R, Py_ssize_t index)
{
    int64_t t1 = rec_now(R);
    if (index >= 0 && index < R->len) {
        R->recs[index].t1 = t1;
    }
    if (R->stream_fd >= 0 && index >= 0 && index < R->len) {
        stream_record(R, index);
    }
    if (R->sink != NULL) {
        call_sink(R, index, Py_False);
    }
}

int
rec_push(Recorder *R, Py_ssize_t index, int running)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        return -1;
    }
    if (t->depth == t->cap) {
        Py_ssize_t cap = t->cap ? t->cap * 2 : 16;
        Open *grown = PyMem_Realloc(t->stack, cap * sizeof(Open));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->stack = grown;
        t->cap = cap;
    }
    t->stack[t->depth].index = index;
    t->stack[t->depth].running = running;
    t->depth++;
    return 0;
}

int
rec_push_request(Recorder *R, PyObject *absname, PyObject *code, int lasti, PyObject *importer, int nobody)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        return -1;
    }
    if (t->nreq == t->capreq) {
        Py_ssize_t cap = t->capreq ? t->capreq * 2 : 16;
        Request *grown = PyMem_Realloc(t->requests, cap * sizeof(Request));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->requests = grown;
        t->capreq = cap;
    }
    Request *q = &t->requests[t->nreq++];
    q->absname = Py_NewRef(absname);
    q->code = Py_XNewRef(code);
    q->importer = Py_XNewRef(importer);
    q->lasti = lasti;
    q->nobody = nobody;
    q->depth = t->depth;
    return 0;
}

/* Pop the requests above depth (the request stack's size before the push). */
void
rec_pop_request(Recorder *R, Py_ssize_t depth)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        PyErr_Clear();
        return;
    }
    while (t->nreq > depth) {
        Request *q = &t->requests[--t->nreq];
        PyObject *absname = q->absname, *code = q->code, *importer = q->importer;
        Py_DECREF(absname);
        Py_XDECREF(code);
        Py_XDECREF(importer);
        t = rec_thread(R); /* a decref may have run Python */
        if (t == NULL) {
            PyErr_Clear();
            return;
        }
    }
}

/* The request in progress whose search fullname is (the module asked for, or one of its parents), if
 * no load has begun on this thread since it did; NULL otherwise (then frames tell who asked). */
Request *
rec_request_for(Recorder *R, PyObject *fullname)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        PyErr_Clear();
        return NULL;
    }
    if (t->nreq == 0) {
        return NULL;
    }
    Request *q = &t->requests[t->nreq - 1];
    if (q->depth != t->depth) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(fullname), m = PyUnicode_GET_LENGTH(q->absname);
    if (n > m || PyUnicode_Tailmatch(q->absname, fullname, 0, n, -1) != 1
        || (n < m && PyUnicode_READ_CHAR(q->absname, n) != '.')) {
        PyErr_Clear();
        return NULL;
    }
    return q;
}

/* Pop index and anything left above it (a record whose loader never reached exec_module). */
void
rec_pop(Recorder *R, Py_ssize_t index)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        PyErr_Clear();
        return;
    }
    for (Py_ssize_t i = t->depth - 1; i >= 0; i--) {
        if (t->stack[i].index == index) {
            t->depth = i;
            return;
        }
    }
}

Open *
rec_top(Recorder *R)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        PyErr_Clear();
        return NULL;
    }
    return t->depth ? &t->stack[t->depth - 1] : NULL;
}

void
rec_set_marker(Recorder *R, Py_ssize_t index, int running)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        PyErr_Clear();
        return;
    }
    for (Py_ssize_t i = t->depth - 1; i >= 0; i--) {
        if (t->stack[i].index == index) {
            t->stack[i].running = running;
            return;
        }
    }
}

/* Note what the trace must admit to: a code and its data, a tuple of str (the renderers word it). */
void
rec_note(Recorder *R, const char *code, PyObject *data)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int64_t at = rec_now(R);
    PyObject *note = Py_BuildValue("(LsO)", (long long)at, code, data);
    if (note == NULL || PyList_Append(R->notes, note) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(note);
    PyErr_Restore(type, value, tb);
}

/* Note an internal failure (the pending exception, which is cleared): recording must never change the
 * program's import. */
void
rec_note_internal(Recorder *R, const char *where)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *described = value ? rec_describe(R, value) : NULL;
    PyObject *data = described ? Py_BuildValue("(sOO)", where, PyTuple_GET_ITEM(described, 0),
                                               PyTuple_GET_ITEM(described, 1))
                               : NULL;
    PyErr_Clear();
    if (data != NULL) {
        rec_note(R, "internal", data);
    }
    Py_XDECREF(data);
    Py_XDECREF(described);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

int
rec_set_extra(Recorder *R, Py_ssize_t index, int field, PyObject *value)
{
    if (index < 0 || index >= R->len || field < 0 || field >= FIELDS) {
        return 0;
    }
    if (value == Py_None && R->recs[index].f == NULL) {
        return 0;
    }
    if (R->recs[index].f == NULL) {
        PyObject **f = PyMem_Calloc(FIELDS, sizeof(PyObject *));
        if (f == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        R->recs[index].f = f;
    }
    Py_XSETREF(R->recs[index].f[field], value == Py_None ? NULL : Py_NewRef(value));
    return 0;
}

/* borrowed */
PyObject *
rec_get_extra(Recorder *R, Py_ssize_t index, int field)
{
    if (index < 0 || index >= R->len || field < 0 || field >= FIELDS || R->recs[index].f == NULL
        || R->recs[index].f[field] == NULL) {
        return Py_None;
    }
    return R->recs[index].f[field];
}

static const char *MACHINERY_TEXT[] = {"<frozen importlib", "/importlib/__init__.py", "/importlib/util.py",
                                       "/importlib/_bootstrap.py", "/importlib/_bootstrap_external.py",
                                       "\\importlib\\__init__.py", "\\importlib\\util.py",
                                       "\\importlib\\_bootstrap.py", "\\importlib\\_bootstrap_external.py", NULL};
static PyObject *machinery_text[9]; /* the prefix, then the tails (either separator) */

/* A cache in front of the machinery dict: first hits come a dozen at a time from one file. */
#define MACHINERY_CACHE 512
static struct {
    PyObject *file;
    int result;
} machinery_cache[MACHINERY_CACHE];

void
rec_machinery_changed(void)
{
    for (int i = 0; i < MACHINERY_CACHE; i++) {
        Py_CLEAR(machinery_cache[i].file);
    }
}

static int machinery_lookup(Recorder *R, PyObject *filename);

int
rec_is_machinery(Recorder *R, PyObject *filename)
{
    size_t slot = ((size_t)filename >> 4) & (MACHINERY_CACHE - 1);
    if (machinery_cache[slot].file == filename) {
        return machinery_cache[slot].result;
    }
    int result = machinery_lookup(R, filename);
    Py_XSETREF(machinery_cache[slot].file, Py_NewRef(filename));
    machinery_cache[slot].result = result;
    return result;
}

static int
machinery_lookup(Recorder *R, PyObject *filename)
{
    PyObject *known = PyDict_GetItemWithError(R->machinery, filename);
    if (known != NULL) {
        return known == Py_True;
    }
    if (PyErr_Occurred() || !PyUnicode_Check(filename)) {
        PyErr_Clear();
        return 0;
    }
    int result = 0;
    for (int i = 0; !result && MACHINERY_TEXT[i] != NULL; i++) {
        if (machinery_text[i] == NULL && (machinery_text[i] = PyUnicode_InternFromString(MACHINERY_TEXT[i])) == NULL) {
            PyErr_Clear();
            return 0;
        }
        result = PyUnicode_Tailmatch(filename, machinery_text[i], 0, PY_SSIZE_T_MAX, i ? 1 : -1) == 1;
    }
    PyErr_Clear();
    if (PyDict_SetItem(R->machinery, filename, result ? Py_True : Py_False) < 0) {
        PyErr_Clear();
    }
    return result;
}

static PyObject *
cached_call(PyObject *cache, PyObject *func, PyObject *obj)
{
    PyObject *key = PyType_Check(obj) ? obj : (PyObject *)Py_TYPE(obj);
    PyObject *known = PyDict_GetItemWithError(cache, key);
    if (known != NULL) {
        return Py_NewRef(known);
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *value = PyObject_CallOneArg(func, obj);
    if (value != NULL && PyDict_SetItem(cache, key, value) < 0) {
        Py_CLEAR(value);
    }
    return value;
}

/* The class name of a finder or loader, as _policy.type_name gives it (new reference). */
PyObject *
rec_type_name(Recorder *R, PyObject *obj)
{
    return cached_call(R->type_names, R->p_type_name, obj);
}

PyObject *
rec_module_type(Recorder *R, PyObject *loader)
{
    if (loader == NULL || loader == Py_None) {
        return PyUnicode_FromString("unknown");
    }
    return cached_call(R->module_types, R->p_module_type, loader);
}

PyObject *
rec_describe(Recorder *R, PyObject *exc)
{
    return PyObject_CallOneArg(R->p_describe, exc);
}

int
frame_lasti(PyFrameObject *frame)
{
#if PY_VERSION_HEX >= 0x030B0000
    return PyFrame_GetLasti(frame);
#elif PY_VERSION_HEX >= 0x030A0000
    return frame->f_lasti * 2; /* 3.10 counts code units; frame.f_lasti is in bytes */
#else
    return frame->f_lasti;
#endif
}

/* new reference */
PyObject *
frame_globals(PyFrameObject *frame)
{
#if PY_VERSION_HEX >= 0x030B0000
    return PyFrame_GetGlobals(frame);
#else
    return Py_NewRef(frame->f_globals);
#endif
}

static const char *LOADER_CALLERS[] = {"_load_unlocked", "module_from_spec", "_load_backward_compatible", "_exec",
                                        NULL};

/* _policy.asker: who asked, walking out from frame.  1: found (*code, *importer new references, or
 * *code NULL and *importer the loading module's name: its compiled code asked); 0: the import system
 * itself asked; -1: error. */
int
rec_asker(Recorder *R, PyFrameObject *frame, Open *marker, PyObject **code, int *lasti, PyObject **importer)
{
    *code = *importer = NULL;
    *lasti = -1;
    /* copied: the walk may run Python (a GC) */
    PyObject *loading = marker && marker->running ? Py_NewRef(R->recs[marker->index].name) : NULL;
    int called = 0;
    int found = 0;
    PyFrameObject *f = (PyFrameObject *)Py_XNewRef((PyObject *)frame);
    while (f != NULL) {
        PyCodeObject *c = PyFrame_GetCode(f);
        if (!rec_is_machinery(R, c->co_filename)) {
            *code = (PyObject *)c;
            *lasti = frame_lasti(f);
            PyObject *globals = frame_globals(f);
            PyObject *name = globals && PyDict_Check(globals) ? PyDict_GetItemWithError(globals, s___name__) : NULL;
            *importer = Py_XNewRef(name);
            PyErr_Clear();
            Py_XDECREF(globals);
            Py_DECREF(f);
            found = 1;
            break;
        }
        int boundary = 0;
        for (int i = 0; loading != NULL && LOADER_CALLERS[i] != NULL && !boundary; i++) {
            boundary = PyUnicode_CompareWithASCIIString(c->co_name, LOADER_CALLERS[i]) == 0;
        }
        if (boundary) {
            Py_DECREF(c);
            Py_DECREF(f);
            if (called) {
                *importer = Py_NewRef(loading);
                found = 1;
            }
            break;
        }
        if (PyUnicode_CompareWithASCIIString(c->co_name, "_call_with_frames_removed") == 0) {
            called = 1;
        }
        Py_DECREF(c);
        PyFrameObject *back = PyFrame_GetBack(f);
        Py_DECREF(f);
        f = back;
    }
    Py_XDECREF(loading);
    return found;
}

/* --- records as tuples (_layout) --------------------------------------------------------------------- */

static PyObject *
kind_name(int kind)
{
    switch (kind) {
    case K_SEARCH:
        return s_search;
    case K_LOAD:
        return s_load;
    case K_HIT:
        return s_hit;
    default:
        return s_reload;
    }
}

static PyObject *
or_none(PyObject *obj)
{
    return Py_NewRef(obj ? obj : Py_None);
}

/* A record as a portable tuple (_layout), its line worked out by the caller. */
static PyObject *
record_tuple(Rec *r, int line, PyObject *importer)
{
    Py_ssize_t tail = r->kind == K_HIT ? 9 : r->kind == K_RELOAD ? R_SIZE : S_SIZE;
    PyObject *t = PyTuple_New(10 + tail);
    if (t == NULL) {
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, Py_NewRef(kind_name(r->kind)));
    PyTuple_SET_ITEM(t, 1, PyLong_FromLongLong(r->id));
    PyTuple_SET_ITEM(t, 2, r->parent ? PyLong_FromLongLong(r->parent) : Py_NewRef(Py_None));
    PyTuple_SET_ITEM(t, 3, PyLong_FromLong(r->thread));
    PyTuple_SET_ITEM(t, 4, PyLong_FromLongLong(r->t0));
    PyTuple_SET_ITEM(t, 5, r->t1 == T_OPEN ? Py_NewRef(Py_None) : PyLong_FromLongLong(r->t1));
    PyTuple_SET_ITEM(t, 6, Py_NewRef(r->name));
    PyTuple_SET_ITEM(t, 7, or_none(r->place.file));
    PyTuple_SET_ITEM(t, 8, PyLong_FromLong(r->place.file ? line : -1));
    PyTuple_SET_ITEM(t, 9, or_none(importer));
    if (r->kind == K_HIT) {
        PyObject *names = PyTuple_New(r->nfrom);
        for (Py_ssize_t i = 0; names != NULL && i < r->nfrom; i++) {
            PyTuple_SET_ITEM(names, i, Py_NewRef(r->from[i]));
        }
        PyTuple_SET_ITEM(t, 10, names);
        PyTuple_SET_ITEM(t, 11, PyLong_FromLong(r->level));
        PyTuple_SET_ITEM(t, 12, Py_NewRef(r->flags & F_VIA_MODULE ? s_import_module
                                          : r->flags & F_CALL   ? s_dunder_import
                                                                : s_import));
        PyTuple_SET_ITEM(t, 13, PyBool_FromLong(r->flags & F_PARTIAL));
        PyTuple_SET_ITEM(t, 14, PyBool_FromLong(r->flags & F_WAITED));
        PyTuple_SET_ITEM(t, 15, or_none(r->f ? r->f[H_MISSING] : NULL));
        PyTuple_SET_ITEM(t, 16, PyLong_FromSsize_t(r->count));
        PyTuple_SET_ITEM(t, 17, or_none(r->f ? r->f[H_ERROR] : NULL));
        PyTuple_SET_ITEM(t, 18, or_none(r->f ? r->f[H_DETAILS] : NULL));
    }
    else {
        for (Py_ssize_t i = 0; i < tail; i++) {
            PyTuple_SET_ITEM(t, 10 + i, or_none(r->f ? r->f[i] : NULL));
        }
    }
    for (Py_ssize_t i = 0; i < 10 + tail; i++) {
        if (PyTuple_GET_ITEM(t, i) == NULL) {
            Py_DECREF(t);
            return NULL;
        }
    }
    return t;
}

/* Keep a hit's from-list (a tuple or list of str): 0, or -1 with an exception. */
int
rec_set_from(Rec *r, PyObject *fromlist)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fromlist);
    PyObject **names = PyMem_Malloc(n * sizeof(PyObject *));
    if (names == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        names[i] = Py_NewRef(PySequence_Fast_GET_ITEM(fromlist, i));
    }
    r->from = names;
    r->nfrom = (int)n;
    return 0;
}

/* Give a copied record its own from-list array. */
void
rec_copy_from(Rec *r)
{
    if (r->nfrom == 0) {
        r->from = NULL;
        return;
    }
    PyObject **names = PyMem_Malloc(r->nfrom * sizeof(PyObject *));
    if (names == NULL) {
        r->from = NULL;
        r->nfrom = 0;
        return;
    }
    for (Py_ssize_t i = 0; i < r->nfrom; i++) {
        names[i] = Py_NewRef(r->from[i]);
    }
    r->from = names;
}

/* Give a copied record its own fields array. */
void
rec_copy_f(Rec *r)
{
    if (r->f == NULL) {
        return;
    }
    PyObject **f = PyMem_Calloc(FIELDS, sizeof(PyObject *));
    for (int i = 0; f != NULL && i < FIELDS; i++) {
        f[i] = Py_XNewRef(r->f[i]);
    }
    r->f = f;
}

PyObject *
record_portable(Rec *r, int line, PyObject *importer)
{
    return record_tuple(r, line, importer);
}

/* The record at index, portable (for the stream writer). */
PyObject *
rec_record(Recorder *R, Py_ssize_t index)
{
    if (index < 0 || index >= R->len) {
        PyErr_SetString(PyExc_IndexError, "no such record");
        return NULL;
    }
    PyObject *line = NULL;
    Rec *r = &R->recs[index];
    if (R->lines != NULL && lines_used(R->lines) > 256) { /* a bounded cache: start afresh */
        lines_free(R->lines);
        R->lines = NULL;
    }
    if (R->lines == NULL) {
        R->lines = lines_new(); /* NULL (no memory): each line read from the table's start */
    }
    int number = line_at(&r->place, R->lines);
    PyObject *importer = r->importer;
    if (importer != NULL && !PyUnicode_CheckExact(importer)) {
        importer = line = PyObject_Str(importer);
        if (importer == NULL) {
            PyErr_Clear();
        }
    }
    PyObject *t = record_tuple(&R->recs[index], number, importer);
    Py_XDECREF(line);
    return t;
}

void
rec_clear(Rec *r)
{
    Py_CLEAR(r->name);
    place_clear(&r->place);
    Py_CLEAR(r->importer);
    for (Py_ssize_t i = 0; i < r->nfrom; i++) {
        Py_DECREF(r->from[i]);
    }
    PyMem_Free(r->from);
    r->from = NULL;
    r->nfrom = 0;
    if (r->f != NULL) {
        for (int i = 0; i < FIELDS; i++) {
            Py_CLEAR(r->f[i]);
        }
        PyMem_Free(r->f);
        r->f = NULL;
    }
}
