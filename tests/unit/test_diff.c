/*
 * Unit tests for source/diff.c: what happened to each person between two
 * snapshots (joiner, leaver, rehire, mover, name and manager changes,
 * contracts and assignments), and the import guard.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/diff.h"

#include "testlib.h"

struct fixture {
	struct snapshot prev, next;
	struct changeset cs;
	int diffed;
};

static struct person *
add_person(struct snapshot *s, const char *id, const char *given, const char *family)
{
	struct person *p = tl_add_person(s, id, given, family);

	p->f[P_NAME_CONVENTION] = "B";
	return p;
}

/* A contract from start to end (NULL: open), 1 fte, in department dept. */
static struct contract *
add_contract(struct snapshot *s, const char *emp, const char *cid, const char *start, const char *end, const char *dept)
{
	struct contract *c = tl_add_contract(s, emp, cid, start, end);

	c->f[C_DEPARTMENT_CODE] = arena_strdup(&s->arena, dept);
	c->f[C_FTE] = "1";
	c->fte = 1;
	return c;
}

/* The same person with the same open contract in both snapshots. */
static void
both(struct fixture *fx, const char *id, const char *given, const char *family, const char *cid, const char *dept)
{
	add_person(&fx->prev, id, given, family);
	add_person(&fx->next, id, given, family);
	if (cid) {
		add_contract(&fx->prev, id, cid, "2020-01-01", NULL, dept);
		add_contract(&fx->next, id, cid, "2020-01-01", NULL, dept);
	}
}

static struct changeset *
diff(struct fixture *fx, const char *prev_at, const char *next_at)
{
	if (fx->diffed)
		changeset_release(&fx->cs);
	changeset_init(&fx->cs);
	snapshot_index(&fx->prev);
	snapshot_index(&fx->next);
	diff_snapshots(&fx->prev, tl_day(prev_at), &fx->next, tl_day(next_at), &fx->cs);
	fx->diffed = 1;
	return &fx->cs;
}

static void
dump(const struct changeset *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		const struct change *c = &cs->v[i];

		print_message("  %s (%s)%s:\n", c->employee_id, c->label, c->gone ? " gone" : "");
		for (size_t k = 0; k < c->nd; k++)
			print_message("    %s %s %s -> %s [%s]\n", change_kind_name(c->d[k].kind),
				      c->d[k].field ? c->d[k].field : "-", c->d[k].old ? c->d[k].old : "-",
				      c->d[k].new ? c->d[k].new : "-", c->d[k].ref ? c->d[k].ref : "-");
	}
}

static const struct change *
change_fl(const struct changeset *cs, const char *id, const char *file, int line)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->v[i].employee_id, id))
			return &cs->v[i];
	print_error("%s:%d: no change for %s; the changes are:\n", file, line, id);
	dump(cs);
	_fail(file, line);
	return NULL;
}
#define change(cs, id) change_fl((cs), (id), __FILE__, __LINE__)

static int
has(const struct change *c, enum change_kind k)
{
	return (c->kinds & (1u << k)) != 0;
}

/* The kinds of c as "joiner,contract_added", in enum order. */
static const char *
kinds(const struct change *c)
{
	static char out[512];

	out[0] = '\0';
	for (int k = 0; k < CH_COUNT; k++)
		if (has(c, (enum change_kind)k))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? "," : "",
				 change_kind_name((enum change_kind)k));
	return out;
}

/* The detail of kind k about field (NULL: the one without a field). */
static const struct change_detail *
detail_fl(const struct change *c, enum change_kind k, const char *field, const char *file, int line)
{
	for (size_t i = 0; i < c->nd; i++) {
		const struct change_detail *d = &c->d[i];

		if (d->kind != k)
			continue;
		if (field ? d->field && !strcmp(d->field, field) : !d->field)
			return d;
	}
	print_error("%s:%d: %s has no %s detail for %s; it has:\n", file, line, c->employee_id, change_kind_name(k),
		    field ? field : "(no field)");
	for (size_t i = 0; i < c->nd; i++)
		print_message("    %s %s\n", change_kind_name(c->d[i].kind), c->d[i].field ? c->d[i].field : "-");
	_fail(file, line);
	return NULL;
}
#define detail(c, k, field) detail_fl((c), (k), (field), __FILE__, __LINE__)

static void
assert_no_change_fl(const struct changeset *cs, const char *id, const char *file, int line)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->v[i].employee_id, id)) {
			print_error("%s:%d: %s changed, expected nothing:\n", file, line, id);
			dump(cs);
			_fail(file, line);
		}
}
#define assert_no_change(cs, id) assert_no_change_fl((cs), (id), __FILE__, __LINE__)

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snapshot_init(&fx->prev);
	snapshot_init(&fx->next);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->diffed)
		changeset_release(&fx->cs);
	snapshot_release(&fx->prev);
	snapshot_release(&fx->next);
	free(fx);
	return 0;
}

