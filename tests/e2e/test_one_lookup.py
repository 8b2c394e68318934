"""One name lookup per run (docs/reference.md §7.2, "One server per run"): every connection
after the first goes to the address the first one reached, so a resolver that stops knowing the
name (or answers at random, as musl does with two name servers on a podman network) cannot fail
the run half-way.

The binary runs in a mount namespace whose /etc/resolv.conf names a DNS server that answers
the database's name once (tests/static/dns_once.py); needs root (port 53, unshare, mount).
"""
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import BIN, clean_env
from revtools import write_rev

HERE = os.path.dirname(__file__)
DNS_ONCE = os.path.join(HERE, "..", "static", "dns_once.py")
NAME = "pgonce.e2e.test"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                                reason="needs root and unshare (port 53, a private /etc/resolv.conf)")


@pytest.fixture
def dns_once(tmp_path):
    """Start a DNS server knowing NAME for one lookup; returns a runner that executes the
    binary with it as the only name server."""
    address = "127.0.0.79"
    ready = tmp_path / "dns.ready"
    server = subprocess.Popen([sys.executable, DNS_ONCE, address, NAME, "127.0.0.1", str(ready)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not ready.exists():
        assert server.poll() is None, server.stderr.read().decode()
        assert time.monotonic() < deadline, "the DNS server did not start"
        time.sleep(0.05)
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {address}\noptions attempts:1 timeout:1\n")

    def run(args, env, cwd):
        cmd = ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec "$@"',
               str(resolv), BIN, *args]
        return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)

    yield run
    server.kill()
    server.wait()


def test_every_connection_of_a_run_uses_the_first_lookup(pg, dns_once, tmp_path, dbname):
    mdir = tmp_path / "m"
    write_rev(mdir, "a1", upgrade="CREATE TABLE one_lookup (id int);", downgrade="DROP TABLE one_lookup;")
    url = pg.url(dbname).replace("127.0.0.1", NAME)
    # A missing database: the target (3D000), the maintenance database, the new database, the
    # lock's connection; each after the first would need the name again.
    r = dns_once(["--migrations-dir", str(mdir), "--skip", "verify", "--", "true"],
                 clean_env(DATABASE_URL=url, MIGRATE_WAIT_TIMEOUT="5s"), tmp_path)
    assert r.returncode == 0, r.stderr
    assert "database created" in r.stderr and "upgraded base -> a1" in r.stderr, r.stderr
    assert pg.sql("SELECT to_regclass('one_lookup') IS NOT NULL", db=dbname) == [(True,)]
    # The server really answers once: a second run cannot resolve the name.
    r = dns_once(["wait"], clean_env(DATABASE_URL=url, MIGRATE_WAIT_TIMEOUT="1s"), tmp_path)
    assert r.returncode == 4 and "could not translate host name" in r.stderr, r.stderr
