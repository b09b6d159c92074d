/*
 * The scim connector: accounts as Users, permissions as Groups of a SCIM
 * 2.0 service provider (RFC 7643, RFC 7644), over HTTP with libcurl and
 * JSON with jansson. An account's ref is its SCIM id.
 *
 * What must hold:
 * - an attribute is named by a SCIM attribute path (scim_path.h), parsed
 *   when the target is checked; a value is only ever a JSON string in a
 *   body or a JSON literal in a filter, so no value becomes syntax;
 * - the provider's /ServiceProviderConfig is read once, before the first
 *   change: a change is a PATCH of exactly what changed where it says
 *   patch is supported, else a PUT of the whole resource as the provider
 *   has it with the change made; where it says it has ETags, a change
 *   names the version last seen (If-Match) and a provider that answers 412
 *   gets the change again, made against what it has now;
 * - every request has a time limit (timeout) and keeps to rate_limit; a
 *   provider that answers 429 or 503 with Retry-After is waited for (up to
 *   WAIT_MAX seconds, BUSY_TRIES times) and asked again;
 * - what fails is mapped to roster's classes in one place (scim_fail):
 *   timeouts, a provider that cannot be reached, 429 and 5xx are
 *   ERR_TRANSIENT (apply tries again), 404 ERR_NOTFOUND, 409 ERR_CONFLICT,
 *   the rest ERR_PERMANENT, with what the provider's error says (detail);
 * - every operation can be repeated after a crash or a retry with the same
 *   end state: a create that meets 409 adopts the user that is there when
 *   it is this person's (by the correlate value, or by a userName no other
 *   person holds), a member added twice or removed when absent is no
 *   error;
 * - no secret (bearer token, password, client secret, access token)
 *   reaches a message: libcurl sends them, and they are wiped on close.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "connector/connector.h"
#include "connector/scim_path.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/strmap.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define TIMEOUT_DEFAULT 30	    /* seconds, for connecting and for each request */
#define BODY_MAX ((size_t)32 << 20) /* bytes of one response */
#define PAGE_DEFAULT 100	    /* resources per page when listing */
#define WAIT_MAX 120		    /* seconds of one Retry-After roster waits for */
#define BUSY_TRIES 3		    /* 429/503 with Retry-After: asked again this many times */
#define TOKEN_MAX 8192		    /* bytes of an OAuth 2.0 access token */
#define PATCHOP "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#define INFLIGHT 8	      /* requests in flight at once (creates, prefetch searches) */
#define PREFETCH_CHUNK 50     /* correlate values per prefetch search (its URL stays under ~8 KiB) */
#define LATE_TRIES 3	      /* a pipelined request that failed transiently: sent this many times */
#define DOWN_AFTER 3	      /* pipelined requests without an answer in a row: the rest go one at a time */
#define MEMBERS_PER_PATCH 500 /* new members of one group in one PATCH */

enum auth_kind { AUTH_BEARER, AUTH_BASIC, AUTH_OAUTH2 };

struct scim_keys {
	char *url; /* the base, without a trailing '/' */
	enum auth_kind auth;
	char *token;		     /* bearer (wiped) */
	char *user, *password;	     /* basic (password wiped) */
	char *token_url, *client_id; /* oauth2 */
	char *client_secret;	     /* (wiped) */
	char *scope;		     /* NULL: none asked for */
	char *ca_file;		     /* resolved against the config's folder */
	int insecure;
	double interval; /* rate_limit: seconds between the starts of two requests; 0: no limit */
	long timeout;
	int create_missing;
};

/* A sent attribute, with its path. */
struct attr_path {
	const char *name; /* as roster.yaml spells it */
	struct scim_path p;
};

/* What the provider says of itself (/ServiceProviderConfig). */
struct provider {
	int read;
	int patch, etag;
	long page;
};

/* One HTTP answer. */
struct resp {
	long status;
	struct buf body;
	int too_big;
	char etag[256];
	char retry_after[128];
	char location[1024];
};

struct connector {
	const struct cfg_target *t;
	struct scim_keys k;
	CURL *h;  /* the SCIM requests (one connection, kept) */
	CURL *th; /* the token endpoint's (oauth2) */
	char curl_err[CURL_ERROR_SIZE];
	struct attr_path *paths;
	size_t npaths;
	struct attr_path corr; /* the correlate attribute (name NULL: none) */
	struct provider sp;
	char *access; /* oauth2: the access token (wiped) */
	double access_until;
	double next_at; /* rate_limit: when the next request may start */
	/* ETags: the version of each resource last seen (only when the provider has them) */
	struct strmap ver_idx; /* id -> index into ver */
	char **ver;
	size_t nver, ver_cap;
	struct arena ver_keys;
	/* group ids by displayName, as found or made in this run */
	struct strmap group_idx;
	char **group_id;
	size_t ngroups, groups_cap;
	struct arena group_keys;
	/* what lookup hands out, until the next call */
	struct arena view;
	/* pipelining: requests sent and not answered yet (pipe.h below) */
	CURLM *m;
	struct slot *slots; /* INFLIGHT of them */
	size_t nrunning;
	struct job **q; /* waiting to be sent (new, or again after a wait) */
	size_t nq, q_cap;
	struct job **conflicts; /* creates that met 409: adopted at the barrier */
	size_t nconflicts, conflicts_cap;
	struct late_ev *late; /* what wait() reports */
	size_t nlate, late_cap;
	struct strmap created; /* employee_id -> index into created_id: users made this batch */
	char **created_id;
	size_t ncreated, created_cap;
	struct arena created_keys;
	struct gathered *gath; /* grants gathered until the barrier: one PATCH per group */
	size_t ngath, gath_cap;
	int fails_row, down; /* pipelined requests without any answer in a row; down: one at a time */
	/* prefetch: the users of a batch's correlate values, found with a few searches */
	int pf_on;
	struct strmap pf; /* lowercased value -> index into pf_hits */
	struct pf_hit *pf_hits;
	size_t npf, pf_cap;
	struct arena pf_keys;
	int pf_bad; /* a search's answer that cannot be used: lookups ask one by one */
	struct err pf_err;
};

static int curl_ready;

static void settle(struct connector *c);
static const char *ref_of(struct connector *c, const struct conn_request *rq);

/* ---- small things ---- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0)
		;
}

static void
wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static const char *
reason(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "";
}

/* ---- the keys ---- */

static void
keys_release(struct scim_keys *k)
{
	free(k->url);
	wipe_free(k->token);
	free(k->user);
	wipe_free(k->password);
	free(k->token_url);
	free(k->client_id);
	wipe_free(k->client_secret);
	free(k->scope);
	free(k->ca_file);
	memset(k, 0, sizeof(*k));
}

/* A value that goes into an HTTP header must be one line. */
static int
one_line(const char *s)
{
	return !strpbrk(s, "\r\n");
}

/*
 * url as a base for requests: http:// or https:// with a host, no query
 * or fragment; http:// only to this machine (credentials would cross the
 * network in the clear). NULL with why filled.
 */
static char *
read_url(const char *s, char *why, size_t whylen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *query = NULL, *frag = NULL, *ret = NULL;
	size_t n;

	if (!u || curl_url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || strchr(s, ' ')) {
		snprintf(why, whylen, "\"%s\" is not a URL (expected https://host/scim/v2)", s);
		goto out;
	}
	if (strcasecmp(scheme, "https") && strcasecmp(scheme, "http")) {
		snprintf(why, whylen, "\"%s\" is not an http:// or https:// URL", s);
		goto out;
	}
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	if (query || frag) {
		snprintf(why, whylen, "\"%s\": expected a URL without ? or #", s);
		goto out;
	}
	if (!strcasecmp(scheme, "http") && strcmp(host, "localhost") && strncmp(host, "127.", 4) &&
	    strcmp(host, "[::1]")) {
		snprintf(
			why, whylen,
			"\"%s\": http:// sends the credentials in the clear (expected https://, or http:// to this machine only)",
			s);
		goto out;
	}
	ret = xstrdup(s);
	n = strlen(ret);
	while (n > 0 && ret[n - 1] == '/')
		ret[--n] = '\0';
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return ret;
}

/* A mapping's sub-keys: each one of names, else an error naming the stranger. */
static int
check_subkeys(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, const char *what,
	      json_t *v, const char *const *names, size_t n, const char *expected, struct err *e)
{
	const char *key;
	json_t *x;

	if (!json_is_object(v))
		return conn_key_error(cfg, t, o, e, "%s%sexpected a mapping (%s), found a %s", what, *what ? ": " : "",
				      expected, json_is_array(v) ? "list" : "value");
	json_object_foreach(v, key, x)
	{
		size_t i;

		for (i = 0; i < n && strcmp(names[i], key); i++)
			;
		if (i == n)
			return conn_key_error(cfg, t, o, e, "%s%sunknown key \"%s\" (expected %s)", what,
					      *what ? ": " : "", key, expected);
	}
	return 0;
}

/* The string sub-key name of v, required or not: *out malloc'd (NULL when absent and not required). */
static int
sub_str(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, const char *what, json_t *v,
	const char *name, int required, char **out, struct err *e)
{
	json_t *x = json_object_get(v, name);

	*out = NULL;
	if (!x) {
		if (required)
			return conn_key_error(cfg, t, o, e, "%s: missing key \"%s\"", what, name);
		return 0;
	}
	if (!json_is_string(x) || !*json_string_value(x))
		return conn_key_error(cfg, t, o, e, "%s: %s: expected a value that is not empty", what, name);
	if (!one_line(json_string_value(x)))
		return conn_key_error(cfg, t, o, e, "%s: %s: expected one line", what, name);
	*out = xstrdup(json_string_value(x));
	return 0;
}

static int
read_auth(const struct config *cfg, const struct cfg_target *t, struct scim_keys *k, struct err *e)
{
	static const char *const akeys[] = { "bearer", "basic", "oauth2" };
	static const char *const bkeys[] = { "user", "password" };
	static const char *const okeys[] = { "token_url", "client_id", "client_secret", "scope" };
	const struct cfg_option *o = cfg_target_option(t, "auth");
	const char *expected = "{bearer: TOKEN}, {basic: {user, password}} or {oauth2: {token_url, client_id, "
			       "client_secret, scope}}";
	json_t *v;
	char why[512];

	if (!o)
		return conn_key_error(cfg, t, NULL, e, "missing key \"auth\" (expected %s)", expected);
	if (check_subkeys(cfg, t, o, "", o->value, akeys, 3, "bearer, basic or oauth2", e) < 0)
		return -1;
	if (json_object_size(o->value) != 1)
		return conn_key_error(cfg, t, o, e, "expected one of bearer, basic or oauth2, found %zu",
				      json_object_size(o->value));
	if ((v = json_object_get(o->value, "bearer"))) {
		k->auth = AUTH_BEARER;
		if (!json_is_string(v) || !*json_string_value(v) || !one_line(json_string_value(v)))
			return conn_key_error(cfg, t, o, e, "bearer: expected the token (one line, not empty)");
		k->token = xstrdup(json_string_value(v));
	} else if ((v = json_object_get(o->value, "basic"))) {
		k->auth = AUTH_BASIC;
		if (check_subkeys(cfg, t, o, "basic", v, bkeys, 2, "user, password", e) < 0 ||
		    sub_str(cfg, t, o, "basic", v, "user", 1, &k->user, e) < 0 ||
		    sub_str(cfg, t, o, "basic", v, "password", 1, &k->password, e) < 0)
			return -1;
		if (strchr(k->user, ':'))
			return conn_key_error(cfg, t, o, e, "basic: user: \"%s\" has a ':' (HTTP Basic cannot send it)",
					      k->user);
	} else {
		v = json_object_get(o->value, "oauth2");
		k->auth = AUTH_OAUTH2;
		if (check_subkeys(cfg, t, o, "oauth2", v, okeys, 4, "token_url, client_id, client_secret, scope", e) <
			    0 ||
		    sub_str(cfg, t, o, "oauth2", v, "token_url", 1, &k->token_url, e) < 0 ||
		    sub_str(cfg, t, o, "oauth2", v, "client_id", 1, &k->client_id, e) < 0 ||
		    sub_str(cfg, t, o, "oauth2", v, "client_secret", 1, &k->client_secret, e) < 0 ||
		    sub_str(cfg, t, o, "oauth2", v, "scope", 0, &k->scope, e) < 0)
			return -1;
		{
			char *u = read_url(k->token_url, why, sizeof(why));

			if (!u)
				return conn_key_error(cfg, t, o, e, "oauth2: token_url: %s", why);
			free(k->token_url);
			k->token_url = u;
		}
	}
	return 0;
}

