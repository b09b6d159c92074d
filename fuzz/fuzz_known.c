/*
 * vault_known_load: the attributes column of the accounts table, a JSON
 * object of strings that roster writes, but that a person may edit by hand
 * (sqlite3 roster.db). The input is that column's value; it is put into one
 * account row of a vault in the scratch folder and loaded back. Whatever it
 * holds, the load either succeeds with an object of strings, sorted by
 * name, or fails with a message naming the account.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "vault/vault.h"
#include "scratch.h"
#include "util/banned.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vault *v;
static sqlite3 *db;
static sqlite3_stmt *put;

static _Noreturn void
fail(const char *what)
{
	fprintf(stderr, "fuzz_known: %s\n", what);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct known_account a = { 0 };
	struct account_attr attr = { "uid", "jan.devries" };
	char *path;
	struct err e;

	(void)argc;
	(void)argv;
	scratch_open("fuzz-known");
	path = scratch_path("roster.db");
	err_init(&e);
	if (!(v = vault_open(path, &e)))
		fail(e.msg);
	a.target = "directory";
	a.employee_id = "100001";
	a.seq = 1;
	a.status = ACCT_ENABLED;
	a.attrs = &attr;
	a.nattrs = 1;
	a.created = a.disabled = a.deleted = DATE_NONE;
	if (vault_account_put(v, &a, &e) < 0)
		fail(e.msg);
	/* a second connection changes the row behind the vault's back, as a person with sqlite3 would */
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE accounts SET attributes = ?1", -1, &put, NULL) != SQLITE_OK)
		fail("cannot open the vault a second time");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct known_state k;
	struct err e;
	size_t bad;
	int n;

	sqlite3_reset(put);
	if (sqlite3_bind_text(put, 1, (const char *)data, (int)size, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_step(put) != SQLITE_DONE)
		return 0; /* SQLite would not store it: nothing to read back */
	known_init(&k);
	err_init(&e);
	n = vault_known_load(v, NULL, NULL, &k, &e);
	if (n < 0) {
		if (!e.msg[0] || !strstr(e.msg, "100001"))
			fail("a failed load without a message naming the account");
		if (k.naccounts)
			fail("a failed load left accounts behind");
	} else {
		const struct known_account *a = &k.accounts[0];

		if (n != 1 || k.naccounts != 1)
			fail("one row, not one account");
		for (size_t i = 0; i < a->nattrs; i++) {
			if (text_utf8_check(a->attrs[i].name, strlen(a->attrs[i].name), &bad) ||
			    text_utf8_check(a->attrs[i].value, strlen(a->attrs[i].value), &bad))
				fail("an attribute that is not UTF-8");
			if (i && strcmp(a->attrs[i - 1].name, a->attrs[i].name) >= 0)
				fail("attributes not sorted, or a name twice");
			if (known_attr(a, a->attrs[i].name) != a->attrs[i].value)
				fail("known_attr does not find an attribute");
		}
	}
	known_release(&k);
	return 0;
}
