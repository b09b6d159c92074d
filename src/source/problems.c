#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

void
problems_init(struct problems *ps)
{
	memset(ps, 0, sizeof(*ps));
}

void
problems_release(struct problems *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		struct problem *p = &ps->v[i];

		free(p->file);
		free(p->where);
		free(p->value);
		free(p->msg);
		free(p->key);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

void
problems_append(struct problems *to, struct problems *from)
{
	XGROW(to->v, to->cap, to->n + from->n);
	if (from->n)
		memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
	to->n += from->n;
	to->nerrors += from->nerrors;
	to->nwarnings += from->nwarnings;
	free(from->v);
	memset(from, 0, sizeof(*from));
}

void
problems_add(struct problems *ps, enum problem_level level, const char *file, int line, const char *where,
	     const char *value, enum entity ent, const char *key, const char *fmt, ...)
{
	struct problem *p;
	struct buf b = BUF_INIT;
	va_list ap;

	XGROW(ps->v, ps->cap, ps->n + 1);
	p = &ps->v[ps->n++];
	p->level = level;
	p->file = xstrdup(file ? file : "");
	p->line = line;
	p->where = where ? xstrdup(where) : NULL;
	p->value = value ? xstrdup(value) : NULL;
	p->ent = ent;
	p->key = key && *key ? text_trim_dup(key, strlen(key)) : NULL;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	p->msg = buf_detach(&b);
	if (level == PROBLEM_ERROR)
		ps->nerrors++;
	else
		ps->nwarnings++;
}

char *
problem_format(const struct problem *p)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, p->file);
	if (p->line)
		buf_addf(&b, ":%d", p->line);
	if (p->where)
		buf_addf(&b, ": %s", p->where);
	if (p->value)
		buf_addf(&b, ": value \"%s\"", p->value);
	buf_addf(&b, ": %s", p->msg);
	return buf_detach(&b);
}
