/*
 * spawn_run (spawn.h): posix_spawn with a session of its own, pipes for the
 * three standard descriptors, and a poll loop that feeds stdin and drains
 * stdout and stderr until both are closed, the program has exited, or the
 * timeout has passed.
 *
 * posix_spawn rather than fork: glibc's clones with CLONE_VFORK, so a
 * large process (a run over 500,000 persons) does not copy its page tables
 * for every action, the parent waits until the child has called setsid
 * (so kill(-pid) reaches the group from the first moment), and a failed
 * exec is the call's error, not a child that exits 127.
 *
 * The process group is killed only while its leader is not reaped (waitid
 * WNOWAIT first): a zombie leader keeps its pid, so the pgid can never name
 * another process's group.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/spawn.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "util/banned.h"

extern char **environ;

#define OUT_MAX_DEFAULT ((size_t)16 << 20)
#define ERR_MAX_DEFAULT ((size_t)64 << 10)
#define CHUNK 65536

enum { IN, OUT, ERR, PIDFD, NFDS };

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * A pipe with both ends close-on-exec and above 2: a caller started with
 * stdin closed would otherwise get fd 0 here, and dup2(0, 0) in the child
 * would leave it close-on-exec.
 */
static int
pipe_high(int fd[2])
{
	if (pipe2(fd, O_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (fd[i] < 3) {
			int n = fcntl(fd[i], F_DUPFD_CLOEXEC, 3), saved = errno;

			close(fd[i]);
			fd[i] = n;
			if (n < 0) {
				close_fd(&fd[1 - i]);
				errno = saved;
				return -1;
			}
		}
	return 0;
}

static int
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Is environment entry a ("NAME=…") replaced by one of extra? */
static int
replaced(const char *a, const char *const *extra)
{
	size_t n = strcspn(a, "=");

	for (size_t i = 0; extra && extra[i]; i++)
		if (!strncmp(a, extra[i], n) && extra[i][n] == '=')
			return 1;
	return 0;
}

/* The child's environment: ours without the names extra sets, then extra (free() the array only). */
static char **
envp_build(const char *const *extra)
{
	size_t n = 0, m = 0, k = 0;
	char **v;

	while (environ && environ[n])
		n++;
	while (extra && extra[m])
		m++;
	v = xcalloc(n + m + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		if (!replaced(environ[i], extra))
			v[k++] = environ[i];
	for (size_t i = 0; i < m; i++)
		v[k++] = (char *)extra[i];
	return v;
}

/* A descriptor that polls readable when pid has exited, or -1 (an older kernel: wait_leader naps instead). */
static int
pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	static _Atomic int missing; /* ENOSYS once is ENOSYS for good (and valgrind warns once) */
	long fd;

	if (missing)
		return -1;
	fd = syscall(SYS_pidfd_open, pid, 0); /* close-on-exec by default */
	if (fd >= 0)
		return (int)fd;
	if (errno == ENOSYS)
		missing = 1;
#else
	(void)pid;
#endif
	return -1;
}

/* Has the group's leader exited (not reaped yet)? 1 also when it cannot be waited for (ECHILD). */
static int
leader_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != EINTR;
	return si.si_pid == pid;
}

/*
 * Waits until the group's leader has exited, without reaping it. 1 when it
 * has (or cannot be waited for: ECHILD), 0 when deadline (a now_ms() time;
 * -1: none) came first.
 */
static int
wait_leader(pid_t pid, int pidfd, long deadline)
{
	long nap = 1;

	for (;;) {
		long left;

		if (leader_exited(pid))
			return 1;
		left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left <= 0)
			return 0;
		if (pidfd >= 0) {
			struct pollfd p = { pidfd, POLLIN, 0 };

			poll(&p, 1, left < 0 || left > INT_MAX ? -1 : (int)left);
		} else {
			struct timespec ts;
			long ms = left >= 0 && left < nap ? left : nap;

			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
			nap = nap < 50 ? nap * 2 : 50;
		}
	}
}

/* Keeps the last max bytes of what went to stderr, in at most 2 * max + CHUNK. */
static void
tail_add(struct buf *b, const char *d, size_t n, size_t max, int *cut)
{
	buf_add(b, d, n);
	if (b->len > 2 * max) {
		memmove(b->s, b->s + b->len - max, max);
		b->len = max;
		b->s[max] = '\0';
		*cut = 1;
	}
}

