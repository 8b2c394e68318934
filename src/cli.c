/*
 * cli.c — see cli.h.  One table of options, like curl's tool_getparam.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <string.h>

enum opt_kind {
	OPT_SETTING,   /* argument becomes a setting override */
	OPT_FIXED,     /* no argument; sets a setting to a fixed value */
	OPT_CONFIG,
	OPT_NO_INIT,
	OPT_NO_UPGRADE,
	OPT_NO_VERIFY,
	OPT_INIT_PROCESS,
	OPT_STRICT,
	OPT_HELP,
	OPT_VERSION
};

struct opt {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 if none */
	enum opt_kind kind;
	const char *setting; /* for OPT_SETTING / OPT_FIXED */
	const char *fixed;   /* for OPT_FIXED */
};

static const struct opt options[] = {
	{"config", 0, OPT_CONFIG, NULL, NULL},
	{"database-url", 0, OPT_SETTING, "database.url", NULL},
	{"wait-timeout", 0, OPT_SETTING, "wait.timeout", NULL},
	{"wait", 0, OPT_SETTING, "wait.services", NULL},
	{"lock-timeout", 0, OPT_SETTING, "lock.timeout", NULL},
	{"init-dir", 0, OPT_SETTING, "init.dir", NULL},
	{"migrations-dir", 0, OPT_SETTING, "migrations.dir", NULL},
	{"min-tables", 0, OPT_SETTING, "verify.min_tables", NULL},
	{"log-format", 0, OPT_SETTING, "log.format", NULL},
	{"log-level", 0, OPT_SETTING, "log.level", NULL},
	{"no-create", 0, OPT_FIXED, "database.create", "false"},
	{"quiet", 'q', OPT_FIXED, "log.level", "warn"},
	{"verbose", 'v', OPT_FIXED, "log.level", "debug"},
	{"no-init", 0, OPT_NO_INIT, NULL, NULL},
	{"no-upgrade", 0, OPT_NO_UPGRADE, NULL, NULL},
	{"no-verify", 0, OPT_NO_VERIFY, NULL, NULL},
	{"init", 0, OPT_INIT_PROCESS, NULL, NULL},
	{"strict", 0, OPT_STRICT, NULL, NULL},
	{"help", 'h', OPT_HELP, NULL, NULL},
	{"version", 'V', OPT_VERSION, NULL, NULL},
};

static const size_t n_options = sizeof options / sizeof options[0];

const char *cli_options_help(void)
{
	return "Options:\n"
	       "  --config PATH          configuration file (default: $MIGRATE_CONFIG, ./migrate.ini)\n"
	       "  --database-url URL     target database (default: $DATABASE_URL, libpq's PG* variables)\n"
	       "  --wait-timeout DUR     how long to wait for PostgreSQL and services (default 60s)\n"
	       "  --wait URL             also wait for tcp://host:port, http(s)://…, unix:///path (repeatable)\n"
	       "  --lock-timeout DUR     how long to wait for the migration lock (default 15m)\n"
	       "  --init-dir DIR         init scripts root (default sql/init)\n"
	       "  --migrations-dir DIR   revision files (default migrations)\n"
	       "  --min-tables N         verify: at least N tables must exist\n"
	       "  --no-create            do not create the database if it is missing\n"
	       "  --no-init              skip the init scripts\n"
	       "  --no-upgrade           skip applying revisions\n"
	       "  --no-verify            skip verification\n"
	       "  --init                 run PROGRAM as a supervised child (signals forwarded, zombies reaped)\n"
	       "  --strict               an init script changed after it was applied is an error\n"
	       "  --log-format FMT       text or json\n"
	       "  -q, --quiet            warnings and errors only\n"
	       "  -v, --verbose          debug output\n"
	       "  -h, --help             this help\n"
	       "  -V, --version          print the version\n";
}

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

static int takes_argument(const struct opt *o)
{
	return o->kind == OPT_SETTING || o->kind == OPT_CONFIG;
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

static int apply(struct cli *cli, const struct opt *o, const char *value, const char *flag,
		 struct err *e)
{
	switch (o->kind) {
	case OPT_SETTING:
		return add_override(cli, o->setting, value, flag, e);
	case OPT_FIXED:
		return add_override(cli, o->setting, o->fixed, flag, e);
	case OPT_CONFIG:
		cli->config_file = value;
		return 0;
	case OPT_NO_INIT:
		cli->no_init = 1;
		return 0;
	case OPT_NO_UPGRADE:
		cli->no_upgrade = 1;
		return 0;
	case OPT_NO_VERIFY:
		cli->no_verify = 1;
		return 0;
	case OPT_INIT_PROCESS:
		cli->init_process = 1;
		return 0;
	case OPT_STRICT:
		cli->strict = 1;
		return 0;
	case OPT_HELP:
		cli->help = 1;
		return 0;
	case OPT_VERSION:
		cli->version = 1;
		return 0;
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct cli *cli, struct err *e)
{
	memset(cli, 0, sizeof *cli);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			cli->exec_argv = &argv[i + 1];
			if (!argv[i + 1])
				cli->exec_argv = NULL;
			return 0;
		}
		if (a[0] == '-' && a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct opt *o = find_long(name, len);
			const char *value = NULL;
			if (!o)
				return err_set(e, EXIT_USAGE, "unknown option \"--%.*s\"", (int)len, name);
			if (takes_argument(o)) {
				if (eq)
					value = eq + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else
					return err_set(e, EXIT_USAGE, "option \"--%s\" needs a value", o->name);
			} else if (eq) {
				return err_set(e, EXIT_USAGE, "option \"--%s\" takes no value", o->name);
			}
			if (apply(cli, o, value, o->name, e) < 0)
				return -1;
		} else if (a[0] == '-' && a[1] != '\0') {
			/* -qv, -m MSG, -mMSG */
			for (const char *c = a + 1; *c; c++) {
				const struct opt *o = find_short(*c);
				const char *value = NULL;
				if (!o)
					return err_set(e, EXIT_USAGE, "unknown option \"-%c\"", *c);
				if (takes_argument(o)) {
					if (c[1])
						value = c + 1;
					else if (i + 1 < argc)
						value = argv[++i];
					else
						return err_set(e, EXIT_USAGE, "option \"-%c\" needs a value", *c);
					if (apply(cli, o, value, o->name, e) < 0)
						return -1;
					break;
				}
				if (apply(cli, o, NULL, o->name, e) < 0)
					return -1;
			}
		} else if (!cli->command) {
			cli->command = a;
		} else {
			if (cli->nargs >= CLI_MAX_ARGS)
				return err_set(e, EXIT_USAGE, "too many arguments");
			cli->args[cli->nargs++] = a;
		}
	}
	return 0;
}
