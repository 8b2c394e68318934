/*
 * pipeline.c — statements in libpq's pipeline mode: the extended protocol,
 * one statement per Parse/Bind/Execute, many per round trip, one sync
 * point per segment.  The server parses each statement when its turn
 * comes, after the ones before it ran, and answers each separately; after
 * an error it skips the rest of the segment.  See runner.h for when a
 * segment ends and docs/reference.md §14.6 for why.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "db/lockwatch.h"
#include "db/query.h"
#include "script/exec.h"
#include "util/array.h"
#include "util/log.h"
#include "util/sig.h"

static const char *segment_text(const struct exec *x, const struct segment *seg)
{
	return seg->text ? seg->text : x->batch + seg->off;
}

/* Read the results of the segment in flight; an SQL error is set in e. */
static int collect(struct exec *x, struct err *e)
{
	struct db_results r = {0};
	int rc = 0;
	r.tuples_from = x->nseg;
	while (r.tuples_from > 0 && x->segs[r.tuples_from - 1].wrapper == SEGMENT_EPILOGUE)
		r.tuples_from--;
	if (r.tuples_from < x->nseg) {
		r.tuples = x->o->epilogue_rows;
		r.ntuples = x->nseg - r.tuples_from;
	}
	if (!PQpipelineSync(x->c))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
			       PQerrorMessage(x->c));
	if (db_pipeline_collect(x->c, &r, e) < 0) {
		/* a lost connection names the statement that did not complete */
		if (e->code == EXIT_FAILURE_GENERIC && r.completed < x->nseg)
			err_prefix(e, "%s:%zu:%zu", x->segs[r.completed].file, x->segs[r.completed].line,
				   x->segs[r.completed].col);
		x->failed_at = x->nseg;
		return -1;
	}
	if (r.failed) {
		/* the statements before the failing one completed */
		const struct segment *seg = &x->segs[r.completed < x->nseg ? r.completed : x->nseg - 1];
		rc = exec_statement_error(x, r.failed, segment_text(x, seg), seg, e);
		x->st->carry_failed = seg->wrapper == SEGMENT_CARRY;
		PQclear(r.failed);
	}
	x->failed_at = r.failed ? r.completed : x->nseg;
	for (size_t i = 0; i < r.completed && i < x->nseg; i++)
		x->st->statements += !x->segs[i].wrapper;
	x->st->batches++;
	if (rc == 0 && x->vars && r.row_count[0])
		lang_query_variables(x, r.row_count);
	return rc;
}

/* Autocommit mode: the statement at x->failed_at gave up waiting for a lock
 * inside its own BEGIN … COMMIT, so it had no effect.  When retries are
 * left, roll its block back, wait, and send it and the statements the
 * server skipped after it again (what completed before it is not sent
 * again).  1: sent again; 0: not to be retried (e unchanged, or set by a
 * signal during the wait). */
static int retry(struct exec *x, int attempt, struct err *e)
{
	size_t from = x->failed_at;
	if (!x->o->autocommit || x->in_block || attempt >= x->o->lock_retries ||
	    !lockwatch_retryable(e) || from == 0 || from >= x->nseg || !x->segs[from - 1].wrapper ||
	    x->segs[from].wrapper || sig_received())
		return 0;
	from--; /* its BEGIN */
	PQexitPipelineMode(x->c);
	x->in_pipeline = 0;
	if (PQtransactionStatus(x->c) == PQTRANS_INERROR)
		db_exec(x->c, "ROLLBACK", NULL, &(struct err){0});
	log_warn("%s; retry %d of %d", e->msg, attempt + 1, x->o->lock_retries);
	if (lockwatch_wait_retry(attempt + 1, e) < 0)
		return 0;
	if (!PQenterPipelineMode(x->c)) {
		err_set(e, EXIT_FAILURE_GENERIC, "cannot enter pipeline mode: %s", PQerrorMessage(x->c));
		return 0;
	}
	x->in_pipeline = 1;
	memmove(x->segs, x->segs + from, (x->nseg - from) * sizeof *x->segs);
	x->nseg -= from;
	for (size_t i = 0; i < x->nseg; i++) {
		const struct segment *seg = &x->segs[i];
		/* a large statement was sent from the source's buffer, which no
		 * longer ends where it does: a copy */
		char *copy = seg->text && !seg->wrapper ? strndup(seg->text, seg->len) : NULL;
		int ok = (copy || !seg->text || seg->wrapper) &&
			 PQsendQueryParams(x->c, copy ? copy : segment_text(x, seg), 0, NULL, NULL, NULL,
					   NULL, 0);
		free(copy);
		if (!ok) {
			err_set(e, EXIT_FAILURE_GENERIC, "%s:%zu:%zu: cannot send to the server: %s",
				seg->file, seg->line, seg->col, PQerrorMessage(x->c));
			return 0;
		}
	}
	return 1;
}

