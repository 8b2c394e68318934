/*
 * sqlscan.c — see sqlscan.h.
 *
 * A byte-at-a-time state machine.  Every state is complete after each byte,
 * so scanning can stop at any byte (the end of the caller's chunk) and go on
 * later without looking back; where psql's flex lexer uses lookahead or
 * backs up (yyless), the machine has an extra state and re-examines the
 * current byte in another state (STEP_AGAIN), which costs O(1) per byte.
 * The only bytes read again are a dollar quote's opening tag (compared
 * against candidate closing tags), a meta-command's own line (to trim it)
 * and a statement's trailing whitespace at EOF.
 *
 * The states come in families (sqlscan_int.h), one function each; the loop
 * in scan_sql hands every byte to its state's family.  The meta-command
 * states live in slashscan.c, as psql keeps psqlscanslash.l apart, and COPY
 * data, which is not lexed, is scanned in copyscan.c.
 *
 * The rules follow PostgreSQL 15's src/fe_utils/psqlscan.l and
 * src/backend/parser/scan.l (standard_conforming_strings = on); comments
 * below cite the flex rule being mirrored.  Keep them in sync with those
 * files.
 */
#include "sql/sqlscan.h"

#include "sql/pgenc.h"
#include "sql/sqlscan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Kinds of quoted strings, for messages and for continuing after xqs. */
enum qmode { Q_STD, Q_E, Q_B, Q_X };

/* What the first token of a statement was (COPY detection). */
enum first { FIRST_NONE, FIRST_WORD, FIRST_COPY, FIRST_OTHER };

/* Directive matcher states, inside a -- comment. */
enum dir { DIR_OFF, DIR_LEAD, DIR_MATCH, DIR_TRAIL };

static const char directive_text[] = "migrate:no-transaction";

/* ---- small helpers ---- */

enum sqlscan_result sqlscan_fail_at(struct sqlscan *s, struct sqlscan_error *err, uint64_t off,
				    size_t line, size_t col, const char *fmt, ...)
{
	va_list ap;
	memset(&s->error, 0, sizeof s->error);
	s->error.offset = off;
	s->error.line = line;
	s->error.col = col;
	va_start(ap, fmt);
	vsnprintf(s->error.msg, sizeof s->error.msg, fmt, ap);
	va_end(ap);
	s->failed = true;
	if (err)
		*err = s->error;
	return SQLSCAN_ERROR;
}

static enum sqlscan_result fail_tok(struct sqlscan *s, struct sqlscan_error *err,
				    const char *what)
{
	return sqlscan_fail_at(s, err, s->tok_off, s->tok_line, s->tok_col,
			       "unterminated %s starting at line %zu", what, s->tok_line);
}

static void mark_token(struct sqlscan *s)
{
	s->tok_off = s->pos;
	s->tok_line = s->line;
	s->tok_col = s->col;
	s->dash_blank = s->line_blank;
}

static void stmt_reset(struct sqlscan *s)
{
	s->started = false;
	s->has_token = false;
	s->copy_in = false;
	s->prev_from = false;
	s->forced_semi = false;
	s->first = FIRST_NONE;
	s->paren_depth = 0;
	s->begin_depth = 0;
	s->identifier_count = 0;
}

/* The statement's text starts at the current token (or comment). */
static void stmt_begin(struct sqlscan *s)
{
	if (!s->started) {
		s->started = true;
		s->st_off = s->tok_off;
		s->st_line = s->tok_line;
		s->st_col = s->tok_col;
	}
}

/* A token starts at tok: word says whether it is (so far) an identifier. */
static void token_begin(struct sqlscan *s, bool word)
{
	stmt_begin(s);
	s->has_token = true;
	if (s->first == FIRST_NONE)
		s->first = word ? FIRST_WORD : FIRST_OTHER;
	if (!word)
		s->prev_from = false;
}

/* A token begun as a word turned out to be a string (E'…', U&"…"). */
static void token_is_string(struct sqlscan *s)
{
	if (s->first == FIRST_WORD)
		s->first = FIRST_OTHER;
	s->prev_from = false;
}

static void word_reset(struct sqlscan *s)
{
	s->word_len = 0;
}

static void word_add(struct sqlscan *s, unsigned char c)
{
	if (s->word_len < sizeof s->word)
		s->word[s->word_len] = (char)ascii_lower(c);
	s->word_len++;
}

static bool word_is(const struct sqlscan *s, const char *kw)
{
	size_t n = strlen(kw);
	return s->word_len == n && n <= sizeof s->word && memcmp(s->word, kw, n) == 0;
}

/*
 * An {identifier} ended.  psqlscan.l's BEGIN … END heuristic: remember the
 * initials of create/function/procedure/or/replace among the first four
 * identifiers; when they spell CREATE [OR REPLACE] FUNCTION|PROCEDURE, count
 * BEGIN, CASE (inside BEGIN only) and END at paren depth 0.  Also the COPY
 * … FROM STDIN detection.
 */
