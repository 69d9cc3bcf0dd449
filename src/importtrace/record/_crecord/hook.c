/* Hook: builtins.__import__ and importlib.import_module while tracing (see _pyrecord.import_hook and
 * start_hit, which this follows step by step).  A repeated cache hit at a known call site is counted
 * with no allocation; a first hit opens a hit record.  The original function is always called with
 * exactly the arguments given, from C, so no frame of importtrace's ever appears in a traceback. */
#include "crecord.h"
#include <pythread.h>

#define RECOMPILED 8          /* after this many code objects for one source place, count on the first */
#define MANY_SITES 200000     /* past this many call sites, watch every place for recompiled code */
#define CLEAR_ERROR()                                                                                          \
    do {                                                                                                       \
        if (PyErr_Occurred()) {                                                                                \
            PyErr_Clear();                                                                                     \
        }                                                                                                      \
    } while (0)

/* --- call sites ------------------------------------------------------------------------------------- */

static Py_ssize_t code_index = -1; /* our co_extra slot */

int
sites_setup(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    code_index = PyUnstable_Eval_RequestCodeExtraIndex(NULL);
#else
    code_index = _PyEval_RequestCodeExtraIndex(NULL);
#endif
    return code_index < 0 ? -1 : 0;
}

/* The number this code object is known by (0 if none yet). */
static uint64_t
code_token(PyObject *code)
{
    void *extra = NULL;
#if PY_VERSION_HEX >= 0x030C0000
    if (PyUnstable_Code_GetExtra(code, code_index, &extra) < 0) {
#else
    if (_PyCode_GetExtra(code, code_index, &extra) < 0) {
#endif
        PyErr_Clear();
        return 0;
    }
    return (uint64_t)(uintptr_t)extra;
}

static uint64_t
code_token_new(Recorder *R, PyObject *code)
{
    uint64_t token = code_token(code);
    if (token != 0) {
        return token;
    }
    token = R->next_token++;
#if PY_VERSION_HEX >= 0x030C0000
    if (PyUnstable_Code_SetExtra(code, code_index, (void *)(uintptr_t)token) < 0) {
#else
    if (_PyCode_SetExtra(code, code_index, (void *)(uintptr_t)token) < 0) {
#endif
        return 0;
    }
    return token;
}

static Py_hash_t
site_hash(uint64_t token, int lasti, PyObject *name)
{
    Py_hash_t h = PyObject_Hash(name);
    if (h == -1) {
        PyErr_Clear();
        h = 0;
    }
    size_t x = (size_t)(token * 0x9E3779B97F4A7C15ull) ^ ((size_t)lasti * 0x85EBCA6Bu) ^ (size_t)h;
    return (Py_hash_t)(x ^ (x >> 17));
}

static int
name_equal(PyObject *a, PyObject *b)
{
    if (a == b) {
        return 1;
    }
    int eq = PyUnicode_Compare(a, b) == 0;
    CLEAR_ERROR();
    return eq;
}

static Site *
site_slot(Site *sites, Py_ssize_t cap, uint64_t token, int lasti, PyObject *name, Py_hash_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (sites[i].token != 0) {
        Site *s = &sites[i];
        if (s->token == token && s->lasti == lasti && name_equal(s->name, name)) {
            return s;
        }
        i = (i + 1) & (cap - 1);
    }
    return &sites[i];
}

Site *
site_find(Recorder *R, PyObject *code, int lasti, PyObject *name)
{
    if (R->nsites == 0) {
        return NULL;
    }
    uint64_t token = code_token(code);
    if (token == 0) {
        return NULL;
    }
    Site *s = site_slot(R->sites, R->sites_cap, token, lasti, name, site_hash(token, lasti, name));
    return s->token != 0 ? s : NULL;
}

int
site_add(Recorder *R, PyObject *code, int lasti, PyObject *name, PyObject *absname, Py_ssize_t index)
{
    uint64_t token = code_token_new(R, code);
    if (token == 0) {
        return -1;
    }
    if ((R->nsites + 1) * 10 > R->sites_cap * 7) {
        Py_ssize_t cap = R->sites_cap ? R->sites_cap * 2 : 256;
        Site *grown = PyMem_Calloc(cap, sizeof(Site));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < R->sites_cap; i++) {
            Site *old = &R->sites[i];
            if (old->token != 0) {
                *site_slot(grown, cap, old->token, old->lasti, old->name, site_hash(old->token, old->lasti, old->name))
                    = *old;
            }
        }
        PyMem_Free(R->sites);
        R->sites = grown;
        R->sites_cap = cap;
    }
    Py_hash_t h = site_hash(token, lasti, name);
    Site *s = site_slot(R->sites, R->sites_cap, token, lasti, name, h);
    if (s->token == 0) {
        R->nsites++;
        s->token = token;
        s->name = Py_NewRef(name);
        s->absname = Py_NewRef(absname);
        s->lasti = lasti;
    }
    s->index = (int)index;
    return 0;
}

void
sites_clear(Recorder *R)
{
    Site *sites = R->sites;
    Py_ssize_t cap = R->sites_cap;
    R->sites = NULL;
    R->sites_cap = R->nsites = 0;
    for (Py_ssize_t i = 0; i < cap; i++) {
        if (sites[i].token != 0) {
            Py_DECREF(sites[i].name);
            Py_DECREF(sites[i].absname);
        }
    }
    PyMem_Free(sites);
}

static void
bump(Recorder *R, Py_ssize_t index)
{
    if (index >= 0 && index < R->len) {
        R->recs[index].count++;
    }
}

/* --- arguments ------------------------------------------------------------------------------------- */

typedef struct {
    PyObject *name, *globals, *fromlist, *level, *package;
} Args;

static const char *IMPORT_NAMES[] = {"name", "globals", "locals", "fromlist", "level", NULL};
static const char *MODULE_NAMES[] = {"name", "package", NULL};

/* Read the arguments as the original function would (never changing them); 0 if they are not ones this
 * hook records (the original then raises or answers as untraced). */
static int
read_args(Hook *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, Args *a)
{
    const char **names = self->is_import_module ? MODULE_NAMES : IMPORT_NAMES;
    PyObject *slots[5] = {NULL, NULL, NULL, NULL, NULL};
    int nnames = self->is_import_module ? 2 : 5;
    if (nargs > nnames) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        slots[i] = args[i];
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        int found = 0;
        for (int i = 0; i < nnames && !found; i++) {
            if (PyUnicode_CompareWithASCIIString(key, names[i]) == 0) {
                if (slots[i] != NULL) {
                    return 0;
                }
                slots[i] = args[nargs + k];
                found = 1;
            }
        }
        if (!found) {
            return 0;
        }
    }
    a->name = slots[0];
    if (a->name == NULL || !PyUnicode_CheckExact(a->name)) {
        return 0;
    }
    if (self->is_import_module) {
        a->package = slots[1];
        a->globals = a->fromlist = a->level = NULL;
    }
    else {
        a->globals = slots[1];
        a->fromlist = slots[3];
        a->level = slots[4];
        a->package = NULL;
    }
    return 1;
}

