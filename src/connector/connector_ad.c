/*
 * The ad connector: accounts as user objects of Active Directory, built on
 * the ldap connector (ldap_int.h): its connection, escaping, paging,
 * prefetch, moves, gathered memberships and error mapping are the ldap
 * connector's, with hooks where AD differs (docs/connector-ad.md):
 *
 * - an account's ref is its objectGUID in string form, and every operation
 *   names the entry <GUID=...>, so renames and moves never lose it;
 * - a create is one add with unicodePwd (a password generated per account,
 *   handed once to the notify: program, never logged or kept) and
 *   userAccountControl 512 or 514, pwdLastSet 0 when the user must change
 *   it; a password the domain's policy refuses is generated again, once;
 * - enabling and disabling flip ACCOUNTDISABLE of the current
 *   userAccountControl, every other bit kept;
 * - accountExpires is a date (YYYY-MM-DD, "" for never) to roster and AD's
 *   count of 100-ns intervals to the server (account_expires: true);
 * - groups are security groups with groupType from groups: scope:;
 * - AD's diagnostic codes decide the error class (ad_diag_parse), and a
 *   create that finds its sAMAccountName or userPrincipalName taken
 *   adopts the account when it is this person's (the correlate value).
 *
 * What must hold: a password lives only in buffers of this file's
 * functions, wiped (sodium_memzero) on every path before they return; a
 * create either leaves an account whose password the notify program
 * received, or no account.
 *
 * A create waits for its answer (the ref is the GUID the server gives the
 * new object, and a refused password is generated again): creates are not
 * pipelined; memberships are gathered as the ldap connector does.
 */
#include <jansson.h>
#include <ldap.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/ad_util.h"
#include "connector/connector.h"
#include "connector/ldap_int.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/file.h"
#include "util/password.h"
#include "util/spawn.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define NOTIFY_ARGS_MAX 32
#define NOTIFY_OUT_MAX (64 * 1024)

/* The ad connector's own keys, and what it keeps for the groups it makes. */
struct notify_job;

#define NOTIFY_INFLIGHT 4 /* notifications running while the next accounts are made */

static void notify_collect(struct connector *c, int report);

struct ad {
	struct notify_job *jobs[NOTIFY_INFLIGHT]; /* running, oldest first */
	size_t njobs;
	struct late_ad *late; /* notifications that failed: wait() tells */
	size_t nlate, late_cap;
	int generate; /* password: generate: (1 unless false) */
	long length;
	int must_change;
	int account_expires;
	char *tz;	   /* the config's timezone: (NULL: the system's) */
	char **notify;	   /* the program and its arguments, NULL-terminated; NULL: none */
	char *notify_path; /* notify[0] resolved against the config's folder */
	enum ad_group_scope scope;
	char group_type[AD_INT64_STR_MAX];
	struct berval gt_bv, *gt_bvp[2];
	LDAPMod gt_mod, *extra[2];
};

static void
ad_free(struct ad *a)
{
	if (!a)
		return;
	free(a->tz);
	for (size_t i = 0; a->notify && a->notify[i]; i++)
		free(a->notify[i]);
	free(a->notify);
	free(a->notify_path);
	free(a->late);
	free(a);
}

/* ---- the keys ---- */

