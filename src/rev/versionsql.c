/*
 * versionsql.c — see versionsql.h.  The statements follow Alembic's
 * HeadMaintainer (alembic/runtime/migration.py) as SQLAlchemy's PostgreSQL
 * dialect renders them with literal values; identifiers get quotes only
 * where PostgreSQL needs them.
 */
#include "rev/versionsql.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* PostgreSQL's reserved key words and those that can only be a function or
 * type name (src/include/parser/kwlist.h): as identifiers they need quotes. */
static const char *const pg_reserved[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
	"authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
	"column", "concurrently", "constraint", "create", "cross", "current_catalog",
	"current_date", "current_role", "current_schema", "current_time", "current_timestamp",
	"current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
	"except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group",
	"having", "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join",
	"lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp", "natural",
	"not", "notnull", "null", "offset", "on", "only", "or", "order", "outer", "overlaps",
	"placing", "primary", "references", "returning", "right", "select", "session_user",
	"similar", "some", "symmetric", "system_user", "table", "tablesample", "then", "to",
	"trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when",
	"where", "window", "with",
};

static int needs_quotes(const char *s)
{
	if (!*s || !(islower((unsigned char)*s) || *s == '_'))
		return 1;
	for (const char *p = s; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' ||
		      *p == '$'))
			return 1;
	for (size_t i = 0; i < sizeof pg_reserved / sizeof pg_reserved[0]; i++)
		if (strcmp(s, pg_reserved[i]) == 0)
			return 1;
	return 0;
}

/* s between q quotes, a q inside doubled (an identifier or a literal). */
static void sb_quoted(struct strbuf *b, const char *s, char q)
{
	strbuf_add(b, &q, 1);
	for (; *s; s++) {
		if (*s == q)
			strbuf_add(b, &q, 1);
		strbuf_add(b, s, 1);
	}
	strbuf_add(b, &q, 1);
}

static void sb_ident(struct strbuf *b, const char *s)
{
	if (needs_quotes(s))
		sb_quoted(b, s, '"');
	else
		strbuf_puts(b, s);
}

static void sb_literal(struct strbuf *b, const char *s)
{
	sb_quoted(b, s, '\'');
}

static void sb_table(struct strbuf *b, const char *table, const char *schema)
{
	if (schema && *schema) {
		sb_ident(b, schema);
		strbuf_add(b, ".", 1);
	}
	sb_ident(b, table);
}

static void sql_insert(struct strbuf *b, const char *table, const char *schema, const char *v)
{
	strbuf_puts(b, "INSERT INTO ");
	sb_table(b, table, schema);
	strbuf_puts(b, " (version_num) VALUES (");
	sb_literal(b, v);
	strbuf_puts(b, ") RETURNING ");
	sb_table(b, table, schema);
	strbuf_puts(b, ".version_num;\n");
}

static void sql_update(struct strbuf *b, const char *table, const char *schema, const char *from,
		       const char *to)
{
	strbuf_puts(b, "UPDATE ");
	sb_table(b, table, schema);
	strbuf_puts(b, " SET version_num=");
	sb_literal(b, to);
	strbuf_puts(b, " WHERE ");
	sb_table(b, table, schema);
	strbuf_puts(b, ".version_num = ");
	sb_literal(b, from);
	strbuf_puts(b, ";\n");
}

static void sql_delete(struct strbuf *b, const char *table, const char *schema, const char *v)
{
	strbuf_puts(b, "DELETE FROM ");
	sb_table(b, table, schema);
	strbuf_puts(b, " WHERE ");
	sb_table(b, table, schema);
	strbuf_puts(b, ".version_num = ");
	sb_literal(b, v);
	strbuf_puts(b, ";\n");
}

char *versionsql_step(const struct revplan_step *s, const char *table, const char *schema)
{
	struct strbuf b = { 0 };
	if (!table || !*table)
		table = "alembic_version";
	strbuf_puts(&b, "");
	switch (s->op) {
	case REVPLAN_INSERT:
		for (size_t i = 0; i < s->n_to; i++)
			sql_insert(&b, table, schema, s->to[i]);
		break;
	case REVPLAN_DELETE:
		for (size_t i = 0; i < s->n_from; i++)
			sql_delete(&b, table, schema, s->from[i]);
		break;
	case REVPLAN_UPDATE:
		if (s->n_from && s->n_to)
			sql_update(&b, table, schema, s->from[0], s->to[0]);
		break;
	case REVPLAN_MERGE:
		for (size_t i = 0; i + 1 < s->n_from; i++)
			sql_delete(&b, table, schema, s->from[i]);
		if (s->n_from && s->n_to)
			sql_update(&b, table, schema, s->from[s->n_from - 1], s->to[0]);
		break;
	case REVPLAN_UNMERGE:
		for (size_t i = 0; i + 1 < s->n_to; i++)
			sql_insert(&b, table, schema, s->to[i]);
		if (s->n_from && s->n_to)
			sql_update(&b, table, schema, s->from[0], s->to[s->n_to - 1]);
		break;
	}
	return strbuf_detach(&b);
}

char *versionsql_ddl(const char *table, const char *schema)
{
	struct strbuf b = {0};
	struct strbuf pkc = {0};
	char *name;
	if (!table || !*table)
		table = "alembic_version";
	strbuf_printf(&pkc, "%s_pkc", table);
	name = strbuf_detach(&pkc);
	if (!name)
		return NULL;
	strbuf_puts(&b, "CREATE TABLE ");
	sb_table(&b, table, schema);
	strbuf_puts(&b, " (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT ");
	sb_ident(&b, name);
	strbuf_puts(&b, " PRIMARY KEY (version_num)\n)");
	free(name);
	return strbuf_detach(&b);
}

char *versionsql_drop(const char *table, const char *schema)
{
	struct strbuf b = {0};
	if (!table || !*table)
		table = "alembic_version";
	strbuf_puts(&b, "DROP TABLE ");
	sb_table(&b, table, schema);
	return strbuf_detach(&b);
}
