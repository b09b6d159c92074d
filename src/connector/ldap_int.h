/*
 * What the ldap connector (connector_ldap.c) shares with the connectors
 * built on it (connector_ad.c): the connection, escaping, pipelining,
 * paging, moves, group gathering and the mapping of errors are written
 * once, in connector_ldap.c; a flavor of it (Active Directory) passes
 * hooks (struct ldap_hooks) where its directory differs, and builds its
 * own operations from the functions below.
 *
 * Only connector_ldap.c and its flavors include this file.
 */
#ifndef ROSTER_LDAP_INT_H
#define ROSTER_LDAP_INT_H

#include <ldap.h>

#include "connector/connector.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/strmap.h"

#define CANDIDATES_MAX 6

struct pending;
struct gathered;
struct late;

/*
 * Where a flavor's directory differs from plain LDAP. Every pointer may be
 * NULL (the plain LDAP behaviour); plain ldap has no hooks at all.
 */
struct ldap_hooks {
	const char *user_class;	  /* object_classes when the key is absent */
	const char *group_class;  /* groups: object_class when absent */
	const char *const *gkeys; /* groups: sub-keys beyond base, object_class, member_attribute, create_missing */
	size_t ngkeys;
	int bind_name_any;	  /* bind_dn: may be another name the server knows (user@domain) */
	int no_disable_key;	  /* disable: is no key of this flavor (it disables by itself) */
	int server_follows_moves; /* the server changes member values when an entry moves */
	int permissive_single;
	int member_there_rc;  /* the code for "already a member" (counts as done); 0: none */
	int member_absent_rc; /* the code for "not a member" on a removal (counts as done); 0: none */
	int rdn_by_rename;
	/* the naming attribute changes only by a rename (never in an update) */ /* single member changes carry the permissive modify control too */
	const char *const *read;     /* attributes every entry is read for (not handed out) */
	const char *group_name_attr; /* a group roster creates gets its name in this attribute too */
	/* an error the flavor knows better from the server's words: 1 with *cls and *words, else 0 */
	int (*classify)(struct connector *c, int rc, enum err_class *cls, const char **words);
	/*
	 * After entry_object made o of entry (ref: the DN, attrs with "dn"):
	 * the flavor's ref, state and values. An LDAP code (c->diag says why).
	 */
	int (*entry)(struct connector *c, LDAP *ld, LDAPMessage *entry, struct arena *a, struct conn_object *o,
		     struct account_attr *attrs, size_t nattrs);
	/* The DN to operate on for a ref (malloc'd), or NULL when ref is a DN as plain LDAP has it. */
	char *(*ref_dn)(struct connector *c, const char *ref);
	/*
	 * The value to send for attribute name given the plan's value v (which
	 * may be "": a removal): *out (v itself, or in the arena); 0, or -1 with
	 * e set.
	 */
	int (*value_out)(struct connector *c, const char *name, const char *v, struct arena *a, const char **out,
			 struct err *e);
};

struct ldap_keys {
	char *url;
	char *bind_dn;
	char *password; /* wiped on release */
	char **classes; /* object_classes */
	size_t nclasses;
	char *groups_base; /* NULL: no groups: key */
	char *group_class;
	char *member_attr;
	int create_missing;
	char *move_to;	 /* disable: {move_to: DN} */
	char *dis_attr;	 /* disable: {attribute, value} */
	char *dis_value; /* (neither: the target cannot disable) */
	int starttls;
	char *ca_file; /* resolved against the config's folder */
	long timeout;
	long page_size;
	char *base; /* where accounts are listed and searched */
};

/* An attribute read back from entries. */
struct read_attr {
	const char *name; /* as roster.yaml spells it */
	int report;	  /* 1: handed out in conn_object.attrs */
};

/* A correlate value prefetched: how many entries have it, and the first. */
struct pf_hit {
	size_t count;
	struct conn_object obj;
};

struct connector {
	const struct cfg_target *t;
	const struct ldap_hooks *hooks; /* NULL: plain LDAP */
	void *ext;			/* the flavor's own state */
	LDAPMod **group_extra;		/* more mods for a group roster creates (the flavor's); NULL: none */
	struct ldap_keys k;
	LDAP *ld;		/* NULL: not connected (yet, or any more) */
	struct read_attr *read; /* what entries are read for */
	size_t nread;
	char **read_names; /* the same, NULL-terminated, for libldap */
	int has_dn;	   /* the target has a "dn" attribute (entry_name) */
	struct arena view; /* what lookup hands out, until the next call */
	char diag[512];	   /* the server's words on the last failure */

	/* pipelining (see "sent, gathered, waited for" below); strings in batch, until wait */
	struct arena batch;
	struct pending *pend; /* adds sent, not answered yet */
	size_t npend, pend_cap;
	struct pending *lost; /* adds sent on a connection that dropped before they were answered */
	size_t nlost, lost_cap;
	struct gathered *gath; /* memberships to change, not sent yet */
	size_t ngath, gath_cap;
	struct late *late; /* what failed after it returned 0: wait tells */
	size_t nlate, late_cap;
	struct strmap created;	/* DNs this connector added (a grant's member needs no search) */
	struct arena created_a; /* their strings, until close */

