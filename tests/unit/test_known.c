/*
 * Unit tests for what roster knows of its targets: the accounts and
 * memberships stored in the vault (vault_known_load, vault_account_put,
 * vault_membership_put, schema migration 2) and the lookups of
 * vault/known.c over a loaded state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/known.h"
#include "vault/vault.h"

#include "testlib.h"

struct fixture {
	char dir[256];
	char path[512];
	struct vault *v;
	struct err e;
	struct known_state k; /* released by teardown, also when a test fails halfway */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (tl_tmpdir_make(fx->dir, sizeof(fx->dir), "known") < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/roster.db", fx->dir);
	err_init(&fx->e);
	known_init(&fx->k);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	vault_close(fx->v);
	known_release(&fx->k);
	tl_tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

static struct vault *
open_vault(struct fixture *fx)
{
	fx->v = vault_open(fx->path, &fx->e);
	if (!fx->v)
		fail_msg("vault_open: %s", fx->e.msg);
	return fx->v;
}

static void
close_vault(struct fixture *fx)
{
	vault_close(fx->v);
	fx->v = NULL;
}

/* Runs sql on the vault file through a connection of its own, as someone editing it by hand would. */
static void
by_hand(struct fixture *fx, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* The text of the first column of the first row of sql; "" when no row. Fills out[size]. */
static const char *
by_hand_text(struct fixture *fx, const char *sql, char *out, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	out[0] = '\0';
	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* --- building accounts --- */

/* An account as the tests write it: attrs as "name=value" up to a NULL, dates as YYYY-MM-DD or NULL. */
struct spec {
	const char *target, *employee_id;
	int seq;
	enum account_status status;
	const char *attrs[12];
	const char *created, *disabled, *deleted;
};

/* Fills a and attrs (room for 12) from sp; its strings point into sp and names (room for 12). */
static void
account_of(const struct spec *sp, struct known_account *a, struct account_attr *attrs, char names[][64])
{
	memset(a, 0, sizeof(*a));
	a->target = sp->target;
	a->employee_id = sp->employee_id;
	a->seq = sp->seq;
	a->status = sp->status;
	a->attrs = attrs;
	for (size_t i = 0; i < 12 && sp->attrs[i]; i++) {
		const char *eq = strchr(sp->attrs[i], '=');

		assert_non_null(eq);
		assert_true((size_t)(eq - sp->attrs[i]) < 64);
		snprintf(names[i], 64, "%.*s", (int)(eq - sp->attrs[i]), sp->attrs[i]);
		attrs[i].name = names[i];
		attrs[i].value = eq + 1;
		a->nattrs++;
	}
	a->created = sp->created ? tl_day(sp->created) : DATE_NONE;
	a->disabled = sp->disabled ? tl_day(sp->disabled) : DATE_NONE;
	a->deleted = sp->deleted ? tl_day(sp->deleted) : DATE_NONE;
}

static void
put_fl(struct fixture *fx, const struct spec *sp, const char *file, int line)
{
	struct known_account a;
	struct account_attr attrs[12];
	char names[12][64];

	account_of(sp, &a, attrs, names);
	if (vault_account_put(fx->v, &a, &fx->e) < 0) {
		print_error("%s:%d: vault_account_put: %s\n", file, line, fx->e.msg);
		_fail(file, line);
	}
}
#define put(fx, sp) put_fl((fx), (sp), __FILE__, __LINE__)

static void
grant_fl(struct fixture *fx, const char *target, const char *id, const char *perm, int present, const char *file,
	 int line)
{
	if (vault_membership_put(fx->v, target, id, perm, present, &fx->e) < 0) {
		print_error("%s:%d: vault_membership_put: %s\n", file, line, fx->e.msg);
		_fail(file, line);
	}
}
#define grant(fx, t, id, p) grant_fl((fx), (t), (id), (p), 1, __FILE__, __LINE__)
#define revoke(fx, t, id, p) grant_fl((fx), (t), (id), (p), 0, __FILE__, __LINE__)

/* Loads into fx->k (emptied first); fails the test on error. Returns what vault_known_load returned. */
static int
load_fl(struct fixture *fx, const char *target, const char *id, const char *file, int line)
{
	int n;

	known_release(&fx->k);
	known_init(&fx->k);
	n = vault_known_load(fx->v, target, id, &fx->k, &fx->e);
	if (n < 0) {
		print_error("%s:%d: vault_known_load: %s\n", file, line, fx->e.msg);
		_fail(file, line);
	}
	return n;
}
#define load(fx, t, id) load_fl((fx), (t), (id), __FILE__, __LINE__)

/* Fails the test unless got is the account sp describes (attributes compared by name, whatever sp's order). */
static void
assert_account_fl(const struct known_account *got, const struct spec *sp, const char *file, int line)
{
	struct known_account want;
	struct account_attr attrs[12];
	char names[12][64];

	account_of(sp, &want, attrs, names);
	if (strcmp(got->target, want.target) || strcmp(got->employee_id, want.employee_id) || got->seq != want.seq ||
	    got->status != want.status || got->created != want.created || got->disabled != want.disabled ||
	    got->deleted != want.deleted || got->nattrs != want.nattrs) {
		print_error("%s:%d: got account %s/%s seq %d %s with %zu attributes (%d %d %d), expected %s/%s seq %d "
			    "%s with %zu (%d %d %d)\n",
			    file, line, got->target, got->employee_id, got->seq, account_status_name(got->status),
			    got->nattrs, got->created, got->disabled, got->deleted, want.target, want.employee_id,
			    want.seq, account_status_name(want.status), want.nattrs, want.created, want.disabled,
			    want.deleted);
		_fail(file, line);
	}
	for (size_t i = 0; i < want.nattrs; i++) {
		const char *v = known_attr(got, want.attrs[i].name);

		if (!v || strcmp(v, want.attrs[i].value)) {
			print_error("%s:%d: %s/%s seq %d: attribute \"%s\" is \"%s\", expected \"%s\"\n", file, line,
				    got->target, got->employee_id, got->seq, want.attrs[i].name, v ? v : "(none)",
				    want.attrs[i].value);
			_fail(file, line);
		}
	}
	for (size_t i = 1; i < got->nattrs; i++)
		if (strcmp(got->attrs[i - 1].name, got->attrs[i].name) >= 0) {
			print_error("%s:%d: attributes not sorted: \"%s\" before \"%s\"\n", file, line,
				    got->attrs[i - 1].name, got->attrs[i].name);
			_fail(file, line);
		}
}
#define assert_account(got, sp) assert_account_fl((got), (sp), __FILE__, __LINE__)

static void
assert_membership_fl(const struct membership *m, const char *target, const char *id, const char *perm, const char *file,
		     int line)
{
	if (strcmp(m->target, target) || strcmp(m->employee_id, id) || strcmp(m->permission, perm)) {
		print_error("%s:%d: got membership %s/%s/%s, expected %s/%s/%s\n", file, line, m->target,
			    m->employee_id, m->permission, target, id, perm);
		_fail(file, line);
	}
}
#define assert_membership(m, t, id, p) assert_membership_fl((m), (t), (id), (p), __FILE__, __LINE__)

/* Accounts on two targets, given out of order, with every status and both kinds of dates. */
static const struct spec jan_ad = {
	.target = "ad",
	.employee_id = "1001",
	.seq = 1,
	.status = ACCT_ENABLED,
	.attrs = { "sAMAccountName=jdevries", "mail=jan@example.org", "description=" },
	.created = "2026-01-15",
};
static const struct spec emile_ad_old = {
	.target = "ad",
	.employee_id = "1002",
	.seq = 1,
	.status = ACCT_DELETED,
	.attrs = { "displayName=\xc3\x89mile de Vries", "sAMAccountName=edevries" },
	.created = "2019-03-01",
	.disabled = "2024-06-30",
	.deleted = "2024-09-30",
};
/* Non-ASCII (two, three and four bytes), quotes, a backslash, control characters and an empty value. */
static const struct spec emile_ad = {
	.target = "ad",
	.employee_id = "1002",
	.seq = 2,
	.status = ACCT_DISABLED,
	.attrs = { "sAMAccountName=edevries2", "displayName=\xc3\x89mile de Vries",
		   "title=\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", "quote=\"a\\b\"\n\ttab", "empty=" },
	.disabled = "2026-02-01",
};
static const struct spec jan_scim = { .target = "scim", .employee_id = "1001", .seq = 1, .status = ACCT_ENABLED };
static const struct spec zoe_scim = {
	.target = "scim",
	.employee_id = "0999",
	.seq = 1,
	.status = ACCT_ENABLED,
	.attrs = { "userName=zo\xc3\xab", "active=true" },
	.created = "2025-12-31",
};

static void
put_all(struct fixture *fx)
{
	put(fx, &zoe_scim);
	put(fx, &emile_ad);
	put(fx, &jan_scim);
	put(fx, &jan_ad);
	put(fx, &emile_ad_old);
}

/* --- the schema --- */

static void
a_new_vault_is_at_the_newest_schema_version(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	assert_true(vault_schema_newest() >= 3); /* accounts and memberships came with 2, audit with 3 */
	assert_int_equal(vault_schema_version(fx->v), vault_schema_newest());
}

static void
a_schema_1_vault_migrates_to_the_newest_on_open_and_keeps_its_data(void **state)
{
	struct fixture *fx = *state;
	struct snapshot_meta m[2];

	open_vault(fx);
	close_vault(fx);
	/* What roster of schema 1 left: no accounts, no memberships, and a snapshot. */
	by_hand(fx,
		"DROP TABLE accounts; DROP TABLE memberships; DROP TABLE audit; PRAGMA user_version = 1;"
		"INSERT INTO snapshots (source, taken_at, at, actor, persons, contracts, assignments, extras, summary)"
		" VALUES ('hr', '2026-01-15T10:00:00Z', '2026-01-15', 'tester', 0, 0, 0, '{}', '{}')");
	open_vault(fx);
	assert_int_equal(vault_schema_version(fx->v), vault_schema_newest());
	assert_int_equal(vault_snapshot_list(fx->v, NULL, m, 2, &fx->e), 1);
	assert_string_equal(m[0].source, "hr");
	assert_int_equal(load(fx, NULL, NULL), 0);
	put(fx, &jan_ad);
	grant(fx, "ad", "1001", "staff");
	assert_int_equal(load(fx, NULL, NULL), 1);
	assert_account(&fx->k.accounts[0], &jan_ad);
	assert_int_equal(fx->k.nmemberships, 1);
}

static void
a_failed_migration_leaves_the_vault_at_schema_version_1(void **state)
{
	struct fixture *fx = *state;
	char version[16];

	open_vault(fx);
	close_vault(fx);
	/* A table in the way of migration 2: it fails halfway and must leave nothing. */
	by_hand(fx, "DROP TABLE accounts; PRAGMA user_version = 1;");
	assert_null(vault_open(fx->path, &fx->e));
	tl_assert_contains(fx->e.msg, "migration 2: ");
	tl_assert_contains(fx->e.msg, "table memberships already exists");
	assert_string_equal(by_hand_text(fx, "PRAGMA user_version", version, sizeof(version)), "1");
	assert_string_equal(by_hand_text(fx, "SELECT count(*) FROM sqlite_schema WHERE name = 'accounts'", version,
					 sizeof(version)),
			    "0");
}

/* --- accounts --- */

static void
an_empty_vault_loads_no_accounts_and_no_memberships(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	assert_int_equal(load(fx, NULL, NULL), 0);
	assert_int_equal(load(fx, "ad", NULL), 0);
	assert_int_equal(load(fx, NULL, "1001"), 0);
	assert_int_equal(load(fx, "ad", "1001"), 0);
	assert_int_equal(fx->k.naccounts, 0);
	assert_int_equal(fx->k.nmemberships, 0);
}

static void
stored_accounts_load_back_equal_and_sorted(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	put_all(fx);
	assert_int_equal(load(fx, NULL, NULL), 5);
	assert_int_equal(fx->k.naccounts, 5);
	assert_account(&fx->k.accounts[0], &jan_ad);
	assert_account(&fx->k.accounts[1], &emile_ad_old);
	assert_account(&fx->k.accounts[2], &emile_ad);
	assert_account(&fx->k.accounts[3], &zoe_scim);
	assert_account(&fx->k.accounts[4], &jan_scim);
	assert_string_equal(known_attr(&fx->k.accounts[2], "empty"), "");
	assert_string_equal(known_attr(&fx->k.accounts[2], "quote"), "\"a\\b\"\n\ttab");
	assert_int_equal(fx->k.accounts[4].nattrs, 0);
}

static void
stored_accounts_survive_reopening(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	put_all(fx);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	close_vault(fx);
	open_vault(fx);
	assert_int_equal(load(fx, NULL, NULL), 5);
	assert_account(&fx->k.accounts[2], &emile_ad);
}

static void
attributes_are_stored_as_a_json_object_with_sorted_keys(void **state)
{
	struct fixture *fx = *state;
	char json[512];

	open_vault(fx);
	put(fx, &jan_ad);
	put(fx, &jan_scim);
	assert_string_equal(by_hand_text(fx, "SELECT attributes FROM accounts WHERE target = 'ad'", json, sizeof(json)),
			    "{\"description\":\"\",\"mail\":\"jan@example.org\",\"sAMAccountName\":\"jdevries\"}");
	assert_string_equal(
		by_hand_text(fx, "SELECT attributes FROM accounts WHERE target = 'scim'", json, sizeof(json)), "{}");
	assert_string_equal(by_hand_text(fx,
					 "SELECT status || ' ' || created || ' ' || quote(disabled) FROM accounts"
					 " WHERE target = 'ad'",
					 json, sizeof(json)),
			    "enabled 2026-01-15 NULL");
}

static void
loading_by_target_gives_only_that_target(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	put_all(fx);
	grant(fx, "ad", "1001", "staff");
	grant(fx, "scim", "1001", "everyone");
	assert_int_equal(load(fx, "scim", NULL), 2);
	assert_account(&fx->k.accounts[0], &zoe_scim);
	assert_account(&fx->k.accounts[1], &jan_scim);
	assert_int_equal(fx->k.nmemberships, 1);
	assert_membership(&fx->k.memberships[0], "scim", "1001", "everyone");
	assert_int_equal(load(fx, "ldap", NULL), 0);
	assert_int_equal(fx->k.nmemberships, 0);
}

static void
loading_by_employee_id_gives_that_person_on_every_target(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	put_all(fx);
	grant(fx, "ad", "1001", "staff");
	grant(fx, "ad", "1002", "staff");
	grant(fx, "scim", "1001", "everyone");
	assert_int_equal(load(fx, NULL, "1001"), 2);
	assert_account(&fx->k.accounts[0], &jan_ad);
	assert_account(&fx->k.accounts[1], &jan_scim);
	assert_int_equal(fx->k.nmemberships, 2);
	assert_membership(&fx->k.memberships[0], "ad", "1001", "staff");
	assert_membership(&fx->k.memberships[1], "scim", "1001", "everyone");
	assert_int_equal(load(fx, NULL, "1002"), 2);
	assert_account(&fx->k.accounts[0], &emile_ad_old);
	assert_account(&fx->k.accounts[1], &emile_ad);
}

static void
loading_by_target_and_employee_id_gives_every_seq_of_that_account(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	put_all(fx);
	grant(fx, "ad", "1002", "staff");
	grant(fx, "scim", "1002", "everyone");
	assert_int_equal(load(fx, "ad", "1002"), 2);
	assert_account(&fx->k.accounts[0], &emile_ad_old);
	assert_account(&fx->k.accounts[1], &emile_ad);
	assert_int_equal(fx->k.nmemberships, 1);
	assert_membership(&fx->k.memberships[0], "ad", "1002", "staff");
	assert_int_equal(load(fx, "scim", "1002"), 0);
	assert_int_equal(fx->k.nmemberships, 1);
	assert_int_equal(load(fx, "ad", "100"), 0);
}

static void
a_load_adds_to_what_is_there_and_sorts_the_whole(void **state)
{
	struct fixture *fx = *state;
	const struct known_account *first;

	open_vault(fx);
	put_all(fx);
	grant(fx, "scim", "1001", "everyone");
	grant(fx, "ad", "1001", "staff");
	assert_int_equal(load(fx, "scim", NULL), 2);
	assert_int_equal(vault_known_load(fx->v, "ad", NULL, &fx->k, &fx->e), 3);
	assert_int_equal(fx->k.naccounts, 5);
	assert_int_equal(fx->k.nmemberships, 2);
	assert_account(&fx->k.accounts[0], &jan_ad);
	assert_account(&fx->k.accounts[2], &emile_ad);
	assert_account(&fx->k.accounts[4], &jan_scim);
	assert_membership(&fx->k.memberships[0], "ad", "1001", "staff");
	assert_int_equal(known_accounts_of(&fx->k, "scim", "0999", &first), 1);
	assert_account(first, &zoe_scim);
}

static void
putting_the_same_target_employee_id_and_seq_replaces_the_account(void **state)
{
	struct fixture *fx = *state;
	struct spec disabled = jan_ad;

	open_vault(fx);
	put(fx, &jan_ad);
	put(fx, &jan_scim);
	disabled.status = ACCT_DISABLED;
	disabled.disabled = "2026-03-01";
	disabled.attrs[0] = "sAMAccountName=jdevries";
	disabled.attrs[1] = "description=left on 2026-02-28";
	disabled.attrs[2] = NULL;
	put(fx, &disabled);
	assert_int_equal(load(fx, NULL, NULL), 2);
	assert_account(&fx->k.accounts[0], &disabled);
	assert_null(known_attr(&fx->k.accounts[0], "mail"));
	assert_account(&fx->k.accounts[1], &jan_scim);
}

static void
a_rehire_gets_the_next_seq_beside_the_deleted_account(void **state)
{
	struct fixture *fx = *state;
	struct spec again = emile_ad;
	const struct known_account *first;

	open_vault(fx);
	put(fx, &emile_ad_old);
	put(fx, &emile_ad);
	again.seq = 3;
	again.status = ACCT_ENABLED;
	again.created = "2026-05-01";
	again.disabled = NULL;
	put(fx, &again);
	assert_int_equal(load(fx, "ad", "1002"), 3);
	assert_int_equal(known_accounts_of(&fx->k, "ad", "1002", &first), 3);
	assert_account(&first[0], &emile_ad_old);
	assert_account(&first[1], &emile_ad);
	assert_account(&first[2], &again);
}

static void
accounts_put_in_a_rolled_back_transaction_leave_nothing(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	put(fx, &jan_ad);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	put(fx, &jan_scim);
	grant(fx, "scim", "1001", "everyone");
	revoke(fx, "ad", "1001", "staff");
	/* A load inside the transaction sees what it wrote. */
	assert_int_equal(load(fx, NULL, NULL), 2);
	assert_int_equal(fx->k.nmemberships, 1);
	vault_rollback(fx->v);
	assert_int_equal(load(fx, NULL, NULL), 1);
	assert_account(&fx->k.accounts[0], &jan_ad);
	assert_int_equal(fx->k.nmemberships, 0);
}

/* What the apply stage must never hand over: refused, with nothing stored. */
static void
an_account_that_breaks_the_contract_is_refused_and_nothing_is_stored(void **state)
{
	struct fixture *fx = *state;
	struct spec bad = jan_ad;
	struct known_account a;
	struct account_attr attrs[12];
	char names[12][64];

	open_vault(fx);
	bad.attrs[1] = "mail=jan\xff@example.org";
	account_of(&bad, &a, attrs, names);
	assert_int_equal(vault_account_put(fx->v, &a, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_INTERNAL);
	tl_assert_contains(fx->e.msg, "account (target \"ad\", employee_id \"1001\", seq 1): attribute \"mail\": "
				      "expected a unique UTF-8 name and a UTF-8 value");
	bad.attrs[1] = "sAMAccountName=other";
	account_of(&bad, &a, attrs, names);
	assert_int_equal(vault_account_put(fx->v, &a, &fx->e), -1);
	tl_assert_contains(fx->e.msg, "attribute \"sAMAccountName\": expected a unique UTF-8 name");
	a.nattrs = 1;
	a.seq = 0;
	assert_int_equal(vault_account_put(fx->v, &a, &fx->e), -1);
	tl_assert_contains(fx->e.msg, "expected a seq from 1");
	a.seq = 1;
	a.created = -800000; /* before the year 1 */
	assert_int_equal(vault_account_put(fx->v, &a, &fx->e), -1);
	tl_assert_contains(fx->e.msg, "expected its dates to be DATE_NONE or days of years 1..9999");
	assert_int_equal(load(fx, NULL, NULL), 0);
	/* The cached statement is fine after a refusal. */
	a.created = DATE_NONE;
	assert_int_equal(vault_account_put(fx->v, &a, &fx->e), 0);
	assert_int_equal(load(fx, NULL, NULL), 1);
}

/* --- memberships --- */

static void
memberships_are_added_once_and_removed(void **state)
{
	struct fixture *fx = *state;
	const struct membership *first;

	open_vault(fx);
	grant(fx, "ad", "1001", "staff");
	grant(fx, "ad", "1001", "vpn");
	grant(fx, "ad", "1001", "staff"); /* again: still one */
	grant(fx, "ad", "1002", "staff");
	grant(fx, "scim", "1001", "staff");
	assert_int_equal(load(fx, NULL, NULL), 0);
	assert_int_equal(fx->k.nmemberships, 4);
	assert_int_equal(known_memberships_of(&fx->k, "ad", "1001", &first), 2);
	assert_membership(&first[0], "ad", "1001", "staff");
	assert_membership(&first[1], "ad", "1001", "vpn");
	revoke(fx, "ad", "1001", "staff");
	revoke(fx, "ad", "1001", "staff"); /* what is not there: nothing to do */
	revoke(fx, "ad", "1003", "staff");
	assert_int_equal(load(fx, NULL, NULL), 0);
	assert_int_equal(fx->k.nmemberships, 3);
	assert_int_equal(known_memberships_of(&fx->k, "ad", "1001", &first), 1);
	assert_membership(&first[0], "ad", "1001", "vpn");
	assert_int_equal(known_memberships_of(&fx->k, "scim", "1001", &first), 1);
	assert_membership(&first[0], "scim", "1001", "staff");
	assert_int_equal(known_memberships_of(&fx->k, "ad", "1002", &first), 1);
}

/* --- what a hand-edited vault holds --- */

static void
load_fails_fl(struct fixture *fx, const char *json, const char *msg, const char *file, int line)
{
	char sql[512];
	int n;

	snprintf(sql, sizeof(sql), "UPDATE accounts SET attributes = %s WHERE target = 'ad' AND seq = 2", json);
	by_hand(fx, sql);
	err_init(&fx->e);
	n = vault_known_load(fx->v, NULL, NULL, &fx->k, &fx->e);
	if (n != -1) {
		print_error("%s:%d: %s: loaded %d accounts, expected an error\n", file, line, json, n);
		_fail(file, line);
	}
	if (fx->e.class != ERR_PERMANENT) {
		print_error("%s:%d: %s: error class %d, expected ERR_PERMANENT\n", file, line, json, fx->e.class);
		_fail(file, line);
	}
	tl_assert_contains_fl(
		fx->e.msg,
		"account (target \"ad\", employee_id \"1002\", seq 2): attributes are not a JSON object of "
		"strings: ",
		file, line);
	tl_assert_contains_fl(fx->e.msg, msg, file, line);
}
#define load_fails(fx, json, msg) load_fails_fl((fx), (json), (msg), __FILE__, __LINE__)

static void
stored_attributes_that_are_not_an_object_of_strings_are_an_error_naming_the_account(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	put_all(fx);
	grant(fx, "ad", "1001", "staff");
	/* What was loaded before stays as it was after a failed load. */
	assert_int_equal(load(fx, "scim", NULL), 2);
	load_fails(fx, "'not json'", "at byte 0: expected '{', found 'n'");
	load_fails(fx, "''", "at byte 0: expected '{', found the end");
	load_fails(fx, "'[\"a\"]'", "at byte 0: expected '{', found '['");
	load_fails(fx, "'{\"mail\":1}'", "at byte 8: expected the value of an attribute (a JSON string), found '1'");
	load_fails(fx, "'{\"mail\":null}'", "expected the value of an attribute (a JSON string), found 'n'");
	load_fails(fx, "'{\"mail\":{\"x\":\"y\"}}'", "at byte 8: expected the value of an attribute");
	load_fails(fx, "'{\"mail\":[\"y\"]}'", "at byte 8: expected the value of an attribute");
	load_fails(fx, "'{mail:\"x\"}'", "at byte 1: expected an attribute name (a JSON string), found 'm'");
	load_fails(fx, "'{\"mail\" \"x\"}'", "at byte 8: expected ':' after the name \"mail\", found '\"'");
	load_fails(fx, "'{\"a\":\"x\" \"b\":\"y\"}'", "at byte 9: expected ',' or '}', found '\"'");
	load_fails(fx, "'{\"a\":\"x\",}'", "at byte 9: expected an attribute name (a JSON string), found '}'");
	load_fails(fx, "'{\"a\":\"x\"'", "at byte 8: expected ',' or '}', found the end");
	load_fails(fx, "'{\"a\":\"x'",
		   "at byte 7: expected the '\"' that ends the value of an attribute, found the end");
	load_fails(fx, "'{\"a\":\"x\"} {}'", "at byte 10: expected nothing after the object, found '{'");
	load_fails(fx, "'{\"a\":\"x\\q\"}'", "at byte 7: expected a JSON escape after '\\' in the value");
	load_fails(fx, "'{\"a\":\"x\\u00g1\"}'", "at byte 7: expected 4 hex digits after \\u");
	load_fails(fx, "'{\"a\":\"x\\u0000\"}'", "expected no \\u0000 (NUL)");
	load_fails(fx, "'{\"a\":\"\\udc00\"}'", "expected a high surrogate before the low one");
	load_fails(fx, "'{\"a\":\"\\ud83d\"}'", "expected a low surrogate after the high one");
	load_fails(fx, "'{\"a\":\"\\ud83dx\"}'", "expected a low surrogate after the high one");
	load_fails(
		fx, "'{\"a\":\"tab' || char(9) || '\"}'",
		"at byte 9: expected a control character in the value of an attribute to be escaped, found byte 0x09");
	load_fails(fx, "CAST(X'7B2261223A2278FF227D' AS TEXT)",
		   "at byte 7: expected UTF-8 in the value of an attribute, found byte 0xff");
	load_fails(fx, "CAST(X'7B2261223A2278C3227D' AS TEXT)", "at byte 7: expected UTF-8 in the value");
	load_fails(fx, "CAST(X'7B22C0AF223A2278227D' AS TEXT)", "at byte 2: expected UTF-8 in an attribute name");
	load_fails(fx, "CAST(X'7BC3A97D' AS TEXT)",
		   "at byte 1: expected an attribute name (a JSON string), found byte 0xc3");
	load_fails(fx, "'{\"b\":\"1\",\"a\":\"2\",\"b\":\"3\"}'", "expected the name \"b\" once, found it twice");
	assert_int_equal(fx->k.naccounts, 2);
	assert_int_equal(fx->k.nmemberships, 0);
	assert_account(&fx->k.accounts[0], &zoe_scim);
	/* Only what is loaded is read: the other target still loads. */
	assert_int_equal(load(fx, "scim", NULL), 2);
}

static void
stored_attributes_written_by_hand_are_read_as_json(void **state)
{
	struct fixture *fx = *state;
	const struct known_account *a;

	open_vault(fx);
	put(fx, &emile_ad);
	by_hand(fx, "UPDATE accounts SET attributes ="
		    " ' { \"z\" : \"\\u00c9mile\\/\\ud83d\\ude00\\b\\f\\n\\r\\t\\\"\\\\\" ,"
		    " \"a\":\"\\u65E5\", \"m\":\"\", \"\":\"no name\"}  '");
	assert_int_equal(load(fx, NULL, NULL), 1);
	a = &fx->k.accounts[0];
	assert_int_equal(a->nattrs, 4);
	assert_string_equal(a->attrs[0].name, "");
	assert_string_equal(a->attrs[1].name, "a");
	assert_string_equal(a->attrs[2].name, "m");
	assert_string_equal(a->attrs[3].name, "z");
	assert_string_equal(known_attr(a, "z"), "\xc3\x89mile/\xf0\x9f\x98\x80\b\f\n\r\t\"\\");
	assert_string_equal(known_attr(a, "a"), "\xe6\x97\xa5");
	assert_string_equal(known_attr(a, "m"), "");
	assert_string_equal(known_attr(a, ""), "no name");
	by_hand(fx, "UPDATE accounts SET attributes = '{ }'");
	assert_int_equal(load(fx, NULL, NULL), 1);
	assert_int_equal(fx->k.accounts[0].nattrs, 0);
}

/* The reader takes plain bytes eight at a time: whatever ends a run must be seen wherever it falls. */
static void
special_characters_anywhere_in_a_name_or_value_load_back(void **state)
{
	static const char *const specials[] = {
		"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "/", " ", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	};
	enum { NSPECIALS = sizeof(specials) / sizeof(specials[0]), NPOS = 20 };
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct fixture *fx = *state;
	struct account_attr attrs[NSPECIALS * NPOS];
	char names[NSPECIALS * NPOS][64], values[NSPECIALS * NPOS][64];
	struct known_account a = { .target = "ad",
				   .employee_id = "1001",
				   .seq = 1,
				   .status = ACCT_ENABLED,
				   .attrs = attrs,
				   .created = DATE_NONE,
				   .disabled = DATE_NONE,
				   .deleted = DATE_NONE };
	const struct known_account *got;

	open_vault(fx);
	for (int i = 0; i < NSPECIALS; i++)
		for (int pos = 0; pos < NPOS; pos++) {
			size_t n = a.nattrs++;

			snprintf(names[n], sizeof(names[n]), "%.*s%s%02d%d", pos, letters, specials[i], i, pos);
			snprintf(values[n], sizeof(values[n]), "%.*s%s%.*s", pos, letters, specials[i], 2 * NPOS - pos,
				 letters);
			attrs[n].name = names[n];
			attrs[n].value = values[n];
		}
	assert_int_equal(vault_account_put(fx->v, &a, &fx->e), 0);
	assert_int_equal(load(fx, NULL, NULL), 1);
	got = &fx->k.accounts[0];
	assert_int_equal(got->nattrs, a.nattrs);
	for (size_t n = 0; n < a.nattrs; n++) {
		const char *v = known_attr(got, names[n]);

		if (!v || strcmp(v, values[n]))
			fail_msg("attribute \"%s\" is \"%s\", expected \"%s\"", names[n], v ? v : "(none)", values[n]);
	}
	/* A raw control character (0x01, or 0x1f: the last one), wherever it falls, is found where it is. */
	for (int pos = 0; pos < NPOS; pos++) {
		char sql[256], msg[128];
		int ctl = pos % 2 ? 0x1f : 0x01;

		snprintf(sql, sizeof(sql),
			 "UPDATE accounts SET attributes = '{\"a\":\"' || substr('%s', 1, %d) || char(%d) || 'xyz\"}'",
			 letters, pos, ctl);
		by_hand(fx, sql);
		assert_int_equal(vault_known_load(fx->v, NULL, NULL, &fx->k, &fx->e), -1);
		snprintf(msg, sizeof(msg),
			 "at byte %d: expected a control character in the value of an attribute to be escaped, found "
			 "byte 0x%02x",
			 6 + pos, ctl);
		tl_assert_contains(fx->e.msg, msg);
	}
}

static void
a_stored_date_or_seq_that_is_not_one_is_an_error_naming_the_account(void **state)
{
	struct fixture *fx = *state;

	open_vault(fx);
	put(fx, &emile_ad);
	by_hand(fx, "UPDATE accounts SET created = '01-02-2026'");
	assert_int_equal(vault_known_load(fx->v, NULL, NULL, &fx->k, &fx->e), -1);
	tl_assert_contains(fx->e.msg, "account (target \"ad\", employee_id \"1002\", seq 2): created: expected a date "
				      "YYYY-MM-DD or NULL, found \"01-02-2026\"");
	by_hand(fx, "UPDATE accounts SET created = NULL, disabled = '2026-02-30'");
	assert_int_equal(vault_known_load(fx->v, NULL, NULL, &fx->k, &fx->e), -1);
	tl_assert_contains(fx->e.msg, "seq 2): disabled: expected a date YYYY-MM-DD or NULL, found \"2026-02-30\"");
	by_hand(fx, "UPDATE accounts SET disabled = NULL, seq = 'two'");
	assert_int_equal(vault_known_load(fx->v, NULL, NULL, &fx->k, &fx->e), -1);
	tl_assert_contains(
		fx->e.msg,
		"account (target \"ad\", employee_id \"1002\"): seq: expected a whole number from 1, found \"two\"");
	assert_int_equal(fx->k.naccounts, 0);
}

/* --- lookups over a loaded state (known.c) --- */

static void
lookups_find_the_first_and_last_keys_and_miss_the_ones_between(void **state)
{
	static const char *const targets[] = { "ad", "ldap", "scim" };
	static const char *const ids[] = { "1001", "1003", "1005" };
	struct fixture *fx = *state;
	struct known_state *k = &fx->k;
	const struct known_account *a;
	const struct membership *m;

	/* Every person on every target, added backwards; the middle person has two seqs. */
	for (int t = 2; t >= 0; t--)
		for (int i = 2; i >= 0; i--)
			for (int seq = i == 1 ? 2 : 1; seq >= 1; seq--) {
				struct account_attr attrs[2] = { { "uid", ids[i] }, { "cn", targets[t] } };
				struct known_account acc = {
					.target = targets[t],
					.employee_id = ids[i],
					.seq = seq,
					.status = ACCT_ENABLED,
					.attrs = attrs,
					.nattrs = 2,
					.created = DATE_NONE,
					.disabled = DATE_NONE,
					.deleted = DATE_NONE,
				};

				known_add_account(k, &acc);
				if (seq == 1) {
					known_add_membership(k, targets[t], ids[i], "b");
					known_add_membership(k, targets[t], ids[i], "a");
				}
			}
	known_sort(k);
	assert_int_equal(k->naccounts, 12);
	/* The first key, the last, and one with two seqs. */
	assert_int_equal(known_accounts_of(k, "ad", "1001", &a), 1);
	assert_ptr_equal(a, &k->accounts[0]);
	assert_int_equal(known_accounts_of(k, "scim", "1005", &a), 1);
	assert_ptr_equal(a, &k->accounts[11]);
	assert_int_equal(known_accounts_of(k, "ldap", "1003", &a), 2);
	assert_int_equal(a[0].seq, 1);
	assert_int_equal(a[1].seq, 2);
	assert_string_equal(a[1].target, "ldap");
	/* Missing: before the first, after the last, between two, a prefix, a target not there. */
	assert_int_equal(known_accounts_of(k, "ad", "1000", &a), 0);
	assert_null(a);
	assert_int_equal(known_accounts_of(k, "zz", "1001", &a), 0);
	assert_null(a);
	assert_int_equal(known_accounts_of(k, "ldap", "1002", &a), 0);
	assert_int_equal(known_accounts_of(k, "ldap", "100", &a), 0);
	assert_int_equal(known_accounts_of(k, "ldap", "10030", &a), 0);
	assert_int_equal(known_accounts_of(k, "l", "1003", &a), 0);
	assert_int_equal(known_accounts_of(k, "", "", &a), 0);

	assert_int_equal(known_memberships_of(k, "ad", "1001", &m), 2);
	assert_ptr_equal(m, &k->memberships[0]);
	assert_string_equal(m[0].permission, "a");
	assert_string_equal(m[1].permission, "b");
	assert_int_equal(known_memberships_of(k, "ldap", "1003", &m), 2);
	assert_string_equal(m[1].permission, "b");
	assert_int_equal(known_memberships_of(k, "scim", "1005", &m), 2);
	assert_ptr_equal(m + 1, &k->memberships[k->nmemberships - 1]);
	assert_int_equal(known_memberships_of(k, "scim", "1006", &m), 0);
	assert_null(m);
	assert_int_equal(known_memberships_of(k, "ab", "1001", &m), 0);

	/* Attributes: sorted on add, so the first, the last and a missing name. */
	a = &k->accounts[0];
	assert_string_equal(a->attrs[0].name, "cn");
	assert_string_equal(known_attr(a, "cn"), "ad");
	assert_string_equal(known_attr(a, "uid"), "1001");
	assert_null(known_attr(a, "a"));
	assert_null(known_attr(a, "mail"));
	assert_null(known_attr(a, "zz"));
	assert_null(known_attr(a, ""));
	/* Strings were copied into the state's arena. */
	assert_ptr_not_equal(a->target, targets[0]);
	assert_string_equal(account_status_name(ACCT_DISABLED), "disabled");
}

static void
an_empty_state_finds_nothing(void **state)
{
	struct known_state k;
	const struct known_account *a = (const void *)&k;
	const struct membership *m = (const void *)&k;

	(void)state;
	known_init(&k);
	known_sort(&k);
	assert_int_equal(known_accounts_of(&k, "ad", "1001", &a), 0);
	assert_null(a);
	assert_int_equal(known_memberships_of(&k, "ad", "1001", &m), 0);
	assert_null(m);
	known_release(&k);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_new_vault_is_at_the_newest_schema_version),
		T(a_schema_1_vault_migrates_to_the_newest_on_open_and_keeps_its_data),
		T(a_failed_migration_leaves_the_vault_at_schema_version_1),
		T(an_empty_vault_loads_no_accounts_and_no_memberships),
		T(stored_accounts_load_back_equal_and_sorted),
		T(stored_accounts_survive_reopening),
		T(attributes_are_stored_as_a_json_object_with_sorted_keys),
		T(loading_by_target_gives_only_that_target),
		T(loading_by_employee_id_gives_that_person_on_every_target),
		T(loading_by_target_and_employee_id_gives_every_seq_of_that_account),
		T(a_load_adds_to_what_is_there_and_sorts_the_whole),
		T(putting_the_same_target_employee_id_and_seq_replaces_the_account),
		T(a_rehire_gets_the_next_seq_beside_the_deleted_account),
		T(accounts_put_in_a_rolled_back_transaction_leave_nothing),
		T(an_account_that_breaks_the_contract_is_refused_and_nothing_is_stored),
		T(memberships_are_added_once_and_removed),
		T(stored_attributes_that_are_not_an_object_of_strings_are_an_error_naming_the_account),
		T(stored_attributes_written_by_hand_are_read_as_json),
		T(special_characters_anywhere_in_a_name_or_value_load_back),
		T(a_stored_date_or_seq_that_is_not_one_is_an_error_naming_the_account),
		T(lookups_find_the_first_and_last_keys_and_miss_the_ones_between),
		cmocka_unit_test(an_empty_state_finds_nothing),
	};

	return cmocka_run_group_tests_name("known", tests, NULL, NULL);
}
