/*
 * inilines.h — the lines of a config file handed to inih, whatever their
 * length (docs/reference.md §4.2).
 *
 * Debian's libinih is built with a line buffer of INI_MAX_LINE = 200 bytes
 * on the stack and no reallocation, so it cannot read a longer line (a
 * URL with a long password and a few query parameters is one).  We do not
 * need another inih: this reader gives inih each line whole when it fits,
 * and otherwise a short line with the same structure.  The value's text
 * (what inih would hand to the handler after its separator, inline comment
 * and whitespace rules) is held back and its place taken by a one-byte
 * marker; inilines_value puts it back when the handler receives the value.
 * Everything inih decides on (comment, [section], continuation, the first
 * '=' or ':', inline "; comment") lies outside the held-back text, so a
 * short line parses as the long one would.
 *
 * The reader also refuses what inih would silently mangle: a NUL byte in a
 * line (its own message), a line longer than INILINES_MAX, a read error.
 */
#ifndef MIGRATE_INILINES_H
#define MIGRATE_INILINES_H

#include <stdio.h>

/* The longest line accepted, in bytes (without its newline). */
#define INILINES_MAX 65536

enum inilines_error {
	INILINES_OK = 0,
	INILINES_TOO_LONG, /* a line longer than INILINES_MAX */
	INILINES_NUL,      /* a NUL byte in a line */
	INILINES_READ      /* ferror on the stream (errno in read_errno) */
};

struct inilines {
	FILE *fp;                  /* read from; the caller opens and closes it */
	int line;                  /* number of the line last handed out, from 1 */
	enum inilines_error error; /* the first problem met, with its line */
	int error_line;
	int read_errno;
	char *buf; /* the current line, malloc'd */
	size_t cap;
	char *held; /* the current line's value held back (malloc'd), or NULL */
};

/* An ini_reader (pass the struct as inih's stream): the next line into str
 * (num bytes), shortened as above when it does not fit.  After an error the
 * rest of the file reads as empty lines, so inih calls no handler for it. */
char *inilines_read(char *str, int num, void *stream);

/* The value the handler received for the current line, with the
 * held-back text restored: *out is malloc'd (caller frees) when something
 * was restored, else NULL and value stands.  -1 on no memory. */
int inilines_value(struct inilines *l, const char *value, char **out);

/* Free what the reader allocated (not fp). */
void inilines_release(struct inilines *l);

#endif