/* "20/s", "600/m", "600/min", "3600/h": seconds between two requests into *out. */
static int
read_rate(const struct config *cfg, const struct cfg_target *t, struct scim_keys *k, struct err *e)
{
	const struct cfg_option *o = cfg_target_option(t, "rate_limit");
	const char *s;
	char *end;
	long n;
	double per;

	if (conn_key_str(cfg, t, "rate_limit", &s, e) < 0)
		return -1;
	if (!s)
		return 0;
	n = strtol(s, &end, 10);
	if (end == s || n < 1 || n > 100000 || *end != '/')
		goto bad;
	end++;
	if (!strcmp(end, "s"))
		per = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		per = 60;
	else if (!strcmp(end, "h"))
		per = 3600;
	else
		goto bad;
	k->interval = per / (double)n;
	return 0;
bad:
	return conn_key_error(cfg, t, o, e,
			      "\"%s\" is not a rate (expected requests per time, as in 20/s, 600/m or 1000/h)", s);
}

static int
keys_read(const struct config *cfg, const struct cfg_target *t, struct scim_keys *k, struct err *e)
{
	static const char *const gkeys[] = { "create_missing" };
	const struct cfg_option *o;
	const char *s;
	char why[512];

	memset(k, 0, sizeof(*k));
	k->timeout = TIMEOUT_DEFAULT;
	if (conn_key_str(cfg, t, "url", &s, e) < 0)
		goto fail;
	if (!s) {
		conn_key_error(
			cfg, t, NULL, e,
			"missing key \"url\" (expected the service provider's base URL, as in https://app.example.com/scim/v2)");
		goto fail;
	}
	if (!(k->url = read_url(s, why, sizeof(why)))) {
		conn_key_error(cfg, t, cfg_target_option(t, "url"), e, "%s", why);
		goto fail;
	}
	if (read_auth(cfg, t, k, e) < 0)
		goto fail;
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
	if ((o = cfg_target_option(t, "insecure")) && conn_key_bool(cfg, t, o, "", o->value, &k->insecure, e) < 0)
		goto fail;
	if (read_rate(cfg, t, k, e) < 0)
		goto fail;
	if (conn_key_str(cfg, t, "timeout", &s, e) < 0)
		goto fail;
	if (s) {
		char *end;
		long v = strtol(s, &end, 10);

		if (!*s || *end || v < 1 || v > 3600) {
			conn_key_error(cfg, t, cfg_target_option(t, "timeout"), e,
				       "\"%s\" is not a whole number from 1 to 3600 (seconds)", s);
			goto fail;
		}
		k->timeout = v;
	}
	if ((o = cfg_target_option(t, "groups"))) {
		json_t *v;

		if (check_subkeys(cfg, t, o, "", o->value, gkeys, 1, "create_missing", e) < 0)
			goto fail;
		if ((v = json_object_get(o->value, "create_missing")) &&
		    conn_key_bool(cfg, t, o, "create_missing", v, &k->create_missing, e) < 0)
			goto fail;
	}
	return 0;
fail:
	keys_release(k);
	return -1;
}

/* Attributes that are the provider's, or roster's own business. */
static const char *
reserved(const struct scim_path *p)
{
	static const struct {
		const char *name, *why;
	} r[] = {
		{ "id", "the account's ref, given by the provider" },
		{ "meta", "the provider's" },
		{ "schemas", "roster sets it from the attributes' schemas" },
		{ "groups", "read-only; permissions are Groups (rules: group:)" },
		{ "active", "roster sets it when it enables and disables the account" },
		{ "dn", "scim has no entry names: an account is known by its id" },
	};

	if (p->urn)
		return NULL;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (!strcasecmp(p->attr, r[i].name))
			return r[i].why;
	return NULL;
}

static int
compile_path(const struct config *cfg, const struct cfg_target *t, const char *name, struct cfg_pos pos,
	     struct scim_path *p, struct err *e)
{
	char why[512];
	const char *r;

	if (scim_path_parse(name, p, why, sizeof(why)) < 0)
		return err_set(e, ERR_CONFIG, "%s:%d:%d: target \"%s\": attribute %s (expected a SCIM attribute path)",
			       cfg->file, pos.line, pos.col, t->name, why);
	if ((r = reserved(p)))
		return err_set(e, ERR_CONFIG, "%s:%d:%d: target \"%s\": attribute \"%s\" cannot be mapped: %s",
			       cfg->file, pos.line, pos.col, t->name, name, r);
	if (scim_path_multi_unselected(p))
		return err_set(
			e, ERR_CONFIG,
			"%s:%d:%d: target \"%s\": attribute \"%s\" is multi-valued: say which value with a filter, as in %s[type eq \"work\"].value",
			cfg->file, pos.line, pos.col, t->name, name, p->attr);
	return 0;
}

/* The sent attributes' paths and the correlate attribute's; 0, or -1 with e set. */
static int
compile_paths(const struct config *cfg, const struct cfg_target *t, struct connector *c, struct err *e)
{
	c->paths = xcalloc(t->nattrs + 1, sizeof(*c->paths));
	for (size_t i = 0; i < t->nattrs; i++) {
		if (!t->attrs[i].send)
			continue;
		if (compile_path(cfg, t, t->attrs[i].name, t->attrs[i].pos, &c->paths[c->npaths].p, e) < 0) {
			scim_path_release(&c->paths[c->npaths].p);
			return -1;
		}
		c->paths[c->npaths++].name = t->attrs[i].name;
	}
	if (!t->correlate_attribute)
		return err_set(
			e, ERR_CONFIG,
			"%s:%d:%d: target \"%s\": missing key \"correlate\" (a scim target finds its users by it, as in {attribute: userName, field: …} or {attribute: \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber\", field: employee_id})",
			cfg->file, t->pos.line, t->pos.col, t->name);
	if (compile_path(cfg, t, t->correlate_attribute, t->pos, &c->corr.p, e) < 0)
		return -1;
	c->corr.name = t->correlate_attribute;
	return 0;
}

static void
paths_release(struct connector *c)
{
	for (size_t i = 0; i < c->npaths; i++)
		scim_path_release(&c->paths[i].p);
	free(c->paths);
	c->paths = NULL;
	c->npaths = 0;
	scim_path_release(&c->corr.p);
}

static int
conn_scim_check(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	struct connector c;
	int ret;

	memset(&c, 0, sizeof(c));
	if (keys_read(cfg, t, &c.k, e) < 0)
		return -1;
	ret = compile_paths(cfg, t, &c, e);
	paths_release(&c);
	keys_release(&c.k);
	return ret;
}

/* ---- HTTP ---- */

static void
resp_reset(struct resp *r)
{
	r->status = 0;
	buf_reset(&r->body);
	r->too_big = 0;
	r->etag[0] = r->retry_after[0] = r->location[0] = '\0';
}

static void
resp_release(struct resp *r)
{
	buf_release(&r->body);
}

static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;

	if (r->body.len + n > BODY_MAX) {
		r->too_big = 1;
		return 0; /* libcurl stops: CURLE_WRITE_ERROR */
	}
	buf_add(&r->body, p, n);
	(void)size;
	return n;
}

/* Copies a header's value (without its line end) into out, when it is name. */
static void
header_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name), k;

	if (n <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
		return;
	line += nl + 1;
	n -= nl + 1;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	k = n < outlen - 1 ? n : outlen - 1;
	memcpy(out, line, k);
	out[k] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;

	(void)size;
	if (n >= 5 && !strncmp(p, "HTTP/", 5)) { /* a new response (after a 100 Continue) */
		r->etag[0] = r->retry_after[0] = r->location[0] = '\0';
		return n;
	}
	header_value(p, n, "ETag", r->etag, sizeof(r->etag));
	header_value(p, n, "Retry-After", r->retry_after, sizeof(r->retry_after));
	header_value(p, n, "Location", r->location, sizeof(r->location));
	return n;
}

/* Options both handles share: time limits, TLS, what libcurl may do. */
static int
handle_setup(struct connector *c, CURL *h)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                                                                  \
	do {                                                                                                           \
		if (rc == CURLE_OK)                                                                                    \
			rc = curl_easy_setopt(h, opt, val);                                                            \
	} while (0)
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT, c->k.timeout);
	SET(CURLOPT_CONNECTTIMEOUT, c->k.timeout);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L); /* credentials go to the configured host only */
	SET(CURLOPT_USERAGENT, "roster");
	SET(CURLOPT_ERRORBUFFER, c->curl_err);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	if (c->k.ca_file)
		SET(CURLOPT_CAINFO, c->k.ca_file);
	if (c->k.insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_HEADERFUNCTION, on_header);
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

/* A request that got no HTTP answer: the one place curl's codes become roster's classes. */
static int
transport_fail(struct connector *c, const char *url, const char *what, CURLcode rc, const struct resp *r, struct err *e)
{
	enum err_class cls = ERR_TRANSIENT;
	const char *hint = "";

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
		cls = ERR_PERMANENT;
		hint = " (TLS: the server's certificate must be from a CA of ca_file, or the system's, and name the "
		       "host of url; insecure: true turns the check off)";
		break;
	case CURLE_SSL_CONNECT_ERROR: hint = " (TLS handshake: is it an https:// server?)"; break;
	case CURLE_WRITE_ERROR:
		if (r->too_big) {
			cls = ERR_PERMANENT;
			return err_set(e, cls, "%s: %s: an answer longer than %zu bytes", url, what, BODY_MAX);
		}
		break;
	case CURLE_OPERATION_TIMEDOUT:
		return err_set(e, cls, "%s: %s: no answer in %ld s (timeout)", url, what, c->k.timeout);
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL: cls = ERR_PERMANENT; break;
	default: break;
	}
	return err_set(e, cls, "%s: %s: %s%s", url, what, c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc), hint);
}

/* An HTTP answer that is a failure: the one place statuses become roster's classes. */
static int
scim_fail(struct connector *c, const char *what, const struct resp *r, struct err *e)
{
	struct scim_error se;
	enum err_class cls;
	const char *hint = "";

	scim_error_parse(r->body.s ? r->body.s : "", r->body.len, &se);
	switch (r->status) {
	case 401:
		cls = ERR_PERMANENT;
		hint = "; the provider refused roster's credentials (auth:)";
		break;
	case 403:
		cls = ERR_PERMANENT;
		hint = "; roster's credentials may not do this";
		break;
	case 404: cls = ERR_NOTFOUND; break;
	case 409: cls = ERR_CONFLICT; break;
	case 408:
	case 412: /* changed again and again under roster's hands */
	case 429: cls = ERR_TRANSIENT; break;
	default: cls = r->status >= 500 && r->status != 501 && r->status != 505 ? ERR_TRANSIENT : ERR_PERMANENT;
	}
	if (r->status == 429 || r->status == 503) {
		if (!r->retry_after[0])
			hint = "; no Retry-After";
		else if (scim_retry_after(r->retry_after, time(NULL)) > WAIT_MAX)
			hint = "; its Retry-After is longer than roster waits (120 s)";
		else
			hint = "; still so after waiting as Retry-After asked, 3 times";
	}
	return err_set(e, cls, "%s: %s: %ld %s%s%s%s%s%s%s", c->k.url, what, r->status, reason(r->status),
		       se.detail[0] ? ": " : "", se.detail, se.type[0] ? " (scimType " : "", se.type,
		       se.type[0] ? ")" : "", hint);
}

/* rate_limit: waits until the next request may start. */
static void
rate_wait(struct connector *c)
{
	double t;

	if (c->k.interval <= 0)
		return;
	t = now_s();
	if (c->next_at > t) {
		sleep_s(c->next_at - t);
		t = c->next_at;
	}
	c->next_at = t + c->k.interval;
}

