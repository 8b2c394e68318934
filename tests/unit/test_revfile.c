/* test_revfile.c — revision file parsing, formatting and slugs. */
#include <stdlib.h>
#include <string.h>

#include "rev/revfile.h"
#include "tap.h"

static const char example[] = "-- revision: 9c1d2e3f4a5b\n"
			      "-- down_revision: 3be61ad5f00f\n"
			      "-- branch_labels: None\n"
			      "-- depends_on: None\n"
			      "-- create_date: 2025-08-10 12:00:00\n"
			      "-- message: add user preferences table\n"
			      "\n"
			      "-- migrate:upgrade\n"
			      "CREATE TABLE user_preferences (id int);\n"
			      "\n"
			      "-- migrate:downgrade\n"
			      "DROP TABLE user_preferences;\n";

static int parse(struct revfile *rf, const char *text, struct err *e)
{
	err_clear(e);
	return revfile_parse(rf, text, strlen(text), "m/x.sql", e);
}

static void test_example(void)
{
	struct revfile rf;
	struct err e;
	CHECK_INT(parse(&rf, example, &e), 0);
	CHECK_STR(rf.file, "m/x.sql");
	CHECK_STR(rf.revision, "9c1d2e3f4a5b");
	CHECK_INT(rf.n_down, 1);
	CHECK_STR(rf.down_revisions[0], "3be61ad5f00f");
	CHECK_INT(rf.n_labels, 0);
	CHECK_INT(rf.n_depends, 0);
	CHECK_STR(rf.create_date, "2025-08-10 12:00:00");
	CHECK_STR(rf.message, "add user preferences table");
	CHECK_INT(rf.revision_line, 1);
	CHECK_INT(rf.down_line, 2);
	CHECK(rf.upgrade.present);
	CHECK(rf.upgrade.transactional);
	CHECK_INT(rf.upgrade.marker_line, 8);
	CHECK_INT(rf.upgrade.line, 9);
	const char *up = example + rf.upgrade.offset;
	CHECK_INT(rf.upgrade.length, strlen("CREATE TABLE user_preferences (id int);\n\n"));
	CHECK(strncmp(up, "CREATE TABLE user_preferences", 29) == 0);
	CHECK(rf.downgrade.present);
	CHECK_INT(rf.downgrade.line, 12);
	CHECK_INT(rf.downgrade.length, strlen("DROP TABLE user_preferences;\n"));
	CHECK(strncmp(example + rf.downgrade.offset, "DROP TABLE", 10) == 0);
	CHECK_INT(rf.downgrade.offset + rf.downgrade.length, strlen(example));
	revfile_release(&rf);
	CHECK(rf.revision == NULL);
	revfile_release(&rf); /* twice is harmless */
}

struct list_case {
	const char *value;
	int n;
	const char *a, *b;
};

static void test_down_revision_spellings(void)
{
	static const struct list_case cases[] = {
		{ "None", 0, NULL, NULL },
		{ "()", 0, NULL, NULL },
		{ "abc1", 1, "abc1", NULL },
		{ "'abc1'", 1, "abc1", NULL },
		{ "\"abc1\"", 1, "abc1", NULL },
		{ "abc1, def2", 2, "abc1", "def2" },
		{ "abc1,def2", 2, "abc1", "def2" },
		{ "(abc1, def2)", 2, "abc1", "def2" },
		{ "('abc1', 'def2')", 2, "abc1", "def2" },
		{ "[\"abc1\", \"def2\"]", 2, "abc1", "def2" },
		{ "('abc1',)", 1, "abc1", NULL },
		{ "abc1, abc1", 1, "abc1", NULL }, /* deduplicated like Alembic */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[512];
		struct revfile rf;
		struct err e;
		snprintf(text, sizeof text,
			 "-- revision: r1\n-- down_revision: %s\n-- migrate:upgrade\n",
			 cases[i].value);
		CHECK_INT(parse(&rf, text, &e), 0);
		CHECK_INT(rf.n_down, cases[i].n);
		if (cases[i].n >= 1)
			CHECK_STR(rf.down_revisions[0], cases[i].a);
		if (cases[i].n >= 2)
			CHECK_STR(rf.down_revisions[1], cases[i].b);
		revfile_release(&rf);
	}
}

struct error_case {
	const char *text;
	const char *msg;
};

