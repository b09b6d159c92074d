/*
 * The ldap connector: accounts as entries of an LDAP directory (OpenLDAP's
 * libldap), groups as group entries with a member attribute.
 *
 * What must hold:
 * - every value put in a search filter is escaped (RFC 4515, filter_value),
 *   every value put in a DN by this file is escaped (RFC 4514, dn_value); the
 *   account's own DN comes rendered by the plan, its fields escaped there
 *   (rules/ruleset.c gives every field of the dn: template the dn filter);
 * - every operation has a time limit (LDAP_OPT_TIMEOUT for the synchronous
 *   calls, LDAP_OPT_NETWORK_TIMEOUT for connecting); a connection that
 *   turns out dropped is made again once and the operation tried again;
 *   what still fails is mapped to roster's classes in one place
 *   (conn_ldap_fail), so a server that is away is ERR_TRANSIENT;
 * - every operation can be repeated after a crash or a retry with the
 *   same end state: a second add of the same member, a removal of a member
 *   that is not there, a rename to where the entry is, a create that finds
 *   its own entry after a reconnect all succeed;
 * - values read back are bounded (VALUE_MAX); a longer one is an error.
 *
 * Where an account's entry is: its ref (the DN apply knows), the "dn" the
 * plan made, or (disable: {move_to}) the same first RDN under the disabled
 * base — set_enabled gives apply the new name, but a rerun after a crash
 * may find the entry at another of these than the ref says. Operations try
 * them in turn (and
 * last search by the correlate value), which costs nothing in the common
 * case where the first one is right.
 */
#include <jansson.h>
#include <ldap.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include "connector/connector.h"
#include "connector/ldap_int.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/strmap.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define VALUE_MAX (64 * 1024) /* bytes of one value read back */
#define TIMEOUT_DEFAULT 30    /* seconds, for connecting and for each operation */
#define PAGE_DEFAULT 500

#define INFLIGHT_MAX 32	   /* adds sent and not answered yet (pipelining) */
#define GATHERED_MAX 4096  /* memberships gathered before they are sent */
#define PREFETCH_CHUNK 100 /* correlate values in one OR filter */

/* Searches that need no attribute back ask for "1.1" (RFC 4511 section 4.5.1.8). */
static char no_attr[] = LDAP_NO_ATTRS;
char *conn_ldap_none[] = { no_attr, NULL };
#define none conn_ldap_none

/* ---- errors: the one place LDAP result codes become roster's classes ---- */

int
conn_ldap_fail(struct connector *c, int rc, const char *what, const char *dn, struct err *e)
{
	enum err_class cls;
	const char *hint = "", *words = NULL;

	switch (rc) {
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
	case LDAP_TIMEOUT:
	case LDAP_TIMELIMIT_EXCEEDED:
	case LDAP_BUSY:
	case LDAP_UNAVAILABLE:
	case LDAP_NO_MEMORY: cls = ERR_TRANSIENT; break;
	case LDAP_NO_SUCH_OBJECT: cls = ERR_NOTFOUND; break;
	case LDAP_ALREADY_EXISTS: cls = ERR_CONFLICT; break;
	default: cls = ERR_PERMANENT; break;
	}
	if (c->hooks && c->hooks->classify && c->hooks->classify(c, rc, &cls, &words))
		return err_set(e, cls, "%s: %s%s%s%s: %s (%d): %s (server: %s)", c->k.url, what, dn ? " \"" : "",
			       dn ? dn : "", dn ? "\"" : "", ldap_err2string(rc), rc, words, c->diag);
	/* libldap tells a refused TLS handshake from a server that is not there by nothing */
	if ((rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR) && !c->diag[0] &&
	    (c->k.starttls || !strncasecmp(c->k.url, "ldaps:", 6)))
		hint = "; or TLS failed: is the server's certificate from ca_file's CA, and for this host name?";
	return err_set(e, cls, "%s: %s%s%s%s: %s (%d)%s%s%s%s", c->k.url, what, dn ? " \"" : "", dn ? dn : "",
		       dn ? "\"" : "", ldap_err2string(rc), rc, c->diag[0] ? " (server: " : "", c->diag,
		       c->diag[0] ? ")" : "", hint);
}

/* ---- escaping ---- */

/* value as it may stand in a search filter (RFC 4515 section 3): * ( ) \ and NUL as \XX. */
void
conn_ldap_filter_value(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '*' || *v == '(' || *v == ')' || *v == '\\')
			buf_addf(b, "\\%02x", (unsigned char)*v);
		else
			buf_addch(b, *v);
	}
}

/*
 * value (n bytes) as it may stand in an RDN (RFC 4514 section 2.4), as the
 * template filter dn does it: , + " \ < > ; = escaped, a leading space or
 * '#' and a trailing space too, NUL as \00.
 */
static void
dn_value(struct buf *b, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\0') {
			buf_adds(b, "\\00");
			continue;
		}
		if (strchr(",+\"\\<>;=", v[i]) || (i == 0 && (v[i] == ' ' || v[i] == '#')) ||
		    (i == n - 1 && v[i] == ' '))
			buf_addch(b, '\\');
		buf_addch(b, v[i]);
	}
}

/*
 * A DN as roster writes one (dn_value's escaping, no blanks), whatever form
 * the server gave it in ("\2C" for ","): so that the "dn" a lookup reads
 * back equals the one the plan rendered. NULL when dn is not a DN;
 * malloc'd.
 */
static char *
dn_roster_form(const char *dn)
{
	LDAPDN d = NULL;
	struct buf b = BUF_INIT;

	if (ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return NULL;
	for (size_t i = 0; d && d[i]; i++) {
		if (i)
			buf_addch(&b, ',');
		for (size_t k = 0; d[i][k]; k++) {
			const LDAPAVA *ava = d[i][k];

			if (k)
				buf_addch(&b, '+');
			buf_add(&b, ava->la_attr.bv_val, ava->la_attr.bv_len);
			buf_addch(&b, '=');
			if (ava->la_flags & LDAP_AVA_BINARY) {
				buf_addch(&b, '#');
				for (size_t j = 0; j < ava->la_value.bv_len; j++)
					buf_addf(&b, "%02x", (unsigned char)ava->la_value.bv_val[j]);
			} else {
				dn_value(&b, ava->la_value.bv_val, ava->la_value.bv_len);
			}
		}
	}
	ldap_dnfree(d);
	return buf_detach(&b);
}

/* ---- DNs ---- */

/* The length of dn's first RDN: up to its first comma that is not escaped. */
static size_t
rdn_len(const char *dn)
{
	size_t i;

	for (i = 0; dn[i] && dn[i] != ','; i++)
		if (dn[i] == '\\' && dn[i + 1])
			i++;
	return i;
}

/* What follows dn's first RDN ("" for a DN of one RDN). */
static const char *
dn_parent(const char *dn)
{
	const char *p = dn + rdn_len(dn);

	if (*p == ',')
		p++;
	while (*p == ' ')
		p++;
	return p;
}

/* 1 when the AVAs a and b are the same: types and values compared without ASCII case. */
static int
ava_equal(const LDAPAVA *a, const LDAPAVA *b)
{
	return a->la_attr.bv_len == b->la_attr.bv_len &&
	       !strncasecmp(a->la_attr.bv_val, b->la_attr.bv_val, a->la_attr.bv_len) &&
	       a->la_value.bv_len == b->la_value.bv_len &&
	       !strncasecmp(a->la_value.bv_val, b->la_value.bv_val, a->la_value.bv_len);
}

static size_t
dn_count(LDAPDN dn)
{
	size_t n = 0;

	while (dn && dn[n])
		n++;
	return n;
}

/*
 * Whether the last RDNs of dn are base's (equal: 1 too when they have as
 * many). Parsed, so "\2C" and "\," and the case of types and ASCII letters
 * do not matter; -1 when either is not a DN.
 */
static int
dn_within(const char *dn, const char *base, int proper)
{
	LDAPDN a = NULL, b = NULL;
	size_t na, nb;
	int ret = -1;

	if (ldap_str2dn(dn, &a, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    ldap_str2dn(base, &b, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		goto out;
	na = dn_count(a);
	nb = dn_count(b);
	ret = proper ? na > nb : na >= nb;
	for (size_t i = 0; ret == 1 && i < nb; i++) {
		LDAPRDN ra = a[na - nb + i], rb = b[i];
		size_t k;

		for (k = 0; ra[k] && rb[k]; k++)
			if (!ava_equal(ra[k], rb[k]))
				ret = 0;
		if (ra[k] || rb[k])
			ret = 0;
	}
out:
	ldap_dnfree(a);
	ldap_dnfree(b);
	return ret;
}

static int
dn_equal(const char *a, const char *b)
{
	return !strcmp(a, b) || (dn_within(a, b, 0) == 1 && dn_within(b, a, 0) == 1);
}

static int
dn_valid(const char *dn)
{
	LDAPDN d = NULL;
	int ok = ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && d;

	ldap_dnfree(d);
	return ok;
}

/* Where the entry dn goes when it is disabled by moving: its first RDN under move_to (malloc'd). */
static char *
disabled_dn(const struct connector *c, const char *dn)
{
	struct buf b = BUF_INIT;

	buf_add(&b, dn, rdn_len(dn));
	buf_addf(&b, ",%s", c->k.move_to);
	return buf_detach(&b);
}

/* The value of the first AVA of dn's first RDN (a group's name from its DN), into the arena; NULL if none. */
static const char *
rdn_value(struct arena *a, const char *dn)
{
	LDAPDN d = NULL;
	const char *v = NULL;

	if (ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && d && d[0] && d[0][0])
		v = arena_strndup(a, d[0][0]->la_value.bv_val, d[0][0]->la_value.bv_len);
	ldap_dnfree(d);
	return v;
}

/* ---- the keys ---- */

static void
keys_release(struct ldap_keys *k)
{
	free(k->url);
	free(k->bind_dn);
	if (k->password) {
		explicit_bzero(k->password, strlen(k->password));
		free(k->password);
	}
	for (size_t i = 0; i < k->nclasses; i++)
		free(k->classes[i]);
	free(k->classes);
	free(k->groups_base);
	free(k->group_class);
	free(k->member_attr);
	free(k->move_to);
	free(k->dis_attr);
	free(k->dis_value);
	free(k->ca_file);
	free(k->base);
	memset(k, 0, sizeof(*k));
}

static int
read_long(const struct config *cfg, const struct cfg_target *t, const char *key, long min, long max, long *out,
	  struct err *e)
{
	const char *s;
	char *end;
	long v;

	if (conn_key_str(cfg, t, key, &s, e) < 0)
		return -1;
	if (!s)
		return 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max)
		return conn_key_error(cfg, t, cfg_target_option(t, key), e,
				      "\"%s\" is not a whole number from %ld to %ld", s, min, max);
	*out = v;
	return 0;
}

/* A string key that must hold a DN (NULL when absent). */
static int
read_dn(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, const char *what, json_t *v,
	char **out, struct err *e)
{
	const char *s = json_string_value(v);

	if (!s)
		return conn_key_error(cfg, t, o, e, "%s%sexpected a DN, found a %s", what, *what ? ": " : "",
				      json_is_array(v) ? "list" : "mapping");
	if (!dn_valid(s))
		return conn_key_error(cfg, t, o, e,
				      "%s%s\"%s\" is not a DN (expected one like ou=people,dc=example,dc=org)", what,
				      *what ? ": " : "", s);
	*out = xstrdup(s);
	return 0;
}

/* An attribute description as it may stand in a filter: letters, digits, '-', ';' and '.' (RFC 4512). */
static int
attr_name_valid(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-;.") == strlen(s);
}

/* A mapping key's sub-keys: each one of names, else an error naming the stranger. */
static int
check_subkeys(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o,
	      const char *const *names, size_t n, const char *expected, struct err *e)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o->value))
		return conn_key_error(cfg, t, o, e, "expected a mapping (%s), found a %s", expected,
				      json_is_array(o->value) ? "list" : "value");
	json_object_foreach(o->value, key, v)
	{
		size_t i;

		for (i = 0; i < n && strcmp(names[i], key); i++)
			;
		if (i == n)
			return conn_key_error(cfg, t, o, e, "unknown key \"%s\" (expected %s)", key, expected);
	}
	return 0;
}

