/*
 * The csv connector: a target that is a file, for trying roster without a
 * server and for systems that import a CSV file. One row per account:
 *
 *	ref,enabled,groups,<attribute>,<attribute>,…
 *
 * comma-separated, RFC 4180 quoting, UTF-8, LF line ends; the attribute
 * columns are every attribute any account has, sorted by name (an empty
 * cell: the account has no value). ref is the account's correlate value
 * (its employee_id when the target has no correlate:); enabled is "true" or
 * "false"; groups holds the account's groups, one per line of the cell.
 *
 * The file is read when the connector opens and written whole — to a
 * temporary file, synced and renamed over the old one — on flush, so a
 * reader never sees half a file.
 */
#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connector/connector.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/strmap.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define CSV_FILE_MAX ((size_t)4 << 30)

struct row {
	char *ref;
	int enabled;
	int gone; /* removed: not written */
	char **groups;
	size_t ngroups;
	struct account_attr *attrs; /* sorted by name; names and values malloc'd */
	size_t nattrs;
};

struct connector {
	const struct cfg_target *t;
	char *path;
	struct row *rows;
	size_t nrows, cap;
	struct strmap by_ref; /* ref -> index (keys: the rows' refs) */
	int dirty;
	/* what lookup hands out, valid until the next call */
	const char **perm_view;
};

/* ---- rows ---- */

static const char *
row_attr(const struct row *r, const char *name)
{
	return account_attr_find(r->attrs, r->nattrs, name);
}

static void
row_set_attr(struct row *r, const char *name, const char *value)
{
	for (size_t i = 0; i < r->nattrs; i++)
		if (!strcmp(r->attrs[i].name, name)) {
			free((char *)r->attrs[i].value);
			if (!*value) { /* "" removes it */
				free((char *)r->attrs[i].name);
				r->attrs[i] = r->attrs[--r->nattrs];
				qsort(r->attrs, r->nattrs, sizeof(*r->attrs), account_attr_cmp);
			} else {
				r->attrs[i].value = xstrdup(value);
			}
			return;
		}
	if (!*value)
		return;
	r->attrs = xrealloc(r->attrs, (r->nattrs + 1) * sizeof(*r->attrs));
	r->attrs[r->nattrs].name = xstrdup(name);
	r->attrs[r->nattrs++].value = xstrdup(value);
	qsort(r->attrs, r->nattrs, sizeof(*r->attrs), account_attr_cmp);
}

static void
row_free(struct row *r)
{
	free(r->ref);
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i]);
	free(r->groups);
	for (size_t i = 0; i < r->nattrs; i++) {
		free((char *)r->attrs[i].name);
		free((char *)r->attrs[i].value);
	}
	free(r->attrs);
}

static struct row *
row_new(struct connector *c, const char *ref)
{
	struct row *r;

	XGROW(c->rows, c->cap, c->nrows + 1);
	r = &c->rows[c->nrows];
	memset(r, 0, sizeof(*r));
	r->ref = xstrdup(ref);
	strmap_put(&c->by_ref, r->ref, c->nrows);
	c->nrows++;
	return r;
}

/* The rows' pointers move when rows grow: the map is rebuilt after a load. */
static void
reindex(struct connector *c)
{
	strmap_release(&c->by_ref);
	for (size_t i = 0; i < c->nrows; i++)
		if (!c->rows[i].gone)
			strmap_put(&c->by_ref, c->rows[i].ref, i);
}

static struct row *
find(struct connector *c, const char *ref)
{
	size_t i;

	if (!ref || !strmap_get(&c->by_ref, ref, &i) || c->rows[i].gone)
		return NULL;
	return &c->rows[i];
}

/* ---- reading the file ---- */

struct reader {
	struct connector *c;
	char **header;
	size_t nheader;
	char **cells;
	size_t ncells, cells_cap;
	long line;
	struct err *e;
	int failed;
};

static void
cb_cell(void *s, size_t len, void *ctx)
{
	struct reader *rd = ctx;

	XGROW(rd->cells, rd->cells_cap, rd->ncells + 1);
	rd->cells[rd->ncells++] = xstrndup(s ? s : "", len);
}

