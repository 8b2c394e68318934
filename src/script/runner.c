/*
 * runner.c — see runner.h.  The statement loop (psql's mainloop.c): items
 * come from a source (source.h), statements are gathered into batches and
 * sent as one simple query each, COPY data goes to copy.c and
 * meta-commands to meta.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/runner.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/query.h"
#include "script/exec.h"
#include "script/source.h"
#include "sql/sqlclass.h"
#include "sql/sqlscan.h"
#include "util/array.h"

#define BATCH_BYTES (256 * 1024)
#define BATCH_STATEMENTS 1000

/* ---- scanning without executing ------------------------------------------ */

static int scan_source(struct source *s, const char *root, struct runner_scan *info, int depth,
		       struct err *e);

static int scan_include(struct source *from, const struct sqlscan_item *it, const char *root,
			struct runner_scan *info, int depth, struct err *e)
{
	char path[PATH_MAX * 2];
	struct source inc;
	int rc;
	if (depth >= INCLUDE_DEPTH_MAX)
		return err_set(e, EXIT_SQL, "%s:%zu: includes nested more than %d deep", from->name,
			       it->line, INCLUDE_DEPTH_MAX);
	if (meta_include_path(from, it, root, path, sizeof path, e) < 0)
		return -1;
	if (source_open_file(&inc, path, 0, e) < 0)
		return err_prefix(e, "%s:%zu", from->name, it->line);
	rc = scan_source(&inc, root, info, depth + 1, e);
	source_close(&inc, NULL);
	return rc;
}

static int scan_source(struct source *s, const char *root, struct runner_scan *info, int depth,
		       struct err *e)
{
	struct sqlscan_item it;
	size_t line;
	for (;;) {
		enum sqlscan_result r = source_next(s, &it, e);
		if (r == SQLSCAN_ERROR)
			return -1;
		if (r == SQLSCAN_EOF)
			break;
		if (r == SQLSCAN_STATEMENT && !info->autocommit) {
			const char *what;
			unsigned flags = sqlclass_statement(it.text, it.len, &what);
			if (flags & (SQLCLASS_TRANSACTION_CONTROL | SQLCLASS_NO_TRANSACTION_BLOCK)) {
				info->autocommit = 1;
				snprintf(info->reason, sizeof info->reason, "%s at %s:%zu", what, s->name,
					 it.line);
			}
		} else if (r == SQLSCAN_META && meta_is_include(&it)) {
			if (scan_include(s, &it, root, info, depth, e) < 0)
				return -1;
		}
	}
	if (!info->autocommit && source_no_transaction_directive(s, &line)) {
		info->autocommit = 1;
		snprintf(info->reason, sizeof info->reason, "-- migrate:no-transaction at %s:%zu",
			 s->name, line);
	}
	return 0;
}

int runner_scan_file(const char *path, const char *root, struct runner_scan *info, struct err *e)
{
	struct source s;
	int rc;
	memset(info, 0, sizeof *info);
	if (source_open_file(&s, path, 0, e) < 0)
		return -1;
	rc = scan_source(&s, root, info, 0, e);
	source_close(&s, NULL);
	return rc;
}

int runner_scan_buffer(const char *name, const char *buf, size_t len, size_t first_line,
		       const char *root, struct runner_scan *info, struct err *e)
{
	struct source s;
	memset(info, 0, sizeof *info);
	source_open_buffer(&s, name, buf, len, first_line);
	return scan_source(&s, root, info, 0, e);
}

/* ---- execution ----------------------------------------------------------- */

