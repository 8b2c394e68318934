/*
 * db.c — see db.h.
 *
 * Classifying a failed connection needs the server's SQLSTATE, which libpq
 * does not expose for connections (PQping folds everything but 57P03 into
 * "OK").  We set PQERRORS_VERBOSE on the connection object before the server
 * can answer, so libpq writes "FATAL:  28P01: password authentication
 * failed…", read the SQLSTATE from there, and strip it for display.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/db.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/dburl.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/sig.h"

static char last_sqlstate[6];

const char *db_last_sqlstate(void) { return last_sqlstate; }

/* ---- target -------------------------------------------------------------- */

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

int db_target_init(struct db_target *t, const char *url, const char *application_name,
		   struct err *e)
{
	char *normalized = NULL;
	char *parse_error = NULL;
	PQconninfoOption *opts, *o;
	size_t cap = 2;
	int have_dbname = 0;

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
	for (o = opts; o->keyword; o++)
		cap++;
	t->keys = calloc(cap + 2, sizeof *t->keys);
	t->vals = calloc(cap + 2, sizeof *t->vals);
	if (!t->keys || !t->vals)
		goto oom;
	cap += 2;
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
			goto oom;
	}
	PQconninfoFree(opts);
	opts = NULL;
	if (!have_dbname) {
		t->dbname_index = (int)t->n;
		if (add_option(t, cap, "dbname", NULL) < 0)
			goto oom;
	}
	if (application_name && add_option(t, cap, "fallback_application_name", application_name) < 0)
		goto oom;
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

/* ---- classification of a failed connection ------------------------------- */

/* Find "FATAL:  XXXXX: " (or ERROR/PANIC) and copy the SQLSTATE. */
static int find_sqlstate(const char *msg, char state[6])
{
	static const char *const severities[] = {"FATAL:  ", "ERROR:  ", "PANIC:  "};
	for (size_t s = 0; s < 3; s++) {
		const char *p = msg;
		size_t n = strlen(severities[s]);
		while ((p = strstr(p, severities[s])) != NULL) {
			const char *code = p + n;
			int ok = 1;
			for (int i = 0; i < 5; i++)
				if (!(isdigit((unsigned char)code[i]) || isupper((unsigned char)code[i])))
					ok = 0;
			if (ok && code[5] == ':') {
				memcpy(state, code, 5);
				state[5] = '\0';
				return 1;
			}
			p = code;
		}
	}
	state[0] = '\0';
	return 0;
}

