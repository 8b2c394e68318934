/*
 * exec.h — what the parts of the runner share while a script executes, as
 * psql splits mainloop.c (the statement loop), copy.c (COPY data) and
 * command.c (meta-commands): the connection, the pending batch, the
 * statistics.  Private to src/script; runner.h is the public API.
 */
#ifndef MIGRATE_EXEC_H
#define MIGRATE_EXEC_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#include "script/runner.h"
#include "script/source.h"
#include "sql/pgenc.h"
#include "sql/sqlscan.h"
#include "util/err.h"

/* A statement sent in the current pipeline segment: where it sits in its
 * file, and its text as sent (for mapping an error position). */
struct segment {
	const char *file; /* the source's name, borrowed */
	const char *text; /* NULL: the copy at x->batch + off */
	size_t off, len;
	size_t line, col; /* in the file */
	int wrapper;      /* BEGIN or COMMIT around the statement before or after it;
			   * SEGMENT_CARRY: runner_opts.carry, the first
			   * segments of the first flush; SEGMENT_EPILOGUE:
			   * runner_opts.epilogue, the last of the last */
};

#define SEGMENT_CARRY 2
#define SEGMENT_EPILOGUE 3

struct exec {
	PGconn *c;         /* where the script's statements go */
	PGconn *tool;      /* the caller's connection (its bookkeeping, its lock) */
	PGconn *own;       /* a session \connect opened; closed at the end */
	const struct runner_opts *o;
	struct runner_stats *st;
	/* the pipeline segment in flight: statements sent, results not read */
	int in_pipeline;
	char *batch;       /* copies of their texts, each NUL-terminated */
	size_t blen, bcap;
	struct segment *segs;
	size_t nseg, segcap;
	size_t failed_at;  /* after a flush: the segment that failed (nseg: none) */
	/* what the lexer follows, read back from the server */
	int std_strings;
	enum pgenc enc;
	int in_block;      /* inside an explicit BEGIN … COMMIT (autocommit mode) */
	/* transactional mode: statements go in simple-query batches (batch.c)
	 * once a pipeline segment has filled up */
	int batch_mode;
	int savepoint;       /* the runner's savepoint is set */
	int savepoint_fresh; /* … at the end of the last batch, nothing ran since */
	int restricted;    /* after \restrict KEY: SQL runs, meta-commands other
			    * than \unrestrict KEY are refused (psql 15.14+) */
	char restrict_key[1024];
	int depth;         /* \i nesting */
	/* psql's scripting language (lang.c); vars is NULL for plain SQL */
	struct vars *vars;
	int cond[64];      /* the \if stack (each file its own part of it) */
	size_t cond_line[64];
	int ncond;
	int quit;          /* \q: the script ends here */
	char *gquery;      /* the statement a \g-family command runs */
	char *prev;        /* the last statement sent: \g alone sends it again */
	size_t prev_cap;
	struct segment prev_seg;
	struct segment gseg;
};

#define INCLUDE_DEPTH_MAX 16

/* A pipeline segment or a batch ends after this many statements or bytes. */
#define BATCH_BYTES (256 * 1024)
#define BATCH_STATEMENTS 1000

/* runner.c: the statement loop. */

/* Run every item of s (an included file too). */
int exec_source(struct exec *x, struct source *s, struct err *e);

/* End the pipeline segment: sync, check every statement's result, leave
 * pipeline mode, and read back the settings the lexer follows. */
int exec_flush(struct exec *x, struct err *e);

/* Read standard_conforming_strings and client_encoding back from x->c. */
void exec_read_settings(struct exec *x);

/* Report an error result for the statement seg whose text (as sent) is
 * text: PostgreSQL's error position mapped back to file:line:col (or the
 * statement's start), characters counted in x's client encoding. */
int exec_statement_error(const struct exec *x, const PGresult *r, const char *text,
			 const struct segment *seg, struct err *e);

/* Parameters of a query, as PQsendQueryParams takes them. */
struct exec_params {
	int n;
	const Oid *types;
	const char *const *values;
	const int *lengths;
	const int *formats;
};

/* Run sql alone, outside the pipeline: a simple query as psql sends it (or,
 * with params, one statement with parameters).  On success it counts in the
 * statistics, sets psql's result variables (language on), the settings the
 * lexer follows are read back, and *last (when last is not NULL) is its
 * last result, for the caller to PQclear.  Errors name seg's place, an SQL
 * error mapped into it as exec_statement_error does. */
int exec_query(struct exec *x, const char *sql, const struct segment *seg,
	       const struct exec_params *params, PGresult **last, struct err *e);

/* Report progress through the top-level file. */
void exec_progress(struct exec *x, const struct source *s, uint64_t upto);

/* pipeline.c: statements in libpq's pipeline mode. */

/* Send the statement it in the current segment (entering pipeline mode).
 * A large one (BATCH_BYTES or more) is sent from the source's buffer
 * without a copy and its segment is flushed at once. */
int pipeline_send(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e);

/* Send BEGIN or COMMIT around the statement it (autocommit mode): its
 * failure is reported as the statement's (a deferred constraint's error at
 * COMMIT is the statement's under psql). */
int pipeline_send_wrapper(struct exec *x, const char *sql, const struct source *s,
			  const struct sqlscan_item *it, struct err *e);

/* Send sql (kept by the caller until the flush) in the current segment; its
 * failure is placed at file:line:col; wrapper as in struct segment. */
