/*
 * revdir.c — see revdir.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "migrate/revdir.h"

#include <stdlib.h>
#include <string.h>

#include "util/fsutil.h"
#include "util/sig.h"
#include "util/thread.h"

/* The graph's input for a parsed file; *in borrows rf's strings. */
static void input_from_revfile(struct revgraph_input *in, const struct revfile *rf)
{
	memset(in, 0, sizeof *in);
	in->id = rf->revision;
	in->down = (const char *const *)rf->down_revisions;
	in->n_down = rf->n_down;
	in->labels = (const char *const *)rf->branch_labels;
	in->n_labels = rf->n_labels;
	in->depends = (const char *const *)rf->depends_on;
	in->n_depends = rf->n_depends;
	in->file = rf->file;
}

int revdir_load(struct revdir *rd, const char *dir, int must_exist, struct err *e)
{
	char **names = NULL;
	size_t n = 0;
	struct revgraph_input *inputs = NULL;
	struct digest *d = NULL;
	int rc = -1;

	memset(rd, 0, sizeof *rd);
	rd->dir = strdup(dir);
	if (!rd->dir)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	if (!fs_is_dir(dir)) {
		if (!must_exist)
			return 0;
		err_set(e, EXIT_CONFIG, "migrations directory \"%s\" does not exist", dir);
		revdir_release(rd);
		return -1;
	}
	if (fs_list(dir, ".sql", &names, &n, e) < 0) {
		revdir_release(rd);
		return -1;
	}
	rd->files = calloc(n ? n : 1, sizeof *rd->files);
	inputs = calloc(n ? n : 1, sizeof *inputs);
	d = digest_new();
	if (!rd->files || !inputs || !d) {
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct revdir_file *f = &rd->files[i];
		f->path = fs_join(dir, names[i]);
		if (!f->path) {
			err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
			goto out;
		}
		rd->n = i + 1;
		if (fs_read_regular(f->path, &f->text, &f->len, e) < 0)
			goto out;
		digest_update(d, f->text, f->len);
		digest_next(d, f->sha256);
		if (revfile_parse(&f->rev, f->text, f->len, f->path, e) < 0)
			goto out;
		input_from_revfile(&inputs[i], &f->rev);
	}
	if (n > 0 && revgraph_build(&rd->graph, inputs, n, e) < 0)
		goto out;
	rc = 0;
out:
	digest_free(d);
	free(inputs);
	fs_free_list(names, n);
	if (rc < 0)
		revdir_release(rd);
	return rc;
}

void revdir_release(struct revdir *rd)
{
	for (size_t i = 0; i < rd->n; i++) {
		free(rd->files[i].path);
		free(rd->files[i].text);
		revfile_release(&rd->files[i].rev);
	}
	free(rd->files);
	if (rd->graph)
		revgraph_free(rd->graph);
	free(rd->dir);
	memset(rd, 0, sizeof *rd);
}

static void *loader_main(void *arg)
{
	struct revdir_loader *l = arg;
	l->rc = revdir_load(&l->rd, l->dir, l->must_exist, &l->e);
	if (l->rc < 0)
		sig_request_stop();
	return NULL;
}

void revdir_loader_start(struct revdir_loader *l, const char *dir, int must_exist)
{
	memset(l, 0, sizeof *l);
	l->dir = dir;
	l->must_exist = must_exist;
	l->threaded = thread_start(&l->thread, loader_main, l) == 0;
	if (!l->threaded)
		l->rc = revdir_load(&l->rd, dir, must_exist, &l->e);
}

int revdir_loader_finish(struct revdir_loader *l, struct revdir *rd, struct err *e)
{
	if (l->threaded)
		pthread_join(l->thread, NULL);
	l->threaded = 0;
	*rd = l->rd;
	memset(&l->rd, 0, sizeof l->rd);
	if (l->rc < 0)
		*e = l->e;
	return l->rc;
}

const struct revdir_file *revdir_find(const struct revdir *rd, const char *id)
{
	size_t i;
	struct err ignored = {0};
	if (!rd->graph || revgraph_lookup(rd->graph, id, &i, &ignored) < 0)
		return NULL;
	return strcmp(rd->files[i].rev.revision, id) == 0 ? &rd->files[i] : NULL;
}