static void test_errors(void)
{
	static const struct error_case cases[] = {
		{ "-- revision: a1\n-- down_revision: None\n-- colour: red\n-- migrate:upgrade\n",
		  "m/x.sql:3: unknown header key \"colour\"" },
		{ "-- revision: a1\n-- down_revision: None\n\n-- revision: a2\n-- migrate:upgrade\n",
		  "m/x.sql:4: duplicate header key \"revision\" (first on line 1)" },
		{ "-- down_revision: None\n-- message: hi\n-- migrate:upgrade\n",
		  "m/x.sql:1: missing \"-- revision:\" header" },
		{ "-- revision: a1\n-- migrate:upgrade\n",
		  "m/x.sql:1: missing \"-- down_revision:\" header" },
		{ "-- revision: 0123456789abcdef0123456789abcdef0\n-- down_revision: None\n",
		  "m/x.sql:1: invalid revision id \"0123456789abcdef0123456789abcdef0\": it is longer "
		  "than 32 characters (alembic_version.version_num is VARCHAR(32))" },
		{ "-- revision: ab-cd\n-- down_revision: None\n",
		  "m/x.sql:1: invalid revision id \"ab-cd\": it contains one of @ - + :" },
		{ "-- revision: ab@cd\n", "m/x.sql:1: invalid revision id \"ab@cd\": it contains one of @ - + :" },
		{ "-- revision: ab+cd\n", "m/x.sql:1: invalid revision id \"ab+cd\": it contains one of @ - + :" },
		{ "-- revision: ab:cd\n", "m/x.sql:1: invalid revision id \"ab:cd\": it contains one of @ - + :" },
		{ "-- revision: ab cd\n",
		  "m/x.sql:1: invalid revision id \"ab cd\": it contains whitespace or a control character" },
		{ "-- revision:\n", "m/x.sql:1: invalid revision id \"\": it is empty" },
		{ "-- revision: head\n", "m/x.sql:1: invalid revision id \"head\": it is a reserved word" },
		{ "-- revision: a1\n-- down_revision: a0, b-0\n",
		  "m/x.sql:2: invalid down_revision \"b-0\": it contains one of @ - + :" },
		{ "-- revision: a1\n-- down_revision:\n",
		  "m/x.sql:2: empty down_revision (write None when there is none)" },
		{ "-- revision: a1\n-- down_revision: a0,,b0\n", "m/x.sql:2: empty item in down_revision" },
		{ "-- revision: a1\n-- down_revision: None\n-- branch_labels: my@branch\n",
		  "m/x.sql:3: invalid branch label \"my@branch\": it contains one of @ - + :" },
		{ "-- revision: a1\n-- down_revision: None\n-- depends_on: x+1\n",
		  "m/x.sql:3: invalid depends_on \"x+1\": it contains one of @ - + :" },
		{ "-- revision: a1\n-- down_revision: None\n\nCREATE TABLE t ();\n-- migrate:upgrade\n",
		  "m/x.sql:4: unexpected text before the first \"-- migrate:upgrade\" marker" },
		{ "-- revision: a1\n-- down_revision: None\n",
		  "m/x.sql: missing \"-- migrate:upgrade\" section" },
		{ "-- revision: a1\n-- down_revision: None\n-- migrate:downgrade\nDROP TABLE t;\n",
		  "m/x.sql: missing \"-- migrate:upgrade\" section" },
		{ "-- revision: a1\n-- down_revision: None\n-- migrate:upgrade\n-- migrate:upgrade\n",
		  "m/x.sql:4: second \"-- migrate:upgrade\" section (first on line 3)" },
		{ "-- revision: a1\n-- down_revision: None\n-- migrate:up\n",
		  "m/x.sql:3: unknown section marker \"-- migrate:up\" (expected upgrade or downgrade)" },
		{ "-- revision: a1\n-- down_revision: None\n-- migrate:upgrade transaction:never\n",
		  "m/x.sql:3: unknown option \"transaction:never\" on section marker (only "
		  "transaction:false)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct revfile rf;
		struct err e;
		CHECK_INT(parse(&rf, cases[i].text, &e), -1);
		CHECK_INT(e.code, EXIT_GRAPH);
		CHECK_STR(e.msg, cases[i].msg);
		CHECK(rf.revision == NULL && rf.file == NULL);
	}
}

static void test_hints(void)
{
	struct revfile rf;
	struct err e;
	CHECK_INT(parse(&rf, "-- revision: a1\n-- down_revision: None\n-- revison: x\n", &e), -1);
	CHECK_STR(e.hint, "known keys: revision, down_revision, branch_labels, depends_on, "
			  "create_date, message, unconverted");
	CHECK_INT(parse(&rf, "-- revision: a1\n-- migrate:upgrade\n", &e), -1);
	CHECK_STR(e.hint, "write \"-- down_revision: None\" for a first revision");
}

static void test_sections(void)
{
	static const char text[] = "\xEF\xBB\xBF-- revision: c3\r\n"
				   "-- Revision ID: c3 (a free comment, not a key)\r\n"
				   "-- down_revision: ('a1', 'b2')\r\n"
				   "-- branch_labels: feature, other\r\n"
				   "-- depends_on: x9\r\n"
				   "-- just a comment\r\n"
				   "\r\n"
				   "-- migrate:downgrade\r\n"
				   "DROP INDEX CONCURRENTLY i;\r\n"
				   "-- migrate:upgrade transaction:false\r\n"
				   "CREATE INDEX CONCURRENTLY i ON t (c);";
	struct revfile rf;
	struct err e;
	CHECK_INT(parse(&rf, text, &e), 0);
	CHECK_STR(rf.revision, "c3");
	CHECK_INT(rf.n_down, 2);
	CHECK_STR(rf.down_revisions[1], "b2");
	CHECK_INT(rf.n_labels, 2);
	CHECK_STR(rf.branch_labels[0], "feature");
	CHECK_STR(rf.branch_labels[1], "other");
	CHECK_INT(rf.n_depends, 1);
	CHECK_STR(rf.depends_on[0], "x9");
	CHECK(rf.create_date == NULL);
	CHECK(rf.message == NULL);
	CHECK(!rf.upgrade.transactional);
	CHECK(rf.downgrade.transactional);
	CHECK_INT(rf.downgrade.line, 9);
	CHECK_INT(rf.upgrade.line, 11);
	CHECK(strncmp(text + rf.downgrade.offset, "DROP INDEX", 10) == 0);
	CHECK_INT(rf.downgrade.length, strlen("DROP INDEX CONCURRENTLY i;\r\n"));
	CHECK_INT(rf.upgrade.offset + rf.upgrade.length, strlen(text));
	revfile_release(&rf);

	/* no downgrade section: allowed, recorded */
	CHECK_INT(parse(&rf, "-- revision: a1\n-- down_revision: None\n-- migrate:upgrade\nSELECT 1;\n", &e), 0);
	CHECK(!rf.downgrade.present);
	CHECK(rf.upgrade.present);
	CHECK_INT(rf.upgrade.length, strlen("SELECT 1;\n"));
	revfile_release(&rf);

	/* empty upgrade body at end of file */
	CHECK_INT(parse(&rf, "-- revision: a1\n-- down_revision: None\n-- migrate:upgrade", &e), 0);
	CHECK_INT(rf.upgrade.length, 0);
	revfile_release(&rf);
}

static void test_format_roundtrip(void)
{
	const char *downs[] = { "a1", "b2" };
	const char *labels[] = { "feature" };
	struct revfile_new nf = { 0 };
	char *text;
	struct err e;
	nf.revision = "9c1d2e3f4a5b";
	nf.down_revisions = (const char *const *)downs + 0;
	nf.n_down = 0;
	nf.create_date = "2025-08-10 12:00:00";
	nf.message = "add user preferences table";
	CHECK_INT(revfile_format(&text, &nf, &e), 0);
	CHECK_STR(text, "-- revision: 9c1d2e3f4a5b\n"
			"-- down_revision: None\n"
			"-- branch_labels: None\n"
			"-- depends_on: None\n"
			"-- create_date: 2025-08-10 12:00:00\n"
			"-- message: add user preferences table\n"
			"\n"
			"-- migrate:upgrade\n"
			"\n"
			"-- migrate:downgrade\n");
	free(text);

	nf.down_revisions = downs;
	nf.n_down = 2;
	nf.branch_labels = labels;
	nf.n_labels = 1;
	nf.depends_on = labels;
	nf.n_depends = 1;
	nf.message = "merge\nheads";
	CHECK_INT(revfile_format(&text, &nf, &e), 0);
	struct revfile rf;
	CHECK_INT(parse(&rf, text, &e), 0);
	CHECK_STR(rf.revision, "9c1d2e3f4a5b");
	CHECK_INT(rf.n_down, 2);
	CHECK_STR(rf.down_revisions[0], "a1");
	CHECK_STR(rf.down_revisions[1], "b2");
	CHECK_STR(rf.branch_labels[0], "feature");
	CHECK_STR(rf.depends_on[0], "feature");
	CHECK_STR(rf.message, "merge heads");
	CHECK(rf.upgrade.present && rf.downgrade.present);
	CHECK_INT(rf.upgrade.length, 1);
	revfile_release(&rf);
	free(text);

	nf.revision = "bad-id";
	CHECK_INT(revfile_format(&text, &nf, &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK(text == NULL);
}

struct slug_case {
	const char *message, *slug;
};

static void test_slug(void)
{
	static const struct slug_case cases[] = {
		{ "add_user_preferences_table", "add_user_preferences_table" },
		{ "Add user preferences table", "add_user_preferences_table" },
		{ "  add -- user, prefs!! ", "add_user_prefs" },
		{ "", "" },
		{ "!!!", "" },
		{ "a__b", "a__b" },
		{ "café au lait", "caf_au_lait" },
		/* 40 characters exactly: kept */
		{ "abcdefghij abcdefghij abcdefghij abcdefg", "abcdefghij_abcdefghij_abcdefghij_abcdefg" },
		/* longer: cut at 40, back to the last '_', then '_' */
		{ "abcdefghij abcdefghij abcdefghij abcdefghij", "abcdefghij_abcdefghij_abcdefghij_" },
		{ "this is a rather long message that goes on and on",
		  "this_is_a_rather_long_message_that_goes_" },
		{ "x0123456789012345678901234567890123456789012345",
		  "x012345678901234567890123456789012345678_" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[64];
		size_t n = revfile_slug(buf, sizeof buf, cases[i].message);
		CHECK_STR(buf, cases[i].slug);
		CHECK_INT(n, strlen(cases[i].slug));
	}
	char small[5];
	CHECK_INT(revfile_slug(small, sizeof small, "hello world"), 4);
	CHECK_STR(small, "hell");
}

static void test_id_ok(void)
{
	const char *why = NULL;
	CHECK(revfile_id_ok("3be61ad5f00f", 12, &why));
	CHECK(why == NULL);
	CHECK(revfile_id_ok("0123456789abcdef0123456789abcdef", 32, NULL));
	CHECK(!revfile_id_ok("0123456789abcdef0123456789abcdef0", 33, NULL));
	CHECK(!revfile_id_ok("base", 4, NULL));
	CHECK(!revfile_id_ok("heads", 5, NULL));
	CHECK(!revfile_id_ok("a'b", 3, NULL));
	/* ids name files (`migrate revision --rev-id`): no path in them */
	CHECK(!revfile_id_ok("../evil", 7, &why));
	CHECK_STR(why, "it starts with a dot (ids name files)");
	CHECK(!revfile_id_ok("a/b", 3, &why));
	CHECK_STR(why, "it contains a slash (ids name files)");
	CHECK(!revfile_id_ok("a\\b", 3, NULL));
	CHECK(revfile_id_ok("v1.2", 4, NULL));
}

/* `-- unconverted:` (written by import-alembic) is kept with its line; the
 * header writer puts it after the message only when given. */
static void test_unconverted(void)
{
	struct revfile rf;
	struct err e;
	char *text;
	const char *down[] = {"a1"};
	struct revfile_new nf = {.revision = "b2", .down_revisions = down, .n_down = 1,
				 .create_date = "2024-01-05 10:00:00.123456", .message = "m",
				 .unconverted = "upgrade: ImportError: x\n(y.py:3)"};
	CHECK_INT(revfile_format_header(&text, &nf, &e), 0);
	CHECK_STR(text, "-- revision: b2\n-- down_revision: a1\n-- branch_labels: None\n"
			"-- depends_on: None\n-- create_date: 2024-01-05 10:00:00.123456\n"
			"-- message: m\n-- unconverted: upgrade: ImportError: x (y.py:3)\n");
	char *whole = malloc(strlen(text) + 64);
	strcpy(whole, text);
	strcat(whole, "\n-- migrate:upgrade\n-- migrate:downgrade\n");
	CHECK_INT(parse(&rf, whole, &e), 0);
	free(whole);
	CHECK_STR(rf.unconverted, "upgrade: ImportError: x (y.py:3)");
	CHECK_INT(rf.unconverted_line, 7);
	CHECK(rf.upgrade.present);
	revfile_release(&rf);
	free(text);
	nf.unconverted = NULL;
	CHECK_INT(revfile_format_header(&text, &nf, &e), 0);
	CHECK(strstr(text, "unconverted") == NULL);
	free(text);
	CHECK_INT(parse(&rf, example, &e), 0);
	CHECK(rf.unconverted == NULL);
	revfile_release(&rf);
}

int main(void)
{
	RUN(test_example);
	RUN(test_down_revision_spellings);
	RUN(test_errors);
	RUN(test_hints);
	RUN(test_sections);
	RUN(test_format_roundtrip);
	RUN(test_slug);
	RUN(test_id_ok);
	RUN(test_unconverted);
	return tap_done();
}
