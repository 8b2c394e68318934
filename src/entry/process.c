/*
 * process.c — see process.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "entry/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "entry/conceal.h"
#include "util/log.h"
#include "util/sig.h"

#define FD_TRACK_MAX 1024

static unsigned char inherited[FD_TRACK_MAX / 8];
static int inherited_known;

static void mark(int fd) { inherited[fd / 8] |= (unsigned char)(1u << (fd % 8)); }
static int is_inherited(int fd)
{
	return fd < FD_TRACK_MAX && (inherited[fd / 8] & (1u << (fd % 8)));
}

void process_note_inherited_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *ent;
		int self = dirfd(d);
		while ((ent = readdir(d)) != NULL) {
			int fd = atoi(ent->d_name);
			if (ent->d_name[0] != '.' && fd != self && fd < FD_TRACK_MAX)
				mark(fd);
		}
		closedir(d);
	} else {
		for (int fd = 0; fd < FD_TRACK_MAX; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				mark(fd);
	}
	inherited_known = 1;
}

/* Mark close-on-exec every descriptor >= 3 that we opened ourselves. */
static void close_own_fds(void)
{
	DIR *d;
	if (!inherited_known)
		return;
	d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *ent;
		while ((ent = readdir(d)) != NULL) {
			int fd = atoi(ent->d_name);
			if (ent->d_name[0] == '.' || fd < 3 || is_inherited(fd))
				continue;
			int flags = fcntl(fd, F_GETFD);
			if (flags >= 0)
				fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
		}
		closedir(d); /* opendir's own descriptor is close-on-exec */
	} else {
		for (int fd = 3; fd < FD_TRACK_MAX; fd++)
			if (!is_inherited(fd)) {
				int flags = fcntl(fd, F_GETFD);
				if (flags >= 0)
					fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
			}
	}
}

static int exec_failure(const char *prog, int errnum, struct err *e)
{
	if (errnum == ENOENT)
		return err_set(e, EXIT_NOT_FOUND, "cannot run \"%s\": command not found", prog);
	return err_set(e, EXIT_NOT_EXECUTABLE, "cannot run \"%s\": %s", prog, strerror(errnum));
}

int process_exec(char **argv, struct err *e)
{
	int errnum;
	/* A stop request that came after the last step must not start the app. */
	if (sig_check(e) < 0)
		return -1;
	close_own_fds();
	conceal_environment();
	fflush(stdout);
	fflush(stderr);
	sig_reset_for_exec();
	execvp(argv[0], argv);
	errnum = errno;
	sig_install(e); /* back to our handlers for the exit path */
	return exec_failure(argv[0], errnum, e);
}

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

/* Orphans of the program are reparented to the nearest subreaper, else to
 * PID 1: unless we are PID 1, become that subreaper (as `tini -s`), so
 * that they are ours to reap. */
static void become_subreaper(void)
{
#ifdef PR_SET_CHILD_SUBREAPER
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) < 0)
		log_warn("cannot become a child subreaper: %s (orphans of the program are not "
			 "reaped here)",
			 strerror(errno));
#endif
}

/* The child's side of the fork: its own process group (and the terminal's
 * foreground), default signals, exec.  A failed exec sends errno through
 * report (close-on-exec: closed by a successful exec). */
static void child_exec(char **argv, int report)
{
	int errnum;
	setpgid(0, 0);
	if (isatty(STDIN_FILENO)) {
		signal(SIGTTOU, SIG_IGN);
		tcsetpgrp(STDIN_FILENO, getpgrp());
	}
	sig_reset_for_exec();
	execvp(argv[0], argv);
	errnum = errno;
	if (write(report, &errnum, sizeof errnum) < 0)
		_exit(EXIT_NOT_EXECUTABLE);
	_exit(errnum == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
}

/* Fork and exec argv; 0 with *child once the exec succeeded, -1 with e when
 * the pipe, the fork or the exec failed (the child then reaped).  Both
 * ends of the pipe are closed on every path. */
static int start_child(char **argv, pid_t *child, struct err *e)
{
	int report[2];
	int errnum;
	ssize_t n;

	if (pipe(report) < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "pipe: %s", strerror(errno));
	fcntl(report[0], F_SETFD, FD_CLOEXEC);
	fcntl(report[1], F_SETFD, FD_CLOEXEC);
	close_own_fds();
	conceal_environment(); /* the supervisor needs none of it either */
	fflush(stdout);
	fflush(stderr);
	*child = fork();
	if (*child < 0) {
		int saved = errno;
		close(report[0]);
		close(report[1]);
		return err_set(e, EXIT_FAILURE_GENERIC, "fork: %s", strerror(saved));
	}
	if (*child == 0)
		child_exec(argv, report[1]);
	close(report[1]);
	do
		n = read(report[0], &errnum, sizeof errnum);
	while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n == (ssize_t)sizeof errnum) {
		waitpid(*child, NULL, 0);
		return exec_failure(argv[0], errnum, e);
	}
	return 0;
}

/* Forward signals and reap until the child exits; its wait status. */
static int supervise_child(const char *name, pid_t child, const sigset_t *set)
{
	int status = 0, child_done = 0;
	int seen = sig_count();

	log_debug("supervising %s as pid %ld", name, (long)child);
	while (!child_done) {
		siginfo_t info;
		struct timespec tick = {0, 200 * 1000 * 1000};
		int signo = sigtimedwait(set, &info, &tick);
		if (signo > 0 && signo != SIGCHLD) {
			log_debug("forwarding signal %d to pid %ld", signo, (long)child);
			kill(child, signo);
		}
		/* A signal our handler caught instead (one that arrived while it
		 * was not blocked in some thread) is forwarded too. */
		if (sig_count() != seen) {
			seen = sig_count();
			kill(child, sig_last());
		}
		/* Reap everything: our child and any orphans reparented to us. */
		for (;;) {
			int st;
			pid_t pid = waitpid(-1, &st, WNOHANG);
			if (pid <= 0)
				break;
			if (pid == child) {
				status = st;
				child_done = 1;
			}
		}
	}
	return status;
}

int process_supervise(char **argv, struct err *e)
{
	sigset_t set, old;
	pid_t child = -1;
	int status, rc;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* From here on, every path restores the mask. */
	become_subreaper();
	if (sig_check(e) < 0 || start_child(argv, &child, e) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	status = supervise_child(argv[0], child, &set);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		rc = EXIT_SIGNAL_BASE + WTERMSIG(status);
	else
		rc = EXIT_FAILURE_GENERIC;
	return rc;
}
