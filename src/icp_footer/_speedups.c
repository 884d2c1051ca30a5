/*
 * icp_footer._speedups: the data state's tag scanner in C.
 *
 * The same contract as icp_footer._scan.PyTagScanner, which is the reference: next(buf, pos,
 * flags) walks the buffer from pos as a browser's tokenizer walks the data state and returns
 * the next event that can change a decision:
 *
 *   (kind, at, end, name, self_closing)
 *
 * UNFINISHED (at: where an unfinished construct starts, len(buf) if none), COMMENT ("<!--"
 * at at), START and END (a complete tag buf[at:end] whose name is a needle, or any name with
 * EVERY_TAG; names are matched ASCII case-insensitively and reported lowercased). Text,
 * ordinary tags (read attribute by attribute, so a quoted value holding ">" does not end
 * one), bogus comments and "</>" are skipped here, without Python; so are whole SVG icons
 * and, with SKIP_TEXT, whole comments, scripts and raw-text elements.
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
enum { EVERY_TAG = 1, SKIP_TEXT = 2 };

#define MAX_NAMES 128
#define MAX_NAME 16

/* Needle names grouped by first letter: names[first[c] .. first[c + 1]) start with 'a' + c. */
typedef struct {
    Py_ssize_t first[27];
    unsigned int lengths[26]; /* bit k: a name of length k starts with this letter */
    unsigned char len[MAX_NAMES];
    char text[MAX_NAMES][MAX_NAME];
    PyObject *name[MAX_NAMES]; /* the names as bytes objects, handed out as events' names */
} NameTable;

typedef struct {
    PyObject_HEAD
    NameTable start;
    NameTable end;
    NameTable foreign_start; /* tags that stop a run of foreign content that changes nothing */
    NameTable foreign_end;
    NameTable foreign_text; /* integration points skipped with an icon when they hold text */
    NameTable raw_text;     /* elements whose content is raw text (SKIP_TEXT) */
    int skips_foreign;
} TagScanner;

/* Large buffers are walked without the GIL: the bytes object cannot change meanwhile. */
#define NOGIL_MIN ((Py_ssize_t)1 << 16)

/* Byte classes: what ends a tag or attribute name, and what ends an unquoted value. */
enum { C_WS = 1, C_SLASH = 2, C_GT = 4, C_EQ = 8 };
#define WS_ ['\t'] = C_WS, ['\n'] = C_WS, ['\f'] = C_WS, ['\r'] = C_WS, [' '] = C_WS
static const unsigned char byte_class[256] = {WS_, ['/'] = C_SLASH, ['>'] = C_GT, ['='] = C_EQ};
#undef WS_

static inline int is_ws(unsigned char c) { return byte_class[c] & C_WS; }

static inline int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

static inline int is_alpha(unsigned char c) { return is_lower(c | 0x20); }

static inline unsigned char to_lower(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static inline int is_delim(unsigned char c) { return byte_class[c] & (C_WS | C_SLASH | C_GT); }

/* Does s[0:len] equal the lowercase word, ASCII case-insensitively? */
static int equals_lower(const unsigned char *s, const char *word, Py_ssize_t len) {
    for (Py_ssize_t k = 0; k < len; k++) {
        if (to_lower(s[k]) != (unsigned char)word[k]) {
            return 0;
        }
    }
    return 1;
}

static void clear_table(NameTable *table) {
    for (Py_ssize_t i = 0; i < table->first[26]; i++) {
        Py_CLEAR(table->name[i]);
    }
    table->first[26] = 0;
}

static int fill_table(NameTable *table, PyObject *names, const char *what) {
    clear_table(table);
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
        table->lengths[letter] = 0;
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
            table->lengths[letter] |= 1u << len;
            memcpy(table->text[n], text, (size_t)len);
            Py_INCREF(item);
            table->name[n] = item;
            table->first[26] = ++n; /* what clear_table releases, should a later item fail */
        }
    }
    table->first[26] = n;
    Py_DECREF(seq);
    return 0;
}

/* The index of the name s[0:len] in the table (ASCII case-insensitively), or -1. */
static Py_ssize_t find_name(const NameTable *table, const unsigned char *name, Py_ssize_t len) {
    if (len >= MAX_NAME || !is_alpha(name[0])) {
        return -1;
    }
    int letter = to_lower(name[0]) - 'a';
    if (!(table->lengths[letter] & (1u << len))) { /* most tags end here */
        return -1;
    }
    for (Py_ssize_t i = table->first[letter]; i < table->first[letter + 1]; i++) {
        if (table->len[i] == len && equals_lower(name, table->text[i], len)) {
            return i;
        }
    }
    return -1;
}

static int is_needle(const NameTable *table, const unsigned char *name, Py_ssize_t len) {
    return find_name(table, name, len) >= 0;
}

/*
 * Where "</" + the name s[name:name + len] + a delimiter first occurs at or after s[i],
 * ASCII case-insensitively; -1 when the buffer does not hold it.
 */
