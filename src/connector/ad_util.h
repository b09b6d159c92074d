/*
 * What the Active Directory connector knows about AD's values, as pure
 * functions (no LDAP, no I/O): accountExpires from a civil date,
 * userAccountControl's bits, objectGUID's string form and the <GUID=...>
 * DN, groupType values, and what AD's diagnostic messages mean.
 *
 * The facts they rely on are pinned down against a real Samba AD DC by
 * tests/e2e/t4100-samba-dc.sh; docs/connector-ad.md explains them.
 */
#ifndef ROSTER_AD_UTIL_H
#define ROSTER_AD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "util/date.h"
#include "util/err.h"

/* --- accountExpires --- */

/*
 * accountExpires is a count of 100-nanosecond intervals since 1601-01-01
 * 00:00 UTC: the instant the account stops working. 0 and
 * AD_EXPIRES_NEVER (9223372036854775807, what a new account has) both
 * mean never; roster writes AD_EXPIRES_NEVER.
 */
#define AD_EXPIRES_NEVER INT64_MAX
#define AD_INT64_STR_MAX 21 /* "-9223372036854775808" and NUL */

/*
 * The accountExpires value for an account whose last active day is
 * last_day in the IANA time zone tz (NULL: the process's zone): the first
 * instant of the next day there, as AD's own tools set "end of" a day. At
 * a change of the clocks around midnight it is the instant after which the
 * local date is past last_day for good. DATE_NONE gives AD_EXPIRES_NEVER.
 *
 * Returns 0 and sets *out, or -1 with e set: ERR_CONFIG for an unknown
 * zone, ERR_INVALID for a day before 1601 or after 9998.
 *
 * The zone is switched through TZ and tzset(), as date_today() does: not
 * safe while another thread uses local time.
 */
int ad_expires_from_day(civil_day last_day, const char *tz, int64_t *out, struct err *e);

/*
 * The last active day of an account whose accountExpires is v, in zone tz:
 * the local date of the instant just before v. 0, AD_EXPIRES_NEVER and any
 * value at or beyond the year 10000 give DATE_NONE. Returns 0, or -1 with
 * e set (ERR_CONFIG: unknown zone; ERR_INVALID: a negative value).
 * ad_expires_to_day(ad_expires_from_day(d)) is d for every valid day.
 */
int ad_expires_to_day(int64_t v, const char *tz, civil_day *out, struct err *e);

/* 1 when v means "never expires" (0 or AD_EXPIRES_NEVER), else 0. */
int ad_expires_is_never(int64_t v);

/*
 * Parses an LDAP integer value (optional '-', decimal digits, nothing
 * else; AD's Integer and LargeInteger syntaxes) into *out. Returns 0, or
 * -1 when s is not one or does not fit in 64 bits (nothing written).
 */
int ad_int64_parse(const char *s, int64_t *out);

/* Writes v in decimal and a NUL into out[AD_INT64_STR_MAX]. */
void ad_int64_format(int64_t v, char out[AD_INT64_STR_MAX]);

/* --- userAccountControl --- */

#define AD_UAC_ACCOUNTDISABLE 0x0002u
#define AD_UAC_LOCKOUT 0x0010u
#define AD_UAC_PASSWD_NOTREQD 0x0020u
#define AD_UAC_NORMAL_ACCOUNT 0x0200u
#define AD_UAC_DONT_EXPIRE_PASSWORD 0x10000u
#define AD_UAC_PASSWORD_EXPIRED 0x800000u

/* A new user account: NORMAL_ACCOUNT (512), with ACCOUNTDISABLE (514) when !enabled. */
uint32_t ad_uac_new(int enabled);

/* uac with ACCOUNTDISABLE cleared (enabled) or set (!enabled), every other bit kept. */
uint32_t ad_uac_set_enabled(uint32_t uac, int enabled);

/* 1 when ACCOUNTDISABLE is clear in uac. */
int ad_uac_is_enabled(uint32_t uac);

/*
 * Parses a userAccountControl value (a 32-bit LDAP integer: AD writes it
 * signed, so "-2147483648" to "4294967295" are accepted) into *out.
 * Returns 0, or -1 (nothing written).
 */
int ad_uac_parse(const char *s, uint32_t *out);

/* --- objectGUID --- */

#define AD_GUID_LEN 16
#define AD_GUID_STR_MAX 37 /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and NUL */
#define AD_GUID_DN_MAX 44  /* "<GUID=", the 36 characters, ">" and NUL */

