/* Unit tests: configuration sources, precedence and errors (docs/reference.md §3, §4). */
#define _POSIX_C_SOURCE 200809L
#include "tap.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"
#include "conf/env.h"

static char dir[] = "/tmp/migrate-config-test-XXXXXX";

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");
	fputs(text, f);
	fclose(f);
}

static void clear_env(void)
{
	extern char **environ;
	/* drop anything that could leak in from the caller */
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e; e++) {
			if (strncmp(*e, "MIGRATE_", 8) == 0 || strncmp(*e, "DATABASE_URL", 12) == 0 ||
			    strncmp(*e, "TEST_", 5) == 0) {
				char name[256];
				size_t n = strcspn(*e, "=");
				snprintf(name, sizeof name, "%.*s", (int)n, *e);
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
	unlink("migrate.ini");
	unlink("alembic.ini");
	unlink("other.ini");
}

/* Load with the given overrides; returns 0 or the exit code, message in e. */
static int load(struct config *cfg, const char *explicit_file, const struct config_override *ov,
		size_t n, struct err *e)
{
	err_clear(e);
	if (config_load(cfg, explicit_file, ov, n, e) < 0)
		return e->code;
	return 0;
}

static void test_defaults(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK(config_str(&cfg, CFG_DATABASE_URL) == NULL);
	CHECK_INT(config_num(&cfg, CFG_DATABASE_CREATE), 1);
	CHECK_INT(config_num(&cfg, CFG_WAIT_TIMEOUT), 60000);
	CHECK_INT(config_num(&cfg, CFG_LOCK_TIMEOUT), 15 * 60000);
	CHECK_STR(config_str(&cfg, CFG_INIT_DIR), "sql/init");
	CHECK_STR(config_str(&cfg, CFG_MIGRATIONS_DIR), "migrations");
	CHECK_STR(config_str(&cfg, CFG_MIGRATIONS_VERSION_TABLE), "alembic_version");
	CHECK_STR(config_str(&cfg, CFG_VERIFY_SCHEMA), "public");
	CHECK_INT(config_num(&cfg, CFG_LOCK_MODE), 0);
	CHECK(!config_is_set(&cfg, CFG_VERIFY_MIN_TABLES));
	CHECK(cfg.v[CFG_INIT_DIR].origin == ORIGIN_DEFAULT);
	CHECK(cfg.file == NULL);
	config_release(&cfg);
}

static void test_file_values_and_expansion(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	setenv("TEST_PW", "pw", 1);
	write_file("migrate.ini", "; comment\n"
				  "[database]\n"
				  "url = postgresql://app:${TEST_PW}@${TEST_HOST:-db}:5432/app\n"
				  "create = no\n"
				  "[wait]\n"
				  "timeout = 2m\n"
				  "services = tcp://redis:6379\n"
				  "  http://api/health\n"
				  "[verify]\n"
				  "min_tables = 126\n"
				  "[init]\n"
				  "dir = costs$$5\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_STR(cfg.file, "migrate.ini");
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), "postgresql://app:pw@db:5432/app");
	CHECK_STR(cfg.v[CFG_DATABASE_URL].where, "migrate.ini:3");
	CHECK_INT(config_num(&cfg, CFG_DATABASE_CREATE), 0);
	CHECK_INT(config_num(&cfg, CFG_WAIT_TIMEOUT), 120000);
	CHECK_STR(config_str(&cfg, CFG_WAIT_SERVICES), "tcp://redis:6379 http://api/health");
	CHECK_INT(config_num(&cfg, CFG_VERIFY_MIN_TABLES), 126);
	CHECK_STR(config_str(&cfg, CFG_INIT_DIR), "costs$5");
	CHECK(cfg.v[CFG_INIT_DIR].origin == ORIGIN_FILE);
	config_release(&cfg);
}

