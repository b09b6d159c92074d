/*
 * The command line: main.c parses the global options and hands the rest to
 * one command, each in its own file.
 */
#ifndef ROSTER_CLI_H
#define ROSTER_CLI_H

#include "config/config.h"
#include "util/date.h"
#include "util/err.h"

/* Exit codes (DESIGN.md). */
#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_GUARD 3

struct cli {
	const char *config_path; /* -c, else ./roster.yaml */
	int color;
};

/* Each command: argv[0] is its name; returns the exit code. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_person(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_reconcile(struct cli *cli, int argc, char **argv);

/* Prints "roster: <msg>" to stderr and returns the exit code for e. */
int cli_fail(const struct err *e);
/* Prints "roster: <fmt>" to stderr and returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Loads the configuration named by cli; on failure prints it and returns -1. */
int cli_load_config(struct cli *cli, struct config *cfg);

/* ROSTER_TIMING=1: prints how long the phase since *t0 took (for the benchmarks) and restarts *t0. */
struct timespec;
void cli_phase_done(const char *name, struct timespec *t0);

/* A run id for the audit log: one per command that appends events ("6b09ef0f-371c": time and process). */
void cli_run_id(char *out, size_t outlen);

/* The evaluation date: the --at value when given, else today in cfg's time zone. */
int cli_eval_date(const char *at_arg, const struct config *cfg, civil_day *out, struct err *e);

/*
 * What the plan reads (cli/plan.c): the latest snapshot of every source
 * merged into out (person NULL), or only that person and the persons their
 * replacement assignments name; and into k every account and membership
 * roster knows. out and k are initialised here; release them also on error.
 */
struct vault;
struct snapshot;
struct known_state;
int cli_plan_state(const struct config *cfg, struct vault *v, const char *person, struct snapshot *out,
		   struct known_state *k, struct err *e);

/*
 * check_target (plan_options.taken): each target's connector, opened when
 * the plan first asks about that target and closed by cli_asker_release.
 * cli_asker_use fills po.
 */
struct cli_asked;
struct cli_asker {
	const struct config *cfg;
	struct cli_asked *v; /* one per target */
	size_t n;
};
struct plan_options;
void cli_asker_use(struct cli_asker *a, const struct config *cfg, struct plan_options *po);
void cli_asker_release(struct cli_asker *a);

#endif
