/*
 * unpack.c — see unpack.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "util/unpack.h"

#include <errno.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define IN_CHUNK (256 * 1024)

struct unpack {
	enum unpack_kind kind;
	int fd;
	const char *path;
	unsigned char *in;
	size_t in_len, in_pos;
	int in_eof;
	int ended;      /* the codec finished a stream and no input follows */
	int mid_stream; /* some of the current stream has been decoded */
	z_stream z;
	lzma_stream x;
	ZSTD_DStream *zs;
};

enum unpack_kind unpack_kind_of(const char *path)
{
	size_t n = strlen(path);
	if (n > 3 && strcmp(path + n - 3, ".gz") == 0)
		return UNPACK_GZIP;
	if (n > 3 && strcmp(path + n - 3, ".xz") == 0)
		return UNPACK_XZ;
	if (n > 4 && strcmp(path + n - 4, ".zst") == 0)
		return UNPACK_ZSTD;
	return UNPACK_NONE;
}

int unpack_has_suffix(const char *name, const char *suffix)
{
	static const char *const packed[] = {"", ".gz", ".xz", ".zst", NULL};
	size_t n = strlen(name), k = strlen(suffix);
	for (const char *const *p = packed; *p; p++) {
		size_t m = strlen(*p);
		if (n > k + m && strcmp(name + n - m, *p) == 0 &&
		    strncmp(name + n - m - k, suffix, k) == 0)
			return 1;
	}
	return 0;
}

struct unpack *unpack_open(int fd, enum unpack_kind kind, const char *path, struct err *e)
{
	struct unpack *u = calloc(1, sizeof *u);
	int ok = u != NULL;
	if (ok) {
		u->kind = kind;
		u->fd = fd;
		u->path = path;
		u->in = malloc(IN_CHUNK);
		ok = u->in != NULL;
	}
	if (ok && kind == UNPACK_GZIP)
		ok = inflateInit2(&u->z, 15 + 32) == Z_OK; /* gzip or zlib header */
	else if (ok && kind == UNPACK_XZ) {
		lzma_stream init = LZMA_STREAM_INIT;
		u->x = init;
		ok = lzma_stream_decoder(&u->x, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
	} else if (ok && kind == UNPACK_ZSTD) {
		u->zs = ZSTD_createDStream();
		ok = u->zs && !ZSTD_isError(ZSTD_initDStream(u->zs));
	}
	if (!ok) {
		if (u) {
			if (u->zs)
				ZSTD_freeDStream(u->zs);
			free(u->in);
			free(u);
		}
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory opening \"%s\"", path);
		return NULL;
	}
	return u;
}

/* More compressed input when all of it is used; -1 on a read error. */
static int refill(struct unpack *u, struct err *e)
{
	ssize_t n;
	if (u->in_pos < u->in_len || u->in_eof)
		return 0;
	do
		n = read(u->fd, u->in, IN_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot read \"%s\": %s", u->path,
			       strerror(errno));
	u->in_len = (size_t)n;
	u->in_pos = 0;
	u->in_eof = n == 0;
	return 0;
}

static int corrupt(const struct unpack *u, const char *why, struct err *e)
{
	return err_set(e, EXIT_SQL, "%s: cannot decompress: %s", u->path, why);
}

static ssize_t read_gzip(struct unpack *u, void *buf, size_t cap, struct err *e)
{
	u->z.next_out = buf;
	u->z.avail_out = (uInt)cap;
	while (u->z.avail_out == cap) {
		int rc;
		if (refill(u, e) < 0)
			return -1;
		if (u->in_pos == u->in_len) { /* no more input */
			if (u->mid_stream)
				return corrupt(u, "unexpected end of file", e);
			return 0;
		}
		u->z.next_in = u->in + u->in_pos;
		u->z.avail_in = (uInt)(u->in_len - u->in_pos);
		rc = inflate(&u->z, Z_NO_FLUSH);
		u->in_pos = u->in_len - u->z.avail_in;
		u->mid_stream = 1;
		if (rc == Z_STREAM_END) { /* another gzip member may follow */
			inflateReset(&u->z);
			u->mid_stream = 0;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			return corrupt(u, u->z.msg ? u->z.msg : "invalid gzip data", e);
		}
	}
	return (ssize_t)(cap - u->z.avail_out);
}

static ssize_t read_xz(struct unpack *u, void *buf, size_t cap, struct err *e)
{
	u->x.next_out = buf;
	u->x.avail_out = cap;
	while (u->x.avail_out == cap && !u->ended) {
		lzma_ret rc;
		if (refill(u, e) < 0)
			return -1;
		u->x.next_in = u->in + u->in_pos;
		u->x.avail_in = u->in_len - u->in_pos;
		rc = lzma_code(&u->x, u->in_eof ? LZMA_FINISH : LZMA_RUN);
		u->in_pos = u->in_len - u->x.avail_in;
		if (rc == LZMA_STREAM_END)
			u->ended = 1;
		else if (rc != LZMA_OK)
			return corrupt(u,
				       rc == LZMA_BUF_ERROR	 ? "unexpected end of file"
				       : rc == LZMA_FORMAT_ERROR ? "not in xz format"
				       : rc == LZMA_MEM_ERROR	 ? "out of memory"
								 : "invalid xz data",
				       e);
	}
	return (ssize_t)(cap - u->x.avail_out);
}

static ssize_t read_zstd(struct unpack *u, void *buf, size_t cap, struct err *e)
{
	ZSTD_outBuffer out = {buf, cap, 0};
	while (out.pos == 0) {
		ZSTD_inBuffer in;
		size_t rc;
		if (refill(u, e) < 0)
			return -1;
		if (u->in_pos == u->in_len) {
			if (u->mid_stream)
				return corrupt(u, "unexpected end of file", e);
			return 0;
		}
		in = (ZSTD_inBuffer){u->in, u->in_len, u->in_pos};
		rc = ZSTD_decompressStream(u->zs, &out, &in);
		u->in_pos = in.pos;
		if (ZSTD_isError(rc))
			return corrupt(u, ZSTD_getErrorName(rc), e);
		u->mid_stream = rc != 0; /* 0: a frame is complete */
	}
	return (ssize_t)out.pos;
}

ssize_t unpack_read(struct unpack *u, void *buf, size_t cap, struct err *e)
{
	ssize_t n;
	if (cap == 0)
		return 0;
	switch (u->kind) {
	case UNPACK_GZIP:
		return read_gzip(u, buf, cap, e);
	case UNPACK_XZ:
		return read_xz(u, buf, cap, e);
	case UNPACK_ZSTD:
		return read_zstd(u, buf, cap, e);
	default:
		do
			n = read(u->fd, buf, cap);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot read \"%s\": %s", u->path,
				       strerror(errno));
		return n;
	}
}

void unpack_close(struct unpack *u)
{
	if (!u)
		return;
	if (u->kind == UNPACK_GZIP)
		inflateEnd(&u->z);
	else if (u->kind == UNPACK_XZ)
		lzma_end(&u->x);
	else if (u->kind == UNPACK_ZSTD)
		ZSTD_freeDStream(u->zs);
	free(u->in);
	free(u);
}
