/* Text helpers: UTF-8 checks, normalisation for matching, suggestions. */
#ifndef ROSTER_TEXT_H
#define ROSTER_TEXT_H

#include <stddef.h>

/*
 * Checks that s[0..n) is valid UTF-8. Returns 0, or -1 with *bad set to the
 * offset of the first invalid byte.
 */
int text_utf8_check(const char *s, size_t n, size_t *bad);

/*
 * The key two labels are compared by: Unicode NFKC with case folding,
 * surrounding white space removed and inner runs of white space, '_' and
 * '-' made one space. So " Datum  in-dienst" matches "datum in dienst".
 * Returns a malloc'd string (free() it); NULL when s is not valid UTF-8.
 */
char *text_fold_label(const char *s);

/* Levenshtein distance between two byte strings, capped at 255; 255 when either is longer than 200 bytes. */
unsigned text_distance(const char *a, const char *b);

/*
 * The candidate closest to word when it is close enough to be a likely typo
 * (distance at most 2, or a third of the word), else NULL.
 */
const char *text_suggest(const char *word, const char *const *candidates, size_t n);

/* Copies s with leading and trailing ASCII white space removed (malloc'd). */
char *text_trim_dup(const char *s, size_t n);

#endif
