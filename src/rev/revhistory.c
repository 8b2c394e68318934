/*
 * revhistory.c — `history [-r LOWER:UPPER]` (revgraph_history in
 * revgraph.h): Alembic's walk_revisions (alembic/script/revision.py), the
 * revisions between two targets newest first.  It asks the upgrade
 * planner's question without a version table: the ancestors of upper that
 * descend from lower, lower included, in the planner's topological order.
 */
#include "rev/revgraph_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int revgraph_history(const struct revgraph *g, const char *lower, const char *upper,
		     size_t **out, size_t *n, struct err *e)
{
	struct revplanner p;
	struct vec targets = { 0 }, cur = { 0 };
	unsigned char *required = NULL, *have = NULL, *desc = NULL;
	int rc = -1;
	*out = NULL;
	*n = 0;
	if (!lower)
		lower = "base";
	if (!upper)
		upper = "heads";
	if (revplanner_init(&p, g, NULL, 0, e) != 0)
		goto out;
	if (revresolve_revisions(&p.w, lower, &cur, e) != 0)
		goto out;
	for (size_t i = 0; i < cur.n; i++)
		if (vec_push(&p.current, cur.v[i]) != 0)
			goto nomem;
	if (revplanner_upgrade_targets(&p, upper, &targets, e) != 0)
		goto out;
	/* lower "branch@...": only targets on that branch */
	const char *at = strchr(lower, '@');
	if (at) {
		char branch[256];
		size_t bl = (size_t)(at - lower), m = 0;
		snprintf(branch, sizeof branch, "%.*s", (int)bl, lower);
		const struct slot *s = revgraph_find_key(g, branch);
		if (s && !s->is_label && g->nodes[s->idx].n_own == 1)
			snprintf(branch, sizeof branch, "%s", g->nodes[s->idx].own_labels[0]);
		for (size_t i = 0; i < targets.n; i++)
			if (revgraph_has_label(g, targets.v[i], branch))
				targets.v[m++] = targets.v[i];
		targets.n = m;
	}
	required = calloc(g->n ? g->n : 1, 1);
	have = calloc(g->n ? g->n : 1, 1);
	desc = calloc(g->n ? g->n : 1, 1);
	if (!required || !have || !desc)
		goto nomem;
	if (revwalk_ancestors(&p.w, targets.v, targets.n, required, e) != 0)
		goto out;
	for (size_t i = 0; i < cur.n; i++)
		if (!required[cur.v[i]]) {
			err_set(e, EXIT_GRAPH, "revision %s is not an ancestor of revision %s", lower,
				upper);
			goto out;
		}
	if (revwalk_ancestors(&p.w, cur.v, cur.n, have, e) != 0)
		goto out;
	if (cur.n && revwalk_reach(&p.w, cur.v, cur.n, REVWALK_NEXT, desc, e) != 0)
		goto out;
	for (size_t i = 0; i < g->n; i++) {
		p.todo[i] = required[i] && !have[i];
		if (cur.n && !desc[i])
			p.todo[i] = 0;
	}
	for (size_t i = 0; i < cur.n; i++)
		p.todo[cur.v[i]] = 1; /* inclusive */
	if (revplanner_sort(&p, targets.v, targets.n, e) != 0)
		goto out;
	*out = p.order.v;
	*n = p.order.n;
	p.order.v = NULL;
	p.order.n = p.order.cap = 0;
	rc = 0;
	goto out;
nomem:
	oom(e);
out:
	free(required);
	free(have);
	free(desc);
	vec_free(&targets);
	vec_free(&cur);
	revplanner_release(&p);
	return rc;
}
