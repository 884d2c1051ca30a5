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
#include <stdint.h>
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
    NameTable plain;        /* elements next_plain opens and closes itself */
    unsigned char plain_kind[MAX_NAMES]; /* PLAIN_* bits of plain.name[i] */
    int skips_foreign;
} TagScanner;

/* What a plain element is (see icp_footer._scan.PLAIN_*). */
enum {
    PLAIN_SECTIONING = 1,
    PLAIN_GUARDED = 2,
    PLAIN_SCOPE = 4,
    PLAIN_INSIDE = 8,
    PLAIN_VOID = 16,
    PLAIN_SPECIAL = 32,
    PLAIN_CLOSES_P = 64,
    PLAIN_IS_P = 128
};
/* Plain elements next_plain keeps open at most before it hands the next one over. */
#define PLAIN_DEPTH 64

/* Large buffers are walked without the GIL: the bytes object cannot change meanwhile. */
#define NOGIL_MIN ((Py_ssize_t)1 << 16)

/*
 * Byte classes: what ends a tag or attribute name or an unquoted value, and what else stops a
 * jump inside a tag (find_tag_stop).
 */
enum { C_WS = 1, C_SLASH = 2, C_GT = 4, C_EQ = 8, C_QUOTE = 16 };
#define WS_ ['\t'] = C_WS, ['\n'] = C_WS, ['\f'] = C_WS, ['\r'] = C_WS, [' '] = C_WS
static const unsigned char byte_class[256] = {WS_,           ['/'] = C_SLASH, ['>'] = C_GT,
                                               ['='] = C_EQ,  ['"'] = C_QUOTE, ['\''] = C_QUOTE};
#undef WS_

static inline int is_ws(unsigned char c) { return byte_class[c] & C_WS; }

static inline int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

static inline int is_alpha(unsigned char c) { return is_lower(c | 0x20); }

static inline unsigned char to_lower(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static inline int is_delim(unsigned char c) { return byte_class[c] & (C_WS | C_SLASH | C_GT); }

/*
 * Searches that test a block of bytes at once: SSE2 (every x86-64) 16 bytes at a time, else
 * 8 at a time in a 64-bit word (SWAR), else one by one. ICP_FOOTER_NO_SIMD picks the word
 * version, so that it is tested too. Only whole blocks inside the buffer are loaded; the tail
 * is read byte by byte.
 */
#if defined(__GNUC__) || defined(__clang__)
static inline int lowest_bit(unsigned long long bits) { return __builtin_ctzll(bits); }
#define HAVE_LOWEST_BIT 1
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_ARM64))
#include <intrin.h>
static inline int lowest_bit(unsigned long long bits) {
    unsigned long index;
    _BitScanForward64(&index, bits);
    return (int)index;
}
#define HAVE_LOWEST_BIT 1
#else
#define HAVE_LOWEST_BIT 0
#endif

#if HAVE_LOWEST_BIT && !defined(ICP_FOOTER_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64))
#include <emmintrin.h>
#define BLOCK 16
typedef __m128i Block;
static inline Block load_block(const unsigned char *p) { return _mm_loadu_si128((const __m128i *)p); }
/* A mask with one bit per byte of the block, set where it equals c. */
static inline unsigned long long equal_bits(Block b, char c) {
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8(c)));
}
/* Set where the byte is below 0x21 (every space character is). */
static inline unsigned long long below_21_bits(Block b) {
    Block space = _mm_set1_epi8(0x20);
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(b, space), b));
}
#elif HAVE_LOWEST_BIT && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * A 64-bit word; a flag is the high bit of its byte. In a little-endian word the lowest flag
 * is exact: the borrow that can raise a false one only runs towards higher bytes, and every
 * search below wants the lowest.
 */
#define BLOCK 8
typedef uint64_t Block;
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline Block load_block(const unsigned char *p) {
    uint64_t word;
    memcpy(&word, p, sizeof word);
    return word;
}
static inline unsigned long long equal_bits(Block b, char c) {
    uint64_t x = b ^ (ONES * (unsigned char)c);
    return (x - ONES) & ~x & HIGHS;
}
static inline unsigned long long below_21_bits(Block b) { return (b - ONES * 0x21) & ~b & HIGHS; }
#else
#define BLOCK 0
#endif

#if BLOCK == 8
#define BIT_TO_BYTE(bit) ((bit) >> 3)
#else
#define BIT_TO_BYTE(bit) (bit)
#endif

