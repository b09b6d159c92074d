/*
 * Unit tests for source/source_json.c: persons with nested contracts and
 * assignments, read through a real roster.yaml.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "config/config.h"
#include "source/source.h"

#include "testlib.h"

static int
setup(void **state)
{
	*state = tl_source_new("json");
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	tl_source_free(*state);
	return 0;
}

#define JSON_SOURCE "sources:\n  - name: api\n    format: json\n    persons: people.json\n"

/* Writes people.json and reads the source (tl_source_read_ok). */
static void
read_ok_fl(struct tl_source *fx, const char *json, const char *file, int line)
{
	tl_put_file(fx->dir, "people.json", json);
	tl_source_read_ok_fl(fx, file, line);
}
#define read_ok(fx, json) read_ok_fl((fx), (json), __FILE__, __LINE__)

/* Writes people.json and reads the source, which must fail; returns the message (tl_source_read_err). */
static const char *
read_err_fl(struct tl_source *fx, const char *json, const char *file, int line)
{
	tl_put_file(fx->dir, "people.json", json);
	return tl_source_read_err_fl(fx, file, line);
}
#define read_err(fx, json) read_err_fl((fx), (json), __FILE__, __LINE__)

/* --- what a good file gives --- */

static void
persons_with_nested_contracts_and_assignments_are_read(void **state)
{
	struct tl_source *fx = *state;
	const struct person *p;
	const struct contract *c;
	const struct assignment *a;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[\n"
		"  {\"employee_id\": \"1001\", \"given_name\": \"Jan\", \"family_name\": \"Vries\",\n"
		"   \"family_name_prefix\": \"de\", \"name_convention\": \"b\",\n"
		"   \"contracts\": [\n"
		"     {\"contract_id\": \"C1\", \"start_date\": \"2020-01-01\", \"end_date\": \"31-12-2026\",\n"
		"      \"title\": {\"code\": \"F01\", \"name\": \"Director\"}, \"fte\": \"0,8\"},\n"
		"     {\"contract_id\": \"C2\", \"employee_id\": \"1001\", \"start_date\": \"01/02/2027\"}\n"
		"   ],\n"
		"   \"assignments\": [{\"kind\": \"project\", \"value\": \"ERP\", \"start_date\": \"2026-03-01\"}]},\n"
		"  {\"employee_id\": \"1002\", \"family_name\": \"Bakker\", \"manager_id\": \"1001\"}\n"
		"]\n");
	tl_assert_no_problems(fx);
	assert_int_equal(fx->s.npersons, 2);
	assert_int_equal(fx->s.ncontracts, 2);
	assert_int_equal(fx->s.nassignments, 1);
	p = tl_source_person(fx, "1001");
	assert_non_null(p);
	assert_string_equal(p->f[P_GIVEN_NAME], "Jan");
	assert_string_equal(p->f[P_FAMILY_NAME_PREFIX], "de");
	assert_string_equal(p->f[P_NAME_CONVENTION], "B");
	assert_string_equal(p->at.file, "people.json");
	assert_int_equal(p->at.line, 0);
	assert_int_equal(p->ncontracts, 2);
	assert_int_equal(p->nassignments, 1);
	c = tl_source_contract(fx, "C1");
	assert_non_null(c);
	assert_string_equal(c->f[C_EMPLOYEE_ID], "1001");
	assert_string_equal(c->f[C_END_DATE], "2026-12-31");
	assert_int_equal(c->end, date_from_ymd(2026, 12, 31));
	assert_string_equal(c->f[C_TITLE_CODE], "F01");
	assert_string_equal(c->f[C_TITLE_NAME], "Director");
	assert_string_equal(c->f[C_FTE], "0.8");
	assert_true(fabs(c->fte - 0.8) < 1e-9);
	assert_string_equal(tl_source_contract(fx, "C2")->f[C_START_DATE], "2027-02-01");
	a = &fx->s.assignments[p->assignment0];
	assert_string_equal(a->f[A_EMPLOYEE_ID], "1001");
	assert_string_equal(a->f[A_KIND], "project");
	assert_int_equal(a->start, date_from_ymd(2026, 3, 1));
	assert_int_equal(a->end, DATE_NONE);
	assert_string_equal(tl_source_person(fx, "1002")->f[P_MANAGER_ID], "1001");
}

