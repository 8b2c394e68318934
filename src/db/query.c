/*
 * query.c — see query.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/query.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/lockwatch.h"
#include "util/clock.h"
#include "util/sig.h"

int db_result_error(const PGresult *r, struct err *e)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);

	/* A missing privilege is "permission refused" wherever it happens
	 * (docs/reference.md §6): the fix is a GRANT, not the SQL. */
	int code = state && strcmp(state, "42501") == 0 ? EXIT_AUTH : EXIT_SQL;

	if (!primary)
		primary = PQresultErrorMessage(r);
	if (detail)
		err_set(e, code, "%s (SQLSTATE %s); detail: %s", primary, state ? state : "?????",
			detail);
	else
		err_set(e, code, "%s (SQLSTATE %s)", primary, state ? state : "?????");
	if (hint)
		err_hint(e, "%s", hint);
	return err_sqlstate(e, state);
}

static int wait_io(PGconn *c, int want_write, int64_t ms, struct err *e)
{
	short events = (short)(POLLIN | (want_write ? POLLOUT : 0));
	return sig_wait_fd(PQsocket(c), events, now_ms() + ms, e) < 0 ? -1 : 0;
}

int db_wait_io(PGconn *c, int want_write, struct err *e) { return wait_io(c, want_write, 1000, e); }

/* Ask the server to cancel the query in flight (best effort). */
static void db_cancel(PGconn *c)
{
	PGcancel *cancel = PQgetCancel(c);
	char buf[256];
	if (cancel) {
		PQcancel(cancel, buf, sizeof buf);
		PQfreeCancel(cancel);
	}
}

/* After a signal cancelled the query in flight, what it still sends is
 * drained, but not for ever: a second signal, or DRAIN_MS without the
 * answer (a server that does not act on the cancel), ends the wait. */
#define DRAIN_MS 10000
static struct {
	int signals;       /* sig_count() when the query was cancelled */
	int64_t at;        /* now_ms() then */
} cancel;

/* Wait until PQgetResult will not block.  A signal cancels the query in
 * flight (once: *cancelled) and the wait goes on without the signal pipe,
 * so what the server still sends can be drained.  -1: the connection is
 * lost (e set), or the drain was cut short (e = 128+N). */
static int await_result(PGconn *c, int *cancelled, struct err *e)
{
	int64_t start = now_ms(), step = lockwatch_tick(c, 0);
	for (;;) {
		int flush = PQflush(c);
		if (flush < 0)
			break;
		if (flush == 0 && !PQisBusy(c))
			return 0;
		if (*cancelled) {
			struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
			poll(&pfd, 1, 100);
			if (sig_count() > cancel.signals || now_ms() - cancel.at >= DRAIN_MS) {
				sig_check(e);
				return err_hint(e, "stopped waiting for the server to end the cancelled "
						   "statement; it ends with the connection");
			}
		} else if (wait_io(c, flush, step, e) < 0) {
			if (!sig_received())
				return -1;
			db_cancel(c);
			*cancelled = 1;
			cancel.signals = sig_count();
			cancel.at = now_ms();
		}
		if (!PQconsumeInput(c))
			break;
		/* a statement waiting for a lock: who holds it (db/lockwatch.h) */
		if (!*cancelled && PQisBusy(c))
			step = lockwatch_tick(c, now_ms() - start);
	}
	return err_set(e, EXIT_FAILURE_GENERIC, "lost the connection to the server: %s",
		       PQerrorMessage(c));
}

int db_next_result(PGconn *c, PGresult **r, struct err *e)
{
	int cancelled = 0;
	*r = NULL;
	if (await_result(c, &cancelled, e) < 0)
		return -1;
	*r = PQgetResult(c);
	if (!cancelled)
		return 0;
	/* Drain what the cancelled query still sends. */
	while (*r) {
		PQclear(*r);
		*r = NULL;
		if (await_result(c, &cancelled, e) < 0)
			return -1;
		*r = PQgetResult(c);
	}
	return sig_check(e);
}

