/*
 * env.h — environment lookups with the Docker-secrets convention (docs/reference.md §4.5):
 * any variable X may instead be given as X_FILE naming a file whose
 * contents, less one trailing newline, are the value.
 */
#ifndef MIGRATE_ENV_H
#define MIGRATE_ENV_H

#include "util/err.h"

/* Look up name.  On success returns 0 and sets *out to a malloc'd value
 * (caller frees) or NULL when neither name nor name_FILE is set.
 * Setting both, or an unreadable name_FILE, is EXIT_CONFIG. */
int env_get(const char *name, char **out, struct err *e);

/* Read a whole (small, < 1 MiB) file into a malloc'd string, one trailing
 * "\n" or "\r\n" removed.  Errors name the file (EXIT_CONFIG). */
int env_read_secret_file(const char *path, char **out, struct err *e);

/* For libpq's own variables (PGPASSWORD, PGUSER, PGHOST, …): when X is
 * unset and X_FILE is set, set X from the file so libpq sees it.  Both set
 * is EXIT_CONFIG, as for every other variable. */
int env_export_libpq_files(struct err *e);

#endif
