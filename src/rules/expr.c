/*
 * The condition language (expr.h): a recursive-descent parser over a lazy
 * lexer, an AST, and an evaluator that walks it.
 *
 * What must hold:
 * - Compiling never crashes and never runs away: the text, the nesting and
 *   the lists have limits (EXPR_*_MAX), and a regular expression is refused
 *   before regcomp when glibc would need exponential time or gigabytes for it.
 * - Every error names the byte where it was found. The lexer only runs when
 *   the parser asks for the next token, so errors come in the order of the
 *   text: "foo "bar" reports the unknown field before the unclosed string.
 * - Everything a struct expr owns hangs from it: nodes (kid/next), their
 *   operands' literals, lists and compiled regular expressions, and the path
 *   table. A node is linked into its parent before anything is parsed into
 *   it, so on an error freeing the root (or the node being built) frees all.
 * - Evaluating never fails and never allocates except to case-fold a value.
 *   The tree is at most a few levels per "(" or "not", so recursion is bounded.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "rules/expr.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define EXPR_TEXT_MAX 4096
#define EXPR_DEPTH_MAX 64
#define EXPR_LIST_MAX 1024
/* The most characters and brackets a regular expression may expand to once its repetitions are unrolled. */
#define EXPR_REGEX_SIZE_MAX 1000
/* Groups in a regular expression nest at most this deep. */
#define EXPR_REGEX_DEPTH_MAX 64
/* How much of a token or a path an error message quotes. */
#define QUOTE_TOKEN 64
#define QUOTE_PATH 200

enum tok_kind {
	T_EOF,
	T_WORD,	  /* a path */
	T_KW,	  /* a keyword */
	T_STRING, /* off/len span the quotes */
	T_NUMBER,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_COMMA,
	T_CMP, /* == != < <= > >= */
	T_BAD, /* one character that starts no token */
};

enum kw { KW_AND, KW_OR, KW_NOT, KW_IN, KW_CONTAINS, KW_STARTS_WITH, KW_ENDS_WITH, KW_MATCHES, KW_IS, KW_EMPTY };

static const char *const kw_names[] = {
	"and", "or", "not", "in", "contains", "starts_with", "ends_with", "matches", "is", "empty",
};

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_CONTAINS, OP_STARTS_WITH, OP_ENDS_WITH, OP_MATCHES };

struct token {
	enum tok_kind kind;
	size_t off, len;
	enum kw kw; /* T_KW */
	enum op op; /* T_CMP */
};

/* An operand: a field of the record, or a literal with what evaluation needs of it worked out once. */
struct operand {
	const char *path; /* one of expr->paths; NULL for a literal */
	char *lit;	  /* the literal's value */
	char *folded;	  /* lit case-folded, when a case-insensitive operator uses it */
	int isnum, isdate;
	double num;
	civil_day day;
};

enum node_kind { N_OR, N_AND, N_NOT, N_TRUTH, N_EMPTY, N_CMP, N_IN, N_MATCHES };

struct node {
	enum node_kind kind;
	struct node *kid;  /* N_OR, N_AND: the first operand (the others follow by next); N_NOT: what it negates */
	struct node *next; /* the next operand of the parent's N_OR or N_AND */
	enum op op;	   /* N_CMP */
	int negate;	   /* N_EMPTY: "is not empty" */
	struct operand a, b;
	struct operand *list; /* N_IN */
	size_t nlist, cap;
	regex_t re; /* N_MATCHES, when has_re */
	int has_re;
};

struct expr {
	struct node *root;
	char **paths;
	size_t npaths, cap;
};

struct parser {
	const char *s;
	size_t len, pos;
	struct token tok;
	int have; /* tok holds the next token, not consumed yet */
	int depth;
	struct expr *e;
	expr_known_fn known;
	void *known_ctx;
	struct expr_error *err;
};

/* --- case folding, numbers --- */

/*
 * s case-folded (Unicode case folding, composed), malloc'd. A string that is
 * not valid UTF-8 (a value can be anything) is folded in ASCII only, so that
 * evaluation never fails.
 */
static char *
fold(const char *s)
{
	utf8proc_uint8_t *out = NULL;
	const unsigned char *p;
	char *r;

	for (p = (const unsigned char *)s; *p && *p < 0x80; p++)
		;
	if (*p && utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
			       UTF8PROC_NULLTERM | UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE) >= 0)
		return (char *)out;
	/* ASCII folds to its lower case, and only so: no allocation in utf8proc. */
	r = xstrdup(s);
	for (char *q = r; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return r;
}

/* 1 and *out when s is a number: an optional sign, digits, an optional "." and digits. */
static int
number_of(const char *s, double *out)
{
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return 0;
	/* The process never sets a locale (DESIGN.md: same output everywhere), so the radix is ".". */
	*out = strtod(s, NULL);
	return 1;
}

/* --- errors --- */

