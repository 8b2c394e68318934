/*
 * main.c — the command table and dispatch.  One binary, two names:
 * `migrate-entry` (the Docker entrypoint: no command means bootstrap, then
 * exec what follows `--`) and `migrate` (the CLI: a command is required).
 * Every command works under both names.  The command line's grammar lives
 * in conf/cli.c; errors come back here as values and leave as one message
 * and the exit code docs/reference.md lists.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "conf/cli.h"
#include "conf/config.h"
#include "conf/env.h"
#include "entry/conceal.h"
#include "entry/process.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sig.h"
#include "util/strbuf.h"

#ifndef MIGRATE_VERSION
#define MIGRATE_VERSION "0.0.0"
#endif

typedef int (*command_fn)(struct ctx *c, struct err *e);

static const command_fn handlers[CLI_COMMAND_COUNT] = {
	[CLI_BOOTSTRAP] = cmd_bootstrap, [CLI_WAIT] = cmd_wait,
	[CLI_CREATE] = cmd_create,       [CLI_INIT] = cmd_init,
	[CLI_UPGRADE] = cmd_upgrade,     [CLI_DOWNGRADE] = cmd_downgrade,
	[CLI_CURRENT] = cmd_current,     [CLI_HISTORY] = cmd_history,
	[CLI_HEADS] = cmd_heads,         [CLI_BRANCHES] = cmd_branches,
	[CLI_SHOW] = cmd_show,           [CLI_STAMP] = cmd_stamp,
	[CLI_REVISION] = cmd_revision,   [CLI_MERGE] = cmd_merge,
	[CLI_CHECK] = cmd_check,         [CLI_VALIDATE] = cmd_validate,
	[CLI_VERIFY] = cmd_verify,       [CLI_BASELINE] = cmd_baseline,
	[CLI_IMPORT_ALEMBIC] = cmd_import_alembic, [CLI_TEST] = cmd_test,
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The general help, or a command's. */
static int print_help(FILE *out, const struct cli *cli, struct err *e)
{
	struct strbuf b = {0};
	char *text;
	if (cli->has_command)
		cli_command_help(&b, cli->command);
	else
		cli_help(&b);
	text = strbuf_detach(&b);
	if (!text)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	fputs(text, out);
	free(text);
	return 0;
}

static int run(int argc, char **argv, struct ctx *c, struct err *e)
{
	int is_entry = strcmp(base_name(argv[0]), "migrate") != 0;

	log_set_program(is_entry ? "migrate-entry" : "migrate");
	if (cli_parse(argc, argv, &c->cli, e) < 0)
		return -1;
	if (c->cli.help)
		return print_help(stdout, &c->cli, e);
	if (c->cli.version) {
		printf("migrate-entry %s\n", MIGRATE_VERSION);
		return 0;
	}
	if (!c->cli.has_command && !is_entry) {
		/* `migrate` alone: a usage error, like git and curl */
		if (print_help(stderr, &c->cli, e) < 0)
			return -1;
		e->code = EXIT_USAGE;
		return -1;
	}
	if (sig_install(e) < 0)
		return -1;
	if (env_export_libpq_files(e) < 0)
		return -1;
	if (config_load(&c->cfg, c->cli.config_file, c->cli.overrides, c->cli.n_overrides, e) < 0)
		return -1;
	/* The configuration holds its own copies now: no password in ps from here on. */
	conceal_argv(&c->cli);
	log_set_level((enum log_level)config_num(&c->cfg, CFG_LOG_LEVEL));
	log_set_format((enum log_format)config_num(&c->cfg, CFG_LOG_FORMAT));
	return handlers[c->cli.command](c, e);
}

int main(int argc, char **argv)
{
	struct ctx c;
	struct err e = {0};
	int rc;

	process_note_inherited_fds();
	if (conceal_note_environment(&e) < 0) {
		log_report(&e);
		return e.code;
	}
	memset(&c, 0, sizeof c);
	/* Log flags matter before the config is loaded (config errors). */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--log-format=json") == 0 ||
		    (strcmp(argv[i], "--log-format") == 0 && i + 1 < argc &&
		     strcmp(argv[i + 1], "json") == 0))
			log_set_format(LOG_JSON);
	rc = run(argc, argv, &c, &e);
	config_release(&c.cfg);
	/* The command's return decides: an error met on the way and then
	 * overcome (a retried connection attempt) is not the run's. */
	if (rc < 0) {
		if (e.msg[0])
			log_report(&e);
		rc = e.code ? e.code : EXIT_FAILURE_GENERIC;
	}
	if (fflush(stdout) != 0 && rc == 0) {
		log_error("cannot write to standard output");
		rc = EXIT_FAILURE_GENERIC;
	}
	return rc;
}
