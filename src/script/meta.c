/*
 * meta.c — the meta-commands real scripts contain, as psql's command.c
 * executes them: \set and \unset (ON_ERROR_STOP is always on), \i /
 * \include and \ir / \include_relative (confined to the scripts' tree),
 * pg_dump's \restrict KEY / \unrestrict KEY, \connect to the same database,
 * \encoding, and \echo / \qecho / \warn.  Anything else is an error naming
 * the file and line.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/connect.h"
#include "db/query.h"
#include "db/target.h"
#include "script/exec.h"
#include "sql/pgenc.h"
#include "sql/slashscan.h"
#include "sql/sqlclass.h"
#include "util/clock.h"
#include "util/log.h"

#define RECONNECT_MS 30000 /* how long \connect may take */

int meta_is(const struct sqlscan_item *it, const char *name)
{
	return it->name_len == strlen(name) && strncmp(it->name, name, it->name_len) == 0;
}

int meta_is_include(const struct sqlscan_item *it)
{
	return meta_is(it, "i") || meta_is(it, "ir") || meta_is(it, "include") ||
	       meta_is(it, "include_relative");
}

/* The first argument of it, unquoted as psql does, into out. */
static int first_arg(const struct sqlscan_item *it, unsigned flags, char *out, size_t cap)
{
	const char *p = it->args, *end = it->args + it->args_len;
	size_t n;
	char quote;
	struct sqlscan_error serr;
	return slashscan_next_arg(&p, end, flags, out, cap, &n, &quote, &serr);
}

/* Resolve the argument of \i (relative to the working directory, as psql)
 * or \ir (relative to the including file) and confine it to root. */
int meta_include_path(const struct source *from, const struct sqlscan_item *it, const char *root,
		      char *out, size_t cap, struct err *e)
{
	char arg[PATH_MAX], joined[PATH_MAX * 2], real[PATH_MAX], real_root[PATH_MAX];
	size_t n;
	int relative = meta_is(it, "ir") || meta_is(it, "include_relative");

	if (first_arg(it, 0, arg, sizeof arg) != 1)
		return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s needs a file name", from->name, it->line,
			       (int)it->name_len, it->name);
	if (arg[0] != '/' && relative) {
		const char *slash = strrchr(from->name, '/');
		if (slash)
			snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - from->name), from->name, arg);
		else
			snprintf(joined, sizeof joined, "%s", arg);
	} else {
		snprintf(joined, sizeof joined, "%s", arg);
	}
	if (!realpath(joined, real))
		return err_set(e, EXIT_SQL, "%s:%zu: cannot include \"%s\": %s", from->name, it->line,
			       joined, strerror(errno));
	if (!root || !realpath(root, real_root))
		return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s is not allowed here", from->name, it->line,
			       (int)it->name_len, it->name);
	n = strlen(real_root);
	if (strncmp(real, real_root, n) != 0 || (real[n] != '/' && real[n] != '\0'))
		return err_set(e, EXIT_SQL, "%s:%zu: \"%s\" is outside the scripts directory \"%s\"",
			       from->name, it->line, arg, root);
	snprintf(out, cap, "%s", joined);
	return 0;
}

int meta_is_connect(const struct sqlscan_item *it)
{
	return meta_is(it, "connect") || meta_is(it, "c");
}

int meta_encoding_arg(const struct sqlscan_item *it, enum pgenc *enc)
{
	char arg[64];
	if (!meta_is(it, "encoding") || first_arg(it, 0, arg, sizeof arg) != 1)
		return 0;
	return pgenc_from_name(arg, enc) ? 1 : 0;
}

/* What \connect asks for: database and user ("-" or omitted: keep), as
 * psql reads its arguments (positional, or a conninfo string / URI first). */
struct connect_want {
	char db[256], user[256], host[256], port[32];
};

static int connect_args(const struct source *s, const struct sqlscan_item *it,
			struct connect_want *w, struct err *e)
{
	char *const slots[] = {w->db, w->user, w->host, w->port};
	const size_t caps[] = {sizeof w->db, sizeof w->user, sizeof w->host, sizeof w->port};
	const char *p = it->args, *end = it->args + it->args_len;
	char arg[1024];
	size_t n;
	char quote;
	struct sqlscan_error serr;
	int position = 0;

