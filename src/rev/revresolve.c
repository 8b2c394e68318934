/*
 * revresolve.c — naming revisions: ids, unique prefixes, branch labels,
 * `head`/`heads`/`base`, `label@…`, and Alembic's relative steps (the
 * public half is in revgraph.h, the half the planner shares in
 * revgraph_int.h).  Follows RevisionMap.get_revisions, get_revision and
 * _walk of alembic/script/revision.py.
 */
#include "rev/revgraph_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int revresolve_lookup(const struct revgraph *g, const char *ident, size_t *index, int branch,
		      struct err *e)
{
	const struct slot *s = revgraph_find_key(g, ident);
	if (s) {
		*index = s->idx;
		return 0;
	}
	/* unique prefix of an id or label longer than 3 characters */
	size_t plen = strlen(ident), found = 0, first = 0;
	char cands[1024];
	size_t clen = 0;
	cands[0] = '\0';
	for (size_t i = 0; plen && i < g->table_cap; i++) {
		const struct slot *t = &g->table[i];
		if (!t->used || strlen(t->key) <= 3 || strncmp(t->key, ident, plen) != 0)
			continue;
		if (found == 0)
			first = t->idx;
		if (found < 5 && clen < sizeof cands - 1) {
			int w = snprintf(cands + clen, sizeof cands - clen, "%s\"%s\"",
					 found ? ", " : "", t->key);
			if (w > 0)
				clen += (size_t)w;
			if (clen >= sizeof cands)
				clen = sizeof cands - 1;
		}
		found++;
	}
	if (found == 1) {
		*index = first;
		return 0;
	}
	if (found > 1)
		return err_set(e, EXIT_GRAPH, "multiple revisions start with \"%s\": %s%s", ident,
			       cands, found > 5 ? ", ..." : "");
	if (branch)
		return err_set(e, EXIT_GRAPH, "no such branch: \"%s\"", ident);
	err_set(e, EXIT_GRAPH, "no such revision or branch \"%s\"", ident);
	if (plen < 4)
		err_hint(e, "give at least four characters of a revision id for a prefix match");
	return -1;
}

int revgraph_lookup(const struct revgraph *g, const char *ident, size_t *index, struct err *e)
{
	return revresolve_lookup(g, ident, index, 0, e);
}

/* Filter v[0..*n) in place to those sharing lineage with branch (an id,
 * prefix or label). */
int revresolve_filter_lineage(struct revwalk *w, const char *branch, size_t *v, size_t *n,
			      struct err *e)
{
	size_t b;
	if (revresolve_lookup(w->g, branch, &b, 1, e) != 0)
		return -1;
	unsigned ep = revwalk_lineage(w, b);
	if (!ep)
		return oom(e);
	size_t m = 0;
	for (size_t i = 0; i < *n; i++)
		if (w->mark[v[i]] == ep)
			v[m++] = v[i];
	*n = m;
	return 0;
}

/*
 * Alembic's get_revisions(spec) for one string: `[branch@]heads`,
 * `[branch@]head`, `[branch@]base`, `branch@-N`, `[branch@]ident`.
 */
