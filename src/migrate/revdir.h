/*
 * revdir.h — the migrations directory: every `*.sql` file parsed as a
 * revision (revfile.h), in name order, and the graph built from them
 * (revgraph.h).  Graph index i is file i.
 */
#ifndef MIGRATE_REVDIR_H
#define MIGRATE_REVDIR_H

#include <pthread.h>
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

/* revdir_load on a thread of its own, so that reading the files overlaps
 * what the caller does meanwhile (connecting to the server).  A failure
 * calls sig_request_stop (util/sig.h), so that the caller's waits end at
 * once and it can report the load's error.  revdir_loader_start falls back
 * to loading right away when no thread can be started (its result is then
 * what revdir_loader_finish returns).  Every started loader must be
 * finished: revdir_loader_finish joins it and hands over the directory
 * (to release with revdir_release) or the load's error. */
struct revdir_loader {
	pthread_t thread;
	int threaded; /* a thread runs, not joined yet */
	const char *dir;
	int must_exist;
	struct revdir rd;
	struct err e;
	int rc;
};

void revdir_loader_start(struct revdir_loader *l, const char *dir, int must_exist);
int revdir_loader_finish(struct revdir_loader *l, struct revdir *rd, struct err *e);

/* The file of revision id (exact), or NULL. */
const struct revdir_file *revdir_find(const struct revdir *rd, const char *id);

#endif
