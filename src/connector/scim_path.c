/*
 * SCIM attribute paths and responses (scim_path.h). What must hold: a
 * path is parsed whole or refused (no part of it is guessed at); every
 * value put in a path or a filter is a JSON literal (so a quote or a
 * backslash in a value is never syntax); nothing read from a response is
 * trusted for its size, type or bytes.
 */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/scim_path.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* ---- parsing ---- */

static int
is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_name_char(char ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '$';
}

static int
bad(char *why, size_t whylen, const char *s, const char *at, const char *what)
{
	snprintf(why, whylen, "\"%s\": %s at offset %zu", s, what, (size_t)(at - s));
	return -1;
}

/* ATTRNAME (RFC 7643 section 2.1; "$ref" too): malloc'd into *out, *q past it. */
static int
parse_name(const char **q, char **out)
{
	const char *s = *q;
	size_t n = 0;

	if (!is_alpha(s[0]) && s[0] != '$')
		return -1;
	while (is_name_char(s[n]))
		n++;
	*out = xstrndup(s, n);
	*q = s + n;
	return 0;
}

/* A filter's compValue (RFC 7644 section 3.4.2.2), a JSON scalar: into *out, *q past it. */
static int
parse_value(const char **q, json_t **out)
{
	const char *s = *q;
	size_t n = 0;
	json_t *v;

	if (*s == '"') {
		for (n = 1; s[n] && s[n] != '"'; n++)
			if (s[n] == '\\' && s[n + 1])
				n++;
		if (s[n] != '"')
			return -1;
		n++;
	} else {
		while (s[n] && s[n] != ' ' && s[n] != ']')
			n++;
	}
	if (!n || !(v = json_loadb(s, n, JSON_DECODE_ANY, NULL)))
		return -1;
	if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v) && !json_is_null(v)) {
		json_decref(v);
		return -1;
	}
	*out = v;
	*q = s + n;
	return 0;
}

static int
word(const char **q, const char *w)
{
	size_t n = strlen(w);

	if (strncasecmp(*q, w, n) || (*q)[n] != ' ')
		return 0;
	*q += n;
	return 1;
}

static void
spaces(const char **q)
{
	while (**q == ' ')
		(*q)++;
}

int
scim_path_parse(const char *s, struct scim_path *p, char *why, size_t whylen)
{
	const char *q = s;
	size_t n = strlen(s);

	memset(p, 0, sizeof(*p));
	if (!n)
		return bad(why, whylen, s, s, "an empty attribute path");
	if (n > SCIM_PATH_MAX) {
		snprintf(why, whylen, "an attribute path of %zu bytes (at most %d)", n, SCIM_PATH_MAX);
		return -1;
	}
	if (!strncasecmp(s, "urn:", 4)) {
		const char *lim = strchr(s, '['), *colon = NULL;

		if (!lim)
			lim = s + n;
		for (const char *x = s + 4; x < lim; x++)
			if (*x == ':')
				colon = x;
		if (!colon)
			return bad(why, whylen, s, s, "expected a schema URN, a colon and an attribute");
		for (const char *x = s; x < colon; x++) /* a URN is printable ASCII (RFC 8141) */
			if ((unsigned char)*x <= ' ' || (unsigned char)*x >= 0x7f || *x == '"' || *x == '\\' ||
			    *x == ']')
				return bad(why, whylen, s, x, "a character a URN cannot have");
		if (!((size_t)(colon - s) == strlen(SCIM_CORE_USER) &&
		      !strncasecmp(s, SCIM_CORE_USER, strlen(SCIM_CORE_USER))) &&
		    !((size_t)(colon - s) == strlen(SCIM_CORE_GROUP) &&
		      !strncasecmp(s, SCIM_CORE_GROUP, strlen(SCIM_CORE_GROUP))))
			p->urn = xstrndup(s, (size_t)(colon - s));
		q = colon + 1;
	}
	if (parse_name(&q, &p->attr) < 0)
		return bad(why, whylen, s, q, "expected an attribute name (a letter, then letters, digits, - or _)");
	if (*q == '[') {
		q++;
		for (;;) {
			struct scim_term *t;

			spaces(&q);
			if (p->nterms == SCIM_TERMS_MAX)
				return bad(why, whylen, s, q, "more terms in the filter than roster takes (4)");
			t = &p->terms[p->nterms];
			if (parse_name(&q, &t->attr) < 0)
				return bad(why, whylen, s, q, "expected a sub-attribute name in the filter");
			p->nterms++;
			for (size_t i = 0; i + 1 < p->nterms; i++)
				if (!strcasecmp(p->terms[i].attr, t->attr))
					return bad(why, whylen, s, q, "a sub-attribute the filter names twice");
			if (*q != ' ')
				return bad(why, whylen, s, q, "expected \" eq \" (the filter of a path takes eq, and)");
			spaces(&q);
			if (!word(&q, "eq"))
				return bad(why, whylen, s, q, "expected \"eq\" (the filter of a path takes eq, and)");
			spaces(&q);
			if (parse_value(&q, &t->value) < 0)
				return bad(why, whylen, s, q,
					   "expected a value: a \"quoted\" JSON string, a number, true, false or null");
			spaces(&q);
			if (*q == ']')
				break;
			if (!word(&q, "and"))
				return bad(why, whylen, s, q, "expected \"and\" or \"]\"");
		}
		q++;
	}
	if (*q == '.') {
		q++;
		if (parse_name(&q, &p->sub) < 0)
			return bad(why, whylen, s, q, "expected a sub-attribute name after \".\"");
	}
	if (*q)
		return bad(why, whylen, s, q, "unexpected characters");
	if (p->nterms && !p->sub)
		return bad(why, whylen, s, q,
			   "expected a sub-attribute after the filter, as in emails[type eq \"work\"].value");
	return 0;
}

