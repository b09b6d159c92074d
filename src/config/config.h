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

/*
 * A text the rules stage compiles (a condition or a template), with where
 * its first character stands, so that an error at byte offset N can point a
 * caret at the spot.
 */
struct cfg_text {
	char *text;	    /* NULL when absent */
	struct cfg_pos pos; /* of the first character of the value itself */
	int exact;	    /* 1: a one-line scalar without escapes, so offset N is column pos.col + N */
};

enum attr_kind { ATTR_TEMPLATE, ATTR_UNIQUE, ATTR_REF, ATTR_LUA };

/* One mapped attribute of a target's accounts. */
struct cfg_attr {
	char *name;
	enum attr_kind kind;
	struct cfg_text template; /* ATTR_TEMPLATE */
	struct cfg_text *unique;  /* ATTR_UNIQUE: the candidates, in order */
	size_t nunique;
	struct cfg_text iterate; /* ATTR_UNIQUE: with {n}; text NULL when absent */
	char *ref;		 /* ATTR_REF: the field holding the other person's employee_id ("manager") */
	char *ref_attribute;	 /* ATTR_REF: the attribute of that person's account on this target */
	struct cfg_text lua;	 /* ATTR_LUA: the chunk */
	int update;		 /* 1 (default): kept in step; 0: set at create, never changed */
	int send;		 /* 1 (default); 0: computed and stored, never sent to the target */
	long max_length;	 /* unique values are shortened to this before iterating; 0: no limit */
	int check_target;	 /* unique values also checked against the target itself */
	int entry_name;		 /* the entry's name in a directory (ldap/ad `dn:`): a change is a move */
	struct cfg_pos pos;
};

/* Days, relative to the account window (see docs/rules.md). */
struct cfg_lifecycle {
	long create_before;
	long enable_before;
	long disable_after;
	long delete_after;
	long bridge_gap;
};

/*
 * A key of the target's connector (url, bind_dn, dn, file, …): its value as
 * JSON — a YAML scalar is a string (with ${env:} and ${file:} expanded), a
 * sequence an array, a mapping an object — and where it stands. Which keys
 * a connector takes is listed in config.c; what they must hold the
 * connector checks (connector_check).
 */
struct json_t;
struct cfg_option {
	char *key;
	struct json_t *value;
	struct cfg_pos pos;
};

struct cfg_target {
	char *name;
	char *connector;
	char *correlate_attribute;
	char *correlate_field;
	struct cfg_lifecycle lifecycle;
	struct cfg_attr *attrs;
	size_t nattrs;
	struct cfg_limit max_disable, max_delete, max_revoke;
	struct cfg_option *options; /* the connector's own keys, in file order */
	size_t noptions;
	struct cfg_pos pos;
};

/* What a rule grants on a target: an account, or a permission (a group). */
struct cfg_grant {
	char *target;
	int account;	       /* 1: the account itself */
	struct cfg_text group; /* a template naming the group; text NULL for an account */
	struct cfg_pos pos;
};

struct cfg_rule {
	char *name;
	struct cfg_text when; /* text NULL: always */
	char *for_kind;	      /* NULL: once per contract; else once per assignment of this kind */
	struct cfg_grant *grants;
	size_t ngrants;
	int delegable;	       /* a temporary replacement may inherit these grants */
	int inherit_delegable; /* inherit: delegable — gets the replaced person's delegable grants */
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
	struct cfg_target *targets;
	size_t ntargets;
	struct cfg_rule *rules;
	size_t nrules;
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

/* The target named name, or NULL. */
const struct cfg_target *config_target(const struct config *cfg, const char *name);

/* The connector key of target t, or NULL when it is not set. */
const struct cfg_option *cfg_target_option(const struct cfg_target *t, const char *key);

/*
 * The line of the configuration file where pos stands, and under it a caret
 * at column pos.col + offset (when exact), for messages about conditions and
 * templates. Appends "\n    <line>\n    <spaces>^" to out; nothing when the
 * line cannot be read.
 */
struct buf;
void config_caret(const struct config *cfg, const struct cfg_text *t, size_t offset, struct buf *out);

#endif
