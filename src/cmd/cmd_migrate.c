/*
 * cmd_migrate.c — the revision commands that work on the database, with
 * Alembic's vocabulary: upgrade, downgrade (both also offline with --sql),
 * current, stamp, check, baseline.  Output goes to stdout in the formats
 * `alembic` prints; logs go to stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/revtext.h"
#include "conf/dburl.h"
#include "db/session.h"
#include "db/store.h"
#include "init/initdir.h"
#include "migrate/migrate.h"
#include "migrate/offline.h"
#include "util/duration.h"
#include "util/log.h"

/* What the commands here work on: the migrations directory and a session
 * on the database (with the migration lock for those that change it). */
struct online {
	struct revdir rd;
	struct session s;
};

static int online_open(struct ctx *c, struct online *o, int take_lock, struct err *e)
{
	const struct config_value *dir = &c->cfg.v[CFG_MIGRATIONS_DIR];
	struct revdir_loader loader = {0};
	struct err le = {0};
	int rc;

	memset(o, 0, sizeof *o);
	/* the files are read while the session opens (at a thousand revisions,
	 * as long as a connection takes); a broken one ends the wait at once,
	 * and its error is the one reported: nothing has changed yet */
	revdir_loader_start(&loader, dir->text, dir->origin != ORIGIN_DEFAULT);
	rc = session_open(&o->s, &c->cfg, take_lock, e);
	if (revdir_loader_finish(&loader, &o->rd, &le) < 0) {
		*e = le;
		return -1;
	}
	return rc;
}

static void online_close(struct online *o)
{
	session_close(&o->s);
	revdir_release(&o->rd);
}

static int migrate_command(struct ctx *c, int upgrade, struct err *e)
{
	struct online o;
	struct migrate_report rep;
	const char *target = c->cli.nargs > 0 ? c->cli.args[0] : upgrade ? "head" : NULL;
	char took[32];
	int rc = -1;

	if (!target)
		return err_set(e, EXIT_USAGE, "downgrade needs a target (a revision, -1, base)");
	if (c->cli.sql) {
		struct revdir rd;
		if (cmd_load_revisions(c, &rd, e) < 0)
			return -1;
		rc = offline_run(stdout, &c->cfg, &rd, target, upgrade, e);
		revdir_release(&rd);
		return rc;
	}
	if (strchr(target, ':'))
		return err_set(e, EXIT_USAGE, "a FROM:TO range needs --sql");
	if (online_open(c, &o, 1, e) == 0 && migrate_report_changed(o.s.conn, &c->cfg, &o.rd, e) == 0 &&
	    (upgrade ? migrate_upgrade : migrate_downgrade)(o.s.conn, &c->cfg, &o.rd, target, &rep,
							    e) == 0) {
		if (rep.steps == 0)
			log_info("nothing to do: the database is at %s", rep.from);
		else
			log_info("%s from %s to %s: %d revision%s in %s", upgrade ? "upgraded" : "downgraded",
				 rep.from, rep.to, rep.steps, rep.steps == 1 ? "" : "s",
				 duration_format(rep.ms, took, sizeof took));
		rc = 0;
	}
	online_close(&o);
	return rc;
}

int cmd_upgrade(struct ctx *c, struct err *e) { return migrate_command(c, 1, e); }
int cmd_downgrade(struct ctx *c, struct err *e) { return migrate_command(c, 0, e); }

int cmd_current(struct ctx *c, struct err *e)
{
	struct online o;
	char **heads = NULL;
	size_t n = 0;
	int rc = -1;

	if (online_open(c, &o, 0, e) == 0 && migrate_heads(o.s.conn, &c->cfg, &o.rd, &heads, &n, e) == 0) {
		if (c->cli.verbose) {
			const char *url = config_str(&c->cfg, CFG_DATABASE_URL);
			char shown[1024];
			dburl_redact(url ? url : o.s.target.display, shown, sizeof shown);
			printf("Current revision(s) for %s:\n", shown);
		}
		for (size_t i = 0; i < n; i++) {
			size_t idx = (size_t)(revdir_find(&o.rd, heads[i]) - o.rd.files);
			char rev[1024];
			if (c->cli.verbose) {
				revtext_print_verbose(&o.rd, idx);
			} else {
				revtext_rev(&o.rd, idx, REVTEXT_TREE, rev, sizeof rev);
				printf("%s\n", rev);
			}
		}
		rc = 0;
	}
	store_free_heads(heads, n);
	online_close(&o);
	return rc;
}

