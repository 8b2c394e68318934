"""The example backend's image run by the engine: PID 1, stop, signals, zombies, restarts,
replicas, a database that starts late, and the password secret."""
import threading

import pytest

from conftest import (EXAMPLE, engine, logs, processes, record, state, summary_lines,
                      timed_stop, wait_exit, wait_for, wait_for_log)

NO_INIT = '["migrate-entry", "--"]'
WITH_INIT = '["migrate-entry", "--init", "--"]'
# An application that handles no signal at all (most scripts, many servers).
DEAF_APP = ["python", "-c", "import time; print('deaf app: up', flush=True); time.sleep(3600)"]


@pytest.fixture
def pg(lab):
    return lab.postgres()


def test_default_entrypoint_runs_app_under_init_and_stops_at_once(lab, pg):
    be = lab.run("backend", EXAMPLE, env=lab.backend_env(), secret=lab.secret)
    wait_for_log(be, "demo app: serving on port 8000")
    procs = processes(be)
    assert procs[1][0] == "migrate-entry", procs
    assert any(c == "python" for c, _ in procs.values()), procs
    code, took = timed_stop(be)
    record(f"stop, example image (--init, app handles SIGTERM): {took:.2f}s, exit {code}")
    assert code == 0, logs(be)
    assert "demo app: SIGTERM received, stopping" in logs(be)


def test_without_init_the_app_is_pid_1_and_stops_at_once(lab, pg):
    be = lab.run("backend", EXAMPLE, "python", "main.py", "--serve", "8000",
                 env=lab.backend_env(), secret=lab.secret, entrypoint=NO_INIT)
    wait_for_log(be, "demo app: serving on port 8000")
    cmdline = engine("exec", be, "cat", "/proc/1/cmdline").stdout.split("\0")
    assert cmdline[:4] == ["python", "main.py", "--serve", "8000"], cmdline
    assert "demo app: started as pid 1 " in logs(be)
    code, took = timed_stop(be)
    record(f"stop, no --init (app handles SIGTERM, PID 1): {took:.2f}s, exit {code}")
    assert code == 0, logs(be)


def test_init_makes_an_app_without_handlers_stop(lab, pg):
    be = lab.run("deaf", EXAMPLE, *DEAF_APP, env=lab.backend_env(), secret=lab.secret,
                 entrypoint=WITH_INIT)
    wait_for_log(be, "deaf app: up")
    code, took = timed_stop(be)
    record(f"stop, --init, app without handlers: {took:.2f}s, exit {code}")
    assert code == 128 + 15, logs(be)  # the child's death by SIGTERM, passed on


def test_without_init_an_app_without_handlers_is_killed(lab, pg):
    """What --init is for: as PID 1 the same app ignores SIGTERM and is killed at the end of
    the grace period (the case docs/container.md warns about)."""
    be = lab.run("deaf", EXAMPLE, *DEAF_APP, env=lab.backend_env(), secret=lab.secret,
                 entrypoint=NO_INIT)
    wait_for_log(be, "deaf app: up")
    code, took = timed_stop(be)
    record(f"stop, no --init, app without handlers: {took:.2f}s, exit {code} (SIGKILL)")
    assert code == 137


def test_signals_are_forwarded_under_init(lab, pg):
    app = ("import signal, time\n"
           "for s in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):\n"
           "    signal.signal(s, lambda n, f: print('app got', signal.Signals(n).name, flush=True))\n"
           "print('app: up', flush=True)\n"
           "while True: time.sleep(1)\n")
    be = lab.run("signals", EXAMPLE, "python", "-c", app, env=lab.backend_env(),
                 secret=lab.secret, entrypoint=WITH_INIT)
    wait_for_log(be, "app: up")
    for sig in ("HUP", "USR1", "USR2"):
        engine("kill", "-s", sig, be)
        wait_for_log(be, f"app got SIG{sig}", deadline=20)
    assert state(be)[0] == "running"


ORPHAN = ["sh", "-c", "(sleep 0.1 &); echo 'orphan made'; exec sleep 3600"]


def zombies(name):
    return [pid for pid, (_, st) in processes(name).items() if st == "Z"]


def test_init_reaps_orphans(lab, pg):
    be = lab.run("reaper", EXAMPLE, *ORPHAN, env=lab.backend_env(), secret=lab.secret,
                 entrypoint=WITH_INIT)
    wait_for_log(be, "orphan made")
    # The orphaned sleep ends after 0.1 s; then only migrate-entry and the app remain.
    wait_for(lambda: sorted(c for c, _ in processes(be).values() if c not in ("sh", "cat"))
             == ["migrate-entry", "sleep"], "the orphan to be gone", deadline=30)
    assert zombies(be) == []