static Py_ssize_t find_end_tag(const unsigned char *s, Py_ssize_t i, Py_ssize_t n,
                               const unsigned char *name, Py_ssize_t len) {
    for (;;) {
        const unsigned char *lt = i < n ? memchr(s + i, '<', (size_t)(n - i)) : NULL;
        if (lt == NULL) {
            return -1;
        }
        Py_ssize_t a = lt - s;
        if (a + 2 + len < n && s[a + 1] == '/' && is_delim(s[a + 2 + len])) {
            Py_ssize_t k = 0;
            while (k < len && to_lower(s[a + 2 + k]) == to_lower(name[k])) {
                k++;
            }
            if (k == len) {
                return a;
            }
        }
        i = a + 1;
    }
}

static int script_tag_at(const unsigned char *s, Py_ssize_t a, Py_ssize_t n, int end_tag) {
    Py_ssize_t name = a + 1 + end_tag;
    return name + 6 < n && (!end_tag || s[a + 1] == '/') && equals_lower(s + name, "script", 6) &&
           is_delim(s[name + 6]);
}

/*
 * Script data from s[i] (just after a <script> start tag), its escaped states included:
 * where the "</script" that ends it starts, or -1 when the buffer does not hold it.
 */
static Py_ssize_t script_end(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    int level = 0; /* 0 script data, 1 escaped, 2 double escaped */
    while (i < n) {
        Py_ssize_t a;
        if (level == 0) {
            const unsigned char *lt = memchr(s + i, '<', (size_t)(n - i));
            if (lt == NULL) {
                return -1;
            }
            a = lt - s;
        } else {
            a = i;
            while (a < n && s[a] != '<' && s[a] != '-') {
                a++;
            }
            if (a >= n) {
                return -1;
            }
        }
        if (s[a] == '-') { /* escaped or double escaped: "-->" goes back to script data */
            if (a + 2 < n && s[a + 1] == '-' && s[a + 2] == '>') {
                level = 0;
                i = a + 3;
            } else {
                i = a + 1;
            }
            continue;
        }
        if (script_tag_at(s, a, n, 1)) {
            if (level < 2) {
                return a;
            }
            level = 1;
            i = a + 9;
            continue;
        }
        if (level == 0 && a + 3 < n && s[a + 1] == '!' && s[a + 2] == '-' && s[a + 3] == '-') {
            level = 1;
            i = a + 2; /* the dashes of "<!--" may end the escape at once: "<!-->" */
            continue;
        }
        if (level == 1 && script_tag_at(s, a, n, 0)) {
            level = 2;
            i = a + 8;
            continue;
        }
        i = a + 1;
    }
    return -1;
}