static int
keys_read(const struct config *cfg, const struct cfg_target *t, const struct ldap_hooks *h, struct ldap_keys *k,
	  struct err *e)
{
	const char *gkeys[8] = { "base", "object_class", "member_attribute", "create_missing" };
	size_t ngkeys = 4;
	static const char *const dkeys[] = { "move_to", "attribute", "value" };
	const struct cfg_option *o;
	const char *s;
	LDAPURLDesc *lud = NULL;

	memset(k, 0, sizeof(*k));
	k->timeout = TIMEOUT_DEFAULT;
	k->page_size = PAGE_DEFAULT;
	if (conn_key_str(cfg, t, "url", &s, e) < 0)
		goto fail;
	if (!s) {
		conn_key_error(cfg, t, NULL, e,
			       "missing key \"url\" (expected the server, as in ldap://127.0.0.1:389)");
		goto fail;
	}
	if (ldap_url_parse(s, &lud) != LDAP_URL_SUCCESS || strchr(s, ' ')) {
		conn_key_error(cfg, t, cfg_target_option(t, "url"), e,
			       "\"%s\" is not an LDAP URL (expected ldap://host:port, ldaps://host:port or ldapi://)",
			       s);
		goto fail;
	}
	ldap_free_urldesc(lud);
	k->url = xstrdup(s);
	if (conn_key_str(cfg, t, "bind_dn", &s, e) < 0)
		goto fail;
	if (s && !dn_valid(s) && !(h && h->bind_name_any)) {
		conn_key_error(cfg, t, cfg_target_option(t, "bind_dn"), e, "\"%s\" is not a DN", s);
		goto fail;
	}
	k->bind_dn = s ? xstrdup(s) : NULL;
	if (conn_key_str(cfg, t, "bind_password", &s, e) < 0)
		goto fail;
	k->password = s ? xstrdup(s) : NULL;
	/* a simple bind with a DN and no password is anonymous on most servers: never meant */
	if (k->bind_dn && (!k->password || !*k->password)) {
		conn_key_error(cfg, t, cfg_target_option(t, "bind_dn"), e,
			       "needs bind_password (a bind with a DN and no password would be anonymous)");
		goto fail;
	}
	if (!k->bind_dn && k->password) {
		conn_key_error(cfg, t, cfg_target_option(t, "bind_password"), e, "needs bind_dn");
		goto fail;
	}
	if (conn_key_str(cfg, t, "dn", &s, e) < 0)
		goto fail;
	if (!s) {
		conn_key_error(
			cfg, t, NULL, e,
			"missing key \"dn\" (expected the entry's name, as in \"uid={account.uid},ou=people,dc=example,dc=org\")");
		goto fail;
	}
	if (t->correlate_attribute && !attr_name_valid(t->correlate_attribute)) {
		conn_key_error(cfg, t, NULL, e, "correlate: \"%s\" is not an LDAP attribute name",
			       t->correlate_attribute);
		goto fail;
	}
	if ((o = cfg_target_option(t, "object_classes"))) {
		json_t *v;
		size_t i;

		if (json_is_string(o->value)) {
			k->classes = xcalloc(1, sizeof(*k->classes));
			k->classes[k->nclasses++] = xstrdup(json_string_value(o->value));
		} else if (json_is_array(o->value) && json_array_size(o->value)) {
			k->classes = xcalloc(json_array_size(o->value), sizeof(*k->classes));
			json_array_foreach(o->value, i, v)
			{
				if (!json_is_string(v) || !*json_string_value(v)) {
					conn_key_error(cfg, t, o, e, "expected a list of object class names");
					goto fail;
				}
				k->classes[k->nclasses++] = xstrdup(json_string_value(v));
			}
		} else {
			conn_key_error(cfg, t, o, e, "expected a list of object class names, as in [inetOrgPerson]");
			goto fail;
		}
	} else {
		k->classes = xcalloc(1, sizeof(*k->classes));
		k->classes[k->nclasses++] = xstrdup(h && h->user_class ? h->user_class : "inetOrgPerson");
	}
	if ((o = cfg_target_option(t, "groups"))) {
		json_t *v;

		struct buf names = BUF_INIT;
		int bad;

		buf_adds(&names, "base, object_class, member_attribute, create_missing");
		for (size_t i = 0; h && i < h->ngkeys && ngkeys < 8; i++) {
			gkeys[ngkeys++] = h->gkeys[i];
			buf_addf(&names, ", %s", h->gkeys[i]);
		}
		bad = check_subkeys(cfg, t, o, gkeys, ngkeys, names.s, e) < 0;
		buf_release(&names);
		if (bad)
			goto fail;
		if (!(v = json_object_get(o->value, "base"))) {
			conn_key_error(cfg, t, o, e, "missing key \"base\" (expected the DN the groups are under)");
			goto fail;
		}
		if (read_dn(cfg, t, o, "base", v, &k->groups_base, e) < 0)
			goto fail;
		v = json_object_get(o->value, "object_class");
		if (v && (!json_is_string(v) || !*json_string_value(v))) {
			conn_key_error(cfg, t, o, e, "object_class: expected an object class name");
			goto fail;
		}
		k->group_class = xstrdup(v		       ? json_string_value(v)
					 : h && h->group_class ? h->group_class
							       : "groupOfNames");
		v = json_object_get(o->value, "member_attribute");
		if (v && (!json_is_string(v) || !*json_string_value(v))) {
			conn_key_error(cfg, t, o, e, "member_attribute: expected an attribute name");
			goto fail;
		}
		k->member_attr = xstrdup(v ? json_string_value(v) : "member");
		if (!attr_name_valid(k->member_attr)) {
			conn_key_error(cfg, t, o, e, "member_attribute: \"%s\" is not an attribute name",
				       k->member_attr);
			goto fail;
		}
		if ((v = json_object_get(o->value, "create_missing")) &&
		    conn_key_bool(cfg, t, o, "create_missing", v, &k->create_missing, e) < 0)
			goto fail;
	}
	if ((o = cfg_target_option(t, "disable")) && h && h->no_disable_key) {
		conn_key_error(cfg, t, o, e, "is not a key of connector %s (it disables accounts by itself)",
			       t->connector);
		goto fail;
	}
	if ((o = cfg_target_option(t, "disable"))) {
		json_t *mv, *av, *vv;

		if (check_subkeys(cfg, t, o, dkeys, 3, "move_to, or attribute and value", e) < 0)
			goto fail;
		mv = json_object_get(o->value, "move_to");
		av = json_object_get(o->value, "attribute");
		vv = json_object_get(o->value, "value");
		if (mv && (av || vv)) {
			conn_key_error(cfg, t, o, e, "expected move_to, or attribute and value, not both");
			goto fail;
		}
		if (mv) {
			if (read_dn(cfg, t, o, "move_to", mv, &k->move_to, e) < 0)
				goto fail;
		} else if (!av || !vv || !json_is_string(av) || !json_is_string(vv) || !*json_string_value(av) ||
			   !*json_string_value(vv)) {
			conn_key_error(cfg, t, o, e,
				       "expected {move_to: DN} or {attribute: NAME, value: VALUE}, both not empty");
			goto fail;
		} else {
			k->dis_attr = xstrdup(json_string_value(av));
			k->dis_value = xstrdup(json_string_value(vv));
			if (!attr_name_valid(k->dis_attr)) {
				conn_key_error(cfg, t, o, e, "attribute: \"%s\" is not an attribute name", k->dis_attr);
				goto fail;
			}
		}
	}
	if ((o = cfg_target_option(t, "starttls")) && conn_key_bool(cfg, t, o, "", o->value, &k->starttls, e) < 0)
		goto fail;
	if (k->starttls && !strncasecmp(k->url, "ldaps:", 6)) {
		conn_key_error(cfg, t, o, e,
			       "true with an ldaps:// url (expected one of them: ldaps:// is TLS already)");
		goto fail;
	}
	if (conn_key_str(cfg, t, "ca_file", &s, e) < 0)
		goto fail;
	if (s) {
		k->ca_file = file_join(cfg->dir, s);
		if (access(k->ca_file, R_OK) < 0) {
			conn_key_error(cfg, t, cfg_target_option(t, "ca_file"), e,
				       "cannot read \"%s\" (expected a file of PEM CA certificates)", k->ca_file);
			goto fail;
		}
	}
	if (read_long(cfg, t, "timeout", 1, 3600, &k->timeout, e) < 0 ||
	    read_long(cfg, t, "page_size", 1, 1000000, &k->page_size, e) < 0)
		goto fail;
	if ((o = cfg_target_option(t, "base"))) {
		if (read_dn(cfg, t, o, "", o->value, &k->base, e) < 0)
			goto fail;
	} else {
		/* the dn: template without its RDNs that hold fields */
		const char *dn = json_string_value(cfg_target_option(t, "dn")->value), *p = dn;

		while (strchr(p, '{') && *p)
			p = dn_parent(p);
		if (!*p || !dn_valid(p)) {
			conn_key_error(
				cfg, t, NULL, e,
				"missing key \"base\": the dn: template has no fixed part to list accounts under (expected base: DN)");
			goto fail;
		}
		k->base = xstrdup(p);
	}
	return 0;
fail:
	keys_release(k);
	return -1;
}

int
conn_ldap_check_as(const struct config *cfg, const struct cfg_target *t, const struct ldap_hooks *h, struct err *e)
{
	struct ldap_keys k;

	if (keys_read(cfg, t, h, &k, e) < 0)
		return -1;
	keys_release(&k);
	return 0;
}

static int
conn_ldap_check(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	return conn_ldap_check_as(cfg, t, NULL, e);
}

/* ---- the connection ---- */

static void
save_diag(struct connector *c, LDAP *ld)
{
	char *msg = NULL;

	c->diag[0] = '\0';
	if (ld && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) == LDAP_OPT_SUCCESS && msg) {
		/* libldap's own placeholder says nothing */
		if (strcmp(msg, "(unknown error code)"))
			snprintf(c->diag, sizeof(c->diag), "%s", msg);
		ldap_memfree(msg);
	}
}

static void lose_pending(struct connector *c);
static void pf_reset(struct connector *c);

static void
drop(struct connector *c)
{
	if (c->ld)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
	lose_pending(c); /* their answers will not come: sent again later (resend_lost) */
}

/* Connects and binds: LDAP_SUCCESS and c->ld, or the LDAP result code (diag saved). */
static int
conn_connect(struct connector *c)
{
	LDAP *ld = NULL;
	int rc, v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	struct timeval tv = { c->k.timeout, 0 };

	c->diag[0] = '\0';
	if ((rc = ldap_initialize(&ld, c->k.url)) != LDAP_SUCCESS)
		return rc;
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON) != LDAP_OPT_SUCCESS) {
		rc = LDAP_LOCAL_ERROR;
		goto fail;
	}
	if (c->k.ca_file && (ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->k.ca_file) != LDAP_OPT_SUCCESS ||
			     ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
			     ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS)) {
		rc = LDAP_LOCAL_ERROR;
		snprintf(c->diag, sizeof(c->diag), "cannot use ca_file %s", c->k.ca_file);
		goto fail;
	}
	if (c->k.starttls && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS)
		goto fail;
	if (c->k.bind_dn) {
		struct berval cred = { strlen(c->k.password), c->k.password };

		if ((rc = ldap_sasl_bind_s(ld, c->k.bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL)) !=
		    LDAP_SUCCESS)
			goto fail;
	}
	c->ld = ld;
	return LDAP_SUCCESS;
fail:
	save_diag(c, ld);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return rc;
}

static int
op_do(struct connector *c, struct op *o)
{
	struct timeval tv = { c->k.timeout, 0 };
	LDAPMessage *res = NULL;
	int rc;

	switch (o->kind) {
	case OP_ADD: return ldap_add_ext_s(c->ld, o->dn, o->mods, NULL, NULL);
	case OP_MODIFY: return ldap_modify_ext_s(c->ld, o->dn, o->mods, o->sctrls, NULL);
	case OP_DELETE: return ldap_delete_ext_s(c->ld, o->dn, NULL, NULL);
	case OP_RENAME: return ldap_rename_s(c->ld, o->dn, o->newrdn, o->newparent, 1, NULL, NULL);
	case OP_SEARCH:
		rc = ldap_search_ext_s(c->ld, o->dn, o->scope, o->filter, o->attrs, 0, o->sctrls, NULL, &tv,
				       o->sizelimit, &res);
		if (res && (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) && o->each) {
			int r = o->each(c, c->ld, res, o->ctx);

			if (r != LDAP_SUCCESS)
				rc = r;
		}
		ldap_msgfree(res);
		return rc;
	}
	return LDAP_OTHER;
}