static void test_file_errors_name_file_and_line(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	write_file("migrate.ini", "[wait]\ntimeout = 30s\n\n[verify]\nmintables = 3\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:5: unknown key \"mintables\" in section [verify]");
	config_release(&cfg);

	write_file("migrate.ini", "[wiat]\ntimeout = 30s\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: unknown section [wiat]");
	config_release(&cfg);

	write_file("migrate.ini", "[wait]\n\ntimeout = 30 seconds\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:3: invalid wait.timeout \"30 seconds\": expected a duration "
			 "such as 500ms, 30s, 5m or 1h");
	config_release(&cfg);

	write_file("migrate.ini", "[database]\ncreate = maybe\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: invalid database.create \"maybe\": expected true or false");
	config_release(&cfg);

	write_file("migrate.ini", "[database]\nurl = postgresql://${TEST_UNSET_VAR}/db\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: database.url: environment variable \"TEST_UNSET_VAR\" is not "
			 "set (use ${TEST_UNSET_VAR:-default} for a default)");
	config_release(&cfg);

	write_file("migrate.ini", "[lock]\ntimeout = 1m\ntimeout = 2m\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:3: lock.timeout is already set at line 2");
	config_release(&cfg);

	write_file("migrate.ini", "[lock]\nthis line has no equals sign\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: syntax error (expected [section] or key = value)");
	config_release(&cfg);

	write_file("migrate.ini", "[lock]\nmode = advisory\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: invalid lock.mode \"advisory\": expected session or transaction");
	config_release(&cfg);

	write_file("migrate.ini", "[log]\nlevel = loud\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: invalid log.level \"loud\": expected error, warn, info or debug");
	config_release(&cfg);
}

static void test_long_line(void)
{
	struct config cfg;
	struct err e;
	char text[1024], url[400];
	clear_env();
	/* 236 characters: Debian's libinih alone holds 198 */
	snprintf(url, sizeof url, "postgresql://synapse_user:%0112d@db.internal.example.com:5432/"
				  "synapse_dt?sslmode=verify-full&sslrootcert=/run/secrets/ca.pem",
		 7);
	snprintf(text, sizeof text, "[database]\n\nurl = %s\n[wait]\ntimeout = 5\n", url);
	CHECK_INT((int)strlen(url) + 6, 236);
	write_file("migrate.ini", text);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), url);
	CHECK_STR(cfg.v[CFG_DATABASE_URL].where, "migrate.ini:3");
	CHECK_INT(config_num(&cfg, CFG_WAIT_TIMEOUT), 5000);
	config_release(&cfg);

	/* the inline comment, the other separator, ${VAR} and blanks around it */
	setenv("TEST_PW", "pw", 1);
	snprintf(text, sizeof text, "[database]\n  url:   postgresql://u:${TEST_PW}@h/%0300d   ; a "
				    "comment\n",
		 1);
	write_file("migrate.ini", text);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	snprintf(url, sizeof url, "postgresql://u:pw@h/%0300d", 1);
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), url);
	config_release(&cfg);
}

static void test_long_lines_of_every_kind(void)
{
	struct config cfg;
	struct err e;
	static char text[8192], want[4096], more[2048], note[400];
	clear_env();
	memset(note, 'x', sizeof note - 1);
	note[sizeof note - 1] = '\0';
	more[0] = '\0';
	for (int i = 0; i < 40; i++)
		snprintf(more + strlen(more), sizeof more - strlen(more), "%stcp://redis-%02d:6379",
			 i ? " " : "", i);
	/* a long comment, a long section line, a long continuation line, a
	 * short value followed by a long comment, a long init variable */
	snprintf(text, sizeof text,
		 "# %s\n"
		 "[wait]   ; %s\n"
		 "services = tcp://first:1\n"
		 "    %s   ; %s\n"
		 "timeout = 9s ; %s\n"
		 "[init.variables]\n"
		 "big = %s\n",
		 note, note, more, note, note, note);
	write_file("migrate.ini", text);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	snprintf(want, sizeof want, "tcp://first:1 %s", more);
	CHECK_STR(config_str(&cfg, CFG_WAIT_SERVICES), want);
	CHECK_INT(config_num(&cfg, CFG_WAIT_TIMEOUT), 9000);
	CHECK_INT(cfg.n_init_vars, 1);
	if (cfg.n_init_vars == 1)
		CHECK_STR(cfg.init_vars[0].value, note);
	config_release(&cfg);

	/* alembic.ini's URL may be long too */
	unlink("migrate.ini");
	snprintf(text, sizeof text, "[alembic]\nsqlalchemy.url = postgresql://u@h/%0300d\n", 3);
	write_file("alembic.ini", text);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	snprintf(want, sizeof want, "postgresql://u@h/%0300d", 3);
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), want);
	config_release(&cfg);
	unlink("alembic.ini");

	/* a long line that is no key = value is still a syntax error there */
	snprintf(text, sizeof text, "[lock]\nno equals sign %s\n", note);
	write_file("migrate.ini", text);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: syntax error (expected [section] or key = value)");
	config_release(&cfg);

	/* a long key is an unknown key, named */
	snprintf(text, sizeof text, "[lock]\n%s = 1\n", note);
	write_file("migrate.ini", text);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK(strncmp(e.msg, "migrate.ini:2: ", 15) == 0);
	config_release(&cfg);
}

