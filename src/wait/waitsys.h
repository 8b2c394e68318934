/*
 * waitsys.h — what the service waits share for their messages: errno
 * values and libraries' errors turned into text the way our messages read
 * ("connection refused").
 */
#ifndef MIGRATE_WAITSYS_H
#define MIGRATE_WAITSYS_H

#include <stddef.h>

/* strerror(errnum), thread-safe, into buf (capacity cap), lowercased like
 * our other messages ("connection refused").  Returns buf. */
const char *waitsys_strerror(int errnum, char *buf, size_t cap);

/* Lowercase the first letter of a message that begins like a sentence:
 * "Connection refused" → "connection refused"; "HTTP 503" stays. */
void waitsys_lower_first(char *s);

#endif
