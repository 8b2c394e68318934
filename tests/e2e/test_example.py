"""The shipped Synapse DT example end to end (README, docs/reference.md §13).

Each test runs the real binary in a copy of the repository's sql/,
migrations/ and migrate.ini, so it sees the example exactly as a container
started in the repository root would, and nothing a test does leaks into the
working tree.
"""
import glob
import os
import re
import shutil
import subprocess
import textwrap

import pytest

from conftest import BIN, MIGRATE, clean_env, run
from pgcluster import PG_BIN

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BASELINE = "3be61ad5f00f"
INIT_FILES = sorted(glob.glob(os.path.join(REPO, "sql", "init", "08032025", "*.sql")))
ALEMBIC = shutil.which("alembic", path="/usr/bin:" + os.environ.get("PATH", ""))


def _header(path, key):
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(rf"-- {key}: (.*)$", line.rstrip("\n"))
            if m:
                return m.group(1).strip()
    return None


def _head():
    """The single head of migrations/: the revision no other one builds on."""
    files = glob.glob(os.path.join(REPO, "migrations", "*.sql"))
    revs = {_header(p, "revision") for p in files}
    downs = {_header(p, "down_revision") for p in files}
    heads = revs - downs
    assert len(heads) == 1, heads
    return heads.pop()


HEAD = _head()


def _manifest():
    with open(os.path.join(REPO, "sql", "init", "baseline.tables")) as f:
        return [line.strip() for line in f if line.strip()]


@pytest.fixture
def example(tmp_path):
    """A project directory holding a copy of the shipped example."""
    for d in ("sql", "migrations"):
        shutil.copytree(os.path.join(REPO, d), tmp_path / d)
    shutil.copy(os.path.join(REPO, "migrate.ini"), tmp_path / "migrate.ini")
    return tmp_path


