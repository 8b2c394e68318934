/*
 * runner.c — see runner.h.
 *
 * A source feeds the scanner from a file (read in chunks into a buffer that
 * only grows to the largest statement) or from memory.  The executor turns
 * scanner items into batches, COPY streams and meta-command actions.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include "script/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "util/log.h"
#include "util/sig.h"
#include "sql/slashscan.h"
#include "sql/sqlclass.h"
#include "sql/sqlscan.h"

#define READ_CHUNK (1024 * 1024)
#define STATEMENT_MAX ((size_t)1 << 30) /* PostgreSQL's own limit for a query */
#define BATCH_BYTES (256 * 1024)
#define COPY_CHUNK (256 * 1024) /* bytes per CopyData message */
#define BATCH_STATEMENTS 1000
#define INCLUDE_DEPTH_MAX 16

/* ---- sources ------------------------------------------------------------- */

struct source {
	const char *name;
	int fd;           /* -1: memory */
	char *buf;        /* file: owned; memory: borrowed */
	size_t len, cap;
	int eof;
	size_t line_offset; /* added to scanner lines */
	uint64_t consumed;  /* bytes discarded so far (progress) */
	uint64_t total;
	struct digest *digest; /* file bytes, when wanted */
	struct sqlscan sc;
};

static int source_open_file(struct source *s, const char *path, int want_digest, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->name = path;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot open \"%s\": %s", path, strerror(errno));
	s->total = (uint64_t)lseek(s->fd, 0, SEEK_END);
	lseek(s->fd, 0, SEEK_SET);
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

static void source_open_buffer(struct source *s, const char *name, const char *buf, size_t len,
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

static void source_close(struct source *s, char sha256[DIGEST_HEX_LEN + 1])
{
	if (s->fd >= 0) {
		close(s->fd);
		free(s->buf);
	}
	if (sha256)
		digest_finish(s->digest, sha256);
	else if (s->digest)
		digest_finish(s->digest, (char[DIGEST_HEX_LEN + 1]){0});
	s->digest = NULL;
}

/* Make room and read more input after SQLSCAN_INCOMPLETE. */
static int source_fill(struct source *s, struct err *e)
{
	size_t drop = sqlscan_discardable(&s->sc);
	ssize_t n;

	if (drop > s->len)
		drop = s->len;
	if (drop > 0) {
		memmove(s->buf, s->buf + drop, s->len - drop);
		s->len -= drop;
		s->consumed += drop;
		sqlscan_discard(&s->sc, drop);
	}
	if (s->len == s->cap) {
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
	do
		n = read(s->fd, s->buf + s->len, s->cap - s->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot read \"%s\": %s", s->name, strerror(errno));
	if (n == 0)
		s->eof = 1;
	if (s->digest)
		digest_update(s->digest, s->buf + s->len, (size_t)n);
	s->len += (size_t)n;
	return 0;
}

/* The next item; INCOMPLETE is handled here.  Lines are file lines. */
static enum sqlscan_result source_next(struct source *s, struct sqlscan_item *it, struct err *e)
{
	for (;;) {
		struct sqlscan_error serr;
		enum sqlscan_result r = sqlscan_next(&s->sc, s->buf, s->len, s->eof, it, &serr);
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

static int meta_is(const struct sqlscan_item *it, const char *name)
{
	return it->name_len == strlen(name) && strncmp(it->name, name, it->name_len) == 0;
}

/* ---- includes ------------------------------------------------------------ */

/* Resolve the argument of \i (relative to the working directory, as psql)
 * or \ir (relative to the including file) and confine it to root. */
static int resolve_include(const struct source *from, const struct sqlscan_item *it,
			   const char *root, char *out, size_t cap, struct err *e)
{
	const char *p = it->args, *end = it->args + it->args_len;
	char arg[PATH_MAX], joined[PATH_MAX * 2], real[PATH_MAX], real_root[PATH_MAX];
	size_t n;
	char quote;
	struct sqlscan_error serr;
	int relative = meta_is(it, "ir") || meta_is(it, "include_relative");

	if (slashscan_next_arg(&p, end, 0, arg, sizeof arg, &n, &quote, &serr) != 1)
		return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s needs a file name", from->name, it->line,
			       (int)it->name_len, it->name);
	if (arg[0] != '/' && relative) {
		const char *slash = strrchr(from->name, '/');
		if (slash)
			snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - from->name), from->name, arg);
		else
			snprintf(joined, sizeof joined, "%s", arg);
	} else {
		snprintf(joined, sizeof joined, "%s", arg);
	}
	if (!realpath(joined, real))
		return err_set(e, EXIT_SQL, "%s:%zu: cannot include \"%s\": %s", from->name, it->line,
			       joined, strerror(errno));
	if (!root || !realpath(root, real_root))
		return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s is not allowed here", from->name, it->line,
			       (int)it->name_len, it->name);
	n = strlen(real_root);
	if (strncmp(real, real_root, n) != 0 || (real[n] != '/' && real[n] != '\0'))
		return err_set(e, EXIT_SQL, "%s:%zu: \"%s\" is outside the scripts directory \"%s\"",
			       from->name, it->line, arg, root);
	snprintf(out, cap, "%s", joined);
	return 0;
}

