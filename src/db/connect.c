/*
 * connect.c — see connect.h.
 *
 * Classifying a failed connection needs the server's SQLSTATE, which libpq
 * does not expose for connections.  We set PQERRORS_VERBOSE on the
 * connection object before the server can answer, so libpq writes
 * "FATAL:  28P01: password authentication failed…"; db/connfail.c reads
 * the SQLSTATE from there and strips it for display.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/connect.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/sig.h"

static int fail_connect(struct db_target *t, PGconn *conn, int before_polling,
			enum db_failure *why, struct err *e)
{
	struct connfail f;

	connfail_classify(PQerrorMessage(conn), PQconnectionNeedsPassword(conn), before_polling,
			  PQuser(conn), PQdb(conn), &f);
	/* "database does not exist" came from a server: the next connections
	 * (the maintenance database's, the new database's) go to that one */
	if (f.why == DBF_DB_MISSING && db_target_pin(t, conn, &(struct err){0}) < 0)
		f.why = DBF_FATAL;
	PQfinish(conn);
	*why = f.why;
	err_set(e, f.code, "%s", f.msg);
	if (f.hint[0])
		err_hint(e, "%s", f.hint);
	return err_sqlstate(e, f.sqlstate);
}

/* Server notices (RAISE NOTICE in scripts, …) become log lines. */
static void on_notice(void *arg, const char *message)
{
	char line[ERR_MSG_MAX];
	size_t n;
	(void)arg;
	snprintf(line, sizeof line, "%s", message);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	log_info("server: %s", line);
}

int db_connect(struct db_target *t, const char *dbname, int64_t deadline, PGconn **out,
	       enum db_failure *why, struct err *e)
{
	const char *saved_db = t->vals[t->dbname_index];
	PostgresPollingStatusType state = PGRES_POLLING_WRITING;
	PGconn *conn;

	*out = NULL;
	*why = DBF_NONE;
	if (dbname)
		t->vals[t->dbname_index] = (char *)dbname;
	conn = PQconnectStartParams((const char *const *)t->keys, (const char *const *)t->vals, 0);
	t->vals[t->dbname_index] = (char *)saved_db;
	if (!conn) {
		*why = DBF_FATAL;
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
	if (PQstatus(conn) == CONNECTION_BAD)
		return fail_connect(t, conn, 1, why, e);

	for (;;) {
		int ready;
		if (state == PGRES_POLLING_OK) {
			/* later connections go where this one went (db/target.h) */
			if (db_target_pin(t, conn, e) < 0) {
				PQfinish(conn);
				*why = DBF_FATAL;
				return -1;
			}
			PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
			PQsetNoticeProcessor(conn, on_notice, NULL);
			*out = conn;
			return 0;
		}
		if (state == PGRES_POLLING_FAILED)
			return fail_connect(t, conn, 0, why, e);
		/* No socket yet or any more (an address failed at once): poll libpq. */
		if (PQsocket(conn) < 0)
			ready = sig_check(e) < 0 ? -1 : 1;
		else
			ready = sig_wait_fd(PQsocket(conn),
					state == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline, e);
		if (ready < 0) {
			PQfinish(conn);
			*why = DBF_FATAL;
			return -1;
		}
		if (ready == 0) {
			PQfinish(conn);
			*why = DBF_RETRY;
			return err_set(e, EXIT_FAILURE_GENERIC, "timeout while connecting");
		}
		state = PQconnectPoll(conn);
	}
}
