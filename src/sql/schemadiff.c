/*
 * schemadiff.c — see schemadiff.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "sql/schemadiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* Where a new table's columns go in its CREATE TABLE (db/catalog.c puts it). */
#define COLUMNS_HERE '\x1e'

void schema_release(struct schema *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct schema_object *o = &s->o[i];
		free(o->kind);
		free(o->key);
		free(o->parent);
		free(o->sig);
		free(o->create);
		free(o->drop);
		free(o->alter);
		free(o->deps);
	}
	free(s->o);
	s->o = NULL;
	s->n = 0;
}

void schemadiff_release(struct schema_diff *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->ops[i].sql);
		free(d->ops[i].warning);
		free(d->ops[i].what);
		free(d->ops[i].deps);
	}
	free(d->ops);
	d->ops = NULL;
	d->n = 0;
}

/* ---- finding objects by "kind key" --------------------------------------- */

struct index {
	const struct schema_object **by_name;
	size_t n;
};

static int compare_objects(const void *a, const void *b)
{
	const struct schema_object *x = *(const struct schema_object *const *)a;
	const struct schema_object *y = *(const struct schema_object *const *)b;
	int c = strcmp(x->kind, y->kind);
	return c ? c : strcmp(x->key, y->key);
}

static int index_build(struct index *ix, const struct schema *s)
{
	ix->n = s->n;
	ix->by_name = malloc((s->n ? s->n : 1) * sizeof *ix->by_name);
	if (!ix->by_name)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		ix->by_name[i] = &s->o[i];
	qsort(ix->by_name, ix->n, sizeof *ix->by_name, compare_objects);
	return 0;
}

static const struct schema_object *index_find(const struct index *ix, const char *kind,
					      const char *key)
{
	struct schema_object probe = {.kind = (char *)kind, .key = (char *)key};
	const struct schema_object *p = &probe, *const *hit;
	hit = bsearch(&p, ix->by_name, ix->n, sizeof *ix->by_name, compare_objects);
	return hit ? *hit : NULL;
}

/* "kind key" (one line of deps or a parent) found in ix. */
static const struct schema_object *index_find_ref(const struct index *ix, const char *ref,
						  size_t len)
{
	char kind[32];
	char *key;
	const struct schema_object *o;
	const char *sp = memchr(ref, ' ', len);
	if (!sp || (size_t)(sp - ref) >= sizeof kind)
		return NULL;
	memcpy(kind, ref, (size_t)(sp - ref));
	kind[sp - ref] = '\0';
	if ((key = strndup(sp + 1, len - (size_t)(sp - ref) - 1)) == NULL)
		return NULL;
	o = index_find(ix, kind, key);
	free(key);
	return o;
}

/* ---- building operations -------------------------------------------------- */

struct builder {
	const struct schema *from, *to;
	struct index ifrom, ito;
	struct schema_diff *out;
	size_t cap;
	char *recreated; /* per object of from: its view is dropped and created again */
	int failed;
};

static struct schema_op *add_op(struct builder *b, enum schema_action action,
				const struct schema_object *o, const char *verb)
{
	struct schema_op *op;
	struct strbuf what = {0};
	if (b->out->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct schema_op *p = realloc(b->out->ops, cap * sizeof *p);
		if (!p) {
			b->failed = 1;
			return NULL;
		}
		b->out->ops = p;
		b->cap = cap;
	}
	strbuf_printf(&what, "%s %s %s", verb, o->kind, o->key);
	op = &b->out->ops[b->out->n];
	*op = (struct schema_op){action, o->phase, o->kind, o->key, strdup(o->deps), NULL, NULL, NULL, 0};
	if (what.failed || !op->deps || !(op->what = strbuf_detach(&what))) {
		strbuf_release(&what);
		free(op->deps);
		b->failed = 1;
		return NULL;
	}
	b->out->n++;
	return op;
}

/* Set op's SQL: the statements of text (each ends with ";\n"). */
static void set_sql(struct builder *b, struct schema_op *op, const char *text)
{
	struct strbuf s = {0};
	if (!op)
		return;
	strbuf_puts(&s, text);
	strbuf_puts(&s, ";\n");
	if (s.failed || !(op->sql = strbuf_detach(&s))) {
		strbuf_release(&s);
		b->failed = 1;
	}
}

