/*
 * Unit tests for rules/template.c: every filter (on non-ASCII text too),
 * chains, literal braces, empty fields, every compile error with its
 * offset, the render size limit and the paths a template reads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/template.h"
#include "util/text.h"

/* --- fixtures --- */

/* A record: the value of each field by name, up to a NULL name. */
struct kv {
	const char *name, *value;
};
#define REC(...) ((const struct kv[]){ __VA_ARGS__, { NULL, NULL } })

static const struct kv jan[] = {
	{ "given_name", "Jan" },
	{ "family_name", "Vries" },
	{ "family_name_full", "de Vries-van Dijk" },
	{ "display_name", "Jan de Vries-van Dijk" },
	{ "partner_name", "" },
	{ NULL, NULL },
};

/* The fields the templates below may use. */
static const char *const fields[] = {
	"given_name",
	"family_name",
	"family_name_full",
	"family_name_birth",
	"display_name",
	"partner_name",
	"n",
	"contract.department.code",
	"v",
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *
get_field(void *ctx, const char *path)
{
	const struct kv *kv = ctx;

	for (; kv->name; kv++)
		if (!strcmp(kv->name, path))
			return kv->value;
	return "";
}

static int
known_field(void *ctx, const char *path, char *near, size_t nearlen)
{
	const char *s;

	(void)ctx;
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(path, fields[i]))
			return 1;
	s = text_suggest(path, fields, NFIELDS);
	snprintf(near, nearlen, "%s", s ? s : "");
	return 0;
}

static struct template *
compile_ok_fl(const char *text, const char *file, int line)
{
	struct expr_error err = { 0 };
	struct template *t = template_compile(text, known_field, NULL, &err);

	if (!t) {
		print_error("%s:%d: template_compile(\"%s\") failed at %zu: %s\n", file, line, text, err.offset,
			    err.msg);
		_fail(file, line);
	}
	return t;
}
#define compile_ok(text) compile_ok_fl((text), __FILE__, __LINE__)

static void
assert_render_fl(const char *text, const struct kv *rec, const char *want, const char *file, int line)
{
	struct template *t = compile_ok_fl(text, file, line);
	struct buf out = BUF_INIT;
	int r = template_render(t, get_field, (void *)rec, &out);

	if (r != 0 || strcmp(buf_str(&out), want)) {
		print_error("%s:%d: \"%s\" renders as \"%s\" (%d), expected \"%s\"\n", file, line, text, buf_str(&out),
			    r, want);
		buf_release(&out);
		template_free(t);
		_fail(file, line);
	}
	buf_release(&out);
	template_free(t);
}
#define assert_render(text, rec, want) assert_render_fl((text), (rec), (want), __FILE__, __LINE__)

static void
assert_compile_error_fl(const char *text, size_t offset, const char *msg, const char *file, int line)
{
	struct expr_error err = { 0 };
	struct template *t = template_compile(text, known_field, NULL, &err);

	if (t) {
		print_error("%s:%d: template_compile(\"%s\") succeeded, expected \"%s\" at %zu\n", file, line, text,
			    msg, offset);
		template_free(t);
		_fail(file, line);
	}
	if (err.offset != offset || strcmp(err.msg, msg)) {
		print_error("%s:%d: template_compile(\"%s\") says \"%s\" at %zu, expected \"%s\" at %zu\n", file, line,
			    text, err.msg, err.offset, msg, offset);
		_fail(file, line);
	}
}
#define assert_compile_error(text, offset, msg) assert_compile_error_fl((text), (offset), (msg), __FILE__, __LINE__)

static void
assert_filter_fl(const char *name, const char *a1, const char *a2, const char *in, const char *want, const char *file,
		 int line)
{
	struct buf out = BUF_INIT;
	int r = template_filter_apply(name, a1, a2, in, &out);

	if (r != 0 || strcmp(buf_str(&out), want)) {
		print_error("%s:%d: %s of \"%s\" is \"%s\" (%d), expected \"%s\"\n", file, line, name, in,
			    buf_str(&out), r, want);
		buf_release(&out);
		_fail(file, line);
	}
	buf_release(&out);
}
#define assert_filter(name, in, want) assert_filter_fl((name), NULL, NULL, (in), (want), __FILE__, __LINE__)
#define assert_filter1(name, a1, in, want) assert_filter_fl((name), (a1), NULL, (in), (want), __FILE__, __LINE__)
#define assert_filter2(name, a1, a2, in, want) assert_filter_fl((name), (a1), (a2), (in), (want), __FILE__, __LINE__)

/* --- filters --- */

