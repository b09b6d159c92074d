/*
 * The vault: the only owner of persistent state (DESIGN.md). One interface,
 * implemented by vault_sqlite.c (the embedded default, one file, WAL) and
 * later by a PostgreSQL backend. Schema changes are numbered migrations.
 *
 * An import holds the vault's write lock from before it reads the previous
 * snapshot until it commits the new one, so two imports never interleave:
 *
 *	vault_begin → vault_snapshot_load → (diff, guard) → vault_snapshot_store → vault_commit
 *
 * and anything that fails on the way calls vault_rollback, leaving the
 * vault exactly as it was (also when the process is killed).
 */
#ifndef ROSTER_VAULT_H
#define ROSTER_VAULT_H

#include <stddef.h>

#include "source/diff.h"
#include "source/snapshot.h"
#include "source/source.h"
#include "vault/known.h"
#include "util/err.h"

struct vault;

/* What is known of one stored snapshot. */
struct snapshot_meta {
	long id;
	char source[128];
	char taken_at[32]; /* UTC, "2026-11-27T17:12:01Z" */
	civil_day at;	   /* the evaluation date it was judged on */
	int forced;
	char actor[128]; /* the OS user */
	size_t persons, contracts, assignments;
};

/*
 * Opens (creating the file and its folder when missing) the vault at
 * location: a path to an SQLite file. Migrates the schema to the newest
 * version. Returns NULL with e set on failure. Close with vault_close.
 */
struct vault *vault_open(const char *location, struct err *e);
void vault_close(struct vault *v);

/* The schema version the vault is at. */
int vault_schema_version(struct vault *v);
/* The newest schema version this roster knows (a new vault is made at it). */
int vault_schema_newest(void);

/* Takes the write lock (waits a while for another writer; then ERR_TRANSIENT). */
int vault_begin(struct vault *v, struct err *e);
int vault_commit(struct vault *v, struct err *e);
void vault_rollback(struct vault *v);

/*
 * Loads the latest snapshot of source into out (initialised, its extra names
 * set by the caller: extras are matched by name). Persons that were removed
 * earlier come along with present = 0 and no contracts, so a return can be
 * told from a joiner. Returns 1 and fills *meta when there is a snapshot,
 * 0 when the source was never imported, -1 on error. out is indexed.
 */
int vault_snapshot_load(struct vault *v, const char *source, struct snapshot *out, struct snapshot_meta *meta,
			struct err *e);

/*
 * Stores next as the new snapshot of meta->source, writing only what differs
 * from prev (as loaded by vault_snapshot_load), with the changes cs and the
 * problems of rows left out. Sets meta->id. Call inside vault_begin.
 */
int vault_snapshot_store(struct vault *v, struct snapshot_meta *meta, const struct snapshot *prev,
			 const struct snapshot *next, const struct changeset *cs, const struct problems *ps,
			 struct err *e);

/*
 * Loads one person, with every contract and assignment as last seen, into
 * out (indexed) and the snapshot it was last seen in into *seen. A person
 * no longer in the feed comes with present = 0. 1 found, 0 not, -1 error.
 */
int vault_person_get(struct vault *v, const char *employee_id, struct snapshot *out, struct snapshot_meta *seen,
		     struct err *e);

/* Snapshots of a source (NULL: all), newest first, at most max. Returns the count, -1 on error. */
int vault_snapshot_list(struct vault *v, const char *source, struct snapshot_meta *out, size_t max, struct err *e);

/*
 * Loads the accounts and memberships roster knows into out (initialised by
 * known_init; what is loaded is added to what is there, then sorted). target
 * NULL: every target; employee_id NULL: every person. Returns the number of
 * accounts loaded, -1 on error.
 */
int vault_known_load(struct vault *v, const char *target, const char *employee_id, struct known_state *out,
		     struct err *e);

/*
 * Stores an account (inserted, or replacing the one with the same target,
 * employee_id and seq) / adds (present 1) or removes (present 0) a
 * membership. For the apply stage; call inside vault_begin.
 */
int vault_account_put(struct vault *v, const struct known_account *a, struct err *e);
int vault_membership_put(struct vault *v, const char *target, const char *employee_id, const char *permission,
			 int present, struct err *e);

/* Who runs this process: the OS user's name, for the record (a static buffer). */
const char *vault_actor(void);

#endif
