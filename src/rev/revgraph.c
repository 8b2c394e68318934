/*
 * revgraph.c — see revgraph.h.  The facts follow Alembic 1.x
 * (alembic/script/revision.py, alembic/runtime/migration.py); the code is
 * ours and avoids Alembic's set-of-sets walks:
 *
 *  - ids and branch labels live in one open-addressing hash table (Alembic's
 *    _revision_map holds both, so a label may not equal an id);
 *  - cycles are found with Kahn's algorithm, forwards then backwards, so
 *    only revisions on or between cycles are named;
 *  - the plan order reproduces Alembic's _topological_sort: walk down from
 *    the first head, hand over to the first other head that still needs the
 *    candidate.  "Still needed by another head" is a counter of unemitted
 *    children, so only the hand-over itself searches the graph;
 *  - HeadMaintainer's questions ("is this down revision an ancestor of
 *    another head?") are answered by walking up from it through applied
 *    revisions until a head is met, which for a straight line is one step.
 */
#include "rev/revgraph_int.h"
#include "rev/revfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static char *xstrdup(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static const char *file_of(const struct revgraph *g, size_t i)
{
	return g->nodes[i].file ? g->nodes[i].file : "";
}

void revgraph_name_rev(const struct revgraph *g, size_t i, char *dst, size_t cap)
{
	if (g->nodes[i].file && g->nodes[i].file[0])
		snprintf(dst, cap, "%s (%s)", g->nodes[i].id, g->nodes[i].file);
	else
		snprintf(dst, cap, "%s", g->nodes[i].id);
}

void revgraph_join_ids(const struct revgraph *g, const size_t *v, size_t n, int with_files,
		       char *dst, size_t cap)
{
	size_t len = 0;
	dst[0] = '\0';
	for (size_t i = 0; i < n && len + 1 < cap; i++) {
		char one[512];
		if (i == 8) {
			snprintf(dst + len, cap - len, ", ...");
			return;
		}
		if (with_files)
			revgraph_name_rev(g, v[i], one, sizeof one);
		else
			snprintf(one, sizeof one, "%s", g->nodes[v[i]].id);
		int w = snprintf(dst + len, cap - len, "%s%s", i ? ", " : "", one);
		if (w < 0)
			return;
		len += (size_t)w;
		if (len >= cap)
			len = cap - 1;
	}
}