static void
lower_maps_every_code_point_to_lower_case(void **state)
{
	(void)state;
	assert_filter("lower", "Jan DE Vries", "jan de vries");
	assert_filter("lower", "ZOË ÇELIK-ŁUKASIK", "zoë çelik-łukasik");
	assert_filter("lower", "ÆSØ ŒUVRE ΣΟΦΊΑ", "æsø œuvre σοφία");
	assert_filter("lower", "", "");
}

static void
upper_maps_every_code_point_to_upper_case(void **state)
{
	(void)state;
	assert_filter("upper", "jan de vries", "JAN DE VRIES");
	assert_filter("upper", "zoë çelik-łukasik", "ZOË ÇELIK-ŁUKASIK");
	assert_filter("upper", "ıi", "II");
}

static void
upper_maps_one_code_point_to_one_so_sharp_s_becomes_capital_sharp_s(void **state)
{
	(void)state;
	/* Per code point (utf8proc_toupper): U+1E9E, not "SS", which is two. */
	assert_filter("upper", "straße",
		      "STRA\xE1\xBA\x9E"
		      "E");
	assert_filter("lower",
		      "STRA\xE1\xBA\x9E"
		      "E",
		      "straße");
}

static void
ascii_turns_the_issue_example_into_plain_letters(void **state)
{
	(void)state;
	assert_filter("ascii", "Zoë Çelik-Łukasik", "Zoe Celik-Lukasik");
}

static void
ascii_drops_combining_marks_of_decomposed_text(void **state)
{
	(void)state;
	assert_filter("ascii",
		      "Zoe\xCC\x88 C\xCC\xA7"
		      "elik",
		      "Zoe Celik");
	assert_filter("ascii", "Ångström Dvořák Øre", "Angstrom Dvorak Ore");
}

static void
ascii_spells_every_listed_letter_in_ascii(void **state)
{
	(void)state;
	assert_filter("ascii", "ß", "ss");
	assert_filter("ascii", "æ", "ae");
	assert_filter("ascii", "Æ", "AE");
	assert_filter("ascii", "ø", "o");
	assert_filter("ascii", "Ø", "O");
	assert_filter("ascii", "œ", "oe");
	assert_filter("ascii", "Œ", "OE");
	assert_filter("ascii", "ł", "l");
	assert_filter("ascii", "Ł", "L");
	assert_filter("ascii", "đ", "d");
	assert_filter("ascii", "Đ", "D");
	assert_filter("ascii", "ð", "d");
	assert_filter("ascii", "Ð", "D");
	assert_filter("ascii", "þ", "th");
	assert_filter("ascii", "Þ", "TH");
	assert_filter("ascii", "ı", "i");
	assert_filter("ascii", "Straße Ærø Œuvre Łódź Đorđe Þórður Iğdır",
		      "Strasse AEro OEuvre Lodz Dorde THordur Igdir");
}

static void
ascii_applies_compatibility_decompositions(void **state)
{
	(void)state;
	assert_filter("ascii", "ﬁne", "fine");	 /* U+FB01 ligature */
	assert_filter("ascii", "x²", "x2");	 /* superscript two */
	assert_filter("ascii", "Ｊａｎ", "Jan"); /* full-width letters */
	assert_filter("ascii",
		      "Jan\xC2\xA0"
		      "de",
		      "Jan de"); /* no-break space */
}

static void
ascii_drops_every_other_non_ascii_character(void **state)
{
	(void)state;
	assert_filter("ascii", "€ 10", " 10");
	assert_filter("ascii", "日本 Ωmega", " mega");
	assert_filter("ascii", "\xF0\x9F\x98\x80!", "!");
}

static void
ascii_drops_bytes_that_are_not_utf8(void **state)
{
	(void)state;
	assert_filter("ascii",
		      "a\xFF"
		      "b\xC3",
		      "ab");
}

static void
ascii_then_alnum_then_lower_makes_t_hart_thart(void **state)
{
	(void)state;
	assert_render("{family_name_birth|ascii|alnum|lower}", REC({ "family_name_birth", "'t Hart" }), "thart");
	/* alnum keeps the case: lower makes it "thart". */
	assert_render("{family_name_birth|ascii|alnum}", REC({ "family_name_birth", "'t Hart" }), "tHart");
}

static void
alnum_keeps_letters_and_digits_of_every_script(void **state)
{
	(void)state;
	assert_filter("alnum", "'t Hart", "tHart");
	assert_filter("alnum", "Zoë Çelik-Łukasik", "ZoëÇelikŁukasik");
	assert_filter("alnum", "O'Brien-Smith, Jr. (2)", "OBrienSmithJr2");
	assert_filter("alnum", "Σοφία ٣ Ⅻ ½", "Σοφία٣Ⅻ½"); /* Nd, Nl and No are digits too */
	assert_filter("alnum", "€ & !", "");
}

