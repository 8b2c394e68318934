/*
 * test_services_live.c — services_start/finish against real sockets on the
 * loopback interface, all made inside this program: a TCP listener, a unix
 * socket in a temporary directory, and a tiny HTTP responder thread that
 * answers from a script of status codes.  Failure cases use short
 * deadlines; every check is on an outcome, none on a duration.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"
#include "wait/services.h"
#include "util/sig.h"
#include "tap.h"

static char tmpdir[64];

/* A listening TCP socket on 127.0.0.1 and an ephemeral port. */
static int tcp_listener(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("tcp listener");
		exit(2);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* A loopback port that nothing listens on (bound, then released). */
static int closed_port(void)
{
	int port;
	close(tcp_listener(&port));
	return port;
}

static int unix_listener(const char *path)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path)
		exit(2);
	memcpy(a.sun_path, path, strlen(path) + 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0) {
		perror("unix listener");
		exit(2);
	}
	return fd;
}

/* ---- a tiny HTTP responder ------------------------------------------- */

struct responder {
	int listen_fd, port;
	int stop_fds[2];
	pthread_t thread;
	const int *statuses; /* answered in turn; the last one repeats */
	int n_statuses;
	int requests; /* read after the join */
};

static void *responder_main(void *arg)
{
	struct responder *r = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = r->listen_fd, .events = POLLIN},
				      {.fd = r->stop_fds[0], .events = POLLIN}};
		char req[4096], resp[256];
		size_t got = 0;
		int c, status, n;

		if (poll(p, 2, -1) < 0 || p[1].revents)
			return NULL;
		c = accept(r->listen_fd, NULL, NULL);
		if (c < 0)
			continue;
		/* Read the request head (bounded, with a timeout). */
		while (got < sizeof req - 1) {
			struct pollfd cp = {.fd = c, .events = POLLIN};
			ssize_t k;
			if (poll(&cp, 1, 1000) <= 0)
				break;
			k = read(c, req + got, sizeof req - 1 - got);
			if (k <= 0)
				break;
			got += (size_t)k;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		status = r->statuses[r->requests < r->n_statuses ? r->requests : r->n_statuses - 1];
		r->requests++;
		n = snprintf(resp, sizeof resp,
			     "HTTP/1.1 %d Scripted\r\nContent-Length: 2\r\nConnection: close\r\n"
			     "Location: http://127.0.0.1:1/elsewhere\r\n\r\nok",
			     status);
		if (write(c, resp, (size_t)n) < 0)
			perror("responder write");
		close(c);
	}
}

static void responder_start(struct responder *r, const int *statuses, int n)
{
	memset(r, 0, sizeof *r);
	r->statuses = statuses;
	r->n_statuses = n;
	r->listen_fd = tcp_listener(&r->port);
	if (pipe(r->stop_fds) < 0 || pthread_create(&r->thread, NULL, responder_main, r) != 0) {
		perror("responder");
		exit(2);
	}
}

static void responder_stop(struct responder *r)
{
	if (write(r->stop_fds[1], "x", 1) < 0)
		perror("responder stop");
	pthread_join(r->thread, NULL);
	close(r->stop_fds[0]);
	close(r->stop_fds[1]);
	close(r->listen_fd);
}

/* ---- helpers ------------------------------------------------------------ */

/* Parse list, wait until now + ms, return services_finish's result. */
static int wait_for(const char *list, int64_t ms, struct services **out, struct err *e)
{
	struct services *s = NULL;
	int rc;
	err_clear(e);
	if (services_parse(list, &s, e) < 0) {
		fprintf(stderr, "parse failed: %s\n", e->msg);
		return -2;
	}
	if (services_start(s, now_ms() + ms, e) < 0) {
		services_free(s);
		return -2;
	}
	rc = services_finish(s, e);
	if (out)
		*out = s;
	else
		services_free(s);
	return rc;
}

static int contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		fprintf(stderr, "  \"%s\"\n  does not contain \"%s\"\n", hay, needle);
		return 0;
	}
	return 1;
}

/* ---- tests -------------------------------------------------------------- */

