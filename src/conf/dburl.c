/*
 * dburl.c — see dburl.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "conf/dburl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	{
		/* as libpq: the userinfo ends at the first '@' before any '/'
		 * ('?' and all), and the query is looked for after it */
		const char *at = rest;
		while (*at && *at != '@' && *at != '/')
			at++;
		query = strchr(*at == '@' ? at + 1 : rest, '?');
	}
	if (!query) {
		append(buf, cap, &len, rest, strlen(rest));
	} else {
		append(buf, cap, &len, rest, (size_t)(query - rest) + 1);
		translate_query(query + 1, buf, cap, &len);
	}
	*out = buf;
	return 0;
}

/* ---- redaction ------------------------------------------------------------
 *
 * Redaction errs on the side of hiding: wherever libpq could read a password
 * from, and a little around it when the text can be read two ways. */

/* A conninfo's dbname may itself be a URI or a conninfo (libpq expands it
 * once): redacted too, one level down. */
#define REDACT_DEPTH 2

static void redact_any(const char *text, char *out, size_t cap, int depth);

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Whether the n bytes at key name a password keyword: "password" or
 * "sslpassword" (the client key's), in any case; percent-decoded first when
 * decode is set (libpq decodes the keys of a URI's query). */
static int password_key(const char *key, size_t n, int decode)
{
	char name[16];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)key[i];
		if (decode && c == '%' && i + 2 < n && hexval((unsigned char)key[i + 1]) >= 0 &&
		    hexval((unsigned char)key[i + 2]) >= 0) {
			c = hexval((unsigned char)key[i + 1]) * 16 + hexval((unsigned char)key[i + 2]);
			i += 2;
		}
		if (len + 1 >= sizeof name)
			return 0;
		name[len++] = (char)tolower(c);
	}
	name[len] = '\0';
	return strcmp(name, "password") == 0 || strcmp(name, "sslpassword") == 0;
}

/* [from, to) of a text, to be shown as "***" (also when empty). */
struct span {
	size_t from, to;
};

/* A URI: the userinfo's password, and the value of every password
 * parameter after a '?' or a '&' anywhere (a '?' may belong to a password,
 * an '@' to a parameter's value: both readings are hidden). */
static void redact_uri(const char *text, char *out, size_t cap)
{
	const char *rest = strstr(text, "://") + 3;
	const char *slash = rest + strcspn(rest, "/");
	const char *at = NULL;
	size_t count = 0, merged = 0, max = 1, len = 0, done = 0;
	struct span *v;

	out[0] = '\0';
	for (const char *p = rest; *p; p++)
		if (*p == '?' || *p == '&')
			max++;
	v = malloc(max * sizeof *v);
	if (!v) {
		/* no memory to work out what to hide: hide all after the scheme */
		append(out, cap, &len, text, (size_t)(rest - text));
		append(out, cap, &len, "***", 3);
		return;
	}
	/* libpq ends the userinfo at the first '@' before any '/'; the last
	 * one hides more when there are several */
	for (const char *p = rest; p < slash; p++)
		if (*p == '@')
			at = p;
	if (at) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		if (colon)
			v[count++] = (struct span){(size_t)(colon + 1 - text), (size_t)(at - text)};
	}
	for (const char *p = rest; *p; p++) {
		const char *key = p + 1, *eq, *end;
		if (*p != '?' && *p != '&')
			continue;
		eq = key + strcspn(key, "=&");
		if (*eq != '=' || !password_key(key, (size_t)(eq - key), 1))
			continue;
		end = eq + 1 + strcspn(eq + 1, "&");
		if (count < max)
			v[count++] = (struct span){(size_t)(eq + 1 - text), (size_t)(end - text)};
	}
	/* in order (few spans: insertion sort), overlapping ones merged */
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && v[j].from < v[j - 1].from; j--) {
			struct span t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (size_t i = 0; i < count; i++) {
		if (merged > 0 && v[i].from <= v[merged - 1].to) {
			if (v[i].to > v[merged - 1].to)
				v[merged - 1].to = v[i].to;
		} else {
			v[merged++] = v[i];
		}
	}
	for (size_t i = 0; i < merged; i++) {
		append(out, cap, &len, text + done, v[i].from - done);
		append(out, cap, &len, "***", 3);
		done = v[i].to;
	}
	append(out, cap, &len, text + done, strlen(text + done));
	free(v);
}

