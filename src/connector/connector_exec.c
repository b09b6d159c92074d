/*
 * The exec connector: a target whose accounts only a program of the user's
 * knows how to reach (an application roster has never heard of). Every
 * action is one run of that program (docs/connector-exec.md):
 *
 *	command: [connectors/payroll.sh]     argv, no shell; relative to roster.yaml's folder
 *	timeout: 30                          seconds per run
 *	env: {API_KEY: ${env:PAYROLL_KEY}}   added to its environment (secrets go here, never in argv)
 *
 * roster writes one JSON document to its stdin ({"op": "create", …}) and
 * reads one from its stdout ({"ok": true, "ref": "…"} or {"ok": false,
 * "transient": true, "error": "…"}). The program runs in roster.yaml's
 * folder, in a process group of its own that is killed when it has
 * answered or when the timeout passes (util/spawn.h).
 *
 * Classes (connector.h): an answer ok:false is transient or permanent as
 * it says, or not found / conflict by its "code"; a timeout is transient;
 * a non-zero exit without such an answer, a signal, or stdout that is not
 * the answer, permanent. Messages carry the program's "error" and the tail
 * of its stderr, never the environment: every env: value is masked in
 * them.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connector/connector.h"
#include "connector/connector_exec.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/spawn.h"
#include "util/strmap.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define PROTOCOL 1
#define TIMEOUT_DEFAULT 30 /* seconds */
#define TIMEOUT_MAX 86400
#define GRACE_MS 1000		       /* SIGTERM at the timeout, SIGKILL this much later */
#define ANSWER_MAX ((size_t)16 << 20)  /* one answer (a list answers in pages) */
#define STDERR_KEPT ((size_t)64 << 10) /* the tail of stderr read back */
#define STDERR_SHOWN 700	       /* … and shown in a message */
#define ERROR_SHOWN 600		       /* of the answer's "error" */
#define STDOUT_SHOWN 100	       /* of an answer that is not one */
#define PROGRAM_SHOWN 200	       /* of command[0] */
#define MASK_MIN 4		       /* env: values shorter than this are not masked (they are too common) */
#define PAGES_MAX 1000000	       /* a list of more pages is taken to be a loop */
#define REF_MAX (sizeof(((struct conn_result *)0)->ref) - 1)

static const char *const op_names[EXEC_NOPS] = {
	"lookup", "list", "create", "update", "enable", "disable", "delete", "grant", "revoke",
};

const char *
exec_op_name(enum exec_op op)
{
	return op < EXEC_NOPS ? op_names[op] : "?";
}

/* ---- what the program may show ---- */

/* The length of the UTF-8 character at s[0..n), or 0 when it is not valid there. */
static size_t
utf8_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t len = c < 0x80		      ? 1
		     : c >= 0xC2 && c <= 0xDF ? 2
		     : c >= 0xE0 && c <= 0xEF ? 3
		     : c >= 0xF0 && c <= 0xF4 ? 4
					      : 0;
	size_t bad;

	if (!len || len > n || text_utf8_check(s, len, &bad) < 0)
		return 0;
	return len;
}

static void
add_separator(struct buf *out, size_t start)
{
	if (out->len > start && (out->len < start + 3 || strcmp(out->s + out->len - 3, " | ")))
		buf_adds(out, " | ");
}

