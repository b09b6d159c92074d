#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "util/text.h"
#include "source_harness.h"
#include "util/banned.h"

/* examples/roster.yaml's fields: map; a second column is an alternative. */
static const char *const mapped_table[][3] = {
	{ "employee_id", "Personeelsnummer", NULL },
	{ "given_name", "Roepnaam", NULL },
	{ "initials", "Voorletters", NULL },
	{ "family_name_prefix", "Voorvoegsel", NULL },
	{ "family_name", "Achternaam", NULL },
	{ "partner_name_prefix", "Voorvoegsel partner", NULL },
	{ "partner_name", "Naam partner", NULL },
	{ "name_convention", "Naamgebruik", NULL },
	{ "email_private", "E-mail privé", NULL },
	{ "phone", "Telefoon", NULL },
	{ "manager_id", "Leidinggevende", NULL },
	{ "contract_id", "Contractnummer", NULL },
	{ "start_date", "Datum in dienst", "Begindatum" },
	{ "end_date", "Datum uit dienst", "Einddatum" },
	{ "department.code", "Afdelingscode", NULL },
	{ "department.name", "Afdeling", NULL },
	{ "title.code", "Functiecode", NULL },
	{ "title.name", "Functie", NULL },
	{ "cost_center", "Kostenplaats", NULL },
	{ "location", "Locatie", NULL },
	{ "fte", "FTE", NULL },
	{ "type", "Soort", NULL },
	{ "kind", "Soort", NULL },
	{ "value", "Waarde", NULL },
};
#define NMAPPED (sizeof(mapped_table) / sizeof(mapped_table[0]))

static const char *const extra_table[][2] = {
	{ "badge", "Pasnummer" },
	{ "room", "Kamer" },
};
#define NEXTRAS (sizeof(extra_table) / sizeof(extra_table[0]))

static struct cfg_field mapped[NMAPPED];
static struct cfg_extra extras[NEXTRAS];
static char source_name[] = "hr";

static _Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "source harness: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static char *
hs_strdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

static void
tables_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	for (size_t i = 0; i < NMAPPED; i++) {
		mapped[i].name = hs_strdup(mapped_table[i][0]);
		mapped[i].ncolumns = mapped_table[i][2] ? 2 : 1;
		mapped[i].columns = calloc(mapped[i].ncolumns, sizeof(char *));
		if (!mapped[i].columns)
			abort();
		for (size_t k = 0; k < mapped[i].ncolumns; k++)
			mapped[i].columns[k] = hs_strdup(mapped_table[i][1 + k]);
	}
	for (size_t i = 0; i < NEXTRAS; i++) {
		extras[i].name = hs_strdup(extra_table[i][0]);
		extras[i].column = hs_strdup(extra_table[i][1]);
	}
}

void
hs_cfg(struct source_cfg *cfg, enum source_format format, int flags)
{
	tables_init();
	memset(cfg, 0, sizeof(*cfg));
	cfg->name = source_name;
	cfg->format = format;
	cfg->encoding = ENC_UTF8;
	cfg->max_removed.value = 10;
	cfg->max_removed.percent = 1;
	if (flags & HS_MAPPED) {
		cfg->fields = mapped;
		cfg->nfields = NMAPPED;
		cfg->fields_given = 1;
	}
	if (flags & HS_EXTRAS) {
		cfg->extras = extras;
		cfg->nextras = NEXTRAS;
	}
}

static void
check_text(const char *what, size_t i, int field, const char *v)
{
	size_t bad;

	if (!v)
		fail("%s %zu: field %d is NULL (expected \"\" when empty)", what, i, field);
	if (text_utf8_check(v, strlen(v), &bad) < 0)
		fail("%s %zu: field %d is not valid UTF-8 at byte %zu", what, i, field, bad);
}

