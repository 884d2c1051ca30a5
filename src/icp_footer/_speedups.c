/*
 * icp_footer._speedups: the data state's tag scanner in C.
 *
 * The same contract as icp_footer._scan.PyTagScanner, which is the reference: next(low, pos,
 * every_tag) walks the ASCII-lowercased buffer from pos as a browser's tokenizer walks the
 * data state and returns the next event that can change a decision:
 *
 *   (kind, at, end, name, self_closing)
 *
 * UNFINISHED (at: where an unfinished construct starts, len(low) if none), COMMENT ("<!--"
 * at at), START and END (a complete tag low[at:end] whose name is a needle, or any name with
 * every_tag). Text, ordinary tags (read attribute by attribute, so a quoted value holding ">"
 * does not end one), bogus comments and "</>" are skipped here, without Python.
 *
 * C99, the stable ABI (abi3, 3.11+), no global mutable state: the type lives in the module.
 */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

enum { EV_UNFINISHED = 0, EV_COMMENT = 1, EV_START = 2, EV_END = 3 };

#define MAX_NAMES 128
#define MAX_NAME 16

/* Needle names grouped by first letter: names[first[c] .. first[c + 1]) start with 'a' + c. */
typedef struct {
    Py_ssize_t first[27];
    unsigned char len[MAX_NAMES];
    char text[MAX_NAMES][MAX_NAME];
} NameTable;

typedef struct {
    PyObject_HEAD
    NameTable start;
    NameTable end;
    NameTable foreign_start; /* tags that stop a run of foreign content that changes nothing */
    NameTable foreign_end;
    int skips_foreign;
} TagScanner;

/* Large buffers are walked without the GIL: the bytes object cannot change meanwhile. */
#define NOGIL_MIN ((Py_ssize_t)1 << 16)

