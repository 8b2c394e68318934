/*
 * digest.h — SHA-256 of file contents (OpenSSL's EVP), as lowercase hex,
 * for the bookkeeping tables (changed-file detection).
 */
#ifndef MIGRATE_DIGEST_H
#define MIGRATE_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_LEN 64

struct digest; /* incremental, for streamed files */

struct digest *digest_new(void);
void digest_update(struct digest *d, const void *data, size_t len);
/* Write 64 hex digits and a NUL to hex ("" if d is NULL: no memory);
 * frees d. */
void digest_finish(struct digest *d, char hex[DIGEST_HEX_LEN + 1]);

/* The same without freeing d: it starts again, for the next file (one
 * context for a thousand files).  Free it with digest_free. */
void digest_next(struct digest *d, char hex[DIGEST_HEX_LEN + 1]);
void digest_free(struct digest *d);

/* One-shot.  Returns hex. */
char *digest_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN + 1]);

#endif
