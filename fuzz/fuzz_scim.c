/*
 * What the scim connector reads: an attribute path as roster.yaml names it
 * (line 1), a Retry-After header (line 2) and a provider's answer (the
 * rest) — a resource, a ListResponse or an error.
 *
 * Invariants: a path that parses formats to a text that parses again and
 * formats the same; its filter for any value is valid UTF-8 without a
 * character JSON must escape; a value read from a resource is valid UTF-8 without
 * NUL and at most SCIM_VALUE_MAX bytes; a value set at a path reads back
 * as that value (unless a term of the path's filter is the sub-attribute
 * it sets), and a value removed reads back as none; an error's detail
 * and type are printable, valid UTF-8; Retry-After is -1 or from 0 to
 * 10^9 seconds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/scim_path.h"
#include "util/text.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_scim: %s: %s\n", what, detail ? detail : "");
	abort();
}

static void
check_text(const char *what, const char *s, int printable)
{
	size_t bad;

	if (text_utf8_check(s, strlen(s), &bad) < 0)
		fail(what, "not UTF-8");
	/* 1: no control character at all; 2: none JSON must escape (0x7f may stand) */
	for (const char *p = s; printable && *p; p++)
		if ((unsigned char)*p < 0x20 || (printable == 1 && *p == 0x7f))
			fail(what, "a control character");
}

static int
sub_is_a_term(const struct scim_path *p)
{
	for (size_t i = 0; p->sub && i < p->nterms; i++)
		if (!strcasecmp(p->terms[i].attr, p->sub))
			return 1;
	return 0;
}

/* get after set: the value set, or none after a removal. */
static void
set_then_get(const struct scim_path *p, const json_t *res, const char *value)
{
	json_t *copy = json_deep_copy(res);
	struct arena a = ARENA_INIT;
	const char *v = NULL;
	int got;

	if (scim_path_set(p, copy, value) == 0 && !sub_is_a_term(p)) {
		got = scim_path_get(p, copy, &a, &v);
		if (*value && (got != 1 || strcmp(v, value)))
			fail("a value set does not read back", value);
		if (!*value && got != 0)
			fail("a value removed reads back", v);
	}
	arena_release(&a);
	json_decref(copy);
}

static void
paths(const char *text, const char *value, const json_t *res)
{
	struct scim_path p, q;
	struct buf f1 = BUF_INIT, f2 = BUF_INIT, filter = BUF_INIT;
	struct arena a = ARENA_INIT;
	char why[512];
	const char *v;
	int got;

	if (scim_path_parse(text, &p, why, sizeof(why)) < 0) {
		if (!why[0])
			fail("a refusal without a message", text);
		scim_path_release(&p);
		return;
	}
	scim_path_format(&p, 1, &f1);
	if (scim_path_parse(f1.s, &q, why, sizeof(why)) < 0)
		fail("a formatted path does not parse again", f1.s);
	scim_path_format(&q, 1, &f2);
	if (strcmp(f1.s, f2.s))
		fail("a path formats two ways", f1.s);
	scim_path_release(&q);
	scim_path_filter(&p, value, &filter);
	check_text("a filter", filter.s, 2);
	if (res) {
		got = scim_path_get(&p, res, &a, &v);
		if (got == 1) {
			check_text("a value read", v, 0);
			if (strlen(v) > SCIM_VALUE_MAX)
				fail("a value read is too long", text);
		}
		set_then_get(&p, res, value);
		set_then_get(&p, res, "");
	}
	arena_release(&a);
	buf_release(&f1);
	buf_release(&f2);
	buf_release(&filter);
	scim_path_release(&p);
}

/* The line of n bytes at d as a string (malloc'd), or NULL when it holds a NUL. */
static char *
line_of(const uint8_t *d, size_t n)
{
	char *s;

	if (memchr(d, '\0', n) || !(s = malloc(n + 1)))
		return NULL;
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl1 = memchr(data, '\n', size), *nl2, *body;
	size_t plen = nl1 ? (size_t)(nl1 - data) : size, rlen, blen, bad;
	char *path = line_of(data, plen), *retry;
	json_t *doc, *list;
	struct scim_error se;
	long wait, total;

	nl2 = nl1 ? memchr(nl1 + 1, '\n', size - plen - 1) : NULL;
	rlen = !nl1 ? 0 : nl2 ? (size_t)(nl2 - nl1 - 1) : size - plen - 1;
	retry = line_of(nl1 ? nl1 + 1 : data, rlen);
	body = nl2 ? nl2 + 1 : data + size;
	blen = size - (size_t)(body - data);

	if (retry) {
		wait = scim_retry_after(retry, 1700000000);
		if (wait < -1 || wait > 1000000000L)
			fail("Retry-After out of range", retry);
	}
	scim_error_parse((const char *)body, blen, &se);
	check_text("an error's detail", se.detail, 1);
	check_text("an error's type", se.type, 1);
	doc = json_loadb((const char *)body, blen, 0, NULL);
	if (doc) {
		scim_list_parse(doc, &list, &total);
		if (total < -1 || (list && !json_is_array(list)))
			fail("a list read wrong", NULL);
	}
	/* the value set and filtered for: the Retry-After line, when it is text */
	if (path && retry && text_utf8_check(retry, rlen, &bad) == 0)
		paths(path, retry, json_is_object(doc) ? doc : NULL);
	json_decref(doc);
	free(path);
	free(retry);
	return 0;
}