/* Blank lines before anything else (found by fuzzing: the first empty line
 * was copied from a buffer not yet allocated). */
static void test_leading_blank_lines(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	write_file("migrate.ini", "\n\n[wait]\ntimeout = 7s\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_INT(config_num(&cfg, CFG_WAIT_TIMEOUT), 7000);
	config_release(&cfg);
	write_file("migrate.ini", "\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	config_release(&cfg);
	unlink("migrate.ini");
}

static void test_line_limits_and_nul(void)
{
	struct config cfg;
	struct err e;
	FILE *f;
	clear_env();
	f = fopen("migrate.ini", "w");
	fputs("[database]\nurl = ", f);
	for (int i = 0; i < 70000; i++)
		fputc('a', f);
	fputs("\n", f);
	fclose(f);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: line too long (at most 65536 bytes)");
	config_release(&cfg);

	f = fopen("migrate.ini", "w");
	fwrite("[wait]\ntimeout = 5s\n[lock]\ntime\0out = 1s\n", 1, 41, f);
	fclose(f);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:4: the line holds a NUL byte (a config file is text)");
	config_release(&cfg);
}

static void test_config_path_that_is_a_directory(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	/* what `docker run -v ./migrate.ini:/app/migrate.ini` makes of a
	 * missing file */
	CHECK_INT(mkdir("migrate.ini", 0755), 0);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "config file \"migrate.ini\" is a directory");
	CHECK(strstr(e.hint, "bind mount") != NULL);
	config_release(&cfg);
	CHECK_INT(load(&cfg, "migrate.ini", NULL, 0, &e), 3);
	config_release(&cfg);
	setenv("MIGRATE_CONFIG", "migrate.ini", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	config_release(&cfg);
	rmdir("migrate.ini");
}

static void test_identifier_lengths(void)
{
	struct config cfg;
	struct err e;
	char name[80];
	clear_env();
	memset(name, 't', 64);
	name[64] = '\0';
	setenv("MIGRATE_MIGRATIONS_VERSION_TABLE", name, 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK(strncmp(e.msg, "MIGRATE_MIGRATIONS_VERSION_TABLE: invalid migrations.version_table \"ttt",
		      70) == 0);
	CHECK(strstr(e.msg, "expected a name of 1 to 63 bytes") != NULL);
	config_release(&cfg);
	name[63] = '\0';
	setenv("MIGRATE_MIGRATIONS_VERSION_TABLE", name, 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	config_release(&cfg);
	clear_env();
	write_file("migrate.ini", "[migrations]\nversion_table_schema =\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "migrate.ini:2: invalid migrations.version_table_schema \"\": expected a "
			 "name of 1 to 63 bytes");
	config_release(&cfg);
}

static void test_precedence(void)
{
	struct config cfg;
	struct err e;
	struct config_override ov[] = {{"wait.timeout", "7s", "wait-timeout"}};
	clear_env();
	write_file("migrate.ini", "[wait]\ntimeout = 3s\n[lock]\ntimeout = 4s\n[verify]\nschema = s1\n");
	setenv("MIGRATE_WAIT_TIMEOUT", "5s", 1);
	setenv("MIGRATE_LOCK_TIMEOUT", "6s", 1);
	CHECK_INT(load(&cfg, NULL, ov, 1, &e), 0);
	CHECK_INT(config_num(&cfg, CFG_WAIT_TIMEOUT), 7000);  /* flag > env > file */
	CHECK_STR(cfg.v[CFG_WAIT_TIMEOUT].where, "--wait-timeout");
	CHECK_INT(config_num(&cfg, CFG_LOCK_TIMEOUT), 6000);  /* env > file */
	CHECK_STR(cfg.v[CFG_LOCK_TIMEOUT].where, "MIGRATE_LOCK_TIMEOUT");
	CHECK_STR(config_str(&cfg, CFG_VERIFY_SCHEMA), "s1"); /* file > default */
	config_release(&cfg);
}

static void test_database_url_sources(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	write_file("migrate.ini", "[database]\nurl = postgresql://file/db\n");
	setenv("DATABASE_URL", "postgresql://env/db", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), "postgresql://env/db");
	config_release(&cfg);

	setenv("MIGRATE_DATABASE_URL", "postgresql://direct/db", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), "postgresql://direct/db");
	config_release(&cfg);
}

static void test_file_secrets(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	write_file("secret", "postgresql://u:from-file@h/db\n");
	setenv("MIGRATE_DATABASE_URL_FILE", "secret", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), "postgresql://u:from-file@h/db");
	config_release(&cfg);

	setenv("MIGRATE_DATABASE_URL", "x", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "both MIGRATE_DATABASE_URL and MIGRATE_DATABASE_URL_FILE are set; use one");
	config_release(&cfg);

	clear_env();
	setenv("DATABASE_URL_FILE", "no-such-secret", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "DATABASE_URL_FILE: cannot read \"no-such-secret\": No such file or directory");
	config_release(&cfg);

	/* ${VAR} in the file also honours VAR_FILE */
	clear_env();
	write_file("pw", "s3cret\n");
	setenv("TEST_DB_PASSWORD_FILE", "pw", 1);
	write_file("migrate.ini", "[database]\nurl = postgresql://u:${TEST_DB_PASSWORD}@h/db\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), "postgresql://u:s3cret@h/db");
	config_release(&cfg);
	unlink("pw");
	unlink("secret");
}

static void test_libpq_file_pairs(void)
{
	struct err e = {0};
	clear_env();
	write_file("pgpw", "from-file\n");
	setenv("PGPASSWORD", "direct", 1);
	setenv("PGPASSWORD_FILE", "pgpw", 1);
	CHECK_INT(env_export_libpq_files(&e), -1);
	CHECK_INT(e.code, 3);
	CHECK_STR(e.msg, "both PGPASSWORD and PGPASSWORD_FILE are set; use one");
	unsetenv("PGPASSWORD");
	err_clear(&e);
	CHECK_INT(env_export_libpq_files(&e), 0);
	CHECK_STR(getenv("PGPASSWORD"), "from-file");
	unsetenv("PGPASSWORD");
	unsetenv("PGPASSWORD_FILE");
	/* X alone stays as it is */
	setenv("PGUSER", "app", 1);
	CHECK_INT(env_export_libpq_files(&e), 0);
	CHECK_STR(getenv("PGUSER"), "app");
	unsetenv("PGUSER");
	unlink("pgpw");
}

static void test_env_errors(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	setenv("MIGRATE_VERIFY_MINTABLES", "3", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "unknown setting in environment variable MIGRATE_VERIFY_MINTABLES");
	config_release(&cfg);

	clear_env();
	setenv("MIGRATE_SOMETHING_ELSE", "3", 1); /* not one of our sections: ignored */
	setenv("MIGRATE_VERIFY_MIN_TABLES", "many", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "MIGRATE_VERIFY_MIN_TABLES: invalid verify.min_tables \"many\": expected a "
			 "non-negative integer");
	config_release(&cfg);

	/* migrations.schema_file is a setting whose name ends in _FILE: its
	 * variable is the path itself, not a typo of migrations.schema */
	clear_env();
	setenv("MIGRATE_MIGRATIONS_SCHEMA_FILE", "db/schema.sql", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_MIGRATIONS_SCHEMA_FILE), "db/schema.sql");
	config_release(&cfg);
	clear_env();
	setenv("MIGRATE_MIGRATIONS_SCHEMA", "x", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 3);
	CHECK_STR(e.msg, "unknown setting in environment variable MIGRATE_MIGRATIONS_SCHEMA");
	config_release(&cfg);
}

static void test_config_file_choice(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	write_file("other.ini", "[verify]\nschema = other\n");
	write_file("migrate.ini", "[verify]\nschema = default\n");
	CHECK_INT(load(&cfg, "other.ini", NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_VERIFY_SCHEMA), "other");
	config_release(&cfg);

	setenv("MIGRATE_CONFIG", "other.ini", 1);
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_VERIFY_SCHEMA), "other");
	config_release(&cfg);

	CHECK_INT(load(&cfg, "missing.ini", NULL, 0, &e), 3);
	CHECK_STR(e.msg, "cannot open config file \"missing.ini\": No such file or directory");
	config_release(&cfg);
}

