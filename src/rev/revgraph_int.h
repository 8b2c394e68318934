/*
 * revgraph_int.h — what the files of the revision graph share privately:
 * the graph's representation, the index vector, and the one depth-first
 * walk every search of the graph goes through (revwalk.c).  Only the .c
 * files of src/rev include it; everything else sees revgraph.h.
 *
 * Edges of a revision, in Alembic's words (alembic/script/revision.py):
 * down (down_revision), deps (depends_on), ndown (the normalized downs:
 * down + deps that no ancestor already depends on), next (nextrev),
 * allnext (_all_nextrev: has us as down revision or dependency), nchild
 * (has us in its normalized downs).
 */
#ifndef MIGRATE_REVGRAPH_INT_H
#define MIGRATE_REVGRAPH_INT_H

#include <stdlib.h>

#include "rev/revgraph.h"
#include "util/array.h"

struct node {
	char *id;
	char *file;
	size_t *down, n_down;       /* versioned down revisions */
	size_t *deps, n_deps;       /* resolved depends_on */
	size_t *ndown, n_ndown;     /* normalized: down + deps not implied by ancestors */
	size_t *next, n_next;       /* nextrev: has us as down revision */
	size_t *allnext, n_allnext; /* _all_nextrev: down revision or dependency */
	size_t *nchild, n_nchild;   /* has us in its normalized downs */
	char **own_labels;
	size_t n_own;
	const char **labels; /* own + inherited, NULL-terminated */
	size_t n_labels, cap_labels;
};

/* One key of the hash table: an id, or a branch label naming revision idx. */
struct slot {
	const char *key;
	size_t idx;
	int used;
	int is_label;
};

struct revgraph {
	struct node *nodes;
	size_t n;
	struct slot *table; /* ids and branch labels, open addressing */
	size_t table_cap;   /* power of two */
	size_t *heads, n_heads;
	size_t *real_heads, n_real_heads;
	size_t *bases, n_bases;
};

/* ------------------------------------------------------------------ */
/* the graph's helpers (revgraph.c)                                    */

/* The slot of an exact id or branch label, or NULL. */
const struct slot *revgraph_find_key(const struct revgraph *g, const char *key);

/* "id (file)", or "id" when no file was given, into dst. */
void revgraph_name_rev(const struct revgraph *g, size_t i, char *dst, size_t cap);

/* "a, b, c" of the ids v[0..n) (with their files when with_files) into dst;
 * after 8 of them ", ...". */
void revgraph_join_ids(const struct revgraph *g, const size_t *v, size_t n, int with_files,
		       char *dst, size_t cap);

/* Whether label is one of revision i's branch labels, own or inherited. */
int revgraph_has_label(const struct revgraph *g, size_t i, const char *label);

static inline int oom(struct err *e)
{
	return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
}

/* ------------------------------------------------------------------ */
/* the index vector                                                    */

/* A growable array of revision indices; { 0 } is empty. */
struct vec {
	size_t *v;
	size_t n, cap;
};

/* Append x; -1 on no memory (a->v is then unchanged). */
static inline int vec_push(struct vec *a, size_t x)
{
	if (array_reserve(&a->v, &a->cap, a->n + 1, sizeof *a->v) < 0)
		return -1;
	a->v[a->n++] = x;
	return 0;
}

