/*
 * verify.h — the baseline check (docs/reference.md §13): count the tables (ordinary and
 * partitioned) of verify.schema, leaving out the tool's own tables, against
 * verify.min_tables; with verify.manifest, check that every listed table
 * exists and name the missing ones.  Failure is EXIT_VERIFY.
 */
#ifndef MIGRATE_VERIFY_H
#define MIGRATE_VERIFY_H

#include <libpq-fe.h>

#include "conf/config.h"
#include "util/err.h"

struct verify_report {
	int checked;     /* something was configured to check */
	long tables;     /* tables in the schema */
	long listed;     /* tables in the manifest */
	long present;    /* of those, present */
	char line[512];  /* "verified: 126 of 126 baseline tables present (128 tables in public)" */
};

int verify_run(PGconn *c, const struct config *cfg, struct verify_report *rep, struct err *e);

/* Write the manifest of verify.schema's tables to path. */
int verify_write_manifest(PGconn *c, const struct config *cfg, const char *path, long *count,
			  struct err *e);

#endif