/* oauth2: an access token from the token endpoint (client credentials, RFC 6749 section 4.4). */
static int
token_get(struct connector *c, struct err *e)
{
	struct resp r = { 0 };
	struct buf form = BUF_INIT;
	json_t *doc = NULL, *tok, *type, *exp;
	char *id = NULL, *secret = NULL;
	CURLcode rc;
	int ret = -1;
	double ttl = 3600;

	if (c->access && now_s() < c->access_until)
		return 0;
	wipe_free(c->access);
	c->access = NULL;
	if (!c->th) {
		if (!(c->th = curl_easy_init()) || handle_setup(c, c->th) < 0)
			return err_set(e, ERR_INTERNAL, "%s: libcurl cannot start", c->k.token_url);
	}
	/* RFC 6749 section 2.3.1: the client's id and secret form-encoded, then HTTP Basic */
	id = curl_easy_escape(c->th, c->k.client_id, 0);
	secret = curl_easy_escape(c->th, c->k.client_secret, 0);
	buf_adds(&form, "grant_type=client_credentials");
	if (c->k.scope) {
		char *s = curl_easy_escape(c->th, c->k.scope, 0);

		buf_addf(&form, "&scope=%s", s ? s : "");
		curl_free(s);
	}
	if (!id || !secret || curl_easy_setopt(c->th, CURLOPT_URL, c->k.token_url) != CURLE_OK ||
	    curl_easy_setopt(c->th, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK ||
	    curl_easy_setopt(c->th, CURLOPT_USERNAME, id) != CURLE_OK ||
	    curl_easy_setopt(c->th, CURLOPT_PASSWORD, secret) != CURLE_OK ||
	    curl_easy_setopt(c->th, CURLOPT_POSTFIELDS, form.s) != CURLE_OK ||
	    curl_easy_setopt(c->th, CURLOPT_WRITEDATA, &r) != CURLE_OK ||
	    curl_easy_setopt(c->th, CURLOPT_HEADERDATA, &r) != CURLE_OK) {
		err_set(e, ERR_INTERNAL, "%s: libcurl refused an option", c->k.token_url);
		goto out;
	}
	c->curl_err[0] = '\0';
	if ((rc = curl_easy_perform(c->th)) != CURLE_OK) {
		transport_fail(c, c->k.token_url, "oauth2 token", rc, &r, e);
		goto out;
	}
	curl_easy_getinfo(c->th, CURLINFO_RESPONSE_CODE, &r.status);
	if (r.status != 200) {
		struct scim_error se;

		scim_error_parse(r.body.s ? r.body.s : "", r.body.len, &se);
		err_set(e, r.status >= 500 || r.status == 429 ? ERR_TRANSIENT : ERR_PERMANENT,
			"%s: oauth2 token: %ld %s%s%s%s%s%s%s", c->k.token_url, r.status, reason(r.status),
			se.detail[0] ? ": " : "", se.detail, se.type[0] ? " (" : "", se.type, se.type[0] ? ")" : "",
			r.status == 400 || r.status == 401
				? "; the token endpoint refused roster's client_id and client_secret"
				: "");
		goto out;
	}
	doc = json_loadb(r.body.s ? r.body.s : "", r.body.len, 0, NULL);
	tok = json_object_get(doc, "access_token");
	type = json_object_get(doc, "token_type");
	exp = json_object_get(doc, "expires_in");
	if (!json_is_string(tok) || !json_string_length(tok) || json_string_length(tok) > TOKEN_MAX ||
	    strlen(json_string_value(tok)) != json_string_length(tok) || !one_line(json_string_value(tok)) ||
	    (type && (!json_is_string(type) || strcasecmp(json_string_value(type), "bearer")))) {
		err_set(e, ERR_PERMANENT, "%s: oauth2 token: the answer holds no bearer access_token", c->k.token_url);
		goto out;
	}
	if (json_is_integer(exp) && json_integer_value(exp) > 0)
		ttl = (double)json_integer_value(exp);
	c->access = xstrdup(json_string_value(tok));
	/* renewed a little before it runs out */
	c->access_until = now_s() + ttl - (ttl > 300 ? 30 : ttl / 10);
	if (curl_easy_setopt(c->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_XOAUTH2_BEARER, c->access) != CURLE_OK) {
		err_set(e, ERR_INTERNAL, "%s: libcurl refused the bearer token", c->k.url);
		goto out;
	}
	ret = 0;
out:
	if (doc) {
		/* the token's copy in the document */
		tok = json_object_get(doc, "access_token");
		if (json_is_string(tok))
			explicit_bzero((char *)json_string_value(tok), json_string_length(tok));
		json_decref(doc);
	}
	if (r.body.s)
		explicit_bzero(r.body.s, r.body.len);
	resp_release(&r);
	buf_release(&form);
	curl_free(id);
	curl_free(secret);
	return ret;
}

/*
 * One request: method on path (relative to url, its query escaped
 * already), with body (JSON; NULL: none) and If-Match if_match (NULL:
 * none). Waits for rate_limit, and for a provider that asks to wait
 * (429/503 with Retry-After); takes a new oauth2 token once when the
 * provider refuses the one it has. 0 with *r (any status), or -1 with e
 * set when no answer came. what names the request in messages.
 */
static int
http(struct connector *c, const char *method, const char *path, const char *body, const char *if_match,
     const char *what, struct resp *r, struct err *e)
{
	struct buf url = BUF_INIT, im = BUF_INIT;
	struct curl_slist *hdrs = NULL;
	int busy = 0, reauth = 0, ret = -1;

	buf_addf(&url, "%s%s", c->k.url, path);
	hdrs = curl_slist_append(hdrs, "Accept: application/scim+json, application/json");
	hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
	if (body)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/scim+json; charset=utf-8");
	if (if_match && *if_match && one_line(if_match)) {
		buf_addf(&im, "If-Match: %s", if_match);
		hdrs = curl_slist_append(hdrs, im.s);
	}
	for (;;) {
		CURLcode rc = CURLE_OK;

		if (c->k.auth == AUTH_OAUTH2 && token_get(c, e) < 0)
			goto out;
		rate_wait(c);
		resp_reset(r);
		c->curl_err[0] = '\0';
		curl_easy_setopt(c->h, CURLOPT_URL, url.s);
		curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c->h, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(c->h, CURLOPT_HEADERDATA, r);
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, NULL);
		if (body) {
			curl_easy_setopt(c->h, CURLOPT_POST, 1L);
			curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		} else {
			curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
		}
		if (strcmp(method, body ? "POST" : "GET"))
			curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
		if ((rc = curl_easy_perform(c->h)) != CURLE_OK) {
			transport_fail(c, c->k.url, what, rc, r, e);
			goto out;
		}
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &r->status);
		c->fails_row = c->down = 0; /* it answers: requests may go in flight again */
		if (r->status == 401 && c->k.auth == AUTH_OAUTH2 && !reauth++) {
			c->access_until = 0; /* expired early, or revoked: a new one */
			continue;
		}
		if ((r->status == 429 || r->status == 503) && r->retry_after[0] && busy < BUSY_TRIES) {
			long wait = scim_retry_after(r->retry_after, time(NULL));

			if (wait >= 0 && wait <= WAIT_MAX) {
				busy++;
				sleep_s((double)wait);
				/* the requests after this one keep the pace the provider asked for */
				c->next_at = now_s();
				continue;
			}
		}
		break;
	}
	ret = 0;
out:
	curl_slist_free_all(hdrs);
	buf_release(&url);
	buf_release(&im);
	return ret;
}

/* The body of r as JSON: the document (json_decref it), or NULL with e set. */
static json_t *
resp_json(struct connector *c, const char *what, const struct resp *r, struct err *e)
{
	json_error_t je;
	json_t *doc = json_loadb(r->body.s ? r->body.s : "", r->body.len, 0, &je);

	if (!doc)
		err_set(e, ERR_PERMANENT, "%s: %s: %ld: the answer is not JSON (%s)", c->k.url, what, r->status,
			je.text);
	else if (!json_is_object(doc)) {
		json_decref(doc);
		doc = NULL;
		err_set(e, ERR_PERMANENT, "%s: %s: %ld: the answer is not a JSON object", c->k.url, what, r->status);
	}
	return doc;
}

/* ---- what the provider says of itself ---- */

static int
provider_read(struct connector *c, struct err *e)
{
	struct resp r = { 0 };
	json_t *doc = NULL, *x;
	int ret = -1;
	const char *what = "GET /ServiceProviderConfig";

	if (c->sp.read)
		return 0;
	if (http(c, "GET", "/ServiceProviderConfig", NULL, NULL, what, &r, e) < 0)
		goto out;
	if (r.status == 404) {
		/* a provider without it: the forms every provider has (PUT, no ETags) */
		c->sp.read = 1;
		ret = 0;
		goto out;
	}
	if (r.status != 200) {
		scim_fail(c, what, &r, e);
		goto out;
	}
	if (!(doc = resp_json(c, what, &r, e)))
		goto out;
	c->sp.patch = json_is_true(scim_json_get(scim_json_get(doc, "patch"), "supported"));
	c->sp.etag = json_is_true(scim_json_get(scim_json_get(doc, "etag"), "supported"));
	x = scim_json_get(scim_json_get(doc, "filter"), "maxResults");
	if (json_is_integer(x) && json_integer_value(x) > 0 && json_integer_value(x) < c->sp.page)
		c->sp.page = (long)json_integer_value(x);
	c->sp.read = 1;
	ret = 0;
out:
	json_decref(doc);
	resp_release(&r);
	return ret;
}

/* ---- versions (ETags) ---- */

static const char *
version_of(struct connector *c, const char *id)
{
	size_t i;

	return c->sp.etag && id && strmap_get(&c->ver_idx, id, &i) ? c->ver[i] : NULL;
}

static void
version_forget(struct connector *c, const char *id)
{
	size_t i;

	if (id && strmap_get(&c->ver_idx, id, &i)) {
		free(c->ver[i]);
		c->ver[i] = NULL;
	}
}

/* Remembers the version of resource id an answer gave (its ETag, else its meta.version). */
static void
version_keep(struct connector *c, const char *id, const struct resp *r, const json_t *doc)
{
	const char *v = r && r->etag[0] ? r->etag : NULL;
	size_t i;

	/* before the provider is read (a lookup before the first create), kept in case it has ETags */
	if ((c->sp.read && !c->sp.etag) || !id)
		return;
	if (!v && doc)
		v = json_string_value(scim_json_get(scim_json_get(doc, "meta"), "version"));
	if (!v || !*v || strlen(v) > 255 || !one_line(v))
		return;
	if (strmap_get(&c->ver_idx, id, &i)) {
		free(c->ver[i]);
		c->ver[i] = xstrdup(v);
		return;
	}
	XGROW(c->ver, c->ver_cap, c->nver + 1);
	c->ver[c->nver] = xstrdup(v);
	strmap_put(&c->ver_idx, arena_strdup(&c->ver_keys, id), c->nver++);
}

/* ---- resources ---- */

static const struct scim_path *
path_of(struct connector *c, const char *name)
{
	for (size_t i = 0; i < c->npaths; i++)
		if (!strcmp(c->paths[i].name, name))
			return &c->paths[i].p;
	if (c->corr.name && !strcmp(c->corr.name, name))
		return &c->corr.p;
	return NULL;
}

/* The id of a resource, checked: 1 with *out, 0 when it has none usable. */
static int
resource_id(const json_t *doc, const char **out)
{
	const json_t *id = scim_json_get(doc, "id");
	size_t n;

	if (!json_is_string(id))
		return 0;
	n = json_string_length(id);
	if (!n || n >= sizeof(((struct conn_result *)0)->ref) || strlen(json_string_value(id)) != n)
		return 0;
	*out = json_string_value(id);
	return 1;
}

/* The display name of a group in a user's "groups" (into a): 1 with *out, 0 when it has none usable. */
static int
group_display(const json_t *g, struct arena *a, const char **out)
{
	const json_t *d = scim_json_get(g, "display");
	size_t n;

	if (!json_is_string(d))
		return 0;
	n = json_string_length(d);
	if (!n || n > SCIM_VALUE_MAX || strlen(json_string_value(d)) != n)
		return 0;
	*out = arena_strndup(a, json_string_value(d), n);
	return 1;
}

/*
 * res as a conn_object, every string in a: its id, the mapped attributes
 * it holds (one value each), active, and the display names of its groups
 * (when it lists them). 0, or -1 with e set.
 */
static int
object_of(struct connector *c, const json_t *res, struct arena *a, struct conn_object *o, struct err *e)
{
	struct account_attr *attrs;
	const json_t *groups, *active;
	const char *id;
	size_t n = 0;

	memset(o, 0, sizeof(*o));
	if (!resource_id(res, &id))
		return err_set(e, ERR_PERMANENT, "%s: a user without an id (or one longer than %zu bytes)", c->k.url,
			       sizeof(((struct conn_result *)0)->ref) - 1);
	o->ref = arena_strdup(a, id);
	attrs = arena_alloc(a, (c->npaths + 2) * sizeof(*attrs));
	for (size_t i = 0; i < c->npaths + 1; i++) {
		const struct attr_path *ap = i < c->npaths ? &c->paths[i] : &c->corr;
		const char *v;
		int dup = 0;

		for (size_t k = 0; k < n && !dup; k++)
			dup = !strcmp(attrs[k].name, ap->name);
		/* a value that is not one string (a complex or multi-valued one) is not reported */
		if (!dup && scim_path_get(&ap->p, res, a, &v) == 1) {
			attrs[n].name = ap->name;
			attrs[n++].value = v;
		}
	}
	qsort(attrs, n, sizeof(*attrs), account_attr_cmp);
	o->attrs = attrs;
	o->nattrs = n;
	active = scim_json_get(res, "active");
	o->enabled =
		!json_is_false(active) && !(json_is_string(active) && !strcasecmp(json_string_value(active), "false"));
	groups = scim_json_get(res, "groups");
	if (json_is_array(groups)) {
		const char **perms = arena_alloc(a, (json_array_size(groups) + 1) * sizeof(*perms));
		const json_t *g;
		size_t i;

		json_array_foreach(groups, i, g)
		{
			const char *d;

			if (group_display(g, a, &d))
				perms[o->npermissions++] = d;
		}
		o->permissions = perms;
	}
	return 0;
}

