/*
 * revplan.c — see revplan.h.  The facts follow Alembic 1.x
 * (alembic/script/revision.py, alembic/runtime/migration.py); the code is
 * ours and avoids Alembic's set-of-sets walks:
 *
 *  - the plan order reproduces Alembic's _topological_sort: walk down from
 *    the first head, hand over to the first other head that still needs the
 *    candidate.  "Still needed by another head" is a counter of unemitted
 *    children, so only the hand-over itself searches the graph;
 *  - HeadMaintainer's questions ("is this down revision an ancestor of
 *    another head?") are answered by walking up from it through applied
 *    revisions until a head is met, which for a straight line is one step.
 */
#include "rev/revplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rev/revgraph_int.h"

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

int revplanner_init(struct revplanner *p, const struct revgraph *g, const char *const *current,
		    size_t n_current, struct err *e)
{
	memset(p, 0, sizeof *p);
	p->g = g;
	if (revwalk_init(&p->w, g) != 0)
		return oom(e);
	size_t n = g->n ? g->n : 1;
	p->in_heads = calloc(n, 1);
	p->applied = calloc(n, 1);
	p->todo = calloc(n, 1);
	p->pending = calloc(n, sizeof *p->pending);
	p->in_frontier = calloc(n, 1);
	if (!p->in_heads || !p->applied || !p->todo || !p->pending || !p->in_frontier)
		return oom(e);
	for (size_t i = 0; i < n_current; i++) {
		const struct slot *s = current[i] ? revgraph_find_key(g, current[i]) : NULL;
		if (!s || s->is_label) {
			err_set(e, EXIT_GRAPH,
				"the database is at revision \"%s\", which is not in the migrations "
				"directory",
				current[i] ? current[i] : "");
			return err_hint(e, "the database was migrated by a newer version of the "
					   "application (an older image against a newer database?); "
					   "deploy an image that contains revision \"%s\", or stamp "
					   "the database to a known revision",
					current[i] ? current[i] : "");
		}
		if (p->in_heads[s->idx])
			continue; /* duplicate row: HeadMaintainer keeps a set */
		p->in_heads[s->idx] = 1;
		if (vec_push(&p->current, s->idx) != 0)
			return oom(e);
	}
	return revwalk_ancestors(&p->w, p->current.v, p->current.n, p->applied, e);
}

void revplanner_release(struct revplanner *p)
{
	revwalk_release(&p->w);
	free(p->in_heads);
	free(p->applied);
	free(p->todo);
	free(p->pending);
	free(p->in_frontier);
	vec_free(&p->current);
	vec_free(&p->order);
	vec_free(&p->rows);
}

/* A hand-over's question: does a head still need cand? */
struct handover {
	const struct revplanner *p;
	size_t cand;
};

/* The path ends at cand (found) and at revisions already emitted. */
static enum revwalk_visit needs_cand(void *arg, size_t x)
{
	const struct handover *h = arg;
	if (x == h->cand)
		return REVWALK_FOUND;
	return h->p->todo[x] ? REVWALK_ENTER : REVWALK_PRUNE;
}

/* Is cand an ancestor of f?  Walk down from f through unemitted todo
 * revisions; marks with ep are shared between calls of one hand-over. */
static int reaches_down(struct revplanner *p, size_t f, size_t cand, unsigned ep)
{
	struct handover h = { p, cand };
	return revwalk_run(&p->w, ep, &f, 1, REVWALK_NDOWN, needs_cand, &h);
}

/*
 * Alembic's _topological_sort over the revisions marked in p->todo, starting
 * from heads (sorted by input order): output in p->order, heads first.
 * Emitting a revision needs all its todo children emitted (pending == 0);
 * when the walk meets one that is still needed, it moves to the first
 * other head that needs it, as Alembic does.
 */
