/*
 * The audit log, kept in the vault's table audit (migration 3) through the
 * vault's own SQLite connection (vault/vault_int.h).
 *
 * What must hold:
 * - an event is appended only inside the caller's vault transaction, which
 *   holds the vault's write lock (BEGIN IMMEDIATE): reading the last event
 *   and inserting the next one cannot interleave with another roster, so
 *   seq has no gaps and prev_hash is always the hash of seq - 1;
 * - the hash covers every column but hash itself, in the canonical form of
 *   audit.h, so that any change to a stored event is seen by audit_verify;
 * - audit_verify trusts nothing it reads: every value is checked before it
 *   is used, and the first event that is wrong is named, with how it is.
 *
 * What the chain cannot see: events removed from the end (or all of them),
 * and a log rewritten from some event on with every hash after it
 * recomputed. docs/audit.md tells the auditor to keep the last hash
 * elsewhere for that.
 */
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/file.h"
#include "util/xalloc.h"
#include "vault/vault.h"
#include "vault/vault_int.h"
#include "util/banned.h"

#define HASH_BYTES 32
#define HASH_HEX_LEN (AUDIT_HASH_HEX - 1)

/* The fields of canonical(event), in their order; column i of SELECT_EVENT for i >= F_TIME. */
enum field_index {
	F_SEQ,
	F_TIME,
	F_ACTOR,
	F_RUN,
	F_KIND,
	F_TARGET,
	F_EMPLOYEE_ID,
	F_ACTION,
	F_BEFORE,
	F_AFTER,
	F_OUTCOME,
	F_ERROR,
	F_COUNT
};

/* One field's bytes; s NULL is SQL NULL (written "-," rather than "0:,"). */
struct field {
	const char *s;
	size_t n;
};

#define SELECT_EVENT                                                                                                   \
	"SELECT seq, time, actor, run, kind, target, employee_id, action, \"before\", \"after\", outcome, error,"      \
	" prev_hash, hash FROM audit"
#define COL_PREV_HASH 12
#define COL_HASH 13

static int
db_fail(struct vault *v, struct err *e, const char *what)
{
	sqlite3 *db = vault_sqlite(v);
	int rc = sqlite3_extended_errcode(db) & 0xff;

	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return err_set(e, ERR_TRANSIENT, "vault %s: busy: another roster is writing; try again (%s)",
			       vault_path(v), what);
	return err_set(e, rc == SQLITE_FULL ? ERR_TRANSIENT : ERR_INTERNAL, "vault %s: %s: %s", vault_path(v), what,
		       sqlite3_errmsg(db));
}

static int
crypto_ready(struct err *e)
{
	/* sodium_init is thread-safe and idempotent: 0 the first time, 1 after. */
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "audit: libsodium cannot be initialised");
	return 0;
}

/* canonical(event): each field as "<length in decimal>:<bytes>," or, when NULL, "-,". */
static void
canonical(struct buf *b, const struct field f[F_COUNT])
{
	buf_reset(b);
	for (int i = 0; i < F_COUNT; i++) {
		if (!f[i].s) {
			buf_add(b, "-,", 2);
			continue;
		}
		buf_addf(b, "%zu:", f[i].n);
		buf_add(b, f[i].s, f[i].n);
		buf_addch(b, ',');
	}
}

/* out = BLAKE2b-256(prev || canonical(f)); scratch is reused between calls. */
static void
event_hash(const unsigned char prev[HASH_BYTES], const struct field f[F_COUNT], struct buf *scratch,
	   unsigned char out[HASH_BYTES])
{
	crypto_generichash_state st;

	canonical(scratch, f);
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&st, prev, HASH_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)buf_str(scratch), scratch->len);
	crypto_generichash_final(&st, out, HASH_BYTES);
}

static void
to_hex(const unsigned char bin[HASH_BYTES], char hex[AUDIT_HASH_HEX])
{
	sodium_bin2hex(hex, AUDIT_HASH_HEX, bin, HASH_BYTES);
}