/*
 * Names and the runs between the stops in a tag are short: a byte at a time beats setting up a
 * block for them. Longer runs go on by blocks.
 */
#define SHORT_RUN 16

/* The first j' >= j with byte_class[s[j']] & cls, or n. `cls` is a constant at each call. */
static inline Py_ssize_t find_class(const unsigned char *s, Py_ssize_t j, Py_ssize_t n,
                                    unsigned char cls) {
    for (Py_ssize_t near = j + SHORT_RUN < n ? j + SHORT_RUN : n; j < near; j++) {
        if (byte_class[s[j]] & cls) {
            return j;
        }
    }
#if BLOCK
    while (j + BLOCK <= n) {
        Block b = load_block(s + j);
        unsigned long long bits = below_21_bits(b) | equal_bits(b, '>');
        if (cls & C_SLASH) {
            bits |= equal_bits(b, '/');
        }
        if (cls & C_EQ) {
            bits |= equal_bits(b, '=');
        }
        if (bits == 0) {
            j += BLOCK;
            continue;
        }
        j += BIT_TO_BYTE(lowest_bit(bits));
        if (byte_class[s[j]] & cls) {
            return j;
        }
        j++; /* a control character that is not a space */
    }
#endif
    while (j < n && !(byte_class[s[j]] & cls)) {
        j++;
    }
    return j;
}

/* The first j' >= j where s[j'] is c, or -1: memchr without a call for the short values. */
static inline Py_ssize_t find_byte(const unsigned char *s, Py_ssize_t j, Py_ssize_t n,
                                   unsigned char c) {
#if BLOCK
    for (int blocks = 0; blocks < 4 && j + BLOCK <= n; blocks++) {
        unsigned long long bits = equal_bits(load_block(s + j), (char)c);
        if (bits) {
            return j + BIT_TO_BYTE(lowest_bit(bits));
        }
        j += BLOCK;
    }
#endif
    const unsigned char *at = j < n ? memchr(s + j, c, (size_t)(n - j)) : NULL;
    return at == NULL ? -1 : at - s;
}

/* Inside a tag: the first j' >= j holding ">", "=", '"' or "'", or n. */
static inline Py_ssize_t find_tag_stop(const unsigned char *s, Py_ssize_t j, Py_ssize_t n) {
    for (Py_ssize_t near = j + SHORT_RUN < n ? j + SHORT_RUN : n; j < near; j++) {
        if (byte_class[s[j]] & (C_GT | C_EQ | C_QUOTE)) {
            return j;
        }
    }
#if BLOCK
    while (j + BLOCK <= n) {
        Block b = load_block(s + j);
        unsigned long long bits =
            equal_bits(b, '>') | equal_bits(b, '=') | equal_bits(b, '"') | equal_bits(b, '\'');
        if (bits) {
            return j + BIT_TO_BYTE(lowest_bit(bits));
        }
        j += BLOCK;
    }
#endif
    while (j < n && s[j] != '>' && s[j] != '=' && s[j] != '"' && s[j] != '\'') {
        j++;
    }
    return j;
}

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

static Py_ssize_t find_name_of_letter(const NameTable *table, int letter,
                                      const unsigned char *name, Py_ssize_t len) {
    for (Py_ssize_t i = table->first[letter]; i < table->first[letter + 1]; i++) {
        if (table->len[i] == len && equals_lower(name, table->text[i], len)) {
            return i;
        }
    }
    return -1;
}

/* The index of the name s[0:len] in the table (ASCII case-insensitively), or -1. Inline: it
   runs for every tag, and most end at the length check. */
static inline Py_ssize_t find_name(const NameTable *table, const unsigned char *name,
                                   Py_ssize_t len) {
    if (len >= MAX_NAME || !is_alpha(name[0])) {
        return -1;
    }
    int letter = to_lower(name[0]) - 'a';
    if (!(table->lengths[letter] & (1u << len))) {
        return -1;
    }
    return find_name_of_letter(table, letter, name, len);
}

