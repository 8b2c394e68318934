/*
 * lang.c — psql's scripting language in init scripts, as psql 15's
 * command.c, common.c and conditional.c run it: variables and their
 * substitution, \if … \endif, the \g family (\g, \gx, \gset, \gexec),
 * \echo / \qecho / \warn, \q, \getenv, and which other meta-commands are
 * skipped (they only change psql's output) or refused (a shell, a client
 * file written).  meta.c keeps \i, \connect, \encoding, \restrict.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/config.h"
#include "db/query.h"
#include "script/exec.h"
#include "script/vars.h"
#include "sql/slashscan.h"
#include "sql/sqlclass.h"
#include "util/log.h"

#define ARG_MAX_BYTES (64 * 1024)

/* psql's conditional.h states. */
enum { IF_TRUE = 1, IF_FALSE, IF_IGNORED, IF_ELSE_TRUE, IF_ELSE_FALSE };

static int name_in(const struct sqlscan_item *it, const char *const *list)
{
	for (; *list; list++)
		if (meta_is(it, *list))
			return 1;
	return 0;
}

int lang_active(const struct exec *x)
{
	int top = x->ncond > 0 ? x->cond[x->ncond - 1] : IF_TRUE;
	return top == IF_TRUE || top == IF_ELSE_TRUE;
}

/* ---- values ---------------------------------------------------------------- */

char *lang_quote(PGconn *c, const char *v, enum sqlscan_var kind)
{
	size_t n = strlen(v), w = 0, bs = 0;
	char quote = kind == SQLSCAN_VAR_LITERAL ? '\'' : '"', *out;
	if (c && PQstatus(c) == CONNECTION_OK) {
		char *q = kind == SQLSCAN_VAR_LITERAL ? PQescapeLiteral(c, v, n)
						      : PQescapeIdentifier(c, v, n);
		if (!q)
			return NULL;
		out = strdup(q);
		PQfreemem(q);
		return out;
	}
	/* no session (the scan before the run): what libpq would write */
	for (const char *p = v; *p; p++)
		bs += *p == '\\';
	out = malloc(2 * n + 5);
	if (!out)
		return NULL;
	if (kind == SQLSCAN_VAR_LITERAL && bs) {
		out[w++] = ' ';
		out[w++] = 'E';
	}
	out[w++] = quote;
	for (const char *p = v; *p; p++) {
		if (*p == quote || (kind == SQLSCAN_VAR_LITERAL && *p == '\\'))
			out[w++] = *p;
		out[w++] = *p;
	}
	out[w++] = quote;
	out[w] = '\0';
	return out;
}

char *lang_value(const struct vars *vs, PGconn *c, const char *name, size_t len,
		 enum sqlscan_var kind)
{
	const char *v = vars_get(vs, name, len);
	if (kind == SQLSCAN_VAR_TEST)
		return strdup(v ? "TRUE" : "FALSE");
	if (!v)
		return NULL;
	if (kind == SQLSCAN_VAR_PLAIN)
		return strdup(v);
	return lang_quote(c, v, kind);
}

static int is_result_variable(const char *name, size_t len)
{
	static const char *const names[] = {"ERROR", "SQLSTATE", "ROW_COUNT", "LAST_ERROR_MESSAGE",
					    "LAST_ERROR_SQLSTATE", NULL};
	for (const char *const *n = names; *n; n++)
		if (strlen(*n) == len && memcmp(*n, name, len) == 0)
			return 1;
	return 0;
}

/* The source's resolver (source.h): nothing is expanded in a branch that is
 * not taken, as psql_get_variable does. */
char *lang_resolve(void *ctx, const struct source *s, const struct sqlscan_item *ref, size_t *len)
{
	struct exec *x = ctx;
	char *v;
	if (!lang_active(x))
		return NULL;
	if (is_result_variable(ref->name, ref->name_len)) {
		struct err ignored = {0};
		exec_flush(x, &ignored); /* the results before it are in */
	}
	v = lang_value(x->vars, x->c, ref->name, ref->name_len, ref->var);
	if (!v && ref->var != SQLSCAN_VAR_PLAIN && vars_get(x->vars, ref->name, ref->name_len))
		log_warn("%s:%zu: cannot quote the value of variable \"%.*s\": %s", s->name,
			 ref->line + s->line_offset, (int)ref->name_len, ref->name,
			 PQerrorMessage(x->c));
	if (v)
		*len = strlen(v);
	return v;
}

