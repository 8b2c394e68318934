/*
 * tcache.c — see tcache.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/tcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/query.h"
#include "util/log.h"
#include "util/strbuf.h"

int tcache_id_init(struct tcache_id *id, const char digest[DIGEST_HEX_LEN + 1],
		   const char *checks, const char *identity, struct err *e)
{
	struct strbuf b = {0};

	memset(id, 0, sizeof *id);
	snprintf(id->digest, sizeof id->digest, "%s", digest);
	snprintf(id->checks, sizeof id->checks, "%s", checks);
	snprintf(id->name, sizeof id->name, "%s%.16s", TCACHE_PREFIX, digest);
	id->identity = strdup(identity);
	strbuf_printf(&b, "%s%s; checked %s; project %s", TCACHE_COMMENT_HEAD, digest, id->checks,
		      identity);
	id->comment = strbuf_detach(&b);
	if (!id->identity || !id->comment) {
		tcache_id_release(id);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	return 0;
}

void tcache_id_release(struct tcache_id *id)
{
	free(id->identity);
	free(id->comment);
	memset(id, 0, sizeof *id);
}

static int hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int tcache_comment_parse(const char *comment, char digest[DIGEST_HEX_LEN + 1],
			 char checks[TCACHE_CHECKS_LEN + 1], const char **identity)
{
	static const char checked[] = "; checked ", sep[] = "; project ";
	size_t head = strlen(TCACHE_COMMENT_HEAD);
	const char *p;

	if (!comment || strncmp(comment, TCACHE_COMMENT_HEAD, head) != 0 ||
	    strlen(comment + head) < DIGEST_HEX_LEN || !hex_run(comment + head, DIGEST_HEX_LEN))
		return 0;
	p = comment + head + DIGEST_HEX_LEN;
	checks[0] = '\0';
	if (strncmp(p, checked, sizeof checked - 1) == 0) {
		p += sizeof checked - 1;
		if (strlen(p) < TCACHE_CHECKS_LEN || !hex_run(p, TCACHE_CHECKS_LEN))
			return 0;
		memcpy(checks, p, TCACHE_CHECKS_LEN);
		checks[TCACHE_CHECKS_LEN] = '\0';
		p += TCACHE_CHECKS_LEN;
	}
	if (strncmp(p, sep, sizeof sep - 1) != 0)
		return 0;
	memcpy(digest, comment + head, DIGEST_HEX_LEN);
	digest[DIGEST_HEX_LEN] = '\0';
	*identity = p + sizeof sep - 1;
	return 1;
}

int tcache_name_ok(const char *name)
{
	size_t p = strlen(TCACHE_PREFIX);
	return strncmp(name, TCACHE_PREFIX, p) == 0 && strlen(name + p) == 16 && hex_run(name + p, 16);
}

int tcache_lookup(PGconn *m, const struct tcache_id *id, struct tcache_found *f, struct err *e)
{
	/* Autovacuum workers are not counted: CREATE DATABASE ends them.  The
	 * functions behind pg_stat_activity and pg_prepared_xacts, not the
	 * views: in a new session, half the time of parsing and planning (the
	 * views join pg_authid and pg_database). */
	static const char sql[] =
		"SELECT d.datistemplate, shobj_description(d.oid, 'pg_database'), "
		"       (SELECT count(*) FROM pg_stat_get_activity(NULL) a "
		"        WHERE a.datid = d.oid AND a.backend_type <> 'autovacuum worker') "
		"       + (SELECT count(*) FROM pg_prepared_xact() p WHERE p.dbid = d.oid), "
		"       NOT d.datallowconn "
		"FROM pg_database d WHERE d.datname = $1";
	const char *params[1] = {id->name};
	PGresult *r;

	memset(f, 0, sizeof *f);
	f->st = TCACHE_ABSENT;
	if (db_exec_params(m, sql, 1, params, &r, e) < 0)
		return err_prefix(e, "cannot look for template \"%s\"", id->name);
	if (PQntuples(r) == 1) {
		char digest[DIGEST_HEX_LEN + 1], checks[TCACHE_CHECKS_LEN + 1];
		const char *identity;
		int ours = !PQgetisnull(r, 0, 1) &&
			   tcache_comment_parse(PQgetvalue(r, 0, 1), digest, checks, &identity) &&
			   strcmp(digest, id->digest) == 0 && strcmp(identity, id->identity) == 0;
		f->st = ours && strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? TCACHE_READY
								       : TCACHE_UNFINISHED;
		f->sessions = atoi(PQgetvalue(r, 0, 2));
		f->sealed = f->st == TCACHE_READY && strcmp(PQgetvalue(r, 0, 3), "t") == 0 &&
			    strcmp(checks, id->checks) == 0;
	}
	PQclear(r);
	return 0;
}

/* "KEYWORD ident" escaped for c into buf; -1 with e set. */
static int quote_ident(PGconn *c, const char *name, char *buf, size_t cap, struct err *e)
{
	char *q = PQescapeIdentifier(c, name, strlen(name));
	if (!q)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot quote \"%s\": %s", name,
			       PQerrorMessage(c));
	snprintf(buf, cap, "%s", q);
	PQfreemem(q);
	return 0;
}