static void
an_object_with_a_persons_array_is_read(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "{\"exported\": \"2026-01-05\", \"persons\": [{\"employee_id\": \"1\", \"family_name\": \"A\"}]}");
	tl_assert_no_problems(fx);
	assert_non_null(tl_source_person(fx, "1"));
}

static void
a_utf8_bom_before_the_json_is_skipped(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "\xEF\xBB\xBF[{\"employee_id\": \"1\", \"family_name\": \"Ha\xC3\xABn\"}]");
	tl_assert_no_problems(fx);
	assert_string_equal(tl_source_person(fx, "1")->f[P_FAMILY_NAME], "Ha\xC3\xABn");
}

static void
dotted_fields_are_read_as_flat_keys(void **state)
{
	struct tl_source *fx = *state;
	const struct contract *c;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		" \"start_date\": \"2026-01-01\", \"department.code\": \"ICT\", \"department.name\": \"Automatisering\"}]}]");
	tl_assert_no_problems(fx);
	c = tl_source_contract(fx, "C1");
	assert_string_equal(c->f[C_DEPARTMENT_CODE], "ICT");
	assert_string_equal(c->f[C_DEPARTMENT_NAME], "Automatisering");
}

static void
dotted_fields_are_read_as_nested_objects(void **state)
{
	struct tl_source *fx = *state;
	const struct contract *c;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		" \"start_date\": \"2026-01-01\", \"department\": {\"code\": \"ICT\", \"name\": \"Automatisering\"}}]}]");
	tl_assert_no_problems(fx);
	c = tl_source_contract(fx, "C1");
	assert_string_equal(c->f[C_DEPARTMENT_CODE], "ICT");
	assert_string_equal(c->f[C_DEPARTMENT_NAME], "Automatisering");
}

static void
a_flat_dotted_key_wins_over_a_nested_object(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		" \"start_date\": \"2026-01-01\", \"department\": {\"code\": \"NESTED\"}, \"department.code\": \"FLAT\"}]}]");
	assert_string_equal(tl_source_contract(fx, "C1")->f[C_DEPARTMENT_CODE], "FLAT");
}

static void
a_dotted_path_through_a_value_that_is_not_an_object_is_empty(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		    " \"start_date\": \"2026-01-01\", \"department\": \"ICT\"}]}]");
	tl_assert_no_problems(fx);
	assert_string_equal(tl_source_contract(fx, "C1")->f[C_DEPARTMENT_CODE], "");
}

static void
numbers_booleans_and_null_are_values(void **state)
{
	struct tl_source *fx = *state;
	const struct person *p;
	const struct contract *c;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": 1001, \"family_name\": \"A\", \"phone\": null, \"initials\": true,"
		" \"manager_id\": 1001,"
		" \"contracts\": [{\"contract_id\": 7, \"employee_id\": 1001, \"start_date\": \"2026-01-01\","
		" \"fte\": 0.8, \"cost_center\": 4100}, {\"contract_id\": 8, \"start_date\": \"2026-01-01\", \"fte\": 1}]}]");
	p = tl_source_person(fx, "1001");
	assert_non_null(p);
	assert_string_equal(p->f[P_PHONE], "");
	assert_string_equal(p->f[P_INITIALS], "true");
	c = tl_source_contract(fx, "7");
	assert_non_null(c);
	assert_string_equal(c->f[C_EMPLOYEE_ID], "1001");
	assert_string_equal(c->f[C_FTE], "0.8");
	assert_string_equal(c->f[C_COST_CENTER], "4100");
	assert_string_equal(tl_source_contract(fx, "8")->f[C_FTE], "1");
}