/* --- nothing --- */

static void
nothing_changed_gives_no_entry(void **state)
{
	struct fixture *fx = *state;
	struct changeset *cs;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	both(fx, "2", "Anna", "Bakker", "C2", "FIN");
	both(fx, "3", "Kees", "Visser", NULL, NULL);
	tl_add_assignment(&fx->prev, "1", "project", "ERP", "2026-01-01", NULL);
	tl_add_assignment(&fx->next, "1", "project", "ERP", "2026-01-01", NULL);
	cs = diff(fx, "2026-01-15", "2026-01-16");
	assert_int_equal(cs->n, 0);
	assert_int_equal(cs->gone, 0);
	assert_int_equal(cs->prev_persons, 3);
	for (int k = 0; k < CH_COUNT; k++)
		assert_int_equal(cs->count[k], 0);
}

/* --- joiners --- */

static void
a_new_person_is_a_joiner(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;
	const struct change_detail *d;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	add_person(&fx->next, "2", "Anna", "Bakker");
	add_contract(&fx->next, "2", "C2", "2026-02-01", NULL, "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	assert_int_equal(fx->cs.n, 1);
	c = change(&fx->cs, "2");
	assert_string_equal(kinds(c), "joiner,contract_added");
	assert_false(c->gone);
	assert_string_equal(c->label, "Anna Bakker");
	d = detail(c, CH_CONTRACT_ADDED, NULL);
	assert_string_equal(d->new, "C2");
	assert_string_equal(d->ref, "C2");
	assert_int_equal(fx->cs.count[CH_JOINER], 1);
	assert_int_equal(fx->cs.count[CH_CONTRACT_ADDED], 1);
}

static void
a_person_that_had_no_contract_and_gets_one_is_a_joiner(void **state)
{
	struct fixture *fx = *state;

	both(fx, "1", "Jan", "Jansen", NULL, NULL);
	add_contract(&fx->next, "1", "C1", "2026-02-01", NULL, "ICT");
	diff(fx, "2026-01-15", "2026-01-16");
	assert_string_equal(kinds(change(&fx->cs, "1")), "joiner,contract_added");
}

static void
a_new_person_without_a_contract_is_a_joiner(void **state)
{
	struct fixture *fx = *state;

	add_person(&fx->next, "1", "Jan", "Jansen");
	diff(fx, "2026-01-15", "2026-01-16");
	assert_string_equal(kinds(change(&fx->cs, "1")), "joiner");
	assert_int_equal(fx->cs.prev_persons, 0);
}

/* --- leavers --- */

static void
a_person_gone_from_the_feed_is_a_leaver(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	add_person(&fx->prev, "2", "Anna", "Bakker");
	add_contract(&fx->prev, "2", "C2", "2020-01-01", NULL, "FIN");
	add_contract(&fx->prev, "2", "C3", "2018-01-01", "2019-12-31", "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "2");
	assert_true(c->gone);
	assert_string_equal(kinds(c), "leaver,contract_ended");
	assert_string_equal(c->label, "Anna Bakker");
	/* Only the contract that was still running ends; C3 had ended long ago. */
	assert_string_equal(detail(c, CH_CONTRACT_ENDED, NULL)->ref, "C2");
	assert_int_equal(c->nd, 2);
	assert_int_equal(fx->cs.gone, 1);
	assert_int_equal(fx->cs.count[CH_LEAVER], 1);
	assert_no_change(&fx->cs, "1");
}

static void
the_last_contract_ending_by_date_makes_a_leaver(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;
	const struct change_detail *d;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	add_contract(&fx->prev, "1", "C1", "2020-01-01", "2026-01-31", "ICT");
	add_contract(&fx->next, "1", "C1", "2020-01-01", "2026-01-31", "ICT");
	/* Nothing in the export changed, but the last day passed. */
	diff(fx, "2026-01-15", "2026-02-01");
	c = change(&fx->cs, "1");
	assert_false(c->gone);
	assert_string_equal(kinds(c), "leaver,contract_ended");
	d = detail(c, CH_CONTRACT_ENDED, "end_date");
	assert_string_equal(d->old, "2026-01-31");
	assert_string_equal(d->new, "2026-01-31");
	assert_string_equal(d->ref, "C1");
	assert_int_equal(fx->cs.gone, 0);
}

static void
the_last_day_itself_is_not_yet_a_leaver(void **state)
{
	struct fixture *fx = *state;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	add_contract(&fx->prev, "1", "C1", "2020-01-01", "2026-01-31", "ICT");
	add_contract(&fx->next, "1", "C1", "2020-01-01", "2026-01-31", "ICT");
	diff(fx, "2026-01-15", "2026-01-31");
	assert_no_change(&fx->cs, "1");
}

static void
an_end_date_set_in_the_past_makes_a_leaver(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;
	const struct change_detail *d;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	add_contract(&fx->prev, "1", "C1", "2020-01-01", NULL, "ICT");
	add_contract(&fx->next, "1", "C1", "2020-01-01", "2026-01-10", "ICT");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "leaver,contract_ended");
	d = detail(c, CH_CONTRACT_ENDED, "end_date");
	assert_string_equal(d->old, "");
	assert_string_equal(d->new, "2026-01-10");
}

static void
an_end_date_set_in_the_future_is_a_contract_change_not_a_leaver(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	add_contract(&fx->prev, "1", "C1", "2020-01-01", NULL, "ICT");
	add_contract(&fx->next, "1", "C1", "2020-01-01", "2026-03-31", "ICT");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "contract_changed");
	assert_string_equal(detail(c, CH_CONTRACT_CHANGED, "end_date")->new, "2026-03-31");
}

