/*
 * cmd_schema.c — the schema a file makes when run, as psql -f would, in a
 * scratch database copied from template0 (dropped afterwards), against the
 * target database's:
 *   - `migrate check --schema FILE` (docs/reference.md §10.8): the meaning
 *     Alembic 1.9+ gives `alembic check`, exit 1 and the differences when
 *     the database does not match;
 *   - `migrate revision --autogenerate --schema FILE` (§10.9): the DDL that
 *     takes the database at head to FILE's schema, and back; or, with a
 *     project's alembic.ini and no schema file, what Alembic's own
 *     autogenerate finds between the SQLAlchemy models and the database,
 *     rendered as SQL (cmd/alembic_read.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/alembic_read.h"
#include "cmd/commands.h"
#include "db/catalog.h"
#include "db/query.h"
#include "db/scratch.h"
#include "db/session.h"
#include "db/snapshot.h"
#include "db/store.h"
#include "migrate/migrate.h"
#include "script/runner.h"
#include "sql/schemadiff.h"
#include "util/log.h"

static int print_difference(void *ctx, char sign, const char *line)
{
	(void)ctx;
	printf("%c ", sign);
	for (const char *p = line; *p; p++) /* one line each: a function's body too */
		putchar(*p == '\n' ? ' ' : *p);
	putchar('\n');
	return 0;
}

/* The file's schema, made in a scratch database (left open in *sc). */
static int load_schema_file(struct ctx *c, const char *path, struct scratch *sc, struct err *e)
{
	char dir[PATH_MAX];
	struct runner_opts o = {.autocommit = 1};
	struct runner_stats stats = {0};

	snprintf(dir, sizeof dir, "%s", path);
	o.root = dirname(dir);
	if (scratch_open(sc, &c->cfg, "schema", "template0", e) < 0)
		return -1;
	if (runner_run_file(sc->conn, path, &o, &stats, e) < 0)
		return err_prefix(e, "schema file");
	return 0;
}

/* Before any database work: a file that cannot be read is a usage error. */
static int check_readable(const char *path, struct err *e)
{
	struct stat sb;
	FILE *f = fopen(path, "r");
	if (f && fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode)) {
		fclose(f);
		return 0;
	}
	err_set(e, EXIT_CONFIG, "cannot read the schema file \"%s\": %s", path,
		f ? "not a regular file" : strerror(errno));
	if (f)
		fclose(f);
	return -1;
}

int cmd_check_schema(struct ctx *c, struct err *e)
{
	const char *path = c->cli.schema_file;
	struct session s = {0};
	struct scratch sc = {0};
	struct snapshot have = {0}, want = {0};
	struct store st;
	size_t n;
	int rc = -1;

	if (check_readable(path, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 0, e) < 0 || store_init(&st, s.conn, &c->cfg, e) < 0 ||
	    snapshot_take(s.conn, st.schema, st.table, &have, e) < 0 ||
	    load_schema_file(c, path, &sc, e) < 0 ||
	    snapshot_take(sc.conn, st.schema, st.table, &want, e) < 0)
		goto out;
	n = snapshot_diff_each(&have, &want, print_difference, NULL);
	if (n > 0) {
		err_set(e, EXIT_FAILURE_GENERIC,
			"the database does not match \"%s\": %zu difference%s (+ what the file has and "
			"the database has not, - the reverse)",
			path, n, n == 1 ? "" : "s");
		goto out;
	}
	log_info("the database matches \"%s\" (%zu objects compared)", path, have.n);
	rc = 0;
out:
	snapshot_release(&have);
	snapshot_release(&want);
	scratch_close(&sc);
	session_close(&s);
	return rc;
}

int cmd_schema_snapshot(struct ctx *c, const char *path, const char *vschema, const char *vtable,
			struct snapshot *out, struct err *e)
{
	struct scratch sc = {0};
	int rc = -1;
	if (check_readable(path, e) == 0 && load_schema_file(c, path, &sc, e) == 0 &&
	    snapshot_take(sc.conn, vschema, vtable, out, e) == 0)
		rc = 0;
	scratch_close(&sc);
	return rc;
}

/* ---- revision --autogenerate --schema FILE ------------------------------- */

/* The database must be at the head the new revision builds on (as
 * Alembic's "Target database is not up to date"). */
