/*
 * Unit tests for util/text.c: UTF-8 validation, the label key headers and
 * config names are matched by, and typo suggestions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* 0 when s (a literal, NULs included) is valid UTF-8, else the offset of the first bad byte plus one. */
#define CHECK(lit) check_bytes((lit), sizeof(lit) - 1)

static size_t
check_bytes(const char *s, size_t n)
{
	size_t bad = (size_t)-1;

	if (text_utf8_check(s, n, &bad) == 0)
		return 0;
	return bad + 1;
}

static void
assert_fold_fl(const char *in, const char *want, const char *file, int line)
{
	char *got = text_fold_label(in);

	if (!got || strcmp(got, want)) {
		print_error("%s:%d: text_fold_label(\"%s\") is \"%s\", expected \"%s\"\n", file, line, in,
			    got ? got : "(null)", want);
		free(got);
		_fail(file, line);
	}
	free(got);
}
#define assert_fold(in, want) assert_fold_fl((in), (want), __FILE__, __LINE__)

static void
assert_same_label_fl(const char *a, const char *b, const char *file, int line)
{
	char *fa = text_fold_label(a), *fb = text_fold_label(b);

	if (!fa || !fb || strcmp(fa, fb)) {
		print_error("%s:%d: \"%s\" folds to \"%s\" but \"%s\" folds to \"%s\"\n", file, line, a,
			    fa ? fa : "(null)", b, fb ? fb : "(null)");
		free(fa);
		free(fb);
		_fail(file, line);
	}
	free(fa);
	free(fb);
}
#define assert_same_label(a, b) assert_same_label_fl((a), (b), __FILE__, __LINE__)

/* --- text_utf8_check --- */

static void
ascii_and_empty_input_are_valid_utf8(void **state)
{
	(void)state;
	assert_int_equal(CHECK(""), 0);
	assert_int_equal(CHECK("Personeelsnummer;Achternaam\r\n"), 0);
	/* NUL is a character; decode.c rejects it separately. */
	assert_int_equal(CHECK("a\0b"), 0);
}

static void
multibyte_sequences_of_every_length_are_valid(void **state)
{
	(void)state;
	assert_int_equal(CHECK("Financi\xC3\xABn"), 0); /* ë, 2 bytes */
	assert_int_equal(CHECK("\xE2\x82\xAC 10"), 0);	/* €, 3 bytes */
	assert_int_equal(CHECK("\xF0\x9F\x98\x80"), 0); /* U+1F600, 4 bytes */
	assert_int_equal(CHECK("\xC2\x80"), 0);		/* U+0080, smallest 2-byte */
	assert_int_equal(CHECK("\xDF\xBF"), 0);		/* U+07FF */
	assert_int_equal(CHECK("\xE0\xA0\x80"), 0);	/* U+0800, smallest 3-byte */
	assert_int_equal(CHECK("\xED\x9F\xBF"), 0);	/* U+D7FF, just below the surrogates */
	assert_int_equal(CHECK("\xEE\x80\x80"), 0);	/* U+E000, just above them */
	assert_int_equal(CHECK("\xEF\xBF\xBF"), 0);	/* U+FFFF */
	assert_int_equal(CHECK("\xF0\x90\x80\x80"), 0); /* U+10000, smallest 4-byte */
	assert_int_equal(CHECK("\xF4\x8F\xBF\xBF"), 0); /* U+10FFFF, the largest */
}

static void
overlong_forms_are_invalid(void **state)
{
	(void)state;
	assert_int_equal(CHECK("\xC0\xAF"), 1); /* '/' in 2 bytes */
	assert_int_equal(CHECK("\xC1\xBF"), 1);
	assert_int_equal(CHECK("ab\xE0\x80\xAF"), 3);	/* '/' in 3 bytes */
	assert_int_equal(CHECK("\xE0\x9F\xBF"), 1);	/* U+07FF in 3 bytes */
	assert_int_equal(CHECK("\xF0\x80\x80\xAF"), 1); /* '/' in 4 bytes */
	assert_int_equal(CHECK("\xF0\x8F\xBF\xBF"), 1); /* U+FFFF in 4 bytes */
}