	memset(w, 0, sizeof *w);
	/* psql's read_connect_arg: OT_SQLIDHACK ("…" dequoted, not downcased) */
	while (slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON | SLASHSCAN_ARG_SQLIDHACK, arg,
				  sizeof arg, &n, &quote, &serr) == 1) {
		if (!quote && strncmp(arg, "-reuse-previous", 15) == 0)
			continue;
		if (position == 0 && (strchr(arg, '=') || strncmp(arg, "postgresql://", 13) == 0 ||
				      strncmp(arg, "postgres://", 11) == 0)) {
			char *msg = NULL;
			PQconninfoOption *opts = PQconninfoParse(arg, &msg);
			if (!opts) {
				err_set(e, EXIT_SQL, "%s:%zu: \\connect: %s", s->name, it->line,
					msg ? msg : "invalid connection string");
				PQfreemem(msg);
				return -1;
			}
			for (PQconninfoOption *o = opts; o->keyword; o++) {
				if (!o->val)
					continue;
				if (strcmp(o->keyword, "dbname") == 0)
					snprintf(w->db, sizeof w->db, "%s", o->val);
				else if (strcmp(o->keyword, "user") == 0)
					snprintf(w->user, sizeof w->user, "%s", o->val);
				else if (strcmp(o->keyword, "host") == 0)
					snprintf(w->host, sizeof w->host, "%s", o->val);
				else if (strcmp(o->keyword, "port") == 0)
					snprintf(w->port, sizeof w->port, "%s", o->val);
			}
			PQconninfoFree(opts);
			position = 4;
			continue;
		}
		if (position < 4 && (quote || (arg[0] && strcmp(arg, "-") != 0)))
			snprintf(slots[position], caps[position], "%s", arg);
		position++;
	}
	return 0;
}

/* \connect checks: another server (host, port) is never supported; in
 * plain SQL (revisions) not another database or user either. */
int meta_connect_check(PGconn *c, const struct source *s, const struct sqlscan_item *it,
		       int other_db, struct err *e)
{
	struct connect_want w;
	const char *host = PQhost(c), *port = PQport(c);
	if (connect_args(s, it, &w, e) < 0)
		return -1;
	if ((w.host[0] && host && strcmp(w.host, host) != 0) ||
	    (w.port[0] && port && strcmp(w.port, port) != 0))
		return err_set(e, EXIT_SQL, "%s:%zu: \\connect to another server (\"%s%s%s\") is not "
					    "supported",
			       s->name, it->line, w.host[0] ? w.host : host, w.port[0] ? ":" : "",
			       w.port);
	if (!other_db && w.db[0] && strcmp(w.db, PQdb(c)) != 0)
		return err_set(e, EXIT_SQL, "%s:%zu: \\connect to another database (\"%s\") is not "
					    "supported",
			       s->name, it->line, w.db);
	if (!other_db && w.user[0] && strcmp(w.user, PQuser(c)) != 0)
		return err_set(e, EXIT_SQL, "%s:%zu: \\connect to another user (\"%s\") is not "
					    "supported",
			       s->name, it->line, w.user);
	return 0;
}

/* \connect: a new session, as psql opens, to the database (and user) named
 * on the same server; the same credentials unless another user is named
 * (then libpq's own sources: the password file, PGPASSWORD).  The caller's
 * connection, which holds the tool's lock and bookkeeping, stays open but
 * the script no longer uses it — a transaction block the script left open
 * there is rolled back, as psql's closing the old session would. */
static int meta_connect(struct exec *x, const struct source *s, const struct sqlscan_item *it,
			struct err *e)
{
	struct db_target t;
	struct connect_want w;
	enum db_failure why;
	PGconn *fresh;
	if (meta_connect_check(x->c, s, it, x->vars != NULL, e) < 0 ||
	    connect_args(s, it, &w, e) < 0)
		return -1;
	if (db_target_from_conn(&t, x->c, e) < 0)
		return -1;
	if ((w.db[0] && db_target_set(&t, "dbname", w.db, e) < 0) ||
	    (w.user[0] && strcmp(w.user, PQuser(x->c)) != 0 &&
	     (db_target_set(&t, "user", w.user, e) < 0 || db_target_set(&t, "password", NULL, e) < 0))) {
		db_target_release(&t);
		return -1;
	}
	if (db_connect(&t, NULL, now_ms() + RECONNECT_MS, &fresh, &why, e) < 0) {
		db_target_release(&t);
		return err_prefix(e, "%s:%zu: \\connect", s->name, it->line);
	}
	db_target_release(&t);
	if (x->own) {
		PQfinish(x->own);
	} else if (PQtransactionStatus(x->tool) != PQTRANS_IDLE) {
		struct err ignored = {0};
		db_exec(x->tool, "ROLLBACK", NULL, &ignored);
	}
	x->own = x->c = fresh;
	x->in_block = 0;
	PQsetnonblocking(x->c, 1);
	exec_read_settings(x);
	if (x->vars)
		lang_session_variables(x);
	return 0;
}

/* \i and friends: run the file as part of this script. */
static int meta_include(struct exec *x, struct source *s, const struct sqlscan_item *it,
			struct err *e)
{
	char path[PATH_MAX * 2];
	struct source inc;
	int rc;
	if (x->depth >= INCLUDE_DEPTH_MAX)
		return err_set(e, EXIT_SQL, "%s:%zu: includes nested more than %d deep", s->name,
			       it->line, INCLUDE_DEPTH_MAX);
	if (meta_include_path(s, it, x->o->root, path, sizeof path, e) < 0)
		return -1;
	if (source_open_file(&inc, path, 0, e) < 0)
		return err_prefix(e, "%s:%zu", s->name, it->line);
	x->depth++;
	rc = exec_source(x, &inc, e);
	x->depth--;
	source_close(&inc, NULL);
	return rc;
}

/* pg_dump's \restrict KEY … \unrestrict KEY: SQL between them runs, other
 * meta-commands there are errors, and the keys must match. */
