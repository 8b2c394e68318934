/*
 * revdir.h — the migrations directory: every `*.sql` file parsed as a
 * revision (revfile.h), in name order, and the graph built from them
 * (revgraph.h).  Graph index i is file i.
 */
#ifndef MIGRATE_REVDIR_H
#define MIGRATE_REVDIR_H

#include <stddef.h>

#include "util/digest.h"
#include "util/err.h"
#include "rev/revfile.h"
#include "rev/revgraph.h"

struct revdir_file {
	char *path;            /* dir/name, malloc'd */
	char *text;            /* whole file, NUL-terminated, malloc'd */
	size_t len;
	char sha256[DIGEST_HEX_LEN + 1];
	struct revfile rev;
};

struct revdir {
	char *dir;
	struct revdir_file *files;
	size_t n;
	struct revgraph *graph; /* NULL when there are no files */
};

/* Load dir.  A missing directory is an empty set when must_exist is 0, a
 * configuration error (EXIT_CONFIG) otherwise.  Malformed files and graph
 * errors are EXIT_GRAPH naming the file.  On success release with
 * revdir_release; on failure nothing is left to release (*rd is zeroed). */
int revdir_load(struct revdir *rd, const char *dir, int must_exist, struct err *e);
void revdir_release(struct revdir *rd);

/* The file of revision id (exact), or NULL. */
const struct revdir_file *revdir_find(const struct revdir *rd, const char *id);

#endif
