/*
 * services.c — see services.h.
 *
 * One background thread runs an event loop over every service at once: a
 * service is idle (waiting for its next attempt), resolving (a helper
 * thread runs getaddrinfo), connecting (a non-blocking socket), in an HTTP
 * request (a curl easy handle in the multi handle) or ready.  Each round
 * polls the sockets, the lookup pipes, the signal pipe and our own cancel
 * pipe together — through curl_multi_poll when there are HTTP services, so
 * that curl's sockets are part of the same wait — and sleeps no longer than
 * the next thing due: a retry, a connect timeout, a progress line, the
 * deadline.  The attempts themselves are probe.c's and lookup.c's; this
 * file decides when they start, what their outcome means for the service
 * and what is logged.
 */
#define _POSIX_C_SOURCE 200809L
#include "wait/services.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/backoff.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/sig.h"
#include "util/thread.h"
#include "wait/lookup.h"
#include "wait/probe.h"
#include "wait/svcurl.h"
#include "wait/waitsys.h"

#define LOG_EVERY_MS 5000       /* a progress line per awaited service */
#define LAST_ERROR_MAX 256

/* ---------------------------------------------------------------------- */
/* Text for the log and the messages                                       */

/* Elapsed time for humans: "0.4s", "12.3s", then duration_format's "1m5s". */
static char *fmt_elapsed(int64_t ms, char *buf, size_t cap)
{
	if (ms < 0)
		ms = 0;
	if (ms < 60 * 1000)
		snprintf(buf, cap, "%lld.%llds", (long long)(ms / 1000),
			 (long long)(ms % 1000 / 100));
	else
		duration_format(ms, buf, cap);
	return buf;
}

/* A configured timeout: rounded to 100 ms, "30s" rather than "30.0s". */
static char *fmt_timeout(int64_t ms, char *buf, size_t cap)
{
	ms = (ms + 50) / 100 * 100;
	if (ms > 0 && ms < 60 * 1000 && ms % 1000 == 0)
		snprintf(buf, cap, "%llds", (long long)(ms / 1000));
	else
		fmt_elapsed(ms, buf, cap);
	return buf;
}

