/*
 * A growable string. Always NUL-terminated once anything was added; a
 * zeroed struct buf (BUF_INIT) is an empty buffer.
 */
#ifndef ROSTER_BUF_H
#define ROSTER_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *s;
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                                                                       \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

/* Makes room for extra more bytes (and the NUL), so that adding them moves nothing. */
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Adds s as a JSON string literal, quotes included. */
void buf_add_json_str(struct buf *b, const char *s);
void buf_reset(struct buf *b);
/* The contents as a C string ("" when empty); valid until the next change. */
const char *buf_str(const struct buf *b);
/* Hands the string to the caller (free() it) and empties b. */
char *buf_detach(struct buf *b);
void buf_release(struct buf *b);

#endif
