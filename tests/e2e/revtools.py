"""Helpers for the revision tests (test_revisions*.py): revision trees, the migrate CLI against
one database, real Alembic (in-process through its command API, or its CLI), the version table
and schema dumps."""
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys

from conftest import MIGRATE, clean_env, run
from pgcluster import PG_BIN, SUPERUSER

FIXTURES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "fixtures"))
MIGRATIONS = os.path.join(FIXTURES, "migrations")
ALEMBIC_DIR = os.path.join(FIXTURES, "alembic")

# The fixture trees (tests/fixtures/migrations/shop, …/audit):
#
#   3be61ad5f00f baseline -> 9c1d2e3f4a5b (branch point) -> 4e5f6a7b8c9d -> 5f6a7b8c9d0e --+
#                                                        -> 6a7b8c9d0e1f ------------------+
#        -> 7b8c9d0e1f2a (merge point) -> 8c9d0e1f2a3b (head)
#   audit:  a1b2c3d4e5f6 (root, branch label "audit") -> b2c3d4e5f6a7 (depends on 4e5f6a7b8c9d)
BASELINE, PREFS, ORDERS, STATUS, TAGS, MERGE, HEAD = (
    "3be61ad5f00f", "9c1d2e3f4a5b", "4e5f6a7b8c9d", "5f6a7b8c9d0e", "6a7b8c9d0e1f",
    "7b8c9d0e1f2a", "8c9d0e1f2a3b")
AUDIT1, AUDIT2 = "a1b2c3d4e5f6", "b2c3d4e5f6a7"


def tree(dest, *names):
    """Copy the fixture trees named (e.g. "shop", "audit") into one directory dest."""
    os.makedirs(dest, exist_ok=True)
    for name in names:
        src = os.path.join(MIGRATIONS, name)
        for f in os.listdir(src):
            shutil.copy(os.path.join(src, f), os.path.join(dest, f))
    return str(dest)


def write_rev(dirpath, rev, down=None, upgrade="", downgrade="", message=None, labels=None,
              depends=None, name=None, upgrade_marker="-- migrate:upgrade",
              downgrade_marker="-- migrate:downgrade"):
    """Write one revision file; returns its path."""
    down_s = "None" if not down else ", ".join([down] if isinstance(down, str) else down)
    text = (f"-- revision: {rev}\n-- down_revision: {down_s}\n"
            f"-- branch_labels: {labels or 'None'}\n-- depends_on: {depends or 'None'}\n"
            f"-- create_date: 2025-09-01 10:00:00\n-- message: {message or rev}\n\n"
            f"{upgrade_marker}\n{upgrade}\n\n")
    if downgrade is not None:
        text += f"{downgrade_marker}\n{downgrade}\n"
    os.makedirs(dirpath, exist_ok=True)
    path = os.path.join(str(dirpath), name or f"{rev}_{(message or 'rev').replace(' ', '_')}.sql")
    with open(path, "w") as f:
        f.write(text)
    return path


