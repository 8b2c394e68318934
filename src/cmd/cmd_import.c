/*
 * cmd_import.c — `migrate import-alembic [ALEMBIC_INI] [--out DIR] [--check]`
 * (docs/reference.md §10.6): an Alembic project's revisions, rendered one by
 * one by Alembic in offline mode (cmd/alembic_read.h), written as revision
 * files with the same ids and graph; or, with --check, compared with the
 * files already in DIR.
 *
 * A revision whose upgrade() or downgrade() cannot be rendered without a
 * database (it reads rows, imports the application, ...) is written with an
 * `-- unconverted:` header line and its Python as comments: nothing runs
 * while such a file is in the directory (migrate_check_converted).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/alembic_read.h"
#include "cmd/commands.h"
#include "migrate/revdir.h"
#include "rev/revfile.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/strbuf.h"

/* ---- one revision file ---------------------------------------------------- */

/* "x/1a2b_create_users.py" -> "1a2b_create_users.sql" */
static void sql_name(const char *py, char *out, size_t cap)
{
	const char *base = strrchr(py, '/');
	base = base ? base + 1 : py;
	size_t n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".py") == 0)
		n -= 3;
	snprintf(out, cap, "%.*s.sql", (int)n, base);
}

static void add_commented(struct strbuf *b, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");
		strbuf_puts(b, n ? "--     " : "--");
		strbuf_add(b, text, n);
		strbuf_puts(b, "\n");
		text += n + (text[n] == '\n');
	}
}

static int all_in(const struct alembic_body *body, int in_tx)
{
	for (size_t i = 0; i < body->n_segments; i++)
		if (body->segments[i].in_transaction != in_tx)
			return 0;
	return 1;
}

/* One `-- migrate:<name>` section.  Segments rendered inside Alembic's
 * autocommit_block() make the section transaction:false; when there are
 * also statements outside the block, they keep the transactions Alembic
 * gives them, written out as BEGIN … COMMIT. */
static void add_section(struct strbuf *b, const char *name, const struct alembic_body *body)
{
	int mixed = !all_in(body, 1) && !all_in(body, 0);
	strbuf_printf(b, "\n-- migrate:%s%s\n", name, all_in(body, 1) ? "" : " transaction:false");
	if (body->error) {
		const char *src = body->source ? body->source : "";
		size_t where = strcspn(src, "\n");
		strbuf_printf(b, "-- Alembic could not render %s() without a database: %s\n", name,
			      body->error);
		strbuf_puts(b, "-- Write its SQL here, then delete the \"-- unconverted:\" line above.\n");
		if (*src) {
			strbuf_printf(b, "-- The Python (%.*s):\n", (int)where, src);
			add_commented(b, src[where] ? src + where + 1 : "");
		}
		return;
	}
	if (mixed)
		strbuf_puts(b, "-- Alembic runs part of this in autocommit_block(); the statements "
			       "around it keep their own transactions.\n");
	for (size_t i = 0; i < body->n_segments; i++) {
		const struct alembic_segment *seg = &body->segments[i];
		if (i > 0)
			strbuf_puts(b, "\n");
		if (mixed && seg->in_transaction)
			strbuf_puts(b, "BEGIN;\n\n");
		strbuf_puts(b, seg->sql);
		if (mixed && seg->in_transaction)
			strbuf_puts(b, "\nCOMMIT;\n");
	}
}

static void unconverted_text(const struct alembic_rev *r, struct strbuf *why)
{
	const char *up = r->upgrade.error, *down = r->downgrade.error;
	if (up && down && strcmp(up, down) == 0)
		strbuf_printf(why, "upgrade and downgrade: %s", up);
	else if (up && down)
		strbuf_printf(why, "upgrade: %s; downgrade: %s", up, down);
	else if (up || down)
		strbuf_printf(why, "%s: %s", up ? "upgrade" : "downgrade", up ? up : down);
}

