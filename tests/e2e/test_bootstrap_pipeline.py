"""The whole bootstrap pipeline (docs/reference.md §7): init scripts, revisions and verify
under the migration lock, as the entrypoint runs them on every start."""
import subprocess

import pytest

from conftest import BIN, clean_env
from pgcluster import free_port


def revision(rev, down, message, upgrade, downgrade=""):
    return (f"-- revision: {rev}\n-- down_revision: {down}\n-- branch_labels: None\n"
            f"-- depends_on: None\n-- create_date: 2025-08-10 12:00:00\n-- message: {message}\n\n"
            f"-- migrate:upgrade\n{upgrade}\n\n-- migrate:downgrade\n{downgrade}\n")


@pytest.fixture
def project(workdir):
    init = workdir / "sql" / "init" / "08032025"
    init.mkdir(parents=True)
    (init / "01_schema.sql").write_text(
        "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);\n"
        "CREATE TABLE reports (id bigserial PRIMARY KEY, owner bigint REFERENCES users(id));\n")
    (init / "02_data.sql").write_text(
        "COPY users (name) FROM stdin;\nalice\nbob\n\\.\n")
    mig = workdir / "migrations"
    mig.mkdir()
    (mig / "3be61ad5f00f_baseline.sql").write_text(
        revision("3be61ad5f00f", "None", "baseline", ""))
    (mig / "9c1d2e3f4a5b_add_user_preferences_table.sql").write_text(
        revision("9c1d2e3f4a5b", "3be61ad5f00f", "add user preferences table",
                 "CREATE TABLE user_preferences (user_id bigint PRIMARY KEY REFERENCES users(id), "
                 "prefs jsonb NOT NULL DEFAULT '{}');\nSELECT pg_sleep(0.2);",
                 "DROP TABLE user_preferences;"))
    return workdir


