"""Errors in init scripts (docs/reference.md §9.5, exit code 6): the message names
file:line:col of the failing token (PostgreSQL's error position mapped back
into the file), PostgreSQL's message, SQLSTATE, DETAIL and HINT; a
transactional file leaves nothing behind and no bookkeeping row; an
autocommit file keeps what ran before the failure, as `psql -f` does.
"""
import pytest

from initlib import (bookkeeping, db, db2, migrate, psql_file, query, tables,  # noqa: F401
                     write)

F = "sql/init/20240101/01_bad.sql"


def snapshot(pg, dbname):
    return {t: query(pg, dbname, f'SELECT * FROM public."{t}" ORDER BY 1')
            for t in tables(pg, dbname)}


def test_failing_statement_names_line_and_column_and_rolls_back(pg, db, tmp_path):
    write(tmp_path, {F: (
        "-- a comment\n"
        "CREATE TABLE before_error (id int PRIMARY KEY, name text);\n"
        "INSERT INTO before_error VALUES (1, 'é日本🎉; multi-byte before the error');\n"
        "SELECT id,\n"
        "       name,\n"
        "       idd\n"
        "  FROM before_error;\n"
        "CREATE TABLE after_error (id int);\n")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert f'{F}:6:8: column "idd" does not exist (SQLSTATE 42703)' in r.stderr
    assert 'hint: Perhaps you meant to reference the column "before_error.id".' in r.stderr
    assert "rolled back" in r.stderr
    assert tables(pg, db) == []
    assert bookkeeping(pg, db) == {}


def test_column_is_a_byte_column_after_multibyte_text_on_the_line(pg, db, tmp_path):
    line = "SELECT 'é日本🎉', nope FROM (SELECT 1) AS s;"
    write(tmp_path, {F: "CREATE TABLE t (id int);\n" + line + "\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    col = len(line[:line.index("nope")].encode()) + 1
    assert f'{F}:2:{col}: column "nope" does not exist (SQLSTATE 42703)' in r.stderr
    assert tables(pg, db) == []


def test_error_deep_in_a_long_file_maps_into_the_right_batch(pg, db, tmp_path):
    n = 2500  # several batches before the failing statement
    body = "CREATE TABLE t (id int);\n" + "".join(
        f"INSERT INTO t VALUES ({i}); -- row {i}\n" for i in range(n))
    body += "INSERT INTO t\n  VALUES (nope);\n"
    write(tmp_path, {F: body})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert f'{F}:{n + 3}:11: column "nope" does not exist (SQLSTATE 42703)' in r.stderr
    assert tables(pg, db) == []


def test_detail_is_reported_and_statement_start_used_without_position(pg, db, tmp_path):
    write(tmp_path, {F: (
        "CREATE TABLE u (id int PRIMARY KEY);\n"
        "INSERT INTO u VALUES (1);\n"
        "  INSERT INTO u\n"
        "  VALUES (1);\n")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert (f'{F}:3:3: duplicate key value violates unique constraint "u_pkey" (SQLSTATE 23505); '
            "detail: Key (id)=(1) already exists.") in r.stderr
    assert tables(pg, db) == []


def test_earlier_files_stay_applied_and_the_fixed_file_runs_next_time(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20240101/01_ok.sql": "CREATE TABLE ok (id int);\n",
                     "sql/init/20240101/02_bad.sql": "CREATE TABLE bad (id int);\nSELECT 1/0;\n",
                     "sql/init/20240101/03_later.sql": "CREATE TABLE later (id int);\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    # no server position for a run-time error: the statement's start
    assert "sql/init/20240101/02_bad.sql:2:1: division by zero (SQLSTATE 22012)" in r.stderr
    assert tables(pg, db) == ["ok"]
    assert list(bookkeeping(pg, db)) == ["20240101/01_ok.sql"]

    write(tmp_path, {"sql/init/20240101/02_bad.sql": "CREATE TABLE bad (id int);\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert tables(pg, db) == ["bad", "later", "ok"]
    assert "2 of 3 scripts ran" in r.stderr


def test_copy_data_error_names_the_data_line(pg, db, tmp_path):
    # ~3.5 MB of data: the bad row lies beyond the runner's first read
    rows = "".join(f"{i}\tvalue {i} {'x' * 20}\n" for i in range(1, 100001))
    rows = rows.replace("\n77777\t", "\nseven\t")
    write(tmp_path, {F: "CREATE TABLE c (id int, v text);\n"
                        "INSERT INTO c VALUES (0, 'before');\n"
                        "COPY c (id, v) FROM stdin;\n" + rows + "\\.\n"
                        "CREATE TABLE after_copy (id int);\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    # data row 77777 is file line 3 + 77777
    assert (f'{F}:{3 + 77777}:1: invalid input syntax for type integer: "seven" (SQLSTATE 22P02)'
            in r.stderr)
    assert tables(pg, db) == []
    assert bookkeeping(pg, db) == {}


def test_copy_into_a_missing_table_names_the_statement(pg, db, tmp_path):
    write(tmp_path, {F: "CREATE TABLE c (id int);\n\n  COPY missing (id) FROM stdin;\n1\n\\.\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert f'{F}:3:3: relation "missing" does not exist (SQLSTATE 42P01)' in r.stderr
    assert tables(pg, db) == []


AUTOCOMMIT = {
    "create index concurrently": (
        "CREATE TABLE a (id int);\n"
        "INSERT INTO a VALUES (1);\n"
        "CREATE INDEX CONCURRENTLY a_idx ON a (id);\n"
        "INSERT INTO a VALUES (2);\n"
        "INSERT INTO missing VALUES (3);\n"
        "CREATE TABLE c (id int);\n",
        5, {"a": [(1,), (2,)]}),
    "own transaction control": (
        "BEGIN;\n"
        "CREATE TABLE x (id int);\n"
        "COMMIT;\n"
        "BEGIN;\n"
        "CREATE TABLE y (id int);\n"
        "INSERT INTO missing VALUES (1);\n"
        "COMMIT;\n"
        "CREATE TABLE z (id int);\n",
        6, {"x": []}),
    "no-transaction directive": (
        "-- migrate:no-transaction\n"
        "CREATE TABLE p (id int);\n"
        "INSERT INTO p VALUES (1);\n"
        "INSERT INTO missing VALUES (2);\n"
        "CREATE TABLE q (id int);\n",
        4, {"p": [(1,)]}),
}


@pytest.mark.parametrize("kind", sorted(AUTOCOMMIT))
def test_autocommit_file_keeps_statements_before_the_failure_like_psql(pg, db, db2, tmp_path,
                                                                       kind):
    text, line, expected = AUTOCOMMIT[kind]
    write(tmp_path, {F: text})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert f'{F}:{line}:13: relation "missing" does not exist (SQLSTATE 42P01)' in r.stderr
    assert "rolled back" not in r.stderr
    assert snapshot(pg, db) == expected
    assert bookkeeping(pg, db) == {}

    ref = psql_file(pg, db2, tmp_path / F, single_transaction=False)
    assert ref.returncode == 3  # psql: ON_ERROR_STOP hit
    assert snapshot(pg, db2) == expected
    if kind == "create index concurrently":
        assert query(pg, db, "SELECT to_regclass('public.a_idx') IS NOT NULL") == [(True,)]


def test_autocommit_file_that_leaves_its_transaction_open_is_an_error(pg, db, tmp_path):
    write(tmp_path, {F: "BEGIN;\nCREATE TABLE x (id int);\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert "ended inside a transaction block" in r.stderr
    assert tables(pg, db) == []
    assert bookkeeping(pg, db) == {}


def test_lexical_error_is_found_before_anything_runs(pg, db, tmp_path):
    """Even an autocommit file runs nothing when it does not scan."""
    write(tmp_path, {F: "CREATE TABLE a (id int);\n"
                        "CREATE INDEX CONCURRENTLY a_idx ON a (id);\n"
                        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$\n"
                        "  SELECT 1;\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert f"{F}:3:" in r.stderr
    assert "unterminated" in r.stderr
    assert tables(pg, db) == []


def test_unrestrict_with_the_wrong_key_is_an_error(pg, db, tmp_path):
    write(tmp_path, {F: "\\restrict KEY1\nCREATE TABLE t (id int);\n\\unrestrict KEY2\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert f"{F}:3: \\unrestrict key does not match" in r.stderr
    assert tables(pg, db) == []


def test_other_meta_commands_are_refused_while_restricted(pg, db, tmp_path):
    write(tmp_path, {F: "\\restrict KEY1\nCREATE TABLE t (id int);\n\\set x 1\n"
                        "\\unrestrict KEY1\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert f"{F}:3: \\set is not allowed after \\restrict" in r.stderr
    assert tables(pg, db) == []


def test_directive_at_the_end_still_makes_the_file_autocommit(pg, db, tmp_path):
    """The file first runs in a transaction; the directive found at its end
    rolls that back and runs it again statement by statement, like psql -f."""
    write(tmp_path, {F: "CREATE TABLE kept (id int);\nSELECT 1/0;\n-- migrate:no-transaction\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert "statement by statement (-- migrate:no-transaction at" in r.stderr
    assert f"{F}:2:" in r.stderr
    assert tables(pg, db) == ["kept"]
    assert bookkeeping(pg, db) == {}


def test_copy_to_stdout_in_a_batch_counts_once_and_errors_after_it_name_their_line(pg, db,
                                                                                   tmp_path):
    # COPY … TO STDOUT yields two results (the rows, then the COPY's own);
    # counted twice, a later failure was blamed on the statement after it.
    write(tmp_path, {F: (
        "CREATE TABLE t (id int);\n"
        "INSERT INTO t VALUES (1), (2);\n"
        "COPY t TO STDOUT;\n"
        "SELECT 1 / (SELECT count(*) - 2 FROM t);\n"
        "SELECT 'after';\n")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert f"{F}:4:" in r.stderr and "division by zero (SQLSTATE 22012)" in r.stderr, r.stderr
    assert tables(pg, db) == []


def test_copy_to_stdout_counts_as_one_statement(pg, db, tmp_path):
    write(tmp_path, {F: (
        "CREATE TABLE t (id int);\n"
        "INSERT INTO t VALUES (1), (2);\n"
        "COPY t TO STDOUT;\n"
        "SELECT 1;\n")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "01_bad.sql: 4 statements" in r.stderr, r.stderr