/* The absolute name of a relative import (new reference); NULL without an error when it would fail.
 * The common case here, the rest by _policy.resolve. */
static PyObject *
resolve_name(Recorder *R, PyObject *name, PyObject *globals, long level)
{
    PyObject *package = NULL;
    if (globals != NULL && PyDict_Check(globals)) {
        package = PyDict_GetItemWithError(globals, s___package__);
        CLEAR_ERROR();
    }
    if (package == NULL || !PyUnicode_CheckExact(package)) {
        PyObject *lvl = PyLong_FromLong(level);
        PyObject *absname = lvl ? PyObject_CallFunctionObjArgs(R->p_resolve, name, globals ? globals : Py_None,
                                                               lvl, NULL)
                                : NULL;
        Py_XDECREF(lvl);
        if (absname == NULL || absname == Py_None) {
            CLEAR_ERROR();
            Py_XDECREF(absname);
            return NULL;
        }
        return absname;
    }
    Py_ssize_t end = PyUnicode_GET_LENGTH(package);
    if (end == 0) {
        return NULL;
    }
    for (long i = 1; i < level; i++) {
        Py_ssize_t dot = PyUnicode_FindChar(package, '.', 0, end, -1);
        if (dot < 0) {
            CLEAR_ERROR();
            return NULL; /* beyond the top-level package: the import fails, and says so itself */
        }
        end = dot;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(name);
    if (length == 0) {
        PyObject *base = PyUnicode_Substring(package, 0, end);
        CLEAR_ERROR();
        return base;
    }
    Py_UCS4 widest = PyUnicode_MAX_CHAR_VALUE(package) > PyUnicode_MAX_CHAR_VALUE(name) ? PyUnicode_MAX_CHAR_VALUE(package)
                                                                                        : PyUnicode_MAX_CHAR_VALUE(name);
    PyObject *absname = PyUnicode_New(end + 1 + length, widest);
    if (absname == NULL || PyUnicode_CopyCharacters(absname, 0, package, 0, end) < 0
        || PyUnicode_WriteChar(absname, end, '.') < 0 || PyUnicode_CopyCharacters(absname, end + 1, name, 0, length) < 0) {
        Py_CLEAR(absname);
    }
    CLEAR_ERROR();
    return absname;
}

/* --- first hits --------------------------------------------------------------------------------------- */

/* The thread initialising module, if any: 0 none, else its ident (as _policy.owner). */
static unsigned long
owner_of(Recorder *R, PyObject *absname, PyObject *module, unsigned long me)
{
    PyObject *known = PyDict_GetItemWithError(R->loading, absname);
    if (known != NULL) {
        unsigned long tid = PyLong_AsUnsignedLong(known);
        CLEAR_ERROR();
        return tid;
    }
    CLEAR_ERROR();
    if (module == Py_None) {
        return 0;
    }
    PyObject *ready = PyDict_GetItemWithError(R->ready, absname);
    if (ready == module) {
        return 0; /* seen initialised before: a module object initialises once (a reload does not count) */
    }
    CLEAR_ERROR();
    PyObject *spec = PyObject_GetAttr(module, s___spec__); /* import.c reads it on every hit too */
    int initializing = 0;
    if (spec != NULL && spec != Py_None) {
        PyObject *flag = PyObject_GetAttr(spec, s__initializing);
        initializing = flag != NULL && PyObject_IsTrue(flag) == 1;
        Py_XDECREF(flag);
    }
    Py_XDECREF(spec);
    CLEAR_ERROR();
    if (!initializing) {
        if (PyDict_SetItem(R->ready, absname, module) < 0) {
            CLEAR_ERROR();
        }
        return 0;
    }
    PyObject *me_obj = PyLong_FromUnsignedLong(me);
    PyObject *found = me_obj ? PyObject_CallFunctionObjArgs(R->p_owner, absname, module, me_obj, NULL) : NULL;
    unsigned long tid = 0;
    if (found != NULL && found != Py_None) {
        tid = PyLong_AsUnsignedLong(found);
    }
    CLEAR_ERROR();
    Py_XDECREF(found);
    Py_XDECREF(me_obj);
    return tid;
}

typedef struct {
    Py_ssize_t index;
    uint64_t generation;
    PyObject *absname;
    int miss; /* absname is not in sys.modules: the finder will be asked */
} Opened;

/* Open a hit record if absname is in sys.modules, as _pyrecord.start_hit does.  *out->index stays -1
 * for a miss (the finder records those) or a hit counted on a record that already exists. */
static int
start_hit(Hook *self, PyObject *key, PyObject *absname, PyFrameObject *frame, PyObject *frame_code, int frame_lasti_,
          Py_ssize_t known_site, PyObject *fromlist, long level, Opened *out)
{
    Recorder *R = self->rec;
    out->index = -1;
    PyObject *modules = PyImport_GetModuleDict();
    PyObject *module = PyDict_GetItemWithError(modules, absname);
    if (module == NULL) {
        if (PyErr_Occurred()) {
            CLEAR_ERROR();
        }
        out->miss = 1;
        return 0;
    }
    Py_INCREF(module);
    Py_INCREF(frame_code);
    PyObject *code = Py_NewRef(frame_code);
    int lasti = frame_lasti_;
    PyObject *importer = NULL;
    PyObject *filename = ((PyCodeObject *)code)->co_filename;
    unsigned long me = PyThread_get_thread_ident();
    int result = -1;
    PyObject *place = NULL;
    if (rec_is_machinery(R, filename)) {
        int asked = 0;
        if (code_is_call(R, code, lasti)) {
            PyObject *found_code = NULL;
            asked = rec_asker(R, frame, rec_top(R), &found_code, &lasti, &importer);
            Py_SETREF(code, found_code);
        }
        if (asked <= 0) {
            /* the import system's own request: remembered so the hot path counts it, never exported */
            CLEAR_ERROR();
            result = site_add(R, frame_code, frame_lasti_, key, absname, -1);
            goto done;
        }
        if (code != NULL) {
            filename = ((PyCodeObject *)code)->co_filename;
        }
    }
    else {
        PyObject *globals = frame_globals(frame);
        PyObject *name = globals && PyDict_Check(globals) ? PyDict_GetItemWithError(globals, s___name__) : NULL;
        importer = Py_XNewRef(name);
        CLEAR_ERROR();
        Py_XDECREF(globals);
    }
    unsigned long owner = owner_of(R, absname, module, me);
    int waited = owner != 0 && owner != me;
    int partial = owner != 0 && !waited
                  && !(importer != NULL && PyUnicode_Check(importer) && name_equal(importer, absname));
    if (partial || waited) {
        /* by the code's token, not its address: the address of a module's code, freed once it ran, is
         * often the next module's, whose hits on a package still initialising are hits of their own */
        uint64_t token = code != NULL ? code_token_new(R, code) : 0;
        if (code != NULL && token == 0) {
            goto done;
        }
        PyObject *k = Py_BuildValue("(KiOO)", (unsigned long long)token, lasti, key, partial ? Py_True : Py_False);
        PyObject *known = k ? PyDict_GetItemWithError(R->partials, k) : NULL;
        if (known != NULL) {
            bump(R, PyLong_AsSsize_t(known));
            Py_DECREF(k);
            result = 0;
            goto done;
        }
        place = k; /* kept as the partials key below */
    }
    else {
        if (known_site >= -1) { /* this site, while its module was still loading (a self-import) */
            bump(R, known_site);
            result = 0;
            goto done;
        }
        if (PyUnicode_GET_LENGTH(filename) == 0 || PyUnicode_READ_CHAR(filename, 0) == '<'
            || R->nsites > MANY_SITES) {
            /* Source compiled from a string (exec in a loop) makes a new code object each time: past a few
             * versions of one place, count them on its first record. */
            PyCodeObject *co = (PyCodeObject *)code;
            place = Py_BuildValue("(OiOiOO)", filename, co ? co->co_firstlineno : 0, co ? co->co_name : empty_str,
                                  lasti, absname, self->is_import_module ? s_import_module : s_import);
            PyObject *seen = place ? PyDict_GetItemWithError(R->places, place) : NULL;
            if (seen != NULL) {
                Py_ssize_t versions = PyLong_AsSsize_t(PyList_GET_ITEM(seen, 1));
                if (versions >= RECOMPILED) {
                    bump(R, PyLong_AsSsize_t(PyList_GET_ITEM(seen, 0)));
                    result = 0;
                    goto done;
                }
                PyObject *more = PyLong_FromSsize_t(versions + 1);
                if (more == NULL || PyList_SetItem(seen, 1, more) < 0) {
                    goto done;
                }
                Py_CLEAR(place);
            }
        }
    }
    Py_ssize_t index = rec_new(R, K_HIT, absname, code, lasti, importer);
    if (index < 0) {
        goto done;
    }
    Rec *r = &R->recs[index];
    if (fromlist != NULL && (PyTuple_CheckExact(fromlist) || PyList_CheckExact(fromlist))) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(fromlist);
        int all_str = n > 0;
        for (Py_ssize_t i = 0; i < n && all_str; i++) {
            all_str = PyUnicode_CheckExact(PySequence_Fast_GET_ITEM(fromlist, i));
        }
        if (all_str && rec_set_from(r, fromlist) < 0) { /* never iterate or str() other objects */
            goto done;
        }
    }
    r->level = (short)level;
    r->flags = (self->is_import_module ? F_VIA_MODULE : 0) | (partial ? F_PARTIAL : 0) | (waited ? F_WAITED : 0);
    if (!self->is_import_module && code != NULL && code_is_call(R, code, lasti)) {
        R->recs[index].flags |= F_CALL;
    }
    if (R->details) {
        PyObject *at = PyLong_FromLong(lasti);
        PyObject *details = at ? PyObject_CallFunctionObjArgs(R->p_hit_details, code ? code : Py_None, at, NULL) : NULL;
        Py_XDECREF(at);
        if (details == NULL || rec_set_extra(R, index, H_DETAILS, details) < 0) {
            CLEAR_ERROR();
        }
        Py_XDECREF(details);
    }
    if (partial || waited) {
        PyObject *where = PyLong_FromSsize_t(index);
        if (where == NULL || PyDict_SetItem(R->partials, place, where) < 0) {
            Py_XDECREF(where);
            goto done;
        }
        Py_DECREF(where);
    }
    else {
        if (site_add(R, frame_code, frame_lasti_, key, absname, index) < 0) {
            goto done;
        }
        if (place != NULL) {
            PyObject *entry = Py_BuildValue("[ni]", index, 1);
            if (entry == NULL || PyDict_SetItem(R->places, place, entry) < 0) {
                Py_XDECREF(entry);
                goto done;
            }
            Py_DECREF(entry);
        }
    }
    out->index = index;
    out->generation = R->generation;
    out->absname = Py_NewRef(absname);
    rec_began(R, index);
    result = 0;
done:
    Py_XDECREF(place);
    Py_XDECREF(importer);
    Py_XDECREF(code);
    Py_DECREF(frame_code);
    Py_DECREF(module);
    return result;
}

