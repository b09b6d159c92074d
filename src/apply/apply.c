#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply/apply.h"
#include "audit/audit.h"
#include "connector/connector.h"
#include "rules/ruleset.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/xalloc.h"
#include "vault/vault.h"
#include "util/banned.h"

#define BATCH 1024	 /* actions recorded per vault transaction */
#define TRIES 3		 /* a transient error is tried this many times in all */
#define FAILS_IN_A_ROW 3 /* then the target's other actions are not tried */

/* ---- the guard ---- */

static long
limit_of(const struct cfg_limit *l, long total)
{
	long n = cfg_limit_of(l, total);

	return l->percent && n < 1 ? 1 : n; /* a percentage of a small target still allows one */
}

int
apply_guard(const struct config *cfg, const struct plan *pl, const struct known_state *k, struct err *e)
{
	for (size_t t = 0; t < pl->rs->ntargets; t++) {
		const struct cfg_target *ct = pl->rs->targets[t].cfg;
		long accounts = 0, members = 0;
		struct {
			const char *what, *key;
			const struct cfg_limit *limit;
			long count, of;
		} g[3] = { { "disable", "max_disable", &ct->max_disable, (long)pl->counts[t][OP_DISABLE], 0 },
			   { "delete", "max_delete", &ct->max_delete, (long)pl->counts[t][OP_DELETE], 0 },
			   { "revoke", "max_revoke", &ct->max_revoke, (long)pl->counts[t][OP_REVOKE], 0 } };

		if (!pl->planned[t])
			continue;
		for (size_t i = 0; i < k->naccounts; i++)
			accounts += !strcmp(k->accounts[i].target, ct->name) && k->accounts[i].status != ACCT_DELETED;
		for (size_t i = 0; i < k->nmemberships; i++)
			members += !strcmp(k->memberships[i].target, ct->name);
		g[0].of = g[1].of = accounts;
		g[2].of = members;
		for (int i = 0; i < 3; i++) {
			long max = limit_of(g[i].limit, g[i].of);
			char lim[32];

			if (g[i].count <= max)
				continue;
			cfg_limit_format(g[i].limit, lim, sizeof(lim));
			return err_set(
				e, ERR_GUARD,
				"refused by the guard of target \"%s\": the plan would %s %ld of %ld %s, more than %s.%s %s (%ld); "
				"nothing was changed. Check the plan (roster plan --target %s); if it is right, run apply "
				"again with --force (recorded in the audit log), or raise %s in %s",
				ct->name, g[i].what, g[i].count, g[i].of, i == 2 ? "memberships" : "accounts", ct->name,
				g[i].key, lim, max, ct->name, g[i].key, cfg->file);
		}
	}
	return 0;
}

/* ---- an account as apply leaves it ---- */

struct live {
	int has;    /* there is an account (not deleted) */
	int broken; /* an action failed after the connector took it: what the account is now is unknown */
	int seq;
	enum account_status status;
	civil_day created, disabled, deleted;
	char *ref;
	struct account_attr *attrs; /* sorted by name, malloc'd strings */
	size_t nattrs;
};

static const char *
live_attr(const struct live *l, const char *name)
{
	return account_attr_find(l->attrs, l->nattrs, name);
}

static void
live_set(struct live *l, const char *name, const char *value)
{
	for (size_t i = 0; i < l->nattrs; i++)
		if (!strcmp(l->attrs[i].name, name)) {
			free((char *)l->attrs[i].value);
			l->attrs[i].value = xstrdup(value);
			return;
		}
	l->attrs = xrealloc(l->attrs, (l->nattrs + 1) * sizeof(*l->attrs));
	l->attrs[l->nattrs].name = xstrdup(name);
	l->attrs[l->nattrs++].value = xstrdup(value);
	qsort(l->attrs, l->nattrs, sizeof(*l->attrs), account_attr_cmp);
}

