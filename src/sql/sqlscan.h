/*
 * sqlscan.h — split a psql script into statements, meta-commands and COPY
 * data.  Pure: bytes in, slices out; no I/O, no libpq, no allocation, never
 * prints or exits.
 *
 * Where a statement ends is decided the way psql 15's lexer decides it
 * (src/fe_utils/psqlscan.l, with the server's standard_conforming_strings
 * and client encoding: sqlscan_set_standard_strings, sqlscan_set_encoding),
 * following the
 * backend's lexical rules (src/backend/parser/scan.l):
 *
 *   '…' with '' doubling; E'…' with backslash escapes; B'…', X'…', N'…',
 *   U&'…' (UESCAPE '…' is just another string); a string followed by
 *   whitespace containing a newline and another ' continues in the same
 *   mode (matters for E'…'); $tag$…$tag$ closed only by the same tag ($1 is
 *   a parameter, a$b$ an identifier: a dollar quote only starts a token);
 *   "…" and U&"…" with "" doubling; -- comments; nested slash-star comments;
 *   parenthesis depth; CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC
 *   … END depth (psql's identifier heuristic: at paren depth 0, BEGIN
 *   increments, CASE increments when already inside BEGIN, END decrements).
 *   A statement ends at a ';' at depth 0 outside all of these.
 *
 * What is returned:
 *   SQLSCAN_STATEMENT  one statement.  The slice starts at the first byte
 *       that is neither whitespace nor part of a -- comment (so a leading
 *       slash-star comment IS included, as psql sends it), and ends with the
 *       ';' inclusive; a last statement without ';' ends at EOF minus
 *       trailing whitespace (a trailing -- comment stays in it).  Text with
 *       no token (only comments, or a lone ';') is not a statement and is
 *       skipped.  copy_from_stdin is set for COPY … FROM STDIN (detected
 *       lexically: first token the word COPY, then the words FROM STDIN
 *       (or FROM STDOUT, which the server takes as the same) next to each
 *       other at parenthesis depth 0, any case).
 *   SQLSCAN_META  a backslash meta-command, from the '\' to the end of the
 *       line (newline and trailing whitespace excluded), or to an unquoted
 *       '\' in its arguments: "\\" is a separator (eaten; SQL may follow on
 *       the same line), a single '\' starts the next meta-command, as in
 *       psql.  name is the text after '\' up to whitespace or '\' (may be
 *       empty); args is the raw argument text, leading and trailing
 *       whitespace trimmed (slashscan_next_arg in sql/slashscan.h splits
 *       it).  For \! \copy \ef \ev \h \help \sf \sf+ \sv \sv+
 *       (and \g \gx \o \out \w \write when an argument starts with '|') the
 *       arguments are the whole rest of the line, as psql reads them.
 *       A meta-command after non-blank SQL of an unfinished statement is
 *       an ERROR (psql would execute it mid-query; pg_dump never does so).
 *   SQLSCAN_COPY_DATA  after a statement with copy_from_stdin, the data
 *       that follows the line holding its ';': raw bytes, byte-exact, never
 *       lexed, in chunks of whole lines where possible (a long line may be
 *       split over several chunks; there may be many lines per chunk).
 *   SQLSCAN_COPY_END  end of that data: a line that is exactly "\." (LF or
 *       CRLF; also "\." or "\.\r" as the last bytes of the input), with
 *       copy_terminated = true and the slice being the two bytes "\.";
 *       or EOF, with copy_terminated = false and an empty slice.  A line
 *       that merely starts with "\." is data.
 *   SQLSCAN_INCOMPLETE  more input is needed (never returned when at_eof).
 *   SQLSCAN_EOF  the input is exhausted; returned again on further calls.
 *   SQLSCAN_ERROR  err is filled (message, line, col, offset of the start
 *       of the offending construct); further calls return the same error.
 *       A NUL byte anywhere (COPY data included) is an error: psql would
 *       silently drop the rest of its line.
 *
 * What psql accepts and this scanner does not (each is an ERROR, never a
 * silent difference, except the first two):
 *   - psql variables (:name, :'name', :"name") are not substituted: the
 *     text is passed on as written (psql does the same for unset ones);
 *   - "\;" and "\:" (a ';' or ':' forced into the query text) — ERROR;
 *   - a meta-command after SQL text of an unfinished statement (psql runs
 *     it, e.g. "SELECT 1 \g") — ERROR;
 *   - text after "COPY … FROM STDIN;" on the same line (psql runs it after
 *     the data) — ERROR, unless it is whitespace or a -- comment.
 *
 * Positions: lines are counted by '\n' (1-based); columns are 1-based and
 * counted in BYTES from the start of the line (a UTF-8 BOM at the very
 * start of the input is skipped and not counted); offsets are 0-based byte
 * offsets in the whole input (the BOM included).  '\r' is an ordinary byte
 * for positions and whitespace for the lexer, so CRLF files work.
 *
 * Streaming and ownership.  The caller owns the input buffer and the
 * struct sqlscan (embed it anywhere; it holds no pointers and nothing to
 * free: sqlscan_release only resets it).  The scanner tracks the absolute
 * offset of buf[0] ("base", 0 at init).  Each call scans bytes it has not
 * seen yet — it never rescans a statement from its start — so the total
 * work is linear however the input is chunked.  Items are slices of the buf
 * passed to that same call, valid as long as the caller keeps those bytes.
 *
 *     struct sqlscan sc;  sqlscan_init(&sc);
 *     for (;;) {
 *         r = sqlscan_next(&sc, buf, len, eof, &it, &e);
 *         if (r == SQLSCAN_INCOMPLETE) {
 *             size_t n = sqlscan_discardable(&sc);   // bytes no longer needed
 *             memmove(buf, buf + n, len - n);  len -= n;
 *             sqlscan_discard(&sc, n);               // base += n
 *             ...grow buf if full, append input, eof = (read returned 0)
 *             continue;
 *         }
 *         ... use it (it.text points into buf) ...
 *     }
 *
 * Between calls the caller may drop any prefix of buf up to
 * sqlscan_discardable() bytes (telling the scanner with sqlscan_discard),
 * move or reallocate the buffer, and append input; it must not change the
 * bytes it keeps.  sqlscan_discardable() is 0 while an unfinished statement
 * is pending at buf[0]: a statement is kept whole until it is returned, so
 * the buffer must be able to grow to the largest statement (COPY data is
 * not subject to this).  Once at_eof has been passed true, len must not
 * grow.
 */
