/*
 * verify.c — see verify.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "verify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fsutil.h"
#include "store.h"
#include "strbuf.h"

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

static int manifest_check(PGconn *c, const struct config *cfg, const char *path,
			  struct verify_report *rep, struct err *e)
{
	char *text, *line, *save = NULL;
	size_t len;
	char missing[1024] = "";
	size_t mlen = 0;
	long nmissing = 0;

	if (fs_read_file(path, &text, &len, e) < 0) {
		e->code = EXIT_CONFIG;
		return err_prefix(e, "verify.manifest");
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[512], qualified[600];
		const char *params[1] = {qualified};
		PGresult *r;
		size_t n;
		while (isspace((unsigned char)*line))
			line++;
		n = strcspn(line, "#\r");
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			n--;
		if (n == 0)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)n, line);
		if (strchr(name, '.'))
			snprintf(qualified, sizeof qualified, "%s", name);
		else
			snprintf(qualified, sizeof qualified, "%s.%s", config_str(cfg, CFG_VERIFY_SCHEMA), name);
		rep->listed++;
		if (db_exec_params(c,
				   "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
				   "WHERE n.nspname || '.' || c.relname = $1 AND c.relkind IN ('r', 'p')",
				   1, params, &r, e) < 0) {
			free(text);
			return -1;
		}
		if (PQntuples(r) == 1) {
			rep->present++;
		} else {
			nmissing++;
			if (mlen < sizeof missing - 1)
				mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, "%s%s",
							 nmissing > 1 ? ", " : "", qualified);
		}
		PQclear(r);
	}
	free(text);
	if (nmissing > 0)
		return err_set(e, EXIT_VERIFY, "verification failed: %ld of %ld baseline tables missing "
					       "(manifest %s): %s",
			       nmissing, rep->listed, path, missing);
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
