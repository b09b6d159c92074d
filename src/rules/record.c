#include <string.h>

#include "rules/naming.h"
#include "rules/record.h"
#include "util/banned.h"

void
rules_record_init(struct rules_record *r, const struct snapshot *s, const struct person *p, const struct contract *c,
		  const struct assignment *a)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	rules_record_set(r, p, c, a);
}

void
rules_record_set(struct rules_record *r, const struct person *p, const struct contract *c, const struct assignment *a)
{
	r->p = p;
	r->c = c;
	r->a = a;
	r->built = 0;
}

void
rules_record_release(struct rules_record *r)
{
	for (int k = 0; k < 4; k++)
		buf_release(&r->names[k]);
	memset(r, 0, sizeof(*r));
}

/* The field or extra name of entity ent among fields f and extras x; NULL when the name is neither. */
static const char *
field_of(const struct snapshot *s, enum entity ent, const char *const *f, const char **x, const char *name)
{
	int nf = snapshot_entity_nfields(ent);

	for (int i = 0; i < nf; i++)
		if (!strcmp(snapshot_field_name(ent, i), name))
			return f[i];
	for (size_t i = 0; i < s->nextra[ent]; i++)
		if (!strcmp(s->extra_names[ent][i], name))
			return x[i];
	return NULL;
}

static const char *
person_path(struct rules_record *r, const char *name)
{
	const char *v;
	int k;

	if (!r->p)
		return "";
	v = field_of(r->s, ENT_PERSON, r->p->f, r->p->extra, name);
	if (v)
		return v;
	k = naming_kind(name);
	if (k < 0)
		return "";
	if (!(r->built & (1u << k))) {
		buf_reset(&r->names[k]);
		naming_build(r->p, (enum name_kind)k, &r->names[k]);
		r->built |= 1u << k;
	}
	return buf_str(&r->names[k]);
}

const char *
rules_record_get(void *ctx, const char *path)
{
	struct rules_record *r = ctx;
	const char *v;

	if (!strncmp(path, "person.", 7))
		return person_path(r, path + 7);
	if (!strncmp(path, "contract.", 9)) {
		v = r->c ? field_of(r->s, ENT_CONTRACT, r->c->f, r->c->extra, path + 9) : NULL;
		return v ? v : "";
	}
	if (!strncmp(path, "assignment.", 11)) {
		v = r->a ? field_of(r->s, ENT_ASSIGNMENT, r->a->f, r->a->extra, path + 11) : NULL;
		return v ? v : "";
	}
	if (!strncmp(path, "account.", 8)) {
		v = r->account ? r->account(r->account_ctx, path + 8) : NULL;
		return v ? v : "";
	}
	if (!strcmp(path, "n"))
		return r->n ? r->n : "";
	return person_path(r, path);
}
