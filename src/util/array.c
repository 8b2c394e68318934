/*
 * array.c — see array.h.
 */
#include "util/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_reserve(void *array, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 8;
	void *old, *grown;
	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	if (n > SIZE_MAX / elem)
		return -1;
	/* the pointer is read and written as bytes: *array is a T *, not a void * */
	memcpy(&old, array, sizeof old);
	grown = realloc(old, n * elem);
	if (!grown)
		return -1;
	memcpy(array, &grown, sizeof grown);
	*cap = n;
	return 0;
}