/* 0 and bin set when hex[0..n) is exactly 64 lowercase hex digits, else -1. */
static int
from_hex(const char *hex, size_t n, unsigned char bin[HASH_BYTES])
{
	if (!hex || n != HASH_HEX_LEN)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	return sodium_hex2bin(bin, HASH_BYTES, hex, n, NULL, NULL, NULL) == 0 ? 0 : -1;
}

/* 1 when t is "YYYY-MM-DDTHH:MM:SSZ" with a real date and time of day. */
static int
time_valid(const char *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	int y, mo, d, h, mi, s;

	if (strlen(t) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
			return 0;
	if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &s) != 6)
		return 0;
	return date_valid(y, mo, d) && h < 24 && mi < 60 && s < 61;
}

static int
time_now(char out[32], struct err *e)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now == (time_t)-1 || !gmtime_r(&now, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return err_set(e, ERR_INTERNAL, "audit: cannot read the clock");
	return 0;
}

static struct field
str_field(const char *s)
{
	struct field f = { s, s ? strlen(s) : 0 };

	return f;
}

int
audit_append(struct vault *v, struct audit_event *ev, struct err *e)
{
	static const char zeros[HASH_HEX_LEN + 1] = "0000000000000000000000000000000000000000000000000000000000000000";
	static const char insert[] =
		"INSERT INTO audit (seq, time, actor, run, kind, target, employee_id, action, \"before\", \"after\","
		" outcome, error, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
	const char *required[][2] = {
		{ "actor", ev->actor },	  { "run", ev->run },	      { "kind", ev->kind },
		{ "action", ev->action }, { "outcome", ev->outcome },
	};
	sqlite3_stmt *st = NULL;
	unsigned char prev[HASH_BYTES] = { 0 }, hash[HASH_BYTES];
	char when[32], prev_hex[AUDIT_HASH_HEX], hash_hex[AUDIT_HASH_HEX], seqs[32];
	struct field f[F_COUNT];
	struct buf scratch = BUF_INIT;
	sqlite3_int64 seq = 1;
	int rc, ret = -1;

	if (!vault_in_transaction(v))
		return err_set(e, ERR_INTERNAL,
			       "audit: an event is appended inside a vault transaction, not outside one");
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!required[i][1])
			return err_set(e, ERR_INTERNAL, "audit: an event without %s", required[i][0]);
	if (ev->time[0]) {
		if (!memchr(ev->time, '\0', sizeof(ev->time)) || !time_valid(ev->time))
			return err_set(e, ERR_INTERNAL, "audit: event time \"%.*s\" is not YYYY-MM-DDTHH:MM:SSZ",
				       (int)sizeof(ev->time), ev->time);
		snprintf(when, sizeof(when), "%s", ev->time);
	} else if (time_now(when, e) < 0) {
		return -1;
	}
	if (crypto_ready(e) < 0)
		return -1;

	/* The last event: its seq + 1 is ours, its hash our prev_hash. */
	memcpy(prev_hex, zeros, sizeof(zeros));
	/* (kept statements: apply appends one event per action) */
	if (!(st = vault_stmt(v, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")))
		return db_fail(v, e, "reading the last audit event");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);

		if (sqlite3_column_int64(st, 0) >= LONG_MAX) {
			err_set(e, ERR_PERMANENT, "audit: the last event's seq is %lld: no event can follow it",
				(long long)sqlite3_column_int64(st, 0));
			goto out;
		}
		seq = sqlite3_column_int64(st, 0) + 1;
		if (from_hex(h, (size_t)sqlite3_column_bytes(st, 1), prev) < 0) {
			err_set(e, ERR_PERMANENT,
				"audit: event %lld: its hash is not 64 hex digits, so no event can follow it (the log "
				"was changed; see roster audit verify)",
				(long long)(seq - 1));
			goto out;
		}
		memcpy(prev_hex, h, HASH_HEX_LEN + 1);
	} else if (rc != SQLITE_DONE) {
		db_fail(v, e, "reading the last audit event");
		goto out;
	}
	sqlite3_reset(st);
	st = NULL;

	snprintf(seqs, sizeof(seqs), "%lld", (long long)seq);
	f[F_SEQ] = str_field(seqs);
	f[F_TIME] = str_field(when);
	f[F_ACTOR] = str_field(ev->actor);
	f[F_RUN] = str_field(ev->run);
	f[F_KIND] = str_field(ev->kind);
	f[F_TARGET] = str_field(ev->target);
	f[F_EMPLOYEE_ID] = str_field(ev->employee_id);
	f[F_ACTION] = str_field(ev->action);
	f[F_BEFORE] = str_field(ev->before);
	f[F_AFTER] = str_field(ev->after);
	f[F_OUTCOME] = str_field(ev->outcome);
	f[F_ERROR] = str_field(ev->error);
	event_hash(prev, f, &scratch, hash);
	to_hex(hash, hash_hex);

	if (!(st = vault_stmt(v, insert))) {
		db_fail(v, e, "appending an audit event");
		goto out;
	}
	sqlite3_bind_int64(st, 1, seq);
	for (int i = F_TIME; i < F_COUNT; i++) {
		if (f[i].s)
			sqlite3_bind_text(st, i + 1, f[i].s, (int)f[i].n, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, i + 1);
	}
	sqlite3_bind_text(st, COL_PREV_HASH + 1, prev_hex, HASH_HEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, COL_HASH + 1, hash_hex, HASH_HEX_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(v, e, "appending an audit event");
		goto out;
	}
	ev->seq = (long)seq;
	memcpy(ev->time, when, sizeof(when));
	memcpy(ev->prev_hash, prev_hex, AUDIT_HASH_HEX);
	memcpy(ev->hash, hash_hex, AUDIT_HASH_HEX);
	ret = 0;
out:
	if (st)
		sqlite3_reset(st); /* kept by the vault: never finalized here */
	buf_release(&scratch);
	return ret;
}

