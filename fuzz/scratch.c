#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scratch.h"
#include "util/banned.h"

#define SCRATCH_FILES_MAX 8

static char *dir;
static char *files[SCRATCH_FILES_MAX];
static size_t nfiles;

static _Noreturn void
die(const char *what, const char *path)
{
	fprintf(stderr, "fuzz scratch: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

static void
scratch_remove(void)
{
	for (size_t i = 0; i < nfiles; i++)
		unlink(files[i]);
	if (dir)
		rmdir(dir);
}

void
scratch_open(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	size_t n;

	if (dir)
		return;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	n = strlen(tmp) + strlen(tag) + 32;
	dir = malloc(n);
	if (!dir)
		abort();
	snprintf(dir, n, "%s/roster-%s.XXXXXX", tmp, tag);
	if (!mkdtemp(dir))
		die("cannot make", dir);
	atexit(scratch_remove);
}

char *
scratch_path(const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (!p || nfiles == SCRATCH_FILES_MAX)
		abort();
	snprintf(p, n, "%s/%s", dir, name);
	files[nfiles++] = p;
	return p;
}

void
scratch_write(const char *path, const void *data, size_t len)
{
	const char *p = data;
	int fd;

	/*
	 * A new file each time, not O_TRUNC: ext4 (auto_da_alloc) flushes a file
	 * truncated and rewritten at close, which made the targets wait on the disk.
	 */
	if (unlink(path) < 0 && errno != ENOENT)
		die("cannot remove", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		die("cannot create", path);
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("cannot write", path);
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0)
		die("cannot close", path);
}
