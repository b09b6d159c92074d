/*
 * Unit tests for vault/vault_sqlite.c: the schema, snapshots stored and
 * loaded back, persons as last seen, and transactions that leave nothing.
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
#include <sys/stat.h>
#include <unistd.h>

#include "vault/vault.h"

#include "testlib.h"

struct fixture {
	char dir[256];
	char path[512];
	struct vault *v;
	struct err e;
	struct snapshot keep[4]; /* released by teardown, also when a test fails halfway */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (tl_tmpdir_make(fx->dir, sizeof(fx->dir), "vault") < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/var/roster.db", fx->dir);
	err_init(&fx->e);
	for (int i = 0; i < 4; i++)
		snapshot_init(&fx->keep[i]);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	vault_close(fx->v);
	for (int i = 0; i < 4; i++)
		snapshot_release(&fx->keep[i]);
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

/* --- building snapshots --- */

static const char *const person_extras[] = { "badge" };
static const char *const contract_extras[] = { "hours" };
static const char *const assignment_extras[] = { "room" };

static void
with_extras(struct snapshot *s)
{
	snapshot_set_extras(s, ENT_PERSON, person_extras, 1);
	snapshot_set_extras(s, ENT_CONTRACT, contract_extras, 1);
	snapshot_set_extras(s, ENT_ASSIGNMENT, assignment_extras, 1);
}

static struct person *
add_person(struct snapshot *s, const char *id, const char *given, const char *family)
{
	struct person *p = tl_add_person(s, id, given, family);
	char buf[64];

	p->f[P_INITIALS] = "J.";
	p->f[P_NAME_CONVENTION] = "B";
	snprintf(buf, sizeof(buf), "%s@example.net", id);
	p->f[P_EMAIL_PRIVATE] = arena_strdup(&s->arena, buf);
	if (p->extra) {
		snprintf(buf, sizeof(buf), "B-%s", id);
		p->extra[0] = arena_strdup(&s->arena, buf);
	}
	return p;
}

static struct contract *
add_contract(struct snapshot *s, const char *emp, const char *cid, const char *start, const char *end)
{
	struct contract *c = tl_add_contract(s, emp, cid, start, end);

	c->f[C_DEPARTMENT_CODE] = "ICT";
	c->f[C_DEPARTMENT_NAME] = "Automatisering \xE2\x80\x94 \"\xC3\xA9\xC3\xA9n\"";
	c->f[C_FTE] = "0.8";
	c->fte = 0.8;
	c->f[C_TYPE] = "employee";
	if (c->extra)
		c->extra[0] = "32";
	return c;
}

static struct assignment *
add_assignment(struct snapshot *s, const char *emp, const char *kind, const char *value, const char *start,
	       const char *end)
{
	struct assignment *a = tl_add_assignment(s, emp, kind, value, start, end);

	if (a->extra)
		a->extra[0] = "B1.23";
	return a;
}

/* Three persons: 1 with two contracts and an assignment, 2 with one contract, 3 with none. */
static void
organisation(struct snapshot *s)
{
	with_extras(s);
	add_person(s, "1", "Jan", "Jansen")->f[P_FAMILY_NAME_PREFIX] = "de";
	add_person(s, "2", "Anna", "Bakker")->f[P_MANAGER_ID] = "1";
	add_person(s, "3", "Kees", "Visser");
	add_contract(s, "1", "C1", "2020-01-01", NULL);
	add_contract(s, "1", "C2", "2024-01-01", "2026-06-30");
	add_contract(s, "2", "C3", "2021-03-01", NULL)->f[C_MANAGER_ID] = "1";
	add_assignment(s, "1", "project", "ERP", "2026-01-01", "2026-12-31");
	add_assignment(s, "2", "replaces", "1", NULL, NULL);
	snapshot_index(s);
}

static void
meta_for(struct snapshot_meta *m, const char *source, const char *at)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->source, sizeof(m->source), "%s", source);
	snprintf(m->taken_at, sizeof(m->taken_at), "%sT10:00:00Z", at);
	m->at = tl_day(at);
	snprintf(m->actor, sizeof(m->actor), "tester");
}

