/*
 * Lifecycle days: periods are sorted (a copy; the caller's stay as they
 * are) and swept once, a window growing while the next period starts at
 * most bridge_gap + 1 days after the window's end. Each window's days
 * follow from its start and end alone; only same_account looks back, at the
 * window before it.
 *
 * What must hold:
 * - No arithmetic overflows a civil_day. Days are computed in 64 bits and
 *   clamped to [DAWN, DATE_NONE]: a period without a start (INT32_MIN + 1)
 *   is created and enabled at the dawn of time, and a disable or delete day
 *   past the last representable day is DATE_NONE, "never", as for an open
 *   window. Offsets are taken in [0, INT32_MAX]; config.c allows 0..36500,
 *   a negative one (which would delete before disabling) counts as 0.
 * - A period with no start (DATE_NONE, which the header rules out) or that
 *   ends before it starts (validate.c reports such a record) grants
 *   nothing: it is skipped, not turned into a window of its own.
 * - The windows come out sorted by start and disjoint, with more than
 *   bridge_gap days between them; so their create, enable, disable and
 *   remove days are each non-decreasing from one window to the next.
 *   lifecycle_state relies on it.
 * - for every window create <= enable < disable <= remove: enable is at most
 *   S, disable at least E + 1 > S.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rules/lifecycle.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define DAWN PERIOD_DAWN

/* lifecycle_state ranks the states by their order in the enum. */
_Static_assert(ACCOUNT_ABSENT < ACCOUNT_DISABLED && ACCOUNT_DISABLED < ACCOUNT_ENABLED,
	       "account states are ranked absent < disabled < enabled");

static civil_day
clamp_day(int64_t d)
{
	if (d >= DATE_NONE)
		return DATE_NONE;
	if (d < DAWN)
		return DAWN;
	return (civil_day)d;
}

static int64_t
offset(long days)
{
	if (days < 0)
		return 0;
	if (days > INT32_MAX)
		return INT32_MAX;
	return days;
}

static int
period_cmp(const void *a, const void *b)
{
	const struct period *p = a, *q = b;

	if (p->start != q->start)
		return p->start < q->start ? -1 : 1;
	if (p->end != q->end)
		return p->end < q->end ? -1 : 1;
	return 0;
}

static int
period_valid(const struct period *p)
{
	return p->start != DATE_NONE && (p->end == DATE_NONE || p->end >= p->start);
}

/* 1 when a period starting on start joins a window that ends on end. */
static int
joins(civil_day end, civil_day start, int64_t bridge_gap)
{
	return end == DATE_NONE || (int64_t)start - end - 1 <= bridge_gap;
}

/* The lifecycle days of the window [s, e]; prev is the window before it or NULL. */
static void
window_fill(struct window *w, civil_day s, civil_day e, const struct cfg_lifecycle *lc, const struct window *prev)
{
	civil_day enable;

	w->start = s;
	w->end = e;
	w->create = clamp_day((int64_t)s - offset(lc->create_before));
	enable = clamp_day((int64_t)s - offset(lc->enable_before));
	w->enable = enable > w->create ? enable : w->create;
	if (e == DATE_NONE) {
		w->disable = DATE_NONE;
		w->remove = DATE_NONE;
	} else {
		w->disable = clamp_day((int64_t)e + 1 + offset(lc->disable_after));
		w->remove =
			w->disable == DATE_NONE ? DATE_NONE : clamp_day((int64_t)w->disable + offset(lc->delete_after));
	}
	/*
	 * The previous account still exists on this window's create day: it is
	 * taken up again rather than deleted and made anew. A create day on the
	 * remove day itself is not before it: that account is gone.
	 */
	w->same_account = prev && (prev->remove == DATE_NONE || w->create < prev->remove);
}

size_t
lifecycle_windows(const struct period *periods, size_t n, const struct cfg_lifecycle *lc, struct window *out,
		  size_t max)
{
	struct period *p;
	struct window cur, prev;
	int64_t gap = offset(lc->bridge_gap);
	size_t np = 0, count = 0;

	if (!n)
		return 0;
	p = xcalloc(n, sizeof(*p));
	for (size_t i = 0; i < n; i++)
		if (period_valid(&periods[i]))
			p[np++] = periods[i];
	qsort(p, np, sizeof(*p), period_cmp);

	for (size_t i = 0; i < np;) {
		civil_day s = p[i].start, e = p[i].end;

		/* Sorted by start, a later period either joins or starts the next window. */
		for (i++; i < np && joins(e, p[i].start, gap); i++)
			if (p[i].end == DATE_NONE || p[i].end > e)
				e = p[i].end;
		window_fill(&cur, s, e, lc, count ? &prev : NULL);
		if (count < max)
			out[count] = cur;
		count++;
		prev = cur;
	}
	free(p);
	return count;
}

/* What window w alone says about day at, on or after its create day. */
static enum account_state
window_state(const struct window *w, civil_day at)
{
	if (at < w->enable)
		return ACCOUNT_DISABLED;
	if (w->disable == DATE_NONE || at < w->disable)
		return ACCOUNT_ENABLED;
	if (w->remove == DATE_NONE || at < w->remove)
		return ACCOUNT_DISABLED;
	return ACCOUNT_ABSENT;
}

/*
 * Windows whose lives (create through the day before remove) overlap share
 * one account (same_account), so what the account should be is the most any
 * of them asks: enabled when one enables it, there when one has it. The
 * verdict names the latest window that asks it; the latest window already
 * created names an ABSENT one, whose account was deleted.
 */
void
lifecycle_state(const struct window *w, size_t n, civil_day at, struct account_verdict *v)
{
	const struct window *last = NULL, *best = NULL;
	enum account_state best_state = ACCOUNT_ABSENT;

	for (size_t i = 0; i < n; i++) {
		enum account_state s;

		if (w[i].create > at)
			continue;
		last = &w[i];
		s = window_state(&w[i], at);
		if (s != ACCOUNT_ABSENT && s >= best_state) {
			best = &w[i];
			best_state = s;
		}
	}
	v->state = best_state;
	v->window = best ? best : last;
	v->new_account = v->window ? !v->window->same_account : 0;
}
