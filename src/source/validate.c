/*
 * Checks across records, after every row was read: what no single row can
 * know. Errors leave the record out (the import refuses unless
 * --skip-invalid); warnings keep it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * Where a record's field stands, as the user sees it: the column header its
 * own file uses (a field may have alternatives), or the JSON path.
 */
static void
where_col(char *out, size_t outlen, const struct snapshot *s, const struct origin *at, const struct source_cfg *cfg,
	  const char *field)
{
	const struct cfg_field *cf;
	const char *label;

	if (at->path) {
		snprintf(out, outlen, "field \"%s.%s\"", at->path, field);
		return;
	}
	label = snapshot_label(s, at->file, field);
	if (!label) {
		cf = source_cfg_field(cfg, field);
		label = cf ? cf->columns[0] : field;
	}
	snprintf(out, outlen, "column \"%s\"", label);
}

/* A problem with a record's field; where it stands is worked out only now, not for every record checked. */
static void report(struct problems *ps, enum problem_level level, const struct snapshot *s,
		   const struct source_cfg *cfg, const struct origin *at, const char *field, const char *value,
		   enum entity ent, const char *key, const char *fmt, ...) __attribute__((format(printf, 10, 11)));

static void
report(struct problems *ps, enum problem_level level, const struct snapshot *s, const struct source_cfg *cfg,
       const struct origin *at, const char *field, const char *value, enum entity ent, const char *key, const char *fmt,
       ...)
{
	char where[512], msg[1024];
	va_list ap;

	where_col(where, sizeof(where), s, at, cfg, field);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	problems_add(ps, level, at->file, at->line, where, value, ent, key, "%s", msg);
}

/* "on line 4" or "at persons[2]": where the first of two duplicates is. */
static void
first_at(char *out, size_t outlen, const struct origin *at)
{
	if (at->path)
		snprintf(out, outlen, "at %s", at->path);
	else
		snprintf(out, outlen, "on line %d", at->line);
}

/* Leaves out later persons with an employee_id seen before; seen maps each id to its first person. */
static void
check_duplicate_persons(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps, char *drop,
			struct strmap *seen_out)
{
	struct strmap seen = STRMAP_INIT;
	char first_where[256];

	for (size_t i = 0; i < s->npersons; i++) {
		struct person *p = &s->persons[i];
		size_t first;

		if (strmap_get(&seen, p->f[P_EMPLOYEE_ID], &first)) {
			first_at(first_where, sizeof(first_where), &s->persons[first].at);
			report(ps, PROBLEM_ERROR, s, cfg, &p->at, "employee_id", p->f[P_EMPLOYEE_ID], ENT_PERSON, NULL,
			       "duplicate employee_id (first %s)", first_where);
			drop[i] = 1;
			continue;
		}
		strmap_put(&seen, p->f[P_EMPLOYEE_ID], i);
	}
	*seen_out = seen;
}

static void
check_contracts(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps, struct strmap *skipped,
		char *cdrop, struct strmap *persons)
{
	struct strmap seen = STRMAP_INIT;
	char first_where[256];

	for (size_t i = 0; i < s->ncontracts; i++) {
		struct contract *c = &s->contracts[i];
		size_t first, pi;

		if (strmap_get(&seen, c->f[C_CONTRACT_ID], &first)) {
			first_at(first_where, sizeof(first_where), &s->contracts[first].at);
			report(ps, PROBLEM_ERROR, s, cfg, &c->at, "contract_id", c->f[C_CONTRACT_ID], ENT_CONTRACT,
			       NULL, "duplicate contract_id (first %s)", first_where);
			cdrop[i] = 1;
			continue;
		}
		strmap_put(&seen, c->f[C_CONTRACT_ID], i);
		if (strmap_get(skipped, c->f[C_EMPLOYEE_ID], &pi)) {
			report(ps, PROBLEM_ERROR, s, cfg, &c->at, "employee_id", c->f[C_EMPLOYEE_ID], ENT_CONTRACT,
			       c->f[C_CONTRACT_ID], "left out with its person, whose row has an error");
			cdrop[i] = 1;
		} else if (!strmap_get(persons, c->f[C_EMPLOYEE_ID], &pi)) {
			report(ps, PROBLEM_ERROR, s, cfg, &c->at, "employee_id", c->f[C_EMPLOYEE_ID], ENT_CONTRACT,
			       c->f[C_CONTRACT_ID], "a contract for a person that is not in %s", cfg->persons);
			cdrop[i] = 1;
		}
	}
	strmap_release(&seen);
}