static void
ending_one_of_two_contracts_is_not_a_leaver(void **state)
{
	struct fixture *fx = *state;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	add_contract(&fx->prev, "1", "C2", "2020-01-01", NULL, "FIN");
	add_contract(&fx->next, "1", "C2", "2020-01-01", "2026-01-10", "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	assert_string_equal(kinds(change(&fx->cs, "1")), "contract_ended");
}

/* --- rehires --- */

static void
a_new_contract_after_all_had_ended_is_a_rehire(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	add_contract(&fx->prev, "1", "C1", "2020-01-01", "2025-06-30", "ICT");
	add_contract(&fx->next, "1", "C1", "2020-01-01", "2025-06-30", "ICT");
	add_contract(&fx->next, "1", "C2", "2026-02-01", NULL, "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "rehire,contract_added");
	assert_string_equal(detail(c, CH_CONTRACT_ADDED, NULL)->ref, "C2");
	assert_int_equal(fx->cs.count[CH_REHIRE], 1);
	assert_int_equal(fx->cs.count[CH_JOINER], 0);
}

static void
a_removed_person_returning_is_a_rehire(void **state)
{
	struct fixture *fx = *state;
	struct person *p;
	const struct change *c;

	/* As the vault loads them: still known, no longer present, no contracts. */
	p = add_person(&fx->prev, "1", "Jan", "Jansen");
	p->present = 0;
	p->removed_in = 3;
	both(fx, "2", "Anna", "Bakker", "C2", "FIN");
	add_person(&fx->next, "1", "Jan", "Jansen");
	add_contract(&fx->next, "1", "C9", "2026-01-10", NULL, "ICT");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "rehire,contract_added");
	assert_false(c->gone);
	assert_int_equal(fx->cs.prev_persons, 1);
}

static void
a_removed_person_still_absent_gives_no_entry(void **state)
{
	struct fixture *fx = *state;
	struct person *p;

	p = add_person(&fx->prev, "1", "Jan", "Jansen");
	p->present = 0;
	both(fx, "2", "Anna", "Bakker", "C2", "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	assert_int_equal(fx->cs.n, 0);
	assert_int_equal(fx->cs.gone, 0);
}

/* --- movers --- */

static void
a_new_department_on_the_primary_contract_is_a_move(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;
	const struct change_detail *d;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	add_contract(&fx->prev, "1", "C1", "2020-01-01", NULL, "ICT");
	add_contract(&fx->next, "1", "C1", "2020-01-01", NULL, "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "mover,contract_changed");
	d = detail(c, CH_MOVER, "department.code");
	assert_string_equal(d->old, "ICT");
	assert_string_equal(d->new, "FIN");
	assert_string_equal(d->ref, "C1");
	d = detail(c, CH_CONTRACT_CHANGED, "department.code");
	assert_string_equal(d->new, "FIN");
}

static void
a_new_title_location_or_department_name_is_a_move(void **state)
{
	struct fixture *fx = *state;
	struct contract *a, *b;
	const struct change *c;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	a = add_contract(&fx->prev, "1", "C1", "2020-01-01", NULL, "ICT");
	b = add_contract(&fx->next, "1", "C1", "2020-01-01", NULL, "ICT");
	a->f[C_TITLE_CODE] = "F1";
	b->f[C_TITLE_CODE] = "F2";
	a->f[C_TITLE_NAME] = "Developer";
	b->f[C_TITLE_NAME] = "Architect";
	a->f[C_LOCATION] = "Utrecht";
	b->f[C_LOCATION] = "Zwolle";
	a->f[C_DEPARTMENT_NAME] = "ICT";
	b->f[C_DEPARTMENT_NAME] = "Automatisering";
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "mover,contract_changed");
	assert_string_equal(detail(c, CH_MOVER, "title.code")->new, "F2");
	assert_string_equal(detail(c, CH_MOVER, "title.name")->new, "Architect");
	assert_string_equal(detail(c, CH_MOVER, "location")->new, "Zwolle");
	assert_string_equal(detail(c, CH_MOVER, "department.name")->new, "Automatisering");
	assert_int_equal(fx->cs.count[CH_MOVER], 1);
}

static void
a_new_cost_center_or_fte_is_a_contract_change_not_a_move(void **state)
{
	struct fixture *fx = *state;
	struct contract *a, *b;
	const struct change *c;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	a = add_contract(&fx->prev, "1", "C1", "2020-01-01", NULL, "ICT");
	b = add_contract(&fx->next, "1", "C1", "2020-01-01", NULL, "ICT");
	a->f[C_COST_CENTER] = "4100";
	b->f[C_COST_CENTER] = "4200";
	b->f[C_FTE] = "0.8";
	b->fte = 0.8;
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "contract_changed");
	assert_string_equal(detail(c, CH_CONTRACT_CHANGED, "cost_center")->new, "4200");
	assert_string_equal(detail(c, CH_CONTRACT_CHANGED, "fte")->old, "1");
	assert_string_equal(detail(c, CH_CONTRACT_CHANGED, "fte")->new, "0.8");
}

static void
a_change_on_a_contract_that_is_not_primary_is_not_a_move(void **state)
{
	struct fixture *fx = *state;
	struct contract *a, *b;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	a = add_contract(&fx->prev, "1", "C2", "2021-01-01", NULL, "FIN");
	b = add_contract(&fx->next, "1", "C2", "2021-01-01", NULL, "HR");
	a->fte = b->fte = 0.2;
	a->f[C_FTE] = b->f[C_FTE] = "0.2";
	diff(fx, "2026-01-15", "2026-01-16");
	assert_string_equal(kinds(change(&fx->cs, "1")), "contract_changed");
}

static void
a_new_primary_contract_in_another_department_is_a_move(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	add_person(&fx->prev, "1", "Jan", "Jansen");
	add_person(&fx->next, "1", "Jan", "Jansen");
	add_contract(&fx->prev, "1", "C1", "2020-01-01", "2026-01-31", "ICT");
	add_contract(&fx->next, "1", "C1", "2020-01-01", "2026-01-31", "ICT");
	add_contract(&fx->next, "1", "C2", "2026-02-01", NULL, "FIN");
	/* Judged on 1 February: C1 is over, C2 runs. */
	diff(fx, "2026-01-15", "2026-02-01");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "mover,contract_added,contract_ended");
	assert_string_equal(detail(c, CH_MOVER, "department.code")->old, "ICT");
	assert_string_equal(detail(c, CH_MOVER, "department.code")->new, "FIN");
	assert_string_equal(detail(c, CH_MOVER, "department.code")->ref, "C2");
}

