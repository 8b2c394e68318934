"""A signal cancels the statement in flight and the tool waits for the server's answer before it
exits (docs/reference.md §7.6) — but not without end: a second signal ends the wait at once.

The server is made not to answer the cancel by stopping the backend process (SIGSTOP): the
situation of a server that is overloaded, or a network that drops the answer.
"""
import os
import signal
import subprocess
import time
import uuid

from conftest import MIGRATE, clean_env
from revtools import write_rev


def backend_pid(pg, db, needle, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = pg.sql("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s "
                      "AND pid <> pg_backend_pid()",
                      params=(f"%{needle}%",))
        if rows:
            return rows[0][0]
        time.sleep(0.05)
    raise AssertionError(f"no backend runs {needle}")


def test_a_second_signal_ends_the_wait_for_an_unanswered_cancel(pg, tmp_path):
    db = f"cd_{uuid.uuid4().hex[:10]}"
    pg.sql(f'CREATE DATABASE "{db}"')
    mdir = tmp_path / "m"
    write_rev(mdir, "a1", upgrade="SELECT pg_sleep(120) AS drain_probe;", downgrade="")
    p = subprocess.Popen([MIGRATE, "--migrations-dir", str(mdir), "upgrade", "head"],
                         env=clean_env(DATABASE_URL=pg.url(db)), cwd=str(tmp_path),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = backend_pid(pg, db, "drain_probe")
    os.kill(pid, signal.SIGSTOP)
    try:
        p.send_signal(signal.SIGTERM)
        # the cancel is not answered: the tool is still waiting for it
        try:
            p.wait(timeout=1)
            raise AssertionError("the tool did not wait for the cancelled statement: "
                                 + p.stderr.read())
        except subprocess.TimeoutExpired:
            pass
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=5)
    finally:
        os.kill(pid, signal.SIGCONT)
        if p.poll() is None:
            p.kill()
    err = p.stderr.read()
    assert p.returncode == 143, err
    assert "stopped waiting for the server to end the cancelled statement" in err, err
