/* roster person ID: one person as the vault knows them. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "plan/plan.h"
#include "rules/ruleset.h"
#include "vault/vault.h"
#include "util/banned.h"

static const char usage[] = "usage: roster [-c FILE] person ID [--at DATE] [--explain] [--json]\n"
			    "\n"
			    "Shows the person with employee_id ID: their fields, every contract (the\n"
			    "primary one marked), their assignments, and the snapshot they were last seen in.\n"
			    "\n"
			    "  --at DATE   judge contracts as on DATE (default: today)\n"
			    "  --explain   why: every entitlement with the rule and contract or assignment\n"
			    "              behind it, the account on each target and where each attribute\n"
			    "              value comes from\n"
			    "  --json      print as JSON\n";

/* roster person ID --explain */
static int
explain(const struct config *cfg, struct vault *v, const char *id, civil_day at, int json)
{
	struct ruleset *rs;
	struct snapshot s;
	struct known_state k;
	struct buf out = BUF_INIT;
	struct plan_options po = { .at = at };
	struct cli_asker asker = { 0 };
	struct err e;
	int ret = EXIT_OK;

	err_init(&e);
	if (!(rs = ruleset_compile(cfg, &e)))
		return cli_fail(&e);
	cli_asker_use(&asker, cfg, &po);
	/* the whole organisation: unique values and references come out as in the full plan */
	if (cli_plan_state(cfg, v, NULL, &s, &k, &e) < 0 || plan_explain(rs, &s, &k, &po, id, json, &out, &e) < 0)
		ret = cli_fail(&e);
	else
		fwrite(out.s ? out.s : "", 1, out.len, stdout);
	cli_asker_release(&asker);
	buf_release(&out);
	known_release(&k);
	snapshot_release(&s);
	ruleset_free(rs);
	return ret;
}

static const char *
phase(civil_day start, civil_day end, civil_day at)
{
	if (start != DATE_NONE && start > at)
		return "upcoming";
	if (end != DATE_NONE && end < at)
		return "ended";
	return "active";
}

static json_t *
extras_json(const struct snapshot *s, enum entity ent, const char **x)
{
	json_t *o = json_object();

	for (size_t i = 0; i < s->nextra[ent]; i++)
		json_object_set_new(o, s->extra_names[ent][i], json_string(x[i]));
	return o;
}

static json_t *
person_json(const struct snapshot *s, const struct person *p, const struct snapshot_meta *seen, civil_day at)
{
	const struct contract *primary = snapshot_primary_contract(s, p, at);
	json_t *o = json_object(), *contracts = json_array(), *assignments = json_array();
	char label[1024];

	for (int i = 0; i < P_NFIELDS; i++)
		json_object_set_new(o, snapshot_field_name(ENT_PERSON, i), json_string(p->f[i]));
	snapshot_person_label(p, label, sizeof(label));
	json_object_set_new(o, "name", json_string(label));
	json_object_set_new(o, "extra", extras_json(s, ENT_PERSON, p->extra));
	json_object_set_new(o, "present", json_boolean(p->present));
	for (size_t i = 0; i < p->ncontracts; i++) {
		const struct contract *c = &s->contracts[p->contract0 + i];
		json_t *co = json_object();

		for (int f = 0; f < C_NFIELDS; f++)
			json_object_set_new(co, snapshot_field_name(ENT_CONTRACT, f), json_string(c->f[f]));
		json_object_set_new(co, "extra", extras_json(s, ENT_CONTRACT, c->extra));
		json_object_set_new(co, "status", json_string(phase(c->start, c->end, at)));
		json_object_set_new(co, "primary", json_boolean(c == primary));
		json_array_append_new(contracts, co);
	}
	for (size_t i = 0; i < p->nassignments; i++) {
		const struct assignment *a = &s->assignments[p->assignment0 + i];
		json_t *ao = json_object();

		for (int f = 0; f < A_NFIELDS; f++)
			json_object_set_new(ao, snapshot_field_name(ENT_ASSIGNMENT, f), json_string(a->f[f]));
		json_object_set_new(ao, "extra", extras_json(s, ENT_ASSIGNMENT, a->extra));
		json_object_set_new(ao, "status", json_string(phase(a->start, a->end, at)));
		json_array_append_new(assignments, ao);
	}
	json_object_set_new(o, "contracts", contracts);
	json_object_set_new(o, "assignments", assignments);
	if (seen->id) {
		char sat[DATE_STR_MAX];

		date_format(seen->at, sat);
		json_object_set_new(o, "last_seen",
				    json_pack("{s:i, s:s, s:s, s:s}", "snapshot", (json_int_t)seen->id, "source",
					      seen->source, "at", sat, "imported", seen->taken_at));
	}
	return o;
}