int revplanner_sort(struct revplanner *p, const size_t *heads, size_t n_heads, struct err *e)
{
	const struct revgraph *g = p->g;
	struct vec fr = { 0 };
	int rc = 0;
	p->order.n = 0;
	for (size_t i = 0; i < g->n; i++) {
		if (!p->todo[i])
			continue;
		for (size_t k = 0; k < g->nodes[i].n_ndown; k++)
			if (p->todo[g->nodes[i].ndown[k]])
				p->pending[g->nodes[i].ndown[k]]++;
	}
	for (size_t i = 0; i < n_heads; i++) {
		size_t h = heads[i];
		if (p->todo[h] && !p->in_frontier[h]) {
			p->in_frontier[h] = 1;
			if (vec_push(&fr, h) != 0)
				goto nomem;
		}
	}
	if (fr.n > 1)
		qsort(fr.v, fr.n, sizeof *fr.v, cmp_size);
	size_t idx = 0;
	while (fr.n) {
		size_t cand = fr.v[idx];
		if (p->pending[cand] > 0) {
			unsigned ep = revwalk_epoch(&p->w);
			size_t j;
			int r = 0;
			for (j = 0; j < fr.n; j++) {
				if (j == idx)
					continue;
				r = reaches_down(p, fr.v[j], cand, ep);
				if (r != 0)
					break;
			}
			if (r < 0)
				goto nomem;
			if (j == fr.n) {
				rc = err_set(e, EXIT_GRAPH,
					     "internal error: revision %s is needed but no head needs it",
					     g->nodes[cand].id);
				goto out;
			}
			idx = j;
			continue;
		}
		if (vec_push(&p->order, cand) != 0)
			goto nomem;
		p->todo[cand] = 0;
		const struct node *nd = &g->nodes[cand];
		size_t added = 0;
		for (size_t k = 0; k < nd->n_ndown; k++) {
			size_t d = nd->ndown[k];
			if (!p->todo[d])
				continue;
			p->pending[d]--;
			if (p->in_frontier[d])
				continue;
			p->in_frontier[d] = 1;
			if (added++ == 0) {
				fr.v[idx] = d;
			} else if (vec_push(&fr, d) != 0) {
				goto nomem;
			}
		}
		if (added == 0) {
			p->in_frontier[cand] = 0;
			memmove(fr.v + idx, fr.v + idx + 1, (fr.n - idx - 1) * sizeof *fr.v);
			fr.n--;
			idx = idx > 0 ? idx - 1 : 0;
		} else {
			p->in_frontier[cand] = 0;
		}
	}
	goto out;
nomem:
	rc = oom(e);
out:
	for (size_t i = 0; i < fr.n; i++)
		p->in_frontier[fr.v[i]] = 0;
	vec_free(&fr);
	return rc;
}

/* _unmerge_to_revisions' question: is t under a row other than r? */
struct other_head {
	const struct revplanner *p;
	size_t t, r;
};

/* Up from t through applied revisions other than r, until a row. */
static enum revwalk_visit is_other_head(void *arg, size_t x)
{
	const struct other_head *o = arg;
	if (x == o->r || (x != o->t && !o->p->applied[x]))
		return REVWALK_PRUNE;
	return o->p->in_heads[x] ? REVWALK_FOUND : REVWALK_ENTER;
}

/* Is t an ancestor-or-self of a version-table row other than r?  Walk up
 * from t through applied revisions (r excluded) until a row is found. */
static int under_other_head(struct revplanner *p, size_t t, size_t r)
{
	struct other_head o = { p, t, r };
	return revwalk_run(&p->w, revwalk_epoch(&p->w), &t, 1, REVWALK_NCHILD, is_other_head, &o);
}

/* Is a a strict ancestor of b (normalized edges)? */
static int strict_ancestor(struct revplanner *p, size_t a, size_t b)
{
	const struct node *nd = &p->g->nodes[b];
	return revwalk_find(&p->w, nd->ndown, nd->n_ndown, REVWALK_NDOWN, a);
}

static int step_set(struct revplan_step *st, const struct revgraph *g, const size_t *from,
		    size_t n_from, const size_t *to, size_t n_to)
{
	st->from = malloc((n_from ? n_from : 1) * sizeof *st->from);
	st->to = malloc((n_to ? n_to : 1) * sizeof *st->to);
	if (!st->from || !st->to)
		return -1;
	for (size_t i = 0; i < n_from; i++)
		st->from[i] = g->nodes[from[i]].id;
	for (size_t i = 0; i < n_to; i++)
		st->to[i] = g->nodes[to[i]].id;
	st->n_from = n_from;
	st->n_to = n_to;
	return 0;
}

static int head_conflict(const struct revgraph *g, size_t r, struct err *e)
{
	return err_set(e, EXIT_GRAPH,
		       "revision %s is already a row of the version table; the recorded heads "
		       "are inconsistent with the revision graph",
		       g->nodes[r].id);
}