static int meta_restrict(struct exec *x, const struct source *s, const struct sqlscan_item *it,
			 struct err *e)
{
	char arg[1024];
	if (x->restricted) {
		if (!meta_is(it, "unrestrict"))
			return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s is not allowed after \\restrict", s->name,
				       it->line, (int)it->name_len, it->name);
		if (first_arg(it, 0, arg, sizeof arg) != 1 || strcmp(arg, x->restrict_key) != 0)
			return err_set(e, EXIT_SQL, "%s:%zu: \\unrestrict key does not match \\restrict",
				       s->name, it->line);
		x->restricted = 0;
		return 0;
	}
	if (meta_is(it, "unrestrict"))
		return err_set(e, EXIT_SQL, "%s:%zu: \\unrestrict without \\restrict", s->name, it->line);
	if (first_arg(it, 0, arg, sizeof arg) != 1)
		return err_set(e, EXIT_SQL, "%s:%zu: \\restrict needs a key", s->name, it->line);
	snprintf(x->restrict_key, sizeof x->restrict_key, "%s", arg);
	x->restricted = 1;
	return 0;
}

/* The three variables that change how psql executes: the runner always
 * runs with AUTOCOMMIT on, ON_ERROR_STOP on and ON_ERROR_ROLLBACK off, and a
 * script that asks for anything else is refused rather than run
 * differently.  (\unset of a boolean sets it to off, as in psql.) */
int meta_fixed_variable(const struct source *s, const struct sqlscan_item *it, const char *name,
			const char *value, int unset, struct err *e)
{
	static const struct {
		const char *name;
		int want; /* the value the runner implements */
	} fixed[] = {{"AUTOCOMMIT", 1}, {"ON_ERROR_STOP", 1}, {"ON_ERROR_ROLLBACK", 0}};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		int b;
		if (strcmp(name, fixed[i].name) != 0)
			continue;
		b = unset ? 0 : sqlclass_bool(value);
		if (b < 0 && fixed[i].want == 0 && strncasecmp(value, "interactive", strlen(value)) == 0 &&
		    value[0])
			b = 0; /* ON_ERROR_ROLLBACK interactive: off in a script */
		if (b == fixed[i].want)
			return 0;
		err_set(e, EXIT_SQL, "%s:%zu: \\%.*s %s%s%s is not supported", s->name, it->line,
			(int)it->name_len, it->name, name, unset ? "" : " ", value);
		return err_hint(e, "scripts run as with psql -v ON_ERROR_STOP=1: AUTOCOMMIT on, "
				   "ON_ERROR_STOP on, ON_ERROR_ROLLBACK off");
	}
	return 0;
}

/* \set NAME [VALUE…] and \unset NAME in plain SQL (revisions): variables
 * are not interpolated there, so only the three above matter. */
static int meta_set(const struct source *s, const struct sqlscan_item *it, struct err *e)
{
	const char *p = it->args, *end = it->args + it->args_len;
	char name[256], value[1024] = "", part[1024];
	size_t n, used = 0;
	char quote;
	struct sqlscan_error serr;
	int unset = meta_is(it, "unset");

	if (slashscan_next_arg(&p, end, 0, name, sizeof name, &n, &quote, &serr) != 1)
		return 0; /* \set alone lists the variables */
	while (!unset && slashscan_next_arg(&p, end, 0, part, sizeof part, &n, &quote, &serr) == 1)
		used += (size_t)snprintf(value + used, used < sizeof value ? sizeof value - used : 0,
					 "%s", part); /* psql concatenates the arguments */
	return meta_fixed_variable(s, it, name, value, unset, e);
}

int meta_run(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e)
{
	char arg[1024];

	if (exec_flush(x, e) < 0)
		return -1;
	if (x->vars && !x->restricted) {
		int handled, rc = lang_meta(x, s, it, &handled, e);
		if (handled)
			return rc;
	}
	if (x->restricted || meta_is(it, "restrict") || meta_is(it, "unrestrict"))
		return meta_restrict(x, s, it, e);
	if (meta_is(it, "set") || meta_is(it, "unset"))
		return meta_set(s, it, e);
	if (meta_is(it, "echo") || meta_is(it, "qecho") || meta_is(it, "warn")) {
		log_info("%s:%zu: %.*s", s->name, it->line, (int)it->args_len, it->args);
		return 0;
	}
	if (meta_is(it, "encoding")) {
		x->savepoint_fresh = 0; /* it runs SET client_encoding outside a batch */
		if (first_arg(it, 0, arg, sizeof arg) == 1 && PQsetClientEncoding(x->c, arg) != 0)
			return err_set(e, EXIT_SQL, "%s:%zu: invalid encoding \"%s\"", s->name, it->line, arg);
		exec_read_settings(x);
		return 0;
	}
	if (meta_is_connect(it))
		return meta_connect(x, s, it, e);
	if (meta_is_include(it))
		return meta_include(x, s, it, e);
	return err_set(e, EXIT_SQL, "%s:%zu: unsupported meta-command \\%.*s", s->name, it->line,
		       (int)it->name_len, it->name);
}
