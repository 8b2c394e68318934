/*
 * waitsys.c — see waitsys.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "wait/waitsys.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void waitsys_lower_first(char *s)
{
	if (isupper((unsigned char)s[0]) && islower((unsigned char)s[1]))
		s[0] = (char)tolower((unsigned char)s[0]);
}

const char *waitsys_strerror(int errnum, char *buf, size_t cap)
{
	if (strerror_r(errnum, buf, cap) != 0)
		snprintf(buf, cap, "error %d", errnum);
	waitsys_lower_first(buf);
	return buf;
}