static int failf(struct parser *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int
expr_error_vset(struct expr_error *err, size_t offset, const char *fmt, va_list ap)
{
	err->offset = offset;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

static int
failf(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	expr_error_vset(p->err, off, fmt, ap);
	va_end(ap);
	return -1;
}

/* The length of the UTF-8 sequence that starts with byte c (the text was checked). */
static size_t
utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/*
 * Writes s[0..n) into out[size] in double quotes: at most cap bytes of it,
 * cut between characters with "..." marking the cut, and control characters
 * escaped, so that a message stays one readable line. size is at least 16.
 */
static void
quote(char *out, size_t size, const char *s, size_t n, size_t cap)
{
	size_t o = 0, i = 0;

	out[o++] = '"';
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k = utf8_len(c);

		/* Room for this character (4 bytes at most, "\xNN" too), "...", the quote and the NUL. */
		if (i + k > cap || i + k > n || o + 4 + 3 + 2 > size) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '\t') {
			memcpy(out + o, "\\t", 2);
			o += 2;
		} else if (c == '\n') {
			memcpy(out + o, "\\n", 2);
			o += 2;
		} else if (c < 0x20 || c == 0x7F) {
			snprintf(out + o, size - o, "\\x%02x", c);
			o += 4;
		} else {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* What the character at off is, for "found …". */
static void
describe_char(const struct parser *p, size_t off, char *out, size_t size)
{
	const char *s = p->s + off;
	utf8proc_int32_t cp = 0;
	size_t n = utf8_len((unsigned char)*s);

	utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &cp);
	if (!cp)
		snprintf(out, size, "end of condition");
	else if (cp == ' ' || cp == '\t')
		snprintf(out, size, "a space");
	else if (cp == '\n' || cp == '\r')
		snprintf(out, size, "a line break");
	else if (cp == '\'')
		snprintf(out, size, "\"'\" (strings take double quotes)");
	else if (cp == '"' || cp == '\\')
		snprintf(out, size, "'%c'", (char)cp);
	else if (cp > 0x20 && cp < 0x7F)
		snprintf(out, size, "\"%c\"", (char)cp);
	else if (cp >= 0xA0)
		snprintf(out, size, "\"%.*s\" (U+%04X)", (int)n, s, (unsigned)cp);
	else
		snprintf(out, size, "U+%04X", (unsigned)cp);
}

/* What the token t is, for "found …". */
static void
describe(const struct parser *p, const struct token *t, char *out, size_t size)
{
	const char *s = p->s + t->off;
	char q[QUOTE_TOKEN * 4 + 8];

	switch (t->kind) {
	case T_EOF:
	case T_BAD: describe_char(p, t->off, out, size); return;
	case T_STRING:
		quote(q, sizeof(q), s + 1, t->len - 2, QUOTE_TOKEN);
		snprintf(out, size, "string %s", q);
		return;
	case T_NUMBER:
		snprintf(out, size, "number %.*s", (int)(t->len < QUOTE_TOKEN ? t->len : QUOTE_TOKEN), s);
		return;
	default:
		quote(q, sizeof(q), s, t->len, QUOTE_TOKEN);
		snprintf(out, size, "%s", q);
		return;
	}
}

/* "expected <what>, found <the character at off>". */
static int
fail_expected_char(struct parser *p, size_t off, const char *what)
{
	char found[64];

	describe_char(p, off, found, sizeof(found));
	return failf(p, off, "expected %s, found %s", what, found);
}

/* "expected <what>, found <the token t>". */
static int
fail_expected(struct parser *p, const struct token *t, const char *what)
{
	char found[QUOTE_TOKEN * 4 + 64];

	describe(p, t, found, sizeof(found));
	return failf(p, t->off, "expected %s, found %s", what, found);
}

/* --- the lexer --- */

static int
is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The operators people write from other languages, and ours that they mean. */
static const struct {
	const char *typed, *meant;
} op_typos[] = {
	{ "=", "==" },	{ "===", "==" }, { "=>", ">=" },     { "=<", "<=" },	  { "<==", "<=" },     { ">==", ">=" },
	{ "<>", "!=" }, { "!==", "!=" }, { "=!", "!=" },     { "!", "not" },	  { "&", "and" },      { "&&", "and" },
	{ "|", "or" },	{ "||", "or" },	 { "~", "matches" }, { "=~", "matches" }, { "~=", "matches" },
};

static int
lex_operator(struct parser *p, struct token *t)
{
	static const struct {
		const char *s;
		enum op op;
	} ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT }, { "<=", OP_LE }, { ">", OP_GT }, { ">=", OP_GE }
	};
	const char *s = p->s + t->off;
	char q[QUOTE_TOKEN * 4 + 8];
	size_t n = 0;

	while (s[n] && strchr("=!<>&|~", s[n]))
		n++;
	t->len = n;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].s) == n && !memcmp(ops[i].s, s, n)) {
			t->kind = T_CMP;
			t->op = ops[i].op;
			return 0;
		}
	quote(q, sizeof(q), s, n, QUOTE_TOKEN);
	for (size_t i = 0; i < sizeof(op_typos) / sizeof(op_typos[0]); i++)
		if (strlen(op_typos[i].typed) == n && !memcmp(op_typos[i].typed, s, n))
			return failf(p, t->off, "unknown operator %s (did you mean \"%s\"?)", q, op_typos[i].meant);
	return failf(p, t->off, "unknown operator %s", q);
}

