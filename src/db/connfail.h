/*
 * connfail.h — what a failed connection attempt means (docs/reference.md §7.2): retry,
 * the database is missing, or stop at once, with the exit code and the hint
 * that goes with it.  Pure: it reads libpq's error message and nothing else,
 * so the classification is unit-tested without a server.
 *
 * libpq does not expose the SQLSTATE of a connection failure.  db_connect
 * sets PQERRORS_VERBOSE before the server can answer, so the message reads
 * "FATAL:  28P01: password authentication failed…"; the SQLSTATE is read
 * from there and the tokens (and LOCATION lines) are stripped for display.
 */
#ifndef MIGRATE_CONNFAIL_H
#define MIGRATE_CONNFAIL_H

#include "util/err.h"

/* How a failed attempt should be treated. */
enum db_failure {
	DBF_NONE = 0,
	DBF_RETRY,      /* refused, DNS, starting up, shutting down, in recovery … */
	DBF_DB_MISSING, /* server up, database does not exist (3D000) */
	DBF_AUTH,       /* authentication or permission: retrying cannot help */
	DBF_FATAL       /* anything else that retrying cannot help (options, TLS) */
};

struct connfail {
	enum db_failure why;
	int code;                /* the exit code when the run stops on it */
	char sqlstate[6];        /* the server's SQLSTATE, "" when it sent none */
	char msg[ERR_MSG_MAX];   /* libpq's message, one line, without SQLSTATE tokens */
	char hint[ERR_HINT_MAX]; /* what to do, "" when nothing useful can be said */
};

/* Classify libpq's error message msg (PQerrorMessage, verbose).
 * needs_password: PQconnectionNeedsPassword.  before_polling: the failure
 * came from PQconnectStartParams, before any network activity (an option
 * error).  user and dbname (NULL when unknown) go into the hints.
 *
 *   3D000                                   DBF_DB_MISSING
 *   class 08, 53, 57, 58; no SQLSTATE and   DBF_RETRY (exit 1 if it stops there)
 *     none of the below (refused, DNS, …)
 *   class 28, 42501, a password needed      DBF_AUTH, exit 5
 *   another SQLSTATE                        DBF_FATAL, exit 1
 *   option errors, TLS and certificate      DBF_FATAL, exit 3 (configuration,
 *     problems, GSSAPI encryption required,   before or after polling began)
 *     no user name and no passwd entry
 */
void connfail_classify(const char *msg, int needs_password, int before_polling, const char *user,
		       const char *dbname, struct connfail *out);

#endif