/* HeadMaintainer.update_to_step for an upgrade of r. */
static int step_up(struct revplanner *p, size_t r, struct revplan_step *st, struct err *e)
{
	const struct revgraph *g = p->g;
	const struct node *nd = &g->nodes[r];
	struct vec *in = &p->rows; /* r's down revisions that are rows */
	in->n = 0;
	for (size_t k = 0; k < nd->n_ndown; k++)
		if (p->in_heads[nd->ndown[k]] && vec_push(in, nd->ndown[k]) != 0)
			return oom(e);
	st->rev = r;
	st->dir = REVPLAN_UP;
	if (p->in_heads[r])
		return head_conflict(g, r, e);
	if (in->n == 0) { /* base, or none of the down revisions is a row: new branch */
		st->op = REVPLAN_INSERT;
		if (step_set(st, g, NULL, 0, &r, 1) != 0)
			return oom(e);
	} else if (in->n > 1) { /* merge: delete all but the last, update the last */
		st->op = REVPLAN_MERGE;
		if (step_set(st, g, in->v, in->n, &r, 1) != 0)
			return oom(e);
		for (size_t k = 0; k < in->n; k++)
			p->in_heads[in->v[k]] = 0;
	} else {
		st->op = REVPLAN_UPDATE;
		if (step_set(st, g, in->v, 1, &r, 1) != 0)
			return oom(e);
		p->in_heads[in->v[0]] = 0;
	}
	p->in_heads[r] = 1;
	p->applied[r] = 1;
	return 0;
}

/* HeadMaintainer.update_to_step for a downgrade of r. */
static int step_down(struct revplanner *p, size_t r, struct revplan_step *st, int several_rows,
		     struct err *e)
{
	const struct revgraph *g = p->g;
	const struct node *nd = &g->nodes[r];
	struct vec *to = &p->rows; /* the rows r gives way to */
	to->n = 0;
	st->rev = r;
	st->dir = REVPLAN_DOWN;
	if (!p->in_heads[r])
		return err_set(e, EXIT_GRAPH,
			       "cannot downgrade revision %s: it is not a row of the version table",
			       nd->id);
	/* _unmerge_to_revisions */
	for (size_t k = 0; k < nd->n_ndown; k++) {
		size_t t = nd->ndown[k];
		int drop = 0;
		if (several_rows) {
			drop = under_other_head(p, t, r);
		} else {
			for (size_t m = 0; m < nd->n_ndown && !drop; m++)
				if (m != k)
					drop = strict_ancestor(p, t, nd->ndown[m]);
		}
		if (drop < 0 || (!drop && vec_push(to, t) != 0))
			return oom(e);
	}
	for (size_t k = 0; k < to->n; k++)
		if (p->in_heads[to->v[k]])
			return head_conflict(g, to->v[k], e);
	if (to->n == 0) {
		st->op = REVPLAN_DELETE;
		if (step_set(st, g, &r, 1, NULL, 0) != 0)
			return oom(e);
	} else {
		st->op = to->n > 1 ? REVPLAN_UNMERGE : REVPLAN_UPDATE;
		if (step_set(st, g, &r, 1, to->v, to->n) != 0)
			return oom(e);
		for (size_t k = 0; k < to->n; k++)
			p->in_heads[to->v[k]] = 1;
	}
	p->in_heads[r] = 0;
	p->applied[r] = 0;
	return 0;
}

/* Run the ordered revisions through the head bookkeeping into plan. */
static int make_steps(struct revplanner *p, int up, struct revplan *plan, struct err *e)
{
	const struct revgraph *g = p->g;
	size_t n = p->order.n;
	size_t rows = 0;
	for (size_t i = 0; i < g->n; i++)
		rows += p->in_heads[i];
	plan->steps = calloc(n ? n : 1, sizeof *plan->steps);
	if (!plan->steps)
		return oom(e);
	for (size_t k = 0; k < n; k++) {
		size_t r = up ? p->order.v[n - 1 - k] : p->order.v[k];
		struct revplan_step *st = &plan->steps[k];
		int rc = up ? step_up(p, r, st, e) : step_down(p, r, st, rows > 1, e);
		plan->n_steps = k + 1;
		if (rc != 0)
			return -1;
		rows = rows + st->n_to - st->n_from;
	}
	size_t m = 0;
	plan->heads = malloc((rows ? rows : 1) * sizeof *plan->heads);
	if (!plan->heads)
		return oom(e);
	for (size_t i = 0; i < g->n && m < rows; i++)
		if (p->in_heads[i])
			plan->heads[m++] = g->nodes[i].id;
	plan->n_heads = m;
	return 0;
}

