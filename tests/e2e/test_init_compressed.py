"""Compressed init scripts (issue 10): NAME.sql.gz, NAME.sql.xz and NAME.sql.zst in a dated
directory run like NAME.sql, decompressed as a stream, hashed over their text."""
import gzip
import lzma
import subprocess

from initlib import EXIT_SQL, bookkeeping, db, migrate, query, tables, write  # noqa: F401

SCRIPT = ("CREATE TABLE {t} (id int, v text);\n"
          "INSERT INTO {t} SELECT g, repeat('x', g % 50) FROM generate_series(1, 20000) g;\n"
          "\\set n 7\n"
          "INSERT INTO {t} VALUES (:n, 'from a variable');\n")


def zstd(data, level=3):
    return subprocess.run(["zstd", "-q", f"-{level}", "-c"], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def packed(t, kind, level=6):
    text = SCRIPT.format(t=t).encode()
    if kind == "gz":
        return gzip.compress(text, compresslevel=level)
    if kind == "xz":
        return lzma.compress(text, preset=level)
    return zstd(text, level)


def test_gz_xz_zst_run_like_sql(pg, db, tmp_path):
    write(tmp_path, {
        "sql/init/20240101/01_a.sql.gz": packed("a", "gz"),
        "sql/init/20240101/02_b.sql.xz": packed("b", "xz"),
        "sql/init/20240101/03_c.sql.zst": packed("c", "zst"),
        # two gzip members one after the other, as `cat a.gz b.gz` makes: both are read
        "sql/init/20240101/04_d.sql.gz": (gzip.compress(b"CREATE TABLE d (id int);\n")
                                          + gzip.compress(b"INSERT INTO d VALUES (1);\n")),
        "sql/init/20240101/05_e.sql": "CREATE TABLE e (id int);\n",
        "sql/init/20240101/notes.txt.gz": gzip.compress(b"not a script"),
    })
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    for t in "abc":
        assert query(pg, db, f"SELECT count(*), sum(id) FILTER (WHERE v = 'from a variable') "
                             f"FROM {t}") == [(20001, 7)]
    assert query(pg, db, "SELECT count(*) FROM d") == [(1,)]
    assert sorted(bookkeeping(pg, db)) == [
        "20240101/01_a.sql.gz", "20240101/02_b.sql.xz", "20240101/03_c.sql.zst",
        "20240101/04_d.sql.gz", "20240101/05_e.sql"]


def test_recompressing_is_not_a_change(pg, db, tmp_path):
    write(tmp_path, {"sql/init/20240101/01_a.sql.gz": packed("a", "gz", 1),
                     "sql/init/20240101/02_c.sql.zst": packed("c", "zst", 1)})
    assert migrate(pg, db, tmp_path).returncode == 0
    write(tmp_path, {"sql/init/20240101/01_a.sql.gz": packed("a", "gz", 9),
                     "sql/init/20240101/02_c.sql.zst": packed("c", "zst", 19)})
    r = migrate(pg, db, tmp_path, "--strict")
    assert r.returncode == 0, r.stderr
    assert "changed" not in r.stderr
    # a change of the text is one
    write(tmp_path, {"sql/init/20240101/01_a.sql.gz": gzip.compress(b"SELECT 1;\n")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "01_a.sql.gz changed after it was applied" in r.stderr


def test_a_corrupt_or_truncated_file_is_an_error_naming_it(pg, db, tmp_path):
    whole = packed("a", "xz")
    write(tmp_path, {"sql/init/20240101/01_a.sql.xz": whole[: len(whole) // 2],
                     "sql/init/20240101/02_b.sql.gz": packed("b", "gz")})
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert "20240101/01_a.sql.xz: cannot decompress" in r.stderr
    assert tables(pg, db) == []
    assert bookkeeping(pg, db) == {}
    (tmp_path / "sql/init/20240101/01_a.sql.xz").write_bytes(b"plain text, not xz\n")
    r = migrate(pg, db, tmp_path)
    assert r.returncode == EXIT_SQL, r.stderr
    assert "01_a.sql.xz: cannot decompress: not in xz format" in r.stderr
