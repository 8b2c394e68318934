/*
 * target.c — see target.h.  libpq's own parser (PQconninfoParse) reads the
 * normalised URL, so every keyword libpq knows is accepted exactly as psql
 * accepts it; what the URL leaves out stays unset for libpq's PG* variables
 * to fill in at connect time.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/target.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/dburl.h"
#include "util/log.h"

static const char *option_value(const struct db_target *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i], key) == 0)
			return t->vals[i];
	return NULL;
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static const char *effective_user(const struct db_target *t)
{
	const char *u = nonempty(option_value(t, "user"));
	if (!u)
		u = nonempty(getenv("PGUSER"));
	if (!u) {
		struct passwd *pw = getpwuid(geteuid());
		u = pw ? pw->pw_name : "postgres";
	}
	return u;
}

const char *db_target_dbname(const struct db_target *t)
{
	const char *d = nonempty(t->vals[t->dbname_index]);
	if (!d)
		d = nonempty(getenv("PGDATABASE"));
	if (!d)
		d = effective_user(t);
	return d;
}

static int add_option(struct db_target *t, size_t cap, const char *key, const char *val)
{
	if (t->n + 1 >= cap)
		return -1;
	t->keys[t->n] = strdup(key);
	t->vals[t->n] = val ? strdup(val) : NULL;
	if (!t->keys[t->n] || (val && !t->vals[t->n]))
		return -1;
	t->n++;
	t->keys[t->n] = NULL;
	t->vals[t->n] = NULL;
	return 0;
}

static void build_display(struct db_target *t)
{
	const char *host = nonempty(option_value(t, "host"));
	const char *port = nonempty(option_value(t, "port"));
	char buf[1024];
	if (!host)
		host = nonempty(option_value(t, "hostaddr"));
	if (!host)
		host = nonempty(getenv("PGHOST"));
	if (!port)
		port = nonempty(getenv("PGPORT"));
	if (!host)
		host = "default socket";
	if (host[0] == '/')
		snprintf(buf, sizeof buf, "%s@[%s]:%s/%s", effective_user(t), host, port ? port : "5432",
			 db_target_dbname(t));
	else
		snprintf(buf, sizeof buf, "%s@%s:%s/%s", effective_user(t), host, port ? port : "5432",
			 db_target_dbname(t));
	t->display = strdup(buf);
}

/* Take every option that has a value (registering a password as a log
 * secret), and make sure dbname has a slot. */
static int fill_options(struct db_target *t, const PQconninfoOption *opts,
			const char *application_name)
{
	const PQconninfoOption *o;
	size_t cap = 4;
	int have_dbname = 0;
	for (o = opts; o->keyword; o++)
		cap++;
	t->keys = calloc(cap, sizeof *t->keys);
	t->vals = calloc(cap, sizeof *t->vals);
	if (!t->keys || !t->vals)
		return -1;
	for (o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (strcmp(o->keyword, "password") == 0)
			log_add_secret(o->val);
		if (strcmp(o->keyword, "dbname") == 0) {
			have_dbname = 1;
			t->dbname_index = (int)t->n;
		}
		if (add_option(t, cap, o->keyword, o->val) < 0)
			return -1;
	}
	if (!have_dbname) {
		t->dbname_index = (int)t->n;
		if (add_option(t, cap, "dbname", NULL) < 0)
			return -1;
	}
	if (application_name && add_option(t, cap, "fallback_application_name", application_name) < 0)
		return -1;
	return 0;
}

int db_target_init(struct db_target *t, const char *url, const char *application_name,
		   struct err *e)
{
	char *normalized = NULL;
	char *parse_error = NULL;
	PQconninfoOption *opts;

	memset(t, 0, sizeof *t);
	t->dbname_index = -1;
	if (url && *url) {
		if (dburl_normalize(url, &normalized, e) < 0)
			return -1;
	}
	opts = PQconninfoParse(normalized ? normalized : "", &parse_error);
	if (!opts) {
		char redacted[1024];
		dburl_redact(url ? url : "", redacted, sizeof redacted);
		err_set(e, EXIT_CONFIG, "invalid database URL \"%s\": %s", redacted,
			parse_error ? parse_error : "out of memory");
		PQfreemem(parse_error);
		free(normalized);
		return -1;
	}
	free(normalized);
	if (fill_options(t, opts, application_name) < 0)
		goto oom;
	PQconninfoFree(opts);
	opts = NULL;
	log_add_secret(getenv("PGPASSWORD"));
	build_display(t);
	if (!t->display)
		goto oom;
	return 0;
oom:
	if (opts)
		PQconninfoFree(opts);
	db_target_release(t);
	return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
}

int db_target_from_conn(struct db_target *t, PGconn *c, struct err *e)
{
	PQconninfoOption *opts = PQconninfo(c);
	memset(t, 0, sizeof *t);
	t->dbname_index = -1;
	if (!opts || fill_options(t, opts, NULL) < 0) {
		if (opts)
			PQconninfoFree(opts);
		db_target_release(t);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	PQconninfoFree(opts);
	build_display(t);
	if (!t->display) {
		db_target_release(t);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	return 0;
}

int db_target_set(struct db_target *t, const char *key, const char *value, struct err *e)
{
	char *v = value ? strdup(value) : NULL;
	if (value && !v)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i], key) == 0) {
			free(t->vals[i]);
			t->vals[i] = v;
			free(t->display);
			build_display(t);
			return t->display ? 0 : err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		}
	free(v);
	if (!value)
		return 0; /* not set anyway */
	return err_set(e, EXIT_FAILURE_GENERIC, "connection option %s is not known", key);
}

/* Set key to value, adding the option when the target does not have it. */
static int set_or_add(struct db_target *t, const char *key, const char *value)
{
	char **keys, **vals;
	char *v = strdup(value);
	if (!v)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i], key) == 0) {
			free(t->vals[i]);
			t->vals[i] = v;
			return 0;
		}
	keys = realloc(t->keys, (t->n + 2) * sizeof *keys);
	if (keys)
		t->keys = keys;
	vals = keys ? realloc(t->vals, (t->n + 2) * sizeof *vals) : NULL;
	if (vals)
		t->vals = vals;
	if (!keys || !vals || !(t->keys[t->n] = strdup(key))) {
		free(v);
		return -1;
	}
	t->vals[t->n++] = v;
	t->keys[t->n] = NULL;
	t->vals[t->n] = NULL;
	return 0;
}

int db_target_pin(struct db_target *t, PGconn *c, struct err *e)
{
	const char *addr = PQhostaddr(c), *host = PQhost(c), *port = PQport(c);
	if (!nonempty(addr) || !nonempty(host) || host[0] == '/' || host[0] == '@')
		return 0;
	if (set_or_add(t, "host", host) < 0 || set_or_add(t, "hostaddr", addr) < 0 ||
	    (nonempty(port) && set_or_add(t, "port", port) < 0))
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	log_debug("connections of this run go to %s (%s) port %s", host, addr,
		  nonempty(port) ? port : "5432");
	return 0;
}

void db_target_release(struct db_target *t)
{
	for (size_t i = 0; t->keys && i < t->n; i++) {
		free(t->keys[i]);
		free(t->vals[i]);
	}
	free(t->keys);
	free(t->vals);
	free(t->display);
	memset(t, 0, sizeof *t);
}

