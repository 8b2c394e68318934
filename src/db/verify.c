/*
 * verify.c — see verify.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/verify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/query.h"
#include "util/fsutil.h"
#include "db/store.h"
#include "util/strbuf.h"

/* Tables of a schema as "schema.table", sorted, without ours. */
static int list_tables(PGconn *c, const struct config *cfg, PGresult **r, struct err *e)
{
	const char *params[2] = {config_str(cfg, CFG_VERIFY_SCHEMA),
				 config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE)};
	return db_exec_params(c,
			      "SELECT n.nspname || '.' || c.relname FROM pg_class c "
			      "JOIN pg_namespace n ON n.oid = c.relnamespace "
			      "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') "
			      "AND c.relname NOT LIKE 'migrate\\_entry\\_%' AND c.relname <> $2 "
			      "ORDER BY 1",
			      2, params, r, e);
}

#define MISSING_SHOWN_MAX 20

/* One round trip: the listed tables that do not exist, in manifest order. */
static const char missing_sql[] =
	"SELECT m.name FROM unnest(string_to_array($1, E'\\n')) WITH ORDINALITY AS m(name, i) "
	"WHERE NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"                  WHERE n.nspname || '.' || c.relname = m.name AND c.relkind IN ('r', 'p')) "
	"ORDER BY m.i";

static int manifest_check(PGconn *c, const struct config *cfg, const char *path,
			  struct verify_report *rep, struct err *e)
{
	struct strbuf names = {0}, missing = {0};
	char *text, *line, *save = NULL, *list;
	const char *params[1];
	size_t len;
	PGresult *r;
	long nmissing;

	if (fs_read_file(path, &text, &len, e) < 0) {
		e->code = EXIT_CONFIG;
		return err_prefix(e, "verify.manifest");
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n;
		while (isspace((unsigned char)*line))
			line++;
		n = strcspn(line, "#\r");
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (rep->listed++)
			strbuf_add(&names, "\n", 1);
		if (!memchr(line, '.', n))
			strbuf_printf(&names, "%s.", config_str(cfg, CFG_VERIFY_SCHEMA));
		strbuf_add(&names, line, n);
	}
	free(text);
	list = strbuf_detach(&names);
	if (!list)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	params[0] = list;
	if (db_exec_params(c, missing_sql, 1, params, &r, e) < 0) {
		free(list);
		return -1;
	}
	free(list);
	nmissing = PQntuples(r);
	rep->present = rep->listed - nmissing;
	for (long i = 0; i < nmissing && i < MISSING_SHOWN_MAX; i++)
		strbuf_printf(&missing, "%s%s", i ? ", " : "", PQgetvalue(r, (int)i, 0));
	if (nmissing > MISSING_SHOWN_MAX)
		strbuf_printf(&missing, " and %ld more", nmissing - MISSING_SHOWN_MAX);
	PQclear(r);
	list = strbuf_detach(&missing);
	if (nmissing > 0)
		err_set(e, EXIT_VERIFY, "verification failed: %ld of %ld baseline tables missing (manifest %s): %s",
			nmissing, rep->listed, path, list ? list : "");
	free(list);
	return nmissing > 0 ? -1 : 0;
}

/* Indexes of the schema that are not valid: what an interrupted (or
 * failed) CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY leaves.  Such
 * an index is never used by queries, yet every write maintains it, and
 * IF NOT EXISTS skips it when the revision runs again.  One being built
 * right now (pg_stat_progress_create_index, visible for our own role's
 * sessions) is not counted.  $1: the schema. */
static const char invalid_sql[] =
	"SELECT format('%I.%I', n.nspname, c.relname), "
	"       CASE c.relkind WHEN 'I' THEN 'DROP INDEX ' ELSE 'DROP INDEX CONCURRENTLY ' END "
	"       || format('%I.%I', n.nspname, c.relname) "
	"FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
	"JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE n.nspname = $1 AND NOT i.indisvalid "
	"  AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p "
	"                  WHERE p.index_relid = i.indexrelid) "
	"ORDER BY 1";

#define INVALID_SHOWN_MAX 20

