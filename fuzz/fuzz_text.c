/*
 * The text helpers that see header labels and values from HR files:
 * text_utf8_check (checked against utf8proc's decoder), text_fold_label (on
 * NUL-terminated copies of valid UTF-8 only, as its callers use it),
 * text_distance and text_suggest (on the lines of the input), text_trim_dup.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/text.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINES_MAX 4

static _Noreturn void
fail(const char *what)
{
	fprintf(stderr, "fuzz_text: %s\n", what);
	abort();
}

/* The offset of the first sequence utf8proc will not decode, or n. */
static size_t
utf8proc_first_bad(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);

		if (k <= 0)
			return i;
		i += (size_t)k;
	}
	return n;
}

static void
check_utf8(const uint8_t *data, size_t size)
{
	size_t bad = (size_t)-1, want = utf8proc_first_bad(data, size);
	int r = text_utf8_check((const char *)data, size, &bad);

	if (r == 0 && want != size)
		fail("text_utf8_check accepts what utf8proc rejects");
	if (r < 0 && want == size)
		fail("text_utf8_check rejects what utf8proc accepts");
	if (r < 0 && bad != want)
		fail("text_utf8_check names another offset than utf8proc");
}

static void
check_fold(const char *s)
{
	char *f = text_fold_label(s);
	size_t n, bad;

	if (!f)
		fail("text_fold_label failed on valid UTF-8");
	n = strlen(f);
	if (text_utf8_check(f, n, &bad) < 0)
		fail("text_fold_label returned invalid UTF-8");
	if (n && (f[0] == ' ' || f[n - 1] == ' '))
		fail("text_fold_label left a space at an end");
	for (size_t i = 0; i < n; i++) {
		if (f[i] == '_' || f[i] == '-' || (isspace((unsigned char)f[i]) && f[i] != ' '))
			fail("text_fold_label left a '_', '-' or white space other than ' '");
		if (f[i] == ' ' && f[i + 1] == ' ')
			fail("text_fold_label left a run of spaces");
		if (f[i] >= 'A' && f[i] <= 'Z')
			fail("text_fold_label left an upper-case ASCII letter");
	}
	free(f);
}

static void
check_trim(const char *s, size_t n)
{
	char *t = text_trim_dup(s, n);
	size_t len = strlen(t);

	if (len && (isspace((unsigned char)t[0]) || isspace((unsigned char)t[len - 1])))
		fail("text_trim_dup left white space at an end");
	free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *lines[LINES_MAX], *p;
	size_t nlines = 0, bad;

	check_utf8(data, size);
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* The label as it comes out of a header cell: checked, then folded. */
	if (text_utf8_check(s, size, &bad) == 0)
		check_fold(s);
	check_trim(s, strlen(s));
	/* The lines: a word and the candidates it may be a typo of. */
	for (p = s; nlines < LINES_MAX;) {
		char *nl = strchr(p, '\n');

		lines[nlines++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	for (size_t i = 0; i < nlines; i++) {
		/* Past 200 bytes text_distance does not compare and says 255. */
		if (strlen(lines[i]) <= 200 && text_distance(lines[i], lines[i]) != 0)
			fail("text_distance(a, a) != 0");
		for (size_t j = i + 1; j < nlines; j++) {
			unsigned d = text_distance(lines[i], lines[j]);
			size_t li = strlen(lines[i]), lj = strlen(lines[j]);

			if (d != text_distance(lines[j], lines[i]))
				fail("text_distance is not symmetric");
			if (li <= 200 && lj <= 200 && d > (li > lj ? li : lj))
				fail("text_distance is more than the longer length");
		}
	}
	if (nlines > 1) {
		const char *near = text_suggest(lines[0], (const char *const *)lines + 1, nlines - 1);
		int known = near == NULL;

		for (size_t i = 1; i < nlines; i++)
			known |= near == lines[i];
		if (!known)
			fail("text_suggest returned something that is not a candidate");
	}
	free(s);
	return 0;
}
