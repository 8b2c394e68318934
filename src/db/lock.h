/*
 * lock.h — the migration lock (docs/reference.md §7.4): a PostgreSQL advisory lock
 * on the target database, so replicas starting together are serialised.
 * We poll pg_try_advisory_xact_lock with backoff instead of blocking: a
 * runner blocked in the lock call can deadlock with another runner's
 * CREATE INDEX CONCURRENTLY (docs/reference.md §14.1).  Advisory locks are
 * per database, so one fixed key serves every database.
 *
 * One scheme, the same on a direct connection and behind any pooler
 * (docs/reference.md §14.3): the lock is transaction-level, held by an open
 * transaction on a connection of its own for as long as the work lasts.
 *   - Transaction pooling: a transaction pins its server connection, and
 *     nothing depends on a session surviving between transactions.
 *   - Session pooling: a waiting replica holds no connection between tries
 *     (the lock connection is closed after a try that failed, the work
 *     connection while the lock is waited for), so waiting replicas cannot
 *     starve the pool the holder's work needs.
 *   - A run killed while its statement runs: its lock connection is idle in
 *     its transaction, dies at once and frees the lock, while the statement
 *     may run on.  The work connection is marked (application_name ends in
 *     " (migrating)", client_connection_check_interval on PostgreSQL 14+ so
 *     that an orphaned statement ends within a second), and after taking
 *     the lock we wait until no marked session of an earlier run is busy.
 */
#ifndef MIGRATE_LOCK_H
#define MIGRATE_LOCK_H

#include <libpq-fe.h>
#include <stdint.h>

#include "db/target.h"
#include "util/err.h"

/* The advisory lock key: "migrate!" read as a big-endian int64
 * (7883946363647714593), as pg_locks shows it: classid "migr", objid "ate!". */
#define LOCK_KEY_CLASSID 0x6d696772u
#define LOCK_KEY_OBJID 0x61746521u

/* An advisory lock: the database it lives in and its key as pg_locks shows
 * it (classid, objid; one bigint key (classid << 32 | objid) or, with
 * two_keys, the two int4 keys of pg_try_advisory_xact_lock(int4, int4)). */
struct lock_key {
	const char *dbname; /* NULL: the target's database */
	const char *name;   /* for messages: "the migration lock" */
	uint32_t classid, objid;
	int two_keys;
};

/* The migration lock's key. */
extern const struct lock_key lock_migration_key;

/* What the work connection's application_name ends with while it works. */
#define LOCK_WORK_MARK " (migrating)"

struct migration_lock {
	PGconn *conn; /* the connection whose open transaction holds the lock */
	int held;
};

/* Take the lock for work done on *work, a connection to t, waiting up to
 * timeout_ms (connections are opened within connect_ms); every few seconds
 * log who holds it.  *work is closed while the lock is waited for and
 * opened again (*work changes) once it is held; then it is marked, and
 * busy work of an earlier run waited for (within the same timeout).
 * EXIT_LOCK_TIMEOUT on timeout, 128+N on a signal.  *waited_ms gets the
 * time spent. */
int lock_acquire(struct migration_lock *l, PGconn **work, struct db_target *t,
		 int64_t timeout_ms, int64_t connect_ms, int64_t *waited_ms, struct err *e);

/* Take another advisory lock k the same way (polled, held by an open
 * transaction on a connection of its own to k->dbname, no connection held
 * while waiting: *idle, when not NULL, is closed (set NULL) while the lock
 * is awaited, and the caller opens it again).  The template cache's lock
 * in the maintenance database (entry/template.h). */
int lock_acquire_key(struct migration_lock *l, const struct lock_key *k, PGconn **idle,
		     struct db_target *t, int64_t timeout_ms, int64_t connect_ms, int64_t *waited_ms,
		     struct err *e);

/* Release it: commit and close the lock connection.  Safe on a lock never
 * taken.  Also released when the connection closes. */
int lock_release(struct migration_lock *l, struct err *e);

#endif
