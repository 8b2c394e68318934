/*
 * versionsql.h — the SQL that keeps Alembic's version table, written as
 * Alembic writes it for PostgreSQL: the statements of HeadMaintainer
 * (alembic/runtime/migration.py) for one plan step, and the table's CREATE
 * and DROP.  Online mode (db/store.c, migrate/migrate.c) runs this text and
 * offline `--sql` (migrate/offline.c) prints it, so both say the same.
 *
 * Pure: strings in, malloc'd strings out; never prints.  table NULL or ""
 * means alembic_version, schema NULL or "" means none; each is quoted when
 * PostgreSQL needs it (not lower case, other characters, a reserved word).
 */
#ifndef MIGRATE_VERSIONSQL_H
#define MIGRATE_VERSIONSQL_H

#include "rev/revplan.h"

/*
 * The version-table statements of one step, one per line, each ending in
 * ";\n":
 *   INSERT INTO alembic_version (version_num) VALUES ('X') RETURNING alembic_version.version_num;
 *   UPDATE alembic_version SET version_num='Y' WHERE alembic_version.version_num = 'X';
 *   DELETE FROM alembic_version WHERE alembic_version.version_num = 'X';
 * A merge DELETEs all rows but the last and UPDATEs that one; an unmerge
 * INSERTs all but the last and UPDATEs the merge row to it.  Returns a
 * malloc'd string (the caller frees it), NULL on no memory.
 */
char *versionsql_step(const struct revplan_step *s, const char *table, const char *schema);

/* The version table's DDL as Alembic emits it for PostgreSQL (without the
 * final ";"), and the DROP its offline mode ends a downgrade to base with.
 * malloc'd (the caller frees it), NULL on no memory. */
char *versionsql_ddl(const char *table, const char *schema);
char *versionsql_drop(const char *table, const char *schema);

#endif
