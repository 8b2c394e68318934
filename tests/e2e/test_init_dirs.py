"""Init directories (docs/reference.md §8): dated subdirectories in chronological order,
natural file order, run-once bookkeeping with SHA-256, changed files,
adoption of an Alembic-stamped database, the refusal on a non-empty schema
with no history, and the missing-directory rules.
"""
import hashlib
import os
import pty
import subprocess

import pytest

from conftest import MIGRATE, clean_env, run
from initlib import bookkeeping, db, migrate, psql_file, query, tables, write  # noqa: F401


def recorder(tag):
    """An init script that appends its tag to run_order (in run order)."""
    return ("CREATE TABLE IF NOT EXISTS run_order (seq serial PRIMARY KEY, tag text);\n"
            f"INSERT INTO run_order (tag) VALUES ('{tag}');\n")


def run_order(pg, dbname):
    return [t for (t,) in query(pg, dbname, "SELECT tag FROM run_order ORDER BY seq")]


def test_dated_directories_run_in_date_order_not_name_order(pg, db, tmp_path):
    write(tmp_path, {"sql/init/12312024/01_a.sql": recorder("2024-12-31"),
                     "sql/init/01012025/01_a.sql": recorder("2025-01-01")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert run_order(pg, db) == ["2024-12-31", "2025-01-01"]


def test_all_three_date_spellings_sort_together(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20250101/01.sql": recorder("20250101"),
                     "sql/init/2024-12-31/01.sql": recorder("2024-12-31"),
                     "sql/init/12302024/01.sql": recorder("12302024"),
                     "sql/init/2024-06-01/01.sql": recorder("2024-06-01"),
                     "sql/init/08032025/01.sql": recorder("08032025")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert run_order(pg, db) == ["2024-06-01", "12302024", "2024-12-31", "20250101", "08032025"]


@pytest.mark.parametrize("name", ["latest", "2025-13-01", "20250231", "2025-1-1"])
def test_a_directory_that_is_not_a_date_is_a_configuration_error(pg, db, tmp_path, name):
    write(tmp_path, {"sql/init/20240101/01.sql": recorder("ok"),
                     f"sql/init/{name}/01.sql": recorder("bad")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 3, r.stderr
    assert f'"sql/init/{name}"' in r.stderr
    assert tables(pg, db) == []


def test_files_run_in_natural_order_and_other_files_are_ignored(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20240101/10_x.sql": recorder("10_x"),
                     "sql/init/20240101/2_x.sql": recorder("2_x"),
                     "sql/init/20240101/1_x.sql": recorder("1_x"),
                     "sql/init/20240101/9_y.sql": recorder("9_y"),
                     "sql/init/20240101/README.md": "not sql",
                     "sql/init/20240101/3_x.sql.bak": recorder("backup"),
                     "sql/init/20240101/notes.txt": recorder("text")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert run_order(pg, db) == ["1_x", "2_x", "9_y", "10_x"]
    assert sorted(bookkeeping(pg, db)) == ["20240101/10_x.sql", "20240101/1_x.sql",
                                           "20240101/2_x.sql", "20240101/9_y.sql"]


def test_a_script_beside_the_dated_directories_is_named_and_not_run(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20240101/1_x.sql": recorder("1_x"),
                     "sql/init/stray.sql": recorder("stray"),
                     "sql/init/baseline.tables": "public.t\n"})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("sql/init/stray.sql is not in a dated directory and does not run") == 1, \
        r.stderr
    assert "baseline.tables" not in r.stderr
    assert run_order(pg, db) == ["1_x"]
    # the entrypoint looks for the files three times (the check, whether there is work,
    # the run); it names the stray script once
    for _ in range(2):
        r = run(["--", "true"], env=clean_env(DATABASE_URL=pg.url(db)), cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert r.stderr.count("sql/init/stray.sql is not in a dated directory") == 1, r.stderr
    assert run_order(pg, db) == ["1_x"]


def test_each_file_runs_once_with_its_sha256_recorded(pg, db, tmp_path):
    files = {"sql/init/20240101/01_a.sql": recorder("a"),
             "sql/init/20240101/02_b.sql": recorder("b")}
    write(tmp_path, files)
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 of 2 scripts ran" in r.stderr
    rows = query(pg, db, "SELECT path, sha256, status, applied_at IS NOT NULL, duration_ms >= 0 "
                         "FROM migrate_entry_init ORDER BY path")
    assert rows == [
        (p.removeprefix("sql/init/"), hashlib.sha256(c.encode()).hexdigest(), "applied", True, True)
        for p, c in sorted(files.items())]

    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "0 of 2 scripts ran" in r.stderr
    assert run_order(pg, db) == ["a", "b"]

    # a new file (in a new dated directory) runs, alone
    write(tmp_path, {"sql/init/20240201/01_c.sql": recorder("c")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 of 3 scripts ran" in r.stderr
    assert run_order(pg, db) == ["a", "b", "c"]


def test_a_changed_applied_file_warns_and_is_not_run_again(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20240101/01_a.sql": recorder("a")})
    assert migrate(pg, db, tmp_path).returncode == 0
    before = bookkeeping(pg, db)
    write(tmp_path, {"sql/init/20240101/01_a.sql": recorder("a") + "-- edited\n"})

    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "warning" in r.stderr
    assert "sql/init/20240101/01_a.sql changed after it was applied" in r.stderr
    assert run_order(pg, db) == ["a"]
    assert bookkeeping(pg, db) == before

    r = migrate(pg, db, tmp_path, "--strict")
    assert r.returncode == 7, r.stderr  # verification failed (docs/reference.md §6)
    assert "error" in r.stderr
    assert "sql/init/20240101/01_a.sql changed after it was applied" in r.stderr
    assert run_order(pg, db) == ["a"]


def test_strict_does_not_stop_before_later_files_when_nothing_changed(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20240101/01_a.sql": recorder("a")})
    assert migrate(pg, db, tmp_path, "--strict").returncode == 0
    write(tmp_path, {"sql/init/20240101/02_b.sql": recorder("b")})
    r = migrate(pg, db, tmp_path, "--strict")
    assert r.returncode == 0, r.stderr
    assert run_order(pg, db) == ["a", "b"]


ALEMBIC_DDL = ("CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n"
               "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)")


def test_adopts_a_database_set_up_by_psql_and_stamped_by_alembic(pg, db, tmp_path):
    files = {"sql/init/08032025/01_schema.sql": "CREATE TABLE adopted (id int);\n"
                                                "INSERT INTO adopted VALUES (1);\n",
             "sql/init/08032025/02_more.sql": "CREATE TABLE adopted_too (id int);\n"}
    write(tmp_path, files)
    for path in sorted(files):  # the old shell script
        assert psql_file(pg, db, tmp_path / path).returncode == 0
    query(pg, db, ALEMBIC_DDL)
    query(pg, db, "INSERT INTO alembic_version VALUES ('3be61ad5f00f')")

    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "3be61ad5f00f" in r.stderr
    assert bookkeeping(pg, db) == {
        p.removeprefix("sql/init/"): (hashlib.sha256(c.encode()).hexdigest(), "baselined")
        for p, c in files.items()}
    assert query(pg, db, "SELECT count(*) FROM adopted") == [(1,)]  # not run again

    # later files run normally
    write(tmp_path, {"sql/init/08042025/01_new.sql": recorder("new")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert run_order(pg, db) == ["new"]
    assert bookkeeping(pg, db)["08042025/01_new.sql"][1] == "applied"


def test_non_empty_schema_without_history_is_refused_with_a_baseline_hint(pg, db, tmp_path):
    query(pg, db, "CREATE TABLE made_by_hand (id int)")
    write(tmp_path, {"sql/init/20240101/01_a.sql": recorder("a")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 7, r.stderr
    assert 'schema "public" already holds 1 table' in r.stderr
    assert "migrate baseline" in r.stderr
    assert tables(pg, db) == ["made_by_hand"]
    assert bookkeeping(pg, db) == {}


def test_empty_alembic_version_table_is_not_adoption(pg, db, tmp_path):
    """Alembic's table without a row says nothing ran: init runs normally."""
    query(pg, db, ALEMBIC_DDL)
    write(tmp_path, {"sql/init/20240101/01_a.sql": recorder("a")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert run_order(pg, db) == ["a"]


def test_missing_default_init_directory_is_nothing_to_do(pg, db, tmp_path):
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'no init scripts in "sql/init"' in r.stderr
    assert bookkeeping(pg, db) == {}


@pytest.mark.parametrize("how", ["flag", "env"])
def test_missing_init_directory_named_explicitly_is_a_configuration_error(pg, db, tmp_path, how):
    if how == "flag":
        r = migrate(pg, db, tmp_path, "--init-dir", "db/init")
    else:
        r = migrate(pg, db, tmp_path,
                    env=clean_env(DATABASE_URL=pg.url(db), MIGRATE_INIT_DIR="db/init"))
    assert r.returncode == 3, r.stderr
    assert '"db/init" does not exist' in r.stderr


def test_init_dir_flag_selects_another_tree(pg, db, tmp_path):
    write(tmp_path, {"db/init/20240101/01_a.sql": recorder("from db/init"),
                     "sql/init/20240101/01_a.sql": recorder("from sql/init")})
    r = migrate(pg, db, tmp_path, "--init-dir", "db/init")
    assert r.returncode == 0, r.stderr
    assert run_order(pg, db) == ["from db/init"]


def test_progress_bar_on_a_terminal_plain_lines_otherwise(pg, db, tmp_path):
    rows = "".join(f"{i}\t{'x' * 100}\n" for i in range(60000))  # ~6 MB
    write(tmp_path, {"sql/init/20240101/01_big.sql":
                     "CREATE TABLE big (id int, v text);\nCOPY big FROM stdin;\n" + rows + "\\.\n"})
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([MIGRATE, "init"], env=clean_env(DATABASE_URL=pg.url(db)),
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        assert p.wait(timeout=60) == 0, out
    finally:
        os.close(master)
    # drawn (at most ten times a second, so maybe only once) and cleared
    assert b"\rmigrate: [" in out and b"/6 MiB 20240101/01_big.sql" in out
    assert b"\r\x1b[K" in out
    assert query(pg, db, "SELECT count(*) FROM big") == [(60000,)]

    # piped: no bar, only log lines
    query(pg, db, "DELETE FROM migrate_entry_init")
    query(pg, db, "DROP TABLE big")
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr and "%" not in r.stderr
    assert "ran init script 20240101/01_big.sql" in r.stderr


def _init_on_a_terminal(pg, db, cwd):
    """`migrate init` with stderr on a pty: (exit code, every byte written to the terminal)."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([MIGRATE, "init"], env=clean_env(DATABASE_URL=pg.url(db)),
                             cwd=cwd, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        return p.wait(timeout=60), out
    finally:
        os.close(master)


def test_progress_bar_with_a_long_file_name_stays_in_its_buffer(pg, db, tmp_path):
    # The bar's line is formatted into 256 bytes; a 240-character name makes it longer.
    # Only what fits is written: before, write() was given snprintf's would-be length and
    # sent the terminating NUL and the stack beyond it (AddressSanitizer: stack over-read).
    name = "a" * 236 + ".sql"
    rows = "".join(f"{i}\t{'x' * 100}\n" for i in range(45000))  # ~4.5 MB
    write(tmp_path, {f"sql/init/20240101/{name}":
                     "CREATE TABLE big (id int, v text);\nCOPY big FROM stdin;\n" + rows + "\\.\n"})
    rc, out = _init_on_a_terminal(pg, db, tmp_path)
    assert rc == 0, out
    assert b"\rmigrate: [" in out
    assert b"\x00" not in out
    bars = [seg for seg in out.split(b"\r") if seg.startswith(b"migrate: [")]
    assert bars and all(len(seg) <= 254 for seg in bars), [len(s) for s in bars]
    assert query(pg, db, "SELECT count(*) FROM big") == [(45000,)]


def test_bookkeeping_lives_in_the_version_table_schema(pg, db, tmp_path):
    query(pg, db, "CREATE SCHEMA meta")
    write(tmp_path, {"sql/init/20240101/01_a.sql": recorder("a")})
    env = clean_env(DATABASE_URL=pg.url(db), MIGRATE_MIGRATIONS_VERSION_TABLE_SCHEMA="meta")
    r = migrate(pg, db, tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert query(pg, db, "SELECT path, status FROM meta.migrate_entry_init") == [
        ("20240101/01_a.sql", "applied")]
    assert bookkeeping(pg, db) == {}  # nothing in public
    r = migrate(pg, db, tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert run_order(pg, db) == ["a"]