/* Checks a string literal from its opening quote; t->len spans both quotes. */
static int
lex_string(struct parser *p, struct token *t)
{
	const char *s = p->s;
	size_t i = t->off + 1;

	for (;;) {
		char c = s[i];

		/* A string does not span lines: a quote missing at the end of one is the likelier mistake. */
		if (!c || c == '\n' || c == '\r')
			return failf(p, t->off, "unclosed string");
		if (c == '"')
			break;
		if (c == '\\') {
			char d = s[i + 1];
			char q[16];

			if (d == '"' || d == '\\' || d == 'n' || d == 't') {
				i += 2;
				continue;
			}
			if (!d || d == '\n' || d == '\r')
				return failf(p, t->off, "unclosed string");
			quote(q, sizeof(q), s + i, 1 + utf8_len((unsigned char)d), 8);
			return failf(p, i, "unknown escape %s in a string, expected \\\", \\\\, \\n or \\t", q);
		}
		i++;
	}
	t->kind = T_STRING;
	t->len = i + 1 - t->off;
	return 0;
}

/* A number: [-]digits[.digits], not run together with letters, digits or dots. */
static int
lex_number(struct parser *p, struct token *t)
{
	const char *s = p->s;
	size_t i = t->off;
	char q[QUOTE_TOKEN * 4 + 8];

	if (s[i] == '-')
		i++;
	if (!is_digit(s[i]))
		return fail_expected_char(p, i, "a digit after \"-\"");
	while (is_digit(s[i]))
		i++;
	if (s[i] == '.' && is_digit(s[i + 1])) {
		i++;
		while (is_digit(s[i]))
			i++;
	}
	if (is_name_char(s[i]) || s[i] == '.') {
		while (is_name_char(s[i]) || s[i] == '.')
			i++;
		quote(q, sizeof(q), s + t->off, i - t->off, QUOTE_TOKEN);
		return failf(p, t->off, "bad number %s, expected digits with an optional fraction such as 0.5", q);
	}
	t->kind = T_NUMBER;
	t->len = i - t->off;
	return 0;
}

/* A path or a keyword: name ("." name)*. */
static int
lex_word(struct parser *p, struct token *t)
{
	const char *s = p->s;
	size_t i = t->off;

	for (;;) {
		while (is_name_char(s[i]))
			i++;
		if (s[i] != '.')
			break;
		if (!is_name_start(s[i + 1])) {
			char q[QUOTE_TOKEN * 4 + 8], what[QUOTE_TOKEN * 4 + 32];

			quote(q, sizeof(q), s + t->off, i + 1 - t->off, QUOTE_TOKEN);
			snprintf(what, sizeof(what), "a name after %s", q);
			return fail_expected_char(p, i + 1, what);
		}
		i++;
	}
	t->len = i - t->off;
	t->kind = T_WORD;
	for (size_t k = 0; k < sizeof(kw_names) / sizeof(kw_names[0]); k++)
		if (strlen(kw_names[k]) == t->len && !memcmp(kw_names[k], s + t->off, t->len)) {
			t->kind = T_KW;
			t->kw = (enum kw)k;
			break;
		}
	return 0;
}

/* The next token, lexed when first asked for; NULL on a lexical error (p->err says which). */
static const struct token *
peek(struct parser *p)
{
	struct token *t = &p->tok;
	const char *s = p->s;
	char c;

	if (p->have)
		return t;
	while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')
		p->pos++;
	memset(t, 0, sizeof(*t));
	t->off = p->pos;
	c = s[p->pos];
	if (!c) {
		t->kind = T_EOF;
	} else if (is_name_start(c)) {
		if (lex_word(p, t) < 0)
			return NULL;
	} else if (is_digit(c) || c == '-') {
		if (lex_number(p, t) < 0)
			return NULL;
	} else if (c == '"') {
		if (lex_string(p, t) < 0)
			return NULL;
	} else if (strchr("=!<>&|~", c)) {
		if (lex_operator(p, t) < 0)
			return NULL;
	} else {
		const char *punct = "()[],";
		const char *at = strchr(punct, c);
		static const enum tok_kind kinds[] = { T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_COMMA };

		t->kind = at ? kinds[at - punct] : T_BAD;
		t->len = utf8_len((unsigned char)c);
	}
	p->pos = t->off + t->len;
	p->have = 1;
	return t;
}

/* Consumes the token peek gave. */
static void
take(struct parser *p)
{
	p->have = 0;
}

/* --- building the tree --- */

static void
operand_release(struct operand *o)
{
	free(o->lit);
	free(o->folded);
}

