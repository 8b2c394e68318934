/*
 * test_sqlscan.c — the SQL splitter, table-driven.
 *
 * Each case is an input and the expected transcript of items:
 *   S<line>:<col>[text]            statement
 *   C<line>:<col>[text]            statement with copy_from_stdin
 *   M<line>:<col>[text]{name}{args} meta-command
 *   D<line>:<col>[bytes]           COPY data (consecutive chunks joined)
 *   E<line>:<col>[\.] / E…[eof]    COPY end, by "\." or by EOF
 *   X<line>:<col>[message]         error (the transcript stops there)
 * Every case is run with the input fed in chunks of 1, 2, 3, 5, 7, 13 and
 * 64 bytes and all at once, through a caller that keeps only the bytes the
 * scanner says it needs, in an exact-size heap copy (so ASan catches any
 * read of discarded or not yet supplied bytes): all transcripts must be
 * identical to the expected one.
 */
#include "sql/slashscan.h"
#include "sql/sqlscan.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct str {
	char *p;
	size_t n, cap;
};

static void str_add(struct str *s, const char *p, size_t n)
{
	if (s->n + n + 1 > s->cap) {
		s->cap = (s->n + n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (!s->p)
			abort();
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void str_fmt(struct str *s, char kind, size_t line, size_t col)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof tmp, "%c%zu:%zu[", kind, line, col);
	str_add(s, tmp, (size_t)n);
}

static int check_failures;

/* Run the scanner over in[0..len) in chunks of `chunk` bytes (0: all at
 * once) and return the transcript (malloc'd). */
static char *transcript(const char *in, size_t len, size_t chunk)
{
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	struct str out = {0};
	char *buf = NULL;
	size_t blen = 0, fed = 0; /* buf holds in[fed - blen .. fed) */
	bool eof = false, in_data = false;
	int guard = 0;
	sqlscan_init(&sc);
	str_add(&out, "", 0);
	for (;;) {
		enum sqlscan_result r;
		size_t drop = sqlscan_discardable(&sc);
		/* drop what the scanner no longer needs and feed the next chunk,
		 * into a fresh exact-size allocation */
		if (drop > 0 || (!eof && guard == 0)) {
			size_t add = 0;
			char *nb;
			if (drop > blen)
				drop = blen;
			if (guard == 0 && !eof) {
				add = chunk == 0 ? len - fed : (len - fed < chunk ? len - fed : chunk);
				eof = fed + add == len;
			}
			nb = malloc(blen - drop + add + 1);
			memcpy(nb, buf ? buf + drop : "", blen - drop);
			memcpy(nb + blen - drop, in + fed, add);
			free(buf);
			buf = nb;
			blen = blen - drop + add;
			fed += add;
			sqlscan_discard(&sc, drop);
		}
		guard = 1;
		r = sqlscan_next(&sc, buf, blen, eof, &it, &e);
		if (r == SQLSCAN_INCOMPLETE) {
			if (eof) {
				str_add(&out, "!incomplete-at-eof", 18);
				break;
			}
			guard = 0;
			continue;
		}
		if (r == SQLSCAN_EOF)
			break;
		if (r == SQLSCAN_ERROR) {
			if (in_data)
				str_add(&out, "]", 1);
			str_fmt(&out, 'X', e.line, e.col);
			str_add(&out, e.msg, strlen(e.msg));
			str_add(&out, "]", 1);
			break;
		}
		/* the slice must be the input bytes at the reported offset */
		if (it.text != buf + it.off || it.offset != fed - blen + it.off ||
		    it.offset + it.len > len || memcmp(in + it.offset, it.text, it.len) != 0) {
			check_failures++;
			str_add(&out, "!bad-slice", 10);
		}
		if (r == SQLSCAN_COPY_DATA) {
			if (!in_data)
				str_fmt(&out, 'D', it.line, it.col);
			in_data = true;
			str_add(&out, it.text, it.len);
			continue;
		}
		if (in_data)
			str_add(&out, "]", 1);
		in_data = false;
		switch (r) {
		case SQLSCAN_STATEMENT:
			str_fmt(&out, it.copy_from_stdin ? 'C' : 'S', it.line, it.col);
			str_add(&out, it.text, it.len);
			str_add(&out, "]", 1);
			break;
		case SQLSCAN_META:
			str_fmt(&out, 'M', it.line, it.col);
			str_add(&out, it.text, it.len);
			str_add(&out, "]{", 2);
			str_add(&out, it.name, it.name_len);
			str_add(&out, "}{", 2);
			str_add(&out, it.args, it.args_len);
			str_add(&out, "}", 1);
			if (it.name < it.text || it.args < it.text ||
			    it.args + it.args_len > it.text + it.len)
				str_add(&out, "!bad-meta-slices", 16);
			break;
		case SQLSCAN_COPY_END:
			str_fmt(&out, 'E', it.line, it.col);
			if (it.copy_terminated)
				str_add(&out, it.text, it.len);
			else
				str_add(&out, "eof", 3);
			str_add(&out, "]", 1);
			break;
		default:
			break;
		}
	}
	free(buf);
	sqlscan_release(&sc);
	return out.p;
}

struct scase {
	const char *name;
	const char *in;
	const char *want;
};

#define BOM "\xEF\xBB\xBF"

static const struct scase cases[] = {
	/* --- statement boundaries --- */
	{"two statements", "SELECT 1;\nSELECT 2;\n", "S1:1[SELECT 1;]S2:1[SELECT 2;]"},
	{"last without semicolon", "SELECT 1;\n  SELECT 2  \n\n",
	 "S1:1[SELECT 1;]S2:3[SELECT 2]"},
	{"two on one line", "SELECT 1;SELECT 2;", "S1:1[SELECT 1;]S1:10[SELECT 2;]"},
	{"leading line comment dropped, block comment kept",
	 "-- hi\n/* c */ SELECT 1; -- tail\n", "S2:1[/* c */ SELECT 1;]"},
	{"comment inside statement kept", "SELECT -- a;\n 1;", "S1:1[SELECT -- a;\n 1;]"},
	{"trailing line comment at EOF kept", "SELECT 1 -- c", "S1:1[SELECT 1 -- c]"},
	{"comments only", "/* only */\n-- x\n;\n ;; \n", ""},
	{"empty input", "", ""},
	{"whitespace only", " \n\t\r\n", ""},
	{"BOM skipped", BOM "SELECT 1;\nSELECT 2;", "S1:1[SELECT 1;]S2:1[SELECT 2;]"},
	{"BOM only", BOM, ""},
	{"not a BOM", "\xEF\xBBX;", "S1:1[\xEF\xBBX;]"},
	{"CRLF", "SELECT 1;\r\nSELECT\r\n 2;\r\n", "S1:1[SELECT 1;]S2:1[SELECT\r\n 2;]"},
	{"columns in bytes", "SELECT 'é'; SELECT 2;", "S1:1[SELECT 'é';]S1:14[SELECT 2;]"},

	/* --- strings --- */
	{"quote doubling", "SELECT 'a;b''c;';SELECT 2;", "S1:1[SELECT 'a;b''c;';]S1:18[SELECT 2;]"},
	{"standard strings: backslash is literal", "SELECT 'a\\'; SELECT 2;",
	 "S1:1[SELECT 'a\\';]S1:14[SELECT 2;]"},
	{"E string escapes", "SELECT E'a\\';b\\\\', 1; SELECT 2;",
	 "S1:1[SELECT E'a\\';b\\\\', 1;]S1:23[SELECT 2;]"},
	{"lower-case e string", "SELECT e'\\'';", "S1:1[SELECT e'\\'';]"},
	{"e after identifier is not a prefix", "SELECT abe'\\'; SELECT 1;",
	 "S1:1[SELECT abe'\\';]S1:16[SELECT 1;]"},
	{"E string continues after newline", "SELECT E'a'\n'\\';x';",
	 "S1:1[SELECT E'a'\n'\\';x';]"},
	{"E string continues after comment line", "SELECT E'a' -- c\n  '\\';x';",
	 "S1:1[SELECT E'a' -- c\n  '\\';x';]"},
	{"no continuation without newline", "SELECT E'a' '\\';x';",
	 "S1:1[SELECT E'a' '\\';]X1:17[unterminated hexadecimal string literal starting at line 1]"},
	{"operator minus after string", "SELECT 'a' - 1; SELECT 2;",
	 "S1:1[SELECT 'a' - 1;]S1:17[SELECT 2;]"},
	{"B X N U& strings", "SELECT B'0;1', X'A;F', N'a;b', U&'d\\0061;' UESCAPE '!';",
	 "S1:1[SELECT B'0;1', X'A;F', N'a;b', U&'d\\0061;' UESCAPE '!';]"},
	{"u& not followed by a quote", "SELECT u&x; SELECT 1;", "S1:1[SELECT u&x;]S1:13[SELECT 1;]"},
	{"number then e", "SELECT 1e'\\'; SELECT 2;", "S1:1[SELECT 1e'\\';]S1:15[SELECT 2;]"},
	{"psql variable then quote", "SELECT :e'\\'; SELECT 2;",
	 "S1:1[SELECT :e'\\';]S1:15[SELECT 2;]"},
	{"typecast then e string", "SELECT 1::e'\\';';", "S1:1[SELECT 1::e'\\';';]"},
	{"string with dashes", "SELECT '--;'; SELECT '/*';", "S1:1[SELECT '--;';]S1:15[SELECT '/*';]"},

	/* --- dollar quotes --- */
	{"dollar quote", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;",
	 "S1:1[CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;]"},
	{"other tag inside", "DO $a$ BEGIN PERFORM $b$;$b$; END $a$;SELECT 1;",
	 "S1:1[DO $a$ BEGIN PERFORM $b$;$b$; END $a$;]S1:39[SELECT 1;]"},
	{"mismatched tag gives back its $", "SELECT $a$x$b$a$;y$a$;",
	 "S1:1[SELECT $a$x$b$a$;]S1:18[y$a$;]"},
	{"partial and longer tags", "SELECT $abc$ $ab $abcd$ $ABC$ $abc$;",
	 "S1:1[SELECT $abc$ $ab $abcd$ $ABC$ $abc$;]"},
	{"empty tag inside tagged", "SELECT $t$ $$;$$ $t$;", "S1:1[SELECT $t$ $$;$$ $t$;]"},
	{"parameters are not quotes", "SELECT $1;SELECT $2;", "S1:1[SELECT $1;]S1:11[SELECT $2;]"},
	{"identifier with dollars", "SELECT a$b$c; SELECT 1;", "S1:1[SELECT a$b$c;]S1:15[SELECT 1;]"},
	{"dollar quote after number", "SELECT 1$a$;$a$;", "S1:1[SELECT 1$a$;$a$;]"},
	{"dollar then e string", "SELECT $e'\\';';", "S1:1[SELECT $e'\\';';]"},
	{"pg_dump $_$ body",
	 "CREATE FUNCTION public.f(integer) RETURNS integer\n    LANGUAGE sql\n    AS $_$SELECT "
	 "$1 + 1; $_$;\n",
	 "S1:1[CREATE FUNCTION public.f(integer) RETURNS integer\n    LANGUAGE sql\n    AS "
	 "$_$SELECT $1 + 1; $_$;]"},

	/* --- identifiers, comments, parentheses --- */
	{"quoted identifiers", "SELECT \"a;\"\"b\" FROM \"t;\"; SELECT U&\"x;\";",
	 "S1:1[SELECT \"a;\"\"b\" FROM \"t;\";]S1:27[SELECT U&\"x;\";]"},
	{"nested block comments", "SELECT /* a /* b; */ c; */ 1;", "S1:1[SELECT /* a /* b; */ c; */ 1;]"},
	{"slash-star-slash", "SELECT /*/ ; */ 1;", "S1:1[SELECT /*/ ; */ 1;]"},
	{"star-slash at top level", "SELECT 2 */ 1;", "S1:1[SELECT 2 */ 1;]"},
	{"block comment then empty", "/* x */ SELECT 1; /**/;", "S1:1[/* x */ SELECT 1;]"},
	{"line comment hides block start", "SELECT 1; -- /*\nSELECT 2;",
	 "S1:1[SELECT 1;]S2:1[SELECT 2;]"},
	{"comment after operator", "SELECT 1 +--c;\n;", "S1:1[SELECT 1 +--c;\n;]"},
	{"realfail2 eats the minus", "SELECT 1e--x\n;", "S1:1[SELECT 1e--x\n;]"},
	{"parentheses",
	 "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES "
	 "(2));SELECT 1;",
	 "S1:1[CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b "
	 "VALUES (2));]S1:94[SELECT 1;]"},
	{"unbalanced close paren", "SELECT 1);SELECT 2;", "S1:1[SELECT 1);]S1:11[SELECT 2;]"},

	/* --- BEGIN ATOMIC --- */
	{"begin atomic",
	 "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE "
	 "WHEN true THEN 1 ELSE 2 END;\nEND;\nSELECT 3;",
	 "S1:1[CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT "
	 "CASE WHEN true THEN 1 ELSE 2 END;\nEND;]S6:1[SELECT 3;]"},
	{"or replace procedure",
	 "create or replace procedure p() begin atomic insert into t values (1); end; select 1;",
	 "S1:1[create or replace procedure p() begin atomic insert into t values (1); end;]S1:77[select "
	 "1;]"},
	{"transaction begin/end are statements", "BEGIN; SELECT 1; END;",
	 "S1:1[BEGIN;]S1:8[SELECT 1;]S1:18[END;]"},
	{"case outside begin", "CREATE FUNCTION f(x int) RETURNS int RETURN CASE WHEN x > 0 THEN 1 END; SELECT 2;",
	 "S1:1[CREATE FUNCTION f(x int) RETURNS int RETURN CASE WHEN x > 0 THEN 1 END;]S1:73[SELECT "
	 "2;]"},
	{"begin in a string", "CREATE FUNCTION f() RETURNS int AS 'begin' LANGUAGE sql; SELECT 1;",
	 "S1:1[CREATE FUNCTION f() RETURNS int AS 'begin' LANGUAGE sql;]S1:58[SELECT 1;]"},
	{"begin_t is not begin", "CREATE FUNCTION begin_t() RETURNS int RETURN 1; SELECT 1;",
	 "S1:1[CREATE FUNCTION begin_t() RETURNS int RETURN 1;]S1:49[SELECT 1;]"},
	{"create table: no heuristic", "CREATE TABLE t (begin int); SELECT 1;",
	 "S1:1[CREATE TABLE t (begin int);]S1:29[SELECT 1;]"},

	/* --- meta-commands --- */
	{"meta-commands", "\\set ON_ERROR_STOP on\nSELECT 1;\n\\connect db\n",
	 "M1:1[\\set ON_ERROR_STOP on]{set}{ON_ERROR_STOP on}S2:1[SELECT 1;]M3:1[\\connect "
	 "db]{connect}{db}"},
	{"restrict CRLF", "\\restrict abc123\r\nSELECT 1;\r\n\\unrestrict abc123\r\n",
	 "M1:1[\\restrict abc123]{restrict}{abc123}S2:1[SELECT 1;]M3:1[\\unrestrict "
	 "abc123]{unrestrict}{abc123}"},
	{"double backslash separator", "\\set a 1 \\\\ SELECT 1;",
	 "M1:1[\\set a 1]{set}{a 1}S1:13[SELECT 1;]"},
	{"single backslash starts next", "\\set a 1 \\echo hi\n",
	 "M1:1[\\set a 1]{set}{a 1}M1:10[\\echo hi]{echo}{hi}"},
	{"backslash in quoted argument", "\\set a 'x\\\\y' 'it\\'s' \n",
	 "M1:1[\\set a 'x\\\\y' 'it\\'s']{set}{a 'x\\\\y' 'it\\'s'}"},
	{"double-quoted argument", "\\set x \"a \\ b\" c\n", "M1:1[\\set x \"a \\ b\" c]{set}{x \"a \\ b\" c}"},
	{"meta at EOF", "\\i file.sql", "M1:1[\\i file.sql]{i}{file.sql}"},
	{"bare backslash", "\\\nSELECT 1;", "M1:1[\\]{}{}S2:1[SELECT 1;]"},
	{"backslash at EOF", "SELECT 1;\n\\", "S1:1[SELECT 1;]M2:1[\\]{}{}"},
	{"name ends at backslash", "\\a\\b\n", "M1:1[\\a]{a}{}M1:3[\\b]{b}{}"},
	{"whole-line command", "\\! echo \\\\ hi\n", "M1:1[\\! echo \\\\ hi]{!}{echo \\\\ hi}"},
	{"copy meta is whole line", "\\copy t from stdin \\\\ x\n",
	 "M1:1[\\copy t from stdin \\\\ x]{copy}{t from stdin \\\\ x}"},
	{"pipe argument is whole line", "\\o | cat \\\\ x\n", "M1:1[\\o | cat \\\\ x]{o}{| cat \\\\ x}"},
	{"comments before meta dropped", "/* c */ \\set x 1\n", "M1:9[\\set x 1]{set}{x 1}"},
	{"meta after statement", "SELECT 1; \\set x 1\n", "S1:1[SELECT 1;]M1:11[\\set x 1]{set}{x 1}"},
	{"unterminated quote in meta ends at EOL", "\\set x 'abc\nSELECT 1;",
	 "M1:1[\\set x 'abc]{set}{x 'abc}S2:1[SELECT 1;]"},

	/* --- COPY --- */
	{"copy data", "COPY public.t (a, \"b\") FROM stdin;\n1\tx\\ty\t\\N\n2\t\xc3\xa9\r\n\\.x\n\\\\.\n\\.\nSELECT 1;\n",
	 "C1:1[COPY public.t (a, \"b\") FROM stdin;]D2:1[1\tx\\ty\t\\N\n2\t\xc3\xa9\r\n\\.x\n\\\\.\n]E6:1[\\.]S7:1[SELECT 1;]"},
	{"copy csv CRLF", "COPY t FROM STDIN WITH (FORMAT csv);\r\na,\"b;\"\r\n\\.\r\nSELECT 1;\r\n",
	 "C1:1[COPY t FROM STDIN WITH (FORMAT csv);]D2:1[a,\"b;\"\r\n]E3:1[\\.]S4:1[SELECT 1;]"},
	{"copy from stdout is copy from stdin", "copy t from stdout;\n1\n\\.\nSELECT 1;\n",
	 "C1:1[copy t from stdout;]D2:1[1\n]E3:1[\\.]S4:1[SELECT 1;]"},
	{"copy ended by EOF", "COPY t FROM stdin;\n1\n2\n", "C1:1[COPY t FROM stdin;]D2:1[1\n2\n]E4:1[eof]"},
	{"copy partial last line", "COPY t FROM stdin;\n1\n2", "C1:1[COPY t FROM stdin;]D2:1[1\n2]E3:2[eof]"},
	{"terminator at EOF without newline", "COPY t FROM stdin;\n1\n\\.",
	 "C1:1[COPY t FROM stdin;]D2:1[1\n]E3:1[\\.]"},
	{"terminator CR at EOF", "COPY t FROM stdin;\n1\n\\.\r", "C1:1[COPY t FROM stdin;]D2:1[1\n]E3:1[\\.]"},
	{"lone backslash line at EOF", "COPY t FROM stdin;\n\\", "C1:1[COPY t FROM stdin;]D2:1[\\]E2:2[eof]"},
	{"empty copy data", "COPY t FROM stdin;\n\\.\nSELECT 1;", "C1:1[COPY t FROM stdin;]E2:1[\\.]S3:1[SELECT 1;]"},
	{"copy at EOF without semicolon", "COPY t FROM stdin", "C1:1[COPY t FROM stdin]E1:18[eof]"},
	{"copy with trailing comment", "copy t from STDIN; -- data\n'a;\n\\.\n\\set x 1\n",
	 "C1:1[copy t from STDIN;]D2:1['a;\n]E3:1[\\.]M4:1[\\set x 1]{set}{x 1}"},
	{"copy to stdout is not copy in", "COPY t TO stdout;\nSELECT 1;", "S1:1[COPY t TO stdout;]S2:1[SELECT 1;]"},
	{"stdin in parentheses", "COPY (SELECT 1 FROM stdin) TO stdout;", "S1:1[COPY (SELECT 1 FROM stdin) TO stdout;]"},
	{"select from stdin", "SELECT * FROM stdin;\n1\n", "S1:1[SELECT * FROM stdin;]S2:1[1]"},
	{"from a file", "copy t from 'stdin';", "S1:1[copy t from 'stdin';]"},
	{"comment before copy", "/* x */ COPY t FROM /* y */ STDIN;\n\\.\n", "C1:1[/* x */ COPY t FROM /* y */ STDIN;]E2:1[\\.]"},
	{"text after copy", "COPY t FROM stdin; SELECT 1;\n",
	 "C1:1[COPY t FROM stdin;]X1:20[text after COPY ... FROM STDIN on the same line is not supported]"},

	/* --- errors --- */
	{"unterminated quote", "SELECT 1;\nSELECT 'abc;\n",
	 "S1:1[SELECT 1;]X2:8[unterminated quoted string starting at line 2]"},
	{"unterminated E string", "SELECT E'\\';", "X1:8[unterminated quoted string starting at line 1]"},
	{"unterminated dollar quote", "SELECT 1;\n\nDO $body$ BEGIN END $bod$;\n",
	 "S1:1[SELECT 1;]X3:4[unterminated dollar-quoted string starting at line 3]"},
	{"unterminated comment", "SELECT /* a /* b */ 1;", "X1:8[unterminated /* comment starting at line 1]"},
	{"unterminated identifier", "SELECT \"abc;", "X1:8[unterminated quoted identifier starting at line 1]"},
	{"unterminated bit string", "SELECT b'01;", "X1:8[unterminated bit-string literal starting at line 1]"},
	{"meta inside statement", "SELECT 1\n\\g\n",
	 "X2:1[meta-command \"\\g\" inside the SQL statement starting at line 1 is not supported]"},
	{"backslash semicolon", "SELECT 1 \\; SELECT 2;", "X1:10[\"\\;\" is not supported]"},
};

#define NCASES (sizeof cases / sizeof cases[0])

static const size_t chunk_sizes[] = {0, 1, 2, 3, 5, 7, 13, 64};

static void test_cases(void)
{
	for (size_t i = 0; i < NCASES; i++) {
		for (size_t k = 0; k < sizeof chunk_sizes / sizeof chunk_sizes[0]; k++) {
			char *got = transcript(cases[i].in, strlen(cases[i].in), chunk_sizes[k]);
			tap_current = cases[i].name;
			CHECK_STR(got, cases[i].want);
			if (strcmp(got, cases[i].want) != 0)
				fprintf(stderr, "  (chunk size %zu)\n", chunk_sizes[k]);
			free(got);
		}
	}
	tap_current = "test_cases";
	CHECK_INT(check_failures, 0);
}

/* Every chunk size from 1 to 40 over the concatenation of all inputs that
 * scan without error: same transcript as all at once. */
static void test_chunk_invariance(void)
{
	struct str all = {0};
	char *ref;
	str_add(&all, "", 0);
	for (size_t i = 0; i < NCASES; i++) {
		/* not: errors, COPY data running to EOF, a BOM (only at the start) */
		if (cases[i].want[0] == 'X' || strstr(cases[i].want, "]X") ||
		    strstr(cases[i].want, "[eof]") || strstr(cases[i].in, BOM))
			continue;
		str_add(&all, cases[i].in, strlen(cases[i].in));
		str_add(&all, "\n;\n", 3);
	}
	ref = transcript(all.p, all.n, 0);
	CHECK(ref[0] != 'X' && strstr(ref, "]X") == NULL);
	for (size_t chunk = 1; chunk <= 40; chunk++) {
		char *got = transcript(all.p, all.n, chunk);
		CHECK_STR(got, ref);
		free(got);
	}
	free(ref);
	free(all.p);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	*len = fread(p, 1, (size_t)n, f);
	p[*len] = '\0';
	fclose(f);
	return p;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Items of one kind in a transcript (an item follows "]" or "}"). */
static size_t kinds(const char *t, char kind)
{
	char a[3] = {']', kind, 0}, b[3] = {'}', kind, 0};
	return count(t, a) + count(t, b) + (t[0] == kind);
}

/* Realistic scripts under tests/fixtures/sql: chunk invariance and shape. */
static void test_fixtures(void)
{
	static const struct {
		const char *path;
		size_t statements, copies, metas;
		const char *contains;
	} fx[] = {
		{"tests/fixtures/sql/pg_dump_sample.sql", 28, 2, 3,
		 "M5:1[\\restrict AbC123dEf]{restrict}{AbC123dEf}"},
		{"tests/fixtures/sql/functions.sql", 6, 0, 1, "S12:1[CREATE FUNCTION add_one"},
		{"tests/fixtures/sql/crlf_bom.sql", 2, 1, 1, "S1:1[CREATE TABLE t (a int, b text);]"},
	};
	for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
		size_t len;
		char *in = read_file(fx[i].path, &len);
		char *ref;
		tap_current = fx[i].path;
		CHECK(in != NULL);
		if (!in)
			continue;
		ref = transcript(in, len, 0);
		CHECK(strstr(ref, "]X") == NULL && ref[0] != 'X');
		CHECK_INT(kinds(ref, 'S'), fx[i].statements);
		CHECK_INT(kinds(ref, 'C'), fx[i].copies);
		CHECK_INT(kinds(ref, 'M'), fx[i].metas);
		CHECK(strstr(ref, fx[i].contains) != NULL);
		if (!strstr(ref, fx[i].contains))
			fprintf(stderr, "  transcript: %s\n", ref);
		for (size_t chunk = 1; chunk <= 17; chunk += 4) {
			char *got = transcript(in, len, chunk);
			CHECK_STR(got, ref);
			free(got);
		}
		free(ref);
		free(in);
	}
}

/* One statement of several MB arriving one byte per call: the scanner must
 * not rescan the pending statement (quadratic work would take hours). */
static void test_linear_small_chunks(void)
{
	size_t body = 4u << 20, len, cap;
	char *in = malloc(body + 64), *buf;
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	size_t blen = 0, fed = 0, stmts = 0;
	clock_t t0 = clock();
	len = (size_t)sprintf(in, "SELECT $x$");
	memset(in + len, ';', body);
	len += body;
	len += (size_t)sprintf(in + len, "$x$;\nSELECT 2;");
	cap = len;
	buf = malloc(cap);
	sqlscan_init(&sc);
	for (;;) {
		enum sqlscan_result r = sqlscan_next(&sc, buf, blen, fed == len, &it, &e);
		if (r == SQLSCAN_INCOMPLETE) {
			size_t drop = sqlscan_discardable(&sc);
			if (drop > 0) {
				memmove(buf, buf + drop, blen - drop);
				blen -= drop;
				sqlscan_discard(&sc, drop);
			}
			buf[blen++] = in[fed++];
			continue;
		}
		if (r != SQLSCAN_STATEMENT)
			break;
		stmts++;
		if (stmts == 1)
			CHECK_INT(it.len, body + 14);
	}
	CHECK_INT(stmts, 2);
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);
	free(in);
	free(buf);
}

