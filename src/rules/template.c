/*
 * A template is compiled into a list of parts, each a literal run of text
 * (with `{{` and `}}` already made single braces) or a field: a path and
 * the filters it goes through. Rendering is then one pass over the parts.
 *
 * What must hold:
 * - compiling never reads past the text's NUL or its TEMPLATE_TEXT_MAX
 *   bytes, and every error names a byte offset inside the text (or at its
 *   end) with a lowercase message;
 * - the text is valid UTF-8 (checked first), so every literal part is, and
 *   a rendered value is valid UTF-8 whenever the values of its fields are;
 * - the filters that look at characters decode with utf8proc and read a
 *   byte that does not start valid UTF-8 as U+FFFD, so their output is
 *   valid UTF-8 whatever they are given, and `ascii` gives pure ASCII;
 * - no value is ever allowed to grow past TEMPLATE_VALUE_MAX during a
 *   render, not the result and not what a filter hands to the next one:
 *   `replace` can multiply a value's length, sixteen times in a row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "rules/template.h"
#include "util/err.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define TEMPLATE_TEXT_MAX 4096 /* bytes of template text */
#define FILTERS_MAX 16	       /* filters on one field */
#define NEAR_MAX 256	       /* room for the known callback's suggestion */

enum filter_id {
	F_LOWER,
	F_UPPER,
	F_ASCII,
	F_ALNUM,
	F_NOSPACE,
	F_TRIM,
	F_FIRST,
	F_INITIALS,
	F_DEFAULT,
	F_REPLACE,
	F_DN
};

/* What follows a filter's name after a ':'. */
enum filter_args { ARGS_NONE, ARGS_NUMBER, ARGS_STRING, ARGS_TWO_STRINGS };

struct filter_def {
	const char *name;
	enum filter_args args;
	const char *usage; /* for the message when the arguments are missing */
};

/* Indexed by enum filter_id. */
static const struct filter_def filter_defs[] = {
	{ "lower", ARGS_NONE, NULL },
	{ "upper", ARGS_NONE, NULL },
	{ "ascii", ARGS_NONE, NULL },
	{ "alnum", ARGS_NONE, NULL },
	{ "nospace", ARGS_NONE, NULL },
	{ "trim", ARGS_NONE, NULL },
	{ "first", ARGS_NUMBER, "needs a number of characters, as in first:1" },
	{ "initials", ARGS_NONE, NULL },
	{ "default", ARGS_STRING, "needs a quoted string, as in default:\"x\"" },
	{ "replace", ARGS_TWO_STRINGS, "needs two quoted strings, as in replace:\"a\",\"b\"" },
	{ "dn", ARGS_NONE, NULL },
};
#define NFILTERS (sizeof(filter_defs) / sizeof(filter_defs[0]))

/* The same names as one array, for text_suggest. */
static const char *const filter_names[] = {
	"lower", "upper", "ascii", "alnum", "nospace", "trim", "first", "initials", "default", "replace", "dn",
};
_Static_assert(sizeof(filter_names) / sizeof(filter_names[0]) == NFILTERS, "filter_names follows filter_defs");

struct filter {
	enum filter_id id;
	size_t n;      /* first:N */
	char *a1, *a2; /* default's string, replace's two (escapes undone, malloc'd) */
	size_t l1, l2; /* their lengths */
};

struct part {
	char *lit; /* literal text (malloc'd), or NULL for a field */
	size_t litlen;
	size_t path;	  /* a field: index into template.paths */
	struct filter *f; /* and its filters, in order (malloc'd) */
	size_t nf, f_cap;
};

/* clang-format reads C as C++, where `template` is a keyword: it would break this line. */
/* clang-format off */
struct template {
	struct part *parts;
	size_t nparts, parts_cap;
	char **paths; /* distinct, in order of first use (malloc'd) */
	size_t npaths, paths_cap;
};
/* clang-format on */

/* --- Unicode helpers --- */

