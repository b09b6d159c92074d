/*
 * Connectors (DESIGN.md: connector/): one small interface, one file per
 * kind of target. A connector knows its protocol and nothing about rules:
 * it is handed accounts with their attribute values as the plan made them,
 * and it makes the target so. Every failure says whether trying again may
 * help: ERR_TRANSIENT (server down, busy, timeout, HTTP 429/5xx) or
 * ERR_PERMANENT (refused, malformed, not allowed); ERR_NOTFOUND when the
 * object is not there (any more); ERR_CONFLICT when a create finds one.
 *
 * Apply (apply/apply.c) looks an account up by its correlate value before
 * it creates it, so a create never makes a duplicate, and a remove of an
 * object that is gone (ERR_NOTFOUND) counts as done.
 *
 * The attribute "dn" of a directory target (ldap, ad) is the entry's name
 * (config.h: entry_name), not an attribute of the entry.
 */
#ifndef ROSTER_CONNECTOR_H
#define ROSTER_CONNECTOR_H

#include <stddef.h>

#include "config/config.h"
#include "util/err.h"
#include "vault/known.h"

struct connector;

/* An account as the target holds it (lookup, list). */
struct conn_object {
	const char *ref;		  /* the connector's name for it (a DN, a SCIM id, the key in the file) */
	const struct account_attr *attrs; /* the attributes it reads back, sorted by name */
	size_t nattrs;
	int enabled;
	const char *const *permissions; /* the groups it is a member of, when the connector can tell; else NULL */
	size_t npermissions;
};

/* One thing to do to one account. */
struct conn_request {
	const char *employee_id;
	const char *correlate; /* the value of the target's correlate attribute for this account; NULL: none */
	const char *ref;       /* the known account's ref; NULL for a create */
	const struct account_attr *attrs; /* every sent attribute of the account after the action, sorted by name */
	size_t nattrs;
	const struct account_attr
		*changed; /* update: the attributes that change, with their new values ("" = remove) */
	size_t nchanged;
	int enabled; /* create, enable/disable: the state wanted */
	size_t tag;  /* the caller's name for this request, handed back by wait() when it failed late */
};

/*
 * What wait() reports of the requests it answered late (see wait).
 */
struct conn_late {
	/* the request tagged tag failed after all */
	void (*failed)(void *ctx, size_t tag, const struct err *why);
	/*
	 * The create tagged tag, which returned an empty out->ref (the target
	 * names an account only when it answers, as a SCIM provider's id),
	 * is named ref.
	 */
	void (*named)(void *ctx, size_t tag, const char *ref);
	void *ctx;
};

/* What a connector gives back from create and move: its name for the account. */
struct conn_result {
	char ref[1024];
	int adopted; /* create: the target had the account (a name taken by it: 409, rc 68) and it was taken over */
};

