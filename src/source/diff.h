/*
 * Change detection: what happened to each person between the previous
 * snapshot and the new one (joiner, leaver, rehire, mover, name change,
 * manager change, contracts and assignments added, ended, changed).
 */
#ifndef ROSTER_DIFF_H
#define ROSTER_DIFF_H

#include <stddef.h>

#include "config/config.h"
#include "source/snapshot.h"

enum change_kind {
	CH_JOINER,
	CH_LEAVER,
	CH_REHIRE,
	CH_MOVER,
	CH_NAME_CHANGE,
	CH_MANAGER_CHANGE,
	CH_PERSON_CHANGED,
	CH_CONTRACT_ADDED,
	CH_CONTRACT_ENDED,
	CH_CONTRACT_CHANGED,
	CH_ASSIGNMENT_ADDED,
	CH_ASSIGNMENT_ENDED,
	CH_ASSIGNMENT_CHANGED,
	CH_COUNT
};

/* One fact behind a change: a field that went from old to new. */
struct change_detail {
	enum change_kind kind;
	const char *field; /* "department.code"; NULL when the whole record came or went */
	const char *old;   /* NULL when there was none */
	const char *new;
	const char *ref; /* the contract_id or assignment ("project ERP2026") it is about; NULL for the person */
};

struct change {
	const char *employee_id;
	const char *label; /* "Jan de Vries" */
	unsigned kinds;	   /* bit (1 << kind) for each kind */
	int gone;	   /* no longer in the feed */
	struct change_detail *d;
	size_t nd, dcap;
};

struct changeset {
	struct arena arena;
	struct change *v; /* in employee_id order */
	size_t n, cap;
	size_t count[CH_COUNT]; /* persons with each kind */
	size_t gone;		/* persons no longer in the feed */
	size_t gone_leavers;	/* of those, the ones who still had a current or future contract */
	size_t prev_persons;	/* persons in the previous snapshot (present ones) */
};

void changeset_init(struct changeset *cs);
void changeset_release(struct changeset *cs);

/* "joiner", "name_change", … as in the JSON output. */
const char *change_kind_name(enum change_kind k);

/*
 * Compares prev (evaluated on prev_at; it may hold persons that are no
 * longer present, for rehires) with next (on next_at); both indexed.
 * Strings in cs point into prev, next and cs's arena: keep both snapshots
 * alive while cs is used.
 */
void diff_snapshots(const struct snapshot *prev, civil_day prev_at, const struct snapshot *next, civil_day next_at,
		    struct changeset *cs);

/* What the import guard decided. */
struct guard_verdict {
	int refused;
	int empty;	/* the new snapshot has no persons */
	size_t leaving; /* leavers: persons who had a current contract and are gone or have none now */
	size_t gone;	/* of those, the ones no longer in the feed */
	size_t limit;
	size_t prev_persons;
};

/*
 * Holds the changes against the source's guard.max_removed. A first import
 * is refused only when it is empty.
 */
void import_guard(const struct source_cfg *cfg, const struct changeset *cs, size_t next_persons,
		  struct guard_verdict *v);

#endif
