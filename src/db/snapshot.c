/*
 * snapshot.c — see snapshot.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/objects.h"
#include "db/query.h"

/* $1 the version table's schema (NULL: any), $2 its name.  One query, one
 * line per object; the server sorts them (COLLATE "C": byte order, as
 * strcmp). */
static const char snapshot_sql[] =
	"WITH " SCHEMA_OBJECTS_CTE
	"SELECT l FROM (SELECT " SCHEMA_NORMALISED("l") " AS l FROM ("
	" SELECT 'schema ' || quote_ident(nspname) AS l FROM nsp WHERE nspname <> 'public'"
	" UNION ALL"
	" SELECT 'table ' || r.name || ' (' || c.relkind::text || ')' ||"
	"        CASE c.relpersistence WHEN 'u' THEN ' unlogged' ELSE '' END ||"
	"        CASE WHEN c.relrowsecurity THEN ' row security' ELSE '' END ||"
	"        CASE WHEN c.relforcerowsecurity THEN ' forced' ELSE '' END ||"
	"        CASE WHEN c.relreplident <> 'd' AND c.relkind IN ('r', 'p')"
	"             THEN ' replica identity ' || c.relreplident::text ELSE '' END ||"
	"        coalesce(' partition by ' || pg_get_partkeydef(c.oid), '') ||"
	"        coalesce(' ' || pg_get_expr(c.relpartbound, c.oid), '') ||"
	"        coalesce(' inherits ' || (SELECT string_agg(quote_ident(pn.nspname) || '.' ||"
	"                 quote_ident(p.relname), ', ' ORDER BY i.inhseqno) FROM pg_inherits i"
	"                 JOIN pg_class p ON p.oid = i.inhparent"
	"                 JOIN pg_namespace pn ON pn.oid = p.relnamespace"
	"                 WHERE i.inhrelid = c.oid), '') ||"
	"        coalesce(' with ' || array_to_string(c.reloptions, ', '), '')"
	" FROM rel r JOIN pg_class c ON c.oid = r.oid"
	" UNION ALL"
	" SELECT 'column ' || r.name || ' ' ||"
	"        row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) || ' ' ||"
	"        quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) ||"
	"        CASE WHEN a.attnotnull THEN ' not null' ELSE '' END ||"
	"        CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END ||"
	"        CASE WHEN a.attgenerated <> '' THEN ' generated ' ELSE '' END ||"
	"        coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '') ||"
	"        CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation"
	"             THEN ' collate ' || (SELECT quote_ident(collname) FROM pg_collation"
	"                                  WHERE oid = a.attcollation) ELSE '' END ||"
	"        coalesce(' comment ' || quote_literal(col_description(a.attrelid, a.attnum)), '')"
	" FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid"
	" JOIN pg_type t ON t.oid = a.atttypid"
	" LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind <> 'S'"
	" UNION ALL"
	" SELECT 'comment ' || r.name || ' ' || quote_literal(obj_description(r.oid, 'pg_class'))"
	" FROM rel r WHERE obj_description(r.oid, 'pg_class') IS NOT NULL"
	" UNION ALL"
	" SELECT 'constraint ' || r.name || ' ' || quote_ident(co.conname) || ' ' ||"
	"        pg_get_constraintdef(co.oid)"
	" FROM pg_constraint co JOIN rel r ON r.oid = co.conrelid"
	/* a foreign key cloned onto each partition is numbered in the order
	 * partitions came, which a restore does not keep: the parent's is
	 * compared */
	" WHERE co.conparentid = 0"
	" UNION ALL"
	" SELECT 'index ' || pg_get_indexdef(i.indexrelid) ||"
	"        CASE WHEN NOT i.indisvalid THEN ' (invalid)' ELSE '' END"
	" FROM pg_index i JOIN rel r ON r.oid = i.indrelid"
	" UNION ALL"
	" SELECT 'sequence ' || r.name || ' ' || format_type(s.seqtypid, NULL) || ' start ' ||"
	"        s.seqstart || ' increment ' || s.seqincrement || ' min ' || s.seqmin || ' max ' ||"
	"        s.seqmax || ' cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END"
	" FROM pg_sequence s JOIN rel r ON r.oid = s.seqrelid"
	" UNION ALL"
	" SELECT 'view ' || r.name || ' ' || pg_get_viewdef(r.oid) FROM rel r"
	" WHERE r.relkind IN ('v', 'm')"
	" UNION ALL"
	" SELECT 'function ' || pg_get_functiondef(p.oid)"
	" FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace"
	" WHERE p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT 1 FROM ext"
	"       WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)"
	" UNION ALL"
	" SELECT 'aggregate ' || p.oid::regprocedure::text"
	" FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace"
	" WHERE p.prokind IN ('a', 'w') AND NOT EXISTS (SELECT 1 FROM ext"
	"       WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)"
	" UNION ALL"
	" SELECT 'trigger ' || pg_get_triggerdef(tg.oid) ||"
	"        CASE tg.tgenabled WHEN 'O' THEN '' ELSE ' enabled ' || tg.tgenabled::text END"
	" FROM pg_trigger tg"
	" JOIN rel r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal"
	" UNION ALL"
	" SELECT 'rule ' || pg_get_ruledef(ru.oid) FROM pg_rewrite ru"
	" JOIN rel r ON r.oid = ru.ev_class WHERE ru.rulename <> '_RETURN'"
	" UNION ALL"
	" SELECT 'policy ' || r.name || ' ' || quote_ident(po.polname) || ' ' || po.polcmd::text ||"
	"        CASE WHEN po.polpermissive THEN '' ELSE ' restrictive' END ||"
	"        ' to ' || (SELECT string_agg(CASE WHEN ro = 0 THEN 'public'"
	"                    ELSE quote_ident(pg_get_userbyid(ro)) END, ', ' ORDER BY 1)"
	"                   FROM unnest(po.polroles) ro) ||"
	"        coalesce(' using ' || pg_get_expr(po.polqual, po.polrelid), '') ||"
	"        coalesce(' check ' || pg_get_expr(po.polwithcheck, po.polrelid), '')"
	" FROM pg_policy po JOIN rel r ON r.oid = po.polrelid"
	" UNION ALL"
	" SELECT 'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) ||"
	"        CASE t.typtype"
	"          WHEN 'e' THEN ' enum (' || (SELECT string_agg(quote_literal(enumlabel), ', '"
	"                                       ORDER BY enumsortorder)"
	"                                       FROM pg_enum WHERE enumtypid = t.oid) || ')'"
	"          WHEN 'd' THEN ' domain ' || format_type(t.typbasetype, t.typtypmod) ||"
	"                        CASE WHEN t.typnotnull THEN ' not null' ELSE '' END ||"
	"                        coalesce(' default ' || t.typdefault, '') ||"
	"                        coalesce((SELECT ' ' || string_agg(pg_get_constraintdef(oid), ' '"
	"                                  ORDER BY conname) FROM pg_constraint"
	"                                  WHERE contypid = t.oid), '')"
	"          WHEN 'r' THEN ' range ' || (SELECT format_type(rngsubtype, NULL) FROM pg_range"
	"                                      WHERE rngtypid = t.oid)"
	"          ELSE ' composite (' || (SELECT string_agg(quote_ident(attname) || ' ' ||"
	"                format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute"
	"                WHERE attrelid = t.typrelid AND attnum > 0 AND NOT attisdropped) || ')'"
	"        END"
	" FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace"
	" WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class"
	"        WHERE oid = t.typrelid) = 'c'))"
	"   AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass"
	"                   AND ext.objid = t.oid)"
	" UNION ALL"
	" SELECT 'extension ' || quote_ident(extname) FROM pg_extension WHERE extname <> 'plpgsql'"
	") lines) normalized ORDER BY l COLLATE \"C\"";

