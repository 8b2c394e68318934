/*
 * slashscan.h — split a backslash meta-command's arguments the way psql 15's
 * src/bin/psql/psqlscanslash.l does.  Pure: no I/O, no allocation, never
 * prints or exits.
 *
 * The meta-command itself comes from the SQL scanner (sql/sqlscan.h) as an
 * SQLSCAN_META item: its name and its raw argument text.  slashscan.c holds
 * both halves of psqlscanslash.l's job: the scanner's meta-command states
 * (private to src/sql) and, here, the splitting of the arguments.
 */
#ifndef MIGRATE_SLASHSCAN_H
#define MIGRATE_SLASHSCAN_H

#include "sql/sqlscan.h"

#include <stddef.h>

/* Splitting meta-command arguments the way psqlscanslash.l does for
 * OT_NORMAL options:
 *   - arguments are separated by unquoted whitespace;
 *   - '…' is single-quoted: '' is a quote, \n \t \b \r \f, \ooo (octal),
 *     \xhh (hex) and \c (any other c) are escapes, quotes are removed;
 *   - "…" is copied verbatim WITH its double quotes (psql does so for
 *     OT_NORMAL; SLASHSCAN_ARG_SQLID / _SQLIDHACK remove them as psql's
 *     dequote_downcase_identifier does, SQLID also lower-casing unquoted
 *     ASCII letters);
 *   - quoting may be mixed within one argument (a'b c'd is "ab cd");
 *   - `…` (shell command substitution) is not supported: an error;
 *   - psql variables (:name, :'name', :"name") are NOT substituted; the
 *     text is kept as written (slashscan_next_arg_vars substitutes them);
 *   - SLASHSCAN_ARG_SEMICOLON strips unquoted trailing ';' (as \g, \connect
 *     and others ask psql to).
 * An unquoted '\' cannot occur (the scanner ends the meta-command there).
 * Use: p = item.args, end = p + item.args_len; call until it returns 0.
 * Returns 1 with the argument in out (NUL-terminated, *out_len bytes, and
 * *quote = the last quote character used, 0 if none), 0 when there are no
 * more arguments, -1 on error (err->msg: "unterminated quoted string",
 * "backquote substitution is not supported", "argument too long"; line and
 * col are left 0). */
enum {
	SLASHSCAN_ARG_SEMICOLON = 1 << 0,
	SLASHSCAN_ARG_SQLID = 1 << 1,
	SLASHSCAN_ARG_SQLIDHACK = 1 << 2
};
int slashscan_next_arg(const char **p, const char *end, unsigned flags, char *out,
		       size_t cap, size_t *out_len, char *quote,
		       struct sqlscan_error *err);

/* The same with psql's variable substitution in unquoted parts of an
 * argument (not inside '…' or "…"): :name is replaced by its value as it
 * is (not lexed again), :'name' and :"name" by the value quoted as an SQL
 * literal or identifier, :{?name} by TRUE or FALSE; value() gives that
 * text for a reference (kind as in sql/sqlscan.h), NULL to leave it as
 * written (a name that is not set).  The text must stay valid until the
 * next call. */
struct slashscan_vars {
	const char *(*value)(void *ctx, const char *name, size_t len, enum sqlscan_var kind);
	void *ctx;
};
int slashscan_next_arg_vars(const char **p, const char *end, unsigned flags,
			    const struct slashscan_vars *vars, char *out, size_t cap,
			    size_t *out_len, char *quote, struct sqlscan_error *err);

#endif