/*
 * Runs o on the connection, connecting first when there is none. When a
 * connection that was there turns out dropped (the server restarted, or
 * closed an idle connection), it is made again once and o run again; *again
 * (may be NULL) is set then. Returns o's LDAP result code or the one from
 * connecting; the server's message is in c->diag.
 */
int
conn_ldap_run(struct connector *c, struct op *o, int *again)
{
	for (int attempt = 0;; attempt++) {
		int fresh = !c->ld, rc;

		if (!c->ld && (rc = conn_connect(c)) != LDAP_SUCCESS)
			return rc;
		rc = op_do(c, o);
		if (rc == LDAP_SUCCESS)
			return rc;
		save_diag(c, c->ld);
		if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT) {
			/* a reply that comes late must not meet the next operation: a new connection */
			drop(c);
			if (rc != LDAP_TIMEOUT && attempt == 0 && !fresh) {
				if (again)
					*again = 1;
				continue;
			}
		}
		return rc;
	}
}

/* ---- reading entries ---- */

/* The first value of attribute name of entry, bounded: 1 with *out (in a), 0 when it has none, -1 too long. */
static int
first_value(LDAP *ld, LDAPMessage *entry, const char *name, struct arena *a, const char **out)
{
	struct berval **vals = ldap_get_values_len(ld, entry, name);
	int ret = 0;

	if (vals && vals[0]) {
		if (vals[0]->bv_len > VALUE_MAX || memchr(vals[0]->bv_val, '\0', vals[0]->bv_len)) {
			ret = -1;
		} else {
			*out = arena_strndup(a, vals[0]->bv_val, vals[0]->bv_len);
			ret = 1;
		}
	}
	ldap_value_free_len(vals);
	return ret;
}

/* 1 when entry holds value among the values of name (compared as bytes). */
static int
has_value(LDAP *ld, LDAPMessage *entry, const char *name, const char *value)
{
	struct berval **vals = ldap_get_values_len(ld, entry, name);
	size_t n = strlen(value);
	int found = 0;

	for (size_t i = 0; vals && vals[i] && !found; i++)
		found = vals[i]->bv_len == n && !memcmp(vals[i]->bv_val, value, n);
	ldap_value_free_len(vals);
	return found;
}

/*
 * entry as a conn_object, every string in a. LDAP_SUCCESS, or an LDAP code
 * with c->diag saying what was wrong with the entry.
 */
static int
entry_object(struct connector *c, LDAP *ld, LDAPMessage *entry, struct arena *a, struct conn_object *o)
{
	char *raw = ldap_get_dn(ld, entry), *dn = raw ? dn_roster_form(raw) : NULL;
	struct account_attr *attrs;
	size_t n = 0;

	ldap_memfree(raw);
	memset(o, 0, sizeof(*o));
	if (!dn)
		return LDAP_DECODING_ERROR;
	if (strlen(dn) >= sizeof(((struct conn_result *)0)->ref)) {
		snprintf(c->diag, sizeof(c->diag), "a DN of %zu bytes (at most %zu): %.100s...", strlen(dn),
			 sizeof(((struct conn_result *)0)->ref) - 1, dn);
		free(dn);
		return LDAP_DECODING_ERROR;
	}
	o->ref = arena_strdup(a, dn);
	free(dn);
	attrs = arena_alloc(a, (c->nread + 2) * sizeof(*attrs));
	for (size_t i = 0; i < c->nread; i++) {
		const char *v;
		int got;

		if (!c->read[i].report)
			continue;
		got = first_value(ld, entry, c->read[i].name, a, &v);
		if (got < 0) {
			snprintf(c->diag, sizeof(c->diag), "%s: %s: a value longer than %d bytes or with a NUL byte",
				 o->ref, c->read[i].name, VALUE_MAX);
			return LDAP_DECODING_ERROR;
		}
		if (got) {
			attrs[n].name = c->read[i].name;
			attrs[n++].value = v;
		}
	}
	if (c->k.move_to)
		o->enabled = dn_within(o->ref, c->k.move_to, 1) != 1;
	else if (c->k.dis_attr)
		o->enabled = !has_value(ld, entry, c->k.dis_attr, c->k.dis_value);
	else
		o->enabled = 1;
	/*
	 * The account's "dn" is where the entry is, but for an entry disabled
	 * by moving it: that one says nothing of where it belongs when enabled
	 * (reconcile would take the disabled base for drift of dn).
	 */
	if (c->has_dn && (!c->k.move_to || o->enabled)) {
		attrs[n].name = "dn";
		attrs[n++].value = o->ref;
	}
	qsort(attrs, n, sizeof(*attrs), account_attr_cmp);
	o->attrs = attrs;
	o->nattrs = n;
	if (c->hooks && c->hooks->entry)
		return c->hooks->entry(c, ld, entry, a, o, attrs, n);
	return LDAP_SUCCESS;
}

/* The DN of an entry made into o: its ref, or (a flavor with refs of its own) its "dn". */
static const char *
obj_dn(const struct connector *c, const struct conn_object *o)
{
	const char *dn;

	if (c->hooks && c->hooks->ref_dn && (dn = account_attr_find(o->attrs, o->nattrs, "dn")))
		return dn;
	return o->ref;
}

/* ---- open and close ---- */

void
conn_ldap_close(struct connector *c)
{
	if (!c)
		return;
	drop(c);
	c->nlost = 0; /* never answered: a rerun finds what got there */
	keys_release(&c->k);
	free(c->pend);
	free(c->lost);
	free(c->gath);
	free(c->late);
	strmap_release(&c->created);
	arena_release(&c->created_a);
	arena_release(&c->batch);
	pf_reset(c);
	free(c->whole);
	free(c->read);
	free(c->read_names);
	arena_release(&c->view);
	free(c);
}

static void
read_add(struct connector *c, const char *name, int report)
{
	for (size_t i = 0; i < c->nread; i++)
		if (!strcasecmp(c->read[i].name, name)) {
			c->read[i].report |= report;
			return;
		}
	c->read[c->nread].name = name;
	c->read[c->nread++].report = report;
}

/* Nothing is sent to the server here: the first operation connects (and so does the one after an outage). */
struct connector *
conn_ldap_open_as(const struct config *cfg, const struct cfg_target *t, const struct ldap_hooks *h, struct err *e)
{
	struct connector *c = xcalloc(1, sizeof(*c));
	size_t nextra = 0;

	if (keys_read(cfg, t, h, &c->k, e) < 0) {
		free(c);
		return NULL;
	}
	c->t = t;
	c->hooks = h;
	while (h && h->read && h->read[nextra])
		nextra++;
	c->read = xcalloc(t->nattrs + 3 + nextra, sizeof(*c->read));
	for (size_t i = 0; i < t->nattrs; i++) {
		if (t->attrs[i].entry_name)
			c->has_dn = 1;
		else if (t->attrs[i].send)
			read_add(c, t->attrs[i].name, 1);
	}
	if (t->correlate_attribute)
		read_add(c, t->correlate_attribute, 1);
	if (c->k.dis_attr)
		read_add(c, c->k.dis_attr, 0);
	for (size_t i = 0; i < nextra; i++)
		read_add(c, h->read[i], 0);
	c->read_names = xcalloc(c->nread + 2, sizeof(*c->read_names));
	for (size_t i = 0; i < c->nread; i++)
		c->read_names[i] = (char *)c->read[i].name;
	if (!c->nread)
		c->read_names[0] = no_attr;
	return c;
}

static struct connector *
conn_ldap_open(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	return conn_ldap_open_as(cfg, t, NULL, e);
}

/* ---- searching ---- */

/* The bases accounts live under: base, and the disabled base when it is not inside it. */
static size_t
account_bases(const struct connector *c, const char **bases)
{
	size_t n = 0;

	bases[n++] = c->k.base;
	if (c->k.move_to && dn_within(c->k.move_to, c->k.base, 0) != 1)
		bases[n++] = c->k.move_to;
	return n;
}

static int
each_found(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	struct found *f = ctx;

	for (LDAPMessage *m = ldap_first_entry(ld, res); m; m = ldap_next_entry(ld, m)) {
		int rc;

		if (f->count++)
			continue;
		if ((rc = entry_object(c, ld, m, f->a, &f->obj)) != LDAP_SUCCESS)
			return rc;
	}
	return LDAP_SUCCESS;
}

/* The account whose correlate attribute holds value: 1 (f->obj), 0 none, -1 error (two or more: ERR_CONFLICT). */
int
conn_ldap_find(struct connector *c, const char *value, struct found *f, struct err *e)
{
	struct buf filter = BUF_INIT;
	const char *bases[2];
	size_t nb = account_bases(c, bases);
	int ret = -1;

	if (!c->t->correlate_attribute) {
		err_set(e, ERR_PERMANENT, "%s: target \"%s\" has no correlate: attribute to look accounts up by",
			c->k.url, c->t->name);
		goto out;
	}
	buf_addf(&filter, "(%s=", c->t->correlate_attribute);
	conn_ldap_filter_value(&filter, value);
	buf_addch(&filter, ')');
	for (size_t i = 0; i < nb; i++) {
		struct op o = { .kind = OP_SEARCH,
				.dn = bases[i],
				.scope = LDAP_SCOPE_SUBTREE,
				.filter = filter.s,
				.attrs = c->read_names,
				.sizelimit = 2,
				.each = each_found,
				.ctx = f };
		int rc = conn_ldap_run(c, &o, NULL);

		if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED && rc != LDAP_NO_SUCH_OBJECT) {
			conn_ldap_fail(c, rc, "search", filter.s, e);
			goto out;
		}
	}
	if (f->count > 1) {
		err_set(e, ERR_CONFLICT, "%s: more than one entry has %s (expected one account per person)", c->k.url,
			filter.s);
		goto out;
	}
	ret = f->count ? 1 : 0;
out:
	buf_release(&filter);
	return ret;
}

struct names {
	struct arena *a;
	const char **v;
	size_t n, cap;
};

static int
each_group(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	struct names *g = ctx;

	(void)c;
	for (LDAPMessage *m = ldap_first_entry(ld, res); m; m = ldap_next_entry(ld, m)) {
		char *dn = ldap_get_dn(ld, m);
		const char *name = dn ? rdn_value(g->a, dn) : NULL;

		ldap_memfree(dn);
		if (name) {
			XGROW(g->v, g->cap, g->n + 1);
			g->v[g->n++] = name;
		}
	}
	return LDAP_SUCCESS;
}

int
conn_ldap_lookup(struct connector *c, const char *value, struct conn_object *out, struct err *e)
{
	struct found f = { .a = &c->view };
	int got = -2;
	size_t i;

	arena_release(&c->view);
	if (c->pf_on && c->t->correlate_attribute && strmap_get(&c->pf, arena_strdup_lower(&c->view, value), &i)) {
		/* answered by the prefetch */
		if (c->pf_hits[i].count > 1)
			return err_set(e, ERR_CONFLICT,
				       "%s: more than one entry has %s=%s (expected one account per person)", c->k.url,
				       c->t->correlate_attribute, value);
		if (!c->pf_hits[i].count)
			return 0;
		f.obj = c->pf_hits[i].obj;
		f.count = got = 1;
	}
	conn_ldap_settle(c);
	if (got == -2 && (got = conn_ldap_find(c, value, &f, e)) != 1)
		return got;
	if (c->k.groups_base) {
		struct names g = { .a = &c->view };
		struct buf filter = BUF_INIT;
		struct op o = { .kind = OP_SEARCH,
				.dn = c->k.groups_base,
				.scope = LDAP_SCOPE_SUBTREE,
				.attrs = none,
				.each = each_group,
				.ctx = &g };
		int rc;

		buf_adds(&filter, "(&(objectClass=");
		conn_ldap_filter_value(&filter, c->k.group_class);
		buf_addf(&filter, ")(%s=", c->k.member_attr);
		conn_ldap_filter_value(&filter, obj_dn(c, &f.obj));
		buf_adds(&filter, "))");
		o.filter = filter.s;
		rc = conn_ldap_run(c, &o, NULL);
		if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
			conn_ldap_fail(c, rc, "search", filter.s, e);
			buf_release(&filter);
			free(g.v);
			return -1;
		}
		buf_release(&filter);
		f.obj.permissions = arena_alloc(&c->view, (g.n + 1) * sizeof(*g.v));
		if (g.n)
			memcpy((void *)f.obj.permissions, g.v, g.n * sizeof(*g.v));
		f.obj.npermissions = g.n;
		free(g.v);
	}
	*out = f.obj;
	return 1;
}

