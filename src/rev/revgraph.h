/*
 * revgraph.h — the revision graph, following Alembic's RevisionMap
 * (alembic/script/revision.py): building and validating it and its
 * accessors (revgraph.c), naming revisions in it (revresolve.c) and
 * `history` (revhistory.c); every search of it is the one walk of
 * revwalk.c.  Plans for upgrade and downgrade, with the version-table
 * bookkeeping of Alembic's HeadMaintainer, are in revplan.h; the version
 * table's SQL is in versionsql.h.
 *
 * Pure: no I/O, never prints.  Every failure is EXIT_GRAPH with a message
 * naming the revision(s) and file(s), except out-of-memory and a range
 * without ':' (EXIT_USAGE).
 *
 * Vocabulary (Alembic's):
 *   down revisions   `down_revision` of a file ("versioned" edges)
 *   dependencies     `depends_on`, resolved to ids (a branch label names the
 *                    labelled revision)
 *   normalized downs down revisions + dependencies that no ancestor already
 *                    depends on; the edges plans and ordering follow
 *   heads            revisions no other revision has as down revision
 *                    (`head` must be one of them, alone)
 *   real heads       revisions nothing has as down revision or dependency
 *                    (what the target `heads` means)
 *   bases            revisions without down revision
 *
 * Revisions are addressed by index, 0..revgraph_count()-1, in input order;
 * input order is also the tie-break of every ordering (Alembic uses the
 * order in which it read the scripts), so give the files sorted by name.
 * Ids handed out (const char *) are owned by the graph.
 *
 * Cost: building, validation, resolution and plans are linear in the size
 * of the graph, with two exceptions that only matter for unusual graphs:
 * a revision whose depends_on entry is shared with other revisions walks
 * its ancestors once, and the upgrade/downgrade ordering walks a side
 * branch once each time it must hand over to another branch (Alembic's
 * own sort is quadratic everywhere).
 */
#ifndef MIGRATE_REVGRAPH_H
#define MIGRATE_REVGRAPH_H

#include <stddef.h>

#include "util/err.h"

/* One revision as given to revgraph_build.  Strings are copied. */
struct revgraph_input {
	const char *id;
	const char *const *down; /* down_revision ids; n_down == 0 for a base */
	size_t n_down;
	const char *const *labels; /* branch_labels */
	size_t n_labels;
	const char *const *depends; /* depends_on: ids or branch labels */
	size_t n_depends;
	const char *file; /* for messages; may be NULL */
};

struct revgraph;

/* Build and validate the graph: duplicate ids, duplicate branch labels (or a
 * label equal to an id), down_revision / depends_on naming no revision,
 * self-loops and cycles (of down revisions, then of dependencies).  On
 * success *out is a graph the caller frees with revgraph_free. */
int revgraph_build(struct revgraph **out, const struct revgraph_input *revs, size_t n,
		   struct err *e);
void revgraph_free(struct revgraph *g);

size_t revgraph_count(const struct revgraph *g);
const char *revgraph_id(const struct revgraph *g, size_t i);
const char *revgraph_file(const struct revgraph *g, size_t i); /* "" when none given */
/* Down revisions as written (versioned), and their number. */
size_t revgraph_down(const struct revgraph *g, size_t i, const size_t **down);
/* depends_on resolved to revision indices. */
size_t revgraph_depends(const struct revgraph *g, size_t i, const size_t **deps);
/* Revisions that have i as a down revision (Alembic's nextrev). */
size_t revgraph_next(const struct revgraph *g, size_t i, const size_t **next);
/* Branch labels of i: its own, then those it inherits (Alembic gives a
 * label to every descendant and to the ancestors down to the nearest
 * branch point or merge point).  NULL-terminated, owned by the graph. */
const char *const *revgraph_labels(const struct revgraph *g, size_t i);
int revgraph_is_branch_point(const struct revgraph *g, size_t i); /* >1 next */

/* Whether `to` is `from` or one of its ancestors (down revisions and
 * dependencies).  1 or 0; -1 on no memory. */
int revgraph_reaches(const struct revgraph *g, size_t from, size_t to);
int revgraph_is_merge_point(const struct revgraph *g, size_t i);  /* >1 down */

/* Lists in input order; the arrays are owned by the graph.  heads: several
 * of them is what `validate` reports (a warning or an error is the caller's
 * choice; `head` is then ambiguous). */
size_t revgraph_heads(const struct revgraph *g, const size_t **v);
size_t revgraph_real_heads(const struct revgraph *g, const size_t **v);
size_t revgraph_bases(const struct revgraph *g, const size_t **v);

/* Index of a revision id or branch label: exact id, exact branch label,
 * then a unique prefix of an id or label longer than 3 characters (as
 * Alembic).  Unknown, or an ambiguous prefix (the message lists the
 * candidates), is an error. */
int revgraph_lookup(const struct revgraph *g, const char *ident, size_t *index, struct err *e);

/*
 * Resolve a symbolic revision (no relative +N/-N): `head`, `heads`, `base`,
 * an id or unique prefix, a branch label, `label@head`, `label@heads`,
 * `label@base`, `label@<rev>` (rev must share the label's lineage).  Writes
 * up to cap indices to out and their number to *n; `base` gives 0.  `head`
 * with several heads is an error suggesting `heads` or `<branch>@head`.
 */
int revgraph_resolve(const struct revgraph *g, const char *spec, size_t *out, size_t cap,
		     size_t *n, struct err *e);

/* A FROM:TO range (offline `--sql`, `history -r`): split at the first ':'.
 * Either part may be empty (then NULL).  The parts are malloc'd. */
int revgraph_split_range(const char *range, char **from, char **to, struct err *e);

/*
 * `history [-r LOWER:UPPER]`: revisions newest first, as `alembic history`
 * (walk_revisions: every revision from the real heads down, or from upper
 * down to and including lower; lower must be an ancestor of upper).  lower
 * and upper NULL mean `base` and `heads`.  *out is malloc'd (caller frees).
 */
int revgraph_history(const struct revgraph *g, const char *lower, const char *upper,
		     size_t **out, size_t *n, struct err *e);

#endif
