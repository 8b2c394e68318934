/*
 * revfile.h — one revision file (docs/reference.md §10): parse its comment header and
 * find its `-- migrate:upgrade` / `-- migrate:downgrade` sections; write
 * the text of a new revision file; make the file-name slug.
 *
 * Pure: bytes in, struct out.  No I/O, never prints.  Errors are EXIT_GRAPH
 * (docs/reference.md §6) with "<file>:<line>: <what>" messages.
 *
 *     -- revision: 9c1d2e3f4a5b
 *     -- down_revision: 3be61ad5f00f          (None | id | a, b | (a, b) | ('a', 'b'))
 *     -- branch_labels: None                  (None | comma-separated)
 *     -- depends_on: None                     (None | comma-separated)
 *     -- create_date: 2025-08-10 12:00:00
 *     -- message: add user preferences table
 *     -- unconverted: upgrade: ImportError: …  (only in a revision `migrate import-alembic`
 *                                              could not render; it must not run)
 *
 *     -- migrate:upgrade [transaction:false]
 *     ...
 *     -- migrate:downgrade [transaction:false]
 *     ...
 *
 * Every `-- key: value` line before the first section marker is a header
 * line (a key is a letter or `_` followed by letters, digits, `_`, then `:`
 * right after it); other `--` comments and blank lines are allowed there,
 * anything else is an error.  Revision ids follow Alembic's rules plus the
 * VARCHAR(32) of alembic_version: 1..32 bytes, none of `@ - + :`, no
 * whitespace, quotes, commas, brackets, parentheses or backslashes, not
 * `head`, `heads`, `base`, `None`; and, since `migrate revision` names the
 * new file after its id, no `/` and no leading `.`.
 */
#ifndef MIGRATE_REVFILE_H
#define MIGRATE_REVFILE_H

#include <stddef.h>

#include "util/err.h"

#define REVFILE_ID_MAX 32

/* Alembic's default truncate_slug_length. */
#define REVFILE_SLUG_MAX 40

struct revfile_section {
	int present;       /* 0 when the file has no such marker */
	int transactional; /* 0 with `transaction:false` */
	size_t offset;     /* byte offset of the body (the line after the marker) */
	size_t length;     /* body length in bytes, up to the next marker or EOF */
	int line;          /* 1-based line number of the body's first line */
	int marker_line;   /* 1-based line number of the marker */
};

/* A parsed revision file.  Every string and array is owned by the struct
 * and freed by revfile_release(); absent lists are NULL with count 0. */
struct revfile {
	char *file;           /* copy of the name given to revfile_parse() */
	char *revision;
	char **down_revisions;
	size_t n_down;
	char **branch_labels;
	size_t n_labels;
	char **depends_on;
	size_t n_depends;
	char *create_date;    /* NULL when the header has none */
	char *message;        /* NULL when the header has none */
	char *unconverted;    /* why `import-alembic` could not render it; NULL normally */
	int unconverted_line;
	int revision_line;    /* header lines, for messages (0 when absent) */
	int down_line;
	struct revfile_section upgrade;
	struct revfile_section downgrade;
};

/* Parse buf[0..len) (need not be NUL-terminated; CRLF is accepted).  file
 * names the file in messages and is copied.  On success fills *rf (which
 * the caller later passes to revfile_release) and returns 0; on failure
 * returns -1 with e set (code EXIT_GRAPH) and *rf left empty. */
int revfile_parse(struct revfile *rf, const char *buf, size_t len, const char *file,
		  struct err *e);

/* Free everything *rf owns and zero it.  Safe on a zeroed struct. */
void revfile_release(struct revfile *rf);

/* 1 when id[0..len) is an acceptable revision id (see above), else 0.
 * When why is not NULL and the id is bad, *why names the reason. */
int revfile_id_ok(const char *id, size_t len, const char **why);

/* What a new revision file says (`migrate revision`, `migrate merge`).
 * Lists may be empty (written as `None`). */
struct revfile_new {
	const char *revision;
	const char *const *down_revisions;
	size_t n_down;
	const char *const *branch_labels;
	size_t n_labels;
	const char *const *depends_on;
	size_t n_depends;
	const char *create_date; /* e.g. "2025-08-10 12:00:00" */
	const char *message;     /* newlines are folded to spaces */
	const char *unconverted; /* NULL, or written as `-- unconverted: …` */
};

/* Render a new revision file: the six header lines, a blank line, then
 * `-- migrate:upgrade`, a blank line, `-- migrate:downgrade`.  Returns 0 and
 * a malloc'd NUL-terminated text in *out (caller frees), or -1 with e set
 * (EXIT_USAGE) when an id or label is not acceptable. */
int revfile_format(char **out, const struct revfile_new *nf, struct err *e);

/* The header lines alone (each ending in a newline), for a caller that writes
 * the sections itself.  Same errors as revfile_format. */
int revfile_format_header(char **out, const struct revfile_new *nf, struct err *e);

/* Alembic's file-name slug: the runs of [A-Za-z0-9_] of message joined by
 * `_`, lowercased; if longer than REVFILE_SLUG_MAX it is cut there, back to
 * the last `_`, and a `_` appended.  Bytes outside ASCII are separators.
 * Writes at most cap-1 bytes and a NUL to dst; returns strlen(dst). */
size_t revfile_slug(char *dst, size_t cap, const char *message);

#endif