static inline void vec_free(struct vec *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

/* ------------------------------------------------------------------ */
/* the walk (revwalk.c)                                                */

/*
 * The scratch of a walk: a visited mark per revision, stamped with an
 * epoch, so that a fresh "visited" set is one increment (revwalk_epoch)
 * and several walks can share one set by passing the same epoch; and the
 * walk's stack.  One per call of the public API; not reentrant: a callback
 * must not start another walk on the same scratch.
 */
struct revwalk {
	const struct revgraph *g;
	unsigned *mark; /* mark[i] == epoch: visited */
	unsigned epoch;
	struct vec stack;
};

/* The edges a walk follows. */
enum revwalk_edges {
	REVWALK_DOWN,    /* down revisions */
	REVWALK_NDOWN,   /* normalized downs: reaches what down + deps reach */
	REVWALK_NEXT,    /* revisions that have it as down revision */
	REVWALK_ALLNEXT, /* revisions that have it as down revision or dependency */
	REVWALK_NCHILD,  /* revisions that have it as normalized down */
};

/* What the walk does with a revision it meets for the first time (it is
 * marked visited before the callback is asked). */
enum revwalk_visit {
	REVWALK_ENTER, /* follow its edges */
	REVWALK_PRUNE, /* do not follow its edges */
	REVWALK_FOUND, /* stop; revwalk_run returns 1 */
	REVWALK_FAIL,  /* stop; revwalk_run returns -1 (the callback ran out of memory) */
};

typedef enum revwalk_visit (*revwalk_fn)(void *arg, size_t rev);

/* Set up a scratch for g; -1 on no memory.  Release with revwalk_release. */
int revwalk_init(struct revwalk *w, const struct revgraph *g);
void revwalk_release(struct revwalk *w);

/* A fresh epoch: no revision is marked with it. */
unsigned revwalk_epoch(struct revwalk *w);

/*
 * Depth-first from seeds[0..n_seeds) (the last seed first) along edges:
 * each revision not yet marked with ep is marked, then fn (NULL: always
 * ENTER) says what to do with it.  Each revision is visited once per
 * epoch, so a walk costs the revisions it enters and their edges.
 * Returns 1 when fn said FOUND, 0 when the walk ran out, -1 on no memory
 * or when fn said FAIL.
 */
int revwalk_run(struct revwalk *w, unsigned ep, const size_t *seeds, size_t n_seeds,
		enum revwalk_edges edges, revwalk_fn fn, void *arg);

/* Whether target is one of seeds or reachable from them along edges, under
 * a fresh epoch: 1 or 0, -1 on no memory. */
int revwalk_find(struct revwalk *w, const size_t *seeds, size_t n_seeds,
		 enum revwalk_edges edges, size_t target);

/* Set out[x] = 1 for every revision reachable from seeds along edges, the
 * seeds included.  -1 (and *e) on no memory. */
int revwalk_reach(struct revwalk *w, const size_t *seeds, size_t n_seeds,
		  enum revwalk_edges edges, unsigned char *out, struct err *e);

/* Set out[x] = 1 for the seeds and their ancestors (normalized downs);
 * out must be all zero.  Fails when one seed is an ancestor of another
 * (Alembic's _get_ancestor_nodes with check=True: "overlaps"). */
int revwalk_ancestors(struct revwalk *w, const size_t *seeds, size_t n_seeds,
		      unsigned char *out, struct err *e);

/* Mark the lineage of r, its versioned ancestors and descendants and r
 * itself, with a fresh epoch, and return that epoch; 0 on no memory. */
unsigned revwalk_lineage(struct revwalk *w, size_t r);

/* ------------------------------------------------------------------ */
/* resolution (revresolve.c)                                           */

/* Positions of Alembic's relative walks besides a revision index. */
#define NONE_POS ((long)-1) /* Alembic's None: before the bases / at the heads */
#define BASE_POS ((long)-2) /* the string "base" a downward walk ends at */

/* revgraph_lookup; branch: ident names a branch, as the message then says. */
int revresolve_lookup(const struct revgraph *g, const char *ident, size_t *index, int branch,
		      struct err *e);

/* Keep of v[0..*n) those in the lineage of branch (an id, prefix or label). */
int revresolve_filter_lineage(struct revwalk *w, const char *branch, size_t *v, size_t *n,
			      struct err *e);

/* revgraph_resolve into out (emptied first; empty is base), uncapped. */
int revresolve_revisions(struct revwalk *w, const char *spec, struct vec *out, struct err *e);

/* One revision (Alembic's get_revision): *res is its index, NONE_POS for
 * base; several is an error. */
int revresolve_revision(struct revwalk *w, const char *spec, long *res, struct err *e);

/* Alembic's _walk: steps (> 0 up, < 0 down) from start (an index,
 * NONE_POS or BASE_POS), up only along branch when given.  0 with *res, 1
 * when the walk went past either end (*res NONE_POS), -1 on an error (an
 * ambiguous step, an unknown branch, no memory). */
int revresolve_walk(struct revwalk *w, long start, long steps, const char *branch, long *res,
		    struct err *e);

/* Split a relative spec `[branch@][symbol]+N` / `-N` into branch and symbol
 * ("" when absent) and *rel; 0 when spec is not relative. */
int revresolve_parse_relative(const char *spec, char *branch, size_t bcap, char *symbol,
			      size_t scap, long *rel);

/* ------------------------------------------------------------------ */
/* the planner (revplan.c), which history (revhistory.c) also drives   */

/* The state of one plan: the version-table rows as they change step by
 * step, what is applied, and the topological sort's bookkeeping. */
struct revplanner {
	struct revwalk w;
	const struct revgraph *g;
	unsigned char *in_heads;    /* version-table rows now */
	unsigned char *applied;     /* ancestors-or-self of in_heads */
	unsigned char *todo;        /* revisions still to order */
	size_t *pending;            /* todo children not yet ordered */
	unsigned char *in_frontier; /* the sort's frontier */
	struct vec current;         /* indices of the given rows */
	struct vec order;           /* revplanner_sort's output */
	struct vec rows;            /* a step's rows before or after (scratch) */
};

/* Set up p for g and the version-table rows current[0..n_current) (exact
 * ids, duplicates allowed): in_heads, current and applied filled.  An
 * unknown row, or a row that is an ancestor of another, is an error.
 * Release with revplanner_release, also after a failure. */
int revplanner_init(struct revplanner *p, const struct revgraph *g, const char *const *current,
		    size_t n_current, struct err *e);
void revplanner_release(struct revplanner *p);

/* Order the revisions marked in p->todo like Alembic's _topological_sort,
 * from heads (sorted by input order) down, into p->order; clears p->todo
 * as it goes. */
int revplanner_sort(struct revplanner *p, const size_t *heads, size_t n_heads, struct err *e);

/* Alembic's _parse_upgrade_target, from p->current: the target revisions
 * into targets (emptied first; empty is base). */
int revplanner_upgrade_targets(struct revplanner *p, const char *target, struct vec *targets,
			       struct err *e);

#endif