/* ---- list: paged results ---- */

/* A member value and the group it is in; sorted by member, lowercased. */
struct membership_row {
	const char *member;
	const char *group;
};

struct listing {
	/* the groups (loaded first) */
	struct arena groups_arena;
	struct membership_row *rows;
	size_t nrows, cap;
	/* the accounts */
	int (*each)(void *ctx, const struct conn_object *o);
	void *ctx;
	int stopped;
	size_t delivered;
};

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct membership_row *)a)->member, ((const struct membership_row *)b)->member);
}

static int
each_group_members(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	struct listing *l = ctx;

	for (LDAPMessage *m = ldap_first_entry(ld, res); m; m = ldap_next_entry(ld, m)) {
		char *dn = ldap_get_dn(ld, m);
		const char *name = dn ? rdn_value(&l->groups_arena, dn) : NULL;
		struct berval **vals;

		ldap_memfree(dn);
		if (!name)
			continue;
		vals = ldap_get_values_len(ld, m, c->k.member_attr);
		for (size_t i = 0; vals && vals[i]; i++) {
			char *v, *member;

			if (vals[i]->bv_len > VALUE_MAX || memchr(vals[i]->bv_val, '\0', vals[i]->bv_len))
				continue; /* not a DN roster could have put there */
			v = xstrndup(vals[i]->bv_val, vals[i]->bv_len);
			member = dn_roster_form(v); /* as entry_object writes the accounts' DNs */
			free(v);
			if (!member)
				continue;
			XGROW(l->rows, l->cap, l->nrows + 1);
			l->rows[l->nrows].member = arena_strdup_lower(&l->groups_arena, member);
			l->rows[l->nrows++].group = name;
			free(member);
		}
		ldap_value_free_len(vals);
	}
	return LDAP_SUCCESS;
}

static int
each_listed(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	struct listing *l = ctx;

	for (LDAPMessage *m = ldap_first_entry(ld, res); m && !l->stopped; m = ldap_next_entry(ld, m)) {
		struct arena a = ARENA_INIT;
		struct conn_object o;
		const char **perms = NULL;
		int rc = entry_object(c, ld, m, &a, &o);

		if (rc != LDAP_SUCCESS) {
			arena_release(&a);
			return rc;
		}
		if (c->k.groups_base) {
			struct membership_row key = { arena_strdup_lower(&a, obj_dn(c, &o)), NULL }, *hit;
			size_t lo, hi;

			perms = arena_alloc(&a, sizeof(*perms));
			hit = l->nrows ? bsearch(&key, l->rows, l->nrows, sizeof(key), row_cmp) : NULL;
			if (hit) {
				for (lo = (size_t)(hit - l->rows); lo > 0 && !row_cmp(&l->rows[lo - 1], &key); lo--)
					;
				for (hi = lo; hi < l->nrows && !row_cmp(&l->rows[hi], &key); hi++)
					;
				perms = arena_alloc(&a, (hi - lo + 1) * sizeof(*perms));
				for (size_t k = lo; k < hi; k++)
					perms[o.npermissions++] = l->rows[k].group;
			}
			o.permissions = perms;
		}
		l->delivered++;
		if (l->each(l->ctx, &o))
			l->stopped = 1;
		arena_release(&a);
	}
	return LDAP_SUCCESS;
}

/*
 * Every entry under base matching filter, a page of page_size at a time
 * (RFC 2696), handed to each. The server's cookie belongs to the
 * connection: one that drops halfway cannot be resumed, so only a search
 * that delivered nothing yet is tried again.
 */
static int
paged_search(struct connector *c, const char *base, const char *filter, char **attrs,
	     int (*each)(struct connector *, LDAP *, LDAPMessage *, void *), struct listing *l, struct err *e)
{
	struct berval cookie = { 0, NULL };
	int ret = -1, retried = 0;

	for (;;) {
		LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL };
		LDAPMessage *res = NULL;
		struct timeval tv = { c->k.timeout, 0 };
		LDAPControl **rctrls = NULL;
		int rc, err = LDAP_SUCCESS;
		size_t before = l->delivered;

		if (!c->ld && (rc = conn_connect(c)) != LDAP_SUCCESS) {
			conn_ldap_fail(c, rc, "search", base, e);
			goto out;
		}
		if ((rc = ldap_create_page_control(c->ld, (ber_int_t)c->k.page_size, cookie.bv_val ? &cookie : NULL, 1,
						   &page)) != LDAP_SUCCESS) {
			conn_ldap_fail(c, rc, "paged search", base, e);
			goto out;
		}
		ctrls[0] = page;
		rc = ldap_search_ext_s(c->ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, ctrls, NULL, &tv,
				       LDAP_NO_LIMIT, &res);
		ldap_control_free(page);
		if (rc == LDAP_SUCCESS && res) {
			rc = each(c, c->ld, res, l);
			if (rc == LDAP_SUCCESS &&
			    (ldap_parse_result(c->ld, res, &err, NULL, NULL, NULL, &rctrls, 0) != LDAP_SUCCESS ||
			     err != LDAP_SUCCESS))
				rc = err != LDAP_SUCCESS ? err : LDAP_DECODING_ERROR;
		}
		if (rc != LDAP_SUCCESS) {
			save_diag(c, c->ld);
			ldap_msgfree(res);
			ldap_controls_free(rctrls);
			if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT) {
				drop(c);
				/* nothing handed out yet, on a connection that was there before: once again */
				if (rc != LDAP_TIMEOUT && !l->delivered && before == 0 && !cookie.bv_val &&
				    !l->stopped && !retried++) {
					rc = conn_connect(c);
					if (rc == LDAP_SUCCESS)
						continue;
				}
			}
			if (rc == LDAP_NO_SUCH_OBJECT && !cookie.bv_val) {
				ret = 0; /* no such base: nothing under it */
				goto out;
			}
			conn_ldap_fail(c, rc, "paged search", base, e);
			goto out;
		}
		ldap_msgfree(res);
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		{
			LDAPControl *pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
			ber_int_t count;

			if (pr && ldap_parse_pageresponse_control(c->ld, pr, &count, &cookie) != LDAP_SUCCESS) {
				ldap_controls_free(rctrls);
				err_set(e, ERR_PERMANENT,
					"%s: paged search \"%s\": the server's page control is malformed", c->k.url,
					base);
				goto out;
			}
		}
		ldap_controls_free(rctrls);
		if (l->stopped || !cookie.bv_val || !cookie.bv_len)
			break;
	}
	ret = 0;
out:
	/*
	 * A search stopped halfway leaves the server holding its cookie: a page
	 * size of 0 with it tells the server to let go (RFC 2696 section 3).
	 */
	if (cookie.bv_val && cookie.bv_len && c->ld) {
		LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL };
		LDAPMessage *res = NULL;
		struct timeval tv = { c->k.timeout, 0 };

		if (ldap_create_page_control(c->ld, 0, &cookie, 0, &page) == LDAP_SUCCESS) {
			ctrls[0] = page;
			ldap_search_ext_s(c->ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, ctrls, NULL, &tv,
					  LDAP_NO_LIMIT, &res);
			ldap_msgfree(res);
			ldap_control_free(page);
		}
	}
	ber_memfree(cookie.bv_val);
	return ret;
}

int
conn_ldap_list(struct connector *c, int (*each)(void *ctx, const struct conn_object *o), void *ctx, struct err *e)
{
	struct listing l;
	struct buf filter = BUF_INIT;
	const char *bases[2];
	size_t nb = account_bases(c, bases);
	int ret = -1;

	conn_ldap_settle(c);
	memset(&l, 0, sizeof(l));
	l.each = each;
	l.ctx = ctx;
	if (c->k.groups_base) {
		char *attrs[] = { c->k.member_attr, NULL };

		buf_addf(&filter, "(objectClass=");
		conn_ldap_filter_value(&filter, c->k.group_class);
		buf_addch(&filter, ')');
		if (paged_search(c, c->k.groups_base, filter.s, attrs, each_group_members, &l, e) < 0)
			goto out;
		if (l.nrows)
			qsort(l.rows, l.nrows, sizeof(*l.rows), row_cmp);
		buf_reset(&filter);
	}
	buf_adds(&filter, "(&");
	for (size_t i = 0; i < c->k.nclasses; i++) {
		buf_adds(&filter, "(objectClass=");
		conn_ldap_filter_value(&filter, c->k.classes[i]);
		buf_addch(&filter, ')');
	}
	buf_addch(&filter, ')');
	for (size_t i = 0; i < nb && !l.stopped; i++)
		if (paged_search(c, bases[i], filter.s, c->read_names, each_listed, &l, e) < 0)
			goto out;
	ret = 0;
out:
	buf_release(&filter);
	free(l.rows);
	arena_release(&l.groups_arena);
	return ret;
}

/* ---- changing entries ---- */

static const char *
rq_attr(const struct conn_request *rq, const char *name)
{
	return account_attr_find(rq->attrs, rq->nattrs, name);
}

/* The DN the request wants the entry at (its "dn"), or NULL with e set. */
static const char *
wanted_dn(struct connector *c, const struct conn_request *rq, struct err *e)
{
	const char *dn = rq_attr(rq, "dn");

	if (!dn || !*dn) {
		err_set(e, ERR_INVALID, "%s: account of %s: no dn (expected the dn: key to make one)", c->k.url,
			rq->employee_id ? rq->employee_id : "?");
		return NULL;
	}
	if (!dn_valid(dn)) {
		err_set(e, ERR_INVALID, "%s: account of %s: \"%s\" is not a DN", c->k.url,
			rq->employee_id ? rq->employee_id : "?", dn);
		return NULL;
	}
	if (strlen(dn) >= sizeof(((struct conn_result *)0)->ref)) {
		err_set(e, ERR_INVALID, "%s: account of %s: the dn is %zu bytes (at most %zu)", c->k.url,
			rq->employee_id ? rq->employee_id : "?", strlen(dn),
			sizeof(((struct conn_result *)0)->ref) - 1);
		return NULL;
	}
	return dn;
}

static void
cand_add(struct candidates *cs, const char *dn, int copy)
{
	char *d = copy ? xstrdup(dn) : (char *)dn;

	for (size_t i = 0; i < cs->n; i++)
		if (dn_equal(cs->dn[i], d)) {
			free(d);
			return;
		}
	if (cs->n == CANDIDATES_MAX) {
		free(d);
		return;
	}
	cs->dn[cs->n++] = d;
}

/* Where the account's entry may be, most likely first (see the top of this file). */
static void
candidates(struct connector *c, const struct conn_request *rq, struct candidates *cs)
{
	const char *dn = rq_attr(rq, "dn");

	cs->n = 0;
	if (c->hooks && c->hooks->ref_dn && rq->ref && *rq->ref) {
		char *d = c->hooks->ref_dn(c, rq->ref);

		if (d) { /* a name that follows the entry wherever it is: the only one */
			cand_add(cs, d, 0);
			return;
		}
		if (rq->ref[0] == '<') { /* such a name already (a gathered member's) */
			cand_add(cs, rq->ref, 1);
			return;
		}
	}
	if (rq->ref && *rq->ref && dn_valid(rq->ref))
		cand_add(cs, rq->ref, 1);
	if (dn && *dn && dn_valid(dn))
		cand_add(cs, dn, 1);
	if (c->k.move_to) {
		size_t n = cs->n;

		for (size_t i = 0; i < n; i++)
			cand_add(cs, disabled_dn(c, cs->dn[i]), 0);
	}
}

static void
cand_release(struct candidates *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->dn[i]);
	cs->n = 0;
}

/* The DN of the first entry found, into *(char **)ctx (malloc'd, in roster's form). */
static int
each_first_dn(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	char **out = ctx;
	LDAPMessage *m = ldap_first_entry(ld, res);
	char *raw = m ? ldap_get_dn(ld, m) : NULL;

	(void)c;
	if (raw && !*out)
		*out = dn_roster_form(raw);
	ldap_memfree(raw);
	return LDAP_SUCCESS;
}

