"""Memory of `migrate init`: flat however large the script (streamed, COPY
data never accumulates), and no leaks or memory errors on the normal and
error paths (valgrind memcheck)."""
import os
import shutil
import subprocess

import pytest

from conftest import BIN, MIGRATE, clean_env
from initlib import FIXTURES, db, query, write  # noqa: F401

TIME = "/usr/bin/time"


def peak_rss_kib(args, env, cwd, tmp_path):
    """Run args under GNU time; return (exit status, peak RSS in KiB).  Not
    os.wait4 on our own child: a forked Python's RSS would count too."""
    out = tmp_path / "time.out"
    r = subprocess.run([TIME, "-f", "%M", "-o", str(out)] + args, env=env, cwd=cwd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode, int(out.read_text().split()[-1])


@pytest.mark.skipif(not os.access(TIME, os.X_OK), reason="GNU time not installed")
def test_peak_memory_does_not_grow_with_a_large_copy(pg, db, tmp_path):
    env = clean_env(DATABASE_URL=pg.url(db))
    small, big = tmp_path / "small", tmp_path / "big"
    write(small, {"sql/init/20240101/01.sql": "CREATE TABLE s (id int);\n"})
    row = "\t" + "x" * 120 + "\n"
    script = big / "sql/init/20240101/01.sql"
    script.parent.mkdir(parents=True)
    with open(script, "w") as f:
        f.write("CREATE TABLE b (id int, v text);\nCOPY b FROM stdin;\n")
        chunk = "".join(f"{i}{row}" for i in range(10000))
        for _ in range(50):  # ~64 MB in one COPY
            f.write(chunk)
        f.write("\\.\n")

    rc, base = peak_rss_kib([MIGRATE, "init"], env, small, tmp_path)
    assert rc == 0
    query(pg, db, "TRUNCATE migrate_entry_init")
    rc, peak = peak_rss_kib([MIGRATE, "init"], env, big, tmp_path)
    assert rc == 0
    assert query(pg, db, "SELECT count(*) FROM b") == [(500000,)]
    # 64 MB went through; a few MB of buffers are allowed, not the file
    assert peak - base < 8 * 1024, (base, peak)


VALGRIND = ["valgrind", "-q", "--leak-check=full", "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99"]


@pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind not installed")
@pytest.mark.parametrize("case", ["ok", "sql error", "copy data error", "meta error"])
def test_init_is_leak_free(pg, db, tmp_path, case):
    if "asan" in BIN:
        pytest.skip("sanitizer build")
    shutil.copytree(FIXTURES / "edge" / "include", tmp_path / "sql" / "init")
    own_schema = b"CREATE SCHEMA %s; SET search_path = %s;\n"
    files = {"sql/init/20240102/01_copy.sql": own_schema % (b"s1", b"s1")
             + (FIXTURES / "edge" / "copy_stdin.sql").read_bytes(),
             "sql/init/20240102/02_dollar.sql": own_schema % (b"s2", b"s2")
             + (FIXTURES / "edge" / "dollar_quotes.sql").read_bytes()}
    expect = 0
    if case == "sql error":
        files["sql/init/20240103/01_bad.sql"] = "CREATE TABLE x (id int);\nSELECT nope FROM x;\n"
        expect = 6
    elif case == "copy data error":
        files["sql/init/20240103/01_bad.sql"] = "CREATE TABLE x (id int);\nCOPY x FROM stdin;\n1\nz\n\\.\n"
        expect = 6
    elif case == "meta error":
        files["sql/init/20240103/01_bad.sql"] = "CREATE TABLE x (id int);\n\\gset\n"
        expect = 6
    write(tmp_path, files)
    r = subprocess.run(VALGRIND + [MIGRATE, "init"], env=clean_env(DATABASE_URL=pg.url(db)),
                       cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    assert r.returncode == expect, r.stderr
    assert "==" not in r.stderr, r.stderr  # no valgrind report at all
