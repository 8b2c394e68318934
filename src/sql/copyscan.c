/*
 * copyscan.c — the data that follows COPY … FROM STDIN in a script, as
 * psql's handleCopyIn (src/bin/psql/copy.c) reads it, beside the lexers of
 * sqlscan.c and slashscan.c.  The data is never lexed: it is handed out as
 * it is, byte-exact, in chunks of whole lines where possible, until a line
 * that is exactly "\." or EOF.  The scanner is in COPY mode (copy_mode)
 * from the end of the COPY statement's line until then.
 */
#include "sql/sqlscan_int.h"

#include <string.h>

enum sqlscan_result copyscan_end(struct sqlscan *s, const char *buf, size_t i, size_t n,
				 bool terminated, struct sqlscan_item *out)
{
	out->kind = SQLSCAN_COPY_END;
	out->text = buf + i;
	out->len = terminated ? 2 : 0;
	out->off = i;
	out->offset = s->pos;
	out->line = s->line;
	out->col = s->col;
	out->copy_terminated = terminated;
	for (size_t k = 0; k < n; k++)
		advance(s, (unsigned char)buf[i + k]);
	s->copy_mode = false;
	s->copy_midline = false;
	s->state = ST_INIT;
	return SQLSCAN_COPY_END;
}

/*
 * psql's handleCopyIn (copy.c): data lines are sent as they are; a line
 * that is exactly "\." (LF or CRLF) ends the data, as does EOF.  Bytes of a
 * line that might still turn out to be "\." are held back (at most 3).
 */
enum sqlscan_result copyscan_data(struct sqlscan *s, const char *buf, size_t len, bool at_eof,
				  struct sqlscan_item *out, struct sqlscan_error *err)
{
	size_t start = (size_t)(s->pos - s->base), i = start;
	size_t line = s->line, col = s->col;
	for (;;) {
		if (s->copy_midline) {
			const char *nl = memchr(buf + i, '\n', len - i);
			if (!nl) {
				s->col += len - i;
				i = len;
				break;
			}
			i = (size_t)(nl - buf) + 1;
			s->line++;
			s->col = 1;
			s->copy_midline = false;
			continue;
		}
		if (i == len)
			break;
		if (buf[i] == '\\') {
			size_t avail = len - i, term = 0;
			bool need_more = false;
			if (avail < 2) {
				need_more = !at_eof;
			} else if (buf[i + 1] == '.') {
				if (avail == 2)
					need_more = !at_eof, term = at_eof ? 2 : 0;
				else if (buf[i + 2] == '\n')
					term = 3;
				else if (buf[i + 2] == '\r') {
					if (avail == 3)
						need_more = !at_eof, term = at_eof ? 3 : 0;
					else if (buf[i + 3] == '\n')
						term = 4;
				}
			}
			if (need_more || term) {
				if (i > start)
					break; /* hand out the data before it first */
				if (need_more) {
					s->pos = s->base + i;
					return SQLSCAN_INCOMPLETE;
				}
				s->pos = s->base + i;
				return copyscan_end(s, buf, i, term, true, out);
			}
		}
		s->copy_midline = true; /* this line is data */
	}
	s->pos = s->base + i;
	if (i > start) {
		const char *nul = memchr(buf + start, '\0', i - start);
		if (nul) {
			size_t at_line = line, at_col = col;
			for (const char *p = buf + start; p < nul; p++) {
				if (*p == '\n')
					at_line++, at_col = 1;
				else
					at_col++;
			}
			return sqlscan_fail_at(s, err, s->base + (uint64_t)(nul - buf), at_line, at_col,
					       "NUL byte in COPY data");
		}
		out->kind = SQLSCAN_COPY_DATA;
		out->text = buf + start;
		out->len = i - start;
		out->off = start;
		out->offset = s->base + start;
		out->line = line;
		out->col = col;
		return SQLSCAN_COPY_DATA;
	}
	if (at_eof)
		return copyscan_end(s, buf, i, 0, false, out);
	return SQLSCAN_INCOMPLETE;
}