/* ---- scanning without executing ------------------------------------------ */

static int scan_source(struct source *s, const char *root, struct runner_scan *info, int depth,
		       struct err *e);

static int scan_include(struct source *from, const struct sqlscan_item *it, const char *root,
			struct runner_scan *info, int depth, struct err *e)
{
	char path[PATH_MAX * 2];
	struct source inc;
	int rc;
	if (depth >= INCLUDE_DEPTH_MAX)
		return err_set(e, EXIT_SQL, "%s:%zu: includes nested more than %d deep", from->name,
			       it->line, INCLUDE_DEPTH_MAX);
	if (resolve_include(from, it, root, path, sizeof path, e) < 0)
		return -1;
	if (source_open_file(&inc, path, 0, e) < 0)
		return err_prefix(e, "%s:%zu", from->name, it->line);
	rc = scan_source(&inc, root, info, depth + 1, e);
	source_close(&inc, NULL);
	return rc;
}

static int scan_source(struct source *s, const char *root, struct runner_scan *info, int depth,
		       struct err *e)
{
	struct sqlscan_item it;
	size_t line;
	for (;;) {
		enum sqlscan_result r = source_next(s, &it, e);
		if (r == SQLSCAN_ERROR)
			return -1;
		if (r == SQLSCAN_EOF)
			break;
		if (r == SQLSCAN_STATEMENT && !info->autocommit) {
			const char *what;
			unsigned flags = sqlclass_statement(it.text, it.len, &what);
			if (flags & (SQLCLASS_TRANSACTION_CONTROL | SQLCLASS_NO_TRANSACTION_BLOCK)) {
				info->autocommit = 1;
				snprintf(info->reason, sizeof info->reason, "%s at %s:%zu", what, s->name,
					 it.line);
			}
		} else if (r == SQLSCAN_META &&
			   (meta_is(&it, "i") || meta_is(&it, "ir") || meta_is(&it, "include") ||
			    meta_is(&it, "include_relative"))) {
			if (scan_include(s, &it, root, info, depth, e) < 0)
				return -1;
		}
	}
	if (!info->autocommit && sqlscan_no_transaction_directive(&s->sc, &line)) {
		info->autocommit = 1;
		snprintf(info->reason, sizeof info->reason, "-- migrate:no-transaction at %s:%zu",
			 s->name, line + s->line_offset);
	}
	return 0;
}

int runner_scan_file(const char *path, const char *root, struct runner_scan *info, struct err *e)
{
	struct source s;
	int rc;
	memset(info, 0, sizeof *info);
	if (source_open_file(&s, path, 0, e) < 0)
		return -1;
	rc = scan_source(&s, root, info, 0, e);
	source_close(&s, NULL);
	return rc;
}

int runner_scan_buffer(const char *name, const char *buf, size_t len, size_t first_line,
		       const char *root, struct runner_scan *info, struct err *e)
{
	struct source s;
	memset(info, 0, sizeof *info);
	source_open_buffer(&s, name, buf, len, first_line);
	return scan_source(&s, root, info, 0, e);
}

/* ---- execution ----------------------------------------------------------- */

struct segment {
	size_t off, len;  /* in the batch */
	size_t line, col; /* in the file */
};

struct exec {
	PGconn *c;
	const struct runner_opts *o;
	struct runner_stats *st;
	char *batch;
	size_t blen, bcap;
	struct segment *segs;
	size_t nseg, segcap;
	const char *batch_file;
	int in_block;      /* inside an explicit BEGIN … COMMIT (autocommit mode) */
	int restricted;    /* after \restrict KEY: SQL runs, meta-commands other
			    * than \unrestrict KEY are refused (psql 15.14+) */
	char restrict_key[1024];
	int depth;
};