static void
alnum_keeps_a_combining_mark_with_its_letter(void **state)
{
	(void)state;
	assert_filter("alnum", "Zoe\xCC\x88!", "Zoe\xCC\x88");
	/* A mark after something dropped goes with it. */
	assert_filter("alnum", "-\xCC\x88x", "x");
}

static void
nospace_removes_all_white_space(void **state)
{
	(void)state;
	assert_filter("nospace", " Jan de\tVries\n", "JandeVries");
	assert_filter("nospace",
		      "van\xC2\xA0"
		      "der\xE2\x80\x83Meer",
		      "vanderMeer"); /* U+00A0, U+2003 */
	assert_filter("nospace", "Zoë Çelik", "ZoëÇelik");
}

static void
trim_removes_surrounding_white_space_and_collapses_inner_runs(void **state)
{
	(void)state;
	assert_filter("trim", "  Jan   de \t Vries  ", "Jan de Vries");
	assert_filter("trim", "\xC2\xA0Zoë\xC2\xA0\xC2\xA0Çelik\n", "Zoë Çelik");
	assert_filter("trim", " \t ", "");
	assert_filter("trim", "Jan", "Jan");
}

static void
first_takes_code_points_not_bytes(void **state)
{
	(void)state;
	assert_filter1("first", "1", "Łukasik", "Ł");
	assert_filter1("first", "3", "Zoë Çelik", "Zoë");
	assert_filter1("first", "2", "\xF0\x9F\x98\x80\xF0\x9F\x98\x81x", "\xF0\x9F\x98\x80\xF0\x9F\x98\x81");
	assert_filter1("first", "10", "Jan", "Jan");
	assert_filter1("first", "0", "Jan", "");
}

static void
first_counts_a_combining_mark_as_a_code_point(void **state)
{
	(void)state;
	assert_filter1("first", "1", "e\xCC\x81mile", "e");
	assert_filter1("first", "2", "e\xCC\x81mile", "e\xCC\x81");
}

static void
initials_takes_the_first_letter_of_every_word(void **state)
{
	(void)state;
	assert_filter("initials", "Jan-Willem de Vries", "JWdV");
	assert_filter("initials", "  Anna   Maria ", "AM");
	assert_filter("initials", "Émile Zoë Łukasik", "ÉZŁ");
}

static void
initials_skips_punctuation_to_the_first_letter_of_a_word(void **state)
{
	(void)state;
	assert_filter("initials", "'t Hart", "tH");
	assert_filter("initials", "Jan - (Piet)", "JP");
}

static void
initials_keeps_the_combining_marks_of_a_decomposed_initial(void **state)
{
	(void)state;
	assert_filter("initials", "E\xCC\x81mile Zoe", "E\xCC\x81Z");
}

static void
default_gives_its_string_only_for_an_empty_value(void **state)
{
	(void)state;
	assert_filter1("default", "x", "", "x");
	assert_filter1("default", "x", "Jan", "Jan");
	assert_filter1("default", "x", " ", " ");
	assert_render("{partner_name|default:\"geen\"}", jan, "geen");
	assert_render("{given_name|default:\"geen\"}", jan, "Jan");
}

static void
replace_replaces_every_occurrence_left_to_right(void **state)
{
	(void)state;
	assert_filter2("replace", "-", "", "Çelik-Łukasik-Smit", "ÇelikŁukasikSmit");
	assert_filter2("replace", "ó", "o", "Łódź", "Łodź");
	assert_filter2("replace", "aa", "b", "aaaaa", "bba");
	/* What was put in is not looked at again. */
	assert_filter2("replace", "a", "aa", "banana", "baanaanaa");
	assert_filter2("replace", "x", "y", "", "");
}

static void
filter_apply_of_an_unknown_filter_fails_and_leaves_out_alone(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	buf_adds(&out, "kept");
	assert_int_equal(template_filter_apply("lowr", NULL, NULL, "Jan", &out), -1);
	assert_int_equal(template_filter_apply("", NULL, NULL, "Jan", &out), -1);
	assert_int_equal(template_filter_apply(NULL, NULL, NULL, "Jan", &out), -1);
	assert_string_equal(buf_str(&out), "kept");
	buf_release(&out);
}

