#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct strmap_slot {
	const char *key;
	uint64_t hash;
	size_t val;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

static struct strmap_slot *
find(const struct strmap *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	for (;;) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key || (s->hash == h && !strcmp(s->key, key)))
			return s;
		i = (i + 1) & mask;
	}
}

int
strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	struct strmap_slot *s;

	if (!m->cap)
		return 0;
	s = find(m, key, hash_str(key));
	if (!s->key)
		return 0;
	*val = s->val;
	return 1;
}

static void
rehash(struct strmap *m, size_t ncap)
{
	struct strmap_slot *old = m->slots;
	size_t i, ocap = m->cap;

	m->slots = xcalloc(ncap, sizeof(*m->slots));
	m->cap = ncap;
	for (i = 0; i < ocap; i++) {
		if (old[i].key)
			*find(m, old[i].key, old[i].hash) = old[i];
	}
	free(old);
}

int
strmap_put(struct strmap *m, const char *key, size_t val)
{
	uint64_t h = hash_str(key);
	struct strmap_slot *s;

	if ((m->len + 1) * 4 >= m->cap * 3)
		rehash(m, m->cap ? m->cap * 2 : 64);
	s = find(m, key, h);
	if (s->key) {
		s->val = val;
		return 1;
	}
	s->key = key;
	s->hash = h;
	s->val = val;
	m->len++;
	return 0;
}

void
strmap_release(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}
