/*
 * CSV sources, as real HR exports are: RFC 4180 quoting (libcsv, strict),
 * CRLF or LF, a BOM, windows-1252, any of , ; tab |, trailing empty columns,
 * headers in any case and spacing, one file per entity or one row per
 * contract with the person's columns repeated.
 *
 * libcsv does not count lines, so the data is fed to it one line at a time:
 * a record completes during the feed of the line that ends it, and its first
 * line is that line minus the newlines inside its first field.
 *
 * Most lines of an export hold no quote at all. Such a line, when no record
 * is pending in libcsv, is split on the delimiter directly (fast_line):
 * the same result, at a fraction of libcsv's per-byte cost, which is what
 * keeps a 100,000-person import well under a second.
 */
#include <csv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source/source.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct cell {
	const char *s;
	size_t len;
};

struct csvfile {
	const char *name; /* as written in the config, for messages */
	const char *path; /* resolved */
	char *data;	  /* decoded UTF-8 */
	size_t len;
	char delim;
	char **header; /* trimmed labels */
	char **folded; /* text_fold_label of each */
	size_t ncols;
	int serves[ENT_COUNT];
	int col[ENT_COUNT][FIELDS_MAX]; /* column of each field, -1 when absent */
	int *xcol[ENT_COUNT];		/* column of each extra of the entity, -1 when not in this file */
};

typedef int (*row_fn)(void *ctx, struct cell *cells, size_t n, int line, struct err *e);

struct rowreader {
	struct csvfile *f;
	row_fn fn;
	void *ctx;
	struct err *e;
	struct buf row; /* the current record's field bytes, each NUL-terminated */
	size_t *offs;	/* start of each field in row */
	size_t *lens;
	size_t nfields, fields_cap;
	struct cell *cells;
	size_t cells_cap;
	int cur_line;	 /* the line being fed */
	int start_line;	 /* the first line of the current record */
	size_t fed;	 /* bytes fed since the last record ended */
	int rec_line;	 /* the line where the bytes pending in libcsv began */
	int stop;	 /* fn failed, or a limit was hit: feed no more */
	int max_records; /* 0: all */
	int records;
};

static void
cb_field(void *s, size_t len, void *data)
{
	struct rowreader *r = data;

	if (r->stop)
		return;
	if (!r->nfields) {
		size_t nl = 0;

		for (size_t i = 0; i < len; i++)
			nl += ((const char *)s)[i] == '\n';
		r->start_line = r->cur_line - (int)nl;
	}
	if (r->nfields + 1 > r->fields_cap) {
		XGROW(r->offs, r->fields_cap, r->nfields + 1);
		r->lens = xrealloc(r->lens, r->fields_cap * sizeof(*r->lens));
	}
	r->offs[r->nfields] = r->row.len;
	r->lens[r->nfields] = len;
	buf_add(&r->row, s ? s : "", s ? len : 0);
	buf_addch(&r->row, '\0');
	r->nfields++;
}

static void
cb_record(int c, void *data)
{
	struct rowreader *r = data;

	(void)c;
	if (r->stop)
		goto reset;
	XGROW(r->cells, r->cells_cap, r->nfields + 1);
	for (size_t i = 0; i < r->nfields; i++) {
		r->cells[i].s = r->row.s + r->offs[i];
		r->cells[i].len = r->lens[i];
	}
	if (r->fn(r->ctx, r->cells, r->nfields, r->start_line, r->e) < 0)
		r->stop = 1;
	r->records++;
	if (r->max_records && r->records >= r->max_records)
		r->stop = 2;
reset:
	r->nfields = 0;
	r->fed = 0;
	buf_reset(&r->row);
}

/* A whole record on one line without quotes or stray CRs: split it here. */
static int
fast_line(struct rowreader *r, const char *line, size_t n)
{
	const char *end = line + n, *p = line;

	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end == line)
		return 0; /* an empty line, which libcsv skips too */
	if (memchr(line, '\r', (size_t)(end - line)))
		return -1;
	r->start_line = r->cur_line;
	r->nfields = 0;
	buf_reset(&r->row);
	for (;;) {
		const char *d = memchr(p, r->f->delim, (size_t)(end - p));
		const char *fe = d ? d : end;

		if (r->nfields + 1 > r->fields_cap) {
			XGROW(r->offs, r->fields_cap, r->nfields + 1);
			r->lens = xrealloc(r->lens, r->fields_cap * sizeof(*r->lens));
		}
		r->offs[r->nfields] = r->row.len;
		r->lens[r->nfields] = (size_t)(fe - p);
		buf_add(&r->row, p, (size_t)(fe - p));
		buf_addch(&r->row, '\0');
		r->nfields++;
		if (!d)
			break;
		p = d + 1;
	}
	cb_record('\n', r);
	return 0;
}