/* --- names --- */

static void
each_name_field_is_a_name_change(void **state)
{
	static const int fields[] = { P_GIVEN_NAME,	     P_INITIALS,    P_FAMILY_NAME_PREFIX, P_FAMILY_NAME,
				      P_PARTNER_NAME_PREFIX, P_PARTNER_NAME };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct fixture *fx = *state;
		struct person *p;
		const struct change *c;
		const struct change_detail *d;

		teardown(state);
		setup(state);
		fx = *state;
		both(fx, "1", "Jan", "Jansen", "C1", "ICT");
		p = &fx->next.persons[0];
		p->f[fields[i]] = "Changed";
		diff(fx, "2026-01-15", "2026-01-16");
		c = change(&fx->cs, "1");
		assert_string_equal(kinds(c), "name_change");
		d = detail(c, CH_NAME_CHANGE, snapshot_field_name(ENT_PERSON, fields[i]));
		assert_string_equal(d->new, "Changed");
		assert_null(d->ref);
		assert_int_equal(c->nd, 1);
	}
}

static void
a_new_name_convention_is_a_name_change(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;
	const struct change_detail *d;

	both(fx, "1", "Anna", "Bakker", "C1", "ICT");
	fx->prev.persons[0].f[P_PARTNER_NAME] = "Smit";
	fx->next.persons[0].f[P_PARTNER_NAME] = "Smit";
	fx->next.persons[0].f[P_NAME_CONVENTION] = "BP";
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "name_change");
	d = detail(c, CH_NAME_CHANGE, "name_convention");
	assert_string_equal(d->old, "B");
	assert_string_equal(d->new, "BP");
}

