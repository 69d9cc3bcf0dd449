/* importtrace._speedups: the hot path of the import hooks in C.
 *
 * The pure-Python hooks in _recorder.py stay the reference and the fallback: this module only
 * replaces builtins.__import__ and importlib.import_module by a callable that
 *   - counts a repeated cache hit at a known call site without any Python call, and
 *   - otherwise asks _recorder for a record (prepare), calls the original function itself, and
 *     closes the record (finish).
 * Because the original function is called from C, no Python frame of importtrace ever sits between
 * the importing code and the import system: tracebacks of failing imports are exactly untraced.
 * Call sites are keyed as in Python: (id(code), f_lasti, name) -> _Hit record.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>
#include <pythread.h>
#include <limits.h>
#include <string.h>

#if PY_VERSION_HEX < 0x030D0000
static inline int
compat_long_as_int(PyObject *obj)
{
    long value = PyLong_AsLong(obj);
    if (value > INT_MAX || value < INT_MIN) {
        PyErr_SetString(PyExc_OverflowError, "out of int range");
        return -1;
    }
    return (int)value;
}
#define PyLong_AsInt compat_long_as_int
#endif

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


/* A direct-mapped cache in front of the sites dict: a repeated hit then allocates nothing.  Entries
 * hold strong references (the _Hit keeps its code object alive, so the code pointer stays valid). */
#define CACHE_SIZE 1024

typedef struct {
    void *code;
    int lasti;
    PyObject *name;
    PyObject *hit;
} CacheEntry;

typedef struct {
    PyObject_HEAD
    PyObject *orig;      /* the function we stand in for */
    PyObject *prepare;   /* _prepare_import(name, globals, fromlist, level, frame) -> _Hit | None,
                            or _prepare_import_module(name, package, frame) */
    PyObject *finish;    /* _end_hit(hit, failed) */
    PyObject *fallback;  /* the pure-Python hook, for calls with keyword arguments */
    PyObject *sites;     /* dict: (id(code), lasti, name) -> _Hit */
    PyObject *loading;   /* dict: names of modules still executing */
    PyObject *modules;   /* sys.modules */
    Py_ssize_t name_offset;   /* where _Hit keeps its .name slot */
    Py_ssize_t count_offset;  /* ... and its .count slot */
    int is_import_module;
    /* the first hit at a new call site, recorded here in the common case (see fast_first_hit) */
    int active;               /* a trace is recording (the Python side switches this) */
    int fast;                 /* no stream writer: records need no Python call when they begin */
    PyTypeObject *hit_type;
    PyObject *events;         /* _recorder._events: every record in order */
    PyObject *stacks;         /* thread ident -> open load records */
    PyObject *thread_names;   /* thread ident -> name (the Python path fills it on a thread's first record) */
    PyObject *machinery;      /* file name -> True for importlib's own frames (filled by the Python path) */
    PyObject *ids;            /* the iterator giving record ids */
    PyObject *clock;
    PyObject *via;            /* "import" or "import_module" */
    Py_ssize_t many_sites;
    Py_ssize_t offsets[18];   /* where _Hit keeps each of SLOTS */
    Py_ssize_t fast_hits;     /* first hits recorded here (for tests and benchmarks) */
    PyObject *dict;
    vectorcallfunc vectorcall;
    CacheEntry cache[CACHE_SIZE];
} Hook;

static void
cache_clear(Hook *self)
{
    for (int i = 0; i < CACHE_SIZE; i++) {
        Py_CLEAR(self->cache[i].hit);
        Py_CLEAR(self->cache[i].name);
        self->cache[i].code = NULL;
    }
}

/* _Hit's slots, in the order of Hook.offsets */
static const char *SLOTS[18] = {"id", "kind", "name", "t0", "t1", "tid", "parent", "importer", "where",
                                "code", "count", "fromlist", "lasti", "level", "missing", "partial", "via",
                                "waited"};
