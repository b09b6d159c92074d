/*
 * config_load: roster.yaml, through libfyaml and the walk that checks every
 * key. The input is the file. Next to it lie secret.txt, for ${file:...}
 * references, and ROSTER_FUZZ_SECRET is set, for ${env:...}.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/text.h"
#include "scratch.h"
#include "util/banned.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *path;

static _Noreturn void
fail(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *secret;

	(void)argc;
	(void)argv;
	scratch_open("fuzz-config");
	path = scratch_path("roster.yaml");
	secret = scratch_path("secret.txt");
	scratch_write(secret, "s3cret\n", 7);
	setenv("ROSTER_FUZZ_SECRET", "from-the-environment", 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct err e;

	scratch_write(path, data, size);
	err_init(&e);
	if (config_load(&cfg, path, &e) < 0) {
		if (!e.msg[0] || e.class == ERR_NONE)
			fail("config_load failed without a message");
		if (cfg.sources || cfg.file)
			fail("config_load failed but left something in cfg");
		return 0;
	}
	if (!cfg.nsources || !cfg.vault_path || !config_source(&cfg, NULL))
		fail("config_load succeeded without a source or a vault");
	for (size_t i = 0; i < cfg.nsources; i++) {
		const struct source_cfg *s = &cfg.sources[i];
		char limit[64];

		if (!s->name || !*s->name || !s->persons || !s->persons_path)
			fail("a source without a name or a persons file");
		if (config_source(&cfg, s->name) != s)
			fail("config_source does not find a source by its name");
		if (!!s->contracts != !!s->contracts_path || !!s->assignments != !!s->assignments_path)
			fail("a file without its resolved path");
		for (size_t k = 0; k < s->nfields; k++)
			if (!s->fields[k].ncolumns || source_cfg_field(s, s->fields[k].name) != &s->fields[k])
				fail("a field without columns, or mapped twice");
		cfg_limit_format(&s->max_removed, limit, sizeof(limit));
		(void)cfg_limit_of(&s->max_removed, 1000);
	}
	config_release(&cfg);
	return 0;
}
