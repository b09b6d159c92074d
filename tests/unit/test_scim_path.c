/*
 * Unit tests for connector/scim_path.c: SCIM attribute paths as
 * roster.yaml names a scim target's attributes, the filters and PATCH
 * paths made from them, reading and changing resources by them, and what
 * a provider's answers say (errors, Retry-After, lists).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "connector/scim_path.h"
#include "testlib.h"

#define ENT "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

static void
parse_ok(const char *s, struct scim_path *p)
{
	char why[256] = "";

	if (scim_path_parse(s, p, why, sizeof(why)) < 0)
		fail_msg("\"%s\" was refused: %s", s, why);
}

/* The message a path is refused with. */
static const char *
refused(const char *s)
{
	static char why[512];
	struct scim_path p;

	why[0] = '\0';
	assert_int_equal(scim_path_parse(s, &p, why, sizeof(why)), -1);
	scim_path_release(&p);
	return why;
}

static char *
formatted(const char *s, int with_sub)
{
	struct scim_path p;
	struct buf b = BUF_INIT;

	parse_ok(s, &p);
	scim_path_format(&p, with_sub, &b);
	scim_path_release(&p);
	return buf_detach(&b);
}

static char *
filter_of(const char *path, const char *value)
{
	struct scim_path p;
	struct buf b = BUF_INIT;

	parse_ok(path, &p);
	scim_path_filter(&p, value, &b);
	scim_path_release(&p);
	return buf_detach(&b);
}

static void
every_form_of_path_is_parsed_into_its_parts(void **state)
{
	struct scim_path p;

	(void)state;
	parse_ok("userName", &p);
	assert_null(p.urn);
	assert_string_equal(p.attr, "userName");
	assert_null(p.sub);
	assert_int_equal(p.nterms, 0);
	scim_path_release(&p);

	parse_ok("name.givenName", &p);
	assert_string_equal(p.attr, "name");
	assert_string_equal(p.sub, "givenName");
	scim_path_release(&p);

	parse_ok("emails[type eq \"work\" and primary eq true].value", &p);
	assert_string_equal(p.attr, "emails");
	assert_int_equal(p.nterms, 2);
	assert_string_equal(p.terms[0].attr, "type");
	assert_string_equal(json_string_value(p.terms[0].value), "work");
	assert_true(json_is_true(p.terms[1].value));
	assert_string_equal(p.sub, "value");
	scim_path_release(&p);

	parse_ok(ENT ":manager.value", &p);
	assert_string_equal(p.urn, ENT);
	assert_string_equal(p.attr, "manager");
	assert_string_equal(p.sub, "value");
	scim_path_release(&p);

	/* the core schema's URN is the resource itself */
	parse_ok("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName", &p);
	assert_null(p.urn);
	assert_string_equal(p.attr, "name");
	scim_path_release(&p);

	/* a colon in a filter's value is no URN's */
	parse_ok("urn:x:ext:addresses[type eq \"a:b\"].locality", &p);
	assert_string_equal(p.urn, "urn:x:ext");
	assert_string_equal(json_string_value(p.terms[0].value), "a:b");
	scim_path_release(&p);

	/* escapes in a filter's value are JSON's */
	parse_ok("emails[type eq \"w\\\"o\\\\rk\\u00eb\"].value", &p);
	assert_string_equal(json_string_value(p.terms[0].value), "w\"o\\rk\xc3\xab");
	scim_path_release(&p);
}

static void
a_path_that_is_not_one_is_refused_saying_where(void **state)
{
	(void)state;
	tl_assert_contains(refused(""), "an empty attribute path");
	tl_assert_contains(refused("1abc"), "expected an attribute name");
	tl_assert_contains(refused("name."), "expected a sub-attribute name after \".\" at offset 5");
	tl_assert_contains(refused("name.given.x"), "unexpected characters at offset 10");
	tl_assert_contains(refused("emails[type = \"work\"].value"), "expected \"eq\"");
	tl_assert_contains(refused("emails[type eq work].value"), "expected a value");
	tl_assert_contains(refused("emails[type eq \"work].value"), "expected a value");
	tl_assert_contains(refused("emails[type eq \"work\" or primary eq true].value"), "expected \"and\" or \"]\"");
	tl_assert_contains(refused("emails[type eq \"work\"]"), "expected a sub-attribute after the filter");
	tl_assert_contains(refused("emails[type eq {}].value"), "expected a value");
	tl_assert_contains(refused("urn:only"), "expected a schema URN, a colon and an attribute");
	tl_assert_contains(refused("urn:a b:c"), "a character a URN cannot have");
	tl_assert_contains(refused("a[b eq 1 and c eq 2 and d eq 3 and e eq 4 and f eq 5].v"), "more terms");
	tl_assert_contains(refused("user Name"), "unexpected characters at offset 4");
	tl_assert_contains(refused("emails[type eq \"a\" and Type eq \"b\"].value"),
			   "a sub-attribute the filter names twice");
}

