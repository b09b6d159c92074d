/* roster init DIR: a configuration and HR data that work, to start from. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/examples.h"
#include "util/file.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char usage[] = "usage: roster init [--force] DIR\n"
			    "\n"
			    "Writes an example roster.yaml and the HR export of a fictional organisation\n"
			    "(about 300 persons) into DIR, so that 'roster -c DIR/roster.yaml import' works.\n"
			    "\n"
			    "  --force   overwrite files that are already there\n";

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir;
	struct err e;
	int c, force = 0;
	size_t i;

	(void)cli;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	dir = argv[optind];
	err_init(&e);
	if (!force) {
		for (i = 0; i < example_nfiles; i++) {
			char *path = file_join(dir, example_files[i].name);
			struct stat st;
			int exists = stat(path, &st) == 0;

			if (exists) {
				fprintf(stderr,
					"roster: %s already exists; nothing was written (use --force to overwrite)\n",
					path);
				free(path);
				return EXIT_USAGE;
			}
			free(path);
		}
	}
	for (i = 0; i < example_nfiles; i++) {
		char *path = file_join(dir, example_files[i].name), *sub = file_dirname(path);
		int r = file_mkdirs(sub, &e);

		if (r == 0)
			r = file_write_atomic(path, example_files[i].data, example_files[i].len, &e);
		free(sub);
		free(path);
		if (r < 0)
			return cli_fail(&e);
	}
	printf("wrote an example configuration and HR data to %s\n", dir);
	printf("next: roster -c %s/roster.yaml import\n", dir);
	return EXIT_OK;
}
