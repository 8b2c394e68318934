/*
 * test_sqlclass.c — statement classification and the no-transaction
 * directive, table-driven.
 */
#include "sql/sqlclass.h"
#include "tap.h"

#include <string.h>

#define TC SQLCLASS_TRANSACTION_CONTROL
#define NTB SQLCLASS_NO_TRANSACTION_BLOCK
#define CFS SQLCLASS_COPY_FROM_STDIN

static const struct {
	const char *sql;
	unsigned want;
	const char *what;
} cases[] = {
	/* ordinary */
	{"SELECT 1;", 0, ""},
	{"", 0, ""},
	{"/* c */ -- x\n ;", 0, ""},
	{"CREATE TABLE t (a int);", 0, ""},
	{"CREATE INDEX i ON t (a);", 0, ""},
	{"ANALYZE t;", 0, ""},
	{"PREPARE q AS SELECT 1;", 0, ""},
	{"PREPARE transaction AS SELECT 1;", 0, ""},
	{"CLUSTER t USING i;", 0, ""},
	{"CLUSTER VERBOSE t;", 0, ""},
	{"REINDEX TABLE t;", 0, ""},
	{"REINDEX (CONCURRENTLY false) TABLE t;", 0, ""},
	{"ALTER DATABASE d SET work_mem = '1MB';", 0, ""},
	{"ALTER TABLE t DETACH PARTITION p;", 0, ""},
	{"DISCARD PLANS;", 0, ""},
	{"CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (connect = false);", 0, ""},
	{"CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH (create_slot = 'off');", 0, ""},
	{"ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false);", 0, ""},
	{"ALTER SUBSCRIPTION s DISABLE;", 0, ""},
	{"COPY t TO STDOUT;", 0, ""},
	{"COPY (SELECT 1 FROM stdin) TO STDOUT;", 0, ""},
	{"SELECT 'BEGIN';", 0, ""},
	{"\"begin\";", 0, ""},
	/* transaction control */
	{"BEGIN;", TC, "BEGIN"},
	{"begin transaction isolation level serializable;", TC, "BEGIN"},
	{"  -- leading comment\n/* and /* nested */ one */ BEGIN;", TC, "BEGIN"},
	{"START TRANSACTION;", TC, "START TRANSACTION"},
	{"COMMIT;", TC, "COMMIT"},
	{"commit and chain;", TC, "COMMIT"},
	{"END;", TC, "END"},
	{"ROLLBACK TO SAVEPOINT a;", TC, "ROLLBACK"},
	{"ABORT;", TC, "ABORT"},
	{"SAVEPOINT a;", TC, "SAVEPOINT"},
	{"RELEASE SAVEPOINT a;", TC, "RELEASE"},
	{"PREPARE TRANSACTION 'x';", TC, "PREPARE TRANSACTION"},
	{"COMMIT PREPARED 'x';", TC | NTB, "COMMIT PREPARED"},
	{"ROLLBACK PREPARED 'x';", TC | NTB, "ROLLBACK PREPARED"},
	/* no transaction block */
	{"CREATE DATABASE app;", NTB, "CREATE DATABASE"},
	{"DROP DATABASE IF EXISTS app;", NTB, "DROP DATABASE"},
	{"ALTER DATABASE app SET TABLESPACE fast;", NTB, "ALTER DATABASE SET TABLESPACE"},
	{"CREATE TABLESPACE fast LOCATION '/x';", NTB, "CREATE TABLESPACE"},
	{"DROP TABLESPACE fast;", NTB, "DROP TABLESPACE"},
	{"CREATE INDEX CONCURRENTLY i ON t (a);", NTB, "CREATE INDEX CONCURRENTLY"},
	{"create unique index concurrently if not exists i on t (a);", NTB, "CREATE INDEX CONCURRENTLY"},
	{"DROP INDEX CONCURRENTLY i;", NTB, "DROP INDEX CONCURRENTLY"},
	{"REINDEX TABLE CONCURRENTLY t;", NTB, "REINDEX CONCURRENTLY"},
	{"REINDEX (CONCURRENTLY, VERBOSE) INDEX i;", NTB, "REINDEX CONCURRENTLY"},
	{"REINDEX DATABASE app;", NTB, "REINDEX DATABASE"},
	{"REINDEX (VERBOSE) SYSTEM;", NTB, "REINDEX SYSTEM"},
	{"REINDEX SCHEMA s;", NTB, "REINDEX SCHEMA"},
	{"VACUUM;", NTB, "VACUUM"},
	{"vacuum (analyze) t;", NTB, "VACUUM"},
	{"ALTER SYSTEM SET work_mem = '1MB';", NTB, "ALTER SYSTEM"},
	{"CLUSTER;", NTB, "CLUSTER"},
	{"CLUSTER VERBOSE", NTB, "CLUSTER"},
	{"CLUSTER (VERBOSE);", NTB, "CLUSTER"},
	{"DISCARD ALL;", NTB, "DISCARD ALL"},
	{"ALTER TABLE t DETACH PARTITION p CONCURRENTLY;", NTB, "ALTER TABLE DETACH PARTITION CONCURRENTLY"},
	{"CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p;", NTB, "CREATE SUBSCRIPTION"},
	{"ALTER SUBSCRIPTION s REFRESH PUBLICATION;", NTB, "ALTER SUBSCRIPTION REFRESH PUBLICATION"},
	{"ALTER SUBSCRIPTION s ADD PUBLICATION p;", NTB, "ALTER SUBSCRIPTION PUBLICATION with refresh"},
	{"DROP SUBSCRIPTION s;", NTB, "DROP SUBSCRIPTION"},
	/* COPY */
	{"COPY public.t (a, \"b\") FROM stdin;", CFS, "COPY FROM STDIN"},
	{"copy t from STDIN with (format csv);", CFS, "COPY FROM STDIN"},
	{"COPY t FROM 'stdin';", 0, ""},
};

