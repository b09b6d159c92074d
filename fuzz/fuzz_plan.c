/*
 * plan_read: a plan file as roster apply --plan reads it (the JSON of
 * roster plan -o, maybe edited by hand). Whatever the input, it is read or
 * refused with a message naming the file; what is read writes back
 * (plan_json) to a plan that reads again with the same actions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "plan/plan.h"
#include "rules/ruleset.h"
#include "scratch.h"
#include "util/banned.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static struct ruleset *rs;

static const char yaml[] =
	"vault: var/roster.db\n"
	"sources:\n"
	"  - {name: hr, format: csv, persons: p.csv}\n"
	"targets:\n"
	"  - name: directory\n"
	"    connector: csv\n"
	"    attributes: {uid: \"{given_name}\", mailbox: {template: \"{given_name}\", send: false}}\n"
	"  - name: app\n"
	"    connector: csv\n"
	"rules:\n"
	"  - name: all\n"
	"    grant: [{target: directory, account: true}]\n";

static _Noreturn void
fail(const char *what)
{
	fprintf(stderr, "fuzz_plan: %s\n", what);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *path;
	struct err e;

	(void)argc;
	(void)argv;
	scratch_open("fuzz-plan");
	path = scratch_path("roster.yaml");
	scratch_write(path, yaml, sizeof(yaml) - 1);
	err_init(&e);
	if (config_load(&cfg, path, &e) < 0 || !(rs = ruleset_compile(&cfg, &e)))
		fail(e.msg);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan pl, again;
	struct buf out = BUF_INIT;
	struct err e;
	size_t total = 0;

	err_init(&e);
	if (plan_read((const char *)data, size, "plan.json", rs, &pl, &e) < 0) {
		if (!strstr(e.msg, "plan.json"))
			fail("a refused plan without the file's name in the message");
		if (pl.actions || pl.nactions)
			fail("a refused plan holds actions");
		return 0;
	}
	for (size_t t = 0; t < rs->ntargets; t++)
		for (int op = 0; op < OP_COUNT; op++)
			total += pl.counts[t][op];
	if (total != pl.nactions)
		fail("the counts do not add up to the actions");
	plan_json(&pl, &out);
	if (plan_read(out.s, out.len, "plan.json", rs, &again, &e) < 0)
		fail("a plan written back does not read again");
	if (again.nactions != pl.nactions || plan_keep_reviewed(&again, &pl) != pl.nactions)
		fail("a plan written back and read again has other actions");
	plan_release(&again);
	plan_release(&pl);
	buf_release(&out);
	return 0;
}
