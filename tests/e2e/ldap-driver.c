/*
 * ldap-driver: runs a connector's operations from JSON lines, for the
 * end-to-end tests of a connector against a real server before (and
 * besides) roster apply. One connector stays open for all the lines, as it
 * does in apply, so a test can stop the server between two of them.
 *
 *	ldap-driver roster.yaml TARGET <ops.jsonl
 *
 * Each input line is one object; each gives one output line:
 *
 *	{"op":"create","employee_id":"1","correlate":"1","enabled":true,"attrs":{"dn":"uid=…","uid":"…"}}
 *	{"op":"lookup","value":"1"}
 *	{"op":"update","ref":"…","correlate":"1","attrs":{…},"changed":{"mail":"…","title":""}}
 *	{"op":"move","ref":"…","attrs":{"dn":"…"}}
 *	{"op":"disable"|"enable","ref":"…","attrs":{…}}
 *	{"op":"grant"|"revoke","ref":"…","attrs":{…},"group":"staff"}
 *	{"op":"remove","ref":"…","correlate":"1"}
 *	{"op":"list","show":false}
 *	{"op":"check"}
 *	{"op":"sh","command":"…"}      (runs a shell command between operations)
 *
 * A connector that pipelines (connector.h: wait) is waited for after each
 * line, so a line's answer is its operation's.
 *
 * Output: {"ok":true,…} with ref (create, move) and adopted (create), found/ref/enabled/attrs/
 * permissions (lookup), count and objects (list); or {"ok":false,
 * "class":"transient","message":"…"}; always "ms", the time it took (in
 * milliseconds, a fraction).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "connector/connector.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *
class_name(enum err_class c)
{
	switch (c) {
	case ERR_NONE: return "none";
	case ERR_TRANSIENT: return "transient";
	case ERR_PERMANENT: return "permanent";
	case ERR_INVALID: return "invalid";
	case ERR_CONFIG: return "config";
	case ERR_CONFLICT: return "conflict";
	case ERR_NOTFOUND: return "notfound";
	case ERR_GUARD: return "guard";
	case ERR_INTERNAL: return "internal";
	}
	return "?";
}

static int
attr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct account_attr *)a)->name, ((const struct account_attr *)b)->name);
}

/* The members of object o as attributes sorted by name (strings borrowed from o); free() the array. */
static struct account_attr *
attrs_of(json_t *o, size_t *n)
{
	struct account_attr *v = calloc(json_object_size(o) + 1, sizeof(*v));
	const char *k;
	json_t *x;

	*n = 0;
	if (!v)
		abort();
	json_object_foreach(o, k, x)
	{
		v[*n].name = k;
		v[(*n)++].value = json_is_string(x) ? json_string_value(x) : "";
	}
	qsort(v, *n, sizeof(*v), attr_cmp);
	return v;
}

static json_t *
object_json(const struct conn_object *o)
{
	json_t *j = json_object(), *a = json_object(), *p;

	json_object_set_new(j, "ref", json_string(o->ref));
	json_object_set_new(j, "enabled", json_boolean(o->enabled));
	for (size_t i = 0; i < o->nattrs; i++)
		json_object_set_new(a, o->attrs[i].name, json_string(o->attrs[i].value));
	json_object_set_new(j, "attrs", a);
	if (o->permissions) {
		p = json_array();
		for (size_t i = 0; i < o->npermissions; i++)
			json_array_append_new(p, json_string(o->permissions[i]));
		json_object_set_new(j, "permissions", p);
	}
	return j;
}

struct listed {
	json_t *objects; /* NULL: count only */
	size_t count;
};

