#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/banned.h"

static const char usage[] = "usage: roster [-c FILE] check\n"
			    "\n"
			    "Validates the configuration: every key, value and reference.\n"
			    "Exits 0 when it is good, 2 with the first problem when it is not.\n";

int
cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct config cfg;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("check: unexpected argument \"%s\"", argv[optind]);
	if (cli_load_config(cli, &cfg) < 0)
		return EXIT_USAGE;
	printf("%s: ok (%zu source%s, vault %s)\n", cli->config_path, cfg.nsources, cfg.nsources == 1 ? "" : "s",
	       cfg.vault);
	config_release(&cfg);
	return EXIT_OK;
}
