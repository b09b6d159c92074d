/*
 * Unit tests for rules/expr.c: the condition language of a rule's `when:`.
 * Every operator both ways, precedence, lists, emptiness, case folding,
 * the three orderings, the paths a condition reads, and every error message
 * at its exact offset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr.h"
#include "util/text.h"
#include "testlib.h"

/* --- the fields a condition may name, and one record of them --- */

static const char *const known_fields[] = {
	"employee_id",
	"given_name",
	"family_name",
	"partner_name",
	"contract.department.code",
	"contract.department.name",
	"contract.title.name",
	"contract.fte",
	"contract.start_date",
	"contract.end_date",
	"contract.type",
	"contract.location",
	"contract.cost_center",
};
#define NKNOWN (sizeof(known_fields) / sizeof(known_fields[0]))

/* Counts its calls when ctx is an int. */
static int
known(void *ctx, const char *path, char *near, size_t nearlen)
{
	const char *s;

	if (ctx)
		(*(int *)ctx)++;
	for (size_t i = 0; i < NKNOWN; i++)
		if (!strcmp(known_fields[i], path))
			return 1;
	s = text_suggest(path, known_fields, NKNOWN);
	snprintf(near, nearlen, "%s", s ? s : "");
	return 0;
}

/* A record: its fields, ending in a NULL name; a field it lacks is "". */
struct field {
	const char *name, *value;
};

static const struct field jan[] = {
	{ "employee_id", "1001" },
	{ "given_name", "\xc3\x89mile" }, /* Émile */
	{ "family_name", "de Vries" },
	{ "partner_name", "" },
	{ "contract.department.code", "ICT" },
	{ "contract.department.name", "Informatie & Communicatie" },
	{ "contract.title.name", "Stagiair Techniek" },
	{ "contract.fte", "0.8" },
	{ "contract.start_date", "2024-03-01" },
	{ "contract.end_date", "" },
	{ "contract.type", "employee" },
	{ "contract.location", "Gen\xc3\xa8ve" }, /* Genève */
	{ "contract.cost_center", "100" },
	{ NULL, NULL },
};

static const char *
get(void *ctx, const char *path)
{
	const struct field *r = ctx;

	for (; r->name; r++)
		if (!strcmp(r->name, path))
			return r->value;
	return "";
}

/* --- helpers --- */

/* The value of text for record r; fails the test when text does not compile. */
static int
eval_fl(const char *text, const struct field *r, const char *file, int line)
{
	struct expr_error err;
	struct expr *e = expr_compile(text, known, NULL, &err);
	int v;

	if (!e) {
		print_error("%s:%d: '%s' does not compile: %zu: %s\n", file, line, text, err.offset, err.msg);
		_fail(file, line);
	}
	v = expr_eval(e, get, (void *)r);
	expr_free(e);
	if (v != 0 && v != 1) {
		print_error("%s:%d: '%s' evaluates to %d, not 0 or 1\n", file, line, text, v);
		_fail(file, line);
	}
	return v;
}

static void
assert_value_fl(const char *text, int want, const char *file, int line)
{
	if (eval_fl(text, jan, file, line) != want) {
		print_error("%s:%d: '%s' is %s, expected %s\n", file, line, text, want ? "false" : "true",
			    want ? "true" : "false");
		_fail(file, line);
	}
}
/* The condition holds (or not) for Jan. */
#define T(text) assert_value_fl((text), 1, __FILE__, __LINE__)
#define F(text) assert_value_fl((text), 0, __FILE__, __LINE__)

static void
assert_error_fl(const char *text, size_t offset, const char *msg, const char *file, int line)
{
	struct expr_error err;
	struct expr *e;

	memset(&err, 0x55, sizeof(err));
	e = expr_compile(text, known, NULL, &err);
	if (e) {
		print_error("%s:%d: '%s' compiles, expected %zu: %s\n", file, line, text, offset, msg);
		expr_free(e);
		_fail(file, line);
	}
	if (err.offset != offset || strcmp(err.msg, msg)) {
		print_error("%s:%d: '%s'\n  gives    %zu: %s\n  expected %zu: %s\n", file, line, text, err.offset,
			    err.msg, offset, msg);
		_fail(file, line);
	}
}
/* Compiling text fails at offset with exactly msg. */
#define assert_error(text, offset, msg) assert_error_fl((text), (offset), (msg), __FILE__, __LINE__)

/* --- comparisons --- */

static void
equality_compares_strings_exactly(void **state)
{
	(void)state;
	T("contract.department.code == \"ICT\"");
	F("contract.department.code == \"ict\"");
	F("contract.department.code == \"ICT \"");
	T("contract.department.code != \"FIN\"");
	F("contract.department.code != \"ICT\"");
	T("\"ICT\" == contract.department.code");
	/* Numbers too are compared as written: 0.80 is not the "0.8" of the record. */
	T("contract.fte == 0.8");
	F("contract.fte == 0.80");
	T("contract.cost_center == 100");
	T("contract.end_date == \"\"");
}

