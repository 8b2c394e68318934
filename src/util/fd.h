/*
 * fd.h — descriptors set up for a poll loop: non-blocking, and
 * close-on-exec so that none of ours leaks into the application we exec.
 */
#ifndef MIGRATE_FD_H
#define MIGRATE_FD_H

/* Make fd non-blocking and close-on-exec.  0, or -1 with errno set. */
int fd_nonblock_cloexec(int fd);

/* A pipe with both ends non-blocking and close-on-exec.  0, or -1 with
 * errno set and nothing left open (fds[] = -1). */
int fd_pipe(int fds[2]);

#endif
