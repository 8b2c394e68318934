/*
 * catalog.c — see catalog.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "db/objects.h"
#include "db/query.h"

/* The user functions an object needs (pg_depend from classid, objid), as
 * "function SIGNATURE" lines. */
#define FUNCTION_DEPS(classid, objid)                                                              \
	"(SELECT string_agg('function ' || p.oid::regprocedure::text, chr(10))"                    \
	" FROM pg_depend d JOIN pg_proc p ON p.oid = d.refobjid JOIN nsp ON nsp.oid = p.pronamespace" \
	" WHERE d.classid = '" classid "'::regclass AND d.objid = " objid                           \
	"   AND d.refclassid = 'pg_proc'::regclass)"

/* One row per object: kind, key, parent, phase, sig, create, drop, alter,
 * deps (see sql/schemadiff.h), in creation order.  chr(30) marks where a
 * new table's columns go; chr(31) separates a column's signature fields. */
static const char catalog_sql[] =
	"WITH " SCHEMA_OBJECTS_CTE ","
	" usertype AS ("
	"  SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS name"
	"  FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace"
	"  WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class"
	"        WHERE oid = t.typrelid) = 'c'))"
	"    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass"
	"                    AND ext.objid = t.oid)),"
	" col AS ("
	"  SELECT r.name AS tbl, a.attnum, quote_ident(a.attname) AS cname, a.atttypid,"
	"         format_type(a.atttypid, a.atttypmod) AS typ, a.attnotnull, a.attidentity,"
	"         a.attgenerated, ad.oid AS adoid, pg_get_expr(ad.adbin, ad.adrelid) AS expr,"
	"         CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation"
	"              THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(collname)"
	"                    FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace"
	"                    WHERE co.oid = a.attcollation) END AS coll,"
	"         col_description(a.attrelid, a.attnum) AS comment"
	"  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid"
	"  JOIN pg_type t ON t.oid = a.atttypid"
	"  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
	"  WHERE r.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal)"
	"SELECT kind, key, parent, phase, " SCHEMA_NORMALISED("sig") ", cre, dro, alt, deps FROM ("
	" SELECT 'schema' AS kind, quote_ident(nspname) AS key, '' AS parent, 10 AS phase,"
	"        quote_ident(nspname) AS sig, 'CREATE SCHEMA ' || quote_ident(nspname) AS cre,"
	"        'DROP SCHEMA ' || quote_ident(nspname) AS dro, '' AS alt, '' AS deps, 0 AS ord"
	" FROM nsp WHERE nspname <> 'public'"
	" UNION ALL"
	" SELECT 'extension', quote_ident(e.extname), '', 20, quote_ident(n.nspname),"
	"        'CREATE EXTENSION IF NOT EXISTS ' || quote_ident(e.extname) || ' WITH SCHEMA ' ||"
	"        quote_ident(n.nspname), 'DROP EXTENSION IF EXISTS ' || quote_ident(e.extname), '',"
	"        CASE WHEN n.nspname <> 'public' THEN 'schema ' || quote_ident(n.nspname) ELSE '' END, 0"
	" FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
	" WHERE e.extname <> 'plpgsql'"
	" UNION ALL"
	" SELECT 'type', u.name, '', 30, d.def, d.def, 'DROP TYPE ' || u.name, d.labels,"
	"        concat_ws(chr(10), (SELECT string_agg(" FUNCTION_DEPS("pg_constraint", "co.oid") ","
	"                  chr(10)) FROM pg_constraint co WHERE co.contypid = t.oid),"
	/* a domain's base type, a composite type's attributes' types (or
	 * their elements') */
	"        (SELECT string_agg('type ' || u2.name, chr(10)) FROM usertype u2"
	"          WHERE u2.oid <> t.oid AND (u2.oid = t.typbasetype OR u2.oid IN ("
	"            SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = t.typrelid"
	"            UNION SELECT et.typelem FROM pg_attribute a JOIN pg_type et"
	"              ON et.oid = a.atttypid WHERE a.attrelid = t.typrelid)))), 0"
	" FROM usertype u JOIN pg_type t ON t.oid = u.oid, LATERAL (SELECT CASE t.typtype"
	"   WHEN 'e' THEN 'CREATE TYPE ' || u.name || ' AS ENUM (' || (SELECT string_agg("
	"        quote_literal(enumlabel), ', ' ORDER BY enumsortorder) FROM pg_enum"
	"        WHERE enumtypid = t.oid) || ')'"
	"   WHEN 'd' THEN 'CREATE DOMAIN ' || u.name || ' AS ' || format_type(t.typbasetype,"
	"        t.typtypmod) || coalesce(' DEFAULT ' || t.typdefault, '') ||"
	"        CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END ||"
	"        coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(conname) || ' ' ||"
	"                  pg_get_constraintdef(oid), '' ORDER BY conname) FROM pg_constraint"
	"                  WHERE contypid = t.oid AND convalidated), '') ||"
	/* CREATE DOMAIN takes no NOT VALID constraint: added after it */
	"        coalesce((SELECT string_agg(';' || chr(10) || 'ALTER DOMAIN ' || u.name ||"
	"                  ' ADD CONSTRAINT ' || quote_ident(conname) || ' ' ||"
	"                  pg_get_constraintdef(oid), '' ORDER BY conname) FROM pg_constraint"
	"                  WHERE contypid = t.oid AND NOT convalidated), '')"
	"   ELSE 'CREATE TYPE ' || u.name || ' AS (' || (SELECT string_agg(quote_ident(attname) ||"
	"        ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute"
	"        WHERE attrelid = t.typrelid AND attnum > 0 AND NOT attisdropped) || ')'"
	"   END AS def,"
	"   CASE WHEN t.typtype = 'e' THEN (SELECT string_agg(quote_literal(enumlabel), chr(10)"
	"        ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid) ELSE '' END AS labels) d"
	" WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass"
	"                   AND ext.objid = t.oid)"
	" UNION ALL"
	" SELECT 'sequence', r.name, '', 40, o.opts, 'CREATE SEQUENCE ' || r.name || ' ' || o.opts,"
	"        'DROP SEQUENCE IF EXISTS ' || r.name, o.opts, '', 0"
	" FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid, LATERAL (SELECT 'AS ' ||"
	"   format_type(s.seqtypid, NULL) || ' INCREMENT BY ' || s.seqincrement || ' MINVALUE ' ||"
	"   s.seqmin || ' MAXVALUE ' || s.seqmax || ' START WITH ' || s.seqstart || ' CACHE ' ||"
	"   s.seqcache || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END AS opts) o"
	" WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
	"                   AND d.objid = r.oid AND d.deptype = 'i')"
	" UNION ALL"
	" SELECT 'owned', r.name, 'sequence ' || r.name, 65, t.name || '.' || quote_ident(a.attname),"
	"        'ALTER SEQUENCE ' || r.name || ' OWNED BY ' || t.name || '.' || quote_ident(a.attname),"
	"        'ALTER SEQUENCE IF EXISTS ' || r.name || ' OWNED BY NONE', '',"
	"        'column ' || t.name || '.' || quote_ident(a.attname), 0"
	" FROM rel r JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = r.oid"
	"   AND d.deptype = 'a' AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0"
	" JOIN rel t ON t.oid = d.refobjid"
	" JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid"
	" WHERE r.relkind = 'S'"
	" UNION ALL"
	" SELECT 'table', r.name, '', 50, replace(x.def, chr(30), ''), x.def, 'DROP TABLE ' || r.name,"
	"        '', concat_ws(chr(10), 'table ' || x.parent, (SELECT string_agg('table ' ||"
	"        p.name, chr(10)) FROM pg_inherits i JOIN rel p ON p.oid = i.inhparent"
	"        WHERE i.inhrelid = r.oid)), 0"
	" FROM rel r JOIN pg_class c ON c.oid = r.oid, LATERAL (SELECT"
	"   (SELECT p.name FROM pg_inherits i JOIN rel p ON p.oid = i.inhparent"
	"    WHERE i.inhrelid = c.oid AND c.relispartition) AS parent) pp, LATERAL (SELECT"
	"   'CREATE ' || CASE c.relpersistence WHEN 'u' THEN 'UNLOGGED ' ELSE '' END || 'TABLE ' ||"
	"   r.name || CASE WHEN c.relispartition THEN ' PARTITION OF ' || pp.parent || ' ' ||"
	"     pg_get_expr(c.relpartbound, c.oid)"
	"   ELSE ' (' || chr(30) || ')' || coalesce(' INHERITS (' || (SELECT string_agg(p.name, ', '"
	"     ORDER BY i.inhseqno) FROM pg_inherits i JOIN rel p ON p.oid = i.inhparent"
	"     WHERE i.inhrelid = c.oid) || ')', '') END ||"
	"   coalesce(' PARTITION BY ' || pg_get_partkeydef(c.oid), '') ||"
	"   coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') AS def,"
	"   pp.parent) x"
	" WHERE r.relkind IN ('r', 'p')"
	" UNION ALL"
	" SELECT 'column', tbl || '.' || cname, 'table ' || tbl, 60,"
	"        typ || chr(31) || attnotnull::text || chr(31) ||"
	"        CASE WHEN attgenerated = '' THEN coalesce(expr, '') ELSE '' END || chr(31) ||"
	"        attidentity::text || chr(31) ||"
	"        CASE WHEN attgenerated <> '' THEN coalesce(expr, '') ELSE '' END || chr(31) ||"
	"        coalesce(coll, ''),"
	"        'ALTER TABLE ' || tbl || ' ADD COLUMN ' || def, 'ALTER TABLE ' || tbl ||"
	"        ' DROP COLUMN ' || cname, def,"
	"        concat_ws(chr(10), (SELECT string_agg('type ' || u.name, chr(10)) FROM usertype u"
	"          WHERE u.oid IN (atttypid, (SELECT typelem FROM pg_type WHERE oid = atttypid))),"
	"        (SELECT string_agg('sequence ' || s.name, chr(10)) FROM pg_depend d"
	"          JOIN rel s ON s.oid = d.refobjid AND s.relkind = 'S'"
	"          WHERE d.classid = 'pg_attrdef'::regclass AND d.objid = adoid"
	"            AND d.refclassid = 'pg_class'::regclass),"
	"        " FUNCTION_DEPS("pg_attrdef", "adoid") "), attnum"
	" FROM col, LATERAL (SELECT cname || ' ' || typ || coalesce(' COLLATE ' || coll, '') ||"
	"   CASE WHEN attgenerated <> '' THEN ' GENERATED ALWAYS AS (' || expr || ') STORED'"
	"        WHEN expr IS NOT NULL THEN ' DEFAULT ' || expr ELSE '' END ||"
	"   CASE attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY'"
	"        WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END ||"
	"   CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END AS def) d"
	" UNION ALL"
	" SELECT 'function', p.oid::regprocedure::text, '', 70, pg_get_functiondef(p.oid),"
	"        rtrim(pg_get_functiondef(p.oid), chr(10)),"
	"        'DROP ' || CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END ||"
	"        p.oid::regprocedure::text,"
	/* what CREATE OR REPLACE cannot change: the kind, the result, the
	 * arguments' names, modes and defaults */
	"        p.prokind::text || ' ' || coalesce(pg_get_function_result(p.oid), '') || ' (' ||"
	"        pg_get_function_arguments(p.oid) || ')',"
	/* the types and relations (a row type, SETOF a view) it takes or returns */
	"        coalesce((SELECT string_agg(DISTINCT x.dep, chr(10)) FROM pg_depend d"
	"          JOIN LATERAL (SELECT 'type ' || u.name AS dep FROM usertype u WHERE u.oid = d.refobjid"
	"            UNION ALL SELECT CASE WHEN r.relkind IN ('v', 'm') THEN 'view ' ELSE 'table ' END"
	"            || r.name FROM pg_type ty JOIN rel r ON r.oid = ty.typrelid"
	"            WHERE ty.oid = d.refobjid) x ON true"
	"          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid"
	"            AND d.refclassid = 'pg_type'::regclass), ''), 0"
	" FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace"
	" WHERE p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT 1 FROM ext"
	"       WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)"
	" UNION ALL"
	" SELECT 'view', r.name, '', 80, r.relkind::text || ' ' || pg_get_viewdef(r.oid) ||"
	"        coalesce(' with ' || array_to_string(c.reloptions, ', '), ''),"
	"        CASE r.relkind WHEN 'v' THEN 'CREATE VIEW ' ELSE 'CREATE MATERIALIZED VIEW ' END ||"
	"        r.name || coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') ||"
	"        ' AS' || chr(10) || rtrim(pg_get_viewdef(r.oid), ';'),"
	"        CASE r.relkind WHEN 'v' THEN 'DROP VIEW ' ELSE 'DROP MATERIALIZED VIEW ' END || r.name,"
	"        '', coalesce((SELECT string_agg(DISTINCT CASE WHEN d.relkind IN ('v', 'm')"
	"          THEN 'view ' ELSE 'table ' END || d.name, chr(10)) FROM pg_rewrite rw"
	"          JOIN pg_depend dp ON dp.classid = 'pg_rewrite'::regclass AND dp.objid = rw.oid"
	"            AND dp.refclassid = 'pg_class'::regclass"
	"          JOIN rel d ON d.oid = dp.refobjid"
	"          WHERE rw.ev_class = r.oid AND d.oid <> r.oid), '') ||"
	"        coalesce((SELECT string_agg(DISTINCT chr(10) || 'function ' ||"
	"          p.oid::regprocedure::text, '') FROM pg_rewrite rw"
	"          JOIN pg_depend dp ON dp.classid = 'pg_rewrite'::regclass AND dp.objid = rw.oid"
	"            AND dp.refclassid = 'pg_proc'::regclass"
	"          JOIN pg_proc p ON p.oid = dp.refobjid JOIN nsp ON nsp.oid = p.pronamespace"
	"          WHERE rw.ev_class = r.oid), ''), 0"
	" FROM rel r JOIN pg_class c ON c.oid = r.oid WHERE r.relkind IN ('v', 'm')"
	" UNION ALL"
	" SELECT CASE co.contype WHEN 'f' THEN 'fkey' ELSE 'constraint' END,"
	"        r.name || '.' || quote_ident(co.conname), 'table ' || r.name,"
	"        CASE co.contype WHEN 'f' THEN 110 ELSE 90 END, pg_get_constraintdef(co.oid),"
	"        'ALTER TABLE ' || r.name || ' ADD CONSTRAINT ' || quote_ident(co.conname) || ' ' ||"
	"        pg_get_constraintdef(co.oid),"
	"        'ALTER TABLE ' || r.name || ' DROP CONSTRAINT ' || quote_ident(co.conname), '',"
	"        concat_ws(chr(10), (SELECT 'table ' || f.name FROM rel f WHERE f.oid = co.confrelid),"
	/* a foreign key stands on the referenced key's constraint or index */
	"        (SELECT coalesce((SELECT 'constraint ' || f.name || '.' || quote_ident(k.conname)"
	"                          FROM pg_constraint k WHERE k.conindid = co.conindid"
	"                            AND k.conrelid = co.confrelid AND k.contype IN ('p', 'u')),"
	"                         'index ' || quote_ident(n.nspname) || '.' || quote_ident(ic.relname))"
	"          FROM rel f, pg_class ic JOIN pg_namespace n ON n.oid = ic.relnamespace"
	"          WHERE co.contype = 'f' AND f.oid = co.confrelid AND ic.oid = co.conindid),"
	"        " FUNCTION_DEPS("pg_constraint", "co.oid") "), 0"
	" FROM pg_constraint co JOIN rel r ON r.oid = co.conrelid"
	" WHERE co.conparentid = 0 AND co.conislocal AND co.contype IN ('p', 'u', 'c', 'f', 'x')"
	" UNION ALL"
	" SELECT 'index', quote_ident(n.nspname) || '.' || quote_ident(ic.relname),"
	"        CASE WHEN r.relkind = 'm' THEN 'view ' ELSE 'table ' END || r.name, 100,"
	"        x.def, x.def,"
	"        'DROP INDEX ' || quote_ident(n.nspname) || '.' || quote_ident(ic.relname), '',"
	"        coalesce(" FUNCTION_DEPS("pg_class", "i.indexrelid") ", ''), 0"
	" FROM pg_index i JOIN rel r ON r.oid = i.indrelid"
	" JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace,"
	/* an index on a partitioned table is rendered ON ONLY (as pg_dump
	 * writes it, its partitions' indexes attached later): made here at
	 * once for every partition */
	" LATERAL (SELECT CASE WHEN r.relkind = 'p' THEN replace(pg_get_indexdef(i.indexrelid),"
	"   ' ON ONLY ', ' ON ') ELSE pg_get_indexdef(i.indexrelid) END AS def) x"
	" WHERE NOT ic.relispartition AND NOT EXISTS (SELECT 1 FROM pg_constraint co"
	"       WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid"
	"         AND co.contype IN ('p', 'u', 'x'))"
	" UNION ALL"
	" SELECT 'trigger', r.name || '.' || quote_ident(tg.tgname),"
	"        CASE WHEN r.relkind IN ('v', 'm') THEN 'view ' ELSE 'table ' END || r.name, 120,"
	"        pg_get_triggerdef(tg.oid) || ' ' || tg.tgenabled::text, pg_get_triggerdef(tg.oid) ||"
	"        CASE tg.tgenabled WHEN 'D' THEN ';' || chr(10) || 'ALTER TABLE ' || r.name ||"
	"          ' DISABLE TRIGGER ' || quote_ident(tg.tgname) ELSE '' END,"
	"        'DROP TRIGGER ' || quote_ident(tg.tgname) || ' ON ' || r.name, '',"
	"        'function ' || tg.tgfoid::regprocedure::text, 0"
	" FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid"
	" WHERE NOT tg.tgisinternal AND tg.tgparentid = 0"
	" UNION ALL"
	" SELECT 'comment', c.parent, c.parent, 130, c.d,"
	"        'COMMENT ON ' || c.target || ' IS ' || quote_literal(c.d),"
	"        'COMMENT ON ' || c.target || ' IS NULL', '', '', c.ord"
	" FROM ("
	"  SELECT CASE WHEN r.relkind IN ('v', 'm') THEN 'view ' WHEN r.relkind = 'S' THEN 'sequence '"
	"         ELSE 'table ' END || r.name AS parent,"
	"         CASE r.relkind WHEN 'v' THEN 'VIEW ' WHEN 'm' THEN 'MATERIALIZED VIEW '"
	"         WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || r.name AS target,"
	"         obj_description(r.oid, 'pg_class') AS d, 0 AS ord FROM rel r"
	"  UNION ALL SELECT 'column ' || tbl || '.' || cname, 'COLUMN ' || tbl || '.' || cname,"
	"         comment, attnum FROM col"
	"  UNION ALL SELECT 'type ' || u.name, CASE WHEN t.typtype = 'd' THEN 'DOMAIN ' ELSE 'TYPE '"
	"         END || u.name, obj_description(u.oid, 'pg_type'), 0"
	"         FROM usertype u JOIN pg_type t ON t.oid = u.oid"
	"  UNION ALL SELECT 'function ' || p.oid::regprocedure::text, CASE p.prokind WHEN 'p'"
	"         THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || p.oid::regprocedure::text,"
	"         obj_description(p.oid, 'pg_proc'), 0 FROM pg_proc p"
	"         JOIN nsp n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p')"
	"         AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass"
	"                         AND ext.objid = p.oid)"
	"  UNION ALL SELECT 'schema ' || quote_ident(nspname), 'SCHEMA ' || quote_ident(nspname),"
	"         obj_description(oid, 'pg_namespace'), 0 FROM nsp"
	"  UNION ALL SELECT 'index ' || quote_ident(n.nspname) || '.' || quote_ident(ic.relname),"
	"         'INDEX ' || quote_ident(n.nspname) || '.' || quote_ident(ic.relname),"
	"         obj_description(ic.oid, 'pg_class'), 0 FROM pg_index i"
	"         JOIN rel r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid"
	"         JOIN pg_namespace n ON n.oid = ic.relnamespace"
	"  UNION ALL SELECT CASE co.contype WHEN 'f' THEN 'fkey ' ELSE 'constraint ' END || r.name ||"
	"         '.' || quote_ident(co.conname), 'CONSTRAINT ' || quote_ident(co.conname) || ' ON ' ||"
	"         r.name, obj_description(co.oid, 'pg_constraint'), 0"
	"         FROM pg_constraint co JOIN rel r ON r.oid = co.conrelid WHERE co.conparentid = 0"
	"  UNION ALL SELECT 'trigger ' || r.name || '.' || quote_ident(tg.tgname), 'TRIGGER ' ||"
	"         quote_ident(tg.tgname) || ' ON ' || r.name, obj_description(tg.oid, 'pg_trigger'), 0"
	"         FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal"
	" ) c WHERE c.d IS NOT NULL"
	") o ORDER BY phase, parent COLLATE \"C\", ord, key COLLATE \"C\"";

