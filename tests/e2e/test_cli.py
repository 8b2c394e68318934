"""The command line as a contract (docs/reference.md, "Commands" and "Options"): options
belong to commands, help comes from the table that parses, one meaning for -v, steps are
skipped with --skip, and `migrate` alone is a usage error.  None of these needs a database:
a usage error is reported before the configuration is read or anything is connected."""
import os

import pytest

from conftest import BIN, MIGRATE, clean_env, run

REV = """-- revision: {rev}
-- down_revision: None
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-04 07:13:48
-- message: first

-- migrate:upgrade
CREATE TABLE t (id int);

-- migrate:downgrade
DROP TABLE t;
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "a1b2c3d4e5f6_first.sql").write_text(REV.format(rev="a1b2c3d4e5f6"))
    return tmp_path


def test_migrate_alone_prints_usage_to_stderr_and_exits_2(tmp_path):
    r = run([], binary=MIGRATE, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "usage: migrate-entry" in r.stderr and "bootstrap" in r.stderr


def test_an_option_the_command_does_not_take_is_a_usage_error(project):
    r = run(["validate", "--purge", "--sql", "--strict"], binary=MIGRATE, cwd=project)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert 'option "--purge" does not apply to "validate"' in r.stderr
    assert "migrate validate --help" in r.stderr
    # the same command without them runs
    r = run(["validate"], binary=MIGRATE, cwd=project)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("args", [
    ["upgrade", "--purge"], ["history", "--sql"], ["current", "--lock-wait", "1s"],
    ["heads", "--strict"], ["verify", "--skip", "verify"], ["stamp", "head", "--sql"],
    ["show", "a1b2", "-v"],
])
def test_misplaced_options_exit_2_before_any_connection(project, args):
    # an unreachable database: a usage error must not wait for it
    env = clean_env(DATABASE_URL="postgresql://u@127.0.0.1:1/none")
    r = run(args + ["--wait-timeout", "30s"] if args[0] not in ("history", "heads", "show")
            else args, binary=MIGRATE, cwd=project, env=env, timeout=10)
    assert r.returncode == 2, r.stderr
    assert "does not apply to" in r.stderr


def test_command_help_lists_its_options_and_the_global_ones(project):
    r = run(["upgrade", "--help"], binary=MIGRATE, cwd=project)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("usage: migrate upgrade [OPTIONS] [TARGET]")
    for opt in ("--sql", "--lock-wait DUR", "--migrations-dir DIR", "--wait-timeout DUR",
                "--log-level LEVEL", "--config PATH"):
        assert opt in out, opt
    for other in ("--purge", "--skip", "--rev-id", "--verbose"):
        assert other not in out, other
    general = run(["--help"], binary=MIGRATE, cwd=project)
    assert general.returncode == 0
    assert "--log-level LEVEL" in general.stdout
    assert "Run 'migrate COMMAND --help'" in general.stdout


def test_verbose_is_the_listing_not_the_log_level(project):
    short = run(["history"], binary=MIGRATE, cwd=project)
    verbose = run(["history", "-v"], binary=MIGRATE, cwd=project)
    assert short.returncode == 0 and verbose.returncode == 0, verbose.stderr
    assert short.stdout.strip() == "<base> -> a1b2c3d4e5f6 (head), first"
    assert "Rev: a1b2c3d4e5f6 (head)" in verbose.stdout
    assert verbose.stderr == ""  # not debug logging
    r = run(["-v", "--", "true"], cwd=project)
    assert r.returncode == 2
    assert "--log-level debug" in r.stderr


@pytest.mark.parametrize("old,new", [
    ("--no-init", "--skip init-scripts"), ("--no-create", "--skip create"),
    ("--no-upgrade", "--skip upgrade"), ("--no-verify", "--skip verify"),
    ("--lock-timeout", "--lock-wait"),
])
def test_replaced_options_name_their_replacement(tmp_path, old, new):
    r = run([old, "--", "true"], cwd=tmp_path)
    assert r.returncode == 2
    assert f'unknown option "{old}"' in r.stderr
    assert f"use {new}" in r.stderr


def test_unknown_skip_step_is_a_usage_error(tmp_path):
    r = run(["--skip", "init", "--", "true"], cwd=tmp_path)
    assert r.returncode == 2
    assert 'unknown step "init" for --skip' in r.stderr


@pytest.mark.parametrize("rev_id", ["../evil", "a/b", ".hidden", "x y"])
def test_rev_id_must_be_a_valid_id_and_cannot_leave_the_directory(project, rev_id):
    before = sorted(p for p in project.rglob("*"))
    r = run(["revision", "-m", "evil", "--rev-id", rev_id], binary=MIGRATE, cwd=project)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "invalid" in r.stderr and rev_id in r.stderr
    assert sorted(p for p in project.rglob("*")) == before
    assert not (project / "evil_evil.sql").exists()


def test_rev_id_that_is_valid_names_the_file(project):
    r = run(["revision", "-m", "next step", "--rev-id", "b2c3d4e5f6a1"], binary=MIGRATE,
            cwd=project)
    assert r.returncode == 0, r.stderr
    path = project / "migrations" / "b2c3d4e5f6a1_next_step.sql"
    assert path.exists()
    assert "-- down_revision: a1b2c3d4e5f6" in path.read_text()


def two_heads(project):
    text = REV.format(rev="b2b2b2b2b2b2").replace("down_revision: None",
                                                   "down_revision: a1b2c3d4e5f6")
    (project / "migrations" / "b2b2b2b2b2b2_second.sql").write_text(text)
    text = REV.format(rev="c3c3c3c3c3c3").replace("down_revision: None",
                                                   "down_revision: a1b2c3d4e5f6")
    (project / "migrations" / "c3c3c3c3c3c3_third.sql").write_text(text)


def test_revision_on_several_heads_asks_which_and_merge_joins_them(project):
    r = run(["merge", "-m", "join"], binary=MIGRATE, cwd=project)
    assert r.returncode == 2
    assert "nothing to merge: only one revision given" in r.stderr
    two_heads(project)
    r = run(["revision", "-m", "more"], binary=MIGRATE, cwd=project)
    assert r.returncode == 2
    assert "several heads are present" in r.stderr and "--head REV" in r.stderr
    r = run(["merge", "-m", "join", "--rev-id", "d4d4d4d4d4d4"], binary=MIGRATE, cwd=project)
    assert r.returncode == 0, r.stderr
    text = (project / "migrations" / "d4d4d4d4d4d4_join.sql").read_text()
    assert "-- down_revision: b2b2b2b2b2b2, c3c3c3c3c3c3" in text
    r = run(["revision", "-m", "more", "--head", "b2b2"], binary=MIGRATE, cwd=project)
    assert r.returncode == 2 and "is not a head revision" in r.stderr
