"""Nothing wrong reported as green (issue 12): an invalid index left by an
interrupted CREATE INDEX CONCURRENTLY fails verify (docs/reference.md §13.1); `--init`
exits with the program's status even when a connection attempt was retried
(§7.8); every setting is checked before the first side effect (§7.1); a config
path that is a directory is a configuration error (§4.2); adopting an
Alembic-stamped database baselines the dated directories up to
init.adopt_through only (§8.6).
"""
import hashlib
import os
import socket
import subprocess
import threading

import pytest

from conftest import BIN, MIGRATE, clean_env, run
from initlib import bookkeeping, db, query, write  # noqa: F401
from pgcluster import free_port


# ---- --init after a retried connection attempt --------------------------------------------

class Forwarder:
    """A TCP port that refuses connections until start(), then forwards them to
    the cluster: a server that comes up while the tool waits for it."""

    def __init__(self, target_port):
        self.port = free_port()
        self.target = target_port
        self.sock = None

    def start(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        if self.sock:
            self.sock.close()


@pytest.mark.parametrize("program, status", [("true", 0), ("false", 1)])
def test_init_mode_exits_with_the_program_status_after_a_retried_attempt(pg, db, workdir,
                                                                          program, status):
    """The database exists: the first attempt's "connection refused" is the
    only error the run ever met, and it was retried."""
    fwd = Forwarder(pg.port)
    url = pg.url(db).replace(f":{pg.port}/", f":{fwd.port}/")
    p = subprocess.Popen([BIN, "--log-level", "debug", "--init", "--", program],
                         env=clean_env(DATABASE_URL=url), cwd=workdir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Only once an attempt has failed (connection refused) does the server appear.
        seen = []
        for line in p.stderr:
            seen.append(line)
            if "not ready" in line:
                break
        assert p.poll() is None, "".join(seen)
        fwd.start()
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
        fwd.close()
    assert p.returncode == status, err
    assert "error" not in err, err
    assert "ready in" in err


# ---- verify: invalid indexes ------------------------------------------------------------------

def invalid_index(pg, db, name="ix_broken", table="t_dup", schema="public"):
    """A CREATE UNIQUE INDEX CONCURRENTLY that fails on duplicates leaves its
    index behind, INVALID: what an interrupted build leaves."""
    query(pg, db, f"CREATE TABLE {schema}.{table} (x int); "
                  f"INSERT INTO {schema}.{table} VALUES (1), (1)")
    with pytest.raises(Exception):
        query(pg, db, f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {schema}.{table} (x)")
    assert query(pg, db, "SELECT indisvalid FROM pg_index WHERE indexrelid = %s::regclass",
                 (f"{schema}.{name}",)) == [(False,)]


def test_verify_fails_with_exit_7_on_an_invalid_index(pg, db, tmp_path):
    env = clean_env(DATABASE_URL=pg.url(db))
    invalid_index(pg, db)
    r = run(["verify"], env=env, cwd=tmp_path, binary=MIGRATE)
    assert r.returncode == 7, r.stderr
    assert "verification failed: 1 invalid index in public: public.ix_broken" in r.stderr
    assert "hint: " in r.stderr
    assert "DROP INDEX CONCURRENTLY public.ix_broken" in r.stderr
    # the entrypoint's verify step refuses to start the program
    r = run(["--", "echo", "app-started"], env=env, cwd=tmp_path)
    assert r.returncode == 7, r.stderr
    assert "app-started" not in r.stdout
    # dropped, all is well again
    query(pg, db, "DROP INDEX CONCURRENTLY ix_broken")
    r = run(["verify"], env=env, cwd=tmp_path, binary=MIGRATE)
    assert r.returncode == 0, r.stderr


def test_invalid_indexes_of_other_schemas_are_not_verify_schema_business(pg, db, tmp_path):
    query(pg, db, "CREATE SCHEMA other")
    invalid_index(pg, db, name="ix_elsewhere", schema="other")
    r = run(["verify"], env=clean_env(DATABASE_URL=pg.url(db)), cwd=tmp_path, binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    r = run(["verify"], env=clean_env(DATABASE_URL=pg.url(db), MIGRATE_VERIFY_SCHEMA="other"),
            cwd=tmp_path, binary=MIGRATE)
    assert r.returncode == 7, r.stderr
    assert "other.ix_elsewhere" in r.stderr


# ---- a config path that is a directory ------------------------------------------------------

def test_a_config_path_that_is_a_directory_is_exit_3(pg, dbname, workdir):
    (workdir / "migrate.ini").mkdir()  # docker run -v ./migrate.ini:… of a missing file
    for args in ([], ["--config", "migrate.ini"]):
        r = run(args + ["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir)
        assert r.returncode == 3, r.stderr
        assert 'config file "migrate.ini" is a directory' in r.stderr
    assert not pg.database_exists(dbname)


# ---- settings checked before the first side effect -----------------------------------------

@pytest.mark.parametrize("case", ["init-dir", "init-dir-env", "bad-date-dir", "manifest",
                                  "adopt-through", "migrations-dir"])
def test_settings_are_checked_before_the_database_is_created(pg, dbname, workdir, case):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    args = []
    want = None
    if case == "init-dir":
        args = ["--init-dir", "/nonexistent"]
        want = 'init directory "/nonexistent" does not exist'
    elif case == "init-dir-env":
        env["MIGRATE_INIT_DIR"] = "db/init"
        want = 'init directory "db/init" does not exist'
    elif case == "bad-date-dir":
        write(workdir, {"sql/init/latest/01.sql": "SELECT 1;\n"})
        want = '"sql/init/latest"'
    elif case == "manifest":
        env["MIGRATE_VERIFY_MANIFEST"] = "sql/missing.tables"
        want = "verify.manifest"
    elif case == "adopt-through":
        write(workdir, {"sql/init/20240101/01.sql": "SELECT 1;\n"})
        env["MIGRATE_INIT_ADOPT_THROUGH"] = "yesterday"
        want = "init.adopt_through"
    elif case == "migrations-dir":
        args = ["--migrations-dir", "no/such/dir"]
        want = "no/such/dir"
    r = run(args + ["--", "echo", "app-started"], env=env, cwd=workdir)
    assert r.returncode == 3, r.stderr
    assert want in r.stderr
    assert "app-started" not in r.stdout
    assert not pg.database_exists(dbname)


def test_migrate_init_and_verify_check_their_settings_before_connecting(workdir):
    # nothing listens there: a connection attempt would wait and time out (exit 4)
    env = clean_env(DATABASE_URL=f"postgresql://u:p@127.0.0.1:{free_port()}/x",
                    MIGRATE_WAIT_TIMEOUT="30s")
    r = run(["init", "--init-dir", "/nonexistent"], env=env, cwd=workdir, binary=MIGRATE,
            timeout=20)
    assert r.returncode == 3, r.stderr
    r = run(["verify"], env={**env, "MIGRATE_VERIFY_MANIFEST": "missing.tables"}, cwd=workdir,
            binary=MIGRATE, timeout=20)
    assert r.returncode == 3, r.stderr
    r = run(["baseline"], env={**env, "MIGRATE_INIT_DIR": "/nonexistent"}, cwd=workdir,
            binary=MIGRATE, timeout=20)
    assert r.returncode == 3, r.stderr


# ---- adoption up to init.adopt_through ---------------------------------------------------

ALEMBIC_DDL = ("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
               "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")


def recorder(tag):
    return ("CREATE TABLE IF NOT EXISTS run_order (seq serial PRIMARY KEY, tag text);\n"
            f"INSERT INTO run_order (tag) VALUES ('{tag}');\n")


def stamped_by_alembic(pg, db):
    """What the old setup left: the first directory's schema, Alembic's stamp."""
    query(pg, db, "CREATE TABLE run_order (seq serial PRIMARY KEY, tag text)")
    query(pg, db, ALEMBIC_DDL)
    query(pg, db, "INSERT INTO alembic_version VALUES ('3be61ad5f00f')")


THREE_DIRS = {"sql/init/08032025/01_schema.sql": recorder("08032025"),
              "sql/init/2025-09-01/01_more.sql": recorder("2025-09-01"),
              "sql/init/20251001/01_later.sql": recorder("20251001")}


def init(pg, db, cwd, **env):
    return run(["init"], env=clean_env(DATABASE_URL=pg.url(db), **env), cwd=cwd, binary=MIGRATE)


def test_adoption_baselines_only_the_oldest_directory_by_default(pg, db, tmp_path):
    write(tmp_path, THREE_DIRS)
    stamped_by_alembic(pg, db)
    r = init(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "recording 1 init script of the directories up to 08032025 as baselined" in r.stderr
    assert [t for (t,) in query(pg, db, "SELECT tag FROM run_order ORDER BY seq")] == \
        ["2025-09-01", "20251001"]
    assert bookkeeping(pg, db) == {
        "08032025/01_schema.sql": (hashlib.sha256(THREE_DIRS["sql/init/08032025/01_schema.sql"]
                                                  .encode()).hexdigest(), "baselined"),
        "2025-09-01/01_more.sql": (hashlib.sha256(THREE_DIRS["sql/init/2025-09-01/01_more.sql"]
                                                  .encode()).hexdigest(), "applied"),
        "20251001/01_later.sql": (hashlib.sha256(THREE_DIRS["sql/init/20251001/01_later.sql"]
                                                 .encode()).hexdigest(), "applied"),
    }


@pytest.mark.parametrize("through", ["2025-09-01", "09012025", "20250915"])
def test_adopt_through_names_the_newest_directory_the_old_setup_ran(pg, db, tmp_path, through):
    write(tmp_path, THREE_DIRS)
    write(tmp_path, {"migrate.ini": f"[init]\nadopt_through = {through}\n"})
    stamped_by_alembic(pg, db)
    r = init(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert {k: v[1] for k, v in bookkeeping(pg, db).items()} == {
        "08032025/01_schema.sql": "baselined", "2025-09-01/01_more.sql": "baselined",
        "20251001/01_later.sql": "applied"}
    assert [t for (t,) in query(pg, db, "SELECT tag FROM run_order ORDER BY seq")] == \
        ["20251001"]


def test_adopt_through_is_only_for_adoption(pg, db, tmp_path):
    """A database with records already, or an empty one, runs as before."""
    write(tmp_path, THREE_DIRS)
    r = init(pg, db, tmp_path, MIGRATE_INIT_ADOPT_THROUGH="20251001")
    assert r.returncode == 0, r.stderr
    assert {v[1] for v in bookkeeping(pg, db).values()} == {"applied"}


@pytest.mark.parametrize("value", ["latest", "2025-13-01", ""])
def test_adopt_through_must_be_a_date(pg, db, tmp_path, value):
    write(tmp_path, THREE_DIRS)
    r = init(pg, db, tmp_path, MIGRATE_INIT_ADOPT_THROUGH=value)
    assert r.returncode == 3, r.stderr
    assert "init.adopt_through" in r.stderr
    assert bookkeeping(pg, db) == {}