/* "/TYPE/<id, escaped>" */
static void
add_id_path(struct connector *c, struct buf *b, const char *type, const char *id)
{
	char *x = curl_easy_escape(c->h, id, 0);

	buf_addf(b, "/%s/%s", type, x ? x : "");
	curl_free(x);
}

/* The schema URN urn among the resource's "schemas" (added when missing). */
static void
add_schema(json_t *doc, const char *urn)
{
	json_t *s = scim_json_get(doc, "schemas"), *x;
	size_t i;

	if (!json_is_array(s)) {
		s = json_array();
		json_array_append_new(s, json_string(SCIM_CORE_USER));
		json_object_set_new(doc, "schemas", s);
	}
	json_array_foreach(s, i, x)
	{
		if (json_is_string(x) && !strcasecmp(json_string_value(x), urn))
			return;
	}
	json_array_append_new(s, json_string(urn));
}

/*
 * The resource of type whose value at p is value: 1 with *res (in *doc,
 * the ListResponse: json_decref it), 0 when there is none, -1 with e set
 * (two or more: ERR_CONFLICT). The answer is checked: a provider that
 * ignored the filter would hand out somebody else. extra is more of the
 * query ("&excludedAttributes=members").
 */
static int
find_one(struct connector *c, const char *type, const struct scim_path *p, const char *value, const char *extra,
	 json_t **doc, json_t **res, struct err *e)
{
	struct buf filter = BUF_INIT, path = BUF_INIT, what = BUF_INIT;
	struct resp r = { 0 };
	struct arena a = ARENA_INIT;
	json_t *list, *x;
	long total;
	size_t i, n = 0;
	char *q;
	int ret = -1;

	*doc = *res = NULL;
	scim_path_filter(p, value, &filter);
	q = curl_easy_escape(c->h, filter.s, (int)filter.len);
	buf_addf(&path, "/%s?filter=%s&startIndex=1&count=2%s", type, q ? q : "", extra);
	curl_free(q);
	buf_addf(&what, "GET /%s?filter=%s", type, filter.s);
	if (http(c, "GET", path.s, NULL, NULL, what.s, &r, e) < 0)
		goto out;
	if (r.status != 200) {
		scim_fail(c, what.s, &r, e);
		goto out;
	}
	if (!(*doc = resp_json(c, what.s, &r, e)))
		goto out;
	scim_list_parse(*doc, &list, &total);
	json_array_foreach(list, i, x)
	{
		const char *v = NULL;

		if (scim_path_get(p, x, &a, &v) != 1 || strcasecmp(v, value)) {
			err_set(e, ERR_PERMANENT,
				"%s: %s: the provider answered with a resource that does not match the filter (%s \"%s\"): "
				"it does not filter by this attribute",
				c->k.url, what.s, p->attr, v ? v : "");
			goto out;
		}
		if (!n++)
			*res = x;
	}
	if (n > 1 || total > 1) {
		err_set(e, ERR_CONFLICT, "%s: %s: %ld resources match (expected one per person)", c->k.url, what.s,
			total > (long)n ? total : (long)n);
		goto out;
	}
	ret = n ? 1 : 0;
out:
	if (ret < 0) {
		json_decref(*doc);
		*doc = *res = NULL;
	}
	arena_release(&a);
	resp_release(&r);
	buf_release(&filter);
	buf_release(&path);
	buf_release(&what);
	return ret;
}

static int pf_answer(struct connector *c, const char *value, struct conn_object *out, struct err *e);

static int
conn_scim_lookup(struct connector *c, const char *value, struct conn_object *out, struct err *e)
{
	json_t *doc, *res;
	int got;

	arena_release(&c->view);
	if ((got = pf_answer(c, value, out, e)) != 2)
		return got;
	settle(c); /* a search of its own: after what is in flight */
	if ((got = find_one(c, "Users", &c->corr.p, value, "", &doc, &res, e)) == 1) {
		if (object_of(c, res, &c->view, out, e) < 0)
			got = -1;
		else
			version_keep(c, out->ref, NULL, res);
	}
	json_decref(doc);
	return got;
}

/* GET of one resource: 0 with *doc (json_decref it), or -1 with e set (ERR_NOTFOUND when it is gone). */
static int
get_resource(struct connector *c, const char *type, const char *id, json_t **doc, struct err *e)
{
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct resp r = { 0 };
	int ret = -1;

	*doc = NULL;
	add_id_path(c, &path, type, id);
	buf_addf(&what, "GET %s", path.s);
	if (http(c, "GET", path.s, NULL, NULL, what.s, &r, e) < 0)
		goto out;
	if (r.status != 200) {
		scim_fail(c, what.s, &r, e);
		goto out;
	}
	if (!(*doc = resp_json(c, what.s, &r, e)))
		goto out;
	version_keep(c, id, &r, *doc);
	ret = 0;
out:
	resp_release(&r);
	buf_release(&path);
	buf_release(&what);
	return ret;
}

/* A new user's resource: the attributes with a value, the schemas they are of, active. NULL with e set. */
static json_t *
user_body(struct connector *c, const struct account_attr *attrs, size_t n, int enabled, struct err *e)
{
	json_t *doc = json_object();

	add_schema(doc, SCIM_CORE_USER);
	for (size_t i = 0; i < n; i++) {
		const struct scim_path *p = path_of(c, attrs[i].name);

		if (!p || !attrs[i].value || !*attrs[i].value)
			continue;
		if (scim_path_set(p, doc, attrs[i].value) < 0) {
			json_decref(doc);
			err_set(e, ERR_INVALID,
				"%s: attribute \"%s\": \"%s\" cannot be set (another attribute makes "
				"a value on its path, or it is not UTF-8)",
				c->k.url, attrs[i].name, attrs[i].value);
			return NULL;
		}
		if (p->urn)
			add_schema(doc, p->urn);
	}
	json_object_set_new(doc, "active", json_boolean(enabled));
	return doc;
}

/* 1 when res has a value that the filter of p selects. */
static int
selected_exists(const struct scim_path *p, const json_t *res)
{
	const json_t *cont = p->urn ? scim_json_get(res, p->urn) : res, *arr = scim_json_get(cont, p->attr), *x;
	size_t i;

	json_array_foreach(arr, i, x)
	{
		if (scim_path_selects(p, x))
			return 1;
	}
	return 0;
}

/*
 * A PatchOp (RFC 7644 section 3.5.2) for changed (value "" removes) and,
 * when active >= 0, active: one "replace" without a path whose value holds
 * the new values of plain and complex attributes (sub-attributes it does
 * not name stay as they are), a "replace" by path of a filtered value (an
 * "add" of a new value to the multi-valued attribute when res, the user
 * as the provider has it, has none the filter selects), a "remove" by path
 * of each value that goes (of a filtered value whose sub-attribute is
 * "value": the value itself). With res, what the user has already is left
 * out. *nops: how many operations. NULL with e set.
 */
static json_t *
patch_body(struct connector *c, const struct account_attr *changed, size_t n, int active, const json_t *res,
	   size_t *nops, struct err *e)
{
	json_t *ops = json_array(), *val = json_object(), *body;
	struct arena a = ARENA_INIT;
	struct buf path = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		const struct scim_path *p = path_of(c, changed[i].name);
		const char *v = changed[i].value ? changed[i].value : "", *have = NULL;
		json_t *op;

		if (!p)
			continue;
		if (res) {
			int got = scim_path_get(p, res, &a, &have);

			if (*v ? got == 1 && !strcmp(have, v) : got == 0)
				continue; /* it is so already */
		}
		if (*v && !p->nterms) {
			if (scim_path_set(p, val, v) < 0) {
				err_set(e, ERR_INVALID, "%s: attribute \"%s\": \"%s\" cannot be set", c->k.url,
					changed[i].name, v);
				goto fail;
			}
			continue;
		}
		buf_reset(&path);
		if (*v && res && !selected_exists(p, res)) {
			/* a new value of the multi-valued attribute, with the filter's terms */
			struct scim_path head = { .urn = p->urn, .attr = p->attr };
			json_t *tmp = json_object(), *cont, *arr;

			if (scim_path_set(p, tmp, v) < 0) {
				json_decref(tmp);
				err_set(e, ERR_INVALID, "%s: attribute \"%s\": \"%s\" cannot be set", c->k.url,
					changed[i].name, v);
				goto fail;
			}
			cont = p->urn ? scim_json_get(tmp, p->urn) : tmp;
			arr = scim_json_get(cont, p->attr);
			scim_path_format(&head, 0, &path);
			op = json_pack("{s:s, s:s, s:O}", "op", "add", "path", path.s, "value", arr);
			json_decref(tmp);
		} else if (*v) {
			scim_path_format(p, 1, &path);
			op = json_pack("{s:s, s:s, s:s}", "op", "replace", "path", path.s, "value", v);
		} else {
			scim_path_format(p, !p->nterms || strcasecmp(p->sub, "value"), &path);
			op = json_pack("{s:s, s:s}", "op", "remove", "path", path.s);
		}
		if (!op) {
			err_set(e, ERR_INVALID, "%s: attribute \"%s\": \"%s\" is not UTF-8", c->k.url, changed[i].name,
				v);
			goto fail;
		}
		json_array_append_new(ops, op);
	}
	if (active >= 0 && (!res || json_is_false(scim_json_get(res, "active")) == !!active))
		json_object_set_new(val, "active", json_boolean(active));
	if (json_object_size(val))
		json_array_insert_new(ops, 0, json_pack("{s:s, s:O}", "op", "replace", "value", val));
	json_decref(val);
	*nops = json_array_size(ops);
	body = json_pack("{s:[s], s:o}", "schemas", PATCHOP, "Operations", ops);
	arena_release(&a);
	buf_release(&path);
	return body;
fail:
	json_decref(ops);
	json_decref(val);
	arena_release(&a);
	buf_release(&path);
	return NULL;
}

/* After a change that answered: the version it gave, or none known. */
static void
version_after(struct connector *c, const char *id, const struct resp *r)
{
	json_t *doc = r->body.len ? json_loadb(r->body.s, r->body.len, 0, NULL) : NULL;

	version_forget(c, id);
	version_keep(c, id, r, doc);
	json_decref(doc);
}

static int
modify_patch(struct connector *c, const char *id, const struct account_attr *changed, size_t n, int active,
	     struct err *e)
{
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct resp r = { 0 };
	json_t *res = NULL;
	int ret = -1;

	add_id_path(c, &path, "Users", id);
	buf_addf(&what, "PATCH %s", path.s);
	for (int attempt = 0;; attempt++) {
		struct scim_error se;
		size_t nops;
		json_t *body = patch_body(c, changed, n, active, res, &nops, e);
		char *s;

		if (!body)
			goto out;
		if (!nops) {
			json_decref(body);
			ret = 0;
			goto out;
		}
		s = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (http(c, "PATCH", path.s, s, version_of(c, id), what.s, &r, e) < 0) {
			free(s);
			goto out;
		}
		free(s);
		if (r.status == 200 || r.status == 204) {
			version_after(c, id, &r);
			ret = 0;
			goto out;
		}
		scim_error_parse(r.body.s ? r.body.s : "", r.body.len, &se);
		/* changed since roster saw it, or a value that is not where roster thought: against what it has now */
		if (attempt == 0 && (r.status == 412 || (r.status == 400 && !strcasecmp(se.type, "noTarget")))) {
			version_forget(c, id);
			if (get_resource(c, "Users", id, &res, e) < 0)
				goto out;
			continue;
		}
		scim_fail(c, what.s, &r, e);
		goto out;
	}
out:
	json_decref(res);
	resp_release(&r);
	buf_release(&path);
	buf_release(&what);
	return ret;
}

/* Read-only attributes a PUT does not send back (RFC 7643: meta, a user's groups). */
static void
strip_readonly(json_t *doc)
{
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(doc, tmp, k, v)
	{
		if (!strcasecmp(k, "meta") || !strcasecmp(k, "groups"))
			json_object_del(doc, k);
	}
}

