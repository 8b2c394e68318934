/* Unit tests: password redaction (docs/reference.md §5.3), the URL forms libpq reads a
 * password from (dburl_redact) and the last line of defence on every log line
 * (log_redact).  Each case is a way a password could otherwise reach a log. */
#include "tap.h"

#include "conf/dburl.h"
#include "util/log.h"

static char out[1024];

static const char *url(const char *in)
{
	dburl_redact(in, out, sizeof out);
	return out;
}

static const char *line(const char *in)
{
	log_redact(out, sizeof out, in);
	return out;
}

/* libpq ends the userinfo at the first '@' before any '/', whatever comes
 * before it: a '?' or '#' in a password is the password's. */
static void test_uri_userinfo(void)
{
	CHECK_STR(url("postgresql://u:p?ss@h/db"), "postgresql://u:***@h/db");
	CHECK_STR(url("postgresql://u:p?ss@h"), "postgresql://u:***@h");
	CHECK_STR(url("postgresql://u:p#ss@h/db"), "postgresql://u:***@h/db");
	CHECK_STR(url("postgresql://u:p&x=1@h/db?sslmode=require"),
		  "postgresql://u:***@h/db?sslmode=require");
	/* an '@' after the path is not the userinfo's */
	CHECK_STR(url("postgresql://u:pw@h/db?application_name=a@b"),
		  "postgresql://u:***@h/db?application_name=a@b");
	CHECK_STR(url("postgresql://h/db?application_name=a:b@c"),
		  "postgresql://h/db?application_name=a:b@c");
	/* no password, or an empty one */
	CHECK_STR(url("postgresql://u@h/db"), "postgresql://u@h/db");
	CHECK_STR(url("postgresql://u:@h/db"), "postgresql://u:***@h/db");
	CHECK_STR(url("postgres://u:secret@h"), "postgres://u:***@h");
	CHECK_STR(url("  postgresql://u:secret@h/db"), "  postgresql://u:***@h/db");
	CHECK_STR(url("postgresql+asyncpg://u:secret@[::1]:5432/db"),
		  "postgresql+asyncpg://u:***@[::1]:5432/db");
}

/* libpq percent-decodes query keys, and sslpassword (the client key's) is a
 * password too. */
static void test_uri_query(void)
{
	CHECK_STR(url("postgresql://h/db?sslpassword=secret"), "postgresql://h/db?sslpassword=***");
	CHECK_STR(url("postgresql://h/db?pass%77ord=secret&x=1"),
		  "postgresql://h/db?pass%77ord=***&x=1");
	CHECK_STR(url("postgresql://h/db?%70assword=secret"), "postgresql://h/db?%70assword=***");
	CHECK_STR(url("postgresql://h/db?user=u&password=secret"),
		  "postgresql://h/db?user=u&password=***");
	CHECK_STR(url("postgresql://h/db?password=a&password=b"),
		  "postgresql://h/db?password=***&password=***");
	/* a query whose other values hold an '@' (no path before it) */
	CHECK_STR(url("postgresql://h?application_name=me@pod&password=secret"),
		  "postgresql://h?application_name=me@pod&password=***");
	/* keys that only end or start like it are not it */
	CHECK_STR(url("postgresql://h/db?mypassword=x&passwords=y"),
		  "postgresql://h/db?mypassword=x&passwords=y");
}

static void test_conninfo(void)
{
	CHECK_STR(url("host=h sslpassword=secret dbname=d"), "host=h sslpassword=*** dbname=d");
	CHECK_STR(url("host=h password=secret"), "host=h password=***");
	CHECK_STR(url("password=secret"), "password=***");
	CHECK_STR(url("host=h password="), "host=h password=***");
	CHECK_STR(url("host=h password='' dbname=d"), "host=h password=*** dbname=d");
	/* libpq rejects an upper-case keyword, naming it: the value is still hidden */
	CHECK_STR(url("host=h PASSWORD=secret"), "host=h PASSWORD=***");
	/* dbname may itself be a connection string or a URI (libpq expands it) */
	CHECK_STR(url("host=h dbname='user=u password=secret'"),
		  "host=h dbname='user=u password=***'");
	CHECK_STR(url("dbname=postgresql://u:secret@h/db port=5432"),
		  "dbname=postgresql://u:***@h/db port=5432");
	CHECK_STR(url("dbname=app user=u"), "dbname=app user=u");
	/* libpq skips leading blanks; a word without '=' before it (libpq refuses the string,
	 * and the message quotes it) does not hide the password either (found by fuzzing) */
	CHECK_STR(url(" password=s3cret host=db"), " password=*** host=db");
	CHECK_STR(url("host=db port 5432 password=s3cret"), "host=db port 5432 password=***");
}

/* Output is cut to the capacity, and always terminated. */
static void test_capacity(void)
{
	char small[12];
	dburl_redact("postgresql://u:secret@h/db", small, sizeof small);
	CHECK_STR(small, "postgresql:");
	dburl_redact("host=h password=secret", small, sizeof small);
	CHECK(strlen(small) < sizeof small);
	CHECK(strncmp("host=h password=***", small, strlen(small)) == 0);
	CHECK(strstr(small, "secret") == NULL);
}

static void test_log_secrets(void)
{
	CHECK_STR(line("nothing registered: s3cret"), "nothing registered: s3cret");
	log_add_secret("s3cret");
	log_add_secret("s3cret-and-more"); /* a longer one that starts like it */
	log_add_secret("xy");              /* too short: ignored */
	log_add_secret("");
	log_add_secret(NULL);
	CHECK_STR(line("password s3cret given"), "password *** given");
	CHECK_STR(line("s3crets3cret"), "******");
	CHECK_STR(line("the long one s3cret-and-more ends"), "the long one *** ends");
	CHECK_STR(line("xy stays"), "xy stays");
	CHECK_STR(line(""), "");
	/* cut to the capacity */
	{
		char small[8];
		log_redact(small, sizeof small, "ab s3cret cd");
		CHECK_STR(small, "ab *** ");
		log_redact(small, 4, "s3cret");
		CHECK_STR(small, "***");
		log_redact(small, 3, "s3cret");
		CHECK(strstr(small, "s3") == NULL);
	}
}

int main(void)
{
	RUN(test_uri_userinfo);
	RUN(test_uri_query);
	RUN(test_conninfo);
	RUN(test_capacity);
	RUN(test_log_secrets);
	return tap_done();
}
