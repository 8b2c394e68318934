/*
 * lock.c — see lock.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "db.h"
#include "duration.h"
#include "log.h"
#include "sig.h"

#define REPORT_EVERY_MS 5000

/* A bigint advisory key k shows in pg_locks as classid = k >> 32,
 * objid = k & 0xffffffff, objsubid = 1. */
static const char holder_sql[] =
	"SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'), "
	"       coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '') "
	"FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
	"WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
	"  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
	"  AND l.classid = ((" LOCK_KEY "::bigint >> 32) & 4294967295)::oid "
	"  AND l.objid = (" LOCK_KEY "::bigint & 4294967295)::oid "
	"LIMIT 1";

static void describe_holder(PGconn *c, char *buf, size_t cap)
{
	PGresult *r = NULL;
	struct err ignored = {0};
	snprintf(buf, cap, "another session");
	if (db_exec(c, holder_sql, &r, &ignored) == 0 && PQntuples(r) == 1)
		snprintf(buf, cap, "pid %s (%s from %s, connected %s)", PQgetvalue(r, 0, 0),
			 *PQgetvalue(r, 0, 1) ? PQgetvalue(r, 0, 1) : "no application_name",
			 PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
	PQclear(r);
}

int lock_acquire(PGconn *c, int64_t timeout_ms, int64_t *waited_ms, struct err *e)
{
	int64_t start = now_ms();
	int64_t deadline = start + timeout_ms;
	int64_t next_report = start; /* report the holder at once, then every few seconds */
	struct backoff b;
	char holder[512] = "another session";

	backoff_init(&b, 100, 2000, (unsigned)getpid() ^ (unsigned)start);
	for (;;) {
		PGresult *r;
		int got;
		int64_t now;

		if (db_exec(c, "SELECT pg_try_advisory_lock(" LOCK_KEY ")", &r, e) < 0)
			return err_prefix(e, "cannot take the migration lock");
		got = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		now = now_ms();
		*waited_ms = now - start;
		if (got) {
			if (now - start >= 1000) {
				char took[32];
				log_info("took the migration lock after %s",
					 duration_format(now - start, took, sizeof took));
			}
			return 0;
		}
		if (now >= next_report) {
			char took[32];
			describe_holder(c, holder, sizeof holder);
			log_info("waiting for the migration lock held by %s (%s so far)", holder,
				 duration_format(now - start, took, sizeof took));
			next_report = now + REPORT_EVERY_MS;
		}
		if (now >= deadline) {
			char took[32];
			duration_format(timeout_ms, took, sizeof took);
			err_set(e, EXIT_LOCK_TIMEOUT, "timed out after %s waiting for the migration lock held by %s",
				took, holder);
			return err_hint(e, "another replica is migrating or is stuck; raise lock.timeout "
					   "or end that session (pg_terminate_backend)");
		}
		if (sig_sleep(backoff_next(&b, now, deadline), e) < 0)
			return -1;
	}
}

int lock_release(PGconn *c, struct err *e)
{
	PGresult *r;
	if (db_exec(c, "SELECT pg_advisory_unlock(" LOCK_KEY ")", &r, e) < 0)
		return err_prefix(e, "cannot release the migration lock");
	PQclear(r);
	return 0;
}