/* Character count (UTF-8 sequences as one) of s[0..n). */
static long utf8_chars(const char *s, size_t n)
{
	long count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

int exec_statement_error(const PGresult *r, const char *file, const char *text,
			 const struct segment *seg, struct err *e)
{
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	size_t line = seg->line, col = seg->col;
	if (pos) {
		long p = atol(pos) - utf8_chars(text, seg->off);
		size_t l, c;
		if (sqlscan_map_position(text + seg->off, seg->len, seg->line, seg->col, p, PGENC_UTF8, &l, &c) == 0) {
			line = l;
			col = c;
		}
	}
	db_result_error(r, e);
	return err_prefix(e, "%s:%zu:%zu", file, line, col);
}

void exec_progress(struct exec *x, const struct source *s, uint64_t upto)
{
	if (x->o->progress && x->depth == 0)
		x->o->progress(x->o->progress_ctx, upto, s->total);
}

static int batch_add(struct exec *x, const char *file, const struct sqlscan_item *it, struct err *e)
{
	if (x->blen + it->len + 2 > x->bcap) {
		size_t cap = (x->bcap ? x->bcap * 2 : BATCH_BYTES * 2) + it->len;
		char *p = realloc(x->batch, cap);
		if (!p)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		x->batch = p;
		x->bcap = cap;
	}
	if (array_reserve(&x->segs, &x->segcap, x->nseg + 1, sizeof *x->segs) < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	x->segs[x->nseg++] = (struct segment){x->blen, it->len, it->line, it->col};
	memcpy(x->batch + x->blen, it->text, it->len);
	x->blen += it->len;
	x->batch[x->blen++] = '\n';
	x->batch[x->blen] = '\0';
	x->batch_file = file;
	return 0;
}

int exec_flush(struct exec *x, struct err *e)
{
	struct db_results r;
	int rc = 0;

	if (x->nseg == 0)
		return 0;
	if (!PQsendQuery(x->c, x->batch))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
			       PQerrorMessage(x->c));
	if (db_collect(x->c, 0, &r, e) < 0)
		return -1;
	if (r.failed) {
		/* The statements before the failing one completed. */
		size_t at = r.completed < x->nseg ? r.completed : x->nseg - 1;
		rc = exec_statement_error(r.failed, x->batch_file, x->batch, &x->segs[at], e);
		PQclear(r.failed);
	}
	x->st->statements += r.completed;
	x->st->batches++;
	x->nseg = 0;
	x->blen = 0;
	return rc;
}

/* In autocommit mode: does this transaction-control statement open an
 * explicit block (BEGIN, START TRANSACTION) or end one? */
static int opens_block(const struct sqlscan_item *it)
{
	char word[8] = "";
	size_t i = 0;
	const char *t = it->text;
	while (i < it->len && i < 7 && t[i] != ' ' && t[i] != ';' && t[i] != '\n')
		word[i] = (char)(t[i] | 0x20), i++;
	word[i] = '\0';
	return strcmp(word, "begin") == 0 || strcmp(word, "start") == 0;
}

static int run_statement(struct exec *x, struct source *s, const struct sqlscan_item *it,
			 struct err *e)
{
	unsigned flags;
	if (!x->o->autocommit && x->o->detect_autocommit) {
		const char *what;
		flags = sqlclass_statement(it->text, it->len, &what);
		if (flags & (SQLCLASS_TRANSACTION_CONTROL | SQLCLASS_NO_TRANSACTION_BLOCK)) {
			snprintf(x->st->autocommit_reason, sizeof x->st->autocommit_reason, "%s at %s:%zu",
				 what, s->name, it->line);
			return RUNNER_NEEDS_AUTOCOMMIT;
		}
	}
	if (it->copy_from_stdin) {
		if (exec_flush(x, e) < 0)
			return -1;
		return copy_from_script(x, s, it, e);
	}
	if (x->nseg > 0 && x->batch_file != s->name && exec_flush(x, e) < 0)
		return -1;
	if (batch_add(x, s->name, it, e) < 0)
		return -1;
	if (x->o->autocommit) {
		flags = sqlclass_statement(it->text, it->len, NULL);
		if (flags & SQLCLASS_TRANSACTION_CONTROL)
			x->in_block = opens_block(it);
		if (!x->in_block)
			return exec_flush(x, e);
	}
	if (x->blen >= BATCH_BYTES || x->nseg >= BATCH_STATEMENTS)
		return exec_flush(x, e);
	return 0;
}

/* The directive, seen by the scanner so far, in a transactional run. */
static int directive_seen(struct exec *x, struct source *s)
{
	size_t line;
	if (x->o->autocommit || !x->o->detect_autocommit ||
	    !source_no_transaction_directive(s, &line))
		return 0;
	snprintf(x->st->autocommit_reason, sizeof x->st->autocommit_reason,
		 "-- migrate:no-transaction at %s:%zu", s->name, line);
	return 1;
}

int exec_source(struct exec *x, struct source *s, struct err *e)
{
	struct sqlscan_item it;
	for (;;) {
		enum sqlscan_result r = source_next(s, &it, e);
		int rc = 0;
		if (r == SQLSCAN_ERROR)
			return -1;
		if (directive_seen(x, s))
			return RUNNER_NEEDS_AUTOCOMMIT;
		if (r == SQLSCAN_EOF)
			return exec_flush(x, e);
		if (r == SQLSCAN_STATEMENT)
			rc = run_statement(x, s, &it, e);
		else if (r == SQLSCAN_META)
			rc = meta_run(x, s, &it, e);
		else /* stray COPY data cannot happen: copy_from_script consumes it */
			rc = err_set(e, EXIT_SQL, "%s:%zu: unexpected COPY data", s->name, it.line);
		if (rc != 0)
			return rc;
		exec_progress(x, s, s->consumed + it.off + it.len);
	}
}

static int run(PGconn *c, struct source *s, const struct runner_opts *o, struct runner_stats *st,
	       struct err *e)
{
	struct exec x = {.c = c, .o = o, .st = st};
	int rc;
	PQsetnonblocking(c, 1);
	rc = exec_source(&x, s, e);
	if (rc == 0 && x.restricted)
		rc = err_set(e, EXIT_SQL, "%s: \\restrict without \\unrestrict", s->name);
	free(x.batch);
	free(x.segs);
	return rc;
}

int runner_run_file(PGconn *c, const char *path, const struct runner_opts *o,
		    struct runner_stats *st, struct err *e)
{
	struct source s;
	int rc;
	if (source_open_file(&s, path, o->sha256 != NULL, e) < 0)
		return -1;
	rc = run(c, &s, o, st, e);
	source_close(&s, rc == 0 ? o->sha256 : NULL);
	return rc;
}

int runner_run_buffer(PGconn *c, const char *name, const char *buf, size_t len,
		      size_t first_line, const struct runner_opts *o, struct runner_stats *st,
		      struct err *e)
{
	struct source s;
	source_open_buffer(&s, name, buf, len, first_line);
	return run(c, &s, o, st, e);
}