/* Stores next over prev as one committed import; returns the snapshot id. */
static long
store(struct fixture *fx, const char *source, const char *at, const struct snapshot *prev, const struct snapshot *next,
      const struct problems *ps)
{
	struct snapshot_meta m;
	struct changeset cs;

	meta_for(&m, source, at);
	changeset_init(&cs);
	diff_snapshots(prev, tl_day(at), next, tl_day(at), &cs);
	if (vault_begin(fx->v, &fx->e) < 0 || vault_snapshot_store(fx->v, &m, prev, next, &cs, ps, &fx->e) < 0 ||
	    vault_commit(fx->v, &fx->e) < 0)
		fail_msg("storing: %s", fx->e.msg);
	changeset_release(&cs);
	return m.id;
}

/* Loads the latest snapshot of source into out (initialised); returns vault_snapshot_load's result. */
static int
load(struct fixture *fx, const char *source, struct snapshot *out, struct snapshot_meta *m)
{
	int r;

	snapshot_init(out);
	with_extras(out);
	r = vault_snapshot_load(fx->v, source, out, m, &fx->e);
	if (r < 0)
		fail_msg("loading: %s", fx->e.msg);
	return r;
}

static const char *
extra_of(const struct snapshot *s, enum entity ent, const char **x, const char *name)
{
	for (size_t i = 0; i < s->nextra[ent]; i++)
		if (!strcmp(s->extra_names[ent][i], name))
			return x[i];
	return "";
}

/* Fails unless a and b hold the same present persons, contracts and assignments. */
static void
assert_same_fl(const struct snapshot *a, const struct snapshot *b, const char *file, int line)
{
	size_t na = 0, nb = 0;

	for (size_t i = 0; i < a->npersons; i++)
		na += a->persons[i].present != 0;
	for (size_t i = 0; i < b->npersons; i++)
		nb += b->persons[i].present != 0;
	if (na != nb || a->ncontracts != b->ncontracts || a->nassignments != b->nassignments) {
		print_error("%s:%d: %zu/%zu/%zu records, expected %zu/%zu/%zu\n", file, line, nb, b->ncontracts,
			    b->nassignments, na, a->ncontracts, a->nassignments);
		_fail(file, line);
	}
	for (size_t i = 0; i < a->npersons; i++) {
		const struct person *p = &a->persons[i], *q;
		size_t k;

		if (!p->present)
			continue;
		if (!snapshot_person_find(b, p->f[P_EMPLOYEE_ID], &k)) {
			print_error("%s:%d: person %s is missing\n", file, line, p->f[P_EMPLOYEE_ID]);
			_fail(file, line);
		}
		q = &b->persons[k];
		for (int f = 0; f < P_NFIELDS; f++)
			if (strcmp(p->f[f], q->f[f])) {
				print_error("%s:%d: person %s: %s is \"%s\", expected \"%s\"\n", file, line,
					    p->f[P_EMPLOYEE_ID], snapshot_field_name(ENT_PERSON, f), q->f[f], p->f[f]);
				_fail(file, line);
			}
		for (size_t x = 0; x < a->nextra[ENT_PERSON]; x++)
			if (strcmp(p->extra[x], extra_of(b, ENT_PERSON, q->extra, a->extra_names[ENT_PERSON][x]))) {
				print_error("%s:%d: person %s: extra %s differs\n", file, line, p->f[P_EMPLOYEE_ID],
					    a->extra_names[ENT_PERSON][x]);
				_fail(file, line);
			}
		if (!q->present || p->ncontracts != q->ncontracts || p->nassignments != q->nassignments) {
			print_error("%s:%d: person %s: present %d, %zu contracts, %zu assignments\n", file, line,
				    p->f[P_EMPLOYEE_ID], q->present, q->ncontracts, q->nassignments);
			_fail(file, line);
		}
	}
	for (size_t i = 0; i < a->ncontracts; i++) {
		const struct contract *c = &a->contracts[i], *d = &b->contracts[i];

		for (int f = 0; f < C_NFIELDS; f++)
			if (strcmp(c->f[f], d->f[f])) {
				print_error("%s:%d: contract %s: %s is \"%s\", expected \"%s\"\n", file, line,
					    c->f[C_CONTRACT_ID], snapshot_field_name(ENT_CONTRACT, f), d->f[f],
					    c->f[f]);
				_fail(file, line);
			}
		if (c->start != d->start || c->end != d->end || c->fte != d->fte) {
			print_error("%s:%d: contract %s: days or fte differ\n", file, line, c->f[C_CONTRACT_ID]);
			_fail(file, line);
		}
		for (size_t x = 0; x < a->nextra[ENT_CONTRACT]; x++)
			if (strcmp(c->extra[x], extra_of(b, ENT_CONTRACT, d->extra, a->extra_names[ENT_CONTRACT][x]))) {
				print_error("%s:%d: contract %s: extra differs\n", file, line, c->f[C_CONTRACT_ID]);
				_fail(file, line);
			}
	}
	for (size_t i = 0; i < a->nassignments; i++) {
		const struct assignment *x = &a->assignments[i], *y = &b->assignments[i];

		for (int f = 0; f < A_NFIELDS; f++)
			if (strcmp(x->f[f], y->f[f])) {
				print_error("%s:%d: assignment %zu: %s is \"%s\", expected \"%s\"\n", file, line, i,
					    snapshot_field_name(ENT_ASSIGNMENT, f), y->f[f], x->f[f]);
				_fail(file, line);
			}
		if (x->start != y->start || x->end != y->end) {
			print_error("%s:%d: assignment %zu: days differ\n", file, line, i);
			_fail(file, line);
		}
		for (size_t k = 0; k < a->nextra[ENT_ASSIGNMENT]; k++)
			if (strcmp(x->extra[k],
				   extra_of(b, ENT_ASSIGNMENT, y->extra, a->extra_names[ENT_ASSIGNMENT][k]))) {
				print_error("%s:%d: assignment %zu: extra differs\n", file, line, i);
				_fail(file, line);
			}
	}
}
#define assert_same(a, b) assert_same_fl((a), (b), __FILE__, __LINE__)

