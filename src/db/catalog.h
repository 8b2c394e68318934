/*
 * catalog.h — a database's schema as objects that can be diffed
 * (sql/schemadiff.h): schemas, extensions, enum, domain and composite
 * types, sequences (and which column owns them), tables (plain, unlogged,
 * partitioned, partitions), columns, constraints, indexes, views and
 * materialized views, functions and procedures, triggers, and the comments
 * on tables, views and columns, each with the statements that create and
 * drop it as the server renders them.  What it leaves out (policies, rules,
 * row security, grants, aggregates, range types, foreign tables) is not
 * diffed; `migrate check --schema` still compares it.
 */
#ifndef MIGRATE_CATALOG_H
#define MIGRATE_CATALOG_H

#include <libpq-fe.h>

#include "sql/schemadiff.h"
#include "util/err.h"

/* Read c's schema (version_schema.version_table, the tool's tables and
 * extension members left out).  EXIT_SQL on a failing query. */
int catalog_read(PGconn *c, const char *version_schema, const char *version_table,
		 struct schema *out, struct err *e);

#endif
