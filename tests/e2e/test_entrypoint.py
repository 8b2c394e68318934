"""The entrypoint pipeline end to end: wait, create, lock, exec."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import BIN, MIGRATE, clean_env, run
from pgcluster import PASSWORD, Cluster, free_port

PY = sys.executable


def test_missing_database_is_created_and_command_execd_with_same_pid(pg, dbname, workdir):
    assert not pg.database_exists(dbname)
    p = subprocess.Popen([BIN, "--", PY, "-c", "import os; print(os.getpid())"],
                         env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert out.strip() == str(p.pid), "the program must replace the entrypoint (same pid)"
    assert pg.database_exists(dbname)
    assert f'created database "{dbname}"' in err
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("migrate-entry: ready in ")
    assert "database created in" in summary and "exec " in summary


def test_warm_start_with_nothing_to_do_uses_one_connection(pg, dbname, runner):
    """Nothing to do needs no migration lock, so no lock connection (docs/reference.md §7.4)."""
    pg.sql(f'CREATE DATABASE "{dbname}"')
    before = pg.log_size()
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0, r.stderr
    log = pg.log_since(before)
    authorized = [l for l in log.splitlines()
                  if "connection authorized" in l and "migrate-entry" in l]
    assert len(authorized) == 1, log
    assert all(f"database={dbname}" in a for a in authorized)
    assert "database exists" in r.stderr and "; no lock needed;" in r.stderr


def test_cold_start_goes_through_maintenance_database(pg, dbname, runner):
    before = pg.log_size()
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0, r.stderr
    log = pg.log_since(before)
    authorized = [l for l in log.splitlines()
                  if "connection authorized" in l and "migrate-entry" in l]
    # target (answers 3D000), maintenance database, the new target, the lock's connection
    dbs = [l.split("database=")[1].split()[0] for l in authorized]
    assert dbs == [dbname, "postgres", dbname, dbname], log


def test_no_command_after_bootstrap_exits_zero(pg, dbname, runner):
    r = runner([], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0, r.stderr
    assert pg.database_exists(dbname)
    assert "exec" not in r.stderr.strip().splitlines()[-1]


def test_entrypoint_started_before_server_proceeds_once_it_is_up(dbname, workdir):
    late = Cluster("late")
    try:
        port = free_port()
        url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/{dbname}"
        p = subprocess.Popen([BIN, "--log-level", "debug", "--wait-timeout", "120s", "--", "echo",
                              "app-started"],
                             env=clean_env(DATABASE_URL=url), cwd=workdir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Proceed only once the entrypoint has really tried and failed.
        for line in p.stderr:
            if "not ready" in line:
                break
        assert p.poll() is None
        late.start(port=port)
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert out.strip() == "app-started"
        assert late.database_exists(dbname)
    finally:
        if p.poll() is None:
            p.kill()
        late.destroy()


def test_no_server_times_out_with_exit_4(dbname, runner):
    port = free_port()
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/{dbname}"
    t0 = time.monotonic()
    r = runner(["--wait-timeout", "1s", "--", "true"], env=clean_env(DATABASE_URL=url))
    elapsed = time.monotonic() - t0
    assert r.returncode == 4, r.stderr
    assert elapsed >= 0.9
    assert elapsed < 20
    assert f"timed out after 1.0s waiting for postgresql at postgres@127.0.0.1:{port}/{dbname}" in r.stderr
    assert "Connection refused" in r.stderr
    assert PASSWORD not in r.stderr + r.stdout


def test_wrong_password_fails_at_once_with_exit_5_and_never_prints_it(pg, dbname, runner):
    wrong = "Wr0ng-Passw0rd-xyz"
    url = pg.url(dbname, password=wrong)
    before = pg.log_size()
    t0 = time.monotonic()
    r = runner(["--wait-timeout", "60s", "--", "true"], env=clean_env(DATABASE_URL=url))
    elapsed = time.monotonic() - t0
    assert r.returncode == 5, r.stderr
    assert "password authentication failed" in r.stderr
    assert "hint:" in r.stderr
    assert wrong not in r.stderr + r.stdout
    assert elapsed < 10, "authentication failures must not be retried until the timeout"
    # exactly one attempt reached the server
    assert pg.log_since(before).count("password authentication failed") == 1


def test_password_never_printed_in_config_errors(runner):
    r = runner(["--database-url", "postgresql://u:TopSecret99@h/db?bogus=1"])
    assert r.returncode == 3, r.stderr
    assert "TopSecret99" not in r.stderr
    assert 'invalid database URL "postgresql://u:***@h/db?bogus=1"' in r.stderr
    r = runner(["--database-url", "postgresql://u:TopSecret99@h:notaport/db"])
    assert r.returncode == 3, r.stderr
    assert "TopSecret99" not in r.stderr
    assert 'invalid integer value "notaport" for connection option "port"' in r.stderr


def test_database_url_file_secret(pg, dbname, runner, workdir):
    secret = workdir / "db_url"
    secret.write_text(pg.url(dbname) + "\n")
    r = runner(["--", "true"], env=clean_env(DATABASE_URL_FILE=secret))
    assert r.returncode == 0, r.stderr
    assert pg.database_exists(dbname)


def test_both_variable_and_file_is_a_config_error(pg, dbname, runner, workdir):
    secret = workdir / "db_url"
    secret.write_text(pg.url(dbname))
    r = runner(["--", "true"], env=clean_env(DATABASE_URL_FILE=secret, DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 3
    assert "both DATABASE_URL and DATABASE_URL_FILE are set" in r.stderr


def test_pgpassword_file_for_libpq_variables(pg, dbname, runner, workdir):
    pw = workdir / "pw"
    pw.write_text(PASSWORD + "\n")
    env = clean_env(PGHOST="127.0.0.1", PGPORT=pg.port, PGUSER="postgres", PGDATABASE=dbname,
                    PGPASSWORD_FILE=pw)
    r = runner(["--", "true"], env=env)
    assert r.returncode == 0, r.stderr
    assert pg.database_exists(dbname)


@pytest.mark.parametrize("scheme", ["postgresql+psycopg2", "postgres", "postgresql+asyncpg"])
def test_sqlalchemy_and_short_url_forms(pg, dbname, runner, scheme):
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname, scheme=scheme)))
    assert r.returncode == 0, r.stderr
    assert pg.database_exists(dbname)


def test_libpq_keyword_value_conninfo(pg, dbname, runner):
    conninfo = f"host=127.0.0.1 port={pg.port} user=postgres password={PASSWORD} dbname={dbname}"
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=conninfo))
    assert r.returncode == 0, r.stderr
    assert PASSWORD not in r.stderr


def test_unsupported_url_scheme(runner):
    r = runner(["--", "true"], env=clean_env(DATABASE_URL="mysql://u:p@h/db"))
    assert r.returncode == 3
    assert 'unsupported database URL scheme "mysql"' in r.stderr


def test_missing_command_exits_127(pg, dbname, runner):
    r = runner(["--", "no-such-program-xyz"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 127
    assert 'cannot run "no-such-program-xyz": command not found' in r.stderr


def test_not_executable_exits_126(pg, dbname, runner, workdir):
    f = workdir / "script.sh"
    f.write_text("#!/bin/sh\necho hi\n")
    f.chmod(0o644)
    r = runner(["--", str(f)], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 126
    assert "Permission denied" in r.stderr


def test_no_create_with_missing_database(pg, dbname, runner):
    r = runner(["--skip", "create", "--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 1
    assert f'database "{dbname}" does not exist' in r.stderr
    assert not pg.database_exists(dbname)


def test_concurrent_creators_all_succeed(pg, dbname, workdir):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    procs = [subprocess.Popen([BIN, "--", "true"], env=env, cwd=workdir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all(rc == 0 for rc, _ in results), results
    assert sum('created database' in err for _, err in results) == 1
    assert pg.database_exists(dbname)


def test_create_without_privilege_is_exit_5(pg, dbname, runner):
    role = "nocreate_" + dbname
    pg.sql(f"CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'")
    url = pg.url(dbname, user=role, password=f"pw-{role}")
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=url))
    assert r.returncode == 5, r.stderr
    assert f'cannot create database "{dbname}"' in r.stderr
    assert "permission denied" in r.stderr
    assert "CREATEDB" in r.stderr


def test_no_connect_privilege_is_exit_5(pg, dbname, runner):
    role = "noconn_" + dbname
    pg.sql(f'CREATE DATABASE "{dbname}"')
    pg.sql(f'REVOKE CONNECT ON DATABASE "{dbname}" FROM PUBLIC')
    pg.sql(f"CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'")
    t0 = time.monotonic()
    r = runner(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname, user=role,
                                                                  password=f"pw-{role}")))
    assert r.returncode == 5, r.stderr
    assert "permission denied for database" in r.stderr
    assert time.monotonic() - t0 < 10


def test_sigterm_while_waiting_exits_promptly_with_143(dbname, workdir):
    url = f"postgresql://postgres:x@127.0.0.1:{free_port()}/{dbname}"
    p = subprocess.Popen([BIN, "--log-level", "debug", "--wait-timeout", "120s", "--", "true"],
                         env=clean_env(DATABASE_URL=url), cwd=workdir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "not ready" in line:
            break
    p.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    rc = p.wait(timeout=10)
    elapsed = time.monotonic() - t0
    rest = p.stderr.read()
    p.stdout.close()
    p.stderr.close()
    assert rc == 128 + signal.SIGTERM
    assert "interrupted by SIGTERM" in rest
    assert elapsed < 2.0


@pytest.fixture
def pending_workdir(workdir):
    """A project with one init script not yet run: work to do, so the lock is taken."""
    init = workdir / "sql" / "init" / "08032025"
    init.mkdir(parents=True)
    (init / "01_table.sql").write_text("CREATE TABLE pending_work (id int);\n")
    return workdir


def test_sigint_while_waiting_for_lock_exits_130(pg, dbname, pending_workdir):
    workdir = pending_workdir
    pg.sql(f'CREATE DATABASE "{dbname}"')
    holder = pg.connect(dbname)
    try:
        holder.cursor().execute("SELECT pg_advisory_lock(7883946363647714593)")
        p = subprocess.Popen([BIN, "--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)),
                             cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        for line in p.stderr:
            if "waiting for the migration lock" in line:
                break
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=10) == 130
        p.stdout.close()
        p.stderr.close()
    finally:
        holder.close()


def test_lock_timeout_names_the_holder_and_exits_8(pg, dbname, runner, pending_workdir):
    pg.sql(f'CREATE DATABASE "{dbname}"')
    holder = pg.connect(dbname)
    try:
        cur = holder.cursor()
        cur.execute("SET application_name = 'other-replica'")
        cur.execute("SELECT pg_advisory_lock(7883946363647714593), pg_backend_pid()")
        pid = cur.fetchone()[1]
        r = runner(["--lock-wait", "1s", "--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
        assert r.returncode == 8, r.stderr
        assert f"held by pid {pid} (other-replica from a local socket" in r.stderr
        assert "timed out after 1.0s waiting for the migration lock" in r.stderr
    finally:
        holder.close()


def test_lock_serialises_and_proceeds_when_released(pg, dbname, pending_workdir):
    workdir = pending_workdir
    pg.sql(f'CREATE DATABASE "{dbname}"')
    holder = pg.connect(dbname)
    holder.cursor().execute("SELECT pg_advisory_lock(7883946363647714593)")
    p = subprocess.Popen([BIN, "--", PY, "-c", PROGRAM_THAT_WAITS],
                         env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    for line in p.stderr:
        if "waiting for the migration lock" in line:
            break
    holder.close()
    assert p.stdout.readline().strip() == "after-lock"
    # released before exec: while the program runs, the lock is free and no connection
    # of the tool is left open
    held = tool_sessions_and_advisory_locks(pg, dbname)
    out, err = p.communicate("\n", timeout=60)
    assert p.returncode == 0, err
    assert held == (0, 0)
    assert pg.sql("SELECT to_regclass('pending_work') IS NOT NULL", db=dbname) == [(True,)]


def test_lock_holder_does_not_delay_a_start_with_nothing_to_do(pg, dbname, pending_workdir):
    """Once everything is applied, a start needs no lock: a held lock does not stop it."""
    pg.sql(f'CREATE DATABASE "{dbname}"')
    env = clean_env(DATABASE_URL=pg.url(dbname))
    first = run(["--", "true"], env=env, cwd=pending_workdir)
    assert first.returncode == 0, first.stderr
    holder = pg.connect(dbname)
    try:
        holder.cursor().execute("SELECT pg_advisory_lock(7883946363647714593)")
        r = run(["--lock-wait", "1s", "--", "true"], env=env, cwd=pending_workdir)
    finally:
        holder.close()
    assert r.returncode == 0, r.stderr
    assert "; no lock needed;" in r.stderr and "waiting for the migration lock" not in r.stderr


def test_start_with_work_to_do_takes_the_lock(pg, dbname, pending_workdir):
    """Work found on an existing database: the connection that looked is closed (behind
    session pooling it would pin a server connection), the lock's connection is opened, and
    the work connection after it (three in all, docs/reference.md §7.4)."""
    pg.sql(f'CREATE DATABASE "{dbname}"')
    before = pg.log_size()
    r = run(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=pending_workdir)
    assert r.returncode == 0, r.stderr
    authorized = [l for l in pg.log_since(before).splitlines()
                  if "connection authorized" in l and "migrate-entry" in l]
    assert len(authorized) == 3, authorized
    assert "; lock " in r.stderr and "init 1 of 1 script ran" in r.stderr


@pytest.mark.parametrize("mode", [[], ["--init"]], ids=["exec", "init"])
def test_lock_and_connections_are_released_while_the_program_runs(pg, dbname, workdir, mode):
    p = subprocess.Popen([BIN, *mode, "--", PY, "-c", PROGRAM_THAT_WAITS],
                         env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "after-lock"
    held = tool_sessions_and_advisory_locks(pg, dbname)
    out, err = p.communicate("\n", timeout=60)
    assert p.returncode == 0, err
    assert held == (0, 0)


# The program: says it runs, then waits for a line on stdin (the test looks meanwhile).
PROGRAM_THAT_WAITS = "import sys; print('after-lock', flush=True); sys.stdin.readline()"


def tool_sessions_and_advisory_locks(pg, dbname):
    """(sessions of the tool on dbname, advisory locks in dbname), as the server sees them:
    (0, 0) once they are gone.  A backend leaves pg_stat_activity a moment after its client
    closed the connection, so this looks again for a while before it answers otherwise."""
    end = time.monotonic() + 10
    while True:
        held = _sessions_and_locks(pg, dbname)
        if held == (0, 0) or time.monotonic() > end:
            return held
        time.sleep(0.05)


def _sessions_and_locks(pg, dbname):
    return tuple(pg.sql(
        "SELECT (SELECT count(*) FROM pg_stat_activity"
        "         WHERE datname = current_database() AND application_name LIKE 'migrate-entry@%'),"
        "       (SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
        "         WHERE l.locktype = 'advisory' AND d.datname = current_database())",
        db=dbname)[0])


def test_exec_restores_signal_dispositions_and_mask(pg, dbname, workdir):
    def ignore_and_block():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})

    p = subprocess.run([BIN, "--", "cat", "/proc/self/status"],
                       env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                       preexec_fn=ignore_and_block, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    status = dict(l.split(":\t", 1) for l in p.stdout.splitlines() if ":\t" in l)
    # standard signals 1-31; 32 and 33 belong to the C library's threads
    standard = (1 << 31) - 1
    assert int(status["SigBlk"].strip(), 16) & standard == 0
    assert int(status["SigIgn"].strip(), 16) & standard == 0


def test_exec_closes_own_descriptors_and_keeps_inherited_ones(pg, dbname, workdir):
    r_fd, w_fd = os.pipe()
    os.set_inheritable(r_fd, True)
    try:
        p = subprocess.run([BIN, "--", "sh", "-c", "ls /proc/$$/fd"],
                           env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                           pass_fds=(r_fd,), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
    finally:
        os.close(r_fd)
        os.close(w_fd)
    assert p.returncode == 0, p.stderr
    fds = sorted(int(x) for x in p.stdout.split())
    assert fds == sorted({0, 1, 2, r_fd}), fds


def test_pid1_in_a_pid_namespace(pg, dbname, workdir):
    if subprocess.run(["unshare", "--pid", "--fork", "true"]).returncode != 0:
        pytest.skip("unshare --pid not permitted here")
    p = subprocess.run(["unshare", "--pid", "--fork", BIN, "--", PY, "-c",
                        "import os; print(os.getpid())"],
                       env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1"


def test_pid1_sigterm_while_waiting(dbname, workdir):
    if subprocess.run(["unshare", "--pid", "--fork", "true"]).returncode != 0:
        pytest.skip("unshare --pid not permitted here")
    url = f"postgresql://postgres:x@127.0.0.1:{free_port()}/{dbname}"
    # unshare --fork forwards nothing; signal our PID 1 from inside the namespace's parent view
    p = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", BIN, "--log-level", "debug",
                          "--wait-timeout", "120s"],
                         env=clean_env(DATABASE_URL=url), cwd=workdir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "not ready" in line:
            break
    child = int(subprocess.run(["pgrep", "-P", str(p.pid)], stdout=subprocess.PIPE,
                               text=True).stdout.split()[0])
    os.kill(child, signal.SIGTERM)
    rc = p.wait(timeout=10)
    p.stdout.close()
    p.stderr.close()
    assert rc == 143


def test_init_mode_forwards_signals_and_returns_child_status(pg, dbname, workdir):
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
            "print('ready', flush=True)\n"
            "time.sleep(60)\n")
    p = subprocess.Popen([BIN, "--init", "--", PY, "-c", code],
                         env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 42
    p.stdout.close()
    p.stderr.close()


def test_init_mode_reports_signal_death_as_128_plus_n(pg, dbname, runner):
    r = runner(["--init", "--", "sh", "-c", "kill -KILL $$"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 137


def test_init_mode_exit_status_and_missing_program(pg, dbname, runner):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    assert runner(["--init", "--", "sh", "-c", "exit 3"], env=env).returncode == 3
    r = runner(["--init", "--", "no-such-program-xyz"], env=env)
    assert r.returncode == 127
    assert "command not found" in r.stderr


# The program under --init: it leaves an orphan behind (a grandchild whose parent
# exited), waits until the orphan has exited too, then prints the orphan's new parent
# and whether anyone reaped it ("reaped") or it stays a zombie ("zombie").
ORPHAN_PROGRAM = """
import os, sys, time
r, w = os.pipe()
if os.fork() == 0:
    middle = os.getpid()
    if os.fork() == 0:
        os.close(r)
        while os.getppid() == middle:  # until the middle process has exited
            time.sleep(0.01)
        os.write(w, b"%d %d\\n" % (os.getpid(), os.getppid()))
        os._exit(0)
    os._exit(0)
