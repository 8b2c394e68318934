/* Unit tests: command-line parsing. */
#include "tap.h"

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
	CHECK(cli.command == NULL);
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
	const char *argv[] = {"migrate", "-v", "bootstrap", "--no-init", "--database-url=postgresql://h/d",
			"--wait", "tcp://a:1", "--wait", "tcp://b:2", "--no-create", NULL};
	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_STR(cli.command, "bootstrap");
	CHECK_INT(cli.nargs, 0);
	CHECK_INT(cli.no_init, 1);
	CHECK_INT(cli.no_upgrade, 0);
	CHECK(cli.exec_argv == NULL);
	CHECK_INT(cli.n_overrides, 5);
	CHECK_STR(cli.overrides[1].name, "database.url");
	CHECK_STR(cli.overrides[1].value, "postgresql://h/d");
	CHECK_STR(cli.overrides[3].value, "tcp://b:2");
	CHECK_STR(cli.overrides[4].name, "database.create");
	CHECK_STR(cli.overrides[4].value, "false");
}

static void test_positional_arguments(void)
{
	struct cli cli;
	struct err e;
	const char *argv[] = {"migrate", "wait", "extra", NULL};
	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_STR(cli.command, "wait");
	CHECK_INT(cli.nargs, 1);
	CHECK_STR(cli.args[0], "extra");
}

static void test_relative_targets_are_arguments(void)
{
	struct cli cli;
	struct err e;
	const char *argv[] = {"migrate", "downgrade", "-1", "--sql", NULL};
	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_STR(cli.command, "downgrade");
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
	const char *a3[] = {"migrate", "--no-init=yes", NULL};
	CHECK_INT(parse(&cli, &e, a3), -1);
	CHECK_STR(e.msg, "option \"--no-init\" takes no value");
	const char *a4[] = {"migrate", "-x", NULL};
	CHECK_INT(parse(&cli, &e, a4), -1);
	CHECK_STR(e.msg, "unknown option \"-x\"");
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

int main(void)
{
	RUN(test_entry_form);
	RUN(test_command_with_interleaved_options);
	RUN(test_positional_arguments);
	RUN(test_relative_targets_are_arguments);
	RUN(test_usage_errors);
	RUN(test_flags);
	return tap_done();
}
