/*
 * fuzz_sqlscan.c — the psql-compatible SQL lexer (sql/sqlscan.h) driven the
 * way the runner's source (src/script/source.c) drives it: psql variables
 * handed out and substituted (sqlscan_set_variables), meta-commands inside a
 * statement cut out of the buffer, settings followed after a SET
 * (sqlclass_setting) or \encoding, \copy … FROM STDIN data; every
 * meta-command's arguments split by sql/slashscan.h, plain and with
 * variables; every statement classified (sql/sqlclass.h) and its positions
 * mapped back (sqlscan_map_position).
 *
 * Input: byte 0 is a set of flags, byte 1 picks a chunk size, the rest is
 * the script.
 *   flags & 1   variables mode (psql's language: \g family, \;, :name …)
 *   flags & 2   standard_conforming_strings off at the start
 *   flags & 4   variables of the table below are set (else none is)
 *   flags >> 3  the client encoding at the start (enum pgenc, modulo 10)
 *
 * The script is scanned three ways: all at once; fed in chunks of the
 * chosen size through exact-size heap buffers, discarding what the scanner
 * says it no longer needs (so AddressSanitizer sees any read of a byte the
 * scanner gave up); and, for short inputs, one byte at a time.  The three
 * transcripts of items must be identical (COPY data is compared as one
 * stream: its chunking may differ; data right before an error does not
 * count).
 *
 * Invariants checked on every item: the slice lies inside the caller's
 * buffer at the offset it claims (absolute offset = base + off), lines and
 * columns are 1-based, a meta-command's name and arguments and a variable's
 * name lie inside the item, a statement is not empty and holds no NUL, a
 * COPY end is "\." or empty, INCOMPLETE never comes at EOF, EOF and ERROR
 * repeat, the scanner asks for no more than it was given to discard, and it
 * terminates within a bound linear in the bytes it was given.
 *
 * FUZZ_VERBOSE=1 in the environment prints the transcripts, to look at one
 * input: FUZZ_VERBOSE=1 build-fuzz/fuzz/fuzz_sqlscan FILE
 */
#include "fuzz.h"

#include <ctype.h>
#include <stdarg.h>
#include <strings.h>

#include "sql/pgenc.h"
#include "sql/slashscan.h"
#include "sql/sqlclass.h"
#include "sql/sqlscan.h"

enum { F_VARS = 1, F_STD_OFF = 2, F_SET = 4 };

/* Variables set when F_SET (names short enough for the fuzzer to hit). */
static const char *const vars[][2] = {
	{"x", "42"},
	{"t", "users"},
	{"q", "it's"},
	{"s", "1; SELECT 2"},
	{"o", "'a;b"},
	{"n", "1\n+\n1"},
	{"self", "a :self b"},
	{"i", ":x + :x"},
	{"e", ""},
	{"g", "1 \\gset\n"},
	{"c", "COPY t FROM stdin;\n1\n\\.\n"},
	{"d", "$$"},
	{"k", "/*"},
	{"b", "\\"},
	{"u", "\xc3\xa9\xff"},
	{NULL, NULL},
};

static const char *lookup(const char *name, size_t n)
{
	for (int i = 0; vars[i][0]; i++)
		if (strlen(vars[i][0]) == n && memcmp(vars[i][0], name, n) == 0)
			return vars[i][1];
	return NULL;
}

/* ---- growable bytes -------------------------------------------------------- */

struct bytes {
	char *p;
	size_t n, cap;
};

