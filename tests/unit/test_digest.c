/* Unit tests: SHA-256 as hex (util/digest.h), one-shot, streamed, and one context reused
 * for many inputs (digest_next), as the migrations directory is read. */
#include "tap.h"

#include <string.h>

#include "util/digest.h"

/* sha256sum of "" and of "abc" */
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_one_shot(void)
{
	char hex[DIGEST_HEX_LEN + 1];
	CHECK_STR(digest_hex("", 0, hex), SHA_EMPTY);
	CHECK_STR(digest_hex("abc", 3, hex), SHA_ABC);
}

static void test_streamed(void)
{
	char hex[DIGEST_HEX_LEN + 1];
	struct digest *d = digest_new();
	CHECK(d != NULL);
	digest_update(d, "a", 1);
	digest_update(d, "bc", 2);
	digest_finish(d, hex);
	CHECK_STR(hex, SHA_ABC);
}

static void test_next_starts_again(void)
{
	const char *inputs[] = {"abc", "", "abc", "-- revision: a\n"};
	char hex[DIGEST_HEX_LEN + 1], want[DIGEST_HEX_LEN + 1];
	struct digest *d = digest_new();
	CHECK(d != NULL);
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		digest_update(d, inputs[i], strlen(inputs[i]));
		digest_next(d, hex);
		CHECK_STR(hex, digest_hex(inputs[i], strlen(inputs[i]), want));
	}
	digest_free(d);
	digest_next(NULL, hex); /* no memory: "" */
	CHECK_STR(hex, "");
}

int main(void)
{
	RUN(test_one_shot);
	RUN(test_streamed);
	RUN(test_next_starts_again);
	return tap_done();
}
