/*
 * roster.yaml: the one configuration file (libfyaml). config_load() reads and
 * checks all of it; every error names file:line:column, the key, what was
 * found and what was expected.
 */
#ifndef ROSTER_CONFIG_H
#define ROSTER_CONFIG_H

#include <stddef.h>

#include "util/err.h"

enum source_format { SOURCE_CSV, SOURCE_JSON };
enum source_encoding { ENC_UTF8, ENC_WINDOWS_1252, ENC_ISO_8859_1 };

/* Where something stands in the config file (1-based; 0 when not known). */
struct cfg_pos {
	int line;
	int col;
};

/* A count ("25") or a percentage ("10%"). */
struct cfg_limit {
	long value;
	int percent;
	struct cfg_pos pos;
};

struct cfg_field {
	char *name;	/* canonical field name, "department.code" */
	char **columns; /* the column header (CSV) or key (JSON); in each file the first one found counts */
	size_t ncolumns;
	struct cfg_pos pos;
};

struct cfg_extra {
	char *name; /* the user's name for it, used in rules and templates */
	char *column;
	struct cfg_pos pos;
};

struct source_cfg {
	char *name;
	enum source_format format;
	char *persons;	    /* paths as written in the file */
	char *contracts;    /* NULL when absent */
	char *assignments;  /* NULL when absent */
	char *persons_path; /* the same, resolved against the config's folder */
	char *contracts_path;
	char *assignments_path;
	char delimiter; /* 0: auto */
	enum source_encoding encoding;
	char *date_format; /* NULL: auto */
	struct cfg_field *fields;
	size_t nfields;
	int fields_given; /* 0: no fields map, columns carry the canonical names */
	struct cfg_extra *extras;
	size_t nextras;
	struct cfg_limit max_removed;
	struct cfg_pos pos;
};

struct config {
	char *file;	  /* the path it was read from */
	char *dir;	  /* its folder: relative paths are relative to it */
	char *vault;	  /* as written */
	char *vault_path; /* resolved */
	char *timezone;	  /* NULL: the system's */
	struct source_cfg *sources;
	size_t nsources;
};

/*
 * Reads and validates path. On success fills *cfg (release with
 * config_release) and returns 0; else -1 with an ERR_CONFIG error.
 */
int config_load(struct config *cfg, const char *path, struct err *e);
void config_release(struct config *cfg);

/* The source named name (NULL: the first), or NULL. */
const struct source_cfg *config_source(const struct config *cfg, const char *name);

/* The fields entry for canonical field name, or NULL when it is not mapped. */
const struct cfg_field *source_cfg_field(const struct source_cfg *s, const char *name);

/* Applies a limit to a total: the count, or the percentage of total rounded down. */
long cfg_limit_of(const struct cfg_limit *l, long total);
/* "10%" or "25" into out. */
void cfg_limit_format(const struct cfg_limit *l, char *out, size_t outlen);

const char *source_encoding_name(enum source_encoding enc);

#endif
