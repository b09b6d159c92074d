/*
 * plan_build in three steps, one target at a time:
 *
 * 1. Entitlements of every person (rules/entitle.c), once for all targets,
 *    and the persons in the fixed order (first contract start, employee_id).
 * 2. Per target and person, the account's state on the day (lifecycle.c)
 *    and, for an account that should exist, its attribute values: first
 *    every person's early attributes in order (templates and unique values,
 *    so the first person in the order gets the first name), then every
 *    person's late ones (ref: and lua:, and what is built from them), which
 *    may read other persons' early values.
 * 3. The diff against the known account and memberships, as actions in
 *    buckets per kind; the buckets make the target's part of the plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <utf8proc.h>

#include "plan/plan.h"
#include "plan/plan_int.h"
#include "rules/naming.h"
#include "util/strmap.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *const op_names[OP_COUNT] = { "create", "enable", "update",  "move",
						"grant",  "revoke", "disable", "delete" };

const char *
plan_op_name(enum plan_op op)
{
	return op < OP_COUNT ? op_names[op] : "?";
}

/* How an attribute value was made, for --explain. */
enum how { HOW_NONE, HOW_TEMPLATE, HOW_CANDIDATE, HOW_ITERATE, HOW_REF, HOW_LUA, HOW_KEPT };

struct pinfo {
	const struct person *p;
	const struct entitlement *ev; /* its entitlements */
	size_t en;
	civil_day first;
	const struct contract *primary; /* on the evaluation date */
	const char *manager;		/* employee_id, "" when none */
};

/* One person on the target being planned. */
struct want {
	struct account_verdict v;
	struct window win; /* a copy of the deciding window, when has_win */
	int has_win;
	size_t nwindows;		   /* all windows of the person on the target */
	civil_day next_create;		   /* the create day of the first window after at; DATE_NONE when none */
	const struct known_account *known; /* the current account (not deleted); NULL */
	const struct known_account *last;  /* the newest known account, deleted or not; NULL */
	int last_seq;			   /* the highest seq known, 0 when none */
	int exists;			   /* an account should exist on the day */
	int seq;
	const char **vals;    /* per attribute (configuration order); NULL until made */
	unsigned char *how;   /* enum how per attribute */
	unsigned char *which; /* the candidate number, or n */
	const char *problem;
};

/*
 * The work of one thread. What is shared (read only while the threads run)
 * comes first; a worker copies it and has its own record, buffers, wants,
 * taken values, Lua sandbox and arena for what it makes.
 */
struct build {
	struct plan *pl;
	const struct ruleset *rs;
	const struct snapshot *s;
	const struct known_state *k;
	civil_day at;
	int one; /* planning one person only */
	/* plan_options' check_target question */
	int (*ask)(void *ctx, const struct cfg_target *t, const char *attribute, const char *value,
		   const char *correlate, struct err *e);
	void *ask_ctx;
	struct pinfo *pi;
	size_t npi;
	struct strmap by_id; /* employee_id -> index into pi */
	/* the worker's own */
	struct luasandbox *lua;
	struct arena arena; /* the values, reasons and notes it makes */
	struct rules_record rec;
	struct buf tmp, tmp2, foldbuf;
	struct period *periods;
	size_t periods_cap;
	struct window *windows;
	size_t windows_cap;
	struct want *w;
	struct plan_problem *problems;
	size_t nproblems, problems_cap;
	/* the target it works on */
	const struct ruleset_target *rt;
	size_t t;
	struct strmap *taken; /* per attribute (unique ones) */
	struct arena tarena;  /* folded values of this target */
};

/* ---- order ---- */

static int
pinfo_cmp(const void *x, const void *y)
{
	const struct pinfo *a = x, *b = y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return strcmp(a->p->f[P_EMPLOYEE_ID], b->p->f[P_EMPLOYEE_ID]);
}

static const char *
manager_of(const struct person *p, const struct contract *primary)
{
	if (primary && *primary->f[C_MANAGER_ID])
		return primary->f[C_MANAGER_ID];
	return p->f[P_MANAGER_ID];
}

/* ---- unique values ---- */

/* The value as compared for uniqueness, in out: case-folded (Unicode), so "Jan" and "jan" are one name. */
static const char *
fold(struct buf *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	utf8proc_uint8_t *m = NULL;
	size_t n = strlen(s);
	int ascii = 1;

	buf_reset(out);
	for (size_t i = 0; i < n; i++)
		if (u[i] >= 0x80)
			ascii = 0;
	if (ascii ||
	    utf8proc_map(u, (utf8proc_ssize_t)n, &m, UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE) < 0) {
		buf_add(out, s, n);
		for (size_t i = 0; i < out->len; i++)
			if (out->s[i] >= 'A' && out->s[i] <= 'Z')
				out->s[i] = (char)(out->s[i] - 'A' + 'a');
	} else {
		buf_adds(out, (const char *)m);
	}
	free(m);
	return buf_str(out);
}

static size_t
token_of(const struct build *b, size_t pidx)
{
	const struct want *w = &b->w[pidx];

	return w->known ? (size_t)(w->known - b->k->accounts) : b->k->naccounts + pidx;
}

static void problem(struct build *b, size_t pidx, const char *fmt, const char *a1, const char *a2);

/*
 * 1 when value is free for the person of token own: no other account or
 * person holds it, and (check_target) the target has no object with it;
 * 0 taken; -1 the target could not tell (a problem for person pidx).
 */
static int
is_free(struct build *b, size_t pidx, size_t ai, const char *value, size_t own)
{
	const struct cfg_attr *ca = b->rt->attrs[ai].cfg;
	size_t tok;
	int found = strmap_get(&b->taken[ai], fold(&b->foldbuf, value), &tok), got;
	struct err e;

	if (found)
		return tok == own;
	if (!ca->check_target || !b->ask)
		return 1;
	err_init(&e);
	/* the person's own account, made but not known (a create whose answer was lost), is no one else's */
	if ((got = b->ask(b->ask_ctx, b->rt->cfg, ca->name, value,
			  b->rt->cfg->correlate_field ? rules_record_lookup(&b->rec, b->rt->cfg->correlate_field)
						      : NULL,
			  &e)) < 0) {
		problem(b, pidx,
			"attribute \"%s\": cannot ask the target whether a value is free (check_target): %.1500s",
			ca->name, e.msg);
		return -1;
	}
	return !got;
}

static void
take(struct build *b, size_t ai, const char *value, size_t own)
{
	fold(&b->foldbuf, value);
	strmap_put(&b->taken[ai], arena_strndup(&b->tarena, b->foldbuf.s, b->foldbuf.len), own);
}

static size_t
cp_len(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* The byte length of the first max code points of s[0..n). */
static size_t
cp_cut(const char *s, size_t n, size_t max)
{
	size_t c = 0, i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == max)
			break;
	return i;
}

/* ---- attributes ---- */

