/*
 * Unit tests for connector/ad_util.c: accountExpires from a civil day in a
 * time zone (and back), userAccountControl's bits, objectGUID's string
 * form, groupType values and what AD's diagnostic messages mean. The
 * messages are the ones a Samba 4.17 DC gives (t4100) and, where marked,
 * the ones Windows DCs give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/ad_util.h"
#include "util/date.h"

#include "testlib.h"

/* 100-ns ticks for unix time t. */
#define FT(t) ((INT64_C(t) + INT64_C(11644473600)) * INT64_C(10000000))

static civil_day
day(const char *iso)
{
	civil_day d;

	if (date_parse_iso(iso, &d) < 0)
		fail_msg("bad test date %s", iso);
	return d;
}

static int64_t
expires(const char *iso, const char *tz)
{
	int64_t v = -1;
	struct err e;

	err_init(&e);
	if (ad_expires_from_day(day(iso), tz, &v, &e) < 0)
		fail_msg("%s in %s: %s", iso, tz ? tz : "(local)", e.msg);
	return v;
}

/* --- accountExpires --- */

static void
the_last_day_ends_at_midnight_utc_in_utc(void **state)
{
	(void)state;
	/* 2026-03-31 is the last day: 2026-04-01T00:00:00Z = 1775001600 */
	assert_int_equal(expires("2026-03-31", "UTC"), FT(1775001600));
	/* the value t4100 sets as "in the past": 2020-01-01T00:00:00Z */
	assert_int_equal(expires("2019-12-31", "UTC"), INT64_C(132223104000000000));
}

static void
the_last_day_ends_at_local_midnight_in_amsterdam(void **state)
{
	(void)state;
	/* winter (UTC+1): 2026-01-16T00:00+01:00 = 2026-01-15T23:00Z = 1768518000 */
	assert_int_equal(expires("2026-01-15", "Europe/Amsterdam"), FT(1768518000));
	/* summer (UTC+2): 2026-07-01T00:00+02:00 = 2026-06-30T22:00Z = 1782856800 */
	assert_int_equal(expires("2026-06-30", "Europe/Amsterdam"), FT(1782856800));
	/* the day the clocks go forward (2026-03-29, at 02:00): next midnight is +02:00 */
	assert_int_equal(expires("2026-03-29", "Europe/Amsterdam"), FT(1774821600));
	/* the day before: midnight starting the 29th is still +01:00 */
	assert_int_equal(expires("2026-03-28", "Europe/Amsterdam"), FT(1774738800));
}

static void
a_zone_west_of_utc_ends_the_day_later_in_utc(void **state)
{
	(void)state;
	/* 2026-04-01T00:00-04:00 (EDT) = 2026-04-01T04:00Z */
	assert_int_equal(expires("2026-03-31", "America/New_York"), FT(1775016000));
	/* 2026-01-01T00:00+14:00 (Kiribati) = 2025-12-31T10:00Z */
	assert_int_equal(expires("2025-12-31", "Pacific/Kiritimati"), FT(1767175200));
}

/*
 * Midnights the clocks skip or repeat. America/Sao_Paulo ended summer time
 * at midnight: on 2018-02-18 00:00 (-02:00) the clocks went back to
 * 2018-02-17 23:00 (-03:00), so the 17th had two last hours; the account
 * must work through both: until 2018-02-18T00:00-03:00 = 03:00Z. It
 * started summer time by skipping midnight: 2018-11-04 00:00 (-03:00)
 * became 01:00 (-02:00): the 3rd ends at that change, 03:00Z.
 * America/Goose_Bay ended summer time at 00:01: on 2010-11-07 00:00:59
 * (-03:00) the clocks went back to 2010-11-06 23:01 (-04:00), so the date
 * was the 7th for a minute and then the 6th again: the 6th ends at
 * 2010-11-07T00:00-04:00 = 04:00Z, not at the first midnight, 03:00Z.
 */
static void
a_repeated_or_skipped_midnight_ends_the_day_when_the_date_changes_for_good(void **state)
{
	(void)state;
	assert_int_equal(expires("2018-02-17", "America/Sao_Paulo"), FT(1518922800));
	assert_int_equal(expires("2018-11-03", "America/Sao_Paulo"), FT(1541300400));
	assert_int_equal(expires("2010-11-06", "America/Goose_Bay"), FT(1289102400));
}

