/*
 * test_services.c — parsing and validating wait.services lists (no network).
 */
#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"
#include "wait/services.h"
#include "tap.h"

/* Parse list and expect failure with exactly msg (and code). */
static void expect_bad(const char *list, int code, const char *msg)
{
	struct services *s = (struct services *)&s; /* must be reset to NULL */
	struct err e;
	err_clear(&e);
	CHECK_INT(services_parse(list, &s, &e), -1);
	CHECK(s == NULL);
	CHECK_INT(e.code, code);
	CHECK_STR(e.msg, msg);
	if (e.code != code || strcmp(e.msg, msg) != 0)
		fprintf(stderr, "  for list \"%s\"\n", list);
}

static void test_empty(void)
{
	struct services *s = (struct services *)&s;
	struct err e;
	err_clear(&e);
	CHECK_INT(services_parse(NULL, &s, &e), 0);
	CHECK(s == NULL);
	s = (struct services *)&s;
	CHECK_INT(services_parse("", &s, &e), 0);
	CHECK(s == NULL);
	s = (struct services *)&s;
	CHECK_INT(services_parse("  \t\n ", &s, &e), 0);
	CHECK(s == NULL);
	/* NULL is a valid "no services" everywhere. */
	CHECK_INT(services_count(NULL), 0);
	CHECK_STR(services_summary(NULL), "");
	CHECK_INT(services_start(NULL, 0, &e), 0);
	CHECK_INT(services_finish(NULL, &e), 0);
	services_free(NULL);
}

static void test_good(void)
{
	struct services *s = NULL;
	struct err e;
	err_clear(&e);
	CHECK_INT(services_parse("tcp://redis:6379  http://api/health\thttps://example.test:8443/ready?x=1\n"
				 "unix:///run/app/app.sock tcp://[::1]:5432 tcp://10.0.0.1:80/ "
				 "TCP://Cache:11211 http://[fe80::1]:8080",
				 &s, &e),
		  0);
	CHECK_INT(services_count(s), 8);
	CHECK_STR(services_name(s, 0), "tcp://redis:6379");
	CHECK_STR(services_name(s, 1), "http://api/health");
	CHECK_STR(services_name(s, 2), "https://example.test:8443/ready?x=1");
	CHECK_STR(services_name(s, 3), "unix:///run/app/app.sock");
	CHECK_STR(services_name(s, 4), "tcp://[::1]:5432");
	CHECK_STR(services_name(s, 5), "tcp://10.0.0.1:80/");
	CHECK_STR(services_name(s, 6), "TCP://Cache:11211");
	CHECK_STR(services_name(s, 7), "http://[fe80::1]:8080");
	CHECK(services_name(s, 8) == NULL);
	/* Before finish there is no summary. */
	CHECK_STR(services_summary(s), "");
	services_free(s);
}

static void test_duplicates_dropped(void)
{
	struct services *s = NULL;
	struct err e;
	err_clear(&e);
	CHECK_INT(services_parse("tcp://a:1 tcp://b:2 tcp://a:1", &s, &e), 0);
	CHECK_INT(services_count(s), 2);
	services_free(s);
}

static void test_password_redacted(void)
{
	struct services *s = NULL;
	struct err e;
	char line[256];
	err_clear(&e);
	CHECK_INT(services_parse("http://admin:s3cret-pw@api:8080/health", &s, &e), 0);
	CHECK_STR(services_name(s, 0), "http://admin:***@api:8080/health");
	/* The password also became a log secret. */
	log_redact(line, sizeof line, "curl said s3cret-pw");
	CHECK_STR(line, "curl said ***");
	services_free(s);

	expect_bad("https://admin:hunter22@:8080/", EXIT_CONFIG,
		   "invalid service \"https://admin:***@:8080/\": missing host "
		   "(expected https://host[:port]/path)");
}