struct acct_ctx {
	const struct ruleset_target *rt;
	const struct want *w;
};

static const char *
acct_get(void *ctx, const char *name)
{
	const struct acct_ctx *a = ctx;

	for (size_t i = 0; i < a->rt->nattrs; i++)
		if (!strcmp(a->rt->attrs[i].cfg->name, name))
			return a->w->vals[i] ? a->w->vals[i] : "";
	return "";
}

static const char *
lua_get(void *ctx, const char *table, const char *field)
{
	struct rules_record *rec = ctx;
	char path[512];

	if (snprintf(path, sizeof(path), "%s.%s", table, field) >= (int)sizeof(path))
		return NULL;
	return rules_record_lookup(rec, path);
}

static void
problem(struct build *b, size_t pidx, const char *fmt, const char *a1, const char *a2)
{
	struct want *w = &b->w[pidx];
	char msg[2048];

	if (w->problem)
		return;
	snprintf(msg, sizeof(msg), fmt, a1, a2);
	w->problem = arena_strdup(&b->arena, msg);
}

/* Renders t for the record into b->tmp (reset first); -1 when it is too long. */
static int
render(struct build *b, const struct template *t)
{
	buf_reset(&b->tmp);
	return template_render(t, rules_record_get, &b->rec, &b->tmp);
}

/* A unique value: the first free candidate, else the iteration with n = 2 … 99. */
static void
make_unique(struct build *b, size_t pidx, size_t ai)
{
	const struct ruleset_attr *ra = &b->rt->attrs[ai];
	const struct cfg_attr *ca = ra->cfg;
	struct want *w = &b->w[pidx];
	size_t own = token_of(b, pidx), max = ca->max_length > 0 ? (size_t)ca->max_length : (size_t)-1;
	char *first = NULL, nbuf[8];
	size_t head = 0;
	int any = 0, slow = 0, free_;

	for (size_t k = 0; k < ca->nunique; k++) {
		if (render(b, ra->unique[k]) < 0)
			continue;
		b->tmp.len = cp_cut(b->tmp.s ? b->tmp.s : "", b->tmp.len, max);
		if (!b->tmp.len)
			continue;
		b->tmp.s[b->tmp.len] = '\0'; /* the cut is the value */
		any = 1;
		if (!first)
			first = arena_strndup(&b->tarena, b->tmp.s, b->tmp.len);
		if ((free_ = is_free(b, pidx, ai, buf_str(&b->tmp), own)) < 0)
			return;
		if (free_) {
			w->vals[ai] = arena_strndup(&b->arena, b->tmp.s, b->tmp.len);
			w->how[ai] = HOW_CANDIDATE;
			w->which[ai] = (unsigned char)(k + 1);
			take(b, ai, w->vals[ai], own);
			return;
		}
	}
	if (!any) {
		problem(b, pidx, "attribute \"%s\": every candidate is empty for this person%s", ca->name, "");
		return;
	}
	/*
	 * Where {n} lands: the iterate template rendered once with a mark for n
	 * gives the text before and after it (without iterate: the first
	 * candidate, then n). When a filter on {n} hides the mark, every n is
	 * rendered in full.
	 */
	buf_reset(&b->tmp2);
	if (ra->iterate) {
		const char *mark;

		b->rec.n = "\x01";
		if (render(b, ra->iterate) == 0 && (mark = memchr(b->tmp.s ? b->tmp.s : "", 1, b->tmp.len)) &&
		    !memchr(mark + 1, 1, b->tmp.len - (size_t)(mark - b->tmp.s) - 1)) {
			head = (size_t)(mark - b->tmp.s);
			buf_add(&b->tmp2, b->tmp.s, b->tmp.len);
		} else {
			slow = 1;
		}
		b->rec.n = NULL;
	} else {
		head = strlen(first);
		buf_add(&b->tmp2, first, head);
		buf_addch(&b->tmp2, 1);
	}
	for (int n = 2; n <= 99; n++) {
		size_t nlen = (size_t)snprintf(nbuf, sizeof(nbuf), "%d", n);

		buf_reset(&b->tmp);
		if (slow) {
			b->rec.n = nbuf;
			if (render(b, ra->iterate) < 0 || cp_len(b->tmp.s, b->tmp.len) > max) {
				b->rec.n = NULL;
				continue;
			}
			b->rec.n = NULL;
		} else {
			const char *h = b->tmp2.s, *tail = b->tmp2.s + head + 1;
			size_t tlen = b->tmp2.len - head - 1, hcp = cp_len(h, head), rest = cp_len(tail, tlen) + nlen;

			if (hcp + rest > max) { /* shorten the part before the number */
				if (rest >= max)
					continue;
				buf_add(&b->tmp, h, cp_cut(h, head, max - rest));
			} else {
				buf_add(&b->tmp, h, head);
			}
			buf_add(&b->tmp, nbuf, nlen);
			buf_add(&b->tmp, tail, tlen);
		}
		if (b->tmp.len && (free_ = is_free(b, pidx, ai, buf_str(&b->tmp), own)) < 0)
			return;
		if (b->tmp.len && free_) {
			w->vals[ai] = arena_strndup(&b->arena, b->tmp.s, b->tmp.len);
			w->how[ai] = HOW_ITERATE;
			w->which[ai] = (unsigned char)n;
			take(b, ai, w->vals[ai], own);
			return;
		}
	}
	b->rec.n = NULL;
	problem(b, pidx, "attribute \"%s\": every candidate and its numbers 2 to 99 are taken (first candidate \"%s\")",
		ca->name, first);
}

static const char *
make_ref(struct build *b, size_t pidx, const struct cfg_attr *ca)
{
	const struct pinfo *me = &b->pi[pidx];
	const char *other = !strcmp(ca->ref, "manager") ? me->manager : rules_record_get(&b->rec, ca->ref);
	const struct known_account *ka;
	size_t oi, n;

	if (!*other)
		return "";
	if (strmap_get(&b->by_id, other, &oi) && b->w[oi].exists) {
		for (size_t i = 0; i < b->rt->nattrs; i++)
			if (!strcmp(b->rt->attrs[i].cfg->name, ca->ref_attribute))
				return b->w[oi].vals[i] ? b->w[oi].vals[i] : "";
	}
	/* not planned here, or an attribute the connector keeps (dn): what the vault knows */
	n = known_accounts_of(b->k, b->rt->cfg->name, other, &ka);
	if (n && ka[n - 1].status != ACCT_DELETED) {
		const char *v = known_attr(&ka[n - 1], ca->ref_attribute);

		/* a scim account's id is its ref, given by the provider when it was made */
		if (!v && !strcmp(ca->ref_attribute, "id") && !strcmp(b->rt->cfg->connector, "scim"))
			v = ka[n - 1].ref;
		return v ? v : "";
	}
	return "";
}

