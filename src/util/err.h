/*
 * Errors that cross module boundaries. The caller owns a struct err; a callee
 * that fails fills it with err_set() and returns -1, so a failure is one line.
 */
#ifndef ROSTER_ERR_H
#define ROSTER_ERR_H

#include <stddef.h>

enum err_class {
	ERR_NONE = 0,
	ERR_TRANSIENT, /* retry may help: server down, busy, timeout */
	ERR_PERMANENT, /* the operation can never succeed as asked */
	ERR_INVALID,   /* the user's input (a file, a flag, a value) */
	ERR_CONFIG,    /* the configuration file */
	ERR_CONFLICT,  /* something already exists */
	ERR_NOTFOUND,
	ERR_GUARD,    /* refused by a guard */
	ERR_INTERNAL, /* a bug or an I/O failure of our own */
};

#define ERR_MSG_MAX 2048

struct err {
	enum err_class class;
	char msg[ERR_MSG_MAX];
};

/* Clears e (e may be NULL). */
void err_init(struct err *e);

/*
 * Sets the class and the message (printf format) and returns -1. A message
 * longer than ERR_MSG_MAX is cut with "..." at the end. e may be NULL.
 */
int err_set(struct err *e, enum err_class class, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message; returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The process exit code for an error class: 2 for input and configuration, 3 for a guard, else 1. */
int err_exit_code(const struct err *e);

/* Reports a bug with its place and aborts; for invariants only. */
#define BUG(...) bug_fl(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void bug_fl(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
