/*
 * What roster knows of the targets: every account it made (or adopted) with
 * its attributes as last applied, its status and its dates, and every
 * permission (group membership) it granted. The apply stage writes it, the
 * plan reads it and diffs the desired state against it (DESIGN.md: vault/
 * "accounts, memberships as last applied").
 *
 * A person may have had several accounts on one target over the years: an
 * account that was deleted stays known (status deleted) so that its unique
 * values are never handed out again, and a rehire after the deletion gets a
 * new account with the next seq.
 */
#ifndef ROSTER_KNOWN_H
#define ROSTER_KNOWN_H

#include <stddef.h>

#include "util/arena.h"
#include "util/date.h"
#include "util/err.h"

enum account_status { ACCT_ENABLED, ACCT_DISABLED, ACCT_DELETED };

struct account_attr {
	const char *name;
	const char *value;
};

struct known_account {
	const char *target;
	const char *employee_id;
	int seq; /* 1 for a person's first account on the target; +1 for each one made after a deletion */
	enum account_status status;
	struct account_attr *attrs; /* sorted by name (strcmp), names unique */
	size_t nattrs;
	civil_day created;  /* the day it was created (evaluation date of the apply); DATE_NONE: not known */
	civil_day disabled; /* the day it was last disabled; DATE_NONE when enabled or never */
	civil_day deleted;  /* DATE_NONE unless deleted */
	const char *ref;    /* the connector's name for it (a DN, a SCIM id); NULL when it has none */
};

struct membership {
	const char *target;
	const char *employee_id;
	const char *permission; /* the group name as granted */
};

/* Accounts sorted by (target, employee_id, seq); memberships by (target, employee_id, permission). */
struct known_state {
	struct arena arena; /* every string and attrs array */
	struct known_account *accounts;
	size_t naccounts, accounts_cap;
	struct membership *memberships;
	size_t nmemberships, memberships_cap;
};

void known_init(struct known_state *k);
void known_release(struct known_state *k);

/*
 * Appends a copy of a (strings and attrs copied into k's arena; attrs sorted
 * by name) / of one membership. Call known_sort after the last add.
 */
void known_add_account(struct known_state *k, const struct known_account *a);
void known_add_membership(struct known_state *k, const char *target, const char *employee_id, const char *permission);
void known_sort(struct known_state *k);

/*
 * The accounts of employee_id on target (all seqs, oldest first): sets
 * *first to the first of them and returns how many (0: none, *first NULL).
 * Binary search; k must be sorted.
 */
size_t known_accounts_of(const struct known_state *k, const char *target, const char *employee_id,
			 const struct known_account **first);
/* The memberships of employee_id on target, as above. */
size_t known_memberships_of(const struct known_state *k, const char *target, const char *employee_id,
			    const struct membership **first);
/* The value of attribute name of a, or NULL when a has none. */
const char *known_attr(const struct known_account *a, const char *name);

/* Orders account_attr by name (strcmp), for qsort. */
int account_attr_cmp(const void *a, const void *b);
/* The value of name among the n attributes at v (in any order), or NULL. */
const char *account_attr_find(const struct account_attr *v, size_t n, const char *name);

const char *account_status_name(enum account_status s); /* "enabled", "disabled", "deleted" */

#endif