/* Reads the keys only the ad connector has into a (calloc'd by the caller): 0, or -1 with e set. */
static int
ad_keys_read(const struct config *cfg, const struct cfg_target *t, struct ad *a, struct err *e)
{
	const struct cfg_option *o;

	a->generate = 1;
	a->length = PASSWORD_LEN_DEFAULT;
	a->must_change = 0;
	a->scope = AD_SCOPE_GLOBAL;
	if ((o = cfg_target_option(t, "password"))) {
		const char *key;
		json_t *v;

		if (!json_is_object(o->value))
			return conn_key_error(
				cfg, t, o, e,
				"expected a mapping, as in {generate: true, length: 20, must_change: true}");
		json_object_foreach(o->value, key, v)
		{
			if (!strcmp(key, "generate")) {
				if (conn_key_bool(cfg, t, o, "generate", v, &a->generate, e) < 0)
					return -1;
			} else if (!strcmp(key, "must_change")) {
				if (conn_key_bool(cfg, t, o, "must_change", v, &a->must_change, e) < 0)
					return -1;
			} else if (!strcmp(key, "length")) {
				const char *s = json_string_value(v);
				char *end;
				long n = s ? strtol(s, &end, 10) : 0;

				if (!s || !*s || *end || n < PASSWORD_LEN_MIN || n > PASSWORD_LEN_MAX)
					return conn_key_error(
						cfg, t, o, e, "length: \"%s\" is not a whole number from %d to %d",
						s ? s : "(a list or mapping)", PASSWORD_LEN_MIN, PASSWORD_LEN_MAX);
				a->length = n;
			} else {
				return conn_key_error(cfg, t, o, e,
						      "unknown key \"%s\" (expected generate, length, must_change)",
						      key);
			}
		}
	}
	if ((o = cfg_target_option(t, "account_expires")) &&
	    conn_key_bool(cfg, t, o, "", o->value, &a->account_expires, e) < 0)
		return -1;
	if ((o = cfg_target_option(t, "notify"))) {
		size_t n = json_is_array(o->value) ? json_array_size(o->value) : json_is_string(o->value) ? 1 : 0;

		if (!n || n > NOTIFY_ARGS_MAX)
			return conn_key_error(
				cfg, t, o, e,
				"expected a program and its arguments, as in [./deliver-password, --mail]");
		a->notify = xcalloc(n + 1, sizeof(*a->notify));
		for (size_t i = 0; i < n; i++) {
			json_t *v = json_is_array(o->value) ? json_array_get(o->value, i) : o->value;

			if (!json_is_string(v) || (!i && !*json_string_value(v)))
				return conn_key_error(cfg, t, o, e, "expected a program and its arguments (strings)");
			a->notify[i] = xstrdup(json_string_value(v));
		}
		a->notify_path = file_join(cfg->dir, a->notify[0]);
	}
	if ((o = cfg_target_option(t, "groups")) && json_is_object(o->value)) {
		json_t *v = json_object_get(o->value, "scope");

		if (v && (!json_is_string(v) || ad_group_scope_parse(json_string_value(v), &a->scope) < 0))
			return conn_key_error(
				cfg, t, o, e,
				"scope: \"%s\" is not a group scope (expected global, domain_local or universal)",
				json_is_string(v) ? json_string_value(v) : "(a list or mapping)");
	}
	/*
	 * The configured zone is the process's already (cli.c sets TZ once,
	 * before threads): the date functions get NULL, so they never switch TZ
	 * while the vault writer runs.
	 */
	a->tz = NULL;
	return 0;
}

/* ---- the hooks ---- */

static int
ad_classify(struct connector *c, int rc, enum err_class *cls, const char **words)
{
	struct ad_diag d;

	if (!ad_diag_parse(rc, c->diag, &d))
		return 0;
	*cls = d.class;
	*words = d.words;
	return 1;
}

/* The objectGUID of entry in string form into out: 1, or 0 when it has none. */
static int
entry_guid(LDAP *ld, LDAPMessage *entry, char out[AD_GUID_STR_MAX])
{
	struct berval **vals = ldap_get_values_len(ld, entry, "objectGUID");
	int ok = vals && vals[0] && vals[0]->bv_len == AD_GUID_LEN;

	if (ok)
		ad_guid_format((const unsigned char *)vals[0]->bv_val, out);
	ldap_value_free_len(vals);
	return ok;
}

/* The userAccountControl of entry: 1 and *out, 0 when it has none (or not a number). */
static int
entry_uac(LDAP *ld, LDAPMessage *entry, uint32_t *out)
{
	struct berval **vals = ldap_get_values_len(ld, entry, "userAccountControl");
	int ok = 0;

	if (vals && vals[0] && vals[0]->bv_len < 16) {
		char s[16];

		memcpy(s, vals[0]->bv_val, vals[0]->bv_len);
		s[vals[0]->bv_len] = '\0';
		ok = ad_uac_parse(s, out) == 0;
	}
	ldap_value_free_len(vals);
	return ok;
}

/* The object as AD has it: the GUID its ref, enabled by its ACCOUNTDISABLE bit, accountExpires a date. */
static int
ad_entry(struct connector *c, LDAP *ld, LDAPMessage *entry, struct arena *a, struct conn_object *o,
	 struct account_attr *attrs, size_t nattrs)
{
	struct ad *ad = c->ext;
	char guid[AD_GUID_STR_MAX];
	uint32_t uac;

	if (!entry_guid(ld, entry, guid)) {
		snprintf(c->diag, sizeof(c->diag), "%s: no objectGUID (is it an Active Directory?)", o->ref);
		return LDAP_DECODING_ERROR;
	}
	o->enabled = entry_uac(ld, entry, &uac) ? ad_uac_is_enabled(uac) : 1;
	o->ref = arena_strdup(a, guid);
	for (size_t i = 0; ad->account_expires && i < nattrs; i++) {
		int64_t v;
		civil_day day;
		struct err e;
		char d[DATE_STR_MAX];

		if (strcasecmp(attrs[i].name, "accountExpires"))
			continue;
		err_init(&e);
		if (ad_int64_parse(attrs[i].value, &v) < 0 || ad_expires_to_day(v, ad->tz, &day, &e) < 0) {
			snprintf(c->diag, sizeof(c->diag), "%s: accountExpires \"%.40s\" is not a time", guid,
				 attrs[i].value);
			return LDAP_DECODING_ERROR;
		}
		date_format(day, d); /* "" for never: as {window.end} says it */
		attrs[i].value = arena_strdup(a, d);
	}
	return LDAP_SUCCESS;
}