void
scim_path_release(struct scim_path *p)
{
	if (!p)
		return;
	free(p->urn);
	free(p->attr);
	for (size_t i = 0; i < p->nterms; i++) {
		free(p->terms[i].attr);
		json_decref(p->terms[i].value);
	}
	free(p->sub);
	memset(p, 0, sizeof(*p));
}

int
scim_path_multi_unselected(const struct scim_path *p)
{
	static const char *const multi[] = { "emails", "phoneNumbers", "ims",	"photos",	    "addresses",
					     "groups", "entitlements", "roles", "x509Certificates", "members" };

	if (p->urn || p->nterms)
		return 0;
	for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++)
		if (!strcasecmp(p->attr, multi[i]))
			return 1;
	return 0;
}

/* ---- writing paths and filters ---- */

static void
add_value(struct buf *b, const json_t *v)
{
	if (json_is_string(v)) {
		buf_add_json_str(b, json_string_value(v));
	} else {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		buf_adds(b, s ? s : "null");
		free(s);
	}
}

static void
add_head(const struct scim_path *p, struct buf *out)
{
	if (p->urn) {
		buf_adds(out, p->urn);
		buf_addch(out, ':');
	}
	buf_adds(out, p->attr);
}

static void
add_terms(const struct scim_path *p, struct buf *out)
{
	for (size_t i = 0; i < p->nterms; i++) {
		if (i)
			buf_adds(out, " and ");
		buf_adds(out, p->terms[i].attr);
		buf_adds(out, " eq ");
		add_value(out, p->terms[i].value);
	}
}

void
scim_path_format(const struct scim_path *p, int with_sub, struct buf *out)
{
	add_head(p, out);
	if (p->nterms) {
		buf_addch(out, '[');
		add_terms(p, out);
		buf_addch(out, ']');
	}
	if (with_sub && p->sub) {
		buf_addch(out, '.');
		buf_adds(out, p->sub);
	}
}

void
scim_path_filter(const struct scim_path *p, const char *value, struct buf *out)
{
	if (p->nterms) {
		/* a valuePath takes no sub-attribute after it: the value is a term of its filter */
		add_head(p, out);
		buf_addch(out, '[');
		add_terms(p, out);
		buf_adds(out, " and ");
		buf_adds(out, p->sub ? p->sub : "value");
		buf_adds(out, " eq ");
		buf_add_json_str(out, value);
		buf_addch(out, ']');
		return;
	}
	scim_path_format(p, 1, out);
	buf_adds(out, " eq ");
	buf_add_json_str(out, value);
}

/* ---- reading and changing resources ---- */

/* The key of o that is key without ASCII case (the exact one first), or NULL. */
static const char *
key_of(const json_t *o, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return NULL;
	if (json_object_get(o, key))
		return key;
	json_object_foreach((json_t *)o, k, v)
	{
		if (!strcasecmp(k, key))
			return k;
	}
	return NULL;
}

json_t *
scim_json_get(const json_t *o, const char *key)
{
	const char *k = key_of(o, key);

	return k ? json_object_get(o, k) : NULL;
}

static int
same_string(const json_t *a, const json_t *b)
{
	size_t n = json_string_length(a);

	return n == json_string_length(b) && !strncasecmp(json_string_value(a), json_string_value(b), n) &&
	       !memchr(json_string_value(a), '\0', n);
}

