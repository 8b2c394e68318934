/*
 * schemadiff.h — the DDL that turns one schema into another, from two lists
 * of catalog objects (db/catalog.h reads them; this part is pure).
 *
 * Every object carries its identity (kind and key), a signature that is
 * compared, and the statements that create and drop it, as the server
 * renders them (pg_get_indexdef, pg_get_constraintdef, …).  An object only
 * in the desired schema is created, one only in the current schema is
 * dropped, one whose signature differs is changed: in place where
 * PostgreSQL can (a column's default or nullability, a sequence's options,
 * a function's body, an enum's added values, a comment), else dropped and
 * created again (a view, a constraint, an index, a trigger).  What the diff
 * cannot express safely is written commented out with a warning: a column
 * type change that rewrites the table, a changed identity, generation or
 * collation, a changed table kind, an enum value removed or reordered.
 * Views that depend on what is dropped or changed are dropped and created
 * again around it.
 *
 * Order (schemadiff_order): drops first, dependents before what they
 * depend on, else from the highest phase down; then changes and creations,
 * what is depended on first, else from the lowest phase up.
 */
#ifndef MIGRATE_SCHEMADIFF_H
#define MIGRATE_SCHEMADIFF_H

#include <stddef.h>

/* Phases, in creation order. */
enum schema_phase {
	PHASE_SCHEMA = 10,
	PHASE_EXTENSION = 20,
	PHASE_TYPE = 30,
	PHASE_SEQUENCE = 40,
	PHASE_TABLE = 50,
	PHASE_COLUMN = 60,
	PHASE_OWNED = 65,
	PHASE_FUNCTION = 70,
	PHASE_VIEW = 80,
	PHASE_CONSTRAINT = 90,
	PHASE_INDEX = 100,
	PHASE_FKEY = 110,
	PHASE_TRIGGER = 120,
	PHASE_COMMENT = 130,
};

/* One catalog object.  Strings are owned by the schema that holds it. */
struct schema_object {
	char *kind;   /* "table", "column", "index", … */
	char *key;    /* its name, qualified as needed ("public.users.email") */
	char *parent; /* "kind key" of the object it belongs to, "" none */
	int phase;
	char *sig;    /* compared; for a column its fields (SCHEMA_FIELD-separated) */
	char *create; /* the statement(s) that create it, without the final ';' */
	char *drop;   /* … that drop it */
	char *alter;  /* a sequence: its options, for ALTER SEQUENCE; a column: its
		       * definition, for CREATE TABLE; an enum: its labels, one per
		       * line; else "" */
	char *deps;   /* "kind key" of the objects it needs, one per line */
};

/* The separator of a column's signature fields: type, not null ("t"/"f"),
 * default, identity, generated, collation. */
#define SCHEMA_FIELD '\x1f'

struct schema {
	struct schema_object *o;
	size_t n;
};

void schema_release(struct schema *s);

enum schema_action { SCHEMA_DROP, SCHEMA_CHANGE, SCHEMA_CREATE };

/* One operation of the result. */
struct schema_op {
	enum schema_action action;
	int phase;
	char *kind, *key; /* borrowed from the schemas */
	char *deps;       /* owned: what it needs ("kind key" lines), with what
			   * the objects it takes along need (a new table's
			   * columns; what goes with a dropped table) */
	char *sql;        /* owned; one or more statements, each ending ";\n" */
	char *warning;    /* owned; when not NULL, sql is written commented out */
	char *what;       /* owned: "add column public.users.email", for the header */
	int online;       /* an index (not unique) on a table that stays, not a
			   * partitioned one: it may be built or dropped CONCURRENTLY */
	const char *parent; /* borrowed: "kind key" of what it belongs to, "" none */
};

struct schema_diff {
	struct schema_op *ops;
	size_t n;
};

/* The operations that turn from into to, in order.  0, or -1 when out of
 * memory. */
int schemadiff(const struct schema *from, const struct schema *to, struct schema_diff *out);

/* Put ops in the order described above: drops before the rest; among the
 * drops, one that needs another goes first, else the higher phase; among
 * the rest, one that is needed goes first, else the lower phase (a change
 * before a creation); else the order they had.  A cycle is broken at the
 * lowest phase.  -1 when out of memory. */
int schemadiff_order(struct schema_op *ops, size_t n);

/* Mark an operation as not to be run: written commented out, with why. */
int schemadiff_hold(struct schema_op *op, const char *why);

/* After drops of up were held: what a held drop still needs is not
 * dropped either, and in down (the way back) what up no longer drops is
 * not created again (both held, with why).  -1 when out of memory. */
int schemadiff_hold_cascade(struct schema_diff *up, struct schema_diff *down);

/* The section text: a header comment listing the operations and the
 * warnings, then the statements (the held ones commented out).  With
 * concurrently, when any op is online: the online drops as DROP INDEX
 * CONCURRENTLY IF EXISTS first, the other statements in one BEGIN … COMMIT
 * block, then the online creations as CREATE INDEX CONCURRENTLY (each after
 * a DROP INDEX CONCURRENTLY IF EXISTS of an invalid leftover of a failed
 * try) and the comments on them; *autocommit is then set (the section must
 * be transaction:false).  NULL when out of memory. */
char *schemadiff_render(const struct schema_diff *d, const char *source, int concurrently,
			int *autocommit);

void schemadiff_release(struct schema_diff *d);

#endif
