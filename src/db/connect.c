/*
 * connect.c — see connect.h.
 *
 * Classifying a failed connection needs the server's SQLSTATE, which libpq
 * does not expose for connections.  We set PQERRORS_VERBOSE on the
 * connection object before the server can answer, so libpq writes
 * "FATAL:  28P01: password authentication failed…", read the SQLSTATE from
 * there, and strip it for display.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/connect.h"

#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/sig.h"

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
	PQfinish(conn);
	switch (*why) {
	case DBF_AUTH:
		err_set(e, EXIT_AUTH, "%s", cleaned);
		break;
	case DBF_FATAL:
		err_set(e, before_polling ? EXIT_CONFIG : EXIT_FAILURE_GENERIC, "%s", cleaned);
		break;
	default:
		err_set(e, EXIT_FAILURE_GENERIC, "%s", cleaned);
	}
	return err_sqlstate(e, state);
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
			ready = sig_wait_fd(PQsocket(conn),
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
