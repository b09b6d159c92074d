/* The table of connectors, and what they share for reading their keys. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "connector/connector.h"
#include "util/buf.h"
#include "util/banned.h"

extern const struct connector_ops connector_ad;
extern const struct connector_ops connector_csv;
extern const struct connector_ops connector_exec;
extern const struct connector_ops connector_ldap;
extern const struct connector_ops connector_scim;

static const struct connector_ops *const all[] = {
	&connector_ad, &connector_csv, &connector_exec, &connector_ldap, &connector_scim,
};

const struct connector_ops *
connector_find(const char *name)
{
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

int
connector_check_all(const struct config *cfg, struct err *e)
{
	for (size_t i = 0; i < cfg->ntargets; i++) {
		const struct connector_ops *ops = connector_find(cfg->targets[i].connector);

		if (ops && ops->check && ops->check(cfg, &cfg->targets[i], e) < 0)
			return -1;
	}
	return 0;
}

int
conn_key_error(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, struct err *e,
	       const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	struct cfg_pos pos = o ? o->pos : t->pos;

	buf_addf(&b, "%s:%d:%d: target \"%s\": ", cfg->file, pos.line, pos.col, t->name);
	if (o)
		buf_addf(&b, "%s: ", o->key);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	err_set(e, ERR_CONFIG, "%s", b.s);
	buf_release(&b);
	return -1;
}

int
conn_key_str(const struct config *cfg, const struct cfg_target *t, const char *key, const char **out, struct err *e)
{
	const struct cfg_option *o = cfg_target_option(t, key);

	*out = NULL;
	if (!o)
		return 0;
	if (!json_is_string(o->value))
		return conn_key_error(cfg, t, o, e, "expected a value, found a %s",
				      json_is_array(o->value) ? "list" : "mapping");
	*out = json_string_value(o->value);
	return 0;
}

int
conn_key_bool(const struct config *cfg, const struct cfg_target *t, const struct cfg_option *o, const char *what,
	      struct json_t *v, int *out, struct err *e)
{
	const char *s = json_string_value(v);

	if (s && !strcmp(s, "true"))
		*out = 1;
	else if (s && !strcmp(s, "false"))
		*out = 0;
	else
		return conn_key_error(cfg, t, o, e, "%s%s\"%s\" is not a boolean (expected true or false)", what,
				      *what ? ": " : "", s ? s : "(a list or mapping)");
	return 0;
}
