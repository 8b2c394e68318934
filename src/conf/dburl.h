/*
 * dburl.h — database URL forms (docs/reference.md §5), pure string work, no libpq.
 *
 * Accepted: postgresql://…, postgres://…, SQLAlchemy's postgresql+DRIVER://…
 * (psycopg2, asyncpg, psycopg, pg8000: the +DRIVER part is dropped), and
 * libpq key=value strings ("host=db dbname=app").  asyncpg's `ssl=MODE`
 * query parameter is translated to libpq's `sslmode=MODE`.
 */
#ifndef MIGRATE_DBURL_H
#define MIGRATE_DBURL_H

#include <stddef.h>

#include "util/err.h"

/* True if text looks like a URI ("scheme://…") rather than key=value. */
int dburl_is_uri(const char *text);

/* Normalise a URL or conninfo into something libpq accepts.  On success
 * *out is a malloc'd string the caller frees.  An unknown scheme
 * (mysql://…) is a configuration error (EXIT_CONFIG) naming the scheme. */
int dburl_normalize(const char *text, char **out, struct err *e);

/* Copy text to out with any password replaced by "***": the userinfo
 * password of a URI, and `password=` parameters in a URI query or in a
 * key=value string (quoted or not).  out is always NUL-terminated. */
void dburl_redact(const char *text, char *out, size_t cap);

#endif
