/*
 * sig.c — see sig.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "util/sig.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/fd.h"

static volatile sig_atomic_t received;
static volatile sig_atomic_t last_signal;
static volatile sig_atomic_t signal_count;
static int pipe_fds[2] = {-1, -1};
static atomic_int stop_requested; /* sig_request_stop: a helper thread failed for good */

static const int caught[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

static void on_signal(int signo)
{
	int saved = errno;
	if (!received)
		received = signo;
	last_signal = signo;
	signal_count++;
	if (pipe_fds[1] >= 0) {
		ssize_t ignored = write(pipe_fds[1], "s", 1);
		(void)ignored;
	}
	errno = saved;
}

int sig_install(struct err *e)
{
	struct sigaction sa;
	if (pipe_fds[0] < 0) {
		if (fd_pipe(pipe_fds) < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot create signal pipe: %s",
				       strerror(errno));
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	/* The handler runs with every caught signal blocked: a second one waits
	 * until the first handler returned instead of nesting inside it (where
	 * it could land between the test and the store of the first signal). */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaddset(&sa.sa_mask, caught[i]);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaction(caught[i], &sa, NULL);
	/* A peer closing a socket must be an error, not our death. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

int sig_fd(void) { return pipe_fds[0]; }
int sig_count(void) { return signal_count; }
int sig_last(void) { return last_signal; }
int sig_received(void) { return received; }

static const char *sig_name(int signo)
{
	switch (signo) {
	case SIGTERM:
		return "SIGTERM";
	case SIGINT:
		return "SIGINT";
	case SIGHUP:
		return "SIGHUP";
	case SIGQUIT:
		return "SIGQUIT";
	default:
		return "a signal";
	}
}

int sig_check(struct err *e)
{
	int signo = received;
	if (signo)
		return err_set(e, EXIT_SIGNAL_BASE + signo, "interrupted by %s", sig_name(signo));
	if (atomic_load(&stop_requested))
		return err_set(e, EXIT_FAILURE_GENERIC, "stopped: a wait running beside this one failed");
	return 0;
}

void sig_request_stop(void)
{
	atomic_store(&stop_requested, 1);
	if (pipe_fds[1] >= 0) {
		ssize_t ignored = write(pipe_fds[1], "x", 1);
		(void)ignored;
	}
}

int sig_stop_requested(void) { return atomic_load(&stop_requested); }

int sig_wait_fd(int fd, short events, int64_t deadline, struct err *e)
{
	for (;;) {
		struct pollfd pfd[2] = {{.fd = pipe_fds[0], .events = POLLIN}, {.fd = fd, .events = events}};
		int64_t left;
		int rc;
		if (sig_check(e) < 0)
			return -1;
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		/* at most a second: a signal is noticed even without the pipe */
		rc = poll(pfd, 2, (int)(left > 1000 ? 1000 : left));
		if (rc < 0 && errno != EINTR)
			return 1; /* let the caller find out what is wrong with fd */
		if (rc > 0 && fd >= 0 && pfd[1].revents)
			return 1;
	}
}

int sig_sleep(int64_t ms, struct err *e)
{
	return sig_wait_fd(-1, 0, now_ms() + ms, e) < 0 ? -1 : 0;
}

void sig_reset_for_exec(void)
{
	struct sigaction sa;
	sigset_t none;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int signo = 1; signo <= SIGRTMAX; signo++) {
		if (signo == SIGKILL || signo == SIGSTOP)
			continue;
		sigaction(signo, &sa, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (pipe_fds[0] >= 0) {
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		pipe_fds[0] = pipe_fds[1] = -1;
	}
}