static int contains(const size_t *v, size_t n, size_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------ */
/* hash table of ids and branch labels                                 */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

const struct slot *revgraph_find_key(const struct revgraph *g, const char *key)
{
	size_t mask = g->table_cap - 1;
	for (size_t i = (size_t)hash_str(key) & mask;; i = (i + 1) & mask) {
		const struct slot *s = &g->table[i];
		if (!s->used)
			return NULL;
		if (strcmp(s->key, key) == 0)
			return s;
	}
}

/* Insert; returns the existing slot when the key is taken, else NULL. */
static const struct slot *table_put(struct revgraph *g, const char *key, size_t idx, int is_label)
{
	size_t mask = g->table_cap - 1;
	for (size_t i = (size_t)hash_str(key) & mask;; i = (i + 1) & mask) {
		struct slot *s = &g->table[i];
		if (!s->used) {
			s->used = 1;
			s->key = key;
			s->idx = idx;
			s->is_label = is_label;
			return NULL;
		}
		if (strcmp(s->key, key) == 0)
			return s;
	}
}

/* ------------------------------------------------------------------ */
/* accessors                                                           */

size_t revgraph_count(const struct revgraph *g)
{
	return g->n;
}

const char *revgraph_id(const struct revgraph *g, size_t i)
{
	return g->nodes[i].id;
}

const char *revgraph_file(const struct revgraph *g, size_t i)
{
	return file_of(g, i);
}

size_t revgraph_down(const struct revgraph *g, size_t i, const size_t **down)
{
	*down = g->nodes[i].down;
	return g->nodes[i].n_down;
}

size_t revgraph_depends(const struct revgraph *g, size_t i, const size_t **deps)
{
	*deps = g->nodes[i].deps;
	return g->nodes[i].n_deps;
}

size_t revgraph_next(const struct revgraph *g, size_t i, const size_t **next)
{
	*next = g->nodes[i].next;
	return g->nodes[i].n_next;
}

const char *const *revgraph_labels(const struct revgraph *g, size_t i)
{
	static const char *const empty[1] = { NULL };
	return g->nodes[i].labels ? g->nodes[i].labels : empty;
}

int revgraph_is_branch_point(const struct revgraph *g, size_t i)
{
	return g->nodes[i].n_next > 1;
}

int revgraph_is_merge_point(const struct revgraph *g, size_t i)
{
	return g->nodes[i].n_down > 1;
}

size_t revgraph_heads(const struct revgraph *g, const size_t **v)
{
	*v = g->heads;
	return g->n_heads;
}

size_t revgraph_real_heads(const struct revgraph *g, const size_t **v)
{
	*v = g->real_heads;
	return g->n_real_heads;
}

size_t revgraph_bases(const struct revgraph *g, const size_t **v)
{
	*v = g->bases;
	return g->n_bases;
}

int revgraph_has_label(const struct revgraph *g, size_t i, const char *label)
{
	for (size_t k = 0; k < g->nodes[i].n_labels; k++)
		if (strcmp(g->nodes[i].labels[k], label) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* building                                                            */

void revgraph_free(struct revgraph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		struct node *nd = &g->nodes[i];
		free(nd->id);
		free(nd->file);
		free(nd->down);
		free(nd->deps);
		free(nd->ndown);
		free(nd->next);
		free(nd->allnext);
		free(nd->nchild);
		for (size_t k = 0; k < nd->n_own; k++)
			free(nd->own_labels[k]);
		free(nd->own_labels);
		free(nd->labels);
	}
	free(g->nodes);
	free(g->table);
	free(g->heads);
	free(g->real_heads);
	free(g->bases);
	free(g);
}

static int copy_inputs(struct revgraph *g, const struct revgraph_input *revs, struct err *e)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct revgraph_input *in = &revs[i];
		struct node *nd = &g->nodes[i];
		const char *why;
		const char *file = in->file ? in->file : "";
		if (!in->id || !revfile_id_ok(in->id, strlen(in->id), &why))
			return err_set(e, EXIT_GRAPH, "%s: invalid revision id \"%s\": %s", file,
				       in->id ? in->id : "", in->id ? why : "it is empty");
		nd->id = xstrdup(in->id);
		nd->file = xstrdup(file);
		if (!nd->id || !nd->file)
			return oom(e);
		if (in->n_labels) {
			nd->own_labels = calloc(in->n_labels, sizeof *nd->own_labels);
			if (!nd->own_labels)
				return oom(e);
			for (size_t k = 0; k < in->n_labels; k++) {
				if (!in->labels[k] ||
				    !revfile_id_ok(in->labels[k], strlen(in->labels[k]), &why))
					return err_set(e, EXIT_GRAPH,
						       "%s: invalid branch label \"%s\": %s", file,
						       in->labels[k] ? in->labels[k] : "",
						       in->labels[k] ? why : "it is empty");
				int dup = 0;
				for (size_t m = 0; m < nd->n_own && !dup; m++)
					dup = strcmp(nd->own_labels[m], in->labels[k]) == 0;
				if (dup)
					continue;
				nd->own_labels[nd->n_own] = xstrdup(in->labels[k]);
				if (!nd->own_labels[nd->n_own])
					return oom(e);
				nd->n_own++;
			}
		}
	}
	return 0;
}

static int fill_table(struct revgraph *g, struct err *e)
{
	size_t keys = g->n;
	for (size_t i = 0; i < g->n; i++)
		keys += g->nodes[i].n_own;
	g->table_cap = 16;
	while (g->table_cap < keys * 2)
		g->table_cap *= 2;
	g->table = calloc(g->table_cap, sizeof *g->table);
	if (!g->table)
		return oom(e);
	for (size_t i = 0; i < g->n; i++) {
		const struct slot *old = table_put(g, g->nodes[i].id, i, 0);
		if (old) {
			err_set(e, EXIT_GRAPH, "duplicate revision id \"%s\": %s and %s",
				g->nodes[i].id, file_of(g, old->idx), file_of(g, i));
			return err_hint(e, "every revision file needs its own id; give one of them a "
					   "new id and fix the down_revision that named it");
		}
	}
	for (size_t i = 0; i < g->n; i++) {
		for (size_t k = 0; k < g->nodes[i].n_own; k++) {
			const char *label = g->nodes[i].own_labels[k];
			const struct slot *old = table_put(g, label, i, 1);
			if (old) {
				char a[512], b[512];
				revgraph_name_rev(g, i, a, sizeof a);
				revgraph_name_rev(g, old->idx, b, sizeof b);
				return err_set(e, EXIT_GRAPH,
					       "branch label \"%s\" of revision %s is already used by %s%s",
					       label, a, old->is_label ? "revision " : "the revision id of ",
					       b);
			}
		}
	}
	return 0;
}