/* Decodes the code point at s[0..n), n >= 1, into *cp and returns its length in bytes; a byte that does not start valid UTF-8 reads as U+FFFD, 1 byte long. */
static size_t
next_cp(const char *s, size_t n, utf8proc_int32_t *cp)
{
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cp);

	if (k <= 0) {
		*cp = 0xFFFD;
		return 1;
	}
	return (size_t)k;
}

static void
add_cp(struct buf *b, utf8proc_int32_t cp)
{
	utf8proc_uint8_t u[4];
	utf8proc_ssize_t k = utf8proc_encode_char(cp, u);

	buf_add(b, u, (size_t)k);
}

static int
is_letter_or_digit(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO: return 1;
	default: return 0;
	}
}

static int
is_mark(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

/* Unicode White_Space: the separators Zs, Zl, Zp plus TAB..CR and NEL. */
static int
is_space(utf8proc_int32_t cp)
{
	utf8proc_category_t c;

	if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85)
		return 1;
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

/* What splits words for `initials`: white space, '-' and the Unicode hyphens U+2010 and U+2011. */
static int
is_word_break(utf8proc_int32_t cp)
{
	return is_space(cp) || cp == '-' || cp == 0x2010 || cp == 0x2011;
}

/* The letters NFKD leaves alone that `ascii` still spells in ASCII (the list, exactly). */
static const char *
ascii_spelling(utf8proc_int32_t cp)
{
	switch (cp) {
	case 0x00DF: return "ss"; /* ß */
	case 0x00E6: return "ae"; /* æ */
	case 0x00C6: return "AE"; /* Æ */
	case 0x00F8: return "o";  /* ø */
	case 0x00D8: return "O";  /* Ø */
	case 0x0153: return "oe"; /* œ */
	case 0x0152: return "OE"; /* Œ */
	case 0x0142: return "l";  /* ł */
	case 0x0141: return "L";  /* Ł */
	case 0x0111: return "d";  /* đ */
	case 0x0110: return "D";  /* Đ */
	case 0x00F0: return "d";  /* ð */
	case 0x00D0: return "D";  /* Ð */
	case 0x00FE: return "th"; /* þ */
	case 0x00DE: return "TH"; /* Þ */
	case 0x0131: return "i";  /* ı */
	default: return NULL;
	}
}

/* --- the filters --- */

static void
filter_case(const char *in, size_t n, struct buf *out, int upper)
{
	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;

		i += next_cp(in + i, n - i, &cp);
		add_cp(out, upper ? utf8proc_toupper(cp) : utf8proc_tolower(cp));
	}
}

static void
filter_ascii(const char *in, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n;) {
		/* The longest decomposition in Unicode (U+FDFA) is 18 code points. */
		utf8proc_int32_t cp, d[32];
		utf8proc_ssize_t k;
		int bound = 0;

		i += next_cp(in + i, n - i, &cp);
		if (cp < 0x80) {
			buf_addch(out, (char)cp);
			continue;
		}
		k = utf8proc_decompose_char(cp, d, 32, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, &bound);
		if (k < 0 || k > 32)
			continue; /* cannot happen (see above); dropped as non-ASCII */
		for (utf8proc_ssize_t j = 0; j < k; j++) {
			const char *sp;

			if (d[j] < 0x80)
				buf_addch(out, (char)d[j]);
			else if ((sp = ascii_spelling(d[j])))
				buf_adds(out, sp);
			/* Combining marks and every other non-ASCII character are dropped. */
		}
	}
}

/* Letters and digits, with the combining marks that follow one (so "e" U+0308 stays "ë", as the composed "ë" does). */
static void
filter_alnum(const char *in, size_t n, struct buf *out)
{
	int marks = 0;

	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;

		i += next_cp(in + i, n - i, &cp);
		if (is_letter_or_digit(cp)) {
			add_cp(out, cp);
			marks = 1;
		} else if (marks && is_mark(cp)) {
			add_cp(out, cp);
		} else {
			marks = 0;
		}
	}
}

static void
filter_nospace(const char *in, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;

		i += next_cp(in + i, n - i, &cp);
		if (!is_space(cp))
			add_cp(out, cp);
	}
}

