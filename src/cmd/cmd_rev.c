/*
 * cmd_rev.c — the revision commands with Alembic's vocabulary (SPEC §6):
 * upgrade, downgrade, current, history, heads, branches, show, stamp,
 * revision, merge, check, validate, baseline.  Output goes to stdout in
 * the formats `alembic` prints; logs go to stderr.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "conf/dburl.h"
#include "util/duration.h"
#include "util/fsutil.h"
#include "init/initdir.h"
#include "util/log.h"
#include "migrate/migrate.h"
#include "migrate/offline.h"
#include "migrate/revdir.h"
#include "rev/revfile.h"
#include "rev/revgraph.h"
#include "db/session.h"
#include "db/store.h"

static int load(struct ctx *c, struct revdir *rd, struct err *e)
{
	const struct config_value *v = &c->cfg.v[CFG_MIGRATIONS_DIR];
	return revdir_load(rd, v->text, v->origin != ORIGIN_DEFAULT, e);
}

/* ---- formatting like alembic ---------------------------------------------- */

static int is_head(const struct revgraph *g, size_t i)
{
	const size_t *next;
	return revgraph_next(g, i, &next) == 0;
}

/* Nothing has i as down revision or dependency (Alembic's _is_real_head). */
static int is_real_head(const struct revgraph *g, size_t i)
{
	const size_t *real;
	size_t n = revgraph_real_heads(g, &real);
	for (size_t k = 0; k < n; k++)
		if (real[k] == i)
			return 1;
	return 0;
}

/* What Script._head_only (alembic/script/base.py) adds to an id. */
enum {
	FMT_BRANCHES = 1, /* " (label, …)" */
	FMT_TREE = 2,     /* " (branchpoint)", " (mergepoint)" */
	FMT_PARENTS = 4,  /* "down, … (deps) -> " before the id */
	FMT_DOC = 8       /* ", message" after */
};

/* "<down> (<deps>) -> 9c1d2e3f4a5b (mylabel) (head) (mergepoint), message":
 * "(head)" for a real head, "(effective head)" for a head that another
 * revision depends on, as Alembic prints them. */
static void format_rev(const struct revdir *rd, size_t i, int flags, char *buf, size_t cap)
{
	const struct revgraph *g = rd->graph;
	const char *const *labels = revgraph_labels(g, i);
	size_t len = 0;
	buf[0] = '\0';
#define ADD(...)                                                                   \
	do {                                                                       \
		if (len < cap)                                                     \
			len += (size_t)snprintf(buf + len, cap - len, __VA_ARGS__); \
	} while (0)
	if (flags & FMT_PARENTS) {
		const size_t *down, *deps;
		size_t nd = revgraph_down(g, i, &down), np = revgraph_depends(g, i, &deps);
		for (size_t k = 0; k < nd; k++)
			ADD("%s%s", k ? ", " : "", revgraph_id(g, down[k]));
		if (nd == 0)
			ADD("<base>");
		for (size_t k = 0; k < np; k++)
			ADD("%s%s", k ? ", " : " (", revgraph_id(g, deps[k]));
		ADD("%s -> ", np ? ")" : "");
	}
	ADD("%s", revgraph_id(g, i));
	if ((flags & FMT_BRANCHES) && labels && labels[0]) {
		for (size_t k = 0; labels[k]; k++)
			ADD("%s%s", k ? ", " : " (", labels[k]);
		ADD(")");
	}
	if (is_real_head(g, i))
		ADD(" (head)");
	else if (is_head(g, i))
		ADD(" (effective head)");
	if ((flags & FMT_TREE) && revgraph_is_branch_point(g, i))
		ADD(" (branchpoint)");
	if ((flags & FMT_TREE) && revgraph_is_merge_point(g, i))
		ADD(" (mergepoint)");
	if (flags & FMT_DOC)
		ADD(", %s", rd->files[i].rev.message ? rd->files[i].rev.message : "");
#undef ADD
}

