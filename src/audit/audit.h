/*
 * The audit log (issue "apply", Audit): every applied action, forced guard,
 * import and configuration change is an event in the vault, chained by
 * hashes so that a changed, removed or reordered event is found.
 *
 * Each event carries the hash of the event before it and its own hash:
 *
 *	hash = BLAKE2b-256(prev_hash || canonical(event))
 *
 * (libsodium's crypto_generichash), where canonical(event) is a fixed
 * serialisation of every field but hash (audit.c says exactly which), so
 * the chain can be checked by anyone with the vault and this description.
 * The first event's prev_hash is 32 zero bytes. Hashes are stored and shown
 * as lowercase hex.
 *
 * Exactly: prev_hash enters the hash as its 32 bytes (not its hex), and
 * canonical(event) is the twelve fields seq, time, actor, run, kind,
 * target, employee_id, action, before, after, outcome, error, in that
 * order, each written as
 *
 *	<length in bytes, in decimal>:<the bytes>,	a value ("" is "0:,")
 *	-,						NULL
 *
 * with seq as its decimal digits (no sign, no leading zeros) and every text
 * as its UTF-8 bytes as stored. Event 1 {time "2026-01-05T09:00:00Z",
 * actor "ann", run "r1", kind "import", action "import of source hr",
 * outcome "ok", the rest NULL} is "1:1,20:2026-01-05T09:00:00Z,3:ann,2:r1,
 * 6:import,-,-,19:import of source hr,-,-,2:ok,-," (one line).
 * docs/audit.md shows how to recompute it.
 *
 * Events are appended inside the caller's vault transaction (vault_begin ..
 * vault_commit), so an action's outcome, the account's new state and its
 * event are stored together or not at all.
 */
#ifndef ROSTER_AUDIT_H
#define ROSTER_AUDIT_H

#include <stddef.h>

#include "util/err.h"

struct vault;

#define AUDIT_HASH_HEX 65 /* 64 hex digits and NUL */

struct audit_event {
	long seq;		 /* 1, 2, 3 … in the order appended; set by audit_append */
	char time[32];		 /* UTC, "2026-11-27T17:12:01Z"; set by audit_append when empty */
	const char *actor;	 /* the OS user (vault_actor()), later the API token's name */
	const char *run;	 /* the run id: one per command that appends events */
	const char *kind;	 /* "action", "import", "guard-forced", "config" */
	const char *target;	 /* NULL when not about a target */
	const char *employee_id; /* NULL when not about a person */
	const char *action;	 /* "create", "grant", … or what the kind names ("import of source hr") */
	const char *before;	 /* a JSON document (attribute values before; NULL: none); never a secret */
	const char *after;	 /* a JSON document (after; NULL: none) */
	const char *outcome;	 /* "ok", "failed", "forced", … */
	const char *error;	 /* the error message when failed; NULL */
	char prev_hash[AUDIT_HASH_HEX];
	char hash[AUDIT_HASH_HEX];
};

/*
 * Appends ev (seq, time when empty, prev_hash and hash are set in ev).
 * Call inside vault_begin. Returns 0, -1 with e set.
 */
int audit_append(struct vault *v, struct audit_event *ev, struct err *e);

/* What audit_read returns; filters are NULL (any) or a value. */
struct audit_filter {
	const char *employee_id;
	const char *target;
	const char *since; /* "YYYY-MM-DD": events on or after that day (UTC) */
};

/*
 * Calls each for every event that passes f, oldest first; the strings are
 * valid during the call only. each returns 0 to go on, non-zero to stop.
 * Returns 0, or -1 with e set.
 */
int audit_read(struct vault *v, const struct audit_filter *f, int (*each)(void *ctx, const struct audit_event *ev),
	       void *ctx, struct err *e);

/*
 * Walks the whole chain. Returns 0 when every event's hash is right and
 * follows the one before (seq without gaps, prev_hash equal to the hash
 * before). Else -1 with e naming the first event that was changed, removed
 * or put out of order (ERR_PERMANENT: "event 17: its hash does not match
 * its content (changed after it was written)", "event 18 is missing (the
 * events go from 17 to 19)", …).
 */
int audit_verify(struct vault *v, size_t *nevents, struct err *e);

/*
 * Records a configuration event when the configuration file's content (its
 * BLAKE2b-256) differs from the one the last configuration event saw (or
 * there is none): after = {"file": path, "blake2b": hex}, before = the last
 * event's after. Runs its own transaction (call outside vault_begin).
 * Import and apply call it, so every change of the rules that took effect
 * is in the log. Returns 0, -1 with e set.
 */
int audit_config(struct vault *v, const char *path, const char *actor, const char *run, struct err *e);

#endif
