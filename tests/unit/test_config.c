/*
 * Unit tests for config/config.c: roster.yaml as written by people, and every
 * mistake they make named with file:line:column and what was expected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "util/date.h"

#include "testlib.h"

struct fixture {
	char dir[256];
	char path[512]; /* dir/roster.yaml */
	struct config cfg;
	struct err e;
	int loaded;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (tl_tmpdir_make(fx->dir, sizeof(fx->dir), "config") < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/roster.yaml", fx->dir);
	err_init(&fx->e);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->loaded)
		config_release(&fx->cfg);
	tl_tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* Writes yaml as roster.yaml and loads it; returns config_load's result. */
static int
load(struct fixture *fx, const char *yaml)
{
	int r;

	if (fx->loaded) {
		config_release(&fx->cfg);
		fx->loaded = 0;
	}
	tl_put_file(fx->dir, "roster.yaml", yaml);
	err_init(&fx->e);
	r = config_load(&fx->cfg, fx->path, &fx->e);
	if (r == 0)
		fx->loaded = 1;
	return r;
}

static void
load_ok_fl(struct fixture *fx, const char *yaml, const char *file, int line)
{
	if (load(fx, yaml) != 0) {
		print_error("%s:%d: config_load failed: %s\n", file, line, fx->e.msg);
		_fail(file, line);
	}
}
#define load_ok(fx, yaml) load_ok_fl((fx), (yaml), __FILE__, __LINE__)

/* Loads yaml, expects an ERR_CONFIG error and returns its message. */
static const char *
load_err_fl(struct fixture *fx, const char *yaml, const char *file, int line)
{
	if (load(fx, yaml) == 0) {
		print_error("%s:%d: config_load accepted the file\n", file, line);
		_fail(file, line);
	}
	if (fx->e.class != ERR_CONFIG) {
		print_error("%s:%d: error class %d, expected ERR_CONFIG: %s\n", file, line, fx->e.class, fx->e.msg);
		_fail(file, line);
	}
	/* Every message starts with the file. */
	if (strncmp(fx->e.msg, fx->path, strlen(fx->path))) {
		print_error("%s:%d: \"%s\" does not start with the path\n", file, line, fx->e.msg);
		_fail(file, line);
	}
	return fx->e.msg;
}
#define load_err(fx, yaml) load_err_fl((fx), (yaml), __FILE__, __LINE__)

#define MIN_SOURCE "sources:\n  - name: hr\n    persons: persons.csv\n"

static const char example_yaml[] =
	"# roster.yaml for the example organisation: a fictional Dutch employer of about\n"
	"# 300 persons whose HR system exports three CSV files (see docs/configuration.md).\n"
	"vault: var/roster.db\n"
	"timezone: Europe/Amsterdam\n"
	"\n"
	"sources:\n"
	"  - name: hr\n"
	"    format: csv\n"
	"    persons: hr/persons.csv\n"
	"    contracts: hr/contracts.csv\n"
	"    assignments: hr/assignments.csv\n"
	"    delimiter: auto\n"
	"    encoding: utf-8\n"
	"    date_format: auto\n"
	"    # canonical field: the column that holds it in the export. One map serves\n"
	"    # all three files; a list gives the names a field has in different files.\n"
	"    fields:\n"
	"      employee_id: Personeelsnummer\n"
	"      given_name: Roepnaam\n"
	"      initials: Voorletters\n"
	"      family_name_prefix: Voorvoegsel\n"
	"      family_name: Achternaam\n"
	"      partner_name_prefix: Voorvoegsel partner\n"
	"      partner_name: Naam partner\n"
	"      name_convention: Naamgebruik\n"
	"      email_private: E-mail priv\xC3\xA9\n"
	"      phone: Telefoon\n"
	"      manager_id: Leidinggevende\n"
	"      contract_id: Contractnummer\n"
	"      start_date: [Datum in dienst, Begindatum]\n"
	"      end_date: [Datum uit dienst, Einddatum]\n"
	"      department.code: Afdelingscode\n"
	"      department.name: Afdeling\n"
	"      title.code: Functiecode\n"
	"      title.name: Functie\n"
	"      cost_center: Kostenplaats\n"
	"      location: Locatie\n"
	"      fte: FTE\n"
	"      type: Soort\n"
	"      kind: Soort\n"
	"      value: Waarde\n"
	"    guard:\n"
	"      max_removed: 10%      # refuse an import that would remove more than 10% of the persons\n";

/* --- what a good file gives --- */

