"""Configuration through the real binary (docs/reference.md §3, §4): files, alembic.ini, errors."""

from conftest import clean_env
from pgcluster import PASSWORD, free_port


def test_migrate_ini_with_env_references(pg, dbname, runner, workdir):
    (workdir / "migrate.ini").write_text(
        "[database]\n"
        f"url = postgresql://postgres:${{DB_PASSWORD}}@127.0.0.1:{pg.port}/${{DB_NAME:-unused}}\n"
        "[lock]\ntimeout = 5s\n")
    r = runner(["--", "true"], env=clean_env(DB_PASSWORD=PASSWORD, DB_NAME=dbname))
    assert r.returncode == 0, r.stderr
    assert pg.database_exists(dbname)
    assert PASSWORD not in r.stderr


def test_config_file_error_names_file_and_line(runner, workdir):
    (workdir / "migrate.ini").write_text("[wait]\ntimeout = 30s\n[verify]\nmin_table = 126\n")
    r = runner(["--", "true"])
    assert r.returncode == 3
    assert r.stderr.strip() == ('migrate-entry: error: migrate.ini:4: unknown key "min_table" '
                                'in section [verify]')


def test_unset_variable_in_config_is_named(runner, workdir):
    (workdir / "app.ini").write_text("[database]\nurl = postgresql://${NOT_SET_ANYWHERE}/db\n")
    r = runner(["--config", "app.ini", "--", "true"])
    assert r.returncode == 3
    assert 'app.ini:2: database.url: environment variable "NOT_SET_ANYWHERE" is not set' in r.stderr


def test_flag_beats_environment_beats_file(pg, dbname, runner, workdir):
    bad = free_port()
    (workdir / "migrate.ini").write_text(
        f"[database]\nurl = postgresql://postgres:{PASSWORD}@127.0.0.1:{bad}/{dbname}\n"
        "[wait]\ntimeout = 1s\n")
    # file alone: nothing listens there
    assert runner(["--", "true"]).returncode == 4
    # the environment overrides the file
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0, r.stderr
    # a flag overrides the environment
    r = runner(["--database-url", f"postgresql://postgres:{PASSWORD}@127.0.0.1:{bad}/{dbname}",
                "--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 4


def test_bad_duration_in_environment(runner):
    r = runner(["--", "true"], env=clean_env(MIGRATE_WAIT_TIMEOUT="soon"))
    assert r.returncode == 3
    assert 'MIGRATE_WAIT_TIMEOUT: invalid wait.timeout "soon"' in r.stderr


def test_alembic_ini_url_is_used_without_migrate_ini(pg, dbname, runner, workdir):
    url = pg.url(dbname, scheme="postgresql+psycopg2").replace("%", "%%")
    (workdir / "alembic.ini").write_text(
        "[alembic]\nscript_location = alembic\n"
        f"sqlalchemy.url = {url}\n\n[loggers]\nkeys = root\n")
    r = runner(["--", "true"])
    assert r.returncode == 0, r.stderr
    assert pg.database_exists(dbname)


def test_progress_line_while_waiting(dbname, runner):
    port = free_port()
    r = runner(["--wait-timeout", "6s", "--", "true"],
               env=clean_env(DATABASE_URL=f"postgresql://u:p@127.0.0.1:{port}/{dbname}"))
    assert r.returncode == 4
    progress = [l for l in r.stderr.splitlines() if l.startswith("migrate-entry: waiting for postgresql")]
    assert progress, r.stderr
    assert f"u@127.0.0.1:{port}/{dbname}" in progress[0]
    assert "attempts): Connection refused" in progress[0]