static char *
ad_ref_dn(struct connector *c, const char *ref)
{
	unsigned char g[AD_GUID_LEN];
	char dn[AD_GUID_DN_MAX];

	(void)c;
	if (ad_guid_parse(ref, g) < 0)
		return NULL;
	ad_guid_dn(g, dn);
	return xstrdup(dn);
}

/* accountExpires: the last active day (YYYY-MM-DD, "" never) as AD's value; a number as it is. */
static int
ad_value_out(struct connector *c, const char *name, const char *v, struct arena *a, const char **out, struct err *e)
{
	struct ad *ad = c->ext;
	char s[AD_INT64_STR_MAX];
	int64_t n;
	civil_day day;

	*out = v;
	if (!ad->account_expires || strcasecmp(name, "accountExpires"))
		return 0;
	if (!*v) {
		n = AD_EXPIRES_NEVER; /* an open window, a rehire: never */
	} else if (date_parse_iso(v, &day) == 0) {
		if (ad_expires_from_day(day, ad->tz, &n, e) < 0)
			return -1;
	} else if (ad_int64_parse(v, &n) < 0) {
		return err_set(e, ERR_INVALID,
			       "%s: accountExpires \"%s\" is not a date (expected YYYY-MM-DD, or \"\" for never)",
			       c->k.url, v);
	}
	ad_int64_format(n, s);
	*out = arena_strdup(a, s);
	return 0;
}

static const char *const ad_gkeys[] = { "scope" };
static const char *const ad_read[] = { "objectGUID", "userAccountControl", NULL };

static const struct ldap_hooks ad_hooks = {
	.user_class = "user",
	.group_class = "group",
	.gkeys = ad_gkeys,
	.ngkeys = 1,
	.bind_name_any = 1,
	.no_disable_key = 1,
	.server_follows_moves = 1,
	.permissive_single = 1,
	.member_there_rc = LDAP_ALREADY_EXISTS,
	.member_absent_rc = LDAP_UNWILLING_TO_PERFORM,
	.rdn_by_rename = 1,
	.read = ad_read,
	.group_name_attr = "sAMAccountName",
	.classify = ad_classify,
	.entry = ad_entry,
	.ref_dn = ad_ref_dn,
	.value_out = ad_value_out,
};

/* ---- check, open, close ---- */

static int
conn_ad_check(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	struct ad *a = xcalloc(1, sizeof(*a));
	int ret = conn_ldap_check_as(cfg, t, &ad_hooks, e) < 0 || ad_keys_read(cfg, t, a, e) < 0 ? -1 : 0;

	ad_free(a);
	return ret;
}

static struct connector *
conn_ad_open(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	struct ad *a = xcalloc(1, sizeof(*a));
	struct connector *c;

	if (ad_keys_read(cfg, t, a, e) < 0) {
		ad_free(a);
		return NULL;
	}
	if (!(c = conn_ldap_open_as(cfg, t, &ad_hooks, e))) {
		ad_free(a);
		return NULL;
	}
	c->ext = a;
	/* groups roster makes are security groups of the configured scope */
	snprintf(a->group_type, sizeof(a->group_type), "%d", (int)ad_group_type(a->scope, 1));
	a->gt_bv.bv_val = a->group_type;
	a->gt_bv.bv_len = strlen(a->group_type);
	a->gt_bvp[0] = &a->gt_bv;
	a->gt_mod.mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
	a->gt_mod.mod_type = (char *)"groupType";
	a->gt_mod.mod_bvalues = a->gt_bvp;
	a->extra[0] = &a->gt_mod;
	c->group_extra = a->extra;
	return c;
}

static void
conn_ad_close(struct connector *c)
{
	if (!c)
		return;
	while (c->ext && ((struct ad *)c->ext)->njobs)
		notify_collect(c, 0); /* (not waited for: a failed one still takes its account away) */
	ad_free(c->ext);
	c->ext = NULL;
	conn_ldap_close(c);
}

/* ---- reading one entry ---- */

struct one {
	char guid[AD_GUID_STR_MAX];
	int has_guid;
	uint32_t uac;
	int has_uac;
	json_t *attrs; /* asked-for string attributes, when not NULL */
	char **names;
};

static int
each_one(struct connector *c, LDAP *ld, LDAPMessage *res, void *ctx)
{
	struct one *w = ctx;
	LDAPMessage *m = ldap_first_entry(ld, res);

	(void)c;
	if (!m)
		return LDAP_SUCCESS;
	w->has_guid = entry_guid(ld, m, w->guid);
	w->has_uac = entry_uac(ld, m, &w->uac);
	for (size_t i = 0; w->attrs && w->names[i]; i++) {
		struct berval **vals = ldap_get_values_len(ld, m, w->names[i]);

		if (vals && vals[0] && vals[0]->bv_len < 4096 && !memchr(vals[0]->bv_val, '\0', vals[0]->bv_len))
			json_object_set_new(w->attrs, w->names[i], json_stringn(vals[0]->bv_val, vals[0]->bv_len));
		ldap_value_free_len(vals);
	}
	return LDAP_SUCCESS;
}

