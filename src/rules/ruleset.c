/*
 * Which paths a condition or template may name depends on where it stands:
 * a rule evaluated per contract sees person.* and contract.*; one evaluated
 * per assignment also sees assignment.*; an attribute's template sees the
 * person's fields by their bare names, the built names (display_name, …),
 * contract.* and the other attributes of the same account as account.*;
 * an iterate template also sees {n}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/naming.h"
#include "rules/ruleset.h"
#include "source/snapshot.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

enum scope_flags {
	SC_PERSON_BARE = 1, /* {given_name}: person fields without "person." */
	SC_ASSIGNMENT = 2,  /* assignment.* */
	SC_ACCOUNT = 4,	    /* account.<attribute of the target> */
	SC_N = 8,	    /* {n} */
};

struct scope {
	const struct config *cfg;
	const struct cfg_target *target;
	unsigned flags;
	struct buf names; /* every known path, NUL-separated, for suggestions */
};

static void
add_name(struct scope *sc, const char *prefix, const char *name)
{
	buf_addf(&sc->names, "%s%s", prefix, name);
	buf_addch(&sc->names, '\0');
}

/* Every path the scope knows, as a list of strings inside sc->names. */
static void
scope_build(struct scope *sc)
{
	static const char *const built[] = { "family_name_birth", "family_name_partner", "family_name_full",
					     "display_name" };

	buf_reset(&sc->names);
	for (size_t i = 0; i < snapshot_nfields; i++) {
		const struct field_def *d = &snapshot_fields[i];

		if (d->ent == ENT_PERSON) {
			add_name(sc, "person.", d->name);
			if (sc->flags & SC_PERSON_BARE)
				add_name(sc, "", d->name);
		} else if (d->ent == ENT_CONTRACT) {
			add_name(sc, "contract.", d->name);
		} else if (sc->flags & SC_ASSIGNMENT) {
			add_name(sc, "assignment.", d->name);
		}
	}
	for (size_t i = 0; i < sizeof(built) / sizeof(built[0]); i++) {
		add_name(sc, "person.", built[i]);
		if (sc->flags & SC_PERSON_BARE)
			add_name(sc, "", built[i]);
	}
	/* An extra may belong to any entity: which one is known only once the files are read. */
	for (size_t s = 0; s < sc->cfg->nsources; s++) {
		const struct source_cfg *src = &sc->cfg->sources[s];

		for (size_t i = 0; i < src->nextras; i++) {
			add_name(sc, "person.", src->extras[i].name);
			add_name(sc, "contract.", src->extras[i].name);
			if (sc->flags & SC_ASSIGNMENT)
				add_name(sc, "assignment.", src->extras[i].name);
			if (sc->flags & SC_PERSON_BARE)
				add_name(sc, "", src->extras[i].name);
		}
	}
	if ((sc->flags & SC_ACCOUNT) && sc->target) {
		for (size_t i = 0; i < sc->target->nattrs; i++)
			add_name(sc, "account.", sc->target->attrs[i].name);
		add_name(sc, "window.", "start");
		add_name(sc, "window.", "end");
	}
	if (sc->flags & SC_N)
		add_name(sc, "", "n");
}

static int
known(void *ctx, const char *path, char *near, size_t nearlen)
{
	struct scope *sc = ctx;
	const char *list[512];
	size_t n = 0;
	const char *suggestion;

	for (const char *p = sc->names.s; p && p < sc->names.s + sc->names.len; p += strlen(p) + 1) {
		if (!strcmp(p, path))
			return 1;
		if (n < sizeof(list) / sizeof(list[0]))
			list[n++] = p;
	}
	suggestion = text_suggest(path, list, n);
	snprintf(near, nearlen, "%s", suggestion ? suggestion : "");
	return 0;
}

/* A compile error at byte offset of t, as file:line:column plus the source line and a caret. */
static int
text_error(const struct config *cfg, const struct cfg_text *t, const struct expr_error *xe, const char *what,
	   struct err *e)
{
	struct buf b = BUF_INIT;
	int col = t->pos.col + (t->exact ? (int)xe->offset : 0);

	buf_addf(&b, "%s:%d:%d: %s: %s", cfg->file, t->pos.line, col, what, xe->msg);
	config_caret(cfg, t, xe->offset, &b);
	err_set(e, ERR_CONFIG, "%s", b.s);
	buf_release(&b);
	return -1;
}

