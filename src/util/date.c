#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/date.h"
#include "util/banned.h"

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

int
date_valid(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Howard Hinnant's days_from_civil: exact for the whole proleptic Gregorian calendar. */
civil_day
date_from_ymd(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
date_to_ymd(civil_day z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

void
date_format(civil_day day, char out[DATE_STR_MAX])
{
	int y, m, d;

	if (day == DATE_NONE) {
		out[0] = '\0';
		return;
	}
	date_to_ymd(day, &y, &m, &d);
	/* Day numbers come from valid dates, but clamp so the width is provably 10. */
	y = y < 0 ? 0 : y % 10000;
	m = m < 1 || m > 12 ? 1 : m;
	d = d < 1 || d > 31 ? 1 : d;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

/* Reads 1..max digits; returns the count read, 0 when none. */
static int
digits(const char **p, int min, int max, int *val)
{
	int n = 0, v = 0;

	while (n < max && isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n < min)
		return 0;
	*val = v;
	return n;
}

static int
parse_auto(const char *s, civil_day *out)
{
	const char *p = s;
	int a, b, c, na;

	na = digits(&p, 1, 4, &a);
	if (!na)
		return -1;
	if (na == 4) {
		/* YYYY-MM-DD */
		if (*p++ != '-' || digits(&p, 2, 2, &b) != 2 || *p++ != '-' || digits(&p, 2, 2, &c) != 2 || *p)
			return -1;
		if (!date_valid(a, b, c))
			return -1;
		*out = date_from_ymd(a, b, c);
		return 0;
	}
	if (na > 2) {
		return -1;
	} else {
		char sep = *p++;

		if (sep != '-' && sep != '/')
			return -1;
		if (!digits(&p, 1, 2, &b) || *p++ != sep || digits(&p, 4, 4, &c) != 4 || *p)
			return -1;
		if (!date_valid(c, b, a))
			return -1;
		*out = date_from_ymd(c, b, a);
		return 0;
	}
}

int
date_parse(const char *s, const char *fmt, civil_day *out)
{
	char tmp[64];
	size_t len;
	const char *end;
	struct tm tm;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (!fmt || !strcmp(fmt, "auto"))
		return parse_auto(tmp, out);
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = 1;
	end = strptime(tmp, fmt, &tm);
	if (!end || *end)
		return -1;
	/*
	 * strptime accepts 31 February: check the day really exists. Its %Y also
	 * reads "26" as the year 26; no HR date is that old, so a year before
	 * 1000 means the format did not fit.
	 */
	if (tm.tm_year < 1000 - 1900 || tm.tm_year > 9999 - 1900 ||
	    !date_valid(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday))
		return -1;
	*out = date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return 0;
}

int
date_parse_iso(const char *s, civil_day *out)
{
	int y, m, d;
	const char *p = s;

	if (digits(&p, 4, 4, &y) != 4 || *p++ != '-' || digits(&p, 2, 2, &m) != 2 || *p++ != '-' ||
	    digits(&p, 2, 2, &d) != 2 || *p)
		return -1;
	if (!date_valid(y, m, d))
		return -1;
	*out = date_from_ymd(y, m, d);
	return 0;
}

int
date_zone_known(const char *tz)
{
	char path[512];

	if (!tz || !*tz || tz[0] == '/' || strstr(tz, ".."))
		return 0;
	if (!strcmp(tz, "UTC"))
		return 1;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	/* A folder ("Europe") or a data file ("zone.tab") is not a zone: real ones start with "TZif". */
	{
		char magic[4];
		FILE *f = fopen(path, "rb");
		struct stat st;
		int ok;

		if (!f)
			return 0;
		ok = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && fread(magic, 1, 4, f) == 4 &&
		     !memcmp(magic, "TZif", 4);
		fclose(f);
		return ok;
	}
}

int
date_today(const char *tz, civil_day *out, struct err *e)
{
	time_t now = time(NULL);
	struct tm tm;
	char *old = NULL;
	const char *cur;

	if (tz && !date_zone_known(tz))
		return err_set(e, ERR_CONFIG, "unknown time zone \"%s\" (expected a name such as Europe/Amsterdam)",
			       tz);
	if (tz) {
		cur = getenv("TZ");
		old = cur ? strdup(cur) : NULL;
		setenv("TZ", tz, 1);
		tzset();
	}
	localtime_r(&now, &tm);
	if (tz) {
		if (old)
			setenv("TZ", old, 1);
		else
			unsetenv("TZ");
		tzset();
		free(old);
	}
	*out = date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return 0;
}
