/* The Finder first in sys.meta_path, the loader proxies, the reload hook and the program's __main__
 * (see _pyfinder.py, which this follows step by step).  The finder asks the finders after it and
 * records the answer; a proxy stands in for spec.loader only until the module's code runs, and puts
 * the real loader back on the spec and the module first. */
#include "crecord.h"
#include <pythread.h>

typedef struct {
    PyObject_HEAD
    Recorder *rec;
} Finder;

typedef struct {
    PyObject_HEAD
    Recorder *rec;
    PyObject *real, *spec;
    PyObject *name, *reason, *loader_name; /* of the search that found it */
    Place place;                           /* who asked for it (a reload the proxy must time itself) */
    PyObject *importer;
    int64_t search_id;
    Py_ssize_t index; /* the record this load is timed in; -1 until it opens */
    uint64_t generation;
    int by_proxy;
} Proxy;

static PyObject *
text(PyObject *value)
{
    if (value == NULL || value == Py_None || PyUnicode_CheckExact(value)) {
        return Py_NewRef(value ? value : Py_None);
    }
    PyObject *s = PyObject_Str(value);
    if (s == NULL) {
        PyErr_Clear();
        s = PyUnicode_FromFormat("<unprintable %s>", Py_TYPE(value)->tp_name);
    }
    return s;
}

static PyObject *
getattr_or_none(PyObject *obj, PyObject *name)
{
    PyObject *value = PyObject_GetAttr(obj, name);
    if (value == NULL) {
        PyErr_Clear();
        value = Py_NewRef(Py_None);
    }
    return value;
}

static PyObject *
tid_object(void)
{
    return PyLong_FromUnsignedLong(PyThread_get_thread_ident());
}

/* Set a field of a record, noting (not raising) a failure. */
static void
put(Recorder *R, Py_ssize_t index, int field, PyObject *value)
{
    if (value == NULL || rec_set_extra(R, index, field, value) < 0) {
        rec_note_internal(R, "recording a field");
    }
    Py_XDECREF(value);
}

static PyObject *
describe_current(Recorder *R)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *described = value ? rec_describe(R, value) : NULL;
    if (described == NULL) {
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
    return described;
}

static void
fill_load(Recorder *R, Py_ssize_t index, int64_t search_id, PyObject *origin, PyObject *kind, PyObject *loader)
{
    put(R, index, L_SEARCH, search_id ? PyLong_FromLongLong(search_id) : Py_NewRef(Py_None));
    put(R, index, L_ORIGIN, text(origin));
    put(R, index, L_LOADER, Py_NewRef(loader ? loader : Py_None));
    put(R, index, L_TYPE, Py_NewRef(kind));
    put(R, index, L_REPLACED, Py_NewRef(Py_False));
    put(R, index, L_NAMESPACE, Py_NewRef(Py_False));
    put(R, index, L_LAZY, Py_NewRef(Py_False));
    put(R, index, L_OBSERVED, Py_NewRef(Py_True));
}

/* --- proxies ---------------------------------------------------------------------------------------- */

int
proxy_check(PyObject *obj)
{
    PyTypeObject *t = Py_TYPE(obj);
    return t == &ProxyExecType || t == &ProxyExecOnlyType || t == &ProxyLegacyType || t == &ProxyLazyType
           || t == &ProxyLazyExecType;
}

static PyObject *
proxy_new(PyTypeObject *type, Recorder *R, PyObject *real, PyObject *spec, Proxy *from, Py_ssize_t search)
{
    Proxy *p = PyObject_GC_New(Proxy, type);
    if (p == NULL) {
        return NULL;
    }
    p->rec = (Recorder *)Py_NewRef((PyObject *)R);
    p->real = Py_NewRef(real);
    p->spec = Py_NewRef(spec);
    p->index = -1;
    p->generation = R->generation;
    p->by_proxy = 0;
    if (from != NULL) {
        p->name = Py_NewRef(from->name);
        p->reason = Py_NewRef(from->reason);
        p->loader_name = Py_XNewRef(from->loader_name);
        place_copy(&p->place, &from->place);
        p->importer = Py_XNewRef(from->importer);
        p->search_id = from->search_id;
    }
    else {
        Rec *r = &R->recs[search];
        p->name = Py_NewRef(r->name);
        p->reason = Py_NewRef(rec_get_extra(R, search, S_REASON));
        p->loader_name = Py_NewRef(rec_get_extra(R, search, S_LOADER));
        place_copy(&p->place, &r->place);
        p->importer = Py_XNewRef(r->importer);
        p->search_id = r->id;
    }
    PyObject_GC_Track(p);
    return (PyObject *)p;
}

