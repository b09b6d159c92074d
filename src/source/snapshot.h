/*
 * The canonical HR data of one source at one moment: persons, contracts and
 * assignments (DESIGN.md, the identity model). Produced by a source reader,
 * stored and loaded by the vault, compared by diff.c.
 *
 * Every value is a string ("" when empty; never NULL) owned by the
 * snapshot's arena. Dates are normalised to YYYY-MM-DD and also kept as day
 * numbers; fte is normalised to a decimal with a point.
 */
#ifndef ROSTER_SNAPSHOT_H
#define ROSTER_SNAPSHOT_H

#include <stddef.h>

#include "util/arena.h"
#include "util/date.h"
#include "util/strmap.h"

enum entity { ENT_PERSON, ENT_CONTRACT, ENT_ASSIGNMENT, ENT_COUNT };

enum person_field {
	P_EMPLOYEE_ID,
	P_GIVEN_NAME,
	P_INITIALS,
	P_FAMILY_NAME_PREFIX,
	P_FAMILY_NAME,
	P_PARTNER_NAME_PREFIX,
	P_PARTNER_NAME,
	P_NAME_CONVENTION,
	P_EMAIL_PRIVATE,
	P_PHONE,
	P_MANAGER_ID,
	P_NFIELDS
};

enum contract_field {
	C_CONTRACT_ID,
	C_EMPLOYEE_ID,
	C_START_DATE,
	C_END_DATE,
	C_DEPARTMENT_CODE,
	C_DEPARTMENT_NAME,
	C_TITLE_CODE,
	C_TITLE_NAME,
	C_COST_CENTER,
	C_LOCATION,
	C_FTE,
	C_TYPE,
	C_MANAGER_ID,
	C_NFIELDS
};

enum assignment_field { A_EMPLOYEE_ID, A_KIND, A_VALUE, A_START_DATE, A_END_DATE, A_NFIELDS };

#define FIELDS_MAX 13 /* the largest of the three */

enum field_type { FT_TEXT, FT_DATE, FT_NUMBER, FT_CONVENTION };

struct field_def {
	const char *name; /* canonical name, as in the config's fields map */
	enum entity ent;
	int idx; /* index into that entity's f[] */
	enum field_type type;
	int required; /* an empty value is an error */
};

/* Every canonical field, persons first, then contracts, then assignments. */
extern const struct field_def snapshot_fields[];
extern const size_t snapshot_nfields;
/* The canonical name of field idx of entity ent ("employee_id", "department.code"). */
const char *snapshot_field_name(enum entity ent, int idx);
int snapshot_entity_nfields(enum entity ent);
const char *snapshot_entity_name(enum entity ent); /* "person", "contract", "assignment" */

/* Where a record came from, for messages: file and line (0 when not known). */
struct origin {
	const char *file;
	int line;
	const char *path; /* json: "persons[3].contracts[0]"; NULL for csv */
};

/* Which header a file uses for a canonical field, so messages name the column as the file does. */
struct column_label {
	const char *file;
	const char *field;
	const char *header;
};

struct person {
	const char *f[P_NFIELDS];
	const char **extra;		  /* values of the person extras, in config order */
	size_t contract0, ncontracts;	  /* range in snapshot.contracts (sorted) */
	size_t assignment0, nassignments; /* range in snapshot.assignments */
	int present;			  /* 0: known from before, gone from the feed */
	int removed_in;			  /* vault: the snapshot that removed it, else 0 */
	struct origin at;
};

struct contract {
	const char *f[C_NFIELDS];
	const char **extra;
	civil_day start, end; /* end is DATE_NONE when open */
	double fte;
	struct origin at;
};

struct assignment {
	const char *f[A_NFIELDS];
	const char **extra;
	civil_day start, end;
	struct origin at;
};

struct snapshot {
	struct arena arena;
	struct person *persons;
	size_t npersons, persons_cap;
	struct contract *contracts;
	size_t ncontracts, contracts_cap;
	struct assignment *assignments;
	size_t nassignments, assignments_cap;
	/* Names of the extras of each entity, in config order (arena or static strings). */
	const char **extra_names[ENT_COUNT];
	size_t nextra[ENT_COUNT];
	struct column_label *labels;
	size_t nlabels, labels_cap;
	struct strmap by_id; /* employee_id -> index into persons, after snapshot_index() */
	int indexed;
};

void snapshot_init(struct snapshot *s);
void snapshot_release(struct snapshot *s);

/* Sets the extra names of an entity (copied into the arena). */
void snapshot_set_extras(struct snapshot *s, enum entity ent, const char *const *names, size_t n);

/* Records that file calls field header (both copied). */
void snapshot_label_add(struct snapshot *s, const char *file, const char *field, const char *header);
/* The header file uses for field, or NULL when not recorded. */
const char *snapshot_label(const struct snapshot *s, const char *file, const char *field);

/* Appends a record with every field "" and every extra ""; the pointer is valid until the next add. */
struct person *snapshot_add_person(struct snapshot *s);
struct contract *snapshot_add_contract(struct snapshot *s);
struct assignment *snapshot_add_assignment(struct snapshot *s);

/*
 * Sorts persons by employee_id, contracts by (employee_id, contract_id),
 * assignments by (employee_id, kind, value, start_date), links each person
 * to its contracts and assignments and builds the by_id index. Call after
 * the last add; records whose person is absent keep no link.
 */
void snapshot_index(struct snapshot *s);

/* 1 and *idx when the person is there, 0 when not (after snapshot_index). */
int snapshot_person_find(const struct snapshot *s, const char *employee_id, size_t *idx);

/*
 * Moves every record of from (which must have the same extra names) to the
 * end of to; from is left empty, to needs snapshot_index() again.
 */
void snapshot_append(struct snapshot *to, struct snapshot *from);

/* A contract or assignment is active on day at when start <= at <= end. */
int contract_active(const struct contract *c, civil_day at);
/* Active on at, or starting after it. */
int contract_current_or_future(const struct contract *c, civil_day at);

/*
 * The primary contract of p on day at (the default order of DESIGN.md:
 * active before upcoming before ended; then highest fte, earliest start,
 * lowest contract_id). NULL when p has no contract.
 */
const struct contract *snapshot_primary_contract(const struct snapshot *s, const struct person *p, civil_day at);

/* The key of an assignment ("kind value start") compared when diffing. */
int assignment_cmp(const struct assignment *a, const struct assignment *b);

/* "Jan de Vries" as people say it (given name, prefix, family name), for messages. */
void snapshot_person_label(const struct person *p, char *out, size_t outlen);

#endif
