"""`migrate import-alembic` against the real Alembic (Debian's 1.8.1; docs/reference.md §10.6).

tests/fixtures/alembic-import is an Alembic project as `alembic init` leaves it, with SQLAlchemy
operations (create_table with an identity and defaults, an enum, bulk_insert with dates, quotes,
a backslash and a percent sign, op.execute with bound parameters, a batch operation, a whole
autocommit_block revision and one mixing it with transactional statements), a branch and a
merge, a second root with a branch label and depends_on, and two revisions that cannot render
without a database: a data migration that reads rows, and one that imports the application
(app/billing, on Alembic's path only when Alembic runs online).

Alembic upgrades one database, migrate (the imported files, the two unrenderable ones converted
by hand) another: the two must end up the same, schema and data, also after downgrading to base
and when one tool continues what the other started.
"""
import glob
import os
import re
import shutil
import subprocess
import uuid

import pytest

from conftest import MIGRATE, clean_env, run
from pgcluster import PG_BIN, SUPERUSER
from revtools import FIXTURES, Mig, create_db, version_rows

PROJECT = os.path.join(FIXTURES, "alembic-import")
APP = os.path.join(PROJECT, "app")
HEADS = ["92a3b4c5d6e7", "b1c2d3e4f5a6"]
EMAILS, INVOICES = "8192a3b4c5d6", "92a3b4c5d6e7"
MERGE, CONCURRENT = "5e6f708192a3", "6f708192a3b4"

# what a developer writes for the two revisions Alembic cannot render offline
BY_HAND = {
    EMAILS: ("UPDATE users SET email = lower(btrim(email));\n", None),
    INVOICES: ("CREATE TYPE invoice_state AS ENUM ('draft', 'sent', 'paid');\n\n"
               "CREATE TABLE invoices (\n    id SERIAL NOT NULL,\n"
               "    state invoice_state NOT NULL,\n    PRIMARY KEY (id)\n);\n",
               "DROP TABLE invoices;\n\nDROP TYPE invoice_state;\n"),
}