int revresolve_revisions(struct revwalk *w, const char *spec, struct vec *out, struct err *e)
{
	const struct revgraph *g = w->g;
	char branch[256];
	const char *id = spec;
	const char *at = strchr(spec, '@');
	int has_branch = 0;
	out->n = 0;
	if (at) {
		size_t bl = (size_t)(at - spec);
		if (bl == 0 || bl >= sizeof branch)
			return err_set(e, EXIT_GRAPH, "invalid revision \"%s\"", spec);
		memcpy(branch, spec, bl);
		branch[bl] = '\0';
		id = at + 1;
		has_branch = 1;
	}
	if (strcmp(id, "heads") == 0) {
		const size_t *v = has_branch ? g->heads : g->real_heads;
		size_t n = has_branch ? g->n_heads : g->n_real_heads;
		for (size_t i = 0; i < n; i++)
			if (vec_push(out, v[i]) != 0)
				return oom(e);
		if (has_branch)
			return revresolve_filter_lineage(w, branch, out->v, &out->n, e);
		return 0;
	}
	if (strcmp(id, "head") == 0) {
		for (size_t i = 0; i < g->n_heads; i++)
			if (vec_push(out, g->heads[i]) != 0)
				return oom(e);
		if (has_branch && revresolve_filter_lineage(w, branch, out->v, &out->n, e) != 0)
			return -1;
		if (out->n > 1) {
			char list[1024];
			revgraph_join_ids(g, out->v, out->n, 0, list, sizeof list);
			err_set(e, EXIT_GRAPH, "multiple heads are present for \"%s%s%s\": %s",
				has_branch ? branch : "", has_branch ? "@" : "", "head", list);
			return err_hint(e, "use \"heads\" for all of them, \"<branch>@head\" for one "
					   "branch, or a revision id");
		}
		return 0;
	}
	if (strcmp(id, "base") == 0 || id[0] == '\0')
		return 0;
	if (id[0] == '-' && id[1] && strspn(id + 1, "0123456789") == strlen(id + 1)) {
		/* branch@-N: walk down from the (real) heads on the branch */
		long steps = -strtol(id + 1, NULL, 10);
		size_t nh = g->n_real_heads;
		for (size_t i = 0; i < nh; i++) {
			size_t h = g->real_heads[i];
			long r;
			if (has_branch && !revgraph_has_label(g, h, branch))
				continue;
			if (revresolve_walk(w, (long)h, steps, NULL, &r, e) != 0)
				return -1;
			if (r >= 0 && vec_push(out, (size_t)r) != 0)
				return oom(e);
		}
		return 0;
	}
	size_t b = 0, r;
	if (has_branch && revresolve_lookup(g, branch, &b, 1, e) != 0)
		return -1;
	if (revresolve_lookup(g, id, &r, 0, e) != 0)
		return -1;
	if (has_branch) {
		unsigned ep = revwalk_lineage(w, b);
		if (!ep)
			return oom(e);
		if (w->mark[r] != ep)
			return err_set(e, EXIT_GRAPH, "revision %s is not a member of branch \"%s\"",
				       g->nodes[r].id, branch);
	}
	return vec_push(out, r) != 0 ? oom(e) : 0;
}

int revgraph_resolve(const struct revgraph *g, const char *spec, size_t *out, size_t cap,
		     size_t *n, struct err *e)
{
	struct revwalk w;
	struct vec v = { 0 };
	int rc;
	*n = 0;
	if (revwalk_init(&w, g) != 0)
		return oom(e);
	rc = revresolve_revisions(&w, spec, &v, e);
	if (rc == 0) {
		for (size_t i = 0; i < v.n && i < cap; i++)
			out[i] = v.v[i];
		*n = v.n < cap ? v.n : cap;
	}
	vec_free(&v);
	revwalk_release(&w);
	return rc;
}

/* Alembic's get_revision: one revision, NONE_POS for base. */
int revresolve_revision(struct revwalk *w, const char *spec, long *res, struct err *e)
{
	struct vec v = { 0 };
	int rc = revresolve_revisions(w, spec, &v, e);
	if (rc == 0) {
		if (v.n > 1) {
			char list[1024];
			revgraph_join_ids(w->g, v.v, v.n, 0, list, sizeof list);
			rc = err_set(e, EXIT_GRAPH,
				     "multiple heads are present for given argument \"%s\": %s", spec,
				     list);
		} else {
			*res = v.n ? (long)v.v[0] : NONE_POS;
		}
	}
	vec_free(&v);
	return rc;
}

/*
 * Alembic's _walk with no_overwalk: steps > 0 walks up (children along
 * down_revision, only those on branch when given; from NONE_POS the bases),
 * steps < 0 walks down (from NONE_POS the heads; below a base is BASE_POS).
 * Walking past either end gives *res = NONE_POS with return 1.
 */