static int
csv_run(struct csvfile *f, int max_records, row_fn fn, void *ctx, struct err *e)
{
	struct csv_parser p;
	struct rowreader r;
	const char *pos = f->data, *end = f->data + f->len;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	r.f = f;
	r.fn = fn;
	r.ctx = ctx;
	r.e = e;
	r.max_records = max_records;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return err_set(e, ERR_INTERNAL, "%s: cannot start the CSV parser", f->name);
	csv_set_delim(&p, (unsigned char)f->delim);
	r.cur_line = 0;
	while (pos < end && !r.stop) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		size_t n = nl ? (size_t)(nl - pos) + 1 : (size_t)(end - pos);

		r.cur_line++;
		if (r.fed + n > SOURCE_RECORD_MAX) {
			err_set(e, ERR_INVALID, "%s:%d: a record is longer than %d bytes (an unclosed quote?)", f->name,
				r.rec_line, SOURCE_RECORD_MAX);
			goto out;
		}
		if (!r.fed && !memchr(pos, '"', n) && fast_line(&r, pos, n) == 0) {
			pos += n;
			continue;
		}
		if (!r.fed)
			r.rec_line = r.cur_line;
		r.fed += n;
		if (csv_parse(&p, pos, n, cb_field, cb_record, &r) != n && !r.stop) {
			err_set(e, ERR_INVALID,
				"%s:%d: malformed CSV: %s (expected RFC 4180 quoting: a field with a quote, delimiter or newline is quoted, and inner quotes are doubled)",
				f->name, r.cur_line, csv_strerror(csv_error(&p)));
			goto out;
		}
		pos += n;
	}
	if (r.stop == 1)
		goto out;
	if (!r.stop && csv_fini(&p, cb_field, cb_record, &r) != 0) {
		err_set(e, ERR_INVALID,
			"%s:%d: a quoted field is not closed before the end of the file (a cut-off export?)", f->name,
			r.rec_line);
		goto out;
	}
	ret = r.stop == 1 ? -1 : 0;
out:
	csv_free(&p);
	buf_release(&r.row);
	free(r.offs);
	free(r.lens);
	free(r.cells);
	return ret;
}

/* The delimiter that occurs most often outside quotes on the first line; ties go to the earlier one. */
static char
sniff_delimiter(const char *data)
{
	static const char cands[] = { ';', ',', '\t', '|' };
	size_t count[4] = { 0, 0, 0, 0 }, best = 0;
	int quoted = 0;

	for (const char *p = data; *p && (quoted || *p != '\n'); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted)
			for (int i = 0; i < 4; i++)
				count[i] += *p == cands[i];
	}
	for (int i = 1; i < 4; i++)
		if (count[i] > count[best])
			best = (size_t)i;
	return count[best] ? cands[best] : ',';
}

static int
header_row(void *ctx, struct cell *cells, size_t n, int line, struct err *e)
{
	struct csvfile *f = ctx;
	size_t last = 0;

	(void)line;
	(void)e;
	for (size_t i = 0; i < n; i++) {
		char *t = text_trim_dup(cells[i].s, cells[i].len);

		if (*t)
			last = i + 1;
		free(t);
	}
	f->ncols = last;
	f->header = xcalloc(last ? last : 1, sizeof(*f->header));
	f->folded = xcalloc(last ? last : 1, sizeof(*f->folded));
	for (size_t i = 0; i < last; i++) {
		f->header[i] = text_trim_dup(cells[i].s, cells[i].len);
		f->folded[i] = text_fold_label(f->header[i]);
		if (!f->folded[i])
			f->folded[i] = xstrdup("");
	}
	return 0;
}

