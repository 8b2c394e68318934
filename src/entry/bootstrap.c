/*
 * bootstrap.c — see bootstrap.h.  The flow of a container start, top to
 * bottom; each step lives in its own module.
 */
#define _POSIX_C_SOURCE 200809L
#include "entry/bootstrap.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db/query.h"
#include "db/target.h"
#include "util/clock.h"
#include "util/duration.h"
#include "db/lock.h"
#include "util/log.h"
#include "migrate/migrate.h"
#include "db/ready.h"
#include "migrate/revdir.h"
#include "wait/services.h"
#include "db/session.h"
#include "util/sig.h"
#include "util/strbuf.h"
#include "db/verify.h"
#include "entry/template.h"
#include "db/tcache.h"

/* Steps 4–6 run under the lock on the target connection.  They are filled
 * by the init-script, revision and verify modules. */
static int run_locked_steps(PGconn *conn, const struct config *cfg,
			    const struct bootstrap_opts *opts, const struct revdir *rd,
			    struct bootstrap_report *rep, struct err *e)
{
	struct init_opts io = {.strict = opts->strict};
	if (!opts->skip_init && init_run(conn, cfg, &io, &rep->init, e) < 0)
		return -1;
	if (!opts->skip_upgrade) {
		if (migrate_report_changed(conn, cfg, rd, e) < 0)
			return -1;
		/* Every head: branches that are not merged yet all get applied. */
		if (migrate_upgrade(conn, cfg, rd, "heads", &rep->upgrade, e) < 0)
			return -1;
	}
	if (!opts->skip_verify && verify_run(conn, cfg, &rep->verify, e) < 0)
		return -1;
	return sig_check(e);
}

/* A database that exists with nothing to do: every init script recorded,
 * the version table at the heads.  Then no step changes anything, and the
 * migration lock (its connection: a second authentication) is not needed;
 * the steps run as usual and only check.  A run that sees work takes the
 * lock, and the steps look again under it.  A failing check is not an error
 * here: the lock is taken and the steps report it. */
static int nothing_to_do(PGconn *c, const struct config *cfg, const struct bootstrap_opts *opts,
			 const struct revdir *rd)
{
	struct err ignored = {0};
	int init = 0;
	size_t steps = 0;
	if (!opts->skip_init && init_pending(c, cfg, &init, &ignored) < 0)
		return 0;
	if (!opts->skip_upgrade && migrate_pending(c, cfg, rd, &steps, &ignored) < 0)
		return 0;
	return !init && steps == 0;
}

/* Step 1, once the services' thread runs: PostgreSQL here, under the same
 * deadline.  A service that fails for good (a certificate that cannot be
 * trusted) stops the PostgreSQL wait too, and its error is the one reported;
 * at the deadline, the message names the services not ready as well as
 * PostgreSQL; on any other failure the services' wait is cancelled. */
static int wait_all(struct db_target *t, struct ready_deadline d, struct services *s,
		    struct ready_result *r, struct err *e)
{
	struct err se = {0};

	if (ready_wait(t, d, r, e) == 0)
		return services_finish(s, e);
	if (e->code != EXIT_TIMEOUT && !sig_stop_requested())
		services_cancel(s);
	if (services_finish(s, &se) == 0)
		return -1;
	if (services_failed(s)) {
		*e = se;
	} else if (e->code == EXIT_TIMEOUT && se.code == EXIT_TIMEOUT) {
		size_t len = strlen(e->msg);
		snprintf(e->msg + len, sizeof e->msg - len, "; and for ");
		len = strlen(e->msg);
		services_pending(s, e->msg + len, sizeof e->msg - len);
	}
	return -1;
}

/* The revision files of a run that execs the program next (exec_follows):
 * not freed, since the exec drops the address space; an exec that fails
 * frees them (bootstrap_release_kept). */
static struct revdir kept_revisions;

void bootstrap_release_kept(void) { revdir_release(&kept_revisions); }

/* The revision files, read on a thread during the wait (revdir.h): their
 * error comes before any other (as when they were read before the wait),
 * and nothing has touched the database yet.  rc is the wait's result. */
static int take_revisions(struct revdir_loader *l, int loading, struct revdir *rd,
			  struct bootstrap_report *rep, int rc, struct err *e)
{
	struct err le = {0};
	if (!loading)
		return rc;
	if (revdir_loader_finish(l, rd, &le) < 0) {
		*e = le;
		return -1;
	}
	rep->revisions = (int)rd->n;
	return rc;
}