/* Read and drop the rows of a COPY … TO STDOUT, interruptible. */
static int drain_copy_out(PGconn *c, struct err *e)
{
	for (;;) {
		char *buf;
		int n = PQgetCopyData(c, &buf, 1);
		if (n > 0) {
			PQfreemem(buf);
			continue;
		}
		if (n == -1)
			return 0; /* done: the COPY's own result follows */
		if (n == 0 && db_wait_io(c, 0, e) < 0)
			return -1;
		if (n == -2 || !PQconsumeInput(c))
			return err_set(e, EXIT_FAILURE_GENERIC, "lost the connection to the server: %s",
				       PQerrorMessage(c));
	}
}

/* A COPY nobody feeds or reads here: refuse its input (the server then
 * fails the COPY), or read and drop its rows. */
static int finish_copy(PGconn *c, const PGresult *res, struct err *e)
{
	if (PQresultStatus(res) == PGRES_COPY_IN) {
		PQputCopyEnd(c, "COPY FROM STDIN is not supported here");
		return 0;
	}
	return drain_copy_out(c, e);
}

static void note_row_count(struct db_results *r, PGresult *res)
{
	static const char *const wrappers[] = {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", NULL};
	const char *status = PQcmdStatus(res), *rows = PQcmdTuples(res);
	for (const char *const *w = wrappers; *w; w++)
		if (strcmp(status, *w) == 0)
			return;
	snprintf(r->row_count, sizeof r->row_count, "%s", rows && *rows ? rows : "0");
}

int db_collect(PGconn *c, int keep_last, struct db_results *r, struct err *e)
{
	PGresult *res;
	int copied_out = 0; /* the result after a COPY … TO STDOUT's rows */
	memset(r, 0, sizeof *r);
	for (;;) {
		if (db_next_result(c, &res, e) < 0)
			goto fail;
		if (!res)
			return 0;
		switch (PQresultStatus(res)) {
		case PGRES_FATAL_ERROR:
			if (!r->failed) {
				r->failed = res;
				continue;
			}
			break;
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
			/* Not counted: the COPY's own result follows. */
			if (finish_copy(c, res, e) < 0) {
				PQclear(res);
				goto fail;
			}
			copied_out = PQresultStatus(res) == PGRES_COPY_OUT;
			break;
		default:
			if (!r->failed) {
				r->completed++;
				note_row_count(r, res);
				if (copied_out) /* as psql's ROW_COUNT after COPY … TO STDOUT */
					snprintf(r->row_count, sizeof r->row_count, "0");
			}
			copied_out = 0;
			if (keep_last) {
				PQclear(r->last);
				r->last = res;
				continue;
			}
			break;
		}
		PQclear(res);
	}
fail:
	PQclear(r->failed);
	PQclear(r->last);
	r->failed = r->last = NULL; /* r->completed still says how far it got */
	return -1;
}

int db_pipeline_collect(PGconn *c, struct db_results *r, struct err *e)
{
	int cancelled = 0, failed_here = 0;
	long *tuples = r->tuples;
	size_t from = r->tuples_from, ntuples = r->ntuples;
	memset(r, 0, sizeof *r);
	r->tuples = tuples;
	r->tuples_from = from;
	r->ntuples = ntuples;
	for (;;) {
		PGresult *res;
		if (await_result(c, &cancelled, e) < 0)
			goto fail;
		res = PQgetResult(c);
		if (!res) { /* the end of one statement's results */
			if (!r->failed && !failed_here)
				r->completed++;
			failed_here = 0;
			continue;
		}
		switch (PQresultStatus(res)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(res);
			if (cancelled) {
				PQclear(r->failed);
				r->failed = NULL;
				return sig_check(e);
			}
			return 0;
		case PGRES_FATAL_ERROR:
			failed_here = 1;
			if (!r->failed) {
				r->failed = res;
				continue;
			}
			break;
		case PGRES_PIPELINE_ABORTED:
			failed_here = 1;
			break;
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
			/* Not counted: the COPY's own result follows. */
			if (finish_copy(c, res, e) < 0) {
				PQclear(res);
				goto fail;
			}
			break;
		default:
			if (!r->failed)
				note_row_count(r, res);
			if (!r->failed && r->completed >= r->tuples_from &&
			    r->completed - r->tuples_from < r->ntuples)
				r->tuples[r->completed - r->tuples_from] = atol(PQcmdTuples(res));
			break;
		}
		PQclear(res);
	}
fail:
	/* the server said why before it closed the connection (a FATAL:
	 * pg_terminate_backend, a shutdown): that is the statement's error */
	if (r->failed && !cancelled && PQstatus(c) == CONNECTION_BAD &&
	    PQresultErrorField(r->failed, PG_DIAG_SQLSTATE))
		return 0;
	PQclear(r->failed);
	r->failed = NULL;
	return -1;
}

int db_exec_pipeline(PGconn *c, const struct db_stmt *stmts, size_t n, PGresult **out,
		     size_t *completed, struct err *e)
{
	PGresult *failed = NULL;
	int cancelled = 0, rc = 0;
	size_t i = 0, done = 0;

	for (size_t k = 0; out && k < n; k++)
		out[k] = NULL;
	if (completed)
		*completed = 0;
	if (sig_check(e) < 0)
		return -1;
	PQsetnonblocking(c, 1);
	if (!PQenterPipelineMode(c))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot enter pipeline mode: %s",
			       PQerrorMessage(c));
	for (size_t k = 0; k < n; k++)
		if (!PQsendQueryParams(c, stmts[k].sql, stmts[k].nparams, NULL, stmts[k].params, NULL,
				       NULL, 0)) {
			rc = err_set(e, EXIT_FAILURE_GENERIC, "cannot send query: %s", PQerrorMessage(c));
			goto out;
		}
	if (!PQpipelineSync(c)) {
		rc = err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s", PQerrorMessage(c));
		goto out;
	}
	for (;;) {
		PGresult *res;
		if (await_result(c, &cancelled, e) < 0) {
			rc = -1;
			goto out;
		}
		res = PQgetResult(c);
		if (!res) { /* the end of one statement's results */
			done += !failed && i == done;
			i++;
			continue;
		}
		switch (PQresultStatus(res)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(res);
			if (completed)
				*completed = done;
			if (cancelled)
				rc = sig_check(e);
			else if (failed)
				rc = db_result_error(failed, e);
			goto out;
		case PGRES_FATAL_ERROR:
			if (!failed) {
				failed = res;
				continue;
			}
			break;
		case PGRES_PIPELINE_ABORTED:
			break;
		default:
			if (out && i < n && !failed) {
				PQclear(out[i]);
				out[i] = res;
				continue;
			}
			break;
		}
		PQclear(res);
	}
out:
	PQclear(failed);
	PQexitPipelineMode(c);
	for (size_t k = 0; rc < 0 && out && k < n; k++) {
		PQclear(out[k]);
		out[k] = NULL;
	}
	return rc;
}

