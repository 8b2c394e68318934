/*
 * cli.h — the command line, as git and curl shape theirs:
 *
 *     migrate-entry [OPTIONS] [-- PROGRAM [ARGS...]]
 *     migrate COMMAND [OPTIONS] [ARGS...] [-- PROGRAM [ARGS...]]
 *
 * One table describes the commands (name, arguments, summary) and one the
 * options (name, argument, which commands take it, help text); parsing and
 * every help text come from those two tables, so the help cannot drift from
 * what is accepted.  Options may come before or after the command (GNU
 * style); `--opt=value` and `--opt value` both work; short options group
 * (`-qv`).  A few options are global (--config, --database-url,
 * --log-format, --log-level, -q, --help, --version); every other option
 * belongs to the commands that use it, and giving it to another command is
 * a usage error (exit 2).  docs/reference.md ("Commands", "Options") is the
 * user's contract.
 *
 * Parsing is pure: the result borrows from argv; options that set a
 * setting become configuration overrides (conf/config.h).
 */
#ifndef MIGRATE_CLI_H
#define MIGRATE_CLI_H

#include "conf/config.h"
#include "util/err.h"
#include "util/strbuf.h"

#define CLI_MAX_OVERRIDES 64
#define CLI_MAX_ARGS 64
#define CLI_MAX_DEPENDS_ON 8

enum cli_command {
	CLI_BOOTSTRAP,
	CLI_WAIT,
	CLI_CREATE,
	CLI_INIT,
	CLI_UPGRADE,
	CLI_DOWNGRADE,
	CLI_CURRENT,
	CLI_HISTORY,
	CLI_HEADS,
	CLI_BRANCHES,
	CLI_SHOW,
	CLI_STAMP,
	CLI_REVISION,
	CLI_MERGE,
	CLI_CHECK,
	CLI_VALIDATE,
	CLI_VERIFY,
	CLI_BASELINE,
	CLI_IMPORT_ALEMBIC,
	CLI_TEST,
	CLI_COMMAND_COUNT
};

/* The steps `--skip` names (bootstrap). */
enum cli_skip {
	CLI_SKIP_CREATE = 1u << 0,       /* "create": a missing database is an error */
	CLI_SKIP_INIT_SCRIPTS = 1u << 1, /* "init-scripts" */
	CLI_SKIP_UPGRADE = 1u << 2,      /* "upgrade" */
	CLI_SKIP_VERIFY = 1u << 3        /* "verify" */
};

struct cli {
	int has_command;               /* a command was named */
	enum cli_command command;      /* CLI_BOOTSTRAP when none was named */
	const char *args[CLI_MAX_ARGS]; /* the command's positional arguments */
	int nargs;
	char **exec_argv;  /* after "--", NULL-terminated (borrowed); NULL if nothing follows */
	const char *config_file;       /* --config */
	struct config_override overrides[CLI_MAX_OVERRIDES];
	size_t n_overrides;
	int help, version;
	/* bootstrap */
	unsigned skip;      /* enum cli_skip bits */
	int init_process;   /* --init: supervise the program as a child */
	int strict;         /* --strict: changed applied init files are errors */
	/* revision commands */
	int verbose;        /* -v: the verbose listing of current, history, heads, branches */
	int sql;            /* --sql: offline mode */
	int purge;          /* stamp --purge */
	int splice;         /* revision --splice */
	int autogenerate;   /* revision --autogenerate */
	int models;         /* revision --autogenerate --models */
	int concurrently;   /* revision --autogenerate --concurrently */
	const char *message;        /* -m */
	const char *rev_id;         /* --rev-id */
	const char *head;           /* --head */
	const char *branch_label;   /* --branch-label */
	const char *rev_range;      /* history -r */
	const char *write_manifest; /* verify --write-manifest */
	const char *schema_file;    /* check --schema, revision --schema, test --schema */
	const char *expect_heads;   /* test --expect-heads */
	const char *depends_on[CLI_MAX_DEPENDS_ON]; /* --depends-on (repeatable) */
	int n_depends_on;
	/* import-alembic */
	const char *out_dir;  /* --out (default: migrations.dir) */
	const char *python;   /* --python */
	const char *ini_name; /* --name: the ini file's section (default "alembic") */
	int check;            /* --check: compare, write nothing */
};

/* Parse argv[1..argc-1].  Usage errors are EXIT_USAGE with a hint: an
 * unknown option or command, a missing or unexpected value, an option the
 * command does not take (not checked when --help is given: help wins), an
 * unknown --skip step.  A command is not required here (migrate-entry runs
 * bootstrap without one; the caller decides). */
int cli_parse(int argc, char **argv, struct cli *cli, struct err *e);

/* The command's name ("upgrade"). */
const char *cli_command_name(enum cli_command c);

/* The help texts, appended to b: the general one (synopsis, commands,
 * global options, exit codes) and one command's (synopsis, summary, its
 * options, then the global ones). */
void cli_help(struct strbuf *b);
void cli_command_help(struct strbuf *b, enum cli_command c);

#endif