static void
the_example_configuration_loads_with_every_value(void **state)
{
	struct fixture *fx = *state;
	const struct source_cfg *s;
	const struct cfg_field *f;
	char want[768];

	if (!date_zone_known("Europe/Amsterdam"))
		skip(); /* no tzdata on this machine */
	load_ok(fx, example_yaml);
	assert_string_equal(fx->cfg.file, fx->path);
	assert_string_equal(fx->cfg.dir, fx->dir);
	assert_string_equal(fx->cfg.vault, "var/roster.db");
	snprintf(want, sizeof(want), "%s/var/roster.db", fx->dir);
	assert_string_equal(fx->cfg.vault_path, want);
	assert_string_equal(fx->cfg.timezone, "Europe/Amsterdam");
	assert_int_equal(fx->cfg.nsources, 1);
	s = &fx->cfg.sources[0];
	assert_string_equal(s->name, "hr");
	assert_int_equal(s->format, SOURCE_CSV);
	assert_string_equal(s->persons, "hr/persons.csv");
	assert_string_equal(s->contracts, "hr/contracts.csv");
	assert_string_equal(s->assignments, "hr/assignments.csv");
	snprintf(want, sizeof(want), "%s/hr/persons.csv", fx->dir);
	assert_string_equal(s->persons_path, want);
	snprintf(want, sizeof(want), "%s/hr/contracts.csv", fx->dir);
	assert_string_equal(s->contracts_path, want);
	snprintf(want, sizeof(want), "%s/hr/assignments.csv", fx->dir);
	assert_string_equal(s->assignments_path, want);
	assert_int_equal(s->delimiter, 0);
	assert_int_equal(s->encoding, ENC_UTF8);
	assert_null(s->date_format);
	assert_true(s->fields_given);
	assert_int_equal(s->nfields, 24);
	assert_int_equal(s->nextras, 0);
	assert_int_equal(s->max_removed.value, 10);
	assert_true(s->max_removed.percent);
	assert_int_equal(s->max_removed.pos.line, 43);
	assert_int_equal(s->max_removed.pos.col, 20);
	assert_int_equal(s->pos.line, 7);
	assert_int_equal(s->pos.col, 5);

	f = source_cfg_field(s, "employee_id");
	assert_non_null(f);
	assert_int_equal(f->ncolumns, 1);
	assert_string_equal(f->columns[0], "Personeelsnummer");
	assert_int_equal(f->pos.line, 18);
	assert_int_equal(f->pos.col, 7);
	f = source_cfg_field(s, "email_private");
	assert_non_null(f);
	assert_string_equal(f->columns[0], "E-mail priv\xC3\xA9");
	f = source_cfg_field(s, "start_date");
	assert_non_null(f);
	assert_int_equal(f->ncolumns, 2);
	assert_string_equal(f->columns[0], "Datum in dienst");
	assert_string_equal(f->columns[1], "Begindatum");
	f = source_cfg_field(s, "department.code");
	assert_non_null(f);
	assert_string_equal(f->columns[0], "Afdelingscode");
	f = source_cfg_field(s, "kind");
	assert_non_null(f);
	assert_string_equal(f->columns[0], "Soort");
	assert_null(source_cfg_field(s, "badge"));
}

static void
a_minimal_file_gets_the_defaults(void **state)
{
	struct fixture *fx = *state;
	const struct source_cfg *s;
	char want[768];

	load_ok(fx, MIN_SOURCE);
	assert_string_equal(fx->cfg.vault, "var/roster.db");
	snprintf(want, sizeof(want), "%s/var/roster.db", fx->dir);
	assert_string_equal(fx->cfg.vault_path, want);
	assert_null(fx->cfg.timezone);
	s = &fx->cfg.sources[0];
	assert_int_equal(s->format, SOURCE_CSV);
	assert_null(s->contracts);
	assert_null(s->assignments);
	assert_null(s->contracts_path);
	assert_null(s->assignments_path);
	assert_int_equal(s->delimiter, 0);
	assert_int_equal(s->encoding, ENC_UTF8);
	assert_null(s->date_format);
	assert_false(s->fields_given);
	assert_int_equal(s->nfields, 0);
	assert_int_equal(s->nextras, 0);
	assert_int_equal(s->max_removed.value, 10);
	assert_true(s->max_removed.percent);
}

static void
relative_paths_are_relative_to_the_folder_of_the_config(void **state)
{
	struct fixture *fx = *state;
	char sub[512], path[768], want[1024];
	struct config cfg;

	load_ok(fx, "vault: data/r.db\n" MIN_SOURCE);
	snprintf(want, sizeof(want), "%s/data/r.db", fx->dir);
	assert_string_equal(fx->cfg.vault_path, want);

	snprintf(sub, sizeof(sub), "%s/etc", fx->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/roster.yaml", sub);
	tl_put_file(fx->dir, "etc/roster.yaml", "sources:\n  - name: hr\n    persons: ../hr/p.csv\n");
	assert_int_equal(config_load(&cfg, path, &fx->e), 0);
	assert_string_equal(cfg.dir, sub);
	snprintf(want, sizeof(want), "%s/var/roster.db", sub);
	assert_string_equal(cfg.vault_path, want);
	snprintf(want, sizeof(want), "%s/../hr/p.csv", sub);
	assert_string_equal(cfg.sources[0].persons_path, want);
	config_release(&cfg);
}

static void
absolute_paths_are_kept(void **state)
{
	struct fixture *fx = *state;

	load_ok(fx, "vault: /srv/roster/r.db\nsources:\n  - name: hr\n    persons: /data/hr/p.csv\n");
	assert_string_equal(fx->cfg.vault_path, "/srv/roster/r.db");
	assert_string_equal(fx->cfg.sources[0].persons_path, "/data/hr/p.csv");
}

static void
every_delimiter_spelling_is_understood(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *yaml;
		char want;
	} cases[] = {
		{ "auto", 0 },	 { "\",\"", ',' },  { "\";\"", ';' },	 { "\"|\"", '|' },
		{ "tab", '\t' }, { "'\\t'", '\t' }, { "\"\\t\"", '\t' },
	};
	char yaml[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml), MIN_SOURCE "    delimiter: %s\n", cases[i].yaml);
		load_ok(fx, yaml);
		assert_int_equal(fx->cfg.sources[0].delimiter, cases[i].want);
	}
}

