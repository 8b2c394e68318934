/*
 * lookup.c — see lookup.h.
 *
 * Who frees a lookup is decided under its mutex: the helper sets done when
 * its result is stored, the waiter sets abandoned when it leaves.  Whoever
 * comes second frees: the helper if it finds abandoned set (the waiter has
 * detached it), the waiter if it finds done set (it joins first).
 */
#define _POSIX_C_SOURCE 200809L
#include "wait/lookup.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/fd.h"
#include "wait/waitsys.h"

struct lookup {
	pthread_mutex_t mu;
	pthread_t thread;
	int done;      /* the helper has stored its result */
	int abandoned; /* the waiter has gone; the helper frees */
	int rc;        /* getaddrinfo's result */
	int sys_errno; /* errno for EAI_SYSTEM */
	struct addrinfo *res;
	int pipe_fds[2];
	char *host;
	char port[6];
};

static void lookup_free(struct lookup *l)
{
	if (l->res)
		freeaddrinfo(l->res);
	if (l->pipe_fds[0] >= 0)
		close(l->pipe_fds[0]);
	if (l->pipe_fds[1] >= 0)
		close(l->pipe_fds[1]);
	pthread_mutex_destroy(&l->mu);
	free(l->host);
	free(l);
}

static void *lookup_main(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo hints, *res = NULL;
	int rc, abandoned;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(l->host, l->port, &hints, &res);

	pthread_mutex_lock(&l->mu);
	l->rc = rc;
	l->sys_errno = errno;
	l->res = rc == 0 ? res : NULL;
	l->done = 1;
	abandoned = l->abandoned;
	pthread_mutex_unlock(&l->mu);

	if (abandoned) {
		lookup_free(l);
	} else {
		ssize_t ignored = write(l->pipe_fds[1], "x", 1);
		(void)ignored;
	}
	return NULL;
}

struct lookup *lookup_start(const char *host, const char *port)
{
	struct lookup *l = calloc(1, sizeof *l);
	int rc;

	if (!l)
		return NULL;
	l->pipe_fds[0] = l->pipe_fds[1] = -1;
	pthread_mutex_init(&l->mu, NULL);
	snprintf(l->port, sizeof l->port, "%s", port);
	l->host = strdup(host);
	if (!l->host || fd_pipe(l->pipe_fds) < 0) {
		int saved = errno;
		lookup_free(l);
		errno = saved;
		return NULL;
	}
	rc = pthread_create(&l->thread, NULL, lookup_main, l);
	if (rc != 0) {
		lookup_free(l);
		errno = rc;
		return NULL;
	}
	return l;
}

int lookup_fd(const struct lookup *l) { return l->pipe_fds[0]; }

int lookup_finish(struct lookup *l, struct addrinfo **res, char *why, size_t cap)
{
	int rc;

	pthread_join(l->thread, NULL);
	rc = l->rc;
	*res = l->res;
	l->res = NULL;
	if (rc == EAI_SYSTEM) {
		waitsys_strerror(l->sys_errno, why, cap);
	} else if (rc != 0) {
		snprintf(why, cap, "%s", gai_strerror(rc));
		waitsys_lower_first(why);
	}
	lookup_free(l);
	return rc == 0 ? 0 : -1;
}

void lookup_abandon(struct lookup *l)
{
	pthread_t thread = l->thread;
	int done;
	pthread_mutex_lock(&l->mu);
	done = l->done;
	if (!done)
		l->abandoned = 1;
	pthread_mutex_unlock(&l->mu);
	if (done) {
		pthread_join(thread, NULL);
		lookup_free(l);
	} else {
		/* From here on l belongs to the helper (it may be gone already):
		 * only the thread id, copied above, may still be used. */
		pthread_detach(thread);
	}
}
