/*
 * The Lua sandbox. One lua_State per sandbox; what must hold:
 *
 * Nothing outside. A chunk's _ENV is a fresh table per call whose metatable
 * (protected) reads from a base table of allowed functions: assert, error,
 * getmetatable, ipairs, next, pairs, pcall, rawequal, rawget, rawlen,
 * select, tonumber, tostring, type, xpcall, and read-only proxies of chosen
 * parts of string (no dump), table, math (no random, randomseed) and utf8.
 * Left out besides what the header names: print, setmetatable (a metatable
 * of the script's own could carry __gc, which runs outside any call and any
 * limit, or a __call chain, which Lua 5.4.4 follows in C for minutes, see
 * luaD_tryfuncTM), rawset (it would write past the read-only proxies into
 * tables every call shares), coroutine, warn, _G. Lists name what is kept,
 * so a function a later Lua adds stays out until someone lets it in. The
 * string metatable is protected (getmetatable("") is false) and its
 * __index is the sandbox's string table, so ("x"):dump is nil too.
 *
 * Nothing kept. Globals a chunk sets go into its per-call _ENV and are gone
 * after the call; every table a call can reach besides is read-only. So a
 * chunk gives the same result for the same fields whatever ran before, as
 * roster's rules need. Two things Lua does not keep stable are left to the
 * script: the order pairs() visits string keys in (Lua seeds its string
 * hash per state) and tostring() of a table or function (an address).
 *
 * Limits. Memory: the allocator counts the bytes Lua holds and refuses to go
 * past LUASANDBOX_MEMORY_MAX (compiled chunks included); Lua collects garbage
 * before it gives up, so garbage does not count. Work: a count hook adds
 * the instructions run, and the library functions whose C loops a script
 * steers add their own steps (sandbox_charge): pattern matching (below),
 * table.concat, insert, remove, move, unpack and sort, string.rep. Past
 * LUASANDBOX_INSTRUCTIONS_MAX the hook fires before every instruction and raises
 * again, so a pcall in the script cannot swallow the limit. One VM
 * instruction can still cost a long time (comparing two 30 MB strings), so
 * a wall-clock limit of CALL_SECONDS_MAX backs the count; no sane chunk
 * comes near it.
 *
 * Patterns. Lua's own string.find, match, gmatch and gsub backtrack in C
 * without any hook: ("x"):rep(30):find(("x-"):rep(12) .. "y") runs for
 * hours. So the sandbox has its own matcher, written to the manual's
 * pattern rules (§6.4.1) and kept to Lua 5.4's behaviour (the unit tests
 * compare the two on thousands of cases), that counts a step per item it
 * tries. Plain find uses memmem (linear, where Lua's is not).
 *
 * Errors. Everything that can raise a Lua error (a refused allocation
 * included) runs under lua_pcall, so no error reaches the panic function.
 * After a failed call the stack is emptied and garbage collected; the state
 * has nothing else to undo.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "rules/luasandbox.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* The safety net behind the instruction count: no call runs longer than this. */
#define CALL_SECONDS_MAX 10
/* The count hook fires every HOOK_EVERY instructions. */
#define HOOK_EVERY 100
/* The library counts a step per this many bytes it compares or writes. */
#define STEP_BYTES 64
/* A Lua error message is cut to this before it goes into a struct err. */
#define LUA_MSG_MAX 1024

enum limit { LIMIT_NONE, LIMIT_STEPS, LIMIT_TIME };

struct luasandbox {
	lua_State *L;
	size_t mem; /* bytes Lua holds; never above LUASANDBOX_MEMORY_MAX */

	/* The running call; in_call is 0 between calls. */
	int in_call;
	enum limit limit;	     /* the work limit this call hit */
	int raised;		     /* raise_limit ran in this call */
	long long steps;	     /* work done so far */
	long long next_check;	     /* sandbox_charge looks further at this many steps */
	struct timespec start;	     /* when the call began */
	char where[LUA_IDSIZE + 32]; /* the chunk and line where a limit was hit */
	luasandbox_get_fn get;
	void *get_ctx;

	char **names; /* names[i]: chunk i's name, for messages */
	size_t nchunks, cap;
};

/* Registry keys: the addresses matter, not the values. */
static const char key_chunks = 'c'; /* the compiled chunks, chunk i at i + 1 */
static const char key_envmt = 'e';  /* the metatable of each call's _ENV */

static struct luasandbox *
sandbox_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* --- memory --- */

/*
 * Lua's allocator (lua_Alloc): osize is the old size only when ptr is set.
 * Growing past LUASANDBOX_MEMORY_MAX is refused; shrinking and freeing never are,
 * as Lua needs.
 */
static void *
sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct luasandbox *sb = ud;
	size_t old = ptr ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		sb->mem -= old;
		return NULL;
	}
	if (nsize > old && nsize - old > LUASANDBOX_MEMORY_MAX - sb->mem)
		return NULL;
	p = realloc(ptr, nsize);
	if (!p)
		return NULL;
	sb->mem = sb->mem - old + nsize;
	return p;
}

