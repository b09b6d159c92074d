/*
 * Apply (issue "apply"): carry out a plan through the targets' connectors,
 * in plan order, and record every outcome — the account's new known state
 * and its audit event — in the vault.
 *
 * Safety:
 * - The guard looks at the whole plan before anything is done: a target's
 *   disables, deletes and revokes over its limits (a count, or a percentage
 *   of the target's known accounts or memberships, never less than 1)
 *   refuse the whole apply (ERR_GUARD) unless forced; a forced run is an
 *   audit event naming who forced it.
 * - Outcomes are recorded in batches: the actions of a batch are done, the
 *   connector makes them durable (flush), and their known state and audit
 *   events are stored in one vault transaction. A crash between the two
 *   leaves actions done on the target that the vault does not know: the next
 *   plan asks for them again, and apply finds them (a create looks the
 *   account up by its correlate value first and adopts what it finds; a
 *   group added twice or a delete of what is gone counts as done), so a rerun
 *   converges without duplicates.
 * - Transient errors are tried again with backoff (three tries); after
 *   three actions of one target failed in a row, the rest of that target's
 *   actions are recorded as failed without trying, and the other targets go
 *   on. A failed action changes nothing in the vault but its audit event, so
 *   the next plan has it again.
 */
#ifndef ROSTER_APPLY_H
#define ROSTER_APPLY_H

#include <stddef.h>

#include "config/config.h"
#include "plan/plan.h"
#include "util/err.h"
#include "vault/known.h"

struct vault;

struct apply_options {
	int force;	   /* go past the guard (recorded) */
	const char *run;   /* the run id for the audit log */
	const char *actor; /* who runs it */
	/* called after each action; NULL: none */
	void (*progress)(void *ctx, size_t done, size_t failed, size_t total);
	void *progress_ctx;
};

/* What went wrong with one action. */
struct apply_failure {
	size_t action; /* index into the plan's actions */
	char msg[512];
};

struct apply_result {
	size_t done, failed, adopted;
	struct apply_failure *failures; /* every failure, in plan order */
	size_t nfailures;
};

/*
 * Holds the plan against each target's guard (counts against k, the known
 * state the plan was made from). 0 when within the limits; -1 with an
 * ERR_GUARD error saying which limit, how many, and how to go on.
 */
int apply_guard(const struct config *cfg, const struct plan *pl, const struct known_state *k, struct err *e);

/*
 * Applies pl (made from k) and fills r (release with apply_result_release).
 * Returns 0 when it ran (r says what failed), -1 with e set when it could
 * not start (the guard refused: ERR_GUARD; the vault failed).
 */
int apply_plan(struct vault *v, const struct config *cfg, const struct plan *pl, const struct known_state *k,
	       const struct apply_options *o, struct apply_result *r, struct err *e);
void apply_result_release(struct apply_result *r);

#endif
