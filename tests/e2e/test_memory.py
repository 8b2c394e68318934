"""No leaks or memory errors on the normal paths (valgrind memcheck)."""
import shutil
import subprocess

import pytest

from conftest import BIN, MIGRATE, clean_env

pytestmark = pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind not installed")

VALGRIND = ["valgrind", "-q", "--leak-check=full", "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99"]


def _under_valgrind(args, env, cwd):
    return subprocess.run(VALGRIND + args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120)


@pytest.mark.parametrize("args", [["bootstrap"], ["wait"], ["create"]])
def test_commands_are_leak_free(pg, dbname, workdir, args):
    if "asan" in BIN:
        pytest.skip("sanitizer build")
    r = _under_valgrind([MIGRATE] + args, clean_env(DATABASE_URL=pg.url(dbname)), workdir)
    assert r.returncode == 0, r.stderr


def test_error_paths_are_leak_free(pg, dbname, workdir):
    if "asan" in BIN:
        pytest.skip("sanitizer build")
    r = _under_valgrind([BIN, "--", "true"],
                        clean_env(DATABASE_URL=pg.url(dbname, password="wrong-one")), workdir)
    assert r.returncode == 5, r.stderr
    (workdir / "migrate.ini").write_text("[wait]\ntimeout = never\n")
    r = _under_valgrind([BIN, "--", "true"], clean_env(), workdir)
    assert r.returncode == 3, r.stderr
    (workdir / "migrate.ini").unlink()
    r = _under_valgrind([BIN, "--wait", "tcp://127.0.0.1:1", "--wait-timeout", "300ms", "--", "true"],
                        clean_env(DATABASE_URL=pg.url(dbname)), workdir)
    assert r.returncode == 4, r.stderr