/* Collect the results of the query just sent: the last one (when res is
 * not NULL) or the first error. */
static int finish_query(PGconn *c, PGresult **res, struct err *e)
{
	struct db_results r;
	if (db_collect(c, res != NULL, &r, e) < 0)
		return -1;
	if (r.failed) {
		db_result_error(r.failed, e);
		PQclear(r.failed);
		PQclear(r.last);
		return -1;
	}
	if (res)
		*res = r.last;
	return 0;
}

int db_exec(PGconn *c, const char *sql, PGresult **res, struct err *e)
{
	if (res)
		*res = NULL;
	if (sig_check(e) < 0)
		return -1;
	PQsetnonblocking(c, 1);
	if (!PQsendQuery(c, sql))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send query: %s", PQerrorMessage(c));
	return finish_query(c, res, e);
}

int db_exec_regardless(PGconn *c, const char *sql, struct err *e)
{
	PGresult *r = PQexec(c, sql); /* blocks, also on a nonblocking connection */
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;
	if (st == PGRES_FATAL_ERROR)
		rc = db_result_error(r, e);
	else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = err_set(e, EXIT_FAILURE_GENERIC, "cannot run %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return rc;
}

int db_exec_params(PGconn *c, const char *sql, int n, const char *const *params, PGresult **res,
		   struct err *e)
{
	if (res)
		*res = NULL;
	if (sig_check(e) < 0)
		return -1;
	PQsetnonblocking(c, 1);
	if (!PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send query: %s", PQerrorMessage(c));
	return finish_query(c, res, e);
}