static void
filter_apply_fails_on_arguments_the_filter_does_not_take(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(template_filter_apply("first", NULL, NULL, "Jan", &out), -1);
	assert_int_equal(template_filter_apply("first", "x", NULL, "Jan", &out), -1);
	assert_int_equal(template_filter_apply("first", "-1", NULL, "Jan", &out), -1);
	assert_int_equal(template_filter_apply("default", NULL, NULL, "Jan", &out), -1);
	assert_int_equal(template_filter_apply("replace", "a", NULL, "Jan", &out), -1);
	assert_int_equal(template_filter_apply("replace", "", "b", "Jan", &out), -1);
	assert_int_equal(template_filter_apply("lower", "x", NULL, "Jan", &out), -1);
	assert_int_equal(out.len, 0);
	buf_release(&out);
}

static void
filter_apply_appends_to_out(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	buf_adds(&out, "j.");
	assert_int_equal(template_filter_apply("lower", NULL, NULL, "VRIES", &out), 0);
	assert_string_equal(buf_str(&out), "j.vries");
	buf_release(&out);
}

/* --- templates --- */

static void
a_chain_applies_its_filters_left_to_right(void **state)
{
	(void)state;
	assert_render("{given_name|first:1|ascii|lower}", REC({ "given_name", "Émile" }), "e");
	assert_render("{given_name|ascii|first:1|lower}", REC({ "given_name", "Łukasz" }), "l");
	assert_render("{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}@example.org",
		      REC({ "given_name", "Zoë" }, { "family_name_full", "Çelik-Łukasik" }),
		      "zoe.celiklukasik@example.org");
	assert_render("{display_name|initials|upper}", jan, "JDVVD");
}

static void
double_braces_are_literal_braces(void **state)
{
	struct template *t;

	(void)state;
	assert_render("{{given_name}}", jan, "{given_name}");
	assert_render("a}}b{{c", jan, "a}b{c");
	assert_render("{{{given_name}}}", jan, "{Jan}");
	t = compile_ok("{{x}}");
	assert_int_equal(template_is_literal(t), 1);
	template_free(t);
}

static void
text_outside_fields_is_copied_as_it_is(void **state)
{
	(void)state;
	assert_render("", jan, "");
	assert_render("cn=Zoë \"x\" | y: z", jan, "cn=Zoë \"x\" | y: z");
}

static void
an_empty_or_missing_field_renders_as_empty(void **state)
{
	(void)state;
	assert_render("<{partner_name}>", jan, "<>");
	assert_render("<{contract.department.code}>", jan, "<>");
	assert_render("<{partner_name|upper|first:2|initials|trim}>", jan, "<>");
}

static void
a_null_from_get_renders_as_empty(void **state)
{
	(void)state;
	assert_render("<{given_name}>", REC({ "given_name", NULL }), "<>");
}

static void
n_is_a_field_like_any_other(void **state)
{
	(void)state;
	assert_render("jdevries{n}", REC({ "n", "2" }), "jdevries2");
	assert_render("jdevries{n}", REC({ "n", "" }), "jdevries");
}

static void
blanks_around_names_and_arguments_are_allowed(void **state)
{
	(void)state;
	assert_render("{ given_name | upper | first: 2 }", jan, "JA");
	assert_render("{given_name|replace: \"a\" , \"o\"}", jan, "Jon");
}

static void
quoted_strings_take_escapes_braces_and_bars(void **state)
{
	(void)state;
	assert_render("{partner_name|default:\"say \\\"hi\\\" \\\\ \\t.\"}", jan, "say \"hi\" \\ \t.");
	assert_render("{partner_name|default:\"a\\nb\"}", jan, "a\nb");
	assert_render("{given_name|replace:\"J\",\"{|}\"}", jan, "{|}an");
	assert_render("{partner_name|default:\"ø\"}", jan, "ø");
}

static void
any_path_is_accepted_without_a_known_callback(void **state)
{
	struct expr_error err = { 0 };
	struct template *t = template_compile("{whatever.goes|lower}", NULL, NULL, &err);
	struct buf out = BUF_INIT;

	(void)state;
	assert_non_null(t);
	assert_int_equal(template_render(t, get_field, (void *)REC({ "whatever.goes", "X" }), &out), 0);
	assert_string_equal(buf_str(&out), "x");
	buf_release(&out);
	template_free(t);
}

static void
render_appends_to_out(void **state)
{
	struct template *t = compile_ok("{given_name|lower}");
	struct buf out = BUF_INIT;

	(void)state;
	buf_adds(&out, "uid=");
	assert_int_equal(template_render(t, get_field, (void *)jan, &out), 0);
	assert_string_equal(buf_str(&out), "uid=jan");
	buf_release(&out);
	template_free(t);
}

