/*
 * waitsys.c — see waitsys.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "wait/waitsys.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int waitsys_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int waitsys_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	if (waitsys_nonblock(fds[0]) < 0 || waitsys_nonblock(fds[1]) < 0) {
		int saved = errno;
		close(fds[0]);
		close(fds[1]);
		fds[0] = fds[1] = -1;
		errno = saved;
		return -1;
	}
	return 0;
}

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