struct connector_ops {
	const char *name; /* as in roster.yaml's connector: */
	/*
	 * Checks the target's connector keys (config.h cfg_option) without
	 * touching the target: errors name roster.yaml:LINE:COL. For roster
	 * check and before open.
	 */
	int (*check)(const struct config *cfg, const struct cfg_target *t, struct err *e);
	/* Connects (a connector may also connect lazily); NULL with e set. */
	struct connector *(*open)(const struct config *cfg, const struct cfg_target *t, struct err *e);
	void (*close)(struct connector *c);
	/*
	 * The account whose correlate attribute holds value: 1 and *out (valid
	 * until the next call on c), 0 when there is none, -1 on error.
	 */
	int (*lookup)(struct connector *c, const char *value, struct conn_object *out, struct err *e);
	/* Calls each for every account of the target (reconcile); each returns non-zero to stop. */
	int (*list)(struct connector *c, int (*each)(void *ctx, const struct conn_object *o), void *ctx, struct err *e);
	int (*create)(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e);
	int (*update)(struct connector *c, const struct conn_request *rq, struct err *e);
	/*
	 * Enables or disables the account; a connector that moves it to do so
	 * (ldap disable: {move_to}) gives its new name in out->ref ("" when the
	 * name stays).
	 */
	int (*set_enabled)(struct connector *c, const struct conn_request *rq, int enabled, struct conn_result *out,
			   struct err *e);
	/* Renames the entry to the request's "dn" attribute (directories only; NULL elsewhere). */
	int (*move)(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e);
	int (*remove)(struct connector *c, const struct conn_request *rq, struct err *e);
	/*
	 * Adds (add 1) or removes the account to/from the group named
	 * permission. Adding a member that is there, or removing one that is
	 * not, succeeds (a rerun after a crash repeats such actions).
	 */
	int (*permission)(struct connector *c, const struct conn_request *rq, const char *permission, int add,
			  struct err *e);
	/*
	 * Makes everything done so far durable on the target (the csv connector
	 * writes its file); apply calls it before it records a batch of
	 * outcomes in the vault. NULL: every operation is durable when it
	 * returns.
	 */
	int (*flush)(struct connector *c, struct err *e);
	/*
	 * Optional: the correlate values the next lookups will ask for. A
	 * connector may look them all up at once (an LDAP search with an OR
	 * filter) and answer those lookups from what it found, until the next
	 * prefetch. 0, or -1 with e set (the lookups then ask one by one).
	 */
	int (*prefetch)(struct connector *c, const char *const *values, size_t n, struct err *e);
	/*
	 * Optional, for connectors that pipeline: create and permission may
	 * return 0 for a request that is only sent (or gathered, as LDAP puts
	 * a batch's new members of one group in one modify), not answered.
	 * wait() waits for every answer and calls late->failed for each such
	 * request that failed after all, and late->named for each create that
	 * returned an empty ref (until then the caller passes "" as that
	 * account's ref; the connector knows it by its employee_id). A
	 * connector with wait must be waited for before its results are
	 * relied on (apply does it before flush, at the end of every batch);
	 * its other operations still answer when they return.
	 */
	int (*wait)(struct connector *c, const struct conn_late *late, struct err *e);
	/*
	 * Optional, for unique attributes with check_target: 1 when some
	 * object on the target — any, not only the accounts roster made —
	 * holds value in attribute, other than the account whose correlate
	 * attribute holds correlate (the person's own; NULL: none is), 0 when
	 * none, -1 with e set. NULL: the connector cannot tell, and only what
	 * roster knows counts.
	 */
	int (*taken)(struct connector *c, const char *attribute, const char *value, const char *correlate,
		     struct err *e);
	/*
	 * Optional: a create found its account on the target already (a rerun
	 * after a crash, an account made outside roster) and takes it over.
	 * rq is the create's, with rq->ref the found account's name and
	 * rq->changed what differs; found is lookup's answer (read it before
	 * any other call on c). Does what update and set_enabled would, and
	 * whatever else the kind of target needs (ad: a new initial password,
	 * delivered, for an account no one has used — its first one may have
	 * gone with a create whose answer never came). out->ref: its new name
	 * when it moved, else "". NULL: apply calls update and set_enabled.
	 */
	int (*adopt)(struct connector *c, const struct conn_request *rq, const struct conn_object *found,
		     struct conn_result *out, struct err *e);
};

/* The connector for a target's connector: name, or NULL when roster has none of that kind (yet). */
const struct connector_ops *connector_find(const char *name);

/* Checks every target's connector keys (roster check). */
int connector_check_all(const struct config *cfg, struct err *e);

/* Helpers for connectors reading their keys: an error at the key's place in roster.yaml. */
int conn_key_error(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, struct err *e,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The string value of key (NULL when absent); -1 with e set when it is there but not a string. */
int conn_key_str(const struct config *cfg, const struct cfg_target *t, const char *key, const char **out,
		 struct err *e);
/*
 * v (the value of key o, or of its sub-key what; what "" for o itself) as
 * true or false into *out; else -1 with an error at o's place.
 */
int conn_key_bool(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, const char *what,
		  struct json_t *v, int *out, struct err *e);

#endif
