/*
 * copy.c — COPY … FROM STDIN with its data in the script, as psql's
 * handleCopyIn does: the statement is sent alone, and once the server is in
 * COPY IN state the data lines the scanner hands out (up to a line that is
 * exactly "\.", or the end of the file) are streamed with PQputCopyData.
 * Memory stays flat however much data there is.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "db/query.h"
#include "script/exec.h"
#include "util/sig.h"

#define COPY_CHUNK (256 * 1024) /* bytes per CopyData message */

/* Wait until libpq has handed everything queued to the kernel.  Reading
 * what the server sends meanwhile keeps poll() from spinning. */
static int drain_output(PGconn *c, struct err *e)
{
	for (;;) {
		int rc = PQflush(c);
		if (rc < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot send COPY data: %s",
				       PQerrorMessage(c));
		if (rc == 0)
			return 0;
		if (db_wait_io(c, 1, e) < 0)
			return -1;
		if (!PQconsumeInput(c))
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot send COPY data: %s",
				       PQerrorMessage(c));
	}
}

/* Stream COPY data.  In non-blocking mode PQputCopyData grows libpq's
 * output buffer to hold whatever the socket does not take at once, so
 * without draining it after each chunk a file read faster than the server
 * parses it would end up in memory whole.  With the drain, at most one
 * chunk (plus the kernel's socket buffer) is in flight. */
static int put_copy(struct exec *x, const char *data, size_t len, struct err *e)
{
	while (len > 0) {
		int chunk = len > COPY_CHUNK ? COPY_CHUNK : (int)len;
		int rc = PQputCopyData(x->c, data, chunk);
		if (rc < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot send COPY data: %s",
				       PQerrorMessage(x->c));
		if (rc == 0) { /* nothing queued (no room): wait, then again */
			if (drain_output(x->c, e) < 0)
				return -1;
			continue;
		}
		data += chunk;
		len -= (size_t)chunk;
		x->st->copy_bytes += (uint64_t)chunk;
		if (drain_output(x->c, e) < 0)
			return -1;
	}
	return 0;
}

/* After PQputCopyEnd: the COPY's result.  A data error names the file line
 * of the bad row (CONTEXT "COPY t, line N", counted from data_line). */
static int copy_finish(struct exec *x, const char *file, const struct segment *stmt,
		       size_t data_line, struct err *e)
{
	struct db_results r;
	if (db_collect(x->c, 0, &r, e) < 0)
		return -1;
	x->st->statements += r.completed;
	if (r.failed) {
		const char *ctx = PQresultErrorField(r.failed, PG_DIAG_CONTEXT);
		const char *at = ctx ? strstr(ctx, ", line ") : NULL;
		size_t line = stmt->line, col = stmt->col;
		if (at && data_line) {
			line = data_line + (size_t)atol(at + 7) - 1;
			col = 1;
		}
		db_result_error(r.failed, e);
		PQclear(r.failed);
		return err_prefix(e, "%s:%zu:%zu", file, line, col);
	}
	return 0;
}

/* End the COPY early (an error in the script or a signal, already in e):
 * the server fails the COPY, so nothing of it stays. */
static int copy_abort(struct exec *x, const char *file, const struct segment *stmt,
		      const char *why)
{
	struct err ignored = {0};
	PQputCopyEnd(x->c, why);
	copy_finish(x, file, stmt, 0, &ignored);
	return -1;
}

int copy_from_script(struct exec *x, struct source *s, const struct sqlscan_item *stmt,
		     struct err *e)
{
	struct segment seg = {s->name, NULL, 0, stmt->len, stmt->line, stmt->col, 0};
	struct sqlscan_item it;
	size_t data_line = 0;
	PGresult *r;
	char *sql = malloc(stmt->len + 1);

	if (!sql)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	memcpy(sql, stmt->text, stmt->len);
	sql[stmt->len] = '\0';
	if (!PQsendQuery(x->c, sql)) {
		free(sql);
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
			       PQerrorMessage(x->c));
	}
	if (db_next_result(x->c, &r, e) < 0) {
		free(sql);
		return -1;
	}
	if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
		/* The COPY itself failed (no such table …): map it like any statement. */
		struct db_results rest;
		int failed = r && PQresultStatus(r) == PGRES_FATAL_ERROR;
		if (failed)
			exec_statement_error(x, r, sql, &seg, e);
		PQclear(r);
		free(sql);
		if (db_collect(x->c, 0, &rest, &(struct err){0}) == 0)
			PQclear(rest.failed);
		return failed ? -1 : err_set(e, EXIT_SQL, "%s:%zu:%zu: COPY did not start", s->name,
					     stmt->line, stmt->col);
	}
	PQclear(r);
	free(sql);
	for (;;) {
		enum sqlscan_result kind = source_next(s, &it, e);
		if (kind == SQLSCAN_ERROR)
			return copy_abort(x, s->name, &seg, "script error");
		if (kind == SQLSCAN_COPY_DATA) {
			if (!data_line)
				data_line = it.line;
			if (sig_check(e) < 0 || put_copy(x, it.text, it.len, e) < 0)
				return copy_abort(x, s->name, &seg, "interrupted");
			exec_progress(x, s, s->consumed + it.off);
			continue;
		}
		/* COPY_END (or EOF, which the scanner reports as COPY_END). */
		if (PQputCopyEnd(x->c, NULL) < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot end COPY: %s", PQerrorMessage(x->c));
		return copy_finish(x, s->name, &seg, data_line, e);
	}
}