static void format_ids(const struct revgraph *g, const size_t *ids, size_t n, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < n && len < cap; k++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", k ? ", " : "", revgraph_id(g, ids[k]));
}

/* A history line, as `alembic history`. */
static void print_short(const struct revdir *rd, size_t i)
{
	char line[4096];
	format_rev(rd, i, FMT_PARENTS | FMT_BRANCHES | FMT_TREE | FMT_DOC, line, sizeof line);
	printf("%s\n", line);
}

/* Alembic's Script.log_entry: the Rev line has no branch labels (they are
 * under "Branch names") and "(head)" means no revision builds on it. */
static void print_verbose(const struct revdir *rd, size_t i)
{
	const struct revgraph *g = rd->graph;
	const struct revfile *f = &rd->files[i].rev;
	const size_t *down, *next, *deps;
	size_t nd = revgraph_down(g, i, &down), nn = revgraph_next(g, i, &next);
	size_t np = revgraph_depends(g, i, &deps);
	const char *const *labels = revgraph_labels(g, i);
	char buf[2048];
	char *abs = realpath(rd->files[i].path, NULL);

	printf("Rev: %s%s%s%s\n", revgraph_id(g, i), is_head(g, i) ? " (head)" : "",
	       revgraph_is_branch_point(g, i) ? " (branchpoint)" : "",
	       revgraph_is_merge_point(g, i) ? " (mergepoint)" : "");
	format_ids(g, down, nd, buf, sizeof buf);
	if (nd > 1)
		printf("Merges: %s\n", buf);
	else
		printf("Parent: %s\n", nd ? buf : "<base>");
	if (np) {
		format_ids(g, deps, np, buf, sizeof buf);
		printf("Also depends on: %s\n", buf);
	}
	if (nn > 1) {
		format_ids(g, next, nn, buf, sizeof buf);
		printf("Branches into: %s\n", buf);
	}
	if (labels && labels[0]) {
		size_t len = 0;
		for (size_t k = 0; labels[k] && len < sizeof buf; k++)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", k ? ", " : "", labels[k]);
		printf("Branch names: %s\n", buf);
	}
	printf("Path: %s\n\n", abs ? abs : rd->files[i].path);
	free(abs);
	format_ids(g, down, nd, buf, sizeof buf);
	printf("    %s\n    \n    Revision ID: %s\n    Revises: %s\n    Create Date: %s\n\n",
	       f->message ? f->message : "", f->revision, buf, f->create_date ? f->create_date : "");
}

/* ---- online commands ------------------------------------------------------ */

