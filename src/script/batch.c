/*
 * batch.c — the fast path of a transactional script: many statements in
 * one simple-query message.
 *
 * The extended protocol of the pipeline costs the server about 1.7 times
 * as much per small statement as a multi-statement simple query does
 * (measured with pgbench on single-row INSERTs), so large transactional
 * scripts (pg_dump --inserts) go out in batches once their first pipeline
 * segment has filled up.  A batch differs from psql in one way only: the
 * server parses the whole message before it runs any of it.  The rest is
 * taken care of:
 *   - a statement that may change parsing (SET, set_config, …) ends its
 *     batch, so the next one is parsed with the new setting (runner.c);
 *   - a syntax error in a later statement makes the server reject the
 *     whole message, which may hide a runtime error of an earlier one
 *     (psql would report that one).  Nothing of the batch ran, so the
 *     runner rolls back to a savepoint taken after the previous batch and
 *     sends the statements up to the syntax error again through the
 *     pipeline, where each is parsed when its turn comes: the first error
 *     there is psql's.
 * The savepoint rides at the end of each batch ("RELEASE SAVEPOINT x;
 * SAVEPOINT x"), so it costs no round trip; after anything that ran
 * outside a batch (COPY, a large statement, a meta-command's query) a new
 * one is set before the next batch.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/query.h"
#include "script/exec.h"
#include "sql/pgenc.h"
#include "util/array.h"

#define SAVEPOINT "migrate_runner"
/* after a batch that ran: the savepoint moves to its end */
#define SUFFIX_NEXT "\n;RELEASE SAVEPOINT " SAVEPOINT ";SAVEPOINT " SAVEPOINT ";"
#define SUFFIX_LAST "\n;RELEASE SAVEPOINT " SAVEPOINT ";"

int batch_add(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e)
{
	size_t need = x->blen + it->len + 1 + sizeof SUFFIX_NEXT;
	if (need > x->bcap) {
		size_t cap = (x->bcap ? x->bcap * 2 : BATCH_BYTES * 2) + need;
		char *p = realloc(x->batch, cap);
		if (!p)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		x->batch = p;
		x->bcap = cap;
	}
	if (array_reserve(&x->segs, &x->segcap, x->nseg + 1, sizeof *x->segs) < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	x->segs[x->nseg++] = (struct segment){s->name, NULL, x->blen, it->len, it->line, it->col, 0};
	memcpy(x->batch + x->blen, it->text, it->len);
	x->blen += it->len;
	x->batch[x->blen++] = '\n';
	x->batch[x->blen] = '\0';
	return 0;
}

/* The characters (of the client encoding) in s[0..n). */
static long chars(enum pgenc enc, const char *s, size_t n)
{
	long count = 0;
	for (size_t i = 0; i < n; count++)
		i += pgenc_mblen(enc, (const unsigned char *)s + i, n - i);
	return count;
}

/* Which statement of the batch the server's error position (characters
 * from the start of the message) falls in; -1 without a position. */
static long segment_at(const struct exec *x, const PGresult *r)
{
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	long p, at = -1;
	if (!pos)
		return -1;
	p = atol(pos);
	for (size_t i = 0; i < x->nseg; i++) {
		if (chars(x->enc, x->batch, x->segs[i].off) < p)
			at = (long)i;
		else
			break;
	}
	return at;
}

/* The error of statement seg of the batch: the position is made relative
 * to the statement before it is mapped into the file. */
static int batch_error(struct exec *x, const PGresult *r, const struct segment *seg, struct err *e)
{
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	size_t line = seg->line, col = seg->col;
	if (pos) {
		size_t l, c;
		long p = atol(pos) - chars(x->enc, x->batch, seg->off);
		if (sqlscan_map_position(x->batch + seg->off, seg->len, seg->line, seg->col, p, x->enc,
					 &l, &c) == 0) {
			line = l;
			col = c;
		}
	}
	db_result_error(r, e);
	return err_prefix(e, "%s:%zu:%zu", seg->file, line, col);
}

/* The server rejected the whole batch for a syntax error in statement k:
 * back to the savepoint, then statements 0..k through the pipeline, each
 * parsed in its turn; the first error there is the one psql reports. */
static int replay(struct exec *x, size_t k, struct err *e)
{
	struct db_results r = {0};
	int rc = 0;
	if (db_exec(x->c, "ROLLBACK TO SAVEPOINT " SAVEPOINT, NULL, e) < 0)
		return -1;
	if (!PQenterPipelineMode(x->c))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot enter pipeline mode: %s",
			       PQerrorMessage(x->c));
	for (size_t i = 0; i <= k && rc == 0; i++) {
		char *sql = strndup(x->batch + x->segs[i].off, x->segs[i].len);
		if (!sql)
			rc = err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		else if (!PQsendQueryParams(x->c, sql, 0, NULL, NULL, NULL, NULL, 0))
			rc = err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
				     PQerrorMessage(x->c));
		free(sql);
	}
	if (rc == 0 && !PQpipelineSync(x->c))
		rc = err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
			     PQerrorMessage(x->c));
	if (rc == 0 && db_pipeline_collect(x->c, &r, e) < 0)
		rc = -1;
	if (rc == 0) {
		const struct segment *seg = &x->segs[r.completed <= k ? r.completed : k];
		if (r.failed) {
			/* sent alone, its error position counts from its own start */
			rc = exec_statement_error(x, r.failed, x->batch + seg->off, seg, e);
			PQclear(r.failed);
		} else {
			rc = err_set(e, EXIT_SQL, "%s:%zu:%zu: the server rejected the statements it "
						  "was sent together with this one",
				     seg->file, seg->line, seg->col);
		}
	}
	PQexitPipelineMode(x->c);
	return rc;
}