	/* prefetch: correlate values looked up at once */
	struct arena pf_arena;
	struct strmap pf; /* lowercased value -> index into pf_hits */
	struct pf_hit *pf_hits;
	size_t npf, pf_cap;
	int pf_on; /* the answers can be trusted (every entry found matched a value asked for) */

	char *whole; /* the naming context base is in (taken asks all of it); NULL until known */
};

/* One LDAP operation, as run() runs it. */
enum op_kind { OP_ADD, OP_MODIFY, OP_DELETE, OP_RENAME, OP_SEARCH };

struct op {
	enum op_kind kind;
	const char *dn;
	LDAPMod **mods;	       /* add, modify */
	const char *newrdn;    /* rename */
	const char *newparent; /* rename */
	int scope;	       /* search */
	const char *filter;    /* search */
	char **attrs;	       /* search */
	int sizelimit;	       /* search; 0: none */
	LDAPControl **sctrls;  /* search, modify */
	/* search: called with the result while the connection is there; returns an LDAP code */
	int (*each)(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx);
	void *ctx;
};

struct found {
	struct conn_object obj;
	size_t count;
	struct arena *a;
};

struct candidates {
	char *dn[CANDIDATES_MAX];
	size_t n;
};

/* Mods for libldap: every one with a single value (or none), NULL-terminated. */
struct mods {
	LDAPMod *m;
	LDAPMod **p;
	struct berval *bv;
	struct berval **bvp; /* two per mod: the value and NULL */
	size_t n, cap;
};

struct pair {
	const char *name, *value;
	size_t len;
};

/* One add: the entry and its values, in c->batch. */
struct pending {
	int msgid;
	size_t tag;
	const char *dn, *correlate, *employee_id;
	struct pair *pairs;
	size_t npairs;
};

/* The mods of p's add (objectClass first); release with add_mods_release. */
struct add_mods {
	struct mods ms;
	LDAPMod cls;
	struct berval *cbv, **cbvp;
};

/* Searches that need no attribute back ask for "1.1". */
extern char *conn_ldap_none[];

/* The one place LDAP result codes become roster's classes; always -1. */
int conn_ldap_fail(struct connector *c, int rc, const char *what, const char *dn, struct err *e);
/* v as it may stand in a search filter (RFC 4515). */
void conn_ldap_filter_value(struct buf *b, const char *v);
/* Runs o, connecting (again, once, after a drop: *again set). An LDAP code; c->diag the server's words. */
int conn_ldap_run(struct connector *c, struct op *o, int *again);
/* The barrier: every sent add answered, every gathered membership sent. */
void conn_ldap_settle(struct connector *c);
/* The account whose correlate attribute holds value: 1 (f->obj, in f->a), 0, -1 with e set. */
int conn_ldap_find(struct connector *c, const char *value, struct found *f, struct err *e);
/* Where rq's entry is: 1 and *dn (malloc'd), 0 nowhere, -1 with e set (see connector_ldap.c). */
int conn_ldap_locate(struct connector *c, const struct conn_request *rq, int verify, char **dn, struct err *e);
/* Runs o on rq's entry wherever it is; *where (malloc'd) the DN it ran on. An LDAP code. */
int conn_ldap_on_entry(struct connector *c, const struct conn_request *rq, struct op *o, char **where);
/* 1 when the entry at dn holds the correlate value, 0 not, -1 with e set. */
int conn_ldap_entry_is_account(struct connector *c, const char *dn, const char *correlate, struct err *e);
/* rq's add as pairs in c->batch (p->pairs has room for 8 more): 0, or -1 with e set. */
int conn_ldap_add_prepare(struct connector *c, const struct conn_request *rq, struct pending *p, struct err *e);
void conn_ldap_add_mods_init(struct connector *c, const struct pending *p, struct add_mods *am);
void conn_ldap_add_mods_release(struct add_mods *am);
void conn_ldap_mods_init(struct mods *ms, size_t cap);
void conn_ldap_mods_add(struct mods *ms, int op, const char *name, const char *value, size_t len);
void conn_ldap_mods_release(struct mods *ms);

/* The ldap connector's operations, for a flavor's table (connector.h says what each does). */
int conn_ldap_check_as(const struct config *cfg, const struct cfg_target *t, const struct ldap_hooks *h, struct err *e);
struct connector *conn_ldap_open_as(const struct config *cfg, const struct cfg_target *t, const struct ldap_hooks *h,
				    struct err *e);
void conn_ldap_close(struct connector *c);
int conn_ldap_lookup(struct connector *c, const char *value, struct conn_object *out, struct err *e);
int conn_ldap_list(struct connector *c, int (*each)(void *ctx, const struct conn_object *o), void *ctx, struct err *e);
int conn_ldap_update(struct connector *c, const struct conn_request *rq, struct err *e);
int conn_ldap_move(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e);
int conn_ldap_remove(struct connector *c, const struct conn_request *rq, struct err *e);
int conn_ldap_permission(struct connector *c, const struct conn_request *rq, const char *perm, int add, struct err *e);
int conn_ldap_prefetch(struct connector *c, const char *const *values, size_t n, struct err *e);
int conn_ldap_wait(struct connector *c, const struct conn_late *late, struct err *e);
int conn_ldap_taken(struct connector *c, const char *attribute, const char *value, const char *correlate,
		    struct err *e);

#endif
