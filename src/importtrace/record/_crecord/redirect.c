/* Redirect: stands in for a function that starts or ends a process (os.posix_spawn, os.execv,
 * _posixsubprocess.fork_exec, os._exit), so that the command line can follow the program's child
 * processes.  It first asks before(args, kwargs), a Python function that returns new positional arguments
 * or None, then calls the original from C: whatever the original raises reaches the caller with no frame
 * of importtrace's in its traceback, and a failure of before() never changes the call. */
#include "crecord.h"

typedef struct {
    PyObject_HEAD
    PyObject *orig;
    PyObject *before;
    PyObject *dict;
    vectorcallfunc vectorcall;
} Redirect;

static PyObject *
redirect_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Redirect *self = (Redirect *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject *given = PyTuple_New(nargs);
    PyObject *kwargs = nkw ? PyDict_New() : NULL;
    PyObject *answer = NULL;
    if (given != NULL && (nkw == 0 || kwargs != NULL)) {
        for (Py_ssize_t i = 0; i < nargs; i++) {
            PyTuple_SET_ITEM(given, i, Py_NewRef(args[i]));
        }
        int ok = 1;
        for (Py_ssize_t i = 0; i < nkw && ok; i++) {
            ok = PyDict_SetItem(kwargs, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) == 0;
        }
        if (ok) {
            answer = PyObject_CallFunctionObjArgs(self->before, given, kwargs ? kwargs : Py_None, NULL);
        }
    }
    PyErr_Clear(); /* importtrace's own failure: the call goes ahead as the program made it */
    PyObject *result;
    if (answer != NULL && PyTuple_Check(answer)) {
        result = PyObject_Call(self->orig, answer, kwargs);
    }
    else {
        result = PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    }
    Py_XDECREF(answer);
    Py_XDECREF(given);
    Py_XDECREF(kwargs);
    return result;
}

PyObject *
redirect_new(PyObject *orig, PyObject *before)
{
    Redirect *self = PyObject_GC_New(Redirect, &RedirectType);
    if (self == NULL) {
        return NULL;
    }
    self->orig = Py_NewRef(orig);
    self->before = Py_NewRef(before);
    self->dict = NULL;
    self->vectorcall = redirect_vectorcall;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
redirect_traverse(Redirect *self, visitproc visit, void *arg)
{
    Py_VISIT(self->orig);
    Py_VISIT(self->before);
    Py_VISIT(self->dict);
    return 0;
}

static int
redirect_clear(Redirect *self)
{
    Py_CLEAR(self->orig);
    Py_CLEAR(self->before);
    Py_CLEAR(self->dict);
    return 0;
}

static void
redirect_dealloc(Redirect *self)
{
    PyObject_GC_UnTrack(self);
    redirect_clear(self);
    PyObject_GC_Del(self);
}

/* It shows as the original does. */
static PyObject *
redirect_repr(Redirect *self)
{
    return PyObject_Repr(self->orig);
}

/* Attributes it does not have are the original's. */
static PyObject *
redirect_getattro(PyObject *self, PyObject *name)
{
    PyObject *result = PyObject_GenericGetAttr(self, name);
    if (result == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        result = PyObject_GetAttr(((Redirect *)self)->orig, name);
    }
    return result;
}

static PyObject *
redirect_get_orig(Redirect *self, void *closure)
{
    return Py_NewRef(self->orig);
}

static PyGetSetDef redirect_getset[] = {
    {"orig", (getter)redirect_get_orig, NULL, "The function this stands in for.", NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL},
};

PyTypeObject RedirectType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "importtrace.record._crecord.Redirect",
    .tp_doc = "A function that starts or ends a process, while the command line follows child processes.",
    .tp_basicsize = sizeof(Redirect),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_dealloc = (destructor)redirect_dealloc,
    .tp_traverse = (traverseproc)redirect_traverse,
    .tp_clear = (inquiry)redirect_clear,
    .tp_repr = (reprfunc)redirect_repr,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Redirect, vectorcall),
    .tp_dictoffset = offsetof(Redirect, dict),
    .tp_getset = redirect_getset,
    .tp_getattro = redirect_getattro,
};