/* Reads the entry at dn (its GUID, userAccountControl, and names into w->attrs). An LDAP code. */
static int
read_one(struct connector *c, const char *dn, struct one *w)
{
	char *attrs[8] = { (char *)"objectGUID", (char *)"userAccountControl", NULL };
	size_t n = 2;
	struct op o = { .kind = OP_SEARCH,
			.dn = dn,
			.scope = LDAP_SCOPE_BASE,
			.filter = "(objectClass=*)",
			.attrs = attrs,
			.each = each_one,
			.ctx = w };

	for (size_t i = 0; w->names && w->names[i] && n < 7; i++)
		attrs[n++] = w->names[i];
	attrs[n] = NULL;
	return conn_ldap_run(c, &o, NULL);
}

/* ---- enable, disable ---- */

static int
conn_ad_set_enabled(struct connector *c, const struct conn_request *rq, int enabled, struct conn_result *out,
		    struct err *e)
{
	struct one w;
	char *dn = NULL, v[16];
	struct mods ms;
	struct op o = { .kind = OP_MODIFY };
	uint32_t want;
	int got, rc;

	conn_ldap_settle(c);
	out->ref[0] = '\0';
	if ((got = conn_ldap_locate(c, rq, 0, &dn, e)) <= 0)
		return got < 0 ? -1
			       : err_set(e, ERR_NOTFOUND, "%s: account of %s: no object with ref %s", c->k.url,
					 rq->employee_id, rq->ref ? rq->ref : "(none)");
	memset(&w, 0, sizeof(w));
	/* read, then write: every bit but ACCOUNTDISABLE stays as it is */
	if ((rc = read_one(c, dn, &w)) != LDAP_SUCCESS || !w.has_uac) {
		if (rc == LDAP_SUCCESS)
			rc = LDAP_NO_SUCH_OBJECT;
		conn_ldap_fail(c, rc, "read userAccountControl of", dn, e);
		free(dn);
		return -1;
	}
	want = ad_uac_set_enabled(w.uac, enabled);
	if (want == w.uac) {
		free(dn);
		return 0;
	}
	snprintf(v, sizeof(v), "%d", (int)(int32_t)want); /* AD writes it as a signed 32-bit integer */
	conn_ldap_mods_init(&ms, 1);
	conn_ldap_mods_add(&ms, LDAP_MOD_REPLACE, "userAccountControl", v, strlen(v));
	o.mods = ms.p;
	o.dn = dn;
	rc = conn_ldap_run(c, &o, NULL);
	conn_ldap_mods_release(&ms);
	if (rc != LDAP_SUCCESS)
		conn_ldap_fail(c, rc, enabled ? "enable" : "disable", dn, e);
	free(dn);
	return rc == LDAP_SUCCESS ? 0 : -1;
}

/* ---- move: the GUID stays the ref ---- */

static int
conn_ad_move(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	unsigned char g[AD_GUID_LEN];
	struct one w;
	int rc;

	if (conn_ldap_move(c, rq, out, e) < 0)
		return -1;
	if (rq->ref && ad_guid_parse(rq->ref, g) == 0) {
		snprintf(out->ref, sizeof(out->ref), "%s", rq->ref);
		return 0;
	}
	/* a ref that was a DN (an account linked before): from now on its GUID */
	memset(&w, 0, sizeof(w));
	if ((rc = read_one(c, out->ref, &w)) != LDAP_SUCCESS || !w.has_guid)
		return conn_ldap_fail(c, rc == LDAP_SUCCESS ? LDAP_NO_SUCH_OBJECT : rc, "read objectGUID of", out->ref,
				      e);
	snprintf(out->ref, sizeof(out->ref), "%s", w.guid);
	return 0;
}

/* ---- create ---- */

/*
 * The notification of a new account's password: JSON on the program's
 * stdin, {"target", "employee_id", "account": {ref, dn, attributes...},
 * "manager": {dn, displayName, mail, sAMAccountName} or null, "password"}.
 * 0, or -1 with e set (the program could not run, or did not exit 0).
 */
static int
notify_input(struct connector *c, const struct conn_request *rq, const char *ref, const char *password, struct buf *in,
	     struct err *e)
{
	json_t *doc = json_object(), *acct = json_object(), *mgr = json_null();
	const char *mdn = NULL;
	char *head = NULL;
	size_t plen = strlen(password);