static void
filter_trim(const char *in, size_t n, struct buf *out)
{
	size_t start = out->len;
	int gap = 0;

	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;

		i += next_cp(in + i, n - i, &cp);
		if (is_space(cp)) {
			gap = out->len > start;
			continue;
		}
		if (gap)
			buf_addch(out, ' ');
		gap = 0;
		add_cp(out, cp);
	}
}

static void
filter_first(const char *in, size_t n, size_t count, struct buf *out)
{
	for (size_t i = 0; i < n && count > 0; count--) {
		utf8proc_int32_t cp;

		i += next_cp(in + i, n - i, &cp);
		add_cp(out, cp);
	}
}

/*
 * The first letter or digit of every word, with the combining marks that
 * follow it. A word without one ("-", "&") gives nothing; one that starts
 * with punctuation gives its first letter ("'t" gives "t").
 */
static void
filter_initials(const char *in, size_t n, struct buf *out)
{
	int want = 1, marks = 0;

	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;

		i += next_cp(in + i, n - i, &cp);
		if (is_word_break(cp)) {
			want = 1;
			marks = 0;
		} else if (want && is_letter_or_digit(cp)) {
			add_cp(out, cp);
			want = 0;
			marks = 1;
		} else if (marks && is_mark(cp)) {
			add_cp(out, cp);
		} else {
			marks = 0;
		}
	}
}

/* Every a (not empty) becomes b, left to right, without looking again at what was put in. -1 when out passes limit. */
static int
filter_replace(const char *in, size_t n, const char *a, size_t la, const char *b, size_t lb, struct buf *out,
	       size_t limit)
{
	size_t start = out->len;
	const char *p = in, *end = in + n, *hit;

	while ((hit = memmem(p, (size_t)(end - p), a, la))) {
		if (out->len - start + (size_t)(hit - p) + lb > limit)
			return -1;
		buf_add(out, p, (size_t)(hit - p));
		buf_add(out, b, lb);
		p = hit + la;
	}
	if (out->len - start + (size_t)(end - p) > limit)
		return -1;
	buf_add(out, p, (size_t)(end - p));
	return 0;
}

/*
 * A value as it may stand in an RDN (RFC 4514 section 2.4): the
 * characters that delimit a DN (, + " \ < > ; and =) get a backslash, as
 * do a leading space or '#' and a trailing space; NUL is \00. Everything
 * else, non-ASCII included, is UTF-8 as it stands, which RFC 4514 allows.
 */
static void
filter_dn(const char *in, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (c == '\0') {
			buf_adds(out, "\\00");
			continue;
		}
		if (strchr(",+\"\\<>;=", c) || (i == 0 && (c == ' ' || c == '#')) || (i == n - 1 && c == ' '))
			buf_addch(out, '\\');
		buf_addch(out, c);
	}
}

/* Appends filter f of in[0..n) to out. Returns 0, or -1 when what it appends would pass limit bytes. */
static int
filter_run(const struct filter *f, const char *in, size_t n, struct buf *out, size_t limit)
{
	size_t start = out->len;

	switch (f->id) {
	case F_LOWER: filter_case(in, n, out, 0); break;
	case F_UPPER: filter_case(in, n, out, 1); break;
	case F_ASCII: filter_ascii(in, n, out); break;
	case F_ALNUM: filter_alnum(in, n, out); break;
	case F_NOSPACE: filter_nospace(in, n, out); break;
	case F_TRIM: filter_trim(in, n, out); break;
	case F_FIRST: filter_first(in, n, f->n, out); break;
	case F_INITIALS: filter_initials(in, n, out); break;
	case F_DN: filter_dn(in, n, out); break;
	case F_DEFAULT:
		if (n)
			buf_add(out, in, n);
		else
			buf_add(out, f->a1, f->l1);
		break;
	case F_REPLACE:
		if (filter_replace(in, n, f->a1, f->l1, f->a2, f->l2, out, limit) < 0)
			goto too_long;
		break;
	}
	if (out->len - start <= limit)
		return 0;
too_long:
	out->len = start;
	if (out->s)
		out->s[start] = '\0';
	return -1;
}

