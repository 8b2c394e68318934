/*
 * log.h — all diagnostics go to stderr (stdout is reserved for command
 * output), as text (`migrate-entry: message`) or JSON lines
 * (`{"time":…,"level":…,"msg":…}`).
 *
 * Secrets: every registered secret (database passwords) is replaced by
 * "***" in every line before it is written, whatever produced the text
 * (our messages, libpq's, the server's).  This is the last line of defence;
 * URLs are also redacted where they are formatted (see dburl.h).
 */
#ifndef MIGRATE_LOG_H
#define MIGRATE_LOG_H

#include "util/err.h"

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
enum log_format { LOG_TEXT = 0, LOG_JSON = 1 };

/* Program name used as the text prefix ("migrate-entry", "migrate").
 * The string must outlive all logging (argv[0]'s basename is fine). */
void log_set_program(const char *name);
void log_set_level(enum log_level level);
void log_set_format(enum log_format format);
enum log_level log_get_level(void);
enum log_format log_get_format(void);
const char *log_program(void);

/* Register a secret to redact from all output.  The string is copied.
 * Empty strings and strings shorter than 3 bytes are ignored (redacting
 * them would mangle ordinary text).  Up to 64 secrets. */
void log_add_secret(const char *secret);

/* Replace every registered secret in src by "***", writing to dst
 * (always NUL-terminated, truncated to cap). */
void log_redact(char *dst, size_t cap, const char *src);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Append text to buf[at…] as the body of a JSON string and return the new
 * length (buf stays NUL-terminated).  Whatever the bytes, the result is
 * valid JSON in valid UTF-8: '"', '\\' and control characters are escaped
 * (\n, \r, \t, \u00XX, also DEL), a byte that is not part of well-formed
 * UTF-8 becomes \ufffd.  Only whole characters are written, and 4 bytes
 * of cap are left for the caller to close the line. */
size_t log_json_escape(char *buf, size_t cap, size_t at, const char *text);

/* Report an error value: "error: msg" plus "hint: …" when it has one. */
void log_report(const struct err *e);

#endif
