/*
 * cli.h — the command line: `[options] [command] [args…] [-- program args…]`.
 * Options may come before or after the command (GNU style); `--opt=value`
 * and `--opt value` both work.  Parsing is pure: the result borrows from
 * argv and is turned into configuration overrides (config.h).
 */
#ifndef MIGRATE_CLI_H
#define MIGRATE_CLI_H

#include "conf/config.h"
#include "util/err.h"

#define CLI_MAX_OVERRIDES 64
#define CLI_MAX_ARGS 64

struct cli {
	const char *command;           /* NULL when none was given */
	const char *args[CLI_MAX_ARGS]; /* the command's positional arguments */
	int nargs;
	char **exec_argv;  /* after "--", NULL-terminated (borrowed); NULL if no "--" */
	const char *config_file;       /* --config */
	struct config_override overrides[CLI_MAX_OVERRIDES];
	size_t n_overrides;
	int no_init, no_upgrade, no_verify; /* skip steps */
	int init_process;                   /* --init: supervise the program as a child */
	int strict;                         /* --strict: changed applied files are errors */
	int help, version;
	int verbose;                        /* -v: also verbose command output (current, history) */
	/* revision commands */
	int sql;                  /* --sql: offline mode */
	int purge;                /* stamp --purge */
	int splice;               /* revision --splice */
	const char *message;      /* -m */
	const char *rev_id;       /* --rev-id */
	const char *head;         /* --head */
	const char *branch_label; /* --branch-label */
	const char *rev_range;    /* history -r */
	const char *write_manifest; /* verify --write-manifest */
	const char *depends_on[8]; /* --depends-on (repeatable) */
	int n_depends_on;
};

/* Parse argv[1..argc-1].  Usage errors are EXIT_USAGE. */
int cli_parse(int argc, char **argv, struct cli *cli, struct err *e);

/* The options part of --help. */
const char *cli_options_help(void);

#endif