static void test_bad_tcp(void)
{
	expect_bad("tcp://redis", EXIT_CONFIG,
		   "invalid service \"tcp://redis\": missing port (expected tcp://host:port)");
	expect_bad("tcp://redis:", EXIT_CONFIG,
		   "invalid service \"tcp://redis:\": invalid port \"\" (expected 1-65535)");
	expect_bad("tcp://:6379", EXIT_CONFIG,
		   "invalid service \"tcp://:6379\": missing host (expected tcp://host:port)");
	expect_bad("tcp://", EXIT_CONFIG,
		   "invalid service \"tcp://\": missing host (expected tcp://host:port)");
	expect_bad("tcp://redis:99999", EXIT_CONFIG,
		   "invalid service \"tcp://redis:99999\": invalid port \"99999\" (expected 1-65535)");
	expect_bad("tcp://redis:0", EXIT_CONFIG,
		   "invalid service \"tcp://redis:0\": invalid port \"0\" (expected 1-65535)");
	expect_bad("tcp://redis:http", EXIT_CONFIG,
		   "invalid service \"tcp://redis:http\": invalid port \"http\" (expected 1-65535)");
	expect_bad("tcp://redis:6379/db", EXIT_CONFIG,
		   "invalid service \"tcp://redis:6379/db\": unexpected path \"/db\" "
		   "(expected tcp://host:port)");
	expect_bad("tcp://user@redis:6379", EXIT_CONFIG,
		   "invalid service \"tcp://user@redis:6379\": unexpected user name "
		   "(expected tcp://host:port)");
	expect_bad("tcp://::1:5432", EXIT_CONFIG,
		   "invalid service \"tcp://::1:5432\": an IPv6 address needs brackets "
		   "(expected tcp://host:port)");
	expect_bad("tcp://[::1:5432", EXIT_CONFIG,
		   "invalid service \"tcp://[::1:5432\": unterminated \"[\" in the host "
		   "(expected tcp://host:port)");
	expect_bad("tcp://[::1]", EXIT_CONFIG,
		   "invalid service \"tcp://[::1]\": missing port (expected tcp://host:port)");
	expect_bad("tcp://[::1]x:1", EXIT_CONFIG,
		   "invalid service \"tcp://[::1]x:1\": unexpected text after \"]\" "
		   "(expected tcp://host:port)");
	/* The first bad entry of a list is named, whatever surrounds it. */
	expect_bad("tcp://ok:1 tcp://bad http://ok/", EXIT_CONFIG,
		   "invalid service \"tcp://bad\": missing port (expected tcp://host:port)");
}

static void test_bad_unix(void)
{
	expect_bad("unix://run/app.sock", EXIT_CONFIG,
		   "invalid service \"unix://run/app.sock\": expected an absolute path "
		   "(unix:///path/to/socket)");
	expect_bad("unix://", EXIT_CONFIG,
		   "invalid service \"unix://\": expected an absolute path (unix:///path/to/socket)");
	{
		char list[200];
		char msg[400];
		memset(list, 0, sizeof list);
		strcpy(list, "unix:///");
		memset(list + 8, 'x', 120);
		snprintf(msg, sizeof msg,
			 "invalid service \"%s\": socket path is too long (at most 107 bytes)", list);
		expect_bad(list, EXIT_CONFIG, msg);
	}
}

static void test_bad_http(void)
{
	expect_bad("http://", EXIT_CONFIG,
		   "invalid service \"http://\": missing host (expected http://host[:port]/path)");
	expect_bad("http:///health", EXIT_CONFIG,
		   "invalid service \"http:///health\": missing host (expected http://host[:port]/path)");
	expect_bad("https://api:70000/", EXIT_CONFIG,
		   "invalid service \"https://api:70000/\": invalid port \"70000\" (expected 1-65535)");
	expect_bad("http://api:x/", EXIT_CONFIG,
		   "invalid service \"http://api:x/\": invalid port \"x\" (expected 1-65535)");
}

static void test_unsupported(void)
{
	struct services *s = NULL;
	struct err e;

	expect_bad("redis://cache:6379", EXIT_CONFIG,
		   "unsupported service \"redis://cache:6379\" (expected tcp://host:port, "
		   "http://..., https://... or unix:///path.sock)");
	expect_bad("ftp://files/", EXIT_CONFIG,
		   "unsupported service \"ftp://files/\" (expected tcp://host:port, "
		   "http://..., https://... or unix:///path.sock)");
	expect_bad("postgresql://u:pw123@db/app", EXIT_CONFIG,
		   "unsupported service \"postgresql://u:***@db/app\" (expected tcp://host:port, "
		   "http://..., https://... or unix:///path.sock)");

	/* host:port without a scheme gets a hint. */
	err_clear(&e);
	CHECK_INT(services_parse("redis:6379", &s, &e), -1);
	CHECK_INT(e.code, EXIT_CONFIG);
	CHECK_STR(e.msg, "unsupported service \"redis:6379\" (expected tcp://host:port, "
			 "http://..., https://... or unix:///path.sock)");
	CHECK_STR(e.hint, "write it as \"tcp://redis:6379\"");

	err_clear(&e);
	CHECK_INT(services_parse("redis", &s, &e), -1);
	CHECK_STR(e.hint, "");
}

static void test_control_character(void)
{
	expect_bad("tcp://a\001b:1", EXIT_CONFIG,
		   "invalid service \"tcp://a\001b:1\": contains a control character");
}

static void test_too_many(void)
{
	char list[SERVICES_MAX * 24 + 32] = "";
	for (int i = 0; i <= SERVICES_MAX; i++) {
		char one[32];
		snprintf(one, sizeof one, "tcp://h%d:1 ", i);
		strcat(list, one);
	}
	expect_bad(list, EXIT_CONFIG, "too many services to wait for (at most 64)");
}

int main(void)
{
	RUN(test_empty);
	RUN(test_good);
	RUN(test_duplicates_dropped);
	RUN(test_password_redacted);
	RUN(test_bad_tcp);
	RUN(test_bad_unix);
	RUN(test_bad_http);
	RUN(test_unsupported);
	RUN(test_control_character);
	RUN(test_too_many);
	return tap_done();
}