static int
csvfile_open(struct csvfile *f, const char *name, const char *path, const struct source_cfg *cfg, struct err *e)
{
	size_t rawlen;
	char *raw;

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->path = path;
	for (int ent = 0; ent < ENT_COUNT; ent++)
		for (int i = 0; i < FIELDS_MAX; i++)
			f->col[ent][i] = -1;
	raw = file_read(path, SOURCE_FILE_MAX, &rawlen, e);
	if (!raw)
		return err_prefix(e, "source \"%s\"", cfg->name);
	f->data = source_decode(name, raw, rawlen, cfg->encoding, &f->len, e);
	free(raw);
	if (!f->data)
		return -1;
	f->delim = cfg->delimiter ? cfg->delimiter : sniff_delimiter(f->data);
	if (csv_run(f, 1, header_row, f, e) < 0)
		return -1;
	if (!f->ncols)
		return err_set(e, ERR_INVALID, "%s: the file is empty (expected a header line with column names)",
			       name);
	return 0;
}

static void
csvfile_close(struct csvfile *f)
{
	for (size_t i = 0; i < f->ncols; i++) {
		free(f->header[i]);
		free(f->folded[i]);
	}
	free(f->header);
	free(f->folded);
	for (int ent = 0; ent < ENT_COUNT; ent++)
		free(f->xcol[ent]);
	free(f->data);
}

/* The column whose label matches label; -2 when two do; -1 when none. */
static int
find_column(const struct csvfile *f, const char *label)
{
	char *want = text_fold_label(label);
	int found = -1;

	if (!want)
		return -1;
	for (size_t i = 0; i < f->ncols; i++) {
		if (strcmp(f->folded[i], want))
			continue;
		if (found >= 0) {
			found = -2;
			break;
		}
		found = (int)i;
	}
	free(want);
	return found;
}

static void
header_list(const struct csvfile *f, struct buf *b)
{
	for (size_t i = 0; i < f->ncols; i++)
		buf_addf(b, "%s\"%s\"", i ? ", " : "", f->header[i]);
}

static int
missing_column(const struct csvfile *f, const char *label, const char *field, struct err *e)
{
	struct buf b = BUF_INIT;
	const char *near;
	int ret;

	near = text_suggest(label, (const char *const *)f->header, f->ncols);
	header_list(f, &b);
	if (near)
		ret = err_set(e, ERR_INVALID,
			      "%s:1: column \"%s\" (for %s) not found; did you mean \"%s\"? (the header has: %s)",
			      f->name, label, field, near, buf_str(&b));
	else
		ret = err_set(e, ERR_INVALID, "%s:1: column \"%s\" (for %s) not found (the header has: %s)", f->name,
			      label, field, buf_str(&b));
	buf_release(&b);
	return ret;
}

/*
 * Finds the column of every field of every entity the file serves. A field
 * mapped in the config but found in none of the files that could hold it is
 * reported by the caller; employee_id must be in every file.
 */
static int
resolve_columns(struct csvfile *f, const struct source_cfg *cfg, int *found, struct err *e)
{
	for (size_t i = 0; i < snapshot_nfields; i++) {
		const struct field_def *d = &snapshot_fields[i];
		const struct cfg_field *cf;
		int col = -1;

		if (!f->serves[d->ent])
			continue;
		cf = source_cfg_field(cfg, d->name);
		if (cf) {
			for (size_t k = 0; k < cf->ncolumns && col == -1; k++) {
				col = find_column(f, cf->columns[k]);
				if (col == -2)
					return err_set(
						e, ERR_INVALID,
						"%s:1: column \"%s\" (for %s) appears more than once in the header",
						f->name, cf->columns[k], d->name);
			}
			if (col >= 0)
				found[i] = 1;
			else if (!strcmp(d->name, "employee_id"))
				return missing_column(f, cf->columns[0], d->name, e);
		} else if (!cfg->fields_given) {
			col = find_column(f, d->name);
			if (col == -2)
				return err_set(e, ERR_INVALID,
					       "%s:1: column \"%s\" appears more than once in the header", f->name,
					       d->name);
			if (col < 0 && d->required)
				return missing_column(f, d->name, d->name, e);
		}
		f->col[d->ent][d->idx] = col < 0 ? -1 : col;
	}
	return 0;
}