/*
 * Where the account's entry is: 1 and *dn (malloc'd), 0 when it is nowhere,
 * -1 with e set. With verify 0 and a single place it could be, that one,
 * without asking the server.
 */
int
conn_ldap_locate(struct connector *c, const struct conn_request *rq, int verify, char **dn, struct err *e)
{
	struct candidates cs;
	struct found f;
	int got;

	candidates(c, rq, &cs);
	if (!verify && cs.n == 1) {
		*dn = cs.dn[0];
		return 1;
	}
	for (size_t i = 0; i < cs.n; i++) {
		char *real = NULL;
		struct op o = { .kind = OP_SEARCH,
				.dn = cs.dn[i],
				.scope = LDAP_SCOPE_BASE,
				.filter = "(objectClass=*)",
				.attrs = none,
				.each = each_first_dn,
				.ctx = &real };
		int rc = conn_ldap_run(c, &o, NULL);

		if (rc == LDAP_SUCCESS) {
			/* a name such as <GUID=...>: where the entry is now */
			if (cs.dn[i][0] == '<' && real) {
				*dn = real;
				real = NULL;
			} else {
				*dn = cs.dn[i];
				cs.dn[i] = NULL;
			}
			free(real);
			cand_release(&cs);
			return 1;
		}
		free(real);
		if (rc != LDAP_NO_SUCH_OBJECT) {
			conn_ldap_fail(c, rc, "search", cs.dn[i], e);
			cand_release(&cs);
			return -1;
		}
	}
	cand_release(&cs);
	if (!rq->correlate || !*rq->correlate || !c->t->correlate_attribute)
		return 0;
	memset(&f, 0, sizeof(f));
	f.a = &c->view;
	arena_release(&c->view);
	if ((got = conn_ldap_find(c, rq->correlate, &f, e)) != 1)
		return got;
	*dn = xstrdup(f.obj.ref);
	return 1;
}

/*
 * Runs o (a modify, delete or rename) on the account's entry, wherever it
 * is: at each place it may be while the server says there is no such
 * object, then where the correlate value finds it. The LDAP code of the
 * last try; *where (malloc'd, may be NULL) the DN it ran on.
 */
int
conn_ldap_on_entry(struct connector *c, const struct conn_request *rq, struct op *o, char **where)
{
	struct candidates cs;
	int rc = LDAP_NO_SUCH_OBJECT;
	char *dn = NULL;

	if (where)
		*where = NULL;
	candidates(c, rq, &cs);
	for (size_t i = 0; i < cs.n && rc == LDAP_NO_SUCH_OBJECT; i++) {
		o->dn = cs.dn[i];
		if ((rc = conn_ldap_run(c, o, NULL)) != LDAP_NO_SUCH_OBJECT && where) {
			*where = cs.dn[i];
			cs.dn[i] = NULL;
		}
	}
	cand_release(&cs);
	if (rc != LDAP_NO_SUCH_OBJECT)
		return rc;
	/* nowhere it should be: moved by someone else? */
	if (rq->correlate && *rq->correlate && c->t->correlate_attribute) {
		struct found f = { .a = &c->view };
		struct err le;

		err_init(&le);
		arena_release(&c->view);
		if (conn_ldap_find(c, rq->correlate, &f, &le) == 1) {
			dn = xstrdup(f.obj.ref);
			o->dn = dn;
			rc = conn_ldap_run(c, o, NULL);
		}
	}
	if (where)
		*where = dn;
	else
		free(dn);
	return rc;
}

void
conn_ldap_mods_init(struct mods *ms, size_t cap)
{
	ms->cap = cap;
	ms->n = 0;
	ms->m = xcalloc(cap + 1, sizeof(*ms->m));
	ms->p = xcalloc(cap + 1, sizeof(*ms->p));
	ms->bv = xcalloc(cap + 1, sizeof(*ms->bv));
	ms->bvp = xcalloc(2 * (cap + 1), sizeof(*ms->bvp));
}

/* Adds a mod of op for name with value (NULL: none), or value's of len bytes. */
void
conn_ldap_mods_add(struct mods *ms, int op, const char *name, const char *value, size_t len)
{
	LDAPMod *m;

	if (ms->n == ms->cap)
		BUG("more mods than room for (%zu)", ms->cap);
	m = &ms->m[ms->n];
	m->mod_op = op | LDAP_MOD_BVALUES;
	m->mod_type = (char *)name;
	if (value) {
		ms->bv[ms->n].bv_val = (char *)value;
		ms->bv[ms->n].bv_len = len;
		ms->bvp[2 * ms->n] = &ms->bv[ms->n];
		ms->bvp[2 * ms->n + 1] = NULL;
		m->mod_bvalues = &ms->bvp[2 * ms->n];
	} else {
		m->mod_bvalues = NULL;
	}
	ms->p[ms->n] = m;
	ms->p[++ms->n] = NULL;
}

void
conn_ldap_mods_release(struct mods *ms)
{
	free(ms->m);
	free(ms->p);
	free(ms->bv);
	free(ms->bvp);
	memset(ms, 0, sizeof(*ms));
}

/* The objectClass mod of an add: every class in one mod. */
static LDAPMod *
classes_mod(struct connector *c, LDAPMod *m, struct berval *bv, struct berval **bvp)
{
	for (size_t i = 0; i < c->k.nclasses; i++) {
		bv[i].bv_val = c->k.classes[i];
		bv[i].bv_len = strlen(c->k.classes[i]);
		bvp[i] = &bv[i];
	}
	bvp[c->k.nclasses] = NULL;
	m->mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
	m->mod_type = (char *)"objectClass";
	m->mod_bvalues = bvp;
	return m;
}

static int
each_exists(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	(void)c;
	*(int *)ctx = ldap_count_entries(ld, res) > 0;
	return LDAP_SUCCESS;
}

/* 1 when the entry at dn holds the correlate value (it is this account's), 0 not, -1 error. */
int
conn_ldap_entry_is_account(struct connector *c, const char *dn, const char *correlate, struct err *e)
{
	struct buf filter = BUF_INIT;
	int yes = 0, rc;
	struct op o = {
		.kind = OP_SEARCH, .dn = dn, .scope = LDAP_SCOPE_BASE, .attrs = none, .each = each_exists, .ctx = &yes
	};

	if (!correlate || !c->t->correlate_attribute)
		return 0;
	buf_addf(&filter, "(%s=", c->t->correlate_attribute);
	conn_ldap_filter_value(&filter, correlate);
	buf_addch(&filter, ')');
	o.filter = filter.s;
	rc = conn_ldap_run(c, &o, NULL);
	buf_release(&filter);
	if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT)
		return conn_ldap_fail(c, rc, "search", dn, e);
	return yes;
}

/* ---- sent, gathered, waited for: pipelining ----
 *
 * Apply's bulk is creates and new memberships. A create is sent without
 * waiting for its answer (up to INFLIGHT_MAX at once, so the server is
 * never idle waiting for the next request), and a membership is gathered:
 * at the next barrier, one modify per group adds or removes every member
 * gathered for it, with the permissive modify control (an add of a member
 * that is there, a removal of one that is not, succeed). Every other
 * operation is a barrier: it first waits for every answer and sends what
 * was gathered (settle), so operations on one entry keep their order.
 * What fails after it returned 0 is kept in c->late with the request's tag,
 * and wait() reports it. A connection that drops with adds unanswered
 * sends them again, and an add that finds its own entry (the first one got
 * there) succeeds.
 */

/* One membership to change. */
struct gathered {
	const char *group, *member, *perm, *employee_id;
	int add;
	size_t tag;
	size_t seq; /* the order gathered (sorting keeps it within a group) */
};

struct late {
	size_t tag;
	struct err e;
};

static void
late_add(struct connector *c, size_t tag, const struct err *e)
{
	XGROW(c->late, c->late_cap, c->nlate + 1);
	c->late[c->nlate].tag = tag;
	c->late[c->nlate++].e = *e;
}

static void
lose_pending(struct connector *c)
{
	for (size_t i = 0; i < c->npend; i++) {
		XGROW(c->lost, c->lost_cap, c->nlost + 1);
		c->lost[c->nlost++] = c->pend[i];
	}
	c->npend = 0;
}

/* The add of rq's account as pairs in c->batch: 0, or -1 with e set. */
int
conn_ldap_add_prepare(struct connector *c, const struct conn_request *rq, struct pending *p, struct err *e)
{
	const char *want = wanted_dn(c, rq, e);
	char *dn;
	LDAPDN parsed = NULL;
	size_t n = 0;

	if (!want)
		return -1;
	dn = !rq->enabled && c->k.move_to ? disabled_dn(c, want) : xstrdup(want);
	if (strlen(dn) >= sizeof(((struct conn_result *)0)->ref)) {
		free(dn);
		return err_set(e, ERR_INVALID, "%s: account of %s: the dn is too long", c->k.url, rq->employee_id);
	}
	memset(p, 0, sizeof(*p));
	p->tag = rq->tag;
	p->dn = arena_strdup(&c->batch, dn);
	p->correlate = rq->correlate ? arena_strdup(&c->batch, rq->correlate) : NULL;
	p->employee_id = arena_strdup(&c->batch, rq->employee_id ? rq->employee_id : "?");
	p->pairs = arena_alloc(&c->batch, (rq->nattrs + 16) * sizeof(*p->pairs));
	for (size_t i = 0; i < rq->nattrs; i++) {
		const char *v = rq->attrs[i].value;

		if (!strcmp(rq->attrs[i].name, "dn") || !v || !*v)
			continue;
		if (c->k.dis_attr && !strcasecmp(rq->attrs[i].name, c->k.dis_attr))
			continue; /* what disable: sets is the state's, below */
		if (c->hooks && c->hooks->value_out &&
		    c->hooks->value_out(c, rq->attrs[i].name, v, &c->batch, &v, e) < 0)
			return -1;
		p->pairs[n].name = arena_strdup(&c->batch, rq->attrs[i].name);
		p->pairs[n].value = arena_strdup(&c->batch, v);
		p->pairs[n++].len = strlen(v);
	}
	if (!rq->enabled && c->k.dis_attr) {
		p->pairs[n].name = c->k.dis_attr;
		p->pairs[n].value = c->k.dis_value;
		p->pairs[n++].len = strlen(c->k.dis_value);
	}
	/* the RDN's values must be among the entry's (a naming attribute the mapping does not send) */
	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && parsed && parsed[0]) {
		for (size_t k = 0; parsed[0][k] && n < rq->nattrs + 16; k++) {
			LDAPAVA *ava = parsed[0][k];
			const char *name = arena_strndup(&c->batch, ava->la_attr.bv_val, ava->la_attr.bv_len);
			int have = 0;

			for (size_t i = 0; i < rq->nattrs && !have; i++)
				have = !strcasecmp(rq->attrs[i].name, name) && *rq->attrs[i].value;
			if (!have) {
				p->pairs[n].name = name;
				p->pairs[n].value =
					arena_strndup(&c->batch, ava->la_value.bv_val, ava->la_value.bv_len);
				p->pairs[n++].len = ava->la_value.bv_len;
			}
		}
	}
	ldap_dnfree(parsed);
	free(dn);
	p->npairs = n;
	return 0;
}

void
conn_ldap_add_mods_init(struct connector *c, const struct pending *p, struct add_mods *am)
{
	conn_ldap_mods_init(&am->ms, p->npairs + 1);
	am->cbv = xcalloc(c->k.nclasses + 1, sizeof(*am->cbv));
	am->cbvp = xcalloc(c->k.nclasses + 1, sizeof(*am->cbvp));
	am->ms.p[am->ms.n++] = classes_mod(c, &am->cls, am->cbv, am->cbvp);
	for (size_t i = 0; i < p->npairs; i++)
		conn_ldap_mods_add(&am->ms, LDAP_MOD_ADD, p->pairs[i].name, p->pairs[i].value, p->pairs[i].len);
}

void
conn_ldap_add_mods_release(struct add_mods *am)
{
	conn_ldap_mods_release(&am->ms);
	free(am->cbv);
	free(am->cbvp);
}

/*
 * Adds p's entry and waits for the answer. maybe_sent: an earlier try may
 * have got there (its entry found with the account's correlate value is
 * success). 0, or -1 with e set.
 */
