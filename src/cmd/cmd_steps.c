/*
 * cmd_steps.c — `bootstrap` (also migrate-entry without a command), `wait`,
 * `create`, `init`: the database lifecycle commands.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "entry/bootstrap.h"
#include "cmd/commands.h"
#include "util/duration.h"
#include "init/initdir.h"
#include "util/log.h"
#include "entry/process.h"
#include "db/session.h"
#include "db/verify.h"

static int finish_bootstrap(struct ctx *c, enum bootstrap_stop stop, struct err *e)
{
	struct bootstrap_opts opts = {
		.skip_init = (c->cli.skip & CLI_SKIP_INIT_SCRIPTS) != 0,
		.skip_upgrade = (c->cli.skip & CLI_SKIP_UPGRADE) != 0,
		.skip_verify = (c->cli.skip & CLI_SKIP_VERIFY) != 0,
		.strict = c->cli.strict,
		.stop = stop,
		.exec_follows = stop == BOOTSTRAP_ALL && c->cli.exec_argv && !c->cli.init_process,
	};
	struct bootstrap_report rep;
	char *summary;

	if (bootstrap_run(&c->cfg, &opts, &rep, e) < 0)
		return -1;
	switch (stop) {
	case BOOTSTRAP_STOP_AFTER_WAIT:
		log_info("postgresql %s is ready (%s)", rep.target,
			 rep.db_missing ? "database does not exist yet" : "database exists");
		return 0;
	case BOOTSTRAP_STOP_AFTER_CREATE:
		if (rep.cloned)
			log_info("database %s created from template %s", rep.target, rep.template_name);
		else
			log_info("database %s %s", rep.target,
				 rep.created ? "created"
				 : rep.db_missing ? "created by another process"
						  : "already exists");
		return 0;
	case BOOTSTRAP_ALL:
		break;
	}
	summary = bootstrap_summary(&rep, &opts, c->cli.exec_argv);
	log_info("%s", summary ? summary : "ready");
	free(summary);
	if (!c->cli.exec_argv)
		return 0;
	if (c->cli.init_process) {
		int code = process_supervise(c->cli.exec_argv, e);
		if (code < 0)
			return -1; /* e says why (the fork or the exec failed, a signal) */
		/* The program's status is the answer; no message goes with it. */
		err_clear(e);
		e->code = code;
		return code ? -1 : 0;
	}
	process_exec(c->cli.exec_argv, e); /* returns only when the exec failed */
	bootstrap_release_kept();
	return -1;
}

int cmd_bootstrap(struct ctx *c, struct err *e) { return finish_bootstrap(c, BOOTSTRAP_ALL, e); }
int cmd_wait(struct ctx *c, struct err *e) { return finish_bootstrap(c, BOOTSTRAP_STOP_AFTER_WAIT, e); }
int cmd_create(struct ctx *c, struct err *e) { return finish_bootstrap(c, BOOTSTRAP_STOP_AFTER_CREATE, e); }

int cmd_verify(struct ctx *c, struct err *e)
{
	struct session s;
	struct verify_report rep;
	int rc = -1;

	if (!c->cli.write_manifest && verify_check(&c->cfg, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 0, e) == 0) {
		if (c->cli.write_manifest) {
			long n;
			if (verify_write_manifest(s.conn, &c->cfg, c->cli.write_manifest, &n, e) == 0) {
				log_info("wrote %ld tables of %s to %s", n,
					 config_str(&c->cfg, CFG_VERIFY_SCHEMA), c->cli.write_manifest);
				rc = 0;
			}
		} else if (verify_run(s.conn, &c->cfg, &rep, e) == 0) {
			printf("%s\n", rep.line);
			rc = 0;
		}
	}
	session_close(&s);
	return rc;
}

int cmd_init(struct ctx *c, struct err *e)
{
	struct session s;
	struct init_report rep;
	struct init_opts o = {.strict = c->cli.strict};
	char took[32];
	int rc = -1;

	if (init_check(&c->cfg, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 1, e) == 0 && init_run(s.conn, &c->cfg, &o, &rep, e) == 0) {
		if (rep.files == 0)
			log_info("no init scripts in \"%s\"", config_str(&c->cfg, CFG_INIT_DIR));
		else
			log_info("init: %d of %d script%s ran, %d recorded as baselined, %d already "
				 "applied (%s)",
				 rep.ran, rep.files, rep.files == 1 ? "" : "s", rep.baselined,
				 rep.files - rep.ran - rep.baselined,
				 duration_format(rep.ms, took, sizeof took));
		rc = 0;
	}
	session_close(&s);
	return rc;
}