void
exec_text_show(struct buf *out, const char *s, size_t n, size_t max, int tail, const char *const *masks, size_t nmasks)
{
	struct buf m = BUF_INIT, clean = BUF_INIT;
	size_t from = 0, to;

	/* the secrets go first, so that no cut can leave half of one */
	buf_add(&m, s, n);
	for (size_t k = 0; k < nmasks; k++) {
		size_t mlen = strlen(masks[k]);
		struct buf next = BUF_INIT;
		const char *p = m.s, *end = m.s + m.len, *hit;

		if (mlen < MASK_MIN)
			continue;
		while ((hit = memmem(p, (size_t)(end - p), masks[k], mlen))) {
			buf_add(&next, p, (size_t)(hit - p));
			buf_adds(&next, "***");
			p = hit + mlen;
		}
		buf_add(&next, p, (size_t)(end - p));
		buf_release(&m);
		m = next;
	}
	/* then one line of UTF-8 without control characters */
	buf_add(&clean, "", 0);
	for (size_t i = 0; i < m.len;) {
		unsigned char c = (unsigned char)m.s[i];
		size_t len;

		if (c == '\n' || c == '\r') {
			add_separator(&clean, 0);
			i++;
		} else if (c == '\t') {
			buf_addch(&clean, ' ');
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			buf_addch(&clean, '?');
			i++;
		} else if ((len = utf8_len(m.s + i, m.len - i))) {
			buf_add(&clean, m.s + i, len);
			i += len;
		} else {
			buf_addch(&clean, '?');
			i++;
		}
	}
	buf_release(&m);
	/* without white space (or a line end) around it */
	to = clean.len;
	while (from < to && clean.s[from] == ' ')
		from++;
	while (to > from && (clean.s[to - 1] == ' ' || (to - from >= 2 && !memcmp(clean.s + to - 2, " |", 2))))
		to -= clean.s[to - 1] == ' ' ? 1 : 2;
	/* and at most max bytes of it, cut between two characters */
	if (to - from > max && tail) {
		from = to - max;
		while (from < to && ((unsigned char)clean.s[from] & 0xC0) == 0x80)
			from++;
		buf_adds(out, "…");
		buf_add(out, clean.s + from, to - from);
	} else if (to - from > max) {
		to = from + max;
		while (to > from && ((unsigned char)clean.s[to] & 0xC0) == 0x80)
			to--;
		buf_add(out, clean.s + from, to - from);
		buf_adds(out, "…");
	} else {
		buf_add(out, clean.s + from, to - from);
	}
	buf_release(&clean);
}

/* ---- reading the answer ---- */

static void
account_release(struct exec_account *acc)
{
	free(acc->ref);
	for (size_t i = 0; i < acc->nattrs; i++) {
		free((char *)acc->attrs[i].name);
		free((char *)acc->attrs[i].value);
	}
	free(acc->attrs);
	for (size_t i = 0; i < acc->npermissions; i++)
		free(acc->permissions[i]);
	free(acc->permissions);
	memset(acc, 0, sizeof(*acc));
}

void
exec_answer_release(struct exec_answer *a)
{
	free(a->error);
	free(a->ref);
	account_release(&a->account);
	for (size_t i = 0; i < a->naccounts; i++)
		account_release(&a->accounts[i]);
	free(a->accounts);
	free(a->next);
	memset(a, 0, sizeof(*a));
}

static const char *
json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a whole number";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* The ref in v: a string, not empty, that fits a conn_result; malloc'd into *out. */
static int
ref_read(const json_t *v, const char *where, char **out, struct err *e)
{
	if (!json_is_string(v) || !json_string_length(v))
		return err_set(e, ERR_PERMANENT, "%s\"ref\" is %s, not a string that is not empty", where,
			       v ? json_kind(v) : "missing");
	if (json_string_length(v) > REF_MAX)
		return err_set(e, ERR_PERMANENT, "%s\"ref\" is longer than %zu bytes", where, REF_MAX);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
account_read(const json_t *o, const char *where, struct exec_account *acc, struct err *e)
{
	const json_t *v;

	memset(acc, 0, sizeof(*acc));
	if (!json_is_object(o))
		return err_set(e, ERR_PERMANENT, "%sexpected an account (an object), found %s", where, json_kind(o));
	if (ref_read(json_object_get(o, "ref"), where, &acc->ref, e) < 0)
		goto fail;
	acc->enabled = 1;
	if ((v = json_object_get(o, "enabled")) && !json_is_boolean(v)) {
		err_set(e, ERR_PERMANENT, "%s\"enabled\" is %s, not true or false", where, json_kind(v));
		goto fail;
	}
	if (v)
		acc->enabled = json_is_true(v);
	if ((v = json_object_get(o, "attributes")) && !json_is_null(v)) {
		const char *name;
		json_t *x;

		if (!json_is_object(v)) {
			err_set(e, ERR_PERMANENT, "%s\"attributes\" is %s, not an object", where, json_kind(v));
			goto fail;
		}
		acc->attrs = xcalloc(json_object_size(v) + 1, sizeof(*acc->attrs));
		json_object_foreach((json_t *)v, name, x)
		{
			char num[32];
			const char *val;

			if (json_is_null(x))
				continue; /* no value */
			if (json_is_string(x)) {
				val = json_string_value(x);
			} else if (json_is_integer(x)) {
				snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(x));
				val = num;
			} else {
				err_set(e, ERR_PERMANENT, "%sattribute \"%.100s\" is %s, not a string", where, name,
					json_kind(x));
				goto fail;
			}
			if (!*name) {
				err_set(e, ERR_PERMANENT, "%san attribute has an empty name", where);
				goto fail;
			}
			acc->attrs[acc->nattrs].name = xstrdup(name);
			acc->attrs[acc->nattrs++].value = xstrdup(val);
		}
		qsort(acc->attrs, acc->nattrs, sizeof(*acc->attrs), account_attr_cmp);
	}
	if ((v = json_object_get(o, "permissions")) && !json_is_null(v)) {
		size_t i;
		json_t *x;

		if (!json_is_array(v)) {
			err_set(e, ERR_PERMANENT, "%s\"permissions\" is %s, not a list", where, json_kind(v));
			goto fail;
		}
		acc->permissions = xcalloc(json_array_size(v) + 1, sizeof(*acc->permissions));
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x) || !json_string_length(x)) {
				err_set(e, ERR_PERMANENT, "%s\"permissions\" %zu is %s, not a name", where, i + 1,
					json_kind(x));
				goto fail;
			}
			acc->permissions[acc->npermissions++] = xstrdup(json_string_value(x));
		}
	}
	return 0;
