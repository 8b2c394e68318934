/*
 * cli.c — see cli.h.  A table of commands and a table of options, like
 * curl's tool_getparam.c; parsing and help both read them.
 */
#define _POSIX_C_SOURCE 200809L
#include "conf/cli.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

/* ---- commands ------------------------------------------------------------ */

struct command_info {
	const char *name;
	const char *synopsis; /* what follows the name in usage lines */
	const char *summary;
	int max_args;
	int runs_program; /* may be followed by `-- PROGRAM…` */
};

static const struct command_info commands[CLI_COMMAND_COUNT] = {
	[CLI_BOOTSTRAP] = {"bootstrap", "[-- PROGRAM [ARGS...]]",
			   "wait, create, lock, init, upgrade, verify (then exec PROGRAM)", 0, 1},
	[CLI_WAIT] = {"wait", "", "wait until PostgreSQL (and wait.services) are ready", 0, 0},
	[CLI_CREATE] = {"create", "", "wait, then create the database if it is missing", 0, 0},
	[CLI_INIT] = {"init", "", "run the init scripts that have not run yet", 0, 0},
	[CLI_UPGRADE] = {"upgrade", "[TARGET]", "apply revisions up to TARGET (default head)", 1, 0},
	[CLI_DOWNGRADE] = {"downgrade", "TARGET", "revert revisions down to TARGET (-1, base, REV)", 1,
			   0},
	[CLI_CURRENT] = {"current", "", "show the database's revision(s)", 0, 0},
	[CLI_HISTORY] = {"history", "", "list revisions, newest first", 0, 0},
	[CLI_HEADS] = {"heads", "", "show the head revisions", 0, 0},
	[CLI_BRANCHES] = {"branches", "", "show the branch points", 0, 0},
	[CLI_SHOW] = {"show", "REV", "show one revision", 1, 0},
	[CLI_STAMP] = {"stamp", "TARGET", "set the version table without running anything", 1, 0},
	[CLI_REVISION] = {"revision", "-m MSG", "create a new revision file", 0, 0},
	[CLI_MERGE] = {"merge", "-m MSG [REV...]", "create a revision merging heads (default: all)",
		       CLI_MAX_ARGS, 0},
	[CLI_CHECK] = {"check", "", "exit 1 and list them if revisions are pending", 0, 0},
	[CLI_VALIDATE] = {"validate", "", "check revision files and the graph (no database)", 0, 0},
	[CLI_VERIFY] = {"verify", "", "check the baseline tables (verify.*)", 0, 0},
	[CLI_BASELINE] = {"baseline", "[REV]", "record init scripts as applied and stamp REV", 1, 0},
	[CLI_TEST] = {"test", "",
		      "on a scratch database: every revision up, down and up again, then down to base",
		      0, 0},
	[CLI_IMPORT_ALEMBIC] = {"import-alembic", "[ALEMBIC_INI]",
				"convert an Alembic project into revision files (needs Alembic)", 1,
				0},
};

const char *cli_command_name(enum cli_command c) { return commands[c].name; }

/* ---- options ------------------------------------------------------------- */

enum opt_kind {
	OPT_SETTING,    /* argument becomes a setting override */
	OPT_FIXED,      /* no argument; sets a setting to a fixed value */
	OPT_CONFIG,     /* --config */
	OPT_FLAG,       /* no argument; sets the int at offset */
	OPT_STRING,     /* argument stored at offset */
	OPT_DEPENDS_ON, /* repeatable */
	OPT_SKIP        /* --skip STEPS */
};

struct opt {
	const char *name;    /* long name without "--" */
	char short_name;     /* 0 if none */
	enum opt_kind kind;
	const char *arg;     /* the argument in help ("DUR"); NULL: takes none */
	const char *setting; /* OPT_SETTING / OPT_FIXED */
	const char *fixed;   /* OPT_FIXED */
	size_t offset;       /* OPT_FLAG / OPT_STRING: field of struct cli */
	unsigned commands;   /* bit (1 << enum cli_command) per command taking it */
	const char *help;
};

