/* roster plan: what apply would do on a day, and the state both plan and person --explain read. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "connector/connector.h"
#include "plan/plan.h"
#include "vault/vault.h"
#include "util/file.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char usage[] = "usage: roster [-c FILE] plan [--at DATE] [--target T] [--person ID] [--json] [-o FILE]\n"
			    "\n"
			    "Computes from the HR data in the vault and the rules which accounts, attribute\n"
			    "values and permissions every person should have on every target on DATE, and\n"
			    "shows the difference from what roster knows of the targets: the actions apply\n"
			    "would take, grouped by target, each with the rules behind it.\n"
			    "\n"
			    "  --at DATE     plan for DATE (default: today in the configured time zone)\n"
			    "  --target T    only target T\n"
			    "  --person ID   only the person with employee_id ID\n"
			    "  --json        print the plan as JSON (docs/plan.md)\n"
			    "  -o FILE       also write the JSON plan to FILE\n"
			    "\n"
			    "exit codes: 0 planned, 1 some accounts could not be planned (listed as problems),\n"
			    "2 bad usage or configuration\n";

/* Every record of s gets extras in the order of names (by name; "" when s has none of that name). */
static void
remap_extras(struct snapshot *s, enum entity ent, const char *const *names, size_t n)
{
	size_t cnt = ent == ENT_PERSON ? s->npersons : ent == ENT_CONTRACT ? s->ncontracts : s->nassignments;
	size_t *from = xcalloc(n + 1, sizeof(*from));

	for (size_t i = 0; i < n; i++) {
		from[i] = (size_t)-1;
		for (size_t k = 0; k < s->nextra[ent]; k++)
			if (!strcmp(s->extra_names[ent][k], names[i]))
				from[i] = k;
	}
	for (size_t r = 0; r < cnt; r++) {
		const char ***xp = ent == ENT_PERSON	 ? &s->persons[r].extra
				   : ent == ENT_CONTRACT ? &s->contracts[r].extra
							 : &s->assignments[r].extra;
		const char **x = arena_alloc(&s->arena, (n + 1) * sizeof(*x));

		for (size_t i = 0; i < n; i++)
			x[i] = from[i] == (size_t)-1 ? "" : (*xp)[from[i]];
		*xp = x;
	}
	snapshot_set_extras(s, ent, names, n);
	free(from);
}

/* Moves every part into all, whose extras become the union of theirs (by name, in order of first use). */
static void
merge(struct snapshot *all, struct snapshot *parts, size_t nparts)
{
	for (int ent = 0; ent < ENT_COUNT; ent++) {
		const char **names = NULL;
		size_t n = 0, cap = 0;

		for (size_t p = 0; p < nparts; p++)
			for (size_t k = 0; k < parts[p].nextra[ent]; k++) {
				size_t i;

				for (i = 0; i < n && strcmp(names[i], parts[p].extra_names[ent][k]); i++)
					;
				if (i == n) {
					XGROW(names, cap, n + 1);
					names[n++] = parts[p].extra_names[ent][k];
				}
			}
		snapshot_set_extras(all, (enum entity)ent, names, n);
		for (size_t p = 0; p < nparts; p++)
			remap_extras(&parts[p], (enum entity)ent, all->extra_names[ent], n);
		free(names);
	}
	for (size_t p = 0; p < nparts; p++)
		snapshot_append(all, &parts[p]);
	snapshot_index(all);
}

/* ---- check_target: the plan asks the targets ---- */

struct cli_asked {
	const struct connector_ops *ops;
	struct connector *c;
	int tried;	       /* open was tried (c, or why it failed) */
	char why[ERR_MSG_MAX]; /* open failed: why */
};

static int
asker_taken(void *ctx, const struct cfg_target *t, const char *attribute, const char *value, const char *correlate,
	    struct err *e)
{
	struct cli_asker *a = ctx;
	struct cli_asked *q;
	size_t i;

	for (i = 0; i < a->cfg->ntargets && &a->cfg->targets[i] != t; i++)
		;
	if (i == a->cfg->ntargets)
		return 0;
	/* one target is planned on one thread at a time: its slot is its own */
	q = &a->v[i];
	if (!q->tried) {
		struct err oe;

		q->tried = 1;
		err_init(&oe);
		q->ops = connector_find(t->connector);
		if (!q->ops || !q->ops->taken)
			q->ops = NULL; /* cannot tell: only what roster knows counts */
		else if (!(q->c = q->ops->open(a->cfg, t, &oe)))
			snprintf(q->why, sizeof(q->why), "%s", oe.msg);
	}
	if (!q->ops)
		return 0;
	if (!q->c)
		return err_set(e, ERR_TRANSIENT, "target \"%s\": %s", t->name, q->why);
	return q->ops->taken(q->c, attribute, value, correlate, e);
}

void
cli_asker_use(struct cli_asker *a, const struct config *cfg, struct plan_options *po)
{
	a->cfg = cfg;
	a->n = cfg->ntargets;
	a->v = xcalloc(a->n + 1, sizeof(*a->v));
	po->taken = asker_taken;
	po->taken_ctx = a;
}

void
cli_asker_release(struct cli_asker *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].c)
			a->v[i].ops->close(a->v[i].c);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* The kinds of assignment whose value names a person replaced (rules with inherit: delegable). */
static int
is_replacing(const struct config *cfg, const char *kind)
{
	for (size_t r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].inherit_delegable && !strcmp(cfg->rules[r].for_kind, kind))
			return 1;
	return 0;
}