static void
proxy_restore(Proxy *self, PyObject *module)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *current = PyObject_GetAttr(self->spec, s_loader);
    if (current == (PyObject *)self && PyObject_SetAttr(self->spec, s_loader, self->real) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(current);
    if (module != NULL && module != Py_None) {
        current = PyObject_GetAttr(module, s___loader__);
        if (current == (PyObject *)self && PyObject_SetAttr(module, s___loader__, self->real) < 0) {
            PyErr_Clear();
        }
        Py_XDECREF(current);
    }
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
}

/* Whether this proxy's trace is still the recorder's (not stopped since it found the module). */
static int
proxy_live(Proxy *self)
{
    return self->rec->active && self->generation == self->rec->generation;
}

/* The record this load is timed in: a load, or for a reload the reload record (see _pyfinder._open).
 * caller is the frame that called the loader.  -1 with an exception on failure. */
static Py_ssize_t
proxy_open(Proxy *self)
{
    Recorder *R = self->rec;
    if (self->index >= 0) {
        rec_set_marker(R, self->index, 1);
        return self->index;
    }
    Py_ssize_t index;
    if (PyUnicode_CompareWithASCIIString(self->reason, "reload") == 0) {
        Open *top = rec_top(R);
        if (top != NULL) {
            Rec *r = &R->recs[top->index];
            if (r->kind == K_RELOAD && PyUnicode_Compare(r->name, self->name) == 0
                && rec_get_extra(R, top->index, R_SEARCH) == Py_None) {
                index = top->index;
                put(R, index, R_SEARCH, PyLong_FromLongLong(self->search_id));
                self->index = index;
                rec_set_marker(R, index, 1);
                return index;
            }
        }
        PyErr_Clear();
        /* importlib.reload bound before importlib was patched: the reload is timed here */
        index = rec_new_at(R, K_RELOAD, self->name, &self->place, self->importer);
        if (index < 0) {
            return -1;
        }
        put(R, index, R_SEARCH, PyLong_FromLongLong(self->search_id));
        self->by_proxy = 1;
    }
    else {
        index = rec_new(R, K_LOAD, self->name, NULL, -1, NULL);
        if (index < 0) {
            return -1;
        }
        PyObject *origin = getattr_or_none(self->spec, s_origin);
        PyObject *kind = rec_module_type(R, self->real);
        if (kind == NULL) {
            PyErr_Clear();
            kind = PyUnicode_FromString("other");
        }
        fill_load(R, index, self->search_id, origin, kind, self->loader_name);
        Py_DECREF(origin);
        Py_XDECREF(kind);
    }
    self->index = index;
    rec_began(R, index);
    if (rec_push(R, index, 1) < 0) {
        return -1;
    }
    return index;
}

static void
end_reload_record(Recorder *R, Py_ssize_t index, PyObject *module)
{
    rec_pop(R, index);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *id = PyLong_FromLongLong(R->recs[index].id);
    PyObject *before = id ? PyDict_GetItemWithError(R->snapshots, id) : NULL;
    PyObject *changes = PyObject_CallFunctionObjArgs(R->p_changes, before ? before : Py_None, module, NULL);
    if (id != NULL && PyDict_DelItem(R->snapshots, id) < 0) {
        PyErr_Clear();
    }
    if (changes != NULL && PyTuple_Check(changes) && PyTuple_GET_SIZE(changes) == 5) {
        for (int i = 0; i < 5; i++) {
            put(R, index, R_ADDED + i, Py_NewRef(PyTuple_GET_ITEM(changes, i)));
        }
    }
    else {
        rec_note_internal(R, "reload hook");
    }
    Py_XDECREF(changes);
    Py_XDECREF(id);
    rec_end(R, index);
    PyErr_Restore(type, value, tb);
}