	for (size_t i = 0; i < rq->nattrs; i++) {
		json_object_set_new(acct, rq->attrs[i].name, json_string(rq->attrs[i].value));
		if (!strcasecmp(rq->attrs[i].name, "manager") && *rq->attrs[i].value)
			mdn = rq->attrs[i].value;
	}
	json_object_set_new(acct, "ref", json_string(ref));
	if (mdn) {
		char *names[] = { (char *)"displayName", (char *)"mail", (char *)"sAMAccountName", NULL };
		struct one w;

		memset(&w, 0, sizeof(w));
		w.attrs = json_object();
		w.names = names;
		if (read_one(c, mdn, &w) == LDAP_SUCCESS && w.has_guid) {
			json_object_set_new(w.attrs, "dn", json_string(mdn));
			json_object_set_new(w.attrs, "ref", json_string(w.guid));
			json_decref(mgr);
			mgr = w.attrs;
		} else {
			json_decref(w.attrs);
		}
	}
	json_object_set_new(doc, "target", json_string(c->t->name));
	json_object_set_new(doc, "employee_id", json_string(rq->employee_id ? rq->employee_id : ""));
	json_object_set_new(doc, "account", acct);
	json_object_set_new(doc, "manager", mgr);
	/*
	 * The password goes in last, by hand: jansson would keep copies of it
	 * that it frees unwiped. A generated password needs no JSON escaping
	 * (password.h: PASSWORD_SYMBOLS). The room for it is made first, so no
	 * copy of it is left behind by a buffer that grows.
	 */
	head = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!head)
		return err_set(e, ERR_INTERNAL, "%s: notify: cannot make the JSON document", c->k.url);
	buf_reserve(in, strlen(head) + plen + 32);
	buf_add(in, head, strlen(head) - 1); /* without its closing brace */
	free(head);
	buf_adds(in, ",\"password\":\"");
	buf_adds(in, password);
	buf_adds(in, "\"}\n");
	return 0;
}

/* Runs the notify program with in on its stdin. Touches nothing of c but its keys: any thread may. */
static int
notify_run(const struct connector *c, const struct buf *in, struct err *e)
{
	const struct ad *ad = c->ext;
	struct spawn s;
	struct spawn_result r;

	memset(&s, 0, sizeof(s));
	s.path = ad->notify_path;
	s.argv = (const char *const *)ad->notify;
	s.input = in->s;
	s.input_len = in->len;
	s.out_max = NOTIFY_OUT_MAX;
	s.timeout_ms = c->k.timeout * 1000;
	s.grace_ms = 1000;
	if (spawn_run(&s, &r, e) < 0)
		return err_prefix(e, "%s: notify", c->k.url);
	if (!r.exited || r.code) {
		char how[128];

		spawn_describe(&s, &r, how, sizeof(how));
		err_set(e, ERR_PERMANENT, "%s: notify: %s %s%s%.300s", c->k.url, ad->notify[0], how,
			r.err_len ? ": " : "", r.err_len ? r.err : "");
		spawn_result_release(&r);
		return -1;
	}
	spawn_result_release(&r);
	return 0;
}

static void
wipe_buf(struct buf *b)
{
	if (b->s)
		sodium_memzero(b->s, b->cap);
	buf_release(b);
}

/* The password handed to the notify program, waiting for it. 0, or -1 with e set. */
static int
notify(struct connector *c, const struct conn_request *rq, const char *ref, const char *password, struct err *e)
{
	struct buf in = BUF_INIT;
	int ret = notify_input(c, rq, ref, password, &in, e) < 0 ? -1 : notify_run(c, &in, e);

	wipe_buf(&in);
	return ret;
}

/*
 * A notification run on a thread of its own while the next accounts are
 * made: the DC hashing the next password and the program delivering this
 * one overlap. wait() (and close) collect them; one that failed removes its
 * account again, as a notification run in line does, and fails its create.
 */
struct notify_job {
	pthread_t th;
	const struct connector *c;
	struct buf in; /* the document, the password in it: wiped when done */
	size_t tag;
	char guid[AD_GUID_STR_MAX];
	char employee_id[64];
	int rc;
	struct err e;
};

struct late_ad {
	size_t tag;
	struct err e;
};

static void *
notify_main(void *arg)
{
	struct notify_job *j = arg;

	err_init(&j->e);
	j->rc = notify_run(j->c, &j->in, &j->e);
	return NULL;
}

/* Waits for the oldest notification; a failed one removes its account and is kept for wait(). */
static void
notify_collect(struct connector *c, int report)
{
	struct ad *ad = c->ext;
	struct notify_job *j = ad->jobs[0];

	pthread_join(j->th, NULL);
	wipe_buf(&j->in);
	memmove(ad->jobs, ad->jobs + 1, (ad->njobs - 1) * sizeof(*ad->jobs));
	ad->njobs--;
	if (j->rc < 0) {
		/* nobody has its password: no account, so that the next run makes it again */
		char *dn = ad_ref_dn(c, j->guid);
		struct op d = { .kind = OP_DELETE, .dn = dn };
		int rc = conn_ldap_run(c, &d, NULL);

		free(dn);
		err_prefix(&j->e, "%s: the password of %s's new account could not be delivered; the account %s",
			   c->k.url, j->employee_id,
			   rc == LDAP_SUCCESS ? "was removed again"
					      : "could not be removed again (reset its password by hand)");
		if (report) {
			XGROW(ad->late, ad->late_cap, ad->nlate + 1);
			ad->late[ad->nlate].tag = j->tag;
			ad->late[ad->nlate++].e = j->e;
		}
	}
	free(j);
}