static void
check_assignments(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps, struct strmap *skipped,
		  char *adrop, struct strmap *persons)
{
	for (size_t i = 0; i < s->nassignments; i++) {
		struct assignment *a = &s->assignments[i];
		size_t pi;

		if (strmap_get(skipped, a->f[A_EMPLOYEE_ID], &pi)) {
			report(ps, PROBLEM_ERROR, s, cfg, &a->at, "employee_id", a->f[A_EMPLOYEE_ID], ENT_ASSIGNMENT,
			       NULL, "left out with its person, whose row has an error");
			adrop[i] = 1;
		} else if (!strmap_get(persons, a->f[A_EMPLOYEE_ID], &pi)) {
			report(ps, PROBLEM_ERROR, s, cfg, &a->at, "employee_id", a->f[A_EMPLOYEE_ID], ENT_ASSIGNMENT,
			       NULL, "an assignment for a person that is not in %s", cfg->persons);
			adrop[i] = 1;
		}
	}
}

/* Removes the records marked in drop, keeping the order of the rest. */
#define COMPACT(arr, n, drop)                                                                                          \
	do {                                                                                                           \
		size_t w_ = 0;                                                                                         \
		for (size_t r_ = 0; r_ < (n); r_++)                                                                    \
			if (!(drop)[r_])                                                                               \
				(arr)[w_++] = (arr)[r_];                                                               \
		(n) = w_;                                                                                              \
	} while (0)

/* Returns how many were left out. */
static size_t
check_duplicate_assignments(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps)
{
	char first_where[256];
	char *drop;
	size_t before = s->nassignments;

	/* Sorted by key after snapshot_index: a duplicate stands next to its twin. */
	drop = xcalloc(s->nassignments + 1, 1);
	for (size_t i = 1; i < s->nassignments; i++) {
		struct assignment *a = &s->assignments[i], *b = &s->assignments[i - 1];

		if (assignment_cmp(a, b))
			continue;
		first_at(first_where, sizeof(first_where), &b->at);
		report(ps, PROBLEM_ERROR, s, cfg, &a->at, "kind", a->f[A_KIND], ENT_ASSIGNMENT, NULL,
		       "the same assignment (%s \"%s\" from %s) is also %s", a->f[A_KIND], a->f[A_VALUE],
		       *a->f[A_START_DATE] ? a->f[A_START_DATE] : "the start", first_where);
		drop[i] = 1;
	}
	COMPACT(s->assignments, s->nassignments, drop);
	free(drop);
	return before - s->nassignments;
}

/*
 * The manager a person reports to, as change detection sees it: the primary
 * contract's manager, else the person's own field. (The primary contract is
 * taken as of the far future: which one it is must not depend on the day.)
 */
static const char *
manager_of(const struct snapshot *s, const struct person *p)
{
	const struct contract *c = snapshot_primary_contract(s, p, DATE_NONE - 1);

	if (c && *c->f[C_MANAGER_ID])
		return c->f[C_MANAGER_ID];
	return p->f[P_MANAGER_ID];
}

