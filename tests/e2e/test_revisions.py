"""Revisions end to end (docs/reference.md §10-§12, §6): failures, transaction:false, validate, the
commands, the history table, timeouts and signals, against a real PostgreSQL."""
import hashlib
import os
import re
import signal
import time

import pytest

from conftest import MIGRATE, clean_env, run
from pgcluster import PASSWORD, free_port
from revtools import (BASELINE, HEAD, ORDERS, PREFS, Mig, create_db, history_rows, psql,
                      table_exists, tree, version_rows, write_rev)

A, B, C, D = "aaaa00000001", "bbbb00000002", "cccc00000003", "dddd00000004"


@pytest.fixture
def db(pg, dbname):
    return create_db(pg, dbname)


@pytest.fixture
def mdir(tmp_path):
    return tmp_path / "migrations"


@pytest.fixture
def mig(pg, db, mdir, tmp_path):
    return Mig(pg, db, mdir, tmp_path)


def two_revisions(mdir, second_upgrade, second_marker="-- migrate:upgrade"):
    write_rev(mdir, A, upgrade="CREATE TABLE t1 (id int);", downgrade="DROP TABLE t1;",
              message="first")
    return write_rev(mdir, B, down=A, upgrade=second_upgrade, downgrade="SELECT 1;",
                     message="second", upgrade_marker=second_marker)


# ---- a failing revision --------------------------------------------------------------------

FAILING = "CREATE TABLE t2 (id int);\nINSERT INTO t2\n  VALUES ('not a number');\nCREATE TABLE t3 (id int);"


def test_failing_revision_leaves_previous_revision_current(pg, db, mdir, mig):
    path = two_revisions(mdir, FAILING)
    r = mig("upgrade", "head")
    assert r.returncode == 6, r.stderr
    # the VALUES line is line 11 of the file; PostgreSQL points at the literal, column 11
    assert f"{os.path.relpath(path, mig.cwd)}:11:11: invalid input syntax for type integer" in r.stderr
    assert "(SQLSTATE 22P02)" in r.stderr
    assert f"revision {B} was rolled back; the database stays at the previous revision" in r.stderr
    assert version_rows(pg, db) == [A]
    assert table_exists(pg, db, "t1")
    assert not table_exists(pg, db, "t2"), "the first statement of the failed revision stayed"
    rows = history_rows(pg, db)
    assert [(r[0], r[1], r[3]) for r in rows] == [(A, "upgrade", True), (B, "upgrade", False)]
    assert mig.ok("current").stdout == f"{A}\n"


# A revision's COMMIT goes out with the next revision's BEGIN (one round trip fewer per
# revision); an error at that COMMIT (a deferred constraint) is still that revision's.
DEFERRED = ("CREATE TABLE parent (id int PRIMARY KEY);\n"
            "CREATE TABLE child (pid int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);")


@pytest.mark.parametrize("last", [False, True], ids=["followed by another", "the last one"])
def test_an_error_at_commit_is_the_revisions_own(pg, db, mdir, mig, last):
    write_rev(mdir, A, upgrade=DEFERRED, downgrade="DROP TABLE child, parent;", message="first")
    write_rev(mdir, B, down=A, upgrade="INSERT INTO child VALUES (42);", downgrade="SELECT 1;",
              message="second")
    if not last:
        write_rev(mdir, C, down=B, upgrade="CREATE TABLE t3 (id int);",
                  downgrade="DROP TABLE t3;", message="third")
    r = mig("upgrade", "head")
    assert r.returncode == 6, r.stderr
    assert "violates foreign key constraint" in r.stderr and "(SQLSTATE 23503)" in r.stderr
    assert f"revision {B} was rolled back; the database stays at the previous revision" in r.stderr
    assert version_rows(pg, db) == [A]
    assert pg.sql("SELECT count(*) FROM child", db=db) == [(0,)]
    assert not table_exists(pg, db, "t3")
    assert [(h[0], h[3]) for h in history_rows(pg, db)] == [(A, True), (B, False)]


BOOKKEEPING_CASES = pytest.mark.parametrize(
    "per_migration,after",
    [(p, a) for a in (None, "-- migrate:upgrade", "-- migrate:upgrade transaction:false")
     for p in ("true", "false")],
    ids=[f"{a}-{p}" for a in ("last", "followed", "followed by transaction:false")
         for p in ("true", "false")])


