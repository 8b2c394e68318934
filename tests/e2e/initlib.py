"""Helpers for the init-script tests (test_init_*.py): project directories,
`migrate init`, and psql / pg_dump run against the same throwaway cluster.

psql and pg_dump are the reference: what the runner does is compared with
what `psql -X -v ON_ERROR_STOP=1 [-1] -f` does on another database.
"""
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import MIGRATE, clean_env, run
from pgcluster import PG_BIN, SUPERUSER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sql"
PSQL = f"{PG_BIN}/psql"
PG_DUMP = f"{PG_BIN}/pg_dump"


def new_dbname():
    return "t_" + uuid.uuid4().hex[:12]


@pytest.fixture
def db(pg):
    """A fresh, empty database; dropped afterwards."""
    name = new_dbname()
    pg.sql(f'CREATE DATABASE "{name}"')
    yield name
    pg.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db2(pg):
    """A second fresh database (the psql reference side)."""
    name = new_dbname()
    pg.sql(f'CREATE DATABASE "{name}"')
    yield name
    pg.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write(root, files):
    """Write {relative path: str | bytes} under root; returns root."""
    root = Path(root)
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        p.write_bytes(content)
    return root


def migrate(pg, dbname, cwd, *args, env=None, timeout=60, **kw):
    """`migrate init ARGS…` in cwd against dbname (over TCP, with password)."""
    env = env or clean_env(DATABASE_URL=pg.url(dbname))
    return run(["init", *args], env=env, cwd=cwd, timeout=timeout, binary=MIGRATE, **kw)


def psql_file(pg, dbname, path, single_transaction=True, cwd=None):
    """The reference: psql -X -v ON_ERROR_STOP=1 [-1] -f path."""
    cmd = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.sock, "-p", str(pg.port),
           "-U", SUPERUSER, "-d", dbname]
    if single_transaction:
        cmd.append("-1")
    cmd += ["-f", str(path)]
    return subprocess.run(cmd, cwd=cwd, env=clean_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)


def pg_dump(pg, dbname, *args):
    """Plain pg_dump of dbname, without the tool's own tables, as bytes."""
    r = subprocess.run([PG_DUMP, "-h", pg.sock, "-p", str(pg.port), "-U", SUPERUSER,
                        "-T", "migrate_entry_*", *args, dbname],
                       env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def strip_restrict(dump):
    """Drop pg_dump's \\restrict / \\unrestrict lines (their key is random)."""
    return b"".join(l for l in dump.splitlines(keepends=True)
                    if not l.startswith((b"\\restrict ", b"\\unrestrict ")))


def query(pg, dbname, sql, params=None):
    return pg.sql(sql, db=dbname, params=params)


def tables(pg, dbname, schema="public"):
    """Ordinary and partitioned tables of schema, the tool's own excluded."""
    rows = query(pg, dbname,
                 "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') "
                 "AND c.relname NOT LIKE 'migrate\\_entry\\_%%' ORDER BY 1", (schema,))
    return [r[0] for r in rows]


def bookkeeping(pg, dbname):
    """The migrate_entry_init rows as {path: (sha256, status)}; {} if no table."""
    exists = query(pg, dbname, "SELECT to_regclass('public.migrate_entry_init') IS NOT NULL")
    if not exists[0][0]:
        return {}
    rows = query(pg, dbname, "SELECT path, sha256, status FROM public.migrate_entry_init")
    return {p: (sha, status) for p, sha, status in rows}