static void
proxy_close(Proxy *self, Py_ssize_t index, PyObject *module, int failed)
{
    Recorder *R = self->rec;
    if (self->generation != R->generation || index >= R->len) {
        return;
    }
    PyObject *type, *value, *tb;
    PyObject *described = failed ? describe_current(R) : NULL;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *name = self->name;
    PyObject *owner = PyDict_GetItemWithError(R->loading, name);
    PyObject *me = tid_object();
    if (owner != NULL && me != NULL && PyObject_RichCompareBool(owner, me, Py_EQ) == 1) {
        PyDict_DelItem(R->loading, name);
    }
    Py_XDECREF(me);
    PyErr_Clear();
    if (R->details) {
        PyObject *details = Py_NewRef(rec_get_extra(R, index, R->recs[index].kind == K_RELOAD ? R_DETAILS : L_DETAILS));
        PyObject *done = PyObject_CallOneArg(R->p_load_done, details);
        Py_DECREF(details);
        if (done == NULL) {
            rec_note_internal(R, "recording a field");
        }
        Py_XDECREF(done);
    }
    if (R->recs[index].kind == K_RELOAD) {
        rec_set_marker(R, index, 0);
        if (self->by_proxy) {
            self->by_proxy = 0;
            if (described != NULL) {
                put(R, index, R_ERROR, Py_NewRef(described));
            }
            end_reload_record(R, index, module);
        }
    }
    else {
        if (described != NULL) {
            put(R, index, L_ERROR, Py_NewRef(described));
        }
        else if (!failed && module != NULL && module != Py_None) {
            PyObject *now = PyDict_GetItemWithError(PyImport_GetModuleDict(), name);
            PyErr_Clear();
            if (now != NULL && now != module) {
                put(R, index, L_REPLACED, Py_NewRef(Py_True));
            }
            else if (now == NULL) { /* the module took itself out of sys.modules: importlib then fails so */
                PyObject *message = PyObject_Repr(name);
                put(R, index, L_ERROR, message ? Py_BuildValue("(sN)", "KeyError", message) : NULL);
            }
        }
        rec_pop(R, index);
        rec_end(R, index);
        if (!failed && R->active && PyUnicode_CompareWithASCIIString(name, "importlib") == 0) {
            PyObject *done = PyObject_CallOneArg(R->on_importlib, module);
            if (done == NULL) {
                rec_note_internal(R, "wrapping importlib");
            }
            Py_XDECREF(done);
        }
        if (!failed && R->active && module != NULL && PyDict_GET_SIZE(R->watch)) {
            PyObject *callback = PyDict_GetItemWithError(R->watch, name);
            if (callback != NULL) {
                Py_INCREF(callback);
                PyObject *done = PyObject_CallOneArg(callback, module);
                if (done == NULL) {
                    rec_note_internal(R, "watching a module");
                }
                Py_XDECREF(done);
                Py_DECREF(callback);
            }
            PyErr_Clear();
        }
    }
    Py_XDECREF(described);
    PyErr_Restore(type, value, tb);
}

static void
proxy_before_exec(Proxy *self, Py_ssize_t index, PyObject *module)
{
    Recorder *R = self->rec;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (R->recs[index].kind == K_RELOAD) {
        PyObject *id = PyLong_FromLongLong(R->recs[index].id);
        if (self->by_proxy && id != NULL && PyDict_Contains(R->snapshots, id) == 0) {
            PyObject *before = PyObject_CallOneArg(R->p_snapshot, module);
            if (before == NULL || PyDict_SetItem(R->snapshots, id, before) < 0) {
                rec_note_internal(R, "reload hook");
            }
            Py_XDECREF(before);
        }
        Py_XDECREF(id);
        if (R->details) {
            put(R, index, R_DETAILS, PyObject_CallFunctionObjArgs(R->p_load_details, self->spec, self->real, NULL));
        }
    }
    else {
        PyObject *me = tid_object();
        if (me == NULL || PyDict_SetItem(R->loading, self->name, me) < 0) {
            rec_note_internal(R, "loader proxy");
        }
        Py_XDECREF(me);
        PyObject *origin = getattr_or_none(self->spec, s_origin);
        if (PyUnicode_CheckExact(origin)) {
            (void)rec_is_machinery(R, origin); /* classify the module's file now: its imports' first hits go fast */
        }
        Py_DECREF(origin);
        if (R->details) {
            put(R, index, L_DETAILS, PyObject_CallFunctionObjArgs(R->p_load_details, self->spec, self->real, NULL));
        }
    }
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
}

static PyObject *
proxy_exec_module(Proxy *self, PyObject *module)
{
    proxy_restore(self, module);
    if (!proxy_live(self)) {
        return PyObject_CallMethodObjArgs(self->real, s_exec_module, module, NULL);
    }
    Py_ssize_t index = proxy_open(self);
    if (index < 0) {
        rec_note_internal(self->rec, "loader proxy");
        return PyObject_CallMethodObjArgs(self->real, s_exec_module, module, NULL);
    }
    proxy_before_exec(self, index, module);
    PyObject *result = PyObject_CallMethodObjArgs(self->real, s_exec_module, module, NULL);
    proxy_close(self, index, module, result == NULL);
    return result;
}

static PyObject *
proxy_create_module(Proxy *self, PyObject *spec)
{
    if (!proxy_live(self)) {
        return PyObject_CallMethodObjArgs(self->real, s_create_module, spec, NULL);
    }
    Py_ssize_t index = proxy_open(self); /* extensions do most work here */
    if (index < 0) {
        rec_note_internal(self->rec, "loader proxy");
        return PyObject_CallMethodObjArgs(self->real, s_create_module, spec, NULL);
    }
    PyObject *module = PyObject_CallMethodObjArgs(self->real, s_create_module, spec, NULL);
    if (module == NULL) {
        proxy_restore(self, NULL);
        proxy_close(self, index, NULL, 1);
        return NULL;
    }
    rec_set_marker(self->rec, index, 0); /* the loader returns now; exec_module runs it again */
    return module;
}

