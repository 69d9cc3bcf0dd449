/* importtrace.record._crecord: the compiled import hooks.
 *
 * The same hooks as the pure-Python ones (_pyrecord.py, _pyfinder.py), keeping the same raw records
 * (importtrace/record/_layout.py), behind the same interface (_pybackend.PyRecorder): a Recorder holding the
 * record log, a Hook for builtins.__import__ and importlib.import_module, a Finder first in
 * sys.meta_path with loader proxies, a ReloadHook.  The rare decisions (a module initialising in
 * another thread, the facts behind --explain, what a reload changed) call the shared Python helpers of
 * _policy.py.  Nothing here adds a Python frame, so tracebacks are exactly untraced.
 *
 * Records live in a C array while recording (no Python object per event) and become tuples only when
 * a Trace reads them.  A record is found by its index in the log, never by pointer: any call into
 * Python may let another thread append and move the array.
 */
#ifndef IMPORTTRACE_CRECORD_H
#define IMPORTTRACE_CRECORD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <stddef.h>
#include <stdint.h>

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *
Py_NewRef(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}

static inline PyObject *
Py_XNewRef(PyObject *obj)
{
    Py_XINCREF(obj);
    return obj;
}
#endif

enum { K_SEARCH = 0, K_LOAD = 1, K_HIT = 2, K_RELOAD = 3 };

/* hit flags */
#define F_VIA_MODULE 1 /* importlib.import_module, not __import__ */
#define F_PARTIAL 2
#define F_WAITED 4
#define F_CALL 8 /* not an import statement: __import__() called, by Python code or by C */

#define T_OPEN INT64_MIN /* t1 of a record still in flight */

/* The tail fields of searches, loads and reloads live in Rec.f, at these positions (the _layout position
 * minus 10; NULL stands for None).  A hit keeps its missing names, its error and its details (--explain)
 * in f[H_MISSING], f[H_ERROR], f[H_DETAILS]. */
enum { S_REASON, S_PATH, S_FINDER, S_FOUND, S_ORIGIN, S_LOADER, S_PACKAGE, S_NAMESPACE, S_ERROR, S_AHEAD,
       S_DETAILS, S_SIZE };
enum { H_MISSING, H_ERROR, H_DETAILS };
#define FIELDS 11
enum { L_SEARCH, L_ORIGIN, L_LOADER, L_TYPE, L_REPLACED, L_NAMESPACE, L_LAZY, L_OBSERVED, L_ERROR, L_DETAILS,
       L_ALIAS, L_SIZE };
enum { R_SEARCH, R_ERROR, R_ADDED, R_REMOVED, R_REBOUND, R_UNCHANGED, R_STALE, R_DETAILS, R_SIZE };

/* Where a request came from, without keeping its code object (a module's code and all its constants
 * would otherwise outlive the module's execution): the file name, the line table and the instruction
 * offset are enough to work out the line later.  (Should the line-table reader not agree with CPython's
 * own lookup, table holds the code object itself instead.) */
typedef struct {
    PyObject *file;  /* co_filename, or NULL when no Python code asked */
    PyObject *table; /* co_linetable (co_lnotab on 3.9) */
    int firstline;
    int lasti;
} Place;

/* A record while recording, kept small: a large program makes tens of thousands. */
typedef struct {
    int64_t t0, t1;
    int64_t id, parent; /* parent: 0 for none */
    PyObject *name;     /* str */
    PyObject *importer; /* the asking frame's globals' __name__, or NULL */
    Place place;        /* the asking frame's */
    PyObject **from;    /* hits: the from-list's names (a C array: its tuple belongs to the code's constants) */
    PyObject **f;       /* the kind's other fields (FIELDS of them; NULL until one is set) */
    Py_ssize_t count;   /* hits at this record's call site */
    int nfrom;
    int thread;
    unsigned char kind, flags;
    short level;
} Rec;

/* An open load or reload on a thread, and whether its loader is running (see _policy.asker). */
typedef struct {
    Py_ssize_t index;
    int running;
} Open;

/* An import statement (or call) in progress that asked for a module not in sys.modules: the searches
 * it makes are attributed to it without walking frames (_policy.asker's answer, known at the hook). */
