/*
 * A plan read back from its JSON (docs/plan.md), for roster apply --plan:
 * the actions with what apply needs (target, person, op, account, enabled,
 * attributes or changes, permission); reasons are not read. Every mistake
 * names the file, the place in it and what was expected.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "plan/plan.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int
bad(struct err *e, const char *name, size_t i, const char *field, const char *what)
{
	return err_set(e, ERR_INVALID, "%s: actions[%zu].%s: %s", name, i, field, what);
}

static const char *
str(struct plan *pl, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? arena_strdup(&pl->arena, json_string_value(v)) : NULL;
}

static int
read_values(struct plan *pl, struct plan_action *a, json_t *o, const char *name, size_t i, struct err *e)
{
	const char *key = a->op == OP_CREATE ? "attributes" : "changes";
	json_t *vals = json_object_get(o, key), *unsent = json_object_get(o, "not_sent"), *v;
	const char *attr;
	size_t n = 0;

	if (!json_is_object(vals))
		return bad(e, name, i, key, "expected an object");
	a->values = arena_alloc(&pl->arena, (json_object_size(vals) + 1) * sizeof(*a->values));
	json_object_foreach(vals, attr, v)
	{
		struct plan_value *pv = &a->values[n++];

		pv->name = arena_strdup(&pl->arena, attr);
		pv->send = 1;
		if (a->op == OP_CREATE) {
			if (!json_is_string(v))
				return bad(e, name, i, key, "expected every attribute's value as a string");
			pv->value = arena_strdup(&pl->arena, json_string_value(v));
			continue;
		}
		if (!json_is_object(v) || !json_is_string(json_object_get(v, "old")) ||
		    !json_is_string(json_object_get(v, "new")))
			return bad(e, name, i, key, "expected every change as {\"old\": \"…\", \"new\": \"…\"}");
		pv->old = str(pl, v, "old");
		pv->value = str(pl, v, "new");
	}
	a->nvalues = n;
	if (unsent && !json_is_array(unsent))
		return bad(e, name, i, "not_sent", "expected a list of attribute names");
	for (size_t k = 0; unsent && k < json_array_size(unsent); k++) {
		json_t *u = json_array_get(unsent, k);

		if (!json_is_string(u))
			return bad(e, name, i, "not_sent", "expected a list of attribute names");
		for (size_t j = 0; j < n; j++)
			if (!strcmp(a->values[j].name, json_string_value(u)))
				a->values[j].send = 0;
	}
	return 0;
}

int
plan_read(const char *text, size_t len, const char *name, const struct ruleset *rs, struct plan *pl, struct err *e)
{
	json_error_t je;
	json_t *root, *acts, *at;
	int ret = -1;

	memset(pl, 0, sizeof(*pl));
	pl->rs = rs;
	pl->counts = xcalloc(rs->ntargets + 1, sizeof(*pl->counts));
	pl->planned = xcalloc(rs->ntargets + 1, 1);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		err_set(e, ERR_INVALID, "%s:%d:%d: not a plan: %s", name, je.line, je.column, je.text);
		goto out;
	}
	at = json_object_get(root, "at");
	acts = json_object_get(root, "actions");
	if (!json_is_object(root) || !json_is_string(at) || date_parse_iso(json_string_value(at), &pl->at) < 0 ||
	    !json_is_array(acts)) {
		err_set(e, ERR_INVALID,
			"%s: not a plan: expected {\"at\": \"YYYY-MM-DD\", \"actions\": [...], …} as roster plan --json writes it",
			name);
		goto out;
	}
	pl->actions = xcalloc(json_array_size(acts) + 1, sizeof(*pl->actions));
	for (size_t i = 0; i < json_array_size(acts); i++) {
		json_t *o = json_array_get(acts, i), *seq, *en;
		struct plan_action *a = &pl->actions[i];
		const char *target, *op;
		size_t t;
		int k;

		if (!json_is_object(o)) {
			err_set(e, ERR_INVALID, "%s: actions[%zu]: expected an object", name, i);
			goto out;
		}
		target = str(pl, o, "target");
		for (t = 0; target && t < rs->ntargets && strcmp(rs->targets[t].cfg->name, target); t++)
			;
		if (!target || t == rs->ntargets) {
			bad(e, name, i, "target", "expected the name of a target of the configuration");
			goto out;
		}
		a->target = t;
		pl->planned[t] = 1;
		if (!(a->employee_id = str(pl, o, "employee_id")) || !*a->employee_id) {
			bad(e, name, i, "employee_id", "expected an employee_id");
			goto out;
		}
		op = str(pl, o, "op");
		for (k = 0; op && k < OP_COUNT && strcmp(plan_op_name((enum plan_op)k), op); k++)
			;
		if (!op || k == OP_COUNT) {
			bad(e, name, i, "op",
			    "expected create, enable, update, move, grant, revoke, disable or delete");
			goto out;
		}
		a->op = (enum plan_op)k;
		seq = json_object_get(o, "account");
		if (!json_is_integer(seq) || json_integer_value(seq) < 1 || json_integer_value(seq) > 1000000) {
			bad(e, name, i, "account", "expected the account's number (1, 2, …)");
			goto out;
		}
		a->seq = (int)json_integer_value(seq);
		if (a->op == OP_CREATE) {
			en = json_object_get(o, "enabled");
			if (!json_is_boolean(en)) {
				bad(e, name, i, "enabled", "expected true or false");
				goto out;
			}
			a->enabled = json_is_true(en);
		}
		if ((a->op == OP_CREATE || a->op == OP_UPDATE || a->op == OP_MOVE) &&
		    read_values(pl, a, o, name, i, e) < 0)
			goto out;
		if (a->op == OP_GRANT || a->op == OP_REVOKE) {
			if (!(a->permission = str(pl, o, "permission")) || !*a->permission) {
				bad(e, name, i, "permission", "expected the group's name");
				goto out;
			}
		}
		pl->counts[t][a->op]++;
		pl->nactions++;
	}
	ret = 0;
out:
	json_decref(root);
	if (ret < 0)
		plan_release(pl);
	return ret;
}

/* What identifies an action: everything apply would do with it. */
static void
key_of(const struct plan *pl, const struct plan_action *a, struct buf *k)
{
	buf_reset(k);
	buf_add_json_str(k, pl->rs->targets[a->target].cfg->name);
	buf_add_json_str(k, a->employee_id);
	buf_addf(k, "%s %d %d", plan_op_name(a->op), a->seq, a->op == OP_CREATE ? a->enabled : 0);
	if (a->permission)
		buf_add_json_str(k, a->permission);
	for (size_t i = 0; i < a->nvalues; i++) {
		buf_add_json_str(k, a->values[i].name);
		buf_add_json_str(k, a->values[i].value);
	}
}