static void
cb_row(int ch, void *ctx)
{
	struct reader *rd = ctx;
	struct row *r;

	(void)ch;
	rd->line++;
	if (rd->failed)
		goto out;
	if (!rd->header) {
		if (rd->ncells < 3 || strcmp(rd->cells[0], "ref") || strcmp(rd->cells[1], "enabled") ||
		    strcmp(rd->cells[2], "groups")) {
			err_set(rd->e, ERR_PERMANENT,
				"%s:1: expected the header ref,enabled,groups,… of a roster csv target", rd->c->path);
			rd->failed = 1;
			goto out;
		}
		rd->header = rd->cells;
		rd->nheader = rd->ncells;
		rd->cells = NULL;
		rd->ncells = rd->cells_cap = 0;
		return;
	}
	if (rd->ncells != rd->nheader || !*rd->cells[0] || find(rd->c, rd->cells[0]) ||
	    (strcmp(rd->cells[1], "true") && strcmp(rd->cells[1], "false"))) {
		err_set(rd->e, ERR_PERMANENT,
			"%s: record %ld: expected %zu cells, a ref not used before and enabled true or false",
			rd->c->path, rd->line, rd->nheader);
		rd->failed = 1;
		goto out;
	}
	r = row_new(rd->c, rd->cells[0]);
	r->enabled = !strcmp(rd->cells[1], "true");
	if (*rd->cells[2]) /* one group per line */
		for (char *g = rd->cells[2];;) {
			char *nl = strchr(g, '\n');

			if (nl)
				*nl = '\0';
			r->groups = xrealloc(r->groups, (r->ngroups + 1) * sizeof(*r->groups));
			r->groups[r->ngroups++] = xstrdup(g);
			if (!nl)
				break;
			g = nl + 1;
		}
	for (size_t i = 3; i < rd->ncells; i++)
		if (*rd->cells[i])
			row_set_attr(r, rd->header[i], rd->cells[i]);
out:
	for (size_t i = 0; i < rd->ncells; i++)
		free(rd->cells[i]);
	rd->ncells = 0;
}

static int
load(struct connector *c, struct err *e)
{
	struct csv_parser p;
	struct reader rd = { c, NULL, 0, NULL, 0, 0, 0, e, 0 };
	size_t len;
	char *data;
	struct err fe;

	err_init(&fe);
	if (access(c->path, F_OK) < 0 && errno == ENOENT)
		return 0; /* a new target: the file comes with the first flush */
	data = file_read(c->path, CSV_FILE_MAX, &len, &fe);
	if (!data)
		return err_set(e, ERR_PERMANENT, "%s", fe.msg);
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		free(data);
		return err_set(e, ERR_INTERNAL, "%s: libcsv cannot start", c->path);
	}
	if (csv_parse(&p, data, len, cb_cell, cb_row, &rd) != len || csv_fini(&p, cb_cell, cb_row, &rd) != 0) {
		if (!rd.failed)
			err_set(e, ERR_PERMANENT, "%s: not a CSV file: %s", c->path, csv_strerror(csv_error(&p)));
		rd.failed = 1;
	}
	csv_free(&p);
	free(data);
	for (size_t i = 0; i < rd.ncells; i++)
		free(rd.cells[i]);
	free(rd.cells);
	for (size_t i = 0; i < rd.nheader; i++)
		free(rd.header[i]);
	free(rd.header);
	reindex(c);
	return rd.failed ? -1 : 0;
}

/* ---- writing it ---- */

static void
cell(struct buf *b, const char *s)
{
	size_t n;

	if (!strpbrk(s, ",\"\n\r")) {
		buf_adds(b, s);
		return;
	}
	buf_addch(b, '"');
	while (*s) {
		n = strcspn(s, "\"");
		buf_add(b, s, n);
		s += n;
		if (*s == '"') {
			buf_add(b, "\"\"", 2);
			s++;
		}
	}
	buf_addch(b, '"');
}

