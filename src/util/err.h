/*
 * err.h — errors carried as values.
 *
 * Every fallible function returns 0 on success and -1 on failure, filling a
 * caller-provided struct err with an exit code (docs/reference.md §6), a one-line message
 * and an optional hint, and, when PostgreSQL reported the failure, its
 * SQLSTATE.  Pure modules fill it and return; only the command layer
 * (src/cmd, main.c) reports it and exits.  Messages are lowercase, no
 * trailing full stop, the subject quoted: `cannot open "migrate.ini": ...`.
 */
#ifndef MIGRATE_ERR_H
#define MIGRATE_ERR_H

#include <stddef.h>

/* Exit codes (docs/reference.md, "Exit codes").  Stable: scripts depend on them. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_GENERIC = 1, /* check: pending revisions; other errors */
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3,
	EXIT_TIMEOUT = 4,      /* PostgreSQL or a service did not come up */
	EXIT_AUTH = 5,         /* authentication or permission refused */
	EXIT_SQL = 6,          /* SQL error in an init script or revision */
	EXIT_VERIFY = 7,       /* verification failed */
	EXIT_LOCK_TIMEOUT = 8, /* migration lock not acquired in time */
	EXIT_GRAPH = 9,        /* revision files/graph invalid, unknown revision */
	EXIT_NOT_EXECUTABLE = 126,
	EXIT_NOT_FOUND = 127,
	EXIT_SIGNAL_BASE = 128 /* + signal number */
};

#define ERR_MSG_MAX 2048
#define ERR_HINT_MAX 512

struct err {
	int code;                /* enum exit_code; 0 while no error is set */
	char msg[ERR_MSG_MAX];   /* one line, no trailing newline */
	char hint[ERR_HINT_MAX]; /* optional, "" when none */
	char sqlstate[6];        /* PostgreSQL's SQLSTATE of the failure, "" when none */
};

/* Set code and message (printf-style); clears the hint and the SQLSTATE.  Returns -1 so that
 * callers can write `return err_set(e, EXIT_CONFIG, "bad \"%s\"", k);`. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set the hint of an error already set.  Returns -1. */
int err_hint(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Add to the hint of an error already set: the text alone when there is no
 * hint yet, else after "; ".  Returns -1. */
int err_append_hint(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the existing message with "<prefix>: " (printf-style).  Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record the SQLSTATE PostgreSQL gave for the failure already set
 * (NULL or "" for none).  Returns -1. */
int err_sqlstate(struct err *e, const char *state);

/* Reset to "no error". */
void err_clear(struct err *e);

#endif
