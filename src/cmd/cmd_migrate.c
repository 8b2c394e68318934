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

static int migrate_command(struct ctx *c, int upgrade, struct err *e)
{
	struct revdir rd;
	struct session s;
	struct migrate_report rep;
	const char *target = c->cli.nargs > 0 ? c->cli.args[0] : upgrade ? "head" : NULL;
	char took[32];
	int rc = -1;

	if (!target)
		return err_set(e, EXIT_USAGE, "downgrade needs a target (a revision, -1, base)");
	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (c->cli.sql) {
		rc = offline_run(stdout, &c->cfg, &rd, target, upgrade, e);
		revdir_release(&rd);
		return rc;
	}
	if (strchr(target, ':')) {
		revdir_release(&rd);
		return err_set(e, EXIT_USAGE, "a FROM:TO range needs --sql");
	}
	if (session_open(&s, &c->cfg, 1, e) == 0 && migrate_report_changed(s.conn, &c->cfg, &rd, e) == 0 &&
	    (upgrade ? migrate_upgrade : migrate_downgrade)(s.conn, &c->cfg, &rd, target, &rep, e) == 0) {
		if (rep.steps == 0)
			log_info("nothing to do: the database is at %s", rep.from);
		else
			log_info("%s from %s to %s: %d revision%s in %s", upgrade ? "upgraded" : "downgraded",
				 rep.from, rep.to, rep.steps, rep.steps == 1 ? "" : "s",
				 duration_format(rep.ms, took, sizeof took));
		rc = 0;
	}
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

int cmd_upgrade(struct ctx *c, struct err *e) { return migrate_command(c, 1, e); }
int cmd_downgrade(struct ctx *c, struct err *e) { return migrate_command(c, 0, e); }

int cmd_current(struct ctx *c, struct err *e)
{
	struct revdir rd;
	struct session s;
	char **heads = NULL;
	size_t n = 0;
	int rc = -1;

	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 0, e) == 0 && migrate_heads(s.conn, &c->cfg, &rd, &heads, &n, e) == 0) {
		if (c->cli.verbose) {
			char url[1024];
			dburl_redact(config_str(&c->cfg, CFG_DATABASE_URL) ? config_str(&c->cfg, CFG_DATABASE_URL)
									   : s.target.display,
				     url, sizeof url);
			printf("Current revision(s) for %s:\n", url);
		}
		for (size_t i = 0; i < n; i++) {
			const struct revdir_file *f = revdir_find(&rd, heads[i]);
			size_t idx = (size_t)(f - rd.files);
			char rev[1024];
			if (c->cli.verbose) {
				revtext_print_verbose(&rd, idx);
			} else {
				revtext_rev(&rd, idx, REVTEXT_TREE, rev, sizeof rev);
				printf("%s\n", rev);
			}
		}
		rc = 0;
	}
	store_free_heads(heads, n);
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

int cmd_stamp(struct ctx *c, struct err *e)
{
	struct revdir rd;
	struct session s;
	struct migrate_report rep;
	int rc = -1;

	if (c->cli.nargs < 1)
		return err_set(e, EXIT_USAGE, "stamp needs a target (a revision, head, heads, base)");
	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 1, e) == 0 &&
	    migrate_stamp(s.conn, &c->cfg, &rd, c->cli.args[0], c->cli.purge, &rep, e) == 0) {
		log_info("stamped: %s -> %s (nothing was run)", rep.from, rep.to);
		rc = 0;
	}
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

int cmd_check(struct ctx *c, struct err *e)
{
	struct revdir rd;
	struct session s;
	struct revplan plan = {0};
	char **heads = NULL;
	size_t n = 0;
	int rc = -1;

	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 0, e) == 0 && migrate_heads(s.conn, &c->cfg, &rd, &heads, &n, e) == 0) {
		if (!rd.graph ||
		    revplan_upgrade(rd.graph, (const char *const *)heads, n, "heads", &plan, e) == 0) {
			for (size_t i = 0; i < plan.n_steps; i++)
				revtext_print_short(&rd, plan.steps[i].rev);
			if (plan.n_steps > 0) {
				err_set(e, EXIT_FAILURE_GENERIC, "%zu revision%s pending", plan.n_steps,
					plan.n_steps == 1 ? "" : "s");
			} else {
				log_info("the database is at head: no revisions pending");
				rc = 0;
			}
		}
	}
	revplan_release(&plan);
	store_free_heads(heads, n);
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

int cmd_baseline(struct ctx *c, struct err *e)
{
	struct revdir rd;
	struct session s;
	struct init_report irep;
	struct migrate_report mrep;
	const char *target = c->cli.nargs > 0 ? c->cli.args[0] : NULL;
	int rc = -1;

	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (!target && rd.graph) {
		const size_t *bases;
		size_t nb = revgraph_bases(rd.graph, &bases);
		if (nb != 1) {
			revdir_release(&rd);
			return err_set(e, EXIT_USAGE, "several base revisions: name the one to stamp "
						      "(migrate baseline REV)");
		}
		target = revgraph_id(rd.graph, bases[0]);
	}
	if (session_open(&s, &c->cfg, 1, e) == 0 && init_baseline(s.conn, &c->cfg, &irep, e) == 0 &&
	    (!target || migrate_stamp(s.conn, &c->cfg, &rd, target, 0, &mrep, e) == 0)) {
		log_info("baseline: %d init script%s recorded as baselined%s%s", irep.baselined,
			 irep.baselined == 1 ? "" : "s", target ? ", stamped " : "", target ? mrep.to : "");
		rc = 0;
	}
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

