/*
 * Unit tests for source/snapshot.c: the canonical model, its index, and
 * which contract of a person is the primary one on a given day.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/snapshot.h"

#include "testlib.h"

static struct person *
add_person(struct snapshot *s, const char *id)
{
	return tl_add_person(s, id, NULL, "Jansen");
}

/* A contract from start to end (NULL: open) with fte. */
static void
add_contract(struct snapshot *s, const char *emp, const char *cid, const char *start, const char *end, double fte)
{
	struct contract *c = tl_add_contract(s, emp, cid, start, end);
	char buf[32];

	snprintf(buf, sizeof(buf), "%g", fte);
	c->f[C_FTE] = arena_strdup(&s->arena, buf);
	c->fte = fte;
}

/* The contract_id of person emp's primary contract on at, or "-" when none. */
static const char *
primary(struct snapshot *s, const char *emp, const char *at)
{
	const struct contract *c;
	size_t i;

	if (!s->indexed)
		snapshot_index(s);
	if (!snapshot_person_find(s, emp, &i))
		fail_msg("no person %s", emp);
	c = snapshot_primary_contract(s, &s->persons[i], tl_day(at));
	return c ? c->f[C_CONTRACT_ID] : "-";
}

static int
setup(void **state)
{
	struct snapshot *s = malloc(sizeof(*s));

	if (!s)
		return -1;
	snapshot_init(s);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	snapshot_release(*state);
	free(*state);
	return 0;
}

/* --- the primary contract --- */

static void
a_person_without_contracts_has_no_primary(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	assert_string_equal(primary(s, "1", "2026-01-01"), "-");
}

static void
a_single_contract_is_primary_in_every_phase(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "C1", "2026-02-01", "2026-06-30", 0.5);
	assert_string_equal(primary(s, "1", "2025-01-01"), "C1");
	assert_string_equal(primary(s, "1", "2026-03-01"), "C1");
	assert_string_equal(primary(s, "1", "2027-01-01"), "C1");
}

static void
active_comes_before_upcoming_whatever_the_fte(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "A", "2025-01-01", NULL, 0.2);
	add_contract(s, "1", "B", "2026-06-01", NULL, 1.0);
	assert_string_equal(primary(s, "1", "2026-01-01"), "A");
}

static void
upcoming_comes_before_ended_whatever_the_fte(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "A", "2020-01-01", "2025-12-31", 1.0);
	add_contract(s, "1", "B", "2026-06-01", NULL, 0.2);
	assert_string_equal(primary(s, "1", "2026-01-01"), "B");
}

static void
active_comes_before_ended_whatever_the_fte(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "A", "2020-01-01", "2025-12-31", 1.0);
	add_contract(s, "1", "B", "2026-01-01", NULL, 0.1);
	assert_string_equal(primary(s, "1", "2026-01-01"), "B");
}

static void
within_a_phase_the_highest_fte_wins(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "A", "2020-01-01", NULL, 0.4);
	add_contract(s, "1", "B", "2024-01-01", NULL, 0.6);
	add_contract(s, "1", "C", "2022-01-01", NULL, 0.5);
	assert_string_equal(primary(s, "1", "2026-01-01"), "B");
	/* The same among contracts that have not started yet */
	assert_string_equal(primary(s, "1", "2019-01-01"), "B");
}

static void
with_equal_fte_the_earliest_start_wins(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "A", "2024-01-01", NULL, 0.5);
	add_contract(s, "1", "B", "2021-03-01", NULL, 0.5);
	add_contract(s, "1", "C", "2022-01-01", NULL, 0.5);
	assert_string_equal(primary(s, "1", "2026-01-01"), "B");
}

static void
with_equal_fte_and_start_the_lowest_contract_id_wins(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "C20", "2024-01-01", NULL, 0.5);
	add_contract(s, "1", "C03", "2024-01-01", NULL, 0.5);
	add_contract(s, "1", "C10", "2024-01-01", NULL, 0.5);
	assert_string_equal(primary(s, "1", "2026-01-01"), "C03");
}

static void
the_choice_does_not_depend_on_the_order_contracts_were_added(void **state)
{
	struct snapshot *s = *state, t;

	add_person(s, "1");
	add_contract(s, "1", "X", "2024-01-01", NULL, 0.5);
	add_contract(s, "1", "Y", "2023-01-01", NULL, 0.5);
	add_contract(s, "1", "Z", "2023-01-01", NULL, 0.8);
	snapshot_init(&t);
	add_contract(&t, "1", "Z", "2023-01-01", NULL, 0.8);
	add_contract(&t, "1", "Y", "2023-01-01", NULL, 0.5);
	add_contract(&t, "1", "X", "2024-01-01", NULL, 0.5);
	add_person(&t, "1");
	assert_string_equal(primary(s, "1", "2026-01-01"), "Z");
	assert_string_equal(primary(&t, "1", "2026-01-01"), "Z");
	snapshot_release(&t);
}

