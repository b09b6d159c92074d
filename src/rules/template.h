/*
 * Templates: the values of mapped attributes (issue "rules and plan"),
 * compiled once and rendered per person.
 *
 *	{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}@example.org
 *
 * `{path|filter|filter:arg}` inserts a field through filters; `{{` and `}}`
 * are literal braces; everything else is literal text. An empty or missing
 * field renders as "". Filters:
 *
 *	lower, upper        Unicode case mapping
 *	ascii               NFKD, drop combining marks, then ß→ss æ→ae Æ→AE ø→o Ø→O
 *	                    œ→oe Œ→OE ł→l Ł→L đ→d Đ→D ð→d Ð→D þ→th Þ→TH ı→i; any
 *	                    other non-ASCII character is dropped
 *	alnum               keep letters and digits (Unicode categories L* and N*)
 *	nospace             remove white space
 *	trim                remove surrounding white space, collapse inner runs to one space
 *	first:N             the first N code points
 *	initials            the first letter of each word (words split on spaces and hyphens)
 *	default:"x"         "x" when the value is empty
 *	replace:"a","b"     every "a" becomes "b"
 *	dn                  escaped for a DN (RFC 4514): , + " \ < > ; = with a backslash,
 *	                    a leading space or #, a trailing space; a directory's dn:
 *	                    template gets it on every field without asking
 *
 * Paths are as in conditions (person fields by their bare name:
 * `{given_name}`; `{contract.department.code}`, `{account.uid}`, …), and
 * `{n}` where a caller provides it (uniqueness iteration).
 *
 * Details (decided in template.c):
 * - Quoted strings take the escapes \" \\ \n \t, as in conditions; `}` and
 *   `|` inside them are plain text. Blanks (space, tab) may stand around a
 *   path, a '|', a ':' and a ','. replace's first string may not be empty.
 * - The text is at most 4096 bytes of valid UTF-8; a field has at most 16
 *   filters; N of first:N is at most TEMPLATE_VALUE_MAX.
 * - White space (nospace, trim, initials) is Unicode's White_Space. alnum
 *   and initials keep the combining marks that follow a letter they keep,
 *   so decomposed text gives what composed text gives. initials takes the
 *   first letter or digit of a word ("'t Hart" gives "tH").
 * - Filters that look at characters read a byte that is not valid UTF-8 as
 *   U+FFFD (ascii drops it).
 * - upper maps ß to ẞ (U+1E9E), which ascii drops: put ascii first
 *   (`{family_name|ascii|upper}`).
 */
#ifndef ROSTER_TEMPLATE_H
#define ROSTER_TEMPLATE_H

#include <stddef.h>

#include "rules/expr.h"
#include "util/buf.h"

struct template;

/* Limit on a rendered value: a template that grows past it fails to render. */
#define TEMPLATE_VALUE_MAX (64 * 1024)

/*
 * Compiles text; paths are checked with known (NULL: any path). Returns the
 * template (free with template_free), or NULL with *err filled (offset into
 * text and message): an unknown filter or field, a bad argument, an
 * unclosed `{`, a lone `}`.
 */
struct template *template_compile(const char *text, expr_known_fn known, void *known_ctx, struct expr_error *err);

/*
 * Renders t into out (appended). Returns 0, or -1 when the value would pass
 * TEMPLATE_VALUE_MAX (out is then left as it was). Every step of a filter
 * chain is held to the same limit, so a chain that grows a value past it
 * fails even when a later filter would cut it down. A NULL from get counts
 * as "".
 */
int template_render(const struct template *t, expr_get_fn get, void *get_ctx, struct buf *out);

/*
 * The paths t reads, each once, in order of first use: sets *paths (when
 * paths is not NULL) to an array owned by t, valid until template_free,
 * and returns its length.
 */
size_t template_paths(const struct template *t, const char *const **paths);

/* 1 when t is plain text without any field. */
int template_is_literal(const struct template *t);

/* Frees t; template_free(NULL) does nothing. */
void template_free(struct template *t);

/*
 * One filter applied to a value, for callers outside templates (and tests):
 * name as in a template ("ascii", "first"), arg its argument or NULL. The
 * result is appended to out. Returns 0, or -1 for an unknown filter.
 * Arguments are given without quotes or escapes (arg1 "3" for first:3,
 * "a" and "b" for replace:"a","b"); -1 too, with out unchanged, when they
 * are not what the filter takes (first without a number, replace without
 * two strings or with an empty first one, an argument to lower). No size
 * limit applies here.
 */
int template_filter_apply(const char *name, const char *arg1, const char *arg2, const char *in, struct buf *out);

#endif