static int
sandbox_panic(lua_State *L)
{
	BUG("lua error outside a protected call: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
}

/* --- work --- */

static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* The count hook of a running call (below). */
static void hook_count(lua_State *L, lua_Debug *ar);

/*
 * Raises the limit sb->limit. The first time in a call it notes where (ar,
 * or the Lua function that called the library function that ran into it),
 * and makes the hook fire before every instruction from then on, so that a
 * pcall that caught the error gets no further than its next instruction.
 */
static _Noreturn void
raise_limit(lua_State *L, struct luasandbox *sb, lua_Debug *ar)
{
	if (!sb->raised) {
		lua_Debug d;

		sb->raised = 1;
		if (!ar && lua_getstack(L, 1, &d))
			ar = &d;
		if (ar && lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
			snprintf(sb->where, sizeof(sb->where), "%s:%d: ", ar->short_src, ar->currentline);
		lua_sethook(L, hook_count, LUA_MASKCOUNT, 1);
		sb->next_check = 0;
	}
	lua_pushstring(L, sb->limit == LIMIT_TIME ? "time limit reached" : "instruction limit reached");
	lua_error(L);
	abort(); /* not reached: lua_error does not return */
}

/* Looks at the count and the clock; raises when the call is over either. */
static void
check_limits(lua_State *L, struct luasandbox *sb, lua_Debug *ar)
{
	if (sb->limit == LIMIT_NONE && sb->steps >= LUASANDBOX_INSTRUCTIONS_MAX)
		sb->limit = LIMIT_STEPS;
	if (sb->limit == LIMIT_NONE && seconds_since(&sb->start) > CALL_SECONDS_MAX)
		sb->limit = LIMIT_TIME;
	if (sb->limit != LIMIT_NONE)
		raise_limit(L, sb, ar);
	sb->next_check = sb->steps + 1024;
	if (sb->next_check > LUASANDBOX_INSTRUCTIONS_MAX)
		sb->next_check = LUASANDBOX_INSTRUCTIONS_MAX;
}

/* Fires every HOOK_EVERY instructions of a call, and before each one once a limit is hit. */
static void
hook_count(lua_State *L, lua_Debug *ar)
{
	struct luasandbox *sb = sandbox_of(L);

	sb->steps += HOOK_EVERY;
	check_limits(L, sb, ar);
}

/* Counts n steps of library work; raises when the call is over its limits. */
static inline void
sandbox_charge(lua_State *L, struct luasandbox *sb, lua_Unsigned n)
{
	if (n > LUASANDBOX_INSTRUCTIONS_MAX)
		n = LUASANDBOX_INSTRUCTIONS_MAX;
	sb->steps += (long long)n;
	if (sb->steps >= sb->next_check)
		check_limits(L, sb, NULL);
}

/* --- pattern matching (the manual's §6.4.1, as Lua 5.4 does it) --- */

#define PM_MAXCAPTURES 32 /* Lua's LUA_MAXCAPTURES */
#define PM_MAXDEPTH 200	  /* Lua's MAXCCALLS for patterns */
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define PM_SPECIALS "^$*+?.([%-"

struct pm {
	const char *src_init, *src_end, *p_end;
	lua_State *L;
	struct luasandbox *sb;
	int depth; /* recursion left */
	int level; /* captures open or closed */
	struct {
		const char *init;
		ptrdiff_t len; /* or CAP_UNFINISHED, CAP_POSITION */
	} capture[PM_MAXCAPTURES];
};

static void
pm_init(struct pm *ms, lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
	ms->L = L;
	ms->sb = sandbox_of(L);
	ms->src_init = s;
	ms->src_end = s + ls;
	ms->p_end = p + lp;
}

static void
pm_reset(struct pm *ms)
{
	ms->level = 0;
	ms->depth = PM_MAXDEPTH;
}

static inline void
pm_step(struct pm *ms)
{
	struct luasandbox *sb = ms->sb;

	if (++sb->steps >= sb->next_check)
		check_limits(ms->L, sb, NULL);
}

/* The character classes of the C locale, whatever the process's locale. */
static int
pm_class(int c, int cl)
{
	int lower = cl >= 'A' && cl <= 'Z' ? cl + ('a' - 'A') : cl;
	int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'), digit = c >= '0' && c <= '9';
	int res;

	switch (lower) {
	case 'a': res = alpha; break;
	case 'c': res = c < 0x20 || c == 0x7F; break;
	case 'd': res = digit; break;
	case 'g': res = c > 0x20 && c < 0x7F; break;
	case 'l': res = c >= 'a' && c <= 'z'; break;
	case 'p': res = c > 0x20 && c < 0x7F && !alpha && !digit; break;
	case 's': res = c == ' ' || (c >= '\t' && c <= '\r'); break;
	case 'u': res = c >= 'A' && c <= 'Z'; break;
	case 'w': res = alpha || digit; break;
	case 'x': res = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); break;
	case 'z': res = c == 0; break; /* deprecated, but Lua 5.4 still has it */
	default: return cl == c;
	}
	return cl != lower ? !res : res;
}

/* The end of the single-character class at p. */
static const char *
pm_class_end(struct pm *ms, const char *p)
{
	switch (*p++) {
	case '%':
		if (p == ms->p_end)
			luaL_error(ms->L, "malformed pattern (ends with '%%')");
		return p + 1;
	case '[':
		if (*p == '^')
			p++;
		do { /* the first character, ']' too, belongs to the set */
			if (p == ms->p_end)
				luaL_error(ms->L, "malformed pattern (missing ']')");
			if (*(p++) == '%' && p < ms->p_end)
				p++;
		} while (*p != ']');
		return p + 1;
	default: return p;
	}
}

/* Whether c is in the set [p .. ec], ec at its ']'. */
static int
pm_in_set(int c, const char *p, const char *ec)
{
	int sig = 1;

	if (*(p + 1) == '^') {
		sig = 0;
		p++;
	}
	while (++p < ec) {
		if (*p == '%') {
			p++;
			if (pm_class(c, (unsigned char)*p))
				return sig;
		} else if (*(p + 1) == '-' && p + 2 < ec) {
			p += 2;
			if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p)
				return sig;
		} else if ((unsigned char)*p == c) {
			return sig;
		}
	}
	return !sig;
}

static int
pm_single(struct pm *ms, const char *s, const char *p, const char *ep)
{
	int c;

	if (s >= ms->src_end)
		return 0;
	c = (unsigned char)*s;
	switch (*p) {
	case '.': return 1;
	case '%': return pm_class(c, (unsigned char)*(p + 1));
	case '[': return pm_in_set(c, p, ep - 1);
	default: return (unsigned char)*p == c;
	}
}

static const char *pm_match(struct pm *ms, const char *s, const char *p);

static const char *
pm_balance(struct pm *ms, const char *s, const char *p)
{
	int cont = 1;

	if (p >= ms->p_end - 1)
		luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
	if (s >= ms->src_end || *s != *p)
		return NULL;
	while (++s < ms->src_end) {
		pm_step(ms);
		if (*s == *(p + 1)) {
			if (--cont == 0)
				return s + 1;
		} else if (*s == *p) {
			cont++;
		}
	}
	return NULL;
}

static const char *
pm_max_expand(struct pm *ms, const char *s, const char *p, const char *ep)
{
	ptrdiff_t i = 0;

	while (pm_single(ms, s + i, p, ep)) {
		pm_step(ms);
		i++;
	}
	for (; i >= 0; i--) { /* the longest first */
		const char *res = pm_match(ms, s + i, ep + 1);

		if (res)
			return res;
	}
	return NULL;
}

static const char *
pm_min_expand(struct pm *ms, const char *s, const char *p, const char *ep)
{
	for (;;) {
		const char *res = pm_match(ms, s, ep + 1);

		if (res)
			return res;
		if (!pm_single(ms, s, p, ep))
			return NULL;
		s++;
	}
}