/* The end of the comment whose "<!--" is at s[a], or -1 when the buffer does not hold it. */
static Py_ssize_t comment_end(const unsigned char *s, Py_ssize_t a, Py_ssize_t n) {
    if (n - a < 6) {
        return -1;
    }
    if (s[a + 4] == '>') { /* "<!-->" */
        return a + 5;
    }
    if (s[a + 4] == '-' && s[a + 5] == '>') { /* "<!--->" */
        return a + 6;
    }
    for (Py_ssize_t i = a + 4; i + 2 < n; i++) { /* "-->" or "--!>" */
        if (s[i] == '-' && s[i + 1] == '-') {
            if (s[i + 2] == '>') {
                return i + 3;
            }
            if (s[i + 2] == '!' && i + 3 < n && s[i + 3] == '>') {
                return i + 4;
            }
        }
    }
    return -1;
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
        while (j < n && !byte_class[s[j]]) {
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
        while (j < n && !(byte_class[s[j]] & (C_WS | C_GT))) {
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
    while (j < n && !(byte_class[s[j]] & (C_WS | C_SLASH | C_GT))) {
        j++;
    }
    *name_end = j;
    *self_closing = 0;
    return j < n ? read_attributes(s, j, n, self_closing) : -1;
}

static int is_svg_or_math(const unsigned char *name, Py_ssize_t len) {
    return (len == 3 && equals_lower(name, "svg", 3)) || (len == 4 && equals_lower(name, "math", 4));
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
        if (name_start >= n || !is_alpha(s[name_start])) {
            return -1;
        }
        Py_ssize_t j;
        int self_closing;
        Py_ssize_t close = read_tag(s, name_start, n, &j, &self_closing);
        if (close < 0) {
            return -1;
        }
        Py_ssize_t len = j - name_start;
        if (!end_tag && !self_closing && is_needle(&self->foreign_text, s + name_start, len)) {
            /* An integration point holding only text, then its own end tag. */
            const unsigned char *next = memchr(s + close, '<', (size_t)(n - close));
            Py_ssize_t b = next == NULL ? -1 : next - s;
            if (b < 0 || b + 2 + len >= n || s[b + 1] != '/' || !is_delim(s[b + 2 + len])) {
                return -1;
            }
            Py_ssize_t k = 0;
            while (k < len && to_lower(s[b + 2 + k]) == to_lower(s[name_start + k])) {
                k++;
            }
            if (k < len) {
                return -1;
            }
            Py_ssize_t end_name_end;
            close = read_tag(s, b + 2, n, &end_name_end, &self_closing);
            if (close < 0 || end_name_end != b + 2 + len) {
                return -1;
            }
            i = close;
            continue;
        }
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
                 int flags, Event *ev) {
    const int every_tag = flags & EVERY_TAG;
    const int skip_text = flags & SKIP_TEXT;
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
                    Py_ssize_t after = skip_text ? comment_end(s, a, n) : -1;
                    if (after >= 0) {
                        i = after;
                        continue;
                    }
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
                if (is_alpha(s[a + 2])) {
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
        if (!is_alpha(c)) { /* "<" in text */
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
            if (skip_text && !end_tag) {
                Py_ssize_t after = -1;
                if (len == 6 && equals_lower(s + name_start, "script", 6)) {
                    after = script_end(s, close, n);
                } else if (is_needle(&self->raw_text, s + name_start, len)) {
                    after = find_end_tag(s, close, n, s + name_start, len);
                }
                if (after >= 0) { /* the whole element: its end tag is an ordinary tag */
                    i = after;
                    continue;
                }
            }
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

static PyObject *TagScanner_next(PyObject *op, PyObject *const *args, Py_ssize_t nargs) {
    TagScanner *self = (TagScanner *)op;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "next() takes 3 arguments (buf, pos, flags)");
        return NULL;
    }
    char *buf;
    Py_ssize_t len;
    if (PyBytes_AsStringAndSize(args[0], &buf, &len) < 0) {
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    if (pos == -1 && PyErr_Occurred()) {
        return NULL;
    }
    long flags = PyLong_AsLong(args[2]);
    if (flags == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (pos < 0 || pos > len) {
        PyErr_SetString(PyExc_IndexError, "pos out of range");
        return NULL;
    }
    /* The bytes object is immutable and referenced by the caller: safe to read unlocked. */
    const unsigned char *s = (const unsigned char *)buf;
    Event ev;
    if (len - pos >= NOGIL_MIN) {
        Py_BEGIN_ALLOW_THREADS
        walk(self, s, len, pos, (int)flags, &ev);
        Py_END_ALLOW_THREADS
    } else {
        walk(self, s, len, pos, (int)flags, &ev);
    }
    PyObject *name = Py_None;
    if (ev.kind == EV_START || ev.kind == EV_END) {
        const NameTable *table = ev.kind == EV_START ? &self->start : &self->end;
        Py_ssize_t n = ev.name_end - ev.name_start;
        Py_ssize_t known = find_name(table, s + ev.name_start, n);
        if (known >= 0) {
            name = table->name[known];
        } else { /* any tag (EVERY_TAG): its name, lowercased */
            name = PyBytes_FromStringAndSize(NULL, n);
            if (name == NULL) {
                return NULL;
            }
            char *text = PyBytes_AsString(name);
            for (Py_ssize_t k = 0; k < n; k++) {
                text[k] = (char)to_lower(s[ev.name_start + k]);
            }
            PyObject *event = Py_BuildValue("(innNO)", ev.kind, ev.at, ev.end, name,
                                            ev.self_closing ? Py_True : Py_False);
            return event;
        }
    }
    return Py_BuildValue("(innOO)", ev.kind, ev.at, ev.end, name,
                         ev.self_closing ? Py_True : Py_False);
}

static int TagScanner_init(PyObject *op, PyObject *args, PyObject *kwargs) {
    TagScanner *self = (TagScanner *)op;
    PyObject *start_names, *end_names, *foreign_start = NULL, *foreign_end = NULL;
    PyObject *raw_text = NULL, *foreign_text = NULL;
    static char *keywords[] = {"start_names", "end_names", "foreign_start", "foreign_end",
                               "raw_text",    "foreign_text", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|OOOO:TagScanner", keywords, &start_names,
                                     &end_names, &foreign_start, &foreign_end, &raw_text,
                                     &foreign_text)) {
        return -1;
    }
    clear_table(&self->raw_text);
    clear_table(&self->foreign_text);
    clear_table(&self->foreign_start);
    clear_table(&self->foreign_end);
    if (fill_table(&self->start, start_names, "start") < 0 ||
        fill_table(&self->end, end_names, "end") < 0 ||
        (raw_text != NULL && fill_table(&self->raw_text, raw_text, "raw_text") < 0) ||
        (foreign_text != NULL && fill_table(&self->foreign_text, foreign_text, "foreign_text") < 0)) {
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
    TagScanner *self = (TagScanner *)op;
    clear_table(&self->start);
    clear_table(&self->end);
    clear_table(&self->foreign_start);
    clear_table(&self->foreign_end);
    clear_table(&self->foreign_text);
    clear_table(&self->raw_text);
    PyTypeObject *type = Py_TYPE(op);
    freefunc tp_free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    tp_free(op);
    Py_DECREF(type);
}

static PyMethodDef TagScanner_methods[] = {
    {"next", (PyCFunction)(void (*)(void))TagScanner_next, METH_FASTCALL,
     "next(buf, pos, flags) -> (kind, at, end, name, self_closing)\n\n"
     "The next event in the buffer from pos (see icp_footer._scan)."},
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
