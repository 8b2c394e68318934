/*
 * lock.c — see lock.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/connect.h"
#include "db/query.h"
#include "db/target.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/sig.h"

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

/* After a session lock: does the next statement still see it? */
static const char owned_sql[] =
	"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() "
	"  AND locktype = 'advisory' AND granted AND objsubid = 1 "
	"  AND classid = ((" LOCK_KEY "::bigint >> 32) & 4294967295)::oid "
	"  AND objid = (" LOCK_KEY "::bigint & 4294967295)::oid)";

static int pooling_error(struct err *e, const char *what)
{
	err_set(e, EXIT_CONFIG, "%s: the connection goes through a transaction-pooling proxy "
				"(PgBouncer?), where a session-level lock does not hold",
		what);
	return err_hint(e, "set lock.mode = transaction, or give migrate-entry a direct URL in "
			   "MIGRATE_DATABASE_URL");
}

/* Before locking: a session setting made by one statement must be seen by
 * the next.  Behind transaction pooling it usually is not, and we stop
 * before a session lock could be left behind on a pooled connection. */
static int check_session_kept(PGconn *c, struct err *e)
{
	char sql[160], token[32];
	PGresult *r;
	int same;
	snprintf(token, sizeof token, "%ld-%lld", (long)getpid(), (long long)now_ms());
	snprintf(sql, sizeof sql, "SELECT set_config('migrate_entry.session_probe', '%s', false)", token);
	if (db_exec(c, sql, NULL, e) < 0)
		return -1;
	if (db_exec(c, "SELECT current_setting('migrate_entry.session_probe', true)", &r, e) < 0)
		return -1;
	same = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), token) == 0;
	PQclear(r);
	return same ? 0 : pooling_error(e, "session state does not survive between statements");
}

/* After locking: the next statement must still see the lock.  If not, try
 * a few unlocks (round-robin pools may land on the holder) so the lock is
 * not left behind, then stop. */
static int check_owned(PGconn *c, struct err *e)
{
	PGresult *r;
	int owned;
	if (db_exec(c, owned_sql, &r, e) < 0)
		return -1;
	owned = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (owned)
		return 0;
	db_exec(c, "SET client_min_messages = error", NULL, &(struct err){0});
	for (int i = 0; i < 16; i++) {
		int released = 0;
		if (db_exec(c, "SELECT pg_advisory_unlock(" LOCK_KEY ")", &r, &(struct err){0}) == 0) {
			released = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
			PQclear(r);
		}
		if (released)
			break;
	}
	return pooling_error(e, "the migration lock taken by one statement is not held by the next");
}

int lock_acquire(struct migration_lock *l, PGconn *work, const struct db_target *t,
		 enum lock_mode mode, int64_t timeout_ms, int64_t *waited_ms, struct err *e)
{
	int64_t start = now_ms();
	int64_t deadline = start + timeout_ms;
	int64_t next_report = start; /* report the holder at once, then every few seconds */
	struct backoff b;
	char holder[512] = "another session";
	const char *try_sql = mode == LOCK_TRANSACTION
				      ? "SELECT pg_try_advisory_xact_lock(" LOCK_KEY ")"
				      : "SELECT pg_try_advisory_lock(" LOCK_KEY ")";

	memset(l, 0, sizeof *l);
	l->mode = mode;
	l->conn = work;
	*waited_ms = 0;
	if (mode == LOCK_TRANSACTION) {
		enum db_failure why;
		if (db_connect(t, NULL, now_ms() + 30000, &l->conn, &why, e) < 0)
			return err_prefix(e, "cannot open the lock connection");
		l->own_conn = 1;
	}
	if (mode == LOCK_SESSION && check_session_kept(l->conn, e) < 0)
		return -1;
	backoff_init(&b, 100, 2000, (unsigned)getpid() ^ (unsigned)start);
	for (;;) {
		PGresult *r;
		int got;
		int64_t now;

		/* In transaction mode each try is its own short transaction, kept
		 * open only when it got the lock: waiting replicas must not pin
		 * pooled server connections (the holder's work needs one). */
		if (mode == LOCK_TRANSACTION && db_exec(l->conn, "BEGIN", NULL, e) < 0)
			return -1;
		if (db_exec(l->conn, try_sql, &r, e) < 0)
			return err_prefix(e, "cannot take the migration lock");
		got = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (mode == LOCK_TRANSACTION && !got && db_exec(l->conn, "ROLLBACK", NULL, e) < 0)
			return -1;
		now = now_ms();
		*waited_ms = now - start;
		if (got) {
			l->held = 1;
			if (mode == LOCK_SESSION && check_owned(l->conn, e) < 0)
				return -1;
			if (now - start >= 1000) {
				char took[32];
				log_info("took the migration lock after %s",
					 duration_format(now - start, took, sizeof took));
			}
			return 0;
		}
		if (now >= next_report) {
			char took[32];
			describe_holder(l->conn, holder, sizeof holder);
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

int lock_release(struct migration_lock *l, struct err *e)
{
	PGresult *r;
	int rc = 0;
	if (!l->conn)
		return 0;
	if (l->mode == LOCK_TRANSACTION) {
		if (l->held && PQstatus(l->conn) == CONNECTION_OK)
			rc = db_exec(l->conn, "COMMIT", NULL, e);
	} else if (l->held) {
		if (db_exec(l->conn, "SELECT pg_advisory_unlock(" LOCK_KEY ")", &r, e) < 0)
			rc = err_prefix(e, "cannot release the migration lock");
		else
			PQclear(r);
	}
	if (l->own_conn)
		PQfinish(l->conn);
	memset(l, 0, sizeof *l);
	return rc;
}
