/*
 * cmd_test.c — `migrate test` (docs/reference.md §10.7): pytest-alembic's
 * built-in checks without Python, on a scratch database of the target's
 * server (created as the target would be, dropped afterwards), so that the
 * real database is never touched:
 *   - the graph validates and has a single head (or exactly the heads
 *     --expect-heads names);
 *   - the init scripts run, then every revision in the order `upgrade heads`
 *     runs them goes up, down and up again (the "stairway", one step of
 *     the plan and its inverse at a time, so branches and merge points
 *     too): its downgrade must restore the schema from before it, and the
 *     second upgrade must leave the schema the first left (db/snapshot.h
 *     compares the catalogs);
 *   - with --schema FILE, the schema at head is the one FILE makes; with
 *     --models, Alembic finds nothing between it and the SQLAlchemy models;
 *   - from head, a downgrade to base leaves the schema the init scripts
 *     made.
 * The first failure names the revision and the step and stops the run.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/revtext.h"
#include "db/scratch.h"
#include "db/snapshot.h"
#include "db/store.h"
#include "init/initdir.h"
#include "migrate/migrate.h"
#include "rev/revplan.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"

#define DIFF_SHOWN 5

struct test_run {
	struct ctx *c;
	struct revdir rd;
	PGconn *conn;     /* to the scratch database */
	const char *vschema, *vtable; /* the version table, left out of snapshots */
	const struct snapshot *want;  /* --schema: the schema at head */
	const char *scratch_name;     /* --models: the database Alembic compares */
};

/* Is head one of the revisions expect (comma-separated ids, prefixes or
 * labels) names?  -1 with e set when one names nothing. */
static int expected(const struct revgraph *g, const char *expect, size_t head, struct err *e)
{
	char spec[256];
	for (const char *p = expect; *p;) {
		size_t len = strcspn(p, ","), found[64], n;
		snprintf(spec, sizeof spec, "%.*s", (int)len, p);
		p += len + (p[len] == ',');
		if (!spec[0])
			continue;
		if (revgraph_resolve(g, spec, found, 64, &n, e) < 0)
			return err_prefix(e, "--expect-heads");
		for (size_t i = 0; i < n; i++)
			if (found[i] == head)
				return 1;
	}
	return 0;
}

/* The one head (or with --expect-heads, exactly the heads named), or
 * EXIT_GRAPH naming them. */
