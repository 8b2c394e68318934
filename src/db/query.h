/*
 * query.h — queries on an open connection that a signal can interrupt:
 * every wait polls the libpq socket together with the signal pipe
 * (util/sig.h), and a query interrupted by a signal is cancelled on the
 * server and drained before we return.
 *
 * Every query's results are read by one collector, db_collect: the plain
 * queries here, the runner's batches and the end of a COPY all go through
 * it, so COPY handling and statement counting are decided in one place.
 */
#ifndef MIGRATE_QUERY_H
#define MIGRATE_QUERY_H

#include <libpq-fe.h>
#include <stddef.h>

#include "util/err.h"

/* Run sql (one or more statements) and wait for completion, interruptible.
 * On success returns 0 and, when res != NULL, the last result (caller
 * PQclears).  An SQL error is EXIT_SQL (message, SQLSTATE, detail and hint
 * folded into e, the SQLSTATE also in e->sqlstate), a missing privilege
 * (42501) EXIT_AUTH; a lost connection
 * EXIT_FAILURE_GENERIC; a signal cancels the query and gives 128+N. */
int db_exec(PGconn *c, const char *sql, PGresult **res, struct err *e);

/* Run sql even after a signal (db_exec refuses to send then), blocking and
 * not interruptible: what must be finished before the process stops (the
 * COMMIT of work done and checked, the DROP of a scratch database).  Errors
 * as db_exec's. */
int db_exec_regardless(PGconn *c, const char *sql, struct err *e);

/* Like db_exec with $1… parameters (text format). */
int db_exec_params(PGconn *c, const char *sql, int n, const char *const *params, PGresult **res,
		   struct err *e);

/* What the results of the query in flight said. */
struct db_results {
	size_t completed; /* statements that completed before the first error */
	PGresult *failed; /* the first error result, or NULL; caller PQclears */
	PGresult *last;   /* with keep_last: the last other result; caller PQclears */
	/* rows affected by the last statement that completed (PQcmdTuples, "0"
	 * when it reports none), not counting BEGIN, COMMIT, SAVEPOINT and
	 * RELEASE (which the runner wraps statements in), and 0 after a COPY …
	 * TO STDOUT, as psql's ROW_COUNT; "" when none did */
	char row_count[24];
	/* db_pipeline_collect, when not NULL (set by the caller, kept): the rows
	 * affected (PQcmdTuples) by each of the ntuples statements from the
	 * tuples_from-th on (counting from 0) that completed */
	long *tuples;
	size_t tuples_from, ntuples;
};

/* Read every result of the query in flight (sent with PQsendQuery or the
 * like).  A COPY … TO STDOUT's rows are read and dropped, and the COPY
 * counts as one completed statement; a COPY … FROM STDIN nobody feeds is
 * refused (the server then fails it).  Returns 0 when the query is
 * complete — an SQL error is r->failed, not a -1 — and -1 with e set on a
 * lost connection or a signal (the query is then cancelled and drained;
 * r->completed says how far it got, nothing else is left in r). */
int db_collect(PGconn *c, int keep_last, struct db_results *r, struct err *e);

/* Read the results of a pipeline segment up to its sync point (the
 * connection is in pipeline mode; PQpipelineSync was sent).  r->completed
 * counts the statements that completed before the first error, r->failed
 * is that error (the statements after it were skipped by the server).
 * -1 on a lost connection (r->completed still says how far it got) or a
 * signal (the segment is cancelled and drained first: 128+N). */
int db_pipeline_collect(PGconn *c, struct db_results *r, struct err *e);

/* A statement of the tool's own, with its parameters (text, or none). */
struct db_stmt {
	const char *sql;
	int nparams;
	const char *const *params;
};

/* Several statements of the tool's own in one round trip: send stmts[0..n)
 * in one pipeline segment, sync, and read every result.  out (when not
 * NULL, n entries) receives each completed statement's result (caller
 * PQclears).  *completed (when not NULL) counts the statements that
 * completed.  The first SQL error is set in e as db_result_error does and
 * -1 returned (the server skipped the statements after it); a lost
 * connection or a signal is -1 as in db_pipeline_collect (a signal cancels
 * the segment and drains it first); out is then all NULL. */
int db_exec_pipeline(PGconn *c, const struct db_stmt *stmts, size_t n, PGresult **out,
		     size_t *completed, struct err *e);

/* Wait for the next result of the query in flight: 0 with *r (NULL when
 * the query is complete; caller PQclears), -1 on a lost connection or a
 * signal (the query is then cancelled and drained, e = 128+N). */
int db_next_result(PGconn *c, PGresult **r, struct err *e);

/* Poll the connection's socket (and for writing, want_write) together with
 * the signal pipe, up to one second.  -1 with e set on a signal. */
int db_wait_io(PGconn *c, int want_write, struct err *e);

/* Fill e from an error result: "message (SQLSTATE x); detail: …", the hint,
 * e->sqlstate, code EXIT_SQL (EXIT_AUTH for 42501).  Returns -1. */
int db_result_error(const PGresult *r, struct err *e);

#endif