/* The whole text of r's revision file (malloc'd), or NULL with e set. */
static char *compose(const struct alembic_rev *r, struct err *e)
{
	struct strbuf why = {0}, b = {0};
	char *header;
	unconverted_text(r, &why);
	struct revfile_new nf = {
		.revision = r->id,
		.down_revisions = (const char *const *)r->down,
		.n_down = r->n_down,
		.branch_labels = (const char *const *)r->labels,
		.n_labels = r->n_labels,
		.depends_on = (const char *const *)r->depends_on,
		.n_depends = r->n_depends,
		.create_date = r->create_date,
		.message = r->message,
		.unconverted = why.len ? why.s : NULL,
	};
	int rc = revfile_format_header(&header, &nf, e);
	strbuf_release(&why);
	if (rc < 0) {
		err_prefix(e, "%s: ", r->path);
		e->code = EXIT_GRAPH;
		return NULL;
	}
	strbuf_puts(&b, header);
	free(header);
	add_section(&b, "upgrade", &r->upgrade);
	add_section(&b, "downgrade", &r->downgrade);
	return strbuf_detach(&b);
}

/* ---- comparing SQL -------------------------------------------------------- */

/* s[0..n) with comments dropped and every run of whitespace outside quotes
 * (' " $tag$) made one space, trimmed: what --check compares. */
static void normalise_sql(const char *s, size_t n, struct strbuf *out)
{
	size_t i = 0;
	int space = 0;
	while (i < n) {
		char c = s[i];
		if (c == '-' && i + 1 < n && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
			space = 1;
		} else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			int depth = 0;
			do {
				if (s[i] == '/' && i + 1 < n && s[i + 1] == '*')
					depth++, i++;
				else if (s[i] == '*' && i + 1 < n && s[i + 1] == '/')
					depth--, i++;
				i++;
			} while (i < n && depth > 0);
			space = 1;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			space = 1;
			i++;
		} else {
			size_t start = i, end = i + 1;
			if (c == '\'' || c == '"') {
				while (end < n && s[end] != c)
					end++;
				end = end < n ? end + 1 : n;
			} else if (c == '$') {
				size_t t = i + 1;
				while (t < n && (s[t] == '_' || (s[t] >= 'a' && s[t] <= 'z') ||
						 (s[t] >= 'A' && s[t] <= 'Z') || (s[t] >= '0' && s[t] <= '9')))
					t++;
				if (t < n && s[t] == '$') {
					size_t tag = t + 1 - i;
					end = t + 1;
					while (end + tag <= n && memcmp(s + end, s + i, tag) != 0)
						end++;
					end = end + tag <= n ? end + tag : n;
				}
			}
			if (space && out->len > 0)
				strbuf_puts(out, " ");
			space = 0;
			strbuf_add(out, s + start, end - start);
			i = end;
		}
	}
}

static int same_section(const char *ta, const struct revfile_section *a, const char *tb,
			const struct revfile_section *b)
{
	struct strbuf na = {0}, nb = {0};
	if (a->present != b->present || (a->present && a->transactional != b->transactional))
		return 0;
	normalise_sql(ta + a->offset, a->length, &na);
	normalise_sql(tb + b->offset, b->length, &nb);
	int same = na.len == nb.len && (na.len == 0 || memcmp(na.s, nb.s, na.len) == 0);
	strbuf_release(&na);
	strbuf_release(&nb);
	return same;
}

static int same_set(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++) {
		size_t j = 0;
		while (j < nb && strcmp(a[i], b[j]) != 0)
			j++;
		if (j == nb)
			return 0;
	}
	return 1;
}

/* The differences between the imported rev (its file text and parse) and the
 * file f already in the directory; printed, and counted. */
