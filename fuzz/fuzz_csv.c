/*
 * The CSV source (source_read on a format: csv config): the HR files as an
 * export from anywhere would be. The first byte shapes the config:
 *
 *   bits 0-1  layout: 0 persons only; 1 persons and contracts in one file
 *             (assignments after a 0x1E byte, when there is one); 2 persons,
 *             then contracts after a 0x1E; 3 the same, then assignments
 *   bits 2-3  encoding: utf-8, windows-1252, iso-8859-1, utf-8
 *   bits 4-5  delimiter: auto, ';', ',', tab
 *   bit 6     a fields: map (examples/roster.yaml's Dutch labels), else the
 *             canonical names as column labels (fields_given = 0)
 *   bit 7     two extras: badge (column "Pasnummer"), room ("Kamer")
 *
 * The rest are the files, split at 0x1E bytes (the ASCII record separator,
 * which no export holds) where the layout has more than one file.
 */
#include <stdint.h>
#include <string.h>

#include "config/config.h"
#include "scratch.h"
#include "source_harness.h"
#include "util/banned.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP 0x1E

static char *paths[3];
static char persons_name[] = "hr/persons.csv";
static char contracts_name[] = "hr/contracts.csv";
static char assignments_name[] = "hr/assignments.csv";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	scratch_open("fuzz-csv");
	paths[0] = scratch_path("persons.csv");
	paths[1] = scratch_path("contracts.csv");
	paths[2] = scratch_path("assignments.csv");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum source_encoding encodings[] = { ENC_UTF8, ENC_WINDOWS_1252, ENC_ISO_8859_1, ENC_UTF8 };
	static const char delimiters[] = { 0, ';', ',', '\t' };
	const uint8_t *part[3] = { NULL, NULL, NULL };
	size_t len[3] = { 0, 0, 0 }, nparts, want;
	struct source_cfg cfg;
	int layout;

	if (!size)
		return 0;
	layout = data[0] & 3;
	hs_cfg(&cfg, SOURCE_CSV, ((data[0] & 0x40) ? HS_MAPPED : 0) | ((data[0] & 0x80) ? HS_EXTRAS : 0));
	cfg.encoding = encodings[(data[0] >> 2) & 3];
	cfg.delimiter = delimiters[(data[0] >> 4) & 3];
	data++;
	size--;

	want = layout == 0 ? 1 : layout == 3 ? 3 : 2;
	part[0] = data;
	len[0] = size;
	for (nparts = 1; nparts < want; nparts++) {
		const uint8_t *sep = memchr(part[nparts - 1], SEP, len[nparts - 1]);

		if (!sep)
			break;
		part[nparts] = sep + 1;
		len[nparts] = len[nparts - 1] - (size_t)(sep + 1 - part[nparts - 1]);
		len[nparts - 1] = (size_t)(sep - part[nparts - 1]);
	}

	cfg.persons = persons_name;
	cfg.persons_path = paths[0];
	scratch_write(paths[0], part[0], len[0]);
	switch (layout) {
	case 1:
		/* One row per contract with the person's columns repeated. */
		cfg.contracts = persons_name;
		cfg.contracts_path = paths[0];
		if (nparts > 1) {
			cfg.assignments = assignments_name;
			cfg.assignments_path = paths[2];
			scratch_write(paths[2], part[1], len[1]);
		}
		break;
	case 2:
	case 3:
		cfg.contracts = contracts_name;
		cfg.contracts_path = paths[1];
		scratch_write(paths[1], part[1] ? part[1] : data, len[1]);
		if (layout == 3) {
			cfg.assignments = assignments_name;
			cfg.assignments_path = paths[2];
			scratch_write(paths[2], part[2] ? part[2] : data, len[2]);
		}
		break;
	default: break;
	}
	hs_read_and_check(&cfg);
	return 0;
}
