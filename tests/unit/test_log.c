/* Unit tests: JSON log lines stay valid JSON in valid UTF-8 whatever the bytes
 * (docs/reference.md §7.10), and error messages are truncated, never overflowed
 * (util/err.h). */
#define _POSIX_C_SOURCE 200809L
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

static const char *escape(const char *text, size_t cap)
{
	static char buf[4096];
	if (cap > sizeof buf)
		cap = sizeof buf;
	log_json_escape(buf, cap, 0, text);
	return buf;
}

/* Whether s[0, n) is well-formed UTF-8 (an independent, table-free check). */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned cp, len;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0)
			len = 2, cp = s[i] & 0x1F;
		else if ((s[i] & 0xF0) == 0xE0)
			len = 3, cp = s[i] & 0x0F;
		else if ((s[i] & 0xF8) == 0xF0)
			len = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

/* A JSON string body: no raw control character, no lone '"', escapes known. */
static int valid_json_body(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == '"')
			return 0;
		if (c == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]))
						return 0;
				s += 4;
			} else if (!strchr("\"\\/bfnrt", *s) || !*s) {
				return 0;
			}
		}
	}
	return 1;
}

static void test_escapes(void)
{
	CHECK_STR(escape("plain text", 100), "plain text");
	CHECK_STR(escape("say \"hi\" \\ now", 100), "say \\\"hi\\\" \\\\ now");
	CHECK_STR(escape("a\nb\rc\td", 100), "a\\nb\\rc\\td");
	CHECK_STR(escape("bell\a esc\x1b del\x7f", 100), "bell\\u0007 esc\\u001b del\\u007f");
	/* well-formed UTF-8 stays as it is */
	CHECK_STR(escape("Łukasz Wójcik € \xF0\x9F\x98\x80", 100), "Łukasz Wójcik € \xF0\x9F\x98\x80");
}

static void test_invalid_utf8_becomes_replacement(void)
{
	CHECK_STR(escape("caf\xE9", 100), "caf\\ufffd");                    /* Latin-1 */
	CHECK_STR(escape("\xFF\xFE", 100), "\\ufffd\\ufffd");
	CHECK_STR(escape("x\x80y", 100), "x\\ufffdy");                      /* lone continuation */
	CHECK_STR(escape("\xC0\xAF", 100), "\\ufffd\\ufffd");               /* overlong '/' */
	CHECK_STR(escape("\xED\xA0\x80", 100), "\\ufffd\\ufffd\\ufffd");    /* a surrogate */
	CHECK_STR(escape("\xF4\x90\x80\x80", 100), "\\ufffd\\ufffd\\ufffd\\ufffd"); /* > U+10FFFF */
	CHECK_STR(escape("end \xE2\x82", 100), "end \\ufffd\\ufffd");       /* cut mid-character */
	CHECK_STR(escape("\xE2\x82\xAC", 100), "€");
}

static void test_truncation_keeps_whole_characters(void)
{
	const char *out;
	/* room for "ab" and not the three bytes of € (4 bytes kept for the end) */
	out = escape("ab€", 9);
	CHECK_STR(out, "ab");
	out = escape("ab\"", 8);
	CHECK_STR(out, "ab");
	out = escape("abcdefgh", 9);
	CHECK_STR(out, "abcd");
	/* every cut of a mixed string is valid */
	for (size_t cap = 5; cap < 60; cap++) {
		out = escape("Wójcik \xE9\"\n € \xF0\x9F\x98\x80 \x01 end", cap);
		CHECK(strlen(out) + 4 < cap);
		CHECK(valid_utf8((const unsigned char *)out, strlen(out)));
		CHECK(valid_json_body(out));
	}
}

static void test_json_lines_from_log(void)
{
	char path[] = "/tmp/migrate-log-test-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char out[20000];
	ssize_t n;
	char big[9000];

	memset(big, 'x', sizeof big);
	memcpy(big + 8186, "\xC5\x81\xC5\x81\xC5\x81\xC5\x81", 8); /* a Ł cut in two */
	big[sizeof big - 1] = '\0';
	dup2(fd, STDERR_FILENO);
	log_set_format(LOG_JSON);
	log_error("cannot open \"sql/init/2024/caf\xE9.sql\": %s", "No such file\x1b[31m");
	log_info("%s", big);
	log_set_format(LOG_TEXT);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, out, sizeof out - 1, 0);
	close(fd);
	unlink(path);
	CHECK(n > 0);
	if (n <= 0)
		return;
	out[n] = '\0';
	CHECK(valid_utf8((const unsigned char *)out, (size_t)n));
	for (char *line = out, *eol; (eol = strchr(line, '\n')) != NULL; line = eol + 1) {
		const char *msg = strstr(line, "\"msg\":\"");
		*eol = '\0';
		CHECK(msg != NULL);
		CHECK(eol - line >= 2 && strcmp(eol - 2, "\"}") == 0);
		if (msg && eol - line >= 2) {
			eol[-2] = '\0';
			CHECK(valid_json_body(msg + 7));
			eol[-2] = '"';
		}
	}
	CHECK(strstr(out, "caf\\ufffd.sql") != NULL);
	CHECK(strstr(out, "No such file\\u001b[31m") != NULL);
}

static void test_err_truncation(void)
{
	struct err e = {0};
	static char big[3 * ERR_MSG_MAX];
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = '\0';

	CHECK_INT(err_set(&e, EXIT_CONFIG, "%s", big), -1);
	CHECK_INT(strlen(e.msg), ERR_MSG_MAX - 1);
	CHECK_INT(e.code, EXIT_CONFIG);

	/* the prefix stays whole; the message is cut at the end */
	err_prefix(&e, "migrate.ini:%d", 12);
	CHECK_INT(strlen(e.msg), ERR_MSG_MAX - 1);
	CHECK(strncmp(e.msg, "migrate.ini:12: mmm", 19) == 0);

	/* hints: set, appended after "; ", both cut to size */
	err_hint(&e, "%s", big);
	CHECK_INT(strlen(e.hint), ERR_HINT_MAX - 1);
	err_hint(&e, "first");
	err_append_hint(&e, "second %d", 2);
	CHECK_STR(e.hint, "first; second 2");
	err_append_hint(&e, "%s", big);
	CHECK_INT(strlen(e.hint), ERR_HINT_MAX - 1);
	CHECK(strncmp(e.hint, "first; second 2; mmm", 20) == 0);

	/* libpq's multi-line messages become one line */
	err_set(&e, EXIT_AUTH, "FATAL:  no\nDETAIL:  none\r\n\n");
	CHECK_STR(e.msg, "FATAL:  no DETAIL:  none");
	err_sqlstate(&e, "28P01");
	CHECK_STR(e.sqlstate, "28P01");
	err_set(&e, EXIT_SQL, "again");
	CHECK_STR(e.sqlstate, "");
	CHECK_STR(e.hint, "");
}

int main(void)
{
	RUN(test_escapes);
	RUN(test_invalid_utf8_becomes_replacement);
	RUN(test_truncation_keeps_whole_characters);
	RUN(test_json_lines_from_log);
	RUN(test_err_truncation);
	return tap_done();
}