static void
keys_come_from_the_fields_map(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx,
			 JSON_SOURCE "    fields:\n      employee_id: id\n      family_name: [surname, achternaam]\n"
				     "      start_date: begin\n      department.code: org.unit.code\n");
	read_ok(fx,
		"[{\"id\": \"1\", \"achternaam\": \"Jansen\", \"given_name\": \"ignored\","
		" \"contracts\": [{\"contract_id\": \"C1\", \"begin\": \"2026-01-01\", \"org\": {\"unit\": {\"code\": \"ICT\"}}}]}]");
	tl_assert_no_problems(fx);
	assert_string_equal(tl_source_person(fx, "1")->f[P_FAMILY_NAME], "Jansen");
	/* With a fields map, unmapped canonical keys are not read: not given_name, not contract_id. */
	assert_string_equal(tl_source_person(fx, "1")->f[P_GIVEN_NAME], "");
	assert_null(tl_source_contract(fx, "C1"));
	assert_non_null(tl_source_contract(fx, "1/2026-01-01"));
	assert_string_equal(tl_source_contract(fx, "1/2026-01-01")->f[C_DEPARTMENT_CODE], "ICT");
}

static void
a_contract_without_an_id_is_known_by_employee_and_start(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"start_date\": \"05-01-2026\"}]}]");
	tl_assert_no_problems(fx);
	assert_non_null(tl_source_contract(fx, "1/2026-01-05"));
}

static void
extras_are_read_from_the_level_that_has_them(void **state)
{
	struct tl_source *fx = *state;
	const struct person *p;

	tl_source_config(fx, JSON_SOURCE
			 "    extra:\n      badge: badge_number\n      hours: hours\n      room: room.number\n");
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"badge_number\": 77,"
		    " \"contracts\": [{\"contract_id\": \"C1\", \"start_date\": \"2026-01-01\", \"hours\": \"32\"}],"
		    " \"assignments\": [{\"kind\": \"desk\", \"room\": {\"number\": \"B1.23\"}}]}]");
	tl_assert_no_problems(fx);
	assert_int_equal(fx->s.nextra[ENT_PERSON], 1);
	assert_int_equal(fx->s.nextra[ENT_CONTRACT], 1);
	assert_int_equal(fx->s.nextra[ENT_ASSIGNMENT], 1);
	p = tl_source_person(fx, "1");
	assert_string_equal(p->extra[0], "77");
	assert_string_equal(tl_source_contract(fx, "C1")->extra[0], "32");
	assert_string_equal(fx->s.assignments[p->assignment0].extra[0], "B1.23");
}

/* --- what is wrong with the file as a whole --- */

static void
a_syntax_error_names_line_and_column(void **state)
{
	struct tl_source *fx = *state;
	const char *msg;

	tl_source_config(fx, JSON_SOURCE);
	msg = read_err(fx, "[\n  {\"employee_id\": \"1\",\n   \"family_name\": \"A\" \"x\"}\n]\n");
	assert_int_equal(fx->e.class, ERR_INVALID);
	tl_assert_contains(msg, "people.json:3:");
	tl_assert_contains(msg, "'}' expected");
}

static void
a_truncated_file_is_a_syntax_error(void **state)
{
	struct tl_source *fx = *state;
	const char *msg;

	tl_source_config(fx, JSON_SOURCE);
	msg = read_err(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\"},\n {\"employee_id\": \"2\"");
	tl_assert_contains(msg, "people.json:2:");
}

static void
duplicate_keys_are_rejected(void **state)
{
	struct tl_source *fx = *state;
	const char *msg;

	tl_source_config(fx, JSON_SOURCE);
	msg = read_err(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"family_name\": \"B\"}]");
	assert_int_equal(fx->e.class, ERR_INVALID);
	tl_assert_contains(msg, "people.json:1:");
	tl_assert_contains(msg, "duplicate object key");
}

