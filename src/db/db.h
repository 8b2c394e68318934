/*
 * db.h — the libpq layer: where to connect, one interruptible connection
 * attempt with its failure classified, and interruptible queries.
 *
 * Nothing here blocks past a signal: every wait polls the libpq socket
 * together with the signal pipe (sig.h), and a query interrupted by a signal
 * is cancelled on the server before we return.
 */
#ifndef MIGRATE_DB_H
#define MIGRATE_DB_H

#include <libpq-fe.h>
#include <stdint.h>

#include "util/err.h"

/* Connection parameters, parsed once from the URL (or libpq defaults). */
struct db_target {
	char **keys; /* NULL-terminated, for PQconnectStartParams; owned */
	char **vals;
	size_t n;
	int dbname_index;   /* index of "dbname" in keys */
	char *display;      /* "user@host:port/dbname", no password; owned */
};

/* Parse url (any form dburl_normalize accepts, or NULL for libpq's
 * environment defaults).  Registers the password as a log secret.  Bad
 * syntax is EXIT_CONFIG with a redacted URL in the message. */
int db_target_init(struct db_target *t, const char *url, const char *application_name,
		   struct err *e);
void db_target_release(struct db_target *t);

/* The database name libpq will use for this target (explicit, PGDATABASE,
 * or the user name).  Borrowed from t. */
const char *db_target_dbname(const struct db_target *t);

/* How a failed attempt should be treated. */
enum db_failure {
	DBF_NONE = 0,
	DBF_RETRY,      /* refused, DNS, starting up, shutting down, in recovery … */
	DBF_DB_MISSING, /* server up, database does not exist (3D000) */
	DBF_AUTH,       /* authentication or permission: retrying cannot help */
	DBF_FATAL       /* anything else that retrying cannot help (options, TLS) */
};

/* One connection attempt to t (with dbname replaced when dbname != NULL),
 * giving up at deadline (now_ms() clock).  On success *out is connected.
 * On failure returns -1 with e set (message redacted, one line) and
 * *why classifying it; a signal gives e->code = 128+N and *why = DBF_FATAL.
 * A deadline reached mid-attempt is DBF_RETRY with message "timeout". */
int db_connect(const struct db_target *t, const char *dbname, int64_t deadline, PGconn **out,
	       enum db_failure *why, struct err *e);

/* Run sql (one or more statements) and wait for completion, interruptible.
 * On success returns 0 and, when res != NULL, the last result (caller
 * PQclears).  An SQL error is EXIT_SQL (message, SQLSTATE, detail and hint
 * folded into e); a lost connection EXIT_FAILURE_GENERIC; a signal cancels
 * the query and gives 128+N. */
int db_exec(PGconn *c, const char *sql, PGresult **res, struct err *e);

/* Like db_exec with $1… parameters (text format). */
int db_exec_params(PGconn *c, const char *sql, int n, const char *const *params, PGresult **res,
		   struct err *e);

/* Wait for the next result of the query in flight: 0 with *r (NULL when
 * the query is complete; caller PQclears), -1 on a lost connection or a
 * signal (the query is then cancelled and drained, e = 128+N). */
int db_next_result(PGconn *c, PGresult **r, struct err *e);

/* Poll the connection's socket (and for writing, want_write) together with
 * the signal pipe, up to one second.  -1 with e set on a signal. */
int db_wait_io(PGconn *c, int want_write, struct err *e);

/* Fill e from an error result: "message (SQLSTATE x); detail: …" and the
 * hint, code EXIT_SQL.  Returns -1. */
int db_result_error(const PGresult *r, struct err *e);

/* The SQLSTATE of the last error db_exec reported on this thread ("" if
 * none), for callers that treat some states as success (42P04). */
const char *db_last_sqlstate(void);

#endif
