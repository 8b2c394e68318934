/*
 * store.c — see store.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/query.h"
#include "rev/versionsql.h"

static int quote(PGconn *c, const char *schema, const char *table, char *out, size_t cap,
		 struct err *e)
{
	char *t = PQescapeIdentifier(c, table, strlen(table));
	char *s = schema ? PQescapeIdentifier(c, schema, strlen(schema)) : NULL;
	if (!t || (schema && !s)) {
		PQfreemem(t);
		PQfreemem(s);
		return err_set(e, EXIT_CONFIG, "invalid table or schema name \"%s\"", table);
	}
	if (s)
		snprintf(out, cap, "%s.%s", s, t);
	else
		snprintf(out, cap, "%s", t);
	PQfreemem(t);
	PQfreemem(s);
	return 0;
}

int store_init(struct store *s, PGconn *c, const struct config *cfg, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->c = c;
	s->table = config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE);
	s->schema = config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE_SCHEMA);
	if (!s->schema) {
		/* Pin "the current schema" now: a script that changes search_path
		 * (pg_dump output sets it to '') must not move our tables. */
		PGresult *r;
		if (db_exec(c, "SELECT current_schema()", &r, e) < 0)
			return -1;
		if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
			snprintf(s->current_schema, sizeof s->current_schema, "%s", PQgetvalue(r, 0, 0));
			s->qualifier = s->current_schema;
		}
		PQclear(r);
	} else {
		s->qualifier = s->schema;
	}
	if (strlen(s->table) > 63)
		return err_set(e, EXIT_CONFIG, "migrations.version_table \"%s\" is longer than 63 bytes",
			       s->table);
	if (s->schema)
		snprintf(s->version_plain, sizeof s->version_plain, "%s.%s", s->schema, s->table);
	else
		snprintf(s->version_plain, sizeof s->version_plain, "%s", s->table);
	if (quote(c, s->qualifier, s->table, s->version, sizeof s->version, e) < 0 ||
	    quote(c, s->qualifier, "migrate_entry_init", s->init, sizeof s->init, e) < 0 ||
	    quote(c, s->qualifier, "migrate_entry_history", s->history, sizeof s->history, e) < 0)
		return -1;
	return 0;
}

int store_exists(struct store *s, const char *quoted, int *exists, struct err *e)
{
	const char *params[1] = {quoted};
	PGresult *r;
	if (db_exec_params(s->c, "SELECT to_regclass($1) IS NOT NULL", 1, params, &r, e) < 0)
		return -1;
	*exists = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return 0;
}

void store_free_heads(char **heads, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(heads[i]);
	free(heads);
}

int store_heads(struct store *s, char ***heads, size_t *n, struct err *e)
{
	char sql[STORE_NAME_MAX + 64];
	PGresult *r;
	int exists;
	*heads = NULL;
	*n = 0;
	if (store_exists(s, s->version, &exists, e) < 0)
		return -1;
	if (!exists)
		return 0;
	snprintf(sql, sizeof sql, "SELECT version_num FROM %s", s->version);
	if (db_exec(s->c, sql, &r, e) < 0)
		return -1;
	*n = (size_t)PQntuples(r);
	*heads = calloc(*n ? *n : 1, sizeof **heads);
	for (size_t i = 0; *heads && i < *n; i++)
		(*heads)[i] = strdup(PQgetvalue(r, (int)i, 0));
	PQclear(r);
	if (!*heads)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	return 0;
}

/* Create a table of ours unless it exists: quoted is its name, create the
 * statement (NULL: no memory).  Asked first: on an existing table CREATE …
 * IF NOT EXISTS still needs the CREATE privilege on the schema, and its
 * "already exists, skipping" notice would be logged on every start. */
static int ensure_table(struct store *s, const char *quoted, const char *create, struct err *e)
{
	int exists;
	if (!create)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	if (store_exists(s, quoted, &exists, e) < 0)
		return -1;
	if (exists || db_exec(s->c, create, NULL, e) == 0)
		return 0;
	if (strcmp(e->sqlstate, "42501") == 0) {
		/* PostgreSQL 15 no longer lets every role create in public */
		err_prefix(e, "cannot create %s", quoted);
		return err_hint(e, "grant the role CREATE on the schema (GRANT CREATE ON SCHEMA %s TO "
				   "\"%s\"), or set migrations.version_table_schema to a schema it "
				   "may create tables in",
				s->qualifier ? s->qualifier : "public", PQuser(s->c));
	}
	return -1;
}

int store_ensure_version(struct store *s, struct err *e)
{
	char *sql = versionsql_ddl(s->table, s->qualifier);
	int rc = ensure_table(s, s->version, sql, e);
	free(sql);
	return rc;
}

int store_ensure_init(struct store *s, struct err *e)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "CREATE TABLE IF NOT EXISTS %s (path text PRIMARY KEY, sha256 text NOT NULL, "
		 "applied_at timestamptz NOT NULL DEFAULT now(), duration_ms int NOT NULL DEFAULT 0, "
		 "status text NOT NULL)",
		 s->init);
	return ensure_table(s, s->init, sql, e);
}

int store_ensure_history(struct store *s, struct err *e)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "CREATE TABLE IF NOT EXISTS %s (id bigserial PRIMARY KEY, revision text NOT NULL, "
		 "direction text NOT NULL, sha256 text, started_at timestamptz NOT NULL, "
		 "finished_at timestamptz, duration_ms int, success boolean NOT NULL, "
		 "applied_by text NOT NULL DEFAULT current_user)",
		 s->history);
	return ensure_table(s, s->history, sql, e);
}

int store_count_tables(struct store *s, const char *schema, long *count, struct err *e)
{
	const char *params[2] = {schema, s->table};
	PGresult *r;
	if (db_exec_params(s->c,
			   "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
			   "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') "
			   "AND c.relname NOT LIKE 'migrate\\_entry\\_%' AND c.relname <> $2",
			   2, params, &r, e) < 0)
		return -1;
	*count = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}
