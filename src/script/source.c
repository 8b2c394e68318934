/*
 * source.c — see source.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "script/source.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/unpack.h"

#define READ_CHUNK (1024 * 1024)
#define STATEMENT_MAX ((size_t)1 << 30) /* PostgreSQL's own limit for a query */

int source_open_file(struct source *s, const char *path, int want_digest, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->name = path;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot open \"%s\": %s", path, strerror(errno));
	s->total = (uint64_t)lseek(s->fd, 0, SEEK_END);
	lseek(s->fd, 0, SEEK_SET);
	if (unpack_kind_of(path) != UNPACK_NONE) {
		s->unpack = unpack_open(s->fd, unpack_kind_of(path), path, e);
		if (!s->unpack) {
			close(s->fd);
			return -1;
		}
		s->total = 0; /* the text's size is not known before it is read */
	}
	s->cap = READ_CHUNK;
	s->buf = malloc(s->cap);
	if (!s->buf) {
		close(s->fd);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	if (want_digest)
		s->digest = digest_new();
	sqlscan_init(&s->sc);
	return 0;
}

void source_open_buffer(struct source *s, const char *name, const char *buf, size_t len,
			size_t first_line)
{
	memset(s, 0, sizeof *s);
	s->name = name;
	s->fd = -1;
	s->buf = (char *)buf;
	s->len = len;
	s->eof = 1;
	s->total = len;
	s->line_offset = first_line > 0 ? first_line - 1 : 0;
	sqlscan_init(&s->sc);
}

void source_close(struct source *s, char *sha256)
{
	unpack_close(s->unpack);
	s->unpack = NULL;
	if (s->fd >= 0)
		close(s->fd);
	if (s->fd >= 0 || s->owned)
		free(s->buf);
	if (sha256)
		digest_finish(s->digest, sha256);
	else if (s->digest)
		digest_finish(s->digest, (char[DIGEST_HEX_LEN + 1]){0});
	s->digest = NULL;
}

/* Make room and read more input after SQLSCAN_INCOMPLETE. */
static int source_fill(struct source *s, struct err *e)
{
	size_t drop = sqlscan_discardable(&s->sc), want;
	ssize_t n;

	if (drop > s->len)
		drop = s->len;
	if (drop > 0) {
		memmove(s->buf, s->buf + drop, s->len - drop);
		s->len -= drop;
		s->consumed += drop;
		sqlscan_discard(&s->sc, drop);
	}
	/* one byte stays free after the input, for source_terminate */
	if (s->len + 1 >= s->cap) {
		size_t cap = s->cap * 2;
		char *bigger;
		if (cap > STATEMENT_MAX + READ_CHUNK)
			return err_set(e, EXIT_SQL, "%s: a statement is larger than 1 GiB", s->name);
		bigger = realloc(s->buf, cap);
		if (!bigger)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory reading \"%s\"", s->name);
		s->buf = bigger;
		s->cap = cap;
	}
	/* at most a chunk at a time: memory grows with what is read, not with
	 * the room doubling leaves */
	want = s->cap - s->len - 1;
	if (want > READ_CHUNK)
		want = READ_CHUNK;
	if (s->unpack) {
		n = unpack_read(s->unpack, s->buf + s->len, want, e);
		if (n < 0)
			return -1;
	} else {
		do
			n = read(s->fd, s->buf + s->len, want);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot read \"%s\": %s", s->name,
				       strerror(errno));
	}
	if (n == 0)
		s->eof = 1;
	if (s->digest)
		digest_update(s->digest, s->buf + s->len, (size_t)n);
	s->len += (size_t)n;
	return 0;
}

void source_set_variables(struct source *s, source_resolve_fn resolve, void *ctx)
{
	s->resolve = resolve;
	s->resolve_ctx = ctx;
	sqlscan_set_variables(&s->sc, resolve != NULL);
}

/* Put n bytes of rep where the reference it is in the buffer. */
static int splice(struct source *s, const struct sqlscan_item *it, const char *rep, size_t n,
		  struct err *e)
{
	size_t need = s->len - it->len + n + 1;
	if (s->fd < 0 && !s->owned) { /* a borrowed buffer: take a copy first */
		char *copy = malloc(need > s->len + 1 ? need : s->len + 1);
		if (!copy)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		memcpy(copy, s->buf, s->len);
		s->buf = copy;
		s->cap = need > s->len + 1 ? need : s->len + 1;
		s->owned = 1;
	}
	if (need > s->cap) {
		char *bigger = realloc(s->buf, need + READ_CHUNK);
		if (!bigger)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		s->buf = bigger;
		s->cap = need + READ_CHUNK;
	}
	memmove(s->buf + it->off + n, s->buf + it->off + it->len, s->len - it->off - it->len);
	memcpy(s->buf + it->off, rep, n);
	s->len = s->len - it->len + n;
	return 0;
}