static int
add_now(struct connector *c, const struct pending *p, int maybe_sent, struct err *e)
{
	struct add_mods am;
	struct op o = { .kind = OP_ADD, .dn = p->dn };
	int again = 0, rc;

	conn_ldap_add_mods_init(c, p, &am);
	o.mods = am.ms.p;
	rc = conn_ldap_run(c, &o, &again);
	conn_ldap_add_mods_release(&am);
	if (rc == LDAP_ALREADY_EXISTS && (again || maybe_sent) &&
	    conn_ldap_entry_is_account(c, p->dn, p->correlate, e) == 1)
		rc = LDAP_SUCCESS; /* an earlier try got there before the connection dropped */
	if (rc != LDAP_SUCCESS) {
		err_init(e);
		conn_ldap_fail(c, rc, "add", p->dn, e);
		if (rc == LDAP_NO_SUCH_OBJECT)
			e->class = ERR_PERMANENT; /* the parent is missing: no account is "not found" */
		return -1;
	}
	return 0;
}

/* The adds whose connection dropped unanswered, again, one by one; once one fails for the server, all do. */
static void
resend_lost(struct connector *c)
{
	struct err down;
	int is_down = 0;

	err_init(&down);
	/* (add_now may drop the connection again, and add to c->lost: taken in turn) */
	for (size_t i = 0; i < c->nlost; i++) {
		struct pending p = c->lost[i];
		struct err e;

		err_init(&e);
		if (is_down) {
			late_add(c, p.tag, &down);
			continue;
		}
		if (add_now(c, &p, 1, &e) < 0) {
			late_add(c, p.tag, &e);
			if (e.class == ERR_TRANSIENT) {
				is_down = 1;
				down = e;
			}
		}
	}
	c->nlost = 0;
}

/* The answer to p's add was rc (not success). */
static void
add_failed(struct connector *c, const struct pending *p, int rc)
{
	struct err e;

	err_init(&e);
	if (rc == LDAP_BUSY || rc == LDAP_UNAVAILABLE || rc == LDAP_TIMELIMIT_EXCEEDED) {
		/* the server asks for patience: once more, waiting for it */
		if (add_now(c, p, 1, &e) < 0)
			late_add(c, p->tag, &e);
		return;
	}
	conn_ldap_fail(c, rc, "add", p->dn, &e);
	if (rc == LDAP_NO_SUCH_OBJECT)
		e.class = ERR_PERMANENT;
	late_add(c, p->tag, &e);
}

/* Takes answers to sent adds: when block, one (waiting up to the timeout); else those that are there. */
static void
collect(struct connector *c, int block)
{
	while (c->npend && c->ld) {
		LDAPMessage *res = NULL;
		struct timeval tv = { block ? c->k.timeout : 0, 0 };
		int got = ldap_result(c->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &tv, &res), msgid, rc = LDAP_OTHER;
		char *diag = NULL;
		size_t i;
		struct pending p;

		if (got == 0 && !block)
			return;
		if (got <= 0) {
			/* no answer in time, or the connection is gone: all of them again */
			if (got == 0)
				snprintf(c->diag, sizeof(c->diag), "no answer in %ld s", c->k.timeout);
			drop(c);
			break;
		}
		msgid = ldap_msgid(res);
		for (i = 0; i < c->npend && c->pend[i].msgid != msgid; i++)
			;
		if (i == c->npend) {
			ldap_msgfree(res); /* not one of ours (an unsolicited notice) */
			continue;
		}
		p = c->pend[i];
		memmove(c->pend + i, c->pend + i + 1, (c->npend - i - 1) * sizeof(*c->pend));
		c->npend--;
		if (ldap_parse_result(c->ld, res, &rc, NULL, &diag, NULL, NULL, 1) != LDAP_SUCCESS)
			rc = LDAP_DECODING_ERROR;
		c->diag[0] = '\0';
		if (diag && *diag)
			snprintf(c->diag, sizeof(c->diag), "%s", diag);
		ldap_memfree(diag);
		if (rc != LDAP_SUCCESS)
			add_failed(c, &p, rc);
		if (block)
			break;
	}
	if (c->nlost)
		resend_lost(c);
}

static int
conn_ldap_create(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	struct pending p;
	struct add_mods am;
	int rc;

	if (!rq->enabled && !c->k.move_to && !c->k.dis_attr)
		/* made now, it could be used before its first day */
		return err_set(e, ERR_PERMANENT,
			       "%s: account of %s: target \"%s\" has no disable: key, so an account made ahead of "
			       "its first day would be usable at once: not created (expected disable: {move_to: DN} "
			       "or {attribute: NAME, value: VALUE})",
			       c->k.url, rq->employee_id ? rq->employee_id : "?", c->t->name);
	if (conn_ldap_add_prepare(c, rq, &p, e) < 0)
		return -1;
	snprintf(out->ref, sizeof(out->ref), "%s", p.dn);
	while (c->npend >= INFLIGHT_MAX)
		collect(c, 1);
	if (!c->ld && (rc = conn_connect(c)) != LDAP_SUCCESS)
		return conn_ldap_fail(c, rc, "add", p.dn, e);
	conn_ldap_add_mods_init(c, &p, &am);
	rc = ldap_add_ext(c->ld, p.dn, am.ms.p, NULL, NULL, &p.msgid);
	conn_ldap_add_mods_release(&am);
	if (rc != LDAP_SUCCESS) {
		/* the connection is gone: what was in flight again, then this one */
		save_diag(c, c->ld);
		drop(c);
		resend_lost(c);
		if (add_now(c, &p, 0, e) < 0)
			return -1;
		strmap_put(&c->created, arena_strdup(&c->created_a, p.dn), 1);
		return 0;
	}
	XGROW(c->pend, c->pend_cap, c->npend + 1);
	c->pend[c->npend++] = p;
	strmap_put(&c->created, arena_strdup(&c->created_a, p.dn), 1);
	collect(c, 0);
	return 0;
}

/* Renames the entry at from to to (which must not be it already). An LDAP code. */
static int
rename_entry(struct connector *c, const char *from, const char *to)
{
	char *rdn = xstrndup(to, rdn_len(to));
	const char *parent = dn_parent(to);
	struct op o = { .kind = OP_RENAME, .dn = from, .newrdn = rdn, .newparent = *parent ? parent : NULL };
	int again = 0, rc = conn_ldap_run(c, &o, &again);

	/* a retry after a drop: the first try may have done it */
	if (rc == LDAP_NO_SUCH_OBJECT && again) {
		struct op s = { .kind = OP_SEARCH,
				.dn = to,
				.scope = LDAP_SCOPE_BASE,
				.filter = "(objectClass=*)",
				.attrs = none };

		if (conn_ldap_run(c, &s, NULL) == LDAP_SUCCESS)
			rc = LDAP_SUCCESS;
	}
	free(rdn);
	return rc;
}

static int
each_dn(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	struct names *g = ctx;

	(void)c;
	for (LDAPMessage *m = ldap_first_entry(ld, res); m; m = ldap_next_entry(ld, m)) {
		char *dn = ldap_get_dn(ld, m);

		if (dn) {
			XGROW(g->v, g->cap, g->n + 1);
			g->v[g->n++] = arena_strdup(g->a, dn);
		}
		ldap_memfree(dn);
	}
	return LDAP_SUCCESS;
}

/*
 * After the entry at from moved to to: the groups that have from as a
 * member get to instead — what OpenLDAP's refint overlay does, and Active
 * Directory by itself; where the server did it, the search finds nothing.
 * The new member is added before the old one goes, so a group that must
 * have a member is never empty. 0, or -1 with e set.
 */
static int
follow_move(struct connector *c, const char *from, const char *to, struct err *e)
{
	struct arena a = ARENA_INIT;
	struct names g = { .a = &a };
	struct buf filter = BUF_INIT;
	struct op o = { .kind = OP_SEARCH,
			.dn = c->k.groups_base,
			.scope = LDAP_SCOPE_SUBTREE,
			.attrs = none,
			.each = each_dn,
			.ctx = &g };
	int rc, ret = -1;

	if (!c->k.groups_base || dn_equal(from, to) || (c->hooks && c->hooks->server_follows_moves))
		return 0;
	buf_addf(&filter, "(%s=", c->k.member_attr);
	conn_ldap_filter_value(&filter, from);
	buf_addch(&filter, ')');
	o.filter = filter.s;
	if ((rc = conn_ldap_run(c, &o, NULL)) != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
		conn_ldap_fail(c, rc, "search", filter.s, e);
		goto out;
	}
	for (size_t i = 0; i < g.n; i++) {
		struct mods ms;
		struct op m = { .kind = OP_MODIFY, .dn = g.v[i] };

		conn_ldap_mods_init(&ms, 1);
		conn_ldap_mods_add(&ms, LDAP_MOD_ADD, c->k.member_attr, to, strlen(to));
		m.mods = ms.p;
		rc = conn_ldap_run(c, &m, NULL);
		if (rc == LDAP_SUCCESS || rc == LDAP_TYPE_OR_VALUE_EXISTS) {
			ms.m[0].mod_op = LDAP_MOD_DELETE | LDAP_MOD_BVALUES;
			ms.bv[0].bv_val = (char *)from;
			ms.bv[0].bv_len = strlen(from);
			rc = conn_ldap_run(c, &m, NULL);
			if (rc == LDAP_NO_SUCH_ATTRIBUTE)
				rc = LDAP_SUCCESS;
		}
		conn_ldap_mods_release(&ms);
		if (rc != LDAP_SUCCESS) {
			conn_ldap_fail(c, rc, "move member in", g.v[i], e);
			goto out;
		}
	}
	ret = 0;
out:
	buf_release(&filter);
	free(g.v);
	arena_release(&a);
	return ret;
}

/*
 * Puts the account's entry at to (a move, or an enable or disable by
 * moving): nothing when it is there already. *at (may be NULL) gets where
 * it is now (malloc'd). 0, or -1 with e set.
 */
static int
put_at(struct connector *c, const struct conn_request *rq, const char *to, char **at, struct err *e)
{
	char *cur = NULL;
	int got, rc;

	if (at)
		*at = NULL;
	if ((got = conn_ldap_locate(c, rq, 1, &cur, e)) < 0)
		return -1;
	if (!got) {
		/* already where it should be, under a name no candidate has? */
		struct op s = { .kind = OP_SEARCH,
				.dn = to,
				.scope = LDAP_SCOPE_BASE,
				.filter = "(objectClass=*)",
				.attrs = none };

		if (conn_ldap_run(c, &s, NULL) == LDAP_SUCCESS) {
			if (at)
				*at = xstrdup(to);
			return 0;
		}
		return err_set(e, ERR_NOTFOUND, "%s: account of %s: no entry at \"%s\" or where it may have been moved",
			       c->k.url, rq->employee_id, rq->ref ? rq->ref : to);
	}
	if (!dn_equal(cur, to) && (rc = rename_entry(c, cur, to)) != LDAP_SUCCESS) {
		conn_ldap_fail(c, rc, "rename", cur, e);
		if (rc == LDAP_NO_SUCH_OBJECT) {
			e->class = ERR_PERMANENT;
			err_prefix(e, "the new parent \"%s\" may not exist", dn_parent(to));
		}
		free(cur);
		return -1;
	}
	/* memberships follow: from where it was, and (a rerun after a crash) from where it may have been */
	if (c->k.groups_base) {
		struct candidates cs;
		int bad = follow_move(c, cur, to, e) < 0;

		candidates(c, rq, &cs);
		for (size_t i = 0; i < cs.n && !bad; i++)
			if (!dn_equal(cs.dn[i], cur))
				bad = follow_move(c, cs.dn[i], to, e) < 0;
		cand_release(&cs);
		if (bad) {
			free(cur);
			return -1;
		}
	}
	if (at)
		*at = xstrdup(to);
	free(cur);
	return 0;
}

