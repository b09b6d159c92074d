/*
 * The SQLite vault. One file in WAL mode, synchronous=FULL: a committed
 * import survives a power cut, and an interrupted one leaves nothing behind
 * (the transaction is rolled back from the journal on the next open).
 *
 * Current state lives in persons, contracts and assignments; a record that
 * left the feed is kept with removed_in set (the snapshot that removed it),
 * so history can answer "when was she last seen" and a return is a rehire.
 *
 * What roster made on its targets lives in accounts and memberships, written
 * by the apply stage one row at a time and read whole by the plan.
 */
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "vault/vault_int.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/file.h"
#include "util/testhook.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct vault {
	sqlite3 *db;
	char *path;
	int in_tx;
	/*
	 * The statements of vault_account_put and vault_membership_put, prepared
	 * on first use and kept until vault_close: the apply stage calls them
	 * once per account, 300,000 times on a first run.
	 */
	sqlite3_stmt *account_put, *membership_add, *membership_remove;
	/* vault_stmt's statements, by their SQL text */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cached[8];
};

/*
 * Numbered migrations: migration i takes the schema from version i to i+1.
 * Never edit one that has shipped; add the next.
 */
static const char *const migrations[] = {
	/* 1: snapshots of the HR data and the changes between them */
	"CREATE TABLE snapshots ("
	"  id INTEGER PRIMARY KEY,"
	"  source TEXT NOT NULL,"
	"  taken_at TEXT NOT NULL,"
	"  at TEXT NOT NULL,"
	"  forced INTEGER NOT NULL DEFAULT 0,"
	"  actor TEXT NOT NULL,"
	"  persons INTEGER NOT NULL,"
	"  contracts INTEGER NOT NULL,"
	"  assignments INTEGER NOT NULL,"
	"  extras TEXT NOT NULL,"
	"  summary TEXT NOT NULL"
	");"
	"CREATE INDEX snapshots_source ON snapshots(source, id);"
	"CREATE TABLE persons ("
	"  employee_id TEXT PRIMARY KEY,"
	"  source TEXT NOT NULL,"
	"  given_name TEXT NOT NULL, initials TEXT NOT NULL, family_name_prefix TEXT NOT NULL,"
	"  family_name TEXT NOT NULL, partner_name_prefix TEXT NOT NULL, partner_name TEXT NOT NULL,"
	"  name_convention TEXT NOT NULL, email_private TEXT NOT NULL, phone TEXT NOT NULL,"
	"  manager_id TEXT NOT NULL,"
	"  extra TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  removed_in INTEGER"
	") WITHOUT ROWID;"
	"CREATE TABLE contracts ("
	"  contract_id TEXT PRIMARY KEY,"
	"  employee_id TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  start_date TEXT NOT NULL, end_date TEXT NOT NULL,"
	"  department_code TEXT NOT NULL, department_name TEXT NOT NULL,"
	"  title_code TEXT NOT NULL, title_name TEXT NOT NULL,"
	"  cost_center TEXT NOT NULL, location TEXT NOT NULL, fte TEXT NOT NULL, type TEXT NOT NULL,"
	"  manager_id TEXT NOT NULL,"
	"  extra TEXT NOT NULL,"
	"  removed_in INTEGER"
	") WITHOUT ROWID;"
	"CREATE INDEX contracts_person ON contracts(employee_id);"
	"CREATE TABLE assignments ("
	"  employee_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, start_date TEXT NOT NULL,"
	"  end_date TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  extra TEXT NOT NULL,"
	"  removed_in INTEGER,"
	"  PRIMARY KEY (employee_id, kind, value, start_date)"
	") WITHOUT ROWID;"
	"CREATE TABLE changes ("
	"  snapshot INTEGER NOT NULL,"
	"  employee_id TEXT NOT NULL,"
	"  kinds TEXT NOT NULL,"
	"  details TEXT NOT NULL,"
	"  PRIMARY KEY (snapshot, employee_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE problems ("
	"  snapshot INTEGER NOT NULL,"
	"  level TEXT NOT NULL,"
	"  message TEXT NOT NULL"
	");",
	/*
	 * 2: what roster made on its targets (vault/known.h). attributes is a JSON
	 * object of strings with its keys sorted; the dates are YYYY-MM-DD or NULL.
	 */
	"CREATE TABLE accounts ("
	"  target TEXT NOT NULL,"
	"  employee_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('enabled','disabled','deleted')),"
	"  attributes TEXT NOT NULL,"
	"  created TEXT,"
	"  disabled TEXT,"
	"  deleted TEXT,"
	"  PRIMARY KEY (target, employee_id, seq)"
	") WITHOUT ROWID;"
	"CREATE TABLE memberships ("
	"  target TEXT NOT NULL,"
	"  employee_id TEXT NOT NULL,"
	"  permission TEXT NOT NULL,"
	"  PRIMARY KEY (target, employee_id, permission)"
	") WITHOUT ROWID;"
	/* one person's accounts on every target (plan --person, person --explain) */
	"CREATE INDEX accounts_person ON accounts (employee_id);"
	"CREATE INDEX memberships_person ON memberships (employee_id);",
	/*
	 * 3: the connector's own name for an account (a DN, a SCIM id; NULL when
	 * it has none), and the audit log (audit/audit.h): one row per event,
	 * chained by hashes.
	 */
	"ALTER TABLE accounts ADD COLUMN ref TEXT;"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  time TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  run TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  target TEXT,"
	"  employee_id TEXT,"
	"  action TEXT NOT NULL,"
	"  before TEXT,"
	"  after TEXT,"
	"  outcome TEXT NOT NULL,"
	"  error TEXT,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL"
	");"
	"CREATE INDEX audit_person ON audit (employee_id);",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

sqlite3 *
vault_sqlite(struct vault *v)
{
	return v->db;
}

const char *
vault_path(const struct vault *v)
{
	return v->path;
}

int
vault_in_transaction(const struct vault *v)
{
	return v->in_tx;
}

sqlite3_stmt *
vault_stmt(struct vault *v, const char *sql)
{
	size_t i, n = sizeof(v->cached) / sizeof(v->cached[0]);

	for (i = 0; i < n && v->cached[i].sql; i++)
		if (v->cached[i].sql == sql || !strcmp(v->cached[i].sql, sql)) {
			sqlite3_reset(v->cached[i].st);
			sqlite3_clear_bindings(v->cached[i].st);
			return v->cached[i].st;
		}
	if (i == n)
		BUG("vault_stmt: more than %zu statements kept", n);
	if (sqlite3_prepare_v3(v->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &v->cached[i].st, NULL) != SQLITE_OK)
		return NULL;
	v->cached[i].sql = sql;
	return v->cached[i].st;
}

int
vault_schema_newest(void)
{
	return NMIGRATIONS;
}

static int
db_err(struct vault *v, struct err *e, const char *what)
{
	int rc = sqlite3_extended_errcode(v->db);
	enum err_class class = ERR_INTERNAL;

	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return err_set(e, ERR_TRANSIENT, "vault %s: busy: another roster is writing; try again (%s)", v->path,
			       what);
	if ((rc & 0xff) == SQLITE_FULL)
		class = ERR_TRANSIENT;
	return err_set(e, class, "vault %s: %s: %s", v->path, what, sqlite3_errmsg(v->db));
}

static int
exec(struct vault *v, const char *sql, struct err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(v->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, ERR_INTERNAL, "vault %s: %s", v->path, msg ? msg : sqlite3_errmsg(v->db));
		sqlite3_free(msg);
		if ((sqlite3_extended_errcode(v->db) & 0xff) == SQLITE_BUSY)
			e->class = ERR_TRANSIENT;
		return -1;
	}
	return 0;
}