static void
paths_are_listed_once_in_order_of_first_use(void **state)
{
	struct template *t = compile_ok("{family_name|lower}.{given_name} {family_name} {contract.department.code}{n}");
	const char *const *paths = NULL;

	(void)state;
	assert_int_equal(template_paths(t, &paths), 4);
	assert_string_equal(paths[0], "family_name");
	assert_string_equal(paths[1], "given_name");
	assert_string_equal(paths[2], "contract.department.code");
	assert_string_equal(paths[3], "n");
	assert_int_equal(template_is_literal(t), 0);
	template_free(t);
}

static void
plain_text_has_no_paths_and_is_literal(void **state)
{
	struct template *t = compile_ok("cn=users,dc=example,dc=org");
	struct template *e = compile_ok("");
	const char *const *paths = NULL;

	(void)state;
	assert_int_equal(template_paths(t, &paths), 0);
	assert_int_equal(template_is_literal(t), 1);
	assert_int_equal(template_paths(e, &paths), 0);
	assert_int_equal(template_is_literal(e), 1);
	template_free(t);
	template_free(e);
}

static void
template_free_of_null_does_nothing(void **state)
{
	(void)state;
	template_free(NULL);
}

/* --- limits --- */

static char *
repeat(const char *s, size_t times)
{
	size_t n = strlen(s);
	char *r = malloc(n * times + 1);

	assert_non_null(r);
	for (size_t i = 0; i < times; i++)
		memcpy(r + i * n, s, n);
	r[n * times] = '\0';
	return r;
}

static void
a_value_of_exactly_the_maximum_renders(void **state)
{
	char *v = repeat("x", TEMPLATE_VALUE_MAX);
	struct template *t = compile_ok("{v}");
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(template_render(t, get_field, (void *)REC({ "v", v }), &out), 0);
	assert_int_equal(out.len, TEMPLATE_VALUE_MAX);
	buf_release(&out);
	template_free(t);
	free(v);
}

static void
a_value_past_the_maximum_fails_and_leaves_out_as_it_was(void **state)
{
	char *v = repeat("x", TEMPLATE_VALUE_MAX);
	struct template *t = compile_ok("{given_name}{v}");
	struct buf out = BUF_INIT;

	(void)state;
	buf_adds(&out, "kept");
	assert_int_equal(template_render(t, get_field, (void *)REC({ "given_name", "J" }, { "v", v }), &out), -1);
	assert_string_equal(buf_str(&out), "kept");
	assert_int_equal(out.len, 4);
	buf_release(&out);
	template_free(t);
	free(v);
}

static void
a_replace_that_grows_past_the_maximum_fails(void **state)
{
	char *v = repeat("a", 1000);
	struct template *t = compile_ok(
		"{v|replace:\"a\",\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}");
	struct template *cut = compile_ok(
		"{v|replace:\"a\",\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"|first:3}");
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(template_render(t, get_field, (void *)REC({ "v", v }), &out), -1);
	/* Every step of a chain is held to the limit, not only the result. */
	assert_int_equal(template_render(cut, get_field, (void *)REC({ "v", v }), &out), -1);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	template_free(t);
	template_free(cut);
	free(v);
}

static void
a_template_of_4096_bytes_compiles_and_one_longer_does_not(void **state)
{
	char *text = repeat("x", 4096);
	struct template *t = compile_ok(text);

	(void)state;
	template_free(t);
	free(text);
	text = repeat("x", 4097);
	assert_compile_error(text, 4096, "template is longer than 4096 bytes");
	free(text);
}

static void
sixteen_filters_compile_and_seventeen_do_not(void **state)
{
	char *chain = repeat("|trim", 16);
	char text[256];
	struct template *t;

	(void)state;
	snprintf(text, sizeof(text), "{given_name%s}", chain);
	t = compile_ok(text);
	template_free(t);
	snprintf(text, sizeof(text), "{given_name%s|lower}", chain);
	/* "{given_name" is 11 bytes, 16 times "|trim" 80 more, then the '|'. */
	assert_compile_error(text, 92, "too many filters: at most 16 on one field");
	free(chain);
}

/* --- compile errors --- */

static void
an_unknown_filter_is_an_error_with_a_suggestion(void **state)
{
	(void)state;
	assert_compile_error("{given_name|lowr}", 12, "unknown filter \"lowr\" (did you mean \"lower\"?)");
	assert_compile_error("{given_name|Upper}", 12, "unknown filter \"Upper\" (did you mean \"upper\"?)");
	assert_compile_error("{given_name|lower|inital}", 18, "unknown filter \"inital\" (did you mean \"initials\"?)");
}

static void
an_unknown_filter_far_from_all_lists_them(void **state)
{
	(void)state;
	assert_compile_error(
		"{given_name|frobnicate}", 12,
		"unknown filter \"frobnicate\" (filters: lower, upper, ascii, alnum, nospace, trim, first, "
		"initials, default, replace, dn)");
}

