/*
 * A scratch folder for the fuzz targets whose parser reads files (the CSV and
 * JSON sources, the configuration): made once per process in
 * LLVMFuzzerInitialize, under $TMPDIR, and removed at a normal exit.
 */
#ifndef ROSTER_FUZZ_SCRATCH_H
#define ROSTER_FUZZ_SCRATCH_H

#include <stddef.h>

/*
 * Makes the folder ("roster-<tag>.XXXXXX") once; a second call does nothing.
 * Aborts when it cannot: a harness that cannot write its input finds nothing.
 */
void scratch_open(const char *tag);

/* The path of name in the folder (malloc'd, kept for the life of the process). */
char *scratch_path(const char *name);

/* Replaces the file at path (from scratch_path) with data; aborts on failure. */
void scratch_write(const char *path, const void *data, size_t len);

#endif
