/*
 * JSON sources: an array of persons (or {"persons": [...]}), each with its
 * fields, a "contracts" array and an "assignments" array. Keys are the
 * canonical names unless the fields map names others; a dotted name such as
 * department.code is looked up as written, then as a path of nested objects.
 * jansson gives line and column for syntax errors; problems with values name
 * their path, such as persons[12].contracts[0].end_date.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* The value at key, trying it whole and then as a dotted path. */
static json_t *
lookup(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	char *copy, *part, *dot;

	if (v || !strchr(key, '.'))
		return v;
	copy = xstrdup(key);
	part = copy;
	v = obj;
	while (v && part) {
		dot = strchr(part, '.');
		if (dot)
			*dot = '\0';
		v = json_is_object(v) ? json_object_get(v, part) : NULL;
		part = dot ? dot + 1 : NULL;
	}
	free(copy);
	return v;
}

static json_t *
field_value(const struct source_cfg *cfg, json_t *obj, const char *name)
{
	const struct cfg_field *cf = source_cfg_field(cfg, name);

	if (!cf)
		return cfg->fields_given ? NULL : lookup(obj, name);
	for (size_t i = 0; i < cf->ncolumns; i++) {
		json_t *v = lookup(obj, cf->columns[i]);

		if (v)
			return v;
	}
	return NULL;
}

/* A JSON scalar as text (malloc'd); NULL for objects and arrays. */
static char *
scalar_text(json_t *v)
{
	char tmp[64];

	if (!v || json_is_null(v))
		return xstrdup("");
	if (json_is_string(v))
		return xstrndup(json_string_value(v), json_string_length(v));
	if (json_is_integer(v)) {
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return xstrdup(tmp);
	}
	if (json_is_real(v)) {
		snprintf(tmp, sizeof(tmp), "%.15g", json_real_value(v));
		return xstrdup(tmp);
	}
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return NULL;
}

struct jctx {
	const struct source_cfg *cfg;
	struct snapshot *s;
	struct problems *ps;
	const char *file;
};

static int
read_fields(struct jctx *jc, enum entity ent, json_t *obj, const char *path, const char **f, const char **x,
	    const char *key)
{
	size_t first = ent == ENT_PERSON ? 0 : ent == ENT_CONTRACT ? P_NFIELDS : P_NFIELDS + C_NFIELDS;
	int nf = snapshot_entity_nfields(ent), bad = 0;
	char msg[256], where[512];

	for (int i = 0; i < nf; i++) {
		const struct field_def *d = &snapshot_fields[first + (size_t)i];
		json_t *v = field_value(jc->cfg, obj, d->name);
		char *text = scalar_text(v);

		f[i] = "";
		snprintf(where, sizeof(where), "field \"%s.%s\"", path, d->name);
		if (!text) {
			problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, NULL, ent, key,
				     "expected text or a number, found %s",
				     json_is_object(v) ? "an object" : "an array");
			bad = 1;
			continue;
		}
		if (source_normalize(jc->s, jc->cfg, d, text, strlen(text), &f[i], msg, sizeof(msg)) < 0) {
			problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, text, ent, key, "%s", msg);
			bad = 1;
		} else if (d->required && !*f[i] && !(ent != ENT_PERSON && !strcmp(d->name, "employee_id"))) {
			problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, "", ent, key,
				     "%s is required and empty", d->name);
			bad = 1;
		}
		free(text);
	}
	for (size_t k = 0; k < jc->s->nextra[ent]; k++) {
		const char *name = jc->s->extra_names[ent][k];
		const char *col = name;
		char *text;

		for (size_t j = 0; j < jc->cfg->nextras; j++)
			if (!strcmp(jc->cfg->extras[j].name, name))
				col = jc->cfg->extras[j].column;
		text = scalar_text(lookup(obj, col));
		x[k] = "";
		if (!text || source_normalize(jc->s, jc->cfg, NULL, text, strlen(text), &x[k], msg, sizeof(msg)) < 0) {
			snprintf(where, sizeof(where), "field \"%s.%s\"", path, col);
			problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, text, ent, key,
				     "expected text or a number");
			bad = 1;
		}
		free(text);
	}
	return bad ? -1 : 0;
}