static void
a_contract_is_active_from_its_start_day(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "A", "2026-02-01", "2026-06-30", 0.5);
	add_contract(s, "1", "U", "2026-03-01", NULL, 1.0);
	/* Both upcoming: fte decides */
	assert_string_equal(primary(s, "1", "2026-01-31"), "U");
	/* A's first day: A is active, U still upcoming */
	assert_string_equal(primary(s, "1", "2026-02-01"), "A");
	assert_string_equal(primary(s, "1", "2026-02-28"), "A");
	/* U's first day: both active, fte decides */
	assert_string_equal(primary(s, "1", "2026-03-01"), "U");
}

static void
a_contract_is_active_on_its_end_day_and_ended_the_day_after(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	add_contract(s, "1", "A", "2026-01-01", "2026-06-30", 1.0);
	add_contract(s, "1", "B", "2027-01-01", NULL, 0.1);
	assert_string_equal(primary(s, "1", "2026-06-29"), "A");
	assert_string_equal(primary(s, "1", "2026-06-30"), "A");
	assert_string_equal(primary(s, "1", "2026-07-01"), "B");
}

static void
contract_active_holds_from_start_through_end(void **state)
{
	struct snapshot *s = *state;
	const struct contract *c;

	add_contract(s, "1", "A", "2026-02-01", "2026-06-30", 1.0);
	add_contract(s, "1", "B", "2026-02-01", NULL, 1.0);
	c = &s->contracts[0];
	assert_false(contract_active(c, tl_day("2026-01-31")));
	assert_true(contract_active(c, tl_day("2026-02-01")));
	assert_true(contract_active(c, tl_day("2026-06-30")));
	assert_false(contract_active(c, tl_day("2026-07-01")));
	assert_true(contract_current_or_future(c, tl_day("2020-01-01")));
	assert_true(contract_current_or_future(c, tl_day("2026-06-30")));
	assert_false(contract_current_or_future(c, tl_day("2026-07-01")));
	c = &s->contracts[1];
	assert_true(contract_active(c, tl_day("9999-12-31")));
	assert_true(contract_current_or_future(c, tl_day("9999-12-31")));
	assert_false(contract_active(c, tl_day("2026-01-31")));
}

/* --- the index --- */

static void
index_sorts_persons_and_links_their_records(void **state)
{
	struct snapshot *s = *state;
	struct assignment *a;
	size_t i;

	add_person(s, "300");
	add_person(s, "100");
	add_person(s, "200");
	add_contract(s, "300", "C9", "2026-01-01", NULL, 1);
	add_contract(s, "100", "C5", "2026-01-01", NULL, 1);
	add_contract(s, "300", "C1", "2026-01-01", NULL, 1);
	add_contract(s, "999", "C7", "2026-01-01", NULL, 1); /* nobody's */
	a = snapshot_add_assignment(s);
	a->f[A_EMPLOYEE_ID] = "300";
	a->f[A_KIND] = "project";
	a->f[A_VALUE] = "ERP";
	snapshot_index(s);
	assert_true(s->indexed);
	assert_string_equal(s->persons[0].f[P_EMPLOYEE_ID], "100");
	assert_string_equal(s->persons[1].f[P_EMPLOYEE_ID], "200");
	assert_string_equal(s->persons[2].f[P_EMPLOYEE_ID], "300");
	assert_true(snapshot_person_find(s, "300", &i));
	assert_int_equal(i, 2);
	assert_int_equal(s->persons[2].ncontracts, 2);
	assert_string_equal(s->contracts[s->persons[2].contract0].f[C_CONTRACT_ID], "C1");
	assert_string_equal(s->contracts[s->persons[2].contract0 + 1].f[C_CONTRACT_ID], "C9");
	assert_int_equal(s->persons[2].nassignments, 1);
	assert_int_equal(s->persons[1].ncontracts, 0);
	assert_int_equal(s->persons[1].nassignments, 0);
	assert_int_equal(s->persons[0].ncontracts, 1);
	assert_false(snapshot_person_find(s, "999", &i));
	assert_false(snapshot_person_find(s, "", &i));
}

static void
adding_a_record_marks_the_snapshot_unindexed(void **state)
{
	struct snapshot *s = *state;

	add_person(s, "1");
	snapshot_index(s);
	assert_true(s->indexed);
	add_contract(s, "1", "C1", "2026-01-01", NULL, 1);
	assert_false(s->indexed);
}

static void
new_records_are_empty_and_open(void **state)
{
	struct snapshot *s = *state;
	static const char *const names[] = { "badge" };
	struct person *p;
	struct contract *c;
	struct assignment *a;

	snapshot_set_extras(s, ENT_PERSON, names, 1);
	p = snapshot_add_person(s);
	for (int i = 0; i < P_NFIELDS; i++)
		assert_string_equal(p->f[i], "");
	assert_true(p->present);
	assert_non_null(p->extra);
	assert_string_equal(p->extra[0], "");
	c = snapshot_add_contract(s);
	for (int i = 0; i < C_NFIELDS; i++)
		assert_string_equal(c->f[i], "");
	assert_int_equal(c->start, DATE_NONE);
	assert_int_equal(c->end, DATE_NONE);
	assert_null(c->extra);
	a = snapshot_add_assignment(s);
	assert_int_equal(a->end, DATE_NONE);
	assert_string_equal(s->extra_names[ENT_PERSON][0], "badge");
	assert_int_equal(s->nextra[ENT_PERSON], 1);
}

