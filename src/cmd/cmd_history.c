/*
 * cmd_history.c — the listing commands that need no database, as `alembic`
 * prints them: history, heads, branches, show.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/revtext.h"

int cmd_history(struct ctx *c, struct err *e)
{
	struct revdir rd;
	size_t *order = NULL, n = 0;
	char *lower = NULL, *upper = NULL;
	int rc = -1;

	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (!rd.graph) {
		revdir_release(&rd);
		return 0;
	}
	if (c->cli.rev_range && revgraph_split_range(c->cli.rev_range, &lower, &upper, e) < 0)
		goto out;
	if (revgraph_history(rd.graph, lower, upper, &order, &n, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (c->cli.verbose)
			revtext_print_verbose(&rd, order[i]);
		else
			revtext_print_short(&rd, order[i]);
	}
	rc = 0;
out:
	free(order);
	free(lower);
	free(upper);
	revdir_release(&rd);
	return rc;
}

int cmd_heads(struct ctx *c, struct err *e)
{
	struct revdir rd;
	const size_t *heads;
	size_t n;
	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	n = rd.graph ? revgraph_heads(rd.graph, &heads) : 0;
	for (size_t i = 0; i < n; i++) {
		char rev[1024];
		if (c->cli.verbose) {
			revtext_print_verbose(&rd, heads[i]);
			continue;
		}
		revtext_rev(&rd, heads[i], REVTEXT_BRANCHES, rev, sizeof rev);
		printf("%s\n", rev);
	}
	revdir_release(&rd);
	return 0;
}

/* As `alembic branches`: each branch point (newest first), the revisions it
 * branches into, and a blank line; -v gives the full entry and messages. */
int cmd_branches(struct ctx *c, struct err *e)
{
	struct revdir rd;
	size_t *order = NULL, n = 0;
	int rc = -1;
	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (rd.graph && revgraph_history(rd.graph, NULL, NULL, &order, &n, e) < 0)
		goto out;
	for (size_t o = 0; o < n; o++) {
		size_t i = order[o];
		const size_t *next;
		size_t nn;
		char rev[1024];
		if (!revgraph_is_branch_point(rd.graph, i))
			continue;
		if (c->cli.verbose) {
			revtext_print_verbose(&rd, i);
		} else {
			revtext_rev(&rd, i, REVTEXT_BRANCHES | REVTEXT_TREE, rev, sizeof rev);
			printf("%s\n", rev);
		}
		nn = revgraph_next(rd.graph, i, &next);
		for (size_t k = 0; k < nn; k++) {
			char to[2048];
			revtext_rev(&rd, next[k], REVTEXT_BRANCHES | REVTEXT_TREE | (c->cli.verbose ? REVTEXT_DOC : 0), to,
				   sizeof to);
			printf("%*s -> %s\n", (int)strlen(revgraph_id(rd.graph, i)), "", to);
		}
		printf("\n");
	}
	rc = 0;
out:
	free(order);
	revdir_release(&rd);
	return rc;
}

int cmd_show(struct ctx *c, struct err *e)
{
	struct revdir rd;
	size_t found[64], n = 0;
	int rc = -1;
	if (c->cli.nargs < 1)
		return err_set(e, EXIT_USAGE, "show needs a revision");
	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (!rd.graph) {
		err_set(e, EXIT_GRAPH, "no revisions in \"%s\"", rd.dir);
	} else if (revgraph_resolve(rd.graph, c->cli.args[0], found, 64, &n, e) == 0) {
		for (size_t i = 0; i < n; i++)
			revtext_print_verbose(&rd, found[i]);
		rc = 0;
	}
	revdir_release(&rd);
	return rc;
}

