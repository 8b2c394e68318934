/*
 * vars.h — psql's variables for scripts in psql's language: \set, \unset,
 * \gset, \getenv, values given from outside (like psql -v), and the
 * automatic ones psql keeps (DBNAME, USER, …, ROW_COUNT).  Names are
 * case-sensitive, as in psql.  A variable may be marked secret: its value
 * (and its quoted forms) is then redacted from every log line.
 */
#ifndef MIGRATE_VARS_H
#define MIGRATE_VARS_H

#include <stdbool.h>
#include <stddef.h>

struct var {
	char *name;
	char *value;
	bool secret;
};

struct vars {
	struct var *v;
	size_t n, cap;
};

/* The value of name (len bytes), or NULL when it is not set. */
const char *vars_get(const struct vars *vs, const char *name, size_t len);

/* Whether the variable name (len bytes) is secret. */
bool vars_secret(const struct vars *vs, const char *name, size_t len);

/* Set name to value (copied), or unset it when value is NULL.  A secret
 * value is registered for redaction.  -1 when out of memory. */
int vars_set(struct vars *vs, const char *name, const char *value, bool secret);

/* A copy of vs into out (empty first).  -1 when out of memory. */
int vars_copy(struct vars *out, const struct vars *vs);

void vars_release(struct vars *vs);

#endif