/*
 * Hands the password of the new account ref to the notify program on a
 * thread of its own: 0, or -1 with e set when it cannot start (nothing
 * started: the caller notifies in line).
 */
static int
notify_start(struct connector *c, const struct conn_request *rq, const char *ref, const char *password, struct err *e)
{
	struct ad *ad = c->ext;
	struct notify_job *j;

	if (ad->njobs == NOTIFY_INFLIGHT)
		notify_collect(c, 1);
	j = xcalloc(1, sizeof(*j));
	j->c = c;
	j->tag = rq->tag;
	snprintf(j->guid, sizeof(j->guid), "%s", ref);
	snprintf(j->employee_id, sizeof(j->employee_id), "%s", rq->employee_id ? rq->employee_id : "?");
	if (notify_input(c, rq, ref, password, &j->in, e) < 0 || pthread_create(&j->th, NULL, notify_main, j)) {
		wipe_buf(&j->in);
		free(j);
		return -1;
	}
	ad->jobs[ad->njobs++] = j;
	return 0;
}

static int
conn_ad_wait(struct connector *c, const struct conn_late *late, struct err *e)
{
	struct ad *ad = c->ext;
	int ret;

	while (ad->njobs)
		notify_collect(c, 1);
	ret = conn_ldap_wait(c, late, e);
	for (size_t i = 0; i < ad->nlate; i++)
		late->failed(late->ctx, ad->late[i].tag, &ad->late[i].e);
	ad->nlate = 0;
	return ret;
}

/*
 * The account that holds what a create found taken, when it is this
 * person's (its correlate value): linked as it is, its attributes and state
 * made as the request wants; its password is not touched. 1 adopted (out),
 * 0 not this person's, -1 with e set.
 */
static int
adopt(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	struct arena a = ARENA_INIT;
	struct found f;
	struct conn_request up = *rq;
	struct account_attr *changed;
	struct conn_result moved;
	size_t n = 0;
	int got, enabled, ret = -1;

	if (!rq->correlate || !*rq->correlate)
		return 0;
	memset(&f, 0, sizeof(f));
	f.a = &a;
	if ((got = conn_ldap_find(c, rq->correlate, &f, e)) <= 0) {
		arena_release(&a);
		return got;
	}
	snprintf(out->ref, sizeof(out->ref), "%s", f.obj.ref);
	enabled = f.obj.enabled;
	changed = xcalloc(rq->nattrs + 1, sizeof(*changed));
	for (size_t i = 0; i < rq->nattrs; i++) {
		const char *have = account_attr_find(f.obj.attrs, f.obj.nattrs, rq->attrs[i].name);

		if (!have || strcmp(have, rq->attrs[i].value))
			changed[n++] = rq->attrs[i];
	}
	up.ref = out->ref;
	up.changed = changed;
	up.nchanged = n;
	if ((!n || conn_ldap_update(c, &up, e) == 0) &&
	    (enabled == rq->enabled || conn_ad_set_enabled(c, &up, rq->enabled, &moved, e) == 0))
		ret = 1;
	free(changed);
	arena_release(&a);
	return ret;
}

/* The value of rq's attribute name (any case), or NULL. */
static const char *
rq_value(const struct conn_request *rq, const char *name)
{
	for (size_t i = 0; i < rq->nattrs; i++)
		if (!strcasecmp(rq->attrs[i].name, name))
			return rq->attrs[i].value;
	return NULL;
}