static int
modify_put(struct connector *c, const char *id, const struct account_attr *changed, size_t n, int active, struct err *e)
{
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct resp r = { 0 };
	int ret = -1;

	add_id_path(c, &path, "Users", id);
	buf_addf(&what, "PUT %s", path.s);
	for (int attempt = 0;; attempt++) {
		json_t *res;
		char *s;

		if (get_resource(c, "Users", id, &res, e) < 0)
			goto out;
		for (size_t i = 0; i < n; i++) {
			const struct scim_path *p = path_of(c, changed[i].name);
			const char *v = changed[i].value ? changed[i].value : "";

			if (!p)
				continue;
			if (scim_path_set(p, res, v) < 0) {
				json_decref(res);
				err_set(e, ERR_PERMANENT,
					"%s: %s: attribute \"%s\": the user holds something else on its path", c->k.url,
					what.s, changed[i].name);
				goto out;
			}
			if (p->urn && *v)
				add_schema(res, p->urn);
		}
		if (active >= 0)
			json_object_set_new(res, "active", json_boolean(active));
		strip_readonly(res);
		s = json_dumps(res, JSON_COMPACT);
		json_decref(res);
		if (http(c, "PUT", path.s, s, version_of(c, id), what.s, &r, e) < 0) {
			free(s);
			goto out;
		}
		free(s);
		if (r.status == 200 || r.status == 204) {
			version_after(c, id, &r);
			ret = 0;
			goto out;
		}
		if (attempt == 0 && r.status == 412) {
			version_forget(c, id);
			continue;
		}
		scim_fail(c, what.s, &r, e);
		goto out;
	}
out:
	resp_release(&r);
	buf_release(&path);
	buf_release(&what);
	return ret;
}

/* Changes user id: changed (value "" removes) and, when active >= 0, active. 0, or -1 with e set. */
static int
modify(struct connector *c, const char *id, const struct account_attr *changed, size_t n, int active, struct err *e)
{
	if (!id || !*id)
		return err_set(e, ERR_INVALID, "%s: an account without an id", c->k.url);
	if (provider_read(c, e) < 0)
		return -1;
	return c->sp.patch ? modify_patch(c, id, changed, n, active, e) : modify_put(c, id, changed, n, active, e);
}

/*
 * A create that met 409: the user that is there is adopted when it is
 * this person's — found by the correlate value, or by the userName sent
 * when its correlate value is empty — and made as the request says.
 */
static int
adopt(struct connector *c, const struct conn_request *rq, const struct resp *conflict, struct conn_result *out,
      struct err *e)
{
	json_t *doc = NULL, *res = NULL;
	struct arena a = ARENA_INIT;
	const char *uname = NULL, *id, *have = NULL, *how = c->corr.name;
	int got = 0, ret = -1;

	if (rq->correlate && *rq->correlate &&
	    (got = find_one(c, "Users", &c->corr.p, rq->correlate, "", &doc, &res, e)) < 0)
		goto out;
	for (size_t i = 0; !got && i < c->npaths; i++) {
		const struct scim_path *p = &c->paths[i].p;

		if (p->urn || p->nterms || p->sub || strcasecmp(p->attr, "userName") ||
		    !(uname = account_attr_find(rq->attrs, rq->nattrs, c->paths[i].name)) || !*uname)
			continue;
		how = "userName";
		json_decref(doc); /* the correlate search's, which found none */
		if ((got = find_one(c, "Users", p, uname, "", &doc, &res, e)) < 0)
			goto out;
		if (got && scim_path_get(&c->corr.p, res, &a, &have) == 1 && *have &&
		    (!rq->correlate || strcmp(have, rq->correlate))) {
			err_set(e, ERR_CONFLICT,
				"%s: POST /Users: 409: the user with userName \"%s\" is another person's (%s \"%s\"): not adopted",
				c->k.url, uname, c->corr.name, have);
			goto out;
		}
		break;
	}
	if (!got) {
		char msg[ERR_MSG_MAX];

		scim_fail(c, "POST /Users", conflict, e);
		snprintf(msg, sizeof(msg), "%s", e->msg);
		err_set(e, ERR_CONFLICT, "%s; and no user has %s \"%s\" to adopt", msg, how,
			uname		? uname
			: rq->correlate ? rq->correlate
					: "");
		goto out;
	}
	if (!resource_id(res, &id)) {
		err_set(e, ERR_PERMANENT, "%s: a user without a usable id", c->k.url);
		goto out;
	}
	snprintf(out->ref, sizeof(out->ref), "%s", id);
	version_keep(c, out->ref, NULL, res);
	ret = modify(c, out->ref, rq->attrs, rq->nattrs, rq->enabled, e);
out:
	json_decref(doc);
	arena_release(&a);
	return ret;
}

/* A create sent and answered here (the provider did not answer pipelined requests: one at a time). */
static int
create_now(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	json_t *body = user_body(c, rq->attrs, rq->nattrs, rq->enabled, e), *doc = NULL;
	struct resp r = { 0 };
	const char *id;
	char *s;
	int ret = -1;

	out->ref[0] = '\0';
	if (!body)
		return -1;
	if (provider_read(c, e) < 0) { /* whether it has ETags, before versions pile up */
		json_decref(body);
		return -1;
	}
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (http(c, "POST", "/Users", s, NULL, "POST /Users", &r, e) < 0)
		goto out;
	if (r.status == 409) {
		ret = adopt(c, rq, &r, out, e);
		goto out;
	}
	if (r.status != 201 && r.status != 200) {
		scim_fail(c, "POST /Users", &r, e);
		goto out;
	}
	doc = r.body.len ? json_loadb(r.body.s, r.body.len, 0, NULL) : NULL;
	if (resource_id(doc, &id)) {
		snprintf(out->ref, sizeof(out->ref), "%s", id);
	} else {
		/* no body: the id is the last segment of Location */
		const char *slash = strrchr(r.location, '/');
		int n = 0;
		char *x = slash && slash[1] ? curl_easy_unescape(c->h, slash + 1, 0, &n) : NULL;

		if (!x || !n || (size_t)n >= sizeof(out->ref) || memchr(x, '\0', (size_t)n)) {
			curl_free(x);
			err_set(e, ERR_PERMANENT, "%s: POST /Users: %ld: the answer names no id of the new user",
				c->k.url, r.status);
			goto out;
		}
		snprintf(out->ref, sizeof(out->ref), "%s", x);
		curl_free(x);
	}
	version_keep(c, out->ref, &r, doc);
	ret = 0;
out:
	json_decref(doc);
	resp_release(&r);
	free(s);
	return ret;
}

/* Every change below is a barrier: what is in flight is answered first, so one user's changes keep their order. */
static int
conn_scim_update(struct connector *c, const struct conn_request *rq, struct err *e)
{
	if (!rq->nchanged)
		return 0;
	settle(c);
	return modify(c, ref_of(c, rq), rq->changed, rq->nchanged, -1, e);
}

static int
conn_scim_set_enabled(struct connector *c, const struct conn_request *rq, int enabled, struct conn_result *out,
		      struct err *e)
{
	out->ref[0] = '\0'; /* the id stays */
	settle(c);
	return modify(c, ref_of(c, rq), NULL, 0, enabled, e);
}

static int
conn_scim_remove(struct connector *c, const struct conn_request *rq, struct err *e)
{
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct resp r = { 0 };
	const char *id;
	int ret = -1;

	settle(c);
	if (!(id = ref_of(c, rq)) || !*id)
		return err_set(e, ERR_NOTFOUND, "%s: account of %s: no id", c->k.url,
			       rq->employee_id ? rq->employee_id : "?");
	add_id_path(c, &path, "Users", id);
	buf_addf(&what, "DELETE %s", path.s);
	for (int attempt = 0;; attempt++) {
		if (http(c, "DELETE", path.s, NULL, version_of(c, id), what.s, &r, e) < 0)
			goto out;
		if (r.status == 204 || r.status == 200) {
			version_forget(c, id);
			ret = 0;
			goto out;
		}
		if (attempt == 0 && r.status == 412) {
			json_t *doc;

			version_forget(c, id);
			if (get_resource(c, "Users", id, &doc, e) < 0)
				goto out;
			json_decref(doc);
			continue;
		}
		scim_fail(c, what.s, &r, e);
		goto out;
	}
out:
	resp_release(&r);
	buf_release(&path);
	buf_release(&what);
	return ret;
}

/* ---- groups ---- */

static const char *
group_known(struct connector *c, const char *name)
{
	size_t i;

	return strmap_get(&c->group_idx, name, &i) ? c->group_id[i] : NULL;
}

static void
group_remember(struct connector *c, const char *name, const char *id)
{
	size_t i;

	if (strmap_get(&c->group_idx, name, &i)) {
		free(c->group_id[i]);
		c->group_id[i] = id ? xstrdup(id) : NULL;
		return;
	}
	if (!id)
		return;
	XGROW(c->group_id, c->groups_cap, c->ngroups + 1);
	c->group_id[c->ngroups] = xstrdup(id);
	strmap_put(&c->group_idx, arena_strdup(&c->group_keys, name), c->ngroups++);
}

/* The id of the group named name: 1 with *id (valid until the group is forgotten), 0 none, -1 error. */
static int
group_find(struct connector *c, const char *name, const char **id, struct err *e)
{
	char attr[] = "displayName";
	struct scim_path dn = { .attr = attr };
	json_t *doc, *res;
	const char *gid;
	int got;

	if ((*id = group_known(c, name)))
		return 1;
	got = find_one(c, "Groups", &dn, name, "&excludedAttributes=members", &doc, &res, e);
	if (got == 1) {
		if (!resource_id(res, &gid)) {
			got = err_set(e, ERR_PERMANENT, "%s: group \"%s\" has no usable id", c->k.url, name);
		} else {
			group_remember(c, name, gid);
			version_keep(c, gid, NULL, res);
			*id = group_known(c, name);
		}
	}
	json_decref(doc);
	return got;
}

/* A new group named name with member uid: 1 made, 0 there already (409), -1 error. */
static int
group_create(struct connector *c, const char *name, const char *uid, struct err *e)
{
	json_t *body = json_pack("{s:[s], s:s, s:[{s:s}]}", "schemas", SCIM_CORE_GROUP, "displayName", name, "members",
				 "value", uid),
	       *doc = NULL;
	struct resp r = { 0 };
	const char *id;
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int ret = -1;

	json_decref(body);
	if (!s)
		return err_set(e, ERR_INVALID, "%s: group \"%s\": not UTF-8", c->k.url, name);
	if (http(c, "POST", "/Groups", s, NULL, "POST /Groups", &r, e) < 0)
		goto out;
	if (r.status == 409) {
		ret = 0;
		goto out;
	}
	if (r.status != 201 && r.status != 200) {
		scim_fail(c, "POST /Groups", &r, e);
		goto out;
	}
	doc = json_loadb(r.body.s ? r.body.s : "", r.body.len, 0, NULL);
	if (resource_id(doc, &id)) {
		group_remember(c, name, id);
		version_keep(c, id, &r, doc);
	}
	ret = 1;
out:
	json_decref(doc);
	resp_release(&r);
	free(s);
	return ret;
}

/* "member ID" or "N members" (n > 1) */
static void
add_members_what(struct buf *b, const char *const *uids, size_t n)
{
	if (n == 1)
		buf_addf(b, "member %s", uids[0]);
	else
		buf_addf(b, "%zu members", n);
}

/*
 * Adds members uids (n of them, n >= 1), or removes member uids[0] (n 1),
 * by PATCH: 0 done, 1 the group is gone, -1 error.
 */
static int
member_patch(struct connector *c, const char *gid, const char *name, const char *const *uids, size_t n, int add,
	     struct err *e)
{
	struct buf path = BUF_INIT, what = BUF_INIT, sel = BUF_INIT;
	struct resp r = { 0 };
	json_t *body = NULL;
	char *s;
	int ret = -1;

	add_id_path(c, &path, "Groups", gid);
	buf_addf(&what, "PATCH %s (%s ", path.s, add ? "add" : "remove");
	add_members_what(&what, uids, n);
	buf_addf(&what, " of \"%s\")", name);
	buf_adds(&sel, "members[value eq ");
	buf_add_json_str(&sel, uids[0]);
	buf_addch(&sel, ']');
	if (add) {
		json_t *vals = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(vals, json_pack("{s:s}", "value", uids[i]));
		body = json_pack("{s:[s], s:[{s:s, s:s, s:o}]}", "schemas", PATCHOP, "Operations", "op", "add", "path",
				 "members", "value", vals);
	} else {
		body = json_pack("{s:[s], s:[{s:s, s:s}]}", "schemas", PATCHOP, "Operations", "op", "remove", "path",
				 sel.s);
	}
	s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	for (int attempt = 0; s; attempt++) {
		struct scim_error se;

		if (http(c, "PATCH", path.s, s, version_of(c, gid), what.s, &r, e) < 0)
			goto out;
		scim_error_parse(r.body.s ? r.body.s : "", r.body.len, &se);
		if (r.status == 200 || r.status == 204 ||
		    (!add && r.status == 400 && !strcasecmp(se.type, "noTarget"))) {
			version_after(c, gid, &r);
			ret = 0; /* a member removed that was not there: done */
		} else if (r.status == 404) {
			ret = 1;
		} else if (attempt == 0 && r.status == 412) {
			json_t *doc;

			version_forget(c, gid);
			if (get_resource(c, "Groups", gid, &doc, e) < 0)
				goto out;
			json_decref(doc);
			continue;
		} else {
			scim_fail(c, what.s, &r, e);
		}
		break;
	}
out:
	free(s);
	resp_release(&r);
	buf_release(&path);
	buf_release(&what);
	buf_release(&sel);
	return ret;
}