os.close(w)
os.wait()
orphan, parent = os.read(r, 100).split()
os.close(r)
def state():
    try:
        with open(b"/proc/%s/stat" % orphan) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:  # gone (also while being read)
        return None
end = time.monotonic() + 30
while state() is not None and time.monotonic() < end:
    time.sleep(0.01)
print(parent.decode(), "zombie" if state() else "reaped", flush=True)
"""


def test_init_mode_reaps_orphans(pg, dbname, workdir):
    # Not PID 1 here: the tool becomes a child subreaper, so the orphan is reparented to
    # it (not to the machine's init) and reaped by it while the program still runs.
    p = subprocess.Popen([BIN, "--init", "--", PY, "-c", ORPHAN_PROGRAM],
                         env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert out.split() == [str(p.pid), "reaped"], (out, err)


def test_init_mode_reaps_orphans_as_pid1(pg, dbname, workdir):
    # --mount-proc: the program reads the namespace's pids in /proc
    if subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"]).returncode != 0:
        pytest.skip("unshare --pid --mount-proc not permitted here")
    p = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", BIN, "--init", "--", PY,
                        "-c", ORPHAN_PROGRAM],
                       env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=workdir,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["1", "reaped"], (p.stdout, p.stderr)


def test_json_logs(pg, dbname, runner):
    r = runner(["--log-format", "json", "--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines
    records = [json.loads(l) for l in lines]
    assert all({"time", "level", "msg"} <= rec.keys() for rec in records)
    assert records[-1]["msg"].startswith("ready in ")


def test_json_log_for_errors(runner):
    r = runner(["--log-format=json", "--database-url", "mysql://x/y"])
    assert r.returncode == 3
    rec = json.loads(r.stderr.strip().splitlines()[0])
    assert rec["level"] == "error"
    assert "unsupported database URL scheme" in rec["msg"]


def test_quiet_prints_nothing_on_success(pg, dbname, runner):
    r = runner(["-q", "--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 0
    assert r.stderr == ""
    assert r.stdout == ""


def test_wait_and_create_commands(pg, dbname, runner):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    r = run(["wait"], env=env, binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    assert "database does not exist yet" in r.stderr
    assert not pg.database_exists(dbname)
    r = run(["create"], env=env, binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    assert pg.database_exists(dbname)
    r = run(["create"], env=env, binary=MIGRATE)
    assert r.returncode == 0
    assert "already exists" in r.stderr


def test_bootstrap_command_under_both_names(pg, dbname):
    env = clean_env(DATABASE_URL=pg.url(dbname))
    for binary in (BIN, MIGRATE):
        r = run(["bootstrap", "--", "echo", "ok"], env=env, binary=binary)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "ok"


def test_usage_errors_exit_2(runner):
    r = run(["frobnicate"], binary=MIGRATE)
    assert r.returncode == 2
    assert 'unknown command "frobnicate"' in r.stderr
    r = run(["--no-such-flag"])
    assert r.returncode == 2
    r = run(["wait", "--", "true"], binary=MIGRATE)
    assert r.returncode == 2


def test_version(runner):
    r = run(["--version"])
    assert r.returncode == 0
    assert r.stdout.startswith("migrate-entry ")
