/*
 * Unit tests for rules/naming.c: the birth, partner, full and display names
 * of the Dutch naming conventions, with the examples exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "rules/naming.h"

/* The parts of a person's name, in naming_build_parts's order. */
struct parts {
	const char *given, *prefix, *family, *pprefix, *partner, *convention;
};

/* Jan de Vries, married to someone van Dijk: the example. */
static struct parts
jan(const char *convention)
{
	struct parts n = { "Jan", "de", "Vries", "van", "Dijk", convention };

	return n;
}

/* Jan de Vries without a partner name. */
static struct parts
jan_single(const char *convention)
{
	struct parts n = { "Jan", "de", "Vries", "", "", convention };

	return n;
}

static void
assert_name_fl(struct parts n, enum name_kind k, const char *want, const char *file, int line)
{
	struct buf out = BUF_INIT;

	naming_build_parts(n.given, n.prefix, n.family, n.pprefix, n.partner, n.convention, k, &out);
	if (strcmp(buf_str(&out), want)) {
		print_error("%s:%d: name %d of \"%s\" \"%s\" \"%s\" \"%s\" \"%s\" (%s) is \"%s\", expected \"%s\"\n",
			    file, line, (int)k, n.given, n.prefix, n.family, n.pprefix, n.partner, n.convention,
			    buf_str(&out), want);
		buf_release(&out);
		_fail(file, line);
	}
	buf_release(&out);
}
#define assert_name(n, k, want) assert_name_fl((n), (k), (want), __FILE__, __LINE__)

/* --- family_name_birth --- */

static void
birth_name_is_prefix_space_family_name(void **state)
{
	(void)state;
	assert_name(jan("B"), NAME_BIRTH, "de Vries");
}

static void
birth_name_without_prefix_is_the_family_name_alone(void **state)
{
	struct parts n = { "Anna", "", "Jansen", "", "", "B" };

	(void)state;
	assert_name(n, NAME_BIRTH, "Jansen");
}

static void
birth_name_keeps_a_prefix_with_an_apostrophe_and_one_of_two_words(void **state)
{
	struct parts hart = { "Lieke", "'t", "Hart", "", "", "B" };
	struct parts meer = { "Sanne", "van der", "Meer", "", "", "B" };

	(void)state;
	assert_name(hart, NAME_BIRTH, "'t Hart");
	assert_name(meer, NAME_BIRTH, "van der Meer");
}

static void
birth_name_is_the_same_whatever_the_convention(void **state)
{
	(void)state;
	assert_name(jan("P"), NAME_BIRTH, "de Vries");
	assert_name(jan("PB"), NAME_BIRTH, "de Vries");
}

static void
birth_name_without_a_family_name_is_empty_even_with_a_prefix(void **state)
{
	struct parts n = { "Jan", "de", "", "", "", "B" };

	(void)state;
	assert_name(n, NAME_BIRTH, "");
}

/* --- family_name_partner --- */

static void
partner_name_is_partner_prefix_space_partner_name(void **state)
{
	(void)state;
	assert_name(jan("B"), NAME_PARTNER, "van Dijk");
}

static void
partner_name_without_prefix_is_the_partner_name_alone(void **state)
{
	struct parts n = { "Jan", "de", "Vries", "", "Dijk", "BP" };

	(void)state;
	assert_name(n, NAME_PARTNER, "Dijk");
}

static void
partner_name_is_empty_without_a_partner_name(void **state)
{
	struct parts n = { "Jan", "de", "Vries", "van", "", "BP" };

	(void)state;
	assert_name(jan_single("B"), NAME_PARTNER, "");
	assert_name(n, NAME_PARTNER, "");
}

/* --- family_name_full --- */

static void
full_name_by_convention_b_is_the_birth_name(void **state)
{
	(void)state;
	assert_name(jan("B"), NAME_FULL, "de Vries");
}

static void
full_name_by_convention_p_is_the_partner_name(void **state)
{
	(void)state;
	assert_name(jan("P"), NAME_FULL, "van Dijk");
}

static void
full_name_by_convention_bp_is_birth_hyphen_partner(void **state)
{
	(void)state;
	assert_name(jan("BP"), NAME_FULL, "de Vries-van Dijk");
}