def test_without_init_orphans_stay_zombies(lab, pg):
    """The other side of the test above: the same orphan under an application as PID 1."""
    be = lab.run("zombies", EXAMPLE, *ORPHAN, env=lab.backend_env(), secret=lab.secret,
                 entrypoint=NO_INIT)
    wait_for_log(be, "orphan made")
    wait_for(lambda: zombies(be), "the orphan to become a zombie", deadline=30)


def test_restart_finds_nothing_to_do(lab, pg):
    be = lab.run("backend", EXAMPLE, env=lab.backend_env(), secret=lab.secret)
    wait_for_log(be, "demo app: serving on port 8000")
    engine("restart", "-t", "5", be)
    wait_for(lambda: len(summary_lines(logs(be))) == 2, "the second start's summary line")
    first, second = summary_lines(logs(be))
    assert "upgraded base -> " in first and "init 11 of 11 scripts ran" in first, first
    assert "database exists" in second and "init 0 of 11 scripts ran" in second, second
    assert "; at head " in second and "verified: 126 of 126" in second, second


def test_four_replicas_started_at_once_apply_everything_once(lab, pg):
    _, port = pg
    env = lab.backend_env(db="replicas")  # not made by the postgres image: created here
    names = [lab.name(f"replica{i}") for i in range(4)]

    def start(name):
        engine("run", "-d", "--name", name, "--network", lab.network, "-v",
               f"{lab.secret}:/run/secrets/db_password:ro",
               *sum((["-e", f"{k}={v}"] for k, v in env.items()), []),
               EXAMPLE, "python", "main.py")

    threads = [threading.Thread(target=start, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = [wait_exit(n) for n in names]
    texts = [logs(n) for n in names]
    assert codes == [0, 0, 0, 0], "\n".join(texts)
    lines = [summary_lines(t)[0] for t in texts]
    assert sum("upgraded base -> " in l for l in lines) == 1, lines
    assert sum("; at head " in l for l in lines) == 3, lines
    assert sum("init 11 of 11 scripts ran" in l for l in lines) == 1, lines
    assert sum("database created in" in l for l in lines) == 1, lines
    steps = lab.query(port, "SELECT revision, direction, count(*) FROM migrate_entry_history "
                      "GROUP BY 1, 2", db="replicas")
    assert len(steps) == 4 and all(d == "upgrade" and n == 1 for _, d, n in steps), steps
    init = lab.query(port, "SELECT count(*), count(DISTINCT path) FROM migrate_entry_init",
                     db="replicas")
    assert init == [(11, 11)]
    assert all("demo app: database replicas is at revision" in t for t in texts)


def test_database_that_starts_after_the_backend(lab):
    be = lab.run("backend", EXAMPLE, "python", "main.py",
                 env=lab.backend_env(host="latedb", db="late_db"), secret=lab.secret)
    # The name does not resolve yet: the entrypoint waits and says why, every 5 s.
    line = wait_for(lambda: next((l for l in logs(be).splitlines() if "waiting for postgresql" in l),
                                 None), "the entrypoint's waiting line", deadline=60)
    assert "latedb" in line and "could not translate host name" in line, line
    lab.postgres(what="latedb", wait=False)
    assert wait_exit(be) == 0, logs(be)
    text = logs(be)
    assert "database created in" in summary_lines(text)[0], text
    assert "demo app: database late_db is at revision" in text


def test_wrong_password_exits_5_at_once_then_the_right_secret_works(lab, pg):
    wrong = lab.write_secret("wrong_password", "not-the-password")
    be = lab.run("wrongpw", EXAMPLE, "python", "main.py", env=lab.backend_env(), secret=wrong)
    code = wait_exit(be, deadline=60)
    text = logs(be)
    assert code == 5, text
    errors = [l for l in text.splitlines() if "error:" in l]
    assert len(errors) == 1 and "password authentication failed" in errors[0], text
    assert "\"postgres\"" in errors[0], errors  # names the host
    assert "waiting for" not in text  # no retry loop on a wrong password
    assert "not-the-password" not in text
    ok = lab.run("rightpw", EXAMPLE, "python", "main.py", env=lab.backend_env(), secret=lab.secret)
    assert wait_exit(ok) == 0, logs(ok)


def test_a_command_replaces_cmd_after_the_bootstrap(lab, pg):
    """ENTRYPOINT ["migrate-entry", "--init", "--"] with the application as CMD: `run IMAGE
    sh -c …` runs the bootstrap, then that command instead of the application."""
    be = lab.run("shell", EXAMPLE, "sh", "-c", "echo shell ran in $(pwd)", env=lab.backend_env(),
                 secret=lab.secret)
    assert wait_exit(be) == 0, logs(be)
    text = logs(be)
    assert "shell ran in /app" in text and "exec sh -c" in summary_lines(text)[0], text