static void add(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->n + n + 1 > cap)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void addf(struct bytes *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void addf(struct bytes *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	add(b, tmp, k < 0 ? 0 : (size_t)k >= sizeof tmp ? sizeof tmp - 1 : (size_t)k);
}

/* The text a reference is replaced by (malloc'd), NULL to keep it. */
static char *replacement(unsigned flags, enum sqlscan_var kind, const char *name, size_t n,
			 size_t *out_len)
{
	struct bytes r = {0};
	const char *v = (flags & F_SET) ? lookup(name, n) : NULL;
	char q;
	if (kind == SQLSCAN_VAR_FORCE) {
		add(&r, name, 1);
	} else if (kind == SQLSCAN_VAR_TEST) {
		add(&r, v ? "TRUE" : "FALSE", v ? 4 : 5);
	} else if (!v) {
		return NULL;
	} else if (kind == SQLSCAN_VAR_PLAIN) {
		add(&r, v, strlen(v));
	} else {
		q = kind == SQLSCAN_VAR_LITERAL ? '\'' : '"';
		add(&r, &q, 1);
		for (const char *p = v; *p; p++) {
			if (*p == q)
				add(&r, &q, 1);
			add(&r, p, 1);
		}
		add(&r, &q, 1);
	}
	*out_len = r.n;
	return r.p;
}

/* ---- meta-command arguments (sql/slashscan.h) ------------------------------ */

struct arg_ctx {
	unsigned flags;
	char *last;
};

static const char *arg_value(void *ctx, const char *name, size_t len, enum sqlscan_var kind)
{
	struct arg_ctx *a = ctx;
	size_t n;
	FUZZ_CHECK(kind != SQLSCAN_VAR_FORCE, "slashscan asks for \\; or \\:");
	free(a->last);
	a->last = replacement(a->flags, kind, name, len, &n);
	return a->last;
}

/* Split args every way the runner does; returns the first argument (for
 * \encoding) in first (cap 64) when there is one. */
static void split_args(const struct sqlscan_item *it, unsigned flags, char first[64])
{
	static const unsigned modes[] = {0, SLASHSCAN_ARG_SEMICOLON | SLASHSCAN_ARG_SQLIDHACK,
					 SLASHSCAN_ARG_SQLID, SLASHSCAN_ARG_SEMICOLON};
	static const size_t caps[] = {1024, 6};
	const char *end = it->args + it->args_len;
	first[0] = '\0';
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
		for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
			for (int with_vars = 0; with_vars < 2; with_vars++) {
				struct arg_ctx a = {flags, NULL};
				struct slashscan_vars sv = {arg_value, &a};
				const char *p = it->args;
				char out[1024];
				size_t guard = 0;
				for (;;) {
					const char *before = p;
					size_t n = (size_t)-1;
					char quote = 'z';
					struct sqlscan_error err;
					int rc = slashscan_next_arg_vars(&p, end, modes[m],
									 with_vars ? &sv : NULL, out,
									 caps[c], &n, &quote, &err);
					FUZZ_CHECK(++guard <= it->args_len + 2,
						   "slashscan does not end");
					if (rc == 0) {
						FUZZ_CHECK(p == end, "no argument left, text remains");
						FUZZ_CHECK(out[0] == '\0', "empty argument");
						break;
					}
					if (rc < 0) {
						FUZZ_CHECK(err.msg[0] != '\0', "error without message");
						FUZZ_CHECK(p == before, "error moved the cursor");
						break;
					}
					FUZZ_CHECK(rc == 1, "slashscan result");
					FUZZ_CHECK(p > before && p <= end, "argument cursor");
					FUZZ_CHECK(n < caps[c], "argument longer than its buffer");
					FUZZ_CHECK(out[n] == '\0', "argument not terminated");
					FUZZ_CHECK(quote == 0 || quote == '\'' || quote == '"',
						   "quote character");
					if (m == 0 && c == 0 && !with_vars && before == it->args)
						snprintf(first, 64, "%s", out);
				}
				free(a.last);
			}
}

/* \copy … FROM STDIN (what copy_meta_stdin in src/script/copy.c decides,
 * roughly: the word "from" followed by the word "stdin"). */
static int copy_from_stdin(const struct sqlscan_item *it)
{
	if (it->name_len != 4 || memcmp(it->name, "copy", 4) != 0)
		return 0;
	for (size_t i = 0; i + 4 <= it->args_len; i++) {
		const char *p = it->args + i;
		if (i > 0 && isspace((unsigned char)p[-1]) && strncasecmp(p, "from", 4) == 0) {
			size_t k = i + 4;
			if (k >= it->args_len || !isspace((unsigned char)it->args[k]))
				continue;
			while (k < it->args_len && isspace((unsigned char)it->args[k]))
				k++;
			return it->args_len - k >= 5 && strncasecmp(it->args + k, "stdin", 5) == 0 &&
			       (it->args_len - k == 5 || isspace((unsigned char)it->args[k + 5]));
		}
	}
	return 0;
}

/* ---- one scan -------------------------------------------------------------- */

struct run {
	const char *in;
	size_t len;
	size_t chunk; /* 0: all at once */
	unsigned flags;
	enum pgenc enc;
	struct bytes tr; /* the transcript */
	enum sqlscan_result last_kind;
	size_t copy_start; /* where the COPY data being written starts in tr */
};

static void check_item(const struct sqlscan_item *it, const char *buf, size_t blen, uint64_t base)
{
	FUZZ_CHECK(it->off <= blen && it->len <= blen - it->off, "item outside the buffer");
	FUZZ_CHECK(it->text == buf + it->off, "item text is not buf + off");
	FUZZ_CHECK(it->offset == base + it->off, "item offset is not base + off");
	FUZZ_CHECK(it->line >= 1 && it->col >= 1, "line and column are 1-based");
}

/* COPY data is one stream however it is cut: its "[" is closed by what
 * comes after it. */
static void end_copy_data(struct run *r)
{
	if (r->last_kind == SQLSCAN_COPY_DATA)
		add(&r->tr, "]", 1);
	r->last_kind = SQLSCAN_INCOMPLETE;
}

static void record(struct run *r, const struct sqlscan_item *it)
{
	if (it->kind == SQLSCAN_COPY_DATA && r->last_kind == SQLSCAN_COPY_DATA) {
		add(&r->tr, it->text, it->len);
		return;
	}
	end_copy_data(r);
	r->last_kind = it->kind;
	r->copy_start = r->tr.n;
	addf(&r->tr, "\n%s %zu:%zu@%llu m%d c%d t%d g%d i%d v%d [",
	     sqlscan_result_name(it->kind), it->line, it->col, (unsigned long long)it->offset,
	     (int)it->multi, (int)it->copy_from_stdin, (int)it->copy_terminated,
	     (int)it->ended_by_meta, (int)it->inside_statement,
	     it->kind == SQLSCAN_VARIABLE ? (int)it->var : -1);
	add(&r->tr, it->text, it->len);
	if (it->kind != SQLSCAN_COPY_DATA)
		add(&r->tr, "]", 1);
	if (it->kind == SQLSCAN_META) {
		addf(&r->tr, " name[");
		add(&r->tr, it->name, it->name_len);
		addf(&r->tr, "] args[");
		add(&r->tr, it->args, it->args_len);
		add(&r->tr, "]", 1);
	}
}

/* Follow a statement the way the runner does: its settings, then map some
 * error positions back into the file. */
static void after_statement(struct sqlscan *sc, const struct sqlscan_item *it, enum pgenc *enc)
{
	const char *what = NULL;
	struct sqlclass_setting set;
	unsigned cls = sqlclass_statement(it->text, it->len, &what);
	size_t line, col, nl = 0;

	if ((cls & SQLCLASS_SETTING) && sqlclass_setting(it->text, it->len, &set)) {
		if (set.std_strings >= 0)
			sqlscan_set_standard_strings(sc, set.std_strings != 0);
		if (set.encoding[0]) {
			enum pgenc e2 = PGENC_UTF8;
			FUZZ_CHECK(memchr(set.encoding, '\0', sizeof set.encoding) != NULL,
				   "encoding name not terminated");
			pgenc_from_name(set.encoding, &e2);
			*enc = e2;
			sqlscan_set_encoding(sc, e2);
		}
	}
	for (size_t i = 0; i < it->len; i++)
		nl += it->text[i] == '\n';
	FUZZ_CHECK(sqlscan_map_position(it->text, it->len, it->line, it->col, 1, *enc, &line,
					&col) == 0,
		   "position 1 does not map");
	FUZZ_CHECK(line == it->line && col == it->col, "position 1 is not the statement's start");
	FUZZ_CHECK(sqlscan_map_position(it->text, it->len, it->line, it->col, 0, *enc, &line,
					&col) < 0,
		   "position 0 maps");
	FUZZ_CHECK(sqlscan_map_position(it->text, it->len, it->line, it->col,
					(long)it->len + 2, *enc, &line, &col) < 0,
		   "a position past the end maps");
	for (long p = 2; p <= (long)it->len + 1; p += 1 + (long)it->len / 4) {
		if (sqlscan_map_position(it->text, it->len, it->line, it->col, p, *enc, &line,
					 &col) == 0)
			FUZZ_CHECK(line >= it->line && line <= it->line + nl && col >= 1,
				   "mapped position outside the statement");
	}
}

static void scan(struct run *r)
{
	struct sqlscan sc;
	struct sqlscan_item it;
	struct sqlscan_error e;
	char *buf;
	size_t blen = 0, fed = 0, chunks = 0, given = 0, replaced = 0;
	uint64_t base = 0;
	bool eof;
	size_t guard = 0;
	enum pgenc enc = r->enc;
	struct {
		char name[64];
		uint64_t end;
	} active[8];
	size_t nactive = 0;

	if (r->chunk == 0) {
		buf = fuzz_copy((const uint8_t *)r->in, r->len);
		blen = fed = r->len;
		eof = true;
	} else {
		buf = fuzz_alloc(0);
		eof = r->len == 0;
	}
	given = blen;
	sqlscan_init(&sc);
	sqlscan_set_variables(&sc, (r->flags & F_VARS) != 0);
	sqlscan_set_standard_strings(&sc, !(r->flags & F_STD_OFF));
	sqlscan_set_encoding(&sc, enc);
	r->last_kind = SQLSCAN_INCOMPLETE;

	for (;;) {
		enum sqlscan_result res;
		uint64_t cut_off;
		size_t cut_len;

		if (sqlscan_cut(&sc, &cut_off, &cut_len)) {
			FUZZ_CHECK(cut_off >= base && cut_off - base <= blen &&
					   cut_len <= blen - (size_t)(cut_off - base),
				   "cut outside the buffer");
			size_t at = (size_t)(cut_off - base);
			char *nb = fuzz_alloc(blen - cut_len);
			memcpy(nb, buf, at);
			memcpy(nb + at, buf + at + cut_len, blen - at - cut_len);
			free(buf);
			buf = nb;
			blen -= cut_len;
			sqlscan_cut_done(&sc);
		}
		res = sqlscan_next(&sc, buf, blen, eof, &it, &e);
		FUZZ_CHECK(++guard <= 8 * (given + 16) + 4 * chunks, "the scanner does not end");
		FUZZ_CHECK(sqlscan_discardable(&sc) <= blen, "discardable beyond the buffer");

		if (res == SQLSCAN_INCOMPLETE) {
			FUZZ_CHECK(!eof, "INCOMPLETE at EOF");
			size_t drop = sqlscan_discardable(&sc);
			size_t addn = r->len - fed < r->chunk ? r->len - fed : r->chunk;
			char *nb = fuzz_alloc(blen - drop + addn);
			memcpy(nb, buf + drop, blen - drop);
			memcpy(nb + blen - drop, r->in + fed, addn);
			free(buf);
			buf = nb;
			blen = blen - drop + addn;
			fed += addn;
			given += addn;
			chunks++;
			eof = fed == r->len;
			sqlscan_discard(&sc, drop);
			base += drop;
			continue;
		}
		if (res == SQLSCAN_ERROR) {
			struct sqlscan_error e2;
			/* COPY data before an error (a NUL in it) may or may not
			 * be handed out first, depending on what the scanner has
			 * seen: it does not count */
			if (r->last_kind == SQLSCAN_COPY_DATA)
				r->tr.n = r->copy_start;
			r->last_kind = SQLSCAN_INCOMPLETE;
			addf(&r->tr, "\nerror %zu:%zu@%llu %s", e.line, e.col,
			     (unsigned long long)e.offset, e.msg);
			FUZZ_CHECK(e.msg[0] != '\0', "error without message");
			FUZZ_CHECK(memchr(e.msg, '\0', sizeof e.msg) != NULL, "message not terminated");
			FUZZ_CHECK(sqlscan_next(&sc, buf, blen, eof, &it, &e2) == SQLSCAN_ERROR &&
					   strcmp(e.msg, e2.msg) == 0,
				   "an error does not repeat");
			break;
		}
		if (res == SQLSCAN_EOF) {
			end_copy_data(r);
			addf(&r->tr, "\neof");
			FUZZ_CHECK(eof, "EOF before the end of the input");
			FUZZ_CHECK(fed == r->len, "EOF before all input was fed");
			FUZZ_CHECK(sqlscan_next(&sc, buf, blen, eof, &it, &e) == SQLSCAN_EOF,
				   "EOF does not repeat");
			break;
		}
		FUZZ_CHECK(it.kind == res, "item kind differs from the result");
		check_item(&it, buf, blen, base);

		if (res == SQLSCAN_VARIABLE) {
			char *rep;
			size_t n = 0;
			FUZZ_CHECK(r->flags & F_VARS, "a variable without variables mode");
			FUZZ_CHECK(it.name >= it.text && it.name_len <= it.len &&
					   it.name + it.name_len <= it.text + it.len,
				   "variable name outside the reference");
			FUZZ_CHECK(it.var <= SQLSCAN_VAR_FORCE, "variable kind");
			record(r, &it);
			while (nactive > 0 && active[nactive - 1].end <= it.offset)
				nactive--;
			if (it.var == SQLSCAN_VAR_PLAIN) {
				int recursive = 0;
				for (size_t i = 0; i < nactive; i++)
					recursive |= strlen(active[i].name) == it.name_len &&
						     memcmp(active[i].name, it.name, it.name_len) == 0;
				if (recursive || nactive == sizeof active / sizeof active[0] ||
				    it.name_len >= sizeof active[0].name) {
					sqlscan_var_keep(&sc);
					continue;
				}
			}
			rep = replacement(r->flags, it.var, it.name, it.name_len, &n);
			if (!rep || (it.var != SQLSCAN_VAR_FORCE && replaced > 4096)) {
				free(rep);
				sqlscan_var_keep(&sc);
				continue;
			}
			if (it.var == SQLSCAN_VAR_PLAIN)
				snprintf(active[nactive].name, sizeof active[0].name, "%.*s",
					 (int)it.name_len, it.name);
			char *nb = fuzz_alloc(blen - it.len + n);
			memcpy(nb, buf, it.off);
			memcpy(nb + it.off, rep, n);
			memcpy(nb + it.off + n, buf + it.off + it.len, blen - it.off - it.len);
			for (size_t i = 0; i < nactive; i++)
				active[i].end = active[i].end - it.len + n;
			if (it.var == SQLSCAN_VAR_PLAIN)
				active[nactive++].end = it.offset + n;
			free(buf);
			free(rep);
			buf = nb;
			blen = blen - it.len + n;
			given += n;
			replaced += n;
			sqlscan_var_replace(&sc, n);
			continue;
		}
		record(r, &it);
		switch (res) {
		case SQLSCAN_STATEMENT:
			FUZZ_CHECK(it.len > 0, "empty statement");
			FUZZ_CHECK(!memchr(it.text, '\0', it.len), "NUL inside a statement");
			after_statement(&sc, &it, &enc);
			break;
		case SQLSCAN_META: {
			char first[64];
			FUZZ_CHECK(it.len >= 1 && it.text[0] == '\\', "meta-command without backslash");
			FUZZ_CHECK(it.name >= it.text && it.name + it.name_len <= it.text + it.len,
				   "meta name outside the item");
			FUZZ_CHECK(it.args >= it.text && it.args + it.args_len <= it.text + it.len,
				   "meta args outside the item");
			split_args(&it, r->flags, first);
			if ((r->flags & F_VARS) && copy_from_stdin(&it))
				sqlscan_expect_copy_data(&sc);
			if (it.name_len == 8 && memcmp(it.name, "encoding", 8) == 0 && first[0]) {
				enum pgenc e2;
				if (pgenc_from_name(first, &e2)) {
					enc = e2;
					sqlscan_set_encoding(&sc, e2);
				}
			}
			break;
		}
		case SQLSCAN_COPY_DATA:
			FUZZ_CHECK(it.len > 0, "empty COPY data");
			break;
		case SQLSCAN_COPY_END:
			FUZZ_CHECK(it.copy_terminated ? it.len == 2 && memcmp(it.text, "\\.", 2) == 0
						      : it.len == 0,
				   "COPY end is \\. or empty");
			break;
		default:
			FUZZ_CHECK(0, "unknown result");
		}
	}
	size_t line = 0;
	if (sqlscan_no_transaction_directive(&sc, &line))
		FUZZ_CHECK(line >= 1, "directive line");
	sqlscan_release(&sc);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags = size > 0 ? data[0] : 0;
	size_t chunk = size > 1 ? (size_t)(data[1] % 64) + 1 : 1;
	const char *in = size > 2 ? (const char *)data + 2 : "";
	size_t len = size > 2 ? size - 2 : 0;
	enum pgenc enc = (enum pgenc)((flags >> 3) % 10);
	struct run all = {in, len, 0, flags, enc, {0}, SQLSCAN_INCOMPLETE, 0};
	struct run chunked = {in, len, chunk, flags, enc, {0}, SQLSCAN_INCOMPLETE, 0};
	size_t line;
	struct sqlscan_error err;

	/* at most ~512 appends: the cost stays linear in the input */
	if (len / chunked.chunk > 512)
		chunked.chunk = len / 512 + 1;
	scan(&all);
	scan(&chunked);
	if (getenv("FUZZ_VERBOSE")) /* for a look at one input */
		fprintf(stderr, "all at once:%s\n---- in chunks of %zu:%s\n", all.tr.p,
			chunked.chunk, chunked.tr.p);
	if (all.tr.n != chunked.tr.n || memcmp(all.tr.p, chunked.tr.p, all.tr.n) != 0) {
		fprintf(stderr, "all at once:%s\n---- in chunks of %zu:%s\n", all.tr.p, chunked.chunk,
			chunked.tr.p);
		FUZZ_CHECK(0, "chunking changes what the scanner says");
	}
	if (len <= 512 && chunked.chunk != 1) {
		struct run bytes = {in, len, 1, flags, enc, {0}, SQLSCAN_INCOMPLETE, 0};
		scan(&bytes);
		if (all.tr.n != bytes.tr.n || memcmp(all.tr.p, bytes.tr.p, all.tr.n) != 0) {
			fprintf(stderr, "all at once:%s\n---- byte by byte:%s\n", all.tr.p,
				bytes.tr.p);
			FUZZ_CHECK(0, "feeding byte by byte changes what the scanner says");
		}
		free(bytes.tr.p);
	}
	free(all.tr.p);
	free(chunked.tr.p);

	/* the whole-script scan that decides a file's mode */
	{
		char *copy = fuzz_copy((const uint8_t *)in, len);
		sqlclass_script_no_transaction(copy, len, &line, &err);
		free(copy);
	}
	/* character lengths in the starting encoding */
	for (size_t i = 0; i < len;) {
		size_t n = pgenc_mblen(enc, (const unsigned char *)in + i, len - i);
		FUZZ_CHECK(n >= 1 && n <= len - i, "character length");
		i += n;
	}
	return 0;
}
