/* ReloadHook: importlib.reload while tracing (see _pyfinder.reload_hook), and the record of the
 * command line's __main__, which runs by exec() rather than through a loader. */
#include "crecord.h"

typedef struct {
    PyObject_HEAD
    Recorder *rec;
    PyObject *orig;
    PyObject *dict;
    vectorcallfunc vectorcall;
} ReloadHook;

static void
put(Recorder *R, Py_ssize_t index, int field, PyObject *value)
{
    if (value == NULL || rec_set_extra(R, index, field, value) < 0) {
        rec_note_internal(R, "reload hook");
    }
    Py_XDECREF(value);
}

/* Open the record of importlib.reload(module), asked from frame caller; -1 on failure. */
static Py_ssize_t
start_reload(Recorder *R, PyObject *module, PyFrameObject *caller)
{
    PyObject *spec = PyObject_GetAttr(module, s___spec__);
    PyObject *name = spec && spec != Py_None ? PyObject_GetAttr(spec, s_name) : NULL;
    PyErr_Clear();
    if (name == NULL || !PyObject_IsTrue(name)) {
        Py_XSETREF(name, PyObject_GetAttr(module, s___name__));
        PyErr_Clear();
    }
    PyObject *text = name && PyObject_IsTrue(name) ? PyObject_Str(name) : PyUnicode_FromString("?");
    Py_XDECREF(name);
    Py_XDECREF(spec);
    if (text == NULL) {
        return -1;
    }
    PyFrameObject *frame = (PyFrameObject *)Py_XNewRef((PyObject *)caller);
    if (frame != NULL) { /* imp.reload (3.9 to 3.11) only passes the call on */
        PyCodeObject *code = PyFrame_GetCode(frame);
        PyObject *globals = frame_globals(frame);
        PyObject *owner = globals && PyDict_Check(globals) ? PyDict_GetItemWithError(globals, s___name__) : NULL;
        if (PyUnicode_CompareWithASCIIString(code->co_name, "reload") == 0 && owner != NULL && PyUnicode_Check(owner)
            && PyUnicode_Compare(owner, s_imp) == 0) {
            Py_SETREF(frame, PyFrame_GetBack(frame));
        }
        PyErr_Clear();
        Py_DECREF(code);
        Py_XDECREF(globals);
    }
    PyObject *code = NULL, *importer = NULL;
    int lasti = -1;
    if (rec_asker(R, frame, rec_top(R), &code, &lasti, &importer) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(frame);
    Py_ssize_t index = rec_new(R, K_RELOAD, text, code, lasti, importer);
    Py_DECREF(text);
    Py_XDECREF(code);
    Py_XDECREF(importer);
    if (index < 0) {
        return -1;
    }
    PyObject *before = PyObject_CallOneArg(R->p_snapshot, module);
    PyObject *id = PyLong_FromLongLong(R->recs[index].id);
    if (before == NULL || id == NULL || PyDict_SetItem(R->snapshots, id, before) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(before);
    Py_XDECREF(id);
    rec_began(R, index);
    if (rec_push(R, index, 0) < 0) {
        return -1;
    }
    return index;
}

static void
end_reload(Recorder *R, Py_ssize_t index, PyObject *module)
{
    rec_pop(R, index);
    PyObject *id = PyLong_FromLongLong(R->recs[index].id);
    PyObject *before = id ? PyDict_GetItemWithError(R->snapshots, id) : NULL;
    Py_XINCREF(before);
    if (id != NULL && PyDict_DelItem(R->snapshots, id) < 0) {
        PyErr_Clear();
    }
    Py_XDECREF(id);
    PyObject *changes = PyObject_CallFunctionObjArgs(R->p_changes, before ? before : Py_None, module, NULL);
    Py_XDECREF(before);
    if (changes != NULL && PyTuple_Check(changes) && PyTuple_GET_SIZE(changes) == 5) {
        for (int i = 0; i < 5; i++) {
            put(R, index, R_ADDED + i, Py_NewRef(PyTuple_GET_ITEM(changes, i)));
        }
    }
    else {
        rec_note_internal(R, "reload hook");
    }
    Py_XDECREF(changes);
    rec_end(R, index);
}

static PyObject *
reload_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    ReloadHook *self = (ReloadHook *)callable;
    Recorder *R = self->rec;
    if (!R->active || kwnames != NULL || PyVectorcall_NARGS(nargsf) != 1) {
        return PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    }
    PyObject *module = args[0];
    Py_ssize_t index = start_reload(R, module, PyEval_GetFrame());
    if (index < 0) {
        rec_note_internal(R, "reload hook");
        return PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    }
    uint64_t generation = R->generation;
    PyObject *result = PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    if (generation != R->generation || index >= R->len) {
        return result; /* the trace stopped meanwhile */
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (result == NULL && value != NULL) {
        PyErr_NormalizeException(&type, &value, &tb);
        put(R, index, R_ERROR, rec_describe(R, value));
    }
    end_reload(R, index, module);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return result;
}

PyObject *
reload_hook_new_for(Recorder *R, PyObject *orig)
{
    ReloadHook *self = PyObject_GC_New(ReloadHook, &ReloadHookType);
    if (self == NULL) {
        return NULL;
    }
    self->rec = (Recorder *)Py_NewRef((PyObject *)R);
    self->orig = Py_NewRef(orig);
    self->dict = NULL;
    self->vectorcall = reload_vectorcall;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
reload_traverse(ReloadHook *self, visitproc visit, void *arg)
{
    Py_VISIT(self->rec);
    Py_VISIT(self->orig);
    Py_VISIT(self->dict);
    return 0;
}

static int
reload_clear(ReloadHook *self)
{
    Py_CLEAR(self->rec);
    Py_CLEAR(self->orig);
    Py_CLEAR(self->dict);
    return 0;
}

static void
reload_dealloc(ReloadHook *self)
{
    PyObject_GC_UnTrack(self);
    reload_clear(self);
    PyObject_GC_Del(self);
}

static PyObject *
reload_getattro(PyObject *self, PyObject *name)
{
    PyObject *result = PyObject_GenericGetAttr(self, name);
    if (result == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        result = PyObject_GetAttr(((ReloadHook *)self)->orig, name);
    }
    return result;
}

static PyObject *
reload_descr_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj); /* importlib.reload is a Python function: it binds */
}

static PyObject *
reload_repr(ReloadHook *self)
{
    return PyUnicode_FromFormat("<importtrace hook for %R>", self->orig);
}

static PyGetSetDef reload_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL},
};

