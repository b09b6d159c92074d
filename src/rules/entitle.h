/*
 * Entitlements (DESIGN.md: "what a rule grants"): for one person, every
 * rule evaluated once per contract (or once per assignment of its `for:`
 * kind), each grant remembered with the rule and the contract or assignment
 * behind it and the period it lasts. Independent of the evaluation date:
 * the date only decides which entitlements are in force (plan.c).
 *
 * A rule with `inherit: delegable` runs for each assignment of its kind
 * whose value is the employee_id of a person in the snapshot (the person
 * replaced) and hands on that person's delegable grants (rules with
 * `delegable: true`, evaluated for the replaced person's own contracts and
 * assignments) for the days both the assignment and the replaced person's
 * grant run.
 */
#ifndef ROSTER_ENTITLE_H
#define ROSTER_ENTITLE_H

#include <stddef.h>

#include "rules/lifecycle.h"
#include "rules/record.h"
#include "rules/ruleset.h"
#include "source/snapshot.h"
#include "util/arena.h"

struct entitlement {
	size_t target;	   /* index into ruleset.targets */
	const char *group; /* NULL: the account; else the permission's name as rendered */
	const struct ruleset_rule *rule;
	const struct person *holder; /* whose contract or assignment grants it (the replaced person when inherited) */
	const struct contract *contract;     /* the contract the rule ran for (per-contract rules) */
	const struct assignment *assignment; /* the assignment the rule ran for (for: rules) */
	const struct ruleset_rule *via_rule; /* inherited: the rule with inherit: delegable; NULL otherwise */
	const struct assignment *via;	     /* inherited: the replacing assignment */
	struct period period;		     /* start..end inclusive (end DATE_NONE: open) */
};

struct entitlements {
	struct entitlement *v;
	size_t n, cap;
	struct arena arena; /* the rendered group names */
	struct buf tmp;
};

void entitlements_init(struct entitlements *es);
/* Forgets the entitlements (keeps the memory for the next person). */
void entitlements_clear(struct entitlements *es);
void entitlements_release(struct entitlements *es);

/*
 * Appends the entitlements of p (a person of s) to es, in a fixed order:
 * rules in configuration order, within a rule contracts (or assignments) in
 * snapshot order, grants in the rule's order; inherited ones where their
 * inherit rule stands. rec is a record of s to evaluate with (its person is
 * changed). Returns 0; -1 with e set when a group name cannot be rendered
 * (longer than a template may make).
 */
int entitle_person(const struct ruleset *rs, const struct snapshot *s, const struct person *p, struct rules_record *rec,
		   struct entitlements *es, struct err *e);

#endif
