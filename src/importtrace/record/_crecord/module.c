/* The Recorder's Python interface (the one _pybackend.PyRecorder has) and the module itself. */
#include "crecord.h"
#include <pythread.h>

static PyObject *
policy_attr(PyObject *policy, const char *name)
{
    PyObject *value = PyObject_GetAttrString(policy, name);
    if (value == NULL) {
        PyErr_Format(PyExc_TypeError, "the policy module lacks %s", name);
    }
    return value;
}

static PyObject *
recorder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *policy;
    if (!PyArg_ParseTuple(args, "O:Recorder", &policy)) {
        return NULL;
    }
    Recorder *R = (Recorder *)type->tp_alloc(type, 0);
    if (R == NULL) {
        return NULL;
    }
    R->next_id = 1;
    R->stream_fd = -1;
    R->next_token = 1;
    R->last_thread = -1;
    R->import_name = -1;
    R->places = PyDict_New();
    R->partials = PyDict_New();
    R->loading = PyDict_New();
    R->ready = PyDict_New();
    R->thread_names = PyDict_New();
    R->notes = PyList_New(0);
    R->unanswered = PyDict_New();
    R->ahead_seen = PyList_New(0);
    R->lazy_pending = PyDict_New();
    R->snapshots = PyDict_New();
    R->type_names = PyDict_New();
    R->module_types = PyDict_New();
    R->lazy_types = PyDict_New();
    PyObject *sys = PyImport_AddModule("sys"); /* borrowed */
    R->sys_dict = sys ? Py_XNewRef(PyModule_GetDict(sys)) : NULL;
    R->on_importlib = Py_NewRef(Py_None);
    R->watch = PyDict_New();
    R->finder = Py_NewRef(Py_None);
    R->machinery = policy_attr(policy, "machinery");
    R->p_asker = policy_attr(policy, "asker");
    R->p_resolve = policy_attr(policy, "resolve");
    R->p_owner = policy_attr(policy, "owner");
    R->p_describe = policy_attr(policy, "describe");
    R->p_type_name = policy_attr(policy, "type_name");
    R->p_module_type = policy_attr(policy, "module_type");
    R->p_thread_name = policy_attr(policy, "thread_name");
    R->p_path_tuple = policy_attr(policy, "path_tuple");
    R->p_load_details = policy_attr(policy, "load_details");
    R->p_snapshot = policy_attr(policy, "snapshot");
    R->p_changes = policy_attr(policy, "changes");
    R->p_load_done = policy_attr(policy, "load_done");
    R->p_search_details = policy_attr(policy, "search_details");
    R->p_namespace_details = policy_attr(policy, "namespace_details");
    R->p_hit_details = policy_attr(policy, "hit_details");
    R->p_star_details = policy_attr(policy, "star_details");
    R->p_find_spec_legacy = policy_attr(policy, "find_spec_legacy");
    R->default_clock = policy_attr(policy, "DEFAULT_CLOCK");
    PyObject *opcode = policy_attr(policy, "IMPORT_NAME");
    if (!R->places || !R->partials || !R->loading || !R->ready || !R->thread_names || !R->notes || !R->unanswered
        || !R->ahead_seen || !R->lazy_pending || !R->snapshots || !R->type_names || !R->module_types || !R->lazy_types
        || !R->sys_dict || !R->watch
        || !R->machinery || !R->p_asker || !R->p_resolve || !R->p_owner || !R->p_describe || !R->p_type_name
        || !R->p_module_type || !R->p_thread_name || !R->p_path_tuple || !R->p_load_details || !R->p_snapshot
        || !R->p_changes || !R->p_load_done || !R->p_search_details
        || !R->p_namespace_details || !R->p_hit_details || !R->p_star_details || !R->p_find_spec_legacy || !R->default_clock
        || !opcode || !PyDict_Check(R->machinery)) {
        Py_XDECREF(opcode);
        Py_DECREF(R);
        return NULL;
    }
    if (PyLong_Check(opcode)) {
        R->import_name = PyLong_AsLong(opcode);
    }
    Py_DECREF(opcode);
    PyObject *listeners = PyObject_GetAttrString(policy, "machinery_listeners");
    PyObject *changed = PyObject_GetAttrString((PyObject *)R, "machinery_changed");
    if (listeners == NULL || changed == NULL || PyList_Append(listeners, changed) < 0) {
        Py_XDECREF(listeners);
        Py_XDECREF(changed);
        Py_DECREF(R);
        return NULL;
    }
    Py_DECREF(listeners);
    Py_DECREF(changed);
    PyObject *code = PyObject_GetAttrString(R->p_type_name, "__code__");
    if (code != NULL) {
        records_check_cursor(code);
        Py_DECREF(code);
    }
    PyErr_Clear();
    return (PyObject *)R;
}

