/*
 * vars.c — see vars.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/vars.h"

#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/log.h"

static struct var *find(const struct vars *vs, const char *name, size_t len)
{
	for (size_t i = 0; i < vs->n; i++)
		if (strlen(vs->v[i].name) == len && memcmp(vs->v[i].name, name, len) == 0)
			return &vs->v[i];
	return NULL;
}

const char *vars_get(const struct vars *vs, const char *name, size_t len)
{
	const struct var *v = vs ? find(vs, name, len) : NULL;
	return v ? v->value : NULL;
}

bool vars_secret(const struct vars *vs, const char *name, size_t len)
{
	const struct var *v = vs ? find(vs, name, len) : NULL;
	return v && v->secret;
}

/* The value, and the value as it appears inside a quoted literal or
 * identifier (quotes and backslashes doubled), go on the redaction list. */
static void redact(const char *value)
{
	size_t n = strlen(value);
	char *q = malloc(2 * n + 1);
	log_add_secret(value);
	if (!q)
		return;
	for (char quote = '\''; quote; quote = quote == '\'' ? '"' : 0) {
		size_t w = 0;
		for (const char *p = value; *p; p++) {
			if (*p == quote || (quote == '\'' && *p == '\\'))
				q[w++] = *p;
			q[w++] = *p;
		}
		q[w] = '\0';
		if (strcmp(q, value) != 0)
			log_add_secret(q);
	}
	free(q);
}

int vars_set(struct vars *vs, const char *name, const char *value, bool secret)
{
	struct var *v = find(vs, name, strlen(name));
	char *copy;
	if (!value) {
		if (v) {
			free(v->name);
			free(v->value);
			*v = vs->v[--vs->n];
		}
		return 0;
	}
	copy = strdup(value);
	if (!copy)
		return -1;
	if (secret || (v && v->secret))
		redact(value);
	if (v) {
		free(v->value);
		v->value = copy;
		v->secret = v->secret || secret;
		return 0;
	}
	if (array_reserve((void **)&vs->v, &vs->cap, vs->n + 1, sizeof *vs->v) < 0) {
		free(copy);
		return -1;
	}
	vs->v[vs->n].name = strdup(name);
	if (!vs->v[vs->n].name) {
		free(copy);
		return -1;
	}
	vs->v[vs->n].value = copy;
	vs->v[vs->n].secret = secret;
	vs->n++;
	return 0;
}

int vars_copy(struct vars *out, const struct vars *vs)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; vs && i < vs->n; i++)
		if (vars_set(out, vs->v[i].name, vs->v[i].value, vs->v[i].secret) < 0)
			return -1;
	return 0;
}

void vars_release(struct vars *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].value);
	}
	free(vs->v);
	memset(vs, 0, sizeof *vs);
}