/* Whether a hit record's from-list asks for *. */
static int
from_has_star(Rec *r)
{
    for (int i = 0; i < r->nfrom; i++) {
        if (PyUnicode_CompareWithASCIIString(r->from[i], "*") == 0) {
            return 1;
        }
    }
    return 0;
}

/* Whether a from-list (a tuple or list of str; nothing else is looked into) asks for *, as _pyrecord._star. */
static int
fromlist_has_star(PyObject *fromlist)
{
    if (fromlist == NULL || !(PyTuple_CheckExact(fromlist) || PyList_CheckExact(fromlist))) {
        return 0;
    }
    int star = 0;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(fromlist); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fromlist, i);
        if (!PyUnicode_CheckExact(item)) {
            return 0;
        }
        star |= PyUnicode_CompareWithASCIIString(item, "*") == 0;
    }
    return star;
}

/* With --explain: add what `from ... import *` bound from module to the record's details (field). */
static void
add_star(Recorder *R, Py_ssize_t index, int field, PyObject *module)
{
    PyObject *before = Py_NewRef(rec_get_extra(R, index, field));
    PyObject *details = PyObject_CallFunctionObjArgs(R->p_star_details, module, before, NULL);
    Py_DECREF(before);
    if (details == NULL || rec_set_extra(R, index, field, details) < 0) {
        CLEAR_ERROR();
    }
    Py_XDECREF(details);
}

