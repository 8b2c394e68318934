"""psql 15 as the oracle for the script runner (issue 9).

Every test here writes an init script, runs it through `psql -X -v ON_ERROR_STOP=1 [-1] -f`
on one fresh database and through `migrate init` on another, and compares the two databases
(pg_dump, plus queries where a dump would not show the difference) and the exit statuses
(initlib.assert_same_as_psql). A plain file is compared with `psql -1`, a file that needs
autocommit (its own BEGIN/COMMIT, CREATE INDEX CONCURRENTLY, \\connect, the
`-- migrate:no-transaction` directive) with `psql` without -1 (docs/reference.md §8.3).

Each test also checks that psql itself does what the test says (the value psql stores), so a
test cannot pass by both sides agreeing on something else.

The second half checks that errors are reported in the right place (FILE:LINE), and the last
test runs every fixture script under tests/fixtures/sql through both.
"""
import os
import re

import pytest

from initlib import (EXIT_SQL, FIXTURES, ORACLE_DIR, assert_same_as_psql, bookkeeping,  # noqa: F401
                     db, migrate, new_dbname, pg_dump, psql_file, query, strip_restrict, tables,
                     write)
from revtools import Mig, create_db, table_exists, version_rows, write_rev

F = f"{ORACLE_DIR}/01_x.sql"

# More statements than the runner sends in one batch (1,000), none with an effect: what comes
# after them is not seen before the statements ahead of them have been sent.
FILLER = "DO $$ BEGIN END $$;\n" * 1001


def names_line(stderr, path, line):
    """stderr names path:line (followed by ":column" or not, but not by another digit)."""
    return re.search(re.escape(f"{path}:{line}") + r"(?!\d)", stderr) is not None


# ---- 1. SET changes how the rest of the file is read ---------------------------------------

def test_standard_conforming_strings_off_applies_to_the_rest_of_the_file(pg):
    assert_same_as_psql(pg, {"01_x.sql": (
        "CREATE TABLE t (v text);\n"
        "SET standard_conforming_strings = off;\n"
        "INSERT INTO t VALUES ('a\\\\b');\n")}, True, expect={"SELECT v FROM t": [("a\\b",)]})


@pytest.mark.parametrize("data,stored", [
    (b"caf\xc3\xa9", "caf\u00c3\u00a9"),  # UTF-8 bytes, each one read as a LATIN1 character
    (b"caf\xe9", "caf\u00e9"),            # a file written in LATIN1
], ids=["utf8-bytes", "latin1-file"])
def test_client_encoding_applies_to_the_rest_of_the_file(pg, data, stored):
    assert_same_as_psql(pg, {"01_x.sql": (
        b"CREATE TABLE t (v text);\n"
        b"SET client_encoding = 'LATIN1';\n"
        b"INSERT INTO t VALUES ('" + data + b"');\n")}, True,
        expect={"SELECT v FROM t": [(stored,)]})


LATIN1_VALUES = ["caf\u00e9", "\u00c6r\u00f8sk\u00f8bing", "na\u00efve; it's", "back\\slash",
                 "\u00bfqu\u00e9?", "plain ascii"]


def test_pg_dump_in_latin1_with_inserts_restores_equal(pg):
    src = new_dbname()
    pg.sql(f'CREATE DATABASE "{src}"')
    try:
        query(pg, src, "CREATE TABLE t (id int PRIMARY KEY, v text); "
                       "COMMENT ON TABLE t IS 'd\u00e9j\u00e0 vu';")
        for i, v in enumerate(LATIN1_VALUES):
            query(pg, src, "INSERT INTO t VALUES (%s, %s)", (i, v))
        dump = pg_dump(pg, src, "-E", "LATIN1", "--inserts")
        source = pg_dump(pg, src)
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{src}" WITH (FORCE)')
    assert b"SET client_encoding = 'LATIN1';" in dump and b"caf\xe9" in dump
    q = "SELECT id, v, obj_description('t'::regclass) FROM t ORDER BY id"
    r = assert_same_as_psql(pg, {"01_dump.sql": dump}, True, expect={
        q: [(i, v, "d\u00e9j\u00e0 vu") for i, v in enumerate(LATIN1_VALUES)]})
    assert r.psql_dump == strip_restrict(source)


# ---- 2. the splitter follows standard_conforming_strings and the client encoding ------------