static int check_at_head(PGconn *conn, const struct config *cfg, const struct revdir *rd,
			 const char *const *down, size_t n_down, struct err *e)
{
	char **heads = NULL;
	size_t n = 0;
	int rc;
	if (migrate_heads(conn, cfg, rd, &heads, &n, e) < 0)
		return -1;
	/* the same set: as many, and each parent among the heads */
	rc = n == n_down ? 0 : -1;
	for (size_t i = 0; i < n_down && rc == 0; i++) {
		int found = 0;
		for (size_t k = 0; k < n && !found; k++)
			found = strcmp(heads[k], down[i]) == 0;
		rc = found ? 0 : -1;
	}
	if (rc < 0) {
		err_set(e, EXIT_GRAPH, "the database is not up to date: it is at %s, the new revision "
				       "builds on %s",
			n ? heads[0] : "base", n_down ? down[0] : "base");
		err_hint(e, "run 'migrate upgrade head' first: the revision is the difference from "
			    "the database's schema");
	}
	store_free_heads(heads, n);
	return rc;
}

/* An upgrade that drops a table or a column that holds data is held (not
 * run): a rename looks like a drop and an add, and data would be lost. */
static int hold_data_drops(PGconn *conn, struct schema_diff *d, struct err *e)
{
	for (size_t i = 0; i < d->n; i++) {
		struct schema_op *op = &d->ops[i];
		const char *table = op->key, *column = NULL;
		struct strbuf sql = {0}, why = {0};
		PGresult *r;
		int holds, rc;
		if (op->action != SCHEMA_DROP || strncmp(op->what, "drop ", 5) != 0 ||
		    (strcmp(op->kind, "table") != 0 && strcmp(op->kind, "column") != 0))
			continue;
		if (strcmp(op->kind, "column") == 0) { /* key "TABLE.COLUMN", parent "table TABLE" */
			table = op->parent + 6;
			column = op->key + strlen(table) + 1;
		}
		strbuf_printf(&sql, "SELECT EXISTS (SELECT 1 FROM %s%s%s%s)", table,
			      column ? " WHERE " : "", column ? column : "", column ? " IS NOT NULL" : "");
		if (sql.failed) {
			strbuf_release(&sql);
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		}
		rc = db_exec(conn, sql.s, &r, e);
		strbuf_release(&sql);
		if (rc < 0)
			return err_prefix(e, "cannot look whether %s %s holds data", op->kind, op->key);
		holds = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (!holds)
			continue;
		strbuf_printf(&why, "%s %s holds data: dropping it is not run (if it was renamed, "
				    "write the rename instead)",
			      op->kind, op->key);
		rc = why.failed ? -1 : schemadiff_hold(op, why.s);
		strbuf_release(&why);
		if (rc < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	return 0;
}

static void log_operations(const struct schema_diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		log_info("detected: %s%s", d->ops[i].what, d->ops[i].warning ? " (written commented "
									       "out: see the warning)"
									     : "");
	if (d->n == 0)
		log_info("no changes detected: the database at head matches the schema file");
}

/* The models route: the target's URL as SQLAlchemy reads it. */
static int sqlalchemy_url(const struct config *cfg, char *out, size_t cap, struct err *e)
{
	const char *url = config_str(cfg, CFG_DATABASE_URL);
	if (!url) { /* libpq's defaults and PG* variables, which psycopg2 reads too */
		snprintf(out, cap, "postgresql://");
		return 0;
	}
	if (strncmp(url, "postgres://", 11) == 0) {
		snprintf(out, cap, "postgresql://%s", url + 11);
		return 0;
	}
	if (strncmp(url, "postgresql://", 13) == 0 && strlen(url) < cap) {
		snprintf(out, cap, "%s", url);
		return 0;
	}
	err_set(e, EXIT_CONFIG, "revision --autogenerate --models needs database.url as a "
				"postgresql:// URL, for SQLAlchemy");
	return err_hint(e, "or give the schema the models make as SQL with --schema FILE");
}

/* One section from Alembic's rendering: a header, then its SQL. */
static char *models_section(const struct alembic_project *p, const struct alembic_body *b,
			    int upgrade)
{
	const char *which = upgrade ? "upgrade" : "downgrade";
	size_t wl = strlen(which);
	struct strbuf s = {0};
	strbuf_printf(&s, "-- migrate:%s\n", which);
	strbuf_printf(&s, "-- Generated by migrate revision --autogenerate from the models of "
			  "alembic.ini (Alembic %s)",
		      p->alembic_version ? p->alembic_version : "?");
	if (upgrade) {
		strbuf_printf(&s, ": %zu operation%s\n", p->n_detected, p->n_detected == 1 ? "" : "s");
		for (size_t i = 0; i < p->n_detected; i++)
			strbuf_printf(&s, "--   %s\n", p->detected[i]);
	} else {
		strbuf_puts(&s, ": the reverse of the upgrade\n");
	}
	for (size_t i = 0; i < p->n_warnings; i++) /* "upgrade: …", "downgrade: …" */
		if (strncmp(p->warnings[i], which, wl) == 0 && strncmp(p->warnings[i] + wl, ": ", 2) == 0)
			strbuf_printf(&s, "-- WARNING: %s\n", p->warnings[i] + wl + 2);
	for (size_t i = 0; i < b->n_segments; i++)
		strbuf_printf(&s, "\n%s", b->segments[i].sql);
	return strbuf_detach(&s);
}

/* url with its database name replaced by dbname (a plain name). */
static int with_dbname(char *url, size_t cap, const char *dbname)
{
	char *rest = strstr(url, "://"), *path, *query;
	char tail[4096];
	if (!rest)
		return -1;
	path = strchr(rest + 3, '/');
	query = strchr(rest + 3, '?');
	if (path && query && query < path)
		path = NULL; /* "postgresql://h?x=y": no path */
	snprintf(tail, sizeof tail, "%s", query ? query : "");
	if (!path)
		path = query ? query : url + strlen(url);
	return (size_t)snprintf(path, cap - (size_t)(path - url), "/%s%s", dbname, tail) <
			       cap - (size_t)(path - url)
		       ? 0
		       : -1;
}

/* Alembic's comparison of the models with the target (or with its server's
 * database dbname, when not NULL), into *p (release it also after a
 * failure). */
static int compare_models(struct ctx *c, const char *dbname, struct alembic_project *p,
			  struct err *e)
{
	char python[1024], url[4096];
	memset(p, 0, sizeof *p);
	if (sqlalchemy_url(&c->cfg, url, sizeof url, e) < 0)
		return -1;
	if (dbname && with_dbname(url, sizeof url, dbname) < 0)
		return err_set(e, EXIT_CONFIG, "the database URL is too long");
	alembic_python(c->cli.python, python, sizeof python);
	if (alembic_autogenerate(p, python, "alembic.ini", c->cli.ini_name ? c->cli.ini_name : "alembic",
				 url, e) < 0)
		return -1;
	if (p->n_revs != 1)
		return err_set(e, EXIT_CONFIG, "Alembic's comparison sent no result");
	return 0;
}

static int models_sections(struct ctx *c, char **upgrade, char **downgrade, struct err *e)
{
	struct alembic_project p;
	int rc = -1;

	if (compare_models(c, NULL, &p, e) == 0) {
		for (size_t i = 0; i < p.n_detected; i++)
			log_info("detected: %s", p.detected[i]);
		for (size_t i = 0; i < p.n_warnings; i++)
			log_warn("%s", p.warnings[i]);
		if (p.n_detected == 0)
			log_info("no changes detected: the database at head matches the models");
		*upgrade = models_section(&p, &p.revs[0].upgrade, 1);
		*downgrade = models_section(&p, &p.revs[0].downgrade, 0);
		rc = *upgrade && *downgrade ? 0 : err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	alembic_project_release(&p);
	return rc;
}

/* A section of the new revision, its marker line first. */
static char *section(const struct schema_diff *d, const char *which, const char *path,
		     int concurrently)
{
	int autocommit;
	char *body = schemadiff_render(d, path, concurrently, &autocommit);
	struct strbuf s = {0};
	if (!body)
		return NULL;
	strbuf_printf(&s, "-- migrate:%s%s\n%s", which, autocommit ? " transaction:false" : "", body);
	free(body);
	return strbuf_detach(&s);
}

int cmd_autogenerate(struct ctx *c, const struct revdir *rd, const char *const *down,
		     size_t n_down, char **upgrade, char **downgrade, struct err *e)
{
	const char *path = c->cli.schema_file ? c->cli.schema_file
					       : config_str(&c->cfg, CFG_MIGRATIONS_SCHEMA_FILE);
	struct session s = {0};
	struct scratch sc = {0};
	struct schema have = {0}, want = {0};
	struct schema_diff up = {0}, back = {0};
	struct store st;
	int rc = -1;

	*upgrade = *downgrade = NULL;
	if (c->cli.models && c->cli.schema_file)
		return err_set(e, EXIT_USAGE, "--models and --schema name two sources of the schema: "
					      "give one");
	if (c->cli.models || (!path && access("alembic.ini", F_OK) == 0)) {
		if (c->cli.concurrently)
			return err_set(e, EXIT_USAGE, "--concurrently applies to a schema file; with "
						      "models, Alembic renders the indexes");
		/* the database at head is checked first, on a connection of our own */
		rc = session_open(&s, &c->cfg, 0, e) == 0 &&
				     check_at_head(s.conn, &c->cfg, rd, down, n_down, e) == 0
			     ? 0
			     : -1;
		session_close(&s);
		if (rc == 0 && (rc = models_sections(c, upgrade, downgrade, e)) < 0) {
			free(*upgrade);
			free(*downgrade);
			*upgrade = *downgrade = NULL;
		}
		return rc;
	}
	if (!path)
		return err_set(e, EXIT_USAGE, "--autogenerate needs --schema FILE (or "
					      "migrations.schema_file), or an alembic.ini with models: "
					      "the schema the database should have");
	if (check_readable(path, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 0, e) < 0 || store_init(&st, s.conn, &c->cfg, e) < 0 ||
	    check_at_head(s.conn, &c->cfg, rd, down, n_down, e) < 0 ||
	    catalog_read(s.conn, st.schema, st.table, &have, e) < 0 ||
	    load_schema_file(c, path, &sc, e) < 0 ||
	    catalog_read(sc.conn, st.schema, st.table, &want, e) < 0)
		goto out;
	if (schemadiff(&have, &want, &up) < 0 || schemadiff(&want, &have, &back) < 0) {
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		goto out;
	}
	if (hold_data_drops(s.conn, &up, e) < 0)
		goto out;
	if (schemadiff_hold_cascade(&up, &back) < 0) {
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		goto out;
	}
	log_operations(&up);
	*upgrade = section(&up, "upgrade", path, c->cli.concurrently);
	*downgrade = section(&back, "downgrade", path, c->cli.concurrently);
	if (!*upgrade || !*downgrade) {
		free(*upgrade);
		free(*downgrade);
		*upgrade = *downgrade = NULL;
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		goto out;
	}
	rc = 0;
out:
	schemadiff_release(&up);
	schemadiff_release(&back);
	schema_release(&have);
	schema_release(&want);
	scratch_close(&sc);
	session_close(&s);
	return rc;
}

/* ---- check --models --------------------------------------------------------- */

int cmd_check_models(struct ctx *c, struct err *e)
{
	struct alembic_project p;
	int rc = -1;

	if (compare_models(c, NULL, &p, e) == 0) {
		const char *v = p.alembic_version ? p.alembic_version : "?";
		for (size_t i = 0; i < p.n_detected; i++)
			printf("%s\n", p.detected[i]);
		if (p.n_detected > 0)
			err_set(e, EXIT_FAILURE_GENERIC,
				"the database does not match the models of alembic.ini: %zu operation%s "
				"detected (Alembic %s)",
				p.n_detected, p.n_detected == 1 ? "" : "s", v);
		else
			log_info("the database matches the models of alembic.ini (Alembic %s)", v);
		rc = p.n_detected > 0 ? -1 : 0;
	}
	alembic_project_release(&p);
	return rc;
}

int cmd_models_match(struct ctx *c, const char *dbname, struct err *e)
{
	struct alembic_project p;
	int rc = -1;
	if (compare_models(c, dbname, &p, e) == 0) {
		struct strbuf ops = {0};
		for (size_t i = 0; i < p.n_detected && i < 5; i++)
			strbuf_printf(&ops, "%s%s", i ? "; " : "", p.detected[i]);
		if (p.n_detected > 0)
			err_set(e, EXIT_VERIFY, "the schema at head does not match the models of "
						"alembic.ini: Alembic detects %zu operation%s (%s%s)",
				p.n_detected, p.n_detected == 1 ? "" : "s", ops.s ? ops.s : "",
				p.n_detected > 5 ? "; …" : "");
		rc = p.n_detected > 0 ? -1 : 0;
		strbuf_release(&ops);
	}
	alembic_project_release(&p);
	return rc;
}
