/*
 * date_parse (auto and a few strptime formats a config may set) and
 * date_parse_iso on arbitrary text. What must hold: a parsed date is a real
 * date that date_format writes and date_parse_iso reads back to the same day;
 * date_parse_iso accepts only what date_format writes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/date.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const formats[] = {
	NULL, "auto", "%d.%m.%Y", "%Y%m%d", "%d-%b-%Y", "%m/%d/%y", "%e %B %Y", "%Y-%j", "%s",
};

static _Noreturn void
fail(const char *what, const char *fmt, const char *s)
{
	fprintf(stderr, "fuzz_date: %s (format %s, input \"%s\")\n", what, fmt ? fmt : "NULL", s);
	abort();
}

static void
check_day(civil_day d, const char *fmt, const char *s)
{
	char iso[DATE_STR_MAX];
	civil_day back;
	int y, m, dd;

	if (d == DATE_NONE)
		fail("parsed to DATE_NONE", fmt, s);
	date_to_ymd(d, &y, &m, &dd);
	if (!date_valid(y, m, dd))
		fail("parsed to a day that is not a valid date", fmt, s);
	if (date_from_ymd(y, m, dd) != d)
		fail("date_from_ymd(date_to_ymd(d)) != d", fmt, s);
	date_format(d, iso);
	if (strlen(iso) != 10)
		fail("date_format did not write YYYY-MM-DD", fmt, s);
	if (date_parse_iso(iso, &back) < 0 || back != d)
		fail("date_parse_iso does not read back what date_format wrote", fmt, s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	civil_day d;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		d = DATE_NONE;
		if (date_parse(s, formats[i], &d) == 0)
			check_day(d, formats[i], s);
		else if (d != DATE_NONE)
			fail("date_parse failed but wrote *out", formats[i], s);
	}
	d = DATE_NONE;
	if (date_parse_iso(s, &d) == 0) {
		char iso[DATE_STR_MAX];

		check_day(d, "iso", s);
		date_format(d, iso);
		if (strcmp(iso, s))
			fail("date_parse_iso accepted what date_format would write differently", "iso", s);
	} else if (d != DATE_NONE) {
		fail("date_parse_iso failed but wrote *out", "iso", s);
	}
	free(s);
	return 0;
}