static void
live_del(struct live *l, const char *name)
{
	for (size_t i = 0; i < l->nattrs; i++)
		if (!strcmp(l->attrs[i].name, name)) {
			free((char *)l->attrs[i].name);
			free((char *)l->attrs[i].value);
			memmove(l->attrs + i, l->attrs + i + 1, (l->nattrs - i - 1) * sizeof(*l->attrs));
			l->nattrs--;
			return;
		}
}

static void
live_clear(struct live *l)
{
	for (size_t i = 0; i < l->nattrs; i++) {
		free((char *)l->attrs[i].name);
		free((char *)l->attrs[i].value);
	}
	free(l->attrs);
	free(l->ref);
	memset(l, 0, sizeof(*l));
}

/* ---- one target's run ---- */

/* What an action's audit event shows, made from the plan's action when it is recorded. */
enum { SHOW_BEFORE = 1, SHOW_AFTER = 2, SHOW_PERMISSION = 4 };

struct outcome {
	size_t action;
	int ok, adopted;
	char *error;	   /* failed: why */
	int store_account; /* ok: the account's state to store */
	struct known_account acct;
	int store_membership; /* ok: a membership to add or remove */
	unsigned show;	      /* what the audit event shows (SHOW_*) */
};

struct run {
	struct vault *v;
	const struct config *cfg;
	const struct plan *pl;
	const struct known_state *k;
	const struct apply_options *o;
	struct apply_result *r;
	size_t t, end; /* the target, and the end of its actions */
	const struct ruleset_target *rt;
	const struct connector_ops *ops;
	struct connector *c;
	struct live *lives;
	size_t nlives, lives_cap;
	struct strmap by_id;   /* employee_id -> index into lives */
	struct outcome *batch; /* BATCH of them */
	size_t nbatch;
	struct arena arena;    /* the batch's copies */
	struct writer *w;      /* records the last batch in the vault while this one runs */
	size_t fails_in_a_row; /* transient failures: the target seems down */
	size_t total, seen;
	char open_error[ERR_MSG_MAX + 64]; /* why the connector could not start */
};

static struct live *
live_of(struct run *x, const char *employee_id)
{
	const struct known_account *ka;
	struct live *l;
	size_t i, n;

	if (strmap_get(&x->by_id, employee_id, &i))
		return &x->lives[i];
	XGROW(x->lives, x->lives_cap, x->nlives + 1);
	/* the map's keys are the plan's strings (alive as long as the plan) */
	strmap_put(&x->by_id, employee_id, x->nlives);
	l = &x->lives[x->nlives++];
	memset(l, 0, sizeof(*l));
	n = known_accounts_of(x->k, x->rt->cfg->name, employee_id, &ka);
	if (n) {
		const struct known_account *a = &ka[n - 1];

		l->seq = a->seq;
		l->status = a->status;
		l->has = a->status != ACCT_DELETED;
		l->created = a->created;
		l->disabled = a->disabled;
		l->deleted = a->deleted;
		l->ref = a->ref ? xstrdup(a->ref) : NULL;
		for (size_t j = 0; j < a->nattrs; j++)
			live_set(l, a->attrs[j].name, a->attrs[j].value);
	}
	return l;
}

/* Is attribute name sent to the target (not send: false)? */
static int
sent(const struct ruleset_target *rt, const char *name)
{
	for (size_t i = 0; i < rt->nattrs; i++)
		if (!strcmp(rt->attrs[i].cfg->name, name))
			return rt->attrs[i].cfg->send;
	return 1;
}

/* The sent attributes of l (in a malloc'd array of borrowed strings). */
static struct account_attr *
sent_attrs(const struct run *x, const struct live *l, size_t *n)
{
	struct account_attr *v = xcalloc(l->nattrs + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < l->nattrs; i++)
		if (sent(x->rt, l->attrs[i].name))
			v[(*n)++] = l->attrs[i];
	return v;
}

