/*
 * runner.h — execute psql scripts the way `psql -X -v ON_ERROR_STOP=1 -f`
 * does (docs/reference.md §9), on the caller's connection.
 *
 * The script is streamed through sqlscan (memory stays flat however large
 * the file: only the largest single statement must fit, and one that large
 * is handed to libpq from the read buffer without a copy).  Statements go
 * out in libpq's pipeline mode: the extended protocol, one statement per
 * Parse/Bind/Execute, many statements per round trip.  The server parses
 * each one when its turn comes, after the ones before it ran, so a SET that
 * changes parsing applies to the next statement as it does under psql, and
 * every error belongs to exactly one statement.  A statement that may
 * change what the lexer follows (SET, RESET, set_config, a transaction's
 * end) ends the segment, and standard_conforming_strings and the client
 * encoding are read back before lexing goes on.  COPY runs alone outside
 * the pipeline: COPY … FROM STDIN with its data streamed by PQputCopyData.
 * A large transactional script goes on in simple-query batches once its
 * first segment has filled up (batch.c: cheaper for the server, and kept
 * exact by a savepoint from which a batch rejected for a syntax error is
 * replayed through the pipeline).
 *
 * The meta-commands that real scripts contain are honoured: \set and
 * \unset (variables are not interpolated; AUTOCOMMIT, ON_ERROR_STOP and
 * ON_ERROR_ROLLBACK may only be set to what the runner does), \i /
 * \include and \ir / \include_relative (confined to the scripts' tree),
 * pg_dump's \restrict KEY / \unrestrict KEY (as psql: SQL between them
 * runs, other meta-commands there are errors, the keys must match, and a
 * \restrict left open at the end of the script is an error here — a sign
 * of a truncated dump), \connect to the same database (a new session, as
 * psql opens), \encoding, and \echo / \qecho / \warn.  Any other
 * meta-command is an error naming the file and line.
 *
 * Transactions are the caller's, and the mode is decided before the first
 * statement runs (runner_scan_*): in transactional mode the caller has sent
 * BEGIN and everything is pipelined; in autocommit mode (a script with its
 * own transaction control, a statement that cannot run in a transaction
 * block, \connect, or the directive) each statement is its own transaction
 * as with `psql -f`, and only statements inside an explicit BEGIN … COMMIT
 * block are pipelined together, so an error stops at exactly the statement
 * psql would stop at.  A block the script leaves open is an error (and is
 * rolled back).
 *
 * Errors: EXIT_SQL, "file:line:col: message (SQLSTATE x); detail: …" with
 * PostgreSQL's hint as the hint; the position is PostgreSQL's error
 * position mapped back into the file (or the failing statement's start;
 * for COPY data, the data line).  A lost connection names the statement
 * that did not complete.
 */
#ifndef MIGRATE_RUNNER_H
#define MIGRATE_RUNNER_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "util/digest.h"
#include "util/err.h"

typedef void (*runner_progress_fn)(void *ctx, uint64_t done, uint64_t total);

struct vars;

struct runner_opts {
	const char *root;     /* \i and \ir must stay inside this directory */
	int autocommit;       /* see above */
	runner_progress_fn progress; /* called as the top-level file is consumed; may be NULL */
	void *progress_ctx;
	/* runner_run_file only: when not NULL (DIGEST_HEX_LEN + 1 bytes), set on
	 * success to the SHA-256 of the top-level file's bytes as they were run.
	 * Taken while the server works, it costs no wall time. */
	char *sha256;
	/* psql's scripting language (variables, \if, the \g family …) with
	 * these variables set from outside (like psql -v); NULL: plain SQL. */
	const struct vars *vars;
	/* autocommit mode: how many times a statement outside a transaction
	 * block that gave up waiting for a lock (lock_timeout, a deadlock) is
	 * sent again, after a backoff; it had no effect, and what ran before
	 * it is not run again */
	int lock_retries;
	/* transactional mode: statements sent ahead of the script's first one,
	 * in the same round trip (BEGIN, SET LOCAL …); NULL-terminated.  Their
	 * errors are placed at the script's first line. */
	const char *const *prologue;
	/* transactional mode: statements sent before the prologue, in the same
	 * round trip (what the caller's previous step left: its history row,
	 * its COMMIT); NULL-terminated.  Their errors are placed at
	 * carry_file:carry_line and flagged in runner_stats.carry_failed. */
	const char *const *carry;
	const char *carry_file;
	size_t carry_line;
	/* transactional mode: statements sent after the script's last one, in
	 * the same round trip (the caller's version-table change), and only
	 * when everything before them succeeded; NULL-terminated.  Their errors
	 * are placed at the script's file, line epilogue_line; epilogue_rows
	 * (one entry per statement) receives the rows each affected, -1 for
	 * one that did not complete. */
	const char *const *epilogue;
	size_t epilogue_line;
	long *epilogue_rows;
};

struct runner_stats {
	uint64_t statements; /* statements executed */
	uint64_t batches;    /* round trips for statements */
	uint64_t copy_bytes; /* COPY data streamed */
	int carry_failed;    /* the error came from one of runner_opts.carry */
};

/* What a script needs, found by scanning it without executing (following
 * its \i includes): whether it must run in autocommit mode and why. */
struct runner_scan {
	size_t statements; /* SQL statements seen (all \if branches, includes) */
	int autocommit;
	char reason[256]; /* "CREATE INDEX CONCURRENTLY at line 12", "-- migrate:no-transaction at line 1" */
};

/* Scan a file before it runs, to decide its mode before the first
 * statement (a file rolled back and run again would repeat what a
 * rollback does not undo: sequence values, prepared statements, advisory
 * locks, notifications) and so that a lexical error stops it before
 * anything runs.  The scan follows SET / RESET / set_config of
 * standard_conforming_strings and client_encoding as written, starting
 * from c's settings (NULL: on, UTF-8).  Lexical errors are EXIT_SQL
 * naming file:line:col. */
int runner_scan_file(const char *path, const char *root, PGconn *c, const struct vars *vars,
		     struct runner_scan *info, struct err *e);

/* Scan an in-memory script (a revision section).  first_line is the file
 * line of buf[0], name the file for messages. */
int runner_scan_buffer(const char *name, const char *buf, size_t len, size_t first_line,
		       const char *root, PGconn *c, struct runner_scan *info, struct err *e);

/* Execute a file / an in-memory script on c.  0, or -1 with e set. */
int runner_run_file(PGconn *c, const char *path, const struct runner_opts *o,
		    struct runner_stats *st, struct err *e);
int runner_run_buffer(PGconn *c, const char *name, const char *buf, size_t len,
		      size_t first_line, const struct runner_opts *o, struct runner_stats *st,
		      struct err *e);

#endif