/* The attributes of one person's account: the early ones (late 0) or the late ones (late 1). */
static void
make_attrs(struct build *b, size_t pidx, int late)
{
	struct want *w = &b->w[pidx];
	const struct pinfo *pi = &b->pi[pidx];
	struct acct_ctx ac = { b->rt, w };
	char start[DATE_STR_MAX], end[DATE_STR_MAX];

	rules_record_set(&b->rec, pi->p, pi->primary, NULL);
	b->rec.account = acct_get;
	b->rec.account_ctx = &ac;
	/* {window.start}, {window.end}: the account's window, its last day "" while it is open */
	if (w->has_win && w->win.start != DATE_NONE) {
		date_format(w->win.start, start);
		b->rec.window[0] = start;
	}
	if (w->has_win && w->win.end != DATE_NONE) {
		date_format(w->win.end, end);
		b->rec.window[1] = end;
	}
	for (size_t o = 0; o < b->rt->nattrs && !w->problem; o++) {
		size_t ai = b->rt->order[o];
		const struct ruleset_attr *ra = &b->rt->attrs[ai];
		const struct cfg_attr *ca = ra->cfg;
		const char *kept;

		if (ra->late != late)
			continue;
		if (w->known && !ca->update && (kept = known_attr(w->known, ca->name))) {
			w->vals[ai] = kept; /* update: false — as it was made */
			w->how[ai] = HOW_KEPT;
			continue;
		}
		switch (ca->kind) {
		case ATTR_TEMPLATE:
			if (render(b, ra->value) < 0) {
				problem(b, pidx, "attribute \"%s\": the value is longer than a template may make%s",
					ca->name, "");
				break;
			}
			w->vals[ai] = arena_strndup(&b->arena, buf_str(&b->tmp), b->tmp.len);
			w->how[ai] = HOW_TEMPLATE;
			break;
		case ATTR_UNIQUE: make_unique(b, pidx, ai); break;
		case ATTR_REF:
			w->vals[ai] = make_ref(b, pidx, ca);
			w->how[ai] = HOW_REF;
			break;
		case ATTR_LUA: {
			struct err le;
			char who[600], label[512];

			snapshot_person_label(pi->p, label, sizeof(label));
			snprintf(who, sizeof(who), "%s (%s)", pi->p->f[P_EMPLOYEE_ID], label);
			err_init(&le);
			buf_reset(&b->tmp);
			if (luasandbox_call(b->lua, ra->lua, lua_get, &b->rec, who, &b->tmp, &le) < 0) {
				problem(b, pidx, "%s%s", le.msg, "");
				break;
			}
			w->vals[ai] = arena_strndup(&b->arena, buf_str(&b->tmp), b->tmp.len);
			w->how[ai] = HOW_LUA;
			break;
		}
		}
	}
	b->rec.account = NULL;
	b->rec.window[0] = b->rec.window[1] = NULL;
	b->rec.account_ctx = NULL;
}

/* ---- state per person on the target ---- */

static int
is_account(const struct entitlement *en, size_t t)
{
	return en->target == t && !en->group;
}

static void
decide(struct build *b, size_t pidx)
{
	const struct pinfo *pi = &b->pi[pidx];
	const struct cfg_target *ct = b->rt->cfg;
	struct want *w = &b->w[pidx];
	const struct known_account *ka;
	size_t np = 0, nk, nw;

	memset(w, 0, sizeof(*w));
	w->next_create = DATE_NONE;
	for (size_t i = 0; i < pi->en; i++) {
		if (!is_account(&pi->ev[i], b->t))
			continue;
		XGROW(b->periods, b->periods_cap, np + 1);
		b->periods[np++] = pi->ev[i].period;
	}
	nw = lifecycle_windows(b->periods, np, &ct->lifecycle, NULL, 0);
	XGROW(b->windows, b->windows_cap, nw + 1);
	lifecycle_windows(b->periods, np, &ct->lifecycle, b->windows, nw);
	w->nwindows = nw;
	lifecycle_state(b->windows, nw, b->at, &w->v);
	if (w->v.window) {
		w->win = *w->v.window;
		w->has_win = 1;
	}
	for (size_t i = 0; i < nw; i++)
		if (b->windows[i].create > b->at) {
			w->next_create = b->windows[i].create;
			break;
		}
	w->v.window = NULL; /* windows are reused by the next person; win holds the copy */
	nk = known_accounts_of(b->k, ct->name, pi->p->f[P_EMPLOYEE_ID], &ka);
	if (nk) {
		w->last = &ka[nk - 1];
		w->last_seq = ka[nk - 1].seq;
		if (ka[nk - 1].status != ACCT_DELETED)
			w->known = &ka[nk - 1];
	}
	w->exists = w->v.state != ACCOUNT_ABSENT;
	/* left already: an account that was never made is not made now only to be disabled */
	if (w->exists && !w->known && w->v.state == ACCOUNT_DISABLED && w->win.disable != DATE_NONE &&
	    b->at >= w->win.disable)
		w->exists = 0;
	w->seq = w->known ? w->known->seq : w->last_seq + 1;
}

/* ---- actions ---- */

struct bucket {
	struct plan_action *v;
	size_t n, cap;
};

static struct plan_action *
action_new(struct build *b, struct bucket *bk, size_t pidx, enum plan_op op)
{
	struct plan_action *a;

	XGROW(bk[op].v, bk[op].cap, bk[op].n + 1);
	a = &bk[op].v[bk[op].n++];
	memset(a, 0, sizeof(*a));
	a->target = b->t;
	a->person = b->pi[pidx].p;
	a->employee_id = b->pi[pidx].p->f[P_EMPLOYEE_ID];
	a->op = op;
	a->seq = b->w[pidx].seq;
	return a;
}

static void
add_reason(struct build *b, struct plan_action *a, const struct entitlement *en, const char *note)
{
	struct plan_reason *r;

	/* room for 1, 2, 4, 8 … reasons: a new array when the count is a power of two */
	if (!(a->nreasons & (a->nreasons - 1))) {
		struct plan_reason *nv = arena_alloc(&b->arena, (a->nreasons ? 2 * a->nreasons : 1) * sizeof(*nv));

		if (a->nreasons)
			memcpy(nv, a->reasons, a->nreasons * sizeof(*nv));
		a->reasons = nv;
	}
	r = &a->reasons[a->nreasons++];
	r->en = en;
	r->note = en ? NULL : arena_strdup(&b->arena, note);
}

/* The account grants behind the deciding window (those whose period meets it). */
static void
window_reasons(struct build *b, size_t pidx, struct plan_action *a)
{
	const struct pinfo *pi = &b->pi[pidx];
	const struct want *w = &b->w[pidx];

	for (size_t i = 0; i < pi->en; i++) {
		const struct entitlement *en = &pi->ev[i];

		if (is_account(en, b->t) && en->period.start <= w->win.end && en->period.end >= w->win.start)
			add_reason(b, a, en, NULL);
	}
}

