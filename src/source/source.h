/*
 * Reading an HR source (the csv and json readers, source_csv.c and
 * source_json.c) into a canonical snapshot, and checking it.
 *
 * A fatal error (a file that can't be read, a header without a configured
 * column, a file that is not CSV or JSON at all) makes source_read() fail.
 * Problems with single rows are collected in a struct problems: rows with an
 * error are left out of the snapshot and listed, warnings keep the row.
 */
#ifndef ROSTER_SOURCE_H
#define ROSTER_SOURCE_H

#include <stddef.h>

#include "config/config.h"
#include "source/snapshot.h"
#include "util/err.h"

enum problem_level { PROBLEM_ERROR, PROBLEM_WARNING };

struct problem {
	enum problem_level level;
	char *file;	 /* as written in the config */
	int line;	 /* 0: no line (json) */
	char *where;	 /* 'column "Achternaam"' or 'field "persons[3].end_date"' */
	char *value;	 /* NULL when no single value is at fault */
	char *msg;	 /* what is wrong, and what was expected */
	enum entity ent; /* the record left out, for errors */
	char *key;	 /* its employee_id (persons) or contract_id; NULL when unknown */
};

struct problems {
	struct problem *v;
	size_t n, cap;
	size_t nerrors, nwarnings;
};

void problems_init(struct problems *ps);
void problems_release(struct problems *ps);
/* Moves every problem of from to the end of to; from is left empty. */
void problems_append(struct problems *to, struct problems *from);
/* Adds a problem; every string is copied; where, value and key may be NULL. */
void problems_add(struct problems *ps, enum problem_level level, const char *file, int line, const char *where,
		  const char *value, enum entity ent, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));
/* One line: 'hr/contracts.csv:6: column "Einddatum": value "x": what is wrong' (malloc'd). */
char *problem_format(const struct problem *p);

/* Size limits for untrusted input; hitting one is an error, never a silent cut. */
#define SOURCE_FILE_MAX ((size_t)2 << 30) /* 2 GiB */
#define SOURCE_FIELD_MAX (64 * 1024)
#define SOURCE_RECORD_MAX (1024 * 1024)

/*
 * Reads the source cfg into out (initialised by the caller; its extras are
 * set here from the config) and checks it (validate.c). Returns 0, or -1
 * with e set (ERR_INVALID) for a fatal error. out is indexed on success.
 */
int source_read(const struct source_cfg *cfg, struct snapshot *out, struct problems *ps, struct err *e);

/*
 * For roster check: the source's files can be read and their headers have
 * every configured column (csv), or the file is JSON of the right shape.
 * Row data is not checked. 0, or -1 with e set.
 */
int source_check(const struct source_cfg *cfg, struct err *e);
int source_csv_check(const struct source_cfg *cfg, struct err *e);

/* The readers; same contract as source_read but without the checks. */
int source_csv_read(const struct source_cfg *cfg, struct snapshot *out, struct problems *ps, struct err *e);
int source_json_read(const struct source_cfg *cfg, struct snapshot *out, struct problems *ps, struct err *e);

/*
 * Normalises value v for field def into *out (arena of s): trims blanks,
 * makes Unicode NFC, parses dates and numbers. Returns 0, or -1 with a
 * message of what was expected in msg.
 */
int source_normalize(struct snapshot *s, const struct source_cfg *cfg, const struct field_def *def, const char *v,
		     size_t len, const char **out, char *msg, size_t msglen);

/*
 * The period of a record from its normalised start and end dates ("" when
 * absent): sets *start and *end (DATE_NONE when absent) and returns -1 when
 * the end is before the start, else 0.
 */
int source_period(const char *start, const char *end, civil_day *ds, civil_day *de);

/*
 * The checks across records: duplicates, references to persons that are not
 * there, managers that do not exist, manager cycles. Leaves out what is in
 * error (listed in ps) and indexes s.
 */
void source_validate(const struct source_cfg *cfg, struct snapshot *s, struct problems *ps);

/*
 * For --skip-invalid (carry.c): persons and contracts whose rows were left
 * out with an error keep what prev knew of them, so a bad row never turns
 * someone into a leaver. next is re-indexed. Returns how many were carried.
 */
size_t source_carry_over(const struct snapshot *prev, struct snapshot *next, const struct problems *ps);

/* Decoding a source file into UTF-8 (decode.c). */
/*
 * Converts data (len bytes, in enc; a UTF-8 BOM is skipped, a UTF-16 BOM
 * switches to UTF-16) into a malloc'd NUL-terminated UTF-8 buffer. Invalid
 * input fails with an ERR_INVALID message naming file, line and column.
 */
char *source_decode(const char *file, const char *data, size_t len, enum source_encoding enc, size_t *outlen,
		    struct err *e);

#endif
