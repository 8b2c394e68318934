/*
 * scratch.c — see scratch.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/scratch.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db/connect.h"
#include "db/query.h"
#include "db/ready.h"
#include "db/session.h"
#include "util/clock.h"
#include "util/log.h"

int scratch_open(struct scratch *s, const struct config *cfg, const char *purpose,
		 const char *template_db, struct err *e)
{
	char appname[64];
	const char *maint;
	int attempts = 0;
	enum db_failure why;
	struct ready_deadline d = {now_ms() + config_num(cfg, CFG_WAIT_TIMEOUT),
				   config_num(cfg, CFG_WAIT_TIMEOUT)};

	memset(s, 0, sizeof *s);
	session_application_name(appname, sizeof appname);
	if (db_target_init(&s->target, config_str(cfg, CFG_DATABASE_URL), appname, e) < 0)
		return -1;
	s->have_target = 1;
	if (ready_maintenance(&s->target, cfg, d, &s->maint, &maint, &attempts, e) < 0)
		return -1;
	snprintf(s->name, sizeof s->name, "migrate_%s_%ld_%06lx", purpose, (long)getpid(),
		 (unsigned long)(now_ms() & 0xffffff));
	if (ready_create_database(s->maint, s->name, cfg, template_db, NULL, &s->created, e) < 0) {
		/* a signal may have come after the server made it: dropped if so */
		s->created = e->code >= EXIT_SIGNAL_BASE;
		return ready_create_failed(e, s->name);
	}
	if (!s->created) /* someone else's, of the same name: not ours to use or drop */
		return err_set(e, EXIT_FAILURE_GENERIC, "a database named \"%s\" exists already",
			       s->name);
	log_info("scratch database \"%s\" created", s->name);
	return db_connect(&s->target, s->name, d.at, &s->conn, &why, e);
}

/* DROP DATABASE, also after a signal. */
static void drop(PGconn *m, const char *name)
{
	char *q = PQescapeIdentifier(m, name, strlen(name));
	char sql[256];
	struct err e = {0};
	if (!q)
		return;
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s%s", q,
		 PQserverVersion(m) >= 130000 ? " WITH (FORCE)" : "");
	PQfreemem(q);
	if (db_exec_regardless(m, sql, &e) < 0)
		log_warn("cannot drop the scratch database \"%s\": %s", name, e.msg);
}

void scratch_close(struct scratch *s)
{
	if (s->conn)
		PQfinish(s->conn);
	if (s->maint && s->created)
		drop(s->maint, s->name);
	if (s->maint)
		PQfinish(s->maint);
	if (s->have_target)
		db_target_release(&s->target);
	memset(s, 0, sizeof *s);
}
