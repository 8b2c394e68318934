/*
 * test_services_url.c — what svcurl keeps of each wait.services entry: the
 * kind, the host and port a tcp:// lookup uses, the socket path of unix://,
 * the URL curl gets and the form printed.  The messages for bad entries are
 * tested through services_parse (test_services.c).
 */
#include <stdlib.h>

#include "util/err.h"
#include "wait/svcurl.h"
#include "tap.h"

struct want {
	const char *text;
	enum svcurl_kind kind;
	const char *host; /* NULL: none */
	const char *port;
	const char *path; /* NULL: none */
	const char *shown;
};

static const struct want wants[] = {
	{"tcp://redis:6379", SVCURL_TCP, "redis", "6379", NULL, "tcp://redis:6379"},
	{"TCP://Cache:08080/", SVCURL_TCP, "Cache", "8080", NULL, "TCP://Cache:08080/"},
	{"tcp://[::1]:5432", SVCURL_TCP, "::1", "5432", NULL, "tcp://[::1]:5432"},
	{"tcp://10.0.0.1:80", SVCURL_TCP, "10.0.0.1", "80", NULL, "tcp://10.0.0.1:80"},
	{"unix:///run/app/app.sock", SVCURL_UNIX, NULL, "", "/run/app/app.sock",
	 "unix:///run/app/app.sock"},
	{"http://api/health", SVCURL_HTTP, NULL, "", NULL, "http://api/health"},
	{"HTTPS://u:pw-secret@[fe80::1]:8443/ready?x=1", SVCURL_HTTP, NULL, "", NULL,
	 "HTTPS://u:***@[fe80::1]:8443/ready?x=1"},
};

static void test_fields(void)
{
	size_t n = sizeof wants / sizeof wants[0];
	for (size_t i = 0; i < n; i++) {
		const struct want *w = &wants[i];
		struct svcurl_list l;
		struct err e;
		err_clear(&e);
		CHECK_INT(svcurl_list_parse(w->text, 4, &l, &e), 0);
		CHECK_INT(l.n, 1);
		if (l.n != 1) {
			fprintf(stderr, "  for \"%s\": %s\n", w->text, e.msg);
			continue;
		}
		CHECK_INT(l.v[0].kind, w->kind);
		CHECK_STR(l.v[0].url, w->text);
		CHECK_STR(l.v[0].shown, w->shown);
		CHECK_STR(l.v[0].host, w->host);
		CHECK_STR(l.v[0].port, w->port);
		CHECK_STR(l.v[0].path, w->path);
		svcurl_list_release(&l);
	}
}

static void test_list(void)
{
	struct svcurl_list l;
	struct err e;
	err_clear(&e);
	/* Any whitespace separates; exact duplicates go, the order stays. */
	CHECK_INT(svcurl_list_parse(" tcp://b:2\ttcp://a:1\n tcp://b:2 TCP://b:2 ", 3, &l, &e), 0);
	CHECK_INT(l.n, 3);
	CHECK_STR(l.v[0].url, "tcp://b:2");
	CHECK_STR(l.v[1].url, "tcp://a:1");
	CHECK_STR(l.v[2].url, "TCP://b:2");
	svcurl_list_release(&l);
	CHECK_INT(l.n, 0);
	CHECK(l.v == NULL);
	svcurl_list_release(&l);

	/* Empty lists are no error and hold nothing. */
	CHECK_INT(svcurl_list_parse(NULL, 3, &l, &e), 0);
	CHECK_INT(l.n, 0);
	CHECK(l.v == NULL);
	CHECK_INT(svcurl_list_parse(" \n", 3, &l, &e), 0);
	CHECK_INT(l.n, 0);
	CHECK(l.v == NULL);

	/* The cap is the caller's; on failure nothing is left. */
	CHECK_INT(svcurl_list_parse("tcp://a:1 tcp://b:2 tcp://c:3", 2, &l, &e), -1);
	CHECK_STR(e.msg, "too many services to wait for (at most 2)");
	CHECK_INT(l.n, 0);
	CHECK(l.v == NULL);
	CHECK_INT(svcurl_list_parse("tcp://a:1 tcp://b", 2, &l, &e), -1);
	CHECK_INT(e.code, EXIT_CONFIG);
	CHECK_INT(l.n, 0);
	CHECK(l.v == NULL);
}

int main(void)
{
	RUN(test_fields);
	RUN(test_list);
	return tap_done();
}
