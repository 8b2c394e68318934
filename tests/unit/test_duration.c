/* Unit tests: duration parsing and formatting (docs/reference.md §3.2). */
#include "tap.h"

#include <stdint.h>

#include "util/duration.h"

static int64_t parse(const char *s)
{
	int64_t ms = -12345;
	if (duration_parse(s, &ms) < 0)
		return -1;
	return ms;
}

static void test_units(void)
{
	CHECK_INT(parse("500ms"), 500);
	CHECK_INT(parse("30s"), 30000);
	CHECK_INT(parse("5m"), 300000);
	CHECK_INT(parse("1h"), 3600000);
	CHECK_INT(parse("15"), 15000);
	CHECK_INT(parse("0"), 0);
	CHECK_INT(parse("1.5s"), 1500);
	CHECK_INT(parse("0.25"), 250);
	CHECK_INT(parse("2min"), 120000);
	CHECK_INT(parse(" 10s"), 10000);
}

static void test_rejects(void)
{
	CHECK_INT(parse(""), -1);
	CHECK_INT(parse("s"), -1);
	CHECK_INT(parse("-1s"), -1);
	CHECK_INT(parse("10 s"), -1);
	CHECK_INT(parse("10x"), -1);
	CHECK_INT(parse("1d"), -1);
	CHECK_INT(parse("99999999999h"), -1);
	CHECK_INT(parse("abc"), -1);
}

static void test_format(void)
{
	char buf[32];
	CHECK_STR(duration_format(850, buf, sizeof buf), "850ms");
	CHECK_STR(duration_format(2400, buf, sizeof buf), "2.4s");
	CHECK_STR(duration_format(60000, buf, sizeof buf), "1m");
	CHECK_STR(duration_format(90000, buf, sizeof buf), "1m30s");
	CHECK_STR(duration_format(3600000, buf, sizeof buf), "1h");
	CHECK_STR(duration_format(5400000, buf, sizeof buf), "1h30m");
	CHECK_STR(duration_format(-5, buf, sizeof buf), "0ms");
}

int main(void)
{
	RUN(test_units);
	RUN(test_rejects);
	RUN(test_format);
	return tap_done();
}
