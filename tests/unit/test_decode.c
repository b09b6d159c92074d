/*
 * Unit tests for source/decode.c: every HR file becomes checked UTF-8
 * without NUL bytes, whatever encoding it came in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "source/source.h"

#include "testlib.h"

struct decoded {
	char *out;
	size_t len;
	struct err e;
};

/* Decodes the literal's bytes (NULs included). */
#define DECODE(d, lit, enc) decode((d), (lit), sizeof(lit) - 1, (enc))

static char *
decode(struct decoded *d, const char *data, size_t len, enum source_encoding enc)
{
	memset(d, 0, sizeof(*d));
	err_init(&d->e);
	d->len = 12345;
	d->out = source_decode("hr/persons.csv", data, len, enc, &d->len, &d->e);
	return d->out;
}

static void
assert_decoded_fl(struct decoded *d, const char *want, const char *file, int line)
{
	if (!d->out) {
		print_error("%s:%d: decoding failed: %s\n", file, line, d->e.msg);
		_fail(file, line);
	}
	if (strcmp(d->out, want) || d->len != strlen(want)) {
		print_error("%s:%d: decoded to \"%s\" (%zu bytes), expected \"%s\" (%zu bytes)\n", file, line, d->out,
			    d->len, want, strlen(want));
		_fail(file, line);
	}
}
#define assert_decoded(d, want) assert_decoded_fl((d), (want), __FILE__, __LINE__)

static void
utf8_without_a_bom_comes_through_unchanged(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d, "Roepnaam;Achternaam\r\nJos\xC3\xA9;Financi\xC3\xABn\r\n", ENC_UTF8);
	assert_decoded(&d, "Roepnaam;Achternaam\r\nJos\xC3\xA9;Financi\xC3\xABn\r\n");
	free(d.out);
}

static void
utf8_bom_is_dropped(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d, "\xEF\xBB\xBFRoepnaam\nJos\xC3\xA9\n", ENC_UTF8);
	assert_decoded(&d, "Roepnaam\nJos\xC3\xA9\n");
	free(d.out);
}

static void
utf8_bom_wins_over_a_configured_windows_1252(void **state)
{
	struct decoded d;

	(void)state;
	/* Converting these bytes as windows-1252 would give "JosÃ©". */
	DECODE(&d, "\xEF\xBB\xBFJos\xC3\xA9", ENC_WINDOWS_1252);
	assert_decoded(&d, "Jos\xC3\xA9");
	free(d.out);
}

static void
an_empty_file_decodes_to_an_empty_string(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d, "", ENC_UTF8);
	assert_decoded(&d, "");
	free(d.out);
	DECODE(&d, "\xEF\xBB\xBF", ENC_UTF8);
	assert_decoded(&d, "");
	free(d.out);
	DECODE(&d, "", ENC_WINDOWS_1252);
	assert_decoded(&d, "");
	free(d.out);
}

static void
windows_1252_letters_and_the_euro_sign_become_utf8(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d, "Caf\xE9;Financi\xEBn;\x80 10;\x93quoted\x94", ENC_WINDOWS_1252);
	assert_decoded(&d, "Caf\xC3\xA9;Financi\xC3\xABn;\xE2\x82\xAC 10;\xE2\x80\x9Cquoted\xE2\x80\x9D");
	free(d.out);
}

static void
windows_1252_ascii_stays_as_it_is(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d, "a;b\r\n1;2\r\n", ENC_WINDOWS_1252);
	assert_decoded(&d, "a;b\r\n1;2\r\n");
	free(d.out);
}

static void
windows_1252_byte_without_a_character_is_an_error_with_its_place(void **state)
{
	struct decoded d;

	(void)state;
	/* 0x81 has no character in windows-1252. */
	assert_null(DECODE(&d, "a;b\nc;d\x81", ENC_WINDOWS_1252));
	assert_int_equal(d.e.class, ERR_INVALID);
	tl_assert_contains(d.e.msg, "hr/persons.csv:2:4: byte 0x81 is not a character in WINDOWS-1252");
	tl_assert_contains(d.e.msg, "encoding");
}

static void
iso_8859_1_bytes_become_utf8(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d, "Caf\xE9;Financi\xEBn;\xDF", ENC_ISO_8859_1);
	assert_decoded(&d, "Caf\xC3\xA9;Financi\xC3\xABn;\xC3\x9F");
	free(d.out);
	/* 0x80 is a control character in latin-1, not the euro sign */
	DECODE(&d, "\x80", ENC_ISO_8859_1);
	assert_decoded(&d, "\xC2\x80");
	free(d.out);
}

static void
utf16le_with_a_bom_becomes_utf8(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d,
	       "\xFF\xFE"
	       "a\0;\0\xE9\0\r\0\n\0\xAC\x20",
	       ENC_UTF8);
	assert_decoded(&d, "a;\xC3\xA9\r\n\xE2\x82\xAC");
	free(d.out);
}

static void
utf16le_bom_wins_over_a_configured_windows_1252(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d,
	       "\xFF\xFE"
	       "J\0o\0s\0\xE9\0",
	       ENC_WINDOWS_1252);
	assert_decoded(&d, "Jos\xC3\xA9");
	free(d.out);
}

static void
utf16be_with_a_bom_becomes_utf8(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d,
	       "\xFE\xFF"
	       "\0a\0\xEB",
	       ENC_UTF8);
	assert_decoded(&d, "a\xC3\xAB");
	free(d.out);
}