static PyObject *
proxy_load_module(Proxy *self, PyObject *fullname)
{
    if (!proxy_live(self)) {
        proxy_restore(self, NULL);
        return PyObject_CallMethodObjArgs(self->real, s_load_module, fullname, NULL);
    }
    Recorder *R = self->rec;
    Py_ssize_t index = proxy_open(self);
    if (index < 0) {
        rec_note_internal(R, "loader proxy");
        proxy_restore(self, NULL);
        return PyObject_CallMethodObjArgs(self->real, s_load_module, fullname, NULL);
    }
    if (R->recs[index].kind == K_RELOAD) {
        PyObject *module = PyDict_GetItemWithError(PyImport_GetModuleDict(), fullname);
        PyErr_Clear();
        proxy_before_exec(self, index, module ? module : Py_None);
    }
    else {
        PyObject *me = tid_object();
        if (me == NULL || PyDict_SetItem(R->loading, fullname, me) < 0) {
            PyErr_Clear();
        }
        Py_XDECREF(me);
    }
    PyObject *module = PyObject_CallMethodObjArgs(self->real, s_load_module, fullname, NULL);
    proxy_restore(self, module);
    proxy_close(self, index, module, module == NULL);
    return module;
}

/* A LazyLoader: nothing runs now, so nothing is recorded now; the module's code runs at its first
 * attribute use, through the inner loader, and that is its one load. */
static PyObject *
lazy_create_module(Proxy *self, PyObject *spec)
{
    return PyObject_CallMethodObjArgs(self->real, s_create_module, spec, NULL);
}