/* Resolve down_revision (ids only) and depends_on (ids or labels). */
static int resolve_edges(struct revgraph *g, const struct revgraph_input *revs, struct err *e)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct revgraph_input *in = &revs[i];
		struct node *nd = &g->nodes[i];
		char me[512];
		revgraph_name_rev(g, i, me, sizeof me);
		if (in->n_down) {
			nd->down = malloc(in->n_down * sizeof *nd->down);
			if (!nd->down)
				return oom(e);
		}
		for (size_t k = 0; k < in->n_down; k++) {
			const char *d = in->down[k] ? in->down[k] : "";
			const struct slot *s = revgraph_find_key(g, d);
			if (strcmp(d, nd->id) == 0)
				return err_set(e, EXIT_GRAPH,
					       "self-loop: revision %s is its own down_revision", me);
			if (!s || s->is_label) {
				err_set(e, EXIT_GRAPH,
					"revision %s has down_revision \"%s\", which is not a revision "
					"in the migrations directory",
					me, d);
				return err_hint(e, "a revision file is missing, or the down_revision "
						   "has a typo");
			}
			if (!contains(nd->down, nd->n_down, s->idx))
				nd->down[nd->n_down++] = s->idx;
		}
		if (in->n_depends) {
			nd->deps = malloc(in->n_depends * sizeof *nd->deps);
			if (!nd->deps)
				return oom(e);
		}
		for (size_t k = 0; k < in->n_depends; k++) {
			const char *d = in->depends[k] ? in->depends[k] : "";
			const struct slot *s = revgraph_find_key(g, d);
			if (!s)
				return err_set(e, EXIT_GRAPH,
					       "revision %s depends on \"%s\", which is neither a "
					       "revision nor a branch label",
					       me, d);
			if (s->idx == i)
				return err_set(e, EXIT_GRAPH,
					       "dependency self-loop: revision %s depends on itself", me);
			if (!contains(nd->deps, nd->n_deps, s->idx))
				nd->deps[nd->n_deps++] = s->idx;
		}
	}
	return 0;
}

/* Build the reverse adjacency: next (versioned) and allnext (any edge). */
static int build_children(struct revgraph *g, struct err *e)
{
	for (size_t i = 0; i < g->n; i++) {
		struct node *nd = &g->nodes[i];
		for (size_t k = 0; k < nd->n_down; k++) {
			g->nodes[nd->down[k]].n_next++;
			g->nodes[nd->down[k]].n_allnext++;
		}
		for (size_t k = 0; k < nd->n_deps; k++)
			if (!contains(nd->down, nd->n_down, nd->deps[k]))
				g->nodes[nd->deps[k]].n_allnext++;
	}
	for (size_t i = 0; i < g->n; i++) {
		struct node *nd = &g->nodes[i];
		if (nd->n_next && !(nd->next = malloc(nd->n_next * sizeof *nd->next)))
			return oom(e);
		if (nd->n_allnext && !(nd->allnext = malloc(nd->n_allnext * sizeof *nd->allnext)))
			return oom(e);
		nd->n_next = nd->n_allnext = 0;
	}
	for (size_t i = 0; i < g->n; i++) {
		struct node *nd = &g->nodes[i];
		for (size_t k = 0; k < nd->n_down; k++) {
			struct node *p = &g->nodes[nd->down[k]];
			p->next[p->n_next++] = i;
			p->allnext[p->n_allnext++] = i;
		}
		for (size_t k = 0; k < nd->n_deps; k++) {
			if (contains(nd->down, nd->n_down, nd->deps[k]))
				continue;
			struct node *p = &g->nodes[nd->deps[k]];
			p->allnext[p->n_allnext++] = i;
		}
	}
	return 0;
}

/*
 * Kahn's algorithm forwards (drop revisions whose parents are all dropped)
 * then backwards (drop revisions whose children are all dropped); what is
 * left lies on a cycle or between two.  with_deps: follow depends_on too.
 */