/* As member_patch, by GET and PUT of the whole group. */
static int
member_put(struct connector *c, const char *gid, const char *name, const char *const *uids, size_t n, int add,
	   struct err *e)
{
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct resp r = { 0 };
	int ret = -1;

	add_id_path(c, &path, "Groups", gid);
	buf_addf(&what, "PUT %s (%s ", path.s, add ? "add" : "remove");
	add_members_what(&what, uids, n);
	buf_addf(&what, " of \"%s\")", name);
	for (int attempt = 0;; attempt++) {
		json_t *doc, *members, *m;
		size_t found = 0;
		char *s;

		if (get_resource(c, "Groups", gid, &doc, e) < 0) {
			if (e->class == ERR_NOTFOUND)
				ret = 1;
			goto out;
		}
		members = scim_json_get(doc, "members");
		if (!json_is_array(members)) {
			members = json_array();
			json_object_set_new(doc, "members", members);
		}
		for (size_t k = 0; k < n; k++) {
			int has = 0;

			for (size_t i = json_array_size(members); i-- > 0;) {
				m = json_array_get(members, i);
				if (json_is_string(scim_json_get(m, "value")) &&
				    !strcmp(json_string_value(scim_json_get(m, "value")), uids[k])) {
					has = 1;
					if (!add)
						json_array_remove(members, i);
				}
			}
			found += (size_t)has;
			if (add && !has)
				json_array_append_new(members, json_pack("{s:s}", "value", uids[k]));
		}
		if (add ? found == n : !found) { /* so already */
			json_decref(doc);
			ret = 0;
			goto out;
		}
		strip_readonly(doc);
		s = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
		if (http(c, "PUT", path.s, s, version_of(c, gid), what.s, &r, e) < 0) {
			free(s);
			goto out;
		}
		free(s);
		if (r.status == 200 || r.status == 204) {
			version_after(c, gid, &r);
			ret = 0;
		} else if (r.status == 404) {
			ret = 1;
		} else if (attempt == 0 && r.status == 412) {
			version_forget(c, gid);
			continue;
		} else {
			scim_fail(c, what.s, &r, e);
		}
		goto out;
	}
out:
	resp_release(&r);
	buf_release(&path);
	buf_release(&what);
	return ret;
}

/*
 * Adds members uids (n >= 1) to, or removes member uids[0] from, the
 * group named perm; a missing group is made with them (create_missing).
 */
static int
members_change(struct connector *c, const char *perm, const char *const *uids, size_t n, int add, struct err *e)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		const char *gid;
		char *id;
		int got = group_find(c, perm, &gid, e), rc;

		if (got < 0)
			return -1;
		if (!got) {
			if (!add)
				return 0; /* no such group: nothing to take away */
			if (!c->k.create_missing)
				return err_set(
					e, ERR_PERMANENT,
					"%s: group \"%s\" does not exist (groups: {create_missing: true} makes it)",
					c->k.url, perm);
			if ((rc = group_create(c, perm, uids[0], e)) < 0)
				return -1;
			if (rc == 0)
				continue; /* made meanwhile */
			if (n == 1)
				return 0;
			uids++; /* made with the first: the others are added */
			n--;
			continue;
		}
		id = xstrdup(gid);
		rc = c->sp.patch ? member_patch(c, id, perm, uids, n, add, e)
				 : member_put(c, id, perm, uids, n, add, e);
		free(id);
		if (rc <= 0)
			return rc;
		group_remember(c, perm, NULL); /* deleted meanwhile: found again, or made */
	}
	return err_set(e, ERR_TRANSIENT, "%s: group \"%s\" vanished twice while roster changed its members", c->k.url,
		       perm);
}

static int gather(struct connector *c, const struct conn_request *rq, const char *perm, struct err *e);

static int
conn_scim_permission(struct connector *c, const struct conn_request *rq, const char *perm, int add, struct err *e)
{
	const char *id;

	if (!*perm)
		return err_set(e, ERR_INVALID, "%s: a group with an empty name", c->k.url);
	if (add && !c->down)
		return gather(c, rq, perm, e); /* sent at the barrier: one PATCH per group */
	settle(c);
	if (!(id = ref_of(c, rq)) || !*id)
		return err_set(e, ERR_INVALID, "%s: account of %s: no id", c->k.url,
			       rq->employee_id ? rq->employee_id : "?");
	if (provider_read(c, e) < 0)
		return -1;
	return members_change(c, perm, &id, 1, add, e);
}

/* ---- pipelining ---- */

/*
 * Creates and prefetch searches are sent with libcurl's multi interface,
 * up to INFLIGHT at once on kept HTTP/1.1 connections, and answered at
 * the barrier (settle): before any other operation, and in wait() at the
 * end of apply's batch. What must hold:
 * - a create returns with its ref "" when it is only sent; its id is
 *   handed to apply by wait() (late->named), or its failure
 *   (late->failed); until then the user is known by its employee_id
 *   (created), which resolves the "" ref of the batch's later requests;
 * - grants are gathered and sent at the barrier, after the creates are
 *   answered: one PATCH per group with all its new members;
 * - every other operation waits for what is in flight (settle), so the
 *   requests on one user keep their order;
 * - a 429/503 with Retry-After holds every request that has not started
 *   until the time asked (next_at) and sends that one again; a transient
 *   failure is sent again LATE_TRIES times in all; rate_limit spaces the
 *   starts of all requests;
 * - a provider that does not answer DOWN_AFTER requests in a row (paused,
 *   gone) gets no more of them in flight: what waits fails, and the next
 *   creates go one at a time (apply's own retries and its stop after
 *   failures in a row then apply), until a request is answered.
 */

enum job_kind { JOB_CREATE, JOB_SEARCH };

struct job {
	enum job_kind kind;
	size_t tag;
	char *path, *body, *what;
	/* create: the request, kept for an adoption after 409 */
	char *employee_id, *correlate;
	struct account_attr *attrs;
	size_t nattrs;
	int enabled;
	struct arena a;
	int tries, busy, reauth;
	double not_before;
	struct resp r;
};

struct slot {
	CURL *h;
	struct curl_slist *hdrs;
	struct job *job; /* NULL: free */
	char err[CURL_ERROR_SIZE];
};

struct late_ev {
	size_t tag;
	char *ref; /* named; NULL: failed (e) */
	struct err e;
};

struct gathered {
	char *group, *employee_id, *ref; /* ref "": the user made in this batch, by employee_id */
	size_t tag, seq;
};

struct pf_hit {
	json_t *res; /* the first user found with the value (a reference) */
	size_t count;
};

static void
job_free(struct job *j)
{
	if (!j)
		return;
	free(j->path);
	free(j->body);
	free(j->what);
	arena_release(&j->a);
	resp_release(&j->r);
	free(j);
}

static void
late_push(struct connector *c, size_t tag, const char *ref, const struct err *why)
{
	struct late_ev *l;

	XGROW(c->late, c->late_cap, c->nlate + 1);
	l = &c->late[c->nlate++];
	memset(l, 0, sizeof(*l));
	l->tag = tag;
	if (ref)
		l->ref = xstrdup(ref);
	else
		l->e = *why;
}

static void
created_put(struct connector *c, const char *employee_id, const char *id)
{
	size_t i;

	if (!employee_id)
		return;
	if (strmap_get(&c->created, employee_id, &i)) {
		free(c->created_id[i]);
		c->created_id[i] = xstrdup(id);
		return;
	}
	XGROW(c->created_id, c->created_cap, c->ncreated + 1);
	c->created_id[c->ncreated] = xstrdup(id);
	strmap_put(&c->created, arena_strdup(&c->created_keys, employee_id), c->ncreated++);
}

/* The account's id: its ref, else (a user made in this batch, not named to apply yet) by its employee_id. */
static const char *
ref_of(struct connector *c, const struct conn_request *rq)
{
	size_t i;

	if (rq->ref && *rq->ref)
		return rq->ref;
	if (rq->employee_id && strmap_get(&c->created, rq->employee_id, &i))
		return c->created_id[i];
	return rq->ref;
}

static int
slots_open(struct connector *c, struct err *e)
{
	if (c->m)
		return 0;
	if (!(c->m = curl_multi_init()))
		return err_set(e, ERR_INTERNAL, "%s: libcurl cannot start", c->k.url);
	curl_multi_setopt(c->m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)INFLIGHT);
	curl_multi_setopt(c->m, CURLMOPT_MAXCONNECTS, (long)INFLIGHT);
	curl_multi_setopt(c->m, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING); /* HTTP/1.1: one request per connection */
	c->slots = xcalloc(INFLIGHT, sizeof(*c->slots));
	for (size_t i = 0; i < INFLIGHT; i++) {
		CURL *h = curl_easy_init();
		CURLcode rc = CURLE_OK;

		if (!h || handle_setup(c, h) < 0) {
			if (h)
				curl_easy_cleanup(h);
			return err_set(e, ERR_INTERNAL, "%s: libcurl cannot start", c->k.url);
		}
		c->slots[i].h = h;
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->slots[i].err);
		curl_easy_setopt(h, CURLOPT_PRIVATE, &c->slots[i]);
		if (c->k.auth == AUTH_BEARER) {
			rc = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
			if (rc == CURLE_OK)
				rc = curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, c->k.token);
		} else if (c->k.auth == AUTH_BASIC) {
			rc = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
			if (rc == CURLE_OK)
				rc = curl_easy_setopt(h, CURLOPT_USERNAME, c->k.user);
			if (rc == CURLE_OK)
				rc = curl_easy_setopt(h, CURLOPT_PASSWORD, c->k.password);
		} else {
			rc = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		}
		if (rc != CURLE_OK)
			return err_set(e, ERR_INTERNAL, "%s: libcurl refused the credentials' options", c->k.url);
	}
	return 0;
}

static void
slots_close(struct connector *c)
{
	for (size_t i = 0; c->slots && i < INFLIGHT; i++) {
		struct slot *s = &c->slots[i];

		if (s->job) {
			curl_multi_remove_handle(c->m, s->h);
			job_free(s->job);
		}
		curl_slist_free_all(s->hdrs);
		if (s->h)
			curl_easy_cleanup(s->h);
	}
	free(c->slots);
	c->slots = NULL;
	if (c->m)
		curl_multi_cleanup(c->m);
	c->m = NULL;
}

/* Sends job on slot s. 0, or -1 with e set (not sent). */
static int
job_start(struct connector *c, struct slot *s, struct job *j, struct err *e)
{
	struct buf url = BUF_INIT;
	CURL *h = s->h;

	if (c->k.auth == AUTH_OAUTH2) {
		if (token_get(c, e) < 0)
			return -1;
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, c->access);
	}
	buf_addf(&url, "%s%s", c->k.url, j->path);
	curl_slist_free_all(s->hdrs);
	s->hdrs = curl_slist_append(NULL, "Accept: application/scim+json, application/json");
	s->hdrs = curl_slist_append(s->hdrs, "Expect:");
	if (j->body)
		s->hdrs = curl_slist_append(s->hdrs, "Content-Type: application/scim+json; charset=utf-8");
	resp_reset(&j->r);
	s->err[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url.s);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &j->r);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &j->r);
	if (j->body) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(j->body));
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	buf_release(&url);
	if (curl_multi_add_handle(c->m, h) != CURLM_OK)
		return err_set(e, ERR_INTERNAL, "%s: %s: libcurl cannot send it", c->k.url, j->what);
	s->job = j;
	c->nrunning++;
	return 0;
}

/* A job that is done with: reported as failed (why), or handed on. */
static void
job_failed(struct connector *c, struct job *j, const struct err *why)
{
	if (j->kind == JOB_CREATE) {
		late_push(c, j->tag, NULL, why);
	} else if (!c->pf_bad) {
		c->pf_bad = 1;
		c->pf_err = *why;
	}
	job_free(j);
}

static void
q_push(struct connector *c, struct job *j)
{
	XGROW(c->q, c->q_cap, c->nq + 1);
	c->q[c->nq++] = j;
}

