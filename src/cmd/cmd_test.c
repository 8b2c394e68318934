/*
 * cmd_test.c — `migrate test` (docs/reference.md §10.7): pytest-alembic's
 * built-in checks without Python, on a scratch database of the target's
 * server (created as the target would be, dropped afterwards), so that the
 * real database is never touched:
 *   - the graph validates and has a single head;
 *   - the init scripts run, then every revision in order goes up, down and
 *     up again (the "stairway"): its downgrade must restore the schema from
 *     before it, and the second upgrade must leave the schema the first
 *     left (db/snapshot.h compares the catalogs);
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
};

/* The one head, or EXIT_GRAPH naming them. */
static int single_head(const struct revdir *rd, struct err *e)
{
	const size_t *heads;
	size_t n = revgraph_heads(rd->graph, &heads);
	char list[512] = "";
	size_t len = 0;
	if (n == 1)
		return 0;
	for (size_t i = 0; i < n && len + 1 < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
					revgraph_id(rd->graph, heads[i]));
	err_set(e, EXIT_GRAPH, "the revisions have %zu heads: %s", n, list);
	return err_hint(e, "merge them first (migrate merge -m MSG)");
}

/* The steps from base to head, each a revision on top of the one before:
 * the stairway needs a line to walk down one step at a time. */
static int linear_plan(const struct revdir *rd, struct revplan *plan, struct err *e)
{
	if (revplan_upgrade(rd->graph, NULL, 0, "heads", plan, e) < 0)
		return -1;
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct revplan_step *s = &plan->steps[i];
		int ok = i == 0 ? s->op == REVPLAN_INSERT && s->n_to == 1
				: s->op == REVPLAN_UPDATE && s->n_from == 1 && s->n_to == 1;
		if (ok)
			continue;
		err_set(e, EXIT_GRAPH, "%s: revision %s is not on a single line from base to head (a "
				       "branch, a merge or a dependency)",
			rd->files[s->rev].path, rd->files[s->rev].rev.revision);
		return err_hint(e, "migrate test walks a linear history only, one revision at a time");
	}
	return 0;
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

static int step(struct test_run *t, int up, const char *target, const char *rev, const char *what,
		struct err *e)
{
	struct migrate_report rep;
	int rc = (up ? migrate_upgrade : migrate_downgrade)(t->conn, &t->c->cfg, &t->rd, target,
							   &rep, e);
	if (rc < 0)
		err_prefix(e, "revision %s, %s", rev, what);
	return rc;
}

/* The stairway over plan, from the schema the init scripts made. */
static int stairway(struct test_run *t, const struct revplan *plan, const struct snapshot *init,
		    struct err *e)
{
	struct snapshot before = {0}, first = {0}, down = {0}, again = {0};
	char msg[256];
	int rc = -1;

	for (size_t i = 0; i < plan->n_steps; i++) {
		const char *rev = t->rd.files[plan->steps[i].rev].rev.revision;
		const char *below = i == 0 ? "base" : t->rd.files[plan->steps[i - 1].rev].rev.revision;
		const struct snapshot *prev = i == 0 ? init : &before;
		log_info("revision %s (%zu of %zu): upgrade, downgrade, upgrade", rev, i + 1,
			 plan->n_steps);
		if (step(t, 1, rev, rev, "upgrade", e) < 0 || snap(t, &first, e) < 0 ||
		    step(t, 0, below, rev, "downgrade", e) < 0 || snap(t, &down, e) < 0)
			goto out;
		snprintf(msg, sizeof msg, "revision %s: its downgrade does not restore the schema from "
					  "before its upgrade", rev);
		if (same_schema(prev, &down, msg, e) < 0)
			goto out;
		if (step(t, 1, rev, rev, "upgrade after its downgrade", e) < 0 ||
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
	log_info("head to base");
	if (plan->n_steps > 0 &&
	    (step(t, 0, "base", "base", "downgrade from head", e) < 0 || snap(t, &base, e) < 0 ||
	     same_schema(&init, &base, "a downgrade from head to base leaves another schema than the "
				       "init scripts made",
			 e) < 0))
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
	char took[32];
	int rc = -1;
	int64_t start = now_ms();

	if (cmd_load_revisions(c, &t.rd, e) < 0 || init_check(&c->cfg, e) < 0)
		goto out;
	if (t.rd.graph && (single_head(&t.rd, e) < 0 || linear_plan(&t.rd, &plan, e) < 0 ||
			   migrate_check_plan(&t.rd, &plan, e) < 0 ||
			   downgrades_present(&t.rd, &plan, e) < 0))
		goto out;
	if (scratch_open(&sc, &c->cfg, "test", NULL, e) < 0)
		goto out;
	t.conn = sc.conn;
	if (run_checks(&t, &plan, e) < 0)
		goto out;
	printf("migrate test: passed: %zu revision%s up, down and up again from the init scripts' "
	       "schema, then down to base, on scratch database %s (%s)\n",
	       plan.n_steps, plan.n_steps == 1 ? "" : "s", sc.name,
	       duration_format(now_ms() - start, took, sizeof took));
	rc = 0;
out:
	scratch_close(&sc);
	revplan_release(&plan);
	revdir_release(&t.rd);
	return rc;
}
