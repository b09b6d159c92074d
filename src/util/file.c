#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "util/banned.h"

char *
file_read(const char *path, size_t max, size_t *len, struct err *e)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	struct stat st;
	FILE *f;
	size_t n;

	f = fopen(path, "rb");
	if (!f) {
		err_set(e, ERR_INVALID, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	/* A regular file is read in one go into a buffer of its size; a pipe grows as it comes. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((size_t)st.st_size > max) {
			err_set(e, ERR_INVALID, "%s: file is larger than the limit of %zu bytes", path, max);
			goto fail;
		}
		XGROW(b.s, b.cap, (size_t)st.st_size + 1);
		b.len = fread(b.s, 1, (size_t)st.st_size, f);
		b.s[b.len] = '\0';
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > max) {
			err_set(e, ERR_INVALID, "%s: file is larger than the limit of %zu bytes", path, max);
			goto fail;
		}
		buf_add(&b, chunk, n);
	}
	if (ferror(f)) {
		err_set(e, ERR_INVALID, "%s: cannot read: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
fail:
	fclose(f);
	buf_release(&b);
	return NULL;
}

char *
file_join(const char *dir, const char *path)
{
	struct buf b = BUF_INIT;

	if (!dir || !*dir || path[0] == '/' || !strcmp(dir, "."))
		return xstrdup(path);
	buf_adds(&b, dir);
	if (b.s[b.len - 1] != '/')
		buf_addch(&b, '/');
	buf_adds(&b, path);
	return buf_detach(&b);
}

char *
file_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int
file_atomic_open(struct atomic_file *af, const char *path, struct err *e)
{
	struct buf tmp = BUF_INIT;

	struct stat st;

	memset(af, 0, sizeof(*af));
	af->fd = -1;
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		/* a device or a pipe (-o /dev/stdout): written to as it is, never replaced */
		af->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (af->fd < 0)
			return err_set(e, ERR_INTERNAL, "%s: cannot open: %s", path, strerror(errno));
		af->path = xstrdup(path);
		return 0;
	}
	buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	af->fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (af->fd < 0) {
		err_set(e, ERR_INTERNAL, "%s: cannot create: %s", tmp.s, strerror(errno));
		buf_release(&tmp);
		return -1;
	}
	af->tmp = buf_detach(&tmp);
	af->path = xstrdup(path);
	return 0;
}

int
file_atomic_write(struct atomic_file *af, const void *data, size_t len, struct err *e)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(af->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, ERR_INTERNAL, "%s: cannot write: %s", af->tmp, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
file_atomic_abort(struct atomic_file *af)
{
	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp) /* never the file itself: only our temporary one */
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
	af->fd = -1;
}

int
file_atomic_commit(struct atomic_file *af, struct err *e)
{
	char *dir;
	int fd;

	if (!af->tmp) { /* not a regular file: nothing to sync or rename */
		int r = close(af->fd);

		af->fd = -1;
		if (r < 0)
			err_set(e, ERR_INTERNAL, "%s: cannot write: %s", af->path, strerror(errno));
		file_atomic_abort(af);
		return r < 0 ? -1 : 0;
	}
	if (fsync(af->fd) < 0 || close(af->fd) < 0) {
		af->fd = -1;
		err_set(e, ERR_INTERNAL, "%s: cannot sync: %s", af->tmp, strerror(errno));
		file_atomic_abort(af);
		return -1;
	}
	af->fd = -1;
	if (rename(af->tmp, af->path) < 0) {
		err_set(e, ERR_INTERNAL, "%s: cannot rename into place: %s", af->path, strerror(errno));
		file_atomic_abort(af);
		return -1;
	}
	dir = file_dirname(af->path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
	af->fd = -1;
	return 0;
}

int
file_write_atomic(const char *path, const void *data, size_t len, struct err *e)
{
	struct atomic_file af;

	if (file_atomic_open(&af, path, e) < 0)
		return -1;
	if (file_atomic_write(&af, data, len, e) < 0) {
		file_atomic_abort(&af);
		return -1;
	}
	return file_atomic_commit(&af, e);
}

int
file_mkdirs(const char *dir, struct err *e)
{
	char *p = xstrdup(dir), *s;
	int ret = 0;

	for (s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				ret = err_set(e, ERR_INVALID, "%s: cannot create directory: %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return ret;
}
