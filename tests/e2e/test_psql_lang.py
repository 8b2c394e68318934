"""psql's scripting language in init scripts (issue 10), with psql 15 as the oracle.

Each test writes an init script, runs it through `psql -X -v ON_ERROR_STOP=1 [-1] -f` and
through `migrate init`, and compares the databases, the exit statuses and (where a test says
so) what psql itself stored (initlib.assert_same_as_psql). Variables given from outside go to
psql as `-v NAME=VALUE` and to the tool as MIGRATE_INIT_VAR_NAME.
"""
import os
import subprocess

import pytest

from initlib import (EXIT_SQL, assert_same_as_psql, db, migrate, query, tables,  # noqa: F401
                     write)
from conftest import clean_env

ROWS = "SELECT * FROM t ORDER BY 1, 2"


def same(pg, script, single=True, **kw):
    return assert_same_as_psql(pg, {"01_x.sql": script}, single, **kw)


# ---- variables ---------------------------------------------------------------------------

INTERPOLATION = ("\\set tbl t\n"
                 "\\set v 'it''s; a value'\n"
                 "\\set n 41\n"
                 "CREATE TABLE :\"tbl\" (id int, v text);\n"
                 "INSERT INTO :tbl VALUES (:n + 1, :'v');\n")


def test_interpolation_plain_literal_identifier_and_test(pg):
    same(pg, INTERPOLATION + "INSERT INTO t VALUES (:{?n}::int, (:{?nope})::text);\n",
         expect={ROWS: [(1, "false"), (42, "it's; a value")]})


def test_an_unset_variable_stays_as_written(pg):
    # :'nope_is_not_set' reaches the server as written: a syntax error on both sides
    same(pg, INTERPOLATION + "INSERT INTO t VALUES (1, :'nope_is_not_set' || 'x');\n",
         expect_fail=True)


NOT_INTERPOLATED = ("\\set x 99\n"
                    "CREATE TABLE t (id int, v text);\n"
                    "INSERT INTO t VALUES (1, ':x'), (2, $$:x$$), (3, E':x');\n"
                    "-- :x in a comment\n"
                    "INSERT INTO t VALUES ('5'::int, /* :x */ (ARRAY['a','b','c'])[2:3]::text);\n")


def test_no_interpolation_inside_quotes_dollar_bodies_comments_and_casts(pg):
    same(pg, NOT_INTERPOLATED,
         expect={ROWS: [(1, ":x"), (2, ":x"), (3, ":x"), (5, "{b,c}")]})
    # ":x" is a quoted identifier, not a variable: a column that does not exist, on both sides
    same(pg, NOT_INTERPOLATED + "INSERT INTO t VALUES (6, \":x\"::text);\n", expect_fail=True)


def test_a_plain_value_is_lexed_as_part_of_the_script(pg):
    # psql pushes the value onto its lexer: its ';' ends a statement, its quote opens a string
    same(pg, (
        "\\set two 'INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)'\n"
        "CREATE TABLE t (id int);\n"
        ":two;\n"),
        expect={"SELECT id FROM t ORDER BY 1": [(1,), (2,)]})


def test_set_joins_its_arguments_and_unset_removes(pg):
    script = ("\\set a 'x y' z \"q\" 'tab\\tnext'\n"
              "\\set b gone\n"
              "\\unset b\n"
              "CREATE TABLE t (id int, v text);\n"
              "INSERT INTO t VALUES (1, :'a');\n")
    same(pg, script, expect={ROWS: [(1, 'x yz"q"tab\tnext')]})
    same(pg, script + "INSERT INTO t VALUES (2, :'b' || '');\n", expect_fail=True)


def test_recursive_expansion_is_skipped_as_psql_does(pg):
    r = same(pg, (
        "\\set self 'x :self'\n"
        "CREATE TABLE t (id int, v text);\n"
        "INSERT INTO t VALUES (1, :'self');\n"), expect={ROWS: [(1, "x :self")]})
    assert r.tool.returncode == 0


