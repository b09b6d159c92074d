/*
 * roster import: read each source, check it, compare it with the previous
 * snapshot, hold the result against the guard, and store it, all or nothing.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "source/diff.h"
#include "source/source.h"
#include "util/testhook.h"
#include "vault/vault.h"
#include "util/banned.h"

static const char usage[] =
	"usage: roster [-c FILE] import [--source NAME] [--at DATE] [--force] [--skip-invalid] [--json]\n"
	"\n"
	"Reads the HR sources, checks every row, compares them with the last\n"
	"snapshot and stores the new one in one transaction.\n"
	"\n"
	"  --source NAME    import only this source (default: all)\n"
	"  --at DATE        judge contracts as on DATE (YYYY-MM-DD; default: today)\n"
	"  --force          store even when the guard refuses (recorded with the snapshot)\n"
	"  --skip-invalid   store the valid rows and list the rows left out\n"
	"  --json           print the result as JSON\n"
	"\n"
	"exit codes: 0 stored, 2 bad configuration or input (nothing stored), 3 refused by the guard\n";

#define SHOW_NAMES 3
#define SHOW_PROBLEMS 10

struct import_opts {
	const char *source;
	const char *at;
	int force;
	int skip_invalid;
	int json;
};

static json_t *
problem_json(const struct problem *p)
{
	char *text = problem_format(p);
	json_t *o = json_pack("{s:s, s:i}", "file", p->file, "line", p->line);

	if (p->where)
		json_object_set_new(o, "where", json_string(p->where));
	if (p->value)
		json_object_set_new(o, "value", json_string(p->value));
	json_object_set_new(o, "message", json_string(p->msg));
	json_object_set_new(o, "text", json_string(text));
	free(text);
	return o;
}

static json_t *
problems_json(const struct problems *ps, enum problem_level level)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].level == level)
			json_array_append_new(a, problem_json(&ps->v[i]));
	return a;
}

static void
print_problems(const struct problems *ps, enum problem_level level, const char *prefix)
{
	size_t shown = 0, total = level == PROBLEM_ERROR ? ps->nerrors : ps->nwarnings;

	for (size_t i = 0; i < ps->n; i++) {
		char *text;

		if (ps->v[i].level != level)
			continue;
		if (shown++ == SHOW_PROBLEMS) {
			fprintf(stderr, "%s… and %zu more (all of them with --json)\n", prefix, total - SHOW_PROBLEMS);
			break;
		}
		text = problem_format(&ps->v[i]);
		fprintf(stderr, "%s%s\n", prefix, text);
		free(text);
	}
}

static json_t *
changes_json(const struct changeset *cs)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < cs->n; i++) {
		const struct change *c = &cs->v[i];
		json_t *kinds = json_array(), *details = json_array();

		for (int k = 0; k < CH_COUNT; k++)
			if (c->kinds & (1u << k))
				json_array_append_new(kinds, json_string(change_kind_name((enum change_kind)k)));
		for (size_t d = 0; d < c->nd; d++) {
			const struct change_detail *cd = &c->d[d];
			json_t *o = json_pack("{s:s}", "kind", change_kind_name(cd->kind));

			if (cd->ref)
				json_object_set_new(o, "ref", json_string(cd->ref));
			if (cd->field) {
				json_object_set_new(o, "field", json_string(cd->field));
				json_object_set_new(o, "old", json_string(cd->old ? cd->old : ""));
				json_object_set_new(o, "new", json_string(cd->new ? cd->new : ""));
			}
			json_array_append_new(details, o);
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o, s:o}", "employee_id", c->employee_id, "name",
						     c->label, "gone", c->gone, "kinds", kinds, "details", details));
	}
	return arr;
}

static json_t *
summary_json(const struct changeset *cs)
{
	json_t *o = json_object();

	for (int k = 0; k < CH_COUNT; k++)
		json_object_set_new(o, change_kind_name((enum change_kind)k), json_integer((json_int_t)cs->count[k]));
	json_object_set_new(o, "gone", json_integer((json_int_t)cs->gone));
	return o;
}

static void
print_kind(const struct changeset *cs, enum change_kind k, const char *label, int always)
{
	size_t shown = 0;

	if (!cs->count[k] && !always)
		return;
	printf("  %-19s %6zu", label, cs->count[k]);
	for (size_t i = 0; i < cs->n && shown < SHOW_NAMES; i++) {
		if (!(cs->v[i].kinds & (1u << k)))
			continue;
		printf("%s%s %s", shown ? ", " : "  ", cs->v[i].employee_id, cs->v[i].label);
		shown++;
	}
	if (cs->count[k] > SHOW_NAMES)
		printf(" and %zu more", cs->count[k] - SHOW_NAMES);
	putchar('\n');
}

static void
print_summary(const struct source_cfg *src, const struct snapshot_meta *meta, const struct changeset *cs, int first,
	      size_t carried)
{
	char at[DATE_STR_MAX];

	date_format(meta->at, at);
	printf("source %s: %zu persons, %zu contracts, %zu assignments; stored as snapshot %ld (judged on %s)%s\n",
	       src->name, meta->persons, meta->contracts, meta->assignments, meta->id, at,
	       meta->forced ? ", forced past the guard" : "");
	if (first)
		printf("  first import of this source: everyone is new\n");
	print_kind(cs, CH_JOINER, "joiners", 1);
	print_kind(cs, CH_LEAVER, "leavers", 1);
	print_kind(cs, CH_REHIRE, "rehires", 1);
	print_kind(cs, CH_MOVER, "movers", 1);
	print_kind(cs, CH_NAME_CHANGE, "name changes", 1);
	print_kind(cs, CH_MANAGER_CHANGE, "manager changes", 0);
	print_kind(cs, CH_PERSON_CHANGED, "other changes", 0);
	if (!first) {
		print_kind(cs, CH_CONTRACT_ADDED, "contracts added", 0);
		print_kind(cs, CH_CONTRACT_ENDED, "contracts ended", 0);
		print_kind(cs, CH_CONTRACT_CHANGED, "contracts changed", 0);
		print_kind(cs, CH_ASSIGNMENT_ADDED, "assignments added", 0);
		print_kind(cs, CH_ASSIGNMENT_ENDED, "assignments ended", 0);
		print_kind(cs, CH_ASSIGNMENT_CHANGED, "assignments changed", 0);
	}
	if (carried)
		printf("  %zu left-out record%s kept as they were in the previous snapshot\n", carried,
		       carried == 1 ? "" : "s");
	if (cs->gone > cs->gone_leavers)
		printf("  %-19s %6zu  (already without a contract)\n", "gone from export", cs->gone - cs->gone_leavers);
	if (!cs->n && !first)
		printf("  no changes since the previous snapshot\n");
}

static void
now_utc(char *out, size_t outlen)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The import's audit event, in its transaction: the snapshot, its counts and whether it was forced. */
static int
audit_import(struct vault *v, const struct source_cfg *src, const struct snapshot_meta *meta,
	     const struct changeset *cs, struct err *e)
{
	struct audit_event ev;
	char action[256], run[64];
	json_t *after = json_pack("{s:I, s:I, s:I, s:I, s:I}", "snapshot", (json_int_t)meta->id, "persons",
				  (json_int_t)meta->persons, "contracts", (json_int_t)meta->contracts, "assignments",
				  (json_int_t)meta->assignments, "changes", (json_int_t)cs->n);
	char *js = json_dumps(after, JSON_COMPACT);
	int ret;

	memset(&ev, 0, sizeof(ev));
	snprintf(action, sizeof(action), "import of source %s", src->name);
	cli_run_id(run, sizeof(run));
	ev.actor = meta->actor;
	ev.run = run;
	ev.kind = "import";
	ev.action = action;
	ev.after = js;
	ev.outcome = meta->forced ? "forced" : "ok";
	ret = audit_append(v, &ev, e);
	free(js);
	json_decref(after);
	return ret;
}