static void
surrogates_are_invalid(void **state)
{
	(void)state;
	assert_int_equal(CHECK("\xED\xA0\x80"), 1);		/* U+D800 */
	assert_int_equal(CHECK("x\xED\xBF\xBF"), 2);		/* U+DFFF */
	assert_int_equal(CHECK("\xED\xA0\xBD\xED\xB8\x80"), 1); /* a CESU-8 pair */
}

static void
code_points_past_10ffff_are_invalid(void **state)
{
	(void)state;
	assert_int_equal(CHECK("\xF4\x90\x80\x80"), 1); /* U+110000 */
	assert_int_equal(CHECK("\xF5\x80\x80\x80"), 1);
	assert_int_equal(CHECK("\xF7\xBF\xBF\xBF"), 1);
	assert_int_equal(CHECK("\xF8\x88\x80\x80\x80"), 1); /* old 5-byte form */
	assert_int_equal(CHECK("\xFF"), 1);
	assert_int_equal(CHECK("\xFE"), 1);
}

static void
truncated_sequences_are_invalid_at_their_first_byte(void **state)
{
	(void)state;
	assert_int_equal(CHECK("ab\xC3"), 3);
	assert_int_equal(CHECK("ab\xE2\x82"), 3);
	assert_int_equal(CHECK("ab\xF0\x9F\x98"), 3);
	/* Cut short by a following character rather than by the end. */
	assert_int_equal(CHECK("\xC3"
			       "A"),
			 1);
	assert_int_equal(CHECK("\xE2\x82"
			       "A"),
			 1);
	assert_int_equal(CHECK("\xF0\x9F\x98"
			       "A"),
			 1);
}

static void
a_lone_continuation_byte_is_invalid(void **state)
{
	(void)state;
	assert_int_equal(CHECK("\x80"), 1);
	assert_int_equal(CHECK("abc\xBF"), 4);
	assert_int_equal(CHECK("\xC3\xA9\xA9"), 3);
}

static void
the_offset_is_that_of_the_first_bad_byte(void **state)
{
	(void)state;
	/* windows-1252 é after valid UTF-8 text */
	assert_int_equal(CHECK("Caf\xC3\xA9 Caf\xE9 \xFF"), 10);
	assert_int_equal(CHECK("line1\nline2 \xEB"), 13);
}

static void
only_the_first_n_bytes_are_checked(void **state)
{
	size_t bad = 99;

	(void)state;
	assert_int_equal(text_utf8_check("ok\xFF", 2, &bad), 0);
	/* A sequence cut by n is truncated even when the buffer goes on. */
	assert_int_equal(text_utf8_check("ok\xC3\xA9", 3, &bad), -1);
	assert_int_equal(bad, 2);
}

/* --- text_fold_label --- */

static void
fold_makes_blanks_dashes_and_underscores_one_space(void **state)
{
	(void)state;
	assert_same_label(" Datum  in-dienst", "datum in dienst");
	assert_fold(" Datum  in-dienst", "datum in dienst");
	assert_fold("Datum_in_dienst", "datum in dienst");
	assert_fold("datum\tin - dienst", "datum in dienst");
	assert_fold("Datum__in--dienst", "datum in dienst");
}

static void
fold_removes_surrounding_blanks_and_separators(void **state)
{
	(void)state;
	assert_fold("  Achternaam  ", "achternaam");
	assert_fold("-Achternaam_", "achternaam");
	assert_fold("\t\r\nFTE\r\n", "fte");
	assert_fold("", "");
	assert_fold("   ", "");
}

static void
fold_keeps_other_punctuation(void **state)
{
	(void)state;
	assert_fold("department.code", "department.code");
	assert_fold("E-mail (privé)", "e mail (privé)");
}