static void
encoding_names_are_matched_loosely(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *yaml;
		enum source_encoding want;
	} cases[] = {
		{ "utf-8", ENC_UTF8 },
		{ "UTF8", ENC_UTF8 },
		{ "UTF_8", ENC_UTF8 },
		{ "windows-1252", ENC_WINDOWS_1252 },
		{ "Windows 1252", ENC_WINDOWS_1252 },
		{ "cp1252", ENC_WINDOWS_1252 },
		{ "iso-8859-1", ENC_ISO_8859_1 },
		{ "ISO 8859-1", ENC_ISO_8859_1 },
		{ "latin1", ENC_ISO_8859_1 },
		{ "Latin-1", ENC_ISO_8859_1 },
	};
	char yaml[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml), MIN_SOURCE "    encoding: %s\n", cases[i].yaml);
		load_ok(fx, yaml);
		assert_int_equal(fx->cfg.sources[0].encoding, cases[i].want);
	}
	assert_string_equal(source_encoding_name(ENC_UTF8), "utf-8");
	assert_string_equal(source_encoding_name(ENC_WINDOWS_1252), "windows-1252");
	assert_string_equal(source_encoding_name(ENC_ISO_8859_1), "iso-8859-1");
}

static void
a_strptime_date_format_is_kept_and_auto_is_null(void **state)
{
	struct fixture *fx = *state;

	load_ok(fx, MIN_SOURCE "    date_format: \"%d.%m.%Y\"\n");
	assert_string_equal(fx->cfg.sources[0].date_format, "%d.%m.%Y");
	load_ok(fx, MIN_SOURCE "    date_format: auto\n");
	assert_null(fx->cfg.sources[0].date_format);
}

static void
a_json_source_loads(void **state)
{
	struct fixture *fx = *state;

	load_ok(fx, "sources:\n  - name: api\n    format: json\n    persons: people.json\n");
	assert_int_equal(fx->cfg.sources[0].format, SOURCE_JSON);
	assert_null(fx->cfg.sources[0].contracts);
}

static void
several_sources_are_found_by_name(void **state)
{
	struct fixture *fx = *state;

	load_ok(fx, "sources:\n"
		    "  - name: hr\n    persons: p.csv\n"
		    "  - name: temps\n    persons: t.csv\n    guard:\n      max_removed: 25\n");
	assert_int_equal(fx->cfg.nsources, 2);
	assert_ptr_equal(config_source(&fx->cfg, NULL), &fx->cfg.sources[0]);
	assert_ptr_equal(config_source(&fx->cfg, "hr"), &fx->cfg.sources[0]);
	assert_ptr_equal(config_source(&fx->cfg, "temps"), &fx->cfg.sources[1]);
	assert_null(config_source(&fx->cfg, "payroll"));
	assert_int_equal(fx->cfg.sources[1].max_removed.value, 25);
	assert_false(fx->cfg.sources[1].max_removed.percent);
	assert_int_equal(fx->cfg.sources[0].max_removed.value, 10);
	assert_true(fx->cfg.sources[0].max_removed.percent);
}

static void
fields_given_as_a_list_are_alternatives_in_order(void **state)
{
	struct fixture *fx = *state;
	const struct cfg_field *f;

	load_ok(fx, MIN_SOURCE "    fields:\n"
			       "      employee_id: [Personeelsnummer, Pers.nr, \"Employee ID\"]\n"
			       "      family_name:\n"
			       "        - Achternaam\n"
			       "        - Surname\n");
	assert_true(fx->cfg.sources[0].fields_given);
	f = source_cfg_field(&fx->cfg.sources[0], "employee_id");
	assert_non_null(f);
	assert_int_equal(f->ncolumns, 3);
	assert_string_equal(f->columns[0], "Personeelsnummer");
	assert_string_equal(f->columns[1], "Pers.nr");
	assert_string_equal(f->columns[2], "Employee ID");
	f = source_cfg_field(&fx->cfg.sources[0], "family_name");
	assert_non_null(f);
	assert_int_equal(f->ncolumns, 2);
	assert_string_equal(f->columns[1], "Surname");
	assert_int_equal(f->pos.line, 6);
	assert_int_equal(f->pos.col, 7);
}

static void
an_empty_fields_map_still_counts_as_given(void **state)
{
	struct fixture *fx = *state;

	load_ok(fx, MIN_SOURCE "    fields: {}\n");
	assert_true(fx->cfg.sources[0].fields_given);
	assert_int_equal(fx->cfg.sources[0].nfields, 0);
}

static void
extras_keep_their_name_column_and_place(void **state)
{
	struct fixture *fx = *state;
	const struct source_cfg *s;

	load_ok(fx, MIN_SOURCE "    extra:\n      badge_number: Pasnummer\n      _internal2: Intern nr\n");
	s = &fx->cfg.sources[0];
	assert_int_equal(s->nextras, 2);
	assert_string_equal(s->extras[0].name, "badge_number");
	assert_string_equal(s->extras[0].column, "Pasnummer");
	assert_int_equal(s->extras[0].pos.line, 5);
	assert_int_equal(s->extras[0].pos.col, 7);
	assert_string_equal(s->extras[1].name, "_internal2");
	assert_string_equal(s->extras[1].column, "Intern nr");
}