class Mig:
    """The migrate CLI bound to a database (pg None: none) and a migrations directory."""

    def __init__(self, pg, db, mdir, cwd, **env):
        self.pg, self.db, self.mdir, self.cwd = pg, db, str(mdir), str(cwd)
        self.env = env

    def env_for(self, **extra):
        if self.pg is None:  # commands that need no database
            return clean_env(**{**self.env, **extra})
        return clean_env(DATABASE_URL=self.pg.url(self.db), **{**self.env, **extra})

    def __call__(self, *args, env=None, timeout=60):
        return run(["--migrations-dir", self.mdir] + list(args), env=self.env_for(**(env or {})),
                   cwd=self.cwd, binary=MIGRATE, timeout=timeout)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, f"migrate {' '.join(args)}: exit {r.returncode}\n{r.stderr}"
        return r

    def popen(self, *args, **extra):
        return subprocess.Popen([MIGRATE, "--migrations-dir", self.mdir] + list(args),
                                env=self.env_for(**extra), cwd=self.cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


def version_rows(pg, db, table="alembic_version"):
    """Sorted version_num rows, or None when the table does not exist."""
    if not pg.sql("SELECT to_regclass(%s)", db=db, params=(table,))[0][0]:
        return None
    return sorted(r[0] for r in pg.sql(f"SELECT version_num FROM {table}", db=db))


def history_rows(pg, db):
    return pg.sql("SELECT revision, direction, sha256, success, applied_by FROM "
                  "migrate_entry_history ORDER BY id", db=db)


def table_exists(pg, db, name):
    return pg.sql("SELECT to_regclass(%s) IS NOT NULL", db=db, params=(name,))[0][0]


def pg_dump_schema(pg, db, *extra):
    """`pg_dump -s` of db without the tool's own tables and without lines that differ between
    two dumps of equal schemas (comments, \\restrict keys)."""
    r = subprocess.run([f"{PG_BIN}/pg_dump", "-s", "-h", pg.sock, "-p", str(pg.port),
                        "-U", SUPERUSER, "-T", "*.migrate_entry_*", *extra, db],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
    keep = [l for l in r.stdout.splitlines()
            if l and not l.startswith("--") and not l.startswith(("\\restrict", "\\unrestrict"))]
    return "\n".join(keep)


def psql(pg, db, sql_text, *extra):
    """Feed SQL to psql -X -v ON_ERROR_STOP=1 (over the socket); returns CompletedProcess."""
    return subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.sock,
                           "-p", str(pg.port), "-U", SUPERUSER, "-d", db, *extra],
                          input=sql_text, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def create_db(pg, db):
    pg.sql(f'CREATE DATABASE "{db}"')
    return db


# ---- Alembic -----------------------------------------------------------------------------------

def alembic_locations(*trees):
    return " ".join(os.path.join(ALEMBIC_DIR, "versions", t) for t in trees)


def alembic_ini(path, url, *trees):
    """Write an alembic.ini for the CLI; returns its path."""
    with open(path, "w") as f:
        f.write("[alembic]\n"
                f"script_location = {ALEMBIC_DIR}\n"
                f"version_locations = {alembic_locations(*trees)}\n"
                f"sqlalchemy.url = {url.replace('%', '%%')}\n")
    return str(path)


def alembic_cli(ini, *args):
    return subprocess.run(["/usr/bin/alembic", "-c", ini] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60,
                          env=clean_env(PYTHONDONTWRITEBYTECODE="1"))


class Alembic:
    """Real Alembic (Debian's 1.8.1) in this process, through alembic.command: the same code the
    `alembic` command runs, without a Python start-up per step."""

    def __init__(self, url, *trees):
        from alembic.config import Config
        sys.dont_write_bytecode = True  # no __pycache__ in tests/fixtures
        self.cfg = Config(stdout=io.StringIO())
        self.cfg.set_main_option("script_location", ALEMBIC_DIR)
        self.cfg.set_main_option("version_locations", alembic_locations(*trees))
        self.cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))

    def __call__(self, name, *args, **kw):
        """Run alembic.command.<name>; returns (error or None, stdout text)."""
        from alembic import command
        from alembic.util import CommandError
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                getattr(command, name)(self.cfg, *args, **kw)
        except CommandError as exc:
            return str(exc), out.getvalue()
        return None, out.getvalue()


# ---- offline output ----------------------------------------------------------------------------

_SHAPE = re.compile(r"^(BEGIN;|COMMIT;|-- Running .*|INSERT INTO alembic_version .*|"
                    r"UPDATE alembic_version .*|DELETE FROM alembic_version .*|"
                    r"CREATE TABLE alembic_version \(|DROP TABLE alembic_version;)$")


def offline_shape(text):
    """The lines of --sql output that are not revision bodies."""
    return [l for l in text.splitlines() if _SHAPE.match(l)]
