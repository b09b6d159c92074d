/*
 * HR exports come as UTF-8 (with or without a BOM), as windows-1252 or
 * latin-1 from older systems, and as UTF-16 from Excel's "Unicode text".
 * Everything after this step is UTF-8, checked, with no NUL bytes.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Line and column (1-based, in bytes) of offset off in data. */
static void
position(const char *data, size_t off, int *line, int *col)
{
	const char *p = data, *end = data + off, *nl;

	*line = 1;
	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		(*line)++;
		p = nl + 1;
	}
	*col = (int)(end - p) + 1;
}

static char *
convert(const char *file, const char *from, const char *data, size_t len, size_t *outlen, struct err *e)
{
	iconv_t cd = iconv_open("UTF-8", from);
	size_t cap = len * 3 + 4, inleft = len, outleft;
	char *out, *in = (char *)data, *o;

	if (cd == (iconv_t)-1) {
		err_set(e, ERR_INTERNAL, "%s: cannot convert from %s: %s", file, from, strerror(errno));
		return NULL;
	}
	out = xmalloc(cap);
	o = out;
	outleft = cap - 1;
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		int line, col;

		position(data, (size_t)(in - data), &line, &col);
		if (!strncmp(from, "UTF-16", 6))
			err_set(e, ERR_INVALID, "%s: byte %zu: the file is not valid UTF-16", file,
				(size_t)(in - data));
		else
			err_set(e, ERR_INVALID,
				"%s:%d:%d: byte 0x%02X is not a character in %s (check the encoding: setting)", file,
				line, col, (unsigned char)*in, from);
		free(out);
		iconv_close(cd);
		return NULL;
	}
	iconv_close(cd);
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

char *
source_decode(const char *file, const char *data, size_t len, enum source_encoding enc, size_t *outlen, struct err *e)
{
	const unsigned char *u = (const unsigned char *)data;
	char *out;
	size_t bad, nul;

	if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
		/* iconv's "UTF-16" reads the BOM itself and drops it. */
		out = convert(file, "UTF-16", data, len, outlen, e);
		if (out && strlen(out) != *outlen) {
			free(out);
			return err_set(e, ERR_INVALID, "%s: the file contains a NUL character", file), NULL;
		}
		return out;
	}
	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		data += 3;
		len -= 3;
		enc = ENC_UTF8; /* a BOM says what the file is, whatever the config says */
	}
	if (memchr(data, '\0', len)) {
		int line, col;

		nul = (size_t)((const char *)memchr(data, '\0', len) - data);
		position(data, nul, &line, &col);
		err_set(e, ERR_INVALID, "%s:%d:%d: the file contains a NUL byte (expected a text file)", file, line,
			col);
		return NULL;
	}
	if (enc == ENC_WINDOWS_1252)
		return convert(file, "WINDOWS-1252", data, len, outlen, e);
	if (enc == ENC_ISO_8859_1)
		return convert(file, "ISO-8859-1", data, len, outlen, e);
	if (text_utf8_check(data, len, &bad) < 0) {
		int line, col;

		position(data, bad, &line, &col);
		err_set(e, ERR_INVALID,
			"%s:%d:%d: byte 0x%02X is not valid UTF-8 (if the file is windows-1252, set encoding: windows-1252)",
			file, line, col, (unsigned char)data[bad]);
		return NULL;
	}
	out = xstrndup(data, len);
	*outlen = len;
	return out;
}
