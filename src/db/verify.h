/*
 * verify.h — the baseline check (docs/reference.md §13): count the tables (ordinary and
 * partitioned) of verify.schema, leaving out the tool's own tables, against
 * verify.min_tables; with verify.manifest, check that every listed table
 * exists and name the missing ones; no index of the schema may be invalid.
 * Failure is EXIT_VERIFY.
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

/* Before anything happens (docs/reference.md §7.1): verify.manifest, when set, can be
 * read.  EXIT_CONFIG otherwise. */
int verify_check(const struct config *cfg, struct err *e);

/* Count, check the manifest and verify.min_tables, and fail on an invalid
 * index in verify.schema (what an interrupted CREATE INDEX CONCURRENTLY
 * leaves).  Failures are EXIT_VERIFY, an unreadable manifest EXIT_CONFIG. */
int verify_run(PGconn *c, const struct config *cfg, struct verify_report *rep, struct err *e);

/* Write the manifest of verify.schema's tables to path. */
int verify_write_manifest(PGconn *c, const struct config *cfg, const char *path, long *count,
			  struct err *e);

#endif
