/*
 * waitsys.h — the system-call plumbing the service waits share: descriptors
 * set up for a poll loop (non-blocking, close-on-exec) and errno values
 * turned into text the way our messages read ("connection refused").
 */
#ifndef MIGRATE_WAITSYS_H
#define MIGRATE_WAITSYS_H

#include <stddef.h>

/* Make fd non-blocking and close-on-exec.  0, or -1 with errno set. */
int waitsys_nonblock(int fd);

/* A pipe with both ends non-blocking and close-on-exec.  0, or -1 with
 * errno set and nothing left open. */
int waitsys_pipe(int fds[2]);

/* strerror(errnum), thread-safe, into buf (capacity cap), lowercased like
 * our other messages ("connection refused").  Returns buf. */
const char *waitsys_strerror(int errnum, char *buf, size_t cap);

/* Lowercase the first letter of a message that begins like a sentence:
 * "Connection refused" → "connection refused"; "HTTP 503" stays. */
void waitsys_lower_first(char *s);

#endif