static void test_alembic_ini_fallback(void)
{
	struct config cfg;
	struct err e;
	clear_env();
	write_file("alembic.ini", "[alembic]\nscript_location = alembic\n"
				  "sqlalchemy.url = postgresql+psycopg2://u:p%%40x@h/db\n"
				  "[loggers]\nkeys = root\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK_STR(config_str(&cfg, CFG_DATABASE_URL), "postgresql+psycopg2://u:p%40x@h/db");
	CHECK_STR(cfg.v[CFG_DATABASE_URL].where, "alembic.ini:3");
	config_release(&cfg);

	/* Alembic's template placeholder is not a URL */
	write_file("alembic.ini", "[alembic]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK(config_str(&cfg, CFG_DATABASE_URL) == NULL);
	config_release(&cfg);

	/* migrate.ini wins over alembic.ini */
	write_file("migrate.ini", "[wait]\ntimeout = 1s\n");
	CHECK_INT(load(&cfg, NULL, NULL, 0, &e), 0);
	CHECK(config_str(&cfg, CFG_DATABASE_URL) == NULL);
	config_release(&cfg);
}

static void test_expand(void)
{
	struct err e = {0};
	char *out = NULL;
	setenv("TEST_A", "alpha", 1);
	setenv("TEST_EMPTY", "", 1);
	CHECK_INT(config_expand("x${TEST_A}y", &out, &e), 0);
	CHECK_STR(out, "xalphay");
	free(out);
	CHECK_INT(config_expand("${TEST_EMPTY:-dflt}", &out, &e), 0);
	CHECK_STR(out, "dflt");
	free(out);
	CHECK_INT(config_expand("${TEST_EMPTY}", &out, &e), 0);
	CHECK_STR(out, "");
	free(out);
	CHECK_INT(config_expand("$HOME and $$ and ${TEST_A:-b}", &out, &e), 0);
	CHECK_STR(out, "$HOME and $ and alpha");
	free(out);
	CHECK_INT(config_expand("${TEST_A", &out, &e), -1);
	CHECK_STR(e.msg, "unterminated \"${\" in \"${TEST_A\"");
	CHECK_INT(config_expand("${BAD-NAME}", &out, &e), -1);
	CHECK_STR(e.msg, "invalid variable name \"BAD-NAME\"");
}

int main(void)
{
	if (!mkdtemp(dir) || chdir(dir) != 0)
		return 1;
	RUN(test_defaults);
	RUN(test_file_values_and_expansion);
	RUN(test_file_errors_name_file_and_line);
	RUN(test_long_line);
	RUN(test_long_lines_of_every_kind);
	RUN(test_line_limits_and_nul);
	RUN(test_leading_blank_lines);
	RUN(test_config_path_that_is_a_directory);
	RUN(test_identifier_lengths);
	RUN(test_precedence);
	RUN(test_database_url_sources);
	RUN(test_file_secrets);
	RUN(test_libpq_file_pairs);
	RUN(test_env_errors);
	RUN(test_config_file_choice);
	RUN(test_alembic_ini_fallback);
	RUN(test_expand);
	clear_env();
	rmdir(dir);
	return tap_done();
}