/* Close a hit record after the original function returned (result) or raised (result NULL). */
static void
end_hit(Recorder *R, Opened *opened, PyObject *result)
{
    if (opened->generation != R->generation || opened->index >= R->len) {
        return; /* the trace stopped meanwhile: that record is gone */
    }
    Py_ssize_t index = opened->index;
    int star = R->details && result != NULL && from_has_star(&R->recs[index]);
    if (result != NULL && !star && !(R->recs[index].flags & F_PARTIAL && R->recs[index].nfrom)) {
        rec_end(R, index); /* the common case: nothing more to note */
        return;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (star) {
        add_star(R, index, H_DETAILS, result);
    }
    if (result != NULL && !(R->recs[index].flags & F_PARTIAL && R->recs[index].nfrom)) {
        rec_end(R, index);
        PyErr_Restore(type, value, tb);
        return;
    }
    PyObject *module = PyDict_GetItemWithError(PyImport_GetModuleDict(), opened->absname);
    CLEAR_ERROR();
    if (result == NULL) {
        if (module == Py_None && value != NULL) { /* None in sys.modules: the import was refused */
            PyErr_NormalizeException(&type, &value, &tb);
            PyObject *error = rec_describe(R, value);
            if (error != NULL && rec_set_extra(R, index, H_ERROR, error) < 0) {
                PyErr_Clear();
            }
            Py_XDECREF(error);
            CLEAR_ERROR();
        }
    }
    else if (module != NULL) { /* partial, with a from-list: which names were still missing */
        PyObject *names = PyObject_GetAttrString(module, "__dict__");
        PyObject *missing = names && PyDict_Check(names) ? PyList_New(0) : NULL;
        for (Py_ssize_t i = 0; missing != NULL && i < R->recs[index].nfrom; i++) {
            PyObject *n = R->recs[index].from[i];
            if (PyUnicode_CompareWithASCIIString(n, "*") != 0 && PyDict_Contains(names, n) == 0
                && PyList_Append(missing, n) < 0) {
                Py_CLEAR(missing);
            }
        }
        PyObject *tuple = missing ? PyList_AsTuple(missing) : NULL;
        if (tuple != NULL && rec_set_extra(R, index, H_MISSING, tuple) < 0) {
            PyErr_Clear();
        }
        Py_XDECREF(tuple);
        CLEAR_ERROR();
        Py_XDECREF(missing);
        Py_XDECREF(names);
    }
    rec_end(R, index);
    PyErr_Restore(type, value, tb);
}

/* A miss: remember who asked, so that the finder need not walk frames to find out.  Returns the request
 * stack's size before the push (to pop back to), -1 if nothing was pushed. */
static Py_ssize_t
push_request(Recorder *R, PyObject *absname, PyFrameObject *frame, PyObject *code, int lasti)
{
    Thread *t = rec_thread(R);
    if (t == NULL) {
        CLEAR_ERROR();
        return -1;
    }
    Py_ssize_t before = t->nreq;
    PyObject *asked_code = NULL, *importer = NULL;
    int asked_lasti = -1, found;
    if (rec_is_machinery(R, ((PyCodeObject *)code)->co_filename)) {
        found = rec_asker(R, frame, rec_top(R), &asked_code, &asked_lasti, &importer);
    }
    else {
        asked_code = Py_NewRef(code);
        asked_lasti = lasti;
        PyObject *globals = frame_globals(frame);
        PyObject *name = globals && PyDict_Check(globals) ? PyDict_GetItemWithError(globals, s___name__) : NULL;
        importer = Py_XNewRef(name);
        Py_XDECREF(globals);
        found = 1;
    }
    if (PyErr_Occurred()) {
        CLEAR_ERROR();
    }
    int pushed = found >= 0 && rec_push_request(R, absname, asked_code, asked_lasti, importer, found == 0) == 0;
    Py_XDECREF(asked_code);
    Py_XDECREF(importer);
    if (!pushed) {
        CLEAR_ERROR();
        return -1;
    }
    return before;
}

/* --- the hook ----------------------------------------------------------------------------------------- */

static PyObject *
hook_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Hook *self = (Hook *)callable;
    Recorder *R = self->rec;
    Args a;
    PyFrameObject *frame;
    if (!R->active || !read_args(self, args, PyVectorcall_NARGS(nargsf), kwnames, &a)
        || (frame = PyEval_GetFrame()) == NULL) {
        return PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    }
    PyCodeObject *code = PyFrame_GetCode(frame);
    int lasti = frame_lasti(frame);
    Site *site = site_find(R, (PyObject *)code, lasti, a.name);
    Py_ssize_t known_site = -2; /* -2: no site; else its record's index (-1: not counted) */
    if (site != NULL) {
        PyObject *absname = site->absname;
        Py_ssize_t index = known_site = site->index;
        int loading = PyDict_GET_SIZE(R->loading) ? PyDict_Contains(R->loading, absname) : 0;
        PyObject *module = loading == 0 ? PyDict_GetItemWithError(PyImport_GetModuleDict(), absname) : NULL;
        if (module != NULL && module != Py_None) {
            Py_DECREF(code);
            bump(R, index);
            return PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
        }
        CLEAR_ERROR();
    }
    /* the slow path: a first hit at this site, or a miss */
    long level = 0;
    PyObject *absname = NULL;
    if (self->is_import_module) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(a.name);
        while (level < n && PyUnicode_READ_CHAR(a.name, level) == '.') {
            level++;
        }
        if (level == 0) {
            absname = n ? Py_NewRef(a.name) : NULL;
        }
        else {
            PyObject *rest = PyUnicode_Substring(a.name, level, n);
            PyObject *globals = rest ? Py_BuildValue("{sO}", "__package__", a.package ? a.package : Py_None) : NULL;
            absname = globals ? resolve_name(R, rest, globals, level) : NULL;
            Py_XDECREF(rest);
            Py_XDECREF(globals);
            CLEAR_ERROR();
        }
    }
    else if (a.level == NULL || PyLong_CheckExact(a.level)) {
        level = a.level ? PyLong_AsLong(a.level) : 0;
        if (level == 0) {
            absname = PyUnicode_GET_LENGTH(a.name) ? Py_NewRef(a.name) : NULL;
        }
        else if (level > 0 && level < 1000 && a.globals != NULL && a.globals != Py_None) {
            absname = resolve_name(R, a.name, a.globals, level);
        }
        CLEAR_ERROR();
    }
    Opened opened = {-1, 0, NULL, 0};
    Py_ssize_t requests = -1;
    PyObject *star_name = NULL; /* with --explain, `from m import *` for m not loaded: what it binds goes on m's load */
    Py_ssize_t star_from = 0;
    uint64_t star_generation = 0;
    if (absname != NULL) {
        if (start_hit(self, a.name, absname, frame, (PyObject *)code, lasti, known_site, a.fromlist, level, &opened) < 0) {
            rec_note_internal(R, self->is_import_module ? "import_module hook" : "__import__ hook");
            opened.index = -1;
        }
        else if (opened.miss) {
            requests = push_request(R, absname, frame, (PyObject *)code, lasti);
            if (R->details && fromlist_has_star(a.fromlist)) {
                star_name = Py_NewRef(absname);
                star_from = R->len;
                star_generation = R->generation;
            }
        }
        Py_DECREF(absname);
    }
    Py_DECREF(code);
    PyObject *result = PyObject_Vectorcall(self->orig, args, nargsf, kwnames);
    if (opened.index >= 0) {
        end_hit(R, &opened, result);
        Py_DECREF(opened.absname);
    }
    if (star_name != NULL) {
        Thread *t = result != NULL && star_generation == R->generation ? rec_thread(R) : NULL;
        for (Py_ssize_t i = star_from; t != NULL && i < R->len; i++) {
            Rec *r = &R->recs[i];
            if (r->kind == K_LOAD && r->thread == t->number && name_equal(r->name, star_name)) {
                PyObject *type, *value, *tb;
                PyErr_Fetch(&type, &value, &tb);
                add_star(R, i, L_DETAILS, result);
                PyErr_Restore(type, value, tb);
                break;
            }
        }
        if (result != NULL) {
            CLEAR_ERROR();
        }
        Py_DECREF(star_name);
    }
    if (requests >= 0) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        rec_pop_request(R, requests);
        PyErr_Restore(type, value, tb);
    }
    return result;
}

