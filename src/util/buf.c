#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/xalloc.h"
#include "util/banned.h"

void
buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap)
		XGROW(b->s, b->cap, b->len + extra + 1);
}

void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (!n && b->s)
		return; /* data may be NULL then */
	buf_reserve(b, n);
	if (!n) {
		b->s[b->len] = '\0';
		return;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addch(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	buf_reserve(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
buf_add_json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;

	buf_addch(b, '"');
	for (;;) {
		/* copy the longest run that needs no escape at once */
		for (run = p; *p >= 0x20 && *p != '"' && *p != '\\'; p++)
			;
		if (p > run)
			buf_add(b, run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		default: buf_addf(b, "\\u%04x", *p);
		}
		p++;
	}
	buf_addch(b, '"');
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

const char *
buf_str(const struct buf *b)
{
	return b->s ? b->s : "";
}

char *
buf_detach(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
buf_release(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