fail:
	account_release(acc);
	return -1;
}

static int
failure_read(const json_t *j, struct exec_answer *a, struct err *e)
{
	const json_t *v;

	a->class = ERR_PERMANENT;
	if ((v = json_object_get(j, "error")) && !json_is_string(v) && !json_is_null(v))
		return err_set(e, ERR_PERMANENT, "\"error\" is %s, not a string", json_kind(v));
	a->error = xstrdup(json_is_string(v) && json_string_length(v) ? json_string_value(v) : "(no error text)");
	if ((v = json_object_get(j, "transient")) && !json_is_boolean(v) && !json_is_null(v))
		return err_set(e, ERR_PERMANENT, "\"transient\" is %s, not true or false", json_kind(v));
	if (json_is_true(v))
		a->class = ERR_TRANSIENT;
	if ((v = json_object_get(j, "code")) && !json_is_null(v)) {
		const char *code = json_string_value(v);

		if (code && !strcmp(code, "notfound"))
			a->class = ERR_NOTFOUND;
		else if (code && !strcmp(code, "conflict"))
			a->class = ERR_CONFLICT;
		else
			return err_set(e, ERR_PERMANENT, "\"code\" is %s%.50s%s, not \"notfound\" or \"conflict\"",
				       code ? "\"" : json_kind(v), code ? code : "", code ? "\"" : "");
	}
	return 0;
}

static int
success_read(enum exec_op op, const json_t *j, struct exec_answer *a, struct err *e)
{
	const json_t *v;

	switch (op) {
	case EXEC_LOOKUP:
		v = json_object_get(j, "found");
		if (v && !json_is_boolean(v))
			return err_set(e, ERR_PERMANENT, "\"found\" is %s, not true or false", json_kind(v));
		/* without "found", an answer with a ref found it */
		a->found = v ? json_is_true(v) : json_object_get(j, "ref") != NULL;
		if (a->found)
			return account_read(j, "", &a->account, e);
		return 0;
	case EXEC_LIST: {
		size_t i;
		json_t *x;

		if (!json_is_array(v = json_object_get(j, "accounts")))
			return err_set(e, ERR_PERMANENT, "\"accounts\" is %s, not a list of accounts",
				       v ? json_kind(v) : "missing");
		a->accounts = xcalloc(json_array_size(v) + 1, sizeof(*a->accounts));
		json_array_foreach(v, i, x)
		{
			char where[64];

			snprintf(where, sizeof(where), "account %zu of \"accounts\": ", i + 1);
			if (account_read(x, where, &a->accounts[a->naccounts], e) < 0)
				return -1;
			a->naccounts++;
		}
		if ((v = json_object_get(j, "next")) && !json_is_null(v)) {
			if (!json_is_string(v) || !json_string_length(v))
				return err_set(e, ERR_PERMANENT, "\"next\" is %s, not a cursor (a string) or null",
					       json_kind(v));
			a->next = xstrdup(json_string_value(v));
		}
		return 0;
	}
	case EXEC_CREATE: return ref_read(json_object_get(j, "ref"), "", &a->ref, e);
	case EXEC_ENABLE:
	case EXEC_DISABLE:
		/* a new name, when enabling or disabling renamed it */
		if ((v = json_object_get(j, "ref")) && !json_is_null(v))
			return ref_read(v, "", &a->ref, e);
		return 0;
	default: return 0;
	}
}