int schemadiff_hold(struct schema_op *op, const char *why)
{
	free(op->warning);
	op->warning = strdup(why);
	return op->warning ? 0 : -1;
}

static void hold(struct builder *b, struct schema_op *op, const char *why)
{
	if (op && schemadiff_hold(op, why) < 0)
		b->failed = 1;
}

/* op needs what o needs, too (an object it takes along). */
static void add_deps(struct builder *b, struct schema_op *op, const struct schema_object *o)
{
	struct strbuf s = {0};
	if (!op || !o->deps[0])
		return;
	strbuf_printf(&s, "%s%s%s", op->deps, op->deps[0] ? "\n" : "", o->deps);
	if (s.failed) {
		strbuf_release(&s);
		b->failed = 1;
		return;
	}
	free(op->deps);
	op->deps = strbuf_detach(&s);
}

/* The drop that takes o along: the op of its nearest dropped ancestor. */
static struct schema_op *taken_by(struct builder *b, const struct schema_object *o)
{
	for (int depth = 0; o && o->parent[0] && depth < 8; depth++) {
		const struct schema_object *p = index_find_ref(&b->ifrom, o->parent, strlen(o->parent));
		if (!p)
			return NULL;
		for (size_t i = 0; i < b->out->n; i++) {
			struct schema_op *op = &b->out->ops[i];
			if (op->action == SCHEMA_DROP && op->kind == p->kind && op->key == p->key)
				return op;
		}
		o = p;
	}
	return NULL;
}

/* Is the parent chain of o (in ix) dropped, i.e. absent from other? */
static int parent_gone(const struct index *ix, const struct index *other,
		       const struct schema_object *o)
{
	for (int depth = 0; o && o->parent[0] && depth < 8; depth++) {
		const struct schema_object *p = index_find_ref(ix, o->parent, strlen(o->parent));
		if (!p)
			return 0;
		if (!index_find(other, p->kind, p->key))
			return 1;
		o = p;
	}
	return 0;
}

/* A new table: its new columns go into its CREATE TABLE. */
static void create_table(struct builder *b, const struct schema_object *t)
{
	struct strbuf s = {0};
	const char *at = strchr(t->create, COLUMNS_HERE);
	struct schema_op *op = add_op(b, SCHEMA_CREATE, t, "add");
	size_t ncols = 0;
	if (!op)
		return;
	if (!at) {
		set_sql(b, op, t->create);
		return;
	}
	strbuf_add(&s, t->create, (size_t)(at - t->create));
	for (size_t i = 0; i < b->to->n; i++) {
		const struct schema_object *c = &b->to->o[i];
		if (strcmp(c->kind, "column") != 0 || strncmp(c->parent, "table ", 6) != 0 ||
		    strcmp(c->parent + 6, t->key) != 0)
			continue;
		strbuf_printf(&s, "%s\n    %s", ncols++ ? "," : "", c->alter);
		add_deps(b, op, c);
	}
	strbuf_puts(&s, ncols ? "\n" : "");
	strbuf_puts(&s, at + 1);
	if (s.failed) {
		strbuf_release(&s);
		b->failed = 1;
		return;
	}
	set_sql(b, op, s.s);
	strbuf_release(&s);
}

/* Field i (0-based) of a column signature, into buf. */
static const char *field(const char *sig, int i, char *buf, size_t cap)
{
	const char *p = sig, *end;
	for (; i > 0 && p; i--)
		p = (p = strchr(p, SCHEMA_FIELD)) ? p + 1 : NULL;
	if (!p) {
		buf[0] = '\0';
		return buf;
	}
	end = strchr(p, SCHEMA_FIELD);
	snprintf(buf, cap, "%.*s", (int)(end ? (size_t)(end - p) : strlen(p)), p);
	return buf;
}

enum { F_TYPE, F_NOTNULL, F_DEFAULT, F_IDENTITY, F_GENERATED, F_COLLATION };

/* A type change PostgreSQL makes without rewriting the table or checking
 * values: a longer varchar, varchar to text. */
static int widening(const char *from, const char *to)
{
	long n, m;
	if (strcmp(to, "text") == 0 && strncmp(from, "character varying", 17) == 0)
		return 1;
	if (sscanf(from, "character varying(%ld)", &n) == 1 && strcmp(to, "character varying") == 0)
		return 1;
	return sscanf(from, "character varying(%ld)", &n) == 1 &&
	       sscanf(to, "character varying(%ld)", &m) == 1 && m >= n;
}