/* A large COPY streams through a small buffer: data never has to be held. */
static void test_copy_streams(void)
{
	size_t rows = 200000, len = 0, cap = 64, blen = 0, fed = 0, data = 0, maxbuf = 0;
	struct str in = {0};
	char *buf = malloc(cap);
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	bool ended = false;
	const char *row = "1\tsome text\t\\N\n";
	str_add(&in, "COPY t FROM stdin;\n", 19);
	for (size_t i = 0; i < rows; i++)
		str_add(&in, row, strlen(row));
	str_add(&in, "\\.\nSELECT 1;\n", 13);
	len = in.n;
	sqlscan_init(&sc);
	for (;;) {
		enum sqlscan_result r = sqlscan_next(&sc, buf, blen, fed == len, &it, &e);
		size_t drop;
		if (r == SQLSCAN_EOF || r == SQLSCAN_ERROR)
			break;
		if (r == SQLSCAN_COPY_DATA)
			data += it.len;
		if (r == SQLSCAN_COPY_END)
			ended = it.copy_terminated;
		drop = sqlscan_discardable(&sc);
		memmove(buf, buf + drop, blen - drop);
		blen -= drop;
		sqlscan_discard(&sc, drop);
		if (r == SQLSCAN_INCOMPLETE) {
			size_t add = cap - blen;
			if (add == 0) { /* only a statement needs more room */
				cap *= 2;
				buf = realloc(buf, cap);
				add = cap - blen;
			}
			if (add > len - fed)
				add = len - fed;
			memcpy(buf + blen, in.p + fed, add);
			blen += add;
			fed += add;
			if (cap > maxbuf)
				maxbuf = cap;
		}
	}
	CHECK_INT(data, rows * strlen(row));
	CHECK(ended);
	CHECK(maxbuf <= 64);
	free(in.p);
	free(buf);
}

