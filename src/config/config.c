/*
 * The configuration is read in two steps: libfyaml builds the document (YAML
 * syntax errors come from its diagnostics, with line and column), then a walk
 * checks every key against what is allowed where it stands. Unknown keys are
 * errors, never ignored: a typo in a guard must not silently drop the guard.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "source/snapshot.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/file.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define SECRET_FILE_MAX (64 * 1024)
#define CONFIG_FILE_MAX (4 * 1024 * 1024)

struct walk {
	const char *file;
	const char *dir;
	struct err *e;
	struct cfg_pos near; /* the key being read: where an empty {} or [] stands, which has no mark of its own */
};

static struct cfg_pos
node_pos(struct fy_node *n)
{
	struct cfg_pos pos = { 0, 0 };
	struct fy_token *t = NULL;
	const struct fy_mark *m;

	if (!n)
		return pos;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: t = fy_node_get_scalar_token(n); break;
	case FYNT_MAPPING: {
		void *it = NULL;
		struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);

		return p ? node_pos(fy_node_pair_key(p)) : pos;
	}
	case FYNT_SEQUENCE: {
		void *it = NULL;

		return node_pos(fy_node_sequence_iterate(n, &it));
	}
	}
	if (t && (m = fy_token_start_mark(t))) {
		pos.line = m->line + 1;
		pos.col = m->column + 1;
	}
	return pos;
}

static int node_err(struct walk *w, struct fy_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
node_err(struct walk *w, struct fy_node *n, const char *fmt, ...)
{
	struct cfg_pos pos = node_pos(n);
	char msg[1536];
	va_list ap;

	if (!pos.line)
		pos = w->near;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pos.line)
		return err_set(w->e, ERR_CONFIG, "%s:%d:%d: %s", w->file, pos.line, pos.col, msg);
	return err_set(w->e, ERR_CONFIG, "%s: %s", w->file, msg);
}

static const char *
node_kind(struct fy_node *n)
{
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: return "a value";
	case FYNT_MAPPING: return "a mapping";
	default: return "a list";
	}
}

/*
 * Substitutes ${env:NAME} and ${file:PATH} (relative to the config's folder)
 * in a scalar; "$${" stands for a literal "${". Secrets never sit in the file.
 */
static int
expand(struct walk *w, struct fy_node *n, const char *key, const char *s, char **out)
{
	struct buf b = BUF_INIT;
	const char *p = s;

	while (*p) {
		const char *end;
		char *ref;

		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			buf_add(&b, "${", 2);
			p += 3;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			buf_addch(&b, *p++);
			continue;
		}
		end = strchr(p, '}');
		if (!end) {
			buf_release(&b);
			return node_err(w, n, "%s: unterminated \"${\" (expected ${env:NAME} or ${file:PATH})", key);
		}
		ref = xstrndup(p + 2, (size_t)(end - p - 2));
		if (!strncmp(ref, "env:", 4)) {
			const char *v = getenv(ref + 4);

			if (!v) {
				node_err(w, n, "%s: environment variable %s is not set", key, ref + 4);
				free(ref);
				buf_release(&b);
				return -1;
			}
			buf_adds(&b, v);
		} else if (!strncmp(ref, "file:", 5)) {
			char *path = file_join(w->dir, ref + 5), *data;
			size_t len;
			struct err fe;

			data = file_read(path, SECRET_FILE_MAX, &len, &fe);
			free(path);
			if (!data) {
				node_err(w, n, "%s: ${file:%s}: %s", key, ref + 5, fe.msg);
				free(ref);
				buf_release(&b);
				return -1;
			}
			/* A secret file usually ends with a newline that is not part of the secret. */
			while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
				len--;
			buf_add(&b, data, len);
			free(data);
		} else {
			node_err(w, n, "%s: unknown reference \"${%s}\" (expected ${env:NAME} or ${file:PATH})", key,
				 ref);
			free(ref);
			buf_release(&b);
			return -1;
		}
		free(ref);
		p = end + 1;
	}
	*out = buf_detach(&b);
	return 0;
}

/* The value of a scalar node, substituted; malloc'd into *out. */
static int
get_str(struct walk *w, struct fy_node *n, const char *key, char **out)
{
	const char *s;
	size_t len;
	char *raw;
	int ret;

	if (fy_node_get_type(n) != FYNT_SCALAR)
		return node_err(w, n, "%s: expected a value, found %s", key, node_kind(n));
	s = fy_node_get_scalar(n, &len);
	if (!s)
		return node_err(w, n, "%s: cannot read the value", key);
	if (memchr(s, '\0', len))
		return node_err(w, n, "%s: the value contains a NUL character", key);
	raw = xstrndup(s, len);
	ret = expand(w, n, key, raw, out);
	free(raw);
	return ret;
}

/* A key not in allowed: an error with a suggestion and the list of what is allowed. */
static int
unknown_key(struct walk *w, struct fy_node *kn, const char *where, const char *key, const char *const *allowed,
	    size_t n)
{
	const char *near = text_suggest(key, allowed, n);
	struct buf list = BUF_INIT;
	int ret;

	for (size_t i = 0; i < n; i++)
		buf_addf(&list, "%s%s", i ? ", " : "", allowed[i]);
	if (near)
		ret = node_err(w, kn, "unknown key \"%s\" in %s (did you mean \"%s\"?)", key, where, near);
	else
		ret = node_err(w, kn, "unknown key \"%s\" in %s (expected one of: %s)", key, where, buf_str(&list));
	buf_release(&list);
	return ret;
}

static int
key_index(const char *key, const char *const *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(key, allowed[i]))
			return (int)i;
	return -1;
}

static int
parse_limit(struct walk *w, struct fy_node *n, const char *key, struct cfg_limit *l)
{
	char *s = NULL, *end;
	long v;
	int ret = 0;

	if (get_str(w, n, key, &s) < 0)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	l->percent = 0;
	if (*end == '%') {
		l->percent = 1;
		end++;
	}
	if (end == s || *end || errno || v < 0 || (l->percent && v > 100))
		ret = node_err(w, n,
			       "%s: \"%s\" is not a limit (expected a count such as 25 or a percentage such as 10%%)",
			       key, s);
	l->value = v;
	l->pos = node_pos(n);
	free(s);
	return ret;
}