static void change_column(struct builder *b, const struct schema_object *old,
			  const struct schema_object *new)
{
	char a[4096], z[4096], ta[4096], coll[512];
	const char *sep = strstr(new->drop, " DROP COLUMN ");
	struct strbuf s = {0}, risky = {0};
	struct schema_op *op;
	if (!sep) {
		b->failed = 1;
		return;
	}
	/* "ALTER TABLE t ALTER COLUMN c " */
	strbuf_printf(&s, "%.*s ALTER COLUMN %s ", (int)(sep - new->drop), new->drop, sep + 13);
	const size_t head = s.len;
	char *prefix = strndup(s.s ? s.s : "", head);
	strbuf_release(&s);
	if (!prefix) {
		b->failed = 1;
		return;
	}
	int same_collation = strcmp(field(old->sig, F_COLLATION, a, sizeof a),
				    field(new->sig, F_COLLATION, coll, sizeof coll)) == 0;
	if (strcmp(field(old->sig, F_TYPE, ta, sizeof ta), field(new->sig, F_TYPE, z, sizeof z)) ||
	    !same_collation) {
		struct strbuf *to = widening(ta, z) && same_collation ? &s : &risky;
		strbuf_printf(to, "%sTYPE %s%s%s USING %s::%s;\n", prefix, z, coll[0] ? " COLLATE " : "",
			      coll, sep + 13, z);
	}
	if (strcmp(field(old->sig, F_IDENTITY, a, sizeof a), field(new->sig, F_IDENTITY, z, sizeof z)) ||
	    strcmp(field(old->sig, F_GENERATED, a, sizeof a),
		   field(new->sig, F_GENERATED, z, sizeof z)))
		strbuf_printf(&risky, "-- identity or generation changed: drop and add %s again\n",
			      new->key);
	else if (strcmp(field(old->sig, F_DEFAULT, a, sizeof a),
			field(new->sig, F_DEFAULT, z, sizeof z)) != 0) {
		if (z[0])
			strbuf_printf(&s, "%sSET DEFAULT %s;\n", prefix, z);
		else
			strbuf_printf(&s, "%sDROP DEFAULT;\n", prefix);
	}
	if (strcmp(field(old->sig, F_NOTNULL, a, sizeof a), field(new->sig, F_NOTNULL, z, sizeof z)))
		strbuf_printf(&s, "%s%s NOT NULL;\n", prefix, z[0] == 't' ? "SET" : "DROP");
	free(prefix);
	if (s.failed || risky.failed) {
		b->failed = 1;
	} else {
		if (s.len && (op = add_op(b, SCHEMA_CHANGE, new, "change")) != NULL &&
		    !(op->sql = strbuf_detach(&s)))
			b->failed = 1;
		if (risky.len && (op = add_op(b, SCHEMA_CHANGE, new, "change")) != NULL) {
			struct strbuf why = {0};
			strbuf_printf(&why, "column %s: %s; it may rewrite the table or fail on "
					    "existing values, so it is not run: check it and uncomment",
				      new->key, strstr(risky.s, "identity") ? "identity or generation "
									      "changed"
									    : "type or collation changed");
			op->sql = strbuf_detach(&risky);
			hold(b, op, why.s ? why.s : "a risky column change");
			strbuf_release(&why);
			if (!op->sql)
				b->failed = 1;
		}
	}
	strbuf_release(&s);
	strbuf_release(&risky);
}

/* The next line of *p (one enum label), advancing it. */
static size_t next_line(const char **p, const char **start)
{
	const char *nl = strchr(*p, '\n');
	size_t len = nl ? (size_t)(nl - *p) : strlen(*p);
	*start = *p;
	*p += len + (nl ? 1 : 0);
	return len;
}

static int has_line(const char *lines, const char *s, size_t len)
{
	const char *p = lines, *l;
	size_t n;
	while (*p)
		if ((n = next_line(&p, &l)) == len && memcmp(l, s, len) == 0)
			return 1;
	return 0;
}

/* An enum: values added (each after the one before it in the new order) are
 * ALTER TYPE … ADD VALUE; a value removed or moved is reported. */