def project_copy(dest, env_py=None):
    """The fixture project copied to dest (its alembic.ini names its own directory)."""
    shutil.copytree(PROJECT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    if env_py is not None:
        with open(os.path.join(dest, "env.py"), "w") as f:
            f.write(env_py)
    return os.path.join(dest, "alembic.ini")


def online_ini(tmp_path, pg, db):
    """An alembic.ini for running the fixture online against db (the application on the path)."""
    with open(os.path.join(PROJECT, "alembic.ini")) as f:
        text = f.read()
    text = text.replace("script_location = %(here)s", f"script_location = {PROJECT}")
    text = text.replace("prepend_sys_path = .", f"prepend_sys_path = {APP}")
    text = re.sub(r"sqlalchemy.url = .*", "sqlalchemy.url = " + pg.url(db).replace("%", "%%"),
                  text)
    path = tmp_path / f"online-{db}.ini"
    path.write_text(text)
    return str(path)


def alembic(ini, *args):
    r = subprocess.run(["/usr/bin/alembic", "-c", ini, *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120,
                       env=clean_env(PYTHONDONTWRITEBYTECODE="1"))
    assert r.returncode == 0, f"alembic {' '.join(args)}:\n{r.stderr}"
    return r


def import_alembic(cwd, *args, **env):
    return run(["import-alembic", *args], cwd=str(cwd), timeout=120,
               env=clean_env(PYTHONDONTWRITEBYTECODE="1", **env), binary=MIGRATE)


def convert_by_hand(mdir):
    """Do what the import's hint says for the two unconverted revisions."""
    for rev, (up, down) in BY_HAND.items():
        path = glob.glob(os.path.join(mdir, rev + "_*.sql"))[0]
        with open(path) as f:
            text = f.read()
        text = re.sub(r"^-- unconverted: .*\n", "", text, flags=re.M)
        head, rest = text.split("\n-- migrate:upgrade", 1)
        old_down = rest.split("\n-- migrate:downgrade", 1)[1]
        text = head + "\n-- migrate:upgrade\n" + up + "\n-- migrate:downgrade" + \
            ("\n" + down if down is not None else old_down)
        with open(path, "w") as f:
            f.write(text)


def dump(pg, db):
    """Schema and data, without the tool's own tables and the lines two equal dumps differ in;
    users.created_at (now()) is left out of the data, and so are the version rows (their
    physical order follows the order sibling branches ran in: version_rows compares them)."""
    r = subprocess.run([f"{PG_BIN}/pg_dump", "-h", pg.sock, "-p", str(pg.port), "-U", SUPERUSER,
                        "-T", "*.migrate_entry_*", "--exclude-table-data=alembic_version", "--inserts", "--column-inserts", db],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
    keep = []
    for line in r.stdout.splitlines():
        if not line or line.startswith(("--", "\\restrict", "\\unrestrict")):
            continue
        keep.append(re.sub(r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00'", "'NOW'", line))
    return "\n".join(keep)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The fixture imported once (as a developer would, without the application on the path)."""
    work = tmp_path_factory.mktemp("import")
    r = import_alembic(work, os.path.join(PROJECT, "alembic.ini"), "--out", "migrations")
    return work, r


@pytest.fixture
def converted(imported, tmp_path):
    work, _ = imported
    mdir = tmp_path / "migrations"
    shutil.copytree(work / "migrations", mdir)
    convert_by_hand(str(mdir))
    return str(mdir)


def dbname(tag):
    return f"{tag}_{uuid.uuid4().hex[:10]}"


# ---- what the import writes --------------------------------------------------------------------

def test_import_writes_every_revision_and_marks_the_two_it_cannot_render(imported):
    work, r = imported
    assert r.returncode == 9, r.stderr
    names = sorted(os.listdir(work / "migrations"))
    assert names == sorted(os.path.basename(p)[:-3] + ".sql"
                           for p in glob.glob(os.path.join(PROJECT, "versions", "*.py")))
    assert "imported 11 revisions from Alembic 1.8.1 into migrations: 9 rendered, 2 to convert " \
           "by hand" in r.stderr
    assert re.search(r"migrations/8192a3b4c5d6_normalise_emails.sql: revision 8192a3b4c5d6 needs "
                     r"converting by hand \(upgrade: AttributeError: .*fetchall.*"
                     r"8192a3b4c5d6_normalise_emails.py:\d+\)", r.stderr), r.stderr
    assert "(upgrade and downgrade: ModuleNotFoundError: No module named 'billing' " \
           "(92a3b4c5d6e7_invoices.py:11))" in r.stderr
    assert "error: 2 revisions could not be rendered without a database" in r.stderr


def read(work, rev):
    return open(glob.glob(str(work / "migrations" / (rev + "_*.sql")))[0]).read()


def test_headers_carry_alembics_graph_dates_and_messages(imported):
    work, _ = imported
    merge = read(work, MERGE)
    assert merge.startswith(
        "-- revision: 5e6f708192a3\n-- down_revision: 3c4d5e6f7081, 4d5e6f708192\n"
        "-- branch_labels: None\n-- depends_on: None\n-- create_date: 2024-02-10 16:00:00\n"
        "-- message: merge plans and example users; plans get a description\n\n")
    root = read(work, "1a2b3c4d5e6f")
    assert "-- branch_labels: core\n" in root
    assert "-- create_date: 2024-01-05 10:00:00.123456\n" in root
    reports = read(work, "a0b1c2d3e4f5")
    assert "-- down_revision: None\n-- branch_labels: reports\n-- depends_on: 2b3c4d5e6f70\n" \
        in reports
    assert "-- depends_on: 5e6f708192a3\n" in read(work, "b1c2d3e4f5a6")


def test_sql_comes_across_with_binds_rows_batch_and_autocommit(imported):
    work, _ = imported
    rows = read(work, "3c4d5e6f7081")
    # dates, quotes, NULL, a percent sign and a backslash (standard_conforming_strings)
    assert "VALUES (1, 'free', 0, '2024-01-01', true);" in rows
    assert "VALUES (2, 'pro''s', 9.5, NULL, true);" in rows
    assert "VALUES (3, '50% off; \\ legacy', NULL, NULL, false);" in rows
    binds = read(work, "4d5e6f708192")
    assert "UPDATE users SET status = 'disabled', note = 'example: don''t mail' WHERE email " \
           "LIKE '%@example.com';" in binds
    assert "ALTER TABLE plans ALTER COLUMN name TYPE VARCHAR(80);" in read(work, MERGE)
    concurrent = read(work, CONCURRENT)
    assert "-- migrate:upgrade transaction:false\nCREATE INDEX CONCURRENTLY ix_users_created_at " \
           "ON users (created_at);\n" in concurrent
    assert "-- migrate:downgrade transaction:false\nDROP INDEX CONCURRENTLY" in concurrent
    mixed = read(work, "708192a3b4c5")
    up = mixed.split("-- migrate:upgrade transaction:false\n")[1].split("-- migrate:downgrade")[0]
    assert re.fullmatch(r"--[^\n]*\nBEGIN;\n\nCREATE TABLE user_audit .*?;\n\nCOMMIT;\n\n"
                        r"ALTER TYPE user_status ADD VALUE IF NOT EXISTS 'locked';\n\n"
                        r"BEGIN;\n\nINSERT INTO user_audit .*?;\n\nCOMMIT;\n\n", up, re.S), up
    assert "-- migrate:downgrade\nDROP TABLE user_audit;\n" in mixed


def test_unconverted_file_holds_the_error_and_the_python(imported):
    work, _ = imported
    text = read(work, EMAILS)
    assert re.search(r"^-- unconverted: upgrade: AttributeError: ", text, re.M)
    assert "-- Write its SQL here, then delete the \"-- unconverted:\" line above.\n" in text
    assert "--     def upgrade():\n--         conn = op.get_bind()\n" in text
    # its downgrade (pass) rendered: an empty section, no marker
    assert text.endswith("-- migrate:downgrade\n")


def test_unconverted_revisions_stop_validate_and_every_upgrade(imported, pg, tmp_path):
    work, _ = imported
    db = create_db(pg, dbname("unconv"))
    mig = Mig(pg, db, work / "migrations", tmp_path)
    r = mig("validate")
    assert r.returncode == 9
    assert re.search(r"error: \S*8192a3b4c5d6_normalise_emails.sql:7: revision 8192a3b4c5d6 was "
                     r"not converted from Alembic: upgrade: AttributeError", r.stderr), r.stderr
    assert "delete the \"-- unconverted:\" line" in r.stderr
    # also an upgrade that would stop before it, and the offline form
    for args in (["upgrade", "heads"], ["upgrade", "1a2b3c4d5e6f"],
                 ["upgrade", "base:1a2b3c4d5e6f", "--sql"]):
        r = mig(*args)
        assert r.returncode == 9 and "was not converted from Alembic" in r.stderr, (args, r.stderr)
    assert version_rows(pg, db) is None
    assert pg.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", db=db)[0][0] == 0


# ---- the same database as Alembic's --------------------------------------------------------------

def test_upgrade_and_downgrade_give_what_alembic_gives(pg, converted, tmp_path):
    a, b = create_db(pg, dbname("al")), create_db(pg, dbname("me"))
    ini = online_ini(tmp_path, pg, a)
    mig = Mig(pg, b, converted, tmp_path)
    mig.ok("validate")
    alembic(ini, "upgrade", "heads")
    mig.ok("upgrade", "heads")
    assert version_rows(pg, a) == version_rows(pg, b) == HEADS
    assert dump(pg, a) == dump(pg, b)
    # rows the revisions wrote and changed, as Alembic left them
    assert pg.sql("SELECT email, status FROM users ORDER BY id", db=b) == [
        ("ann@example.com", "active"), ("bob@example.com", "disabled"), ("cy@corp.test", "active")]

    alembic(ini, "downgrade", "base")
    mig.ok("downgrade", "base")
    assert version_rows(pg, a) == version_rows(pg, b) == []
    assert dump(pg, a) == dump(pg, b)
    assert pg.sql("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE n.nspname = 'public' AND c.relname NOT LIKE 'migrate\\_entry\\_%' "
                  "AND c.relname NOT LIKE 'alembic_version%'", db=b) == []


def test_each_tool_continues_what_the_other_started(pg, converted, tmp_path):
    full = create_db(pg, dbname("full"))
    alembic(online_ini(tmp_path, pg, full), "upgrade", "heads")
    # Alembic first, to the merge point; migrate the rest
    a = create_db(pg, dbname("a2m"))
    alembic(online_ini(tmp_path, pg, a), "upgrade", MERGE)
    Mig(pg, a, converted, tmp_path).ok("upgrade", "heads")
    # migrate first, past the autocommit revision; Alembic the rest
    b = create_db(pg, dbname("m2a"))
    Mig(pg, b, converted, tmp_path).ok("upgrade", CONCURRENT)
    assert version_rows(pg, b) == [CONCURRENT]
    alembic(online_ini(tmp_path, pg, b), "upgrade", "heads")
    assert version_rows(pg, a) == version_rows(pg, b) == version_rows(pg, full) == HEADS
    assert dump(pg, a) == dump(pg, full)
    assert dump(pg, b) == dump(pg, full)
    # a stamp by one tool is what the other reads
    alembic(online_ini(tmp_path, pg, b), "stamp", "--purge", MERGE)
    r = Mig(pg, b, converted, tmp_path).ok("current")
    assert r.stdout == f"{MERGE} (mergepoint)\n"


# ---- --check -----------------------------------------------------------------------------------

def test_check_matches_after_converting_by_hand_and_reformatting(converted, tmp_path):
    ini = os.path.join(PROJECT, "alembic.ini")
    r = import_alembic(tmp_path, ini, "--out", converted, "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"{converted} matches the Alembic project (11 revisions)\n"
    # layout and comments are not differences
    path = glob.glob(os.path.join(converted, "1a2b3c4d5e6f_*.sql"))[0]
    text = open(path).read().replace("CREATE UNIQUE INDEX ix_users_email ON users (email);",
                                     "-- the login\nCREATE UNIQUE INDEX ix_users_email\n"
                                     "    ON users (email);")
    open(path, "w").write(text)
    assert import_alembic(tmp_path, ini, "--out", converted, "--check").returncode == 0


def test_check_names_each_difference(converted, tmp_path):
    ini = os.path.join(PROJECT, "alembic.ini")
    path = glob.glob(os.path.join(converted, "2b3c4d5e6f70_*.sql"))[0]
    text = open(path).read().replace("'disabled'", "'off'")
    open(path, "w").write(text)
    merge = glob.glob(os.path.join(converted, MERGE + "_*.sql"))[0]
    text = open(merge).read().replace("-- down_revision: 3c4d5e6f7081, 4d5e6f708192",
                                      "-- down_revision: 3c4d5e6f7081")
    open(merge, "w").write(text)
    os.remove(glob.glob(os.path.join(converted, "b1c2d3e4f5a6_*.sql"))[0])
    with open(os.path.join(converted, "ffff00001111_local.sql"), "w") as f:
        f.write("-- revision: ffff00001111\n-- down_revision: 92a3b4c5d6e7\n"
                "\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\n")
    r = import_alembic(tmp_path, ini, "--out", converted, "--check")
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert f"{path}: the upgrade SQL differs from what 2b3c4d5e6f70_user_status.py renders" in lines
    assert f"{merge}: down_revision differs from {MERGE}_merge_plans_and_users.py" in lines
    assert f"{converted}: revision b1c2d3e4f5a6 (b1c2d3e4f5a6_reports_plans.py) is missing" in lines
    assert (f"{converted}/ffff00001111_local.sql: revision ffff00001111 is not in the Alembic "
            "project") in lines
    assert len(lines) == 4, r.stdout
    assert "differs from the Alembic project in 4 places" in r.stderr


# ---- the import's own errors and reports -------------------------------------------------------

def test_existing_different_file_is_not_overwritten(converted, tmp_path):
    ini = os.path.join(PROJECT, "alembic.ini")
    before = {p: open(p).read() for p in glob.glob(os.path.join(converted, "*.sql"))}
    r = import_alembic(tmp_path, ini, "--out", converted)
    assert r.returncode == 3, r.stderr
    assert re.search(r"error: \S*(8192a3b4c5d6|92a3b4c5d6e7)_\w+\.sql exists and differs from "
                     r"what the import writes", r.stderr), r.stderr
    assert "hint: compare with --check, or remove the file" in r.stderr
    assert {p: open(p).read() for p in glob.glob(os.path.join(converted, "*.sql"))} == before


def test_env_py_settings_are_reported(tmp_path):
    env_py = open(os.path.join(PROJECT, "env.py")).read().replace(
        'dialect_opts={"paramstyle": "named"})',
        'dialect_opts={"paramstyle": "named"},\n'
        '                      version_table="schema_history", version_table_schema="ops",\n'
        '                      transaction_per_migration=True, include_schemas=True)')
    ini = project_copy(tmp_path / "proj", env_py)
    r = import_alembic(tmp_path, ini, "--out", "m")
    assert r.returncode == 9, r.stderr
    assert "env.py sets version_table=schema_history; say the same in migrate.ini: " \
           "[migrations] version_table = schema_history" in r.stderr
    assert "[migrations] version_table_schema = ops" in r.stderr
    assert "[migrations] transaction_per_migration = true" in r.stderr
    assert "env.py sets include_schemas; not carried over: it matters to autogenerate only" \
        in r.stderr


FLASK_ENV = '''import logging
from flask import current_app
from alembic import context

config = context.config
config.set_main_option("sqlalchemy.url", str(current_app.extensions["migrate"].db.engine.url))


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                      version_table="flask_versions")
    with context.begin_transaction():
        context.run_migrations()


run_migrations_offline()
'''


def test_an_env_py_that_cannot_run_offline_is_reported_and_read(tmp_path):
    """Flask-Migrate's env.py needs the application (current_app): the revisions are rendered in
    a plain environment, and what env.py's configure() says is read from its text."""
    ini = project_copy(tmp_path / "proj", FLASK_ENV)
    r = import_alembic(tmp_path, ini, "--out", "m")
    assert r.returncode == 9, r.stderr
    assert re.search(r"warning: env.py could not run offline \(ModuleNotFoundError: No module "
                     r"named 'flask' \(env.py:2\)\): revisions were rendered in a plain "
                     r"PostgreSQL environment", r.stderr), r.stderr
    assert "[migrations] version_table = flask_versions" in r.stderr
    assert "imported 11 revisions" in r.stderr
    assert "CREATE INDEX CONCURRENTLY" in open(glob.glob(str(tmp_path / "m" / "6f70*"))[0]).read()


def test_flask_migrate_layout_without_script_location(tmp_path):
    """Flask-Migrate's migrations/alembic.ini names no script_location: its own directory is."""
    ini = project_copy(tmp_path / "proj")
    text = open(ini).read().replace("script_location = %(here)s\n", "")
    open(ini, "w").write(text)
    r = import_alembic(tmp_path, ini, "--out", "m")
    assert r.returncode == 9 and "imported 11 revisions" in r.stderr, r.stderr


def test_a_python_without_alembic_or_none_at_all(tmp_path):
    ini = os.path.join(PROJECT, "alembic.ini")
    r = import_alembic(tmp_path, ini, "--python", "/nonexistent/python3")
    assert r.returncode == 3
    assert "error: /nonexistent/python3: cannot run it" in r.stderr
    assert "--python or MIGRATE_PYTHON" in r.stderr
    bare = tmp_path / "bare-python"
    bare.write_text("#!/bin/sh\nexec /usr/bin/python3 -S -I \"$@\"\n")
    bare.chmod(0o755)
    r = import_alembic(tmp_path, ini, MIGRATE_PYTHON=str(bare))
    assert r.returncode == 3
    assert f"error: {sys_python_name(r.stderr)} cannot import Alembic" in r.stderr
    assert not os.path.exists(tmp_path / "migrations")


def sys_python_name(stderr):
    m = re.search(r"error: (\S+) cannot import Alembic", stderr)
    return m.group(1) if m else "<none>"


def test_missing_ini_and_no_project(tmp_path):
    r = import_alembic(tmp_path)
    assert r.returncode == 3 and "error: alembic.ini: no such file" in r.stderr, r.stderr
    (tmp_path / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = postgresql://x/y\n")
    r = import_alembic(tmp_path)
    assert r.returncode == 3
    assert "error: alembic.ini: no script_location in [alembic]" in r.stderr


# ---- literal values SQLAlchemy 1.4 cannot render -----------------------------------------------

def helper_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "import_alembic_helper", os.path.join(os.path.dirname(__file__), "..", "..", "src", "cmd",
                                              "import_alembic.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_fallback_literals_read_back_as_the_values_psycopg2_binds(pg):
    """Each literal the import writes for a value without a SQLAlchemy literal renderer means, to
    PostgreSQL, the same as the value bound as a parameter (the oracle: psycopg2's adaptation)."""
    import datetime
    import decimal
    import uuid as uuidmod

    import psycopg2
    from psycopg2.extras import Json
    pg_literal = helper_module().pg_literal
    tz = datetime.timezone(datetime.timedelta(hours=2))
    cases = [
        (datetime.date(2024, 2, 29), "date"),
        (datetime.datetime(2024, 1, 5, 10, 0, 0, 123456), "timestamp"),
        (datetime.datetime(2024, 1, 5, 10, 0, tzinfo=tz), "timestamptz"),
        (datetime.time(23, 59, 58, 5), "time"),
        (datetime.timedelta(days=-1, seconds=3, microseconds=7), "interval"),
        (uuidmod.UUID("12345678-1234-5678-1234-567812345678"), "uuid"),
        (b"\x00\x01'\\\xff", "bytea"),
        ({"a": [1, "it's"], "b\\": None}, "jsonb"),
        ([1, 2.5, "x"], "jsonb"),
        (decimal.Decimal("12.3400"), "numeric"),
        (1.5, "float8"), (float("nan"), "float8"), (float("-inf"), "float8"),
        ("it's a \\ back'slash", "text"), (True, "bool"), (None, "text"), (7, "int8"),
    ]
    conn = psycopg2.connect(pg.url("postgres"))
    try:
        with conn.cursor() as cur:
            for value, typ in cases:
                bound = Json(value) if isinstance(value, (dict, list)) else value
                if isinstance(value, bytes):
                    bound = psycopg2.Binary(value)
                if isinstance(value, uuidmod.UUID):
                    bound = str(value)
                cur.execute(f"SELECT ({pg_literal(value)})::{typ} IS NOT DISTINCT FROM %s::{typ}",
                            (bound,))
                assert cur.fetchone()[0], (value, typ, pg_literal(value))
    finally:
        conn.close()
    assert pg_literal(object()) is None
