/*
 * Civil dates (YYYY-MM-DD, no time, no zone) as a day number: days since
 * 1970-01-01 in the proleptic Gregorian calendar. DATE_NONE is "no date"
 * (an open end date).
 */
#ifndef ROSTER_DATE_H
#define ROSTER_DATE_H

#include <stdint.h>

#include "util/err.h"

typedef int32_t civil_day;

#define DATE_NONE INT32_MAX
#define DATE_STR_MAX 11 /* "YYYY-MM-DD" and NUL */

/* 1 when y-m-d is a real date in years 1..9999, else 0. */
int date_valid(int y, int m, int d);
civil_day date_from_ymd(int y, int m, int d);
void date_to_ymd(civil_day day, int *y, int *m, int *d);
/* Writes "YYYY-MM-DD" (or "" for DATE_NONE) into out[DATE_STR_MAX]. */
void date_format(civil_day day, char out[DATE_STR_MAX]);

/*
 * Parses s with fmt: NULL or "auto" accepts YYYY-MM-DD, DD-MM-YYYY and
 * DD/MM/YYYY (day and month may have one digit); anything else is a
 * strptime(3) format. Surrounding blanks are ignored. Returns 0 and sets *out,
 * or -1 when s is not such a date (nothing is written).
 */
int date_parse(const char *s, const char *fmt, civil_day *out);

/* Parses exactly YYYY-MM-DD (the --at flag, the vault). */
int date_parse_iso(const char *s, civil_day *out);

/*
 * Today in the IANA time zone tz (NULL: the process's zone). Fails with
 * ERR_CONFIG when the zone is not known to the system.
 */
int date_today(const char *tz, civil_day *out, struct err *e);

/* 1 when tz names a zone in the system's time zone database. */
int date_zone_known(const char *tz);

#endif