static void change_enum(struct builder *b, const struct schema_object *old,
			const struct schema_object *new)
{
	struct strbuf s = {0}, why = {0};
	const char *po = old->alter, *pn = new->alter, *lo = NULL, *ln, *prev = NULL;
	size_t no = 0, nn, prev_len = 0;
	int ordered = 1;
	struct schema_op *op = add_op(b, SCHEMA_CHANGE, new, "change");
	if (!op)
		return;
	/* the old labels must appear in the new list in the same order */
	if (*po)
		no = next_line(&po, &lo);
	while (*pn) {
		nn = next_line(&pn, &ln);
		if (lo && no == nn && memcmp(lo, ln, nn) == 0) {
			lo = NULL;
			if (*po)
				no = next_line(&po, &lo);
		} else if (has_line(old->alter, ln, nn)) {
			ordered = 0;
		} else if (prev) {
			strbuf_printf(&s, "ALTER TYPE %s ADD VALUE %.*s AFTER %.*s;\n", new->key, (int)nn,
				      ln, (int)prev_len, prev);
		} else {
			const char *first = old->alter;
			size_t flen = strcspn(first, "\n");
			strbuf_printf(&s, "ALTER TYPE %s ADD VALUE %.*s BEFORE %.*s;\n", new->key,
				      (int)nn, ln, (int)flen, first);
		}
		prev = ln;
		prev_len = nn;
	}
	if (lo || !ordered) {
		strbuf_release(&s);
		strbuf_printf(&s, "-- enum %s: values were removed or reordered\n", new->key);
		strbuf_printf(&why, "enum %s: values were removed or reordered; PostgreSQL cannot drop "
				    "or move an enum value: create a new type and convert the columns "
				    "by hand",
			      new->key);
		hold(b, op, why.s ? why.s : "an enum changed");
	}
	if (s.failed || !(op->sql = strbuf_detach(&s)))
		b->failed = 1;
	strbuf_release(&s);
	strbuf_release(&why);
}

static void drop_and_create(struct builder *b, const struct schema_object *old,
			    const struct schema_object *new)
{
	set_sql(b, add_op(b, SCHEMA_DROP, old, "drop"), old->drop);
	set_sql(b, add_op(b, SCHEMA_CREATE, new, "add"), new->create);
}

static void change(struct builder *b, const struct schema_object *old,
		   const struct schema_object *new)
{
	const char *k = new->kind;
	struct schema_op *op;
	if (strcmp(k, "column") == 0) {
		change_column(b, old, new);
	} else if (strcmp(k, "type") == 0 && new->alter[0] && old->alter[0]) {
		change_enum(b, old, new);
	} else if (strcmp(k, "sequence") == 0) {
		struct strbuf s = {0};
		strbuf_printf(&s, "ALTER SEQUENCE %s %s", new->key, new->alter);
		if (!s.failed)
			set_sql(b, add_op(b, SCHEMA_CHANGE, new, "change"), s.s);
		b->failed |= s.failed;
		strbuf_release(&s);
	} else if (strcmp(k, "function") == 0 || strcmp(k, "comment") == 0 ||
		   strcmp(k, "owned") == 0) {
		set_sql(b, add_op(b, SCHEMA_CHANGE, new, "change"), new->create);
	} else if (strcmp(k, "table") == 0 || strcmp(k, "type") == 0 ||
		   strcmp(k, "extension") == 0) {
		struct strbuf why = {0};
		op = add_op(b, SCHEMA_CHANGE, new, "change");
		set_sql(b, op, new->create);
		strbuf_printf(&why, "%s %s changed (%s); dropping it would drop what depends on it: "
				    "change it by hand",
			      k, new->key,
			      strcmp(k, "table") == 0 ? "its kind, partitioning, inheritance or options"
						      : "its definition");
		hold(b, op, why.s ? why.s : "changed");
		strbuf_release(&why);
	} else {
		drop_and_create(b, old, new);
	}
}

/* Tables whose columns change type or go away: the views on them are made
 * again.  Views on a view made again, too (to a fixed point). */
static int needs_recreate(const struct builder *b, const struct schema_object *v)
{
	const char *p = v->deps, *l;
	size_t n;
	while (*p) {
		const struct schema_object *d;
		n = next_line(&p, &l);
		d = index_find_ref(&b->ifrom, l, n);
		if (!d)
			continue;
		if (b->recreated[d - b->from->o])
			return 1;
		if (!index_find(&b->ito, d->kind, d->key))
			return 1; /* it goes away */
	}
	return 0;
}