int
exec_answer_parse(enum exec_op op, const char *data, size_t len, struct exec_answer *a, struct err *e)
{
	json_error_t je;
	json_t *j, *ok;
	size_t i;
	int ret;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < len && strchr(" \t\r\n", data[i]) && data[i]; i++)
		;
	if (i == len)
		return err_set(e, ERR_PERMANENT,
			       "gave no answer on stdout (expected one JSON object, as {\"ok\": true})");
	if (!(j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)))
		return err_set(e, ERR_PERMANENT, "the answer to %s is not one JSON object: %s (line %d, column %d)",
			       exec_op_name(op), je.text, je.line, je.column);
	if (!json_is_object(j)) {
		err_set(e, ERR_PERMANENT, "the answer to %s is %s, not a JSON object", exec_op_name(op), json_kind(j));
		json_decref(j);
		return -1;
	}
	ok = json_object_get(j, "ok");
	if (!json_is_boolean(ok)) {
		err_set(e, ERR_PERMANENT, "the answer to %s has %s \"ok\" (expected true or false)", exec_op_name(op),
			ok ? json_kind(ok) : "no");
		json_decref(j);
		return -1;
	}
	a->ok = json_is_true(ok);
	ret = a->ok ? success_read(op, j, a, e) : failure_read(j, a, e);
	json_decref(j);
	if (ret < 0) {
		exec_answer_release(a);
		err_prefix(e, "the answer to %s", exec_op_name(op));
	}
	return ret;
}

/* ---- the keys ---- */