#ifndef MIGRATE_SQLSCAN_H
#define MIGRATE_SQLSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql/pgenc.h"

enum sqlscan_result {
	SQLSCAN_ERROR = -1,
	SQLSCAN_INCOMPLETE = 0,
	SQLSCAN_STATEMENT,
	SQLSCAN_META,
	SQLSCAN_COPY_DATA,
	SQLSCAN_COPY_END,
	SQLSCAN_EOF,
	SQLSCAN_VARIABLE
};

/* What a psql variable reference asks for (SQLSCAN_VARIABLE). */
enum sqlscan_var {
	SQLSCAN_VAR_PLAIN,   /* :name — the value, lexed as part of the script */
	SQLSCAN_VAR_LITERAL, /* :'name' — the value as an SQL literal */
	SQLSCAN_VAR_IDENT,   /* :"name" — the value as an SQL identifier */
	SQLSCAN_VAR_TEST,    /* :{?name} — TRUE or FALSE: whether it is set */
	SQLSCAN_VAR_FORCE    /* \; or \: — the character alone, in the statement */
};

struct sqlscan_item {
	enum sqlscan_result kind;
	const char *text; /* slice of the caller's buf (not NUL-terminated) */
	size_t len;
	size_t off;      /* text - buf */
	uint64_t offset; /* byte offset of text in the whole input */
	size_t line;     /* 1-based line of text[0] */
	size_t col;      /* 1-based byte column of text[0] */
	/* SQLSCAN_STATEMENT */
	bool copy_from_stdin; /* COPY … FROM STDIN: data items follow */
	/* SQLSCAN_META: both slices lie inside text */
	const char *name;
	size_t name_len;
	const char *args;
	size_t args_len;
	/* SQLSCAN_COPY_END */
	bool copy_terminated; /* "\." seen; false: EOF ended the data */
	/* SQLSCAN_STATEMENT: a \g-family meta-command (\g, \gx, \gset,
	 * \gexec) ended it; the META item comes next */
	bool ended_by_meta;
	/* SQLSCAN_STATEMENT: it holds a \; — several statements psql sends as
	 * one query string */
	bool multi;
	/* SQLSCAN_META: it stands inside a statement that goes on after it */
	bool inside_statement;
	/* SQLSCAN_VARIABLE: the reference is text/len; name/name_len its name */
	enum sqlscan_var var;
};