def test_values_from_outside_like_psql_v(pg):
    same(pg, (
        "CREATE TABLE t (id int, v text);\n"
        "INSERT INTO t VALUES (1, :'greeting');\n"
        "\\if :{?seed}\n"
        "INSERT INTO t VALUES (2, 'seeded');\n"
        "\\endif\n"),
        variables={"greeting": "hello 'world'", "seed": "yes"},
        expect={ROWS: [(1, "hello 'world'"), (2, "seeded")]})


def test_automatic_variables(pg):
    same(pg, (
        "CREATE TABLE t (id int, v text);\n"
        "INSERT INTO t VALUES (1, :'DBNAME' = current_database()),\n"
        "  (2, :SERVER_VERSION_NUM = current_setting('server_version_num')::int),\n"
        "  (3, :'SERVER_VERSION_NAME' = current_setting('server_version')),\n"
        "  (4, :'ENCODING'), (5, :'USER' = current_user);\n"
        "INSERT INTO t SELECT g, 'g' FROM generate_series(10, 12) g;\n"
        "INSERT INTO t VALUES (:ROW_COUNT, 'row_count'), (6, :'ERROR'), (7, :'SQLSTATE');\n"),
        expect={"SELECT id, v FROM t ORDER BY v, id":
                [(7, "00000"), (4, "UTF8"), (6, "false"), (10, "g"), (11, "g"), (12, "g"),
                 (3, "row_count"), (1, "true"), (2, "true"), (3, "true"), (5, "true")]})


# ---- conditionals --------------------------------------------------------------------------

def test_if_elif_else_nested(pg):
    same(pg, (
        "\\set on true\n"
        "CREATE TABLE t (id int, v text);\n"
        "\\if off\n"
        "  INSERT INTO t VALUES (1, 'no');\n"
        "  \\set leaked 1\n"
        "  SELECT 1/0;\n"
        "\\elif :on\n"
        "  INSERT INTO t VALUES (2, 'elif');\n"
        "  \\if 0\n"
        "    INSERT INTO t VALUES (3, 'no');\n"
        "  \\else\n"
        "    INSERT INTO t VALUES (4, 'inner else');\n"
        "  \\endif\n"
        "\\elif yes\n"
        "  INSERT INTO t VALUES (5, 'no: a branch was taken');\n"
        "\\else\n"
        "  INSERT INTO t VALUES (6, 'no');\n"
        "\\endif\n"
        "INSERT INTO t VALUES (7, :{?leaked}::text);\n"),
        expect={ROWS: [(2, "elif"), (4, "inner else"), (7, "false")]})


@pytest.mark.parametrize("script,message", [
    ("\\if true\nCREATE TABLE t (id int);\n", "without \\endif"),
    ("\\endif\n", "\\endif: no matching \\if"),
    ("\\if true\n\\else\n\\else\n\\endif\n", "\\else: cannot occur after \\else"),
    ("\\if false\n\\nosuchcommand\n\\endif\n", "invalid command \\nosuchcommand"),
], ids=["unbalanced", "endif-alone", "else-else", "unknown-in-false-branch"])
def test_conditional_errors_stop_the_script(pg, script, message):
    r = same(pg, "CREATE TABLE u (id int);\n" + script, expect_fail=True)
    assert message in r.tool.stderr
    assert "01_x.sql:" in r.tool.stderr


def test_an_unrecognized_condition_is_reported_and_taken_as_false(pg):
    # psql prints the error and goes on (ON_ERROR_STOP or not) with the branch false
    r = same(pg, ("CREATE TABLE t (id int, v text);\n"
                  "\\if maybe\nINSERT INTO t VALUES (1, 'if');\n"
                  "\\else\nINSERT INTO t VALUES (2, 'else');\n\\endif\n"),
             expect={ROWS: [(2, "else")]})
    assert 'unrecognized value "maybe" for "\\if expression": Boolean expected' in r.tool.stderr


# ---- the \g family -------------------------------------------------------------------------

