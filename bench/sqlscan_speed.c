/*
 * sqlscan_speed.c — how fast the SQL scanner (src/sql) splits a large script,
 * with no I/O and no server: a benchmark, run by bench/run.sh, never a test.
 *
 * Generates two pg_dump-like inputs in memory (about MB megabytes each,
 * default 200): the same schema (header SETs, a \connect, functions with
 * dollar-quoted bodies, comments, tables, COMMENT ON strings, constraints)
 * with the rows either as COPY … FROM stdin data ("copy", pg_dump's default)
 * or as one INSERT per row ("inserts", pg_dump --inserts, where every byte
 * goes through the SQL lexer).  Each input is scanned RUNS times (default 5)
 * the way src/script/runner.c feeds the scanner: 1 MiB more of the input
 * after each SQLSCAN_INCOMPLETE, the discardable prefix dropped first.  The
 * input stays where it is (no memmove), so only the scanner is timed.
 * Prints MB/s (10^6 bytes per second of the process's CPU time, so that
 * other work on a shared machine counts less) for every run and the median.
 *
 *   cc -std=c11 -O2 -Isrc bench/sqlscan_speed.c build/libmigrate.a
 *   sqlscan_speed [MB [RUNS]]
 */
#define _POSIX_C_SOURCE 200809L

#include "sql/sqlscan.h"
#include "util/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK (1024 * 1024) /* as the runner's READ_CHUNK */
#define TABLES 20
#define FUNCTIONS 200
#define RUNS_MAX 99

/* What one scan saw: printed, so that runs (and builds) can be compared. */
struct tally {
	unsigned long statements, metas, copies;
	uint64_t copy_bytes;
};

static void gen_header(struct strbuf *b)
{
	strbuf_puts(b, "--\n"
		       "-- PostgreSQL database dump (generated for the benchmark)\n"
		       "--\n\n"
		       "SET statement_timeout = 0;\n"
		       "SET lock_timeout = 0;\n"
		       "SET client_encoding = 'UTF8';\n"
		       "SET standard_conforming_strings = on;\n"
		       "SELECT pg_catalog.set_config('search_path', '', false);\n"
		       "SET check_function_bodies = false;\n"
		       "SET client_min_messages = warning;\n\n"
		       "\\connect -reuse-previous=on \"dbname='bench'\"\n\n");
}

/* A function with what the lexer must not split at: a dollar-quoted body
 * with ';', quotes, comments and other dollar quotes inside. */
static void gen_function(struct strbuf *b, int f)
{
	strbuf_printf(b,
		      "--\n"
		      "-- Name: f%d(integer, text); Type: FUNCTION; Schema: public\n"
		      "--\n\n"
		      "CREATE FUNCTION public.f%d(n integer, label text) RETURNS text\n"
		      "    LANGUAGE plpgsql IMMUTABLE\n"
		      "    AS $_$\n"
		      "DECLARE\n"
		      "    r text := '';  -- the result; 'quotes' and ; inside\n"
		      "BEGIN\n"
		      "    /* loop /* nested */ here */\n"
		      "    FOR i IN 1..n LOOP\n"
		      "        r := r || format('%%s-%%s;', label, i::text) || E'\\n';\n"
		      "    END LOOP;\n"
		      "    RETURN $$done: $$ || r || $x$ $1 $x$;\n"
		      "END;\n"
		      "$_$;\n\n"
		      "COMMENT ON FUNCTION public.f%d(n integer, label text) IS\n"
		      "    'Function %d: it''s generated; -- not a comment';\n\n",
		      f, f, f, f);
}

static void gen_table(struct strbuf *b, int t)
{
	strbuf_printf(b,
		      "CREATE TABLE public.t%d (\n"
		      "    id bigint NOT NULL,\n"
		      "    name text,\n"
		      "    note text DEFAULT 'none'::text,\n"
		      "    amount numeric(12,2) DEFAULT 0.00,\n"
		      "    created timestamp with time zone DEFAULT now()\n"
		      ");\n\n"
		      "ALTER TABLE public.t%d OWNER TO postgres;\n\n",
		      t, t);
}

static void gen_constraints(struct strbuf *b, int t)
{
	strbuf_printf(b,
		      "ALTER TABLE ONLY public.t%d\n"
		      "    ADD CONSTRAINT t%d_pkey PRIMARY KEY (id);\n\n"
		      "CREATE INDEX t%d_name_idx ON public.t%d USING btree (lower(name));\n\n",
		      t, t, t, t);
}

/* Row i of table t, like bench/gen_init_script.py's: COPY text format (tabs,
 * \N, backslash escapes, non-ASCII) or an INSERT (NULL, '' doubling). */
