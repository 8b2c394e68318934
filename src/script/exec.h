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

#include "script/runner.h"
#include "script/source.h"
#include "sql/sqlscan.h"
#include "util/err.h"

/* Where a statement sits: in the text sent, and in its file. */
struct segment {
	size_t off, len;  /* in the text sent */
	size_t line, col; /* in the file */
};

struct exec {
	PGconn *c;
	const struct runner_opts *o;
	struct runner_stats *st;
	char *batch;       /* statements not sent yet, each followed by '\n' */
	size_t blen, bcap;
	struct segment *segs;
	size_t nseg, segcap;
	const char *batch_file;
	int in_block;      /* inside an explicit BEGIN … COMMIT (autocommit mode) */
	int restricted;    /* after \restrict KEY: SQL runs, meta-commands other
			    * than \unrestrict KEY are refused (psql 15.14+) */
	char restrict_key[1024];
	int depth;         /* \i nesting */
};

#define INCLUDE_DEPTH_MAX 16

/* runner.c: the statement loop. */

/* Run every item of s (an included file too). */
int exec_source(struct exec *x, struct source *s, struct err *e);

/* Send the pending batch and check every statement's result. */
int exec_flush(struct exec *x, struct err *e);

/* Report an error result for the statement seg of text (what was sent):
 * PostgreSQL's error position mapped back to file:line:col (or the
 * statement's start). */
int exec_statement_error(const PGresult *r, const char *file, const char *text,
			 const struct segment *seg, struct err *e);

/* Report progress through the top-level file. */
void exec_progress(struct exec *x, const struct source *s, uint64_t upto);

/* copy.c: COPY … FROM STDIN with its data from s (the statement stmt has
 * just been scanned; the batch is empty). */
int copy_from_script(struct exec *x, struct source *s, const struct sqlscan_item *stmt,
		     struct err *e);

/* meta.c: the meta-commands. */

/* Whether it is \i, \ir, \include or \include_relative. */
int meta_is_include(const struct sqlscan_item *it);

/* Resolve the file an include names, confined to root. */
int meta_include_path(const struct source *from, const struct sqlscan_item *it, const char *root,
		      char *out, size_t cap, struct err *e);

/* Execute the meta-command it (the batch is flushed first). */
int meta_run(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e);

#endif
