/*
 * services.h — waiting for the extra dependencies of `wait.services` (the
 * first step of the bootstrap): TCP ports, unix sockets and HTTP(S) health
 * URLs, all concurrently, in one background thread, while the main thread
 * waits for PostgreSQL.
 *
 * Readiness:
 *   tcp://host:port        a completed connect (the name is resolved again on
 *                          every attempt, every address is tried in turn)
 *   unix:///path.sock      a completed connect to the socket
 *   http://…, https://…    an answer with status 2xx or 3xx (redirects are not
 *                          followed); 4xx, 5xx and transport errors are retried;
 *                          a certificate that cannot be trusted fails at once
 *
 * Every service retries with its own backoff (backoff.h) until the shared
 * deadline.  While a service is awaited one line is logged about every 5 s
 * ("waiting for tcp://redis:6379 (5.0s): connection refused"), and a debug
 * line when it becomes ready.  Passwords in http URLs are never printed
 * (user:***@, as dburl_redact does).
 *
 * Signals: the thread polls sig_fd() and stops within a few milliseconds of
 * SIGTERM/SIGINT; services_finish then reports 128+N.  The thread blocks all
 * signals itself, so handlers run on the other threads.
 *
 * HTTP(S) uses libcurl's multi interface; curl_global_init is called by
 * services_start only when there is an http(s) service, and undone by
 * services_free.  The proxy environment variables (http_proxy, no_proxy, …)
 * apply as they do for curl.
 *
 * Known limit: a host name lookup cannot be interrupted (neither
 * getaddrinfo nor curl's resolver can be).  Lookups run in helper threads,
 * so the wait still ends on time; a lookup still hanging then is abandoned
 * and its helper thread finishes (and frees its memory) on its own.
 *
 * The pieces: svcurl.h parses the list, lookup.h runs the name lookups,
 * probe.h makes one connect or HTTP attempt, services.c is the event loop
 * and the thread.
 *
 * Life cycle: services_parse → services_start → services_finish →
 * services_summary → services_free.  One struct services is used by one
 * thread (the caller's) at a time; services_cancel may be called from the
 * caller's thread between start and finish.
 */
#ifndef MIGRATE_SERVICES_H
#define MIGRATE_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct services; /* opaque */

/* At most this many services in one list. */
#define SERVICES_MAX 64

/* Parse and validate a space-separated list of service URLs (any
 * whitespace separates; exact duplicates are dropped).  NULL or a list with
 * no entries: *out = NULL and 0.  Otherwise *out is owned by the caller
 * (services_free).  A bad URL is EXIT_CONFIG naming it (password redacted):
 *   invalid service "tcp://redis": missing port (expected tcp://host:port)
 * Passwords of http URLs are registered as log secrets (log.h). */
int services_parse(const char *list, struct services **out, struct err *e);

/* Number of services, and the i-th one as printed (password redacted;
 * borrowed from s).  s may be NULL (0 services). */
size_t services_count(const struct services *s);
const char *services_name(const struct services *s, size_t i);

/* The CA certificates https services are verified with (docs/reference.md
 * §7.2), first that applies: ca_cert (the wait.ca_cert setting, NULL when
 * unset; where names its source for messages, "MIGRATE_WAIT_CA_CERT");
 * $CURL_CA_BUNDLE; $SSL_CERT_FILE and $SSL_CERT_DIR; else libcurl's default
 * (the system's bundle).  The environment is looked at only when s has an
 * https service; ca_cert is checked whenever it is set (s may be NULL).  A
 * file that cannot be read, or a directory that cannot be opened, is
 * EXIT_CONFIG naming it and where it came from.  Call before
 * services_start. */
int services_set_ca(struct services *s, const char *ca_cert, const char *where, struct err *e);

/* The services not ready yet, each with its last error, as in the timeout
 * message: "tcp://redis:6379: connection refused, http://api/health: HTTP
 * 503" ("" when every one is ready; s may be NULL).  For a caller whose own
 * wait timed out at the same deadline; call after services_finish. */
void services_pending(const struct services *s, char *buf, size_t cap);

/* Start waiting in a background thread until every service is ready or
 * deadline (now_ms() clock) passes.  s may be NULL (nothing to wait for).
 * Fails only when the thread or its resources cannot be created. */
int services_start(struct services *s, int64_t deadline, struct err *e);

/* Ask a started wait to stop now (say the PostgreSQL wait already failed);
 * services_finish then returns promptly with "wait for services cancelled"
 * (EXIT_FAILURE_GENERIC).  Safe to call more than once. */
void services_cancel(struct services *s);

/* Join the thread.  0 when every service was ready (also for s == NULL or
 * when never started); -1 with e set otherwise:
 *   EXIT_TIMEOUT "timed out after 30s waiting for tcp://redis:6379:
 *   connection refused, http://api/health: HTTP 503" (every service still
 *   not ready with its last error), 128+N on a signal, or cancelled;
 *   EXIT_CONFIG "https://api/health: SSL certificate problem: …" with a
 *   hint, at once, when a certificate cannot be trusted (the thread then
 *   also calls sig_request_stop, so that the caller's own wait stops:
 *   services_failed says so).
 * The thread no longer exists when this returns. */
int services_finish(struct services *s, struct err *e);

/* Whether the wait ended because a service failed for good (after
 * services_finish; 0 for s == NULL). */
int services_failed(const struct services *s);

/* One line for the final log after services_finish, e.g.
 * "tcp://redis:6379 (0.4s), http://api/health (1.2s)" (time until ready;
 * "not ready" for the others).  "" for s == NULL.  Borrowed from s. */
const char *services_summary(const struct services *s);

/* Free s (NULL is fine).  A wait still running is cancelled and joined. */
void services_free(struct services *s);

#endif