static void
day_note(struct build *b, struct plan_action *a, const char *fmt, civil_day d1, long n, civil_day d2)
{
	char s1[DATE_STR_MAX] = "", s2[DATE_STR_MAX] = "", note[512];

	if (d1 != DATE_NONE)
		date_format(d1, s1);
	if (d2 != DATE_NONE)
		date_format(d2, s2);
	snprintf(note, sizeof(note), fmt, s1, n, s2);
	add_reason(b, a, NULL, note);
}

static int
group_cmp(const void *x, const void *y)
{
	const struct entitlement *const *a = x, *const *b = y;
	int c = strcmp((*a)->group, (*b)->group);

	return c ? c : (*a < *b ? -1 : *a > *b);
}

/*
 * A grant that ended before the day is kept over a gap of at most
 * bridge_gap days until a grant of the same permission starts again (a
 * contract that ends on Friday and one that starts on Monday), as the
 * account is: no revoke on Saturday and grant on Monday.
 */
static int
bridged(const struct build *b, const struct pinfo *pi, const struct entitlement *en)
{
	long gap = b->rt->cfg->lifecycle.bridge_gap;

	if (en->period.end == DATE_NONE || en->period.end >= b->at)
		return 0;
	for (size_t i = 0; i < pi->en; i++) {
		const struct entitlement *o = &pi->ev[i];

		if (o != en && o->target == en->target && o->group && !strcmp(o->group, en->group) &&
		    o->period.start > b->at && (long)o->period.start - (long)en->period.end - 1 <= gap)
			return 1;
	}
	return 0;
}

static void
permissions(struct build *b, size_t pidx, struct bucket *bk)
{
	const struct pinfo *pi = &b->pi[pidx];
	const struct want *w = &b->w[pidx];
	const struct membership *m;
	const struct entitlement **g = NULL;
	size_t ng = 0, nm, gi = 0, mi = 0;

	if (w->exists)
		for (size_t i = 0; i < pi->en; i++) {
			const struct entitlement *en = &pi->ev[i];

			if (en->target == b->t && en->group &&
			    ((en->period.start <= b->at && b->at <= en->period.end) || bridged(b, pi, en))) {
				g = xrealloc(g, (ng + 1) * sizeof(*g));
				g[ng++] = en;
			}
		}
	if (ng)
		qsort(g, ng, sizeof(*g), group_cmp);
	if (!w->exists && !w->known)
		return; /* no account: nothing granted, nothing to revoke */
	nm = known_memberships_of(b->k, b->rt->cfg->name, pi->p->f[P_EMPLOYEE_ID], &m);
	/* a merge of the wanted groups (sorted, with repeats) and the known ones (sorted) */
	while (gi < ng || mi < nm) {
		int c = gi == ng ? 1 : mi == nm ? -1 : strcmp(g[gi]->group, m[mi].permission);
		size_t gend = gi;

		while (gend < ng && (gend == gi || !strcmp(g[gend]->group, g[gi]->group)))
			gend++;
		if (c < 0) {
			struct plan_action *a = action_new(b, bk, pidx, OP_GRANT);

			a->permission = g[gi]->group;
			for (size_t i = gi; i < gend; i++)
				add_reason(b, a, g[i], NULL);
			gi = gend;
		} else if (c > 0) {
			struct plan_action *a = action_new(b, bk, pidx, OP_REVOKE);
			int any = 0;

			a->permission = m[mi].permission;
			for (size_t i = 0; i < pi->en; i++) {
				const struct entitlement *en = &pi->ev[i];

				if (en->target == b->t && en->group && !strcmp(en->group, m[mi].permission) &&
				    en->period.end < b->at) {
					add_reason(b, a, en, NULL);
					any = 1;
				}
			}
			if (!any)
				add_reason(b, a, NULL,
					   w->exists ? "no rule grants it (any more)" : "the account is to go");
			mi++;
		} else {
			gi = gend;
			mi++;
		}
	}
	free(g);
}