static int
parse_guard(struct walk *w, struct fy_node *n, struct source_cfg *src)
{
	static const char *const keys[] = { "max_removed" };
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(n) != FYNT_MAPPING)
		return node_err(w, n, "guard: expected a mapping such as {max_removed: 10%%}, found %s", node_kind(n));
	while ((p = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
		const char *k = fy_node_get_scalar0(kn);

		if (!k || key_index(k, keys, 1) < 0)
			return unknown_key(w, kn, "guard", k ? k : "?", keys, 1);
		if (parse_limit(w, vn, "guard.max_removed", &src->max_removed) < 0)
			return -1;
	}
	return 0;
}

/* The distinct canonical field names, in table order. */
static size_t
canonical_names(const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < snapshot_nfields; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (!strcmp(out[j], snapshot_fields[i].name))
				break;
		if (j == n)
			out[n++] = snapshot_fields[i].name;
	}
	return n;
}

static int
parse_fields(struct walk *w, struct fy_node *n, struct source_cfg *src)
{
	const char *names[64];
	size_t nnames = canonical_names(names);
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(n) != FYNT_MAPPING)
		return node_err(w, n, "fields: expected a mapping of canonical field to column, found %s",
				node_kind(n));
	src->fields_given = 1;
	while ((p = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
		const char *k = fy_node_get_scalar0(kn);
		struct cfg_field *f;
		struct fy_node *item;
		void *iit = NULL;

		if (!k || key_index(k, names, nnames) < 0) {
			const char *near = k ? text_suggest(k, names, nnames) : NULL;

			if (near)
				return node_err(
					w, kn,
					"fields: unknown field \"%s\" (did you mean \"%s\"?; other columns go under extra:)",
					k ? k : "?", near);
			return node_err(
				w, kn,
				"fields: unknown field \"%s\" (expected a canonical field such as employee_id, given_name, department.code; other columns go under extra:)",
				k ? k : "?");
		}
		if (source_cfg_field(src, k))
			return node_err(w, kn, "fields: \"%s\" is mapped twice", k);
		src->fields = xrealloc(src->fields, (src->nfields + 1) * sizeof(*src->fields));
		f = &src->fields[src->nfields++];
		memset(f, 0, sizeof(*f));
		f->name = xstrdup(k);
		f->pos = node_pos(kn);
		/* A list gives alternatives: files that name the same field differently. */
		if (fy_node_get_type(vn) == FYNT_SEQUENCE) {
			while ((item = fy_node_sequence_iterate(vn, &iit))) {
				char *col;

				if (get_str(w, item, k, &col) < 0)
					return -1;
				f->columns = xrealloc(f->columns, (f->ncolumns + 1) * sizeof(*f->columns));
				f->columns[f->ncolumns++] = col;
				if (!*col)
					return node_err(w, item, "fields.%s: the column name is empty", k);
			}
			if (!f->ncolumns)
				return node_err(w, vn, "fields.%s: the list is empty (expected a column name)", k);
		} else {
			char *col;

			if (get_str(w, vn, k, &col) < 0)
				return -1;
			f->columns = xmalloc(sizeof(*f->columns));
			f->columns[f->ncolumns++] = col;
			if (!*col)
				return node_err(w, vn, "fields.%s: the column name is empty", k);
		}
	}
	return 0;
}

