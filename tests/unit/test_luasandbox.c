/*
 * Unit tests for rules/luasandbox.c: the issue's example, what a chunk can
 * and cannot reach, the memory, instruction and result limits, the error
 * messages, the sandbox staying usable after every kind of error, memory
 * that does not grow over 100,000 calls, and the sandbox's own pattern
 * matcher and table functions giving what Lua's own give (compared with a
 * plain Lua state on the same chunks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "rules/luasandbox.h"
#include "util/buf.h"
#include "util/err.h"
#include "testlib.h"

#define NAME "target directory, attribute description"
#define WHO "person 100042 (Jan de Vries)"

/* --- one person, one contract, one account --- */

struct field {
	const char *table, *name, *value;
};

static const struct field jan[] = {
	{ "person", "employee_id", "100042" },
	{ "person", "given_name", "Jan" },
	{ "person", "family_name", "Vries" },
	{ "person", "family_name_prefix", "de" },
	{ "person", "partner_name", "" },
	{ "person", "display_name", "Jan de Vries" },
	{ "contract", "department.code", "ICT" },
	{ "contract", "department.name", "Informatie & Communicatie" },
	{ "contract", "title.code", "ENG2" },
	{ "contract", "title.name", "Engineer" },
	{ "contract", "fte", "0.8" },
	{ "contract", "start_date", "2024-03-01" },
	{ "account", "uid", "jvries" },
	{ NULL, NULL, NULL },
};

/* get over a NULL-ended list of fields (ctx); counts its calls in get_calls. */
static int get_calls;

static const char *
get(void *ctx, const char *table, const char *name)
{
	get_calls++;
	for (const struct field *f = ctx; f->table; f++)
		if (!strcmp(f->table, table) && !strcmp(f->name, name))
			return f->value;
	return NULL;
}

static struct luasandbox *
sandbox(void)
{
	struct luasandbox *sb = luasandbox_new();

	assert_non_null(sb);
	return sb;
}

static int
compile_ok_fl(struct luasandbox *sb, const char *chunk, const char *file, int line)
{
	struct err e;
	int idx;

	err_init(&e);
	idx = luasandbox_compile(sb, NAME, chunk, &e);
	if (idx < 0) {
		print_error("%s:%d: chunk does not compile: %s\n", file, line, e.msg);
		_fail(file, line);
	}
	return idx;
}
#define compile_ok(sb, chunk) compile_ok_fl((sb), (chunk), __FILE__, __LINE__)

/* Calls chunk idx with jan; fails the test unless it gives want. */
static void
assert_call_fl(struct luasandbox *sb, int idx, const char *want, const char *file, int line)
{
	struct buf out = BUF_INIT;
	struct err e;

	err_init(&e);
	if (luasandbox_call(sb, idx, get, (void *)jan, WHO, &out, &e) < 0) {
		print_error("%s:%d: call fails: %s\n", file, line, e.msg);
		buf_release(&out);
		_fail(file, line);
	}
	if (strcmp(buf_str(&out), want)) {
		print_error("%s:%d: result \"%.200s\", expected \"%s\"\n", file, line, buf_str(&out), want);
		buf_release(&out);
		_fail(file, line);
	}
	buf_release(&out);
}
#define assert_call(sb, idx, want) assert_call_fl((sb), (idx), (want), __FILE__, __LINE__)

/* Compiles and calls chunk; fails the test unless it gives want. */
static void
assert_gives_fl(struct luasandbox *sb, const char *chunk, const char *want, const char *file, int line)
{
	assert_call_fl(sb, compile_ok_fl(sb, chunk, file, line), want, file, line);
}
#define assert_gives(sb, chunk, want) assert_gives_fl((sb), (chunk), (want), __FILE__, __LINE__)

/* Calls chunk idx with jan; fails the test unless it fails with ERR_INVALID and a message holding msg; leaves out untouched. */
static void
assert_call_fails_fl(struct luasandbox *sb, int idx, const char *msg, const char *file, int line)
{
	struct buf out = BUF_INIT;
	struct err e;

	err_init(&e);
	buf_adds(&out, "before");
	if (luasandbox_call(sb, idx, get, (void *)jan, WHO, &out, &e) == 0) {
		print_error("%s:%d: call succeeds with \"%.200s\", expected an error with \"%s\"\n", file, line,
			    buf_str(&out), msg);
		buf_release(&out);
		_fail(file, line);
	}
	if (e.class != ERR_INVALID || !strstr(e.msg, msg) || strncmp(e.msg, NAME ": " WHO ": ", strlen(NAME WHO) + 4) ||
	    strcmp(buf_str(&out), "before")) {
		print_error("%s:%d: error (class %d) \"%s\", expected class %d with \"%s\" (out \"%s\")\n", file, line,
			    (int)e.class, e.msg, (int)ERR_INVALID, msg, buf_str(&out));
		buf_release(&out);
		_fail(file, line);
	}
	buf_release(&out);
}
#define assert_call_fails(sb, idx, msg) assert_call_fails_fl((sb), (idx), (msg), __FILE__, __LINE__)

static void
assert_fails_fl(struct luasandbox *sb, const char *chunk, const char *msg, const char *file, int line)
{
	assert_call_fails_fl(sb, compile_ok_fl(sb, chunk, file, line), msg, file, line);
}
#define assert_fails(sb, chunk, msg) assert_fails_fl((sb), (chunk), (msg), __FILE__, __LINE__)

