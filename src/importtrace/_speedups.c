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

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *
Py_NewRef(PyObject *obj)
{
    Py_INCREF(obj);
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

static inline CacheEntry *
cache_slot(Hook *self, void *code, int lasti, PyObject *name)
{
    size_t h = ((size_t)code >> 4) ^ ((size_t)lasti * 0x9E3779B1u) ^ ((size_t)name >> 4);
    return &self->cache[(h ^ (h >> 10)) & (CACHE_SIZE - 1)];
}

static int
frame_site(PyFrameObject *frame, PyObject **code_id, int *lasti)
{
    PyCodeObject *code = PyFrame_GetCode(frame);  /* new reference */
    if (code == NULL) {
        return -1;
    }
    *code_id = PyLong_FromVoidPtr(code);  /* what id(code) returns */
    Py_DECREF(code);  /* the frame keeps it alive; the _Hit record keeps it alive later */
#if PY_VERSION_HEX >= 0x030B0000
    *lasti = PyFrame_GetLasti(frame);
#elif PY_VERSION_HEX >= 0x030A0000
    *lasti = frame->f_lasti * 2;  /* 3.10 counts code units; frame.f_lasti is in bytes */
#else
    *lasti = frame->f_lasti;
#endif
    return *code_id == NULL ? -1 : 0;
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
                             "import_module", NULL};
    PyObject *orig, *prepare, *finish, *fallback, *sites, *loading, *modules, *hit_type;
    int is_import_module = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOO!O!O!O!|p", kwlist, &orig, &prepare, &finish, &fallback,
                                     &PyDict_Type, &sites, &PyDict_Type, &loading, &PyDict_Type, &modules,
                                     &PyType_Type, &hit_type, &is_import_module)) {
        return NULL;
    }
    Py_ssize_t offsets[2];
    const char *slots[2] = {"name", "count"};
    for (int i = 0; i < 2; i++) {
        PyObject *descr = PyObject_GetAttrString(hit_type, slots[i]);
        if (descr == NULL) {
            return NULL;
        }
        if (Py_TYPE(descr) != &PyMemberDescr_Type || ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
            Py_DECREF(descr);
            PyErr_Format(PyExc_TypeError, "hit_type.%s must be a __slots__ member", slots[i]);
            return NULL;
        }
        offsets[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
        Py_DECREF(descr);
    }
    Hook *self = (Hook *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->orig = Py_NewRef(orig);
    self->prepare = Py_NewRef(prepare);
    self->finish = Py_NewRef(finish);
    self->fallback = Py_NewRef(fallback);
    self->sites = Py_NewRef(sites);
    self->loading = Py_NewRef(loading);
    self->modules = Py_NewRef(modules);
    self->name_offset = offsets[0];
    self->count_offset = offsets[1];
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

static PyMethodDef hook_methods[] = {
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

static PyGetSetDef hook_getset[] = {
    {"orig", (getter)hook_get_orig, NULL, "The function this hook stands in for.", NULL},
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

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "importtrace._speedups",
    .m_doc = "The compiled hot path of importtrace's import hooks (optional; _recorder falls back to Python).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&HookType) < 0) {
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
