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
#include "script/vars.h"
#include "sql/pgenc.h"
#include "sql/sqlclass.h"
#include "sql/sqlscan.h"


/* The server settings the lexer follows, as the session reports them. */
static void read_settings(PGconn *c, int *std_strings, enum pgenc *enc)
{
	const char *scs = PQparameterStatus(c, "standard_conforming_strings");
	const char *name = PQparameterStatus(c, "client_encoding");
	*std_strings = !scs || strcmp(scs, "off") != 0;
	if (!name || !pgenc_from_name(name, enc))
		*enc = PGENC_UTF8;
}

/* ---- scanning without executing ------------------------------------------ */

/* What the scan knows of the settings the lexer follows: it reads them
 * from the statements' text (SET, RESET, set_config with literals), as the
 * execution will read them back from the server. */
struct scan_state {
	const char *root;
	PGconn *conn; /* to check \connect's target; may be NULL */
	struct runner_scan *info;
	int std_strings, std_default, std_session;
	enum pgenc enc, enc_default, enc_session;
	int local; /* a SET LOCAL is in force until the transaction ends */
	struct vars *vars; /* psql's variables as \set leaves them (NULL: plain SQL) */
};

/* Variables in the scan: the values from outside and what \set sets, in
 * every branch (which \if branch runs is known only when it runs). */
static char *scan_resolve(void *ctx, const struct source *s, const struct sqlscan_item *ref,
			  size_t *len)
{
	struct scan_state *st = ctx;
	char *v = lang_value(st->vars, NULL, ref->name, ref->name_len, ref->var);
	(void)s;
	if (v)
		*len = strlen(v);
	return v;
}

/* \set and \unset as the run will do them (an invalid one is reported by
 * the run, when it gets there). */
static void scan_set(struct scan_state *st, const struct source *s, const struct sqlscan_item *it)
{
	char *name, *value;
	if (lang_set_args(st->vars, NULL, s, it, &name, &value, &(struct err){0}) != 1)
		return;
	vars_set(st->vars, name, value, false);
	free(name);
	free(value);
}

static void note_reason(struct runner_scan *info, const char *what, const char *file, size_t line)
{
	if (info->autocommit)
		return;
	info->autocommit = 1;
	snprintf(info->reason, sizeof info->reason, "%s at %s:%zu", what, file, line);
}

static void scan_setting(struct scan_state *st, const struct sqlscan_item *it, unsigned flags)
{
	struct sqlclass_setting set;
	if ((flags & SQLCLASS_BLOCK_END) && st->local) {
		st->std_strings = st->std_session; /* what SET LOCAL set ends */
		st->enc = st->enc_session;
		st->local = 0;
	}
	if (!(flags & SQLCLASS_SETTING) || !sqlclass_setting(it->text, it->len, &set))
		return;
	if (!set.local && !st->local) {
		st->std_session = st->std_strings;
		st->enc_session = st->enc;
	}
	if (set.std_strings >= 0)
		st->std_strings = set.std_strings == 2 ? st->std_default : set.std_strings;
	if (set.encoding[0] && strcmp(set.encoding, "DEFAULT") == 0)
		st->enc = st->enc_default;
	else if (set.encoding[0])
		pgenc_from_name(set.encoding, &st->enc);
	if (set.local)
		st->local = 1;
	else {
		st->std_session = st->std_strings;
		st->enc_session = st->enc;
	}
}

static int scan_source(struct scan_state *st, struct source *s, int depth, struct err *e);

static int scan_include(struct scan_state *st, struct source *from, const struct sqlscan_item *it,
			int depth, struct err *e)
{
	char path[PATH_MAX * 2];
	struct source inc;
	int rc;
	if (depth >= INCLUDE_DEPTH_MAX)
		return err_set(e, EXIT_SQL, "%s:%zu: includes nested more than %d deep", from->name,
			       it->line, INCLUDE_DEPTH_MAX);
	if (meta_include_path(from, it, st->root, path, sizeof path, e) < 0)
		return -1;
	if (source_open_file(&inc, path, 0, e) < 0)
		return err_prefix(e, "%s:%zu", from->name, it->line);
	if (st->vars)
		source_set_variables(&inc, scan_resolve, st);
	rc = scan_source(st, &inc, depth + 1, e);
	source_close(&inc, NULL);
	return rc;
}