/* The flags that decide a script's mode (the others are checked in
 * test_settings). */
#define MODE_FLAGS (SQLCLASS_TRANSACTION_CONTROL | SQLCLASS_NO_TRANSACTION_BLOCK | SQLCLASS_COPY_FROM_STDIN)

static void test_statements(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *what = NULL;
		tap_current = cases[i].sql;
		CHECK_INT(sqlclass_statement(cases[i].sql, strlen(cases[i].sql), &what) & MODE_FLAGS,
			  cases[i].want);
		CHECK_STR(what, cases[i].what);
	}
	tap_current = "test_statements";
	/* what may be NULL; text need not be NUL-terminated */
	CHECK_INT(sqlclass_statement("VACUUM;xx", 7, NULL), NTB);
	CHECK_INT(sqlclass_statement("COMMITTED", 6, NULL) & MODE_FLAGS, TC);
}

static void test_directive(void)
{
	static const struct {
		const char *in;
		int want;
		size_t line;
	} d[] = {
		{"-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);", 1, 1},
		{"SELECT 1;\n  --   Migrate:No-Transaction  \r\nSELECT 2;", 1, 2},
		{"SELECT 1,\n-- migrate:no-transaction\n2;", 1, 2},
		{"\xEF\xBB\xBF-- migrate:no-transaction", 1, 1},
		{"SELECT 1; -- migrate:no-transaction\n", 0, 0},
		{"SELECT '\n-- migrate:no-transaction\n';", 0, 0},
		{"SELECT $$\n-- migrate:no-transaction\n$$;", 0, 0},
		{"/*\n-- migrate:no-transaction\n*/", 0, 0},
		{"-- migrate:no-transactions\n", 0, 0},
		{"-- migrate: no-transaction\n", 0, 0},
		{"COPY t FROM stdin;\n-- migrate:no-transaction\n\\.\n", 0, 0},
		{"SELECT 'x", -1, 0},
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
		size_t line = 0;
		struct sqlscan_error e;
		tap_current = d[i].in;
		CHECK_INT(sqlclass_script_no_transaction(d[i].in, strlen(d[i].in), &line, &e),
			  d[i].want);
		if (d[i].want == 1)
			CHECK_INT(line, d[i].line);
		if (d[i].want == -1)
			CHECK_STR(e.msg, "unterminated quoted string starting at line 1");
	}
}

static struct sqlclass_setting setting(const char *sql, bool *touched)
{
	struct sqlclass_setting st;
	*touched = sqlclass_setting(sql, strlen(sql), &st);
	return st;
}