PyObject *
hook_new_for(Recorder *R, PyObject *orig, int is_import_module)
{
    Hook *self = PyObject_GC_New(Hook, &HookType);
    if (self == NULL) {
        return NULL;
    }
    self->rec = (Recorder *)Py_NewRef((PyObject *)R);
    self->orig = Py_NewRef(orig);
    self->dict = NULL;
    self->is_import_module = is_import_module;
    self->vectorcall = hook_vectorcall;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
hook_traverse(Hook *self, visitproc visit, void *arg)
{
    Py_VISIT(self->rec);
    Py_VISIT(self->orig);
    Py_VISIT(self->dict);
    return 0;
}

static int
hook_clear(Hook *self)
{
    Py_CLEAR(self->rec);
    Py_CLEAR(self->orig);
    Py_CLEAR(self->dict);
    return 0;
}

static void
hook_dealloc(Hook *self)
{
    PyObject_GC_UnTrack(self);
    hook_clear(self);
    PyObject_GC_Del(self);
}

static PyObject *
hook_repr(Hook *self)
{
    return PyUnicode_FromFormat("<importtrace hook for %R>", self->orig);
}

/* Attributes the hook does not have are the original's (__code__, __defaults__, __globals__, ...). */
static PyObject *
hook_getattro(PyObject *self, PyObject *name)
{
    PyObject *result = PyObject_GenericGetAttr(self, name);
    if (result == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        CLEAR_ERROR();
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

PyTypeObject HookType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "importtrace.record._crecord.Hook",
    .tp_doc = "builtins.__import__ or importlib.import_module while tracing.",
    .tp_basicsize = sizeof(Hook),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
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
};
