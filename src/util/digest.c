/*
 * digest.c — see digest.h.
 */
#include "util/digest.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

/* SHA-256 fetched from OpenSSL's provider once: EVP_sha256() in
 * EVP_DigestInit_ex fetches it again for every digest, which cost more
 * than hashing a thousand small revision files. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void) { sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); }

struct digest {
	EVP_MD_CTX *ctx;
};

struct digest *digest_new(void)
{
	struct digest *d = malloc(sizeof *d);
	if (!d)
		return NULL;
	pthread_once(&sha256_once, fetch_sha256);
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, sha256 ? sha256 : EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(d->ctx);
		free(d);
		return NULL;
	}
	return d;
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	if (d)
		EVP_DigestUpdate(d->ctx, data, len);
}

/* hex of what d was fed ("" when d is NULL); d is left finalised */
static void write_hex(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	hex[0] = '\0';
	if (!d || EVP_DigestFinal_ex(d->ctx, md, &n) != 1)
		return;
	for (unsigned int i = 0; i < n && i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * (n < 32 ? n : 32)] = '\0';
}

void digest_free(struct digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

void digest_finish(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	write_hex(d, hex);
	digest_free(d);
}

void digest_next(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	write_hex(d, hex);
	if (d && EVP_DigestInit_ex(d->ctx, sha256 ? sha256 : EVP_sha256(), NULL) != 1)
		hex[0] = '\0';
}

char *digest_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN + 1])
{
	struct digest *d = digest_new();
	digest_update(d, data, len);
	digest_finish(d, hex);
	return hex;
}