int pipeline_send_at(struct exec *x, const char *sql, const char *file, size_t line, size_t col,
		     int wrapper, struct err *e);

/* Sync, check every statement's result, leave pipeline mode; in
 * autocommit mode a block aborted by a failing statement is rolled back. */
int pipeline_flush(struct exec *x, struct err *e);

/* batch.c: simple-query batches in transactional mode. */

/* Add the statement it to the batch (x->batch, '\n' after each). */
int batch_add(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e);

/* Send the batch (last: the script's end, the savepoint is released) and
 * check every statement's result; a syntax error that hid an earlier
 * statement's runtime error is replayed to find that one. */
int batch_flush(struct exec *x, int last, struct err *e);

/* copy.c: COPY … FROM STDIN with its data from s (the statement stmt has
 * just been scanned; the batch is empty). */
int copy_from_script(struct exec *x, struct source *s, const struct sqlscan_item *stmt,
		     struct err *e);

/* lang.c: psql's scripting language. */

struct vars;

/* Whether the current \if branch is taken (no \if: yes). */
int lang_active(const struct exec *x);

/* The source's resolver for variable references (source.h). */
char *lang_resolve(void *ctx, const struct source *s, const struct sqlscan_item *ref,
		   size_t *len);

/* A variable's text for a reference of kind (malloc'd), NULL when not set;
 * quoting as libpq's PQescapeLiteral / PQescapeIdentifier on c (or, without
 * a session, as they would on a UTF-8 one). */
char *lang_value(const struct vars *vs, PGconn *c, const char *name, size_t len,
		 enum sqlscan_var kind);
char *lang_quote(PGconn *c, const char *v, enum sqlscan_var kind);

/* The name and value of \set NAME VALUE… (or \unset NAME: *value NULL) it,
 * with the variables of vs substituted (quoted on c, may be NULL): 1 with
 * both malloc'd, 0 for \set alone, -1 with e set (an invalid name). */
int lang_set_args(const struct vars *vs, PGconn *c, const struct source *s,
		  const struct sqlscan_item *it, char **name, char **value, struct err *e);

/* DBNAME, USER, HOST, PORT, ENCODING, SERVER_VERSION_NUM/NAME of x->c. */
void lang_session_variables(struct exec *x);

/* ERROR, SQLSTATE, ROW_COUNT after a query that succeeded. */
void lang_query_variables(struct exec *x, const char *row_count);

/* The statement it was sent: a \g-family command with nothing before it
 * sends it again, as psql sends its previous query buffer. */
void lang_remember(struct exec *x, const struct source *s, const struct sqlscan_item *it);

/* A statement a \g-family command ended: kept for that command. */
void lang_hold_query(struct exec *x, const struct source *s, const struct sqlscan_item *it);

/* The meta-commands of the language; *handled = 0 for the ones meta.c runs. */
int lang_meta(struct exec *x, struct source *s, const struct sqlscan_item *it, int *handled,
	      struct err *e);

/* At the end of a file: its \if blocks must be closed (base: the stack's
 * depth when the file began). */
int lang_end_of_file(struct exec *x, int base, const struct source *s, struct err *e);

/* \copy (psql's copy.c): … FROM STDIN with the data in the script, or
 * FROM 'file' (relative to the working directory, inside the scripts'
 * tree); TO, PROGRAM and PSTDIN are refused. */
int copy_meta(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e);

/* Open a client file a meta-command it reads (\copy, \lo_import):
 * relative to the working directory, as psql, and inside the scripts'
 * tree, as \i.  NULL with e set (EXIT_SQL naming file:line). */
FILE *copy_open_client_file(struct exec *x, const struct source *s, const struct sqlscan_item *it,
			    const char *name, struct err *e);

/* Whether it is \copy … FROM STDIN (its data follows in the script). */
int copy_meta_stdin(const struct sqlscan_item *it);

/* Run the COPY … FROM STDIN stmt with the data of the client file name. */
int copy_from_file(struct exec *x, struct source *s, const struct sqlscan_item *stmt,
		   const char *name, struct err *e);

/* meta.c: the meta-commands. */

/* \set of AUTOCOMMIT, ON_ERROR_STOP, ON_ERROR_ROLLBACK to anything but what
 * the runner does is an error; other names are fine. */
int meta_fixed_variable(const struct source *s, const struct sqlscan_item *it, const char *name,
			const char *value, int unset, struct err *e);

/* Whether the meta-command it is \name. */
int meta_is(const struct sqlscan_item *it, const char *name);

/* Whether it is \i, \ir, \include or \include_relative. */
int meta_is_include(const struct sqlscan_item *it);

/* Whether it is \connect (\c). */
int meta_is_connect(const struct sqlscan_item *it);

/* Whether \connect it is to a server (host, port) c is connected to, and,
 * unless other_db, to its database and user. */
int meta_connect_check(PGconn *c, const struct source *s, const struct sqlscan_item *it,
		       int other_db, struct err *e);

/* Whether it is \encoding with a known encoding (set in *enc). */
int meta_encoding_arg(const struct sqlscan_item *it, enum pgenc *enc);

/* Resolve the file an include names, confined to root. */
int meta_include_path(const struct source *from, const struct sqlscan_item *it, const char *root,
		      char *out, size_t cap, struct err *e);

/* Execute the meta-command it (the batch is flushed first). */
int meta_run(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e);

#endif