int
scim_path_selects(const struct scim_path *p, const json_t *elem)
{
	if (!json_is_object(elem))
		return 0;
	for (size_t i = 0; i < p->nterms; i++) {
		const json_t *want = p->terms[i].value, *have = scim_json_get(elem, p->terms[i].attr);

		if (json_is_null(want)) {
			if (have && !json_is_null(have))
				return 0;
		} else if (!have) {
			return 0;
		} else if (json_is_string(want)) {
			if (!json_is_string(have) || !same_string(want, have))
				return 0;
		} else if (json_is_number(want)) {
			if (!json_is_number(have) || json_number_value(want) != json_number_value(have))
				return 0;
		} else if (!json_equal((json_t *)want, (json_t *)have)) {
			return 0;
		}
	}
	return 1;
}

/* The value of a multi-valued attribute a path without a filter means: the primary one, else the first. */
static const json_t *
primary(const json_t *arr)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		if (json_is_true(scim_json_get(v, "primary")))
			return v;
	}
	return json_array_get(arr, 0);
}

static int
scalar(const json_t *v, struct arena *a, const char **out)
{
	char num[64];

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		size_t n = json_string_length(v);

		if (n > SCIM_VALUE_MAX || memchr(json_string_value(v), '\0', n))
			return -1;
		*out = arena_strndup(a, json_string_value(v), n);
		return 1;
	}
	if (json_is_boolean(v)) {
		*out = json_is_true(v) ? "true" : "false";
		return 1;
	}
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = arena_strdup(a, num);
		return 1;
	}
	if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		*out = arena_strdup(a, num);
		return 1;
	}
	return -1;
}

int
scim_path_get(const struct scim_path *p, const json_t *res, struct arena *a, const char **out)
{
	const json_t *cont = res, *v;

	if (!json_is_object(res))
		return -1;
	if (p->urn) {
		cont = scim_json_get(res, p->urn);
		if (!cont || json_is_null(cont))
			return 0;
		if (!json_is_object(cont))
			return -1;
	}
	v = scim_json_get(cont, p->attr);
	if (!v || json_is_null(v))
		return 0;
	if (p->nterms) {
		const json_t *hit = NULL, *e;
		size_t i;

		if (!json_is_array(v))
			return -1;
		json_array_foreach(v, i, e)
		{
			if (scim_path_selects(p, e)) {
				hit = e;
				break;
			}
		}
		if (!hit)
			return 0;
		return scalar(scim_json_get(hit, p->sub), a, out);
	}
	if (json_is_array(v)) {
		if (!(v = primary(v)))
			return 0;
	}
	if (p->sub) {
		if (!json_is_object(v))
			return -1;
		v = scim_json_get(v, p->sub);
	}
	return scalar(v, a, out);
}

/* Sets member key of object o (under the spelling o has, if any) to v (stolen). */
static int
set_member(json_t *o, const char *key, json_t *v)
{
	const char *k = key_of(o, key);

	if (!v)
		return -1;
	return json_object_set_new(o, k ? k : key, v) < 0 ? -1 : 0;
}

static void
del_member(json_t *o, const char *key)
{
	const char *k = key_of(o, key);

	if (k)
		json_object_del(o, k);
}

/* The object (or array, with want_array) that is member key of o; made when missing unless removing. */
static json_t *
child(json_t *o, const char *key, int make, int want_array, int *err)
{
	json_t *c = scim_json_get(o, key);

	*err = 0;
	if (c && !json_is_null(c)) {
		if (want_array ? !json_is_array(c) : !json_is_object(c))
			*err = 1;
		return *err ? NULL : c;
	}
	if (!make)
		return NULL;
	c = want_array ? json_array() : json_object();
	if (set_member(o, key, c) < 0) {
		*err = 1;
		return NULL;
	}
	return c;
}

static int
set_in_values(const struct scim_path *p, json_t *cont, const char *value, int del)
{
	int err, matched = 0;
	json_t *arr = child(cont, p->attr, !del, 1, &err), *elem;

	if (err)
		return -1;
	if (!arr)
		return 0;
	for (size_t i = json_array_size(arr); i-- > 0;) {
		elem = json_array_get(arr, i);
		if (!scim_path_selects(p, elem))
			continue;
		matched++;
		if (!del) {
			if (set_member(elem, p->sub, json_string(value)) < 0)
				return -1;
		} else if (!strcasecmp(p->sub, "value")) {
			json_array_remove(arr, i); /* the selected value itself */
		} else {
			del_member(elem, p->sub);
		}
	}
	if (!del && !matched) {
		elem = json_object();
		for (size_t i = 0; i < p->nterms; i++)
			if (!json_is_null(p->terms[i].value))
				json_object_set_new(elem, p->terms[i].attr, json_deep_copy(p->terms[i].value));
		if (set_member(elem, p->sub, json_string(value)) < 0) {
			json_decref(elem);
			return -1;
		}
		json_array_append_new(arr, elem);
	}
	if (!json_array_size(arr))
		del_member(cont, p->attr);
	return 0;
}

