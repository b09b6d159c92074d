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
	size_t e0, e1; /* its entitlements in build.es */
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
	int last_seq;			   /* the highest seq known, 0 when none */
	int exists;			   /* an account should exist on the day */
	int seq;
	const char **vals;    /* per attribute (configuration order); NULL until made */
	unsigned char *how;   /* enum how per attribute */
	unsigned char *which; /* the candidate number, or n */
	const char *problem;
};

struct build {
	struct plan *pl;
	const struct ruleset *rs;
	const struct snapshot *s;
	const struct known_state *k;
	civil_day at;
	int one; /* planning one person only */
	struct entitlements es;
	struct pinfo *pi;
	size_t npi;
	struct strmap by_id; /* employee_id -> index into pi */
	struct rules_record rec;
	struct buf tmp, tmp2, foldbuf;
	struct period *periods;
	size_t periods_cap;
	struct window *windows;
	size_t windows_cap;
	/* per target */
	const struct ruleset_target *rt;
	size_t t;
	struct want *w;
	struct strmap *taken; /* per attribute (unique ones) */
	struct arena tarena;  /* folded values of this target */
	struct err *e;
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

static int
is_free(struct build *b, size_t ai, const char *value, size_t own)
{
	size_t tok;
	int found = strmap_get(&b->taken[ai], fold(&b->foldbuf, value), &tok);

	return !found || tok == own;
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
	return rules_record_get(rec, path);
}

static void
problem(struct build *b, size_t pidx, const char *fmt, const char *a1, const char *a2)
{
	struct want *w = &b->w[pidx];
	char msg[2048];

	if (w->problem)
		return;
	snprintf(msg, sizeof(msg), fmt, a1, a2);
	w->problem = arena_strdup(&b->pl->arena, msg);
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
	int any = 0;

	for (size_t k = 0; k < ca->nunique; k++) {
		if (render(b, ra->unique[k]) < 0)
			continue;
		b->tmp.len = cp_cut(b->tmp.s ? b->tmp.s : "", b->tmp.len, max);
		if (!b->tmp.len)
			continue;
		any = 1;
		if (!first)
			first = arena_strndup(&b->tarena, b->tmp.s, b->tmp.len);
		if (is_free(b, ai, buf_str(&b->tmp), own)) {
			w->vals[ai] = arena_strndup(&b->pl->arena, b->tmp.s, b->tmp.len);
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
	for (int n = 2; n <= 99; n++) {
		size_t nlen = (size_t)snprintf(nbuf, sizeof(nbuf), "%d", n);

		if (ra->iterate) {
			size_t pre;

			b->rec.n = "";
			render(b, ra->iterate);
			buf_reset(&b->tmp2);
			buf_add(&b->tmp2, b->tmp.s ? b->tmp.s : "", b->tmp.len);
			b->rec.n = nbuf;
			if (render(b, ra->iterate) < 0)
				continue;
			b->rec.n = NULL;
			/* where {n} landed: after the part the renderings with and without it share */
			for (pre = 0; pre < b->tmp.len && pre < b->tmp2.len && b->tmp.s[pre] == b->tmp2.s[pre]; pre++)
				;
			while (pre > 0 && ((unsigned char)b->tmp.s[pre] & 0xc0) == 0x80)
				pre--;
			if (cp_len(b->tmp.s, b->tmp.len) > max) {
				size_t over = cp_len(b->tmp.s, b->tmp.len) - max, keep;
				size_t head = cp_len(b->tmp.s, pre);

				if (over >= head)
					continue;
				keep = cp_cut(b->tmp.s, pre, head - over);
				memmove(b->tmp.s + keep, b->tmp.s + pre, b->tmp.len - pre);
				b->tmp.len -= pre - keep;
				b->tmp.s[b->tmp.len] = '\0';
			}
		} else {
			size_t flen = strlen(first), fcp = cp_len(first, flen);

			buf_reset(&b->tmp);
			if (nlen >= max)
				continue;
			buf_add(&b->tmp, first, fcp + nlen > max ? cp_cut(first, flen, max - nlen) : flen);
			buf_add(&b->tmp, nbuf, nlen);
		}
		if (b->tmp.len && is_free(b, ai, buf_str(&b->tmp), own)) {
			w->vals[ai] = arena_strndup(&b->pl->arena, b->tmp.s, b->tmp.len);
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

	rules_record_set(&b->rec, pi->p, pi->primary, NULL);
	b->rec.account = acct_get;
	b->rec.account_ctx = &ac;
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
			w->vals[ai] = arena_strndup(&b->pl->arena, buf_str(&b->tmp), b->tmp.len);
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
			if (luasandbox_call(b->rs->lua, ra->lua, lua_get, &b->rec, who, &b->tmp, &le) < 0) {
				problem(b, pidx, "%s%s", le.msg, "");
				break;
			}
			w->vals[ai] = arena_strndup(&b->pl->arena, buf_str(&b->tmp), b->tmp.len);
			w->how[ai] = HOW_LUA;
			break;
		}
		}
	}
	b->rec.account = NULL;
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
	for (size_t i = pi->e0; i < pi->e1; i++) {
		if (!is_account(&b->es.v[i], b->t))
			continue;
		XGROW(b->periods, b->periods_cap, np + 1);
		b->periods[np++] = b->es.v[i].period;
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
reason_from(struct plan_reason *r, const struct entitlement *en)
{
	memset(r, 0, sizeof(*r));
	r->rule = en->rule->cfg->name;
	if (en->assignment) {
		r->assignment_kind = en->assignment->f[A_KIND];
		r->assignment_value = en->assignment->f[A_VALUE];
	} else if (en->contract) {
		r->contract = en->contract->f[C_CONTRACT_ID];
	}
	r->from = en->period.start;
	r->until = en->period.end;
	if (en->via_rule) {
		r->inherited_from = en->holder->f[P_EMPLOYEE_ID];
		r->via_rule = en->via_rule->cfg->name;
	}
}

static void
add_reason(struct build *b, struct plan_action *a, const struct entitlement *en, const char *note)
{
	struct plan_reason *r;
	struct plan_reason *nv = arena_alloc(&b->pl->arena, (a->nreasons + 1) * sizeof(*nv));

	if (a->nreasons)
		memcpy(nv, a->reasons, a->nreasons * sizeof(*nv));
	a->reasons = nv;
	r = &a->reasons[a->nreasons++];
	if (en) {
		reason_from(r, en);
	} else {
		memset(r, 0, sizeof(*r));
		r->note = arena_strdup(&b->pl->arena, note);
	}
}

/* The account grants behind the deciding window (those whose period meets it). */
static void
window_reasons(struct build *b, size_t pidx, struct plan_action *a)
{
	const struct pinfo *pi = &b->pi[pidx];
	const struct want *w = &b->w[pidx];

	for (size_t i = pi->e0; i < pi->e1; i++) {
		const struct entitlement *en = &b->es.v[i];

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

static void
permissions(struct build *b, size_t pidx, struct bucket *bk)
{
	const struct pinfo *pi = &b->pi[pidx];
	const struct want *w = &b->w[pidx];
	const struct membership *m;
	const struct entitlement **g = NULL;
	size_t ng = 0, nm, gi = 0, mi = 0;

	if (w->exists)
		for (size_t i = pi->e0; i < pi->e1; i++) {
			const struct entitlement *en = &b->es.v[i];

			if (en->target == b->t && en->group && en->period.start <= b->at && b->at <= en->period.end) {
				g = xrealloc(g, (ng + 1) * sizeof(*g));
				g[ng++] = en;
			}
		}
	if (ng)
		qsort(g, ng, sizeof(*g), group_cmp);
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
			for (size_t i = pi->e0; i < pi->e1; i++) {
				const struct entitlement *en = &b->es.v[i];

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
		struct plan *pl = b->pl;

		XGROW(pl->problems, pl->problems_cap, pl->nproblems + 1);
		pl->problems[pl->nproblems].target = b->t;
		pl->problems[pl->nproblems].employee_id = pi->p->f[P_EMPLOYEE_ID];
		pl->problems[pl->nproblems++].message = w->problem;
		return; /* nothing is planned for an account that cannot be made right */
	}
	if (w->exists && !kn) {
		a = action_new(b, bk, pidx, OP_CREATE);
		a->enabled = w->v.state == ACCOUNT_ENABLED;
		a->nvalues = b->rt->nattrs;
		a->values = arena_alloc(&b->pl->arena, (a->nvalues + 1) * sizeof(*a->values));
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

			if (!old || strcmp(old, w->vals[i] ? w->vals[i] : ""))
				nch++;
		}
		if (nch) {
			a = action_new(b, bk, pidx, OP_UPDATE);
			a->values = arena_alloc(&b->pl->arena, (nch + 1) * sizeof(*a->values));
			for (size_t i = 0; i < b->rt->nattrs; i++) {
				const char *old = known_attr(kn, b->rt->attrs[i].cfg->name);
				const char *now = w->vals[i] ? w->vals[i] : "";

				if (old && !strcmp(old, now))
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
	/* an account that should not be there (any more) */
	if (w->has_win && w->v.state == ACCOUNT_ABSENT && w->win.remove != DATE_NONE && b->at >= w->win.remove &&
	    w->next_create == DATE_NONE) {
		a = action_new(b, bk, pidx, OP_DELETE);
		window_reasons(b, pidx, a);
		day_note(b, a, "disabled on %s; deleted %ld day(s) later, on %s", w->win.disable,
			 ct->lifecycle.delete_after, w->win.remove);
	} else if (kn->status == ACCT_ENABLED) {
		a = action_new(b, bk, pidx, OP_DISABLE);
		if (w->next_create != DATE_NONE)
			day_note(b, a, "no account is due now: the next one is created on %s (create_before %ld)%s",
				 w->next_create, ct->lifecycle.create_before, DATE_NONE);
		else
			add_reason(b, a, NULL,
				   pi->p->present ? "no rule grants an account (any more)"
						  : "no longer in the HR export");
	} else if (w->next_create == DATE_NONE && kn->disabled != DATE_NONE &&
		   b->at >= kn->disabled + ct->lifecycle.delete_after) {
		a = action_new(b, bk, pidx, OP_DELETE);
		day_note(b, a, "disabled on %s; deleted %ld day(s) later, on %s", kn->disabled,
			 ct->lifecycle.delete_after, kn->disabled + ct->lifecycle.delete_after);
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
		w->vals = arena_alloc(&b->pl->arena, (nattrs + 1) * sizeof(*w->vals));
		memset(w->vals, 0, (nattrs + 1) * sizeof(*w->vals));
		w->how = arena_alloc(&b->pl->arena, 2 * (nattrs + 1));
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

static int
build_init(struct build *b, struct plan *pl, const struct ruleset *rs, const struct snapshot *s,
	   const struct known_state *k, civil_day at, const char *person, struct err *e)
{
	memset(b, 0, sizeof(*b));
	b->pl = pl;
	b->rs = rs;
	b->s = s;
	b->k = k;
	b->at = at;
	b->e = e;
	b->one = person != NULL;
	entitlements_init(&b->es);
	rules_record_init(&b->rec, s, NULL, NULL, NULL);
	b->pi = xcalloc(s->npersons + 1, sizeof(*b->pi));
	for (size_t i = 0; i < s->npersons; i++) {
		const struct person *p = &s->persons[i];
		struct pinfo *pi;

		if (person && strcmp(p->f[P_EMPLOYEE_ID], person))
			continue;
		pi = &b->pi[b->npi++];
		pi->p = p;
		pi->e0 = b->es.n;
		if (p->present && entitle_person(rs, s, p, &b->rec, &b->es, e) < 0)
			return -1;
		pi->e1 = b->es.n;
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
	b->w = xcalloc(b->npi + 1, sizeof(*b->w));
	return 0;
}

static void
build_release(struct build *b)
{
	entitlements_release(&b->es);
	rules_record_release(&b->rec);
	free(b->pi);
	strmap_release(&b->by_id);
	buf_release(&b->tmp);
	buf_release(&b->tmp2);
	buf_release(&b->foldbuf);
	free(b->periods);
	free(b->windows);
	free(b->w);
}

int
plan_build(struct plan *pl, const struct ruleset *rs, const struct snapshot *s, const struct known_state *k,
	   const struct plan_options *o, struct err *e)
{
	struct build b;
	int ret = -1;

	memset(pl, 0, sizeof(*pl));
	pl->at = o->at;
	pl->rs = rs;
	pl->counts = xcalloc(rs->ntargets + 1, sizeof(*pl->counts));
	pl->planned = xcalloc(rs->ntargets + 1, 1);
	for (size_t t = 0; t < rs->ntargets; t++)
		pl->planned[t] = !o->target || !strcmp(rs->targets[t].cfg->name, o->target);
	if (o->target && !config_target(rs->cfg, o->target))
		return err_set(e, ERR_INVALID, "--target: no target named \"%s\" in %s", o->target, rs->cfg->file);
	if (build_init(&b, pl, rs, s, k, o->at, o->person, e) < 0)
		goto out;
	pl->npersons = b.npi;
	for (size_t t = 0; t < rs->ntargets; t++) {
		struct bucket bk[OP_COUNT];

		if (!pl->planned[t])
			continue;
		memset(bk, 0, sizeof(bk));
		plan_target(&b, t);
		for (size_t p = 0; p < b.npi; p++)
			diff_person(&b, p, bk);
		order_creates(&b, bk);
		for (int op = 0; op < OP_COUNT; op++) {
			XGROW(pl->actions, pl->actions_cap, pl->nactions + bk[op].n + 1);
			if (bk[op].n)
				memcpy(pl->actions + pl->nactions, bk[op].v, bk[op].n * sizeof(*bk[op].v));
			pl->nactions += bk[op].n;
			pl->counts[t][op] = bk[op].n;
			free(bk[op].v);
		}
		/* the entitlements' group names live in b.es.arena: keep them with the plan */
		target_release(&b);
	}
	ret = 0;
out:
	arena_adopt(&pl->arena, &b.es.arena);
	build_release(&b);
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
	char s[DATE_STR_MAX];

	buf_addf(out, "\"%s\": ", key);
	if (d == DATE_NONE || d == PERIOD_DAWN) {
		buf_adds(out, "null");
		return;
	}
	date_format(d, s);
	buf_addf(out, "\"%s\"", s);
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
explain_target_json(struct build *b, struct buf *out)
{
	const struct want *w = &b->w[0];
	const struct membership *m;
	size_t nm = known_memberships_of(b->k, b->rt->cfg->name, b->pi[0].p->f[P_EMPLOYEE_ID], &m);
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
	if (w->known)
		buf_addf(out, ", \"known\": {\"account\": %d, \"status\": \"%s\"}", w->known->seq,
			 account_status_name(w->known->status));
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
explain_target_text(struct build *b, struct buf *out)
{
	const struct want *w = &b->w[0];
	char s1[DATE_STR_MAX], s2[DATE_STR_MAX], s3[DATE_STR_MAX], s4[DATE_STR_MAX], s5[DATE_STR_MAX], s6[DATE_STR_MAX];

	buf_addf(out, "\n%s: account %s", b->rt->cfg->name, state_name(w->v.state));
	if (w->known)
		buf_addf(out, " (roster knows account %d, %s)", w->known->seq, account_status_name(w->known->status));
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
plan_explain(const struct ruleset *rs, const struct snapshot *s, const struct known_state *k, civil_day at,
	     const char *employee_id, int json, struct buf *out, struct err *e)
{
	struct plan pl;
	struct build b;
	struct plan_reason r;
	char sat[DATE_STR_MAX], label[512];
	int ret = -1;

	memset(&pl, 0, sizeof(pl));
	pl.rs = rs;
	pl.at = at;
	if (build_init(&b, &pl, rs, s, k, at, employee_id, e) < 0)
		goto out;
	date_format(at, sat);
	snapshot_person_label(b.pi[0].p, label, sizeof(label));
	if (json) {
		buf_addf(out, "{\n  \"employee_id\": ");
		buf_add_json_str(out, employee_id);
		buf_addf(out, ",\n  \"name\": ");
		buf_add_json_str(out, label);
		buf_addf(out, ",\n  \"at\": \"%s\",\n  \"entitlements\": [", sat);
	} else {
		buf_addf(out, "%s  %s, on %s\n\nentitlements%s\n", employee_id, label, sat,
			 b.es.n ? "" : ": none (no rule grants anything)");
	}
	for (size_t i = 0; i < b.es.n; i++) {
		const struct entitlement *en = &b.es.v[i];

		reason_from(&r, en);
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
		buf_adds(out, b.es.n ? "\n  ],\n  \"targets\": {" : "],\n  \"targets\": {");
	for (size_t t = 0; t < rs->ntargets; t++) {
		plan_target(&b, t);
		if (json) {
			buf_adds(out, t ? ",\n    " : "\n    ");
			explain_target_json(&b, out);
		} else {
			explain_target_text(&b, out);
		}
		target_release(&b);
	}
	if (json)
		buf_adds(out, rs->ntargets ? "\n  }\n}\n" : "}\n}\n");
	ret = 0;
out:
	build_release(&b);
	arena_release(&pl.arena);
	return ret;
}
