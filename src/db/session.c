/*
 * session.c — see session.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/session.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db/lock.h"
#include "util/clock.h"
#include "util/log.h"
#include "db/query.h"
#include "db/ready.h"
#include "util/sig.h"

void session_application_name(char *buf, size_t cap)
{
	char host[256] = "";
	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	if (host[0])
		snprintf(buf, cap, "migrate-entry@%.40s", host);
	else
		snprintf(buf, cap, "migrate-entry");
}

int session_timeout_sql(const struct config *cfg, enum config_id lock_id,
			enum config_id statement_id, int local, char sql[2][SESSION_TIMEOUT_SQL_MAX])
{
	const enum config_id ids[] = {lock_id, statement_id};
	static const char *const names[] = {"lock_timeout", "statement_timeout"};
	int n = 0;
	for (int i = 0; i < 2; i++)
		if (config_is_set(cfg, ids[i]))
			snprintf(sql[n++], SESSION_TIMEOUT_SQL_MAX, "SET %s%s = %lld",
				 local ? "LOCAL " : "", names[i], (long long)config_num(cfg, ids[i]));
	return n;
}

int session_set_timeouts(PGconn *c, const struct config *cfg, enum config_id lock_id,
			 enum config_id statement_id, int local, struct err *e)
{
	char sql[2][SESSION_TIMEOUT_SQL_MAX];
	int n = session_timeout_sql(cfg, lock_id, statement_id, local, sql);
	for (int i = 0; i < n; i++)
		if (db_exec(c, sql[i], NULL, e) < 0)
			return -1;
	return 0;
}

void session_check_settings(const struct config *cfg)
{
	if (cfg->v[CFG_LOCK_MODE].origin != ORIGIN_DEFAULT)
		log_warn("%s: lock.mode is no longer used: the migration lock works the same on a "
			 "direct connection and behind any pooler",
			 cfg->v[CFG_LOCK_MODE].where);
}

int session_open(struct session *s, const struct config *cfg, int take_lock, struct err *e)
{
	struct ready_result ready;
	char appname[64];
	int64_t waited;

	memset(s, 0, sizeof *s);
	if (take_lock)
		session_check_settings(cfg);
	session_application_name(appname, sizeof appname);
	if (db_target_init(&s->target, config_str(cfg, CFG_DATABASE_URL), appname, e) < 0)
		return -1;
	s->target_ready = 1;
	struct ready_deadline d = {now_ms() + config_num(cfg, CFG_WAIT_TIMEOUT),
				   config_num(cfg, CFG_WAIT_TIMEOUT)};
	if (ready_wait(&s->target, d, &ready, e) < 0)
		return -1;
	if (ready.db_missing) {
		err_set(e, EXIT_FAILURE_GENERIC, "database \"%s\" does not exist",
			db_target_dbname(&s->target));
		return err_hint(e, "create it with 'migrate create' or 'migrate bootstrap'");
	}
	s->conn = ready.conn;
	if (take_lock && lock_acquire(&s->lock, &s->conn, &s->target, config_num(cfg, CFG_LOCK_TIMEOUT),
				      config_num(cfg, CFG_WAIT_TIMEOUT), &waited, e) < 0)
		return -1;
	return 0;
}

void session_close(struct session *s)
{
	lock_release(&s->lock, &(struct err){0});
	if (s->conn)
		PQfinish(s->conn);
	if (s->target_ready)
		db_target_release(&s->target);
	memset(s, 0, sizeof *s);
}
