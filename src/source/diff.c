/*
 * Both snapshots are sorted by employee_id, so the comparison is one merge
 * over persons and, per person, one merge over contracts (by contract_id) and
 * over assignments (by their key). Each snapshot is judged on its own date:
 * a contract that ended between two imports makes a leaver in the second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/diff.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *const kind_names[CH_COUNT] = {
	"joiner",
	"leaver",
	"rehire",
	"mover",
	"name_change",
	"manager_change",
	"person_changed",
	"contract_added",
	"contract_ended",
	"contract_changed",
	"assignment_added",
	"assignment_ended",
	"assignment_changed",
};

const char *
change_kind_name(enum change_kind k)
{
	return k < CH_COUNT ? kind_names[k] : "?";
}

void
changeset_init(struct changeset *cs)
{
	memset(cs, 0, sizeof(*cs));
}

void
changeset_release(struct changeset *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->v[i].d);
	free(cs->v);
	arena_release(&cs->arena);
	memset(cs, 0, sizeof(*cs));
}

static void
detail(struct change *c, enum change_kind k, const char *field, const char *old, const char *new, const char *ref)
{
	struct change_detail *d;

	c->kinds |= 1u << k;
	/* Most persons have one or two details: start small, 100,000 joiners add up. */
	if (c->nd + 1 > c->dcap) {
		c->dcap = c->dcap ? c->dcap * 2 : 2;
		c->d = xrealloc(c->d, c->dcap * sizeof(*c->d));
	}
	d = &c->d[c->nd++];
	d->kind = k;
	d->field = field;
	d->old = old;
	d->new = new;
	d->ref = ref;
}

static int
employed(const struct snapshot *s, const struct person *p, civil_day at)
{
	for (size_t i = 0; i < p->ncontracts; i++)
		if (contract_current_or_future(&s->contracts[p->contract0 + i], at))
			return 1;
	return 0;
}

static const char *
manager_of(const struct snapshot *s, const struct person *p, civil_day at)
{
	const struct contract *c = snapshot_primary_contract(s, p, at);

	if (c && *c->f[C_MANAGER_ID])
		return c->f[C_MANAGER_ID];
	return p->f[P_MANAGER_ID];
}

static const int name_fields[] = { P_GIVEN_NAME,	  P_INITIALS,	  P_FAMILY_NAME_PREFIX, P_FAMILY_NAME,
				   P_PARTNER_NAME_PREFIX, P_PARTNER_NAME, P_NAME_CONVENTION };
static const int other_fields[] = { P_EMAIL_PRIVATE, P_PHONE };
static const int mover_fields[] = { C_DEPARTMENT_CODE, C_DEPARTMENT_NAME, C_TITLE_CODE,
				    C_TITLE_NAME,      C_LOCATION,	  C_MANAGER_ID };

/* The value of extra name in a record of s, or "" (the previous snapshot may know other extras). */
static const char *
extra_value(const struct snapshot *s, enum entity ent, const char **x, const char *name)
{
	for (size_t i = 0; i < s->nextra[ent]; i++)
		if (!strcmp(s->extra_names[ent][i], name))
			return x[i];
	return "";
}

static void
diff_extras(struct change *c, enum change_kind k, const struct snapshot *ps, const char **px, const struct snapshot *ns,
	    const char **nx, enum entity ent, const char *ref)
{
	for (size_t i = 0; i < ns->nextra[ent]; i++) {
		const char *name = ns->extra_names[ent][i];
		const char *o = extra_value(ps, ent, px, name);

		if (strcmp(o, nx[i]))
			detail(c, k, name, o, nx[i], ref);
	}
}

static const char *
assignment_ref(struct changeset *cs, const struct assignment *a)
{
	char tmp[1024];

	snprintf(tmp, sizeof(tmp), "%s %s%s%s", a->f[A_KIND], a->f[A_VALUE], *a->f[A_START_DATE] ? " from " : "",
		 a->f[A_START_DATE]);
	return arena_strdup(&cs->arena, tmp);
}

