/*
 * cmd_revision.c — writing and checking revision files: revision, merge
 * (new files with Alembic's ids and header), validate (every file and the
 * graph, no database).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/revtext.h"
#include "migrate/migrate.h"
#include "rev/revfile.h"
#include "util/fsutil.h"
#include "util/log.h"

int cmd_validate(struct ctx *c, struct err *e)
{
	struct revdir rd;
	const size_t *heads;
	size_t n;
	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	if (migrate_check_converted(&rd, e) < 0) {
		revdir_release(&rd);
		return -1;
	}
	for (size_t i = 0; i < rd.n; i++) {
		const struct revdir_file *f = &rd.files[i];
		size_t statements;
		if (migrate_check_section(f, 1, &statements, e) < 0 ||
		    migrate_check_section(f, 0, NULL, e) < 0) {
			revdir_release(&rd);
			return -1;
		}
		/* a merge point or a root may well do nothing; another revision
		 * that does nothing is likely a body that never got written */
		if (statements == 0 && f->rev.n_down == 1)
			log_warn("%s:%d: revision %s: the upgrade section holds no statement", f->path,
				 f->rev.upgrade.present ? f->rev.upgrade.marker_line : 1, f->rev.revision);
	}
	n = rd.graph ? revgraph_heads(rd.graph, &heads) : 0;
	if (n > 1) {
		char ids[1024];
		revtext_ids(rd.graph, heads, n, ids, sizeof ids);
		log_warn("several heads: %s ('upgrade head' is ambiguous: merge them with 'migrate merge' "
			 "or upgrade to 'heads')",
			 ids);
	}
	printf("%zu revision%s in %s are valid", rd.n, rd.n == 1 ? "" : "s", rd.dir);
	if (n == 1)
		printf("; head %s", revgraph_id(rd.graph, heads[0]));
	printf("\n");
	revdir_release(&rd);
	return 0;
}

/* Twelve random hex digits, like Alembic's uuid4().hex[-12:]. */

static int random_id(char id[13], struct err *e)
{
	unsigned char raw[6];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, raw, sizeof raw) != (ssize_t)sizeof raw) {
		if (fd >= 0)
			close(fd);
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot read /dev/urandom: %s", strerror(errno));
	}
	close(fd);
	for (int i = 0; i < 6; i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static int write_revision(struct ctx *c, struct revdir *rd, const char *const *down, size_t n_down,
			  struct err *e)
{
	char id[13], date[32], slug[REVFILE_SLUG_MAX + 2], name[128];
	const char *rev_id = c->cli.rev_id;
	const char *labels[1] = {c->cli.branch_label};
	struct revfile_new nf = {0};
	time_t now = time(NULL);
	struct tm tm;
	char *text = NULL, *path;
	int rc;

	if (!c->cli.message)
		return err_set(e, EXIT_USAGE, "a message is required: -m \"what it does\"");
	if (!rev_id) {
		if (random_id(id, e) < 0)
			return -1;
		rev_id = id;
	}
	if (rd->graph) {
		size_t found;
		if (revgraph_lookup(rd->graph, rev_id, &found, &(struct err){0}) == 0 &&
		    strcmp(revgraph_id(rd->graph, found), rev_id) == 0)
			return err_set(e, EXIT_USAGE, "revision %s already exists", rev_id);
	}
	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
	nf.revision = rev_id;
	nf.down_revisions = down;
	nf.n_down = n_down;
	nf.branch_labels = labels;
	nf.n_labels = c->cli.branch_label ? 1 : 0;
	nf.depends_on = c->cli.depends_on;
	nf.n_depends = (size_t)c->cli.n_depends_on;
	nf.create_date = date;
	nf.message = c->cli.message;
	if (revfile_format(&text, &nf, e) < 0)
		return -1;
	revfile_slug(slug, sizeof slug, c->cli.message);
	snprintf(name, sizeof name, "%s_%s.sql", rev_id, slug);
	if (!fs_is_dir(rd->dir) && mkdir(rd->dir, 0755) < 0) {
		free(text);
		return err_set(e, EXIT_FAILURE_GENERIC, "cannot create \"%s\": %s", rd->dir, strerror(errno));
	}
	path = fs_join(rd->dir, name);
	rc = path ? fs_write_file(path, text, strlen(text), 1, e) : err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	if (rc == 0)
		printf("  Generating %s ...  done\n", path);
	free(path);
	free(text);
	return rc;
}

/* The parents of a new revision, as ids of rd's graph (at most 64). */
typedef int (*parents_fn)(const struct ctx *c, const struct revdir *rd, const char **down,
			  size_t *n_down, struct err *e);

/* revision: --head REV (a head, or any revision with --splice; base: a new
 * root), else the single head. */
static int revision_parents(const struct ctx *c, const struct revdir *rd, const char **down,
			    size_t *n_down, struct err *e)
{
	if (c->cli.head && strcmp(c->cli.head, "base") != 0) {
		size_t found[64], n;
		if (!rd->graph)
			return err_set(e, EXIT_GRAPH, "no revisions in \"%s\" for --head %s", rd->dir,
				       c->cli.head);
		if (revgraph_resolve(rd->graph, c->cli.head, found, 64, &n, e) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (!revtext_is_head(rd->graph, found[i]) && !c->cli.splice) {
				err_set(e, EXIT_USAGE, "revision %s is not a head revision",
					revgraph_id(rd->graph, found[i]));
				return err_hint(e, "use --splice to start a new branch from it");
			}
			down[(*n_down)++] = revgraph_id(rd->graph, found[i]);
		}
	} else if (!c->cli.head && rd->graph) {
		const size_t *heads;
		size_t n = revgraph_heads(rd->graph, &heads);
		if (n > 1) {
			err_set(e, EXIT_USAGE, "several heads are present");
			return err_hint(e, "name the head to build on with --head REV, or merge them "
					   "first with 'migrate merge -m MSG heads'");
		}
		if (n == 1)
			down[(*n_down)++] = revgraph_id(rd->graph, heads[0]);
	}
	return 0;
}

/* merge: what its arguments name (default heads), two at least. */
static int merge_parents(const struct ctx *c, const struct revdir *rd, const char **down,
			 size_t *n_down, struct err *e)
{
	if (!rd->graph)
		return err_set(e, EXIT_GRAPH, "no revisions in \"%s\" to merge", rd->dir);
	for (int a = 0; a < (c->cli.nargs ? c->cli.nargs : 1); a++) {
		size_t found[64], n;
		if (revgraph_resolve(rd->graph, c->cli.nargs ? c->cli.args[a] : "heads", found, 64,
				     &n, e) < 0)
			return -1;
		for (size_t i = 0; i < n && *n_down < 64; i++)
			down[(*n_down)++] = revgraph_id(rd->graph, found[i]);
	}
	if (*n_down < 2)
		return err_set(e, EXIT_USAGE, "nothing to merge: %s",
			       *n_down ? "only one revision given" : "no revisions");
	return 0;
}

static int new_revision(struct ctx *c, parents_fn parents, struct err *e)
{
	struct revdir rd;
	const char *down[64];
	size_t n_down = 0;
	int rc;

	if (cmd_load_revisions(c, &rd, e) < 0)
		return -1;
	rc = parents(c, &rd, down, &n_down, e);
	if (rc == 0)
		rc = write_revision(c, &rd, down, n_down, e);
	revdir_release(&rd);
	return rc;
}

int cmd_revision(struct ctx *c, struct err *e) { return new_revision(c, revision_parents, e); }
int cmd_merge(struct ctx *c, struct err *e) { return new_revision(c, merge_parents, e); }
