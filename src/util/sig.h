/*
 * sig.h — signals while the tool works (docs/reference.md §7.6): SIGTERM, SIGINT, SIGHUP
 * and SIGQUIT are caught (as PID 1 they would otherwise be ignored), noted,
 * and announced on a self-pipe so that every wait (poll on a libpq socket,
 * a backoff sleep) wakes at once.  The work then cancels its query, rolls
 * back and exits with 128+N.
 */
#ifndef MIGRATE_SIG_H
#define MIGRATE_SIG_H

#include <stdint.h>

#include "util/err.h"

/* Install the handlers and create the self-pipe (close-on-exec). */
int sig_install(struct err *e);

/* The pipe's read end, to include in poll() sets; -1 before sig_install. */
int sig_fd(void);

/* How many caught signals the handler has seen, and the latest one: for a
 * supervisor that normally collects signals with sigtimedwait but must not
 * lose one the handler took instead. */
int sig_count(void);
int sig_last(void);

/* The first terminating signal received, or 0. */
int sig_received(void);

/* If a signal was received, set e to "interrupted by SIGTERM" with code
 * 128+N and return -1; else, after sig_request_stop, set e to a generic
 * "stopped" error (EXIT_FAILURE_GENERIC) and return -1; else return 0. */
int sig_check(struct err *e);

/* For a helper thread whose failure ends the run (a service whose
 * certificate cannot be trusted, wait/services.h): every wait of the other
 * threads wakes and fails as on a signal, but with the generic error of
 * sig_check; whoever started the helper reports the helper's own error.
 * Callable from any thread (not from a signal handler). */
void sig_request_stop(void);

/* Whether sig_request_stop was called. */
int sig_stop_requested(void);

/* Wait until fd (-1: none) is ready for events, the deadline (now_ms()
 * clock) passes or a signal arrives: 1 when fd is ready (or poll failed on
 * it: the caller's next call on fd says why), 0 at the deadline, -1 with e
 * set by sig_check on a signal. */
int sig_wait_fd(int fd, short events, int64_t deadline, struct err *e);

/* Sleep up to ms milliseconds, waking early on a signal: returns 0 after a
 * full sleep, -1 (e set by sig_check) on a signal. */
int sig_sleep(int64_t ms, struct err *e);

/* Before exec: every signal back to SIG_DFL, the mask emptied, the pipe
 * closed.  Async-signal-safe (usable in a forked child). */
void sig_reset_for_exec(void);

#endif