static void
limits_accept_counts_and_percentages(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *yaml;
		long value;
		int percent;
	} cases[] = {
		{ "0", 0, 0 }, { "25", 25, 0 }, { "\"0%\"", 0, 1 }, { "100%", 100, 1 }, { "'5%'", 5, 1 },
	};
	char yaml[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml), MIN_SOURCE "    guard:\n      max_removed: %s\n", cases[i].yaml);
		load_ok(fx, yaml);
		assert_int_equal(fx->cfg.sources[0].max_removed.value, cases[i].value);
		assert_int_equal(fx->cfg.sources[0].max_removed.percent, cases[i].percent);
	}
}

/* --- ${env:} ${file:} substitution --- */

static void
env_reference_is_replaced_by_the_variable(void **state)
{
	struct fixture *fx = *state;

	setenv("ROSTER_TEST_DIR", "/srv/hr", 1);
	load_ok(fx, "vault: ${env:ROSTER_TEST_DIR}/roster.db\n"
		    "sources:\n  - name: hr\n    persons: ${env:ROSTER_TEST_DIR}/p-${env:ROSTER_TEST_DIR}.csv\n");
	assert_string_equal(fx->cfg.vault, "/srv/hr/roster.db");
	assert_string_equal(fx->cfg.sources[0].persons, "/srv/hr/p-/srv/hr.csv");
	unsetenv("ROSTER_TEST_DIR");
}

static void
env_reference_to_an_unset_variable_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	unsetenv("ROSTER_TEST_UNSET");
	msg = load_err(fx, "vault: ${env:ROSTER_TEST_UNSET}\n" MIN_SOURCE);
	tl_assert_contains(msg, "roster.yaml:1:8: vault: environment variable ROSTER_TEST_UNSET is not set");
}

static void
file_reference_is_replaced_by_the_file_without_its_final_newline(void **state)
{
	struct fixture *fx = *state;

	tl_put_file(fx->dir, "vault.txt", "/srv/secret/roster.db\n");
	tl_put_file(fx->dir, "crlf.txt", "hr.csv\r\n\r\n");
	tl_put_file(fx->dir, "inner.txt", "a\nb\n");
	load_ok(fx, "vault: ${file:vault.txt}\nsources:\n  - name: hr\n    persons: ${file:crlf.txt}\n"
		    "    contracts: ${file:inner.txt}\n");
	assert_string_equal(fx->cfg.vault, "/srv/secret/roster.db");
	assert_string_equal(fx->cfg.sources[0].persons, "hr.csv");
	/* Only the end is trimmed. */
	assert_string_equal(fx->cfg.sources[0].contracts, "a\nb");
}

static void
file_reference_to_a_missing_file_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: ${file:nope.txt}\n" MIN_SOURCE);
	tl_assert_contains(msg, "roster.yaml:1:8: vault: ${file:nope.txt}: ");
	tl_assert_contains(msg, "nope.txt: cannot open: No such file or directory");
}

static void
doubled_dollar_is_a_literal_reference(void **state)
{
	struct fixture *fx = *state;

	unsetenv("X");
	load_ok(fx, "vault: \"a$${env:X}b\"\n" MIN_SOURCE);
	assert_string_equal(fx->cfg.vault, "a${env:X}b");
	load_ok(fx, "vault: cost$5 and $$ and $\n" MIN_SOURCE);
	assert_string_equal(fx->cfg.vault, "cost$5 and $$ and $");
}

static void
unknown_reference_kind_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: ${foo:x}\n" MIN_SOURCE);
	tl_assert_contains(
		msg, "roster.yaml:1:8: vault: unknown reference \"${foo:x}\" (expected ${env:NAME} or ${file:PATH})");
}

static void
unterminated_reference_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: ${env:HOME\n" MIN_SOURCE);
	tl_assert_contains(msg, "roster.yaml:1:8: vault: unterminated \"${\"");
}

/* --- mistakes, each with its place --- */

static void
unknown_top_level_key_suggests_the_near_one(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: v.db\nsorces:\n  - name: hr\n");
	tl_assert_contains(msg, "roster.yaml:2:1: unknown key \"sorces\" in the top level (did you mean \"sources\"?)");
}

static void
unknown_top_level_key_without_a_near_one_lists_the_allowed(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "plugins: []\n");
	tl_assert_contains(msg, "roster.yaml:4:1: unknown key \"plugins\" in the top level (expected one of: vault, "
				"timezone, sources, targets, rules)");
}

static void
unknown_source_key_suggests_the_near_one(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    delimter: \";\"\n");
	tl_assert_contains(msg, "roster.yaml:4:5: unknown key \"delimter\" in a source (did you mean \"delimiter\"?)");
	msg = load_err(fx, MIN_SOURCE "    frobnicate: yes\n");
	tl_assert_contains(
		msg,
		"roster.yaml:4:5: unknown key \"frobnicate\" in a source (expected one of: name, format, persons, contracts, assignments, delimiter, encoding, date_format, fields, extra, guard)");
}

