/*
 * Unit tests for rules/lifecycle.c: windows joined from periods, the
 * create, enable, disable and delete days of each, and the state of the
 * account on a day. Every boundary is tested on the day before, the day of
 * and the day after.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rules/lifecycle.h"
#include "testlib.h"

#define DAWN (INT32_MIN + 1)
#define NWIN 8

/* The defaults of a target (config.c). */
static struct cfg_lifecycle
lc_default(void)
{
	struct cfg_lifecycle lc = {
		.create_before = 14, .enable_before = 0, .disable_after = 0, .delete_after = 90, .bridge_gap = 7
	};

	return lc;
}

/* The period from start to end (YYYY-MM-DD; start NULL: the dawn of time; end NULL: open). */
static struct period
per(const char *start, const char *end)
{
	struct period p = { start ? tl_day(start) : DAWN, end ? tl_day(end) : DATE_NONE };

	return p;
}

static const char *
state_name(enum account_state s)
{
	switch (s) {
	case ACCOUNT_ABSENT: return "ABSENT";
	case ACCOUNT_DISABLED: return "DISABLED";
	case ACCOUNT_ENABLED: return "ENABLED";
	}
	return "?";
}

static void
day_name(civil_day d, char out[DATE_STR_MAX + 16])
{
	if (d == DATE_NONE)
		snprintf(out, DATE_STR_MAX + 16, "(none)");
	else if (d < tl_day("0001-01-01") || d > tl_day("9999-12-31"))
		snprintf(out, DATE_STR_MAX + 16, "day %ld", (long)d);
	else
		date_format(d, out);
}

/*
 * Fails the test unless, on day at, the account is in state want, decided
 * by window w[want_w] (-1: no window), with new_account want_new.
 */
static void
assert_state_fl(const struct window *w, size_t n, civil_day at, enum account_state want, int want_w, int want_new,
		const char *file, int line)
{
	struct account_verdict v;
	int got_w;
	char day[DATE_STR_MAX + 16];

	memset(&v, 0xa5, sizeof(v));
	lifecycle_state(w, n, at, &v);
	got_w = v.window ? (int)(v.window - w) : -1;
	if (v.state != want || got_w != want_w || v.new_account != want_new) {
		day_name(at, day);
		print_error("%s:%d: on %s the account is %s (window %d, new_account %d), expected %s (window %d, "
			    "new_account %d)\n",
			    file, line, day, state_name(v.state), got_w, v.new_account, state_name(want), want_w,
			    want_new);
		_fail(file, line);
	}
}
#define assert_state(w, n, at, want, want_w, want_new)                                                                 \
	assert_state_fl((w), (n), (at), (want), (want_w), (want_new), __FILE__, __LINE__)

/* Fails the test unless a is the day iso plus delta days. */
static void
assert_day_fl(civil_day a, const char *iso, long delta, const char *file, int line)
{
	civil_day want = iso ? (civil_day)(tl_day(iso) + delta) : DATE_NONE;
	char got_s[DATE_STR_MAX + 16], want_s[DATE_STR_MAX + 16];

	if (a != want) {
		day_name(a, got_s);
		day_name(want, want_s);
		print_error("%s:%d: day is %s, expected %s\n", file, line, got_s, want_s);
		_fail(file, line);
	}
}
#define assert_day(a, iso, delta) assert_day_fl((a), (iso), (delta), __FILE__, __LINE__)

/* The windows of periods p[0..n) under lc, at most NWIN of them; fails the test unless there are want. */
static void
windows_fl(const struct period *p, size_t n, struct cfg_lifecycle lc, struct window out[NWIN], size_t want,
	   const char *file, int line)
{
	size_t got;

	memset(out, 0, NWIN * sizeof(*out));
	got = lifecycle_windows(p, n, &lc, out, NWIN);
	if (got != want) {
		print_error("%s:%d: %zu windows, expected %zu\n", file, line, got, want);
		_fail(file, line);
	}
}
#define windows(p, n, lc, out, want) windows_fl((p), (n), (lc), (out), (want), __FILE__, __LINE__)

#define NP(a) (sizeof(a) / sizeof((a)[0]))

/* --- create --- */

static void
the_account_is_absent_the_day_before_its_create_day(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct window w[NWIN];
	civil_day s = tl_day("2026-03-01");

	(void)state;
	windows(p, 1, lc_default(), w, 1);
	assert_state(w, 1, s - 15, ACCOUNT_ABSENT, -1, 0);
	assert_state(w, 1, DAWN, ACCOUNT_ABSENT, -1, 0);
}

