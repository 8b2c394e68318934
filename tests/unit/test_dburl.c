/* Unit tests: database URL forms and password redaction (docs/reference.md §5). */
#include "tap.h"

#include <stdlib.h>

#include "conf/dburl.h"

static char normalized[4096];

static const char *norm(const char *in)
{
	struct err e = {0};
	char *out = NULL;
	if (dburl_normalize(in, &out, &e) < 0) {
		snprintf(normalized, sizeof normalized, "ERROR %d: %s", e.code, e.msg);
		return normalized;
	}
	snprintf(normalized, sizeof normalized, "%s", out);
	free(out);
	return normalized;
}

static char redacted[1024];

static const char *redact(const char *in)
{
	dburl_redact(in, redacted, sizeof redacted);
	return redacted;
}

static void test_normalize_forms(void)
{
	CHECK_STR(norm("postgresql://u:p@h:5432/db"), "postgresql://u:p@h:5432/db");
	CHECK_STR(norm("postgres://u:p@h/db"), "postgresql://u:p@h/db");
	/* a '?' in the userinfo is the user's or the password's, not the query (fuzzing) */
	CHECK_STR(norm("postgresql://me?ssl=true@db/app"), "postgresql://me?ssl=true@db/app");
	CHECK_STR(norm("postgresql://me:p?ssl=x@db/app?ssl=true"),
		  "postgresql://me:p?ssl=x@db/app?sslmode=require");
	CHECK_STR(norm("postgresql+psycopg2://u:p@h/db"), "postgresql://u:p@h/db");
	CHECK_STR(norm("postgresql+asyncpg://u:p@h/db?ssl=require"),
		  "postgresql://u:p@h/db?sslmode=require");
	CHECK_STR(norm("postgresql+asyncpg://h/db?ssl=true&application_name=x"),
		  "postgresql://h/db?sslmode=require&application_name=x");
	CHECK_STR(norm("postgres+pg8000://h/db?ssl=false"), "postgresql://h/db?sslmode=disable");
	CHECK_STR(norm("  host=db dbname=app"), "host=db dbname=app");
	CHECK_STR(norm("dbname=app"), "dbname=app");
	CHECK_STR(norm("postgresql:///db?host=/var/run/postgresql"),
		  "postgresql:///db?host=/var/run/postgresql");
}

static void test_normalize_rejects(void)
{
	CHECK_STR(norm("mysql://u:p@h/db"),
		  "ERROR 3: unsupported database URL scheme \"mysql\" (expected postgresql://, "
		  "postgres:// or postgresql+DRIVER://)");
	CHECK_STR(norm("postgresqlx://h/db"),
		  "ERROR 3: unsupported database URL scheme \"postgresqlx\" (expected postgresql://, "
		  "postgres:// or postgresql+DRIVER://)");
}

static void test_is_uri(void)
{
	CHECK(dburl_is_uri("postgresql://h"));
	CHECK(dburl_is_uri("postgresql+psycopg2://h"));
	CHECK(!dburl_is_uri("host=h"));
	CHECK(!dburl_is_uri("://h"));
	CHECK(!dburl_is_uri(""));
}

static void test_redact_uri(void)
{
	CHECK_STR(redact("postgresql://user:secret@host:5432/db"), "postgresql://user:***@host:5432/db");
	CHECK_STR(redact("postgresql://user@host/db"), "postgresql://user@host/db");
	CHECK_STR(redact("postgresql://host/db"), "postgresql://host/db");
	CHECK_STR(redact("postgresql://u:p%40ss@h/db"), "postgresql://u:***@h/db");
	/* an '@' inside the password: the last '@' ends the userinfo */
	CHECK_STR(redact("postgresql://u:a@b@h/db"), "postgresql://u:***@h/db");
	CHECK_STR(redact("postgresql://h/db?password=x&sslmode=require"),
		  "postgresql://h/db?password=***&sslmode=require");
	CHECK_STR(redact("postgresql+psycopg2://u:pw@h1:5432,h2:5433/db"),
		  "postgresql+psycopg2://u:***@h1:5432,h2:5433/db");
}

static void test_redact_conninfo(void)
{
	CHECK_STR(redact("host=h password=secret dbname=d"), "host=h password=*** dbname=d");
	CHECK_STR(redact("host=h password='se cret' dbname=d"), "host=h password=*** dbname=d");
	CHECK_STR(redact("password = 'a\\'b' user=u"), "password=*** user=u");
	CHECK_STR(redact("host=h"), "host=h");
}

int main(void)
{
	RUN(test_normalize_forms);
	RUN(test_normalize_rejects);
	RUN(test_is_uri);
	RUN(test_redact_uri);
	RUN(test_redact_conninfo);
	return tap_done();
}