static char *
json_of_values(const struct plan_action *a, int old)
{
	json_t *o = json_object();
	char *s;

	for (size_t i = 0; i < a->nvalues; i++) {
		const char *v = old ? a->values[i].old : a->values[i].value;

		json_object_set_new(o, a->values[i].name, json_string(v ? v : ""));
	}
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static char *
json_of_permission(const char *p)
{
	json_t *o = json_pack("{s:s}", "permission", p);
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return s;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* The correlate value of the action's account (the value of the correlate attribute), or NULL. */
static const char *
correlate_of(const struct run *x, const struct live *l)
{
	const char *attr = x->rt->cfg->correlate_attribute;

	return attr ? live_attr(l, attr) : NULL;
}

/* Does one action on the connector; fills out (its state to store). 0, or -1 with e set. */
static int
act(struct run *x, const struct plan_action *a, struct live *l, struct outcome *out, struct err *e)
{
	struct conn_request rq;
	struct conn_result res;
	struct account_attr *attrs = NULL, *changed = NULL;
	unsigned char *had = NULL; /* update: which attributes the account had before */
	int ret = -1;

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	rq.employee_id = a->employee_id;
	rq.tag = (size_t)(out - x->batch);
	switch (a->op) {
	case OP_CREATE: {
		struct live next;
		struct conn_object found;
		struct conn_result moved = { "", 0 };
		const char *corr;
		int got = 0;

		memset(&next, 0, sizeof(next));
		for (size_t i = 0; i < a->nvalues; i++)
			live_set(&next, a->values[i].name, a->values[i].value);
		attrs = sent_attrs(x, &next, &rq.nattrs);
		rq.attrs = attrs;
		rq.enabled = a->enabled;
		rq.correlate = corr = correlate_of(x, &next);
		if (!x->rt->cfg->correlate_attribute) {
			corr = a->employee_id; /* no correlate: the connector knows accounts by employee_id */
		} else if (!corr || !*corr) {
			err_set(e, ERR_PERMANENT,
				"the account has no value for the correlate attribute %s, so roster cannot tell whether the "
				"target has it already: not created (map %s in roster.yaml)",
				x->rt->cfg->correlate_attribute, x->rt->cfg->correlate_attribute);
			live_clear(&next);
			goto out;
		}
		/* never a duplicate: an account the target has already is adopted */
		if (corr && (got = x->ops->lookup(x->c, corr, &found, e)) < 0) {
			live_clear(&next);
			goto out;
		}
		if (got) {
			size_t n = 0;

			snprintf(res.ref, sizeof(res.ref), "%s", found.ref);
			rq.ref = res.ref;
			changed = xcalloc(rq.nattrs + 1, sizeof(*changed));
			for (size_t i = 0; i < rq.nattrs; i++) {
				const char *have = account_attr_find(found.attrs, found.nattrs, rq.attrs[i].name);

				if (!have || strcmp(have, rq.attrs[i].value))
					changed[n++] = rq.attrs[i];
			}
			rq.changed = changed;
			rq.nchanged = n;
			if (x->ops->adopt ? x->ops->adopt(x->c, &rq, &found, &moved, e) < 0
					  : (n && x->ops->update(x->c, &rq, e) < 0) ||
						    (found.enabled != a->enabled &&
						     x->ops->set_enabled(x->c, &rq, a->enabled, &moved, e) < 0)) {
				live_clear(&next);
				goto out;
			}
			if (moved.ref[0]) /* enabled or disabled by a move: its new name */
				snprintf(res.ref, sizeof(res.ref), "%s", moved.ref);
			out->adopted = 1;
		} else if (x->ops->create(x->c, &rq, &res, e) < 0) {
			live_clear(&next);
			goto out;
		} else if (res.adopted) {
			out->adopted = 1; /* found by the create itself, not by the lookup before it */
		}
		live_clear(l);
		*l = next;
		l->has = 1;
		l->seq = a->seq;
		l->status = a->enabled ? ACCT_ENABLED : ACCT_DISABLED;
		l->created = x->pl->at;
		l->disabled = l->deleted = DATE_NONE;
		l->ref = xstrdup(res.ref);
		out->show = SHOW_AFTER;
		break;
	}
	case OP_ENABLE:
	case OP_DISABLE:
		rq.ref = l->ref;
		/* the account as it is (with its dn, where a directory puts an enabled entry back) */
		attrs = sent_attrs(x, l, &rq.nattrs);
		rq.attrs = attrs;
		if (x->ops->set_enabled(x->c, &rq, a->op == OP_ENABLE, &res, e) < 0)
			goto out;
		if (res.ref[0]) { /* moved to be enabled or disabled: its new name */
			free(l->ref);
			l->ref = xstrdup(res.ref);
		}
		l->status = a->op == OP_ENABLE ? ACCT_ENABLED : ACCT_DISABLED;
		l->disabled = a->op == OP_ENABLE ? DATE_NONE : x->pl->at;
		break;
	case OP_UPDATE:
	case OP_MOVE: {
		size_t n = 0;

		had = xcalloc(a->nvalues + 1, 1);
		for (size_t i = 0; i < a->nvalues; i++) {
			had[i] = live_attr(l, a->values[i].name) != NULL;
			live_set(l, a->values[i].name, a->values[i].value);
		}
		attrs = sent_attrs(x, l, &rq.nattrs);
		rq.attrs = attrs;
		rq.ref = l->ref;
		changed = xcalloc(a->nvalues + 1, sizeof(*changed));
		for (size_t i = 0; i < a->nvalues; i++)
			if (a->values[i].send) {
				changed[n].name = a->values[i].name;
				changed[n++].value = a->values[i].value;
			}
		rq.changed = changed;
		rq.nchanged = n;
		if ((a->op == OP_MOVE && x->ops->move && x->ops->move(x->c, &rq, &res, e) < 0) ||
		    ((a->op != OP_MOVE || !x->ops->move) && n && x->ops->update(x->c, &rq, e) < 0)) {
			/* not done: the account is as it was */
			for (size_t i = 0; i < a->nvalues; i++)
				if (had[i])
					live_set(l, a->values[i].name, a->values[i].old ? a->values[i].old : "");
				else
					live_del(l, a->values[i].name);
			goto out;
		}
		if (a->op == OP_MOVE && x->ops->move) {
			free(l->ref);
			l->ref = xstrdup(res.ref);
		}
		out->show = SHOW_BEFORE | SHOW_AFTER;
		break;
	}
	case OP_GRANT:
	case OP_REVOKE:
		rq.ref = l->ref;
		if (x->ops->permission(x->c, &rq, a->permission, a->op == OP_GRANT, e) < 0)
			goto out;
		out->store_membership = 1;
		out->show = SHOW_PERMISSION;
		break;
	case OP_DELETE:
		rq.ref = l->ref;
		if (x->ops->remove(x->c, &rq, e) < 0 && e->class != ERR_NOTFOUND)
			goto out;
		err_init(e); /* gone already counts as done */
		l->status = ACCT_DELETED;
		l->has = 0;
		l->deleted = x->pl->at;
		break;
	case OP_COUNT: break;
	}
	if (a->op != OP_GRANT && a->op != OP_REVOKE) {
		out->store_account = 1;
		out->acct.target = x->rt->cfg->name;
		out->acct.employee_id = a->employee_id;
		out->acct.seq = l->seq ? l->seq : a->seq;
		out->acct.status = l->status;
		out->acct.created = l->created;
		out->acct.disabled = l->disabled;
		out->acct.deleted = l->deleted;
		out->acct.ref = l->ref ? arena_strdup(&x->arena, l->ref) : NULL;
		out->acct.nattrs = l->nattrs;
		out->acct.attrs = arena_alloc(&x->arena, (l->nattrs + 1) * sizeof(*out->acct.attrs));
		for (size_t i = 0; i < l->nattrs; i++) {
			out->acct.attrs[i].name = arena_strdup(&x->arena, l->attrs[i].name);
			out->acct.attrs[i].value = arena_strdup(&x->arena, l->attrs[i].value);
		}
	}
	ret = 0;
out:
	free(attrs);
	free(changed);
	free(had);
	return ret;
}

static void
fail(struct run *x, struct outcome *out, const char *msg)
{
	struct apply_failure *f;

	out->ok = 0;
	out->error = arena_strdup(&x->arena, msg);
	x->r->failures = xrealloc(x->r->failures, (x->r->nfailures + 1) * sizeof(*x->r->failures));
	f = &x->r->failures[x->r->nfailures++];
	f->action = out->action;
	{ /* cut to the room there is (the whole message is in the audit log) */
		size_t n = strnlen(msg, sizeof(f->msg) - 1);

		memcpy(f->msg, msg, n);
		f->msg[n] = '\0';
	}
}

/* ---- the vault writer: a batch is recorded while the next one runs ---- */

struct job {
	struct outcome *batch;
	size_t n;
	struct arena arena;
};

struct writer {
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int busy; /* job handed over and not recorded yet */
	int quit;
	struct job job;
	int failed; /* the vault failed: e says why, and nothing more is recorded */
	struct err e;
	/* read only while the thread runs */
	struct vault *v;
	const struct plan *pl;
	const struct ruleset_target *rt;
	const struct apply_options *o;
};

static void
job_release(struct job *j)
{
	j->n = 0;
	arena_release(&j->arena);
}

/* Records j's outcomes and their audit events in one vault transaction; frees what they hold. */
static int
record(struct writer *w, struct job *j, struct err *e)
{
	int ret = -1;

	if (vault_begin(w->v, e) < 0)
		goto out;
	for (size_t i = 0; i < j->n; i++) {
		struct outcome *oc = &j->batch[i];
		const struct plan_action *a = &w->pl->actions[oc->action];
		struct audit_event ev;
		char action[1024], *before = NULL, *after = NULL;
		int rc;

		if (oc->ok && oc->store_account && vault_account_put(w->v, &oc->acct, e) < 0)
			goto fail;
		if (oc->ok && oc->store_membership &&
		    vault_membership_put(w->v, w->rt->cfg->name, a->employee_id, a->permission, a->op == OP_GRANT, e) <
			    0)
			goto fail;
		memset(&ev, 0, sizeof(ev));
		snprintf(action, sizeof(action), "%s%s%s", plan_op_name(a->op), a->permission ? " " : "",
			 a->permission ? a->permission : "");
		ev.actor = w->o->actor;
		ev.run = w->o->run;
		ev.kind = "action";
		ev.target = w->rt->cfg->name;
		ev.employee_id = a->employee_id;
		ev.action = action;
		/* (made here, off the thread that talks to the target) */
		if (oc->show & SHOW_BEFORE)
			before = json_of_values(a, 1);
		if (oc->show & SHOW_AFTER)
			after = json_of_values(a, 0);
		else if (oc->show & SHOW_PERMISSION)
			after = json_of_permission(a->permission);
		ev.before = before;
		ev.after = after;
		ev.outcome = !oc->ok ? "failed" : oc->adopted ? "adopted" : "ok";
		ev.error = oc->error;
		rc = audit_append(w->v, &ev, e);
		free(before);
		free(after);
		if (rc < 0)
			goto fail;
	}
	if (vault_commit(w->v, e) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	vault_rollback(w->v);
out:
	job_release(j);
	return ret;
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct err e;
		int rc = 0;

		while (!w->busy && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		pthread_mutex_unlock(&w->mu);
		err_init(&e);
		if (w->failed)
			job_release(&w->job); /* the vault failed before: recorded by the next run */
		else
			rc = record(w, &w->job, &e);
		pthread_mutex_lock(&w->mu);
		if (rc < 0) {
			w->failed = 1;
			w->e = e;
		}
		w->busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Waits until the writer has recorded what it was handed: 0, or -1 with e set when the vault failed. */
static int
writer_idle(struct writer *w, struct err *e)
{
	int failed;

	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	failed = w->failed;
	if (failed)
		*e = w->e;
	pthread_mutex_unlock(&w->mu);
	return failed ? -1 : 0;
}

/*
 * Hands the batch (answered by the target and made durable there) to the
 * writer and takes an empty one back. Without a thread, records it here.
 */
static int
hand_over(struct run *x, struct err *e)
{
	struct writer *w = x->w;
	struct job mine = { x->batch, x->nbatch, x->arena };
	struct outcome *spare;

	if (!w->started) {
		w->v = x->v;
		w->pl = x->pl;
		w->rt = x->rt;
		w->o = x->o;
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->cv, NULL);
		w->job.batch = xcalloc(BATCH, sizeof(*w->job.batch));
		w->started = pthread_create(&w->th, NULL, writer_main, w) == 0 ? 1 : -1;
	}
	x->nbatch = 0;
	memset(&x->arena, 0, sizeof(x->arena));
	if (w->started < 0)
		return record(w, &mine, e);
	if (writer_idle(w, e) < 0) {
		job_release(&mine);
		return -1;
	}
	pthread_mutex_lock(&w->mu);
	spare = w->job.batch;
	w->job = mine;
	w->busy = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	x->batch = spare;
	return 0;
}

/* The writer done: everything handed over recorded, the thread gone. 0, or -1 with e set. */
static int
writer_end(struct writer *w, struct err *e)
{
	int ret = 0;

	if (!w->started)
		return 0;
	if (w->started > 0) {
		ret = writer_idle(w, e);
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->job.batch);
	arena_release(&w->job.arena);
	return ret;
}

/* An action of the batch the connector took, and then failed (connector.h: wait). */
static void
failed_late(void *ctx, size_t tag, const struct err *why)
{
	struct run *x = ctx;
	const char *who;

	if (tag >= x->nbatch || !x->batch[tag].ok)
		return;
	who = x->pl->actions[x->batch[tag].action].employee_id;
	/* this account's other actions of the batch are not recorded either: the next run does them */
	for (size_t i = tag; i < x->nbatch; i++) {
		struct outcome *oc = &x->batch[i];

		if (!oc->ok || strcmp(x->pl->actions[oc->action].employee_id, who))
			continue;
		oc->store_account = oc->store_membership = 0;
		oc->show = 0;
		if (i == tag) {
			fail(x, oc, why->msg);
		} else {
			char msg[ERR_MSG_MAX + 64];

			snprintf(msg, sizeof(msg), "not recorded: an earlier action on the account failed: %s",
				 why->msg);
			fail(x, oc, msg);
		}
		x->r->done--;
		x->r->failed++;
		x->r->adopted -= (size_t)oc->adopted;
		if (why->class == ERR_TRANSIENT)
			x->fails_in_a_row++;
	}
	live_of(x, who)->broken = 1;
}

/* A create of the batch the connector named only when it answered (connector.h: wait). */
static void
named_late(void *ctx, size_t tag, const char *ref)
{
	struct run *x = ctx;
	const char *who;
	struct live *l;

	if (tag >= x->nbatch || !x->batch[tag].ok)
		return;
	who = x->pl->actions[x->batch[tag].action].employee_id;
	/* the account's states the batch stores were made without its name */
	for (size_t i = tag; i < x->nbatch; i++) {
		struct outcome *oc = &x->batch[i];

		if (oc->store_account && (!oc->acct.ref || !*oc->acct.ref) &&
		    !strcmp(x->pl->actions[oc->action].employee_id, who))
			oc->acct.ref = arena_strdup(&x->arena, ref);
	}
	l = live_of(x, who);
	if (!l->ref || !*l->ref) {
		free(l->ref);
		l->ref = xstrdup(ref);
	}
}

/* The connector is past use: it is closed, the batch's done actions fail (why), and the target's others. */
static void
fail_batch(struct run *x, const char *later, const char *now, const struct err *why)
{
	x->ops->close(x->c);
	x->c = NULL;
	snprintf(x->open_error, sizeof(x->open_error), "not tried: %s: %s", later, why->msg);
	for (size_t i = 0; i < x->nbatch; i++)
		if (x->batch[i].ok) {
			char msg[ERR_MSG_MAX + 64];

			snprintf(msg, sizeof(msg), "%s: %s", now, why->msg);
			x->batch[i].store_account = x->batch[i].store_membership = 0;
			fail(x, &x->batch[i], msg);
			x->r->done--;
			x->r->failed++;
			x->r->adopted -= (size_t)x->batch[i].adopted;
		}
}

/* Makes the batch durable on the target, then records it in the vault. */
static int
finish_batch(struct run *x, struct err *e)
{
	struct err fe;
	struct conn_late late;

	if (!x->nbatch)
		return 0;
	err_init(&fe);
	late.failed = failed_late;
	late.named = named_late;
	late.ctx = x;
	if (x->c && x->ops->wait && x->ops->wait(x->c, &late, &fe) < 0)
		/* what the connector took is unknown: as a flush that failed */
		fail_batch(x, "the target failed", "not known to be done on the target", &fe);
	/*
	 * What the connector holds unwritten must not reach the target later:
	 * it is closed (dropping it), and the target's other actions fail
	 * without being tried.
	 */
	if (x->c && x->ops->flush && x->ops->flush(x->c, &fe) < 0)
		fail_batch(x, "the target could not be written", "not written to the target", &fe);
	return hand_over(x, e);
}

/* The correlate values of the creates among the batch's actions, for the connector to look up at once. */
static void
prefetch(struct run *x, size_t ai)
{
	const char *attr = x->rt->cfg->correlate_attribute;
	const char **values;
	size_t n = 0, end = ai + BATCH < x->end ? ai + BATCH : x->end;
	struct err pe;

	if (!x->c || !x->ops->prefetch || !attr)
		return;
	values = xcalloc(end - ai + 1, sizeof(*values));
	for (size_t i = ai; i < end; i++) {
		const struct plan_action *a = &x->pl->actions[i];

		if (a->op != OP_CREATE)
			continue;
		for (size_t j = 0; j < a->nvalues; j++)
			if (!strcmp(a->values[j].name, attr) && a->values[j].value && *a->values[j].value)
				values[n++] = a->values[j].value;
	}
	err_init(&pe);
	if (n)
		(void)x->ops->prefetch(x->c, values, n, &pe); /* no harm when it fails: lookups ask one by one */
	free(values);
}

static int
run_action(struct run *x, size_t ai, struct err *e)
{
	const struct plan_action *a = &x->pl->actions[ai];
	struct outcome *oc;
	struct live *l = live_of(x, a->employee_id);
	struct err ae;
	int transient = 0;

	if (!x->nbatch)
		prefetch(x, ai);
	oc = &x->batch[x->nbatch++];
	memset(oc, 0, sizeof(*oc));
	oc->action = ai;
	oc->ok = 1;
	err_init(&ae);
	if (!x->c) {
		fail(x, oc, x->open_error);
	} else if (l->broken) {
		fail(x, oc, "not tried: an earlier action on the account failed in this run");
	} else if (x->fails_in_a_row >= FAILS_IN_A_ROW) {
		fail(x, oc, "not tried: the target did not answer its last actions");
		transient = 1;
	} else if (a->op != OP_CREATE && a->op != OP_REVOKE && !l->has) {
		fail(x, oc,
		     a->op == OP_GRANT
			     ? "not tried: the account is not there (its create failed)"
			     : "roster knows no such account on the target (the plan is older than the vault)");
	} else if (a->op != OP_CREATE && !l->ref) {
		fail(x, oc,
		     "not tried: roster knows no name for this account on the target (reconcile --adopt links it)");
	} else {
		long wait = 200;

		for (int tries = 1;; tries++) {
			err_init(&ae);
			if (act(x, a, l, oc, &ae) == 0)
				break;
			if (ae.class != ERR_TRANSIENT || tries == TRIES) {
				fail(x, oc, ae.msg);
				transient = ae.class == ERR_TRANSIENT;
				break;
			}
			pause_ms(wait);
			wait *= 5;
		}
	}
	if (oc->ok || !transient) {
		x->fails_in_a_row = 0; /* a person's own permanent failure says nothing of the target */
	}
	if (oc->ok) {
		x->r->done++;
		x->r->adopted += (size_t)oc->adopted;
	} else {
		x->fails_in_a_row += (size_t)transient;
		x->r->failed++;
	}
	x->seen++;
	if (x->o->progress)
		x->o->progress(x->o->progress_ctx, x->r->done, x->r->failed, x->total);
	if (x->nbatch == BATCH)
		return finish_batch(x, e);
	return 0;
}

static int
audit_forced(struct vault *v, const struct apply_options *o, const struct err *why, struct err *e)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.actor = o->actor;
	ev.run = o->run;
	ev.kind = "guard-forced";
	ev.action = "apply --force";
	ev.outcome = "forced";
	ev.error = why->msg;
	if (vault_begin(v, e) < 0)
		return -1;
	if (audit_append(v, &ev, e) < 0 || vault_commit(v, e) < 0) {
		vault_rollback(v);
		return -1;
	}
	return 0;
}

int
apply_plan(struct vault *v, const struct config *cfg, const struct plan *pl, const struct known_state *k,
	   const struct apply_options *o, struct apply_result *r, struct err *e)
{
	struct err ge;
	size_t ai = 0;
	int broken = 0;

	memset(r, 0, sizeof(*r));
	err_init(&ge);
	if (apply_guard(cfg, pl, k, &ge) < 0) {
		if (!o->force) {
			*e = ge;
			return -1;
		}
		if (audit_forced(v, o, &ge, e) < 0)
			return -1;
	}
	while (ai < pl->nactions) {
		struct run x;
		struct err ce;
		size_t end = ai;

		while (end < pl->nactions && pl->actions[end].target == pl->actions[ai].target)
			end++;
		struct writer w;

		memset(&x, 0, sizeof(x));
		memset(&w, 0, sizeof(w));
		x.w = &w;
		x.batch = xcalloc(BATCH, sizeof(*x.batch));
		x.v = v;
		x.cfg = cfg;
		x.pl = pl;
		x.k = k;
		x.o = o;
		x.r = r;
		x.t = pl->actions[ai].target;
		x.end = end;
		x.rt = &pl->rs->targets[x.t];
		x.total = pl->nactions;
		err_init(&ce);
		x.ops = connector_find(x.rt->cfg->connector);
		if (!x.ops)
			err_set(&ce, ERR_PERMANENT, "target \"%s\": roster has no %s connector yet", x.rt->cfg->name,
				x.rt->cfg->connector);
		else if (!(x.c = x.ops->open(cfg, x.rt->cfg, &ce)))
			err_prefix(&ce, "target \"%s\"", x.rt->cfg->name);
		if (!x.c) {
			fprintf(stderr, "roster: %s\n", ce.msg);
			snprintf(x.open_error, sizeof(x.open_error), "the connector could not start: %s", ce.msg);
		}
		for (; ai < end && !broken; ai++)
			broken = run_action(&x, ai, e) < 0;
		if (!broken)
			broken = finish_batch(&x, e) < 0;
		if (writer_end(&w, broken ? &ce : e) < 0)
			broken = 1;
		free(x.batch);
		if (x.c)
			x.ops->close(x.c);
		for (size_t i = 0; i < x.nlives; i++)
			live_clear(&x.lives[i]);
		free(x.lives);
		strmap_release(&x.by_id);
		arena_release(&x.arena);
		if (broken)
			return -1; /* the vault failed: stop everything */
	}
	return 0;
}

void
apply_result_release(struct apply_result *r)
{
	free(r->failures);
	memset(r, 0, sizeof(*r));
}
