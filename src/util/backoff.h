/*
 * backoff.h — retry delays for waits (docs/reference.md §7.2): start ~50 ms, grow 1.5x,
 * cap ~1 s, each delay jittered to 50–100 % of its nominal value so that
 * replicas started together do not knock in step.  Pure apart from rand_r.
 */
#ifndef MIGRATE_BACKOFF_H
#define MIGRATE_BACKOFF_H

#include <stdint.h>

struct backoff {
	int64_t next_ms;  /* nominal delay of the next retry */
	int64_t first_ms; /* 50 */
	int64_t cap_ms;   /* 1000 */
	unsigned seed;
};

/* first_ms/cap_ms of 0 mean the defaults (50 ms, 1 s). */
void backoff_init(struct backoff *b, int64_t first_ms, int64_t cap_ms, unsigned seed);

/* The delay to sleep before the next attempt, never past deadline - now
 * (both in now_ms() units); 0 when the deadline has passed. */
int64_t backoff_next(struct backoff *b, int64_t now, int64_t deadline);

#endif