static const char *
pm_start_capture(struct pm *ms, const char *s, const char *p, ptrdiff_t what)
{
	const char *res;

	if (ms->level >= PM_MAXCAPTURES)
		luaL_error(ms->L, "too many captures");
	ms->capture[ms->level].init = s;
	ms->capture[ms->level].len = what;
	ms->level++;
	if (!(res = pm_match(ms, s, p)))
		ms->level--;
	return res;
}

static const char *
pm_end_capture(struct pm *ms, const char *s, const char *p)
{
	const char *res;
	int l = ms->level - 1;

	while (l >= 0 && ms->capture[l].len != CAP_UNFINISHED)
		l--;
	if (l < 0)
		luaL_error(ms->L, "invalid pattern capture");
	ms->capture[l].len = s - ms->capture[l].init;
	if (!(res = pm_match(ms, s, p)))
		ms->capture[l].len = CAP_UNFINISHED;
	return res;
}

/* %1 .. %9: the text of a closed capture again (a position capture never matches). */
static const char *
pm_backref(struct pm *ms, const char *s, int c)
{
	int l = c - '1';
	size_t len;

	if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED)
		luaL_error(ms->L, "invalid capture index %%%d", l + 1);
	len = (size_t)ms->capture[l].len;
	sandbox_charge(ms->L, ms->sb, 1 + (len < (size_t)(ms->src_end - s) ? len : 0) / STEP_BYTES);
	if ((size_t)(ms->src_end - s) >= len && !memcmp(ms->capture[l].init, s, len))
		return s + len;
	return NULL;
}

/* Where the match of p from s ends, or NULL. Each item tried is a step. */
static const char *
pm_match(struct pm *ms, const char *s, const char *p)
{
	if (ms->depth-- == 0)
		luaL_error(ms->L, "pattern too complex");
	for (;;) {
		const char *ep;

		pm_step(ms);
		if (p == ms->p_end)
			break;
		switch (*p) {
		case '(':
			if (*(p + 1) == ')')
				s = pm_start_capture(ms, s, p + 2, CAP_POSITION);
			else
				s = pm_start_capture(ms, s, p + 1, CAP_UNFINISHED);
			goto out;
		case ')': s = pm_end_capture(ms, s, p + 1); goto out;
		case '$':
			if (p + 1 != ms->p_end)
				goto dflt;
			s = s == ms->src_end ? s : NULL;
			goto out;
		case '%':
			switch (*(p + 1)) {
			case 'b':
				s = pm_balance(ms, s, p + 2);
				if (s) {
					p += 4;
					continue;
				}
				goto out;
			case 'f': {
				char prev;

				p += 2;
				if (*p != '[')
					luaL_error(ms->L, "missing '[' after '%%f' in pattern");
				ep = pm_class_end(ms, p);
				prev = s == ms->src_init ? '\0' : *(s - 1);
				/* At the end of the subject, the next character is its '\0'. */
				if (!pm_in_set((unsigned char)prev, p, ep - 1) &&
				    pm_in_set(s < ms->src_end ? (unsigned char)*s : 0, p, ep - 1)) {
					p = ep;
					continue;
				}
				s = NULL;
				goto out;
			}
			case '0':
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7':
			case '8':
			case '9':
				s = pm_backref(ms, s, (unsigned char)*(p + 1));
				if (s) {
					p += 2;
					continue;
				}
				goto out;
			default: goto dflt;
			}
		default:
		dflt:
			ep = pm_class_end(ms, p);
			if (!pm_single(ms, s, p, ep)) {
				if (*ep == '*' || *ep == '?' || *ep == '-') {
					p = ep + 1; /* may match nothing */
					continue;
				}
				s = NULL;
				goto out;
			}
			switch (*ep) {
			case '?': {
				const char *res = pm_match(ms, s + 1, ep + 1);

				if (res) {
					s = res;
					goto out;
				}
				p = ep + 1;
				continue;
			}
			case '+': s = pm_max_expand(ms, s + 1, p, ep); goto out;
			case '*': s = pm_max_expand(ms, s, p, ep); goto out;
			case '-': s = pm_min_expand(ms, s, p, ep); goto out;
			default:
				s++;
				p = ep;
				continue;
			}
		}
	}
out:
	ms->depth++;
	return s;
}

/*
 * Capture i as Lua gives it: its length with *cap at its text, or
 * CAP_POSITION with its position pushed. Capture 0 of a pattern without
 * captures is the whole match s .. e.
 */
static ptrdiff_t
pm_get_capture(struct pm *ms, int i, const char *s, const char *e, const char **cap)
{
	ptrdiff_t len;

	if (i >= ms->level) {
		if (i != 0)
			luaL_error(ms->L, "invalid capture index %%%d", i + 1);
		*cap = s;
		return e - s;
	}
	len = ms->capture[i].len;
	*cap = ms->capture[i].init;
	if (len == CAP_UNFINISHED)
		luaL_error(ms->L, "unfinished capture");
	if (len == CAP_POSITION)
		lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
	return len;
}

static void
pm_push_capture(struct pm *ms, int i, const char *s, const char *e)
{
	const char *cap;
	ptrdiff_t len = pm_get_capture(ms, i, s, e, &cap);

	if (len != CAP_POSITION)
		lua_pushlstring(ms->L, cap, (size_t)len);
}

/* Pushes the captures (the whole match when there are none and s is set). */
static int
pm_push_captures(struct pm *ms, const char *s, const char *e)
{
	int n = ms->level == 0 && s ? 1 : ms->level;

	luaL_checkstack(ms->L, n, "too many captures");
	for (int i = 0; i < n; i++)
		pm_push_capture(ms, i, s, e);
	return n;
}

/* Lua's posrelatI: a 1-based start position, clipped to 1 below. */
static size_t
start_position(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 1;
	return len + (size_t)pos + 1;
}

static int
has_specials(const char *p, size_t lp)
{
	for (size_t i = 0; i < lp; i++)
		if (p[i] && strchr(PM_SPECIALS, p[i]))
			return 1;
	return 0;
}

