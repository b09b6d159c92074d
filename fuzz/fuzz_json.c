/*
 * The JSON source (source_read on a format: json config): one file with an
 * array of persons, or {"persons": [...]}, contracts and assignments nested.
 * The first byte shapes the config: bit 0 a fields: map (the Dutch labels of
 * examples/roster.yaml) instead of the canonical key names, bit 1 two extras
 * (badge from key "Pasnummer", room from "Kamer"). The rest is the file.
 */
#include <stdint.h>

#include "config/config.h"
#include "scratch.h"
#include "source_harness.h"
#include "util/banned.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *path;
static char persons_name[] = "hr/persons.json";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	scratch_open("fuzz-json");
	path = scratch_path("persons.json");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_cfg cfg;

	if (!size)
		return 0;
	hs_cfg(&cfg, SOURCE_JSON, ((data[0] & 1) ? HS_MAPPED : 0) | ((data[0] & 2) ? HS_EXTRAS : 0));
	scratch_write(path, data + 1, size - 1);
	cfg.persons = persons_name;
	cfg.persons_path = path;
	hs_read_and_check(&cfg);
	return 0;
}
