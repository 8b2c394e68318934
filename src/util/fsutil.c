/*
 * fsutil.c — see fsutil.h.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* d_type, DT_REG */
#include "util/fsutil.h"

#include "util/array.h"
#include "util/digest.h"
#include "util/unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first read goes to the stack: most scripts and revisions fit, and
 * the heap gets the exact size. */
#define READ_FIRST 16384

static ssize_t read_retry(int fd, char *buf, size_t cap)
{
	ssize_t n;
	do
		n = read(fd, buf, cap);
	while (n < 0 && errno == EINTR);
	return n;
}

/* regular: path is known to be a regular file, where a read shorter than
 * asked is the end (on a pipe it need not be), so a small file costs open,
 * read and close. */
static int read_whole(const char *path, int regular, char **out, size_t *len, struct err *e)
{
	char first[READ_FIRST];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t have, cap;
	ssize_t n;
	char *buf;

	if (fd < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot open \"%s\": %s", path, strerror(errno));
	n = read_retry(fd, first, sizeof first);
	have = n > 0 ? (size_t)n : 0;
	cap = n >= 0 && !(regular && have < sizeof first) ? 4 * sizeof first : have;
	buf = malloc(cap + 1);
	if (buf)
		memcpy(buf, first, have);
	while (buf && n > 0 && cap > have) {
		n = read_retry(fd, buf + have, cap - have);
		if (n > 0)
			have += (size_t)n;
		if (n > 0 && have == cap) {
			char *bigger = cap > SIZE_MAX / 2 - 1 ? NULL : realloc(buf, cap * 2 + 1);
			if (!bigger)
				free(buf);
			buf = bigger;
			cap *= 2;
		}
	}
	if (n < 0) {
		int saved = errno;
		free(buf);
		close(fd);
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot read \"%s\": %s", path, strerror(saved));
	}
	close(fd);
	if (!buf)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory reading \"%s\"", path);
	buf[have] = '\0';
	*out = buf;
	*len = have;
	return 0;
}

int fs_read_file(const char *path, char **out, size_t *len, struct err *e)
{
	return read_whole(path, 0, out, len, e);
}

int fs_read_regular(const char *path, char **out, size_t *len, struct err *e)
{
	return read_whole(path, 1, out, len, e);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether name is listed for suffix: ends in it (packed: or in it and then
 * .gz, .xz or .zst). */
static int wanted(const char *name, const char *suffix, int packed)
{
	size_t len = strlen(name), slen = strlen(suffix);
	if (packed)
		return unpack_has_suffix(name, suffix);
	return len >= slen && strcmp(name + len - slen, suffix) == 0;
}

/* check_read: make sure each file can be read (the caller reads them
 * later, after other work); without it, the caller reads them at once and
 * reports what it cannot read.  A regular file the directory entry says is
 * one (d_type) is not looked at again. */
static int list_entries(const char *dir, const char *suffix, int want_dirs, int packed,
			int check_read, char ***names, size_t *n, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	size_t cap = 0, count = 0;
	char **list = NULL;

	*names = NULL;
	*n = 0;
	if (!d)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot read directory \"%s\": %s", dir,
			       strerror(errno));
	while ((ent = readdir(d)) != NULL) {
		char *path;
		struct stat st;
		if (ent->d_name[0] == '.' || !wanted(ent->d_name, suffix, packed))
			continue;
		path = fs_join(dir, ent->d_name);
		if (!path) {
			closedir(d);
			fs_free_list(list, count);
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory listing \"%s\"", dir);
		}
		if (!want_dirs &&
		    ((ent->d_type != DT_REG && (stat(path, &st) < 0 || !S_ISREG(st.st_mode))) ||
		     (check_read && access(path, R_OK) < 0))) {
			/* a file that would be skipped silently is an error: a
			 * dangling symlink, no permission, a directory or FIFO */
			int saved = errno;
			int regular = stat(path, &st) == 0 && S_ISREG(st.st_mode);
			closedir(d);
			fs_free_list(list, count);
			if (regular || stat(path, &st) < 0)
				err_set(e, EXIT_FAILURE_GENERIC, "cannot read \"%s\": %s", path,
					strerror(saved));
			else
				err_set(e, EXIT_FAILURE_GENERIC, "\"%s\" is not a regular file", path);
			free(path);
			return -1;
		}
		if (want_dirs && (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))) {
			free(path);
			continue;
		}
		free(path);
		/* out of memory is an error, never a silently shorter list */
		if (array_reserve(&list, &cap, count + 1, sizeof *list) < 0 ||
		    !(list[count] = strdup(ent->d_name))) {
			closedir(d);
			fs_free_list(list, count);
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory listing \"%s\"", dir);
		}
		count++;
	}
	closedir(d);
	if (count > 1)
		qsort(list, count, sizeof *list, by_name);
	*names = list;
	*n = count;
	return 0;
}