static struct template *
compile_template(const struct config *cfg, const struct cfg_text *t, struct scope *sc, const char *what, struct err *e)
{
	struct expr_error xe;
	struct template *tp = template_compile(t->text, known, sc, &xe);

	if (!tp)
		text_error(cfg, t, &xe, what, e);
	return tp;
}

/*
 * The text of an entry name's template (a directory's dn:) with "|dn" as
 * the last filter of every field, so that each value is escaped for a DN
 * (RFC 4514) whatever it holds: a uid "o'brien, pat" must not split the
 * RDN. A field whose last filter is dn already is left alone. text must
 * compile (the structure is read as template.c reads it: `{{` and `}}` are
 * literal, strings inside a field are quoted with \ escapes). Returns a
 * string to free().
 */
static char *
dn_escaped_text(const char *text)
{
	struct buf b = BUF_INIT;
	size_t i = 0, n = strlen(text);

	while (i < n) {
		size_t j, bar = 0, last;

		if ((text[i] == '{' || text[i] == '}') && text[i + 1] == text[i]) {
			buf_add(&b, text + i, 2);
			i += 2;
			continue;
		}
		if (text[i] != '{') {
			buf_addch(&b, text[i++]);
			continue;
		}
		for (j = i + 1; j < n && text[j] != '}'; j++) {
			if (text[j] == '|') {
				bar = j;
			} else if (text[j] == '"') {
				for (j++; j < n && text[j] != '"'; j++)
					if (text[j] == '\\' && j + 1 < n)
						j++;
			}
		}
		/* the last filter's name, blanks around it skipped */
		last = j;
		while (last > i && (text[last - 1] == ' ' || text[last - 1] == '\t'))
			last--;
		buf_add(&b, text + i, last - i);
		if (!bar || !(last - bar >= 3 && !strncmp(text + last - 2, "dn", 2) &&
			      strspn(text + bar + 1, " \t") == last - bar - 3))
			buf_adds(&b, "|dn");
		buf_add(&b, text + last, j - last);
		if (j < n)
			buf_addch(&b, '}');
		i = j + 1;
	}
	return buf_detach(&b);
}

/*
 * Compiles an attribute's template; an entry name's (cfg entry_name) is
 * compiled as written first, so that errors point into the user's text,
 * then with every field escaped for a DN (dn_escaped_text), which is the
 * one kept.
 */
static struct template *
compile_attr_template(const struct config *cfg, const struct cfg_attr *a, struct scope *sc, const char *what,
		      struct err *e)
{
	struct template *tp = compile_template(cfg, &a->template, sc, what, e);
	struct cfg_text escaped;

	if (!tp || !a->entry_name)
		return tp;
	template_free(tp);
	escaped = a->template;
	escaped.text = dn_escaped_text(a->template.text);
	escaped.exact = 0;
	tp = compile_template(cfg, &escaped, sc, what, e);
	free(escaped.text);
	return tp;
}

/* The templates of attribute a (its value, candidates and iterate) into ts (room for 66); returns how many. */
static size_t
attr_templates(const struct ruleset_attr *a, struct template **ts)
{
	size_t nts = 0;

	if (a->value)
		ts[nts++] = a->value;
	for (size_t k = 0; k < a->cfg->nunique && nts < 64; k++)
		ts[nts++] = a->unique[k];
	if (a->iterate)
		ts[nts++] = a->iterate;
	return nts;
}

/* Depth-first visit for the attribute order; state: 0 new, 1 on the path, 2 done. */
static int
visit(struct ruleset_target *rt, size_t i, unsigned char *state, size_t *out, size_t *nout, const struct config *cfg,
      struct err *e)
{
	const struct ruleset_attr *a = &rt->attrs[i];
	struct template *ts[66];
	size_t nts;

	if (state[i] == 2)
		return 0;
	if (state[i] == 1)
		return err_set(
			e, ERR_CONFIG,
			"%s:%d:%d: target \"%s\": attribute \"%s\" refers to itself through {account.…} (a cycle; expected each attribute to be built from others that do not need it)",
			cfg->file, a->cfg->pos.line, a->cfg->pos.col, rt->cfg->name, a->cfg->name);
	state[i] = 1;
	nts = attr_templates(a, ts);
	for (size_t k = 0; k < nts; k++) {
		const char *const *paths;
		size_t np = template_paths(ts[k], &paths);

		for (size_t p = 0; p < np; p++) {
			if (strncmp(paths[p], "account.", 8))
				continue;
			for (size_t j = 0; j < rt->nattrs; j++)
				if (!strcmp(rt->attrs[j].cfg->name, paths[p] + 8) &&
				    visit(rt, j, state, out, nout, cfg, e) < 0)
					return -1;
		}
	}
	state[i] = 2;
	out[(*nout)++] = i;
	return 0;
}

