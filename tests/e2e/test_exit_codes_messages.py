"""Limits, exit codes and messages (issue 12; docs/reference.md §4.2, §4.5, §6, §7.2, §7.10):
config lines of any reasonable length and a NUL byte named, permission refused (42501)
is exit 5 wherever it comes from, a TLS misconfiguration is exit 3 also when libpq
reports it during the handshake, a missing CONNECT privilege says nothing about the
password, PGPASSWORD and PGPASSWORD_FILE together are a configuration error, and JSON
logs stay valid JSON whatever bytes they carry.
"""
import json

import pytest

from conftest import BIN, MIGRATE, clean_env, run
from initlib import db, query, write  # noqa: F401
from pgcluster import PASSWORD


def low_role(pg, name, create_on_public=False):
    """A login role with no privileges beyond PUBLIC's (PostgreSQL 15: no CREATE on public)."""
    pg.sql(f"DROP ROLE IF EXISTS {name}")
    pg.sql(f"CREATE ROLE {name} LOGIN PASSWORD 'pw-{name}'")
    return f"pw-{name}"


# ---- config lines ------------------------------------------------------------------------

def test_a_236_character_url_line_in_migrate_ini(pg, db, workdir):
    url = pg.url(db) + "?connect_timeout=10&sslmode=disable&options=-c%20search_path%3Dpublic"
    url += "&application_name=" + "a" * (236 - len("url = ") - len(url) - 18)
    line = f"url = {url}"
    assert len(line) == 236  # Debian's libinih alone refuses more than 198
    (workdir / "migrate.ini").write_text(f"[database]\n{line}\n")
    r = run(["--", "true"], env=clean_env(), cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert "line too long" not in r.stderr


def test_a_nul_byte_in_migrate_ini_has_its_own_message(workdir):
    (workdir / "migrate.ini").write_bytes(b"[wait]\ntimeout = 5s\x00\n")
    r = run(["--", "true"], env=clean_env(), cwd=workdir)
    assert r.returncode == 3, r.stderr
    assert "migrate.ini:2: the line holds a NUL byte" in r.stderr
    assert "too long" not in r.stderr


# ---- secrets --------------------------------------------------------------------------------

def test_pgpassword_and_pgpassword_file_both_set_is_exit_3(pg, dbname, workdir):
    (workdir / "pw").write_text(PASSWORD + "\n")
    url = f"postgresql://postgres@127.0.0.1:{pg.port}/{dbname}"
    r = run(["--", "true"], env=clean_env(DATABASE_URL=url, PGPASSWORD=PASSWORD,
                                          PGPASSWORD_FILE="pw"), cwd=workdir)
    assert r.returncode == 3, r.stderr
    assert "both PGPASSWORD and PGPASSWORD_FILE are set" in r.stderr
    assert PASSWORD not in r.stderr
    assert not pg.database_exists(dbname)


# ---- permission refused: exit 5 --------------------------------------------------------------

def test_missing_connect_privilege_is_exit_5_without_a_word_about_the_password(pg, db, workdir):
    pw = low_role(pg, "noconnect_r")
    pg.sql(f'REVOKE CONNECT ON DATABASE "{db}" FROM PUBLIC')
    url = pg.url(db, user="noconnect_r", password=pw)
    for binary, args in ((BIN, ["--", "true"]), (MIGRATE, ["current"]), (MIGRATE, ["init"])):
        r = run(args, env=clean_env(DATABASE_URL=url), cwd=workdir, binary=binary)
        assert r.returncode == 5, r.stderr
        assert "CONNECT privilege" in r.stderr
        hint = [l for l in r.stderr.splitlines() if "hint:" in l]
        assert hint and f'GRANT CONNECT ON DATABASE "{db}" TO "noconnect_r"' in hint[0]
        assert "password" not in hint[0]


def test_no_create_on_the_schema_of_the_tools_tables_is_exit_5(pg, db, workdir):
    pw = low_role(pg, "nocreate_schema_r")
    write(workdir, {"sql/init/20240101/01.sql": "SELECT 1;\n"})
    url = pg.url(db, user="nocreate_schema_r", password=pw)
    r = run(["init"], env=clean_env(DATABASE_URL=url), cwd=workdir, binary=MIGRATE)
    assert r.returncode == 5, r.stderr
    assert "permission denied for schema public" in r.stderr
    assert 'GRANT CREATE ON SCHEMA public TO "nocreate_schema_r"' in r.stderr


def test_a_privilege_an_init_script_lacks_is_exit_5_and_rolled_back(pg, db, workdir):
    pw = low_role(pg, "script_r")
    query(pg, db, "GRANT CREATE ON SCHEMA public TO script_r")
    write(workdir, {"sql/init/20240101/01.sql": "CREATE TABLE made (id int);\n"
                                                "CREATE ROLE not_allowed_here;\n"})
    url = pg.url(db, user="script_r", password=pw)
    r = run(["init"], env=clean_env(DATABASE_URL=url), cwd=workdir, binary=MIGRATE)
    assert r.returncode == 5, r.stderr
    assert "01.sql:2:1: permission denied to create role (SQLSTATE 42501)" in r.stderr
    assert "the script was rolled back" in r.stderr
    assert query(pg, db, "SELECT to_regclass('public.made') IS NULL") == [(True,)]


# ---- TLS: exit 3 also after polling began ------------------------------------------------

def test_tls_required_by_a_server_without_it_is_a_configuration_error(pg, dbname, workdir):
    # libpq learns that the server refuses TLS only during the handshake
    r = run(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname) + "?sslmode=require"),
            cwd=workdir)
    assert r.returncode == 3, r.stderr
    assert "SSL was required" in r.stderr
    assert "sslmode" in r.stderr.splitlines()[-1]
    # …as when it is seen before connecting
    r = run(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname) + "?sslmode=bogus"),
            cwd=workdir)
    assert r.returncode == 3, r.stderr


