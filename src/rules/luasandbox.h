/*
 * Lua mapping scripts (issue "rules and plan": `lua:` attributes): Lua 5.4
 * chunks run in a sandbox — no io, os, require, load, loadfile, dofile,
 * debug, package, collectgarbage, string.dump; a memory limit and an
 * instruction limit per call — compiled once per configuration, called once
 * per person with read-only tables `person`, `contract` and `account`.
 *
 *	description: {lua: "return person.given_name .. ' (' .. contract.title.name .. ')'"}
 *
 * A chunk's result is converted to a string: a string as is, a number as Lua
 * prints it (integers without ".0"), nil as "", a boolean as "true"/"false";
 * a table or function is an error. Results longer than LUA_RESULT_MAX are an
 * error, never cut.
 */
#ifndef ROSTER_LUASANDBOX_H
#define ROSTER_LUASANDBOX_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define LUA_RESULT_MAX (64 * 1024)
#define LUA_MEMORY_MAX ((size_t)64 << 20) /* bytes per sandbox */
#define LUA_INSTRUCTIONS_MAX 1000000	  /* per call */

struct lua_sandbox;

/* A new sandbox (free with luasandbox_free); NULL only when Lua cannot start. */
struct lua_sandbox *luasandbox_new(void);
void luasandbox_free(struct lua_sandbox *sb);

/*
 * Compiles chunk (text) as chunk number returned; name names it in messages
 * ("target directory, attribute description"). Returns the chunk's index
 * (>= 0), or -1 with e set (ERR_CONFIG, the Lua syntax error with its line
 * within the chunk).
 */
int luasandbox_compile(struct lua_sandbox *sb, const char *name, const char *chunk, struct err *e);

/* Gives the value of a field in one of the tables ("person", "given_name"); "" when empty, NULL when unknown. */
typedef const char *(*luasandbox_get_fn)(void *ctx, const char *table, const char *field);

/*
 * Runs chunk idx with the tables person, contract and account whose fields
 * get gives (person.given_name, contract.department.code as
 * contract.department.code — nested tables department and title — and
 * account.uid), and appends its result to out. Returns 0, or -1 with e set
 * (ERR_INVALID): a runtime error (with the chunk's name and the person's
 * label given in who), the instruction or memory limit, a result of the
 * wrong type or too long. The sandbox stays usable after an error.
 */
int luasandbox_call(struct lua_sandbox *sb, int idx, luasandbox_get_fn get, void *get_ctx, const char *who,
		    struct buf *out, struct err *e);

#endif
