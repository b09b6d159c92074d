/*
 * Inside the vault's SQLite backend: for modules that keep their own tables
 * in the vault (audit/audit.c), the connection and where the file is. Not
 * for anything else: everything else goes through vault.h.
 */
#ifndef ROSTER_VAULT_INT_H
#define ROSTER_VAULT_INT_H

#include <sqlite3.h>

struct vault;

sqlite3 *vault_sqlite(struct vault *v);
const char *vault_path(const struct vault *v);
/* 1 inside vault_begin .. vault_commit/rollback. */
int vault_in_transaction(const struct vault *v);
/*
 * A statement prepared once and kept until vault_close, reset and without
 * bindings; sql must be a string constant (at most 8 of them). NULL when it
 * does not prepare (sqlite3_errmsg says why). Never finalize it.
 */
sqlite3_stmt *vault_stmt(struct vault *v, const char *sql);

#endif
