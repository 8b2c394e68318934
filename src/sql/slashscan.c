/*
 * slashscan.c — backslash meta-commands, as psql 15's
 * src/bin/psql/psqlscanslash.l (the companion of src/fe_utils/psqlscan.l,
 * which sqlscan.c follows) reads them: the scanner's meta-command states,
 * which find where a meta-command and its arguments end, and the splitting
 * of those arguments (slashscan.h).
 *
 * The states run inside sqlscan.c's byte-at-a-time loop (sqlscan_int.h): a
 * '\' between tokens enters ST_BS, and slashscan_lex handles each byte from
 * there until the meta-command is returned.  Meta-commands are rare, so the
 * call is out of line.  Comments below cite the psql rule being mirrored;
 * keep them in sync with psqlscanslash.l and src/bin/psql/command.c.
 */
#include "sql/slashscan.h"

#include "sql/sqlscan_int.h"

#include <stdio.h>
#include <string.h>

/* ---- meta-commands ---- */

static bool name_in(const char *name, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && memcmp(*list, name, n) == 0)
			return true;
	return false;
}

/* Commands whose argument psql reads with OT_WHOLE_LINE (command.c). */
static const char *const whole_line_cmds[] = {"!",  "copy", "ef",  "ev",  "h",
					      "help", "sf", "sf+", "sv", "sv+", NULL};
/* Commands reading an OT_FILEPIPE argument: "|cmd" takes the rest of the line. */
static const char *const filepipe_cmds[] = {"g", "gx", "o", "out", "w", "write", NULL};

/* Commands that send (or drop) the query buffer: after SQL text they end
 * the statement. */
static const char *const gfamily_cmds[] = {"g",	    "gx",    "gset",  "gexec",
					   "gdesc", "crosstabview", "r", "reset", NULL};
/* Commands that leave the query buffer alone: psql runs them in the middle
 * of a statement, which goes on after them. */
static const char *const inside_cmds[] = {"echo", "qecho", "warn",  "p",     "print", "set",
					  "unset", "getenv", "pset", "timing", "x",   "t",
					  "a",	   "C",	     "f",    "H",      NULL};

/* The '\' at the token start begins a meta-command. */
static void meta_begin(struct sqlscan *s)
{
	s->meta_off = s->tok_off;
	s->meta_line = s->tok_line;
	s->meta_col = s->tok_col;
	if (!s->has_token)
		s->started = false; /* drop comments pending before it */
}

/* The command name ended at s->pos (exclusive).  Returns SQLSCAN_ERROR, or
 * SQLSCAN_INCOMPLETE meaning: go on with the arguments. */
static enum sqlscan_result meta_name_end(struct sqlscan *s, const char *buf,
					 struct sqlscan_error *err)
{
	const char *name = at(s, buf, s->meta_off + 1);
	size_t n;
	s->name_end = s->pos;
	n = (size_t)(s->name_end - s->meta_off - 1);
	if (s->has_token && s->vars && name_in(name, n, gfamily_cmds))
		s->meta_after_stmt = true;
	else if (s->has_token && s->vars && name_in(name, n, inside_cmds))
		s->meta_inside = true;
	else if (s->has_token)
		return sqlscan_fail_at(s, err, s->meta_off, s->meta_line, s->meta_col,
				       "meta-command \"\\%.*s\" inside the SQL statement starting "
				       "at line %zu is not supported",
				       (int)(n > 64 ? 64 : n), name, s->st_line);
	s->state = name_in(name, n, whole_line_cmds) ? ST_META_WHOLE : ST_META_ARGS;
	s->meta_filepipe = name_in(name, n, filepipe_cmds);
	s->meta_argstart = true;
	return SQLSCAN_INCOMPLETE;
}