/* --- the issue's example and the record tables --- */

static void
issue_example_gives_given_name_and_title(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	assert_gives(sb, "return person.given_name .. ' (' .. contract.title.name .. ')'", "Jan (Engineer)");
	luasandbox_free(sb);
}

static void
fields_of_person_contract_and_account_are_read_through_get(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	assert_gives(sb, "return contract.department.code .. '/' .. contract.department.name",
		     "ICT/Informatie & Communicatie");
	assert_gives(sb, "return contract.title.code .. ' ' .. contract.fte * 40", "ENG2 32.0");
	assert_gives(sb, "return account.uid .. '@example.org'", "jvries@example.org");
	/* Empty is "", unknown is nil, and so is a key that is not a name. */
	assert_gives(sb, "return type(person.partner_name) .. #person.partner_name", "string0");
	assert_gives(sb, "return tostring(person.nickname) .. tostring(contract.department.nope)", "nilnil");
	assert_gives(sb, "return tostring(person[1]) .. tostring(person['given_name\\0x'])", "nilnil");
	assert_gives(sb, "return person.nickname or person.given_name", "Jan");
	/* department and title are tables, not fields. */
	assert_gives(sb, "return type(contract.department) .. type(contract.title)", "tabletable");
	/* The tables hide their fields: nothing to iterate, no length. */
	assert_gives(sb, "local n = 0 for _ in pairs(person) do n = n + 1 end return n .. #person", "00");
	luasandbox_free(sb);
}

static void
get_is_not_called_for_fields_a_chunk_does_not_read(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	get_calls = 0;
	assert_gives(sb, "return 'x' .. person.given_name", "xJan");
	assert_int_equal(get_calls, 1);
	luasandbox_free(sb);
}

static void
record_tables_are_read_only(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	assert_fails(sb, "person.given_name = 'Piet'", "person is read-only");
	assert_fails(sb, "contract.department.code = 'X'", "contract.department is read-only");
	assert_fails(sb, "contract.department = {}", "contract is read-only");
	assert_fails(sb, "account.x = 1", "account is read-only");
	assert_fails(sb, "setmetatable(person, {})", "attempt to call a nil value (global 'setmetatable')");
	assert_gives(sb, "return getmetatable(person) == false and getmetatable(contract.title) == false", "true");
	assert_gives(sb, "return rawget(person, 'given_name') == nil", "true");
	/* Still there for the next call. */
	assert_gives(sb, "return person.given_name", "Jan");
	luasandbox_free(sb);
}

static void
a_call_without_get_sees_every_field_as_nil(void **state)
{
	struct luasandbox *sb = sandbox();
	struct buf out = BUF_INIT;
	struct err e;
	int idx = compile_ok(sb, "return tostring(person.given_name)");

	(void)state;
	err_init(&e);
	assert_int_equal(luasandbox_call(sb, idx, NULL, NULL, NULL, &out, &e), 0);
	assert_string_equal(buf_str(&out), "nil");
	buf_release(&out);
	luasandbox_free(sb);
}

/* --- what is not there --- */

static void
forbidden_globals_are_nil(void **state)
{
	static const char *const names[] = {
		"io",
		"os",
		"require",
		"load",
		"loadfile",
		"dofile",
		"debug",
		"package",
		"collectgarbage",
		"print",
		"string.dump",
		"math.random",
		"math.randomseed",
		"setmetatable",
		"rawset",
		"coroutine",
		"warn",
		"_G",
		"loadstring",
		"module",
		"unpack",
		"string.gfind",
		"math.pow",
		"table.getn",
		"utf8.foo",
		"_VERSION",
	};
	struct luasandbox *sb = sandbox();
	char chunk[128];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(chunk, sizeof(chunk), "return %s == nil", names[i]);
		assert_gives(sb, chunk, "true");
	}
	/* Through a string's methods either. */
	assert_gives(sb, "return ('x').dump == nil and ('x').upper ~= nil", "true");
	luasandbox_free(sb);
}

static void
allowed_functions_are_there(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	assert_gives(
		sb,
		"local n = 0 for _, f in ipairs({assert, error, getmetatable, ipairs, next, pairs, pcall, rawequal,"
		" rawget, rawlen, select, tonumber, tostring, type, xpcall, string.format, string.upper,"
		" table.concat, table.sort, math.floor, math.max, utf8.char, utf8.len}) do"
		" if type(f) == 'function' then n = n + 1 end end return n",
		"23");
	assert_gives(sb, "return math.pi > 3 and math.maxinteger > 0 and type(utf8.charpattern) == 'string'", "true");
	assert_gives(sb, "local n = 0 for k in pairs(string) do n = n + 1 end return n", "16");
	assert_gives(sb, "local n = 0 for k in pairs(table) do n = n + 1 end return n", "7");
	assert_gives(sb, "return utf8.len('Gen\xc3\xa8ve') .. ('%05.1f'):format(3.14159)", "6003.1");
	luasandbox_free(sb);
}

static void
string_metatable_cannot_be_reached_or_changed(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	assert_gives(sb, "return getmetatable('')", "false");
	assert_fails(sb, "getmetatable('').__index = {}", "attempt to index a boolean value");
	assert_fails(sb, "string.upper = function() return 'pwned' end", "string is read-only");
	assert_fails(sb, "string.extra = 1", "string is read-only");
	assert_fails(sb, "table.insert(string, 1)", "string is read-only");
	/* pairs over a library gives its functions, never the table behind it. */
	assert_gives(sb, "local f, s = pairs(string) return s == string", "true");
	assert_gives(sb, "return ('abc'):upper() .. string.upper('d')", "ABCD");
	luasandbox_free(sb);
}