/* Starts what may start now: a free slot, its time come (backoff, Retry-After), rate_limit's pace. */
static void
start_ready(struct connector *c)
{
	size_t i = 0;

	while (i < c->nq && c->nrunning < INFLIGHT) {
		struct job *j = c->q[i];
		struct slot *s = NULL;
		struct err e;
		double t = now_s();

		if (c->down) { /* the provider does not answer: not sent */
			err_set(&e, ERR_TRANSIENT,
				"%s: %s: not sent: the provider did not answer the %d requests before it", c->k.url,
				j->what, DOWN_AFTER);
			memmove(c->q + i, c->q + i + 1, (c->nq - i - 1) * sizeof(*c->q));
			c->nq--;
			job_failed(c, j, &e);
			continue;
		}
		if (c->next_at > t)
			return; /* the pace rate_limit or a Retry-After asked for: nothing starts */
		if (j->not_before > t) {
			i++;
			continue;
		}
		for (size_t k = 0; k < INFLIGHT && !s; k++)
			if (!c->slots[k].job)
				s = &c->slots[k];
		memmove(c->q + i, c->q + i + 1, (c->nq - i - 1) * sizeof(*c->q));
		c->nq--;
		err_init(&e);
		if (job_start(c, s, j, &e) < 0) {
			job_failed(c, j, &e);
			continue;
		}
		if (c->k.interval > 0)
			c->next_at = t + c->k.interval;
	}
}

/* Sent again after a transient failure, or waits: 1 when it is (owned by the queue then), else 0. */
static int
job_again(struct connector *c, struct job *j, int transport)
{
	if (transport && ++c->fails_row >= DOWN_AFTER)
		c->down = 1;
	if (c->down || ++j->tries >= LATE_TRIES)
		return 0;
	j->not_before = now_s() + (j->tries == 1 ? 0.2 : 1.0); /* apply's own backoff */
	q_push(c, j);
	return 1;
}

static void create_answered(struct connector *c, struct job *j);
static void search_answered(struct connector *c, struct job *j);

/* A request answered (any status) or failed without an answer. */
static void
job_done(struct connector *c, struct slot *s, CURLcode rc)
{
	struct job *j = s->job;
	struct err e;

	curl_multi_remove_handle(c->m, s->h);
	s->job = NULL;
	c->nrunning--;
	err_init(&e);
	if (rc != CURLE_OK) {
		snprintf(c->curl_err, sizeof(c->curl_err), "%s", s->err);
		transport_fail(c, c->k.url, j->what, rc, &j->r, &e);
		if (e.class != ERR_TRANSIENT || !job_again(c, j, 1))
			job_failed(c, j, &e);
		return;
	}
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &j->r.status);
	c->fails_row = 0;
	if (j->r.status == 401 && c->k.auth == AUTH_OAUTH2 && !j->reauth++) {
		c->access_until = 0; /* expired early, or revoked: a new one */
		q_push(c, j);
		return;
	}
	if ((j->r.status == 429 || j->r.status == 503) && j->r.retry_after[0] && j->busy < BUSY_TRIES) {
		long wait = scim_retry_after(j->r.retry_after, time(NULL));

		if (wait >= 0 && wait <= WAIT_MAX) {
			double until = now_s() + (double)wait;

			j->busy++;
			/* nothing starts before then: the provider asked for a pause, not only this request */
			if (c->next_at < until)
				c->next_at = until;
			j->not_before = until;
			q_push(c, j);
			return;
		}
	}
	if (j->kind == JOB_CREATE)
		create_answered(c, j);
	else
		search_answered(c, j);
}

/* Runs the transfers a while: starts what may start, handles what is answered; block: waits for something. */
static void
pump(struct connector *c, int block)
{
	CURLMsg *msg;
	int running, left;

	start_ready(c);
	if (c->nrunning)
		curl_multi_perform(c->m, &running);
	while ((msg = curl_multi_info_read(c->m, &left))) {
		struct slot *s = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		if (s && s->job)
			job_done(c, s, msg->data.result);
	}
	start_ready(c);
	if (block && (c->nrunning || c->nq)) {
		double t = now_s(), soonest = t + 1;

		for (size_t i = 0; i < c->nq && c->nrunning < INFLIGHT; i++) {
			double at = c->q[i]->not_before > c->next_at ? c->q[i]->not_before : c->next_at;

			if (at < soonest)
				soonest = at;
		}
		if (c->nrunning)
			curl_multi_poll(c->m, NULL, 0, soonest > t ? (int)((soonest - t) * 1000) + 1 : 0, NULL);
		else
			sleep_s(soonest - t);
	}
}

/* Until nothing is in flight or waiting. */
static void
drain(struct connector *c)
{
	while (c->m && (c->nrunning || c->nq))
		pump(c, 1);
}

/* A create's answer: named, adopted later (409), or failed. */
static void
create_answered(struct connector *c, struct job *j)
{
	struct resp *r = &j->r;
	json_t *doc = NULL;
	const char *id;
	char ref[sizeof(((struct conn_result *)0)->ref)];
	struct err e;

	err_init(&e);
	if (r->status == 409) {
		XGROW(c->conflicts, c->conflicts_cap, c->nconflicts + 1);
		c->conflicts[c->nconflicts++] = j;
		return;
	}
	if (r->status != 201 && r->status != 200) {
		scim_fail(c, j->what, r, &e);
		if (e.class != ERR_TRANSIENT || !job_again(c, j, 0))
			job_failed(c, j, &e);
		return;
	}
	doc = r->body.len ? json_loadb(r->body.s, r->body.len, 0, NULL) : NULL;
	if (resource_id(doc, &id)) {
		snprintf(ref, sizeof(ref), "%s", id);
	} else {
		/* no body: the id is the last segment of Location */
		const char *slash = strrchr(r->location, '/');
		int n = 0;
		char *x = slash && slash[1] ? curl_easy_unescape(c->h, slash + 1, 0, &n) : NULL;

		if (!x || !n || (size_t)n >= sizeof(ref) || memchr(x, '\0', (size_t)n)) {
			curl_free(x);
			json_decref(doc);
			err_set(&e, ERR_PERMANENT, "%s: POST /Users: %ld: the answer names no id of the new user",
				c->k.url, r->status);
			job_failed(c, j, &e);
			return;
		}
		snprintf(ref, sizeof(ref), "%s", x);
		curl_free(x);
	}
	version_keep(c, ref, r, doc);
	json_decref(doc);
	created_put(c, j->employee_id, ref);
	late_push(c, j->tag, ref, NULL);
	job_free(j);
}

/* The creates that met 409, one at a time: the user there adopted when it is this person's. */
static void
adopt_conflicts(struct connector *c)
{
	for (size_t i = 0; i < c->nconflicts; i++) {
		struct job *j = c->conflicts[i];
		struct conn_request rq;
		struct conn_result out;
		struct err e;
		int rc = -1;

		memset(&rq, 0, sizeof(rq));
		rq.employee_id = j->employee_id;
		rq.correlate = j->correlate;
		rq.attrs = j->attrs;
		rq.nattrs = j->nattrs;
		rq.enabled = j->enabled;
		rq.tag = j->tag;
		for (int tries = 1; tries <= LATE_TRIES; tries++) {
			err_init(&e);
			out.ref[0] = '\0';
			if ((rc = adopt(c, &rq, &j->r, &out, &e)) == 0 || e.class != ERR_TRANSIENT)
				break;
			sleep_s(tries == 1 ? 0.2 : 1.0);
		}
		if (rc == 0) {
			created_put(c, j->employee_id, out.ref);
			late_push(c, j->tag, out.ref, NULL);
		} else {
			late_push(c, j->tag, NULL, &e);
		}
		job_free(j);
	}
	c->nconflicts = 0;
}

static int
gath_cmp(const void *a, const void *b)
{
	const struct gathered *x = a, *y = b;
	int d = strcmp(x->group, y->group);

	return d ? d : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
gather(struct connector *c, const struct conn_request *rq, const char *perm, struct err *e)
{
	struct gathered *g;

	if ((!rq->ref || !*rq->ref) && (!rq->employee_id || !*rq->employee_id))
		return err_set(e, ERR_INVALID, "%s: an account without an id", c->k.url);
	XGROW(c->gath, c->gath_cap, c->ngath + 1);
	g = &c->gath[c->ngath];
	g->group = xstrdup(perm);
	g->employee_id = xstrdup(rq->employee_id ? rq->employee_id : "");
	g->ref = xstrdup(rq->ref ? rq->ref : "");
	g->tag = rq->tag;
	g->seq = c->ngath++;
	return 0;
}

/* The gathered grants, after the creates are answered: one change of each group with all its new members. */
static void
send_gathered(struct connector *c)
{
	size_t i = 0, j;

	if (!c->ngath)
		return;
	qsort(c->gath, c->ngath, sizeof(*c->gath), gath_cmp);
	for (i = 0; i < c->ngath; i = j) {
		const char **uids = xcalloc(c->ngath + 1, sizeof(*uids));
		size_t n = 0;
		struct err e;

		for (j = i; j < c->ngath && !strcmp(c->gath[j].group, c->gath[i].group); j++) {
			struct conn_request rq = { .employee_id = c->gath[j].employee_id, .ref = c->gath[j].ref };
			const char *id = ref_of(c, &rq);

			/* none: its create failed, and apply is told so (this grant with it) */
			if (id && *id)
				uids[n++] = id;
		}
		for (size_t k = 0; k < n; k += MEMBERS_PER_PATCH) {
			size_t m = n - k < MEMBERS_PER_PATCH ? n - k : MEMBERS_PER_PATCH;
			int rc = -1;

			for (int tries = 1; tries <= LATE_TRIES; tries++) {
				err_init(&e);
				if ((rc = provider_read(c, &e)) == 0 &&
				    (rc = members_change(c, c->gath[i].group, uids + k, m, 1, &e)) == 0)
					break;
				if (e.class != ERR_TRANSIENT)
					break;
				sleep_s(tries == 1 ? 0.2 : 1.0);
			}
			if (rc == 0)
				continue;
			/* each grant whose member was in this change failed */
			for (size_t g = i; g < j; g++) {
				struct conn_request rq = { .employee_id = c->gath[g].employee_id,
							   .ref = c->gath[g].ref };
				const char *id = ref_of(c, &rq);

				for (size_t x = k; id && x < k + m; x++)
					if (!strcmp(uids[x], id)) {
						late_push(c, c->gath[g].tag, NULL, &e);
						break;
					}
			}
		}
		free(uids);
	}
	for (i = 0; i < c->ngath; i++) {
		free(c->gath[i].group);
		free(c->gath[i].employee_id);
		free(c->gath[i].ref);
	}
	c->ngath = 0;
}

/* The barrier: every request answered, every 409 adopted, every gathered grant sent. */
static void
settle(struct connector *c)
{
	drain(c);
	adopt_conflicts(c);
	send_gathered(c);
}

static int
conn_scim_create(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	json_t *body;
	struct job *j;

	out->ref[0] = '\0';
	if (provider_read(c, e) < 0) /* whether it has ETags, before versions pile up */
		return -1;
	if (c->down || slots_open(c, e) < 0) {
		settle(c);
		return create_now(c, rq, out, e);
	}
	if (!(body = user_body(c, rq->attrs, rq->nattrs, rq->enabled, e)))
		return -1;
	j = xcalloc(1, sizeof(*j));
	j->kind = JOB_CREATE;
	j->tag = rq->tag;
	j->path = xstrdup("/Users");
	j->what = xstrdup("POST /Users");
	j->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	j->employee_id = arena_strdup(&j->a, rq->employee_id ? rq->employee_id : "");
	j->correlate = rq->correlate ? arena_strdup(&j->a, rq->correlate) : NULL;
	j->attrs = arena_alloc(&j->a, (rq->nattrs + 1) * sizeof(*j->attrs));
	for (size_t i = 0; i < rq->nattrs; i++) {
		j->attrs[i].name = arena_strdup(&j->a, rq->attrs[i].name);
		j->attrs[i].value = arena_strdup(&j->a, rq->attrs[i].value ? rq->attrs[i].value : "");
	}
	j->nattrs = rq->nattrs;
	j->enabled = rq->enabled;
	q_push(c, j);
	/* at most INFLIGHT sent or waiting: the caller's next request is built while these travel */
	pump(c, 0);
	while (c->nq + c->nrunning > INFLIGHT)
		pump(c, 1);
	return 0;
}

static int
conn_scim_wait(struct connector *c, const struct conn_late *late, struct err *e)
{
	(void)e;
	settle(c);
	for (size_t i = 0; i < c->nlate; i++) {
		if (c->late[i].ref)
			late->named(late->ctx, c->late[i].tag, c->late[i].ref);
		else
			late->failed(late->ctx, c->late[i].tag, &c->late[i].e);
		free(c->late[i].ref);
	}
	c->nlate = 0;
	for (size_t i = 0; i < c->ncreated; i++)
		free(c->created_id[i]);
	c->ncreated = 0;
	strmap_release(&c->created);
	arena_release(&c->created_keys);
	return 0;
}

/* ---- prefetch: a batch's correlate values in a few searches ---- */

static void
pf_reset(struct connector *c)
{
	for (size_t i = 0; i < c->npf; i++)
		json_decref(c->pf_hits[i].res);
	free(c->pf_hits);
	c->pf_hits = NULL;
	c->npf = c->pf_cap = 0;
	strmap_release(&c->pf);
	arena_release(&c->pf_keys);
	c->pf_on = c->pf_bad = 0;
}

/* A prefetch search's answer: each user kept by its correlate value. */
static void
search_answered(struct connector *c, struct job *j)
{
	json_t *doc, *list, *x;
	struct arena a = ARENA_INIT;
	long total;
	size_t i;
	struct err e;

	err_init(&e);
	if (j->r.status != 200) {
		scim_fail(c, j->what, &j->r, &e);
		if (e.class != ERR_TRANSIENT || !job_again(c, j, 0))
			job_failed(c, j, &e);
		return;
	}
	if (!(doc = resp_json(c, j->what, &j->r, &e))) {
		job_failed(c, j, &e);
		return;
	}
	scim_list_parse(doc, &list, &total);
	if (total > (long)json_array_size(list)) /* more than a page: two users with one value */
		err_set(&e, ERR_CONFLICT, "%s: %s: more users than values", c->k.url, j->what);
	json_array_foreach(list, i, x)
	{
		const char *v = NULL;
		size_t at;

		if (e.msg[0])
			break;
		if (scim_path_get(&c->corr.p, x, &a, &v) != 1 || !strmap_get(&c->pf, arena_strdup_lower(&a, v), &at)) {
			err_set(&e, ERR_PERMANENT, "%s: %s: a user that does not match the filter", c->k.url, j->what);
			break;
		}
		if (!c->pf_hits[at].count++)
			c->pf_hits[at].res = json_incref(x);
	}
	if (e.msg[0])
		job_failed(c, j, &e);
	else
		job_free(j);
	json_decref(doc);
	arena_release(&a);
}

/*
 * The correlate values' users, found by searches of PREFETCH_CHUNK values
 * each ("PATH eq "a" or PATH eq "b" …"), in flight at once. A provider
 * that cannot (a filter it refuses, an answer with more than a page, a
 * user that does not match) leaves the lookups to ask one by one.
 */
static int
conn_scim_prefetch(struct connector *c, const char *const *values, size_t n, struct err *e)
{
	pf_reset(c);
	if (!n || !c->corr.name)
		return 0;
	settle(c);
	if (slots_open(c, e) < 0)
		return -1;
	c->pf_on = 1;
	for (size_t i = 0; i < n; i++) {
		char *k = arena_strdup_lower(&c->pf_keys, values[i]);
		size_t at;

		if (strmap_get(&c->pf, k, &at))
			continue;
		XGROW(c->pf_hits, c->pf_cap, c->npf + 1);
		memset(&c->pf_hits[c->npf], 0, sizeof(*c->pf_hits));
		strmap_put(&c->pf, k, c->npf++);
	}
	for (size_t i = 0; i < n; i += PREFETCH_CHUNK) {
		struct buf filter = BUF_INIT, path = BUF_INIT, what = BUF_INIT;
		size_t end = i + PREFETCH_CHUNK < n ? i + PREFETCH_CHUNK : n;
		struct job *j = xcalloc(1, sizeof(*j));
		char *q;

		for (size_t k = i; k < end; k++) {
			if (k > i)
				buf_adds(&filter, " or ");
			scim_path_filter(&c->corr.p, values[k], &filter);
		}
		q = curl_easy_escape(c->h, filter.s, (int)filter.len);
		buf_addf(&path, "/Users?filter=%s&startIndex=1&count=%zu", q ? q : "", end - i);
		curl_free(q);
		buf_addf(&what, "GET /Users?filter=%s eq … (%zu values)", c->corr.name, end - i);
		j->kind = JOB_SEARCH;
		j->path = buf_detach(&path);
		j->what = buf_detach(&what);
		buf_release(&filter);
		q_push(c, j);
	}
	drain(c);
	if (c->pf_bad) {
		*e = c->pf_err;
		pf_reset(c);
		return -1;
	}
	return 0;
}

/* A lookup answered from the prefetch: 1 found, 0 none, -1 error; 2: not prefetched (ask). */
static int
pf_answer(struct connector *c, const char *value, struct conn_object *out, struct err *e)
{
	struct pf_hit *h;
	size_t at;

	if (!c->pf_on || !strmap_get(&c->pf, arena_strdup_lower(&c->view, value), &at))
		return 2;
	h = &c->pf_hits[at];
	if (!h->count)
		return 0;
	if (h->count > 1)
		return err_set(e, ERR_CONFLICT,
			       "%s: GET /Users?filter=%s eq \"%s\": %zu resources match (expected one per person)",
			       c->k.url, c->corr.name, value, h->count);
	if (object_of(c, h->res, &c->view, out, e) < 0)
		return -1;
	version_keep(c, out->ref, NULL, h->res);
	return 1;
}

/* ---- list: paged ---- */

/* A member id and the group it is in; sorted by member. */
struct member_row {
	const char *member;
	const char *group;
};

struct listing {
	struct arena a; /* the rows' strings */
	struct member_row *rows;
	size_t nrows, cap;
	int (*each)(void *ctx, const struct conn_object *o);
	void *ctx;
	int stopped;
};

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member_row *)a)->member, ((const struct member_row *)b)->member);
}