static int check_cycles(const struct revgraph *g, int with_deps, struct err *e)
{
	size_t n = g->n;
	size_t *deg = calloc(n ? n : 1, sizeof *deg);
	size_t *queue = malloc((n ? n : 1) * sizeof *queue);
	unsigned char *gone = calloc(n ? n : 1, 1);
	size_t qh = 0, qt = 0, left = n;
	int rc = 0;
	if (!deg || !queue || !gone) {
		rc = oom(e);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct node *nd = &g->nodes[i];
		deg[i] = nd->n_down;
		if (with_deps)
			for (size_t k = 0; k < nd->n_deps; k++)
				deg[i] += !contains(nd->down, nd->n_down, nd->deps[k]);
		if (deg[i] == 0)
			queue[qt++] = i;
	}
	while (qh < qt) {
		size_t i = queue[qh++];
		const struct node *nd = &g->nodes[i];
		const size_t *ch = with_deps ? nd->allnext : nd->next;
		size_t nch = with_deps ? nd->n_allnext : nd->n_next;
		gone[i] = 1;
		left--;
		for (size_t k = 0; k < nch; k++)
			if (--deg[ch[k]] == 0)
				queue[qt++] = ch[k];
	}
	if (left == 0)
		goto out;
	/* backwards among the rest */
	qh = qt = 0;
	for (size_t i = 0; i < n; i++) {
		if (gone[i])
			continue;
		const struct node *nd = &g->nodes[i];
		const size_t *ch = with_deps ? nd->allnext : nd->next;
		size_t nch = with_deps ? nd->n_allnext : nd->n_next;
		deg[i] = 0;
		for (size_t k = 0; k < nch; k++)
			deg[i] += !gone[ch[k]];
		if (deg[i] == 0)
			queue[qt++] = i;
	}
	while (qh < qt) {
		size_t i = queue[qh++];
		const struct node *nd = &g->nodes[i];
		gone[i] = 1;
		for (size_t k = 0; k < nd->n_down; k++)
			if (!gone[nd->down[k]] && --deg[nd->down[k]] == 0)
				queue[qt++] = nd->down[k];
		if (with_deps)
			for (size_t k = 0; k < nd->n_deps; k++) {
				size_t d = nd->deps[k];
				if (contains(nd->down, nd->n_down, d))
					continue;
				if (!gone[d] && --deg[d] == 0)
					queue[qt++] = d;
			}
	}
	{
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (!gone[i])
				queue[m++] = i;
		char list[ERR_MSG_MAX - 100];
		revgraph_join_ids(g, queue, m, 1, list, sizeof list);
		rc = err_set(e, EXIT_GRAPH, "%s detected in revisions %s",
			     with_deps ? "dependency cycle" : "cycle", list);
		err_hint(e, "%s", with_deps ? "a depends_on points at a later revision"
					    : "a down_revision points at a later revision");
	}
out:
	free(deg);
	free(queue);
	free(gone);
	return rc;
}

/*
 * Alembic's _normalize_depends_on: drop a dependency that one of the
 * revision's (versioned) ancestors already depends on.  Only a dependency
 * shared by several revisions can be dropped, so only then do we walk.
 */
static int normalize_deps(struct revgraph *g, struct err *e)
{
	size_t n = g->n;
	size_t *dependents = calloc(n ? n : 1, sizeof *dependents);
	struct revwalk w;
	int rc = 0;
	if (revwalk_init(&w, g) != 0) {
		free(dependents);
		return oom(e);
	}
	if (!dependents) {
		rc = oom(e);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < g->nodes[i].n_deps; k++)
			dependents[g->nodes[i].deps[k]]++;
	for (size_t i = 0; i < n; i++) {
		struct node *nd = &g->nodes[i];
		size_t cap = nd->n_down + nd->n_deps;
		nd->ndown = malloc((cap ? cap : 1) * sizeof *nd->ndown);
		if (!nd->ndown) {
			rc = oom(e);
			goto out;
		}
		for (size_t k = 0; k < nd->n_down; k++)
			nd->ndown[nd->n_ndown++] = nd->down[k];
		int shared = 0;
		unsigned ep = 0; /* marks i's strict versioned ancestors */
		for (size_t k = 0; k < nd->n_deps; k++)
			shared |= dependents[nd->deps[k]] > 1;
		if (shared) {
			ep = revwalk_epoch(&w);
			if (revwalk_run(&w, ep, nd->down, nd->n_down, REVWALK_DOWN, NULL, NULL) < 0) {
				rc = oom(e);
				goto out;
			}
		}
		for (size_t k = 0; k < nd->n_deps; k++) {
			size_t d = nd->deps[k];
			int implied = 0;
			if (shared && dependents[d] > 1) {
				/* does an ancestor of i also depend on d? */
				for (size_t c = 0; c < g->nodes[d].n_allnext && !implied; c++) {
					size_t a = g->nodes[d].allnext[c];
					if (a != i && w.mark[a] == ep &&
					    contains(g->nodes[a].deps, g->nodes[a].n_deps, d))
						implied = 1;
				}
			}
			if (!implied && !contains(nd->ndown, nd->n_ndown, d))
				nd->ndown[nd->n_ndown++] = d;
		}
	}
	/* normalized children */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < g->nodes[i].n_ndown; k++)
			g->nodes[g->nodes[i].ndown[k]].n_nchild++;
	for (size_t i = 0; i < n; i++) {
		struct node *nd = &g->nodes[i];
		if (nd->n_nchild && !(nd->nchild = malloc(nd->n_nchild * sizeof *nd->nchild))) {
			rc = oom(e);
			goto out;
		}
		nd->n_nchild = 0;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < g->nodes[i].n_ndown; k++) {
			struct node *p = &g->nodes[g->nodes[i].ndown[k]];
			p->nchild[p->n_nchild++] = i;
		}
out:
	free(dependents);
	revwalk_release(&w);
	return rc;
}

static int add_label(struct node *nd, const char *label)
{
	for (size_t k = 0; k < nd->n_labels; k++)
		if (strcmp(nd->labels[k], label) == 0)
			return 0;
	if (nd->n_labels + 2 > nd->cap_labels) {
		size_t cap = nd->cap_labels ? nd->cap_labels * 2 : 4;
		const char **v = realloc(nd->labels, cap * sizeof *v);
		if (!v)
			return -1;
		nd->labels = v;
		nd->cap_labels = cap;
	}
	nd->labels[nd->n_labels++] = label;
	nd->labels[nd->n_labels] = NULL;
	return 0;
}

