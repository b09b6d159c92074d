#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/snapshot.h"
#include "util/xalloc.h"
#include "util/banned.h"

const struct field_def snapshot_fields[] = {
	{ "employee_id", ENT_PERSON, P_EMPLOYEE_ID, FT_TEXT, 1 },
	{ "given_name", ENT_PERSON, P_GIVEN_NAME, FT_TEXT, 0 },
	{ "initials", ENT_PERSON, P_INITIALS, FT_TEXT, 0 },
	{ "family_name_prefix", ENT_PERSON, P_FAMILY_NAME_PREFIX, FT_TEXT, 0 },
	{ "family_name", ENT_PERSON, P_FAMILY_NAME, FT_TEXT, 1 },
	{ "partner_name_prefix", ENT_PERSON, P_PARTNER_NAME_PREFIX, FT_TEXT, 0 },
	{ "partner_name", ENT_PERSON, P_PARTNER_NAME, FT_TEXT, 0 },
	{ "name_convention", ENT_PERSON, P_NAME_CONVENTION, FT_CONVENTION, 0 },
	{ "email_private", ENT_PERSON, P_EMAIL_PRIVATE, FT_TEXT, 0 },
	{ "phone", ENT_PERSON, P_PHONE, FT_TEXT, 0 },
	{ "manager_id", ENT_PERSON, P_MANAGER_ID, FT_TEXT, 0 },
	{ "contract_id", ENT_CONTRACT, C_CONTRACT_ID, FT_TEXT, 0 },
	{ "employee_id", ENT_CONTRACT, C_EMPLOYEE_ID, FT_TEXT, 1 },
	{ "start_date", ENT_CONTRACT, C_START_DATE, FT_DATE, 1 },
	{ "end_date", ENT_CONTRACT, C_END_DATE, FT_DATE, 0 },
	{ "department.code", ENT_CONTRACT, C_DEPARTMENT_CODE, FT_TEXT, 0 },
	{ "department.name", ENT_CONTRACT, C_DEPARTMENT_NAME, FT_TEXT, 0 },
	{ "title.code", ENT_CONTRACT, C_TITLE_CODE, FT_TEXT, 0 },
	{ "title.name", ENT_CONTRACT, C_TITLE_NAME, FT_TEXT, 0 },
	{ "cost_center", ENT_CONTRACT, C_COST_CENTER, FT_TEXT, 0 },
	{ "location", ENT_CONTRACT, C_LOCATION, FT_TEXT, 0 },
	{ "fte", ENT_CONTRACT, C_FTE, FT_NUMBER, 0 },
	{ "type", ENT_CONTRACT, C_TYPE, FT_TEXT, 0 },
	{ "manager_id", ENT_CONTRACT, C_MANAGER_ID, FT_TEXT, 0 },
	{ "employee_id", ENT_ASSIGNMENT, A_EMPLOYEE_ID, FT_TEXT, 1 },
	{ "kind", ENT_ASSIGNMENT, A_KIND, FT_TEXT, 1 },
	{ "value", ENT_ASSIGNMENT, A_VALUE, FT_TEXT, 0 },
	{ "start_date", ENT_ASSIGNMENT, A_START_DATE, FT_DATE, 0 },
	{ "end_date", ENT_ASSIGNMENT, A_END_DATE, FT_DATE, 0 },
};
const size_t snapshot_nfields = sizeof(snapshot_fields) / sizeof(snapshot_fields[0]);

static const int entity_nfields[ENT_COUNT] = { P_NFIELDS, C_NFIELDS, A_NFIELDS };
static const size_t entity_first[ENT_COUNT] = { 0, P_NFIELDS, P_NFIELDS + C_NFIELDS };

const char *
snapshot_field_name(enum entity ent, int idx)
{
	return snapshot_fields[entity_first[ent] + (size_t)idx].name;
}

int
snapshot_entity_nfields(enum entity ent)
{
	return entity_nfields[ent];
}

const char *
snapshot_entity_name(enum entity ent)
{
	static const char *const names[ENT_COUNT] = { "person", "contract", "assignment" };

	return names[ent];
}

void
snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void
snapshot_release(struct snapshot *s)
{
	arena_release(&s->arena);
	free(s->persons);
	free(s->contracts);
	free(s->assignments);
	free(s->labels);
	strmap_release(&s->by_id);
	memset(s, 0, sizeof(*s));
}

