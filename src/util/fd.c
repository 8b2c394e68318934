/*
 * fd.c — see fd.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "util/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int fd_nonblock_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int fd_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	if (fd_nonblock_cloexec(fds[0]) < 0 || fd_nonblock_cloexec(fds[1]) < 0) {
		int saved = errno;
		close(fds[0]);
		close(fds[1]);
		fds[0] = fds[1] = -1;
		errno = saved;
		return -1;
	}
	return 0;
}
