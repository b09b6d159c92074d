/* The Lua sandbox (rules/luasandbox.h) is being written; until then nothing calls it. */