int
conn_ldap_move(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	const char *want = wanted_dn(c, rq, e);
	char *cur = NULL, *at = NULL;
	int got;

	conn_ldap_settle(c);
	if (!want)
		return -1;
	/* a disabled entry stays under the disabled base: enabling puts it at its (new) dn */
	if (c->k.move_to) {
		if ((got = conn_ldap_locate(c, rq, 1, &cur, e)) < 0)
			return -1;
		if (got && dn_within(cur, c->k.move_to, 1) == 1) {
			char *dis = disabled_dn(c, want);
			int ret = put_at(c, rq, dis, &at, e);

			if (!ret)
				snprintf(out->ref, sizeof(out->ref), "%s", at);
			free(dis);
			free(at);
			free(cur);
			return ret;
		}
		free(cur);
	}
	if (put_at(c, rq, want, &at, e) < 0)
		return -1;
	snprintf(out->ref, sizeof(out->ref), "%s", at);
	free(at);
	return 0;
}

/* 1 when name is the attribute type of dn's first RDN. */
static int
is_rdn_attr(const char *dn, const char *name)
{
	LDAPDN d = NULL;
	int yes = 0;

	if (dn && ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && d && d[0])
		for (size_t k = 0; d[0][k] && !yes; k++)
			yes = strlen(name) == d[0][k]->la_attr.bv_len &&
			      !strncasecmp(name, d[0][k]->la_attr.bv_val, d[0][k]->la_attr.bv_len);
	ldap_dnfree(d);
	return yes;
}

int
conn_ldap_update(struct connector *c, const struct conn_request *rq, struct err *e)
{
	struct mods ms;
	struct arena vals = ARENA_INIT;
	char *where = NULL;
	int rc, ret = -1;
	struct op o = { .kind = OP_MODIFY };

	conn_ldap_settle(c);
	conn_ldap_mods_init(&ms, rq->nchanged + 1);
	for (size_t i = 0; i < rq->nchanged; i++) {
		const char *name = rq->changed[i].name, *v = rq->changed[i].value;

		if (!strcmp(name, "dn")) {
			struct conn_result r;

			/* the entry's name: a move (apply adopting an entry found elsewhere) */
			if (conn_ldap_move(c, rq, &r, e) < 0)
				goto out;
			continue;
		}
		if (c->hooks && c->hooks->value_out && c->hooks->value_out(c, name, v ? v : "", &vals, &v, e) < 0)
			goto out;
		/* the naming attribute is the rename's (AD refuses even a modify to the same value) */
		if (c->hooks && c->hooks->rdn_by_rename && is_rdn_attr(rq_attr(rq, "dn"), name))
			continue;
		/* replace without values deletes, and is no error when there is nothing (a rerun) */
		conn_ldap_mods_add(&ms, LDAP_MOD_REPLACE, name, v && *v ? v : NULL, v ? strlen(v) : 0);
	}
	if (!ms.n) {
		ret = 0;
		goto out;
	}
	o.mods = ms.p;
	rc = conn_ldap_on_entry(c, rq, &o, &where);
	if (rc == LDAP_NOT_ALLOWED_ON_RDN && where && rq_attr(rq, "dn") && !dn_equal(where, rq_attr(rq, "dn"))) {
		/* the naming attribute changes with the dn: the move first */
		struct conn_result r;

		if (conn_ldap_move(c, rq, &r, e) < 0)
			goto out;
		free(where);
		rc = conn_ldap_on_entry(c, rq, &o, &where);
	}
	if (rc != LDAP_SUCCESS) {
		conn_ldap_fail(c, rc, "modify", where ? where : rq->ref, e);
		goto out;
	}
	ret = 0;
out:
	free(where);
	conn_ldap_mods_release(&ms);
	arena_release(&vals);
	return ret;
}

static int
conn_ldap_set_enabled(struct connector *c, const struct conn_request *rq, int enabled, struct conn_result *out,
		      struct err *e)
{
	conn_ldap_settle(c);
	out->ref[0] = '\0';
	if (c->k.move_to) {
		const char *want = rq_attr(rq, "dn");
		char *to, *at = NULL;
		int ret;

		if (!want || !*want)
			want = rq->ref;
		if (!want || !*want)
			return err_set(e, ERR_INVALID, "%s: account of %s: no dn and no ref", c->k.url,
				       rq->employee_id);
		if (enabled && dn_within(want, c->k.move_to, 1) == 1)
			return err_set(
				e, ERR_PERMANENT,
				"%s: account of %s: enabling needs its dn outside the disabled base (found only \"%s\")",
				c->k.url, rq->employee_id, want);
		to = enabled ? xstrdup(want) : disabled_dn(c, want);
		ret = put_at(c, rq, to, &at, e);
		if (!ret) /* the entry's new name: apply keeps it as the account's ref */
			snprintf(out->ref, sizeof(out->ref), "%s", at ? at : to);
		free(at);
		free(to);
		return ret;
	}
	if (c->k.dis_attr) {
		struct mods ms;
		char *where = NULL;
		struct op o = { .kind = OP_MODIFY };
		int rc;

		conn_ldap_mods_init(&ms, 1);
		conn_ldap_mods_add(&ms, LDAP_MOD_REPLACE, c->k.dis_attr, enabled ? NULL : c->k.dis_value,
				   enabled ? 0 : strlen(c->k.dis_value));
		o.mods = ms.p;
		rc = conn_ldap_on_entry(c, rq, &o, &where);
		if (rc != LDAP_SUCCESS)
			conn_ldap_fail(c, rc, enabled ? "enable" : "disable", where ? where : rq->ref, e);
		free(where);
		conn_ldap_mods_release(&ms);
		return rc == LDAP_SUCCESS ? 0 : -1;
	}
	return err_set(
		e, ERR_PERMANENT,
		"%s: target \"%s\" has no disable: key (expected {move_to: DN} or {attribute: NAME, value: VALUE})",
		c->k.url, c->t->name);
}

int
conn_ldap_remove(struct connector *c, const struct conn_request *rq, struct err *e)
{
	struct op o = { .kind = OP_DELETE };
	char *where = NULL;
	int rc;

	conn_ldap_settle(c);
	rc = conn_ldap_on_entry(c, rq, &o, &where);

	if (rc != LDAP_SUCCESS)
		conn_ldap_fail(c, rc, "delete", where ? where : rq->ref ? rq->ref : rq_attr(rq, "dn"), e);
	free(where);
	return rc == LDAP_SUCCESS ? 0 : -1;
}

/* The group's DN for a permission name (in b). */
static void
group_dn(struct connector *c, struct buf *b, const char *perm)
{
	buf_adds(b, "cn=");
	dn_value(b, perm, strlen(perm));
	buf_addf(b, ",%s", c->k.groups_base);
}

/*
 * Adds the group perm at dn with the members of the mod members (an add
 * mod): its class, its cn (and the flavor's name attribute) and the
 * flavor's extra values. An LDAP code.
 */
static int
group_create(struct connector *c, const char *dn, const char *perm, LDAPMod *members)
{
	LDAPMod cls, cn, sam, *all[12];
	struct berval cbv = { strlen(c->k.group_class), c->k.group_class }, *cbvp[2] = { &cbv, NULL };
	struct berval nbv = { strlen(perm), (char *)perm }, *nbvp[2] = { &nbv, NULL };
	struct op a = { .kind = OP_ADD, .dn = dn, .mods = all };
	size_t n = 0;

	cls.mod_op = cn.mod_op = sam.mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
	cls.mod_type = (char *)"objectClass";
	cls.mod_bvalues = cbvp;
	cn.mod_type = (char *)"cn";
	cn.mod_bvalues = nbvp;
	all[n++] = &cls;
	all[n++] = &cn;
	if (c->hooks && c->hooks->group_name_attr) {
		sam.mod_type = (char *)c->hooks->group_name_attr;
		sam.mod_bvalues = nbvp;
		all[n++] = &sam;
	}
	for (size_t i = 0; c->group_extra && c->group_extra[i] && n < 10; i++)
		all[n++] = c->group_extra[i];
	all[n++] = members;
	all[n] = NULL;
	return conn_ldap_run(c, &a, NULL);
}

/* An add of a member that is there, or a removal of one that is not, succeeds (the server's own words: AD). */
static LDAPControl permissive_ctrl = { (char *)LDAP_CONTROL_X_PERMISSIVE_MODIFY, { 0, NULL }, 0 };
static LDAPControl *permissive_ctrls[] = { &permissive_ctrl, NULL };

/* One membership changed now, waiting for the answer. */
static int
permission_now(struct connector *c, const struct conn_request *rq, const char *perm, int add, struct err *e)
{
	struct buf gdn = BUF_INIT;
	char *member = NULL;
	struct mods ms;
	struct op o = { .kind = OP_MODIFY };
	int got, rc, ret = -1;

	if (!c->k.groups_base)
		return err_set(e, ERR_PERMANENT, "%s: target \"%s\" has no groups: key for group \"%s\"", c->k.url,
			       c->t->name, perm);
	if (!*perm)
		return err_set(e, ERR_INVALID, "%s: a group with an empty name", c->k.url);
	group_dn(c, &gdn, perm);
	/* one place it can be is where it is (no search for it); several: ask the server */
	if ((got = conn_ldap_locate(c, rq, 0, &member, e)) < 0)
		goto out_buf;
	if (!got) {
		if (add) {
			err_set(e, ERR_NOTFOUND, "%s: account of %s: no entry to add to group \"%s\"", c->k.url,
				rq->employee_id, perm);
			goto out_buf;
		}
		/* the entry is gone: its DN may still be a member */
		member = xstrdup(rq->ref && *rq->ref ? rq->ref : rq_attr(rq, "dn") ? rq_attr(rq, "dn") : "");
	}
	conn_ldap_mods_init(&ms, 1);
	conn_ldap_mods_add(&ms, add ? LDAP_MOD_ADD : LDAP_MOD_DELETE, c->k.member_attr, member, strlen(member));
	o.mods = ms.p;
	o.dn = gdn.s;
	if (c->hooks && c->hooks->permissive_single)
		o.sctrls = permissive_ctrls;
	rc = conn_ldap_run(c, &o, NULL);
	if (add && rc == LDAP_NO_SUCH_OBJECT && c->k.create_missing) {
		/* a new group, with its first member (groupOfNames must have one) */
		rc = group_create(c, gdn.s, perm, ms.p[0]);
		if (rc == LDAP_ALREADY_EXISTS) /* made meanwhile: add the member to it */
			rc = conn_ldap_run(c, &o, NULL);
	}
	if (rc == LDAP_TYPE_OR_VALUE_EXISTS && add)
		rc = LDAP_SUCCESS;
	/* a server that says so in codes of its own (AD: 68 a member already, 53 not a member) */
	if (c->hooks && rc != LDAP_SUCCESS && rc == (add ? c->hooks->member_there_rc : c->hooks->member_absent_rc))
		rc = LDAP_SUCCESS;
	if ((rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_NO_SUCH_OBJECT) && !add)
		rc = LDAP_SUCCESS; /* not a member, or no such group: nothing to take away */
	if (rc == LDAP_OBJECT_CLASS_VIOLATION && !add && c->k.create_missing) {
		/* the last member of a group that must have one: roster made it, roster removes it */
		struct op d = { .kind = OP_DELETE, .dn = gdn.s };

		rc = conn_ldap_run(c, &d, NULL);
		if (rc == LDAP_NO_SUCH_OBJECT)
			rc = LDAP_SUCCESS;
	}
	if (rc != LDAP_SUCCESS) {
		conn_ldap_fail(c, rc, add ? "add member to" : "remove member from", gdn.s, e);
		if (rc == LDAP_NO_SUCH_OBJECT) {
			e->class = ERR_PERMANENT; /* the account is there: the group is what is missing */
			err_prefix(e, "group \"%s\" does not exist (groups: create_missing: true makes it)", perm);
		}
		goto out;
	}
	ret = 0;
out:
	conn_ldap_mods_release(&ms);
out_buf:
	free(member);
	buf_release(&gdn);
	return ret;
}