def upgrade_through_b(mig, mdir, b_upgrade, per_migration, after):
    """A applied; then upgrade head through B (whose upgrade is b_upgrade) and, when after is
    a marker, a C after it: the result of that run."""
    write_rev(mdir, A, upgrade="CREATE TABLE t1 (id int);", downgrade="DROP TABLE t1;")
    write_rev(mdir, B, down=A, upgrade="CREATE TABLE t2 (id int);\n" + b_upgrade,
              downgrade="SELECT 1;")
    if after:
        write_rev(mdir, C, down=B, upgrade="CREATE TABLE t3 (id int);", downgrade="DROP TABLE t3;",
                  upgrade_marker=after)
    env = {"MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION": per_migration}
    mig.ok("upgrade", A, env=env)
    return mig("upgrade", "head", env=env)


def assert_b_failed_alone(pg, db):
    assert version_rows(pg, db) == [A]
    assert not table_exists(pg, db, "t2") and not table_exists(pg, db, "t3")
    assert [(h[0], h[3]) for h in history_rows(pg, db)] == [(A, True), (B, False)]


@BOOKKEEPING_CASES
def test_a_version_table_that_did_not_change_as_expected_commits_nothing(pg, db, mdir, mig,
                                                                         per_migration, after):
    """Each version-table change must match one row (as Alembic checks online); here the
    revision itself empties the table, as a concurrent writer could.  With a transaction per
    revision the change goes out after the revision's last statement, in the same round trip;
    its failure is that revision's, and nothing after it runs.  With one transaction for the
    run, the run's net change goes out before its COMMIT (or before a transaction:false
    section): its failure is the run's, and the run is rolled back."""
    r = upgrade_through_b(mig, mdir, "DELETE FROM alembic_version;", per_migration, after)
    assert r.returncode == 9, r.stderr
    # one transaction: B and C (transactional) are one change, A to the last of them
    last = C if per_migration == "false" and after == "-- migrate:upgrade" else B
    assert ("error: the version table alembic_version did not change as expected (each of "
            f"these must match one row: UPDATE public.alembic_version SET version_num='{last}' "
            f"WHERE public.alembic_version.version_num = '{A}';); was it changed concurrently?\n"
            ) in r.stderr
    if per_migration == "true":
        assert_b_failed_alone(pg, db)
        return
    assert "the run was rolled back" in r.stderr
    assert version_rows(pg, db) == [A]
    assert not table_exists(pg, db, "t2") and not table_exists(pg, db, "t3")
    assert [(h[0], h[3]) for h in history_rows(pg, db)] == [(A, True)]


@BOOKKEEPING_CASES
def test_a_history_row_that_fails_is_its_revisions_failure(pg, db, mdir, mig, per_migration,
                                                          after):
    """With a transaction per revision, a revision's history row goes out with the next round
    trip (the next revision's statements, the COMMIT at the end or before a transaction:false
    section), before its COMMIT: when it fails, that revision is rolled back and named, not the
    next one.  With one transaction for the run, the rows go out together before the COMMIT
    (or the transaction:false section): their failure is the run's, and it is rolled back."""
    r = upgrade_through_b(mig, mdir, "ALTER TABLE migrate_entry_history ADD CONSTRAINT no_b "
                          f"CHECK (revision <> '{B}') NOT VALID;", per_migration, after)
    assert r.returncode == 6, r.stderr
    violates = 'new row for relation "migrate_entry_history" violates check constraint "no_b"'
    if per_migration == "true":
        assert f"{B}_rev.sql:8:1: {violates}" in r.stderr, r.stderr
        assert f"revision {B} was rolled back" in r.stderr
        assert_b_failed_alone(pg, db)
        return
    assert f"error: recording the run's revisions: {violates}" in r.stderr, r.stderr
    assert "the run was rolled back" in r.stderr
    assert version_rows(pg, db) == [A]
    assert not table_exists(pg, db, "t2") and not table_exists(pg, db, "t3")
    assert [(h[0], h[3]) for h in history_rows(pg, db)] == [(A, True)]


def test_one_transaction_records_each_revisions_own_times(pg, db, mdir, mig):
    """The history rows of a run in one transaction go out together at its end, with each
    revision's own start, finish and duration (not the time they were sent)."""
    write_rev(mdir, A, upgrade="CREATE TABLE t1 (id int);\nSELECT pg_sleep(0.3);",
              downgrade="DROP TABLE t1;")
    write_rev(mdir, B, down=A, upgrade="CREATE TABLE t2 (id int);", downgrade="DROP TABLE t2;")
    write_rev(mdir, C, down=B, upgrade="SELECT pg_sleep(0.3);", downgrade="SELECT 1;")
    mig.ok("upgrade", "head", env={"MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION": "false"})
    rows = pg.sql("SELECT revision, duration_ms, "
                  "extract(epoch FROM finished_at - started_at) * 1000, "
                  "extract(epoch FROM clock_timestamp() - finished_at) * 1000 "
                  "FROM migrate_entry_history ORDER BY started_at", db=db)
    assert [row[0] for row in rows] == [A, B, C]
    (_, a_ms, a_span, a_ago), (_, b_ms, b_span, b_ago), (_, c_ms, c_span, c_ago) = rows
    assert a_ms >= 300 and c_ms >= 300 and b_ms < 300, rows
    for ms, span in ((a_ms, a_span), (b_ms, b_span), (c_ms, c_span)):
        assert abs(float(span) - ms) <= 1, rows
    # A finished before C slept: its row says so, though both went out at the end
    assert float(a_ago) - float(c_ago) >= 300, rows


