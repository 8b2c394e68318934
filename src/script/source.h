/*
 * source.h — where a script's bytes come from: a file, read in chunks into
 * a buffer that grows only to the largest single statement (COPY data
 * streams through it), or a buffer in memory (a revision's section).  A
 * source owns the scanner (sql/sqlscan.h) that splits its bytes, so the
 * runner asks it for the next item, and it reads more input when the
 * scanner needs it.  Private to src/script.
 */
#ifndef MIGRATE_SOURCE_H
#define MIGRATE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "sql/sqlscan.h"
#include "util/digest.h"
#include "util/err.h"

struct source;

/* The text that replaces a variable reference (malloc'd, *len bytes), or
 * NULL to leave it as written (not set, or not expanded here). */
typedef char *(*source_resolve_fn)(void *ctx, const struct source *s,
				   const struct sqlscan_item *ref, size_t *len);

struct source {
	const char *name;   /* for messages; borrowed */
	int fd;             /* -1: memory */
	char *buf;          /* file: owned; memory: borrowed */
	size_t len, cap;
	int eof;
	size_t line_offset; /* added to scanner lines */
	uint64_t consumed;  /* bytes discarded so far (progress) */
	uint64_t total;     /* size of the input, for progress */
	struct digest *digest; /* SHA-256 of the file's bytes, when asked for */
	struct unpack *unpack; /* a compressed file (NAME.gz, .xz, .zst) */
	struct sqlscan sc;
	int owned;          /* a memory source's buffer was copied (to substitute) */
	/* psql variables (source_set_variables): substitution and the values
	 * being lexed, for psql's guard against recursive expansion */
	source_resolve_fn resolve;
	void *resolve_ctx;
	struct {
		char name[64];
		uint64_t end; /* scanner offset where its value ends */
	} active[16];
	size_t nactive;
};

/* Open path (name borrowed: it must outlive the source).  With want_digest
 * the bytes are hashed as they are read (source_close hands the hash out).
 * A compressed file (NAME.gz, NAME.xz, NAME.zst) is decompressed as it is
 * read: its text, not its compressed bytes, is scanned and hashed. */
int source_open_file(struct source *s, const char *path, int want_digest, struct err *e);

/* A script in memory (borrowed) whose first byte is on file line first_line. */
void source_open_buffer(struct source *s, const char *name, const char *buf, size_t len,
			size_t first_line);

/* Close; when sha256 is not NULL (DIGEST_HEX_LEN + 1 bytes) it gets the
 * SHA-256 of the bytes read (a file opened with want_digest). */
void source_close(struct source *s, char *sha256);

/* The next scanner item, reading more input as needed; lines are file
 * lines.  SQLSCAN_ERROR with e set (EXIT_SQL naming file:line:col, or a
 * read error); never SQLSCAN_INCOMPLETE.  Items point into the source's
 * buffer until the next call. */
enum sqlscan_result source_next(struct source *s, struct sqlscan_item *it, struct err *e);

/* Make the statement it (just returned by source_next) a C string in
 * place, without copying it: returns the byte its terminator replaced, to
 * give back with source_restore before the next source_next; -1 when the
 * source cannot (a buffer in memory: copy the statement instead). */
int source_terminate(struct source *s, const struct sqlscan_item *it);
void source_restore(struct source *s, const struct sqlscan_item *it, int saved);

/* Hand out no variable references: source_next substitutes them through
 * resolve (psql's scripting language); NULL turns it off. */
void source_set_variables(struct source *s, source_resolve_fn resolve, void *ctx);

/* Whether the scanner has met the `-- migrate:no-transaction` line; *line
 * gets its file line. */
int source_no_transaction_directive(const struct source *s, size_t *line);

#endif
