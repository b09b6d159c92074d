#include <stdint.h>
#include <string.h>

#include <sodium.h>
#include <utf8proc.h>

#include "util/password.h"
#include "util/banned.h"

/*
 * The alphabet: the 62 letters and digits first, so that the first
 * character is drawn from a prefix of it, then the symbols.
 */
static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "abcdefghijklmnopqrstuvwxyz"
			       "0123456789" PASSWORD_SYMBOLS;
#define ALNUM 62
#define ALPHABET (sizeof(alphabet) - 1)

/* Separators of the parts of a name in AD's complexity rule. */
static const char separators[] = ",.-_# \t";

/*
 * Draws beyond this many mean the names leave (almost) no password: a
 * length-8 password fails the class rule about half the time, and a name
 * part matches one in a few thousand, so an honest call needs a few draws.
 */
#define DRAWS_MAX 10000

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 1 when hay[0..hlen) contains needle[0..nlen) without regard to ASCII case. */
static int
contains_nocase(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i, j;

	if (nlen > hlen)
		return 0;
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen && lower((unsigned char)hay[i + j]) == lower((unsigned char)needle[j]); j++)
			;
		if (j == nlen)
			return 1;
	}
	return 0;
}

/* 1 when pw contains name (whole) or one of its parts, counting only those of 3 or more characters. */
static int
contains_name(const char *pw, size_t len, const char *name)
{
	size_t n = strlen(name), start = 0, i;

	if (n >= 3 && contains_nocase(pw, len, name, n))
		return 1;
	for (i = 0; i <= n; i++) {
		if (i < n && !strchr(separators, name[i]))
			continue;
		if (i - start >= 3 && contains_nocase(pw, len, name + start, i - start))
			return 1;
		start = i + 1;
	}
	return 0;
}

/* 1 when pw has an upper-case letter, a lower-case letter, a digit and a symbol. */
static int
has_all_classes(const char *pw, size_t len)
{
	int up = 0, low = 0, dig = 0, sym = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = pw[i];

		if (c >= 'A' && c <= 'Z')
			up = 1;
		else if (c >= 'a' && c <= 'z')
			low = 1;
		else if (c >= '0' && c <= '9')
			dig = 1;
		else
			sym = 1;
	}
	return up && low && dig && sym;
}

int
password_generate(char *out, size_t outsz, size_t len, const char *const *names, size_t nnames, struct err *e)
{
	size_t draw, i;
	int ok;

	if (len < PASSWORD_LEN_MIN || len > PASSWORD_LEN_MAX)
		return err_set(e, ERR_INVALID, "password length %zu: expected %d to %d characters", len,
			       PASSWORD_LEN_MIN, PASSWORD_LEN_MAX);
	if (!out || outsz < len + 1)
		return err_set(e, ERR_INVALID, "password length %zu: the buffer holds only %zu bytes", len, outsz);
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "password: libsodium does not start");
	/*
	 * Rejection sampling: every draw is uniform over all strings of len
	 * characters with an alphanumeric first one, so keeping the first draw
	 * that obeys the rules is uniform over the strings that obey them.
	 */
	for (draw = 0; draw < DRAWS_MAX; draw++) {
		for (i = 0; i < len; i++)
			out[i] = alphabet[randombytes_uniform(i == 0 ? ALNUM : (uint32_t)ALPHABET)];
		out[len] = '\0';
		ok = has_all_classes(out, len);
		for (i = 0; ok && i < nnames; i++)
			if (names[i] && contains_name(out, len, names[i]))
				ok = 0;
		if (ok)
			return 0;
	}
	sodium_memzero(out, outsz);
	return err_set(e, ERR_INTERNAL, "password: no password of %zu characters avoids the names after %d tries", len,
		       DRAWS_MAX);
}

/* Appends the UTF-16LE code unit u at out[*n]; -1 when it does not fit. */
static int
put_unit(unsigned char *out, size_t outsz, size_t *n, uint32_t u)
{
	if (outsz - *n < 2)
		return -1;
	out[(*n)++] = (unsigned char)(u & 0xff);
	out[(*n)++] = (unsigned char)(u >> 8);
	return 0;
}

/* Appends code point cp as one code unit or a surrogate pair. */
static int
put_codepoint(unsigned char *out, size_t outsz, size_t *n, uint32_t cp)
{
	if (cp < 0x10000)
		return put_unit(out, outsz, n, cp);
	cp -= 0x10000;
	if (put_unit(out, outsz, n, 0xd800 | (cp >> 10)) < 0)
		return -1;
	return put_unit(out, outsz, n, 0xdc00 | (cp & 0x3ff));
}

int
password_unicodepwd(const char *password, unsigned char *out, size_t outsz, size_t *outlen, struct err *e)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)password;
	size_t left = strlen(password), n = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t used;

	if (put_codepoint(out, outsz, &n, '"') < 0)
		goto small;
	while (left > 0) {
		/* utf8proc_iterate refuses overlong forms, surrogates and code points beyond U+10FFFF */
		used = utf8proc_iterate(p, (utf8proc_ssize_t)left, &cp);
		if (used <= 0 || cp <= 0) {
			sodium_memzero(out, outsz);
			return err_set(e, ERR_INVALID, "password: not valid UTF-8 at byte %zu",
				       (size_t)(p - (const utf8proc_uint8_t *)password));
		}
		if (put_codepoint(out, outsz, &n, (uint32_t)cp) < 0)
			goto small;
		p += used;
		left -= (size_t)used;
	}
	if (put_codepoint(out, outsz, &n, '"') < 0)
		goto small;
	*outlen = n;
	return 0;
small:
	sodium_memzero(out, outsz);
	return err_set(e, ERR_INVALID, "password: its unicodePwd encoding does not fit in %zu bytes", outsz);
}
