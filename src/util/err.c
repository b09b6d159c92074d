#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/banned.h"

void
err_init(struct err *e)
{
	if (!e)
		return;
	e->class = ERR_NONE;
	e->msg[0] = '\0';
}

static void
mark_cut(char *msg, int n)
{
	if (n >= ERR_MSG_MAX)
		memcpy(msg + ERR_MSG_MAX - 4, "...", 4);
}

int
err_set(struct err *e, enum err_class class, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return -1;
	e->class = class;
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	mark_cut(e->msg, n);
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char prefix[512], old[ERR_MSG_MAX];
	va_list ap;
	int n;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	n = snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	mark_cut(e->msg, n);
	return -1;
}

int
err_exit_code(const struct err *e)
{
	switch (e->class) {
	case ERR_INVALID:
	case ERR_CONFIG: return 2;
	case ERR_GUARD: return 3;
	default: return 1;
	}
}

void
bug_fl(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
