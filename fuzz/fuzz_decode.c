/*
 * source_decode: bytes of an HR export, in any of the encodings a config can
 * name, to UTF-8. The first byte picks the encoding, the rest is the file.
 * What must hold (decode.c's promise to everything after it): the result is
 * NUL-terminated, holds no NUL before its end, and is valid UTF-8; a failure
 * always says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "util/text.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum source_encoding encodings[] = { ENC_UTF8, ENC_WINDOWS_1252, ENC_ISO_8859_1 };

static _Noreturn void
fail(const char *what, enum source_encoding enc)
{
	fprintf(stderr, "fuzz_decode: %s (encoding %s)\n", what, source_encoding_name(enc));
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum source_encoding enc;
	struct err e;
	size_t outlen = 0, bad;
	char *out;

	if (!size)
		return 0;
	enc = encodings[data[0] % 3];
	data++;
	size--;
	err_init(&e);
	out = source_decode("fuzz.csv", (const char *)data, size, enc, &outlen, &e);
	if (!out) {
		if (!e.msg[0] || e.class == ERR_NONE)
			fail("failed without a message", enc);
		return 0;
	}
	if (out[outlen] != '\0')
		fail("the result is not NUL-terminated at outlen", enc);
	if (memchr(out, '\0', outlen))
		fail("the result holds a NUL byte", enc);
	if (text_utf8_check(out, outlen, &bad) < 0)
		fail("the result is not valid UTF-8", enc);
	free(out);
	return 0;
}
