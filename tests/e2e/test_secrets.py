"""What the tool keeps to itself (docs/reference.md §7.7, §5.3): the program after `--`
gets the environment the tool was started with minus MIGRATE_* and minus what the tool
derived (a PGPASSWORD read from PGPASSWORD_FILE); a password given on the command line
is gone from /proc/<pid>/cmdline while the tool runs."""
import http.server
import json
import subprocess
import sys
import threading

import pytest

from conftest import BIN, clean_env
from pgcluster import PASSWORD

PY = sys.executable
PRINT_ENV = "import json, os; print(json.dumps(dict(os.environ)))"
MODES = [[], ["--init"]]


def program_env(args, env, cwd):
    """Run the entrypoint with a program that prints its environment; that environment."""
    r = subprocess.run([BIN, *args, "--", PY, "-c", PRINT_ENV], env=env, cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("mode", MODES, ids=["exec", "init"])
def test_pgpassword_read_from_a_file_is_not_passed_on(pg, dbname, workdir, mode):
    pw = workdir / "pw"
    pw.write_text(PASSWORD + "\n")
    env = clean_env(PGHOST="127.0.0.1", PGPORT=pg.port, PGUSER="postgres", PGDATABASE=dbname,
                    PGPASSWORD_FILE=pw)
    got = program_env(mode, env, workdir)
    assert pg.database_exists(dbname)  # the tool itself did use the password
    assert "PGPASSWORD" not in got
    assert PASSWORD not in json.dumps(got)
    # what the user set is passed on: the file's name, the other libpq variables
    assert got["PGPASSWORD_FILE"] == str(pw)
    assert (got["PGHOST"], got["PGUSER"], got["PGDATABASE"]) == ("127.0.0.1", "postgres", dbname)


@pytest.mark.parametrize("mode", MODES, ids=["exec", "init"])
def test_migrate_variables_are_not_passed_on_database_url_is(pg, dbname, workdir, mode):
    app_url = "postgresql://app@pgbouncer:6432/app"  # the application's own, unused by the tool
    env = clean_env(MIGRATE_DATABASE_URL=pg.url(dbname), DATABASE_URL=app_url,
                    MIGRATE_WAIT_TIMEOUT="30s", MIGRATE_LOG_LEVEL="info", APP_SETTING="kept")
    got = program_env(mode, env, workdir)
    assert [k for k in got if k.startswith("MIGRATE_")] == []
    assert PASSWORD not in json.dumps(got)
    assert got["DATABASE_URL"] == app_url
    assert got["APP_SETTING"] == "kept"


def test_variables_the_user_set_are_passed_on_unchanged(pg, dbname, workdir):
    env = clean_env(DATABASE_URL=pg.url(dbname), PGPASSWORD=PASSWORD, PGAPPNAME="the-app")
    got = program_env([], env, workdir)
    assert got["DATABASE_URL"] == pg.url(dbname)
    assert got["PGPASSWORD"] == PASSWORD
    assert got["PGAPPNAME"] == "the-app"
    expected = {k: v for k, v in env.items()}
    assert {k: got.get(k) for k in expected} == expected


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_passwords_on_the_command_line_are_gone_from_proc_cmdline(pg, dbname, workdir):
    pg.sql(f'CREATE DATABASE "{dbname}"')
    # a second role whose password is shorter than "***"
    pg.sql("DO $$BEGIN CREATE ROLE pw2 LOGIN SUPERUSER PASSWORD 'q7'; "
           "EXCEPTION WHEN duplicate_object THEN NULL; END$$")
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    holder = pg.connect(dbname)
    holder.cursor().execute("SELECT pg_advisory_lock(7883946363647714593)")
    # work to do, so that the tool takes the lock (with nothing to do it would not wait)
    (workdir / "sql" / "init" / "20250101").mkdir(parents=True)
    (workdir / "sql" / "init" / "20250101" / "01_t.sql").write_text("CREATE TABLE t (id int);\n")
    service = f"http://svc:HttpS3cret@127.0.0.1:{httpd.server_address[1]}/"
    args = [BIN, "--database-url", pg.url(dbname), f"--wait={service}",
            "--wait", f"tcp://127.0.0.1:{pg.port} http://u:q7@127.0.0.1:{httpd.server_address[1]}/",
            "--", "true"]
    try:
        p = subprocess.Popen(args, env=clean_env(no_proxy="*"), cwd=workdir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in p.stderr:  # the tool now waits for the lock: it is mid-run
            if "waiting for the migration lock" in line:
                break
        with open(f"/proc/{p.pid}/cmdline", "rb") as f:
            cmdline = f.read()
        holder.close()
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    finally:
        httpd.shutdown()
    shown = [a.decode() for a in cmdline.split(b"\0") if a]
    assert PASSWORD.encode() not in cmdline and b"HttpS3cret" not in cmdline and b"q7" not in cmdline
    assert pg.url(dbname).replace(PASSWORD, "***") in shown
    assert f"--wait=http://svc:***@127.0.0.1:{httpd.server_address[1]}/" in shown
    assert f"tcp://127.0.0.1:{pg.port} http://u:**@127.0.0.1:{httpd.server_address[1]}/" in shown
    assert shown[-2:] == ["--", "true"]


def test_help_recommends_the_file_form_for_a_password():
    r = subprocess.run([BIN, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=10)
    line = next(l for l in r.stdout.splitlines() if "--database-url" in l)
    assert "DATABASE_URL_FILE" in line