def _tables(pg, db):
    rows = pg.sql("SELECT 'public.' || c.relname FROM pg_class c "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')", db=db)
    return {r[0] for r in rows}


def _version(pg, db):
    return [r[0] for r in pg.sql("SELECT version_num FROM alembic_version", db=db)]


def test_manifest_names_126_distinct_baseline_tables():
    tables = _manifest()
    assert len(tables) == 126
    assert len(set(tables)) == 126
    assert all(re.fullmatch(r"public\.[a-z_][a-z0-9_]*", t) for t in tables)
    assert [os.path.basename(f) for f in INIT_FILES][:1] == ["01_extensions_and_types.sql"]


def test_fresh_database_bootstraps_to_126_baseline_tables_at_head(pg, dbname, example):
    r = run(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=example)
    assert r.returncode == 0, r.stderr
    tables = _tables(pg, dbname)
    assert set(_manifest()) <= tables
    # The baseline, the follow-ups' tables, Alembic's version table, ours.
    assert "public.user_preferences" in tables
    assert _version(pg, dbname) == [HEAD]
    init = pg.sql("SELECT status, count(*) FROM migrate_entry_init GROUP BY 1", db=dbname)
    assert init == [("applied", len(INIT_FILES))]
    summary = r.stderr.strip().splitlines()[-1]
    assert f"init {len(INIT_FILES)} of {len(INIT_FILES)} scripts ran" in summary
    assert f"upgraded base -> {HEAD}" in summary
    assert "verified: 126 of 126 baseline tables present (127 tables in public)" in summary
    # The seed data is there, non-ASCII names intact.
    assert pg.sql("SELECT count(*) FROM roles", db=dbname) == [(9,)]
    assert pg.sql("SELECT display_name FROM users WHERE user_id = 10", db=dbname) == [("Łukasz Wójcik",)]
    assert pg.sql("SELECT phase_name FROM workflow_phases ORDER BY phase_order LIMIT 1",
                  db=dbname) == [("Planning",)]


def test_manifest_is_what_write_manifest_gives_for_the_init_scripts(pg, dbname, example):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    r = run(["--skip", "upgrade,verify"], env=env, cwd=example)
    assert r.returncode == 0, r.stderr
    r = run(["verify", "--write-manifest", str(example / "written.tables")], env=env, cwd=example,
            binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    assert (example / "written.tables").read_text().split() == _manifest()


def test_dropping_a_baseline_table_fails_verify_with_exit_7_naming_it(pg, dbname, example):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    assert run([], env=env, cwd=example).returncode == 0
    pg.sql("DROP TABLE holidays", db=dbname)
    r = run(["verify"], env=env, cwd=example, binary=MIGRATE)
    assert r.returncode == 7, r.stderr
    assert "1 of 126 baseline tables missing" in r.stderr
    assert "public.holidays" in r.stderr
    # The entrypoint refuses to start the application.
    r = run(["--", "echo", "app-started"], env=env, cwd=example)
    assert r.returncode == 7, r.stderr
    assert "app-started" not in r.stdout


def test_many_missing_tables_are_listed_in_one_line_with_a_count(pg, dbname, example):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    assert run(["--skip", "upgrade"], env=env, cwd=example).returncode == 0
    pg.sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public", db=dbname)
    r = run(["verify"], env=env, cwd=example, binary=MIGRATE)
    assert r.returncode == 7, r.stderr
    line = r.stderr.strip().splitlines()[0]
    assert "126 of 126 baseline tables missing" in line
    assert line.endswith(" and 106 more")
    assert line.count("public.") == 20


def test_follow_up_revisions_downgrade_to_the_baseline_and_back(pg, dbname, example):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    assert run([], env=env, cwd=example).returncode == 0
    # A row using the value the enum revision added must survive its downgrade.
    pg.sql("INSERT INTO reports (report_code, report_name, lob_id, status) "
           "VALUES ('FRY9C', 'FR Y-9C', 1, 'pending_approval')", db=dbname)
    r = run(["downgrade", BASELINE], env=env, cwd=example, binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    assert _version(pg, dbname) == [BASELINE]
    assert {t for t in _tables(pg, dbname) if not t.startswith("public.migrate_entry_")} == \
        set(_manifest()) | {"public.alembic_version"}
    assert pg.sql("SELECT status::text FROM reports", db=dbname) == [("under_review",)]
    assert pg.sql("SELECT count(*) FROM pg_indexes WHERE indexname = "
                  "'ix_test_cycles_status_start_date'", db=dbname) == [(0,)]
    r = run(["upgrade", "head"], env=env, cwd=example, binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    assert _version(pg, dbname) == [HEAD]
    assert pg.sql("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                  "'ix_test_cycles_status_start_date'::regclass", db=dbname) == [(True,)]


def _index_state(pg, db):
    return pg.sql("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                  "WHERE c.relname = 'ix_test_cycles_status_start_date'", db=db)


def test_an_interrupted_create_index_concurrently_fails_verify_and_recovers_by_itself(
        pg, dbname, example):
    """The index revision is interrupted half-way (here by its lock_timeout,
    while a session holds a lock CREATE INDEX CONCURRENTLY must wait for): an
    INVALID index is left and the version is not recorded.  verify names it
    (exit 7); the next run drops it and builds it again, without a hand."""
    env = clean_env(DATABASE_URL=pg.url(dbname))
    before_head = _header(os.path.join(REPO, "migrations",
                                       "e41f8a3c6b27_add_index_to_test_cycles.sql"),
                          "down_revision")
    assert run(["--skip", "upgrade"], env=env, cwd=example).returncode == 0
    r = run(["upgrade", before_head], env=env, cwd=example, binary=MIGRATE)
    assert r.returncode == 0, r.stderr

    blocker = pg.connect(dbname)
    blocker.autocommit = False
    try:
        # a writer's open transaction: the build waits for it, then gives up
        blocker.cursor().execute("LOCK TABLE test_cycles IN ROW EXCLUSIVE MODE")
        r = run(["upgrade", "head"], env={**env, "MIGRATE_MIGRATIONS_LOCK_TIMEOUT": "300ms",
                                          "MIGRATE_MIGRATIONS_LOCK_RETRIES": "0"},
                cwd=example, binary=MIGRATE)
        assert r.returncode == 6, r.stderr
        assert "lock timeout" in r.stderr
    finally:
        blocker.rollback()
        blocker.close()
    assert _version(pg, dbname) == [before_head]
    assert _index_state(pg, dbname) == [(False,)]

    r = run(["verify"], env=env, cwd=example, binary=MIGRATE)
    assert r.returncode == 7, r.stderr
    assert "invalid index in public: public.ix_test_cycles_status_start_date" in r.stderr
    assert "DROP INDEX CONCURRENTLY public.ix_test_cycles_status_start_date" in r.stderr

    # The next start: the revision runs again, drops the leftover, builds it.
    r = run(["--", "true"], env=env, cwd=example)
    assert r.returncode == 0, r.stderr
    assert _version(pg, dbname) == [HEAD]
    assert _index_state(pg, dbname) == [(True,)]


def _alembic_stamp(pg, db, workdir):
    """Stamp db at the baseline with real Alembic: a minimal script directory
    whose only revision is the no-op baseline, as the old setup had."""
    home = workdir / "alembic_project"
    (home / "alembic" / "versions").mkdir(parents=True)
    (home / "alembic.ini").write_text(textwrap.dedent(f"""\
        [alembic]
        script_location = %(here)s/alembic
        sqlalchemy.url = {pg.url(db, scheme="postgresql+psycopg2")}
        """))
    (home / "alembic" / "env.py").write_text(textwrap.dedent("""\
        from alembic import context
        from sqlalchemy import engine_from_config, pool

        config = context.config
        engine = engine_from_config(config.get_section(config.config_ini_section),
                                    prefix="sqlalchemy.", poolclass=pool.NullPool)
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=None)
            with context.begin_transaction():
                context.run_migrations()
        """))
    (home / "alembic" / "versions" / f"{BASELINE}_baseline_126_tables.py").write_text(
        textwrap.dedent(f'''\
        """baseline 126 tables

        Revision ID: {BASELINE}
        Revises:
        Create Date: 2025-08-04 07:13:48

        """
        revision = "{BASELINE}"
        down_revision = None
        branch_labels = None
        depends_on = None


        def upgrade():
            pass


        def downgrade():
            pass
        '''))
    r = subprocess.run([ALEMBIC, "-c", str(home / "alembic.ini"), "stamp", BASELINE],
                       env=clean_env(), cwd=home, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert r.returncode == 0, r.stdout


@pytest.mark.skipif(not ALEMBIC, reason="Debian's alembic is not installed")
def test_database_set_up_the_old_way_is_adopted_and_upgraded(pg, dbname, example):
    # The old setup_new_machine_with_alembic.sh: psql -f every init script,
    # then `alembic stamp 3be61ad5f00f`.
    pg.sql(f'CREATE DATABASE "{dbname}"')
    for path in INIT_FILES:
        r = subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1",
                            "-f", path, pg.url(dbname)], env=clean_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        assert r.returncode == 0, r.stdout
    _alembic_stamp(pg, dbname, example)
    assert _version(pg, dbname) == [BASELINE]
    before = pg.sql("SELECT count(*) FROM audit_logs", db=dbname)

    r = run(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=example)
    assert r.returncode == 0, r.stderr
    assert f"adopting a database Alembic stamped at {BASELINE}" in r.stderr
    assert "ran init script" not in r.stderr
    init = pg.sql("SELECT status, count(*) FROM migrate_entry_init GROUP BY 1", db=dbname)
    assert init == [("baselined", len(INIT_FILES))]
    # Nothing ran twice: the seed rows (and the audit rows their triggers
    # wrote) are as psql left them.
    assert pg.sql("SELECT count(*) FROM audit_logs", db=dbname) == before
    assert pg.sql("SELECT count(*) FROM roles", db=dbname) == [(9,)]
    assert _version(pg, dbname) == [HEAD]
    assert f"upgraded {BASELINE} -> {HEAD} (3 revisions" in r.stderr
    assert "verified: 126 of 126 baseline tables present" in r.stderr.strip().splitlines()[-1]


def test_readme_first_command_tells_the_story():
    r = subprocess.run(["bash", "scripts/demo.sh"], cwd=REPO, env=clean_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    out = r.stdout
    assert r.returncode == 0, out
    story = [
        "demo: started a throwaway PostgreSQL 15",
        'migrate-entry: created database "synapse_dt"',
        "migrate-entry: ran init script 08032025/01_extensions_and_types.sql",
        "migrate-entry: ran init script 08032025/11_seed_data.sql",
        f"migrate-entry: running upgrade {BASELINE} -> ",
        "answered after",
        f"upgraded base -> {HEAD} (4 revisions",
        "verified: 126 of 126 baseline tables present (127 tables in public)",
        "exec /usr/bin/python3 demo/app.py --port 8000",
        f"demo app: database synapse_dt is at revision {HEAD} with 127 tables in public",
        f"at head {HEAD}",
    ]
    pos = 0
    for line in story:
        found = out.find(line, pos)
        assert found >= 0, f"{line!r} missing or out of order in:\n{out}"
        pos = found
    assert "synapse_user:demo-" not in out, "the demo's password must never be printed"