/* Character count (UTF-8 sequences as one) of s[0..n). */
static long utf8_chars(const char *s, size_t n)
{
	long count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

/* Turn an error result for statement seg of the batch into e. */
static int statement_error(struct exec *x, const PGresult *r, const struct segment *seg,
			   struct err *e)
{
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	size_t line = seg->line, col = seg->col;
	struct err sql = {0};
	if (pos) {
		long p = atol(pos) - utf8_chars(x->batch, seg->off);
		size_t l, c;
		if (sqlscan_map_position(x->batch + seg->off, seg->len, seg->line, seg->col, p, &l, &c) == 0) {
			line = l;
			col = c;
		}
	}
	db_result_error(r, &sql);
	*e = sql;
	return err_prefix(e, "%s:%zu:%zu", x->batch_file, line, col);
}

static int batch_add(struct exec *x, const char *file, const struct sqlscan_item *it, struct err *e)
{
	if (x->blen + it->len + 2 > x->bcap) {
		size_t cap = (x->bcap ? x->bcap * 2 : BATCH_BYTES * 2) + it->len;
		char *p = realloc(x->batch, cap);
		if (!p)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		x->batch = p;
		x->bcap = cap;
	}
	if (x->nseg == x->segcap) {
		size_t cap = x->segcap ? x->segcap * 2 : 64;
		struct segment *p = realloc(x->segs, cap * sizeof *p);
		if (!p)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		x->segs = p;
		x->segcap = cap;
	}
	x->segs[x->nseg++] = (struct segment){x->blen, it->len, it->line, it->col};
	memcpy(x->batch + x->blen, it->text, it->len);
	x->blen += it->len;
	x->batch[x->blen++] = '\n';
	x->batch[x->blen] = '\0';
	x->batch_file = file;
	return 0;
}

/* Send the pending batch and check every statement's result. */
static int batch_flush(struct exec *x, struct err *e)
{
	PGresult *r;
	size_t ok = 0;
	int failed = 0;

	if (x->nseg == 0)
		return 0;
	if (!PQsendQuery(x->c, x->batch))
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
			       PQerrorMessage(x->c));
	for (;;) {
		if (db_next_result(x->c, &r, e) < 0)
			return -1;
		if (!r)
			break;
		switch (PQresultStatus(r)) {
		case PGRES_FATAL_ERROR:
			if (!failed) {
				failed = 1;
				statement_error(x, r, &x->segs[ok < x->nseg ? ok : x->nseg - 1], e);
			}
			break;
		case PGRES_COPY_IN:
			PQputCopyEnd(x->c, "unexpected COPY FROM STDIN");
			break;
		case PGRES_COPY_OUT: {
			char *buf;
			while (PQgetCopyData(x->c, &buf, 0) > 0)
				PQfreemem(buf);
			ok++;
			break;
		}
		default:
			ok++;
		}
		PQclear(r);
	}
	x->st->statements += ok;
	x->st->batches++;
	x->nseg = 0;
	x->blen = 0;
	return failed ? -1 : 0;
}

/* Wait until libpq has handed everything queued to the kernel.  Reading
 * what the server sends meanwhile keeps poll() from spinning. */
static int drain_output(struct exec *x, struct err *e)
{
	for (;;) {
		int rc = PQflush(x->c);
		if (rc < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot send COPY data: %s",
				       PQerrorMessage(x->c));
		if (rc == 0)
			return 0;
		if (db_wait_io(x->c, 1, e) < 0)
			return -1;
		if (!PQconsumeInput(x->c))
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot send COPY data: %s",
				       PQerrorMessage(x->c));
	}
}

/* Stream COPY data.  In non-blocking mode PQputCopyData grows libpq's
 * output buffer to hold whatever the socket does not take at once, so
 * without draining it after each chunk a file read faster than the server
 * parses it would end up in memory whole.  With the drain, at most one
 * chunk (plus the kernel's socket buffer) is in flight. */
static int put_copy(struct exec *x, const char *data, size_t len, struct err *e)
{
	while (len > 0) {
		int chunk = len > COPY_CHUNK ? COPY_CHUNK : (int)len;
		int rc = PQputCopyData(x->c, data, chunk);
		if (rc < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot send COPY data: %s",
				       PQerrorMessage(x->c));
		if (rc == 0) { /* nothing queued (no room): wait, then again */
			if (drain_output(x, e) < 0)
				return -1;
			continue;
		}
		data += chunk;
		len -= (size_t)chunk;
		x->st->copy_bytes += (uint64_t)chunk;
		if (drain_output(x, e) < 0)
			return -1;
	}
	return 0;
}