/* Fill *out with the meta-command from meta_off to end (exclusive). */
static enum sqlscan_result meta_emit(struct sqlscan *s, const char *buf, uint64_t end,
				     struct sqlscan_item *out)
{
	const char *b = at(s, buf, s->meta_off);
	size_t name_len = (size_t)(s->name_end - s->meta_off - 1);
	size_t len = (size_t)(end - s->meta_off);
	size_t a = name_len + 1;
	if (s->meta_after_stmt) {
		/* the statement first (up to the '\'), the command on the next call */
		uint64_t stmt_end = s->meta_off;
		int st = s->state;
		s->meta_after_stmt = false;
		s->meta_queued = true;
		s->meta_q_end = end;
		while (stmt_end > s->st_off && is_space((unsigned char)*at(s, buf, stmt_end - 1)))
			stmt_end--;
		s->copy_in = false; /* psql would read COPY data after the command */
		sqlscan_stmt_emit(s, buf, stmt_end, out);
		out->ended_by_meta = true;
		s->state = st;
		return SQLSCAN_STATEMENT;
	}
	while (len > a && is_space((unsigned char)b[len - 1]))
		len--;
	while (a < len && is_space((unsigned char)b[a]))
		a++;
	if (s->meta_inside) {
		s->meta_inside = false;
		s->cut_pending = true;
		s->cut_off = s->meta_off;
		out->inside_statement = true;
	}
	out->kind = SQLSCAN_META;
	out->text = b;
	out->len = len;
	out->off = (size_t)(s->meta_off - s->base);
	out->offset = s->meta_off;
	out->line = s->meta_line;
	out->col = s->meta_col;
	out->name = b + 1;
	out->name_len = name_len;
	out->args = b + a;
	out->args_len = len - a;
	return SQLSCAN_META;
}

/* The unquoted '\' that ended the meta-command just emitted starts the next. */
static void meta_next_at_bs(struct sqlscan *s)
{
	s->tok_off = s->meta_end;
	s->tok_line = s->bs_line;
	s->tok_col = s->bs_col;
	s->state = ST_BS;
}

enum step slashscan_lex(struct sqlscan *s, int st, unsigned char c, struct sqlscan_call *call)
{
	switch (st) {
	case ST_BS:
		/* "\\"[;:] puts a ; or : into the query: the caller takes the
		 * backslash out (variables on), else it cannot be a slice */
		if ((c == ';' || c == ':') && s->vars) {
			s->var_off = s->tok_off;
			s->var_line = s->tok_line;
			s->var_col = s->tok_col;
			s->var_blank = s->dash_blank;
			s->var_name_off = s->pos; /* the "name" is the character */
			if (c == ';')
				s->forced_semi = true; /* the statement is several */
			advance(s, c);
			s->state = ST_INIT;
			call->r = sqlscan_var_emit(s, SQLSCAN_VAR_FORCE, s->pos, call->out);
			return STEP_ITEM;
		}
		if (c == ';' || c == ':') {
			call->r = sqlscan_fail_at(s, call->err, s->tok_off, s->tok_line,
						  s->tok_col, "\"\\%c\" is not supported", c);
			return STEP_ITEM;
		}
		meta_begin(s);
		s->state = ST_META_NAME;
		return STEP_AGAIN;

	case ST_META_NAME:
		if (!is_space(c) && c != '\\')
			return STEP_EAT;
		if (meta_name_end(s, call->buf, call->err) == SQLSCAN_ERROR) {
			call->r = SQLSCAN_ERROR;
			return STEP_ITEM;
		}
		return STEP_AGAIN;

	case ST_META_ARGS:
		if (c == '\n') {
			s->state = ST_INIT;
			call->r = meta_emit(s, call->buf, s->pos, call->out);
			return STEP_ITEM;
		}
		if (c == '\\') {
			s->meta_end = s->pos;
			s->bs_line = s->line;
			s->bs_col = s->col;
			s->state = ST_META_BS;
		} else if (c == '\'') {
			s->state = ST_META_SQ;
		} else if (c == '"') {
			s->state = ST_META_DQ;
		} else if (c == '`') {
			s->state = ST_META_BQ;
		} else if (c == '|' && s->meta_argstart && s->meta_filepipe) {
			s->state = ST_META_WHOLE;
		}
		s->meta_argstart = is_space(c);
		return STEP_EAT;

	case ST_META_BS:
		/* "\\\\" ends the command and is eaten; a single \ starts the next */
		if (s->meta_inside && c != '\\') {
			call->r = sqlscan_fail_at(s, call->err, s->meta_end, s->bs_line, s->bs_col,
						  "a meta-command right after one inside a statement "
						  "is not supported");
			return STEP_ITEM;
		}
		call->r = meta_emit(s, call->buf, s->meta_end, call->out);
		if (c == '\\') {
			advance(s, c);
			s->state = ST_INIT;
		} else {
			meta_next_at_bs(s);
		}
		return STEP_ITEM;

	default: /* ST_META_SQ, ST_META_SQ_BS, ST_META_DQ, ST_META_BQ, ST_META_WHOLE */
		if (c == '\n') { /* psql reads one line: a quote ends here */
			s->state = ST_INIT;
			call->r = meta_emit(s, call->buf, s->pos, call->out);
			return STEP_ITEM;
		}
		if (st == ST_META_SQ_BS)
			s->state = ST_META_SQ;
		else if (st == ST_META_SQ && c == '\\')
			s->state = ST_META_SQ_BS;
		else if ((st == ST_META_SQ && c == '\'') || (st == ST_META_DQ && c == '"') ||
			 (st == ST_META_BQ && c == '`'))
			s->state = ST_META_ARGS;
		return STEP_EAT;
	}
}