int
cli_plan_state(const struct config *cfg, struct vault *v, const char *person, struct snapshot *out,
	       struct known_state *k, struct err *e)
{
	struct snapshot *parts = NULL;
	size_t nparts = 0, cap = 0;
	int ret = -1;

	snapshot_init(out);
	known_init(k);
	if (!person) {
		for (size_t i = 0; i < cfg->nsources; i++) {
			struct snapshot_meta meta;
			int got;

			XGROW(parts, cap, nparts + 1);
			snapshot_init(&parts[nparts]);
			got = vault_snapshot_load(v, cfg->sources[i].name, &parts[nparts], &meta, e);
			nparts++;
			if (got < 0)
				goto out;
		}
		if (vault_known_load(v, NULL, NULL, k, e) < 0)
			goto out;
	} else {
		/* the person, and the persons they replace (whose delegable grants they inherit) */
		struct snapshot_meta seen;
		const char *ids[64];
		size_t nids = 1;

		ids[0] = person;
		for (size_t i = 0; i < nids; i++) {
			int got;

			XGROW(parts, cap, nparts + 1);
			snapshot_init(&parts[nparts]);
			got = vault_person_get(v, ids[i], &parts[nparts], &seen, e);
			nparts++;
			if (got < 0)
				goto out;
			if (!got) {
				if (i == 0) {
					err_set(e, ERR_INVALID,
						"no person with employee_id \"%s\" in the vault (run roster import first?)",
						person);
					goto out;
				}
				continue;
			}
			for (size_t a = 0; i == 0 && a < parts[nparts - 1].nassignments; a++) {
				const struct assignment *as = &parts[nparts - 1].assignments[a];
				size_t d;

				if (!is_replacing(cfg, as->f[A_KIND]) || !*as->f[A_VALUE])
					continue;
				for (d = 0; d < nids && strcmp(ids[d], as->f[A_VALUE]); d++)
					;
				if (d == nids && nids < sizeof(ids) / sizeof(ids[0]))
					ids[nids++] = as->f[A_VALUE];
			}
		}
		/*
		 * Every known account, not only the person's: the unique values
		 * others hold (see plan.h). Cheap while roster knows few accounts;
		 * an index of unique values in the vault would make it so always.
		 */
		if (vault_known_load(v, NULL, NULL, k, e) < 0)
			goto out;
	}
	merge(out, parts, nparts);
	ret = 0;
out:
	for (size_t i = 0; i < nparts; i++)
		snapshot_release(&parts[i]);
	free(parts);
	return ret;
}

struct file_sink {
	struct atomic_file *af;
	struct err *e;
};

static int
sink_file(void *ctx, const char *data, size_t len)
{
	struct file_sink *fs = ctx;

	return file_atomic_write(fs->af, data, len, fs->e);
}

static int
sink_stdout(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

int
cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "target", required_argument, NULL, 't' },
		{ "person", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *at_arg = NULL, *output = NULL;
	struct plan_options po = { 0 };
	struct cli_asker asker = { 0 };
	struct config cfg;
	struct ruleset *rs = NULL;
	struct vault *v = NULL;
	struct snapshot s;
	struct known_state k;
	struct plan pl;
	struct buf out = BUF_INIT;
	struct err e;
	int c, json = 0, ret = EXIT_OK, planned = 0;
	struct timespec t0;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': at_arg = optarg; break;
		case 't': po.target = optarg; break;
		case 'p': po.person = optarg; break;
		case 'j': json = 1; break;
		case 'o': output = optarg; break;
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
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cli_eval_date(at_arg, &cfg, &po.at, &e) < 0 || !(rs = ruleset_compile(&cfg, &e)) ||
	    !(v = vault_open(cfg.vault_path, &e)) || cli_plan_state(&cfg, v, po.person, &s, &k, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	cli_phase_done("load", &t0);
	cli_asker_use(&asker, &cfg, &po);
	if (plan_build(&pl, rs, &s, &k, &po, &e) < 0) {
		ret = cli_fail(&e);
		goto out;
	}
	planned = 1;
	cli_phase_done("plan", &t0);
	if (output) {
		struct atomic_file af;
		struct file_sink fs = { &af, &e };

		if (file_atomic_open(&af, output, &e) < 0) {
			ret = cli_fail(&e);
			goto out;
		}
		if (plan_json_stream(&pl, sink_file, &fs) < 0) {
			file_atomic_abort(&af);
			ret = cli_fail(&e);
			goto out;
		}
		if (file_atomic_commit(&af, &e) < 0) {
			ret = cli_fail(&e);
			goto out;
		}
		cli_phase_done("write", &t0);
	}
	if (json) {
		if (plan_json_stream(&pl, sink_stdout, NULL) < 0 || fflush(stdout)) {
			fprintf(stderr, "roster: cannot write the plan to standard output\n");
			ret = EXIT_FAILED;
			goto out;
		}
	} else {
		/* with -o the plan is in the file: here its summary */
		if (output)
			plan_summary_text(&pl, &out);
		else
			plan_text(&pl, &out);
		fwrite(out.s ? out.s : "", 1, out.len, stdout);
	}
	cli_phase_done("print", &t0);
	if (pl.nproblems) {
		fprintf(stderr, "roster: %zu account%s could not be planned (see problems)\n", pl.nproblems,
			pl.nproblems == 1 ? "" : "s");
		ret = EXIT_FAILED;
	}
out:
	cli_asker_release(&asker);
	if (planned)
		plan_release(&pl);
	buf_release(&out);
	known_release(&k);
	snapshot_release(&s);
	vault_close(v);
	ruleset_free(rs);
	config_release(&cfg);
	return ret;
}