/* The variables psql sets for a session. */
void lang_session_variables(struct exec *x)
{
	char num[32];
	const char *ver = PQparameterStatus(x->c, "server_version");
	vars_set(x->vars, "DBNAME", PQdb(x->c), false);
	vars_set(x->vars, "USER", PQuser(x->c), false);
	vars_set(x->vars, "HOST", PQhost(x->c), false);
	vars_set(x->vars, "PORT", PQport(x->c), false);
	vars_set(x->vars, "ENCODING", pg_encoding_to_char(PQclientEncoding(x->c)), false);
	snprintf(num, sizeof num, "%d", PQserverVersion(x->c));
	vars_set(x->vars, "SERVER_VERSION_NUM", num, false);
	vars_set(x->vars, "SERVER_VERSION_NAME", ver ? ver : "", false);
}

/* After a query that succeeded (errors stop the script: ON_ERROR_STOP). */
void lang_query_variables(struct exec *x, const char *row_count)
{
	vars_set(x->vars, "ERROR", "false", false);
	vars_set(x->vars, "SQLSTATE", "00000", false);
	vars_set(x->vars, "ROW_COUNT", row_count && *row_count ? row_count : "0", false);
	vars_set(x->vars, "LASTOID", "0", false); /* tables have no OIDs since PostgreSQL 12 */
	if (!vars_get(x->vars, "LAST_ERROR_MESSAGE", 18)) {
		vars_set(x->vars, "LAST_ERROR_MESSAGE", "", false);
		vars_set(x->vars, "LAST_ERROR_SQLSTATE", "00000", false);
	}
}

/* ---- arguments ------------------------------------------------------------- */

/* Where the values of variables in arguments come from: vs, quoted on c
 * (NULL: as libpq would on a UTF-8 session); val holds the last one. */
struct arg_vars {
	const struct vars *vs;
	PGconn *c;
	char *val;
};

static const char *arg_value(void *ctx, const char *name, size_t len, enum sqlscan_var kind)
{
	struct arg_vars *a = ctx;
	free(a->val);
	a->val = lang_value(a->vs, a->c, name, len, kind);
	return a->val;
}

/* The next argument of it, with the variables of vs substituted: 1 (in out,
 * ARG_MAX_BYTES), 0 (no more), -1 (e set). */
static int args_next(const struct vars *vs, PGconn *c, const struct source *s,
		     const struct sqlscan_item *it, const char **p, char *out, size_t *n,
		     struct err *e)
{
	struct arg_vars a = {vs, c, NULL};
	struct slashscan_vars v = {arg_value, &a};
	struct sqlscan_error serr;
	char quote;
	int rc = slashscan_next_arg_vars(p, it->args + it->args_len, 0, &v, out, ARG_MAX_BYTES, n,
					 &quote, &serr);
	free(a.val);
	if (rc < 0)
		return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s: %s", s->name, it->line,
			       (int)it->name_len, it->name, serr.msg);
	return rc;
}

static int next_arg(struct exec *x, const struct source *s, const struct sqlscan_item *it,
		    const char **p, char *out, size_t *n, struct err *e)
{
	return args_next(x->vars, x->c, s, it, p, out, n, e);
}

/* All the arguments of it from p on, joined by sep (psql's \echo, \set
 * values), malloc'd; NULL with e set. */
static char *args_joined(const struct vars *vs, PGconn *c, const struct source *s,
			 const struct sqlscan_item *it, const char **p, const char *sep,
			 struct err *e)
{
	char *out = malloc(ARG_MAX_BYTES), *arg = malloc(ARG_MAX_BYTES);
	size_t used = 0, n;
	int rc;
	if (!out || !arg) {
		free(out);
		free(arg);
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		return NULL;
	}
	out[0] = '\0';
	while ((rc = args_next(vs, c, s, it, p, arg, &n, e)) == 1) {
		size_t k = used ? strlen(sep) : 0;
		if (used + k + n + 1 > ARG_MAX_BYTES) {
			rc = err_set(e, EXIT_SQL, "%s:%zu: \\%.*s: argument too long", s->name,
				     it->line, (int)it->name_len, it->name);
			break;
		}
		memcpy(out + used, sep, k);
		memcpy(out + used + k, arg, n);
		used += k + n;
		out[used] = '\0';
	}
	free(arg);
	if (rc < 0) {
		free(out);
		return NULL;
	}
	return out;
}

