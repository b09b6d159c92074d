/*
 * Unit tests for rules/entitle.c: what the rules of a real roster.yaml grant
 * one person of a snapshot, with the rule and the contract or assignment
 * behind each grant and the days it lasts; temporary replacements that
 * inherit the delegable grants of the person they replace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/entitle.h"
#include "testlib.h"

#define DAWN (INT32_MIN + 1)

/* The rules of the issue, and two more: a department group by contract, and a group named after the location. */
static const char rules_yaml[] =
	"sources:\n"
	"  - name: hr\n"
	"    persons: persons.csv\n"
	"targets:\n"
	"  - name: directory\n"
	"    connector: csv\n"
	"rules:\n"
	"  - name: everyone employed gets an account\n"
	"    when: 'contract.type != \"external\"'\n"
	"    grant: [{target: directory, account: true}, {target: directory, group: \"all-staff\"}]\n"
	"  - name: department group\n"
	"    grant: [{target: directory, group: \"dept-{contract.department.code|lower}\"}]\n"
	"  - name: finance managers\n"
	"    when: 'contract.department.code in [\"FIN\", \"CTRL\"] and contract.title.name contains \"manager\"'\n"
	"    grant: [{target: directory, group: \"finance-approvers\"}]\n"
	"    delegable: true\n"
	"  - name: project members\n"
	"    for: assignment project\n"
	"    when: 'assignment.value != \"\"'\n"
	"    grant: [{target: directory, group: \"prj-{assignment.value|lower}\"},\n"
	"            {target: directory, group: \"prj-{assignment.value|lower}-{contract.department.code|lower}\"}]\n"
	"  - name: location group\n"
	"    grant: [{target: directory, group: \"{contract.location|lower}\"}]\n"
	"  - name: temporary replacement\n"
	"    for: assignment replaces\n"
	"    inherit: delegable\n";

struct fixture {
	char dir[256];
	struct config cfg;
	int loaded;
	struct ruleset *rs;
	struct snapshot s;
	struct rules_record rec;
	struct entitlements es;
	struct err e;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[512];

