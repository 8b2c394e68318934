/* Unit tests: the schema diff (sql/schemadiff.h) on hand-made catalogs: what is created,
 * dropped and changed, and above all the order — drops before the rest, dependencies across
 * phases (a table dropped with its trigger before the trigger's function; a function before
 * the column default that calls it), views around what they stand on, cycles. */
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "sql/schemadiff.h"

struct def {
	const char *kind, *key, *parent;
	int phase;
	const char *sig, *create, *drop, *alter, *deps;
};

static struct schema make(const struct def *d, size_t n)
{
	struct schema s = {calloc(n + 1, sizeof(struct schema_object)), n};
	for (size_t i = 0; i < n; i++) {
		struct schema_object *o = &s.o[i];
		o->kind = strdup(d[i].kind);
		o->key = strdup(d[i].key);
		o->parent = strdup(d[i].parent ? d[i].parent : "");
		o->phase = d[i].phase;
		o->sig = strdup(d[i].sig ? d[i].sig : "");
		o->create = strdup(d[i].create ? d[i].create : "");
		o->drop = strdup(d[i].drop ? d[i].drop : "");
		o->alter = strdup(d[i].alter ? d[i].alter : "");
		o->deps = strdup(d[i].deps ? d[i].deps : "");
	}
	return s;
}

/* The ops' SQL, concatenated (held ones prefixed "HELD "). */
static char *sql_of(const struct schema_diff *d)
{
	size_t len = 1;
	char *out;
	for (size_t i = 0; i < d->n; i++)
		len += strlen(d->ops[i].sql) + 5;
	out = calloc(len, 1);
	for (size_t i = 0; i < d->n; i++) {
		if (d->ops[i].warning)
			strcat(out, "HELD ");
		strcat(out, d->ops[i].sql);
	}
	return out;
}