def test_failing_revision_with_one_transaction_for_the_run_rolls_back_everything(pg, db, mdir, mig):
    two_revisions(mdir, FAILING)
    r = mig("upgrade", "head", env={"MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION": "false"})
    assert r.returncode == 6, r.stderr
    assert "the run was rolled back" in r.stderr
    assert version_rows(pg, db) in (None, [])
    assert not table_exists(pg, db, "t1") and not table_exists(pg, db, "t2")
    assert [(r[0], r[3]) for r in history_rows(pg, db)] == [(B, False)]
    # the same run succeeds once the file is fixed, still in one transaction
    two_revisions(mdir, "CREATE TABLE t2 (id int);")
    mig.ok("upgrade", "head", env={"MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION": "false"})
    assert version_rows(pg, db) == [B]


def test_statement_timeout_applies_to_revisions(pg, db, mdir, mig):
    two_revisions(mdir, "CREATE TABLE t2 (id int);\nSELECT pg_sleep(1);")
    r = mig("upgrade", "head", env={"MIGRATE_MIGRATIONS_STATEMENT_TIMEOUT": "100ms"})
    assert r.returncode == 6, r.stderr
    assert "canceling statement due to statement timeout" in r.stderr
    assert version_rows(pg, db) == [A]
    assert not table_exists(pg, db, "t2")


def test_lock_timeout_applies_to_revisions(pg, db, mdir, mig):
    two_revisions(mdir, "ALTER TABLE t1 ADD COLUMN c int;")
    mig.ok("upgrade", A)
    holder = pg.connect(db)
    try:
        holder.autocommit = False
        holder.cursor().execute("LOCK TABLE t1 IN ACCESS SHARE MODE")
        r = mig("upgrade", "head", env={"MIGRATE_MIGRATIONS_LOCK_TIMEOUT": "200ms",
                                        "MIGRATE_MIGRATIONS_LOCK_RETRIES": "0"})
    finally:
        holder.rollback()
        holder.close()
    assert r.returncode == 6, r.stderr
    assert "canceling statement due to lock timeout" in r.stderr
    assert version_rows(pg, db) == [A]
    mig.ok("upgrade", "head")
    assert version_rows(pg, db) == [B]


# ---- transaction:false -----------------------------------------------------------------------

CONCURRENTLY = ("CREATE INDEX CONCURRENTLY t1_id_idx ON t1 (id);\n"
                "CREATE UNIQUE INDEX CONCURRENTLY t1_id_uidx ON t1 (id);")


def _valid_indexes(pg, db):
    return sorted(pg.sql("SELECT indexrelid::regclass::text FROM pg_index "
                         "WHERE indrelid = 't1'::regclass AND indisvalid", db=db))


def test_transaction_false_section_runs_create_index_concurrently(pg, db, mdir, mig):
    two_revisions(mdir, CONCURRENTLY, "-- migrate:upgrade transaction:false")
    mig.ok("upgrade", "head")
    assert _valid_indexes(pg, db) == [("t1_id_idx",), ("t1_id_uidx",)]
    assert version_rows(pg, db) == [B]
    assert [r[3] for r in history_rows(pg, db)] == [True, True]


def test_transaction_false_section_offline(pg, db, mdir, mig):
    two_revisions(mdir, CONCURRENTLY, "-- migrate:upgrade transaction:false")
    sql = mig.ok("upgrade", "base:head", "--sql").stdout
    # outside BEGIN … COMMIT, then the version change in its own transaction
    assert re.search(r"COMMIT;\n\n-- Running upgrade aaaa00000001 -> bbbb00000002 "
                     r"\(outside a transaction\)\n\nCREATE INDEX CONCURRENTLY t1_id_idx .*\n"
                     r"CREATE UNIQUE INDEX CONCURRENTLY .*\n\nBEGIN;\n\nUPDATE alembic_version "
                     r"SET version_num='bbbb00000002'", sql), sql
    r = psql(pg, db, sql)
    assert r.returncode == 0, r.stderr
    assert _valid_indexes(pg, db) == [("t1_id_idx",), ("t1_id_uidx",)]
    assert version_rows(pg, db) == [B]