static void
assignments_are_ordered_by_person_kind_value_and_start(void **state)
{
	struct assignment a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.f[A_EMPLOYEE_ID] = b.f[A_EMPLOYEE_ID] = "1";
	a.f[A_KIND] = b.f[A_KIND] = "project";
	a.f[A_VALUE] = b.f[A_VALUE] = "ERP";
	a.f[A_START_DATE] = b.f[A_START_DATE] = "2026-01-01";
	a.f[A_END_DATE] = "2026-06-30";
	b.f[A_END_DATE] = "";
	/* The end date is not part of the key. */
	assert_int_equal(assignment_cmp(&a, &b), 0);
	b.f[A_START_DATE] = "2026-02-01";
	assert_true(assignment_cmp(&a, &b) < 0);
	b.f[A_VALUE] = "CRM";
	assert_true(assignment_cmp(&a, &b) > 0);
	b.f[A_KIND] = "replaces";
	assert_true(assignment_cmp(&a, &b) < 0);
	b.f[A_EMPLOYEE_ID] = "0";
	assert_true(assignment_cmp(&a, &b) > 0);
}

/* --- names --- */

static void
person_label_reads_as_people_say_it(void **state)
{
	struct snapshot *s = *state;
	struct person *p = add_person(s, "1");
	char out[64];

	p->f[P_GIVEN_NAME] = "Jan";
	p->f[P_FAMILY_NAME_PREFIX] = "de";
	p->f[P_FAMILY_NAME] = "Vries";
	snapshot_person_label(p, out, sizeof(out));
	assert_string_equal(out, "Jan de Vries");
	p->f[P_FAMILY_NAME_PREFIX] = "";
	snapshot_person_label(p, out, sizeof(out));
	assert_string_equal(out, "Jan Vries");
	p->f[P_GIVEN_NAME] = "";
	p->f[P_FAMILY_NAME_PREFIX] = "van der";
	snapshot_person_label(p, out, sizeof(out));
	assert_string_equal(out, "van der Vries");
	snapshot_person_label(p, out, 5);
	assert_string_equal(out, "van ");
}

static void
field_and_entity_names_match_the_config(void **state)
{
	(void)state;
	assert_string_equal(snapshot_field_name(ENT_PERSON, P_EMPLOYEE_ID), "employee_id");
	assert_string_equal(snapshot_field_name(ENT_PERSON, P_MANAGER_ID), "manager_id");
	assert_string_equal(snapshot_field_name(ENT_CONTRACT, C_DEPARTMENT_CODE), "department.code");
	assert_string_equal(snapshot_field_name(ENT_CONTRACT, C_MANAGER_ID), "manager_id");
	assert_string_equal(snapshot_field_name(ENT_ASSIGNMENT, A_END_DATE), "end_date");
	assert_int_equal(snapshot_entity_nfields(ENT_PERSON), P_NFIELDS);
	assert_int_equal(snapshot_entity_nfields(ENT_CONTRACT), C_NFIELDS);
	assert_int_equal(snapshot_entity_nfields(ENT_ASSIGNMENT), A_NFIELDS);
	assert_int_equal(snapshot_nfields, P_NFIELDS + C_NFIELDS + A_NFIELDS);
	assert_string_equal(snapshot_entity_name(ENT_CONTRACT), "contract");
	/* Every table entry sits at its own index. */
	for (size_t i = 0; i < snapshot_nfields; i++)
		assert_string_equal(snapshot_field_name(snapshot_fields[i].ent, snapshot_fields[i].idx),
				    snapshot_fields[i].name);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_person_without_contracts_has_no_primary),
		T(a_single_contract_is_primary_in_every_phase),
		T(active_comes_before_upcoming_whatever_the_fte),
		T(upcoming_comes_before_ended_whatever_the_fte),
		T(active_comes_before_ended_whatever_the_fte),
		T(within_a_phase_the_highest_fte_wins),
		T(with_equal_fte_the_earliest_start_wins),
		T(with_equal_fte_and_start_the_lowest_contract_id_wins),
		T(the_choice_does_not_depend_on_the_order_contracts_were_added),
		T(a_contract_is_active_from_its_start_day),
		T(a_contract_is_active_on_its_end_day_and_ended_the_day_after),
		T(contract_active_holds_from_start_through_end),
		T(index_sorts_persons_and_links_their_records),
		T(adding_a_record_marks_the_snapshot_unindexed),
		T(new_records_are_empty_and_open),
		cmocka_unit_test(assignments_are_ordered_by_person_kind_value_and_start),
		T(person_label_reads_as_people_say_it),
		cmocka_unit_test(field_and_entity_names_match_the_config),
	};

	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
