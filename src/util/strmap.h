/*
 * A hash map from strings to size_t values (an index into an array).
 * Keys are not copied: they must outlive the map (arena strings do).
 */
#ifndef ROSTER_STRMAP_H
#define ROSTER_STRMAP_H

#include <stddef.h>

struct strmap_slot;

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t len;
};

#define STRMAP_INIT                                                                                                    \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

/* 1 found (*val written), 0 absent. */
int strmap_get(const struct strmap *m, const char *key, size_t *val);
/* Sets key to val; returns 1 if key was there (its value replaced), 0 if new. */
int strmap_put(struct strmap *m, const char *key, size_t val);
void strmap_release(struct strmap *m);

#endif
