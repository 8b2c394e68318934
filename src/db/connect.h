/*
 * connect.h — one connection attempt to PostgreSQL that a signal can
 * interrupt at once, with its failure classified: worth retrying (the
 * server is not up yet), the database is missing, or final (a wrong
 * password, bad options).
 *
 * Why a real connection and not PQping: PQping reads every answer but
 * "starting up" as OK, so a wrong password, a missing database or "too many
 * clients" would all look ready.  The attempt runs through
 * PQconnectStartParams and PQconnectPoll with poll() on the socket and the
 * signal pipe (util/sig.h), because PQconnectdb blocks for connect_timeout
 * (2 s at least) and a container stop must be answered within a second.
 */
#ifndef MIGRATE_CONNECT_H
#define MIGRATE_CONNECT_H

#include <libpq-fe.h>
#include <stdint.h>

#include "db/connfail.h"
#include "db/target.h"
#include "util/err.h"

/* One connection attempt to t (with dbname replaced when dbname != NULL),
 * giving up at deadline (now_ms() clock).  On success *out is connected
 * (server notices are logged).  On failure returns -1 with e set (message
 * redacted, one line, the server's SQLSTATE in e->sqlstate when it sent
 * one, a hint when one helps) and *why classifying it (db/connfail.h); a
 * signal gives e->code = 128+N and *why = DBF_FATAL.  A deadline reached
 * mid-attempt is DBF_RETRY with the message "timeout while connecting".
 * A server that answered (connected, or "database does not exist") pins t
 * to its address (db_target_pin): t's later connections go there. */
int db_connect(struct db_target *t, const char *dbname, int64_t deadline, PGconn **out,
	       enum db_failure *why, struct err *e);

#endif