static void mark_recreated_views(struct builder *b)
{
	/* a table is "recreated" here when one of its columns goes away or
	 * changes type: views on it cannot stay */
	for (size_t i = 0; i < b->from->n; i++) {
		const struct schema_object *c = &b->from->o[i], *n;
		char x[4096], y[4096];
		if (strcmp(c->kind, "column") != 0)
			continue;
		n = index_find(&b->ito, c->kind, c->key);
		if (n && strcmp(field(c->sig, F_TYPE, x, sizeof x), field(n->sig, F_TYPE, y, sizeof y)) == 0)
			continue;
		const struct schema_object *t = index_find_ref(&b->ifrom, c->parent, strlen(c->parent));
		if (t)
			b->recreated[t - b->from->o] = 1;
	}
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < b->from->n; i++) {
			const struct schema_object *v = &b->from->o[i], *n;
			if (b->recreated[i] || strcmp(v->kind, "view") != 0)
				continue;
			n = index_find(&b->ito, v->kind, v->key);
			if (n && (strcmp(n->sig, v->sig) != 0 || needs_recreate(b, v))) {
				b->recreated[i] = 1;
				changed = 1;
			}
		}
	}
}

/* An index op that may run CONCURRENTLY (schema_op.online). */
static void mark_online(struct builder *b, struct schema_op *op)
{
	const struct schema_object *ix, *t;
	if (strcmp(op->kind, "index") != 0 || op->action == SCHEMA_CHANGE)
		return;
	ix = index_find(op->action == SCHEMA_CREATE ? &b->ito : &b->ifrom, op->kind, op->key);
	if (!ix || strncmp(ix->create, "CREATE INDEX ", 13) != 0)
		return; /* unique: a foreign key in the transaction may need it */
	t = index_find_ref(&b->ifrom, ix->parent, strlen(ix->parent));
	op->online = t && index_find(&b->ito, t->kind, t->key) && !strstr(t->create, " PARTITION BY ");
}

int schemadiff(const struct schema *from, const struct schema *to, struct schema_diff *out)
{
	struct builder b = {.from = from, .to = to, .out = out};
	memset(out, 0, sizeof *out);
	if (index_build(&b.ifrom, from) < 0 || index_build(&b.ito, to) < 0 ||
	    !(b.recreated = calloc(from->n + 1, 1))) {
		b.failed = 1;
		goto done;
	}
	mark_recreated_views(&b);
	for (size_t i = 0; i < from->n && !b.failed; i++) {
		const struct schema_object *o = &from->o[i], *n = index_find(&b.ito, o->kind, o->key);
		if (!n && !parent_gone(&b.ifrom, &b.ito, o))
			set_sql(&b, add_op(&b, SCHEMA_DROP, o, "drop"), o->drop);
		else if (!n) /* goes with its parent, which must go before what it needs */
			add_deps(&b, taken_by(&b, o), o);
		else if (n && strcmp(o->kind, "view") == 0 && b.recreated[i])
			drop_and_create(&b, o, n);
		else if (n && strcmp(o->sig, n->sig) != 0)
			change(&b, o, n);
	}
	for (size_t i = 0; i < to->n && !b.failed; i++) {
		const struct schema_object *o = &to->o[i];
		const struct schema_object *old = index_find(&b.ifrom, o->kind, o->key), *up;
		if (old) {
			/* unchanged, on a view that is made again: made again with it */
			up = old->parent[0] ? index_find_ref(&b.ifrom, old->parent, strlen(old->parent))
					    : NULL;
			if (up && b.recreated[up - from->o] && strcmp(up->kind, "view") == 0 &&
			    strcmp(old->sig, o->sig) == 0)
				set_sql(&b, add_op(&b, SCHEMA_CREATE, o, "add"), o->create);
			continue;
		}
		if (strcmp(o->kind, "table") == 0)
			create_table(&b, o);
		else if (strcmp(o->kind, "column") == 0 && parent_gone(&b.ito, &b.ifrom, o) &&
			 strncmp(o->parent, "table ", 6) == 0)
			continue; /* in its table's CREATE TABLE */
		else
			set_sql(&b, add_op(&b, SCHEMA_CREATE, o, "add"), o->create);
	}
	for (size_t i = 0; i < out->n && !b.failed; i++)
		mark_online(&b, &out->ops[i]);
	if (!b.failed && schemadiff_order(out->ops, out->n) < 0)
		b.failed = 1;
done:
	free(b.ifrom.by_name);
	free(b.ito.by_name);
	free(b.recreated);
	if (b.failed)
		schemadiff_release(out);
	return b.failed ? -1 : 0;
}