int snapshot_take(PGconn *c, const char *version_schema, const char *version_table,
		  struct snapshot *s, struct err *e)
{
	PGresult *r;
	int n;

	memset(s, 0, sizeof *s);
	if (schema_objects_query(c, snapshot_sql, version_schema, version_table, &r, e) < 0)
		return -1;
	n = PQntuples(r);
	s->lines = calloc((size_t)n + 1, sizeof *s->lines);
	for (int i = 0; s->lines && i < n; i++) {
		if ((s->lines[i] = strdup(PQgetvalue(r, i, 0))) == NULL) {
			snapshot_release(s);
			break;
		}
		s->n++;
	}
	PQclear(r);
	if (!s->lines)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	return 0;
}

void snapshot_release(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->lines[i]);
	free(s->lines);
	memset(s, 0, sizeof *s);
}

/* One differing line for a one-line message: line breaks (a function's
 * body) become spaces, and a long line is cut at LINE_SHOWN bytes. */
#define LINE_SHOWN 200

static void note(char *out, size_t cap, size_t *len, size_t shown, char sign, const char *line)
{
	size_t n = strlen(line);
	if (*len + 1 >= cap)
		return;
	*len += (size_t)snprintf(out + *len, cap - *len, "%s%c %.*s%s", shown ? "; " : "", sign,
				 (int)(n > LINE_SHOWN ? LINE_SHOWN : n), line,
				 n > LINE_SHOWN ? "…" : "");
	if (*len >= cap)
		*len = cap - 1;
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

size_t snapshot_diff_each(const struct snapshot *a, const struct snapshot *b, snapshot_diff_fn fn,
			  void *ctx)
{
	size_t i = 0, k = 0, differ = 0;
	while (i < a->n || k < b->n) {
		int cmp = i == a->n ? 1 : k == b->n ? -1 : strcmp(a->lines[i], b->lines[k]);
		if (cmp == 0) {
			i++;
			k++;
			continue;
		}
		differ++;
		if (fn(ctx, cmp < 0 ? '-' : '+', cmp < 0 ? a->lines[i++] : b->lines[k++]) != 0)
			break;
	}
	return differ;
}

struct shown {
	char *out;
	size_t cap, len, max, n;
};

static int show(void *ctx, char sign, const char *line)
{
	struct shown *s = ctx;
	if (s->n < s->max && s->cap)
		note(s->out, s->cap, &s->len, s->n, sign, line);
	s->n++;
	return 0;
}

size_t snapshot_diff(const struct snapshot *a, const struct snapshot *b, size_t max, char *out,
		     size_t cap)
{
	struct shown s = {out, cap, 0, max, 0};
	if (cap)
		out[0] = '\0';
	return snapshot_diff_each(a, b, show, &s);
}