static void
utf16_surrogate_pairs_become_four_byte_utf8(void **state)
{
	struct decoded d;

	(void)state;
	DECODE(&d,
	       "\xFF\xFE"
	       "\x3D\xD8\x00\xDE",
	       ENC_UTF8); /* U+1F600 */
	assert_decoded(&d, "\xF0\x9F\x98\x80");
	free(d.out);
}

static void
utf16_cut_in_the_middle_of_a_character_is_an_error(void **state)
{
	struct decoded d;

	(void)state;
	assert_null(DECODE(&d,
			   "\xFF\xFE"
			   "a\0b",
			   ENC_UTF8));
	assert_int_equal(d.e.class, ERR_INVALID);
	tl_assert_contains(d.e.msg, "hr/persons.csv");
	tl_assert_contains(d.e.msg, "not valid UTF-16");
}

static void
utf16_with_a_nul_character_is_an_error(void **state)
{
	struct decoded d;

	(void)state;
	assert_null(DECODE(&d,
			   "\xFF\xFE"
			   "a\0\0\0b\0",
			   ENC_UTF8));
	assert_int_equal(d.e.class, ERR_INVALID);
	tl_assert_contains(d.e.msg, "hr/persons.csv: the file contains a NUL character");
}

static void
invalid_utf8_names_file_line_and_column_and_suggests_windows_1252(void **state)
{
	struct decoded d;

	(void)state;
	assert_null(DECODE(&d, "Roepnaam;Achternaam\nJan;Bakker\nJos\xE9;Financi\xEBn\n", ENC_UTF8));
	assert_int_equal(d.e.class, ERR_INVALID);
	tl_assert_contains(d.e.msg, "hr/persons.csv:3:4: byte 0xE9 is not valid UTF-8");
	tl_assert_contains(d.e.msg, "encoding: windows-1252");
}

static void
invalid_utf8_in_the_first_column_of_the_first_line_is_1_1(void **state)
{
	struct decoded d;

	(void)state;
	assert_null(DECODE(&d, "\xFFRoepnaam\n", ENC_UTF8));
	tl_assert_contains(d.e.msg, "hr/persons.csv:1:1: byte 0xFF");
}

static void
columns_after_a_bom_do_not_count_the_bom(void **state)
{
	struct decoded d;

	(void)state;
	assert_null(DECODE(&d,
			   "\xEF\xBB\xBF"
			   "ab\xE9",
			   ENC_UTF8));
	tl_assert_contains(d.e.msg, "hr/persons.csv:1:3: byte 0xE9");
}

static void
a_nul_byte_is_an_error_with_its_place(void **state)
{
	struct decoded d;

	(void)state;
	assert_null(DECODE(&d, "a;b\nc;\0d\n", ENC_UTF8));
	assert_int_equal(d.e.class, ERR_INVALID);
	tl_assert_contains(d.e.msg, "hr/persons.csv:2:3: the file contains a NUL byte (expected a text file)");
}

static void
a_nul_byte_is_an_error_in_windows_1252_too(void **state)
{
	struct decoded d;

	(void)state;
	assert_null(DECODE(&d, "\xE9\0", ENC_WINDOWS_1252));
	tl_assert_contains(d.e.msg, "hr/persons.csv:1:2: the file contains a NUL byte");
	assert_null(DECODE(&d, "x\n\0", ENC_ISO_8859_1));
	tl_assert_contains(d.e.msg, "hr/persons.csv:2:1: the file contains a NUL byte");
}

static void
the_result_is_nul_terminated_and_owned_by_the_caller(void **state)
{
	struct decoded d;
	char raw[4] = { 'a', 'b', 'c', 'd' };

	(void)state;
	/* The input is not NUL-terminated; the output is. */
	assert_non_null(decode(&d, raw, 3, ENC_UTF8));
	assert_int_equal(d.len, 3);
	assert_int_equal(d.out[3], '\0');
	assert_string_equal(d.out, "abc");
	free(d.out);
	assert_non_null(decode(&d, raw, 3, ENC_WINDOWS_1252));
	assert_string_equal(d.out, "abc");
	free(d.out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_without_a_bom_comes_through_unchanged),
		cmocka_unit_test(utf8_bom_is_dropped),
		cmocka_unit_test(utf8_bom_wins_over_a_configured_windows_1252),
		cmocka_unit_test(an_empty_file_decodes_to_an_empty_string),
		cmocka_unit_test(windows_1252_letters_and_the_euro_sign_become_utf8),
		cmocka_unit_test(windows_1252_ascii_stays_as_it_is),
		cmocka_unit_test(windows_1252_byte_without_a_character_is_an_error_with_its_place),
		cmocka_unit_test(iso_8859_1_bytes_become_utf8),
		cmocka_unit_test(utf16le_with_a_bom_becomes_utf8),
		cmocka_unit_test(utf16le_bom_wins_over_a_configured_windows_1252),
		cmocka_unit_test(utf16be_with_a_bom_becomes_utf8),
		cmocka_unit_test(utf16_surrogate_pairs_become_four_byte_utf8),
		cmocka_unit_test(utf16_cut_in_the_middle_of_a_character_is_an_error),
		cmocka_unit_test(utf16_with_a_nul_character_is_an_error),
		cmocka_unit_test(invalid_utf8_names_file_line_and_column_and_suggests_windows_1252),
		cmocka_unit_test(invalid_utf8_in_the_first_column_of_the_first_line_is_1_1),
		cmocka_unit_test(columns_after_a_bom_do_not_count_the_bom),
		cmocka_unit_test(a_nul_byte_is_an_error_with_its_place),
		cmocka_unit_test(a_nul_byte_is_an_error_in_windows_1252_too),
		cmocka_unit_test(the_result_is_nul_terminated_and_owned_by_the_caller),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