static void
diff_person(struct build *b, size_t pidx, struct bucket *bk)
{
	const struct cfg_target *ct = b->rt->cfg;
	const struct pinfo *pi = &b->pi[pidx];
	struct want *w = &b->w[pidx];
	const struct known_account *kn = w->known;
	struct plan_action *a;

	if (w->problem) {
		XGROW(b->problems, b->problems_cap, b->nproblems + 1);
		b->problems[b->nproblems].target = b->t;
		b->problems[b->nproblems].employee_id = pi->p->f[P_EMPLOYEE_ID];
		b->problems[b->nproblems++].message = w->problem;
		return; /* nothing is planned for an account that cannot be made right */
	}
	if (w->exists && !kn) {
		a = action_new(b, bk, pidx, OP_CREATE);
		a->enabled = w->v.state == ACCOUNT_ENABLED;
		a->nvalues = b->rt->nattrs;
		a->values = arena_alloc(&b->arena, (a->nvalues + 1) * sizeof(*a->values));
		for (size_t i = 0; i < b->rt->nattrs; i++) {
			a->values[i].name = b->rt->attrs[i].cfg->name;
			a->values[i].value = w->vals[i] ? w->vals[i] : "";
			a->values[i].send = b->rt->attrs[i].cfg->send;
		}
		window_reasons(b, pidx, a);
		if (!a->enabled)
			day_note(b, a, "created ahead of the first day %s (create_before %ld); enabled on %s",
				 w->win.start, ct->lifecycle.create_before, w->win.enable);
	} else if (w->exists) {
		size_t nch = 0;

		if (kn->status == ACCT_DISABLED && w->v.state == ACCOUNT_ENABLED) {
			a = action_new(b, bk, pidx, OP_ENABLE);
			window_reasons(b, pidx, a);
		}
		for (size_t i = 0; i < b->rt->nattrs; i++) {
			const char *old = known_attr(kn, b->rt->attrs[i].cfg->name);
			const char *now = w->vals[i] ? w->vals[i] : "";

			if (old && !strcmp(old, now))
				continue;
			if (!b->rt->attrs[i].cfg->entry_name) {
				nch++;
				continue;
			}
			/* the entry's name changes: a move (a department change in a directory) */
			a = action_new(b, bk, pidx, OP_MOVE);
			a->values = arena_alloc(&b->arena, sizeof(*a->values));
			a->values[0].name = b->rt->attrs[i].cfg->name;
			a->values[0].old = old ? old : "";
			a->values[0].value = now;
			a->values[0].send = 1;
			a->nvalues = 1;
			window_reasons(b, pidx, a);
		}
		if (nch) {
			a = action_new(b, bk, pidx, OP_UPDATE);
			a->values = arena_alloc(&b->arena, (nch + 1) * sizeof(*a->values));
			for (size_t i = 0; i < b->rt->nattrs; i++) {
				const char *old = known_attr(kn, b->rt->attrs[i].cfg->name);
				const char *now = w->vals[i] ? w->vals[i] : "";

				if ((old && !strcmp(old, now)) || b->rt->attrs[i].cfg->entry_name)
					continue;
				a->values[a->nvalues].name = b->rt->attrs[i].cfg->name;
				a->values[a->nvalues].old = old ? old : "";
				a->values[a->nvalues].value = now;
				a->values[a->nvalues++].send = b->rt->attrs[i].cfg->send;
			}
			window_reasons(b, pidx, a);
		}
		if (kn->status == ACCT_ENABLED && w->v.state == ACCOUNT_DISABLED) {
			a = action_new(b, bk, pidx, OP_DISABLE);
			window_reasons(b, pidx, a);
			if (w->win.end != DATE_NONE && b->at >= w->win.disable)
				day_note(b, a, "the last day was %s; disabled %ld day(s) after it, on %s", w->win.end,
					 ct->lifecycle.disable_after, w->win.disable);
			else
				day_note(b, a, "the first day is %s (enable_before %ld); enabled on %s", w->win.start,
					 ct->lifecycle.enable_before, w->win.enable);
		}
	}
	permissions(b, pidx, bk);
	if (w->exists || !kn)
		return;
	/*
	 * An account that should not be there (any more): disabled first, and
	 * deleted delete_after days after roster disabled it — never deleted
	 * straight from enabled, and never before the lifecycle says.
	 */
	if (kn->status == ACCT_ENABLED) {
		a = action_new(b, bk, pidx, OP_DISABLE);
		if (w->has_win && w->win.end != DATE_NONE && b->at > w->win.end) {
			window_reasons(b, pidx, a);
			day_note(b, a, "the last day was %s; disabled %ld day(s) after it, on %s", w->win.end,
				 ct->lifecycle.disable_after, w->win.disable);
		} else if (w->next_create != DATE_NONE) {
			day_note(b, a, "no account is due now: the next one is created on %s (create_before %ld)%s",
				 w->next_create, ct->lifecycle.create_before, DATE_NONE);
		} else {
			add_reason(b, a, NULL,
				   pi->p->present ? "no rule grants an account (any more)"
						  : "no longer in the HR export");
		}
	} else if (w->next_create == DATE_NONE) {
		civil_day from = kn->disabled, due = DATE_NONE;

		if (from != DATE_NONE)
			due = from + ct->lifecycle.delete_after;
		if (w->has_win && w->win.remove != DATE_NONE && (due == DATE_NONE || due < w->win.remove)) {
			due = w->win.remove; /* the later of what the vault and the lifecycle say */
			from = w->win.disable;
		}
		if (due != DATE_NONE && b->at >= due) {
			a = action_new(b, bk, pidx, OP_DELETE);
			if (w->has_win)
				window_reasons(b, pidx, a);
			day_note(b, a, "disabled on %s; deleted %ld day(s) later, on %s", from,
				 ct->lifecycle.delete_after, due);
		}
	}
}

/* Creates: a manager's before the creates of the persons whose ref: reads it. */
static void
order_creates(struct build *b, struct bucket *bk)
{
	struct bucket *c = &bk[OP_CREATE];
	struct plan_action *out;
	unsigned char *state;
	size_t *stack, nout = 0;
	struct strmap at = STRMAP_INIT; /* employee_id -> index in c */
	int refs = 0;

	for (size_t i = 0; i < b->rt->nattrs; i++)
		refs |= b->rt->attrs[i].cfg->kind == ATTR_REF;
	if (!refs || c->n < 2)
		return;
	for (size_t i = 0; i < c->n; i++)
		strmap_put(&at, c->v[i].employee_id, i);
	out = xcalloc(c->n, sizeof(*out));
	state = xcalloc(c->n, 1);
	stack = xcalloc(c->n, sizeof(*stack));
	for (size_t i = 0; i < c->n; i++) {
		size_t depth = 0, j = i;

		/* walk up the managers still to be placed, then place them top down */
		while (!state[j]) {
			size_t pidx, m;

			state[j] = 1;
			stack[depth++] = j;
			if (!strmap_get(&b->by_id, c->v[j].employee_id, &pidx) ||
			    !strmap_get(&at, b->pi[pidx].manager, &m) || state[m])
				break;
			j = m;
		}
		while (depth)
			out[nout++] = c->v[stack[--depth]];
	}
	memcpy(c->v, out, c->n * sizeof(*out));
	free(out);
	free(state);
	free(stack);
	strmap_release(&at);
}

/* Every person's wants and attribute values on target t. */
static void
plan_target(struct build *b, size_t t)
{
	size_t nattrs;

	b->t = t;
	b->rt = &b->rs->targets[t];
	nattrs = b->rt->nattrs;
	b->taken = xcalloc(nattrs + 1, sizeof(*b->taken));
	/* the unique values every known account of the target holds (deleted ones too) */
	for (size_t i = 0; i < b->k->naccounts; i++) {
		const struct known_account *ka = &b->k->accounts[i];

		if (strcmp(ka->target, b->rt->cfg->name))
			continue;
		for (size_t ai = 0; ai < nattrs; ai++) {
			const char *v;

			if (b->rt->attrs[ai].cfg->kind == ATTR_UNIQUE &&
			    (v = known_attr(ka, b->rt->attrs[ai].cfg->name)) && *v)
				take(b, ai, v, i);
		}
	}
	for (size_t p = 0; p < b->npi; p++) {
		struct want *w = &b->w[p];

		decide(b, p);
		w->vals = arena_alloc(&b->arena, (nattrs + 1) * sizeof(*w->vals));
		memset(w->vals, 0, (nattrs + 1) * sizeof(*w->vals));
		w->how = arena_alloc(&b->arena, 2 * (nattrs + 1));
		memset(w->how, 0, 2 * (nattrs + 1));
		w->which = w->how + nattrs + 1;
	}
	for (int late = 0; late <= 1; late++)
		for (size_t p = 0; p < b->npi; p++)
			if (b->w[p].exists)
				make_attrs(b, p, late);
}

static void
target_release(struct build *b)
{
	for (size_t ai = 0; ai < b->rt->nattrs; ai++)
		strmap_release(&b->taken[ai]);
	free(b->taken);
	b->taken = NULL;
	arena_release(&b->tarena);
}

/* The worker's own parts, on top of a copy of the shared ones. */
static void
worker_init(struct build *wk, const struct build *shared, struct luasandbox *lua)
{
	*wk = *shared;
	wk->lua = lua;
	memset(&wk->arena, 0, sizeof(wk->arena));
	rules_record_init(&wk->rec, shared->s, NULL, NULL, NULL);
	memset(&wk->tmp, 0, sizeof(wk->tmp));
	memset(&wk->tmp2, 0, sizeof(wk->tmp2));
	memset(&wk->foldbuf, 0, sizeof(wk->foldbuf));
	wk->periods = NULL;
	wk->windows = NULL;
	wk->periods_cap = wk->windows_cap = 0;
	wk->w = xcalloc(shared->npi + 1, sizeof(*wk->w));
	wk->problems = NULL;
	wk->nproblems = wk->problems_cap = 0;
	wk->taken = NULL;
	memset(&wk->tarena, 0, sizeof(wk->tarena));
}

