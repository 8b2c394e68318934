/*
 * cli.c — see cli.h.  One table of options, like curl's tool_getparam.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "conf/cli.h"

#include <stddef.h>
#include <string.h>

enum opt_kind {
	OPT_SETTING,   /* argument becomes a setting override */
	OPT_FIXED,     /* no argument; sets a setting to a fixed value */
	OPT_CONFIG,
	OPT_FLAG,      /* no argument; sets the int at offset */
	OPT_STRING,    /* argument stored at offset */
	OPT_DEPENDS_ON /* repeatable */
};

struct opt {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 if none */
	enum opt_kind kind;
	const char *setting; /* for OPT_SETTING / OPT_FIXED */
	const char *fixed;   /* for OPT_FIXED */
	size_t offset;       /* for OPT_FLAG / OPT_STRING: field of struct cli */
};

#define FLAG(name, s, field) {name, s, OPT_FLAG, NULL, NULL, offsetof(struct cli, field)}
#define STRING(name, s, field) {name, s, OPT_STRING, NULL, NULL, offsetof(struct cli, field)}

static const struct opt options[] = {
	{"config", 0, OPT_CONFIG, NULL, NULL, 0},
	{"database-url", 0, OPT_SETTING, "database.url", NULL, 0},
	{"wait-timeout", 0, OPT_SETTING, "wait.timeout", NULL, 0},
	{"wait", 0, OPT_SETTING, "wait.services", NULL, 0},
	{"lock-timeout", 0, OPT_SETTING, "lock.timeout", NULL, 0},
	{"init-dir", 0, OPT_SETTING, "init.dir", NULL, 0},
	{"migrations-dir", 0, OPT_SETTING, "migrations.dir", NULL, 0},
	{"min-tables", 0, OPT_SETTING, "verify.min_tables", NULL, 0},
	{"log-format", 0, OPT_SETTING, "log.format", NULL, 0},
	{"log-level", 0, OPT_SETTING, "log.level", NULL, 0},
	{"no-create", 0, OPT_FIXED, "database.create", "false", 0},
	{"quiet", 'q', OPT_FIXED, "log.level", "warn", 0},
	{"verbose", 'v', OPT_FIXED, "log.level", "debug", 0},
	FLAG("no-init", 0, no_init),
	FLAG("no-upgrade", 0, no_upgrade),
	FLAG("no-verify", 0, no_verify),
	FLAG("init", 0, init_process),
	FLAG("strict", 0, strict),
	FLAG("help", 'h', help),
	FLAG("version", 'V', version),
	FLAG("sql", 0, sql),
	FLAG("purge", 0, purge),
	FLAG("splice", 0, splice),
	STRING("message", 'm', message),
	STRING("rev-id", 0, rev_id),
	STRING("head", 0, head),
	STRING("branch-label", 0, branch_label),
	STRING("rev-range", 'r', rev_range),
	STRING("write-manifest", 0, write_manifest),
	{"depends-on", 0, OPT_DEPENDS_ON, NULL, NULL, 0},
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
	       "  --sql                  upgrade/downgrade: print the SQL instead of running it\n"
	       "  -m, --message MSG      revision/merge: the message\n"
	       "  --rev-id ID            revision/merge: use ID instead of a random one\n"
	       "  --head REV             revision: base the new revision on REV (default: the head)\n"
	       "  --splice               revision: allow --head to name a non-head (a new branch)\n"
	       "  --branch-label LABEL   revision: label the new revision's branch\n"
	       "  --depends-on REV       revision: depend on REV (repeatable)\n"
	       "  --purge                stamp: empty the version table first\n"
	       "  -r, --rev-range A:B    history: only revisions from A to B\n"
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
	return o->kind == OPT_SETTING || o->kind == OPT_CONFIG || o->kind == OPT_STRING ||
	       o->kind == OPT_DEPENDS_ON;
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
		if (o->short_name == 'v')
			cli->verbose = 1;
		return add_override(cli, o->setting, o->fixed, flag, e);
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
		if (cli->n_depends_on >= 8)
			return err_set(e, EXIT_USAGE, "too many --depends-on");
		cli->depends_on[cli->n_depends_on++] = value;
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
		} else if (a[0] == '-' && a[1] != '\0' && !(a[1] >= '0' && a[1] <= '9')) {
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
