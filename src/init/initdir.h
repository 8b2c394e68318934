/*
 * initdir.h — the dated init scripts (docs/reference.md §8): `sql/init/<date>/NN_name.sql`,
 * directories in chronological order, files in natural order, each file run
 * once per database and recorded in migrate_entry_init with its SHA-256.
 *
 * Adoption: with no bookkeeping table but a version table that has a row (a
 * database set up by the old shell script and Alembic), the files of the
 * directories up to init.adopt_through (default: the oldest directory, the
 * one the old script ran) are recorded as `baselined` without running;
 * newer directories run.  With neither, a schema that already holds tables
 * is refused (EXIT_VERIFY) with a hint to run `migrate baseline`.
 */
#ifndef MIGRATE_INITDIR_H
#define MIGRATE_INITDIR_H

#include <libpq-fe.h>
#include <stdint.h>

#include "conf/config.h"
#include "util/err.h"

struct init_opts {
	int strict; /* a changed applied file is an error, not a warning */
};

struct init_report {
	int files;     /* init files found */
	int ran;       /* run now */
	int baselined; /* recorded without running (adoption / baseline) */
	int changed;   /* applied files whose content changed since */
	int64_t ms;
	uint64_t statements;
};

/* Check what can be checked without a database, before anything happens
 * (docs/reference.md §7.1): init.dir (an explicitly named one must exist),
 * the dated directory names, every entry that would run being a readable
 * file, init.adopt_through.  EXIT_CONFIG (or EXIT_FAILURE_GENERIC for an
 * unreadable entry), naming what is wrong. */
int init_check(const struct config *cfg, struct err *e);

/* Run the pending init scripts on c (under the caller's migration lock). */
int init_run(PGconn *c, const struct config *cfg, const struct init_opts *o,
	     struct init_report *rep, struct err *e);

/* Whether init_run would run or record anything on c: *pending is 1 when an
 * init file is not recorded yet, or when the bookkeeping table does not exist
 * while there are init files (read-only; no lock needed). */
int init_pending(PGconn *c, const struct config *cfg, int *pending, struct err *e);

/* Record every init file not yet recorded as `baselined` (migrate baseline). */
int init_baseline(PGconn *c, const struct config *cfg, struct init_report *rep, struct err *e);

#endif
