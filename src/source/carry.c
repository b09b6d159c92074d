/*
 * With --skip-invalid, a row that has an error is left out, but the person
 * it describes must not vanish for it: a typo in a date would otherwise turn
 * someone into a leaver. So what the previous snapshot knew of a left-out
 * person or contract is carried into the new snapshot unchanged.
 */
#include <string.h>

#include "source/source.h"
#include "util/banned.h"

static const char **
copy_extras(struct snapshot *to, enum entity ent, const struct snapshot *from, const char **x)
{
	const char **out;

	if (!to->nextra[ent])
		return NULL;
	out = arena_alloc(&to->arena, to->nextra[ent] * sizeof(*out));
	for (size_t i = 0; i < to->nextra[ent]; i++) {
		out[i] = "";
		for (size_t k = 0; k < from->nextra[ent]; k++)
			if (!strcmp(from->extra_names[ent][k], to->extra_names[ent][i]))
				out[i] = arena_strdup(&to->arena, x[k]);
	}
	return out;
}

static void
copy_contract(struct snapshot *to, const struct snapshot *from, const struct contract *c)
{
	struct contract *n = snapshot_add_contract(to);

	for (int f = 0; f < C_NFIELDS; f++)
		n->f[f] = arena_strdup(&to->arena, c->f[f]);
	n->extra = copy_extras(to, ENT_CONTRACT, from, c->extra);
	n->start = c->start;
	n->end = c->end;
	n->fte = c->fte;
	n->at = c->at;
}

static int
has_contract(const struct snapshot *s, const char *contract_id)
{
	for (size_t i = 0; i < s->ncontracts; i++)
		if (!strcmp(s->contracts[i].f[C_CONTRACT_ID], contract_id))
			return 1;
	return 0;
}

size_t
source_carry_over(const struct snapshot *prev, struct snapshot *next, const struct problems *ps)
{
	size_t carried = 0, idx, pi;

	for (size_t k = 0; k < ps->n; k++) {
		const struct problem *pr = &ps->v[k];

		if (pr->level != PROBLEM_ERROR || !pr->key)
			continue;
		if (pr->ent == ENT_PERSON) {
			const struct person *p;
			struct person *n;

			if (!snapshot_person_find(prev, pr->key, &idx) || !prev->persons[idx].present ||
			    snapshot_person_find(next, pr->key, &pi))
				continue;
			p = &prev->persons[idx];
			n = snapshot_add_person(next);
			for (int f = 0; f < P_NFIELDS; f++)
				n->f[f] = arena_strdup(&next->arena, p->f[f]);
			n->extra = copy_extras(next, ENT_PERSON, prev, p->extra);
			n->at = p->at;
			for (size_t c = 0; c < p->ncontracts; c++)
				if (!has_contract(next, prev->contracts[p->contract0 + c].f[C_CONTRACT_ID]))
					copy_contract(next, prev, &prev->contracts[p->contract0 + c]);
			for (size_t a = 0; a < p->nassignments; a++) {
				const struct assignment *o = &prev->assignments[p->assignment0 + a];
				struct assignment *na = snapshot_add_assignment(next);

				for (int f = 0; f < A_NFIELDS; f++)
					na->f[f] = arena_strdup(&next->arena, o->f[f]);
				na->extra = copy_extras(next, ENT_ASSIGNMENT, prev, o->extra);
				na->start = o->start;
				na->end = o->end;
			}
			snapshot_index(next);
			carried++;
		} else if (pr->ent == ENT_CONTRACT) {
			for (size_t c = 0; c < prev->ncontracts; c++) {
				const struct contract *o = &prev->contracts[c];

				if (strcmp(o->f[C_CONTRACT_ID], pr->key) || has_contract(next, pr->key) ||
				    !snapshot_person_find(next, o->f[C_EMPLOYEE_ID], &pi))
					continue;
				copy_contract(next, prev, o);
				snapshot_index(next);
				carried++;
				break;
			}
		}
	}
	return carried;
}