static int migrate_command(struct ctx *c, int upgrade, struct err *e)
{
	struct revdir rd;
	struct session s;
	struct migrate_report rep;
	const char *target = c->cli.nargs > 0 ? c->cli.args[0] : upgrade ? "head" : NULL;
	char took[32];
	int rc = -1;

	if (!target)
		return err_set(e, EXIT_USAGE, "downgrade needs a target (a revision, -1, base)");
	if (load(c, &rd, e) < 0)
		return -1;
	if (c->cli.sql) {
		rc = offline_run(stdout, &c->cfg, &rd, target, upgrade, e);
		revdir_release(&rd);
		return rc;
	}
	if (strchr(target, ':')) {
		revdir_release(&rd);
		return err_set(e, EXIT_USAGE, "a FROM:TO range needs --sql");
	}
	if (session_open(&s, &c->cfg, 1, e) == 0 && migrate_report_changed(s.conn, &c->cfg, &rd, e) == 0 &&
	    (upgrade ? migrate_upgrade : migrate_downgrade)(s.conn, &c->cfg, &rd, target, &rep, e) == 0) {
		if (rep.steps == 0)
			log_info("nothing to do: the database is at %s", rep.from);
		else
			log_info("%s from %s to %s: %d revision%s in %s", upgrade ? "upgraded" : "downgraded",
				 rep.from, rep.to, rep.steps, rep.steps == 1 ? "" : "s",
				 duration_format(rep.ms, took, sizeof took));
		rc = 0;
	}
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

int cmd_upgrade(struct ctx *c, struct err *e) { return migrate_command(c, 1, e); }
int cmd_downgrade(struct ctx *c, struct err *e) { return migrate_command(c, 0, e); }

int cmd_current(struct ctx *c, struct err *e)
{
	struct revdir rd;
	struct session s;
	char **heads = NULL;
	size_t n = 0;
	int rc = -1;

	if (load(c, &rd, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 0, e) == 0 && migrate_heads(s.conn, &c->cfg, &rd, &heads, &n, e) == 0) {
		if (c->cli.verbose) {
			char url[1024];
			dburl_redact(config_str(&c->cfg, CFG_DATABASE_URL) ? config_str(&c->cfg, CFG_DATABASE_URL)
									   : s.target.display,
				     url, sizeof url);
			printf("Current revision(s) for %s:\n", url);
		}
		for (size_t i = 0; i < n; i++) {
			const struct revdir_file *f = revdir_find(&rd, heads[i]);
			size_t idx = (size_t)(f - rd.files);
			char rev[1024];
			if (c->cli.verbose) {
				print_verbose(&rd, idx);
			} else {
				format_rev(&rd, idx, FMT_TREE, rev, sizeof rev);
				printf("%s\n", rev);
			}
		}
		rc = 0;
	}
	store_free_heads(heads, n);
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

int cmd_stamp(struct ctx *c, struct err *e)
{
	struct revdir rd;
	struct session s;
	struct migrate_report rep;
	int rc = -1;

	if (c->cli.nargs < 1)
		return err_set(e, EXIT_USAGE, "stamp needs a target (a revision, head, heads, base)");
	if (load(c, &rd, e) < 0)
		return -1;
	if (c->cli.sql) {
		revdir_release(&rd);
		return err_set(e, EXIT_USAGE, "stamp --sql is not supported");
	}
	if (session_open(&s, &c->cfg, 1, e) == 0 &&
	    migrate_stamp(s.conn, &c->cfg, &rd, c->cli.args[0], c->cli.purge, &rep, e) == 0) {
		log_info("stamped: %s -> %s (nothing was run)", rep.from, rep.to);
		rc = 0;
	}
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

int cmd_check(struct ctx *c, struct err *e)
{
	struct revdir rd;
	struct session s;
	struct revplan plan = {0};
	char **heads = NULL;
	size_t n = 0;
	int rc = -1;

	if (load(c, &rd, e) < 0)
		return -1;
	if (session_open(&s, &c->cfg, 0, e) == 0 && migrate_heads(s.conn, &c->cfg, &rd, &heads, &n, e) == 0) {
		if (!rd.graph || revplan_upgrade(rd.graph, (const char *const *)heads, n, "heads",
						 &plan, e) == 0) {
			for (size_t i = 0; i < plan.n_steps; i++)
				print_short(&rd, plan.steps[i].rev);
			if (plan.n_steps > 0) {
				err_set(e, EXIT_FAILURE_GENERIC, "%zu revision%s pending", plan.n_steps,
					plan.n_steps == 1 ? "" : "s");
			} else {
				log_info("the database is at head: no revisions pending");
				rc = 0;
			}
		}
	}
	revplan_release(&plan);
	store_free_heads(heads, n);
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

int cmd_baseline(struct ctx *c, struct err *e)
{
	struct revdir rd;
	struct session s;
	struct init_report irep;
	struct migrate_report mrep;
	const char *target = c->cli.nargs > 0 ? c->cli.args[0] : NULL;
	int rc = -1;

	if (load(c, &rd, e) < 0)
		return -1;
	if (!target && rd.graph) {
		const size_t *bases;
		size_t nb = revgraph_bases(rd.graph, &bases);
		if (nb != 1) {
			revdir_release(&rd);
			return err_set(e, EXIT_USAGE, "several base revisions: name the one to stamp "
						      "(migrate baseline REV)");
		}
		target = revgraph_id(rd.graph, bases[0]);
	}
	if (session_open(&s, &c->cfg, 1, e) == 0 && init_baseline(s.conn, &c->cfg, &irep, e) == 0 &&
	    (!target || migrate_stamp(s.conn, &c->cfg, &rd, target, 0, &mrep, e) == 0)) {
		log_info("baseline: %d init script%s recorded as baselined%s%s", irep.baselined,
			 irep.baselined == 1 ? "" : "s", target ? ", stamped " : "", target ? mrep.to : "");
		rc = 0;
	}
	session_close(&s);
	revdir_release(&rd);
	return rc;
}

/* ---- offline commands ----------------------------------------------------- */

int cmd_history(struct ctx *c, struct err *e)
{
	struct revdir rd;
	size_t *order = NULL, n = 0;
	char *lower = NULL, *upper = NULL;
	int rc = -1;

	if (load(c, &rd, e) < 0)
		return -1;
	if (!rd.graph) {
		revdir_release(&rd);
		return 0;
	}
	if (c->cli.rev_range && revgraph_split_range(c->cli.rev_range, &lower, &upper, e) < 0)
		goto out;
	if (revgraph_history(rd.graph, lower, upper, &order, &n, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (c->cli.verbose)
			print_verbose(&rd, order[i]);
		else
			print_short(&rd, order[i]);
	}
	rc = 0;
out:
	free(order);
	free(lower);
	free(upper);
	revdir_release(&rd);
	return rc;
}

int cmd_heads(struct ctx *c, struct err *e)
{
	struct revdir rd;
	const size_t *heads;
	size_t n;
	if (load(c, &rd, e) < 0)
		return -1;
	n = rd.graph ? revgraph_heads(rd.graph, &heads) : 0;
	for (size_t i = 0; i < n; i++) {
		char rev[1024];
		if (c->cli.verbose) {
			print_verbose(&rd, heads[i]);
			continue;
		}
		format_rev(&rd, heads[i], FMT_BRANCHES, rev, sizeof rev);
		printf("%s\n", rev);
	}
	revdir_release(&rd);
	return 0;
}

/* As `alembic branches`: each branch point (newest first), the revisions it
 * branches into, and a blank line; -v gives the full entry and messages. */
int cmd_branches(struct ctx *c, struct err *e)
{
	struct revdir rd;
	size_t *order = NULL, n = 0;
	int rc = -1;
	if (load(c, &rd, e) < 0)
		return -1;
	if (rd.graph && revgraph_history(rd.graph, NULL, NULL, &order, &n, e) < 0)
		goto out;
	for (size_t o = 0; o < n; o++) {
		size_t i = order[o];
		const size_t *next;
		size_t nn;
		char rev[1024];
		if (!revgraph_is_branch_point(rd.graph, i))
			continue;
		if (c->cli.verbose) {
			print_verbose(&rd, i);
		} else {
			format_rev(&rd, i, FMT_BRANCHES | FMT_TREE, rev, sizeof rev);
			printf("%s\n", rev);
		}
		nn = revgraph_next(rd.graph, i, &next);
		for (size_t k = 0; k < nn; k++) {
			char to[2048];
			format_rev(&rd, next[k], FMT_BRANCHES | FMT_TREE | (c->cli.verbose ? FMT_DOC : 0), to,
				   sizeof to);
			printf("%*s -> %s\n", (int)strlen(revgraph_id(rd.graph, i)), "", to);
		}
		printf("\n");
	}
	rc = 0;
out:
	free(order);
	revdir_release(&rd);
	return rc;
}

int cmd_show(struct ctx *c, struct err *e)
{
	struct revdir rd;
	size_t found[64], n = 0;
	int rc = -1;
	if (c->cli.nargs < 1)
		return err_set(e, EXIT_USAGE, "show needs a revision");
	if (load(c, &rd, e) < 0)
		return -1;
	if (!rd.graph) {
		err_set(e, EXIT_GRAPH, "no revisions in \"%s\"", rd.dir);
	} else if (revgraph_resolve(rd.graph, c->cli.args[0], found, 64, &n, e) == 0) {
		for (size_t i = 0; i < n; i++)
			print_verbose(&rd, found[i]);
		rc = 0;
	}
	revdir_release(&rd);
	return rc;
}

int cmd_validate(struct ctx *c, struct err *e)
{
	struct revdir rd;
	const size_t *heads;
	size_t n;
	if (load(c, &rd, e) < 0)
		return -1;
	for (size_t i = 0; i < rd.n; i++) {
		if (migrate_check_section(&rd.files[i], 1, e) < 0 ||
		    migrate_check_section(&rd.files[i], 0, e) < 0) {
			revdir_release(&rd);
			return -1;
		}
	}
	n = rd.graph ? revgraph_heads(rd.graph, &heads) : 0;
	if (n > 1) {
		char ids[1024];
		format_ids(rd.graph, heads, n, ids, sizeof ids);
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

int cmd_revision(struct ctx *c, struct err *e)
{
	struct revdir rd;
	const char *down[64];
	size_t n_down = 0;
	int rc = -1;

	if (c->cli.nargs > 0)
		return err_set(e, EXIT_USAGE, "revision takes no argument \"%s\" (use -m MSG)", c->cli.args[0]);
	if (load(c, &rd, e) < 0)
		return -1;
	if (c->cli.head && strcmp(c->cli.head, "base") != 0) {
		size_t found[64], n;
		if (!rd.graph) {
			err_set(e, EXIT_GRAPH, "no revisions in \"%s\" for --head %s", rd.dir, c->cli.head);
			goto out;
		}
		if (revgraph_resolve(rd.graph, c->cli.head, found, 64, &n, e) < 0)
			goto out;
		for (size_t i = 0; i < n; i++) {
			if (!is_head(rd.graph, found[i]) && !c->cli.splice) {
				err_set(e, EXIT_USAGE, "revision %s is not a head revision",
					revgraph_id(rd.graph, found[i]));
				err_hint(e, "use --splice to start a new branch from it");
				goto out;
			}
			down[n_down++] = revgraph_id(rd.graph, found[i]);
		}
	} else if (!c->cli.head && rd.graph) {
		const size_t *heads;
		size_t n = revgraph_heads(rd.graph, &heads);
		if (n > 1) {
			err_set(e, EXIT_USAGE, "several heads are present");
			err_hint(e, "name the head to build on with --head REV, or merge them first with "
				    "'migrate merge -m MSG heads'");
			goto out;
		}
		if (n == 1)
			down[n_down++] = revgraph_id(rd.graph, heads[0]);
	}
	rc = write_revision(c, &rd, down, n_down, e);
out:
	revdir_release(&rd);
	return rc;
}

int cmd_merge(struct ctx *c, struct err *e)
{
	struct revdir rd;
	const char *down[64];
	size_t n_down = 0;
	int rc = -1;

	if (load(c, &rd, e) < 0)
		return -1;
	if (!rd.graph) {
		err_set(e, EXIT_GRAPH, "no revisions in \"%s\" to merge", rd.dir);
		goto out;
	}
	for (int a = 0; a < (c->cli.nargs ? c->cli.nargs : 1); a++) {
		size_t found[64], n;
		if (revgraph_resolve(rd.graph, c->cli.nargs ? c->cli.args[a] : "heads", found, 64, &n, e) < 0)
			goto out;
		for (size_t i = 0; i < n && n_down < 64; i++)
			down[n_down++] = revgraph_id(rd.graph, found[i]);
	}
	if (n_down < 2) {
		err_set(e, EXIT_USAGE, "nothing to merge: %s", n_down ? "only one revision given" : "no revisions");
		goto out;
	}
	rc = write_revision(c, &rd, down, n_down, e);
out:
	revdir_release(&rd);
	return rc;
}