static int
names_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
flush(struct connector *c, struct err *e)
{
	struct buf b = BUF_INIT, g = BUF_INIT;
	struct strmap seen = STRMAP_INIT;
	const char **names = NULL;
	size_t nnames = 0, cap = 0, idx;
	int ret;

	if (!c->dirty)
		return 0;
	for (size_t i = 0; i < c->nrows; i++)
		for (size_t k = 0; !c->rows[i].gone && k < c->rows[i].nattrs; k++)
			if (!strmap_get(&seen, c->rows[i].attrs[k].name, &idx)) {
				strmap_put(&seen, c->rows[i].attrs[k].name, nnames);
				XGROW(names, cap, nnames + 1);
				names[nnames++] = c->rows[i].attrs[k].name;
			}
	if (nnames)
		qsort(names, nnames, sizeof(*names), names_cmp);
	buf_adds(&b, "ref,enabled,groups");
	for (size_t k = 0; k < nnames; k++) {
		buf_addch(&b, ',');
		cell(&b, names[k]);
	}
	buf_addch(&b, '\n');
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];

		if (r->gone)
			continue;
		cell(&b, r->ref);
		buf_adds(&b, r->enabled ? ",true," : ",false,");
		buf_reset(&g);
		for (size_t k = 0; k < r->ngroups; k++) {
			if (k)
				buf_addch(&g, '\n');
			buf_adds(&g, r->groups[k]);
		}
		cell(&b, buf_str(&g));
		for (size_t k = 0; k < nnames; k++) {
			const char *v = row_attr(r, names[k]);

			buf_addch(&b, ',');
			cell(&b, v ? v : "");
		}
		buf_addch(&b, '\n');
	}
	{
		char *dir = file_dirname(c->path);

		ret = file_mkdirs(dir, e); /* a target's folder may not be there yet */
		free(dir);
	}
	if (!ret)
		ret = file_write_atomic(c->path, b.s, b.len, e);
	if (!ret)
		c->dirty = 0;
	buf_release(&b);
	buf_release(&g);
	strmap_release(&seen);
	free(names);
	return ret;
}

/* ---- the interface ---- */

static int
check(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	const char *file;

	if (conn_key_str(cfg, t, "file", &file, e) < 0)
		return -1;
	if (file && !*file)
		return conn_key_error(cfg, t, cfg_target_option(t, "file"), e,
				      "expected the path of the file that holds the accounts, found \"\"");
	return 0;
}

static struct connector *
open_csv(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	struct connector *c;
	const char *file;

	if (check(cfg, t, e) < 0 || conn_key_str(cfg, t, "file", &file, e) < 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->t = t;
	if (file) {
		c->path = file_join(cfg->dir, file);
	} else {
		/* next to the vault: var/<target>.csv in the example */
		char *dir = file_dirname(cfg->vault_path);
		struct buf b = BUF_INIT;

		buf_addf(&b, "%s.csv", t->name);
		c->path = file_join(dir, b.s);
		free(dir);
		buf_release(&b);
	}
	if (load(c, e) < 0) {
		for (size_t i = 0; i < c->nrows; i++)
			row_free(&c->rows[i]);
		free(c->rows);
		strmap_release(&c->by_ref);
		free(c->path);
		free(c);
		return NULL;
	}
	return c;
}

static void
close_csv(struct connector *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nrows; i++)
		row_free(&c->rows[i]);
	free(c->rows);
	free(c->perm_view);
	strmap_release(&c->by_ref);
	free(c->path);
	free(c);
}

static void
view(struct connector *c, const struct row *r, struct conn_object *out)
{
	free(c->perm_view);
	c->perm_view = xcalloc(r->ngroups + 1, sizeof(*c->perm_view));
	for (size_t i = 0; i < r->ngroups; i++)
		c->perm_view[i] = r->groups[i];
	out->ref = r->ref;
	out->attrs = r->attrs;
	out->nattrs = r->nattrs;
	out->enabled = r->enabled;
	out->permissions = c->perm_view;
	out->npermissions = r->ngroups;
}

