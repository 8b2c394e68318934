"""A signal during a long init script: the running query is cancelled at
once, the file's work rolled back, no bookkeeping row, exit 128+N."""
import signal
import subprocess
import time

import pytest

from conftest import MIGRATE, clean_env
from initlib import bookkeeping, db, query, tables, write  # noqa: F401


def wait_for_sleep(pg, dbname, p, deadline=20):
    """Until the server runs the script's pg_sleep for this database."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        assert p.poll() is None, p.communicate()
        rows = query(pg, "postgres",
                     "SELECT pid FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                     "AND application_name LIKE 'migrate-entry%%' AND query LIKE '%%pg_sleep(30)%%'",
                     (dbname,))
        if rows:
            return rows[0][0]
        time.sleep(0.02)
    pytest.fail("the script's query never showed up in pg_stat_activity")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_cancels_the_running_script_and_rolls_it_back(pg, db, tmp_path, sig):
    write(tmp_path, {"sql/init/20240101/01_ok.sql": "CREATE TABLE first_file (id int);\n",
                     "sql/init/20240101/02_slow.sql": (
                         "CREATE TABLE slow (id int);\n"
                         "INSERT INTO slow VALUES (1);\n"
                         "SELECT pg_sleep(30);\n"
                         "CREATE TABLE after_sleep (id int);\n")})
    log_from = pg.log_size()
    p = subprocess.Popen([MIGRATE, "init"], env=clean_env(DATABASE_URL=pg.url(db)), cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        backend = wait_for_sleep(pg, db, p)
        p.send_signal(sig)
        # pg_sleep(30) still had ~30 s to go: only a cancel ends it within this
        _, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 128 + sig, err
    assert "canceling statement due to user request" in pg.log_since(log_from)
    assert query(pg, "postgres", "SELECT count(*) FROM pg_stat_activity WHERE pid = %s "
                                 "AND query LIKE '%%pg_sleep(30)%%' AND state = 'active'",
                 (backend,)) == [(0,)]
    assert tables(pg, db) == ["first_file"]
    assert list(bookkeeping(pg, db)) == ["20240101/01_ok.sql"]
