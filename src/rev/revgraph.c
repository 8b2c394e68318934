/*
 * revgraph.c — building and validating the revision graph, and its
 * accessors (see revgraph.h).  The facts follow Alembic 1.x
 * (alembic/script/revision.py); the code is ours and avoids Alembic's
 * set-of-sets walks:
 *
 *  - ids and branch labels live in one open-addressing hash table (Alembic's
 *    _revision_map holds both, so a label may not equal an id);
 *  - cycles are found with Kahn's algorithm, forwards then backwards, so
 *    only revisions on or between cycles are named;
 *  - depends_on is normalized as Alembic's _normalize_depends_on, and
 *    branch labels spread as its _add_branches, with the walk of revwalk.c.
 */
#include "rev/revgraph_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rev/revfile.h"
#include "util/array.h"

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
			rc = revwalk_run(&w, ep, nd->down, nd->n_down, REVWALK_DOWN, NULL, NULL);
			if (rc < 0) {
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
	/* room for the label and the terminating NULL */
	if (array_reserve(&nd->labels, &nd->cap_labels, nd->n_labels + 2, sizeof *nd->labels) < 0)
		return -1;
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