static void gen_row(struct strbuf *b, int t, unsigned long i, int inserts)
{
	unsigned long amount = i % 100000, cents = i % 100, day = 1 + i % 28, min = i % 60;
	if (inserts)
		strbuf_printf(b, "INSERT INTO public.t%d VALUES (%lu, 'name %lu', ", t, i, i);
	else
		strbuf_printf(b, "%lu\tname %lu\t", i, i);
	if (i % 7 == 0)
		strbuf_puts(b, inserts ? "NULL" : "\\N");
	else if (i % 3 == 0 && inserts)
		strbuf_printf(b, "'it''s a tab\there, back\\slash; -- é日本 %lu'", i);
	else if (i % 3 == 0)
		strbuf_printf(b, "it's a tab\\there, back\\\\slash; -- é日本 %lu", i);
	else
		strbuf_printf(b, inserts ? "'plain note number %lu with some more text'"
					 : "plain note number %lu with some more text",
			      i);
	if (inserts)
		strbuf_printf(b, ", %lu.%02lu, '2024-01-%02lu 12:%02lu:00+00');\n", amount,
			      cents, day, min);
	else
		strbuf_printf(b, "\t%lu.%02lu\t2024-01-%02lu 12:%02lu:00+00\n", amount, cents, day,
			      min);
}

static char *gen_input(size_t megabytes, int inserts, size_t *len)
{
	struct strbuf b = {.max = (size_t)2 << 30};
	size_t per_table = megabytes * 1024 * 1024 / TABLES + 1;
	char *text;
	gen_header(&b);
	for (int f = 0; f < FUNCTIONS; f++)
		gen_function(&b, f);
	for (int t = 0; t < TABLES; t++)
		gen_table(&b, t);
	for (int t = 0; t < TABLES; t++) {
		size_t start = b.len;
		if (!inserts)
			strbuf_printf(&b, "COPY public.t%d (id, name, note, amount, created) "
					  "FROM stdin;\n",
				      t);
		for (unsigned long i = 0; b.len - start < per_table && !b.failed; i++)
			gen_row(&b, t, i, inserts);
		strbuf_puts(&b, inserts ? "\n\n" : "\\.\n\n\n");
	}
	for (int t = 0; t < TABLES; t++)
		gen_constraints(&b, t);
	*len = b.len;
	text = strbuf_detach(&b);
	if (!text) {
		fprintf(stderr, "sqlscan_speed: out of memory generating %zu MB\n", megabytes);
		exit(1);
	}
	return text;
}

/* Scan input[0, len) as the runner does; returns 0, or -1 on a scan error. */
static int scan_all(const char *input, size_t len, struct tally *t)
{
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	size_t base = 0, fed = len < CHUNK ? len : CHUNK;
	memset(t, 0, sizeof *t);
	sqlscan_init(&sc);
	for (;;) {
		enum sqlscan_result r =
			sqlscan_next(&sc, input + base, fed - base, fed == len, &it, &e);
		switch (r) {
		case SQLSCAN_INCOMPLETE: {
			size_t drop = sqlscan_discardable(&sc);
			sqlscan_discard(&sc, drop);
			base += drop;
			fed = len - fed < CHUNK ? len : fed + CHUNK;
			break;
		}
		case SQLSCAN_STATEMENT:
			t->statements++;
			break;
		case SQLSCAN_META:
			t->metas++;
			break;
		case SQLSCAN_COPY_DATA:
			t->copy_bytes += it.len;
			break;
		case SQLSCAN_COPY_END:
			t->copies++;
			break;
		case SQLSCAN_VARIABLE: /* not asked for: variables are off */
			break;
		case SQLSCAN_EOF:
			sqlscan_release(&sc);
			return 0;
		case SQLSCAN_ERROR:
			fprintf(stderr, "sqlscan_speed: line %zu col %zu: %s\n", e.line, e.col, e.msg);
			return -1;
		}
	}
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int bench(const char *label, size_t megabytes, int inserts, int runs)
{
	size_t len;
	char *input = gen_input(megabytes, inserts, &len);
	double mbs[RUNS_MAX];
	struct tally t;
	printf("%-8s %.1f MB:", label, (double)len / 1e6);
	for (int k = 0; k < runs; k++) {
		double t0 = cpu_s();
		if (scan_all(input, len, &t) < 0) {
			free(input);
			return -1;
		}
		mbs[k] = (double)len / 1e6 / (cpu_s() - t0);
		printf(" %.0f", mbs[k]);
		fflush(stdout);
	}
	qsort(mbs, (size_t)runs, sizeof mbs[0], cmp_double);
	printf(" MB/s; median %.0f MB/s (%lu statements, %lu meta, %lu COPY, %llu data bytes)\n",
	       mbs[runs / 2], t.statements, t.metas, t.copies, (unsigned long long)t.copy_bytes);
	free(input);
	return 0;
}

int main(int argc, char **argv)
{
	long megabytes = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
	long runs = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
	if (argc > 3 || megabytes < 1 || megabytes > 1024 || runs < 1 || runs > RUNS_MAX) {
		fprintf(stderr, "usage: sqlscan_speed [MB (1-1024) [RUNS (1-%d)]]\n", RUNS_MAX);
		return 2;
	}
	if (bench("copy", (size_t)megabytes, 0, (int)runs) < 0 ||
	    bench("inserts", (size_t)megabytes, 1, (int)runs) < 0)
		return 1;
	return 0;
}
