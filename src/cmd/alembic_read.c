/*
 * alembic_read.c — see alembic_read.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "cmd/alembic_read.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/strbuf.h"

#include "cmd/import_alembic_py.h" /* generated from cmd/import_alembic.py */

/* ---- the interpreter ------------------------------------------------------ */

/* The interpreter of the script at path: "#!/usr/bin/python3" gives
 * /usr/bin/python3, "#!/usr/bin/env python3" gives python3. */
static int shebang_python(const char *path, char *out, size_t cap)
{
	char line[512];
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int ok = fgets(line, sizeof line, f) && line[0] == '#' && line[1] == '!';
	fclose(f);
	if (!ok)
		return 0;
	char *save, *prog = strtok_r(line + 2, " \t\r\n", &save);
	if (!prog)
		return 0;
	size_t n = strlen(prog);
	if (n >= 4 && strcmp(prog + n - 4, "/env") == 0)
		prog = strtok_r(NULL, " \t\r\n", &save);
	if (!prog || !strstr(prog, "python"))
		return 0;
	snprintf(out, cap, "%s", prog);
	return 1;
}

void alembic_python(const char *given, char *out, size_t cap)
{
	const char *env = getenv("MIGRATE_PYTHON");
	const char *path = getenv("PATH");
	if (given && *given) {
		snprintf(out, cap, "%s", given);
		return;
	}
	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return;
	}
	while (path && *path) {
		size_t n = strcspn(path, ":");
		char candidate[4096];
		if (n > 0 && n < sizeof candidate - 9) {
			snprintf(candidate, sizeof candidate, "%.*s/alembic", (int)n, path);
			if (access(candidate, X_OK) == 0 && shebang_python(candidate, out, cap))
				return;
		}
		path += n + (path[n] == ':');
	}
	snprintf(out, cap, "python3");
}

/* ---- running it ----------------------------------------------------------- */

static int read_all(int fd, struct strbuf *b)
{
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		strbuf_add(b, chunk, (size_t)r);
	}
}

/* Run python on the embedded script with args (NULL-terminated, at most 4)
 * and parse its records into *p. */