static inline int is_ws(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static inline int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

static int fill_table(NameTable *table, PyObject *names, const char *what) {
    PyObject *seq = PySequence_Tuple(names);
    if (seq == NULL) {
        return -1;
    }
    Py_ssize_t count = PyTuple_Size(seq);
    if (count > MAX_NAMES) {
        PyErr_Format(PyExc_ValueError, "at most %d %s names", MAX_NAMES, what);
        Py_DECREF(seq);
        return -1;
    }
    Py_ssize_t n = 0;
    for (int letter = 0; letter < 26; letter++) {
        table->first[letter] = n;
        for (Py_ssize_t i = 0; i < count; i++) {
            PyObject *item = PyTuple_GetItem(seq, i);
            char *text;
            Py_ssize_t len;
            if (item == NULL || PyBytes_AsStringAndSize(item, &text, &len) < 0) {
                Py_DECREF(seq);
                return -1;
            }
            if (len < 1 || len >= MAX_NAME || !is_lower((unsigned char)text[0])) {
                PyErr_Format(PyExc_ValueError,
                             "%s names are lowercase ASCII, 1 to %d bytes", what, MAX_NAME - 1);
                Py_DECREF(seq);
                return -1;
            }
            if (text[0] - 'a' != letter) {
                continue;
            }
            table->len[n] = (unsigned char)len;
            memcpy(table->text[n], text, (size_t)len);
            n++;
        }
    }
    table->first[26] = n;
    Py_DECREF(seq);
    return 0;
}

static int is_needle(const NameTable *table, const unsigned char *name, Py_ssize_t len) {
    if (len >= MAX_NAME || !is_lower(name[0])) {
        return 0;
    }
    int letter = name[0] - 'a';
    for (Py_ssize_t i = table->first[letter]; i < table->first[letter + 1]; i++) {
        if (table->len[i] == len && memcmp(table->text[i], name, (size_t)len) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * The attributes of a tag from s[j] (just after its name) to its ">", as the tokenizer reads
 * them. Returns the offset after ">" (and sets *self_closing), or -1 when the buffer ends
 * first.
 */
static Py_ssize_t read_attributes(const unsigned char *s, Py_ssize_t j, Py_ssize_t n,
                                  int *self_closing) {
    for (;;) {
        while (j < n && is_ws(s[j])) { /* before attribute name */
            j++;
        }
        if (j >= n) {
            return -1;
        }
        unsigned char c = s[j];
        if (c == '>') {
            *self_closing = 0;
            return j + 1;
        }
        if (c == '/') {
            if (j + 1 >= n) {
                return -1;
            }
            if (s[j + 1] == '>') {
                *self_closing = 1;
                return j + 2;
            }
            j++; /* a "/" not before ">" is skipped */
            continue;
        }
        j++; /* the name's first character, which may be "=" */
        while (j < n && !is_ws(s[j]) && s[j] != '/' && s[j] != '>' && s[j] != '=') {
            j++;
        }
        Py_ssize_t k = j; /* after attribute name */
        while (k < n && is_ws(s[k])) {
            k++;
        }
        if (k >= n) {
            return -1;
        }
        if (s[k] != '=') {
            j = k;
            continue;
        }
        k++; /* before attribute value */
        while (k < n && is_ws(s[k])) {
            k++;
        }
        if (k >= n) {
            return -1;
        }
        c = s[k];
        if (c == '"' || c == '\'') {
            const unsigned char *close = memchr(s + k + 1, c, (size_t)(n - k - 1));
            if (close == NULL) {
                return -1;
            }
            j = close - s + 1;
            continue;
        }
        if (c == '>') { /* a missing value ends the tag */
            *self_closing = 0;
            return k + 1;
        }
        j = k + 1; /* unquoted: to whitespace or ">" */
        while (j < n && !is_ws(s[j]) && s[j] != '>') {
            j++;
        }
        if (j >= n) {
            return -1;
        }
    }
}

/*
 * A whole tag whose name starts at s[name_start]: sets *name_end and *self_closing and
 * returns the offset after its ">", or -1 when the buffer ends first.
 */
static Py_ssize_t read_tag(const unsigned char *s, Py_ssize_t name_start, Py_ssize_t n,
                           Py_ssize_t *name_end, int *self_closing) {
    Py_ssize_t j = name_start;
    while (j < n && !is_ws(s[j]) && s[j] != '/' && s[j] != '>') {
        j++;
    }
    *name_end = j;
    *self_closing = 0;
    return j < n ? read_attributes(s, j, n, self_closing) : -1;
}

static int is_svg_or_math(const unsigned char *name, Py_ssize_t len) {
    return (len == 3 && memcmp(name, "svg", 3) == 0) || (len == 4 && memcmp(name, "math", 4) == 0);
}

/*
 * From s[i], just after an <svg> or <math> start tag: text and whole tags that change nothing,
 * up to the "</svg" or "</math" that closes it. Returns the offset after that end tag, or -1
 * when anything else comes first (a stop tag, a comment, a stray "<", the buffer's end).
 */
static Py_ssize_t skip_foreign(const TagScanner *self, const unsigned char *s, Py_ssize_t i,
                               Py_ssize_t n) {
    for (;;) {
        const unsigned char *lt = i < n ? memchr(s + i, '<', (size_t)(n - i)) : NULL;
        if (lt == NULL) {
            return -1;
        }
        Py_ssize_t a = lt - s;
        int end_tag = a + 1 < n && s[a + 1] == '/';
        Py_ssize_t name_start = a + 1 + end_tag;
        if (name_start >= n || !is_lower(s[name_start])) {
            return -1;
        }
        Py_ssize_t j;
        int self_closing;
        Py_ssize_t close = read_tag(s, name_start, n, &j, &self_closing);
        if (close < 0) {
            return -1;
        }
        Py_ssize_t len = j - name_start;
        if (is_needle(end_tag ? &self->foreign_end : &self->foreign_start, s + name_start, len)) {
            return end_tag && is_svg_or_math(s + name_start, len) ? close : -1;
        }
        i = close;
    }
}

typedef struct {
    int kind;
    Py_ssize_t at, end, name_start, name_end;
    int self_closing;
} Event;

static void walk(const TagScanner *self, const unsigned char *s, Py_ssize_t n, Py_ssize_t i,
                 int every_tag, Event *ev) {
    memset(ev, 0, sizeof(*ev));
    for (;;) {
        const unsigned char *lt = i < n ? memchr(s + i, '<', (size_t)(n - i)) : NULL;
        if (lt == NULL) {
            ev->kind = EV_UNFINISHED;
            ev->at = ev->end = n;
            return;
        }
        Py_ssize_t a = lt - s;
        if (a + 1 >= n) { /* "<" at the end: what follows is not known yet */
            ev->kind = EV_UNFINISHED;
            ev->at = ev->end = a;
            return;
        }
        unsigned char c = s[a + 1];
        Py_ssize_t name_start;
        int end_tag = 0;
        if (c == '!' || c == '?' || c == '/') {
            if (c == '!' && (a + 3 >= n || (s[a + 2] == '-' && s[a + 3] == '-'))) {
                if (a + 3 < n) {
                    ev->kind = EV_COMMENT;
                    ev->at = a;
                    ev->end = a + 4;
                    return;
                }
                if (a + 2 >= n || s[a + 2] == '-') { /* "<!" or "<!-": maybe a comment */
                    ev->kind = EV_UNFINISHED;
                    ev->at = ev->end = a;
                    return;
                }
            }
            if (c == '/') {
                if (a + 2 >= n) {
                    ev->kind = EV_UNFINISHED;
                    ev->at = ev->end = a;
                    return;
                }
                if (is_lower(s[a + 2])) {
                    end_tag = 1;
                    name_start = a + 2;
                    goto tag;
                }
            }
            /* A bogus comment, a doctype or "</>": it ends at the first ">". */
            const unsigned char *gt = memchr(s + a + 2, '>', (size_t)(n - a - 2));
            if (gt == NULL) {
                ev->kind = EV_UNFINISHED;
                ev->at = ev->end = a;
                return;
            }
            i = gt - s + 1;
            continue;
        }
        if (!is_lower(c)) { /* "<" in text */
            i = a + 1;
            continue;
        }
        name_start = a + 1;
    tag:;
        Py_ssize_t j;
        int self_closing;
        Py_ssize_t close = read_tag(s, name_start, n, &j, &self_closing);
        if (close < 0) {
            ev->kind = EV_UNFINISHED;
            ev->at = ev->end = a;
            return;
        }
        Py_ssize_t len = j - name_start;
        if (!end_tag && !every_tag && !self_closing && self->skips_foreign &&
            is_svg_or_math(s + name_start, len)) {
            Py_ssize_t after = skip_foreign(self, s, close, n);
            if (after >= 0) { /* a whole icon that changes nothing */
                i = after;
                continue;
            }
        }
        if (every_tag || is_needle(end_tag ? &self->end : &self->start, s + name_start, len)) {
            ev->kind = end_tag ? EV_END : EV_START;
            ev->at = a;
            ev->end = close;
            ev->name_start = name_start;
            ev->name_end = j;
            ev->self_closing = end_tag ? 0 : self_closing;
            return;
        }
        i = close;
    }
}

static PyObject *TagScanner_next(PyObject *op, PyObject *args) {
    TagScanner *self = (TagScanner *)op;
    Py_buffer view;
    Py_ssize_t pos;
    int every_tag;
    if (!PyArg_ParseTuple(args, "y*np:next", &view, &pos, &every_tag)) {
        return NULL;
    }
    if (pos < 0 || pos > view.len) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_IndexError, "pos out of range");
        return NULL;
    }
    const unsigned char *s = (const unsigned char *)view.buf;
    Event ev;
    if (view.len - pos >= NOGIL_MIN) {
        Py_BEGIN_ALLOW_THREADS
        walk(self, s, view.len, pos, every_tag, &ev);
        Py_END_ALLOW_THREADS
    } else {
        walk(self, s, view.len, pos, every_tag, &ev);
    }
    PyObject *name = Py_None;
    Py_INCREF(name);
    if (ev.kind == EV_START || ev.kind == EV_END) {
        Py_DECREF(name);
        name = PyBytes_FromStringAndSize((const char *)s + ev.name_start,
                                         ev.name_end - ev.name_start);
    }
    PyBuffer_Release(&view);
    if (name == NULL) {
        return NULL;
    }
    return Py_BuildValue("(innNN)", ev.kind, ev.at, ev.end, name,
                         PyBool_FromLong(ev.self_closing));
}

static int TagScanner_init(PyObject *op, PyObject *args, PyObject *kwargs) {
    TagScanner *self = (TagScanner *)op;
    PyObject *start_names, *end_names, *foreign_start = NULL, *foreign_end = NULL;
    static char *keywords[] = {"start_names", "end_names", "foreign_start", "foreign_end", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|OO:TagScanner", keywords, &start_names,
                                     &end_names, &foreign_start, &foreign_end)) {
        return -1;
    }
    if (fill_table(&self->start, start_names, "start") < 0 ||
        fill_table(&self->end, end_names, "end") < 0) {
        return -1;
    }
    self->skips_foreign = 0;
    if (foreign_start == NULL || foreign_end == NULL) {
        return 0;
    }
    if (fill_table(&self->foreign_start, foreign_start, "foreign_start") < 0 ||
        fill_table(&self->foreign_end, foreign_end, "foreign_end") < 0) {
        return -1;
    }
    self->skips_foreign = self->foreign_start.first[26] > 0 && self->foreign_end.first[26] > 0;
    return 0;
}

static void TagScanner_dealloc(PyObject *op) {
    PyTypeObject *type = Py_TYPE(op);
    freefunc tp_free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    tp_free(op);
    Py_DECREF(type);
}

static PyMethodDef TagScanner_methods[] = {
    {"next", TagScanner_next, METH_VARARGS,
     "next(low, pos, every_tag) -> (kind, at, end, name, self_closing)\n\n"
     "The next event in the lowercased buffer from pos (see icp_footer._scan)."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot TagScanner_slots[] = {
    {Py_tp_doc, "The data state's tag scanner, in C (see icp_footer._scan)."},
    {Py_tp_init, TagScanner_init},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_dealloc, TagScanner_dealloc},
    {Py_tp_methods, TagScanner_methods},
    {0, NULL},
};

static PyType_Spec TagScanner_spec = {
    .name = "icp_footer._speedups.TagScanner",
    .basicsize = sizeof(TagScanner),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = TagScanner_slots,
};

static int speedups_exec(PyObject *module) {
    PyObject *type = PyType_FromModuleAndSpec(module, &TagScanner_spec, NULL);
    if (type == NULL) {
        return -1;
    }
    if (PyModule_AddObject(module, "TagScanner", type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot speedups_slots[] = {
    {Py_mod_exec, speedups_exec},
    {0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "icp_footer._speedups",
    .m_doc = "The compiled tag scanner of icp_footer (see icp_footer._scan).",
    .m_size = 0,
    .m_slots = speedups_slots,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModuleDef_Init(&speedups_module); }