static int
find_or_match(lua_State *L, int find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
	struct pm ms;
	const char *s1;
	int anchor;

	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
		const char *at = memmem(s + init, ls - init, p, lp);

		if (!at) {
			luaL_pushfail(L);
			return 1;
		}
		lua_pushinteger(L, (at - s) + 1);
		lua_pushinteger(L, (lua_Integer)((size_t)(at - s) + lp));
		return 2;
	}
	anchor = *p == '^';
	if (anchor) {
		p++;
		lp--;
	}
	pm_init(&ms, L, s, ls, p, lp);
	s1 = s + init;
	do {
		const char *e;

		pm_reset(&ms);
		if ((e = pm_match(&ms, s1, p))) {
			if (find) {
				lua_pushinteger(L, (s1 - s) + 1);
				lua_pushinteger(L, e - s);
				return pm_push_captures(&ms, NULL, NULL) + 2;
			}
			return pm_push_captures(&ms, s1, e);
		}
	} while (s1++ < ms.src_end && !anchor);
	luaL_pushfail(L);
	return 1;
}

static int
str_find(lua_State *L)
{
	return find_or_match(L, 1);
}

static int
str_match(lua_State *L)
{
	return find_or_match(L, 0);
}

struct gmatch {
	const char *src, *p, *lastmatch;
	struct pm ms;
};

/* gmatch's iterator; upvalues: the subject, the pattern, the struct gmatch. */
static int
gmatch_next(lua_State *L)
{
	struct gmatch *gm = lua_touserdata(L, lua_upvalueindex(3));

	gm->ms.L = L;
	for (const char *src = gm->src; src <= gm->ms.src_end; src++) {
		const char *e;

		pm_reset(&gm->ms);
		if ((e = pm_match(&gm->ms, src, gm->p)) && e != gm->lastmatch) {
			gm->src = gm->lastmatch = e;
			return pm_push_captures(&gm->ms, src, e);
		}
	}
	return 0;
}

static int
str_gmatch(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
	struct gmatch *gm;

	lua_settop(L, 2);
	gm = lua_newuserdatauv(L, sizeof(*gm), 0);
	if (init > ls)
		init = ls + 1; /* nothing to match */
	pm_init(&gm->ms, L, s, ls, p, lp);
	gm->src = s + init;
	gm->p = p;
	gm->lastmatch = NULL;
	lua_pushcclosure(L, gmatch_next, 3);
	return 1;
}

/* Adds the replacement string (argument 3) for the match s .. e, with its %0 .. %9 and %%. */
static void
gsub_add_string(struct pm *ms, luaL_Buffer *b, const char *s, const char *e)
{
	lua_State *L = ms->L;
	size_t l;
	const char *news = lua_tolstring(L, 3, &l), *p;

	while ((p = memchr(news, '%', l))) {
		luaL_addlstring(b, news, (size_t)(p - news));
		p++;
		if (*p == '%') {
			luaL_addchar(b, *p);
		} else if (*p == '0') {
			luaL_addlstring(b, s, (size_t)(e - s));
		} else if (*p >= '1' && *p <= '9') {
			const char *cap;
			ptrdiff_t len = pm_get_capture(ms, *p - '1', s, e, &cap);

			if (len == CAP_POSITION)
				luaL_addvalue(b);
			else
				luaL_addlstring(b, cap, (size_t)len);
		} else {
			luaL_error(L, "invalid use of '%%' in replacement string");
		}
		l -= (size_t)(p + 1 - news);
		news = p + 1;
	}
	luaL_addlstring(b, news, l);
}

/* Adds the replacement of the match s .. e; returns whether it replaced anything. */
static int
gsub_add_value(struct pm *ms, luaL_Buffer *b, const char *s, const char *e, int tr)
{
	lua_State *L = ms->L;

	switch (tr) {
	case LUA_TFUNCTION: {
		int n;

		lua_pushvalue(L, 3);
		n = pm_push_captures(ms, s, e);
		lua_call(L, n, 1);
		break;
	}
	case LUA_TTABLE:
		pm_push_capture(ms, 0, s, e);
		lua_gettable(L, 3);
		break;
	default: gsub_add_string(ms, b, s, e); return 1;
	}
	if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
		return 0;
	}
	if (!lua_isstring(L, -1))
		return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
	return 1;
}

static int
str_gsub(lua_State *L)
{
	size_t srcl, lp;
	const char *src = luaL_checklstring(L, 1, &srcl);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *lastmatch = NULL;
	int tr = lua_type(L, 3);
	lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
	int anchor = *p == '^';
	lua_Integer n = 0;
	int changed = 0;
	struct pm ms;
	luaL_Buffer b;

	luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
			 "string/function/table");
	luaL_buffinit(L, &b);
	if (anchor) {
		p++;
		lp--;
	}
	pm_init(&ms, L, src, srcl, p, lp);
	while (n < max_s) {
		const char *e;

		pm_reset(&ms);
		if ((e = pm_match(&ms, src, p)) && e != lastmatch) {
			n++;
			changed = gsub_add_value(&ms, &b, src, e, tr) | changed;
			src = lastmatch = e;
		} else if (src < ms.src_end) {
			luaL_addchar(&b, *src++);
		} else {
			break;
		}
		if (anchor)
			break;
	}
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}