int bootstrap_run(const struct config *cfg, const struct bootstrap_opts *opts,
		  struct bootstrap_report *rep, struct err *e)
{
	struct db_target target;
	struct ready_result ready = {0};
	struct services *services = NULL;
	struct revdir rd = {0};
	struct revdir_loader loader = {0};
	struct migration_lock lock = {0};
	struct template_run tmpl = {0};
	/* the template cache needs the revision files for its digest, even
	 * where the run does not upgrade */
	int tcache = config_num(cfg, CFG_DATABASE_TEMPLATE_CACHE) &&
		     opts->stop != BOOTSTRAP_STOP_AFTER_WAIT;
	int loading = (opts->stop == BOOTSTRAP_ALL && !opts->skip_upgrade) || tcache;
	int may_build = opts->stop == BOOTSTRAP_ALL && !opts->skip_init && !opts->skip_upgrade &&
			!opts->skip_verify;
	char appname[64];
	int64_t start = now_ms();
	struct ready_deadline deadline = {start + config_num(cfg, CFG_WAIT_TIMEOUT),
					  config_num(cfg, CFG_WAIT_TIMEOUT)};
	int waited, looked, rc = -1;

	memset(rep, 0, sizeof *rep);
	session_application_name(appname, sizeof appname);
	/* A broken image (revision files, graph) fails before touching the
	 * database.  The files are read on a thread while this one connects
	 * (at a thousand revisions, as long as a connection takes); a broken
	 * file stops the wait, and its error is the one reported. */
	if (loading) {
		const struct config_value *dir = &cfg->v[CFG_MIGRATIONS_DIR];
		revdir_loader_start(&loader, dir->text, dir->origin != ORIGIN_DEFAULT);
	}
	/* So does every setting a later step reads (the init directory, the
	 * manifest): nothing is created by a run that then fails on them. */
	if ((opts->stop == BOOTSTRAP_ALL && ((!opts->skip_init && init_check(cfg, e) < 0) ||
					     (!opts->skip_verify && verify_check(cfg, e) < 0))) ||
	    services_parse(config_str(cfg, CFG_WAIT_SERVICES), &services, e) < 0 ||
	    services_set_ca(services, config_str(cfg, CFG_WAIT_CA_CERT),
			    cfg->v[CFG_WAIT_CA_CERT].where, e) < 0 ||
	    db_target_init(&target, config_str(cfg, CFG_DATABASE_URL), appname, e) < 0) {
		take_revisions(&loader, loading, &rd, rep, -1, e);
		services_free(services);
		revdir_release(&rd);
		return -1;
	}
	snprintf(rep->target, sizeof rep->target, "%s", target.display);

	/* 1. Wait: the services in their thread, PostgreSQL here. */
	waited = services_start(services, deadline.at, e) == 0 &&
		 wait_all(&target, deadline, services, &ready, e) == 0;
	if (take_revisions(&loader, loading, &rd, rep, waited ? 0 : -1, e) < 0)
		goto out;
	snprintf(rep->services, sizeof rep->services, "%s", services_summary(services));
	rep->wait_ms = ready.wait_ms;
	rep->attempts = ready.attempts;
	rep->db_missing = ready.db_missing;
	if (opts->stop == BOOTSTRAP_STOP_AFTER_WAIT) {
		rc = 0;
		goto out;
	}

	/* 2. Create. */
	if (ready.db_missing) {
		if (!config_num(cfg, CFG_DATABASE_CREATE)) {
			err_set(e, EXIT_FAILURE_GENERIC, "database \"%s\" does not exist",
				db_target_dbname(&target));
			err_hint(e, "create it, or let %s create it (database.create = true, "
				    "without --skip create)",
				 log_program());
			goto out;
		}
		if (tcache) {
			if (template_create(&tmpl, &target, cfg, &rd, deadline, may_build, &ready, e) < 0)
				goto out;
			rep->cloned = tmpl.cloned;
			rep->sealed = tmpl.sealed;
			snprintf(rep->template_name, sizeof rep->template_name, "%s", tmpl.id.name);
		} else if (ready_create(&target, cfg, deadline, &ready, e) < 0) {
			goto out;
		}
		rep->created = ready.created;
		rep->create_ms = ready.create_ms;
	}
	if (opts->stop == BOOTSTRAP_STOP_AFTER_CREATE) {
		rc = 0;
		goto out;
	}