static void
check_extras(const struct snapshot *s, enum entity ent, const char **x, size_t i)
{
	for (size_t k = 0; k < s->nextra[ent]; k++) {
		if (!x)
			fail("%s %zu: no extras (expected %zu)", snapshot_entity_name(ent), i, s->nextra[ent]);
		check_text(snapshot_entity_name(ent), i, 100 + (int)k, x[k]);
	}
}

/* A date field and its day number agree: "" is DATE_NONE, else the same day. */
static void
check_date(const char *what, size_t i, const char *v, civil_day day)
{
	civil_day d;

	if (!*v) {
		if (day != DATE_NONE)
			fail("%s %zu: empty date but day %d", what, i, (int)day);
		return;
	}
	if (date_parse_iso(v, &d) < 0)
		fail("%s %zu: date \"%s\" is not YYYY-MM-DD", what, i, v);
	if (d != day)
		fail("%s %zu: date \"%s\" but day %d", what, i, v, (int)day);
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
check_snapshot(const struct snapshot *s)
{
	const char **ids;
	size_t idx;

	if (!s->indexed)
		fail("source_read succeeded but the snapshot is not indexed");
	for (size_t i = 0; i < s->npersons; i++) {
		const struct person *p = &s->persons[i];

		for (int f = 0; f < P_NFIELDS; f++)
			check_text("person", i, f, p->f[f]);
		check_extras(s, ENT_PERSON, p->extra, i);
		if (!*p->f[P_EMPLOYEE_ID] || !*p->f[P_FAMILY_NAME])
			fail("person %zu: a required field is empty", i);
		if (i && strcmp(s->persons[i - 1].f[P_EMPLOYEE_ID], p->f[P_EMPLOYEE_ID]) >= 0)
			fail("person %zu: employee_id \"%s\" is not after \"%s\" (a duplicate, or not sorted)", i,
			     p->f[P_EMPLOYEE_ID], s->persons[i - 1].f[P_EMPLOYEE_ID]);
		if (!snapshot_person_find(s, p->f[P_EMPLOYEE_ID], &idx) || idx != i)
			fail("person %zu: not found under its employee_id \"%s\"", i, p->f[P_EMPLOYEE_ID]);
		if (p->contract0 + p->ncontracts > s->ncontracts || p->assignment0 + p->nassignments > s->nassignments)
			fail("person %zu: contract or assignment range out of bounds", i);
		for (size_t k = 0; k < p->ncontracts; k++)
			if (strcmp(s->contracts[p->contract0 + k].f[C_EMPLOYEE_ID], p->f[P_EMPLOYEE_ID]))
				fail("person %zu: linked to a contract of someone else", i);
		for (size_t k = 0; k < p->nassignments; k++)
			if (strcmp(s->assignments[p->assignment0 + k].f[A_EMPLOYEE_ID], p->f[P_EMPLOYEE_ID]))
				fail("person %zu: linked to an assignment of someone else", i);
	}
	ids = calloc(s->ncontracts + 1, sizeof(*ids));
	if (!ids)
		abort();
	for (size_t i = 0; i < s->ncontracts; i++) {
		const struct contract *c = &s->contracts[i];

		for (int f = 0; f < C_NFIELDS; f++)
			check_text("contract", i, f, c->f[f]);
		check_extras(s, ENT_CONTRACT, c->extra, i);
		if (!*c->f[C_CONTRACT_ID] || !*c->f[C_EMPLOYEE_ID] || !*c->f[C_START_DATE])
			fail("contract %zu: contract_id, employee_id or start_date is empty", i);
		if (!snapshot_person_find(s, c->f[C_EMPLOYEE_ID], &idx))
			fail("contract %zu: employee_id \"%s\" is not a person of the snapshot", i,
			     c->f[C_EMPLOYEE_ID]);
		check_date("contract", i, c->f[C_START_DATE], c->start);
		check_date("contract", i, c->f[C_END_DATE], c->end);
		if (c->end != DATE_NONE && c->end < c->start)
			fail("contract %zu: ends before it starts", i);
		if (!isfinite(c->fte) || c->fte < 0)
			fail("contract %zu: fte %g", i, c->fte);
		/* source_normalize writes fte as "%.6g" would (its fast path must agree). */
		if (*c->f[C_FTE]) {
			char canon[64];

			snprintf(canon, sizeof(canon), "%.6g", strtod(c->f[C_FTE], NULL));
			if (strcmp(canon, c->f[C_FTE]))
				fail("contract %zu: fte \"%s\" is not written canonically (\"%%.6g\" gives \"%s\")", i,
				     c->f[C_FTE], canon);
		}
		ids[i] = c->f[C_CONTRACT_ID];
	}
	qsort(ids, s->ncontracts, sizeof(*ids), strp_cmp);
	for (size_t i = 1; i < s->ncontracts; i++)
		if (!strcmp(ids[i - 1], ids[i]))
			fail("contract_id \"%s\" is in the snapshot twice", ids[i]);
	free(ids);
	for (size_t i = 0; i < s->nassignments; i++) {
		const struct assignment *a = &s->assignments[i];

		for (int f = 0; f < A_NFIELDS; f++)
			check_text("assignment", i, f, a->f[f]);
		check_extras(s, ENT_ASSIGNMENT, a->extra, i);
		if (!*a->f[A_EMPLOYEE_ID] || !*a->f[A_KIND])
			fail("assignment %zu: employee_id or kind is empty", i);
		if (!snapshot_person_find(s, a->f[A_EMPLOYEE_ID], &idx))
			fail("assignment %zu: employee_id \"%s\" is not a person of the snapshot", i,
			     a->f[A_EMPLOYEE_ID]);
		check_date("assignment", i, a->f[A_START_DATE], a->start);
		check_date("assignment", i, a->f[A_END_DATE], a->end);
		if (a->start != DATE_NONE && a->end != DATE_NONE && a->end < a->start)
			fail("assignment %zu: ends before it starts", i);
		if (i && !assignment_cmp(&s->assignments[i - 1], a))
			fail("assignment %zu: the same as the one before", i);
	}
}

/* ROSTER_FUZZ_VERBOSE=1 prints what each input read to, to check that seeds get past the header. */
static int
verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("ROSTER_FUZZ_VERBOSE") != NULL;
	return v;
}