#define CMD(c) (1u << CLI_##c)
#define GLOBAL ((1u << CLI_COMMAND_COUNT) - 1)
/* Commands that connect to the database (and so wait for it). */
#define CONNECTING                                                                       \
	(CMD(BOOTSTRAP) | CMD(WAIT) | CMD(CREATE) | CMD(INIT) | CMD(VERIFY) | CMD(UPGRADE) | \
	 CMD(DOWNGRADE) | CMD(CURRENT) | CMD(STAMP) | CMD(CHECK) | CMD(BASELINE) | CMD(TEST))
/* Commands that take the migration lock. */
#define LOCKING \
	(CMD(BOOTSTRAP) | CMD(INIT) | CMD(UPGRADE) | CMD(DOWNGRADE) | CMD(STAMP) | CMD(BASELINE))
/* Commands that read the migrations directory. */
#define REVISIONS                                                                            \
	(CMD(BOOTSTRAP) | CMD(UPGRADE) | CMD(DOWNGRADE) | CMD(CURRENT) | CMD(HISTORY) |       \
	 CMD(HEADS) | CMD(BRANCHES) | CMD(SHOW) | CMD(STAMP) | CMD(REVISION) | CMD(MERGE) |   \
	 CMD(CHECK) | CMD(VALIDATE) | CMD(BASELINE) | CMD(TEST))

#define SETTING(n, s, a, set, cmds, h) {n, s, OPT_SETTING, a, set, NULL, 0, cmds, h}
#define FLAG(n, s, field, cmds, h) \
	{n, s, OPT_FLAG, NULL, NULL, NULL, offsetof(struct cli, field), cmds, h}
#define STRING(n, s, a, field, cmds, h) \
	{n, s, OPT_STRING, a, NULL, NULL, offsetof(struct cli, field), cmds, h}