size_t
plan_keep_reviewed(struct plan *fresh, const struct plan *reviewed)
{
	struct strmap want = STRMAP_INIT;
	struct buf k = BUF_INIT;
	size_t *count = xcalloc(reviewed->nactions + 1, sizeof(*count)), kept = 0, idx;
	char **keys = xcalloc(reviewed->nactions + 1, sizeof(*keys));

	for (size_t i = 0; i < reviewed->nactions; i++) {
		key_of(reviewed, &reviewed->actions[i], &k);
		if (strmap_get(&want, k.s, &idx)) {
			count[idx]++;
			continue;
		}
		keys[i] = xstrdup(k.s);
		strmap_put(&want, keys[i], i);
		count[i] = 1;
	}
	memset(fresh->counts, 0, fresh->rs->ntargets * sizeof(*fresh->counts));
	for (size_t i = 0; i < fresh->nactions; i++) {
		key_of(fresh, &fresh->actions[i], &k);
		if (!strmap_get(&want, k.s, &idx) || !count[idx])
			continue;
		count[idx]--;
		fresh->actions[kept] = fresh->actions[i];
		fresh->counts[fresh->actions[kept].target][fresh->actions[kept].op]++;
		kept++;
	}
	fresh->nactions = kept;
	for (size_t i = 0; i < reviewed->nactions; i++)
		free(keys[i]);
	free(keys);
	free(count);
	strmap_release(&want);
	buf_release(&k);
	return kept;
}