enum sqlscan_result slashscan_emit_queued(struct sqlscan *s, const char *buf,
					  struct sqlscan_item *out)
{
	s->meta_queued = false;
	return meta_emit(s, buf, s->meta_q_end, out);
}

enum sqlscan_result slashscan_lex_eof(struct sqlscan *s, struct sqlscan_call *call)
{
	enum sqlscan_result r;
	switch (s->state) {
	case ST_META_BS:
		/* as when more input follows (slashscan_lex): the '\' would start a
		 * command inside the statement, and the cut of the one before would
		 * take it along */
		if (s->meta_inside)
			return sqlscan_fail_at(s, call->err, s->meta_end, s->bs_line, s->bs_col,
					       "a meta-command right after one inside a statement "
					       "is not supported");
		r = meta_emit(s, call->buf, s->meta_end, call->out);
		meta_next_at_bs(s);
		return r;
	case ST_BS:
		meta_begin(s);
		/* fall through */
	case ST_META_NAME:
		if (meta_name_end(s, call->buf, call->err) == SQLSCAN_ERROR)
			return SQLSCAN_ERROR;
		break;
	default: /* ST_META_ARGS and the quotes in arguments */
		break;
	}
	s->state = ST_INIT;
	return meta_emit(s, call->buf, s->pos, call->out);
}

/* ---- meta-command arguments (psqlscanslash.l, OT_NORMAL) ---- */

