/*
 * roster reconcile TARGET: what the target holds, held against the persons
 * and the accounts roster knows.
 *
 *	linked    the account roster made (or adopted) for a person
 *	unlinked  an account that matches a person by the correlate key but is
 *	          not roster's yet; --adopt links it, so a first run against a
 *	          directory that has accounts adopts them instead of duplicating
 *	orphan    matches no person: reported, never touched
 *	drift     a linked account whose attributes or groups differ from what
 *	          roster applied: roster records what the target holds, so the
 *	          next plan puts it back
 *
 * Adoptions and drift are stored with their audit events in one vault
 * transaction.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "connector/connector.h"
#include "source/snapshot.h"
#include "util/strmap.h"
#include "util/xalloc.h"
#include "vault/vault.h"
#include "util/banned.h"

static const char usage[] = "usage: roster [-c FILE] reconcile TARGET [--adopt] [--json]\n"
			    "\n"
			    "Lists the target's accounts and holds them against the persons and the accounts\n"
			    "roster knows: linked, unlinked (matches a person, not roster's yet), orphans\n"
			    "(match no one; never touched) and drift (differs from what roster applied; the\n"
			    "next plan puts it back).\n"
			    "\n"
			    "  --adopt   link the unlinked accounts to their persons (recorded in the audit log)\n"
			    "  --json    print the result as JSON\n";

struct rec {
	const char *target;
	const struct cfg_target *ct;
	const struct known_state *k;
	struct strmap by_key; /* correlate value -> index into the snapshot's persons */
	const struct snapshot *s;
	struct vault *v;
	int adopt;
	const char *run;
	json_t *linked, *unlinked, *orphans, *drift, *conflicts;
	struct strmap adopted; /* employee_ids adopted in this run */
	civil_day today;
	struct err *e;
	int failed;
};

/* The person field the correlate key is ("employee_id", "email_private", an extra). */
static const char *
person_field(const struct snapshot *s, const struct person *p, const char *field)
{
	for (int i = 0; i < P_NFIELDS; i++)
		if (!strcmp(snapshot_field_name(ENT_PERSON, i), field))
			return p->f[i];
	for (size_t i = 0; i < s->nextra[ENT_PERSON]; i++)
		if (!strcmp(s->extra_names[ENT_PERSON][i], field))
			return p->extra[i];
	return "";
}

static const char *
obj_attr(const struct conn_object *o, const char *name)
{
	return account_attr_find(o->attrs, o->nattrs, name);
}

static int
store(struct rec *x, const struct known_account *a, const struct conn_object *o, const char *what, const char *before)
{
	struct audit_event ev;
	json_t *after = json_object();
	char *js;
	int ret;

	for (size_t i = 0; i < o->nattrs; i++)
		json_object_set_new(after, o->attrs[i].name, json_string(o->attrs[i].value));
	js = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(after);
	ret = vault_account_put(x->v, a, x->e);
	for (size_t i = 0; !ret && o->permissions && i < o->npermissions; i++)
		ret = vault_membership_put(x->v, x->target, a->employee_id, o->permissions[i], 1, x->e);
	if (!ret) {
		memset(&ev, 0, sizeof(ev));
		ev.actor = vault_actor();
		ev.run = x->run;
		ev.kind = "reconcile";
		ev.target = x->target;
		ev.employee_id = a->employee_id;
		ev.action = what;
		ev.before = before;
		ev.after = js;
		ev.outcome = "ok";
		ret = audit_append(x->v, &ev, x->e);
	}
	free(js);
	return ret;
}

/* The known memberships m (sorted) and the target's groups of o are the same set. */
static int
same_groups(const struct membership *m, size_t nm, const struct conn_object *o)
{
	if (nm != o->npermissions)
		return 0;
	for (size_t i = 0; i < o->npermissions; i++) {
		size_t j;

		for (j = 0; j < nm && strcmp(m[j].permission, o->permissions[i]); j++)
			;
		if (j == nm)
			return 0;
	}
	return 1;
}