	/* 3. Lock (unless there is nothing to do), 4–6 under it. */
	session_check_settings(cfg);
	/* A copy of a sealed template is what the run that made the template
	 * verified, under a digest of these files and settings: the steps
	 * would find nothing to do (template.h). */
	if (rep->sealed) {
		rep->no_lock = 1;
		rc = migrate_fresh_heads(&rd, rep->upgrade.to, sizeof rep->upgrade.to, e);
		goto out;
	}
	/* a database found missing (created here the plain way, or by another
	 * replica that is working on it) is not looked at; one cloned from the
	 * template is at head, and is */
	looked = !rep->db_missing || rep->cloned;
	/* With the template cache, a database another run created and will copy
	 * into the template (it wears the mark, template.h) is not looked at:
	 * the copy needs it without sessions, and the lock's way holds none
	 * between tries.  Any failure here is the lock's way too. */
	if (looked && tcache && !rep->cloned) {
		char pid[24] = "";
		struct err ignored = {0};
		if (tcache_mark_holder(ready.conn, db_target_dbname(&target), pid, sizeof pid,
				       &ignored) < 0 || pid[0])
			looked = 0;
	}
	rep->no_lock = looked && nothing_to_do(ready.conn, cfg, opts, &rd);
	if (rep->no_lock) {
		log_debug("nothing to do: the migration lock is not needed");
	} else {
		/* Behind session pooling the look pinned a server connection to
		 * this client: holding it while the lock's connection waits for
		 * another, replicas would take the whole pool and wait for each
		 * other.  It is opened again once the lock is held (lock.h). */
		if (looked) {
			PQfinish(ready.conn);
			ready.conn = NULL;
		}
		if (lock_acquire(&lock, &ready.conn, &target, config_num(cfg, CFG_LOCK_TIMEOUT),
				 config_num(cfg, CFG_WAIT_TIMEOUT), &rep->lock_ms, e) < 0)
			goto out;
	}
	rc = run_locked_steps(ready.conn, cfg, opts, &rd, rep, e);
	if (rc == 0)
		rc = lock_release(&lock, e);
	/* the template is made (or awaited) with the lock released and, for
	 * the copy, the target's connections closed */
	if (rc == 0 && tcache) {
		rc = template_finish(&tmpl, &target, cfg, &ready.conn, e);
		rep->template_made = tmpl.made;
		rep->template_ms = tmpl.make_ms;
	}
out:
	template_release(&tmpl);
	if (lock.conn)
		lock_release(&lock, &(struct err){0});
	/* Closing the connection also releases the lock on any error path. */
	if (ready.conn)
		PQfinish(ready.conn);
	services_free(services);
	if (rc < 0 || !opts->exec_follows)
		revdir_release(&rd);
	else
		kept_revisions = rd;
	db_target_release(&target);
	rep->total_ms = now_ms() - start;
	return rc;
}

char *bootstrap_summary(const struct bootstrap_report *rep, const struct bootstrap_opts *opts,
			char *const *exec_argv)
{
	char d1[32], d2[32], d3[32];
	struct strbuf b = {0};

	strbuf_printf(&b, "ready in %s: postgresql %s answered after %s (%d attempt%s)",
		      duration_format(rep->total_ms, d1, sizeof d1), rep->target,
		      duration_format(rep->wait_ms, d2, sizeof d2), rep->attempts,
		      rep->attempts == 1 ? "" : "s");
	if (rep->services[0])
		strbuf_printf(&b, ", services %s", rep->services);
	if (rep->cloned)
		strbuf_printf(&b, "; database created from template %s in %s", rep->template_name,
			      duration_format(rep->create_ms, d3, sizeof d3));
	else if (rep->created)
		strbuf_printf(&b, "; database created in %s",
			      duration_format(rep->create_ms, d3, sizeof d3));
	else if (rep->db_missing)
		strbuf_printf(&b, "; database created concurrently by another process");
	else
		strbuf_printf(&b, "; database exists");
	if (rep->no_lock)
		strbuf_printf(&b, "; no lock needed");
	else
		strbuf_printf(&b, "; lock %s", duration_format(rep->lock_ms, d1, sizeof d1));
	if (rep->sealed) {
		strbuf_printf(&b, "; init scripts and revisions as in the template; %s%s",
			      rep->revisions ? "at head " : "no revisions",
			      rep->revisions ? rep->upgrade.to : "");
		strbuf_printf(&b, "; verified when the template was made");
		goto exec;
	}
	if (opts->skip_init)
		strbuf_printf(&b, "; init skipped");
	else if (rep->init.files == 0)
		strbuf_printf(&b, "; no init scripts");
	else
		strbuf_printf(&b, "; init %d of %d script%s ran%s (%s)", rep->init.ran,
			      rep->init.files, rep->init.files == 1 ? "" : "s",
			      rep->init.baselined ? ", rest recorded as baselined" : "",
			      duration_format(rep->init.ms, d2, sizeof d2));
	if (opts->skip_upgrade)
		strbuf_printf(&b, "; upgrade skipped");
	else if (rep->revisions == 0)
		strbuf_printf(&b, "; no revisions");
	else if (rep->upgrade.steps == 0)
		strbuf_printf(&b, "; at head %s", rep->upgrade.to);
	else
		strbuf_printf(&b, "; upgraded %s -> %s (%d revision%s, %s)", rep->upgrade.from,
			      rep->upgrade.to, rep->upgrade.steps, rep->upgrade.steps == 1 ? "" : "s",
			      duration_format(rep->upgrade.ms, d3, sizeof d3));
	strbuf_printf(&b, "; %s", opts->skip_verify ? "verify skipped" : rep->verify.line);
	if (rep->template_made)
		strbuf_printf(&b, "; template %s made in %s", rep->template_name,
			      duration_format(rep->template_ms, d1, sizeof d1));
exec:
	if (exec_argv && exec_argv[0]) {
		int i;
		strbuf_printf(&b, "; exec");
		for (i = 0; exec_argv[i] && i < 8; i++)
			strbuf_printf(&b, " %s", exec_argv[i]);
		if (exec_argv[i])
			strbuf_printf(&b, " …");
	}
	return strbuf_detach(&b);
}