static void
fold_ignores_case_of_accented_letters(void **state)
{
	(void)state;
	assert_same_label("\xC3\x89"
			  "cole",
			  "\xC3\xA9"
			  "cole"); /* École, école */
	assert_fold("\xC3\x89"
		    "COLE",
		    "\xC3\xA9"
		    "cole");
	assert_same_label("FINANCI\xC3\x8B"
			  "N",
			  "Financi\xC3\xAB"
			  "n");
}

static void
fold_makes_composed_and_decomposed_input_equal(void **state)
{
	(void)state;
	/* é as one code point (NFC) and as e + combining acute (NFD) */
	assert_same_label("E-mail priv\xC3\xA9", "E-mail prive\xCC\x81");
	assert_fold("prive\xCC\x81", "priv\xC3\xA9");
	assert_same_label("Financie\xCC\x88n", "Financi\xC3\xABn");
}

static void
fold_applies_compatibility_mappings(void **state)
{
	(void)state;
	assert_fold("\xEF\xAC\x81"
		    "le",
		    "file");		      /* the ﬁ ligature */
	assert_fold("\xEF\xBC\xA6TE", "fte"); /* a full-width F */
	assert_fold("Stra\xC3\x9F"
		    "e",
		    "strasse");					  /* ß folds to ss */
	assert_fold("Datum\xC2\xA0in dienst", "datum in dienst"); /* a no-break space */
}

static void
fold_of_invalid_utf8_is_null(void **state)
{
	(void)state;
	assert_null(text_fold_label("Caf\xE9"));
	assert_null(text_fold_label("\xC0\xAF"));
}

/* --- text_distance --- */

static void
distance_counts_edits(void **state)
{
	(void)state;
	assert_int_equal(text_distance("kitten", "sitting"), 3);
	assert_int_equal(text_distance("flaw", "lawn"), 2);
	assert_int_equal(text_distance("persons", "persns"), 1);
	assert_int_equal(text_distance("persons", "persons"), 0);
}

static void
distance_to_the_empty_string_is_the_length(void **state)
{
	(void)state;
	assert_int_equal(text_distance("", ""), 0);
	assert_int_equal(text_distance("", "abc"), 3);
	assert_int_equal(text_distance("abcd", ""), 4);
}

static void
distance_ignores_ascii_case(void **state)
{
	(void)state;
	assert_int_equal(text_distance("Achternaam", "achternaam"), 0);
	assert_int_equal(text_distance("FTE", "fte"), 0);
}

static void
distance_is_symmetric(void **state)
{
	static const char *const w[] = { "", "a", "ab", "delimiter", "delimter", "encoding", "encodnig", "x" };

	(void)state;
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		for (size_t j = 0; j < sizeof(w) / sizeof(w[0]); j++)
			assert_int_equal(text_distance(w[i], w[j]), text_distance(w[j], w[i]));
}

static void
distance_counts_bytes_not_characters(void **state)
{
	(void)state;
	/* é is two bytes: one substitution and one insertion away from e */
	assert_int_equal(text_distance("priv\xC3\xA9", "prive"), 2);
}

static void
distance_of_very_long_strings_is_capped(void **state)
{
	char a[300], b[300];

	(void)state;
	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memset(b, 'a', sizeof(b) - 1);
	b[sizeof(b) - 1] = '\0';
	assert_int_equal(text_distance(a, b), 255);
	assert_int_equal(text_distance(a, "a"), 255);
}

/* --- text_suggest --- */

static void
suggest_offers_the_closest_candidate_for_a_typo(void **state)
{
	static const char *const keys[] = { "vault", "timezone", "sources" };

	(void)state;
	assert_string_equal(text_suggest("sourcse", keys, 3), "sources");
	assert_string_equal(text_suggest("timezon", keys, 3), "timezone");
	assert_string_equal(text_suggest("Vault", keys, 3), "vault");
}