static int
each(void *ctx, const struct conn_object *o)
{
	struct rec *x = ctx;
	const char *key = x->ct->correlate_attribute ? obj_attr(o, x->ct->correlate_attribute) : o->ref;
	const struct known_account *ka = NULL;
	const struct person *p;
	size_t pi, n;

	if (x->failed)
		return 1;
	if (!key || !strmap_get(&x->by_key, key, &pi)) {
		json_array_append_new(x->orphans, json_pack("{s:s, s:s?}", "ref", o->ref, "key", key));
		return 0;
	}
	if (pi == SIZE_MAX) {
		json_array_append_new(x->conflicts, json_pack("{s:s, s:s, s:s}", "ref", o->ref, "key", key, "why",
							      "more than one person has this key"));
		return 0;
	}
	p = &x->s->persons[pi];
	n = known_accounts_of(x->k, x->target, p->f[P_EMPLOYEE_ID], &ka);
	if (n && ka[n - 1].status != ACCT_DELETED && ka[n - 1].ref && !strcmp(ka[n - 1].ref, o->ref)) {
		const struct known_account *a = &ka[n - 1];
		json_t *diff = json_object();
		const struct membership *m;
		size_t nm = known_memberships_of(x->k, x->target, a->employee_id, &m);

		json_array_append_new(x->linked, json_pack("{s:s, s:s}", "ref", o->ref, "employee_id", a->employee_id));
		for (size_t i = 0; i < a->nattrs; i++) {
			const char *have = obj_attr(o, a->attrs[i].name);

			if (have && strcmp(have, a->attrs[i].value))
				json_object_set_new(
					diff, a->attrs[i].name,
					json_pack("{s:s, s:s}", "applied", a->attrs[i].value, "target", have));
		}
		if ((int)(a->status == ACCT_ENABLED) != (o->enabled != 0))
			json_object_set_new(diff, "enabled",
					    json_pack("{s:b, s:b}", "applied", a->status == ACCT_ENABLED, "target",
						      o->enabled != 0));
		if (o->permissions && !same_groups(m, nm, o))
			json_object_set_new(diff, "groups",
					    json_pack("{s:I, s:I}", "applied", (json_int_t)nm, "target",
						      (json_int_t)o->npermissions));
		if (json_object_size(diff)) {
			struct known_account now = *a;
			struct account_attr *merged;
			char *before = json_dumps(diff, JSON_COMPACT | JSON_SORT_KEYS);

			json_array_append_new(x->drift, json_pack("{s:s, s:s, s:O}", "ref", o->ref, "employee_id",
								  a->employee_id, "differs", diff));
			/*
			 * What the target holds now is what roster knows (the attributes it
			 * does not hold, such as send: false ones, stay): the next plan puts
			 * it back.
			 */
			merged = xcalloc(a->nattrs + 1, sizeof(*merged));
			for (size_t i = 0; i < a->nattrs; i++) {
				const char *have = obj_attr(o, a->attrs[i].name);

				merged[i].name = a->attrs[i].name;
				merged[i].value = have ? have : a->attrs[i].value;
			}
			now.attrs = merged;
			/* enabled or not as the target has it: the next plan sets it right */
			now.status = o->enabled ? ACCT_ENABLED : ACCT_DISABLED;
			now.disabled = o->enabled ? DATE_NONE : (a->disabled != DATE_NONE ? a->disabled : x->today);
			for (size_t i = 0; i < nm && o->permissions; i++)
				if (vault_membership_put(x->v, x->target, a->employee_id, m[i].permission, 0, x->e) < 0)
					x->failed = 1;
			if (!x->failed && store(x, &now, o, "drift recorded", before) < 0)
				x->failed = 1;
			free(before);
			free(merged);
		}
		json_decref(diff);
		return 0;
	}
	if ((n && ka[n - 1].status != ACCT_DELETED) || strmap_get(&x->adopted, p->f[P_EMPLOYEE_ID], &pi)) {
		/* the person has an account already: a second one is not adopted over it */
		json_array_append_new(x->conflicts,
				      json_pack("{s:s, s:s, s:s}", "ref", o->ref, "employee_id", p->f[P_EMPLOYEE_ID],
						"why", "the person has another account on the target"));
		return 0;
	}
	json_array_append_new(x->unlinked, json_pack("{s:s, s:s, s:b}", "ref", o->ref, "employee_id",
						     p->f[P_EMPLOYEE_ID], "adopted", x->adopt));
	if (x->adopt) {
		strmap_put(&x->adopted, p->f[P_EMPLOYEE_ID], 0);
		struct known_account a;

		memset(&a, 0, sizeof(a));
		a.target = x->target;
		a.employee_id = p->f[P_EMPLOYEE_ID];
		a.seq = n ? ka[n - 1].seq + 1 : 1; /* after a deleted one: the next */
		a.status = o->enabled ? ACCT_ENABLED : ACCT_DISABLED;
		a.attrs = (struct account_attr *)o->attrs;
		a.nattrs = o->nattrs;
		a.created = x->today;
		a.disabled = o->enabled ? DATE_NONE : x->today;
		a.deleted = DATE_NONE;
		a.ref = o->ref;
		if (store(x, &a, o, "adopt", NULL) < 0)
			x->failed = 1;
	}
	return 0;
}