static PyObject *
lazy_exec_module(Proxy *self, PyObject *module)
{
    proxy_restore(self, module);
    PyObject *result = PyObject_CallMethodObjArgs(self->real, s_exec_module, module, NULL);
    if (result == NULL || !proxy_live(self)) {
        return result;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *inner = PyObject_GetAttr(self->spec, s_loader);
    PyObject *wrapped = PyObject_GetAttr(self->real, s_loader);
    PyErr_Clear();
    if (inner != NULL && inner != Py_None && inner == wrapped) {
        PyObject *pending = proxy_new(&ProxyLazyExecType, self->rec, inner, self->spec, self, -1);
        PyObject *key = pending ? PyLong_FromVoidPtr(pending) : NULL;
        if (key == NULL || PyObject_SetAttr(self->spec, s_loader, pending) < 0
            || PyDict_SetItem(self->rec->lazy_pending, key, pending) < 0) {
            rec_note_internal(self->rec, "loader proxy");
        }
        Py_XDECREF(key);
        Py_XDECREF(pending);
    }
    Py_XDECREF(inner);
    Py_XDECREF(wrapped);
    PyErr_Restore(type, value, tb);
    return result;
}

static PyObject *
lazy_exec_deferred(Proxy *self, PyObject *module)
{
    Recorder *R = self->rec;
    proxy_restore(self, module);
    PyObject *key = PyLong_FromVoidPtr(self);
    if (key == NULL || PyDict_DelItem(R->lazy_pending, key) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(key);
    if (!R->active) {
        return PyObject_CallMethodObjArgs(self->real, s_exec_module, module, NULL);
    }
    PyFrameObject *frame = PyEval_GetFrame();
    PyObject *code = NULL, *importer = NULL;
    int lasti = -1;
    if (rec_asker(R, frame, rec_top(R), &code, &lasti, &importer) < 0) {
        PyErr_Clear();
    }
    Py_ssize_t index = rec_new(R, K_LOAD, self->name, code, lasti, importer);
    Py_XDECREF(code);
    Py_XDECREF(importer);
    if (index < 0) {
        rec_note_internal(R, "loader proxy");
        return PyObject_CallMethodObjArgs(self->real, s_exec_module, module, NULL);
    }
    PyObject *origin = getattr_or_none(self->spec, s_origin);
    PyObject *kind = rec_module_type(R, self->real);
    PyObject *loader = rec_type_name(R, self->real);
    if (kind == NULL || loader == NULL) {
        PyErr_Clear();
    }
    fill_load(R, index, self->search_id, origin, kind ? kind : Py_None, loader);
    put(R, index, L_LAZY, Py_NewRef(Py_True));
    Py_DECREF(origin);
    Py_XDECREF(kind);
    Py_XDECREF(loader);
    self->index = index;
    self->generation = R->generation;
    rec_began(R, index);
    if (rec_push(R, index, 1) < 0) {
        PyErr_Clear();
    }
    proxy_before_exec(self, index, module);
    PyObject *result = PyObject_CallMethodObjArgs(self->real, s_exec_module, module, NULL);
    proxy_close(self, index, module, result == NULL);
    return result;
}

void
proxies_restore_pending(Recorder *R)
{
    PyObject *pending = PyDict_Values(R->lazy_pending);
    for (Py_ssize_t i = 0; pending != NULL && i < PyList_GET_SIZE(pending); i++) {
        proxy_restore((Proxy *)PyList_GET_ITEM(pending, i), NULL);
    }
    PyErr_Clear();
    Py_XDECREF(pending);
    PyDict_Clear(R->lazy_pending);
}

static PyObject *
proxy_getattro(PyObject *obj, PyObject *name)
{
    PyObject *result = PyObject_GenericGetAttr(obj, name);
    if (result != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return result;
    }
    PyErr_Clear();
    PyObject *real = ((Proxy *)obj)->real;
    if (!PyType_Check(real) && PyUnicode_Check(name) && PyUnicode_Compare(name, s___qualname__) == 0) {
        return PyObject_GetAttr((PyObject *)Py_TYPE(real), name); /* importlib names the loader in warnings */
    }
    return PyObject_GetAttr(real, name);
}

static PyObject *
proxy_repr(Proxy *self)
{
    return PyObject_Repr(self->real);
}

static int
proxy_traverse(Proxy *self, visitproc visit, void *arg)
{
    Py_VISIT(self->rec);
    Py_VISIT(self->real);
    Py_VISIT(self->spec);
    Py_VISIT(self->importer);
    return 0;
}

static int
proxy_clear(Proxy *self)
{
    Py_CLEAR(self->rec);
    Py_CLEAR(self->real);
    Py_CLEAR(self->spec);
    Py_CLEAR(self->name);
    Py_CLEAR(self->reason);
    Py_CLEAR(self->loader_name);
    place_clear(&self->place);
    Py_CLEAR(self->importer);
    return 0;
}

static void
proxy_dealloc(Proxy *self)
{
    PyObject_GC_UnTrack(self);
    proxy_clear(self);
    PyObject_GC_Del(self);
}

static PyMethodDef exec_methods[] = {
    {"create_module", (PyCFunction)proxy_create_module, METH_O, NULL},
    {"exec_module", (PyCFunction)proxy_exec_module, METH_O, NULL},
    {NULL},
};
static PyMethodDef exec_only_methods[] = {
    {"exec_module", (PyCFunction)proxy_exec_module, METH_O, NULL},
    {NULL},
};
static PyMethodDef legacy_methods[] = {
    {"load_module", (PyCFunction)proxy_load_module, METH_O, NULL},
    {NULL},
};
static PyMethodDef lazy_methods[] = {
    {"create_module", (PyCFunction)lazy_create_module, METH_O, NULL},
    {"exec_module", (PyCFunction)lazy_exec_module, METH_O, NULL},
    {NULL},
};
static PyMethodDef lazy_exec_methods[] = {
    {"exec_module", (PyCFunction)lazy_exec_deferred, METH_O, NULL},
    {NULL},
};

#define PROXY_TYPE(NAME, METHODS)                                                                              \
    PyTypeObject NAME##Type = {                                                                                \
        PyVarObject_HEAD_INIT(NULL, 0).tp_name = "importtrace.record._crecord." #NAME,                         \
        .tp_doc = "Stands in for a spec's loader until the module's code runs.",                              \
        .tp_basicsize = sizeof(Proxy),                                                                         \
        .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,                                                   \
        .tp_dealloc = (destructor)proxy_dealloc,                                                               \
        .tp_traverse = (traverseproc)proxy_traverse,                                                           \
        .tp_clear = (inquiry)proxy_clear,                                                                      \
        .tp_repr = (reprfunc)proxy_repr,                                                                       \
        .tp_getattro = proxy_getattro,                                                                         \
        .tp_methods = METHODS,                                                                                 \
    }

PROXY_TYPE(ProxyExec, exec_methods);
PROXY_TYPE(ProxyExecOnly, exec_only_methods);
PROXY_TYPE(ProxyLegacy, legacy_methods);
PROXY_TYPE(ProxyLazy, lazy_methods);
PROXY_TYPE(ProxyLazyExec, lazy_exec_methods);

/* --- the finder -------------------------------------------------------------------------------------- */

/* Whether a loader is (a subclass of) importlib.util.LazyLoader, by class name, cached per class. */
static int
is_lazy(Recorder *R, PyObject *loader)
{
    PyObject *type = (PyObject *)Py_TYPE(loader);
    PyObject *known = PyDict_GetItemWithError(R->lazy_types, type);
    if (known != NULL) {
        return known == Py_True;
    }
    int lazy = 0;
    PyObject *mro = Py_TYPE(loader)->tp_mro;
    for (Py_ssize_t i = 0; mro != NULL && i < PyTuple_GET_SIZE(mro) && !lazy; i++) {
        PyObject *name = PyObject_GetAttr(PyTuple_GET_ITEM(mro, i), s___name__);
        lazy = name != NULL && PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, "LazyLoader") == 0;
        Py_XDECREF(name);
    }
    PyErr_Clear();
    if (PyDict_SetItem(R->lazy_types, type, lazy ? Py_True : Py_False) < 0) {
        PyErr_Clear();
    }
    return lazy;
}

