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
file_write_atomic(const char *path, const void *data, size_t len, struct err *e)
{
	struct buf tmp = BUF_INIT;
	char *dir = NULL;
	int fd = -1, ret = -1;
	const char *p = data;

	buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_set(e, ERR_INTERNAL, "%s: cannot create: %s", tmp.s, strerror(errno));
		goto out;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(e, ERR_INTERNAL, "%s: cannot write: %s", tmp.s, strerror(errno));
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		err_set(e, ERR_INTERNAL, "%s: cannot sync: %s", tmp.s, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.s, path) < 0) {
		err_set(e, ERR_INTERNAL, "%s: cannot rename into place: %s", path, strerror(errno));
		goto out;
	}
	dir = file_dirname(path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && tmp.s)
		unlink(tmp.s);
	free(dir);
	buf_release(&tmp);
	return ret;
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
