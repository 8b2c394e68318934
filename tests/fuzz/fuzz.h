/*
 * fuzz.h — what the libFuzzer targets of tests/fuzz share: the entry points'
 * prototypes (the build has -Wmissing-prototypes), FUZZ_CHECK, which aborts
 * with the broken invariant named (so libFuzzer keeps the input as a
 * crash), and copies of the input that let no read past its end go unseen.
 */
#ifndef MIGRATE_FUZZ_H
#define MIGRATE_FUZZ_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS */
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, what)                                                          \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, \
				__LINE__, what, #cond);                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* n bytes of heap, exactly (at least one byte is allocated). */
static inline char *fuzz_alloc(size_t n)
{
	char *s = malloc(n ? n : 1);
	if (!s)
		abort();
	return s;
}

/* A NUL-terminated heap copy of the input, exactly size + 1 bytes. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = fuzz_alloc(size + 1);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An exact-size heap copy (no terminator: AddressSanitizer sees a read past
 * the end). */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *s = fuzz_alloc(size);
	if (size)
		memcpy(s, data, size);
	return s;
}

/* A copy of the input that ends right before an inaccessible page: a read
 * past its end faults even in code AddressSanitizer does not instrument
 * (libc's strtoull, for one).  Release with fuzz_unguard. */
struct fuzz_guarded {
	char *map;
	size_t maplen;
};

static inline char *fuzz_guarded(const uint8_t *data, size_t size, struct fuzz_guarded *g)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (size + page - 1) / page * page;
	g->maplen = body + page;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED || mprotect(g->map + body, page, PROT_NONE) < 0)
		abort();
	if (size)
		memcpy(g->map + body - size, data, size);
	return g->map + body - size;
}

static inline void fuzz_unguard(struct fuzz_guarded *g)
{
	munmap(g->map, g->maplen);
}

#endif
