/*
 * The plan written out: as the documented JSON (docs/plan.md) and as text
 * for a person. Both are made with buf, in the plan's own order, so the
 * same plan gives the same bytes.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "plan/plan.h"
#include "plan/plan_int.h"
#include "util/banned.h"

/* A day as a JSON string ("2026-01-05"), or null; without printf, as it is written a million times. */
void
plan_json_day(struct buf *out, civil_day d, civil_day none)
{
	char s[16];
	int y, m, dd;

	if (d == none || d == DATE_NONE || d == PERIOD_DAWN) {
		buf_adds(out, "null");
		return;
	}
	date_to_ymd(d, &y, &m, &dd);
	if (y < 0 || y > 9999) { /* not a day a source can give; as date_format writes it */
		char f[DATE_STR_MAX + 8];

		date_format(d, f);
		buf_addch(out, '"');
		buf_adds(out, f);
		buf_addch(out, '"');
		return;
	}
	s[0] = '"';
	s[1] = (char)('0' + y / 1000);
	s[2] = (char)('0' + y / 100 % 10);
	s[3] = (char)('0' + y / 10 % 10);
	s[4] = (char)('0' + y % 10);
	s[5] = '-';
	s[6] = (char)('0' + m / 10);
	s[7] = (char)('0' + m % 10);
	s[8] = '-';
	s[9] = (char)('0' + dd / 10);
	s[10] = (char)('0' + dd % 10);
	s[11] = '"';
	buf_add(out, s, 12);
}

/* The parts of a reason, from its entitlement. */
struct reason_parts {
	const char *rule, *contract, *assignment_kind, *assignment_value, *inherited_from, *via_rule, *note;
	civil_day from, until;
};

static void
parts_of(const struct plan_reason *pr, struct reason_parts *r)
{
	const struct entitlement *en = pr->en;

	memset(r, 0, sizeof(*r));
	r->note = pr->note;
	if (!en)
		return;
	r->rule = en->rule->cfg->name;
	if (en->assignment) {
		r->assignment_kind = en->assignment->f[A_KIND];
		r->assignment_value = en->assignment->f[A_VALUE];
	} else if (en->contract) {
		r->contract = en->contract->f[C_CONTRACT_ID];
	}
	r->from = en->period.start;
	r->until = en->period.end;
	if (en->via_rule) {
		r->inherited_from = en->holder->f[P_EMPLOYEE_ID];
		r->via_rule = en->via_rule->cfg->name;
	}
}

void
plan_reason_json(const struct plan_reason *pr, struct buf *out)
{
	const struct entitlement *en = pr->en;

	if (!en) {
		buf_adds(out, "{\"note\": ");
		buf_add_json_str(out, pr->note);
		buf_addch(out, '}');
		return;
	}
	buf_adds(out, "{\"rule\": ");
	buf_add_json_str(out, en->rule->cfg->name);
	if (en->assignment) {
		buf_adds(out, ", \"assignment\": {\"kind\": ");
		buf_add_json_str(out, en->assignment->f[A_KIND]);
		buf_adds(out, ", \"value\": ");
		buf_add_json_str(out, en->assignment->f[A_VALUE]);
		buf_addch(out, '}');
	} else if (en->contract) {
		buf_adds(out, ", \"contract\": ");
		buf_add_json_str(out, en->contract->f[C_CONTRACT_ID]);
	}
	buf_adds(out, ", \"from\": ");
	plan_json_day(out, en->period.start, PERIOD_DAWN);
	buf_adds(out, ", \"until\": ");
	plan_json_day(out, en->period.end, DATE_NONE);
	if (en->via_rule) {
		buf_adds(out, ", \"inherited_from\": ");
		buf_add_json_str(out, en->holder->f[P_EMPLOYEE_ID]);
		buf_adds(out, ", \"via_rule\": ");
		buf_add_json_str(out, en->via_rule->cfg->name);
	}
	buf_addch(out, '}');
}

void
plan_reason_text(const struct plan_reason *pr, struct buf *out)
{
	char from[DATE_STR_MAX] = "…", until[DATE_STR_MAX] = "open";
	struct reason_parts rp, *r = &rp;

	parts_of(pr, r);
	if (!r->rule) {
		buf_adds(out, r->note);
		return;
	}
	if (r->from != PERIOD_DAWN && r->from != DATE_NONE)
		date_format(r->from, from);
	if (r->until != DATE_NONE)
		date_format(r->until, until);
	buf_addf(out, "rule \"%s\"", r->rule);
	if (r->inherited_from)
		buf_addf(out, " of %s, inherited through rule \"%s\"", r->inherited_from, r->via_rule);
	if (r->contract)
		buf_addf(out, ", contract %s", r->contract);
	else if (r->assignment_kind)
		buf_addf(out, ", assignment %s %s", r->assignment_kind, r->assignment_value);
	buf_addf(out, ", %s – %s", from, until);
}