static PyObject *
recorder_configure(Recorder *R, PyObject *args)
{
    PyObject *clock;
    int details;
    if (!PyArg_ParseTuple(args, "Op:configure", &clock, &details)) {
        return NULL;
    }
    Py_XSETREF(R->clock, clock == R->default_clock ? NULL : Py_NewRef(clock));
    R->details = details;
    Py_RETURN_NONE;
}

static PyObject *
recorder_set_details(Recorder *R, PyObject *on)
{
    R->details = PyObject_IsTrue(on) == 1;
    Py_RETURN_NONE;
}

static PyObject *
recorder_set_active(Recorder *R, PyObject *on)
{
    R->active = PyObject_IsTrue(on) == 1;
    Py_RETURN_NONE;
}

static PyObject *
recorder_clock(Recorder *R, PyObject *unused)
{
    return PyLong_FromLongLong(rec_now(R));
}

static PyObject *
recorder_import_hook(Recorder *R, PyObject *orig)
{
    return hook_new_for(R, orig, 0);
}

static PyObject *
recorder_import_module_hook(Recorder *R, PyObject *orig)
{
    return hook_new_for(R, orig, 1);
}

static PyObject *
recorder_reload_hook(Recorder *R, PyObject *orig)
{
    return reload_hook_new_for(R, orig);
}

static PyObject *
recorder_new_finder(Recorder *R, PyObject *on_importlib)
{
    PyObject *finder = finder_new_for(R);
    if (finder == NULL) {
        return NULL;
    }
    Py_XSETREF(R->on_importlib, Py_NewRef(on_importlib));
    Py_XSETREF(R->finder, Py_NewRef(finder));
    return finder;
}

/* watch(name, callback): call callback(module) each time the module name has loaded while recording
 * (None: no longer). */
