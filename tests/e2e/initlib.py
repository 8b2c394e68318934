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


def psql_file(pg, dbname, path, single_transaction=True, cwd=None, variables=None):
    """The reference: psql -X -v ON_ERROR_STOP=1 [-v NAME=VALUE…] [-1] -f path."""
    cmd = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.sock, "-p", str(pg.port),
           "-U", SUPERUSER, "-d", dbname]
    for name, value in (variables or {}).items():
        cmd += ["-v", f"{name}={value}"]
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


# ---- psql as the oracle ----------------------------------------------------------------------

EXIT_SQL = 6            # the tool's exit code for an SQL error in a script (docs/reference.md §6)
PSQL_SCRIPT_ERROR = 3   # psql's exit code when ON_ERROR_STOP stopped a script
ORACLE_DIR = "sql/init/20240101"


def natural_key(name):
    """The runner's natural order: runs of digits compare as numbers."""
    import re
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name)]


class OracleRun:
    """What assert_same_as_psql saw: both processes, the queries' results and the dumps."""

    def __init__(self):
        self.psql = []          # CompletedProcess per top-level file psql ran
        self.tool = None        # CompletedProcess of `migrate init`
        self.refused = False    # the tool stopped with an error instead (or_refuse)
        self.psql_rows = {}     # query -> rows on the psql side
        self.tool_rows = {}     # query -> rows on the tool side
        self.psql_dump = self.tool_dump = None

    @property
    def psql_failed(self):
        return any(p.returncode != 0 for p in self.psql)

    def psql_stderr(self):
        return b"".join(p.stderr for p in self.psql).decode(errors="replace")


def _rows_or_error(pg, dbname, q):
    """The query's rows, or "error: …" (a table one side did not create, say)."""
    import psycopg2
    try:
        return query(pg, dbname, q)
    except psycopg2.Error as exc:
        return f"error: {exc.pgerror or exc}".strip()