static inline int is_needle(const NameTable *table, const unsigned char *name, Py_ssize_t len) {
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
 * One step through script data from s[i] at level (0 script data, 1 escaped, 2 double
 * escaped), as icp_footer._scan.script_step takes it: sets *next and returns the new level,
 * -1 when the "</script" ending the element starts at *next; -2 when the buffer ends first.
 */
static int script_step(const unsigned char *s, Py_ssize_t i, Py_ssize_t n, int level,
                       Py_ssize_t *next) {
    for (; i < n; i++) {
        const unsigned char *found;
        if (level == 0) {
            found = memchr(s + i, '<', (size_t)(n - i));
            if (found == NULL) {
                return -2;
            }
            i = found - s;
        } else if (s[i] != '<' && s[i] != '-') {
            continue;
        }
        if (s[i] == '-') { /* "-->" ends an escape */
            if (i + 2 < n && s[i + 1] == '-' && s[i + 2] == '>') {
                *next = i + 3;
                return 0;
            }
            continue;
        }
        if (script_tag_at(s, i, n, 1)) { /* "</script" and a delimiter */
            if (level < 2) {
                *next = i;
                return -1;
            }
            *next = i + 9;
            return 1;
        }
        if (level == 0 && i + 3 < n && s[i + 1] == '!' && s[i + 2] == '-' && s[i + 3] == '-') {
            *next = i + 2; /* the dashes of "<!--" may end the escape at once: "<!-->" */
            return 1;
        }
        if (level == 1 && script_tag_at(s, i, n, 0)) { /* "<script" and a delimiter */
            *next = i + 8;
            return 2;
        }
    }
    return -2;
}

/*
 * Script data from s[i] (just after a <script> start tag), its escaped states included:
 * where the "</script" that ends it starts, or -1 when the buffer does not hold it.
 */
static Py_ssize_t script_end(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    int level = 0;
    while (level >= 0) {
        level = script_step(s, i, n, level, &i);
    }
    return level == -1 ? i : -1;
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
 * An attribute value whose first byte, after "=" and any spaces, is s[k]: where attributes go on
 * (after a quoted value, or at the space or ">" that ends an unquoted one), or, with *ended set,
 * the offset after the ">" that ends the tag when the value is missing; -1 when the buffer ends
 * first.
 */
static inline Py_ssize_t read_value(const unsigned char *s, Py_ssize_t k, Py_ssize_t n, int *ended) {
    unsigned char c = s[k];
    *ended = 0;
    if (c == '"' || c == '\'') {
        Py_ssize_t close = find_byte(s, k + 1, n, c);
        return close < 0 ? -1 : close + 1;
    }
    if (c == '>') { /* a missing value ends the tag */
        *ended = 1;
        return k + 1;
    }
    Py_ssize_t end = find_class(s, k + 1, n, C_WS | C_GT); /* unquoted: to a space or ">" */
    return end < n ? end : -1;
}

/*
 * The attributes of a tag from s[j] (just after its name) to its ">", as the tokenizer reads
 * them. Returns the offset after ">" (and sets *self_closing), or -1 when the buffer ends
 * first; then, if it ends inside a quoted value and open_value is not NULL, *open_value is
 * the offset after that value's opening quote.
 */
static Py_ssize_t read_attributes(const unsigned char *s, Py_ssize_t j, Py_ssize_t n,
                                  int *self_closing, Py_ssize_t *open_value) {
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
        j = find_class(s, j + 1, n, C_WS | C_SLASH | C_GT | C_EQ); /* the first may be "=" */
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
        int ended;
        j = read_value(s, k, n, &ended);
        if (j < 0 && open_value != NULL && (s[k] == '"' || s[k] == '\'')) {
            *open_value = k + 1;
        }
        if (j < 0 || ended) {
            *self_closing = 0;
            return j;
        }
    }
}

/*
 * A whole tag whose name starts at s[name_start]: sets *name_end and *self_closing and
 * returns the offset after its ">", or -1 when the buffer ends first.
 */
static Py_ssize_t read_tag(const unsigned char *s, Py_ssize_t name_start, Py_ssize_t n,
                           Py_ssize_t *name_end, int *self_closing) {
    Py_ssize_t j = find_class(s, name_start, n, C_WS | C_SLASH | C_GT);
    *name_end = j;
    *self_closing = 0;
    return j < n ? read_attributes(s, j, n, self_closing, NULL) : -1;
}

/*
 * The attributes of an ordinary tag from s[j] (just after its name) to its ">": the offset
 * after ">", or -1 when the buffer ends first. Whether the tag is self-closing is not needed.
 *
 * It jumps from one ">", "=" or quote to the next. Every s[seg] it starts a step from is a
 * point where the tokenizer is, or acts as, "before attribute name": just after the name,
 * after a quoted value, or at the space that ends an unquoted one. A ">" is the end, whatever
 * came before it, as no quoted value is open. An "=" right after a name character separates
 * a name from its value; the rarer cases ("=" starting a name, spaces around "=", a quote
 * inside a name) go to read_attributes from s[seg], which reads every state.
 */
static Py_ssize_t skip_attributes(const unsigned char *s, Py_ssize_t seg, Py_ssize_t n) {
    int self_closing;
    for (;;) {
        Py_ssize_t k = find_tag_stop(s, seg, n);
        if (k >= n) {
            return -1;
        }
        if (s[k] == '>') {
            return k + 1;
        }
        if (s[k] != '=' || k == seg || byte_class[s[k - 1]] & (C_WS | C_SLASH) || k + 1 >= n) {
            return read_attributes(s, seg, n, &self_closing, NULL);
        }
        if (is_ws(s[k + 1])) {
            return read_attributes(s, seg, n, &self_closing, NULL);
        }
        int ended;
        seg = read_value(s, k + 1, n, &ended);
        if (seg < 0 || ended) {
            return seg;
        }
    }
}

static inline int is_svg_or_math(const unsigned char *name, Py_ssize_t len) {
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
        /* Tags often follow each other: no call when the next "<" is right here. */
        Py_ssize_t a = i >= n ? -1 : s[i] == '<' ? i : find_byte(s, i, n, '<');
        if (a < 0) {
            ev->kind = EV_UNFINISHED;
            ev->at = ev->end = n;
            return;
        }
        if (a + 1 >= n) { /* "<" at the end: what follows is not known yet */
            ev->kind = EV_UNFINISHED;
            ev->at = ev->end = a;
            return;
        }
        unsigned char c = s[a + 1];
        /* Start and end tags come in turns: no branch on which this one is. */
        int end_tag = c == '/';
        Py_ssize_t name_start = a + 1 + end_tag;
        if (name_start >= n || !is_alpha(s[name_start])) {
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
            if (c == '/' && a + 2 >= n) {
                ev->kind = EV_UNFINISHED;
                ev->at = ev->end = a;
                return;
            }
            if (c != '!' && c != '?' && c != '/') { /* "<" in text */
                i = a + 1;
                continue;
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
        Py_ssize_t j = find_class(s, name_start, n, C_WS | C_SLASH | C_GT);
        Py_ssize_t len = j - name_start;
        int needle = every_tag || is_needle(end_tag ? &self->end : &self->start, s + name_start, len);
        int foreign = !end_tag && !every_tag && self->skips_foreign && is_svg_or_math(s + name_start, len);
        int self_closing = 0;
        Py_ssize_t close = j >= n                ? -1
                           : s[j] == '>'       ? j + 1 /* no attributes: the usual end tag */
                           : needle || foreign ? read_attributes(s, j, n, &self_closing, NULL)
                                               : skip_attributes(s, j, n);
        if (close < 0) {
            ev->kind = EV_UNFINISHED;
            ev->at = ev->end = a;
            return;
        }
        if (foreign && !self_closing) {
            Py_ssize_t after = skip_foreign(self, s, close, n);
            if (after >= 0) { /* a whole icon that changes nothing */
                i = after;
                continue;
            }
        }
        if (needle) {
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

/* The buffer, args[0], and the offset into it, args[pos_arg]: 0, or -1 with an exception. */
static int parse_buf_pos(PyObject *const *args, int pos_arg, const unsigned char **s,
                         Py_ssize_t *len, Py_ssize_t *pos) {
    char *buf;
    if (PyBytes_AsStringAndSize(args[0], &buf, len) < 0) {
        return -1;
    }
    *pos = PyLong_AsSsize_t(args[pos_arg]);
    if (*pos == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (*pos < 0 || *pos > *len) {
        PyErr_SetString(PyExc_IndexError, "pos out of range");
        return -1;
    }
    *s = (const unsigned char *)buf;
    return 0;
}

/* The arguments every next method starts with: (buf, pos, flags). */
static int parse_scan_args(PyObject *const *args, const unsigned char **s, Py_ssize_t *len,
                           Py_ssize_t *pos, int *flags) {
    if (parse_buf_pos(args, 1, s, len, pos) < 0) {
        return -1;
    }
    long value = PyLong_AsLong(args[2]);
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    *flags = (int)value;
    return 0;
}

/* The tuple items of an event: kind, at, end, name, self_closing (new references). */
static int event_items(const TagScanner *self, const unsigned char *s, const Event *ev,
                       PyObject **items) {
    PyObject *name = Py_None;
    if (ev->kind == EV_START || ev->kind == EV_END) {
        const NameTable *table = ev->kind == EV_START ? &self->start : &self->end;
        Py_ssize_t n = ev->name_end - ev->name_start;
        Py_ssize_t known = find_name(table, s + ev->name_start, n);
        if (known >= 0) {
            name = table->name[known];
            Py_INCREF(name);
        } else { /* any tag (EVERY_TAG): its name, lowercased */
            name = PyBytes_FromStringAndSize(NULL, n);
            if (name == NULL) {
                return -1;
            }
            char *text = PyBytes_AsString(name);
            for (Py_ssize_t k = 0; k < n; k++) {
                text[k] = (char)to_lower(s[ev->name_start + k]);
            }
        }
    } else {
        Py_INCREF(name);
    }
    items[3] = name;
    items[0] = PyLong_FromLong(ev->kind);
    items[1] = PyLong_FromSsize_t(ev->at);
    items[2] = PyLong_FromSsize_t(ev->end);
    items[4] = PyBool_FromLong(ev->self_closing);
    return 0;
}

/* A tuple of the count items (stolen), or NULL; on failure every item is released. */
static PyObject *tuple_of(PyObject **items, Py_ssize_t count) {
    PyObject *tuple = PyTuple_New(count);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (tuple == NULL || items[i] == NULL) {
            for (Py_ssize_t k = i; k < count; k++) {
                Py_XDECREF(items[k]);
            }
            Py_XDECREF(tuple);
            return NULL;
        }
        PyTuple_SetItem(tuple, i, items[i]); /* steals, even on failure */
    }
    return tuple;
}

static PyObject *TagScanner_next(PyObject *op, PyObject *const *args, Py_ssize_t nargs) {
    TagScanner *self = (TagScanner *)op;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "next() takes 3 arguments (buf, pos, flags)");
        return NULL;
    }
    const unsigned char *s;
    Py_ssize_t len, pos;
    int flags;
    if (parse_scan_args(args, &s, &len, &pos, &flags) < 0) {
        return NULL;
    }
    /* The bytes object is immutable and referenced by the caller: safe to read unlocked. */
    Event ev;
    if (len - pos >= NOGIL_MIN) {
        Py_BEGIN_ALLOW_THREADS
        walk(self, s, len, pos, flags, &ev);
        Py_END_ALLOW_THREADS
    } else {
        walk(self, s, len, pos, flags, &ev);
    }
    PyObject *items[5];
    if (event_items(self, s, &ev, items) < 0) {
        return NULL;
    }
    return tuple_of(items, 5);
}

/*
 * walk, opening and closing plain elements on a stack of their indices in self->plain until
 * an event it cannot settle: see icp_footer._scan.PyTagScanner.next_plain, the reference.
 */
static void walk_plain(const TagScanner *self, const unsigned char *s, Py_ssize_t n, Py_ssize_t i,
                       int flags, Py_ssize_t room, Py_ssize_t sectioning,
                       Py_ssize_t paragraphs, Event *ev, Py_ssize_t *stack, int *depth,
                       int *kept) {
    const int inside = flags & EVERY_TAG ? PLAIN_INSIDE : 0;
    const int carried = *depth; /* the caller's own, at the bottom of the stack */
    int open_sectioning = 0;
    for (int at = 0; at < carried; at++) {
        open_sectioning += self->plain_kind[stack[at]] & PLAIN_SECTIONING;
        paragraphs -= (self->plain_kind[stack[at]] & PLAIN_IS_P) != 0;
    }
    sectioning -= open_sectioning; /* those open outside the stack */
    *kept = carried;
    for (;;) {
        walk(self, s, n, i, flags, ev);
        if (ev->kind != EV_START && ev->kind != EV_END) {
            return;
        }
        Py_ssize_t k = find_name(&self->plain, s + ev->name_start, ev->name_end - ev->name_start);
        if (k < 0 || (self->plain_kind[k] & PLAIN_INSIDE) != inside) {
            return;
        }
        int kind = self->plain_kind[k];
        if (ev->kind == EV_START) {
            if (kind & PLAIN_VOID) {
                i = ev->end;
                continue;
            }
            if ((kind & PLAIN_GUARDED && sectioning <= 0 && !open_sectioning) ||
                *depth - carried >= room || *depth >= PLAIN_DEPTH) {
                return;
            }
            if (kind & PLAIN_CLOSES_P) { /* it closes nothing only while no <p> is open */
                if (paragraphs > 0) { /* one outside the stack */
                    return;
                }
                for (int at = 0; at < *depth; at++) {
                    if (self->plain_kind[stack[at]] & PLAIN_IS_P) {
                        return;
                    }
                }
            }
            stack[(*depth)++] = k;
            open_sectioning += kind & PLAIN_SECTIONING;
        } else {
            int at = *depth - 1;
            while (at >= 0 && stack[at] != k) {
                at--;
            }
            if (at < 0) {
                return; /* it closes an element opened before: the caller's to judge */
            }
            /* A special element's end tag does not reach past a scope element; any other
               end tag does not reach past a special one. The tree builder ignores it. */
            int bound = kind & PLAIN_SPECIAL ? PLAIN_SCOPE : PLAIN_SPECIAL;
            for (int inner = at + 1; inner < *depth; inner++) {
                if (self->plain_kind[stack[inner]] & bound) {
                    return;
                }
            }
            for (int popped = at; popped < *depth; popped++) {
                open_sectioning -= self->plain_kind[stack[popped]] & PLAIN_SECTIONING;
            }
            *depth = at;
            if (at < *kept) {
                *kept = at; /* it closed some of the caller's */
            }
        }
        i = ev->end;
    }
}

static PyObject *TagScanner_script_step(PyObject *op, PyObject *const *args, Py_ssize_t nargs) {
    (void)op;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "script_step() takes 3 arguments (buf, pos, level)");
        return NULL;
    }
    const unsigned char *s;
    Py_ssize_t len, pos, next = 0;
    int level;
    if (parse_scan_args(args, &s, &len, &pos, &level) < 0) {
        return NULL;
    }
    if (level < 0 || level > 2) {
        PyErr_SetString(PyExc_ValueError, "level is 0, 1 or 2");
        return NULL;
    }
    int result;
    Py_BEGIN_ALLOW_THREADS
    result = script_step(s, pos, len, level, &next);
    Py_END_ALLOW_THREADS
    if (result == -2) {
        Py_RETURN_NONE;
    }
    PyObject *items[2] = {PyLong_FromSsize_t(next), PyLong_FromLong(result)};
    return tuple_of(items, 2);
}

static PyObject *TagScanner_raw_text_end(PyObject *op, PyObject *const *args, Py_ssize_t nargs) {
    (void)op;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "raw_text_end() takes 3 arguments (buf, pos, name)");
        return NULL;
    }
    const unsigned char *s;
    char *name;
    Py_ssize_t len, pos, name_len;
    if (parse_buf_pos(args, 1, &s, &len, &pos) < 0 ||
        PyBytes_AsStringAndSize(args[2], &name, &name_len) < 0) {
        return NULL;
    }
    Py_ssize_t at;
    Py_BEGIN_ALLOW_THREADS
    at = find_end_tag(s, pos, len, (const unsigned char *)name, name_len);
    Py_END_ALLOW_THREADS
    return PyLong_FromSsize_t(at);
}

