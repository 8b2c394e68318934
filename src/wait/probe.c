/*
 * probe.c — see probe.h.
 *
 * The HTTP request is a plain GET whose body is thrown away, with:
 *   CURLOPT_NOSIGNAL         curl runs in our wait thread and must not use
 *                            signals (SIGALRM for its resolver timeouts);
 *   CURLOPT_TIMEOUT_MS       a per-attempt timeout, never past the deadline,
 *   CURLOPT_CONNECTTIMEOUT_MS  and the same connect timeout as tcp://;
 *   CURLOPT_FOLLOWLOCATION 0 a redirect already means "up";
 *   CURLOPT_FORBID_REUSE,    every attempt a new connection and a new name
 *   CURLOPT_DNS_CACHE_TIMEOUT 0  lookup, as tcp:// does;
 *   CURLOPT_PROTOCOLS(_STR)  http and https only;
 *   CURLOPT_CAINFO/CAPATH    the CA certificates services.c settled on;
 *   a User-Agent naming the tool and its version.
 * The proxy environment variables (http_proxy, no_proxy, …) apply as they
 * do for curl.
 */
#define _POSIX_C_SOURCE 200809L
#include "wait/probe.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/fd.h"
#include "wait/waitsys.h"

#ifndef MIGRATE_VERSION
#define MIGRATE_VERSION "0.0.0"
#endif

/* Start a non-blocking connect.  1: connected, 0: in progress (*fd set),
 * -1: failed (errno set). */
static int connect_start(int family, const struct sockaddr *addr, socklen_t len, int *fd)
{
	int sock = socket(family, SOCK_STREAM, 0);
	if (sock < 0)
		return -1;
	if (fd_nonblock_cloexec(sock) < 0)
		goto fail;
	if (connect(sock, addr, len) == 0) {
		close(sock);
		return 1;
	}
	if (errno != EINPROGRESS)
		goto fail;
	*fd = sock;
	return 0;
fail:
	{
		int saved = errno;
		close(sock);
		errno = saved;
	}
	return -1;
}

int probe_connect_next(struct addrinfo **next, int *fd, char *why, size_t cap)
{
	why[0] = '\0';
	while (*next) {
		struct addrinfo *ai = *next;
		int rc;
		*next = ai->ai_next;
		rc = connect_start(ai->ai_family, ai->ai_addr, ai->ai_addrlen, fd);
		if (rc >= 0)
			return rc;
		waitsys_strerror(errno, why, cap);
	}
	return -1;
}

int probe_connect_unix(const char *path, int *fd, char *why, size_t cap)
{
	struct sockaddr_un sun;
	int rc;

	why[0] = '\0';
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1); /* length checked by svcurl */
	rc = connect_start(AF_UNIX, (const struct sockaddr *)&sun, sizeof sun, fd);
	if (rc < 0)
		waitsys_strerror(errno, why, cap);
	return rc;
}

int probe_connect_result(int fd, char *why, size_t cap)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
		waitsys_strerror(errno, why, cap);
		return -1;
	}
	if (soerr != 0) {
		waitsys_strerror(soerr, why, cap);
		return -1;
	}
	return 0;
}

static size_t discard_body(char *data, size_t size, size_t nmemb, void *user)
{
	(void)data;
	(void)user;
	return size * nmemb;
}

CURL *probe_http_new(const char *url, const struct probe_ca *ca, int64_t budget_ms, char *errbuf,
		     char *why, size_t cap)
{
	long timeout = PROBE_HTTP_MS;
	long connect_timeout = PROBE_CONNECT_MS;
	CURLcode rc = CURLE_OK;
	CURL *h = curl_easy_init();

	if (budget_ms < timeout)
		timeout = (long)budget_ms;
	if (timeout < 1)
		timeout = 1;
	if (connect_timeout > timeout)
		connect_timeout = timeout;
	if (!h) {
		snprintf(why, cap, "cannot create an HTTP request");
		return NULL;
	}
	errbuf[0] = '\0';
	/* Any failed option leaves rc nonzero. */
	rc |= curl_easy_setopt(h, CURLOPT_URL, url);
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
	rc |= curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, 0L); /* resolve every attempt */
	rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_USERAGENT, "migrate-entry/" MIGRATE_VERSION);
	if (ca && ca->file)
		rc |= curl_easy_setopt(h, CURLOPT_CAINFO, ca->file);
	if (ca && ca->dir)
		rc |= curl_easy_setopt(h, CURLOPT_CAPATH, ca->dir);
#if LIBCURL_VERSION_NUM >= 0x075500
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (rc != CURLE_OK) {
		snprintf(why, cap, "cannot set up the HTTP request: %s",
			 errbuf[0] ? errbuf : "unsupported option");
		curl_easy_cleanup(h);
		return NULL;
	}
	return h;
}

/* Results that another attempt cannot change: the server's certificate
 * (chain, name, dates, pinned key, revocation) or the CA certificates
 * themselves.  A handshake that fails otherwise (CURLE_SSL_CONNECT_ERROR: a
 * server still starting, a reset) is retried. */
static int certificate_problem(CURLcode result)
{
	switch (result) {
	case CURLE_PEER_FAILED_VERIFICATION: /* also CURLE_SSL_CACERT */
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	default:
		return 0;
	}
}

int probe_http_result(CURL *h, CURLcode result, const char *errbuf, char *why, size_t cap)
{
	long status = 0;

	if (result != CURLE_OK) {
		snprintf(why, cap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(result));
		return certificate_problem(result) ? -2 : -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 400)
		return 0;
	snprintf(why, cap, "HTTP %ld", status);
	return -1;
}