int tcache_make(PGconn *m, const char *source, const char *strategy, const struct tcache_id *id,
		struct err *e)
{
	char name[2 * TCACHE_NAME_MAX + 3], src[256], sql[1024], how[128] = "";
	struct strbuf b = {0};
	char *comment, *text;
	int rc;

	if (quote_ident(m, id->name, name, sizeof name, e) < 0 ||
	    quote_ident(m, source, src, sizeof src, e) < 0)
		return -1;
	if (strategy) {
		char *q = PQescapeLiteral(m, strategy, strlen(strategy));
		if (!q)
			return err_set(e, EXIT_CONFIG, "invalid STRATEGY \"%s\": %s", strategy,
				       PQerrorMessage(m));
		snprintf(how, sizeof how, " STRATEGY %s", q);
		PQfreemem(q);
	}
	/* a statement of its own: CREATE DATABASE cannot run in a transaction */
	snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s%s", name, src, how);
	log_debug("%s", sql);
	if (db_exec(m, sql, NULL, e) < 0)
		return -1;
	comment = PQescapeLiteral(m, id->comment, strlen(id->comment));
	if (!comment) {
		err_set(e, EXIT_FAILURE_GENERIC, "cannot quote a comment: %s", PQerrorMessage(m));
	} else {
		/* one implicit transaction: finished all at once, or not at all */
		strbuf_printf(&b,
			      "COMMENT ON DATABASE %s IS %s; "
			      "ALTER DATABASE %s IS_TEMPLATE true ALLOW_CONNECTIONS false",
			      name, comment, name);
		PQfreemem(comment);
		text = strbuf_detach(&b);
		rc = text ? db_exec(m, text, NULL, e)
			  : err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		free(text);
		if (rc == 0)
			return 0;
	}
	/* not finished: not left behind either */
	tcache_drop(m, id->name, &(struct err){0});
	return -1;
}

int tcache_drop(PGconn *m, const char *name, struct err *e)
{
	char ident[2 * TCACHE_NAME_MAX + 3], sql[256];
	if (quote_ident(m, name, ident, sizeof ident, e) < 0)
		return -1;
	snprintf(sql, sizeof sql, "ALTER DATABASE %s IS_TEMPLATE false", ident);
	if (db_exec(m, sql, NULL, e) < 0)
		return -1;
	snprintf(sql, sizeof sql, "DROP DATABASE %s", ident);
	log_debug("%s", sql);
	return db_exec(m, sql, NULL, e);
}

int tcache_drop_stale(PGconn *m, const struct tcache_id *id, int *dropped, struct err *e)
{
	static const char sql[] =
		"SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
		"WHERE left(datname, length($1)) = $1 AND datname <> $2 ORDER BY datname";
	const char *params[2] = {TCACHE_PREFIX, id->name};
	PGresult *r;

	*dropped = 0;
	if (db_exec_params(m, sql, 2, params, &r, e) < 0)
		return err_prefix(e, "cannot list the templates");
	for (int i = 0; i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0), *identity;
		char digest[DIGEST_HEX_LEN + 1], checks[TCACHE_CHECKS_LEN + 1];
		struct err de = {0};
		if (!tcache_name_ok(name) || PQgetisnull(r, i, 1) ||
		    !tcache_comment_parse(PQgetvalue(r, i, 1), digest, checks, &identity) ||
		    strcmp(identity, id->identity) != 0 || strcmp(digest, id->digest) == 0)
			continue;
		if (tcache_drop(m, name, &de) < 0) {
			log_warn("cannot drop the stale template \"%s\": %s", name, de.msg);
			continue;
		}
		log_info("dropped the stale template \"%s\"", name);
		(*dropped)++;
	}
	PQclear(r);
	return 0;
}

void tcache_mark(const char *dbname, char mark[TCACHE_MARK_MAX])
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_hex(dbname, strlen(dbname), hex);
	snprintf(mark, TCACHE_MARK_MAX, "%s %.12s", TCACHE_MARK_HEAD, hex);
}

int tcache_wear_mark(PGconn *c, const char *dbname, struct err *e)
{
	char mark[TCACHE_MARK_MAX];
	const char *params[1] = {mark};
	tcache_mark(dbname, mark);
	/* instead of the name, keeping the " [from ADDRESS]" the lock's
	 * holder shows at the end (db/lock.c) */
	return db_exec_params(c,
			      "SELECT set_config('application_name', left($1, 63 - length(s)) || s, true) "
			      "FROM (SELECT coalesce(substring(current_setting('application_name') "
			      "FROM ' \\[from [^]]*\\]$'), '') AS s) x",
			      1, params, NULL, e);
}

int tcache_mark_holder(PGconn *c, const char *dbname, char *pid, size_t cap, struct err *e)
{
	char mark[TCACHE_MARK_MAX];
	const char *params[1] = {mark};
	PGresult *r;
	tcache_mark(dbname, mark);
	pid[0] = '\0';
	if (db_exec_params(c,
			   "SELECT pid FROM pg_stat_get_activity(NULL) WHERE pid <> pg_backend_pid() "
			   "AND left(application_name, length($1)) = $1 ORDER BY pid LIMIT 1",
			   1, params, &r, e) < 0)
		return err_prefix(e, "cannot look for a run making a template");
	if (PQntuples(r) == 1)
		snprintf(pid, cap, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}