static PyObject *TagScanner_open_value(PyObject *op, PyObject *const *args, Py_ssize_t nargs) {
    (void)op;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "open_value() takes 2 arguments (buf, pos)");
        return NULL;
    }
    const unsigned char *s;
    Py_ssize_t len, pos;
    if (parse_buf_pos(args, 1, &s, &len, &pos) < 0) {
        return NULL;
    }
    Py_ssize_t value = -1;
    int self_closing;
    Py_BEGIN_ALLOW_THREADS
    if (read_attributes(s, pos, len, &self_closing, &value) >= 0) {
        value = -1;
    }
    Py_END_ALLOW_THREADS
    return PyLong_FromSsize_t(value);
}

/*
 * buf.find(key, pos), by memchr for one byte of key: its last printable ASCII byte, rare in
 * CJK text, where a search led by a multi-byte character meets a lead byte at every step.
 */
static Py_ssize_t find_key(const unsigned char *s, Py_ssize_t n, const unsigned char *key,
                           Py_ssize_t m, Py_ssize_t pos) {
    if (m == 0) {
        return pos <= n ? pos : -1;
    }
    Py_ssize_t anchor = 0;
    for (Py_ssize_t k = 0; k < m; k++) {
        if (key[k] > 0x20 && key[k] < 0x7f) {
            anchor = k;
        }
    }
    for (Py_ssize_t i = pos + anchor; i < n && n - (i - anchor) >= m;) {
        const unsigned char *hit = memchr(s + i, key[anchor], (size_t)(n - i));
        if (hit == NULL) {
            return -1;
        }
        Py_ssize_t start = hit - s - anchor;
        if (n - start < m) {
            return -1;
        }
        if (memcmp(s + start, key, (size_t)m) == 0) {
            return start;
        }
        i = hit - s + 1;
    }
    return -1;
}