static void
the_label_of_a_change_is_the_new_name(void **state)
{
	struct fixture *fx = *state;

	both(fx, "1", "Anna", "Bakker", "C1", "ICT");
	fx->next.persons[0].f[P_FAMILY_NAME_PREFIX] = "de";
	fx->next.persons[0].f[P_FAMILY_NAME] = "Vries";
	diff(fx, "2026-01-15", "2026-01-16");
	assert_string_equal(change(&fx->cs, "1")->label, "Anna de Vries");
}

static void
email_and_phone_are_other_changes(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	fx->next.persons[0].f[P_EMAIL_PRIVATE] = "jan@example.net";
	fx->next.persons[0].f[P_PHONE] = "0612345678";
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "person_changed");
	assert_string_equal(detail(c, CH_PERSON_CHANGED, "email_private")->new, "jan@example.net");
	assert_string_equal(detail(c, CH_PERSON_CHANGED, "phone")->new, "0612345678");
}

/* --- managers --- */

static void
a_new_manager_on_the_person_is_a_manager_change(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;
	const struct change_detail *d;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	fx->prev.persons[0].f[P_MANAGER_ID] = "100";
	fx->next.persons[0].f[P_MANAGER_ID] = "200";
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "manager_change,person_changed");
	d = detail(c, CH_MANAGER_CHANGE, "manager_id");
	assert_string_equal(d->old, "100");
	assert_string_equal(d->new, "200");
	assert_int_equal(fx->cs.count[CH_MANAGER_CHANGE], 1);
}

static void
a_new_manager_on_the_primary_contract_is_a_manager_change_and_a_move(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	fx->prev.contracts[0].f[C_MANAGER_ID] = "100";
	fx->next.contracts[0].f[C_MANAGER_ID] = "200";
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "mover,manager_change,contract_changed");
	assert_string_equal(detail(c, CH_MANAGER_CHANGE, "manager_id")->new, "200");
	assert_string_equal(detail(c, CH_MOVER, "manager_id")->new, "200");
}

static void
the_contract_manager_wins_over_the_person_manager(void **state)
{
	struct fixture *fx = *state;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	fx->prev.contracts[0].f[C_MANAGER_ID] = "100";
	fx->next.contracts[0].f[C_MANAGER_ID] = "100";
	fx->prev.persons[0].f[P_MANAGER_ID] = "300";
	fx->next.persons[0].f[P_MANAGER_ID] = "400";
	diff(fx, "2026-01-15", "2026-01-16");
	/* The manager people report to stays 100: the person's field changed, nothing more. */
	assert_string_equal(kinds(change(&fx->cs, "1")), "person_changed");
}

/* --- contracts --- */

static void
a_second_contract_is_a_contract_added(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	add_contract(&fx->next, "1", "C2", "2026-03-01", NULL, "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "contract_added");
	assert_string_equal(detail(c, CH_CONTRACT_ADDED, NULL)->new, "C2");
}

static void
a_running_contract_gone_from_the_feed_is_a_contract_ended(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	add_contract(&fx->prev, "1", "C2", "2021-01-01", NULL, "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "contract_ended");
	assert_string_equal(detail(c, CH_CONTRACT_ENDED, NULL)->old, "C2");
}

static void
an_ended_contract_gone_from_the_feed_gives_no_entry(void **state)
{
	struct fixture *fx = *state;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	add_contract(&fx->prev, "1", "C0", "2010-01-01", "2012-12-31", "FIN");
	diff(fx, "2026-01-15", "2026-01-16");
	assert_no_change(&fx->cs, "1");
}

static void
contract_extras_that_differ_are_a_contract_change(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[] = { "hours" };
	const struct change *c;
	const struct change_detail *d;

	snapshot_set_extras(&fx->prev, ENT_CONTRACT, names, 1);
	snapshot_set_extras(&fx->next, ENT_CONTRACT, names, 1);
	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	fx->prev.contracts[0].extra[0] = "32";
	fx->next.contracts[0].extra[0] = "36";
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "contract_changed");
	d = detail(c, CH_CONTRACT_CHANGED, "hours");
	assert_string_equal(d->old, "32");
	assert_string_equal(d->new, "36");
	assert_string_equal(d->ref, "C1");
}

static void
a_person_extra_new_to_the_config_is_a_change_from_empty(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[] = { "badge" };
	const struct change *c;

	snapshot_set_extras(&fx->next, ENT_PERSON, names, 1);
	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	fx->next.persons[0].extra[0] = "P-77";
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "person_changed");
	assert_string_equal(detail(c, CH_PERSON_CHANGED, "badge")->old, "");
	assert_string_equal(detail(c, CH_PERSON_CHANGED, "badge")->new, "P-77");
}