static void
no_last_day_is_never_and_both_never_values_are_recognised(void **state)
{
	int64_t v = 1;
	struct err e;
	civil_day d = 0;

	(void)state;
	assert_int_equal(ad_expires_from_day(DATE_NONE, "UTC", &v, &e), 0);
	assert_int_equal(v, AD_EXPIRES_NEVER);
	assert_int_equal(AD_EXPIRES_NEVER, INT64_C(9223372036854775807));
	assert_true(ad_expires_is_never(0));
	assert_true(ad_expires_is_never(INT64_C(9223372036854775807)));
	assert_false(ad_expires_is_never(1));
	assert_false(ad_expires_is_never(FT(1775001600)));
	assert_int_equal(ad_expires_to_day(0, "UTC", &d, &e), 0);
	assert_int_equal(d, DATE_NONE);
	d = 0;
	assert_int_equal(ad_expires_to_day(AD_EXPIRES_NEVER, "UTC", &d, &e), 0);
	assert_int_equal(d, DATE_NONE);
	/* the year 30828, where INT64_MAX - 1 lands, is never in effect */
	d = 0;
	assert_int_equal(ad_expires_to_day(AD_EXPIRES_NEVER - 1, "UTC", &d, &e), 0);
	assert_int_equal(d, DATE_NONE);
}

static void
the_last_day_reads_back_from_accountexpires(void **state)
{
	static const char *const zones[] = {
		"UTC",		"Europe/Amsterdam", "America/New_York", "Pacific/Kiritimati", "America/Sao_Paulo",
		"Pacific/Apia", "Asia/Kathmandu"
	};
	civil_day d, back;
	int64_t v;
	struct err e;
	size_t z;

	(void)state;
	/*
	 * Every day of years with midnights that were skipped or repeated
	 * (Goose Bay, 2010; Sao Paulo, 2017-2018; Apia skipped 2011-12-30 whole, so its
	 * 2011-12-30 reads back as the 29th) and of this year.
	 */
	static const char *const ranges[][2] = { { "2010-01-01", "2010-12-31" },
						 { "2011-12-01", "2012-01-31" },
						 { "2017-01-01", "2018-12-31" },
						 { "2026-01-01", "2026-12-31" } };
	size_t r;

	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
			for (d = day(ranges[r][0]); d <= day(ranges[r][1]); d++) {
				if (ad_expires_from_day(d, zones[z], &v, &e) < 0)
					fail_msg("%s: %s", zones[z], e.msg);
				if (ad_expires_to_day(v, zones[z], &back, &e) < 0)
					fail_msg("%s: %s", zones[z], e.msg);
				if (back != d && !(d == day("2011-12-30") && !strcmp(zones[z], "Pacific/Apia"))) {
					char a[DATE_STR_MAX], b[DATE_STR_MAX];

					date_format(d, a);
					date_format(back, b);
					fail_msg("%s: %s read back as %s", zones[z], a, b);
				}
			}
		}
	}
	/* the edges of the range */
	assert_int_equal(ad_expires_from_day(day("1601-01-01"), "Europe/Amsterdam", &v, &e), 0);
	assert_true(v > 0);
	assert_int_equal(ad_expires_to_day(v, "Europe/Amsterdam", &back, &e), 0);
	assert_int_equal(back, day("1601-01-01"));
	assert_int_equal(ad_expires_from_day(day("9999-12-30"), "America/New_York", &v, &e), 0);
	assert_int_equal(ad_expires_to_day(v, "America/New_York", &back, &e), 0);
	assert_int_equal(back, day("9999-12-30"));
}

static void
a_value_in_the_middle_of_a_day_reads_as_that_day(void **state)
{
	civil_day d;
	struct err e;

	(void)state;
	/* 2026-03-31T12:00Z is 14:00 in Amsterdam: the account works until then, so the 31st is its last day */
	assert_int_equal(ad_expires_to_day(FT(1774958400), "Europe/Amsterdam", &d, &e), 0);
	assert_int_equal(d, day("2026-03-31"));
	/* one tick after midnight UTC: the day that just began */
	assert_int_equal(ad_expires_to_day(FT(1775001600) + 1, "UTC", &d, &e), 0);
	assert_int_equal(d, day("2026-04-01"));
}