static void
globals_a_chunk_sets_do_not_last_to_the_next_call(void **state)
{
	struct luasandbox *sb = sandbox();
	int idx = compile_ok(sb, "count = (count or 0) + 1 return count");
	int other = compile_ok(sb, "return tostring(count)");

	(void)state;
	assert_call(sb, idx, "1");
	assert_call(sb, idx, "1");
	assert_call(sb, other, "nil");
	/* A chunk may shadow an allowed name for itself. */
	assert_gives(sb, "local string = 5 tostring = nil return string", "5");
	assert_gives(sb, "return tostring(1)", "1");
	luasandbox_free(sb);
}

/* --- limits --- */

static void
an_infinite_loop_stops_at_the_instruction_limit(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	assert_fails(sb, "local n = 0\nwhile true do n = n + 1 end",
		     "[string \"description\"]:2: instruction limit of 1000000 reached");
	assert_fails(sb, "local function f() return f() end return f()", "instruction limit of 1000000 reached");
	/* Deep recursion: the limit or Lua's stack overflow, whichever comes first. */
	assert_fails(sb, "local function f() return 1 + f() end return f()", "reached");
	/* pcall cannot swallow it. */
	assert_fails(sb, "while true do pcall(function() while true do end end) end", "instruction limit");
	assert_fails(sb, "local ok repeat ok = pcall(error) until false", "instruction limit");
	assert_fails(sb, "xpcall(function() while true do end end, function() while true do end end) return 'x'",
		     "instruction limit");
	/* Under the limit is fine. */
	assert_gives(sb, "local n = 0 for i = 1, 100000 do n = n + i end return n", "5000050000");
	luasandbox_free(sb);
}

/* A chunk that makes t = {[1] = 1, [2] = 1, [4] = 1, ... [2^40] = 1}, then does what. */
static void
sparse_chunk(char *chunk, size_t size, const char *what)
{
	size_t n = (size_t)snprintf(chunk, size, "local t = {");

	for (int i = 0; i <= 40 && n < size; i++)
		n += (size_t)snprintf(chunk + n, size - n, "[%lld] = 1, ", 1LL << i);
	if (n < size)
		snprintf(chunk + n, size - n, "} %s", what);
}

static void
library_loops_count_against_the_instruction_limit(void **state)
{
	struct luasandbox *sb = sandbox();
	char chunk[1024];

	(void)state;
	/* Each would run for minutes to years without the sandbox's counting. */
	assert_fails(sb, "return ('x'):rep(30):find(('x-'):rep(12) .. 'y')", "instruction limit");
	assert_fails(sb, "return ('a'):rep(5000):match('^(.-)%s*(.-)%s*(.-)$b')", "instruction limit");
	assert_fails(sb, "return select(2, ('x'):rep(40):gsub(('x*'):rep(10) .. 'y', ''))", "instruction limit");
	assert_fails(sb, "for a in ('x'):rep(40):gmatch(('x-'):rep(10) .. 'y') do end", "instruction limit");
	/* #t is 2^40 for a table of 41 keys 1, 2, 4, ... 2^40: insert and remove would shift them all. */
	sparse_chunk(chunk, sizeof(chunk), "table.insert(t, 1, 0)");
	assert_fails(sb, chunk, "instruction limit");
	sparse_chunk(chunk, sizeof(chunk), "table.remove(t, 1)");
	assert_fails(sb, chunk, "instruction limit");
	sparse_chunk(chunk, sizeof(chunk), "return #t");
	assert_gives(sb, chunk, "1099511627776");
	assert_fails(sb, "table.move({}, 1, math.maxinteger - 1, 2)", "instruction limit");
	assert_fails(sb, "local t = {} for i = 1, 100 do t[i] = '' end while true do table.concat(t) end",
		     "instruction limit");
	assert_fails(sb,
		     "local s, t = ('x'):rep(1e6), {} for i = 1, 1000 do t[i] = s end"
		     " table.sort(t, function(a, b) return a < b end) table.sort(t)",
		     "instruction limit");
	assert_fails(sb, "local t = {} for i = 1, 100 do t[i] = i end while true do table.unpack(t) end",
		     "instruction limit");
	/* Nothing to repeat is "" at once, however many times. */
	assert_gives(sb, "return ('').rep('', math.maxinteger) .. ('x'):rep(0)", "");
	luasandbox_free(sb);
}

static void
a_memory_bomb_stops_at_the_memory_limit(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	assert_fails(sb, "return string.rep('x', 1e9)", "memory limit of 64 MiB reached");
	assert_fails(sb, "local s = 'x' while true do s = s .. s end", "memory limit of 64 MiB reached");
	assert_fails(sb, "local s, t = ('x'):rep(100):rep(1000), {} for i = 1, 1e6 do t[i] = s .. i end",
		     "memory limit of 64 MiB reached");
	assert_fails(sb, "local t = {} for i = 1, 1e6 do t[i] = {('y'):rep(1000):rep(4000) .. i} end",
		     "memory limit of 64 MiB reached");
	/* A script may catch it and carry on. */
	assert_gives(sb, "local ok, e = pcall(string.rep, 'x', 1e9) return tostring(ok) .. ' ' .. e",
		     "false not enough memory");
	luasandbox_free(sb);
}

