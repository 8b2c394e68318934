"""Statements that wait for locks (docs/reference.md §10.3 and §8.3): lock_timeout by default,
retries after a backoff, and the blocking session named.

A session that touched a table and sits idle in its transaction (the classic: an application
request that never committed) blocks a migration's ALTER TABLE; without a lock_timeout the ALTER
waits forever and every query of the application on that table queues behind it.  Each test
drives a real blocker and synchronises on the tool's own log lines, never on sleeps.
"""
import os
import re
import select
import subprocess
import time
import uuid

import pytest

from conftest import MIGRATE, clean_env
from revtools import version_rows, write_rev

FAST = {"MIGRATE_MIGRATIONS_LOCK_TIMEOUT": "300ms", "MIGRATE_INIT_LOCK_TIMEOUT": "300ms"}


class Proc:
    """The tool running in the background, its stderr read line by line."""

    def __init__(self, args, env, cwd):
        self.p = subprocess.Popen([MIGRATE] + args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.lines = []

    def wait_for(self, pattern, timeout=60):
        """Read stderr until a line matches pattern; returns the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.p.stderr], [], [], 1)
            if not ready:
                if self.p.poll() is not None:
                    break
                continue
            line = self.p.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            m = rx.search(line)
            if m:
                return m
        raise AssertionError(f"no line matching {pattern!r}:\n{''.join(self.lines)}")

    def finish(self, timeout=120):
        out, err = self.p.communicate(timeout=timeout)
        self.lines.append(err)
        return self.p.returncode, "".join(self.lines)


class Blocker:
    """A session idle in a transaction that holds a lock on a table."""

    def __init__(self, pg, db, sql, app="blocker-app"):
        import psycopg2
        self.conn = psycopg2.connect(pg.url(db) + f"?application_name={app}")
        self.conn.autocommit = False
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.pid = cur.fetchone()[0]
            cur.execute(sql)

    def release(self):
        self.conn.rollback()
        self.conn.close()


@pytest.fixture
def db(pg):
    name = f"lk_{uuid.uuid4().hex[:10]}"
    pg.sql(f'CREATE DATABASE "{name}"')
    pg.sql("CREATE TABLE t1 (id int PRIMARY KEY); CREATE TABLE log (n int)", db=name)
    return name


def start(pg, db, tmp_path, mdir, *args, **env):
    dirs = ["--migrations-dir", str(mdir)] if mdir is not None else []
    return Proc(dirs + list(args), clean_env(DATABASE_URL=pg.url(db), **{**FAST, **env}),
                str(tmp_path))


def revs(mdir, upgrade, transactional=True):
    write_rev(mdir, "a1", upgrade="SELECT 1;", downgrade="")
    write_rev(mdir, "b2", down="a1", upgrade=upgrade, downgrade="",
              upgrade_marker="-- migrate:upgrade" + ("" if transactional else " transaction:false"))


def columns(pg, db, table="t1"):
    return [r[0] for r in pg.sql("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                                 "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", db=db,
                                 params=(table,))]


# ---- revisions -----------------------------------------------------------------------------------

class Busy:
    """A session running pg_sleep, as the statement of a killed earlier run goes on."""

    def __init__(self, pg, db, app):
        import psycopg2
        import psycopg2.extras
        self.conn = psycopg2.connect(pg.url(db) + f"?application_name={app}", async_=1)
        psycopg2.extras.wait_select(self.conn)
        self.cur = self.conn.cursor()
        self.cur.execute("SELECT pg_backend_pid()")
        psycopg2.extras.wait_select(self.conn)
        self.pid = self.cur.fetchone()[0]
        self.cur.execute("SELECT pg_sleep(600)")

    def stop(self, pg):
        pg.sql("SELECT pg_cancel_backend(%s)", params=(self.pid,))
        self.conn.close()


def test_a_busy_statement_of_an_earlier_run_is_waited_for(pg, db, tmp_path):
    """Work sessions wear " (migrating)" in application_name: a run that takes the lock waits
    while one of an earlier run is busy in the same database (docs/reference.md 7.4), and
    not for one in another database."""
    mdir = tmp_path / "m"
    revs(mdir, "ALTER TABLE t1 ADD COLUMN c int;")
    elsewhere = Busy(pg, "postgres", "migrate-entry@old (migrating)")
    here = Busy(pg, db, "migrate-entry@old (migrating)")
    try:
        p = start(pg, db, tmp_path, mdir, "upgrade", "head")
        m = p.wait_for(r"holding the migration lock, waiting for a statement of an earlier run "
                       r"that is still busy on the server: pid (\d+) \(active for \d+s: "
                       r"SELECT pg_sleep\(600\)\)")
        assert int(m.group(1)) == here.pid
        here.stop(pg)
        rc, err = p.finish()
    finally:
        elsewhere.stop(pg)
    assert rc == 0, err
    assert "c" in columns(pg, db)
    assert version_rows(pg, db) == ["b2"]


def test_revision_waits_names_the_blocker_retries_and_succeeds_once_it_ends(pg, db, tmp_path):
    mdir = tmp_path / "m"
    revs(mdir, "ALTER TABLE t1 ADD COLUMN c int;")
    blocker = Blocker(pg, db, "SELECT * FROM t1")
    p = start(pg, db, tmp_path, mdir, "upgrade", "head")
    try:
        m = p.wait_for(r"revision b2 has waited [\d.]+m?s for a lock held by pid (\d+) \(user \w+, "
                       r"application \"blocker-app\", from [^,]+, idle in transaction for \d+s: "
                       r"SELECT \* FROM t1\)")
        assert int(m.group(1)) == blocker.pid
        p.wait_for(r"warning: revision b2: .*canceling statement due to lock timeout "
                   r"\(SQLSTATE 55P03\); rolled back, retry 1 of 5")
    finally:
        blocker.release()
    rc, err = p.finish()
    assert rc == 0, err
    assert "c" in columns(pg, db)
    assert version_rows(pg, db) == ["b2"]


def test_revision_gives_up_after_the_retries_naming_statement_and_blocker(pg, db, tmp_path):
    mdir = tmp_path / "m"
    revs(mdir, "SELECT 1;\nALTER TABLE t1 ADD COLUMN c int;")
    blocker = Blocker(pg, db, "SELECT * FROM t1", app="stuck-request")
    try:
        p = start(pg, db, tmp_path, mdir, "upgrade", "head",
                  MIGRATE_MIGRATIONS_LOCK_RETRIES="1")
        rc, err = p.finish()
    finally:
        blocker.release()
    assert rc == 6, err
    assert re.search(r"error: \S+b2_\w+\.sql:10:1: canceling statement due to lock timeout "
                     r"\(SQLSTATE 55P03\)", err), err
    assert re.search(rf"hint: blocked by pid {blocker.pid} \(user \w+, application "
                     r"\"stuck-request\".*\); gave up after 1 retry \(migrations.lock_retries\); "
                     r"revision b2 was rolled back", err), err
    assert "retry 1 of 1" in err
    assert version_rows(pg, db) == ["a1"]
    assert "c" not in columns(pg, db)


def test_the_applications_queries_wait_no_longer_than_the_lock_timeout(pg, db, tmp_path):
    """While the migration's ALTER waits behind the blocker, the application's SELECT queues
    behind the ALTER; lock_timeout ends that queue.  Without it, the SELECT (given 20 s here)
    would wait as long as the blocker lives."""
    import psycopg2
    mdir = tmp_path / "m"
    revs(mdir, "ALTER TABLE t1 ADD COLUMN c int;")
    blocker = Blocker(pg, db, "SELECT * FROM t1")
    p = start(pg, db, tmp_path, mdir, "upgrade", "head", MIGRATE_MIGRATIONS_LOCK_RETRIES="0")
    app = psycopg2.connect(pg.url(db))
    try:
        # the ALTER is queued for its lock ...
        for _ in range(600):
            if pg.sql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                      "WHERE c.relname = 't1' AND NOT l.granted", db=db)[0][0]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the migration never waited for its lock")
        # ... and the application's read still gets through once it gives up
        with app.cursor() as cur:
            cur.execute("SET statement_timeout = '20s'")
            cur.execute("SELECT count(*) FROM t1")
            assert cur.fetchone()[0] == 0
        rc, err = p.finish()
        assert rc == 6, err
    finally:
        app.close()
        blocker.release()


def test_one_transaction_for_the_run_is_retried_whole(pg, db, tmp_path):
    mdir = tmp_path / "m"
    write_rev(mdir, "a1", upgrade="CREATE TABLE t2 (id int);", downgrade="")
    write_rev(mdir, "b2", down="a1", upgrade="ALTER TABLE t1 ADD COLUMN c int;", downgrade="")
    blocker = Blocker(pg, db, "SELECT * FROM t1")
    p = start(pg, db, tmp_path, mdir, "upgrade", "head",
              MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION="false")
    try:
        p.wait_for(r"warning: .*canceling statement due to lock timeout \(SQLSTATE 55P03\); the "
                   r"run was rolled back, retry 1 of 5")
        # everything was rolled back: a1's table is gone too
        assert pg.sql("SELECT to_regclass('t2') IS NULL", db=db)[0][0]
    finally:
        blocker.release()
    rc, err = p.finish()
    assert rc == 0, err
    assert version_rows(pg, db) == ["b2"]
    assert err.count("running upgrade  -> a1") == 2, err
    assert pg.sql("SELECT count(*) FROM migrate_entry_history WHERE success", db=db)[0][0] == 2
    assert pg.sql("SELECT count(*) FROM migrate_entry_history WHERE NOT success", db=db)[0][0] == 0


def test_outside_a_transaction_only_the_waiting_statement_is_sent_again(pg, db, tmp_path):
    mdir = tmp_path / "m"
    revs(mdir, "INSERT INTO log VALUES (1);\nALTER TABLE t1 ADD COLUMN c int;\n"
               "INSERT INTO log VALUES (2);", transactional=False)
    blocker = Blocker(pg, db, "SELECT * FROM t1")
    p = start(pg, db, tmp_path, mdir, "upgrade", "head")
    try:
        p.wait_for(r"warning: \S+b2_\w+\.sql:10:1: canceling statement due to lock timeout "
                   r"\(SQLSTATE 55P03\); retry 1 of 5")
    finally:
        blocker.release()
    rc, err = p.finish()
    assert rc == 0, err
    assert pg.sql("SELECT n FROM log ORDER BY n", db=db) == [(1,), (2,)]
    assert "c" in columns(pg, db)


def test_a_statement_that_cannot_run_in_a_block_is_not_sent_again(pg, db, tmp_path):
    """CREATE INDEX CONCURRENTLY that gives up has already created an invalid index: sending it
    again is not safe, so it fails at once."""
    mdir = tmp_path / "m"
    revs(mdir, "CREATE INDEX CONCURRENTLY t1_idx ON t1 (id);", transactional=False)
    blocker = Blocker(pg, db, "LOCK TABLE t1 IN SHARE ROW EXCLUSIVE MODE")
    try:
        p = start(pg, db, tmp_path, mdir, "upgrade", "head")
        rc, err = p.finish()
    finally:
        blocker.release()
    assert rc == 6, err
    assert "retry" not in err
    assert "canceling statement due to lock timeout" in err


# ---- init scripts ----------------------------------------------------------------------------------

def init_tree(tmp_path, text, name="01_alter.sql"):
    d = tmp_path / "init" / "01012025"
    d.mkdir(parents=True)
    (d / name).write_text(text)
    return str(tmp_path / "init")


@pytest.fixture
def other(pg):
    """A database whose locked table lives outside the verified schema (so init runs)."""
    name = f"li_{uuid.uuid4().hex[:10]}"
    pg.sql(f'CREATE DATABASE "{name}"')
    pg.sql("CREATE SCHEMA other; CREATE TABLE other.t (id int); CREATE TABLE other.log (n int)",
           db=name)
    return name


def test_a_transactional_init_script_is_rolled_back_and_run_again(pg, other, tmp_path):
    init = init_tree(tmp_path, "INSERT INTO other.log VALUES (1);\n"
                               "ALTER TABLE other.t ADD COLUMN c int;\n")
    blocker = Blocker(pg, other, "SELECT * FROM other.t")
    p = start(pg, other, tmp_path, None, "init", "--init-dir", init)
    try:
        p.wait_for(r"init script 01012025/01_alter.sql has waited [\d.]+m?s for a lock held by pid "
                   rf"{blocker.pid} ")
        p.wait_for(r"warning: init script 01012025/01_alter.sql: \S+01_alter.sql:2:1: canceling "
                   r"statement due to lock timeout \(SQLSTATE 55P03\); rolled back, retry 1 of 5")
    finally:
        blocker.release()
    rc, err = p.finish()
    assert rc == 0, err
    assert pg.sql("SELECT n FROM other.log", db=other) == [(1,)]
    assert "c" in columns(pg, other, "other.t")


def test_init_scripts_get_a_lock_timeout_and_give_up_naming_the_blocker(pg, other, tmp_path):
    init = init_tree(tmp_path, "ALTER TABLE other.t ADD COLUMN c int;\n")
    blocker = Blocker(pg, other, "SELECT * FROM other.t", app="report-job")
    try:
        p = start(pg, other, tmp_path, None, "init", "--init-dir", init,
                  MIGRATE_INIT_LOCK_RETRIES="0")
        rc, err = p.finish()
    finally:
        blocker.release()
    assert rc == 6, err
    assert re.search(rf"hint: blocked by pid {blocker.pid} \(user \w+, application "
                     r"\"report-job\".*\); the script was rolled back: nothing of it was applied",
                     err), err
    assert "gave up after" not in err  # no retries were allowed


def test_an_autocommit_init_script_sends_only_the_waiting_statement_again(pg, other, tmp_path):
    init = init_tree(tmp_path, "-- migrate:no-transaction\nINSERT INTO other.log VALUES (1);\n"
                               "ALTER TABLE other.t ADD COLUMN c int;\n"
                               "INSERT INTO other.log VALUES (2);\n")
    blocker = Blocker(pg, other, "SELECT * FROM other.t")
    p = start(pg, other, tmp_path, None, "init", "--init-dir", init)
    try:
        p.wait_for(r"warning: \S+01_alter.sql:3:1: canceling statement due to lock timeout "
                   r"\(SQLSTATE 55P03\); retry 1 of 5")
    finally:
        blocker.release()
    rc, err = p.finish()
    assert rc == 0, err
    assert pg.sql("SELECT n FROM other.log ORDER BY n", db=other) == [(1,), (2,)]