static char *all_args(struct exec *x, const struct source *s, const struct sqlscan_item *it,
		      const char **p, const char *sep, struct err *e)
{
	return args_joined(x->vars, x->c, s, it, p, sep, e);
}

int lang_set_args(const struct vars *vs, PGconn *c, const struct source *s,
		  const struct sqlscan_item *it, char **name, char **value, struct err *e)
{
	const char *p = it->args;
	size_t n;
	int rc;
	*name = malloc(ARG_MAX_BYTES);
	*value = NULL;
	if (!*name)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	rc = args_next(vs, c, s, it, &p, *name, &n, e);
	if (rc == 1 && !config_var_name_ok(*name, n))
		rc = err_set(e, EXIT_SQL, "%s:%zu: invalid variable name: \"%s\"", s->name, it->line,
			     *name);
	if (rc == 1 && !meta_is(it, "unset") && !(*value = args_joined(vs, c, s, it, &p, "", e)))
		rc = -1;
	if (rc != 1) {
		free(*name);
		*name = NULL;
	}
	return rc;
}

/* ---- \if --------------------------------------------------------------------- */

/* psql's is_true_boolean_expression: the arguments joined by spaces, read
 * as a boolean. */
static int read_condition(struct exec *x, const struct source *s, const struct sqlscan_item *it,
			  int *value, struct err *e)
{
	const char *p = it->args;
	char *v = all_args(x, s, it, &p, " ", e);
	if (!v)
		return -1;
	*value = sqlclass_bool(v);
	if (*value < 0) { /* psql reports it and takes the branch as false, ON_ERROR_STOP or not */
		log_error("%s:%zu: unrecognized value \"%s\" for \"\\%.*s expression\": Boolean "
			  "expected",
			  s->name, it->line, v, (int)it->name_len, it->name);
		*value = 0;
	}
	free(v);
	return 0;
}

static int conditional(struct exec *x, const struct source *s, const struct sqlscan_item *it,
		       struct err *e)
{
	int *top = x->ncond > 0 ? &x->cond[x->ncond - 1] : NULL;
	int b;
	if (meta_is(it, "if")) {
		if ((size_t)x->ncond == sizeof x->cond / sizeof x->cond[0])
			return err_set(e, EXIT_SQL, "%s:%zu: \\if nested too deep", s->name, it->line);
		if (!lang_active(x)) {
			x->cond_line[x->ncond] = it->line;
			x->cond[x->ncond++] = IF_IGNORED;
			return 0;
		}
		if (read_condition(x, s, it, &b, e) < 0)
			return -1;
		x->cond_line[x->ncond] = it->line;
		x->cond[x->ncond++] = b ? IF_TRUE : IF_FALSE;
		return 0;
	}
	if (!top)
		return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s: no matching \\if", s->name, it->line,
			       (int)it->name_len, it->name);
	if (meta_is(it, "endif")) {
		x->ncond--;
		return 0;
	}
	if (*top == IF_ELSE_TRUE || *top == IF_ELSE_FALSE)
		return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s: cannot occur after \\else", s->name,
			       it->line, (int)it->name_len, it->name);
	if (meta_is(it, "else")) {
		*top = *top == IF_FALSE ? IF_ELSE_TRUE : IF_ELSE_FALSE;
		return 0;
	}
	/* \elif */
	if (*top == IF_TRUE) {
		*top = IF_IGNORED; /* a branch was taken */
	} else if (*top == IF_FALSE) {
		if (read_condition(x, s, it, &b, e) < 0)
			return -1;
		*top = b ? IF_TRUE : IF_FALSE;
	}
	return 0;
}

int lang_end_of_file(struct exec *x, int base, const struct source *s, struct err *e)
{
	if (x->ncond > base && !x->quit)
		return err_set(e, EXIT_SQL, "%s:%zu: reached the end of the file without \\endif for "
					    "this \\if",
			       s->name, x->cond_line[x->ncond - 1]);
	x->ncond = base;
	return 0;
}