static int
valid_name(const char *s)
{
	if (!*s || !(islower((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static int
parse_extras(struct walk *w, struct fy_node *n, struct source_cfg *src)
{
	const char *names[64];
	size_t nnames = canonical_names(names);
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(n) != FYNT_MAPPING)
		return node_err(w, n, "extra: expected a mapping of name to column, found %s", node_kind(n));
	while ((p = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
		const char *k = fy_node_get_scalar0(kn);
		struct cfg_extra *x;
		char *col;

		if (!k || !valid_name(k))
			return node_err(
				w, kn,
				"extra: \"%s\" is not a usable name (expected lowercase letters, digits and _, such as badge_number)",
				k ? k : "?");
		if (key_index(k, names, nnames) >= 0)
			return node_err(w, kn, "extra: \"%s\" is a canonical field; map it under fields: instead", k);
		if (get_str(w, vn, k, &col) < 0)
			return -1;
		src->extras = xrealloc(src->extras, (src->nextras + 1) * sizeof(*src->extras));
		x = &src->extras[src->nextras++];
		x->name = xstrdup(k);
		x->column = col;
		x->pos = node_pos(kn);
	}
	return 0;
}

static int
parse_source(struct walk *w, struct fy_node *n, struct source_cfg *src, size_t idx)
{
	static const char *const keys[] = { "name",	   "format",	"persons",  "contracts",
					    "assignments", "delimiter", "encoding", "date_format",
					    "fields",	   "extra",	"guard" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	struct fy_node_pair *p;
	void *it = NULL;
	char where[64];

	snprintf(where, sizeof(where), "sources[%zu]", idx);
	src->pos = node_pos(n);
	src->max_removed.value = 10;
	src->max_removed.percent = 1;
	if (fy_node_get_type(n) != FYNT_MAPPING)
		return node_err(w, n, "%s: expected a mapping with name, format, persons…, found %s", where,
				node_kind(n));
	while ((p = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
		const char *k = fy_node_get_scalar0(kn);
		char *v = NULL;
		int ki = k ? key_index(k, keys, nkeys) : -1;

		if (ki < 0)
			return unknown_key(w, kn, "a source", k ? k : "?", keys, nkeys);
		if (!strcmp(k, "fields")) {
			if (parse_fields(w, vn, src) < 0)
				return -1;
			continue;
		}
		if (!strcmp(k, "extra")) {
			if (parse_extras(w, vn, src) < 0)
				return -1;
			continue;
		}
		if (!strcmp(k, "guard")) {
			if (parse_guard(w, vn, src) < 0)
				return -1;
			continue;
		}
		if (get_str(w, vn, k, &v) < 0)
			return -1;
		if (!strcmp(k, "name")) {
			if (!*v || strchr(v, '/') || strchr(v, ' ')) {
				node_err(w, vn,
					 "name: \"%s\" is not a usable source name (expected a short word such as hr)",
					 v);
				free(v);
				return -1;
			}
			src->name = v;
		} else if (!strcmp(k, "format")) {
			if (!strcmp(v, "csv"))
				src->format = SOURCE_CSV;
			else if (!strcmp(v, "json"))
				src->format = SOURCE_JSON;
			else {
				node_err(w, vn, "format: \"%s\" is not a source format (expected csv or json)", v);
				free(v);
				return -1;
			}
			free(v);
		} else if (!strcmp(k, "persons") || !strcmp(k, "contracts") || !strcmp(k, "assignments")) {
			if (!*v) {
				node_err(w, vn, "%s: the path is empty (expected a file such as hr/%s.csv)", k, k);
				free(v);
				return -1;
			}
			if (!strcmp(k, "persons"))
				src->persons = v;
			else if (!strcmp(k, "contracts"))
				src->contracts = v;
			else
				src->assignments = v;
		} else if (!strcmp(k, "delimiter")) {
			if (!strcmp(v, "auto"))
				src->delimiter = 0;
			else if (!strcmp(v, "\\t") || !strcmp(v, "tab"))
				src->delimiter = '\t';
			else if (strlen(v) == 1 && strchr(",;\t|", v[0]))
				src->delimiter = v[0];
			else {
				node_err(
					w, vn,
					"delimiter: \"%s\" is not a delimiter (expected auto, \",\", \";\", \"\\t\" or \"|\")",
					v);
				free(v);
				return -1;
			}
			free(v);
		} else if (!strcmp(k, "encoding")) {
			char *f = text_fold_label(v);

			if (f && (!strcmp(f, "utf 8") || !strcmp(f, "utf8")))
				src->encoding = ENC_UTF8;
			else if (f && (!strcmp(f, "windows 1252") || !strcmp(f, "cp1252")))
				src->encoding = ENC_WINDOWS_1252;
			else if (f && (!strcmp(f, "iso 8859 1") || !strcmp(f, "latin1") || !strcmp(f, "latin 1")))
				src->encoding = ENC_ISO_8859_1;
			else {
				node_err(
					w, vn,
					"encoding: \"%s\" is not a supported encoding (expected utf-8, windows-1252 or iso-8859-1)",
					v);
				free(f);
				free(v);
				return -1;
			}
			free(f);
			free(v);
		} else if (!strcmp(k, "date_format")) {
			if (!strcmp(v, "auto")) {
				free(v);
			} else if (!strchr(v, '%')) {
				node_err(
					w, vn,
					"date_format: \"%s\" is not a date format (expected auto or a strptime format such as %%d.%%m.%%Y)",
					v);
				free(v);
				return -1;
			} else {
				src->date_format = v;
			}
		}
	}
	if (!src->name)
		return node_err(w, n, "%s: missing key \"name\" (expected a short name such as hr)", where);
	if (!src->persons)
		return node_err(w, n, "source \"%s\": missing key \"persons\" (expected the path of the persons file)",
				src->name);
	if (src->format == SOURCE_JSON && (src->contracts || src->assignments))
		return node_err(
			w, n,
			"source \"%s\": a json source nests contracts and assignments in each person; remove the contracts and assignments keys",
			src->name);
	src->persons_path = file_join(w->dir, src->persons);
	if (src->contracts)
		src->contracts_path = file_join(w->dir, src->contracts);
	if (src->assignments)
		src->assignments_path = file_join(w->dir, src->assignments);
	return 0;
}

static int
parse_sources(struct walk *w, struct fy_node *kn, struct fy_node *n, struct config *cfg)
{
	struct fy_node *item;
	void *it = NULL;

	if (fy_node_get_type(n) != FYNT_SEQUENCE)
		return node_err(w, n, "sources: expected a list of sources, found %s", node_kind(n));
	while ((item = fy_node_sequence_iterate(n, &it))) {
		struct source_cfg *src;

		cfg->sources = xrealloc(cfg->sources, (cfg->nsources + 1) * sizeof(*cfg->sources));
		src = &cfg->sources[cfg->nsources++];
		memset(src, 0, sizeof(*src));
		if (parse_source(w, item, src, cfg->nsources - 1) < 0)
			return -1;
		for (size_t i = 0; i + 1 < cfg->nsources; i++)
			if (!strcmp(cfg->sources[i].name, src->name))
				return node_err(
					w, item,
					"sources: the name \"%s\" is used twice (expected each source to have its own name)",
					src->name);
	}
	if (!cfg->nsources)
		return node_err(w, kn, "sources: the list is empty (expected at least one source)");
	return 0;
}

/* A scalar the rules stage compiles, with its position for carets. */
static int
get_text(struct walk *w, struct fy_node *n, const char *key, struct cfg_text *t)
{
	struct fy_token *tok;
	const struct fy_mark *sm, *em;

	if (get_str(w, n, key, &t->text) < 0)
		return -1;
	tok = fy_node_get_scalar_token(n);
	sm = tok ? fy_token_start_mark(tok) : NULL;
	em = tok ? fy_token_end_mark(tok) : NULL;
	/* libfyaml marks a scalar's value itself: past an opening quote, up to the closing one. */
	t->pos = node_pos(n);
	if (sm)
		t->pos.col = sm->column + 1;
	/* Offsets map onto columns only when the value is the source text itself, on one line. */
	t->exact = sm && em && sm->line == em->line && !strstr(t->text, "${") &&
		   (size_t)(em->input_pos - sm->input_pos) == strlen(t->text);
	return 0;
}

static int
get_bool(struct walk *w, struct fy_node *n, const char *key, int *out)
{
	char *v;
	int ret = 0;

	if (get_str(w, n, key, &v) < 0)
		return -1;
	if (!strcmp(v, "true"))
		*out = 1;
	else if (!strcmp(v, "false"))
		*out = 0;
	else
		ret = node_err(w, n, "%s: \"%s\" is not a boolean (expected true or false)", key, v);
	free(v);
	return ret;
}

static int
get_long(struct walk *w, struct fy_node *n, const char *key, long min, long max, long *out)
{
	char *v, *end;
	long x;
	int ret = 0;

	if (get_str(w, n, key, &v) < 0)
		return -1;
	errno = 0;
	x = strtol(v, &end, 10);
	if (end == v || *end || errno || x < min || x > max)
		ret = node_err(w, n, "%s: \"%s\" is not a whole number from %ld to %ld", key, v, min, max);
	else
		*out = x;
	free(v);
	return ret;
}

/* Checks that n is a mapping whose keys are all in allowed; what names the mapping in messages. */
static int
check_keys(struct walk *w, struct fy_node *n, const char *what, const char *const *allowed, size_t nallowed)
{
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(n) != FYNT_MAPPING)
		return node_err(w, n, "%s: expected a mapping, found %s", what, node_kind(n));
	while ((p = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *kn = fy_node_pair_key(p);
		const char *k = fy_node_get_scalar0(kn);

		if (!k || key_index(k, allowed, nallowed) < 0)
			return unknown_key(w, kn, what, k ? k : "?", allowed, nallowed);
	}
	return 0;
}

static struct fy_node *
map_get(struct fy_node *n, const char *key)
{
	return fy_node_mapping_lookup_by_string(n, key, FY_NT);
}

static const char *const connectors[] = { "csv", "ldap", "ad", "scim", "exec" };

static int
parse_attr(struct walk *w, struct fy_node *kn, struct fy_node *vn, struct cfg_target *t)
{
	static const char *const keys[] = { "template", "unique",    "iterate", "update",     "send",
					    "ref",	"attribute", "lua",	"max_length", "check_target" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	struct cfg_attr *a;
	struct fy_node *x;
	const char *name = fy_node_get_scalar0(kn);
	int forms = 0;
	char where[300];

	if (!name || !*name)
		return node_err(w, kn, "attributes: an attribute needs a name");
	for (size_t i = 0; i < t->nattrs; i++)
		if (!strcmp(t->attrs[i].name, name))
			return node_err(w, kn, "attributes: \"%s\" is mapped twice", name);
	t->attrs = xrealloc(t->attrs, (t->nattrs + 1) * sizeof(*t->attrs));
	a = &t->attrs[t->nattrs++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	a->pos = node_pos(kn);
	a->update = 1;
	a->send = 1;
	snprintf(where, sizeof(where), "attribute \"%s\"", name);
	if (fy_node_get_type(vn) == FYNT_SCALAR) {
		a->kind = ATTR_TEMPLATE;
		return get_text(w, vn, name, &a->template);
	}
	if (check_keys(w, vn, where, keys, nkeys) < 0)
		return -1;
	if ((x = map_get(vn, "template"))) {
		forms++;
		a->kind = ATTR_TEMPLATE;
		if (get_text(w, x, "template", &a->template) < 0)
			return -1;
	}
	if ((x = map_get(vn, "unique"))) {
		struct fy_node *item;
		void *it = NULL;

		forms++;
		a->kind = ATTR_UNIQUE;
		if (fy_node_get_type(x) != FYNT_SEQUENCE)
			return node_err(w, x, "%s: unique: expected a list of candidate templates, found %s", where,
					node_kind(x));
		while ((item = fy_node_sequence_iterate(x, &it))) {
			a->unique = xrealloc(a->unique, (a->nunique + 1) * sizeof(*a->unique));
			memset(&a->unique[a->nunique], 0, sizeof(*a->unique));
			if (get_text(w, item, "unique", &a->unique[a->nunique++]) < 0)
				return -1;
		}
		if (!a->nunique)
			return node_err(w, x, "%s: unique: the list is empty (expected at least one candidate)", where);
	}
	if ((x = map_get(vn, "ref"))) {
		forms++;
		a->kind = ATTR_REF;
		if (get_str(w, x, "ref", &a->ref) < 0)
			return -1;
		x = map_get(vn, "attribute");
		if (!x)
			return node_err(w, vn,
					"%s: ref needs attribute: (which attribute of the other person's account)",
					where);
		if (get_str(w, x, "attribute", &a->ref_attribute) < 0)
			return -1;
	} else if (map_get(vn, "attribute")) {
		return node_err(w, map_get(vn, "attribute"), "%s: attribute: only goes with ref:", where);
	}
	if ((x = map_get(vn, "lua"))) {
		forms++;
		a->kind = ATTR_LUA;
		if (get_text(w, x, "lua", &a->lua) < 0)
			return -1;
	}
	if (forms != 1)
		return node_err(w, vn, "%s: expected exactly one of template, unique, ref or lua, found %d", where,
				forms);
	if ((x = map_get(vn, "iterate"))) {
		if (a->kind != ATTR_UNIQUE)
			return node_err(w, x, "%s: iterate: only goes with unique:", where);
		if (get_text(w, x, "iterate", &a->iterate) < 0)
			return -1;
	}
	if ((x = map_get(vn, "max_length")) &&
	    (a->kind != ATTR_UNIQUE ? node_err(w, x, "%s: max_length: only goes with unique:", where)
				    : get_long(w, x, "max_length", 1, 65536, &a->max_length)) < 0)
		return -1;
	if ((x = map_get(vn, "check_target")) &&
	    (a->kind != ATTR_UNIQUE ? node_err(w, x, "%s: check_target: only goes with unique:", where)
				    : get_bool(w, x, "check_target", &a->check_target)) < 0)
		return -1;
	if ((x = map_get(vn, "update")) && get_bool(w, x, "update", &a->update) < 0)
		return -1;
	if ((x = map_get(vn, "send")) && get_bool(w, x, "send", &a->send) < 0)
		return -1;
	return 0;
}

/* The keys each connector takes under its target, besides the common ones (docs/connectors.md). */
static const struct {
	const char *connector;
	const char *keys[16];
} connector_keys[] = {
	{ "csv", { "file" } },
	{ "ldap",
	  { "url", "bind_dn", "bind_password", "dn", "object_classes", "groups", "disable", "starttls", "ca_file",
	    "timeout", "page_size", "base" } },
	{ "ad",
	  { "url", "bind_dn", "bind_password", "dn", "object_classes", "groups", "starttls", "ca_file", "timeout",
	    "page_size", "base", "password", "account_expires", "notify" } },
	{ "scim", { "url", "auth", "ca_file", "insecure", "rate_limit", "timeout", "groups" } },
	{ "exec", { "command", "timeout", "env" } },
};

/* A YAML node as JSON: scalars as strings (expanded), sequences as arrays, mappings as objects. */
static json_t *
node_json(struct walk *w, struct fy_node *n, const char *key)
{
	void *it = NULL;
	json_t *j;

	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: {
		char *v;

		if (get_str(w, n, key, &v) < 0)
			return NULL;
		j = json_stringn(v, strlen(v));
		free(v);
		if (!j)
			node_err(w, n, "%s: the value is not UTF-8", key);
		return j;
	}
	case FYNT_SEQUENCE: {
		struct fy_node *x;

		j = json_array();
		while ((x = fy_node_sequence_iterate(n, &it))) {
			json_t *e = node_json(w, x, key);

			if (!e) {
				json_decref(j);
				return NULL;
			}
			json_array_append_new(j, e);
		}
		return j;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p;

		j = json_object();
		while ((p = fy_node_mapping_iterate(n, &it))) {
			char *k, sub[256];
			json_t *e;

			if (get_str(w, fy_node_pair_key(p), key, &k) < 0) {
				json_decref(j);
				return NULL;
			}
			snprintf(sub, sizeof(sub), "%s.%s", key, k);
			e = node_json(w, fy_node_pair_value(p), sub);
			if (!e || json_object_set_new(j, k, e) < 0) {
				free(k);
				json_decref(j);
				return NULL;
			}
			free(k);
		}
		return j;
	}
	}
	node_err(w, n, "%s: expected a value, a list or a mapping", key);
	return NULL;
}

static int
parse_target(struct walk *w, struct fy_node *n, struct config *cfg, struct cfg_target *t, size_t idx)
{
	static const char *const base[] = { "name", "connector", "correlate", "lifecycle", "attributes", "guard" };
	const char *keys[32];
	size_t ck;
	static const char *const ckeys[] = { "attribute", "field" };
	static const char *const lkeys[] = { "create_before", "enable_before", "disable_after", "delete_after",
					     "bridge_gap" };
	static const char *const gkeys[] = { "max_disable", "max_delete", "max_revoke" };
	size_t nkeys = 0;
	struct fy_node *x, *kn2;
	char where[64];

	snprintf(where, sizeof(where), "targets[%zu]", idx);
	memset(t, 0, sizeof(*t));
	t->pos = node_pos(n);
	t->lifecycle.create_before = 14;
	t->lifecycle.enable_before = 0;
	t->lifecycle.disable_after = 0;
	t->lifecycle.delete_after = 90;
	t->lifecycle.bridge_gap = 7;
	t->max_disable = (struct cfg_limit){ 10, 1, { 0, 0 } };
	t->max_delete = (struct cfg_limit){ 10, 1, { 0, 0 } };
	t->max_revoke = (struct cfg_limit){ 20, 1, { 0, 0 } };
	if (!(x = map_get(n, "name")))
		return node_err(w, n, "%s: missing key \"name\" (expected a short name such as directory)", where);
	if (get_str(w, x, "name", &t->name) < 0)
		return -1;
	if (!*t->name || strchr(t->name, ' ') || strchr(t->name, '/'))
		return node_err(w, x,
				"name: \"%s\" is not a usable target name (expected a short word such as directory)",
				t->name);
	for (size_t i = 0; i < idx; i++)
		if (!strcmp(cfg->targets[i].name, t->name))
			return node_err(
				w, x,
				"targets: the name \"%s\" is used twice (expected each target to have its own name)",
				t->name);
	if (!(x = map_get(n, "connector")))
		return node_err(w, n,
				"target \"%s\": missing key \"connector\" (expected one of csv, ldap, ad, scim, exec)",
				t->name);
	if (get_str(w, x, "connector", &t->connector) < 0)
		return -1;
	if (key_index(t->connector, connectors, sizeof(connectors) / sizeof(connectors[0])) < 0) {
		const char *near = text_suggest(t->connector, connectors, sizeof(connectors) / sizeof(connectors[0]));

		return node_err(
			w, x, "connector: \"%s\" is not a connector (%s%s%sexpected one of csv, ldap, ad, scim, exec)",
			t->connector, near ? "did you mean \"" : "", near ? near : "", near ? "\"?; " : "");
	}
	/* the common keys and the connector's own */
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		keys[nkeys++] = base[i];
	for (ck = 0; strcmp(connector_keys[ck].connector, t->connector); ck++)
		;
	for (size_t i = 0; i < 16 && connector_keys[ck].keys[i]; i++)
		keys[nkeys++] = connector_keys[ck].keys[i];
	if (check_keys(w, n, "a target", keys, nkeys) < 0)
		return -1;
	for (size_t i = sizeof(base) / sizeof(base[0]); i < nkeys; i++) {
		struct cfg_option *o;
		char key[128];

		if (!(x = map_get(n, keys[i])))
			continue;
		t->options = xrealloc(t->options, (t->noptions + 1) * sizeof(*t->options));
		o = &t->options[t->noptions];
		snprintf(key, sizeof(key), "target \"%s\": %s", t->name, keys[i]);
		if (!(o->value = node_json(w, x, key)))
			return -1;
		o->key = xstrdup(keys[i]);
		o->pos = node_pos(x);
		if (!o->pos.line) { /* an empty value has no place of its own: its key's */
			struct fy_node_pair *p = fy_node_mapping_lookup_pair_by_string(n, keys[i], FY_NT);

			if (p)
				o->pos = node_pos(fy_node_pair_key(p));
		}
		t->noptions++;
	}
	if ((x = map_get(n, "correlate"))) {
		if (check_keys(w, x, "correlate", ckeys, 2) < 0)
			return -1;
		if (!(kn2 = map_get(x, "attribute")) ||
		    get_str(w, kn2, "correlate.attribute", &t->correlate_attribute) < 0)
			return kn2 ? -1
				   : node_err(
					     w, x,
					     "correlate: missing key \"attribute\" (the target's attribute that holds the key)");
		if (!(kn2 = map_get(x, "field")) || get_str(w, kn2, "correlate.field", &t->correlate_field) < 0)
			return kn2 ? -1
				   : node_err(
					     w, x,
					     "correlate: missing key \"field\" (the person's field it holds, such as employee_id)");
	}
	if ((x = map_get(n, "lifecycle"))) {
		long *slots[5] = { &t->lifecycle.create_before, &t->lifecycle.enable_before,
				   &t->lifecycle.disable_after, &t->lifecycle.delete_after, &t->lifecycle.bridge_gap };

		if (check_keys(w, x, "lifecycle", lkeys, 5) < 0)
			return -1;
		for (int i = 0; i < 5; i++) {
			char key[64];

			snprintf(key, sizeof(key), "lifecycle.%s", lkeys[i]);
			if ((kn2 = map_get(x, lkeys[i])) && get_long(w, kn2, key, 0, 36500, slots[i]) < 0)
				return -1;
		}
	}
	if ((x = map_get(n, "guard"))) {
		struct cfg_limit *slots[3] = { &t->max_disable, &t->max_delete, &t->max_revoke };

		if (check_keys(w, x, "guard", gkeys, 3) < 0)
			return -1;
		for (int i = 0; i < 3; i++) {
			char key[64];

			snprintf(key, sizeof(key), "guard.%s", gkeys[i]);
			if ((kn2 = map_get(x, gkeys[i])) && parse_limit(w, kn2, key, slots[i]) < 0)
				return -1;
		}
	}
	if ((x = map_get(n, "attributes"))) {
		struct fy_node_pair *p;
		void *it = NULL;

		if (fy_node_get_type(x) != FYNT_MAPPING)
			return node_err(w, x, "attributes: expected a mapping of attribute to value, found %s",
					node_kind(x));
		while ((p = fy_node_mapping_iterate(x, &it)))
			if (parse_attr(w, fy_node_pair_key(p), fy_node_pair_value(p), t) < 0)
				return -1;
	}
	/*
	 * A directory's dn: is a template like any attribute (it may use
	 * {account.uid} and {contract.*}, and ref: attribute: dn reads it), made
	 * by the plan as the attribute "dn"; a change of it is a move.
	 */
	if ((!strcmp(t->connector, "ldap") || !strcmp(t->connector, "ad")) && (x = map_get(n, "dn"))) {
		struct cfg_attr *a;

		for (size_t i = 0; i < t->nattrs; i++)
			if (!strcmp(t->attrs[i].name, "dn"))
				return node_err(
					w, x,
					"target \"%s\": dn: is the entry's name, and attributes: has a \"dn\" too (expected one of them; the dn: key)",
					t->name);
		t->attrs = xrealloc(t->attrs, (t->nattrs + 1) * sizeof(*t->attrs));
		a = &t->attrs[t->nattrs++];
		memset(a, 0, sizeof(*a));
		a->name = xstrdup("dn");
		a->kind = ATTR_TEMPLATE;
		a->update = 1;
		a->send = 1;
		a->entry_name = 1;
		a->pos = node_pos(x);
		if (get_text(w, x, "dn", &a->template) < 0)
			return -1;
	}
	/*
	 * account_expires: true on an ad target: accountExpires follows the
	 * account's window, as if attributes: said accountExpires:
	 * "{window.end}" (the connector turns the date into AD's value), unless
	 * attributes: maps accountExpires itself.
	 */
	if (!strcmp(t->connector, "ad") && (x = map_get(n, "account_expires"))) {
		struct cfg_attr *a;
		int on = 0, own = 0;

		if (get_bool(w, x, "account_expires", &on) < 0)
			return -1;
		for (size_t i = 0; i < t->nattrs; i++)
			own |= !strcasecmp(t->attrs[i].name, "accountExpires");
		if (on && !own) {
			t->attrs = xrealloc(t->attrs, (t->nattrs + 1) * sizeof(*t->attrs));
			a = &t->attrs[t->nattrs++];
			memset(a, 0, sizeof(*a));
			a->name = xstrdup("accountExpires");
			a->kind = ATTR_TEMPLATE;
			a->update = 1;
			a->send = 1;
			a->pos = node_pos(x);
			a->template.text = xstrdup("{window.end}");
			a->template.pos = a->pos;
		}
	}
	return 0;
}

static int
parse_targets(struct walk *w, struct fy_node *kn, struct fy_node *n, struct config *cfg)
{
	struct fy_node *item;
	void *it = NULL;

	if (fy_node_get_type(n) != FYNT_SEQUENCE)
		return node_err(w, n, "targets: expected a list of targets, found %s", node_kind(n));
	(void)kn;
	while ((item = fy_node_sequence_iterate(n, &it))) {
		cfg->targets = xrealloc(cfg->targets, (cfg->ntargets + 1) * sizeof(*cfg->targets));
		cfg->ntargets++;
		if (parse_target(w, item, cfg, &cfg->targets[cfg->ntargets - 1], cfg->ntargets - 1) < 0)
			return -1;
	}
	return 0;
}

static int
parse_grant(struct walk *w, struct fy_node *n, const struct config *cfg, struct cfg_rule *r)
{
	static const char *const keys[] = { "target", "account", "group" };
	struct cfg_grant *g;
	struct fy_node *x;

	if (check_keys(w, n, "a grant", keys, 3) < 0)
		return -1;
	r->grants = xrealloc(r->grants, (r->ngrants + 1) * sizeof(*r->grants));
	g = &r->grants[r->ngrants++];
	memset(g, 0, sizeof(*g));
	g->pos = node_pos(n);
	if (!(x = map_get(n, "target")))
		return node_err(w, n, "rule \"%s\": a grant needs target: (the target it grants on)", r->name);
	if (get_str(w, x, "target", &g->target) < 0)
		return -1;
	if (!config_target(cfg, g->target)) {
		const char *names[64];
		size_t nn = 0;
		const char *near;

		for (size_t i = 0; i < cfg->ntargets && nn < 64; i++)
			names[nn++] = cfg->targets[i].name;
		near = text_suggest(g->target, names, nn);
		return node_err(w, x, "rule \"%s\": target \"%s\" is not defined under targets:%s%s%s", r->name,
				g->target, near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
	}
	if ((x = map_get(n, "account")) && get_bool(w, x, "account", &g->account) < 0)
		return -1;
	if ((x = map_get(n, "group")) && get_text(w, x, "group", &g->group) < 0)
		return -1;
	if (g->account == !!g->group.text)
		return node_err(w, n, "rule \"%s\": a grant gives either account: true or a group:, not %s", r->name,
				g->account ? "both" : "neither");
	return 0;
}

static int
parse_rule(struct walk *w, struct fy_node *n, struct config *cfg, struct cfg_rule *r, size_t idx)
{
	static const char *const keys[] = { "name", "when", "for", "grant", "delegable", "inherit" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	struct fy_node *x, *item;
	void *it = NULL;
	char where[64];

	snprintf(where, sizeof(where), "rules[%zu]", idx);
	memset(r, 0, sizeof(*r));
	r->pos = node_pos(n);
	if (check_keys(w, n, "a rule", keys, nkeys) < 0)
		return -1;
	if (!(x = map_get(n, "name")))
		return node_err(w, n, "%s: missing key \"name\" (expected a name that says what the rule is for)",
				where);
	if (get_str(w, x, "name", &r->name) < 0)
		return -1;
	if (!*r->name)
		return node_err(w, x, "%s: the name is empty", where);
	for (size_t i = 0; i < idx; i++)
		if (!strcmp(cfg->rules[i].name, r->name))
			return node_err(
				w, x, "rules: the name \"%s\" is used twice (expected each rule to have its own name)",
				r->name);
	if ((x = map_get(n, "when")) && get_text(w, x, "when", &r->when) < 0)
		return -1;
	if ((x = map_get(n, "for"))) {
		char *v;

		if (get_str(w, x, "for", &v) < 0)
			return -1;
		if (strncmp(v, "assignment ", 11) || !v[11] || strchr(v + 11, ' ')) {
			node_err(
				w, x,
				"for: \"%s\" is not a kind of record (expected \"assignment KIND\", such as assignment project)",
				v);
			free(v);
			return -1;
		}
		r->for_kind = xstrdup(v + 11);
		free(v);
	}
	if ((x = map_get(n, "delegable")) && get_bool(w, x, "delegable", &r->delegable) < 0)
		return -1;
	if ((x = map_get(n, "inherit"))) {
		char *v;

		if (get_str(w, x, "inherit", &v) < 0)
			return -1;
		if (strcmp(v, "delegable")) {
			node_err(w, x, "inherit: \"%s\" is not something to inherit (expected delegable)", v);
			free(v);
			return -1;
		}
		free(v);
		r->inherit_delegable = 1;
		if (!r->for_kind)
			return node_err(
				w, x,
				"rule \"%s\": inherit: needs for: assignment KIND (whose value is the employee_id of the person replaced)",
				r->name);
	}
	if ((x = map_get(n, "grant"))) {
		if (fy_node_get_type(x) != FYNT_SEQUENCE)
			return node_err(
				w, x,
				"rule \"%s\": grant: expected a list such as [{target: directory, account: true}], found %s",
				r->name, node_kind(x));
		while ((item = fy_node_sequence_iterate(x, &it)))
			if (parse_grant(w, item, cfg, r) < 0)
				return -1;
	}
	if (!r->ngrants && !r->inherit_delegable)
		return node_err(w, n, "rule \"%s\": grants nothing (expected grant: or inherit:)", r->name);
	return 0;
}

static int
parse_rules(struct walk *w, struct fy_node *n, struct config *cfg)
{
	struct fy_node *item;
	void *it = NULL;

	if (fy_node_get_type(n) != FYNT_SEQUENCE)
		return node_err(w, n, "rules: expected a list of rules, found %s", node_kind(n));
	while ((item = fy_node_sequence_iterate(n, &it))) {
		cfg->rules = xrealloc(cfg->rules, (cfg->nrules + 1) * sizeof(*cfg->rules));
		cfg->nrules++;
		if (parse_rule(w, item, cfg, &cfg->rules[cfg->nrules - 1], cfg->nrules - 1) < 0)
			return -1;
	}
	return 0;
}

static int
parse_root(struct walk *w, struct fy_node *root, struct config *cfg)
{
	static const char *const keys[] = { "vault", "timezone", "sources", "targets", "rules" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	struct fy_node_pair *p;
	struct fy_node *rules_node = NULL, *targets_node = NULL, *targets_key = NULL;
	void *it = NULL;
	int have_sources = 0;

	if (!root)
		return err_set(w->e, ERR_CONFIG, "%s: the file is empty (expected vault, timezone and sources)",
			       w->file);
	if (fy_node_get_type(root) != FYNT_MAPPING)
		return node_err(w, root, "expected a mapping with vault, timezone and sources at the top, found %s",
				node_kind(root));
	while ((p = fy_node_mapping_iterate(root, &it))) {
		struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
		const char *k = fy_node_get_scalar0(kn);

		if (!k || key_index(k, keys, nkeys) < 0)
			return unknown_key(w, kn, "the top level", k ? k : "?", keys, nkeys);
		w->near = node_pos(kn);
		if (!strcmp(k, "vault")) {
			if (get_str(w, vn, k, &cfg->vault) < 0)
				return -1;
			if (!*cfg->vault)
				return node_err(w, vn,
						"vault: the path is empty (expected a file such as var/roster.db)");
		} else if (!strcmp(k, "timezone")) {
			if (get_str(w, vn, k, &cfg->timezone) < 0)
				return -1;
			if (!date_zone_known(cfg->timezone))
				return node_err(
					w, vn,
					"timezone: \"%s\" is not a known time zone (expected a name such as Europe/Amsterdam)",
					cfg->timezone);
		} else if (!strcmp(k, "sources")) {
			have_sources = 1;
			if (parse_sources(w, kn, vn, cfg) < 0)
				return -1;
		} else if (!strcmp(k, "targets")) {
			targets_node = vn;
			targets_key = kn;
		} else if (!strcmp(k, "rules")) {
			rules_node = vn;
		}
	}
	/* Rules name targets: read the targets first, wherever they stand in the file. */
	if (targets_node && parse_targets(w, targets_key, targets_node, cfg) < 0)
		return -1;
	if (rules_node && parse_rules(w, rules_node, cfg) < 0)
		return -1;
	if (!have_sources)
		return err_set(w->e, ERR_CONFIG,
			       "%s: missing key \"sources\" (expected a list with at least one source)", w->file);
	if (!cfg->vault)
		cfg->vault = xstrdup("var/roster.db");
	cfg->vault_path = file_join(w->dir, cfg->vault);
	return 0;
}

/* 1 when the text holds nothing but blanks and comments. */
static int
text_blank(const char *p)
{
	int comment = 0;

	for (; *p; p++) {
		if (*p == '\n')
			comment = 0;
		else if (*p == '#')
			comment = 1;
		else if (!comment && !isspace((unsigned char)*p))
			return 0;
	}
	return 1;
}

int
config_load(struct config *cfg, const char *path, struct err *e)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag = NULL;
	struct fy_parse_cfg pcfg;
	struct fy_document *doc = NULL;
	struct walk w;
	struct err fe;
	char *text = NULL;
	size_t len, bad;
	int ret = -1;

	memset(cfg, 0, sizeof(*cfg));
	cfg->file = xstrdup(path);
	cfg->dir = file_dirname(path);
	/*
	 * The text is checked before libfyaml sees it: libfyaml 0.7 (Debian 12)
	 * loops forever on invalid UTF-8 in a directive line, and reads past
	 * bad sequences elsewhere. What reaches it is valid UTF-8 without NULs.
	 */
	errno = 0;
	text = file_read(path, CONFIG_FILE_MAX, &len, &fe);
	if (!text) {
		int saved = errno;

		if (saved && !strstr(fe.msg, "larger than"))
			err_set(e, ERR_CONFIG, "%s: cannot open the configuration: %s", path, strerror(saved));
		else
			err_set(e, ERR_CONFIG, "%s", fe.msg);
		goto out;
	}
	if (memchr(text, '\0', len) || text_utf8_check(text, len, &bad) < 0) {
		size_t off = memchr(text, '\0', len) ? (size_t)((char *)memchr(text, '\0', len) - text) : bad;
		int line = 1, col = 1;

		for (size_t i = 0; i < off; i++, col++)
			if (text[i] == '\n')
				line++, col = 0;
		err_set(e, ERR_CONFIG, "%s:%d:%d: byte 0x%02X is not valid UTF-8 text (expected a UTF-8 YAML file)",
			path, line, col, (unsigned char)text[off]);
		goto out;
	}

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag) {
		err_set(e, ERR_INTERNAL, "%s: cannot set up the YAML parser", path);
		goto out;
	}
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_JSON_NONE;
	pcfg.diag = diag;
	doc = fy_document_build_from_string(&pcfg, text, len);
	if (!doc || fy_diag_got_error(diag)) {
		struct fy_diag_error *de;
		void *it = NULL;

		/* Unlike node marks, collected diagnostics count lines and columns from 1. */
		de = fy_diag_errors_iterate(diag, &it);
		if (de)
			err_set(e, ERR_CONFIG, "%s:%d:%d: %s", path, de->line, de->column, de->msg);
		else if (text_blank(text))
			err_set(e, ERR_CONFIG, "%s: the file is empty (expected vault, timezone and sources)", path);
		else
			err_set(e, ERR_CONFIG, "%s: not a valid YAML file", path);
		goto out;
	}
	memset(&w, 0, sizeof(w));
	w.file = path;
	w.dir = cfg->dir;
	w.e = e;
	if (parse_root(&w, fy_document_root(doc), cfg) < 0)
		goto out;
	ret = 0;
out:
	if (doc)
		fy_document_destroy(doc);
	if (diag)
		fy_diag_destroy(diag);
	free(text); /* after the document, which points into it */
	if (ret < 0)
		config_release(cfg);
	return ret;
}

void
config_release(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nsources; i++) {
		struct source_cfg *s = &cfg->sources[i];

		free(s->name);
		free(s->persons);
		free(s->contracts);
		free(s->assignments);
		free(s->persons_path);
		free(s->contracts_path);
		free(s->assignments_path);
		free(s->date_format);
		for (size_t j = 0; j < s->nfields; j++) {
			free(s->fields[j].name);
			for (size_t k = 0; k < s->fields[j].ncolumns; k++)
				free(s->fields[j].columns[k]);
			free(s->fields[j].columns);
		}
		free(s->fields);
		for (size_t j = 0; j < s->nextras; j++) {
			free(s->extras[j].name);
			free(s->extras[j].column);
		}
		free(s->extras);
	}
	free(cfg->sources);
	for (size_t i = 0; i < cfg->ntargets; i++) {
		struct cfg_target *t = &cfg->targets[i];

		free(t->name);
		free(t->connector);
		for (size_t k = 0; k < t->noptions; k++) {
			free(t->options[k].key);
			json_decref(t->options[k].value);
		}
		free(t->options);
		free(t->correlate_attribute);
		free(t->correlate_field);
		for (size_t j = 0; j < t->nattrs; j++) {
			struct cfg_attr *a = &t->attrs[j];

			free(a->name);
			free(a->template.text);
			for (size_t k = 0; k < a->nunique; k++)
				free(a->unique[k].text);
			free(a->unique);
			free(a->iterate.text);
			free(a->ref);
			free(a->ref_attribute);
			free(a->lua.text);
		}
		free(t->attrs);
	}
	free(cfg->targets);
	for (size_t i = 0; i < cfg->nrules; i++) {
		struct cfg_rule *r = &cfg->rules[i];

		free(r->name);
		free(r->when.text);
		free(r->for_kind);
		for (size_t j = 0; j < r->ngrants; j++) {
			free(r->grants[j].target);
			free(r->grants[j].group.text);
		}
		free(r->grants);
	}
	free(cfg->rules);
	free(cfg->file);
	free(cfg->dir);
	free(cfg->vault);
	free(cfg->vault_path);
	free(cfg->timezone);
	memset(cfg, 0, sizeof(*cfg));
}

const struct source_cfg *
config_source(const struct config *cfg, const char *name)
{
	if (!name)
		return cfg->nsources ? &cfg->sources[0] : NULL;
	for (size_t i = 0; i < cfg->nsources; i++)
		if (!strcmp(cfg->sources[i].name, name))
			return &cfg->sources[i];
	return NULL;
}

const struct cfg_field *
source_cfg_field(const struct source_cfg *s, const char *name)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (!strcmp(s->fields[i].name, name))
			return &s->fields[i];
	return NULL;
}

long
cfg_limit_of(const struct cfg_limit *l, long total)
{
	return l->percent ? total * l->value / 100 : l->value;
}

void
cfg_limit_format(const struct cfg_limit *l, char *out, size_t outlen)
{
	snprintf(out, outlen, "%ld%s", l->value, l->percent ? "%" : "");
}

const char *
source_encoding_name(enum source_encoding enc)
{
	switch (enc) {
	case ENC_WINDOWS_1252: return "windows-1252";
	case ENC_ISO_8859_1: return "iso-8859-1";
	default: return "utf-8";
	}
}

const struct cfg_option *
cfg_target_option(const struct cfg_target *t, const char *key)
{
	for (size_t i = 0; i < t->noptions; i++)
		if (!strcmp(t->options[i].key, key))
			return &t->options[i];
	return NULL;
}

const struct cfg_target *
config_target(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->ntargets; i++)
		if (cfg->targets[i].name && !strcmp(cfg->targets[i].name, name))
			return &cfg->targets[i];
	return NULL;
}

void
config_caret(const struct config *cfg, const struct cfg_text *t, size_t offset, struct buf *out)
{
	struct err e;
	size_t len;
	char *text = file_read(cfg->file, CONFIG_FILE_MAX, &len, &e);
	const char *line, *end;
	int n = 1;

	if (!text || !t->pos.line)
		goto out;
	for (line = text; *line && n < t->pos.line; line++)
		if (*line == '\n')
			n++;
	if (n != t->pos.line)
		goto out;
	end = strchr(line, '\n');
	if (!end)
		end = line + strlen(line);
	buf_addf(out, "\n    %.*s", (int)(end - line), line);
	if (t->exact) {
		buf_adds(out, "\n    ");
		/* Tabs stay tabs, so the caret lines up under what the line shows. */
		for (long c = 1; c < t->pos.col + (long)offset && line + c - 1 < end; c++)
			buf_addch(out, line[c - 1] == '\t' ? '\t' : ' ');
		buf_addch(out, '^');
	}
out:
	free(text);
}