static void
values_json(const struct plan_action *a, struct buf *out)
{
	int unsent = 0;

	buf_adds(out, a->op == OP_CREATE ? ", \"attributes\": {" : ", \"changes\": {");
	for (size_t i = 0; i < a->nvalues; i++) {
		const struct plan_value *v = &a->values[i];

		unsent |= !v->send;
		if (i)
			buf_adds(out, ", ");
		buf_add_json_str(out, v->name);
		buf_adds(out, ": ");
		if (a->op == OP_CREATE) {
			buf_add_json_str(out, v->value);
			continue;
		}
		buf_adds(out, "{\"old\": ");
		buf_add_json_str(out, v->old);
		buf_adds(out, ", \"new\": ");
		buf_add_json_str(out, v->value);
		buf_addch(out, '}');
	}
	buf_addch(out, '}');
	if (!unsent)
		return;
	/* send: false — kept by roster, never sent to the target */
	buf_adds(out, ", \"not_sent\": [");
	for (size_t i = 0, n = 0; i < a->nvalues; i++) {
		if (a->values[i].send)
			continue;
		if (n++)
			buf_adds(out, ", ");
		buf_add_json_str(out, a->values[i].name);
	}
	buf_addch(out, ']');
}

/* Action i as JSON, with what separates it from the one before. */
static void
action_json(const struct plan *pl, size_t i, struct buf *out)
{
	const struct plan_action *a = &pl->actions[i];
	char num[32];

	buf_adds(out, i ? ",\n    {\"target\": " : "\n    {\"target\": ");
	buf_add_json_str(out, pl->rs->targets[a->target].cfg->name);
	buf_adds(out, ", \"employee_id\": ");
	buf_add_json_str(out, a->employee_id);
	buf_adds(out, ", \"op\": \"");
	buf_adds(out, plan_op_name(a->op));
	buf_adds(out, "\", \"account\": ");
	snprintf(num, sizeof(num), "%d", a->seq);
	buf_adds(out, num);
	if (a->op == OP_CREATE)
		buf_adds(out, a->enabled ? ", \"enabled\": true" : ", \"enabled\": false");
	if (a->op == OP_CREATE || a->op == OP_UPDATE || a->op == OP_MOVE)
		values_json(a, out);
	if (a->permission) {
		buf_adds(out, ", \"permission\": ");
		buf_add_json_str(out, a->permission);
	}
	buf_adds(out, ", \"reasons\": [");
	for (size_t r = 0; r < a->nreasons; r++) {
		if (r)
			buf_adds(out, ", ");
		plan_reason_json(&a->reasons[r], out);
	}
	buf_adds(out, "]}");
}

#define CHUNK 4096 /* actions formatted at a time */

struct chunk_job {
	const struct plan *pl;
	size_t from, to;
	struct buf out;
};

static void *
chunk_run(void *arg)
{
	struct chunk_job *j = arg;

	buf_reset(&j->out);
	for (size_t i = j->from; i < j->to; i++)
		action_json(j->pl, i, &j->out);
	return NULL;
}

static int
sink_buf(void *ctx, const char *data, size_t len)
{
	buf_add(ctx, data, len);
	return 0;
}