/* string.rep as Lua's (its upvalue), counted by what it writes; nothing to repeat gives "" at once. */
static int
str_rep(lua_State *L)
{
	size_t l, lsep;
	lua_Integer n;

	luaL_checklstring(L, 1, &l);
	n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (n <= 0 || l + lsep == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	/* Past LUASANDBOX_MEMORY_MAX it fails anyway; the charge is capped by sandbox_charge. */
	if ((lua_Unsigned)n < (lua_Unsigned)LUASANDBOX_MEMORY_MAX && l + lsep < LUASANDBOX_MEMORY_MAX)
		sandbox_charge(L, sandbox_of(L), 1 + (lua_Unsigned)n * (l + lsep) / STEP_BYTES);
	lua_settop(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 3, 1);
	return 1;
}

/* --- table: Lua 5.4's, with a step per element moved --- */

static void
concat_add(lua_State *L, luaL_Buffer *b, lua_Integer i)
{
	lua_geti(L, 1, i);
	if (!lua_isstring(L, -1))
		luaL_error(L, "invalid value (at index %I) in table for 'concat'", (LUAI_UACINT)i);
	luaL_addvalue(b);
}

static int
tbl_concat(lua_State *L)
{
	struct luasandbox *sb = sandbox_of(L);
	luaL_Buffer b;
	size_t lsep;
	const char *sep;
	lua_Integer i, last;

	luaL_checktype(L, 1, LUA_TTABLE);
	last = luaL_len(L, 1);
	sep = luaL_optlstring(L, 2, "", &lsep);
	i = luaL_optinteger(L, 3, 1);
	last = luaL_optinteger(L, 4, last);
	luaL_buffinit(L, &b);
	for (; i < last; i++) {
		sandbox_charge(L, sb, 1 + lsep / STEP_BYTES);
		concat_add(L, &b, i);
		luaL_addlstring(&b, sep, lsep);
	}
	if (i == last)
		concat_add(L, &b, i);
	luaL_pushresult(&b);
	return 1;
}

static int
tbl_insert(lua_State *L)
{
	struct luasandbox *sb = sandbox_of(L);
	lua_Integer pos, e;

	luaL_checktype(L, 1, LUA_TTABLE);
	e = luaL_intop(+, luaL_len(L, 1), 1); /* the first empty slot */
	switch (lua_gettop(L)) {
	case 2: pos = e; break;
	case 3:
		pos = luaL_checkinteger(L, 2);
		luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
		for (lua_Integer i = e; i > pos; i--) {
			sandbox_charge(L, sb, 1);
			lua_geti(L, 1, i - 1);
			lua_seti(L, 1, i);
		}
		break;
	default: return luaL_error(L, "wrong number of arguments to 'insert'");
	}
	lua_seti(L, 1, pos);
	return 0;
}

static int
tbl_remove(lua_State *L)
{
	struct luasandbox *sb = sandbox_of(L);
	lua_Integer size, pos;

	luaL_checktype(L, 1, LUA_TTABLE);
	size = luaL_len(L, 1);
	pos = luaL_optinteger(L, 2, size);
	if (pos != size)
		luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
	lua_geti(L, 1, pos);
	for (; pos < size; pos++) {
		sandbox_charge(L, sb, 1);
		lua_geti(L, 1, pos + 1);
		lua_seti(L, 1, pos);
	}
	lua_pushnil(L);
	lua_seti(L, 1, pos);
	return 1;
}

static int
tbl_move(lua_State *L)
{
	struct luasandbox *sb = sandbox_of(L);
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3), t = luaL_checkinteger(L, 4);
	int tt = !lua_isnoneornil(L, 5) ? 5 : 1;

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, tt, LUA_TTABLE);
	if (e >= f) {
		lua_Integer n, i;

		luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
		n = e - f + 1;
		luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
		/* All of it up front: the count is known and the loop has nothing to stop it early. */
		sandbox_charge(L, sb, (lua_Unsigned)n);
		if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
			for (i = 0; i < n; i++) {
				lua_geti(L, 1, f + i);
				lua_seti(L, tt, t + i);
			}
		} else {
			for (i = n - 1; i >= 0; i--) {
				lua_geti(L, 1, f + i);
				lua_seti(L, tt, t + i);
			}
		}
	}
	lua_pushvalue(L, tt);
	return 1;
}

static int
tbl_unpack(lua_State *L)
{
	lua_Integer i = luaL_optinteger(L, 2, 1);
	lua_Integer e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
	lua_Unsigned n;

	if (i > e)
		return 0;
	n = (lua_Unsigned)e - (lua_Unsigned)i;
	if (n >= (unsigned)INT_MAX || !lua_checkstack(L, (int)(++n)))
		return luaL_error(L, "too many results to unpack");
	sandbox_charge(L, sandbox_of(L), n);
	for (; i < e; i++)
		lua_geti(L, 1, i);
	lua_geti(L, 1, e);
	return (int)n;
}

/* table.sort's comparison: a step (more for long strings), then the script's function or "<". */
static int
sort_less(lua_State *L)
{
	lua_Unsigned cost = 1;

	if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
		size_t l1 = lua_rawlen(L, 1), l2 = lua_rawlen(L, 2);

		cost += (l1 < l2 ? l1 : l2) / STEP_BYTES;
	}
	sandbox_charge(L, sandbox_of(L), cost);
	if (lua_isnil(L, lua_upvalueindex(1))) {
		lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
		return 1;
	}
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

/* table.sort as Lua's (its upvalue), with sort_less around the comparison. */
static int
tbl_sort(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	lua_pushcclosure(L, sort_less, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 0);
	return 0;
}

/* --- what a chunk sees --- */

/*
 * xpcall with the message handler run once the failed call has unwound,
 * not at the point of the error: an error raised by the count hook is
 * raised with hooks off, and Lua's xpcall would run the handler right there,
 * where no limit can stop it. Without the debug library a handler cannot
 * look at the stack, so it sees the same thing. As in Lua, a handler that
 * fails gets its own error, and after too many "error in error handling";
 * memory errors skip the handler.
 */
static int
base_xpcall(lua_State *L)
{
	int n = lua_gettop(L), status;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushboolean(L, 1);
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 2); /* f, h, true, f, args */
	status = lua_pcall(L, n - 2, LUA_MULTRET, 0);
	if (status == LUA_OK)
		return lua_gettop(L) - 2;
	for (int tries = 0; status == LUA_ERRRUN; tries++) { /* f, h, true, err */
		if (tries == 200) {
			lua_pop(L, 1);
			lua_pushliteral(L, "error in error handling");
			break;
		}
		lua_pushvalue(L, 2);
		lua_insert(L, -2);
		status = lua_pcall(L, 1, 1, 0);
	}
	lua_pushboolean(L, 0);
	lua_replace(L, 3);
	return 2;
}

/* __newindex of every read-only table; upvalue: the table's name. */
static int
readonly_newindex(lua_State *L)
{
	return luaL_error(L, "%s is read-only", lua_tostring(L, lua_upvalueindex(1)));
}

/* The iterator __pairs gives: next over the hidden table (upvalue), never handing that table out. */
static int
readonly_next(lua_State *L)
{
	lua_settop(L, 2);
	if (lua_next(L, lua_upvalueindex(1)))
		return 2;
	return 0;
}

