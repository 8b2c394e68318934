/*
 * strbuf.h — a growable NUL-terminated text buffer with a size cap (like
 * curl's dynbuf: an input cannot grow memory without bound).  An append
 * that fails (no memory, over the cap) marks the buffer failed; later
 * appends do nothing, so callers check once at the end.
 */
#ifndef MIGRATE_STRBUF_H
#define MIGRATE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;      /* NUL-terminated once anything was added; owned */
	size_t len;
	size_t cap;
	size_t max;   /* 0: 1 GiB */
	int failed;
};

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hand the text over (caller frees; "" when empty); the buffer is reset.
 * NULL when an append failed. */
char *strbuf_detach(struct strbuf *b);
void strbuf_release(struct strbuf *b);

#endif
