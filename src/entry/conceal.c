/*
 * conceal.c — see conceal.h.
 *
 * The environment as received is kept as a copy of environ's array of
 * pointers: the strings themselves are never changed by setenv (it makes
 * new ones), so the copy goes on showing the variables as they were given.
 */
#define _POSIX_C_SOURCE 200809L
#include "entry/conceal.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/dburl.h"

extern char **environ;

static char **given; /* environ at start (the array copied, not the strings) */

int conceal_note_environment(struct err *e)
{
	size_t n = 0;
	while (environ[n])
		n++;
	given = malloc((n + 1) * sizeof *given);
	if (!given)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	memcpy(given, environ, (n + 1) * sizeof *given);
	return 0;
}

/* Drop the MIGRATE_* entries of the NULL-terminated array v, in place. */
static void drop_own(char **v)
{
	size_t k = 0;
	for (size_t i = 0; v[i]; i++)
		if (strncmp(v[i], "MIGRATE_", 8) != 0)
			v[k++] = v[i];
	v[k] = NULL;
}

void conceal_environment(void)
{
	if (given) {
		drop_own(given);
		environ = given;
	} else {
		drop_own(environ);
	}
}

/* Overwrite the password(s) in the len bytes at s (not NUL-terminated:
 * a token of a longer value), in place.  The redacted text when it fits,
 * NUL-padded; else the bytes that differ from it become '*'. */
static void conceal_url(char *s, size_t len)
{
	char *text = malloc(len + 1);
	size_t cap = 2 * len + 16, rlen, pre = 0, post = 0;
	char *red = malloc(cap);

	if (!text || !red) {
		/* no memory to redact: hide the whole value */
		memset(s, '*', len);
		free(text);
		free(red);
		return;
	}
	memcpy(text, s, len);
	text[len] = '\0';
	dburl_redact(text, red, cap);
	rlen = strlen(red);
	if (rlen == len && memcmp(red, text, len) == 0) {
		/* nothing to hide */
	} else if (rlen <= len) {
		memcpy(s, red, rlen);
		memset(s + rlen, '\0', len - rlen);
	} else {
		while (pre < len && text[pre] == red[pre])
			pre++;
		while (post < len - pre && text[len - 1 - post] == red[rlen - 1 - post])
			post++;
		memset(s + pre, '*', len - pre - post);
	}
	free(text);
	free(red);
}

/* A list of URLs (wait.services): each whitespace-separated one alone. */
static void conceal_url_list(char *s)
{
	while (*s) {
		size_t n;
		while (*s && isspace((unsigned char)*s))
			s++;
		n = 0;
		while (s[n] && !isspace((unsigned char)s[n]))
			n++;
		if (n)
			conceal_url(s, n);
		s += n;
	}
}

void conceal_argv(const struct cli *cli)
{
	for (size_t i = 0; i < cli->n_overrides; i++) {
		const struct config_override *o = &cli->overrides[i];
		/* The value is argv's own storage (cli.h: borrowed from argv). */
		char *value = (char *)(uintptr_t)o->value;
		if (!value)
			continue;
		if (strcmp(o->name, "database.url") == 0)
			conceal_url(value, strlen(value));
		else if (strcmp(o->name, "wait.services") == 0)
			conceal_url_list(value);
	}
}
