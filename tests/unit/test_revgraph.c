/*
 * test_revgraph.c — the revision graph: validation, queries, targets, plans.
 *
 * The plan tables below were generated from Alembic 1.8.1 itself: its
 * RevisionMap.iterate_revisions gave the steps and its HeadMaintainer the
 * version-table statements (SQLAlchemy's PostgreSQL dialect, literal binds).
 * Two adjustments: RETURNING is added to INSERT (what Alembic prints with
 * SQLAlchemy 2), and for a merge or unmerge the row Alembic UPDATEs is the
 * last of the set it happened to iterate (Python set order), so those rows
 * are listed in declared order with the last one UPDATEd (our rule).  An
 * Alembic error is expected as "ERROR" (the wording is ours).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rev/revgraph.h"
#include "rev/revplan.h"
#include "rev/versionsql.h"
#include "tap.h"

struct rev_def {
	const char *id, *down, *deps, *labels; /* comma-separated */
};

struct plan_case {
	const char *current; /* comma-separated version-table rows */
	const char *cmd;     /* "up" or "down" */
	const char *target;
	const char *want;
};

/* Split "a,b" into a NULL-terminated array of malloc'd strings. */
static char **split(const char *csv, size_t *n)
{
	char **v = calloc(strlen(csv) + 2, sizeof *v);
	*n = 0;
	while (*csv) {
		size_t len = strcspn(csv, ",");
		v[*n] = strndup(csv, len);
		(*n)++;
		csv += len;
		if (*csv == ',')
			csv++;
	}
	return v;
}