/*
 * Keep of the rows v (a copy of p->current) those on the lineage of branch.
 * When none is, the branch is not a row: v becomes the tips of the applied
 * revisions on the branch, as Alembic finds them for an upgrade (up:
 * without a normalized child among them, _parse_upgrade_target) or a
 * downgrade (without an applied next revision, _parse_downgrade_target).
 */
static int on_branch(struct revplanner *p, const char *branch, int up, struct vec *v,
		     struct err *e)
{
	const struct revgraph *g = p->g;
	const unsigned *mark = p->w.mark;
	size_t b;
	unsigned ep;
	if (revresolve_filter_lineage(&p->w, branch, v->v, &v->n, e) != 0)
		return -1;
	if (v->n > 0)
		return 0;
	if (revresolve_lookup(g, branch, &b, 1, e) != 0)
		return -1;
	if (!(ep = revwalk_lineage(&p->w, b)))
		return oom(e);
	for (size_t i = 0; i < g->n; i++) {
		const struct node *nd = &g->nodes[i];
		int tip = 1;
		if (!p->applied[i] || mark[i] != ep)
			continue;
		if (up)
			for (size_t c = 0; c < nd->n_nchild && tip; c++)
				tip = !(p->applied[nd->nchild[c]] && mark[nd->nchild[c]] == ep);
		else
			for (size_t c = 0; c < nd->n_next && tip; c++)
				tip = !p->applied[nd->next[c]];
		if (tip && vec_push(v, i) != 0)
			return oom(e);
	}
	return 0;
}

/* Alembic's _parse_upgrade_target → targets (empty = base). */
/* Where `+N` without a revision starts: nothing, or the one row (else the
 * one applied tip) on the branch br (NULL: any). */
static int upgrade_start(struct revplanner *p, const char *br, long rel, long *from, struct err *e)
{
	struct vec start = { 0 };
	for (size_t i = 0; i < p->current.n; i++)
		if (vec_push(&start, p->current.v[i]) != 0) {
			vec_free(&start);
			return oom(e);
		}
	if (br && start.n && on_branch(p, br, 1, &start, e) != 0) {
		vec_free(&start);
		return -1;
	}
	if (start.n > 1) {
		vec_free(&start);
		err_set(e, EXIT_GRAPH, "ambiguous upgrade from multiple current revisions");
		return err_hint(e, "give \"<branch>@+%ld\" or a revision", rel);
	}
	*from = start.n ? (long)start.v[0] : NONE_POS;
	vec_free(&start);
	return 0;
}

int revplanner_upgrade_targets(struct revplanner *p, const char *target, struct vec *targets,
			       struct err *e)
{
	char branch[256], symbol[256];
	long rel, from, res = NONE_POS;
	int walked;
	targets->n = 0;
	if (!revresolve_parse_relative(target, branch, sizeof branch, symbol, sizeof symbol, &rel))
		return revresolve_revisions(&p->w, target, targets, e);
	const char *br = branch[0] ? branch : NULL;
	if (rel > 0) {
		/* +N from the current rows, or SYMBOL+N, along the branch when given */
		if (symbol[0] ? revresolve_revision(&p->w, symbol, &from, e) != 0
			      : upgrade_start(p, br, rel, &from, e) != 0)
			return -1;
		walked = revresolve_walk(&p->w, from, rel, br, &res, e);
		if (walked < 0)
			return -1;
		if (walked > 0)
			return err_set(e, EXIT_GRAPH, "relative revision %s didn't produce %ld migrations",
				       target, rel);
	} else {
		char spec[520];
		if (!symbol[0]) {
			err_set(e, EXIT_GRAPH, "relative revision %s didn't produce %ld migrations",
				target, -rel);
			return err_hint(e, "upgrade goes up: use \"+N\", or \"downgrade %s\"", target);
		}
		snprintf(spec, sizeof spec, "%s%s%s", br ? br : "", br ? "@" : "", symbol);
		if (revresolve_revision(&p->w, spec, &from, e) != 0)
			return -1;
		walked = revresolve_walk(&p->w, from, rel, NULL, &res, e);
		if (walked < 0)
			return -1;
		if (walked > 0)
			return err_set(e, EXIT_GRAPH, "relative revision %s walked past the base", target);
	}
	if (res >= 0 && vec_push(targets, (size_t)res) != 0)
		return oom(e);
	return 0;
}

