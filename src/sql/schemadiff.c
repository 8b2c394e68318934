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

#define KIND_MAX 32

/* A reference "kind key" (one line of deps, a parent; len bytes) split:
 * the kind into kind, the key malloc'd (NULL when malformed or out of
 * memory). */
static char *split_ref(const char *ref, size_t len, char kind[KIND_MAX])
{
	const char *sp = memchr(ref, ' ', len);
	if (!sp || (size_t)(sp - ref) >= KIND_MAX)
		return NULL;
	memcpy(kind, ref, (size_t)(sp - ref));
	kind[sp - ref] = '\0';
	return strndup(sp + 1, len - (size_t)(sp - ref) - 1);
}

/* "kind key" (one line of deps or a parent) found in ix. */
static const struct schema_object *index_find_ref(const struct index *ix, const char *ref,
						  size_t len)
{
	char kind[KIND_MAX], *key = split_ref(ref, len, kind);
	const struct schema_object *o = key ? index_find(ix, kind, key) : NULL;
	free(key);
	return o;
}

/* ---- building operations -------------------------------------------------- */

struct builder {
	const struct schema *from, *to;
	struct index ifrom, ito;
	struct schema_diff *out;
	size_t cap;
	/* per object of from: what becomes of it */
	char *fate;
	int failed;
};