static void
unknown_guard_key_suggests_the_near_one(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    guard:\n      max_remove: 5\n");
	tl_assert_contains(msg, "roster.yaml:5:7: unknown key \"max_remove\" in guard (did you mean \"max_removed\"?)");
}

static void
a_list_where_a_value_is_expected_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: [a.db, b.db]\n" MIN_SOURCE);
	tl_assert_contains(msg, "roster.yaml:1:9: vault: expected a value, found a list");
	msg = load_err(fx, MIN_SOURCE "    encoding:\n      - utf-8\n");
	tl_assert_contains(msg, "roster.yaml:5:9: encoding: expected a value, found a list");
}

static void
a_mapping_where_a_value_is_expected_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  - name: {first: hr}\n    persons: p.csv\n");
	tl_assert_contains(msg, "roster.yaml:2:12: name: expected a value, found a mapping");
	msg = load_err(fx, MIN_SOURCE "    fields:\n      employee_id: {csv: Nr}\n");
	tl_assert_contains(msg, "roster.yaml:5:21: employee_id: expected a value, found a mapping");
}

static void
wrong_kinds_of_sections_are_errors(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  name: hr\n");
	tl_assert_contains(msg, "roster.yaml:2:3: sources: expected a list of sources, found a mapping");
	msg = load_err(fx, "sources:\n  - hr\n");
	tl_assert_contains(msg, "roster.yaml:2:5: sources[0]: expected a mapping with name, format, persons");
	msg = load_err(fx, MIN_SOURCE "    fields: [employee_id]\n");
	tl_assert_contains(msg,
			   "roster.yaml:4:14: fields: expected a mapping of canonical field to column, found a list");
	msg = load_err(fx, MIN_SOURCE "    extra: badge\n");
	tl_assert_contains(msg, "roster.yaml:4:12: extra: expected a mapping of name to column, found a value");
	msg = load_err(fx, MIN_SOURCE "    guard: 10%\n");
	tl_assert_contains(msg,
			   "roster.yaml:4:12: guard: expected a mapping such as {max_removed: 10%}, found a value");
	msg = load_err(fx, "- a\n- b\n");
	tl_assert_contains(
		msg, "roster.yaml:1:3: expected a mapping with vault, timezone and sources at the top, found a list");
}

static void
bad_delimiter_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    delimiter: \"::\"\n");
	tl_assert_contains(
		msg,
		"roster.yaml:4:17: delimiter: \"::\" is not a delimiter (expected auto, \",\", \";\", \"\\t\" or \"|\")");
	msg = load_err(fx, MIN_SOURCE "    delimiter: x\n");
	tl_assert_contains(msg, "delimiter: \"x\" is not a delimiter");
}

static void
bad_encoding_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    encoding: utf-16\n");
	tl_assert_contains(
		msg,
		"roster.yaml:4:15: encoding: \"utf-16\" is not a supported encoding (expected utf-8, windows-1252 or iso-8859-1)");
}

static void
bad_format_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    format: xml\n");
	tl_assert_contains(msg, "roster.yaml:4:13: format: \"xml\" is not a source format (expected csv or json)");
}

static void
date_format_without_a_conversion_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    date_format: dd-mm-yyyy\n");
	tl_assert_contains(
		msg,
		"roster.yaml:4:18: date_format: \"dd-mm-yyyy\" is not a date format (expected auto or a strptime format such as %d.%m.%Y)");
}

static void
bad_limit_is_an_error(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = { "ten", "10 %", "150%", "-1", "5x", "99999999999999999999" };
	char yaml[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *msg;

		snprintf(yaml, sizeof(yaml), MIN_SOURCE "    guard:\n      max_removed: %s\n", bad[i]);
		msg = load_err(fx, yaml);
		tl_assert_contains(msg, "roster.yaml:5:20: guard.max_removed: \"");
		tl_assert_contains(msg, "\" is not a limit (expected a count such as 25 or a percentage such as 10%)");
	}
	/* A quoted value is placed at its first character, inside the quotes. */
	tl_assert_contains(load_err(fx, MIN_SOURCE "    guard:\n      max_removed: \"\"\n"),
			   "roster.yaml:5:21: guard.max_removed: \"\" is not a limit");
}

static void
duplicate_source_names_are_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  - name: hr\n    persons: p.csv\n  - name: hr\n    persons: q.csv\n");
	tl_assert_contains(
		msg,
		"roster.yaml:4:5: sources: the name \"hr\" is used twice (expected each source to have its own name)");
}

static void
an_empty_sources_list_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: r.db\nsources: []\n");
	tl_assert_contains(msg, "sources: the list is empty (expected at least one source)");
}

static void
missing_sources_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: r.db\n");
	tl_assert_contains(msg, "roster.yaml: missing key \"sources\" (expected a list with at least one source)");
}

static void
a_source_without_a_name_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  - persons: p.csv\n");
	tl_assert_contains(msg, "roster.yaml:2:5: sources[0]: missing key \"name\" (expected a short name such as hr)");
	msg = load_err(fx, MIN_SOURCE "  - format: csv\n    persons: q.csv\n");
	tl_assert_contains(msg, "roster.yaml:4:5: sources[1]: missing key \"name\"");
}