static int
migrate(struct vault *v, struct err *e)
{
	sqlite3_stmt *st;
	int version = 0;

	if (sqlite3_prepare_v2(v->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(v, e, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > NMIGRATIONS)
		return err_set(e, ERR_PERMANENT,
			       "vault %s: schema version %d is newer than this roster knows (%d); use a newer roster",
			       v->path, version, NMIGRATIONS);
	for (; version < NMIGRATIONS; version++) {
		char pragma[64];

		if (exec(v, "BEGIN IMMEDIATE", e) < 0)
			return -1;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
		if (exec(v, migrations[version], e) < 0 || exec(v, pragma, e) < 0) {
			exec(v, "ROLLBACK", NULL);
			return err_prefix(e, "migration %d", version + 1);
		}
		if (exec(v, "COMMIT", e) < 0)
			return -1;
	}
	return 0;
}

struct vault *
vault_open(const char *location, struct err *e)
{
	struct vault *v;
	char *dir;

	if (!strncmp(location, "postgresql://", 13) || !strncmp(location, "postgres://", 11)) {
		err_set(e, ERR_CONFIG,
			"vault %s: the PostgreSQL vault is not available yet (expected a path to an SQLite file)",
			location);
		return NULL;
	}
	/*
	 * roster keeps each connection on one thread, and nobody reads SQLite's
	 * memory statistics: both would cost a mutex on every allocation.
	 */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	dir = file_dirname(location);
	if (file_mkdirs(dir, e) < 0) {
		free(dir);
		return NULL;
	}
	free(dir);
	v = xcalloc(1, sizeof(*v));
	v->path = xstrdup(location);
	if (sqlite3_open_v2(location, &v->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		err_set(e, ERR_INTERNAL, "vault %s: cannot open: %s", location,
			v->db ? sqlite3_errmsg(v->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(v->db, 10000);
	sqlite3_extended_result_codes(v->db, 1);
	/* A large cache keeps a 100,000-person import from spilling pages to the WAL mid-transaction. */
	if (exec(v, "PRAGMA journal_mode = WAL", e) < 0 || exec(v, "PRAGMA synchronous = FULL", e) < 0 ||
	    exec(v, "PRAGMA cache_size = -131072", e) < 0 || exec(v, "PRAGMA foreign_keys = ON", e) < 0)
		goto fail;
	if (migrate(v, e) < 0)
		goto fail;
	return v;
fail:
	vault_close(v);
	return NULL;
}

void
vault_close(struct vault *v)
{
	if (!v)
		return;
	if (v->in_tx)
		vault_rollback(v);
	/* sqlite3_close refuses to close (and leaks) a connection with statements left. */
	sqlite3_finalize(v->account_put);
	sqlite3_finalize(v->membership_add);
	sqlite3_finalize(v->membership_remove);
	for (size_t i = 0; i < sizeof(v->cached) / sizeof(v->cached[0]); i++)
		sqlite3_finalize(v->cached[i].st);
	sqlite3_close(v->db);
	free(v->path);
	free(v);
}

int
vault_schema_version(struct vault *v)
{
	sqlite3_stmt *st;
	int version = -1;

	if (sqlite3_prepare_v2(v->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

int
vault_begin(struct vault *v, struct err *e)
{
	if (exec(v, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	v->in_tx = 1;
	return 0;
}

int
vault_commit(struct vault *v, struct err *e)
{
	testhook_kill("import-commit");
	if (exec(v, "COMMIT", e) < 0)
		return -1;
	v->in_tx = 0;
	return 0;
}

void
vault_rollback(struct vault *v)
{
	if (v->in_tx)
		exec(v, "ROLLBACK", NULL);
	v->in_tx = 0;
}

static const char *
col_text(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	if (!t || !*t)
		return "";
	return arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, i));
}

/* Reads the extras of a record from their JSON object, by the names the snapshot knows. */
static const char **
extras_from_json(struct snapshot *s, enum entity ent, const char *json)
{
	const char **x = NULL;
	json_t *obj = NULL;

	if (!s->nextra[ent])
		return NULL;
	x = arena_alloc(&s->arena, s->nextra[ent] * sizeof(*x));
	if (json && *json && strcmp(json, "{}"))
		obj = json_loads(json, 0, NULL);
	for (size_t i = 0; i < s->nextra[ent]; i++) {
		json_t *val = obj ? json_object_get(obj, s->extra_names[ent][i]) : NULL;

		x[i] = json_is_string(val) ? arena_strdup(&s->arena, json_string_value(val)) : "";
	}
	json_decref(obj);
	return x;
}

/* The extras of a record as a JSON object with keys in config order ("{}" when none). */
static void
extras_to_json(struct buf *b, const struct snapshot *s, enum entity ent, const char **x)
{
	buf_reset(b);
	buf_addch(b, '{');
	for (size_t i = 0; i < s->nextra[ent]; i++) {
		if (i)
			buf_addch(b, ',');
		buf_add_json_str(b, s->extra_names[ent][i]);
		buf_addch(b, ':');
		buf_add_json_str(b, x[i]);
	}
	buf_addch(b, '}');
}

#define PERSON_COLS                                                                                                    \
	"employee_id, given_name, initials, family_name_prefix, family_name, partner_name_prefix, partner_name, "      \
	"name_convention, email_private, phone, manager_id"
#define CONTRACT_COLS                                                                                                  \
	"contract_id, employee_id, start_date, end_date, department_code, department_name, title_code, title_name, "   \
	"cost_center, location, fte, type, manager_id"
#define ASSIGNMENT_COLS "employee_id, kind, value, start_date, end_date"

static void
read_person(struct snapshot *s, sqlite3_stmt *st)
{
	struct person *p = snapshot_add_person(s);

	for (int i = 0; i < P_NFIELDS; i++)
		p->f[i] = col_text(st, i, &s->arena);
	p->extra = extras_from_json(s, ENT_PERSON, (const char *)sqlite3_column_text(st, P_NFIELDS));
	p->removed_in =
		sqlite3_column_type(st, P_NFIELDS + 1) == SQLITE_NULL ? 0 : sqlite3_column_int(st, P_NFIELDS + 1);
	p->present = p->removed_in == 0;
}

static void
read_contract(struct snapshot *s, sqlite3_stmt *st)
{
	struct contract *c = snapshot_add_contract(s);

	for (int i = 0; i < C_NFIELDS; i++)
		c->f[i] = col_text(st, i, &s->arena);
	c->extra = extras_from_json(s, ENT_CONTRACT, (const char *)sqlite3_column_text(st, C_NFIELDS));
	if (*c->f[C_START_DATE])
		date_parse_iso(c->f[C_START_DATE], &c->start);
	if (*c->f[C_END_DATE])
		date_parse_iso(c->f[C_END_DATE], &c->end);
	c->fte = *c->f[C_FTE] ? strtod(c->f[C_FTE], NULL) : 0;
}

static void
read_assignment(struct snapshot *s, sqlite3_stmt *st)
{
	struct assignment *a = snapshot_add_assignment(s);

	for (int i = 0; i < A_NFIELDS; i++)
		a->f[i] = col_text(st, i, &s->arena);
	a->extra = extras_from_json(s, ENT_ASSIGNMENT, (const char *)sqlite3_column_text(st, A_NFIELDS));
	if (*a->f[A_START_DATE])
		date_parse_iso(a->f[A_START_DATE], &a->start);
	if (*a->f[A_END_DATE])
		date_parse_iso(a->f[A_END_DATE], &a->end);
}

static void
read_meta(sqlite3_stmt *st, struct snapshot_meta *m)
{
	const char *t;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	snprintf(m->source, sizeof(m->source), "%s", (const char *)sqlite3_column_text(st, 1));
	snprintf(m->taken_at, sizeof(m->taken_at), "%s", (const char *)sqlite3_column_text(st, 2));
	t = (const char *)sqlite3_column_text(st, 3);
	m->at = DATE_NONE;
	if (t)
		date_parse_iso(t, &m->at);
	m->forced = sqlite3_column_int(st, 4);
	snprintf(m->actor, sizeof(m->actor), "%s", (const char *)sqlite3_column_text(st, 5));
	m->persons = (size_t)sqlite3_column_int64(st, 6);
	m->contracts = (size_t)sqlite3_column_int64(st, 7);
	m->assignments = (size_t)sqlite3_column_int64(st, 8);
}

#define META_COLS "id, source, taken_at, at, forced, actor, persons, contracts, assignments"

/* Runs a query with text parameters and hands each row to fn. */
static int
query(struct vault *v, const char *sql, const char *const *params, size_t nparams,
      void (*fn)(void *ctx, sqlite3_stmt *st), void *ctx, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(v, e, "preparing a query");
	for (size_t i = 0; i < nparams; i++)
		sqlite3_bind_text(st, (int)i + 1, params[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(v, e, "reading");
	return 0;
}

static void
row_person(void *ctx, sqlite3_stmt *st)
{
	read_person(ctx, st);
}

static void
row_contract(void *ctx, sqlite3_stmt *st)
{
	read_contract(ctx, st);
}

static void
row_assignment(void *ctx, sqlite3_stmt *st)
{
	read_assignment(ctx, st);
}

struct meta_ctx {
	struct snapshot_meta *m;
	size_t n, max;
};

static void
row_meta(void *ctx, sqlite3_stmt *st)
{
	struct meta_ctx *mc = ctx;

	if (mc->n < mc->max)
		read_meta(st, &mc->m[mc->n]);
	mc->n++;
}

int
vault_snapshot_list(struct vault *v, const char *source, struct snapshot_meta *out, size_t max, struct err *e)
{
	struct meta_ctx mc = { out, 0, max };
	const char *params[1] = { source };

	if (query(v,
		  source ? "SELECT " META_COLS " FROM snapshots WHERE source = ?1 ORDER BY id DESC"
			 : "SELECT " META_COLS " FROM snapshots ORDER BY id DESC",
		  params, source ? 1 : 0, row_meta, &mc, e) < 0)
		return -1;
	return (int)(mc.n < max ? mc.n : max);
}

static void
row_extras(void *ctx, sqlite3_stmt *st)
{
	struct snapshot *s = ctx;
	json_t *obj = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);

	for (int ent = 0; ent < ENT_COUNT; ent++) {
		json_t *arr = json_object_get(obj, snapshot_entity_name((enum entity)ent)), *item;
		const char *names[64];
		size_t n = 0, i;

		json_array_foreach(arr, i, item) if (json_is_string(item) && n < 64) names[n++] =
			json_string_value(item);
		snapshot_set_extras(s, (enum entity)ent, names, n);
	}
	json_decref(obj);
}

/* Sets the extra names of out to those stored with snapshot id. */
static int
load_extra_names(struct vault *v, long id, struct snapshot *out, struct err *e)
{
	char sid[32];
	const char *params[1] = { sid };

	snprintf(sid, sizeof(sid), "%ld", id);
	return query(v, "SELECT extras FROM snapshots WHERE id = ?1", params, 1, row_extras, out, e);
}

int
vault_snapshot_load(struct vault *v, const char *source, struct snapshot *out, struct snapshot_meta *meta,
		    struct err *e)
{
	const char *params[1] = { source };
	int n;

	n = vault_snapshot_list(v, source, meta, 1, e);
	if (n <= 0)
		return n;
	if (load_extra_names(v, meta->id, out, e) < 0)
		return -1;
	if (query(v, "SELECT " PERSON_COLS ", extra, removed_in FROM persons WHERE source = ?1", params, 1, row_person,
		  out, e) < 0 ||
	    query(v, "SELECT " CONTRACT_COLS ", extra FROM contracts WHERE source = ?1 AND removed_in IS NULL", params,
		  1, row_contract, out, e) < 0 ||
	    query(v, "SELECT " ASSIGNMENT_COLS ", extra FROM assignments WHERE source = ?1 AND removed_in IS NULL",
		  params, 1, row_assignment, out, e) < 0)
		return -1;
	snapshot_index(out);
	return 1;
}

/* Prepared statements of one store, each bound and stepped once per record. */
struct writer {
	struct vault *v;
	sqlite3_stmt *person_upsert, *person_remove;
	sqlite3_stmt *contract_upsert, *contract_remove;
	sqlite3_stmt *assignment_upsert, *assignment_remove;
	sqlite3_stmt *change_insert;
	struct buf extra;
	long snap;
	const char *source;
};

static int
step(struct writer *w, sqlite3_stmt *st, struct err *e)
{
	int rc = sqlite3_step(st);

	/* Every statement binds all of its parameters each time: no need to clear them. */
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(w->v, e, "writing");
	return 0;
}

static int
prepare(struct vault *v, const char *sql, sqlite3_stmt **st, struct err *e)
{
	if (sqlite3_prepare_v3(v->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return db_err(v, e, "preparing a statement");
	return 0;
}

static int
put_person(struct writer *w, const struct snapshot *s, const struct person *p, struct err *e)
{
	sqlite3_stmt *st = w->person_upsert;

	for (int i = 0; i < P_NFIELDS; i++)
		sqlite3_bind_text(st, i + 1, p->f[i], -1, SQLITE_STATIC);
	extras_to_json(&w->extra, s, ENT_PERSON, p->extra);
	sqlite3_bind_text(st, P_NFIELDS + 1, w->extra.s, (int)w->extra.len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, P_NFIELDS + 2, w->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, P_NFIELDS + 3, w->snap);
	if (step(w, st, e) < 0)
		return -1;
	/* The upsert leaves a person of another source alone: then nothing changed. */
	if (!sqlite3_changes(w->v->db))
		return err_set(
			e, ERR_INVALID,
			"source %s: employee_id \"%s\" already belongs to a person of another source (employee_ids must be unique across sources)",
			w->source, p->f[P_EMPLOYEE_ID]);
	return 0;
}

static int
put_contract(struct writer *w, const struct snapshot *s, const struct contract *c, struct err *e)
{
	sqlite3_stmt *st = w->contract_upsert;

	for (int i = 0; i < C_NFIELDS; i++)
		sqlite3_bind_text(st, i + 1, c->f[i], -1, SQLITE_STATIC);
	extras_to_json(&w->extra, s, ENT_CONTRACT, c->extra);
	sqlite3_bind_text(st, C_NFIELDS + 1, w->extra.s, (int)w->extra.len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, C_NFIELDS + 2, w->source, -1, SQLITE_STATIC);
	if (step(w, st, e) < 0)
		return -1;
	if (!sqlite3_changes(w->v->db))
		return err_set(
			e, ERR_INVALID,
			"source %s: contract_id \"%s\" already belongs to a contract of another source (contract_ids must be unique across sources)",
			w->source, c->f[C_CONTRACT_ID]);
	return 0;
}

static int
put_assignment(struct writer *w, const struct snapshot *s, const struct assignment *a, struct err *e)
{
	sqlite3_stmt *st = w->assignment_upsert;

	for (int i = 0; i < A_NFIELDS; i++)
		sqlite3_bind_text(st, i + 1, a->f[i], -1, SQLITE_STATIC);
	extras_to_json(&w->extra, s, ENT_ASSIGNMENT, a->extra);
	sqlite3_bind_text(st, A_NFIELDS + 1, w->extra.s, (int)w->extra.len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, A_NFIELDS + 2, w->source, -1, SQLITE_STATIC);
	return step(w, st, e);
}

static int
remove_row(struct writer *w, sqlite3_stmt *st, const char *const *key, int nkey, struct err *e)
{
	sqlite3_bind_int64(st, 1, w->snap);
	for (int i = 0; i < nkey; i++)
		sqlite3_bind_text(st, i + 2, key[i], -1, SQLITE_STATIC);
	return step(w, st, e);
}

static int
extras_equal(const struct snapshot *a, enum entity ent, const char **xa, const struct snapshot *b, const char **xb)
{
	if (a->nextra[ent] != b->nextra[ent])
		return 0;
	for (size_t i = 0; i < a->nextra[ent]; i++)
		if (strcmp(a->extra_names[ent][i], b->extra_names[ent][i]) || strcmp(xa[i], xb[i]))
			return 0;
	return 1;
}

static int
fields_equal(const char *const *a, const char *const *b, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

/* Writes the records of one person that differ between prev (pp, may be NULL) and next (np, may be NULL). */
static int
store_person(struct writer *w, const struct snapshot *prev, const struct person *pp, const struct snapshot *next,
	     const struct person *np, struct err *e)
{
	size_t i = 0, j = 0;

	if (!np) {
		const char *key[1] = { pp->f[P_EMPLOYEE_ID] };

		if (remove_row(w, w->person_remove, key, 1, e) < 0)
			return -1;
	} else if (!pp || !pp->present || !fields_equal(pp->f, np->f, P_NFIELDS) ||
		   !extras_equal(prev, ENT_PERSON, pp->extra, next, np->extra)) {
		if (put_person(w, next, np, e) < 0)
			return -1;
	}
	while (i < (pp ? pp->ncontracts : 0) || j < (np ? np->ncontracts : 0)) {
		const struct contract *a = pp && i < pp->ncontracts ? &prev->contracts[pp->contract0 + i] : NULL;
		const struct contract *b = np && j < np->ncontracts ? &next->contracts[np->contract0 + j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a->f[C_CONTRACT_ID], b->f[C_CONTRACT_ID]);

		if (cmp < 0) {
			/* Only while it is still this person's: HR may have moved it to someone stored earlier. */
			const char *key[2] = { a->f[C_CONTRACT_ID], a->f[C_EMPLOYEE_ID] };

			if (remove_row(w, w->contract_remove, key, 2, e) < 0)
				return -1;
			i++;
		} else if (cmp > 0) {
			if (put_contract(w, next, b, e) < 0)
				return -1;
			j++;
		} else {
			if ((!fields_equal(a->f, b->f, C_NFIELDS) ||
			     !extras_equal(prev, ENT_CONTRACT, a->extra, next, b->extra)) &&
			    put_contract(w, next, b, e) < 0)
				return -1;
			i++;
			j++;
		}
	}
	i = j = 0;
	while (i < (pp ? pp->nassignments : 0) || j < (np ? np->nassignments : 0)) {
		const struct assignment *a =
			pp && i < pp->nassignments ? &prev->assignments[pp->assignment0 + i] : NULL;
		const struct assignment *b =
			np && j < np->nassignments ? &next->assignments[np->assignment0 + j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : assignment_cmp(a, b);

		if (cmp < 0) {
			const char *key[4] = { a->f[A_EMPLOYEE_ID], a->f[A_KIND], a->f[A_VALUE], a->f[A_START_DATE] };

			if (remove_row(w, w->assignment_remove, key, 4, e) < 0)
				return -1;
			i++;
		} else if (cmp > 0) {
			if (put_assignment(w, next, b, e) < 0)
				return -1;
			j++;
		} else {
			if ((!fields_equal(a->f, b->f, A_NFIELDS) ||
			     !extras_equal(prev, ENT_ASSIGNMENT, a->extra, next, b->extra)) &&
			    put_assignment(w, next, b, e) < 0)
				return -1;
			i++;
			j++;
		}
	}
	return 0;
}

static void
change_json(struct buf *kinds, struct buf *details, const struct change *c)
{
	int first = 1;

	buf_reset(kinds);
	buf_addch(kinds, '[');
	for (int k = 0; k < CH_COUNT; k++) {
		if (!(c->kinds & (1u << k)))
			continue;
		if (!first)
			buf_addch(kinds, ',');
		first = 0;
		buf_add_json_str(kinds, change_kind_name((enum change_kind)k));
	}
	buf_addch(kinds, ']');
	buf_reset(details);
	buf_addch(details, '[');
	for (size_t i = 0; i < c->nd; i++) {
		const struct change_detail *d = &c->d[i];

		if (i)
			buf_addch(details, ',');
		buf_adds(details, "{\"kind\":");
		buf_add_json_str(details, change_kind_name(d->kind));
		if (d->ref) {
			buf_adds(details, ",\"ref\":");
			buf_add_json_str(details, d->ref);
		}
		if (d->field) {
			buf_adds(details, ",\"field\":");
			buf_add_json_str(details, d->field);
		}
		if (d->old && d->field) {
			buf_adds(details, ",\"old\":");
			buf_add_json_str(details, d->old);
		}
		if (d->new && d->field) {
			buf_adds(details, ",\"new\":");
			buf_add_json_str(details, d->new);
		}
		buf_addch(details, '}');
	}
	buf_addch(details, ']');
}

static void
summary_json(struct buf *b, const struct changeset *cs)
{
	buf_addch(b, '{');
	for (int k = 0; k < CH_COUNT; k++)
		buf_addf(b, "%s\"%s\":%zu", k ? "," : "", change_kind_name((enum change_kind)k), cs->count[k]);
	buf_addch(b, '}');
}

/* 1 when table has no rows, 0 when it has, -1 on error. */
static int
empty_table(struct vault *v, const char *table)
{
	char sql[128];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s LIMIT 1", table);
	if (sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 1 : rc == SQLITE_ROW ? 0 : -1;
}

int
vault_snapshot_store(struct vault *v, struct snapshot_meta *meta, const struct snapshot *prev,
		     const struct snapshot *next, const struct changeset *cs, const struct problems *ps, struct err *e)
{
	struct writer w;
	struct buf summary = BUF_INIT, kinds = BUF_INIT, details = BUF_INIT;
	sqlite3_stmt *st = NULL;
	char at[DATE_STR_MAX];
	size_t i = 0, j = 0, written = 0;
	int ret = -1;

	memset(&w, 0, sizeof(w));
	w.v = v;
	w.source = meta->source;
	summary_json(&summary, cs);
	date_format(meta->at, at);
	buf_addch(&kinds, '{');
	for (int ent = 0; ent < ENT_COUNT; ent++) {
		buf_addf(&kinds, "%s\"%s\":[", ent ? "," : "", snapshot_entity_name((enum entity)ent));
		for (size_t k = 0; k < next->nextra[ent]; k++) {
			if (k)
				buf_addch(&kinds, ',');
			buf_add_json_str(&kinds, next->extra_names[ent][k]);
		}
		buf_addch(&kinds, ']');
	}
	buf_addch(&kinds, '}');
	if (prepare(v,
		    "INSERT INTO snapshots (source, taken_at, at, forced, actor, persons, contracts, assignments,"
		    " summary, extras) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		    &st, e) < 0)
		goto out;
	sqlite3_bind_text(st, 10, kinds.s, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 1, meta->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, meta->taken_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, meta->forced);
	sqlite3_bind_text(st, 5, meta->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)next->npersons);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)next->ncontracts);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)next->nassignments);
	sqlite3_bind_text(st, 9, summary.s, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_err(v, e, "recording the snapshot");
		goto out;
	}
	w.snap = meta->id = (long)sqlite3_last_insert_rowid(v->db);
	meta->persons = next->npersons;
	meta->contracts = next->ncontracts;
	meta->assignments = next->nassignments;

	/*
	 * Loading an empty vault: building the index once after the rows are in
	 * is cheaper than keeping it up to date row by row.
	 */
	if (!prev->npersons && empty_table(v, "contracts") == 1 &&
	    exec(v, "DROP INDEX IF EXISTS contracts_person", e) < 0)
		goto out;
	if (prepare(v,
		    "INSERT INTO persons (" PERSON_COLS ", extra, source, first_seen, removed_in)"
		    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,NULL)"
		    " ON CONFLICT (employee_id) DO UPDATE SET given_name=excluded.given_name, initials=excluded.initials,"
		    " family_name_prefix=excluded.family_name_prefix, family_name=excluded.family_name,"
		    " partner_name_prefix=excluded.partner_name_prefix, partner_name=excluded.partner_name,"
		    " name_convention=excluded.name_convention, email_private=excluded.email_private,"
		    " phone=excluded.phone, manager_id=excluded.manager_id, extra=excluded.extra,"
		    " source=excluded.source, removed_in=NULL"
		    " WHERE persons.source = excluded.source OR persons.removed_in IS NOT NULL",
		    &w.person_upsert, e) < 0 ||
	    prepare(v, "UPDATE persons SET removed_in = ?1 WHERE employee_id = ?2", &w.person_remove, e) < 0 ||
	    prepare(v,
		    "INSERT INTO contracts (" CONTRACT_COLS ", extra, source, removed_in)"
		    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,NULL)"
		    " ON CONFLICT (contract_id) DO UPDATE SET employee_id=excluded.employee_id,"
		    " start_date=excluded.start_date, end_date=excluded.end_date,"
		    " department_code=excluded.department_code, department_name=excluded.department_name,"
		    " title_code=excluded.title_code, title_name=excluded.title_name, cost_center=excluded.cost_center,"
		    " location=excluded.location, fte=excluded.fte, type=excluded.type, manager_id=excluded.manager_id,"
		    " extra=excluded.extra, source=excluded.source, removed_in=NULL"
		    " WHERE contracts.source = excluded.source OR contracts.removed_in IS NOT NULL",
		    &w.contract_upsert, e) < 0 ||
	    prepare(v, "UPDATE contracts SET removed_in = ?1 WHERE contract_id = ?2 AND employee_id = ?3",
		    &w.contract_remove, e) < 0 ||
	    prepare(v,
		    "INSERT INTO assignments (" ASSIGNMENT_COLS ", extra, source, removed_in)"
		    " VALUES (?1,?2,?3,?4,?5,?6,?7,NULL)"
		    " ON CONFLICT (employee_id, kind, value, start_date) DO UPDATE SET end_date=excluded.end_date,"
		    " extra=excluded.extra, source=excluded.source, removed_in=NULL",
		    &w.assignment_upsert, e) < 0 ||
	    prepare(v,
		    "UPDATE assignments SET removed_in = ?1 WHERE employee_id = ?2 AND kind = ?3 AND value = ?4"
		    " AND start_date = ?5",
		    &w.assignment_remove, e) < 0 ||
	    prepare(v, "INSERT INTO changes (snapshot, employee_id, kinds, details) VALUES (?1, ?2, ?3, ?4)",
		    &w.change_insert, e) < 0)
		goto out;

	while (i < prev->npersons || j < next->npersons) {
		const struct person *a = i < prev->npersons ? &prev->persons[i] : NULL;
		const struct person *b = j < next->npersons ? &next->persons[j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a->f[P_EMPLOYEE_ID], b->f[P_EMPLOYEE_ID]);

		if (cmp < 0) {
			if (a->present && store_person(&w, prev, a, next, NULL, e) < 0)
				goto out;
			i++;
		} else if (cmp > 0) {
			if (store_person(&w, prev, NULL, next, b, e) < 0)
				goto out;
			j++;
		} else {
			if (store_person(&w, prev, a->present ? a : NULL, next, b, e) < 0)
				goto out;
			i++;
			j++;
		}
		if (++written == (next->npersons + 1) / 2)
			testhook_kill("import-write");
	}
	if (exec(v, "CREATE INDEX IF NOT EXISTS contracts_person ON contracts(employee_id)", e) < 0)
		goto out;
	/*
	 * Against an empty vault every person is a joiner: the snapshot's summary
	 * and each person's first_seen say all there is, without 100,000 rows more.
	 */
	for (size_t k = 0; prev->npersons && k < cs->n; k++) {
		change_json(&kinds, &details, &cs->v[k]);
		sqlite3_bind_int64(w.change_insert, 1, w.snap);
		sqlite3_bind_text(w.change_insert, 2, cs->v[k].employee_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(w.change_insert, 3, kinds.s, -1, SQLITE_STATIC);
		sqlite3_bind_text(w.change_insert, 4, details.s, -1, SQLITE_STATIC);
		if (step(&w, w.change_insert, e) < 0)
			goto out;
	}
	if (ps && ps->n) {
		sqlite3_finalize(st);
		if (prepare(v, "INSERT INTO problems (snapshot, level, message) VALUES (?1, ?2, ?3)", &st, e) < 0)
			goto out;
		for (size_t k = 0; k < ps->n; k++) {
			char *msg = problem_format(&ps->v[k]);

			sqlite3_bind_int64(st, 1, w.snap);
			sqlite3_bind_text(st, 2, ps->v[k].level == PROBLEM_ERROR ? "skipped" : "warning", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 3, msg, -1, SQLITE_TRANSIENT);
			free(msg);
			if (step(&w, st, e) < 0)
				goto out;
		}
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(w.person_upsert);
	sqlite3_finalize(w.person_remove);
	sqlite3_finalize(w.contract_upsert);
	sqlite3_finalize(w.contract_remove);
	sqlite3_finalize(w.assignment_upsert);
	sqlite3_finalize(w.assignment_remove);
	sqlite3_finalize(w.change_insert);
	buf_release(&w.extra);
	buf_release(&summary);
	buf_release(&kinds);
	buf_release(&details);
	return ret;
}

int
vault_person_get(struct vault *v, const char *employee_id, struct snapshot *out, struct snapshot_meta *seen,
		 struct err *e)
{
	const char *params[1] = { employee_id };
	sqlite3_stmt *st;
	char source[128] = "";
	long removed_in = 0, first_seen = 0;
	int rc;

	if (sqlite3_prepare_v2(v->db, "SELECT source, removed_in, first_seen FROM persons WHERE employee_id = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return db_err(v, e, "looking up a person");
	sqlite3_bind_text(st, 1, employee_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(source, sizeof(source), "%s", (const char *)sqlite3_column_text(st, 0));
		removed_in = sqlite3_column_int64(st, 1);
		first_seen = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : db_err(v, e, "looking up a person");
	(void)first_seen;
	{
		/* The person's extras are named as in the last snapshot that had them. */
		char rid[32];
		const char *p2[2] = { source, rid };
		struct meta_ctx mc = { seen, 0, 1 };

		snprintf(rid, sizeof(rid), "%ld", removed_in ? removed_in : (long)0x7fffffff);
		if (query(v,
			  "SELECT " META_COLS " FROM snapshots WHERE source = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
			  p2, 2, row_meta, &mc, e) < 0)
			return -1;
		if (!mc.n)
			memset(seen, 0, sizeof(*seen));
		else if (load_extra_names(v, seen->id, out, e) < 0)
			return -1;
	}
	if (query(v, "SELECT " PERSON_COLS ", extra, removed_in FROM persons WHERE employee_id = ?1", params, 1,
		  row_person, out, e) < 0)
		return -1;
	if (removed_in) {
		char rid[32];
		const char *p2[2] = { employee_id, rid };

		snprintf(rid, sizeof(rid), "%ld", removed_in);
		if (query(v,
			  "SELECT " CONTRACT_COLS ", extra FROM contracts WHERE employee_id = ?1 AND removed_in = ?2"
			  " ORDER BY contract_id",
			  p2, 2, row_contract, out, e) < 0 ||
		    query(v,
			  "SELECT " ASSIGNMENT_COLS
			  ", extra FROM assignments WHERE employee_id = ?1 AND removed_in = ?2",
			  p2, 2, row_assignment, out, e) < 0)
			return -1;
	} else if (query(v,
			 "SELECT " CONTRACT_COLS ", extra FROM contracts WHERE employee_id = ?1 AND removed_in IS NULL",
			 params, 1, row_contract, out, e) < 0 ||
		   query(v,
			 "SELECT " ASSIGNMENT_COLS
			 ", extra FROM assignments WHERE employee_id = ?1 AND removed_in IS NULL",
			 params, 1, row_assignment, out, e) < 0) {
		return -1;
	}
	snapshot_index(out);
	return 1;
}

/* --- accounts and memberships (vault/known.h) --- */

/*
 * Where the decoded names and values of one account's attributes go. Reused
 * from row to row, so that a load allocates nothing per row but in the
 * known_state's arena (known_add_account copies from here).
 */
struct attrs_scratch {
	char *text; /* decoded strings, each NUL-terminated; never moved while a row is parsed */
	size_t text_cap;
	struct account_attr *attrs;
	size_t nattrs, attrs_cap;
};

/* Where a parse of one stored attributes value is; on failure, where it failed and what was expected there. */
struct attrs_cursor {
	const char *begin, *s, *end; /* the text, the next byte, its end */
	char *out;		     /* where the next decoded byte goes */
	const char *at;
	char why[160];
};

static int attrs_fail(struct attrs_cursor *p, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
attrs_fail(struct attrs_cursor *p, const char *at, const char *fmt, ...)
{
	va_list ap;

	p->at = at;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return -1;
}

static void
attrs_skip_blanks(struct attrs_cursor *p)
{
	while (p->s < p->end && (unsigned char)*p->s <= ' ' &&
	       (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

/* The 4 hex digits at s (which has at least 4 bytes) as *cp; -1 when they are not. */
static int
hex4(const char *s, unsigned *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];

		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*cp |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*cp |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static void
put_utf8(char **out, unsigned cp)
{
	unsigned char *o = (unsigned char *)*out;

	if (cp < 0x80) {
		*o++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*o++ = (unsigned char)(0xc0 | cp >> 6);
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xe0 | cp >> 12);
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | cp >> 18);
		*o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*out = (char *)o;
}

/* Bytes that stand for themselves in a JSON string: all but '"', '\\' and control characters. */
static inline int
plain_byte(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/*
 * The end of the run of plain bytes (plain_byte) at s, ORing them into
 * *high. Eight bytes at a time: the classic tests for a zero byte (after
 * XOR with '"' and '\\') and for a byte below 0x20 set the high bit of
 * every such byte, and of no byte below the first one, so on a
 * little-endian machine the lowest bit set marks where the run ends.
 */
static inline const char *
plain_run(const char *s, const char *end, unsigned char *high)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t acc = 0;

	while (end - s >= 8) {
		uint64_t x, q, b, hit;

		memcpy(&x, s, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		hit = (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & highs;
		if (hit) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			int n = __builtin_ctzll(hit) / 8;

			acc |= x & ((UINT64_C(1) << (8 * n)) - 1);
			s += n;
			*high = acc & highs ? 0x80 : 0;
			return s;
#else
			break;
#endif
		}
		acc |= x;
		s += 8;
	}
	*high = acc & highs ? 0x80 : 0;
	while (s < end && plain_byte((unsigned char)*s))
		*high |= (unsigned char)*s++;
	return s;
}

/*
 * Decodes the JSON string at p->s to p->out, NUL-terminated, and sets *str
 * to it. An escape never decodes to more bytes than it takes, so the output
 * of a whole value is never longer than its text: the closing quote pays
 * for the NUL. Runs of plain bytes are copied whole: they are nearly all
 * there is, and the hot path of a load.
 */
static int
attrs_string(struct attrs_cursor *p, const char *what, const char **str)
{
	*str = p->out;
	if (p->s == p->end || *p->s != '"')
		return attrs_fail(p, p->s, "expected %s (a JSON string)", what);
	p->s++;
	for (;;) {
		const char *run = p->s;
		unsigned char high = 0;
		unsigned cp, lo;
		size_t bad;

		run = plain_run(run, p->end, &high);
		/* A multibyte sequence is all bytes >= 0x80: a run never splits one. */
		if (high & 0x80 && text_utf8_check(p->s, (size_t)(run - p->s), &bad) < 0)
			return attrs_fail(p, p->s + bad, "expected UTF-8 in %s", what);
		memcpy(p->out, p->s, (size_t)(run - p->s));
		p->out += run - p->s;
		p->s = run;
		if (p->s == p->end)
			return attrs_fail(p, p->s, "expected the '\"' that ends %s", what);
		if (*p->s == '"')
			break;
		if (*p->s != '\\')
			return attrs_fail(p, p->s, "expected a control character in %s to be escaped", what);
		if (p->end - p->s < 2)
			return attrs_fail(p, p->s, "expected an escape after '\\' in %s", what);
		switch (p->s[1]) {
		case '"':
		case '\\':
		case '/': *p->out++ = p->s[1]; break;
		case 'b': *p->out++ = '\b'; break;
		case 'f': *p->out++ = '\f'; break;
		case 'n': *p->out++ = '\n'; break;
		case 'r': *p->out++ = '\r'; break;
		case 't': *p->out++ = '\t'; break;
		case 'u':
			if (p->end - p->s < 6 || hex4(p->s + 2, &cp) < 0)
				return attrs_fail(p, p->s, "expected 4 hex digits after \\u in %s", what);
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return attrs_fail(p, p->s, "expected a high surrogate before the low one in %s", what);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->end - p->s < 12 || p->s[6] != '\\' || p->s[7] != 'u' ||
				    hex4(p->s + 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return attrs_fail(p, p->s, "expected a low surrogate after the high one in %s",
							  what);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p->s += 6;
			}
			if (!cp)
				return attrs_fail(p, p->s, "expected no \\u0000 (NUL) in %s", what);
			put_utf8(&p->out, cp);
			p->s += 4;
			break;
		default: return attrs_fail(p, p->s, "expected a JSON escape after '\\' in %s", what);
		}
		p->s += 2;
	}
	p->s++;
	*p->out++ = '\0';
	return 0;
}

static int
attr_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct account_attr *)a)->name, ((const struct account_attr *)b)->name);
}

/*
 * Parses a stored attributes value (json[0..n), a JSON object of strings)
 * into sc->attrs, sorted by name; the strings live in sc->text until the
 * next parse. Hand-rolled rather than json_loads, which builds and frees a
 * tree of mallocs per row, while the plan loads every account of every
 * target. Returns 0, or -1 with p->why and p->at set.
 */
static int
attrs_parse(struct attrs_scratch *sc, const char *json, size_t n, struct attrs_cursor *p)
{
	int sorted = 1;

	memset(p, 0, sizeof(*p));
	p->begin = p->s = json;
	p->end = json + n;
	if (n + 1 > sc->text_cap) {
		sc->text_cap = n + 1 > 256 ? n + 1 : 256;
		free(sc->text);
		sc->text = xmalloc(sc->text_cap);
	}
	p->out = sc->text;
	sc->nattrs = 0;
	attrs_skip_blanks(p);
	if (p->s == p->end || *p->s != '{')
		return attrs_fail(p, p->s, "expected '{'");
	p->s++;
	attrs_skip_blanks(p);
	if (p->s < p->end && *p->s == '}') {
		p->s++;
	} else {
		for (;;) {
			struct account_attr *a;

			XGROW(sc->attrs, sc->attrs_cap, sc->nattrs + 1);
			a = &sc->attrs[sc->nattrs];
			attrs_skip_blanks(p);
			if (attrs_string(p, "an attribute name", &a->name) < 0)
				return -1;
			attrs_skip_blanks(p);
			if (p->s == p->end || *p->s != ':')
				return attrs_fail(p, p->s, "expected ':' after the name \"%s\"", a->name);
			p->s++;
			attrs_skip_blanks(p);
			if (attrs_string(p, "the value of an attribute", &a->value) < 0)
				return -1;
			if (sc->nattrs && strcmp(sc->attrs[sc->nattrs - 1].name, a->name) >= 0)
				sorted = 0;
			sc->nattrs++;
			attrs_skip_blanks(p);
			if (p->s < p->end && *p->s == ',') {
				p->s++;
				continue;
			}
			if (p->s < p->end && *p->s == '}') {
				p->s++;
				break;
			}
			return attrs_fail(p, p->s, "expected ',' or '}'");
		}
	}
	attrs_skip_blanks(p);
	if (p->s != p->end)
		return attrs_fail(p, p->s, "expected nothing after the object");
	/* As written they are sorted and unique; by hand, anything goes. */
	if (!sorted) {
		qsort(sc->attrs, sc->nattrs, sizeof(*sc->attrs), attr_name_cmp);
		for (size_t i = 1; i < sc->nattrs; i++)
			if (!strcmp(sc->attrs[i - 1].name, sc->attrs[i].name))
				return attrs_fail(p, p->begin, "expected the name \"%s\" once, found it twice",
						  sc->attrs[i].name);
	}
	return 0;
}

/* What is at at, for a message: a printable character, a byte in hex, or the end. */
static void
describe_at(const struct attrs_cursor *p, char *out, size_t size)
{
	unsigned char c;

	if (p->at >= p->end) {
		snprintf(out, size, "the end");
		return;
	}
	c = (unsigned char)*p->at;
	if (c > 0x20 && c < 0x7f)
		snprintf(out, size, "'%c'", c);
	else
		snprintf(out, size, "byte 0x%02x", c);
}

#define ACCOUNT_COLS "target, employee_id, seq, status, attributes, created, disabled, deleted, ref"

/*
 * One query per filter (none, target, employee_id, both), rather than
 * "?1 IS NULL OR target = ?1", which keeps SQLite from using the primary
 * key. Indexed by (target != NULL) | (employee_id != NULL) << 1.
 */
static const char *const account_queries[4] = {
	"SELECT " ACCOUNT_COLS " FROM accounts",
	"SELECT " ACCOUNT_COLS " FROM accounts WHERE target = ?1",
	"SELECT " ACCOUNT_COLS " FROM accounts WHERE employee_id = ?2",
	"SELECT " ACCOUNT_COLS " FROM accounts WHERE target = ?1 AND employee_id = ?2",
};
static const char *const membership_queries[4] = {
	"SELECT target, employee_id, permission FROM memberships",
	"SELECT target, employee_id, permission FROM memberships WHERE target = ?1",
	"SELECT target, employee_id, permission FROM memberships WHERE employee_id = ?2",
	"SELECT target, employee_id, permission FROM memberships WHERE target = ?1 AND employee_id = ?2",
};

/* Reads a date column: NULL is DATE_NONE. */
static int
read_date(struct vault *v, sqlite3_stmt *st, int col, const struct known_account *a, struct err *e, civil_day *out)
{
	const char *t;

	*out = DATE_NONE;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	t = (const char *)sqlite3_column_text(st, col);
	if (!t || date_parse_iso(t, out) < 0)
		return err_set(e, ERR_PERMANENT,
			       "vault %s: account (target \"%s\", employee_id \"%s\", seq %d): %s: expected a date "
			       "YYYY-MM-DD or NULL, found \"%s\"",
			       v->path, a->target, a->employee_id, a->seq, sqlite3_column_name(st, col), t ? t : "");
	return 0;
}

/* Reads the account of the row st is on into a (its strings are st's until the next step). */
static int
read_account(struct vault *v, sqlite3_stmt *st, struct attrs_scratch *sc, struct known_account *a, struct err *e)
{
	static const struct {
		const char *name;
		enum account_status status;
	} statuses[] = { { "enabled", ACCT_ENABLED }, { "disabled", ACCT_DISABLED }, { "deleted", ACCT_DELETED } };
	const char *status, *json;
	sqlite3_int64 seq;
	struct attrs_cursor p;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->target = (const char *)sqlite3_column_text(st, 0);
	a->employee_id = (const char *)sqlite3_column_text(st, 1);
	seq = sqlite3_column_int64(st, 2);
	status = (const char *)sqlite3_column_text(st, 3);
	json = (const char *)sqlite3_column_text(st, 4);
	/* The columns are NOT NULL: a NULL here is SQLite out of memory. */
	if (!a->target || !a->employee_id || !status || !json)
		return db_err(v, e, "reading an account");
	if (sqlite3_column_type(st, 2) != SQLITE_INTEGER || seq < 1 || seq > INT_MAX)
		return err_set(e, ERR_PERMANENT,
			       "vault %s: account (target \"%s\", employee_id \"%s\"): seq: expected a whole number "
			       "from 1, found \"%s\"",
			       v->path, a->target, a->employee_id, (const char *)sqlite3_column_text(st, 2));
	a->seq = (int)seq;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]) && strcmp(status, statuses[i].name); i++)
		;
	if (i == sizeof(statuses) / sizeof(statuses[0]))
		return err_set(e, ERR_PERMANENT,
			       "vault %s: account (target \"%s\", employee_id \"%s\", seq %d): status: expected "
			       "enabled, disabled or deleted, found \"%s\"",
			       v->path, a->target, a->employee_id, a->seq, status);
	a->status = statuses[i].status;
	if (attrs_parse(sc, json, (size_t)sqlite3_column_bytes(st, 4), &p) < 0) {
		char found[32];

		describe_at(&p, found, sizeof(found));
		return err_set(e, ERR_PERMANENT,
			       "vault %s: account (target \"%s\", employee_id \"%s\", seq %d): attributes are not a "
			       "JSON object of strings: at byte %zu: %s, found %s",
			       v->path, a->target, a->employee_id, a->seq, (size_t)(p.at - p.begin), p.why, found);
	}
	a->attrs = sc->attrs;
	a->nattrs = sc->nattrs;
	if (read_date(v, st, 5, a, e, &a->created) < 0 || read_date(v, st, 6, a, e, &a->disabled) < 0 ||
	    read_date(v, st, 7, a, e, &a->deleted) < 0)
		return -1;
	a->ref = (const char *)sqlite3_column_text(st, 8); /* NULL when the connector names it not */
	return 0;
}

/* Prepares sql and binds the filters of vault_known_load; NULL with e set on failure. */
static sqlite3_stmt *
known_query(struct vault *v, const char *const *queries, const char *target, const char *employee_id, struct err *e)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(v->db, queries[(target != NULL) | (employee_id != NULL) << 1], -1, &st, NULL) !=
	    SQLITE_OK) {
		db_err(v, e, "preparing a query");
		return NULL;
	}
	if (target)
		sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	if (employee_id)
		sqlite3_bind_text(st, 2, employee_id, -1, SQLITE_STATIC);
	return st;
}

int
vault_known_load(struct vault *v, const char *target, const char *employee_id, struct known_state *out, struct err *e)
{
	struct attrs_scratch sc = { 0 };
	struct known_account a;
	sqlite3_stmt *st = NULL;
	size_t naccounts0 = out->naccounts, nmemberships0 = out->nmemberships;
	int own_tx = !v->in_tx, rc, ret = -1;

	/* Accounts and memberships from one snapshot of the vault, also when an apply commits in between. */
	if (own_tx && exec(v, "BEGIN", e) < 0)
		return -1;
	if (!(st = known_query(v, account_queries, target, employee_id, e)))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_account(v, st, &sc, &a, e) < 0)
			goto out;
		known_add_account(out, &a);
	}
	if (rc != SQLITE_DONE) {
		db_err(v, e, "reading the accounts");
		goto out;
	}
	sqlite3_finalize(st);
	if (!(st = known_query(v, membership_queries, target, employee_id, e)))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *id = (const char *)sqlite3_column_text(st, 1);
		const char *perm = (const char *)sqlite3_column_text(st, 2);

		if (!t || !id || !perm) {
			db_err(v, e, "reading a membership");
			goto out;
		}
		known_add_membership(out, t, id, perm);
	}
	if (rc != SQLITE_DONE) {
		db_err(v, e, "reading the memberships");
		goto out;
	}
	known_sort(out);
	ret = (int)(out->naccounts - naccounts0);
out:
	sqlite3_finalize(st);
	if (own_tx)
		exec(v, ret < 0 ? "ROLLBACK" : "COMMIT", NULL);
	/* A failed load adds nothing: out is as it was (the arena keeps what was copied until released). */
	if (ret < 0) {
		out->naccounts = naccounts0;
		out->nmemberships = nmemberships0;
	}
	free(sc.text);
	free(sc.attrs);
	return ret;
}

/* Steps a cached statement once and makes it ready for the next call. */
static int
step_cached(struct vault *v, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		db_err(v, e, what);
	sqlite3_reset(st);
	/* The caller's strings are bound SQLITE_STATIC: do not keep pointers to them. */
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Binds date (DATE_NONE: NULL) as parameter i; -1 when it is no day of years 1..9999. */
static int
bind_date(sqlite3_stmt *st, int i, civil_day day)
{
	char s[DATE_STR_MAX];
	civil_day back;

	if (day == DATE_NONE)
		return sqlite3_bind_null(st, i) == SQLITE_OK ? 0 : -1;
	date_format(day, s);
	if (date_parse_iso(s, &back) < 0 || back != day)
		return -1;
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

int
vault_account_put(struct vault *v, const struct known_account *a, struct err *e)
{
	json_t *obj = json_object();
	char *json = NULL;
	sqlite3_stmt *st;
	int ret = -1;

	if (!obj) {
		err_set(e, ERR_INTERNAL, "vault %s: out of memory", v->path);
		goto out;
	}
	if (a->seq < 1 || (a->status != ACCT_ENABLED && a->status != ACCT_DISABLED && a->status != ACCT_DELETED)) {
		err_set(e, ERR_INTERNAL,
			"vault %s: account (target \"%s\", employee_id \"%s\", seq %d, status %d): expected a seq from 1 "
			"and a status of enum account_status",
			v->path, a->target, a->employee_id, a->seq, (int)a->status);
		goto out;
	}
	for (size_t i = 0; i < a->nattrs; i++) {
		const char *name = a->attrs[i].name;
		json_t *val = json_string(a->attrs[i].value);
		int dup = val && json_object_get(obj, name);

		/*
		 * jansson takes only UTF-8, which is all the rules stage makes: any
		 * of these is a bug upstream. json_object_set_new consumes val, also
		 * when it fails.
		 */
		if (dup)
			json_decref(val);
		if (!val || dup || json_object_set_new(obj, name, val) < 0) {
			err_set(e, ERR_INTERNAL,
				"vault %s: account (target \"%s\", employee_id \"%s\", seq %d): attribute \"%s\": "
				"expected a unique UTF-8 name and a UTF-8 value",
				v->path, a->target, a->employee_id, a->seq, name);
			goto out;
		}
	}
	if (!(json = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS))) {
		err_set(e, ERR_INTERNAL, "vault %s: out of memory", v->path);
		goto out;
	}
	if (!v->account_put && prepare(v,
				       "INSERT OR REPLACE INTO accounts (" ACCOUNT_COLS ")"
				       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
				       &v->account_put, e) < 0)
		goto out;
	st = v->account_put;
	sqlite3_bind_text(st, 1, a->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->employee_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, a->seq);
	sqlite3_bind_text(st, 4, account_status_name(a->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, json, -1, SQLITE_STATIC);
	if (a->ref)
		sqlite3_bind_text(st, 9, a->ref, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	if (bind_date(st, 6, a->created) < 0 || bind_date(st, 7, a->disabled) < 0 || bind_date(st, 8, a->deleted) < 0) {
		sqlite3_clear_bindings(st);
		err_set(e, ERR_INTERNAL,
			"vault %s: account (target \"%s\", employee_id \"%s\", seq %d): expected its dates to be "
			"DATE_NONE or days of years 1..9999, found %d, %d, %d",
			v->path, a->target, a->employee_id, a->seq, (int)a->created, (int)a->disabled, (int)a->deleted);
		goto out;
	}
	ret = step_cached(v, st, "storing an account", e);
out:
	free(json);
	json_decref(obj);
	return ret;
}

int
vault_membership_put(struct vault *v, const char *target, const char *employee_id, const char *permission, int present,
		     struct err *e)
{
	sqlite3_stmt **st = present ? &v->membership_add : &v->membership_remove;

	if (!*st &&
	    prepare(v,
		    present ? "INSERT OR IGNORE INTO memberships (target, employee_id, permission)"
			      " VALUES (?1, ?2, ?3)"
			    : "DELETE FROM memberships WHERE target = ?1 AND employee_id = ?2 AND permission = ?3",
		    st, e) < 0)
		return -1;
	sqlite3_bind_text(*st, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 2, employee_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 3, permission, -1, SQLITE_STATIC);
	return step_cached(v, *st, present ? "adding a membership" : "removing a membership", e);
}

const char *
vault_actor(void)
{
	static char name[128];
	struct passwd *pw = getpwuid(getuid());

	snprintf(name, sizeof(name), "%s", pw && pw->pw_name ? pw->pw_name : "unknown");
	return name;
}