static const char **
extras(struct jctx *jc, enum entity ent)
{
	const char **x = NULL;

	if (jc->s->nextra[ent]) {
		x = arena_alloc(&jc->s->arena, jc->s->nextra[ent] * sizeof(*x));
		for (size_t i = 0; i < jc->s->nextra[ent]; i++)
			x[i] = "";
	}
	return x;
}

static int
dates(struct jctx *jc, const char *path, const char *start, const char *end, civil_day *ds, civil_day *de,
      enum entity ent, const char *key)
{
	char where[512];

	if (source_period(start, end, ds, de) < 0) {
		snprintf(where, sizeof(where), "field \"%s.end_date\"", path);
		problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, end, ent, key,
			     "the end date is before the start date \"%s\"", start);
		return -1;
	}
	return 0;
}

static void
read_person(struct jctx *jc, json_t *obj, size_t idx)
{
	const char *pf[P_NFIELDS], **px = extras(jc, ENT_PERSON);
	char path[64], sub[128], where[256];
	json_t *arr, *item;
	struct person *p;
	char *key;
	size_t i;
	int bad;

	snprintf(path, sizeof(path), "persons[%zu]", idx);
	if (!json_is_object(obj)) {
		snprintf(where, sizeof(where), "field \"%s\"", path);
		problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, NULL, ENT_PERSON, NULL,
			     "expected an object with the person's fields");
		return;
	}
	/* The raw key names the record in problems, so --skip-invalid can keep what was known of it. */
	key = scalar_text(field_value(jc->cfg, obj, "employee_id"));
	bad = read_fields(jc, ENT_PERSON, obj, path, pf, px, key) < 0;
	free(key);
	if (bad)
		return;
	p = snapshot_add_person(jc->s);
	memcpy(p->f, pf, sizeof(pf));
	if (px)
		p->extra = px;
	p->at.file = jc->file;
	p->at.path = arena_strdup(&jc->s->arena, path);
	arr = json_object_get(obj, "contracts");
	if (arr && !json_is_array(arr)) {
		snprintf(where, sizeof(where), "field \"%s.contracts\"", path);
		problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, NULL, ENT_CONTRACT, NULL,
			     "expected an array of contracts");
	}
	json_array_foreach(arr, i, item)
	{
		const char *cf[C_NFIELDS], **cx = extras(jc, ENT_CONTRACT);
		struct contract *c;
		civil_day ds, de;

		snprintf(sub, sizeof(sub), "%s.contracts[%zu]", path, i);
		if (!json_is_object(item)) {
			snprintf(where, sizeof(where), "field \"%s\"", sub);
			problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, NULL, ENT_CONTRACT, NULL,
				     "expected an object with the contract's fields");
			continue;
		}
		key = scalar_text(field_value(jc->cfg, item, "contract_id"));
		bad = read_fields(jc, ENT_CONTRACT, item, sub, cf, cx, key) < 0;
		free(key);
		if (bad)
			continue;
		if (*cf[C_EMPLOYEE_ID] && strcmp(cf[C_EMPLOYEE_ID], pf[P_EMPLOYEE_ID])) {
			snprintf(where, sizeof(where), "field \"%s.employee_id\"", sub);
			problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, cf[C_EMPLOYEE_ID], ENT_CONTRACT,
				     cf[C_CONTRACT_ID], "differs from the person's employee_id \"%s\"",
				     pf[P_EMPLOYEE_ID]);
			continue;
		}
		cf[C_EMPLOYEE_ID] = pf[P_EMPLOYEE_ID];
		if (dates(jc, sub, cf[C_START_DATE], cf[C_END_DATE], &ds, &de, ENT_CONTRACT, cf[C_CONTRACT_ID]) < 0)
			continue;
		c = snapshot_add_contract(jc->s);
		memcpy(c->f, cf, sizeof(cf));
		if (cx)
			c->extra = cx;
		c->start = ds;
		c->end = de;
		c->fte = *c->f[C_FTE] ? strtod(c->f[C_FTE], NULL) : 0;
		c->at.file = jc->file;
		c->at.path = arena_strdup(&jc->s->arena, sub);
		if (!*c->f[C_CONTRACT_ID]) {
			struct buf b = BUF_INIT;

			buf_addf(&b, "%s/%s", c->f[C_EMPLOYEE_ID], c->f[C_START_DATE]);
			c->f[C_CONTRACT_ID] = arena_strdup(&jc->s->arena, b.s);
			buf_release(&b);
		}
	}
	arr = json_object_get(obj, "assignments");
	if (arr && !json_is_array(arr)) {
		snprintf(where, sizeof(where), "field \"%s.assignments\"", path);
		problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, NULL, ENT_ASSIGNMENT, NULL,
			     "expected an array of assignments");
	}
	json_array_foreach(arr, i, item)
	{
		const char *af[A_NFIELDS], **ax = extras(jc, ENT_ASSIGNMENT);
		struct assignment *a;
		civil_day ds, de;

		snprintf(sub, sizeof(sub), "%s.assignments[%zu]", path, i);
		if (!json_is_object(item)) {
			snprintf(where, sizeof(where), "field \"%s\"", sub);
			problems_add(jc->ps, PROBLEM_ERROR, jc->file, 0, where, NULL, ENT_ASSIGNMENT, NULL,
				     "expected an object with the assignment's fields");
			continue;
		}
		if (read_fields(jc, ENT_ASSIGNMENT, item, sub, af, ax, NULL) < 0)
			continue;
		af[A_EMPLOYEE_ID] = pf[P_EMPLOYEE_ID];
		if (dates(jc, sub, af[A_START_DATE], af[A_END_DATE], &ds, &de, ENT_ASSIGNMENT, NULL) < 0)
			continue;
		a = snapshot_add_assignment(jc->s);
		memcpy(a->f, af, sizeof(af));
		if (ax)
			a->extra = ax;
		a->start = ds;
		a->end = de;
		a->at.file = jc->file;
		a->at.path = arena_strdup(&jc->s->arena, sub);
	}
}