/* Frees the worker's own parts; its arena is handed to the plan. */
static void
worker_release(struct build *wk, struct plan *pl)
{
	arena_adopt(&pl->arena, &wk->arena);
	rules_record_release(&wk->rec);
	buf_release(&wk->tmp);
	buf_release(&wk->tmp2);
	buf_release(&wk->foldbuf);
	free(wk->periods);
	free(wk->windows);
	free(wk->w);
	free(wk->problems);
}

/* Entitlements of persons [from, to) of b->pi, into es; pinfo.ev are set once all are made. */
struct entitle_job {
	const struct build *b;
	size_t from, to;
	struct entitlements es;
	size_t *start; /* per person: the index of its first entitlement in es */
	struct err e;
	int ret;
};

static void *
entitle_run(void *arg)
{
	struct entitle_job *j = arg;
	const struct build *b = j->b;
	struct rules_record rec;

	rules_record_init(&rec, b->s, NULL, NULL, NULL);
	err_init(&j->e);
	for (size_t i = j->from; i < j->to; i++) {
		const struct person *p = b->pi[i].p;

		j->start[i - j->from] = j->es.n;
		if (p->present && entitle_person(b->rs, b->s, p, &rec, &j->es, &j->e) < 0) {
			j->ret = -1;
			break;
		}
	}
	j->start[j->to - j->from] = j->es.n;
	rules_record_release(&rec);
	return NULL;
}

#define THREADS_MAX 2 /* the machines we aim at have two cores; more add little here */

static int
threads(size_t work)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n > THREADS_MAX)
		n = THREADS_MAX;
	if (n < 1)
		n = 1;
	return work < 2000 ? 1 : (int)n;
}

static int
build_init(struct build *b, struct plan *pl, const struct ruleset *rs, const struct snapshot *s,
	   const struct known_state *k, civil_day at, const char *person, struct entitle_job *jobs, int *njobs,
	   struct err *e)
{
	size_t per;
	pthread_t tid[THREADS_MAX];
	int started[THREADS_MAX] = { 0 };

	memset(b, 0, sizeof(*b));
	b->pl = pl;
	b->rs = rs;
	b->s = s;
	b->k = k;
	b->at = at;
	b->one = person != NULL;
	b->pi = xcalloc(s->npersons + 1, sizeof(*b->pi));
	for (size_t i = 0; i < s->npersons; i++) {
		const struct person *p = &s->persons[i];
		struct pinfo *pi;

		if (person && strcmp(p->f[P_EMPLOYEE_ID], person))
			continue;
		pi = &b->pi[b->npi++];
		pi->p = p;
		pi->first = DATE_NONE;
		for (size_t c = 0; p->present && c < p->ncontracts; c++)
			if (s->contracts[p->contract0 + c].start < pi->first)
				pi->first = s->contracts[p->contract0 + c].start;
		pi->primary = p->present ? snapshot_primary_contract(s, p, at) : NULL;
		pi->manager = manager_of(p, pi->primary);
	}
	if (person && !b->npi)
		return err_set(e, ERR_INVALID, "no person with employee_id \"%s\" in the vault", person);
	qsort(b->pi, b->npi, sizeof(*b->pi), pinfo_cmp);
	for (size_t i = 0; i < b->npi; i++)
		strmap_put(&b->by_id, b->pi[i].p->f[P_EMPLOYEE_ID], i);
	/* the entitlements, the persons split between the threads */
	*njobs = threads(b->npi);
	per = (b->npi + (size_t)*njobs - 1) / (size_t)*njobs;
	for (int j = 0; j < *njobs; j++) {
		jobs[j].b = b;
		jobs[j].from = per * (size_t)j < b->npi ? per * (size_t)j : b->npi;
		jobs[j].to = jobs[j].from + per < b->npi ? jobs[j].from + per : b->npi;
		entitlements_init(&jobs[j].es);
		jobs[j].start = xcalloc(jobs[j].to - jobs[j].from + 1, sizeof(*jobs[j].start));
		jobs[j].ret = 0;
	}
	for (int j = 1; j < *njobs; j++)
		started[j] = !pthread_create(&tid[j], NULL, entitle_run, &jobs[j]);
	entitle_run(&jobs[0]);
	for (int j = 1; j < *njobs; j++)
		if (started[j])
			pthread_join(tid[j], NULL);
		else
			entitle_run(&jobs[j]); /* no thread: here, then */
	for (int j = 0; j < *njobs; j++) {
		if (jobs[j].ret < 0) {
			*e = jobs[j].e;
			return -1;
		}
		for (size_t i = jobs[j].from; i < jobs[j].to; i++) {
			b->pi[i].ev = jobs[j].es.v + jobs[j].start[i - jobs[j].from];
			b->pi[i].en = jobs[j].start[i - jobs[j].from + 1] - jobs[j].start[i - jobs[j].from];
		}
	}
	return 0;
}

static void
build_release(struct build *b, struct plan *pl, struct entitle_job *jobs, int njobs)
{
	for (int j = 0; j < njobs; j++) {
		/* the reasons point at the entitlements, and they at their group names */
		arena_adopt(&pl->arena, &jobs[j].es.arena);
		XGROW(pl->keep, pl->nkeep_cap, pl->nkeep + 1);
		pl->keep[pl->nkeep++] = jobs[j].es.v;
		jobs[j].es.v = NULL;
		entitlements_release(&jobs[j].es);
		free(jobs[j].start);
	}
	free(b->pi);
	strmap_release(&b->by_id);
}

/* What one target's planning leaves: its actions by kind and its problems. */
struct target_out {
	struct bucket bk[OP_COUNT];
	struct plan_problem *problems;
	size_t nproblems;
};

struct target_job {
	struct build wk;
	size_t *next; /* the next target to take (under lock) */
	pthread_mutex_t *lock;
	struct target_out *out;
};

static void
run_target(struct build *wk, size_t t, struct target_out *out)
{
	memset(out, 0, sizeof(*out));
	wk->nproblems = 0;
	plan_target(wk, t);
	for (size_t p = 0; p < wk->npi; p++)
		diff_person(wk, p, out->bk);
	order_creates(wk, out->bk);
	target_release(wk);
	if (wk->nproblems) {
		out->problems = xcalloc(wk->nproblems, sizeof(*out->problems));
		memcpy(out->problems, wk->problems, wk->nproblems * sizeof(*out->problems));
		out->nproblems = wk->nproblems;
	}
}

