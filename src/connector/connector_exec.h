/*
 * The exec connector (connector_exec.c, docs/connector-exec.md): what it
 * reads from the program it runs, exported for the fuzz target
 * (fuzz/fuzz_exec.c). The connector itself is reached through the table
 * of connector.c, as connector_find("exec").
 */
#ifndef ROSTER_CONNECTOR_EXEC_H
#define ROSTER_CONNECTOR_EXEC_H

#include <stddef.h>

#include "util/err.h"
#include "vault/known.h"

struct buf;

/* The operations, each with the stable name it has in the request's "op". */
enum exec_op {
	EXEC_LOOKUP,
	EXEC_LIST,
	EXEC_CREATE,
	EXEC_UPDATE,
	EXEC_ENABLE,
	EXEC_DISABLE,
	EXEC_DELETE,
	EXEC_GRANT,
	EXEC_REVOKE,
	EXEC_NOPS
};

/* "lookup", "list", "create", …; op < EXEC_NOPS. */
const char *exec_op_name(enum exec_op op);

/* An account in an answer (lookup, list); every string malloc'd. */
struct exec_account {
	char *ref;
	int enabled;		    /* 1 when the answer does not say */
	struct account_attr *attrs; /* sorted by name (account_attr_cmp) */
	size_t nattrs;
	char **permissions; /* NULL when the answer has no "permissions" */
	size_t npermissions;
};

/* One answer of the program, as read by exec_answer_parse. */
struct exec_answer {
	int ok;
	/* ok false: */
	enum err_class class; /* ERR_TRANSIENT, ERR_PERMANENT, ERR_NOTFOUND or ERR_CONFLICT */
	char *error;	      /* its "error", as it gave it (not cleaned: see exec_text_show) */
	/* ok true: */
	char *ref;		       /* create: the account's name; enable, disable: a new name; else NULL */
	int found;		       /* lookup */
	struct exec_account account;   /* lookup, when found */
	struct exec_account *accounts; /* list: this page */
	size_t naccounts;
	char *next; /* list: the cursor of the next page; NULL on the last */
};

/*
 * Reads data[0..len) — the program's stdout, untrusted — as its answer to
 * op: one JSON object, {"ok": true, …} or {"ok": false, …}, with what op
 * needs (docs/connector-exec.md). Returns 0 with *a filled (release it with
 * exec_answer_release), or -1 with an ERR_PERMANENT error saying what is
 * wrong with it and *a empty.
 */
int exec_answer_parse(enum exec_op op, const char *data, size_t len, struct exec_answer *a, struct err *e);
void exec_answer_release(struct exec_answer *a);

/*
 * Appends s[0..n) — text of the program's (stderr, its "error", the start
 * of a wrong answer) — to out as it may stand in a message: each of masks
 * (nmasks of them, the values of the target's env:) replaced by ***,
 * invalid UTF-8 and control characters as '?', line ends as " | ", no
 * white space around it, and of that at most max bytes (its tail when
 * tail, else its head, cut between two characters and marked with "…").
 */
void exec_text_show(struct buf *out, const char *s, size_t n, size_t max, int tail, const char *const *masks,
		    size_t nmasks);

#endif