int
cmd_reconcile(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "adopt", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	struct vault *v = NULL;
	struct snapshot s;
	struct known_state k;
	const struct connector_ops *ops;
	struct connector *c = NULL;
	struct rec x;
	struct err e;
	char run[64];
	int ch, json = 0, adopt = 0, ret = EXIT_OK, began = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': adopt = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(cli, &cfg) < 0)
		return EXIT_USAGE;
	memset(&x, 0, sizeof(x));
	err_init(&e);
	snapshot_init(&s);
	known_init(&k);
	x.target = argv[optind];
	x.ct = config_target(&cfg, x.target);
	if (!x.ct) {
		ret = cli_usage_error("reconcile: no target named \"%s\" in %s", x.target, cfg.file);
		goto out;
	}
	if (!(ops = connector_find(x.ct->connector))) {
		ret = cli_usage_error("reconcile: roster has no %s connector yet", x.ct->connector);
		goto out;
	}
	if (date_today(cfg.timezone, &x.today, &e) < 0 || !(v = vault_open(cfg.vault_path, &e)) ||
	    cli_plan_state(&cfg, v, NULL, &s, &k, &e) < 0 || !(c = ops->open(&cfg, x.ct, &e))) {
		ret = cli_fail(&e);
		goto out;
	}
	for (size_t i = 0; i < s.npersons; i++) {
		const char *key =
			person_field(&s, &s.persons[i], x.ct->correlate_field ? x.ct->correlate_field : "employee_id");
		size_t had;

		/* a key two persons share names neither: such accounts are conflicts, never adopted */
		if (*key && strmap_get(&x.by_key, key, &had))
			strmap_put(&x.by_key, key, SIZE_MAX);
		else if (*key)
			strmap_put(&x.by_key, key, i);
	}
	cli_run_id(run, sizeof(run));
	x.ct = config_target(&cfg, x.target);
	x.k = &k;
	x.s = &s;
	x.v = v;
	x.adopt = adopt;
	x.run = run;
	x.e = &e;
	x.linked = json_array();
	x.unlinked = json_array();
	x.orphans = json_array();
	x.drift = json_array();
	x.conflicts = json_array();
	if (vault_begin(v, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	began = 1;
	if (ops->list(c, each, &x, &e) < 0 || x.failed || vault_commit(v, &e) < 0) {
		vault_rollback(v);
		ret = cli_fail(&e);
		goto out;
	}
	if (json) {
		json_t *o =
			json_pack("{s:s, s:O, s:O, s:O, s:O, s:O}", "target", x.target, "linked", x.linked, "unlinked",
				  x.unlinked, "orphans", x.orphans, "drift", x.drift, "conflicts", x.conflicts);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		size_t i;
		json_t *it;

		printf("%s: %zu linked, %zu unlinked%s, %zu orphans, %zu with drift, %zu conflicts\n", x.target,
		       json_array_size(x.linked), json_array_size(x.unlinked), adopt ? " (adopted)" : "",
		       json_array_size(x.orphans), json_array_size(x.drift), json_array_size(x.conflicts));
		json_array_foreach(x.conflicts, i, it)
			printf("  conflict %s: %s\n", json_string_value(json_object_get(it, "ref")),
			       json_string_value(json_object_get(it, "why")));
		json_array_foreach(x.unlinked, i, it)
			printf("  unlinked %s -> %s%s\n", json_string_value(json_object_get(it, "ref")),
			       json_string_value(json_object_get(it, "employee_id")), adopt ? " (adopted)" : "");
		json_array_foreach(x.orphans, i, it)
			printf("  orphan   %s\n", json_string_value(json_object_get(it, "ref")));
		json_array_foreach(x.drift, i, it)
		{
			char *d = json_dumps(json_object_get(it, "differs"), JSON_COMPACT | JSON_SORT_KEYS);

			printf("  drift    %s (%s): %s\n", json_string_value(json_object_get(it, "ref")),
			       json_string_value(json_object_get(it, "employee_id")), d);
			free(d);
		}
		if (json_array_size(x.unlinked) && !adopt)
			printf("run again with --adopt to link the unlinked accounts to their persons\n");
		if (json_array_size(x.drift))
			printf("the next plan puts the drifted values back\n");
	}
out:
	(void)began;
	json_decref(x.linked);
	json_decref(x.unlinked);
	json_decref(x.orphans);
	json_decref(x.drift);
	json_decref(x.conflicts);
	strmap_release(&x.adopted);
	strmap_release(&x.by_key);
	if (c)
		ops->close(c);
	known_release(&k);
	snapshot_release(&s);
	vault_close(v);
	config_release(&cfg);
	return ret;
}
