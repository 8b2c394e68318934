/*
 * lockwatch.h — statements that wait for locks (docs/reference.md §10.3,
 * §8.3): who blocks a waiting statement, and whether a failure is one that
 * running the same work again may cure.
 *
 * While watching is on, every query that has waited `first_ms` (and then
 * every 5 s) has the sessions blocking it looked up on a second connection
 * to the same server (pg_blocking_pids and pg_stat_activity): pid, user,
 * application_name, client address, state and the first 60 characters of
 * the query.  They are logged as a warning, and the last description is
 * kept for the error message of a statement that finally gave up.
 */
#ifndef MIGRATE_LOCKWATCH_H
#define MIGRATE_LOCKWATCH_H

#include <libpq-fe.h>
#include <stdint.h>

#include "util/err.h"

/* Watch waits from now on, naming them after what (e.g. "revision
 * 9c1d2e3f4a5b"; copied).  first_ms <= 0 turns watching off. */
void lockwatch_start(const char *what, int64_t first_ms);

/* When to look first, for a lock_timeout of lock_timeout_ms (0: none):
 * 2 s, or 60 % of a shorter lock_timeout, so that a wait that is going to
 * give up is looked at before it does. */
int64_t lockwatch_first_ms(int64_t lock_timeout_ms);

/* Stop watching and close the second connection. */
void lockwatch_stop(void);

/* Called by the query wait loop (query.c) with the connection whose query
 * is in flight and how long it has waited; looks the blockers up when due.
 * Returns how many ms the caller may wait before calling again (<= 1000). */
int64_t lockwatch_tick(PGconn *c, int64_t waited_ms);

/* 1 when e is a failure that the same work may not meet again: a lock not
 * granted within lock_timeout (SQLSTATE 55P03) or a deadlock (40P01). */
int lockwatch_retryable(const struct err *e);

/* Before retry `attempt` (1-based) of what failed with e (logged by the
 * caller): clear e and the blockers seen, and sleep 1 s, 2 s, 4 s, … up to
 * 30 s, jittered to 50–100 % so that replicas do not retry in step.  -1
 * with e set when a signal arrives. */
int lockwatch_wait_retry(int attempt, struct err *e);

/* When e is a lock wait that gave up (lockwatch_retryable): add to its hint
 * the blockers last seen and, when retries were allowed, "gave up after N
 * retries (setting)". */
void lockwatch_gave_up_hint(struct err *e, int retries, const char *setting);

#endif