static void
a_syntax_error_is_a_config_error_with_its_line(void **state)
{
	struct luasandbox *sb = sandbox();
	struct err e;

	(void)state;
	err_init(&e);
	assert_int_equal(luasandbox_compile(sb, NAME, "local x = 1\n\nreturn x +", &e), -1);
	assert_int_equal(e.class, ERR_CONFIG);
	assert_string_equal(e.msg, NAME ": [string \"description\"]:3: unexpected symbol near <eof>");
	err_init(&e);
	assert_int_equal(luasandbox_compile(sb, "rule", "return 'x\n'", &e), -1);
	assert_string_equal(e.msg, "rule: [string \"rule\"]:1: unfinished string near ''x'");
	/* A failed compile leaves no chunk behind: the next one is number 0. */
	assert_int_equal(compile_ok(sb, "return 1"), 0);
	luasandbox_free(sb);
}

static int
dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
	(void)L;
	buf_add(ud, p, n);
	return 0;
}

static void
binary_chunks_are_refused(void **state)
{
	struct luasandbox *sb = sandbox();
	lua_State *L = luaL_newstate();
	struct buf bin = BUF_INIT;
	struct err e;

	(void)state;
	assert_int_equal(luaL_loadstring(L, "return 1"), LUA_OK);
	assert_int_equal(lua_dump(L, dump_writer, &bin, 0), 0);
	lua_close(L);
	/* Compile takes text up to its first NUL: the start of the dump is what it sees. */
	assert_memory_equal(bin.s, LUA_SIGNATURE, strlen(LUA_SIGNATURE));
	err_init(&e);
	assert_int_equal(luasandbox_compile(sb, NAME, buf_str(&bin), &e), -1);
	assert_int_equal(e.class, ERR_CONFIG);
	assert_string_equal(e.msg, NAME ": a precompiled (binary) chunk: only Lua source text is accepted");
	buf_release(&bin);
	luasandbox_free(sb);
}

static void
a_runtime_error_names_the_chunk_and_the_person(void **state)
{
	struct luasandbox *sb = sandbox();
	struct buf out = BUF_INIT;
	struct err e;
	int idx = compile_ok(sb, "return person.name .. '!'");

	(void)state;
	err_init(&e);
	assert_int_equal(luasandbox_call(sb, idx, get, (void *)jan, WHO, &out, &e), -1);
	assert_int_equal(e.class, ERR_INVALID);
	assert_string_equal(e.msg, "target directory, attribute description: person 100042 (Jan de Vries): "
				   "[string \"description\"]:1: attempt to concatenate a nil value (field 'name')");
	/* Without who, the name alone. */
	err_init(&e);
	assert_int_equal(luasandbox_call(sb, idx, get, (void *)jan, NULL, &out, &e), -1);
	assert_string_equal(e.msg,
			    NAME ": [string \"description\"]:1: attempt to concatenate a nil value (field 'name')");
	assert_int_equal(out.len, 0);
	assert_fails(sb, "error('no manager for ' .. person.given_name)",
		     "[string \"description\"]:1: no manager for Jan");
	assert_fails(sb, "error('line one\\nline\\ttwo \\255', 0)", ": line one line two ?");
	assert_fails(sb, "error({})", "(error object is a table value)");
	assert_fails(sb, "error(42)", "42");
	assert_fails(sb, "error()", "(error object is a nil value)");
	buf_release(&out);
	luasandbox_free(sb);
}

/* --- results --- */

static void
results_of_every_type_convert_as_the_header_says(void **state)
{
	struct luasandbox *sb = sandbox();

	(void)state;
	assert_gives(sb, "return 'text'", "text");
	assert_gives(sb, "return 42", "42");
	assert_gives(sb, "return -7", "-7");
	assert_gives(sb, "return math.maxinteger", "9223372036854775807");
	assert_gives(sb, "return 0.5", "0.5");
	assert_gives(sb, "return 3.0", "3.0");
	assert_gives(sb, "return 6 / 2", "3.0");
	assert_gives(sb, "return 6 // 2", "3");
	assert_gives(sb, "return 1e100", "1e+100");
	assert_gives(sb, "return 0.1 + 0.2", "0.3");
	assert_gives(sb, "return nil", "");
	assert_gives(sb, "", "");
	assert_gives(sb, "return true", "true");
	assert_gives(sb, "return false", "false");
	assert_gives(sb, "return 'first', 'second'", "first");
	assert_gives(sb, "return 'caf\xc3\xa9'", "caf\xc3\xa9");
	assert_fails(sb, "return {}", "the result is a table; expected a string, number, boolean or nil");
	assert_fails(sb, "return print or tostring", "the result is a function");
	assert_fails(sb, "return 1/0", "the result is infinite, not a finite number");
	assert_fails(sb, "return -1/0", "the result is infinite");
	assert_fails(sb, "return 0/0", "the result is nan, not a finite number");
	assert_fails(sb, "return 'a\\0b'", "the result holds a NUL byte at byte 1");
	assert_fails(sb, "return 'caf\\xe9'", "the result is not valid UTF-8 (byte 3)");
	luasandbox_free(sb);
}

