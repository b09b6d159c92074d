/*
 * The exec connector's reading of what its program prints
 * (connector/connector_exec.h): the first byte picks the op the answer is
 * to, the rest is the program's stdout, parsed by exec_answer_parse and
 * also shown by exec_text_show as stderr would be. Whatever it holds: the
 * parse succeeds with what the op needs (a ref that fits, attributes
 * sorted, a class that apply knows) or fails with a message; the text shown
 * is valid UTF-8 without control characters, within its limit, and never
 * holds the masked secret.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/connector.h"
#include "connector/connector_exec.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void
fail(const char *what)
{
	fprintf(stderr, "fuzz_exec: %s\n", what);
	abort();
}

static void
check_account(const struct exec_account *acc)
{
	if (!acc->ref || !*acc->ref || strlen(acc->ref) >= sizeof(((struct conn_result *)0)->ref))
		fail("an account without a ref that fits");
	for (size_t i = 0; i < acc->nattrs; i++) {
		if (!acc->attrs[i].name || !*acc->attrs[i].name || !acc->attrs[i].value)
			fail("an attribute without a name or a value");
		if (i && strcmp(acc->attrs[i - 1].name, acc->attrs[i].name) >= 0)
			fail("attributes not sorted, or a name twice");
	}
	for (size_t i = 0; i < acc->npermissions; i++)
		if (!acc->permissions[i] || !*acc->permissions[i])
			fail("an empty permission");
}

static void
check_shown(const char *s, size_t n, size_t max)
{
	static const char *const masks[] = { "s3cret" };
	struct buf out = BUF_INIT;
	size_t bad;

	exec_text_show(&out, s, n, max, n & 1, masks, 1);
	if (out.len > max + strlen("…"))
		fail("the text shown is longer than its limit allows");
	if (out.len && text_utf8_check(out.s, out.len, &bad) < 0)
		fail("the text shown is not UTF-8");
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.s[i] < 0x20 || out.s[i] == 0x7F)
			fail("a control character in the text shown");
	if (out.len && strstr(out.s, "s3cret"))
		fail("the secret is shown");
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exec_answer a;
	struct err e;
	enum exec_op op;
	const char *s;

	if (!size)
		return 0;
	op = (enum exec_op)(data[0] % EXEC_NOPS);
	s = (const char *)data + 1;
	size--;
	err_init(&e);
	if (exec_answer_parse(op, s, size, &a, &e) < 0) {
		if (!e.msg[0] || e.class != ERR_PERMANENT)
			fail("a failed parse without a permanent error");
		if (a.ok || a.error || a.accounts || a.ref)
			fail("a failed parse left something behind");
	} else if (!a.ok) {
		if (!a.error || (a.class != ERR_TRANSIENT && a.class != ERR_PERMANENT && a.class != ERR_NOTFOUND &&
				 a.class != ERR_CONFLICT))
			fail("a failure without its text or a class apply knows");
	} else {
		if (op == EXEC_CREATE && !a.ref)
			fail("a create answered without a ref");
		if (a.ref && (!*a.ref || strlen(a.ref) >= sizeof(((struct conn_result *)0)->ref)))
			fail("a ref that does not fit");
		if (op == EXEC_LOOKUP && a.found)
			check_account(&a.account);
		for (size_t i = 0; i < a.naccounts; i++)
			check_account(&a.accounts[i]);
		if (a.next && !*a.next)
			fail("an empty cursor");
	}
	exec_answer_release(&a);
	check_shown(s, size, 1 + size % 700);
	return 0;
}