static void free_split(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int build(struct revgraph **g, const struct rev_def *defs, size_t n, struct err *e)
{
	struct revgraph_input *in = calloc(n ? n : 1, sizeof *in);
	char ***lists = calloc(3 * (n ? n : 1), sizeof *lists);
	size_t *counts = calloc(3 * (n ? n : 1), sizeof *counts);
	for (size_t i = 0; i < n; i++) {
		lists[3 * i] = split(defs[i].down, &counts[3 * i]);
		lists[3 * i + 1] = split(defs[i].deps, &counts[3 * i + 1]);
		lists[3 * i + 2] = split(defs[i].labels, &counts[3 * i + 2]);
		in[i].id = defs[i].id;
		in[i].down = (const char *const *)lists[3 * i];
		in[i].n_down = counts[3 * i];
		in[i].depends = (const char *const *)lists[3 * i + 1];
		in[i].n_depends = counts[3 * i + 1];
		in[i].labels = (const char *const *)lists[3 * i + 2];
		in[i].n_labels = counts[3 * i + 2];
		in[i].file = NULL;
	}
	err_clear(e);
	int rc = revgraph_build(g, in, n, e);
	for (size_t i = 0; i < 3 * n; i++)
		free_split(lists[i], counts[i]);
	free(lists);
	free(counts);
	free(in);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Render a plan as "-- <describe>\n<sql>" per step, then "heads: a,b\n"
 * (sorted), or "ERROR\n"; the error message goes to *msg when asked. */
static char *render(const struct revgraph *g, const char *current, const char *cmd,
		    const char *target, struct err *e)
{
	size_t n;
	char **cur = split(current, &n);
	struct revplan plan;
	int rc;
	err_clear(e);
	if (strcmp(cmd, "up") == 0)
		rc = revplan_upgrade(g, (const char *const *)cur, n, target, &plan, e);
	else
		rc = revplan_downgrade(g, (const char *const *)cur, n, target, &plan, e);
	free_split(cur, n);
	if (rc != 0)
		return strdup("ERROR\n");
	size_t cap = 256, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	for (size_t i = 0; i <= plan.n_steps; i++) {
		char line[1024];
		char *sql = NULL;
		if (i < plan.n_steps) {
			char d[512];
			sql = versionsql_step(&plan.steps[i], NULL, NULL);
			snprintf(line, sizeof line, "-- %s\n",
				 revplan_step_describe(g, &plan.steps[i], d, sizeof d));
		} else {
			qsort(plan.heads, plan.n_heads, sizeof *plan.heads, cmp_str);
			size_t l = (size_t)snprintf(line, sizeof line, "heads: ");
			for (size_t k = 0; k < plan.n_heads; k++)
				l += (size_t)snprintf(line + l, sizeof line - l, "%s%s", k ? "," : "",
						      plan.heads[k]);
			snprintf(line + l, sizeof line - l, "\n");
		}
		size_t need = len + strlen(line) + (sql ? strlen(sql) : 0) + 1;
		if (need > cap) {
			while (cap < need)
				cap *= 2;
			out = realloc(out, cap);
		}
		strcpy(out + len, line);
		len += strlen(line);
		if (sql) {
			strcpy(out + len, sql);
			len += strlen(sql);
			free(sql);
		}
	}
	revplan_release(&plan);
	return out;
}

static void run_cases(const struct rev_def *defs, size_t n_defs, const struct plan_case *cases,
		      size_t n_cases)
{
	struct revgraph *g;
	struct err e;
	CHECK_INT(build(&g, defs, n_defs, &e), 0);
	if (!g)
		return;
	for (size_t i = 0; i < n_cases; i++) {
		char *got = render(g, cases[i].current, cases[i].cmd, cases[i].target, &e);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case [%s] %s %s (%s)\n", cases[i].current, cases[i].cmd,
				cases[i].target, e.msg);
		CHECK_STR(got, cases[i].want);
		if (strcmp(cases[i].want, "ERROR\n") == 0)
			CHECK_INT(e.code, EXIT_GRAPH);
		free(got);
	}
	revgraph_free(g);
}

/* linear: generated from Alembic 1.8.1 (RevisionMap, RevisionStep, HeadMaintainer) */
static const struct rev_def linear_revs[] = {
	{ "r1", "", "", "" },
	{ "r2", "r1", "", "" },
	{ "r3", "r2", "", "" },
	{ "r4", "r3", "", "" },
	{ "r5", "r4", "", "" },
};

static const struct plan_case linear_cases[] = {
	{ "", "up", "head",
	  "-- upgrade  -> r1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('r1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade r1 -> r2\n"
	  "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';\n"
	  "-- upgrade r2 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';\n"
	  "-- upgrade r3 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r3';\n"
	  "-- upgrade r4 -> r5\n"
	  "UPDATE alembic_version SET version_num='r5' WHERE alembic_version.version_num = 'r4';\n"
	  "heads: r5\n" },
	{ "", "up", "heads",
	  "-- upgrade  -> r1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('r1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade r1 -> r2\n"
	  "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';\n"
	  "-- upgrade r2 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';\n"
	  "-- upgrade r3 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r3';\n"
	  "-- upgrade r4 -> r5\n"
	  "UPDATE alembic_version SET version_num='r5' WHERE alembic_version.version_num = 'r4';\n"
	  "heads: r5\n" },
	{ "", "up", "+2",
	  "-- upgrade  -> r1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('r1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade r1 -> r2\n"
	  "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';\n"
	  "heads: r2\n" },
	{ "r2", "up", "+2",
	  "-- upgrade r2 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';\n"
	  "-- upgrade r3 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r3';\n"
	  "heads: r4\n" },
	{ "r1", "up", "r2+2",
	  "-- upgrade r1 -> r2\n"
	  "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';\n"
	  "-- upgrade r2 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';\n"
	  "-- upgrade r3 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r3';\n"
	  "heads: r4\n" },
	{ "", "up", "head-1",
	  "-- upgrade  -> r1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('r1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade r1 -> r2\n"
	  "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';\n"
	  "-- upgrade r2 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';\n"
	  "-- upgrade r3 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r3';\n"
	  "heads: r4\n" },
	{ "r5", "down", "-1",
	  "-- downgrade r5 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r5';\n"
	  "heads: r4\n" },
	{ "r5", "down", "-2",
	  "-- downgrade r5 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r5';\n"
	  "-- downgrade r4 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r4';\n"
	  "heads: r3\n" },
	{ "r5", "down", "r4-1",
	  "-- downgrade r5 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r5';\n"
	  "-- downgrade r4 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r4';\n"
	  "heads: r3\n" },
	{ "r5", "down", "base",
	  "-- downgrade r5 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r5';\n"
	  "-- downgrade r4 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r4';\n"
	  "-- downgrade r3 -> r2\n"
	  "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r3';\n"
	  "-- downgrade r2 -> r1\n"
	  "UPDATE alembic_version SET version_num='r1' WHERE alembic_version.version_num = 'r2';\n"
	  "-- downgrade r1 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'r1';\n"
	  "heads: \n" },
	{ "r1", "up", "r3",
	  "-- upgrade r1 -> r2\n"
	  "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';\n"
	  "-- upgrade r2 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';\n"
	  "heads: r3\n" },
	{ "r5", "down", "r2+1",
	  "-- downgrade r5 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r5';\n"
	  "-- downgrade r4 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r4';\n"
	  "heads: r3\n" },
	{ "r2", "up", "-1",
	  "ERROR\n" },
	{ "r2", "down", "+1",
	  "ERROR\n" },
	{ "r2", "up", "+10",
	  "ERROR\n" },
	{ "r2", "down", "-3",
	  "ERROR\n" },
	{ "r3", "up", "base",
	  "heads: r3\n" },
	{ "r5", "down", "head-2",
	  "-- downgrade r5 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r5';\n"
	  "-- downgrade r4 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r4';\n"
	  "heads: r3\n" },
	{ "r3", "down", "r4",
	  "ERROR\n" },
	{ "r3", "up", "r2",
	  "heads: r3\n" },
	{ "r3", "down", "r3",
	  "heads: r3\n" },
	{ "", "up", "r5-1",
	  "-- upgrade  -> r1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('r1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade r1 -> r2\n"
	  "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';\n"
	  "-- upgrade r2 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';\n"
	  "-- upgrade r3 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r3';\n"
	  "heads: r4\n" },
	{ "r2", "up", "head",
	  "-- upgrade r2 -> r3\n"
	  "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';\n"
	  "-- upgrade r3 -> r4\n"
	  "UPDATE alembic_version SET version_num='r4' WHERE alembic_version.version_num = 'r3';\n"
	  "-- upgrade r4 -> r5\n"
	  "UPDATE alembic_version SET version_num='r5' WHERE alembic_version.version_num = 'r4';\n"
	  "heads: r5\n" },
	{ "", "down", "base",
	  "heads: \n" },
};

/* merge: generated from Alembic 1.8.1 (RevisionMap, RevisionStep, HeadMaintainer) */
static const struct rev_def merge_revs[] = {
	{ "a1", "", "", "" },
	{ "b1", "a1", "", "" },
	{ "c1", "b1", "", "" },
	{ "c2", "b1", "", "" },
	{ "d1", "c1", "", "" },
	{ "m1", "d1,c2", "", "" },
	{ "n1", "m1", "", "" },
};

static const struct plan_case merge_cases[] = {
	{ "", "up", "heads",
	  "-- upgrade  -> a1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade a1 -> b1\n"
	  "UPDATE alembic_version SET version_num='b1' WHERE alembic_version.version_num = 'a1';\n"
	  "-- upgrade b1 -> c2\n"
	  "UPDATE alembic_version SET version_num='c2' WHERE alembic_version.version_num = 'b1';\n"
	  "-- upgrade b1 -> c1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('c1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade c1 -> d1\n"
	  "UPDATE alembic_version SET version_num='d1' WHERE alembic_version.version_num = 'c1';\n"
	  "-- upgrade d1, c2 -> m1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'd1';\n"
	  "UPDATE alembic_version SET version_num='m1' WHERE alembic_version.version_num = 'c2';\n"
	  "-- upgrade m1 -> n1\n"
	  "UPDATE alembic_version SET version_num='n1' WHERE alembic_version.version_num = 'm1';\n"
	  "heads: n1\n" },
	{ "", "up", "n1",
	  "-- upgrade  -> a1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade a1 -> b1\n"
	  "UPDATE alembic_version SET version_num='b1' WHERE alembic_version.version_num = 'a1';\n"
	  "-- upgrade b1 -> c2\n"
	  "UPDATE alembic_version SET version_num='c2' WHERE alembic_version.version_num = 'b1';\n"
	  "-- upgrade b1 -> c1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('c1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade c1 -> d1\n"
	  "UPDATE alembic_version SET version_num='d1' WHERE alembic_version.version_num = 'c1';\n"
	  "-- upgrade d1, c2 -> m1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'd1';\n"
	  "UPDATE alembic_version SET version_num='m1' WHERE alembic_version.version_num = 'c2';\n"
	  "-- upgrade m1 -> n1\n"
	  "UPDATE alembic_version SET version_num='n1' WHERE alembic_version.version_num = 'm1';\n"
	  "heads: n1\n" },
	{ "b1", "up", "c2",
	  "-- upgrade b1 -> c2\n"
	  "UPDATE alembic_version SET version_num='c2' WHERE alembic_version.version_num = 'b1';\n"
	  "heads: c2\n" },
	{ "c2", "up", "d1",
	  "-- upgrade b1 -> c1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('c1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade c1 -> d1\n"
	  "UPDATE alembic_version SET version_num='d1' WHERE alembic_version.version_num = 'c1';\n"
	  "heads: c2,d1\n" },
	{ "c2,d1", "up", "head",
	  "-- upgrade d1, c2 -> m1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'd1';\n"
	  "UPDATE alembic_version SET version_num='m1' WHERE alembic_version.version_num = 'c2';\n"
	  "-- upgrade m1 -> n1\n"
	  "UPDATE alembic_version SET version_num='n1' WHERE alembic_version.version_num = 'm1';\n"
	  "heads: n1\n" },
	{ "d1,c2", "up", "+1",
	  "ERROR\n" },
	{ "n1", "down", "c2",
	  "-- downgrade n1 -> m1\n"
	  "UPDATE alembic_version SET version_num='m1' WHERE alembic_version.version_num = 'n1';\n"
	  "-- downgrade m1 -> d1, c2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('d1') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='c2' WHERE alembic_version.version_num = 'm1';\n"
	  "heads: c2,d1\n" },
	{ "n1", "down", "b1",
	  "-- downgrade n1 -> m1\n"
	  "UPDATE alembic_version SET version_num='m1' WHERE alembic_version.version_num = 'n1';\n"
	  "-- downgrade m1 -> d1, c2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('d1') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='c2' WHERE alembic_version.version_num = 'm1';\n"
	  "-- downgrade d1 -> c1\n"
	  "UPDATE alembic_version SET version_num='c1' WHERE alembic_version.version_num = 'd1';\n"
	  "-- downgrade c1 -> b1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'c1';\n"
	  "-- downgrade c2 -> b1\n"
	  "UPDATE alembic_version SET version_num='b1' WHERE alembic_version.version_num = 'c2';\n"
	  "heads: b1\n" },
	{ "n1", "down", "base",
	  "-- downgrade n1 -> m1\n"
	  "UPDATE alembic_version SET version_num='m1' WHERE alembic_version.version_num = 'n1';\n"
	  "-- downgrade m1 -> d1, c2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('d1') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='c2' WHERE alembic_version.version_num = 'm1';\n"
	  "-- downgrade d1 -> c1\n"
	  "UPDATE alembic_version SET version_num='c1' WHERE alembic_version.version_num = 'd1';\n"
	  "-- downgrade c1 -> b1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'c1';\n"
	  "-- downgrade c2 -> b1\n"
	  "UPDATE alembic_version SET version_num='b1' WHERE alembic_version.version_num = 'c2';\n"
	  "-- downgrade b1 -> a1\n"
	  "UPDATE alembic_version SET version_num='a1' WHERE alembic_version.version_num = 'b1';\n"
	  "-- downgrade a1 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a1';\n"
	  "heads: \n" },
	{ "n1", "down", "-1",
	  "-- downgrade n1 -> m1\n"
	  "UPDATE alembic_version SET version_num='m1' WHERE alembic_version.version_num = 'n1';\n"
	  "heads: m1\n" },
	{ "n1", "down", "-2",
	  "ERROR\n" },
	{ "m1", "down", "d1",
	  "-- downgrade m1 -> d1, c2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('d1') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='c2' WHERE alembic_version.version_num = 'm1';\n"
	  "heads: c2,d1\n" },
	{ "c2,d1", "down", "c1",
	  "-- downgrade d1 -> c1\n"
	  "UPDATE alembic_version SET version_num='c1' WHERE alembic_version.version_num = 'd1';\n"
	  "heads: c1,c2\n" },
	{ "c2,d1", "down", "c2",
	  "heads: c2,d1\n" },
	{ "c2", "down", "base",
	  "-- downgrade c2 -> b1\n"
	  "UPDATE alembic_version SET version_num='b1' WHERE alembic_version.version_num = 'c2';\n"
	  "-- downgrade b1 -> a1\n"
	  "UPDATE alembic_version SET version_num='a1' WHERE alembic_version.version_num = 'b1';\n"
	  "-- downgrade a1 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a1';\n"
	  "heads: \n" },
	{ "b1", "up", "+2",
	  "ERROR\n" },
	{ "n1", "down", "m1-1",
	  "ERROR\n" },
	{ "a1", "up", "b1+1",
	  "ERROR\n" },
	{ "", "up", "+3",
	  "ERROR\n" },
	{ "c1,c2", "up", "d1",
	  "-- upgrade c1 -> d1\n"
	  "UPDATE alembic_version SET version_num='d1' WHERE alembic_version.version_num = 'c1';\n"
	  "heads: c2,d1\n" },
	{ "n1", "down", "head-2",
	  "ERROR\n" },
};

/* deps: generated from Alembic 1.8.1 (RevisionMap, RevisionStep, HeadMaintainer) */
static const struct rev_def deps_revs[] = {
	{ "n1", "", "", "net" },
	{ "n2", "n1", "", "" },
	{ "a1", "", "", "core" },
	{ "a2", "a1", "", "" },
	{ "a3", "a2", "n2", "" },
	{ "a4", "a3", "", "" },
};

static const struct plan_case deps_cases[] = {
	{ "", "up", "heads",
	  "-- upgrade  -> n1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('n1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade n1 -> n2\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'n1';\n"
	  "-- upgrade  -> a1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade a1 -> a2\n"
	  "UPDATE alembic_version SET version_num='a2' WHERE alembic_version.version_num = 'a1';\n"
	  "-- upgrade a2 -> a3\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a2';\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'n2';\n"
	  "-- upgrade a3 -> a4\n"
	  "UPDATE alembic_version SET version_num='a4' WHERE alembic_version.version_num = 'a3';\n"
	  "heads: a4\n" },
	{ "", "up", "head",
	  "ERROR\n" },
	{ "", "up", "core@head",
	  "-- upgrade  -> n1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('n1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade n1 -> n2\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'n1';\n"
	  "-- upgrade  -> a1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade a1 -> a2\n"
	  "UPDATE alembic_version SET version_num='a2' WHERE alembic_version.version_num = 'a1';\n"
	  "-- upgrade a2 -> a3\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a2';\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'n2';\n"
	  "-- upgrade a3 -> a4\n"
	  "UPDATE alembic_version SET version_num='a4' WHERE alembic_version.version_num = 'a3';\n"
	  "heads: a4\n" },
	{ "", "up", "net@head",
	  "-- upgrade  -> n1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('n1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade n1 -> n2\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'n1';\n"
	  "heads: n2\n" },
	{ "", "up", "a3",
	  "-- upgrade  -> n1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('n1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade n1 -> n2\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'n1';\n"
	  "-- upgrade  -> a1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade a1 -> a2\n"
	  "UPDATE alembic_version SET version_num='a2' WHERE alembic_version.version_num = 'a1';\n"
	  "-- upgrade a2 -> a3\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a2';\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'n2';\n"
	  "heads: a3\n" },
	{ "a4", "down", "base",
	  "-- downgrade a4 -> a3\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'a4';\n"
	  "-- downgrade a3 -> a2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'a3';\n"
	  "-- downgrade a2 -> a1\n"
	  "UPDATE alembic_version SET version_num='a1' WHERE alembic_version.version_num = 'a2';\n"
	  "-- downgrade a1 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a1';\n"
	  "-- downgrade n2 -> n1\n"
	  "UPDATE alembic_version SET version_num='n1' WHERE alembic_version.version_num = 'n2';\n"
	  "-- downgrade n1 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'n1';\n"
	  "heads: \n" },
	{ "a4", "down", "net@base",
	  "-- downgrade a4 -> a3\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'a4';\n"
	  "-- downgrade a3 -> a2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'a3';\n"
	  "-- downgrade n2 -> n1\n"
	  "UPDATE alembic_version SET version_num='n1' WHERE alembic_version.version_num = 'n2';\n"
	  "-- downgrade n1 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'n1';\n"
	  "heads: a2\n" },
	{ "a4", "down", "n1",
	  "-- downgrade a4 -> a3\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'a4';\n"
	  "-- downgrade a3 -> a2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'a3';\n"
	  "-- downgrade n2 -> n1\n"
	  "UPDATE alembic_version SET version_num='n1' WHERE alembic_version.version_num = 'n2';\n"
	  "heads: a2,n1\n" },
	{ "", "up", "net@+1",
	  "-- upgrade  -> n1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('n1') RETURNING alembic_version.version_num;\n"
	  "heads: n1\n" },
	{ "", "up", "core@+2",
	  "-- upgrade  -> a1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade a1 -> a2\n"
	  "UPDATE alembic_version SET version_num='a2' WHERE alembic_version.version_num = 'a1';\n"
	  "heads: a2\n" },
	{ "a2", "up", "net@+1",
	  "-- upgrade  -> n1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('n1') RETURNING alembic_version.version_num;\n"
	  "heads: a2,n1\n" },
	{ "a2,n2", "up", "heads",
	  "-- upgrade a2 -> a3\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a2';\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'n2';\n"
	  "-- upgrade a3 -> a4\n"
	  "UPDATE alembic_version SET version_num='a4' WHERE alembic_version.version_num = 'a3';\n"
	  "heads: a4\n" },
	{ "a4", "down", "core@-1",
	  "-- downgrade a4 -> a3\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'a4';\n"
	  "heads: a3\n" },
	{ "a4", "down", "a2",
	  "-- downgrade a4 -> a3\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'a4';\n"
	  "-- downgrade a3 -> a2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'a3';\n"
	  "heads: a2,n2\n" },
	{ "n1", "up", "a4",
	  "-- upgrade n1 -> n2\n"
	  "UPDATE alembic_version SET version_num='n2' WHERE alembic_version.version_num = 'n1';\n"
	  "-- upgrade  -> a1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade a1 -> a2\n"
	  "UPDATE alembic_version SET version_num='a2' WHERE alembic_version.version_num = 'a1';\n"
	  "-- upgrade a2 -> a3\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a2';\n"
	  "UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'n2';\n"
	  "-- upgrade a3 -> a4\n"
	  "UPDATE alembic_version SET version_num='a4' WHERE alembic_version.version_num = 'a3';\n"
	  "heads: a4\n" },
	{ "a1,n1", "up", "core@+1",
	  "-- upgrade a1 -> a2\n"
	  "UPDATE alembic_version SET version_num='a2' WHERE alembic_version.version_num = 'a1';\n"
	  "heads: a2,n1\n" },
	{ "a4", "up", "net@head",
	  "heads: a4\n" },
};

/* normdeps: generated from Alembic 1.8.1 (RevisionMap, RevisionStep, HeadMaintainer) */
static const struct rev_def normdeps_revs[] = {
	{ "x1", "", "", "" },
	{ "x2", "x1", "", "" },
	{ "y1", "", "x1", "" },
	{ "y2", "y1", "x1", "" },
};

static const struct plan_case normdeps_cases[] = {
	{ "", "up", "heads",
	  "-- upgrade  -> x1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('x1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade  -> y1\n"
	  "UPDATE alembic_version SET version_num='y1' WHERE alembic_version.version_num = 'x1';\n"
	  "-- upgrade y1 -> y2\n"
	  "UPDATE alembic_version SET version_num='y2' WHERE alembic_version.version_num = 'y1';\n"
	  "-- upgrade x1 -> x2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('x2') RETURNING alembic_version.version_num;\n"
	  "heads: x2,y2\n" },
	{ "x2,y2", "down", "base",
	  "-- downgrade x2 -> x1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'x2';\n"
	  "-- downgrade y2 -> y1\n"
	  "UPDATE alembic_version SET version_num='y1' WHERE alembic_version.version_num = 'y2';\n"
	  "-- downgrade y1 -> \n"
	  "UPDATE alembic_version SET version_num='x1' WHERE alembic_version.version_num = 'y1';\n"
	  "-- downgrade x1 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'x1';\n"
	  "heads: \n" },
	{ "x2,y2", "down", "x1",
	  "-- downgrade x2 -> x1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'x2';\n"
	  "heads: y2\n" },
	{ "", "up", "y2",
	  "-- upgrade  -> x1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('x1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade  -> y1\n"
	  "UPDATE alembic_version SET version_num='y1' WHERE alembic_version.version_num = 'x1';\n"
	  "-- upgrade y1 -> y2\n"
	  "UPDATE alembic_version SET version_num='y2' WHERE alembic_version.version_num = 'y1';\n"
	  "heads: y2\n" },
	{ "y2", "down", "y1",
	  "-- downgrade y2 -> y1\n"
	  "UPDATE alembic_version SET version_num='y1' WHERE alembic_version.version_num = 'y2';\n"
	  "heads: y1\n" },
	{ "y2", "down", "base",
	  "-- downgrade y2 -> y1\n"
	  "UPDATE alembic_version SET version_num='y1' WHERE alembic_version.version_num = 'y2';\n"
	  "-- downgrade y1 -> \n"
	  "UPDATE alembic_version SET version_num='x1' WHERE alembic_version.version_num = 'y1';\n"
	  "-- downgrade x1 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'x1';\n"
	  "heads: \n" },
};

/* wide: generated from Alembic 1.8.1 (RevisionMap, RevisionStep, HeadMaintainer) */
static const struct rev_def wide_revs[] = {
	{ "b0", "", "", "" },
	{ "p1", "b0", "", "" },
	{ "p2", "p1", "", "" },
	{ "q1", "b0", "", "" },
	{ "q2", "q1", "", "" },
	{ "s1", "b0", "", "" },
	{ "t1", "p2,q2,s1", "", "" },
	{ "u1", "p1", "", "" },
};

static const struct plan_case wide_cases[] = {
	{ "", "up", "heads",
	  "-- upgrade  -> b0\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('b0') RETURNING alembic_version.version_num;\n"
	  "-- upgrade b0 -> s1\n"
	  "UPDATE alembic_version SET version_num='s1' WHERE alembic_version.version_num = 'b0';\n"
	  "-- upgrade b0 -> q1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('q1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade q1 -> q2\n"
	  "UPDATE alembic_version SET version_num='q2' WHERE alembic_version.version_num = 'q1';\n"
	  "-- upgrade b0 -> p1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade p1 -> u1\n"
	  "UPDATE alembic_version SET version_num='u1' WHERE alembic_version.version_num = 'p1';\n"
	  "-- upgrade p1 -> p2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p2') RETURNING alembic_version.version_num;\n"
	  "-- upgrade p2, q2, s1 -> t1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p2';\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'q2';\n"
	  "UPDATE alembic_version SET version_num='t1' WHERE alembic_version.version_num = 's1';\n"
	  "heads: t1,u1\n" },
	{ "", "up", "t1",
	  "-- upgrade  -> b0\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('b0') RETURNING alembic_version.version_num;\n"
	  "-- upgrade b0 -> s1\n"
	  "UPDATE alembic_version SET version_num='s1' WHERE alembic_version.version_num = 'b0';\n"
	  "-- upgrade b0 -> q1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('q1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade q1 -> q2\n"
	  "UPDATE alembic_version SET version_num='q2' WHERE alembic_version.version_num = 'q1';\n"
	  "-- upgrade b0 -> p1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade p1 -> p2\n"
	  "UPDATE alembic_version SET version_num='p2' WHERE alembic_version.version_num = 'p1';\n"
	  "-- upgrade p2, q2, s1 -> t1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p2';\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'q2';\n"
	  "UPDATE alembic_version SET version_num='t1' WHERE alembic_version.version_num = 's1';\n"
	  "heads: t1\n" },
	{ "q2", "up", "t1",
	  "-- upgrade b0 -> s1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('s1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade b0 -> p1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade p1 -> p2\n"
	  "UPDATE alembic_version SET version_num='p2' WHERE alembic_version.version_num = 'p1';\n"
	  "-- upgrade p2, q2, s1 -> t1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p2';\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'q2';\n"
	  "UPDATE alembic_version SET version_num='t1' WHERE alembic_version.version_num = 's1';\n"
	  "heads: t1\n" },
	{ "p2,q2,s1", "up", "t1",
	  "-- upgrade p2, q2, s1 -> t1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p2';\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'q2';\n"
	  "UPDATE alembic_version SET version_num='t1' WHERE alembic_version.version_num = 's1';\n"
	  "heads: t1\n" },
	{ "t1,u1", "down", "b0",
	  "-- downgrade t1 -> p2, q2, s1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p2') RETURNING alembic_version.version_num;\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('q2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='s1' WHERE alembic_version.version_num = 't1';\n"
	  "-- downgrade p2 -> p1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p2';\n"
	  "-- downgrade u1 -> p1\n"
	  "UPDATE alembic_version SET version_num='p1' WHERE alembic_version.version_num = 'u1';\n"
	  "-- downgrade p1 -> b0\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p1';\n"
	  "-- downgrade q2 -> q1\n"
	  "UPDATE alembic_version SET version_num='q1' WHERE alembic_version.version_num = 'q2';\n"
	  "-- downgrade q1 -> b0\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'q1';\n"
	  "-- downgrade s1 -> b0\n"
	  "UPDATE alembic_version SET version_num='b0' WHERE alembic_version.version_num = 's1';\n"
	  "heads: b0\n" },
	{ "t1", "down", "p2",
	  "-- downgrade t1 -> p2, q2, s1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p2') RETURNING alembic_version.version_num;\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('q2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='s1' WHERE alembic_version.version_num = 't1';\n"
	  "heads: p2,q2,s1\n" },
	{ "t1", "down", "s1",
	  "-- downgrade t1 -> p2, q2, s1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p2') RETURNING alembic_version.version_num;\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('q2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='s1' WHERE alembic_version.version_num = 't1';\n"
	  "heads: p2,q2,s1\n" },
	{ "t1,u1", "down", "p1",
	  "-- downgrade t1 -> p2, q2, s1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p2') RETURNING alembic_version.version_num;\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('q2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='s1' WHERE alembic_version.version_num = 't1';\n"
	  "-- downgrade p2 -> p1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p2';\n"
	  "-- downgrade u1 -> p1\n"
	  "UPDATE alembic_version SET version_num='p1' WHERE alembic_version.version_num = 'u1';\n"
	  "heads: p1,q2,s1\n" },
	{ "u1,t1", "down", "base",
	  "-- downgrade t1 -> p2, q2, s1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p2') RETURNING alembic_version.version_num;\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('q2') RETURNING alembic_version.version_num;\n"
	  "UPDATE alembic_version SET version_num='s1' WHERE alembic_version.version_num = 't1';\n"
	  "-- downgrade p2 -> p1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p2';\n"
	  "-- downgrade u1 -> p1\n"
	  "UPDATE alembic_version SET version_num='p1' WHERE alembic_version.version_num = 'u1';\n"
	  "-- downgrade p1 -> b0\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p1';\n"
	  "-- downgrade q2 -> q1\n"
	  "UPDATE alembic_version SET version_num='q1' WHERE alembic_version.version_num = 'q2';\n"
	  "-- downgrade q1 -> b0\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'q1';\n"
	  "-- downgrade s1 -> b0\n"
	  "UPDATE alembic_version SET version_num='b0' WHERE alembic_version.version_num = 's1';\n"
	  "-- downgrade b0 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'b0';\n"
	  "heads: \n" },
	{ "p1", "up", "heads",
	  "-- upgrade b0 -> s1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('s1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade b0 -> q1\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('q1') RETURNING alembic_version.version_num;\n"
	  "-- upgrade q1 -> q2\n"
	  "UPDATE alembic_version SET version_num='q2' WHERE alembic_version.version_num = 'q1';\n"
	  "-- upgrade p1 -> u1\n"
	  "UPDATE alembic_version SET version_num='u1' WHERE alembic_version.version_num = 'p1';\n"
	  "-- upgrade p1 -> p2\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('p2') RETURNING alembic_version.version_num;\n"
	  "-- upgrade p2, q2, s1 -> t1\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'p2';\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'q2';\n"
	  "UPDATE alembic_version SET version_num='t1' WHERE alembic_version.version_num = 's1';\n"
	  "heads: t1,u1\n" },
};

/* labelled: generated from Alembic 1.8.1 (RevisionMap, RevisionStep, HeadMaintainer) */
static const struct rev_def labelled_revs[] = {
	{ "ae1027a6acf0", "", "", "" },
	{ "ae1039f1b2c3", "ae1027a6acf0", "", "" },
	{ "27c6a30d7c24", "ae1039f1b2c3", "", "" },
	{ "55af2cb1c267", "ae1039f1b2c3", "", "feature" },
	{ "6fa3c2a0b1d4", "55af2cb1c267", "", "" },
	{ "f00d00000001", "", "", "other" },
};

static const struct plan_case labelled_cases[] = {
	{ "27c6a30d7c24,6fa3c2a0b1d4", "down", "feature@base",
	  "-- downgrade 27c6a30d7c24 -> ae1039f1b2c3\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = '27c6a30d7c24';\n"
	  "-- downgrade 6fa3c2a0b1d4 -> 55af2cb1c267\n"
	  "UPDATE alembic_version SET version_num='55af2cb1c267' WHERE alembic_version.version_num = '6fa3c2a0b1d4';\n"
	  "-- downgrade 55af2cb1c267 -> ae1039f1b2c3\n"
	  "UPDATE alembic_version SET version_num='ae1039f1b2c3' WHERE alembic_version.version_num = '55af2cb1c267';\n"
	  "-- downgrade ae1039f1b2c3 -> ae1027a6acf0\n"
	  "UPDATE alembic_version SET version_num='ae1027a6acf0' WHERE alembic_version.version_num = 'ae1039f1b2c3';\n"
	  "-- downgrade ae1027a6acf0 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'ae1027a6acf0';\n"
	  "heads: \n" },
	{ "27c6a30d7c24,6fa3c2a0b1d4", "down", "feature@-1",
	  "-- downgrade 6fa3c2a0b1d4 -> 55af2cb1c267\n"
	  "UPDATE alembic_version SET version_num='55af2cb1c267' WHERE alembic_version.version_num = '6fa3c2a0b1d4';\n"
	  "heads: 27c6a30d7c24,55af2cb1c267\n" },
	{ "ae1039f1b2c3", "up", "feature@+1",
	  "-- upgrade ae1039f1b2c3 -> 55af2cb1c267\n"
	  "UPDATE alembic_version SET version_num='55af2cb1c267' WHERE alembic_version.version_num = 'ae1039f1b2c3';\n"
	  "heads: 55af2cb1c267\n" },
	{ "ae1039f1b2c3", "up", "feature@head",
	  "-- upgrade ae1039f1b2c3 -> 55af2cb1c267\n"
	  "UPDATE alembic_version SET version_num='55af2cb1c267' WHERE alembic_version.version_num = 'ae1039f1b2c3';\n"
	  "-- upgrade 55af2cb1c267 -> 6fa3c2a0b1d4\n"
	  "UPDATE alembic_version SET version_num='6fa3c2a0b1d4' WHERE alembic_version.version_num = '55af2cb1c267';\n"
	  "heads: 6fa3c2a0b1d4\n" },
	{ "27c6a30d7c24,6fa3c2a0b1d4", "down", "feature@ae1039f1b2c3",
	  "-- downgrade 6fa3c2a0b1d4 -> 55af2cb1c267\n"
	  "UPDATE alembic_version SET version_num='55af2cb1c267' WHERE alembic_version.version_num = '6fa3c2a0b1d4';\n"
	  "-- downgrade 55af2cb1c267 -> ae1039f1b2c3\n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = '55af2cb1c267';\n"
	  "heads: 27c6a30d7c24\n" },
	{ "27c6a30d7c24,6fa3c2a0b1d4,f00d00000001", "down", "other@base",
	  "-- downgrade f00d00000001 -> \n"
	  "DELETE FROM alembic_version WHERE alembic_version.version_num = 'f00d00000001';\n"
	  "heads: 27c6a30d7c24,6fa3c2a0b1d4\n" },
	{ "", "up", "other@head",
	  "-- upgrade  -> f00d00000001\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('f00d00000001') RETURNING alembic_version.version_num;\n"
	  "heads: f00d00000001\n" },
	{ "27c6a30d7c24", "up", "feature@+2",
	  "-- upgrade ae1039f1b2c3 -> 55af2cb1c267\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('55af2cb1c267') RETURNING alembic_version.version_num;\n"
	  "-- upgrade 55af2cb1c267 -> 6fa3c2a0b1d4\n"
	  "UPDATE alembic_version SET version_num='6fa3c2a0b1d4' WHERE alembic_version.version_num = '55af2cb1c267';\n"
	  "heads: 27c6a30d7c24,6fa3c2a0b1d4\n" },
	{ "", "up", "heads",
	  "-- upgrade  -> f00d00000001\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('f00d00000001') RETURNING alembic_version.version_num;\n"
	  "-- upgrade  -> ae1027a6acf0\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('ae1027a6acf0') RETURNING alembic_version.version_num;\n"
	  "-- upgrade ae1027a6acf0 -> ae1039f1b2c3\n"
	  "UPDATE alembic_version SET version_num='ae1039f1b2c3' WHERE alembic_version.version_num = 'ae1027a6acf0';\n"
	  "-- upgrade ae1039f1b2c3 -> 55af2cb1c267\n"
	  "UPDATE alembic_version SET version_num='55af2cb1c267' WHERE alembic_version.version_num = 'ae1039f1b2c3';\n"
	  "-- upgrade 55af2cb1c267 -> 6fa3c2a0b1d4\n"
	  "UPDATE alembic_version SET version_num='6fa3c2a0b1d4' WHERE alembic_version.version_num = '55af2cb1c267';\n"
	  "-- upgrade ae1039f1b2c3 -> 27c6a30d7c24\n"
	  "INSERT INTO alembic_version (version_num) VALUES ('27c6a30d7c24') RETURNING alembic_version.version_num;\n"
	  "heads: 27c6a30d7c24,6fa3c2a0b1d4,f00d00000001\n" },
};

#define RUN_TABLE(name) run_cases(name##_revs, sizeof name##_revs / sizeof name##_revs[0], \
				  name##_cases, sizeof name##_cases / sizeof name##_cases[0])

static void test_alembic_linear(void)
{
	RUN_TABLE(linear);
}

static void test_alembic_merge(void)
{
	RUN_TABLE(merge);
}

static void test_alembic_deps(void)
{
	RUN_TABLE(deps);
}

static void test_alembic_normdeps(void)
{
	RUN_TABLE(normdeps);
}

static void test_alembic_wide(void)
{
	RUN_TABLE(wide);
}

static void test_alembic_labelled(void)
{
	RUN_TABLE(labelled);
}

struct build_error {
	struct rev_def defs[5];
	size_t n;
	const char *msg;
};

static void test_validation(void)
{
	static const struct build_error cases[] = {
		{ { { "a1", "", "", "" }, { "b1", "a1", "", "" }, { "a1", "b1", "", "" } }, 3,
		  "duplicate revision id \"a1\": m/0.sql and m/2.sql" },
		{ { { "a1", "", "", "" }, { "b1", "zz", "", "" } }, 2,
		  "revision b1 (m/1.sql) has down_revision \"zz\", which is not a revision in the "
		  "migrations directory" },
		{ { { "a1", "", "", "x" }, { "b1", "x", "", "" } }, 2,
		  "revision b1 (m/1.sql) has down_revision \"x\", which is not a revision in the "
		  "migrations directory" },
		{ { { "a1", "", "", "" }, { "b1", "a1", "nope", "" } }, 2,
		  "revision b1 (m/1.sql) depends on \"nope\", which is neither a revision nor a "
		  "branch label" },
		{ { { "a1", "a1", "", "" } }, 1,
		  "self-loop: revision a1 (m/0.sql) is its own down_revision" },
		{ { { "a1", "", "a1", "" } }, 1,
		  "dependency self-loop: revision a1 (m/0.sql) depends on itself" },
		{ { { "a1", "", "", "" }, { "b1", "a1,c1", "", "" }, { "c1", "b1", "", "" },
		    { "d1", "c1", "", "" } },
		  4, "cycle detected in revisions b1 (m/1.sql), c1 (m/2.sql)" },
		{ { { "a1", "", "", "" }, { "b1", "a1", "c1", "" }, { "c1", "", "b1", "" } }, 3,
		  "dependency cycle detected in revisions b1 (m/1.sql), c1 (m/2.sql)" },
		{ { { "a1", "", "", "feat" }, { "b1", "a1", "", "feat" } }, 2,
		  "branch label \"feat\" of revision b1 (m/1.sql) is already used by revision a1 "
		  "(m/0.sql)" },
		{ { { "a1", "", "", "" }, { "b1", "a1", "", "a1" } }, 2,
		  "branch label \"a1\" of revision b1 (m/1.sql) is already used by the revision id "
		  "of a1 (m/0.sql)" },
		{ { { "a-1", "", "", "" } }, 1,
		  "m/0.sql: invalid revision id \"a-1\": it contains one of @ - + :" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct revgraph_input in[5];
		const char *downs[5][3], *deps[5][3], *labels[5][3];
		char files[5][32];
		memset(in, 0, sizeof in);
		for (size_t i = 0; i < cases[c].n; i++) {
			const struct rev_def *d = &cases[c].defs[i];
			size_t nd, np, nl;
			char **a = split(d->down, &nd), **b = split(d->deps, &np),
			     **l = split(d->labels, &nl);
			/* keep the strings in static-duration test data: copy pointers into
			 * the case's own literals by re-splitting below */
			for (size_t k = 0; k < nd; k++)
				downs[i][k] = strcmp(a[k], "a1") == 0 ? "a1" : strcmp(a[k], "b1") == 0 ? "b1"
					      : strcmp(a[k], "c1") == 0 ? "c1" : strcmp(a[k], "x") == 0 ? "x"
					      : "zz";
			for (size_t k = 0; k < np; k++)
				deps[i][k] = strcmp(b[k], "a1") == 0 ? "a1" : strcmp(b[k], "b1") == 0 ? "b1"
					     : strcmp(b[k], "c1") == 0 ? "c1" : "nope";
			for (size_t k = 0; k < nl; k++)
				labels[i][k] = strcmp(l[k], "a1") == 0 ? "a1" : strcmp(l[k], "x") == 0 ? "x"
					       : "feat";
			free_split(a, nd);
			free_split(b, np);
			free_split(l, nl);
			snprintf(files[i], sizeof files[i], "m/%zu.sql", i);
			in[i].id = d->id;
			in[i].down = downs[i];
			in[i].n_down = nd;
			in[i].depends = deps[i];
			in[i].n_depends = np;
			in[i].labels = labels[i];
			in[i].n_labels = nl;
			in[i].file = files[i];
		}
		struct revgraph *g = (struct revgraph *)&c; /* must be reset to NULL */
		struct err e;
		err_clear(&e);
		CHECK_INT(revgraph_build(&g, in, cases[c].n, &e), -1);
		CHECK(g == NULL);
		CHECK_INT(e.code, EXIT_GRAPH);
		CHECK_STR(e.msg, cases[c].msg);
	}
}

static void test_queries(void)
{
	struct revgraph *g;
	struct err e;
	const size_t *v;
	size_t n, idx, out[8];
	CHECK_INT(build(&g, labelled_revs, 6, &e), 0);
	CHECK_INT(revgraph_count(g), 6);
	n = revgraph_heads(g, &v);
	CHECK_INT(n, 3);
	CHECK_STR(revgraph_id(g, v[0]), "27c6a30d7c24");
	CHECK_STR(revgraph_id(g, v[1]), "6fa3c2a0b1d4");
	CHECK_STR(revgraph_id(g, v[2]), "f00d00000001");
	n = revgraph_bases(g, &v);
	CHECK_INT(n, 2);
	CHECK_STR(revgraph_id(g, v[0]), "ae1027a6acf0");
	CHECK(revgraph_is_branch_point(g, 1));
	CHECK(!revgraph_is_branch_point(g, 0));
	CHECK(!revgraph_is_merge_point(g, 1));
	CHECK_STR(revgraph_file(g, 0), "");

	/* labels: own, descendants, and ancestors down to the branch point */
	CHECK_STR(revgraph_labels(g, 3)[0], "feature");
	CHECK_STR(revgraph_labels(g, 4)[0], "feature");
	CHECK(revgraph_labels(g, 1)[0] == NULL);
	CHECK(revgraph_labels(g, 2)[0] == NULL);
	CHECK_STR(revgraph_labels(g, 5)[0], "other");

	/* lookup: exact, label, prefix, ambiguous, unknown */
	CHECK_INT(revgraph_lookup(g, "27c6a30d7c24", &idx, &e), 0);
	CHECK_INT(idx, 2);
	CHECK_INT(revgraph_lookup(g, "feature", &idx, &e), 0);
	CHECK_INT(idx, 3);
	CHECK_INT(revgraph_lookup(g, "27c6", &idx, &e), 0);
	CHECK_INT(idx, 2);
	CHECK_INT(revgraph_lookup(g, "55", &idx, &e), 0);
	CHECK_INT(idx, 3);
	CHECK_INT(revgraph_lookup(g, "feat", &idx, &e), 0);
	CHECK_INT(idx, 3);
	CHECK_INT(revgraph_lookup(g, "ae10", &idx, &e), -1);
	CHECK_INT(e.code, EXIT_GRAPH);
	CHECK(strncmp(e.msg, "multiple revisions start with \"ae10\": ", 38) == 0);
	CHECK(strstr(e.msg, "\"ae1027a6acf0\"") != NULL);
	CHECK(strstr(e.msg, "\"ae1039f1b2c3\"") != NULL);
	CHECK_INT(revgraph_lookup(g, "beef", &idx, &e), -1);
	CHECK_STR(e.msg, "no such revision or branch \"beef\"");
	CHECK_STR(e.hint, "");
	CHECK_INT(revgraph_lookup(g, "bee", &idx, &e), -1);
	CHECK_STR(e.hint, "give at least four characters of a revision id for a prefix match");

	/* resolve */
	CHECK_INT(revgraph_resolve(g, "head", out, 8, &n, &e), -1);
	CHECK_STR(e.msg, "multiple heads are present for \"head\": 27c6a30d7c24, 6fa3c2a0b1d4, "
			 "f00d00000001");
	CHECK_STR(e.hint, "use \"heads\" for all of them, \"<branch>@head\" for one branch, or a "
			  "revision id");
	CHECK_INT(revgraph_resolve(g, "heads", out, 8, &n, &e), 0);
	CHECK_INT(n, 3);
	CHECK_INT(revgraph_resolve(g, "base", out, 8, &n, &e), 0);
	CHECK_INT(n, 0);
	CHECK_INT(revgraph_resolve(g, "feature@head", out, 8, &n, &e), 0);
	CHECK_INT(n, 1);
	CHECK_INT(out[0], 4);
	CHECK_INT(revgraph_resolve(g, "other@head", out, 8, &n, &e), 0);
	CHECK_INT(out[0], 5);
	CHECK_INT(revgraph_resolve(g, "27c6@head", out, 8, &n, &e), 0); /* a revision as branch */
	CHECK_INT(out[0], 2);
	CHECK_INT(revgraph_resolve(g, "feature@base", out, 8, &n, &e), 0);
	CHECK_INT(n, 0);
	CHECK_INT(revgraph_resolve(g, "feature@ae1039", out, 8, &n, &e), 0);
	CHECK_INT(out[0], 1);
	CHECK_INT(revgraph_resolve(g, "feature@27c6", out, 8, &n, &e), -1);
	CHECK_STR(e.msg, "revision 27c6a30d7c24 is not a member of branch \"feature\"");
	CHECK_INT(revgraph_resolve(g, "nobranch@head", out, 8, &n, &e), -1);
	CHECK_STR(e.msg, "no such branch: \"nobranch\"");
	CHECK_INT(revgraph_resolve(g, "feature@heads", out, 8, &n, &e), 0);
	CHECK_INT(n, 1);
	CHECK_INT(revgraph_resolve(g, "feature@-1", out, 8, &n, &e), 0);
	CHECK_INT(n, 1);
	CHECK_INT(out[0], 3);

	/* targets on this graph */
	char *got = render(g, "", "up", "head", &e);
	CHECK_STR(got, "ERROR\n");
	CHECK(strncmp(e.msg, "multiple heads are present", 26) == 0);
	free(got);
	got = render(g, "ae1039f1b2c3", "up", "feature@head", &e);
	CHECK_STR(got, "-- upgrade ae1039f1b2c3 -> 55af2cb1c267\n"
		       "UPDATE alembic_version SET version_num='55af2cb1c267' WHERE "
		       "alembic_version.version_num = 'ae1039f1b2c3';\n"
		       "-- upgrade 55af2cb1c267 -> 6fa3c2a0b1d4\n"
		       "UPDATE alembic_version SET version_num='6fa3c2a0b1d4' WHERE "
		       "alembic_version.version_num = '55af2cb1c267';\n"
		       "heads: 6fa3c2a0b1d4\n");
	free(got);
	got = render(g, "ae1039f1b2c3", "up", "+1", &e);
	CHECK_STR(got, "ERROR\n");
	CHECK_STR(e.msg, "ambiguous walk: ae1039f1b2c3 branches to 27c6a30d7c24, 55af2cb1c267");
	free(got);
	got = render(g, "ae1039f1b2c3", "up", "feature@+1", &e);
	CHECK(strstr(got, "-- upgrade ae1039f1b2c3 -> 55af2cb1c267\n") == got);
	free(got);
	got = render(g, "27c6a30d7c24,6fa3c2a0b1d4", "down", "-1", &e);
	CHECK_STR(got, "ERROR\n");
	CHECK_STR(e.msg, "downgrade -1 from several current revisions (27c6a30d7c24, "
			 "6fa3c2a0b1d4) is ambiguous");
	free(got);
	got = render(g, "27c6a30d7c24,6fa3c2a0b1d4", "down", "feature@-1", &e);
	CHECK_STR(got, "-- downgrade 6fa3c2a0b1d4 -> 55af2cb1c267\n"
		       "UPDATE alembic_version SET version_num='55af2cb1c267' WHERE "
		       "alembic_version.version_num = '6fa3c2a0b1d4';\n"
		       "heads: 27c6a30d7c24,55af2cb1c267\n");
	free(got);
	revgraph_free(g);
}

static void test_reaches(void)
{
	/* root <- a1 <- m1, root <- b1 <- m1; c1 depends on a1 */
	static const struct rev_def defs[] = {
		{"root", "", "", ""},
		{"a1", "root", "", ""},
		{"b1", "root", "", ""},
		{"m1", "a1,b1", "", ""},
		{"c1", "root", "a1", ""},
	};
	struct revgraph *g;
	struct err e;
	CHECK_INT(build(&g, defs, 5, &e), 0);
	CHECK_INT(revgraph_reaches(g, 3, 0), 1); /* m1 reaches root */
	CHECK_INT(revgraph_reaches(g, 3, 2), 1); /* through its second parent */
	CHECK_INT(revgraph_reaches(g, 3, 3), 1); /* itself */
	CHECK_INT(revgraph_reaches(g, 0, 3), 0); /* not downwards */
	CHECK_INT(revgraph_reaches(g, 1, 2), 0); /* siblings */
	CHECK_INT(revgraph_reaches(g, 4, 1), 1); /* through depends_on */
	revgraph_free(g);
}

/* Ties between heads follow the input order (Alembic: the order it read the
 * files in).  a -> b -> c1 -> d1, b -> c2 -> d2: with d1 given first, an
 * upgrade runs d2's branch first and a downgrade starts with d1's branch;
 * with d2 given first, the other way round.  Checked against Alembic 1.8.1
 * in tests/e2e/test_graph_alembic.py. */
static void test_tie_break_is_input_order(void)
{
	static const struct rev_def d1_first[] = {
		{ "a", "", "", "" },   { "b", "a", "", "" },   { "c1", "b", "", "" },
		{ "c2", "b", "", "" }, { "d1", "c1", "", "" }, { "d2", "c2", "", "" },
	};
	static const struct rev_def d2_first[] = {
		{ "a", "", "", "" },   { "b", "a", "", "" },   { "c1", "b", "", "" },
		{ "c2", "b", "", "" }, { "d2", "c2", "", "" }, { "d1", "c1", "", "" },
	};
	static const struct {
		const struct rev_def *defs;
		const char *up, *down;
	} t[] = {
		{ d1_first, "a -> b,b -> c2,c2 -> d2,b -> c1,c1 -> d1",
		  "d1 -> c1,c1 -> b,d2 -> c2,c2 -> b,b -> a" },
		{ d2_first, "a -> b,b -> c1,c1 -> d1,b -> c2,c2 -> d2",
		  "d2 -> c2,c2 -> b,d1 -> c1,c1 -> b,b -> a" },
	};
	for (size_t k = 0; k < 2; k++) {
		struct revgraph *g;
		struct err e;
		CHECK_INT(build(&g, t[k].defs, 6, &e), 0);
		if (!g)
			continue;
		for (int up = 1; up >= 0; up--) {
			char *got = render(g, up ? "a" : "d1,d2", up ? "up" : "down", up ? "heads" : "a",
					   &e);
			char steps[512] = "";
			size_t len = 0;
			/* the "-- upgrade X -> Y" lines, without the verb, comma-joined */
			for (char *l = got; (l = strstr(l, "-- ")) != NULL; l++) {
				char *sp = strchr(l + 3, ' '), *nl = strchr(l, '\n');
				len += (size_t)snprintf(steps + len, sizeof steps - len, "%s%.*s",
							len ? "," : "", (int)(nl - sp - 1), sp + 1);
			}
			CHECK_STR(steps, up ? t[k].up : t[k].down);
			free(got);
		}
		revgraph_free(g);
	}
}

/* Alembic issue #1373 (fixed in 1.13.1, which migrate follows): a downgrade
 * through m, whose down revisions are b1 and b2 with b2 depending on b1,
 * leaves b2 alone as row, not b1 and b2 (Alembic 1.8.1), which no later
 * upgrade accepts ("b2 overlaps with b1"). */
static void test_unmerge_drops_a_down_revision_another_depends_on(void)
{
	static const struct rev_def defs[] = {
		{ "a", "", "", "" },        { "b1", "a", "", "" }, { "b2", "a", "b1", "" },
		{ "m", "b1,b2", "", "" }, { "n", "m", "", "" },
	};
	struct revgraph *g;
	struct err e;
	CHECK_INT(build(&g, defs, 5, &e), 0);
	if (!g)
		return;
	char *got = render(g, "n", "down", "b1", &e);
	CHECK_STR(got, "-- downgrade n -> m\n"
		       "UPDATE alembic_version SET version_num='m' WHERE alembic_version.version_num = 'n';\n"
		       "-- downgrade m -> b1, b2\n"
		       "UPDATE alembic_version SET version_num='b2' WHERE alembic_version.version_num = 'm';\n"
		       "heads: b2\n");
	free(got);
	got = render(g, "b2", "up", "head", &e);
	CHECK_STR(got, "-- upgrade b1, b2 -> m\n"
		       "UPDATE alembic_version SET version_num='m' WHERE alembic_version.version_num = 'b2';\n"
		       "-- upgrade m -> n\n"
		       "UPDATE alembic_version SET version_num='n' WHERE alembic_version.version_num = 'm';\n"
		       "heads: n\n");
	free(got);
	revgraph_free(g);
}

static void test_unknown_current(void)
{
	struct revgraph *g;
	struct err e;
	struct revplan plan;
	const char *cur[] = { "3be61ad5f00f" };
	CHECK_INT(build(&g, linear_revs, 5, &e), 0);
	CHECK_INT(revplan_upgrade(g, cur, 1, "head", &plan, &e), -1);
	CHECK_INT(e.code, EXIT_GRAPH);
	CHECK_STR(e.msg, "the database is at revision \"3be61ad5f00f\", which is not in the "
			 "migrations directory");
	CHECK(strstr(e.hint, "older image") != NULL);
	CHECK(plan.steps == NULL && plan.n_steps == 0);
	CHECK_INT(revplan_downgrade(g, cur, 1, "base", &plan, &e), -1);
	CHECK_INT(e.code, EXIT_GRAPH);
	/* a row and its ancestor both recorded */
	const char *bad[] = { "r3", "r1" };
	CHECK_INT(revplan_upgrade(g, bad, 2, "head", &plan, &e), -1);
	CHECK(strstr(e.msg, "overlaps") != NULL);
	/* duplicate rows are one head, as HeadMaintainer's set */
	const char *dup[] = { "r4", "r4" };
	CHECK_INT(revplan_upgrade(g, dup, 2, "head", &plan, &e), 0);
	CHECK_INT(plan.n_steps, 1);
	CHECK_INT(plan.n_heads, 1);
	revplan_release(&plan);
	revgraph_free(g);
}

static void test_history(void)
{
	struct {
		const struct rev_def *defs;
		size_t n;
		const char *lower, *upper, *want;
	} cases[] = {
		{ linear_revs, 5, NULL, NULL, "r5 r4 r3 r2 r1" },
		{ merge_revs, 7, NULL, NULL, "n1 m1 d1 c1 c2 b1 a1" },
		{ merge_revs, 7, "c1", "heads", "n1 m1 d1 c1" },
		{ merge_revs, 7, "b1", "d1", "d1 c1 b1" },
		{ merge_revs, 7, "d1", "c2", "ERROR" },
		{ deps_revs, 6, "base", "heads", "a4 a3 a2 a1 n2 n1" },
		{ deps_revs, 6, "net@base", "heads", "" },
		{ deps_revs, 6, "a2", "a4", "a4 a3 a2" },
		{ normdeps_revs, 4, NULL, NULL, "x2 y2 y1 x1" },
		{ wide_revs, 8, NULL, NULL, "t1 p2 u1 p1 q2 q1 s1 b0" },
		{ wide_revs, 8, "p1", "t1", "t1 p2 p1" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct revgraph *g;
		struct err e;
		size_t *order, n;
		char got[256] = "";
		CHECK_INT(build(&g, cases[c].defs, cases[c].n, &e), 0);
		if (revgraph_history(g, cases[c].lower, cases[c].upper, &order, &n, &e) != 0) {
			snprintf(got, sizeof got, "ERROR");
		} else {
			size_t l = 0;
			for (size_t i = 0; i < n; i++)
				l += (size_t)snprintf(got + l, sizeof got - l, "%s%s", i ? " " : "",
						      revgraph_id(g, order[i]));
			free(order);
		}
		CHECK_STR(got, cases[c].want);
		revgraph_free(g);
	}
}

static void test_sql(void)
{
	const char *x[] = { "X" }, *y[] = { "Y" }, *ab[] = { "a", "b", "c" };
	struct revplan_step st = { 0 };
	char *s;
	st.op = REVPLAN_INSERT;
	st.to = y;
	st.n_to = 1;
	s = versionsql_step(&st, NULL, NULL);
	CHECK_STR(s, "INSERT INTO alembic_version (version_num) VALUES ('Y') RETURNING "
		     "alembic_version.version_num;\n");
	free(s);
	s = versionsql_step(&st, "version", "My Schema");
	CHECK_STR(s, "INSERT INTO \"My Schema\".version (version_num) VALUES ('Y') RETURNING "
		     "\"My Schema\".version.version_num;\n");
	free(s);
	st.op = REVPLAN_UPDATE;
	st.from = x;
	st.n_from = 1;
	s = versionsql_step(&st, "user", "app");
	CHECK_STR(s, "UPDATE app.\"user\" SET version_num='Y' WHERE app.\"user\".version_num = 'X';\n");
	free(s);
	st.op = REVPLAN_DELETE;
	st.n_to = 0;
	s = versionsql_step(&st, "ver\"sions", "");
	CHECK_STR(s, "DELETE FROM \"ver\"\"sions\" WHERE \"ver\"\"sions\".version_num = 'X';\n");
	free(s);
	st.op = REVPLAN_MERGE;
	st.from = ab;
	st.n_from = 3;
	st.to = y;
	st.n_to = 1;
	s = versionsql_step(&st, NULL, NULL);
	CHECK_STR(s, "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a';\n"
		     "DELETE FROM alembic_version WHERE alembic_version.version_num = 'b';\n"
		     "UPDATE alembic_version SET version_num='Y' WHERE alembic_version.version_num = "
		     "'c';\n");
	free(s);
	st.op = REVPLAN_UNMERGE;
	st.from = x;
	st.n_from = 1;
	st.to = ab;
	st.n_to = 2;
	s = versionsql_step(&st, "t1", "s_1");
	CHECK_STR(s, "INSERT INTO s_1.t1 (version_num) VALUES ('a') RETURNING s_1.t1.version_num;\n"
		     "UPDATE s_1.t1 SET version_num='b' WHERE s_1.t1.version_num = 'X';\n");
	free(s);
}

static void test_split_range(void)
{
	char *a, *b;
	struct err e;
	CHECK_INT(revgraph_split_range("ae10:head", &a, &b, &e), 0);
	CHECK_STR(a, "ae10");
	CHECK_STR(b, "head");
	free(a);
	free(b);
	CHECK_INT(revgraph_split_range(":head", &a, &b, &e), 0);
	CHECK(a == NULL);
	CHECK_STR(b, "head");
	free(b);
	CHECK_INT(revgraph_split_range("head", &a, &b, &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
}

/* 10,000 revisions: a chain, and a fan of 100 branches of 100 merged at the
 * top.  No timing assertion; the code paths are linear (see revgraph.h). */
static void test_large(void)
{
	enum { N = 10000, W = 100 };
	static char ids[N + 2][48];
	static const char *downs[N + 2][W];
	static struct revgraph_input in[N + 2];
	struct revgraph *g;
	struct err e;
	struct revplan plan;

	memset(in, 0, sizeof in);
	for (size_t i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "c%05zu", i);
		in[i].id = ids[i];
		if (i) {
			downs[i][0] = ids[i - 1];
			in[i].down = downs[i];
			in[i].n_down = 1;
		}
	}
	CHECK_INT(revgraph_build(&g, in, N, &e), 0);
	CHECK_INT(revplan_upgrade(g, NULL, 0, "head", &plan, &e), 0);
	CHECK_INT(plan.n_steps, N);
	CHECK_INT(plan.steps[0].op, REVPLAN_INSERT);
	CHECK_INT(plan.steps[N - 1].op, REVPLAN_UPDATE);
	CHECK_STR(plan.steps[N - 1].to[0], "c09999");
	CHECK_STR(plan.heads[0], "c09999");
	revplan_release(&plan);
	const char *top[] = { "c09999" };
	CHECK_INT(revplan_downgrade(g, top, 1, "base", &plan, &e), 0);
	CHECK_INT(plan.n_steps, N);
	CHECK_INT(plan.steps[N - 1].op, REVPLAN_DELETE);
	CHECK_INT(plan.n_heads, 0);
	revplan_release(&plan);
	CHECK_INT(revplan_downgrade(g, top, 1, "-5000", &plan, &e), 0);
	CHECK_INT(plan.n_steps, 5000);
	revplan_release(&plan);
	revgraph_free(g);

	/* fan: base w0, branches w<b>_<k>, merge m */
	size_t n = 0;
	snprintf(ids[n], sizeof ids[n], "w0");
	in[n].id = ids[n];
	n++;
	for (size_t b = 0; b < W; b++)
		for (size_t k = 0; k < (N - 2) / W; k++) {
			snprintf(ids[n], sizeof ids[n], "w%zu_%zu", b, k);
			in[n].id = ids[n];
			downs[n][0] = k ? ids[n - 1] : ids[0];
			in[n].down = downs[n];
			in[n].n_down = 1;
			n++;
		}
	snprintf(ids[n], sizeof ids[n], "m");
	in[n].id = ids[n];
	for (size_t b = 0; b < W; b++)
		downs[n][b] = ids[1 + b * ((N - 2) / W) + (N - 2) / W - 1];
	in[n].down = downs[n];
	in[n].n_down = W;
	n++;
	CHECK_INT(revgraph_build(&g, in, n, &e), 0);
	CHECK_INT(revplan_upgrade(g, NULL, 0, "head", &plan, &e), 0);
	CHECK_INT(plan.n_steps, n);
	CHECK_INT(plan.steps[n - 1].op, REVPLAN_MERGE);
	CHECK_INT(plan.steps[n - 1].n_from, W);
	CHECK_INT(plan.n_heads, 1);
	revplan_release(&plan);
	const char *mtop[] = { "m" };
	CHECK_INT(revplan_downgrade(g, mtop, 1, "base", &plan, &e), 0);
	CHECK_INT(plan.n_steps, n);
	CHECK_INT(plan.steps[0].op, REVPLAN_UNMERGE);
	CHECK_INT(plan.steps[0].n_to, W);
	CHECK_INT(plan.n_heads, 0);
	revplan_release(&plan);
	size_t *order, no;
	CHECK_INT(revgraph_history(g, NULL, NULL, &order, &no, &e), 0);
	CHECK_INT(no, n);
	free(order);
	revgraph_free(g);
}

int main(void)
{
	RUN(test_alembic_linear);
	RUN(test_alembic_merge);
	RUN(test_alembic_deps);
	RUN(test_alembic_normdeps);
	RUN(test_alembic_wide);
	RUN(test_alembic_labelled);
	RUN(test_validation);
	RUN(test_queries);
	RUN(test_reaches);
	RUN(test_tie_break_is_input_order);
	RUN(test_unmerge_drops_a_down_revision_another_depends_on);
	RUN(test_unknown_current);
	RUN(test_history);
	RUN(test_sql);
	RUN(test_split_range);
	RUN(test_large);
	return tap_done();
}