static void
an_unknown_field_is_an_error_with_the_suggestion_of_known(void **state)
{
	(void)state;
	assert_compile_error("x{given_nam}", 2, "unknown field \"given_nam\" (did you mean \"given_name\"?)");
	assert_compile_error("{ contract.departmnt.code|lower}", 2,
			     "unknown field \"contract.departmnt.code\" (did you mean \"contract.department.code\"?)");
	assert_compile_error("{salary}", 1, "unknown field \"salary\"");
}

static void
first_without_a_number_is_an_error(void **state)
{
	(void)state;
	assert_compile_error("{given_name|first}", 17, "filter \"first\" needs a number of characters, as in first:1");
	assert_compile_error("{given_name|first:}", 18, "filter \"first\" needs a number of characters, as in first:1");
	assert_compile_error("{given_name|first:x}", 18,
			     "filter \"first\" needs a number of characters, as in first:1");
	assert_compile_error("{given_name|first:-1}", 18,
			     "filter \"first\" needs a number of characters, as in first:1");
	assert_compile_error("{given_name|first:99999999}", 18,
			     "filter \"first\": 99999999 is too many characters (at most 65536)");
}

static void
default_without_a_quoted_string_is_an_error(void **state)
{
	(void)state;
	assert_compile_error("{partner_name|default}", 21,
			     "filter \"default\" needs a quoted string, as in default:\"x\"");
	assert_compile_error("{partner_name|default:x}", 22,
			     "filter \"default\" needs a quoted string, as in default:\"x\"");
}

static void
replace_without_two_quoted_strings_is_an_error(void **state)
{
	const char *msg = "filter \"replace\" needs two quoted strings, as in replace:\"a\",\"b\"";

	(void)state;
	assert_compile_error("{given_name|replace}", 19, msg);
	assert_compile_error("{given_name|replace:a}", 20, msg);
	assert_compile_error("{given_name|replace:\"a\"}", 23, msg);
	assert_compile_error("{given_name|replace:\"a\",}", 24, msg);
	assert_compile_error("{given_name|replace:\"a\" \"b\"}", 24, msg);
	assert_compile_error("{given_name|replace:\"\",\"b\"}", 20, "filter \"replace\": the text to replace is empty");
}

static void
an_argument_to_a_filter_without_one_is_an_error(void **state)
{
	(void)state;
	assert_compile_error("{given_name|lower:2}", 17, "filter \"lower\" takes no argument");
}

static void
an_unclosed_brace_is_an_error_at_the_brace(void **state)
{
	const char *msg = "unclosed \"{\": expected \"}\" (or \"{{\" for a literal brace)";

	(void)state;
	assert_compile_error("Hello {given_name", 6, msg);
	assert_compile_error("{given_name {family_name}", 0, msg);
	assert_compile_error("{", 0, msg);
}

static void
an_unclosed_string_is_an_error_at_its_quote(void **state)
{
	(void)state;
	assert_compile_error("{partner_name|default:\"x}", 22, "unclosed string: expected a closing \"");
	assert_compile_error("{partner_name|default:\"x\\\"}", 22, "unclosed string: expected a closing \"");
}

static void
an_unknown_escape_is_an_error_at_the_backslash(void **state)
{
	(void)state;
	assert_compile_error("{partner_name|default:\"a\\qb\"}", 24,
			     "unknown escape \"\\q\" in string: expected \\\", \\\\, \\n or \\t");
	assert_compile_error("{partner_name|default:\"\\é\"}", 23,
			     "unknown escape \"\\é\" in string: expected \\\", \\\\, \\n or \\t");
}

static void
a_lone_closing_brace_is_an_error(void **state)
{
	(void)state;
	assert_compile_error("given_name}", 10, "lone \"}\": expected \"}}\" for a literal brace");
	assert_compile_error("{given_name}}}}", 14, "lone \"}\": expected \"}}\" for a literal brace");
	assert_compile_error("{{}", 2, "lone \"}\": expected \"}}\" for a literal brace");
}

static void
an_empty_field_is_an_error(void **state)
{
	const char *msg = "empty field \"{}\": expected a field name (or \"{{\" for a literal brace)";

	(void)state;
	assert_compile_error("a{}b", 1, msg);
	assert_compile_error("{ \t}", 0, msg);
}

static void
a_filter_without_a_field_is_an_error(void **state)
{
	(void)state;
	assert_compile_error("{|lower}", 1, "expected a field name after \"{\", found \"|\"");
	assert_compile_error("{ é}", 2, "expected a field name after \"{\", found \"é\"");
}

