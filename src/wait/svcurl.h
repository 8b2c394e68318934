/*
 * svcurl.h — the list of `wait.services` URLs, parsed and validated:
 *
 *   tcp://host:port        host a name, an IPv4 address or [an IPv6 address]
 *   unix:///path.sock      an absolute path that fits a sockaddr_un
 *   http://…, https://…    host[:port] checked; the rest is curl's business
 *
 * Schemes match in any case (TCP://Cache:11211).  Every entry also gets the
 * form it is printed in, with the password of a URL replaced by "***" (as
 * dburl_redact does), and every error names the entry in that form:
 *   invalid service "tcp://redis": missing port (expected tcp://host:port)
 *
 * No threads, sockets or curl: the parsing can be tested on its own.  The
 * one side effect is on the log: the password of an http(s) URL is
 * registered as a log secret (log.h) as soon as it is seen, even when the
 * entry turns out to be invalid, so that no message can print it.
 */
#ifndef MIGRATE_SVCURL_H
#define MIGRATE_SVCURL_H

#include <stddef.h>

#include "util/err.h"

enum svcurl_kind { SVCURL_TCP, SVCURL_UNIX, SVCURL_HTTP };

/* One entry of the list. */
struct svcurl {
	enum svcurl_kind kind;
	char *url;        /* as given (handed to curl); owned */
	char *shown;      /* as printed, password redacted; owned */
	char *host;       /* tcp: the host, without [ ]; owned; NULL otherwise */
	char port[6];     /* tcp: "1"-"65535"; "" otherwise */
	const char *path; /* unix: the socket path, points into url; NULL otherwise */
};

struct svcurl_list {
	struct svcurl *v; /* owned */
	size_t n;
};

/* Parse a list of URLs separated by any whitespace into out, keeping their
 * order and dropping exact duplicates.  NULL or a list with no entries is
 * an empty list (n == 0), not an error.  More than max distinct entries is
 * EXIT_CONFIG "too many services to wait for (at most <max>)"; a bad entry
 * is EXIT_CONFIG naming the first one (see above; a "host:port" without a
 * scheme gets a hint).  On success out is the caller's (svcurl_list_release);
 * on failure (-1, e set) nothing is left to release. */
int svcurl_list_parse(const char *list, size_t max, struct svcurl_list *out, struct err *e);

/* Free every entry and empty the list (an empty list is fine). */
void svcurl_list_release(struct svcurl_list *l);

#endif