static void
a_source_without_persons_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  - name: hr\n    contracts: c.csv\n");
	tl_assert_contains(
		msg, "roster.yaml:2:5: source \"hr\": missing key \"persons\" (expected the path of the persons file)");
}

static void
an_unusable_source_name_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  - name: \"h r\"\n    persons: p.csv\n");
	tl_assert_contains(
		msg, "roster.yaml:2:12: name: \"h r\" is not a usable source name (expected a short word such as hr)");
	msg = load_err(fx, "sources:\n  - name: a/b\n    persons: p.csv\n");
	tl_assert_contains(msg, "name: \"a/b\" is not a usable source name");
	msg = load_err(fx, "sources:\n  - name: \"\"\n    persons: p.csv\n");
	tl_assert_contains(msg, "name: \"\" is not a usable source name");
}

static void
a_json_source_with_a_contracts_file_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  - name: api\n    format: json\n    persons: p.json\n    contracts: c.json\n");
	tl_assert_contains(
		msg,
		"roster.yaml:2:5: source \"api\": a json source nests contracts and assignments in each person; remove the contracts and assignments keys");
	msg = load_err(fx, "sources:\n  - name: api\n    assignments: a.json\n    persons: p.json\n    format: json\n");
	tl_assert_contains(msg, "source \"api\": a json source nests contracts and assignments");
}

static void
an_unknown_timezone_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "timezone: Mars/Olympus_Mons\n" MIN_SOURCE);
	tl_assert_contains(
		msg,
		"roster.yaml:1:11: timezone: \"Mars/Olympus_Mons\" is not a known time zone (expected a name such as Europe/Amsterdam)");
}

static void
an_empty_vault_path_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: \"\"\n" MIN_SOURCE);
	tl_assert_contains(msg, "roster.yaml:1:9: vault: the path is empty (expected a file such as var/roster.db)");
}

static void
unknown_field_suggests_the_near_canonical_one(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    fields:\n      given_nme: Roepnaam\n");
	tl_assert_contains(
		msg,
		"roster.yaml:5:7: fields: unknown field \"given_nme\" (did you mean \"given_name\"?; other columns go under extra:)");
	msg = load_err(fx, MIN_SOURCE "    fields:\n      department: Afdeling\n");
	tl_assert_contains(msg, "fields: unknown field \"department\"");
	msg = load_err(fx, MIN_SOURCE "    fields:\n      shoe_size: Maat\n");
	tl_assert_contains(
		msg,
		"roster.yaml:5:7: fields: unknown field \"shoe_size\" (expected a canonical field such as employee_id, given_name, department.code; other columns go under extra:)");
}

static void
a_field_with_an_empty_column_or_list_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    fields:\n      phone: \"\"\n");
	tl_assert_contains(msg, "roster.yaml:5:15: fields.phone: the column name is empty");
	msg = load_err(fx, MIN_SOURCE "    fields:\n      phone: [Telefoon, \"\"]\n");
	tl_assert_contains(msg, "roster.yaml:5:26: fields.phone: the column name is empty");
	msg = load_err(fx, MIN_SOURCE "    fields:\n      phone: []\n");
	tl_assert_contains(msg, "fields.phone: the list is empty (expected a column name)");
}

static void
a_field_alternative_that_is_not_a_value_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    fields:\n      phone: [[a, b]]\n");
	tl_assert_contains(msg, "roster.yaml:5:16: phone: expected a value, found a list");
}

static void
a_key_given_twice_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    fields:\n      phone: A\n      phone: B\n");
	tl_assert_contains(msg, "duplicate key");
}

static void
an_extra_with_a_canonical_name_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, MIN_SOURCE "    extra:\n      phone: Mobiel\n");
	tl_assert_contains(msg, "roster.yaml:5:7: extra: \"phone\" is a canonical field; map it under fields: instead");
	msg = load_err(fx, MIN_SOURCE "    extra:\n      department.code: Afd\n");
	tl_assert_contains(msg, "extra: \"department.code\" is not a usable name");
}

static void
an_extra_with_an_unusable_name_is_an_error(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = { "Badge", "badge nr", "badge-nr", "1badge", "b\xC3\xA9" };
	char yaml[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *msg;

		snprintf(yaml, sizeof(yaml), MIN_SOURCE "    extra:\n      %s: Pas\n", bad[i]);
		msg = load_err(fx, yaml);
		tl_assert_contains(msg, "roster.yaml:5:7: extra: \"");
		tl_assert_contains(
			msg,
			"\" is not a usable name (expected lowercase letters, digits and _, such as badge_number)");
	}
	tl_assert_contains(load_err(fx, MIN_SOURCE "    extra:\n      \"\": Pas\n"),
			   "roster.yaml:5:8: extra: \"\" is not a usable name");
}