static PyObject *TagScanner_find(PyObject *op, PyObject *const *args, Py_ssize_t nargs) {
    (void)op;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "find() takes 3 arguments (buf, key, pos)");
        return NULL;
    }
    const unsigned char *s;
    char *key;
    Py_ssize_t len, pos, key_len;
    if (parse_buf_pos(args, 2, &s, &len, &pos) < 0 ||
        PyBytes_AsStringAndSize(args[1], &key, &key_len) < 0) {
        return NULL;
    }
    Py_ssize_t at;
    Py_BEGIN_ALLOW_THREADS
    at = find_key(s, len, (const unsigned char *)key, key_len, pos);
    Py_END_ALLOW_THREADS
    return PyLong_FromSsize_t(at);
}

/*
 * The caller's open elements that next_plain may close: the innermost ones, up to half the
 * stack, that are plain where the flags say it scans (PLAIN_INSIDE or not). Puts their
 * indices at the bottom of the stack, sets *depth to their count and returns the index in
 * the list of the first of them; -1 with an exception set.
 */
static Py_ssize_t carried_plain(const TagScanner *self, PyObject *list, int flags,
                                Py_ssize_t *stack, int *depth) {
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "open_elements must be a list of bytes");
        return -1;
    }
    const int inside = flags & EVERY_TAG ? PLAIN_INSIDE : 0;
    Py_ssize_t count = PyList_Size(list);
    Py_ssize_t first = count;
    while (first > 0 && count - first < PLAIN_DEPTH / 2) {
        PyObject *item = PyList_GetItem(list, first - 1); /* borrowed */
        if (item == NULL || !PyBytes_Check(item)) {
            break;
        }
        char *name;
        Py_ssize_t name_len;
        if (PyBytes_AsStringAndSize(item, &name, &name_len) < 0) {
            return -1;
        }
        Py_ssize_t k = find_name(&self->plain, (const unsigned char *)name, name_len);
        if (k < 0 || (self->plain_kind[k] & PLAIN_INSIDE) != inside) {
            break;
        }
        stack[PLAIN_DEPTH - 1 - (count - first)] = k; /* from the top, moved down below */
        first--;
    }
    *depth = (int)(count - first);
    for (int at = 0; at < *depth; at++) {
        stack[at] = stack[PLAIN_DEPTH - *depth + at];
    }
    return first;
}