struct labelling {
	struct revgraph *g;
	const struct node *src; /* whose own labels are given */
};

static enum revwalk_visit give_labels(void *arg, size_t x)
{
	const struct labelling *l = arg;
	for (size_t k = 0; k < l->src->n_own; k++)
		if (add_label(&l->g->nodes[x], l->src->own_labels[k]) != 0)
			return REVWALK_FAIL;
	return REVWALK_ENTER;
}

/*
 * Alembic's _add_branches: a label applies to its revision, every
 * descendant (down_revision edges), and the ancestors down to the nearest
 * real branch point or merge point.
 */
static int inherit_labels(struct revgraph *g, struct err *e)
{
	struct revwalk w;
	int rc = 0;
	if (revwalk_init(&w, g) != 0)
		return oom(e);
	for (size_t i = 0; i < g->n; i++)
		for (size_t k = 0; k < g->nodes[i].n_own; k++)
			if (add_label(&g->nodes[i], g->nodes[i].own_labels[k]) != 0)
				goto nomem;
	for (size_t i = 0; i < g->n; i++) {
		const struct node *src = &g->nodes[i];
		if (!src->n_own)
			continue;
		struct labelling l = { g, src };
		if (revwalk_run(&w, revwalk_epoch(&w), &i, 1, REVWALK_NEXT, give_labels, &l) != 0)
			goto nomem;
		size_t p = i;
		for (;;) {
			const struct node *pn = &g->nodes[p];
			if (pn->n_allnext > 1 || pn->n_down > 1)
				break;
			for (size_t k = 0; k < src->n_own; k++)
				if (add_label(&g->nodes[p], src->own_labels[k]) != 0)
					goto nomem;
			if (pn->n_down == 0)
				break;
			p = pn->down[0];
		}
	}
	goto out;
nomem:
	rc = oom(e);
out:
	revwalk_release(&w);
	return rc;
}

static int collect_ends(struct revgraph *g, struct err *e)
{
	size_t n = g->n ? g->n : 1;
	g->heads = malloc(n * sizeof *g->heads);
	g->real_heads = malloc(n * sizeof *g->real_heads);
	g->bases = malloc(n * sizeof *g->bases);
	if (!g->heads || !g->real_heads || !g->bases)
		return oom(e);
	for (size_t i = 0; i < g->n; i++) {
		const struct node *nd = &g->nodes[i];
		if (nd->n_next == 0)
			g->heads[g->n_heads++] = i;
		if (nd->n_allnext == 0)
			g->real_heads[g->n_real_heads++] = i;
		if (nd->n_down == 0)
			g->bases[g->n_bases++] = i;
	}
	return 0;
}

int revgraph_build(struct revgraph **out, const struct revgraph_input *revs, size_t n,
		   struct err *e)
{
	struct revgraph *g = calloc(1, sizeof *g);
	*out = NULL;
	if (!g)
		return oom(e);
	g->n = n;
	g->nodes = calloc(n ? n : 1, sizeof *g->nodes);
	if (!g->nodes) {
		free(g);
		return oom(e);
	}
	if (copy_inputs(g, revs, e) != 0 || fill_table(g, e) != 0 || resolve_edges(g, revs, e) != 0 ||
	    build_children(g, e) != 0 || check_cycles(g, 0, e) != 0 || check_cycles(g, 1, e) != 0 ||
	    normalize_deps(g, e) != 0 || inherit_labels(g, e) != 0 || collect_ends(g, e) != 0) {
		revgraph_free(g);
		return -1;
	}
	*out = g;
	return 0;
}

/* ------------------------------------------------------------------ */
/* plans                                                               */

struct planner {
	struct revwalk w;
	const struct revgraph *g;
	unsigned char *in_heads; /* version-table rows now */
	unsigned char *applied;  /* ancestors-or-self of in_heads */
	unsigned char *todo;
	size_t *pending;
	unsigned char *in_frontier;
	struct vec current; /* indices of the given rows */
	struct vec order;
};