	if (!fx)
		return -1;
	if (tl_tmpdir_make(fx->dir, sizeof(fx->dir), "entitle") < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	err_init(&fx->e);
	snapshot_init(&fx->s);
	entitlements_init(&fx->es);
	rules_record_init(&fx->rec, &fx->s, NULL, NULL, NULL);
	tl_put_file(fx->dir, "roster.yaml", rules_yaml);
	snprintf(path, sizeof(path), "%s/roster.yaml", fx->dir);
	if (config_load(&fx->cfg, path, &fx->e) < 0) {
		print_error("config_load: %s\n", fx->e.msg);
		return -1;
	}
	fx->loaded = 1;
	if (!(fx->rs = ruleset_compile(&fx->cfg, &fx->e))) {
		print_error("ruleset_compile: %s\n", fx->e.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	ruleset_free(fx->rs);
	if (fx->loaded)
		config_release(&fx->cfg);
	rules_record_release(&fx->rec);
	entitlements_release(&fx->es);
	snapshot_release(&fx->s);
	tl_tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* A contract with a department, a title and a type ("" for the ones not wanted). */
static struct contract *
contract(struct fixture *fx, const char *emp, const char *cid, const char *start, const char *end, const char *dept,
	 const char *title, const char *type)
{
	struct contract *c = tl_add_contract(&fx->s, emp, cid, start, end);

	c->f[C_DEPARTMENT_CODE] = dept;
	c->f[C_TITLE_NAME] = title;
	c->f[C_TYPE] = type;
	return c;
}

/* The entitlements of person id (the snapshot indexed first); fails the test when entitle_person fails. */
static void
entitle_fl(struct fixture *fx, const char *id, const char *file, int line)
{
	size_t idx;

	if (!fx->s.indexed)
		snapshot_index(&fx->s);
	if (!snapshot_person_find(&fx->s, id, &idx)) {
		print_error("%s:%d: no person %s in the snapshot\n", file, line, id);
		_fail(file, line);
	}
	entitlements_clear(&fx->es);
	if (entitle_person(fx->rs, &fx->s, &fx->s.persons[idx], &fx->rec, &fx->es, &fx->e) < 0) {
		print_error("%s:%d: entitle_person: %s\n", file, line, fx->e.msg);
		_fail(file, line);
	}
}
#define entitle(fx, id) entitle_fl((fx), (id), __FILE__, __LINE__)

static const char *
en_source(const struct entitlement *en)
{
	if (en->assignment)
		return en->assignment->f[A_VALUE];
	return en->contract ? en->contract->f[C_CONTRACT_ID] : "-";
}

/* Prints the entitlements, to see what was made when a test fails. */
static void
dump(const struct fixture *fx)
{
	for (size_t i = 0; i < fx->es.n; i++) {
		const struct entitlement *en = &fx->es.v[i];

		print_message("  [%zu] rule \"%s\" %s via %s (%s) %ld..%ld%s%s\n", i, en->rule->cfg->name,
			      en->group ? en->group : "(account)", en_source(en), en->holder->f[P_EMPLOYEE_ID],
			      (long)en->period.start, (long)en->period.end, en->via_rule ? " inherited through " : "",
			      en->via_rule ? en->via_rule->cfg->name : "");
	}
}

/*
 * The entitlement of rule (by name) granting group (NULL: the account) for
 * contract_id or assignment value src (NULL: any). Fails the test when
 * there is not exactly one.
 */
static const struct entitlement *
the_fl(const struct fixture *fx, const char *rule, const char *group, const char *src, const char *file, int line)
{
	const struct entitlement *hit = NULL;
	size_t n = 0;

	for (size_t i = 0; i < fx->es.n; i++) {
		const struct entitlement *en = &fx->es.v[i];

		if (strcmp(en->rule->cfg->name, rule) || (!group) != (!en->group) ||
		    (group && strcmp(group, en->group)) || (src && strcmp(src, en_source(en))))
			continue;
		hit = en;
		n++;
	}
	if (n != 1) {
		print_error("%s:%d: %zu entitlements of rule \"%s\" for %s from %s, expected 1; there are:\n", file,
			    line, n, rule, group ? group : "(account)", src ? src : "anything");
		dump(fx);
		_fail(file, line);
	}
	return hit;
}
#define the(fx, rule, group, src) the_fl((fx), (rule), (group), (src), __FILE__, __LINE__)

/* How many entitlements grant group (NULL: the account). */
static size_t
count_group(const struct fixture *fx, const char *group)
{
	size_t n = 0;

	for (size_t i = 0; i < fx->es.n; i++)
		if ((!group && !fx->es.v[i].group) || (group && fx->es.v[i].group && !strcmp(group, fx->es.v[i].group)))
			n++;
	return n;
}

static void
assert_period_fl(const struct entitlement *en, civil_day start, civil_day end, const char *file, int line)
{
	if (en->period.start != start || en->period.end != end) {
		print_error("%s:%d: period %ld..%ld, expected %ld..%ld\n", file, line, (long)en->period.start,
			    (long)en->period.end, (long)start, (long)end);
		_fail(file, line);
	}
}
#define assert_period(en, start, end) assert_period_fl((en), (start), (end), __FILE__, __LINE__)

static void
assert_own_fl(const struct entitlement *en, const struct fixture *fx, const char *holder, const char *file, int line)
{
	(void)fx;
	if (strcmp(en->holder->f[P_EMPLOYEE_ID], holder) || en->via_rule || en->via) {
		print_error("%s:%d: held by %s%s, expected %s's own\n", file, line, en->holder->f[P_EMPLOYEE_ID],
			    en->via_rule ? " (inherited)" : "", holder);
		_fail(file, line);
	}
}
#define assert_own(en, fx, holder) assert_own_fl((en), (fx), (holder), __FILE__, __LINE__)

/* --- per contract --- */

static void
a_rule_without_when_grants_for_every_contract(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", "2025-12-31", "ICT", "Systeembeheerder", "internal");
	contract(fx, "100001", "C2", "2026-01-01", NULL, "FIN", "Controller", "internal");
	entitle(fx, "100001");
	en = the(fx, "department group", "dept-ict", "C1");
	assert_own(en, fx, "100001");
	assert_string_equal(en->contract->f[C_CONTRACT_ID], "C1");
	assert_null(en->assignment);
	assert_int_equal(en->target, 0);
	en = the(fx, "department group", "dept-fin", "C2");
	assert_string_equal(en->contract->f[C_CONTRACT_ID], "C2");
	assert_int_equal(count_group(fx, "all-staff"), 2);
}

static void
a_rule_with_a_true_when_grants_its_account_and_groups_for_the_contract(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", "2025-12-31", "ICT", "Systeembeheerder", "internal");
	entitle(fx, "100001");
	en = the(fx, "everyone employed gets an account", NULL, "C1");
	assert_own(en, fx, "100001");
	assert_null(en->group);
	assert_int_equal(en->target, 0);
	en = the(fx, "everyone employed gets an account", "all-staff", "C1");
	assert_own(en, fx, "100001");
}

static void
a_when_that_is_false_grants_nothing_for_that_contract(void **state)
{
	struct fixture *fx = *state;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", "2025-12-31", "ICT", "Consultant", "external");
	contract(fx, "100001", "C2", "2026-01-01", NULL, "ICT", "Systeembeheerder", "internal");
	entitle(fx, "100001");
	/* only the internal contract gets the account and all-staff; the rule without when runs for both */
	the(fx, "everyone employed gets an account", NULL, "C2");
	the(fx, "everyone employed gets an account", "all-staff", "C2");
	assert_int_equal(count_group(fx, NULL), 1);
	assert_int_equal(count_group(fx, "all-staff"), 1);
	assert_int_equal(count_group(fx, "dept-ict"), 2);
	/* not a finance manager: the condition on two fields is false */
	assert_int_equal(count_group(fx, "finance-approvers"), 0);
}

static void
a_contract_grants_for_its_own_dates_and_an_open_end_stays_open(void **state)
{
	struct fixture *fx = *state;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", "2025-12-31", "ICT", "", "");
	contract(fx, "100001", "C2", "2026-01-01", NULL, "ICT", "", "");
	entitle(fx, "100001");
	assert_period(the(fx, "everyone employed gets an account", NULL, "C1"), tl_day("2024-01-01"),
		      tl_day("2025-12-31"));
	assert_period(the(fx, "everyone employed gets an account", NULL, "C2"), tl_day("2026-01-01"), DATE_NONE);
	assert_period(the(fx, "department group", "dept-ict", "C2"), tl_day("2026-01-01"), DATE_NONE);
}

static void
a_group_name_that_renders_empty_grants_nothing(void **state)
{
	struct fixture *fx = *state;
	struct contract *c;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", "2025-12-31", "", "", "");
	c = contract(fx, "100001", "C2", "2026-01-01", NULL, "ICT", "", "");
	c->f[C_LOCATION] = "Utrecht";
	entitle(fx, "100001");
	/* C1 has no location: "{contract.location|lower}" is "" and grants nothing; C2's is "utrecht" */
	the(fx, "location group", "utrecht", "C2");
	for (size_t i = 0; i < fx->es.n; i++) {
		assert_non_null(fx->es.v[i].rule);
		assert_true(!fx->es.v[i].group || *fx->es.v[i].group);
		assert_true(strcmp(fx->es.v[i].rule->cfg->name, "location group") || fx->es.v[i].contract == c);
	}
	/* "dept-{…}" with an empty department is "dept-", not empty: it is granted */
	the(fx, "department group", "dept-", "C1");
}

static void
a_finance_manager_contract_gets_the_delegable_group(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", NULL, "CTRL", "Senior Manager Control", "internal");
	entitle(fx, "100001");
	en = the(fx, "finance managers", "finance-approvers", "C1");
	assert_true(en->rule->cfg->delegable);
	assert_own(en, fx, "100001");
}

/* --- per assignment --- */

static void
a_for_assignment_rule_runs_once_per_assignment_of_its_kind(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", NULL, "ICT", "", "");
	tl_add_assignment(&fx->s, "100001", "project", "ERP2026", "2026-02-01", "2026-06-30");
	tl_add_assignment(&fx->s, "100001", "project", "WEB", "2025-01-01", NULL);
	tl_add_assignment(&fx->s, "100001", "cost_center", "4100", "2025-01-01", NULL);
	tl_add_assignment(&fx->s, "100001", "project", "", "2025-01-01", NULL); /* when: value != "" */
	entitle(fx, "100001");
	en = the(fx, "project members", "prj-erp2026", "ERP2026");
	assert_own(en, fx, "100001");
	assert_string_equal(en->assignment->f[A_KIND], "project");
	assert_period(en, tl_day("2026-02-01"), tl_day("2026-06-30"));
	en = the(fx, "project members", "prj-web", "WEB");
	assert_period(en, tl_day("2025-01-01"), DATE_NONE);
	/* two grants each for the two projects with a value; nothing for the other kind or the empty value */
	for (size_t i = 0, n = 0; i < fx->es.n; i++)
		if (!strcmp(fx->es.v[i].rule->cfg->name, "project members")) {
			assert_non_null(fx->es.v[i].assignment);
			assert_true(++n <= 4);
		}
	assert_int_equal(count_group(fx, "prj-"), 0);
	assert_int_equal(count_group(fx, "prj--ict"), 0);
}

static void
an_assignment_rule_reads_the_primary_contract_on_the_assignments_first_day(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", "2025-12-31", "ICT", "", "");
	contract(fx, "100001", "C2", "2026-01-01", NULL, "FIN", "", "");
	tl_add_assignment(&fx->s, "100001", "project", "WEB", "2025-06-01", "2025-12-31");
	tl_add_assignment(&fx->s, "100001", "project", "ERP", "2026-02-01", NULL);
	entitle(fx, "100001");
	/* on 2025-06-01 C1 is active; on 2026-02-01 C2 is: whatever the evaluation date */
	en = the(fx, "project members", "prj-web-ict", "WEB");
	assert_string_equal(en->contract->f[C_CONTRACT_ID], "C1");
	en = the(fx, "project members", "prj-erp-fin", "ERP");
	assert_string_equal(en->contract->f[C_CONTRACT_ID], "C2");
	assert_int_equal(count_group(fx, "prj-web-fin"), 0);
	assert_int_equal(count_group(fx, "prj-erp-ict"), 0);
}

static void
an_assignment_without_a_start_date_starts_at_the_dawn_of_time(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	contract(fx, "100001", "C1", "2024-01-01", NULL, "ICT", "", "");
	tl_add_assignment(&fx->s, "100001", "project", "ERP", NULL, "2026-06-30");
	entitle(fx, "100001");
	en = the(fx, "project members", "prj-erp", "ERP");
	assert_period(en, DAWN, tl_day("2026-06-30"));
	/* no contract runs at the dawn of time: the upcoming one is primary */
	en = the(fx, "project members", "prj-erp-ict", "ERP");
	assert_string_equal(en->contract->f[C_CONTRACT_ID], "C1");
}

static void
an_assignment_rule_for_a_person_without_contracts_reads_an_empty_contract(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	tl_add_person(&fx->s, "100001", "Jan", "Vries");
	tl_add_assignment(&fx->s, "100001", "project", "ERP", "2026-01-01", NULL);
	entitle(fx, "100001");
	assert_int_equal(fx->es.n, 2);
	en = the(fx, "project members", "prj-erp", "ERP");
	assert_null(en->contract);
	the(fx, "project members", "prj-erp-", "ERP");
}

/* --- replacements --- */

/* B (200002), a finance manager, replaced by A (200001) in March 2026. */
static void
replacement_snapshot(struct fixture *fx, const char *replaced)
{
	tl_add_person(&fx->s, "200001", "Anna", "Bakker");
	contract(fx, "200001", "CA", "2020-01-01", NULL, "ICT", "Systeembeheerder", "internal");
	tl_add_assignment(&fx->s, "200001", "replaces", replaced, "2026-03-01", "2026-03-31");
	tl_add_person(&fx->s, "200002", "Bert", "Smit");
	contract(fx, "200002", "CB0", "2018-01-01", "2019-12-31", "FIN", "Finance manager", "internal");
	contract(fx, "200002", "CB1", "2025-01-01", "2026-03-15", "FIN", "Finance manager", "internal");
	tl_add_assignment(&fx->s, "200002", "project", "AUDIT", "2026-01-01", NULL);
}

static void
a_replacement_inherits_the_delegable_grants_for_the_days_both_run(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	replacement_snapshot(fx, "200002");
	entitle(fx, "200001");
	en = the(fx, "finance managers", "finance-approvers", NULL);
	/* the assignment runs 1–31 March, B's contract until 15 March */
	assert_period(en, tl_day("2026-03-01"), tl_day("2026-03-15"));
	assert_string_equal(en->holder->f[P_EMPLOYEE_ID], "200002");
	assert_string_equal(en->contract->f[C_CONTRACT_ID], "CB1");
	assert_null(en->assignment);
	assert_non_null(en->via_rule);
	assert_string_equal(en->via_rule->cfg->name, "temporary replacement");
	assert_non_null(en->via);
	assert_string_equal(en->via->f[A_KIND], "replaces");
	assert_string_equal(en->via->f[A_VALUE], "200002");
	assert_string_equal(en->via->f[A_EMPLOYEE_ID], "200001");
	assert_int_equal(en->target, 0);
	/* B's contract of 2018–2019 does not meet the assignment: nothing from it */
	assert_int_equal(count_group(fx, "finance-approvers"), 1);
}

static void
a_replacement_does_not_inherit_grants_that_are_not_delegable(void **state)
{
	struct fixture *fx = *state;

	replacement_snapshot(fx, "200002");
	entitle(fx, "200001");
	assert_int_equal(count_group(fx, "dept-fin"), 0);
	assert_int_equal(count_group(fx, "prj-audit"), 0);
	/* A's own: one account and all-staff, from A's contract only */
	assert_int_equal(count_group(fx, NULL), 1);
	assert_int_equal(count_group(fx, "all-staff"), 1);
	assert_own(the(fx, "everyone employed gets an account", NULL, "CA"), fx, "200001");
	for (size_t i = 0; i < fx->es.n; i++)
		if (fx->es.v[i].via_rule)
			assert_true(fx->es.v[i].rule->cfg->delegable);
}

static void
the_replaced_person_keeps_their_own_grants(void **state)
{
	struct fixture *fx = *state;
	const struct entitlement *en;

	replacement_snapshot(fx, "200002");
	entitle(fx, "200002");
	en = the(fx, "finance managers", "finance-approvers", "CB1");
	assert_own(en, fx, "200002");
	assert_period(en, tl_day("2025-01-01"), tl_day("2026-03-15"));
}

static void
a_replacement_of_an_employee_id_not_in_the_snapshot_inherits_nothing(void **state)
{
	struct fixture *fx = *state;

	replacement_snapshot(fx, "299999");
	entitle(fx, "200001");
	assert_int_equal(count_group(fx, "finance-approvers"), 0);
	for (size_t i = 0; i < fx->es.n; i++) {
		assert_null(fx->es.v[i].via_rule);
		assert_null(fx->es.v[i].via);
	}
}

static void
a_person_replacing_themselves_inherits_nothing(void **state)
{
	struct fixture *fx = *state;

	tl_add_person(&fx->s, "200002", "Bert", "Smit");
	contract(fx, "200002", "CB1", "2025-01-01", "2026-03-15", "FIN", "Finance manager", "internal");
	tl_add_assignment(&fx->s, "200002", "replaces", "200002", "2026-03-01", "2026-03-31");
	entitle(fx, "200002");
	/* their own finance-approvers grant only, not a second inherited copy */
	assert_own(the(fx, "finance managers", "finance-approvers", "CB1"), fx, "200002");
	for (size_t i = 0; i < fx->es.n; i++)
		assert_null(fx->es.v[i].via_rule);
}

static void
a_replacement_that_ended_before_the_replaced_contract_began_inherits_nothing(void **state)
{
	struct fixture *fx = *state;

	tl_add_person(&fx->s, "200001", "Anna", "Bakker");
	contract(fx, "200001", "CA", "2020-01-01", NULL, "ICT", "", "");
	tl_add_assignment(&fx->s, "200001", "replaces", "200002", "2024-03-01", "2024-03-31");
	tl_add_person(&fx->s, "200002", "Bert", "Smit");
	contract(fx, "200002", "CB1", "2025-01-01", NULL, "FIN", "Finance manager", "internal");
	entitle(fx, "200001");
	assert_int_equal(count_group(fx, "finance-approvers"), 0);
}

/* --- order --- */

static void
entitlements_come_in_rule_order_then_contracts_then_grants(void **state)
{
	struct fixture *fx = *state;
	static const char *const want[][3] = {
		/* rule, group, contract or assignment */
		{ "everyone employed gets an account", NULL, "CA" },
		{ "everyone employed gets an account", "all-staff", "CA" },
		{ "everyone employed gets an account", NULL, "CA2" },
		{ "everyone employed gets an account", "all-staff", "CA2" },
		{ "department group", "dept-ict", "CA" },
		{ "department group", "dept-ctrl", "CA2" },
		{ "finance managers", "finance-approvers", "CA2" },
		{ "project members", "prj-erp", "ERP" },
		{ "project members", "prj-erp-ict", "ERP" }, /* CA and CA2 run: the earlier start is primary */
		{ "location group", "utrecht", "CA" },
		{ "finance managers", "finance-approvers", "CB1" }, /* inherited where the inherit rule stands */
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	struct contract *c;

	tl_add_person(&fx->s, "200001", "Anna", "Bakker");
	c = contract(fx, "200001", "CA", "2020-01-01", NULL, "ICT", "Systeembeheerder", "internal");
	c->f[C_LOCATION] = "Utrecht";
	contract(fx, "200001", "CA2", "2026-01-01", NULL, "CTRL", "Manager", "internal");
	tl_add_assignment(&fx->s, "200001", "project", "ERP", "2026-02-01", NULL);
	tl_add_assignment(&fx->s, "200001", "replaces", "200002", "2026-03-01", "2026-03-31");
	tl_add_person(&fx->s, "200002", "Bert", "Smit");
	contract(fx, "200002", "CB1", "2025-01-01", "2026-03-15", "FIN", "Finance manager", "internal");
	entitle(fx, "200001");
	if (fx->es.n != nwant) {
		dump(fx);
		fail_msg("%zu entitlements, expected %zu", fx->es.n, nwant);
	}
	for (size_t i = 0; i < nwant; i++) {
		const struct entitlement *en = &fx->es.v[i];

		if (strcmp(en->rule->cfg->name, want[i][0]) || (!want[i][1]) != (!en->group) ||
		    (want[i][1] && strcmp(want[i][1], en->group)) || strcmp(want[i][2], en_source(en))) {
			dump(fx);
			fail_msg("entitlement %zu is not rule \"%s\" %s from %s", i, want[i][0],
				 want[i][1] ? want[i][1] : "(account)", want[i][2]);
		}
	}
	assert_non_null(fx->es.v[nwant - 1].via_rule);
}

static void
entitling_twice_gives_the_same_entitlements(void **state)
{
	struct fixture *fx = *state;
	struct entitlement first[16];
	size_t n;

	replacement_snapshot(fx, "200002");
	entitle(fx, "200001");
	n = fx->es.n;
	assert_true(n > 0 && n <= 16);
	memcpy(first, fx->es.v, n * sizeof(*first));
	entitle(fx, "200002"); /* someone else in between: the record is set to another person */
	entitle(fx, "200001");
	assert_int_equal(fx->es.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(fx->es.v[i].rule, first[i].rule);
		assert_ptr_equal(fx->es.v[i].contract, first[i].contract);
		assert_ptr_equal(fx->es.v[i].assignment, first[i].assignment);
		assert_ptr_equal(fx->es.v[i].via, first[i].via);
		assert_int_equal(fx->es.v[i].period.start, first[i].period.start);
		assert_int_equal(fx->es.v[i].period.end, first[i].period.end);
		assert_true((!fx->es.v[i].group && !first[i].group) ||
			    (fx->es.v[i].group && first[i].group && !strcmp(fx->es.v[i].group, first[i].group)));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(a_rule_without_when_grants_for_every_contract),
		T(a_rule_with_a_true_when_grants_its_account_and_groups_for_the_contract),
		T(a_when_that_is_false_grants_nothing_for_that_contract),
		T(a_contract_grants_for_its_own_dates_and_an_open_end_stays_open),
		T(a_group_name_that_renders_empty_grants_nothing),
		T(a_finance_manager_contract_gets_the_delegable_group),
		T(a_for_assignment_rule_runs_once_per_assignment_of_its_kind),
		T(an_assignment_rule_reads_the_primary_contract_on_the_assignments_first_day),
		T(an_assignment_without_a_start_date_starts_at_the_dawn_of_time),
		T(an_assignment_rule_for_a_person_without_contracts_reads_an_empty_contract),
		T(a_replacement_inherits_the_delegable_grants_for_the_days_both_run),
		T(a_replacement_does_not_inherit_grants_that_are_not_delegable),
		T(the_replaced_person_keeps_their_own_grants),
		T(a_replacement_of_an_employee_id_not_in_the_snapshot_inherits_nothing),
		T(a_person_replacing_themselves_inherits_nothing),
		T(a_replacement_that_ended_before_the_replaced_contract_began_inherits_nothing),
		T(entitlements_come_in_rule_order_then_contracts_then_grants),
		T(entitling_twice_gives_the_same_entitlements),
	};

	return cmocka_run_group_tests_name("entitle", tests, NULL, NULL);
}
