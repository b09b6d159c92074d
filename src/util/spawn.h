/*
 * Running another program: its argv without a shell, extra environment
 * entries, one document on its stdin, its stdout and stderr captured with
 * size limits, a timeout, and its exit status. For connectors that hand an
 * action to a program (connector_exec.c) and for notifications that do.
 *
 * What must hold, whatever the program does:
 * - it runs in a session and process group of its own (setsid), and when it
 *   has exited, timed out or said too much, that whole group is killed
 *   (kill(-pgid)): nothing it started outlives the call, and it is reaped,
 *   so no zombie is left;
 * - it gets stdin, stdout and stderr and no other descriptor of ours
 *   (every other one is closed in the child), and every descriptor the call
 *   opens is closed before it returns;
 * - it starts with every signal at its default action and none blocked,
 *   whatever the caller ignores or blocks (SIGPIPE above all);
 * - a program that does not read its stdin is no error and never raises
 *   SIGPIPE in the caller (it is blocked and consumed around the writes);
 * - output beyond a limit is an error, never silently cut: stdout over
 *   out_max stops the program (out_overflow); stderr keeps its last
 *   err_max bytes (err_cut says that the beginning is gone).
 *
 * Reentrant; runs in the calling thread, without signal handlers.
 */
#ifndef ROSTER_SPAWN_H
#define ROSTER_SPAWN_H

#include <stddef.h>

#include "util/err.h"

struct spawn {
	const char *path;	 /* the program: a path, not searched in PATH */
	const char *const *argv; /* its argv, argv[0] first; NULL-terminated */
	/* "NAME=VALUE" entries added to the caller's environment (replacing the same NAME); NULL-terminated, or NULL */
	const char *const *env;
	const char *dir;   /* the child's working directory; NULL: the caller's */
	const char *input; /* written to its stdin, which is then closed; NULL: stdin is empty */
	size_t input_len;
	size_t out_max;	 /* stdout beyond this many bytes stops the program; 0: 16 MiB */
	size_t err_max;	 /* the last this many bytes of stderr are kept; 0: 64 KiB */
	long timeout_ms; /* after this long the program is stopped; 0: no limit */
	long grace_ms;	 /* stopped: SIGTERM to the group, then SIGKILL after this long; 0: SIGKILL at once */
};

struct spawn_result {
	char *out; /* stdout, NUL-terminated (out_len without it); malloc'd, spawn_result_release frees it */
	size_t out_len;
	char *err; /* the tail of stderr, NUL-terminated; malloc'd */
	size_t err_len;
	int err_cut;	  /* stderr was longer: err is its last err_max bytes */
	int out_overflow; /* stdout went over out_max: the program was stopped, out is its first out_max bytes */
	int timed_out;	  /* the timeout passed: the program was stopped */
	int exited;	  /* it exited by itself with code; else it was killed by signal */
	int code;
	int signal;
	int input_unread; /* it closed stdin (or exited) before reading all of input */
	long ms;	  /* how long it ran, in milliseconds */
};

/*
 * Runs the program and waits for it. Returns 0 when it ran, whatever its
 * fate (r says: exited, killed, timed out, overflowed); -1 with e set when
 * it could not be started (no such file, not executable: ERR_PERMANENT; out
 * of processes or descriptors: ERR_TRANSIENT). On 0 the caller releases r
 * with spawn_result_release; on -1 r holds nothing.
 */
int spawn_run(const struct spawn *s, struct spawn_result *r, struct err *e);

void spawn_result_release(struct spawn_result *r);

/*
 * How the program ended, for a message: "exited with status 3", "was
 * killed by signal 9 (Killed)", "did not finish within 30 s", "wrote more
 * than 16777216 bytes to stdout". Into out[size].
 */
void spawn_describe(const struct spawn *s, const struct spawn_result *r, char *out, size_t size);

#endif
