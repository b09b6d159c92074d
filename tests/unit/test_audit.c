/*
 * Unit tests for the audit log (audit/audit.h): appending inside a vault
 * transaction only, the seq and prev_hash chain, the hash recomputed here
 * from the canonical form as audit.h documents it, reading with filters,
 * and audit_verify naming the first event that someone editing the SQLite
 * file by hand changed, removed, reordered or forged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "vault/vault.h"
#include "util/buf.h"

#include "testlib.h"

struct fixture {
	char dir[256];
	char path[512];
	struct vault *v;
	struct err e;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (tl_tmpdir_make(fx->dir, sizeof(fx->dir), "audit") < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/roster.db", fx->dir);
	err_init(&fx->e);
	fx->v = vault_open(fx->path, &fx->e);
	if (!fx->v) {
		tl_tmpdir_remove(fx->dir);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	vault_close(fx->v);
	tl_tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* Runs sql on the vault file through a connection of its own, as someone editing it by hand would. */
static void
by_hand(struct fixture *fx, const char *fmt, ...)
{
	char sql[2048];
	sqlite3 *db;
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* The number of rows in the audit table, counted by hand. */
static int
rows(struct fixture *fx)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM audit", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* --- the hash, as an auditor would compute it from audit.h --- */

/* Adds one field of canonical(event) to out (of size 8192) at *len: "<len>:<bytes>," or "-,". */
static void
canon_add(char *out, size_t *len, const char *s, size_t n)
{
	int w;

	if (!s)
		w = snprintf(out + *len, 8192 - *len, "-,");
	else
		w = snprintf(out + *len, 8192 - *len, "%zu:%.*s,", n, (int)n, s);
	assert_true(w > 0 && (size_t)w < 8192 - *len);
	*len += (size_t)w;
}

/* BLAKE2b-256 of the 32 bytes of prev_hex and then canon[0..n), as lowercase hex into out. */
static void
hash_hex(const char *prev_hex, const char *canon, size_t n, char out[AUDIT_HASH_HEX])
{
	unsigned char in[32 + 8192], h[32];

	assert_int_equal(sodium_init() < 0, 0);
	assert_int_equal(strlen(prev_hex), 64);
	assert_int_equal(sodium_hex2bin(in, 32, prev_hex, 64, NULL, NULL, NULL), 0);
	assert_true(n <= 8192);
	memcpy(in + 32, canon, n);
	crypto_generichash(h, 32, in, 32 + n, NULL, 0);
	sodium_bin2hex(out, AUDIT_HASH_HEX, h, 32);
}

/* Recomputes the hash of row seq from its stored columns (read by hand) into out; returns its stored hash. */
static const char *
recompute(struct fixture *fx, long seq, char out[AUDIT_HASH_HEX], char stored[AUDIT_HASH_HEX])
{
	char canon[8192], seqs[32];
	size_t len = 0;
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT time, actor, run, kind, target, employee_id, action, \"before\","
					    " \"after\", outcome, error, prev_hash, hash FROM audit WHERE seq = ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, seq);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(seqs, sizeof(seqs), "%ld", seq);
	canon_add(canon, &len, seqs, strlen(seqs));
	for (int i = 0; i < 11; i++)
		canon_add(canon, &len, (const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
	hash_hex((const char *)sqlite3_column_text(st, 11), canon, len, out);
	snprintf(stored, AUDIT_HASH_HEX, "%s", (const char *)sqlite3_column_text(st, 12));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return stored;
}

/* --- appending --- */

static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* An event of the tests: every string set, target and error chosen by the caller. */
static void
event_init(struct audit_event *ev, const char *employee_id, const char *target, const char *time)
{
	memset(ev, 0, sizeof(*ev));
	ev->actor = "ann";
	ev->run = "run-1";
	ev->kind = "action";
	ev->target = target;
	ev->employee_id = employee_id;
	ev->action = "create";
	ev->before = NULL;
	ev->after = "{\"uid\":\"jan.devries\"}";
	ev->outcome = "ok";
	ev->error = NULL;
	if (time)
		snprintf(ev->time, sizeof(ev->time), "%s", time);
}

static void
append_ok(struct fixture *fx, struct audit_event *ev)
{
	if (audit_append(fx->v, ev, &fx->e) < 0)
		fail_msg("audit_append: %s", fx->e.msg);
}

/*
 * Appends n events in one transaction, each different in every field a
 * test tampers with: event i is about person 10<i>, on target ldap, csv or
 * none, on day 1 + (i - 1) / 10 of January 2026; every fifth failed.
 */
static void
append_events(struct fixture *fx, int n)
{
	long last = 0;

	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	for (int i = 1; i <= n; i++) {
		struct audit_event ev;
		char id[16], time[32], actor[16], after[64];

		snprintf(id, sizeof(id), "10%02d", i);
		snprintf(time, sizeof(time), "2026-01-%02dT09:%02d:00Z", 1 + (i - 1) / 10, i % 60);
		snprintf(actor, sizeof(actor), "user%d", i);
		snprintf(after, sizeof(after), "{\"uid\":\"u%d\"}", i);
		event_init(&ev, id, i % 3 == 0 ? NULL : i % 3 == 1 ? "ldap" : "csv", time);
		ev.actor = actor;
		ev.after = after;
		if (i % 5 == 0) {
			ev.outcome = "failed";
			ev.error = "ldap://127.0.0.1:3890: server down";
		}
		append_ok(fx, &ev);
		assert_true(i == 1 || ev.seq == last + 1);
		last = ev.seq;
	}
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
}

static void
an_event_appended_in_a_transaction_gets_seq_1_and_64_zeros_as_prev_hash(void **state)
{
	struct fixture *fx = *state;
	struct audit_event ev;

	event_init(&ev, "1001", "ldap", "2026-01-05T09:00:00Z");
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	append_ok(fx, &ev);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	assert_int_equal(ev.seq, 1);
	assert_string_equal(ev.prev_hash, zeros);
	assert_int_equal(strlen(ev.hash), 64);
	assert_string_not_equal(ev.hash, zeros);
	assert_int_equal(rows(fx), 1);
}

static void
an_event_appended_outside_a_transaction_is_refused_and_nothing_is_stored(void **state)
{
	struct fixture *fx = *state;
	struct audit_event ev;

	event_init(&ev, "1001", "ldap", NULL);
	assert_int_equal(audit_append(fx->v, &ev, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_INTERNAL);
	tl_assert_contains(fx->e.msg, "inside a vault transaction");
	assert_int_equal(rows(fx), 0);
}

static void
each_event_gets_the_next_seq_and_the_hash_before_it_as_prev_hash_also_after_reopening(void **state)
{
	struct fixture *fx = *state;
	struct audit_event ev[4];

	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	for (int i = 0; i < 3; i++) {
		event_init(&ev[i], "1001", "ldap", NULL);
		append_ok(fx, &ev[i]);
	}
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	vault_close(fx->v);
	fx->v = vault_open(fx->path, &fx->e);
	assert_non_null(fx->v);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	event_init(&ev[3], "1002", NULL, NULL);
	append_ok(fx, &ev[3]);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	assert_string_equal(ev[0].prev_hash, zeros);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ev[i].seq, i + 1);
		if (i)
			assert_string_equal(ev[i].prev_hash, ev[i - 1].hash);
	}
	/* the same content at another place in the chain hashes differently */
	assert_string_not_equal(ev[0].hash, ev[1].hash);
	assert_string_not_equal(ev[1].hash, ev[2].hash);
}

static void
the_stored_hash_is_blake2b_256_of_prev_hash_and_the_canonical_form_of_audit_h(void **state)
{
	struct fixture *fx = *state;
	struct audit_event ev;
	char want[AUDIT_HASH_HEX], stored[AUDIT_HASH_HEX];

	/* values with the separators of the form in them, empty strings, NULLs, UTF-8, quotes */
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	event_init(&ev, "", "a,b:1,", "2026-01-05T09:00:00Z");
	ev.before = "{\"cn\":\"Zoë \\\"Z\\\" d'Arc\"}";
	ev.error = "-,";
	append_ok(fx, &ev);
	event_init(&ev, NULL, NULL, NULL);
	ev.action = "3:abc,";
	ev.after = NULL;
	append_ok(fx, &ev);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	append_events(fx, 12);
	for (long seq = 1; seq <= 14; seq++) {
		recompute(fx, seq, want, stored);
		assert_string_equal(stored, want);
	}
}

static void
the_example_in_audit_h_hashes_as_its_canonical_form_says(void **state)
{
	static const char canon[] =
		"1:1,20:2026-01-05T09:00:00Z,3:ann,2:r1,6:import,-,-,19:import of source hr,-,-,2:ok,-,";
	struct fixture *fx = *state;
	struct audit_event ev;
	char want[AUDIT_HASH_HEX];

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.time, sizeof(ev.time), "2026-01-05T09:00:00Z");
	ev.actor = "ann";
	ev.run = "r1";
	ev.kind = "import";
	ev.action = "import of source hr";
	ev.outcome = "ok";
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	append_ok(fx, &ev);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	hash_hex(zeros, canon, sizeof(canon) - 1, want);
	assert_string_equal(ev.hash, want);
}

static int
collect(void *ctx, const struct audit_event *ev)
{
	struct buf *b = ctx;

	buf_addf(b, "%ld %s %s %s|", ev->seq, ev->employee_id ? ev->employee_id : "NULL",
		 ev->target ? ev->target : "NULL", ev->error ? ev->error : "NULL");
	return 0;
}

static void
null_and_empty_hash_differently_and_read_back_as_they_were(void **state)
{
	struct fixture *fx = *state;
	struct audit_event a, b;
	struct buf got = BUF_INIT;

	event_init(&a, NULL, NULL, "2026-01-05T09:00:00Z");
	event_init(&b, "", "", "2026-01-05T09:00:00Z");
	a.error = NULL;
	b.error = "";
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	append_ok(fx, &a);
	vault_rollback(fx->v);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	append_ok(fx, &b);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	/* both were event 1 after 64 zeros: only NULL against "" tells them apart */
	assert_int_equal(a.seq, 1);
	assert_int_equal(b.seq, 1);
	assert_string_not_equal(a.hash, b.hash);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	append_ok(fx, &a);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	assert_int_equal(audit_read(fx->v, NULL, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "1   |2 NULL NULL NULL|");
	buf_release(&got);
}

static void
a_missing_time_is_now_in_utc_and_a_given_one_is_kept(void **state)
{
	struct fixture *fx = *state;
	struct audit_event a, b;
	int y, mo, d, h, mi, s;
	char z;

	event_init(&a, "1001", NULL, NULL);
	event_init(&b, "1001", NULL, "2024-02-29T23:59:60Z");
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	append_ok(fx, &a);
	append_ok(fx, &b);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	assert_int_equal(strlen(a.time), 20);
	assert_int_equal(sscanf(a.time, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z), 7);
	assert_true(y >= 2024);
	assert_int_equal(z, 'Z');
	assert_string_equal(b.time, "2024-02-29T23:59:60Z");
}

static void
an_event_with_a_bad_time_or_without_a_required_field_is_refused(void **state)
{
	static const char *const bad_times[] = {
		"2026-01-05",		"2026-01-05 09:00:00Z",	     "2026-02-30T09:00:00Z",
		"2026-01-05T24:00:00Z", "2026-01-05T09:00:00+01:00",
	};
	struct fixture *fx = *state;
	struct audit_event ev;

	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		event_init(&ev, "1001", NULL, bad_times[i]);
		assert_int_equal(audit_append(fx->v, &ev, &fx->e), -1);
		assert_int_equal(fx->e.class, ERR_INTERNAL);
		tl_assert_contains(fx->e.msg, bad_times[i]);
	}
	event_init(&ev, "1001", NULL, NULL);
	ev.actor = NULL;
	assert_int_equal(audit_append(fx->v, &ev, &fx->e), -1);
	tl_assert_contains(fx->e.msg, "without actor");
	event_init(&ev, "1001", NULL, NULL);
	ev.outcome = NULL;
	assert_int_equal(audit_append(fx->v, &ev, &fx->e), -1);
	tl_assert_contains(fx->e.msg, "without outcome");
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	assert_int_equal(rows(fx), 0);
}

static void
events_appended_in_a_rolled_back_transaction_leave_nothing(void **state)
{
	struct fixture *fx = *state;
	struct audit_event ev;
	struct buf got = BUF_INIT;
	size_t n = 99;

	append_events(fx, 2);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	event_init(&ev, "1003", "ldap", NULL);
	append_ok(fx, &ev);
	append_ok(fx, &ev);
	assert_int_equal(ev.seq, 4);
	vault_rollback(fx->v);
	assert_int_equal(rows(fx), 2);
	assert_int_equal(audit_verify(fx->v, &n, &fx->e), 0);
	assert_int_equal(n, 2);
	/* the next event follows event 2 as if the rolled back ones never were */
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	event_init(&ev, "1004", "ldap", NULL);
	append_ok(fx, &ev);
	assert_int_equal(vault_commit(fx->v, &fx->e), 0);
	assert_int_equal(ev.seq, 3);
	assert_int_equal(audit_read(fx->v, NULL, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "1 1001 ldap NULL|2 1002 csv NULL|3 1004 ldap NULL|");
	assert_int_equal(audit_verify(fx->v, &n, &fx->e), 0);
	assert_int_equal(n, 3);
	buf_release(&got);
}

static void
an_event_after_a_last_hash_that_is_not_hex_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct audit_event ev;

	append_events(fx, 3);
	by_hand(fx, "UPDATE audit SET hash = 'not a hash' WHERE seq = 3");
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	event_init(&ev, "1004", "ldap", NULL);
	assert_int_equal(audit_append(fx->v, &ev, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_PERMANENT);
	tl_assert_contains(fx->e.msg, "event 3: its hash is not 64 hex digits");
	vault_rollback(fx->v);
}

/* --- reading --- */

static void
reading_gives_every_event_oldest_first_with_every_field(void **state)
{
	struct fixture *fx = *state;
	struct buf got = BUF_INIT;

	append_events(fx, 6);
	assert_int_equal(audit_read(fx->v, NULL, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "1 1001 ldap NULL|2 1002 csv NULL|3 1003 NULL NULL|4 1004 ldap NULL|"
					   "5 1005 csv ldap://127.0.0.1:3890: server down|6 1006 NULL NULL|");
	buf_release(&got);
}

static int
check_fields(void *ctx, const struct audit_event *ev)
{
	char *stored = ctx;

	assert_int_equal(ev->seq, 5);
	assert_string_equal(ev->time, "2026-01-01T09:05:00Z");
	assert_string_equal(ev->actor, "user5");
	assert_string_equal(ev->run, "run-1");
	assert_string_equal(ev->kind, "action");
	assert_string_equal(ev->target, "csv");
	assert_string_equal(ev->employee_id, "1005");
	assert_string_equal(ev->action, "create");
	assert_null(ev->before);
	assert_string_equal(ev->after, "{\"uid\":\"u5\"}");
	assert_string_equal(ev->outcome, "failed");
	assert_string_equal(ev->error, "ldap://127.0.0.1:3890: server down");
	assert_int_equal(strlen(ev->prev_hash), 64);
	assert_string_equal(ev->hash, stored);
	return 0;
}

static void
a_read_event_has_every_field_as_stored(void **state)
{
	struct fixture *fx = *state;
	struct audit_filter f = { "1005", NULL, NULL };
	char want[AUDIT_HASH_HEX], stored[AUDIT_HASH_HEX];

	append_events(fx, 6);
	recompute(fx, 5, want, stored);
	assert_int_equal(audit_read(fx->v, &f, check_fields, stored, &fx->e), 0);
}

static void
reading_by_person_target_and_since_gives_only_those_and_they_combine(void **state)
{
	struct fixture *fx = *state;
	struct audit_filter by_person = { "1012", NULL, NULL }, by_target = { NULL, "ldap", NULL },
			    since = { NULL, NULL, "2026-01-03" }, both = { NULL, "csv", "2026-01-02" },
			    all = { "1004", "ldap", "2026-01-01" }, none = { "1004", "csv", NULL },
			    later = { NULL, NULL, "2026-01-04" };
	struct buf got = BUF_INIT;

	append_events(fx, 24);
	assert_int_equal(audit_read(fx->v, &by_person, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "12 1012 NULL NULL|");
	buf_reset(&got);
	assert_int_equal(audit_read(fx->v, &by_target, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "1 1001 ldap NULL|4 1004 ldap NULL|7 1007 ldap NULL|"
					   "10 1010 ldap ldap://127.0.0.1:3890: server down|13 1013 ldap NULL|"
					   "16 1016 ldap NULL|19 1019 ldap NULL|22 1022 ldap NULL|");
	buf_reset(&got);
	/* events 21..24 are on 2026-01-03, at 09:21 .. 09:24 */
	assert_int_equal(audit_read(fx->v, &since, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "21 1021 NULL NULL|22 1022 ldap NULL|23 1023 csv NULL|24 1024 NULL NULL|");
	buf_reset(&got);
	assert_int_equal(audit_read(fx->v, &both, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "11 1011 csv NULL|14 1014 csv NULL|17 1017 csv NULL|"
					   "20 1020 csv ldap://127.0.0.1:3890: server down|23 1023 csv NULL|");
	buf_reset(&got);
	assert_int_equal(audit_read(fx->v, &all, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "4 1004 ldap NULL|");
	buf_reset(&got);
	assert_int_equal(audit_read(fx->v, &none, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "");
	assert_int_equal(audit_read(fx->v, &later, collect, &got, &fx->e), 0);
	assert_string_equal(buf_str(&got), "");
	buf_release(&got);
}

static int
stop_after_two(void *ctx, const struct audit_event *ev)
{
	int *n = ctx;

	(void)ev;
	return ++*n == 2;
}

static void
a_callback_that_returns_nonzero_stops_the_read(void **state)
{
	struct fixture *fx = *state;
	int n = 0;

	append_events(fx, 5);
	assert_int_equal(audit_read(fx->v, NULL, stop_after_two, &n, &fx->e), 0);
	assert_int_equal(n, 2);
}

static void
reading_since_something_that_is_not_a_date_is_invalid_input(void **state)
{
	struct fixture *fx = *state;
	struct audit_filter f = { NULL, NULL, "05-01-2026" };
	int n = 0;

	append_events(fx, 2);
	assert_int_equal(audit_read(fx->v, &f, stop_after_two, &n, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_INVALID);
	tl_assert_contains(fx->e.msg, "\"05-01-2026\" is not a date");
	assert_int_equal(n, 0);
}

/* --- verifying --- */

static void
verify_ok(struct fixture *fx, size_t want)
{
	size_t n = 99;

	if (audit_verify(fx->v, &n, &fx->e) < 0)
		fail_msg("audit_verify: %s", fx->e.msg);
	assert_int_equal(n, want);
}

/* audit_verify fails with ERR_PERMANENT and a message that starts with want. */
static void
verify_fails_fl(struct fixture *fx, const char *want, const char *file, int line)
{
	size_t n;

	err_init(&fx->e);
	if (audit_verify(fx->v, &n, &fx->e) == 0)
		_fail(file, line);
	if (fx->e.class != ERR_PERMANENT || strncmp(fx->e.msg, want, strlen(want))) {
		print_error("verify said \"%s\" (class %d), expected \"%s…\"\n", fx->e.msg, fx->e.class, want);
		_fail(file, line);
	}
}
#define verify_fails(fx, want) verify_fails_fl((fx), (want), __FILE__, __LINE__)

static void
an_empty_log_verifies_with_0_events(void **state)
{
	verify_ok(*state, 0);
}

static void
one_event_verifies(void **state)
{
	append_events(*state, 1);
	verify_ok(*state, 1);
}

static void
many_events_over_many_transactions_verify(void **state)
{
	struct fixture *fx = *state;

	for (int i = 0; i < 10; i++)
		append_events(fx, 25);
	verify_ok(fx, 250);
	vault_close(fx->v);
	fx->v = vault_open(fx->path, &fx->e);
	assert_non_null(fx->v);
	verify_ok(fx, 250);
}

static void
a_field_changed_by_hand_is_named_as_changed_content(void **state)
{
	/* one column of event 7 each time: a value changed, NULL made "", a NULL given a value, a value made NULL */
	static const char *const edits[] = {
		"actor = 'mallory'",
		"time = '2026-01-01T09:08:00Z'",
		"run = 'run-2'",
		"kind = 'import'",
		"target = 'csv'",
		"target = ''",
		"employee_id = '1008'",
		"action = 'delete'",
		"\"before\" = '{}'",
		"\"after\" = NULL",
		"\"after\" = '{\"uid\":\"u7 \"}'",
		"outcome = 'failed'",
		"error = ''",
	};
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "CREATE TABLE intact AS SELECT * FROM audit WHERE seq = 7");
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		by_hand(fx, "UPDATE audit SET %s WHERE seq = 7", edits[i]);
		verify_fails(fx, "event 7: its hash does not match its content (changed after it was written)");
		/* put it back: the next edit starts from an intact log */
		by_hand(fx, "DELETE FROM audit WHERE seq = 7; INSERT INTO audit SELECT * FROM intact");
		verify_ok(fx, 20);
	}
}

static void
a_field_of_the_last_event_changed_by_hand_is_named(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "UPDATE audit SET outcome = 'ok', error = NULL WHERE seq = 20");
	verify_fails(fx, "event 20: its hash does not match its content");
}

static void
a_removed_event_is_named_with_the_events_around_it(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "DELETE FROM audit WHERE seq = 18");
	verify_fails(fx, "event 18 is missing (the events go from 17 to 19)");
	by_hand(fx, "DELETE FROM audit WHERE seq IN (9, 10, 11)");
	verify_fails(fx, "event 9 is missing (the events go from 8 to 12)");
}

static void
a_removed_first_event_is_named(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "DELETE FROM audit WHERE seq = 1");
	verify_fails(fx, "event 1 is missing (the events start at 2)");
}

static void
the_removed_first_event_is_named_also_when_the_rest_was_renumbered(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "DELETE FROM audit WHERE seq = 1; UPDATE audit SET seq = seq - 1");
	/* event 2, now numbered 1, does not start the chain: its prev_hash is event 1's hash */
	verify_fails(fx, "event 1: it does not start the chain (prev_hash ");
}

static void
two_events_with_their_contents_swapped_are_named_at_the_first(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (6, 13);"
		    "UPDATE audit SET (time, actor, run, kind, target, employee_id, action, \"before\", \"after\","
		    " outcome, error, prev_hash, hash) = (SELECT time, actor, run, kind, target, employee_id, action,"
		    " \"before\", \"after\", outcome, error, prev_hash, hash FROM t"
		    " WHERE t.seq = CASE audit.seq WHEN 6 THEN 13 ELSE 6 END) WHERE seq IN (6, 13)");
	verify_fails(fx, "event 6: it does not follow event 5 (prev_hash ");
}

static void
two_neighbours_renumbered_in_each_others_place_are_named_at_the_first(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "UPDATE audit SET seq = -seq WHERE seq IN (11, 12);"
		    "UPDATE audit SET seq = 12 WHERE seq = -11; UPDATE audit SET seq = 11 WHERE seq = -12");
	verify_fails(fx, "event 11: it does not follow event 10 (prev_hash ");
}

static void
a_changed_hash_column_is_named_as_such(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "UPDATE audit SET hash = '%s' WHERE seq = 9", zeros);
	verify_fails(fx,
		     "event 9: its hash was changed after it was written (event 10 follows the hash of its content");
}

static void
a_changed_hash_of_the_last_event_is_named(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "UPDATE audit SET hash = upper(hash) WHERE seq = 20");
	verify_fails(fx, "event 20: its hash does not match its content");
}

