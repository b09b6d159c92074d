#include <stdint.h>
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

enum slot_kind {
	K_EMPTY,
	K_PERSON,
	K_PERSON_EXTRA,
	K_NAME,
	K_CONTRACT,
	K_CONTRACT_EXTRA,
	K_ASSIGNMENT,
	K_ASSIGNMENT_EXTRA,
	K_ACCOUNT,
	K_N,
	K_WINDOW,
};

/* Where name is among the fields (kind) and extras (kind + 1) of entity ent; 0 when neither. */
static int
where(const struct snapshot *s, enum entity ent, const char *name, int kind, unsigned short *idx)
{
	int nf = snapshot_entity_nfields(ent);

	for (int i = 0; i < nf; i++)
		if (!strcmp(snapshot_field_name(ent, i), name)) {
			*idx = (unsigned short)i;
			return kind;
		}
	for (size_t i = 0; i < s->nextra[ent]; i++)
		if (!strcmp(s->extra_names[ent][i], name)) {
			*idx = (unsigned short)i;
			return kind + 1;
		}
	return K_EMPTY;
}

static int
person_where(const struct snapshot *s, const char *name, unsigned short *idx)
{
	int k = where(s, ENT_PERSON, name, K_PERSON, idx);

	if (k != K_EMPTY)
		return k;
	k = naming_kind(name);
	if (k < 0)
		return K_EMPTY;
	*idx = (unsigned short)k;
	return K_NAME;
}

/* What path names, as a slot kind and index. */
static int
resolve(const struct snapshot *s, const char *path, unsigned short *idx)
{
	*idx = 0;
	if (!strncmp(path, "person.", 7))
		return person_where(s, path + 7, idx);
	if (!strncmp(path, "contract.", 9))
		return where(s, ENT_CONTRACT, path + 9, K_CONTRACT, idx);
	if (!strncmp(path, "assignment.", 11))
		return where(s, ENT_ASSIGNMENT, path + 11, K_ASSIGNMENT, idx);
	if (!strncmp(path, "account.", 8))
		return K_ACCOUNT;
	if (!strcmp(path, "n"))
		return K_N;
	if (!strcmp(path, "window.start") || !strcmp(path, "window.end")) {
		*idx = path[7] == 'e';
		return K_WINDOW;
	}
	return person_where(s, path, idx);
}

static const char *
value(struct rules_record *r, const char *path, int kind, unsigned short idx)
{
	const char *v;

	switch ((enum slot_kind)kind) {
	case K_EMPTY: return "";
	case K_PERSON: return r->p ? r->p->f[idx] : "";
	case K_PERSON_EXTRA: return r->p ? r->p->extra[idx] : "";
	case K_NAME:
		if (!r->p)
			return "";
		if (!(r->built & (1u << idx))) {
			buf_reset(&r->names[idx]);
			naming_build(r->p, (enum name_kind)idx, &r->names[idx]);
			r->built |= 1u << idx;
		}
		return buf_str(&r->names[idx]);
	case K_CONTRACT: return r->c ? r->c->f[idx] : "";
	case K_CONTRACT_EXTRA: return r->c ? r->c->extra[idx] : "";
	case K_ASSIGNMENT: return r->a ? r->a->f[idx] : "";
	case K_ASSIGNMENT_EXTRA: return r->a ? r->a->extra[idx] : "";
	case K_ACCOUNT: v = r->account ? r->account(r->account_ctx, path + 8) : NULL; return v ? v : "";
	case K_N: return r->n ? r->n : "";
	case K_WINDOW: return r->window[idx] ? r->window[idx] : "";
	}
	return "";
}

const char *
rules_record_lookup(struct rules_record *r, const char *path)
{
	unsigned short idx;
	int kind = resolve(r->s, path, &idx);

	return value(r, path, kind, idx);
}

const char *
rules_record_get(void *ctx, const char *path)
{
	struct rules_record *r = ctx;
	struct record_slot *sl = &r->slots[((uintptr_t)path >> 3) % RECORD_SLOTS];

	if (sl->path != path) {
		sl->path = path;
		sl->kind = (unsigned char)resolve(r->s, path, &sl->idx);
	}
	return value(r, path, sl->kind, sl->idx);
}