static void
a_malformed_path_is_an_error(void **state)
{
	const char *tail = ": expected names of letters, digits and \"_\" joined by \".\"";
	char msg[200];

	(void)state;
	snprintf(msg, sizeof(msg), "bad field name \"contract..code\"%s", tail);
	assert_compile_error("{contract..code}", 1, msg);
	snprintf(msg, sizeof(msg), "bad field name \"1st\"%s", tail);
	assert_compile_error("x{1st}", 2, msg);
	snprintf(msg, sizeof(msg), "bad field name \"given_name.\"%s", tail);
	assert_compile_error("{given_name.}", 1, msg);
}

static void
something_else_after_a_name_is_an_error(void **state)
{
	(void)state;
	assert_compile_error("{family_name birth}", 13, "unexpected \"b\" in field: expected \"|\" or \"}\"");
	assert_compile_error("{given_name|lower x}", 18, "unexpected \"x\" in field: expected \"|\" or \"}\"");
	assert_compile_error("{given_name|first:3a}", 19, "unexpected \"a\" in field: expected \"|\" or \"}\"");
	assert_compile_error("{given_name Ł}", 12, "unexpected \"Ł\" in field: expected \"|\" or \"}\"");
	assert_compile_error("{given_name\n}", 11, "unexpected U+000A in field: expected \"|\" or \"}\"");
}

static void
a_missing_filter_name_is_an_error(void **state)
{
	(void)state;
	assert_compile_error("{given_name|}", 12, "expected a filter name after \"|\", found the end of the field");
	assert_compile_error("{given_name||lower}", 12, "expected a filter name after \"|\", found \"|\"");
}

static void
invalid_utf8_is_an_error_at_the_bad_byte(void **state)
{
	(void)state;
	assert_compile_error("ab\xFF{given_name}", 2, "invalid UTF-8: byte 0xff");
	assert_compile_error("{given_name|default:\"\xC3\"}", 21, "invalid UTF-8: byte 0xc3");
}

static void
compile_works_without_an_error_struct(void **state)
{
	(void)state;
	assert_null(template_compile("{", NULL, NULL, NULL));
}

/* --- dn: a value for an RDN (RFC 4514) --- */

static void
dn_escapes_the_characters_that_delimit_a_dn(void **state)
{
	(void)state;
	assert_filter("dn", "O'Brien, Pat", "O'Brien\\, Pat");
	assert_filter("dn", "+\"<>;=\\", "\\+\\\"\\<\\>\\;\\=\\\\");
	assert_filter("dn", "a,b+c", "a\\,b\\+c");
}

static void
dn_leaves_other_characters_and_non_ascii_alone(void **state)
{
	(void)state;
	assert_filter("dn", "Jan (Admin)*", "Jan (Admin)*");
	assert_filter("dn", "Zoë Çelik-Łukasik", "Zoë Çelik-Łukasik");
	assert_filter("dn", "a#b c", "a#b c");
	assert_filter("dn", "", "");
}

static void
dn_escapes_a_leading_space_or_hash_and_a_trailing_space(void **state)
{
	(void)state;
	assert_filter("dn", " jan ", "\\ jan\\ ");
	assert_filter("dn", "#1", "\\#1");
	assert_filter("dn", " ", "\\ ");
	assert_filter("dn", "  ", "\\ \\ ");
	assert_filter("dn", "x#", "x#");
}

static void
dn_as_the_last_filter_escapes_what_the_chain_made(void **state)
{
	(void)state;
	assert_render("uid={v|lower|dn},ou=people", REC({ "v", "O'BRIEN, PAT" }), "uid=o'brien\\, pat,ou=people");
	assert_render("cn={v|trim|dn}", REC({ "v", "  #x  " }), "cn=\\#x");
	assert_render("cn={v|dn}", REC({ "v", "" }), "cn=");
}

