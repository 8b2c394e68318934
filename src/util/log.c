/*
 * log.c — see log.h.  One write(2)-sized line per message, so lines from
 * concurrent replicas sharing a log stream do not interleave mid-line.
 */
#define _POSIX_C_SOURCE 200809L
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 8192
#define MAX_SECRETS 64
#define SECRET_MAX 512

static const char *program = "migrate";
static enum log_level current_level = LOG_INFO;
static enum log_format current_format = LOG_TEXT;
static char secrets[MAX_SECRETS][SECRET_MAX];
static size_t secret_count;

void log_set_program(const char *name) { program = name; }
void log_set_level(enum log_level level) { current_level = level; }
void log_set_format(enum log_format format) { current_format = format; }
enum log_level log_get_level(void) { return current_level; }
enum log_format log_get_format(void) { return current_format; }
const char *log_program(void) { return program; }

void log_add_secret(const char *secret)
{
	if (!secret || strlen(secret) < 3 || strlen(secret) >= SECRET_MAX)
		return;
	for (size_t i = 0; i < secret_count; i++)
		if (strcmp(secrets[i], secret) == 0)
			return;
	if (secret_count < MAX_SECRETS)
		strcpy(secrets[secret_count++], secret);
}

void log_redact(char *dst, size_t cap, const char *src)
{
	size_t out = 0;
	if (cap == 0)
		return;
	while (*src && out + 1 < cap) {
		size_t matched = 0;
		/* the longest secret that starts here: one that merely begins
		 * like a longer one must not leave the rest of it */
		for (size_t i = 0; i < secret_count; i++) {
			size_t len = strlen(secrets[i]);
			if (len > matched && strncmp(src, secrets[i], len) == 0)
				matched = len;
		}
		if (matched) {
			for (const char *s = "***"; *s && out + 1 < cap; s++)
				dst[out++] = *s;
			src += matched;
		} else {
			dst[out++] = *src++;
		}
	}
	dst[out] = '\0';
}

static const char *level_name(enum log_level level)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	return names[level];
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

size_t log_json_escape(char *buf, size_t cap, size_t at, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	if (cap < 5 || at >= cap - 4)
		return at;
	while (*s) {
		char piece[8];
		size_t n, used;
		unsigned char c = *s;
		if (c == '"' || c == '\\') {
			piece[0] = '\\';
			piece[1] = (char)c;
			n = 2, used = 1;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			piece[0] = '\\';
			piece[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			n = 2, used = 1;
		} else if (c < 0x20 || c == 0x7F) {
			snprintf(piece, sizeof piece, "\\u%04x", c);
			n = 6, used = 1;
		} else if ((used = utf8_len(s)) == 0) {
			/* not UTF-8 (a Latin-1 file name, a message cut mid-character) */
			memcpy(piece, "\\ufffd", 6);
			n = 6, used = 1;
		} else {
			memcpy(piece, s, used);
			n = used;
		}
		if (at + n >= cap - 4)
			break; /* whole characters only, and room for the end of the line */
		memcpy(buf + at, piece, n);
		at += n;
		s += used;
	}
	buf[at] = '\0';
	return at;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void emit(enum log_level level, const char *prefix, const char *text)
{
	char redacted[LOG_LINE_MAX];
	char line[LOG_LINE_MAX + 256];
	size_t len;

	log_redact(redacted, sizeof redacted, text);
	if (current_format == LOG_JSON) {
		struct timeval tv;
		struct tm tm;
		char stamp[40];
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		len = (size_t)snprintf(line, sizeof line,
				       "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"program\":\"%s\",\"msg\":\"",
				       stamp, (long)(tv.tv_usec / 1000), level_name(level), program);
		if (prefix && strcmp(prefix, "hint: ") == 0)
			len = log_json_escape(line, sizeof line, len, prefix);
		len = log_json_escape(line, sizeof line, len, redacted);
		len += (size_t)snprintf(line + len, sizeof line - len, "\"}\n");
	} else {
		len = (size_t)snprintf(line, sizeof line, "%s: %s%s\n", program, prefix ? prefix : "",
				       redacted);
	}
	if (len >= sizeof line)
		len = sizeof line - 1;
	write_all(STDERR_FILENO, line, len);
}

static void vlog(enum log_level level, const char *prefix, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];
	if (level > current_level)
		return;
	vsnprintf(text, sizeof text, fmt, ap);
	emit(level, prefix, text);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_ERROR, "error: ", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARN, "warning: ", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "debug: ", fmt, ap);
	va_end(ap);
}

void log_report(const struct err *e)
{
	log_error("%s", e->msg[0] ? e->msg : "unknown error");
	if (e->hint[0] && LOG_ERROR <= current_level)
		emit(LOG_ERROR, "hint: ", e->hint);
}
