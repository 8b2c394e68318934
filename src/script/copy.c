/*
 * copy.c — COPY … FROM STDIN with its data in the script, as psql's
 * handleCopyIn does: the statement is sent alone, and once the server is in
 * COPY IN state the data lines the scanner hands out (up to a line that is
 * exactly "\.", or the end of the file) are streamed with PQputCopyData.
 * Memory stays flat however much data there is.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	if (!r.failed && x->vars && r.row_count[0])
		lang_query_variables(x, r.row_count);
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

/* Send the COPY statement sql (as seg) and wait until the server is in COPY
 * IN state: 0 (*binary: the data is in binary format), or -1 with e set (a
 * COPY that failed is reported like any statement). */
static int copy_start(struct exec *x, const char *sql, const struct segment *seg, int *binary,
		      struct err *e)
{
	PGresult *r;
	x->savepoint_fresh = 0;
	if (!PQsendQuery(x->c, sql))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
			       PQerrorMessage(x->c));
	if (db_next_result(x->c, &r, e) < 0)
		return -1;
	if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
		/* The COPY itself failed (no such table …): map it like any statement. */
		struct db_results rest;
		int failed = r && PQresultStatus(r) == PGRES_FATAL_ERROR;
		if (failed)
			exec_statement_error(x, r, sql, seg, e);
		PQclear(r);
		if (db_collect(x->c, 0, &rest, &(struct err){0}) == 0)
			PQclear(rest.failed);
		return failed ? -1 : err_set(e, EXIT_SQL, "%s:%zu:%zu: COPY did not start", seg->file,
					     seg->line, seg->col);
	}
	*binary = PQbinaryTuples(r) == 1;
	PQclear(r);
	return 0;
}

int copy_from_script(struct exec *x, struct source *s, const struct sqlscan_item *stmt,
		     struct err *e)
{
	struct segment seg = {s->name, NULL, 0, stmt->len, stmt->line, stmt->col, 0};
	struct sqlscan_item it;
	size_t data_line = 0;
	int binary, rc;
	char *sql = malloc(stmt->len + 1);

	if (!sql)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	memcpy(sql, stmt->text, stmt->len);
	sql[stmt->len] = '\0';
	rc = copy_start(x, sql, &seg, &binary, e);
	free(sql);
	if (rc < 0)
		return -1;
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

/* ---- \copy ------------------------------------------------------------------ */

/* The next word of a \copy command line as psql's parse_slash_copy splits
 * it: a "…" or '…' quoted run, one of ( ) , . ; or a run of anything else up
 * to whitespace or those.  Returns its length (0 at the end). */
static size_t copy_token(const char *p, const char *end)
{
	const char *q = p;
	if (q == end)
		return 0;
	if (*q == '"' || *q == '\'') {
		char quote = *q++;
		while (q < end) {
			if (*q == quote) {
				if (q + 1 < end && q[1] == quote) {
					q += 2;
					continue;
				}
				return (size_t)(q + 1 - p);
			}
			q++;
		}
		return (size_t)(end - p);
	}
	if (strchr("(),.;", *q))
		return 1;
	while (q < end && !strchr(" \t\n\r\f\v(),.;\"'", *q))
		q++;
	return (size_t)(q - p);
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && strchr(" \t\n\r\f\v", *p))
		p++;
	return p;
}

/* Stream a client file's COPY data as psql's handleCopyIn reads it: line by
 * line, a line that is exactly "\." ending the data (text and CSV formats). */