static int
filter_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < NFILTERS; i++)
		if (strlen(filter_defs[i].name) == len && !memcmp(filter_defs[i].name, name, len))
			return (int)i;
	return -1;
}

/* The N of first:N: digits only, at most TEMPLATE_VALUE_MAX (no value has more code points). -1 when not so. */
static int
parse_count(const char *s, size_t len, size_t *n)
{
	size_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (size_t)(s[i] - '0');
		if (v > TEMPLATE_VALUE_MAX)
			return -1;
	}
	*n = v;
	return 0;
}

static void
filter_release(struct filter *f)
{
	free(f->a1);
	free(f->a2);
}

int
template_filter_apply(const char *name, const char *arg1, const char *arg2, const char *in, struct buf *out)
{
	struct filter f = { 0 };
	int id = name ? filter_lookup(name, strlen(name)) : -1;

	if (id < 0)
		return -1;
	f.id = (enum filter_id)id;
	switch (filter_defs[id].args) {
	case ARGS_NONE:
		if (arg1 || arg2)
			return -1;
		break;
	case ARGS_NUMBER:
		if (!arg1 || arg2 || parse_count(arg1, strlen(arg1), &f.n) < 0)
			return -1;
		break;
	case ARGS_STRING:
		if (!arg1 || arg2)
			return -1;
		f.a1 = (char *)arg1;
		f.l1 = strlen(arg1);
		break;
	case ARGS_TWO_STRINGS:
		if (!arg1 || !arg2 || !*arg1)
			return -1;
		f.a1 = (char *)arg1;
		f.l1 = strlen(arg1);
		f.a2 = (char *)arg2;
		f.l2 = strlen(arg2);
		break;
	}
	/* One filter's output is a bounded multiple of its input: no limit here. */
	return filter_run(&f, in, strlen(in), out, (size_t)-1);
}

/* --- compiling --- */

struct parser {
	const char *s;
	size_t len;
	struct template *t;
	struct buf lit; /* the literal text since the last field */
	expr_known_fn known;
	void *known_ctx;
	struct expr_error *err;
};