static int
each_listed(void *ctx, const struct conn_object *o)
{
	struct listed *l = ctx;

	l->count++;
	if (l->objects)
		json_array_append_new(l->objects, object_json(o));
	return 0;
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* wait()'s report: the first failure (the driver has one request at a time, tag 0). */
static void
failed_late(void *ctx, size_t tag, const struct err *why)
{
	struct err *e = ctx;

	(void)tag;
	if (e->class == ERR_NONE)
		*e = *why;
}

/* wait()'s late name of the line's create (tag 0): printed as its ref. */
static const char *late_ref;

static void
named_late(void *ctx, size_t tag, const char *ref)
{
	(void)ctx;
	(void)tag;
	free((char *)late_ref);
	late_ref = xstrdup(ref);
}

/* Runs the operation of line in; fills out. 0, or -1 with e set. */
static int
run_line(const struct connector_ops *ops, struct connector *c, const struct config *cfg, const struct cfg_target *t,
	 json_t *in, json_t *out, struct err *e)
{
	const char *op = str(in, "op");
	struct conn_request rq;
	struct conn_result res;
	struct account_attr *attrs = NULL, *changed = NULL;
	int ret = -1;

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	rq.employee_id = str(in, "employee_id") ? str(in, "employee_id") : "e2e";
	rq.correlate = str(in, "correlate");
	rq.ref = str(in, "ref");
	rq.enabled = !json_is_false(json_object_get(in, "enabled"));
	if (json_is_object(json_object_get(in, "attrs")))
		rq.attrs = attrs = attrs_of(json_object_get(in, "attrs"), &rq.nattrs);
	if (json_is_object(json_object_get(in, "changed")))
		rq.changed = changed = attrs_of(json_object_get(in, "changed"), &rq.nchanged);
	if (!op) {
		err_set(e, ERR_INVALID, "a line without \"op\"");
	} else if (!strcmp(op, "create")) {
		if (!(ret = ops->create(c, &rq, &res, e))) {
			json_object_set_new(out, "ref", json_string(res.ref));
			json_object_set_new(out, "adopted", json_boolean(res.adopted));
		}
	} else if (!strcmp(op, "lookup")) {
		struct conn_object o;
		int got = ops->lookup(c, str(in, "value") ? str(in, "value") : "", &o, e);

		if (got >= 0) {
			json_object_set_new(out, "found", json_boolean(got));
			if (got)
				json_object_set_new(out, "object", object_json(&o));
			ret = 0;
		}
	} else if (!strcmp(op, "update")) {
		ret = ops->update(c, &rq, e);
	} else if (!strcmp(op, "move")) {
		if (!ops->move)
			err_set(e, ERR_INVALID, "this connector cannot move");
		else if (!(ret = ops->move(c, &rq, &res, e)))
			json_object_set_new(out, "ref", json_string(res.ref));
	} else if (!strcmp(op, "disable") || !strcmp(op, "enable")) {
		if (!(ret = ops->set_enabled(c, &rq, !strcmp(op, "enable"), &res, e)) && res.ref[0])
			json_object_set_new(out, "ref", json_string(res.ref));
	} else if (!strcmp(op, "grant") || !strcmp(op, "revoke")) {
		ret = ops->permission(c, &rq, str(in, "group") ? str(in, "group") : "", !strcmp(op, "grant"), e);
	} else if (!strcmp(op, "remove")) {
		ret = ops->remove(c, &rq, e);
	} else if (!strcmp(op, "list")) {
		struct listed l = { json_is_true(json_object_get(in, "show")) ? json_array() : NULL, 0 };

		if (!(ret = ops->list(c, each_listed, &l, e))) {
			json_object_set_new(out, "count", json_integer((json_int_t)l.count));
			if (l.objects)
				json_object_set(out, "objects", l.objects);
		}
		json_decref(l.objects);
	} else if (!strcmp(op, "check")) {
		ret = ops->check(cfg, t, e);
	} else if (!strcmp(op, "sh")) {
		int st = system(str(in, "command") ? str(in, "command") : "false");

		json_object_set_new(out, "status", json_integer(st));
		ret = 0;
	} else {
		err_set(e, ERR_INVALID, "unknown op \"%s\"", op);
	}
	/* a connector that pipelines answers late: each line waits, as apply does at the end of a batch */
	if (ret == 0 && ops->wait) {
		struct err late;
		struct conn_late cb = { failed_late, named_late, &late };

		err_init(&late);
		if (ops->wait(c, &cb, e) < 0 || late.class != ERR_NONE) {
			if (late.class != ERR_NONE)
				*e = late;
			json_object_del(out, "ref");
			ret = -1;
		} else if (late_ref) {
			json_object_set_new(out, "ref", json_string(late_ref));
		}
		free((char *)late_ref);
		late_ref = NULL;
	}
	free(attrs);
	free(changed);
	return ret;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	const struct cfg_target *t;
	const struct connector_ops *ops;
	struct connector *c;
	struct err e;
	struct buf line = BUF_INIT;
	int ch, status = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: ldap-driver roster.yaml TARGET <ops.jsonl\n");
		return 2;
	}
	err_init(&e);
	if (config_load(&cfg, argv[1], &e) < 0) {
		fprintf(stderr, "ldap-driver: %s\n", e.msg);
		return 2;
	}
	if (!(t = config_target(&cfg, argv[2])) || !(ops = connector_find(t->connector))) {
		fprintf(stderr, "ldap-driver: no target \"%s\" with a connector roster has\n", argv[2]);
		config_release(&cfg);
		return 2;
	}
	if (!(c = ops->open(&cfg, t, &e))) {
		json_t *out = json_pack("{s:b,s:s,s:s}", "ok", 0, "class", class_name(e.class), "message", e.msg);
		char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);

		printf("%s\n", s);
		free(s);
		json_decref(out);
		config_release(&cfg);
		return 1;
	}
	do {
		json_t *in, *out;
		json_error_t je;
		struct timespec t0, t1;
		char *s;

		ch = getchar();
		if (ch != '\n' && ch != EOF) {
			buf_addch(&line, (char)ch);
			continue;
		}
		if (!line.len)
			continue;
		out = json_object();
		if (!(in = json_loads(line.s, 0, &je))) {
			fprintf(stderr, "ldap-driver: not JSON: %s: %s\n", je.text, line.s);
			status = 2;
			json_decref(out);
			break;
		}
		err_init(&e);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (run_line(ops, c, &cfg, t, in, out, &e) < 0) {
			json_object_set_new(out, "ok", json_false());
			json_object_set_new(out, "class", json_string(class_name(e.class)));
			json_object_set_new(out, "message", json_string(e.msg));
		} else {
			json_object_set_new(out, "ok", json_true());
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		json_object_set_new(
			out, "ms",
			json_real((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6));
		s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
		printf("%s\n", s);
		fflush(stdout);
		free(s);
		json_decref(in);
		json_decref(out);
		buf_reset(&line);
	} while (ch != EOF);
	ops->close(c);
	buf_release(&line);
	config_release(&cfg);
	return status;
}