static int
readonly_pairs(lua_State *L)
{
	lua_getmetatable(L, 1);
	lua_getfield(L, -1, "__index");
	lua_pushcclosure(L, readonly_next, 1);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/*
 * Gives the table just below the top a protected metatable whose __index is
 * the value at the top (popped) and whose __newindex says name is read-only.
 */
static void
make_readonly(lua_State *L, const char *name)
{
	lua_createtable(L, 0, 4); /* table, index, mt */
	lua_insert(L, -2);	  /* table, mt, index */
	lua_setfield(L, -2, "__index");
	lua_pushstring(L, name);
	lua_pushcclosure(L, readonly_newindex, 1);
	lua_setfield(L, -2, "__newindex");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
}

/*
 * __index of person, contract, account and contract's department and title.
 * Upvalues: the table's name for get ("contract"), the prefix of its fields
 * ("" or "department."), and a table of nested tables or nil. A key that is
 * not a string, or holds a NUL, is no field.
 */
static int
field_index(lua_State *L)
{
	struct luasandbox *sb = sandbox_of(L);
	const char *table = lua_tostring(L, lua_upvalueindex(1));
	const char *prefix = lua_tostring(L, lua_upvalueindex(2));
	const char *key, *v;
	size_t klen;

	if (lua_type(L, 2) != LUA_TSTRING)
		return 0;
	key = lua_tolstring(L, 2, &klen);
	if (strlen(key) != klen)
		return 0;
	if (lua_istable(L, lua_upvalueindex(3))) {
		lua_pushvalue(L, 2);
		if (lua_rawget(L, lua_upvalueindex(3)) != LUA_TNIL)
			return 1;
		lua_pop(L, 1);
	}
	if (*prefix)
		key = lua_pushfstring(L, "%s%s", prefix, key);
	if (!sb->get || !(v = sb->get(sb->get_ctx, table, key)))
		return 0;
	lua_pushstring(L, v);
	return 1;
}

/* Pushes a read-only record table whose fields get gives; nested: the stack index of a table of nested ones, or 0. */
static void
push_record(lua_State *L, const char *table, const char *prefix, int nested, const char *name)
{
	lua_newtable(L);
	lua_pushstring(L, table);
	lua_pushstring(L, prefix);
	if (nested)
		lua_pushvalue(L, nested);
	else
		lua_pushnil(L);
	lua_pushcclosure(L, field_index, 3);
	make_readonly(L, name);
}

struct lib_entry {
	const char *name;
	lua_CFunction own; /* the sandbox's; NULL: Lua's as it is */
	int wraps;	   /* own gets Lua's function as its upvalue */
};

/*
 * Builds a table of the allowed entries of Lua's library lib (at the top,
 * left there) with the sandbox's functions in place of some; pushes it.
 */
static void
push_library(lua_State *L, const struct lib_entry *allow)
{
	int lib = lua_gettop(L);

	lua_newtable(L);
	for (const struct lib_entry *a = allow; a->name; a++) {
		if (!a->own) {
			lua_getfield(L, lib, a->name);
		} else if (a->wraps) {
			lua_getfield(L, lib, a->name);
			lua_pushcclosure(L, a->own, 1);
		} else {
			lua_pushcfunction(L, a->own);
		}
		lua_setfield(L, -2, a->name);
	}
}

static const struct lib_entry base_allowed[] = {
	{ "assert", NULL, 0 },	 { "error", NULL, 0 },	{ "getmetatable", NULL, 0 },  { "ipairs", NULL, 0 },
	{ "next", NULL, 0 },	 { "pairs", NULL, 0 },	{ "pcall", NULL, 0 },	      { "rawequal", NULL, 0 },
	{ "rawget", NULL, 0 },	 { "rawlen", NULL, 0 }, { "select", NULL, 0 },	      { "tonumber", NULL, 0 },
	{ "tostring", NULL, 0 }, { "type", NULL, 0 },	{ "xpcall", base_xpcall, 0 }, { NULL, NULL, 0 },
};
static const struct lib_entry string_allowed[] = {
	{ "byte", NULL, 0 },	     { "char", NULL, 0 },     { "find", str_find, 0 }, { "format", NULL, 0 },
	{ "gmatch", str_gmatch, 0 }, { "gsub", str_gsub, 0 }, { "len", NULL, 0 },      { "lower", NULL, 0 },
	{ "match", str_match, 0 },   { "pack", NULL, 0 },     { "packsize", NULL, 0 }, { "rep", str_rep, 1 },
	{ "reverse", NULL, 0 },	     { "sub", NULL, 0 },      { "unpack", NULL, 0 },   { "upper", NULL, 0 },
	{ NULL, NULL, 0 },
};
static const struct lib_entry table_allowed[] = {
	{ "concat", tbl_concat, 0 }, { "insert", tbl_insert, 0 }, { "move", tbl_move, 0 },     { "pack", NULL, 0 },
	{ "remove", tbl_remove, 0 }, { "sort", tbl_sort, 1 },	  { "unpack", tbl_unpack, 0 }, { NULL, NULL, 0 },
};
static const struct lib_entry math_allowed[] = {
	{ "abs", NULL, 0 },   { "acos", NULL, 0 },	 { "asin", NULL, 0 },	   { "atan", NULL, 0 },
	{ "ceil", NULL, 0 },  { "cos", NULL, 0 },	 { "deg", NULL, 0 },	   { "exp", NULL, 0 },
	{ "floor", NULL, 0 }, { "fmod", NULL, 0 },	 { "huge", NULL, 0 },	   { "log", NULL, 0 },
	{ "max", NULL, 0 },   { "maxinteger", NULL, 0 }, { "min", NULL, 0 },	   { "mininteger", NULL, 0 },
	{ "modf", NULL, 0 },  { "pi", NULL, 0 },	 { "rad", NULL, 0 },	   { "sin", NULL, 0 },
	{ "sqrt", NULL, 0 },  { "tan", NULL, 0 },	 { "tointeger", NULL, 0 }, { "type", NULL, 0 },
	{ "ult", NULL, 0 },   { NULL, NULL, 0 },
};
static const struct lib_entry utf8_allowed[] = {
	{ "char", NULL, 0 }, { "charpattern", NULL, 0 }, { "codepoint", NULL, 0 }, { "codes", NULL, 0 },
	{ "len", NULL, 0 },  { "offset", NULL, 0 },	 { NULL, NULL, 0 },
};

/*
 * Opens Lua's libraries and builds what chunks see (the comment at the
 * top); runs under lua_pcall.
 */
static int
sandbox_setup(lua_State *L)
{
	static const struct {
		const char *name;
		lua_CFunction open;
		const struct lib_entry *allow;
	} libs[] = {
		{ LUA_STRLIBNAME, luaopen_string, string_allowed },
		{ LUA_TABLIBNAME, luaopen_table, table_allowed },
		{ LUA_MATHLIBNAME, luaopen_math, math_allowed },
		{ LUA_UTF8LIBNAME, luaopen_utf8, utf8_allowed },
	};
	int base, nested;

	luaL_requiref(L, LUA_GNAME, luaopen_base, 0);
	push_library(L, base_allowed);
	base = lua_gettop(L);
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		luaL_requiref(L, libs[i].name, libs[i].open, 0);
		push_library(L, libs[i].allow);
		if (libs[i].open == luaopen_string) {
			/* Methods on strings use the sandbox's table; the metatable is out of reach. */
			lua_pushliteral(L, "");
			lua_getmetatable(L, -1);
			lua_pushvalue(L, -3);
			lua_setfield(L, -2, "__index");
			lua_pushboolean(L, 0);
			lua_setfield(L, -2, "__metatable");
			lua_pop(L, 2);
		}
		lua_newtable(L); /* proxy */
		lua_pushvalue(L, -2);
		make_readonly(L, libs[i].name);
		lua_getmetatable(L, -1);
		lua_pushcfunction(L, readonly_pairs);
		lua_setfield(L, -2, "__pairs");
		lua_pop(L, 1);
		lua_setfield(L, base, libs[i].name);
		lua_pop(L, 2); /* the library and its sandbox copy */
	}

	push_record(L, "person", "", 0, "person");
	lua_setfield(L, base, "person");
	push_record(L, "account", "", 0, "account");
	lua_setfield(L, base, "account");
	lua_newtable(L);
	nested = lua_gettop(L);
	push_record(L, "contract", "department.", 0, "contract.department");
	lua_setfield(L, nested, "department");
	push_record(L, "contract", "title.", 0, "contract.title");
	lua_setfield(L, nested, "title");
	push_record(L, "contract", "", nested, "contract");
	lua_setfield(L, base, "contract");
	lua_pop(L, 1);

	/* Each call's _ENV: writes stay in it, reads fall through to base. */
	lua_createtable(L, 0, 2);
	lua_pushvalue(L, base);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key_envmt);

	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &key_chunks);
	return 0;
}