static int arg_put(char *out, size_t cap, size_t *n, char c)
{
	if (*n + 1 >= cap)
		return -1;
	out[(*n)++] = c;
	return 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int arg_fail(struct sqlscan_error *err, const char *msg)
{
	if (err) {
		memset(err, 0, sizeof *err);
		snprintf(err->msg, sizeof err->msg, "%s", msg);
	}
	return -1;
}

/* dequote_downcase_identifier() in psqlscanslash.l */
static void dequote_arg(char *str, size_t *n, bool downcase)
{
	bool inquotes = false;
	size_t r = 0, w = 0;
	while (r < *n) {
		if (str[r] == '"') {
			if (inquotes && r + 1 < *n && str[r + 1] == '"') {
				str[w++] = '"';
				r += 2;
				continue;
			}
			inquotes = !inquotes;
			r++;
			continue;
		}
		str[w++] = (downcase && !inquotes) ? (char)ascii_lower((unsigned char)str[r])
						     : str[r];
		r++;
	}
	*n = w;
	str[w] = '\0';
}

static int arg_puts(char *out, size_t cap, size_t *n, const char *v, size_t len)
{
	if (*n + len >= cap)
		return -1;
	memcpy(out + *n, v, len);
	*n += len;
	return 0;
}

/* psqlscanslash.l's variable rules in an unquoted part of an argument, at
 * p just after a ':'.  Returns the bytes it used after the ':' (0: the ':'
 * is an ordinary character), appending the substitution to out. */
static int arg_variable(const char *p, const char *end, const struct slashscan_vars *v,
			char *out, size_t cap, size_t *n, size_t *used)
{
	enum sqlscan_var kind = SQLSCAN_VAR_PLAIN;
	const char *name = p, *q = p;
	char close = 0;
	const char *value;
	*used = 0;
	if (p < end && (*p == '\'' || *p == '"')) {
		kind = *p == '\'' ? SQLSCAN_VAR_LITERAL : SQLSCAN_VAR_IDENT;
		close = *p;
		name = q = p + 1;
	} else if (end - p >= 2 && p[0] == '{' && p[1] == '?') {
		kind = SQLSCAN_VAR_TEST;
		close = '}';
		name = q = p + 2;
	}
	while (q < end && is_dolq_cont((unsigned char)*q))
		q++;
	if (q == name || (close && (q == end || *q != close)))
		return 0;
	value = v->value(v->ctx, name, (size_t)(q - name), kind);
	*used = (size_t)(q - p) + (close ? 1 : 0);
	if (!value) /* not set: as written */
		return arg_puts(out, cap, n, p - 1, *used + 1) ? -1 : 1;
	return arg_puts(out, cap, n, value, strlen(value)) ? -1 : 1;
}

int slashscan_next_arg(const char **pp, const char *end, unsigned flags, char *out,
		       size_t cap, size_t *out_len, char *quote,
		       struct sqlscan_error *err)
{
	return slashscan_next_arg_vars(pp, end, flags, NULL, out, cap, out_len, quote, err);
}

int slashscan_next_arg_vars(const char **pp, const char *end, unsigned flags,
			    const struct slashscan_vars *vars, char *out, size_t cap,
			    size_t *out_len, char *quote, struct sqlscan_error *err)
{
	const char *p = *pp;
	size_t n = 0, unquoted_tail = 0;
	char q = 0;
	if (cap == 0)
		return arg_fail(err, "argument too long");
	while (p < end && is_space((unsigned char)*p))
		p++;
	if (p == end) {
		*pp = p;
		out[0] = '\0';
		return 0;
	}
	while (p < end && !is_space((unsigned char)*p)) {
		unsigned char c = (unsigned char)*p++;
		if (c == '`')
			return arg_fail(err, "backquote substitution is not supported");
		if (c == '"') {
			q = '"';
			unquoted_tail = 0;
			if (arg_put(out, cap, &n, '"'))
				return arg_fail(err, "argument too long");
			while (p < end && *p != '"')
				if (arg_put(out, cap, &n, *p++))
					return arg_fail(err, "argument too long");
			if (p == end)
				return arg_fail(err, "unterminated quoted string");
			if (arg_put(out, cap, &n, *p++))
				return arg_fail(err, "argument too long");
			continue;
		}
		if (c == ':' && vars) {
			size_t used;
			int rc = arg_variable(p, end, vars, out, cap, &n, &used);
			if (rc < 0)
				return arg_fail(err, "argument too long");
			if (rc > 0) {
				p += used;
				unquoted_tail = 0;
				continue;
			}
		}
		if (c != '\'') {
			unquoted_tail++;
			if (arg_put(out, cap, &n, (char)c))
				return arg_fail(err, "argument too long");
			continue;
		}
		q = '\'';
		unquoted_tail = 0;
		for (;;) {
			char v;
			if (p == end)
				return arg_fail(err, "unterminated quoted string");
			c = (unsigned char)*p++;
			if (c == '\'') {
				if (p < end && *p == '\'') { /* {xqdouble} */
					p++;
					v = '\'';
				} else {
					break;
				}
			} else if (c == '\\' && p < end) {
				unsigned char e = (unsigned char)*p++;
				if (e >= '0' && e <= '7') { /* {xeoctesc} */
					int val = e - '0';
					for (int k = 0; k < 2 && p < end && *p >= '0' && *p <= '7'; k++)
						val = val * 8 + (*p++ - '0');
					v = (char)val;
				} else if (e == 'x' && p < end && hexval((unsigned char)*p) >= 0) {
					int val = hexval((unsigned char)*p++);
					if (p < end && hexval((unsigned char)*p) >= 0)
						val = val * 16 + hexval((unsigned char)*p++);
					v = (char)val;
				} else {
					v = e == 'n'   ? '\n'
					    : e == 't' ? '\t'
					    : e == 'b' ? '\b'
					    : e == 'r' ? '\r'
					    : e == 'f' ? '\f'
							: (char)e;
				}
			} else {
				v = (char)c;
			}
			if (arg_put(out, cap, &n, v))
				return arg_fail(err, "argument too long");
		}
	}
	if (flags & SLASHSCAN_ARG_SEMICOLON)
		while (unquoted_tail-- > 0 && n > 0 && out[n - 1] == ';')
			n--;
	out[n] = '\0';
	if (flags & (SLASHSCAN_ARG_SQLID | SLASHSCAN_ARG_SQLIDHACK))
		dequote_arg(out, &n, (flags & SLASHSCAN_ARG_SQLID) != 0);
	*pp = p;
	*out_len = n;
	if (quote)
		*quote = q;
	return 1;
}
