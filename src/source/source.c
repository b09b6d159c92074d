#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "source/source.h"
#include "util/xalloc.h"
#include "util/banned.h"

int
source_read(const struct source_cfg *cfg, struct snapshot *out, struct problems *ps, struct err *e)
{
	int ret;

	if (cfg->format == SOURCE_JSON)
		ret = source_json_read(cfg, out, ps, e);
	else
		ret = source_csv_read(cfg, out, ps, e);
	if (ret < 0)
		return -1;
	source_validate(cfg, out, ps);
	return 0;
}

int
source_period(const char *start, const char *end, civil_day *ds, civil_day *de)
{
	*ds = *de = DATE_NONE;
	if (*start)
		date_parse_iso(start, ds);
	if (*end)
		date_parse_iso(end, de);
	return *ds != DATE_NONE && *de != DATE_NONE && *de < *ds ? -1 : 0;
}

/*
 * The usual fte ("1", "0,8", "0.5556", "1,0") written canonically without
 * printf: a decimal with a point, no trailing zeros, at most 6 significant
 * digits (what "%.6g" gives). Anything else returns -1 for the slow path.
 */
static int
number_fast(const char *v, size_t len, struct arena *a, const char **out)
{
	char buf[16];
	size_t i = 0, n = 0, digits = 0;
	int point = 0;

	if (len > 8)
		return -1;
	/* "%.6g" writes values under 0.0001 with an exponent: leave those to it. */
	if (len >= 6 && v[0] == '0' && (v[1] == ',' || v[1] == '.') && v[2] == '0' && v[3] == '0' && v[4] == '0')
		return -1;
	while (i < len && v[i] == '0' && i + 1 < len && v[i + 1] >= '0' && v[i + 1] <= '9')
		i++; /* leading zeros */
	for (; i < len; i++) {
		char c = v[i];

		if (c >= '0' && c <= '9') {
			buf[n++] = c;
			if (digits || c != '0' || point)
				digits++;
		} else if ((c == ',' || c == '.') && !point && n) {
			buf[n++] = '.';
			point = 1;
		} else {
			return -1;
		}
	}
	if (!n || digits > 6 || buf[n - 1] == '.')
		return -1;
	if (point) {
		while (buf[n - 1] == '0')
			n--;
		if (buf[n - 1] == '.')
			n--;
	}
	*out = arena_strndup(a, buf, n);
	return 0;
}

int
source_check(const struct source_cfg *cfg, struct err *e)
{
	struct snapshot s;
	struct problems ps;
	int ret;

	if (cfg->format != SOURCE_JSON)
		return source_csv_check(cfg, e);
	snapshot_init(&s);
	problems_init(&ps);
	ret = source_json_read(cfg, &s, &ps, e);
	snapshot_release(&s);
	problems_release(&ps);
	return ret;
}

int
source_normalize(struct snapshot *s, const struct source_cfg *cfg, const struct field_def *def, const char *v,
		 size_t len, const char **out, char *msg, size_t msglen)
{
	utf8proc_uint8_t *nfc = NULL;
	int ascii = 1;
	char tmp[64];

	while (len && isspace((unsigned char)*v))
		v++, len--;
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (len > SOURCE_FIELD_MAX) {
		snprintf(msg, msglen, "the value is longer than %d bytes", SOURCE_FIELD_MAX);
		return -1;
	}
	if (!len) {
		*out = "";
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] >= 0x80) {
			ascii = 0;
			break;
		}
	switch (def ? def->type : FT_TEXT) {
	case FT_DATE: {
		civil_day d;
		char iso[DATE_STR_MAX];

		if (len >= sizeof(tmp) || !ascii)
			goto bad_date;
		memcpy(tmp, v, len);
		tmp[len] = '\0';
		if (date_parse(tmp, cfg->date_format, &d) < 0)
			goto bad_date;
		date_format(d, iso);
		*out = arena_strdup(&s->arena, iso);
		return 0;
	bad_date:
		if (cfg->date_format)
			snprintf(msg, msglen, "not a date in the format %s", cfg->date_format);
		else
			snprintf(msg, msglen, "not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)");
		return -1;
	}
	case FT_NUMBER: {
		char *end;
		double x;

		if (len >= sizeof(tmp) || !ascii)
			goto bad_number;
		memcpy(tmp, v, len);
		tmp[len] = '\0';
		if (number_fast(tmp, len, &s->arena, out) == 0)
			return 0;
		/* HR systems in most of Europe write 0,8 for 0.8. */
		for (char *p = tmp; *p; p++)
			if (*p == ',')
				*p = '.';
		x = strtod(tmp, &end);
		if (end == tmp || *end || !isfinite(x) || x < 0)
			goto bad_number;
		snprintf(tmp, sizeof(tmp), "%.6g", x);
		*out = arena_strdup(&s->arena, tmp);
		return 0;
	bad_number:
		snprintf(msg, msglen, "not a number (expected a number such as 1, 0.8 or 0,8)");
		return -1;
	}
	case FT_CONVENTION: {
		char *c = arena_strndup(&s->arena, v, len);

		for (char *p = c; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		*out = c;
		return 0;
	}
	default: break;
	}
	/* A line break inside a quoted value is one "\n", whichever system wrote the file. */
	if (memchr(v, '\r', len)) {
		char *c = arena_strndup(&s->arena, v, len), *w = c;

		for (const char *r = c; *r; r++)
			if (!(r[0] == '\r' && r[1] == '\n'))
				*w++ = *r;
		*w = '\0';
		v = c;
		len = (size_t)(w - c);
	}
	if (ascii) {
		*out = arena_strndup(&s->arena, v, len);
		return 0;
	}
	/*
	 * The same name typed on two systems may be composed (ë) or decomposed
	 * (e + combining diaeresis); NFC makes them one, so no spurious name change.
	 */
	if (utf8proc_map((const utf8proc_uint8_t *)v, (utf8proc_ssize_t)len, &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE) <
	    0) {
		snprintf(msg, msglen, "not valid UTF-8 text");
		return -1;
	}
	*out = arena_strdup(&s->arena, (const char *)nfc);
	free(nfc);
	return 0;
}
