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

/* The holder of the advisory lock ($1, $2, $3 as pg_locks shows the key:
 * classid, objid, objsubid) in the current database. */
static const char holder_sql[] =
	"SELECT a.pid, regexp_replace(coalesce(a.application_name, ''), ' \\[from [^]]*\\]$', ''), "
	"       coalesce(host(a.client_addr), CASE WHEN a.client_port = -1 THEN 'a local socket' END, "
	"                substring(a.application_name FROM ' \\[from ([^]]*)\\]$'), "
	"                CASE WHEN a.pid IS NOT NULL AND a.backend_start IS NULL "
	"                THEN 'an address this role may not see' END, 'an unknown address'), "
	"       coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), 'at a time this role may "
	"not see') "
	"FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
	"WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = $3::int2 "
	"  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
	"  AND l.classid = $1::oid AND l.objid = $2::oid "
	"LIMIT 1";

/* pg_stat_activity hides the client address of another role's session,
 * but not its application_name: the holder adds " [from ADDRESS]" to the
 * lock connection's (the address as the server sees it), and holder_sql
 * reads it from there when the address column is hidden. */
static const char advertise_sql[] =
	"SELECT set_config('application_name', "
	"                  left(current_setting('application_name'), 63 - length(s)) || s, false) "
	"FROM (SELECT ' [from ' || coalesce(host(inet_client_addr()), 'a local socket') || ']' AS s) x";

const struct lock_key lock_migration_key = {
	NULL, "the migration lock", LOCK_KEY_CLASSID, LOCK_KEY_OBJID, 0,
};