/* Copy msg without the verbose SQLSTATE tokens and LOCATION lines. */
static void clean_message(const char *msg, char *out, size_t cap)
{
	size_t o = 0;
	const char *p = msg;
	while (*p && o + 1 < cap) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		/* Drop LOCATION (verbose) and libpq's tab-indented advice lines. */
		if (!(n >= 9 && strncmp(p, "LOCATION:", 9) == 0) && !(n > 0 && p[0] == '\t')) {
			for (size_t i = 0; i < n && o + 1 < cap; i++) {
				/* "FATAL:  28P01: " -> "FATAL:  " */
				if (i >= 3 && p[i - 1] == ' ' && p[i - 2] == ' ' && p[i - 3] == ':' &&
				    i + 6 < n && p[i + 5] == ':' && p[i + 6] == ' ') {
					int code = 1;
					for (int k = 0; k < 5; k++)
						if (!(isdigit((unsigned char)p[i + k]) ||
						      isupper((unsigned char)p[i + k])))
							code = 0;
					if (code) {
						i += 6;
						continue;
					}
				}
				out[o++] = p[i];
			}
			if (eol && o + 1 < cap)
				out[o++] = ' ';
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static enum db_failure classify(const char *msg, const char *state, int needs_password,
				int before_polling)
{
	if (state[0]) {
		if (strcmp(state, "3D000") == 0)
			return DBF_DB_MISSING;
		if (strncmp(state, "28", 2) == 0 || strcmp(state, "42501") == 0)
			return DBF_AUTH;
		if (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
		    strncmp(state, "57", 2) == 0 || strncmp(state, "58", 2) == 0)
			return DBF_RETRY;
		return DBF_FATAL;
	}
	if (needs_password || strstr(msg, "no password supplied"))
		return DBF_AUTH;
	/* Option errors surface before any network activity. */
	if (before_polling && (strncmp(msg, "invalid ", 8) == 0 || strstr(msg, "could not match")))
		return DBF_FATAL;
	/* No user name given and none in /etc/passwd (a scratch image). */
	if (strstr(msg, "could not look up local user"))
		return DBF_FATAL;
	if (strstr(msg, "SSL was required") || strstr(msg, "certificate") ||
	    strstr(msg, "GSSAPI encryption required"))
		return DBF_FATAL;
	return DBF_RETRY;
}

static int fail_connect(PGconn *conn, int before_polling, enum db_failure *why, struct err *e)
{
	char state[6];
	char cleaned[ERR_MSG_MAX];
	const char *msg = PQerrorMessage(conn);

	find_sqlstate(msg, state);
	clean_message(msg, cleaned, sizeof cleaned);
	*why = classify(msg, state, PQconnectionNeedsPassword(conn), before_polling);
	snprintf(last_sqlstate, sizeof last_sqlstate, "%s", state);
	PQfinish(conn);
	switch (*why) {
	case DBF_AUTH:
		return err_set(e, EXIT_AUTH, "%s", cleaned);
	case DBF_FATAL:
		return err_set(e, before_polling ? EXIT_CONFIG : EXIT_FAILURE_GENERIC, "%s", cleaned);
	default:
		return err_set(e, EXIT_FAILURE_GENERIC, "%s", cleaned);
	}
}

/* Server notices (RAISE NOTICE in scripts, …) become log lines. */
static void on_notice(void *arg, const char *message)
{
	char line[ERR_MSG_MAX];
	size_t n;
	(void)arg;
	snprintf(line, sizeof line, "%s", message);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	log_info("server: %s", line);
}

/* Wait for fd to be ready for events, or the deadline, or a signal.
 * Returns 1 ready, 0 deadline, -1 signal (e set). */
static int wait_fd(int fd, short events, int64_t deadline, struct err *e)
{
	for (;;) {
		struct pollfd pfd[2] = {{.fd = fd, .events = events}, {.fd = sig_fd(), .events = POLLIN}};
		int64_t left;
		int rc;
		if (sig_check(e) < 0)
			return -1;
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		rc = poll(pfd, sig_fd() >= 0 ? 2 : 1, (int)(left > 1000 ? 1000 : left));
		if (rc < 0 && errno != EINTR)
			return 1; /* let libpq report the socket problem */
		if (rc > 0 && pfd[0].revents)
			return 1;
	}
}

int db_connect(const struct db_target *t, const char *dbname, int64_t deadline, PGconn **out,
	       enum db_failure *why, struct err *e)
{
	const char *saved_db = t->vals[t->dbname_index];
	PostgresPollingStatusType state = PGRES_POLLING_WRITING;
	PGconn *conn;

	*out = NULL;
	*why = DBF_NONE;
	if (dbname)
		t->vals[t->dbname_index] = (char *)dbname;
	conn = PQconnectStartParams((const char *const *)t->keys, (const char *const *)t->vals, 0);
	t->vals[t->dbname_index] = (char *)saved_db;
	if (!conn) {
		*why = DBF_FATAL;
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
	if (PQstatus(conn) == CONNECTION_BAD)
		return fail_connect(conn, 1, why, e);

	for (;;) {
		int ready;
		if (state == PGRES_POLLING_OK) {
			PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
			PQsetNoticeProcessor(conn, on_notice, NULL);
			*out = conn;
			return 0;
		}
		if (state == PGRES_POLLING_FAILED)
			return fail_connect(conn, 0, why, e);
		/* No socket yet or any more (an address failed at once): poll libpq. */
		if (PQsocket(conn) < 0)
			ready = sig_check(e) < 0 ? -1 : 1;
		else
			ready = wait_fd(PQsocket(conn),
					state == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline, e);
		if (ready < 0) {
			PQfinish(conn);
			*why = DBF_FATAL;
			return -1;
		}
		if (ready == 0) {
			PQfinish(conn);
			*why = DBF_RETRY;
			return err_set(e, EXIT_FAILURE_GENERIC, "timeout while connecting");
		}
		state = PQconnectPoll(conn);
	}
}

/* ---- queries ------------------------------------------------------------- */

int db_result_error(const PGresult *r, struct err *e)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);

	snprintf(last_sqlstate, sizeof last_sqlstate, "%s", state ? state : "");
	if (!primary)
		primary = PQresultErrorMessage(r);
	if (detail)
		err_set(e, EXIT_SQL, "%s (SQLSTATE %s); detail: %s", primary, state ? state : "?????",
			detail);
	else
		err_set(e, EXIT_SQL, "%s (SQLSTATE %s)", primary, state ? state : "?????");
	if (hint)
		err_hint(e, "%s", hint);
	return -1;
}

int db_wait_io(PGconn *c, int want_write, struct err *e)
{
	struct pollfd pfd[2] = {{.fd = PQsocket(c), .events = (short)(POLLIN | (want_write ? POLLOUT : 0))},
				{.fd = sig_fd(), .events = POLLIN}};
	int rc;
	if (sig_check(e) < 0)
		return -1;
	rc = poll(pfd, sig_fd() >= 0 ? 2 : 1, 1000);
	if (rc < 0 && errno != EINTR)
		return err_set(e, EXIT_FAILURE_GENERIC, "poll: %s", strerror(errno));
	return sig_check(e);
}

/* Ask the server to cancel the query in flight (best effort). */
static void db_cancel(PGconn *c)
{
	PGcancel *cancel = PQgetCancel(c);
	char buf[256];
	if (cancel) {
		PQcancel(cancel, buf, sizeof buf);
		PQfreeCancel(cancel);
	}
}

int db_next_result(PGconn *c, PGresult **r, struct err *e)
{
	int cancelled = 0;
	*r = NULL;
	for (;;) {
		int flush = PQflush(c);
		if (flush < 0)
			break;
		if (flush == 0 && !PQisBusy(c)) {
			*r = PQgetResult(c);
			if (cancelled) {
				/* Drain what the cancelled query still sends. */
				while (*r) {
					PQclear(*r);
					*r = PQgetResult(c);
				}
				return sig_check(e);
			}
			return 0;
		}
		if (db_wait_io(c, flush, e) < 0) {
			if (!sig_received())
				return -1;
			if (!cancelled) {
				db_cancel(c);
				cancelled = 1;
			}
			/* keep draining without the signal pipe waking us */
			struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
			poll(&pfd, 1, 1000);
		}
		if (!PQconsumeInput(c))
			break;
	}
	return err_set(e, EXIT_FAILURE_GENERIC, "lost the connection to the server: %s",
		       PQerrorMessage(c));
}

/* Collect every result of the query in flight; keep the last one. */
static int collect(PGconn *c, PGresult **res, struct err *e)
{
	PGresult *last = NULL, *r;
	int failed = 0;
	struct err first = {0};

	last_sqlstate[0] = '\0';
	for (;;) {
		if (db_next_result(c, &r, e) < 0) {
			PQclear(last);
			return -1;
		}
		if (!r)
			break;
		switch (PQresultStatus(r)) {
		case PGRES_FATAL_ERROR:
			if (!failed) {
				failed = 1;
				db_result_error(r, &first);
			}
			break;
		case PGRES_COPY_IN:
			PQputCopyEnd(c, "COPY FROM STDIN is not supported here");
			break;
		case PGRES_COPY_OUT: {
			char *buf;
			while (PQgetCopyData(c, &buf, 0) > 0)
				PQfreemem(buf);
			break;
		}
		default:
			break;
		}
		PQclear(last);
		last = r;
	}
	if (failed) {
		PQclear(last);
		*e = first;
		return -1;
	}
	if (res)
		*res = last;
	else
		PQclear(last);
	return 0;
}

int db_exec(PGconn *c, const char *sql, PGresult **res, struct err *e)
{
	if (res)
		*res = NULL;
	if (sig_check(e) < 0)
		return -1;
	PQsetnonblocking(c, 1);
	if (!PQsendQuery(c, sql))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send query: %s", PQerrorMessage(c));
	return collect(c, res, e);
}

int db_exec_params(PGconn *c, const char *sql, int n, const char *const *params, PGresult **res,
		   struct err *e)
{
	if (res)
		*res = NULL;
	if (sig_check(e) < 0)
		return -1;
	PQsetnonblocking(c, 1);
	if (!PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send query: %s", PQerrorMessage(c));
	return collect(c, res, e);
}
