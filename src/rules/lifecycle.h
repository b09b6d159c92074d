/*
 * Lifecycle dates (issue "rules and plan", Lifecycle and time): from the
 * periods in which rules grant a person an account on a target, and the
 * target's lifecycle offsets, the state the account should be in on a day.
 *
 * A period runs from start through end inclusive (end DATE_NONE: open).
 * Periods that overlap, touch, or are separated by a gap of at most
 * bridge_gap days (the days strictly between one period's end and the next
 * one's start) are joined into one window: a contract ending on a Friday
 * and one starting the Monday after (gap 2) are one window with the default
 * bridge_gap of 7.
 *
 * For a window [S, E]:
 *	created   on S - create_before   (disabled when created before it is enabled)
 *	enabled   on S - enable_before   (never before it is created: max of the two)
 *	disabled  on E + 1 + disable_after
 *	deleted   on the disable day + delete_after
 * An open window (E = DATE_NONE) is never disabled.
 *
 * The windows of one person follow each other: the account of a window is
 * the account of the previous window when the new window's create day comes
 * before the previous window's delete day (a rehire before deletion
 * re-enables the same account); otherwise the previous account was deleted
 * and a new one is made (with fresh unique values).
 */
#ifndef ROSTER_LIFECYCLE_H
#define ROSTER_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/date.h"

/* The start of a period that has none: the dawn of time. */
#define PERIOD_DAWN (INT32_MIN + 1)

struct period {
	civil_day start; /* DATE_NONE never: a period without a start date starts at the dawn of time (INT32_MIN + 1) */
	civil_day end;	 /* DATE_NONE: open */
};

struct window {
	civil_day start, end; /* the joined period */
	civil_day create, enable, disable,
		remove;	  /* the days of the lifecycle; disable and remove DATE_NONE when open */
	int same_account; /* 1: continues the account of the previous window (rehire before deletion) */
};

/*
 * Joins periods (any order; n may be 0) into windows, sorted by start, with
 * their lifecycle days from lc. Writes at most max windows into out and
 * returns how many there are in all (may be more than max).
 * out may be NULL when max is 0. A period that ends before it starts grants
 * nothing (it is skipped). Days that would fall before INT32_MIN + 1 are
 * that day; a disable or remove day past the last representable day is
 * DATE_NONE (never).
 */
size_t lifecycle_windows(const struct period *periods, size_t n, const struct cfg_lifecycle *lc, struct window *out,
			 size_t max);

enum account_state {
	ACCOUNT_ABSENT,	  /* nothing should exist (not yet, or deleted and no later window) */
	ACCOUNT_DISABLED, /* exists, disabled: created ahead of its enable day, or after its disable day */
	ACCOUNT_ENABLED,
};

/* What a person's account should be on day at, given their windows. */
struct account_verdict {
	enum account_state state;
	const struct window *window; /* the window that decides it; NULL when ABSENT and none applies */
	int new_account; /* 1: this window's account is not the one of an earlier window (first, or after a deletion) */
};

/*
 * The state on day at: the last window whose create day is on or before at
 * decides; before its enable day it is DISABLED; from enable through the day
 * before disable ENABLED; from disable through the day before remove
 * DISABLED; from remove on ABSENT.
 *
 * Note (lifecycle.c follows the issue where this rule contradicts it): when
 * a later window is created while an earlier one still has its account
 * (create_before larger than the gap), "the last window created decides"
 * would disable a working person from the later window's create day,
 * although the issue has the account enabled through the day before the
 * earlier window's disable day. Those windows share one account
 * (same_account), so the state is the most any window created on or before
 * at asks (ENABLED over DISABLED over ABSENT), and window is the latest
 * window that asks it: the earlier window decides while it is ENABLED and
 * the later one is not yet. When no window asks more than ABSENT, window is
 * the last window created on or before at (its account was deleted), or
 * NULL when there is none. new_account is !window->same_account, 0 when
 * window is NULL. w must be as lifecycle_windows wrote it.
 */
void lifecycle_state(const struct window *w, size_t n, civil_day at, struct account_verdict *v);

#endif
