/*
 * backoff.c — see backoff.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "util/backoff.h"

#include <stdlib.h>

void backoff_init(struct backoff *b, int64_t first_ms, int64_t cap_ms, unsigned seed)
{
	b->first_ms = first_ms > 0 ? first_ms : 50;
	b->cap_ms = cap_ms > 0 ? cap_ms : 1000;
	b->next_ms = b->first_ms;
	b->seed = seed;
}

int64_t backoff_next(struct backoff *b, int64_t now, int64_t deadline)
{
	int64_t nominal = b->next_ms;
	int64_t half = nominal / 2;
	int64_t delay = half + (half > 0 ? (int64_t)(rand_r(&b->seed) % (half + 1)) : 0);

	b->next_ms = nominal + nominal / 2;
	if (b->next_ms > b->cap_ms)
		b->next_ms = b->cap_ms;
	if (now + delay > deadline)
		delay = deadline - now;
	return delay > 0 ? delay : 0;
}