int batch_flush(struct exec *x, int last, struct err *e)
{
	struct db_results r;
	int rc = 0;

	if (x->nseg == 0) {
		if (last && x->savepoint) {
			rc = db_exec(x->c, "RELEASE SAVEPOINT " SAVEPOINT, NULL, e);
			x->savepoint = x->savepoint_fresh = 0;
		}
		return rc;
	}
	if (!x->savepoint_fresh &&
	    db_exec(x->c, x->savepoint ? "RELEASE SAVEPOINT " SAVEPOINT "; SAVEPOINT " SAVEPOINT
				       : "SAVEPOINT " SAVEPOINT,
		    NULL, e) < 0)
		return -1;
	x->savepoint = 1;
	memcpy(x->batch + x->blen, last ? SUFFIX_LAST : SUFFIX_NEXT,
	       last ? sizeof SUFFIX_LAST : sizeof SUFFIX_NEXT);
	if (!PQsendQuery(x->c, x->batch))
		rc = err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
			     PQerrorMessage(x->c));
	else if (db_collect(x->c, 0, &r, e) < 0) {
		if (e->code == EXIT_FAILURE_GENERIC && r.completed < x->nseg)
			err_prefix(e, "%s:%zu:%zu", x->segs[r.completed].file, x->segs[r.completed].line,
				   x->segs[r.completed].col);
		rc = -1;
	} else {
		if (r.failed) {
			long k = r.completed == 0 ? segment_at(x, r.failed) : -1;
			if (k > 0)
				rc = replay(x, (size_t)k, e);
			else
				rc = batch_error(x, r.failed, &x->segs[r.completed < x->nseg ? r.completed
											   : x->nseg - 1],
						 e);
			PQclear(r.failed);
		}
		x->st->statements += r.completed < x->nseg ? r.completed : x->nseg;
		x->st->batches++;
		if (rc == 0 && x->vars && r.row_count[0])
			lang_query_variables(x, r.row_count);
	}
	x->nseg = 0;
	x->blen = 0;
	x->savepoint_fresh = !last && rc == 0;
	if (last)
		x->savepoint = 0;
	return rc;
}