/*
 * objectGUID's 16 bytes (as LDAP returns them) in the canonical string
 * form, lowercase: the first three fields are stored little-endian, so
 * bytes 24 46 fe c1 f5 2a 25 4b 9e 6f ... read c1fe4624-2af5-4b25-9e6f-....
 * This string is what roster keeps as the account's ref.
 */
void ad_guid_format(const unsigned char guid[AD_GUID_LEN], char out[AD_GUID_STR_MAX]);

/*
 * The reverse of ad_guid_format: s is the 36-character form (either case,
 * optionally in braces "{...}"); writes the 16 bytes. Returns 0, or -1
 * when s is anything else (nothing written).
 */
int ad_guid_parse(const char *s, unsigned char out[AD_GUID_LEN]);

/*
 * The extended DN "<GUID=xxxxxxxx-...>" that names the object with this
 * GUID wherever it was moved: AD accepts it as the DN of a search base, a
 * modify, a delete, a modrdn and as a member value. Writes it into out.
 */
void ad_guid_dn(const unsigned char guid[AD_GUID_LEN], char out[AD_GUID_DN_MAX]);

/* --- groupType --- */

enum ad_group_scope {
	AD_SCOPE_GLOBAL,       /* members from its own domain; usable in the forest */
	AD_SCOPE_DOMAIN_LOCAL, /* members from anywhere; usable in its own domain */
	AD_SCOPE_UNIVERSAL,    /* members from the forest; usable in the forest */
};

#define AD_GROUP_TYPE_GLOBAL 0x2
#define AD_GROUP_TYPE_DOMAIN_LOCAL 0x4
#define AD_GROUP_TYPE_UNIVERSAL 0x8
#define AD_GROUP_TYPE_SECURITY 0x80000000u

/*
 * groupType for a group of that scope, a security group when security is
 * non-zero (else a distribution group): global security -2147483646,
 * domain-local security -2147483644, universal security -2147483640;
 * distribution 2, 4, 8. AD writes groupType as a signed 32-bit integer.
 */
int32_t ad_group_type(enum ad_group_scope scope, int security);

/*
 * The scope and kind of a groupType value. Returns 0, or -1 when v has
 * not exactly one scope bit (a builtin group's 0x1, or nonsense).
 */
int ad_group_type_split(int32_t v, enum ad_group_scope *scope, int *security);

/*
 * A scope's name in roster.yaml: "global", "domain_local", "universal".
 * ad_group_scope_parse returns 0 and sets *out, or -1 for any other name.
 */
const char *ad_group_scope_name(enum ad_group_scope scope);
int ad_group_scope_parse(const char *name, enum ad_group_scope *out);

/* --- AD's diagnostic messages --- */

/*
 * What an AD error means. AD puts a Windows error code in front of its
 * diagnostic message ("00002071: samldb: samAccountName 'x' already in
 * use!", "0000052D: Constraint violation - ..."), and in a failed bind
 * another one after "data" ("80090308: LdapErr: DSID-0C09044E, comment:
 * AcceptSecurityContext error, data 533, v4563").
 */
struct ad_diag {
	enum err_class class;
	uint32_t code;	   /* the Windows error code that decided it */
	const char *words; /* what it means, for a person: static, lowercase, no period */
};

/*
 * Reads msg (an LDAP diagnostic message; NULL is none) and fills d for the
 * codes roster knows; ldap_rc, the LDAP result code, decides between codes
 * AD reuses (a bind's "data" is read only for rc 49, invalid credentials).
 * Returns 1 when it knew the code, 0 when not (d untouched: map the LDAP
 * result code instead).
 *
 * Known: 00002071 and 00000524 (the name is taken: ERR_CONFLICT), 0000202F
 * (a constraint: ERR_CONFLICT when the message says a value is in use, such
 * as a userPrincipalName, else ERR_PERMANENT), 0000052D (the password
 * policy: ERR_PERMANENT), 00000562 / 00000561 (already a member / not a
 * member: ERR_CONFLICT / ERR_NOTFOUND), 0000208D and 00002030 (no such
 * object: ERR_NOTFOUND), 00002098 and 00000005 (access denied:
 * ERR_PERMANENT), 0000200E and 0000200F (busy, unavailable:
 * ERR_TRANSIENT), 00002035 (unwilling: ERR_PERMANENT); and for rc 49 the
 * data codes 525, 52e, 530, 531, 532, 533, 701, 773, 775 (ERR_PERMANENT:
 * none goes away by retrying within a run).
 */
int ad_diag_parse(int ldap_rc, const char *msg, struct ad_diag *d);

#endif