static int expected_heads(const struct revdir *rd, const char *expect, struct err *e)
{
	const size_t *heads;
	size_t n = revgraph_heads(rd->graph, &heads), named = 0;
	char list[512] = "";
	size_t len = 0;
	for (size_t i = 0; i < n && len + 1 < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
					revgraph_id(rd->graph, heads[i]));
	if (!expect) {
		if (n == 1)
			return 0;
		err_set(e, EXIT_GRAPH, "the revisions have %zu heads: %s", n, list);
		return err_hint(e, "merge them first (migrate merge -m MSG), or name the heads "
				   "expected with --expect-heads");
	}
	for (size_t i = 0; i < n; i++) {
		int k = expected(rd->graph, expect, heads[i], e);
		if (k < 0)
			return -1;
		named += (size_t)k;
	}
	/* every head named, and nothing named that is not a head */
	if (named == n) {
		size_t count = 0;
		for (const char *p = expect; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
			count += strcspn(p, ",") > 0;
		if (count == n)
			return 0;
	}
	return err_set(e, EXIT_GRAPH, "the revisions' heads are %s, not the ones expected (%s)",
		       list, expect);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The step that undoes an upgrade step: the revision's downgrade, with the
 * version rows the other way round (rev/revplan.h). */
static struct revplan_step inverse(const struct revplan_step *up)
{
	static const enum revplan_op undo[] = {
		[REVPLAN_INSERT] = REVPLAN_DELETE, [REVPLAN_DELETE] = REVPLAN_INSERT,
		[REVPLAN_UPDATE] = REVPLAN_UPDATE, [REVPLAN_MERGE] = REVPLAN_UNMERGE,
		[REVPLAN_UNMERGE] = REVPLAN_MERGE};
	struct revplan_step down = {up->rev, REVPLAN_DOWN, undo[up->op], up->to, up->n_to,
				    up->from, up->n_from};
	return down;
}

/* Every revision can be walked down: its downgrade section is there and
 * may run as marked (checked before any database work). */
static int downgrades_present(const struct revdir *rd, const struct revplan *plan, struct err *e)
{
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct revdir_file *f = &rd->files[plan->steps[i].rev];
		if (!f->rev.downgrade.present) {
			err_set(e, EXIT_GRAPH, "%s: revision %s has no \"-- migrate:downgrade\" section",
				f->path, f->rev.revision);
			return err_hint(e, "migrate test walks every revision down again; write its "
					   "downgrade (an irreversible revision cannot pass)");
		}
		if (migrate_check_section(f, 0, NULL, e) < 0)
			return -1;
	}
	return 0;
}

/* The version table's rows, sorted, as one string ("a b c"). */
static int version_rows(struct test_run *t, char *out, size_t cap, struct err *e)
{
	struct store st;
	char **heads = NULL;
	size_t n = 0, len = 0;
	if (store_init(&st, t->conn, &t->c->cfg, e) < 0 || store_heads(&st, &heads, &n, e) < 0)
		return -1;
	if (n > 1)
		qsort(heads, n, sizeof *heads, by_string);
	out[0] = '\0';
	for (size_t i = 0; i < n && len + 1 < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", heads[i]);
	store_free_heads(heads, n);
	return 0;
}

static int snap(struct test_run *t, struct snapshot *s, struct err *e)
{
	return snapshot_take(t->conn, t->vschema, t->vtable, s, e);
}

/* EXIT_VERIFY when a and b differ, with what differs. */
static int same_schema(const struct snapshot *a, const struct snapshot *b, const char *what,
		       struct err *e)
{
	char diff[1500];
	size_t n = snapshot_diff(a, b, DIFF_SHOWN, diff, sizeof diff);
	if (n == 0)
		return 0;
	err_set(e, EXIT_VERIFY, "%s (%zu difference%s: %s%s)", what, n, n == 1 ? "" : "s", diff,
		n > DIFF_SHOWN ? "; …" : "");
	return -1;
}

static int step(struct test_run *t, const struct revplan_step *st, const char *rev,
		const char *what, struct err *e)
{
	struct migrate_report rep;
	int rc = migrate_steps(t->conn, &t->c->cfg, &t->rd, st, 1, &rep, e);
	if (rc < 0)
		err_prefix(e, "revision %s, %s", rev, what);
	return rc;
}

/* The stairway over plan, from the schema the init scripts made. */
static int stairway(struct test_run *t, const struct revplan *plan, const struct snapshot *init,
		    struct err *e)
{
	struct snapshot before = {0}, first = {0}, down = {0}, again = {0};
	char msg[256], rows_before[1024], rows_after[1024];
	int rc = -1;

	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct revplan_step *up = &plan->steps[i];
		struct revplan_step undo = inverse(up);
		const char *rev = t->rd.files[up->rev].rev.revision;
		const struct snapshot *prev = i == 0 ? init : &before;
		log_info("revision %s (%zu of %zu): upgrade, downgrade, upgrade", rev, i + 1,
			 plan->n_steps);
		if (version_rows(t, rows_before, sizeof rows_before, e) < 0 ||
		    step(t, up, rev, "upgrade", e) < 0 || snap(t, &first, e) < 0 ||
		    step(t, &undo, rev, "downgrade", e) < 0 ||
		    version_rows(t, rows_after, sizeof rows_after, e) < 0 || snap(t, &down, e) < 0)
			goto out;
		/* the tool's own inverse step, checked: not the revision's fault */
		if (strcmp(rows_before, rows_after) != 0) {
			err_set(e, EXIT_FAILURE_GENERIC,
				"revision %s: after its downgrade the version table holds \"%s\", "
				"not \"%s\" as before its upgrade",
				rev, rows_after, rows_before);
			goto out;
		}
		snprintf(msg, sizeof msg, "revision %s: its downgrade does not restore the schema from "
					  "before its upgrade", rev);
		if (same_schema(prev, &down, msg, e) < 0)
			goto out;
		if (step(t, up, rev, "upgrade after its downgrade", e) < 0 ||
		    snap(t, &again, e) < 0)
			goto out;
		snprintf(msg, sizeof msg, "revision %s: upgrade, downgrade, upgrade leaves another "
					  "schema than the first upgrade", rev);
		if (same_schema(&first, &again, msg, e) < 0)
			goto out;
		snapshot_release(&before);
		before = first;
		memset(&first, 0, sizeof first);
		snapshot_release(&down);
		snapshot_release(&again);
	}
	rc = 0;
out:
	snapshot_release(&before);
	snapshot_release(&first);
	snapshot_release(&down);
	snapshot_release(&again);
	return rc;
}

/* Init scripts, the stairway, head to base. */
static int run_checks(struct test_run *t, const struct revplan *plan, struct err *e)
{
	struct init_opts io = {0};
	struct init_report irep;
	struct snapshot init = {0}, base = {0};
	struct migrate_report rep;
	struct store st;
	int rc = -1;

	if (init_run(t->conn, &t->c->cfg, &io, &irep, e) < 0) {
		err_prefix(e, "init scripts");
		return -1;
	}
	if (store_init(&st, t->conn, &t->c->cfg, e) < 0)
		return -1;
	t->vschema = st.schema;
	t->vtable = st.table;
	if (snap(t, &init, e) < 0 || stairway(t, plan, &init, e) < 0)
		goto out;
	if (t->want) {
		char what[1200];
		snprintf(what, sizeof what, "the schema at head does not match \"%s\" (+ what the "
					    "file has and head has not, - the reverse)",
			 t->c->cli.schema_file);
		log_info("the schema at head against \"%s\"", t->c->cli.schema_file);
		if (snap(t, &base, e) < 0 || same_schema(&base, t->want, what, e) < 0)
			goto out;
		snapshot_release(&base);
	}
	if (t->c->cli.models) {
		log_info("the schema at head against the models of alembic.ini");
		if (cmd_models_match(t->c, t->scratch_name, e) < 0)
			goto out;
	}
	if (plan->n_steps == 0) {
		rc = 0;
		goto out;
	}
	log_info("head to base");
	if (migrate_downgrade(t->conn, &t->c->cfg, &t->rd, "base", &rep, e) < 0) {
		err_prefix(e, "downgrade from head to base");
		goto out;
	}
	if (snap(t, &base, e) < 0 ||
	    same_schema(&init, &base, "a downgrade from head to base leaves another schema than the "
				      "init scripts made",
			e) < 0)
		goto out;
	rc = 0;
out:
	snapshot_release(&init);
	snapshot_release(&base);
	return rc;
}

int cmd_test(struct ctx *c, struct err *e)
{
	struct test_run t = {.c = c};
	struct revplan plan = {0};
	struct scratch sc = {0};
	struct snapshot want = {0};
	char took[32];
	int rc = -1;
	int64_t start = now_ms();

	if (cmd_load_revisions(c, &t.rd, e) < 0 || init_check(&c->cfg, e) < 0)
		goto out;
	if (t.rd.graph && (expected_heads(&t.rd, c->cli.expect_heads, e) < 0 ||
			   revplan_upgrade(t.rd.graph, NULL, 0, "heads", &plan, e) < 0 ||
			   migrate_check_plan(&t.rd, &plan, e) < 0 ||
			   downgrades_present(&t.rd, &plan, e) < 0))
		goto out;
	/* the file's schema first: a broken file stops the run before it starts */
	if (c->cli.schema_file) {
		if (cmd_schema_snapshot(c, c->cli.schema_file,
					config_str(&c->cfg, CFG_MIGRATIONS_VERSION_TABLE_SCHEMA),
					config_str(&c->cfg, CFG_MIGRATIONS_VERSION_TABLE), &want, e) < 0)
			goto out;
		t.want = &want;
	}
	if (c->cli.models && c->cli.schema_file) {
		err_set(e, EXIT_USAGE, "--models and --schema name two sources of the schema: give one");
		goto out;
	}
	if (scratch_open(&sc, &c->cfg, "test", NULL, e) < 0)
		goto out;
	t.conn = sc.conn;
	t.scratch_name = sc.name;
	if (run_checks(&t, &plan, e) < 0)
		goto out;
	printf("migrate test: passed: %zu revision%s up, down and up again from the init scripts' "
	       "schema,%s then down to base, on scratch database %s (%s)\n",
	       plan.n_steps, plan.n_steps == 1 ? "" : "s",
	       t.want ? " the schema at head matching the schema file,"
	       : c->cli.models ? " the schema at head matching the models," : "",
	       sc.name,
	       duration_format(now_ms() - start, took, sizeof took));
	rc = 0;
out:
	scratch_close(&sc);
	snapshot_release(&want);
	revplan_release(&plan);
	revdir_release(&t.rd);
	return rc;
}
