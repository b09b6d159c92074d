/*
 * Lua chunks as the configuration gives them: any text (up to its first
 * NUL) is compiled in a fresh sandbox and, when it compiles, called once
 * with a fixed record of non-ASCII, empty and long values; then a canary
 * chunk is called in the same sandbox.
 *
 * Invariants: no crash, no hang and no memory past the limits (the
 * sandbox's own); a compile error is ERR_CONFIG and a call error
 * ERR_INVALID, each one line of valid UTF-8 that starts with the chunk's
 * name (and the person's label); a result is valid UTF-8 without NUL, at
 * most LUASANDBOX_RESULT_MAX bytes, appended after what out held, and a failed
 * call leaves out as it was; after any error the canary still gives its
 * answer, and Lua's memory is back where it was after compiling.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/luasandbox.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/text.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "target fuzz, attribute description"
#define WHO "person 1001 (\xc3\x89mile de Vries)"
#define CANARY "return person.given_name .. '|' .. contract.title.name .. '|' .. tostring(account.nope)"
#define CANARY_GIVES "\xc3\x89mile|Stagiair E\xcc\x81 \xc4\xb0|nil"
/* What Lua may keep after a collection that it did not keep before: a few cached call frames. */
#define MEMORY_SLACK 16384

static _Noreturn void
fail(const char *what, const char *text, const char *msg)
{
	fprintf(stderr, "fuzz_lua: %s (chunk \"%.200s\"): %.300s\n", what, text, msg ? msg : "");
	abort();
}

static const char *const fields[][3] = {
	{ "person", "employee_id", "1001" },
	{ "person", "given_name", "\xc3\x89mile" }, /* Émile */
	{ "person", "family_name",
	  "de Vries-Stra\xc3\x9f"
	  "e" }, /* Straße */
	{ "person", "partner_name", "" },
	{ "person", "display_name", "\xc3\x89mile de Vries" },
	{ "contract", "department.code", "ICT" },
	{ "contract", "department.name", "Gen\xc3\xa8ve & co" },
	{ "contract", "title.code", "" },
	{ "contract", "title.name", "Stagiair E\xcc\x81 \xc4\xb0" }, /* E + combining acute, İ */
	{ "contract", "fte", "0.8" },
	{ "contract", "start_date", "2024-02-29" },
	{ "account", "uid", "evries" },
	{ "account", "mail", "emile@example.org" },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* A long value, for string functions to chew on. */
static char big[4097];

static const char *
get(void *ctx, const char *table, const char *field)
{
	(void)ctx;
	if (!strcmp(table, "person") && !strcmp(field, "notes"))
		return big;
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i][0], table) && !strcmp(fields[i][1], field))
			return fields[i][2];
	return NULL;
}

/* An error message: not empty, one line of valid UTF-8, starting with prefix. */
static void
check_message(const struct err *e, const char *prefix, const char *text)
{
	size_t n = strnlen(e->msg, sizeof(e->msg)), bad;

	if (n == 0 || n == sizeof(e->msg))
		fail("an error without a message or its NUL", text, NULL);
	if (strncmp(e->msg, prefix, strlen(prefix)))
		fail("an error message that does not start with the name", text, e->msg);
	if (text_utf8_check(e->msg, n, &bad) < 0)
		fail("an error message that is not UTF-8", text, e->msg);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)e->msg[i] < 0x20 || e->msg[i] == 0x7F)
			fail("an error message with a control character", text, e->msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct luasandbox *sb;
	struct buf out = BUF_INIT;
	struct err e;
	char *text = malloc(size + 1);
	size_t base, bad;
	int idx, canary;

	if (!text)
		return 0;
	if (!big[0])
		memset(big, 'x', sizeof(big) - 1);
	memcpy(text, data, size);
	text[size] = '\0';
	sb = luasandbox_new();
	if (!sb)
		fail("luasandbox_new failed", text, NULL);
	err_init(&e);
	canary = luasandbox_compile(sb, "canary", CANARY, &e);
	if (canary != 0)
		fail("the canary does not compile", text, e.msg);

	idx = luasandbox_compile(sb, NAME, text, &e);
	if (idx < 0) {
		if (e.class != ERR_CONFIG)
			fail("a compile error that is not ERR_CONFIG", text, e.msg);
		check_message(&e, NAME ": ", text);
	} else {
		if (idx != 1)
			fail("the second chunk is not number 1", text, NULL);
		base = luasandbox_memory_used(sb);
		buf_adds(&out, "before");
		err_init(&e);
		if (luasandbox_call(sb, idx, get, NULL, WHO, &out, &e) < 0) {
			if (e.class != ERR_INVALID)
				fail("a call error that is not ERR_INVALID", text, e.msg);
			check_message(&e, NAME ": " WHO ": ", text);
			if (strcmp(buf_str(&out), "before"))
				fail("a failed call changed out", text, e.msg);
		} else {
			if (out.len < 6 || memcmp(out.s, "before", 6))
				fail("a call did not append", text, NULL);
			if (out.len - 6 > LUASANDBOX_RESULT_MAX)
				fail("a result over LUASANDBOX_RESULT_MAX", text, NULL);
			if (memchr(out.s, '\0', out.len))
				fail("a result with a NUL", text, NULL);
			if (text_utf8_check(out.s, out.len, &bad) < 0)
				fail("a result that is not UTF-8", text, NULL);
		}
		buf_reset(&out);
		err_init(&e);
		if (luasandbox_call(sb, canary, get, NULL, WHO, &out, &e) < 0)
			fail("the canary fails after the chunk", text, e.msg);
		if (strcmp(buf_str(&out), CANARY_GIVES))
			fail("the canary gives something else after the chunk", text, buf_str(&out));
		if (luasandbox_memory_used(sb) > base + MEMORY_SLACK)
			fail("Lua's memory grew over a call", text, NULL);
	}
	buf_release(&out);
	luasandbox_free(sb);
	free(text);
	return 0;
}