static int fail(struct parser *p, size_t offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, size_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	expr_error_vset(p->err, offset, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Names the character at offset i for a message: `"x"` (the whole UTF-8
 * character), U+000A for a control character, or "the end of the field"
 * at end (the closing brace's offset).
 */
static const char *
describe(const struct parser *p, size_t i, size_t end, char *out, size_t outlen)
{
	unsigned char c;
	utf8proc_int32_t cp;
	size_t k;

	if (i >= end)
		return "the end of the field";
	c = (unsigned char)p->s[i];
	if (c < 0x20 || c == 0x7F) {
		snprintf(out, outlen, "U+%04X", c);
		return out;
	}
	k = next_cp(p->s + i, p->len - i, &cp);
	snprintf(out, outlen, "\"%.*s\"", (int)k, p->s + i);
	return out;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* name ("." name)* with name [A-Za-z_][A-Za-z0-9_]*, as in conditions (expr.h). */
static int
path_valid(const char *s, size_t len)
{
	int start = 1;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (start)
				return 0;
			start = 1;
		} else if (start && s[i] >= '0' && s[i] <= '9') {
			return 0;
		} else {
			start = 0;
		}
	}
	return !start;
}

static struct part *
part_add(struct template *t)
{
	struct part *pt;

	XGROW(t->parts, t->parts_cap, t->nparts + 1);
	pt = &t->parts[t->nparts++];
	memset(pt, 0, sizeof(*pt));
	return pt;
}

static void
flush_literal(struct parser *p)
{
	struct part *pt;

	if (!p->lit.len)
		return;
	pt = part_add(p->t);
	pt->litlen = p->lit.len;
	pt->lit = buf_detach(&p->lit);
}

static size_t
path_add(struct template *t, const char *s, size_t len)
{
	for (size_t i = 0; i < t->npaths; i++)
		if (strlen(t->paths[i]) == len && !memcmp(t->paths[i], s, len))
			return i;
	XGROW(t->paths, t->paths_cap, t->npaths + 1);
	t->paths[t->npaths] = xstrndup(s, len);
	return t->npaths++;
}

/*
 * Where the field opened at `open` ends: the offset of its `}`, skipping
 * quoted strings. A field runs into the end of the text or into another
 * `{` only when its `}` was forgotten, so both are "unclosed".
 */
static int
field_end(struct parser *p, size_t open, size_t *close)
{
	for (size_t i = open + 1; i < p->len; i++) {
		if (p->s[i] == '}') {
			*close = i;
			return 0;
		}
		if (p->s[i] == '{')
			break;
		if (p->s[i] == '"') {
			size_t q = i;

			for (i++; i < p->len && p->s[i] != '"'; i++)
				if (p->s[i] == '\\')
					i++;
			if (i >= p->len)
				return fail(p, q, "unclosed string: expected a closing \"");
		}
	}
	return fail(p, open, "unclosed \"{\": expected \"}\" (or \"{{\" for a literal brace)");
}

/* Reads the quoted string at *i (a '"', closed before end: field_end saw to it) into *out, escapes undone. */
static int
parse_string(struct parser *p, size_t *i, size_t end, char **out, size_t *outlen)
{
	struct buf b = BUF_INIT;
	size_t j = *i + 1;

	for (; j < end && p->s[j] != '"'; j++) {
		if (p->s[j] != '\\') {
			buf_addch(&b, p->s[j]);
			continue;
		}
		switch (p->s[j + 1]) {
		case '"': buf_addch(&b, '"'); break;
		case '\\': buf_addch(&b, '\\'); break;
		case 'n': buf_addch(&b, '\n'); break;
		case 't': buf_addch(&b, '\t'); break;
		default: {
			utf8proc_int32_t cp;
			size_t k = next_cp(p->s + j + 1, p->len - j - 1, &cp);

			buf_release(&b);
			return fail(p, j, "unknown escape \"\\%.*s\" in string: expected \\\", \\\\, \\n or \\t",
				    (int)k, p->s + j + 1);
		}
		}
		j++;
	}
	if (j >= end) /* field_end saw to it */
		BUG("string at %zu not closed before the field's end", *i);
	*outlen = b.len;
	*out = buf_detach(&b);
	*i = j + 1;
	return 0;
}

static void
skip_blanks(const struct parser *p, size_t *i, size_t end)
{
	while (*i < end && is_blank(p->s[*i]))
		(*i)++;
}

/* The arguments of filter f at *i (just past its name and blanks). */
static int
parse_args(struct parser *p, struct filter *f, size_t *i, size_t end)
{
	const struct filter_def *d = &filter_defs[f->id];
	size_t j = *i;

	if (j < end && p->s[j] == ':') {
		if (d->args == ARGS_NONE)
			return fail(p, j, "filter \"%s\" takes no argument", d->name);
		j++;
		skip_blanks(p, &j, end);
	} else if (d->args != ARGS_NONE) {
		return fail(p, j, "filter \"%s\" %s", d->name, d->usage);
	}
	switch (d->args) {
	case ARGS_NONE: break;
	case ARGS_NUMBER: {
		size_t k = j;

		while (k < end && p->s[k] >= '0' && p->s[k] <= '9')
			k++;
		if (k == j)
			return fail(p, j, "filter \"%s\" %s", d->name, d->usage);
		if (parse_count(p->s + j, k - j, &f->n) < 0)
			return fail(p, j, "filter \"%s\": %.*s is too many characters (at most %d)", d->name,
				    (int)(k - j > 20 ? 20 : k - j), p->s + j, TEMPLATE_VALUE_MAX);
		j = k;
		break;
	}
	case ARGS_STRING:
		if (j >= end || p->s[j] != '"')
			return fail(p, j, "filter \"%s\" %s", d->name, d->usage);
		if (parse_string(p, &j, end, &f->a1, &f->l1) < 0)
			return -1;
		break;
	case ARGS_TWO_STRINGS: {
		size_t q = j;

		if (j >= end || p->s[j] != '"')
			return fail(p, j, "filter \"%s\" %s", d->name, d->usage);
		if (parse_string(p, &j, end, &f->a1, &f->l1) < 0)
			return -1;
		if (!f->l1)
			return fail(p, q, "filter \"%s\": the text to replace is empty", d->name);
		skip_blanks(p, &j, end);
		if (j >= end || p->s[j] != ',')
			return fail(p, j, "filter \"%s\" %s", d->name, d->usage);
		j++;
		skip_blanks(p, &j, end);
		if (j >= end || p->s[j] != '"')
			return fail(p, j, "filter \"%s\" %s", d->name, d->usage);
		if (parse_string(p, &j, end, &f->a2, &f->l2) < 0)
			return -1;
		break;
	}
	}
	*i = j;
	return 0;
}

static int
parse_filter(struct parser *p, struct part *pt, size_t *i, size_t end)
{
	size_t name = *i, j = *i;
	char what[32];
	struct filter *f;
	int id;

	while (j < end && is_name_char(p->s[j]))
		j++;
	if (j == name)
		return fail(p, j, "expected a filter name after \"|\", found %s",
			    describe(p, j, end, what, sizeof(what)));
	id = filter_lookup(p->s + name, j - name);
	if (id < 0) {
		char *word = xstrndup(p->s + name, j - name);
		const char *near = text_suggest(word, filter_names, NFILTERS);
		int shown = (int)(j - name > 64 ? 64 : j - name);

		if (near)
			fail(p, name, "unknown filter \"%.*s\" (did you mean \"%s\"?)", shown, word, near);
		else
			fail(p, name,
			     "unknown filter \"%.*s\" (filters: lower, upper, ascii, alnum, nospace, trim, first, "
			     "initials, default, replace, dn)",
			     shown, word);
		free(word);
		return -1;
	}
	if (pt->nf == FILTERS_MAX)
		return fail(p, name, "too many filters: at most %d on one field", FILTERS_MAX);
	XGROW(pt->f, pt->f_cap, pt->nf + 1);
	f = &pt->f[pt->nf++];
	memset(f, 0, sizeof(*f));
	f->id = (enum filter_id)id;
	skip_blanks(p, &j, end);
	if (parse_args(p, f, &j, end) < 0)
		return -1;
	*i = j;
	return 0;
}

/* The field from `{` at open to `}` at close. */
static int
parse_field(struct parser *p, size_t open, size_t close)
{
	size_t i = open + 1, start;
	char what[32];
	struct part *pt;

	skip_blanks(p, &i, close);
	start = i;
	while (i < close && (is_name_char(p->s[i]) || p->s[i] == '.'))
		i++;
	if (i == start) {
		if (i == close)
			return fail(p, open,
				    "empty field \"{}\": expected a field name (or \"{{\" for a literal brace)");
		return fail(p, i, "expected a field name after \"{\", found %s",
			    describe(p, i, close, what, sizeof(what)));
	}
	if (!path_valid(p->s + start, i - start))
		return fail(p, start,
			    "bad field name \"%.*s\": expected names of letters, digits and \"_\" joined by \".\"",
			    (int)(i - start > 64 ? 64 : i - start), p->s + start);
	if (p->known) {
		char *path = xstrndup(p->s + start, i - start);
		char near[NEAR_MAX] = "";
		int ok = p->known(p->known_ctx, path, near, sizeof(near));

		near[sizeof(near) - 1] = '\0';
		if (!ok) {
			int shown = (int)(i - start > 64 ? 64 : i - start);

			if (near[0])
				fail(p, start, "unknown field \"%.*s\" (did you mean \"%s\"?)", shown, path, near);
			else
				fail(p, start, "unknown field \"%.*s\"", shown, path);
			free(path);
			return -1;
		}
		free(path);
	}
	flush_literal(p);
	pt = part_add(p->t);
	pt->path = path_add(p->t, p->s + start, i - start);
	for (;;) {
		skip_blanks(p, &i, close);
		if (i == close)
			return 0;
		if (p->s[i] != '|')
			return fail(p, i, "unexpected %s in field: expected \"|\" or \"}\"",
				    describe(p, i, close, what, sizeof(what)));
		i++;
		skip_blanks(p, &i, close);
		if (parse_filter(p, pt, &i, close) < 0)
			return -1;
	}
}

static int
parse(struct parser *p)
{
	size_t i = 0, close = 0;

	while (i < p->len) {
		char c = p->s[i];

		if ((c == '{' || c == '}') && i + 1 < p->len && p->s[i + 1] == c) {
			buf_addch(&p->lit, c);
			i += 2;
		} else if (c == '{') {
			if (field_end(p, i, &close) < 0 || parse_field(p, i, close) < 0)
				return -1;
			i = close + 1;
		} else if (c == '}') {
			return fail(p, i, "lone \"}\": expected \"}}\" for a literal brace");
		} else {
			buf_addch(&p->lit, c);
			i++;
		}
	}
	flush_literal(p);
	return 0;
}

struct template *
template_compile(const char *text, expr_known_fn known, void *known_ctx, struct expr_error *err)
{
	struct expr_error scratch;
	struct parser p = { 0 };
	size_t bad;

	p.err = err ? err : &scratch;
	p.err->offset = 0;
	p.err->msg[0] = '\0';
	p.s = text;
	p.len = strnlen(text, TEMPLATE_TEXT_MAX + 1);
	p.known = known;
	p.known_ctx = known_ctx;
	if (p.len > TEMPLATE_TEXT_MAX) {
		fail(&p, TEMPLATE_TEXT_MAX, "template is longer than %d bytes", TEMPLATE_TEXT_MAX);
		return NULL;
	}
	if (text_utf8_check(text, p.len, &bad) < 0) {
		fail(&p, bad, "invalid UTF-8: byte 0x%02x", (unsigned char)text[bad]);
		return NULL;
	}
	p.t = xcalloc(1, sizeof(*p.t));
	if (parse(&p) < 0) {
		buf_release(&p.lit);
		template_free(p.t);
		return NULL;
	}
	return p.t;
}

/* --- rendering --- */

int
template_render(const struct template *t, expr_get_fn get, void *get_ctx, struct buf *out)
{
	struct buf stage[2] = { BUF_INIT, BUF_INIT };
	size_t start = out->len;
	int ret = -1;

	for (size_t i = 0; i < t->nparts; i++) {
		const struct part *pt = &t->parts[i];
		const char *v;
		size_t n;

		if (pt->lit) {
			v = pt->lit;
			n = pt->litlen;
		} else {
			v = get(get_ctx, t->paths[pt->path]);
			if (!v)
				v = "";
			n = strlen(v);
			/* Each filter reads the stage the one before it wrote. */
			for (size_t k = 0; k < pt->nf; k++) {
				struct buf *dst = &stage[k % 2];

				buf_reset(dst);
				if (filter_run(&pt->f[k], v, n, dst, TEMPLATE_VALUE_MAX) < 0)
					goto out;
				v = buf_str(dst);
				n = dst->len;
			}
		}
		if (out->len - start + n > TEMPLATE_VALUE_MAX)
			goto out;
		buf_add(out, v, n);
	}
	ret = 0;
out:
	if (ret < 0 && out->s) {
		out->len = start;
		out->s[start] = '\0';
	}
	buf_release(&stage[0]);
	buf_release(&stage[1]);
	return ret;
}

size_t
template_paths(const struct template *t, const char *const **paths)
{
	if (paths)
		*paths = (const char *const *)t->paths;
	return t->npaths;
}

int
template_is_literal(const struct template *t)
{
	return t->npaths == 0;
}

void
template_free(struct template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nparts; i++) {
		free(t->parts[i].lit);
		for (size_t k = 0; k < t->parts[i].nf; k++)
			filter_release(&t->parts[i].f[k]);
		free(t->parts[i].f);
	}
	free(t->parts);
	for (size_t i = 0; i < t->npaths; i++)
		free(t->paths[i]);
	free(t->paths);
	free(t);
}
