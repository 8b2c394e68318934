/*
 * inilines.c — see inilines.h.  The rules mirrored here are inih's
 * ini_parse_stream (r55 to r59, with INI_ALLOW_MULTILINE,
 * INI_ALLOW_INLINE_COMMENTS with ";" and INI_START_COMMENT_PREFIXES ";#",
 * Debian's settings): a line is stripped of whitespace at both ends; ';' or
 * '#' first makes it a comment; an indented line after a key continues its
 * value; "[name]" (anything after ']' ignored) is a section; otherwise the
 * first '=' or ':' separates the name from the value.  An inline comment is
 * a ';' after whitespace.
 */
#define _POSIX_C_SOURCE 200809L
#include "conf/inilines.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Takes the place of a held-back value: not whitespace and none of the
 * characters inih looks at, so the short line parses as the long one. */
#define MARKER '\x01'

static int is_space(char c) { return isspace((unsigned char)c); }

/* inih's ini_find_chars_or_comment on line[from, end): the first byte of
 * chars (none when NULL), or a ';' after whitespace. */
static size_t find_chars_or_comment(const char *line, size_t from, size_t end, const char *chars)
{
	int was_space = 0;
	size_t i;
	for (i = from; i < end; i++) {
		if (chars && strchr(chars, line[i]))
			break;
		if (was_space && line[i] == ';')
			break;
		was_space = is_space(line[i]);
	}
	return i;
}

/* Shorten line[0, len) (no newline) to at most room bytes in out.  Returns
 * the length written, or -1 when it cannot be shortened (the structure
 * itself is too long).  held_at and held_len: where the held-back value is, or
 * held_len 0. */
static long shorten(const char *line, size_t len, int first_line, size_t room, char *out,
		    size_t *held_at, size_t *held_len)
{
	size_t b = 0, p, end = len, sep, v0, vs, ve, keep;

	*held_len = 0;
	if (first_line && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		b = 3;
	for (p = b; p < end && is_space(line[p]); p++)
		;
	while (end > p && is_space(line[end - 1]))
		end--;
	if (p == end || line[p] == ';' || line[p] == '#') {
		/* blank or a comment: nothing inih uses */
		out[0] = p == end ? '\0' : '#';
		return p == end ? 0 : 1;
	}
	if (line[p] == '[') {
		/* a section: inih ignores what follows the ']' */
		size_t close = find_chars_or_comment(line, p + 1, end, "]");
		if (p != b || close == end || line[close] != ']' || close + 1 > room)
			return -1;
		memcpy(out, line, close + 1);
		return (long)(close + 1);
	}
	/* A name = value line, or the continuation of a value: either way the
	 * value inih hands over is the text from vs to ve. */
	sep = find_chars_or_comment(line, p, end, "=:");
	v0 = sep < end && (line[sep] == '=' || line[sep] == ':') ? sep + 1 : p;
	ve = find_chars_or_comment(line, v0, end, NULL);
	while (ve > v0 && is_space(line[ve - 1]))
		ve--;
	for (vs = v0; vs < ve && is_space(line[vs]); vs++)
		;
	if (ve <= room) {
		/* without its comment and trailing blanks it fits */
		memcpy(out, line, ve);
		return (long)ve;
	}
	keep = vs;
	if (keep + 1 > room)
		return -1;
	memcpy(out, line, keep);
	out[keep] = MARKER;
	*held_at = vs;
	*held_len = ve - vs;
	return (long)(keep + 1);
}

/* Read the next line (without its newline) into l->buf: its length, or -1
 * at the end of the file or on an error (l->error set). */
static long read_line(struct inilines *l)
{
	size_t n = 0;
	int c, any = 0;

	for (;;) {
		c = getc(l->fp);
		if (c == EOF)
			break;
		any = 1;
		if (c == '\n')
			break;
		if (n >= INILINES_MAX) {
			l->error = INILINES_TOO_LONG;
			return -1;
		}
		if (n + 1 >= l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 256;
			char *more;
			if (cap > INILINES_MAX + 1)
				cap = INILINES_MAX + 1;
			more = realloc(l->buf, cap);
			if (!more) {
				l->error = INILINES_READ;
				l->read_errno = ENOMEM;
				return -1;
			}
			l->buf = more;
			l->cap = cap;
		}
		l->buf[n++] = (char)c;
		if (c == '\0' && l->error == INILINES_OK)
			l->error = INILINES_NUL;
	}
	if (ferror(l->fp)) {
		l->error = INILINES_READ;
		l->read_errno = errno;
		return -1;
	}
	if (!any)
		return -1;
	return l->error ? -1 : (long)n;
}

char *inilines_read(char *str, int num, void *stream)
{
	struct inilines *l = stream;
	size_t held_at = 0, held_len = 0;
	long len;

	free(l->held);
	l->held = NULL;
	if (l->error || num < 8)
		return NULL;
	l->line++;
	len = read_line(l);
	if (len < 0) {
		if (l->error)
			l->error_line = l->line;
		return NULL;
	}
	if ((size_t)len + 2 <= (size_t)num) {
		if (len > 0) /* an empty first line: no buffer yet */
			memcpy(str, l->buf, (size_t)len);
	} else {
		len = shorten(l->buf, (size_t)len, l->line == 1, (size_t)num - 2, str, &held_at,
			      &held_len);
		if (len < 0) {
			l->error = INILINES_TOO_LONG;
			l->error_line = l->line;
			return NULL;
		}
		if (held_len) {
			l->held = malloc(held_len + 1);
			if (!l->held) {
				l->error = INILINES_READ;
				l->read_errno = ENOMEM;
				l->error_line = l->line;
				return NULL;
			}
			memcpy(l->held, l->buf + held_at, held_len);
			l->held[held_len] = '\0';
		}
	}
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

int inilines_value(struct inilines *l, const char *value, char **out)
{
	size_t n = strlen(value), h;

	*out = NULL;
	if (!l->held || n == 0 || value[n - 1] != MARKER)
		return 0;
	h = strlen(l->held);
	*out = malloc(n - 1 + h + 1);
	if (!*out)
		return -1;
	memcpy(*out, value, n - 1);
	memcpy(*out + n - 1, l->held, h + 1);
	return 0;
}

void inilines_release(struct inilines *l)
{
	free(l->buf);
	free(l->held);
	l->buf = NULL;
	l->held = NULL;
	l->cap = 0;
}
