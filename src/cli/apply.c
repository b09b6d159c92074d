/* roster apply: plan, show, ask, and carry the plan out through the connectors. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "plan/plan.h"
#include "util/file.h"
#include "vault/vault.h"
#include "util/banned.h"

static const char usage[] =
	"usage: roster [-c FILE] apply [--at DATE | --plan FILE] [--target T] [--yes] [--force] [--json]\n"
	"\n"
	"Plans (as roster plan does), shows the plan's summary, and carries it out\n"
	"through the targets' connectors, recording every outcome and its audit event.\n"
	"On a terminal it asks first; it shows progress on a terminal and stays quiet\n"
	"when piped.\n"
	"\n"
	"  --at DATE     apply the plan for DATE (default: today in the configured time zone)\n"
	"  --plan FILE   apply a plan saved with roster plan -o FILE: those of its actions\n"
	"                that are still due (the rest is skipped and counted), nothing else\n"
	"  --target T    only target T\n"
	"  --yes         do not ask\n"
	"  --force       go past a guard that refuses the plan (recorded in the audit log)\n"
	"  --json        print the outcome as JSON\n"
	"\n"
	"exit codes: 0 everything applied, 1 some actions failed (run apply again to retry\n"
	"them), 2 bad usage or configuration, 3 refused by a guard (nothing changed)\n";

struct progress {
	int on;
	struct timespec start;
	double last;
};

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
show_progress(void *ctx, size_t done, size_t failed, size_t total)
{
	struct progress *p = ctx;
	double s = seconds_since(&p->start), rate;
	size_t n = done + failed, width = 30, fill;
	char bar[64];

	if (!p->on || (n < total && s - p->last < 0.1))
		return;
	p->last = s;
	rate = s > 0 ? (double)n / s : 0;
	fill = total ? n * width / total : width;
	for (size_t i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r[%s] %zu/%zu done, %zu failed, %.0f/s, %.0f s left ", bar, n, total, failed, rate,
		rate > 0 ? (double)(total - n) / rate : 0.0);
	if (n == total)
		fputc('\n', stderr);
}

static int
ask(size_t n)
{
	char line[64];

	fprintf(stderr, "Apply these %zu action%s? [y/N] ", n, n == 1 ? "" : "s");
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static void
report(const struct plan *pl, const struct apply_result *r, const char *run, int json)
{
	if (json) {
		json_t *o = json_object(), *fs = json_array();
		char at[DATE_STR_MAX];

		date_format(pl->at, at);
		for (size_t i = 0; i < r->nfailures; i++) {
			const struct plan_action *a = &pl->actions[r->failures[i].action];
			json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "target", pl->rs->targets[a->target].cfg->name,
					      "employee_id", a->employee_id, "op", plan_op_name(a->op), "error",
					      r->failures[i].msg);

			if (a->permission)
				json_object_set_new(f, "permission", json_string(a->permission));
			json_array_append_new(fs, f);
		}
		json_object_set_new(o, "at", json_string(at));
		json_object_set_new(o, "run", json_string(run));
		json_object_set_new(o, "actions", json_integer((json_int_t)pl->nactions));
		json_object_set_new(o, "done", json_integer((json_int_t)r->done));
		json_object_set_new(o, "adopted", json_integer((json_int_t)r->adopted));
		json_object_set_new(o, "failed", json_integer((json_int_t)r->failed));
		json_object_set_new(o, "failures", fs);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
		return;
	}
	printf("applied: %zu done", r->done);
	if (r->adopted)
		printf(" (%zu existing accounts adopted)", r->adopted);
	printf(", %zu failed (run %s)\n", r->failed, run);
	for (size_t i = 0; i < r->nfailures && i < 20; i++) {
		const struct plan_action *a = &pl->actions[r->failures[i].action];

		printf("  failed: %s %s %s%s%s: %s\n", pl->rs->targets[a->target].cfg->name, a->employee_id,
		       plan_op_name(a->op), a->permission ? " " : "", a->permission ? a->permission : "",
		       r->failures[i].msg);
	}
	if (r->nfailures > 20)
		printf("  … and %zu more (roster audit --since today shows them all)\n", r->nfailures - 20);
}

/* The plan in file, as roster plan -o wrote it; its date into *at. */
static int
read_reviewed(const char *file, const struct ruleset *rs, civil_day *at, struct plan *out, struct err *e)
{
	size_t len;
	char *text = file_read(file, (size_t)8 << 30, &len, e);
	int ret;

	if (!text)
		return -1;
	ret = plan_read(text, len, file, rs, out, e);
	free(text);
	if (!ret)
		*at = out->at;
	return ret;
}

