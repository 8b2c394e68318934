/*
 * datedir.c — see datedir.h.
 */
#include "init/datedir.h"

#include <string.h>

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static long num(const char *s, size_t n)
{
	long v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int valid_date(long y, long m, long d)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= days[m - 1] + (m == 2 && leap);
}

int datedir_parse(const char *name, long *yyyymmdd, const char **why)
{
	size_t n = strlen(name);
	*why = "not a date (expected YYYYMMDD, YYYY-MM-DD or MMDDYYYY)";
	if (n == 10 && name[4] == '-' && name[7] == '-' && all_digits(name, 4) &&
	    all_digits(name + 5, 2) && all_digits(name + 8, 2)) {
		long y = num(name, 4), m = num(name + 5, 2), d = num(name + 8, 2);
		if (!valid_date(y, m, d)) {
			*why = "not a valid calendar date";
			return -1;
		}
		*yyyymmdd = y * 10000 + m * 100 + d;
		return 0;
	}
	if (n == 8 && all_digits(name, 8)) {
		long y1 = num(name, 4), m1 = num(name + 4, 2), d1 = num(name + 6, 2);
		long m2 = num(name, 2), d2 = num(name + 2, 2), y2 = num(name + 4, 4);
		int ymd = valid_date(y1, m1, d1), mdy = valid_date(y2, m2, d2);
		if (ymd && mdy) {
			*why = "ambiguous date (valid as YYYYMMDD and as MMDDYYYY); use YYYY-MM-DD";
			return -1;
		}
		if (!ymd && !mdy) {
			*why = "not a valid date as YYYYMMDD or MMDDYYYY";
			return -1;
		}
		*yyyymmdd = ymd ? y1 * 10000 + m1 * 100 + d1 : y2 * 10000 + m2 * 100 + d2;
		return 0;
	}
	return -1;
}

int natural_cmp(const char *a, const char *b)
{
	const char *pa = a, *pb = b;
	while (*pa && *pb) {
		if (*pa >= '0' && *pa <= '9' && *pb >= '0' && *pb <= '9') {
			const char *sa = pa, *sb = pb;
			size_t la, lb;
			while (*sa == '0')
				sa++;
			while (*sb == '0')
				sb++;
			for (pa = sa; *pa >= '0' && *pa <= '9'; pa++)
				;
			for (pb = sb; *pb >= '0' && *pb <= '9'; pb++)
				;
			la = (size_t)(pa - sa);
			lb = (size_t)(pb - sb);
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(sa, sb, la);
			if (c)
				return c;
			continue;
		}
		if (*pa != *pb)
			return (unsigned char)*pa < (unsigned char)*pb ? -1 : 1;
		pa++;
		pb++;
	}
	if (*pa || *pb)
		return *pa ? 1 : -1;
	return strcmp(a, b);
}