/* hasattr(loader, name), without making a bound method for instances of classes that define it */
static int
has_method(PyObject *loader, PyObject *name)
{
    if (!PyType_Check(loader) && _PyType_Lookup(Py_TYPE(loader), name) != NULL) {
        return 1;
    }
    return PyObject_HasAttr(loader, name);
}

/* Put a proxy on spec.loader for the duration of the load (or reload). */
static int
wrap(Recorder *R, PyObject *spec, Py_ssize_t search)
{
    PyObject *loader = PyObject_GetAttr(spec, s_loader);
    if (loader == NULL) {
        return -1;
    }
    int result = 0;
    if (loader == Py_None) {
        if (rec_get_extra(R, search, S_NAMESPACE) == Py_True
            && PyUnicode_CompareWithASCIIString(rec_get_extra(R, search, S_REASON), "import") == 0) {
            PyObject *name = getattr_or_none(spec, s_name);
            Py_ssize_t index = rec_new(R, K_LOAD, name, NULL, -1, NULL); /* no loader to time */
            Py_DECREF(name);
            if (index < 0) {
                result = -1;
            }
            else {
                fill_load(R, index, R->recs[search].id, Py_None, s_namespace_type, s_NamespaceLoader);
                put(R, index, L_NAMESPACE, Py_NewRef(Py_True));
                rec_began(R, index);
                rec_end(R, index);
            }
        }
    }
    else if (!proxy_check(loader)) {
        PyTypeObject *type = NULL;
        if (is_lazy(R, loader)) {
            type = &ProxyLazyType;
        }
        else if (has_method(loader, s_exec_module)) {
            type = has_method(loader, s_create_module) ? &ProxyExecType : &ProxyExecOnlyType;
        }
        else if (has_method(loader, s_load_module)) {
            type = &ProxyLegacyType;
        }
        if (type != NULL) {
            PyObject *proxy = proxy_new(type, R, loader, spec, NULL, search);
            result = proxy == NULL ? -1 : PyObject_SetAttr(spec, s_loader, proxy);
            Py_XDECREF(proxy);
        }
    }
    Py_DECREF(loader);
    return result;
}

static PyObject *
path_tuple(Recorder *R, PyObject *path)
{
    if (path == NULL || path == Py_None) {
        return Py_NewRef(Py_None);
    }
    if (PyList_CheckExact(path) || PyTuple_CheckExact(path)) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(path);
        int plain = 1;
        for (Py_ssize_t i = 0; i < n && plain; i++) {
            plain = PyUnicode_CheckExact(PySequence_Fast_GET_ITEM(path, i));
        }
        if (plain) {
            return PyList_CheckExact(path) ? PyList_AsTuple(path) : Py_NewRef(path);
        }
    }
    return PyObject_CallOneArg(R->p_path_tuple, path);
}

/* The names of the finders ahead of ours (a shadowed note for each new one); NULL for none. */
static PyObject *
finders_ahead_names(Recorder *R, PyObject *meta_path, Py_ssize_t i)
{
    PyObject *names = PyList_New(0);
    for (Py_ssize_t k = 0; names != NULL && k < i; k++) {
        PyObject *finder = PyList_GET_ITEM(meta_path, k);
        if (PyObject_TypeCheck(finder, &FinderType)) {
            continue;
        }
        PyObject *name = rec_type_name(R, finder);
        if (name == NULL || PyList_Append(names, name) < 0) {
            Py_XDECREF(name);
            Py_CLEAR(names);
            break;
        }
        int seen = 0;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(R->ahead_seen) && !seen; j++) {
            seen = PyList_GET_ITEM(R->ahead_seen, j) == finder;
        }
        if (!seen && PyList_Append(R->ahead_seen, finder) == 0) {
            PyObject *data = PyTuple_Pack(1, name);
            if (data != NULL) {
                rec_note(R, "shadowed", data);
            }
            Py_XDECREF(data);
        }
        Py_DECREF(name);
    }
    if (names != NULL && PyList_GET_SIZE(names) == 0) {
        Py_CLEAR(names);
        return Py_NewRef(Py_None);
    }
    PyObject *tuple = names ? PyList_AsTuple(names) : NULL;
    Py_XDECREF(names);
    return tuple;
}

