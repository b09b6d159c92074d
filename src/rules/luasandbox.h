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
 * a table or function is an error. Results longer than LUASANDBOX_RESULT_MAX are an
 * error, never cut.
 *
 * In detail (luasandbox.c says why):
 * - A chunk sees assert, error, getmetatable, ipairs, next, pairs, pcall,
 *   rawequal, rawget, rawlen, select, tonumber, tostring, type, xpcall and
 *   read-only string (without dump), table, math (without random and
 *   randomseed) and utf8; not setmetatable, rawset, print, coroutine, _G.
 *   getmetatable("") is false. xpcall runs its handler after the failed
 *   call has unwound.
 * - Nothing lasts from one call to the next: globals a chunk sets are gone
 *   after the call, every shared table is read-only. Not stable across
 *   runs, and so not to be put in a result: the order pairs() visits
 *   string keys in, tostring() of a table or function.
 * - Fields are strings: "" when empty, nil when get does not know them (not
 *   an error, so `person.nickname or person.given_name` works); a key that
 *   is not a string is nil. contract.department and contract.title are
 *   tables (of department.* and title.*), never nil. The tables cannot be
 *   written, and pairs() and # see nothing in them.
 * - A float result keeps Lua's form: 6 / 2 gives "3.0" (6 // 2 gives "3");
 *   inf and nan are an error. A result holding a NUL byte, or that is not
 *   valid UTF-8, is an error too.
 * - The instruction limit counts the VM's instructions and the steps of
 *   library loops a script steers (pattern matching, table.concat, insert,
 *   remove, move, unpack, sort, string.rep); after it, even pcall cannot go
 *   on. A call also stops after 10 seconds, a safety net for instructions
 *   that each take long (comparing strings of many megabytes). The memory
 *   limit covers the compiled chunks as well.
 * - One sandbox is for one thread, and luasandbox_call is not reentrant
 *   (get must not call it on the same sandbox).
 */
#ifndef ROSTER_LUASANDBOX_H
#define ROSTER_LUASANDBOX_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define LUASANDBOX_RESULT_MAX (64 * 1024)
#define LUASANDBOX_MEMORY_MAX ((size_t)64 << 20) /* bytes per sandbox */
#define LUASANDBOX_INSTRUCTIONS_MAX 1000000	 /* per call */

struct luasandbox;

/* A new sandbox (free with luasandbox_free); NULL only when Lua cannot start. */
struct luasandbox *luasandbox_new(void);
void luasandbox_free(struct luasandbox *sb);

/*
 * Compiles chunk (text) as chunk number returned; name names it in messages
 * ("target directory, attribute description"). Returns the chunk's index
 * (>= 0), or -1 with e set (ERR_CONFIG, the Lua syntax error with its line
 * within the chunk).
 *
 * Chunks are numbered 0, 1, 2 … in the order they compile (a failed compile
 * takes no number) and live as long as the sandbox. The text is read up to
 * its NUL; a precompiled (binary) chunk is refused. Lua's own messages name
 * the chunk by the last word of name: `[string "description"]:3: ...`.
 * Messages are one line: control characters become spaces and bytes that
 * are not UTF-8 '?'.
 */
int luasandbox_compile(struct luasandbox *sb, const char *name, const char *chunk, struct err *e);

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
 *
 * The message is "name: who: what" ("name: what" when who is NULL or ""),
 * what being Lua's message or one of ours: "[string "description"]:2:
 * instruction limit of 1000000 reached", "memory limit of 64 MiB reached",
 * "the result is a table; expected …". On error out is left as it was. get
 * is called only while the call runs, once per field read (NULL get: every
 * field is nil); its strings are copied at once. An idx that was never
 * returned by luasandbox_compile is ERR_INTERNAL.
 */
int luasandbox_call(struct luasandbox *sb, int idx, luasandbox_get_fn get, void *get_ctx, const char *who,
		    struct buf *out, struct err *e);

/*
 * The bytes the sandbox's Lua state holds after a full collection (the
 * compiled chunks included): for tests that check a failed call leaks
 * nothing.
 */
size_t luasandbox_memory_used(struct luasandbox *sb);

#endif
