/* Unit tests: comparing two schema snapshots (db/snapshot.h): which lines differ, in what
 * order they are named, how many are shown, and the message kept on one line. */
#include "tap.h"

#include <string.h>

#include "db/snapshot.h"

/* a line the snapshot may own (not a string literal) */
#define L(text) ((char[]){text})

static struct snapshot of(char **lines, size_t n)
{
	struct snapshot s = {lines, n};
	return s;
}

static void test_equal(void)
{
	char *a[] = {L("column public.t 1 id integer"), L("table public.t (r)")};
	struct snapshot x = of(a, 2), y = of(a, 2), none = of(NULL, 0);
	char out[256];
	CHECK_INT((int)snapshot_diff(&x, &y, 5, out, sizeof out), 0);
	CHECK_STR(out, "");
	CHECK_INT((int)snapshot_diff(&none, &none, 5, out, sizeof out), 0);
}

static void test_added_removed_changed(void)
{
	char *a[] = {L("column public.t 1 id integer"), L("column public.t 2 b text"), L("table public.t (r)")};
	char *b[] = {L("column public.t 1 id integer"), L("column public.t 2 b text not null"),
		     L("table public.t (r)"), L("table public.u (r)")};
	struct snapshot x = of(a, 3), y = of(b, 4);
	char out[512];
	CHECK_INT((int)snapshot_diff(&x, &y, 5, out, sizeof out), 3);
	CHECK_STR(out, "- column public.t 2 b text; + column public.t 2 b text not null; "
		       "+ table public.u (r)");
	/* the other way round, the signs turn */
	CHECK_INT((int)snapshot_diff(&y, &x, 5, out, sizeof out), 3);
	CHECK_STR(out, "+ column public.t 2 b text; - column public.t 2 b text not null; "
		       "- table public.u (r)");
}

static void test_shown_and_cut(void)
{
	char *a[] = {L("a"), L("b"), L("c"), L("d")};
	char *b[] = {L("x")};
	struct snapshot x = of(a, 4), y = of(b, 1), none = of(NULL, 0);
	char out[512], small[8];
	CHECK_INT((int)snapshot_diff(&x, &none, 2, out, sizeof out), 4);
	CHECK_STR(out, "- a; - b");
	CHECK_INT((int)snapshot_diff(&x, &y, 0, out, sizeof out), 5);
	CHECK_STR(out, "");
	/* a small buffer is cut, still terminated */
	CHECK_INT((int)snapshot_diff(&x, &y, 5, small, sizeof small), 5);
	CHECK(strlen(small) < sizeof small);
	CHECK_INT((int)snapshot_diff(&x, &y, 5, NULL, 0), 5);
}

static void test_one_line(void)
{
	char *a[] = {L("function CREATE FUNCTION f()\n RETURNS int\n\tAS $$ SELECT 1 $$")};
	char long_line[400];
	char *b[] = {long_line};
	struct snapshot x = of(a, 1), y = of(b, 1), none = of(NULL, 0);
	char out[1024];
	snapshot_diff(&x, &none, 5, out, sizeof out);
	CHECK_STR(out, "- function CREATE FUNCTION f()  RETURNS int  AS $$ SELECT 1 $$");
	memset(long_line, 'x', sizeof long_line - 1);
	long_line[sizeof long_line - 1] = '\0';
	snapshot_diff(&none, &y, 5, out, sizeof out);
	CHECK_INT((int)strlen(out), 2 + 200 + (int)strlen("…"));
}

int main(void)
{
	RUN(test_equal);
	RUN(test_added_removed_changed);
	RUN(test_shown_and_cut);
	RUN(test_one_line);
	return tap_done();
}
