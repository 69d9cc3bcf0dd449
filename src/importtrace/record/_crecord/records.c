/* Records: a stopped recording's records, as the hooks kept them (a C array), and resolve(): their
 * portable form, code objects turned into file and line once (see _export.portable, its Python twin). */
#include "crecord.h"

typedef struct {
    PyObject_HEAD
    Recorder *R;
    Rec *recs;
    Py_ssize_t n;
    PyObject *tail; /* raw tuples added after the hooks' records (modules that appeared unobserved) */
} Records;

/* The records of log[start:stop].  The last recording to stop takes the log itself (reset() follows):
 * what is still in flight then finds its generation gone and writes nothing. */
PyObject *
records_take(Recorder *R, Py_ssize_t start, Py_ssize_t stop, int last)
{
    if (start < 0) {
        start = 0;
    }
    if (stop > R->len) {
        stop = R->len;
    }
    Py_ssize_t n = stop > start ? stop - start : 0;
    Records *self = PyObject_New(Records, &RecordsType);
    if (self == NULL) {
        return NULL;
    }
    self->R = (Recorder *)Py_NewRef((PyObject *)R);
    self->n = 0;
    self->recs = NULL;
    self->tail = PyList_New(0);
    if (self->tail == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    if (last && start == 0 && stop == R->len) {
        self->recs = R->recs;
        self->n = n;
        R->recs = NULL;
        R->len = R->cap = 0;
        R->generation++;
        for (int i = 0; i < R->nthreads; i++) {
            R->threads[i].depth = 0;
        }
        return (PyObject *)self;
    }
    self->recs = n ? PyMem_Malloc(n * sizeof(Rec)) : NULL;
    if (n && self->recs == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    memcpy(self->recs, R->recs + start, n * sizeof(Rec));
    for (Py_ssize_t i = 0; i < n; i++) {
        Rec *r = &self->recs[i];
        Py_XINCREF(r->name);
        place_copy(&r->place, &r->place);
        Py_XINCREF(r->importer);
        rec_copy_from(r);
        rec_copy_f(r);
    }
    self->n = n;
    return (PyObject *)self;
}

static void
records_dealloc(Records *self)
{
    for (Py_ssize_t i = 0; i < self->n; i++) {
        rec_clear(&self->recs[i]);
    }
    PyMem_Free(self->recs);
    Py_XDECREF(self->tail);
    Py_XDECREF(self->R);
    PyObject_Free(self);
}

static Py_ssize_t
records_len(Records *self)
{
    return self->n + PyList_GET_SIZE(self->tail);
}

static PyObject *resolve_rec(Recorder *R, void *cache, Rec *r);

/* A record, portable (the compiled hooks keep no code objects: see Place). */
static PyObject *
records_item(Records *self, Py_ssize_t i)
{
    if (i < 0 || i >= records_len(self)) {
        PyErr_SetString(PyExc_IndexError, "record index out of range");
        return NULL;
    }
    if (i >= self->n) {
        return Py_NewRef(PyList_GET_ITEM(self->tail, i - self->n));
    }
    return resolve_rec(self->R, NULL, &self->recs[i]);
}

static PyObject *
records_extend(Records *self, PyObject *more)
{
    Py_ssize_t end = PyList_GET_SIZE(self->tail);
    if (PyList_SetSlice(self->tail, end, end, more) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
records_loaded_names(Records *self, PyObject *unused)
{
    PyObject *names = PySet_New(NULL);
    for (Py_ssize_t i = 0; names != NULL && i < self->n; i++) {
        if (self->recs[i].kind == K_LOAD && PySet_Add(names, self->recs[i].name) < 0) {
            Py_CLEAR(names);
        }
    }
    return names;
}

/* --- lines ---------------------------------------------------------------------------------------------- */

/* A line table met while resolving (one per code object): where it was read up to, so that the many
 * offsets asked of one code object, mostly in increasing order, cost one pass over it. */
typedef struct {
    PyObject *table; /* strong; the key */
    int firstline;
#if PY_VERSION_HEX >= 0x030A0000
    PyCodeAddressRange range;
#else
    Py_ssize_t pos; /* next (addr increment, line increment) pair of co_lnotab */
    int addr, line;
#endif
} TableState;

typedef struct {
    TableState *slots;
    Py_ssize_t cap, used;
} TableCache;

int cursor_ok = 1; /* the line-table cursor agreed with PyCode_Addr2Line (checked at import) */

static void
cursor_start(TableState *s)
{
#if PY_VERSION_HEX >= 0x030A0000
    const char *bytes = PyBytes_AS_STRING(s->table);
    s->range.opaque.lo_next = (void *)bytes;
    s->range.opaque.limit = (void *)(bytes + PyBytes_GET_SIZE(s->table));
    s->range.ar_start = -1;
    s->range.ar_end = 0;
    s->range.opaque.computed_line = s->firstline;
    s->range.ar_line = -1;
#else
    s->pos = 0;
    s->addr = 0;
    s->line = s->firstline;
#endif
}

static int
cursor_line(TableState *s, int lasti)
{
#if PY_VERSION_HEX >= 0x030A0000
    return _PyCode_CheckLineNumber(lasti, &s->range);
#else
    if (lasti < s->addr) {
        cursor_start(s);
    }
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(s->table);
    Py_ssize_t size = PyBytes_GET_SIZE(s->table);
    while (s->pos + 1 < size) {
        int next = s->addr + p[s->pos];
        if (next > lasti) {
            break;
        }
        s->addr = next;
        s->line += (signed char)p[s->pos + 1];
        s->pos += 2;
    }
    return s->line;
#endif
}

static TableState *
table_state(TableCache *cache, PyObject *table, int firstline)
{
    if (cache->used * 2 >= cache->cap) {
        Py_ssize_t cap = cache->cap ? cache->cap * 2 : 256;
        TableState *slots = PyMem_Calloc(cap, sizeof(TableState));
        if (slots == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        for (Py_ssize_t i = 0; i < cache->cap; i++) {
            if (cache->slots[i].table != NULL) {
                size_t h = ((size_t)cache->slots[i].table >> 4) & (cap - 1);
                while (slots[h].table != NULL) {
                    h = (h + 1) & (cap - 1);
                }
                slots[h] = cache->slots[i];
            }
        }
        PyMem_Free(cache->slots);
        cache->slots = slots;
        cache->cap = cap;
    }
    size_t h = ((size_t)table >> 4) & (cache->cap - 1);
    while (cache->slots[h].table != NULL) {
        if (cache->slots[h].table == table && cache->slots[h].firstline == firstline) {
            return &cache->slots[h];
        }
        h = (h + 1) & (cache->cap - 1);
    }
    TableState *s = &cache->slots[h];
    s->table = Py_NewRef(table);
    s->firstline = firstline;
    cache->used++;
    cursor_start(s);
    return s;
}

static void
cache_free(TableCache *cache)
{
    for (Py_ssize_t i = 0; i < cache->cap; i++) {
        Py_XDECREF(cache->slots[i].table);
    }
    PyMem_Free(cache->slots);
}

/* A TableCache that outlives one call (the stream's, see rec_record), and its clean-up. */
void *
lines_new(void)
{
    return PyMem_Calloc(1, sizeof(TableCache));
}

Py_ssize_t
lines_used(void *cache)
{
    return ((TableCache *)cache)->used;
}

void
lines_free(void *cache)
{
    if (cache != NULL) {
        cache_free((TableCache *)cache);
        PyMem_Free(cache);
    }
}

/* The source line of a place (its code's first line where the instruction has none).  cache is a
 * TableCache, or NULL to read the table from its start. */
int
line_at(Place *p, void *cache)
{
    if (p->file == NULL) {
        return -1;
    }
    int line = -1;
    if (p->table != NULL && PyCode_Check(p->table)) { /* the line-table reader is not trusted here */
        line = PyCode_Addr2Line((PyCodeObject *)p->table, p->lasti);
    }
    else if (p->table != NULL && PyBytes_Check(p->table) && p->lasti >= 0) {
        TableCache local = {NULL, 0, 0};
        TableState *s = table_state(cache ? (TableCache *)cache : &local, p->table, p->firstline);
        if (s != NULL) {
            line = cursor_line(s, p->lasti);
        }
        else {
            PyErr_Clear();
        }
        if (cache == NULL) {
            cache_free(&local);
        }
    }
    return line < 0 ? p->firstline : line;
}

/* A plain str for the importer (the program's __name__ may be anything). */
static PyObject *
importer_text(PyObject *importer)
{
    if (importer == NULL || importer == Py_None || PyUnicode_CheckExact(importer)) {
        return Py_NewRef(importer ? importer : Py_None);
    }
    PyObject *text = PyObject_Str(importer);
    if (text == NULL) {
        PyErr_Clear();
        text = PyUnicode_FromFormat("<unprintable %s>", Py_TYPE(importer)->tp_name);
    }
    return text;
}

static PyObject *
resolve_rec(Recorder *R, void *cache, Rec *r)
{
    int line = line_at(&r->place, cache);
    PyObject *importer = importer_text(r->importer);
    if (importer == NULL) {
        return NULL;
    }
    PyObject *t = record_portable(r, line, importer);
    Py_DECREF(importer);
    return t;
}

/* Recorder.resolve(records): the portable records of a Records object; a list (of records already
 * portable, or the pure hooks' raw ones: not here) passes through. */
PyObject *
records_resolve(Recorder *R, PyObject *records)
{
    if (Py_TYPE(records) != &RecordsType) {
        return PySequence_List(records);
    }
    TableCache cache = {NULL, 0, 0};
    Records *self = (Records *)records;
    PyObject *out = PyList_New(self->n);
    for (Py_ssize_t i = 0; out != NULL && i < self->n; i++) {
        PyObject *t = resolve_rec(R, &cache, &self->recs[i]);
        if (t == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, t);
    }
    cache_free(&cache);
    if (out != NULL && PyList_SetSlice(out, self->n, self->n, self->tail) < 0) {
        Py_CLEAR(out);
    }
    return out;
}

/* Check the line-table cursor against CPython's own lookup on a real code object, once. */
void
records_check_cursor(PyObject *code)
{
    if (!PyCode_Check(code)) {
        return;
    }
    TableCache cache = {NULL, 0, 0};
    Place place;
    place_of(code, 0, &place);
    PyObject *bytecode = PyObject_GetAttr(code, s_co_code);
    Py_ssize_t size = bytecode && PyBytes_Check(bytecode) ? PyBytes_GET_SIZE(bytecode) : 0;
    for (int pass = 0; pass < 2 && cursor_ok && place.table != NULL; pass++) { /* forwards, then back */
        for (Py_ssize_t k = 0; k < size && cursor_ok; k += pass == 0 ? 2 : 6) {
            int lasti = (int)(pass == 0 ? k : size - 2 - k);
            int expected = PyCode_Addr2Line((PyCodeObject *)code, lasti);
            TableState *s = table_state(&cache, place.table, place.firstline);
            if (s == NULL || cursor_line(s, lasti) != expected) {
                cursor_ok = 0;
            }
        }
    }
    PyErr_Clear();
    Py_XDECREF(bytecode);
    place_clear(&place);
    cache_free(&cache);
}

static PySequenceMethods records_as_sequence = {
    .sq_length = (lenfunc)records_len,
    .sq_item = (ssizeargfunc)records_item,
};

static PyMethodDef records_methods[] = {
    {"extend", (PyCFunction)records_extend, METH_O, "Add raw tuples after the hooks' records."},
    {"loaded_names", (PyCFunction)records_loaded_names, METH_NOARGS, "The names of the load records."},
    {NULL},
};

PyTypeObject RecordsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "importtrace.record._crecord.Records",
    .tp_doc = "A stopped recording's raw records (a sequence of _layout tuples, made on access).",
    .tp_basicsize = sizeof(Records),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)records_dealloc,
    .tp_as_sequence = &records_as_sequence,
    .tp_methods = records_methods,
};