struct reader {
	const struct source_cfg *cfg;
	struct snapshot *s;
	struct problems *ps;
	struct csvfile *f;
	int single;	    /* persons and contracts in one file */
	struct strmap seen; /* single-file: employee_id -> person index */
	int header_seen;
};

/* Values of one row for one entity, normalised; 0 when all is well, -1 after listing the problems. */
static int
row_fields(struct reader *rd, enum entity ent, struct cell *cells, int line, const char **f, const char **x,
	   enum entity pent, const char *key)
{
	struct csvfile *file = rd->f;
	int nf = snapshot_entity_nfields(ent), bad = 0;
	size_t first = ent == ENT_PERSON ? 0 : ent == ENT_CONTRACT ? P_NFIELDS : P_NFIELDS + C_NFIELDS;
	char msg[256], where[512];

	for (int i = 0; i < nf; i++) {
		const struct field_def *d = &snapshot_fields[first + (size_t)i];
		int col = file->col[ent][i];

		f[i] = "";
		if (col >= 0 &&
		    source_normalize(rd->s, rd->cfg, d, cells[col].s, cells[col].len, &f[i], msg, sizeof(msg)) < 0) {
			snprintf(where, sizeof(where), "column \"%s\"", file->header[col]);
			problems_add(rd->ps, PROBLEM_ERROR, file->name, line, where, cells[col].s, pent, key, "%s",
				     msg);
			bad = 1;
			continue;
		}
		if (d->required && !*f[i]) {
			if (col >= 0) {
				snprintf(where, sizeof(where), "column \"%s\"", file->header[col]);
				problems_add(rd->ps, PROBLEM_ERROR, file->name, line, where, "", pent, key,
					     "%s is required and empty", d->name);
			} else {
				problems_add(rd->ps, PROBLEM_ERROR, file->name, line, NULL, NULL, pent, key,
					     "%s is required and no column holds it (map it under fields:)", d->name);
			}
			bad = 1;
		}
	}
	for (size_t k = 0; k < rd->s->nextra[ent]; k++) {
		int col = file->xcol[ent] ? file->xcol[ent][k] : -1;

		if (col >= 0 &&
		    source_normalize(rd->s, rd->cfg, NULL, cells[col].s, cells[col].len, &x[k], msg, sizeof(msg)) < 0) {
			snprintf(where, sizeof(where), "column \"%s\"", file->header[col]);
			problems_add(rd->ps, PROBLEM_ERROR, file->name, line, where, cells[col].s, pent, key, "%s",
				     msg);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* The raw text of a row's cell for field idx of ent, for messages. */
static const char *
cell_of(struct reader *rd, struct cell *cells, enum entity ent, int idx)
{
	int col = rd->f->col[ent][idx];

	return col >= 0 ? cells[col].s : "";
}

static const char *
header_of(struct reader *rd, enum entity ent, int idx)
{
	int col = rd->f->col[ent][idx];

	return col >= 0 ? rd->f->header[col] : snapshot_field_name(ent, idx);
}

static int
dates_in_order(struct reader *rd, struct cell *cells, int line, enum entity ent, int si, int ei, const char *start,
	       const char *end, civil_day *ds, civil_day *de, const char *key)
{
	char where[512];

	if (source_period(start, end, ds, de) < 0) {
		snprintf(where, sizeof(where), "column \"%s\"", header_of(rd, ent, ei));
		problems_add(rd->ps, PROBLEM_ERROR, rd->f->name, line, where, cell_of(rd, cells, ent, ei), ent, key,
			     "the end date is before the start date \"%s\"", cell_of(rd, cells, ent, si));
		return -1;
	}
	return 0;
}

/* Single-file mode: 1 when this row's person was read from an earlier row. */
static int
person_seen(struct reader *rd, struct cell *cells)
{
	int col = rd->f->col[ENT_PERSON][P_EMPLOYEE_ID];
	char msg[128];
	const char *id;
	size_t idx;

	if (col < 0 || source_normalize(rd->s, rd->cfg, NULL, cells[col].s, cells[col].len, &id, msg, sizeof(msg)) < 0)
		return 0;
	return strmap_get(&rd->seen, id, &idx);
}

static int
same_person(struct reader *rd, const struct person *p, const char **f, int line, struct cell *cells)
{
	char where[512];
	int cidcol = rd->f->col[ENT_CONTRACT][C_CONTRACT_ID];

	for (int i = 0; i < P_NFIELDS; i++) {
		if (!strcmp(p->f[i], f[i]))
			continue;
		snprintf(where, sizeof(where), "column \"%s\"", header_of(rd, ENT_PERSON, i));
		problems_add(rd->ps, PROBLEM_ERROR, rd->f->name, line, where, cell_of(rd, cells, ENT_PERSON, i),
			     ENT_CONTRACT, cidcol >= 0 ? cells[cidcol].s : NULL,
			     "differs from line %d for the same person (\"%s\")", p->at.line, p->f[i]);
		return 0;
	}
	return 1;
}

static int
data_row(void *ctx, struct cell *cells, size_t n, int line, struct err *e)
{
	struct reader *rd = ctx;
	struct csvfile *f = rd->f;
	const char *pf[P_NFIELDS], *cf[C_NFIELDS], *af[A_NFIELDS];
	const char **px = NULL, **cx = NULL, **ax = NULL;
	size_t nonempty = 0, i;
	int bad = 0;

	(void)e;
	/* A cell of blanks is empty, as libcsv (which trims unquoted fields) would have it. */
	for (i = 0; i < n; i++)
		for (size_t k = 0; k < cells[i].len; k++)
			if (cells[i].s[k] != ' ' && cells[i].s[k] != '\t') {
				nonempty = i + 1;
				break;
			}
	if (!nonempty)
		return 0; /* a row of only delimiters, as spreadsheets leave at the end */
	if (n < f->ncols || nonempty > f->ncols) {
		/*
		 * Name the record when its key is on the row, so --skip-invalid keeps
		 * what was known of it and its contracts go with it.
		 */
		enum entity ent = f->serves[ENT_PERSON]	    ? ENT_PERSON
				  : f->serves[ENT_CONTRACT] ? ENT_CONTRACT
							    : ENT_ASSIGNMENT;
		int kcol;

		if (rd->single && (size_t)f->col[ENT_PERSON][P_EMPLOYEE_ID] < n && person_seen(rd, cells))
			ent = ENT_CONTRACT; /* a later row of a person already read: only its contract goes */
		kcol = ent == ENT_PERSON     ? f->col[ENT_PERSON][P_EMPLOYEE_ID]
		       : ent == ENT_CONTRACT ? f->col[ENT_CONTRACT][C_CONTRACT_ID]
					     : -1;
		size_t shown = n < f->ncols ? n : nonempty;

		problems_add(rd->ps, PROBLEM_ERROR, f->name, line, NULL, NULL, ent,
			     kcol >= 0 && (size_t)kcol < n ? cells[kcol].s : NULL,
			     "the row has %zu value%s, the header has %zu columns%s", shown, shown == 1 ? "" : "s",
			     f->ncols, n < f->ncols ? " (a cut-off line?)" : "");
		return 0;
	}
	if (f->serves[ENT_PERSON]) {
		const char *key = cells[f->col[ENT_PERSON][P_EMPLOYEE_ID]].s;
		struct person *p;
		size_t idx;

		if (rd->s->nextra[ENT_PERSON])
			px = arena_alloc(&rd->s->arena, rd->s->nextra[ENT_PERSON] * sizeof(*px));
		for (i = 0; i < rd->s->nextra[ENT_PERSON]; i++)
			px[i] = "";
		/*
		 * In one file with a row per contract, a later row of a person already
		 * read is about its contract: a problem there leaves out that contract,
		 * not the person and every other contract of theirs.
		 */
		if (rd->single && person_seen(rd, cells)) {
			int cidcol = f->col[ENT_CONTRACT][C_CONTRACT_ID];

			if (row_fields(rd, ENT_PERSON, cells, line, pf, px, ENT_CONTRACT,
				       cidcol >= 0 ? cells[cidcol].s : NULL) < 0)
				return 0;
		} else if (row_fields(rd, ENT_PERSON, cells, line, pf, px, ENT_PERSON, key) < 0) {
			return 0; /* with the person, the row's contract is left out too */
		}
		if (rd->single && strmap_get(&rd->seen, pf[P_EMPLOYEE_ID], &idx)) {
			if (!same_person(rd, &rd->s->persons[idx], pf, line, cells))
				return 0;
		} else {
			p = snapshot_add_person(rd->s);
			memcpy(p->f, pf, sizeof(pf));
			if (px)
				p->extra = px;
			p->at.file = f->name;
			p->at.line = line;
			if (rd->single)
				strmap_put(&rd->seen, p->f[P_EMPLOYEE_ID], rd->s->npersons - 1);
		}
	}
	if (f->serves[ENT_CONTRACT]) {
		int cidcol = f->col[ENT_CONTRACT][C_CONTRACT_ID];
		const char *key = cidcol >= 0 ? cells[cidcol].s : NULL;
		struct contract *c;
		civil_day ds, de;

		if (rd->s->nextra[ENT_CONTRACT])
			cx = arena_alloc(&rd->s->arena, rd->s->nextra[ENT_CONTRACT] * sizeof(*cx));
		for (i = 0; i < rd->s->nextra[ENT_CONTRACT]; i++)
			cx[i] = "";
		if (row_fields(rd, ENT_CONTRACT, cells, line, cf, cx, ENT_CONTRACT, key) < 0)
			bad = 1;
		else if (dates_in_order(rd, cells, line, ENT_CONTRACT, C_START_DATE, C_END_DATE, cf[C_START_DATE],
					cf[C_END_DATE], &ds, &de, key) < 0)
			bad = 1;
		if (!bad && cidcol >= 0 && !*cf[C_CONTRACT_ID]) {
			char where[512];

			snprintf(where, sizeof(where), "column \"%s\"", f->header[cidcol]);
			problems_add(rd->ps, PROBLEM_ERROR, f->name, line, where, "", ENT_CONTRACT, NULL,
				     "contract_id is empty");
			bad = 1;
		}
		if (!bad) {
			c = snapshot_add_contract(rd->s);
			memcpy(c->f, cf, sizeof(cf));
			if (cx)
				c->extra = cx;
			c->start = ds;
			c->end = de;
			c->fte = *c->f[C_FTE] ? strtod(c->f[C_FTE], NULL) : 0;
			c->at.file = f->name;
			c->at.line = line;
			/* Without a contract_id column, a person's contract is known by its start date. */
			if (cidcol < 0) {
				struct buf b = BUF_INIT;

				buf_addf(&b, "%s/%s", c->f[C_EMPLOYEE_ID], c->f[C_START_DATE]);
				c->f[C_CONTRACT_ID] = arena_strdup(&rd->s->arena, b.s);
				buf_release(&b);
			}
		}
	}
	if (f->serves[ENT_ASSIGNMENT]) {
		struct assignment *a;
		civil_day ds, de;

		if (rd->s->nextra[ENT_ASSIGNMENT])
			ax = arena_alloc(&rd->s->arena, rd->s->nextra[ENT_ASSIGNMENT] * sizeof(*ax));
		for (i = 0; i < rd->s->nextra[ENT_ASSIGNMENT]; i++)
			ax[i] = "";
		if (row_fields(rd, ENT_ASSIGNMENT, cells, line, af, ax, ENT_ASSIGNMENT, NULL) < 0)
			return 0;
		if (dates_in_order(rd, cells, line, ENT_ASSIGNMENT, A_START_DATE, A_END_DATE, af[A_START_DATE],
				   af[A_END_DATE], &ds, &de, NULL) < 0)
			return 0;
		a = snapshot_add_assignment(rd->s);
		memcpy(a->f, af, sizeof(af));
		if (ax)
			a->extra = ax;
		a->start = ds;
		a->end = de;
		a->at.file = f->name;
		a->at.line = line;
	}
	return 0;
}

static int
skip_header(void *ctx, struct cell *cells, size_t n, int line, struct err *e)
{
	struct reader *rd = ctx;

	if (!rd->header_seen) {
		rd->header_seen = 1;
		return 0;
	}
	return data_row(ctx, cells, n, line, e);
}

/* One file's rows into its own snapshot and problem list: a unit of work for a thread. */
struct part {
	const struct source_cfg *cfg;
	struct csvfile *files;
	int first, last; /* the files [first, last) */
	struct snapshot *s;
	struct problems *ps;
	struct err e;
	int ret;
};

static void *
read_part(void *arg)
{
	struct part *pt = arg;

	pt->ret = 0;
	for (int fi = pt->first; fi < pt->last && pt->ret == 0; fi++) {
		struct reader rd;

		memset(&rd, 0, sizeof(rd));
		rd.cfg = pt->cfg;
		rd.s = pt->s;
		rd.ps = pt->ps;
		rd.f = &pt->files[fi];
		rd.single = rd.f->serves[ENT_PERSON] && rd.f->serves[ENT_CONTRACT];
		pt->ret = csv_run(rd.f, 0, skip_header, &rd, &pt->e);
		strmap_release(&rd.seen);
	}
	return NULL;
}

/*
 * The persons file is read here while a second thread reads the contracts
 * and assignments files (the machine has cores to spare, and the files
 * share nothing until they are checked together). The second thread's
 * records and problems are appended afterwards, so the result is the same
 * as reading the files one after the other.
 */
static int
read_rows(const struct source_cfg *cfg, struct csvfile *files, int nfiles, struct snapshot *s, struct problems *ps,
	  struct err *e)
{
	struct snapshot other;
	struct problems ops;
	struct part a, b;
	pthread_t tid;
	int threaded = 0, ret = -1;

	memset(&a, 0, sizeof(a));
	a.cfg = cfg;
	a.files = files;
	a.first = 0;
	a.last = nfiles > 1 ? 1 : nfiles;
	a.s = s;
	a.ps = ps;
	b = a;
	b.first = a.last;
	b.last = nfiles;
	snapshot_init(&other);
	problems_init(&ops);
	for (int ent = 0; ent < ENT_COUNT; ent++)
		snapshot_set_extras(&other, (enum entity)ent, s->extra_names[ent], s->nextra[ent]);
	b.s = &other;
	b.ps = &ops;
	if (b.first < b.last)
		threaded = pthread_create(&tid, NULL, read_part, &b) == 0;
	read_part(&a);
	if (threaded)
		pthread_join(tid, NULL);
	else if (b.first < b.last)
		read_part(&b);
	if (a.ret < 0) {
		*e = a.e;
		goto out;
	}
	if (b.first < b.last && b.ret < 0) {
		*e = b.e;
		goto out;
	}
	snapshot_append(s, &other);
	problems_append(ps, &ops);
	ret = 0;
out:
	snapshot_release(&other);
	problems_release(&ops);
	return ret;
}

/* 1 when two paths name one file, however they are spelt ("hr.csv", "./hr.csv", a link). */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!strcmp(a, b))
		return 1;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Reads the source; with headers_only, stops once every file is open and every column found. */
static int
csv_read(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps, int headers_only, struct err *e)
{
	struct csvfile files[3];
	int nfiles = 0, ret = -1;
	int found[64];
	const char *xnames[ENT_COUNT][64];
	size_t nx[ENT_COUNT] = { 0, 0, 0 };
	int xent[64];

	memset(files, 0, sizeof(files));
	memset(found, 0, sizeof(found));
	if (cfg->nextras > 64)
		return err_set(e, ERR_CONFIG, "source \"%s\": more than 64 extra columns", cfg->name);

	if (csvfile_open(&files[nfiles], cfg->persons, cfg->persons_path, cfg, e) < 0)
		goto out;
	files[nfiles].serves[ENT_PERSON] = 1;
	nfiles++;
	if (cfg->contracts) {
		if (same_file(cfg->contracts_path, cfg->persons_path)) {
			files[0].serves[ENT_CONTRACT] = 1;
		} else {
			if (csvfile_open(&files[nfiles], cfg->contracts, cfg->contracts_path, cfg, e) < 0)
				goto out;
			files[nfiles].serves[ENT_CONTRACT] = 1;
			nfiles++;
		}
	}
	if (cfg->assignments) {
		if (same_file(cfg->assignments_path, cfg->persons_path) ||
		    (cfg->contracts && same_file(cfg->assignments_path, cfg->contracts_path))) {
			err_set(e, ERR_CONFIG,
				"source \"%s\": assignments must be a file of their own (\"%s\" is also the persons or contracts file)",
				cfg->name, cfg->assignments);
			goto out;
		}
		if (csvfile_open(&files[nfiles], cfg->assignments, cfg->assignments_path, cfg, e) < 0)
			goto out;
		files[nfiles].serves[ENT_ASSIGNMENT] = 1;
		nfiles++;
	}
	for (int i = 0; i < nfiles; i++)
		if (resolve_columns(&files[i], cfg, found, e) < 0)
			goto out;
	/* A mapped field must be somewhere; each canonical name counts once. */
	for (size_t i = 0; i < cfg->nfields; i++) {
		const struct cfg_field *cf = &cfg->fields[i];
		int any = 0, possible = 0;

		for (size_t k = 0; k < snapshot_nfields; k++) {
			if (strcmp(snapshot_fields[k].name, cf->name))
				continue;
			any |= found[k];
			for (int fi = 0; fi < nfiles; fi++)
				possible |= files[fi].serves[snapshot_fields[k].ent];
		}
		if (!any && possible) {
			for (int fi = 0; fi < nfiles; fi++) {
				int serves = 0;

				for (size_t k = 0; k < snapshot_nfields; k++)
					if (!strcmp(snapshot_fields[k].name, cf->name))
						serves |= files[fi].serves[snapshot_fields[k].ent];
				if (serves) {
					missing_column(&files[fi], cf->columns[0], cf->name, e);
					goto out;
				}
			}
		}
	}
	/* Required fields that are not mapped at all can never be filled. */
	if (cfg->fields_given) {
		for (size_t k = 0; k < snapshot_nfields; k++) {
			const struct field_def *d = &snapshot_fields[k];
			int serves = 0;

			for (int fi = 0; fi < nfiles; fi++)
				serves |= files[fi].serves[d->ent];
			if (d->required && serves && !source_cfg_field(cfg, d->name)) {
				err_set(e, ERR_CONFIG,
					"source \"%s\": fields: %s is required (map it to the column that holds it)",
					cfg->name, d->name);
				goto out;
			}
		}
	}
	/* Each extra belongs to the first file (persons, contracts, assignments) whose header has it. */
	for (size_t k = 0; k < cfg->nextras; k++) {
		xent[k] = -1;
		for (int fi = 0; fi < nfiles && xent[k] < 0; fi++) {
			int col = find_column(&files[fi], cfg->extras[k].column);

			if (col >= 0)
				for (int ent = 0; ent < ENT_COUNT; ent++)
					if (files[fi].serves[ent]) {
						xent[k] = ent;
						break;
					}
		}
		if (xent[k] < 0) {
			missing_column(&files[0], cfg->extras[k].column, cfg->extras[k].name, e);
			goto out;
		}
		xnames[xent[k]][nx[xent[k]]++] = cfg->extras[k].name;
	}
	for (int ent = 0; ent < ENT_COUNT; ent++)
		snapshot_set_extras(s, (enum entity)ent, xnames[ent], nx[ent]);
	for (int fi = 0; fi < nfiles; fi++) {
		for (int ent = 0; ent < ENT_COUNT; ent++) {
			size_t j = 0;

			if (!nx[ent])
				continue;
			files[fi].xcol[ent] = xcalloc(nx[ent], sizeof(int));
			for (size_t k = 0; k < cfg->nextras; k++) {
				if (xent[k] != ent)
					continue;
				files[fi].xcol[ent][j++] =
					files[fi].serves[ent] ? find_column(&files[fi], cfg->extras[k].column) : -1;
			}
		}
	}
	if (headers_only) {
		ret = 0;
		goto out;
	}
	for (int fi = 0; fi < nfiles; fi++)
		for (size_t k = 0; k < snapshot_nfields; k++) {
			const struct field_def *d = &snapshot_fields[k];
			int col = files[fi].serves[d->ent] ? files[fi].col[d->ent][d->idx] : -1;

			if (col >= 0)
				snapshot_label_add(s, files[fi].name, d->name, files[fi].header[col]);
		}
	ret = read_rows(cfg, files, nfiles, s, ps, e);
out:
	for (int i = 0; i < 3; i++)
		csvfile_close(&files[i]);
	return ret;
}

int
source_csv_read(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps, struct err *e)
{
	return csv_read(cfg, s, ps, 0, e);
}

int
source_csv_check(const struct source_cfg *cfg, struct err *e)
{
	struct snapshot s;
	struct problems ps;
	int ret;

	snapshot_init(&s);
	problems_init(&ps);
	ret = csv_read(cfg, &s, &ps, 1, e);
	snapshot_release(&s);
	problems_release(&ps);
	return ret;
}