static const struct opt options[] = {
	/* global */
	{"config", 0, OPT_CONFIG, "PATH", NULL, NULL, 0, GLOBAL,
	 "configuration file (default: $MIGRATE_CONFIG, ./migrate.ini)"},
	SETTING("database-url", 0, "URL", "database.url", GLOBAL,
		"target database (default: $DATABASE_URL, libpq's PG* variables); "
		"a password is safer in DATABASE_URL_FILE"),
	SETTING("log-format", 0, "FMT", "log.format", GLOBAL, "logs as text or json"),
	SETTING("log-level", 0, "LEVEL", "log.level", GLOBAL, "error, warn, info (default) or debug"),
	{"quiet", 'q', OPT_FIXED, NULL, "log.level", "warn", 0, GLOBAL, "warnings and errors only"},
	FLAG("help", 'h', help, GLOBAL, "this help (with a command: the command's)"),
	FLAG("version", 'V', version, GLOBAL, "print the version"),
	/* waiting, locking, where things are */
	SETTING("wait-timeout", 0, "DUR", "wait.timeout", CONNECTING,
		"how long to wait for PostgreSQL (and services) (default 60s)"),
	SETTING("wait", 0, "URL", "wait.services", CMD(BOOTSTRAP) | CMD(WAIT) | CMD(CREATE),
		"also wait for tcp://host:port, http(s)://..., unix:///path (repeatable)"),
	SETTING("lock-wait", 0, "DUR", "lock.timeout", LOCKING,
		"how long to wait for the migration lock (default 15m)"),
	SETTING("init-dir", 0, "DIR", "init.dir", CMD(BOOTSTRAP) | CMD(INIT) | CMD(BASELINE) | CMD(TEST),
		"init scripts root (default sql/init)"),
	SETTING("migrations-dir", 0, "DIR", "migrations.dir", REVISIONS,
		"revision files (default migrations)"),
	SETTING("min-tables", 0, "N", "verify.min_tables", CMD(BOOTSTRAP) | CMD(VERIFY),
		"verify: at least N tables must exist"),
	/* bootstrap */
	{"skip", 0, OPT_SKIP, "STEPS", NULL, NULL, 0, CMD(BOOTSTRAP),
	 "skip steps: create, init-scripts, upgrade, verify (comma-separated)"},
	FLAG("init", 0, init_process, CMD(BOOTSTRAP),
	     "run PROGRAM as a supervised child (signals forwarded, zombies reaped)"),
	FLAG("strict", 0, strict, CMD(BOOTSTRAP) | CMD(INIT),
	     "an init script changed after it was applied is an error"),
	{"template-cache", 0, OPT_FIXED, NULL, "database.template_cache", "true", 0,
	 CMD(BOOTSTRAP) | CMD(CREATE),
	 "create a missing database from this project's template at head (database.template_cache)"},
	/* revisions */
	FLAG("sql", 0, sql, CMD(UPGRADE) | CMD(DOWNGRADE), "print the SQL instead of running it"),
	FLAG("verbose", 'v', verbose, CMD(CURRENT) | CMD(HISTORY) | CMD(HEADS) | CMD(BRANCHES),
	     "the full entry of each revision"),
	STRING("rev-range", 'r', "A:B", rev_range, CMD(HISTORY), "only revisions from A to B"),
	FLAG("purge", 0, purge, CMD(STAMP), "empty the version table first"),
	STRING("message", 'm', "MSG", message, CMD(REVISION) | CMD(MERGE), "the revision's message"),
	STRING("rev-id", 0, "ID", rev_id, CMD(REVISION) | CMD(MERGE),
	       "use ID instead of a random one"),
	STRING("branch-label", 0, "LABEL", branch_label, CMD(REVISION) | CMD(MERGE),
	       "label the new revision's branch"),
	STRING("head", 0, "REV", head, CMD(REVISION),
	       "base the new revision on REV (default: the head)"),
	FLAG("splice", 0, splice, CMD(REVISION), "allow --head to name a non-head (a new branch)"),
	{"depends-on", 0, OPT_DEPENDS_ON, "REV", NULL, NULL, 0, CMD(REVISION),
	 "depend on REV (repeatable)"},
	STRING("schema", 0, "FILE", schema_file, CMD(CHECK) | CMD(REVISION) | CMD(TEST),
	       "check: compare the database with the schema FILE makes (exit 1 when they "
	       "differ); revision --autogenerate: the schema to reach; test: the schema at head"),
	FLAG("autogenerate", 0, autogenerate, CMD(REVISION),
	     "write the DDL from the database at head to the --schema FILE's schema (or the "
	     "models of alembic.ini), and back"),
	FLAG("concurrently", 0, concurrently, CMD(REVISION),
	     "--autogenerate: build and drop indexes on existing tables CONCURRENTLY "
	     "(a transaction:false section)"),
	FLAG("models", 0, models, CMD(REVISION) | CMD(CHECK) | CMD(TEST),
	     "the SQLAlchemy models env.py of ./alembic.ini gives Alembic: revision "
	     "--autogenerate from them; check, test: compare the database (at head) with them"),
	STRING("expect-heads", 0, "REV,REV", expect_heads, CMD(TEST),
	       "the heads the revisions must have (default: a single one)"),
	STRING("write-manifest", 0, "FILE", write_manifest, CMD(VERIFY),
	       "write the tables of verify.schema to FILE instead of checking"),
	/* import-alembic */
	STRING("out", 0, "DIR", out_dir, CMD(IMPORT_ALEMBIC),
	       "where to write the revision files (default: migrations.dir)"),
	FLAG("check", 0, check, CMD(IMPORT_ALEMBIC),
	     "compare DIR with what the import would write; write nothing"),
	STRING("python", 0, "PATH", python,
	       CMD(IMPORT_ALEMBIC) | CMD(REVISION) | CMD(CHECK) | CMD(TEST),
	       "the Python that imports Alembic (default: $MIGRATE_PYTHON, the alembic command's)"),
	STRING("name", 'n', "SECTION", ini_name,
	       CMD(IMPORT_ALEMBIC) | CMD(REVISION) | CMD(CHECK) | CMD(TEST),
	       "the ini file's section, as alembic -n (default alembic)"),
};