static int compare_one(const struct alembic_rev *r, const char *text, const struct revfile *want,
		       const struct revdir_file *f)
{
	const struct revfile *have = &f->rev;
	int diffs = 0;
	if (!same_set(want->down_revisions, want->n_down, have->down_revisions, have->n_down))
		printf("%s: down_revision differs from %s\n", f->path, r->path), diffs++;
	if (!same_set(want->branch_labels, want->n_labels, have->branch_labels, have->n_labels))
		printf("%s: branch_labels differ from %s\n", f->path, r->path), diffs++;
	if (!same_set(want->depends_on, want->n_depends, have->depends_on, have->n_depends))
		printf("%s: depends_on differs from %s\n", f->path, r->path), diffs++;
	/* what Alembic cannot render was converted by hand: nothing to compare */
	if (!r->upgrade.error && !same_section(text, &want->upgrade, f->text, &have->upgrade))
		printf("%s: the upgrade SQL differs from what %s renders\n", f->path, r->path), diffs++;
	if (!r->downgrade.error && !same_section(text, &want->downgrade, f->text, &have->downgrade))
		printf("%s: the downgrade SQL differs from what %s renders\n", f->path, r->path),
			diffs++;
	return diffs;
}

/* ---- the command ---------------------------------------------------------- */

struct imported {
	char name[512];
	char *text;
	struct revfile parsed;
};

static void release_imported(struct imported *im, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(im[i].text);
		revfile_release(&im[i].parsed);
	}
	free(im);
}

static int compose_all(const struct alembic_project *p, struct imported **out, struct err *e)
{
	struct imported *im = calloc(p->n_revs ? p->n_revs : 1, sizeof *im);
	if (!im)
		return err_set(e, EXIT_CONFIG, "out of memory");
	*out = im;
	for (size_t i = 0; i < p->n_revs; i++) {
		const struct alembic_rev *r = &p->revs[i];
		sql_name(r->path, im[i].name, sizeof im[i].name);
		for (size_t j = 0; j < i; j++)
			if (strcmp(im[j].name, im[i].name) == 0)
				return err_set(e, EXIT_GRAPH,
					       "%s and %s would both be written as %s", p->revs[j].path,
					       r->path, im[i].name);
		if (!(im[i].text = compose(r, e)) ||
		    revfile_parse(&im[i].parsed, im[i].text, strlen(im[i].text), r->path, e) < 0)
			return -1;
	}
	return 0;
}

static int check_dir(const struct alembic_project *p, const struct imported *im, const char *dir,
		     struct err *e)
{
	struct revdir rd;
	int diffs = 0;
	if (revdir_load(&rd, dir, 1, e) < 0)
		return -1;
	for (size_t i = 0; i < p->n_revs; i++) {
		const struct revdir_file *f = revdir_find(&rd, p->revs[i].id);
		if (!f) {
			printf("%s: revision %s (%s) is missing\n", dir, p->revs[i].id, p->revs[i].path);
			diffs++;
		} else {
			diffs += compare_one(&p->revs[i], im[i].text, &im[i].parsed, f);
		}
	}
	for (size_t i = 0; i < rd.n; i++) {
		size_t j = 0;
		while (j < p->n_revs && strcmp(p->revs[j].id, rd.files[i].rev.revision) != 0)
			j++;
		if (j == p->n_revs) {
			printf("%s: revision %s is not in the Alembic project\n", rd.files[i].path,
			       rd.files[i].rev.revision);
			diffs++;
		}
	}
	revdir_release(&rd);
	if (diffs)
		return err_set(e, EXIT_FAILURE_GENERIC, "%s differs from the Alembic project in %d "
			       "place%s", dir, diffs, diffs == 1 ? "" : "s");
	printf("%s matches the Alembic project (%zu revisions)\n", dir, p->n_revs);
	return 0;
}

/* Refuse before writing anything when a file would be overwritten with other
 * text; a file with the same text is left as it is. */
static int check_targets(struct imported *im, size_t n, const char *dir, int *same, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		char *path = fs_join(dir, im[i].name), *old = NULL;
		size_t len;
		struct err ignore = {0};
		same[i] = 0;
		if (fs_read_file(path, &old, &len, &ignore) == 0) {
			same[i] = len == strlen(im[i].text) && memcmp(old, im[i].text, len) == 0;
			free(old);
			if (!same[i]) {
				err_set(e, EXIT_CONFIG, "%s exists and differs from what the import writes",
					path);
				free(path);
				return err_hint(e, "compare with --check, or remove the file");
			}
		}
		free(path);
	}
	return 0;
}

