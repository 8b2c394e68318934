/*
 * lock.h — the migration lock (SPEC §4 step 3): a session-level PostgreSQL
 * advisory lock on the target database, so replicas starting together are
 * serialised.  We poll pg_try_advisory_lock with backoff instead of blocking
 * in pg_advisory_lock: a runner blocked in the lock call can deadlock with
 * another runner's CREATE INDEX CONCURRENTLY (see FIELD-NOTES).
 *
 * Advisory locks are per database, so one fixed key serves every database.
 * Session locks do not survive PgBouncer transaction pooling: give the tool
 * a direct URL (MIGRATE_DATABASE_URL) — see README "PgBouncer".
 */
#ifndef MIGRATE_LOCK_H
#define MIGRATE_LOCK_H

#include <libpq-fe.h>
#include <stdint.h>

#include "err.h"

/* The advisory lock key: "migrate!" read as a big-endian int64. */
#define LOCK_KEY "7883946363647714593"

/* Take the lock, waiting up to timeout_ms; every few seconds log who holds
 * it.  EXIT_LOCK_TIMEOUT on timeout, 128+N on a signal.  *waited_ms gets
 * the time spent waiting. */
int lock_acquire(PGconn *c, int64_t timeout_ms, int64_t *waited_ms, struct err *e);

/* Release it (also released when the connection closes). */
int lock_release(PGconn *c, struct err *e);

#endif