enum fate {
	KEEP,    /* stays, changed in place when its signature differs */
	DROP,    /* not in the new schema */
	REMAKE,  /* dropped and created again (a view, an index … that changed, or
		  * stands on something that is dropped or made again) */
	UNSTABLE /* a table that stays, one of whose columns goes or changes type:
		  * the views on it are made again */
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
	*op = (struct schema_op){action, o->phase, o->kind,  o->key, strdup(o->deps),
				 NULL,   NULL,     NULL,     0,       o->parent};
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

/* Field i (0-based) of a column signature, malloc'd ("" when missing). */
static char *field(const char *sig, int i)
{
	const char *p = sig, *end;
	for (; i > 0 && p; i--)
		p = (p = strchr(p, SCHEMA_FIELD)) ? p + 1 : NULL;
	if (!p)
		return strdup("");
	end = strchr(p, SCHEMA_FIELD);
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

enum { F_TYPE, F_NOTNULL, F_DEFAULT, F_IDENTITY, F_GENERATED, F_COLLATION };

/* A type change PostgreSQL makes without rewriting the table or checking
 * values: a longer varchar, varchar to text. */
static int widening(const char *from, const char *to)
{
	long n, m;
	if (strstr(from, "[]") || strstr(to, "[]"))
		return 0;
	if (strcmp(to, "text") == 0 && strncmp(from, "character varying", 17) == 0)
		return 1;
	if (sscanf(from, "character varying(%ld)", &n) == 1 && strcmp(to, "character varying") == 0)
		return 1;
	return sscanf(from, "character varying(%ld)", &n) == 1 &&
	       sscanf(to, "character varying(%ld)", &m) == 1 && m >= n;
}

/* A column changed in place: its type (held unless it only widens), its
 * default (a default that goes is dropped among the drops, before what it
 * used goes; a new one is set among the changes, after what it uses
 * came), its nullability; a changed identity or generation is held. */
static void change_column(struct builder *b, const struct schema_object *old,
			  const struct schema_object *new)
{
	enum { NF = F_COLLATION + 1 };
	char *was[NF], *now[NF], *prefix = NULL;
	const char *table = new->parent + 6, *column = new->key + strlen(new->parent + 6) + 1;
	struct strbuf s = {0}, risky = {0}, drop_default = {0};
	struct schema_op *op;
	int ok = 1;

	for (int i = 0; i < NF; i++) {
		was[i] = field(old->sig, i);
		now[i] = field(new->sig, i);
		ok &= was[i] && now[i];
	}
	/* "ALTER TABLE t ALTER COLUMN c " */
	strbuf_printf(&s, "ALTER TABLE %s ALTER COLUMN %s ", table, column);
	if (!ok || s.failed || !(prefix = strbuf_detach(&s)))
		goto fail;
	if (strcmp(was[F_TYPE], now[F_TYPE]) || strcmp(was[F_COLLATION], now[F_COLLATION])) {
		struct strbuf *to = widening(was[F_TYPE], now[F_TYPE]) &&
					    strcmp(was[F_COLLATION], now[F_COLLATION]) == 0
				    ? &s
				    : &risky;
		strbuf_printf(to, "%sTYPE %s%s%s USING %s::%s;\n", prefix, now[F_TYPE],
			      now[F_COLLATION][0] ? " COLLATE " : "", now[F_COLLATION], column,
			      now[F_TYPE]);
	}
	if (strcmp(was[F_IDENTITY], now[F_IDENTITY]) || strcmp(was[F_GENERATED], now[F_GENERATED])) {
		strbuf_printf(&risky, "-- identity or generation changed: drop and add %s again\n",
			      new->key);
	} else if (strcmp(was[F_DEFAULT], now[F_DEFAULT]) != 0) {
		if (was[F_DEFAULT][0])
			strbuf_printf(&drop_default, "%sDROP DEFAULT;\n", prefix);
		if (now[F_DEFAULT][0])
			strbuf_printf(&s, "%sSET DEFAULT %s;\n", prefix, now[F_DEFAULT]);
	}
	if (strcmp(was[F_NOTNULL], now[F_NOTNULL]))
		strbuf_printf(&s, "%s%s NOT NULL;\n", prefix, now[F_NOTNULL][0] == 't' ? "SET" : "DROP");
	if (s.failed || risky.failed || drop_default.failed)
		goto fail;
	if (drop_default.len && (op = add_op(b, SCHEMA_DROP, old, "change")) != NULL &&
	    !(op->sql = strbuf_detach(&drop_default)))
		goto fail;
	if (s.len && (op = add_op(b, SCHEMA_CHANGE, new, "change")) != NULL &&
	    !(op->sql = strbuf_detach(&s)))
		goto fail;
	if (risky.len && (op = add_op(b, SCHEMA_CHANGE, new, "change")) != NULL) {
		struct strbuf why = {0};
		strbuf_printf(&why, "column %s: %s; it may rewrite the table or fail on existing "
				    "values, so it is not run: check it and uncomment",
			      new->key, strstr(risky.s, "identity") ? "identity or generation changed"
								    : "type or collation changed");
		op->sql = strbuf_detach(&risky);
		hold(b, op, why.s ? why.s : "a risky column change");
		strbuf_release(&why);
		if (!op->sql)
			goto fail;
	}
	goto done;
fail:
	b->failed = 1;
done:
	for (int i = 0; i < NF; i++) {
		free(was[i]);
		free(now[i]);
	}
	free(prefix);
	strbuf_release(&s);
	strbuf_release(&risky);
	strbuf_release(&drop_default);
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
	}
	/* the kinds that are dropped and made again when they change
	 * (remade_kinds) are not changed in place: decide_fates made them
	 * REMAKE; a schema's signature is its name */
}

static int kind_is(const struct schema_object *o, const char *const *kinds)
{
	for (; *kinds; kinds++)
		if (strcmp(o->kind, *kinds) == 0)
			return 1;
	return 0;
}

/* Kinds that are dropped and created again when they change. */
static const char *const remade_kinds[] = {"view", "constraint", "fkey", "index", "trigger", NULL};

static enum fate fate_of(const struct builder *b, const struct schema_object *o)
{
	return (enum fate)b->fate[o - b->from->o];
}

/* Does o stand on something that is dropped or made again (or, for a
 * view, on a table whose columns shift)? */
static int stands_on_change(const struct builder *b, const struct schema_object *o)
{
	const char *p = o->deps, *l;
	size_t n;
	while (*p) {
		const struct schema_object *d;
		n = next_line(&p, &l);
		if ((d = index_find_ref(&b->ifrom, l, n)) == NULL)
			continue;
		if (fate_of(b, d) == DROP || fate_of(b, d) == REMAKE ||
		    (fate_of(b, d) == UNSTABLE && strcmp(o->kind, "view") == 0))
			return 1;
	}
	return 0;
}

static const struct schema_object *parent_of(const struct builder *b, const struct schema_object *o)
{
	return o->parent[0] ? index_find_ref(&b->ifrom, o->parent, strlen(o->parent)) : NULL;
}

/* A function whose result, argument names or kind change cannot be
 * replaced in place (CREATE OR REPLACE refuses): it is made again. */
static int remade_on_change(const struct schema_object *o)
{
	return kind_is(o, remade_kinds) || strcmp(o->kind, "function") == 0;
}

static void decide_fates(struct builder *b)
{
	for (size_t i = 0; i < b->from->n; i++) {
		const struct schema_object *o = &b->from->o[i];
		const struct schema_object *n = index_find(&b->ito, o->kind, o->key);
		if (!n)
			b->fate[i] = DROP;
		else if (strcmp(o->sig, n->sig) != 0 && remade_on_change(o) &&
			 (strcmp(o->kind, "function") != 0 || strcmp(o->alter, n->alter) != 0))
			b->fate[i] = REMAKE;
	}
	/* a column that goes or changes type shakes the views on its table */
	for (size_t i = 0; i < b->from->n; i++) {
		const struct schema_object *c = &b->from->o[i], *n, *t;
		char *x, *y;
		int same;
		if (strcmp(c->kind, "column") != 0 || (t = parent_of(b, c)) == NULL ||
		    fate_of(b, t) != KEEP)
			continue;
		n = index_find(&b->ito, c->kind, c->key);
		x = field(c->sig, F_TYPE);
		y = n ? field(n->sig, F_TYPE) : NULL;
		same = x && y && strcmp(x, y) == 0;
		free(x);
		free(y);
		if (!same)
			b->fate[t - b->from->o] = UNSTABLE;
	}
	/* what stands on what is made again is made again, to a fixed point;
	 * so is what belongs to it (an index of a materialized view, a
	 * comment) */
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < b->from->n; i++) {
			const struct schema_object *o = &b->from->o[i], *up = parent_of(b, o);
			if (b->fate[i] != KEEP || !index_find(&b->ito, o->kind, o->key))
				continue;
			if ((up && fate_of(b, up) == REMAKE) ||
			    (kind_is(o, remade_kinds) && stands_on_change(b, o))) {
				b->fate[i] = REMAKE;
				changed = 1;
			}
		}
	}
}

