/* Unit tests: what the tool keeps to itself (docs/reference.md §7.7, §5.3): passwords
 * overwritten in argv, the program's environment. */
#define _POSIX_C_SOURCE 200809L
#include "tap.h"

#include <stdlib.h>

#include "entry/conceal.h"

extern char **environ;

/* argv's bytes of one value after conceal_argv, NULs shown as '|'. */
static char shown[512];

static const char *conceal_one(const char *setting, const char *value)
{
	static char arg[512];
	struct cli cli;
	size_t len = strlen(value);

	memset(&cli, 0, sizeof cli);
	memcpy(arg, value, len + 1);
	cli.overrides[0] = (struct config_override){setting, arg, "--flag"};
	cli.n_overrides = 1;
	conceal_argv(&cli);
	for (size_t i = 0; i < len; i++)
		shown[i] = arg[i] ? arg[i] : '|';
	shown[len] = '\0';
	return shown;
}

static void test_database_url(void)
{
	CHECK_STR(conceal_one("database.url", "postgresql://app:secret@db:5432/app"),
		  "postgresql://app:***@db:5432/app|||");
	CHECK_STR(conceal_one("database.url", "postgresql://app@db/app?password=secret&sslmode=require"),
		  "postgresql://app@db/app?password=***&sslmode=require|||");
	CHECK_STR(conceal_one("database.url", "host=db password='a b c' dbname=app"),
		  "host=db password=*** dbname=app||||");
	/* shorter than "***": as many stars, the length kept */
	CHECK_STR(conceal_one("database.url", "postgresql://app:pw@db/app"),
		  "postgresql://app:**@db/app");
	CHECK_STR(conceal_one("database.url", "postgresql://app:p@db/app?password=x"),
		  "postgresql://app:*******************");
	/* nothing to hide: untouched */
	CHECK_STR(conceal_one("database.url", "postgresql://app@db/app"), "postgresql://app@db/app");
	CHECK_STR(conceal_one("database.url", "host=db dbname=app"), "host=db dbname=app");
}

static void test_service_lists(void)
{
	CHECK_STR(conceal_one("wait.services", "http://u:secret@api/health"),
		  "http://u:***@api/health|||");
	CHECK_STR(conceal_one("wait.services", "tcp://redis:6379 http://u:secret@api/ https://v:xy@b/"),
		  "tcp://redis:6379 http://u:***@api/||| https://v:**@b/");
	CHECK_STR(conceal_one("wait.services", "tcp://redis:6379"), "tcp://redis:6379");
}

static void test_other_settings_untouched(void)
{
	CHECK_STR(conceal_one("log.format", "postgresql://app:secret@db/app"),
		  "postgresql://app:secret@db/app");
}

static const char *env_of(char **v, const char *name)
{
	size_t n = strlen(name);
	for (; *v; v++)
		if (strncmp(*v, name, n) == 0 && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

static void test_environment(void)
{
	struct err e = {0};
	setenv("MIGRATE_DATABASE_URL", "postgresql://u:secret@h/db", 1);
	setenv("MIGRATE_WAIT_TIMEOUT", "5s", 1);
	setenv("DATABASE_URL", "postgresql://app@pooler/app", 1);
	setenv("PGPASSWORD_FILE", "/run/secrets/pw", 1);
	unsetenv("PGPASSWORD");
	CHECK_INT(conceal_note_environment(&e), 0);
	/* what the tool sets while it runs (conf/env.h: X from X_FILE) */
	setenv("PGPASSWORD", "from-the-file", 1);
	setenv("DATABASE_URL", "changed", 1);
	conceal_environment();
	CHECK_STR(env_of(environ, "PGPASSWORD"), NULL);
	CHECK_STR(env_of(environ, "MIGRATE_DATABASE_URL"), NULL);
	CHECK_STR(env_of(environ, "MIGRATE_WAIT_TIMEOUT"), NULL);
	CHECK_STR(env_of(environ, "PGPASSWORD_FILE"), "/run/secrets/pw");
	CHECK_STR(env_of(environ, "DATABASE_URL"), "postgresql://app@pooler/app");
	CHECK_STR(getenv("DATABASE_URL"), "postgresql://app@pooler/app");
}

int main(void)
{
	RUN(test_database_url);
	RUN(test_service_lists);
	RUN(test_other_settings_untouched);
	RUN(test_environment);
	return tap_done();
}