static PyObject *
finder_find_spec(Finder *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const keywords[] = {"fullname", "path", "target", NULL};
    PyObject *slots[3] = {NULL, Py_None, Py_None};
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "find_spec() takes at most 3 arguments");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        slots[i] = args[i];
    }
    for (Py_ssize_t k = 0; k < nkw; k++) {
        int found = 0;
        for (int i = 0; keywords[i] && !found; i++) {
            if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, k), keywords[i]) == 0) {
                slots[i] = args[nargs + k];
                found = 1;
            }
        }
        if (!found) {
            PyErr_Format(PyExc_TypeError, "find_spec() got an unexpected keyword argument %R",
                         PyTuple_GET_ITEM(kwnames, k));
            return NULL;
        }
    }
    PyObject *fullname = slots[0], *path = slots[1], *target = slots[2];
    Recorder *R = self->rec;
    PyObject *meta_path = PyDict_GetItemWithError(R->sys_dict, s_meta_path);
    if (fullname == NULL || !R->active || R->finder != (PyObject *)self || meta_path == NULL
        || !PyList_Check(meta_path)) {
        Py_RETURN_NONE;
    }
    PyObject *tid = tid_object();
    if (tid == NULL) {
        return NULL;
    }
    PyObject *asked = PyDict_GetItemWithError(R->unanswered, tid);
    if (asked != NULL) {
        int same = PyTuple_GET_SIZE(asked) == 3 && PyTuple_GET_ITEM(asked, 1) == path
                   && PyTuple_GET_ITEM(asked, 2) == target
                   && PyObject_RichCompareBool(PyTuple_GET_ITEM(asked, 0), fullname, Py_EQ) == 1;
        PyDict_DelItem(R->unanswered, tid);
        Py_ssize_t copies = 0;
        for (Py_ssize_t k = 0; same && k < PyList_GET_SIZE(meta_path); k++) {
            copies += PyList_GET_ITEM(meta_path, k) == (PyObject *)self;
        }
        if (copies > 1) { /* this finder twice in meta_path: importlib asks again what it just asked */
            Py_DECREF(tid);
            Py_RETURN_NONE;
        }
    }
    PyErr_Clear();
    Py_ssize_t i = 0, n = PyList_GET_SIZE(meta_path);
    while (i < n && PyList_GET_ITEM(meta_path, i) != (PyObject *)self) {
        i++;
    }
    if (i == n) { /* removed while importlib was iterating a copy of meta_path */
        Py_DECREF(tid);
        Py_RETURN_NONE;
    }
    PyObject *ahead = i ? finders_ahead_names(R, meta_path, i) : Py_NewRef(Py_None);
    PyObject *reason = s_reload;
    PyObject *code = NULL, *importer = NULL;
    int lasti = -1;
    Request *request = target == Py_None ? rec_request_for(R, fullname) : NULL;
    if (request != NULL) { /* an import statement or call in progress asked: the hook knows who */
        reason = s_import;
        if (!request->nobody) {
            code = Py_XNewRef(request->code);
            importer = Py_XNewRef(request->importer);
            lasti = request->lasti;
        }
    }
    else {
        PyFrameObject *frame = PyEval_GetFrame();
        if (target == Py_None) {
            PyFrameObject *back = frame ? PyFrame_GetBack(frame) : NULL;
            PyCodeObject *caller = back ? PyFrame_GetCode(back) : NULL;
            reason = caller && PyUnicode_CompareWithASCIIString(caller->co_name, "_find_and_load_unlocked") == 0
                         ? s_import
                         : s_probe;
            Py_XDECREF(caller);
            Py_XDECREF(back);
        }
        if (rec_asker(R, frame, rec_top(R), &code, &lasti, &importer) < 0) {
            PyErr_Clear();
        }
    }
    if (ahead == NULL) {
        PyErr_Clear();
    }
    Py_ssize_t index = rec_new(R, K_SEARCH, fullname, code, lasti, importer);
    PyObject *details = NULL;
    if (index >= 0 && R->details) {
        PyObject *at = PyLong_FromLong(lasti);
        details = at ? PyObject_CallFunctionObjArgs(R->p_search_details, path, code ? code : Py_None, at, NULL) : NULL;
        Py_XDECREF(at);
        if (details == NULL) {
            rec_note_internal(R, "recording a field");
        }
    }
    Py_XDECREF(code);
    Py_XDECREF(importer);
    if (index < 0) {
        rec_note_internal(R, "finder");
        Py_XDECREF(ahead);
        Py_DECREF(tid);
        Py_RETURN_NONE; /* importlib asks the finders after this one itself */
    }
    PyObject *later = PyList_GetSlice(meta_path, i + 1, PyList_GET_SIZE(meta_path)); /* as importlib: a copy */
    if (later == NULL) {
        PyErr_Clear();
        later = PyList_New(0);
    }
    put(R, index, S_REASON, Py_NewRef(reason));
    put(R, index, S_PATH, path_tuple(R, path));
    put(R, index, S_AHEAD, ahead ? ahead : Py_NewRef(Py_None));
    put(R, index, S_NAMESPACE, Py_NewRef(Py_False));
    if (details != NULL) {
        put(R, index, S_DETAILS, details);
    }
    rec_began(R, index);
    PyObject *spec = Py_NewRef(Py_None);
    for (Py_ssize_t k = 0; later != NULL && k < PyList_GET_SIZE(later); k++) {
        PyObject *finder = Py_NewRef(PyList_GET_ITEM(later, k));
        if (PyObject_TypeCheck(finder, &FinderType)) {
            Py_DECREF(finder);
            continue; /* never ask ourselves: a second copy would recurse */
        }
        PyObject *call[4] = {finder, fullname, path, target};
        Py_SETREF(spec, PyObject_VectorcallMethod(s_find_spec, call, 4, NULL));
        if (spec == NULL && PyErr_ExceptionMatches(PyExc_AttributeError) && !has_method(finder, s_find_spec)) {
            PyErr_Clear(); /* a finder without find_spec (3.9 to 3.11 still ask its find_module) */
            spec = R->p_find_spec_legacy == Py_None
                       ? Py_NewRef(Py_None)
                       : PyObject_CallFunctionObjArgs(R->p_find_spec_legacy, finder, fullname, path, NULL);
        }
        if (spec != Py_None) {
            if (spec != NULL) {
                put(R, index, S_FINDER, rec_type_name(R, finder));
            }
            Py_DECREF(finder);
            break;
        }
        Py_DECREF(finder);
    }
    Py_XDECREF(later);
    if (spec == NULL) {
        PyObject *described = describe_current(R);
        put(R, index, S_FOUND, Py_NewRef(Py_False));
        if (described != NULL) {
            put(R, index, S_ERROR, described);
        }
        rec_end(R, index);
        Py_DECREF(tid);
        return NULL;
    }
    put(R, index, S_FOUND, PyBool_FromLong(spec != Py_None));
    if (spec == Py_None) {
        PyObject *key = PyTuple_Pack(3, fullname, path, target);
        if (key == NULL || PyDict_SetItem(R->unanswered, tid, key) < 0) {
            PyErr_Clear();
        }
        Py_XDECREF(key);
    }
    else {
        PyObject *loader = getattr_or_none(spec, s_loader);
        PyObject *locations = getattr_or_none(spec, s_submodule_search_locations);
        PyObject *origin = getattr_or_none(spec, s_origin);
        put(R, index, S_ORIGIN, text(origin));
        put(R, index, S_PACKAGE, PyBool_FromLong(locations != Py_None));
        if (loader == Py_None && locations != Py_None) {
            put(R, index, S_NAMESPACE, Py_NewRef(Py_True));
            put(R, index, S_LOADER, Py_NewRef(s_NamespaceLoader));
            if (R->details) {
                put(R, index, S_DETAILS, PyObject_CallFunctionObjArgs(R->p_namespace_details,
                                                                      rec_get_extra(R, index, S_DETAILS), locations, NULL));
            }
        }
        else if (loader != Py_None) {
            put(R, index, S_LOADER, rec_type_name(R, loader));
        }
        Py_DECREF(loader);
        Py_DECREF(locations);
        Py_DECREF(origin);
        if (reason != s_probe && wrap(R, spec, index) < 0) {
            rec_note_internal(R, "loader proxy");
        }
    }
    rec_end(R, index);
    Py_DECREF(tid);
    return spec;
}