def assert_same_as_psql(pg, files, single_transaction, expect_fail=False, queries=(),
                        expect=None, or_refuse=False, setup=None, variables=None):
    """Run the same init script(s) through psql and through `migrate init`, each on a fresh
    database, and assert that the results are the same.

    files: {name: str | bytes} written into sql/init/20240101/ (a name with a "/" is a fragment
    for \\i, not run on its own). "@DBNAME@" in a file is replaced by each side's own database
    name. The top-level files run in natural order; psql runs each with
    `psql -X -v ON_ERROR_STOP=1 [-1] -f` from the project directory and stops at the first that
    fails, as the tool does. single_transaction: a bool for every file, or {name: bool}: -1 for
    a plain file, without -1 for a file that needs autocommit (docs/reference.md §8.3).

    Compared: pg_dump of both databases (the tool's tables excluded), each of `queries` on both,
    and the exit status (psql 0 <-> tool 0, psql 3 <-> tool EXIT_SQL). expect_fail says which of
    the two psql must give; a test whose psql side does not do what the test says is wrong.
    When both fail the databases are still compared; a failed single-transaction file left
    nothing behind on either side. The bookkeeping rows name exactly the files that succeeded.

    or_refuse: the tool may instead stop with EXIT_SQL and an error naming FILE:LINE of the
    file that it cannot run like psql (nothing recorded for that file); then the databases are
    not compared. It must never give a different database with exit 0.

    expect: {query: rows} that psql must give, checked before the tool runs (so a test whose
    premise about psql is wrong fails as such); those queries are compared like `queries`.

    setup: SQL run on both databases first (through the harness, not a script).

    variables: {name: value} given to psql as -v NAME=VALUE and to the tool as
    MIGRATE_INIT_VAR_NAME=VALUE.

    Returns an OracleRun; the databases are dropped before returning.
    """
    import re
    import shutil
    import tempfile

    top = sorted((n for n in files if "/" not in n), key=natural_key)
    assert top, "no top-level file to run"
    mode = (single_transaction if isinstance(single_transaction, dict)
            else {n: single_transaction for n in top})
    out = OracleRun()
    base = Path(tempfile.mkdtemp(prefix="oracle-"))
    dbs = {"tool": new_dbname(), "psql": new_dbname()}
    try:
        for side, name in dbs.items():
            pg.sql(f'CREATE DATABASE "{name}"')
            if setup:
                query(pg, name, setup)
            content = {}
            for rel, data in files.items():
                if isinstance(data, str):
                    data = data.encode()
                content[f"{ORACLE_DIR}/{rel}"] = data.replace(b"@DBNAME@", name.encode())
            write(base / side, content)

        # the oracle: psql, file after file, stopping at the first failure
        failed_at = None
        for n in top:
            p = psql_file(pg, dbs["psql"], f"{ORACLE_DIR}/{n}", single_transaction=mode[n],
                          cwd=base / "psql", variables=variables)
            out.psql.append(p)
            if p.returncode != 0:
                failed_at = n
                break
        if expect_fail:
            assert failed_at is not None, "psql succeeded; the test expects it to fail"
            assert out.psql[-1].returncode == PSQL_SCRIPT_ERROR, out.psql_stderr()
        else:
            assert failed_at is None, f"psql failed on {failed_at}: {out.psql_stderr()}"
        queries = list(expect or {}) + [q for q in queries if q not in (expect or {})]
        for q in queries:
            out.psql_rows[q] = _rows_or_error(pg, dbs["psql"], q)
        for q, want_rows in (expect or {}).items():
            assert out.psql_rows[q] == want_rows, (
                f"psql itself does not give what the test expects: {q}\n"
                f"  psql:     {out.psql_rows[q]!r}\n  expected: {want_rows!r}")

        tool_env = clean_env(DATABASE_URL=pg.url(dbs["tool"]),
                             **{f"MIGRATE_INIT_VAR_{k}": v for k, v in (variables or {}).items()})
        out.tool = r = migrate(pg, dbs["tool"], base / "tool", env=tool_env, errors="replace")
        recorded = bookkeeping(pg, dbs["tool"])
        done = top[:top.index(failed_at)] if failed_at else top

        if or_refuse and r.returncode == EXIT_SQL:
            bad = [n for n in top if re.search(re.escape(f"{ORACLE_DIR}/{n}") + r":\d+", r.stderr)]
            if bad:
                out.refused = True
                assert f"20240101/{bad[0]}" not in recorded, "a refused file was recorded"
                return out

        want = EXIT_SQL if failed_at else 0
        assert r.returncode == want, (
            f"migrate init exit {r.returncode}, psql exit {out.psql[-1].returncode} "
            f"(expected the tool to give {want})\n--- tool:\n{r.stderr}\n--- psql:\n"
            f"{out.psql_stderr()}")
        assert sorted(recorded) == sorted(f"20240101/{n}" for n in done), recorded
        assert all(status == "applied" for _, status in recorded.values())

        for q in queries:
            out.tool_rows[q] = _rows_or_error(pg, dbs["tool"], q)
        out.psql_dump = strip_restrict(pg_dump(pg, dbs["psql"]))
        out.tool_dump = strip_restrict(pg_dump(pg, dbs["tool"]))
        if out.tool_dump != out.psql_dump:
            import difflib
            diff = "".join(difflib.unified_diff(
                out.psql_dump.decode(errors="replace").splitlines(True),
                out.tool_dump.decode(errors="replace").splitlines(True),
                "psql", "migrate init", n=2))
            raise AssertionError(f"the databases differ (psql vs migrate init):\n{diff[:6000]}"
                                 f"\n--- tool stderr:\n{r.stderr[-2000:]}")
        for q in queries:
            assert out.tool_rows[q] == out.psql_rows[q], (
                f"{q}\n  psql:         {out.psql_rows[q]!r}\n  migrate init: {out.tool_rows[q]!r}")
        if failed_at and mode[failed_at] and failed_at == top[0] and not setup:
            # a failed single-transaction file left nothing behind, on either side
            assert tables(pg, dbs["psql"]) == [] and tables(pg, dbs["tool"]) == []
        return out
    finally:
        for name in dbs.values():
            pg.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(base, ignore_errors=True)
