/*
 * target.h — where to connect: the database URL (any form conf/dburl.h
 * accepts) or libpq's environment defaults, parsed once into the keyword
 * and value arrays PQconnectStartParams takes, with a printable name that
 * never holds the password.
 */
#ifndef MIGRATE_TARGET_H
#define MIGRATE_TARGET_H

#include <libpq-fe.h>
#include <stddef.h>

#include "util/err.h"

/* Connection parameters, parsed once from the URL (or libpq defaults). */
struct db_target {
	char **keys; /* NULL-terminated, for PQconnectStartParams; owned */
	char **vals;
	size_t n;
	int dbname_index;   /* index of "dbname" in keys */
	char *display;      /* "user@host:port/dbname", no password; owned */
};

/* Parse url (any form dburl_normalize accepts, or NULL for libpq's
 * environment defaults).  Registers the password as a log secret.  Bad
 * syntax is EXIT_CONFIG with a redacted URL in the message. */
int db_target_init(struct db_target *t, const char *url, const char *application_name,
		   struct err *e);
void db_target_release(struct db_target *t);

/* The parameters an open connection was made with (PQconninfo), to open
 * another session like it — what psql's \connect does. */
int db_target_from_conn(struct db_target *t, PGconn *c, struct err *e);

/* Replace the value of an option the target has (from PQconninfo every
 * option of the connection is there); NULL clears it. */
int db_target_set(struct db_target *t, const char *key, const char *value, struct err *e);

/* Pin the target to the server the open connection c reached: later
 * connections go to the same address (libpq's hostaddr, with host kept for
 * TLS verification and passwords) and port, without looking the name up
 * again.  All the connections of a run then reach one server: the lock is
 * taken where the work runs, even with several hosts or round-robin DNS,
 * and a resolver that answers at random (musl asking two name servers at
 * once, one of which does not know the container network's names) cannot
 * fail a later connection.  A connection over a Unix socket changes
 * nothing.  The display name stays what the user configured. */
int db_target_pin(struct db_target *t, PGconn *c, struct err *e);

/* The database name libpq will use for this target (explicit, PGDATABASE,
 * or the user name).  Borrowed from t. */
const char *db_target_dbname(const struct db_target *t);

#endif