SCS_OFF = {
    "SET": ("CREATE TABLE t (id int, v text);\n"
            "SET standard_conforming_strings = off;\n"
            "INSERT INTO t VALUES (1, 'it\\'s; a string');\n"
            "INSERT INTO t VALUES (2, 'two\\\\; back\\\\slashes');\n", True,
            [(1, "it's; a string"), (2, "two\\; back\\slashes")]),
    "set_config": ("CREATE TABLE t (id int, v text);\n"
                   "SELECT set_config('standard_conforming_strings', 'off', false);\n"
                   "INSERT INTO t VALUES (1, 'it\\'s; a string');\n", True,
                   [(1, "it's; a string")]),
    # SET LOCAL lasts until COMMIT; psql rereads the setting for every line
    "SET LOCAL": ("CREATE TABLE t (id int, v text);\n"
                  "BEGIN;\n"
                  "SET LOCAL standard_conforming_strings = off;\n"
                  "INSERT INTO t VALUES (1, 'it\\'s; in the transaction');\n"
                  "COMMIT;\n"
                  "INSERT INTO t VALUES (2, 'back\\on; after COMMIT');\n", False,
                  [(1, "it's; in the transaction"), (2, "back\\on; after COMMIT")]),
    # and back on: a backslash before the quote is then an ordinary character again
    "SET then RESET": ("CREATE TABLE t (id int, v text);\n"
                       "SET standard_conforming_strings = off;\n"
                       "INSERT INTO t VALUES (1, 'it\\'s; off');\n"
                       "RESET standard_conforming_strings;\n"
                       "INSERT INTO t VALUES (2, 'ends in a backslash\\');\n"
                       "INSERT INTO t VALUES (3, 'three');\n", True,
                       [(1, "it's; off"), (2, "ends in a backslash\\"), (3, "three")]),
}


@pytest.mark.parametrize("kind", list(SCS_OFF))
def test_splitter_follows_standard_conforming_strings(pg, kind):
    text, single, expected = SCS_OFF[kind]
    assert_same_as_psql(pg, {"01_x.sql": text}, single,
                        expect={"SELECT id, v FROM t ORDER BY id": expected})


def _backslash_chars(codec, n=2):
    """Up to n characters whose encoding in codec is two bytes, the second a backslash."""
    found = []
    for cp in list(range(0x4E00, 0xA000)) + list(range(0x3000, 0x3100)) + list(range(0x80, 0x3000)):
        try:
            b = chr(cp).encode(codec)
        except UnicodeEncodeError:
            continue
        if len(b) == 2 and b[1] in (0x5C, 0x27):
            found.append(chr(cp))
            if len(found) == n:
                break
    return "".join(found)


# PostgreSQL name -> (Python codec, text whose characters end in a 0x5C byte). Not tested:
# UHC has no character with a trailing 0x5C (its trailing bytes are letters or >= 0x81);
# PostgreSQL's JOHAB accepts only trailing bytes 0xA1-0xFE (pg_johab_verifychar), so psql and
# the server refuse what Python's johab codec writes with a 0x5C; no encoding has a trailing
# 0x27.
MULTIBYTE = {
    "SJIS": ("shift_jis", "\u8868\u30bd"),   # 表 0x95 0x5C, ソ 0x83 0x5C
    "BIG5": ("big5", "\u8a31" + _backslash_chars("big5", 1)),  # 許 0xB3 0x5C
    "GBK": ("gbk", _backslash_chars("gbk")),
    "GB18030": ("gb18030", _backslash_chars("gb18030")),
}


@pytest.mark.parametrize("enc", list(MULTIBYTE))
def test_multibyte_client_encoding_with_backslash_trailing_bytes(pg, enc):
    codec, text = MULTIBYTE[enc]
    raw = text.encode(codec)
    assert len(text) == 2 and all(len(ch.encode(codec)) == 2 and ch.encode(codec)[1] == 0x5C
                                  for ch in text)
    script = (b"CREATE TABLE t (id int, v text);\n"
              b"SET client_encoding = '" + enc.encode() + b"';\n"
              b"INSERT INTO t VALUES (1, '" + raw + b"');\n"
              # in an E'' string the trailing 0x5C is not an escape either
              b"INSERT INTO t VALUES (2, E'" + raw + b"');\n"
              b"INSERT INTO t VALUES (3, E'" + raw + b"; " + raw + b"');\n"
              b"SET standard_conforming_strings = off;\n"
              b"INSERT INTO t VALUES (4, '" + raw + b"');\n")
    assert_same_as_psql(pg, {"01_x.sql": script}, True, expect={
        "SELECT id, v FROM t ORDER BY id": [(1, text), (2, text), (3, f"{text}; {text}"),
                                            (4, text)]})


# ---- 3. a file that needs autocommit does not run twice ---------------------------------------