struct luasandbox *
luasandbox_new(void)
{
	struct luasandbox *sb = xcalloc(1, sizeof(*sb));

	sb->L = lua_newstate(sandbox_alloc, sb);
	if (!sb->L) {
		free(sb);
		return NULL;
	}
	lua_atpanic(sb->L, sandbox_panic);
	lua_pushcfunction(sb->L, sandbox_setup);
	if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK) {
		lua_close(sb->L);
		free(sb);
		return NULL;
	}
	return sb;
}

void
luasandbox_free(struct luasandbox *sb)
{
	if (!sb)
		return;
	lua_close(sb->L);
	for (size_t i = 0; i < sb->nchunks; i++)
		free(sb->names[i]);
	free(sb->names);
	free(sb);
}

static void collect_all(struct luasandbox *sb);

size_t
luasandbox_memory_used(struct luasandbox *sb)
{
	collect_all(sb);
	return sb->mem;
}

/*
 * Appends s[0..n) as one line of UTF-8: control characters become spaces,
 * bytes that are not UTF-8 become '?'; past max bytes it is cut with "...".
 */
static void
add_clean(struct buf *out, const char *s, size_t n, size_t max)
{
	size_t start = out->len;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4, bad;

		if (out->len - start + len > max) {
			buf_adds(out, "...");
			return;
		}
		if (c < 0x20 || c == 0x7F) {
			buf_addch(out, ' ');
		} else if (c < 0x80) {
			buf_addch(out, (char)c);
		} else if (i + len <= n && text_utf8_check(s + i, len, &bad) == 0) {
			buf_add(out, s + i, len);
		} else {
			buf_addch(out, '?');
			len = 1;
		}
		i += len;
	}
}

/* The last word of name: "description" of "target directory, attribute description". */
static const char *
last_word(const char *name)
{
	const char *sp = strrchr(name, ' ');

	return sp && sp[1] ? sp + 1 : name;
}

struct compile_args {
	const char *name, *chunk;
	int status;
};

/* Loads the chunk (source text only) and keeps it; runs under lua_pcall. */
static int
compile_chunk(lua_State *L)
{
	struct compile_args *a = lua_touserdata(L, 1);
	struct luasandbox *sb = sandbox_of(L);
	/* "=" makes Lua print the rest as it is: [string "description"]:3: ... */
	const char *chunkname = lua_pushfstring(L, "=[string \"%s\"]", last_word(a->name));

	a->status = luaL_loadbufferx(L, a->chunk, strlen(a->chunk), chunkname, "t");
	if (a->status != LUA_OK)
		return lua_error(L);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_chunks);
	lua_insert(L, -2);
	lua_rawseti(L, -2, (lua_Integer)sb->nchunks + 1);
	return 0;
}

int
luasandbox_compile(struct luasandbox *sb, const char *name, const char *chunk, struct err *e)
{
	struct compile_args a = { name ? name : "lua", chunk, LUA_OK };
	lua_State *L = sb->L;
	int status;

	if (!chunk)
		return err_set(e, ERR_CONFIG, "%s: no lua chunk", a.name);
	if (sb->in_call || sb->nchunks >= INT_MAX - 1)
		return err_set(e, ERR_INTERNAL, "%s: cannot compile now", a.name);
	lua_pushcfunction(L, compile_chunk);
	lua_pushlightuserdata(L, &a);
	status = lua_pcall(L, 1, 0, 0);
	if (status != LUA_OK) {
		struct buf msg = BUF_INIT;
		size_t n;
		const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : "";

		if (status == LUA_ERRMEM || a.status == LUA_ERRMEM)
			buf_addf(&msg, "the chunk does not fit in the sandbox's memory limit of %zu MiB",
				 (size_t)LUASANDBOX_MEMORY_MAX >> 20);
		else if (!strncmp(chunk, LUA_SIGNATURE, strlen(LUA_SIGNATURE)))
			buf_adds(&msg, "a precompiled (binary) chunk: only Lua source text is accepted");
		else
			add_clean(&msg, s, strlen(s), LUA_MSG_MAX);
		err_set(e, ERR_CONFIG, "%s: %s", a.name, buf_str(&msg));
		buf_release(&msg);
		lua_settop(L, 0);
		lua_gc(L, LUA_GCCOLLECT);
		return -1;
	}
	XGROW(sb->names, sb->cap, sb->nchunks + 1);
	sb->names[sb->nchunks] = xstrdup(a.name);
	return (int)sb->nchunks++;
}

enum result_kind { RESULT_OK, RESULT_BAD_TYPE, RESULT_NOT_FINITE };