static void
a_changed_prev_hash_is_named_as_not_following(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	by_hand(fx, "UPDATE audit SET prev_hash = (SELECT hash FROM audit WHERE seq = 2) WHERE seq = 15");
	verify_fails(fx, "event 15: it does not follow event 14 (prev_hash ");
	tl_assert_contains(fx->e.msg, "the hash of event 14 is ");
}

static void
an_event_rewritten_with_its_hash_recomputed_is_named_at_the_next(void **state)
{
	struct fixture *fx = *state;
	char want[AUDIT_HASH_HEX], stored[AUDIT_HASH_HEX];

	append_events(fx, 20);
	by_hand(fx, "UPDATE audit SET actor = 'mallory' WHERE seq = 12");
	recompute(fx, 12, want, stored);
	by_hand(fx, "UPDATE audit SET hash = '%s' WHERE seq = 12", want);
	verify_fails(fx, "event 13: it does not follow event 12 (prev_hash ");
}

static void
an_event_forged_at_the_end_is_named(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 20);
	/* it follows event 20, but nobody could compute its hash without the content: garbage */
	by_hand(fx,
		"INSERT INTO audit SELECT 21, time, actor, run, kind, target, '9999', action, \"before\", \"after\","
		" outcome, error, hash, '%s' FROM audit WHERE seq = 20",
		zeros);
	verify_fails(fx, "event 21: its hash does not match its content");
	by_hand(fx, "UPDATE audit SET prev_hash = '%s' WHERE seq = 21", zeros);
	verify_fails(fx, "event 21: it does not follow event 20 (prev_hash 0000");
}