PyTypeObject ReloadHookType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "importtrace.record._crecord.ReloadHook",
    .tp_doc = "importlib.reload while tracing.",
    .tp_basicsize = sizeof(ReloadHook),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_dealloc = (destructor)reload_dealloc,
    .tp_traverse = (traverseproc)reload_traverse,
    .tp_clear = (inquiry)reload_clear,
    .tp_repr = (reprfunc)reload_repr,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(ReloadHook, vectorcall),
    .tp_dictoffset = offsetof(ReloadHook, dict),
    .tp_getset = reload_getset,
    .tp_getattro = reload_getattro,
    .tp_descr_get = reload_descr_get,
};

/* --- the program's __main__ ------------------------------------------------------------------------- */

Py_ssize_t
main_open(Recorder *R)
{
    PyObject *name = PyUnicode_FromString("__main__");
    Py_ssize_t index = name ? rec_new(R, K_LOAD, name, NULL, -1, NULL) : -1;
    Py_XDECREF(name);
    if (index < 0) {
        return -1;
    }
    PyObject *unknown = PyUnicode_FromString("unknown");
    put(R, index, L_TYPE, unknown);
    put(R, index, L_REPLACED, Py_NewRef(Py_False));
    put(R, index, L_NAMESPACE, Py_NewRef(Py_False));
    put(R, index, L_LAZY, Py_NewRef(Py_False));
    put(R, index, L_OBSERVED, Py_NewRef(Py_True));
    rec_began(R, index);
    if (rec_push(R, index, 0) < 0) {
        return -1;
    }
    return index;
}

void
main_close(Recorder *R, Py_ssize_t index, PyObject *module, PyObject *exc)
{
    if (index < 0 || index >= R->len) {
        return;
    }
    PyObject *file = PyObject_GetAttr(module, s___file__);
    PyObject *loader = PyObject_GetAttr(module, s___loader__);
    PyErr_Clear();
    PyObject *origin = file == NULL || file == Py_None || PyUnicode_CheckExact(file) ? Py_XNewRef(file)
                                                                                     : PyObject_Str(file);
    PyErr_Clear();
    put(R, index, L_ORIGIN, origin ? origin : Py_NewRef(Py_None));
    put(R, index, L_LOADER, loader && loader != Py_None ? rec_type_name(R, loader) : Py_NewRef(Py_None));
    put(R, index, L_TYPE, rec_module_type(R, loader ? loader : Py_None));
    if (exc != NULL && exc != Py_None) {
        put(R, index, L_ERROR, rec_describe(R, exc));
    }
    Py_XDECREF(file);
    Py_XDECREF(loader);
    rec_pop(R, index);
    rec_end(R, index);
}
