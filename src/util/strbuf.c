/*
 * strbuf.c — see strbuf.h.
 */
#include "util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRBUF_DEFAULT_MAX ((size_t)1 << 30)

static int reserve(struct strbuf *b, size_t extra)
{
	size_t max = b->max ? b->max : STRBUF_DEFAULT_MAX;
	size_t need, cap;
	char *p;
	if (b->failed)
		return -1;
	need = b->len + extra + 1;
	if (need > max || need < b->len) {
		b->failed = 1;
		return -1;
	}
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > max)
		cap = max;
	p = realloc(b->s, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->s = p;
	b->cap = cap;
	return 0;
}

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (reserve(b, n) < 0)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s) { strbuf_add(b, s, strlen(s)); }

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *strbuf_detach(struct strbuf *b)
{
	char *s;
	if (b->failed) {
		strbuf_release(b);
		return NULL;
	}
	s = b->s ? b->s : calloc(1, 1);
	memset(b, 0, sizeof *b);
	return s;
}

void strbuf_release(struct strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}
