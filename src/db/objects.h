/*
 * objects.h — which objects of a database are the schema's, shared by the
 * queries that read it (db/snapshot.c, db/catalog.c): the common table
 * expressions nsp (its schemas), ext (what belongs to an extension) and rel
 * (its relations, each with its quoted, schema-qualified name), leaving out
 * the catalogs, extension members and the tool's own tables ($1 the
 * version table's schema, NULL: any; $2 its name); and the one way they are
 * run (schema_objects_query).
 */
#ifndef MIGRATE_OBJECTS_H
#define MIGRATE_OBJECTS_H

#include <libpq-fe.h>

#include "util/err.h"

#define SCHEMA_OBJECTS_CTE \
	"nsp AS ("\
	"  SELECT oid, nspname FROM pg_namespace"\
	"  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"\
	"    AND nspname !~ '^pg_(toast_)?temp_'"\
	"    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass"\
	"                    AND d.objid = pg_namespace.oid AND d.deptype = 'e')),"\
	" ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),"\
	" rel AS ("\
	"  SELECT c.oid, c.relkind, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name"\
	"  FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace"\
	"  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"\
	"    AND c.relname !~ '^migrate_entry_'"\
	"    AND NOT (c.relname = $2 AND ($1::text IS NULL OR n.nspname = $1))"\
	"    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass"\
	"                    AND ext.objid = c.oid)"\
	"    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"\
	"                    AND d.objid = c.oid AND d.deptype IN ('a', 'i')"\
	"                    AND d.refobjid IN (SELECT c2.oid FROM pg_class c2"\
	"                                       WHERE c2.relname ~ '^migrate_entry_'"\
	"                                          OR c2.relname = $2)))"

/* One spelling made one: PostgreSQL prints `col IN ('a', 'b')` on a varchar
 * column as `= ANY ((ARRAY['a'::character varying, ...])::text[])`, and the
 * same text read back (a pg_dump script) as
 * `= ANY (ARRAY[('a'::character varying)::text, ...])`: both are written
 * `= ANY (ARRAY['a'::character varying, ...])` by this expression of the
 * SQL text expr. */
#define SCHEMA_NORMALISED(expr) \
	"regexp_replace(regexp_replace(" expr ","\
	"  '\\(ARRAY\\[((?:[^]'']|''(?:[^'']|'''')*'')*)\\]\\)::text\\[\\]', 'ARRAY[\\1]', 'g'),"\
	"  '\\((''(?:[^'']|'''')*''::[a-z_ ]+)\\)::text', '\\1', 'g')"

/* Run sql (a query over SCHEMA_OBJECTS_CTE, $1 and $2 as above) in a
 * transaction of its own with the settings that decide how the catalogs
 * print fixed: search_path of pg_catalog only (every other name printed
 * schema-qualified), standard_conforming_strings, DateStyle,
 * IntervalStyle, extra_float_digits, quote_all_identifiers.  *res gets its
 * result (caller PQclears).  EXIT_SQL, "cannot read the schema: …". */
int schema_objects_query(PGconn *c, const char *sql, const char *version_schema,
			 const char *version_table, PGresult **res, struct err *e);

#endif