static void
string_escapes_are_resolved(void **state)
{
	static const struct field r[] = { { "given_name", "say \"hi\"\\\n\t" }, { NULL, NULL } };

	(void)state;
	assert_int_equal(eval_fl("given_name == \"say \\\"hi\\\"\\\\\\n\\t\"", r, __FILE__, __LINE__), 1);
	assert_int_equal(eval_fl("given_name == \"say \\\"hi\\\"\\\\\"", r, __FILE__, __LINE__), 0);
}

static void
numbers_order_numerically(void **state)
{
	(void)state;
	/* fte is a string like every value; "0.8" and 0.5 are both numbers. */
	T("contract.fte >= 0.5");
	T("contract.fte >= 0.8");
	F("contract.fte >= 0.9");
	T("contract.fte > 0.5");
	F("contract.fte > 0.8");
	T("contract.fte <= 0.8");
	F("contract.fte <= 0.79");
	T("contract.fte < 1");
	F("contract.fte < 0.8");
	/* Bytewise "1001" < "999"; as numbers it is the other way. */
	T("employee_id > 999");
	T("employee_id > 999.5");
	T("-1 < 0");
	T("-1.5 < -1");
	T("007 == 007");
	T("007 <= 7");
	T("007 >= 7");
}

static void
values_with_a_sign_or_fraction_are_numbers_but_not_other_forms(void **state)
{
	static const struct field r[] = {
		{ "contract.fte", "+0.5" },
		{ "contract.cost_center", "1e3" },
		{ "contract.location", "5." },
		{ NULL, NULL },
	};

	(void)state;
	assert_int_equal(eval_fl("contract.fte < 0.6", r, __FILE__, __LINE__), 1);
	assert_int_equal(eval_fl("contract.fte > 0.4", r, __FILE__, __LINE__), 1);
	/* "1e3" is not fully numeric: bytewise, "1e3" > "2" is false although 1000 > 2. */
	assert_int_equal(eval_fl("contract.cost_center > 2", r, __FILE__, __LINE__), 0);
	/* "5." is not numeric either: bytewise "5." > "10". */
	assert_int_equal(eval_fl("contract.location > 10", r, __FILE__, __LINE__), 1);
}

static void
dates_order_by_day(void **state)
{
	(void)state;
	T("contract.start_date >= \"2024-03-01\"");
	T("contract.start_date <= \"2024-03-01\"");
	T("contract.start_date < \"2024-12-31\"");
	F("contract.start_date > \"2024-12-31\"");
	T("contract.start_date > \"2023-12-31\"");
	F("contract.start_date < \"2024-02-29\"");
}

static void
other_values_order_bytewise(void **state)
{
	(void)state;
	T("contract.location > \"Amsterdam\"");
	F("contract.location < \"Amsterdam\"");
	/* Bytewise: upper case sorts before lower case, "G" before "a". */
	T("contract.location < \"amsterdam\"");
	/* A number and a word: neither numbers nor dates, so bytewise ("1" < "9"). */
	T("\"10\" < \"9a\"");
	/* A date that is not valid is a string: "2024-02-30" sorts after "2024-02-1". */
	T("\"2024-02-30\" > \"2024-02-1\"");
	/* An empty value is not a number: "" sorts first. */
	T("contract.end_date < \"2025-01-01\"");
	T("contract.end_date < 0");
}

/* --- case-insensitive operators --- */

static void
contains_ignores_case_also_beyond_ascii(void **state)
{
	(void)state;
	T("contract.title.name contains \"intern\" or contract.title.name contains \"STAGIAIR\"");
	T("contract.title.name contains \"stagiair techniek\"");
	F("contract.title.name contains \"Intern\"");
	T("given_name contains \"\xc3\xa9mi\"");       /* "émi" in "Émile" */
	T("contract.location contains \"\xc3\x88V\""); /* "ÈV" in "Genève" */
	F("given_name contains \"emi\"");
	T("given_name contains \"\"");
}

static void
starts_with_ignores_case_also_beyond_ascii(void **state)
{
	(void)state;
	T("given_name starts_with \"\xc3\xa9MILE\""); /* "éMILE" */
	T("contract.department.code starts_with \"ic\"");
	F("contract.department.code starts_with \"CT\"");
	F("contract.department.code starts_with \"ICTS\"");
	/* E and a combining acute accent is É composed. */
	T("given_name starts_with \"E\xcc\x81m\"");
}

static void
ends_with_ignores_case_also_beyond_ascii(void **state)
{
	(void)state;
	T("contract.location ends_with \"\xc3\x88VE\""); /* "ÈVE" */
	T("family_name ends_with \"VRIES\"");
	F("family_name ends_with \"de\"");
	F("family_name ends_with \"xde Vries\"");
}

static void
case_folding_maps_sharp_s_to_ss(void **state)
{
	static const struct field r[] = { { "contract.location", "Stra\303\237e" }, { NULL, NULL } }; /* Straße */

	(void)state;
	assert_int_equal(eval_fl("contract.location contains \"SS\"", r, __FILE__, __LINE__), 1);
	assert_int_equal(eval_fl("contract.location ends_with \"SSE\"", r, __FILE__, __LINE__), 1);
}