static int stream_file(struct exec *x, FILE *f, int binary, struct err *e)
{
	char *buf = malloc(COPY_CHUNK), *line = NULL;
	size_t used = 0, cap = 0;
	ssize_t n;
	int rc = 0;
	if (!buf)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	if (binary) {
		size_t got;
		while (rc == 0 && (got = fread(buf, 1, COPY_CHUNK, f)) > 0)
			rc = sig_check(e) < 0 ? -1 : put_copy(x, buf, got, e);
		free(buf);
		return rc;
	}
	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		if ((n == 3 && memcmp(line, "\\.\n", 3) == 0) ||
		    (n == 4 && memcmp(line, "\\.\r\n", 4) == 0) ||
		    (n == 2 && memcmp(line, "\\.", 2) == 0))
			break;
		if (used + (size_t)n > COPY_CHUNK) {
			rc = sig_check(e) < 0 ? -1 : put_copy(x, buf, used, e);
			used = 0;
		}
		if ((size_t)n > COPY_CHUNK)
			rc = rc < 0 ? rc : put_copy(x, line, (size_t)n, e);
		else {
			memcpy(buf + used, line, (size_t)n);
			used += (size_t)n;
		}
	}
	if (rc == 0 && ferror(f))
		rc = err_set(e, EXIT_FAILURE_GENERIC, "cannot read: %s", strerror(errno));
	if (rc == 0 && used)
		rc = put_copy(x, buf, used, e);
	free(buf);
	free(line);
	return rc;
}

FILE *copy_open_client_file(struct exec *x, const struct source *s, const struct sqlscan_item *it,
			    const char *name, struct err *e)
{
	char real[PATH_MAX], root[PATH_MAX];
	size_t n;
	FILE *f;
	if (!realpath(name, real)) {
		err_set(e, EXIT_SQL, "%s:%zu: \\%.*s: %s: %s", s->name, it->line, (int)it->name_len,
			it->name, name, strerror(errno));
		return NULL;
	}
	if (!x->o->root || !realpath(x->o->root, root)) {
		err_set(e, EXIT_SQL, "%s:%zu: \\%.*s of a client file is not allowed here", s->name,
			it->line, (int)it->name_len, it->name);
		return NULL;
	}
	n = strlen(root);
	if (strncmp(real, root, n) != 0 || (real[n] != '/' && real[n] != '\0')) {
		err_set(e, EXIT_SQL, "%s:%zu: \\%.*s: \"%s\" is outside the scripts directory \"%s\"",
			s->name, it->line, (int)it->name_len, it->name, name, x->o->root);
		return NULL;
	}
	f = fopen(real, "r");
	if (!f)
		err_set(e, EXIT_SQL, "%s:%zu: \\%.*s: %s: %s", s->name, it->line, (int)it->name_len,
			it->name, name, strerror(errno));
	return f;
}

/* \copy … TO STDOUT: psql's output, which a script run here does not
 * show: the COPY runs and its rows are read and dropped. */
static int copy_to_output(struct exec *x, const struct source *s, const struct sqlscan_item *it,
			  size_t before, const char *after, struct err *e)
{
	const char *end = it->args + it->args_len;
	size_t cap = it->args_len + 32;
	char *sql = malloc(cap);
	struct segment seg = {s->name, NULL, 0, 0, it->line, it->col, 0};
	int rc;
	if (!sql)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	snprintf(sql, cap, "COPY %.*s TO STDOUT %.*s", (int)before, it->args, (int)(end - after),
		 after);
	seg.len = strlen(sql);
	rc = exec_query(x, sql, &seg, NULL, NULL, e);
	free(sql);
	return rc;
}

int copy_meta_stdin(const struct sqlscan_item *it)
{
	const char *p = it->args, *end = it->args + it->args_len;
	size_t n, depth = 0;
	if (it->name_len != 4 || memcmp(it->name, "copy", 4) != 0)
		return 0;
	for (p = skip_space(p, end); (n = copy_token(p, end)) > 0; p = skip_space(p + n, end)) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && p > it->args && n == 4 && strncasecmp(p, "from", 4) == 0) {
			p = skip_space(p + n, end);
			n = copy_token(p, end);
			return n == 5 && strncasecmp(p, "stdin", 5) == 0;
		} else if (depth == 0 && p > it->args && n == 2 && strncasecmp(p, "to", 2) == 0)
			return 0;
	}
	return 0;
}

