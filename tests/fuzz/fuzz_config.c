/*
 * fuzz_config.c — the config file parser (conf/config.h).  config_load only
 * reads files, so the input is written to an unlinked temporary file and
 * loaded through its /proc/self/fd path: as --config PATH (migrate.ini
 * rules), or, when the input mentions sqlalchemy.url, as ./alembic.ini of a
 * scratch directory with no migrate.ini, made and removed for the call (the
 * [alembic] sqlalchemy.url fallback); nothing stays on disk.  config_expand (${VAR}, ${VAR:-default}, $$) also gets the
 * input as one string.
 *
 * The environment is made fixed first: no MIGRATE_* or DATABASE_URL from
 * outside; FZ_A=alpha, FZ_EMPTY= (set, empty), FZ_SECRET_FILE (a Docker
 * secret file holding s3cret) and MIGRATE_INIT_VAR_FZ=env for ${…} and
 * [init.variables] to meet.
 *
 * Invariants: a failure is EXIT_CONFIG (or out of memory) with a message;
 * a success has every value NUL-terminated with its origin and place
 * ("PATH:LINE" for the file), valid init variable names with values;
 * config_expand without a '$' returns the text unchanged.  Everything is
 * released (LeakSanitizer checks).
 */
#define _GNU_SOURCE 1 /* mkdtemp, fchdir, memmem */
#include "fuzz.h"

#include <fcntl.h>
#include <unistd.h>

#include "conf/config.h"

extern char **environ;

static char tmpdir[256];   /* where scratch files and directories go */
static char path[64];      /* the input: /proc/self/fd/N of an unlinked file */
static int fd = -1;

/* An unlinked temporary file: its descriptor; *proc gets /proc/self/fd/N. */
static int unlinked_file(char *proc, size_t cap)
{
	char name[300];
	int f;
	snprintf(name, sizeof name, "%s/fuzz_config.XXXXXX", tmpdir);
	f = mkstemp(name);
	if (f < 0) {
		perror(name);
		abort();
	}
	unlink(name);
	snprintf(proc, cap, "/proc/self/fd/%d", f);
	return f;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char secret[64];
	int sfd;
	(void)argc;
	(void)argv;
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e; e++)
			if (strncmp(*e, "MIGRATE_", 8) == 0 || strncmp(*e, "DATABASE_URL", 12) == 0) {
				char name[256];
				snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
				unsetenv(name);
				again = 1;
				break;
			}
	}
	snprintf(tmpdir, sizeof tmpdir, "%s", tmp && *tmp ? tmp : "/tmp");
	fd = unlinked_file(path, sizeof path);
	sfd = unlinked_file(secret, sizeof secret);
	if (write(sfd, "s3cret\n", 7) != 7)
		abort();
	setenv("FZ_A", "alpha", 1);
	setenv("FZ_EMPTY", "", 1);
	setenv("FZ_SECRET_FILE", secret, 1);
	setenv("MIGRATE_INIT_VAR_FZ", "env", 1);
	return 0;
}

/* config_load with ./alembic.ini being the input, in a scratch directory
 * made for the call (nothing is left on disk afterwards). */
static int load_alembic(struct config *cfg, struct err *e)
{
	char dir[300], link_path[320];
	int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	snprintf(dir, sizeof dir, "%s/fuzz_config.XXXXXX", tmpdir);
	if (here < 0 || !mkdtemp(dir))
		abort();
	snprintf(link_path, sizeof link_path, "%s/alembic.ini", dir);
	if (symlink(path, link_path) < 0 || chdir(dir) < 0)
		abort();
	rc = config_load(cfg, NULL, NULL, 0, e);
	if (fchdir(here) < 0 || unlink(link_path) < 0 || rmdir(dir) < 0)
		abort();
	close(here);
	return rc;
}

static void check_loaded(const struct config *cfg, int alembic)
{
	for (int i = 0; i < CFG_COUNT; i++) {
		const struct config_value *v = &cfg->v[i];
		FUZZ_CHECK(memchr(v->where, '\0', sizeof v->where) != NULL, "where not terminated");
		FUZZ_CHECK(v->origin >= ORIGIN_DEFAULT && v->origin <= ORIGIN_FLAG, "origin");
		if (!v->text)
			continue;
		if (v->origin == ORIGIN_FILE)
			FUZZ_CHECK(strncmp(v->where, alembic ? "alembic.ini:" : path,
					   alembic ? 12 : strlen(path)) == 0,
				   "a value from the file does not name it");
	}
	FUZZ_CHECK(alembic ? cfg->file == NULL : (cfg->file && strcmp(cfg->file, path) == 0),
		   "the config file read");
	for (size_t i = 0; i < cfg->n_init_vars; i++) {
		const struct config_var *v = &cfg->init_vars[i];
		FUZZ_CHECK(v->name && config_var_name_ok(v->name, strlen(v->name)),
			   "init variable name");
		FUZZ_CHECK(v->value != NULL, "init variable without a value");
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(v->name, cfg->init_vars[k].name) != 0,
				   "an init variable twice");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct err e;
	int alembic = size >= 14 && memmem(data, size, "sqlalchemy.url", 14) != NULL;
	int rc;

	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	memset(&e, 0, sizeof e);
	if (alembic) {
		rc = load_alembic(&cfg, &e);
	} else {
		rc = config_load(&cfg, path, NULL, 0, &e);
	}
	if (rc != 0) {
		FUZZ_CHECK(e.code == EXIT_CONFIG || e.code == EXIT_FAILURE_GENERIC, "error code");
		FUZZ_CHECK(e.msg[0] != '\0', "error without a message");
	} else {
		check_loaded(&cfg, alembic);
	}
	config_release(&cfg);
	for (int i = 0; i < CFG_COUNT; i++)
		FUZZ_CHECK(cfg.v[i].text == NULL, "release leaves a value");
	FUZZ_CHECK(cfg.file == NULL && cfg.init_vars == NULL && cfg.n_init_vars == 0,
		   "release leaves the file or variables");

	/* ${…} expansion of the whole text */
	{
		char *text = fuzz_cstr(data, size), *out = NULL;
		memset(&e, 0, sizeof e);
		if (config_expand(text, &out, &e) == 0) {
			FUZZ_CHECK(out != NULL, "expansion gave nothing");
			if (!strchr(text, '$'))
				FUZZ_CHECK(strcmp(out, text) == 0, "text without $ changed");
			free(out);
		} else {
			FUZZ_CHECK(e.code == EXIT_CONFIG || e.code == EXIT_FAILURE_GENERIC,
				   "expansion error code");
			FUZZ_CHECK(e.msg[0] != '\0', "expansion error without a message");
			FUZZ_CHECK(strchr(text, '$') != NULL, "an error without a $");
		}
		free(text);
	}
	return 0;
}
