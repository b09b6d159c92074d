/*
 * Unit tests for util/password.c: generated passwords (length, classes,
 * the names they must not contain, a sanity check of their spread) and the
 * unicodePwd encoding (known answers, surrogate pairs, bad UTF-8).
 *
 * The statistical checks are not flaky: their bounds are so wide that an
 * honest generator misses them with a probability below 1e-20, while a
 * generator that lost a character, a class or the name rule misses them
 * every time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "util/password.h"

#include "testlib.h"

#define RUNS 10000

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" PASSWORD_SYMBOLS;

static int
is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* strstr without regard to ASCII case (the test's own, to check the library's). */
static int
has_nocase(const char *hay, const char *needle)
{
	size_t h = strlen(hay), n = strlen(needle), i, j;

	for (i = 0; i + n <= h; i++) {
		for (j = 0; j < n && lower((unsigned char)hay[i + j]) == lower((unsigned char)needle[j]); j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

/* --- generate: shape --- */

static void
every_password_has_its_length_every_class_and_only_the_alphabet(void **state)
{
	static const size_t lens[] = { PASSWORD_LEN_MIN, PASSWORD_LEN_DEFAULT, PASSWORD_LEN_MAX };
	char pw[PASSWORD_LEN_MAX + 1];
	struct err e;
	size_t l, i;
	int run;

	(void)state;
	for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		/* (fewer of the longest: libsodium makes a system call per character) */
		for (run = 0; run < (lens[l] == PASSWORD_LEN_MAX ? RUNS / 20 : RUNS); run++) {
			int up = 0, low = 0, dig = 0, sym = 0;

			assert_int_equal(password_generate(pw, sizeof(pw), lens[l], NULL, 0, &e), 0);
			assert_int_equal(strlen(pw), lens[l]);
			assert_true(is_alnum(pw[0]));
			for (i = 0; i < lens[l]; i++) {
				assert_non_null(strchr(alphabet, pw[i]));
				up |= pw[i] >= 'A' && pw[i] <= 'Z';
				low |= pw[i] >= 'a' && pw[i] <= 'z';
				dig |= pw[i] >= '0' && pw[i] <= '9';
				sym |= strchr(PASSWORD_SYMBOLS, pw[i]) != NULL;
			}
			assert_true(up && low && dig && sym);
		}
	}
	sodium_memzero(pw, sizeof(pw));
}

static void
the_symbols_need_no_quoting_in_shell_json_or_ldif(void **state)
{
	const char *s;

	(void)state;
	for (s = PASSWORD_SYMBOLS; *s; s++) {
		assert_null(strchr("\"'\\$`!#&;|*?~()[]{}<>: \t\n", *s));
		assert_true(*s > 0x20 && *s < 0x7f);
	}
	assert_int_equal(strlen(PASSWORD_SYMBOLS), 8);
}

/*
 * Each of the 70 characters is expected 10,000 * 19 / 70 ≈ 2,714 times
 * after the first position (first positions: 10,000 / 62 ≈ 161 each, and
 * never a symbol); the bounds are more than 25 standard deviations away.
 */
static void
every_character_turns_up_about_equally_often(void **state)
{
	size_t count[256] = { 0 }, first[256] = { 0 };
	char pw[PASSWORD_LEN_DEFAULT + 1];
	struct err e;
	size_t i;
	int run;

	(void)state;
	for (run = 0; run < RUNS; run++) {
		assert_int_equal(password_generate(pw, sizeof(pw), PASSWORD_LEN_DEFAULT, NULL, 0, &e), 0);
		first[(unsigned char)pw[0]]++;
		for (i = 1; i < PASSWORD_LEN_DEFAULT; i++)
			count[(unsigned char)pw[i]]++;
	}
	for (i = 0; alphabet[i]; i++) {
		unsigned char c = (unsigned char)alphabet[i];

		if (count[c] < 1400 || count[c] > 4000)
			fail_msg("'%c' turned up %zu times after the first position (expected about 2714)", c,
				 count[c]);
		if (is_alnum((char)c) && (first[c] < 40 || first[c] > 400))
			fail_msg("'%c' turned up %zu times first (expected about 161)", c, first[c]);
		if (!is_alnum((char)c) && first[c] != 0)
			fail_msg("the symbol '%c' came first", c);
	}
	sodium_memzero(pw, sizeof(pw));
}

static void
two_passwords_differ(void **state)
{
	char a[PASSWORD_LEN_DEFAULT + 1], b[PASSWORD_LEN_DEFAULT + 1];
	struct err e;

	(void)state;
	assert_int_equal(password_generate(a, sizeof(a), PASSWORD_LEN_DEFAULT, NULL, 0, &e), 0);
	assert_int_equal(password_generate(b, sizeof(b), PASSWORD_LEN_DEFAULT, NULL, 0, &e), 0);
	assert_string_not_equal(a, b);
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
}

/* --- generate: the names --- */

/*
 * 26 three-letter parts: a password of 20 characters from the alphabet
 * contains a given one (either case) with a probability of about 4e-4, so
 * about 110 of 10,000 passwords would contain one of them if the rule were
 * not applied.
 */
static void
no_password_contains_a_part_of_the_names(void **state)
{
	static const char *const parts[] = { "abc", "bcd", "cde", "def", "efg", "fgh", "ghi", "hij", "ijk",
					     "jkl", "klm", "lmn", "mno", "nop", "opq", "pqr", "qrs", "rst",
					     "stu", "tuv", "uvw", "vwx", "wxy", "xyz", "yza", "zab" };
	const char *names[] = {
		"abc.bcd-cde_def#efg fgh\tghi,hij ijk jkl klm lmn mno nop opq pqr qrs rst stu tuv uvw vwx wxy", NULL,
		"xyz.yza.zab", "de", /* parts under 3 characters do not count */
	};
	char pw[PASSWORD_LEN_DEFAULT + 1];
	struct err e;
	size_t i;
	int run, de = 0;

	(void)state;
	for (run = 0; run < RUNS; run++) {
		assert_int_equal(password_generate(pw, sizeof(pw), PASSWORD_LEN_DEFAULT, names, 4, &e), 0);
		for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			if (has_nocase(pw, parts[i]))
				fail_msg("password %d contains \"%s\"", run, parts[i]);
		de += has_nocase(pw, "de");
	}
	/* "de" is allowed: about 10,000 * 19 * (2/70)^2 ≈ 155 passwords have it */
	assert_true(de > 20);
	sodium_memzero(pw, sizeof(pw));
}

/* A sAMAccountName is avoided whole, even when none of its parts has 3 characters. */
static void
a_short_account_name_is_avoided_whole(void **state)
{
	const char *names[] = { "1.2", "a-b", "c_d", "4,5", "6.7", "8-9", "0_1", "2,3", "e.f", "5-6" };
	char pw[64 + 1];
	struct err e;
	size_t i;
	int run, seen = 0;

	(void)state;
	/*
	 * A 64-character password contains a given "d.d" with a probability of
	 * about 62 * (1/70)^3 ≈ 1.8e-4, "a-b" (either case) with 62 * 4 / 70^3
	 * ≈ 7.2e-4: about 37 of 10,000 would contain one of the ten if the
	 * names were not avoided whole.
	 */
	for (run = 0; run < RUNS; run++) {
		assert_int_equal(password_generate(pw, sizeof(pw), 64, names, 10, &e), 0);
		for (i = 0; i < 10; i++)
			if (has_nocase(pw, names[i]))
				fail_msg("password %d contains \"%s\"", run, names[i]);
		seen += has_nocase(pw, "1.") || has_nocase(pw, ".2");
	}
	/* pieces of them are allowed: about 10,000 * 63 * 2 / 70^2 ≈ 260 have one */
	assert_true(seen > 50);
	sodium_memzero(pw, sizeof(pw));
}

static void
non_ascii_names_never_match_and_do_not_block(void **state)
{
	const char *names[] = { "Zoë Ærø", "Müller-Lüdenscheidt" };
	char pw[PASSWORD_LEN_MIN + 1];
	struct err e;
	int run;

	(void)state;
	/* a password is ASCII, so their parts can never be in it; they must not make generation fail */
	for (run = 0; run < 1000; run++)
		assert_int_equal(password_generate(pw, sizeof(pw), PASSWORD_LEN_MIN, names, 2, &e), 0);
	sodium_memzero(pw, sizeof(pw));
}

/* --- generate: refusals --- */

static void
a_length_outside_8_to_256_is_refused(void **state)
{
	char pw[PASSWORD_LEN_MAX + 2];
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(password_generate(pw, sizeof(pw), PASSWORD_LEN_MIN - 1, NULL, 0, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	tl_assert_contains(e.msg, "password length 7: expected 8 to 256");
	err_init(&e);
	assert_int_equal(password_generate(pw, sizeof(pw), PASSWORD_LEN_MAX + 1, NULL, 0, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	err_init(&e);
	assert_int_equal(password_generate(pw, sizeof(pw), 0, NULL, 0, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
}

static void
a_buffer_without_room_for_the_nul_is_refused(void **state)
{
	char pw[PASSWORD_LEN_DEFAULT + 1];
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(password_generate(pw, PASSWORD_LEN_DEFAULT, PASSWORD_LEN_DEFAULT, NULL, 0, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	tl_assert_contains(e.msg, "holds only 20 bytes");
	assert_int_equal(password_generate(pw, sizeof(pw), PASSWORD_LEN_DEFAULT, NULL, 0, &e), 0);
	sodium_memzero(pw, sizeof(pw));
}

/*
 * A refused call writes nothing. (Names that exhaust the draws cannot be
 * built cheaply: a part must have 3 characters, and there are 343,000 of
 * those in the alphabet.)
 */
static void
a_refused_generation_writes_nothing(void **state)
{
	char pw[PASSWORD_LEN_DEFAULT + 1];
	struct err e;

	(void)state;
	memset(pw, 'x', sizeof(pw));
	assert_int_equal(password_generate(pw, 4, PASSWORD_LEN_MIN, NULL, 0, &e), -1);
	assert_int_equal(password_generate(pw, sizeof(pw), 3, NULL, 0, &e), -1);
	assert_int_equal(pw[0], 'x');
}

/* --- unicodePwd --- */

/* Encodes pw and compares with the expected bytes. */
static void
check_encoding(const char *pw, const unsigned char *want, size_t wantlen)
{
	unsigned char out[256];
	size_t n = 0;
	struct err e;

	err_init(&e);
	if (password_unicodepwd(pw, out, sizeof(out), &n, &e) < 0)
		fail_msg("\"%s\": %s", pw, e.msg);
	assert_int_equal(n, wantlen);
	assert_memory_equal(out, want, wantlen);
	sodium_memzero(out, sizeof(out));
}

static void
unicodepwd_is_utf16le_of_the_quoted_password(void **state)
{
	static const unsigned char abc[] = { 0x22, 0, 'a', 0, 'b', 0, 'c', 0, 0x22, 0 };
	static const unsigned char empty[] = { 0x22, 0, 0x22, 0 };
	static const unsigned char quote[] = { 0x22, 0, 0x22, 0, 0x22, 0 };

	(void)state;
	check_encoding("abc", abc, sizeof(abc));
	check_encoding("", empty, sizeof(empty));
	check_encoding("\"", quote, sizeof(quote));
}

/* The bytes iconv -f UTF-8 -t UTF-16LE gives for "Zoë-€😀" in quotes (what t4100 binds with). */
static void
unicodepwd_of_non_ascii_has_surrogate_pairs_beyond_the_bmp(void **state)
{
	static const unsigned char want[] = { 0x22, 0x00, 0x5a, 0x00, 0x6f, 0x00, 0xeb, 0x00, 0x2d,
					      0x00, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde, 0x22, 0x00 };
	/* U+10FFFF, the last code point: D BFF DFFF */
	static const unsigned char last[] = { 0x22, 0, 0xff, 0xdb, 0xff, 0xdf, 0x22, 0 };
	/* U+FFFF stays one unit; U+10000 is the first pair */
	static const unsigned char edge[] = { 0x22, 0, 0xff, 0xff, 0x00, 0xd8, 0x00, 0xdc, 0x22, 0 };

	(void)state;
	check_encoding("Zo\xc3\xab-\xe2\x82\xac\xf0\x9f\x98\x80", want, sizeof(want));
	check_encoding("\xf4\x8f\xbf\xbf", last, sizeof(last));
	check_encoding("\xef\xbf\xbf\xf0\x90\x80\x80", edge, sizeof(edge));
}

static void
unicodepwd_refuses_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff",		    /* never in UTF-8 */
		"ab\xc0\xaf",	    /* overlong '/' */
		"\xed\xa0\x80",	    /* a surrogate, U+D800 */
		"\xe2\x82",	    /* cut short */
		"\xf4\x90\x80\x80", /* beyond U+10FFFF */
		"\x80",		    /* a lone continuation byte */
	};
	unsigned char out[64];
	size_t i, n;
	struct err e;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_init(&e);
		memset(out, 0xaa, sizeof(out));
		if (password_unicodepwd(bad[i], out, sizeof(out), &n, &e) != -1)
			fail_msg("bad UTF-8 number %zu was encoded", i);
		assert_int_equal(e.class, ERR_INVALID);
		tl_assert_contains(e.msg, "not valid UTF-8");
		/* what was encoded before the bad byte is wiped */
		assert_int_equal(out[0], 0);
	}
}

static void
unicodepwd_needs_room_and_the_max_macro_is_enough(void **state)
{
	/* worst cases per input byte: ASCII (1 byte -> 2) and 4-byte UTF-8 (4 -> 4) */
	static const char *const pws[] = { "aaaaaaaa", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", "" };
	unsigned char out[64];
	size_t i, n, need;
	struct err e;

	(void)state;
	for (i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
		need = PASSWORD_UNICODEPWD_MAX(strlen(pws[i]));
		assert_int_equal(password_unicodepwd(pws[i], out, need, &n, &e), 0);
		assert_true(n <= need);
		/* one byte less than the encoding is refused */
		err_init(&e);
		assert_int_equal(password_unicodepwd(pws[i], out, n - 1, &n, &e), -1);
		assert_int_equal(e.class, ERR_INVALID);
		tl_assert_contains(e.msg, "does not fit");
	}
	/* ASCII reaches the bound exactly */
	assert_int_equal(password_unicodepwd("aaaaaaaa", out, sizeof(out), &n, &e), 0);
	assert_int_equal(n, PASSWORD_UNICODEPWD_MAX(8));
	sodium_memzero(out, sizeof(out));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_password_has_its_length_every_class_and_only_the_alphabet),
		cmocka_unit_test(the_symbols_need_no_quoting_in_shell_json_or_ldif),
		cmocka_unit_test(every_character_turns_up_about_equally_often),
		cmocka_unit_test(two_passwords_differ),
		cmocka_unit_test(no_password_contains_a_part_of_the_names),
		cmocka_unit_test(a_short_account_name_is_avoided_whole),
		cmocka_unit_test(non_ascii_names_never_match_and_do_not_block),
		cmocka_unit_test(a_length_outside_8_to_256_is_refused),
		cmocka_unit_test(a_buffer_without_room_for_the_nul_is_refused),
		cmocka_unit_test(a_refused_generation_writes_nothing),
		cmocka_unit_test(unicodepwd_is_utf16le_of_the_quoted_password),
		cmocka_unit_test(unicodepwd_of_non_ascii_has_surrogate_pairs_beyond_the_bmp),
		cmocka_unit_test(unicodepwd_refuses_invalid_utf8),
		cmocka_unit_test(unicodepwd_needs_room_and_the_max_macro_is_enough),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
