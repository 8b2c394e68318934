/*
 * progress.h — a progress bar for long scripts on a terminal (docs/reference.md §7.10):
 * drawn on stderr only when it is a terminal, logs are text and the level
 * is info or more, and the script is large (over 4 MiB); otherwise nothing.
 */
#ifndef MIGRATE_PROGRESS_H
#define MIGRATE_PROGRESS_H

#include <stdint.h>

struct progress {
	int active;
	const char *label;
	uint64_t total;
	int64_t last_draw;
};

void progress_start(struct progress *p, const char *label, uint64_t total);
/* Matches runner_progress_fn: ctx is the struct progress. */
void progress_update(void *ctx, uint64_t done, uint64_t total);
void progress_end(struct progress *p);

#endif