static PyObject *TagScanner_next_plain(PyObject *op, PyObject *const *args, Py_ssize_t nargs) {
    TagScanner *self = (TagScanner *)op;
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "next_plain() takes 7 arguments (buf, pos, flags, room, "
                                         "sectioning, paragraphs, open_elements)");
        return NULL;
    }
    const unsigned char *s;
    Py_ssize_t len, pos;
    int flags;
    if (parse_scan_args(args, &s, &len, &pos, &flags) < 0) {
        return NULL;
    }
    Py_ssize_t room = PyLong_AsSsize_t(args[3]);
    if (room == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t sectioning = PyLong_AsSsize_t(args[4]);
    if (sectioning == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t paragraphs = PyLong_AsSsize_t(args[5]);
    if (paragraphs == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t stack[PLAIN_DEPTH];
    int depth;
    Py_ssize_t first = carried_plain(self, args[6], flags, stack, &depth);
    if (first < 0) {
        return NULL;
    }
    Event ev;
    int kept;
    if (len - pos >= NOGIL_MIN) {
        Py_BEGIN_ALLOW_THREADS
        walk_plain(self, s, len, pos, flags, room, sectioning, paragraphs, &ev, stack, &depth,
                   &kept);
        Py_END_ALLOW_THREADS
    } else {
        walk_plain(self, s, len, pos, flags, room, sectioning, paragraphs, &ev, stack, &depth,
                   &kept);
    }
    PyObject *items[7];
    if (event_items(self, s, &ev, items) < 0) {
        return NULL;
    }
    items[5] = PyTuple_New(depth - kept);
    for (int k = kept; items[5] != NULL && k < depth; k++) {
        PyObject *name = self->plain.name[stack[k]];
        Py_INCREF(name);
        PyTuple_SetItem(items[5], k - kept, name);
    }
    items[6] = PyLong_FromSsize_t(first + kept);
    return tuple_of(items, 7);
}

/* The plain elements and their PLAIN_* bits, one byte of kinds for each name in order. */
static int fill_plain(TagScanner *self, PyObject *plain, const char *kinds, Py_ssize_t count) {
    PyObject *seq = PySequence_Tuple(plain);
    if (seq == NULL) {
        return -1;
    }
    Py_ssize_t names = PyTuple_Size(seq);
    if (names != count) {
        PyErr_SetString(PyExc_ValueError, "plain_kinds needs one byte for each plain name");
        Py_DECREF(seq);
        return -1;
    }
    if (fill_table(&self->plain, seq, "plain") < 0) {
        Py_DECREF(seq);
        return -1;
    }
    for (Py_ssize_t i = 0; i < names; i++) {
        char *text;
        Py_ssize_t len;
        if (PyBytes_AsStringAndSize(PyTuple_GetItem(seq, i), &text, &len) < 0) {
            Py_DECREF(seq);
            return -1;
        }
        Py_ssize_t k = find_name(&self->plain, (const unsigned char *)text, len);
        self->plain_kind[k] = (unsigned char)kinds[i];
    }
    Py_DECREF(seq);
    return 0;
}

static int TagScanner_init(PyObject *op, PyObject *args, PyObject *kwargs) {
    TagScanner *self = (TagScanner *)op;
    PyObject *start_names, *end_names, *foreign_start = NULL, *foreign_end = NULL;
    PyObject *raw_text = NULL, *foreign_text = NULL, *plain = NULL;
    const char *plain_kinds = "";
    Py_ssize_t plain_count = 0;
    static char *keywords[] = {"start_names", "end_names", "foreign_start", "foreign_end",
                               "raw_text",    "foreign_text", "plain", "plain_kinds", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|OOOOOy#:TagScanner", keywords, &start_names,
                                     &end_names, &foreign_start, &foreign_end, &raw_text,
                                     &foreign_text, &plain, &plain_kinds, &plain_count)) {
        return -1;
    }
    clear_table(&self->plain);
    if (plain != NULL && fill_plain(self, plain, plain_kinds, plain_count) < 0) {
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
    clear_table(&self->plain);
    PyTypeObject *type = Py_TYPE(op);
    freefunc tp_free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    tp_free(op);
    Py_DECREF(type);
}

static PyMethodDef TagScanner_methods[] = {
    {"next", (PyCFunction)(void (*)(void))TagScanner_next, METH_FASTCALL,
     "next(buf, pos, flags) -> (kind, at, end, name, self_closing)\n\n"
     "The next event in the buffer from pos (see icp_footer._scan)."},
    {"script_step", (PyCFunction)(void (*)(void))TagScanner_script_step, METH_FASTCALL,
     "script_step(buf, pos, level) -> (pos, level) or None\n\n"
     "One step through script data (see icp_footer._scan.script_step)."},
    {"raw_text_end", (PyCFunction)(void (*)(void))TagScanner_raw_text_end, METH_FASTCALL,
     "raw_text_end(buf, pos, name) -> int\n\n"
     "Where the end tag of the raw-text element name starts, or -1."},
    {"open_value", (PyCFunction)(void (*)(void))TagScanner_open_value, METH_FASTCALL,
     "open_value(buf, pos) -> int\n\n"
     "For attributes from pos that the buffer ends inside a quoted value of: the offset\n"
     "after its opening quote; else -1."},
    {"find", (PyCFunction)(void (*)(void))TagScanner_find, METH_FASTCALL,
     "find(buf, key, pos) -> int\n\nbuf.find(key, pos), led by a byte rare in CJK text."},
    {"next_plain", (PyCFunction)(void (*)(void))TagScanner_next_plain, METH_FASTCALL,
     "next_plain(buf, pos, flags, room, sectioning, paragraphs, open_elements) -> (kind, at, "
     "end, name, self_closing, opened, closed_from)\n\n"
     "next(), opening and closing plain elements itself (see icp_footer._scan)."},
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
