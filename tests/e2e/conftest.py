"""Fixtures for the end-to-end tests: the real binary against a real server."""
import os
import subprocess
import uuid

import pytest

from pgcluster import Cluster

BIN = os.environ.get("MIGRATE_ENTRY_BINARY") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "build", "migrate-entry"))
MIGRATE = os.path.join(os.path.dirname(BIN), "migrate")

# Variables a test run must not inherit from the developer's shell.
_SCRUB_PREFIXES = ("PG", "MIGRATE_", "DATABASE_URL")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIXES)}
    env["LC_ALL"] = "C"
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture(scope="session")
def pg():
    cluster = Cluster("main").start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def dbname():
    return "t_" + uuid.uuid4().hex[:12]


@pytest.fixture
def workdir(tmp_path):
    """An empty project directory (no migrate.ini) to run the binary in."""
    return tmp_path


def run(args, env=None, cwd=None, timeout=60, binary=None, **kw):
    """Run the binary; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run([binary or BIN] + list(args), env=env if env is not None else clean_env(),
                          cwd=cwd, timeout=timeout, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture
def runner(workdir):
    def _run(args, env=None, **kw):
        kw.setdefault("cwd", workdir)
        return run(args, env=env, **kw)
    return _run