/* One number from the vault file, read behind its back. */
static long
sql_long(struct fixture *fx, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long v = -1;

	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* --- opening --- */

static void
open_creates_the_file_and_its_folder_at_the_newest_schema_version(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	open_vault(fx);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(vault_schema_version(fx->v), vault_schema_newest());
}

static void
reopening_keeps_the_schema_and_the_data(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s, empty, back;
	struct snapshot_meta m;

	open_vault(fx);
	snapshot_init(&s);
	snapshot_init(&empty);
	organisation(&s);
	store(fx, "hr", "2026-01-15", &empty, &s, NULL);
	vault_close(fx->v);
	open_vault(fx);
	assert_int_equal(vault_schema_version(fx->v), vault_schema_newest());
	assert_int_equal(load(fx, "hr", &back, &m), 1);
	assert_same(&s, &back);
	snapshot_release(&back);
	snapshot_release(&empty);
	snapshot_release(&s);
}

static void
a_vault_from_a_newer_roster_is_refused(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *db;
	struct vault *v;
	char want[256];

	open_vault(fx);
	vault_close(fx->v);
	fx->v = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	v = vault_open(fx->path, &fx->e);
	assert_null(v);
	assert_int_equal(fx->e.class, ERR_PERMANENT);
	snprintf(want, sizeof(want), "schema version 99 is newer than this roster knows (%d); use a newer roster",
		 vault_schema_newest());
	tl_assert_contains(fx->e.msg, want);
}

static void
a_postgresql_location_is_not_available_yet(void **state)
{
	struct fixture *fx = *state;

	assert_null(vault_open("postgresql://roster@db/roster", &fx->e));
	assert_int_equal(fx->e.class, ERR_CONFIG);
	tl_assert_contains(fx->e.msg, "the PostgreSQL vault is not available yet");
}

static void
a_folder_that_cannot_be_made_is_an_error(void **state)
{
	struct fixture *fx = *state;
	char path[768];
	FILE *f;

	/* A file where the folder should be */
	snprintf(path, sizeof(path), "%s/blocker", fx->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/blocker/sub/roster.db", fx->dir);
	assert_null(vault_open(path, &fx->e));
	tl_assert_contains(fx->e.msg, "cannot create directory");
}

static void
closing_nothing_is_harmless(void **state)
{
	(void)state;
	vault_close(NULL);
}

/* --- storing and loading --- */

static void
a_source_never_imported_loads_nothing(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s;
	struct snapshot_meta m;

	open_vault(fx);
	assert_int_equal(load(fx, "hr", &s, &m), 0);
	assert_int_equal(s.npersons, 0);
	snapshot_release(&s);
}

static void
a_stored_snapshot_loads_back_equal(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s, empty, back;
	struct snapshot_meta m;
	long id;

	open_vault(fx);
	snapshot_init(&s);
	snapshot_init(&empty);
	organisation(&s);
	id = store(fx, "hr", "2026-01-15", &empty, &s, NULL);
	assert_true(id > 0);
	assert_int_equal(load(fx, "hr", &back, &m), 1);
	assert_same(&s, &back);
	assert_int_equal(m.id, id);
	assert_string_equal(m.source, "hr");
	assert_string_equal(m.taken_at, "2026-01-15T10:00:00Z");
	assert_int_equal(m.at, tl_day("2026-01-15"));
	assert_string_equal(m.actor, "tester");
	assert_false(m.forced);
	assert_int_equal(m.persons, 3);
	assert_int_equal(m.contracts, 3);
	assert_int_equal(m.assignments, 2);
	assert_true(back.indexed);
	assert_int_equal(back.nextra[ENT_PERSON], 1);
	assert_string_equal(back.extra_names[ENT_CONTRACT][0], "hours");
	snapshot_release(&back);
	snapshot_release(&empty);
	snapshot_release(&s);
}

/* Against an empty vault everyone is a joiner: the summary says so, without a row per person. */
static void
the_first_store_records_a_summary_not_a_change_per_joiner(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s, empty;
	long id;
	char sql[160];

	open_vault(fx);
	snapshot_init(&s);
	snapshot_init(&empty);
	organisation(&s);
	id = store(fx, "hr", "2026-01-15", &empty, &s, NULL);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM changes WHERE snapshot = %ld", id);
	assert_int_equal(sql_long(fx, sql), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM snapshots WHERE id = %ld AND summary LIKE '%%\"joiner\":3,%%'",
		 id);
	assert_int_equal(sql_long(fx, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM persons WHERE first_seen = %ld", id);
	assert_int_equal(sql_long(fx, sql), 3);
	snapshot_release(&empty);
	snapshot_release(&s);
}

static void
a_second_store_writes_the_changes(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s1, s2, empty, prev, back;
	struct snapshot_meta m;
	long id1, id2;
	char sql[160];

	open_vault(fx);
	snapshot_init(&s1);
	snapshot_init(&empty);
	organisation(&s1);
	id1 = store(fx, "hr", "2026-01-15", &empty, &s1, NULL);

	/* 1 changes name and loses the assignment; 2 leaves the export; 3 is untouched; 4 joins. */
	snapshot_init(&s2);
	with_extras(&s2);
	add_person(&s2, "1", "Jan", "Smit")->f[P_FAMILY_NAME_PREFIX] = "de";
	add_person(&s2, "3", "Kees", "Visser");
	add_person(&s2, "4", "Lotte", "Mol");
	add_contract(&s2, "1", "C1", "2020-01-01", "2026-03-31");
	add_contract(&s2, "1", "C2", "2024-01-01", "2026-06-30");
	add_contract(&s2, "4", "C4", "2026-02-01", NULL);
	snapshot_index(&s2);

	assert_int_equal(load(fx, "hr", &prev, &m), 1);
	id2 = store(fx, "hr", "2026-01-16", &prev, &s2, NULL);
	assert_true(id2 > id1);

	assert_int_equal(load(fx, "hr", &back, &m), 1);
	assert_int_equal(m.id, id2);
	assert_same(&s2, &back);
	/* 2 is still known, as removed in the second snapshot, without contracts. */
	assert_int_equal(back.npersons, 4);
	{
		size_t k;

		assert_true(snapshot_person_find(&back, "2", &k));
		assert_false(back.persons[k].present);
		assert_int_equal(back.persons[k].removed_in, id2);
		assert_int_equal(back.persons[k].ncontracts, 0);
	}
	/* The changes of the second snapshot: 1, 2 and 4, not 3. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM changes WHERE snapshot = %ld", id2);
	assert_int_equal(sql_long(fx, sql), 3);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM changes WHERE snapshot = %ld AND employee_id = '3'", id2);
	assert_int_equal(sql_long(fx, sql), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM contracts WHERE contract_id = 'C3' AND removed_in = %ld", id2);
	assert_int_equal(sql_long(fx, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM assignments WHERE kind = 'project' AND removed_in = %ld", id2);
	assert_int_equal(sql_long(fx, sql), 1);
	snapshot_release(&back);
	snapshot_release(&prev);
	snapshot_release(&empty);
	snapshot_release(&s2);
	snapshot_release(&s1);
}

static void
a_returning_person_is_present_again_with_their_new_contract(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s1, s2, s3, empty, prev, back;
	struct snapshot_meta m;
	size_t k;

	open_vault(fx);
	snapshot_init(&empty);
	snapshot_init(&s1);
	organisation(&s1);
	store(fx, "hr", "2026-01-15", &empty, &s1, NULL);
	snapshot_init(&s2);
	with_extras(&s2);
	add_person(&s2, "1", "Jan", "Jansen")->f[P_FAMILY_NAME_PREFIX] = "de";
	add_contract(&s2, "1", "C1", "2020-01-01", NULL);
	snapshot_index(&s2);
	assert_int_equal(load(fx, "hr", &prev, &m), 1);
	store(fx, "hr", "2026-01-16", &prev, &s2, NULL);
	snapshot_release(&prev);

	snapshot_init(&s3);
	with_extras(&s3);
	add_person(&s3, "1", "Jan", "Jansen")->f[P_FAMILY_NAME_PREFIX] = "de";
	add_person(&s3, "3", "Kees", "Visser");
	add_contract(&s3, "1", "C1", "2020-01-01", NULL);
	add_contract(&s3, "3", "C9", "2026-02-01", NULL);
	snapshot_index(&s3);
	assert_int_equal(load(fx, "hr", &prev, &m), 1);
	assert_true(snapshot_person_find(&prev, "3", &k));
	assert_false(prev.persons[k].present);
	store(fx, "hr", "2026-01-17", &prev, &s3, NULL);
	assert_int_equal(load(fx, "hr", &back, &m), 1);
	assert_same(&s3, &back);
	assert_true(snapshot_person_find(&back, "3", &k));
	assert_true(back.persons[k].present);
	assert_int_equal(back.persons[k].removed_in, 0);
	assert_int_equal(sql_long(fx, "SELECT count(*) FROM changes WHERE employee_id = '3' AND kinds LIKE '%rehire%'"),
			 1);
	snapshot_release(&back);
	snapshot_release(&prev);
	snapshot_release(&s3);
	snapshot_release(&s2);
	snapshot_release(&s1);
	snapshot_release(&empty);
}

static void
problems_are_stored_with_the_snapshot(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s, empty;
	struct problems ps;
	long id;
	char sql[160];

	open_vault(fx);
	snapshot_init(&s);
	snapshot_init(&empty);
	organisation(&s);
	problems_init(&ps);
	problems_add(&ps, PROBLEM_ERROR, "hr/contracts.csv", 6, "column \"Einddatum\"", "01-01-2026", ENT_CONTRACT,
		     "C7", "the end date is before the start date \"%s\"", "10-10-2026");
	problems_add(&ps, PROBLEM_WARNING, "hr/persons.csv", 3, "column \"Leidinggevende\"", "77", ENT_PERSON, "2",
		     "the manager is not a known person");
	id = store(fx, "hr", "2026-01-15", &empty, &s, &ps);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM problems WHERE snapshot = %ld", id);
	assert_int_equal(sql_long(fx, sql), 2);
	assert_int_equal(
		sql_long(
			fx,
			"SELECT count(*) FROM problems WHERE level = 'skipped' AND message = "
			"'hr/contracts.csv:6: column \"Einddatum\": value \"01-01-2026\": the end date is before the start date \"10-10-2026\"'"),
		1);
	assert_int_equal(sql_long(fx, "SELECT count(*) FROM problems WHERE level = 'warning'"), 1);
	problems_release(&ps);
	snapshot_release(&empty);
	snapshot_release(&s);
}

static void
snapshots_are_listed_newest_first_per_source(void **state)
{
	struct fixture *fx = *state;
	struct snapshot hr, temps, empty, prev;
	struct snapshot_meta list[8], m;
	long a, b, c;

	open_vault(fx);
	snapshot_init(&empty);
	snapshot_init(&hr);
	organisation(&hr);
	snapshot_init(&temps);
	add_person(&temps, "T1", "Tim", "Tijdelijk");
	snapshot_index(&temps);
	a = store(fx, "hr", "2026-01-15", &empty, &hr, NULL);
	b = store(fx, "temps", "2026-01-15", &empty, &temps, NULL);
	assert_int_equal(load(fx, "hr", &prev, &m), 1);
	c = store(fx, "hr", "2026-01-16", &prev, &hr, NULL);
	assert_int_equal(vault_snapshot_list(fx->v, "hr", list, 8, &fx->e), 2);
	assert_int_equal(list[0].id, c);
	assert_int_equal(list[1].id, a);
	assert_int_equal(vault_snapshot_list(fx->v, NULL, list, 8, &fx->e), 3);
	assert_int_equal(list[1].id, b);
	assert_string_equal(list[1].source, "temps");
	assert_int_equal(list[1].persons, 1);
	assert_int_equal(vault_snapshot_list(fx->v, NULL, list, 1, &fx->e), 1);
	assert_int_equal(list[0].id, c);
	assert_int_equal(vault_snapshot_list(fx->v, "payroll", list, 8, &fx->e), 0);
	snapshot_release(&prev);
	snapshot_release(&temps);
	snapshot_release(&hr);
	snapshot_release(&empty);
}

/*
 * Persons (and contracts) are keyed by employee_id (contract_id) alone, so
 * two sources that both had an employee "1" once overwrote each other's row.
 * Now the second source's store is refused with a clear error and the first
 * source keeps its person; a person removed from one source may move to
 * another.
 */
static void
an_employee_id_of_another_source_is_refused_and_the_first_source_keeps_its_person(void **state)
{
	struct fixture *fx = *state;
	struct snapshot *hr = &fx->keep[0], *temps = &fx->keep[1], *empty = &fx->keep[2], *back = &fx->keep[3];
	struct snapshot_meta m;
	struct changeset cs;
	size_t k;

	open_vault(fx);
	add_person(hr, "1", "Jan", "Jansen");
	snapshot_index(hr);
	add_person(temps, "1", "Tim", "Tijdelijk");
	snapshot_index(temps);
	store(fx, "hr", "2026-01-15", empty, hr, NULL);
	/* The second source may not take over person 1: the store fails and is rolled back. */
	meta_for(&m, "temps", "2026-01-15");
	changeset_init(&cs);
	diff_snapshots(empty, tl_day("2026-01-15"), temps, tl_day("2026-01-15"), &cs);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	assert_int_equal(vault_snapshot_store(fx->v, &m, empty, temps, &cs, NULL, &fx->e), -1);
	vault_rollback(fx->v);
	changeset_release(&cs);
	assert_int_equal(fx->e.class, ERR_INVALID);
	assert_non_null(strstr(fx->e.msg, "employee_id \"1\" already belongs to a person of another source"));
	snapshot_release(back);
	assert_int_equal(load(fx, "hr", back, &m), 1);
	assert_true(snapshot_person_find(back, "1", &k));
	assert_string_equal(back->persons[k].f[P_FAMILY_NAME], "Jansen");
	snapshot_release(back);
	assert_int_equal(load(fx, "temps", back, &m), 0);
}

/* --- one person --- */

static void
a_present_person_is_got_with_the_latest_snapshot(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s, empty, one;
	struct snapshot_meta seen;
	long id;

	open_vault(fx);
	snapshot_init(&s);
	snapshot_init(&empty);
	organisation(&s);
	id = store(fx, "hr", "2026-01-15", &empty, &s, NULL);
	snapshot_init(&one);
	assert_int_equal(vault_person_get(fx->v, "1", &one, &seen, &fx->e), 1);
	assert_int_equal(one.npersons, 1);
	assert_true(one.persons[0].present);
	assert_string_equal(one.persons[0].f[P_FAMILY_NAME], "Jansen");
	assert_string_equal(one.persons[0].f[P_FAMILY_NAME_PREFIX], "de");
	assert_string_equal(extra_of(&one, ENT_PERSON, one.persons[0].extra, "badge"), "B-1");
	assert_int_equal(one.persons[0].ncontracts, 2);
	assert_int_equal(one.persons[0].nassignments, 1);
	assert_string_equal(one.contracts[0].f[C_CONTRACT_ID], "C1");
	assert_int_equal(one.contracts[1].end, tl_day("2026-06-30"));
	assert_string_equal(extra_of(&one, ENT_CONTRACT, one.contracts[0].extra, "hours"), "32");
	assert_int_equal(seen.id, id);
	assert_string_equal(seen.source, "hr");
	snapshot_release(&one);
	snapshot_release(&empty);
	snapshot_release(&s);
}

static void
a_removed_person_is_got_as_last_seen(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s1, s2, s3, empty, prev, one;
	struct snapshot_meta seen, m;
	long id1, id2;

	open_vault(fx);
	snapshot_init(&empty);
	snapshot_init(&s1);
	organisation(&s1);
	id1 = store(fx, "hr", "2026-01-15", &empty, &s1, NULL);
	/* 2 leaves in the second snapshot; a third comes after. */
	snapshot_init(&s2);
	with_extras(&s2);
	add_person(&s2, "1", "Jan", "Jansen")->f[P_FAMILY_NAME_PREFIX] = "de";
	add_contract(&s2, "1", "C1", "2020-01-01", NULL);
	snapshot_index(&s2);
	assert_int_equal(load(fx, "hr", &prev, &m), 1);
	id2 = store(fx, "hr", "2026-01-16", &prev, &s2, NULL);
	snapshot_release(&prev);
	snapshot_init(&s3);
	with_extras(&s3);
	add_person(&s3, "1", "Jan", "Jansen")->f[P_FAMILY_NAME_PREFIX] = "de";
	add_contract(&s3, "1", "C1", "2020-01-01", NULL);
	snapshot_index(&s3);
	assert_int_equal(load(fx, "hr", &prev, &m), 1);
	store(fx, "hr", "2026-01-17", &prev, &s3, NULL);

	snapshot_init(&one);
	assert_int_equal(vault_person_get(fx->v, "2", &one, &seen, &fx->e), 1);
	assert_int_equal(one.npersons, 1);
	assert_false(one.persons[0].present);
	assert_int_equal(one.persons[0].removed_in, id2);
	assert_string_equal(one.persons[0].f[P_FAMILY_NAME], "Bakker");
	assert_string_equal(one.persons[0].f[P_MANAGER_ID], "1");
	/* Their contract and assignment as they were when they left */
	assert_int_equal(one.persons[0].ncontracts, 1);
	assert_string_equal(one.contracts[0].f[C_CONTRACT_ID], "C3");
	assert_string_equal(one.contracts[0].f[C_MANAGER_ID], "1");
	assert_int_equal(one.persons[0].nassignments, 1);
	/* Last seen in the first snapshot, not the latest */
	assert_int_equal(seen.id, id1);
	assert_int_equal(seen.at, tl_day("2026-01-15"));
	snapshot_release(&one);
	snapshot_release(&prev);
	snapshot_release(&s3);
	snapshot_release(&s2);
	snapshot_release(&s1);
	snapshot_release(&empty);
}

static void
an_unknown_person_is_not_found(void **state)
{
	struct fixture *fx = *state;
	struct snapshot one;
	struct snapshot_meta seen;

	open_vault(fx);
	snapshot_init(&one);
	assert_int_equal(vault_person_get(fx->v, "nobody", &one, &seen, &fx->e), 0);
	assert_int_equal(one.npersons, 0);
	snapshot_release(&one);
}

/* --- transactions --- */

static void
a_rolled_back_store_leaves_nothing(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s, empty, back, one;
	struct snapshot_meta m, seen;
	struct changeset cs;

	open_vault(fx);
	snapshot_init(&s);
	snapshot_init(&empty);
	organisation(&s);
	meta_for(&m, "hr", "2026-01-15");
	changeset_init(&cs);
	diff_snapshots(&empty, m.at, &s, m.at, &cs);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	assert_int_equal(vault_snapshot_store(fx->v, &m, &empty, &s, &cs, NULL, &fx->e), 0);
	assert_true(m.id > 0);
	vault_rollback(fx->v);
	changeset_release(&cs);

	assert_int_equal(load(fx, "hr", &back, &m), 0);
	assert_int_equal(vault_snapshot_list(fx->v, NULL, &m, 1, &fx->e), 0);
	snapshot_init(&one);
	assert_int_equal(vault_person_get(fx->v, "1", &one, &seen, &fx->e), 0);
	assert_int_equal(sql_long(fx, "SELECT count(*) FROM persons"), 0);
	assert_int_equal(sql_long(fx, "SELECT count(*) FROM contracts"), 0);
	assert_int_equal(sql_long(fx, "SELECT count(*) FROM assignments"), 0);
	assert_int_equal(sql_long(fx, "SELECT count(*) FROM changes"), 0);
	snapshot_release(&one);
	snapshot_release(&back);
	snapshot_release(&empty);
	snapshot_release(&s);
}

static void
a_rolled_back_second_store_keeps_the_first(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s, empty, prev, back;
	struct snapshot_meta m;
	struct changeset cs;
	long id1;

	open_vault(fx);
	snapshot_init(&s);
	snapshot_init(&empty);
	organisation(&s);
	id1 = store(fx, "hr", "2026-01-15", &empty, &s, NULL);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	assert_int_equal(load(fx, "hr", &prev, &m), 1);
	/* Everyone leaves, then the import is abandoned. */
	meta_for(&m, "hr", "2026-01-16");
	changeset_init(&cs);
	diff_snapshots(&prev, m.at, &empty, m.at, &cs);
	assert_int_equal(vault_snapshot_store(fx->v, &m, &prev, &empty, &cs, NULL, &fx->e), 0);
	vault_rollback(fx->v);
	changeset_release(&cs);

	assert_int_equal(load(fx, "hr", &back, &m), 1);
	assert_int_equal(m.id, id1);
	assert_same(&s, &back);
	snapshot_release(&back);
	snapshot_release(&prev);
	snapshot_release(&empty);
	snapshot_release(&s);
}

static void
closing_with_an_open_transaction_rolls_it_back(void **state)
{
	struct fixture *fx = *state;
	struct snapshot s, empty, back;
	struct snapshot_meta m;
	struct changeset cs;

	open_vault(fx);
	snapshot_init(&s);
	snapshot_init(&empty);
	organisation(&s);
	meta_for(&m, "hr", "2026-01-15");
	changeset_init(&cs);
	diff_snapshots(&empty, m.at, &s, m.at, &cs);
	assert_int_equal(vault_begin(fx->v, &fx->e), 0);
	assert_int_equal(vault_snapshot_store(fx->v, &m, &empty, &s, &cs, NULL, &fx->e), 0);
	changeset_release(&cs);
	vault_close(fx->v);
	open_vault(fx);
	assert_int_equal(load(fx, "hr", &back, &m), 0);
	snapshot_release(&back);
	snapshot_release(&empty);
	snapshot_release(&s);
}

static void
the_actor_is_a_user_name(void **state)
{
	const char *a = vault_actor();

	(void)state;
	assert_non_null(a);
	assert_true(strlen(a) > 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(open_creates_the_file_and_its_folder_at_the_newest_schema_version),
		T(reopening_keeps_the_schema_and_the_data),
		T(a_vault_from_a_newer_roster_is_refused),
		T(a_postgresql_location_is_not_available_yet),
		T(a_folder_that_cannot_be_made_is_an_error),
		cmocka_unit_test(closing_nothing_is_harmless),
		T(a_source_never_imported_loads_nothing),
		T(a_stored_snapshot_loads_back_equal),
		T(the_first_store_records_a_summary_not_a_change_per_joiner),
		T(a_second_store_writes_the_changes),
		T(a_returning_person_is_present_again_with_their_new_contract),
		T(problems_are_stored_with_the_snapshot),
		T(snapshots_are_listed_newest_first_per_source),
		T(a_present_person_is_got_with_the_latest_snapshot),
		T(a_removed_person_is_got_as_last_seen),
		T(an_unknown_person_is_not_found),
		T(a_rolled_back_store_leaves_nothing),
		T(a_rolled_back_second_store_keeps_the_first),
		T(closing_with_an_open_transaction_rolls_it_back),
		cmocka_unit_test(the_actor_is_a_user_name),
		T(an_employee_id_of_another_source_is_refused_and_the_first_source_keeps_its_person),
	};

	return cmocka_run_group_tests_name("vault", tests, NULL, NULL);
}