static void
full_name_by_convention_pb_is_partner_hyphen_birth(void **state)
{
	(void)state;
	assert_name(jan("PB"), NAME_FULL, "van Dijk-de Vries");
}

static void
full_name_with_an_empty_convention_is_the_birth_name(void **state)
{
	(void)state;
	assert_name(jan(""), NAME_FULL, "de Vries");
}

static void
full_name_with_an_unknown_convention_is_the_birth_name(void **state)
{
	(void)state;
	assert_name(jan("X"), NAME_FULL, "de Vries");
	assert_name(jan("BPB"), NAME_FULL, "de Vries");
	assert_name(jan(" P"), NAME_FULL, "de Vries");
}

static void
full_name_with_p_bp_or_pb_but_no_partner_name_is_the_birth_name(void **state)
{
	(void)state;
	assert_name(jan_single("P"), NAME_FULL, "de Vries");
	assert_name(jan_single("BP"), NAME_FULL, "de Vries");
	assert_name(jan_single("PB"), NAME_FULL, "de Vries");
}

static void
full_name_with_a_partner_prefix_but_no_partner_name_is_the_birth_name(void **state)
{
	struct parts n = { "Jan", "de", "Vries", "van", "", "BP" };

	(void)state;
	assert_name(n, NAME_FULL, "de Vries");
}

static void
full_name_without_any_prefix_joins_the_bare_names(void **state)
{
	struct parts n = { "Noor", "", "Vermeulen", "", "Hart", "BP" };

	(void)state;
	assert_name(n, NAME_FULL, "Vermeulen-Hart");
	n.convention = "PB";
	assert_name(n, NAME_FULL, "Hart-Vermeulen");
}

static void
full_name_reads_the_convention_in_any_case(void **state)
{
	(void)state;
	assert_name(jan("bp"), NAME_FULL, "de Vries-van Dijk");
	assert_name(jan("p"), NAME_FULL, "van Dijk");
}

static void
full_name_without_a_birth_name_has_no_hyphen(void **state)
{
	struct parts n = { "Jan", "", "", "van", "Dijk", "BP" };

	(void)state;
	assert_name(n, NAME_FULL, "van Dijk");
	n.convention = "PB";
	assert_name(n, NAME_FULL, "van Dijk");
}

static void
full_name_of_t_hart_with_a_partner(void **state)
{
	struct parts marieke = { "Marieke", "'t", "Hart", "van der", "Meer", "BP" };
	struct parts noor = { "Noor", "", "Vermeulen", "'t", "Hart", "PB" };

	(void)state;
	assert_name(marieke, NAME_FULL, "'t Hart-van der Meer");
	assert_name(noor, NAME_FULL, "'t Hart-Vermeulen");
}

/* --- display_name --- */

static void
display_name_is_given_name_space_full_name(void **state)
{
	(void)state;
	assert_name(jan("BP"), NAME_DISPLAY, "Jan de Vries-van Dijk");
	assert_name(jan("B"), NAME_DISPLAY, "Jan de Vries");
	assert_name(jan("P"), NAME_DISPLAY, "Jan van Dijk");
	assert_name(jan("PB"), NAME_DISPLAY, "Jan van Dijk-de Vries");
	assert_name(jan_single("BP"), NAME_DISPLAY, "Jan de Vries");
}

static void
display_name_of_t_hart(void **state)
{
	struct parts n = { "Lieke", "'t", "Hart", "", "", "B" };

	(void)state;
	assert_name(n, NAME_DISPLAY, "Lieke 't Hart");
}

static void
display_name_without_a_given_name_has_no_leading_space(void **state)
{
	struct parts n = jan("BP");

	(void)state;
	n.given = "";
	assert_name(n, NAME_DISPLAY, "de Vries-van Dijk");
}

static void
display_name_without_a_family_name_has_no_trailing_space(void **state)
{
	struct parts n = { "Jan", "", "", "", "", "B" };
	struct parts none = { "", "", "", "", "", "" };

	(void)state;
	assert_name(n, NAME_DISPLAY, "Jan");
	assert_name(none, NAME_DISPLAY, "");
}

/* --- naming_build, naming_kind --- */