static void
matches_is_an_extended_regular_expression_that_ignores_case(void **state)
{
	(void)state;
	T("contract.department.code matches \"^(ict|fin)$\"");
	F("contract.department.code matches \"^(fin|hr)$\"");
	T("contract.title.name matches \"stag.+k$\"");
	T("employee_id matches \"^[0-9]{4}$\"");
	F("employee_id matches \"^[0-9]{5}$\"");
	T("given_name matches \"^\xc3\xa9mile$\"");		     /* é in the pattern, É in the value */
	T("contract.location matches \"GEN\xc3\x88VE\"");	     /* È in the pattern, è in the value */
	T("contract.location matches \"gen(\xc3\xa8|\xc3\xa9)ve\""); /* (è|é) */
}

static void
matches_keeps_escaped_letters_as_written(void **state)
{
	(void)state;
	/* \W is "not a word character"; folded to \w it would mean the opposite. */
	T("contract.department.name matches \"\\\\W\"");
	F("employee_id matches \"\\\\W\"");
	T("employee_id matches \"^\\\\w+$\"");
}

/* --- lists, emptiness, truthiness --- */

static void
in_compares_with_every_item_of_the_list(void **state)
{
	(void)state;
	T("contract.department.code in [\"ICT\", \"FIN\"]");
	T("contract.department.code in [\"FIN\", \"ICT\"]");
	F("contract.department.code in [\"FIN\", \"HR\"]");
	F("contract.department.code in [\"ict\"]");
	F("contract.department.code in []");
	T("contract.cost_center in [100, 200]");
	F("contract.cost_center in [10, 1000]");
	T("contract.fte in [0.8, 1]");
	F("contract.fte in [0.80, 1.0]");
	T("contract.location in [given_name, \"Gen\xc3\xa8ve\"]");
	T("given_name in [contract.location, given_name]");
}

static void
is_empty_and_is_not_empty(void **state)
{
	(void)state;
	T("partner_name is empty");
	F("partner_name is not empty");
	F("given_name is empty");
	T("given_name is not empty");
	T("contract.end_date is empty");
	T("\"\" is empty");
	F("0 is empty");
}

static void
a_bare_path_is_true_when_not_empty(void **state)
{
	(void)state;
	T("given_name");
	F("partner_name");
	T("not partner_name");
	T("given_name and not contract.end_date");
	T("\"x\"");
	F("\"\"");
	T("0");
}

/* --- logic and precedence --- */

static void
and_or_not_combine_conditions(void **state)
{
	(void)state;
	T("given_name and family_name");
	F("given_name and partner_name");
	F("partner_name and given_name");
	T("partner_name or given_name");
	T("given_name or partner_name");
	F("partner_name or contract.end_date");
	T("not partner_name");
	F("not given_name");
	T("not not given_name");
	T("partner_name or contract.end_date or given_name");
	F("given_name and family_name and partner_name");
}

static void
and_binds_tighter_than_or(void **state)
{
	(void)state;
	/* given_name or (partner_name and contract.end_date): true; (… or …) and … would be false. */
	T("given_name or partner_name and contract.end_date");
	F("(given_name or partner_name) and contract.end_date");
	T("partner_name and contract.end_date or given_name");
}

static void
not_binds_tighter_than_and(void **state)
{
	(void)state;
	/* (not partner_name) and contract.end_date: false; not (… and …) would be true. */
	F("not partner_name and contract.end_date");
	T("not (partner_name and contract.end_date)");
	/* not applies to the whole comparison, not to its left operand. */
	T("not contract.title.name contains \"Intern\"");
	F("not contract.department.code in [\"ICT\", \"FIN\"]");
}

static void
parentheses_group(void **state)
{
	(void)state;
	T("(given_name)");
	T("((given_name))");
	F("(partner_name or contract.end_date) and given_name");
	T("(partner_name or given_name) and (family_name or contract.end_date)");
	T("contract.department.code in [\"ICT\", \"FIN\"] and not contract.title.name contains \"Intern\"");
}

static void
white_space_and_line_breaks_separate_tokens(void **state)
{
	(void)state;
	T("  contract.department.code\n==\t\"ICT\"\r\n  and\ngiven_name  ");
	T("contract.fte>=0.5");
	T("contract.department.code in[\"ICT\",\"FIN\"]");
	T("(given_name)and(family_name)");
}

/* --- paths --- */

static void
paths_are_listed_once_in_order_of_first_use(void **state)
{
	const char *const *paths = NULL;
	struct expr_error err;
	struct expr *e;
	int calls = 0;

	(void)state;
	e = expr_compile("family_name == \"x\" or given_name == family_name and "
			 "contract.location in [given_name, contract.type] or not contract.fte",
			 known, &calls, &err);
	assert_non_null(e);
	assert_int_equal(expr_paths(e, &paths), 5);
	assert_string_equal(paths[0], "family_name");
	assert_string_equal(paths[1], "given_name");
	assert_string_equal(paths[2], "contract.location");
	assert_string_equal(paths[3], "contract.type");
	assert_string_equal(paths[4], "contract.fte");
	/* Each path is checked once. */
	assert_int_equal(calls, 5);
	expr_free(e);
}