def test_create_index_concurrently_in_a_transactional_section_is_refused(pg, db, mdir, mig):
    path = two_revisions(mdir, CONCURRENTLY)
    rel = path
    for args in (["validate"], ["upgrade", "head"], ["upgrade", "head", "--sql"]):
        r = mig(*args)
        assert r.returncode == 9, (args, r.stderr)
        assert f"{rel}:8: the upgrade section needs to run outside a transaction " \
               f"(CREATE INDEX CONCURRENTLY at {rel}:9)" in r.stderr
        assert 'hint: mark it "-- migrate:upgrade transaction:false"' in r.stderr
    # checked before anything ran: not even the first revision was applied
    assert version_rows(pg, db) is None
    assert not table_exists(pg, db, "t1")


# ---- validate ----------------------------------------------------------------------------------

def _raw(mdir, name, text):
    os.makedirs(mdir, exist_ok=True)
    p = os.path.join(mdir, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def _broken(kind, d, p):
    """Write a broken migrations directory d; returns what the message must name (p is how the
    tool prints d) and what it must say."""
    if kind == "cycle":
        write_rev(d, A, down=C)
        write_rev(d, B, down=A)
        write_rev(d, C, down=B)
        write_rev(d, D)
        return [f"{p}/{A}_rev.sql", f"{p}/{B}_rev.sql", f"{p}/{C}_rev.sql"], "cycle"
    if kind == "self-loop":
        write_rev(d, A, down=A)
        return [f"{p}/{A}_rev.sql"], "its own down_revision"
    if kind == "duplicate-id":
        write_rev(d, A, name=f"{A}_one.sql")
        write_rev(d, A, name=f"{A}_two.sql")
        return [f"{p}/{A}_one.sql", f"{p}/{A}_two.sql"], f'duplicate revision id "{A}"'
    if kind == "dangling":
        write_rev(d, A)
        write_rev(d, B, down="ffff00000009")
        return [f"{p}/{B}_rev.sql"], '"ffff00000009", which is not a revision'
    if kind == "malformed-header":
        write_rev(d, A)
        _raw(d, "b_bad.sql", f"-- revision: {B}\n-- down_revision: {A}\nCREATE TABLE x ();\n"
                             "-- migrate:upgrade\n")
        return [f"{p}/b_bad.sql:3"], "unexpected text before the first"
    if kind == "duplicate-key":
        _raw(d, "x.sql", f"-- revision: {A}\n-- down_revision: None\n-- revision: {B}\n"
                         "-- migrate:upgrade\n")
        return [f"{p}/x.sql:3"], 'duplicate header key "revision"'
    if kind == "no-revision":
        _raw(d, "x.sql", "-- migrate:upgrade\nSELECT 1;\n")
        return [f"{p}/x.sql:1"], 'missing "-- revision:" header'
    if kind == "id-too-long":
        write_rev(d, "a" * 33)
        return [f"{p}/{'a' * 33}_rev.sql:1"], "longer than 32 characters"
    if kind == "id-with-dash":
        write_rev(d, "aaaa-0001")
        return [f"{p}/aaaa-0001_rev.sql:1"], 'invalid revision id "aaaa-0001"'
    if kind == "unknown-depends_on":
        write_rev(d, A)
        write_rev(d, B, down=A, depends="nope")
        return [f"{p}/{B}_rev.sql"], '"nope"'
    raise AssertionError(kind)


KINDS = ["cycle", "self-loop", "duplicate-id", "dangling", "malformed-header", "duplicate-key",
         "no-revision", "id-too-long", "id-with-dash", "unknown-depends_on"]


@pytest.mark.parametrize("kind", KINDS)
def test_validate_reports_broken_graphs_naming_the_files(tmp_path, kind):
    files, what = _broken(kind, str(tmp_path / "migrations"), "migrations")
    r = Mig(None, None, "migrations", tmp_path)("validate")
    assert r.returncode == 9, r.stderr
    assert what in r.stderr
    for f in files:
        assert f in r.stderr, (f, r.stderr)
    assert r.stdout == ""


@pytest.mark.parametrize("command", [["upgrade", "head"], ["downgrade", "base"], ["current"]])
def test_a_broken_revision_file_does_not_wait_for_the_server(tmp_path, command):
    """The commands read the files while they connect; a broken one ends the wait at once,
    with its own error (exit 9), not the wait's."""
    files, what = _broken("id-with-dash", str(tmp_path / "migrations"), "migrations")
    url = f"postgresql://nobody:pw@127.0.0.1:{free_port()}/app"
    # a wait of an hour: the 30 s only guard against a hang
    r = run(command, env=clean_env(DATABASE_URL=url, MIGRATE_WAIT_TIMEOUT="1h"), cwd=tmp_path,
            timeout=30, binary=MIGRATE)
    assert r.returncode == 9, r.stderr
    assert what in r.stderr and files[0] in r.stderr, r.stderr
    assert "stopped" not in r.stderr and "timed out" not in r.stderr, r.stderr


def test_a_broken_revision_file_changes_nothing(pg, db, mdir, mig):
    two_revisions(mdir, "CREATE TABLE t2 (id int);")
    (mdir / "zzzz_bad.sql").write_text("-- revision: has-dash\n-- down_revision: None\n")
    r = mig("upgrade", "head")
    assert r.returncode == 9, r.stderr
    assert "zzzz_bad.sql:1" in r.stderr
    assert not table_exists(pg, db, "t1")
    assert version_rows(pg, db) is None


def test_validate_warns_about_several_heads(tmp_path):
    d = tmp_path / "migrations"
    write_rev(d, A)
    write_rev(d, B, down=A)
    write_rev(d, C, down=A)
    r = Mig(None, None, d, tmp_path)("validate")
    assert r.returncode == 0, r.stderr
    assert f"warning: several heads: {B}, {C}" in r.stderr
    assert r.stdout == f"3 revisions in {d} are valid\n"
    r = Mig(None, None, tree(tmp_path / "shop", "shop"), tmp_path)("validate")
    assert r.returncode == 0 and "warning" not in r.stderr
    assert r.stdout.endswith(f"7 revisions in {tmp_path / 'shop'} are valid; head {HEAD}\n")


def test_validate_warns_about_an_upgrade_that_does_nothing(tmp_path):
    # a root and a merge point may be empty; a revision in between that does nothing is
    # likely a body that never got written (issue 11)
    d = tmp_path / "migrations"
    write_rev(d, "aaaaaaaaaaa1")
    write_rev(d, "aaaaaaaaaaa2", down="aaaaaaaaaaa1", upgrade="-- nothing yet\n")
    write_rev(d, "aaaaaaaaaaa3", down="aaaaaaaaaaa2", upgrade="CREATE TABLE t (id int);")
    write_rev(d, "aaaaaaaaaaa4", down="aaaaaaaaaaa2", upgrade="CREATE TABLE u (id int);")
    write_rev(d, "aaaaaaaaaaa5", down=("aaaaaaaaaaa3", "aaaaaaaaaaa4"))
    r = Mig(None, None, d, tmp_path)("validate")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("holds no statement") == 1, r.stderr
    assert "aaaaaaaaaaa2_rev.sql:8: revision aaaaaaaaaaa2: the upgrade section holds no statement" \
        in r.stderr


# ---- commands ----------------------------------------------------------------------------------

@pytest.fixture
def shop(pg, db, tmp_path):
    return Mig(pg, db, tree(tmp_path / "migrations", "shop"), tmp_path)


def test_current_and_check(pg, db, shop):
    assert shop.ok("current").stdout == ""
    r = shop("check")
    assert r.returncode == 1
    assert r.stdout.splitlines()[0] == f"<base> -> {BASELINE}, baseline"
    assert len(r.stdout.splitlines()) == 7
    assert "7 revisions pending" in r.stderr
    shop.ok("upgrade", "head-1")
    r = shop("check")
    assert r.returncode == 1
    assert r.stdout == f"7b8c9d0e1f2a -> {HEAD} (head), index orders by user\n"
    shop.ok("upgrade", "+1")
    assert shop.ok("current").stdout == f"{HEAD} (head)\n"
    r = shop.ok("check")
    assert r.stdout == "" and "no revisions pending" in r.stderr
    r = shop.ok("current", "-v")
    assert r.stdout.startswith(f"Current revision(s) for postgresql://postgres:***@127.0.0.1:"
                               f"{shop.pg.port}/{db}:\nRev: {HEAD} (head)\nParent: 7b8c9d0e1f2a\n")
    assert PASSWORD not in r.stdout + r.stderr


def test_downgrade_relative_and_by_prefix(pg, db, shop):
    shop.ok("upgrade", "head")
    shop.ok("downgrade", "-1")
    assert version_rows(pg, db) == ["7b8c9d0e1f2a"]
    shop.ok("downgrade", "4e5f")  # a unique prefix
    assert version_rows(pg, db) == [ORDERS, "6a7b8c9d0e1f"]
    r = shop("downgrade", "ffff")
    assert r.returncode == 9 and "ffff" in r.stderr, r.stderr
    r = shop("upgrade", "+1")  # from two current revisions: ambiguous, as in Alembic
    assert r.returncode == 9 and "ambiguous upgrade" in r.stderr, r.stderr
    shop.ok("upgrade", "5f6a+1")
    assert version_rows(pg, db) == ["7b8c9d0e1f2a"]
    r = shop("downgrade")
    assert r.returncode == 2 and "downgrade needs a target" in r.stderr
    shop.ok("downgrade", "base")
    assert version_rows(pg, db) == []
    assert not table_exists(pg, db, "users")


def test_history_range_and_verbose(shop):
    r = shop.ok("history", "-r", f"{PREFS}:{ORDERS}")
    assert r.stdout == (f"{PREFS} -> {ORDERS}, add orders\n"
                        f"{BASELINE} -> {PREFS} (branchpoint), add user preferences table\n")
    r = shop.ok("history", "-v", "-r", f"{ORDERS}:{ORDERS}")
    assert r.stdout.startswith(f"Rev: {ORDERS}\nParent: {PREFS}\nPath: {shop.mdir}/")
    assert f"    add orders\n    \n    Revision ID: {ORDERS}\n    Revises: {PREFS}\n" \
           f"    Create Date: 2025-08-11 09:00:00\n" in r.stdout
    assert shop.ok("heads").stdout == f"{HEAD} (head)\n"
    assert shop.ok("branches").stdout == (f"{PREFS} (branchpoint)\n             -> {ORDERS}\n"
                                          "             -> 6a7b8c9d0e1f\n\n")
    assert shop.ok("show", "7b8c").stdout.startswith(
        "Rev: 7b8c9d0e1f2a (mergepoint)\nMerges: 5f6a7b8c9d0e, 6a7b8c9d0e1f\n")
    r = shop("show", "ffff")
    assert r.returncode == 9 and "ffff" in r.stderr


def test_database_at_unknown_revision_is_a_clear_error(pg, db, shop):
    shop.ok("upgrade", PREFS)
    pg.sql("UPDATE alembic_version SET version_num = 'ffff00000009'", db=db)
    for args in (["current"], ["upgrade", "head"], ["check"], ["downgrade", "base"],
                 ["stamp", "head"]):
        r = shop(*args)
        assert r.returncode == 9, (args, r.stderr)
        assert f'the database is at revision ffff00000009, which is not in "{shop.mdir}"' \
            in r.stderr, r.stderr
        assert "newer version of the application" in r.stderr
    assert version_rows(pg, db) == ["ffff00000009"]
    shop.ok("stamp", "--purge", PREFS)
    assert version_rows(pg, db) == [PREFS]
    shop.ok("upgrade", "head")
    assert version_rows(pg, db) == [HEAD]


def test_stamp_runs_nothing(pg, db, shop):
    shop.ok("stamp", "head")
    assert version_rows(pg, db) == [HEAD]
    assert not table_exists(pg, db, "users")
    shop.ok("stamp", "6a7b")
    assert version_rows(pg, db) == ["6a7b8c9d0e1f"]
    shop.ok("stamp", ORDERS)
    assert version_rows(pg, db) == [ORDERS, "6a7b8c9d0e1f"]
    shop.ok("stamp", "base")
    assert version_rows(pg, db) == []
    assert not table_exists(pg, db, "migrate_entry_history") or history_rows(pg, db) == []


def test_history_table_records_each_step_and_changed_files(pg, db, shop):
    shop.ok("upgrade", ORDERS)
    shop.ok("downgrade", "-1")
    rows = history_rows(pg, db)
    files = {f[:12]: os.path.join(shop.mdir, f) for f in os.listdir(shop.mdir)}

    def sha(rev):
        with open(files[rev], "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (BASELINE, "upgrade", sha(BASELINE), True), (PREFS, "upgrade", sha(PREFS), True),
        (ORDERS, "upgrade", sha(ORDERS), True), (ORDERS, "downgrade", sha(ORDERS), True)]
    assert all(re.fullmatch(r"postgres via migrate-entry@.+", r[4]) for r in rows), rows
    times = pg.sql("SELECT started_at <= finished_at, duration_ms >= 0 FROM migrate_entry_history",
                   db=db)
    assert set(times) == {(True, True)}

    # an applied file changed afterwards is reported (the downgraded one is not applied)
    with open(files[PREFS], "a") as f:
        f.write("-- edited after it was applied\n")
    with open(files[ORDERS], "a") as f:
        f.write("-- edited, but not applied now\n")
    r = shop.ok("upgrade", "head")
    assert re.search(rf"warning: revision {PREFS} \({re.escape(files[PREFS])}\) changed after it "
                     r"was applied on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r.stderr), r.stderr
    assert f"revision {ORDERS} (" not in r.stderr


def test_revision_and_merge_write_files(pg, tmp_path):
    d = tmp_path / "migrations"
    m = Mig(None, None, d, tmp_path)
    # the default directory, ./migrations, is created when missing
    r = run(["revision", "-m", "Add user preferences table!"], cwd=tmp_path, binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    first = os.listdir(d)
    assert len(first) == 1 and re.fullmatch(r"[0-9a-f]{12}_add_user_preferences_table\.sql",
                                            first[0]), first
    root = first[0][:12]
    assert r.stdout == f"  Generating migrations/{first[0]} ...  done\n"
    text = open(d / first[0]).read()
    assert text.startswith(f"-- revision: {root}\n-- down_revision: None\n"
                           "-- branch_labels: None\n-- depends_on: None\n-- create_date: ")
    assert "-- message: Add user preferences table!\n\n-- migrate:upgrade\n" in text
    m.ok("revision", "-m", "second", "--rev-id", "0000000000b2")
    assert f"-- down_revision: {root}\n" in open(d / "0000000000b2_second.sql").read()
    # --head at a non-head needs --splice
    r = m("revision", "-m", "side", "--head", root)
    assert r.returncode == 2 and "is not a head revision" in r.stderr and "--splice" in r.stderr
    m.ok("revision", "-m", "side", "--head", root, "--splice", "--branch-label", "feature",
         "--rev-id", "0000000000c3")
    side = open(d / "0000000000c3_side.sql").read()
    assert f"-- down_revision: {root}\n-- branch_labels: feature\n" in side
    # two heads now: a plain revision is refused
    r = m("revision", "-m", "third")
    assert r.returncode == 2 and "several heads" in r.stderr
    m.ok("revision", "-m", "on feature", "--head", "feature@head", "--rev-id", "0000000000c4")
    assert "-- down_revision: 0000000000c3\n" in open(d / "0000000000c4_on_feature.sql").read()
    m.ok("merge", "-m", "merge them", "heads", "--rev-id", "0000000000d5")
    merge = open(d / "0000000000d5_merge_them.sql").read()
    assert "-- down_revision: 0000000000b2, 0000000000c4\n" in merge
    m.ok("revision", "-m", "needs b2", "--depends-on", "0000000000b2", "--rev-id", "0000000000e6")
    dep = open(d / "0000000000e6_needs_b2.sql").read()
    assert "-- down_revision: 0000000000d5\n" in dep and "-- depends_on: 0000000000b2\n" in dep
    r = m("revision", "-m", "again", "--rev-id", "0000000000d5")
    assert r.returncode == 2 and "already exists" in r.stderr
    r = m.ok("validate")
    assert r.stdout.endswith("6 revisions in %s are valid; head 0000000000e6\n" % d)
    assert m.ok("heads").stdout == "0000000000e6 (feature) (head)\n"


def test_new_revision_files_upgrade_a_database(pg, db, mig, mdir):
    os.mkdir(mdir)
    mig.ok("revision", "-m", "one", "--rev-id", A)
    path = os.path.join(mdir, f"{A}_one.sql")
    text = open(path).read().replace("-- migrate:upgrade\n", "-- migrate:upgrade\nCREATE TABLE one (id int);\n")
    text = text.replace("-- migrate:downgrade\n", "-- migrate:downgrade\nDROP TABLE one;\n")
    open(path, "w").write(text)
    mig.ok("upgrade")
    assert version_rows(pg, db) == [A] and table_exists(pg, db, "one")
    mig.ok("downgrade", "base")
    assert not table_exists(pg, db, "one")


# ---- signals -----------------------------------------------------------------------------------

def test_sigterm_during_a_revision_rolls_it_back_and_exits_143(pg, db, mdir, mig):
    two_revisions(mdir, "CREATE TABLE t2 (id int);\nSELECT pg_sleep(30);")
    p = mig.popen("upgrade", "head")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            busy = pg.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                          "AND state = 'active' AND query LIKE '%%pg_sleep(30)%%'",
                          params=(db,))[0][0]
            if busy:
                break
            assert p.poll() is None, p.communicate()
            time.sleep(0.02)
        else:
            raise AssertionError("the revision never started")
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=10)
        elapsed = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 143, err
    assert elapsed < 5, "the running statement must be cancelled, not waited for"
    assert version_rows(pg, db) == [A]
    assert not table_exists(pg, db, "t2")
    assert pg.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(30)%%' "
                  "AND pid <> pg_backend_pid()")[0][0] == 0