static void
node_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;

		node_free(n->kid);
		operand_release(&n->a);
		operand_release(&n->b);
		for (size_t i = 0; i < n->nlist; i++)
			operand_release(&n->list[i]);
		free(n->list);
		if (n->has_re)
			regfree(&n->re);
		free(n);
		n = next;
	}
}

static struct node *
node_new(enum node_kind kind)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	return n;
}

/* The path's entry in the table of e, checked with known the first time it is seen. */
static int
path_register(struct parser *p, const struct token *t, const char **out)
{
	struct expr *e = p->e;
	char *path = xstrndup(p->s + t->off, t->len);

	for (size_t i = 0; i < e->npaths; i++)
		if (!strcmp(e->paths[i], path)) {
			free(path);
			*out = e->paths[i];
			return 0;
		}
	if (p->known) {
		char near[256] = "";

		if (!p->known(p->known_ctx, path, near, sizeof(near))) {
			char q[QUOTE_PATH * 4 + 8], qn[QUOTE_PATH * 4 + 8];

			near[sizeof(near) - 1] = '\0';
			quote(q, sizeof(q), path, t->len, QUOTE_PATH);
			free(path);
			if (!*near)
				return failf(p, t->off, "unknown field %s", q);
			quote(qn, sizeof(qn), near, strlen(near), QUOTE_PATH);
			return failf(p, t->off, "unknown field %s (did you mean %s?)", q, qn);
		}
	}
	XGROW(e->paths, e->cap, e->npaths + 1);
	e->paths[e->npaths++] = path;
	*out = path;
	return 0;
}

/* The value of the string literal t, its escapes resolved (malloc'd). */
static char *
string_value(const struct parser *p, const struct token *t)
{
	const char *s = p->s + t->off + 1;
	size_t n = t->len - 2, o = 0;
	char *v = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\') {
			i++;
			v[o++] = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i];
		} else {
			v[o++] = s[i];
		}
	}
	v[o] = '\0';
	return v;
}

static int
starts_operand(const struct token *t)
{
	return t->kind == T_WORD || t->kind == T_STRING || t->kind == T_NUMBER;
}

/*
 * Parses an operand into o. after names what came before it, for the message
 * when there is none: "expected a value after "==", found ...".
 */
static int
parse_operand(struct parser *p, struct operand *o, const char *after)
{
	const struct token *t = peek(p);
	char what[64];

	if (!t)
		return -1;
	if (!starts_operand(t)) {
		snprintf(what, sizeof(what), "a value after \"%s\"", after);
		return fail_expected(p, t, what);
	}
	take(p);
	if (t->kind == T_WORD)
		return path_register(p, t, &o->path);
	o->lit = t->kind == T_STRING ? string_value(p, t) : xstrndup(p->s + t->off, t->len);
	o->isnum = number_of(o->lit, &o->num);
	o->isdate = date_parse_iso(o->lit, &o->day) == 0;
	return 0;
}

/*
 * Refuses what glibc's regcomp and regexec cannot do in reasonable time and
 * memory: back-references (exponential matching) and repetitions that unroll
 * into a large automaton (a{1,32767} takes seconds and gigabytes to compile).
 * The size is an estimate of glibc's unrolling: an atom (a character, a
 * bracket, an escape) is 1, a group the sum of its parts, x{n,m} max(n,m)+1
 * copies of x, x+ two. Returns NULL, or why the pattern is refused.
 */
static const char *
regex_too_costly(const char *re)
{
	size_t total[EXPR_REGEX_DEPTH_MAX + 1], last[EXPR_REGEX_DEPTH_MAX + 1];
	size_t d = 0, i = 0;
	const size_t cap = EXPR_REGEX_SIZE_MAX + 1;

	total[0] = last[0] = 0;
	while (re[i]) {
		char c = re[i];
		size_t atom = 1, times = 0;

		if (c == '\\' && re[i + 1] >= '1' && re[i + 1] <= '9')
			return "back-references such as \\1 are not supported";
		if (c == '\\') {
			/* The escaped character may be a multi-byte one: step over all of it. */
			i += 1 + (re[i + 1] ? utf8_len((unsigned char)re[i + 1]) : 0);
		} else if (c == '[') {
			/* A bracket is one atom: skip to its "]", which may come first ("[]a]", "[^]a]") and classes. */
			i++;
			if (re[i] == '^')
				i++;
			if (re[i] == ']')
				i++;
			while (re[i] && re[i] != ']') {
				if (re[i] == '[' && (re[i + 1] == ':' || re[i + 1] == '.' || re[i + 1] == '=')) {
					char end = re[i + 1];

					i += 2;
					while (re[i] && !(re[i] == end && re[i + 1] == ']'))
						i++;
					if (re[i])
						i += 2;
				} else {
					i++;
				}
			}
			if (re[i])
				i++;
		} else if (c == '(') {
			if (d == EXPR_REGEX_DEPTH_MAX)
				return "groups nested more than 64 deep";
			d++;
			total[d] = last[d] = 0;
			i++;
			continue;
		} else if (c == ')' && d > 0) {
			atom = total[d] ? total[d] : 1;
			d--;
			i++;
		} else if (c == '|') {
			last[d] = 0;
			i++;
			continue;
		} else if (c == '*' || c == '?' || c == '+') {
			times = c == '+' ? 2 : 1;
			i++;
		} else if (c == '{' && (is_digit(re[i + 1]) || re[i + 1] == ',')) {
			size_t j = i + 1, n = 0, m = 0;
			int comma = 0, mdigits = 0;

			while (is_digit(re[j]))
				n = n < cap ? n * 10 + (size_t)(re[j++] - '0') : (j++, cap);
			if (re[j] == ',') {
				comma = 1;
				j++;
				while (is_digit(re[j])) {
					m = m < cap ? m * 10 + (size_t)(re[j++] - '0') : (j++, cap);
					mdigits = 1;
				}
			}
			if (re[j] != '}') {
				i++; /* not an interval: regcomp says what is wrong with it */
			} else {
				times = (comma && mdigits && m > n ? m : n) + 1;
				i = j + 1;
			}
		} else {
			i += utf8_len((unsigned char)c);
		}
		if (times) {
			/* Repeats the last atom: replace it by its copies. */
			size_t grown = last[d] * times;

			if (grown > cap)
				grown = cap;
			total[d] = total[d] - last[d] + grown;
			last[d] = grown;
		} else {
			total[d] += atom;
			last[d] = atom;
		}
		if (total[d] > cap)
			total[d] = cap;
		if (total[d] > EXPR_REGEX_SIZE_MAX)
			return "its repetitions expand to more than 1000 characters";
	}
	return NULL;
}