static void
a_result_is_appended_to_out(void **state)
{
	struct luasandbox *sb = sandbox();
	struct buf out = BUF_INIT;
	struct err e;
	int idx = compile_ok(sb, "return 'b'");

	(void)state;
	err_init(&e);
	buf_adds(&out, "a");
	assert_int_equal(luasandbox_call(sb, idx, get, (void *)jan, WHO, &out, &e), 0);
	assert_int_equal(luasandbox_call(sb, idx, get, (void *)jan, WHO, &out, &e), 0);
	assert_string_equal(buf_str(&out), "abb");
	buf_release(&out);
	luasandbox_free(sb);
}

static void
a_result_longer_than_the_limit_is_an_error(void **state)
{
	struct luasandbox *sb = sandbox();
	struct buf out = BUF_INIT;
	struct err e;
	char chunk[64];
	int idx;

	(void)state;
	snprintf(chunk, sizeof(chunk), "return ('x'):rep(%d)", LUASANDBOX_RESULT_MAX);
	idx = compile_ok(sb, chunk);
	err_init(&e);
	assert_int_equal(luasandbox_call(sb, idx, get, (void *)jan, WHO, &out, &e), 0);
	assert_int_equal(out.len, LUASANDBOX_RESULT_MAX);
	snprintf(chunk, sizeof(chunk), "return ('x'):rep(%d)", LUASANDBOX_RESULT_MAX + 1);
	assert_fails(sb, chunk, "the result is 65537 bytes, longer than the limit of 65536");
	buf_release(&out);
	luasandbox_free(sb);
}

/* --- staying usable --- */

static void
the_sandbox_works_after_each_kind_of_error(void **state)
{
	static const char *const bad[] = {
		"error('x')",
		"while true do end",
		"return ('x'):rep(1024):rep(2^15) .. ('y'):rep(1024):rep(2^15)",
		"local t = {} for i = 1, 1e6 do t[i] = ('z'):rep(100):rep(1000) .. i end",
		"return {}",
		"return ('x'):rep(70000)",
		"return 0/0",
		"local function f() return 1 + f() end return f()",
		"return ('x'):rep(30):find(('x-'):rep(12) .. 'y')",
		"return ('%'):find('%')",
		"error(setmetatable and 1 or nil)",
	};
	struct luasandbox *sb = sandbox();
	int good =
		compile_ok(sb, "local t = {} for i = 1, 1000 do t[i] = person.given_name end return #table.concat(t)");
	size_t base;

	(void)state;
	assert_call(sb, good, "3000");
	base = luasandbox_memory_used(sb);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int idx = compile_ok(sb, bad[i]);

		base = luasandbox_memory_used(sb); /* the compiled chunk is kept */
		assert_call_fails(sb, idx, "");
		assert_call(sb, good, "3000");
		assert_call_fails(sb, idx, "");
		/* What the failed call held is given back. */
		if (luasandbox_memory_used(sb) > base + 4096) {
			print_error("after \"%s\": %zu bytes, %zu before\n", bad[i], luasandbox_memory_used(sb), base);
			fail();
		}
	}
	luasandbox_free(sb);
}

static void
many_chunks_called_many_times_do_not_grow_memory(void **state)
{
	static const char *const chunks[] = {
		"return person.given_name .. ' (' .. contract.title.name .. ')'",
		"return (person.given_name:sub(1, 1) .. '.' .. person.family_name):lower()",
		"local t = {} for w in contract.department.name:gmatch('%a+') do t[#t + 1] = w:sub(1, 1) end return "
		"table.concat(t)",
		"return (contract.department.name:gsub('%s+', '_'))",
		"x = (x or 0) + 1 return x",
		"return tonumber(contract.fte) * 40",
		"local ok, e = pcall(error, 'e') return e",
		"return ('%s <%s@example.org>'):format(person.display_name, account.uid)",
		"return string.rep('ab', 3, '-')",
		"local t = {3, 1, 2} table.sort(t) return table.concat(t, ',')",
	};
	static const char *const want[] = {
		"Jan (Engineer)",
		"j.vries",
		"IC",
		"Informatie_&_Communicatie",
		"1",
		"32.0",
		"e",
		"Jan de Vries <jvries@example.org>",
		"ab-ab-ab",
		"1,2,3",
	};
	enum { NCHUNKS = sizeof(chunks) / sizeof(chunks[0]), CALLS = 100000 };
	struct luasandbox *sb = sandbox();
	struct buf out = BUF_INIT;
	struct err e;
	int idx[NCHUNKS];
	size_t before, after;

	(void)state;
	for (int i = 0; i < NCHUNKS; i++)
		idx[i] = compile_ok(sb, chunks[i]);
	for (int i = 0; i < NCHUNKS; i++)
		assert_call(sb, idx[i], want[i]);
	before = luasandbox_memory_used(sb);
	err_init(&e);
	for (int n = 0; n < CALLS; n++) {
		buf_reset(&out);
		if (luasandbox_call(sb, idx[n % NCHUNKS], get, (void *)jan, WHO, &out, &e) < 0)
			fail_msg("call %d: %s", n, e.msg);
	}
	assert_string_equal(buf_str(&out), want[(CALLS - 1) % NCHUNKS]);
	after = luasandbox_memory_used(sb);
	if (after > before + 4096)
		fail_msg("%d calls grew Lua's memory from %zu to %zu bytes", CALLS, before, after);
	buf_release(&out);
	luasandbox_free(sb);
}