/* A dbname value that is itself a URI or a conninfo (val, n bytes, without
 * its quotes), redacted one level down. */
static void redact_nested(const char *val, size_t n, char *out, size_t cap, size_t *len,
			  int depth)
{
	char *inner = malloc(n + 1), *red = malloc(2 * n + 16);
	if (!inner || !red) {
		append(out, cap, len, "***", 3);
	} else {
		memcpy(inner, val, n);
		inner[n] = '\0';
		redact_any(inner, red, 2 * n + 16, depth + 1);
		append(out, cap, len, red, strlen(red));
	}
	free(inner);
	free(red);
}

/* key=value conninfo: the value of password and sslpassword (quoted or
 * bare, keyword in any case: libpq's own error for "PASSWORD" quotes the
 * text), and what a dbname holds when it is a URI or a conninfo. */
static void redact_conninfo(const char *text, char *out, size_t cap, int depth)
{
	size_t len = 0;
	const char *p = text;
	out[0] = '\0';
	while (*p) {
		const char *key = p, *val;
		size_t key_len, val_len;
		int quoted = 0;
		while (*p && *p != '=' && !isspace((unsigned char)*p))
			p++;
		key_len = (size_t)(p - key);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=') {
			/* Not key=value: copy what we have and go on (p moved:
			 * past the word, or past the blanks before the next) */
			append(out, cap, &len, key, (size_t)(p - key));
			continue;
		}
		p++; /* '=' */
		while (isspace((unsigned char)*p))
			p++;
		val = p;
		if (*p == '\'') {
			quoted = 1;
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
		val_len = (size_t)(p - val);
		append(out, cap, &len, key, key_len);
		append(out, cap, &len, "=", 1);
		if (password_key(key, key_len, 0)) {
			append(out, cap, &len, "***", 3);
		} else if (depth < REDACT_DEPTH && key_len == 6 && strncasecmp(key, "dbname", 6) == 0) {
			/* the text between the quotes, if any */
			const char *inner = val + quoted;
			size_t n = val_len - (size_t)quoted;
			if (quoted && n > 0 && inner[n - 1] == '\'')
				n--;
			if (quoted)
				append(out, cap, &len, "'", 1);
			if (memchr(inner, '=', n) || (n > 3 && strstr(inner, "://") &&
						      (size_t)(strstr(inner, "://") - inner) < n))
				redact_nested(inner, n, out, cap, &len, depth);
			else
				append(out, cap, &len, inner, n);
			if (quoted && val_len > 1 && val[val_len - 1] == '\'')
				append(out, cap, &len, "'", 1);
		} else {
			append(out, cap, &len, val, val_len);
		}
		while (isspace((unsigned char)*p))
			append(out, cap, &len, p++, 1);
	}
}

static void redact_any(const char *text, char *out, size_t cap, int depth)
{
	size_t lead = 0, len = 0;
	while (isspace((unsigned char)text[lead]))
		lead++;
	if (!dburl_is_uri(text + lead)) {
		redact_conninfo(text, out, cap, depth);
		return;
	}
	/* leading blanks kept as they are (dburl_normalize drops them) */
	out[0] = '\0';
	append(out, cap, &len, text, lead);
	redact_uri(text + lead, out + len, cap - len);
}

void dburl_redact(const char *text, char *out, size_t cap)
{
	if (cap == 0)
		return;
	redact_any(text, out, cap, 1);
}
