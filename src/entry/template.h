/*
 * template.h — the template cache (database.template_cache,
 * docs/reference.md §7.3): a missing database is cloned from a template
 * database at head that the first bootstrap on the server left behind, so
 * that CI pipelines, preview environments and test suites that create the
 * same database many times pay for the init scripts and revisions once.
 *
 * Creation of a missing target, with the cache on:
 *   - this project's template is there and finished (db/tcache.h): CREATE
 *     DATABASE target TEMPLATE it (FILE_COPY unless database.strategy says
 *     otherwise).  When the template is sealed (made under the same checks,
 *     and nobody let connections into it since), the copy is what the
 *     builder verified, under the same digest: the run does not connect to it, and
 *     the steps are not run (the program's first connection is the first
 *     one).  Otherwise the steps run on the copy as on any database;
 *   - it is not, and the run may make one (a bootstrap that runs every
 *     step): take the template lock (an advisory lock in the maintenance
 *     database, keyed by the digest, held until the template is made, so
 *     that replicas racing make it once), look again, and create the
 *     target the plain way; the run that created it is the builder.  Once
 *     every step succeeded and the target's connections are closed, the
 *     builder makes the template from it and drops the stale templates of
 *     the project;
 *   - any failure to clone (the template in use, no privilege, dropped
 *     meanwhile) is one log line, and the plain way follows.
 *
 * The builder wears a mark (db/tcache.h) from before it creates the target
 * until the template is made, and every other run with the cache on looks
 * for it before it goes on to its program: so no program writes into the
 * target before it is copied.
 *
 * The template's name holds a digest of what decides the database's
 * content: every file below init.dir (path and bytes), the revision files
 * (id and bytes), the [init.variables] (a secret one by name only), the
 * version-table settings, the CREATE DATABASE settings and the role.  Its
 * comment also names the checks the builder ran (the verify settings and
 * the manifest's bytes): a run that would check something else copies it
 * and runs the steps on the copy.
 */
#ifndef MIGRATE_TEMPLATE_H
#define MIGRATE_TEMPLATE_H

#include <libpq-fe.h>
#include <stdint.h>

#include "conf/config.h"
#include "db/lock.h"
#include "db/ready.h"
#include "db/target.h"
#include "db/tcache.h"
#include "migrate/revdir.h"
#include "util/err.h"

struct template_run {
	struct tcache_id id;
	int have_id;
	/* the builder's, held from the target's creation to the template's */
	PGconn *maint;
	const char *maint_name;
	struct migration_lock lock;
	int builder;
	/* for the summary line */
	int cloned;             /* the target was created from id.name */
	int sealed;             /* ... and id.name was sealed (tcache_found) */
	int made;               /* the builder made id.name */
	int64_t make_ms;
};

/* Step 2 with the cache on: create the missing target of t as described
 * above (rd: the revision files; may_build: this run may make the
 * template), then connect to it (r->conn), as ready_create does, unless
 * it is a copy of a sealed template (tr->sealed, r->conn NULL).  Errors
 * are those of ready_create, plus EXIT_LOCK_TIMEOUT for the template lock
 * (lock.timeout). */
int template_create(struct template_run *tr, struct db_target *t, const struct config *cfg,
		    const struct revdir *rd, struct ready_deadline d, int may_build,
		    struct ready_result *r, struct err *e);

/* After every step succeeded and the migration lock is released: *work,
 * the run's connection to the target, is closed.  The builder makes the
 * template (a failure is one log line, not an error); any other run waits,
 * up to lock.timeout, while a builder wears the mark for the target. */
int template_finish(struct template_run *tr, struct db_target *t, const struct config *cfg,
		    PGconn **work, struct err *e);

/* Close what tr holds (the builder's lock goes with its connection). */
void template_release(struct template_run *tr);

#endif