static int
conn_ad_create(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	struct ad *ad = c->ext;
	struct pending p;
	char password[PASSWORD_LEN_MAX + 1];
	unsigned char upwd[PASSWORD_UNICODEPWD_MAX(PASSWORD_LEN_MAX)];
	char uac[16];
	const char *names[2] = { rq_value(rq, "sAMAccountName"), rq_value(rq, "displayName") };
	size_t base, upwd_len = 0;
	struct one w;
	struct err guid_err;
	int rc = LDAP_OTHER, ret = -1;

	password[0] = '\0';
	err_init(&guid_err);
	if (conn_ldap_add_prepare(c, rq, &p, e) < 0)
		return -1;
	/* the state and the password are the connector's: the mapping's own values of them go */
	base = 0;
	for (size_t i = 0; i < p.npairs; i++)
		if (strcasecmp(p.pairs[i].name, "userAccountControl") && strcasecmp(p.pairs[i].name, "unicodePwd") &&
		    strcasecmp(p.pairs[i].name, "pwdLastSet"))
			p.pairs[base++] = p.pairs[i];
	snprintf(uac, sizeof(uac), "%u", ad_uac_new(rq->enabled));
	p.pairs[base].name = "userAccountControl";
	p.pairs[base].value = uac;
	p.pairs[base++].len = strlen(uac);
	if (ad->must_change) {
		p.pairs[base].name = "pwdLastSet";
		p.pairs[base].value = "0";
		p.pairs[base++].len = 1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		struct add_mods am;
		struct op o = { .kind = OP_ADD, .dn = p.dn };
		int again = 0;

		p.npairs = base;
		if (ad->generate) {
			if (password_generate(password, sizeof(password), (size_t)ad->length, names, 2, e) < 0)
				goto out;
			/* tests: a first password the domain refuses (GIT_TEST_* style; t4110) */
			if (attempt == 0 && getenv("ROSTER_TEST_AD_WEAK_PASSWORD"))
				snprintf(password, sizeof(password), "Ab1-");
			if (password_unicodepwd(password, upwd, sizeof(upwd), &upwd_len, e) < 0)
				goto out;
			p.pairs[p.npairs].name = "unicodePwd";
			p.pairs[p.npairs].value = (const char *)upwd;
			p.pairs[p.npairs++].len = upwd_len;
		}
		conn_ldap_add_mods_init(c, &p, &am);
		o.mods = am.ms.p;
		rc = conn_ldap_run(c, &o, &again);
		conn_ldap_add_mods_release(&am);
		sodium_memzero(upwd, sizeof(upwd));
		if (rc == LDAP_ALREADY_EXISTS && again && conn_ldap_entry_is_account(c, p.dn, p.correlate, e) == 1)
			rc = LDAP_SUCCESS; /* the first try got there before the connection dropped */
		if (rc == LDAP_SUCCESS)
			break;
		{
			struct ad_diag d;

			/* the domain's policy refused the password: another one, once */
			if (ad->generate && attempt == 0 && ad_diag_parse(rc, c->diag, &d) && d.code == 0x52D)
				continue;
		}
		break;
	}
	if (rc != LDAP_SUCCESS) {
		struct ad_diag d;
		int known = ad_diag_parse(rc, c->diag, &d), got;
		struct err le;

		conn_ldap_fail(c, rc, "add", p.dn, e);
		if (rc == LDAP_NO_SUCH_OBJECT)
			e->class = ERR_PERMANENT; /* the OU is missing: no account is "not found" */
		if (rc != LDAP_ALREADY_EXISTS && !(known && d.class == ERR_CONFLICT))
			goto out;
		/* a name taken: this person's account (correlate), adopted; else someone else's */
		err_init(&le);
		if ((got = adopt(c, rq, out, &le)) == 1) {
			err_init(e);
			out->adopted = 1;
			ret = 0;
			goto out;
		}
		if (got < 0)
			*e = le;
		else
			e->class = ERR_PERMANENT,
			err_prefix(e,
				   "another object holds a unique value of the account "
				   "(not this person's: no %s=%s)",
				   c->t->correlate_attribute ? c->t->correlate_attribute : "?",
				   rq->correlate ? rq->correlate : "");
		goto out;
	}
	/*
	 * The ref: the GUID the server gave it. When it cannot be read (the DC
	 * went away just now) the account is there all the same: its password
	 * is delivered still, and the next run links it by its correlate value.
	 */
	memset(&w, 0, sizeof(w));
	if ((rc = read_one(c, p.dn, &w)) != LDAP_SUCCESS || !w.has_guid) {
		conn_ldap_fail(c, rc == LDAP_SUCCESS ? LDAP_NO_SUCH_OBJECT : rc, "read objectGUID of", p.dn, &guid_err);
		w.guid[0] = '\0';
	}
	if (ad->generate && ad->notify && w.guid[0] && notify_start(c, rq, w.guid, password, e) == 0) {
		/* delivered while the next accounts are made (wait collects it) */
		snprintf(out->ref, sizeof(out->ref), "%s", w.guid);
		ret = 0;
		goto out;
	}
	err_init(e);
	if (ad->generate && ad->notify && notify(c, rq, w.guid, password, e) < 0) {
		/* nobody has its password: no account, so that the next run makes it again */
		char *dn = w.guid[0] ? ad_ref_dn(c, w.guid) : xstrdup(p.dn);
		struct op d = { .kind = OP_DELETE, .dn = dn };

		rc = conn_ldap_run(c, &d, NULL);
		free(dn);
		err_prefix(e, "%s: the password of %s's new account could not be delivered; the account %s", c->k.url,
			   rq->employee_id ? rq->employee_id : "?",
			   rc == LDAP_SUCCESS ? "was removed again"
					      : "could not be removed again (reset its password by hand)");
		goto out;
	}
	if (!w.guid[0]) {
		*e = guid_err;
		e->class = ERR_TRANSIENT; /* the next run finds it by its correlate value */
		err_prefix(e, "the account was made%s, but",
			   ad->generate && ad->notify ? " and its password delivered" : "");
		goto out;
	}
	snprintf(out->ref, sizeof(out->ref), "%s", w.guid);
	ret = 0;
out:
	sodium_memzero(password, sizeof(password));
	sodium_memzero(upwd, sizeof(upwd));
	return ret;
}