static void
a_condition_of_literals_reads_no_paths(void **state)
{
	const char *const *paths;
	struct expr *e;

	(void)state;
	e = expr_compile("\"a\" == \"a\"", known, NULL, NULL);
	assert_non_null(e);
	assert_int_equal(expr_paths(e, &paths), 0);
	assert_int_equal(expr_eval(e, get, (void *)jan), 1);
	expr_free(e);
}

static void
without_known_every_path_is_accepted(void **state)
{
	const char *const *paths;
	struct expr_error err;
	struct expr *e;

	(void)state;
	e = expr_compile("anything.at_all == \"\" and _x.y_2", NULL, NULL, &err);
	assert_non_null(e);
	assert_int_equal(expr_paths(e, &paths), 2);
	assert_string_equal(paths[0], "anything.at_all");
	assert_string_equal(paths[1], "_x.y_2");
	assert_int_equal(expr_eval(e, get, (void *)jan), 0);
	expr_free(e);
}

static void
keywords_are_lowercase_so_other_spellings_are_paths(void **state)
{
	const char *const *paths;
	struct expr *e;

	(void)state;
	e = expr_compile("Empty or IN.x or not_", NULL, NULL, NULL);
	assert_non_null(e);
	assert_int_equal(expr_paths(e, &paths), 3);
	assert_string_equal(paths[0], "Empty");
	assert_string_equal(paths[1], "IN.x");
	assert_string_equal(paths[2], "not_");
	expr_free(e);
	expr_free(NULL);
}

/* --- errors: fields --- */

static void
an_unknown_field_is_named_with_a_suggestion(void **state)
{
	(void)state;
	assert_error("contract.departement.code == \"ICT\"", 0,
		     "unknown field \"contract.departement.code\" (did you mean \"contract.department.code\"?)");
	assert_error("given_name == \"Jan\" and (contract.typ == \"intern\")", 25,
		     "unknown field \"contract.typ\" (did you mean \"contract.type\"?)");
	assert_error("contract.type in [\"intern\", givenname]", 28,
		     "unknown field \"givenname\" (did you mean \"given_name\"?)");
}

static void
an_unknown_field_without_a_likely_match_is_named_alone(void **state)
{
	(void)state;
	assert_error("salary > 1000", 0, "unknown field \"salary\"");
	assert_error("given_name and contract.salary", 15, "unknown field \"contract.salary\"");
}

static void
a_path_ending_in_a_dot_wants_a_name(void **state)
{
	(void)state;
	assert_error("contract. == 1", 9, "expected a name after \"contract.\", found a space");
	assert_error("contract.", 9, "expected a name after \"contract.\", found end of condition");
	assert_error("contract.5", 9, "expected a name after \"contract.\", found \"5\"");
	assert_error("contract..type", 9, "expected a name after \"contract.\", found \".\"");
	assert_error("contract.\"type\"", 9, "expected a name after \"contract.\", found '\"'");
	assert_error("contract.\ntype", 9, "expected a name after \"contract.\", found a line break");
}

/* --- errors: literals --- */

static void
an_unclosed_string_is_reported_at_its_opening_quote(void **state)
{
	(void)state;
	assert_error("given_name == \"Jan", 14, "unclosed string");
	assert_error("given_name == \"Jan\\\"", 14, "unclosed string");
	assert_error("given_name == \"Jan\\", 14, "unclosed string");
	/* A string does not span lines. */
	assert_error("given_name == \"Jan\nand family_name == \"x\"", 14, "unclosed string");
}

static void
an_unknown_escape_is_reported_at_its_backslash(void **state)
{
	(void)state;
	assert_error("given_name == \"a\\qb\"", 16,
		     "unknown escape \"\\q\" in a string, expected \\\", \\\\, \\n or \\t");
	assert_error("given_name matches \"\\d+\"", 20,
		     "unknown escape \"\\d\" in a string, expected \\\", \\\\, \\n or \\t");
}

static void
a_malformed_number_is_reported_whole(void **state)
{
	(void)state;
	assert_error("contract.fte == 1.5.2", 16,
		     "bad number \"1.5.2\", expected digits with an optional fraction such as 0.5");
	assert_error("contract.fte == 1.", 16,
		     "bad number \"1.\", expected digits with an optional fraction such as 0.5");
	assert_error("contract.fte == 12abc", 16,
		     "bad number \"12abc\", expected digits with an optional fraction such as 0.5");
	assert_error("contract.fte == -x", 17, "expected a digit after \"-\", found \"x\"");
	assert_error("contract.fte == -", 17, "expected a digit after \"-\", found end of condition");
	assert_error("contract.fte == .5", 16, "expected a value after \"==\", found \".\"");
}

