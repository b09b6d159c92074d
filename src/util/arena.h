/*
 * A bump allocator for per-run data (an import, a plan): many small strings
 * that live and die together. Freed at once with arena_release().
 */
#ifndef ROSTER_ARENA_H
#define ROSTER_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
};

#define ARENA_INIT                                                                                                     \
	{                                                                                                              \
		NULL                                                                                                   \
	}

/* Memory aligned for any type; lives until arena_release(). */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* A copy of s with A-Z made a-z (the rest as it is): a key compared without regard to ASCII case. */
char *arena_strdup_lower(struct arena *a, const char *s);
/* Moves every allocation of from into to (they now live as long as to); from is empty. */
void arena_adopt(struct arena *to, struct arena *from);
/* Frees every allocation of the arena; the arena is empty and reusable. */
void arena_release(struct arena *a);

#endif
