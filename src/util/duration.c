/*
 * duration.c — see duration.h.
 */
#include "util/duration.h"

#include <stdio.h>
#include <string.h>

#define DURATION_MAX_MS (24LL * 24 * 3600 * 1000)

int duration_parse(const char *text, int64_t *out_ms)
{
	const char *p = text;
	int64_t whole = 0;
	int64_t frac = 0, frac_scale = 1;
	int digits = 0;
	int64_t unit_ms;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (*p - '0');
		if (whole > DURATION_MAX_MS)
			return -1;
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			if (frac_scale < 1000000) {
				frac = frac * 10 + (*p - '0');
				frac_scale *= 10;
			}
		}
	}
	if (digits == 0)
		return -1;

	if (strcmp(p, "ms") == 0)
		unit_ms = 1;
	else if (*p == '\0' || strcmp(p, "s") == 0)
		unit_ms = 1000;
	else if (strcmp(p, "m") == 0 || strcmp(p, "min") == 0)
		unit_ms = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		unit_ms = 3600 * 1000;
	else
		return -1;

	if (whole > DURATION_MAX_MS / unit_ms)
		return -1;
	*out_ms = whole * unit_ms + (frac * unit_ms) / frac_scale;
	return 0;
}

char *duration_format(int64_t ms, char *buf, unsigned long cap)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		snprintf(buf, cap, "%lldms", (long long)ms);
	else if (ms < 60 * 1000)
		snprintf(buf, cap, "%lld.%llds", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	else if (ms < 3600 * 1000) {
		long long s = ms / 1000;
		if (s % 60)
			snprintf(buf, cap, "%lldm%llds", s / 60, s % 60);
		else
			snprintf(buf, cap, "%lldm", s / 60);
	} else {
		long long m = ms / 60000;
		if (m % 60)
			snprintf(buf, cap, "%lldh%lldm", m / 60, m % 60);
		else
			snprintf(buf, cap, "%lldh", m / 60);
	}
	return buf;
}