/* After PQputCopyEnd: the COPY's result.  A data error names the file line
 * of the bad row (CONTEXT "COPY t, line N"). */
static int copy_finish(struct exec *x, const char *file, const struct segment *stmt,
		       size_t data_line, struct err *e)
{
	PGresult *r;
	int failed = 0;
	for (;;) {
		if (db_next_result(x->c, &r, e) < 0)
			return -1;
		if (!r)
			break;
		if (PQresultStatus(r) == PGRES_FATAL_ERROR && !failed) {
			const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
			const char *at = ctx ? strstr(ctx, ", line ") : NULL;
			size_t line = stmt->line, col = stmt->col;
			failed = 1;
			if (at && data_line) {
				line = data_line + (size_t)atol(at + 7) - 1;
				col = 1;
			}
			db_result_error(r, e);
			err_prefix(e, "%s:%zu:%zu", file, line, col);
		}
		PQclear(r);
	}
	x->st->statements++;
	return failed ? -1 : 0;
}

/* COPY … FROM STDIN: send it alone; on CopyIn stream the data items. */
static int run_copy(struct exec *x, struct source *s, const struct sqlscan_item *stmt, struct err *e)
{
	struct segment seg = {0, stmt->len, stmt->line, stmt->col};
	struct sqlscan_item it;
	size_t data_line = 0;
	PGresult *r;
	char *sql = malloc(stmt->len + 1);

	if (!sql)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	memcpy(sql, stmt->text, stmt->len);
	sql[stmt->len] = '\0';
	if (!PQsendQuery(x->c, sql)) {
		free(sql);
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot send to the server: %s",
			       PQerrorMessage(x->c));
	}
	if (db_next_result(x->c, &r, e) < 0) {
		free(sql);
		return -1;
	}
	if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
		int rc = 0;
		/* The COPY itself failed (no such table …): map it like any statement. */
		x->batch_file = s->name;
		if (r && PQresultStatus(r) == PGRES_FATAL_ERROR) {
			char *saved = x->batch;
			x->batch = sql;
			rc = statement_error(x, r, &seg, e);
			x->batch = saved;
		}
		PQclear(r);
		while (db_next_result(x->c, &r, &(struct err){0}) == 0 && r)
			PQclear(r);
		free(sql);
		return rc < 0 ? -1 : err_set(e, EXIT_SQL, "%s:%zu:%zu: COPY did not start", s->name,
					     stmt->line, stmt->col);
	}
	PQclear(r);
	free(sql);
	for (;;) {
		enum sqlscan_result kind = source_next(s, &it, e);
		if (kind == SQLSCAN_ERROR) {
			PQputCopyEnd(x->c, "script error");
			copy_finish(x, s->name, &seg, 0, &(struct err){0});
			return -1;
		}
		if (kind == SQLSCAN_COPY_DATA) {
			if (!data_line)
				data_line = it.line;
			if (sig_check(e) < 0 || put_copy(x, it.text, it.len, e) < 0) {
				struct err saved = *e;
				PQputCopyEnd(x->c, "interrupted");
				copy_finish(x, s->name, &seg, 0, &(struct err){0});
				*e = saved;
				return -1;
			}
			if (x->o->progress && x->depth == 0)
				x->o->progress(x->o->progress_ctx, s->consumed + it.off, s->total);
			continue;
		}
		/* COPY_END (or EOF, which the scanner reports as COPY_END). */
		if (PQputCopyEnd(x->c, NULL) < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot end COPY: %s", PQerrorMessage(x->c));
		return copy_finish(x, s->name, &seg, data_line, e);
	}
}

static int run_source(struct exec *x, struct source *s, struct err *e);

static int meta_connect(struct exec *x, const struct source *s, const struct sqlscan_item *it,
			struct err *e)
{
	const char *p = it->args, *end = it->args + it->args_len;
	char arg[1024];
	size_t n;
	char quote;
	struct sqlscan_error serr;
	int position = 0;

