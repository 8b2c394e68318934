/*
 * fuzz_slashscan.c — the meta-command argument splitter (sql/slashscan.h)
 * on its own: the input is the raw argument text of one meta-command
 * (fuzz_sqlscan splits the arguments of the commands it finds in scripts;
 * here the splitter sees any bytes, also the lone '\' the SQL scanner never
 * hands it).
 *
 * Input: byte 0 chooses the flags (bits 0-2: SEMICOLON, SQLID, SQLIDHACK),
 * whether psql variables are substituted (bit 3) and the output capacity
 * (bits 4-7: 1 << n bytes, so 1 to 32 KiB, small ones exercising "argument
 * too long"); the rest is the argument text (not NUL-terminated).
 *
 * Invariants: every call ends within one call per byte, an argument is
 * NUL-terminated inside the capacity, the cursor moves forward and stays in
 * the text, an error leaves it where it was and says why, no arguments left
 * means only whitespace was, the quote reported is ' " or none, and the
 * SQLID forms are never longer than the plain one (they only drop quotes).
 */
#include "fuzz.h"

#include "sql/slashscan.h"

static const char *const vars[][2] = {
	{"x", "42"}, {"q", "it's"}, {"e", ""}, {"s", "a b;"}, {"l", "'\""}, {NULL, NULL},
};

static const char *value(void *ctx, const char *name, size_t len, enum sqlscan_var kind)
{
	(void)ctx;
	FUZZ_CHECK(kind == SQLSCAN_VAR_PLAIN || kind == SQLSCAN_VAR_LITERAL ||
			   kind == SQLSCAN_VAR_IDENT || kind == SQLSCAN_VAR_TEST,
		   "variable kind");
	FUZZ_CHECK(len > 0, "empty variable name");
	for (int i = 0; vars[i][0]; i++)
		if (strlen(vars[i][0]) == len && memcmp(vars[i][0], name, len) == 0)
			return kind == SQLSCAN_VAR_TEST ? "TRUE" : vars[i][1];
	return kind == SQLSCAN_VAR_TEST ? "FALSE" : NULL;
}

/* Split text into arguments with flags; the lengths of the first 64 go to
 * lens (-1 after the last one, -2 after an error).  Returns how many. */
static size_t split(const char *text, size_t len, unsigned flags, int with_vars, size_t cap,
		    long lens[64])
{
	const struct slashscan_vars sv = {value, NULL};
	const char *p = text, *end = text + len;
	char *out = fuzz_alloc(cap);
	size_t count = 0;
	for (size_t guard = 0;; guard++) {
		const char *before = p;
		size_t n = (size_t)-1;
		char quote = 'z';
		struct sqlscan_error err;
		int rc;
		FUZZ_CHECK(guard <= len + 1, "the splitter does not end");
		memset(&err, 0, sizeof err);
		rc = slashscan_next_arg_vars(&p, end, flags, with_vars ? &sv : NULL, out, cap, &n,
					     &quote, &err);
		if (rc == 0) {
			FUZZ_CHECK(p == end, "no argument left, yet text remains");
			for (const char *q = before; q < end; q++)
				FUZZ_CHECK(*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' ||
						   *q == '\f' || *q == '\v',
					   "text that is not whitespace was dropped");
			FUZZ_CHECK(cap == 0 || out[0] == '\0', "no argument, yet output");
			if (count < 64)
				lens[count] = -1;
			break;
		}
		if (rc < 0) {
			FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
			FUZZ_CHECK(p == before, "an error moved the cursor");
			if (count < 64)
				lens[count] = -2;
			break;
		}
		FUZZ_CHECK(rc == 1, "result is -1, 0 or 1");
		FUZZ_CHECK(p > before && p <= end, "cursor did not move forward inside the text");
		FUZZ_CHECK(n < cap, "argument does not fit its buffer");
		FUZZ_CHECK(out[n] == '\0', "argument not NUL-terminated");
		FUZZ_CHECK(quote == 0 || quote == '\'' || quote == '"', "quote character");
		if (count < 64)
			lens[count] = (long)n;
		count++;
	}
	free(out);
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel = size > 0 ? data[0] : 0;
	unsigned flags = sel & 7;
	int with_vars = (sel >> 3) & 1;
	size_t cap = (size_t)1 << ((sel >> 4) % 16);
	char *text = fuzz_copy(size > 0 ? data + 1 : data, size > 0 ? size - 1 : 0);
	size_t len = size > 0 ? size - 1 : 0;
	long plain[64], sqlid[64];
	size_t n_plain, n_sqlid;

	split(text, len, flags, with_vars, cap, plain);
	split(text, len, flags, with_vars, 0, plain); /* no room at all: an error */
	/* dequoting only removes bytes: with room enough, the SQLID forms split
	 * into the same arguments, none longer */
	n_plain = split(text, len, 0, with_vars, 65536, plain);
	n_sqlid = split(text, len, SLASHSCAN_ARG_SQLID, with_vars, 65536, sqlid);
	FUZZ_CHECK(n_plain == n_sqlid, "SQLID changes the number of arguments");
	for (size_t i = 0; i < n_plain && i < 64; i++)
		FUZZ_CHECK(sqlid[i] <= plain[i], "a dequoted argument is longer");
	n_sqlid = split(text, len, SLASHSCAN_ARG_SQLIDHACK | SLASHSCAN_ARG_SEMICOLON, with_vars,
			65536, sqlid);
	FUZZ_CHECK(n_plain == n_sqlid, "SQLIDHACK changes the number of arguments");
	for (size_t i = 0; i < n_plain && i < 64; i++)
		FUZZ_CHECK(sqlid[i] <= plain[i], "a dequoted argument is longer");
	free(text);
	return 0;
}