static void
a_yaml_syntax_error_is_reported(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  - name: hr\n    persons: [p.csv\n");
	tl_assert_contains(msg, "roster.yaml:");
}

/* libfyaml's collected diagnostics count from 1 already (node marks count from 0). */
static void
yaml_syntax_error_names_the_right_line_and_column(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	/* "phone" of the second key is on line 6, column 7. */
	msg = load_err(fx, MIN_SOURCE "    fields:\n      phone: A\n      phone: B\n");
	tl_assert_contains(msg, "roster.yaml:6:7: duplicate key");
}

static void
a_missing_file_is_an_error(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	char path[768];

	snprintf(path, sizeof(path), "%s/nope.yaml", fx->dir);
	err_init(&fx->e);
	assert_int_equal(config_load(&cfg, path, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_CONFIG);
	tl_assert_contains(fx->e.msg, "nope.yaml: cannot open the configuration: No such file or directory");
}

/* An empty file (or one of comments) builds no document at all; it is still called empty. */
static void
an_empty_file_says_it_is_empty(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "");
	tl_assert_contains(msg, "the file is empty (expected vault, timezone and sources)");
	msg = load_err(fx, "# nothing yet\n");
	tl_assert_contains(msg, "the file is empty");
}

static void
an_empty_file_path_is_an_error(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "sources:\n  - name: hr\n    persons:\n");
	tl_assert_contains(msg, "persons: the path is empty (expected a file such as hr/persons.csv)");
	msg = load_err(fx, "sources:\n  - name: hr\n    persons: \"\"\n");
	tl_assert_contains(msg, "roster.yaml:3:15: persons: the path is empty");
	msg = load_err(fx, MIN_SOURCE "    contracts: ''\n");
	tl_assert_contains(msg,
			   "roster.yaml:4:17: contracts: the path is empty (expected a file such as hr/contracts.csv)");
}

/* 1 when msg has "roster.yaml:LINE:COL: ". */
static int
has_line_col(const char *msg)
{
	const char *p = strstr(msg, "roster.yaml:");
	int line = 0, col = 0, n = 0;

	return p && sscanf(p, "roster.yaml:%d:%d: %n", &line, &col, &n) == 2 && n > 0 && line > 0 && col > 0;
}

/* An empty list or mapping has no mark of its own: the error stands at the key nearest to it. */
static void
an_empty_list_or_mapping_error_still_names_line_and_column(void **state)
{
	struct fixture *fx = *state;
	const char *msg;

	msg = load_err(fx, "vault: r.db\nsources: []\n");
	tl_assert_contains(msg, "roster.yaml:2:1: sources: the list is empty");
	msg = load_err(fx, "sources:\n  - {}\n");
	tl_assert_contains(msg, "sources[0]: missing key \"name\"");
	if (!has_line_col(msg))
		fail_msg("no line:column in \"%s\"", msg);
	msg = load_err(fx, "vault:\n" MIN_SOURCE);
	tl_assert_contains(msg, "vault: the path is empty");
	if (!has_line_col(msg))
		fail_msg("no line:column in \"%s\"", msg);
}

/* --- limits --- */

static void
limit_of_a_percentage_is_rounded_down(void **state)
{
	struct cfg_limit ten = { 10, 1, { 0, 0 } };

	(void)state;
	assert_int_equal(cfg_limit_of(&ten, 100), 10);
	assert_int_equal(cfg_limit_of(&ten, 95), 9);
	assert_int_equal(cfg_limit_of(&ten, 9), 0);
	assert_int_equal(cfg_limit_of(&ten, 0), 0);
	assert_int_equal(cfg_limit_of(&ten, 500000), 50000);
}

static void
limit_of_a_count_ignores_the_total(void **state)
{
	struct cfg_limit count = { 25, 0, { 0, 0 } };

	(void)state;
	assert_int_equal(cfg_limit_of(&count, 0), 25);
	assert_int_equal(cfg_limit_of(&count, 10), 25);
	assert_int_equal(cfg_limit_of(&count, 1000000), 25);
}