# ---- changed revision files (§10.5) ------------------------------------------------------


def test_a_revision_changed_after_it_was_applied_is_reported_with_its_date(pg, db, mdir, mig):
    path = two_revisions(mdir, "CREATE TABLE t2 (id int);")
    mig.ok("upgrade", "head")
    [(finished,)] = pg.sql("SELECT to_char(finished_at, 'YYYY-MM-DD HH24:MI:SS') FROM "
                           f"migrate_entry_history WHERE revision = '{A}'", db=db)
    first = os.path.join(str(mdir), f"{A}_first.sql")
    with open(first, "a") as f:
        f.write("-- an edit after the fact\n")
    with open(path, "a") as f:  # B is downgraded below: its edit is not reported
        f.write("-- another\n")
    mig.ok("downgrade", "-1")
    r = mig.ok("upgrade", A)  # nothing to do, still looked at
    assert r.stderr.count("changed after it was applied") == 1, r.stderr
    assert f"revision {A} ({first}) changed after it was applied on {finished}" in r.stderr, r.stderr
    assert version_rows(pg, db) == [A]


def test_one_transaction_keeps_the_record_of_a_section_outside_it(pg, db, mdir, mig):
    """With one transaction for the run, what a transaction:false section did stays done when
    a later revision fails; so does its record (version row and history row), committed in a
    transaction of its own, so that the next run does not run it again."""
    write_rev(mdir, A, upgrade="CREATE TABLE t (a int);", downgrade="DROP TABLE t;")
    write_rev(mdir, B, down=A, upgrade="CREATE INDEX CONCURRENTLY t_a ON t (a);",
              downgrade="DROP INDEX CONCURRENTLY t_a;",
              upgrade_marker="-- migrate:upgrade transaction:false")
    write_rev(mdir, C, down=B, upgrade="SELECT 1/0;", downgrade="SELECT 1;")
    env = {"MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION": "false"}
    r = mig("upgrade", "head", env=env)
    assert r.returncode == 6, r.stderr
    assert version_rows(pg, db) == [B]
    assert table_exists(pg, db, "t_a")
    assert [(h[0], h[3]) for h in history_rows(pg, db)] == [(A, True), (B, True), (C, False)]
    # the next run starts after B
    write_rev(mdir, C, down=B, upgrade="SELECT 1;", downgrade="SELECT 1;")
    mig.ok("upgrade", "head", env=env)
    assert version_rows(pg, db) == [C]


