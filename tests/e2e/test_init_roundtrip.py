"""The headline test of the runner: a plain pg_dump restored through
`migrate init` gives the same database as the same dump restored through
`psql -X -v ON_ERROR_STOP=1 -1 -f` — compared by pg_dump'ing both results.

The source database is built from tests/fixtures/sql/roundtrip/schema.sql
(functions in sql, plpgsql and internal, BEGIN ATOMIC bodies with CASE,
procedures, rules, triggers, domains, enums, composite types, partitioned
tables, views, a materialized view, sequences, identity columns, comments,
policies, an extension, a second schema, a large object, COPY data with
tabs, backslashes, NULLs, empty strings, newlines and non-ASCII).
"""
import hashlib
import subprocess

import pytest

from conftest import BIN, clean_env
from initlib import (FIXTURES, bookkeeping, db, db2, migrate, new_dbname, pg_dump,  # noqa: F401
                     psql_file, query, strip_restrict, write)


@pytest.fixture(scope="module")
def source_dump(pg):
    """pg_dump (plain) of a database built from the schema fixture."""
    name = new_dbname()
    pg.sql(f'CREATE DATABASE "{name}"')
    try:
        r = psql_file(pg, name, FIXTURES / "roundtrip" / "schema.sql", single_transaction=False)
        assert r.returncode == 0, r.stderr.decode()
        yield pg_dump(pg, name)
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def variant(dump, kind):
    plain = strip_restrict(dump)
    if kind == "as dumped":
        return dump
    if kind == "no restrict lines":  # what pg_dump before 15.14 wrote
        return plain
    # \restrict / \unrestrict added by hand around everything after the header
    lines = plain.splitlines(keepends=True)
    key = b"Kh7nQ2xV9sLw3TzR8pYb1mCj4dFg6HaE0uXoZiNqWcVe5rStUyA2"
    lines.insert(3, b"\\restrict " + key + b"\n")
    lines.append(b"\\unrestrict " + key + b"\n")
    return b"".join(lines)


@pytest.mark.parametrize("kind", ["as dumped", "no restrict lines", "restrict by hand"])
def test_pg_dump_restored_by_migrate_init_equals_psql_restore(pg, source_dump, db, db2, tmp_path,
                                                               kind):
    script = variant(source_dump, kind)
    if kind == "as dumped" and b"\n\\restrict " not in script:
        pytest.skip("this pg_dump does not write \\restrict")
    write(tmp_path, {"sql/init/20250101/01_dump.sql": script})

    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "ran init script 20250101/01_dump.sql" in r.stderr

    ref = psql_file(pg, db2, tmp_path / "sql/init/20250101/01_dump.sql")
    assert ref.returncode == 0, ref.stderr.decode()

    via_migrate = strip_restrict(pg_dump(pg, db))
    via_psql = strip_restrict(pg_dump(pg, db2))
    assert via_migrate == via_psql
    # and both equal the source: nothing lost on either side
    assert via_migrate == strip_restrict(source_dump)

    rows = bookkeeping(pg, db)
    assert rows == {"20250101/01_dump.sql": (hashlib.sha256(script).hexdigest(), "applied")}


def test_restored_values_are_exact(pg, source_dump, db, tmp_path):
    """The dump comparison above would not see data both sides lost alike."""
    write(tmp_path, {"sql/init/20250101/01_dump.sql": source_dump})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    bodies = [b for (b,) in query(pg, db, "SELECT body FROM app.note ORDER BY id")]
    assert bodies == [
        "back\\slash and a tab\there",
        "line one\nline two\r\nline three",
        "\\.",
        "first\n\\.\nafter a lone backslash-dot line",
        "",
        None,
        "it's -- not a comment /* nor this */ ; $$ not a quote $$",
        "\\N is not null here",
        "through the rule",
    ]
    names = [n for (n,) in query(pg, db, "SELECT name FROM app.account ORDER BY id")]
    assert names == ["Alice", "Bob\twith a tab", "Chloé", "日本語の名前", "party 🎉 time", ""]
    assert query(pg, db, "SELECT last_value, is_called FROM app.ticket_seq") == [(5000, True)]
    assert query(pg, db, "SELECT app.quoting_games('x')") == [
        ("x" + "it's; a \"string\"" + " $$ nested $$ ; " + "\t;",)]
    assert query(pg, db, "SELECT app.classify(-1), app.classify(500)") == [
        ("negative; really", "big")]
    assert query(pg, db, "SELECT convert_from(lo_get(424242), 'UTF8')") == [
        ("large object; with 'quotes'",)]
    assert query(pg, db, "SELECT count(*) FROM app.event_other") == [(1,)]


def test_entrypoint_runs_the_dump_on_a_new_database(pg, source_dump, tmp_path):
    """The whole bootstrap: create the database, run init, exec."""
    name = new_dbname()
    write(tmp_path, {"sql/init/2025-01-01/01_dump.sql": source_dump})
    try:
        r = subprocess.run([BIN, "--", "true"], env=clean_env(DATABASE_URL=pg.url(name)),
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert strip_restrict(pg_dump(pg, name)) == strip_restrict(source_dump)
        assert list(bookkeeping(pg, name)) == ["2025-01-01/01_dump.sql"]
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