static int write_dir(const struct alembic_project *p, struct imported *im, const char *dir,
		     struct err *e)
{
	int *same = calloc(p->n_revs ? p->n_revs : 1, sizeof *same);
	struct revdir rd;
	if (!same)
		return err_set(e, EXIT_CONFIG, "out of memory");
	if (!fs_is_dir(dir) && mkdir(dir, 0755) < 0) {
		free(same);
		return err_set(e, EXIT_CONFIG, "cannot create %s: %s", dir, strerror(errno));
	}
	if (check_targets(im, p->n_revs, dir, same, e) < 0) {
		free(same);
		return -1;
	}
	for (size_t i = 0; i < p->n_revs; i++) {
		char *path = fs_join(dir, im[i].name);
		int rc = same[i] ? 0 : fs_write_file(path, im[i].text, strlen(im[i].text), 0, e);
		if (rc == 0)
			log_info("%s %s", same[i] ? "unchanged" : "wrote", path);
		free(path);
		if (rc < 0) {
			free(same);
			return -1;
		}
	}
	free(same);
	/* the graph as migrate reads it: a missing parent or a duplicate id
	 * with another file of the directory shows now */
	if (revdir_load(&rd, dir, 1, e) < 0)
		return -1;
	revdir_release(&rd);
	return 0;
}

static int summary(const struct alembic_project *p, const struct imported *im, const char *dir,
		   struct err *e)
{
	size_t unconverted = 0;
	for (size_t i = 0; i < p->n_settings; i++) {
		const char *eq = strchr(p->settings[i], '=');
		int n = eq ? (int)(eq - p->settings[i]) : 0;
		log_warn("env.py sets %s; say the same in migrate.ini: [migrations] %.*s = %s", p->settings[i],
			 n, p->settings[i], eq ? eq + 1 : "");
	}
	for (size_t i = 0; i < p->n_warnings; i++)
		log_warn("%s", p->warnings[i]);
	for (size_t i = 0; i < p->n_revs; i++) {
		if (!im[i].parsed.unconverted)
			continue;
		unconverted++;
		log_warn("%s/%s: revision %s needs converting by hand (%s)", dir, im[i].name,
			 p->revs[i].id, im[i].parsed.unconverted);
	}
	log_info("imported %zu revision%s from Alembic %s into %s: %zu rendered, %zu to convert by "
		 "hand",
		 p->n_revs, p->n_revs == 1 ? "" : "s", p->alembic_version ? p->alembic_version : "?",
		 dir, p->n_revs - unconverted, unconverted);
	if (unconverted == 0)
		return 0;
	err_set(e, EXIT_GRAPH, "%zu revision%s could not be rendered without a database", unconverted,
		unconverted == 1 ? "" : "s");
	return err_hint(e, "write their SQL by hand (each file holds its Python as comments) and "
			   "delete their \"-- unconverted:\" lines; nothing runs until then");
}

int cmd_import_alembic(struct ctx *c, struct err *e)
{
	const char *ini = c->cli.nargs > 0 ? c->cli.args[0] : "alembic.ini";
	const char *section = c->cli.ini_name ? c->cli.ini_name : "alembic";
	const char *dir = c->cli.out_dir ? c->cli.out_dir
					 : config_str(&c->cfg, CFG_MIGRATIONS_DIR);
	struct alembic_project p;
	struct imported *im = NULL;
	char python[1024];
	int rc;

	if (!dir)
		dir = "migrations";
	alembic_python(c->cli.python, python, sizeof python);
	if (alembic_read(&p, python, ini, section, e) < 0) {
		alembic_project_release(&p);
		return -1;
	}
	rc = compose_all(&p, &im, e);
	if (rc == 0)
		rc = c->cli.check ? check_dir(&p, im, dir, e)
				  : (write_dir(&p, im, dir, e) < 0 ? -1 : summary(&p, im, dir, e));
	release_imported(im, p.n_revs);
	alembic_project_release(&p);
	return rc;
}