static void test_map_position(void)
{
	size_t line = 0, col = 0;
	const char *s = "SELECT\n  \xc3\xa9, x";
	CHECK_INT(sqlscan_map_position("SELECT 1;", 9, 3, 5, 1, PGENC_UTF8, &line, &col), 0);
	CHECK_INT(line, 3);
	CHECK_INT(col, 5);
	CHECK_INT(sqlscan_map_position("SELECT 1;", 9, 3, 5, 8, PGENC_UTF8, &line, &col), 0);
	CHECK_INT(col, 12);
	CHECK_INT(sqlscan_map_position(s, strlen(s), 2, 1, 13, PGENC_UTF8, &line, &col), 0);
	CHECK_INT(line, 3);
	CHECK_INT(col, 7);
	CHECK_INT(sqlscan_map_position(s, strlen(s), 2, 1, 10, PGENC_UTF8, &line, &col), 0);
	CHECK_INT(line, 3);
	CHECK_INT(col, 3);
	CHECK_INT(sqlscan_map_position(s, strlen(s), 2, 1, 7, PGENC_UTF8, &line, &col), 0);
	CHECK_INT(line, 2);
	CHECK_INT(col, 7);
	CHECK_INT(sqlscan_map_position("ab", 2, 1, 1, 3, PGENC_UTF8, &line, &col), 0); /* just past the end */
	CHECK_INT(col, 3);
	CHECK_INT(sqlscan_map_position("ab", 2, 1, 1, 4, PGENC_UTF8, &line, &col), -1);
	CHECK_INT(sqlscan_map_position("ab", 2, 1, 1, 0, PGENC_UTF8, &line, &col), -1);
}

