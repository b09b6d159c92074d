#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "vault/known.h"
#include "util/banned.h"

void
known_init(struct known_state *k)
{
	memset(k, 0, sizeof(*k));
}

void
known_release(struct known_state *k)
{
	arena_release(&k->arena);
	free(k->accounts);
	free(k->memberships);
	memset(k, 0, sizeof(*k));
}

int
account_attr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct account_attr *)a)->name, ((const struct account_attr *)b)->name);
}

const char *
account_attr_find(const struct account_attr *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return v[i].value;
	return NULL;
}

/* 1 when the n elements of size sz at v are in order already (the vault reads them so). */
static int
sorted(const void *v, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	const char *p = v;

	for (size_t i = 1; i < n; i++)
		if (cmp(p + (i - 1) * sz, p + i * sz) > 0)
			return 0;
	return 1;
}

void
known_add_account(struct known_state *k, const struct known_account *a)
{
	struct known_account *d;

	XGROW(k->accounts, k->accounts_cap, k->naccounts + 1);
	d = &k->accounts[k->naccounts++];
	*d = *a;
	d->target = arena_strdup(&k->arena, a->target);
	d->employee_id = arena_strdup(&k->arena, a->employee_id);
	d->ref = a->ref ? arena_strdup(&k->arena, a->ref) : NULL;
	d->attrs = arena_alloc(&k->arena, (a->nattrs + 1) * sizeof(*d->attrs));
	for (size_t i = 0; i < a->nattrs; i++) {
		d->attrs[i].name = arena_strdup(&k->arena, a->attrs[i].name);
		d->attrs[i].value = arena_strdup(&k->arena, a->attrs[i].value);
	}
	if (!sorted(d->attrs, d->nattrs, sizeof(*d->attrs), account_attr_cmp))
		qsort(d->attrs, d->nattrs, sizeof(*d->attrs), account_attr_cmp);
}

void
known_add_membership(struct known_state *k, const char *target, const char *employee_id, const char *permission)
{
	struct membership *m;

	XGROW(k->memberships, k->memberships_cap, k->nmemberships + 1);
	m = &k->memberships[k->nmemberships++];
	m->target = arena_strdup(&k->arena, target);
	m->employee_id = arena_strdup(&k->arena, employee_id);
	m->permission = arena_strdup(&k->arena, permission);
}

static int
account_key_cmp(const char *target, const char *id, const struct known_account *a)
{
	int c = strcmp(target, a->target);

	return c ? c : strcmp(id, a->employee_id);
}

static int
account_cmp(const void *x, const void *y)
{
	const struct known_account *a = x, *b = y;
	int c = account_key_cmp(a->target, a->employee_id, b);

	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static int
membership_key_cmp(const char *target, const char *id, const struct membership *m)
{
	int c = strcmp(target, m->target);

	return c ? c : strcmp(id, m->employee_id);
}

static int
membership_cmp(const void *x, const void *y)
{
	const struct membership *a = x, *b = y;
	int c = membership_key_cmp(a->target, a->employee_id, b);

	return c ? c : strcmp(a->permission, b->permission);
}

void
known_sort(struct known_state *k)
{
	if (!sorted(k->accounts, k->naccounts, sizeof(*k->accounts), account_cmp))
		qsort(k->accounts, k->naccounts, sizeof(*k->accounts), account_cmp);
	if (!sorted(k->memberships, k->nmemberships, sizeof(*k->memberships), membership_cmp))
		qsort(k->memberships, k->nmemberships, sizeof(*k->memberships), membership_cmp);
}

size_t
known_accounts_of(const struct known_state *k, const char *target, const char *employee_id,
		  const struct known_account **first)
{
	size_t lo = 0, hi = k->naccounts, end;

	*first = NULL;
	while (lo < hi) { /* the first account not below the key */
		size_t mid = lo + (hi - lo) / 2;

		if (account_key_cmp(target, employee_id, &k->accounts[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < k->naccounts && !account_key_cmp(target, employee_id, &k->accounts[end]); end++)
		;
	if (end > lo)
		*first = &k->accounts[lo];
	return end - lo;
}

size_t
known_memberships_of(const struct known_state *k, const char *target, const char *employee_id,
		     const struct membership **first)
{
	size_t lo = 0, hi = k->nmemberships, end;

	*first = NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (membership_key_cmp(target, employee_id, &k->memberships[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < k->nmemberships && !membership_key_cmp(target, employee_id, &k->memberships[end]); end++)
		;
	if (end > lo)
		*first = &k->memberships[lo];
	return end - lo;
}

const char *
known_attr(const struct known_account *a, const char *name)
{
	size_t lo = 0, hi = a->nattrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, a->attrs[mid].name);

		if (!c)
			return a->attrs[mid].value;
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
account_status_name(enum account_status s)
{
	switch (s) {
	case ACCT_ENABLED: return "enabled";
	case ACCT_DISABLED: return "disabled";
	case ACCT_DELETED: return "deleted";
	}
	return "?";
}
