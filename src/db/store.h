/*
 * store.h — the tool's tables in the database: Alembic's version table
 * (exactly as Alembic creates it on PostgreSQL) and our own bookkeeping,
 * all in the version table's schema (migrations.version_table_schema, else
 * the current schema, pinned when the store is set up, so scripts that
 * change search_path do not move them):
 *
 *   alembic_version(version_num VARCHAR(32) NOT NULL,
 *                   CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))
 *   migrate_entry_init(path text primary key, sha256 text, applied_at
 *                   timestamptz, duration_ms int, status text)
 *   migrate_entry_history(id bigserial, revision text, direction text,
 *                   sha256 text, started_at timestamptz, finished_at
 *                   timestamptz, duration_ms int, success boolean,
 *                   applied_by text)
 */
#ifndef MIGRATE_STORE_H
#define MIGRATE_STORE_H

#include <libpq-fe.h>

#include "conf/config.h"
#include "util/err.h"

#define STORE_NAME_MAX 300

struct store {
	PGconn *c;
	char version[STORE_NAME_MAX]; /* quoted, schema-qualified when configured */
	char init[STORE_NAME_MAX];
	char history[STORE_NAME_MAX];
	char version_plain[STORE_NAME_MAX]; /* unquoted "schema.table" or "table", for messages */
	const char *table;  /* migrations.version_table */
	const char *schema; /* migrations.version_table_schema or NULL */
	const char *qualifier;  /* schema used in the quoted names (configured or current) */
	char current_schema[STORE_NAME_MAX];
};

int store_init(struct store *s, PGconn *c, const struct config *cfg, struct err *e);

/* Whether a table (one of the quoted names above) exists. */
int store_exists(struct store *s, const char *quoted, int *exists, struct err *e);

/* The rows of the version table (malloc'd strings in a malloc'd array, in
 * the table's order); none when the table does not exist. */
int store_heads(struct store *s, char ***heads, size_t *n, struct err *e);
void store_free_heads(char **heads, size_t n);

int store_ensure_version(struct store *s, struct err *e);
int store_ensure_init(struct store *s, struct err *e);
int store_ensure_history(struct store *s, struct err *e);

/* Number of tables (ordinary and partitioned) in schema, not counting the
 * tool's own (migrate_entry_*) and the version table. */
int store_count_tables(struct store *s, const char *schema, long *count, struct err *e);

#endif