# ---- JSON logs --------------------------------------------------------------------------------

def json_lines(stderr_bytes):
    """Every stderr line as a JSON object; fails on invalid UTF-8 or JSON."""
    text = stderr_bytes.decode("utf-8")  # strict: no invalid UTF-8 got through
    objs = [json.loads(line) for line in text.splitlines()]
    assert objs
    return objs


def run_bytes(args, env, cwd, binary=MIGRATE):
    import subprocess
    return subprocess.run([binary] + args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def test_json_logs_stay_valid_with_latin1_bytes_in_the_config_file(workdir):
    (workdir / "migrate.ini").write_bytes(b"[wait]\ntimeout = 5\xe9s\x1b[31m\n")
    r = run_bytes(["--log-format", "json", "wait"], clean_env(), workdir)
    assert r.returncode == 3
    objs = json_lines(r.stderr)
    assert objs[0]["level"] == "error"
    assert "5\ufffds\x1b[31m" in objs[0]["msg"]


def test_json_logs_stay_valid_with_a_latin1_script_name_and_server_message(pg, db, workdir):
    write(workdir, {
        "sql/init/20240101/01_notice.sql":
            "SET client_encoding = 'LATIN1';\n"
            "DO $$ BEGIN RAISE NOTICE 'caf%', chr(233); END $$;\n",
        b"sql/init/20240101/02_caf\xe9.sql".decode("utf-8", "surrogateescape"):
            "SELECT 1/0;\n",
    })
    r = run_bytes(["--log-format", "json", "init"], clean_env(DATABASE_URL=pg.url(db)),
                  workdir)
    assert r.returncode == 6, r.stderr
    objs = json_lines(r.stderr)
    msgs = [o["msg"] for o in objs]
    assert any(m.startswith("server: ") and "caf\ufffd" in m for m in msgs), msgs
    assert any("02_caf\ufffd.sql" in m and "division by zero" in m for m in msgs), msgs


# ---- the lock holder of another role --------------------------------------------------------

def test_the_lock_holder_of_another_role_is_named_with_its_client_address(pg, db, workdir):
    """pg_stat_activity hides another role's client address; the holder
    publishes it in its lock connection's application_name."""
    import subprocess
    import time
    pw = low_role(pg, "lockwaiter_r")
    write(workdir, {"sql/init/20240101/01_hold.sql": "SELECT pg_advisory_lock(4242);\n"
                                                     "SELECT pg_advisory_unlock(4242);\n"})
    gate = pg.connect(db)
    gate.cursor().execute("SELECT pg_advisory_lock(4242)")
    holder = subprocess.Popen([MIGRATE, "init"],
                              env=clean_env(DATABASE_URL=pg.url(db), MIGRATE_INIT_LOCK_TIMEOUT="0"),
                              cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        # the holder's script waits for the gate: it holds the migration lock
        deadline = time.monotonic() + 30
        while not query(pg, db, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                                "AND objid = 4242 AND NOT granted"):
            assert holder.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        r = run(["init", "--lock-wait", "1s"],
                env=clean_env(DATABASE_URL=pg.url(db, user="lockwaiter_r", password=pw)),
                cwd=workdir, binary=MIGRATE)
        assert r.returncode == 8, r.stderr
        assert "waiting for the migration lock held by pid" in r.stderr
        line = [l for l in r.stderr.splitlines() if "error:" in l][0]
        assert "(migrate-entry@" in line
        assert "from 127.0.0.1, connected" in line, line
        assert "[from" not in line
    finally:
        gate.close()
        _, err = holder.communicate(timeout=60)
    assert holder.returncode == 0, err
