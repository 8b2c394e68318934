/*
 * err.c — see err.h.  Messages are truncated, never overflowed; newlines in
 * messages (libpq adds them) are folded to spaces so every error is one line.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void fold_to_one_line(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	fold_to_one_line(e->msg);
	e->hint[0] = '\0';
	e->sqlstate[0] = '\0';
	e->code = code;
	return -1;
}

int err_sqlstate(struct err *e, const char *state)
{
	snprintf(e->sqlstate, sizeof e->sqlstate, "%s", state ? state : "");
	return -1;
}

int err_hint(struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->hint, sizeof e->hint, fmt, ap);
	va_end(ap);
	fold_to_one_line(e->hint);
	return -1;
}

int err_append_hint(struct err *e, const char *fmt, ...)
{
	char more[ERR_HINT_MAX];
	size_t n = strlen(e->hint);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(more, sizeof more, fmt, ap);
	va_end(ap);
	if (n > 0 && n + 2 < sizeof e->hint) {
		memcpy(e->hint + n, "; ", 3);
		n += 2;
	}
	snprintf(e->hint + n, sizeof e->hint - n, "%s", more);
	fold_to_one_line(e->hint);
	return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char prefix[512];
	size_t plen, mlen;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix - 2, fmt, ap);
	va_end(ap);
	strcat(prefix, ": ");
	plen = strlen(prefix);
	mlen = strlen(e->msg);
	if (plen + mlen >= sizeof e->msg)
		mlen = sizeof e->msg - 1 - plen;
	memmove(e->msg + plen, e->msg, mlen);
	memcpy(e->msg, prefix, plen);
	e->msg[plen + mlen] = '\0';
	return -1;
}

void err_clear(struct err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
	e->hint[0] = '\0';
	e->sqlstate[0] = '\0';
}