static void
limit_format_writes_the_value_as_configured(void **state)
{
	struct cfg_limit ten = { 10, 1, { 0, 0 } }, count = { 25, 0, { 0, 0 } };
	char out[32];

	(void)state;
	cfg_limit_format(&ten, out, sizeof(out));
	assert_string_equal(out, "10%");
	cfg_limit_format(&count, out, sizeof(out));
	assert_string_equal(out, "25");
	cfg_limit_format(&ten, out, 3);
	assert_string_equal(out, "10");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static void
a_target_without_lifecycle_or_guard_gets_the_defaults(void **state)
{
	struct fixture *fx = *state;
	const struct cfg_target *t;

	load_ok(fx, MIN_SOURCE "targets:\n  - name: directory\n    connector: csv\n");
	t = config_target(&fx->cfg, "directory");
	assert_non_null(t);
	assert_int_equal(t->lifecycle.create_before, 14);
	assert_int_equal(t->lifecycle.enable_before, 0);
	assert_int_equal(t->lifecycle.disable_after, 0);
	assert_int_equal(t->lifecycle.delete_after, 90);
	assert_int_equal(t->lifecycle.bridge_gap, 7);
	assert_int_equal(t->max_disable.value, 10);
	assert_true(t->max_disable.percent);
	assert_int_equal(t->max_revoke.value, 20);
	assert_null(config_target(&fx->cfg, "elsewhere"));
}

static void
attributes_keep_their_form_flags_and_text_positions(void **state)
{
	struct fixture *fx = *state;
	const struct cfg_target *t;
	const struct cfg_rule *r;

	load_ok(fx, MIN_SOURCE
		"targets:\n"
		"  - name: d\n"
		"    connector: ldap\n"
		"    attributes:\n"
		"      cn: \"{display_name}\"\n"
		"      uid: {unique: [\"{a}\", \"{b}\"], iterate: \"{a}{n}\", update: false, max_length: 20}\n"
		"      manager: {ref: manager, attribute: dn}\n"
		"      mail: {template: \"{account.uid}@x\", send: false}\n"
		"rules:\n"
		"  - name: r\n"
		"    when: 'contract.type != \"external\"'\n"
		"    grant: [{target: d, account: true}, {target: d, group: \"g-{x}\"}]\n");
	t = config_target(&fx->cfg, "d");
	assert_int_equal(t->nattrs, 4);
	assert_int_equal(t->attrs[0].kind, ATTR_TEMPLATE);
	assert_string_equal(t->attrs[0].template.text, "{display_name}");
	assert_int_equal(t->attrs[0].template.pos.line, 8);
	assert_int_equal(t->attrs[0].template.pos.col, 12);
	assert_true(t->attrs[0].template.exact);
	assert_int_equal(t->attrs[1].kind, ATTR_UNIQUE);
	assert_int_equal(t->attrs[1].nunique, 2);
	assert_string_equal(t->attrs[1].iterate.text, "{a}{n}");
	assert_false(t->attrs[1].update);
	assert_int_equal(t->attrs[1].max_length, 20);
	assert_int_equal(t->attrs[2].kind, ATTR_REF);
	assert_string_equal(t->attrs[2].ref_attribute, "dn");
	assert_false(t->attrs[3].send);
	assert_true(t->attrs[3].update);
	assert_int_equal(fx->cfg.nrules, 1);
	r = &fx->cfg.rules[0];
	assert_string_equal(r->when.text, "contract.type != \"external\"");
	assert_int_equal(r->when.pos.line, 14);
	assert_int_equal(r->when.pos.col, 12);
	assert_int_equal(r->ngrants, 2);
	assert_true(r->grants[0].account);
	assert_string_equal(r->grants[1].group.text, "g-{x}");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_example_configuration_loads_with_every_value),
		T(a_minimal_file_gets_the_defaults),
		T(relative_paths_are_relative_to_the_folder_of_the_config),
		T(absolute_paths_are_kept),
		T(every_delimiter_spelling_is_understood),
		T(encoding_names_are_matched_loosely),
		T(a_strptime_date_format_is_kept_and_auto_is_null),
		T(a_json_source_loads),
		T(several_sources_are_found_by_name),
		T(fields_given_as_a_list_are_alternatives_in_order),
		T(an_empty_fields_map_still_counts_as_given),
		T(extras_keep_their_name_column_and_place),
		T(limits_accept_counts_and_percentages),
		T(env_reference_is_replaced_by_the_variable),
		T(env_reference_to_an_unset_variable_is_an_error),
		T(file_reference_is_replaced_by_the_file_without_its_final_newline),
		T(file_reference_to_a_missing_file_is_an_error),
		T(doubled_dollar_is_a_literal_reference),
		T(unknown_reference_kind_is_an_error),
		T(unterminated_reference_is_an_error),
		T(unknown_top_level_key_suggests_the_near_one),
		T(unknown_top_level_key_without_a_near_one_lists_the_allowed),
		T(unknown_source_key_suggests_the_near_one),
		T(unknown_guard_key_suggests_the_near_one),
		T(a_list_where_a_value_is_expected_is_an_error),
		T(a_mapping_where_a_value_is_expected_is_an_error),
		T(wrong_kinds_of_sections_are_errors),
		T(bad_delimiter_is_an_error),
		T(bad_encoding_is_an_error),
		T(bad_format_is_an_error),
		T(date_format_without_a_conversion_is_an_error),
		T(bad_limit_is_an_error),
		T(duplicate_source_names_are_an_error),
		T(an_empty_sources_list_is_an_error),
		T(missing_sources_is_an_error),
		T(a_source_without_a_name_is_an_error),
		T(a_source_without_persons_is_an_error),
		T(an_unusable_source_name_is_an_error),
		T(a_json_source_with_a_contracts_file_is_an_error),
		T(an_unknown_timezone_is_an_error),
		T(an_empty_vault_path_is_an_error),
		T(unknown_field_suggests_the_near_canonical_one),
		T(a_field_with_an_empty_column_or_list_is_an_error),
		T(a_field_alternative_that_is_not_a_value_is_an_error),
		T(a_key_given_twice_is_an_error),
		T(an_extra_with_a_canonical_name_is_an_error),
		T(an_extra_with_an_unusable_name_is_an_error),
		T(a_yaml_syntax_error_is_reported),
		T(a_missing_file_is_an_error),
		cmocka_unit_test(limit_of_a_percentage_is_rounded_down),
		cmocka_unit_test(limit_of_a_count_ignores_the_total),
		cmocka_unit_test(limit_format_writes_the_value_as_configured),
		T(yaml_syntax_error_names_the_right_line_and_column),
		T(an_empty_file_says_it_is_empty),
		T(an_empty_file_path_is_an_error),
		T(an_empty_list_or_mapping_error_still_names_line_and_column),
		T(a_target_without_lifecycle_or_guard_gets_the_defaults),
		T(attributes_keep_their_form_flags_and_text_positions),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