/* The slice from the scanner maps a server position back into the file. */
static void test_map_from_item(void)
{
	const char *in = "-- header\n\n  SELECT 1;\n  SELECT\n    nosuch;\n";
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	size_t line = 0, col = 0;
	sqlscan_init(&sc);
	CHECK_INT(sqlscan_next(&sc, in, strlen(in), true, &it, &e), SQLSCAN_STATEMENT);
	CHECK_INT(sqlscan_next(&sc, in, strlen(in), true, &it, &e), SQLSCAN_STATEMENT);
	CHECK_INT(it.line, 4);
	CHECK_INT(it.col, 3);
	/* "SELECT\n    nosuch;": nosuch is character 12 */
	CHECK_INT(sqlscan_map_position(it.text, it.len, it.line, it.col, 12, PGENC_UTF8, &line, &col), 0);
	CHECK_INT(line, 5);
	CHECK_INT(col, 5);
}

static void test_args(void)
{
	char out[64];
	size_t n = 0;
	char q = 'z';
	struct sqlscan_error e;
	const char *a = "a 'b c' \"D e\"  f;;", *p = a, *end = a + strlen(a);
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "a");
	CHECK_INT(q, 0);
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "b c");
	CHECK_INT(q, '\'');
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "\"D e\"");
	CHECK_INT(q, '"');
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "f");
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, out, sizeof out, &n, &q, &e), 0);

	a = "'x\\ny\\'z''w\\101\\x41\\q' a'b c'd 'a;';";
	p = a;
	end = a + strlen(a);
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "x\ny'z'wAAq");
	CHECK_INT(n, 10);
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "ab cd");
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "a;");

	a = "\"Foo\"Bar \"a\"\"b\"";
	p = a;
	end = a + strlen(a);
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SQLID, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "Foobar");
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SQLIDHACK, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "a\"b");
	p = a;
	CHECK_INT(slashscan_next_arg(&p, end, SLASHSCAN_ARG_SQLIDHACK, out, sizeof out, &n, &q, &e), 1);
	CHECK_STR(out, "FooBar");

	a = "ok 'abc";
	p = a;
	end = a + strlen(a);
	CHECK_INT(slashscan_next_arg(&p, end, 0, out, sizeof out, &n, &q, &e), 1);
	CHECK_INT(slashscan_next_arg(&p, end, 0, out, sizeof out, &n, &q, &e), -1);
	CHECK_STR(e.msg, "unterminated quoted string");
	a = "`date`";
	p = a;
	CHECK_INT(slashscan_next_arg(&p, a + 6, 0, out, sizeof out, &n, &q, &e), -1);
	CHECK_STR(e.msg, "backquote substitution is not supported");
	a = "abcdefgh";
	p = a;
	CHECK_INT(slashscan_next_arg(&p, a + 8, 0, out, 8, &n, &q, &e), -1);
	CHECK_STR(e.msg, "argument too long");
	p = a;
	CHECK_INT(slashscan_next_arg(&p, a + 8, 0, out, 9, &n, &q, &e), 1);
	CHECK_STR(out, "abcdefgh");
}