	while (slashscan_next_arg(&p, end, SLASHSCAN_ARG_SEMICOLON, arg, sizeof arg, &n, &quote, &serr) == 1) {
		const char *want = NULL, *have = NULL;
		char *dbname = NULL;
		if (strncmp(arg, "-reuse-previous", 15) == 0)
			continue;
		if (position == 0 && strchr(arg, '=')) {
			PQconninfoOption *opts = PQconninfoParse(arg, NULL);
			for (PQconninfoOption *o = opts; o && o->keyword; o++)
				if (strcmp(o->keyword, "dbname") == 0 && o->val)
					dbname = strdup(o->val);
			PQconninfoFree(opts);
			want = dbname;
		} else {
			want = arg;
		}
		have = position == 0 ? PQdb(x->c) : position == 1 ? PQuser(x->c)
					      : position == 2 ? PQhost(x->c) : PQport(x->c);
		if (want && strcmp(want, "-") != 0 && have && strcmp(want, have) != 0) {
			static const char *const what[] = {"database", "user", "host", "port"};
			err_set(e, EXIT_SQL, "%s:%zu: \\connect to another %s (\"%s\") is not supported",
				s->name, it->line, what[position < 4 ? position : 3], want);
			free(dbname);
			return -1;
		}
		free(dbname);
		position++;
	}
	return 0;
}

static int run_meta(struct exec *x, struct source *s, const struct sqlscan_item *it, struct err *e)
{
	char arg[1024];
	size_t n;
	char quote;
	struct sqlscan_error serr;
	const char *p = it->args, *end = it->args + it->args_len;

	if (batch_flush(x, e) < 0)
		return -1;
	if (x->restricted) {
		if (!meta_is(it, "unrestrict"))
			return err_set(e, EXIT_SQL, "%s:%zu: \\%.*s is not allowed after \\restrict", s->name,
				       it->line, (int)it->name_len, it->name);
		if (slashscan_next_arg(&p, end, 0, arg, sizeof arg, &n, &quote, &serr) != 1 ||
		    strcmp(arg, x->restrict_key) != 0)
			return err_set(e, EXIT_SQL, "%s:%zu: \\unrestrict key does not match \\restrict",
				       s->name, it->line);
		x->restricted = 0;
		return 0;
	}
	if (meta_is(it, "restrict")) {
		if (slashscan_next_arg(&p, end, 0, arg, sizeof arg, &n, &quote, &serr) != 1)
			return err_set(e, EXIT_SQL, "%s:%zu: \\restrict needs a key", s->name, it->line);
		snprintf(x->restrict_key, sizeof x->restrict_key, "%s", arg);
		x->restricted = 1;
		return 0;
	}
	if (meta_is(it, "unrestrict"))
		return err_set(e, EXIT_SQL, "%s:%zu: \\unrestrict without \\restrict", s->name, it->line);
	if (meta_is(it, "set") || meta_is(it, "unset"))
		return 0; /* ON_ERROR_STOP is always on; variables are not interpolated */
	if (meta_is(it, "echo") || meta_is(it, "qecho") || meta_is(it, "warn")) {
		log_info("%s:%zu: %.*s", s->name, it->line, (int)it->args_len, it->args);
		return 0;
	}
	if (meta_is(it, "encoding")) {
		if (slashscan_next_arg(&p, end, 0, arg, sizeof arg, &n, &quote, &serr) == 1 &&
		    PQsetClientEncoding(x->c, arg) != 0)
			return err_set(e, EXIT_SQL, "%s:%zu: invalid encoding \"%s\"", s->name, it->line, arg);
		return 0;
	}
	if (meta_is(it, "connect") || meta_is(it, "c"))
		return meta_connect(x, s, it, e);
	if (meta_is(it, "i") || meta_is(it, "ir") || meta_is(it, "include") ||
	    meta_is(it, "include_relative")) {
		char path[PATH_MAX * 2];
		struct source inc;
		int rc;
		if (x->depth >= INCLUDE_DEPTH_MAX)
			return err_set(e, EXIT_SQL, "%s:%zu: includes nested more than %d deep", s->name,
				       it->line, INCLUDE_DEPTH_MAX);
		if (resolve_include(s, it, x->o->root, path, sizeof path, e) < 0)
			return -1;
		if (source_open_file(&inc, path, 0, e) < 0)
			return err_prefix(e, "%s:%zu", s->name, it->line);
		x->depth++;
		rc = run_source(x, &inc, e);
		x->depth--;
		source_close(&inc, NULL);
		return rc;
	}
	return err_set(e, EXIT_SQL, "%s:%zu: unsupported meta-command \\%.*s", s->name, it->line,
		       (int)it->name_len, it->name);
}