int copy_meta(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e)
{
	const char *p = it->args, *end = it->args + it->args_len, *tofrom = NULL, *target;
	size_t n, depth = 0;
	char file[PATH_MAX];
	char *sql;
	int from, rc;
	struct sqlscan_item stmt = *it;
	/* COPY's own text up to FROM / TO, then the target, then the options */
	for (p = skip_space(p, end); (n = copy_token(p, end)) > 0; p = skip_space(p + n, end)) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && p > it->args &&
			 ((n == 4 && strncasecmp(p, "from", 4) == 0) ||
			  (n == 2 && strncasecmp(p, "to", 2) == 0))) {
			tofrom = p;
			break;
		}
	}
	if (!tofrom)
		return err_set(e, EXIT_SQL, "%s:%zu: \\copy: parse error at end of line", s->name,
			       it->line);
	from = n == 4;
	target = skip_space(tofrom + n, end);
	n = copy_token(target, end);
	if (!from && ((n == 6 && strncasecmp(target, "stdout", 6) == 0) ||
		      (n == 7 && strncasecmp(target, "pstdout", 7) == 0)))
		return copy_to_output(x, s, it, (size_t)(tofrom - it->args), target + n, e);
	if (!from)
		return err_set(e, EXIT_SQL, "%s:%zu: \\copy … TO writes a client file: not allowed in a "
					    "script run here",
			       s->name, it->line);
	if (n == 0)
		return err_set(e, EXIT_SQL, "%s:%zu: \\copy: parse error at end of line", s->name,
			       it->line);
	if ((n == 7 && strncasecmp(target, "program", 7) == 0))
		return err_set(e, EXIT_SQL, "%s:%zu: \\copy … FROM PROGRAM would run a shell: not "
					    "allowed in a script run here",
			       s->name, it->line);
	if (n == 6 && strncasecmp(target, "pstdin", 6) == 0)
		return err_set(e, EXIT_SQL, "%s:%zu: \\copy … FROM PSTDIN reads the tool's standard "
					    "input: not allowed here (use FROM STDIN with the data "
					    "in the script)",
			       s->name, it->line);
	sql = malloc(it->args_len + 32);
	if (!sql)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	snprintf(sql, it->args_len + 32, "COPY %.*s FROM STDIN %.*s", (int)(tofrom - it->args),
		 it->args, (int)(end - (target + n)), target + n);
	stmt.text = sql;
	stmt.len = strlen(sql);
	if (n == 5 && strncasecmp(target, "stdin", 5) == 0) {
		sqlscan_expect_copy_data(&s->sc);
		rc = copy_from_script(x, s, &stmt, e);
		free(sql);
		return rc;
	}
	if (*target == '\'') { /* strip_quotes */
		size_t w = 0;
		for (size_t i = 1; i + 1 < n && w + 1 < sizeof file; i++) {
			if (target[i] == '\'' && target[i + 1] == '\'')
				i++;
			file[w++] = target[i];
		}
		file[w] = '\0';
	} else {
		snprintf(file, sizeof file, "%.*s", (int)n, target);
	}
	rc = copy_from_file(x, s, &stmt, file, e);
	free(sql);
	return rc;
}

int copy_from_file(struct exec *x, struct source *s, const struct sqlscan_item *stmt,
		   const char *name, struct err *e)
{
	struct segment seg = {s->name, NULL, 0, stmt->len, stmt->line, stmt->col, 0};
	FILE *f = copy_open_client_file(x, s, stmt, name, e);
	int binary;
	if (!f)
		return -1;
	if (copy_start(x, stmt->text, &seg, &binary, e) < 0) {
		fclose(f);
		return -1;
	}
	if (stream_file(x, f, binary, e) < 0) {
		fclose(f);
		return copy_abort(x, s->name, &seg, "interrupted");
	}
	fclose(f);
	if (PQputCopyEnd(x->c, NULL) < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot end COPY: %s", PQerrorMessage(x->c));
	return copy_finish(x, s->name, &seg, 0, e);
}