/* Compiles a lua: chunk into rs->lua; a syntax error names the chunk's place in the file. */
static int
compile_lua(struct ruleset *rs, const struct cfg_attr *a, const char *what, struct err *e)
{
	struct err le;
	int idx;

	if (!rs->lua && !(rs->lua = luasandbox_new()))
		return err_set(e, ERR_INTERNAL, "%s: Lua cannot start (out of memory?)", what);
	err_init(&le);
	idx = luasandbox_compile(rs->lua, what, a->lua.text, &le);
	if (idx < 0)
		return err_set(e, ERR_CONFIG, "%s:%d:%d: %s", rs->cfg->file, a->lua.pos.line, a->lua.pos.col, le.msg);
	return idx;
}

/* An attribute is late when it is a ref: or lua:, or built from a late one ({account.X}). */
static void
mark_late(struct ruleset_target *rt)
{
	for (size_t o = 0; o < rt->nattrs; o++) {
		struct ruleset_attr *a = &rt->attrs[rt->order[o]];
		struct template *ts[66];
		size_t nts = attr_templates(a, ts);

		a->late = a->cfg->kind == ATTR_REF || a->cfg->kind == ATTR_LUA;
		for (size_t k = 0; k < nts && !a->late; k++) {
			const char *const *paths;
			size_t np = template_paths(ts[k], &paths);

			for (size_t p = 0; p < np; p++)
				for (size_t j = 0; j < rt->nattrs; j++)
					if (!strncmp(paths[p], "account.", 8) &&
					    !strcmp(rt->attrs[j].cfg->name, paths[p] + 8) && rt->attrs[j].late)
						a->late = 1;
		}
	}
}

static int
compile_target(struct ruleset *rs, const struct cfg_target *t, struct ruleset_target *rt, struct err *e)
{
	const struct config *cfg = rs->cfg;
	struct scope sc = { cfg, t, SC_PERSON_BARE | SC_ACCOUNT, BUF_INIT };
	struct scope scn = { cfg, t, SC_PERSON_BARE | SC_ACCOUNT | SC_N, BUF_INIT };
	unsigned char *state = NULL;
	size_t nout = 0;
	char what[512];
	int ret = -1;

	scope_build(&sc);
	scope_build(&scn);
	rt->cfg = t;
	rt->nattrs = t->nattrs;
	rt->attrs = xcalloc(t->nattrs + 1, sizeof(*rt->attrs));
	rt->order = xcalloc(t->nattrs + 1, sizeof(*rt->order));
	for (size_t i = 0; i < t->nattrs; i++) {
		const struct cfg_attr *a = &t->attrs[i];
		struct ruleset_attr *ra = &rt->attrs[i];

		ra->cfg = a;
		snprintf(what, sizeof(what), "target \"%s\": attribute \"%s\"", t->name, a->name);
		if (a->kind == ATTR_TEMPLATE && !(ra->value = compile_attr_template(cfg, a, &sc, what, e)))
			goto out;
		if (a->kind == ATTR_UNIQUE) {
			ra->unique = xcalloc(a->nunique, sizeof(*ra->unique));
			for (size_t k = 0; k < a->nunique; k++)
				if (!(ra->unique[k] = compile_template(cfg, &a->unique[k], &sc, what, e)))
					goto out;
			if (a->iterate.text && !(ra->iterate = compile_template(cfg, &a->iterate, &scn, what, e)))
				goto out;
		}
		if (a->kind == ATTR_LUA && (ra->lua = compile_lua(rs, a, what, e)) < 0)
			goto out;
		if (a->kind == ATTR_REF && strcmp(a->ref, "manager")) {
			char near[256];

			if (!known(&sc, a->ref, near, sizeof(near))) {
				err_set(e, ERR_CONFIG,
					"%s:%d:%d: target \"%s\": attribute \"%s\": ref: \"%s\" is not a field (expected manager, or a person field that holds an employee_id%s%s%s)",
					cfg->file, a->pos.line, a->pos.col, t->name, a->name, a->ref,
					*near ? "; did you mean \"" : "", near, *near ? "\"?" : "");
				goto out;
			}
		}
	}
	state = xcalloc(t->nattrs + 1, 1);
	for (size_t i = 0; i < t->nattrs; i++)
		if (visit(rt, i, state, rt->order, &nout, cfg, e) < 0)
			goto out;
	mark_late(rt);
	ret = 0;
out:
	free(state);
	buf_release(&sc.names);
	buf_release(&scn.names);
	return ret;
}