def test_first_start_runs_everything_then_execs(pg, dbname, runner, project):
    r = runner(["--min-tables", "3", "--", "echo", "app"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "app"
    summary = r.stderr.strip().splitlines()[-1]
    assert "database created" in summary
    assert "init 2 of 2 scripts ran" in summary
    assert "upgraded base -> 9c1d2e3f4a5b (2 revisions" in summary
    assert "verified: 3 tables in public (at least 3 expected)" in summary
    assert pg.sql("SELECT version_num FROM alembic_version", db=dbname) == [("9c1d2e3f4a5b",)]
    assert pg.sql("SELECT count(*) FROM users", db=dbname) == [(2,)]


def test_second_start_has_nothing_to_do(pg, dbname, runner, project):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    assert runner(["--", "true"], env=env).returncode == 0
    before = pg.log_size()
    r = runner(["--", "true"], env=env)
    assert r.returncode == 0, r.stderr
    summary = r.stderr.strip().splitlines()[-1]
    assert "database exists" in summary and "at head 9c1d2e3f4a5b" in summary
    assert "init 0 of 2 scripts ran" in summary
    # one connection on the warm path: nothing to do, no lock (docs/reference.md §7.4)
    authorized = [l for l in pg.log_since(before).splitlines()
                  if "connection authorized" in l and "migrate-entry" in l]
    assert len(authorized) == 1
    assert "; no lock needed;" in summary


def test_replicas_starting_together_apply_everything_once(pg, dbname, project):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    procs = [subprocess.Popen([BIN, "--", "true"], env=env, cwd=project, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(5)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all(rc == 0 for rc, _ in results), results
    assert sum("ran init script 08032025/01_schema.sql" in err for _, err in results) == 1
    assert pg.sql("SELECT count(*) FROM migrate_entry_history WHERE direction = 'upgrade'",
                  db=dbname) == [(2,)]
    assert pg.sql("SELECT count(*) FROM users", db=dbname) == [(2,)]


def test_verify_failure_stops_before_exec_with_exit_7(pg, dbname, runner, project):
    r = runner(["--min-tables", "126", "--", "echo", "must-not-run"],
               env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 7, r.stderr
    assert "must-not-run" not in r.stdout
    assert "verification failed: 3 tables in public, at least 126 expected" in r.stderr


def test_skip_flags(pg, dbname, runner, project):
    r = runner(["--skip", "init-scripts,upgrade,verify", "--min-tables", "126", "--", "true"],
               env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0, r.stderr
    summary = r.stderr.strip().splitlines()[-1]
    assert "init skipped; upgrade skipped; verify skipped" in summary
    assert pg.sql("SELECT to_regclass('users') IS NULL", db=dbname) == [(True,)]


def test_failing_init_script_stops_with_exit_6_and_no_exec(pg, dbname, runner, project):
    (project / "sql" / "init" / "08032025" / "03_broken.sql").write_text(
        "CREATE TABLE fine (id int);\nSELECT nosuchcolumn\n  FROM users;\n")
    r = runner(["--", "echo", "must-not-run"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 6, r.stderr
    assert "must-not-run" not in r.stdout
    assert "sql/init/08032025/03_broken.sql:2:8: column \"nosuchcolumn\" does not exist" in r.stderr
    assert pg.sql("SELECT to_regclass('fine') IS NULL", db=dbname) == [(True,)]
    # the lock was released with the connection: a fixed start proceeds
    (project / "sql" / "init" / "08032025" / "03_broken.sql").write_text("CREATE TABLE fine (id int);\n")
    assert runner(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname))).returncode == 0


def test_database_at_unknown_revision_is_exit_9(pg, dbname, runner, project):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    assert runner(["--", "true"], env=env).returncode == 0
    pg.sql("UPDATE alembic_version SET version_num = 'ffffeeee0000'", db=dbname)
    r = runner(["--", "true"], env=env)
    assert r.returncode == 9
    assert "the database is at revision ffffeeee0000, which is not in \"migrations\"" in r.stderr


def test_broken_revision_files_fail_before_touching_the_database(pg, dbname, runner, project):
    (project / "migrations" / "bad.sql").write_text("-- revision: has-dash\n-- down_revision: None\n")
    r = runner(["--", "echo", "must-not-run"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 9, r.stderr
    assert "migrations/bad.sql:1" in r.stderr
    assert not pg.database_exists(dbname)


def test_broken_revision_files_do_not_wait_for_the_server(runner, project):
    """The files are read while the tool connects; a broken one ends the wait at once
    (docs/reference.md §7.1), with its own error, not the wait's."""
    (project / "migrations" / "bad.sql").write_text("-- revision: has-dash\n-- down_revision: None\n")
    url = f"postgresql://nobody:pw@127.0.0.1:{free_port()}/app"
    # a wait of an hour: the 30 s below only guard against a hang
    r = runner(["--", "echo", "must-not-run"],
               env=clean_env(DATABASE_URL=url, MIGRATE_WAIT_TIMEOUT="1h"), timeout=30)
    assert r.returncode == 9, r.stderr
    assert "migrations/bad.sql:1" in r.stderr
    assert "must-not-run" not in r.stdout
    assert "stopped" not in r.stderr and "timed out" not in r.stderr, r.stderr


def test_revision_that_empties_search_path_does_not_lose_the_version_table(pg, dbname, runner,
                                                                          project):
    # pg_dump-style bodies set search_path to '': our own tables stay reachable.
    (project / "migrations" / "aaaa00000001_pgdump_style.sql").write_text(
        revision("aaaa00000001", "9c1d2e3f4a5b", "pg_dump style",
                 "SELECT pg_catalog.set_config('search_path', '', false);\n"
                 "CREATE TABLE public.audit_log (id int);",
                 "DROP TABLE public.audit_log;"))
    (project / "migrations" / "aaaa00000002_after.sql").write_text(
        revision("aaaa00000002", "aaaa00000001", "after", "CREATE TABLE public.after_it (id int);",
                 "DROP TABLE public.after_it;"))
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0, r.stderr
    assert pg.sql("SELECT version_num FROM public.alembic_version", db=dbname) == [("aaaa00000002",)]