def test_sequence_created_in_the_file_gives_ids_from_one(pg):
    """The issue's example as given. A first attempt that is rolled back drops the new sequence
    too, so the ids start from 1 either way; the next test has the sequence made before."""
    assert_same_as_psql(pg, {"01_x.sql": (
        "CREATE SEQUENCE s;\n"
        "CREATE TABLE t (id int DEFAULT nextval('s'), v text);\n"
        "INSERT INTO t (v) VALUES ('a');\n"
        "INSERT INTO t (v) VALUES ('b');\n"
        "INSERT INTO t (v) VALUES ('c');\n" + FILLER +
        "CREATE INDEX CONCURRENTLY t_v ON t (v);\n")}, False,
        expect={"SELECT id, v FROM t ORDER BY id": [(1, "a"), (2, "b"), (3, "c")]})


@pytest.mark.parametrize("later,expected", [
    ("CREATE INDEX CONCURRENTLY t_v ON t (v);\n", [(1, "a"), (2, "b"), (3, "c")]),
    ("BEGIN;\nINSERT INTO t (v) VALUES ('d');\nCOMMIT;\n",
     [(1, "a"), (2, "b"), (3, "c"), (4, "d")]),
], ids=["create-index-concurrently", "begin-commit"])
def test_statements_before_the_autocommit_reason_run_once(pg, later, expected):
    """The sequence exists before the file: nextval is not undone by a rollback, so a first
    attempt in a transaction, rolled back and run again, would show in the ids."""
    assert_same_as_psql(pg, {
        "01_seq.sql": "CREATE SEQUENCE s;\nCREATE TABLE t (id int DEFAULT nextval('s'), v text);\n",
        "02_x.sql": ("INSERT INTO t (v) VALUES ('a');\n"
                     "INSERT INTO t (v) VALUES ('b');\n"
                     "INSERT INTO t (v) VALUES ('c');\n" + FILLER + later),
    }, {"01_seq.sql": True, "02_x.sql": False},
        expect={"SELECT id, v FROM t ORDER BY id": expected,
                "SELECT last_value FROM s": [(len(expected),)]})


def test_error_before_the_autocommit_reason_keeps_what_ran_before_it(pg):
    """A file that needs autocommit runs like `psql -f` from its first line: a failing statement
    before the CREATE INDEX CONCURRENTLY leaves the statements before it applied (found with
    PostgreSQL's regression tests enum.sql, insert.sql, inherit.sql)."""
    assert_same_as_psql(pg, {"01_x.sql": (
        "CREATE TABLE kept (id int);\n"
        "INSERT INTO kept VALUES (1);\n"
        "INSERT INTO kept VALUES ('not a number');\n" + FILLER +
        "CREATE INDEX CONCURRENTLY kept_id ON kept (id);\n")}, False, expect_fail=True,
        expect={"SELECT * FROM kept": [(1,)]})


def test_prepared_statement_before_the_autocommit_reason(pg):
    """A prepared statement survives a rollback: running the file again from the start fails
    with "prepared statement p1 already exists"."""
    assert_same_as_psql(pg, {"01_x.sql": (
        "PREPARE p1 AS SELECT 1;\n"
        "CREATE TABLE t (n int);\n" + FILLER +
        "CREATE INDEX CONCURRENTLY t_n ON t (n);\n"
        "INSERT INTO t SELECT count(*) FROM pg_prepared_statements WHERE name = 'p1';\n")},
        False, expect={"SELECT * FROM t": [(1,)]})


def test_advisory_lock_before_the_autocommit_reason(pg):
    """A session advisory lock survives a rollback: taken twice, one unlock leaves it held."""
    assert_same_as_psql(pg, {"01_x.sql": (
        "SELECT pg_advisory_lock(42);\n"
        "CREATE TABLE t (n int);\n" + FILLER +
        "CREATE INDEX CONCURRENTLY t_n ON t (n);\n"
        "SELECT pg_advisory_unlock(42);\n"
        "CREATE TABLE held AS SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' "
        "AND classid = 0 AND objid = 42 AND objsubid = 1 AND pid = pg_backend_pid();\n")},
        False, expect={"SELECT * FROM held": [(0,)]})


# NOTIFY is not tested: a notification sent in a transaction that is rolled back is never
# delivered, so a file run twice notifies once, as psql does; nothing to observe.


# ---- 4. \connect opens a new session --------------------------------------------------------

