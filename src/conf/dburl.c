/*
 * dburl.c — see dburl.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "conf/dburl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int dburl_is_uri(const char *text)
{
	const char *p = text;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return p != text && strncmp(p, "://", 3) == 0;
}

/* Append n bytes of s to the growing string (buf, len), capacity cap. */
static void append(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n >= cap)
		n = cap - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/* Rewrite asyncpg's ssl=… query parameter as libpq's sslmode=…. */
static void translate_query(const char *query, char *out, size_t cap, size_t *len)
{
	const char *p = query;
	while (*p) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > 4 && strncmp(p, "ssl=", 4) == 0) {
			const char *v = p + 4;
			size_t vn = n - 4;
			append(out, cap, len, "sslmode=", 8);
			if ((vn == 4 && strncmp(v, "true", 4) == 0))
				append(out, cap, len, "require", 7);
			else if (vn == 5 && strncmp(v, "false", 5) == 0)
				append(out, cap, len, "disable", 7);
			else
				append(out, cap, len, v, vn);
		} else {
			append(out, cap, len, p, n);
		}
		if (!end)
			break;
		append(out, cap, len, "&", 1);
		p = end + 1;
	}
}

int dburl_normalize(const char *text, char **out, struct err *e)
{
	const char *sep, *rest, *query;
	size_t scheme_len, cap, len = 0;
	char *buf;

	while (isspace((unsigned char)*text))
		text++;
	if (!dburl_is_uri(text)) {
		*out = strdup(text);
		return 0;
	}
	sep = strstr(text, "://");
	scheme_len = (size_t)(sep - text);
	{
		const char *plus = memchr(text, '+', scheme_len);
		size_t base_len = plus ? (size_t)(plus - text) : scheme_len;
		if (!((base_len == 10 && strncmp(text, "postgresql", 10) == 0) ||
		      (base_len == 8 && strncmp(text, "postgres", 8) == 0))) {
			return err_set(e, EXIT_CONFIG,
				       "unsupported database URL scheme \"%.*s\" (expected postgresql://, "
				       "postgres:// or postgresql+DRIVER://)",
				       (int)scheme_len, text);
		}
	}
	rest = sep + 3;
	cap = strlen(text) + 64;
	buf = malloc(cap);
	if (!buf)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	buf[0] = '\0';
	append(buf, cap, &len, "postgresql://", 13);
	query = strchr(rest, '?');
	if (!query) {
		append(buf, cap, &len, rest, strlen(rest));
	} else {
		append(buf, cap, &len, rest, (size_t)(query - rest) + 1);
		translate_query(query + 1, buf, cap, &len);
	}
	*out = buf;
	return 0;
}

/* Redact the value of every "password=" parameter in a URI query. */
static void redact_query(const char *q, char *out, size_t cap, size_t *len)
{
	while (*q) {
		const char *end = strchr(q, '&');
		size_t n = end ? (size_t)(end - q) : strlen(q);
		if (n >= 9 && strncmp(q, "password=", 9) == 0)
			append(out, cap, len, "password=***", 12);
		else
			append(out, cap, len, q, n);
		if (!end)
			break;
		append(out, cap, len, "&", 1);
		q = end + 1;
	}
}

static void redact_uri(const char *text, char *out, size_t cap)
{
	size_t len = 0;
	const char *rest = strstr(text, "://") + 3;
	const char *auth_end = rest + strcspn(rest, "/?");
	const char *at = NULL;
	const char *query;

	out[0] = '\0';
	/* The last '@' before the path ends the userinfo. */
	for (const char *p = rest; p < auth_end; p++)
		if (*p == '@')
			at = p;
	append(out, cap, &len, text, (size_t)(rest - text));
	if (at) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		if (colon) {
			append(out, cap, &len, rest, (size_t)(colon - rest));
			append(out, cap, &len, ":***", 4);
		} else {
			append(out, cap, &len, rest, (size_t)(at - rest));
		}
		rest = at;
	}
	query = strchr(rest, '?');
	if (!query) {
		append(out, cap, &len, rest, strlen(rest));
		return;
	}
	append(out, cap, &len, rest, (size_t)(query - rest) + 1);
	redact_query(query + 1, out, cap, &len);
}

/* key=value conninfo: replace the value of password (quoted or bare). */
static void redact_conninfo(const char *text, char *out, size_t cap)
{
	size_t len = 0;
	const char *p = text;
	out[0] = '\0';
	while (*p) {
		const char *key = p;
		while (*p && *p != '=' && !isspace((unsigned char)*p))
			p++;
		size_t key_len = (size_t)(p - key);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=') {
			/* Not key=value: copy what we have and go on. */
			append(out, cap, &len, key, (size_t)(p - key));
			if (*p)
				append(out, cap, &len, p++, 1);
			continue;
		}
		p++; /* '=' */
		while (isspace((unsigned char)*p))
			p++;
		const char *val = p;
		if (*p == '\'') {
			p++;
			while (*p && *p != '\'') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			if (*p)
				p++;
		} else {
			while (*p && !isspace((unsigned char)*p))
				p++;
		}
		append(out, cap, &len, key, key_len);
		append(out, cap, &len, "=", 1);
		if (key_len == 8 && strncmp(key, "password", 8) == 0)
			append(out, cap, &len, "***", 3);
		else
			append(out, cap, &len, val, (size_t)(p - val));
		while (isspace((unsigned char)*p))
			append(out, cap, &len, p++, 1);
	}
}

void dburl_redact(const char *text, char *out, size_t cap)
{
	if (cap == 0)
		return;
	if (dburl_is_uri(text))
		redact_uri(text, out, cap);
	else
		redact_conninfo(text, out, cap);
}