/* Column i as a field: NULL stays NULL. -1 when SQLite ran out of memory converting it. */
static int
column_field(sqlite3_stmt *st, int i, struct field *f)
{
	f->s = NULL;
	f->n = 0;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return 0;
	if (!(f->s = (const char *)sqlite3_column_text(st, i)))
		return -1;
	f->n = (size_t)sqlite3_column_bytes(st, i);
	return 0;
}

/* The fields of the current row of an SELECT_EVENT statement; seqs holds 32 bytes. */
static int
row_fields(sqlite3_stmt *st, struct field f[F_COUNT], char *seqs)
{
	snprintf(seqs, 32, "%lld", (long long)sqlite3_column_int64(st, 0));
	f[F_SEQ] = str_field(seqs);
	for (int i = F_TIME; i < F_COUNT; i++)
		if (column_field(st, i, &f[i]) < 0)
			return -1;
	return 0;
}

/* Copies a fixed-size column of event seq into out[size]; an error when it does not fit. */
static int
copy_column(sqlite3_stmt *st, int col, const char *name, char *out, size_t size, struct err *e)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);

	if (n >= size || (s && memchr(s, '\0', n)))
		return err_set(e, ERR_PERMANENT,
			       "audit: event %lld: its %s is not one (%zu bytes; see roster audit verify)",
			       (long long)sqlite3_column_int64(st, 0), name, n);
	memcpy(out, s ? s : "", n);
	out[n] = '\0';
	return 0;
}