enum { S_ID, S_KIND, S_NAME, S_T0, S_T1, S_TID, S_PARENT, S_IMPORTER, S_WHERE, S_CODE, S_COUNT, S_FROMLIST,
       S_LASTI, S_LEVEL, S_MISSING, S_PARTIAL, S_VIA, S_WAITED };

static PyObject *str_hit, *str_name_key, *str_package, *str_spec, *str_initializing, *empty_tuple, *zero, *one;

static inline void
set_slot(Hook *self, PyObject *record, int slot, PyObject *value)
{
    PyObject **where = (PyObject **)((char *)record + self->offsets[slot]);
    Py_XSETREF(*where, Py_NewRef(value));
}

static inline CacheEntry *
cache_slot(Hook *self, void *code, int lasti, PyObject *name)
{
    size_t h = ((size_t)code >> 4) ^ ((size_t)lasti * 0x9E3779B1u) ^ ((size_t)name >> 4);
    return &self->cache[(h ^ (h >> 10)) & (CACHE_SIZE - 1)];
}

/* Count a hit on hit's module if it may be counted as a plain repeated hit: 1 counted, 0 not, -1 error. */
static int
bump(Hook *self, PyObject *hit)
{
    PyObject *absname = *(PyObject **)((char *)hit + self->name_offset);
    if (absname == NULL) {
        return 0;
    }
    int loading = PyDict_Contains(self->loading, absname);
    if (loading != 0) {
        return loading < 0 ? -1 : 0;  /* still initialising: the slow path tells partial from waited */
    }
    PyObject *module = PyDict_GetItemWithError(self->modules, absname);
    if (module == NULL || module == Py_None) {
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject **count = (PyObject **)((char *)hit + self->count_offset);
    long n = *count ? PyLong_AsLong(*count) : 0;
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    PyObject *updated = PyLong_FromLong(n + 1);
    if (updated == NULL) {
        return -1;
    }
    Py_XSETREF(*count, updated);
    return 1;
}

/* 1 if counted as a repeated hit, 0 if not a known site, -1 on error. */
static int
count_hit(Hook *self, PyFrameObject *frame, PyObject *name)
{
    PyCodeObject *code = PyFrame_GetCode(frame);  /* new reference */
    if (code == NULL) {
        return -1;
    }
#if PY_VERSION_HEX >= 0x030B0000
    int lasti = PyFrame_GetLasti(frame);
#elif PY_VERSION_HEX >= 0x030A0000
    int lasti = frame->f_lasti * 2;  /* 3.10 counts code units; frame.f_lasti is in bytes */
#else
    int lasti = frame->f_lasti;
#endif
    CacheEntry *entry = cache_slot(self, code, lasti, name);
    if (entry->hit != NULL && entry->code == (void *)code && entry->lasti == lasti && entry->name == name) {
        Py_DECREF(code);
        return bump(self, entry->hit);
    }
    PyObject *code_id = PyLong_FromVoidPtr(code);  /* what id(code) returns */
    Py_DECREF(code);  /* the frame keeps it alive now, the _Hit record later */
    PyObject *lasti_obj = code_id ? PyLong_FromLong(lasti) : NULL;
    PyObject *key = lasti_obj ? PyTuple_Pack(3, code_id, lasti_obj, name) : NULL;
    Py_XDECREF(code_id);
    Py_XDECREF(lasti_obj);
    if (key == NULL) {
        return -1;
    }
    PyObject *hit = PyDict_GetItemWithError(self->sites, key);  /* borrowed */
    Py_DECREF(key);
    if (hit == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    Py_INCREF(hit);
    Py_INCREF(name);
    Py_XSETREF(entry->hit, hit);
    Py_XSETREF(entry->name, name);
    entry->code = (void *)code;
    entry->lasti = lasti;
    return bump(self, hit);
}

/* The absolute name of a relative import, as _recorder._resolve (and importlib) work it out from the
 * importer's __package__; NULL (no error set) when that needs the Python path. */
static PyObject *
resolve_relative(PyObject *globals, PyObject *name, long level)
{
    if (globals == NULL || !PyDict_Check(globals)) {
        return NULL;
    }
    PyObject *package = PyDict_GetItemWithError(globals, str_package);
    if (package == NULL || !PyUnicode_CheckExact(package) || PyUnicode_GET_LENGTH(package) == 0) {
        PyErr_Clear();
        return NULL;
    }
    Py_ssize_t end = PyUnicode_GET_LENGTH(package);
    for (long i = 1; i < level; i++) {
        Py_ssize_t dot = PyUnicode_FindChar(package, '.', 0, end, -1);
        if (dot < 0) {
            if (dot == -2) {
                PyErr_Clear();
            }
            return NULL;  /* beyond the top-level package: the import fails, the Python path says so */
        }
        end = dot;
    }
    PyObject *base = PyUnicode_Substring(package, 0, end);
    if (base == NULL || PyUnicode_GET_LENGTH(name) == 0) {
        if (base == NULL) {
            PyErr_Clear();
        }
        return base;
    }
    PyObject *absname = PyUnicode_FromFormat("%U.%U", base, name);
    Py_DECREF(base);
    if (absname == NULL) {
        PyErr_Clear();
    }
    return absname;
}

/* The first hit at a new call site, in the common case: an absolute name already in sys.modules, not
 * still loading or initialising, asked from a file the Python path already knows is not importlib's,
 * by a thread that already has a record.  Builds the _Hit record as _recorder._start_hit would.
 * Returns 1 with *out set (a new reference), 0 to let the Python path decide, -1 on error. */
static int
fast_first_hit(Hook *self, PyFrameObject *frame, PyObject *name, PyObject *absname, PyObject *level_obj,
               PyObject *fromlist, PyObject **out)
{
    *out = NULL;
    if (!self->active || !self->fast) {
        return 0;
    }
    PyObject *module = PyDict_GetItemWithError(self->modules, absname);
    if (module == NULL || module == Py_None) {
        return PyErr_Occurred() ? -1 : 0;
    }
    int loading = PyDict_Contains(self->loading, absname);
    if (loading != 0) {
        return loading < 0 ? -1 : 0;
    }
    PyObject *spec = PyObject_GetAttr(module, str_spec);  /* import.c reads it on every hit too */
    if (spec == NULL) {
        PyErr_Clear();
        return 0;
    }
    int initializing = 0;
    if (spec != Py_None) {
        PyObject *flag = PyObject_GetAttr(spec, str_initializing);
        if (flag == NULL) {
            PyErr_Clear();
        }
        else {
            initializing = PyObject_IsTrue(flag);
            Py_DECREF(flag);
        }
    }
    Py_DECREF(spec);
    if (initializing != 0) {
        if (initializing < 0) {
            PyErr_Clear();
        }
        return 0;
    }
    PyCodeObject *code = PyFrame_GetCode(frame);
    if (code == NULL) {
        return -1;
    }
    PyObject *filename = code->co_filename;
    PyObject *known = PyDict_GetItemWithError(self->machinery, filename);
    if (known != Py_False || PyUnicode_GET_LENGTH(filename) == 0 || PyUnicode_READ_CHAR(filename, 0) == '<'
        || PyDict_GET_SIZE(self->sites) > self->many_sites) {
        Py_DECREF(code);
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *tid = PyLong_FromUnsignedLong(PyThread_get_thread_ident());
    if (tid == NULL) {
        Py_DECREF(code);
        return -1;
    }
    int named = PyDict_Contains(self->thread_names, tid);
    if (named != 1) {
        Py_DECREF(tid);
        Py_DECREF(code);
        return named < 0 ? -1 : 0;
    }
#if PY_VERSION_HEX >= 0x030B0000
    PyObject *globals = PyFrame_GetGlobals(frame);
    int lasti = PyFrame_GetLasti(frame);
#else
    PyObject *globals = Py_NewRef(frame->f_globals);
#if PY_VERSION_HEX >= 0x030A0000
    int lasti = frame->f_lasti * 2;
#else
    int lasti = frame->f_lasti;
#endif
#endif
    PyObject *importer = PyDict_Check(globals) ? PyDict_GetItemWithError(globals, str_name_key) : NULL;
    if (importer == NULL && PyErr_Occurred()) {
        PyErr_Clear();
    }
    PyObject *parent = Py_None;
    PyObject *stack = PyDict_GetItemWithError(self->stacks, tid);
    if (stack != NULL && PyList_Check(stack) && PyList_GET_SIZE(stack) > 0) {
        parent = PyList_GET_ITEM(stack, PyList_GET_SIZE(stack) - 1);
    }
    PyObject *names = empty_tuple;
    PyObject *names_owned = NULL;
    if (fromlist != NULL && (PyTuple_CheckExact(fromlist) || PyList_CheckExact(fromlist))) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(fromlist);
        int all_str = n > 0;
        for (Py_ssize_t i = 0; i < n && all_str; i++) {
            all_str = PyUnicode_CheckExact(PySequence_Fast_GET_ITEM(fromlist, i));
        }
        if (all_str) {
            names = names_owned = PySequence_Tuple(fromlist);
        }
    }
    PyObject *hit = NULL, *id = NULL, *t0 = NULL, *code_id = NULL;
    PyObject *lasti_obj = NULL, *key = NULL;
    int result = -1;
    if (names == NULL) {
        goto done;
    }
    id = PyIter_Next(self->ids);
    t0 = id ? PyObject_CallNoArgs(self->clock) : NULL;
    lasti_obj = t0 ? PyLong_FromLong(lasti) : NULL;
    code_id = lasti_obj ? PyLong_FromVoidPtr(code) : NULL;
    key = code_id ? PyTuple_Pack(3, code_id, lasti_obj, name) : NULL;
    hit = key ? self->hit_type->tp_alloc(self->hit_type, 0) : NULL;
    if (hit == NULL) {
        goto done;
    }
    set_slot(self, hit, S_ID, id);
    set_slot(self, hit, S_KIND, str_hit);
    set_slot(self, hit, S_NAME, absname);
    set_slot(self, hit, S_T0, t0);
    set_slot(self, hit, S_T1, Py_None);
    set_slot(self, hit, S_TID, tid);
    set_slot(self, hit, S_PARENT, parent);
    set_slot(self, hit, S_IMPORTER, importer ? importer : Py_None);
    set_slot(self, hit, S_WHERE, Py_None);  /* the line comes from code and lasti at export */
    set_slot(self, hit, S_CODE, (PyObject *)code);
    set_slot(self, hit, S_COUNT, one);
    set_slot(self, hit, S_FROMLIST, names);
    set_slot(self, hit, S_LASTI, lasti_obj);
    set_slot(self, hit, S_LEVEL, level_obj);
    set_slot(self, hit, S_MISSING, Py_None);
    set_slot(self, hit, S_PARTIAL, Py_False);
    set_slot(self, hit, S_VIA, self->via);
    set_slot(self, hit, S_WAITED, Py_False);
    if (PyDict_SetItem(self->sites, key, hit) < 0 || PyList_Append(self->events, hit) < 0) {
        Py_CLEAR(hit);
        goto done;
    }
    PyObject_GC_UnTrack(hit);  /* records hold no cycles: see untrack() */
    CacheEntry *entry = cache_slot(self, code, lasti, name);
    Py_XSETREF(entry->hit, Py_NewRef(hit));
    Py_XSETREF(entry->name, Py_NewRef(name));
    entry->code = (void *)code;
    entry->lasti = lasti;
    *out = hit;
    self->fast_hits++;
    result = 1;
done:
    Py_XDECREF(id);
    Py_XDECREF(t0);
    Py_XDECREF(lasti_obj);
    Py_XDECREF(code_id);
    Py_XDECREF(key);
    Py_XDECREF(names_owned);
    Py_DECREF(globals);
    Py_DECREF(tid);
    Py_DECREF(code);
    return result;
}

/* Call orig with exactly the arguments we were given, around a record opened by prepare. */
static PyObject *
call_recorded(Hook *self, PyObject *hit, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    PyObject *result = PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    if (hit == Py_None) {
        return result;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *done = PyObject_CallFunctionObjArgs(self->finish, hit, result == NULL ? Py_True : Py_False, NULL);
    if (done == NULL) {
        PyErr_Clear();  /* a failure of the recorder must never change the program's import */
    }
    Py_XDECREF(done);
    PyErr_Restore(type, value, tb);
    return result;
}

static PyObject *
hook_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Hook *self = (Hook *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || nargs < 1 || !PyUnicode_CheckExact(args[0])) {
        return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
    }
    PyFrameObject *frame = PyEval_GetFrame();  /* borrowed: the code that asked */
    if (frame == NULL) {
        return PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    }
    PyObject *name = args[0];
    int counted = count_hit(self, frame, name);
    if (counted < 0) {
        PyErr_Clear();
    }
    else if (counted > 0) {
        return PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    }
    PyObject *hit;
    PyObject *absname = NULL;
    PyObject *level_obj = zero;
    if (self->is_import_module) {
        if (nargs <= 2 && PyUnicode_GET_LENGTH(name) > 0 && PyUnicode_READ_CHAR(name, 0) != '.') {
            absname = Py_NewRef(name);
        }
    }
    else if (nargs <= 4 || (PyLong_CheckExact(args[4]) && PyLong_AsLong(args[4]) == 0)) {
        if (PyUnicode_GET_LENGTH(name) > 0) {
            absname = Py_NewRef(name);
        }
    }
    else if (PyLong_CheckExact(args[4])) {
        long level = PyLong_AsLong(args[4]);
        if (level > 0 && level < 100) {
            absname = resolve_relative(args[1], name, level);
            level_obj = args[4];
        }
        else if (level == -1 && PyErr_Occurred()) {
            PyErr_Clear();
        }
    }
    if (absname != NULL) {
        PyObject *fromlist = (!self->is_import_module && nargs > 3) ? args[3] : NULL;
        int handled = fast_first_hit(self, frame, name, absname, level_obj, fromlist, &hit);
        Py_DECREF(absname);
        if (handled < 0) {
            PyErr_Clear();
        }
        else if (handled > 0) {
            PyObject *result = PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyObject *t1 = PyObject_CallNoArgs(self->clock);
            if (t1 == NULL) {
                PyErr_Clear();
            }
            else {
                set_slot(self, hit, S_T1, t1);
                Py_DECREF(t1);
            }
            PyErr_Restore(type, value, tb);
            Py_DECREF(hit);
            return result;
        }
    }
    if (self->is_import_module) {
        if (nargs > 2) {
            return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
        }
        hit = PyObject_CallFunctionObjArgs(self->prepare, name, nargs > 1 ? args[1] : Py_None, (PyObject *)frame,
                                           NULL);
    }
    else {
        if (nargs > 5) {
            return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
        }
        PyObject *level = nargs > 4 ? args[4] : NULL;
        PyObject *zero = NULL;
        if (level == NULL) {
            level = zero = PyLong_FromLong(0);
            if (level == NULL) {
                return NULL;
            }
        }
        hit = PyObject_CallFunctionObjArgs(self->prepare, name, nargs > 1 ? args[1] : Py_None,
                                           nargs > 3 ? args[3] : Py_None, level, (PyObject *)frame, NULL);
        Py_XDECREF(zero);
    }
    if (hit == NULL) {
        PyErr_Clear();
        hit = Py_NewRef(Py_None);
    }
    PyObject *result = call_recorded(self, hit, args, nargsf, kwnames);
    Py_DECREF(hit);
    return result;
}

static PyObject *
hook_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"orig", "prepare", "finish", "fallback", "sites", "loading", "modules", "hit_type",
                             "import_module", "events", "stacks", "thread_names", "machinery", "ids", "clock",
                             "many_sites", NULL};
    PyObject *orig, *prepare, *finish, *fallback, *sites, *loading, *modules, *hit_type;
    PyObject *events = NULL, *stacks = NULL, *thread_names = NULL, *machinery = NULL, *ids = NULL, *clock = NULL;
    int is_import_module = 0;
    Py_ssize_t many_sites = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOO!O!O!O!|p$O!O!O!O!OOn", kwlist, &orig, &prepare, &finish,
                                     &fallback, &PyDict_Type, &sites, &PyDict_Type, &loading, &PyDict_Type,
                                     &modules, &PyType_Type, &hit_type, &is_import_module, &PyList_Type, &events,
                                     &PyDict_Type, &stacks, &PyDict_Type, &thread_names, &PyDict_Type,
                                     &machinery, &ids, &clock, &many_sites)) {
        return NULL;
    }
    Py_ssize_t offsets[18];
    for (int i = 0; i < 18; i++) {
        PyObject *descr = PyObject_GetAttrString(hit_type, SLOTS[i]);
        if (descr == NULL) {
            return NULL;
        }
        if (Py_TYPE(descr) != &PyMemberDescr_Type || ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
            Py_DECREF(descr);
            PyErr_Format(PyExc_TypeError, "hit_type.%s must be a __slots__ member", SLOTS[i]);
            return NULL;
        }
        offsets[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
        Py_DECREF(descr);
    }
    Hook *self = (Hook *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    memcpy(self->offsets, offsets, sizeof(offsets));
    self->hit_type = (PyTypeObject *)Py_NewRef(hit_type);
    self->events = Py_XNewRef(events);
    self->stacks = Py_XNewRef(stacks);
    self->thread_names = Py_XNewRef(thread_names);
    self->machinery = Py_XNewRef(machinery);
    self->ids = Py_XNewRef(ids);
    self->clock = Py_XNewRef(clock);
    self->via = PyUnicode_InternFromString(is_import_module ? "import_module" : "import");
    self->many_sites = many_sites;
    /* the first-hit fast path needs every piece of the recorder's state */
    self->fast = events && stacks && thread_names && machinery && ids && clock && self->via;
    self->orig = Py_NewRef(orig);
    self->prepare = Py_NewRef(prepare);
    self->finish = Py_NewRef(finish);
    self->fallback = Py_NewRef(fallback);
    self->sites = Py_NewRef(sites);
    self->loading = Py_NewRef(loading);
    self->modules = Py_NewRef(modules);
    self->name_offset = offsets[S_NAME];
    self->count_offset = offsets[S_COUNT];
    self->is_import_module = is_import_module;
    self->vectorcall = hook_vectorcall;
    return (PyObject *)self;
}

static PyObject *
hook_clear_cache(Hook *self, PyObject *unused)
{
    cache_clear(self);
    Py_RETURN_NONE;
}

static PyObject *
hook_set_active(Hook *self, PyObject *flag)
{
    int on = PyObject_IsTrue(flag);
    if (on < 0) {
        return NULL;
    }
    self->active = on;
    Py_RETURN_NONE;
}

static PyObject *
hook_set_fast(Hook *self, PyObject *flag)
{
    int on = PyObject_IsTrue(flag);
    if (on < 0) {
        return NULL;
    }
    self->fast = on && self->events && self->stacks && self->thread_names && self->machinery && self->ids
                 && self->clock && self->via;
    Py_RETURN_NONE;
}

static PyMethodDef hook_methods[] = {
    {"set_active", (PyCFunction)hook_set_active, METH_O, "Record first hits in C while a trace records."},
    {"set_fast", (PyCFunction)hook_set_fast, METH_O,
     "Whether first hits may be recorded without a Python call (not while a stream writer runs)."},
    {"clear_cache", (PyCFunction)hook_clear_cache, METH_NOARGS,
     "Forget cached call sites (the recorder calls this whenever it clears its sites dict)."},
    {NULL},
};

static int
hook_traverse(Hook *self, visitproc visit, void *arg)
{
    for (int i = 0; i < CACHE_SIZE; i++) {
        Py_VISIT(self->cache[i].hit);
    }
    Py_VISIT(self->orig);
    Py_VISIT(self->prepare);
    Py_VISIT(self->finish);
    Py_VISIT(self->fallback);
    Py_VISIT(self->sites);
    Py_VISIT(self->loading);
    Py_VISIT(self->modules);
    Py_VISIT(self->dict);
    Py_VISIT(self->hit_type);
    Py_VISIT(self->events);
    Py_VISIT(self->stacks);
    Py_VISIT(self->thread_names);
    Py_VISIT(self->machinery);
    Py_VISIT(self->ids);
    Py_VISIT(self->clock);
    return 0;
}

static int
hook_clear(Hook *self)
{
    Py_CLEAR(self->orig);
    Py_CLEAR(self->prepare);
    Py_CLEAR(self->finish);
    Py_CLEAR(self->fallback);
    Py_CLEAR(self->sites);
    Py_CLEAR(self->loading);
    Py_CLEAR(self->modules);
    Py_CLEAR(self->dict);
    Py_CLEAR(self->hit_type);
    Py_CLEAR(self->events);
    Py_CLEAR(self->stacks);
    Py_CLEAR(self->thread_names);
    Py_CLEAR(self->machinery);
    Py_CLEAR(self->ids);
    Py_CLEAR(self->clock);
    Py_CLEAR(self->via);
    cache_clear(self);
    return 0;
}

static void
hook_dealloc(Hook *self)
{
    PyObject_GC_UnTrack(self);
    hook_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
hook_repr(Hook *self)
{
    return PyUnicode_FromFormat("<importtrace hook for %R>", self->orig);
}

/* Attributes we do not have are the original's (__code__, __defaults__, __globals__, ...). */
static PyObject *
hook_getattro(PyObject *self, PyObject *name)
{
    PyObject *result = PyObject_GenericGetAttr(self, name);
    if (result == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        result = PyObject_GetAttr(((Hook *)self)->orig, name);
    }
    return result;
}

/* Bind like the original when stored on a class: a Python function binds, a builtin does not. */
static PyObject *
hook_descr_get(PyObject *self, PyObject *obj, PyObject *type)
{
    PyObject *orig = ((Hook *)self)->orig;
    if (obj == NULL || obj == Py_None || !PyFunction_Check(orig)) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

static PyObject *
hook_get_orig(Hook *self, void *closure)
{
    return Py_NewRef(self->orig);
}

static PyObject *
hook_get_fast_hits(Hook *self, void *closure)
{
    return PyLong_FromSsize_t(self->fast_hits);
}

static PyGetSetDef hook_getset[] = {
    {"orig", (getter)hook_get_orig, NULL, "The function this hook stands in for.", NULL},
    {"fast_hits", (getter)hook_get_fast_hits, NULL, "First hits this hook recorded without the Python path.", NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL},
};

static PyTypeObject HookType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "importtrace._speedups.Hook",
    .tp_doc = "builtins.__import__ or importlib.import_module while tracing (see importtrace._recorder).",
    .tp_basicsize = sizeof(Hook),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = hook_new,
    .tp_dealloc = (destructor)hook_dealloc,
    .tp_traverse = (traverseproc)hook_traverse,
    .tp_clear = (inquiry)hook_clear,
    .tp_repr = (reprfunc)hook_repr,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Hook, vectorcall),
    .tp_dictoffset = offsetof(Hook, dict),
    .tp_getset = hook_getset,
    .tp_getattro = hook_getattro,
    .tp_descr_get = hook_descr_get,
    .tp_methods = hook_methods,
};

/* line_of(code, lasti): the source line of the instruction at byte offset lasti (CPython's own
 * lookup, which scans the code's line table: cheap for small code objects). */
static PyObject *
line_of(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyCode_Check(args[0]) || !PyLong_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "line_of(code, lasti)");
        return NULL;
    }
    int lasti = PyLong_AsInt(args[1]);
    if (lasti == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromLong(PyCode_Addr2Line((PyCodeObject *)args[0], lasti));
}