static PyObject *
recorder_watch(Recorder *R, PyObject *args)
{
    PyObject *name, *callback;
    if (!PyArg_ParseTuple(args, "UO:watch", &name, &callback)) {
        return NULL;
    }
    if (callback == Py_None) {
        if (PyDict_DelItem(R->watch, name) < 0) {
            PyErr_Clear();
        }
        Py_RETURN_NONE;
    }
    if (PyDict_SetItem(R->watch, name, callback) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
recorder_redirect(Recorder *R, PyObject *args)
{
    PyObject *orig, *before;
    if (!PyArg_ParseTuple(args, "OO:redirect", &orig, &before)) {
        return NULL;
    }
    return redirect_new(orig, before);
}

static PyObject *
recorder_finder(Recorder *R, PyObject *unused)
{
    return Py_NewRef(R->finder);
}

static PyObject *
recorder_position(Recorder *R, PyObject *unused)
{
    return PyLong_FromSsize_t(R->len);
}

static PyObject *
recorder_new_id(Recorder *R, PyObject *unused)
{
    return PyLong_FromLongLong(R->next_id++);
}

static PyObject *
recorder_take(Recorder *R, PyObject *args)
{
    Py_ssize_t start, stop;
    int last;
    if (!PyArg_ParseTuple(args, "nnp:take", &start, &stop, &last)) {
        return NULL;
    }
    return records_take(R, start, stop, last);
}

static PyObject *
recorder_resolve(Recorder *R, PyObject *records)
{
    return records_resolve(R, records);
}

static PyObject *
recorder_loaded_names(Recorder *R, PyObject *records)
{
    return PyObject_CallMethod(records, "loaded_names", NULL);
}

static PyObject *
recorder_new_window(Recorder *R, PyObject *unused)
{
    sites_clear(R);
    PyDict_Clear(R->places);
    PyDict_Clear(R->partials);
    Py_RETURN_NONE;
}

/* In a forked child only the forking thread lives on: forget what the others had in progress (a new
 * thread may get a dead one's ident). */
static PyObject *
recorder_after_fork(Recorder *R, PyObject *unused)
{
    unsigned long tid = PyThread_get_thread_ident();
    for (int i = 0; i < R->nthreads; i++) {
        Thread *t = &R->threads[i];
        if (t->tid == tid) {
            continue;
        }
        t->tid = 0; /* no thread has ident 0: a new thread gets its own entry */
        t->depth = 0;
        while (t->nreq > 0) {
            Request *q = &t->requests[--t->nreq];
            Py_DECREF(q->absname);
            Py_XDECREF(q->code);
            Py_XDECREF(q->importer);
        }
    }
    R->last_thread = -1;
    PyObject *me = PyLong_FromUnsignedLong(tid);
    if (me == NULL) {
        return NULL;
    }
    /* loading: module name -> thread ident; unanswered: thread ident -> what it asked */
    PyObject *tables[] = {R->loading, R->unanswered};
    for (int k = 0; k < 2; k++) {
        PyObject *table = tables[k];
        PyObject *keys = PyDict_Keys(table);
        for (Py_ssize_t i = 0; keys != NULL && i < PyList_GET_SIZE(keys); i++) {
            PyObject *key = PyList_GET_ITEM(keys, i);
            PyObject *owner = k == 0 ? PyDict_GetItemWithError(table, key) : key;
            if (owner != NULL && PyObject_RichCompareBool(owner, me, Py_EQ) == 0) {
                PyDict_DelItem(table, key);
            }
            PyErr_Clear();
        }
        Py_XDECREF(keys);
    }
    Py_DECREF(me);
    Py_RETURN_NONE;
}

static PyObject *
recorder_reset(Recorder *R, PyObject *unused)
{
    recorder_new_window(R, NULL);
    rec_machinery_changed();
    R->details = 0;
    R->generation++;
    Rec *recs = R->recs;
    Py_ssize_t len = R->len;
    R->recs = NULL;
    R->len = R->cap = 0;
    for (int i = 0; i < R->nthreads; i++) {
        PyMem_Free(R->threads[i].stack);
        for (Py_ssize_t k = 0; k < R->threads[i].nreq; k++) {
            Py_DECREF(R->threads[i].requests[k].absname);
            Py_XDECREF(R->threads[i].requests[k].code);
            Py_XDECREF(R->threads[i].requests[k].importer);
        }
        PyMem_Free(R->threads[i].requests);
    }
    R->nthreads = 0;
    R->last_thread = -1;
    Py_CLEAR(R->sink);
    stream_stop(R, 1);
    lines_free(R->lines);
    R->lines = NULL;
    proxies_restore_pending(R);
    PyList_SetSlice(R->notes, 0, PyList_GET_SIZE(R->notes), NULL);
    PyList_SetSlice(R->ahead_seen, 0, PyList_GET_SIZE(R->ahead_seen), NULL);
    PyDict_Clear(R->loading);
    PyDict_Clear(R->ready);
    PyDict_Clear(R->thread_names);
    PyDict_Clear(R->unanswered);
    PyDict_Clear(R->watch);
    PyDict_Clear(R->snapshots);
    PyDict_Clear(R->type_names);
    PyDict_Clear(R->module_types);
    PyDict_Clear(R->lazy_types);
    for (Py_ssize_t i = 0; i < len; i++) {
        rec_clear(&recs[i]);
    }
    PyMem_Free(recs);
    Py_RETURN_NONE;
}

static PyObject *
recorder_notes(Recorder *R, PyObject *unused)
{
    return Py_NewRef(R->notes);
}

static PyObject *
recorder_note(Recorder *R, PyObject *args)
{
    const char *code;
    PyObject *data;
    if (!PyArg_ParseTuple(args, "sO!:note", &code, &PyTuple_Type, &data)) {
        return NULL;
    }
    rec_note(R, code, data);
    Py_RETURN_NONE;
}

static PyObject *
recorder_thread_names(Recorder *R, PyObject *unused)
{
    return PyDict_Copy(R->thread_names);
}

/* The small number of the calling thread (tid is its ident, for the interface's sake). */
static PyObject *
recorder_thread_number(Recorder *R, PyObject *tid)
{
    Thread *t = rec_thread(R);
    return t ? PyLong_FromLong(t->number) : NULL;
}

static PyObject *
recorder_set_sink(Recorder *R, PyObject *sink)
{
    Py_XSETREF(R->sink, sink == Py_None ? NULL : Py_NewRef(sink));
    Py_RETURN_NONE;
}

/* stream_to(fd): append every record to the file fd as it ends (stream.c); stream_to(None): stop, the
 * file cut to what was written; stream_to(-1): forget it without touching it (a forked child's copy). */
static PyObject *
recorder_stream_to(Recorder *R, PyObject *fd)
{
    if (fd == Py_None) {
        stream_stop(R, 1);
        Py_RETURN_NONE;
    }
    int n = PyLong_AsLong(fd);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (n < 0) {
        stream_stop(R, 0);
        Py_RETURN_NONE;
    }
    if (stream_start(R, n) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
recorder_open_main(Recorder *R, PyObject *unused)
{
    Py_ssize_t index = main_open(R);
    if (index < 0) {
        return NULL;
    }
    return Py_BuildValue("(nK)", index, (unsigned long long)R->generation);
}

static PyObject *
recorder_close_main(Recorder *R, PyObject *args)
{
    Py_ssize_t index;
    unsigned long long generation;
    PyObject *module, *exc;
    if (!PyArg_ParseTuple(args, "(nK)OO:close_main", &index, &generation, &module, &exc)) {
        return NULL;
    }
    if (generation == R->generation) {
        main_close(R, index, module, exc);
    }
    Py_RETURN_NONE;
}

static PyObject *
recorder_finders_ahead(Recorder *R, PyObject *unused)
{
    PyObject *meta_path = PyDict_GetItemWithError(R->sys_dict, s_meta_path);
    PyObject *ahead = PyList_New(0);
    if (ahead == NULL || meta_path == NULL || !PyList_Check(meta_path)) {
        return ahead;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(meta_path); i++) {
        PyObject *finder = PyList_GET_ITEM(meta_path, i);
        if (finder == R->finder) {
            return ahead;
        }
        if (!PyObject_TypeCheck(finder, &FinderType) && PyList_Append(ahead, finder) < 0) {
            Py_DECREF(ahead);
            return NULL;
        }
    }
    return PySequence_DelSlice(ahead, 0, PyList_GET_SIZE(ahead)) < 0 ? NULL : ahead;
}

static PyObject *
recorder_machinery_changed(Recorder *R, PyObject *unused)
{
    rec_machinery_changed();
    Py_RETURN_NONE;
}

static PyObject *
recorder_own_code(Recorder *R, PyObject *unused)
{
    return PySet_New(NULL); /* the compiled hooks add no frame to any traceback */
}

static PyObject *
recorder_get_name(Recorder *R, void *closure)
{
    return PyUnicode_FromString("compiled");
}

static PyObject *
recorder_get_finder_type(Recorder *R, void *closure)
{
    return Py_NewRef((PyObject *)&FinderType);
}

static int
recorder_traverse(Recorder *R, visitproc visit, void *arg)
{
    Py_VISIT(R->clock);
    Py_VISIT(R->sink);
    Py_VISIT(R->places);
    Py_VISIT(R->partials);
    Py_VISIT(R->loading);
    Py_VISIT(R->ready);
    Py_VISIT(R->thread_names);
    Py_VISIT(R->notes);
    Py_VISIT(R->finder);
    Py_VISIT(R->on_importlib);
    Py_VISIT(R->watch);
    Py_VISIT(R->unanswered);
    Py_VISIT(R->ahead_seen);
    Py_VISIT(R->lazy_pending);
    Py_VISIT(R->snapshots);
    Py_VISIT(R->type_names);
    Py_VISIT(R->module_types);
    Py_VISIT(R->lazy_types);
    Py_VISIT(R->sys_dict);
    Py_VISIT(R->machinery);
    return 0;
}

static int
recorder_clear(Recorder *R)
{
    Py_CLEAR(R->clock);
    Py_CLEAR(R->sink);
    Py_CLEAR(R->places);
    Py_CLEAR(R->partials);
    Py_CLEAR(R->loading);
    Py_CLEAR(R->ready);
    Py_CLEAR(R->thread_names);
    Py_CLEAR(R->notes);
    Py_CLEAR(R->finder);
    Py_CLEAR(R->on_importlib);
    Py_CLEAR(R->watch);
    Py_CLEAR(R->unanswered);
    Py_CLEAR(R->ahead_seen);
    Py_CLEAR(R->lazy_pending);
    Py_CLEAR(R->snapshots);
    Py_CLEAR(R->type_names);
    Py_CLEAR(R->module_types);
    Py_CLEAR(R->lazy_types);
    Py_CLEAR(R->sys_dict);
    Py_CLEAR(R->machinery);
    Py_CLEAR(R->p_asker);
    Py_CLEAR(R->p_resolve);
    Py_CLEAR(R->p_owner);
    Py_CLEAR(R->p_describe);
    Py_CLEAR(R->p_type_name);
    Py_CLEAR(R->p_module_type);
    Py_CLEAR(R->p_thread_name);
    Py_CLEAR(R->p_path_tuple);
    Py_CLEAR(R->p_load_details);
    Py_CLEAR(R->p_snapshot);
    Py_CLEAR(R->p_changes);
    Py_CLEAR(R->p_load_done);
    Py_CLEAR(R->p_search_details);
    Py_CLEAR(R->p_namespace_details);
    Py_CLEAR(R->p_hit_details);
    Py_CLEAR(R->p_star_details);
    Py_CLEAR(R->p_find_spec_legacy);
    Py_CLEAR(R->default_clock);
    return 0;
}

static void
recorder_dealloc(Recorder *R)
{
    PyObject_GC_UnTrack(R);
    sites_clear(R);
    for (Py_ssize_t i = 0; i < R->len; i++) {
        rec_clear(&R->recs[i]);
    }
    PyMem_Free(R->recs);
    for (int i = 0; i < R->nthreads; i++) {
        PyMem_Free(R->threads[i].stack);
        PyMem_Free(R->threads[i].requests);
    }
    PyMem_Free(R->threads);
    lines_free(R->lines);
    recorder_clear(R);
    Py_TYPE(R)->tp_free((PyObject *)R);
}

static PyMethodDef recorder_methods[] = {
    {"configure", (PyCFunction)recorder_configure, METH_VARARGS, "configure(clock, details)"},
    {"set_details", (PyCFunction)recorder_set_details, METH_O, NULL},
    {"set_active", (PyCFunction)recorder_set_active, METH_O, NULL},
    {"clock", (PyCFunction)recorder_clock, METH_NOARGS, NULL},
    {"import_hook", (PyCFunction)recorder_import_hook, METH_O, NULL},
    {"import_module_hook", (PyCFunction)recorder_import_module_hook, METH_O, NULL},
    {"reload_hook", (PyCFunction)recorder_reload_hook, METH_O, NULL},
    {"new_finder", (PyCFunction)recorder_new_finder, METH_O, NULL},
    {"finder", (PyCFunction)recorder_finder, METH_NOARGS, NULL},
    {"watch", (PyCFunction)recorder_watch, METH_VARARGS, "watch(name, callback): callback(module) each time name has loaded"},
    {"redirect", (PyCFunction)recorder_redirect, METH_VARARGS, "redirect(orig, before): orig, asking before(args, kwargs) for new arguments first"},
    {"position", (PyCFunction)recorder_position, METH_NOARGS, NULL},
    {"new_id", (PyCFunction)recorder_new_id, METH_NOARGS, NULL},
    {"take", (PyCFunction)recorder_take, METH_VARARGS, "take(start, stop, last): the records in that window (last: the log itself, which reset() follows)"},
    {"resolve", (PyCFunction)recorder_resolve, METH_O, "The portable form of raw records."},
    {"loaded_names", (PyCFunction)recorder_loaded_names, METH_O, NULL},
    {"new_window", (PyCFunction)recorder_new_window, METH_NOARGS, NULL},
    {"after_fork", (PyCFunction)recorder_after_fork, METH_NOARGS, "In a forked child: forget the other threads' imports in progress."},
    {"reset", (PyCFunction)recorder_reset, METH_NOARGS, NULL},
    {"notes", (PyCFunction)recorder_notes, METH_NOARGS, NULL},
    {"note", (PyCFunction)recorder_note, METH_VARARGS, NULL},
    {"thread_names", (PyCFunction)recorder_thread_names, METH_NOARGS, NULL},
    {"thread_number", (PyCFunction)recorder_thread_number, METH_O, NULL},
    {"set_sink", (PyCFunction)recorder_set_sink, METH_O, NULL},
    {"stream_to", (PyCFunction)recorder_stream_to, METH_O, "stream_to(fd): append each record to the file fd as it ends (None: stop)"},
    {"open_main", (PyCFunction)recorder_open_main, METH_NOARGS, NULL},
    {"close_main", (PyCFunction)recorder_close_main, METH_VARARGS, NULL},
    {"finders_ahead", (PyCFunction)recorder_finders_ahead, METH_NOARGS, NULL},
    {"own_code", (PyCFunction)recorder_own_code, METH_NOARGS, NULL},
    {"machinery_changed", (PyCFunction)recorder_machinery_changed, METH_NOARGS, "Forget the machinery cache."},
    {NULL},
};

static PyGetSetDef recorder_getset[] = {
    {"name", (getter)recorder_get_name, NULL, "\"compiled\"", NULL},
    {"finder_type", (getter)recorder_get_finder_type, NULL, "The class of the finder.", NULL},
    {NULL},
};

PyTypeObject RecorderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "importtrace.record._crecord.Recorder",
    .tp_doc = "The compiled import hooks' recorder (the interface of _pybackend.PyRecorder).",
    .tp_basicsize = sizeof(Recorder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = recorder_new,
    .tp_dealloc = (destructor)recorder_dealloc,
    .tp_traverse = (traverseproc)recorder_traverse,
    .tp_clear = (inquiry)recorder_clear,
    .tp_methods = recorder_methods,
    .tp_getset = recorder_getset,
};

/* --- the module ----------------------------------------------------------------------------------------- */

static int
intern(PyObject **slot, const char *text)
{
    if (*slot == NULL) {
        *slot = PyUnicode_InternFromString(text);
    }
    return *slot == NULL ? -1 : 0;
}

static int
module_exec(PyObject *module)
{
    if (intern(&s_hit, "hit") < 0 || intern(&s_search, "search") < 0 || intern(&s_load, "load") < 0
        || intern(&s_reload, "reload") < 0 || intern(&s_import, "import") < 0
        || intern(&s_import_module, "import_module") < 0 || intern(&s_dunder_import, "__import__") < 0
        || intern(&s_probe, "probe") < 0 || intern(&s_lazy, "lazy") < 0 || intern(&s___name__, "__name__") < 0
        || intern(&s___package__, "__package__") < 0 || intern(&s___spec__, "__spec__") < 0
        || intern(&s___loader__, "__loader__") < 0 || intern(&s___file__, "__file__") < 0
        || intern(&s__initializing, "_initializing") < 0 || intern(&s_loader, "loader") < 0
        || intern(&s_origin, "origin") < 0 || intern(&s_submodule_search_locations, "submodule_search_locations") < 0
        || intern(&s_name, "name") < 0 || intern(&s_find_spec, "find_spec") < 0
        || intern(&s_exec_module, "exec_module") < 0 || intern(&s_create_module, "create_module") < 0
        || intern(&s_load_module, "load_module") < 0 || intern(&s_cwfr, "_call_with_frames_removed") < 0
        || intern(&s_fafl_unlocked, "_find_and_load_unlocked") < 0 || intern(&s_reload_name, "reload") < 0
        || intern(&s_imp, "imp") < 0 || intern(&s_NamespaceLoader, "NamespaceLoader") < 0
        || intern(&s___qualname__, "__qualname__") < 0 || intern(&s_namespace_type, "namespace") < 0
        || intern(&s_co_code, "co_code") < 0 || intern(&empty_str, "") < 0 || intern(&s_dot, ".") < 0
        || intern(&s_meta_path, "meta_path") < 0) {
        return -1;
    }
    if (empty_tuple == NULL && (empty_tuple = PyTuple_New(0)) == NULL) {
        return -1;
    }
    if (sites_setup() < 0) {
        return -1;
    }
    PyTypeObject *types[] = {&RecorderType, &HookType, &FinderType, &ReloadHookType, &RecordsType, &RedirectType, &ProxyExecType,
                             &ProxyExecOnlyType, &ProxyLegacyType, &ProxyLazyType, &ProxyLazyExecType, NULL};
    for (int i = 0; types[i] != NULL; i++) {
        if (PyType_Ready(types[i]) < 0) {
            return -1;
        }
    }
    Py_INCREF(&RecorderType);
    if (PyModule_AddObject(module, "Recorder", (PyObject *)&RecorderType) < 0) {
        Py_DECREF(&RecorderType);
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* one Recorder per process, in static state: one interpreter only */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    /* the hooks rely on the GIL: a free-threaded build turns it back on when this loads (README) */
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "importtrace.record._crecord",
    .m_doc = "The compiled import hooks (optional: importtrace.record falls back to the pure-Python ones).",
    .m_size = 0,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__crecord(void)
{
    return PyModuleDef_Init(&module_def);
}