static void *
target_run(void *arg)
{
	struct target_job *j = arg;

	for (;;) {
		size_t t;

		pthread_mutex_lock(j->lock);
		while (*j->next < j->wk.rs->ntargets && !j->wk.pl->planned[*j->next])
			(*j->next)++;
		t = (*j->next)++;
		pthread_mutex_unlock(j->lock);
		if (t >= j->wk.rs->ntargets)
			break;
		run_target(&j->wk, t, &j->out[t]);
	}
	return NULL;
}

int
plan_build(struct plan *pl, const struct ruleset *rs, const struct snapshot *s, const struct known_state *k,
	   const struct plan_options *o, struct err *e)
{
	struct build b;
	struct entitle_job ej[THREADS_MAX];
	struct target_job tj[THREADS_MAX];
	struct luasandbox *lua[THREADS_MAX] = { NULL };
	pthread_t tid[THREADS_MAX];
	int started[THREADS_MAX] = { 0 };
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct target_out *out;
	size_t next = 0, ntargets = 0;
	int nej = 0, nthreads, ret = -1;

	memset(pl, 0, sizeof(*pl));
	if (o->target && !config_target(rs->cfg, o->target))
		return err_set(e, ERR_INVALID, "--target: no target named \"%s\" in %s", o->target, rs->cfg->file);
	pl->at = o->at;
	pl->rs = rs;
	pl->counts = xcalloc(rs->ntargets + 1, sizeof(*pl->counts));
	pl->planned = xcalloc(rs->ntargets + 1, 1);
	for (size_t t = 0; t < rs->ntargets; t++) {
		pl->planned[t] = !o->target || !strcmp(rs->targets[t].cfg->name, o->target);
		ntargets += pl->planned[t];
	}
	if (build_init(&b, pl, rs, s, k, o->at, o->person, ej, &nej, e) < 0)
		goto out;
	b.ask = o->taken;
	b.ask_ctx = o->taken_ctx;
	pl->npersons = b.npi;
	/* the targets, each on the next free thread */
	out = xcalloc(rs->ntargets + 1, sizeof(*out));
	nthreads = ntargets < 2 ? 1 : threads(b.npi);
	for (int j = 1; j < nthreads; j++)
		if (rs->lua && !(lua[j] = ruleset_lua_clone(rs)))
			nthreads = j; /* a sandbox is for one thread: fewer threads, then */
	for (int j = 0; j < nthreads; j++) {
		worker_init(&tj[j].wk, &b, j ? lua[j] : rs->lua);
		tj[j].next = &next;
		tj[j].lock = &lock;
		tj[j].out = out;
	}
	for (int j = 1; j < nthreads; j++)
		started[j] = !pthread_create(&tid[j], NULL, target_run, &tj[j]);
	target_run(&tj[0]);
	for (int j = 1; j < nthreads; j++)
		if (started[j])
			pthread_join(tid[j], NULL);
	for (size_t t = 0; t < rs->ntargets; t++) {
		struct target_out *to = &out[t];

		for (int op = 0; op < OP_COUNT; op++) {
			XGROW(pl->actions, pl->actions_cap, pl->nactions + to->bk[op].n + 1);
			if (to->bk[op].n)
				memcpy(pl->actions + pl->nactions, to->bk[op].v, to->bk[op].n * sizeof(*to->bk[op].v));
			pl->nactions += to->bk[op].n;
			pl->counts[t][op] = to->bk[op].n;
			free(to->bk[op].v);
		}
		if (to->nproblems) {
			XGROW(pl->problems, pl->problems_cap, pl->nproblems + to->nproblems);
			memcpy(pl->problems + pl->nproblems, to->problems, to->nproblems * sizeof(*to->problems));
			pl->nproblems += to->nproblems;
		}
		free(to->problems);
	}
	free(out);
	for (int j = 0; j < nthreads; j++) {
		worker_release(&tj[j].wk, pl);
		luasandbox_free(lua[j]);
	}
	ret = 0;
out:
	build_release(&b, pl, ej, nej);
	if (ret < 0)
		plan_release(pl); /* a failed plan holds nothing */
	return ret;
}

void
plan_release(struct plan *pl)
{
	arena_release(&pl->arena);
	free(pl->actions);
	free(pl->problems);
	free(pl->counts);
	free(pl->planned);
	for (size_t i = 0; i < pl->nkeep; i++)
		free(pl->keep[i]);
	free(pl->keep);
	memset(pl, 0, sizeof(*pl));
}

/* ---- roster person ID --explain ---- */

static const char *
entitlement_status(const struct entitlement *en, civil_day at)
{
	if (en->period.start > at)
		return "upcoming";
	if (en->period.end < at)
		return "ended";
	return "in force";
}

static const char *
state_name(enum account_state st)
{
	return st == ACCOUNT_ENABLED ? "enabled" : st == ACCOUNT_DISABLED ? "disabled" : "absent";
}

static void
day_json(struct buf *out, const char *key, civil_day d)
{
	buf_addf(out, "\"%s\": ", key);
	plan_json_day(out, d, DATE_NONE);
}

static const char *
day_text(civil_day d, char s[DATE_STR_MAX], const char *none)
{
	if (d == DATE_NONE || d == PERIOD_DAWN)
		return none;
	date_format(d, s);
	return s;
}

/* What made attribute ai, in words ("unique, candidate 2: {…}"). */
static void
how_text(const struct ruleset_attr *ra, const struct want *w, size_t ai, struct buf *out)
{
	const struct cfg_attr *ca = ra->cfg;

	switch ((enum how)w->how[ai]) {
	case HOW_TEMPLATE: buf_addf(out, "template %s", ca->template.text); break;
	case HOW_CANDIDATE:
		buf_addf(out, "unique, candidate %u of %zu: %s", w->which[ai], ca->nunique,
			 ca->unique[w->which[ai] - 1].text);
		break;
	case HOW_ITERATE:
		buf_addf(out, "unique, every candidate taken; n = %u in %s", w->which[ai],
			 ca->iterate.text ? ca->iterate.text : "the first candidate followed by n");
		break;
	case HOW_REF: buf_addf(out, "ref: %s, attribute %s of their account", ca->ref, ca->ref_attribute); break;
	case HOW_LUA: buf_adds(out, "lua"); break;
	case HOW_KEPT: buf_adds(out, "kept as made (update: false)"); break;
	case HOW_NONE: buf_adds(out, "not made"); break;
	}
}

