/*
 * main.c — the command table and dispatch.  One binary, two names:
 * `migrate-entry` (the Docker entrypoint: no command means bootstrap, then
 * exec what follows `--`) and `migrate` (the CLI: no command prints help).
 * Every command works under both names.  Errors come back here as values
 * and leave as one message and the exit code of SPEC §8.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/cli.h"
#include "cmd/commands.h"
#include "conf/config.h"
#include "conf/env.h"
#include "util/err.h"
#include "util/log.h"
#include "entry/process.h"
#include "util/sig.h"

#ifndef MIGRATE_VERSION
#define MIGRATE_VERSION "0.0.0"
#endif

typedef int (*command_fn)(struct ctx *c, struct err *e);

struct command {
	const char *name;
	command_fn fn;
	int accepts_exec; /* may be followed by `-- PROGRAM…` */
	int max_args;     /* positional arguments */
	const char *usage;
	const char *summary;
};

static const struct command commands[] = {
	{"bootstrap", cmd_bootstrap, 1, 0, "bootstrap [-- PROGRAM [ARGS...]]",
	 "wait, create, lock, init, upgrade, verify (then exec PROGRAM)"},
	{"wait", cmd_wait, 0, 0, "wait", "wait until PostgreSQL (and wait.services) are ready"},
	{"create", cmd_create, 0, 0, "create", "wait, then create the database if it is missing"},
	{"init", cmd_init, 0, 0, "init [--strict]", "run the init scripts that have not run yet"},
	{"upgrade", cmd_upgrade, 0, 1, "upgrade [TARGET] [--sql]", "apply revisions up to TARGET (default head)"},
	{"downgrade", cmd_downgrade, 0, 1, "downgrade TARGET [--sql]", "revert revisions down to TARGET (-1, base, REV)"},
	{"current", cmd_current, 0, 0, "current [-v]", "show the database's revision(s)"},
	{"history", cmd_history, 0, 0, "history [-r A:B] [-v]", "list revisions, newest first"},
	{"heads", cmd_heads, 0, 0, "heads [-v]", "show the head revisions"},
	{"branches", cmd_branches, 0, 0, "branches [-v]", "show the branch points"},
	{"show", cmd_show, 0, 1, "show REV", "show one revision"},
	{"stamp", cmd_stamp, 0, 1, "stamp TARGET [--purge]", "set the version table without running anything"},
	{"revision", cmd_revision, 0, 0, "revision -m MSG [--head REV] ...", "create a new revision file"},
	{"merge", cmd_merge, 0, 64, "merge -m MSG [REV REV...]", "create a revision merging heads"},
	{"check", cmd_check, 0, 0, "check", "exit 1 and list them if revisions are pending"},
	{"validate", cmd_validate, 0, 0, "validate", "check revision files and the graph (no database)"},
	{"verify", cmd_verify, 0, 0, "verify [--write-manifest FILE]", "check the baseline tables (verify.*)"},
	{"baseline", cmd_baseline, 0, 1, "baseline [REV]", "record init scripts as applied and stamp REV"},
};

static const size_t n_commands = sizeof commands / sizeof commands[0];

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: migrate-entry [OPTIONS] [-- PROGRAM [ARGS…]]\n"
		"       migrate [OPTIONS] COMMAND [ARGS…]\n"
		"\n"
		"As the container entrypoint (migrate-entry with no command): wait for PostgreSQL,\n"
		"create the database if missing, take the migration lock, run init scripts and\n"
		"migrations, verify, then exec PROGRAM in place.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < n_commands; i++)
		fprintf(out, "  %-34s %s\n", commands[i].usage, commands[i].summary);
	fprintf(out, "\n%s", cli_options_help());
	fprintf(out, "\nExit codes: 0 ok, 1 error, 2 usage, 3 configuration, 4 timed out waiting,\n"
		     "5 authentication/permission, 6 SQL error, 7 verification failed, 8 lock timeout,\n"
		     "9 revision graph, 126/127 program not executable/not found, 128+N signal N.\n");
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < n_commands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int run(int argc, char **argv, struct ctx *c, struct err *e)
{
	const char *prog = base_name(argv[0]);
	int is_entry = strcmp(prog, "migrate") != 0;
	const struct command *cmd = NULL;

	log_set_program(is_entry ? "migrate-entry" : "migrate");
	if (cli_parse(argc, argv, &c->cli, e) < 0)
		return err_hint(e, "see '%s --help'", log_program());
	if (c->cli.help) {
		print_help(stdout);
		return 0;
	}
	if (c->cli.version) {
		printf("migrate-entry %s\n", MIGRATE_VERSION);
		return 0;
	}
	if (c->cli.command) {
		cmd = find_command(c->cli.command);
		if (!cmd) {
			err_set(e, EXIT_USAGE, "unknown command \"%s\"", c->cli.command);
			return err_hint(e, "to run a program after bootstrap, put it after \"--\": "
					   "migrate-entry -- %s …",
					c->cli.command);
		}
	} else if (is_entry) {
		cmd = find_command("bootstrap");
	} else {
		print_help(stdout);
		return 0;
	}
	if (c->cli.exec_argv && !cmd->accepts_exec)
		return err_set(e, EXIT_USAGE, "\"%s\" does not run a program after \"--\"", cmd->name);
	if (c->cli.nargs > cmd->max_args)
		return err_set(e, EXIT_USAGE, "\"%s\" takes no argument \"%s\"", cmd->name,
			       c->cli.args[cmd->max_args]);

	if (sig_install(e) < 0)
		return -1;
	if (env_export_libpq_files(e) < 0)
		return -1;
	if (config_load(&c->cfg, c->cli.config_file, c->cli.overrides, c->cli.n_overrides, e) < 0)
		return -1;
	log_set_level((enum log_level)config_num(&c->cfg, CFG_LOG_LEVEL));
	log_set_format((enum log_format)config_num(&c->cfg, CFG_LOG_FORMAT));
	return cmd->fn(c, e);
}

int main(int argc, char **argv)
{
	struct ctx c;
	struct err e = {0};
	int rc;

	process_note_inherited_fds();
	memset(&c, 0, sizeof c);
	/* Log flags matter before the config is loaded (config errors). */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--log-format=json") == 0 ||
		    (strcmp(argv[i], "--log-format") == 0 && i + 1 < argc &&
		     strcmp(argv[i + 1], "json") == 0))
			log_set_format(LOG_JSON);
	rc = run(argc, argv, &c, &e);
	config_release(&c.cfg);
	if (rc < 0 || e.code) {
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