static void
text_that_is_not_utf8_is_refused_at_its_first_bad_byte(void **state)
{
	(void)state;
	assert_error("given_name == \"\xff\"", 15, "invalid UTF-8 (byte 0xff)");
	assert_error("given_name == \"\xc3\"", 15, "invalid UTF-8 (byte 0xc3)");
}

/* --- errors: operators --- */

static void
an_unknown_operator_is_named_with_the_one_meant(void **state)
{
	(void)state;
	assert_error("contract.type = \"intern\"", 14, "unknown operator \"=\" (did you mean \"==\"?)");
	assert_error("contract.type === \"intern\"", 14, "unknown operator \"===\" (did you mean \"==\"?)");
	assert_error("contract.type <> \"intern\"", 14, "unknown operator \"<>\" (did you mean \"!=\"?)");
	assert_error("contract.fte => 1", 13, "unknown operator \"=>\" (did you mean \">=\"?)");
	assert_error("contract.fte =< 1", 13, "unknown operator \"=<\" (did you mean \"<=\"?)");
	assert_error("given_name && family_name", 11, "unknown operator \"&&\" (did you mean \"and\"?)");
	assert_error("given_name || family_name", 11, "unknown operator \"||\" (did you mean \"or\"?)");
	assert_error("!given_name", 0, "unknown operator \"!\" (did you mean \"not\"?)");
	assert_error("given_name =~ \"^j\"", 11, "unknown operator \"=~\" (did you mean \"matches\"?)");
	assert_error("contract.fte << 1", 13, "unknown operator \"<<\"");
}

static void
a_misspelt_word_operator_is_named_with_the_one_meant(void **state)
{
	(void)state;
	assert_error("contract.title.name contain \"Intern\"", 20,
		     "unknown operator \"contain\" (did you mean \"contains\"?)");
	assert_error("given_name startswith \"J\"", 11,
		     "unknown operator \"startswith\" (did you mean \"starts_with\"?)");
	assert_error("given_name match \"^j\"", 11, "unknown operator \"match\" (did you mean \"matches\"?)");
	assert_error("contract.type IN [\"x\"]", 14, "unknown operator \"IN\" (did you mean \"in\"?)");
	assert_error("given_name AND family_name", 11, "unknown operator \"AND\" (did you mean \"and\"?)");
	assert_error("given_name an family_name", 11, "unknown operator \"an\" (did you mean \"and\"?)");
	/* After a whole comparison only "and" and "or" can follow. */
	assert_error("given_name == \"x\" Or family_name", 18, "unknown operator \"Or\" (did you mean \"or\"?)");
	assert_error("given_name == \"x\" contain \"y\"", 18,
		     "expected \"and\", \"or\" or the end of the condition, found \"contain\"");
}

static void
a_value_is_expected_after_an_operator(void **state)
{
	(void)state;
	assert_error("contract.department.code ==", 27, "expected a value after \"==\", found end of condition");
	assert_error("contract.department.code == and", 28, "expected a value after \"==\", found \"and\"");
	assert_error("contract.fte >= )", 16, "expected a value after \">=\", found \")\"");
	assert_error("given_name contains", 19, "expected a value after \"contains\", found end of condition");
	assert_error("given_name starts_with [\"a\"]", 23, "expected a value after \"starts_with\", found \"[\"");
	assert_error("given_name == 'Jan'", 14,
		     "expected a value after \"==\", found \"'\" (strings take double quotes)");
	assert_error("given_name == @", 14, "expected a value after \"==\", found \"@\"");
	assert_error("given_name == \xc2\xa0\"x\"", 14, "expected a value after \"==\", found \"\xc2\xa0\" (U+00A0)");
	assert_error("given_name == \x01", 14, "expected a value after \"==\", found U+0001");
	assert_error("given_name == \\", 14, "expected a value after \"==\", found '\\'");
}

static void
in_needs_a_list(void **state)
{
	(void)state;
	assert_error("contract.department.code in \"ICT\"", 28, "\"in\" needs a list such as [\"ICT\", \"FIN\"]");
	assert_error("contract.department.code in", 27, "\"in\" needs a list such as [\"ICT\", \"FIN\"]");
	assert_error("contract.department.code in (\"ICT\")", 28, "\"in\" needs a list such as [\"ICT\", \"FIN\"]");
}

static void
a_list_is_values_between_brackets_separated_by_commas(void **state)
{
	(void)state;
	assert_error("contract.type in [\"a\", \"b\"", 17, "unclosed \"[\"");
	assert_error("contract.type in [", 18, "expected a value after \"[\", found end of condition");
	assert_error("contract.type in [\"a\",", 22, "expected a value after \",\", found end of condition");
	assert_error("contract.type in [\"a\",]", 22, "expected a value after \",\", found \"]\"");
	assert_error("contract.type in [,\"a\"]", 18, "expected a value after \"[\", found \",\"");
	assert_error("contract.type in [\"a\" \"b\"]", 22, "expected \",\" or \"]\" in the list, found string \"b\"");
	assert_error("contract.type in [\"a\"; 2]", 21, "expected \",\" or \"]\" in the list, found \";\"");
	assert_error("contract.type in [[\"a\"]]", 18, "expected a value after \"[\", found \"[\"");
}