def test_gset_with_prefix_and_null(pg):
    same(pg, (
        "\\set b was_set\n"
        "SELECT 1 AS a, NULL AS b, 'x y' AS c \\gset\n"
        "SELECT 2 AS a \\gset p_\n"
        "CREATE TABLE t (id int, v text);\n"
        "INSERT INTO t VALUES (:a, :'c'), (:p_a, :{?b}::text);\n"),
        expect={ROWS: [(1, "x y"), (2, "false")]})


@pytest.mark.parametrize("query,message", [
    ("SELECT 1 AS a WHERE false \\gset", "no rows returned for \\gset"),
    ("SELECT generate_series(1, 2) AS a \\gset", "more than one row returned for \\gset"),
])
def test_gset_needs_exactly_one_row(pg, query, message):
    r = same(pg, f"CREATE TABLE t (id int);\n{query}\n", expect_fail=True)
    assert message in r.tool.stderr


def test_gexec_runs_each_cell_in_order(pg):
    same(pg, (
        "SELECT format('CREATE TABLE %I (id int)', 't' || g) FROM generate_series(1, 3) g\\gexec\n"
        "SELECT 'INSERT INTO t1 VALUES (1)', NULL, 'INSERT INTO t1 VALUES (2)'\n"
        "UNION ALL SELECT 'INSERT INTO t2 VALUES (3)', 'INSERT INTO t3 VALUES (4)', NULL \\gexec\n"),
        False, expect={"SELECT (SELECT array_agg(id) FROM t1)::text, (SELECT array_agg(id) "
                       "FROM t2)::text, (SELECT array_agg(id) FROM t3)::text":
                       [("{1,2}", "{3}", "{4}")]})


def test_connect_to_a_database_a_gexec_created_and_back(pg):
    other = "lang_connect_other"
    pg.sql(f'DROP DATABASE IF EXISTS "{other}"')
    try:
        script = (f"SELECT 'CREATE DATABASE {other}' WHERE NOT EXISTS "
                  f"(SELECT FROM pg_database WHERE datname = '{other}')\\gexec\n"
                  f"\\connect {other}\n"
                  "CREATE TABLE IF NOT EXISTS side (v text);\n"
                  "INSERT INTO side VALUES (:'DBNAME');\n"
                  "\\c @DBNAME@\n"
                  "CREATE TABLE t (v text);\n"
                  "INSERT INTO t VALUES (:'DBNAME' = current_database());\n")
        r = same(pg, script, False, expect={"SELECT v FROM t": [("true",)]})
        assert r.tool.returncode == 0
        # the idiom's CREATE DATABASE ran once (psql's side), the tool's saw it there
        assert query(pg, other, "SELECT v, count(*) FROM side GROUP BY v") == [(other, 2)]
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')


def test_g_runs_the_statement_and_alone_runs_the_last_one_again(pg):
    same(pg, ("CREATE TABLE t (id int)\\g\nINSERT INTO t VALUES (1) \\g\n"
              "INSERT INTO t VALUES (2);\n\\g\n"
              "SELECT count(*) AS n FROM t \\gset\n\\gset again_\n"
              "INSERT INTO t VALUES (:again_n);\n"),
         expect={"SELECT id FROM t ORDER BY 1": [(1,), (2,), (2,), (3,)]})


def test_copy_to_stdout_runs_and_its_output_is_dropped(pg):
    same(pg, ("CREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (2);\n"
              "\\copy (DELETE FROM t WHERE id = 1 RETURNING id) TO stdout\n"),
         expect={"SELECT id FROM t": [(2,)]})


# ---- data -----------------------------------------------------------------------------------