/* Append printf output to the string buf of capacity cap (truncating). */
static void appendf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	if (len + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------- */
/* The services and their state                                            */

enum svc_state { ST_IDLE, ST_RESOLVING, ST_CONNECTING, ST_HTTP, ST_READY };

struct service {
	const struct svcurl *u; /* the URL, in s->urls */

	enum svc_state state;
	struct backoff bo;
	int64_t next_attempt;  /* ST_IDLE: when to try again */
	int64_t step_deadline; /* ST_CONNECTING: give up on this address */
	int64_t next_log;      /* next progress line */
	int64_t ready_after;   /* ms from the start until ready, -1 */
	char last_error[LAST_ERROR_MAX];

	struct lookup *lookup;  /* ST_RESOLVING */
	struct addrinfo *addrs; /* ST_CONNECTING (tcp): the addresses */
	struct addrinfo *next_addr;
	int fd;      /* ST_CONNECTING */
	CURL *easy;  /* ST_HTTP */
	char curl_error[CURL_ERROR_SIZE];
	int pollidx; /* this round's index in the poll set, -1 */
};

struct services {
	struct svcurl_list urls;
	struct service *v; /* one per URL, in the same order */
	size_t n_http;     /* how many of them are http(s) */

	int64_t start, deadline;
	pthread_t thread;
	int started, joined, curl_inited;
	int wake_fds[2]; /* services_cancel → thread */
	CURLM *multi;

	char *ca_file, *ca_dir; /* services_set_ca; NULL: libcurl's default */

	int rc;          /* the thread's outcome */
	int interrupted; /* the thread saw the signal pipe readable */
	int fatal;       /* a service failed for good (its certificate) */
	struct err result;
	char *summary;
};

void services_free(struct services *s)
{
	if (!s)
		return;
	if (s->started && !s->joined) {
		struct err ignored;
		services_cancel(s);
		services_finish(s, &ignored);
	}
	if (s->multi)
		curl_multi_cleanup(s->multi);
	if (s->curl_inited)
		curl_global_cleanup();
	for (int i = 0; i < 2; i++)
		if (s->wake_fds[i] >= 0)
			close(s->wake_fds[i]);
	svcurl_list_release(&s->urls);
	free(s->v);
	free(s->summary);
	free(s->ca_file);
	free(s->ca_dir);
	free(s);
}

int services_parse(const char *list, struct services **out, struct err *e)
{
	struct svcurl_list urls;
	struct services *s;

	*out = NULL;
	if (svcurl_list_parse(list, SERVICES_MAX, &urls, e) < 0)
		return -1;
	if (urls.n == 0)
		return 0;
	s = calloc(1, sizeof *s);
	if (s)
		s->v = calloc(urls.n, sizeof *s->v);
	if (!s || !s->v) {
		free(s);
		svcurl_list_release(&urls);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	s->urls = urls;
	s->wake_fds[0] = s->wake_fds[1] = -1;
	for (size_t i = 0; i < s->urls.n; i++) {
		struct service *v = &s->v[i];
		v->u = &s->urls.v[i];
		v->fd = -1;
		v->ready_after = -1;
		if (v->u->kind == SVCURL_HTTP)
			s->n_http++;
	}
	*out = s;
	return 0;
}

size_t services_count(const struct services *s) { return s ? s->urls.n : 0; }

/* A CA file must be a readable file, a CA directory an openable one. */
static int check_ca(const char *path, int is_dir, const char *what, const char *where,
		    struct err *e)
{
	char buf[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC | (is_dir ? O_DIRECTORY : 0));
	struct stat st;
	int err = 0;

	if (fd < 0)
		err = errno;
	else if (fstat(fd, &st) < 0)
		err = errno;
	else if (!is_dir && S_ISDIR(st.st_mode))
		err = EISDIR;
	if (fd >= 0)
		close(fd);
	if (!err)
		return 0;
	if (where)
		return err_set(e, EXIT_CONFIG, "%s \"%s\" (%s): %s", what, path, where,
			       waitsys_strerror(err, buf, sizeof buf));
	return err_set(e, EXIT_CONFIG, "%s \"%s\": %s", what, path,
		       waitsys_strerror(err, buf, sizeof buf));
}

/* Keep a copy of path in *slot. */
static int keep(char **slot, const char *path, struct err *e)
{
	free(*slot);
	*slot = path ? strdup(path) : NULL;
	if (path && !*slot)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	return 0;
}

int services_set_ca(struct services *s, const char *ca_cert, const char *where, struct err *e)
{
	const char *file = NULL, *dir = NULL, *bundle;
	int https = 0;

	for (size_t i = 0; s && i < s->urls.n; i++)
		if (strncasecmp(s->urls.v[i].url, "https://", 8) == 0)
			https = 1;
	if (ca_cert && ca_cert[0]) {
		if (check_ca(ca_cert, 0, "wait.ca_cert", where, e) < 0)
			return -1;
		file = ca_cert;
	} else if (https) {
		/* as curl(1) reads them */
		bundle = getenv("CURL_CA_BUNDLE");
		if (bundle && bundle[0]) {
			file = bundle;
			if (check_ca(file, 0, "CURL_CA_BUNDLE", NULL, e) < 0)
				return -1;
		} else {
			file = getenv("SSL_CERT_FILE");
			dir = getenv("SSL_CERT_DIR");
			if (file && !file[0])
				file = NULL;
			if (dir && !dir[0])
				dir = NULL;
			if (file && check_ca(file, 0, "SSL_CERT_FILE", NULL, e) < 0)
				return -1;
			if (dir && check_ca(dir, 1, "SSL_CERT_DIR", NULL, e) < 0)
				return -1;
		}
	}
	if (!s)
		return 0;
	if (keep(&s->ca_file, file, e) < 0 || keep(&s->ca_dir, dir, e) < 0)
		return -1;
	if (file || dir)
		log_debug("https services are verified with %s%s%s", file ? file : "",
			  file && dir ? " and " : "", dir ? dir : "");
	return 0;
}

int services_failed(const struct services *s) { return s && s->fatal; }

const char *services_name(const struct services *s, size_t i)
{
	return s && i < s->urls.n ? s->urls.v[i].shown : NULL;
}

/* ---------------------------------------------------------------------- */
/* Attempts                                                                */

static void set_error(struct service *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct service *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->last_error, sizeof v->last_error, fmt, ap);
	va_end(ap);
	waitsys_lower_first(v->last_error);
}

/* Release whatever the current attempt holds. */
static void attempt_release(struct services *s, struct service *v)
{
	if (v->fd >= 0) {
		close(v->fd);
		v->fd = -1;
	}
	if (v->lookup) {
		lookup_abandon(v->lookup);
		v->lookup = NULL;
	}
	if (v->addrs) {
		freeaddrinfo(v->addrs);
		v->addrs = v->next_addr = NULL;
	}
	if (v->easy) {
		curl_multi_remove_handle(s->multi, v->easy);
		curl_easy_cleanup(v->easy);
		v->easy = NULL;
	}
}

static void attempt_failed(struct services *s, struct service *v, int64_t now)
{
	attempt_release(s, v);
	v->state = ST_IDLE;
	v->next_attempt = now + backoff_next(&v->bo, now, s->deadline);
}

static void mark_ready(struct services *s, struct service *v, int64_t now)
{
	char took[32];
	attempt_release(s, v);
	v->state = ST_READY;
	v->ready_after = now - s->start;
	log_debug("%s is ready (%s)", v->u->shown, fmt_elapsed(v->ready_after, took, sizeof took));
}

/* A connect started by probe_connect_*: ready, in progress or failed. */
static void connect_started(struct services *s, struct service *v, int rc, const char *why,
			    int64_t now)
{
	if (why[0])
		set_error(v, "%s", why);
	if (rc == 1) {
		mark_ready(s, v, now);
	} else if (rc == 0) {
		v->state = ST_CONNECTING;
		v->step_deadline = now + PROBE_CONNECT_MS;
	} else {
		attempt_failed(s, v, now);
	}
}

/* Try the remaining addresses of a tcp service in turn. */
static void tcp_connect_next(struct services *s, struct service *v, int64_t now)
{
	char why[LAST_ERROR_MAX];
	int rc = probe_connect_next(&v->next_addr, &v->fd, why, sizeof why);
	connect_started(s, v, rc, why, now);
}

static void unix_start(struct services *s, struct service *v, int64_t now)
{
	char why[LAST_ERROR_MAX];
	int rc = probe_connect_unix(v->u->path, &v->fd, why, sizeof why);
	connect_started(s, v, rc, why, now);
}

static void http_start(struct services *s, struct service *v, int64_t now)
{
	char why[LAST_ERROR_MAX];
	struct probe_ca ca = {s->ca_file, s->ca_dir};

	v->easy = probe_http_new(v->u->url, &ca, s->deadline - now, v->curl_error, why, sizeof why);
	if (!v->easy) {
		set_error(v, "%s", why);
		attempt_failed(s, v, now);
		return;
	}
	if (curl_multi_add_handle(s->multi, v->easy) != CURLM_OK) {
		curl_easy_cleanup(v->easy);
		v->easy = NULL;
		set_error(v, "cannot start the HTTP request");
		attempt_failed(s, v, now);
		return;
	}
	v->state = ST_HTTP;
}

/* A certificate that cannot be trusted: the whole wait fails now, with
 * exit 3 as for PostgreSQL's certificate errors. */
static void http_fatal(struct services *s, struct service *v)
{
	if (s->fatal)
		return; /* the first one is the one reported */
	s->fatal = 1;
	err_set(&s->result, EXIT_CONFIG, "%s: %s", v->u->shown, v->last_error);
	err_hint(&s->result,
		 "give the CA certificate that signed the service's certificate with wait.ca_cert "
		 "(MIGRATE_WAIT_CA_CERT), CURL_CA_BUNDLE or SSL_CERT_FILE");
}

static void http_done(struct services *s, struct service *v, CURLcode result, int64_t now)
{
	char why[LAST_ERROR_MAX];
	int rc = probe_http_result(v->easy, result, v->curl_error, why, sizeof why);

	if (rc == 0) {
		mark_ready(s, v, now);
		return;
	}
	set_error(v, "%s", why);
	if (rc == -2)
		http_fatal(s, v);
	attempt_failed(s, v, now);
}

static void attempt_start(struct services *s, struct service *v, int64_t now)
{
	char buf[128];
	switch (v->u->kind) {
	case SVCURL_TCP:
		v->lookup = lookup_start(v->u->host, v->u->port);
		if (!v->lookup) {
			set_error(v, "cannot start a name lookup: %s",
				  waitsys_strerror(errno, buf, sizeof buf));
			attempt_failed(s, v, now);
			return;
		}
		v->state = ST_RESOLVING;
		return;
	case SVCURL_UNIX:
		unix_start(s, v, now);
		return;
	case SVCURL_HTTP:
		http_start(s, v, now);
		return;
	}
}

/* The lookup pipe became readable. */
static void on_resolved(struct services *s, struct service *v, int64_t now)
{
	struct addrinfo *res = NULL;
	char why[LAST_ERROR_MAX];
	int rc = lookup_finish(v->lookup, &res, why, sizeof why);

	v->lookup = NULL;
	if (rc < 0) {
		set_error(v, "cannot resolve \"%s\": %s", v->u->host, why);
		attempt_failed(s, v, now);
		return;
	}
	v->addrs = v->next_addr = res;
	tcp_connect_next(s, v, now);
}

/* The connecting socket reported an event or its time ran out. */
static void on_connect_event(struct services *s, struct service *v, int64_t now, int timed_out)
{
	char why[LAST_ERROR_MAX];

	if (timed_out) {
		set_error(v, "connect timed out");
	} else if (probe_connect_result(v->fd, why, sizeof why) == 0) {
		mark_ready(s, v, now);
		return;
	} else {
		set_error(v, "%s", why);
	}
	close(v->fd);
	v->fd = -1;
	if (v->u->kind == SVCURL_TCP)
		tcp_connect_next(s, v, now);
	else
		attempt_failed(s, v, now);
}

/* The last error, or what the attempt under way is doing. */
static const char *service_status(const struct service *v)
{
	if (v->last_error[0])
		return v->last_error;
	switch (v->state) {
	case ST_RESOLVING:
		return "name lookup did not finish";
	case ST_CONNECTING:
		return "connect did not complete";
	case ST_HTTP:
		return "no answer yet";
	default:
		return "not tried yet";
	}
}

/* ---------------------------------------------------------------------- */
/* The loop                                                                */

/* Start due attempts, time out slow connects, log progress. */
static void advance(struct services *s, int64_t now)
{
	char took[32];
	for (size_t i = 0; i < s->urls.n; i++) {
		struct service *v = &s->v[i];
		if (v->state == ST_IDLE && now >= v->next_attempt && now < s->deadline)
			attempt_start(s, v, now);
		if (v->state == ST_CONNECTING && now >= v->step_deadline)
			on_connect_event(s, v, now, 1);
		if (v->state != ST_READY && now >= v->next_log) {
			log_info("waiting for %s (%s): %s", v->u->shown,
				 fmt_elapsed(now - s->start, took, sizeof took), service_status(v));
			while (v->next_log <= now)
				v->next_log += LOG_EVERY_MS;
		}
	}
}

static int all_ready(const struct services *s)
{
	for (size_t i = 0; i < s->urls.n; i++)
		if (s->v[i].state != ST_READY)
			return 0;
	return 1;
}

/* The earliest moment something is due. */
static int64_t next_due(const struct services *s)
{
	int64_t due = s->deadline;
	for (size_t i = 0; i < s->urls.n; i++) {
		const struct service *v = &s->v[i];
		if (v->state == ST_READY)
			continue;
		if (v->next_log < due)
			due = v->next_log;
		if (v->state == ST_IDLE && v->next_attempt < due)
			due = v->next_attempt;
		if (v->state == ST_CONNECTING && v->step_deadline < due)
			due = v->step_deadline;
	}
	return due;
}

/* poll(), or curl_multi_poll with our descriptors as extra ones. */
static void wait_events(struct services *s, struct pollfd *fds, unsigned n, int timeout_ms)
{
	struct curl_waitfd w[2 + SERVICES_MAX];

	if (s->multi) {
		for (unsigned i = 0; i < n; i++) {
			w[i].fd = fds[i].fd;
			w[i].events = (short)(((fds[i].events & POLLIN) ? CURL_WAIT_POLLIN : 0) |
					      ((fds[i].events & POLLOUT) ? CURL_WAIT_POLLOUT : 0));
			w[i].revents = 0;
		}
		if (curl_multi_poll(s->multi, w, n, timeout_ms, NULL) == CURLM_OK) {
			for (unsigned i = 0; i < n; i++)
				fds[i].revents =
					(short)(((w[i].revents & CURL_WAIT_POLLIN) ? POLLIN : 0) |
						((w[i].revents & CURL_WAIT_POLLOUT) ? POLLOUT : 0));
			return;
		}
		/* curl failed to wait (out of memory): wait on our own
		 * descriptors, briefly, so its transfers are not starved. */
		if (timeout_ms > 50)
			timeout_ms = 50;
	}
	if (poll(fds, n, timeout_ms) < 0)
		for (unsigned i = 0; i < n; i++)
			fds[i].revents = 0;
}

static void http_collect(struct services *s, int64_t now)
{
	CURLMsg *msg;
	int running, left;

	curl_multi_perform(s->multi, &running);
	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		CURL *h = msg->easy_handle;
		CURLcode result = msg->data.result;
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (size_t i = 0; i < s->urls.n; i++)
			if (s->v[i].easy == h)
				http_done(s, &s->v[i], result, now);
	}
}