static void test_all_ready(void)
{
	static const int script[] = {503, 200};
	struct responder http;
	struct services *s = NULL;
	struct err e;
	char list[512], sock[128], want[256];
	int tcp_port, tcp_fd, unix_fd;

	tcp_fd = tcp_listener(&tcp_port);
	snprintf(sock, sizeof sock, "%s/app.sock", tmpdir);
	unix_fd = unix_listener(sock);
	responder_start(&http, script, 2);

	snprintf(list, sizeof list, "tcp://127.0.0.1:%d unix://%s http://127.0.0.1:%d/health",
		 tcp_port, sock, http.port);
	CHECK_INT(wait_for(list, 5000, &s, &e), 0);
	CHECK_INT(e.code, 0);
	responder_stop(&http);
	/* 503 was retried, 200 ended the wait. */
	CHECK_INT(http.requests, 2);

	snprintf(want, sizeof want, "tcp://127.0.0.1:%d (", tcp_port);
	CHECK(contains(services_summary(s), want));
	snprintf(want, sizeof want, "), unix://%s (", sock);
	CHECK(contains(services_summary(s), want));
	snprintf(want, sizeof want, "), http://127.0.0.1:%d/health (", http.port);
	CHECK(contains(services_summary(s), want));
	CHECK(!strstr(services_summary(s), "not ready"));
	services_free(s);
	close(tcp_fd);
	close(unix_fd);
	unlink(sock);
}

static void test_redirect_is_ready_and_not_followed(void)
{
	static const int script[] = {302};
	struct responder http;
	struct err e;
	char list[128];

	responder_start(&http, script, 1);
	snprintf(list, sizeof list, "http://127.0.0.1:%d/", http.port);
	CHECK_INT(wait_for(list, 5000, NULL, &e), 0);
	responder_stop(&http);
	CHECK_INT(http.requests, 1);
}

static void test_name_lookup_and_every_address(void)
{
	/* "localhost" goes through getaddrinfo; it may give ::1 first, which
	 * refuses: the next address must be tried in the same attempt. */
	struct err e;
	char list[128];
	int port, fd = tcp_listener(&port);
	snprintf(list, sizeof list, "tcp://localhost:%d", port);
	CHECK_INT(wait_for(list, 5000, NULL, &e), 0);
	close(fd);
}