/* untrack(record): take a hit or load record out of the garbage collector's care.  They form no
 * reference cycles (they point to a record opened before them, a spec, a loader or a code object,
 * none of which point back), so reference counting frees them; left tracked, every full collection of
 * a large program walked thousands of them (about a third of the recording's extra instructions).
 * Never a reload record: its search's parent is the reload, a cycle only the collector can free. */
static PyObject *
untrack(PyObject *module, PyObject *record)
{
    if (PyObject_IS_GC(record) && PyObject_GC_IsTracked(record)) {
        PyObject_GC_UnTrack(record);
    }
    Py_RETURN_NONE;
}

/* line_table(code) -> (starts, lines): where each range of instructions begins and its source line
 * (None where it has none), in order; importtrace bisects it when a code object asks many times. */
static PyObject *
line_table(PyObject *module, PyObject *arg)
{
    if (!PyCode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "line_table(code)");
        return NULL;
    }
    PyCodeObject *code = (PyCodeObject *)arg;
    PyObject *starts = PyList_New(0), *lines = PyList_New(0);
    if (starts == NULL || lines == NULL) {
        goto error;
    }
#if PY_VERSION_HEX >= 0x030A0000
    PyObject *ranges = PyObject_CallMethod(arg, "co_lines", NULL);
    if (ranges == NULL) {
        goto error;
    }
    PyObject *item;
    while ((item = PyIter_Next(ranges)) != NULL) {
        int failed = PyList_Append(starts, PyTuple_GET_ITEM(item, 0)) < 0
                     || PyList_Append(lines, PyTuple_GET_ITEM(item, 2)) < 0;
        Py_DECREF(item);
        if (failed) {
            Py_DECREF(ranges);
            goto error;
        }
    }
    Py_DECREF(ranges);
    if (PyErr_Occurred()) {
        goto error;
    }
