/*
 * The record a condition or template reads (rules/expr.h, rules/template.h
 * call rules_record_get for each path): one person of a snapshot, with the
 * contract or assignment a rule runs for, the other attributes of the
 * account being built, and the iteration number of a unique value.
 *
 * Paths: person fields and extras by their bare name or as person.X;
 * family_name_birth, family_name_partner, family_name_full and display_name
 * (rules/naming.h), also as person.X; contract.X and assignment.X (fields,
 * with department.code etc., and extras); account.X through the account
 * callback; n. An unknown path or a missing record reads as "".
 */
#ifndef ROSTER_RECORD_H
#define ROSTER_RECORD_H

#include "source/snapshot.h"
#include "util/buf.h"

/* Where a path was found, remembered by the path's address (record.c). */
struct record_slot {
	const char *path;
	unsigned char kind;
	unsigned short idx;
};

#define RECORD_SLOTS 128

struct rules_record {
	const struct snapshot *s;
	const struct person *p;
	const struct contract *c;   /* NULL: no contract */
	const struct assignment *a; /* NULL: not a per-assignment rule */
	/* {account.X}: the value of attribute X of the account being built; NULL: always "" */
	const char *(*account)(void *ctx, const char *attr);
	void *account_ctx;
	const char *n; /* {n}; NULL: "" */
	/* {window.start}, {window.end}: the account's window (YYYY-MM-DD); NULL: "" (open, or none) */
	const char *window[2];
	struct buf names[4]; /* the built names, made on first use (enum name_kind order) */
	unsigned built;	     /* bit k: names[k] is made */
	struct record_slot slots[RECORD_SLOTS];
};

/* Sets r to read person p (c and a may be NULL); r must be released with rules_record_release. */
void rules_record_init(struct rules_record *r, const struct snapshot *s, const struct person *p,
		       const struct contract *c, const struct assignment *a);
/* Points r at another person (or contract, or assignment) and forgets the built names. */
void rules_record_set(struct rules_record *r, const struct person *p, const struct contract *c,
		      const struct assignment *a);
void rules_record_release(struct rules_record *r);

/*
 * The value of path for record ctx (a struct rules_record *): an
 * expr_get_fn. Never NULL; valid until the record is set to another person
 * or released. Where a path is found is remembered by its address, so path
 * must be a string that does not change while the record lives (the paths
 * of compiled conditions and templates, configuration strings); for any
 * other string use rules_record_lookup.
 */
const char *rules_record_get(void *ctx, const char *path);
/* The same for a path in a buffer that may change (nothing is remembered). */
const char *rules_record_lookup(struct rules_record *r, const char *path);

#endif
