/*
 * ready.c — see ready.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/ready.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/connect.h"
#include "db/query.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/sig.h"

#define PROGRESS_EVERY_MS 5000

/* The reason part of a libpq message, for progress lines: what follows the
 * last "failed: " ("Connection refused", "FATAL:  the database system is
 * starting up"), else the message itself. */
static const char *short_reason(const char *msg)
{
	const char *p = msg, *last = NULL;
	while ((p = strstr(p, "failed: ")) != NULL) {
		last = p + 8;
		p = last;
	}
	return last ? last : msg;
}

/* Connect to dbname (NULL = the target's) with retries until deadline. */
static int connect_with_retry(struct db_target *t, const char *dbname, const char *what,
			      struct ready_deadline d, PGconn **conn, enum db_failure *why, int *attempts,
			      struct err *e)
{
	struct backoff b;
	int64_t start = now_ms();
	int64_t next_report = start + PROGRESS_EVERY_MS;

	char last[ERR_MSG_MAX] = "";

	backoff_init(&b, 50, 1000, (unsigned)getpid() ^ (unsigned)start);
	for (;;) {
		int64_t delay, now;

		(*attempts)++;
		if (db_connect(t, dbname, d.at, conn, why, e) == 0) {
			/* the failures before this attempt were retried: none is ours */
			err_clear(e);
			return 0;
		}
		if (*why != DBF_RETRY)
			return -1;
		/* An attempt cut short by the deadline says less than the one before. */
		if (!(last[0] && strcmp(e->msg, "timeout while connecting") == 0))
			memcpy(last, e->msg, sizeof last);
		now = now_ms();
		if (now >= d.at) {
			char took[32];
			duration_format(d.timeout_ms, took, sizeof took);
			return err_set(e, EXIT_TIMEOUT, "timed out after %s waiting for %s: %s", took, what,
				       short_reason(last));
		}
		if (now >= next_report) {
			char took[32];
			duration_format(now - start, took, sizeof took);
			log_info("waiting for %s (%s, %d attempts): %s", what, took, *attempts,
				 short_reason(last));
			next_report = now + PROGRESS_EVERY_MS;
		} else {
			log_debug("%s not ready: %s", what, last);
		}
		delay = backoff_next(&b, now, d.at);
		if (sig_sleep(delay, e) < 0)
			return -1;
	}
}

int ready_wait(struct db_target *t, struct ready_deadline d, struct ready_result *r,
	       struct err *e)
{
	char what[1200];
	enum db_failure why;
	int64_t start = now_ms();

	memset(r, 0, sizeof *r);
	snprintf(what, sizeof what, "postgresql at %s", t->display);
	log_debug("waiting for %s", what);
	if (connect_with_retry(t, NULL, what, d, &r->conn, &why, &r->attempts, e) == 0) {
		r->wait_ms = now_ms() - start;
		return 0;
	}
	r->wait_ms = now_ms() - start;
	if (why == DBF_DB_MISSING) {
		r->db_missing = 1;
		err_clear(e);
		return 0;
	}
	return -1;
}

/* Append " KEYWORD value" to the CREATE DATABASE statement. */
static int append_option(PGconn *c, char *sql, size_t cap, const char *keyword, const char *value,
			 int as_identifier, struct err *e)
{
	char *quoted;
	if (!value)
		return 0;
	quoted = as_identifier ? PQescapeIdentifier(c, value, strlen(value))
			       : PQescapeLiteral(c, value, strlen(value));
	if (!quoted)
		return err_set(e, EXIT_CONFIG, "invalid %s \"%s\": %s", keyword, value,
			       PQerrorMessage(c));
	size_t len = strlen(sql);
	snprintf(sql + len, cap - len, " %s %s", keyword, quoted);
	PQfreemem(quoted);
	return 0;
}

