/*
 * tap.h — a tiny unit-test harness.  Each tests/unit/test_*.c is one program:
 *
 *     #include "tap.h"
 *     static void test_something(void) { CHECK(1 + 1 == 2); CHECK_STR(a, "x"); }
 *     int main(void) { RUN(test_something); return tap_done(); }
 *
 * A failed check prints file:line and the values, and the run goes on.
 * tap_done() prints "<program>: N passed, N failed" and returns nonzero on
 * any failure.  tests/unit/run.sh adds the counts up.
 */
#ifndef MIGRATE_TAP_H
#define MIGRATE_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_passed, tap_failed;
static const char *tap_current = "";

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (cond) {                                                              \
			tap_passed++;                                                    \
		} else {                                                                 \
			tap_failed++;                                                    \
			fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, \
				tap_current, #cond);                                     \
		}                                                                        \
	} while (0)

#define CHECK_INT(got, want)                                                             \
	do {                                                                             \
		long long tap_g = (long long)(got), tap_w = (long long)(want);           \
		if (tap_g == tap_w) {                                                    \
			tap_passed++;                                                    \
		} else {                                                                 \
			tap_failed++;                                                    \
			fprintf(stderr, "%s:%d: %s: %s == %lld, want %lld\n", __FILE__,  \
				__LINE__, tap_current, #got, tap_g, tap_w);              \
		}                                                                        \
	} while (0)

#define CHECK_STR(got, want)                                                             \
	do {                                                                             \
		const char *tap_g = (got), *tap_w = (want);                              \
		if (tap_g && tap_w && strcmp(tap_g, tap_w) == 0) {                       \
			tap_passed++;                                                    \
		} else if (!tap_g && !tap_w) {                                           \
			tap_passed++;                                                    \
		} else {                                                                 \
			tap_failed++;                                                    \
			fprintf(stderr, "%s:%d: %s: %s == \"%s\", want \"%s\"\n",        \
				__FILE__, __LINE__, tap_current, #got,                   \
				tap_g ? tap_g : "(null)", tap_w ? tap_w : "(null)");     \
		}                                                                        \
	} while (0)

#define RUN(fn)                                                                          \
	do {                                                                             \
		tap_current = #fn;                                                       \
		fn();                                                                    \
	} while (0)

static int tap_done_named(const char *name)
{
	const char *base = strrchr(name, '/');
	printf("%s: %d passed, %d failed\n", base ? base + 1 : name, tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}

#define tap_done() tap_done_named(__FILE__)

#endif
