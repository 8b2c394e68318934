/*
 * probe.h — one attempt at reaching a service, in two halves: starting it
 * and reading its outcome, so that the event loop (services.c) can wait for
 * many attempts at once.
 *
 *   tcp, unix   a non-blocking connect; the loop polls the socket for
 *               POLLOUT, then asks probe_connect_result.  A tcp attempt
 *               tries every address of the name in turn.
 *   http(s)     a curl easy handle, set up for one request; the loop adds it
 *               to its multi handle and hands the transfer's result to
 *               probe_http_result.  Ready: status 2xx or 3xx.  A certificate
 *               that cannot be trusted is final, not retried.
 *
 * Outcomes are described in why (a buffer of capacity cap) in the words the
 * wait logs: "connection refused", "HTTP 503", curl's own message.
 */
#ifndef MIGRATE_PROBE_H
#define MIGRATE_PROBE_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

struct addrinfo;

#define PROBE_CONNECT_MS 3000 /* one TCP/unix connect (per address) */
#define PROBE_HTTP_MS 5000    /* one HTTP request, connect included */

/* Start a connect to the addresses from *next on, in turn, advancing *next
 * past each one tried.  Returns 1 when one connected at once (nothing is
 * left open), 0 when one is in progress (*fd is the caller's socket to poll
 * for POLLOUT; the rest of *next is still untried), -1 when none is left.
 * why is the error of the last address that failed in this call, "" if
 * none did (also when 0 or 1 is returned after a failed address). */
int probe_connect_next(struct addrinfo **next, int *fd, char *why, size_t cap);

/* Start a connect to the unix socket at path (shorter than sun_path, as
 * svcurl checks).  1, 0 (*fd set) as above, or -1 with why; why is ""
 * unless -1 is returned. */
int probe_connect_unix(const char *path, int *fd, char *why, size_t cap);

/* After POLLOUT on a connecting socket: 0 when it connected, -1 with why. */
int probe_connect_result(int fd, char *why, size_t cap);

/* Where an https server's certificate chain is verified from: a file of CA
 * certificates and/or a directory of them (OpenSSL's hashed layout); NULL
 * for libcurl's default (the system's bundle).  Either replaces the
 * default, as curl's --cacert and --capath do. */
struct probe_ca {
	const char *file;
	const char *dir;
};

/* An easy handle for one GET of url that ends within budget_ms (the time
 * left until the deadline; at most PROBE_HTTP_MS, at least 1 ms), verifying
 * https servers against ca (NULL: the default).  errbuf (CURL_ERROR_SIZE
 * bytes) receives curl's message for the transfer and must live as long as
 * the handle.  The handle is the caller's (curl_easy_cleanup); NULL with why
 * when it cannot be set up. */
CURL *probe_http_new(const char *url, const struct probe_ca *ca, int64_t budget_ms, char *errbuf,
		     char *why, size_t cap);

/* The transfer on h ended with result: 0 when the service answered as ready
 * (2xx, 3xx); -1 with why when another attempt may succeed ("HTTP 503",
 * curl's message: refused, reset, timed out, a handshake cut short); -2
 * with why when the server's certificate cannot be trusted or the CA
 * certificates cannot be used (curl's message; retrying cannot help, like
 * PostgreSQL's certificate errors). */
int probe_http_result(CURL *h, CURLcode result, const char *errbuf, char *why, size_t cap);

#endif
