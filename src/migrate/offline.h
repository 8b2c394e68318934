/*
 * offline.h — `upgrade … --sql` / `downgrade … --sql` (docs/reference.md §12): no
 * connection; print the SQL that would run, in the shape of Alembic's
 * offline mode for PostgreSQL (BEGIN/COMMIT per revision, or one pair for
 * the run with transaction_per_migration = false; the version-table DDL
 * when starting from base; "-- Running upgrade A -> B"; the revision's
 * body; the version-table INSERT/UPDATE/DELETE; a DROP of the version
 * table when a downgrade ends at base, as Alembic does offline).  A
 * `transaction:false` section is printed outside any BEGIN … COMMIT.  Every
 * section is checked first (migrate_check_plan).  Feeding the output to
 * psql builds the same schema as the online upgrade.
 */
#ifndef MIGRATE_OFFLINE_H
#define MIGRATE_OFFLINE_H

#include <stdio.h>

#include "conf/config.h"
#include "util/err.h"
#include "migrate/revdir.h"

/* range is "TARGET" or "FROM:TO" as in Alembic; downgrade needs FROM:TO. */
int offline_run(FILE *out, const struct config *cfg, const struct revdir *rd, const char *range,
		int upgrade, struct err *e);

#endif