int revplan_upgrade(const struct revgraph *g, const char *const *current, size_t n_current,
		    const char *target, struct revplan *plan, struct err *e)
{
	struct revplanner p;
	struct vec targets = { 0 };
	unsigned char *required = NULL, *have = NULL;
	int rc = -1;
	memset(plan, 0, sizeof *plan);
	if (revplanner_init(&p, g, current, n_current, e) != 0)
		goto out;
	if (revplanner_upgrade_targets(&p, target ? target : "head", &targets, e) != 0)
		goto out;
	required = calloc(g->n ? g->n : 1, 1);
	have = calloc(g->n ? g->n : 1, 1);
	if (!required || !have) {
		oom(e);
		goto out;
	}
	if (revwalk_ancestors(&p.w, targets.v, targets.n, required, e) != 0)
		goto out;
	memcpy(have, p.applied, g->n);
	for (size_t i = 0; i < g->n; i++)
		p.todo[i] = required[i] && !have[i];
	if (revplanner_sort(&p, targets.v, targets.n, e) != 0)
		goto out;
	rc = make_steps(&p, 1, plan, e);
out:
	if (rc != 0)
		revplan_release(plan);
	free(required);
	free(have);
	vec_free(&targets);
	revplanner_release(&p);
	return rc;
}

/* Alembic's _parse_downgrade_target → *target (NONE_POS: base) and the
 * branch that restricts it (into branch, "" when none). */
static int downgrade_target(struct revplanner *p, const char *target, char *branch, size_t bcap,
			    long *res, struct err *e)
{
	const struct revgraph *g = p->g;
	char symbol[256];
	long rel;
	if (revresolve_parse_relative(target, branch, bcap, symbol, sizeof symbol, &rel)) {
		const char *br = branch[0] ? branch : NULL;
		int walked;
		if (rel >= 0) {
			long from;
			if (!symbol[0]) {
				err_set(e, EXIT_GRAPH, "relative revision %s didn't produce %ld migrations",
					target, rel);
				return err_hint(e, "downgrade goes down: use \"-N\", or \"upgrade %s\"",
						target);
			}
			if (revresolve_revision(&p->w, symbol, &from, e) != 0)
				return -1;
			walked = revresolve_walk(&p->w, from, rel, br, res, e);
			if (walked < 0)
				return -1;
			if (walked > 0)
				return err_set(e, EXIT_GRAPH, "relative revision %s walked too far",
					       target);
			return 0;
		}
		int relative = !symbol[0];
		if (relative) {
			struct vec cur = { 0 };
			if (br) {
				for (size_t i = 0; i < p->current.n; i++)
					if (vec_push(&cur, p->current.v[i]) != 0)
						return oom(e);
				if (on_branch(p, br, 0, &cur, e) != 0) {
					vec_free(&cur);
					return -1;
				}
				if (cur.n != 1) {
					vec_free(&cur);
					return err_set(e, EXIT_GRAPH,
						       "relative revision %s: branch \"%s\" has %s "
						       "current revision",
						       target, br, cur.n ? "more than one" : "no");
				}
				snprintf(symbol, sizeof symbol, "%s", g->nodes[cur.v[0]].id);
				vec_free(&cur);
			} else {
				if (p->current.n == 0)
					return err_set(e, EXIT_GRAPH,
						       "relative revision %s didn't produce %ld migrations",
						       target, -rel);
				if (p->current.n > 1) {
					char list[1024];
					revgraph_join_ids(g, p->current.v, p->current.n, 0, list,
							  sizeof list);
					err_set(e, EXIT_GRAPH,
						"downgrade %s from several current revisions (%s) is "
						"ambiguous",
						target, list);
					return err_hint(e, "give \"<branch>@%s\" or a revision",
							target);
				}
				snprintf(symbol, sizeof symbol, "%s", g->nodes[p->current.v[0]].id);
				/* restrict to the selected revision's branch */
				snprintf(branch, bcap, "%s", symbol);
			}
		}
		char spec[520];
		long from;
		snprintf(spec, sizeof spec, "%s%s%s", branch, branch[0] ? "@" : "", symbol);
		if (revresolve_revision(&p->w, spec, &from, e) != 0)
			return -1;
		walked = revresolve_walk(&p->w, from, rel, NULL, res, e);
		if (walked < 0)
			return -1;
		if (walked > 0) {
			if (relative)
				return err_set(e, EXIT_GRAPH,
					       "relative revision %s didn't produce %ld migrations",
					       target, -rel);
			return err_set(e, EXIT_GRAPH, "relative revision %s walked too far", target);
		}
		if (*res == BASE_POS)
			*res = NONE_POS;
		return 0;
	}
	/* absolute: [branch@]symbol */
	const char *at = strrchr(target, '@');
	branch[0] = '\0';
	if (at && (size_t)(at - target) < bcap) {
		memcpy(branch, target, (size_t)(at - target));
		branch[at - target] = '\0';
	}
	return revresolve_revision(&p->w, target, res, e);
}

