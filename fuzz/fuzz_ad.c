/*
 * The Active Directory parsers (ad_util.h, password.h) on arbitrary text:
 * ad_diag_parse (a server's diagnostic message), ad_guid_parse,
 * ad_int64_parse, ad_uac_parse and password_unicodepwd. What must hold: no
 * crash; a known diagnostic has a class and words; a parsed GUID formats
 * back to a string that parses to the same bytes; a parsed integer formats
 * back to itself; a unicodePwd encoding is even, quoted and within its bound.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/ad_util.h"
#include "util/password.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void
fail(const char *what, const char *s)
{
	fprintf(stderr, "fuzz_ad: %s (input \"%s\")\n", what, s);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	struct ad_diag d;
	unsigned char g[AD_GUID_LEN], g2[AD_GUID_LEN];
	char gs[AD_GUID_STR_MAX], n[AD_INT64_STR_MAX];
	int64_t v, v2;
	uint32_t uac;
	unsigned char pwd[PASSWORD_UNICODEPWD_MAX(4096)];
	size_t len;
	struct err e;

	if (size < 1 || size > 4096)
		return 0;
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (ad_diag_parse(data[0], s, &d) == 1 && (!d.words || !*d.words))
		fail("a known diagnostic without words", s);
	if (ad_guid_parse(s, g) == 0) {
		ad_guid_format(g, gs);
		if (ad_guid_parse(gs, g2) < 0 || memcmp(g, g2, AD_GUID_LEN))
			fail("a GUID does not read back", s);
	}
	if (ad_int64_parse(s, &v) == 0) {
		ad_int64_format(v, n);
		if (ad_int64_parse(n, &v2) < 0 || v2 != v)
			fail("an integer does not read back", s);
	}
	(void)ad_uac_parse(s, &uac);
	err_init(&e);
	if (password_unicodepwd(s, pwd, sizeof(pwd), &len, &e) == 0 &&
	    (len % 2 || len < 4 || len > PASSWORD_UNICODEPWD_MAX(strlen(s)) || pwd[0] != '"' || pwd[1] ||
	     pwd[len - 2] != '"' || pwd[len - 1]))
		fail("a unicodePwd that is not quoted UTF-16LE", s);
	free(s);
	return 0;
}