static void
a_document_without_a_persons_array_is_an_error(void **state)
{
	struct tl_source *fx = *state;
	const char *msg;

	tl_source_config(fx, JSON_SOURCE);
	msg = read_err(fx, "{\"people\": []}");
	tl_assert_contains(msg, "people.json: expected an array of persons (or an object with a \"persons\" array)");
	msg = read_err(fx, "{\"persons\": {\"1\": {}}}");
	tl_assert_contains(msg, "expected an array of persons");
	msg = read_err(fx, "\"persons\"");
	tl_assert_contains(msg, "people.json:");
}

static void
a_missing_file_names_the_source(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	assert_int_equal(source_read(&fx->cfg.sources[0], &fx->s, &fx->ps, &fx->e), -1);
	tl_assert_contains(fx->e.msg, "source \"api\": ");
	tl_assert_contains(fx->e.msg, "people.json: cannot open");
}

/* --- what is wrong with one record --- */

static void
a_person_that_is_not_an_object_is_an_error(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\"}, \"2\", [3]]");
	tl_assert_error(fx, "people.json: field \"persons[1]\": expected an object with the person's fields");
	tl_assert_error(fx, "people.json: field \"persons[2]\": expected an object with the person's fields");
	assert_int_equal(fx->s.npersons, 1);
}

static void
an_object_where_a_value_is_expected_is_an_error(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": {\"birth\": \"A\"}},"
		    " {\"employee_id\": \"2\", \"family_name\": \"B\", \"phone\": [\"06\", \"07\"]}]");
	tl_assert_error(fx,
			"people.json: field \"persons[0].family_name\": expected text or a number, found an object");
	tl_assert_error(fx, "people.json: field \"persons[1].phone\": expected text or a number, found an array");
	assert_int_equal(fx->s.npersons, 0);
}

static void
contracts_that_are_not_an_array_are_an_error(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": {\"contract_id\": \"C1\"},"
		    " \"assignments\": \"none\"}]");
	tl_assert_error(fx, "people.json: field \"persons[0].contracts\": expected an array of contracts");
	tl_assert_error(fx, "people.json: field \"persons[0].assignments\": expected an array of assignments");
	assert_non_null(tl_source_person(fx, "1"));
	assert_int_equal(fx->s.ncontracts, 0);
}

static void
a_required_field_that_is_empty_is_an_error_with_its_path(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"\"},"
		    " {\"employee_id\": \"2\", \"family_name\": \"B\", \"contracts\": [{\"contract_id\": \"C2\"}]},"
		    " {\"family_name\": \"C\"}]");
	tl_assert_error(fx,
			"people.json: field \"persons[0].family_name\": value \"\": family_name is required and empty");
	tl_assert_error(
		fx,
		"people.json: field \"persons[1].contracts[0].start_date\": value \"\": start_date is required and empty");
	tl_assert_error(fx,
			"people.json: field \"persons[2].employee_id\": value \"\": employee_id is required and empty");
	assert_int_equal(fx->s.npersons, 1);
	assert_int_equal(fx->s.ncontracts, 0);
}

static void
a_date_that_does_not_parse_is_an_error_with_its_path(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		    " \"start_date\": \"2026-02-30\"}]}]");
	tl_assert_error(fx,
			"people.json: field \"persons[0].contracts[0].start_date\": value \"2026-02-30\": not a date");
	assert_int_equal(fx->s.ncontracts, 0);
	assert_non_null(tl_source_person(fx, "1"));
}