int fs_list(const char *dir, const char *suffix, char ***names, size_t *n, struct err *e)
{
	return list_entries(dir, suffix, 0, 0, 0, names, n, e);
}

int fs_list_packed(const char *dir, const char *suffix, char ***names, size_t *n, struct err *e)
{
	return list_entries(dir, suffix, 0, 1, 1, names, n, e);
}

int fs_list_dirs(const char *dir, char ***names, size_t *n, struct err *e)
{
	return list_entries(dir, "", 1, 0, 0, names, n, e);
}

int fs_digest_file(const char *path, char hex[DIGEST_HEX_LEN + 1], struct err *e)
{
	char buf[64 * 1024];
	struct digest *d;
	struct unpack *u;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot open \"%s\": %s", path, strerror(errno));
	/* a compressed file is hashed over its text, as the runner hashes it */
	u = unpack_open(fd, unpack_kind_of(path), path, e);
	if (!u) {
		close(fd);
		return -1;
	}
	d = digest_new();
	for (;;) {
		ssize_t n = unpack_read(u, buf, sizeof buf, e);
		if (n < 0) {
			unpack_close(u);
			close(fd);
			digest_finish(d, hex);
			return -1;
		}
		if (n == 0)
			break;
		digest_update(d, buf, (size_t)n);
	}
	unpack_close(u);
	close(fd);
	digest_finish(d, hex);
	return 0;
}

int fs_digest_bytes(const char *path, char hex[DIGEST_HEX_LEN + 1], struct err *e)
{
	char buf[64 * 1024];
	struct digest *d;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot open \"%s\": %s", path, strerror(errno));
	d = digest_new();
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			close(fd);
			digest_finish(d, hex);
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot read \"%s\": %s", path,
				       strerror(saved));
		}
		if (n == 0)
			break;
		digest_update(d, buf, (size_t)n);
	}
	close(fd);
	digest_finish(d, hex);
	return hex[0] ? 0 : err_set(e, EXIT_FAILURE_GENERIC, "out of memory reading \"%s\"", path);
}

/* The files below dir (rel: its path relative to the root, "" for the
 * root), appended to *list. */
static int walk_tree(const char *dir, const char *rel, int depth, char ***list, size_t *cap,
		     size_t *count, struct err *e)
{
	DIR *d;
	struct dirent *ent;
	int rc = 0;

	if (depth > 64)
		return err_set(e, EXIT_FAILURE_GENERIC, "\"%s\": directories nested too deep", dir);
	d = opendir(dir);
	if (!d)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot read directory \"%s\": %s", dir,
			       strerror(errno));
	while (rc == 0 && (ent = readdir(d)) != NULL) {
		struct stat st;
		char *path, *name;
		if (ent->d_name[0] == '.')
			continue;
		path = fs_join(dir, ent->d_name);
		name = *rel ? fs_join(rel, ent->d_name) : strdup(ent->d_name);
		if (!path || !name) {
			rc = err_set(e, EXIT_FAILURE_GENERIC, "out of memory listing \"%s\"", dir);
		} else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = walk_tree(path, name, depth + 1, list, cap, count, e);
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (array_reserve(list, cap, *count + 1, sizeof **list) < 0)
				rc = err_set(e, EXIT_FAILURE_GENERIC, "out of memory listing \"%s\"", dir);
			else
				(*list)[(*count)++] = name, name = NULL;
		}
		free(path);
		free(name);
	}
	closedir(d);
	return rc;
}

int fs_list_tree(const char *root, char ***paths, size_t *n, struct err *e)
{
	char **list = NULL;
	size_t cap = 0, count = 0;

	*paths = NULL;
	*n = 0;
	if (!fs_is_dir(root))
		return 0;
	if (walk_tree(root, "", 0, &list, &cap, &count, e) < 0) {
		fs_free_list(list, count);
		return -1;
	}
	if (count > 1)
		qsort(list, count, sizeof *list, by_name);
	*paths = list;
	*n = count;
	return 0;
}

void fs_free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *fs_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (dl > 0 && dir[dl - 1] != '/')
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

int fs_write_file(const char *path, const char *data, size_t len, int exclusive, struct err *e)
{
	char tmp[4096];
	int fd;
	size_t done = 0;

	if (exclusive && access(path, F_OK) == 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "\"%s\" already exists", path);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot create \"%s\": %s", path, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = errno;
			close(fd);
			unlink(tmp);
			return err_set(e, EXIT_FAILURE_GENERIC, "cannot write \"%s\": %s", path,
				       strerror(saved));
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		int saved = errno;
		unlink(tmp);
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot write \"%s\": %s", path, strerror(saved));
	}
	return 0;
}
