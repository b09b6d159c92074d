#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connector/ad_util.h"
#include "util/banned.h"

/* --- accountExpires --- */

/* Seconds from 1601-01-01 to 1970-01-01, and 100-ns ticks per second. */
#define EPOCH_1601 INT64_C(11644473600)
#define TICKS INT64_C(10000000)

/* The local time zone switched to tz (through TZ) and back, as date_today() does. */
struct tz_switch {
	int on;
	char *old;
};

static int
tz_enter(struct tz_switch *s, const char *tz, struct err *e)
{
	const char *cur;

	s->on = 0;
	s->old = NULL;
	if (!tz)
		return 0;
	if (!date_zone_known(tz))
		return err_set(e, ERR_CONFIG, "unknown time zone \"%s\" (expected a name such as Europe/Amsterdam)",
			       tz);
	cur = getenv("TZ");
	if (cur && !(s->old = strdup(cur)))
		return err_set(e, ERR_INTERNAL, "out of memory");
	setenv("TZ", tz, 1);
	tzset();
	s->on = 1;
	return 0;
}

static void
tz_leave(struct tz_switch *s)
{
	if (!s->on)
		return;
	if (s->old)
		setenv("TZ", s->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(s->old);
	s->on = 0;
}

/* The local date at unix time t, and the offset from UTC in effect there. */
static civil_day
local_day(time_t t, long *gmtoff)
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (gmtoff)
		*gmtoff = tm.tm_gmtoff;
	return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int
ad_expires_from_day(civil_day last_day, const char *tz, int64_t *out, struct err *e)
{
	struct tz_switch s;
	time_t g, t, best = 0;
	long offs[5];
	int i, j, found = 0;
	char day[DATE_STR_MAX];

	if (last_day == DATE_NONE) {
		*out = AD_EXPIRES_NEVER;
		return 0;
	}
	if (last_day < date_from_ymd(1601, 1, 1) || last_day > date_from_ymd(9999, 12, 30)) {
		date_format(last_day, day);
		return err_set(e, ERR_INVALID, "accountExpires: the day %s is outside 1601-01-01 to 9999-12-30", day);
	}
	if (tz_enter(&s, tz, e) < 0)
		return -1;
	/*
	 * The end of last_day is local midnight at the start of the next day,
	 * g - offset with g that midnight in UTC, for the offset in effect then.
	 * Try every offset in effect within two days; the instant wanted is
	 * the last candidate where the local date moves from at most last_day
	 * to after it. That handles a midnight the clocks skip (the date moves
	 * at the change) and one they repeat (the second midnight counts, so
	 * the account works the whole of its last day).
	 */
	g = ((time_t)last_day + 1) * 86400;
	for (i = 0; i < 5; i++)
		local_day(g + (time_t)(i - 2) * 86400, &offs[i]);
	for (i = 0; i < 5; i++) {
		for (j = 0; j < i && offs[j] != offs[i]; j++)
			;
		if (j < i)
			continue; /* an offset tried before */
		t = g - offs[i];
		if (local_day(t, NULL) > last_day && local_day(t - 1, NULL) <= last_day && (!found || t > best)) {
			best = t;
			found = 1;
		}
	}
	tz_leave(&s);
	if (!found) {
		date_format(last_day, day);
		return err_set(e, ERR_INTERNAL, "accountExpires: no end of the day %s in time zone %s", day,
			       tz ? tz : "(local)");
	}
	*out = ((int64_t)best + EPOCH_1601) * TICKS;
	return 0;
}

int
ad_expires_to_day(int64_t v, const char *tz, civil_day *out, struct err *e)
{
	struct tz_switch s;
	int64_t secs;
	civil_day d;

	if (v < 0)
		return err_set(e, ERR_INVALID, "accountExpires: %" PRId64 " is negative", v);
	if (ad_expires_is_never(v)) {
		*out = DATE_NONE;
		return 0;
	}
	/* the instant just before v: its second, floored */
	secs = (v - 1) / TICKS - EPOCH_1601;
	if (tz_enter(&s, tz, e) < 0)
		return -1;
	/* a day of margin keeps the local date of any zone within what localtime handles */
	d = secs >= (int64_t)date_from_ymd(10000, 1, 2) * 86400 ? DATE_NONE : local_day((time_t)secs, NULL);
	tz_leave(&s);
	/* 10000-01-01 and later: never, in effect */
	*out = d > date_from_ymd(9999, 12, 31) ? DATE_NONE : d;
	return 0;
}

int
ad_expires_is_never(int64_t v)
{
	return v == 0 || v == AD_EXPIRES_NEVER;
}

int
ad_int64_parse(const char *s, int64_t *out)
{
	uint64_t v = 0, limit;
	int neg = 0;
	const char *p = s;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!*p)
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (limit - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

void
ad_int64_format(int64_t v, char out[AD_INT64_STR_MAX])
{
	snprintf(out, AD_INT64_STR_MAX, "%" PRId64, v);
}

/* --- userAccountControl --- */

uint32_t
ad_uac_new(int enabled)
{
	return ad_uac_set_enabled(AD_UAC_NORMAL_ACCOUNT, enabled);
}

uint32_t
ad_uac_set_enabled(uint32_t uac, int enabled)
{
	return enabled ? uac & ~AD_UAC_ACCOUNTDISABLE : uac | AD_UAC_ACCOUNTDISABLE;
}

int
ad_uac_is_enabled(uint32_t uac)
{
	return !(uac & AD_UAC_ACCOUNTDISABLE);
}

int
ad_uac_parse(const char *s, uint32_t *out)
{
	int64_t v;

	if (ad_int64_parse(s, &v) < 0 || v < INT32_MIN || v > (int64_t)UINT32_MAX)
		return -1;
	*out = (uint32_t)(v < 0 ? v + (INT64_C(1) << 32) : v);
	return 0;
}

/* --- objectGUID --- */

/* The byte of the 16 that each pair of hex digits of the string form shows, in order. */
static const int guid_order[AD_GUID_LEN] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

/* 1 when the string form has a '-' before the pair of digits i. */
static int
dash_before(int i)
{
	return i == 4 || i == 6 || i == 8 || i == 10;
}

void
ad_guid_format(const unsigned char guid[AD_GUID_LEN], char out[AD_GUID_STR_MAX])
{
	static const char hex[] = "0123456789abcdef";
	int i, n = 0;

	for (i = 0; i < AD_GUID_LEN; i++) {
		if (dash_before(i))
			out[n++] = '-';
		out[n++] = hex[guid[guid_order[i]] >> 4];
		out[n++] = hex[guid[guid_order[i]] & 0xf];
	}
	out[n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ad_guid_parse(const char *s, unsigned char out[AD_GUID_LEN])
{
	unsigned char b[AD_GUID_LEN];
	size_t len = strlen(s);
	const char *p = s;
	int i, hi, lo;

	if (len == 38 && s[0] == '{' && s[37] == '}')
		p++;
	else if (len != 36)
		return -1;
	for (i = 0; i < AD_GUID_LEN; i++) {
		if (dash_before(i) && *p++ != '-')
			return -1;
		hi = hexval(p[0]);
		lo = hi < 0 ? -1 : hexval(p[1]);
		if (lo < 0)
			return -1;
		b[guid_order[i]] = (unsigned char)(hi << 4 | lo);
		p += 2;
	}
	memcpy(out, b, AD_GUID_LEN);
	return 0;
}

void
ad_guid_dn(const unsigned char guid[AD_GUID_LEN], char out[AD_GUID_DN_MAX])
{
	char str[AD_GUID_STR_MAX];

	ad_guid_format(guid, str);
	snprintf(out, AD_GUID_DN_MAX, "<GUID=%s>", str);
}

/* --- groupType --- */

static const struct {
	enum ad_group_scope scope;
	uint32_t bit;
	const char *name;
} scopes[] = {
	{ AD_SCOPE_GLOBAL, AD_GROUP_TYPE_GLOBAL, "global" },
	{ AD_SCOPE_DOMAIN_LOCAL, AD_GROUP_TYPE_DOMAIN_LOCAL, "domain_local" },
	{ AD_SCOPE_UNIVERSAL, AD_GROUP_TYPE_UNIVERSAL, "universal" },
};
#define NSCOPES (sizeof(scopes) / sizeof(scopes[0]))

int32_t
ad_group_type(enum ad_group_scope scope, int security)
{
	size_t i;

	for (i = 0; i < NSCOPES && scopes[i].scope != scope; i++)
		;
	if (i == NSCOPES)
		BUG("ad_group_type: scope %d", (int)scope);
	/* the security bit is the sign bit: INT32_MIN + bit, without an implementation-defined conversion */
	return security ? INT32_MIN + (int32_t)scopes[i].bit : (int32_t)scopes[i].bit;
}

int
ad_group_type_split(int32_t v, enum ad_group_scope *scope, int *security)
{
	uint32_t u = v < 0 ? (uint32_t)(v - INT32_MIN) | AD_GROUP_TYPE_SECURITY : (uint32_t)v;
	uint32_t kind = u & ~AD_GROUP_TYPE_SECURITY;
	size_t i;

	for (i = 0; i < NSCOPES; i++) {
		if (kind == scopes[i].bit) {
			*scope = scopes[i].scope;
			*security = !!(u & AD_GROUP_TYPE_SECURITY);
			return 0;
		}
	}
	return -1;
}

const char *
ad_group_scope_name(enum ad_group_scope scope)
{
	size_t i;

	for (i = 0; i < NSCOPES; i++)
		if (scopes[i].scope == scope)
			return scopes[i].name;
	BUG("ad_group_scope_name: scope %d", (int)scope);
}

int
ad_group_scope_parse(const char *name, enum ad_group_scope *out)
{
	size_t i;

	for (i = 0; i < NSCOPES; i++) {
		if (!strcmp(name, scopes[i].name)) {
			*out = scopes[i].scope;
			return 0;
		}
	}
	return -1;
}

/* --- AD's diagnostic messages --- */

struct diag_entry {
	uint32_t code;
	enum err_class class;
	const char *words;
};

/* The Windows error code in front of a diagnostic message. */
static const struct diag_entry leading_codes[] = {
	{ 0x2071, ERR_CONFLICT,
	  "the name is taken: another object has this DN (Windows) or this sAMAccountName (Samba)" },
	{ 0x0524, ERR_CONFLICT, "the account name is taken: another object has this sAMAccountName" },
	{ 0x21c8, ERR_CONFLICT, "the userPrincipalName is taken by another object in the forest" },
	{ 0x21c7, ERR_CONFLICT, "the servicePrincipalName is taken by another object in the forest" },
	{ 0x202f, ERR_PERMANENT, "a constraint of the directory forbids the value" },
	{ 0x052d, ERR_PERMANENT,
	  "the password does not meet the domain's password policy (length, complexity, history or minimum age)" },
	{ 0x0562, ERR_CONFLICT, "the account is already a member of the group" },
	{ 0x0561, ERR_NOTFOUND, "the account is not a member of the group" },
	{ 0x208d, ERR_NOTFOUND, "the object (or its parent) does not exist" },
	{ 0x2030, ERR_NOTFOUND, "the object does not exist" },
	{ 0x2098, ERR_PERMANENT, "the bind account lacks the rights for this operation" },
	{ 0x0005, ERR_PERMANENT, "access denied: the bind account lacks the rights for this operation" },
	{ 0x200e, ERR_TRANSIENT, "the directory is busy" },
	{ 0x200f, ERR_TRANSIENT, "the directory is unavailable" },
	{ 0x2035, ERR_PERMANENT,
	  "the directory will not perform the operation (for example a move by modrdn that keeps the old RDN)" },
};

/* The code after "data" in the message of a failed bind (rc 49). */
static const struct diag_entry bind_codes[] = {
	{ 0x525, ERR_PERMANENT, "no such user: the bind name is not known" },
	{ 0x52e, ERR_PERMANENT, "the password is wrong" },
	{ 0x530, ERR_PERMANENT, "the account may not log on at this time (logon hours)" },
	{ 0x531, ERR_PERMANENT, "the account may not log on from this computer" },
	{ 0x532, ERR_PERMANENT, "the password has expired" },
	{ 0x533, ERR_PERMANENT, "the account is disabled" },
	{ 0x701, ERR_PERMANENT, "the account has expired (accountExpires is past)" },
	{ 0x773, ERR_PERMANENT, "the password must be changed before the account can log on (pwdLastSet is 0)" },
	{ 0x775, ERR_PERMANENT, "the account is locked out after too many wrong passwords" },
};

/* Reads 1 to 8 hex digits at p into *v; returns how many, 0 when none or more than 8. */
static int
read_hex(const char *p, uint32_t *v)
{
	int n = 0, d;
	uint32_t x = 0;

	while ((d = hexval(p[n])) >= 0) {
		if (n == 8)
			return 0;
		x = x << 4 | (uint32_t)d;
		n++;
	}
	*v = x;
	return n;
}

static int
lookup(const struct diag_entry *t, size_t n, uint32_t code, struct ad_diag *d)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].code == code) {
			d->class = t[i].class;
			d->code = code;
			d->words = t[i].words;
			return 1;
		}
	}
	return 0;
}