static void
explain_target_json(struct build *b, size_t pidx, struct buf *out)
{
	const struct want *w = &b->w[pidx];
	const struct membership *m;
	size_t nm = known_memberships_of(b->k, b->rt->cfg->name, b->pi[pidx].p->f[P_EMPLOYEE_ID], &m);
	int first = 1;

	buf_add_json_str(out, b->rt->cfg->name);
	buf_addf(out, ": {\"state\": \"%s\"", state_name(w->v.state));
	if (w->has_win) {
		buf_adds(out, ", \"window\": {");
		day_json(out, "start", w->win.start);
		buf_adds(out, ", ");
		day_json(out, "end", w->win.end);
		buf_adds(out, ", ");
		day_json(out, "create", w->win.create);
		buf_adds(out, ", ");
		day_json(out, "enable", w->win.enable);
		buf_adds(out, ", ");
		day_json(out, "disable", w->win.disable);
		buf_adds(out, ", ");
		day_json(out, "delete", w->win.remove);
		buf_addch(out, '}');
	}
	if (w->last)
		buf_addf(out, ", \"known\": {\"account\": %d, \"status\": \"%s\"}", w->last->seq,
			 account_status_name(w->last->status));
	else
		buf_adds(out, ", \"known\": null");
	buf_adds(out, ", \"attributes\": {");
	for (size_t i = 0; w->exists && i < b->rt->nattrs; i++) {
		if (!first)
			buf_adds(out, ", ");
		first = 0;
		buf_add_json_str(out, b->rt->attrs[i].cfg->name);
		buf_adds(out, ": {\"value\": ");
		buf_add_json_str(out, w->vals[i] ? w->vals[i] : "");
		buf_adds(out, ", \"mapping\": ");
		buf_reset(&b->tmp2);
		how_text(&b->rt->attrs[i], w, i, &b->tmp2);
		buf_add_json_str(out, buf_str(&b->tmp2));
		buf_addch(out, '}');
	}
	buf_adds(out, "}, \"known_permissions\": [");
	for (size_t i = 0; i < nm; i++) {
		if (i)
			buf_adds(out, ", ");
		buf_add_json_str(out, m[i].permission);
	}
	buf_addch(out, ']');
	if (w->problem) {
		buf_adds(out, ", \"problem\": ");
		buf_add_json_str(out, w->problem);
	}
	buf_addch(out, '}');
}

static void
explain_target_text(struct build *b, size_t pidx, struct buf *out)
{
	const struct want *w = &b->w[pidx];
	char s1[DATE_STR_MAX], s2[DATE_STR_MAX], s3[DATE_STR_MAX], s4[DATE_STR_MAX], s5[DATE_STR_MAX], s6[DATE_STR_MAX];

	buf_addf(out, "\n%s: account %s", b->rt->cfg->name, state_name(w->v.state));
	if (w->last)
		buf_addf(out, " (roster knows account %d, %s)", w->last->seq, account_status_name(w->last->status));
	else
		buf_adds(out, " (roster knows no account)");
	buf_addch(out, '\n');
	if (w->has_win)
		buf_addf(out, "  window %s – %s: created %s, enabled %s, disabled %s, deleted %s\n",
			 day_text(w->win.start, s1, "…"), day_text(w->win.end, s2, "open"),
			 day_text(w->win.create, s3, "-"), day_text(w->win.enable, s4, "-"),
			 day_text(w->win.disable, s5, "never"), day_text(w->win.remove, s6, "never"));
	for (size_t i = 0; w->exists && i < b->rt->nattrs; i++) {
		buf_addf(out, "  %-20s %s\n  %-20s   from ", b->rt->attrs[i].cfg->name, w->vals[i] ? w->vals[i] : "",
			 "");
		how_text(&b->rt->attrs[i], w, i, out);
		buf_addch(out, '\n');
	}
	if (w->problem)
		buf_addf(out, "  problem: %s\n", w->problem);
}

int
plan_explain(const struct ruleset *rs, const struct snapshot *s, const struct known_state *k,
	     const struct plan_options *o, const char *employee_id, int json, struct buf *out, struct err *e)
{
	civil_day at = o->at;
	struct plan pl;
	struct build b, wk;
	struct entitle_job ej[THREADS_MAX];
	struct plan_reason r;
	const struct pinfo *pi;
	char sat[DATE_STR_MAX], label[512];
	int ret = -1, nej = 0;
	size_t pidx;

	memset(&pl, 0, sizeof(pl));
	pl.rs = rs;
	pl.at = at;
	/* everyone, not only the person: unique values and ref: come out as in the full plan */
	if (build_init(&b, &pl, rs, s, k, at, NULL, ej, &nej, e) < 0)
		goto out;
	b.ask = o->taken;
	b.ask_ctx = o->taken_ctx;
	if (!strmap_get(&b.by_id, employee_id, &pidx)) {
		err_set(e, ERR_INVALID, "no person with employee_id \"%s\" in the vault", employee_id);
		goto out;
	}
	pi = &b.pi[pidx];
	worker_init(&wk, &b, rs->lua);
	date_format(at, sat);
	snapshot_person_label(pi->p, label, sizeof(label));
	if (json) {
		buf_addf(out, "{\n  \"employee_id\": ");
		buf_add_json_str(out, employee_id);
		buf_addf(out, ",\n  \"name\": ");
		buf_add_json_str(out, label);
		buf_addf(out, ",\n  \"at\": \"%s\",\n  \"entitlements\": [", sat);
	} else {
		buf_addf(out, "%s  %s, on %s\n\nentitlements%s\n", employee_id, label, sat,
			 pi->en ? "" : ": none (no rule grants anything)");
	}
	for (size_t i = 0; i < pi->en; i++) {
		const struct entitlement *en = &pi->ev[i];

		r.en = en;
		r.note = NULL;
		if (json) {
			buf_adds(out, i ? ",\n    {\"target\": " : "\n    {\"target\": ");
			buf_add_json_str(out, rs->targets[en->target].cfg->name);
			if (en->group) {
				buf_adds(out, ", \"permission\": ");
				buf_add_json_str(out, en->group);
			} else {
				buf_adds(out, ", \"account\": true");
			}
			buf_addf(out, ", \"status\": \"%s\", \"reason\": ", entitlement_status(en, at));
			plan_reason_json(&r, out);
			buf_addch(out, '}');
		} else {
			buf_addf(out, "  %-10s %-24s %-9s ", rs->targets[en->target].cfg->name,
				 en->group ? en->group : "(account)", entitlement_status(en, at));
			plan_reason_text(&r, out);
			buf_addch(out, '\n');
		}
	}
	if (json)
		buf_adds(out, pi->en ? "\n  ],\n  \"targets\": {" : "],\n  \"targets\": {");
	for (size_t t = 0; t < rs->ntargets; t++) {
		plan_target(&wk, t);
		if (json) {
			buf_adds(out, t ? ",\n    " : "\n    ");
			explain_target_json(&wk, pidx, out);
		} else {
			explain_target_text(&wk, pidx, out);
		}
		target_release(&wk);
	}
	if (json)
		buf_adds(out, rs->ntargets ? "\n  }\n}\n" : "}\n}\n");
	worker_release(&wk, &pl);
	ret = 0;
out:
	build_release(&b, &pl, ej, nej);
	plan_release(&pl);
	return ret;
}