static void
end_date_before_start_date_is_an_error_with_its_path(void **state)
{
	struct tl_source *fx = *state;
	const struct problem *pr;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		" \"start_date\": \"2026-10-10\", \"end_date\": \"2026-01-01\"}],"
		" \"assignments\": [{\"kind\": \"project\", \"start_date\": \"2026-03-01\", \"end_date\": \"2026-02-01\"}]}]");
	pr = tl_assert_error(
		fx,
		"people.json: field \"persons[0].contracts[0].end_date\": value \"2026-01-01\": the end date is before the start date \"2026-10-10\"");
	assert_string_equal(pr->key, "C1");
	tl_assert_error(
		fx,
		"people.json: field \"persons[0].assignments[0].end_date\": value \"2026-02-01\": the end date is before the start date \"2026-03-01\"");
	assert_int_equal(fx->s.ncontracts, 0);
	assert_int_equal(fx->s.nassignments, 0);
}

static void
a_contract_naming_another_person_is_an_error(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		    " \"employee_id\": \"2\", \"start_date\": \"2026-01-01\"}]}]");
	tl_assert_error(
		fx,
		"people.json: field \"persons[0].contracts[0].employee_id\": value \"2\": differs from the person's employee_id \"1\"");
	assert_int_equal(fx->s.ncontracts, 0);
}

static void
duplicate_employee_id_is_an_error(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\"}, {\"employee_id\": 1, \"family_name\": \"B\"}]");
	tl_assert_error(
		fx,
		"people.json: field \"persons[1].employee_id\": value \"1\": duplicate employee_id (first at persons[0])");
	assert_int_equal(fx->s.npersons, 1);
	assert_string_equal(tl_source_person(fx, "1")->f[P_FAMILY_NAME], "A");
}

static void
duplicate_contract_id_is_an_error(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": ["
		"{\"contract_id\": \"C1\", \"start_date\": \"2026-01-01\"}, {\"contract_id\": \"C1\", \"start_date\": \"2026-02-01\"}]}]");
	tl_assert_error(
		fx,
		"people.json: field \"persons[0].contracts[1].contract_id\": value \"C1\": duplicate contract_id (first at persons[0].contracts[0])");
	assert_int_equal(fx->s.ncontracts, 1);
}

/* A JSON source has no lines: a duplicate must not point at "line 0". */
static void
duplicate_contract_id_in_json_does_not_name_line_0(void **state)
{
	struct tl_source *fx = *state;
	const struct problem *pr;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": ["
		"{\"contract_id\": \"C1\", \"start_date\": \"2026-01-01\"}, {\"contract_id\": \"C1\", \"start_date\": \"2026-02-01\"}]}]");
	pr = tl_assert_error(fx, "duplicate contract_id");
	if (strstr(pr->msg, "line 0"))
		fail_msg("the message names line 0: %s", pr->msg);
}

/* Nothing disappears silently: a contract or assignment that is not an object is reported. */
static void
a_contract_that_is_not_an_object_is_an_error(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [\"C1\", 7],"
		    " \"assignments\": [\"project ERP\"]}]");
	assert_int_equal(fx->ps.nerrors, 3);
	tl_assert_error(fx, "persons[0].contracts[0]");
	tl_assert_error(fx, "persons[0].contracts[1]");
	tl_assert_error(fx, "persons[0].assignments[0]");
}

/*
 * Problems name the record they left out (employee_id, contract_id), so
 * --skip-invalid (source_carry_over) can keep what the previous snapshot knew.
 */
static void
json_problems_name_the_record_they_left_out(void **state)
{
	struct tl_source *fx = *state;
	const struct problem *pr;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		    " \"start_date\": \"2026-01-01\", \"end_date\": \"2026-13-01\"}]},"
		    " {\"employee_id\": \"2\", \"family_name\": \"\"}]");
	pr = tl_assert_error(fx, "persons[0].contracts[0].end_date");
	assert_int_equal(pr->ent, ENT_CONTRACT);
	assert_non_null(pr->key);
	assert_string_equal(pr->key, "C1");
	pr = tl_assert_error(fx, "persons[1].family_name");
	assert_int_equal(pr->ent, ENT_PERSON);
	assert_non_null(pr->key);
	assert_string_equal(pr->key, "2");
}

