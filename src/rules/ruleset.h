/*
 * The ruleset: every condition and template of the configuration compiled
 * once (conditions with expr.h, templates with template.h), every field they
 * name checked, and each target's attributes put in the order their
 * {account.X} references need. Errors are configuration errors at
 * file:line:column with the source line and a caret under the spot.
 */
#ifndef ROSTER_RULESET_H
#define ROSTER_RULESET_H

#include <stddef.h>

#include "config/config.h"
#include "rules/expr.h"
#include "rules/luasandbox.h"
#include "rules/template.h"
#include "util/err.h"

struct ruleset_attr {
	const struct cfg_attr *cfg;
	struct template *value;	  /* ATTR_TEMPLATE */
	struct template **unique; /* ATTR_UNIQUE: cfg->nunique candidates */
	struct template *iterate; /* ATTR_UNIQUE: NULL when not configured */
	int lua;		  /* ATTR_LUA: the chunk's index in ruleset.lua */
	int late;		  /* 1: made after every person's other attributes (ref:, lua:, or built from one) */
};

struct ruleset_target {
	const struct cfg_target *cfg;
	struct ruleset_attr *attrs; /* in cfg->attrs order */
	size_t nattrs;
	size_t *order; /* indexes into attrs: every attribute after those it refers to */
};

struct ruleset_grant {
	const struct cfg_grant *cfg;
	const struct ruleset_target *target;
	struct template *group; /* NULL for an account */
};

struct ruleset_rule {
	const struct cfg_rule *cfg;
	struct expr *when; /* NULL: always */
	struct ruleset_grant *grants;
	size_t ngrants;
};

struct ruleset {
	const struct config *cfg;
	struct ruleset_target *targets;
	size_t ntargets;
	struct ruleset_rule *rules;
	size_t nrules;
	struct luasandbox *lua; /* every lua: chunk compiled; NULL when there is none */
};

/*
 * Compiles every condition and template of cfg (which must outlive the
 * ruleset). Returns the ruleset (free with ruleset_free) or NULL with an
 * ERR_CONFIG error naming file:line:column, with the source line and a caret.
 */
struct ruleset *ruleset_compile(const struct config *cfg, struct err *e);
void ruleset_free(struct ruleset *rs);

/*
 * A second sandbox with every lua: chunk of rs compiled in the same order
 * (so ruleset_attr.lua indexes it too), for another thread; NULL when rs
 * has no Lua or it cannot be made. Free with luasandbox_free.
 */
struct luasandbox *ruleset_lua_clone(const struct ruleset *rs);

#endif
