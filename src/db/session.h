/*
 * session.h — a connection for the commands that work on an existing
 * database (`migrate init`, `upgrade`, `current`, …): wait for the server
 * as the entrypoint does (wait.timeout), refuse a missing database (only
 * `create` and `bootstrap` create it), and take the migration lock for the
 * commands that change the database.
 */
#ifndef MIGRATE_SESSION_H
#define MIGRATE_SESSION_H

#include <libpq-fe.h>

#include "conf/config.h"
#include "db/target.h"
#include "util/err.h"
#include "db/lock.h"

struct session {
	struct db_target target;
	int target_ready;
	PGconn *conn;
	struct migration_lock lock;
};

/* The application_name we connect with: "migrate-entry@<hostname>". */
void session_application_name(char *buf, size_t cap);

/* SET (local: SET LOCAL) lock_timeout and statement_timeout on c to the
 * settings lock_id and statement_id, each only when it is set. */
int session_set_timeouts(PGconn *c, const struct config *cfg, enum config_id lock_id,
			 enum config_id statement_id, int local, struct err *e);

/* The statements session_set_timeouts sends, for a caller that sends them
 * with others: written to sql[0..], returns how many (0 to 2). */
#define SESSION_TIMEOUT_SQL_MAX 96
int session_timeout_sql(const struct config *cfg, enum config_id lock_id,
			enum config_id statement_id, int local, char sql[2][SESSION_TIMEOUT_SQL_MAX]);

/* Warn about settings that no longer do anything (lock.mode). */
void session_check_settings(const struct config *cfg);

int session_open(struct session *s, const struct config *cfg, int take_lock, struct err *e);

/* Release the lock (if taken) and close everything; safe on a failed open. */
void session_close(struct session *s);

#endif