static void
is_is_followed_by_empty_or_not_empty(void **state)
{
	(void)state;
	assert_error("partner_name is null", 16, "expected \"empty\" or \"not empty\" after \"is\", found \"null\"");
	assert_error("partner_name is", 15, "expected \"empty\" or \"not empty\" after \"is\", found end of condition");
	assert_error("partner_name is not", 19, "expected \"empty\" after \"is not\", found end of condition");
	assert_error("partner_name is not 5", 20, "expected \"empty\" after \"is not\", found number 5");
}

static void
matches_needs_a_pattern_in_quotes(void **state)
{
	(void)state;
	assert_error("given_name matches family_name", 19,
		     "\"matches\" needs a regular expression in quotes such as \"^ict-\"");
	assert_error("employee_id matches 10", 20,
		     "\"matches\" needs a regular expression in quotes such as \"^ict-\"");
	assert_error("given_name matches", 18, "expected a value after \"matches\", found end of condition");
}

static void
a_bad_regular_expression_is_refused_with_the_reason(void **state)
{
	char why[256], want[512];
	regex_t re;
	int rc;

	(void)state;
	/* The reason is the C library's own words. */
	rc = regcomp(&re, "(ict", REG_EXTENDED | REG_ICASE | REG_NOSUB);
	assert_int_not_equal(rc, 0);
	regerror(rc, &re, why, sizeof(why));
	snprintf(want, sizeof(want), "bad regular expression \"(ict\": %s", why);
	assert_error("contract.department.code matches \"(ict\"", 33, want);
	rc = regcomp(&re, "a{2,1}", REG_EXTENDED | REG_ICASE | REG_NOSUB);
	assert_int_not_equal(rc, 0);
	regerror(rc, &re, why, sizeof(why));
	snprintf(want, sizeof(want), "bad regular expression \"a{2,1}\": %s", why);
	assert_error("given_name == \"x\" or given_name matches \"a{2,1}\"", 40, want);
}

