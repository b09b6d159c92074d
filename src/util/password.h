/*
 * Initial passwords for new accounts, and Active Directory's unicodePwd
 * encoding of a password.
 *
 * Secrets: every buffer these functions fill holds a password (or its
 * encoding). The caller wipes it with sodium_memzero() as soon as it is
 * done with it, before it frees it or the stack frame ends, on error paths
 * too; never print or log it.
 */
#ifndef ROSTER_PASSWORD_H
#define ROSTER_PASSWORD_H

#include <stddef.h>

#include "util/err.h"

#define PASSWORD_LEN_MIN 8
#define PASSWORD_LEN_DEFAULT 20
#define PASSWORD_LEN_MAX 256 /* Active Directory's limit for a password */

/*
 * The symbols a generated password may contain. Each needs no quoting in a
 * POSIX shell word, no escaping in a JSON string, and may start an LDIF
 * value without base64 (none is ':', '<' or a space); none is a quote,
 * backslash, '$', '`', '!', '#', '&', ';', '|', '*', '?', '~', a bracket or
 * white space. All count as "special characters" for AD's complexity rule.
 */
#define PASSWORD_SYMBOLS "%+,-.=@_"

/*
 * Writes a new random password of len characters (PASSWORD_LEN_MIN to
 * PASSWORD_LEN_MAX) and a NUL into out, which holds outsz bytes (at least
 * len + 1). It has at least one upper-case letter, one lower-case letter,
 * one digit and one of PASSWORD_SYMBOLS, starts with a letter or a digit
 * (so it is never taken for a command-line option), and contains neither
 * a name of names (nnames of them; NULL entries are skipped) nor a part of
 * one, where parts are separated by , . - _ # space and tab, and names and
 * parts shorter than 3 characters do not count; compared without regard to
 * (ASCII) case. Pass the sAMAccountName and the displayName: Active
 * Directory's complexity rule refuses a password that contains the first
 * whole or a part of the second, so this is that rule or stricter. Among
 * all passwords that
 * satisfy these rules each is equally likely: characters come from
 * libsodium's randombytes_uniform, and a password that breaks a rule is
 * drawn again.
 *
 * Returns 0, or -1 with e set: ERR_INVALID for a bad length or a buffer
 * too small, ERR_INTERNAL when libsodium cannot start or no password
 * avoids the names after many draws (names made of nearly every short
 * string). On failure out holds no password (it is wiped).
 */
int password_generate(char *out, size_t outsz, size_t len, const char *const *names, size_t nnames, struct err *e);

/* The bytes password_unicodepwd needs at most for a password of n bytes of UTF-8. */
#define PASSWORD_UNICODEPWD_MAX(n) (2 * (n) + 4)

/*
 * Encodes password (UTF-8, NUL-terminated) as Active Directory's unicodePwd
 * value: the UTF-16LE code units of the password enclosed in double quotes
 * ('"' is 0x22 0x00), with characters beyond U+FFFF as surrogate pairs; no
 * NUL at the end. Writes them into out (outsz bytes; PASSWORD_UNICODEPWD_MAX
 * of strlen(password) always suffices) and their count into *outlen.
 *
 * Returns 0, or -1 with e set (ERR_INVALID: not valid UTF-8, a surrogate
 * or NUL code point, or out too small; nothing useful is left in out). The
 * caller wipes out with sodium_memzero() when done.
 */
int password_unicodepwd(const char *password, unsigned char *out, size_t outsz, size_t *outlen, struct err *e);

#endif
