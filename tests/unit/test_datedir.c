/* Unit tests: dated init directories and natural file order (docs/reference.md §8.1). */
#include "tap.h"

#include "init/datedir.h"

static long date(const char *name)
{
	long v;
	const char *why;
	return datedir_parse(name, &v, &why) == 0 ? v : -1;
}

static const char *why_of(const char *name)
{
	long v;
	const char *why = "";
	datedir_parse(name, &v, &why);
	return why;
}

static void test_forms(void)
{
	CHECK_INT(date("08032025"), 20250803); /* MMDDYYYY: 3 Aug 2025 */
	CHECK_INT(date("12012025"), 20251201);
	CHECK_INT(date("20250803"), 20250803); /* YYYYMMDD */
	CHECK_INT(date("2025-08-03"), 20250803);
	CHECK_INT(date("12312024"), 20241231);
	CHECK_INT(date("01012025"), 20250101);
	CHECK_INT(date("02292024"), 20240229); /* leap day */
	CHECK_INT(date("2000-02-29"), 20000229);
}

static void test_order_is_chronological(void)
{
	/* name order would put 01012025 first */
	CHECK(date("12312024") < date("01012025"));
	CHECK(date("08032025") < date("12012025"));
}

static void test_rejects(void)
{
	CHECK_INT(date("baseline"), -1);
	CHECK_STR(why_of("baseline"), "not a date (expected YYYYMMDD, YYYY-MM-DD or MMDDYYYY)");
	CHECK_INT(date("13012025"), -1);
	CHECK_STR(why_of("13322025"), "not a valid date as YYYYMMDD or MMDDYYYY");
	CHECK_INT(date("02292025"), -1);
	CHECK_INT(date("2025-02-30"), -1);
	CHECK_STR(why_of("2025-13-01"), "not a valid calendar date");
	CHECK_INT(date("2025080"), -1);
	CHECK_INT(date("2025_08_03"), -1);
	CHECK_INT(date(""), -1);
	CHECK_INT(date("1899-12-31"), -1);
}

static void test_natural(void)
{
	CHECK(natural_cmp("2_x.sql", "10_x.sql") < 0);
	CHECK(natural_cmp("10_x.sql", "2_x.sql") > 0);
	CHECK(natural_cmp("01_schema.sql", "02_data.sql") < 0);
	CHECK(natural_cmp("a.sql", "a.sql") == 0);
	CHECK(natural_cmp("x9.sql", "x10.sql") < 0);
	CHECK(natural_cmp("01_a.sql", "1_a.sql") < 0); /* equal numbers: bytewise tie-break */
	CHECK(natural_cmp("a", "ab") < 0);
	CHECK(natural_cmp("B.sql", "a.sql") < 0);
	CHECK(natural_cmp("99999999999999999999_a", "100000000000000000000_a") < 0);
}

int main(void)
{
	RUN(test_forms);
	RUN(test_order_is_chronological);
	RUN(test_rejects);
	RUN(test_natural);
	return tap_done();
}