typedef struct {
    PyObject *absname, *code, *importer; /* strong; code NULL when compiled code or nobody asked */
    int lasti;        /* held only while the statement runs: its frame keeps the code alive anyway */
    int nobody;       /* the import system itself asked */
    Py_ssize_t depth; /* the thread's open loads when it began: only searches at that depth are its own */
} Request;

typedef struct {
    unsigned long tid;
    int number;
    Py_ssize_t depth, cap;
    Open *stack;
    Py_ssize_t nreq, capreq;
    Request *requests;
} Thread;

/* Hit sites: (code, lasti, name asked) -> record index (-1: the machinery's own request, not counted).
 * A code object is known by a number kept in its co_extra slot, not by its address, and is not kept
 * alive (see Place): a module's code object is freed once it ran, and the next one often takes its
 * address (with an interned file name, as on 3.13, nothing else tells them apart). */
typedef struct {
    uint64_t token; /* 0: empty slot */
    PyObject *name, *absname;
    int index;
    int lasti;
} Site;

typedef struct {
    PyObject_HEAD
    PyObject *clock; /* a Python clock, or NULL for the performance counter */
    int active, details;
    uint64_t generation; /* raised by reset(): records of older generations are gone */
    PyObject *sink;
    int stream_fd;            /* the process record's file (-1: none), see stream.c */
    char *stream_map;         /* the mapped window of it */
    size_t stream_off, stream_len, stream_pos;
    void *lines;              /* the line tables met by rec_record (most records of a place come in a row) */
    Rec *recs;
    Py_ssize_t len, cap;
    int64_t next_id;
    Site *sites;
    Py_ssize_t nsites, sites_cap;
    uint64_t next_token;
    PyObject *places;   /* (file, first line, name, lasti, absname, via) -> [index, versions] */
    PyObject *partials; /* (code's token, lasti, name, partial) -> index */
    PyObject *loading;  /* module name -> thread ident, while its code runs under a proxy */
    PyObject *ready;    /* module name -> the module object seen fully initialised (hits need not ask again) */
    Thread *threads;
    int nthreads, threads_cap, last_thread;
    PyObject *thread_names; /* number -> name */
    PyObject *notes;        /* [(clock, code, data)]: data a tuple of str */
    PyObject *finder;       /* the active Finder */
    PyObject *on_importlib;
    PyObject *watch;      /* module name -> callable(module), called each time that module has loaded */
    PyObject *unanswered; /* thread ident -> (name, path, target) the finder found nothing for */
    PyObject *ahead_seen;
    PyObject *last_path;
    PyObject *lazy_pending; /* id(proxy) -> proxy: LazyLoader modules not used yet */
    PyObject *snapshots;    /* record id -> namespace before a reload */
    PyObject *type_names;   /* type (or class used as a loader) -> its name */
    PyObject *module_types; /* the same -> module type */
    PyObject *lazy_types;   /* loader class -> whether it is a LazyLoader */
    PyObject *sys_dict;     /* sys.__dict__, where sys.meta_path is looked up */
    /* _policy */
    PyObject *machinery; /* file name -> bool (shared with the Python side) */
    PyObject *p_asker, *p_resolve, *p_owner, *p_describe, *p_type_name, *p_module_type, *p_thread_name,
        *p_path_tuple, *p_load_details, *p_load_done, *p_search_details, *p_namespace_details, *p_hit_details,
        *p_star_details, *p_snapshot, *p_changes, *p_find_spec_legacy,
        *default_clock;
    long import_name; /* the IMPORT_NAME opcode */
} Recorder;

typedef struct {
    PyObject_HEAD
    Recorder *rec;
    PyObject *orig;
    PyObject *dict;
    int is_import_module;
    vectorcallfunc vectorcall;
} Hook;

extern PyTypeObject RecorderType, HookType, FinderType, ReloadHookType, RecordsType, RedirectType;
extern PyTypeObject ProxyExecType, ProxyExecOnlyType, ProxyLegacyType, ProxyLazyType, ProxyLazyExecType;

