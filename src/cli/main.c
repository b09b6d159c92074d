#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/date.h"
#include "util/banned.h"

#ifndef ROSTER_VERSION
#define ROSTER_VERSION "unknown"
#endif

static const char usage[] =
	"usage: roster [-c FILE] COMMAND [ARGS]\n"
	"\n"
	"  init DIR          write an example roster.yaml and HR data into DIR\n"
	"  check             validate the configuration\n"
	"  import            read the HR sources, detect changes, store a snapshot\n"
	"  person ID         show a person, their contracts and assignments (--explain: why)\n"
	"  plan              show what apply would change on the targets, and why\n"
	"  apply             carry the plan out on the targets\n"
	"  reconcile TARGET  hold the target's accounts against the persons: adopt, orphans, drift\n"
	"  audit [verify]    show the audit log; verify: check its hash chain\n"
	"\n"
	"options:\n"
	"  -c, --config FILE the configuration (default: ./roster.yaml)\n"
	"  -h, --help        this help; 'roster COMMAND --help' for a command\n"
	"  -V, --version     the version\n"
	"\n"
	"exit codes: 0 done, 1 failed, 2 bad usage, configuration or input, 3 refused by a guard\n";

struct command {
	const char *name;
	int (*fn)(struct cli *, int, char **);
};

static const struct command commands[] = {
	{ "init", cmd_init }, { "check", cmd_check }, { "import", cmd_import }, { "person", cmd_person },
	{ "plan", cmd_plan }, { "apply", cmd_apply }, { "audit", cmd_audit },	{ "reconcile", cmd_reconcile },
};

int
cli_fail(const struct err *e)
{
	fprintf(stderr, "roster: %s\n", e->msg);
	return err_exit_code(e);
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("roster: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int
cli_load_config(struct cli *cli, struct config *cfg)
{
	struct err e;

	err_init(&e);
	if (config_load(cfg, cli->config_path, &e) < 0) {
		cli_fail(&e);
		return -1;
	}
	/*
	 * The configured time zone is the process's, set once here before any
	 * thread starts: switching TZ later (setenv) would race with a thread
	 * that reads the environment (the vault writer's SQLite). Code that
	 * needs the zone passes NULL to the date functions.
	 */
	if (cfg->timezone && date_zone_known(cfg->timezone)) {
		setenv("TZ", cfg->timezone, 1);
		tzset();
	}
	return 0;
}

void
cli_phase_done(const char *name, struct timespec *t0)
{
	struct timespec t1;
	static int on = -1;

	if (on < 0)
		on = getenv("ROSTER_TIMING") != NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (on)
		fprintf(stderr, "timing: %-8s %8.3f s\n", name,
			(double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9);
	*t0 = t1;
}

void
cli_run_id(char *out, size_t outlen)
{
	snprintf(out, outlen, "%lx-%lx", (long)time(NULL), (long)getpid());
}

int
cli_eval_date(const char *at_arg, const struct config *cfg, civil_day *out, struct err *e)
{
	if (at_arg) {
		if (date_parse_iso(at_arg, out) < 0)
			return err_set(e, ERR_INVALID, "--at: \"%s\" is not a date (expected YYYY-MM-DD)", at_arg);
		return 0;
	}
	return date_today(cfg ? cfg->timezone : NULL, out, e);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { "roster.yaml", 0 };
	struct sigaction ign;
	const char *env;
	int c;

	/*
	 * A server that goes away mid-write (a TLS connection to a DC that
	 * stopped) is a failed operation, not a killed process: writes to a
	 * closed socket or pipe return EPIPE, which every caller handles.
	 */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);
	env = getenv("ROSTER_CONFIG");
	if (env && *env)
		cli.config_path = env;
	/* "+": stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli.config_path = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		case 'V': printf("roster %s\n", ROSTER_VERSION); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;

			optind = 0; /* reset getopt for the command */
			return commands[i].fn(&cli, sub_argc, sub_argv);
		}
	}
	return cli_usage_error("unknown command \"%s\" (see roster --help)", argv[optind]);
}