static char *diff_sql(const struct def *a, size_t na, const struct def *b, size_t nb)
{
	struct schema x = make(a, na), y = make(b, nb);
	struct schema_diff d;
	char *out = NULL;
	if (schemadiff(&x, &y, &d) == 0) {
		out = sql_of(&d);
		schemadiff_release(&d);
	}
	schema_release(&x);
	schema_release(&y);
	return out;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* a string an op may own (not a literal) */
#define L(text) ((char[]){text})

static const struct def FUNC = {"function", "public.touch()", "", PHASE_FUNCTION, "f1",
				"CREATE FUNCTION touch", "DROP FUNCTION touch", "", ""};
static const struct def TABLE = {"table", "public.t", "", PHASE_TABLE, "t", "CREATE TABLE t (\x1e)",
				 "DROP TABLE t", "", ""};
static const struct def COL_A = {"column", "public.t.a", "table public.t", PHASE_COLUMN,
				 "int\x1f" "false\x1f\x1f\x1f\x1f", "ALTER TABLE t ADD COLUMN a int",
				 "ALTER TABLE t DROP COLUMN a", "a int", ""};
static const struct def TRIGGER = {"trigger", "public.t.tg", "table public.t", PHASE_TRIGGER,
				   "tg", "CREATE TRIGGER tg", "DROP TRIGGER tg ON t", "",
				   "function public.touch()"};

static void test_create_in_phase_order_with_columns_inline(void)
{
	struct def want[] = {TRIGGER, COL_A, TABLE, FUNC}; /* any order in, phase order out */
	char *s = diff_sql(NULL, 0, want, N(want));
	CHECK_STR(s, "CREATE TABLE t (\n    a int\n);\nCREATE FUNCTION touch;\nCREATE TRIGGER tg;\n");
	free(s);
}

static void test_a_dropped_table_goes_before_the_function_its_trigger_needs(void)
{
	struct def have[] = {FUNC, TABLE, COL_A, TRIGGER};
	char *s = diff_sql(have, N(have), NULL, 0);
	/* the trigger and the column go with the table; by phase alone the
	 * function (70) would be dropped before the table (50) */
	CHECK_STR(s, "DROP TABLE t;\nDROP FUNCTION touch;\n");
	free(s);
}

static void test_a_function_comes_before_the_default_that_calls_it(void)
{
	struct def col = COL_A;
	struct def have[] = {TABLE};
	col.deps = "function public.gen()";
	struct def gen = {"function", "public.gen()", "", PHASE_FUNCTION, "g", "CREATE FUNCTION gen",
			  "DROP FUNCTION gen", "", ""};
	struct def want[] = {TABLE, col, gen};
	char *s = diff_sql(have, N(have), want, N(want));
	CHECK_STR(s, "CREATE FUNCTION gen;\nALTER TABLE t ADD COLUMN a int;\n");
	free(s);
	/* and a new table takes its columns' needs along */
	struct def want2[] = {col, gen, TABLE};
	s = diff_sql(NULL, 0, want2, N(want2));
	CHECK_STR(s, "CREATE FUNCTION gen;\nCREATE TABLE t (\n    a int\n);\n");
	free(s);
}

static void test_views_on_views_and_a_changed_view(void)
{
	struct def v1 = {"view", "public.v", "", PHASE_VIEW, "v1", "CREATE VIEW v", "DROP VIEW v",
			 "", "table public.t"};
	struct def w = {"view", "public.w", "", PHASE_VIEW, "w", "CREATE VIEW w", "DROP VIEW w", "",
			"view public.v"};
	struct def v2 = v1;
	v2.sig = "v2";
	v2.create = "CREATE VIEW v2";
	/* w listed first: still made after v, dropped before it */
	struct def have[] = {TABLE, w, v1}, want[] = {TABLE, w, v2};
	char *s = diff_sql(have, N(have), want, N(want));
	CHECK_STR(s, "DROP VIEW w;\nDROP VIEW v;\nCREATE VIEW v2;\nCREATE VIEW w;\n");
	free(s);
}

static void test_a_column_type_change_remakes_the_views_on_its_table(void)
{
	struct def col2 = COL_A;
	col2.sig = "bigint\x1f" "false\x1f\x1f\x1f\x1f";
	struct def v = {"view", "public.v", "", PHASE_VIEW, "v", "CREATE VIEW v", "DROP VIEW v", "",
			"table public.t"};
	struct def have[] = {TABLE, COL_A, v}, want[] = {TABLE, col2, v};
	char *s = diff_sql(have, N(have), want, N(want));
	CHECK_STR(s, "DROP VIEW v;\nHELD ALTER TABLE public.t ALTER COLUMN a TYPE bigint USING a::bigint;\n"
		     "CREATE VIEW v;\n");
	free(s);
}

static void test_column_changes_in_place(void)
{
	struct def c2 = COL_A;
	c2.sig = "int\x1ftrue\x1f" "42\x1f\x1f\x1f";
	struct def have[] = {TABLE, COL_A}, want[] = {TABLE, c2};
	char *s = diff_sql(have, N(have), want, N(want));
	CHECK_STR(s, "ALTER TABLE public.t ALTER COLUMN a SET DEFAULT 42;\n"
		     "ALTER TABLE public.t ALTER COLUMN a SET NOT NULL;\n");
	free(s);
	s = diff_sql(want, N(want), have, N(have));
	CHECK_STR(s, "ALTER TABLE public.t ALTER COLUMN a DROP DEFAULT;\n"
		     "ALTER TABLE public.t ALTER COLUMN a DROP NOT NULL;\n");
	free(s);
	/* a longer varchar runs; a shorter one is held */
	struct def v10 = COL_A, v40 = COL_A;
	v10.sig = "character varying(10)\x1f" "false\x1f\x1f\x1f\x1f";
	v40.sig = "character varying(40)\x1f" "false\x1f\x1f\x1f\x1f";
	struct def h10[] = {TABLE, v10}, h40[] = {TABLE, v40};
	s = diff_sql(h10, 2, h40, 2);
	CHECK_STR(s, "ALTER TABLE public.t ALTER COLUMN a TYPE character varying(40) USING "
		     "a::character varying(40);\n");
	free(s);
	s = diff_sql(h40, 2, h10, 2);
	CHECK(s && strncmp(s, "HELD ", 5) == 0);
	free(s);
}

static void test_enum_values(void)
{
	struct def e1 = {"type", "public.mood", "", PHASE_TYPE, "sad,happy", "CREATE TYPE mood",
			 "DROP TYPE mood", "'sad'\n'happy'", ""};
	struct def e2 = e1, e3 = e1;
	e2.sig = "new,sad,ok,happy";
	e2.alter = "'new'\n'sad'\n'ok'\n'happy'";
	e3.sig = "happy,sad";
	e3.alter = "'happy'\n'sad'";
	struct def a[] = {e1}, b[] = {e2}, c[] = {e3};
	char *s = diff_sql(a, 1, b, 1);
	CHECK_STR(s, "ALTER TYPE public.mood ADD VALUE 'new' BEFORE 'sad';\n"
		     "ALTER TYPE public.mood ADD VALUE 'ok' AFTER 'sad';\n");
	free(s);
	s = diff_sql(b, 1, a, 1); /* removed */
	CHECK(s && strncmp(s, "HELD ", 5) == 0);
	free(s);
	s = diff_sql(a, 1, c, 1); /* reordered */
	CHECK(s && strncmp(s, "HELD ", 5) == 0);
	free(s);
}

static void test_order_breaks_a_cycle_and_keeps_ties_stable(void)
{
	/* one op: what the order reads (action, phase, kind, key, deps) */
#define OP(a, ph, k, ky, dp) {.action = a, .phase = ph, .kind = L(k), .key = L(ky), .deps = L(dp)}
	struct schema_op ops[] = {
		OP(SCHEMA_CREATE, PHASE_VIEW, "view", "public.a", "view public.b"),
		OP(SCHEMA_CREATE, PHASE_VIEW, "view", "public.b", "view public.a"),
		OP(SCHEMA_CREATE, PHASE_TABLE, "table", "public.z", ""),
		OP(SCHEMA_CREATE, PHASE_TABLE, "table", "public.y", ""),
		OP(SCHEMA_DROP, PHASE_INDEX, "index", "public.i", ""),
	};
#undef OP
	CHECK_INT(schemadiff_order(ops, N(ops)), 0);
	CHECK_STR(ops[0].key, "public.i");
	CHECK_STR(ops[1].key, "public.z");
	CHECK_STR(ops[2].key, "public.y");
	CHECK_STR(ops[3].key, "public.a");
	CHECK_STR(ops[4].key, "public.b");
}

static void test_render_comments_out_what_is_held(void)
{
	struct schema_op ops[] = {
		{.action = SCHEMA_DROP, .phase = PHASE_COLUMN, .kind = L("column"), .key = L("public.t.a"),
		 .sql = L("ALTER TABLE t DROP COLUMN a;\n"), .what = L("drop column public.t.a")},
		{.action = SCHEMA_CREATE, .phase = PHASE_COLUMN, .kind = L("column"),
		 .key = L("public.t.b"), .sql = L("ALTER TABLE t ADD COLUMN b int;\n"),
		 .what = L("add column public.t.b")},
	};
	struct schema_diff d = {ops, 2};
	char *text;
	ops[0].warning = strdup("column public.t.a holds data");
	int autocommit = -1;
	text = schemadiff_render(&d, "schema.sql", 1, &autocommit);
	CHECK_INT(autocommit, 0); /* nothing online */
	CHECK_STR(text, "-- Generated by migrate revision --autogenerate from schema.sql: 2 operations\n"
			"--   drop column public.t.a (not run)\n"
			"--   add column public.t.b\n"
			"-- WARNING: column public.t.a holds data\n"
			"-- The statements not run are below, commented out.\n"
			"\n-- ALTER TABLE t DROP COLUMN a;\n"
			"\nALTER TABLE t ADD COLUMN b int;\n");
	free(text);
	free(ops[0].warning);
}

static void test_concurrently(void)
{
	struct def ix = {"index", "public.t_a", "table public.t", PHASE_INDEX, "i",
			 "CREATE INDEX t_a ON public.t USING btree (a)", "DROP INDEX public.t_a", "", ""};
	struct def ux = ix, cm = {"comment", "index public.t_a", "index public.t_a", PHASE_COMMENT,
				  "c", "COMMENT ON INDEX public.t_a IS 'c'", "", "", ""};
	struct def col_b = COL_A;
	col_b.key = "public.t.b";
	col_b.create = "ALTER TABLE t ADD COLUMN b int";
	ux.key = "public.t_u";
	ux.create = "CREATE UNIQUE INDEX t_u ON public.t USING btree (a)";
	struct def have[] = {TABLE, COL_A}, want[] = {TABLE, COL_A, col_b, ix, ux, cm};
	struct schema x = make(have, N(have)), y = make(want, N(want));
	struct schema_diff d;
	int autocommit = 0;
	char *text;
	CHECK_INT(schemadiff(&x, &y, &d), 0);
	text = schemadiff_render(&d, "s.sql", 1, &autocommit);
	CHECK_INT(autocommit, 1);
	/* the column and the unique index in the transaction; the plain index
	 * after it, concurrently, and the comment on it after that */
	CHECK(text && strstr(text, "\nBEGIN;\n\nALTER TABLE t ADD COLUMN b int;\n\nCREATE UNIQUE INDEX "
				   "t_u ON public.t USING btree (a);\n\nCOMMIT;\n\nDROP INDEX "
				   "CONCURRENTLY IF EXISTS public.t_a;\nCREATE INDEX CONCURRENTLY t_a ON "
				   "public.t USING btree (a);\n\nCOMMENT ON INDEX public.t_a IS 'c';\n"));
	CHECK(text && strstr(text, "--   add index public.t_a (concurrently)\n"));
	free(text);
	/* without the option: one transaction, as the diff orders it */
	text = schemadiff_render(&d, "s.sql", 0, &autocommit);
	CHECK_INT(autocommit, 0);
	CHECK(text && !strstr(text, "CONCURRENTLY") && !strstr(text, "BEGIN"));
	free(text);
	schemadiff_release(&d);
	/* the way back: dropped concurrently first, before the transaction */
	CHECK_INT(schemadiff(&y, &x, &d), 0);
	text = schemadiff_render(&d, "s.sql", 1, &autocommit);
	CHECK(text && strstr(text, "\nDROP INDEX CONCURRENTLY IF EXISTS public.t_a;\n\nBEGIN;\n"));
	free(text);
	schemadiff_release(&d);
	schema_release(&x);
	schema_release(&y);
}

static const struct def SEQ = {"sequence", "public.s", "", PHASE_SEQUENCE, "s", "CREATE SEQUENCE s",
			       "DROP SEQUENCE s", "", ""};

static void test_a_default_that_goes_is_dropped_before_its_sequence(void)
{
	struct def with_default = COL_A;
	with_default.sig = "int\x1f" "false\x1fnextval('s')\x1f\x1f\x1f";
	with_default.deps = "sequence public.s";
	struct def have[] = {SEQ, TABLE, with_default}, want[] = {TABLE, COL_A};
	char *s = diff_sql(have, N(have), want, N(want));
	CHECK_STR(s, "ALTER TABLE public.t ALTER COLUMN a DROP DEFAULT;\nDROP SEQUENCE s;\n");
	free(s);
	/* the other way: the sequence first, then the default */
	s = diff_sql(want, N(want), have, N(have));
	CHECK_STR(s, "CREATE SEQUENCE s;\nALTER TABLE public.t ALTER COLUMN a SET DEFAULT "
		     "nextval('s');\n");
	free(s);
}

static void test_a_foreign_key_on_a_remade_index_is_remade(void)
{
	struct def u1 = {"index", "public.u", "table public.t", PHASE_INDEX, "u1", "CREATE UNIQUE INDEX u1",
			 "DROP INDEX u", "", ""};
	struct def u2 = u1;
	u2.sig = "u2";
	u2.create = "CREATE UNIQUE INDEX u2";
	struct def fk = {"fkey", "public.b.fk", "table public.b", PHASE_FKEY, "fk", "ADD fk",
			 "DROP fk", "", "index public.u"};
	struct def b = TABLE;
	b.key = "public.b";
	b.create = "CREATE TABLE b (\x1e)";
	struct def have[] = {TABLE, b, u1, fk}, want[] = {TABLE, b, u2, fk};
	char *s = diff_sql(have, N(have), want, N(want));
	CHECK_STR(s, "DROP fk;\nDROP INDEX u;\nCREATE UNIQUE INDEX u2;\nADD fk;\n");
	free(s);
}

static void test_a_held_drop_holds_what_it_needs_and_the_way_back(void)
{
	struct def col = COL_A;
	col.deps = "sequence public.s";
	struct def have[] = {SEQ, TABLE, col};
	struct schema x = make(have, N(have)), none = {NULL, 0};
	struct schema_diff up, down;
	CHECK_INT(schemadiff(&x, &none, &up), 0);
	CHECK_INT(schemadiff(&none, &x, &down), 0);
	CHECK_INT((int)up.n, 2);
	CHECK_STR(up.ops[0].key, "public.t"); /* the table first: its column needs the sequence */
	CHECK_INT(schemadiff_hold(&up.ops[0], "table public.t holds data"), 0);
	CHECK_INT(schemadiff_hold_cascade(&up, &down), 0);
	CHECK_STR(up.ops[1].warning, "sequence public.s is still needed by table public.t, whose "
				     "drop is not run");
	CHECK_INT((int)down.n, 2);
	CHECK_STR(down.ops[1].warning, "table public.t: the upgrade does not drop table public.t, "
				       "so it is not created again");
	/* the sequence is created again on the way back only if the upgrade drops it: it is
	 * held there too, by its own held drop */
	CHECK(down.ops[0].warning != NULL);
	schemadiff_release(&up);
	schemadiff_release(&down);
	schema_release(&x);
}

int main(void)
{
	RUN(test_create_in_phase_order_with_columns_inline);
	RUN(test_a_dropped_table_goes_before_the_function_its_trigger_needs);
	RUN(test_a_function_comes_before_the_default_that_calls_it);
	RUN(test_views_on_views_and_a_changed_view);
	RUN(test_a_column_type_change_remakes_the_views_on_its_table);
	RUN(test_column_changes_in_place);
	RUN(test_enum_values);
	RUN(test_order_breaks_a_cycle_and_keeps_ties_stable);
	RUN(test_render_comments_out_what_is_held);
	RUN(test_concurrently);
	RUN(test_a_default_that_goes_is_dropped_before_its_sequence);
	RUN(test_a_foreign_key_on_a_remade_index_is_remade);
	RUN(test_a_held_drop_holds_what_it_needs_and_the_way_back);
	return tap_done();
}