static void test_closed_port_times_out(void)
{
	struct err e;
	char list[128], want[160];
	int port = closed_port();

	snprintf(list, sizeof list, "tcp://127.0.0.1:%d", port);
	CHECK_INT(wait_for(list, 300, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_TIMEOUT);
	CHECK(strncmp(e.msg, "timed out after ", 16) == 0);
	snprintf(want, sizeof want, " waiting for tcp://127.0.0.1:%d: connection refused", port);
	CHECK(contains(e.msg, want));
	/* The message ends there: nothing else was awaited. */
	CHECK(strlen(strstr(e.msg, want)) == strlen(want));
}

static void test_timeout_message_exact(void)
{
	/* A whole-second deadline prints as "1s". */
	struct err e;
	char list[128], want[200];
	int port = closed_port();

	snprintf(list, sizeof list, "tcp://127.0.0.1:%d", port);
	err_clear(&e);
	{
		struct services *s = NULL;
		CHECK_INT(services_parse(list, &s, &e), 0);
		CHECK_INT(services_start(s, now_ms() + 1000, &e), 0);
		CHECK_INT(services_finish(s, &e), -1);
		services_free(s);
	}
	snprintf(want, sizeof want, "timed out after 1s waiting for tcp://127.0.0.1:%d: connection refused",
		 port);
	CHECK_STR(e.msg, want);
}

static void test_missing_unix_socket(void)
{
	struct err e;
	char list[160], want[200];

	snprintf(list, sizeof list, "unix://%s/none.sock", tmpdir);
	CHECK_INT(wait_for(list, 300, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_TIMEOUT);
	snprintf(want, sizeof want, "unix://%s/none.sock: no such file or directory", tmpdir);
	CHECK(contains(e.msg, want));
}

static void test_only_unready_named(void)
{
	static const int script[] = {500};
	struct responder http;
	struct err e;
	char list[256], want[128];
	int up_port, up_fd = tcp_listener(&up_port);
	int down_port = closed_port();

	responder_start(&http, script, 1);
	snprintf(list, sizeof list, "tcp://127.0.0.1:%d http://127.0.0.1:%d/health tcp://127.0.0.1:%d",
		 up_port, http.port, down_port);
	CHECK_INT(wait_for(list, 400, NULL, &e), -1);
	responder_stop(&http);
	CHECK_INT(e.code, EXIT_TIMEOUT);
	snprintf(want, sizeof want, "http://127.0.0.1:%d/health: HTTP 500, tcp://127.0.0.1:%d: connection refused",
		 http.port, down_port);
	CHECK(contains(e.msg, want));
	snprintf(want, sizeof want, "tcp://127.0.0.1:%d:", up_port);
	CHECK(!strstr(e.msg, want));
	/* 500 is retried. */
	CHECK(http.requests >= 2);
	close(up_fd);
}

static void test_http_connection_refused(void)
{
	struct err e;
	char list[128], want[128];
	int port = closed_port();

	snprintf(list, sizeof list, "http://user:pa55word@127.0.0.1:%d/", port);
	CHECK_INT(wait_for(list, 300, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_TIMEOUT);
	snprintf(want, sizeof want, "waiting for http://user:***@127.0.0.1:%d/: ", port);
	CHECK(contains(e.msg, want));
	CHECK(!strstr(e.msg, "pa55word"));
}

static void test_cancel(void)
{
	struct services *s = NULL;
	struct err e;
	char list[128];

	snprintf(list, sizeof list, "tcp://127.0.0.1:%d", closed_port());
	err_clear(&e);
	CHECK_INT(services_parse(list, &s, &e), 0);
	CHECK_INT(services_start(s, now_ms() + 60000, &e), 0);
	services_cancel(s);
	services_cancel(s);
	CHECK_INT(services_finish(s, &e), -1);
	CHECK_INT(e.code, EXIT_FAILURE_GENERIC);
	CHECK_STR(e.msg, "wait for services cancelled");
	/* finish may be asked again; the answer is the same. */
	CHECK_INT(services_finish(s, &e), -1);
	CHECK(strstr(services_summary(s), "(not ready)") != NULL);
	services_free(s);
}

static void test_free_while_running(void)
{
	struct services *s = NULL;
	struct err e;
	char list[128];

	snprintf(list, sizeof list, "tcp://127.0.0.1:%d http://127.0.0.1:%d/", closed_port(),
		 closed_port());
	err_clear(&e);
	CHECK_INT(services_parse(list, &s, &e), 0);
	CHECK_INT(services_start(s, now_ms() + 60000, &e), 0);
	services_free(s); /* cancels and joins; a hang here fails the run */
	CHECK(1);
}

/* Last: a received signal stays noted for the rest of the program. */
static void test_signal_stops_the_wait(void)
{
	static const int script[] = {503};
	struct responder http;
	struct services *s = NULL;
	struct err e;
	char list[256];

	err_clear(&e);
	CHECK_INT(sig_install(&e), 0);
	responder_start(&http, script, 1);
	snprintf(list, sizeof list, "tcp://127.0.0.1:%d http://127.0.0.1:%d/", closed_port(), http.port);
	CHECK_INT(services_parse(list, &s, &e), 0);
	/* A deadline far away: only the signal can end this wait. */
	CHECK_INT(services_start(s, now_ms() + 60000, &e), 0);
	raise(SIGTERM);
	CHECK_INT(services_finish(s, &e), -1);
	CHECK_INT(e.code, 128 + SIGTERM);
	CHECK_STR(e.msg, "interrupted by SIGTERM");
	services_free(s);
	responder_stop(&http);
}

int main(void)
{
	/* Loopback only: keep any proxy of the environment out of it. */
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/migrate-services-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}

	RUN(test_all_ready);
	RUN(test_redirect_is_ready_and_not_followed);
	RUN(test_name_lookup_and_every_address);
	RUN(test_closed_port_times_out);
	RUN(test_timeout_message_exact);
	RUN(test_missing_unix_socket);
	RUN(test_only_unready_named);
	RUN(test_http_connection_refused);
	RUN(test_cancel);
	RUN(test_free_while_running);
	RUN(test_signal_stops_the_wait);

	rmdir(tmpdir);
	return tap_done();
}