static void
the_account_is_created_disabled_create_before_days_before_the_start(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct window w[NWIN];
	civil_day s = tl_day("2026-03-01");

	(void)state;
	windows(p, 1, lc_default(), w, 1);
	assert_day(w[0].start, "2026-03-01", 0);
	assert_day(w[0].end, "2026-06-30", 0);
	assert_day(w[0].create, "2026-03-01", -14);
	assert_int_equal(w[0].same_account, 0);
	assert_state(w, 1, s - 14, ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 1, s - 13, ACCOUNT_DISABLED, 0, 1);
}

static void
with_create_before_0_the_account_is_created_enabled_on_the_first_day(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];
	civil_day s = tl_day("2026-03-01");

	(void)state;
	lc.create_before = 0;
	windows(p, 1, lc, w, 1);
	assert_day(w[0].create, "2026-03-01", 0);
	assert_day(w[0].enable, "2026-03-01", 0);
	assert_state(w, 1, s - 1, ACCOUNT_ABSENT, -1, 0);
	assert_state(w, 1, s, ACCOUNT_ENABLED, 0, 1);
}

/* --- enable --- */

static void
with_enable_before_0_the_account_is_enabled_on_the_first_day(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct window w[NWIN];
	civil_day s = tl_day("2026-03-01");

	(void)state;
	windows(p, 1, lc_default(), w, 1);
	assert_day(w[0].enable, "2026-03-01", 0);
	assert_state(w, 1, s - 1, ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 1, s, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, s + 1, ACCOUNT_ENABLED, 0, 1);
}

static void
with_enable_before_3_the_account_is_enabled_three_days_before_the_start(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];
	civil_day s = tl_day("2026-03-01");

	(void)state;
	lc.enable_before = 3;
	windows(p, 1, lc, w, 1);
	assert_day(w[0].create, "2026-03-01", -14);
	assert_day(w[0].enable, "2026-03-01", -3);
	assert_state(w, 1, s - 4, ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 1, s - 3, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, s - 2, ACCOUNT_ENABLED, 0, 1);
}

static void
the_enable_day_is_never_before_the_create_day(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];
	civil_day s = tl_day("2026-03-01");

	(void)state;
	lc.create_before = 3;
	lc.enable_before = 10;
	windows(p, 1, lc, w, 1);
	assert_day(w[0].create, "2026-03-01", -3);
	assert_day(w[0].enable, "2026-03-01", -3);
	/* Created enabled: never DISABLED ahead of its enable day. */
	assert_state(w, 1, s - 4, ACCOUNT_ABSENT, -1, 0);
	assert_state(w, 1, s - 3, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, s - 2, ACCOUNT_ENABLED, 0, 1);
}

static void
with_create_before_equal_to_enable_before_the_account_is_created_enabled(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];
	civil_day s = tl_day("2026-03-01");

	(void)state;
	lc.create_before = 5;
	lc.enable_before = 5;
	windows(p, 1, lc, w, 1);
	assert_day(w[0].create, "2026-03-01", -5);
	assert_day(w[0].enable, "2026-03-01", -5);
	assert_state(w, 1, s - 6, ACCOUNT_ABSENT, -1, 0);
	assert_state(w, 1, s - 5, ACCOUNT_ENABLED, 0, 1);
}

static void
every_window_is_created_on_or_before_enable_before_disable_on_or_before_remove(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-03-01"), per("2026-05-01", "2026-05-20"),
			      per("2026-09-01", "2027-01-31") };
	struct window w[NWIN];

	(void)state;
	for (long cb = 0; cb <= 40; cb += 5)
		for (long eb = 0; eb <= 40; eb += 5)
			for (long da = 0; da <= 10; da += 5)
				for (long dl = 0; dl <= 100; dl += 50) {
					struct cfg_lifecycle lc = { cb, eb, da, dl, 7 };
					size_t n = lifecycle_windows(p, NP(p), &lc, w, NWIN);

					assert_int_equal(n, 3);
					for (size_t i = 0; i < n; i++) {
						assert_true(w[i].create <= w[i].enable);
						assert_true(w[i].enable < w[i].disable);
						assert_true(w[i].disable <= w[i].remove);
						assert_true(w[i].enable <= w[i].start);
						assert_int_equal(w[i].create, w[i].start - cb);
						assert_int_equal(w[i].enable, w[i].start - (eb < cb ? eb : cb));
					}
				}
}

/* --- disable --- */

static void
the_account_is_enabled_through_the_last_day(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct window w[NWIN];
	civil_day e = tl_day("2026-06-30");

	(void)state;
	windows(p, 1, lc_default(), w, 1);
	assert_state(w, 1, e - 1, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, e, ACCOUNT_ENABLED, 0, 1);
}

