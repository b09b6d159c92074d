/*
 * Conditions: the short boolean expressions of a rule's `when:`
 * (issue "rules and plan"), compiled once and evaluated per record.
 *
 *	contract.department.code in ["ICT", "FIN"] and not contract.title.name contains "Intern"
 *
 * Grammar (lowest precedence first):
 *
 *	expr    := or
 *	or      := and ("or" and)*
 *	and     := not ("and" not)*
 *	not     := "not" not | cmp
 *	cmp     := operand ( ("==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "starts_with"
 *	                      | "ends_with" | "matches") operand
 *	                   | "in" list | "is" ["not"] "empty" )?
 *	         | "(" expr ")"
 *	operand := path | string | number
 *	list    := "[" [operand ("," operand)*] "]"
 *	path    := name ("." name)*          name: [A-Za-z_][A-Za-z0-9_]*
 *	string  := '"' chars '"'             with \" \\ \n \t escapes
 *	number  := [-]digits[.digits]
 *
 * A bare operand (`person.partner_name`) is true when not empty.
 * Semantics: `==`, `!=` and `in` compare strings exactly. `contains`,
 * `starts_with`, `ends_with` ignore case (Unicode case folding); `matches` is
 * a POSIX extended regular expression, case-insensitive, compiled once.
 * `<` `<=` `>` `>=` compare as numbers when both sides are numbers, else as
 * dates when both are YYYY-MM-DD dates, else as strings (bytewise).
 * Keywords (and, or, not, in, contains, starts_with, ends_with, matches, is,
 * empty) are lowercase and cannot be path names.
 *
 * In detail (what the grammar leaves open):
 * - A keyword is a whole word: `Empty`, `IN.x` and `not_` are paths. White
 *   space (space, tab, line breaks) separates tokens and may be left out
 *   where nothing runs together: `fte>=0.5`.
 * - A number literal is its text: `fte == 0.80` is false for "0.8", and
 *   `in [0.8]` compares the string "0.8". Only `<` `<=` `>` `>=` read numbers.
 * - A value is a number when it is an optional sign (+ or -), digits and an
 *   optional "." with digits ("0.8", "-1", "007"; not "1e3", "5.", ".5",
 *   " 1"), and a date when it is a valid YYYY-MM-DD. So an empty value is
 *   neither and sorts before everything: `end_date < "2025-01-01"` is true
 *   for an open end date; say `end_date is not empty and …` when that matters.
 * - A string does not span lines; a line break inside one is an unclosed
 *   string. A regular expression is a string too, so "\d" is written "\\d".
 * - `in` lists may hold paths: `location in [home_location, "Zwolle"]`.
 * - `matches` takes a string literal on its right (it is compiled once).
 *   The pattern and the value are both case-folded, so "É" matches "é"; the
 *   matching itself is glibc's in the C locale, byte by byte: "." is one byte
 *   of a multi-byte character and a bracket such as [éè] lists bytes (write
 *   (é|è) instead). An escaped ASCII character is kept as written ("\W" is
 *   not "\w"). Refused at compile time, because glibc needs exponential time
 *   or gigabytes for them: back-references (\1 … \9), repetitions that
 *   expand to more than 1000 characters (a{1,5000}, (a{1,40}){1,40}), and
 *   groups nested more than 64 deep.
 * - Limits: the text is at most 4096 bytes, "(" and "not" nest at most 64
 *   deep, a list has at most 1024 items. Passing one is a compile error.
 */
#ifndef ROSTER_EXPR_H
#define ROSTER_EXPR_H

#include <stdarg.h>
#include <stddef.h>

struct expr;

/* Why compiling failed: the byte offset in the source text where, and what. */
struct expr_error {
	size_t offset; /* 0-based byte offset into the expression text */
	char msg[512]; /* lowercase, what was found and what was expected */
};

/* Fills err with offset and a printf-style message; returns -1 (for "return expr_error_vset(…)"). */
int expr_error_vset(struct expr_error *err, size_t offset, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * Says whether a path may be used: returns 1 when it is a known field, 0
 * when not. When not, it may write a suggestion ("contract.department.code")
 * into near[nearlen] (empty string for none).
 */
typedef int (*expr_known_fn)(void *ctx, const char *path, char *near, size_t nearlen);

/*
 * Compiles text. Every path is checked with known (NULL: any path is
 * accepted), once per distinct path, with a near buffer of 256 bytes.
 * Returns the compiled expression (free with expr_free), or NULL with *err
 * filled: a syntax error, an unknown field (with "did you mean" when known
 * gave a suggestion), a bad regular expression, text that is not UTF-8, a
 * limit passed. err may be NULL; the error offset is at most strlen(text).
 */
struct expr *expr_compile(const char *text, expr_known_fn known, void *known_ctx, struct expr_error *err);

/* Gives the value of a path for one record: never NULL ("" when empty). */
typedef const char *(*expr_get_fn)(void *ctx, const char *path);

/*
 * Evaluates e against a record whose fields get returns. Returns 1 (true) or
 * 0 (false). Never fails: every path was checked at compile time and every
 * operator is defined on every pair of strings.
 */
int expr_eval(const struct expr *e, expr_get_fn get, void *get_ctx);

/*
 * The paths e reads, in order of first use (for "why" answers and dependency
 * checks), each once. Sets *paths (when paths is not NULL) to an array owned
 * by e, valid until expr_free(e), and returns its length.
 */
size_t expr_paths(const struct expr *e, const char *const **paths);

/* Frees e and all it owns; expr_free(NULL) does nothing. */
void expr_free(struct expr *e);

#endif