static void
regular_expressions_that_would_take_too_long_are_refused(void **state)
{
	char deep[256], deep_text[512], text[512];
	size_t n = 0;

	(void)state;
	assert_error("given_name matches \"(a)\\\\1\"", 19,
		     "bad regular expression \"(a)\\\\1\": back-references such as \\1 are not supported");
	assert_error("given_name matches \"a{1,5000}\"", 19,
		     "bad regular expression \"a{1,5000}\": its repetitions expand to more than 1000 characters");
	assert_error("given_name matches \"((a{1,40}){1,40})\"", 19,
		     "bad regular expression \"((a{1,40}){1,40})\": its repetitions expand to more than 1000 "
		     "characters");
	assert_error("given_name matches \"(ab+){600}\"", 19,
		     "bad regular expression \"(ab+){600}\": its repetitions expand to more than 1000 characters");
	for (int i = 0; i < 65; i++)
		deep[n++] = '(';
	deep[n++] = 'a';
	for (int i = 0; i < 65; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	snprintf(deep_text, sizeof(deep_text), "given_name matches \"%s\"", deep);
	snprintf(text, sizeof(text), "bad regular expression \"%s\": groups nested more than 64 deep", deep);
	assert_error(deep_text, 19, text);
	/* What is just within the limits compiles: a bracket or an escape is one character. */
	T("employee_id matches \"^[0-9]{4}(-[a-z]{1,100}){0,8}$\"");
	T("employee_id matches \"^[[:digit:]]{1,990}$\"");
	F("employee_id matches \"^\\\\({1,990}$\"");
	T("employee_id matches \"^[]a0-9]{4}$\"");
	/* A backslash before a multi-byte character escapes all of it. */
	T("given_name matches \"^\\\\\xc3\xa9mile$\"");
	T("given_name matches \"\\\\\xc3\x89\"");
}

/* --- errors: structure --- */

static void
a_condition_is_expected_at_the_start_and_after_and_or_not(void **state)
{
	(void)state;
	assert_error("", 0, "empty condition, expected one such as contract.department.code == \"ICT\"");
	assert_error("  \n ", 4, "empty condition, expected one such as contract.department.code == \"ICT\"");
	assert_error("== \"ICT\"", 0, "expected a condition, found \"==\"");
	assert_error("and given_name", 0, "expected a condition, found \"and\"");
	assert_error("given_name and", 14, "expected a condition after \"and\", found end of condition");
	assert_error("given_name or or family_name", 14, "expected a condition after \"or\", found \"or\"");
	assert_error("not", 3, "expected a condition after \"not\", found end of condition");
	assert_error("(not)", 4, "expected a condition after \"not\", found \")\"");
	assert_error("()", 1, "expected a condition after \"(\", found \")\"");
	assert_error("given_name and ]", 15, "expected a condition after \"and\", found \"]\"");
}

static void
what_follows_a_condition_must_be_and_or_or_the_end(void **state)
{
	(void)state;
	assert_error("contract.department.code == \"ICT\" foo", 34,
		     "expected \"and\", \"or\" or the end of the condition, found \"foo\"");
	assert_error("given_name foo", 11, "expected \"and\", \"or\" or the end of the condition, found \"foo\"");
	assert_error("given_name == \"a\" == \"b\"", 18,
		     "expected \"and\", \"or\" or the end of the condition, found \"==\"");
	assert_error("given_name \"Jan\"", 11,
		     "expected \"and\", \"or\" or the end of the condition, found string \"Jan\"");
	assert_error("given_name 12", 11, "expected \"and\", \"or\" or the end of the condition, found number 12");
	assert_error("(given_name) == \"x\"", 13, "expected \"and\", \"or\" or the end of the condition, found \"==\"");
	assert_error("given_name, family_name", 10,
		     "expected \"and\", \"or\" or the end of the condition, found \",\"");
}

static void
not_after_a_value_is_explained(void **state)
{
	(void)state;
	assert_error("contract.type not in [\"intern\"]", 14,
		     "unexpected \"not\": it goes before the comparison, as in not contract.type in [\"intern\"]");
}

static void
parentheses_must_match(void **state)
{
	(void)state;
	assert_error("given_name == \"x\")", 17, "unexpected \")\"");
	assert_error("given_name)", 10, "unexpected \")\"");
	assert_error("(given_name or family_name", 0, "unclosed \"(\"");
	assert_error("given_name and ((family_name or partner_name)", 15, "unclosed \"(\"");
	assert_error("(given_name foo)", 12, "expected \"and\", \"or\" or \")\", found \"foo\"");
	assert_error("(given_name == \"x\" ]", 19, "expected \"and\", \"or\" or \")\", found \"]\"");
}

static void
a_long_found_token_is_cut_between_characters(void **state)
{
	char text[256], want[256];

	(void)state;
	/* 60 ASCII bytes and then é (2 bytes) from byte 63 on: the cut falls before it. */
	snprintf(text, sizeof(text), "given_name \"%s\xc3\xa9\xc3\xa9\"",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	snprintf(want, sizeof(want), "expected \"and\", \"or\" or the end of the condition, found string \"%s...\"",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_error(text, 11, want);
	assert_error("given_name \"a\tb\x01\"", 11,
		     "expected \"and\", \"or\" or the end of the condition, found string \"a\\tb\\x01\"");
}

/* --- limits --- */

static void
a_condition_longer_than_4096_bytes_is_refused(void **state)
{
	char *text = malloc(5000);
	struct expr *e;
	size_t n;

	(void)state;
	/* "given_name or " repeated, ending in a path: exactly 4096 bytes compiles. */
	n = 0;
	while (n + 14 + 10 <= 4096) {
		memcpy(text + n, "given_name or ", 14);
		n += 14;
	}
	while (n < 4096 - 10)
		text[n++] = ' ';
	memcpy(text + n, "given_name", 10);
	n += 10;
	text[n] = '\0';
	assert_int_equal(strlen(text), 4096);
	e = expr_compile(text, known, NULL, NULL);
	assert_non_null(e);
	assert_int_equal(expr_eval(e, get, (void *)jan), 1);
	expr_free(e);
	text[n] = ' ';
	text[n + 1] = '\0';
	assert_error(text, 4096, "condition too long: more than 4096 bytes");
	free(text);
}

static void
nesting_deeper_than_64_levels_is_refused(void **state)
{
	char text[4096];
	size_t n = 0;
	struct expr *e;

	(void)state;
	/* 64 levels of "(" and "not" together compile: 32 "not" of an empty field are false. */
	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "(not ");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "partner_name");
	for (int i = 0; i < 32; i++)
		text[n++] = ')';
	text[n] = '\0';
	e = expr_compile(text, known, NULL, NULL);
	assert_non_null(e);
	assert_int_equal(expr_eval(e, get, (void *)jan), 0);
	expr_free(e);
	/* One more "not" is the 65th level, at byte 160. */
	snprintf(text, sizeof(text), "%.160snot %s",
		 "(not (not (not (not (not (not (not (not (not (not (not (not "
		 "(not (not (not (not (not (not (not (not (not (not (not (not (not (not (not (not (not (not (not (not ",
		 "x");
	assert_error(text, 160, "too deeply nested: more than 64 levels of \"(\" and \"not\"");
	n = 0;
	for (int i = 0; i < 65; i++)
		text[n++] = '(';
	text[n] = '\0';
	assert_error(text, 64, "too deeply nested: more than 64 levels of \"(\" and \"not\"");
	/* Depth counts what is open: 100 groups one after the other are fine. */
	n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s(given_name)", i ? " and " : "");
	e = expr_compile(text, known, NULL, NULL);
	assert_non_null(e);
	expr_free(e);
}

static void
a_list_longer_than_1024_items_is_refused(void **state)
{
	char text[4096];
	size_t n;
	struct expr *e;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "employee_id in [");
	for (int i = 0; i < 1024; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d", i ? "," : "", i % 10);
	snprintf(text + n, sizeof(text) - n, "]");
	e = expr_compile(text, known, NULL, NULL);
	assert_non_null(e);
	assert_int_equal(expr_eval(e, get, (void *)jan), 0);
	expr_free(e);
	/* The 1025th item is refused where it starts. */
	snprintf(text + n, sizeof(text) - n, ",1001]");
	assert_error(text, n + 1, "list too long: more than 1024 items");
}

static void
an_error_leaves_nothing_behind(void **state)
{
	static const char *const bad[] = {
		"given_name and family_name and (partner_name or contract.fte > \"x\" or foo)",
		"contract.type in [\"a\", \"b\", given_name, 1, 2, 3",
		"not not not (given_name matches \"(\")",
		"given_name matches \"x\" and family_name matches \"(\"",
		"given_name == \"x\" or (family_name contains \"y\" and partner_name is not",
	};

	(void)state;
	/* Run under valgrind and ASan (meson test --wrap): every partial tree is freed. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct expr_error err;

		assert_null(expr_compile(bad[i], known, NULL, &err));
		assert_true(err.msg[0] != '\0');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(equality_compares_strings_exactly),
		cmocka_unit_test(string_escapes_are_resolved),
		cmocka_unit_test(numbers_order_numerically),
		cmocka_unit_test(values_with_a_sign_or_fraction_are_numbers_but_not_other_forms),
		cmocka_unit_test(dates_order_by_day),
		cmocka_unit_test(other_values_order_bytewise),
		cmocka_unit_test(contains_ignores_case_also_beyond_ascii),
		cmocka_unit_test(starts_with_ignores_case_also_beyond_ascii),
		cmocka_unit_test(ends_with_ignores_case_also_beyond_ascii),
		cmocka_unit_test(case_folding_maps_sharp_s_to_ss),
		cmocka_unit_test(matches_is_an_extended_regular_expression_that_ignores_case),
		cmocka_unit_test(matches_keeps_escaped_letters_as_written),
		cmocka_unit_test(in_compares_with_every_item_of_the_list),
		cmocka_unit_test(is_empty_and_is_not_empty),
		cmocka_unit_test(a_bare_path_is_true_when_not_empty),
		cmocka_unit_test(and_or_not_combine_conditions),
		cmocka_unit_test(and_binds_tighter_than_or),
		cmocka_unit_test(not_binds_tighter_than_and),
		cmocka_unit_test(parentheses_group),
		cmocka_unit_test(white_space_and_line_breaks_separate_tokens),
		cmocka_unit_test(paths_are_listed_once_in_order_of_first_use),
		cmocka_unit_test(a_condition_of_literals_reads_no_paths),
		cmocka_unit_test(without_known_every_path_is_accepted),
		cmocka_unit_test(keywords_are_lowercase_so_other_spellings_are_paths),
		cmocka_unit_test(an_unknown_field_is_named_with_a_suggestion),
		cmocka_unit_test(an_unknown_field_without_a_likely_match_is_named_alone),
		cmocka_unit_test(a_path_ending_in_a_dot_wants_a_name),
		cmocka_unit_test(an_unclosed_string_is_reported_at_its_opening_quote),
		cmocka_unit_test(an_unknown_escape_is_reported_at_its_backslash),
		cmocka_unit_test(a_malformed_number_is_reported_whole),
		cmocka_unit_test(text_that_is_not_utf8_is_refused_at_its_first_bad_byte),
		cmocka_unit_test(an_unknown_operator_is_named_with_the_one_meant),
		cmocka_unit_test(a_misspelt_word_operator_is_named_with_the_one_meant),
		cmocka_unit_test(a_value_is_expected_after_an_operator),
		cmocka_unit_test(in_needs_a_list),
		cmocka_unit_test(a_list_is_values_between_brackets_separated_by_commas),
		cmocka_unit_test(is_is_followed_by_empty_or_not_empty),
		cmocka_unit_test(matches_needs_a_pattern_in_quotes),
		cmocka_unit_test(a_bad_regular_expression_is_refused_with_the_reason),
		cmocka_unit_test(regular_expressions_that_would_take_too_long_are_refused),
		cmocka_unit_test(a_condition_is_expected_at_the_start_and_after_and_or_not),
		cmocka_unit_test(what_follows_a_condition_must_be_and_or_or_the_end),
		cmocka_unit_test(not_after_a_value_is_explained),
		cmocka_unit_test(parentheses_must_match),
		cmocka_unit_test(a_long_found_token_is_cut_between_characters),
		cmocka_unit_test(a_condition_longer_than_4096_bytes_is_refused),
		cmocka_unit_test(nesting_deeper_than_64_levels_is_refused),
		cmocka_unit_test(a_list_longer_than_1024_items_is_refused),
		cmocka_unit_test(an_error_leaves_nothing_behind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