def test_copy_from_stdin_inline_and_from_a_csv_file(pg):
    assert_same_as_psql(pg, {
        "01_x.sql": (
            "CREATE TABLE t (id int, v text);\n"
            "\\copy t (id, v) from stdin\n"
            "1\tone\n"
            "2\t\\N\n"
            "\\.\n"
            "\\copy t (id, v) FROM 'sql/init/20240101/data/users.csv' WITH (FORMAT csv, HEADER)\n"
            "INSERT INTO t VALUES (9, 'after');\n"),
        "data/users.csv": "id,v\n3,\"three, quoted\"\n4,four\n"}, True,
        expect={ROWS: [(1, "one"), (2, None), (3, "three, quoted"), (4, "four"), (9, "after")]})


def test_copy_file_outside_the_scripts_tree_is_refused(pg, db, tmp_path):
    (tmp_path / "secret.csv").write_text("1\n")
    write(tmp_path, {"sql/init/20240101/01_c.sql":
                     "CREATE TABLE t (id int);\n\\copy t from 'secret.csv'\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert "01_c.sql:2: \\copy: \"secret.csv\" is outside the scripts directory" in r.stderr
    assert tables(pg, db) == []


# ---- messages and control --------------------------------------------------------------------

def test_echo_qecho_warn_and_quit(pg):
    r = same(pg, (
        "\\set who world\n"
        "\\echo hello :who 'two  spaces'\n"
        "\\qecho to the query output\n"
        "\\warn careful :'who'\n"
        "CREATE TABLE t (id int);\n"
        "\\q\n"
        "CREATE TABLE never (id int);\n"), expect={"SELECT to_regclass('never')::text": [(None,)]})
    assert "hello world two  spaces" in r.tool.stderr
    assert "to the query output" in r.tool.stderr
    assert "careful 'world'" in r.tool.stderr


def test_getenv(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20240101/01_e.sql":
                     "\\getenv home_dir MIGRATE_TEST_HOME\nCREATE TABLE t (v text);\n"
                     "INSERT INTO t VALUES (:'home_dir');\n"})
    r = migrate(pg, db, tmp_path, env=clean_env(DATABASE_URL=pg.url(db),
                                                MIGRATE_TEST_HOME="/srv/app"))
    assert r.returncode == 0, r.stderr
    assert query(pg, db, "SELECT v FROM t") == [("/srv/app",)]


def test_output_only_commands_are_skipped(pg):
    same(pg, (
        "\\pset format unaligned\n\\x on\n\\timing on\n\\t\n\\a\n\\o\n"
        "CREATE TABLE t (id int);\n\\dt\n\\d t\n\\conninfo\n"
        "INSERT INTO t VALUES (1);\n"), expect={"SELECT id FROM t": [(1,)]})


# ---- secrets ---------------------------------------------------------------------------------

def test_a_secret_from_a_file_never_appears_in_the_log(pg, db, tmp_path):
    secret = "s3cr3t-Pa55'word"
    (tmp_path / "pw").write_text(secret + "\n")
    write(tmp_path, {"sql/init/20240101/01_s.sql": (
        "CREATE TABLE t (v text);\n"
        "\\echo the password is :app_password\n"
        "INSERT INTO t VALUES (:'app_password');\n"
        "SELECT :'app_password'::int;\n")})
    env = clean_env(DATABASE_URL=pg.url(db), MIGRATE_INIT_VAR_app_password_FILE=tmp_path / "pw")
    r = migrate(pg, db, tmp_path, "--log-level", "debug", env=env)
    assert r.returncode == EXIT_SQL, r.stderr
    assert "invalid input syntax for type integer" in r.stderr
    assert "the password is" in r.stderr
    assert "s3cr3t" not in r.stderr and "Pa55" not in r.stderr, r.stderr
    assert tables(pg, db) == []


def test_config_file_variables(pg, db, tmp_path):
    write(tmp_path, {
        "migrate.ini": "[init.variables]\napp_user = app_reader\nschema = reporting\n",
        "sql/init/20240101/01_v.sql": ("CREATE SCHEMA :\"schema\";\n"
                                       "CREATE TABLE :\"schema\".t (v text);\n"
                                       "INSERT INTO :schema.t VALUES (:'app_user');\n")})
    env = clean_env(DATABASE_URL=pg.url(db), MIGRATE_INIT_VAR_schema="reporting")
    r = migrate(pg, db, tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert query(pg, db, "SELECT v FROM reporting.t") == [("app_reader",)]


def test_the_issues_idioms(pg):
    r = assert_same_as_psql(pg, {
        "01_x.sql": (
            "CREATE TABLE users (id int, email text);\n"
            "CREATE ROLE :\"app_user\" LOGIN PASSWORD :'app_password';\n"
            "\\if :{?seed_demo_data}\n"
            "\\copy users (id, email) FROM 'sql/init/20240101/data/users.csv' WITH (FORMAT csv, HEADER)\n"
            "\\endif\n"
            "SELECT count(*) AS n FROM users \\gset\n"
            "\\echo loaded :n users\n"
            "CREATE TABLE counted AS SELECT :n AS n;\n"
            "DROP ROLE :\"app_user\";\n"),
        "data/users.csv": "id,email\n1,a@example.com\n2,b@example.com\n"}, True,
        variables={"app_user": "idiom_app", "app_password": "pw'x", "seed_demo_data": "1"},
        expect={"SELECT n FROM counted": [(2,)]})
    assert "loaded 2 users" in r.tool.stderr


def test_backslash_semicolon_sends_one_query_string(pg):
    same(pg, ("CREATE TABLE t (id int, v text)\\; INSERT INTO t VALUES (1, 'a')\\;\n"
              "INSERT INTO t VALUES (2, 'b\\:c');\n"),
         expect={ROWS: [(1, "a"), (2, "b\\:c")]})


def test_backslash_semicolon_is_one_implicit_transaction(pg):
    # without -1 (the directive makes the file run statement by statement, as psql -f): the
    # failing second half of the query string takes the first half with it
    r = same(pg, ("-- migrate:no-transaction\n"
                  "CREATE TABLE t (id int);\n"
                  "INSERT INTO t VALUES (1)\\; INSERT INTO t VALUES (1/0);\n"),
             False, expect_fail=True, queries=["SELECT count(*) FROM t"])
    assert r.psql_rows["SELECT count(*) FROM t"] == [(0,)]


def test_pg_dump_inserts_of_a_latin1_database(pg):
    """A real `pg_dump --inserts` of a LATIN1 database: the dump is in LATIN1 and says so."""
    from initlib import new_dbname, pg_dump
    src = new_dbname()
    pg.sql(f"CREATE DATABASE \"{src}\" ENCODING 'LATIN1' TEMPLATE template0 "
           "LC_COLLATE 'C' LC_CTYPE 'C'")
    values = ["caf\u00e9", "na\u00efve; it's", "back\\slash", "\u00bfqu\u00e9?", "\u00e0 la :x"]
    try:
        query(pg, src, "CREATE TABLE t (id int PRIMARY KEY, v text)")
        for i, v in enumerate(values):
            query(pg, src, "INSERT INTO t VALUES (%s, %s)", (i, v))
        dump = pg_dump(pg, src, "--inserts")
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{src}" WITH (FORCE)')
    assert b"SET client_encoding = 'LATIN1';" in dump and b"caf\xe9" in dump
    assert_same_as_psql(pg, {"01_dump.sql": dump}, True,
                        expect={"SELECT id, v FROM t ORDER BY id": list(enumerate(values))})


def test_a_value_naming_another_variable_is_expanded_again(pg):
    # :a gives ":b", read again as part of the script: :b gives 5 (no recursion warning)
    r = same(pg, ("\\set b 5\n\\set a ':b'\n\\set unset_ref :NOPE\n"
                  "CREATE TABLE t (id int, v text);\n"
                  "INSERT INTO t VALUES (:a, :'unset_ref'), (:LASTOID, 'lastoid');\n"),
             expect={ROWS: [(0, "lastoid"), (5, ":NOPE")]})
    assert "recursive" not in r.tool.stderr


def test_copy_from_stdout_is_copy_from_stdin(pg):
    # PostgreSQL's own regression suite writes it (insert.sql): the server reads STDOUT there
    same(pg, "CREATE TABLE t (id int, v text);\ncopy t from stdout;\n1\ta\n\\.\n",
         expect={ROWS: [(1, "a")]})


def test_meta_commands_in_the_middle_of_a_statement(pg):
    # psql runs them and goes on with the statement; \r drops what was typed so far
    r = same(pg, ("CREATE TABLE t (id int, v text);\n"
                  "INSERT INTO t\n"
                  "\\echo in the middle\n"
                  "VALUES (1, 'one');\n"
                  "INSERT INTO t VALUES\n"
                  "\\set v 3\n"
                  "(:v, 'three');\n"
                  "SELECT 1/0 AS never\n"
                  "\\p\n"
                  "\\r\n"
                  "INSERT INTO t VALUES (2, 'two');\n"),
             expect={ROWS: [(1, "one"), (2, "two"), (3, "three")]})
    assert "in the middle" in r.tool.stderr


def test_the_tool_creates_a_database_with_gexec_and_connects_to_it(pg, db, tmp_path):
    other = "lang_gexec_made"
    pg.sql(f'DROP DATABASE IF EXISTS "{other}"')
    try:
        write(tmp_path, {"sql/init/20240101/01_g.sql": (
            f"SELECT 'CREATE DATABASE {other}' WHERE NOT EXISTS "
            f"(SELECT FROM pg_database WHERE datname = '{other}')\\gexec\n"
            f"\\connect {other}\n"
            "CREATE TABLE made_here (v text);\n"
            "INSERT INTO made_here VALUES (:'DBNAME');\n")})
        r = migrate(pg, db, tmp_path)
        assert r.returncode == 0, r.stderr
        assert query(pg, other, "SELECT v FROM made_here") == [(other,)]
        assert "made_here" not in tables(pg, db)  # it went to the other database
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')


def test_lo_import_and_lo_unlink(pg):
    assert_same_as_psql(pg, {
        "01_x.sql": (
            "\\lo_import 'sql/init/20240101/data/blob.txt' 'a comment'\n"
            "\\set imported :LASTOID\n"
            "CREATE TABLE t (id int, v text);\n"
            "INSERT INTO t SELECT 1, convert_from(lo_get(:imported), 'UTF8');\n"
            "INSERT INTO t SELECT 2, obj_description(:imported, 'pg_largeobject');\n"
            "\\lo_unlink :imported\n"
            "INSERT INTO t SELECT 3, count(*)::text FROM pg_largeobject_metadata;\n"),
        "data/blob.txt": "large object body\nline two\n"}, True,
        expect={ROWS: [(1, "large object body\nline two\n"), (2, "a comment"), (3, "0")]})


def test_row_count_after_a_query_string_and_a_copy(pg):
    # a query string joined by \; sets ROW_COUNT from its last statement, COPY FROM STDIN
    # from its rows; after COPY … TO STDOUT psql has 0
    same(pg, ("CREATE TABLE t (id int, v text);\n"
              "INSERT INTO t VALUES (1, 'a')\\; INSERT INTO t VALUES (2, 'b'), (3, 'c');\n"
              "INSERT INTO t VALUES (:ROW_COUNT, 'after the query string');\n"
              "COPY (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) TO STDOUT;\n"
              "INSERT INTO t VALUES (:ROW_COUNT, 'after the copy');\n"
              "COPY t FROM STDIN;\n7\tcopied\n8\tcopied\n\\.\n"
              "INSERT INTO t VALUES (:ROW_COUNT, 'after copy from stdin');\n"
              "\\copy (SELECT 1 UNION ALL SELECT 2) TO stdout\n"
              "INSERT INTO t VALUES (:ROW_COUNT, 'after copy to stdout');\n"),
         expect={ROWS: [(0, "after copy to stdout"), (0, "after the copy"), (1, "a"),
                        (2, "after copy from stdin"), (2, "after the query string"), (2, "b"),
                        (3, "c"), (7, "copied"), (8, "copied")]})