int revplan_downgrade(const struct revgraph *g, const char *const *current, size_t n_current,
		      const char *target, struct revplan *plan, struct err *e)
{
	struct revplanner p;
	struct vec roots = { 0 };
	unsigned char *drop = NULL;
	char branch[256];
	long tgt;
	int rc = -1;
	memset(plan, 0, sizeof *plan);
	if (revplanner_init(&p, g, current, n_current, e) != 0)
		goto out;
	if (!target || !*target) {
		err_set(e, EXIT_GRAPH, "downgrade needs a target");
		goto out;
	}
	if (downgrade_target(&p, target, branch, sizeof branch, &tgt, e) != 0)
		goto out;
	if (tgt == NONE_POS) {
		for (size_t i = 0; i < g->n_bases; i++)
			if (vec_push(&roots, g->bases[i]) != 0)
				goto nomem;
	} else {
		for (size_t i = 0; i < g->nodes[tgt].n_next; i++)
			if (vec_push(&roots, g->nodes[tgt].next[i]) != 0)
				goto nomem;
	}
	if (branch[0] && roots.n > 1) {
		size_t b;
		unsigned char *anc = calloc(g->n ? g->n : 1, 1);
		if (!anc)
			goto nomem;
		if (revresolve_lookup(g, branch, &b, 1, e) != 0 ||
		    revwalk_reach(&p.w, &b, 1, REVWALK_DOWN, anc, e) != 0) {
			free(anc);
			goto out;
		}
		size_t m = 0;
		for (size_t i = 0; i < roots.n; i++)
			if (anc[roots.v[i]])
				roots.v[m++] = roots.v[i];
		roots.n = m;
		free(anc);
		if (m == 0) {
			err_set(e, EXIT_GRAPH, "\"%s\" is not a valid downgrade target from the current "
					       "revisions", target);
			goto out;
		}
	}
	drop = calloc(g->n ? g->n : 1, 1);
	if (!drop)
		goto nomem;
	if (revwalk_reach(&p.w, roots.v, roots.n, REVWALK_ALLNEXT, drop, e) != 0)
		goto out;
	size_t count = 0;
	for (size_t i = 0; i < g->n; i++) {
		p.todo[i] = drop[i] && p.applied[i];
		count += p.todo[i];
	}
	if (tgt >= 0 && count == 0 && !p.in_heads[tgt]) {
		err_set(e, EXIT_GRAPH,
			"downgrade target %s is not an ancestor of the current revision(s)",
			g->nodes[tgt].id);
		err_hint(e, "see \"migrate current\" and \"migrate history\"");
		goto out;
	}
	if (revplanner_sort(&p, p.current.v, p.current.n, e) != 0)
		goto out;
	rc = make_steps(&p, 0, plan, e);
	goto out;
nomem:
	oom(e);
out:
	if (rc != 0)
		revplan_release(plan);
	free(drop);
	vec_free(&roots);
	revplanner_release(&p);
	return rc;
}

void revplan_release(struct revplan *plan)
{
	for (size_t i = 0; i < plan->n_steps; i++) {
		free(plan->steps[i].from);
		free(plan->steps[i].to);
	}
	free(plan->steps);
	free(plan->heads);
	memset(plan, 0, sizeof *plan);
}


char *revplan_step_describe(const struct revgraph *g, const struct revplan_step *s, char *dst,
			    size_t cap)
{
	const struct node *nd = &g->nodes[s->rev];
	char downs[1024];
	size_t len = 0;
	downs[0] = '\0';
	for (size_t i = 0; i < nd->n_down && len + 1 < sizeof downs; i++) {
		int w = snprintf(downs + len, sizeof downs - len, "%s%s", i ? ", " : "",
				 g->nodes[nd->down[i]].id);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (s->dir == REVPLAN_UP)
		snprintf(dst, cap, "upgrade %s -> %s", downs, nd->id);
	else
		snprintf(dst, cap, "downgrade %s -> %s", nd->id, downs);
	return dst;
}
