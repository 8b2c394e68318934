/*
 * progress.c — see progress.h.  Redrawn at most ten times a second.
 */
#define _POSIX_C_SOURCE 200809L
#include "util/progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/sig.h"

#define PROGRESS_MIN_BYTES (4u << 20)
#define BAR_WIDTH 30

void progress_start(struct progress *p, const char *label, uint64_t total)
{
	memset(p, 0, sizeof *p);
	p->label = label;
	p->total = total;
	p->active = total >= PROGRESS_MIN_BYTES && isatty(STDERR_FILENO) &&
		    log_get_format() == LOG_TEXT && log_get_level() >= LOG_INFO;
}

void progress_update(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	char line[256];
	int filled, n;
	int64_t now;

	if (!p->active || total == 0)
		return;
	now = now_ms();
	if (now - p->last_draw < 100 && done < total)
		return;
	p->last_draw = now;
	if (done > total)
		done = total;
	filled = (int)(done * BAR_WIDTH / total);
	n = snprintf(line, sizeof line, "\r%s: [%.*s%*s] %3d%% %llu/%llu MiB %s", log_program(),
		     filled, "##############################", BAR_WIDTH - filled, "",
		     (int)(done * 100 / total), (unsigned long long)(done >> 20),
		     (unsigned long long)(total >> 20), p->label);
	/* snprintf returns the length it wanted: a long label is cut here */
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		p->active = 0;
}

void progress_end(struct progress *p)
{
	if (p->active && p->last_draw) {
		/* clear the bar's line */
		if (write(STDERR_FILENO, "\r\033[K", 4) < 0)
			p->active = 0;
	}
	p->active = 0;
}