static void
sandboxes_are_independent_and_free_null_is_a_no_op(void **state)
{
	struct luasandbox *a = sandbox(), *b = sandbox();
	struct buf out = BUF_INIT;
	struct err e;

	(void)state;
	assert_int_equal(compile_ok(a, "return 'a'"), 0);
	assert_int_equal(compile_ok(b, "return 'b'"), 0);
	assert_call(a, 0, "a");
	assert_call(b, 0, "b");
	err_init(&e);
	assert_int_equal(luasandbox_call(a, 1, get, (void *)jan, WHO, &out, &e), -1);
	assert_int_equal(luasandbox_call(a, -1, get, (void *)jan, WHO, &out, &e), -1);
	luasandbox_free(a);
	luasandbox_free(b);
	luasandbox_free(NULL);
}

/* --- the sandbox's own string and table functions give what Lua's give --- */

/*
 * Runs chunk in L, a plain Lua state with all of Lua's libraries, with the
 * fields of rec as the global table person: chunks that use only what the
 * sandbox allows must give the same there. The result or "error: ..." goes
 * into out.
 */
static void
reference_run(lua_State *L, const struct field *rec, const char *chunk, struct buf *out)
{
	lua_newtable(L);
	for (const struct field *f = rec; f->table; f++) {
		lua_pushstring(L, f->value);
		lua_setfield(L, -2, f->name);
	}
	lua_setglobal(L, "person");
	buf_reset(out);
	if (luaL_loadstring(L, chunk) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
		buf_addf(out, "error: %s", lua_tostring(L, -1));
	} else {
		size_t n;
		const char *s = luaL_tolstring(L, -1, &n);

		buf_add(out, s, n);
		lua_pop(L, 1);
	}
	lua_settop(L, 0);
}

/* When set, a failure shows these fields instead of the chunk. */
static const struct field *pattern_what;

/* Runs chunk in both; fails the test when they differ (errors are compared as errors, not by message). */
static void
assert_same_as_lua_fl(struct luasandbox *sb, lua_State *L, const struct field *rec, const char *chunk, const char *file,
		      int line)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	struct err e;
	int idx, ok;

	reference_run(L, rec, chunk, &want);
	err_init(&e);
	idx = luasandbox_compile(sb, "test", chunk, &e);
	ok = idx >= 0 && luasandbox_call(sb, idx, get, (void *)rec, NULL, &got, &e) == 0;
	if (ok != !!strncmp(buf_str(&want), "error: ", 7) || (ok && strcmp(buf_str(&want), buf_str(&got)))) {
		if (pattern_what)
			print_error("%s:%d: s \"%s\" p \"%s\" r \"%s\"\n", file, line, pattern_what[0].value,
				    pattern_what[1].value, pattern_what[2].value);
		else
			print_error("%s:%d: chunk %s\n", file, line, chunk);
		print_error("  lua:     %s\n  sandbox: %s\n", buf_str(&want), ok ? buf_str(&got) : e.msg);
		buf_release(&want);
		buf_release(&got);
		_fail(file, line);
	}
	buf_release(&want);
	buf_release(&got);
}
#define assert_same_as_lua(sb, L, rec, chunk) assert_same_as_lua_fl((sb), (L), (rec), (chunk), __FILE__, __LINE__)