/* The directive is found however the input is chunked. */
static void test_directive_streaming(void)
{
	const char *in = "SELECT 1;\n  --   Migrate:No-Transaction  \r\nSELECT 2; -- migrate:no-transaction\n";
	for (size_t chunk = 1; chunk <= 8; chunk++) {
		struct sqlscan sc;
		struct sqlscan_item it;
		struct sqlscan_error e;
		size_t len = strlen(in), fed = 0, line = 0;
		enum sqlscan_result r;
		sqlscan_init(&sc);
		do {
			r = sqlscan_next(&sc, in, fed, fed == len, &it, &e);
			if (r == SQLSCAN_INCOMPLETE)
				fed = fed + chunk < len ? fed + chunk : len;
		} while (r != SQLSCAN_EOF && r != SQLSCAN_ERROR);
		CHECK(sqlscan_no_transaction_directive(&sc, &line));
		CHECK_INT(line, 2);
	}
}

static void test_errors_sticky(void)
{
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	const char *in = "SELECT 'x";
	sqlscan_init(&sc);
	CHECK_INT(sqlscan_next(&sc, in, strlen(in), true, &it, &e), SQLSCAN_ERROR);
	memset(&e, 0, sizeof e);
	CHECK_INT(sqlscan_next(&sc, in, strlen(in), true, &it, &e), SQLSCAN_ERROR);
	CHECK_STR(e.msg, "unterminated quoted string starting at line 1");
	CHECK_INT(e.offset, 7);
	sqlscan_release(&sc);
	/* misuse: a buffer that no longer reaches the unscanned bytes */
	sqlscan_init(&sc);
	CHECK_INT(sqlscan_next(&sc, "SELECT", 6, false, &it, &e), SQLSCAN_INCOMPLETE);
	CHECK_INT(sqlscan_discardable(&sc), 0);
	CHECK_INT(sqlscan_next(&sc, "SEL", 3, false, &it, &e), SQLSCAN_ERROR);
	CHECK_STR(e.msg, "scanner input does not continue where it stopped");
	/* EOF is sticky */
	sqlscan_init(&sc);
	CHECK_INT(sqlscan_next(&sc, "", 0, true, &it, &e), SQLSCAN_EOF);
	CHECK_INT(sqlscan_next(&sc, "", 0, true, &it, &e), SQLSCAN_EOF);
	CHECK_STR(sqlscan_result_name(SQLSCAN_COPY_DATA), "copy-data");
}

