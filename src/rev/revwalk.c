/*
 * revwalk.c — the one depth-first walk of the revision graph (see
 * revgraph_int.h), and the walks several files need: reachability, the
 * ancestors of a set with Alembic's overlap check, a revision's lineage.
 * The searches that only one file needs are callbacks in that file.
 */
#include "rev/revgraph_int.h"

#include <stdio.h>
#include <string.h>

int revwalk_init(struct revwalk *w, const struct revgraph *g)
{
	memset(w, 0, sizeof *w);
	w->g = g;
	w->mark = calloc(g->n ? g->n : 1, sizeof *w->mark);
	return w->mark ? 0 : -1;
}

void revwalk_release(struct revwalk *w)
{
	free(w->mark);
	vec_free(&w->stack);
}

unsigned revwalk_epoch(struct revwalk *w)
{
	if (++w->epoch == 0) {
		memset(w->mark, 0, w->g->n * sizeof *w->mark);
		w->epoch = 1;
	}
	return w->epoch;
}

/* The edges of kind k of nd into *v; returns their number. */
static size_t edges_of(const struct node *nd, enum revwalk_edges k, const size_t **v)
{
	switch (k) {
	case REVWALK_DOWN:
		*v = nd->down;
		return nd->n_down;
	case REVWALK_NDOWN:
		*v = nd->ndown;
		return nd->n_ndown;
	case REVWALK_NEXT:
		*v = nd->next;
		return nd->n_next;
	case REVWALK_ALLNEXT:
		*v = nd->allnext;
		return nd->n_allnext;
	case REVWALK_NCHILD:
		*v = nd->nchild;
		return nd->n_nchild;
	}
	*v = NULL;
	return 0;
}

int revwalk_run(struct revwalk *w, unsigned ep, const size_t *seeds, size_t n_seeds,
		enum revwalk_edges edges, revwalk_fn fn, void *arg)
{
	w->stack.n = 0;
	for (size_t i = 0; i < n_seeds; i++)
		if (vec_push(&w->stack, seeds[i]) != 0)
			return -1;
	while (w->stack.n) {
		size_t x = w->stack.v[--w->stack.n];
		if (w->mark[x] == ep)
			continue;
		w->mark[x] = ep;
		enum revwalk_visit visit = fn ? fn(arg, x) : REVWALK_ENTER;
		if (visit == REVWALK_FOUND)
			return 1;
		if (visit == REVWALK_FAIL)
			return -1;
		if (visit == REVWALK_PRUNE)
			continue;
		const size_t *v;
		size_t nv = edges_of(&w->g->nodes[x], edges, &v);
		for (size_t j = 0; j < nv; j++)
			if (w->mark[v[j]] != ep && vec_push(&w->stack, v[j]) != 0)
				return -1;
	}
	return 0;
}

static enum revwalk_visit is_target(void *target, size_t x)
{
	return x == *(const size_t *)target ? REVWALK_FOUND : REVWALK_ENTER;
}

int revwalk_find(struct revwalk *w, const size_t *seeds, size_t n_seeds,
		 enum revwalk_edges edges, size_t target)
{
	return revwalk_run(w, revwalk_epoch(w), seeds, n_seeds, edges, is_target, &target);
}

static enum revwalk_visit set_flag(void *out, size_t x)
{
	((unsigned char *)out)[x] = 1;
	return REVWALK_ENTER;
}

int revwalk_reach(struct revwalk *w, const size_t *seeds, size_t n_seeds,
		  enum revwalk_edges edges, unsigned char *out, struct err *e)
{
	if (revwalk_run(w, revwalk_epoch(w), seeds, n_seeds, edges, set_flag, out) < 0)
		return oom(e);
	return 0;
}

struct ancestors {
	unsigned char *out;
	size_t hit; /* the seed met */
};

/* out holds the seeds and the revisions entered under this epoch, which are
 * never met again: a revision met with out set is a seed. */
static enum revwalk_visit add_ancestor(void *arg, size_t x)
{
	struct ancestors *a = arg;
	if (a->out[x]) {
		a->hit = x;
		return REVWALK_FOUND;
	}
	a->out[x] = 1;
	return REVWALK_ENTER;
}

/* Each seed's walk starts below it, so a seed is never marked visited and
 * the walk of a later seed still meets it. */
int revwalk_ancestors(struct revwalk *w, const size_t *seeds, size_t n_seeds,
		      unsigned char *out, struct err *e)
{
	const struct revgraph *g = w->g;
	struct ancestors a = { out, 0 };
	unsigned ep = revwalk_epoch(w);
	for (size_t i = 0; i < n_seeds; i++)
		out[seeds[i]] = 1;
	for (size_t i = 0; i < n_seeds; i++) {
		const struct node *nd = &g->nodes[seeds[i]];
		int r = revwalk_run(w, ep, nd->ndown, nd->n_ndown, REVWALK_NDOWN, add_ancestor, &a);
		if (r < 0)
			return oom(e);
		if (r > 0) {
			char upper[512], lower[512];
			revgraph_name_rev(g, seeds[i], upper, sizeof upper);
			revgraph_name_rev(g, a.hit, lower, sizeof lower);
			return err_set(e, EXIT_GRAPH,
				       "requested revision %s overlaps with other requested "
				       "revision %s (one is an ancestor of the other)",
				       upper, lower);
		}
	}
	return 0;
}

unsigned revwalk_lineage(struct revwalk *w, size_t r)
{
	const struct node *nd = &w->g->nodes[r];
	unsigned ep = revwalk_epoch(w);
	/* ancestors and descendants of a revision are disjoint: one epoch */
	if (revwalk_run(w, ep, &r, 1, REVWALK_DOWN, NULL, NULL) < 0 ||
	    revwalk_run(w, ep, nd->next, nd->n_next, REVWALK_NEXT, NULL, NULL) < 0)
		return 0;
	return ep;
}