/*
 * Runs chunk idx (argument 2) in a fresh _ENV under the limits; runs under
 * lua_pcall. Returns the kind of result and the result as a string (or the
 * bad value).
 */
static int
run_chunk(lua_State *L)
{
	struct luasandbox *sb = sandbox_of(L);
	lua_Integer idx = lua_tointeger(L, 1);

	lua_settop(L, 0);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_chunks);
	lua_rawgeti(L, 1, idx + 1); /* 2: the chunk */
	lua_createtable(L, 0, 0);   /* 3: its _ENV for this call */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &key_envmt);
	lua_setmetatable(L, 3);
	if (!lua_setupvalue(L, 2, 1))
		BUG("a main chunk without _ENV");

	sb->steps = 0;
	sb->next_check = 1024;
	sb->limit = LIMIT_NONE;
	sb->raised = 0;
	sb->where[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &sb->start);
	lua_sethook(L, hook_count, LUA_MASKCOUNT, HOOK_EVERY);
	lua_call(L, 0, 1); /* 2: the result */

	switch (lua_type(L, 2)) {
	case LUA_TSTRING: break;
	case LUA_TNUMBER:
		if (!lua_isinteger(L, 2) && !isfinite(lua_tonumber(L, 2))) {
			lua_pushinteger(L, RESULT_NOT_FINITE);
			lua_insert(L, 2);
			return 2;
		}
		lua_tolstring(L, 2, NULL); /* as Lua prints it: 3, 3.0, 0.1, 1e+100 */
		break;
	case LUA_TNIL: lua_pushliteral(L, ""); break;
	case LUA_TBOOLEAN: lua_pushstring(L, lua_toboolean(L, 2) ? "true" : "false"); break;
	default:
		lua_pushinteger(L, RESULT_BAD_TYPE);
		lua_insert(L, 2);
		return 2;
	}
	lua_pushinteger(L, RESULT_OK);
	lua_insert(L, -2);
	return 2;
}

/*
 * Gives back at once what a failed call left: its garbage, and the call
 * frames a deep recursion left cached, which each collection halves. Stops
 * as soon as a collection frees nothing, so an ordinary error costs two.
 */
static void
collect_all(struct luasandbox *sb)
{
	size_t before;

	for (int i = 0; i < 64; i++) {
		before = sb->mem;
		lua_gc(sb->L, LUA_GCCOLLECT);
		if (sb->mem >= before)
			break;
	}
}

/* The message of a failed call, without name and who. */
static void
call_error(struct luasandbox *sb, int status, struct buf *msg)
{
	lua_State *L = sb->L;
	size_t n;
	const char *s;

	if (sb->limit == LIMIT_STEPS) {
		buf_addf(msg, "%sinstruction limit of %d reached", sb->where, LUASANDBOX_INSTRUCTIONS_MAX);
	} else if (sb->limit == LIMIT_TIME) {
		buf_addf(msg, "%stime limit of %d seconds reached", sb->where, CALL_SECONDS_MAX);
	} else if (status == LUA_ERRMEM) {
		buf_addf(msg, "memory limit of %zu MiB reached", (size_t)LUASANDBOX_MEMORY_MAX >> 20);
	} else if (lua_type(L, -1) == LUA_TSTRING) {
		s = lua_tolstring(L, -1, &n);
		add_clean(msg, s, n, LUA_MSG_MAX);
	} else if (lua_type(L, -1) == LUA_TNUMBER) {
		if (lua_isinteger(L, -1))
			buf_addf(msg, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, -1));
		else
			buf_addf(msg, LUA_NUMBER_FMT, (LUAI_UACNUMBER)lua_tonumber(L, -1));
	} else {
		buf_addf(msg, "(error object is a %s value)", luaL_typename(L, -1));
	}
}

int
luasandbox_call(struct luasandbox *sb, int idx, luasandbox_get_fn get, void *get_ctx, const char *who, struct buf *out,
		struct err *e)
{
	lua_State *L = sb->L;
	const char *name, *s;
	struct buf msg = BUF_INIT;
	int status, kind, ret = -1;
	size_t n, bad;

	if (idx < 0 || (size_t)idx >= sb->nchunks)
		return err_set(e, ERR_INTERNAL, "lua chunk %d does not exist", idx);
	if (sb->in_call)
		return err_set(e, ERR_INTERNAL, "%s: the sandbox is already running a chunk", sb->names[idx]);
	name = sb->names[idx];
	sb->in_call = 1;
	sb->get = get;
	sb->get_ctx = get_ctx;
	lua_pushcfunction(L, run_chunk);
	lua_pushinteger(L, idx);
	status = lua_pcall(L, 1, 2, 0);
	lua_sethook(L, NULL, 0, 0);
	sb->in_call = 0;
	sb->get = NULL;
	sb->get_ctx = NULL;

	if (status != LUA_OK) {
		call_error(sb, status, &msg);
		goto out;
	}
	kind = (int)lua_tointeger(L, -2);
	if (kind == RESULT_BAD_TYPE) {
		buf_addf(&msg, "the result is a %s; expected a string, number, boolean or nil", luaL_typename(L, -1));
		goto out;
	}
	if (kind == RESULT_NOT_FINITE) {
		buf_addf(&msg, "the result is %s, not a finite number",
			 lua_tonumber(L, -1) != lua_tonumber(L, -1) ? "nan" : "infinite");
		goto out;
	}
	s = lua_tolstring(L, -1, &n);
	if (n > LUASANDBOX_RESULT_MAX) {
		buf_addf(&msg, "the result is %zu bytes, longer than the limit of %d", n, LUASANDBOX_RESULT_MAX);
		goto out;
	}
	if (memchr(s, '\0', n)) {
		buf_addf(&msg, "the result holds a NUL byte at byte %zu",
			 (size_t)((const char *)memchr(s, '\0', n) - s));
		goto out;
	}
	if (text_utf8_check(s, n, &bad) < 0) {
		buf_addf(&msg, "the result is not valid UTF-8 (byte %zu)", bad);
		goto out;
	}
	buf_add(out, s, n);
	ret = 0;
out:
	if (ret < 0) {
		if (who && *who)
			err_set(e, ERR_INVALID, "%s: %s: %s", name, who, buf_str(&msg));
		else
			err_set(e, ERR_INVALID, "%s: %s", name, buf_str(&msg));
	}
	buf_release(&msg);
	lua_settop(L, 0);
	if (ret < 0)
		collect_all(sb);
	return ret;
}