static void
skip_invalid_keeps_a_json_contract_with_a_bad_date(void **state)
{
	struct tl_source *fx = *state;
	struct snapshot *prev = &fx->prev;
	struct contract *c;
	struct person *p;

	tl_source_config(fx, JSON_SOURCE);
	/* What the vault knew: person 1 with open contract C1. */
	p = snapshot_add_person(prev);
	p->f[P_EMPLOYEE_ID] = "1";
	p->f[P_FAMILY_NAME] = "A";
	c = snapshot_add_contract(prev);
	c->f[C_CONTRACT_ID] = "C1";
	c->f[C_EMPLOYEE_ID] = "1";
	c->f[C_START_DATE] = "2026-01-01";
	c->start = date_from_ymd(2026, 1, 1);
	snapshot_index(prev);
	read_ok(fx, "[{\"employee_id\": \"1\", \"family_name\": \"A\", \"contracts\": [{\"contract_id\": \"C1\","
		    " \"start_date\": \"2026-01-01\", \"end_date\": \"2026-13-01\"}]}]");
	assert_int_equal(fx->s.ncontracts, 0);
	assert_int_equal(source_carry_over(prev, &fx->s, &fx->ps), 1);
	assert_non_null(tl_source_contract(fx, "C1"));
}

static void
a_manager_that_does_not_exist_is_a_warning_with_its_path(void **state)
{
	struct tl_source *fx = *state;

	tl_source_config(fx, JSON_SOURCE);
	read_ok(fx,
		"[{\"employee_id\": \"1\", \"family_name\": \"A\", \"manager_id\": \"77\","
		" \"contracts\": [{\"contract_id\": \"C1\", \"start_date\": \"2026-01-01\", \"manager_id\": \"88\"}]}]");
	tl_assert_warning(
		fx, "people.json: field \"persons[0].manager_id\": value \"77\": the manager is not a known person");
	tl_assert_warning(
		fx,
		"people.json: field \"persons[0].contracts[0].manager_id\": value \"88\": the manager is not a known person");
	assert_int_equal(fx->ps.nerrors, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(persons_with_nested_contracts_and_assignments_are_read),
		T(an_object_with_a_persons_array_is_read),
		T(a_utf8_bom_before_the_json_is_skipped),
		T(dotted_fields_are_read_as_flat_keys),
		T(dotted_fields_are_read_as_nested_objects),
		T(a_flat_dotted_key_wins_over_a_nested_object),
		T(a_dotted_path_through_a_value_that_is_not_an_object_is_empty),
		T(numbers_booleans_and_null_are_values),
		T(keys_come_from_the_fields_map),
		T(a_contract_without_an_id_is_known_by_employee_and_start),
		T(extras_are_read_from_the_level_that_has_them),
		T(a_syntax_error_names_line_and_column),
		T(a_truncated_file_is_a_syntax_error),
		T(duplicate_keys_are_rejected),
		T(a_document_without_a_persons_array_is_an_error),
		T(a_missing_file_names_the_source),
		T(a_person_that_is_not_an_object_is_an_error),
		T(an_object_where_a_value_is_expected_is_an_error),
		T(contracts_that_are_not_an_array_are_an_error),
		T(a_required_field_that_is_empty_is_an_error_with_its_path),
		T(a_date_that_does_not_parse_is_an_error_with_its_path),
		T(end_date_before_start_date_is_an_error_with_its_path),
		T(a_contract_naming_another_person_is_an_error),
		T(duplicate_employee_id_is_an_error),
		T(duplicate_contract_id_is_an_error),
		T(duplicate_contract_id_in_json_does_not_name_line_0),
		T(a_contract_that_is_not_an_object_is_an_error),
		T(json_problems_name_the_record_they_left_out),
		T(skip_invalid_keeps_a_json_contract_with_a_bad_date),
		T(a_manager_that_does_not_exist_is_a_warning_with_its_path),
	};

	return cmocka_run_group_tests_name("source_json", tests, NULL, NULL);
}