static void describe_holder(PGconn *c, const struct lock_key *k, char *buf, size_t cap)
{
	PGresult *r = NULL;
	struct err ignored = {0};
	char classid[16], objid[16], subid[4];
	const char *params[3] = {classid, objid, subid};
	snprintf(classid, sizeof classid, "%lu", (unsigned long)k->classid);
	snprintf(objid, sizeof objid, "%lu", (unsigned long)k->objid);
	snprintf(subid, sizeof subid, "%d", k->two_keys ? 2 : 1);
	snprintf(buf, cap, "another session");
	if (db_exec_params(c, holder_sql, 3, params, &r, &ignored) == 0 && PQntuples(r) == 1)
		snprintf(buf, cap, "pid %s (%s from %s, connected %s)", PQgetvalue(r, 0, 0),
			 *PQgetvalue(r, 0, 1) ? PQgetvalue(r, 0, 1) : "no application_name",
			 PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
	PQclear(r);
}

static int open_conn(struct db_target *t, const char *dbname, int64_t connect_ms, PGconn **c,
		     struct err *e)
{
	enum db_failure why;
	return db_connect(t, dbname, now_ms() + connect_ms, c, &why, e);
}

/* A 32-bit key half as the int4 pg_try_advisory_xact_lock(int4, int4) takes. */
static long long as_int4(uint32_t v) { return v > 0x7fffffffu ? (long long)v - 4294967296LL : v; }

/* One try, in a transaction of its own that stays open when it got the
 * lock (a server's idle_in_transaction_session_timeout must not end it). */
static int try_lock(PGconn *c, const struct lock_key *k, int *got, struct err *e)
{
	PGresult *r;
	char sql[96];
	if (k->two_keys)
		snprintf(sql, sizeof sql, "SELECT pg_try_advisory_xact_lock(%lld, %lld)",
			 as_int4(k->classid), as_int4(k->objid));
	else
		snprintf(sql, sizeof sql, "SELECT pg_try_advisory_xact_lock(%lld)",
			 (long long)(((uint64_t)k->classid << 32) | k->objid));
	if (db_exec(c, "BEGIN; SET LOCAL idle_in_transaction_session_timeout = 0", NULL, e) < 0 ||
	    db_exec(c, sql, &r, e) < 0)
		return -1;
	*got = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return *got ? 0 : db_exec(c, "ROLLBACK", NULL, e);
}

/* The work connection says it works (LOCK_WORK_MARK), and on PostgreSQL
 * 14+ checks every second that its client is still there while a
 * statement runs, so a statement whose run was killed does not go on. */
static int mark_work(PGconn *c, struct err *e)
{
	PGresult *r;
	int recent;
	if (db_exec(c,
		    "SELECT set_config('application_name', left(current_setting('application_name'), "
		    "50) || '" LOCK_WORK_MARK "', false), "
		    "current_setting('server_version_num')::int >= 140000",
		    &r, e) < 0)
		return -1;
	recent = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	return recent ? db_exec(c, "SET client_connection_check_interval = 1000", NULL, e) : 0;
}

/* A busy session of an earlier run (killed, its statement still running):
 * wait until it is done, up to deadline.  The function behind
 * pg_stat_activity, not the view (which joins pg_database and pg_authid):
 * in a new session, half the time to parse and plan. */
static const char stale_sql[] =
	"SELECT pid, state, coalesce(extract(epoch FROM now() - query_start)::bigint, 0), "
	"       left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 60) "
	"FROM pg_stat_get_activity(NULL) "
	"WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
	"  AND pid <> pg_backend_pid() "
	"  AND application_name LIKE '%" LOCK_WORK_MARK "' AND state IS NOT NULL AND state <> 'idle' "
	"ORDER BY pid LIMIT 1";

static int wait_stale(PGconn *c, int64_t start, int64_t deadline, struct err *e)
{
	int64_t next_report = 0;
	for (;;) {
		PGresult *r;
		char what[256], took[32];
		int64_t now;
		if (db_exec(c, stale_sql, &r, e) < 0)
			return err_prefix(e, "cannot look for work of an earlier run");
		if (PQntuples(r) == 0) {
			PQclear(r);
			return 0;
		}
		snprintf(what, sizeof what, "pid %s (%s for %ss: %s)", PQgetvalue(r, 0, 0),
			 PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
		PQclear(r);
		now = now_ms();
		if (now >= next_report) {
			log_warn("holding the migration lock, waiting for a statement of an earlier run "
				 "that is still busy on the server: %s",
				 what);
			next_report = now + REPORT_EVERY_MS;
		}
		if (now >= deadline) {
			err_set(e, EXIT_LOCK_TIMEOUT,
				"timed out after %s waiting for a statement of an earlier run to end: %s",
				duration_format(now - start, took, sizeof took), what);
			return err_hint(e, "it ends when the server notices that its client is gone; "
					   "cancel it with pg_cancel_backend(pid) if it must not finish");
		}
		if (sig_sleep(250, e) < 0)
			return -1;
	}
}

/* Poll lock k until it is held (l->conn's open transaction holds it) or
 * timeout_ms from start has passed.  While waiting no connection is held:
 * neither the lock's nor, when work is not NULL, *work (closed, set NULL). */
static int lock_poll(struct migration_lock *l, const struct lock_key *k, PGconn **work,
		     struct db_target *t, int64_t start, int64_t timeout_ms, int64_t connect_ms,
		     struct err *e)
{
	int64_t deadline = start + timeout_ms;
	int64_t next_report = start; /* report the holder at once, then every few seconds */
	struct backoff b;
	char holder[512] = "another session";

	memset(l, 0, sizeof *l);
	backoff_init(&b, 100, 2000, (unsigned)getpid() ^ (unsigned)start);
	for (;;) {
		int got;
		int64_t now;

		if (!l->conn && open_conn(t, k->dbname, connect_ms, &l->conn, e) < 0)
			return err_prefix(e, "cannot open the lock connection");
		if (try_lock(l->conn, k, &got, e) < 0)
			return err_prefix(e, "cannot take %s", k->name);
		if (got)
			break;
		now = now_ms();
		if (now >= next_report) {
			char took[32];
			describe_holder(l->conn, k, holder, sizeof holder);
			log_info("waiting for %s held by %s (%s so far)", k->name, holder,
				 duration_format(now - start, took, sizeof took));
			next_report = now + REPORT_EVERY_MS;
		}
		if (now >= deadline) {
			char took[32];
			duration_format(timeout_ms, took, sizeof took);
			err_set(e, EXIT_LOCK_TIMEOUT, "timed out after %s waiting for %s held by %s", took,
				k->name, holder);
			return err_hint(e, "another replica is migrating or is stuck; raise lock.timeout "
					   "or end that session (pg_terminate_backend)");
		}
		/* hold no connection while waiting: behind session pooling a
		 * waiting replica would pin a server connection the holder needs */
		PQfinish(l->conn);
		l->conn = NULL;
		if (work && *work) {
			PQfinish(*work);
			*work = NULL;
		}
		if (sig_sleep(backoff_next(&b, now, deadline), e) < 0)
			return -1;
	}
	l->held = 1;
	if (db_exec(l->conn, advertise_sql, NULL, e) < 0)
		return err_prefix(e, "cannot take %s", k->name);
	return 0;
}

static void log_took(const struct lock_key *k, int64_t waited_ms)
{
	char took[32];
	if (waited_ms >= 1000)
		log_info("took %s after %s", k->name, duration_format(waited_ms, took, sizeof took));
}

int lock_acquire(struct migration_lock *l, PGconn **work, struct db_target *t,
		 int64_t timeout_ms, int64_t connect_ms, int64_t *waited_ms, struct err *e)
{
	int64_t start = now_ms();

	*waited_ms = 0;
	if (lock_poll(l, &lock_migration_key, work, t, start, timeout_ms, connect_ms, e) < 0)
		return -1;
	if (!*work && open_conn(t, NULL, connect_ms, work, e) < 0)
		return err_prefix(e, "cannot open the work connection");
	if (mark_work(*work, e) < 0 || wait_stale(*work, start, start + timeout_ms, e) < 0)
		return -1;
	*waited_ms = now_ms() - start;
	log_took(&lock_migration_key, *waited_ms);
	return 0;
}

int lock_acquire_key(struct migration_lock *l, const struct lock_key *k, PGconn **idle,
		     struct db_target *t, int64_t timeout_ms, int64_t connect_ms, int64_t *waited_ms,
		     struct err *e)
{
	int64_t start = now_ms();

	*waited_ms = 0;
	if (lock_poll(l, k, idle, t, start, timeout_ms, connect_ms, e) < 0)
		return -1;
	*waited_ms = now_ms() - start;
	log_took(k, *waited_ms);
	return 0;
}

int lock_release(struct migration_lock *l, struct err *e)
{
	int rc = 0;
	if (!l->conn)
		return 0;
	if (l->held && PQstatus(l->conn) == CONNECTION_OK)
		rc = db_exec(l->conn, "COMMIT", NULL, e);
	PQfinish(l->conn);
	memset(l, 0, sizeof *l);
	return rc;
}