/* Random inputs over the characters that matter: every chunking gives the
 * same transcript, and nothing reads outside the buffer (ASan build). */
static void test_random_chunking(void)
{
	static const char *const atoms[] = {
		"'", "''", "E'", "e'", "\\", "\\\\", "$", "$$", "$a$", "$b$", "$1", "a$b", "\"",
		"--", "/*", "*/", "*", "/", "-", "(", ")", ";", ";", ";", "\n", "\r\n", " ",
		"\t", "U&", "u&'", "x'", "b'", "n'", "1", "1e", ".", ":", "::", "abc", "begin",
		"end", "case", "create ", "function ", "copy ", "from ", "stdin", "\\.",
		"\\set x 'a b'", "\xc3\xa9", "\xEF\xBB\xBF"};
	unsigned long seed = 12345;
	size_t natoms = sizeof atoms / sizeof atoms[0];
	for (int round = 0; round < 3000; round++) {
		struct str in = {0};
		char *ref;
		int n;
		str_add(&in, "", 0);
		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		n = (int)((seed >> 33) % 40);
		for (int k = 0; k < n; k++) {
			const char *a;
			seed = seed * 6364136223846793005ul + 1442695040888963407ul;
			a = atoms[(seed >> 33) % natoms];
			str_add(&in, a, strlen(a));
		}
		ref = transcript(in.p, in.n, 0);
		for (size_t chunk = 1; chunk <= 4; chunk++) {
			char *got = transcript(in.p, in.n, chunk);
			tap_current = in.p;
			CHECK_STR(got, ref);
			free(got);
		}
		free(ref);
		free(in.p);
	}
	tap_current = "test_random_chunking";
	CHECK_INT(check_failures, 0);
}