static int planner_init(struct planner *p, const struct revgraph *g, const char *const *current,
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

static void planner_release(struct planner *p)
{
	revwalk_release(&p->w);
	free(p->in_heads);
	free(p->applied);
	free(p->todo);
	free(p->pending);
	free(p->in_frontier);
	vec_free(&p->current);
	vec_free(&p->order);
}

struct handover {
	const struct planner *p;
	size_t cand;
};

static enum revwalk_visit needs_cand(void *arg, size_t x)
{
	const struct handover *h = arg;
	if (x == h->cand)
		return REVWALK_FOUND;
	return h->p->todo[x] ? REVWALK_ENTER : REVWALK_PRUNE;
}

/* Is cand an ancestor of f?  Walk down from f through unemitted todo
 * revisions; marks with ep are shared between calls of one hand-over. */
static int reaches_down(struct planner *p, size_t f, size_t cand, unsigned ep)
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
static int topo_sort(struct planner *p, const size_t *heads, size_t n_heads, struct err *e)
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

struct other_head {
	const struct planner *p;
	size_t t, r;
};

static enum revwalk_visit is_other_head(void *arg, size_t x)
{
	const struct other_head *o = arg;
	if (x == o->r || (x != o->t && !o->p->applied[x]))
		return REVWALK_PRUNE;
	return o->p->in_heads[x] ? REVWALK_FOUND : REVWALK_ENTER;
}

/* Is t an ancestor-or-self of a version-table row other than r?  Walk up
 * from t through applied revisions (r excluded) until a row is found. */
static int under_other_head(struct planner *p, size_t t, size_t r)
{
	struct other_head o = { p, t, r };
	return revwalk_run(&p->w, revwalk_epoch(&p->w), &t, 1, REVWALK_NCHILD, is_other_head, &o);
}

/* Is a a strict ancestor of b (normalized edges)? */
static int strict_ancestor(struct planner *p, size_t a, size_t b)
{
	const struct node *nd = &p->g->nodes[b];
	return revwalk_find(&p->w, nd->ndown, nd->n_ndown, REVWALK_NDOWN, a);
}

static int step_set(struct revgraph_step *st, const struct revgraph *g, const size_t *from,
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
static int step_up(struct planner *p, size_t r, struct revgraph_step *st, struct err *e)
{
	const struct revgraph *g = p->g;
	const struct node *nd = &g->nodes[r];
	size_t in[64], nin = 0;
	size_t *inb = nd->n_ndown > 64 ? malloc(nd->n_ndown * sizeof *inb) : in;
	int rc = 0;
	if (!inb)
		return oom(e);
	for (size_t k = 0; k < nd->n_ndown; k++)
		if (p->in_heads[nd->ndown[k]])
			inb[nin++] = nd->ndown[k];
	st->rev = r;
	st->dir = REVGRAPH_UP;
	if (p->in_heads[r]) {
		rc = head_conflict(g, r, e);
		goto out;
	}
	if (nin == 0) { /* base, or none of the down revisions is a row: new branch */
		st->op = REVGRAPH_INSERT;
		if (step_set(st, g, NULL, 0, &r, 1) != 0)
			goto nomem;
	} else if (nin > 1) { /* merge: delete all but the last, update the last */
		st->op = REVGRAPH_MERGE;
		if (step_set(st, g, inb, nin, &r, 1) != 0)
			goto nomem;
		for (size_t k = 0; k < nin; k++)
			p->in_heads[inb[k]] = 0;
	} else {
		st->op = REVGRAPH_UPDATE;
		if (step_set(st, g, inb, 1, &r, 1) != 0)
			goto nomem;
		p->in_heads[inb[0]] = 0;
	}
	p->in_heads[r] = 1;
	p->applied[r] = 1;
	goto out;
nomem:
	rc = oom(e);
out:
	if (inb != in)
		free(inb);
	return rc;
}

/* HeadMaintainer.update_to_step for a downgrade of r. */
static int step_down(struct planner *p, size_t r, struct revgraph_step *st, int several_rows,
		     struct err *e)
{
	const struct revgraph *g = p->g;
	const struct node *nd = &g->nodes[r];
	size_t buf[64], nto = 0;
	size_t *to = nd->n_ndown > 64 ? malloc(nd->n_ndown * sizeof *to) : buf;
	int rc = 0;
	if (!to)
		return oom(e);
	st->rev = r;
	st->dir = REVGRAPH_DOWN;
	if (!p->in_heads[r]) {
		rc = err_set(e, EXIT_GRAPH,
			     "cannot downgrade revision %s: it is not a row of the version table",
			     nd->id);
		goto out;
	}
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
		if (drop < 0)
			goto nomem;
		if (!drop)
			to[nto++] = t;
	}
	for (size_t k = 0; k < nto; k++)
		if (p->in_heads[to[k]]) {
			rc = head_conflict(g, to[k], e);
			goto out;
		}
	if (nto == 0) {
		st->op = REVGRAPH_DELETE;
		if (step_set(st, g, &r, 1, NULL, 0) != 0)
			goto nomem;
	} else {
		st->op = nto > 1 ? REVGRAPH_UNMERGE : REVGRAPH_UPDATE;
		if (step_set(st, g, &r, 1, to, nto) != 0)
			goto nomem;
		for (size_t k = 0; k < nto; k++)
			p->in_heads[to[k]] = 1;
	}
	p->in_heads[r] = 0;
	p->applied[r] = 0;
	goto out;
nomem:
	rc = oom(e);
out:
	if (to != buf)
		free(to);
	return rc;
}

/* Run the ordered revisions through the head bookkeeping into plan. */
static int make_steps(struct planner *p, int up, struct revgraph_plan *plan, struct err *e)
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
		struct revgraph_step *st = &plan->steps[k];
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

/* Alembic's _parse_upgrade_target → targets (empty = base). */
static int upgrade_targets(struct planner *p, const char *target, struct vec *targets,
			   struct err *e)
{
	const struct revgraph *g = p->g;
	char branch[256], symbol[256];
	long rel;
	targets->n = 0;
	if (!revresolve_parse_relative(target, branch, sizeof branch, symbol, sizeof symbol, &rel))
		return revresolve_revisions(&p->w, target, targets, e);
	const char *br = branch[0] ? branch : NULL;
	long res = NONE_POS;
	int w;
	if (rel > 0 && !symbol[0]) {
		struct vec start = { 0 };
		for (size_t i = 0; i < p->current.n; i++)
			if (vec_push(&start, p->current.v[i]) != 0)
				return oom(e);
		if (br && start.n) {
			if (revresolve_filter_lineage(&p->w, br, start.v, &start.n, e) != 0) {
				vec_free(&start);
				return -1;
			}
			if (start.n == 0) {
				/* the branch is not a row: start from the tips of the applied
				 * revisions on the branch, or from nothing */
				size_t b;
				if (revresolve_lookup(g, br, &b, 1, e) != 0) {
					vec_free(&start);
					return -1;
				}
				unsigned ep = revwalk_lineage(&p->w, b);
				for (size_t i = 0; ep && i < g->n; i++) {
					if (!p->applied[i] || p->w.mark[i] != ep)
						continue;
					int tip = 1;
					for (size_t c = 0; c < g->nodes[i].n_nchild && tip; c++) {
						size_t ch = g->nodes[i].nchild[c];
						tip = !(p->applied[ch] && p->w.mark[ch] == ep);
					}
					if (tip && vec_push(&start, i) != 0) {
						vec_free(&start);
						return oom(e);
					}
				}
				if (!ep) {
					vec_free(&start);
					return oom(e);
				}
			}
		}
		if (start.n > 1) {
			vec_free(&start);
			err_set(e, EXIT_GRAPH, "ambiguous upgrade from multiple current revisions");
			return err_hint(e, "give \"<branch>@+%ld\" or a revision", rel);
		}
		long from = start.n ? (long)start.v[0] : NONE_POS;
		vec_free(&start);
		w = revresolve_walk(&p->w, from, rel, br, &res, e);
		if (w < 0)
			return -1;
		if (w > 0)
			return err_set(e, EXIT_GRAPH, "relative revision %s didn't produce %ld migrations",
				       target, rel);
	} else if (rel > 0) {
		long from;
		if (revresolve_revision(&p->w, symbol, &from, e) != 0)
			return -1;
		w = revresolve_walk(&p->w, from, rel, br, &res, e);
		if (w < 0)
			return -1;
		if (w > 0)
			return err_set(e, EXIT_GRAPH, "relative revision %s didn't produce %ld migrations",
				       target, rel);
	} else {
		if (!symbol[0]) {
			err_set(e, EXIT_GRAPH, "relative revision %s didn't produce %ld migrations",
				target, -rel);
			return err_hint(e, "upgrade goes up: use \"+N\", or \"downgrade %s\"", target);
		}
		char spec[520];
		long from;
		snprintf(spec, sizeof spec, "%s%s%s", br ? br : "", br ? "@" : "", symbol);
		if (revresolve_revision(&p->w, spec, &from, e) != 0)
			return -1;
		w = revresolve_walk(&p->w, from, rel, NULL, &res, e);
		if (w < 0)
			return -1;
		if (w > 0)
			return err_set(e, EXIT_GRAPH, "relative revision %s walked past the base", target);
	}
	if (res >= 0 && vec_push(targets, (size_t)res) != 0)
		return oom(e);
	return 0;
}

int revgraph_plan_upgrade(const struct revgraph *g, const char *const *current, size_t n_current,
			  const char *target, struct revgraph_plan *plan, struct err *e)
{
	struct planner p;
	struct vec targets = { 0 };
	unsigned char *required = NULL, *have = NULL;
	int rc = -1;
	memset(plan, 0, sizeof *plan);
	if (planner_init(&p, g, current, n_current, e) != 0)
		goto out;
	if (upgrade_targets(&p, target ? target : "head", &targets, e) != 0)
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
	if (topo_sort(&p, targets.v, targets.n, e) != 0)
		goto out;
	rc = make_steps(&p, 1, plan, e);
out:
	if (rc != 0)
		revgraph_plan_release(plan);
	free(required);
	free(have);
	vec_free(&targets);
	planner_release(&p);
	return rc;
}

/* Alembic's _parse_downgrade_target → *target (NONE_POS: base) and the
 * branch that restricts it (into branch, "" when none). */
static int downgrade_target(struct planner *p, const char *target, char *branch, size_t bcap,
			    long *res, struct err *e)
{
	const struct revgraph *g = p->g;
	char symbol[256];
	long rel;
	if (revresolve_parse_relative(target, branch, bcap, symbol, sizeof symbol, &rel)) {
		const char *br = branch[0] ? branch : NULL;
		int w;
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
			w = revresolve_walk(&p->w, from, rel, br, res, e);
			if (w < 0)
				return -1;
			if (w > 0)
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
				if (revresolve_filter_lineage(&p->w, br, cur.v, &cur.n, e) != 0) {
					vec_free(&cur);
					return -1;
				}
				if (cur.n == 0) {
					/* the branch heads among everything applied */
					size_t b;
					unsigned ep;
					if (revresolve_lookup(g, br, &b, 1, e) != 0) {
						vec_free(&cur);
						return -1;
					}
					if (!(ep = revwalk_lineage(&p->w, b))) {
						vec_free(&cur);
						return oom(e);
					}
					for (size_t i = 0; i < g->n; i++) {
						if (!p->applied[i] || p->w.mark[i] != ep)
							continue;
						int tip = 1;
						for (size_t c = 0; c < g->nodes[i].n_next && tip; c++)
							tip = !p->applied[g->nodes[i].next[c]];
						if (tip && vec_push(&cur, i) != 0) {
							vec_free(&cur);
							return oom(e);
						}
					}
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
					revgraph_join_ids(g, p->current.v, p->current.n, 0, list, sizeof list);
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
		w = revresolve_walk(&p->w, from, rel, NULL, res, e);
		if (w < 0)
			return -1;
		if (w > 0) {
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

int revgraph_plan_downgrade(const struct revgraph *g, const char *const *current,
			    size_t n_current, const char *target, struct revgraph_plan *plan,
			    struct err *e)
{
	struct planner p;
	struct vec roots = { 0 };
	unsigned char *drop = NULL;
	char branch[256];
	long tgt;
	int rc = -1;
	memset(plan, 0, sizeof *plan);
	if (planner_init(&p, g, current, n_current, e) != 0)
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
	if (topo_sort(&p, p.current.v, p.current.n, e) != 0)
		goto out;
	rc = make_steps(&p, 0, plan, e);
	goto out;
nomem:
	oom(e);
out:
	if (rc != 0)
		revgraph_plan_release(plan);
	free(drop);
	vec_free(&roots);
	planner_release(&p);
	return rc;
}

void revgraph_plan_release(struct revgraph_plan *plan)
{
	for (size_t i = 0; i < plan->n_steps; i++) {
		free(plan->steps[i].from);
		free(plan->steps[i].to);
	}
	free(plan->steps);
	free(plan->heads);
	memset(plan, 0, sizeof *plan);
}

/* ------------------------------------------------------------------ */
/* history                                                             */

int revgraph_history(const struct revgraph *g, const char *lower, const char *upper,
		     size_t **out, size_t *n, struct err *e)
{
	struct planner p;
	struct vec targets = { 0 }, cur = { 0 };
	unsigned char *required = NULL, *have = NULL, *desc = NULL;
	int rc = -1;
	*out = NULL;
	*n = 0;
	if (!lower)
		lower = "base";
	if (!upper)
		upper = "heads";
	if (planner_init(&p, g, NULL, 0, e) != 0)
		goto out;
	if (revresolve_revisions(&p.w, lower, &cur, e) != 0)
		goto out;
	for (size_t i = 0; i < cur.n; i++)
		if (vec_push(&p.current, cur.v[i]) != 0)
			goto nomem;
	if (upgrade_targets(&p, upper, &targets, e) != 0)
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
	if (topo_sort(&p, targets.v, targets.n, e) != 0)
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
	planner_release(&p);
	return rc;
}

char *revgraph_step_describe(const struct revgraph *g, const struct revgraph_step *s, char *dst,
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
	if (s->dir == REVGRAPH_UP)
		snprintf(dst, cap, "upgrade %s -> %s", downs, nd->id);
	else
		snprintf(dst, cap, "downgrade %s -> %s", nd->id, downs);
	return dst;
}

/* Reachability over normalized downs equals reachability over down
 * revisions and dependencies: normalization only drops a dependency that
 * an ancestor already has. */
int revgraph_reaches(const struct revgraph *g, size_t from, size_t to)
{
	struct revwalk w;
	int found;
	if (revwalk_init(&w, g) != 0)
		return -1;
	found = revwalk_find(&w, &from, 1, REVWALK_NDOWN, to);
	revwalk_release(&w);
	return found;
}
