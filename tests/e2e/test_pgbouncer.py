"""Behind PgBouncer in transaction pooling mode (docs/reference.md §7.4, §14.3).

A session-level advisory lock does not survive transaction pooling; the tool
detects that and stops with a hint, and `lock.mode = transaction` (the lock
held by an open transaction on a second connection, which pins its server
connection) works through the pooler.
"""
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import BIN, clean_env
from pgcluster import PASSWORD, free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
pytestmark = pytest.mark.skipif(not os.path.exists(PGBOUNCER), reason="pgbouncer not installed")


@pytest.fixture
def bouncer(pg):
    port = free_port()
    d = pathlib.Path(tempfile.mkdtemp(prefix="me-pgbouncer-"))
    d.chmod(0o755)
    ini = d / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={pg.port} user=postgres password={PASSWORD}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        "default_pool_size = 4\nmin_pool_size = 3\nserver_round_robin = 1\n"
        f"logfile = {d}/pgbouncer.log\npidfile = {d}/pgbouncer.pid\n")
    prefix = []
    if os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(d, "postgres")
        shutil.chown(ini, "postgres")
    proc = subprocess.Popen(prefix + [PGBOUNCER, str(ini)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        raise RuntimeError(f"pgbouncer did not start: {(d / 'pgbouncer.log').read_text()}")
    yield f"postgresql://postgres@127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(d, ignore_errors=True)


def _project(root):
    init = root / "sql" / "init" / "20250803"
    init.mkdir(parents=True)
    (init / "01_schema.sql").write_text(
        "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t SELECT generate_series(1, 100);\n"
        "SELECT pg_sleep(0.3);\n")
    return root


def test_transaction_lock_mode_serialises_replicas_through_pgbouncer(pg, dbname, bouncer, workdir):
    pg.sql(f'CREATE DATABASE "{dbname}"')
    _project(workdir)
    env = clean_env(DATABASE_URL=f"{bouncer}/{dbname}", MIGRATE_LOCK_MODE="transaction")
    procs = [subprocess.Popen([BIN, "--", "true"], env=env, cwd=workdir, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all(rc == 0 for rc, _ in results), results
    assert sum("ran init script 20250803/01_schema.sql" in err for _, err in results) == 1
    assert pg.sql("SELECT count(*) FROM t", db=dbname) == [(100,)]
    # nothing is left holding the lock
    assert pg.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", db=dbname) == [(0,)]


def test_session_lock_through_transaction_pooling_is_detected(pg, dbname, bouncer, runner):
    import psycopg2
    pg.sql(f'CREATE DATABASE "{dbname}"')
    # Warm the pool with several server connections (round robin hands
    # consecutive statements of one client to different servers).
    conns = [psycopg2.connect(f"{bouncer}/{dbname}") for _ in range(3)]
    for c in conns:
        c.cursor().execute("SELECT 1")
    for c in conns:
        c.commit()
        c.close()
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=f"{bouncer}/{dbname}"))
    assert r.returncode == 3, r.stderr
    assert "transaction-pooling proxy" in r.stderr
    assert "lock.mode = transaction" in r.stderr
    # and no session lock was left behind on a pooled server connection
    assert pg.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", db=dbname) == [(0,)]