/* Reads what fd has; 0 at EOF or on an error (the caller closes it), 1 when it may have more. */
static int
drain(int fd, struct buf *b, size_t max, int tail, int *flag)
{
	char chunk[CHUNK];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return 0;
	if (tail)
		tail_add(b, chunk, (size_t)n, max, flag);
	else
		buf_add(b, chunk, (size_t)n);
	return 1;
}

/* Feeds, drains and waits; fds[] are closed by the caller. */
static void
collect(const struct spawn *s, struct spawn_result *r, pid_t pid, int fds[NFDS], long t0)
{
	size_t out_max = s->out_max ? s->out_max : OUT_MAX_DEFAULT;
	size_t err_max = s->err_max ? s->err_max : ERR_MAX_DEFAULT;
	long deadline = s->timeout_ms > 0 ? t0 + s->timeout_ms : -1;
	struct buf out = BUF_INIT, err = BUF_INIT;
	size_t off = 0;
	int leader_gone = 0, stop = 0, status = 0;
	long nap = 1;
	sigset_t pipe_set, pending, old;
	int was_pending;

	/*
	 * A write to a pipe whose reader is gone raises SIGPIPE in this
	 * thread: it is blocked here, and consumed when a write fails with
	 * EPIPE, unless it was pending already (then it is not ours).
	 */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);

	if (!s->input || !s->input_len)
		close_fd(&fds[IN]);
	for (int i = IN; i <= ERR; i++)
		if (fds[i] >= 0 && nonblock(fds[i]) < 0)
			stop = 1;
	while (!stop && (fds[OUT] >= 0 || fds[ERR] >= 0)) {
		struct pollfd p[NFDS];
		int which[NFDS], np = 0, n;
		long wait = -1;

		for (int i = 0; i < NFDS; i++)
			if (fds[i] >= 0) {
				p[np].fd = fds[i];
				p[np].events = i == IN ? POLLOUT : POLLIN;
				p[np].revents = 0;
				which[np++] = i;
			}
		if (deadline >= 0 && (wait = deadline - now_ms()) <= 0) {
			r->timed_out = 1;
			break;
		}
		if (fds[PIDFD] < 0 && !leader_gone && (wait < 0 || wait > nap)) {
			wait = nap; /* no pidfd: look at the leader now and then */
			nap = nap < 50 ? nap * 2 : 50;
		}
		n = poll(p, (nfds_t)np, wait < 0 || wait > INT_MAX ? -1 : (int)wait);
		if (n < 0 && errno != EINTR)
			stop = 1;
		if (fds[PIDFD] < 0 && !leader_gone && leader_exited(pid)) {
			leader_gone = 1;
			kill(-pid, SIGKILL);
		}
		for (int k = 0; n > 0 && k < np; k++) {
			int i = which[k];

			if (!p[k].revents)
				continue;
			if (i == IN) {
				size_t want = s->input_len - off < CHUNK ? s->input_len - off : CHUNK;
				ssize_t w = 0;

				if (p[k].revents & POLLOUT) {
					if ((w = write(fds[IN], s->input + off, want)) < 0 && errno == EPIPE &&
					    !was_pending) {
						struct timespec zero = { 0, 0 };

						sigtimedwait(&pipe_set, NULL, &zero);
					}
				} else {
					w = -1; /* POLLERR: no reader any more */
					errno = EPIPE;
				}
				if (w > 0 && (off += (size_t)w) == s->input_len) {
					close_fd(&fds[IN]);
				} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
					/* it closed its stdin, or exited, before reading it all: its business */
					r->input_unread = 1;
					close_fd(&fds[IN]);
				}
			} else if (i == OUT) {
				if (!drain(fds[OUT], &out, out_max, 0, NULL))
					close_fd(&fds[OUT]);
				if (out.len > out_max) {
					r->out_overflow = 1;
					out.len = out_max;
					out.s[out.len] = '\0';
					stop = 1;
				}
			} else if (i == ERR) {
				if (!drain(fds[ERR], &err, err_max, 1, &r->err_cut))
					close_fd(&fds[ERR]);
			} else {
				/* the leader exited; what it left running in its group goes now */
				leader_gone = 1;
				close_fd(&fds[PIDFD]);
				kill(-pid, SIGKILL);
			}
		}
	}
	if (fds[IN] >= 0 && off < s->input_len)
		r->input_unread = 1;
	close_fd(&fds[IN]);
	if (!stop && !r->timed_out && !leader_gone && !wait_leader(pid, fds[PIDFD], deadline))
		r->timed_out = 1; /* it closed its output but goes on */
	if (r->timed_out && !leader_gone && s->grace_ms > 0) {
		kill(-pid, SIGTERM);
		wait_leader(pid, fds[PIDFD], now_ms() + s->grace_ms);
	}
	/* stopped, or exited: nothing of its group outlives it */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1; /* SIGCHLD ignored by the caller: reaped already, status unknown */
			break;
		}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r->ms = now_ms() - t0;
	if (status != -1 && WIFEXITED(status)) {
		r->exited = 1;
		r->code = WEXITSTATUS(status);
	} else if (status != -1 && WIFSIGNALED(status)) {
		r->signal = WTERMSIG(status);
	}
	if (err.len > err_max) {
		memmove(err.s, err.s + err.len - err_max, err_max);
		err.len = err_max;
		err.s[err.len] = '\0';
		r->err_cut = 1;
	}
	r->out_len = out.len;
	r->out = out.s ? buf_detach(&out) : xstrdup("");
	r->err_len = err.len;
	r->err = err.s ? buf_detach(&err) : xstrdup("");
}