static void
multi_valued_attributes_need_a_filter(void **state)
{
	struct scim_path p;

	(void)state;
	parse_ok("emails.value", &p);
	assert_true(scim_path_multi_unselected(&p));
	scim_path_release(&p);
	parse_ok("emails[type eq \"work\"].value", &p);
	assert_false(scim_path_multi_unselected(&p));
	scim_path_release(&p);
	parse_ok("name.givenName", &p);
	assert_false(scim_path_multi_unselected(&p));
	scim_path_release(&p);
}

static void
patch_paths_and_filters_quote_every_value_as_json(void **state)
{
	char *s;

	(void)state;
	s = formatted("emails[type eq \"wo\\\"rk\"].value", 1);
	assert_string_equal(s, "emails[type eq \"wo\\\"rk\"].value");
	free(s);
	s = formatted("emails[Type EQ \"work\"  and primary eq true].value", 0);
	assert_string_equal(s, "emails[Type eq \"work\" and primary eq true]");
	free(s);
	s = formatted(ENT ":manager.value", 1);
	assert_string_equal(s, ENT ":manager.value");
	free(s);

	s = filter_of("userName", "jan \"the man\" \\ smit");
	assert_string_equal(s, "userName eq \"jan \\\"the man\\\" \\\\ smit\"");
	free(s);
	s = filter_of(ENT ":employeeNumber", "Zoë\n\x01");
	assert_string_equal(s, ENT ":employeeNumber eq \"Zoë\\n\\u0001\"");
	free(s);
	/* a valuePath takes no sub-attribute after it: the value goes into its filter */
	s = filter_of("emails[type eq \"work\"].value", "a@b");
	assert_string_equal(s, "emails[type eq \"work\" and value eq \"a@b\"]");
	free(s);
	s = filter_of("name.familyName", "O'Brien");
	assert_string_equal(s, "name.familyName eq \"O'Brien\"");
	free(s);
}

static json_t *
doc(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);

	if (!j)
		fail_msg("not JSON: %s: %s", je.text, s);
	return j;
}

/* The value at path in res, as text; "(none)" when there is none, "(error)" when it is not one. */
static const char *
get(const char *path, const json_t *res)
{
	static char out[256];
	struct arena a = ARENA_INIT;
	struct scim_path p;
	const char *v;
	int got;

	parse_ok(path, &p);
	got = scim_path_get(&p, res, &a, &v);
	scim_path_release(&p);
	snprintf(out, sizeof(out), "%s", got == 1 ? v : got == 0 ? "(none)" : "(error)");
	arena_release(&a);
	return out;
}