int pipeline_flush(struct exec *x, struct err *e)
{
	int rc = 0;

	x->savepoint_fresh = 0;
	for (int attempt = 0; x->nseg > 0; attempt++) {
		rc = collect(x, e);
		if (rc == 0 || !retry(x, attempt, e))
			break;
	}
	PQexitPipelineMode(x->c);
	x->in_pipeline = 0;
	x->nseg = 0;
	x->blen = 0;
	/* a statement that failed inside its BEGIN … COMMIT left the block
	 * aborted: roll it back, as its own transaction would have been */
	if (rc < 0 && x->o->autocommit && !x->in_block && PQstatus(x->c) == CONNECTION_OK &&
	    PQtransactionStatus(x->c) == PQTRANS_INERROR)
		db_exec(x->c, "ROLLBACK", NULL, &(struct err){0});
	return rc;
}

/* The statement it as a C string for libpq: in place in the source's
 * buffer when it is large (no copy: a statement of hundreds of megabytes
 * costs its own size once here and twice in libpq, its send buffer and
 * the copy of the query it keeps until the result), else copied into the
 * segment's text buffer, which an error position is mapped against. */
static int add_segment(struct exec *x, struct source *s, const struct sqlscan_item *it,
		       int *saved, const char **text, struct err *e)
{
	struct segment seg = {s->name, NULL, 0, it->len, it->line, it->col, 0};
	*saved = it->len >= BATCH_BYTES ? source_terminate(s, it) : -1;
	if (array_reserve(&x->segs, &x->segcap, x->nseg + 1, sizeof *x->segs) < 0)
		goto oom;
	if (*saved >= 0) {
		seg.text = it->text;
		*text = it->text;
	} else {
		if (x->blen + it->len + 1 > x->bcap) {
			size_t cap = (x->bcap ? x->bcap * 2 : BATCH_BYTES * 2) + it->len;
			char *p = realloc(x->batch, cap);
			if (!p)
				goto oom;
			x->batch = p;
			x->bcap = cap;
		}
		seg.off = x->blen;
		memcpy(x->batch + x->blen, it->text, it->len);
		x->blen += it->len;
		x->batch[x->blen++] = '\0';
		*text = x->batch + seg.off;
	}
	x->segs[x->nseg++] = seg;
	return 0;
oom:
	source_restore(s, it, *saved);
	return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
}

static int enter(struct exec *x, struct err *e)
{
	if (x->in_pipeline)
		return 0;
	if (!PQenterPipelineMode(x->c))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot enter pipeline mode: %s",
			       PQerrorMessage(x->c));
	x->in_pipeline = 1;
	return 0;
}

int pipeline_send(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e)
{
	const char *text = NULL;
	int saved, ok;
	if (enter(x, e) < 0 || add_segment(x, s, it, &saved, &text, e) < 0)
		return -1;
	ok = PQsendQueryParams(x->c, text, 0, NULL, NULL, NULL, NULL, 0);
	source_restore(s, it, saved);
	if (!ok)
		return err_set(e, EXIT_FAILURE_GENERIC, "%s:%zu:%zu: cannot send to the server: %s",
			       s->name, it->line, it->col, PQerrorMessage(x->c));
	/* a statement sent from the source's buffer is checked before the
	 * buffer moves on */
	return saved >= 0 ? exec_flush(x, e) : 0;
}

int pipeline_send_at(struct exec *x, const char *sql, const char *file, size_t line, size_t col,
		     int wrapper, struct err *e)
{
	if (enter(x, e) < 0)
		return -1;
	if (array_reserve(&x->segs, &x->segcap, x->nseg + 1, sizeof *x->segs) < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	if (!PQsendQueryParams(x->c, sql, 0, NULL, NULL, NULL, NULL, 0))
		return err_set(e, EXIT_FAILURE_GENERIC, "%s:%zu:%zu: cannot send to the server: %s",
			       file, line, col, PQerrorMessage(x->c));
	/* where it fails is the place given (its text is not needed: BEGIN,
	 * COMMIT and the caller's bookkeeping carry no position) */
	x->segs[x->nseg++] = (struct segment){file, sql, 0, 0, line, col, wrapper};
	return 0;
}

int pipeline_send_wrapper(struct exec *x, const char *sql, const struct source *s,
			  const struct sqlscan_item *it, struct err *e)
{
	return pipeline_send_at(x, sql, s->name, it->line, it->col, 1, e);
}