/*
 * The pattern case-folded as values are, so that "É" matches "é" in any
 * locale (glibc's REG_ICASE folds only single bytes in the C locale roster
 * runs in). An escaped ASCII character stays as written: "\W" is not "\w".
 * REG_ICASE still applies. Returns a malloc'd string.
 */
static char *
regex_fold(const char *re)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(re), i = 0;

	while (i < n) {
		size_t j = i + 1;
		utf8proc_uint8_t *f = NULL;
		utf8proc_ssize_t k;

		if (re[i] == '\\' && re[i + 1] && (unsigned char)re[i + 1] < 0x80) {
			buf_add(&b, re + i, 2);
			i += 2;
			continue;
		}
		/* A run up to the next backslash (one before a non-ASCII character is folded with it). */
		while (j < n && re[j] != '\\')
			j++;
		k = utf8proc_map((const utf8proc_uint8_t *)re + i, (utf8proc_ssize_t)(j - i), &f,
				 UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE);
		if (k < 0)
			buf_add(&b, re + i, j - i);
		else
			buf_add(&b, f, (size_t)k);
		free(f);
		i = j;
	}
	buf_addch(&b, '\0');
	b.len--;
	return buf_detach(&b);
}

/* Compiles the pattern of n (a string literal t, already in n->b) into n->re. */
static int
regex_compile(struct parser *p, struct node *n, const struct token *t)
{
	char q[QUOTE_PATH * 4 + 8], why[256];
	const char *costly = regex_too_costly(n->b.lit);
	char *folded;
	int rc;

	quote(q, sizeof(q), p->s + t->off + 1, t->len - 2, QUOTE_PATH);
	if (costly)
		return failf(p, t->off, "bad regular expression %s: %s", q, costly);
	folded = regex_fold(n->b.lit);
	rc = regcomp(&n->re, folded, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	free(folded);
	if (rc) {
		/* A failed regcomp has freed what it allocated: no regfree. */
		regerror(rc, &n->re, why, sizeof(why));
		return failf(p, t->off, "bad regular expression %s: %s", q, why);
	}
	n->has_re = 1;
	return 0;
}

/* --- the parser: one function per rule of the grammar in expr.h --- */

static struct node *parse_or(struct parser *p, const char *after);

/* Counts one more level of "(" or "not" at t. */
static int
depth_enter(struct parser *p, const struct token *t)
{
	if (++p->depth > EXPR_DEPTH_MAX)
		return failf(p, t->off, "too deeply nested: more than %d levels of \"(\" and \"not\"", EXPR_DEPTH_MAX);
	return 0;
}

/*
 * What follows a word that is neither an operator nor "and"/"or": a likely
 * typo of one ("contain", "AND") is named as such. Returns the operator meant,
 * or NULL.
 */
static const char *
operator_meant(const struct parser *p, const struct token *t, int after_operand)
{
	/*
	 * After an operand any operator may be meant, after a comparison only
	 * "and" and "or" (the first two: on a tie they win, "an" is "and").
	 */
	static const enum kw meant[] = { KW_AND,       KW_OR,	   KW_CONTAINS, KW_STARTS_WITH,
					 KW_ENDS_WITH, KW_MATCHES, KW_IN,	KW_IS };
	size_t n = after_operand ? sizeof(meant) / sizeof(meant[0]) : 2;
	const char *best = NULL;
	unsigned bestd = 255;
	char word[64];

	if (t->kind != T_WORD || t->len >= sizeof(word))
		return NULL;
	memcpy(word, p->s + t->off, t->len);
	word[t->len] = '\0';
	for (size_t i = 0; i < n; i++) {
		/* text_distance ignores ASCII case: "AND" is 0 from "and". */
		unsigned d = text_distance(word, kw_names[meant[i]]);

		if (d < bestd) {
			bestd = d;
			best = kw_names[meant[i]];
		}
	}
	/* Short words are close to everything: "foo" is two edits from "or". */
	if (bestd == 0 || bestd == 1 || (bestd == 2 && t->len >= 5))
		return best;
	return NULL;
}

/*
 * The error for what follows a complete condition (or an operand without an
 * operator) when it is not "and", "or" or the end: close is ")" inside
 * parentheses, NULL at the top.
 */
static int
fail_after_condition(struct parser *p, const struct token *t, int after_operand, int in_parens)
{
	const char *meant = operator_meant(p, t, after_operand);
	char q[QUOTE_TOKEN * 4 + 8];

	if (meant) {
		quote(q, sizeof(q), p->s + t->off, t->len, QUOTE_TOKEN);
		return failf(p, t->off, "unknown operator %s (did you mean \"%s\"?)", q, meant);
	}
	if (after_operand && t->kind == T_KW && t->kw == KW_NOT)
		return failf(
			p, t->off,
			"unexpected \"not\": it goes before the comparison, as in not contract.type in [\"intern\"]");
	if (!in_parens && t->kind == T_RPAREN)
		return failf(p, t->off, "unexpected \")\"");
	return fail_expected(p, t,
			     in_parens ? "\"and\", \"or\" or \")\"" : "\"and\", \"or\" or the end of the condition");
}

/* list := "[" [operand ("," operand)*] "]", into n->list; the "[" is the next token. */
static int
parse_list(struct parser *p, struct node *n)
{
	const struct token *t = peek(p);
	size_t open;

	if (!t)
		return -1;
	if (t->kind != T_LBRACK)
		return failf(p, t->off, "\"in\" needs a list such as [\"ICT\", \"FIN\"]");
	open = t->off;
	take(p);
	if (!(t = peek(p)))
		return -1;
	if (t->kind == T_RBRACK) {
		take(p);
		return 0;
	}
	for (const char *after = "[";; after = ",") {
		if (!(t = peek(p)))
			return -1;
		if (n->nlist == EXPR_LIST_MAX && starts_operand(t))
			return failf(p, t->off, "list too long: more than %d items", EXPR_LIST_MAX);
		XGROW(n->list, n->cap, n->nlist + 1);
		memset(&n->list[n->nlist], 0, sizeof(n->list[0]));
		n->nlist++;
		if (parse_operand(p, &n->list[n->nlist - 1], after) < 0)
			return -1;
		if (!(t = peek(p)))
			return -1;
		if (t->kind == T_RBRACK) {
			take(p);
			return 0;
		}
		if (t->kind == T_EOF)
			return failf(p, open, "unclosed \"[\"");
		if (t->kind != T_COMMA)
			return fail_expected(p, t, "\",\" or \"]\" in the list");
		take(p);
	}
}

/* After "is": ["not"] "empty". */
static int
parse_is_empty(struct parser *p, struct node *n)
{
	const struct token *t = peek(p);

	if (!t)
		return -1;
	n->kind = N_EMPTY;
	if (t->kind == T_KW && t->kw == KW_NOT) {
		take(p);
		n->negate = 1;
		if (!(t = peek(p)))
			return -1;
		if (t->kind != T_KW || t->kw != KW_EMPTY)
			return fail_expected(p, t, "\"empty\" after \"is not\"");
	} else if (t->kind != T_KW || t->kw != KW_EMPTY) {
		return fail_expected(p, t, "\"empty\" or \"not empty\" after \"is\"");
	}
	take(p);
	return 0;
}

/*
 * cmp := operand [operator operand | "in" list | "is" ["not"] "empty"] | "(" expr ")".
 * Builds into *slot so that what is built is freed with the tree on an error.
 */
static int
parse_cmp(struct parser *p, struct node **slot, const char *after, int in_parens)
{
	const struct token *t = peek(p);
	struct node *n;
	char what[64];

	if (!t)
		return -1;
	if (t->kind == T_LPAREN) {
		size_t open = t->off;

		if (depth_enter(p, t) < 0)
			return -1;
		take(p);
		if (!(*slot = parse_or(p, "(")))
			return -1;
		if (!(t = peek(p)))
			return -1;
		if (t->kind == T_EOF)
			return failf(p, open, "unclosed \"(\"");
		if (t->kind != T_RPAREN)
			return fail_after_condition(p, t, 0, 1);
		take(p);
		p->depth--;
		return 0;
	}
	if (!starts_operand(t)) {
		if (after)
			snprintf(what, sizeof(what), "a condition after \"%s\"", after);
		else
			snprintf(what, sizeof(what), "a condition");
		return fail_expected(p, t, what);
	}
	*slot = n = node_new(N_TRUTH);
	if (parse_operand(p, &n->a, NULL) < 0)
		return -1;
	if (!(t = peek(p)))
		return -1;
	if (t->kind == T_CMP) {
		n->kind = N_CMP;
		n->op = t->op;
	} else if (t->kind == T_KW && t->kw >= KW_CONTAINS && t->kw <= KW_MATCHES) {
		n->kind = t->kw == KW_MATCHES ? N_MATCHES : N_CMP;
		n->op = t->kw == KW_CONTAINS	  ? OP_CONTAINS
			: t->kw == KW_STARTS_WITH ? OP_STARTS_WITH
			: t->kw == KW_ENDS_WITH	  ? OP_ENDS_WITH
						  : OP_MATCHES;
	} else if (t->kind == T_KW && t->kw == KW_IN) {
		take(p);
		n->kind = N_IN;
		return parse_list(p, n);
	} else if (t->kind == T_KW && t->kw == KW_IS) {
		take(p);
		return parse_is_empty(p, n);
	} else if (t->kind == T_EOF || t->kind == T_RPAREN ||
		   (t->kind == T_KW && (t->kw == KW_AND || t->kw == KW_OR))) {
		return 0; /* a bare operand: true when not empty */
	} else {
		return fail_after_condition(p, t, 1, in_parens);
	}
	snprintf(what, sizeof(what), "%.*s", (int)t->len, p->s + t->off);
	take(p);
	if (n->kind == N_MATCHES) {
		if (!(t = peek(p)))
			return -1;
		if (t->kind == T_WORD || t->kind == T_NUMBER)
			return failf(p, t->off, "\"matches\" needs a regular expression in quotes such as \"^ict-\"");
		if (parse_operand(p, &n->b, what) < 0)
			return -1;
		return regex_compile(p, n, t);
	}
	if (parse_operand(p, &n->b, what) < 0)
		return -1;
	if (n->op == OP_CONTAINS || n->op == OP_STARTS_WITH || n->op == OP_ENDS_WITH) {
		if (n->a.lit)
			n->a.folded = fold(n->a.lit);
		if (n->b.lit)
			n->b.folded = fold(n->b.lit);
	}
	return 0;
}

/* not := "not" not | cmp */
static int
parse_not(struct parser *p, struct node **slot, const char *after, int in_parens)
{
	const struct token *t = peek(p);
	int ret;

	if (!t)
		return -1;
	if (t->kind != T_KW || t->kw != KW_NOT)
		return parse_cmp(p, slot, after, in_parens);
	if (depth_enter(p, t) < 0)
		return -1;
	take(p);
	*slot = node_new(N_NOT);
	ret = parse_not(p, &(*slot)->kid, "not", in_parens);
	p->depth--;
	return ret;
}

/*
 * and := not ("and" not)*, and or := and ("or" and)*: a chain of two or more
 * becomes one node with a list of operands, so that a long chain is a wide
 * tree, not a deep one.
 */
static int
parse_chain(struct parser *p, struct node **slot, enum kw kw, const char *after, int in_parens)
{
	const struct token *t;
	struct node *n, **tail;
	int ret;

	ret = kw == KW_OR ? parse_chain(p, slot, KW_AND, after, in_parens) : parse_not(p, slot, after, in_parens);
	if (ret < 0 || !(t = peek(p)))
		return -1;
	if (t->kind != T_KW || t->kw != kw)
		return 0;
	n = node_new(kw == KW_OR ? N_OR : N_AND);
	n->kid = *slot;
	*slot = n;
	tail = &n->kid->next;
	while (t->kind == T_KW && t->kw == kw) {
		take(p);
		ret = kw == KW_OR ? parse_chain(p, tail, KW_AND, kw_names[kw], in_parens)
				  : parse_not(p, tail, kw_names[kw], in_parens);
		if (ret < 0 || !(t = peek(p)))
			return -1;
		tail = &(*tail)->next;
	}
	return 0;
}

/* expr := or, inside "(" (after is "(") or at the top (after is NULL). Returns the tree, or NULL. */
static struct node *
parse_or(struct parser *p, const char *after)
{
	struct node *n = NULL;

	if (parse_chain(p, &n, KW_OR, after, after != NULL) < 0) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* --- the API --- */

struct expr *
expr_compile(const char *text, expr_known_fn known, void *known_ctx, struct expr_error *err)
{
	struct expr_error spare;
	struct parser p = { 0 };
	const struct token *t;
	size_t bad;

	if (!err)
		err = &spare;
	memset(err, 0, sizeof(*err));
	p.s = text ? text : "";
	p.len = strnlen(p.s, EXPR_TEXT_MAX + 1);
	p.known = known;
	p.known_ctx = known_ctx;
	p.err = err;
	if (p.len > EXPR_TEXT_MAX) {
		failf(&p, EXPR_TEXT_MAX, "condition too long: more than %d bytes", EXPR_TEXT_MAX);
		return NULL;
	}
	if (text_utf8_check(p.s, p.len, &bad) < 0) {
		failf(&p, bad, "invalid UTF-8 (byte 0x%02x)", (unsigned char)p.s[bad]);
		return NULL;
	}
	p.e = xcalloc(1, sizeof(*p.e));
	if (!(t = peek(&p)))
		goto fail;
	if (t->kind == T_EOF) {
		failf(&p, t->off, "empty condition, expected one such as contract.department.code == \"ICT\"");
		goto fail;
	}
	if (!(p.e->root = parse_or(&p, NULL)) || !(t = peek(&p)))
		goto fail;
	if (t->kind != T_EOF) {
		fail_after_condition(&p, t, 0, 0);
		goto fail;
	}
	return p.e;
fail:
	expr_free(p.e);
	return NULL;
}

static const char *
value_of(const struct operand *o, expr_get_fn get, void *ctx)
{
	const char *v;

	if (!o->path)
		return o->lit;
	v = get(ctx, o->path);
	return v ? v : "";
}

/* a against b for < <= > >=: as numbers, else as dates, else bytewise. */
static int
order(const struct operand *oa, const char *a, const struct operand *ob, const char *b)
{
	double x, y;
	civil_day da, db;

	if ((oa->path ? number_of(a, &x) : (x = oa->num, oa->isnum)) &&
	    (ob->path ? number_of(b, &y) : (y = ob->num, ob->isnum)))
		return (x > y) - (x < y);
	if ((oa->path ? date_parse_iso(a, &da) == 0 : (da = oa->day, oa->isdate)) &&
	    (ob->path ? date_parse_iso(b, &db) == 0 : (db = ob->day, ob->isdate)))
		return (da > db) - (da < db);
	return strcmp(a, b); /* compares as unsigned char: bytewise */
}

/* contains, starts_with, ends_with on the case-folded values. */
static int
compare_folded(enum op op, const struct operand *oa, const char *a, const struct operand *ob, const char *b)
{
	char *fa = oa->path ? fold(a) : oa->folded;
	char *fb = ob->path ? fold(b) : ob->folded;
	size_t la = strlen(fa), lb = strlen(fb);
	int r;

	if (op == OP_CONTAINS)
		r = strstr(fa, fb) != NULL;
	else if (op == OP_STARTS_WITH)
		r = la >= lb && !memcmp(fa, fb, lb);
	else
		r = la >= lb && !memcmp(fa + la - lb, fb, lb);
	if (oa->path)
		free(fa);
	if (ob->path)
		free(fb);
	return r;
}

static int
eval_node(const struct node *n, expr_get_fn get, void *ctx)
{
	const char *a, *b;

	switch (n->kind) {
	case N_OR:
		for (const struct node *k = n->kid; k; k = k->next)
			if (eval_node(k, get, ctx))
				return 1;
		return 0;
	case N_AND:
		for (const struct node *k = n->kid; k; k = k->next)
			if (!eval_node(k, get, ctx))
				return 0;
		return 1;
	case N_NOT: return !eval_node(n->kid, get, ctx);
	case N_TRUTH: return *value_of(&n->a, get, ctx) != '\0';
	case N_EMPTY: return (*value_of(&n->a, get, ctx) == '\0') != n->negate;
	case N_IN:
		a = value_of(&n->a, get, ctx);
		for (size_t i = 0; i < n->nlist; i++)
			if (!strcmp(a, value_of(&n->list[i], get, ctx)))
				return 1;
		return 0;
	case N_MATCHES: {
		char *f = fold(value_of(&n->a, get, ctx));
		/* REG_ESPACE (no memory) counts as no match: evaluation does not fail. */
		int r = regexec(&n->re, f, 0, NULL, 0) == 0;

		free(f);
		return r;
	}
	case N_CMP: break;
	}
	a = value_of(&n->a, get, ctx);
	b = value_of(&n->b, get, ctx);
	switch (n->op) {
	case OP_EQ: return strcmp(a, b) == 0;
	case OP_NE: return strcmp(a, b) != 0;
	case OP_LT: return order(&n->a, a, &n->b, b) < 0;
	case OP_LE: return order(&n->a, a, &n->b, b) <= 0;
	case OP_GT: return order(&n->a, a, &n->b, b) > 0;
	case OP_GE: return order(&n->a, a, &n->b, b) >= 0;
	default: return compare_folded(n->op, &n->a, a, &n->b, b);
	}
}

int
expr_eval(const struct expr *e, expr_get_fn get, void *get_ctx)
{
	return eval_node(e->root, get, get_ctx);
}

size_t
expr_paths(const struct expr *e, const char *const **paths)
{
	if (paths)
		*paths = (const char *const *)e->paths;
	return e->npaths;
}

void
expr_free(struct expr *e)
{
	if (!e)
		return;
	node_free(e->root);
	for (size_t i = 0; i < e->npaths; i++)
		free(e->paths[i]);
	free(e->paths);
	free(e);
}