/*
 * A new initial password for the account at ref when no one has used it:
 * its password is still to be changed (pwdLastSet 0) and nobody has logged
 * on with it. Its first one may have gone with a create whose answer never
 * came (the DC went away after the add), and then nobody has it. 0 (a new
 * one set and delivered, or nothing to do), or -1 with e set.
 */
static int
renew_if_unused(struct connector *c, const struct conn_request *rq, const char *ref, struct err *e)
{
	struct ad *ad = c->ext;
	char *names[] = { (char *)"pwdLastSet", (char *)"logonCount", (char *)"lastLogonTimestamp", NULL };
	char *dn = ad_ref_dn(c, ref);
	const char *pls, *count;
	char password[PASSWORD_LEN_MAX + 1];
	unsigned char upwd[PASSWORD_UNICODEPWD_MAX(PASSWORD_LEN_MAX)];
	const char *pnames[2] = { rq_value(rq, "sAMAccountName"), rq_value(rq, "displayName") };
	size_t upwd_len = 0;
	struct one w;
	int rc, ret = -1;

	password[0] = '\0';
	memset(&w, 0, sizeof(w));
	w.attrs = json_object();
	w.names = names;
	if ((rc = read_one(c, dn, &w)) != LDAP_SUCCESS) {
		conn_ldap_fail(c, rc, "read", dn, e);
		goto out;
	}
	pls = json_string_value(json_object_get(w.attrs, "pwdLastSet"));
	count = json_string_value(json_object_get(w.attrs, "logonCount"));
	if (!pls || strcmp(pls, "0") || (count && strcmp(count, "0")) ||
	    json_object_get(w.attrs, "lastLogonTimestamp")) {
		ret = 0; /* used, or its password set since: it is someone's */
		goto out;
	}
	if (password_generate(password, sizeof(password), (size_t)ad->length, pnames, 2, e) < 0 ||
	    password_unicodepwd(password, upwd, sizeof(upwd), &upwd_len, e) < 0)
		goto out;
	{
		struct berval pv = { upwd_len, (char *)upwd }, *pvs[2] = { &pv, NULL };
		struct berval zv = { 1, (char *)"0" }, *zvs[2] = { &zv, NULL };
		LDAPMod pm = { LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, (char *)"unicodePwd", { .modv_bvals = pvs } };
		LDAPMod zm = { LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, (char *)"pwdLastSet", { .modv_bvals = zvs } };
		LDAPMod *mods[3] = { &pm, ad->must_change ? &zm : NULL, NULL };
		struct op o = { .kind = OP_MODIFY, .dn = dn, .mods = mods };

		rc = conn_ldap_run(c, &o, NULL);
		sodium_memzero(upwd, sizeof(upwd));
		if (rc != LDAP_SUCCESS) {
			conn_ldap_fail(c, rc, "set a new initial password of", dn, e);
			goto out;
		}
	}
	if (notify(c, rq, ref, password, e) < 0) {
		err_prefix(e,
			   "%s: %s's account was taken over and given a new initial password, which could not be "
			   "delivered (reset it by hand)",
			   c->k.url, rq->employee_id ? rq->employee_id : "?");
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(password, sizeof(password));
	sodium_memzero(upwd, sizeof(upwd));
	json_decref(w.attrs);
	free(dn);
	return ret;
}

/* connector.h adopt: update and set_enabled, and a password for an account no one has used (renew_if_unused). */
static int
conn_ad_adopt(struct connector *c, const struct conn_request *rq, const struct conn_object *found,
	      struct conn_result *out, struct err *e)
{
	struct ad *ad = c->ext;
	int enabled = found->enabled; /* (found lives until the next call on c) */
	char ref[sizeof(out->ref)];

	out->ref[0] = '\0';
	snprintf(ref, sizeof(ref), "%s", rq->ref ? rq->ref : "");
	if (rq->nchanged && conn_ldap_update(c, rq, e) < 0)
		return -1;
	if (enabled != rq->enabled && conn_ad_set_enabled(c, rq, rq->enabled, out, e) < 0)
		return -1;
	if (ad->generate && ad->notify && *ref)
		return renew_if_unused(c, rq, out->ref[0] ? out->ref : ref, e);
	return 0;
}

const struct connector_ops connector_ad = {
	.name = "ad",
	.check = conn_ad_check,
	.open = conn_ad_open,
	.close = conn_ad_close,
	.lookup = conn_ldap_lookup,
	.list = conn_ldap_list,
	.create = conn_ad_create,
	.update = conn_ldap_update,
	.set_enabled = conn_ad_set_enabled,
	.move = conn_ad_move,
	.remove = conn_ldap_remove,
	.permission = conn_ldap_permission,
	.prefetch = conn_ldap_prefetch,
	.wait = conn_ad_wait,
	.taken = conn_ldap_taken,
	.adopt = conn_ad_adopt,
};
