"""docker-compose.container.yml, unchanged, run with podman-compose in a copy of the project."""
import json
import os
import shutil
import socket
import subprocess
import urllib.request
import uuid

import pytest

from conftest import ROOT, logs, record, summary_lines, timed_stop, wait_for, wait_for_log

HEAD = "e41f8a3c6b27"


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


@pytest.fixture
def project(tmp_path):
    """A copy of the project's files (what a user clones), with the password secret the docs
    tell users to make."""
    if shutil.which("podman-compose") is None:
        pytest.fail("podman-compose not found (tests/container/setup-engine.sh installs it)")
    for port in (5433, 8000):
        if not port_free(port):
            pytest.fail(f"host port {port}, which the compose file publishes, is in use")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    dest = tmp_path / "project"
    for f in filter(None, files):
        src = os.path.join(ROOT, f)
        if os.path.isfile(src) or os.path.islink(src):
            os.makedirs(dest / os.path.dirname(f), exist_ok=True)
            shutil.copy2(src, dest / f, follow_symlinks=False)
    (dest / "secrets").mkdir()
    (dest / "secrets" / "db_password.txt").write_text(uuid.uuid4().hex + "\n")
    name = "metest" + uuid.uuid4().hex[:8]
    compose = Compose(dest, name)
    yield compose
    compose("down", "-v", "-t", "0", check=False)


class Compose:
    def __init__(self, directory, name):
        self.dir, self.name = directory, name

    def __call__(self, *args, check=True, timeout=600):
        p = subprocess.run(["podman-compose", "-p", self.name, "-f", "docker-compose.container.yml",
                            *args], cwd=self.dir, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"podman-compose {' '.join(args)} exited {p.returncode}:\n"
                                 f"{p.stdout[-3000:]}{p.stderr[-3000:]}")
        return p

    def container(self, service):
        return f"{self.name}_{service}_1"

    def migrate(self, *args):
        return self("exec", "-T", "backend", "migrate", *args)


def http_state():
    with urllib.request.urlopen("http://127.0.0.1:8000/", timeout=10) as r:
        return json.load(r)


def test_compose_example_end_to_end(project):
    project("up", "-d", "--build")
    be = project.container("backend")
    wait_for_log(be, "demo app: serving on port 8000", deadline=180)
    first = summary_lines(logs(be))[0]
    assert "init 11 of 11 scripts ran" in first, first
    assert f"upgraded base -> {HEAD} (4 revisions" in first, first
    assert "verified: 126 of 126 baseline tables present" in first, first
    assert "exec python main.py --serve 8000" in first, first
    assert "***" not in first  # no password anywhere, not even masked: the URL has none

    # The backend answers HTTP, from the database the entrypoint prepared.
    state = http_state()
    assert state["database"] == "synapse_dt" and state["revision"] == HEAD, state
    assert state["tables"] >= 126, state

    # The Alembic-style commands in the running backend.
    assert HEAD in project.migrate("current").stdout
    up = project.migrate("upgrade", "head")
    assert "already at head" in up.stdout + up.stderr or "nothing to do" in up.stdout + up.stderr, up
    history = project.migrate("history").stdout
    assert history.count("->") >= 4 and HEAD in history, history
    down = project.migrate("downgrade", "-1")
    current = project.migrate("current").stdout
    assert HEAD not in current and current.strip(), (down.stderr, current)
    assert http_state()["revision"] != HEAD
    project.migrate("upgrade", "head")
    assert HEAD in project.migrate("current").stdout
    verify = project.migrate("verify")
    assert "126 of 126" in verify.stdout + verify.stderr, verify

    # A one-off container, the image's other name as entrypoint.
    one_off = project("run", "--rm", "-T", "--entrypoint", "migrate", "backend", "upgrade", "head")
    assert one_off.returncode == 0

    # A restart finds nothing to do.
    project("restart", "backend")
    wait_for(lambda: len(summary_lines(logs(be))) == 2, "the restart's summary line")
    second = summary_lines(logs(be))[1]
    assert "database exists" in second and "init 0 of 11 scripts ran" in second, second
    assert f"; at head {HEAD}" in second, second

    # `stop` ends the backend at once (--init forwards SIGTERM; the app exits 0).
    code, took = timed_stop(be)
    record(f"stop, compose example backend: {took:.2f}s, exit {code}")
    assert code == 0, logs(be)
    pg = project.container("postgres")
    code, took = timed_stop(pg, grace=10)
    record(f"stop, compose postgres: {took:.2f}s, exit {code}")
    assert code == 0, logs(pg)
