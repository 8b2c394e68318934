/*
 * env.c — see env.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "conf/env.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET_FILE_MAX (1024 * 1024)

int env_read_secret_file(const char *path, char **out, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t len = 0;

	if (fd < 0)
		return err_set(e, EXIT_CONFIG, "cannot read \"%s\": %s", path, strerror(errno));
	buf = malloc(SECRET_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, SECRET_FILE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(buf);
			close(fd);
			return err_set(e, EXIT_CONFIG, "cannot read \"%s\": %s", path, strerror(saved));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == SECRET_FILE_MAX) {
			free(buf);
			close(fd);
			return err_set(e, EXIT_CONFIG, "\"%s\" is too large for a secret (over 1 MiB)", path);
		}
	}
	close(fd);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int env_get(const char *name, char **out, struct err *e)
{
	char file_name[256];
	const char *direct = getenv(name);
	const char *file;

	*out = NULL;
	snprintf(file_name, sizeof file_name, "%s_FILE", name);
	file = getenv(file_name);
	if (direct && file)
		return err_set(e, EXIT_CONFIG, "both %s and %s are set; use one", name, file_name);
	if (direct) {
		*out = strdup(direct);
		return *out ? 0 : err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	if (file) {
		if (env_read_secret_file(file, out, e) < 0)
			return err_prefix(e, "%s", file_name);
	}
	return 0;
}

int env_export_libpq_files(struct err *e)
{
	static const char *const vars[] = {
		"PGHOST",    "PGHOSTADDR", "PGPORT",	"PGDATABASE", "PGUSER",
		"PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSSLMODE", "PGOPTIONS",
		"PGAPPNAME", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", "PGTARGETSESSIONATTRS",
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		char *value;
		/* X and X_FILE both set is an error here too (env_get says so) */
		if (env_get(vars[i], &value, e) < 0)
			return -1;
		if (value && !getenv(vars[i]))
			setenv(vars[i], value, 1);
		free(value);
	}
	return 0;
}