/* interned strings */
extern PyObject *s_hit, *s_search, *s_load, *s_reload, *s_import, *s_import_module, *s_dunder_import,
    *s_probe, *s_lazy, *s___name__, *s___package__, *s___spec__, *s___loader__, *s___file__,
    *s__initializing, *s_loader, *s_origin, *s_submodule_search_locations, *s_name, *s_find_spec,
    *s_exec_module, *s_create_module, *s_load_module, *s_cwfr, *s_fafl_unlocked, *s_reload_name, *s_imp,
    *s_NamespaceLoader, *s___qualname__, *s_namespace_type, *s_co_code, *empty_tuple, *empty_str, *s_dot, *s_meta_path;

/* recorder.c */
int64_t rec_now(Recorder *R);
Thread *rec_thread(Recorder *R);
Py_ssize_t rec_new(Recorder *R, int kind, PyObject *name, PyObject *code, int lasti, PyObject *importer);
void rec_began(Recorder *R, Py_ssize_t index);
void rec_end(Recorder *R, Py_ssize_t index);
int rec_push(Recorder *R, Py_ssize_t index, int running);
int rec_push_request(Recorder *R, PyObject *absname, PyObject *code, int lasti, PyObject *importer, int nobody);
void rec_pop_request(Recorder *R, Py_ssize_t depth);
Request *rec_request_for(Recorder *R, PyObject *fullname);
void rec_pop(Recorder *R, Py_ssize_t index);
Open *rec_top(Recorder *R);
void rec_set_marker(Recorder *R, Py_ssize_t index, int running);
void rec_note(Recorder *R, const char *code, PyObject *data);
void rec_note_internal(Recorder *R, const char *where);
int rec_set_extra(Recorder *R, Py_ssize_t index, int field, PyObject *value);
PyObject *rec_get_extra(Recorder *R, Py_ssize_t index, int field);
int rec_is_machinery(Recorder *R, PyObject *filename);
void rec_machinery_changed(void);
PyObject *rec_type_name(Recorder *R, PyObject *obj);
PyObject *rec_module_type(Recorder *R, PyObject *loader);
PyObject *rec_describe(Recorder *R, PyObject *exc);
int rec_asker(Recorder *R, PyFrameObject *frame, Open *marker, PyObject **code, int *lasti, PyObject **importer);
int frame_lasti(PyFrameObject *frame);
PyObject *frame_globals(PyFrameObject *frame);
PyObject *rec_record(Recorder *R, Py_ssize_t index);
PyObject *record_portable(Rec *r, int line, PyObject *importer);
void rec_clear(Rec *r);
int rec_set_from(Rec *r, PyObject *fromlist);
void rec_copy_from(Rec *r);
void rec_copy_f(Rec *r);
void place_of(PyObject *code, int lasti, Place *out);
void place_copy(Place *to, Place *from);
void place_clear(Place *p);
int code_is_call(Recorder *R, PyObject *code, int lasti);
extern int cursor_ok;

/* records.c */
void *lines_new(void);
Py_ssize_t lines_used(void *cache);
void lines_free(void *cache);
PyObject *records_take(Recorder *R, Py_ssize_t start, Py_ssize_t stop, int last);
PyObject *records_resolve(Recorder *R, PyObject *records);
void records_check_cursor(PyObject *code);

/* hook.c */
Site *site_find(Recorder *R, PyObject *code, int lasti, PyObject *name);
int site_add(Recorder *R, PyObject *code, int lasti, PyObject *name, PyObject *absname, Py_ssize_t index);
Py_ssize_t rec_new_at(Recorder *R, int kind, PyObject *name, Place *place, PyObject *importer);
int line_at(Place *p, void *cache);
void sites_clear(Recorder *R);
int sites_setup(void);
PyObject *hook_new_for(Recorder *R, PyObject *orig, int is_import_module);

/* stream.c */
void stream_record(Recorder *R, Py_ssize_t index);
int stream_start(Recorder *R, int fd);
void stream_stop(Recorder *R, int cut);

/* redirect.c */
PyObject *redirect_new(PyObject *orig, PyObject *before);

/* finder.c */
PyObject *finder_new_for(Recorder *R);
PyObject *reload_hook_new_for(Recorder *R, PyObject *orig);
Py_ssize_t main_open(Recorder *R);
void main_close(Recorder *R, Py_ssize_t index, PyObject *module, PyObject *exc);
int proxy_check(PyObject *obj);
void proxies_restore_pending(Recorder *R);

#endif