static PyObject *
finder_invalidate_caches(PyObject *self, PyObject *unused)
{
    Py_RETURN_NONE; /* nothing cached here; importlib calls the finders after this one itself */
}

static PyObject *
finder_repr(PyObject *self)
{
    return PyUnicode_FromString("<importtrace finder>");
}

PyObject *
finder_new_for(Recorder *R)
{
    Finder *self = PyObject_GC_New(Finder, &FinderType);
    if (self == NULL) {
        return NULL;
    }
    self->rec = (Recorder *)Py_NewRef((PyObject *)R);
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
finder_traverse(Finder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->rec);
    return 0;
}

static int
finder_clear(Finder *self)
{
    Py_CLEAR(self->rec);
    return 0;
}

static void
finder_dealloc(Finder *self)
{
    PyObject_GC_UnTrack(self);
    finder_clear(self);
    PyObject_GC_Del(self);
}

static PyMethodDef finder_methods[] = {
    {"find_spec", (PyCFunction)(void (*)(void))finder_find_spec, METH_FASTCALL | METH_KEYWORDS,
     "Ask the finders after this one, record the answer, and time the load."},
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, NULL},
    {NULL},
};

PyTypeObject FinderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "importtrace.record._crecord.ImporttraceFinder",
    .tp_doc = "First in sys.meta_path: asks the finders after it, records the answer, times the load.",
    .tp_basicsize = sizeof(Finder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)finder_dealloc,
    .tp_traverse = (traverseproc)finder_traverse,
    .tp_clear = (inquiry)finder_clear,
    .tp_repr = finder_repr,
    .tp_methods = finder_methods,
};