/* The statements of in, scanned with the given settings in one call,
 * joined by '|' (or "ERR:<line>:<col>:<msg>"). */
static void scan_with(const char *in, size_t len, bool std_strings, enum pgenc enc, char *out,
		      size_t cap)
{
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	size_t used = 0;
	out[0] = '\0';
	sqlscan_init(&sc);
	sqlscan_set_standard_strings(&sc, std_strings);
	sqlscan_set_encoding(&sc, enc);
	for (;;) {
		enum sqlscan_result r = sqlscan_next(&sc, in, len, true, &it, &e);
		if (r == SQLSCAN_ERROR) {
			snprintf(out + used, cap - used, "%sERR:%zu:%zu:%s", used ? "|" : "", e.line, e.col,
				 e.msg);
			return;
		}
		if (r == SQLSCAN_EOF)
			return;
		used += (size_t)snprintf(out + used, cap - used, "%s%.*s", used ? "|" : "",
					 (int)it.len, it.text);
	}
}

static void test_standard_strings_off(void)
{
	char out[512];
	const char *in = "INSERT INTO t VALUES ('it\\'s; a string'); SELECT 2;";
	scan_with(in, strlen(in), false, PGENC_UTF8, out, sizeof out);
	CHECK_STR(out, "INSERT INTO t VALUES ('it\\'s; a string');|SELECT 2;");
	/* with it on the backslash is an ordinary character: the string ends early */
	scan_with(in, strlen(in), true, PGENC_UTF8, out, sizeof out);
	CHECK_STR(out, "ERR:1:39:unterminated quoted string starting at line 1");
	/* N'…' follows the setting too; B'…', X'…' and U&'…' never escape */
	in = "SELECT N'a\\'b;'; SELECT U&'c\\'; SELECT X'0\\';";
	scan_with(in, strlen(in), false, PGENC_UTF8, out, sizeof out);
	CHECK_STR(out, "SELECT N'a\\'b;';|SELECT U&'c\\';|SELECT X'0\\';");
	/* the setting changes between statements of one input */
	{
		struct sqlscan sc;
		struct sqlscan_item it;
		struct sqlscan_error e;
		in = "SELECT 'a\\'; SELECT 'b\\'c';";
		sqlscan_init(&sc);
		CHECK_INT(sqlscan_next(&sc, in, strlen(in), true, &it, &e), SQLSCAN_STATEMENT);
		CHECK_INT(it.len, 12);
		sqlscan_set_standard_strings(&sc, false);
		CHECK_INT(sqlscan_next(&sc, in, strlen(in), true, &it, &e), SQLSCAN_STATEMENT);
		CHECK_INT(it.len, 14);
	}
}