static void
diff_contracts(struct change *c, const struct snapshot *ps, const struct person *pp, civil_day pat,
	       const struct snapshot *ns, const struct person *np, civil_day nat)
{
	size_t i = 0, j = 0;

	while (i < (pp ? pp->ncontracts : 0) || j < np->ncontracts) {
		const struct contract *a = pp && i < pp->ncontracts ? &ps->contracts[pp->contract0 + i] : NULL;
		const struct contract *b = j < np->ncontracts ? &ns->contracts[np->contract0 + j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a->f[C_CONTRACT_ID], b->f[C_CONTRACT_ID]);

		if (cmp < 0) {
			if (contract_current_or_future(a, pat))
				detail(c, CH_CONTRACT_ENDED, NULL, a->f[C_CONTRACT_ID], NULL, a->f[C_CONTRACT_ID]);
			i++;
			continue;
		}
		if (cmp > 0) {
			detail(c, CH_CONTRACT_ADDED, NULL, NULL, b->f[C_CONTRACT_ID], b->f[C_CONTRACT_ID]);
			j++;
			continue;
		}
		{
			int ended = contract_current_or_future(a, pat) && !contract_current_or_future(b, nat);
			enum change_kind k = ended ? CH_CONTRACT_ENDED : CH_CONTRACT_CHANGED;
			size_t before = c->nd;

			for (int f = 0; f < C_NFIELDS; f++)
				if (strcmp(a->f[f], b->f[f]))
					detail(c, k, snapshot_field_name(ENT_CONTRACT, f), a->f[f], b->f[f],
					       b->f[C_CONTRACT_ID]);
			diff_extras(c, k, ps, a->extra, ns, b->extra, ENT_CONTRACT, b->f[C_CONTRACT_ID]);
			/* Ended by the passing of time alone: no field changed, but it is over now. */
			if (ended && c->nd == before)
				detail(c, CH_CONTRACT_ENDED, "end_date", a->f[C_END_DATE], b->f[C_END_DATE],
				       b->f[C_CONTRACT_ID]);
		}
		i++;
		j++;
	}
}