void services_pending(const struct services *s, char *buf, size_t cap)
{
	const char *sep = "";
	if (cap == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; s && i < s->urls.n; i++) {
		const struct service *v = &s->v[i];
		if (v->state == ST_READY)
			continue;
		appendf(buf, cap, "%s%s: %s", sep, v->u->shown, service_status(v));
		sep = ", ";
	}
}

static void report_timeout(struct services *s)
{
	char pending[ERR_MSG_MAX], after[32];

	services_pending(s, pending, sizeof pending);
	err_set(&s->result, EXIT_TIMEOUT, "timed out after %s waiting for %s",
		fmt_timeout(s->deadline - s->start, after, sizeof after), pending);
}

static void *wait_main(void *arg)
{
	struct services *s = arg;
	struct pollfd fds[2 + SERVICES_MAX];

	for (;;) {
		int64_t now = now_ms();
		int64_t due;
		unsigned n = 0;
		int sig_idx = -1;

		advance(s, now);
		if (s->fatal) {
			/* The PostgreSQL wait on the other thread stops too. */
			sig_request_stop();
			s->rc = -1;
			break;
		}
		if (all_ready(s)) {
			s->rc = 0;
			break;
		}
		if (now >= s->deadline) {
			report_timeout(s);
			s->rc = -1;
			break;
		}

		fds[n++] = (struct pollfd){.fd = s->wake_fds[0], .events = POLLIN};
		if (sig_fd() >= 0) {
			sig_idx = (int)n;
			fds[n++] = (struct pollfd){.fd = sig_fd(), .events = POLLIN};
		}
		for (size_t i = 0; i < s->urls.n; i++) {
			struct service *v = &s->v[i];
			v->pollidx = -1;
			if (v->state == ST_RESOLVING) {
				v->pollidx = (int)n;
				fds[n++] = (struct pollfd){.fd = lookup_fd(v->lookup), .events = POLLIN};
			} else if (v->state == ST_CONNECTING) {
				v->pollidx = (int)n;
				fds[n++] = (struct pollfd){.fd = v->fd, .events = POLLOUT};
			}
		}
		due = next_due(s) - now;
		wait_events(s, fds, n, (int)(due > 0 ? due : 0));

		if (fds[0].revents) {
			s->rc = err_set(&s->result, EXIT_FAILURE_GENERIC, "wait for services cancelled");
			break;
		}
		if (sig_idx >= 0 && fds[sig_idx].revents) {
			/* services_finish turns it into 128+N on the caller's
			 * thread, where the signal number is safe to read. */
			s->interrupted = 1;
			s->rc = -1;
			break;
		}
		now = now_ms();
		for (size_t i = 0; i < s->urls.n; i++) {
			struct service *v = &s->v[i];
			if (v->pollidx < 0 || !fds[v->pollidx].revents)
				continue;
			if (v->state == ST_RESOLVING)
				on_resolved(s, v, now);
			else if (v->state == ST_CONNECTING)
				on_connect_event(s, v, now, 0);
		}
		if (s->multi)
			http_collect(s, now);
	}

	for (size_t i = 0; i < s->urls.n; i++)
		attempt_release(s, &s->v[i]);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Life cycle                                                              */

int services_start(struct services *s, int64_t deadline, struct err *e)
{
	unsigned seed;
	char names[ERR_MSG_MAX] = "";
	int rc;

	if (!s)
		return 0;
	if (s->started)
		return err_set(e, EXIT_FAILURE_GENERIC, "services wait already started");
	s->start = now_ms();
	s->deadline = deadline;
	if (fd_pipe(s->wake_fds) < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot create a pipe: %s", strerror(errno));
	if (s->n_http > 0) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot initialise libcurl");
		s->curl_inited = 1;
		s->multi = curl_multi_init();
		if (!s->multi)
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot initialise libcurl");
	}

	seed = (unsigned)s->start ^ (unsigned)getpid() * 2654435761u;
	for (size_t i = 0; i < s->urls.n; i++) {
		struct service *v = &s->v[i];
		backoff_init(&v->bo, 0, 0, seed + (unsigned)i * 40503u);
		v->state = ST_IDLE;
		v->next_attempt = s->start;
		v->next_log = s->start + LOG_EVERY_MS;
		v->pollidx = -1;
		appendf(names, sizeof names, "%s%s", i ? ", " : "", v->u->shown);
	}
	log_debug("waiting for %s", names);

	/* The thread learns of signals from the signal pipe (util/thread.h). */
	rc = thread_start(&s->thread, wait_main, s);
	if (rc != 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot start a thread: %s", strerror(rc));
	s->started = 1;
	return 0;
}

void services_cancel(struct services *s)
{
	if (s && s->started && !s->joined && s->wake_fds[1] >= 0) {
		ssize_t ignored = write(s->wake_fds[1], "c", 1);
		(void)ignored;
	}
}

static void build_summary(struct services *s)
{
	size_t cap = 64;
	for (size_t i = 0; i < s->urls.n; i++)
		cap += strlen(s->urls.v[i].shown) + 32;
	free(s->summary);
	s->summary = malloc(cap);
	if (!s->summary)
		return;
	s->summary[0] = '\0';
	for (size_t i = 0; i < s->urls.n; i++) {
		const struct service *v = &s->v[i];
		char took[32];
		if (v->ready_after >= 0)
			appendf(s->summary, cap, "%s%s (%s)", i ? ", " : "", v->u->shown,
				fmt_elapsed(v->ready_after, took, sizeof took));
		else
			appendf(s->summary, cap, "%s%s (not ready)", i ? ", " : "", v->u->shown);
	}
}

int services_finish(struct services *s, struct err *e)
{
	if (!s || !s->started)
		return 0;
	if (!s->joined) {
		pthread_join(s->thread, NULL);
		s->joined = 1;
		build_summary(s);
	}
	if (s->rc == 0)
		return 0;
	if (s->interrupted) {
		if (sig_check(e) < 0)
			return -1;
		return err_set(e, EXIT_FAILURE_GENERIC, "wait for services interrupted");
	}
	*e = s->result;
	return -1;
}

const char *services_summary(const struct services *s)
{
	return s && s->summary ? s->summary : "";
}