static void
the_account_is_disabled_the_day_after_the_last_day(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct window w[NWIN];
	civil_day e = tl_day("2026-06-30");

	(void)state;
	windows(p, 1, lc_default(), w, 1);
	assert_day(w[0].disable, "2026-07-01", 0);
	assert_state(w, 1, e, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, e + 1, ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 1, e + 2, ACCOUNT_DISABLED, 0, 1);
}

static void
disable_after_keeps_the_account_enabled_that_many_days_longer(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];
	civil_day e = tl_day("2026-06-30");

	(void)state;
	lc.disable_after = 5;
	windows(p, 1, lc, w, 1);
	assert_day(w[0].disable, "2026-06-30", 6);
	assert_day(w[0].remove, "2026-06-30", 96);
	assert_state(w, 1, e + 5, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, e + 6, ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 1, e + 7, ACCOUNT_DISABLED, 0, 1);
}

static void
a_one_day_period_is_enabled_on_that_day_only(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-03-01") };
	struct window w[NWIN];
	civil_day s = tl_day("2026-03-01");

	(void)state;
	windows(p, 1, lc_default(), w, 1);
	assert_state(w, 1, s - 1, ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 1, s, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, s + 1, ACCOUNT_DISABLED, 0, 1);
}

/* --- delete --- */

static void
the_account_is_deleted_delete_after_days_after_it_was_disabled(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct window w[NWIN];
	civil_day r;

	(void)state;
	windows(p, 1, lc_default(), w, 1);
	assert_day(w[0].remove, "2026-07-01", 90);
	r = w[0].remove;
	assert_state(w, 1, r - 1, ACCOUNT_DISABLED, 0, 1);
	/* ABSENT after a deletion names the deleted window. */
	assert_state(w, 1, r, ACCOUNT_ABSENT, 0, 1);
	assert_state(w, 1, r + 1, ACCOUNT_ABSENT, 0, 1);
	assert_state(w, 1, DATE_NONE - 1, ACCOUNT_ABSENT, 0, 1);
}

static void
with_delete_after_0_the_account_is_deleted_on_its_disable_day(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];
	civil_day e = tl_day("2026-06-30");

	(void)state;
	lc.delete_after = 0;
	windows(p, 1, lc, w, 1);
	assert_int_equal(w[0].disable, w[0].remove);
	assert_state(w, 1, e, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, e + 1, ACCOUNT_ABSENT, 0, 1);
}

/* --- open windows --- */

