/*
 * fsutil.c — see fsutil.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "util/fsutil.h"

#include "util/array.h"
#include "util/digest.h"
#include "util/unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_read_file(const char *path, char **out, size_t *len, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t have = 0;

	if (fd < 0)
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot open \"%s\": %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot stat \"%s\": %s", path, strerror(errno));
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory reading \"%s\"", path);
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	*out = buf;
	*len = have;
	return 0;
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

static int list_entries(const char *dir, const char *suffix, int want_dirs, int packed,
			char ***names, size_t *n, struct err *e)
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
		if (!want_dirs && (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, R_OK) < 0)) {
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
	return list_entries(dir, suffix, 0, 0, names, n, e);
}

int fs_list_packed(const char *dir, const char *suffix, char ***names, size_t *n, struct err *e)
{
	return list_entries(dir, suffix, 0, 1, names, n, e);
}

int fs_list_dirs(const char *dir, char ***names, size_t *n, struct err *e)
{
	return list_entries(dir, "", 1, 0, names, n, e);
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
