/*
 * Templates as the configuration gives them: any text is compiled against a
 * fixed list of known fields (and once more accepting any path); what
 * compiles is rendered against a fixed record of non-ASCII values, one of
 * them large enough for `replace` to push a value past the limit. Every
 * filter is also applied to the input as a value, on its own.
 *
 * Invariants: an error has a message and an offset inside the text (or at
 * its end); a template's paths are distinct and known; rendering is
 * deterministic, appends, and leaves out as it was when it fails; the
 * output is valid UTF-8 (the text compiled, so it is, and so is the
 * record); a literal template renders as its text with the double braces
 * made single; ascii gives pure ASCII for valid UTF-8, and the filters that
 * look at characters give valid UTF-8 for any bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/template.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void
fail(const char *what)
{
	fprintf(stderr, "fuzz_template: %s\n", what);
	abort();
}

static const char *const known_names[] = {
	"given_name", "family_name", "family_name_full",	 "display_name", "partner_name",
	"initials",   "n",	     "contract.department.code", "big",
};
#define NKNOWN (sizeof(known_names) / sizeof(known_names[0]))

/* The record: names with every letter ascii spells, marks, white space, and 48,000 bytes of "ø". */
static const char *record[NKNOWN];
static char *big;

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

static const char *
get(void *ctx, const char *path)
{
	(void)ctx;
	for (size_t i = 0; i < NKNOWN; i++)
		if (!strcmp(path, known_names[i]))
			return record[i];
	return ""; /* any path, when compiled without known */
}

static void
setup(void)
{
	if (big)
		return;
	big = malloc(48000 + 1);
	if (!big)
		fail("out of memory");
	for (size_t i = 0; i < 48000; i += 2)
		memcpy(big + i, "\xC3\xB8", 2);
	big[48000] = '\0';
	record[0] = "Zoë Ærø-Þórður";
	record[1] = "Çelik-Łukasik ß œ đ ð ı";
	record[2] = "'t Hart-van der Meer";
	record[3] = "Zoë 't Hart-van der Meer";
	record[4] = "";
	record[5] = "E\xCC\x81.\xC2\xA0Z.";
	record[6] = "2";
	record[7] = "ICT\tＦＩＮ ﬁ ²";
	record[8] = big;
}

static int
is_utf8(const char *s, size_t n)
{
	size_t bad;

	return text_utf8_check(s, n, &bad) == 0;
}

static void
check_error(const char *text, const struct expr_error *err)
{
	size_t len = strlen(text);

	if (!err->msg[0])
		fail("an error without a message");
	if (err->offset > len)
		fail("an error offset past the end of the text");
	if (err->msg[0] >= 'A' && err->msg[0] <= 'Z')
		fail("an error message that does not start in lower case");
}

/* What a literal template renders as: its text with {{ and }} made single. */
static char *
unescape(const char *text)
{
	struct buf b = BUF_INIT;

	for (const char *p = text; *p; p++) {
		buf_addch(&b, *p);
		if ((*p == '{' || *p == '}') && p[1] == *p)
			p++;
	}
	return buf_detach(&b);
}

static void
check_template(const char *text, struct template *t, int with_known)
{
	const char *const *paths = NULL;
	size_t np = template_paths(t, &paths);
	struct buf a = BUF_INIT, b = BUF_INIT;
	int ra, rb;

	for (size_t i = 0; i < np; i++) {
		int k = 0;

		for (size_t j = 0; j < i; j++)
			if (!strcmp(paths[i], paths[j]))
				fail("template_paths lists a path twice");
		for (size_t j = 0; j < NKNOWN; j++)
			k |= !strcmp(paths[i], known_names[j]);
		if (with_known && !k)
			fail("template_paths lists a path known() refused");
	}
	if (template_is_literal(t) != (np == 0))
		fail("template_is_literal disagrees with template_paths");

	buf_adds(&a, "kept");
	ra = template_render(t, get, NULL, &a);
	rb = template_render(t, get, NULL, &b);
	if (ra != rb)
		fail("rendering twice gives another result");
	if (ra == 0) {
		if (a.len < 4 || memcmp(a.s, "kept", 4))
			fail("template_render did not append");
		if (a.len - 4 != b.len || memcmp(a.s + 4, buf_str(&b), b.len))
			fail("rendering twice gives another value");
		if (b.len > TEMPLATE_VALUE_MAX)
			fail("a value past TEMPLATE_VALUE_MAX");
		if (!is_utf8(buf_str(&b), b.len))
			fail("template_render gave invalid UTF-8");
		if (template_is_literal(t)) {
			char *want = unescape(text);

			if (strcmp(want, buf_str(&b)))
				fail("a literal template renders as something else than its text");
			free(want);
		}
	} else if (ra != -1 || a.len != 4 || strcmp(buf_str(&a), "kept")) {
		fail("a failed render changed out");
	}
	buf_release(&a);
	buf_release(&b);
}

static void
check_compile(const char *text, int with_known)
{
	struct expr_error err;
	struct template *t;

	memset(&err, 0, sizeof(err));
	t = template_compile(text, with_known ? known : NULL, NULL, &err);
	if (!t) {
		check_error(text, &err);
		return;
	}
	check_template(text, t, with_known);
	template_free(t);
}

static void
check_filters(const char *s)
{
	static const char *const charwise[] = { "lower", "upper", "ascii", "alnum", "nospace", "trim", "initials" };
	int valid = is_utf8(s, strlen(s));
	struct buf out = BUF_INIT;

	for (size_t i = 0; i < sizeof(charwise) / sizeof(charwise[0]); i++) {
		buf_reset(&out);
		if (template_filter_apply(charwise[i], NULL, NULL, s, &out) < 0)
			fail("a filter without arguments failed");
		if (!is_utf8(buf_str(&out), out.len))
			fail("a filter that looks at characters gave invalid UTF-8");
	}
	buf_reset(&out);
	if (template_filter_apply("ascii", NULL, NULL, s, &out) < 0)
		fail("ascii failed");
	for (size_t i = 0; valid && i < out.len; i++)
		if ((unsigned char)out.s[i] >= 0x80)
			fail("ascii left a byte that is not ASCII");
	buf_reset(&out);
	if (template_filter_apply("trim", NULL, NULL, s, &out) < 0)
		fail("trim failed");
	if (out.len && (out.s[0] == ' ' || out.s[out.len - 1] == ' ' || strstr(out.s, "  ")))
		fail("trim left a space at an end or two in a row");
	buf_reset(&out);
	if (template_filter_apply("first", "3", NULL, s, &out) < 0 || !is_utf8(buf_str(&out), out.len))
		fail("first:3 failed or gave invalid UTF-8");
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	setup();
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_compile(s, 1);
	check_compile(s, 0);
	check_filters(s);
	free(s);
	return 0;
}
