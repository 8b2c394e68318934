/*
 * fuzz_dburl.c — database URL forms (conf/dburl.h): dburl_is_uri,
 * dburl_normalize and dburl_redact on any text (the input up to its first
 * NUL), with libpq's own parser (PQconninfoParse, no connection) as the
 * oracle.
 *
 * Invariants:
 *   - normalize: a URI comes out as postgresql://…; anything else unchanged
 *     (leading blanks dropped); an error is EXIT_CONFIG with a message;
 *     and when libpq accepts the input, it accepts the normalized form too
 *     with the same value for every connection option (normalizing must
 *     not change where or as whom it connects);
 *   - redact: the output is NUL-terminated inside its buffer, and with a
 *     smaller buffer it is the same text cut short;
 *   - redact: when libpq reads a password from the text, it does not read
 *     the same password from the redacted text (of the input and of its
 *     normalized form): the password does not reach a log.
 */
#include "fuzz.h"

#include <ctype.h>
#include <libpq-fe.h>

#include "conf/dburl.h"

/* The options libpq reads from conninfo, or NULL when it refuses it. */
static PQconninfoOption *pq_parse(const char *conninfo)
{
	char *errmsg = NULL;
	PQconninfoOption *o = PQconninfoParse(conninfo, &errmsg);
	if (errmsg)
		PQfreemem(errmsg);
	return o;
}

static const char *pq_value(const PQconninfoOption *o, const char *key)
{
	for (; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val;
	return NULL;
}

static void no_password(const char *what, const char *text, const char *redacted,
			const char *password)
{
	PQconninfoOption *o = pq_parse(redacted);
	const char *pw = pq_value(o, "password");
	if (pw && strcmp(pw, password) == 0) {
		fprintf(stderr, "%s \"%s\" redacted as \"%s\" still gives libpq the password \"%s\"\n",
			what, text, redacted, password);
		FUZZ_CHECK(0, "a password survives redaction");
	}
	PQconninfoFree(o);
}

/* Redact text with a buffer big enough, then with smaller ones; returns the
 * full redaction (malloc'd). */
static char *redact(const char *text)
{
	size_t len = strlen(text), cap = 2 * len + 16;
	char *full = fuzz_alloc(cap), *part;
	size_t n;
	memset(full, 'x', cap);
	dburl_redact(text, full, cap);
	FUZZ_CHECK(memchr(full, '\0', cap) != NULL, "redaction not terminated");
	n = strlen(full);
	FUZZ_CHECK(n + 1 < cap, "redaction filled a buffer twice the text's size");
	for (size_t small = 1; small <= n + 1; small = small * 2 + 1) {
		part = fuzz_alloc(small);
		memset(part, 'x', small);
		dburl_redact(text, part, small);
		FUZZ_CHECK(memchr(part, '\0', small) != NULL, "cut redaction not terminated");
		FUZZ_CHECK(strlen(part) == (small - 1 < n ? small - 1 : n) &&
				   memcmp(part, full, strlen(part)) == 0,
			   "a smaller buffer gives another text, not the same one cut short");
		free(part);
	}
	dburl_redact(text, NULL, 0); /* no room: nothing written */
	return full;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	const char *trimmed = text;
	char *norm = NULL, *red, *red_norm = NULL;
	struct err e;
	PQconninfoOption *orig, *again;
	const char *password;

	memset(&e, 0, sizeof e);
	while (isspace((unsigned char)*trimmed))
		trimmed++;
	(void)dburl_is_uri(text);
	if (dburl_normalize(text, &norm, &e) == 0) {
		FUZZ_CHECK(norm != NULL, "normalize gave nothing");
		if (dburl_is_uri(trimmed))
			FUZZ_CHECK(strncmp(norm, "postgresql://", 13) == 0,
				   "a normalized URI does not start with postgresql://");
		else
			FUZZ_CHECK(strcmp(norm, trimmed) == 0, "conninfo changed by normalize");
	} else {
		FUZZ_CHECK(e.code == EXIT_CONFIG && e.msg[0] != '\0', "normalize error");
		FUZZ_CHECK(dburl_is_uri(trimmed), "a conninfo string refused");
		norm = NULL;
	}

	red = redact(text);
	if (norm)
		red_norm = redact(norm);

	orig = pq_parse(text);
	password = pq_value(orig, "password");
	if (password && password[0] && strcmp(password, "***") != 0) {
		no_password("text", text, red, password);
		if (red_norm)
			no_password("normalized text", norm, red_norm, password);
	}
	if (orig && norm) {
		again = pq_parse(norm);
		if (!again) {
			fprintf(stderr, "libpq takes \"%s\" but not its normal form \"%s\"\n", text, norm);
			FUZZ_CHECK(0, "normalize breaks a URL libpq takes");
		}
		for (const PQconninfoOption *o = orig; o->keyword; o++) {
			const char *v = pq_value(again, o->keyword);
			if ((o->val == NULL) != (v == NULL) || (v && strcmp(v, o->val) != 0)) {
				fprintf(stderr, "\"%s\" normalized as \"%s\": %s was \"%s\", is \"%s\"\n",
					text, norm, o->keyword, o->val ? o->val : "(unset)",
					v ? v : "(unset)");
				FUZZ_CHECK(0, "normalize changes a connection option");
			}
		}
		PQconninfoFree(again);
	}
	PQconninfoFree(orig);
	free(red);
	free(red_norm);
	free(norm);
	free(text);
	return 0;
}