static char *dup_value(const PGresult *r, int row, int col, int *ok)
{
	char *s = strdup(PQgetvalue(r, row, col));
	*ok &= s != NULL;
	return s;
}

int catalog_read(PGconn *c, const char *version_schema, const char *version_table,
		 struct schema *out, struct err *e)
{
	PGresult *r;
	int n, ok = 1;

	memset(out, 0, sizeof *out);
	if (schema_objects_query(c, catalog_sql, version_schema, version_table, &r, e) < 0)
		return -1;
	n = PQntuples(r);
	out->o = calloc((size_t)n + 1, sizeof *out->o);
	ok = out->o != NULL;
	for (int i = 0; ok && i < n; i++) {
		struct schema_object *o = &out->o[i];
		o->kind = dup_value(r, i, 0, &ok);
		o->key = dup_value(r, i, 1, &ok);
		o->parent = dup_value(r, i, 2, &ok);
		o->phase = atoi(PQgetvalue(r, i, 3));
		o->sig = dup_value(r, i, 4, &ok);
		o->create = dup_value(r, i, 5, &ok);
		o->drop = dup_value(r, i, 6, &ok);
		o->alter = dup_value(r, i, 7, &ok);
		o->deps = dup_value(r, i, 8, &ok);
		out->n++;
	}
	PQclear(r);
	if (!ok) {
		schema_release(out);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	return 0;
}
