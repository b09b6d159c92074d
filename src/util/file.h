/* Whole-file reading with a size limit. */
#ifndef ROSTER_FILE_H
#define ROSTER_FILE_H

#include <stddef.h>

#include "util/err.h"

/*
 * Reads path into a malloc'd buffer (NUL-terminated, *len without it; the
 * caller free()s it). A file over max bytes is an ERR_INVALID error, never
 * cut short; a file that can't be read is ERR_INVALID naming the path.
 */
char *file_read(const char *path, size_t max, size_t *len, struct err *e);

/*
 * Joins dir and path unless path is absolute or dir is NULL/empty (malloc'd).
 */
char *file_join(const char *dir, const char *path);

/* The directory part of path ("." when none), malloc'd. */
char *file_dirname(const char *path);

/*
 * Writes data to path atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory. Fails with ERR_INTERNAL naming the path.
 */
int file_write_atomic(const char *path, const void *data, size_t len, struct err *e);

/*
 * The same in steps, for what is written piece by piece: open makes the
 * temporary file next to path, write appends, commit syncs and renames it
 * into place (and on failure removes it), abort removes it. A path that
 * is there and is not a regular file (/dev/stdout, a pipe) is written to
 * directly and never replaced.
 */
struct atomic_file {
	int fd;
	char *tmp;
	char *path;
};
int file_atomic_open(struct atomic_file *af, const char *path, struct err *e);
int file_atomic_write(struct atomic_file *af, const void *data, size_t len, struct err *e);
int file_atomic_commit(struct atomic_file *af, struct err *e);
void file_atomic_abort(struct atomic_file *af);

/* Creates dir and its parents (mode 0755); 0 or -1 with e set. */
int file_mkdirs(const char *dir, struct err *e);

#endif
