#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "connector/connector.h"
#include "rules/ruleset.h"
#include "source/source.h"
#include "util/banned.h"

static const char usage[] = "usage: roster [-c FILE] check [--config-only]\n"
			    "\n"
			    "Validates the configuration: every key, value and reference, and that\n"
			    "each source's files can be read and have every configured column.\n"
			    "Exits 0 when all is good, 2 with the first problem when it is not.\n"
			    "\n"
			    "  --config-only   check the file alone, not the sources it names\n";

int
cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config-only", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	struct err e;
	int c, config_only = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (c == 'o') {
			config_only = 1;
			continue;
		}
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("check: unexpected argument \"%s\"", argv[optind]);
	if (cli_load_config(cli, &cfg) < 0)
		return EXIT_USAGE;
	err_init(&e);
	{
		/* Every condition and template compiles, and names only fields that exist. */
		struct ruleset *rs = ruleset_compile(&cfg, &e);

		if (!rs) {
			cli_fail(&e);
			config_release(&cfg);
			return EXIT_USAGE;
		}
		ruleset_free(rs);
	}
	/* Every target's connector keys hold what the connector needs. */
	if (connector_check_all(&cfg, &e) < 0) {
		cli_fail(&e);
		config_release(&cfg);
		return EXIT_USAGE;
	}
	for (size_t i = 0; !config_only && i < cfg.nsources; i++) {
		if (source_check(&cfg.sources[i], &e) < 0) {
			int code = cli_fail(&e);

			config_release(&cfg);
			return code == EXIT_FAILED ? EXIT_USAGE : code;
		}
	}
	printf("%s: ok (%zu source%s, %zu target%s, %zu rule%s, vault %s)\n", cli->config_path, cfg.nsources,
	       cfg.nsources == 1 ? "" : "s", cfg.ntargets, cfg.ntargets == 1 ? "" : "s", cfg.nrules,
	       cfg.nrules == 1 ? "" : "s", cfg.vault);
	config_release(&cfg);
	return EXIT_OK;
}