/* ---- the \g family ---------------------------------------------------------- */

void lang_hold_query(struct exec *x, const struct source *s, const struct sqlscan_item *it)
{
	lang_remember(x, s, it);
	free(x->gquery);
	x->gquery = malloc(it->len + 1);
	if (!x->gquery)
		return;
	memcpy(x->gquery, it->text, it->len);
	x->gquery[it->len] = '\0';
	x->gseg = (struct segment){s->name, NULL, 0, it->len, it->line, it->col, 0};
}

void lang_remember(struct exec *x, const struct source *s, const struct sqlscan_item *it)
{
	if (it->len >= BATCH_BYTES) { /* not copied: memory stays what one statement costs */
		x->prev_seg.len = 0;
		return;
	}
	if (it->len + 1 > x->prev_cap) {
		size_t cap = it->len + 1 > 2 * x->prev_cap ? it->len + 1 : 2 * x->prev_cap;
		char *more = realloc(x->prev, cap);
		if (!more) {
			x->prev_seg.len = 0; /* nothing to send again */
			return;
		}
		x->prev = more;
		x->prev_cap = cap;
	}
	memcpy(x->prev, it->text, it->len);
	x->prev[it->len] = '\0';
	x->prev_seg = (struct segment){s->name, NULL, 0, it->len, it->line, it->col, 0};
}

static int gset(struct exec *x, const struct source *s, const struct sqlscan_item *it,
		const PGresult *r, const char *prefix, struct err *e)
{
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
		return 0; /* psql: a command returning no rows sets nothing */
	if (PQntuples(r) == 0)
		return err_set(e, EXIT_SQL, "%s:%zu: no rows returned for \\gset", s->name, it->line);
	if (PQntuples(r) > 1)
		return err_set(e, EXIT_SQL, "%s:%zu: more than one row returned for \\gset", s->name,
			       it->line);
	for (int i = 0; i < PQnfields(r); i++) {
		char name[512];
		snprintf(name, sizeof name, "%s%s", prefix, PQfname(r, i));
		if (!config_var_name_ok(name, strlen(name)))
			return err_set(e, EXIT_SQL, "%s:%zu: invalid variable name: \"%s\"", s->name,
				       it->line, name);
		if (vars_set(x->vars, name, PQgetisnull(r, 0, i) ? NULL : PQgetvalue(r, 0, i), false) <
		    0)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	return 0;
}

/* psql's \gexec: every non-NULL cell, row by row, run as a query of its own. */
static int gexec(struct exec *x, const struct sqlscan_item *it, const PGresult *r, struct err *e)
{
	struct segment seg = x->gseg;
	seg.line = it->line;
	seg.col = it->col;
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
		return 0;
	for (int row = 0; row < PQntuples(r); row++)
		for (int col = 0; col < PQnfields(r); col++) {
			const char *sql = PQgetvalue(r, row, col);
			if (PQgetisnull(r, row, col))
				continue;
			seg.len = strlen(sql);
			if (exec_query(x, sql, &seg, NULL, NULL, e) < 0)
				return -1;
		}
	return 0;
}

static int g_family(struct exec *x, struct source *s, const struct sqlscan_item *it,
		    struct err *e)
{
	char *arg = malloc(ARG_MAX_BYTES);
	const char *p = it->args;
	size_t n;
	PGresult *last = NULL;
	int rc = 0;
	if (!arg)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	arg[0] = '\0';
	if (next_arg(x, s, it, &p, arg, &n, e) < 0) {
		free(arg);
		return -1;
	}
	if ((meta_is(it, "g") || meta_is(it, "gx")) && arg[0] && arg[0] != '(') {
		free(arg);
		err_set(e, EXIT_SQL, "%s:%zu: \\%.*s with a file or command writes outside the "
				     "database: not allowed in a script run here",
			s->name, it->line, (int)it->name_len, it->name);
		return err_hint(e, "drop the argument: \\g alone runs the query");
	}
	if (!x->gquery && x->prev && x->prev_seg.len > 0) { /* psql's previous query buffer */
		x->gquery = strdup(x->prev);
		x->gseg = x->prev_seg;
	}
	if (!x->gquery) {
		free(arg);
		return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s without a query before it", s->name,
			       it->line, (int)it->name_len, it->name);
	}
	rc = exec_query(x, x->gquery, &x->gseg, NULL, &last, e);
	if (rc == 0 && meta_is(it, "gset"))
		rc = gset(x, s, it, last, arg, e);
	else if (rc == 0 && meta_is(it, "gexec"))
		rc = gexec(x, it, last, e);
	PQclear(last);
	free(x->gquery);
	x->gquery = NULL;
	free(arg);
	return rc;
}

