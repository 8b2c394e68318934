"""Replicas behind PgBouncer (docs/reference.md §7.4, §14.3).

The migration lock is one scheme for every connection path: a transaction-level advisory lock
held by an open transaction on a connection of its own; waiting replicas hold no connection
between tries; a killed run's statement that still runs on the server is waited for.  Tested
with Debian's PgBouncer in transaction pooling at its defaults (server_round_robin = 0, the
usual reuse of the last server connection), with round robin, and in session pooling with a
pool smaller than the number of replicas.
"""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import BIN, clean_env
from pgcluster import PASSWORD, free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
pytestmark = pytest.mark.skipif(not os.path.exists(PGBOUNCER), reason="pgbouncer not installed")


class Bouncer:
    def __init__(self, pg, **settings):
        self.port = free_port()
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="me-pgbouncer-"))
        self.dir.chmod(0o755)
        ini = self.dir / "pgbouncer.ini"
        lines = [f"{k} = {v}" for k, v in settings.items()]
        ini.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={pg.port} user=postgres password={PASSWORD}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            "auth_type = any\n" + "\n".join(lines) + "\n"
            f"logfile = {self.dir}/pgbouncer.log\npidfile = {self.dir}/pgbouncer.pid\n")
        prefix = []
        if os.geteuid() == 0:
            prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
            shutil.chown(ini, "postgres")
        self.proc = subprocess.Popen(prefix + [PGBOUNCER, str(ini)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"pgbouncer did not start: {(self.dir / 'pgbouncer.log').read_text()}")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


# PgBouncer's own defaults, but for the pool mode under test (Debian ships pool_mode = session).
DEFAULTS = {"pool_mode": "transaction"}
CONFIGS = {
    "transaction pooling at the defaults": {"pool_mode": "transaction"},
    "transaction pooling, small pool": {"pool_mode": "transaction", "default_pool_size": "3"},
    "transaction pooling, round robin": {"pool_mode": "transaction", "default_pool_size": "4",
                                         "min_pool_size": "3", "server_round_robin": "1"},
    "session pooling, small pool": {"pool_mode": "session", "default_pool_size": "3"},
}


@pytest.fixture
def bouncer_factory(pg):
    made = []

    def make(**settings):
        b = Bouncer(pg, **settings)
        made.append(b)
        return b
    yield make
    for b in made:
        b.stop()


def _project(root, sleep="0.3"):
    init = root / "sql" / "init" / "20250803"
    init.mkdir(parents=True)
    (init / "01_schema.sql").write_text(
        "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t SELECT generate_series(1, 100);\n"
        f"SELECT pg_sleep({sleep});\n")
    mig = root / "migrations"
    mig.mkdir()
    (mig / "a1_add.sql").write_text("-- revision: a1\n-- down_revision: None\n\n"
                                    "-- migrate:upgrade\nALTER TABLE t ADD COLUMN c int;\n")
    return root


@pytest.mark.parametrize("config", list(CONFIGS))
def test_sixteen_replicas_take_turns(pg, dbname, bouncer_factory, workdir, config):
    bouncer = bouncer_factory(**CONFIGS[config])
    pg.sql(f'CREATE DATABASE "{dbname}"')
    _project(workdir, sleep="0.1")
    env = clean_env(DATABASE_URL=f"{bouncer.url}/{dbname}")
    procs = [subprocess.Popen([BIN, "--", "true"], env=env, cwd=workdir, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(16)]
    results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [rc for rc, _ in results] == [0] * 16, results
    assert sum("ran init script 20250803/01_schema.sql" in err for _, err in results) == 1
    assert sum("running upgrade  -> a1" in err for _, err in results) == 1
    # nothing is left holding the lock on a pooled server connection
    assert pg.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", db=dbname) == [(0,)]


def test_a_single_run_leaves_no_lock_on_a_pooled_connection(pg, dbname, bouncer_factory, workdir):
    """At the defaults PgBouncer hands a client the server connection it used last, so a
    session-level lock would seem to hold; the lock must be gone with the run all the same."""
    bouncer = bouncer_factory(**DEFAULTS)
    pg.sql(f'CREATE DATABASE "{dbname}"')
    _project(workdir, sleep="0")
    r = subprocess.run([BIN, "--", "true"], env=clean_env(DATABASE_URL=f"{bouncer.url}/{dbname}"),
                       cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert pg.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", db=dbname) == [(0,)]


def test_lock_mode_is_obsolete(pg, dbname, bouncer_factory, workdir):
    bouncer = bouncer_factory(**DEFAULTS)
    pg.sql(f'CREATE DATABASE "{dbname}"')
    _project(workdir, sleep="0")
    r = subprocess.run([BIN, "--", "true"],
                       env=clean_env(DATABASE_URL=f"{bouncer.url}/{dbname}",
                                     MIGRATE_LOCK_MODE="session"),
                       cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert "warning: MIGRATE_LOCK_MODE: lock.mode is no longer used" in r.stderr


KILLED = """-- migrate:no-transaction
CREATE TABLE IF NOT EXISTS marks (what text, others_busy int);
INSERT INTO marks SELECT 'start', (SELECT count(*) FROM pg_stat_activity
    WHERE query LIKE '%slow_probe%' AND state = 'active' AND pid <> pg_backend_pid());
SELECT pg_sleep(CASE WHEN (SELECT count(*) FROM marks) = 1 THEN 60 ELSE 0 END) AS slow_probe;
INSERT INTO marks VALUES ('end', 0);
"""


@pytest.mark.parametrize("path", ["direct", "transaction pooling"])
def test_a_rerun_waits_for_the_statement_of_a_killed_run(pg, dbname, bouncer_factory, workdir,
                                                         path):
    """kill -9 of the lock holder while its statement runs: its lock connection dies at once,
    the statement may run on.  The rerun must not run the script until that statement ended."""
    url = pg.url(dbname) if path == "direct" else f"{bouncer_factory(**DEFAULTS).url}/{dbname}"
    pg.sql(f'CREATE DATABASE "{dbname}"')
    init = workdir / "sql" / "init" / "20250803"
    init.mkdir(parents=True)
    (init / "01_slow.sql").write_text(KILLED)
    env = clean_env(DATABASE_URL=url)
    first = subprocess.Popen([BIN, "--", "true"], env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        if pg.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(CASE%' "
                  "AND state = 'active'", db=dbname)[0][0]:
            break
        time.sleep(0.05)
    else:
        first.kill()
        pytest.fail("the first run never reached its slow statement: " + first.stderr.read())
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    first.stderr.close()
    r = subprocess.run([BIN, "--", "true"], env=env, cwd=workdir, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = pg.sql("SELECT what, others_busy FROM marks ORDER BY what", db=dbname)
    # the killed run's start, the rerun's start (with no statement of the killed run busy),
    # the rerun's end; the killed run never reached its end
    assert rows == [("end", 0), ("start", 0), ("start", 0)], (rows, r.stderr)


def test_a_missing_database_is_created_through_the_pooler(pg, dbname, bouncer_factory, workdir):
    """PgBouncer answers a missing database with 08P01, not 3D000: it is created through the
    maintenance database all the same, not waited for until the timeout."""
    bouncer = bouncer_factory(**DEFAULTS)
    _project(workdir, sleep="0")
    r = subprocess.run([BIN, "--", "true"], env=clean_env(DATABASE_URL=f"{bouncer.url}/{dbname}"),
                       cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "database created" in r.stderr
    assert pg.database_exists(dbname)