#define SQLSCAN_MSG_MAX 256

struct sqlscan_error {
	size_t line;     /* where the offending construct starts */
	size_t col;      /* 1-based byte column */
	uint64_t offset; /* byte offset in the input */
	char msg[SQLSCAN_MSG_MAX];
};

/* Scanner state.  Members are private to sqlscan.c; they are in the header
 * only so that callers can embed the struct without allocating. */
struct sqlscan {
	uint64_t base;      /* absolute offset of buf[0] */
	uint64_t pos;       /* next byte to examine */
	size_t line, col;   /* of pos */
	int state;          /* lexer state (enum in sqlscan.c) */
	bool bom_checked, done, failed, copy_mode, copy_midline;
	bool line_blank;    /* only whitespace so far on the current line */
	bool dash_blank;    /* line_blank as it was before the current token */
	/* the pending statement */
	bool started, has_token, copy_in, prev_from;
	int first;          /* what the first token was (copy detection) */
	uint64_t st_off;
	size_t st_line, st_col;
	/* start of the current token, comment or meta-command */
	uint64_t tok_off;
	size_t tok_line, tok_col;
	int paren_depth, begin_depth, xc_depth;
	bool xc_slash, xc_star;
	unsigned identifier_count;
	char identifiers[4];
	char word[16];      /* current identifier, lower-cased, truncated */
	size_t word_len;    /* its full length */
	char prefix;        /* e b x n u: letter that may prefix a string */
	int qmode;          /* kind of the string being scanned */
	uint64_t tag_off;   /* dollar-quote tag (inside the pending statement) */
	size_t tag_len;
	size_t dq_k;        /* length of the candidate closing tag */
	bool dq_cand, dq_ok;
	/* meta-command */
	uint64_t meta_off, meta_end, name_end;
	size_t meta_line, meta_col, bs_line, bs_col;
	bool meta_argstart, meta_filepipe;
	/* what the server's settings make of the bytes */
	bool std_strings_off; /* standard_conforming_strings = off */
	unsigned char enc;    /* enum pgenc: the client encoding */
	unsigned char mb_left; /* trailing bytes of the current character */
	bool gb_pending;      /* GB18030: the second byte decides the length */
	/* psql variables (sqlscan_set_variables) */
	bool vars;            /* references are handed out */
	bool var_pending;     /* a SQLSCAN_VARIABLE awaits sqlscan_var_* */
	bool meta_after_stmt; /* a \g-family command ends the pending statement */
	bool meta_queued;     /* … and is handed out by the next call */
	bool forced_semi;     /* the pending statement holds a \; */
	bool meta_inside;     /* the meta-command is inside a pending statement */
	bool cut_pending;     /* … and its bytes must leave the caller's buffer */
	uint64_t cut_off;
	unsigned char var_kind;
	uint64_t var_off, var_name_off, meta_q_end;
	size_t var_line, var_col, var_name_len;
	bool var_blank;       /* line_blank before the ':' */
	uint64_t virt_end;    /* end of substituted text being lexed (0: none) */
	size_t virt_line, virt_col; /* file position after its reference */
	/* -- migrate:no-transaction */
	int dir_state;
	size_t dir_k;
	bool directive;
	size_t directive_line;
	struct sqlscan_error error;
};

/* Prepare a scanner for a new input (nothing to free afterwards). */
void sqlscan_init(struct sqlscan *s);

/* Scan on.  buf holds the input from the scanner's base offset (initially
 * 0) onward, len bytes; at_eof says no more input will follow.  Fills *out
 * (always) and, on SQLSCAN_ERROR, *err.  See the header comment for the
 * results and the buffer contract; calling with a buf that does not reach
 * the bytes not yet scanned is an ERROR ("scanner input does not continue
 * where it stopped"). */
enum sqlscan_result sqlscan_next(struct sqlscan *s, const char *buf, size_t len,
				 bool at_eof, struct sqlscan_item *out,
				 struct sqlscan_error *err);

/* How many bytes at the start of the caller's buf (base onward) the scanner
 * no longer needs.  Valid after any sqlscan_next call; bytes of an item just
 * returned count as discardable, so use the item before discarding. */
size_t sqlscan_discardable(const struct sqlscan *s);