static void test_client_encodings(void)
{
	char out[512];
	/* SJIS 表 is 0x95 0x5C: its second byte is a backslash */
	const char sjis[] = "SELECT E'\x95\x5C'; SELECT '\x83\x5C'';' ;";
	scan_with(sjis, strlen(sjis), true, PGENC_SJIS, out, sizeof out);
	CHECK_STR(out, "SELECT E'\x95\x5C';|SELECT '\x83\x5C'';' ;");
	/* read as UTF-8 the same bytes escape the quote */
	scan_with(sjis, strlen(sjis), true, PGENC_UTF8, out, sizeof out);
	CHECK(strncmp(out, "ERR:", 4) == 0);
	/* half-width katakana (0xA1–0xDF) are single bytes in SJIS */
	{
		const char kana[] = "SELECT '\xB1', E'\xB1\\'';";
		scan_with(kana, strlen(kana), true, PGENC_SJIS, out, sizeof out);
		CHECK_STR(out, kana);
	}
	/* BIG5 許 = 0xB3 0x5C, GBK/UHC likewise two bytes for any high first byte */
	{
		const char big5[] = "SELECT E'\xB3\x5C'; SELECT 1;";
		scan_with(big5, strlen(big5), true, PGENC_DBCS, out, sizeof out);
		CHECK_STR(out, "SELECT E'\xB3\x5C';|SELECT 1;");
	}
	/* GB18030: four bytes when the second is a digit, the last may be 0x5C?
	 * (no: 0x30–0x39) — but a two-byte one can end in 0x5C */
	{
		const char gb[] = "SELECT E'\x81\x30\x81\x30\x95\x5C'; SELECT 1;";
		scan_with(gb, strlen(gb), true, PGENC_GB18030, out, sizeof out);
		CHECK_STR(out, "SELECT E'\x81\x30\x81\x30\x95\x5C';|SELECT 1;");
	}
	/* JOHAB trailing bytes start at 0x31 */
	{
		const char jo[] = "SELECT E'\x88\x5C';";
		scan_with(jo, strlen(jo), true, PGENC_JOHAB, out, sizeof out);
		CHECK_STR(out, jo);
	}
	/* names */
	{
		enum pgenc enc;
		CHECK(pgenc_from_name("sjis", &enc) && enc == PGENC_SJIS);
		CHECK(pgenc_from_name("LATIN1", &enc) && enc == PGENC_SINGLE);
		CHECK(pgenc_from_name("GB18030", &enc) && pgenc_lexer_unsafe(enc));
		CHECK(pgenc_from_name("EUC_JP", &enc) && !pgenc_lexer_unsafe(enc));
		CHECK(!pgenc_from_name("KLINGON", &enc) && enc == PGENC_UTF8);
		/* UTF-8 characters as positions count them */
		CHECK_INT(pgenc_mblen(PGENC_UTF8, (const unsigned char *)"\xc3\xa9x", 3), 2);
		CHECK_INT(pgenc_mblen(PGENC_UTF8, (const unsigned char *)"\xe9x", 2), 1);
		CHECK_INT(pgenc_mblen(PGENC_UTF8, (const unsigned char *)"\xf0\x9f\x98\x80\x80", 5), 4);
		CHECK_INT(pgenc_mblen(PGENC_UTF8, (const unsigned char *)"ab", 2), 1);
	}
	/* positions are counted in characters of the client encoding */
	{
		size_t line, col;
		const char s[] = "SELECT '\x95\x5C', x";
		CHECK_INT(sqlscan_map_position(s, strlen(s), 1, 1, 13, PGENC_SJIS, &line, &col), 0);
		CHECK_INT(col, 14);
		CHECK_INT(sqlscan_map_position(s, strlen(s), 1, 1, 13, PGENC_SINGLE, &line, &col), 0);
		CHECK_INT(col, 13);
	}
}

static void test_nul_bytes(void)
{
	char out[512];
	const char in[] = "SELECT 1;\nSELECT 2;\x00\nCREATE TABLE lost();";
	scan_with(in, sizeof in - 1, true, PGENC_UTF8, out, sizeof out);
	CHECK_STR(out, "SELECT 1;|SELECT 2;|ERR:2:10:NUL byte in the script (psql would drop the "
		       "rest of the line)");
	{
		const char copy[] = "COPY t FROM stdin;\n1\n2\x00\n\\.\n";
		scan_with(copy, sizeof copy - 1, true, PGENC_UTF8, out, sizeof out);
		CHECK(strstr(out, "ERR:3:2:NUL byte in COPY data") != NULL);
	}
}

int main(void)
{
	RUN(test_cases);
	RUN(test_chunk_invariance);
	RUN(test_random_chunking);
	RUN(test_fixtures);
	RUN(test_linear_small_chunks);
	RUN(test_copy_streams);
	RUN(test_map_position);
	RUN(test_map_from_item);
	RUN(test_args);
	RUN(test_directive_streaming);
	RUN(test_errors_sticky);
	RUN(test_standard_strings_off);
	RUN(test_client_encodings);
	RUN(test_nul_bytes);
	return tap_done();
}