@pytest.mark.parametrize("connect", ["\\connect @DBNAME@", "\\c -"])
def test_connect_resets_search_path(pg, connect):
    assert_same_as_psql(pg, {"01_x.sql": (
        "CREATE SCHEMA other;\n"
        "SET search_path = other;\n"
        f"{connect}\n"
        "CREATE TABLE x ();\n")}, False, expect={
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'x'": [("public",)]})


def test_connect_drops_temp_tables_prepared_statements_and_settings(pg):
    assert_same_as_psql(pg, {"01_x.sql": (
        "CREATE TEMP TABLE tmp (id int);\n"
        "PREPARE p AS SELECT 1;\n"
        "SET application_name = 'before';\n"
        "\\connect @DBNAME@\n"
        "CREATE TABLE after_connect AS SELECT to_regclass('pg_temp.tmp') IS NULL AS temp_gone, "
        "(SELECT count(*) FROM pg_prepared_statements) AS prepared, "
        "current_setting('application_name') <> 'before' AS setting_gone;\n")},
        False, expect={"SELECT * FROM after_connect": [(True, 0, True)]})


# ---- 5. psql variables that change what psql does -------------------------------------------

# t lives in a schema made before (setup): the script may roll its work back, and a table in
# public before the first init script would make the tool refuse the database (reference §8.6)
SETUP_T = "CREATE SCHEMA s; CREATE TABLE s.t (id int);"
T_ROWS = "SELECT array_agg(id ORDER BY id) FROM s.t"

# kind -> (script, psql -1?, the ids psql leaves in s.t, None for none)
PSQL_VARIABLES = {
    # at the end of the file the open transaction is rolled back: row 2 is lost
    "AUTOCOMMIT off": ("SET search_path = s;\n"
                       "\\set AUTOCOMMIT off\n"
                       "INSERT INTO t VALUES (1);\n"
                       "COMMIT;\n"
                       "INSERT INTO t VALUES (2);\n", False, [1]),
    # psql reports the error and goes on
    "ON_ERROR_STOP off, autocommit": ("-- migrate:no-transaction\n"
                                      "SET search_path = s;\n"
                                      "\\set ON_ERROR_STOP off\n"
                                      "INSERT INTO t VALUES ('not a number');\n"
                                      "INSERT INTO t VALUES (2);\n", False, [2]),
    # ... and at the end commits an aborted transaction, which rolls it back; exit 0
    "ON_ERROR_STOP off, one transaction": ("SET search_path = s;\n"
                                           "INSERT INTO t VALUES (1);\n"
                                           "\\set ON_ERROR_STOP off\n"
                                           "INSERT INTO t VALUES ('not a number');\n"
                                           "INSERT INTO t VALUES (2);\n", True, None),
    # a savepoint around each statement: only the failing one is undone
    "ON_ERROR_ROLLBACK on": ("SET search_path = s;\n"
                             "\\set ON_ERROR_STOP off\n"
                             "\\set ON_ERROR_ROLLBACK on\n"
                             "INSERT INTO t VALUES (1);\n"
                             "INSERT INTO t VALUES ('not a number');\n"
                             "INSERT INTO t VALUES (3);\n", True, [1, 3]),
}


@pytest.mark.parametrize("kind", list(PSQL_VARIABLES))
def test_psql_variables_give_psql_result_or_an_error(pg, kind):
    """The tool may give psql's database, or refuse (EXIT_SQL naming file:line); never another
    database with exit 0."""
    text, single, expected = PSQL_VARIABLES[kind]
    assert_same_as_psql(pg, {"01_x.sql": text}, single, expect={T_ROWS: [(expected,)]},
                        or_refuse=True, setup=SETUP_T)


# ---- errors in the right place ---------------------------------------------------------------

def stops_where_psql_stops(pg, db, tmp_path, text, line, message):
    """text fails under psql at line with message, and the tool names the same line and
    message; returns (psql's run, the tool's run)."""
    write(tmp_path, {F: text, "ref.sql": text})
    ref = psql_file(pg, db, tmp_path / "ref.sql")
    assert ref.returncode == 3 and f"ref.sql:{line}: ERROR:  {message}".encode() in ref.stderr
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert names_line(r.stderr, F, line) and message in r.stderr, r.stderr
    return ref, r


@pytest.mark.parametrize("later,message", [
    ("SELECT syntax error here;", "syntax error"),
    # an error the grammar raises that is not a syntax error (PostgreSQL's alter_table.sql)
    ("ALTER INDEX nosuch ALTER COLUMN 0 SET STATISTICS 1000;", "column number must be in range"),
], ids=["syntax-error", "grammar-error"])
def test_runtime_error_before_a_parse_error_in_the_same_batch(pg, db, tmp_path, later, message):
    """psql stops at the division by zero on line 1; the server parses a whole batch before
    running it, so the later statement's parse error must not be what the tool reports."""
    ref, r = stops_where_psql_stops(pg, db, tmp_path, f"SELECT 1/0;\n{later}\n", 1,
                                    "division by zero")
    assert message.encode() not in ref.stderr
    assert message not in r.stderr


SYNTAX_ERRORS = {
    # text, the line and column of the token PostgreSQL points at, psql's line for the error
    # (the statement's last line) and PostgreSQL's line within the statement
    "after-a-comment": ("SELECT 1;\n-- a comment\n\nSELECT 2 3;\n", 4, 10, 4, 1),
    # from PostgreSQL's regression test strings.sql: a comment is not allowed in a string
    # continuation
    "string-continuation": ("SELECT 'first line'\n' - next line'\n\t' - third line'\n"
                            "\tAS \"Three lines to one\";\n\n"
                            "SELECT 'first line'\n' - next line' /* not allowed here */\n"
                            "' - third line'\n\tAS \"Illegal comment within continuation\";\n",
                            8, 1, 9, 3),
}


@pytest.mark.parametrize("kind", list(SYNTAX_ERRORS))
def test_syntax_error_after_other_statements_names_its_line_and_column(pg, db, tmp_path, kind):
    """The server parses a whole batch before running any of it; a syntax error in a later
    statement must still be mapped to its own line and column (today: the batch's start)."""
    text, line, col, psql_line, stmt_line = SYNTAX_ERRORS[kind]
    write(tmp_path, {F: text, "ref.sql": text})
    ref = psql_file(pg, db, tmp_path / "ref.sql")
    assert ref.returncode == 3
    assert f"ref.sql:{psql_line}: ERROR:  syntax error".encode() in ref.stderr, ref.stderr
    assert f"LINE {stmt_line}: ".encode() in ref.stderr, ref.stderr
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert f"{F}:{line}:{col}: syntax error" in r.stderr, r.stderr


@pytest.mark.parametrize("then_syntax_error", [False, True], ids=["alone", "syntax-error-later"])
def test_runtime_error_deep_in_a_long_file_names_its_line(pg, db, tmp_path, then_syntax_error):
    n = 1500
    lines = ["CREATE TABLE t (id int);"] + [f"INSERT INTO t VALUES ({i});" for i in range(n)]
    lines[1200] = "INSERT INTO t VALUES (1/0);"
    if then_syntax_error:
        lines[1205] = "INSERT INTO t VALUES syntax error;"
    stops_where_psql_stops(pg, db, tmp_path, "\n".join(lines) + "\n", 1201, "division by zero")
    assert tables(pg, db) == []


NUL_SCRIPT = b"SELECT 1;\nSELECT 2;\x00\nCREATE TABLE lost ();\n"


def test_nul_byte_in_an_init_script_is_an_error(pg, db, tmp_path):
    write(tmp_path, {F: NUL_SCRIPT})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert names_line(r.stderr, F, 2), r.stderr
    assert tables(pg, db) == []
    assert bookkeeping(pg, db) == {}


def test_nul_byte_in_a_revision_is_an_error(pg, dbname, tmp_path):
    db_ = create_db(pg, dbname)
    try:
        mdir = tmp_path / "migrations"
        write_rev(mdir, "aaaa00000001", upgrade="CREATE TABLE first (id int);",
                  downgrade=None, message="first")
        path2 = write_rev(mdir, "bbbb00000002", down="aaaa00000001",
                          upgrade=NUL_SCRIPT.decode(), downgrade=None, message="second")
        data = open(path2, "rb").read()
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        mig = Mig(pg, db_, mdir, tmp_path)
        r = mig("upgrade", "head")
        # exit 6 (found when the section runs) or 9 (found by the check before anything runs)
        assert r.returncode in (6, 9), r.stderr
        assert names_line(r.stderr, os.path.relpath(path2, tmp_path), line), r.stderr
        assert not table_exists(pg, db_, "lost")
        # the first revision may have run, depending on whether the NUL is found before
        assert version_rows(pg, db_) in (None, [], ["aaaa00000001"])
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{db_}" WITH (FORCE)')


def _entry(kind, p):
    if kind == "dangling-symlink":
        p.symlink_to(p.parent / "missing-target.sql")
    elif kind == "symlink-loop":
        p.symlink_to(p)
    elif kind == "fifo":
        os.mkfifo(p)
    elif kind == "chmod-000":
        p.write_text("CREATE TABLE unreadable (id int);\n")
        p.chmod(0)


@pytest.mark.parametrize("kind", ["dangling-symlink", "symlink-loop", "fifo", "chmod-000"])
def test_unreadable_entry_in_a_dated_directory_is_an_error(pg, db, tmp_path, kind):
    if kind == "chmod-000" and os.geteuid() == 0:
        pytest.skip("root reads a chmod 000 file (the dangling link and FIFO variants stand in)")
    write(tmp_path, {f"{ORACLE_DIR}/01_ok.sql": "CREATE TABLE ok (id int);\n",
                     f"{ORACLE_DIR}/03_after.sql": "CREATE TABLE after (id int);\n"})
    _entry(kind, tmp_path / ORACLE_DIR / "02_bad.sql")
    r = migrate(pg, db, tmp_path, timeout=20)
    assert r.returncode != 0, r.stderr
    assert "02_bad.sql" in r.stderr, r.stderr
    assert "error" in r.stderr
    assert "after" not in tables(pg, db)


def test_lost_connection_names_the_script_and_line(pg, db, tmp_path):
    write(tmp_path, {F: "CREATE TABLE t (id int);\n"
                        "INSERT INTO t VALUES (1);\n"
                        "SELECT pg_terminate_backend(pg_backend_pid());\n"
                        "INSERT INTO t VALUES (2);\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode != 0, r.stderr
    assert names_line(r.stderr, F, 3), r.stderr
    assert tables(pg, db) == []
    assert bookkeeping(pg, db) == {}


# ---- every fixture script through both ---------------------------------------------------------

# fixture -> psql -1? (False for a script that needs autocommit)
FIXTURE_MODES = {
    "crlf_bom.sql": True,
    "functions.sql": True,
    "pg_dump_sample.sql": True,
    "roundtrip/schema.sql": True,
    "edge/begin_atomic.sql": True,
    "edge/bom.sql": True,
    "edge/comments.sql": True,
    "edge/copy_stdin.sql": True,
    "edge/crlf.sql": True,
    "edge/dollar_quotes.sql": True,
    "edge/e_strings.sql": True,
    "edge/no_final_semicolon.sql": True,
    "edge/parentheses.sql": True,
    "edge/quote_doubling.sql": True,
    "edge/quoted_identifiers.sql": True,
    "edge/restrict.sql": True,
    "edge/set_variables.sql": True,
    "edge/unicode_strings.sql": True,
    "edge/connect_same.sql": False,          # \connect: a new session, so psql without -1
    "edge/include/20240101/01_main.sql": True,
}
FIXTURE_SKIPS = {
    "edge/connect_other.sql": "\\connect to the cluster's own postgres database: it would change "
                              "the database every test shares (tests/e2e/test_psql_lang.py "
                              "connects to databases of its own)",
    "edge/unsupported_meta.sql": "\\copy of a file that does not exist: fails on both sides",
    "edge/include_escape/20240101/01_escape.sql": "includes a file outside the init tree",
}
FIXTURE_FRAGMENTS = "edge/include/20240101/parts/"  # included by 01_main.sql, not run alone
# Splitter fixtures (tests/unit/test_sqlscan.c) that are not working scripts: the server stops
# them, on both sides, at this line with this message. They are compared all the same.
FIXTURE_FAILS = {
    "functions.sql": (32, "syntax error"),  # the plpgsql body of its DO does not parse
    "pg_dump_sample.sql": (104, 'relation "app.empty" does not exist'),  # a hand-cut dump
}


def _fixture_files(rel):
    """{name under the dated directory: bytes} for a fixture, with what it includes."""
    path = FIXTURES / rel
    data = path.read_bytes()
    if rel == "pg_dump_sample.sql":
        # the sample ends in pg_dumpall's "\connect other" to the next database: not part of
        # this database's restore (psql would fail connecting to a database that is not there)
        data = data.replace(b"\n\\connect other\n", b"\n")
    files = {"01_fixture.sql": data}
    if rel.startswith("edge/include/"):
        for p in (path.parent / "parts").rglob("*.sql"):
            files[str(p.relative_to(path.parent))] = p.read_bytes()
    return files


def test_fixture_list_is_complete():
    found = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.sql")}
    found = {f for f in found if not f.startswith(FIXTURE_FRAGMENTS)}
    assert found == set(FIXTURE_MODES) | set(FIXTURE_SKIPS)


@pytest.mark.parametrize("rel", sorted(FIXTURE_MODES))
def test_fixture_scripts_match_psql(pg, rel):
    fails = FIXTURE_FAILS.get(rel)
    r = assert_same_as_psql(pg, _fixture_files(rel), FIXTURE_MODES[rel], expect_fail=bool(fails))
    if fails:
        line, message = fails
        assert f"01_fixture.sql:{line}: ERROR:  {message}" in r.psql_stderr()
        assert f"{ORACLE_DIR}/01_fixture.sql:{line}:" in r.tool.stderr, r.tool.stderr
        assert message in r.tool.stderr


# ---- autocommit mode: each statement its own transaction, many per round trip ----
# Outside an explicit block the runner sends each statement as BEGIN; statement; COMMIT in
# the pipeline. Statements that behave differently inside a block go alone; these compare
# each such case with psql -f.

AUTO = "-- migrate:no-transaction\n"


def test_autocommit_lock_outside_a_block_fails_as_under_psql(pg):
    """LOCK TABLE outside a block is an error under psql -f; a BEGIN around it would hide it."""
    assert_same_as_psql(pg, {"01_x.sql": AUTO + (
        "CREATE TABLE t (id int);\n"
        "INSERT INTO t VALUES (1);\n"
        "LOCK TABLE t;\n"
        "INSERT INTO t VALUES (2);\n")}, False, expect_fail=True,
        expect={"SELECT * FROM t": [(1,)]})


def test_autocommit_procedure_that_commits_runs_as_under_psql(pg):
    """A procedure's COMMIT is refused inside an explicit block, allowed as its own statement."""
    assert_same_as_psql(pg, {"01_x.sql": AUTO + (
        "CREATE TABLE t (id int);\n"
        "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$\n"
        "BEGIN INSERT INTO t VALUES (1); COMMIT; INSERT INTO t VALUES (2); END $$;\n"
        "CALL p();\n"
        "DO $$ BEGIN INSERT INTO t VALUES (3); COMMIT; END $$;\n")}, False,
        expect={"SELECT * FROM t ORDER BY 1": [(1,), (2,), (3,)]})


def test_autocommit_new_enum_value_usable_by_the_next_statement(pg):
    """ALTER TYPE … ADD VALUE commits before the next statement uses the value, as under psql."""
    assert_same_as_psql(pg, {"01_x.sql": AUTO + (
        "CREATE TYPE mood AS ENUM ('sad');\n"
        "CREATE TABLE t (m mood);\n"
        "ALTER TYPE mood ADD VALUE 'happy';\n"
        "INSERT INTO t VALUES ('happy');\n")}, False,
        expect={"SELECT m::text FROM t": [("happy",)]})


def test_autocommit_deferred_constraint_fails_at_its_statement(pg):
    """A deferred foreign key fails when the statement's own transaction commits: the
    statements before it stay, the ones after it never run."""
    r = assert_same_as_psql(pg, {"01_x.sql": AUTO + (
        "CREATE TABLE p (id int PRIMARY KEY);\n"
        "CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED);\n"
        "INSERT INTO p VALUES (1);\n"
        "INSERT INTO c VALUES (2);\n"
        "INSERT INTO p VALUES (3);\n")}, False, expect_fail=True,
        expect={"SELECT id FROM p ORDER BY 1": [(1,)], "SELECT count(*) FROM c": [(0,)]})
    stderr = r.tool.stderr.decode() if isinstance(r.tool.stderr, bytes) else r.tool.stderr
    assert "01_x.sql:5:" in stderr, stderr


def test_autocommit_failure_mid_segment_keeps_the_statements_before_it(pg):
    """Many statements share a round trip; the one that fails stops the rest, and every one
    before it stays committed, as with psql -f."""
    body = "".join(f"INSERT INTO t VALUES ({i});\n" for i in range(40))
    assert_same_as_psql(pg, {"01_x.sql": AUTO + "CREATE TABLE t (id int PRIMARY KEY);\n" + body +
                             "INSERT INTO t VALUES (7);\n" + body.replace("(", "(100+")},
                        False, expect_fail=True, expect={"SELECT count(*) FROM t": [(40,)]})


# ---- large transactional scripts: simple-query batches after the first segment -------------
# After its first pipeline segment fills up (1,000 statements), a transactional script goes
# out in multi-statement batches, which the server parses whole before running; these check
# that nothing of psql's behaviour is lost there.

MANY = "CREATE TABLE t (i int);\n" + "INSERT INTO t VALUES (1);\n" * 1500  # lines 1..1501


@pytest.mark.parametrize("later,message", [
    ("SELECT syntax error here;", "syntax error"),
    ("ALTER INDEX nosuch ALTER COLUMN 0 SET STATISTICS 1000;", "column number must be in range"),
], ids=["syntax-error", "grammar-error"])
def test_batch_runtime_error_before_a_parse_error(pg, db, tmp_path, later, message):
    text = MANY + "INSERT INTO t VALUES (2);\nSELECT 1/0;\n" + later + "\n"
    _, r = stops_where_psql_stops(pg, db, tmp_path, text, 1503, "division by zero")
    assert message not in r.stderr


def test_batch_syntax_error_alone_names_its_line_and_column(pg, db, tmp_path):
    write(tmp_path, {F: MANY + "INSERT INTO t VALUES (2);\nSELECT 1,\n  FROM nowhere;\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert f"{F}:1504:3: syntax error at or near \"FROM\"" in r.stderr, r.stderr
    assert table_exists(pg, db, "t") is False


def test_batch_replay_keeps_what_ran_between_batches(pg, db, tmp_path):
    """A COPY between two batches is not undone when a later batch is replayed: the runtime
    error below exists only because of the COPY's row."""
    text = (MANY + "COPY t FROM stdin;\n5\n\\.\n"
            "SELECT 1/(SELECT count(*) - 1501 FROM t WHERE true);\nSELECT syntax error here;\n")
    write(tmp_path, {F: text, "ref.sql": text})
    ref = psql_file(pg, db, tmp_path / "ref.sql")
    assert ref.returncode == 3 and b"division by zero" in ref.stderr, ref.stderr
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert names_line(r.stderr, F, 1505) and "division by zero" in r.stderr, r.stderr


def test_batch_standard_conforming_strings_and_encoding(pg):
    assert_same_as_psql(pg, {"01_x.sql": (
        "CREATE TABLE s (v text);\n" + MANY +
        "SET standard_conforming_strings = off;\n"
        "INSERT INTO s VALUES ('it\\'s; a string'), ('a\\\\b');\n"
        "INSERT INTO t VALUES (3);\n"
        "SET standard_conforming_strings = on;\n"
        "SET client_encoding = 'LATIN1';\n"
        "INSERT INTO s VALUES ('caf\u00e9');\n").encode("utf-8")}, True,
        queries=("SELECT v FROM s ORDER BY v", "SELECT count(*) FROM t"))


def test_batch_runtime_error_in_a_later_batch_names_its_line(pg, db, tmp_path):
    write(tmp_path, {F: MANY + "INSERT INTO t VALUES (2);\n" * 3000 + "SELECT 1/0;\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert names_line(r.stderr, F, 4502) and "division by zero" in r.stderr, r.stderr


# ---- real pg_dump output in client-only multibyte encodings ---------------------------------
# pg_dump -E writes the whole dump in that encoding; text whose characters end in a 0x5C byte
# (表 ソ 能 in SJIS, 許 功 in BIG5, …) lands inside quoted strings, identifiers, comments and
# function bodies.  Large enough (2,000 rows) that the file also goes through batches.

MB_TEXT = {
    "SJIS": ["表示", "ソフト", "能力", "予定表", "十"],
    "BIG5": ["許功蓋", "淚", "餐"],
    "GBK": ["乗", "孿", "表"],
    "GB18030": ["乗", "孿", "表", "\U00020000"],
}


@pytest.mark.parametrize("encoding", list(MB_TEXT))
def test_pg_dump_in_a_multibyte_client_encoding_restores_equal(pg, encoding):
    words = [w for w in MB_TEXT[encoding] if any(
        b == 0x5C for ch in w for b in ch.encode(encoding.lower())[1:])] or MB_TEXT[encoding]
    assert any(b"\\" in w.encode(encoding.lower()) for w in words), "no 0x5C trailing byte"
    src = new_dbname()
    pg.sql(f'CREATE DATABASE "{src}"')
    try:
        w = words[0]
        query(pg, src, f'CREATE TABLE "{w}" (id int PRIMARY KEY, v text); '
                       f"COMMENT ON TABLE \"{w}\" IS '{w}; {w}'; "
                       f"CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT '{w}' $$;")
        rows = [(i, f"{words[i % len(words)]}'{i}; -- {words[0]}") for i in range(2000)]
        query(pg, src, f'INSERT INTO "{w}" SELECT * FROM unnest(%s::int[], %s::text[])',
              ([r[0] for r in rows], [r[1] for r in rows]))
        dump = pg_dump(pg, src, "-E", encoding, "--inserts")
        source = pg_dump(pg, src)
    finally:
        pg.sql(f'DROP DATABASE IF EXISTS "{src}" WITH (FORCE)')
    assert f"SET client_encoding = '{encoding}';".encode() in dump
    q = f'SELECT id, v FROM "{words[0]}" ORDER BY id'
    r = assert_same_as_psql(pg, {"01_dump.sql": dump}, True, expect={q: rows},
                            queries=("SELECT f()",))
    assert r.psql_dump == strip_restrict(source)


def test_autocommit_block_opened_after_a_comment(pg):
    """A BEGIN behind a leading comment opens a block like any other: the failing statement
    inside it leaves nothing of the block behind, as under psql -f."""
    assert_same_as_psql(pg, {"01_x.sql": AUTO + (
        "CREATE TABLE t (i int);\n"
        "/* the block */ BEGIN;\n"
        "INSERT INTO t VALUES (1);\n"
        "INSERT INTO t VALUES ('x');\n"
        "COMMIT;\n")}, False, expect_fail=True, expect={"SELECT count(*) FROM t": [(0,)]})


def test_autocommit_commit_and_chain_keeps_the_block(pg):
    """COMMIT AND CHAIN starts the next block at once: what follows belongs to it, and a
    failure there rolls it back, as under psql -f."""
    assert_same_as_psql(pg, {"01_x.sql": AUTO + (
        "CREATE TABLE t (i int);\n"
        "BEGIN;\n"
        "INSERT INTO t VALUES (1);\n"
        "COMMIT AND CHAIN;\n"
        "INSERT INTO t VALUES (2);\n"
        "INSERT INTO t VALUES ('x');\n"
        "COMMIT;\n")}, False, expect_fail=True, expect={"SELECT i FROM t": [(1,)]})