static int
gathered_cmp(const void *a, const void *b)
{
	const struct gathered *x = a, *y = b;
	int d = strcmp(x->group, y->group);

	if (d)
		return d;
	if (x->add != y->add)
		return y->add - x->add; /* adds first: a group that must have a member keeps one */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One gathered membership on its own (finding which one fails, or what the control cannot do). */
static void
member_now(struct connector *c, const struct gathered *g)
{
	struct conn_request rq;
	struct err e;

	memset(&rq, 0, sizeof(rq));
	rq.employee_id = g->employee_id;
	rq.ref = g->member;
	err_init(&e);
	if (permission_now(c, &rq, g->perm, g->add, &e) < 0)
		late_add(c, g->tag, &e);
}

/* gs[0..n): one group, all adds or all removals: one modify. */
static void
members_modify(struct connector *c, const struct gathered *gs, size_t n)
{
	struct berval *bv = xcalloc(n + 1, sizeof(*bv)), **bvp = xcalloc(n + 1, sizeof(*bvp));
	LDAPMod mod, *mods[2] = { &mod, NULL };
	LDAPControl permissive = { (char *)LDAP_CONTROL_X_PERMISSIVE_MODIFY, { 0, NULL }, 0 };
	LDAPControl *ctrls[2] = { &permissive, NULL };
	struct op o = { .kind = OP_MODIFY, .dn = gs[0].group, .mods = mods, .sctrls = ctrls };
	int rc;

	for (size_t i = 0; i < n; i++) {
		bv[i].bv_val = (char *)gs[i].member;
		bv[i].bv_len = strlen(gs[i].member);
		bvp[i] = &bv[i];
	}
	mod.mod_op = (gs[0].add ? LDAP_MOD_ADD : LDAP_MOD_DELETE) | LDAP_MOD_BVALUES;
	mod.mod_type = c->k.member_attr;
	mod.mod_bvalues = bvp;
	rc = conn_ldap_run(c, &o, NULL);
	if (rc == LDAP_NO_SUCH_OBJECT && gs[0].add && c->k.create_missing) {
		/* a new group, with all its new members */
		rc = group_create(c, gs[0].group, gs[0].perm, &mod);
		if (rc == LDAP_ALREADY_EXISTS) /* made meanwhile */
			rc = conn_ldap_run(c, &o, NULL);
	}
	if (rc == LDAP_NO_SUCH_OBJECT && !gs[0].add)
		rc = LDAP_SUCCESS; /* no such group: nothing to take away */
	free(bv);
	free(bvp);
	if (rc == LDAP_SUCCESS)
		return;
	/* one by one: which of them fails, and what a server without the control refuses together */
	for (size_t i = 0; i < n; i++)
		member_now(c, &gs[i]);
}

/* Sends the gathered memberships: one modify per group and kind of change. */
static void
send_gathered(struct connector *c)
{
	struct strmap seen = STRMAP_INIT;
	struct arena keys = ARENA_INIT;
	int twice = 0;

	if (!c->ngath)
		return;
	/* the same member of the same group twice (added, then removed?): in the order given */
	for (size_t i = 0; i < c->ngath && !twice; i++) {
		struct buf k = BUF_INIT;

		buf_addf(&k, "%s%c%s", c->gath[i].group, '\n', c->gath[i].member);
		twice = strmap_put(&seen, arena_strdup(&keys, k.s), i);
		buf_release(&k);
	}
	strmap_release(&seen);
	arena_release(&keys);
	if (twice) {
		for (size_t i = 0; i < c->ngath; i++)
			member_now(c, &c->gath[i]);
	} else {
		qsort(c->gath, c->ngath, sizeof(*c->gath), gathered_cmp);
		for (size_t i = 0, j; i < c->ngath; i = j) {
			for (j = i + 1; j < c->ngath && !strcmp(c->gath[j].group, c->gath[i].group) &&
					c->gath[j].add == c->gath[i].add;
			     j++)
				;
			members_modify(c, c->gath + i, j - i);
		}
	}
	c->ngath = 0;
}

/* The barrier: every add answered, every gathered membership sent. */
void
conn_ldap_settle(struct connector *c)
{
	while (c->npend)
		collect(c, 1);
	if (c->nlost)
		resend_lost(c);
	send_gathered(c);
}

int
conn_ldap_permission(struct connector *c, const struct conn_request *rq, const char *perm, int add, struct err *e)
{
	struct buf gdn = BUF_INIT;
	struct gathered *g;
	const char *member = NULL;
	size_t dummy;

	if (!c->k.groups_base || !*perm) {
		conn_ldap_settle(c);
		return permission_now(c, rq, perm, add, e);
	}
	/* gathered when the member's DN is known without asking: just added, or the one place it can be */
	if (rq->ref && strmap_get(&c->created, rq->ref, &dummy)) {
		member = arena_strdup(&c->batch, rq->ref);
	} else {
		struct candidates cs;

		candidates(c, rq, &cs);
		if (cs.n == 1)
			member = arena_strdup(&c->batch, cs.dn[0]);
		cand_release(&cs);
	}
	if (!member) {
		conn_ldap_settle(c);
		return permission_now(c, rq, perm, add, e);
	}
	if (c->ngath >= GATHERED_MAX)
		conn_ldap_settle(c);
	group_dn(c, &gdn, perm);
	XGROW(c->gath, c->gath_cap, c->ngath + 1);
	g = &c->gath[c->ngath];
	g->group = arena_strdup(&c->batch, gdn.s);
	g->member = member;
	g->perm = arena_strdup(&c->batch, perm);
	g->employee_id = arena_strdup(&c->batch, rq->employee_id ? rq->employee_id : "?");
	g->add = add;
	g->tag = rq->tag;
	g->seq = c->ngath++;
	buf_release(&gdn);
	return 0;
}

int
conn_ldap_wait(struct connector *c, const struct conn_late *late, struct err *e)
{
	(void)e;
	conn_ldap_settle(c);
	for (size_t i = 0; i < c->nlate; i++)
		late->failed(late->ctx, c->late[i].tag, &c->late[i].e);
	c->nlate = 0;
	/*
	 * (created stays: a plan's grants come after all its creates, batches
	 * later, and an entry this run made is where it was made unless a move
	 * since gave apply another ref for it)
	 */
	arena_release(&c->batch);
	return 0;
}

/* ---- prefetch: many correlate values in one search ---- */

static void
pf_reset(struct connector *c)
{
	strmap_release(&c->pf);
	arena_release(&c->pf_arena);
	free(c->pf_hits);
	c->pf_hits = NULL;
	c->npf = c->pf_cap = 0;
	c->pf_on = 0;
}

static int
each_prefetched(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	(void)ctx;
	for (LDAPMessage *m = ldap_first_entry(ld, res); m; m = ldap_next_entry(ld, m)) {
		struct conn_object o;
		const char *v = NULL;
		size_t i;
		int rc = entry_object(c, ld, m, &c->pf_arena, &o);

		if (rc != LDAP_SUCCESS)
			return rc;
		for (size_t k = 0; k < o.nattrs && !v; k++)
			if (!strcasecmp(o.attrs[k].name, c->t->correlate_attribute))
				v = o.attrs[k].value;
		if (!v || !strmap_get(&c->pf, arena_strdup_lower(&c->pf_arena, v), &i)) {
			c->pf_on = 0; /* found by a value the server matches and this code does not */
			continue;
		}
		if (!c->pf_hits[i].count++)
			c->pf_hits[i].obj = o;
	}
	return LDAP_SUCCESS;
}

int
conn_ldap_prefetch(struct connector *c, const char *const *values, size_t n, struct err *e)
{
	const char *bases[2];
	size_t nb = account_bases(c, bases);

	pf_reset(c);
	if (!c->t->correlate_attribute || !n)
		return 0;
	conn_ldap_settle(c);
	c->pf_on = 1;
	for (size_t i = 0; i < n; i++) {
		char *k = arena_strdup_lower(&c->pf_arena, values[i]);
		size_t at;

		if (strmap_get(&c->pf, k, &at)) {
			if (strcmp(values[i], c->pf_hits[at].obj.ref))
				c->pf_on = 0; /* two values the same but for case: ask one by one */
			continue;
		}
		XGROW(c->pf_hits, c->pf_cap, c->npf + 1);
		memset(&c->pf_hits[c->npf], 0, sizeof(*c->pf_hits));
		c->pf_hits[c->npf].obj.ref = arena_strdup(&c->pf_arena, values[i]); /* the value, until found */
		strmap_put(&c->pf, k, c->npf++);
	}
	for (size_t i = 0; i < n && c->pf_on; i += PREFETCH_CHUNK) {
		struct buf filter = BUF_INIT;

		buf_adds(&filter, "(|");
		for (size_t j = i; j < n && j < i + PREFETCH_CHUNK; j++) {
			buf_addf(&filter, "(%s=", c->t->correlate_attribute);
			conn_ldap_filter_value(&filter, values[j]);
			buf_addch(&filter, ')');
		}
		buf_addch(&filter, ')');
		for (size_t b = 0; b < nb; b++) {
			struct op o = { .kind = OP_SEARCH,
					.dn = bases[b],
					.scope = LDAP_SCOPE_SUBTREE,
					.filter = filter.s,
					.attrs = c->read_names,
					.each = each_prefetched };
			int rc = conn_ldap_run(c, &o, NULL);

			if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
				conn_ldap_fail(c, rc, "search", "(prefetch)", e);
				buf_release(&filter);
				pf_reset(c);
				return -1;
			}
		}
		buf_release(&filter);
	}
	/* a value found nowhere keeps count 0: its lookup answers "none" */
	return 0;
}

/* ---- taken: is a value held anywhere in the directory (check_target) ---- */

static int
each_context(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	LDAPMessage *m = ldap_first_entry(ld, res);
	struct berval **vals = m ? ldap_get_values_len(ld, m, "namingContexts") : NULL;

	(void)ctx;
	for (size_t i = 0; vals && vals[i] && !c->whole; i++) {
		char *nc = xstrndup(vals[i]->bv_val, vals[i]->bv_len);

		if (*nc && dn_within(c->k.base, nc, 0) == 1)
			c->whole = nc;
		else
			free(nc);
	}
	ldap_value_free_len(vals);
	return LDAP_SUCCESS;
}

int
conn_ldap_taken(struct connector *c, const char *attribute, const char *value, const char *correlate, struct err *e)
{
	char *attrs[] = { (char *)"namingContexts", NULL };
	struct op root = {
		.kind = OP_SEARCH, .dn = "", .scope = LDAP_SCOPE_BASE, .filter = "(objectClass=*)", .attrs = attrs
	};
	struct buf filter = BUF_INIT;
	int yes = 0, rc;

	conn_ldap_settle(c);
	if (!attr_name_valid(attribute))
		return err_set(e, ERR_INVALID, "%s: \"%s\" is not an attribute name", c->k.url, attribute);
	if (!c->whole) {
		/* the naming context the accounts are in: "any object in the domain", not only under base */
		root.each = each_context;
		if ((rc = conn_ldap_run(c, &root, NULL)) != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT)
			return conn_ldap_fail(c, rc, "search", "(the root DSE)", e);
		if (!c->whole)
			c->whole = xstrdup(c->k.base);
	}
	/* (&(attribute=value)(!(correlate attribute=the person's value))): the person's own entry is not another's */
	if (correlate && *correlate && c->t->correlate_attribute)
		buf_adds(&filter, "(&");
	buf_addf(&filter, "(%s=", attribute);
	conn_ldap_filter_value(&filter, value);
	buf_addch(&filter, ')');
	if (correlate && *correlate && c->t->correlate_attribute) {
		buf_addf(&filter, "(!(%s=", c->t->correlate_attribute);
		conn_ldap_filter_value(&filter, correlate);
		buf_adds(&filter, ")))");
	}
	{
		struct op o = { .kind = OP_SEARCH,
				.dn = c->whole,
				.scope = LDAP_SCOPE_SUBTREE,
				.filter = filter.s,
				.attrs = none,
				.sizelimit = 1,
				.each = each_exists,
				.ctx = &yes };

		rc = conn_ldap_run(c, &o, NULL);
	}
	if (rc == LDAP_SIZELIMIT_EXCEEDED)
		yes = 1, rc = LDAP_SUCCESS;
	if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
		conn_ldap_fail(c, rc, "search", filter.s, e);
		buf_release(&filter);
		return -1;
	}
	buf_release(&filter);
	return yes;
}

const struct connector_ops connector_ldap = {
	.name = "ldap",
	.check = conn_ldap_check,
	.open = conn_ldap_open,
	.close = conn_ldap_close,
	.lookup = conn_ldap_lookup,
	.list = conn_ldap_list,
	.create = conn_ldap_create,
	.update = conn_ldap_update,
	.set_enabled = conn_ldap_set_enabled,
	.move = conn_ldap_move,
	.remove = conn_ldap_remove,
	.permission = conn_ldap_permission,
	.prefetch = conn_ldap_prefetch,
	.wait = conn_ldap_wait,
	.taken = conn_ldap_taken,
};