int
plan_json_stream(const struct plan *pl, plan_sink_fn sink, void *ctx)
{
	struct chunk_job job[2] = { { pl, 0, 0, BUF_INIT }, { pl, 0, 0, BUF_INIT } };
	struct buf b = BUF_INIT;
	char at[DATE_STR_MAX];
	int ret = -1, two = pl->nactions > 2 * CHUNK && sysconf(_SC_NPROCESSORS_ONLN) > 1;

	date_format(pl->at, at);
	buf_addf(&b, "{\n  \"at\": \"%s\",\n  \"actions\": [", at);
	if (sink(ctx, b.s, b.len) < 0)
		goto out;
	/* two chunks at a time, the second on a thread of its own, written in order */
	for (size_t i = 0; i < pl->nactions; i += 2 * CHUNK) {
		pthread_t tid;
		int started = 0;

		job[0].from = i;
		job[0].to = i + CHUNK < pl->nactions ? i + CHUNK : pl->nactions;
		job[1].from = job[0].to;
		job[1].to = job[1].from + CHUNK < pl->nactions ? job[1].from + CHUNK : pl->nactions;
		if (two && job[1].from < job[1].to)
			started = !pthread_create(&tid, NULL, chunk_run, &job[1]);
		chunk_run(&job[0]);
		if (started)
			pthread_join(tid, NULL);
		else
			chunk_run(&job[1]);
		for (int k = 0; k < 2; k++) /* an empty chunk (the last pair) is not handed on */
			if (job[k].out.len && sink(ctx, job[k].out.s, job[k].out.len) < 0)
				goto out;
	}
	buf_reset(&b);
	buf_adds(&b, pl->nactions ? "\n  ],\n  \"problems\": [" : "],\n  \"problems\": [");
	for (size_t i = 0; i < pl->nproblems; i++) {
		const struct plan_problem *p = &pl->problems[i];

		buf_adds(&b, i ? ",\n    {\"target\": " : "\n    {\"target\": ");
		buf_add_json_str(&b, pl->rs->targets[p->target].cfg->name);
		buf_adds(&b, ", \"employee_id\": ");
		buf_add_json_str(&b, p->employee_id);
		buf_adds(&b, ", \"message\": ");
		buf_add_json_str(&b, p->message);
		buf_addch(&b, '}');
	}
	buf_adds(&b, pl->nproblems ? "\n  ],\n  \"summary\": {" : "],\n  \"summary\": {");
	for (size_t t = 0, nt = 0; t < pl->rs->ntargets; t++) {
		if (!pl->planned[t])
			continue;
		buf_adds(&b, nt++ ? ",\n    " : "\n    ");
		buf_add_json_str(&b, pl->rs->targets[t].cfg->name);
		buf_adds(&b, ": {");
		for (int op = 0, n = 0; op < OP_COUNT; op++)
			if (pl->counts[t][op])
				buf_addf(&b, "%s\"%s\": %zu", n++ ? ", " : "", plan_op_name(op), pl->counts[t][op]);
		buf_addch(&b, '}');
	}
	buf_adds(&b, "\n  }\n}\n");
	ret = sink(ctx, b.s, b.len);
out:
	buf_release(&b);
	buf_release(&job[0].out);
	buf_release(&job[1].out);
	return ret;
}

void
plan_json(const struct plan *pl, struct buf *out)
{
	plan_json_stream(pl, sink_buf, out);
}

static void
action_text(const struct plan *pl, const struct plan_action *a, struct buf *out)
{
	char label[512];

	(void)pl;
	snapshot_person_label(a->person, label, sizeof(label));
	buf_addf(out, "  %-8s %-10s %s", plan_op_name(a->op), a->employee_id, label);
	if (a->permission)
		buf_addf(out, ": %s", a->permission);
	if (a->op == OP_CREATE)
		buf_adds(out, a->enabled ? " (enabled)" : " (disabled)");
	buf_addch(out, '\n');
	for (size_t i = 0; i < a->nvalues; i++) {
		const struct plan_value *v = &a->values[i];

		if (a->op == OP_CREATE)
			buf_addf(out, "      %s: %s%s\n", v->name, v->value, v->send ? "" : "  (not sent)");
		else
			buf_addf(out, "      %s: %s -> %s%s\n", v->name, v->old, v->value,
				 v->send ? "" : "  (not sent)");
	}
	for (size_t r = 0; r < a->nreasons; r++) {
		buf_adds(out, "      because ");
		plan_reason_text(&a->reasons[r], out);
		buf_addch(out, '\n');
	}
}

static void
text(const struct plan *pl, struct buf *out, int actions)
{
	char at[DATE_STR_MAX];

	date_format(pl->at, at);
	buf_addf(out, "plan for %s: %zu action%s, %zu person%s evaluated\n", at, pl->nactions,
		 pl->nactions == 1 ? "" : "s", pl->npersons, pl->npersons == 1 ? "" : "s");
	for (size_t t = 0; t < pl->rs->ntargets; t++) {
		size_t total = 0;

		if (!pl->planned[t])
			continue;
		buf_addf(out, "%s%s:", actions ? "\n" : "  ", pl->rs->targets[t].cfg->name);
		for (int op = 0; op < OP_COUNT; op++)
			if (pl->counts[t][op]) {
				buf_addf(out, "%s %zu %s", total ? "," : "", pl->counts[t][op], plan_op_name(op));
				total += pl->counts[t][op];
			}
		buf_adds(out, total ? "\n" : " nothing to do\n");
		for (size_t i = 0; actions && i < pl->nactions; i++)
			if (pl->actions[i].target == t)
				action_text(pl, &pl->actions[i], out);
	}
	if (pl->nproblems) {
		buf_addf(out, "\n%zu problem%s (nothing is planned for these accounts):\n", pl->nproblems,
			 pl->nproblems == 1 ? "" : "s");
		for (size_t i = 0; i < pl->nproblems; i++)
			buf_addf(out, "  %s %s: %s\n", pl->rs->targets[pl->problems[i].target].cfg->name,
				 pl->problems[i].employee_id, pl->problems[i].message);
	}
}

void
plan_text(const struct plan *pl, struct buf *out)
{
	text(pl, out, 1);
}

void
plan_summary_text(const struct plan *pl, struct buf *out)
{
	text(pl, out, 0);
}
