/*
 * Allocation that never returns NULL: running out of memory ends the process
 * with a message (as git's xmalloc does); nothing can be done about it halfway
 * through a row, and every caller checking for it would hide real errors.
 */
#ifndef ROSTER_XALLOC_H
#define ROSTER_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows *p (of *cap elements of size sz) to hold at least want elements. */
void xgrow(void **p, size_t *cap, size_t want, size_t sz);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#define XGROW(arr, cap, want) xgrow((void **)&(arr), &(cap), (want), sizeof(*(arr)))

#endif
