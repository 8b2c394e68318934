/* Unit tests: command-line parsing, options that belong to commands, and
 * help generated from the same tables (docs/reference.md, "Options"). */
#include "tap.h"

#include <stdlib.h>

#include "conf/cli.h"

/* argv as string literals: cli_parse never writes through it. */
static int parse(struct cli *cli, struct err *e, const char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	err_clear(e);
	return cli_parse(argc, (char **)argv, cli, e);
}

static void test_entry_form(void)
{
	struct cli cli;
	struct err e;
	const char *argv[] = {"migrate-entry", "--wait-timeout", "30s", "-q", "--", "python", "main.py",
			"--port", "80", NULL};
	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.has_command, 0);
	CHECK_INT(cli.command, CLI_BOOTSTRAP); /* no command: bootstrap */
	CHECK_STR(cli.exec_argv[0], "python");
	CHECK_STR(cli.exec_argv[1], "main.py");
	CHECK_STR(cli.exec_argv[2], "--port"); /* options after -- belong to the program */
	CHECK(cli.exec_argv[4] == NULL);
	CHECK_INT(cli.n_overrides, 2);
	CHECK_STR(cli.overrides[0].name, "wait.timeout");
	CHECK_STR(cli.overrides[0].value, "30s");
	CHECK_STR(cli.overrides[1].name, "log.level");
	CHECK_STR(cli.overrides[1].value, "warn");
}

static void test_command_with_interleaved_options(void)
{
	struct cli cli;
	struct err e;
	const char *argv[] = {"migrate", "--log-level", "debug", "bootstrap", "--skip", "init-scripts",
			"--database-url=postgresql://h/d", "--wait", "tcp://a:1", "--wait", "tcp://b:2",
			"--skip=create,verify", NULL};
	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.has_command, 1);
	CHECK_INT(cli.command, CLI_BOOTSTRAP);
	CHECK_INT(cli.nargs, 0);
	CHECK_INT(cli.skip, CLI_SKIP_INIT_SCRIPTS | CLI_SKIP_CREATE | CLI_SKIP_VERIFY);
	CHECK(cli.exec_argv == NULL);
	CHECK_INT(cli.n_overrides, 5);
	CHECK_STR(cli.overrides[0].name, "log.level");
	CHECK_STR(cli.overrides[1].name, "database.url");
	CHECK_STR(cli.overrides[1].value, "postgresql://h/d");
	CHECK_STR(cli.overrides[3].value, "tcp://b:2");
	/* --skip create is database.create = false, named as given */
	CHECK_STR(cli.overrides[4].name, "database.create");
	CHECK_STR(cli.overrides[4].value, "false");
	CHECK_STR(cli.overrides[4].flag, "--skip create");
}

static void test_positional_arguments(void)
{
	struct cli cli;
	struct err e;
	const char *ok[] = {"migrate", "merge", "-m", "m", "a1b2", "c3d4", NULL};
	CHECK_INT(parse(&cli, &e, ok), 0);
	CHECK_INT(cli.command, CLI_MERGE);
	CHECK_INT(cli.nargs, 2);
	CHECK_STR(cli.args[1], "c3d4");
	CHECK_STR(cli.message, "m");
	const char *extra[] = {"migrate", "wait", "extra", NULL};
	CHECK_INT(parse(&cli, &e, extra), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK_STR(e.msg, "\"wait\" takes no argument \"extra\"");
	const char *two[] = {"migrate", "upgrade", "head", "heads", NULL};
	CHECK_INT(parse(&cli, &e, two), -1);
	CHECK_STR(e.msg, "\"upgrade\" takes no argument \"heads\"");
	const char *prog[] = {"migrate", "upgrade", "--", "python", NULL};
	CHECK_INT(parse(&cli, &e, prog), -1);
	CHECK_STR(e.msg, "\"upgrade\" does not run a program after \"--\"");
}

static void test_relative_targets_are_arguments(void)
{
	struct cli cli;
	struct err e;
	const char *argv[] = {"migrate", "downgrade", "-1", "--sql", NULL};
	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.command, CLI_DOWNGRADE);
	CHECK_INT(cli.nargs, 1);
	CHECK_STR(cli.args[0], "-1");
	CHECK_INT(cli.sql, 1);
}

