/*
 * migrate.h — applying revisions online (docs/reference.md §10.3, §11): upgrade, downgrade and
 * stamp on a connection, with Alembic's version-table transitions, our
 * history table, and one transaction per revision (or one for the whole
 * run with migrations.transaction_per_migration = false).
 *
 * Each revision runs with its version-table change in one transaction, so
 * a failure leaves the database at the previous revision.  A section marked
 * `transaction:false` runs statement by statement (autocommit) and the
 * version is recorded after it.  migrations.lock_timeout and
 * .statement_timeout are set for the revisions' statements when given.
 */
#ifndef MIGRATE_MIGRATE_H
#define MIGRATE_MIGRATE_H

#include <libpq-fe.h>
#include <stdint.h>

#include "conf/config.h"
#include "util/err.h"
#include "migrate/revdir.h"
#include "rev/revplan.h"

struct migrate_report {
	char from[512]; /* version-table rows before ("base" when none) */
	char to[512];   /* after */
	int steps;
	int64_t ms;
};

/* The version-table rows, checked against the graph: a revision the
 * directory does not contain is EXIT_GRAPH ("older image, newer database"). */
int migrate_heads(PGconn *c, const struct config *cfg, const struct revdir *rd, char ***heads,
		  size_t *n, struct err *e);

/* Whether `upgrade heads` would run anything on c: *pending is the number of
 * steps (read-only; no lock needed). */
int migrate_pending(PGconn *c, const struct config *cfg, const struct revdir *rd, size_t *pending,
		    struct err *e);

/* The version-table rows (joined as a report's "to") of a database that
 * `upgrade heads` brought from base: what a copy of a template at head
 * holds.  No database needed. */
int migrate_fresh_heads(const struct revdir *rd, char *buf, size_t cap, struct err *e);

int migrate_upgrade(PGconn *c, const struct config *cfg, const struct revdir *rd,
		    const char *target, struct migrate_report *rep, struct err *e);
int migrate_downgrade(PGconn *c, const struct config *cfg, const struct revdir *rd,
		      const char *target, struct migrate_report *rep, struct err *e);

/* Run steps[0..n) as they are (each a step of a plan made for the database's
 * current version rows), with the bookkeeping, transactions and reporting
 * of an upgrade or downgrade: migrate test walks one revision at a time. */
int migrate_steps(PGconn *c, const struct config *cfg, const struct revdir *rd,
		  const struct revplan_step *steps, size_t n, struct migrate_report *rep,
		  struct err *e);

/* Set the version table to target without running anything.  purge: empty
 * the table first (also when it holds unknown revisions). */
int migrate_stamp(PGconn *c, const struct config *cfg, const struct revdir *rd, const char *target,
		  int purge, struct migrate_report *rep, struct err *e);

/* Warn about applied revisions whose file changed since (history table). */
int migrate_report_changed(PGconn *c, const struct config *cfg, const struct revdir *rd,
			   struct err *e);

/* Pre-flight for a revision's section: scans it and refuses a
 * transactional section that contains transaction control or a statement
 * that cannot run in a transaction block (mark it transaction:false).
 * *statements (when not NULL) gets the number of statements it holds. */
int migrate_check_section(const struct revdir_file *f, int upgrade, size_t *statements,
			  struct err *e);

/* EXIT_GRAPH naming the first revision file with an `-- unconverted:` header
 * line (`migrate import-alembic` could not render it): none may run while one
 * is there.  Part of migrate_check_plan. */
int migrate_check_converted(const struct revdir *rd, struct err *e);

/* Pre-flight for a whole plan (online and offline), before anything runs:
 * each step's section is present and passes migrate_check_section. */
int migrate_check_plan(const struct revdir *rd, const struct revplan *plan, struct err *e);

#endif