int
spawn_run(const struct spawn *s, struct spawn_result *r, struct err *e)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int fds[NFDS] = { -1, -1, -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	char **envp = NULL;
	pid_t pid;
	long t0 = 0;
	int rc, ret = -1;

	memset(r, 0, sizeof(*r));
	if (pipe_high(in) < 0 || pipe_high(out) < 0 || pipe_high(errp) < 0) {
		err_set(e, errno == EMFILE || errno == ENFILE ? ERR_TRANSIENT : ERR_INTERNAL,
			"cannot run %s: no pipe: %s", s->path, strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		err_set(e, ERR_TRANSIENT, "cannot run %s: out of memory", s->path);
		goto out;
	}
	if (posix_spawnattr_init(&at)) {
		posix_spawn_file_actions_destroy(&fa);
		err_set(e, ERR_TRANSIENT, "cannot run %s: out of memory", s->path);
		goto out;
	}
	/* dup2 clears close-on-exec on 0, 1, 2; everything else the caller has open is closed */
	rc = posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	rc = rc || !s->dir ? rc : posix_spawn_file_actions_addchdir_np(&fa, s->dir);
	rc = rc ? rc : posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	sigemptyset(&none);
	sigfillset(&all);
	rc = rc ? rc : posix_spawnattr_setsigmask(&at, &none);
	rc = rc ? rc : posix_spawnattr_setsigdefault(&at, &all);
	rc = rc ? rc
		: posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (!rc) {
		envp = envp_build(s->env);
		t0 = now_ms();
		rc = posix_spawn(&pid, s->path, &fa, &at, (char *const *)s->argv, envp);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc) {
		err_set(e,
			rc == EAGAIN || rc == ENOMEM || rc == EMFILE || rc == ENFILE || rc == ETXTBSY ? ERR_TRANSIENT
												      : ERR_PERMANENT,
			"cannot run %s%s%s: %s%s", s->path, s->dir ? " in " : "", s->dir ? s->dir : "", strerror(rc),
			rc == ENOEXEC ? " (a script needs a #! line)" : "");
		goto out;
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	fds[IN] = in[1];
	fds[OUT] = out[0];
	fds[ERR] = errp[0];
	in[1] = out[0] = errp[0] = -1;
	fds[PIDFD] = pidfd_of(pid);
	collect(s, r, pid, fds, t0);
	ret = 0;
out:
	for (int i = 0; i < NFDS; i++)
		close_fd(&fds[i]);
	for (int i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&errp[i]);
	}
	free(envp);
	return ret;
}

void
spawn_result_release(struct spawn_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

void
spawn_describe(const struct spawn *s, const struct spawn_result *r, char *out, size_t size)
{
	if (r->out_overflow) {
		snprintf(out, size, "wrote more than %zu bytes to stdout, and was stopped",
			 s->out_max ? s->out_max : OUT_MAX_DEFAULT);
	} else if (r->timed_out) {
		if (s->timeout_ms % 1000)
			snprintf(out, size, "did not finish within %ld ms, and was stopped", s->timeout_ms);
		else
			snprintf(out, size, "did not finish within %ld s, and was stopped", s->timeout_ms / 1000);
	} else if (r->exited) {
		snprintf(out, size, "exited with status %d", r->code);
	} else if (r->signal) {
		const char *d = sigdescr_np(r->signal);

		snprintf(out, size, "was killed by signal %d (%s)", r->signal, d ? d : "unknown");
	} else {
		snprintf(out, size, "ended, but its exit status could not be read");
	}
}