/* Every pattern function on person.s, person.p, person.r, with the results and errors laid out in one string. */
static const char pattern_chunk[] =
	"local s, p, r = person.s, person.p, person.r\n"
	"local out = {}\n"
	"local function add(ok, ...)\n"
	"  if not ok then out[#out + 1] = 'E' return end\n"
	"  local n = select('#', ...)\n"
	"  out[#out + 1] = n\n"
	"  for k = 1, n do out[#out + 1] = tostring((select(k, ...))) end\n"
	"end\n"
	"add(pcall(string.find, s, p))\n"
	"add(pcall(string.find, s, p, 3))\n"
	"add(pcall(string.find, s, p, -2))\n"
	"add(pcall(string.find, s, p, 1, true))\n"
	"add(pcall(string.match, s, p))\n"
	"add(pcall(string.match, s, p, 2))\n"
	"add(pcall(string.gsub, s, p, r))\n"
	"add(pcall(string.gsub, s, p, r, 1))\n"
	"add(pcall(string.gsub, s, p, function(...) local t = table.pack(...) for i = 1, t.n do t[i] = tostring(t[i]) "
	"end return t.n .. '<' .. table.concat(t, ',') .. '>' end))\n"
	"add(pcall(string.gsub, s, p, {a = 'A', ab = false, [''] = 1}))\n"
	"add(pcall(function() local t = {} for a, b in string.gmatch(s, p) do t[#t + 1] = tostring(a) .. '/' .. "
	"tostring(b) if #t > 20 then break end end return table.concat(t, ';') end))\n"
	"add(pcall(function() local t = {} for a in string.gmatch(s, p, 2) do t[#t + 1] = tostring(a) if #t > 20 then "
	"break end end return table.concat(t, ';') end))\n"
	"return table.concat(out, '|')\n";

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static unsigned
rng(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void
pattern_case(struct luasandbox *sb, lua_State *L, const char *s, const char *p, const char *r)
{
	const struct field rec[] = {
		{ "person", "s", s }, { "person", "p", p }, { "person", "r", r }, { NULL, NULL, NULL }
	};

	pattern_what = rec;
	assert_same_as_lua(sb, L, rec, pattern_chunk);
	pattern_what = NULL;
}

static void
pattern_functions_give_what_lua_gives_on_examples(void **state)
{
	static const char *const cases[][3] = {
		{ "hello world from Lua", "(%w+)", "<%1>" },
		{ "hello world", "^(%w+)", "%0%0" },
		{ "  trim me  ", "^%s*(.-)%s*$", "[%1]" },
		{ "key = value", "(%w+)%s*=%s*(%w+)", "%2=%1" },
		{ "THE (quick) fox", "%f[%a]%a+", "x" },
		{ "f(a(b)c) g()", "%b()", "B" },
		{ "abc", "()", "%1" },
		{ "abc", "()(b)()", "%1%2%3" },
		{ "aaa", "a-", "-" },
		{ "aaa", "a*", "*" },
		{ "aaa", "a?", "?" },
		{ "a.b-c", "[%.%-]", "%%" },
		{ "abcabc", "(abc)%1", "x" },
		{ "x", "%", "y" },
		{ "x", "[a", "y" },
		{ "x", "(x", "y" },
		{ "x", "x)", "y" },
		{ "x", "%b", "y" },
		{ "x", "%fx", "y" },
		{ "x", "%1", "y" },
		{ "x", "x", "%2" },
		{ "x", "x", "%z" },
		{ "x", "x", "%" },
		{ "", "", "e" },
		{ "", "$", "e" },
		{ "abc", "$", "e" },
		{ "a$b", "$b", "e" },
		{ "a^b", "^b", "e" },
		{ "a^b", "a^", "e" },
		{ "caf\xc3\xa9 na\xc3\xafve", "[\x80-\xff]+", "?" },
		{ "[]]", "[]]", "x" },
		{ "a]b", "[^]]", "x" },
		{ "a-z", "[a-]", "x" },
		{ "a-z", "[%a-]", "x" },
		{ "Tab\there", "%c", " " },
		{ "x1y2z3", "%d", "%0%0" },
		{ "AbC", "%u", "u" },
		{ "AbC", "%L", "L" },
		{ "a,b;c", "%p", "" },
		{ "ff 0A zz", "%x+", "h" },
		{ "a b", "%S+", "w" },
		{ "abc", ".", "%0." },
		{ "x", "((((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))))", "y" },
		{ "x", "(((((((((((((((((((((((((((((((x)))))))))))))))))))))))))))))))", "%9" },
	};

	struct luasandbox *sb = sandbox();
	lua_State *L = luaL_newstate();

	(void)state;
	luaL_openlibs(L);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		pattern_case(sb, L, cases[i][0], cases[i][1], cases[i][2]);
	lua_close(L);
	luasandbox_free(sb);
}

static void
pattern_functions_give_what_lua_gives_on_random_patterns(void **state)
{
	static const char *const items[] = {
		"a",	"b",	  ".",	    "%a",    "%d",   "%s", "%w",   "%x",   "%p",     "%A",   "%S",
		"[ab]", "[^a]",	  "[a-c]",  "[%a.]", "[]a]", "(",  ")",	   "()",   "%1",     "%2",   "%b()",
		"%bab", "%f[%w]", "%f[^a]", "*",     "+",    "-",  "?",	   "^",	   "$",	     "%",    "[",
		"]",	"x",	  "%%",	    "%.",    "%]",   " ",  "(a*)", "(.-)", "%f[%z]", "[%]]", "[a-]",
	};
	static const char subject_chars[] = "aabbbc.() -%1xA\t";
	static const char *const repls[] = { "%0", "%1", "%2", "%%", "x", "%", "<%1|%0>", "", "%a" };
	struct luasandbox *sb = NULL;
	lua_State *L = luaL_newstate();
	char s[16], p[64];

	(void)state;
	luaL_openlibs(L);
	for (int n = 0; n < 4000; n++) {
		size_t ls = rng(9), np = 1 + rng(6), lp = 0;

		/* Each sandbox keeps its chunks: a fresh one now and then. */
		if (n % 500 == 0) {
			luasandbox_free(sb);
			sb = sandbox();
		}
		for (size_t i = 0; i < ls; i++)
			s[i] = subject_chars[rng(sizeof(subject_chars) - 1)];
		s[ls] = '\0';
		for (size_t i = 0; i < np; i++) {
			const char *it = items[rng(sizeof(items) / sizeof(items[0]))];

			memcpy(p + lp, it, strlen(it));
			lp += strlen(it);
		}
		p[lp] = '\0';
		pattern_case(sb, L, s, p, repls[rng(sizeof(repls) / sizeof(repls[0]))]);
	}
	lua_close(L);
	luasandbox_free(sb);
}

static void
table_functions_give_what_lua_gives(void **state)
{
	static const char *const chunks[] = {
		"local t = {1, 2, 3} table.insert(t, 4) table.insert(t, 1, 0) return table.concat(t, ',')",
		"local t = {1, 2, 3} table.insert(t, 4, 'x') return table.concat(t, ',')",
		"local t = {1, 2, 3} table.insert(t, 5, 'x') return 1",
		"local t = {1, 2, 3} table.insert(t, 0, 'x') return 1",
		"local t = {1, 2, 3} table.insert(t) return 1",
		"local t = {1, 2, 3} table.insert(t, 1, 2, 3) return 1",
		"table.insert(nil, 1) return 1",
		"local t = {1, 2, 3} return table.remove(t) .. table.concat(t, ',')",
		"local t = {1, 2, 3} return table.remove(t, 1) .. table.concat(t, ',')",
		"local t = {1, 2, 3} return tostring(table.remove(t, 4)) .. table.concat(t, ',')",
		"local t = {1, 2, 3} return table.remove(t, 5)",
		"local t = {} return tostring(table.remove(t)) .. tostring(table.remove(t, 0)) .. #t",
		"local t = {n = 1} return tostring(table.remove(t, 1)) .. #t",
		"return table.concat({1, 2.5, 'x'}, ', ')",
		"return table.concat({1, 2, 3}, '-', 2)",
		"return table.concat({1, 2, 3}, '-', 2, 3)",
		"return table.concat({1, 2, 3}, '-', 3, 2)",
		"return table.concat({1, {}, 3})",
		"return table.concat({1, 2}, '', 1, 3)",
		"return table.concat({}, 'x', math.maxinteger, math.maxinteger)",
		"return table.concat({[math.mininteger] = 'a'}, 'x', math.mininteger, math.mininteger)",
		"return table.concat({1, 2, 3}, 3)",
		"local t = table.move({1, 2, 3}, 1, 3, 2) return table.concat(t, ',')",
		"local t = table.move({1, 2, 3}, 2, 3, 1) return table.concat(t, ',')",
		"local t = table.move({1, 2, 3}, 1, 3, 1, {9, 9, 9, 9}) return table.concat(t, ',')",
		"local t = table.move({1, 2, 3}, 3, 1, 1) return table.concat(t, ',')",
		"return #table.move({1}, 1, 1, math.maxinteger)",
		"return #table.move({}, -1, math.maxinteger, 1)",
		"return select('#', table.unpack({1, 2, 3}))",
		"return table.concat({table.unpack({1, 2, 3}, 2)}, ',')",
		"return table.concat({table.unpack({1, 2, 3}, -1, 1)}, ',')",
		"return select('#', table.unpack({}, 1, 0))",
		"return select('#', table.unpack({}, 1, 1e8))",
		"return select('#', table.unpack({}, math.mininteger, math.maxinteger))",
		"return select('#', table.unpack('abc'))",
		"local t = {5, 2, 8, 1} table.sort(t) return table.concat(t, ',')",
		"local t = {5, 2, 8, 1} table.sort(t, function(a, b) return a > b end) return table.concat(t, ',')",
		"local t = {'b', 'a', 'C'} table.sort(t) return table.concat(t, ',')",
		"local t = {1, 'a'} table.sort(t) return 1",
		"local t = {1, 2} table.sort(t, 3) return 1",
		"table.sort(5) return 1",
		"local t = {} for i = 1, 100 do t[i] = (i * 37) % 101 end table.sort(t) return table.concat(t, ',')",
		"local t = {3, 1, 2} table.sort(t, function(a, b) return true end) return 1",
		"return table.concat(table.pack(1, nil, 3), ',', 1, 1) .. table.pack(1, nil, 3).n",
		"return ('abc'):rep(3, ', ') .. ('x'):rep(-1) .. ('x'):rep(0, 'y') .. ('ab'):rep(1, 'sep')",
		"return string.rep('x', 2^63)",
		"return string.rep('', 5, 'ab')",
		"return string.rep()",
	};
	struct luasandbox *sb = sandbox();
	lua_State *L = luaL_newstate();
	const struct field none[] = { { NULL, NULL, NULL } };

	(void)state;
	luaL_openlibs(L);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		assert_same_as_lua(sb, L, none, chunks[i]);
	lua_close(L);
	luasandbox_free(sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issue_example_gives_given_name_and_title),
		cmocka_unit_test(fields_of_person_contract_and_account_are_read_through_get),
		cmocka_unit_test(get_is_not_called_for_fields_a_chunk_does_not_read),
		cmocka_unit_test(record_tables_are_read_only),
		cmocka_unit_test(a_call_without_get_sees_every_field_as_nil),
		cmocka_unit_test(forbidden_globals_are_nil),
		cmocka_unit_test(allowed_functions_are_there),
		cmocka_unit_test(string_metatable_cannot_be_reached_or_changed),
		cmocka_unit_test(globals_a_chunk_sets_do_not_last_to_the_next_call),
		cmocka_unit_test(an_infinite_loop_stops_at_the_instruction_limit),
		cmocka_unit_test(library_loops_count_against_the_instruction_limit),
		cmocka_unit_test(a_memory_bomb_stops_at_the_memory_limit),
		cmocka_unit_test(a_syntax_error_is_a_config_error_with_its_line),
		cmocka_unit_test(binary_chunks_are_refused),
		cmocka_unit_test(a_runtime_error_names_the_chunk_and_the_person),
		cmocka_unit_test(results_of_every_type_convert_as_the_header_says),
		cmocka_unit_test(a_result_is_appended_to_out),
		cmocka_unit_test(a_result_longer_than_the_limit_is_an_error),
		cmocka_unit_test(the_sandbox_works_after_each_kind_of_error),
		cmocka_unit_test(many_chunks_called_many_times_do_not_grow_memory),
		cmocka_unit_test(sandboxes_are_independent_and_free_null_is_a_no_op),
		cmocka_unit_test(pattern_functions_give_what_lua_gives_on_examples),
		cmocka_unit_test(pattern_functions_give_what_lua_gives_on_random_patterns),
		cmocka_unit_test(table_functions_give_what_lua_gives),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
