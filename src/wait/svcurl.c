/*
 * svcurl.c — see svcurl.h.
 *
 * Only as much of a URL is checked as the wait relies on: the scheme, the
 * host and port of tcp:// and of an http(s):// authority, the absolute
 * path of unix://.  A tcp:// URL takes no user name, path or query (a
 * trailing "/" is harmless); an http(s) URL may have any path and query,
 * which curl sends as they are.
 */
#define _POSIX_C_SOURCE 200809L
#include "wait/svcurl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "conf/dburl.h"
#include "util/log.h"

static const char expected_kinds[] =
	"expected tcp://host:port, http://..., https://... or unix:///path.sock";

static int invalid(struct err *e, const char *shown, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int invalid(struct err *e, const char *shown, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return err_set(e, EXIT_CONFIG, "invalid service \"%s\": %s", shown, reason);
}

/* A decimal port 1–65535 of n bytes at p, copied to out. */
static int parse_port(const char *p, size_t n, char out[6])
{
	long v = 0;
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	snprintf(out, 6, "%ld", v);
	return 0;
}

/* Split "host:port" or "[v6]:port" (n bytes at p) into host and port.
 * what: "tcp://host:port" or similar, for messages.  port_optional: http. */
static int parse_hostport(const char *p, size_t n, int port_optional, const char *what,
			  const char *shown, char **host, char port[6], struct err *e)
{
	const char *end = p + n, *h = p, *h_end, *colon = NULL;

	if (n > 0 && p[0] == '[') {
		const char *close = memchr(p, ']', n);
		if (!close)
			return invalid(e, shown, "unterminated \"[\" in the host (expected %s)", what);
		h = p + 1;
		h_end = close;
		if (close + 1 < end) {
			if (close[1] != ':')
				return invalid(e, shown, "unexpected text after \"]\" (expected %s)",
					       what);
			colon = close + 1;
		}
	} else {
		for (const char *q = p; q < end; q++)
			if (*q == ':')
				colon = q;
		h_end = colon ? colon : end;
		if (memchr(h, ':', (size_t)(h_end - h)))
			return invalid(e, shown, "an IPv6 address needs brackets (expected %s)", what);
	}
	if (h_end == h)
		return invalid(e, shown, "missing host (expected %s)", what);
	if (!colon) {
		if (!port_optional)
			return invalid(e, shown, "missing port (expected %s)", what);
		port[0] = '\0';
	} else if (parse_port(colon + 1, (size_t)(end - colon - 1), port) < 0) {
		return invalid(e, shown, "invalid port \"%.*s\" (expected 1-65535)",
			       (int)(end - colon - 1), colon + 1);
	}
	if (host) {
		*host = strndup(h, (size_t)(h_end - h));
		if (!*host)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	return 0;
}

static int parse_tcp(struct svcurl *u, const char *rest, struct err *e)
{
	const char *what = "tcp://host:port";
	size_t n = strlen(rest);
	size_t hp;

	if (n > 0 && rest[n - 1] == '/')
		n--; /* tcp://redis:6379/ is harmless */
	hp = strcspn(rest, "/?#@");
	if (hp < n && rest[hp] == '@')
		return invalid(e, u->shown, "unexpected user name (expected %s)", what);
	if (hp < n)
		return invalid(e, u->shown, "unexpected path \"%.*s\" (expected %s)", (int)(n - hp),
			       rest + hp, what);
	return parse_hostport(rest, n, 0, what, u->shown, &u->host, u->port, e);
}

static int parse_unix(struct svcurl *u, const char *rest, struct err *e)
{
	struct sockaddr_un sun;
	if (rest[0] != '/')
		return invalid(e, u->shown, "expected an absolute path (unix:///path/to/socket)");
	if (strlen(rest) >= sizeof sun.sun_path)
		return invalid(e, u->shown, "socket path is too long (at most %zu bytes)",
			       sizeof sun.sun_path - 1);
	u->path = rest;
	return 0;
}

static int parse_http(struct svcurl *u, const char *scheme, const char *rest, struct err *e)
{
	char what[40];
	size_t auth_len = strcspn(rest, "/?#");
	const char *at = NULL;
	char port[6];

	snprintf(what, sizeof what, "%s://host[:port]/path", scheme);
	for (const char *q = rest; q < rest + auth_len; q++)
		if (*q == '@')
			at = q;
	if (at) {
		/* Register the password so it is redacted from every log line,
		 * curl's messages included. */
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		if (colon) {
			char *password = strndup(colon + 1, (size_t)(at - colon - 1));
			if (!password)
				return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
			log_add_secret(password);
			free(password);
		}
		auth_len -= (size_t)(at + 1 - rest);
		rest = at + 1;
	}
	return parse_hostport(rest, auth_len, 1, what, u->shown, NULL, port, e);
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Parse one entry (n bytes at word) into u, a zeroed entry. */
static int parse_entry(struct svcurl *u, const char *word, size_t n, struct err *e)
{
	size_t cap = 2 * n + 16;

	u->url = strndup(word, n);
	u->shown = malloc(cap);
	if (!u->url || !u->shown)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	if (dburl_is_uri(u->url))
		dburl_redact(u->url, u->shown, cap);
	else
		snprintf(u->shown, cap, "%s", u->url);

	for (const char *p = u->url; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return invalid(e, u->shown, "contains a control character");

	if (has_prefix(u->url, "tcp://")) {
		u->kind = SVCURL_TCP;
		return parse_tcp(u, u->url + 6, e);
	}
	if (has_prefix(u->url, "unix://")) {
		u->kind = SVCURL_UNIX;
		return parse_unix(u, u->url + 7, e);
	}
	if (has_prefix(u->url, "http://")) {
		u->kind = SVCURL_HTTP;
		return parse_http(u, "http", u->url + 7, e);
	}
	if (has_prefix(u->url, "https://")) {
		u->kind = SVCURL_HTTP;
		return parse_http(u, "https", u->url + 8, e);
	}

	err_set(e, EXIT_CONFIG, "unsupported service \"%s\" (%s)", u->shown, expected_kinds);
	if (!dburl_is_uri(u->url)) {
		/* "redis:6379": probably meant tcp:// */
		const char *colon = strrchr(u->url, ':');
		char port[6];
		if (colon && colon != u->url && parse_port(colon + 1, strlen(colon + 1), port) == 0)
			err_hint(e, "write it as \"tcp://%s\"", u->url);
	}
	return -1;
}

static void entry_release(struct svcurl *u)
{
	free(u->url);
	free(u->shown);
	free(u->host);
}

void svcurl_list_release(struct svcurl_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		entry_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Whether the n bytes at word are already an entry of l. */
static int listed(const struct svcurl_list *l, const char *word, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i].url) == n && strncmp(l->v[i].url, word, n) == 0)
			return 1;
	return 0;
}

int svcurl_list_parse(const char *list, size_t max, struct svcurl_list *out, struct err *e)
{
	struct svcurl_list l = {NULL, 0};
	const char *p = list;

	*out = l;
	if (!list)
		return 0;
	for (;;) {
		const char *word;
		size_t n;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		word = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		n = (size_t)(p - word);

		if (listed(&l, word, n))
			continue;
		if (l.n == max) {
			svcurl_list_release(&l);
			return err_set(e, EXIT_CONFIG,
				       "too many services to wait for (at most %zu)", max);
		}
		if (!l.v) {
			l.v = calloc(max, sizeof *l.v);
			if (!l.v)
				return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		}
		if (parse_entry(&l.v[l.n++], word, n, e) < 0) {
			svcurl_list_release(&l);
			return -1;
		}
	}
	*out = l;
	return 0;
}
