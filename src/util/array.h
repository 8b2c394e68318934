/*
 * array.h — growing an array one element at a time: the one place that
 * decides how capacity grows and checks the size for overflow.
 */
#ifndef MIGRATE_ARRAY_H
#define MIGRATE_ARRAY_H

#include <stddef.h>

/* Make the array *(T **)array, of capacity *cap elements of elem bytes,
 * hold at least need elements (capacity doubles, from 8).  Returns 0, or
 * -1 on no memory with the array and *cap unchanged.  Reallocates: pointers
 * into the old array are invalid afterwards.  Use:
 *     if (array_reserve(&l->v, &l->cap, l->n + 1, sizeof *l->v) < 0) … */
int array_reserve(void *array, size_t *cap, size_t need, size_t elem);

#endif
