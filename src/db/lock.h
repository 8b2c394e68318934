/*
 * lock.h — the migration lock (docs/reference.md §7.4): a PostgreSQL advisory lock
 * on the target database, so replicas starting together are serialised.
 * We poll pg_try_advisory_*lock with backoff instead of blocking in
 * pg_advisory_lock: a runner blocked in the lock call can deadlock with
 * another runner's CREATE INDEX CONCURRENTLY (docs/reference.md §14.1).  Advisory
 * locks are per database, so one fixed key serves every database.
 *
 * Two modes (lock.mode):
 *   session      (default) a session-level lock on the working connection:
 *                one connection in all.  After taking it we check that the
 *                next statement still sees it; behind a transaction-pooling
 *                proxy (PgBouncer pool_mode = transaction) it does not, and
 *                we stop with a hint instead of leaking the lock.
 *   transaction  a transaction-level lock held by an open transaction on a
 *                second connection for as long as the work lasts.  A
 *                transaction pins its server connection in PgBouncer's
 *                transaction pooling, so this works through it; the lock
 *                goes away with the transaction or the connection.
 */
#ifndef MIGRATE_LOCK_H
#define MIGRATE_LOCK_H

#include <libpq-fe.h>
#include <stdint.h>

#include "db/target.h"
#include "util/err.h"

/* The advisory lock key: "migrate!" read as a big-endian int64. */
#define LOCK_KEY "7883946363647714593"

enum lock_mode { LOCK_SESSION = 0, LOCK_TRANSACTION = 1 };

struct migration_lock {
	PGconn *conn;  /* the connection holding the lock */
	int own_conn;  /* conn was opened for the lock (transaction mode) */
	enum lock_mode mode;
	int held;
};

/* Take the lock for work done on `work` (session mode) or on a new
 * connection to t (transaction mode), waiting up to timeout_ms; every few
 * seconds log who holds it.  EXIT_LOCK_TIMEOUT on timeout, 128+N on a
 * signal.  *waited_ms gets the time spent. */
int lock_acquire(struct migration_lock *l, PGconn *work, const struct db_target *t,
		 enum lock_mode mode, int64_t timeout_ms, int64_t *waited_ms, struct err *e);

/* Release it: unlock (session) or commit and close (transaction).  Safe on
 * a lock never taken.  Also released when the connections close. */
int lock_release(struct migration_lock *l, struct err *e);

#endif
