/*
 * duration.h — durations as written in configuration (docs/reference.md §3.2):
 * "500ms", "30s", "5m", "1h", a bare number meaning seconds; decimals
 * ("1.5s") are accepted.  Pure.
 */
#ifndef MIGRATE_DURATION_H
#define MIGRATE_DURATION_H

#include <stdint.h>

/* Parse text into milliseconds.  Returns 0, or -1 if the text is not a
 * non-negative duration (or exceeds ~24 days, more than anyone means). */
int duration_parse(const char *text, int64_t *out_ms);

/* Format milliseconds compactly for humans: "850ms", "2.4s", "5m", "1h30m".
 * Writes into buf (always NUL-terminated) and returns buf. */
char *duration_format(int64_t ms, char *buf, unsigned long cap);

#endif
