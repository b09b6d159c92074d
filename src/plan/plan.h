/*
 * The plan (DESIGN.md, plan/): the desired state of every target on an
 * evaluation date — which accounts exist, enabled or not, with which
 * attribute values and permissions — diffed against what roster knows of
 * the targets (vault/known.h), as an ordered list of actions. Pure: the
 * same snapshot, configuration, known state and date give the same plan,
 * byte for byte.
 *
 * Order: targets in configuration order; within a target the actions by
 * kind (create, enable, update, move, grant, revoke, disable, delete) and
 * within a kind by person in the fixed order (first contract start date,
 * then employee_id), except that a manager's create comes before the
 * creates of the persons whose attributes refer to it.
 */
#ifndef ROSTER_PLAN_H
#define ROSTER_PLAN_H

#include <stddef.h>

#include "rules/entitle.h"
#include "rules/ruleset.h"
#include "source/snapshot.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/err.h"
#include "vault/known.h"

enum plan_op { OP_CREATE, OP_ENABLE, OP_UPDATE, OP_MOVE, OP_GRANT, OP_REVOKE, OP_DISABLE, OP_DELETE, OP_COUNT };

/* "create", "enable", … */
const char *plan_op_name(enum plan_op op);

/* An attribute of a create (old NULL) or a change of an update. */
struct plan_value {
	const char *name;
	const char *old;
	const char *value;
	int send; /* 0: stored by roster, never sent to the target (send: false) */
};

/*
 * Why: a rule with the contract or assignment behind it (an entitlement,
 * which says which rule, contract or assignment and period, and when
 * inherited, whose and through which rule), or a note in words.
 */
struct plan_reason {
	const struct entitlement *en; /* NULL for a note */
	const char *note;
};

struct plan_action {
	size_t target; /* index into ruleset.targets */
	const struct person *person;
	const char *employee_id;
	enum plan_op op;
	int seq;		   /* the account (known/known.h seq; a new account's next seq) */
	int enabled;		   /* create: enabled at once */
	struct plan_value *values; /* create: every attribute; update: what changes */
	size_t nvalues;
	const char *permission; /* grant, revoke */
	struct plan_reason *reasons;
	size_t nreasons;
};

/* A person whose part of a target could not be planned (a Lua error, no unique value left). */
struct plan_problem {
	size_t target;
	const char *employee_id;
	const char *message;
};

struct plan {
	civil_day at;
	const struct ruleset *rs;
	struct arena arena;
	struct plan_action *actions;
	size_t nactions, actions_cap;
	struct plan_problem *problems;
	size_t nproblems, problems_cap;
	size_t (*counts)[OP_COUNT]; /* per target */
	unsigned char *planned;	    /* per target: 1 when it is in the plan (--target) */
	size_t npersons;	    /* how many persons were evaluated */
	void **keep;		    /* the entitlement arrays the reasons point into */
	size_t nkeep, nkeep_cap;
};

struct plan_options {
	civil_day at;
	const char *target; /* NULL: every target */
	const char *person; /* NULL: everyone; else only that employee_id */
	/*
	 * Unique attributes with check_target: is value held by some object on
	 * target t that roster does not know of, other than the person's own
	 * account (the one whose correlate attribute holds correlate; NULL: the
	 * target has no correlate)? 1 yes, 0 no, -1 cannot tell (why in e: the
	 * person gets a problem instead of a value). Called only for values no
	 * known account holds, for one target from one thread at a time. NULL:
	 * only what roster knows counts.
	 */
	int (*taken)(void *ctx, const struct cfg_target *t, const char *attribute, const char *value,
		     const char *correlate, struct err *e);
	void *taken_ctx;
};

/*
 * Builds the plan for snapshot s (indexed; persons no longer present count as
 * having no contracts) against known state k (sorted), on day o->at.
 * With o->person, only that person is planned: unique values are then
 * checked against the known accounts only, not against other persons who
 * have no account yet, and ref: reads the other person's known account
 * (the full plan decides between two new persons who want the same name).
 * Returns 0 (release the plan with plan_release), or -1 with e set (an
 * unknown target or person in o) and nothing held.
 */
int plan_build(struct plan *pl, const struct ruleset *rs, const struct snapshot *s, const struct known_state *k,
	       const struct plan_options *o, struct err *e);
void plan_release(struct plan *pl);

/* The plan as the documented JSON (docs/plan.md), with a final newline. */
void plan_json(const struct plan *pl, struct buf *out);
/*
 * The same, handed to sink piece by piece (a large plan need not be held in
 * memory twice). A sink returns 0, or -1 to stop: then so does this.
 */
typedef int (*plan_sink_fn)(void *ctx, const char *data, size_t len);
int plan_json_stream(const struct plan *pl, plan_sink_fn sink, void *ctx);
/*
 * Reads a plan that plan_json wrote (the file of roster plan -o) for the
 * targets of rs: its date and its actions, without reasons. 0, or -1 with
 * an ERR_INVALID error naming name, the place (line:column, or
 * actions[N].field) and what was expected; pl then holds nothing.
 */
int plan_read(const char *text, size_t len, const char *name, const struct ruleset *rs, struct plan *pl, struct err *e);

/*
 * roster apply --plan: keeps in fresh (a plan made now) only the actions
 * that reviewed (a plan read from a file) has too, with the same target,
 * person, op, account, permission and values, so apply does nothing that
 * was not reviewed and nothing that is no longer due. Returns how many were
 * kept; fresh's counts follow.
 */
size_t plan_keep_reviewed(struct plan *fresh, const struct plan *reviewed);

/* The counts per target and the problems, without the actions. */
void plan_summary_text(const struct plan *pl, struct buf *out);
/* The plan for a person to read: per target the counts, then the actions. */
void plan_text(const struct plan *pl, struct buf *out);

/*
 * roster person ID --explain (on o->at, asking o->taken as plan_build does): every entitlement of the person with the rule
 * and contract or assignment behind it and its dates, the account state on
 * each target, and every attribute value with the mapping that made it. As
 * JSON (json != 0) or text, appended to out. Returns 0, -1 with e set.
 * Every person of s is planned (not only employee_id), so values come out
 * exactly as in the full plan.
 */
int plan_explain(const struct ruleset *rs, const struct snapshot *s, const struct known_state *k,
		 const struct plan_options *o, const char *employee_id, int json, struct buf *out, struct err *e);

#endif