static void
naming_build_reads_the_fields_of_a_person_and_appends(void **state)
{
	struct person p;
	struct buf out = BUF_INIT;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (int i = 0; i < P_NFIELDS; i++)
		p.f[i] = "";
	p.f[P_GIVEN_NAME] = "Jan";
	p.f[P_FAMILY_NAME_PREFIX] = "de";
	p.f[P_FAMILY_NAME] = "Vries";
	p.f[P_PARTNER_NAME_PREFIX] = "van";
	p.f[P_PARTNER_NAME] = "Dijk";
	p.f[P_NAME_CONVENTION] = "BP";
	buf_adds(&out, "cn=");
	naming_build(&p, NAME_DISPLAY, &out);
	assert_string_equal(buf_str(&out), "cn=Jan de Vries-van Dijk");
	buf_reset(&out);
	naming_build(&p, NAME_BIRTH, &out);
	assert_string_equal(buf_str(&out), "de Vries");
	buf_reset(&out);
	naming_build(&p, NAME_PARTNER, &out);
	assert_string_equal(buf_str(&out), "van Dijk");
	buf_reset(&out);
	naming_build(&p, NAME_FULL, &out);
	assert_string_equal(buf_str(&out), "de Vries-van Dijk");
	buf_release(&out);
}

static void
naming_kind_maps_the_four_names(void **state)
{
	(void)state;
	assert_int_equal(naming_kind("family_name_birth"), NAME_BIRTH);
	assert_int_equal(naming_kind("family_name_partner"), NAME_PARTNER);
	assert_int_equal(naming_kind("family_name_full"), NAME_FULL);
	assert_int_equal(naming_kind("display_name"), NAME_DISPLAY);
}

static void
naming_kind_of_anything_else_is_minus_one(void **state)
{
	(void)state;
	assert_int_equal(naming_kind("family_name"), -1);
	assert_int_equal(naming_kind("Display_Name"), -1);
	assert_int_equal(naming_kind("display_name "), -1);
	assert_int_equal(naming_kind(""), -1);
	assert_int_equal(naming_kind(NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(birth_name_is_prefix_space_family_name),
		cmocka_unit_test(birth_name_without_prefix_is_the_family_name_alone),
		cmocka_unit_test(birth_name_keeps_a_prefix_with_an_apostrophe_and_one_of_two_words),
		cmocka_unit_test(birth_name_is_the_same_whatever_the_convention),
		cmocka_unit_test(birth_name_without_a_family_name_is_empty_even_with_a_prefix),
		cmocka_unit_test(partner_name_is_partner_prefix_space_partner_name),
		cmocka_unit_test(partner_name_without_prefix_is_the_partner_name_alone),
		cmocka_unit_test(partner_name_is_empty_without_a_partner_name),
		cmocka_unit_test(full_name_by_convention_b_is_the_birth_name),
		cmocka_unit_test(full_name_by_convention_p_is_the_partner_name),
		cmocka_unit_test(full_name_by_convention_bp_is_birth_hyphen_partner),
		cmocka_unit_test(full_name_by_convention_pb_is_partner_hyphen_birth),
		cmocka_unit_test(full_name_with_an_empty_convention_is_the_birth_name),
		cmocka_unit_test(full_name_with_an_unknown_convention_is_the_birth_name),
		cmocka_unit_test(full_name_with_p_bp_or_pb_but_no_partner_name_is_the_birth_name),
		cmocka_unit_test(full_name_with_a_partner_prefix_but_no_partner_name_is_the_birth_name),
		cmocka_unit_test(full_name_without_any_prefix_joins_the_bare_names),
		cmocka_unit_test(full_name_reads_the_convention_in_any_case),
		cmocka_unit_test(full_name_without_a_birth_name_has_no_hyphen),
		cmocka_unit_test(full_name_of_t_hart_with_a_partner),
		cmocka_unit_test(display_name_is_given_name_space_full_name),
		cmocka_unit_test(display_name_of_t_hart),
		cmocka_unit_test(display_name_without_a_given_name_has_no_leading_space),
		cmocka_unit_test(display_name_without_a_family_name_has_no_trailing_space),
		cmocka_unit_test(naming_build_reads_the_fields_of_a_person_and_appends),
		cmocka_unit_test(naming_kind_maps_the_four_names),
		cmocka_unit_test(naming_kind_of_anything_else_is_minus_one),
	};

	return cmocka_run_group_tests_name("naming", tests, NULL, NULL);
}