/* --- assignments --- */

static void
a_new_assignment_is_an_assignment_added(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;
	const struct change_detail *d;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	tl_add_assignment(&fx->next, "1", "project", "ERP", "2026-02-01", NULL);
	tl_add_assignment(&fx->next, "1", "replaces", "100", NULL, NULL);
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "assignment_added");
	assert_int_equal(c->nd, 2);
	d = &c->d[0];
	assert_string_equal(d->ref, "project ERP from 2026-02-01");
	assert_string_equal(d->new, "project ERP from 2026-02-01");
	assert_string_equal(c->d[1].ref, "replaces 100");
}

static void
a_running_assignment_gone_from_the_feed_is_an_assignment_ended(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	tl_add_assignment(&fx->prev, "1", "project", "ERP", "2026-01-01", "2026-06-30");
	tl_add_assignment(&fx->prev, "1", "project", "OLD", "2025-01-01", "2025-06-30");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "assignment_ended");
	/* OLD had ended before: only ERP ends now. */
	assert_int_equal(c->nd, 1);
	assert_string_equal(c->d[0].ref, "project ERP from 2026-01-01");
}

static void
a_new_end_date_on_an_assignment_is_an_assignment_change(void **state)
{
	struct fixture *fx = *state;
	const struct change *c;
	const struct change_detail *d;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	tl_add_assignment(&fx->prev, "1", "project", "ERP", "2026-01-01", "2026-06-30");
	tl_add_assignment(&fx->next, "1", "project", "ERP", "2026-01-01", "2026-09-30");
	diff(fx, "2026-01-15", "2026-01-16");
	c = change(&fx->cs, "1");
	assert_string_equal(kinds(c), "assignment_changed");
	d = detail(c, CH_ASSIGNMENT_CHANGED, "end_date");
	assert_string_equal(d->old, "2026-06-30");
	assert_string_equal(d->new, "2026-09-30");
	assert_string_equal(d->ref, "project ERP from 2026-01-01");
}

static void
an_assignment_end_date_moved_into_the_past_is_an_assignment_ended(void **state)
{
	struct fixture *fx = *state;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	tl_add_assignment(&fx->prev, "1", "project", "ERP", "2026-01-01", NULL);
	tl_add_assignment(&fx->next, "1", "project", "ERP", "2026-01-01", "2026-01-10");
	diff(fx, "2026-01-15", "2026-01-16");
	assert_string_equal(kinds(change(&fx->cs, "1")), "assignment_ended");
	assert_string_equal(detail(change(&fx->cs, "1"), CH_ASSIGNMENT_ENDED, "end_date")->new, "2026-01-10");
}

static void
an_assignment_whose_last_day_passed_is_an_assignment_ended(void **state)
{
	struct fixture *fx = *state;

	both(fx, "1", "Jan", "Jansen", "C1", "ICT");
	tl_add_assignment(&fx->prev, "1", "project", "ERP", "2026-01-01", "2026-01-31");
	tl_add_assignment(&fx->next, "1", "project", "ERP", "2026-01-01", "2026-01-31");
	diff(fx, "2026-01-15", "2026-01-31");
	assert_no_change(&fx->cs, "1");
	diff(fx, "2026-01-15", "2026-02-01");
	assert_string_equal(kinds(change(&fx->cs, "1")), "assignment_ended");
}

/* --- the whole set --- */