int revresolve_walk(struct revwalk *w, long start, long steps, const char *branch, long *res,
		    struct err *e)
{
	const struct revgraph *g = w->g;
	long cur = start;
	long count = steps < 0 ? -steps : steps;
	struct vec ch = { 0 };
	int rc = 0;
	for (long k = 0; k < count; k++) {
		ch.n = 0;
		if (steps > 0) {
			const size_t *v = cur == NONE_POS ? g->bases : g->nodes[cur].next;
			size_t n = cur == NONE_POS ? g->n_bases : g->nodes[cur].n_next;
			if (cur == BASE_POS)
				n = 0;
			for (size_t i = 0; i < n; i++)
				if (vec_push(&ch, v[i]) != 0) {
					rc = oom(e);
					goto out;
				}
			if (branch && revresolve_filter_lineage(w, branch, ch.v, &ch.n, e) != 0) {
				rc = -1;
				goto out;
			}
		} else {
			if (cur == BASE_POS) {
				ch.n = 0;
			} else {
				const size_t *v = cur == NONE_POS ? g->heads : g->nodes[cur].down;
				size_t n = cur == NONE_POS ? g->n_heads : g->nodes[cur].n_down;
				for (size_t i = 0; i < n; i++)
					if (vec_push(&ch, v[i]) != 0) {
						rc = oom(e);
						goto out;
					}
				if (ch.n == 0) {
					cur = BASE_POS;
					continue;
				}
			}
		}
		if (ch.n == 0) {
			*res = NONE_POS;
			rc = 1;
			goto out;
		}
		if (ch.n > 1) {
			char list[1024];
			revgraph_join_ids(g, ch.v, ch.n, 0, list, sizeof list);
			rc = err_set(e, EXIT_GRAPH, "ambiguous walk: %s branches to %s",
				     cur >= 0 ? g->nodes[cur].id : "base", list);
			err_hint(e, "name the branch: \"<branch>@%+ld\", or give a revision id", steps);
			goto out;
		}
		cur = (long)ch.v[0];
	}
	*res = cur;
out:
	vec_free(&ch);
	return rc;
}

/* Alembic's _relative_destination regex, (?:(.+?)@)?(\w+)?([+-]\d+),
 * matched against the whole spec. */
int revresolve_parse_relative(const char *spec, char *branch, size_t bcap, char *symbol,
			      size_t scap, long *rel)
{
	const char *rest = spec;
	const char *at = strrchr(spec, '@');
	branch[0] = symbol[0] = '\0';
	if (at) {
		size_t bl = (size_t)(at - spec);
		if (bl == 0 || bl >= bcap)
			return 0;
		rest = at + 1;
		memcpy(branch, spec, bl);
		branch[bl] = '\0';
	}
	size_t i = 0;
	while (rest[i] && (isalnum((unsigned char)rest[i]) || rest[i] == '_'))
		i++;
	if (rest[i] != '+' && rest[i] != '-')
		return 0;
	size_t digits = strspn(rest + i + 1, "0123456789");
	if (digits == 0 || rest[i + 1 + digits] != '\0' || digits > 9 || i >= scap)
		return 0;
	memcpy(symbol, rest, i);
	symbol[i] = '\0';
	*rel = strtol(rest + i + 1, NULL, 10);
	if (rest[i] == '-')
		*rel = -*rel;
	return 1;
}

int revgraph_split_range(const char *range, char **from, char **to, struct err *e)
{
	const char *colon = strchr(range, ':');
	*from = *to = NULL;
	if (!colon)
		return err_set(e, EXIT_USAGE, "invalid range \"%s\": expected FROM:TO", range);
	size_t fl = (size_t)(colon - range), tl = strlen(colon + 1);
	if (fl) {
		*from = malloc(fl + 1);
		if (!*from)
			return oom(e);
		memcpy(*from, range, fl);
		(*from)[fl] = '\0';
	}
	if (tl) {
		*to = malloc(tl + 1);
		if (!*to) {
			free(*from);
			*from = NULL;
			return oom(e);
		}
		memcpy(*to, colon + 1, tl + 1);
	}
	return 0;
}