/* ---- order ------------------------------------------------------------------ */

/* Drops: the higher phase first; the rest: the lower phase first, a
 * change before a creation. */
static long rank(const struct schema_op *op)
{
	if (op->action == SCHEMA_DROP)
		return 1000L - op->phase;
	return (long)op->phase * 2 + (op->action == SCHEMA_CREATE);
}

struct named {
	const char *kind, *key;
	size_t len_kind, at;
};

static int compare_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);
	return c ? c : strcmp(x->key, y->key);
}

/* The op named by one line of deps ("kind key"), or n. */
static size_t find_named(const struct named *names, size_t n, const char *line, size_t len)
{
	char kind[32];
	const char *sp = memchr(line, ' ', len);
	char *key;
	struct named probe, *hit;
	if (!sp || (size_t)(sp - line) >= sizeof kind)
		return n;
	memcpy(kind, line, (size_t)(sp - line));
	kind[sp - line] = '\0';
	if ((key = strndup(sp + 1, len - (size_t)(sp - line) - 1)) == NULL)
		return n;
	probe = (struct named){kind, key, 0, 0};
	hit = bsearch(&probe, names, n, sizeof *names, compare_named);
	free(key);
	return hit ? hit->at : n;
}

/* Order ops[0..n), all drops or none: repeatedly the first op of the lowest
 * rank that nothing left must precede (what needs it, for drops; what it
 * needs, else); in a cycle, the first of the lowest rank. */
static int order_group(struct schema_op *ops, size_t n, int drops)
{
	struct named *names = malloc((n ? n : 1) * sizeof *names);
	size_t *blockers = calloc(n + 1, sizeof *blockers), nedges = 0, cap = 0;
	size_t (*edges)[2] = NULL; /* [0] must precede [1] */
	struct schema_op *out = malloc((n ? n : 1) * sizeof *out);
	char *done = calloc(n + 1, 1);
	int rc = -1;
	if (!names || !blockers || !out || !done)
		goto fail;
	for (size_t i = 0; i < n; i++)
		names[i] = (struct named){ops[i].kind, ops[i].key, 0, i};
	qsort(names, n, sizeof *names, compare_named);
	for (size_t i = 0; i < n; i++) {
		const char *p = ops[i].deps ? ops[i].deps : "", *l;
		size_t len, j;
		while (*p) {
			len = next_line(&p, &l);
			if ((j = find_named(names, n, l, len)) == n || j == i)
				continue;
			if (nedges == cap) {
				size_t (*grown)[2] = realloc(edges, (cap = cap ? cap * 2 : 64) * sizeof *edges);
				if (!grown)
					goto fail;
				edges = grown;
			}
			/* i needs j: a drop of i before j's, a creation of j before i's */
			edges[nedges][0] = drops ? i : j;
			edges[nedges][1] = drops ? j : i;
			blockers[edges[nedges][1]]++;
			nedges++;
		}
	}
	for (size_t k = 0; k < n; k++) {
		size_t pick = n, fallback = n;
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			if (fallback == n || rank(&ops[i]) < rank(&ops[fallback]))
				fallback = i;
			if (!blockers[i] && (pick == n || rank(&ops[i]) < rank(&ops[pick])))
				pick = i;
		}
		if (pick == n)
			pick = fallback;
		done[pick] = 1;
		out[k] = ops[pick];
		for (size_t x = 0; x < nedges; x++)
			if (edges[x][0] == pick && blockers[edges[x][1]])
				blockers[edges[x][1]]--;
	}
	if (n > 0)
		memcpy(ops, out, n * sizeof *ops);
	rc = 0;
fail:
	free(names);
	free(blockers);
	free(edges);
	free(out);
	free(done);
	return rc;
}

