/*
 * revplan.h — what `upgrade` and `downgrade` do, step by step: the
 * revisions to run in order, and for each step the rows of the version
 * table before and after it.  Follows Alembic's RevisionMap.iterate_revisions
 * and _topological_sort (alembic/script/revision.py) for the order and
 * HeadMaintainer.update_to_step (alembic/runtime/migration.py) for the rows.
 *
 * Pure: no I/O, never prints.  Every failure is EXIT_GRAPH with a message
 * naming the revisions, except out-of-memory.  Revisions are the graph's
 * indices (revgraph.h); the ids in a plan are owned by the graph.
 */
#ifndef MIGRATE_REVPLAN_H
#define MIGRATE_REVPLAN_H

#include <stddef.h>

#include "rev/revgraph.h"
#include "util/err.h"

enum revplan_dir { REVPLAN_UP = 0, REVPLAN_DOWN = 1 };

/*
 * What a step does to the version table (HeadMaintainer.update_to_step):
 *   INSERT   from = {}, to = {R}             new head (base or from a branch point)
 *   UPDATE   from = {X}, to = {Y}            move one head
 *   DELETE   from = {R}, to = {}             a branch goes back to nothing
 *   MERGE    from = {a.., z}, to = {M}       DELETE a..; UPDATE z → M
 *   UNMERGE  from = {M}, to = {a.., z}       INSERT a..; UPDATE M → z
 */
enum revplan_op {
	REVPLAN_INSERT,
	REVPLAN_UPDATE,
	REVPLAN_DELETE,
	REVPLAN_MERGE,
	REVPLAN_UNMERGE
};

struct revplan_step {
	size_t rev; /* the revision whose upgrade or downgrade runs */
	enum revplan_dir dir;
	enum revplan_op op;
	const char **from; /* version-table rows before (see above) */
	size_t n_from;
	const char **to;
	size_t n_to;
};

struct revplan {
	struct revplan_step *steps; /* in execution order */
	size_t n_steps;
	const char **heads; /* version-table rows after the last step */
	size_t n_heads;
};

/*
 * Plan `upgrade TARGET` from the version-table rows current[0..n_current)
 * (exact ids).  Targets: `head`, `heads`, `<rev>`, `label@head`, `+N`,
 * `label@+N`, `<rev>+N`, `<rev>-N` / `head-N` (a revision below), as
 * Alembic's _parse_upgrade_target.  Steps: the revisions the target needs
 * (down revisions and dependencies) that are not applied, dependencies
 * first, ordered like Alembic's topological sort.  An id in current that the
 * graph does not know is an error: the database is at an unknown revision.
 * Fills *plan (release with revplan_release).
 */
int revplan_upgrade(const struct revgraph *g, const char *const *current, size_t n_current,
		    const char *target, struct revplan *plan, struct err *e);

/*
 * Plan `downgrade TARGET`: `base`, `<rev>`, `label@base`, `label@<rev>`,
 * `-N`, `label@-N`, `<rev>-N`, `<rev>+N` (as _parse_downgrade_target); the
 * applied descendants of the target (and what depends on them), dependents
 * first.  `-N` with several current heads is an error (Alembic warns and
 * picks the first row; give `<branch>@-N`).
 */
int revplan_downgrade(const struct revgraph *g, const char *const *current, size_t n_current,
		      const char *target, struct revplan *plan, struct err *e);

/* Free what a plan holds and zero it; a zeroed plan may be released. */
void revplan_release(struct revplan *plan);

/* Alembic's step description, "upgrade a, b -> M" / "downgrade M -> a, b"
 * (down revisions without dependencies; from base: "upgrade  -> X").  Writes
 * at most cap bytes including the NUL; returns dst. */
char *revplan_step_describe(const struct revgraph *g, const struct revplan_step *s, char *dst,
			    size_t cap);

#endif
