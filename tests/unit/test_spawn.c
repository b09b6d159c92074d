/*
 * Unit tests for util/spawn.c: a program run with argv and no shell, extra
 * environment, a document on stdin, stdout and stderr captured with their
 * limits, a timeout that kills the whole process group, and the hygiene
 * spawn.h promises: no zombie, no descriptor leaked into the child or left
 * open in the caller, default signal dispositions in the child, and no
 * SIGPIPE in the caller when the program does not read its stdin.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/spawn.h"
#include "testlib.h"

#define SH "/bin/sh"

/* Runs sh -c script with input (NULL: none) and a timeout; fails the test when it cannot start. */
static void
run_sh(const char *script, const char *input, long timeout_ms, struct spawn_result *r)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	struct spawn s = { SH, argv, NULL, NULL, input, input ? strlen(input) : 0, 0, 0, timeout_ms, 200 };
	struct err e;

	err_init(&e);
	if (spawn_run(&s, r, &e) < 0)
		fail_msg("spawn_run: %s", e.msg);
}

static size_t
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The state letter of process pid in /proc (R, S, Z, …), or 0 when there is no such process. */
static char
proc_state(long pid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (!p || !(p = strrchr(line, ')')))
		return 0;
	return p[2];
}

/* Waits up to two seconds for pid to be gone (or a zombie of some other parent): 1 when it is. */
static int
gone(long pid)
{
	for (int i = 0; i < 200; i++) {
		char st = proc_state(pid);
		struct timespec ts = { 0, 10000000 };

		if (!st || st == 'Z' || st == 'X')
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* No child of ours is left, reaped or not. */
static void
assert_no_children(void)
{
	int st;

	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void
stdin_reaches_the_program_and_stdout_comes_back(void **state)
{
	struct spawn_result r;

	(void)state;
	run_sh("cat; echo end", "{\"op\":\"create\"}\n", 5000, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "{\"op\":\"create\"}\nend\n");
	assert_int_equal(r.out_len, strlen(r.out));
	assert_string_equal(r.err, "");
	assert_false(r.timed_out);
	assert_false(r.input_unread);
	spawn_result_release(&r);
	assert_no_children();
}

static void
the_exit_status_and_stderr_are_reported(void **state)
{
	struct spawn_result r;
	char what[128];
	const char *argv[] = { "sh", "-c", "echo oops >&2; exit 3", NULL };
	struct spawn s = { SH, argv, NULL, NULL, NULL, 0, 0, 0, 0, 0 };

	(void)state;
	run_sh("echo oops >&2; exit 3", NULL, 5000, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 3);
	assert_string_equal(r.err, "oops\n");
	spawn_describe(&s, &r, what, sizeof(what));
	assert_string_equal(what, "exited with status 3");
	spawn_result_release(&r);

	run_sh("kill -9 $$", NULL, 5000, &r);
	assert_false(r.exited);
	assert_int_equal(r.signal, SIGKILL);
	spawn_describe(&s, &r, what, sizeof(what));
	assert_string_equal(what, "was killed by signal 9 (Killed)");
	spawn_result_release(&r);
	assert_no_children();
}

static void
arguments_are_passed_as_they_are_without_a_shell(void **state)
{
	const char *argv[] = { "printf", "%s|%s|", "$(echo no) `id` *", "a b; c", NULL };
	struct spawn s = { "/usr/bin/printf", argv, NULL, NULL, NULL, 0, 0, 0, 5000, 0 };
	struct spawn_result r;
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(spawn_run(&s, &r, &e), 0);
	assert_string_equal(r.out, "$(echo no) `id` *|a b; c|");
	spawn_result_release(&r);
}

static void
extra_environment_entries_are_added_and_replace_ours(void **state)
{
	const char *argv[] = { "sh", "-c", "printf '%s|%s|%s' \"$ROSTER_T_NEW\" \"$ROSTER_T_OLD\" \"$PATH\"", NULL };
	const char *env[] = { "ROSTER_T_NEW=secret value", "ROSTER_T_OLD=replaced", NULL };
	struct spawn s = { SH, argv, env, NULL, NULL, 0, 0, 0, 5000, 0 };
	struct spawn_result r;
	struct err e;
	char want[4096];

	(void)state;
	setenv("ROSTER_T_OLD", "ours", 1);
	err_init(&e);
	assert_int_equal(spawn_run(&s, &r, &e), 0);
	snprintf(want, sizeof(want), "secret value|replaced|%s", getenv("PATH"));
	assert_string_equal(r.out, want);
	spawn_result_release(&r);
	/* ours is untouched */
	assert_string_equal(getenv("ROSTER_T_OLD"), "ours");
	unsetenv("ROSTER_T_OLD");
}

static void
it_runs_in_the_folder_it_is_given(void **state)
{
	const char *argv[] = { "sh", "-c", "pwd -P", NULL };
	struct spawn s = { SH, argv, NULL, "/", NULL, 0, 0, 0, 5000, 0 };
	struct spawn_result r;
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(spawn_run(&s, &r, &e), 0);
	assert_string_equal(r.out, "/\n");
	spawn_result_release(&r);
}

static void
a_timeout_kills_the_whole_process_group(void **state)
{
	struct spawn_result r;
	char what[128];
	const char *argv[] = { "sh", NULL };
	struct spawn s = { SH, argv, NULL, NULL, NULL, 0, 0, 0, 300, 200 };
	long child, t0 = time(NULL);

	(void)state;
	/* a grandchild that would live on, and a leader that ignores SIGTERM */
	run_sh("trap '' TERM; sleep 30 & echo $!; sleep 30; sleep 30", NULL, 300, &r);
	assert_true(r.timed_out);
	assert_false(r.exited);
	assert_int_equal(r.signal, SIGKILL);
	assert_true(r.ms >= 300 && r.ms < 3000);
	assert_true(time(NULL) - t0 < 5);
	child = strtol(r.out, NULL, 10);
	assert_true(child > 1);
	assert_true(gone(child));
	spawn_describe(&s, &r, what, sizeof(what));
	assert_string_equal(what, "did not finish within 300 ms, and was stopped");
	spawn_result_release(&r);
	assert_no_children();
}

static void
a_program_that_closes_its_output_and_goes_on_times_out(void **state)
{
	struct spawn_result r;

	(void)state;
	run_sh("echo partial; exec >&- 2>&-; sleep 30", NULL, 300, &r);
	assert_true(r.timed_out);
	assert_string_equal(r.out, "partial\n");
	spawn_result_release(&r);
	assert_no_children();
}

static void
what_the_program_leaves_running_is_killed_when_it_exits(void **state)
{
	struct spawn_result r;
	long child;

	(void)state;
	/* the background sleep keeps no pipe open: the leader's exit ends the run at once */
	run_sh("sleep 30 >/dev/null 2>&1 </dev/null & echo $!", NULL, 10000, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 0);
	assert_true(r.ms < 5000);
	child = strtol(r.out, NULL, 10);
	assert_true(child > 1);
	assert_true(gone(child));
	spawn_result_release(&r);

	/* one that holds stdout open is killed too once the leader is gone */
	run_sh("sleep 30 & echo $!", NULL, 10000, &r);
	assert_true(r.exited);
	assert_false(r.timed_out);
	assert_true(r.ms < 5000);
	assert_true(gone(strtol(r.out, NULL, 10)));
	spawn_result_release(&r);
	assert_no_children();
}

static void
stdout_over_its_limit_stops_the_program(void **state)
{
	const char *argv[] = { "yes", "0123456789", NULL };
	struct spawn s = { "/usr/bin/yes", argv, NULL, NULL, NULL, 0, 100000, 0, 10000, 1000 };
	struct spawn_result r;
	struct err e;
	char what[128];

	(void)state;
	err_init(&e);
	assert_int_equal(spawn_run(&s, &r, &e), 0);
	assert_true(r.out_overflow);
	assert_false(r.timed_out);
	assert_int_equal(r.out_len, 100000);
	assert_int_equal(strlen(r.out), 100000);
	assert_memory_equal(r.out, "0123456789\n0123456789\n", 22);
	assert_true(r.ms < 5000);
	spawn_describe(&s, &r, what, sizeof(what));
	assert_string_equal(what, "wrote more than 100000 bytes to stdout, and was stopped");
	spawn_result_release(&r);
	assert_no_children();
}

static void
stderr_keeps_its_tail(void **state)
{
	const char *argv[] = { "sh", "-c",
			       "i=0; while [ $i -lt 3000 ]; do echo \"line $i of the noise\" >&2; i=$((i+1)); done",
			       NULL };
	struct spawn s = { SH, argv, NULL, NULL, NULL, 0, 0, 1000, 10000, 0 };
	struct spawn_result r;
	struct err e;
	const char *tail = "line 2999 of the noise\n";

	(void)state;
	err_init(&e);
	assert_int_equal(spawn_run(&s, &r, &e), 0);
	assert_true(r.exited);
	assert_true(r.err_cut);
	assert_int_equal(r.err_len, 1000);
	assert_string_equal(r.err + r.err_len - strlen(tail), tail);
	spawn_result_release(&r);
}

static void
a_program_that_does_not_read_stdin_raises_no_sigpipe(void **state)
{
	size_t n = (size_t)4 << 20;
	char *big = malloc(n + 1);
	struct spawn_result r;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	/* SIGPIPE at its default would end this test program */
	assert_true(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	/*
	 * A write fails with EPIPE only when the program has gone before it:
	 * a race, which 200 programs that exit at once lose often enough
	 * (about one in ten here).
	 */
	for (int i = 0; i < 200; i++) {
		run_sh("exit 0", "{\"op\":\"lookup\"}\n", 10000, &r);
		assert_true(r.exited);
		spawn_result_release(&r);
	}
	run_sh("echo '{\"ok\":true}'", big, 10000, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 0);
	assert_true(r.input_unread);
	assert_string_equal(r.out, "{\"ok\":true}\n");
	spawn_result_release(&r);
	/* and one that reads some of it, then stops */
	run_sh("head -c 10 >/dev/null; echo done", big, 10000, &r);
	assert_true(r.exited);
	assert_true(r.input_unread);
	assert_string_equal(r.out, "done\n");
	spawn_result_release(&r);
	/* a large document that is read whole arrives whole */
	run_sh("wc -c", big, 10000, &r);
	assert_false(r.input_unread);
	assert_int_equal(strtol(r.out, NULL, 10), (long)n);
	spawn_result_release(&r);
	free(big);
	assert_no_children();
}

static void
the_child_has_only_stdin_stdout_and_stderr(void **state)
{
	int leak = open("/dev/null", O_RDONLY); /* not close-on-exec */
	size_t before = open_fds();
	struct spawn_result r;

	(void)state;
	assert_true(leak > 2);
	/* ls lists the shell's descriptors (its own open folder is in ls) */
	run_sh("ls /proc/$$/fd", NULL, 5000, &r);
	assert_string_equal(r.out, "0\n1\n2\n");
	spawn_result_release(&r);
	for (int i = 0; i < 50; i++) {
		run_sh(i % 2 ? "cat >/dev/null; echo x >&2" : "exit 1", "input\n", 5000, &r);
		spawn_result_release(&r);
	}
	run_sh("sleep 5", NULL, 100, &r);
	spawn_result_release(&r);
	assert_int_equal(open_fds(), before);
	close(leak);
	assert_no_children();
}

static void
the_child_starts_with_default_signals_whatever_we_ignore_or_block(void **state)
{
	sigset_t block, old;
	struct spawn_result r;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* signals 1 to 31; glibc's posix_spawn leaves its two internal ones (32, 33) ignored */
	run_sh("ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status); "
	       "blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/$$/status); "
	       "echo $((0x$ign & 0x7fffffff)) $((0x$blk))",
	       NULL, 5000, &r);
	assert_string_equal(r.out, "0 0\n");
	spawn_result_release(&r);
	/* yes dies of SIGPIPE (not an EPIPE error) when head stops reading */
	run_sh("yes | head -n 1; echo \"${PIPESTATUS:-}\"", NULL, 5000, &r);
	assert_string_equal(r.out, "y\n\n");
	assert_string_equal(r.err, "");
	spawn_result_release(&r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
}

static void
a_program_that_cannot_start_is_an_error_naming_it(void **state)
{
	char dir[512], path[600];
	const char *argv[] = { "x", NULL };
	struct spawn s = { path, argv, NULL, NULL, "in", 2, 0, 0, 5000, 0 };
	struct spawn_result r;
	struct err e;
	size_t before = open_fds();

	(void)state;
	assert_int_equal(tl_tmpdir_make(dir, sizeof(dir), "spawn"), 0);
	snprintf(path, sizeof(path), "%s/missing", dir);
	err_init(&e);
	assert_int_equal(spawn_run(&s, &r, &e), -1);
	assert_int_equal(e.class, ERR_PERMANENT);
	tl_assert_contains(e.msg, "cannot run ");
	tl_assert_contains(e.msg, "/missing: No such file or directory");

	tl_put_file(dir, "plain", "#!/bin/sh\necho hi\n"); /* not executable */
	snprintf(path, sizeof(path), "%s/plain", dir);
	err_init(&e);
	assert_int_equal(spawn_run(&s, &r, &e), -1);
	assert_int_equal(e.class, ERR_PERMANENT);
	tl_assert_contains(e.msg, "Permission denied");

	tl_put_file(dir, "noshebang", "echo hi\n");
	snprintf(path, sizeof(path), "%s/noshebang", dir);
	assert_int_equal(chmod(path, 0755), 0);
	err_init(&e);
	assert_int_equal(spawn_run(&s, &r, &e), -1);
	tl_assert_contains(e.msg, "(a script needs a #! line)");

	assert_int_equal(open_fds(), before);
	assert_no_children();
	tl_tmpdir_remove(dir);
}

static void
it_works_when_the_caller_has_no_stdin(void **state)
{
	int saved = dup(0);
	struct spawn_result r;

	(void)state;
	assert_true(saved > 2);
	close(0); /* the pipes must not land on fd 0 and lose it in the child */
	run_sh("cat", "through\n", 5000, &r);
	dup2(saved, 0);
	close(saved);
	assert_string_equal(r.out, "through\n");
	spawn_result_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stdin_reaches_the_program_and_stdout_comes_back),
		cmocka_unit_test(the_exit_status_and_stderr_are_reported),
		cmocka_unit_test(arguments_are_passed_as_they_are_without_a_shell),
		cmocka_unit_test(extra_environment_entries_are_added_and_replace_ours),
		cmocka_unit_test(it_runs_in_the_folder_it_is_given),
		cmocka_unit_test(a_timeout_kills_the_whole_process_group),
		cmocka_unit_test(a_program_that_closes_its_output_and_goes_on_times_out),
		cmocka_unit_test(what_the_program_leaves_running_is_killed_when_it_exits),
		cmocka_unit_test(stdout_over_its_limit_stops_the_program),
		cmocka_unit_test(stderr_keeps_its_tail),
		cmocka_unit_test(a_program_that_does_not_read_stdin_raises_no_sigpipe),
		cmocka_unit_test(the_child_has_only_stdin_stdout_and_stderr),
		cmocka_unit_test(the_child_starts_with_default_signals_whatever_we_ignore_or_block),
		cmocka_unit_test(a_program_that_cannot_start_is_an_error_naming_it),
		cmocka_unit_test(it_works_when_the_caller_has_no_stdin),
	};

	return cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
}