static void
a_day_outside_1601_to_9999_or_an_unknown_zone_is_refused(void **state)
{
	int64_t v = 7;
	civil_day d = 7;
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(ad_expires_from_day(day("1600-12-31"), "UTC", &v, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	tl_assert_contains(e.msg, "1600-12-31 is outside 1601-01-01 to 9999-12-30");
	err_init(&e);
	assert_int_equal(ad_expires_from_day(day("9999-12-31"), "UTC", &v, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	err_init(&e);
	assert_int_equal(ad_expires_from_day(day("2026-01-01"), "Europe/Atlantis", &v, &e), -1);
	assert_int_equal(e.class, ERR_CONFIG);
	tl_assert_contains(e.msg, "unknown time zone \"Europe/Atlantis\"");
	assert_int_equal(v, 7);
	err_init(&e);
	assert_int_equal(ad_expires_to_day(FT(0), "Mars/Olympus", &d, &e), -1);
	assert_int_equal(e.class, ERR_CONFIG);
	err_init(&e);
	assert_int_equal(ad_expires_to_day(-5, "UTC", &d, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_int_equal(d, 7);
}

static void
the_process_zone_is_restored(void **state)
{
	int64_t v;
	struct err e;
	const char *tz;

	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	assert_int_equal(ad_expires_from_day(day("2026-03-31"), "Europe/Amsterdam", &v, &e), 0);
	tz = getenv("TZ");
	assert_non_null(tz);
	assert_string_equal(tz, "Asia/Tokyo");
	/* NULL: the process's zone, Tokyo (+09:00): 2026-03-31T15:00Z */
	assert_int_equal(expires("2026-03-31", NULL), FT(1774969200));
	unsetenv("TZ");
	assert_int_equal(ad_expires_from_day(day("2026-03-31"), "UTC", &v, &e), 0);
	assert_null(getenv("TZ"));
}

static void
ldap_integers_parse_and_format(void **state)
{
	int64_t v = 0;
	char buf[AD_INT64_STR_MAX];

	(void)state;
	assert_int_equal(ad_int64_parse("9223372036854775807", &v), 0);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(ad_int64_parse("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(ad_int64_parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ad_int64_parse("-1", &v), 0);
	assert_int_equal(v, -1);
	v = 42;
	assert_int_equal(ad_int64_parse("9223372036854775808", &v), -1);
	assert_int_equal(ad_int64_parse("-9223372036854775809", &v), -1);
	assert_int_equal(ad_int64_parse("", &v), -1);
	assert_int_equal(ad_int64_parse("-", &v), -1);
	assert_int_equal(ad_int64_parse("+1", &v), -1);
	assert_int_equal(ad_int64_parse(" 1", &v), -1);
	assert_int_equal(ad_int64_parse("1 ", &v), -1);
	assert_int_equal(ad_int64_parse("0x10", &v), -1);
	assert_int_equal(v, 42);
	ad_int64_format(INT64_MIN, buf);
	assert_string_equal(buf, "-9223372036854775808");
	ad_int64_format(AD_EXPIRES_NEVER, buf);
	assert_string_equal(buf, "9223372036854775807");
}

/* --- userAccountControl --- */

static void
new_accounts_are_normal_and_512_or_514(void **state)
{
	(void)state;
	assert_int_equal(ad_uac_new(1), 512);
	assert_int_equal(ad_uac_new(0), 514);
}

static void
enabling_and_disabling_flip_only_accountdisable(void **state)
{
	/* 66048 = NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD; 546 = what Samba gives a user added without one */
	(void)state;
	assert_int_equal(ad_uac_set_enabled(66048, 0), 66050);
	assert_int_equal(ad_uac_set_enabled(66050, 1), 66048);
	assert_int_equal(ad_uac_set_enabled(546, 1), 544);
	assert_int_equal(ad_uac_set_enabled(512, 1), 512);
	assert_int_equal(ad_uac_set_enabled(514, 0), 514);
	assert_int_equal(ad_uac_set_enabled(0xffffffffu, 1), 0xfffffffdu);
	assert_int_equal(ad_uac_set_enabled(0, 0), 2);
	assert_true(ad_uac_is_enabled(512));
	assert_false(ad_uac_is_enabled(514));
	assert_false(ad_uac_is_enabled(546));
	assert_true(ad_uac_is_enabled(66048));
}

static void
uac_values_parse_signed_or_unsigned(void **state)
{
	uint32_t u = 7;

	(void)state;
	assert_int_equal(ad_uac_parse("512", &u), 0);
	assert_int_equal(u, 512);
	assert_int_equal(ad_uac_parse("-2147483648", &u), 0);
	assert_int_equal(u, 0x80000000u);
	assert_int_equal(ad_uac_parse("4294967295", &u), 0);
	assert_int_equal(u, 0xffffffffu);
	assert_int_equal(ad_uac_parse("-1", &u), 0);
	assert_int_equal(u, 0xffffffffu);
	u = 7;
	assert_int_equal(ad_uac_parse("4294967296", &u), -1);
	assert_int_equal(ad_uac_parse("-2147483649", &u), -1);
	assert_int_equal(ad_uac_parse("5l2", &u), -1);
	assert_int_equal(u, 7);
}

/* --- objectGUID --- */

/* The objectGUID of a user on the t4100 DC, as LDIF's base64 gave it: JEb+wfUqJUueb6lzQOu/Tw== */
static const unsigned char jan_guid[AD_GUID_LEN] = { 0x24, 0x46, 0xfe, 0xc1, 0xf5, 0x2a, 0x25, 0x4b,
						     0x9e, 0x6f, 0xa9, 0x73, 0x40, 0xeb, 0xbf, 0x4f };

static void
a_guid_reads_with_its_first_three_fields_swapped(void **state)
{
	char s[AD_GUID_STR_MAX];
	char dn[AD_GUID_DN_MAX];

	(void)state;
	/* what the DC's extended DN control gave for that user */
	ad_guid_format(jan_guid, s);
	assert_string_equal(s, "c1fe4624-2af5-4b25-9e6f-a97340ebbf4f");
	ad_guid_dn(jan_guid, dn);
	assert_string_equal(dn, "<GUID=c1fe4624-2af5-4b25-9e6f-a97340ebbf4f>");
	assert_int_equal(strlen(dn), AD_GUID_DN_MAX - 1);
}

static void
a_guid_string_parses_back_to_its_bytes(void **state)
{
	unsigned char b[AD_GUID_LEN];
	unsigned char all[AD_GUID_LEN];
	char s[AD_GUID_STR_MAX];
	int i, round;

	(void)state;
	assert_int_equal(ad_guid_parse("c1fe4624-2af5-4b25-9e6f-a97340ebbf4f", b), 0);
	assert_memory_equal(b, jan_guid, AD_GUID_LEN);
	assert_int_equal(ad_guid_parse("C1FE4624-2AF5-4B25-9E6F-A97340EBBF4F", b), 0);
	assert_memory_equal(b, jan_guid, AD_GUID_LEN);
	assert_int_equal(ad_guid_parse("{c1fe4624-2af5-4b25-9e6f-a97340ebbf4f}", b), 0);
	assert_memory_equal(b, jan_guid, AD_GUID_LEN);
	/* every byte value in every position survives the round trip */
	for (round = 0; round < 256; round++) {
		for (i = 0; i < AD_GUID_LEN; i++)
			all[i] = (unsigned char)(round + i * 17);
		ad_guid_format(all, s);
		assert_int_equal(ad_guid_parse(s, b), 0);
		assert_memory_equal(b, all, AD_GUID_LEN);
	}
}

static void
anything_but_a_guid_string_is_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"c1fe46242af54b259e6fa97340ebbf4f", /* AD reads 32 digits as bytes in order: ambiguous */
		"c1fe4624-2af5-4b25-9e6f-a97340ebbf4",
		"c1fe4624-2af5-4b25-9e6f-a97340ebbf4f0",
		"c1fe4624-2af5-4b25-9e6fa-97340ebbf4f",
		"c1fe4624 2af5 4b25 9e6f a97340ebbf4f",
		"g1fe4624-2af5-4b25-9e6f-a97340ebbf4f",
		"{c1fe4624-2af5-4b25-9e6f-a97340ebbf4f",
		"(c1fe4624-2af5-4b25-9e6f-a97340ebbf4f)",
		"<GUID=c1fe4624-2af5-4b25-9e6f-a97340ebbf4f>",
	};
	unsigned char b[AD_GUID_LEN];
	size_t i;

	(void)state;
	memset(b, 0x5a, sizeof(b));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ad_guid_parse(bad[i], b) != -1)
			fail_msg("\"%s\" parsed as a GUID", bad[i]);
	for (i = 0; i < AD_GUID_LEN; i++)
		assert_int_equal(b[i], 0x5a);
}

/* --- groupType --- */

static void
group_types_have_ad_values(void **state)
{
	(void)state;
	assert_int_equal(ad_group_type(AD_SCOPE_GLOBAL, 1), -2147483646);
	assert_int_equal(ad_group_type(AD_SCOPE_DOMAIN_LOCAL, 1), -2147483644);
	assert_int_equal(ad_group_type(AD_SCOPE_UNIVERSAL, 1), -2147483640);
	assert_int_equal(ad_group_type(AD_SCOPE_GLOBAL, 0), 2);
	assert_int_equal(ad_group_type(AD_SCOPE_DOMAIN_LOCAL, 0), 4);
	assert_int_equal(ad_group_type(AD_SCOPE_UNIVERSAL, 0), 8);
}

static void
group_types_split_into_scope_and_kind(void **state)
{
	static const enum ad_group_scope all[] = { AD_SCOPE_GLOBAL, AD_SCOPE_DOMAIN_LOCAL, AD_SCOPE_UNIVERSAL };
	enum ad_group_scope scope;
	int sec, i, want;

	(void)state;
	for (i = 0; i < 3; i++) {
		for (want = 0; want <= 1; want++) {
			scope = (enum ad_group_scope) - 1;
			sec = -1;
			assert_int_equal(ad_group_type_split(ad_group_type(all[i], want), &scope, &sec), 0);
			assert_int_equal(scope, all[i]);
			assert_int_equal(sec, want);
		}
	}
	/* a builtin group (Administrators: 0x1 | 0x4 | security) and nonsense */
	assert_int_equal(ad_group_type_split(-2147483643, &scope, &sec), -1);
	assert_int_equal(ad_group_type_split(0, &scope, &sec), -1);
	assert_int_equal(ad_group_type_split(6, &scope, &sec), -1);
	assert_int_equal(ad_group_type_split(INT32_MIN, &scope, &sec), -1);
}

static void
scope_names_are_the_yaml_words(void **state)
{
	enum ad_group_scope s;

	(void)state;
	assert_string_equal(ad_group_scope_name(AD_SCOPE_GLOBAL), "global");
	assert_string_equal(ad_group_scope_name(AD_SCOPE_DOMAIN_LOCAL), "domain_local");
	assert_string_equal(ad_group_scope_name(AD_SCOPE_UNIVERSAL), "universal");
	assert_int_equal(ad_group_scope_parse("universal", &s), 0);
	assert_int_equal(s, AD_SCOPE_UNIVERSAL);
	assert_int_equal(ad_group_scope_parse("domain_local", &s), 0);
	assert_int_equal(s, AD_SCOPE_DOMAIN_LOCAL);
	assert_int_equal(ad_group_scope_parse("Global", &s), -1);
	assert_int_equal(ad_group_scope_parse("local", &s), -1);
	assert_int_equal(ad_group_scope_parse("", &s), -1);
}

/* --- diagnostic messages --- */

/* d for rc and msg, failing when it is not known. */
static struct ad_diag
diag(int rc, const char *msg)
{
	struct ad_diag d = { ERR_NONE, 0, NULL };

	if (ad_diag_parse(rc, msg, &d) != 1)
		fail_msg("not known: rc %d, \"%s\"", rc, msg);
	assert_non_null(d.words);
	return d;
}

static void
names_in_use_are_conflicts(void **state)
{
	struct ad_diag d;

	(void)state;
	/* Samba */
	d = diag(68, "00002071: samldb: samAccountName 'jdevries' already in use!");
	assert_int_equal(d.class, ERR_CONFLICT);
	assert_int_equal(d.code, 0x2071);
	tl_assert_contains(d.words, "name is taken");
	d = diag(19, "0000202F: samldb: userPrincipalName 'jdevries@example.org' is already in use");
	assert_int_equal(d.class, ERR_CONFLICT);
	assert_int_equal(d.code, 0x202f);
	tl_assert_contains(d.words, "userPrincipalName");
	/* Windows */
	d = diag(68, "00000524: UpdErr: DSID-031A11E2, problem 6005 (ENTRY_EXISTS), data 0\n");
	assert_int_equal(d.class, ERR_CONFLICT);
	tl_assert_contains(d.words, "sAMAccountName");
	d = diag(19, "000021C8: AtrErr: DSID-03200BBA, #1:\n\t0: 000021C8: DSID-03200BBA, problem 1005 "
		     "(CONSTRAINT_ATT_TYPE), data 0, Att 90290 (userPrincipalName)\n");
	assert_int_equal(d.class, ERR_CONFLICT);
	tl_assert_contains(d.words, "userPrincipalName is taken");
}

static void
another_constraint_is_permanent(void **state)
{
	struct ad_diag d;

	(void)state;
	d = diag(19, "0000202F: ConstraintErr: DSID-..., problem 1005 (CONSTRAINT_ATT_TYPE), data 0");
	assert_int_equal(d.class, ERR_PERMANENT);
	tl_assert_contains(d.words, "constraint");
}

static void
a_weak_password_is_permanent(void **state)
{
	struct ad_diag d;

	(void)state;
	d = diag(19, "0000052D: Constraint violation - check_password_restrictions: the password does not "
		     "meet the complexity criteria!");
	assert_int_equal(d.class, ERR_PERMANENT);
	assert_int_equal(d.code, 0x52d);
	tl_assert_contains(d.words, "password policy");
	/* Windows, lowercase hex */
	d = diag(19, "0000052d: AtrErr: DSID-03191083, #1:\n\t0: 0000052d: DSID-03191083, problem 1005 "
		     "(CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n");
	assert_int_equal(d.code, 0x52d);
}

static void
membership_twice_is_a_conflict_and_a_missing_member_not_found(void **state)
{
	struct ad_diag d;

	(void)state;
	/* Windows */
	d = diag(68, "00000562: UpdErr: DSID-031A11DA, problem 6005 (ENTRY_EXISTS), data 0\n");
	assert_int_equal(d.class, ERR_CONFLICT);
	tl_assert_contains(d.words, "already a member");
	d = diag(53, "00000561: SvcErr: DSID-031A1021, problem 5003 (WILL_NOT_PERFORM), data 0\n");
	assert_int_equal(d.class, ERR_NOTFOUND);
	tl_assert_contains(d.words, "not a member");
}

static void
other_directory_errors(void **state)
{
	struct ad_diag d;

	(void)state;
	d = diag(32, "0000208D: NameErr: DSID-03100241, problem 2001 (NO_OBJECT), data 0, best match of:\n"
		     "\t'OU=Org,DC=example,DC=org'\n");
	assert_int_equal(d.class, ERR_NOTFOUND);
	d = diag(50, "00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0\n");
	assert_int_equal(d.class, ERR_PERMANENT);
	tl_assert_contains(d.words, "rights");
	d = diag(51, "0000200E: SvcErr: DSID-..., problem 5001 (BUSY), data 0");
	assert_int_equal(d.class, ERR_TRANSIENT);
	d = diag(52, "0000200F: SvcErr: problem 5002 (UNAVAILABLE)");
	assert_int_equal(d.class, ERR_TRANSIENT);
	/* Samba, a modrdn that keeps the old RDN (t4100) */
	d = diag(53, "00002035: Unwilling to perform. Old RDN must be deleted");
	assert_int_equal(d.class, ERR_PERMANENT);
	tl_assert_contains(d.words, "modrdn");
}

static void
bind_failures_are_read_from_data(void **state)
{
	static const struct {
		const char *data;
		uint32_t code;
		const char *words;
	} cases[] = {
		{ "525", 0x525, "no such user" },	  { "52e", 0x52e, "password is wrong" },
		{ "530", 0x530, "at this time" },	  { "531", 0x531, "from this computer" },
		{ "532", 0x532, "password has expired" }, { "533", 0x533, "disabled" },
		{ "701", 0x701, "account has expired" },  { "773", 0x773, "must be changed" },
		{ "775", 0x775, "locked out" },
	};
	char msg[256];
	struct ad_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Samba's form (t4100) */
		snprintf(msg, sizeof(msg),
			 "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data %s, v1db1",
			 cases[i].data);
		d = diag(49, msg);
		assert_int_equal(d.code, cases[i].code);
		assert_int_equal(d.class, ERR_PERMANENT);
		tl_assert_contains(d.words, cases[i].words);
		/* Windows' form, with a NUL-terminated tail */
		snprintf(msg, sizeof(msg),
			 "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data %s, v4563",
			 cases[i].data);
		assert_int_equal(diag(49, msg).code, cases[i].code);
	}
}

static void
unknown_or_foreign_messages_are_not_known(void **state)
{
	struct ad_diag d = { ERR_NONE, 0, NULL };

	(void)state;
	/* OpenLDAP's words, no code */
	assert_int_equal(ad_diag_parse(68, "Entry Already Exists", &d), 0);
	assert_int_equal(ad_diag_parse(19, NULL, &d), 0);
	assert_int_equal(ad_diag_parse(19, "", &d), 0);
	/* a code roster does not know */
	assert_int_equal(ad_diag_parse(19, "00001234: something", &d), 0);
	/* too short, no colon, too long */
	assert_int_equal(ad_diag_parse(68, "2071: x", &d), 0);
	assert_int_equal(ad_diag_parse(68, "00002071 samldb", &d), 0);
	assert_int_equal(ad_diag_parse(68, "000002071: x", &d), 0);
	/* a bind's data is only read for rc 49, and an unknown one is not known */
	assert_int_equal(ad_diag_parse(19, "AcceptSecurityContext error, data 533, v1db1", &d), 0);
	assert_int_equal(ad_diag_parse(49, "AcceptSecurityContext error, data 999, v1db1", &d), 0);
	assert_int_equal(ad_diag_parse(49, "AcceptSecurityContext error, no data", &d), 0);
	assert_int_equal(ad_diag_parse(49, "metadata 533x", &d), 0);
	assert_int_equal(d.class, ERR_NONE);
	assert_null(d.words);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_last_day_ends_at_midnight_utc_in_utc),
		cmocka_unit_test(the_last_day_ends_at_local_midnight_in_amsterdam),
		cmocka_unit_test(a_zone_west_of_utc_ends_the_day_later_in_utc),
		cmocka_unit_test(a_repeated_or_skipped_midnight_ends_the_day_when_the_date_changes_for_good),
		cmocka_unit_test(no_last_day_is_never_and_both_never_values_are_recognised),
		cmocka_unit_test(the_last_day_reads_back_from_accountexpires),
		cmocka_unit_test(a_value_in_the_middle_of_a_day_reads_as_that_day),
		cmocka_unit_test(a_day_outside_1601_to_9999_or_an_unknown_zone_is_refused),
		cmocka_unit_test(the_process_zone_is_restored),
		cmocka_unit_test(ldap_integers_parse_and_format),
		cmocka_unit_test(new_accounts_are_normal_and_512_or_514),
		cmocka_unit_test(enabling_and_disabling_flip_only_accountdisable),
		cmocka_unit_test(uac_values_parse_signed_or_unsigned),
		cmocka_unit_test(a_guid_reads_with_its_first_three_fields_swapped),
		cmocka_unit_test(a_guid_string_parses_back_to_its_bytes),
		cmocka_unit_test(anything_but_a_guid_string_is_refused),
		cmocka_unit_test(group_types_have_ad_values),
		cmocka_unit_test(group_types_split_into_scope_and_kind),
		cmocka_unit_test(scope_names_are_the_yaml_words),
		cmocka_unit_test(names_in_use_are_conflicts),
		cmocka_unit_test(another_constraint_is_permanent),
		cmocka_unit_test(a_weak_password_is_permanent),
		cmocka_unit_test(membership_twice_is_a_conflict_and_a_missing_member_not_found),
		cmocka_unit_test(other_directory_errors),
		cmocka_unit_test(bind_failures_are_read_from_data),
		cmocka_unit_test(unknown_or_foreign_messages_are_not_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