def test_one_transaction_whose_commit_fails_is_the_runs_failure(pg, db, mdir, mig):
    """A deferred constraint fails at the run's COMMIT: the run is rolled back, and no
    revision is blamed for it (no history row of a failed revision)."""
    write_rev(mdir, A, upgrade="CREATE TABLE p (id int PRIMARY KEY);\n"
                               "CREATE TABLE c (pid int REFERENCES p (id) "
                               "DEFERRABLE INITIALLY DEFERRED);",
              downgrade="DROP TABLE c, p;")
    write_rev(mdir, B, down=A, upgrade="INSERT INTO c VALUES (42);", downgrade="SELECT 1;")
    r = mig("upgrade", "head", env={"MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION": "false"})
    assert r.returncode == 6, r.stderr
    assert "error: the run's COMMIT: " in r.stderr
    assert "violates foreign key constraint" in r.stderr
    assert ("the run was rolled back (migrations.transaction_per_migration = false); the "
            "database stays where it was before it") in r.stderr
    assert version_rows(pg, db) in (None, [])
    assert not table_exists(pg, db, "p")
    assert history_rows(pg, db) in (None, [])


@pytest.mark.parametrize("per_migration", ["true", "false"])
def test_a_revision_long_enough_for_batches_still_records_and_checks_its_version(
        pg, db, mdir, mig, per_migration):
    """Past its first 1,000 statements a revision goes on in simple-query batches; its
    version-table change then follows the last batch, and is checked as before."""
    inserts = "\n".join(f"INSERT INTO t VALUES ({i});" for i in range(2500))
    write_rev(mdir, A, upgrade="CREATE TABLE t (id int);\n" + inserts, downgrade="DROP TABLE t;")
    env = {"MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION": per_migration}
    mig.ok("upgrade", "head", env=env)
    assert version_rows(pg, db) == [A]
    assert pg.sql("SELECT count(*) FROM t", db=db) == [(2500,)]
    assert [(h[0], h[3]) for h in history_rows(pg, db)] == [(A, True)]
    write_rev(mdir, B, down=A, upgrade=inserts + "\nDELETE FROM alembic_version;",
              downgrade="SELECT 1;")
    r = mig("upgrade", "head", env=env)
    assert r.returncode == 9, r.stderr
    assert "did not change as expected" in r.stderr
    assert version_rows(pg, db) == [A]
    assert pg.sql("SELECT count(*) FROM t", db=db) == [(2500,)]