static void
changes_come_in_employee_id_order_with_counts_per_person(void **state)
{
	struct fixture *fx = *state;

	both(fx, "b", "B", "B", "Cb", "ICT");
	both(fx, "d", "D", "D", "Cd", "ICT");
	add_person(&fx->prev, "a", "A", "A");
	add_contract(&fx->prev, "a", "Ca", "2020-01-01", NULL, "ICT");
	add_person(&fx->next, "c", "C", "C");
	add_contract(&fx->next, "c", "Cc1", "2026-02-01", NULL, "ICT");
	add_contract(&fx->next, "c", "Cc2", "2026-02-01", NULL, "FIN");
	fx->next.contracts[1].f[C_DEPARTMENT_CODE] = "HR"; /* d moves */
	add_person(&fx->next, "e", "E", "E");
	diff(fx, "2026-01-15", "2026-01-16");
	assert_int_equal(fx->cs.n, 4);
	assert_string_equal(fx->cs.v[0].employee_id, "a");
	assert_string_equal(fx->cs.v[1].employee_id, "c");
	assert_string_equal(fx->cs.v[2].employee_id, "d");
	assert_string_equal(fx->cs.v[3].employee_id, "e");
	assert_int_equal(fx->cs.count[CH_JOINER], 2);
	assert_int_equal(fx->cs.count[CH_LEAVER], 1);
	assert_int_equal(fx->cs.count[CH_MOVER], 1);
	/* c has two contracts added, but counts once */
	assert_int_equal(fx->cs.count[CH_CONTRACT_ADDED], 1);
	assert_int_equal(fx->cs.gone, 1);
	assert_int_equal(fx->cs.prev_persons, 3);
}

static void
change_kind_names_are_those_of_the_json_output(void **state)
{
	(void)state;
	assert_string_equal(change_kind_name(CH_JOINER), "joiner");
	assert_string_equal(change_kind_name(CH_NAME_CHANGE), "name_change");
	assert_string_equal(change_kind_name(CH_MANAGER_CHANGE), "manager_change");
	assert_string_equal(change_kind_name(CH_ASSIGNMENT_CHANGED), "assignment_changed");
	assert_string_equal(change_kind_name(CH_COUNT), "?");
}

/* --- the import guard --- */

/* prev holds n persons with an open contract; next keeps the first keep of them. */
static void
workforce(struct fixture *fx, int n, int keep)
{
	char id[16];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "p%04d", i);
		add_person(&fx->prev, id, "P", id);
		add_contract(&fx->prev, id, id, "2020-01-01", NULL, "ICT");
		if (i < keep) {
			add_person(&fx->next, id, "P", id);
			add_contract(&fx->next, id, id, "2020-01-01", NULL, "ICT");
		}
	}
}

static struct source_cfg
guard_cfg(long value, int percent)
{
	struct source_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = (char *)"hr";
	cfg.max_removed.value = value;
	cfg.max_removed.percent = percent;
	return cfg;
}

static void
guard_allows_exactly_the_percentage(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(10, 1);
	struct guard_verdict v;

	workforce(fx, 50, 45);
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	assert_false(v.refused);
	assert_false(v.empty);
	assert_int_equal(v.limit, 5);
	assert_int_equal(v.leaving, 5);
	assert_int_equal(v.gone, 5);
	assert_int_equal(v.prev_persons, 50);
}

static void
guard_refuses_one_over_the_percentage(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(10, 1);
	struct guard_verdict v;

	workforce(fx, 50, 44);
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	assert_true(v.refused);
	assert_false(v.empty);
	assert_int_equal(v.limit, 5);
	assert_int_equal(v.leaving, 6);
}

static void
guard_rounds_the_percentage_down(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(10, 1);
	struct guard_verdict v;

	/* 10% of 19 is 1.9: one may go, two may not. */
	workforce(fx, 19, 18);
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	assert_int_equal(v.limit, 1);
	assert_false(v.refused);
	snapshot_release(&fx->next);
	snapshot_init(&fx->next);
	for (int i = 0; i < 17; i++)
		*snapshot_add_person(&fx->next) = fx->prev.persons[i];
	for (int i = 0; i < 17; i++)
		*snapshot_add_contract(&fx->next) = fx->prev.contracts[i];
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	assert_int_equal(v.leaving, 2);
	assert_true(v.refused);
}

static void
guard_allows_exactly_the_count_and_refuses_one_more(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(3, 0);
	struct guard_verdict v;

	workforce(fx, 1000, 997);
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	assert_int_equal(v.limit, 3);
	assert_int_equal(v.leaving, 3);
	assert_false(v.refused);

	snapshot_release(&fx->next);
	snapshot_init(&fx->next);
	for (int i = 0; i < 996; i++) {
		*snapshot_add_person(&fx->next) = fx->prev.persons[i];
		*snapshot_add_contract(&fx->next) = fx->prev.contracts[i];
	}
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	assert_int_equal(v.leaving, 4);
	assert_true(v.refused);
}

static void
guard_counts_leavers_by_date_as_well_as_persons_gone(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(1, 0);
	struct guard_verdict v;

	workforce(fx, 10, 9);
	/* p0000 stays in the export, but their contract ended yesterday. */
	fx->next.contracts[0].end = tl_day("2026-01-15");
	fx->next.contracts[0].f[C_END_DATE] = "2026-01-15";
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	assert_int_equal(v.leaving, 2);
	assert_int_equal(v.gone, 1);
	assert_true(v.refused);
}