int schemadiff_order(struct schema_op *ops, size_t n)
{
	struct schema_op *tmp = malloc((n ? n : 1) * sizeof *tmp);
	size_t nd = 0, k = 0;
	int rc;
	if (!tmp)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (ops[i].action == SCHEMA_DROP)
			tmp[nd++] = ops[i];
	k = nd;
	for (size_t i = 0; i < n; i++)
		if (ops[i].action != SCHEMA_DROP)
			tmp[k++] = ops[i];
	rc = order_group(tmp, nd, 1) < 0 || order_group(tmp + nd, n - nd, 0) < 0 ? -1 : 0;
	if (rc == 0 && n > 0)
		memcpy(ops, tmp, n * sizeof *ops);
	free(tmp);
	return rc;
}

/* ---- text ------------------------------------------------------------------- */

static void comment_out(struct strbuf *s, const char *sql)
{
	const char *p = sql, *l;
	size_t n;
	while (*p) {
		n = next_line(&p, &l);
		if (n >= 3 && memcmp(l, "-- ", 3) == 0)
			strbuf_printf(s, "%.*s\n", (int)n, l);
		else
			strbuf_printf(s, "-- %.*s\n", (int)n, l);
	}
}

/* Does op comment on an index that is built CONCURRENTLY? */
static int on_online_index(const struct schema_diff *d, const struct schema_op *op)
{
	if (strcmp(op->kind, "comment") != 0 || strncmp(op->key, "index ", 6) != 0)
		return 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->ops[i].online && d->ops[i].action == SCHEMA_CREATE &&
		    strcmp(d->ops[i].key, op->key + 6) == 0)
			return 1;
	return 0;
}

static void statement(struct strbuf *s, const struct schema_op *op)
{
	strbuf_puts(s, "\n");
	if (op->warning)
		comment_out(s, op->sql);
	else
		strbuf_puts(s, op->sql);
}

/* The statements in three parts: online drops, a transaction, online
 * creations and what comments on them. */
static void render_concurrently(struct strbuf *s, const struct schema_diff *d)
{
	int in_block = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->ops[i].online && d->ops[i].action == SCHEMA_DROP)
			strbuf_printf(s, "\nDROP INDEX CONCURRENTLY IF EXISTS %s;\n", d->ops[i].key);
	for (size_t i = 0; i < d->n; i++) {
		if (d->ops[i].online || on_online_index(d, &d->ops[i]))
			continue;
		if (!in_block++)
			strbuf_puts(s, "\nBEGIN;\n");
		statement(s, &d->ops[i]);
	}
	if (in_block)
		strbuf_puts(s, "\nCOMMIT;\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct schema_op *op = &d->ops[i];
		if (op->online && op->action == SCHEMA_CREATE)
			strbuf_printf(s, "\nDROP INDEX CONCURRENTLY IF EXISTS %s;\nCREATE INDEX "
					 "CONCURRENTLY %s",
				      op->key, op->sql + 13);
		else if (on_online_index(d, op))
			statement(s, op);
	}
}

char *schemadiff_render(const struct schema_diff *d, const char *source, int concurrently,
			int *autocommit)
{
	struct strbuf s = {0};
	size_t held = 0, online = 0;
	for (size_t i = 0; concurrently && i < d->n; i++)
		online += d->ops[i].online != 0;
	*autocommit = online > 0;
	strbuf_printf(&s, "-- Generated by migrate revision --autogenerate from %s: %zu operation%s\n",
		      source, d->n, d->n == 1 ? "" : "s");
	for (size_t i = 0; i < d->n; i++)
		strbuf_printf(&s, "--   %s%s%s\n", d->ops[i].what,
			      d->ops[i].warning ? " (not run)" : "",
			      online && d->ops[i].online ? " (concurrently)" : "");
	for (size_t i = 0; i < d->n; i++)
		if (d->ops[i].warning) {
			strbuf_printf(&s, "-- WARNING: %s\n", d->ops[i].warning);
			held++;
		}
	if (held)
		strbuf_puts(&s, "-- The statements not run are below, commented out.\n");
	if (online) {
		strbuf_puts(&s, "-- --concurrently: indexes are built and dropped CONCURRENTLY outside "
				"the transaction, so this section runs with transaction:false; a failure "
				"after the COMMIT leaves what ran before it applied.\n");
		render_concurrently(&s, d);
	} else {
		for (size_t i = 0; i < d->n; i++)
			statement(&s, &d->ops[i]);
	}
	if (s.failed) {
		strbuf_release(&s);
		return NULL;
	}
	return strbuf_detach(&s);
}
