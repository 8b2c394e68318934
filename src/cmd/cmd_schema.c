/*
 * cmd_schema.c — `migrate check --schema FILE` (docs/reference.md §10.8):
 * the target database's schema against the one FILE makes when run, as
 * psql -f would, in a scratch database copied from template0 (dropped
 * afterwards).  The meaning Alembic 1.9+ gives `alembic check`: exit 1 and
 * the differences when the database does not match.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/commands.h"
#include "db/scratch.h"
#include "db/session.h"
#include "db/snapshot.h"
#include "db/store.h"
#include "script/runner.h"
#include "util/log.h"

static int print_difference(void *ctx, char sign, const char *line)
{
	(void)ctx;
	printf("%c ", sign);
	for (const char *p = line; *p; p++) /* one line each: a function's body too */
		putchar(*p == '\n' ? ' ' : *p);
	putchar('\n');
	return 0;
}

/* The schema the file makes, in a scratch database. */
static int desired_schema(struct ctx *c, const char *path, const struct store *st,
			  struct scratch *sc, struct snapshot *want, struct err *e)
{
	char dir[PATH_MAX];
	struct runner_opts o = {.autocommit = 1};
	struct runner_stats stats = {0};

	snprintf(dir, sizeof dir, "%s", path);
	o.root = dirname(dir);
	if (scratch_open(sc, &c->cfg, "schema", "template0", e) < 0)
		return -1;
	if (runner_run_file(sc->conn, path, &o, &stats, e) < 0)
		return err_prefix(e, "schema file");
	return snapshot_take(sc->conn, st->schema, st->table, want, e);
}

int cmd_check_schema(struct ctx *c, struct err *e)
{
	const char *path = c->cli.schema_file;
	struct session s = {0};
	struct scratch sc = {0};
	struct snapshot have = {0}, want = {0};
	struct store st;
	struct stat sb;
	FILE *f;
	size_t n;
	int rc = -1;

	/* before any database work: a file that cannot be read is a usage error */
	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode)) {
		err_set(e, EXIT_CONFIG, "cannot read the schema file \"%s\": %s", path,
			f ? "not a regular file" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (session_open(&s, &c->cfg, 0, e) < 0 || store_init(&st, s.conn, &c->cfg, e) < 0 ||
	    snapshot_take(s.conn, st.schema, st.table, &have, e) < 0 ||
	    desired_schema(c, path, &st, &sc, &want, e) < 0)
		goto out;
	n = snapshot_diff_each(&have, &want, print_difference, NULL);
	if (n > 0) {
		err_set(e, EXIT_FAILURE_GENERIC,
			"the database does not match \"%s\": %zu difference%s (+ what the file has and "
			"the database has not, - the reverse)",
			path, n, n == 1 ? "" : "s");
		goto out;
	}
	log_info("the database matches \"%s\" (%zu objects compared)", path, have.n);
	rc = 0;
out:
	snapshot_release(&have);
	snapshot_release(&want);
	scratch_close(&sc);
	session_close(&s);
	return rc;
}