static void
guard_refuses_an_empty_import(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(100, 1);
	struct guard_verdict v;

	workforce(fx, 10, 0);
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	/* 100% may go, but an empty export is never taken for real. */
	assert_true(v.refused);
	assert_true(v.empty);
	assert_int_equal(v.prev_persons, 10);
}

static void
guard_does_not_refuse_a_first_import(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(0, 0);
	struct guard_verdict v;

	add_person(&fx->next, "1", "Jan", "Jansen");
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	assert_false(v.refused);
	assert_int_equal(v.prev_persons, 0);
}

static void
guard_refuses_an_empty_first_import(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(10, 1);
	struct guard_verdict v;

	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, 0, &v);
	assert_true(v.refused);
	assert_true(v.empty);
}

static void
guard_does_not_count_removed_persons_as_previous(void **state)
{
	struct fixture *fx = *state;
	struct source_cfg cfg = guard_cfg(50, 1);
	struct guard_verdict v;
	struct person *p;

	workforce(fx, 2, 1);
	for (int i = 0; i < 8; i++) {
		char id[16];

		snprintf(id, sizeof(id), "old%d", i);
		p = add_person(&fx->prev, id, "O", id);
		p->present = 0;
	}
	diff(fx, "2026-01-15", "2026-01-16");
	import_guard(&cfg, &fx->cs, fx->next.npersons, &v);
	/* 1 of 2 present persons goes: 50% of 2 is 1. */
	assert_int_equal(v.prev_persons, 2);
	assert_int_equal(v.limit, 1);
	assert_false(v.refused);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(nothing_changed_gives_no_entry),
		T(a_new_person_is_a_joiner),
		T(a_person_that_had_no_contract_and_gets_one_is_a_joiner),
		T(a_new_person_without_a_contract_is_a_joiner),
		T(a_person_gone_from_the_feed_is_a_leaver),
		T(the_last_contract_ending_by_date_makes_a_leaver),
		T(the_last_day_itself_is_not_yet_a_leaver),
		T(an_end_date_set_in_the_past_makes_a_leaver),
		T(an_end_date_set_in_the_future_is_a_contract_change_not_a_leaver),
		T(ending_one_of_two_contracts_is_not_a_leaver),
		T(a_new_contract_after_all_had_ended_is_a_rehire),
		T(a_removed_person_returning_is_a_rehire),
		T(a_removed_person_still_absent_gives_no_entry),
		T(a_new_department_on_the_primary_contract_is_a_move),
		T(a_new_title_location_or_department_name_is_a_move),
		T(a_new_cost_center_or_fte_is_a_contract_change_not_a_move),
		T(a_change_on_a_contract_that_is_not_primary_is_not_a_move),
		T(a_new_primary_contract_in_another_department_is_a_move),
		T(each_name_field_is_a_name_change),
		T(a_new_name_convention_is_a_name_change),
		T(the_label_of_a_change_is_the_new_name),
		T(email_and_phone_are_other_changes),
		T(a_new_manager_on_the_person_is_a_manager_change),
		T(a_new_manager_on_the_primary_contract_is_a_manager_change_and_a_move),
		T(the_contract_manager_wins_over_the_person_manager),
		T(a_second_contract_is_a_contract_added),
		T(a_running_contract_gone_from_the_feed_is_a_contract_ended),
		T(an_ended_contract_gone_from_the_feed_gives_no_entry),
		T(contract_extras_that_differ_are_a_contract_change),
		T(a_person_extra_new_to_the_config_is_a_change_from_empty),
		T(a_new_assignment_is_an_assignment_added),
		T(a_running_assignment_gone_from_the_feed_is_an_assignment_ended),
		T(a_new_end_date_on_an_assignment_is_an_assignment_change),
		T(an_assignment_end_date_moved_into_the_past_is_an_assignment_ended),
		T(an_assignment_whose_last_day_passed_is_an_assignment_ended),
		T(changes_come_in_employee_id_order_with_counts_per_person),
		cmocka_unit_test(change_kind_names_are_those_of_the_json_output),
		T(guard_allows_exactly_the_percentage),
		T(guard_refuses_one_over_the_percentage),
		T(guard_rounds_the_percentage_down),
		T(guard_allows_exactly_the_count_and_refuses_one_more),
		T(guard_counts_leavers_by_date_as_well_as_persons_gone),
		T(guard_refuses_an_empty_import),
		T(guard_does_not_count_removed_persons_as_previous),
		T(guard_does_not_refuse_a_first_import),
		T(guard_refuses_an_empty_first_import),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
