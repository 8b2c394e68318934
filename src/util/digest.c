/*
 * digest.c — see digest.h.
 */
#include "util/digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

struct digest {
	EVP_MD_CTX *ctx;
};

struct digest *digest_new(void)
{
	struct digest *d = malloc(sizeof *d);
	if (!d)
		return NULL;
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
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

void digest_finish(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	hex[0] = '\0';
	if (!d)
		return;
	if (EVP_DigestFinal_ex(d->ctx, md, &n) == 1)
		for (unsigned int i = 0; i < n && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

char *digest_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN + 1])
{
	struct digest *d = digest_new();
	digest_update(d, data, len);
	digest_finish(d, hex);
	return hex;
}