static void
an_open_window_is_never_disabled(void **state)
{
	struct period p[] = { per("2026-03-01", NULL) };
	struct window w[NWIN];

	(void)state;
	windows(p, 1, lc_default(), w, 1);
	assert_int_equal(w[0].end, DATE_NONE);
	assert_int_equal(w[0].disable, DATE_NONE);
	assert_int_equal(w[0].remove, DATE_NONE);
	assert_state(w, 1, tl_day("2026-03-01"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, tl_day("9999-12-31"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, DATE_NONE - 1, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, DATE_NONE, ACCOUNT_ENABLED, 0, 1);
}

static void
an_open_period_absorbs_every_period_after_it(void **state)
{
	struct period p[] = { per("2030-01-01", "2030-12-31"), per("2026-03-01", NULL), per("2027-01-01", "2027-01-31"),
			      per("2025-01-01", "2025-12-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 2);
	assert_day(w[0].start, "2025-01-01", 0);
	assert_day(w[0].end, "2025-12-31", 0);
	assert_day(w[1].start, "2026-03-01", 0);
	assert_int_equal(w[1].end, DATE_NONE);
	assert_int_equal(w[1].disable, DATE_NONE);
	/* Created 2026-02-15, before the first is deleted on 2026-04-01. */
	assert_int_equal(w[1].same_account, 1);
	assert_state(w, 2, tl_day("2031-01-01"), ACCOUNT_ENABLED, 1, 0);
}

static void
a_period_without_a_start_is_created_and_enabled_at_the_dawn_of_time(void **state)
{
	struct period p[] = { per(NULL, "2026-06-30") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];

	(void)state;
	lc.create_before = 36500;
	lc.enable_before = 36500;
	windows(p, 1, lc, w, 1);
	assert_int_equal(w[0].start, DAWN);
	assert_int_equal(w[0].create, DAWN);
	assert_int_equal(w[0].enable, DAWN);
	assert_day(w[0].disable, "2026-07-01", 0);
	assert_state(w, 1, DAWN, ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, tl_day("2026-06-30"), ACCOUNT_ENABLED, 0, 1);
}

static void
a_disable_day_past_the_last_representable_day_is_never(void **state)
{
	struct period p[] = { { DATE_NONE - 10, DATE_NONE - 2 } };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];

	(void)state;
	lc.disable_after = 36500;
	windows(p, 1, lc, w, 1);
	assert_int_equal(w[0].end, DATE_NONE - 2);
	assert_int_equal(w[0].disable, DATE_NONE);
	assert_int_equal(w[0].remove, DATE_NONE);
	assert_state(w, 1, DATE_NONE - 1, ACCOUNT_ENABLED, 0, 1);

	lc.disable_after = 0;
	windows(p, 1, lc, w, 1);
	assert_int_equal(w[0].disable, DATE_NONE - 1);
	assert_int_equal(w[0].remove, DATE_NONE);
	assert_state(w, 1, DATE_NONE - 1, ACCOUNT_DISABLED, 0, 1);
}

/* --- bridging --- */

static void
touching_periods_are_one_window(void **state)
{
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-02-01", "2026-02-28") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 1);
	assert_day(w[0].start, "2026-01-01", 0);
	assert_day(w[0].end, "2026-02-28", 0);
	assert_state(w, 1, tl_day("2026-02-01"), ACCOUNT_ENABLED, 0, 1);
}

static void
a_gap_of_exactly_bridge_gap_days_is_bridged(void **state)
{
	/* 2026-02-01 through 2026-02-07 lie between: 7 days. */
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-02-08", "2026-02-28") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 1);
	assert_day(w[0].start, "2026-01-01", 0);
	assert_day(w[0].end, "2026-02-28", 0);
	assert_day(w[0].disable, "2026-03-01", 0);
	for (civil_day d = tl_day("2026-01-31"); d <= tl_day("2026-02-08"); d++)
		assert_state(w, 1, d, ACCOUNT_ENABLED, 0, 1);
}

static void
a_gap_of_bridge_gap_plus_one_days_makes_two_windows(void **state)
{
	/* 2026-02-01 through 2026-02-08 lie between: 8 days. */
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-02-09", "2026-02-28") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 2);
	assert_day(w[0].end, "2026-01-31", 0);
	assert_day(w[0].disable, "2026-02-01", 0);
	assert_day(w[1].start, "2026-02-09", 0);
	assert_day(w[1].create, "2026-02-09", -14);
	assert_int_equal(w[1].same_account, 1);
	assert_state(w, 2, tl_day("2026-01-31"), ACCOUNT_ENABLED, 0, 1);
	/* Disabled in between. */
	assert_state(w, 2, tl_day("2026-02-01"), ACCOUNT_DISABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-02-08"), ACCOUNT_DISABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-02-09"), ACCOUNT_ENABLED, 1, 0);
}

static void
a_bridge_gap_of_0_joins_touching_periods_only(void **state)
{
	struct period touch[] = { per("2026-01-01", "2026-01-31"), per("2026-02-01", "2026-02-28") };
	struct period apart[] = { per("2026-01-01", "2026-01-31"), per("2026-02-02", "2026-02-28") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];

	(void)state;
	lc.bridge_gap = 0;
	windows(touch, NP(touch), lc, w, 1);
	windows(apart, NP(apart), lc, w, 2);
}

static void
a_larger_bridge_gap_bridges_a_larger_gap(void **state)
{
	/* 30 days between. */
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-03-03", "2026-03-31") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];

	(void)state;
	lc.bridge_gap = 30;
	windows(p, NP(p), lc, w, 1);
	lc.bridge_gap = 29;
	windows(p, NP(p), lc, w, 2);
}

static void
a_contract_ending_on_friday_and_one_starting_monday_are_one_window(void **state)
{
	/* Friday 2026-01-09, Monday 2026-01-12. */
	struct period p[] = { per("2025-06-01", "2026-01-09"), per("2026-01-12", "2026-12-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 1);
	assert_day(w[0].end, "2026-12-31", 0);
	assert_state(w, 1, tl_day("2026-01-10"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 1, tl_day("2026-01-11"), ACCOUNT_ENABLED, 0, 1);
}

/* --- overlapping, unsorted, invalid --- */

static void
overlapping_periods_are_one_window(void **state)
{
	struct period p[] = { per("2026-01-01", "2026-02-15"), per("2026-02-01", "2026-03-10"),
			      per("2026-03-01", "2026-03-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 1);
	assert_day(w[0].start, "2026-01-01", 0);
	assert_day(w[0].end, "2026-03-31", 0);
}

static void
a_period_inside_another_does_not_shorten_the_window(void **state)
{
	struct period p[] = { per("2026-01-01", "2026-12-31"), per("2026-03-01", "2026-03-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 1);
	assert_day(w[0].start, "2026-01-01", 0);
	assert_day(w[0].end, "2026-12-31", 0);
}

static void
identical_periods_are_one_window(void **state)
{
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-01-01", "2026-01-31"),
			      per("2026-01-01", "2026-01-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 1);
	assert_day(w[0].start, "2026-01-01", 0);
	assert_day(w[0].end, "2026-01-31", 0);
}

static void
unsorted_periods_give_windows_sorted_by_start_and_stay_as_they_were(void **state)
{
	struct period p[] = { per("2026-09-01", "2026-09-30"), per("2026-03-01", "2026-03-31"),
			      per("2026-06-01", "2026-06-30"), per("2026-03-15", "2026-04-02") };
	struct period copy[NP(p)];
	struct window w[NWIN];

	(void)state;
	memcpy(copy, p, sizeof(p));
	windows(p, NP(p), lc_default(), w, 3);
	assert_memory_equal(p, copy, sizeof(p));
	assert_day(w[0].start, "2026-03-01", 0);
	assert_day(w[0].end, "2026-04-02", 0);
	assert_day(w[1].start, "2026-06-01", 0);
	assert_day(w[2].start, "2026-09-01", 0);
	assert_int_equal(w[0].same_account, 0);
	assert_int_equal(w[1].same_account, 1);
	assert_int_equal(w[2].same_account, 1);
}

static void
a_period_that_ends_before_it_starts_grants_nothing(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-02-01") };
	struct period mixed[] = { per("2026-03-01", "2026-02-01"), per("2026-05-01", "2026-05-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 0);
	windows(mixed, NP(mixed), lc_default(), w, 1);
	assert_day(w[0].start, "2026-05-01", 0);
	assert_int_equal(w[0].same_account, 0);
}

static void
negative_offsets_count_as_0(void **state)
{
	struct period p[] = { per("2026-03-01", "2026-06-30") };
	struct cfg_lifecycle lc = { -5, -5, -5, -5, -5 };
	struct window w[NWIN];

	(void)state;
	windows(p, 1, lc, w, 1);
	assert_day(w[0].create, "2026-03-01", 0);
	assert_day(w[0].enable, "2026-03-01", 0);
	assert_day(w[0].disable, "2026-07-01", 0);
	assert_day(w[0].remove, "2026-07-01", 0);
}

/* --- rehire --- */

static void
a_rehire_before_deletion_takes_up_the_same_account(void **state)
{
	/* Removed 2026-04-01 + 90 = 2026-06-30; the second is created 2026-05-18. */
	struct period p[] = { per("2026-01-01", "2026-03-31"), per("2026-06-01", "2026-12-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 2);
	assert_day(w[0].remove, "2026-06-30", 0);
	assert_day(w[1].create, "2026-05-18", 0);
	assert_int_equal(w[0].same_account, 0);
	assert_int_equal(w[1].same_account, 1);
	assert_state(w, 2, tl_day("2026-03-31"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-04-01"), ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-05-17"), ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-05-18"), ACCOUNT_DISABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-05-31"), ACCOUNT_DISABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-06-01"), ACCOUNT_ENABLED, 1, 0);
	/* The first window's remove day passes without a deletion. */
	assert_state(w, 2, tl_day("2026-06-30"), ACCOUNT_ENABLED, 1, 0);
}

static void
a_create_day_the_day_before_the_remove_day_takes_up_the_same_account(void **state)
{
	/* Removed 2026-06-30; created 2026-06-29 (start 2026-07-13). */
	struct period p[] = { per("2026-01-01", "2026-03-31"), per("2026-07-13", "2026-12-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 2);
	assert_day(w[1].create, "2026-06-29", 0);
	assert_int_equal(w[1].same_account, 1);
	assert_state(w, 2, tl_day("2026-06-28"), ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-06-29"), ACCOUNT_DISABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-06-30"), ACCOUNT_DISABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-07-13"), ACCOUNT_ENABLED, 1, 0);
}

static void
a_create_day_on_the_remove_day_makes_a_new_account(void **state)
{
	/* Removed 2026-06-30; created 2026-06-30 (start 2026-07-14). */
	struct period p[] = { per("2026-01-01", "2026-03-31"), per("2026-07-14", "2026-12-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 2);
	assert_day(w[1].create, "2026-06-30", 0);
	assert_int_equal(w[1].same_account, 0);
	assert_state(w, 2, tl_day("2026-06-29"), ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-06-30"), ACCOUNT_DISABLED, 1, 1);
	assert_state(w, 2, tl_day("2026-07-14"), ACCOUNT_ENABLED, 1, 1);
}

static void
a_rehire_after_deletion_makes_a_new_account(void **state)
{
	/* Removed 2026-06-30; the second is created 2026-09-17. */
	struct period p[] = { per("2026-01-01", "2026-03-31"), per("2026-10-01", "2026-12-31") };
	struct window w[NWIN];

	(void)state;
	windows(p, NP(p), lc_default(), w, 2);
	assert_day(w[1].create, "2026-09-17", 0);
	assert_int_equal(w[1].same_account, 0);
	assert_state(w, 2, tl_day("2026-06-29"), ACCOUNT_DISABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-06-30"), ACCOUNT_ABSENT, 0, 1);
	assert_state(w, 2, tl_day("2026-09-16"), ACCOUNT_ABSENT, 0, 1);
	assert_state(w, 2, tl_day("2026-09-17"), ACCOUNT_DISABLED, 1, 1);
	assert_state(w, 2, tl_day("2026-09-30"), ACCOUNT_DISABLED, 1, 1);
	assert_state(w, 2, tl_day("2026-10-01"), ACCOUNT_ENABLED, 1, 1);
	assert_state(w, 2, tl_day("2027-01-01"), ACCOUNT_DISABLED, 1, 1);
}

/* --- a later window created while an earlier one is enabled --- */

static void
the_earlier_window_keeps_the_account_enabled_until_its_disable_day(void **state)
{
	/* 19 days between; the second is created 30 days ahead, on 2026-01-21. */
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-02-20", "2026-03-31") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];

	(void)state;
	lc.create_before = 30;
	windows(p, NP(p), lc, w, 2);
	assert_day(w[1].create, "2026-01-21", 0);
	assert_int_equal(w[1].same_account, 1);
	assert_state(w, 2, tl_day("2026-01-20"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-01-21"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-01-31"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-02-01"), ACCOUNT_DISABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-02-19"), ACCOUNT_DISABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-02-20"), ACCOUNT_ENABLED, 1, 0);
}

static void
overlapping_enable_spans_keep_the_account_enabled_throughout(void **state)
{
	/* The second is enabled 2026-01-21, before the first is disabled on 2026-02-01. */
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-02-20", "2026-03-31") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];

	(void)state;
	lc.create_before = 30;
	lc.enable_before = 30;
	windows(p, NP(p), lc, w, 2);
	assert_day(w[1].enable, "2026-01-21", 0);
	assert_state(w, 2, tl_day("2026-01-20"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 2, tl_day("2026-01-21"), ACCOUNT_ENABLED, 1, 0);
	for (civil_day d = tl_day("2026-01-21"); d <= tl_day("2026-03-31"); d++)
		assert_state(w, 2, d, ACCOUNT_ENABLED, 1, 0);
	assert_state(w, 2, tl_day("2026-04-01"), ACCOUNT_DISABLED, 1, 0);
}

static void
a_third_window_created_while_the_first_is_enabled_shares_its_account(void **state)
{
	/* 9 days between each; created 40 days ahead. */
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-02-10", "2026-02-10"),
			      per("2026-02-20", "2026-02-28") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[NWIN];

	(void)state;
	lc.create_before = 40;
	windows(p, NP(p), lc, w, 3);
	assert_int_equal(w[1].same_account, 1);
	assert_int_equal(w[2].same_account, 1);
	assert_true(w[2].create < w[0].disable);
	assert_state(w, 3, tl_day("2026-01-31"), ACCOUNT_ENABLED, 0, 1);
	assert_state(w, 3, tl_day("2026-02-01"), ACCOUNT_DISABLED, 2, 0);
	assert_state(w, 3, tl_day("2026-02-10"), ACCOUNT_ENABLED, 1, 0);
	assert_state(w, 3, tl_day("2026-02-11"), ACCOUNT_DISABLED, 2, 0);
	assert_state(w, 3, tl_day("2026-02-20"), ACCOUNT_ENABLED, 2, 0);
	assert_state(w, 3, tl_day("2026-03-01"), ACCOUNT_DISABLED, 2, 0);
}

/* --- many, none, and a small max --- */

/* A shuffle of 0..n-1 into order, the same every run. */
static void
shuffle(size_t *order, size_t n)
{
	uint32_t x = 12345;

	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j;
		size_t t;

		x = x * 1664525u + 1013904223u;
		j = (x >> 8) % i;
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

#define MANY 1000

static void
a_thousand_periods_apart_in_any_order_make_a_thousand_sorted_windows(void **state)
{
	static struct period p[MANY];
	static struct window w[MANY];
	static size_t order[MANY];
	struct cfg_lifecycle lc = lc_default();
	civil_day base = tl_day("2026-01-01");

	(void)state;
	shuffle(order, MANY);
	/* Two-day periods, 8 days between: never bridged. */
	for (size_t i = 0; i < MANY; i++) {
		p[order[i]].start = base + (civil_day)(10 * i);
		p[order[i]].end = base + (civil_day)(10 * i + 1);
	}
	assert_int_equal(lifecycle_windows(p, MANY, &lc, w, MANY), MANY);
	for (size_t i = 0; i < MANY; i++) {
		assert_int_equal(w[i].start, base + (civil_day)(10 * i));
		assert_int_equal(w[i].end, base + (civil_day)(10 * i + 1));
		assert_int_equal(w[i].same_account, i > 0);
	}
	assert_state(w, MANY, base - 15, ACCOUNT_ABSENT, -1, 0);
	assert_state(w, MANY, base + 10 * 500, ACCOUNT_ENABLED, 500, 0);
	/* Disabled after its end, the next (created 14 days ahead) decides. */
	assert_state(w, MANY, base + 10 * 500 + 1, ACCOUNT_ENABLED, 500, 0);
	assert_state(w, MANY, base + 10 * 500 + 2, ACCOUNT_DISABLED, 501, 0);
	/* The last is disabled the day after its end and deleted 90 days later. */
	assert_state(w, MANY, base + 10 * 999 + 2, ACCOUNT_DISABLED, 999, 0);
	assert_state(w, MANY, base + 10 * 999 + 2 + 90, ACCOUNT_ABSENT, 999, 0);

	/* Without delete_after and create_before each is a new account. */
	lc.create_before = 0;
	lc.delete_after = 0;
	assert_int_equal(lifecycle_windows(p, MANY, &lc, w, MANY), MANY);
	for (size_t i = 0; i < MANY; i++)
		assert_int_equal(w[i].same_account, 0);
	assert_state(w, MANY, base + 10 * 500 - 1, ACCOUNT_ABSENT, 499, 1);
	assert_state(w, MANY, base + 10 * 500, ACCOUNT_ENABLED, 500, 1);
}

static void
a_thousand_touching_periods_in_any_order_are_one_window(void **state)
{
	static struct period p[MANY];
	static size_t order[MANY];
	struct window w[NWIN];
	civil_day base = tl_day("2026-01-01");

	(void)state;
	shuffle(order, MANY);
	for (size_t i = 0; i < MANY; i++) {
		p[order[i]].start = base + (civil_day)(3 * i);
		p[order[i]].end = base + (civil_day)(3 * i + 2);
	}
	windows(p, MANY, lc_default(), w, 1);
	assert_int_equal(w[0].start, base);
	assert_int_equal(w[0].end, base + 3 * MANY - 1);
}

static void
no_periods_make_no_windows(void **state)
{
	struct period p[1] = { per("2026-01-01", "2026-01-31") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[1];

	(void)state;
	memset(w, 0x5a, sizeof(w));
	assert_int_equal(lifecycle_windows(p, 0, &lc, w, 1), 0);
	assert_int_equal(lifecycle_windows(NULL, 0, &lc, NULL, 0), 0);
	assert_int_equal(w[0].start, (civil_day)0x5a5a5a5a);
}

static void
without_windows_the_account_is_absent(void **state)
{
	(void)state;
	assert_state(NULL, 0, tl_day("2026-01-01"), ACCOUNT_ABSENT, -1, 0);
}

static void
windows_beyond_max_are_counted_but_not_written(void **state)
{
	struct period p[] = { per("2026-01-01", "2026-01-31"), per("2026-03-01", "2026-03-31"),
			      per("2026-05-01", "2026-05-31") };
	struct cfg_lifecycle lc = lc_default();
	struct window w[3];

	(void)state;
	memset(w, 0x5a, sizeof(w));
	assert_int_equal(lifecycle_windows(p, NP(p), &lc, w, 1), 3);
	assert_day(w[0].start, "2026-01-01", 0);
	assert_int_equal(w[1].start, (civil_day)0x5a5a5a5a);
	assert_int_equal(w[2].start, (civil_day)0x5a5a5a5a);
	assert_int_equal(lifecycle_windows(p, NP(p), &lc, NULL, 0), 3);
}

static void
the_windows_written_with_a_small_max_are_the_first_of_all(void **state)
{
	/* Unsorted, and the third a new account after a deletion. */
	struct period p[] = { per("2027-06-01", "2027-06-30"), per("2026-01-01", "2026-01-31"),
			      per("2026-03-01", "2026-03-31") };
	struct cfg_lifecycle lc = lc_default();
	struct window all[3], some[2];

	(void)state;
	assert_int_equal(lifecycle_windows(p, NP(p), &lc, all, 3), 3);
	assert_int_equal(lifecycle_windows(p, NP(p), &lc, some, 2), 3);
	assert_memory_equal(all, some, sizeof(some));
	assert_int_equal(all[1].same_account, 1);
	assert_int_equal(all[2].same_account, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_account_is_absent_the_day_before_its_create_day),
		cmocka_unit_test(the_account_is_created_disabled_create_before_days_before_the_start),
		cmocka_unit_test(with_create_before_0_the_account_is_created_enabled_on_the_first_day),
		cmocka_unit_test(with_enable_before_0_the_account_is_enabled_on_the_first_day),
		cmocka_unit_test(with_enable_before_3_the_account_is_enabled_three_days_before_the_start),
		cmocka_unit_test(the_enable_day_is_never_before_the_create_day),
		cmocka_unit_test(with_create_before_equal_to_enable_before_the_account_is_created_enabled),
		cmocka_unit_test(every_window_is_created_on_or_before_enable_before_disable_on_or_before_remove),
		cmocka_unit_test(the_account_is_enabled_through_the_last_day),
		cmocka_unit_test(the_account_is_disabled_the_day_after_the_last_day),
		cmocka_unit_test(disable_after_keeps_the_account_enabled_that_many_days_longer),
		cmocka_unit_test(a_one_day_period_is_enabled_on_that_day_only),
		cmocka_unit_test(the_account_is_deleted_delete_after_days_after_it_was_disabled),
		cmocka_unit_test(with_delete_after_0_the_account_is_deleted_on_its_disable_day),
		cmocka_unit_test(an_open_window_is_never_disabled),
		cmocka_unit_test(an_open_period_absorbs_every_period_after_it),
		cmocka_unit_test(a_period_without_a_start_is_created_and_enabled_at_the_dawn_of_time),
		cmocka_unit_test(a_disable_day_past_the_last_representable_day_is_never),
		cmocka_unit_test(touching_periods_are_one_window),
		cmocka_unit_test(a_gap_of_exactly_bridge_gap_days_is_bridged),
		cmocka_unit_test(a_gap_of_bridge_gap_plus_one_days_makes_two_windows),
		cmocka_unit_test(a_bridge_gap_of_0_joins_touching_periods_only),
		cmocka_unit_test(a_larger_bridge_gap_bridges_a_larger_gap),
		cmocka_unit_test(a_contract_ending_on_friday_and_one_starting_monday_are_one_window),
		cmocka_unit_test(overlapping_periods_are_one_window),
		cmocka_unit_test(a_period_inside_another_does_not_shorten_the_window),
		cmocka_unit_test(identical_periods_are_one_window),
		cmocka_unit_test(unsorted_periods_give_windows_sorted_by_start_and_stay_as_they_were),
		cmocka_unit_test(a_period_that_ends_before_it_starts_grants_nothing),
		cmocka_unit_test(negative_offsets_count_as_0),
		cmocka_unit_test(a_rehire_before_deletion_takes_up_the_same_account),
		cmocka_unit_test(a_create_day_the_day_before_the_remove_day_takes_up_the_same_account),
		cmocka_unit_test(a_create_day_on_the_remove_day_makes_a_new_account),
		cmocka_unit_test(a_rehire_after_deletion_makes_a_new_account),
		cmocka_unit_test(the_earlier_window_keeps_the_account_enabled_until_its_disable_day),
		cmocka_unit_test(overlapping_enable_spans_keep_the_account_enabled_throughout),
		cmocka_unit_test(a_third_window_created_while_the_first_is_enabled_shares_its_account),
		cmocka_unit_test(a_thousand_periods_apart_in_any_order_make_a_thousand_sorted_windows),
		cmocka_unit_test(a_thousand_touching_periods_in_any_order_are_one_window),
		cmocka_unit_test(no_periods_make_no_windows),
		cmocka_unit_test(without_windows_the_account_is_absent),
		cmocka_unit_test(windows_beyond_max_are_counted_but_not_written),
		cmocka_unit_test(the_windows_written_with_a_small_max_are_the_first_of_all),
	};

	return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