static int scan_meta(struct scan_state *st, struct source *s, const struct sqlscan_item *it,
		     int depth, struct err *e)
{
	if (st->vars && ((it->name_len == 3 && memcmp(it->name, "set", 3) == 0) ||
			 (it->name_len == 5 && memcmp(it->name, "unset", 5) == 0)))
		scan_set(st, s, it);
	if (st->vars && it->name_len == 5 && memcmp(it->name, "gexec", 5) == 0)
		note_reason(st->info, "\\gexec (statements from a query's result)", s->name,
			    it->line);
	if (st->vars && copy_meta_stdin(it))
		sqlscan_expect_copy_data(&s->sc);
	if (meta_is_include(it))
		return scan_include(st, s, it, depth, e);
	if (meta_is_connect(it)) {
		if (st->conn && meta_connect_check(st->conn, s, it, st->vars != NULL, e) < 0)
			return -1;
		note_reason(st->info, "\\connect (a new session)", s->name, it->line);
	}
	else if (meta_encoding_arg(it, &st->enc))
		st->enc_session = st->enc;
	return 0;
}

static int scan_source(struct scan_state *st, struct source *s, int depth, struct err *e)
{
	struct sqlscan_item it;
	size_t line;
	for (;;) {
		enum sqlscan_result r;
		sqlscan_set_standard_strings(&s->sc, st->std_strings);
		sqlscan_set_encoding(&s->sc, st->enc);
		r = source_next(s, &it, e);
		if (r == SQLSCAN_ERROR)
			return -1;
		if (source_no_transaction_directive(s, &line)) /* the first reason is named */
			note_reason(st->info, "-- migrate:no-transaction", s->name, line);
		if (r == SQLSCAN_EOF)
			break;
		if (r == SQLSCAN_STATEMENT) {
			const char *what;
			st->info->statements++;
			unsigned flags = sqlclass_statement(it.text, it.len, &what);
			if (flags & (SQLCLASS_TRANSACTION_CONTROL | SQLCLASS_NO_TRANSACTION_BLOCK))
				note_reason(st->info, what, s->name, it.line);
			scan_setting(st, &it, flags);
		} else if (r == SQLSCAN_META && scan_meta(st, s, &it, depth, e) < 0) {
			return -1;
		}
	}
	return 0;
}