static void
check_problems(const struct problems *ps)
{
	size_t nerr = 0;

	for (size_t i = 0; i < ps->n; i++) {
		const struct problem *p = &ps->v[i];
		char *line;

		if (!p->file || !p->msg || !*p->msg)
			fail("problem %zu: no file or no message", i);
		nerr += p->level == PROBLEM_ERROR;
		line = problem_format(p);
		if (!line || !*line)
			fail("problem %zu: problem_format gave nothing", i);
		if (verbose())
			fprintf(stderr, "  %s\n", line);
		free(line);
	}
	if (nerr != ps->nerrors || ps->n - nerr != ps->nwarnings)
		fail("problems: the counts do not match the list");
}

void
hs_read_and_check(const struct source_cfg *cfg)
{
	struct snapshot s;
	struct problems ps;
	struct err e;

	snapshot_init(&s);
	problems_init(&ps);
	err_init(&e);
	if (source_read(cfg, &s, &ps, &e) == 0) {
		check_snapshot(&s);
		if (verbose())
			fprintf(stderr, "read: %zu persons, %zu contracts, %zu assignments, %zu errors, %zu warnings\n",
				s.npersons, s.ncontracts, s.nassignments, ps.nerrors, ps.nwarnings);
	} else {
		if (!e.msg[0] || e.class == ERR_NONE)
			fail("source_read failed without a message");
		if (verbose())
			fprintf(stderr, "failed: %s\n", e.msg);
	}
	check_problems(&ps);
	snapshot_release(&s);
	problems_release(&ps);
}
