/*
 * What the unit tests share (testlib.h). Failures go through cmocka's
 * _fail(), which jumps out of the running test, so nothing here may hold a
 * resource across a call that can fail the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testlib.h"

/* --- assertions --- */

void
tl_assert_contains_fl(const char *hay, const char *needle, const char *file, int line)
{
	if (!hay || !strstr(hay, needle)) {
		print_error("%s:%d: \"%s\" does not contain \"%s\"\n", file, line, hay ? hay : "(null)", needle);
		_fail(file, line);
	}
}

/* --- scratch directories and files --- */

int
tl_tmpdir_make(char *dir, size_t size, const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(dir, size, "%s/roster-%s-XXXXXX", tmp ? tmp : "/tmp", tag);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
tl_tmpdir_remove(const char *dir)
{
	/* Depth first, so that a directory is empty when its turn comes. */
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

void
tl_put_file(const char *dir, const char *name, const char *data)
{
	char path[1024];
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		fail_msg("path too long: %s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	assert_int_equal(fclose(f), 0);
}

/* --- snapshot records --- */

civil_day
tl_day(const char *iso)
{
	civil_day d;

	if (date_parse_iso(iso, &d) < 0)
		fail_msg("bad date in the test: %s", iso);
	return d;
}

struct person *
tl_add_person(struct snapshot *s, const char *id, const char *given, const char *family)
{
	struct person *p = snapshot_add_person(s);

	p->f[P_EMPLOYEE_ID] = arena_strdup(&s->arena, id);
	if (given)
		p->f[P_GIVEN_NAME] = arena_strdup(&s->arena, given);
	if (family)
		p->f[P_FAMILY_NAME] = arena_strdup(&s->arena, family);
	return p;
}

struct contract *
tl_add_contract(struct snapshot *s, const char *emp, const char *cid, const char *start, const char *end)
{
	struct contract *c = snapshot_add_contract(s);

	c->f[C_CONTRACT_ID] = arena_strdup(&s->arena, cid);
	c->f[C_EMPLOYEE_ID] = arena_strdup(&s->arena, emp);
	c->f[C_START_DATE] = arena_strdup(&s->arena, start);
	c->start = tl_day(start);
	if (end) {
		c->f[C_END_DATE] = arena_strdup(&s->arena, end);
		c->end = tl_day(end);
	}
	return c;
}

struct assignment *
tl_add_assignment(struct snapshot *s, const char *emp, const char *kind, const char *value, const char *start,
		  const char *end)
{
	struct assignment *a = snapshot_add_assignment(s);

	a->f[A_EMPLOYEE_ID] = arena_strdup(&s->arena, emp);
	a->f[A_KIND] = arena_strdup(&s->arena, kind);
	a->f[A_VALUE] = arena_strdup(&s->arena, value);
	if (start) {
		a->f[A_START_DATE] = arena_strdup(&s->arena, start);
		a->start = tl_day(start);
	}
	if (end) {
		a->f[A_END_DATE] = arena_strdup(&s->arena, end);
		a->end = tl_day(end);
	}
	return a;
}

/* --- the source fixture --- */

struct tl_source *
tl_source_new(const char *tag)
{
	struct tl_source *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return NULL;
	if (tl_tmpdir_make(fx->dir, sizeof(fx->dir), tag) < 0) {
		free(fx);
		return NULL;
	}
	snapshot_init(&fx->s);
	snapshot_init(&fx->prev);
	problems_init(&fx->ps);
	err_init(&fx->e);
	return fx;
}

void
tl_source_free(struct tl_source *fx)
{
	if (!fx)
		return;
	if (fx->cfg_loaded)
		config_release(&fx->cfg);
	snapshot_release(&fx->s);
	snapshot_release(&fx->prev);
	problems_release(&fx->ps);
	tl_tmpdir_remove(fx->dir);
	free(fx);
}

void
tl_source_config(struct tl_source *fx, const char *yaml)
{
	char path[sizeof(fx->dir) + sizeof("/roster.yaml")];

	tl_put_file(fx->dir, "roster.yaml", yaml);
	snprintf(path, sizeof(path), "%s/roster.yaml", fx->dir);
	if (config_load(&fx->cfg, path, &fx->e) < 0)
		fail_msg("config_load: %s", fx->e.msg);
	fx->cfg_loaded = 1;
}

int
tl_source_read(struct tl_source *fx)
{
	snapshot_release(&fx->s);
	problems_release(&fx->ps);
	snapshot_init(&fx->s);
	problems_init(&fx->ps);
	err_init(&fx->e);
	return source_read(&fx->cfg.sources[0], &fx->s, &fx->ps, &fx->e);
}

void
tl_source_read_ok_fl(struct tl_source *fx, const char *file, int line)
{
	if (tl_source_read(fx) != 0) {
		print_error("%s:%d: source_read failed: %s\n", file, line, fx->e.msg);
		_fail(file, line);
	}
}

const char *
tl_source_read_err_fl(struct tl_source *fx, const char *file, int line)
{
	if (tl_source_read(fx) == 0) {
		print_error("%s:%d: source_read succeeded\n", file, line);
		_fail(file, line);
	}
	return fx->e.msg;
}

/* Prints every problem, to see what was found when a test fails. */
static void
dump_problems(const struct tl_source *fx)
{
	for (size_t i = 0; i < fx->ps.n; i++) {
		char *t = problem_format(&fx->ps.v[i]);

		print_message("  %s: %s\n", fx->ps.v[i].level == PROBLEM_ERROR ? "error" : "warning", t);
		free(t);
	}
}

void
tl_assert_no_problems_fl(const struct tl_source *fx, const char *file, int line)
{
	if (fx->ps.n) {
		print_error("%s:%d: %zu unexpected problems:\n", file, line, fx->ps.n);
		dump_problems(fx);
		_fail(file, line);
	}
}

const struct problem *
tl_problem_fl(const struct tl_source *fx, enum problem_level level, const char *text, const char *file, int line)
{
	for (size_t i = 0; i < fx->ps.n; i++) {
		char *t;
		int hit;

		if (fx->ps.v[i].level != level)
			continue;
		t = problem_format(&fx->ps.v[i]);
		hit = strstr(t, text) != NULL;
		free(t);
		if (hit)
			return &fx->ps.v[i];
	}
	print_error("%s:%d: no %s containing \"%s\"; the problems are:\n", file, line,
		    level == PROBLEM_ERROR ? "error" : "warning", text);
	dump_problems(fx);
	_fail(file, line);
	return NULL;
}

const struct person *
tl_source_person(const struct tl_source *fx, const char *id)
{
	size_t i;

	return snapshot_person_find(&fx->s, id, &i) ? &fx->s.persons[i] : NULL;
}

const struct contract *
tl_source_contract(const struct tl_source *fx, const char *cid)
{
	for (size_t i = 0; i < fx->s.ncontracts; i++)
		if (!strcmp(fx->s.contracts[i].f[C_CONTRACT_ID], cid))
			return &fx->s.contracts[i];
	return NULL;
}
