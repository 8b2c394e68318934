/*
 * fuzz_alembic_parse.c — the reader of the records `migrate import-alembic`
 * gets from its Python half (cmd/alembic_read.h: alembic_parse), on any
 * bytes that end right before an inaccessible page (the records are not
 * NUL-terminated: a read past their end faults, also inside libc).
 *
 * Invariants: a failure is EXIT_CONFIG, and what was parsed
 * up to it is released; a success, written back as records ("TAG LEN\n"
 * VALUE "\n", the format of src/cmd/import_alembic.py) and parsed again,
 * gives the same project: version, settings, warnings, and every revision
 * with its path, lists, date, message and both bodies (segments in order
 * with their transaction mode, error, source).  Strings are compared as C
 * strings: a value holding a NUL is cut there on both sides.
 */
#include "fuzz.h"

#include "cmd/alembic_read.h"

struct bytes {
	char *p;
	size_t n, cap;
};

static void add(struct bytes *b, const char *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->n + n + 1 > cap)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void rec(struct bytes *b, const char *tag, const char *v)
{
	char head[64];
	size_t n = strlen(v);
	int k = snprintf(head, sizeof head, "%s %zu\n", tag, n);
	add(b, head, (size_t)k);
	add(b, v, n);
	add(b, "\n", 1);
}

static void body(struct bytes *b, const char *dir, const struct alembic_body *bd)
{
	char tag[16];
	for (size_t i = 0; i < bd->n_segments; i++) {
		snprintf(tag, sizeof tag, "%s.%s", dir, bd->segments[i].in_transaction ? "tx" : "auto");
		rec(b, tag, bd->segments[i].sql);
	}
	if (bd->error) {
		snprintf(tag, sizeof tag, "%s.error", dir);
		rec(b, tag, bd->error);
	}
	if (bd->source) {
		snprintf(tag, sizeof tag, "%s.source", dir);
		rec(b, tag, bd->source);
	}
}

static void write_project(struct bytes *b, const struct alembic_project *p)
{
	if (p->alembic_version)
		rec(b, "alembic", p->alembic_version);
	for (size_t i = 0; i < p->n_settings; i++)
		rec(b, "setting", p->settings[i]);
	for (size_t i = 0; i < p->n_warnings; i++)
		rec(b, "warning", p->warnings[i]);
	for (size_t i = 0; i < p->n_revs; i++) {
		const struct alembic_rev *r = &p->revs[i];
		rec(b, "rev", r->id);
		if (r->path)
			rec(b, "path", r->path);
		for (size_t k = 0; k < r->n_down; k++)
			rec(b, "down", r->down[k]);
		for (size_t k = 0; k < r->n_labels; k++)
			rec(b, "label", r->labels[k]);
		for (size_t k = 0; k < r->n_depends; k++)
			rec(b, "dep", r->depends_on[k]);
		if (r->create_date)
			rec(b, "date", r->create_date);
		if (r->message)
			rec(b, "message", r->message);
		body(b, "up", &r->upgrade);
		body(b, "down", &r->downgrade);
	}
	rec(b, "end", "");
}

static void same_str(const char *a, const char *b, const char *what)
{
	FUZZ_CHECK((a == NULL) == (b == NULL), what);
	if (a)
		FUZZ_CHECK(strcmp(a, b) == 0, what);
}

static void same_list(char **a, size_t na, char **b, size_t nb, const char *what)
{
	FUZZ_CHECK(na == nb, what);
	FUZZ_CHECK((a == NULL) == (na == 0), "an empty list is NULL");
	for (size_t i = 0; i < na; i++)
		same_str(a[i], b[i], what);
}

static void same_body(const struct alembic_body *a, const struct alembic_body *b)
{
	FUZZ_CHECK(a->n_segments == b->n_segments, "segment count");
	for (size_t i = 0; i < a->n_segments; i++) {
		FUZZ_CHECK(a->segments[i].in_transaction == b->segments[i].in_transaction,
			   "segment mode");
		same_str(a->segments[i].sql, b->segments[i].sql, "segment sql");
	}
	same_str(a->error, b->error, "body error");
	same_str(a->source, b->source, "body source");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guarded g;
	char *buf = fuzz_guarded(data, size, &g);
	struct alembic_project p, q;
	struct err e;

	memset(&p, 0, sizeof p);
	memset(&e, 0, sizeof e);
	if (alembic_parse(&p, buf, size, &e) != 0) {
		FUZZ_CHECK(e.code == EXIT_CONFIG, "error code");
		alembic_project_release(&p);
		fuzz_unguard(&g);
		return 0;
	}
	{
		struct bytes b = {0};
		write_project(&b, &p);
		memset(&q, 0, sizeof q);
		FUZZ_CHECK(alembic_parse(&q, b.p, b.n, &e) == 0, "records written back do not parse");
		same_str(p.alembic_version, q.alembic_version, "alembic version");
		same_list(p.settings, p.n_settings, q.settings, q.n_settings, "settings");
		same_list(p.warnings, p.n_warnings, q.warnings, q.n_warnings, "warnings");
		FUZZ_CHECK(p.n_revs == q.n_revs, "revision count");
		for (size_t i = 0; i < p.n_revs; i++) {
			const struct alembic_rev *r = &p.revs[i], *s = &q.revs[i];
			same_str(r->id, s->id, "id");
			same_str(r->path, s->path, "path");
			same_list(r->down, r->n_down, s->down, s->n_down, "down");
			same_list(r->labels, r->n_labels, s->labels, s->n_labels, "labels");
			same_list(r->depends_on, r->n_depends, s->depends_on, s->n_depends, "depends");
			same_str(r->create_date, s->create_date, "date");
			same_str(r->message, s->message, "message");
			same_body(&r->upgrade, &s->upgrade);
			same_body(&r->downgrade, &s->downgrade);
		}
		alembic_project_release(&q);
		free(b.p);
	}
	alembic_project_release(&p);
	fuzz_unguard(&g);
	return 0;
}
