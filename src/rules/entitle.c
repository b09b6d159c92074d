#include <stdlib.h>
#include <string.h>

#include "rules/entitle.h"
#include "util/xalloc.h"
#include "util/banned.h"

void
entitlements_init(struct entitlements *es)
{
	memset(es, 0, sizeof(*es));
}

void
entitlements_clear(struct entitlements *es)
{
	es->n = 0;
}

void
entitlements_release(struct entitlements *es)
{
	free(es->v);
	arena_release(&es->arena);
	buf_release(&es->tmp);
	memset(es, 0, sizeof(*es));
}

static struct period
period_of(civil_day start, civil_day end)
{
	struct period p = { start == DATE_NONE ? PERIOD_DAWN : start, end };

	return p;
}

/* The days both a and b run; start > end when none. */
static struct period
period_meet(struct period a, struct period b)
{
	struct period p = { a.start > b.start ? a.start : b.start, a.end < b.end ? a.end : b.end };

	return p;
}

/* The contract an assignment rule reads as contract.*: the primary one on the assignment's first day. */
static const struct contract *
assignment_contract(const struct snapshot *s, const struct person *p, const struct assignment *a)
{
	return snapshot_primary_contract(s, p, a->start == DATE_NONE ? PERIOD_DAWN : a->start);
}

struct run {
	const struct ruleset *rs;
	const struct snapshot *s;
	struct rules_record *rec;
	struct entitlements *es;
	struct err *e;
};

/* One rule's grants for the record x->rec points at (its person, contract and assignment). */
static int
grant(struct run *x, const struct ruleset_rule *rr, struct period per, const struct entitlement *tmpl)
{
	struct rules_record *rec = x->rec;
	struct entitlements *es = x->es;

	if (per.start > per.end)
		return 0;
	for (size_t g = 0; g < rr->ngrants; g++) {
		const struct ruleset_grant *rg = &rr->grants[g];
		struct entitlement *en;
		const char *group = NULL;

		if (!rg->target)
			continue; /* config.c refuses unknown targets; be safe */
		if (rg->group) {
			buf_reset(&es->tmp);
			if (template_render(rg->group, rules_record_get, rec, &es->tmp) < 0) {
				char label[512];

				snapshot_person_label(rec->p, label, sizeof(label));
				return err_set(
					x->e, ERR_INVALID,
					"rule \"%s\": group: the name for %s (%s) is longer than a template may make",
					rr->cfg->name, rec->p->f[P_EMPLOYEE_ID], label);
			}
			if (!es->tmp.len)
				continue; /* an empty name grants nothing */
			group = arena_strndup(&es->arena, es->tmp.s, es->tmp.len);
		}
		XGROW(es->v, es->cap, es->n + 1);
		en = &es->v[es->n++];
		*en = *tmpl;
		en->target = (size_t)(rg->target - x->rs->targets);
		en->group = group;
		en->rule = rr;
		en->period = per;
	}
	return 0;
}

/*
 * Runs rule rr for person p: per contract, or per assignment of its kind.
 * via (with via_rule) marks what is run on behalf of a replacement, and
 * within limits the days.
 */
static int
run_rule(struct run *x, const struct ruleset_rule *rr, const struct person *p, const struct ruleset_rule *via_rule,
	 const struct assignment *via, struct period within)
{
	const struct snapshot *s = x->s;
	struct rules_record *rec = x->rec;
	struct entitlement t = { 0 };

	t.holder = p;
	t.via_rule = via_rule;
	t.via = via;
	if (!rr->cfg->for_kind) {
		for (size_t i = 0; i < p->ncontracts; i++) {
			const struct contract *c = &s->contracts[p->contract0 + i];

			rules_record_set(rec, p, c, NULL);
			if (rr->when && !expr_eval(rr->when, rules_record_get, rec))
				continue;
			t.contract = c;
			if (grant(x, rr, period_meet(period_of(c->start, c->end), within), &t) < 0)
				return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < p->nassignments; i++) {
		const struct assignment *a = &s->assignments[p->assignment0 + i];
		struct period per;

		if (strcmp(a->f[A_KIND], rr->cfg->for_kind))
			continue;
		t.contract = assignment_contract(s, p, a);
		rules_record_set(rec, p, t.contract, a);
		if (rr->when && !expr_eval(rr->when, rules_record_get, rec))
			continue;
		t.assignment = a;
		per = period_meet(period_of(a->start, a->end), within);
		if (grant(x, rr, per, &t) < 0)
			return -1;
		if (rr->cfg->inherit_delegable && !via && per.start <= per.end) {
			/* a replacement: the replaced person's delegable grants, for the days both run */
			size_t idx;

			if (!snapshot_person_find(s, a->f[A_VALUE], &idx) || &s->persons[idx] == p)
				continue;
			for (size_t k = 0; k < x->rs->nrules; k++) {
				const struct ruleset_rule *d = &x->rs->rules[k];

				if (!d->cfg->delegable || d->cfg->inherit_delegable)
					continue;
				if (run_rule(x, d, &s->persons[idx], rr, a, per) < 0)
					return -1;
			}
			rules_record_set(rec, p, t.contract, a);
		}
	}
	return 0;
}

int
entitle_person(const struct ruleset *rs, const struct snapshot *s, const struct person *p, struct rules_record *rec,
	       struct entitlements *es, struct err *e)
{
	struct period always = { PERIOD_DAWN, DATE_NONE };
	struct run x = { rs, s, rec, es, e };

	for (size_t r = 0; r < rs->nrules; r++)
		if (run_rule(&x, &rs->rules[r], p, NULL, NULL, always) < 0)
			return -1;
	return 0;
}
