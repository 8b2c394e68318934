/*
 * ready.h — bootstrap steps 1 and 2 (docs/reference.md §7.2, §7.3): wait for PostgreSQL, then
 * create the target database if it is missing.
 *
 * The warm path (database exists) opens exactly one connection: the target
 * is tried first, and only a "database does not exist" answer (3D000) sends
 * us through the maintenance database.
 */
#ifndef MIGRATE_READY_H
#define MIGRATE_READY_H

#include <libpq-fe.h>
#include <stdint.h>

#include "conf/config.h"
#include "db/target.h"
#include "util/err.h"

struct ready_result {
	PGconn *conn;        /* connection to the target database; NULL if missing */
	int db_missing;      /* the server answered 3D000 for the target */
	int created;         /* we created it (0 if it existed or someone else did) */
	int attempts;        /* connection attempts until the server answered */
	int64_t wait_ms;     /* time until the server answered */
	int64_t create_ms;   /* time spent creating the database */
};

/* Step 1: wait until the server accepts a connection to the target or says
 * the target does not exist, retrying what can change (refused, DNS,
 * starting up, …) with backoff until deadline.  Authentication and
 * permission failures stop at once (EXIT_AUTH); the deadline is
 * EXIT_TIMEOUT naming the server and the last error.  The server that
 * answers pins t (db_connect, db_target_pin). */
/* A deadline and the configured timeout it came from (for messages). */
struct ready_deadline {
	int64_t at;         /* now_ms() clock */
	int64_t timeout_ms; /* wait.timeout */
};

int ready_wait(struct db_target *t, struct ready_deadline d, struct ready_result *r,
	       struct err *e);

/* Step 2: create the target database through the maintenance database
 * (database.maintenance_db, else "postgres", falling back to "template1"),
 * with the CREATE DATABASE options of the config, then connect to it.  A
 * concurrent creator (42P04) is success.  Missing privilege is EXIT_AUTH. */
int ready_create(struct db_target *t, const struct config *cfg, struct ready_deadline d,
		 struct ready_result *r, struct err *e);

/* The pieces of ready_create, for the template cache (entry/template.h). */

/* Connect to the maintenance database as ready_create does, within d;
 * *used gets its name (borrowed: the setting's, or a constant). */
int ready_maintenance(struct db_target *t, const struct config *cfg, struct ready_deadline d,
		      PGconn **c, const char **used, int *attempts, struct err *e);

/* CREATE DATABASE dbname on the maintenance connection c with the
 * config's OWNER, TEMPLATE (template_db instead when not NULL), ENCODING,
 * LOCALE and STRATEGY (strategy instead when not NULL).  *created is 1, or 0 when another process created it first
 * (42P04, 23505: logged, success).  Any other failure is -1 with the
 * server's error in e as it came (ready_create_failed words it). */
int ready_create_database(PGconn *c, const char *dbname, const struct config *cfg,
			  const char *template_db, const char *strategy, int *created,
			  struct err *e);

/* Word a failure of ready_create_database for dbname as ready_create
 * reports it: "cannot create database …", a missing privilege EXIT_AUTH
 * with a hint.  Returns -1. */
int ready_create_failed(struct err *e, const char *dbname);

/* Connect to the target once it exists (r->conn), within d. */
int ready_open_created(struct db_target *t, struct ready_deadline d, struct ready_result *r,
		       int *attempts, struct err *e);

#endif