/* ---- large objects -------------------------------------------------------- */

/* \lo_unlink OID: the large object is removed, as psql's lo_unlink() call. */
static int lo_unlink_meta(struct exec *x, struct source *s, const struct sqlscan_item *it,
			  struct err *e)
{
	char oid[64], sql[128];
	const char *p = it->args;
	size_t n;
	struct segment seg = {s->name, NULL, 0, 0, it->line, it->col, 0};
	int rc = next_arg(x, s, it, &p, oid, &n, e);
	if (rc < 0)
		return -1;
	if (rc == 0 || n == 0 || strspn(oid, "0123456789") != n || n > 10)
		return err_set(e, EXIT_SQL, "%s:%zu: \\lo_unlink: missing or invalid OID", s->name,
			       it->line);
	snprintf(sql, sizeof sql, "SELECT pg_catalog.lo_unlink('%s')", oid);
	seg.len = strlen(sql);
	return exec_query(x, sql, &seg, NULL, NULL, e);
}

/* \lo_import FILE [COMMENT]: the client file (inside the scripts' tree)
 * becomes a large object; LASTOID is its OID, as in psql. */
static int lo_import_meta(struct exec *x, struct source *s, const struct sqlscan_item *it,
			  struct err *e)
{
	static const char sql[] = "SELECT pg_catalog.lo_from_bytea(0, $1)";
	const char *p = it->args;
	char *name = malloc(ARG_MAX_BYTES), *comment = malloc(ARG_MAX_BYTES), *data = NULL;
	size_t n, len = 0, cap = 0;
	int rc = -1, has_comment = 0;
	FILE *f = NULL;
	struct segment seg = {s->name, NULL, 0, sizeof sql - 1, it->line, it->col, 0};
	if (!name || !comment) {
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		goto out;
	}
	if ((rc = next_arg(x, s, it, &p, name, &n, e)) <= 0) {
		if (rc == 0)
			err_set(e, EXIT_SQL, "%s:%zu: \\lo_import: missing required argument", s->name,
				it->line);
		rc = -1;
		goto out;
	}
	has_comment = next_arg(x, s, it, &p, comment, &n, e);
	rc = -1;
	if (has_comment < 0 || !(f = copy_open_client_file(x, s, it, name, e)))
		goto out;
	for (;;) { /* the whole file: one bytea parameter */
		size_t got;
		if (len + 65536 > cap) {
			char *more = realloc(data, cap = (cap + 65536) * 2);
			if (!more) {
				err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
				goto out;
			}
			data = more;
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		err_set(e, EXIT_SQL, "%s:%zu: \\lo_import: cannot read %s", s->name, it->line, name);
		goto out;
	}
	{
		const char *values[1] = {data ? data : ""};
		int lengths[1] = {(int)len}, formats[1] = {1};
		struct exec_params params = {1, (const Oid[]){17 /* bytea */}, values, lengths, formats};
		PGresult *made;
		if (exec_query(x, sql, &seg, &params, &made, e) < 0)
			goto out;
		if (has_comment == 1 && made && PQntuples(made) == 1) {
			char *lit = PQescapeLiteral(x->c, comment, strlen(comment));
			char *q = lit ? malloc(strlen(lit) + 64) : NULL;
			if (q) {
				sprintf(q, "COMMENT ON LARGE OBJECT %s IS %s", PQgetvalue(made, 0, 0), lit);
				seg.len = strlen(q);
				rc = exec_query(x, q, &seg, NULL, NULL, e);
			} else {
				err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
			}
			PQfreemem(lit);
			free(q);
			if (rc < 0) {
				PQclear(made);
				goto out;
			}
		}
		/* as psql's do_lo_import: LASTOID is the new object, after its comment */
		if (made && PQntuples(made) == 1)
			vars_set(x->vars, "LASTOID", PQgetvalue(made, 0, 0), false);
		PQclear(made);
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	free(data);
	free(name);
	free(comment);
	return rc;
}

/* ---- the rest ---------------------------------------------------------------- */

/* Only psql's output changes: nothing to do in a script run here. */
static const char *const output_only[] = {
	"a", "C", "conninfo", "copyright", "d", "da", "dA", "dAc", "dAf", "dAo", "dAp", "db", "dc",
	"dconfig", "dC", "dd", "dD", "ddp", "dE", "des", "det", "deu", "dew", "df", "dF", "dFd",
	"dFp", "dFt", "dg", "di", "dl", "dL", "dm", "dn", "do", "dO", "dp", "dP", "dPi", "dPt",
	"drds", "dRp", "dRs", "ds", "dS", "dt", "dT", "du", "dv", "dx", "dX", "dy", "errverbose",
	"f", "gdesc", "h", "help", "H", "html", "l", "list", "lo_list", "p", "print", "pset", "r",
	"reset", "sf", "sv", "t", "T", "timing", "x", "z", "?", NULL};

/* What would run a shell, read the terminal or write a client file. */
static const char *const refused[] = {"!",	  "cd",	    "e",      "edit", "ef",
				      "ev",	  "lo_export", "password", "prompt", "s",
				      "setenv", "w",	    "write",  "watch", NULL};

/* psql 15's command.c knows these (and every \d…); any other is an error
 * even in a branch not taken. */
static int known_command(const struct sqlscan_item *it)
{
	static const char *const known[] = {
		"a", "c", "connect", "C", "cd", "conninfo", "copy", "copyright",
		"crosstabview", "e", "edit", "echo", "ef", "ev", "elif", "else", "encoding", "endif",
		"errverbose", "f", "g", "gdesc", "getenv", "gexec", "gset", "gx", "h", "help", "H",
		"html", "i", "include", "if", "ir", "include_relative", "l", "l+", "list", "list+",
		"lo_export", "lo_import", "lo_list", "lo_unlink", "o", "out", "p", "print", "password",
		"prompt", "pset", "q", "quit", "qecho", "r", "reset", "restrict", "s", "set", "setenv",
		"sf", "sf+", "sv", "sv+", "t", "T", "timing", "unrestrict", "unset", "w", "write",
		"warn", "watch", "x", "z", "z+", "!", "?", NULL};
	return (it->name_len > 0 && it->name[0] == 'd') || name_in(it, known);
}

static int refuse(const struct source *s, const struct sqlscan_item *it, const char *why,
		  struct err *e)
{
	err_set(e, EXIT_SQL, "%s:%zu: \\%.*s is not allowed in a script run here: %s", s->name,
		it->line, (int)it->name_len, it->name, why);
	return err_hint(e, "init scripts may change the database only; run such steps outside "
			   "the scripts");
}

static int base_name(const struct sqlscan_item *it, const char *const *list)
{
	/* \dt+, \dS+, \l+ …: the name without its modifiers */
	struct sqlscan_item base = *it;
	while (base.name_len > 1 && (base.name[base.name_len - 1] == '+' ||
				     (base.name_len > 2 && base.name[base.name_len - 1] == 'S')))
		base.name_len--;
	return name_in(&base, list) || name_in(it, list);
}

static int set_variable(struct exec *x, struct source *s, const struct sqlscan_item *it,
			struct err *e)
{
	char *name, *value;
	int unset = meta_is(it, "unset");
	int rc = lang_set_args(x->vars, x->c, s, it, &name, &value, e);
	if (rc <= 0)
		return rc; /* \set alone lists the variables: output only */
	rc = meta_fixed_variable(s, it, name, unset ? "" : value, unset, e);
	if (rc == 0 && vars_set(x->vars, name, value, false) < 0)
		rc = err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	free(name);
	free(value);
	return rc;
}

static int getenv_variable(struct exec *x, struct source *s, const struct sqlscan_item *it,
			   struct err *e)
{
	const char *p = it->args;
	char *name = malloc(ARG_MAX_BYTES), *env = malloc(ARG_MAX_BYTES);
	size_t n;
	int rc;
	if (!name || !env)
		rc = err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	else if ((rc = next_arg(x, s, it, &p, name, &n, e)) == 1)
		rc = next_arg(x, s, it, &p, env, &n, e);
	if (rc == 0)
		rc = err_set(e, EXIT_SQL, "%s:%zu: \\getenv: missing required argument", s->name,
			     it->line);
	else if (rc == 1 && vars_set(x->vars, name, getenv(env), false) < 0)
		rc = err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	else if (rc == 1)
		rc = 0;
	free(name);
	free(env);
	return rc;
}

static int echo(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e)
{
	const char *p = it->args;
	char *text;
	if (meta_is(it, "echo") || meta_is(it, "warn")) { /* -n: no newline, one line here */
		const char *q = p;
		char first[8];
		size_t n;
		struct sqlscan_error serr;
		char quote;
		if (slashscan_next_arg(&q, it->args + it->args_len, 0, first, sizeof first, &n, &quote,
				       &serr) == 1 &&
		    strcmp(first, "-n") == 0 && !quote)
			p = q;
	}
	text = all_args(x, s, it, &p, " ", e);
	if (!text)
		return -1;
	if (meta_is(it, "warn"))
		log_warn("%s", text);
	else
		log_info("%s", text);
	free(text);
	return 0;
}

int lang_meta(struct exec *x, struct source *s, const struct sqlscan_item *it, int *handled,
	      struct err *e)
{
	static const char *const conds[] = {"if", "elif", "else", "endif", NULL};
	static const char *const gcmds[] = {"g", "gx", "gset", "gexec", NULL};
	*handled = 1;
	if (name_in(it, conds))
		return conditional(x, s, it, e);
	if (!lang_active(x)) {
		if (!known_command(it))
			return err_set(e, EXIT_SQL, "%s:%zu: invalid command \\%.*s", s->name, it->line,
				       (int)it->name_len, it->name);
		if (name_in(it, gcmds)) {
			free(x->gquery);
			x->gquery = NULL;
		}
		return 0; /* psql skips everything else in a branch not taken */
	}
	if (name_in(it, gcmds))
		return g_family(x, s, it, e);
	if (meta_is(it, "r") || meta_is(it, "reset") || meta_is(it, "gdesc")) {
		/* \r drops the statement; \gdesc only describes it (psql's output) */
		free(x->gquery);
		x->gquery = NULL;
		log_debug("%s:%zu: skipped \\%.*s", s->name, it->line, (int)it->name_len, it->name);
		return 0;
	}
	if (meta_is(it, "set") || meta_is(it, "unset"))
		return set_variable(x, s, it, e);
	if (meta_is(it, "echo") || meta_is(it, "qecho") || meta_is(it, "warn"))
		return echo(x, s, it, e);
	if (meta_is(it, "q") || meta_is(it, "quit")) {
		x->quit = 1;
		return 0;
	}
	if (meta_is(it, "getenv"))
		return getenv_variable(x, s, it, e);
	if (meta_is(it, "o") || meta_is(it, "out")) {
		if (it->args_len > 0)
			return refuse(s, it, "it writes query output to a file or command", e);
		log_debug("%s:%zu: skipped \\%.*s (output only)", s->name, it->line,
			  (int)it->name_len, it->name);
		return 0;
	}
	if (meta_is(it, "copy"))
		return copy_meta(x, s, it, e);
	if (meta_is(it, "crosstabview")) /* psql fails on results it cannot lay out */
		return refuse(s, it, "it runs the query to format its output, and psql stops on a "
				     "result it cannot lay out; use \\g",
			      e);
	if (meta_is(it, "lo_unlink"))
		return lo_unlink_meta(x, s, it, e);
	if (meta_is(it, "lo_import"))
		return lo_import_meta(x, s, it, e);
	if (name_in(it, refused)) {
		if (memchr(it->args, '`', it->args_len) || meta_is(it, "!"))
			return refuse(s, it, "it would run a shell", e);
		return refuse(s, it,
			      meta_is(it, "prompt") || meta_is(it, "password")
				      ? "it reads from a terminal"
			      : meta_is(it, "cd") ? "it changes the working directory"
						    : "it runs a program or touches client files",
			      e);
	}
	if (base_name(it, output_only)) {
		log_debug("%s:%zu: skipped \\%.*s (output only)", s->name, it->line,
			  (int)it->name_len, it->name);
		return 0;
	}
	*handled = 0;
	return 0;
}