void
snapshot_set_extras(struct snapshot *s, enum entity ent, const char *const *names, size_t n)
{
	const char **v = arena_alloc(&s->arena, (n ? n : 1) * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = arena_strdup(&s->arena, names[i]);
	s->extra_names[ent] = v;
	s->nextra[ent] = n;
}

void
snapshot_label_add(struct snapshot *s, const char *file, const char *field, const char *header)
{
	struct column_label *l;

	XGROW(s->labels, s->labels_cap, s->nlabels + 1);
	l = &s->labels[s->nlabels++];
	l->file = arena_strdup(&s->arena, file);
	l->field = arena_strdup(&s->arena, field);
	l->header = arena_strdup(&s->arena, header);
}

const char *
snapshot_label(const struct snapshot *s, const char *file, const char *field)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (file && !strcmp(s->labels[i].file, file) && !strcmp(s->labels[i].field, field))
			return s->labels[i].header;
	return NULL;
}

static const char **
empty_extras(struct snapshot *s, enum entity ent)
{
	size_t n = s->nextra[ent];
	const char **v;

	if (!n)
		return NULL;
	v = arena_alloc(&s->arena, n * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = "";
	return v;
}

struct person *
snapshot_add_person(struct snapshot *s)
{
	struct person *p;

	XGROW(s->persons, s->persons_cap, s->npersons + 1);
	p = &s->persons[s->npersons++];
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < P_NFIELDS; i++)
		p->f[i] = "";
	p->extra = empty_extras(s, ENT_PERSON);
	p->present = 1;
	s->indexed = 0;
	return p;
}

struct contract *
snapshot_add_contract(struct snapshot *s)
{
	struct contract *c;

	XGROW(s->contracts, s->contracts_cap, s->ncontracts + 1);
	c = &s->contracts[s->ncontracts++];
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < C_NFIELDS; i++)
		c->f[i] = "";
	c->extra = empty_extras(s, ENT_CONTRACT);
	c->start = DATE_NONE;
	c->end = DATE_NONE;
	s->indexed = 0;
	return c;
}

struct assignment *
snapshot_add_assignment(struct snapshot *s)
{
	struct assignment *a;

	XGROW(s->assignments, s->assignments_cap, s->nassignments + 1);
	a = &s->assignments[s->nassignments++];
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < A_NFIELDS; i++)
		a->f[i] = "";
	a->extra = empty_extras(s, ENT_ASSIGNMENT);
	a->start = DATE_NONE;
	a->end = DATE_NONE;
	s->indexed = 0;
	return a;
}

#define APPEND(to, from, arr, n, cap)                                                                                  \
	do {                                                                                                           \
		XGROW((to)->arr, (to)->cap, (to)->n + (from)->n);                                                      \
		if ((from)->n)                                                                                         \
			memcpy((to)->arr + (to)->n, (from)->arr, (from)->n * sizeof(*(from)->arr));                    \
		(to)->n += (from)->n;                                                                                  \
		(from)->n = 0;                                                                                         \
	} while (0)

void
snapshot_append(struct snapshot *to, struct snapshot *from)
{
	APPEND(to, from, persons, npersons, persons_cap);
	APPEND(to, from, contracts, ncontracts, contracts_cap);
	APPEND(to, from, assignments, nassignments, assignments_cap);
	arena_adopt(&to->arena, &from->arena);
	to->indexed = 0;
}

static int
person_cmp(const void *a, const void *b)
{
	const struct person *x = a, *y = b;

	return strcmp(x->f[P_EMPLOYEE_ID], y->f[P_EMPLOYEE_ID]);
}

static int
contract_cmp(const void *a, const void *b)
{
	const struct contract *x = a, *y = b;
	int c = strcmp(x->f[C_EMPLOYEE_ID], y->f[C_EMPLOYEE_ID]);

	return c ? c : strcmp(x->f[C_CONTRACT_ID], y->f[C_CONTRACT_ID]);
}

int
assignment_cmp(const struct assignment *x, const struct assignment *y)
{
	int c = strcmp(x->f[A_EMPLOYEE_ID], y->f[A_EMPLOYEE_ID]);

	if (!c)
		c = strcmp(x->f[A_KIND], y->f[A_KIND]);
	if (!c)
		c = strcmp(x->f[A_VALUE], y->f[A_VALUE]);
	if (!c)
		c = strcmp(x->f[A_START_DATE], y->f[A_START_DATE]);
	return c;
}