static const size_t n_options = sizeof options / sizeof options[0];

/* Options that were renamed or replaced: named in the error's hint. */
static const struct {
	const char *name, *instead;
} replaced[] = {
	{"no-create", "--skip create"},   {"no-init", "--skip init-scripts"},
	{"no-upgrade", "--skip upgrade"}, {"no-verify", "--skip verify"},
	{"lock-timeout", "--lock-wait"},
};

static const char *const skip_steps[] = {"create", "init-scripts", "upgrade", "verify"};

static const struct opt *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < n_options; i++)
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

static const struct opt *find_short(char c)
{
	for (size_t i = 0; i < n_options; i++)
		if (options[i].short_name == c)
			return &options[i];
	return NULL;
}

static int unknown_long(const char *name, size_t len, struct err *e)
{
	err_set(e, EXIT_USAGE, "unknown option \"--%.*s\"", (int)len, name);
	for (size_t i = 0; i < sizeof replaced / sizeof replaced[0]; i++)
		if (strlen(replaced[i].name) == len && strncmp(replaced[i].name, name, len) == 0)
			return err_hint(e, "use %s", replaced[i].instead);
	return err_hint(e, "see '%s --help'", log_program());
}

static int add_override(struct cli *cli, const char *setting, const char *value, const char *flag,
			struct err *e)
{
	if (cli->n_overrides >= CLI_MAX_OVERRIDES)
		return err_set(e, EXIT_USAGE, "too many options");
	cli->overrides[cli->n_overrides].name = setting;
	cli->overrides[cli->n_overrides].value = value;
	cli->overrides[cli->n_overrides].flag = flag;
	cli->n_overrides++;
	return 0;
}

