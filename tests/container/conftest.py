"""Helpers for the container suite (tests/container/run.sh builds the images first).

Every container, network and volume a test makes has a name starting with "metest-" and is
removed when the test ends (CONTAINER_TEST_KEEP=1 keeps them after a failure).  Containers talk
to each other on a bridge network the test made; the tests reach them on 127.0.0.1 only.
"""
import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid

import pytest

ENGINE = os.environ.get("CONTAINER_ENGINE", "podman")
IMAGE = os.environ.get("MIGRATE_IMAGE", "localhost/migrate-entry:test")
EXAMPLE = os.environ.get("MIGRATE_EXAMPLE_IMAGE", "localhost/migrate-entry-example:test")
POSTGRES = os.environ.get("MIGRATE_POSTGRES_IMAGE", "docker.io/library/postgres:15")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Deadlines for things that happen within seconds; a test that hits one fails.
START_DEADLINE = 120.0


def engine(*args, check=True, timeout=300, **kw):
    """Run the container engine; returns the CompletedProcess (text)."""
    p = subprocess.run([ENGINE, *args], capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{ENGINE} {' '.join(args)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p


def logs(name):
    p = engine("logs", name, check=False)
    return p.stdout + p.stderr


def wait_for(predicate, what, deadline=START_DEADLINE, every=0.2):
    """Poll predicate() until it returns something true; fail with `what` at the deadline."""
    end = time.monotonic() + deadline
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"gave up after {deadline:.0f}s waiting for {what}")
        time.sleep(every)


def wait_for_log(name, text, deadline=START_DEADLINE):
    return wait_for(lambda: text in logs(name), f'"{text}" in the log of {name}:\n', deadline)


def state(name):
    """(status, exit code) of a container."""
    out = engine("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name).stdout.split()
    return out[0], int(out[1])


def wait_exit(name, deadline=START_DEADLINE):
    wait_for(lambda: state(name)[0] in ("exited", "stopped"), f"{name} to exit", deadline)
    return state(name)[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """Names, a network and the password secret of one test; cleaned up afterwards."""

    def __init__(self, tmp_path):
        self.tag = "metest-" + uuid.uuid4().hex[:8]
        self.tmp = tmp_path
        self.containers = []
        self.network = self.tag
        engine("network", "create", self.network)
        self.password = secrets.token_hex(12)
        self.secret = self.write_secret("db_password", self.password)

    def write_secret(self, name, text):
        path = self.tmp / name
        path.write_text(text + "\n")
        return str(path)

    def name(self, what):
        n = f"{self.tag}-{what}"
        self.containers.append(n)
        return n

    def run(self, what, image, *args, env=None, secret=None, entrypoint=None, ports=(),
            detach=True, extra=()):
        """Start a container on the lab's network, named after `what` (also its host name)."""
        name = self.name(what)
        cmd = ["run", "--name", name, "--network", self.network, "--network-alias", what]
        if detach:
            cmd.append("-d")
        for k, v in (env or {}).items():
            cmd += ["-e", f"{k}={v}"]
        if secret:
            cmd += ["-v", f"{secret}:/run/secrets/db_password:ro"]
        if entrypoint is not None:
            cmd += ["--entrypoint", entrypoint]
        for p in ports:
            cmd += ["-p", p]
        cmd += list(extra)
        cmd += [image, *args]
        engine(*cmd)
        return name

    def postgres(self, what="postgres", wait=True, db="synapse_dt"):
        """The PostgreSQL image with the lab's password as a secret file; returns (name, port)."""
        port = free_port()
        name = self.run(what, POSTGRES, env={"POSTGRES_USER": "synapse_user", "POSTGRES_DB": db,
                                              "POSTGRES_PASSWORD_FILE": "/run/secrets/db_password"},
                        secret=self.secret, ports=[f"127.0.0.1:{port}:5432"])
        if wait:
            wait_for(lambda: self.pg_ready(port), f"PostgreSQL in {name} to accept connections")
        return name, port

    def pg_ready(self, port):
        try:
            self.query(port, "SELECT 1")
            return True
        except Exception:
            return False

    def query(self, port, sql, db="synapse_dt"):
        import psycopg2
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="synapse_user",
                                password=self.password, dbname=db, connect_timeout=3)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def backend_env(self, host="postgres", db="synapse_dt", **more):
        env = {"DATABASE_URL": f"postgresql://synapse_user@{host}:5432/{db}",
               "PGPASSWORD_FILE": "/run/secrets/db_password", "MIGRATE_WAIT_TIMEOUT": "90s"}
        env.update(more)
        return env

    def cleanup(self, failed):
        if failed and os.environ.get("CONTAINER_TEST_KEEP"):
            print(f"kept containers {' '.join(self.containers)} and network {self.network}")
            return
        if self.containers:
            engine("rm", "-f", "-t", "0", *self.containers, check=False)
        engine("network", "rm", "-f", self.network, check=False)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.failed_call = rep.failed


@pytest.fixture
def lab(request, tmp_path):
    lab = Lab(tmp_path)
    yield lab
    lab.cleanup(getattr(request.node, "failed_call", False))


def pytest_configure(config):
    if shutil.which(ENGINE) is None:
        raise pytest.UsageError(f"{ENGINE} not found: run tests/container/run.sh (make container-test)")


def record(line):
    """A measured figure for the run's closing summary (tests/container/run.sh prints them)."""
    path = os.environ.get("CONTAINER_TEST_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def timed_stop(name, grace=2):
    """`stop` with a grace period of `grace` seconds: (exit code, seconds taken).  An exit
    code other than 137 means the container ended within the grace period, by itself."""
    t = time.monotonic()
    engine("stop", "-t", str(grace), name)
    took = time.monotonic() - t
    return state(name)[1], took


def processes(name):
    """{pid: (command, state)} of every process in a running container, read from /proc."""
    out = engine("exec", name, "sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null", check=False).stdout
    procs = {}
    for line in out.splitlines():
        head, _, rest = line.rpartition(")")
        pid, _, comm = head.partition(" (")
        procs[int(pid)] = (comm, rest.split()[0])
    return procs


def summary_lines(text):
    return [l for l in text.splitlines() if "migrate-entry: ready in " in l]
