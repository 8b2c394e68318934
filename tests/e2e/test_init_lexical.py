"""One fixture per lexical edge case (tests/fixtures/sql/edge/), run through
`migrate init` and checked in the database afterwards: every table's rows
must equal what the test expects AND what psql makes of the same file.

The error cases (an include escaping the tree, \\connect to another
database, an unsupported meta-command) must fail naming file:line and leave
nothing behind.
"""
import shutil

import pytest

from initlib import (FIXTURES, bookkeeping, db, db2, migrate, psql_file, query,  # noqa: F401
                     tables, write)

EDGE = FIXTURES / "edge"

EXPECTED = {
    "quote_doubling.sql": {"t": [
        (1, "it's; not the end"), (2, "'"), (3, "semi;;colon"), (4, "--not a comment"),
        (5, "/* nor this */"), (6, "")]},
    "e_strings.sql": {"t": [
        (1, "it's; still inside"), (2, "back\\"), (3, "tab\there\nnewline"),
        (4, "lower-case e: AAé"), (5, "both ' and ' ;")]},
    "unicode_strings.sql": {
        "t": [(1, "data; é"), (2, "dat🎉 ;"), (3, "it's")],
        "data;x": [(42,)]},
    "dollar_quotes.sql": {
        "t": [(1, " ;  $$ ; $fn ; 7"), (2, 'it\'s; "quoted" -- and /* */'), (3, ""),
              (4, " $b$ ; $b$ ")],
        "a$b$": [(5,)]},
    "quoted_identifiers.sql": {"semi;colon": [("x;y", 1, 2)], "Mixed Case": [(3,)]},
    "comments.sql": {"t": [(1, "a"), (2, "b"), (3, "c")]},
    "parentheses.sql": {"t": [(1, "via rule")], "log": [("inserted; via rule",)]},
    "begin_atomic.sql": {"t": [
        (-5, "minus"), (1, "plus"), (3, "big"), (95, "other"), (101, "one")]},
    "copy_stdin.sql": {"t": [
        (1, "semi; colon"), (2, "-- not a comment"), (3, "$$ not a quote"), (4, "it's"),
        (5, "\\."), (6, "ends in backslash-dot \\."), (7, None), (8, ""),
        (9, "tab\there\\back"), (10, "after the data"),
        (11, 'csv, with "quotes"\nand a newline'), (12, None), (14, "\\.not the end"),
        (15, "after csv")]},
    "bom.sql": {"t": [(1, "after a BOM")]},
    "crlf.sql": {"t": [(1, "a"), (2, "b"), (3, "c"), (4, "d")]},
    "no_final_semicolon.sql": {"t": [(1, "no semicolon follows")]},
    "set_variables.sql": {"t": [(1, "after \\set"), (2, "again")]},
    "restrict.sql": {"t": [(1, "restricted; but SQL runs"), (2, "after")]},
    # psql's \connect opens a new session, so its reference run is without -1
    "connect_same.sql": {"t": [
        (1, "after \\connect"), (2, "after pg_dump -C style \\connect"),
        (3, "after \\c with the same user")]},
}


def snapshot(pg, dbname):
    """{table: rows ordered by the first column} for every table in public."""
    out = {}
    for name in tables(pg, dbname):
        ident = '"' + name.replace('"', '""') + '"'
        out[name] = query(pg, dbname, f"SELECT * FROM public.{ident} ORDER BY 1")
    return out


def script(name, dbname):
    data = (EDGE / name).read_bytes()
    return data.replace(b"@DBNAME@", dbname.encode())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_edge_case_fixture(pg, db, db2, tmp_path, name):
    path = f"sql/init/20240101/01_{name}"
    write(tmp_path, {path: script(name, db)})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert snapshot(pg, db) == EXPECTED[name]
    assert bookkeeping(pg, db)[f"20240101/01_{name}"][1] == "applied"

    (tmp_path / "ref.sql").write_bytes(script(name, db2))
    ref = psql_file(pg, db2, tmp_path / "ref.sql", single_transaction=name != "connect_same.sql")
    assert ref.returncode == 0, ref.stderr.decode()
    assert snapshot(pg, db2) == EXPECTED[name], "the fixture's expectation disagrees with psql"


def test_edge_fixtures_all_covered():
    """A new fixture file without an expectation would silently go untested."""
    files = {p.name for p in EDGE.glob("*.sql")}
    assert files == set(EXPECTED) | {"connect_other.sql", "unsupported_meta.sql"}


def test_includes_within_the_tree(pg, db, db2, tmp_path):
    shutil.copytree(EDGE / "include", tmp_path / "sql" / "init")
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    expected = {"t": [(1, "from a"), (2, "from b"), (3, "from c"), (4, "from d, included by c"),
                      (9, "back in main")]}
    assert snapshot(pg, db) == expected
    # included files are not init scripts of their own
    assert list(bookkeeping(pg, db)) == ["20240101/01_main.sql"]

    ref = psql_file(pg, db2, "sql/init/20240101/01_main.sql", cwd=tmp_path)
    assert ref.returncode == 0, ref.stderr.decode()
    assert snapshot(pg, db2) == expected


def test_include_escaping_the_tree_is_an_error(pg, db, tmp_path):
    shutil.copytree(EDGE / "include_escape", tmp_path / "sql" / "init")
    write(tmp_path, {"outside.sql": "CREATE TABLE outside_ran (id int);\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert "sql/init/20240101/01_escape.sql:3:" in r.stderr
    assert "outside the scripts directory" in r.stderr
    assert tables(pg, db) == []
    assert bookkeeping(pg, db) == {}


def test_include_through_a_symlink_out_of_the_tree_is_an_error(pg, db, tmp_path):
    write(tmp_path, {"elsewhere/x.sql": "CREATE TABLE outside_ran (id int);\n",
                     "sql/init/20240101/01_a.sql": "CREATE TABLE t (id int);\n\\ir link.sql\n"})
    (tmp_path / "sql/init/20240101/link.sql").symlink_to(tmp_path / "elsewhere/x.sql")
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert "sql/init/20240101/01_a.sql:2:" in r.stderr
    assert tables(pg, db) == []


def test_connect_to_another_server_is_an_error(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20240101/01_c.sql":
                     "CREATE TABLE t (id int);\n\\connect postgres postgres 192.0.2.1 5999\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert "sql/init/20240101/01_c.sql:2: \\connect to another server" in r.stderr
    assert tables(pg, db) == []
    assert bookkeeping(pg, db) == {}


@pytest.mark.parametrize("meta,message", [
    ("\\frobnicate now", "unsupported meta-command \\frobnicate"),
    ("\\! touch ran", "\\! is not allowed in a script run here: it would run a shell"),
    ("\\o |touch ran", "\\o is not allowed in a script run here"),
    ("\\echo `touch ran`", "backquote substitution is not supported"),
    ("\\copy t to 'ran'", "\\copy … TO writes a client file"),
    ("\\copy t from program 'touch ran'", "FROM PROGRAM would run a shell"),
    ("\\lo_export 1 'ran'", "\\lo_export is not allowed in a script run here"),
])
def test_refused_meta_command_is_an_error_naming_file_and_line(pg, db, tmp_path, meta, message):
    text = f"CREATE TABLE t (id int);\n{meta}\nCREATE TABLE u (id int);\n"
    write(tmp_path, {"sql/init/20240101/01_m.sql": text})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 6, r.stderr
    assert "sql/init/20240101/01_m.sql:2: " in r.stderr
    assert message in r.stderr
    assert tables(pg, db) == []
    assert not (tmp_path / "ran").exists()