/* The caller dropped n bytes from the front of its buffer (n must not
 * exceed sqlscan_discardable(); larger values are clamped). */
void sqlscan_discard(struct sqlscan *s, size_t n);

/* Whether a line "-- migrate:no-transaction" (whitespace around allowed,
 * ASCII case ignored) was seen so far outside any quote or comment; *line
 * (if not NULL) gets the line of the first one. */
bool sqlscan_no_transaction_directive(const struct sqlscan *s, size_t *line);

/* The server settings the lexer follows, as psql follows them (it reads
 * them back after every statement): standard_conforming_strings (on by
 * default; off makes '…' take backslash escapes as E'…' does), and the
 * client encoding (UTF-8 by default; in SJIS, BIG5, GBK, UHC, GB18030 and
 * JOHAB the trailing bytes of a character are never taken for a quote or
 * a backslash).  Call between items; they apply from the next byte on. */
void sqlscan_set_standard_strings(struct sqlscan *s, bool on);
void sqlscan_set_encoding(struct sqlscan *s, enum pgenc enc);

/*
 * psql variables.  With sqlscan_set_variables(s, true), which scripts in
 * psql's language ask for, the scanner hands out each variable reference
 * where psql's lexer would substitute one (between tokens of SQL: not in
 * quotes, comments or dollar-quoted bodies; "::" is a cast) as
 * SQLSCAN_VARIABLE: :name, :'name', :"name", :{?name}.  The caller must
 * then either leave it as written (sqlscan_var_keep: psql does so for a
 * variable that is not set), or replace the reference's bytes in its
 * buffer by new_len bytes (moving what follows) and call
 * sqlscan_var_replace.  A replaced :name is lexed as part of the script, as
 * psql pushes its value onto the lexer; the others are taken as one token.
 * Lines and columns after the substituted text stay those of the file.
 * In that mode, \g, \gx, \gset, \gexec (and \gdesc, \crosstabview, \r,
 * \reset) after SQL text end the pending
 * statement: it comes as SQLSCAN_STATEMENT with ended_by_meta, then the
 * META item; and psql's \; and \: come as SQLSCAN_VAR_FORCE references,
 * to be replaced by the ';' or ':' alone (which does not end the
 * statement; a statement with a \; is marked multi).  (Meta-command arguments are interpolated by slashscan.)
 */
void sqlscan_set_variables(struct sqlscan *s, bool on);

/* Right after the META item of a \copy … FROM STDIN: the lines after it are
 * COPY data (SQLSCAN_COPY_DATA … SQLSCAN_COPY_END), as after a COPY
 * statement's line. */
void sqlscan_expect_copy_data(struct sqlscan *s);
void sqlscan_var_keep(struct sqlscan *s);

/* psql runs a meta-command met in the middle of a statement and goes on
 * with the statement.  In variables mode the scanner does so for those
 * that leave the query buffer alone (\echo, \qecho, \warn, \p, \set,
 * \unset, \getenv and output-only ones): the META item comes with
 * inside_statement, and before the next sqlscan_next the caller removes
 * its bytes from the buffer: sqlscan_cut gives where (*off, absolute) and
 * how many (*len), sqlscan_cut_done says it is done.  (\r and \reset end
 * the statement like the \g family: the caller drops it.) */
bool sqlscan_cut(const struct sqlscan *s, uint64_t *off, size_t *len);
void sqlscan_cut_done(struct sqlscan *s);
void sqlscan_var_replace(struct sqlscan *s, size_t new_len);

/* Reset to the just-initialised state (the struct owns nothing). */
void sqlscan_release(struct sqlscan *s);

/* Name of a result, for messages and tests ("statement", "meta", …). */
const char *sqlscan_result_name(enum sqlscan_result r);

/* Map PostgreSQL's error position into the file.  stmt/len is the
 * statement exactly as sent, starting at file line/col (as in its item);
 * position is the server's 1-based CHARACTER offset into it, characters
 * counted in the client encoding enc (in UTF-8 an invalid byte counts as
 * one).  Position len+1 (just past the end) is
 * allowed.  Returns 0 and sets *out_line and *out_col (byte column, as
 * everywhere here), or -1 when position is out of range. */
int sqlscan_map_position(const char *stmt, size_t len, size_t line, size_t col,
			 long position, enum pgenc enc, size_t *out_line, size_t *out_col);

#endif
