/*
 * Conditions as the configuration gives them: any text (up to its first NUL)
 * is compiled against a fixed list of known fields, and once more accepting
 * any path; what compiles is evaluated against a fixed record of numbers,
 * dates, empty and non-ASCII values, and against an empty one.
 *
 * Invariants: an error has a message (one line of valid UTF-8, not starting
 * with a capital) and an offset inside the text or at its end; text over
 * 4096 bytes never compiles; known only adds "unknown field" errors (any
 * other error is the same without it, and what compiles with it compiles
 * without it and reads the same paths); expr_paths gives distinct known
 * paths; evaluation gives 0 or 1, the same each time; "not (text)" is the
 * negation of text, or fails only on the length or nesting limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr.h"
#include "util/text.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX 4096

static _Noreturn void
fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_expr: %s (condition \"%.200s\")\n", what, text);
	abort();
}

static const char *const known_names[] = {
	"person.employee_id",
	"person.given_name",
	"person.family_name",
	"person.partner_name",
	"contract.department.code",
	"contract.title.name",
	"contract.fte",
	"contract.start_date",
	"contract.end_date",
	"contract.type",
	"contract.location",
	"assignment.value",
	"x",
};
#define NKNOWN (sizeof(known_names) / sizeof(known_names[0]))

/* One value per known name: numbers in several forms, dates, empty, composed and decomposed accents, ß, İ. */
static const char *const record[NKNOWN] = {
	"1001",
	"\xc3\x89mile",		  /* Émile */
	"de Vries-Stra\303\237e", /* Straße */
	"",
	"ICT",
	"Stagiair E\xcc\x81\xc3\x88 \xc4\xb0", /* E + combining acute, È, İ */
	"0.8",
	"2024-02-29",
	"",
	"employee",
	"Gen\xc3\xa8ve",
	"-12.50",
	"\xff not utf-8",
};

static int
known(void *ctx, const char *path, char *near, size_t nearlen)
{
	const char *s;

	(void)ctx;
	for (size_t i = 0; i < NKNOWN; i++)
		if (!strcmp(path, known_names[i]))
			return 1;
	s = text_suggest(path, known_names, NKNOWN);
	snprintf(near, nearlen, "%s", s ? s : "");
	return 0;
}

/* ctx NULL: the empty record. Paths not known (compiled without known) are empty. */
static const char *
get(void *ctx, const char *path)
{
	if (!ctx)
		return "";
	for (size_t i = 0; i < NKNOWN; i++)
		if (!strcmp(path, known_names[i]))
			return record[i];
	return "";
}

static void
check_error(const struct expr_error *err, const char *text, size_t len)
{
	size_t n = strnlen(err->msg, sizeof(err->msg)), bad;

	if (n == 0)
		fail("an error without a message", text);
	if (n == sizeof(err->msg))
		fail("an error message without its NUL", text);
	if (err->offset > len)
		fail("an error offset past the end of the text", text);
	if (text_utf8_check(err->msg, n, &bad) < 0)
		fail("an error message that is not UTF-8", text);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)err->msg[i] < 0x20 || err->msg[i] == 0x7F)
			fail("an error message with a control character", text);
	if (err->msg[0] >= 'A' && err->msg[0] <= 'Z')
		fail("an error message that starts with a capital", text);
}

static int
eval_checked(const struct expr *e, void *rec, const char *text)
{
	int v = expr_eval(e, get, rec);

	if (v != 0 && v != 1)
		fail("expr_eval gave neither 0 nor 1", text);
	if (expr_eval(e, get, rec) != v)
		fail("expr_eval gave another answer the second time", text);
	return v;
}

static void
check_paths(const struct expr *e, const struct expr *any, const char *text)
{
	const char *const *p, *const *q;
	size_t n = expr_paths(e, &p);

	if (expr_paths(any, &q) != n)
		fail("known changed the number of paths", text);
	for (size_t i = 0; i < n; i++) {
		int ok = 0;

		for (size_t k = 0; k < NKNOWN; k++)
			ok |= !strcmp(p[i], known_names[k]);
		if (!ok)
			fail("expr_paths gave a path known does not know", text);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p[i], p[j]))
				fail("expr_paths gave a path twice", text);
		if (strcmp(p[i], q[i]))
			fail("known changed the paths or their order", text);
	}
}

/* "not (text)" compiles to the negation, or fails on a limit only. */
static void
check_negation(const char *text, size_t len, int v_rec, int v_empty)
{
	char *neg = malloc(len + 8);
	struct expr_error err;
	struct expr *e;

	if (!neg)
		return;
	memcpy(neg, "not (", 5);
	memcpy(neg + 5, text, len);
	memcpy(neg + 5 + len, ")", 2);
	e = expr_compile(neg, known, NULL, &err);
	if (!e) {
		check_error(&err, neg, len + 6);
		if (strncmp(err.msg, "condition too long", 18) && strncmp(err.msg, "too deeply nested", 17))
			fail("not (text) fails where text compiles", text);
	} else {
		if (eval_checked(e, (void *)record, neg) == v_rec || eval_checked(e, NULL, neg) == v_empty)
			fail("not (text) is not the negation of text", text);
		expr_free(e);
	}
	free(neg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expr_error err, err_any;
	struct expr *e, *any;
	size_t len;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);

	e = expr_compile(text, known, NULL, &err);
	any = expr_compile(text, NULL, NULL, &err_any);
	if (!e)
		check_error(&err, text, len);
	if (!any)
		check_error(&err_any, text, len);
	if (len > TEXT_MAX && (e || any))
		fail("a text over 4096 bytes compiled", text);
	if (e && !any)
		fail("compiles with known but not without", text);
	if (!e && any && strncmp(err.msg, "unknown field ", 14))
		fail("an error other than an unknown field went away without known", text);
	if (!e && !any && strncmp(err.msg, "unknown field ", 14) &&
	    (err.offset != err_any.offset || strcmp(err.msg, err_any.msg)))
		fail("known changed an error other than an unknown field", text);
	if (e) {
		int v_rec, v_empty;

		check_paths(e, any, text);
		v_rec = eval_checked(e, (void *)record, text);
		v_empty = eval_checked(e, NULL, text);
		if (eval_checked(any, (void *)record, text) != v_rec || eval_checked(any, NULL, text) != v_empty)
			fail("known changed the value", text);
		check_negation(text, len, v_rec, v_empty);
	} else if (any) {
		const char *const *p;
		size_t n = expr_paths(any, &p);

		eval_checked(any, (void *)record, text);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (!strcmp(p[i], p[j]))
					fail("expr_paths gave a path twice", text);
	}
	expr_free(e);
	expr_free(any);
	free(text);
	return 0;
}
