/*
 * sqlscan_int.h — what the SQL lexer (sqlscan.c), the backslash-command
 * lexer (slashscan.c) and the COPY data scanner (copyscan.c) share, as
 * psqlscan.l and psqlscanslash.l share PostgreSQL's
 * src/include/fe_utils/psqlscan_int.h: the states of the one state machine
 * they run, what a state's handler tells the scanning loop, the character
 * classes of scan.l, the byte helpers and the functions each file offers
 * the others.
 *
 * Private to src/sql: only the .c files of src/sql include it.  Everything
 * here works on the members of struct sqlscan (sql/sqlscan.h), which only
 * these files touch.
 */
#ifndef MIGRATE_SQLSCAN_INT_H
#define MIGRATE_SQLSCAN_INT_H

#include "sql/sqlscan.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * The states (struct sqlscan's state), each with its family.  A family is a
 * group of states that belong together, such as a quoted string and what
 * may follow its closing quote; one function, lex_<family>, handles a byte
 * in any of them.  The loop in sqlscan.c's scan_sql switches on the state
 * and calls the state's family with the state as a constant, so that the
 * compiler, inlining the family, keeps only that state's code in each case:
 * one jump per byte, as with a single switch.  The meta states (in
 * slashscan.c) must stay together, from ST_BS to ST_META_BS.
 */
#define SQLSCAN_STATES(X)                                                                      \
	X(ST_INIT, between)                 /* between tokens */                               \
	X(ST_IDENT, word)                   /* in {identifier} */                              \
	X(ST_PREFIX, word)                  /* after e b x n u at a token start: prefix? */    \
	X(ST_UAMP, word)                    /* after u& */                                     \
	X(ST_DOLLAR, dollar)                /* after $ at a token start */                     \
	X(ST_DTAG, dollar)                  /* in the tag of a possible $tag$ */               \
	X(ST_DQ, dollar)                    /* in a dollar-quoted string */                    \
	X(ST_PARAM, dollar)                 /* $n */                                           \
	X(ST_COLON, dollar)                 /* after : (typecast or psql variable) */          \
	X(ST_VARNAME, dollar)               /* :name */                                        \
	X(ST_VAR_SQ, dollar)                /* :'name (variables on) */                        \
	X(ST_VAR_DQ, dollar)                /* :"name (variables on) */                        \
	X(ST_VAR_BRACE, dollar)             /* :{ (variables on) */                            \
	X(ST_VAR_TEST, dollar)              /* :{?name (variables on) */                       \
	X(ST_NUM_INT, number)               /* digits */                                       \
	X(ST_NUM_DEC, number)               /* digits . digits */                              \
	X(ST_NUM_EXP0, number)              /* number e */                                     \
	X(ST_NUM_EXPS, number)              /* number e sign */                                \
	X(ST_NUM_EXPD, number)              /* number e digits */                              \
	X(ST_DASH, comment)                 /* after - : comment or operator? */               \
	X(ST_SLASH, comment)                /* after / : comment or operator? */               \
	X(ST_LINE_COMMENT, comment)         /* -- to end of line */                            \
	X(ST_XC, comment)                   /* slash-star comment, nesting */                  \
	X(ST_XQ, quoted)                    /* '…' without backslash escapes (B X N U& too) */ \
	X(ST_XE, quoted)                    /* E'…' */                                         \
	X(ST_XE_BS, quoted)                 /* E'…\ */                                         \
	X(ST_QS0, quoted)                   /* right after a closing quote (psql's xqs) */     \
	X(ST_QSH, quoted)                   /* … then horizontal space or comments */          \
	X(ST_QSH_DASH, quoted)              /* … a - there */                                  \
	X(ST_QSH_COMMENT, quoted)           /* … in a -- comment there */                      \
	X(ST_QS1, quoted)                   /* … after a newline: a quote continues it */      \
	X(ST_QS1_DASH, quoted)              /* … a - there */                                  \
	X(ST_QS1_COMMENT, quoted)           /* … in a -- comment there */                      \
	X(ST_XD, quoted)                    /* "…" and U&"…" */                                \
	X(ST_XD_Q, quoted)                  /* after " inside "…": "" or the end */            \
	X(ST_BS, meta)                      /* after \ between tokens */                       \
	X(ST_META_NAME, meta)               /* the command name */                             \
	X(ST_META_ARGS, meta)               /* its arguments */                                \
	X(ST_META_SQ, meta)                 /* '…' in arguments */                             \
	X(ST_META_SQ_BS, meta)              /* '…\ in arguments */                             \
	X(ST_META_DQ, meta)                 /* "…" in arguments */                             \
	X(ST_META_BQ, meta)                 /* `…` in arguments */                             \
	X(ST_META_WHOLE, meta)              /* rest of the line is the argument */             \
	X(ST_META_BS, meta)                 /* after an unquoted \ in arguments */             \
	X(ST_COPY_REST, copy_rest)          /* rest of the line after COPY … FROM STDIN; */    \
	X(ST_COPY_REST_DASH, copy_rest)     /* … a - there */                                  \
	X(ST_COPY_REST_COMMENT, copy_rest)  /* … in a -- comment there */