#else
    /* 3.9: co_lnotab holds (address increment, signed line increment) pairs */
    const unsigned char *table = (const unsigned char *)PyBytes_AS_STRING(code->co_lnotab);
    Py_ssize_t size = PyBytes_GET_SIZE(code->co_lnotab) / 2;
    long addr = 0, line = code->co_firstlineno;
    for (Py_ssize_t k = -1; k < size; k++) {
        if (k >= 0) {
            addr += table[2 * k];
            line += (signed char)table[2 * k + 1];
        }
        PyObject *a = PyLong_FromLong(addr), *l = PyLong_FromLong(line);
        int failed = a == NULL || l == NULL || PyList_Append(starts, a) < 0 || PyList_Append(lines, l) < 0;
        Py_XDECREF(a);
        Py_XDECREF(l);
        if (failed) {
            goto error;
        }
    }
#endif
    return Py_BuildValue("(NN)", starts, lines);
error:
    Py_XDECREF(starts);
    Py_XDECREF(lines);
    return NULL;
}

static PyMethodDef speedups_methods[] = {
    {"line_table", (PyCFunction)line_table, METH_O,
     "line_table(code) -> (starts, lines): the code's instruction ranges and their source lines."},
    {"untrack", (PyCFunction)untrack, METH_O, "untrack(record): a record in no cycle; the GC can skip it."},
    {"line_of", (PyCFunction)(void (*)(void))line_of, METH_FASTCALL,
     "line_of(code, lasti) -> the source line of the instruction at byte offset lasti."},
    {NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "importtrace._speedups",
    .m_doc = "The compiled hot path of importtrace's import hooks (optional; _recorder falls back to Python).",
    .m_size = -1,
    .m_methods = speedups_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&HookType) < 0) {
        return NULL;
    }
    str_hit = PyUnicode_InternFromString("hit");
    str_name_key = PyUnicode_InternFromString("__name__");
    str_package = PyUnicode_InternFromString("__package__");
    str_spec = PyUnicode_InternFromString("__spec__");
    str_initializing = PyUnicode_InternFromString("_initializing");
    empty_tuple = PyTuple_New(0);
    zero = PyLong_FromLong(0);
    one = PyLong_FromLong(1);
    if (!str_hit || !str_name_key || !str_package || !str_spec || !str_initializing || !empty_tuple || !zero || !one) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&HookType);
    if (PyModule_AddObject(module, "Hook", (PyObject *)&HookType) < 0) {
        Py_DECREF(&HookType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