/* --skip create,init-scripts,upgrade,verify */
static int apply_skip(struct cli *cli, const char *value, struct err *e)
{
	const char *p = value;
	for (;;) {
		size_t len = strcspn(p, ","), k;
		for (k = 0; k < sizeof skip_steps / sizeof skip_steps[0]; k++)
			if (strlen(skip_steps[k]) == len && strncmp(skip_steps[k], p, len) == 0)
				break;
		if (k == sizeof skip_steps / sizeof skip_steps[0]) {
			err_set(e, EXIT_USAGE, "unknown step \"%.*s\" for --skip", (int)len, p);
			return err_hint(e, "the steps are create, init-scripts, upgrade and verify");
		}
		cli->skip |= 1u << k;
		if (k == 0 && add_override(cli, "database.create", "false", "--skip create", e) < 0)
			return -1;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

static int apply(struct cli *cli, const struct opt *o, const char *value, struct err *e)
{
	switch (o->kind) {
	case OPT_SETTING:
		return add_override(cli, o->setting, value, o->name, e);
	case OPT_FIXED:
		return add_override(cli, o->setting, o->fixed, o->name, e);
	case OPT_CONFIG:
		cli->config_file = value;
		return 0;
	case OPT_FLAG:
		*(int *)((char *)cli + o->offset) = 1;
		return 0;
	case OPT_STRING:
		*(const char **)((char *)cli + o->offset) = value;
		return 0;
	case OPT_DEPENDS_ON:
		if (cli->n_depends_on >= CLI_MAX_DEPENDS_ON)
			return err_set(e, EXIT_USAGE, "too many --depends-on");
		cli->depends_on[cli->n_depends_on++] = value;
		return 0;
	case OPT_SKIP:
		return apply_skip(cli, value, e);
	}
	return 0;
}

/* The options given, to check against the command once it is known. */
struct given {
	const struct opt *opt[CLI_MAX_OVERRIDES];
	char shown[CLI_MAX_OVERRIDES][3]; /* "-v" for a short option, "" for a long one */
	size_t n;
};

static int note_given(struct given *g, const struct opt *o, char short_name, struct err *e)
{
	if (g->n >= CLI_MAX_OVERRIDES)
		return err_set(e, EXIT_USAGE, "too many options");
	g->opt[g->n] = o;
	g->shown[g->n][0] = short_name ? '-' : '\0';
	g->shown[g->n][1] = short_name;
	g->shown[g->n][2] = '\0';
	g->n++;
	return 0;
}

static int set_command(struct cli *cli, const char *name, struct err *e)
{
	for (int c = 0; c < CLI_COMMAND_COUNT; c++)
		if (strcmp(commands[c].name, name) == 0) {
			cli->has_command = 1;
			cli->command = (enum cli_command)c;
			return 0;
		}
	err_set(e, EXIT_USAGE, "unknown command \"%s\"", name);
	return err_hint(e, "see '%s --help'; to run a program after bootstrap, put it after \"--\": "
			   "migrate-entry -- %s ...",
			log_program(), name);
}

/* Every option given must belong to the command; so must the arguments. */
static int check_command(const struct cli *cli, const struct given *g, struct err *e)
{
	const char *name = commands[cli->command].name;
	for (size_t i = 0; i < g->n; i++) {
		if (g->opt[i]->commands & (1u << cli->command))
			continue;
		if (g->shown[i][0])
			err_set(e, EXIT_USAGE, "option \"%s\" does not apply to \"%s\"", g->shown[i], name);
		else
			err_set(e, EXIT_USAGE, "option \"--%s\" does not apply to \"%s\"", g->opt[i]->name,
				name);
		if (strcmp(g->opt[i]->name, "verbose") == 0)
			return err_hint(e, "-v is the verbose listing of current, history, heads and "
					   "branches; for debug logs use --log-level debug");
		return err_hint(e, "see '%s %s --help'", log_program(), name);
	}
	if (cli->exec_argv && !commands[cli->command].runs_program)
		return err_set(e, EXIT_USAGE, "\"%s\" does not run a program after \"--\"", name);
	if (cli->nargs > commands[cli->command].max_args) {
		err_set(e, EXIT_USAGE, "\"%s\" takes no argument \"%s\"", name,
			cli->args[commands[cli->command].max_args]);
		return err_hint(e, "see '%s %s --help'", log_program(), name);
	}
	return 0;
}

/* One option starting at argv[*i] ("--name[=v]" or a group "-abc"). */
static int parse_option(int argc, char **argv, int *i, struct cli *cli, struct given *g,
			struct err *e)
{
	const char *a = argv[*i];
	if (a[1] == '-') {
		const char *name = a + 2, *eq = strchr(name, '='), *value = NULL;
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct opt *o = find_long(name, len);
		if (!o)
			return unknown_long(name, len, e);
		if (o->arg) {
			if (eq)
				value = eq + 1;
			else if (*i + 1 < argc)
				value = argv[++*i];
			else
				return err_set(e, EXIT_USAGE, "option \"--%s\" needs a value", o->name);
		} else if (eq) {
			return err_set(e, EXIT_USAGE, "option \"--%s\" takes no value", o->name);
		}
		return note_given(g, o, 0, e) < 0 ? -1 : apply(cli, o, value, e);
	}
	/* -qv, -m MSG, -mMSG */
	for (const char *c = a + 1; *c; c++) {
		const struct opt *o = find_short(*c);
		const char *value = NULL;
		if (!o) {
			err_set(e, EXIT_USAGE, "unknown option \"-%c\"", *c);
			return err_hint(e, "see '%s --help'", log_program());
		}
		if (note_given(g, o, *c, e) < 0)
			return -1;
		if (!o->arg) {
			if (apply(cli, o, NULL, e) < 0)
				return -1;
			continue;
		}
		if (c[1])
			value = c + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else
			return err_set(e, EXIT_USAGE, "option \"-%c\" needs a value", *c);
		return apply(cli, o, value, e);
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct cli *cli, struct err *e)
{
	struct given g = {0};
	memset(cli, 0, sizeof *cli);
	cli->command = CLI_BOOTSTRAP;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			cli->exec_argv = argv[i + 1] ? &argv[i + 1] : NULL;
			break;
		}
		/* "-1" and "-2" are targets (downgrade -1), not options */
		if (a[0] == '-' && a[1] != '\0' && !(a[1] >= '0' && a[1] <= '9')) {
			if (parse_option(argc, argv, &i, cli, &g, e) < 0)
				return -1;
		} else if (!cli->has_command) {
			if (set_command(cli, a, e) < 0)
				return -1;
		} else {
			if (cli->nargs >= CLI_MAX_ARGS)
				return err_set(e, EXIT_USAGE, "too many arguments");
			cli->args[cli->nargs++] = a;
		}
	}
	if (cli->help || cli->version)
		return 0;
	return check_command(cli, &g, e);
}

/* ---- help ---------------------------------------------------------------- */

static void option_line(struct strbuf *b, const struct opt *o)
{
	char left[64];
	if (o->short_name)
		snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	else
		snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	strbuf_printf(b, "  %-24s %s\n", left, o->help);
}

static void global_options(struct strbuf *b)
{
	strbuf_puts(b, "Global options:\n");
	for (size_t i = 0; i < n_options; i++)
		if (options[i].commands == GLOBAL)
			option_line(b, &options[i]);
}

void cli_help(struct strbuf *b)
{
	strbuf_puts(b, "usage: migrate-entry [OPTIONS] [-- PROGRAM [ARGS...]]\n"
		       "       migrate COMMAND [OPTIONS] [ARGS...]\n"
		       "\n"
		       "As the container entrypoint (migrate-entry with no command): wait for "
		       "PostgreSQL,\n"
		       "create the database if missing, take the migration lock, run init scripts "
		       "and\n"
		       "migrations, verify, then exec PROGRAM in place.\n"
		       "\n"
		       "Commands:\n");
	for (int c = 0; c < CLI_COMMAND_COUNT; c++) {
		char left[64];
		snprintf(left, sizeof left, "%s%s%s", commands[c].name, commands[c].synopsis[0] ? " " : "",
			 commands[c].synopsis);
		strbuf_printf(b, "  %-34s %s\n", left, commands[c].summary);
	}
	strbuf_puts(b, "\n");
	global_options(b);
	strbuf_puts(b, "\nRun 'migrate COMMAND --help' for the options of a command.\n"
		       "\nExit codes: 0 ok, 1 error, 2 usage, 3 configuration, 4 timed out waiting,\n"
		       "5 authentication/permission, 6 SQL error, 7 verification failed, 8 lock "
		       "timeout,\n"
		       "9 revision graph, 126/127 program not executable/not found, 128+N signal N.\n");
}

void cli_command_help(struct strbuf *b, enum cli_command c)
{
	int any = 0;
	strbuf_printf(b, "usage: migrate %s [OPTIONS]%s%s\n\n%c%s.\n", commands[c].name,
		      commands[c].synopsis[0] ? " " : "", commands[c].synopsis,
		      toupper((unsigned char)commands[c].summary[0]), commands[c].summary + 1);
	for (size_t i = 0; i < n_options; i++) {
		if (options[i].commands == GLOBAL || !(options[i].commands & (1u << c)))
			continue;
		if (!any++)
			strbuf_puts(b, "\nOptions:\n");
		option_line(b, &options[i]);
	}
	strbuf_puts(b, "\n");
	global_options(b);
}