static void
check_managers(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps)
{
	char wp[512];
	unsigned char *state;

	for (size_t i = 0; i < s->npersons; i++) {
		const struct person *p = &s->persons[i];
		size_t mi;

		if (*p->f[P_MANAGER_ID] && !snapshot_person_find(s, p->f[P_MANAGER_ID], &mi))
			report(ps, PROBLEM_WARNING, s, cfg, &p->at, "manager_id", p->f[P_MANAGER_ID], ENT_PERSON,
			       p->f[P_EMPLOYEE_ID], "the manager is not a known person");
	}
	for (size_t i = 0; i < s->ncontracts; i++) {
		const struct contract *c = &s->contracts[i];
		size_t mi;

		if (!*c->f[C_MANAGER_ID])
			continue;
		if (!snapshot_person_find(s, c->f[C_MANAGER_ID], &mi))
			report(ps, PROBLEM_WARNING, s, cfg, &c->at, "manager_id", c->f[C_MANAGER_ID], ENT_CONTRACT,
			       c->f[C_CONTRACT_ID], "the manager is not a known person");
	}
	/*
	 * Cycles: follow each chain of managers, marking persons on the current
	 * walk (1) and those already known to end well (2). Reaching a 1 again is a cycle.
	 */
	state = xcalloc(s->npersons + 1, 1);
	for (size_t i = 0; i < s->npersons; i++) {
		size_t cur = i, mi;

		while (state[cur] == 0) {
			const char *m = manager_of(s, &s->persons[cur]);

			state[cur] = 1;
			if (!*m || !snapshot_person_find(s, m, &mi))
				break;
			if (state[mi] == 1) {
				/* Name the link that closes the cycle: this person, whose manager m is already on the walk. */
				const struct person *p = &s->persons[cur];
				const struct contract *pc = snapshot_primary_contract(s, p, DATE_NONE - 1);
				const struct origin *at = pc && *pc->f[C_MANAGER_ID] ? &pc->at : &p->at;

				where_col(wp, sizeof(wp), s, at, cfg, "manager_id");
				problems_add(
					ps, PROBLEM_WARNING, at->file, at->line, wp, m, ENT_PERSON, p->f[P_EMPLOYEE_ID],
					"a cycle of managers: %s reports, through others or directly, to themselves",
					m);
				break;
			}
			cur = mi;
		}
		/* Everything on this walk is now settled. */
		cur = i;
		while (state[cur] == 1) {
			const char *m = manager_of(s, &s->persons[cur]);

			state[cur] = 2;
			if (!*m || !snapshot_person_find(s, m, &mi))
				break;
			cur = mi;
		}
	}
	free(state);
}

static void
check_conventions(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps)
{
	for (size_t i = 0; i < s->npersons; i++) {
		const struct person *p = &s->persons[i];
		const char *c = p->f[P_NAME_CONVENTION];

		if (!*c)
			continue;
		if (*c && strcmp(c, "B") && strcmp(c, "P") && strcmp(c, "BP") && strcmp(c, "PB"))
			report(ps, PROBLEM_WARNING, s, cfg, &p->at, "name_convention", c, ENT_PERSON,
			       p->f[P_EMPLOYEE_ID], "not a name convention (expected B, P, BP or PB); B is used");
		else if (*c && strcmp(c, "B") && !*p->f[P_PARTNER_NAME])
			report(ps, PROBLEM_WARNING, s, cfg, &p->at, "name_convention", c, ENT_PERSON,
			       p->f[P_EMPLOYEE_ID], "the convention uses a partner name, but it is empty; B is used");
	}
}

void
source_validate(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps)
{
	struct strmap persons = STRMAP_INIT, skipped = STRMAP_INIT;
	char *pdrop, *cdrop, *adrop;

	/* Persons whose own row had an error: their contracts go with them. */
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].level == PROBLEM_ERROR && ps->v[i].ent == ENT_PERSON && ps->v[i].key)
			strmap_put(&skipped, ps->v[i].key, i);

	pdrop = xcalloc(s->npersons + 1, 1);
	cdrop = xcalloc(s->ncontracts + 1, 1);
	adrop = xcalloc(s->nassignments + 1, 1);
	check_duplicate_persons(cfg, s, ps, pdrop, &persons);
	check_contracts(cfg, s, ps, &skipped, cdrop, &persons);
	check_assignments(cfg, s, ps, &skipped, adrop, &persons);
	strmap_release(&persons);
	strmap_release(&skipped);
	COMPACT(s->persons, s->npersons, pdrop);
	COMPACT(s->contracts, s->ncontracts, cdrop);
	COMPACT(s->assignments, s->nassignments, adrop);
	free(pdrop);
	free(cdrop);
	free(adrop);
	snapshot_index(s);
	if (check_duplicate_assignments(cfg, s, ps))
		snapshot_index(s);
	check_managers(cfg, s, ps);
	check_conventions(cfg, s, ps);
}