static void ident_end(struct sqlscan *s)
{
	const char *id = s->identifiers;
	if (s->first == FIRST_WORD)
		s->first = word_is(s, "copy") ? FIRST_COPY : FIRST_OTHER;
	else if (s->first == FIRST_COPY && s->paren_depth == 0 && s->prev_from &&
		 (word_is(s, "stdin") || word_is(s, "stdout")))
		s->copy_in = true; /* the server reads FROM STDOUT as FROM STDIN */
	s->prev_from = s->paren_depth == 0 && word_is(s, "from");

	if (s->identifier_count == 0)
		memset(s->identifiers, 0, sizeof s->identifiers);
	if (word_is(s, "create") || word_is(s, "function") || word_is(s, "procedure") ||
	    word_is(s, "or") || word_is(s, "replace")) {
		if (s->identifier_count < sizeof s->identifiers)
			s->identifiers[s->identifier_count] = s->word[0];
	}
	s->identifier_count++;
	if (id[0] == 'c' &&
	    (id[1] == 'f' || id[1] == 'p' ||
	     (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p'))) &&
	    s->paren_depth == 0) {
		if (word_is(s, "begin"))
			s->begin_depth++;
		else if (word_is(s, "case")) {
			if (s->begin_depth >= 1)
				s->begin_depth++;
		} else if (word_is(s, "end")) {
			if (s->begin_depth > 0)
				s->begin_depth--;
		}
	}
}

static bool is_string_prefix(unsigned char c)
{
	c = ascii_lower(c);
	return c == 'e' || c == 'b' || c == 'x' || c == 'n' || c == 'u';
}

static void enter_string(struct sqlscan *s, int qmode)
{
	s->qmode = qmode;
	s->state = qmode == Q_E ? ST_XE : ST_XQ;
}

/* '…' (and N'…', which psql lexes as the identifier n and a plain
 * string): with standard_conforming_strings off, backslashes escape in it
 * as in E'…' (psqlscan.l: xqstart begins xe when !std_strings). */
static int plain_string(const struct sqlscan *s)
{
	return s->std_strings_off ? Q_E : Q_STD;
}

static const char *string_name(int qmode)
{
	switch (qmode) {
	case Q_B:
		return "bit-string literal";
	case Q_X:
		return "hexadecimal string literal";
	default:
		return "quoted string";
	}
}

/* ---- directive: a "-- migrate:no-transaction" line ---- */

static void directive_byte(struct sqlscan *s, unsigned char c)
{
	switch (s->dir_state) {
	case DIR_LEAD:
		if (is_horiz_space(c))
			break;
		s->dir_state = DIR_MATCH;
		s->dir_k = 0;
		/* fall through */
	case DIR_MATCH:
		if (ascii_lower(c) == (unsigned char)directive_text[s->dir_k]) {
			if (++s->dir_k == sizeof directive_text - 1)
				s->dir_state = DIR_TRAIL;
		} else {
			s->dir_state = DIR_OFF;
		}
		break;
	case DIR_TRAIL:
		if (!is_horiz_space(c) && c != '\r')
			s->dir_state = DIR_OFF;
		break;
	default:
		break;
	}
}

static void directive_end(struct sqlscan *s)
{
	if (s->dir_state == DIR_TRAIL && !s->directive) {
		s->directive = true;
		s->directive_line = s->tok_line;
	}
	s->dir_state = DIR_OFF;
}

/* ---- statements ---- */

enum sqlscan_result sqlscan_stmt_emit(struct sqlscan *s, const char *buf, uint64_t end,
				      struct sqlscan_item *out)
{
	bool copy = s->copy_in;
	out->kind = SQLSCAN_STATEMENT;
	out->text = at(s, buf, s->st_off);
	out->len = (size_t)(end - s->st_off);
	out->off = (size_t)(s->st_off - s->base);
	out->offset = s->st_off;
	out->line = s->st_line;
	out->col = s->st_col;
	out->copy_from_stdin = copy;
	out->multi = s->forced_semi;
	stmt_reset(s);
	s->state = copy ? ST_COPY_REST : ST_INIT;
	return SQLSCAN_STATEMENT;
}

/* ---- the SQL lexer: one function per family of states ---- */

/*
 * Each lex_<family> handles the byte c at s->pos in its state st (which is
 * s->state; see SQLSCAN_STATES) and returns what the loop in scan_sql does
 * next (enum step).  They are static inline: scan_sql calls each once per
 * state, with st a constant, so each call is compiled to that state's code.
 */

/* ST_INIT: whitespace, or the first byte of a token, comment or
 * meta-command. */
static inline enum step lex_between(struct sqlscan *s, int st, unsigned char c,
				     struct sqlscan_call *call)
{
	(void)st; /* the family's only state */
	if (is_space(c))
		return STEP_EAT;
	mark_token(s);
	switch (c) {
	case '-':
		s->state = ST_DASH;
		break;
	case '/':
		s->state = ST_SLASH;
		break;
	case '\'':
		token_begin(s, false);
		enter_string(s, plain_string(s)); /* {xqstart} */
		break;
	case '"':
		token_begin(s, false);
		s->state = ST_XD;
		break;
	case '$':
		token_begin(s, false);
		s->state = ST_DOLLAR;
		break;
	case ':':
		if (s->vars) { /* a variable reference is not a token until kept */
			s->var_off = s->pos;
			s->var_line = s->line;
			s->var_col = s->col;
			s->var_blank = s->line_blank;
		} else {
			token_begin(s, false);
		}
		s->state = ST_COLON;
		break;
	case '(':
		token_begin(s, false);
		s->paren_depth++;
		break;
	case ')':
		token_begin(s, false);
		if (s->paren_depth > 0)
			s->paren_depth--;
		break;
	case ';':
		if (s->paren_depth == 0 && s->begin_depth == 0) {
			if (!s->has_token) { /* only comments: no statement */
				stmt_reset(s);
				break;
			}
			advance(s, c);
			call->r = sqlscan_stmt_emit(s, call->buf, s->pos, call->out);
			return STEP_ITEM;
		}
		token_begin(s, false);
		break;
	case '\\':
		s->state = ST_BS;
		break;
	default:
		if (is_digit(c)) {
			token_begin(s, false);
			s->state = ST_NUM_INT;
		} else if (is_ident_start(c)) {
			token_begin(s, true);
			word_reset(s);
			word_add(s, c);
			if (is_string_prefix(c)) {
				s->prefix = (char)ascii_lower(c);
				s->state = ST_PREFIX;
			} else {
				s->state = ST_IDENT;
			}
		} else {
			token_begin(s, false);
		}
	}
	return STEP_EAT;
}

/* ST_IDENT, ST_PREFIX, ST_UAMP: an identifier, or the letter(s) before a
 * string's opening quote. */
static inline enum step lex_word(struct sqlscan *s, int st, unsigned char c,
				  struct sqlscan_call *call)
{
	(void)call;
	switch (st) {
	case ST_IDENT:
		if (is_ident_cont(c)) {
			word_add(s, c);
			return STEP_EAT;
		}
		ident_end(s);
		s->state = ST_INIT;
		return STEP_AGAIN;

	case ST_PREFIX:
		/* {xestart} {xbstart} {xhstart} {xnstart} {xusstart} {xuistart} */
		if (c == '\'' && s->prefix != 'u') {
			token_is_string(s);
			enter_string(s, s->prefix == 'e'   ? Q_E
					: s->prefix == 'b' ? Q_B
					: s->prefix == 'x' ? Q_X
							   : plain_string(s));
			return STEP_EAT;
		}
		if (c == '&' && s->prefix == 'u') {
			s->state = ST_UAMP;
			return STEP_EAT;
		}
		s->state = ST_IDENT;
		return STEP_AGAIN;

	default: /* ST_UAMP */
		if (c == '\'' || c == '"') {
			token_is_string(s);
			if (c == '"')
				s->state = ST_XD;
			else
				enter_string(s, Q_STD);
			return STEP_EAT;
		}
		/* {xufailed}: the identifier "u", then the operator & */
		ident_end(s);
		token_begin(s, false);
		s->state = ST_INIT;
		return STEP_AGAIN;
	}
}

enum sqlscan_result sqlscan_var_emit(struct sqlscan *s, enum sqlscan_var kind, uint64_t name_end,
				    struct sqlscan_item *out)
{
	s->var_pending = true;
	s->var_kind = (unsigned char)kind;
	s->var_name_len = (size_t)(name_end - s->var_name_off);
	out->kind = SQLSCAN_VARIABLE;
	out->var = kind;
	out->offset = s->var_off;
	out->line = s->var_line;
	out->col = s->var_col;
	out->name_len = s->var_name_len;
	/* text, off and name are set by sqlscan_next, which has the buffer */
	return SQLSCAN_VARIABLE;
}

/* psql's ":'{variable_char}*" (and the like) rules when the reference is not
 * complete: the ':' is an operator, and lexing goes on right after it. */
static enum step var_throw_back(struct sqlscan *s)
{
	token_begin(s, false);
	s->pos = s->var_off + 1;
	s->col = s->var_col + 1;
	s->line = s->var_line;
	s->line_blank = false;
	s->mb_left = 0;
	s->gb_pending = false;
	s->state = ST_INIT;
	return STEP_AGAIN;
}

/* ST_DOLLAR … ST_VAR_TEST: $tag$ dollar quotes, $n parameters, :: and psql's
 * variables. */
static inline enum step lex_dollar(struct sqlscan *s, int st, unsigned char c,
				    struct sqlscan_call *call)
{
	switch (st) {
	case ST_DOLLAR:
		if (is_digit(c)) {
			s->state = ST_PARAM; /* {param} */
		} else if (c == '$') {
			s->tag_off = s->pos; /* $$ */
			s->tag_len = 0;
			s->dq_cand = false;
			s->state = ST_DQ;
		} else if (is_ident_start(c)) {
			s->tag_off = s->pos;
			s->tag_len = 1;
			word_reset(s);
			word_add(s, c);
			s->state = ST_DTAG;
		} else {
			s->state = ST_INIT;
			return STEP_AGAIN;
		}
		return STEP_EAT;

	case ST_DTAG:
		if (is_dolq_cont(c)) {
			s->tag_len++;
			word_add(s, c);
			return STEP_EAT;
		}
		if (c == '$') { /* {dolqdelim} */
			s->dq_cand = false;
			s->state = ST_DQ;
			return STEP_EAT;
		}
		/* {dolqfailed}: only the $ is eaten; the tag is an identifier */
		if (s->tag_len == 1 && is_string_prefix((unsigned char)s->word[0])) {
			s->prefix = s->word[0];
			s->state = ST_PREFIX;
		} else {
			s->state = ST_IDENT;
		}
		return STEP_AGAIN;

	case ST_DQ:
		/* psql's <xdolq>{dolqdelim}: a mismatched $…$ gives back its final $ */
		if (c == '$') {
			if (s->dq_cand && s->dq_ok && s->dq_k == s->tag_len) {
				s->state = ST_INIT;
				return STEP_EAT;
			}
			s->dq_cand = true;
			s->dq_ok = true;
			s->dq_k = 0;
		} else if (s->dq_cand && (s->dq_k == 0 ? is_ident_start(c) : is_dolq_cont(c))) {
			if (s->dq_ok)
				s->dq_ok = s->dq_k < s->tag_len &&
					   (unsigned char)*at(s, call->buf, s->tag_off + s->dq_k) == c;
			s->dq_k++;
		} else {
			s->dq_cand = false;
		}
		return STEP_EAT;

	case ST_PARAM:
		if (is_digit(c))
			return STEP_EAT;
		s->state = ST_INIT;
		if (is_ident_start(c))
			return STEP_EAT; /* {param_junk} eats one character */
		return STEP_AGAIN;

	case ST_COLON:
		if (c == ':') { /* {typecast} */
			if (s->vars)
				token_begin(s, false);
			s->state = ST_INIT;
			return STEP_EAT;
		}
		if (is_dolq_cont(c)) { /* :{variable_char}+ */
			s->var_name_off = s->pos;
			s->state = ST_VARNAME;
			return STEP_EAT;
		}
		if (s->vars && (c == '\'' || c == '"' || c == '{')) {
			s->var_name_off = s->pos + 1;
			s->state = c == '\'' ? ST_VAR_SQ : c == '"' ? ST_VAR_DQ : ST_VAR_BRACE;
			return STEP_EAT;
		}
		if (s->vars)
			token_begin(s, false);
		s->state = ST_INIT;
		return STEP_AGAIN;

	case ST_VARNAME:
		if (is_dolq_cont(c))
			return STEP_EAT;
		s->state = ST_INIT;
		if (!s->vars)
			return STEP_AGAIN;
		call->r = sqlscan_var_emit(s, SQLSCAN_VAR_PLAIN, s->pos, call->out);
		return STEP_ITEM;

	case ST_VAR_BRACE:
		if (c == '?') { /* :{? */
			s->var_name_off = s->pos + 1;
			s->state = ST_VAR_TEST;
			return STEP_EAT;
		}
		return var_throw_back(s);

	default: /* ST_VAR_SQ, ST_VAR_DQ, ST_VAR_TEST: :'name' :"name" :{?name} */
		if (is_dolq_cont(c))
			return STEP_EAT;
		if (s->pos > s->var_name_off &&
		    c == (st == ST_VAR_SQ ? '\'' : st == ST_VAR_DQ ? '"' : '}')) {
			uint64_t name_end = s->pos;
			advance(s, c);
			s->state = ST_INIT;
			call->r = sqlscan_var_emit(s,
					   st == ST_VAR_SQ   ? SQLSCAN_VAR_LITERAL
					   : st == ST_VAR_DQ ? SQLSCAN_VAR_IDENT
							     : SQLSCAN_VAR_TEST,
					   name_end, call->out);
			return STEP_ITEM;
		}
		return var_throw_back(s);
	}
}

/* ST_NUM_INT … ST_NUM_EXPD: {integer}, {decimal}, {real} and their failures. */
static inline enum step lex_number(struct sqlscan *s, int st, unsigned char c,
				    struct sqlscan_call *call)
{
	(void)call;
	switch (st) {
	case ST_NUM_INT:
	case ST_NUM_DEC:
		if (is_digit(c))
			return STEP_EAT;
		if (c == '.' && st == ST_NUM_INT) {
			s->state = ST_NUM_DEC;
			return STEP_EAT;
		}
		if (c == 'e' || c == 'E') { /* {real}, {realfail1} */
			s->state = ST_NUM_EXP0;
			return STEP_EAT;
		}
		s->state = ST_INIT;
		if (is_ident_start(c))
			return STEP_EAT; /* {integer_junk}, {decimal_junk} */
		return STEP_AGAIN;

	case ST_NUM_EXP0:
		if (is_digit(c)) {
			s->state = ST_NUM_EXPD;
			return STEP_EAT;
		}
		if (c == '+' || c == '-') { /* {realfail2} */
			s->state = ST_NUM_EXPS;
			return STEP_EAT;
		}
		s->state = ST_INIT;
		return STEP_AGAIN;

	case ST_NUM_EXPS:
		if (is_digit(c)) {
			s->state = ST_NUM_EXPD;
			return STEP_EAT;
		}
		s->state = ST_INIT;
		return STEP_AGAIN;

	default: /* ST_NUM_EXPD */
		if (is_digit(c))
			return STEP_EAT;
		s->state = ST_INIT;
		if (is_ident_start(c))
			return STEP_EAT; /* {real_junk} */
		return STEP_AGAIN;
	}
}

/* ST_DASH … ST_XC: -- and slash-star comments, or - and / as operators. */
static inline enum step lex_comment(struct sqlscan *s, int st, unsigned char c,
				     struct sqlscan_call *call)
{
	(void)call;
	switch (st) {
	case ST_DASH:
		if (c == '-') {
			s->state = ST_LINE_COMMENT;
			s->dir_state = s->dash_blank ? DIR_LEAD : DIR_OFF;
			return STEP_EAT;
		}
		token_begin(s, false); /* an operator */
		s->state = ST_INIT;
		return STEP_AGAIN;

	case ST_SLASH:
		if (c == '*') {
			stmt_begin(s); /* psql keeps slash-star comments */
			s->xc_depth = 0;
			s->xc_slash = s->xc_star = false;
			s->state = ST_XC;
			return STEP_EAT;
		}
		token_begin(s, false);
		s->state = ST_INIT;
		return STEP_AGAIN;

	case ST_LINE_COMMENT:
		if (is_newline(c)) {
			directive_end(s);
			s->state = ST_INIT;
		} else if (s->dir_state != DIR_OFF) {
			directive_byte(s, c);
		}
		return STEP_EAT;

	default: /* ST_XC */
		/* {xcstart} nests, {xcstop} = \*+\/ closes one level */
		if (c == '/') {
			if (s->xc_star) {
				if (s->xc_depth <= 0)
					s->state = ST_INIT;
				else
					s->xc_depth--;
				s->xc_star = false;
			} else {
				s->xc_slash = true;
			}
		} else if (c == '*') {
			if (s->xc_slash) {
				s->xc_depth++;
				s->xc_slash = false;
			} else {
				s->xc_star = true;
			}
		} else {
			s->xc_slash = s->xc_star = false;
		}
		return STEP_EAT;
	}
}

/* ST_XQ … ST_XD_Q: '…' strings (E B X N U& too) with psql's xqs states for
 * what follows a closing quote, and "…" identifiers. */
static inline enum step lex_quoted(struct sqlscan *s, int st, unsigned char c,
				    struct sqlscan_call *call)
{
	(void)call;
	switch (st) {
	case ST_XQ:
		if (c == '\'')
			s->state = ST_QS0;
		return STEP_EAT;

	case ST_XE:
		if (c == '\\')
			s->state = ST_XE_BS; /* {xeescape} etc.: \ eats one more */
		else if (c == '\'')
			s->state = ST_QS0;
		return STEP_EAT;

	case ST_XE_BS:
		s->state = ST_XE;
		return STEP_EAT;

	/* psql's xqs state: {xqdouble} and {quotecontinue} go back into the
	 * string; anything else ends it and is scanned again. */
	case ST_QS0:
		if (c == '\'') { /* {xqdouble} */
			enter_string(s, s->qmode);
			return STEP_EAT;
		}
		s->state = ST_QSH;
		return STEP_AGAIN;

	case ST_QSH:
		if (is_horiz_space(c)) {
		} else if (is_newline(c)) {
			s->state = ST_QS1;
		} else if (c == '-') {
			s->state = ST_QSH_DASH;
		} else { /* a quote here starts a new string */
			s->state = ST_INIT;
			return STEP_AGAIN;
		}
		return STEP_EAT;

	case ST_QS1:
		if (c == '\'') {
			enter_string(s, s->qmode);
		} else if (is_space(c)) {
		} else if (c == '-') {
			s->state = ST_QS1_DASH;
		} else {
			s->state = ST_INIT;
			return STEP_AGAIN;
		}
		return STEP_EAT;

	case ST_QSH_DASH:
	case ST_QS1_DASH:
		if (c == '-') {
			s->state = st == ST_QSH_DASH ? ST_QSH_COMMENT : ST_QS1_COMMENT;
			return STEP_EAT;
		}
		s->state = ST_DASH; /* the - was an operator after the string */
		return STEP_AGAIN;

	case ST_QSH_COMMENT:
	case ST_QS1_COMMENT:
		if (is_newline(c))
			s->state = ST_QS1;
		return STEP_EAT;

	case ST_XD:
		if (c == '"')
			s->state = ST_XD_Q;
		return STEP_EAT;

	default: /* ST_XD_Q */
		if (c == '"') { /* {xddouble} */
			s->state = ST_XD;
			return STEP_EAT;
		}
		s->state = ST_INIT;
		return STEP_AGAIN;
	}
}

/* ST_COPY_REST …: the rest of the line after COPY … FROM STDIN; may only
 * hold whitespace and a -- comment. */
static inline enum step lex_copy_rest(struct sqlscan *s, int st, unsigned char c,
				       struct sqlscan_call *call)
{
	switch (st) {
	case ST_COPY_REST:
		if (c == '\n') { /* the data follows */
			advance(s, c);
			s->state = ST_INIT;
			s->copy_mode = true;
			call->r = copyscan_data(s, call->buf, call->len, call->at_eof, call->out, call->err);
			return STEP_ITEM;
		}
		if (c == '-') {
			s->state = ST_COPY_REST_DASH;
			return STEP_EAT;
		}
		if (is_space(c))
			return STEP_EAT;
		/* psql would run it after the data; we do not follow it there */
		call->r = sqlscan_fail_at(s, call->err, s->pos, s->line, s->col,
					  "text after COPY ... FROM STDIN on the same line is "
					  "not supported");
		return STEP_ITEM;

	case ST_COPY_REST_DASH:
		if (c != '-') {
			call->r = sqlscan_fail_at(s, call->err, s->pos - 1, s->line, s->col - 1,
						  "text after COPY ... FROM STDIN on the same line "
						  "is not supported");
			return STEP_ITEM;
		}
		s->state = ST_COPY_REST_COMMENT;
		return STEP_EAT;

	default: /* ST_COPY_REST_COMMENT */
		if (c == '\n') {
			s->state = ST_COPY_REST;
			return STEP_AGAIN;
		}
		return STEP_EAT;
	}
}

/* ST_BS … ST_META_BS: meta-commands, in slashscan.c, out of line (they are
 * rare). */
static inline enum step lex_meta(struct sqlscan *s, int st, unsigned char c,
				 struct sqlscan_call *call)
{
	return slashscan_lex(s, st, c, call);
}

static enum sqlscan_result scan_sql(struct sqlscan *s, struct sqlscan_call *call);

/* At EOF: finish whatever token is open; errors for open quotes/comments. */
static enum sqlscan_result scan_eof(struct sqlscan *s, struct sqlscan_call *call)
{
	const char *buf = call->buf;
	struct sqlscan_item *out = call->out;
	switch (s->state) {
	case ST_XC:
		return fail_tok(s, call->err, "/* comment");
	case ST_XQ:
	case ST_XE:
	case ST_XE_BS:
		return fail_tok(s, call->err, string_name(s->qmode));
	case ST_XD:
		return fail_tok(s, call->err, "quoted identifier");
	case ST_DQ:
		return fail_tok(s, call->err, "dollar-quoted string");
	case ST_IDENT:
	case ST_PREFIX:
	case ST_DTAG:
	case ST_UAMP:
		ident_end(s);
		break;
	case ST_DASH:
	case ST_SLASH:
		token_begin(s, false);
		break;
	case ST_LINE_COMMENT:
		directive_end(s);
		break;
	case ST_BS:
	case ST_META_NAME:
	case ST_META_ARGS:
	case ST_META_SQ:
	case ST_META_SQ_BS:
	case ST_META_DQ:
	case ST_META_BQ:
	case ST_META_WHOLE:
	case ST_META_BS:
		return slashscan_lex_eof(s, call);
	case ST_COLON:
		if (s->vars)
			token_begin(s, false);
		break;
	case ST_VARNAME:
		if (s->vars) {
			s->state = ST_INIT;
			return sqlscan_var_emit(s, SQLSCAN_VAR_PLAIN, s->pos, out);
		}
		break;
	case ST_VAR_SQ:
	case ST_VAR_DQ:
	case ST_VAR_BRACE:
	case ST_VAR_TEST:
		var_throw_back(s);
		return scan_sql(s, call);
	case ST_COPY_REST:
	case ST_COPY_REST_DASH:
	case ST_COPY_REST_COMMENT:
		s->state = ST_INIT;
		s->copy_mode = true;
		return copyscan_end(s, buf, (size_t)(s->pos - s->base), 0, false, out);
	default:
		break;
	}
	s->state = ST_INIT;
	if (s->has_token) {
		uint64_t end = s->pos;
		while (end > s->st_off && is_space((unsigned char)*at(s, buf, end - 1)))
			end--;
		return sqlscan_stmt_emit(s, buf, end, out);
	}
	stmt_reset(s);
	s->done = true;
	out->kind = SQLSCAN_EOF;
	out->offset = s->pos;
	out->line = s->line;
	out->col = s->col;
	return SQLSCAN_EOF;
}

/* A case of the loop's switch: the state's family, the state a constant. */
#define LEX_CASE(state, family)                                 \
	case state:                                             \
		step = lex_##family(s, state, c, call);         \
		break;

/* The loop: one byte at a time, handed to its state's family. */
static enum sqlscan_result scan_sql(struct sqlscan *s, struct sqlscan_call *call)
{
	const char *buf = call->buf;
	size_t len = call->len;
	for (;;) {
		size_t i = (size_t)(s->pos - s->base), stop = len;
		unsigned char raw;
		if (s->virt_end) { /* substituted text: at its end, file positions again */
			if (s->pos == s->virt_end) {
				s->line = s->virt_line;
				s->col = s->virt_col;
				s->virt_end = 0;
			} else if (s->virt_end - s->base < stop) {
				stop = (size_t)(s->virt_end - s->base);
			}
		}
		if (i >= len)
			break;
		if ((s->state == ST_XQ || s->state == ST_XD) &&
		    !pgenc_lexer_unsafe((enum pgenc)s->enc)) {
			/* Inside '…' or "…" only the closing quote matters (and a
			 * newline, a NUL): step over the rest in one go, keeping the
			 * column and line_blank as advance() would.  (Not in the
			 * encodings whose characters the loop below must follow.) */
			char quote = s->state == ST_XD ? '"' : '\'';
			size_t j = i;
			bool blank = s->line_blank;
			while (j < stop) {
				unsigned char b = (unsigned char)buf[j];
				if (b == (unsigned char)quote || b == '\n' || b == 0)
					break;
				if (blank && !is_space(b))
					blank = false;
				j++;
			}
			if (j > i) {
				s->pos += j - i;
				s->col += j - i;
				s->line_blank = blank;
				continue;
			}
		}
		raw = (unsigned char)buf[i];
		/* psql's prepare_buffer: in an encoding whose trailing bytes can
		 * look like ASCII, the lexer sees them as 0xFF (part of whatever
		 * the character's first byte was part of). */
		unsigned char c = s->mb_left ? 0xFF : raw;
		enum step step = STEP_EAT; /* every state has its case */
		if (raw == 0)
			return sqlscan_fail_at(s, call->err, s->pos, s->line, s->col,
					       "NUL byte in the script (psql would drop the rest of the line)");
		switch (s->state) {
			SQLSCAN_STATES(LEX_CASE)
		}
		if (step == STEP_EAT) {
			if (s->mb_left) {
				s->mb_left--;
				if (s->gb_pending && raw >= 0x30 && raw <= 0x39)
					s->mb_left = 2; /* GB18030's four-byte characters */
				s->gb_pending = false;
			} else if (raw >= 0x80 && pgenc_lexer_unsafe((enum pgenc)s->enc)) {
				unsigned char lead[2] = {raw, 0};
				s->mb_left = (unsigned char)(pgenc_mblen((enum pgenc)s->enc, lead, 2) - 1);
				if (s->enc == PGENC_GB18030) {
					s->mb_left = 1;
					s->gb_pending = true;
				}
			}
			advance(s, c);
		} else if (step == STEP_ITEM) {
			return call->r;
		}
	}
	if (!call->at_eof)
		return SQLSCAN_INCOMPLETE;
	return scan_eof(s, call);
}

#undef LEX_CASE

/* ---- public API ---- */

void sqlscan_init(struct sqlscan *s)
{
	memset(s, 0, sizeof *s);
	s->line = 1;
	s->col = 1;
	s->line_blank = true;
	s->state = ST_INIT;
	s->first = FIRST_NONE;
}

void sqlscan_release(struct sqlscan *s)
{
	sqlscan_init(s);
}

enum sqlscan_result sqlscan_next(struct sqlscan *s, const char *buf, size_t len,
				 bool at_eof, struct sqlscan_item *out,
				 struct sqlscan_error *err)
{
	static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
	struct sqlscan_call call = {buf, len, at_eof, out, err, SQLSCAN_INCOMPLETE};
	enum sqlscan_result r;
	memset(out, 0, sizeof *out);
	if (s->failed) {
		if (err)
			*err = s->error;
		r = SQLSCAN_ERROR;
	} else if (s->done) {
		out->offset = s->pos;
		r = SQLSCAN_EOF;
	} else if (s->pos < s->base || s->pos - s->base > len) {
		r = sqlscan_fail_at(s, err, s->pos, s->line, s->col,
				    "scanner input does not continue where it stopped");
	} else {
		if (!s->bom_checked) {
			size_t n = len < 3 ? len : 3;
			if (s->pos != 0 || memcmp(buf, bom, n) != 0) {
				s->bom_checked = true;
			} else if (n == 3) {
				s->pos = 3;
				s->bom_checked = true;
			} else if (at_eof) {
				s->bom_checked = true;
			}
		}
		if (s->var_pending)
			sqlscan_var_keep(s); /* the caller did not say: as written */
		if (s->cut_pending) /* the caller did not cut: it cannot be a slice */
			r = sqlscan_fail_at(s, err, s->cut_off, s->meta_line, s->meta_col,
					    "meta-command inside a statement not removed");
		else if (s->meta_queued)
			r = slashscan_emit_queued(s, buf, out);
		else if (!s->bom_checked)
			r = SQLSCAN_INCOMPLETE;
		else if (s->copy_mode)
			r = copyscan_data(s, buf, len, at_eof, out, err);
		else
			r = scan_sql(s, &call);
	}
	if (r == SQLSCAN_VARIABLE) {
		out->text = at(s, buf, s->var_off);
		out->len = (size_t)(s->pos - s->var_off);
		out->off = (size_t)(s->var_off - s->base);
		out->name = at(s, buf, s->var_name_off);
	}
	out->kind = r;
	return r;
}

void sqlscan_set_variables(struct sqlscan *s, bool on)
{
	s->vars = on;
}

bool sqlscan_cut(const struct sqlscan *s, uint64_t *off, size_t *len)
{
	if (!s->cut_pending)
		return false;
	*off = s->cut_off;
	*len = (size_t)(s->pos - s->cut_off);
	return true;
}

void sqlscan_cut_done(struct sqlscan *s)
{
	if (!s->cut_pending)
		return;
	s->cut_pending = false;
	s->pos = s->cut_off; /* lines and columns stay those of the file */
}

void sqlscan_expect_copy_data(struct sqlscan *s)
{
	s->state = ST_COPY_REST;
}

void sqlscan_var_keep(struct sqlscan *s)
{
	if (!s->var_pending)
		return;
	s->var_pending = false;
	token_begin(s, false);
}

void sqlscan_var_replace(struct sqlscan *s, size_t new_len)
{
	uint64_t ref_len = s->pos - s->var_off;
	bool inside = s->virt_end && s->var_off < s->virt_end;
	if (!s->var_pending)
		return;
	s->var_pending = false;
	if (inside)
		s->virt_end = s->virt_end - ref_len + new_len;
	if (s->var_kind == SQLSCAN_VAR_FORCE && ref_len == 2 && new_len == 1) {
		token_begin(s, false);
		s->pos = s->var_off + new_len;
		s->col++;
		s->line_blank = false;
		s->state = ST_INIT;
		return;
	}
	if (s->var_kind != SQLSCAN_VAR_PLAIN) {
		/* one token, not lexed again; the file position stays after it */
		token_begin(s, false);
		s->pos = s->var_off + new_len;
		return;
	}
	/* psql pushes the value onto its lexer: lex it from where the ':' was */
	if (!inside) {
		s->virt_end = s->var_off + new_len;
		s->virt_line = s->line;
		s->virt_col = s->col;
	}
	s->pos = s->var_off;
	s->line = s->var_line;
	s->col = s->var_col;
	s->line_blank = s->var_blank;
	s->state = ST_INIT;
}

size_t sqlscan_discardable(const struct sqlscan *s)
{
	uint64_t keep = s->pos;
	if (!s->bom_checked)
		keep = 0;
	else if (s->copy_mode)
		keep = s->pos;
	else if (s->state >= ST_BS && s->state <= ST_META_BS)
		keep = s->has_token ? s->st_off /* a \g command may end it */
		       : s->state == ST_BS ? s->tok_off : s->meta_off;
	else if (s->started)
		keep = s->st_off;
	else if (s->state == ST_DASH || s->state == ST_SLASH)
		keep = s->tok_off;
	if (s->vars && (s->var_pending || (s->state >= ST_COLON && s->state <= ST_VAR_TEST)) &&
	    s->var_off < keep)
		keep = s->var_off;
	if (s->meta_queued && s->meta_off < keep)
		keep = s->meta_off;
	return keep > s->base ? (size_t)(keep - s->base) : 0;
}

void sqlscan_discard(struct sqlscan *s, size_t n)
{
	size_t max = sqlscan_discardable(s);
	s->base += n < max ? n : max;
}

bool sqlscan_no_transaction_directive(const struct sqlscan *s, size_t *line)
{
	if (s->directive && line)
		*line = s->directive_line;
	return s->directive;
}

const char *sqlscan_result_name(enum sqlscan_result r)
{
	switch (r) {
	case SQLSCAN_ERROR:
		return "error";
	case SQLSCAN_INCOMPLETE:
		return "incomplete";
	case SQLSCAN_STATEMENT:
		return "statement";
	case SQLSCAN_META:
		return "meta";
	case SQLSCAN_COPY_DATA:
		return "copy-data";
	case SQLSCAN_COPY_END:
		return "copy-end";
	case SQLSCAN_EOF:
		return "eof";
	case SQLSCAN_VARIABLE:
		return "variable";
	}
	return "?";
}

int sqlscan_map_position(const char *stmt, size_t len, size_t line, size_t col,
			 long position, enum pgenc enc, size_t *out_line, size_t *out_col)
{
	long chars = 0;
	size_t i = 0;
	if (position < 1)
		return -1;
	for (;;) {
		size_t n;
		if (++chars == position) {
			*out_line = line;
			*out_col = col;
			return 0;
		}
		if (i >= len)
			return -1;
		n = pgenc_mblen(enc, (const unsigned char *)stmt + i, len - i);
		for (size_t k = 0; k < n; k++, i++) {
			if (stmt[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
	}
}

void sqlscan_set_standard_strings(struct sqlscan *s, bool on)
{
	s->std_strings_off = !on;
}

void sqlscan_set_encoding(struct sqlscan *s, enum pgenc enc)
{
	s->enc = (unsigned char)enc;
}
