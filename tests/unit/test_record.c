/*
 * Unit tests for rules/record.c: what a condition or template reads for a
 * person, their contract or assignment, and the account being built.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rules/record.h"
#include "testlib.h"

struct fixture {
	struct snapshot s;
	struct rules_record r;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *pextra[] = { "badge" }, *cextra[] = { "grade" };
	struct person *p;
	struct contract *c;
	struct assignment *a;

	if (!fx)
		return -1;
	snapshot_init(&fx->s);
	snapshot_set_extras(&fx->s, ENT_PERSON, pextra, 1);
	snapshot_set_extras(&fx->s, ENT_CONTRACT, cextra, 1);
	p = tl_add_person(&fx->s, "100042", "Jan", "Vries");
	p->f[P_FAMILY_NAME_PREFIX] = "de";
	p->f[P_PARTNER_NAME_PREFIX] = "van";
	p->f[P_PARTNER_NAME] = "Dijk";
	p->f[P_NAME_CONVENTION] = "BP";
	p->extra[0] = "B-17";
	c = tl_add_contract(&fx->s, "100042", "C1", "2024-01-01", NULL);
	c->f[C_DEPARTMENT_CODE] = "ICT";
	c->f[C_TITLE_NAME] = "Systeembeheerder";
	c->extra[0] = "11";
	a = tl_add_assignment(&fx->s, "100042", "project", "ERP2026", "2026-01-01", NULL);
	(void)a;
	snapshot_index(&fx->s);
	rules_record_init(&fx->r, &fx->s, &fx->s.persons[0], &fx->s.contracts[0], NULL);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rules_record_release(&fx->r);
	snapshot_release(&fx->s);
	free(fx);
	return 0;
}

#define GET(path) rules_record_get(&fx->r, (path))

static void
person_fields_read_by_bare_name_and_with_person_prefix(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(GET("given_name"), "Jan");
	assert_string_equal(GET("person.given_name"), "Jan");
	assert_string_equal(GET("employee_id"), "100042");
	assert_string_equal(GET("badge"), "B-17");
	assert_string_equal(GET("person.badge"), "B-17");
}

static void
built_names_follow_the_name_convention(void **state)
{
	struct fixture *fx = *state;
	const char *birth = GET("family_name_birth"), *full = GET("family_name_full");

	/* Both stay valid together: a condition compares two values read one after the other. */
	assert_string_equal(birth, "de Vries");
	assert_string_equal(full, "de Vries-van Dijk");
	assert_string_equal(GET("person.display_name"), "Jan de Vries-van Dijk");
	assert_string_equal(GET("family_name_partner"), "van Dijk");
}

static void
contract_fields_and_extras_are_read_with_their_dotted_names(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(GET("contract.department.code"), "ICT");
	assert_string_equal(GET("contract.title.name"), "Systeembeheerder");
	assert_string_equal(GET("contract.grade"), "11");
	assert_string_equal(GET("contract.start_date"), "2024-01-01");
}

static void
a_missing_record_or_unknown_path_reads_as_empty(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(GET("assignment.value"), "");
	assert_string_equal(GET("account.uid"), "");
	assert_string_equal(GET("n"), "");
	assert_string_equal(GET("nonsense"), "");
	assert_string_equal(GET("contract.nonsense"), "");
	rules_record_set(&fx->r, &fx->s.persons[0], NULL, NULL);
	assert_string_equal(GET("contract.department.code"), "");
}

static void
an_assignment_rule_reads_its_assignment(void **state)
{
	struct fixture *fx = *state;

	rules_record_set(&fx->r, &fx->s.persons[0], NULL, &fx->s.assignments[0]);
	assert_string_equal(GET("assignment.kind"), "project");
	assert_string_equal(GET("assignment.value"), "ERP2026");
}

static const char *
account_attr(void *ctx, const char *attr)
{
	(void)ctx;
	return !strcmp(attr, "uid") ? "jan.devriesvandijk" : NULL;
}

static void
account_attributes_and_n_come_from_the_caller(void **state)
{
	struct fixture *fx = *state;

	fx->r.account = account_attr;
	fx->r.n = "2";
	assert_string_equal(GET("account.uid"), "jan.devriesvandijk");
	assert_string_equal(GET("account.mail"), "");
	assert_string_equal(GET("n"), "2");
}

static void
setting_another_person_forgets_the_built_names(void **state)
{
	struct fixture *fx = *state;
	struct person other;

	assert_string_equal(GET("display_name"), "Jan de Vries-van Dijk");
	other = fx->s.persons[0];
	other.f[P_GIVEN_NAME] = "Piet";
	other.f[P_NAME_CONVENTION] = "B";
	rules_record_set(&fx->r, &other, NULL, NULL);
	assert_string_equal(GET("display_name"), "Piet de Vries");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(person_fields_read_by_bare_name_and_with_person_prefix),
		T(built_names_follow_the_name_convention),
		T(contract_fields_and_extras_are_read_with_their_dotted_names),
		T(a_missing_record_or_unknown_path_reads_as_empty),
		T(an_assignment_rule_reads_its_assignment),
		T(account_attributes_and_n_come_from_the_caller),
		T(setting_another_person_forgets_the_built_names),
	};

	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