static void test_usage_errors(void)
{
	struct cli cli;
	struct err e;
	const char *a1[] = {"migrate", "--frobnicate", NULL};
	CHECK_INT(parse(&cli, &e, a1), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK_STR(e.msg, "unknown option \"--frobnicate\"");
	const char *a2[] = {"migrate", "--config", NULL};
	CHECK_INT(parse(&cli, &e, a2), -1);
	CHECK_STR(e.msg, "option \"--config\" needs a value");
	const char *a3[] = {"migrate", "init", "--strict=yes", NULL};
	CHECK_INT(parse(&cli, &e, a3), -1);
	CHECK_STR(e.msg, "option \"--strict\" takes no value");
	const char *a4[] = {"migrate", "-x", NULL};
	CHECK_INT(parse(&cli, &e, a4), -1);
	CHECK_STR(e.msg, "unknown option \"-x\"");
	const char *a5[] = {"migrate", "frobnicate", NULL};
	CHECK_INT(parse(&cli, &e, a5), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK_STR(e.msg, "unknown command \"frobnicate\"");
}

/* An option a command does not take is a usage error, as git and curl do. */
static void test_options_belong_to_commands(void)
{
	struct cli cli;
	struct err e;
	const char *a1[] = {"migrate", "validate", "--purge", "--sql", "--strict", NULL};
	CHECK_INT(parse(&cli, &e, a1), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK_STR(e.msg, "option \"--purge\" does not apply to \"validate\"");
	CHECK(strstr(e.hint, "validate --help") != NULL);
	/* before the command too */
	const char *a2[] = {"migrate", "--sql", "current", NULL};
	CHECK_INT(parse(&cli, &e, a2), -1);
	CHECK_STR(e.msg, "option \"--sql\" does not apply to \"current\"");
	const char *a3[] = {"migrate", "upgrade", "--sql", "head", NULL};
	CHECK_INT(parse(&cli, &e, a3), 0);
	/* migrate-entry with no command is bootstrap: its options only */
	const char *a4[] = {"migrate-entry", "--purge", "--", "true", NULL};
	CHECK_INT(parse(&cli, &e, a4), -1);
	CHECK_STR(e.msg, "option \"--purge\" does not apply to \"bootstrap\"");
	/* a short option is named as written */
	const char *a5[] = {"migrate", "upgrade", "-m", "x", NULL};
	CHECK_INT(parse(&cli, &e, a5), -1);
	CHECK_STR(e.msg, "option \"-m\" does not apply to \"upgrade\"");
	/* global options go anywhere */
	const char *a6[] = {"migrate", "history", "--config", "x.ini", "-q", "--log-format=json",
			    "--database-url", "postgresql:///d", "--log-level", "warn", NULL};
	CHECK_INT(parse(&cli, &e, a6), 0);
	CHECK_STR(cli.config_file, "x.ini");
	/* the migration lock's wait, for the commands that take the lock */
	const char *a7[] = {"migrate", "stamp", "head", "--lock-wait", "5s", NULL};
	CHECK_INT(parse(&cli, &e, a7), 0);
	CHECK_STR(cli.overrides[0].name, "lock.timeout");
	const char *a8[] = {"migrate", "current", "--lock-wait", "5s", NULL};
	CHECK_INT(parse(&cli, &e, a8), -1);
	CHECK_STR(e.msg, "option \"--lock-wait\" does not apply to \"current\"");
	/* --help wins over a misplaced option */
	const char *a9[] = {"migrate", "validate", "--purge", "--help", NULL};
	CHECK_INT(parse(&cli, &e, a9), 0);
	CHECK_INT(cli.help, 1);
}

/* -v has one meaning: the verbose listing. */
static void test_verbose_is_the_listing(void)
{
	struct cli cli;
	struct err e;
	static const char *const listing[] = {"current", "history", "heads", "branches"};
	for (size_t i = 0; i < 4; i++) {
		const char *argv[] = {"migrate", listing[i], "-v", NULL};
		CHECK_INT(parse(&cli, &e, argv), 0);
		CHECK_INT(cli.verbose, 1);
		CHECK_INT(cli.n_overrides, 0); /* not the log level */
	}
	const char *a1[] = {"migrate-entry", "-v", "--", "true", NULL};
	CHECK_INT(parse(&cli, &e, a1), -1);
	CHECK_STR(e.msg, "option \"-v\" does not apply to \"bootstrap\"");
	CHECK(strstr(e.hint, "--log-level debug") != NULL);
}

static void test_skip(void)
{
	struct cli cli;
	struct err e;
	const char *a1[] = {"migrate-entry", "--skip", "upgrade", "--skip", "verify", NULL};
	CHECK_INT(parse(&cli, &e, a1), 0);
	CHECK_INT(cli.skip, CLI_SKIP_UPGRADE | CLI_SKIP_VERIFY);
	CHECK_INT(cli.n_overrides, 0);
	const char *a2[] = {"migrate-entry", "--skip", "init", NULL};
	CHECK_INT(parse(&cli, &e, a2), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK_STR(e.msg, "unknown step \"init\" for --skip");
	CHECK_STR(e.hint, "the steps are create, init-scripts, upgrade and verify");
	const char *a3[] = {"migrate-entry", "--skip", "upgrade,", NULL};
	CHECK_INT(parse(&cli, &e, a3), -1);
	CHECK_STR(e.msg, "unknown step \"\" for --skip");
	const char *a4[] = {"migrate", "init", "--skip", "verify", NULL};
	CHECK_INT(parse(&cli, &e, a4), -1);
	CHECK_STR(e.msg, "option \"--skip\" does not apply to \"init\"");
}

/* The old names say what replaced them. */
static void test_replaced_options(void)
{
	static const char *const old[][2] = {
		{"--no-init", "use --skip init-scripts"},   {"--no-create", "use --skip create"},
		{"--no-upgrade", "use --skip upgrade"},     {"--no-verify", "use --skip verify"},
		{"--lock-timeout", "use --lock-wait"},
	};
	struct cli cli;
	struct err e;
	for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
		const char *argv[] = {"migrate-entry", old[i][0], "--", "true", NULL};
		CHECK_INT(parse(&cli, &e, argv), -1);
		CHECK_INT(e.code, EXIT_USAGE);
		CHECK_STR(e.hint, old[i][1]);
	}
}

static void test_flags(void)
{
	struct cli cli;
	struct err e;
	const char *argv[] = {"migrate-entry", "-hV", "--init", "--", NULL};
	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.help, 1);
	CHECK_INT(cli.version, 1);
	CHECK_INT(cli.init_process, 1);
	CHECK(cli.exec_argv == NULL); /* "--" with nothing after it */
}

/* Every option a command's help lists is one it accepts: the help and the
 * parser read the same table. */
static void test_help_lists_what_parses(void)
{
	static const char *const names[CLI_COMMAND_COUNT] = {
		"bootstrap", "wait", "create", "init", "upgrade", "downgrade", "current",
		"history", "heads", "branches", "show", "stamp", "revision", "merge",
		"check", "validate", "verify", "baseline", "import-alembic", "test"};
	for (int c = 0; c < CLI_COMMAND_COUNT; c++) {
		struct strbuf b = {0};
		char *text, *line;
		int options = 0;
		CHECK_STR(cli_command_name((enum cli_command)c), names[c]);
		cli_command_help(&b, (enum cli_command)c);
		text = strbuf_detach(&b);
		CHECK(text != NULL);
		if (!text)
			continue;
		for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			char opt[64], arg[64];
			const char *argv[5] = {"migrate", names[c], opt, arg, NULL};
			struct cli cli;
			struct err e;
			int n;
			if (strncmp(line, "  -", 3) != 0)
				continue;
			/* "  -m, --message MSG   help" or "  --sql   help" */
			n = sscanf(line + (line[3] == '-' ? 2 : 6), "%63s %63s", opt, arg);
			if (n < 1)
				continue;
			if (n < 2 || arg[0] < 'A' || arg[0] > 'Z')
				argv[3] = NULL; /* a flag: the next word is help text */
			else
				snprintf(arg, sizeof arg, "%s", strcmp(arg, "STEPS") == 0 ? "upgrade" : "1s");
			options++;
			if (parse(&cli, &e, argv) != 0)
				fprintf(stderr, "%s: listed but refused: %s (%s)\n", names[c], opt, e.msg);
			CHECK_INT(parse(&cli, &e, argv), 0);
		}
		CHECK(options >= 7); /* at least the global ones */
		free(text);
	}
	struct strbuf b = {0};
	char *text;
	cli_help(&b);
	text = strbuf_detach(&b);
	CHECK(text && strstr(text, "--log-level LEVEL") != NULL);
	CHECK(text && strstr(text, "baseline [REV]") != NULL);
	free(text);
}

int main(void)
{
	RUN(test_entry_form);
	RUN(test_command_with_interleaved_options);
	RUN(test_positional_arguments);
	RUN(test_relative_targets_are_arguments);
	RUN(test_usage_errors);
	RUN(test_options_belong_to_commands);
	RUN(test_verbose_is_the_listing);
	RUN(test_skip);
	RUN(test_replaced_options);
	RUN(test_flags);
	RUN(test_help_lists_what_parses);
	return tap_done();
}