/* A variable reference: substitute it, or leave it as written. */
static int substitute(struct source *s, const struct sqlscan_item *it, struct err *e)
{
	char *rep;
	size_t n = 0;
	while (s->nactive > 0 && s->active[s->nactive - 1].end <= it->offset)
		s->nactive--; /* values lexed to their end */
	if (it->var == SQLSCAN_VAR_PLAIN) {
		for (size_t i = 0; i < s->nactive; i++)
			if (strlen(s->active[i].name) == it->name_len &&
			    memcmp(s->active[i].name, it->name, it->name_len) == 0) {
				log_warn("%s:%zu: skipping recursive expansion of variable \"%.*s\"",
					 s->name, it->line + s->line_offset, (int)it->name_len, it->name);
				sqlscan_var_keep(&s->sc);
				return 0;
			}
	}
	if (it->var == SQLSCAN_VAR_FORCE) { /* \; or \: : the character alone */
		rep = malloc(1);
		if (!rep)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		rep[0] = it->name[0];
		n = 1;
	} else {
		rep = s->resolve(s->resolve_ctx, s, it, &n);
	}
	if (!rep) {
		sqlscan_var_keep(&s->sc);
		return 0;
	}
	if (it->var == SQLSCAN_VAR_PLAIN &&
	    (s->nactive == sizeof s->active / sizeof s->active[0] ||
	     it->name_len >= sizeof s->active[0].name)) {
		free(rep);
		return err_set(e, EXIT_SQL, "%s:%zu:%zu: variables nested too deep", s->name,
			       it->line + s->line_offset, it->col);
	}
	if (it->var == SQLSCAN_VAR_PLAIN) /* the name, before the splice overwrites it */
		snprintf(s->active[s->nactive].name, sizeof s->active[0].name, "%.*s",
			 (int)it->name_len, it->name);
	if (splice(s, it, rep, n, e) < 0) {
		free(rep);
		return -1;
	}
	free(rep);
	for (size_t i = 0; i < s->nactive; i++)
		s->active[i].end = s->active[i].end - it->len + n;
	if (it->var == SQLSCAN_VAR_PLAIN)
		s->active[s->nactive++].end = it->offset + n;
	sqlscan_var_replace(&s->sc, n);
	return 0;
}

/* A meta-command psql runs in the middle of a statement: out of the buffer,
 * so that the statement goes on without it. */
static int cut_meta(struct source *s, struct err *e)
{
	uint64_t off;
	size_t len;
	struct sqlscan_item cut = {0};
	if (!sqlscan_cut(&s->sc, &off, &len))
		return 0;
	cut.off = (size_t)(off - s->sc.base);
	cut.len = len;
	if (splice(s, &cut, "", 0, e) < 0)
		return -1;
	sqlscan_cut_done(&s->sc);
	return 0;
}

enum sqlscan_result source_next(struct source *s, struct sqlscan_item *it, struct err *e)
{
	if (cut_meta(s, e) < 0)
		return SQLSCAN_ERROR;
	for (;;) {
		struct sqlscan_error serr;
		enum sqlscan_result r = sqlscan_next(&s->sc, s->buf, s->len, s->eof, it, &serr);
		if (r == SQLSCAN_VARIABLE) {
			if (!s->resolve)
				continue; /* kept as written */
			if (substitute(s, it, e) < 0)
				return SQLSCAN_ERROR;
			continue;
		}
		if (r == SQLSCAN_INCOMPLETE) {
			if (source_fill(s, e) < 0)
				return SQLSCAN_ERROR;
			continue;
		}
		if (r == SQLSCAN_ERROR) {
			err_set(e, EXIT_SQL, "%s:%zu:%zu: %s", s->name, serr.line + s->line_offset, serr.col,
				serr.msg);
			return SQLSCAN_ERROR;
		}
		it->line += s->line_offset;
		return r;
	}
}

int source_no_transaction_directive(const struct source *s, size_t *line)
{
	size_t at;
	if (!sqlscan_no_transaction_directive(&s->sc, &at))
		return 0;
	*line = at + s->line_offset;
	return 1;
}

int source_terminate(struct source *s, const struct sqlscan_item *it)
{
	char *end;
	int saved;
	if (s->fd < 0)
		return -1; /* memory: borrowed, read-only */
	end = s->buf + it->off + it->len;
	saved = (unsigned char)*end;
	*end = '\0';
	return saved;
}

void source_restore(struct source *s, const struct sqlscan_item *it, int saved)
{
	if (saved >= 0)
		s->buf[it->off + it->len] = (char)saved;
}