int ready_create_database(PGconn *c, const char *dbname, const struct config *cfg,
			  const char *template_db, const char *strategy, int *created,
			  struct err *e)
{
	char sql[2048];
	char *ident = PQescapeIdentifier(c, dbname, strlen(dbname));
	*created = 0;
	if (!ident)
		return err_set(e, EXIT_CONFIG, "invalid database name \"%s\"", dbname);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", ident);
	PQfreemem(ident);
	if (!template_db)
		template_db = config_str(cfg, CFG_DATABASE_TEMPLATE);
	if (!strategy)
		strategy = config_str(cfg, CFG_DATABASE_STRATEGY);
	if (append_option(c, sql, sizeof sql, "OWNER", config_str(cfg, CFG_DATABASE_OWNER), 1, e) < 0 ||
	    append_option(c, sql, sizeof sql, "TEMPLATE", template_db, 1, e) < 0 ||
	    append_option(c, sql, sizeof sql, "ENCODING", config_str(cfg, CFG_DATABASE_ENCODING), 0,
			  e) < 0 ||
	    append_option(c, sql, sizeof sql, "LOCALE", config_str(cfg, CFG_DATABASE_LOCALE), 0, e) < 0 ||
	    append_option(c, sql, sizeof sql, "STRATEGY", strategy, 0, e) < 0)
		return -1;
	log_debug("%s", sql);
	/* CREATE DATABASE cannot run in a transaction block: sent on its own. */
	if (db_exec(c, sql, NULL, e) == 0) {
		*created = 1;
		return 0;
	}
	/* 42P04, or 23505 on pg_database's unique index when two CREATE DATABASE
	 * race past the existence check: someone else created it. */
	if (strcmp(e->sqlstate, "42P04") == 0 || strcmp(e->sqlstate, "23505") == 0) {
		log_info("database \"%s\" was created concurrently by another process", dbname);
		err_clear(e);
		return 0;
	}
	return -1;
}

int ready_maintenance(struct db_target *t, const struct config *cfg, struct ready_deadline d,
		      PGconn **c, const char **used, int *attempts, struct err *e)
{
	const char *maint = config_str(cfg, CFG_DATABASE_MAINTENANCE_DB);
	char what[1200];
	enum db_failure why;
	int rc;

	*used = maint ? maint : "postgres";
	snprintf(what, sizeof what, "maintenance database \"%s\"", *used);
	rc = connect_with_retry(t, *used, what, d, c, &why, attempts, e);
	if (rc < 0 && why == DBF_DB_MISSING && !maint) {
		*used = "template1";
		snprintf(what, sizeof what, "maintenance database \"template1\"");
		rc = connect_with_retry(t, *used, what, d, c, &why, attempts, e);
	}
	return rc;
}

int ready_open_created(struct db_target *t, struct ready_deadline d, struct ready_result *r,
		       int *attempts, struct err *e)
{
	enum db_failure why;
	if (connect_with_retry(t, NULL, "the new database", d, &r->conn, &why, attempts, e) < 0)
		return -1;
	r->db_missing = 0;
	return 0;
}

int ready_create(struct db_target *t, const struct config *cfg, struct ready_deadline d,
		 struct ready_result *r, struct err *e)
{
	const char *dbname = db_target_dbname(t), *maint;
	PGconn *c = NULL;
	int64_t start = now_ms();
	int attempts = 0;
	int rc;

	if (ready_maintenance(t, cfg, d, &c, &maint, &attempts, e) < 0)
		return err_prefix(e, "cannot create database \"%s\"", dbname);
	rc = ready_create_database(c, dbname, cfg, NULL, NULL, &r->created, e);
	PQfinish(c);
	if (rc < 0)
		return ready_create_failed(e, dbname);
	if (r->created)
		log_info("created database \"%s\"", dbname);
	rc = ready_open_created(t, d, r, &attempts, e);
	r->create_ms = now_ms() - start;
	return rc;
}

int ready_create_failed(struct err *e, const char *dbname)
{
	if (strcmp(e->sqlstate, "42501") == 0) {
		e->code = EXIT_AUTH;
		err_prefix(e, "cannot create database \"%s\"", dbname);
		return err_hint(e, "grant the role CREATEDB, or create the database beforehand and "
				   "run with --skip create");
	}
	return err_prefix(e, "cannot create database \"%s\"", dbname);
}
