/* test_alembic_parse.c — the records import-alembic's Python half writes
 * (src/cmd/import_alembic.py), read by alembic_parse. */
#include <string.h>

#include "cmd/alembic_read.h"
#include "tap.h"

static int parse(struct alembic_project *p, const char *text, struct err *e)
{
	err_clear(e);
	memset(p, 0, sizeof *p);
	return alembic_parse(p, text, strlen(text), e);
}

static void test_project(void)
{
	struct alembic_project p;
	struct err e;
	static const char text[] = "alembic 5\n1.8.1\n"
				   "rev 2\nm1\npath 5\nm1.py\nlabel 4\ncore\ndate 4\n2024\n"
				   "message 8\nline\nnew\nup.tx 3\nA;\n\nup.auto 2\nB\n\nup.tx 2\nC\n\n"
				   "down.error 3\nbad\ndown.source 4\nx:1\n\n"
				   "rev 2\nm2\ndown 2\nm1\ndown 2\nzz\ndep 2\nm1\nmessage 0\n\n"
				   "setting 7\nv=x y z\nwarning 4\nwarn\nend 0\n\n";
	CHECK_INT(parse(&p, text, &e), 0);
	CHECK_STR(p.alembic_version, "1.8.1");
	CHECK_INT(p.n_revs, 2);
	CHECK_STR(p.revs[0].id, "m1");
	CHECK_STR(p.revs[0].path, "m1.py");
	CHECK_INT(p.revs[0].n_labels, 1);
	CHECK_STR(p.revs[0].labels[0], "core");
	CHECK_STR(p.revs[0].message, "line\nnew");
	CHECK_INT(p.revs[0].upgrade.n_segments, 3);
	CHECK_STR(p.revs[0].upgrade.segments[0].sql, "A;\n");
	CHECK_INT(p.revs[0].upgrade.segments[0].in_transaction, 1);
	CHECK_INT(p.revs[0].upgrade.segments[1].in_transaction, 0);
	CHECK_STR(p.revs[0].downgrade.error, "bad");
	CHECK_STR(p.revs[0].downgrade.source, "x:1\n");
	CHECK_INT(p.revs[1].n_down, 2);
	CHECK_STR(p.revs[1].down[1], "zz");
	CHECK_STR(p.revs[1].depends_on[0], "m1");
	CHECK_STR(p.revs[1].message, "");
	CHECK(p.revs[1].create_date == NULL);
	CHECK_STR(p.settings[0], "v=x y z");
	CHECK_STR(p.warnings[0], "warn");
	alembic_project_release(&p);
}

static void test_errors(void)
{
	struct alembic_project p;
	struct err e;
	CHECK_INT(parse(&p, "fatal 10\nno alembic\n", &e), -1);
	CHECK_INT(e.code, EXIT_CONFIG);
	CHECK_STR(e.msg, "no alembic");
	alembic_project_release(&p);
	/* the helper died part-way: no `end` */
	CHECK_INT(parse(&p, "rev 2\nm1\n", &e), -1);
	CHECK(strstr(e.msg, "not read to its end") != NULL);
	alembic_project_release(&p);
	CHECK_INT(parse(&p, "rev 9\nm1\n", &e), -1);
	CHECK(strstr(e.msg, "\"rev\" at byte 0 is cut short") != NULL);
	alembic_project_release(&p);
	CHECK_INT(parse(&p, "rev 2\nm1X", &e), -1);
	CHECK(strstr(e.msg, "cut short") != NULL);
	alembic_project_release(&p);
	CHECK_INT(parse(&p, "Traceback (most recent call last):\n", &e), -1);
	CHECK(strstr(e.msg, "malformed record at byte 0") != NULL);
	alembic_project_release(&p);
	CHECK_INT(parse(&p, "path 1\nx\nend 0\n\n", &e), -1);
	CHECK(strstr(e.msg, "unexpected record \"path\"") != NULL);
	alembic_project_release(&p);
	CHECK_INT(parse(&p, "rev 1\nx\nup.what 0\n\nend 0\n\n", &e), -1);
	alembic_project_release(&p);
	/* a length is decimal digits and nothing else (strtoull took blanks and
	 * signs, and skipped blanks past the end of unterminated records) */
	CHECK_INT(parse(&p, "rev +2\nm1\nend 0\n\n", &e), -1);
	CHECK(strstr(e.msg, "malformed record at byte 0") != NULL);
	alembic_project_release(&p);
	CHECK_INT(parse(&p, "rev  2\nm1\nend 0\n\n", &e), -1);
	CHECK(strstr(e.msg, "malformed record at byte 0") != NULL);
	alembic_project_release(&p);
	CHECK_INT(parse(&p, "rev 2\nm1\nend -0\n\n", &e), -1);
	CHECK(strstr(e.msg, "malformed record at byte 9") != NULL);
	alembic_project_release(&p);
	CHECK_INT(parse(&p, "rev 99999999999999999999999\nm1\n", &e), -1);
	CHECK(strstr(e.msg, "cut short") != NULL);
	alembic_project_release(&p);
}

int main(void)
{
	RUN(test_project);
	RUN(test_errors);
	return tap_done();
}
