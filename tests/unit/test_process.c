/* Unit tests: signal handling and --init supervision without a database
 * (docs/reference.md §7.6, §7.8): the handlers do not nest, and a supervisor that
 * cannot start its program leaves the signal mask and the descriptors as it
 * found them. */
#define _POSIX_C_SOURCE 200809L
#include "tap.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "entry/process.h"
#include "util/sig.h"

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *ent;
	if (!d)
		return -1;
	while ((ent = readdir(d)) != NULL)
		if (ent->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int same_mask(const sigset_t *a, const sigset_t *b)
{
	for (int signo = 1; signo < 32; signo++)
		if (sigismember(a, signo) != sigismember(b, signo))
			return 0;
	return 1;
}

/* Each caught signal's handler runs with the other caught signals blocked. */
static void test_handlers_do_not_nest(void)
{
	static const int caught[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
	struct err e = {0};
	CHECK_INT(sig_install(&e), 0);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++) {
		struct sigaction sa;
		CHECK_INT(sigaction(caught[i], NULL, &sa), 0);
		for (size_t j = 0; j < sizeof caught / sizeof caught[0]; j++)
			CHECK(sigismember(&sa.sa_mask, caught[j]) == 1);
	}
}

/* No descriptor left for the report pipe: the error, and the mask and the
 * descriptors as before. */
static void test_supervise_pipe_failure_restores_everything(void)
{
	char prog[] = "true";
	char *argv[] = {prog, NULL};
	struct err e = {0};
	struct rlimit saved, low;
	sigset_t before, after;
	int fds_before, free_fd, rc;

	sigprocmask(SIG_SETMASK, NULL, &before);
	fds_before = open_fds();
	free_fd = dup(0); /* the lowest free descriptor number */
	close(free_fd);
	getrlimit(RLIMIT_NOFILE, &saved);
	low = saved;
	low.rlim_cur = (rlim_t)free_fd; /* no new descriptor at all */
	setrlimit(RLIMIT_NOFILE, &low);
	rc = process_supervise(argv, &e);
	setrlimit(RLIMIT_NOFILE, &saved);
	sigprocmask(SIG_SETMASK, NULL, &after);

	CHECK_INT(rc, -1);
	CHECK_INT(e.code, EXIT_FAILURE_GENERIC);
	CHECK(strncmp(e.msg, "pipe: ", 6) == 0);
	CHECK(same_mask(&before, &after));
	CHECK_INT(open_fds(), fds_before);
}

/* A program that cannot run: 127, and the mask and descriptors as before. */
static void test_supervise_exec_failure_restores_everything(void)
{
	char prog[] = "no-such-program-for-test-process";
	char *argv[] = {prog, NULL};
	struct err e = {0};
	sigset_t before, after;
	int fds_before = open_fds(), rc;

	sigprocmask(SIG_SETMASK, NULL, &before);
	rc = process_supervise(argv, &e);
	sigprocmask(SIG_SETMASK, NULL, &after);
	CHECK_INT(rc, -1);
	CHECK_INT(e.code, EXIT_NOT_FOUND);
	CHECK(same_mask(&before, &after));
	CHECK_INT(open_fds(), fds_before);
}

/* The child's exit status comes back, and nothing is left behind. */
static void test_supervise_returns_the_status(void)
{
	char sh[] = "sh", c[] = "-c", script[] = "exit 7";
	char *argv[] = {sh, c, script, NULL};
	struct err e = {0};
	sigset_t before, after;
	int fds_before = open_fds();

	sigprocmask(SIG_SETMASK, NULL, &before);
	CHECK_INT(process_supervise(argv, &e), 7);
	sigprocmask(SIG_SETMASK, NULL, &after);
	CHECK(same_mask(&before, &after));
	CHECK_INT(open_fds(), fds_before);
}

/* A helper thread's request to stop wakes every wait as a signal does (last:
 * everything after it stops too). */
static void test_stop_request_wakes_waits(void)
{
	struct err e = {0};
	CHECK_INT(sig_check(&e), 0);
	CHECK(!sig_stop_requested());
	sig_request_stop();
	CHECK(sig_stop_requested());
	CHECK_INT(sig_sleep(600 * 1000, &e), -1); /* at once, not in ten minutes */
	CHECK_INT(e.code, EXIT_FAILURE_GENERIC);
	CHECK_INT(sig_received(), 0);
}

int main(void)
{
	RUN(test_handlers_do_not_nest);
	RUN(test_supervise_pipe_failure_restores_everything);
	RUN(test_supervise_exec_failure_restores_everything);
	RUN(test_supervise_returns_the_status);
	RUN(test_stop_request_wakes_waits);
	return tap_done();
}