static int run_script(struct alembic_project *p, const char *python, const char *ini,
		      const char *const *args, struct err *e)
{
	int fds[2], status;
	struct strbuf out = {0};
	pid_t pid;
	int rc;

	memset(p, 0, sizeof *p);
	if (pipe(fds) < 0)
		return err_set(e, EXIT_CONFIG, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_set(e, EXIT_CONFIG, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* the records come on stdout; Python and the project print to stderr */
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
		/* env.py that reads the database from DATABASE_URL reads ours */
		if (strcmp(args[0], "--autogenerate") == 0 && args[3] && args[3][0])
			setenv("DATABASE_URL", args[3], 1);
		execlp(python, python, "-c", import_alembic_py, args[0], args[1], args[2],
		       args[3], (char *)NULL);
		fprintf(stderr, "migrate: %s: %s\n", python, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	rc = read_all(fds[0], &out);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		strbuf_release(&out);
		return err_set(e, EXIT_CONFIG, "reading from %s: %s", python, strerror(errno));
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out.len == 0) {
		strbuf_release(&out);
		err_set(e, EXIT_CONFIG, "%s: cannot run it", python);
		return err_hint(e, "install Alembic (apt-get install alembic) or name the Python that "
				   "imports it with --python or MIGRATE_PYTHON");
	}
	rc = alembic_parse(p, out.s ? out.s : "", out.len, e);
	strbuf_release(&out);
	if (rc < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, EXIT_CONFIG,
			       "%s ended with %s %d while reading %s (its messages are above)", python,
			       WIFEXITED(status) ? "status" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), ini);
	return 0;
}

int alembic_read(struct alembic_project *p, const char *python, const char *ini,
		 const char *section, struct err *e)
{
	const char *args[] = {ini, section, NULL, NULL};
	return run_script(p, python, ini, args, e);
}

int alembic_autogenerate(struct alembic_project *p, const char *python, const char *ini,
			 const char *section, const char *url, struct err *e)
{
	const char *args[] = {"--autogenerate", ini, section, url ? url : ""};
	return run_script(p, python, ini, args, e);
}

/* ---- the records ---------------------------------------------------------- */

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int push(char ***list, size_t *n, const char *s, size_t len)
{
	char **grown = realloc(*list, (*n + 1) * sizeof **list);
	if (!grown)
		return -1;
	*list = grown;
	if (!(grown[*n] = dup_n(s, len)))
		return -1;
	(*n)++;
	return 0;
}

static int add_segment(struct alembic_body *b, int in_tx, const char *s, size_t len)
{
	struct alembic_segment *grown =
		realloc(b->segments, (b->n_segments + 1) * sizeof *b->segments);
	if (!grown)
		return -1;
	b->segments = grown;
	grown[b->n_segments].in_transaction = in_tx;
	if (!(grown[b->n_segments].sql = dup_n(s, len)))
		return -1;
	b->n_segments++;
	return 0;
}

static int set_once(char **field, const char *s, size_t len)
{
	free(*field);
	*field = dup_n(s, len);
	return *field ? 0 : -1;
}

/* One record of a revision's body: "up.tx", "down.error", ... */
static int body_record(struct alembic_rev *r, const char *tag, const char *v, size_t n)
{
	struct alembic_body *b;
	if (strncmp(tag, "up.", 3) == 0) {
		b = &r->upgrade;
		tag += 3;
	} else if (strncmp(tag, "down.", 5) == 0) {
		b = &r->downgrade;
		tag += 5;
	} else {
		return 1;
	}
	if (strcmp(tag, "tx") == 0 || strcmp(tag, "auto") == 0)
		return add_segment(b, tag[0] == 't', v, n);
	if (strcmp(tag, "error") == 0)
		return set_once(&b->error, v, n);
	if (strcmp(tag, "source") == 0)
		return set_once(&b->source, v, n);
	return 1;
}

static int rev_record(struct alembic_rev *r, const char *tag, const char *v, size_t n)
{
	if (strcmp(tag, "path") == 0)
		return set_once(&r->path, v, n);
	if (strcmp(tag, "down") == 0)
		return push(&r->down, &r->n_down, v, n);
	if (strcmp(tag, "label") == 0)
		return push(&r->labels, &r->n_labels, v, n);
	if (strcmp(tag, "dep") == 0)
		return push(&r->depends_on, &r->n_depends, v, n);
	if (strcmp(tag, "date") == 0)
		return set_once(&r->create_date, v, n);
	if (strcmp(tag, "message") == 0)
		return set_once(&r->message, v, n);
	return body_record(r, tag, v, n);
}

static int new_rev(struct alembic_project *p, const char *v, size_t n)
{
	struct alembic_rev *grown = realloc(p->revs, (p->n_revs + 1) * sizeof *p->revs);
	if (!grown)
		return -1;
	p->revs = grown;
	memset(&p->revs[p->n_revs], 0, sizeof *p->revs);
	if (!(p->revs[p->n_revs].id = dup_n(v, n)))
		return -1;
	p->n_revs++;
	return 0;
}

/* The length of a record: the decimal digits of [p, end), nothing else (a
 * value too large for the type saturates: it is then cut short).  Not
 * strtoull: the records need not be NUL-terminated, and it would skip
 * blanks, newlines included, past their end. */
static int record_length(const char *p, const char *end, unsigned long long *n)
{
	*n = 0;
	if (p == end)
		return -1;
	for (; p < end; p++) {
		unsigned d = (unsigned)(unsigned char)*p - '0';
		if (d > 9)
			return -1;
		*n = *n > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : *n * 10 + d;
	}
	return 0;
}

int alembic_parse(struct alembic_project *p, const char *buf, size_t len, struct err *e)
{
	size_t pos = 0;
	int ended = 0;
	while (pos < len && !ended) {
		char tag[32];
		const char *nl = memchr(buf + pos, '\n', len - pos);
		const char *space = memchr(buf + pos, ' ', len - pos);
		unsigned long long n;
		if (!nl || !space || space > nl || (size_t)(space - (buf + pos)) >= sizeof tag ||
		    record_length(space + 1, nl, &n) < 0)
			return err_set(e, EXIT_CONFIG, "import-alembic: malformed record at byte %zu",
				       pos);
		memcpy(tag, buf + pos, (size_t)(space - (buf + pos)));
		tag[space - (buf + pos)] = '\0';
		size_t at = (size_t)(nl - buf) + 1;
		if ( n > len - at || len - at - n < 1 || buf[at + n] != '\n')
			return err_set(e, EXIT_CONFIG,
				       "import-alembic: record \"%s\" at byte %zu is cut short", tag, pos);
		const char *v = buf + at;
		pos = at + (size_t)n + 1;
		int rc = 0;
		if (strcmp(tag, "fatal") == 0)
			return err_set(e, EXIT_CONFIG, "%.*s", (int)n, v);
		else if (strcmp(tag, "end") == 0)
			ended = 1;
		else if (strcmp(tag, "alembic") == 0)
			rc = set_once(&p->alembic_version, v, n);
		else if (strcmp(tag, "warning") == 0)
			rc = push(&p->warnings, &p->n_warnings, v, n);
		else if (strcmp(tag, "setting") == 0)
			rc = push(&p->settings, &p->n_settings, v, n);
		else if (strcmp(tag, "detected") == 0)
			rc = push(&p->detected, &p->n_detected, v, n);
		else if (strcmp(tag, "rev") == 0)
			rc = new_rev(p, v, n);
		else if (p->n_revs > 0)
			rc = rev_record(&p->revs[p->n_revs - 1], tag, v, n);
		else
			rc = 1;
		if (rc < 0)
			return err_set(e, EXIT_CONFIG, "out of memory");
		if (rc > 0)
			return err_set(e, EXIT_CONFIG, "import-alembic: unexpected record \"%s\"", tag);
	}
	if (!ended)
		return err_set(e, EXIT_CONFIG,
			       "import-alembic: the Alembic project was not read to its end");
	return 0;
}

/* ---- release -------------------------------------------------------------- */

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void free_body(struct alembic_body *b)
{
	for (size_t i = 0; i < b->n_segments; i++)
		free(b->segments[i].sql);
	free(b->segments);
	free(b->error);
	free(b->source);
}

void alembic_project_release(struct alembic_project *p)
{
	for (size_t i = 0; i < p->n_revs; i++) {
		struct alembic_rev *r = &p->revs[i];
		free(r->id);
		free(r->path);
		free_list(r->down, r->n_down);
		free_list(r->labels, r->n_labels);
		free_list(r->depends_on, r->n_depends);
		free(r->create_date);
		free(r->message);
		free_body(&r->upgrade);
		free_body(&r->downgrade);
	}
	free(p->revs);
	free(p->alembic_version);
	free_list(p->warnings, p->n_warnings);
	free_list(p->settings, p->n_settings);
	free_list(p->detected, p->n_detected);
	memset(p, 0, sizeof *p);
}