int
audit_read(struct vault *v, const struct audit_filter *f, int (*each)(void *ctx, const struct audit_event *ev),
	   void *ctx, struct err *e)
{
	sqlite3 *db = vault_sqlite(v);
	sqlite3_stmt *st = NULL;
	struct buf sql = BUF_INIT;
	civil_day day;
	int rc, ret = -1;

	if (f && f->since && date_parse_iso(f->since, &day) < 0)
		return err_set(e, ERR_INVALID, "audit: since \"%s\" is not a date (expected YYYY-MM-DD)", f->since);
	/*
	 * time is "YYYY-MM-DDTHH:MM:SSZ", so comparing it with the bare day as
	 * text is "on or after that day".
	 */
	buf_adds(&sql, SELECT_EVENT " WHERE 1");
	if (f && f->employee_id)
		buf_adds(&sql, " AND employee_id = ?1");
	if (f && f->target)
		buf_adds(&sql, " AND target = ?2");
	if (f && f->since)
		buf_adds(&sql, " AND time >= ?3");
	buf_adds(&sql, " ORDER BY seq");
	if (sqlite3_prepare_v2(db, buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
		db_fail(v, e, "reading the audit log");
		goto out;
	}
	if (f && f->employee_id)
		sqlite3_bind_text(st, 1, f->employee_id, -1, SQLITE_STATIC);
	if (f && f->target)
		sqlite3_bind_text(st, 2, f->target, -1, SQLITE_STATIC);
	if (f && f->since)
		sqlite3_bind_text(st, 3, f->since, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_event ev;
		struct field fs[F_COUNT];
		char seqs[32];

		memset(&ev, 0, sizeof(ev));
		if (row_fields(st, fs, seqs) < 0) {
			err_set(e, ERR_INTERNAL, "vault %s: reading the audit log: out of memory", vault_path(v));
			goto out;
		}
		if (copy_column(st, F_TIME, "time", ev.time, sizeof(ev.time), e) < 0 ||
		    copy_column(st, COL_PREV_HASH, "prev_hash", ev.prev_hash, sizeof(ev.prev_hash), e) < 0 ||
		    copy_column(st, COL_HASH, "hash", ev.hash, sizeof(ev.hash), e) < 0)
			goto out;
		ev.seq = (long)sqlite3_column_int64(st, 0);
		ev.actor = fs[F_ACTOR].s;
		ev.run = fs[F_RUN].s;
		ev.kind = fs[F_KIND].s;
		ev.target = fs[F_TARGET].s;
		ev.employee_id = fs[F_EMPLOYEE_ID].s;
		ev.action = fs[F_ACTION].s;
		ev.before = fs[F_BEFORE].s;
		ev.after = fs[F_AFTER].s;
		ev.outcome = fs[F_OUTCOME].s;
		ev.error = fs[F_ERROR].s;
		if (each(ctx, &ev))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(v, e, "reading the audit log");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	buf_release(&sql);
	return ret;
}

int
audit_verify(struct vault *v, size_t *nevents, struct err *e)
{
	sqlite3 *db = vault_sqlite(v);
	sqlite3_stmt *st = NULL;
	unsigned char prev[HASH_BYTES] = { 0 }, hash[HASH_BYTES];
	char prev_hex[AUDIT_HASH_HEX], hash_hex[AUDIT_HASH_HEX], seqs[32];
	struct field f[F_COUNT];
	struct buf scratch = BUF_INIT;
	sqlite3_int64 expect = 1;
	size_t n = 0;
	int rc, ret = -1;

	*nevents = 0;
	to_hex(prev, prev_hex);
	if (crypto_ready(e) < 0)
		return -1;
	if (sqlite3_prepare_v2(db, SELECT_EVENT " ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return db_fail(v, e, "reading the audit log");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 seq = sqlite3_column_int64(st, 0);
		const char *ph = (const char *)sqlite3_column_text(st, COL_PREV_HASH);
		const char *h = (const char *)sqlite3_column_text(st, COL_HASH);
		size_t phn = (size_t)sqlite3_column_bytes(st, COL_PREV_HASH);
		size_t hn = (size_t)sqlite3_column_bytes(st, COL_HASH);

		if (seq < expect) {
			/* only before the first: seq is the primary key, so rows come in rising order */
			err_set(e, ERR_PERMANENT, "event %lld: roster numbers events from 1 (the log was changed)",
				(long long)seq);
			goto out;
		}
		if (seq > expect) {
			if (expect == 1)
				err_set(e, ERR_PERMANENT, "event 1 is missing (the events start at %lld)",
					(long long)seq);
			else
				err_set(e, ERR_PERMANENT, "event %lld is missing (the events go from %lld to %lld)",
					(long long)expect, (long long)(expect - 1), (long long)seq);
			goto out;
		}
		/* The hash before (checked, so valid hex) is what prev_hash must hold. */
		if (!ph || phn != HASH_HEX_LEN || memcmp(ph, prev_hex, HASH_HEX_LEN)) {
			if (seq == 1)
				err_set(e, ERR_PERMANENT,
					"event 1: it does not start the chain (prev_hash %.64s%s, expected 64 zeros)",
					ph ? ph : "NULL", phn > HASH_HEX_LEN ? "…" : "");
			else
				err_set(e, ERR_PERMANENT,
					"event %lld: it does not follow event %lld (prev_hash %.64s%s, the hash of "
					"event %lld is %s)",
					(long long)seq, (long long)(seq - 1), ph ? ph : "NULL",
					phn > HASH_HEX_LEN ? "…" : "", (long long)(seq - 1), prev_hex);
			goto out;
		}
		if (row_fields(st, f, seqs) < 0) {
			err_set(e, ERR_INTERNAL, "vault %s: reading the audit log: out of memory", vault_path(v));
			goto out;
		}
		event_hash(prev, f, &scratch, hash);
		to_hex(hash, hash_hex);
		if (!h || hn != HASH_HEX_LEN || memcmp(h, hash_hex, HASH_HEX_LEN)) {
			/*
			 * Content changed, or the hash column? When the next
			 * event follows the hash of this one's content, the
			 * content is as written and its hash was changed.
			 */
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) == seq + 1 &&
			    sqlite3_column_bytes(st, COL_PREV_HASH) == HASH_HEX_LEN &&
			    !memcmp(sqlite3_column_text(st, COL_PREV_HASH), hash_hex, HASH_HEX_LEN))
				err_set(e, ERR_PERMANENT,
					"event %lld: its hash was changed after it was written (event %lld follows the "
					"hash of its content, %s)",
					(long long)seq, (long long)(seq + 1), hash_hex);
			else
				err_set(e, ERR_PERMANENT,
					"event %lld: its hash does not match its content (changed after it was written)",
					(long long)seq);
			goto out;
		}
		memcpy(prev, hash, HASH_BYTES);
		memcpy(prev_hex, hash_hex, AUDIT_HASH_HEX);
		expect = seq + 1;
		n++;
	}
	if (rc != SQLITE_DONE) {
		db_fail(v, e, "reading the audit log");
		goto out;
	}
	ret = 0;
out:
	*nevents = n;
	sqlite3_finalize(st);
	buf_release(&scratch);
	return ret;
}

int
audit_config(struct vault *v, const char *path, const char *actor, const char *run, struct err *e)
{
	sqlite3 *db = vault_sqlite(v);
	sqlite3_stmt *st = NULL;
	unsigned char h[32];
	char hex[65], *last = NULL, *after = NULL;
	size_t len;
	char *text = file_read(path, (size_t)64 << 20, &len, e);
	json_t *j;
	int ret = -1;

	if (!text)
		return -1;
	if (crypto_ready(e) < 0) {
		free(text);
		return -1;
	}
	crypto_generichash(h, sizeof(h), (const unsigned char *)text, len, NULL, 0);
	free(text);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	j = json_pack("{s:s, s:s}", "file", path, "blake2b", hex);
	after = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!after)
		return err_set(e, ERR_INVALID, "%s: the configuration's path is not UTF-8", path);
	if (sqlite3_prepare_v2(db, "SELECT after FROM audit WHERE kind = 'config' ORDER BY seq DESC LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK) {
		db_fail(v, e, "reading the last configuration event");
		goto out;
	}
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if (sqlite3_column_text(st, 0))
			last = xstrdup((const char *)sqlite3_column_text(st, 0));
		break;
	case SQLITE_DONE: break;
	default: db_fail(v, e, "reading the last configuration event"); goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (last && strstr(last, hex)) {
		ret = 0; /* the same configuration as last time */
		goto out;
	}
	{
		struct audit_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.actor = actor;
		ev.run = run;
		ev.kind = "config";
		ev.action = last ? "configuration changed" : "configuration first used";
		ev.before = last;
		ev.after = after;
		ev.outcome = "ok";
		if (vault_begin(v, e) < 0)
			goto out;
		if (audit_append(v, &ev, e) < 0 || vault_commit(v, e) < 0) {
			vault_rollback(v);
			goto out;
		}
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	free(last);
	free(after);
	return ret;
}
