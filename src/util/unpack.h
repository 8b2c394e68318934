/*
 * unpack.h — read a file, decompressing it on the way when its name says
 * it is compressed: NAME.gz (gzip, zlib), NAME.xz (xz, liblzma), NAME.zst
 * (Zstandard, libzstd) — the set the official postgres image runs from
 * docker-entrypoint-initdb.d.  Concatenated streams are read to the end,
 * as gunzip, xz -d and zstd -d read them.  Memory is bounded: one input
 * chunk and the codec's window.
 */
#ifndef MIGRATE_UNPACK_H
#define MIGRATE_UNPACK_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

enum unpack_kind { UNPACK_NONE, UNPACK_GZIP, UNPACK_XZ, UNPACK_ZSTD };

/* What the name's last suffix says (".gz", ".xz", ".zst"). */
enum unpack_kind unpack_kind_of(const char *path);

/* Whether name ends in suffix (".sql") or in suffix followed by one of
 * the compressed suffixes (".sql.gz", ".sql.xz", ".sql.zst"). */
int unpack_has_suffix(const char *name, const char *suffix);

struct unpack;

/* Read fd (borrowed: the caller closes it) through the codec of kind;
 * path names the file in errors.  NULL with e set when out of memory. */
struct unpack *unpack_open(int fd, enum unpack_kind kind, const char *path, struct err *e);

/* Up to cap decompressed bytes into buf: the count, 0 at the end of the
 * data, -1 with e set on a read error or corrupt or truncated data
 * (EXIT_SQL, naming the file). */
ssize_t unpack_read(struct unpack *u, void *buf, size_t cap, struct err *e);

void unpack_close(struct unpack *u);

#endif