static void
values_are_read_from_every_form_of_path(void **state)
{
	json_t *u = doc("{\"id\":\"1\",\"UserName\":\"jan\",\"name\":{\"givenName\":\"Jan\"},"
			"\"emails\":[{\"type\":\"home\",\"value\":\"h@x\"},{\"type\":\"Work\",\"value\":\"w@x\"}],"
			"\"phoneNumbers\":[{\"value\":\"1\"},{\"value\":\"2\",\"primary\":true}],"
			"\"active\":false,\"x509\":5,\"f\":1.5,\"nothing\":null,"
			"\"" ENT "\":{\"employeeNumber\":\"42\",\"manager\":{\"value\":\"m\"}}}");

	(void)state;
	assert_string_equal(get("userName", u), "jan"); /* names without case */
	assert_string_equal(get("name.givenName", u), "Jan");
	assert_string_equal(get("name.familyName", u), "(none)");
	assert_string_equal(get("emails[type eq \"work\"].value", u), "w@x"); /* values without ASCII case */
	assert_string_equal(get("emails[type eq \"other\"].value", u), "(none)");
	assert_string_equal(get("phoneNumbers.value", u), "2"); /* the primary one */
	assert_string_equal(get("active", u), "false");
	assert_string_equal(get("x509", u), "5");
	assert_string_equal(get("f", u), "1.5");
	assert_string_equal(get("nothing", u), "(none)");
	assert_string_equal(get("name", u), "(error)");
	assert_string_equal(get(ENT ":employeeNumber", u), "42");
	assert_string_equal(get(ENT ":manager.value", u), "m");
	assert_string_equal(get("urn:other:x:employeeNumber", u), "(none)");
	json_decref(u);

	/* a NUL in a value, or one too long, is no value roster can hold */
	u = json_object();
	json_object_set_new(u, "a", json_stringn("a\0b", 3));
	{
		char *big = malloc(SCIM_VALUE_MAX + 2);

		memset(big, 'x', SCIM_VALUE_MAX + 1);
		big[SCIM_VALUE_MAX + 1] = '\0';
		json_object_set_new(u, "b", json_string(big));
		free(big);
	}
	assert_string_equal(get("a", u), "(error)");
	assert_string_equal(get("b", u), "(error)");
	json_decref(u);
}

static void
set(const char *path, json_t *res, const char *value, int want)
{
	struct scim_path p;

	parse_ok(path, &p);
	assert_int_equal(scim_path_set(&p, res, value), want);
	scim_path_release(&p);
}

static void
assert_json(const json_t *j, const char *want)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *w = doc(want);
	char *ws = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);

	assert_string_equal(s, ws);
	free(s);
	free(ws);
	json_decref(w);
}

static void
values_are_set_making_what_is_on_the_way(void **state)
{
	json_t *u = json_object();

	(void)state;
	set("userName", u, "jan", 0);
	set("name.givenName", u, "Jan", 0);
	set("emails[type eq \"work\" and primary eq true].value", u, "w@x", 0);
	set(ENT ":manager.value", u, "m", 0);
	set(ENT ":department", u, "", 0); /* nothing to remove: nothing made */
	assert_json(u, "{\"userName\":\"jan\",\"name\":{\"givenName\":\"Jan\"},"
		       "\"emails\":[{\"type\":\"work\",\"primary\":true,\"value\":\"w@x\"}],"
		       "\"" ENT "\":{\"manager\":{\"value\":\"m\"}}}");
	/* the value the filter selects is changed, not added to */
	set("emails[type eq \"WORK\" and primary eq true].value", u, "w2@x", 0);
	set("name.GIVENNAME", u, "Jo", 0);
	assert_json(u, "{\"userName\":\"jan\",\"name\":{\"givenName\":\"Jo\"},"
		       "\"emails\":[{\"type\":\"work\",\"primary\":true,\"value\":\"w2@x\"}],"
		       "\"" ENT "\":{\"manager\":{\"value\":\"m\"}}}");
	json_decref(u);
}

static void
removing_a_value_removes_what_it_leaves_empty(void **state)
{
	json_t *u = doc("{\"name\":{\"givenName\":\"Jan\",\"familyName\":\"Smit\"},"
			"\"emails\":[{\"type\":\"work\",\"value\":\"w@x\"},{\"type\":\"home\",\"value\":\"h@x\"}],"
			"\"addresses\":[{\"type\":\"work\",\"locality\":\"Utrecht\",\"region\":\"U\"}],"
			"\"" ENT "\":{\"manager\":{\"value\":\"m\"}}}");

	(void)state;
	set("name.givenName", u, "", 0);
	set("emails[type eq \"work\"].value", u, NULL, 0);     /* the value itself goes */
	set("addresses[type eq \"work\"].locality", u, "", 0); /* only the sub-attribute */
	set(ENT ":manager.value", u, "", 0);
	assert_json(u, "{\"name\":{\"familyName\":\"Smit\"},\"emails\":[{\"type\":\"home\",\"value\":\"h@x\"}],"
		       "\"addresses\":[{\"type\":\"work\",\"region\":\"U\"}]}");
	set("emails[type eq \"home\"].value", u, "", 0);
	set("name.familyName", u, "", 0);
	assert_json(u, "{\"addresses\":[{\"type\":\"work\",\"region\":\"U\"}]}");
	json_decref(u);
}

