/*
 * fuzz_svcurl.c — the `wait.services` list (wait/svcurl.h): svcurl_list_parse
 * on any text (the input after its first byte, up to a NUL), with the limit
 * on entries taken from the first byte (0 to 15).
 *
 * Invariants: a failure is EXIT_CONFIG (or out of memory) with a message
 * and leaves an empty list; a success has at most max entries, no two
 * alike, each a whitespace-free word of the text without control
 * characters; tcp:// has a host and a port 1-65535 in decimal without
 * leading zeros, unix:// an absolute path inside its URL that fits a
 * sockaddr_un, http(s):// neither; the shown form is NUL-terminated and the
 * same as the URL when there is no '@' or '=' in it (nothing to redact).  Everything is released.
 */
#include "fuzz.h"

#include <ctype.h>
#include <strings.h>
#include <sys/un.h>

#include "wait/svcurl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max = size > 0 ? data[0] % 16 : 4;
	char *text = fuzz_cstr(size > 0 ? data + 1 : data, size > 0 ? size - 1 : 0);
	struct svcurl_list l;
	struct err e;

	memset(&e, 0, sizeof e);
	memset(&l, 0xa5, sizeof l);
	if (svcurl_list_parse(text, max, &l, &e) != 0) {
		FUZZ_CHECK(e.code == EXIT_CONFIG || e.code == EXIT_FAILURE_GENERIC, "error code");
		FUZZ_CHECK(e.msg[0] != '\0', "error without a message");
		FUZZ_CHECK(l.v == NULL && l.n == 0, "a failure leaves a list");
		svcurl_list_release(&l);
		free(text);
		return 0;
	}
	FUZZ_CHECK(l.n <= max, "more entries than allowed");
	FUZZ_CHECK((l.n == 0) == (l.v == NULL), "an empty list has no array");
	for (size_t i = 0; i < l.n; i++) {
		const struct svcurl *u = &l.v[i];
		FUZZ_CHECK(u->url && u->url[0] && strstr(text, u->url), "entry is not from the text");
		FUZZ_CHECK(u->shown && strlen(u->shown) < 2 * strlen(u->url) + 16, "shown form");
		for (const char *p = u->url; *p; p++)
			FUZZ_CHECK(!isspace((unsigned char)*p) && (unsigned char)*p >= 0x20 &&
					   *p != 0x7f,
				   "whitespace or a control character in an entry");
		if (!strchr(u->url, '@') && !strchr(u->url, '=')) /* no userinfo, no key=value */
			FUZZ_CHECK(strcmp(u->url, u->shown) == 0, "shown form changed without a password");
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(u->url, l.v[k].url) != 0, "a duplicate entry");
		switch (u->kind) {
		case SVCURL_TCP: {
			FUZZ_CHECK(strncasecmp(u->url, "tcp://", 6) == 0, "tcp scheme");
			FUZZ_CHECK(u->host && u->host[0], "tcp host");
			FUZZ_CHECK(u->port[0] >= '1' && u->port[0] <= '9' && strlen(u->port) <= 5,
				   "tcp port");
			long v = strtol(u->port, NULL, 10);
			FUZZ_CHECK(v >= 1 && v <= 65535, "tcp port range");
			FUZZ_CHECK(u->path == NULL, "tcp path");
			break;
		}
		case SVCURL_UNIX: {
			struct sockaddr_un sun;
			FUZZ_CHECK(strncasecmp(u->url, "unix://", 7) == 0, "unix scheme");
			FUZZ_CHECK(u->path == u->url + 7 && u->path[0] == '/', "unix path");
			FUZZ_CHECK(strlen(u->path) < sizeof sun.sun_path, "unix path too long");
			FUZZ_CHECK(u->host == NULL && u->port[0] == '\0', "unix host");
			break;
		}
		case SVCURL_HTTP:
			FUZZ_CHECK(strncasecmp(u->url, "http://", 7) == 0 ||
					   strncasecmp(u->url, "https://", 8) == 0,
				   "http scheme");
			FUZZ_CHECK(u->host == NULL && u->path == NULL && u->port[0] == '\0',
				   "http host");
			break;
		default:
			FUZZ_CHECK(0, "entry kind");
		}
	}
	svcurl_list_release(&l);
	FUZZ_CHECK(l.v == NULL && l.n == 0, "release leaves a list");
	free(text);
	return 0;
}