static int run_statement(struct exec *x, struct source *s, const struct sqlscan_item *it,
			 struct err *e)
{
	unsigned flags;
	if (!x->o->autocommit && x->o->detect_autocommit) {
		const char *what;
		flags = sqlclass_statement(it->text, it->len, &what);
		if (flags & (SQLCLASS_TRANSACTION_CONTROL | SQLCLASS_NO_TRANSACTION_BLOCK)) {
			snprintf(x->st->autocommit_reason, sizeof x->st->autocommit_reason, "%s at %s:%zu",
				 what, s->name, it->line);
			return RUNNER_NEEDS_AUTOCOMMIT;
		}
	}
	if (it->copy_from_stdin) {
		if (batch_flush(x, e) < 0)
			return -1;
		return run_copy(x, s, it, e);
	}
	if (x->nseg > 0 && x->batch_file != s->name && batch_flush(x, e) < 0)
		return -1;
	if (batch_add(x, s->name, it, e) < 0)
		return -1;
	if (x->o->autocommit) {
		flags = sqlclass_statement(it->text, it->len, NULL);
		if (flags & SQLCLASS_TRANSACTION_CONTROL) {
			/* BEGIN / START TRANSACTION open a block; the rest end one. */
			char word[8] = "";
			size_t i = 0;
			const char *t = it->text;
			while (i < it->len && i < 7 && t[i] != ' ' && t[i] != ';' && t[i] != '\n')
				word[i] = (char)(t[i] | 0x20), i++;
			word[i] = '\0';
			x->in_block = strcmp(word, "begin") == 0 || strcmp(word, "start") == 0;
		}
		if (!x->in_block)
			return batch_flush(x, e);
	}
	if (x->blen >= BATCH_BYTES || x->nseg >= BATCH_STATEMENTS)
		return batch_flush(x, e);
	return 0;
}

/* The directive, seen by the scanner so far, in a transactional run. */
static int directive_seen(struct exec *x, struct source *s)
{
	size_t line;
	if (x->o->autocommit || !x->o->detect_autocommit ||
	    !sqlscan_no_transaction_directive(&s->sc, &line))
		return 0;
	snprintf(x->st->autocommit_reason, sizeof x->st->autocommit_reason,
		 "-- migrate:no-transaction at %s:%zu", s->name, line + s->line_offset);
	return 1;
}

static int run_source(struct exec *x, struct source *s, struct err *e)
{
	struct sqlscan_item it;
	for (;;) {
		enum sqlscan_result r = source_next(s, &it, e);
		int rc = 0;
		if (r == SQLSCAN_ERROR)
			return -1;
		if (directive_seen(x, s))
			return RUNNER_NEEDS_AUTOCOMMIT;
		if (r == SQLSCAN_EOF)
			return batch_flush(x, e);
		if (r == SQLSCAN_STATEMENT)
			rc = run_statement(x, s, &it, e);
		else if (r == SQLSCAN_META)
			rc = run_meta(x, s, &it, e);
		else /* stray COPY data cannot happen: run_copy consumes it */
			rc = err_set(e, EXIT_SQL, "%s:%zu: unexpected COPY data", s->name, it.line);
		if (rc != 0)
			return rc;
		if (x->o->progress && x->depth == 0)
			x->o->progress(x->o->progress_ctx, s->consumed + it.off + it.len, s->total);
	}
}

static int run(PGconn *c, struct source *s, const struct runner_opts *o, struct runner_stats *st,
	       struct err *e)
{
	struct exec x = {.c = c, .o = o, .st = st};
	int rc;
	PQsetnonblocking(c, 1);
	rc = run_source(&x, s, e);
	if (rc == 0 && x.restricted)
		rc = err_set(e, EXIT_SQL, "%s: \\restrict without \\unrestrict", s->name);
	free(x.batch);
	free(x.segs);
	return rc;
}

int runner_run_file(PGconn *c, const char *path, const struct runner_opts *o,
		    struct runner_stats *st, struct err *e)
{
	struct source s;
	int rc;
	if (source_open_file(&s, path, o->sha256 != NULL, e) < 0)
		return -1;
	rc = run(c, &s, o, st, e);
	source_close(&s, rc == 0 ? o->sha256 : NULL);
	return rc;
}

int runner_run_buffer(PGconn *c, const char *name, const char *buf, size_t len,
		      size_t first_line, const struct runner_opts *o, struct runner_stats *st,
		      struct err *e)
{
	struct source s;
	source_open_buffer(&s, name, buf, len, first_line);
	return run(c, &s, o, st, e);
}