static void
an_event_numbered_0_by_hand_is_named(void **state)
{
	struct fixture *fx = *state;

	append_events(fx, 3);
	by_hand(fx, "INSERT INTO audit SELECT 0, time, actor, run, kind, target, employee_id, action, \"before\","
		    " \"after\", outcome, error, prev_hash, hash FROM audit WHERE seq = 1");
	verify_fails(fx, "event 0: roster numbers events from 1");
}

static void
events_removed_from_the_end_are_not_seen_by_the_chain_alone(void **state)
{
	struct fixture *fx = *state;

	/* why docs/audit.md says to keep the last seq and hash elsewhere */
	append_events(fx, 20);
	by_hand(fx, "DELETE FROM audit WHERE seq > 17");
	verify_ok(fx, 17);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(an_event_appended_in_a_transaction_gets_seq_1_and_64_zeros_as_prev_hash),
		T(an_event_appended_outside_a_transaction_is_refused_and_nothing_is_stored),
		T(each_event_gets_the_next_seq_and_the_hash_before_it_as_prev_hash_also_after_reopening),
		T(the_stored_hash_is_blake2b_256_of_prev_hash_and_the_canonical_form_of_audit_h),
		T(the_example_in_audit_h_hashes_as_its_canonical_form_says),
		T(null_and_empty_hash_differently_and_read_back_as_they_were),
		T(a_missing_time_is_now_in_utc_and_a_given_one_is_kept),
		T(an_event_with_a_bad_time_or_without_a_required_field_is_refused),
		T(events_appended_in_a_rolled_back_transaction_leave_nothing),
		T(an_event_after_a_last_hash_that_is_not_hex_is_refused),
		T(reading_gives_every_event_oldest_first_with_every_field),
		T(a_read_event_has_every_field_as_stored),
		T(reading_by_person_target_and_since_gives_only_those_and_they_combine),
		T(a_callback_that_returns_nonzero_stops_the_read),
		T(reading_since_something_that_is_not_a_date_is_invalid_input),
		T(an_empty_log_verifies_with_0_events),
		T(one_event_verifies),
		T(many_events_over_many_transactions_verify),
		T(a_field_changed_by_hand_is_named_as_changed_content),
		T(a_field_of_the_last_event_changed_by_hand_is_named),
		T(a_removed_event_is_named_with_the_events_around_it),
		T(a_removed_first_event_is_named),
		T(the_removed_first_event_is_named_also_when_the_rest_was_renumbered),
		T(two_events_with_their_contents_swapped_are_named_at_the_first),
		T(two_neighbours_renumbered_in_each_others_place_are_named_at_the_first),
		T(a_changed_hash_column_is_named_as_such),
		T(a_changed_hash_of_the_last_event_is_named),
		T(a_changed_prev_hash_is_named_as_not_following),
		T(an_event_rewritten_with_its_hash_recomputed_is_named_at_the_next),
		T(an_event_forged_at_the_end_is_named),
		T(an_event_numbered_0_by_hand_is_named),
		T(events_removed_from_the_end_are_not_seen_by_the_chain_alone),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