static void
print_person(const struct snapshot *s, const struct person *p, const struct snapshot_meta *seen, civil_day at)
{
	const struct contract *primary = snapshot_primary_contract(s, p, at);
	char label[1024], sat[DATE_STR_MAX];

	snapshot_person_label(p, label, sizeof(label));
	printf("%s  %s%s\n", p->f[P_EMPLOYEE_ID], label, p->present ? "" : "  (no longer in the HR export)");
	for (int i = 1; i < P_NFIELDS; i++)
		if (*p->f[i])
			printf("  %-20s %s\n", snapshot_field_name(ENT_PERSON, i), p->f[i]);
	for (size_t i = 0; i < s->nextra[ENT_PERSON]; i++)
		if (*p->extra[i])
			printf("  %-20s %s\n", s->extra_names[ENT_PERSON][i], p->extra[i]);
	if (seen->id) {
		date_format(seen->at, sat);
		printf("  %-20s snapshot %ld of source %s (judged on %s, imported %s)\n", "last seen", seen->id,
		       seen->source, sat, seen->taken_at);
	}
	printf("contracts%s\n", p->ncontracts ? "" : ": none");
	for (size_t i = 0; i < p->ncontracts; i++) {
		const struct contract *c = &s->contracts[p->contract0 + i];

		printf("  %s %-10s %s – %-10s  %s %s / %s %s  fte %s  %s  manager %s  (%s%s)\n",
		       c == primary ? "*" : " ", c->f[C_CONTRACT_ID], c->f[C_START_DATE],
		       *c->f[C_END_DATE] ? c->f[C_END_DATE] : "open", c->f[C_DEPARTMENT_CODE], c->f[C_DEPARTMENT_NAME],
		       c->f[C_TITLE_CODE], c->f[C_TITLE_NAME], *c->f[C_FTE] ? c->f[C_FTE] : "-",
		       *c->f[C_TYPE] ? c->f[C_TYPE] : "-", *c->f[C_MANAGER_ID] ? c->f[C_MANAGER_ID] : "-",
		       c == primary ? "primary, " : "", phase(c->start, c->end, at));
		if (*c->f[C_LOCATION] || *c->f[C_COST_CENTER])
			printf("      location %s, cost center %s\n", *c->f[C_LOCATION] ? c->f[C_LOCATION] : "-",
			       *c->f[C_COST_CENTER] ? c->f[C_COST_CENTER] : "-");
		for (size_t k = 0; k < s->nextra[ENT_CONTRACT]; k++)
			if (*c->extra[k])
				printf("      %s %s\n", s->extra_names[ENT_CONTRACT][k], c->extra[k]);
	}
	printf("assignments%s\n", p->nassignments ? "" : ": none");
	for (size_t i = 0; i < p->nassignments; i++) {
		const struct assignment *a = &s->assignments[p->assignment0 + i];

		printf("    %-12s %-20s %s – %s  (%s)\n", a->f[A_KIND], a->f[A_VALUE],
		       *a->f[A_START_DATE] ? a->f[A_START_DATE] : "…", *a->f[A_END_DATE] ? a->f[A_END_DATE] : "open",
		       phase(a->start, a->end, at));
	}
}

int
cmd_person(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "explain", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *at_arg = NULL, *id;
	struct config cfg;
	struct vault *v = NULL;
	struct snapshot s;
	struct snapshot_meta seen;
	struct err e;
	civil_day at;
	int c, json = 0, ret = EXIT_OK, found, why = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': at_arg = optarg; break;
		case 'j': json = 1; break;
		case 'x': why = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	id = argv[optind];
	if (cli_load_config(cli, &cfg) < 0)
		return EXIT_USAGE;
	err_init(&e);
	snapshot_init(&s);
	if (cli_eval_date(at_arg, &cfg, &at, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	v = vault_open(cfg.vault_path, &e);
	if (!v) {
		ret = cli_fail(&e);
		goto out;
	}
	if (why) {
		ret = explain(&cfg, v, id, at, json);
		goto out;
	}
	found = vault_person_get(v, id, &s, &seen, &e);
	if (found < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	if (!found) {
		fprintf(stderr, "roster: no person with employee_id \"%s\" in the vault (run roster import first?)\n",
			id);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		json_t *o = person_json(&s, &s.persons[0], &seen, at);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		print_person(&s, &s.persons[0], &seen, at);
	}
out:
	snapshot_release(&s);
	vault_close(v);
	config_release(&cfg);
	return ret;
}
