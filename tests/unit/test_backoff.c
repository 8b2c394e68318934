/* Unit tests: backoff delays (start ~50 ms, growth, cap ~1 s, jitter, deadline). */
#include "tap.h"

#include <stdint.h>

#include "util/backoff.h"

static void test_growth_cap_and_jitter(void)
{
	struct backoff b;
	int64_t max_seen = 0, min_seen = 1 << 30;
	int distinct = 0;
	int64_t prev = -1;
	backoff_init(&b, 0, 0, 42);
	CHECK_INT(b.first_ms, 50);
	CHECK_INT(b.cap_ms, 1000);
	for (int i = 0; i < 200; i++) {
		int64_t nominal = b.next_ms;
		int64_t d = backoff_next(&b, 0, 1000000);
		CHECK(d >= nominal / 2 && d <= nominal); /* jitter: 50–100 % of nominal */
		CHECK(d <= 1000);
		if (d > max_seen)
			max_seen = d;
		if (d < min_seen)
			min_seen = d;
		if (d != prev)
			distinct++;
		prev = d;
	}
	CHECK(min_seen <= 50);
	CHECK(max_seen > 500);
	CHECK(distinct > 50); /* jittered, not a fixed schedule */
}

static void test_deadline(void)
{
	struct backoff b;
	backoff_init(&b, 400, 1000, 1);
	CHECK_INT(backoff_next(&b, 1000, 1010), 10);
	CHECK_INT(backoff_next(&b, 1000, 900), 0);
}

static void test_seeds_differ(void)
{
	struct backoff a, b;
	int same = 0;
	backoff_init(&a, 0, 0, 1);
	backoff_init(&b, 0, 0, 2);
	for (int i = 0; i < 20; i++)
		same += backoff_next(&a, 0, 100000) == backoff_next(&b, 0, 100000);
	CHECK(same < 20);
}

int main(void)
{
	RUN(test_growth_cap_and_jitter);
	RUN(test_deadline);
	RUN(test_seeds_differ);
	return tap_done();
}
