/*
 * revtext.h — what the revision commands share: the migrations directory
 * loaded as configured, and revisions printed the way `alembic` prints
 * them (Script._head_only, Script.log_entry in alembic/script/base.py), so
 * scripts that parse Alembic's output keep working.
 */
#ifndef MIGRATE_REVTEXT_H
#define MIGRATE_REVTEXT_H

#include <stddef.h>

#include "cmd/commands.h"
#include "migrate/revdir.h"
#include "rev/revgraph.h"
#include "util/err.h"

/* Load migrations.dir (a missing directory is an error only when it was
 * configured explicitly). */
int cmd_load_revisions(struct ctx *c, struct revdir *rd, struct err *e);

/* Nothing has i as down revision. */
int revtext_is_head(const struct revgraph *g, size_t i);

/* What Script._head_only (alembic/script/base.py) adds to an id. */
enum {
	REVTEXT_BRANCHES = 1, /* " (label, …)" */
	REVTEXT_TREE = 2,     /* " (branchpoint)", " (mergepoint)" */
	REVTEXT_PARENTS = 4,  /* "down, … (deps) -> " before the id */
	REVTEXT_DOC = 8       /* ", message" after */
};

/* "<down> (<deps>) -> 9c1d2e3f4a5b (mylabel) (head) (mergepoint), message"
 * into buf, with the parts flags ask for. */
void revtext_rev(const struct revdir *rd, size_t i, int flags, char *buf, size_t cap);

/* "a, b, c" of the ids of ids[0..n) into buf. */
void revtext_ids(const struct revgraph *g, const size_t *ids, size_t n, char *buf, size_t cap);

/* One revision on stdout: a history line, or the full entry (-v, show). */
void revtext_print_short(const struct revdir *rd, size_t i);
void revtext_print_verbose(const struct revdir *rd, size_t i);

#endif
