/*
 * runner.h — execute psql scripts the way `psql -X -v ON_ERROR_STOP=1 -f`
 * does (docs/reference.md §9), on one connection.
 *
 * The script is streamed through sqlscan (memory stays flat however large
 * the file: only the largest single statement must fit), statements are
 * sent in batches (one multi-statement simple query for many statements,
 * not a round trip each), COPY … FROM STDIN data is streamed with
 * PQputCopyData, and the meta-commands that real scripts contain are
 * honoured: \set and \unset (ON_ERROR_STOP is always on), \i / \include and
 * \ir / \include_relative (confined to the scripts' tree), pg_dump's
 * \restrict KEY / \unrestrict KEY (as psql: SQL between them runs, other
 * meta-commands there are errors, the keys must match, and a \restrict
 * left open at the end of the script is an error here — a sign of a
 * truncated dump), \connect to the same database, \encoding, and
 * \echo / \qecho / \warn.  Any other meta-command is an error naming the
 * file and line.
 *
 * Transactions are the caller's: in transactional mode the caller has sent
 * BEGIN and everything is batched; in autocommit mode (a script with its
 * own transaction control or a statement that cannot run in a transaction
 * block) each statement is its own transaction as with `psql -f`, and only
 * statements inside an explicit BEGIN … COMMIT block are batched, so an
 * error stops at exactly the statement psql would stop at.
 *
 * Errors: EXIT_SQL, "file:line:col: message (SQLSTATE x); detail: …" with
 * PostgreSQL's hint as the hint; the position is PostgreSQL's error
 * position mapped back into the file (or the failing statement's start;
 * for COPY data, the data line).
 */
#ifndef MIGRATE_RUNNER_H
#define MIGRATE_RUNNER_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "util/digest.h"
#include "util/err.h"

typedef void (*runner_progress_fn)(void *ctx, uint64_t done, uint64_t total);

struct runner_opts {
	const char *root;     /* \i and \ir must stay inside this directory */
	int autocommit;       /* see above */
	runner_progress_fn progress; /* called as the top-level file is consumed; may be NULL */
	void *progress_ctx;
	/* runner_run_file only: when not NULL (DIGEST_HEX_LEN + 1 bytes), set on
	 * success to the SHA-256 of the top-level file's bytes as they were run.
	 * Taken while the server works, it costs no wall time. */
	char *sha256;
	/* Transactional mode only: stop at the first statement (or the
	 * `-- migrate:no-transaction` directive) that needs autocommit and
	 * return RUNNER_NEEDS_AUTOCOMMIT, the reason in runner_stats.  The
	 * caller, whose transaction holds everything run so far, rolls back and
	 * runs the script again in autocommit mode.  This spares a pre-flight
	 * read of every (large) script. */
	int detect_autocommit;
};

#define RUNNER_NEEDS_AUTOCOMMIT 1

struct runner_stats {
	uint64_t statements; /* statements executed */
	uint64_t batches;    /* round trips for statements */
	uint64_t copy_bytes; /* COPY data streamed */
	char autocommit_reason[256]; /* with RUNNER_NEEDS_AUTOCOMMIT */
};

/* What a script needs, found by scanning it without executing (following
 * its \i includes): whether it must run in autocommit mode and why. */
struct runner_scan {
	int autocommit;
	char reason[256]; /* "CREATE INDEX CONCURRENTLY at line 12", "-- migrate:no-transaction at line 1" */
};

/* Scan a file (pre-flight: syntax errors surface here, before anything
 * runs).  Lexical errors are EXIT_SQL naming file:line:col. */
int runner_scan_file(const char *path, const char *root, struct runner_scan *info, struct err *e);

/* Scan an in-memory script (a revision section).  first_line is the file
 * line of buf[0], name the file for messages. */
int runner_scan_buffer(const char *name, const char *buf, size_t len, size_t first_line,
		       const char *root, struct runner_scan *info, struct err *e);

/* Execute a file / an in-memory script on c.  0, -1 with e set, or
 * RUNNER_NEEDS_AUTOCOMMIT (see runner_opts.detect_autocommit). */
int runner_run_file(PGconn *c, const char *path, const struct runner_opts *o,
		    struct runner_stats *st, struct err *e);
int runner_run_buffer(PGconn *c, const char *name, const char *buf, size_t len,
		      size_t first_line, const struct runner_opts *o, struct runner_stats *st,
		      struct err *e);

#endif