static int
import_one(const struct config *cfg, const struct source_cfg *src, struct vault *v, const struct import_opts *o,
	   civil_day at, json_t *out)
{
	struct snapshot next, prev;
	struct problems ps;
	struct changeset cs;
	struct snapshot_meta meta, prevmeta;
	struct guard_verdict gv;
	struct err e;
	json_t *res = json_object();
	int ret = EXIT_OK, have_prev = 0;
	size_t carried = 0;
	char atstr[DATE_STR_MAX], limit[32];
	struct timespec t0;

	(void)cfg;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snapshot_init(&next);
	snapshot_init(&prev);
	problems_init(&ps);
	changeset_init(&cs);
	err_init(&e);
	date_format(at, atstr);
	json_object_set_new(res, "source", json_string(src->name));
	json_object_set_new(res, "at", json_string(atstr));
	json_object_set_new(res, "stored", json_false());

	if (source_read(src, &next, &ps, &e) < 0) {
		json_object_set_new(res, "error", json_string(e.msg));
		ret = cli_fail(&e);
		goto out;
	}
	testhook_kill("import-read");
	cli_phase_done("read", &t0);
	if (ps.nerrors && !o->skip_invalid) {
		if (!o->json) {
			print_problems(&ps, PROBLEM_ERROR, "error: ");
			print_problems(&ps, PROBLEM_WARNING, "warning: ");
		}
		fprintf(stderr,
			"roster: source %s: %zu error%s in the HR data; nothing was stored (fix the data, or use --skip-invalid to store the valid rows)\n",
			src->name, ps.nerrors, ps.nerrors == 1 ? "" : "s");
		ret = EXIT_USAGE;
		goto out;
	}
	if (audit_config(v, cfg->file, vault_actor(), "import", &e) < 0 || vault_begin(v, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	have_prev = vault_snapshot_load(v, src->name, &prev, &prevmeta, &e);
	if (have_prev < 0) {
		ret = cli_fail(&e);
		goto rollback;
	}
	cli_phase_done("load", &t0);
	if (o->skip_invalid && ps.nerrors && have_prev)
		carried = source_carry_over(&prev, &next, &ps);
	diff_snapshots(&prev, have_prev ? prevmeta.at : at, &next, at, &cs);
	cli_phase_done("diff", &t0);
	import_guard(src, &cs, next.npersons, &gv);
	cfg_limit_format(&src->max_removed, limit, sizeof(limit));
	json_object_set_new(res, "guard",
			    json_pack("{s:b, s:b, s:i, s:i, s:i, s:i, s:s}", "refused", gv.refused, "empty", gv.empty,
				      "leaving", (json_int_t)gv.leaving, "gone", (json_int_t)gv.gone, "limit",
				      (json_int_t)gv.limit, "previous_persons", (json_int_t)gv.prev_persons,
				      "max_removed", limit));
	if (gv.refused && !o->force) {
		if (gv.empty && !gv.prev_persons)
			fprintf(stderr,
				"roster: source %s: refused by the guard: %s has no persons, so there is nothing to import. Check the HR export; if it is right, run again with --force\n",
				src->name, src->persons);
		else if (gv.empty)
			fprintf(stderr,
				"roster: source %s: refused by the guard: %s has no persons; storing it would remove all %zu persons of the previous snapshot. Check the HR export; if it is right, run again with --force\n",
				src->name, src->persons, gv.prev_persons);
		else
			fprintf(stderr,
				"roster: source %s: refused by the guard: %zu of %zu persons would go (%zu no longer in the export, %zu without a current contract); the limit is %s (%zu persons, guard.max_removed). Check the HR export (is it cut short?); if it is right, run again with --force\n",
				src->name, gv.leaving, gv.prev_persons, gv.gone, gv.leaving - gv.gone, limit, gv.limit);
		ret = EXIT_GUARD;
		goto rollback;
	}
	memset(&meta, 0, sizeof(meta));
	snprintf(meta.source, sizeof(meta.source), "%s", src->name);
	now_utc(meta.taken_at, sizeof(meta.taken_at));
	meta.at = at;
	meta.forced = gv.refused && o->force;
	snprintf(meta.actor, sizeof(meta.actor), "%s", vault_actor());
	if (vault_snapshot_store(v, &meta, &prev, &next, &cs, &ps, &e) < 0) {
		ret = cli_fail(&e);
		goto rollback;
	}
	cli_phase_done("store", &t0);
	if (audit_import(v, src, &meta, &cs, &e) < 0) {
		ret = cli_fail(&e);
		goto rollback;
	}
	if (vault_commit(v, &e) < 0) {
		ret = cli_fail(&e);
		goto rollback;
	}
	cli_phase_done("commit", &t0);
	json_object_set_new(res, "stored", json_true());
	json_object_set_new(res, "snapshot", json_integer(meta.id));
	json_object_set_new(res, "forced", json_boolean(meta.forced));
	json_object_set_new(res, "persons", json_integer((json_int_t)meta.persons));
	json_object_set_new(res, "contracts", json_integer((json_int_t)meta.contracts));
	json_object_set_new(res, "assignments", json_integer((json_int_t)meta.assignments));
	json_object_set_new(res, "first", json_boolean(!have_prev));
	json_object_set_new(res, "carried_over", json_integer((json_int_t)carried));
	json_object_set_new(res, "summary", summary_json(&cs));
	/* Building 100,000 JSON objects nobody reads costs a third of a large import. */
	if (o->json)
		json_object_set_new(res, "changes", changes_json(&cs));
	if (!o->json) {
		if (meta.forced && gv.empty)
			fprintf(stderr,
				"roster: source %s: the guard would refuse this import (no persons in the export); stored because of --force\n",
				src->name);
		else if (meta.forced)
			fprintf(stderr,
				"roster: source %s: the guard would refuse this import (%zu of %zu persons go); stored because of --force\n",
				src->name, gv.leaving, gv.prev_persons);
		print_problems(&ps, PROBLEM_WARNING, "warning: ");
		print_problems(&ps, PROBLEM_ERROR, "skipped: ");
		print_summary(src, &meta, &cs, !have_prev, carried);
	}
	goto out;
rollback:
	vault_rollback(v);
out:
	json_object_set_new(res, "errors", problems_json(&ps, PROBLEM_ERROR));
	json_object_set_new(res, "warnings", problems_json(&ps, PROBLEM_WARNING));
	if (o->skip_invalid)
		json_object_set(res, "skipped", json_object_get(res, "errors"));
	json_array_append_new(out, res);
	changeset_release(&cs);
	problems_release(&ps);
	snapshot_release(&prev);
	snapshot_release(&next);
	return ret;
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "at", required_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "skip-invalid", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_opts o;
	struct config cfg;
	struct vault *v = NULL;
	struct err e;
	civil_day at;
	json_t *imports = NULL;
	int c, ret = EXIT_OK;

	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': o.source = optarg; break;
		case 'a': o.at = optarg; break;
		case 'f': o.force = 1; break;
		case 'k': o.skip_invalid = 1; break;
		case 'j': o.json = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("import: unexpected argument \"%s\"", argv[optind]);
	if (cli_load_config(cli, &cfg) < 0)
		return EXIT_USAGE;
	err_init(&e);
	if (o.source && !config_source(&cfg, o.source)) {
		ret = cli_usage_error("import: no source named \"%s\" in %s", o.source, cfg.file);
		goto out;
	}
	if (cli_eval_date(o.at, &cfg, &at, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	v = vault_open(cfg.vault_path, &e);
	if (!v) {
		ret = cli_fail(&e);
		goto out;
	}
	imports = json_array();
	for (size_t i = 0; i < cfg.nsources; i++) {
		int r;

		if (o.source && strcmp(o.source, cfg.sources[i].name))
			continue;
		r = import_one(&cfg, &cfg.sources[i], v, &o, at, imports);
		if (r > ret)
			ret = r;
	}
	if (o.json) {
		json_t *doc = json_pack("{s:o}", "imports", imports);

		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(doc);
		imports = NULL;
	}
out:
	json_decref(imports);
	vault_close(v);
	config_release(&cfg);
	return ret;
}