static void test_settings(void)
{
	bool on;
	struct sqlclass_setting st;
	st = setting("SET standard_conforming_strings = off;", &on);
	CHECK(on && st.std_strings == 0 && !st.local && st.encoding[0] == '\0');
	st = setting("set local standard_conforming_strings to 'on'", &on);
	CHECK(on && st.std_strings == 1 && st.local);
	st = setting("SET SESSION standard_conforming_strings TO DEFAULT;", &on);
	CHECK(on && st.std_strings == 2);
	st = setting("SET client_encoding = 'LATIN1';", &on);
	CHECK(on && st.std_strings == -1 && strcmp(st.encoding, "LATIN1") == 0);
	st = setting("SET NAMES 'SJIS';", &on);
	CHECK(on && strcmp(st.encoding, "SJIS") == 0);
	st = setting("RESET ALL;", &on);
	CHECK(on && st.std_strings == 2 && strcmp(st.encoding, "DEFAULT") == 0);
	st = setting("RESET client_encoding", &on);
	CHECK(on && strcmp(st.encoding, "DEFAULT") == 0 && st.std_strings == -1);
	st = setting("SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false);", &on);
	CHECK(on && st.std_strings == 0 && !st.local);
	st = setting("SELECT set_config('standard_conforming_strings', 'off', true);", &on);
	CHECK(on && st.local);
	setting("SELECT pg_catalog.set_config('search_path', '', false);", &on);
	CHECK(!on);
	setting("SET search_path = public;", &on);
	CHECK(!on);
	setting("SET standard_conforming_strings = maybe;", &on);
	CHECK(!on);
	/* what ends a pipeline segment */
	CHECK(sqlclass_statement("SET search_path = x;", 20, NULL) & SQLCLASS_SETTING);
	CHECK(sqlclass_statement("select set_config('a','b',false)", 33, NULL) & SQLCLASS_SETTING);
	CHECK(sqlclass_statement("COMMIT", 6, NULL) & SQLCLASS_SETTING);
	CHECK(!(sqlclass_statement("INSERT INTO t VALUES (1)", 24, NULL) & SQLCLASS_SETTING));
	CHECK(sqlclass_statement("copy t to stdout", 16, NULL) & SQLCLASS_COPY);
	CHECK(!(sqlclass_statement("SELECT 'copy'", 13, NULL) & SQLCLASS_COPY));
	/* booleans as the server and psql spell them */
	CHECK_INT(sqlclass_bool("On"), 1);
	CHECK_INT(sqlclass_bool("t"), 1);
	CHECK_INT(sqlclass_bool("YES"), 1);
	CHECK_INT(sqlclass_bool("of"), 0);
	CHECK_INT(sqlclass_bool("0"), 0);
	CHECK_INT(sqlclass_bool("o"), -1);
	CHECK_INT(sqlclass_bool(""), -1);
	CHECK_INT(sqlclass_bool("interactive"), -1);
	/* where an explicit block opens and ends (leading comments skipped) */
	CHECK(sqlclass_statement("/* x */ BEGIN", 13, NULL) & SQLCLASS_BLOCK_BEGIN);
	CHECK(sqlclass_statement("start transaction read only", 27, NULL) & SQLCLASS_BLOCK_BEGIN);
	CHECK(sqlclass_statement("-- c\ncommit", 11, NULL) & SQLCLASS_BLOCK_END);
	CHECK(sqlclass_statement("ROLLBACK", 8, NULL) & SQLCLASS_BLOCK_END);
	CHECK(sqlclass_statement("END", 3, NULL) & SQLCLASS_BLOCK_END);
	CHECK(sqlclass_statement("PREPARE TRANSACTION 'x'", 23, NULL) & SQLCLASS_BLOCK_END);
	CHECK(sqlclass_statement("COMMIT AND NO CHAIN", 19, NULL) & SQLCLASS_BLOCK_END);
	CHECK(!(sqlclass_statement("COMMIT AND CHAIN", 16, NULL) &
		(SQLCLASS_BLOCK_END | SQLCLASS_BLOCK_BEGIN)));
	CHECK(!(sqlclass_statement("ROLLBACK TO SAVEPOINT a", 23, NULL) & SQLCLASS_BLOCK_END));
	CHECK(!(sqlclass_statement("SAVEPOINT a", 11, NULL) &
		(SQLCLASS_BLOCK_END | SQLCLASS_BLOCK_BEGIN)));
	CHECK(!(sqlclass_statement("SELECT 'begin'", 14, NULL) & SQLCLASS_BLOCK_BEGIN));
	/* what must run as its own implicit transaction in autocommit mode */
	CHECK(sqlclass_statement("CALL p()", 8, NULL) & SQLCLASS_OWN_TRANSACTION);
	CHECK(sqlclass_statement("do $$ begin commit; end $$", 26, NULL) & SQLCLASS_OWN_TRANSACTION);
	CHECK(sqlclass_statement("LOCK TABLE t", 12, NULL) & SQLCLASS_OWN_TRANSACTION);
	CHECK(sqlclass_statement("DECLARE c CURSOR FOR SELECT 1", 29, NULL) & SQLCLASS_OWN_TRANSACTION);
	CHECK(sqlclass_statement("SET LOCAL x = 1", 15, NULL) & SQLCLASS_OWN_TRANSACTION);
	CHECK(!(sqlclass_statement("SET x = 1", 9, NULL) & SQLCLASS_OWN_TRANSACTION));
	CHECK(!(sqlclass_statement("INSERT INTO t VALUES (1)", 24, NULL) & SQLCLASS_OWN_TRANSACTION));
}

int main(void)
{
	RUN(test_statements);
	RUN(test_directive);
	RUN(test_settings);
	return tap_done();
}
