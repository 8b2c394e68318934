/*
 * test_sqlvars.c — psql variables in the SQL scanner (sqlscan_set_variables):
 * where a reference is handed out, how a replaced one is lexed, the
 * positions after it, and \g-family commands ending a statement.
 *
 * The caller here does what the runner's source does: on SQLSCAN_VARIABLE it
 * looks the name up in a small table and, when set, replaces the reference
 * in its buffer (:name by the value, :'name' and :"name" quoted with the
 * quote doubled, :{?name} by TRUE/FALSE).  Transcripts as in test_sqlscan.c:
 *   S<line>:<col>[text]   statement       G…  statement ended by a \g command
 *   M<line>:<col>[text]   meta-command    X…  error
 * Every case runs with the input fed in chunks of 1, 2, 3, 5, 7, 13, 64 and
 * all at once, from exact-size heap copies (ASan sees any stale read).
 */
#include "sql/sqlscan.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct str {
	char *p;
	size_t n;
};

static void str_add(struct str *s, const char *p, size_t n)
{
	s->p = realloc(s->p, s->n + n + 1);
	if (!s->p)
		abort();
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void str_item(struct str *s, char kind, size_t line, size_t col, const char *t, size_t n)
{
	char tmp[64];
	int k = snprintf(tmp, sizeof tmp, "%c%zu:%zu[", kind, line, col);
	str_add(s, tmp, (size_t)k);
	str_add(s, t, n);
	str_add(s, "]", 1);
}

static const char *const vars[][2] = {
	{"x", "42"},
	{"t", "users"},
	{"q", "it's"},
	{"semi", "1; SELECT 2"},
	{"open", "'a;b"},
	{"nl", "1\n+\n1"},
	{"self", "a :self b"},
	{"inner", ":x + :x"},
	{"empty", ""},
	{NULL, NULL},
};

static const char *lookup(const char *name, size_t n)
{
	for (int i = 0; vars[i][0]; i++)
		if (strlen(vars[i][0]) == n && memcmp(vars[i][0], name, n) == 0)
			return vars[i][1];
	return NULL;
}

/* The replacement text for a reference, malloc'd; NULL: keep it. */
static char *replacement(const struct sqlscan_item *it)
{
	const char *v = lookup(it->name, it->name_len);
	struct str r = {0};
	char q;
	if (it->var == SQLSCAN_VAR_FORCE) {
		str_add(&r, it->name, 1);
		return r.p;
	}
	if (it->var == SQLSCAN_VAR_TEST) {
		str_add(&r, v ? "TRUE" : "FALSE", v ? 4 : 5);
		return r.p;
	}
	if (!v)
		return NULL;
	if (it->var == SQLSCAN_VAR_PLAIN) {
		str_add(&r, v, strlen(v));
		if (!r.p)
			str_add(&r, "", 0);
		return r.p;
	}
	q = it->var == SQLSCAN_VAR_LITERAL ? '\'' : '"';
	str_add(&r, &q, 1);
	for (const char *p = v; *p; p++) {
		if (*p == q)
			str_add(&r, &q, 1);
		str_add(&r, p, 1);
	}
	str_add(&r, &q, 1);
	return r.p;
}

static char *transcript(const char *in, size_t chunk)
{
	size_t len = strlen(in), fed = 0, blen = 0;
	uint64_t base = 0; /* the scanner's offset of buf[0] */
	char *buf = malloc(1);
	bool eof = false;
	struct sqlscan sc;
	struct str out = {0};
	int guard = 0;
	sqlscan_init(&sc);
	sqlscan_set_variables(&sc, true);
	str_add(&out, "", 0);
	for (;;) {
		struct sqlscan_item it;
		struct sqlscan_error e;
		enum sqlscan_result r;
		uint64_t cut_off;
		size_t cut_len;
		if (sqlscan_cut(&sc, &cut_off, &cut_len)) { /* a meta-command inside a statement */
			size_t at = (size_t)(cut_off - base);
			char *nb = malloc(blen - cut_len + 1);
			memcpy(nb, buf, at);
			memcpy(nb + at, buf + at + cut_len, blen - at - cut_len);
			free(buf);
			buf = nb;
			blen -= cut_len;
			sqlscan_cut_done(&sc);
		}
		r = sqlscan_next(&sc, buf, blen, eof, &it, &e);
		if (++guard > 100000) {
			str_add(&out, "!loop", 5);
			break;
		}
		if (r == SQLSCAN_INCOMPLETE) {
			size_t drop = sqlscan_discardable(&sc);
			size_t add = chunk == 0 ? len - fed : (len - fed < chunk ? len - fed : chunk);
			char *nb = malloc(blen - drop + add + 1);
			memcpy(nb, buf + drop, blen - drop);
			memcpy(nb + blen - drop, in + fed, add);
			free(buf);
			buf = nb;
			blen = blen - drop + add;
			fed += add;
			eof = fed == len;
			sqlscan_discard(&sc, drop);
			base += drop;
			continue;
		}
		if (r == SQLSCAN_EOF)
			break;
		if (r == SQLSCAN_ERROR) {
			char tmp[64];
			snprintf(tmp, sizeof tmp, "X%zu:%zu[", e.line, e.col);
			str_add(&out, tmp, strlen(tmp));
			str_add(&out, e.msg, strlen(e.msg));
			str_add(&out, "]", 1);
			break;
		}
		if (r == SQLSCAN_VARIABLE) {
			char *rep = replacement(&it);
			size_t n;
			char *nb;
			if (!rep) {
				sqlscan_var_keep(&sc);
				continue;
			}
			n = strlen(rep);
			nb = malloc(blen - it.len + n + 1);
			memcpy(nb, buf, it.off);
			memcpy(nb + it.off, rep, n);
			memcpy(nb + it.off + n, buf + it.off + it.len, blen - it.off - it.len);
			free(buf);
			free(rep);
			buf = nb;
			blen = blen - it.len + n;
			sqlscan_var_replace(&sc, n);
			continue;
		}
		if (r == SQLSCAN_STATEMENT)
			str_item(&out, it.ended_by_meta ? 'G' : 'S', it.line, it.col, it.text, it.len);
		else if (r == SQLSCAN_META)
			str_item(&out, it.inside_statement ? 'I' : 'M', it.line, it.col, it.text, it.len);
	}
	free(buf);
	return out.p;
}

static const struct {
	const char *name, *in, *want;
} cases[] = {
	{"plain", "SELECT :x;", "S1:1[SELECT 42;]"},
	{"literal", "SELECT :'q';", "S1:1[SELECT 'it''s';]"},
	{"identifier", "SELECT * FROM :\"t\";", "S1:1[SELECT * FROM \"users\";]"},
	{"test", "SELECT :{?x}, :{?nope};", "S1:1[SELECT TRUE, FALSE;]"},
	{"unset stays", "SELECT :nope, :'nope', :\"nope\";",
	 "S1:1[SELECT :nope, :'nope', :\"nope\";]"},
	{"cast is no variable", "SELECT 1::int, a[1:2], x:: x;", "S1:1[SELECT 1::int, a[1:2], x:: x;]"},
	{"slice with a set name (psql substitutes it too)", "SELECT a[1:x];", "S1:1[SELECT a[142];]"},
	{"not in quotes", "SELECT ':x', \":x\", $$:x$$, E':x' -- :x\n;",
	 "S1:1[SELECT ':x', \":x\", $$:x$$, E':x' -- :x\n;]"},
	{"not in a comment", "/* :x */ SELECT 1;", "S1:1[/* :x */ SELECT 1;]"},
	{"value is lexed: semicolon", "SELECT :semi;\nSELECT 3;",
	 "S1:1[SELECT 1;]S1:11[SELECT 2;]S2:1[SELECT 3;]"},
	{"value is lexed: open quote", "SELECT :open';\nSELECT 1;",
	 "S1:1[SELECT 'a;b';]S2:1[SELECT 1;]"},
	{"value is lexed: a quote left open", "SELECT :open;\n';",
	 "S1:1[SELECT 'a;b;\n';]"},
	{"quoted value is one token", "SELECT :'open';", "S1:1[SELECT '''a;b';]"},
	{"file positions after a value with newlines", "SELECT :nl;\nSELECT 2;",
	 "S1:1[SELECT 1\n+\n1;]S2:1[SELECT 2;]"},
	{"positions after a quoted value", "SELECT :'q', 1; SELECT 2;",
	 "S1:1[SELECT 'it''s', 1;]S1:17[SELECT 2;]"},
	{"nested values", "SELECT :inner;", "S1:1[SELECT 42 + 42;]"},
	{"empty value", "SELECT 1 :empty;", "S1:1[SELECT 1 ;]"},
	{"variable first", ":x;", "S1:1[42;]"},
	{"incomplete forms fall back", "SELECT :{x}, :{?x, :'' ;", "S1:1[SELECT :{x}, :{?x, :'' ;]"},
	{"incomplete literal form: a string after the colon", "SELECT :'x, y';",
	 "S1:1[SELECT :'x, y';]"},
	{"at eof", "SELECT :x", "S1:1[SELECT 42]"},
	{"gset ends the statement", "SELECT 1 AS a \\gset\nSELECT 2;",
	 "G1:1[SELECT 1 AS a]M1:15[\\gset]S2:1[SELECT 2;]"},
	{"gexec with prefix args", "SELECT 'x'\n\\gexec\n", "G1:1[SELECT 'x']M2:1[\\gexec]"},
	{"g with a variable", "SELECT :x \\g", "G1:1[SELECT 42]M1:11[\\g]"},
	{"backslash semicolon joins statements", "SELECT 1\\; SELECT 2;\nSELECT 3;",
	 "S1:1[SELECT 1; SELECT 2;]S2:1[SELECT 3;]"},
	{"backslash colon is a colon, no variable", "SELECT 'a'\\:x;", "S1:1[SELECT 'a':x;]"},
	{"other meta inside a statement is an error", "SELECT 1\n\\i x.sql\n;",
	 "X2:1[meta-command \"\\i\" inside the SQL statement starting at line 1 is not supported]"},
	{"echo inside a statement: the statement goes on", "SELECT 1\n\\echo hi :x\n+ 1;",
	 "I2:1[\\echo hi :x]S1:1[SELECT 1\n\n+ 1;]"},
	{"two inside one statement, one ended by \\\\", "SELECT\n\\p \\\\ 1\n\\set y 2\n;",
	 "I2:1[\\p]I3:1[\\set y 2]S1:1[SELECT\n 1\n\n;]"},
	{"r drops the statement", "SELECT 1\n\\r\nSELECT 2;",
	 "G1:1[SELECT 1]M2:1[\\r]S3:1[SELECT 2;]"},
	{"a lone backslash at the end, after one inside a statement (as with more input)",
	 "SELECT 1\n\\p \\", "X2:4[a meta-command right after one inside a statement is not supported]"},
};

static const size_t chunks[] = {0, 1, 2, 3, 5, 7, 13, 64};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
			char *got = transcript(cases[i].in, chunks[k]);
			tap_current = cases[i].name;
			CHECK_STR(got, cases[i].want);
			if (strcmp(got, cases[i].want) != 0)
				fprintf(stderr, "  (chunk size %zu)\n", chunks[k]);
			free(got);
		}
}

/* Without sqlscan_set_variables nothing is handed out and \gset after SQL
 * stays an error, as before. */
static void test_off_by_default(void)
{
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	const char *in = "SELECT :x, :'x';";
	sqlscan_init(&sc);
	CHECK_INT(sqlscan_next(&sc, in, strlen(in), true, &it, &e), SQLSCAN_STATEMENT);
	CHECK_INT((int)it.len, (int)strlen(in));
}

int main(void)
{
	RUN(test_cases);
	RUN(test_off_by_default);
	return tap_done();
}