int
cmd_apply(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' }, { "target", required_argument, NULL, 't' },
		{ "yes", no_argument, NULL, 'y' },	{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },	{ "plan", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },	{ NULL, 0, NULL, 0 },
	};
	const char *at_arg = NULL, *plan_file = NULL;
	struct plan_options po = { 0 };
	struct cli_asker asker = { 0 };
	size_t stale = 0;
	struct apply_options ao = { 0 };
	struct apply_result r = { 0 };
	struct progress prog = { 0 };
	struct config cfg;
	struct ruleset *rs = NULL;
	struct vault *v = NULL;
	struct snapshot s;
	struct known_state k;
	struct plan pl, reviewed = { 0 };
	struct buf out = BUF_INIT;
	struct err e;
	char run[64];
	int c, json = 0, yes = 0, ret = EXIT_OK, planned = 0;

	while ((c = getopt_long(argc, argv, "hy", opts, NULL)) != -1) {
		switch (c) {
		case 'a': at_arg = optarg; break;
		case 't': po.target = optarg; break;
		case 'y': yes = 1; break;
		case 'f': ao.force = 1; break;
		case 'j': json = 1; break;
		case 'p': plan_file = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(cli, &cfg) < 0)
		return EXIT_USAGE;
	err_init(&e);
	snapshot_init(&s);
	known_init(&k);
	if (plan_file && at_arg) {
		ret = cli_usage_error("apply: --plan brings its own date; --at goes with a plan made now");
		goto out;
	}
	if (!(rs = ruleset_compile(&cfg, &e)) || (!plan_file && cli_eval_date(at_arg, &cfg, &po.at, &e) < 0) ||
	    (plan_file && read_reviewed(plan_file, rs, &po.at, &reviewed, &e) < 0) ||
	    !(v = vault_open(cfg.vault_path, &e)) || cli_plan_state(&cfg, v, NULL, &s, &k, &e) < 0 ||
	    (cli_asker_use(&asker, &cfg, &po), plan_build(&pl, rs, &s, &k, &po, &e) < 0)) {
		ret = cli_fail(&e);
		goto out;
	}
	planned = 1;
	cli_asker_release(&asker); /* (apply opens its own connections) */
	cli_run_id(run, sizeof(run));
	/* a changed configuration is an audit event, whether or not there is anything to do */
	if (audit_config(v, cfg.file, vault_actor(), run, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	if (plan_file) {
		stale = reviewed.nactions - plan_keep_reviewed(&pl, &reviewed);
		if (!json && stale)
			fprintf(stderr,
				"roster: %zu action%s of %s %s no longer due (the vault changed since it was planned): skipped\n",
				stale, stale == 1 ? "" : "s", plan_file, stale == 1 ? "is" : "are");
	}
	if (!json) {
		plan_summary_text(&pl, &out);
		fwrite(out.s ? out.s : "", 1, out.len, stdout);
		fflush(stdout);
	}
	if (pl.nproblems && !json)
		fprintf(stderr, "roster: %zu account%s could not be planned (see roster plan); the rest is applied\n",
			pl.nproblems, pl.nproblems == 1 ? "" : "s");
	if (!pl.nactions) {
		if (json)
			printf("{\"actions\": 0, \"done\": 0, \"adopted\": 0, \"failed\": 0, \"failures\": []}\n");
		else
			printf("nothing to apply\n");
		ret = pl.nproblems ? EXIT_FAILED : EXIT_OK;
		goto out;
	}
	if (apply_guard(&cfg, &pl, &k, &e) < 0 && !ao.force) {
		ret = cli_fail(&e);
		goto out;
	}
	/* on a terminal it asks, also with --json (the question goes to stderr) */
	if (!yes && isatty(STDIN_FILENO) && isatty(STDERR_FILENO) && !ask(pl.nactions)) {
		fprintf(stderr, "roster: nothing applied\n");
		ret = EXIT_FAILED;
		goto out;
	}
	ao.run = run;
	ao.actor = vault_actor();
	prog.on = !json && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	ao.progress = show_progress;
	ao.progress_ctx = &prog;
	err_init(&e);
	if (apply_plan(v, &cfg, &pl, &k, &ao, &r, &e) < 0) {
		if (r.done || r.failed) /* what was done before it stopped is on the targets and in the vault */
			report(&pl, &r, run, json);
		ret = cli_fail(&e);
		goto out;
	}
	report(&pl, &r, run, json);
	if (r.failed || pl.nproblems)
		ret = EXIT_FAILED;
out:
	cli_asker_release(&asker);
	apply_result_release(&r);
	if (planned)
		plan_release(&pl);
	plan_release(&reviewed);
	buf_release(&out);
	known_release(&k);
	snapshot_release(&s);
	vault_close(v);
	ruleset_free(rs);
	config_release(&cfg);
	return ret;
}