static void
a_value_in_the_way_of_a_path_is_an_error(void **state)
{
	json_t *u = doc("{\"name\":\"Jan\",\"emails\":{\"value\":\"x\"},\"" ENT "\":[1]}");

	(void)state;
	set("name.givenName", u, "Jan", -1);
	set("emails[type eq \"work\"].value", u, "w@x", -1);
	set(ENT ":department", u, "ICT", -1);
	set("displayName", u, "\xff\xfe", -1); /* not UTF-8 */
	json_decref(u);
}

static void
error_answers_give_their_detail_as_printable_text(void **state)
{
	struct scim_error se;
	const char *scim = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"409\","
			   "\"scimType\":\"uniqueness\",\"detail\":\"userName \\\"x\\\"\\n is taken\"}";
	const char *html = "<html>\r\n<b>Bad\x01gateway</b>\xff";
	char big[2000];

	(void)state;
	scim_error_parse(scim, strlen(scim), &se);
	assert_string_equal(se.detail, "userName \"x\"  is taken");
	assert_string_equal(se.type, "uniqueness");
	scim_error_parse("{\"error\":\"invalid_client\"}", 26, &se);
	assert_string_equal(se.detail, "invalid_client");
	assert_string_equal(se.type, "");
	scim_error_parse(html, strlen(html), &se);
	assert_string_equal(se.detail, "<html>  <b>Bad gateway</b>?");
	scim_error_parse("", 0, &se);
	assert_string_equal(se.detail, "");
	/* cut on a character: a long detail of "ë" ends with a whole one */
	for (size_t i = 0; i + 1 < sizeof(big); i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xab;
	}
	scim_error_parse(big, sizeof(big), &se);
	assert_true(strlen(se.detail) % 2 == 0);
	assert_true(strlen(se.detail) >= sizeof(se.detail) - 2);
}

static void
retry_after_is_seconds_or_a_date(void **state)
{
	time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */

	(void)state;
	assert_int_equal(scim_retry_after("120", now), 120);
	assert_int_equal(scim_retry_after(" 5 ", now), 5);
	assert_int_equal(scim_retry_after("0", now), 0);
	assert_int_equal(scim_retry_after("99999999999999999999", now), 1000000000L);
	assert_int_equal(scim_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now), 30);
	assert_int_equal(scim_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now), 0);
	assert_int_equal(scim_retry_after("soon", now), -1);
	assert_int_equal(scim_retry_after("5s", now), -1);
	assert_int_equal(scim_retry_after("", now), -1);
}

static void
list_responses_give_their_resources_and_total(void **state)
{
	json_t *l = doc("{\"totalResults\":3,\"Resources\":[{\"id\":\"a\"}]}"), *r;
	long total;

	(void)state;
	assert_int_equal(scim_list_parse(l, &r, &total), 0);
	assert_int_equal(total, 3);
	assert_int_equal(json_array_size(r), 1);
	json_decref(l);
	l = doc("{\"totalResults\":\"3\",\"resources\":{}}");
	assert_int_equal(scim_list_parse(l, &r, &total), 0);
	assert_int_equal(total, -1);
	assert_null(r);
	json_decref(l);
	l = doc("[]");
	assert_int_equal(scim_list_parse(l, &r, &total), -1);
	json_decref(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_form_of_path_is_parsed_into_its_parts),
		cmocka_unit_test(a_path_that_is_not_one_is_refused_saying_where),
		cmocka_unit_test(multi_valued_attributes_need_a_filter),
		cmocka_unit_test(patch_paths_and_filters_quote_every_value_as_json),
		cmocka_unit_test(values_are_read_from_every_form_of_path),
		cmocka_unit_test(values_are_set_making_what_is_on_the_way),
		cmocka_unit_test(removing_a_value_removes_what_it_leaves_empty),
		cmocka_unit_test(a_value_in_the_way_of_a_path_is_an_error),
		cmocka_unit_test(error_answers_give_their_detail_as_printable_text),
		cmocka_unit_test(retry_after_is_seconds_or_a_date),
		cmocka_unit_test(list_responses_give_their_resources_and_total),
	};

	return cmocka_run_group_tests_name("scim_path", tests, NULL, NULL);
}