static int scan(struct source *s, const char *root, PGconn *c, const struct vars *vars,
		struct runner_scan *info, struct err *e)
{
	struct scan_state st = {.root = root, .conn = c, .info = info, .std_strings = 1};
	struct vars copy;
	int rc;
	memset(info, 0, sizeof *info);
	if (c)
		read_settings(c, &st.std_strings, &st.enc);
	st.std_default = st.std_session = st.std_strings;
	st.enc_default = st.enc_session = st.enc;
	if (vars) {
		if (vars_copy(&copy, vars) < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		st.vars = &copy;
		source_set_variables(s, scan_resolve, &st);
	}
	rc = scan_source(&st, s, 0, e);
	if (vars)
		vars_release(&copy);
	return rc;
}

int runner_scan_file(const char *path, const char *root, PGconn *c, const struct vars *vars,
		     struct runner_scan *info, struct err *e)
{
	struct source s;
	int rc;
	if (source_open_file(&s, path, 0, e) < 0)
		return -1;
	rc = scan(&s, root, c, vars, info, e);
	source_close(&s, NULL);
	return rc;
}

int runner_scan_buffer(const char *name, const char *buf, size_t len, size_t first_line,
		       const char *root, PGconn *c, struct runner_scan *info, struct err *e)
{
	struct source s;
	int rc;
	source_open_buffer(&s, name, buf, len, first_line);
	rc = scan(&s, root, c, NULL, info, e);
	source_close(&s, NULL);
	return rc;
}

/* ---- execution ----------------------------------------------------------- */

void exec_read_settings(struct exec *x)
{
	read_settings(x->c, &x->std_strings, &x->enc);
}

int exec_statement_error(const struct exec *x, const PGresult *r, const char *text,
			 const struct segment *seg, struct err *e)
{
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	size_t line = seg->line, col = seg->col;
	if (pos) {
		size_t l, c;
		if (sqlscan_map_position(text, seg->len, seg->line, seg->col, atol(pos), x->enc, &l,
					 &c) == 0) {
			line = l;
			col = c;
		}
	}
	db_result_error(r, e);
	return err_prefix(e, "%s:%zu:%zu", seg->file, line, col);
}

void exec_progress(struct exec *x, const struct source *s, uint64_t upto)
{
	if (x->o->progress && x->depth == 0)
		x->o->progress(x->o->progress_ctx, upto, s->total);
}

int exec_flush(struct exec *x, struct err *e)
{
	int rc = x->in_pipeline ? pipeline_flush(x, e) : batch_flush(x, 0, e);
	exec_read_settings(x);
	return rc;
}

int exec_query(struct exec *x, const char *sql, const struct segment *seg,
	       const struct exec_params *params, PGresult **last, struct err *e)
{
	struct db_results r;
	int sent;
	if (last)
		*last = NULL;
	x->savepoint_fresh = 0;
	sent = params ? PQsendQueryParams(x->c, sql, params->n, params->types, params->values,
					  params->lengths, params->formats, 0)
		      : PQsendQuery(x->c, sql);
	if (!sent)
		return err_set(e, EXIT_FAILURE_GENERIC, "%s:%zu:%zu: cannot send to the server: %s",
			       seg->file, seg->line, seg->col, PQerrorMessage(x->c));
	if (db_collect(x->c, last != NULL, &r, e) < 0)
		return err_prefix(e, "%s:%zu:%zu", seg->file, seg->line, seg->col);
	if (r.failed) {
		exec_statement_error(x, r.failed, sql, seg, e);
		PQclear(r.failed);
		PQclear(r.last);
		return -1;
	}
	x->st->statements += r.completed;
	x->st->batches++;
	if (x->vars)
		lang_query_variables(x, r.row_count);
	if (last)
		*last = r.last;
	exec_read_settings(x);
	return 0;
}

/* A COPY other than FROM STDIN (TO STDOUT, from a server file), or a
 * statement holding psql's \; (several in one query string), runs alone,
 * outside the pipeline, in the simple protocol as psql sends it. */
static int run_alone(struct exec *x, struct source *s, const struct sqlscan_item *it,
		     struct err *e)
{
	struct segment seg = {s->name, NULL, 0, it->len, it->line, it->col, 0};
	char *sql = malloc(it->len + 1);
	int rc;
	if (!sql)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	memcpy(sql, it->text, it->len);
	sql[it->len] = '\0';
	rc = exec_query(x, sql, &seg, NULL, NULL, e);
	free(sql);
	return rc;
}

/* Autocommit mode outside an explicit block: each statement is its own
 * transaction, as under psql -f.  An ordinary statement goes in the
 * pipeline as BEGIN; statement; COMMIT, so many of them share a round trip
 * and yet an error stops everything after it (the server skips the rest of
 * the segment; the aborted block is rolled back).  A statement that would
 * behave differently inside a block (transaction control, what cannot run
 * in one, CALL, DO, LOCK, …) goes alone, as its own implicit transaction,
 * in a segment of its own. */
static int run_autocommit(struct exec *x, struct source *s, const struct sqlscan_item *it,
			  unsigned flags, struct err *e)
{
	if ((flags & (SQLCLASS_TRANSACTION_CONTROL | SQLCLASS_NO_TRANSACTION_BLOCK |
		      SQLCLASS_OWN_TRANSACTION)) ||
	    it->len >= BATCH_BYTES) { /* a large statement is sent without a copy, alone */
		if (exec_flush(x, e) < 0 || pipeline_send(x, s, it, e) < 0)
			return -1;
		if (flags & SQLCLASS_BLOCK_BEGIN) {
			x->in_block = 1; /* the block's statements join this segment */
			return 0;
		}
		return exec_flush(x, e);
	}
	if (pipeline_send_wrapper(x, "BEGIN", s, it, e) < 0 || pipeline_send(x, s, it, e) < 0 ||
	    pipeline_send_wrapper(x, "COMMIT", s, it, e) < 0)
		return -1;
	if ((flags & SQLCLASS_SETTING) || x->blen >= BATCH_BYTES || x->nseg >= BATCH_STATEMENTS)
		return exec_flush(x, e);
	return 0;
}

static int run_statement(struct exec *x, struct source *s, const struct sqlscan_item *it,
			 struct err *e)
{
	unsigned flags = sqlclass_statement(it->text, it->len, NULL);
	if (it->multi) { /* \; : one query string, as psql sends it (one implicit transaction) */
		if (exec_flush(x, e) < 0)
			return -1;
		return run_alone(x, s, it, e);
	}
	if (it->copy_from_stdin || (flags & SQLCLASS_COPY)) {
		if (exec_flush(x, e) < 0)
			return -1;
		x->savepoint_fresh = 0;
		if (it->copy_from_stdin)
			return copy_from_script(x, s, it, e);
		return run_alone(x, s, it, e);
	}
	if (x->o->autocommit && !x->in_block)
		return run_autocommit(x, s, it, flags, e);
	if (x->batch_mode && !x->o->autocommit) {
		if (it->len < BATCH_BYTES) {
			if (batch_add(x, s, it, e) < 0)
				return -1;
			if ((flags & SQLCLASS_SETTING) || x->blen >= BATCH_BYTES ||
			    x->nseg >= BATCH_STATEMENTS)
				return exec_flush(x, e);
			return 0;
		}
		if (exec_flush(x, e) < 0) /* a large one goes alone, without a copy */
			return -1;
	}
	if (pipeline_send(x, s, it, e) < 0)
		return -1;
	if (!x->o->autocommit && (x->blen >= BATCH_BYTES || x->nseg >= BATCH_STATEMENTS))
		x->batch_mode = 1; /* a large script: batches from now on */
	if (x->o->autocommit && (flags & SQLCLASS_BLOCK_END))
		x->in_block = 0; /* the block's end: its segment ends too */
	/* a statement that may change what the lexer follows is read back
	 * before lexing goes on */
	if (!x->in_block && x->o->autocommit)
		return exec_flush(x, e);
	if ((flags & SQLCLASS_SETTING) || x->blen >= BATCH_BYTES || x->nseg >= BATCH_STATEMENTS)
		return exec_flush(x, e);
	return 0;
}

/* The top-level script's end: the caller's epilogue goes out with its last
 * statements (after them, when they wait in a simple-query batch), and the
 * runner's savepoint is released. */
static int end_of_script(struct exec *x, const struct source *s, struct err *e)
{
	const char *const *p = x->o->autocommit ? NULL : x->o->epilogue;
	if (p && *p && !x->in_pipeline && x->nseg > 0 && batch_flush(x, 1, e) < 0)
		return -1;
	for (; p && *p; p++) {
		x->o->epilogue_rows[p - x->o->epilogue] = -1;
		if (pipeline_send_at(x, *p, s->name, x->o->epilogue_line, 1, SEGMENT_EPILOGUE, e) < 0)
			return -1;
	}
	if (exec_flush(x, e) < 0)
		return -1;
	return batch_flush(x, 1, e);
}

int exec_source(struct exec *x, struct source *s, struct err *e)
{
	struct sqlscan_item it;
	int base = x->ncond;
	if (x->vars)
		source_set_variables(s, lang_resolve, x);
	for (;;) {
		enum sqlscan_result r;
		int rc = 0;
		sqlscan_set_standard_strings(&s->sc, x->std_strings);
		sqlscan_set_encoding(&s->sc, x->enc);
		r = x->quit ? SQLSCAN_EOF : source_next(s, &it, e);
		if (r == SQLSCAN_ERROR)
			return -1;
		if (r == SQLSCAN_EOF) {
			if (x->vars && lang_end_of_file(x, base, s, e) < 0)
				return -1;
			if (x->depth > 0) /* the file's name, which its statements borrow, ends with it */
				return exec_flush(x, e);
			return end_of_script(x, s, e);
		}
		if (r == SQLSCAN_STATEMENT && x->vars && !lang_active(x))
			continue; /* a branch not taken */
		if (r == SQLSCAN_STATEMENT && it.ended_by_meta)
			lang_hold_query(x, s, &it);
		else if (r == SQLSCAN_STATEMENT) {
			if (x->vars)
				lang_remember(x, s, &it);
			rc = run_statement(x, s, &it, e);
		} else if (r == SQLSCAN_META)
			rc = meta_run(x, s, &it, e);
		else /* stray COPY data cannot happen: copy_from_script consumes it */
			rc = err_set(e, EXIT_SQL, "%s:%zu: unexpected COPY data", s->name, it.line);
		if (rc != 0)
			return rc;
		exec_progress(x, s, s->consumed + it.off + it.len);
	}
}

/* After an error: what was sent is synced and drained (so the connection
 * is usable), and in autocommit mode a transaction block the script left
 * open is rolled back, as the end of psql's session would. */
static void run_cleanup(struct exec *x)
{
	struct err ignored = {0};
	if (x->in_pipeline) {
		struct db_results r = {0};
		if (x->nseg > 0 && PQpipelineSync(x->c) && db_pipeline_collect(x->c, &r, &ignored) == 0)
			PQclear(r.failed);
		PQexitPipelineMode(x->c);
		x->in_pipeline = 0;
	}
	if (x->o->autocommit && PQstatus(x->c) == CONNECTION_OK &&
	    PQtransactionStatus(x->c) != PQTRANS_IDLE)
		db_exec(x->c, "ROLLBACK", NULL, &ignored);
}

/* The prologue (runner_opts), first in the first pipeline segment. */
static int send_prologue(struct exec *x, const struct source *s, size_t first_line, struct err *e)
{
	struct sqlscan_item at = {.line = first_line, .col = 1};
	for (const char *const *p = x->o->carry; p && *p; p++)
		if (pipeline_send_at(x, *p, x->o->carry_file, x->o->carry_line, 1, SEGMENT_CARRY,
				     e) < 0)
			return -1;
	for (const char *const *p = x->o->prologue; p && *p; p++)
		if (pipeline_send_wrapper(x, *p, s, &at, e) < 0)
			return -1;
	return 0;
}

static int run(PGconn *c, struct source *s, size_t first_line, const struct runner_opts *o,
	       struct runner_stats *st, struct err *e)
{
	struct exec x = {.c = c, .tool = c, .o = o, .st = st};
	struct vars vars;
	int rc;
	PQsetnonblocking(c, 1);
	exec_read_settings(&x);
	if (o->vars) { /* each file starts from the values given, as each psql -f */
		if (vars_copy(&vars, o->vars) < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		x.vars = &vars;
		lang_session_variables(&x);
		lang_query_variables(&x, "0");
	}
	rc = o->autocommit ? 0 : send_prologue(&x, s, first_line, e);
	if (rc == 0)
		rc = exec_source(&x, s, e);
	if (rc == 0 && x.restricted)
		rc = err_set(e, EXIT_SQL, "%s: \\restrict without \\unrestrict", s->name);
	if (rc == 0 && o->autocommit && PQtransactionStatus(x.c) != PQTRANS_IDLE)
		rc = err_set(e, EXIT_SQL, "%s: the script ended inside a transaction block it opened",
			     s->name);
	if (rc != 0)
		run_cleanup(&x);
	if (x.own)
		PQfinish(x.own);
	free(x.batch);
	free(x.segs);
	free(x.gquery);
	free(x.prev);
	if (x.vars)
		vars_release(x.vars);
	return rc;
}

int runner_run_file(PGconn *c, const char *path, const struct runner_opts *o,
		    struct runner_stats *st, struct err *e)
{
	struct source s;
	int rc;
	if (source_open_file(&s, path, o->sha256 != NULL, e) < 0)
		return -1;
	rc = run(c, &s, 1, o, st, e);
	source_close(&s, rc == 0 ? o->sha256 : NULL);
	return rc;
}

int runner_run_buffer(PGconn *c, const char *name, const char *buf, size_t len,
		      size_t first_line, const struct runner_opts *o, struct runner_stats *st,
		      struct err *e)
{
	struct source s;
	source_open_buffer(&s, name, buf, len, first_line);
	return run(c, &s, first_line, o, st, e);
}
