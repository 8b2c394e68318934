/*
 * snapshot.h — a database's schema as sorted lines of text, read from the
 * catalogs, so that two states of a schema can be compared (migrate test,
 * docs/reference.md §10.7).  One line per object, in PostgreSQL's own
 * rendering where it has one (pg_get_indexdef, pg_get_constraintdef,
 * pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef, format_type):
 *
 *   schema app
 *   table public.users (r)
 *   column public.users 2 email text not null default ''::text
 *   constraint public.users users_pkey PRIMARY KEY (id)
 *   index CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)
 *   sequence public.users_id_seq bigint 1 1 … cycle=f
 *   view public.active SELECT …
 *   function CREATE OR REPLACE FUNCTION …
 *   trigger CREATE TRIGGER …
 *   type public.mood enum (sad,ok,happy)
 *   domain public.email text not null …
 *   extension pgcrypto
 *
 * Columns carry their position among the live columns (a dropped and
 * re-added column at the end is the same; one that moved is not).  Left
 * out: the catalogs, the tool's own tables (the version table and
 * migrate_entry_*) and what belongs to them, objects that belong to an
 * extension, and the names of the row types tables carry.
 */
#ifndef MIGRATE_SNAPSHOT_H
#define MIGRATE_SNAPSHOT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "util/err.h"

struct snapshot {
	char **lines; /* sorted (strcmp), owned */
	size_t n;
};

/* Read c's schema; version_schema.version_table is the version table
 * (version_schema NULL: any schema).  EXIT_SQL on a failing query. */
int snapshot_take(PGconn *c, const char *version_schema, const char *version_table,
		  struct snapshot *s, struct err *e);
void snapshot_release(struct snapshot *s);

/* Compare a (before) and b (after): the number of lines that differ; out
 * (cap bytes, always terminated) lists up to max of them, "- line" for
 * one only in a, "+ line" for one only in b, separated by "; ". */
size_t snapshot_diff(const struct snapshot *a, const struct snapshot *b, size_t max, char *out,
		     size_t cap);

/* The same comparison, calling fn for every line that differs ('-' only in
 * a, '+' only in b), in order; stops early when fn returns nonzero.
 * Returns the number of lines that differ (up to the stop). */
typedef int (*snapshot_diff_fn)(void *ctx, char sign, const char *line);
size_t snapshot_diff_each(const struct snapshot *a, const struct snapshot *b, snapshot_diff_fn fn,
			  void *ctx);

#endif