static int
assignment_qcmp(const void *a, const void *b)
{
	return assignment_cmp(a, b);
}

/* Sorts unless already sorted: the vault hands records over in key order. */
static void
sort_if_needed(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	const char *p = base;

	for (size_t i = 1; i < n; i++) {
		if (cmp(p + (i - 1) * size, p + i * size) > 0) {
			qsort(base, n, size, cmp);
			return;
		}
	}
}

void
snapshot_index(struct snapshot *s)
{
	size_t i, j;

	sort_if_needed(s->persons, s->npersons, sizeof(*s->persons), person_cmp);
	sort_if_needed(s->contracts, s->ncontracts, sizeof(*s->contracts), contract_cmp);
	sort_if_needed(s->assignments, s->nassignments, sizeof(*s->assignments), assignment_qcmp);
	strmap_release(&s->by_id);
	for (i = 0; i < s->npersons; i++) {
		s->persons[i].ncontracts = s->persons[i].nassignments = 0;
		s->persons[i].contract0 = s->persons[i].assignment0 = 0;
		strmap_put(&s->by_id, s->persons[i].f[P_EMPLOYEE_ID], i);
	}
	/* Both lists are sorted by employee_id, so each person's records are one run. */
	for (i = 0; i < s->ncontracts; i = j) {
		size_t pi;

		for (j = i;
		     j < s->ncontracts && !strcmp(s->contracts[j].f[C_EMPLOYEE_ID], s->contracts[i].f[C_EMPLOYEE_ID]);
		     j++)
			;
		if (strmap_get(&s->by_id, s->contracts[i].f[C_EMPLOYEE_ID], &pi)) {
			s->persons[pi].contract0 = i;
			s->persons[pi].ncontracts = j - i;
		}
	}
	for (i = 0; i < s->nassignments; i = j) {
		size_t pi;

		for (j = i; j < s->nassignments &&
			    !strcmp(s->assignments[j].f[A_EMPLOYEE_ID], s->assignments[i].f[A_EMPLOYEE_ID]);
		     j++)
			;
		if (strmap_get(&s->by_id, s->assignments[i].f[A_EMPLOYEE_ID], &pi)) {
			s->persons[pi].assignment0 = i;
			s->persons[pi].nassignments = j - i;
		}
	}
	s->indexed = 1;
}

int
snapshot_person_find(const struct snapshot *s, const char *employee_id, size_t *idx)
{
	return strmap_get(&s->by_id, employee_id, idx);
}

int
contract_active(const struct contract *c, civil_day at)
{
	return c->start <= at && (c->end == DATE_NONE || at <= c->end);
}

int
contract_current_or_future(const struct contract *c, civil_day at)
{
	return c->end == DATE_NONE || at <= c->end;
}

/* 0 active, 1 upcoming, 2 ended: the first key of the primary order. */
static int
contract_phase(const struct contract *c, civil_day at)
{
	if (contract_active(c, at))
		return 0;
	return c->start > at ? 1 : 2;
}

const struct contract *
snapshot_primary_contract(const struct snapshot *s, const struct person *p, civil_day at)
{
	const struct contract *best = NULL;

	for (size_t i = 0; i < p->ncontracts; i++) {
		const struct contract *c = &s->contracts[p->contract0 + i];
		int pc, pb;

		if (!best) {
			best = c;
			continue;
		}
		pc = contract_phase(c, at);
		pb = contract_phase(best, at);
		if (pc != pb) {
			if (pc < pb)
				best = c;
			continue;
		}
		if (c->fte != best->fte) {
			if (c->fte > best->fte)
				best = c;
			continue;
		}
		if (c->start != best->start) {
			if (c->start < best->start)
				best = c;
			continue;
		}
		if (strcmp(c->f[C_CONTRACT_ID], best->f[C_CONTRACT_ID]) < 0)
			best = c;
	}
	return best;
}

void
snapshot_person_label(const struct person *p, char *out, size_t outlen)
{
	const char *given = p->f[P_GIVEN_NAME], *prefix = p->f[P_FAMILY_NAME_PREFIX];

	snprintf(out, outlen, "%s%s%s%s%s", given, *given ? " " : "", prefix, *prefix ? " " : "", p->f[P_FAMILY_NAME]);
}