/* conn_key_error at key o, or at the target when o's place is not known (an empty [] has none). */
static int key_error(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, struct err *e,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
key_error(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, struct err *e,
	  const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (o && !o->pos.line)
		conn_key_error(cfg, t, NULL, e, "%s: %s", o->key, b.s);
	else
		conn_key_error(cfg, t, o, e, "%s", b.s);
	buf_release(&b);
	return -1;
}

struct exec_keys {
	char *path;   /* command[0], found */
	char **argv;  /* command as written; NULL-terminated */
	char **env;   /* "NAME=VALUE": env:, then ROSTER_TARGET; NULL-terminated */
	char **masks; /* the env: values, hidden in messages; NULL-terminated */
	size_t nmasks;
	long timeout;
};

static void
keys_release(struct exec_keys *k)
{
	for (char **p = k->argv; p && *p; p++)
		free(*p);
	free(k->argv);
	for (char **p = k->env; p && *p; p++)
		free(*p);
	free(k->env);
	for (char **p = k->masks; p && *p; p++)
		free(*p);
	free(k->masks);
	free(k->path);
	memset(k, 0, sizeof(*k));
}

/* path made absolute against the working directory (malloc'd): the child changes its own first. */
static char *
absolute(char *path)
{
	char cwd[4096];
	struct buf b = BUF_INIT;
	const char *rel = path;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return path;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2 + strspn(rel + 2, "/");
	buf_addf(&b, "%s/%s", cwd, rel);
	free(path);
	return buf_detach(&b);
}

static int
is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/*
 * The program command[0] names: a path (with a '/') relative to
 * roster.yaml's folder, or a name looked up in PATH as a shell would.
 */
static int
program_find(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, const char *cmd,
	     char **out, struct err *e)
{
	struct stat st;
	char *path;

	if (!strchr(cmd, '/')) {
		const char *p = getenv("PATH");
		struct buf b = BUF_INIT;

		for (p = p ? p : "/usr/local/bin:/usr/bin:/bin"; *p;) {
			size_t n = strcspn(p, ":");

			if (n) {
				buf_reset(&b);
				buf_add(&b, p, n);
				buf_addf(&b, "/%s", cmd);
				if (is_program(b.s)) {
					*out = absolute(buf_detach(&b));
					return 0;
				}
			}
			p += n + (p[n] == ':');
		}
		buf_release(&b);
		return key_error(cfg, t, o, e,
				 "\"%s\" is not a program in PATH (a program next to roster.yaml is ./%s)", cmd, cmd);
	}
	path = absolute(file_join(cfg->dir, cmd));
	if (stat(path, &st) < 0) {
		key_error(cfg, t, o, e, "\"%s\": %s (%s%s)", cmd, strerror(errno), path,
			  cmd[0] == '/' ? "" : ": a relative path is taken from the folder of roster.yaml");
	} else if (!S_ISREG(st.st_mode)) {
		key_error(cfg, t, o, e, "\"%s\" is not a file (%s)", cmd, path);
	} else if (access(path, X_OK) < 0) {
		key_error(cfg, t, o, e, "\"%s\" is not executable (chmod +x %s)", cmd, path);
	} else {
		*out = path;
		return 0;
	}
	free(path);
	return -1;
}

static int
env_name_valid(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static int
keys_read(const struct config *cfg, const struct cfg_target *t, struct exec_keys *k, struct err *e)
{
	const struct cfg_option *o;
	struct buf b = BUF_INIT;
	size_t n = 0, i;
	json_t *v;

	memset(k, 0, sizeof(*k));
	k->timeout = TIMEOUT_DEFAULT;
	if (!(o = cfg_target_option(t, "command")))
		return key_error(
			cfg, t, NULL, e,
			"missing key \"command\" (expected the program and its arguments, as in [connectors/payroll.sh])");
	if (!json_is_array(o->value) || !json_array_size(o->value))
		return key_error(cfg, t, o, e,
				 "expected a list: [program, argument, …] (no shell: each argument one item)");
	k->argv = xcalloc(json_array_size(o->value) + 1, sizeof(*k->argv));
	json_array_foreach(o->value, i, v)
	{
		if (!json_is_string(v) || (!i && !json_string_length(v))) {
			key_error(cfg, t, o, e, "item %zu is %s, expected %s", i + 1, json_kind(v),
				  i ? "a string" : "the program");
			goto fail;
		}
		k->argv[i] = xstrdup(json_string_value(v));
	}
	if (program_find(cfg, t, o, k->argv[0], &k->path, e) < 0)
		goto fail;
	if ((o = cfg_target_option(t, "timeout"))) {
		const char *s = json_string_value(o->value);
		char *end;

		errno = 0;
		k->timeout = s ? strtol(s, &end, 10) : 0;
		if (!s || !*s || *end || errno || k->timeout < 1 || k->timeout > TIMEOUT_MAX) {
			key_error(cfg, t, o, e, "expected a whole number of seconds from 1 to %d, found %s%s%s",
				  TIMEOUT_MAX, s ? "\"" : json_kind(o->value), s ? s : "", s ? "\"" : "");
			goto fail;
		}
	}
	o = cfg_target_option(t, "env");
	if (o && !json_is_object(o->value)) {
		key_error(cfg, t, o, e, "expected a mapping of NAME: value, found %s", json_kind(o->value));
		goto fail;
	}
	k->env = xcalloc((o ? json_object_size(o->value) : 0) + 2, sizeof(*k->env));
	k->masks = xcalloc((o ? json_object_size(o->value) : 0) + 1, sizeof(*k->masks));
	if (o) {
		const char *name;

		json_object_foreach(o->value, name, v)
		{
			if (!env_name_valid(name)) {
				key_error(cfg, t, o, e,
					  "\"%s\" is not a name for the environment (letters, digits and _)", name);
				goto fail;
			}
			if (!json_is_string(v)) {
				key_error(cfg, t, o, e, "%s: expected a value, found %s", name, json_kind(v));
				goto fail;
			}
			buf_reset(&b);
			buf_addf(&b, "%s=%s", name, json_string_value(v));
			k->env[n++] = buf_detach(&b);
			if (json_string_length(v) >= MASK_MIN)
				k->masks[k->nmasks++] = xstrdup(json_string_value(v));
		}
	}
	if (!o || !json_object_get(o->value, "ROSTER_TARGET")) {
		buf_reset(&b);
		buf_addf(&b, "ROSTER_TARGET=%s", t->name);
		k->env[n++] = buf_detach(&b);
	}
	buf_release(&b);
	return 0;
fail:
	buf_release(&b);
	keys_release(k);
	return -1;
}

/* ---- running it ---- */

struct connector {
	const struct config *cfg;
	const struct cfg_target *t;
	struct exec_keys k;
	struct exec_answer last; /* what lookup handed out, valid until the next call */
	const char **perm_view;
};

static json_t *
request_new(struct connector *c, enum exec_op op)
{
	json_t *j = json_object();

	json_object_set_new(j, "op", json_string(exec_op_name(op)));
	json_object_set_new(j, "protocol", json_integer(PROTOCOL));
	json_object_set_new(j, "target", json_stringn(c->t->name, strlen(c->t->name)));
	return j;
}

/* Sets key to the string s; 0, or -1 with e set when s is not UTF-8 (JSON cannot carry it). */
static int
put(json_t *o, const char *key, const char *s, struct err *e)
{
	json_t *v = json_string(s);

	if (!v)
		return err_set(e, ERR_PERMANENT, "the value of %s is not UTF-8: it cannot be sent", key);
	json_object_set_new(o, key, v);
	return 0;
}

static int
put_attrs(json_t *o, const char *key, const struct account_attr *attrs, size_t n, struct err *e)
{
	json_t *a = json_object();

	json_object_set_new(o, key, a);
	for (size_t i = 0; i < n; i++)
		if (put(a, attrs[i].name, attrs[i].value, e) < 0)
			return -1;
	return 0;
}

/*
 * The request about the account of rq: employee_id, correlate, and
 * "account": its ref, its state (enabled >= 0) and its attributes (when
 * the action comes with them).
 */
static json_t *
request_of(struct connector *c, enum exec_op op, const struct conn_request *rq, int enabled, struct err *e)
{
	json_t *j = request_new(c, op), *acc = json_object();

	json_object_set_new(j, "account", acc);
	if ((rq->employee_id && put(j, "employee_id", rq->employee_id, e) < 0) ||
	    (rq->correlate && put(j, "correlate", rq->correlate, e) < 0) ||
	    (rq->ref && put(acc, "ref", rq->ref, e) < 0) ||
	    (rq->attrs && put_attrs(acc, "attributes", rq->attrs, rq->nattrs, e) < 0)) {
		json_decref(j);
		return NULL;
	}
	if (enabled >= 0)
		json_object_set_new(acc, "enabled", json_boolean(enabled));
	return j;
}

/* "…(stderr: …)" when the program wrote any. */
static void
add_stderr(struct connector *c, struct buf *b, const struct spawn_result *r)
{
	struct buf s = BUF_INIT;

	exec_text_show(&s, r->err, r->err_len, STDERR_SHOWN, 1, (const char *const *)c->k.masks, c->k.nmasks);
	if (s.len)
		buf_addf(b, " (stderr: %s%s)", r->err_cut && strncmp(s.s, "…", strlen("…")) ? "…" : "", s.s);
	buf_release(&s);
}

/*
 * Runs the program with request req (taken) and reads its answer into *a.
 * 0 for an answer ok:true; -1 with e set for anything else (*a empty).
 */
static int
run(struct connector *c, enum exec_op op, json_t *req, struct exec_answer *a, struct err *e)
{
	struct spawn s;
	struct spawn_result r;
	struct buf msg = BUF_INIT;
	struct err pe;
	char *doc, how[160];
	enum err_class class = ERR_PERMANENT;
	int parsed, ret = -1;

	memset(a, 0, sizeof(*a));
	doc = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!doc)
		return err_set(e, ERR_INTERNAL, "%s: the request cannot be written as JSON", exec_op_name(op));
	memset(&s, 0, sizeof(s));
	s.path = c->k.path;
	s.argv = (const char *const *)c->k.argv;
	s.env = (const char *const *)c->k.env;
	s.dir = c->cfg->dir;
	s.input = doc;
	s.input_len = strlen(doc);
	doc[s.input_len++] = '\n'; /* json_dumps's NUL: the document ends with a line end */
	s.out_max = ANSWER_MAX;
	s.err_max = STDERR_KEPT;
	s.timeout_ms = c->k.timeout * 1000;
	s.grace_ms = GRACE_MS;
	exec_text_show(&msg, c->k.argv[0], strlen(c->k.argv[0]), PROGRAM_SHOWN, 0, NULL, 0);
	buf_addf(&msg, " %s: ", exec_op_name(op));
	if (spawn_run(&s, &r, e) < 0) {
		err_prefix(e, "%.*s", (int)(msg.len - 2), msg.s);
		free(doc);
		buf_release(&msg);
		return -1;
	}
	free(doc);
	err_init(&pe);
	parsed = !r.timed_out && !r.out_overflow && r.exited && exec_answer_parse(op, r.out, r.out_len, a, &pe) == 0;
	spawn_describe(&s, &r, how, sizeof(how));
	if (r.timed_out) {
		class = ERR_TRANSIENT; /* a slow or hung application may answer next time */
		buf_adds(&msg, how);
	} else if (r.out_overflow) {
		buf_adds(&msg, how);
		if (op == EXEC_LIST)
			buf_adds(&msg, " (a list can answer in pages: \"next\")");
	} else if (parsed && !a->ok) {
		class = a->class;
		exec_text_show(&msg, a->error, strlen(a->error), ERROR_SHOWN, 0, (const char *const *)c->k.masks,
			       c->k.nmasks);
		if (r.code)
			buf_addf(&msg, " (%s)", how);
	} else if (parsed && r.code) {
		buf_addf(&msg, "%s after it answered ok", how);
	} else if (parsed) {
		ret = 0;
	} else if (!r.exited || r.code) {
		buf_adds(&msg, how);
	} else {
		/* it quotes the answer ("near 'Hello'"): shown as the answer is */
		exec_text_show(&msg, pe.msg, strlen(pe.msg), sizeof(pe.msg), 0, (const char *const *)c->k.masks,
			       c->k.nmasks);
		if (r.out_len && strncmp(pe.msg, "gave no answer", 14)) {
			buf_adds(&msg, " (stdout: ");
			exec_text_show(&msg, r.out, r.out_len, STDOUT_SHOWN, 0, (const char *const *)c->k.masks,
				       c->k.nmasks);
			buf_adds(&msg, ")");
		}
	}
	if (ret < 0) {
		add_stderr(c, &msg, &r);
		err_set(e, class, "%s", msg.s);
		if (parsed)
			exec_answer_release(a);
	}
	buf_release(&msg);
	spawn_result_release(&r);
	return ret;
}

/* ---- the interface ---- */

static int
conn_exec_check(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	struct exec_keys k;

	if (keys_read(cfg, t, &k, e) < 0)
		return -1;
	keys_release(&k);
	return 0;
}

static struct connector *
conn_exec_open(const struct config *cfg, const struct cfg_target *t, struct err *e)
{
	struct connector *c = xcalloc(1, sizeof(*c));

	if (keys_read(cfg, t, &c->k, e) < 0) {
		free(c);
		return NULL;
	}
	c->cfg = cfg;
	c->t = t;
	return c;
}

static void
conn_exec_close(struct connector *c)
{
	if (!c)
		return;
	exec_answer_release(&c->last);
	free(c->perm_view);
	keys_release(&c->k);
	free(c);
}

static void
view(struct connector *c, const struct exec_account *acc, struct conn_object *out)
{
	free(c->perm_view);
	c->perm_view = NULL;
	memset(out, 0, sizeof(*out));
	out->ref = acc->ref;
	out->attrs = acc->attrs;
	out->nattrs = acc->nattrs;
	out->enabled = acc->enabled;
	if (acc->permissions) {
		c->perm_view = xcalloc(acc->npermissions + 1, sizeof(*c->perm_view));
		for (size_t i = 0; i < acc->npermissions; i++)
			c->perm_view[i] = acc->permissions[i];
		out->permissions = c->perm_view;
		out->npermissions = acc->npermissions;
	}
}

static int
conn_exec_lookup(struct connector *c, const char *value, struct conn_object *out, struct err *e)
{
	json_t *req = request_new(c, EXEC_LOOKUP);

	exec_answer_release(&c->last);
	if (put(req, "value", value, e) < 0 ||
	    (c->t->correlate_attribute && put(req, "attribute", c->t->correlate_attribute, e) < 0)) {
		json_decref(req);
		return -1;
	}
	if (run(c, EXEC_LOOKUP, req, &c->last, e) < 0)
		return -1;
	if (!c->last.found)
		return 0;
	view(c, &c->last.account, out);
	return 1;
}

static int
conn_exec_list(struct connector *c, int (*each)(void *ctx, const struct conn_object *o), void *ctx, struct err *e)
{
	struct strmap seen = STRMAP_INIT; /* the cursors asked for: one asked again would never end */
	char **cursors = NULL, *cursor = NULL;
	size_t ncursors = 0, cap = 0, idx;
	int ret = -1, stop = 0;

	while (!stop) {
		struct exec_answer a;
		json_t *req = request_new(c, EXEC_LIST);

		if (cursor)
			json_object_set_new(req, "cursor", json_string(cursor));
		if (run(c, EXEC_LIST, req, &a, e) < 0)
			goto out;
		for (size_t i = 0; i < a.naccounts && !stop; i++) {
			struct conn_object o;

			view(c, &a.accounts[i], &o);
			stop = each(ctx, &o);
		}
		cursor = a.next;
		a.next = NULL;
		exec_answer_release(&a);
		if (stop || !cursor)
			break;
		XGROW(cursors, cap, ncursors + 1);
		cursors[ncursors++] = cursor; /* freed below */
		if (strmap_get(&seen, cursor, &idx) || ncursors > PAGES_MAX) {
			err_set(e, ERR_PERMANENT, "%s list: %s", c->k.argv[0],
				ncursors > PAGES_MAX
					? "more than a million pages"
					: "the answer's \"next\" is a cursor asked for before (it would never end)");
			goto out;
		}
		strmap_put(&seen, cursor, ncursors - 1);
	}
	ret = 0;
out:
	if (cursor && (!ncursors || cursors[ncursors - 1] != cursor))
		free(cursor);
	for (size_t i = 0; i < ncursors; i++)
		free(cursors[i]);
	free(cursors);
	strmap_release(&seen);
	return ret;
}

static int
conn_exec_create(struct connector *c, const struct conn_request *rq, struct conn_result *out, struct err *e)
{
	json_t *req = request_of(c, EXEC_CREATE, rq, rq->enabled, e);
	struct exec_answer a;

	if (!req || run(c, EXEC_CREATE, req, &a, e) < 0)
		return -1;
	snprintf(out->ref, sizeof(out->ref), "%s", a.ref); /* it fits: ref_read */
	exec_answer_release(&a);
	return 0;
}

static int
conn_exec_update(struct connector *c, const struct conn_request *rq, struct err *e)
{
	json_t *req = request_of(c, EXEC_UPDATE, rq, -1, e);
	struct exec_answer a;

	if (!req)
		return -1;
	if (put_attrs(req, "changes", rq->changed, rq->nchanged, e) < 0) {
		json_decref(req);
		return -1;
	}
	if (run(c, EXEC_UPDATE, req, &a, e) < 0)
		return -1;
	exec_answer_release(&a);
	return 0;
}

static int
conn_exec_set_enabled(struct connector *c, const struct conn_request *rq, int enabled, struct conn_result *out,
		      struct err *e)
{
	enum exec_op op = enabled ? EXEC_ENABLE : EXEC_DISABLE;
	json_t *req = request_of(c, op, rq, enabled, e);
	struct exec_answer a;

	out->ref[0] = '\0';
	if (!req || run(c, op, req, &a, e) < 0)
		return -1;
	if (a.ref && (!rq->ref || strcmp(a.ref, rq->ref)))
		snprintf(out->ref, sizeof(out->ref), "%s", a.ref);
	exec_answer_release(&a);
	return 0;
}

static int
conn_exec_remove(struct connector *c, const struct conn_request *rq, struct err *e)
{
	json_t *req = request_of(c, EXEC_DELETE, rq, -1, e);
	struct exec_answer a;

	if (!req || run(c, EXEC_DELETE, req, &a, e) < 0)
		return -1;
	exec_answer_release(&a);
	return 0;
}

static int
conn_exec_permission(struct connector *c, const struct conn_request *rq, const char *permission, int add, struct err *e)
{
	enum exec_op op = add ? EXEC_GRANT : EXEC_REVOKE;
	json_t *req = request_of(c, op, rq, -1, e);
	struct exec_answer a;

	if (!req)
		return -1;
	if (put(req, "permission", permission, e) < 0) {
		json_decref(req);
		return -1;
	}
	if (run(c, op, req, &a, e) < 0)
		return -1;
	exec_answer_release(&a);
	return 0;
}

const struct connector_ops connector_exec = {
	.name = "exec",
	.check = conn_exec_check,
	.open = conn_exec_open,
	.close = conn_exec_close,
	.lookup = conn_exec_lookup,
	.list = conn_exec_list,
	.create = conn_exec_create,
	.update = conn_exec_update,
	.set_enabled = conn_exec_set_enabled,
	.remove = conn_exec_remove,
	.permission = conn_exec_permission,
	/* no move (only directories rename), no flush (a run is done when the program has answered) */
};