static int
lookup(struct connector *c, const char *value, struct conn_object *out, struct err *e)
{
	const char *attr = c->t->correlate_attribute;
	const struct row *byref = find(c, value);

	(void)e;
	/* create names a row by the correlate value: found at once (and when the attribute is not sent) */
	if (byref) {
		view(c, byref, out);
		return 1;
	}
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		const char *v = attr ? row_attr(r, attr) : r->ref;

		if (!r->gone && v && !strcmp(v, value)) {
			view(c, r, out);
			return 1;
		}
	}
	return 0;
}

static int
list(struct connector *c, int (*each)(void *ctx, const struct conn_object *o), void *ctx, struct err *e)
{
	(void)e;
	for (size_t i = 0; i < c->nrows; i++) {
		struct conn_object o;

		if (c->rows[i].gone)
			continue;
		view(c, &c->rows[i], &o);
		if (each(ctx, &o))
			break;
	}
	return 0;
}

static int
create(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	const char *ref = rq->correlate && *rq->correlate ? rq->correlate : rq->employee_id;
	struct row *r;

	if (find(c, ref))
		return err_set(e, ERR_CONFLICT, "%s: an account \"%s\" is there already", c->path, ref);
	r = row_new(c, ref);
	r->enabled = rq->enabled;
	for (size_t i = 0; i < rq->nattrs; i++)
		row_set_attr(r, rq->attrs[i].name, rq->attrs[i].value);
	snprintf(out->ref, sizeof(out->ref), "%s", ref);
	c->dirty = 1;
	return 0;
}

static struct row *
existing(struct connector *c, const struct conn_request *rq, struct err *e)
{
	struct row *r = find(c, rq->ref);

	if (!r)
		err_set(e, ERR_NOTFOUND, "%s: no account \"%s\"", c->path, rq->ref ? rq->ref : "");
	return r;
}

static int
update(struct connector *c, const struct conn_request *rq, struct err *e)
{
	struct row *r = existing(c, rq, e);

	if (!r)
		return -1;
	for (size_t i = 0; i < rq->nchanged; i++)
		row_set_attr(r, rq->changed[i].name, rq->changed[i].value);
	c->dirty = 1;
	return 0;
}

static int
set_enabled(struct connector *c, const struct conn_request *rq, int enabled, struct conn_result *out, struct err *e)
{
	out->ref[0] = '\0'; /* a row keeps its ref */
	struct row *r = existing(c, rq, e);

	if (!r)
		return -1;
	r->enabled = enabled;
	c->dirty = 1;
	return 0;
}

static int
remove_csv(struct connector *c, const struct conn_request *rq, struct err *e)
{
	struct row *r = existing(c, rq, e);

	if (!r)
		return -1;
	r->gone = 1;
	c->dirty = 1;
	return 0;
}

static int
permission(struct connector *c, const struct conn_request *rq, const char *perm, int add, struct err *e)
{
	struct row *r = existing(c, rq, e);
	size_t i;

	if (!r)
		return -1;
	if (strchr(perm, '\n') || !*perm)
		return err_set(e, ERR_PERMANENT, "%s: a group name must be one line, not empty: \"%s\"", c->path, perm);
	for (i = 0; i < r->ngroups && strcmp(r->groups[i], perm); i++)
		;
	if (add && i == r->ngroups) {
		r->groups = xrealloc(r->groups, (r->ngroups + 1) * sizeof(*r->groups));
		r->groups[r->ngroups++] = xstrdup(perm);
		qsort(r->groups, r->ngroups, sizeof(*r->groups), names_cmp);
	} else if (!add && i < r->ngroups) {
		free(r->groups[i]);
		memmove(r->groups + i, r->groups + i + 1, (r->ngroups - i - 1) * sizeof(*r->groups));
		r->ngroups--;
	}
	c->dirty = 1;
	return 0;
}

const struct connector_ops connector_csv = {
	.name = "csv",
	.check = check,
	.open = open_csv,
	.close = close_csv,
	.lookup = lookup,
	.list = list,
	.create = create,
	.update = update,
	.set_enabled = set_enabled,
	.remove = remove_csv,
	.permission = permission,
	.flush = flush,
};