/* Is o taken along by the drop of an ancestor (dropped, or made again)? */
static int taken_along(const struct builder *b, const struct schema_object *o)
{
	for (int depth = 0; (o = parent_of(b, o)) != NULL && depth < 8; depth++)
		if (fate_of(b, o) == DROP || fate_of(b, o) == REMAKE)
			return 1;
	return 0;
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
	    !(b.fate = calloc(from->n + 1, 1))) {
		b.failed = 1;
		goto done;
	}
	decide_fates(&b);
	for (size_t i = 0; i < from->n && !b.failed; i++) {
		const struct schema_object *o = &from->o[i], *n = index_find(&b.ito, o->kind, o->key);
		if ((b.fate[i] == DROP || b.fate[i] == REMAKE) && taken_along(&b, o))
			/* goes with its parent, which must go before what it needs */
			add_deps(&b, taken_by(&b, o), o);
		else if (b.fate[i] == DROP || b.fate[i] == REMAKE)
			set_sql(&b, add_op(&b, SCHEMA_DROP, o, "drop"), o->drop);
		else if (strcmp(o->sig, n->sig) != 0)
			change(&b, o, n);
	}
	for (size_t i = 0; i < to->n && !b.failed; i++) {
		const struct schema_object *o = &to->o[i];
		const struct schema_object *old = index_find(&b.ifrom, o->kind, o->key);
		if (old) {
			if (fate_of(&b, old) == REMAKE)
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
	free(b.fate);
	if (b.failed)
		schemadiff_release(out);
	return b.failed ? -1 : 0;
}

/* ---- held drops ------------------------------------------------------------- */

/* Does op need other ("kind key" of other among op's deps)? */
static int op_needs(const struct schema_op *op, const struct schema_op *other)
{
	size_t kl = strlen(other->kind), keyl = strlen(other->key), n;
	const char *p = op->deps ? op->deps : "", *l;
	while (*p) {
		n = next_line(&p, &l);
		if (n == kl + 1 + keyl && memcmp(l, other->kind, kl) == 0 && l[kl] == ' ' &&
		    memcmp(l + kl + 1, other->key, keyl) == 0)
			return 1;
	}
	return 0;
}

static int hold_why(struct schema_op *op, const char *fmt, const char *a, const char *b,
		    const char *c, const char *d)
{
	struct strbuf why = {0};
	int rc;
	strbuf_printf(&why, fmt, a, b, c, d);
	rc = why.failed ? -1 : schemadiff_hold(op, why.s);
	strbuf_release(&why);
	return rc;
}

int schemadiff_hold_cascade(struct schema_diff *up, struct schema_diff *down)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < up->n; i++) {
			const struct schema_op *h = &up->ops[i];
			if (!h->warning || h->action != SCHEMA_DROP)
				continue;
			for (size_t j = 0; j < up->n; j++) {
				struct schema_op *x = &up->ops[j];
				if (x->warning || x->action != SCHEMA_DROP || !op_needs(h, x))
					continue;
				if (hold_why(x, "%s %s is still needed by %s %s, whose drop is not run",
					     x->kind, x->key, h->kind, h->key) < 0)
					return -1;
				changed = 1;
			}
		}
	}
	for (size_t i = 0; i < up->n; i++) {
		const struct schema_op *h = &up->ops[i];
		size_t kl = strlen(h->kind);
		if (!h->warning || h->action != SCHEMA_DROP)
			continue;
		for (size_t j = 0; j < down->n; j++) {
			struct schema_op *x = &down->ops[j];
			int same = strcmp(x->kind, h->kind) == 0 && strcmp(x->key, h->key) == 0;
			int child = strncmp(x->parent, h->kind, kl) == 0 && x->parent[kl] == ' ' &&
				    strcmp(x->parent + kl + 1, h->key) == 0;
			if (x->warning || x->action != SCHEMA_CREATE || !(same || child))
				continue;
			if (hold_why(x, "%s %s: the upgrade does not drop %s %s, so it is not created "
					"again",
				     x->kind, x->key, h->kind, h->key) < 0)
				return -1;
		}
	}
	return 0;
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
	size_t at;
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
	char kind[KIND_MAX], *key = split_ref(line, len, kind);
	struct named probe = {kind, key, 0}, *hit = NULL;
	if (key)
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
		names[i] = (struct named){ops[i].kind, ops[i].key, i};
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

/* Function bodies are checked when they run, not when they are created (a
 * body may name a view made later in the section), as pg_dump's scripts
 * do. */
static void function_bodies_unchecked(struct strbuf *s, const struct schema_diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->ops[i].kind, "function") == 0 && d->ops[i].action != SCHEMA_DROP &&
		    !d->ops[i].warning) {
			strbuf_puts(s, "\nSET LOCAL check_function_bodies = off;\n");
			return;
		}
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
		if (!in_block++) {
			strbuf_puts(s, "\nBEGIN;\n");
			function_bodies_unchecked(s, d);
		}
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
		function_bodies_unchecked(&s, d);
		for (size_t i = 0; i < d->n; i++)
			statement(&s, &d->ops[i]);
	}
	if (s.failed) {
		strbuf_release(&s);
		return NULL;
	}
	return strbuf_detach(&s);
}
