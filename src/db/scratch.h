/*
 * scratch.h — a throwaway database on the target's server, for work that
 * must not touch the target (migrate test, check --schema): created
 * through the maintenance database with the settings a creation of the
 * target would use, connected to, and dropped at the end whatever
 * happened.
 */
#ifndef MIGRATE_SCRATCH_H
#define MIGRATE_SCRATCH_H

#include <libpq-fe.h>

#include "conf/config.h"
#include "db/target.h"
#include "util/err.h"

struct scratch {
	struct db_target target;
	int have_target;
	PGconn *maint; /* to the maintenance database */
	PGconn *conn;  /* to the scratch database */
	char name[64]; /* migrate_PURPOSE_PID_XXXXXX */
	int created;
};

/* Create and connect to a scratch database named after purpose ("test",
 * "schema"), waiting for the server up to wait.timeout.  template_db: the
 * template to copy (NULL: database.template, or the server's default).
 * Errors are those of migrate create. */
int scratch_open(struct scratch *s, const struct config *cfg, const char *purpose,
		 const char *template_db, struct err *e);

/* Close the connection and drop the database (also after a signal). */
void scratch_close(struct scratch *s);

#endif
