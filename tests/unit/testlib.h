/*
 * What the unit tests in tests/unit share: an assertion cmocka lacks, a
 * scratch directory per test and files written into it, builders of
 * snapshot records, and the fixture of the source tests, which read HR
 * files through a real roster.yaml.
 *
 * testlib.c is linked into every unit test program (tests/meson.build) and
 * is not a test program itself. Functions that take file and line report a
 * failure at the caller's place; use the macros without _fl. Every function
 * that "fails the test" does so through cmocka, so it may only be called
 * while a test, setup or teardown runs.
 */
#ifndef ROSTER_TESTLIB_H
#define ROSTER_TESTLIB_H

#include <stddef.h>

#include "config/config.h"
#include "source/snapshot.h"
#include "source/source.h"
#include "util/date.h"
#include "util/err.h"

/* --- assertions --- */

/* Fails the test unless hay is not NULL and contains needle. */
void tl_assert_contains_fl(const char *hay, const char *needle, const char *file, int line);
#define tl_assert_contains(h, n) tl_assert_contains_fl((h), (n), __FILE__, __LINE__)

/* --- scratch directories and files --- */

/*
 * Makes a new, empty directory $TMPDIR/roster-<tag>-XXXXXX (/tmp when TMPDIR
 * is unset) and writes its path into dir, which holds size bytes. Returns 0,
 * or -1 when the path does not fit or mkdtemp fails (errno tells why). Does
 * not fail the test, so that a setup can return -1. Nothing is allocated;
 * the caller removes the directory with tl_tmpdir_remove.
 */
int tl_tmpdir_make(char *dir, size_t size, const char *tag);

/*
 * Removes dir and everything below it, without following symbolic links.
 * Returns 0, or -1 when something could not be removed (what could, is).
 */
int tl_tmpdir_remove(const char *dir);

/*
 * Writes data (a string; its NUL is not written) to the file dir/name,
 * replacing what was there. A directory in name must exist already. Fails
 * the test when the file cannot be written. Nothing is allocated.
 */
void tl_put_file(const char *dir, const char *name, const char *data);

/* --- snapshot records --- */

/* The day number of iso (YYYY-MM-DD); fails the test when it does not parse. */
civil_day tl_day(const char *iso);

/*
 * Adds a person to s with employee_id id, given name given and family name
 * family (NULL: left ""). Every string is copied into s's arena. Returns the
 * person, owned by s and valid until the next person is added to s.
 */
struct person *tl_add_person(struct snapshot *s, const char *id, const char *given, const char *family);

/*
 * Adds contract cid of person emp to s, from start to end (YYYY-MM-DD; end
 * NULL: open), with both dates also as day numbers (tl_day). Every string is
 * copied into s's arena; the other fields stay "". Returns the contract,
 * owned by s and valid until the next contract is added to s.
 */
struct contract *tl_add_contract(struct snapshot *s, const char *emp, const char *cid, const char *start,
				 const char *end);

/*
 * Adds an assignment of kind kind and value value to person emp in s, from
 * start to end (YYYY-MM-DD; NULL: open on that side), with the dates also as
 * day numbers (tl_day). Every string is copied into s's arena. Returns the
 * assignment, owned by s and valid until the next assignment is added to s.
 */
struct assignment *tl_add_assignment(struct snapshot *s, const char *emp, const char *kind, const char *value,
				     const char *start, const char *end);

/* --- the source fixture: HR files read through a real roster.yaml --- */

struct tl_source {
	char dir[256];	   /* the scratch directory: roster.yaml and the HR files */
	struct config cfg; /* loaded by tl_source_config */
	int cfg_loaded;
	struct snapshot s;    /* what the last tl_source_read gave */
	struct snapshot prev; /* what the vault knew, for carry-over tests */
	struct problems ps;   /* the problems of the last tl_source_read */
	struct err e;
};

/*
 * Allocates a fixture with a new scratch directory named after tag
 * (tl_tmpdir_make) and empty snapshots, problems and error. Returns NULL
 * when memory or the directory cannot be had; does not fail the test, so
 * that a setup can return -1. The caller frees it with tl_source_free.
 */
struct tl_source *tl_source_new(const char *tag);

/*
 * Releases the config (when loaded), the snapshots and the problems,
 * removes the scratch directory with all in it and frees fx.
 * tl_source_free(NULL) does nothing.
 */
void tl_source_free(struct tl_source *fx);

/*
 * Writes yaml as roster.yaml in the scratch directory and loads it into
 * fx->cfg, which tl_source_free releases. Fails the test when it does not
 * load. Load it once per fixture.
 */
void tl_source_config(struct tl_source *fx, const char *yaml);

/*
 * Reads the first source of fx->cfg into a fresh fx->s and fx->ps (the
 * previous ones are released), with a fresh fx->e. Returns source_read's
 * result: 0, or -1 with fx->e set.
 */
int tl_source_read(struct tl_source *fx);

/* tl_source_read, failing the test when it fails. */
void tl_source_read_ok_fl(struct tl_source *fx, const char *file, int line);
#define tl_source_read_ok(fx) tl_source_read_ok_fl((fx), __FILE__, __LINE__)

/*
 * tl_source_read, failing the test when it succeeds. Returns the error
 * message, owned by fx and valid until its next read.
 */
const char *tl_source_read_err_fl(struct tl_source *fx, const char *file, int line);
#define tl_source_read_err(fx) tl_source_read_err_fl((fx), __FILE__, __LINE__)

/* Fails the test, listing the problems, when the last read found any. */
void tl_assert_no_problems_fl(const struct tl_source *fx, const char *file, int line);
#define tl_assert_no_problems(fx) tl_assert_no_problems_fl((fx), __FILE__, __LINE__)

/*
 * The first problem of level level whose formatted text (problem_format)
 * contains text. Fails the test, listing the problems, when there is none.
 * The problem is owned by fx and valid until its next read.
 */
const struct problem *tl_problem_fl(const struct tl_source *fx, enum problem_level level, const char *text,
				    const char *file, int line);
#define tl_assert_error(fx, text) tl_problem_fl((fx), PROBLEM_ERROR, (text), __FILE__, __LINE__)
#define tl_assert_warning(fx, text) tl_problem_fl((fx), PROBLEM_WARNING, (text), __FILE__, __LINE__)

/*
 * The person with employee_id id in fx->s, or NULL when there is none.
 * Owned by fx and valid until its next read.
 */
const struct person *tl_source_person(const struct tl_source *fx, const char *id);

/*
 * The contract with contract_id cid in fx->s, or NULL when there is none.
 * Owned by fx and valid until its next read.
 */
const struct contract *tl_source_contract(const struct tl_source *fx, const char *cid);

#endif
