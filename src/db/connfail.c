/*
 * connfail.c — see connfail.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/connfail.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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

/* A TLS (or GSSAPI encryption) setting that cannot work: sslmode,
 * sslrootcert, sslcert, sslkey and the like.  Whether libpq notices it
 * before it starts polling (a bad sslmode value) or during the handshake (a
 * root certificate file that does not exist, a certificate the server's
 * does not match), it is the configuration that must change.  A connection
 * that breaks during the handshake ("SSL SYSCALL error: EOF detected",
 * "unexpected eof") is a server going away, and is retried. */
static int tls_misconfigured(const char *msg)
{
	static const char *const signs[] = {
		"SSL was required",  /* server does not support SSL, but SSL was required */
		"certificate",       /* root certificate file …, certificate verify failed, … */
		"private key",       /* could not load private key file, … */
		"sslmode",           /* invalid sslmode value, weak sslmode … with sslrootcert=system */
		"sslcert", "sslkey", "sslrootcert", "sslcrl", "sslpassword",
		"alert",             /* SSL error: tlsv1 alert unknown ca (our certificate refused) */
		"GSSAPI encryption required", "gssencmode",
	};
	for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++)
		if (strstr(msg, signs[i]))
			return 1;
	return 0;
}

static enum db_failure classify(const char *msg, const char *state, int needs_password,
				int before_polling)
{
	if (state[0]) {
		if (strcmp(state, "3D000") == 0)
			return DBF_DB_MISSING;
		/* PgBouncer relays the server's 3D000 as a protocol violation */
		if (strcmp(state, "08P01") == 0 && strstr(msg, "database \"") &&
		    strstr(msg, "\" does not exist"))
			return DBF_DB_MISSING;
		/* PgBouncer without an entry for the database: nothing to wait for */
		if (strcmp(state, "08P01") == 0 && strstr(msg, "no such database"))
			return DBF_FATAL;
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
	if (tls_misconfigured(msg))
		return DBF_FATAL;
	return DBF_RETRY;
}

#define NO_RETRY "retrying cannot help, so no retry was made"

static void hint_for(const char *msg, const char *state, const char *user, const char *dbname,
		     struct connfail *f)
{
	const char *u = user && *user ? user : "the user";
	const char *d = dbname && *dbname ? dbname : "the database";
	f->hint[0] = '\0';
	if (f->why == DBF_AUTH && strcmp(state, "42501") == 0) {
		/* the password was right: the role lacks a privilege */
		if (strstr(msg, "CONNECT privilege") || strstr(msg, "permission denied for database"))
			snprintf(f->hint, sizeof f->hint,
				 "role \"%s\" lacks the CONNECT privilege on database \"%s\": grant it "
				 "(GRANT CONNECT ON DATABASE \"%s\" TO \"%s\"); " NO_RETRY,
				 u, d, d, u);
		else
			snprintf(f->hint, sizeof f->hint,
				 "role \"%s\" lacks a privilege it needs to connect; " NO_RETRY, u);
	} else if (f->why == DBF_AUTH && strcmp(state, "28000") == 0) {
		/* no pg_hba.conf entry, a role that does not exist, … */
		snprintf(f->hint, sizeof f->hint,
			 "check the user in the database URL (or PGUSER) and that the server's "
			 "pg_hba.conf lets it connect from here; " NO_RETRY);
	} else if (f->why == DBF_AUTH) {
		snprintf(f->hint, sizeof f->hint,
			 "check the user and password in the database URL (or PGUSER/PGPASSWORD, "
			 "PGPASSFILE); " NO_RETRY);
	} else if (f->why == DBF_FATAL && !state[0] && strstr(msg, "could not look up local user")) {
		snprintf(f->hint, sizeof f->hint,
			 "give a user name in the database URL or PGUSER (this system has no entry "
			 "for the current user id)");
	} else if (f->why == DBF_FATAL && strstr(msg, "no such database")) {
		snprintf(f->hint, sizeof f->hint,
			 "the connection pooler has no entry for database \"%s\": add one (or a \"*\" "
			 "entry) to its [databases], or give migrate-entry a direct URL in "
			 "MIGRATE_DATABASE_URL; " NO_RETRY,
			 d);
	} else if (f->why == DBF_FATAL && !state[0] && tls_misconfigured(msg)) {
		snprintf(f->hint, sizeof f->hint,
			 "check sslmode, sslrootcert, sslcert and sslkey in the database URL (or "
			 "PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY); " NO_RETRY);
	}
}

void connfail_classify(const char *msg, int needs_password, int before_polling, const char *user,
		       const char *dbname, struct connfail *out)
{
	memset(out, 0, sizeof *out);
	find_sqlstate(msg, out->sqlstate);
	clean_message(msg, out->msg, sizeof out->msg);
	out->why = classify(msg, out->sqlstate, needs_password, before_polling);
	switch (out->why) {
	case DBF_AUTH:
		out->code = EXIT_AUTH;
		break;
	case DBF_FATAL:
		/* a server's SQLSTATE is an error not listed; none is our configuration */
		out->code = out->sqlstate[0] ? EXIT_FAILURE_GENERIC : EXIT_CONFIG;
		break;
	default:
		out->code = EXIT_FAILURE_GENERIC;
	}
	hint_for(msg, out->sqlstate, user, dbname, out);
}