static int invalid_indexes_check(PGconn *c, const char *schema, struct err *e)
{
	struct strbuf names = {0}, drops = {0};
	const char *params[1] = {schema};
	PGresult *r;
	char *list, *hint;
	int n;

	if (db_exec_params(c, invalid_sql, 1, params, &r, e) < 0)
		return -1;
	n = PQntuples(r);
	if (n == 0) {
		PQclear(r);
		return 0;
	}
	for (int i = 0; i < n && i < INVALID_SHOWN_MAX; i++) {
		strbuf_printf(&names, "%s%s", i ? ", " : "", PQgetvalue(r, i, 0));
		strbuf_printf(&drops, "%s; ", PQgetvalue(r, i, 1));
	}
	if (n > INVALID_SHOWN_MAX)
		strbuf_printf(&names, " and %d more", n - INVALID_SHOWN_MAX);
	PQclear(r);
	list = strbuf_detach(&names);
	hint = strbuf_detach(&drops);
	err_set(e, EXIT_VERIFY, "verification failed: %d invalid index%s in %s: %s", n,
		n == 1 ? "" : "es", schema, list ? list : "");
	err_hint(e, "an interrupted CREATE INDEX CONCURRENTLY leaves its index invalid (never used, "
		    "still updated on every write): drop it with %sthen run again what creates it",
		 hint ? hint : "");
	free(list);
	free(hint);
	return -1;
}

int verify_check(const struct config *cfg, struct err *e)
{
	const char *manifest = config_str(cfg, CFG_VERIFY_MANIFEST);
	char *text;
	size_t len;

	if (!manifest)
		return 0;
	if (fs_read_file(manifest, &text, &len, e) < 0) {
		e->code = EXIT_CONFIG;
		return err_prefix(e, "verify.manifest");
	}
	free(text);
	return 0;
}

int verify_run(PGconn *c, const struct config *cfg, struct verify_report *rep, struct err *e)
{
	const char *schema = config_str(cfg, CFG_VERIFY_SCHEMA);
	const char *manifest = config_str(cfg, CFG_VERIFY_MANIFEST);
	struct store st;

	memset(rep, 0, sizeof *rep);
	if (store_init(&st, c, cfg, e) < 0 || store_count_tables(&st, schema, &rep->tables, e) < 0)
		return -1;
	if (manifest) {
		rep->checked = 1;
		if (manifest_check(c, cfg, manifest, rep, e) < 0)
			return -1;
	}
	if (config_is_set(cfg, CFG_VERIFY_MIN_TABLES)) {
		long min = (long)config_num(cfg, CFG_VERIFY_MIN_TABLES);
		rep->checked = 1;
		if (rep->tables < min)
			return err_set(e, EXIT_VERIFY,
				       "verification failed: %ld table%s in %s, at least %ld expected "
				       "(verify.min_tables)",
				       rep->tables, rep->tables == 1 ? "" : "s", schema, min);
	}
	if (invalid_indexes_check(c, schema, e) < 0)
		return -1;
	if (manifest)
		snprintf(rep->line, sizeof rep->line,
			 "verified: %ld of %ld baseline tables present (%ld tables in %s)", rep->present,
			 rep->listed, rep->tables, schema);
	else if (rep->checked)
		snprintf(rep->line, sizeof rep->line, "verified: %ld tables in %s (at least %lld expected)",
			 rep->tables, schema, (long long)config_num(cfg, CFG_VERIFY_MIN_TABLES));
	else
		snprintf(rep->line, sizeof rep->line, "nothing to verify (%ld tables in %s)", rep->tables,
			 schema);
	return 0;
}

int verify_write_manifest(PGconn *c, const struct config *cfg, const char *path, long *count,
			  struct err *e)
{
	struct strbuf b = {0};
	PGresult *r;
	char *text;
	int rc;
	if (list_tables(c, cfg, &r, e) < 0)
		return -1;
	*count = PQntuples(r);
	for (int i = 0; i < PQntuples(r); i++)
		strbuf_printf(&b, "%s\n", PQgetvalue(r, i, 0));
	PQclear(r);
	text = strbuf_detach(&b);
	if (!text)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	rc = fs_write_file(path, text, strlen(text), 0, e);
	free(text);
	return rc;
}