int
scim_path_set(const struct scim_path *p, json_t *res, const char *value)
{
	int del = !value || !*value, err, ret = 0;
	json_t *cont = res, *o;

	if (!json_is_object(res))
		return -1;
	if (p->urn) {
		cont = child(res, p->urn, !del, 0, &err);
		if (err)
			return -1;
		if (!cont)
			return 0;
	}
	if (p->nterms) {
		ret = set_in_values(p, cont, value, del);
	} else if (p->sub) {
		o = child(cont, p->attr, !del, 0, &err);
		if (err) {
			ret = -1;
		} else if (o) {
			if (del)
				del_member(o, p->sub);
			else
				ret = set_member(o, p->sub, json_string(value));
			if (!json_object_size(o))
				del_member(cont, p->attr);
		}
	} else if (del) {
		del_member(cont, p->attr);
	} else {
		ret = set_member(cont, p->attr, json_string(value));
	}
	if (p->urn && !json_object_size(cont))
		del_member(res, p->urn);
	return ret;
}

/* ---- responses ---- */

/* Copies n bytes of s into out (size outlen) as printable text: control bytes as spaces, cut on a character. */
static void
printable(const char *s, size_t n, char *out, size_t outlen)
{
	size_t bad_at, k = 0;
	int utf8 = text_utf8_check(s, n, &bad_at) == 0;

	for (size_t i = 0; i < n && k + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		else if (ch >= 0x80 && !utf8)
			ch = '?';
		out[k++] = (char)ch;
	}
	/* not half a UTF-8 sequence at the end */
	if (utf8 && k < n && k > 0) {
		size_t end = k;

		while (end > 0 && ((unsigned char)out[end - 1] & 0xC0) == 0x80)
			end--;
		if (end > 0 && (unsigned char)out[end - 1] >= 0xC0) {
			size_t want = (unsigned char)out[end - 1] >= 0xF0   ? 4
				      : (unsigned char)out[end - 1] >= 0xE0 ? 3
									    : 2;

			if (k - (end - 1) < want)
				k = end - 1;
		}
	}
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

static void
member_text(const json_t *o, const char *key, char *out, size_t outlen)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		printable(json_string_value(v), json_string_length(v), out, outlen);
}

void
scim_error_parse(const char *body, size_t len, struct scim_error *out)
{
	json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;

	out->detail[0] = out->type[0] = '\0';
	if (json_is_object(j)) {
		/* SCIM's detail; an OAuth 2.0 token endpoint's error_description and error (RFC 6749 section 5.2) */
		static const char *const keys[] = { "detail", "error_description", "message", "error" };

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !out->detail[0]; i++)
			member_text(j, keys[i], out->detail, sizeof(out->detail));
		member_text(j, "scimType", out->type, sizeof(out->type));
		if (!out->type[0] && json_is_string(json_object_get(j, "error")) && out->detail[0] &&
		    json_object_get(j, "error_description"))
			member_text(j, "error", out->type, sizeof(out->type));
	} else if (len) {
		printable(body, len, out->detail, sizeof(out->detail));
	}
	json_decref(j);
}

long
scim_retry_after(const char *v, time_t now)
{
	const char *s = v;
	time_t when;
	char *end;
	long n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s >= '0' && *s <= '9') {
		errno = 0;
		n = strtol(s, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end)
			return -1;
		if (errno == ERANGE || n > 1000000000L)
			n = 1000000000L;
		return n;
	}
	if (!*s || (when = curl_getdate(s, NULL)) == -1)
		return -1;
	if (when <= now)
		return 0;
	return when - now > 1000000000L ? 1000000000L : (long)(when - now);
}

int
scim_list_parse(const json_t *doc, json_t **resources, long *total)
{
	json_t *r, *t;

	*resources = NULL;
	*total = -1;
	if (!json_is_object(doc))
		return -1;
	r = scim_json_get(doc, "Resources");
	if (json_is_array(r))
		*resources = r;
	t = scim_json_get(doc, "totalResults");
	if (json_is_integer(t) && json_integer_value(t) >= 0)
		*total = json_integer_value(t) > LONG_MAX ? LONG_MAX : (long)json_integer_value(t);
	return 0;
}