int
ad_diag_parse(int ldap_rc, const char *msg, struct ad_diag *d)
{
	uint32_t code;
	const char *p;

	if (!msg)
		return 0;
	/* 49 is LDAP_INVALID_CREDENTIALS: the reason is after "data" */
	if (ldap_rc == 49) {
		for (p = strstr(msg, "data "); p; p = strstr(p + 1, "data ")) {
			int n = read_hex(p + 5, &code);

			if (n > 0 && (p[5 + n] == ',' || p[5 + n] == '\0' || p[5 + n] == ' '))
				return lookup(bind_codes, sizeof(bind_codes) / sizeof(bind_codes[0]), code, d);
		}
		return 0;
	}
	if (read_hex(msg, &code) != 8 || msg[8] != ':')
		return 0;
	if (!lookup(leading_codes, sizeof(leading_codes) / sizeof(leading_codes[0]), code, d))
		return 0;
	/*
	 * Samba reports a userPrincipalName in use as a constraint violation
	 * ("0000202F: samldb: userPrincipalName '...' is already in use"); a
	 * value in use is a conflict, another constraint is not.
	 */
	if (code == 0x202f && strstr(msg, "in use")) {
		d->class = ERR_CONFLICT;
		d->words = "the value is taken: another object has it (on Samba: a userPrincipalName in use)";
	}
	return 1;
}