static void
dn_takes_no_argument(void **state)
{
	(void)state;
	assert_compile_error("{v|dn:\"x\"}", 5, "filter \"dn\" takes no argument");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lower_maps_every_code_point_to_lower_case),
		cmocka_unit_test(upper_maps_every_code_point_to_upper_case),
		cmocka_unit_test(upper_maps_one_code_point_to_one_so_sharp_s_becomes_capital_sharp_s),
		cmocka_unit_test(ascii_turns_the_issue_example_into_plain_letters),
		cmocka_unit_test(ascii_drops_combining_marks_of_decomposed_text),
		cmocka_unit_test(ascii_spells_every_listed_letter_in_ascii),
		cmocka_unit_test(ascii_applies_compatibility_decompositions),
		cmocka_unit_test(ascii_drops_every_other_non_ascii_character),
		cmocka_unit_test(ascii_drops_bytes_that_are_not_utf8),
		cmocka_unit_test(ascii_then_alnum_then_lower_makes_t_hart_thart),
		cmocka_unit_test(alnum_keeps_letters_and_digits_of_every_script),
		cmocka_unit_test(alnum_keeps_a_combining_mark_with_its_letter),
		cmocka_unit_test(nospace_removes_all_white_space),
		cmocka_unit_test(trim_removes_surrounding_white_space_and_collapses_inner_runs),
		cmocka_unit_test(first_takes_code_points_not_bytes),
		cmocka_unit_test(first_counts_a_combining_mark_as_a_code_point),
		cmocka_unit_test(initials_takes_the_first_letter_of_every_word),
		cmocka_unit_test(initials_skips_punctuation_to_the_first_letter_of_a_word),
		cmocka_unit_test(initials_keeps_the_combining_marks_of_a_decomposed_initial),
		cmocka_unit_test(default_gives_its_string_only_for_an_empty_value),
		cmocka_unit_test(replace_replaces_every_occurrence_left_to_right),
		cmocka_unit_test(filter_apply_of_an_unknown_filter_fails_and_leaves_out_alone),
		cmocka_unit_test(filter_apply_fails_on_arguments_the_filter_does_not_take),
		cmocka_unit_test(filter_apply_appends_to_out),
		cmocka_unit_test(a_chain_applies_its_filters_left_to_right),
		cmocka_unit_test(double_braces_are_literal_braces),
		cmocka_unit_test(text_outside_fields_is_copied_as_it_is),
		cmocka_unit_test(an_empty_or_missing_field_renders_as_empty),
		cmocka_unit_test(a_null_from_get_renders_as_empty),
		cmocka_unit_test(n_is_a_field_like_any_other),
		cmocka_unit_test(blanks_around_names_and_arguments_are_allowed),
		cmocka_unit_test(quoted_strings_take_escapes_braces_and_bars),
		cmocka_unit_test(any_path_is_accepted_without_a_known_callback),
		cmocka_unit_test(render_appends_to_out),
		cmocka_unit_test(paths_are_listed_once_in_order_of_first_use),
		cmocka_unit_test(plain_text_has_no_paths_and_is_literal),
		cmocka_unit_test(template_free_of_null_does_nothing),
		cmocka_unit_test(a_value_of_exactly_the_maximum_renders),
		cmocka_unit_test(a_value_past_the_maximum_fails_and_leaves_out_as_it_was),
		cmocka_unit_test(a_replace_that_grows_past_the_maximum_fails),
		cmocka_unit_test(a_template_of_4096_bytes_compiles_and_one_longer_does_not),
		cmocka_unit_test(sixteen_filters_compile_and_seventeen_do_not),
		cmocka_unit_test(an_unknown_filter_is_an_error_with_a_suggestion),
		cmocka_unit_test(an_unknown_filter_far_from_all_lists_them),
		cmocka_unit_test(an_unknown_field_is_an_error_with_the_suggestion_of_known),
		cmocka_unit_test(first_without_a_number_is_an_error),
		cmocka_unit_test(default_without_a_quoted_string_is_an_error),
		cmocka_unit_test(replace_without_two_quoted_strings_is_an_error),
		cmocka_unit_test(an_argument_to_a_filter_without_one_is_an_error),
		cmocka_unit_test(an_unclosed_brace_is_an_error_at_the_brace),
		cmocka_unit_test(an_unclosed_string_is_an_error_at_its_quote),
		cmocka_unit_test(an_unknown_escape_is_an_error_at_the_backslash),
		cmocka_unit_test(a_lone_closing_brace_is_an_error),
		cmocka_unit_test(an_empty_field_is_an_error),
		cmocka_unit_test(a_filter_without_a_field_is_an_error),
		cmocka_unit_test(a_malformed_path_is_an_error),
		cmocka_unit_test(something_else_after_a_name_is_an_error),
		cmocka_unit_test(a_missing_filter_name_is_an_error),
		cmocka_unit_test(invalid_utf8_is_an_error_at_the_bad_byte),
		cmocka_unit_test(compile_works_without_an_error_struct),
		cmocka_unit_test(dn_escapes_the_characters_that_delimit_a_dn),
		cmocka_unit_test(dn_leaves_other_characters_and_non_ascii_alone),
		cmocka_unit_test(dn_escapes_a_leading_space_or_hash_and_a_trailing_space),
		cmocka_unit_test(dn_as_the_last_filter_escapes_what_the_chain_made),
		cmocka_unit_test(dn_takes_no_argument),
	};

	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