/* Which entity an extra belongs to: the first level of any person where its key appears. */
static enum entity
extra_entity(json_t *persons, const char *col)
{
	size_t i, j;
	json_t *p, *c;

	json_array_foreach(persons, i, p)
	{
		if (!json_is_object(p))
			continue;
		if (lookup(p, col))
			return ENT_PERSON;
		json_array_foreach(json_object_get(p, "contracts"), j,
				   c) if (json_is_object(c) && lookup(c, col)) return ENT_CONTRACT;
		json_array_foreach(json_object_get(p, "assignments"), j,
				   c) if (json_is_object(c) && lookup(c, col)) return ENT_ASSIGNMENT;
	}
	return ENT_PERSON;
}

int
source_json_read(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps, struct err *e)
{
	json_error_t jerr;
	json_t *root = NULL, *persons, *item;
	const char *xnames[ENT_COUNT][64];
	size_t nx[ENT_COUNT] = { 0, 0, 0 }, len, i;
	char *data;
	struct jctx jc;
	int ret = -1;

	if (cfg->nextras > 64)
		return err_set(e, ERR_CONFIG, "source \"%s\": more than 64 extra columns", cfg->name);
	data = file_read(cfg->persons_path, SOURCE_FILE_MAX, &len, e);
	if (!data)
		return err_prefix(e, "source \"%s\"", cfg->name);
	/* A UTF-8 BOM is not JSON, but editors write one. */
	root = json_loadb(len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? data + 3 : data,
			  len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? len - 3 : len, JSON_REJECT_DUPLICATES, &jerr);
	free(data);
	if (!root) {
		err_set(e, ERR_INVALID, "%s:%d:%d: %s", cfg->persons, jerr.line, jerr.column, jerr.text);
		goto out;
	}
	persons = json_is_object(root) ? json_object_get(root, "persons") : root;
	if (!json_is_array(persons)) {
		err_set(e, ERR_INVALID, "%s: expected an array of persons (or an object with a \"persons\" array)",
			cfg->persons);
		goto out;
	}
	for (size_t k = 0; k < cfg->nextras; k++) {
		enum entity ent = extra_entity(persons, cfg->extras[k].column);

		xnames[ent][nx[ent]++] = cfg->extras[k].name;
	}
	for (int ent = 0; ent < ENT_COUNT; ent++)
		snapshot_set_extras(s, (enum entity)ent, xnames[ent], nx[ent]);
	jc.cfg = cfg;
	jc.s = s;
	jc.ps = ps;
	jc.file = cfg->persons;
	json_array_foreach(persons, i, item) read_person(&jc, item, i);
	ret = 0;
out:
	json_decref(root);
	return ret;
}