static int
compile_rule(const struct config *cfg, struct ruleset *rs, const struct cfg_rule *r, struct ruleset_rule *rr,
	     struct err *e)
{
	struct scope sc = { cfg, NULL, SC_PERSON_BARE | (r->for_kind ? SC_ASSIGNMENT : 0), BUF_INIT };
	struct scope cond = { cfg, NULL, r->for_kind ? SC_ASSIGNMENT : 0, BUF_INIT };
	struct expr_error xe;
	char what[512];
	int ret = -1;

	scope_build(&sc);
	scope_build(&cond);
	rr->cfg = r;
	snprintf(what, sizeof(what), "rule \"%s\": when", r->name);
	if (r->when.text && !(rr->when = expr_compile(r->when.text, known, &cond, &xe))) {
		text_error(cfg, &r->when, &xe, what, e);
		goto out;
	}
	rr->grants = xcalloc(r->ngrants + 1, sizeof(*rr->grants));
	rr->ngrants = r->ngrants;
	for (size_t i = 0; i < r->ngrants; i++) {
		const struct cfg_grant *g = &r->grants[i];

		rr->grants[i].cfg = g;
		for (size_t k = 0; k < rs->ntargets; k++)
			if (!strcmp(rs->targets[k].cfg->name, g->target))
				rr->grants[i].target = &rs->targets[k];
		snprintf(what, sizeof(what), "rule \"%s\": group", r->name);
		if (g->group.text && !(rr->grants[i].group = compile_template(cfg, &g->group, &sc, what, e)))
			goto out;
	}
	ret = 0;
out:
	buf_release(&sc.names);
	buf_release(&cond.names);
	return ret;
}

struct ruleset *
ruleset_compile(const struct config *cfg, struct err *e)
{
	struct ruleset *rs = xcalloc(1, sizeof(*rs));

	rs->cfg = cfg;
	rs->targets = xcalloc(cfg->ntargets + 1, sizeof(*rs->targets));
	rs->rules = xcalloc(cfg->nrules + 1, sizeof(*rs->rules));
	for (size_t i = 0; i < cfg->ntargets; i++) {
		rs->ntargets++;
		if (compile_target(rs, &cfg->targets[i], &rs->targets[i], e) < 0)
			goto fail;
	}
	for (size_t i = 0; i < cfg->nrules; i++) {
		rs->nrules++;
		if (compile_rule(cfg, rs, &cfg->rules[i], &rs->rules[i], e) < 0)
			goto fail;
	}
	return rs;
fail:
	ruleset_free(rs);
	return NULL;
}

void
ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->ntargets; i++) {
		struct ruleset_target *rt = &rs->targets[i];

		for (size_t j = 0; j < rt->nattrs; j++) {
			struct ruleset_attr *ra = &rt->attrs[j];

			template_free(ra->value);
			for (size_t k = 0; ra->unique && k < ra->cfg->nunique; k++)
				template_free(ra->unique[k]);
			free(ra->unique);
			template_free(ra->iterate);
		}
		free(rt->attrs);
		free(rt->order);
	}
	free(rs->targets);
	for (size_t i = 0; i < rs->nrules; i++) {
		expr_free(rs->rules[i].when);
		for (size_t j = 0; j < rs->rules[i].ngrants; j++)
			template_free(rs->rules[i].grants[j].group);
		free(rs->rules[i].grants);
	}
	free(rs->rules);
	luasandbox_free(rs->lua);
	free(rs);
}

struct luasandbox *
ruleset_lua_clone(const struct ruleset *rs)
{
	struct luasandbox *sb;

	if (!rs->lua || !(sb = luasandbox_new()))
		return NULL;
	for (size_t t = 0; t < rs->ntargets; t++)
		for (size_t i = 0; i < rs->targets[t].nattrs; i++) {
			const struct ruleset_attr *ra = &rs->targets[t].attrs[i];
			struct err e;
			char what[512];

			if (ra->cfg->kind != ATTR_LUA)
				continue;
			err_init(&e);
			/* named as in compile_target: messages must not tell the threads apart */
			snprintf(what, sizeof(what), "target \"%s\": attribute \"%s\"", rs->targets[t].cfg->name,
				 ra->cfg->name);
			if (luasandbox_compile(sb, what, ra->cfg->lua.text, &e) != ra->lua) {
				luasandbox_free(sb);
				return NULL;
			}
		}
	return sb;
}
