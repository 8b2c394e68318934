/*
 * revtext.c — see revtext.h.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include "cmd/revtext.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_load_revisions(struct ctx *c, struct revdir *rd, struct err *e)
{
	const struct config_value *v = &c->cfg.v[CFG_MIGRATIONS_DIR];
	return revdir_load(rd, v->text, v->origin != ORIGIN_DEFAULT, e);
}

int revtext_is_head(const struct revgraph *g, size_t i)
{
	const size_t *next;
	return revgraph_next(g, i, &next) == 0;
}

/* Nothing has i as down revision or dependency (Alembic's _is_real_head). */
static int is_real_head(const struct revgraph *g, size_t i)
{
	const size_t *real;
	size_t n = revgraph_real_heads(g, &real);
	for (size_t k = 0; k < n; k++)
		if (real[k] == i)
			return 1;
	return 0;
}

/* "a, b": the depends_on entries of i as its file writes them (a branch
 * label stays a label), as Alembic prints Script.dependencies. */
static void depends_as_written(const struct revdir *rd, size_t i, char *buf, size_t cap)
{
	const struct revfile *f = &rd->files[i].rev;
	size_t len = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < f->n_depends && len < cap; k++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", k ? ", " : "", f->depends_on[k]);
}

/* "<down> (<deps>) -> 9c1d2e3f4a5b (mylabel) (head) (mergepoint), message":
 * "(head)" for a real head, "(effective head)" for a head that another
 * revision depends on, as Alembic prints them. */
void revtext_rev(const struct revdir *rd, size_t i, int flags, char *buf, size_t cap)
{
	const struct revgraph *g = rd->graph;
	const char *const *labels = revgraph_labels(g, i);
	size_t len = 0;
	buf[0] = '\0';
#define ADD(...)                                                                   \
	do {                                                                       \
		if (len < cap)                                                     \
			len += (size_t)snprintf(buf + len, cap - len, __VA_ARGS__); \
	} while (0)
	if (flags & REVTEXT_PARENTS) {
		const size_t *down;
		size_t nd = revgraph_down(g, i, &down);
		char deps[1024];
		for (size_t k = 0; k < nd; k++)
			ADD("%s%s", k ? ", " : "", revgraph_id(g, down[k]));
		if (nd == 0)
			ADD("<base>");
		depends_as_written(rd, i, deps, sizeof deps);
		if (deps[0])
			ADD(" (%s)", deps);
		ADD(" -> ");
	}
	ADD("%s", revgraph_id(g, i));
	if ((flags & REVTEXT_BRANCHES) && labels && labels[0]) {
		for (size_t k = 0; labels[k]; k++)
			ADD("%s%s", k ? ", " : " (", labels[k]);
		ADD(")");
	}
	if (is_real_head(g, i))
		ADD(" (head)");
	else if (revtext_is_head(g, i))
		ADD(" (effective head)");
	if ((flags & REVTEXT_TREE) && revgraph_is_branch_point(g, i))
		ADD(" (branchpoint)");
	if ((flags & REVTEXT_TREE) && revgraph_is_merge_point(g, i))
		ADD(" (mergepoint)");
	if (flags & REVTEXT_DOC)
		ADD(", %s", rd->files[i].rev.message ? rd->files[i].rev.message : "");
#undef ADD
}

void revtext_ids(const struct revgraph *g, const size_t *ids, size_t n, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < n && len < cap; k++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", k ? ", " : "", revgraph_id(g, ids[k]));
}

/* A history line, as `alembic history`. */
void revtext_print_short(const struct revdir *rd, size_t i)
{
	char line[4096];
	revtext_rev(rd, i, REVTEXT_PARENTS | REVTEXT_BRANCHES | REVTEXT_TREE | REVTEXT_DOC, line, sizeof line);
	printf("%s\n", line);
}

/* Alembic's Script.log_entry: the Rev line has no branch labels (they are
 * under "Branch names") and "(head)" means no revision builds on it. */
void revtext_print_verbose(const struct revdir *rd, size_t i)
{
	const struct revgraph *g = rd->graph;
	const struct revfile *f = &rd->files[i].rev;
	const size_t *down, *next;
	size_t nd = revgraph_down(g, i, &down), nn = revgraph_next(g, i, &next);
	const char *const *labels = revgraph_labels(g, i);
	char buf[2048];
	char *abs = realpath(rd->files[i].path, NULL);

	printf("Rev: %s%s%s%s\n", revgraph_id(g, i), revtext_is_head(g, i) ? " (head)" : "",
	       revgraph_is_branch_point(g, i) ? " (branchpoint)" : "",
	       revgraph_is_merge_point(g, i) ? " (mergepoint)" : "");
	revtext_ids(g, down, nd, buf, sizeof buf);
	if (nd > 1)
		printf("Merges: %s\n", buf);
	else
		printf("Parent: %s\n", nd ? buf : "<base>");
	depends_as_written(rd, i, buf, sizeof buf);
	if (buf[0])
		printf("Also depends on: %s\n", buf);
	if (nn > 1) {
		revtext_ids(g, next, nn, buf, sizeof buf);
		printf("Branches into: %s\n", buf);
	}
	if (labels && labels[0]) {
		size_t len = 0;
		for (size_t k = 0; labels[k] && len < sizeof buf; k++)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", k ? ", " : "", labels[k]);
		printf("Branch names: %s\n", buf);
	}
	printf("Path: %s\n\n", abs ? abs : rd->files[i].path);
	free(abs);
	revtext_ids(g, down, nd, buf, sizeof buf);
	printf("    %s\n    \n    Revision ID: %s\n    Revises: %s\n    Create Date: %s\n\n",
	       f->message ? f->message : "", f->revision, buf, f->create_date ? f->create_date : "");
}

