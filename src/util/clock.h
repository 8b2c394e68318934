/*
 * clock.h — the one clock every wait, deadline and duration is measured
 * with: monotonic milliseconds (not wall time, so a clock step cannot end a
 * wait early or stretch it).
 */
#ifndef MIGRATE_CLOCK_H
#define MIGRATE_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (an arbitrary origin). */
int64_t now_ms(void);

#endif