enum state {
#define SQLSCAN_STATE_ENUM(state, family) state,
	SQLSCAN_STATES(SQLSCAN_STATE_ENUM)
#undef SQLSCAN_STATE_ENUM
};

/* One sqlscan_next call, as the state handlers see it: the caller's input
 * and where an item, an error and the result go. */
struct sqlscan_call {
	const char *buf; /* the input from s->base on */
	size_t len;
	bool at_eof;
	struct sqlscan_item *out;
	struct sqlscan_error *err; /* may be NULL */
	enum sqlscan_result r;     /* the result when a handler returns STEP_ITEM */
};

/* What a state's handler, having looked at the byte at s->pos, tells the
 * loop to do next.  Where psql's flex rules use lookahead or back up
 * (yyless), the handler changes state and asks for the same byte AGAIN, so
 * every byte costs O(1) however often that happens. */
enum step {
	STEP_EAT,   /* the byte is scanned: advance past it */
	STEP_AGAIN, /* look at the byte at s->pos again, in the new state */
	STEP_ITEM   /* return call->r (the handler advanced as far as needed) */
};

/* ---- character classes (scan.l) ---- */

static inline bool is_space(unsigned char c)
{
	/* {space}; \v as in PostgreSQL 16+ (harmless for 15) */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline bool is_horiz_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static inline bool is_newline(unsigned char c)
{
	return c == '\n' || c == '\r';
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static inline bool is_ident_cont(unsigned char c)
{
	return is_ident_start(c) || is_digit(c) || c == '$';
}

static inline bool is_dolq_cont(unsigned char c)
{
	return is_ident_start(c) || is_digit(c);
}

static inline unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* ---- byte helpers ---- */

/* The byte at absolute offset off, in the buf of the current call. */
static inline const char *at(const struct sqlscan *s, const char *buf, uint64_t off)
{
	return buf + (size_t)(off - s->base);
}

/* Move past the byte c at s->pos, keeping line, column and line_blank. */
static inline void advance(struct sqlscan *s, unsigned char c)
{
	s->pos++;
	if (c == '\n') {
		s->line++;
		s->col = 1;
		s->line_blank = true;
	} else {
		s->col++;
		if (!is_space(c))
			s->line_blank = false;
	}
}

/* Fail at (off, line, col) with a formatted message: fills s->error and *err
 * (err may be NULL), makes the scanner fail from now on, and returns
 * SQLSCAN_ERROR.  In sqlscan.c. */
enum sqlscan_result sqlscan_fail_at(struct sqlscan *s, struct sqlscan_error *err, uint64_t off,
				    size_t line, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* ---- COPY data, in copyscan.c ---- */

/* Scan on in COPY mode from s->pos: hands out the data (SQLSCAN_COPY_DATA)
 * and then its end (SQLSCAN_COPY_END, leaving COPY mode), or returns
 * SQLSCAN_INCOMPLETE.  Fills *out for the items. */
enum sqlscan_result copyscan_data(struct sqlscan *s, const char *buf, size_t len, bool at_eof,
				  struct sqlscan_item *out, struct sqlscan_error *err);

/* End the data at buf[i], which is s->pos: fills *out with SQLSCAN_COPY_END
 * (copy_terminated = terminated), eats the n bytes of the "\." line (0 at
 * EOF) and leaves COPY mode.  Returns SQLSCAN_COPY_END. */
enum sqlscan_result copyscan_end(struct sqlscan *s, const char *buf, size_t i, size_t n,
				 bool terminated, struct sqlscan_item *out);

/* ---- the meta-command states, in slashscan.c ---- */

/* The byte c (at s->pos) in the meta-command state st (ST_BS … ST_META_BS,
 * which is s->state).  On STEP_ITEM, call->r is SQLSCAN_META with
 * *call->out filled, or SQLSCAN_ERROR with *call->err filled. */
enum step slashscan_lex(struct sqlscan *s, int st, unsigned char c, struct sqlscan_call *call);

/* A variable reference (or \; \:) from var_off to s->pos, its name from
 * var_name_off to name_end: fills *out with SQLSCAN_VARIABLE and waits for
 * the caller to keep or replace it.  In sqlscan.c. */
enum sqlscan_result sqlscan_var_emit(struct sqlscan *s, enum sqlscan_var kind, uint64_t name_end,
				     struct sqlscan_item *out);

/* The meta-command held back while the statement it ended was handed out
 * (meta_queued): returns SQLSCAN_META with *out filled. */
enum sqlscan_result slashscan_emit_queued(struct sqlscan *s, const char *buf,
					  struct sqlscan_item *out);

/* Hand out the pending statement, ending at end (exclusive): fills *out,
 * resets the statement and the state.  In sqlscan.c. */
enum sqlscan_result sqlscan_stmt_emit(struct sqlscan *s, const char *buf, uint64_t end,
				      struct sqlscan_item *out);

/* EOF in a meta-command state: the meta-command ends there.  Returns
 * SQLSCAN_META (*call->out filled) or SQLSCAN_ERROR (*call->err filled). */
enum sqlscan_result slashscan_lex_eof(struct sqlscan *s, struct sqlscan_call *call);

#endif