static int
each_group(struct connector *c, json_t *g, struct listing *l, struct err *e)
{
	const json_t *dn = scim_json_get(g, "displayName"), *members = scim_json_get(g, "members"), *m;
	const char *name;
	size_t i;

	(void)c;
	(void)e;
	if (!json_is_string(dn) || !json_string_length(dn) || json_string_length(dn) > SCIM_VALUE_MAX)
		return 0;
	name = arena_strndup(&l->a, json_string_value(dn), json_string_length(dn));
	json_array_foreach(members, i, m)
	{
		const json_t *v = scim_json_get(m, "value");

		if (!json_is_string(v) || json_string_length(v) >= sizeof(((struct conn_result *)0)->ref))
			continue;
		XGROW(l->rows, l->cap, l->nrows + 1);
		l->rows[l->nrows].member = arena_strdup(&l->a, json_string_value(v));
		l->rows[l->nrows++].group = name;
	}
	return 0;
}

static int
each_user(struct connector *c, json_t *u, struct listing *l, struct err *e)
{
	struct arena a = ARENA_INIT;
	struct conn_object o;
	struct member_row key, *hit;
	const char **perms;
	size_t lo, hi;

	if (object_of(c, u, &a, &o, e) < 0) {
		arena_release(&a);
		return -1;
	}
	/* the groups as the Groups list them */
	key.member = o.ref;
	hit = l->nrows ? bsearch(&key, l->rows, l->nrows, sizeof(key), row_cmp) : NULL;
	lo = hi = 0;
	if (hit) {
		for (lo = (size_t)(hit - l->rows); lo > 0 && !row_cmp(&l->rows[lo - 1], &key); lo--)
			;
		for (hi = lo; hi < l->nrows && !row_cmp(&l->rows[hi], &key); hi++)
			;
	}
	perms = arena_alloc(&a, (hi - lo + 1) * sizeof(*perms));
	o.npermissions = 0;
	for (size_t k = lo; k < hi; k++)
		perms[o.npermissions++] = l->rows[k].group;
	o.permissions = perms;
	if (l->each(l->ctx, &o))
		l->stopped = 1;
	arena_release(&a);
	return 0;
}

/* Every resource of type, a page at a time (startIndex and count, RFC 7644 section 3.4.2.4). */
static int
pages(struct connector *c, const char *type, int (*one)(struct connector *, json_t *, struct listing *, struct err *),
      struct listing *l, struct err *e)
{
	long start = 1;

	while (!l->stopped) {
		struct buf path = BUF_INIT;
		struct resp r = { 0 };
		json_t *doc = NULL, *list, *x;
		long total;
		size_t i, n;
		int bad = 0;

		buf_addf(&path, "/%s?startIndex=%ld&count=%ld", type, start, c->sp.page);
		if (http(c, "GET", path.s, NULL, NULL, path.s, &r, e) < 0)
			bad = 1;
		else if (r.status != 200)
			bad = scim_fail(c, path.s, &r, e) < 0;
		else if (!(doc = resp_json(c, path.s, &r, e)))
			bad = 1;
		resp_release(&r);
		buf_release(&path);
		if (bad)
			return -1;
		scim_list_parse(doc, &list, &total);
		n = json_array_size(list);
		json_array_foreach(list, i, x)
		{
			if (l->stopped)
				break;
			if (one(c, x, l, e) < 0) {
				json_decref(doc);
				return -1;
			}
		}
		json_decref(doc);
		start += (long)n;
		if (!n || (total >= 0 && start > total))
			break;
	}
	return 0;
}

static int
conn_scim_list(struct connector *c, int (*each)(void *ctx, const struct conn_object *o), void *ctx, struct err *e)
{
	struct listing l;
	int ret = -1;

	memset(&l, 0, sizeof(l));
	l.each = each;
	l.ctx = ctx;
	settle(c);
	if (provider_read(c, e) < 0)
		return -1;
	if (pages(c, "Groups", each_group, &l, e) < 0)
		goto out;
	if (l.nrows)
		qsort(l.rows, l.nrows, sizeof(*l.rows), row_cmp);
	if (pages(c, "Users", each_user, &l, e) < 0)
		goto out;
	ret = 0;
out:
	free(l.rows);
	arena_release(&l.a);
	return ret;
}

/* ---- open and close ---- */

static void
conn_scim_close(struct connector *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nq; i++)
		job_free(c->q[i]);
	free(c->q);
	for (size_t i = 0; i < c->nconflicts; i++)
		job_free(c->conflicts[i]);
	free(c->conflicts);
	slots_close(c);
	for (size_t i = 0; i < c->nlate; i++)
		free(c->late[i].ref);
	free(c->late);
	for (size_t i = 0; i < c->ncreated; i++)
		free(c->created_id[i]);
	free(c->created_id);
	strmap_release(&c->created);
	arena_release(&c->created_keys);
	for (size_t i = 0; i < c->ngath; i++) {
		free(c->gath[i].group);
		free(c->gath[i].employee_id);
		free(c->gath[i].ref);
	}
	free(c->gath);
	pf_reset(c);
	if (c->h)
		curl_easy_cleanup(c->h);
	if (c->th)
		curl_easy_cleanup(c->th);
	wipe_free(c->access);
	keys_release(&c->k);
	paths_release(c);
	for (size_t i = 0; i < c->nver; i++)
		free(c->ver[i]);
	free(c->ver);
	strmap_release(&c->ver_idx);
	arena_release(&c->ver_keys);
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->group_id[i]);
	free(c->group_id);
	strmap_release(&c->group_idx);
	arena_release(&c->group_keys);
	arena_release(&c->view);
	free(c);
}

/* Nothing is sent here: the first operation reads /ServiceProviderConfig (and takes an oauth2 token). */
static struct connector *
conn_scim_open(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	struct connector *c = xcalloc(1, sizeof(*c));
	CURLcode rc = CURLE_OK;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			free(c);
			err_set(e, ERR_INTERNAL, "libcurl cannot start");
			return NULL;
		}
		curl_ready = 1;
	}
	c->t = t;
	c->sp.page = PAGE_DEFAULT;
	if (keys_read(cfg, t, &c->k, e) < 0) {
		free(c);
		return NULL;
	}
	if (compile_paths(cfg, t, c, e) < 0)
		goto fail;
	if (!(c->h = curl_easy_init()) || handle_setup(c, c->h) < 0) {
		err_set(e, ERR_INTERNAL, "%s: libcurl cannot start", c->k.url);
		goto fail;
	}
	if (c->k.auth == AUTH_BEARER) {
		rc = curl_easy_setopt(c->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(c->h, CURLOPT_XOAUTH2_BEARER, c->k.token);
	} else if (c->k.auth == AUTH_BASIC) {
		rc = curl_easy_setopt(c->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(c->h, CURLOPT_USERNAME, c->k.user);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(c->h, CURLOPT_PASSWORD, c->k.password);
	}
	if (rc != CURLE_OK) {
		err_set(e, ERR_INTERNAL, "%s: libcurl refused the credentials' options", c->k.url);
		goto fail;
	}
	return c;
fail:
	conn_scim_close(c);
	return NULL;
}

const struct connector_ops connector_scim = {
	.name = "scim",
	.check = conn_scim_check,
	.open = conn_scim_open,
	.close = conn_scim_close,
	.lookup = conn_scim_lookup,
	.list = conn_scim_list,
	.create = conn_scim_create,
	.update = conn_scim_update,
	.set_enabled = conn_scim_set_enabled,
	.remove = conn_scim_remove,
	.permission = conn_scim_permission,
	.prefetch = conn_scim_prefetch,
	.wait = conn_scim_wait,
};