int cmd_stamp(struct ctx *c, struct err *e)
{
	struct online o;
	struct migrate_report rep;
	int rc = -1;

	if (c->cli.nargs < 1)
		return err_set(e, EXIT_USAGE, "stamp needs a target (a revision, head, heads, base)");
	if (online_open(c, &o, 1, e) == 0 &&
	    migrate_stamp(o.s.conn, &c->cfg, &o.rd, c->cli.args[0], c->cli.purge, &rep, e) == 0) {
		log_info("stamped: %s -> %s (nothing was run)", rep.from, rep.to);
		rc = 0;
	}
	online_close(&o);
	return rc;
}

/* The revisions `upgrade heads` would run, listed; exit 1 when there are any. */
static int report_pending(const struct revdir *rd, char **heads, size_t n, struct err *e)
{
	struct revplan plan = {0};
	int rc = -1;
	if (rd->graph &&
	    revplan_upgrade(rd->graph, (const char *const *)heads, n, "heads", &plan, e) < 0)
		return -1;
	for (size_t i = 0; i < plan.n_steps; i++)
		revtext_print_short(rd, plan.steps[i].rev);
	if (plan.n_steps > 0) {
		err_set(e, EXIT_FAILURE_GENERIC, "%zu revision%s pending", plan.n_steps,
			plan.n_steps == 1 ? "" : "s");
	} else {
		log_info("the database is at head: no revisions pending");
		rc = 0;
	}
	revplan_release(&plan);
	return rc;
}

int cmd_check(struct ctx *c, struct err *e)
{
	struct online o;
	char **heads = NULL;
	size_t n = 0;
	int rc = -1;

	if (c->cli.models && c->cli.schema_file)
		return err_set(e, EXIT_USAGE, "--models and --schema name two sources of the schema: "
					      "give one");
	if (c->cli.models)
		return cmd_check_models(c, e);
	if (c->cli.schema_file)
		return cmd_check_schema(c, e);
	if (online_open(c, &o, 0, e) == 0 && migrate_heads(o.s.conn, &c->cfg, &o.rd, &heads, &n, e) == 0)
		rc = report_pending(&o.rd, heads, n, e);
	store_free_heads(heads, n);
	online_close(&o);
	return rc;
}

int cmd_baseline(struct ctx *c, struct err *e)
{
	struct online o = {0};
	struct init_report irep;
	struct migrate_report mrep;
	const char *target = c->cli.nargs > 0 ? c->cli.args[0] : NULL;
	int rc = -1;

	/* The revision to stamp is decided before connecting. */
	if (cmd_load_revisions(c, &o.rd, e) < 0)
		return -1;
	if (!target && o.rd.graph) {
		const size_t *bases;
		if (revgraph_bases(o.rd.graph, &bases) != 1) {
			revdir_release(&o.rd);
			return err_set(e, EXIT_USAGE, "several base revisions: name the one to stamp "
						      "(migrate baseline REV)");
		}
		target = revgraph_id(o.rd.graph, bases[0]);
	}
	if (init_check(&c->cfg, e) < 0) {
		revdir_release(&o.rd);
		return -1;
	}
	if (session_open(&o.s, &c->cfg, 1, e) == 0 && init_baseline(o.s.conn, &c->cfg, &irep, e) == 0 &&
	    (!target || migrate_stamp(o.s.conn, &c->cfg, &o.rd, target, 0, &mrep, e) == 0)) {
		log_info("baseline: %d init script%s recorded as baselined%s%s", irep.baselined,
			 irep.baselined == 1 ? "" : "s", target ? ", stamped " : "", target ? mrep.to : "");
		rc = 0;
	}
	online_close(&o);
	return rc;
}