static void
suggest_offers_nothing_when_nothing_is_close(void **state)
{
	static const char *const keys[] = { "vault", "timezone", "sources" };

	(void)state;
	assert_null(text_suggest("targets", keys, 3));
	assert_null(text_suggest("xyz", keys, 3));
	assert_null(text_suggest("vault", NULL, 0));
}

static void
suggest_allows_two_edits_for_short_words(void **state)
{
	static const char *const keys[] = { "fte" };

	(void)state;
	assert_string_equal(text_suggest("f", keys, 1), "fte");
	assert_null(text_suggest("", keys, 1));
	assert_null(text_suggest("abc", keys, 1));
}

static void
suggest_allows_a_third_of_a_long_word_in_edits(void **state)
{
	static const char *const keys[] = { "partner_name_prefix" };

	(void)state;
	/* the limit is a third of the word typed: 17 characters allow 5 edits */
	assert_string_equal(text_suggest("partner_nam_prefx", keys, 1), "partner_name_prefix");
	assert_string_equal(text_suggest("partnernameprfx", keys, 1), "partner_name_prefix");
	assert_null(text_suggest("partner", keys, 1));
}

static void
suggest_prefers_the_first_of_equally_close_candidates(void **state)
{
	static const char *const keys[] = { "bat", "cat", "hat" };

	(void)state;
	assert_string_equal(text_suggest("rat", keys, 3), "bat");
}

static void
suggest_returns_an_exact_match(void **state)
{
	static const char *const keys[] = { "persons", "contracts" };

	(void)state;
	assert_ptr_equal(text_suggest("contracts", keys, 2), keys[1]);
}

/* --- text_trim_dup --- */

static void
trim_dup_removes_surrounding_blanks_within_n(void **state)
{
	char *s;

	(void)state;
	s = text_trim_dup("  Jan de Vries \t\r\nrest", 16);
	assert_string_equal(s, "Jan de Vries");
	free(s);
	s = text_trim_dup("   ", 3);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii_and_empty_input_are_valid_utf8),
		cmocka_unit_test(multibyte_sequences_of_every_length_are_valid),
		cmocka_unit_test(overlong_forms_are_invalid),
		cmocka_unit_test(surrogates_are_invalid),
		cmocka_unit_test(code_points_past_10ffff_are_invalid),
		cmocka_unit_test(truncated_sequences_are_invalid_at_their_first_byte),
		cmocka_unit_test(a_lone_continuation_byte_is_invalid),
		cmocka_unit_test(the_offset_is_that_of_the_first_bad_byte),
		cmocka_unit_test(only_the_first_n_bytes_are_checked),
		cmocka_unit_test(fold_makes_blanks_dashes_and_underscores_one_space),
		cmocka_unit_test(fold_removes_surrounding_blanks_and_separators),
		cmocka_unit_test(fold_keeps_other_punctuation),
		cmocka_unit_test(fold_ignores_case_of_accented_letters),
		cmocka_unit_test(fold_makes_composed_and_decomposed_input_equal),
		cmocka_unit_test(fold_applies_compatibility_mappings),
		cmocka_unit_test(fold_of_invalid_utf8_is_null),
		cmocka_unit_test(distance_counts_edits),
		cmocka_unit_test(distance_to_the_empty_string_is_the_length),
		cmocka_unit_test(distance_ignores_ascii_case),
		cmocka_unit_test(distance_is_symmetric),
		cmocka_unit_test(distance_counts_bytes_not_characters),
		cmocka_unit_test(distance_of_very_long_strings_is_capped),
		cmocka_unit_test(suggest_offers_the_closest_candidate_for_a_typo),
		cmocka_unit_test(suggest_offers_nothing_when_nothing_is_close),
		cmocka_unit_test(suggest_allows_two_edits_for_short_words),
		cmocka_unit_test(suggest_allows_a_third_of_a_long_word_in_edits),
		cmocka_unit_test(suggest_prefers_the_first_of_equally_close_candidates),
		cmocka_unit_test(suggest_returns_an_exact_match),
		cmocka_unit_test(trim_dup_removes_surrounding_blanks_within_n),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