static void
diff_assignments(struct changeset *cs, struct change *c, const struct snapshot *ps, const struct person *pp,
		 civil_day pat, const struct snapshot *ns, const struct person *np, civil_day nat)
{
	size_t i = 0, j = 0;

	while (i < (pp ? pp->nassignments : 0) || j < np->nassignments) {
		const struct assignment *a = pp && i < pp->nassignments ? &ps->assignments[pp->assignment0 + i] : NULL;
		const struct assignment *b = j < np->nassignments ? &ns->assignments[np->assignment0 + j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : assignment_cmp(a, b);

		if (cmp < 0) {
			if (a->end == DATE_NONE || a->end >= pat)
				detail(c, CH_ASSIGNMENT_ENDED, NULL, assignment_ref(cs, a), NULL,
				       assignment_ref(cs, a));
			i++;
			continue;
		}
		if (cmp > 0) {
			detail(c, CH_ASSIGNMENT_ADDED, NULL, NULL, assignment_ref(cs, b), assignment_ref(cs, b));
			j++;
			continue;
		}
		{
			int ended = (a->end == DATE_NONE || a->end >= pat) && !(b->end == DATE_NONE || b->end >= nat);
			enum change_kind k = ended ? CH_ASSIGNMENT_ENDED : CH_ASSIGNMENT_CHANGED;
			size_t before = c->nd;

			if (strcmp(a->f[A_END_DATE], b->f[A_END_DATE]))
				detail(c, k, "end_date", a->f[A_END_DATE], b->f[A_END_DATE], assignment_ref(cs, b));
			diff_extras(c, k, ps, a->extra, ns, b->extra, ENT_ASSIGNMENT, assignment_ref(cs, b));
			if (ended && c->nd == before)
				detail(c, CH_ASSIGNMENT_ENDED, "end_date", a->f[A_END_DATE], b->f[A_END_DATE],
				       assignment_ref(cs, b));
		}
		i++;
		j++;
	}
}

static struct change *
new_change(struct changeset *cs, const struct person *p)
{
	struct change *c;
	char label[1024];

	XGROW(cs->v, cs->cap, cs->n + 1);
	c = &cs->v[cs->n++];
	memset(c, 0, sizeof(*c));
	c->employee_id = p->f[P_EMPLOYEE_ID];
	snapshot_person_label(p, label, sizeof(label));
	c->label = arena_strdup(&cs->arena, label);
	return c;
}

static void
compare_person(struct changeset *cs, const struct snapshot *ps, const struct person *pp, civil_day pat,
	       const struct snapshot *ns, const struct person *np, civil_day nat)
{
	struct change *c = new_change(cs, np ? np : pp);

	if (!np) {
		/*
		 * Gone from the feed: a leaver if they still had work. Someone whose
		 * contracts had already ended left earlier; HR tidying up old records
		 * is no reason to count them again (nor to trip the guard).
		 */
		c->gone = 1;
		if (employed(ps, pp, pat))
			detail(c, CH_LEAVER, NULL, NULL, NULL, NULL);
		for (size_t i = 0; i < pp->ncontracts; i++)
			if (contract_current_or_future(&ps->contracts[pp->contract0 + i], pat))
				detail(c, CH_CONTRACT_ENDED, NULL, ps->contracts[pp->contract0 + i].f[C_CONTRACT_ID],
				       NULL, ps->contracts[pp->contract0 + i].f[C_CONTRACT_ID]);
		return;
	}
	if (!pp || !pp->present) {
		if (pp && employed(ns, np, nat))
			detail(c, CH_REHIRE, NULL, NULL, NULL, NULL);
		else
			detail(c, CH_JOINER, NULL, NULL, NULL, NULL);
		diff_contracts(c, ps, NULL, pat, ns, np, nat);
		diff_assignments(cs, c, ps, NULL, pat, ns, np, nat);
		return;
	}
	{
		int ep = employed(ps, pp, pat), en = employed(ns, np, nat);

		if (!pp->ncontracts && en)
			detail(c, CH_JOINER, NULL, NULL, NULL, NULL);
		else if (ep && !en)
			detail(c, CH_LEAVER, NULL, NULL, NULL, NULL);
		else if (!ep && en)
			detail(c, CH_REHIRE, NULL, NULL, NULL, NULL);
		if (ep && en) {
			const struct contract *a = snapshot_primary_contract(ps, pp, pat);
			const struct contract *b = snapshot_primary_contract(ns, np, nat);

			for (size_t i = 0; i < sizeof(mover_fields) / sizeof(mover_fields[0]); i++) {
				int f = mover_fields[i];

				if (strcmp(a->f[f], b->f[f]))
					detail(c, CH_MOVER, snapshot_field_name(ENT_CONTRACT, f), a->f[f], b->f[f],
					       b->f[C_CONTRACT_ID]);
			}
		}
	}
	for (size_t i = 0; i < sizeof(name_fields) / sizeof(name_fields[0]); i++) {
		int f = name_fields[i];

		if (strcmp(pp->f[f], np->f[f]))
			detail(c, CH_NAME_CHANGE, snapshot_field_name(ENT_PERSON, f), pp->f[f], np->f[f], NULL);
	}
	{
		const char *mo = manager_of(ps, pp, pat), *mn = manager_of(ns, np, nat);

		if (strcmp(mo, mn))
			detail(c, CH_MANAGER_CHANGE, "manager_id", mo, mn, NULL);
	}
	for (size_t i = 0; i < sizeof(other_fields) / sizeof(other_fields[0]); i++) {
		int f = other_fields[i];

		if (strcmp(pp->f[f], np->f[f]))
			detail(c, CH_PERSON_CHANGED, snapshot_field_name(ENT_PERSON, f), pp->f[f], np->f[f], NULL);
	}
	if (strcmp(pp->f[P_MANAGER_ID], np->f[P_MANAGER_ID]))
		detail(c, CH_PERSON_CHANGED, "manager_id", pp->f[P_MANAGER_ID], np->f[P_MANAGER_ID], NULL);
	diff_extras(c, CH_PERSON_CHANGED, ps, pp->extra, ns, np->extra, ENT_PERSON, NULL);
	diff_contracts(c, ps, pp, pat, ns, np, nat);
	diff_assignments(cs, c, ps, pp, pat, ns, np, nat);
}

void
diff_snapshots(const struct snapshot *prev, civil_day prev_at, const struct snapshot *next, civil_day next_at,
	       struct changeset *cs)
{
	size_t i = 0, j = 0;

	for (size_t k = 0; k < prev->npersons; k++)
		cs->prev_persons += prev->persons[k].present != 0;
	while (i < prev->npersons || j < next->npersons) {
		const struct person *a = i < prev->npersons ? &prev->persons[i] : NULL;
		const struct person *b = j < next->npersons ? &next->persons[j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a->f[P_EMPLOYEE_ID], b->f[P_EMPLOYEE_ID]);

		if (cmp < 0) {
			if (a->present)
				compare_person(cs, prev, a, prev_at, next, NULL, next_at);
			i++;
		} else if (cmp > 0) {
			compare_person(cs, prev, NULL, prev_at, next, b, next_at);
			j++;
		} else {
			compare_person(cs, prev, a, prev_at, next, b, next_at);
			i++;
			j++;
		}
		/* A person with nothing to report leaves no entry. */
		if (cs->n && !cs->v[cs->n - 1].kinds && !cs->v[cs->n - 1].gone) {
			free(cs->v[cs->n - 1].d);
			cs->n--;
		}
	}
	for (size_t k = 0; k < cs->n; k++) {
		for (int kind = 0; kind < CH_COUNT; kind++)
			if (cs->v[k].kinds & (1u << kind))
				cs->count[kind]++;
		cs->gone += cs->v[k].gone != 0;
		cs->gone_leavers += cs->v[k].gone && (cs->v[k].kinds & (1u << CH_LEAVER));
	}
}

void
import_guard(const struct source_cfg *cfg, const struct changeset *cs, size_t next_persons, struct guard_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->prev_persons = cs->prev_persons;
	v->leaving = cs->count[CH_LEAVER];
	v->gone = cs->gone_leavers;
	v->limit = (size_t)cfg_limit_of(&cfg->max_removed, (long)cs->prev_persons);
	if (!next_persons) {
		v->empty = 1;
		v->refused = 1;
		return;
	}
	if (cs->prev_persons && v->leaving > v->limit)
		v->refused = 1;
}
