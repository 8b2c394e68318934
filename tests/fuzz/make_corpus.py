#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from the
repository's own tests and fixtures.  Run from anywhere: python3 tests/fuzz/make_corpus.py

Seeds come from:
  sqlscan        tests/fixtures/sql/**, the example's revisions and three of its init scripts
                 (types, functions and triggers, seed data with COPY), and the inputs of the
                 cases in tests/unit/test_sqlscan.c and test_sqlvars.c; each behind the two
                 option bytes fuzz_sqlscan.c reads (flags, chunk size)
  slashscan      the arguments of every meta-command in those scripts and cases, behind
                 fuzz_slashscan.c's option byte
  revfile        the revision files of migrations/ and tests/fixtures/migrations/, and the
                 texts of tests/unit/test_revfile.c
  config         migrate.ini, the fixture alembic.ini and the files tests/unit/test_config.c
                 writes
  dburl          the strings of tests/unit/test_dburl.c and the URLs of the docs' examples
  svcurl         the strings of tests/unit/test_services_url.c, behind the limit byte
  alembic_parse  the records of tests/unit/test_alembic_parse.c

Files named regress-* are inputs that once found a bug: they are kept as they are.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX_SEED = 16384


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def files(top, suffix):
    out = []
    for d, _, names in os.walk(os.path.join(ROOT, top)):
        for n in names:
            if n.endswith(suffix):
                out.append(os.path.relpath(os.path.join(d, n), ROOT))
    return sorted(out)


def c_strings(path, macros=None):
    """The string literals of a C file, adjacent ones (and macros naming literals) joined."""
    macros = macros or {}
    src = read(path).decode("utf-8", "surrogateescape")
    groups, cur, i, n = [], None, 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            i = src.find("\n", i)
            i = n if i < 0 else i
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == "'":
            j = i + 1
            while j < n and src[j] != "'":
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            if cur is not None:
                groups.append(cur)
                cur = None
            continue
        if c == '"':
            j, buf = i + 1, bytearray()
            while j < n and src[j] != '"':
                if src[j] == "\\":
                    e = src[j + 1]
                    simple = {"n": 10, "t": 9, "r": 13, "\\": 92, '"': 34, "'": 39, "a": 7,
                              "b": 8, "f": 12, "v": 11, "?": 63}
                    if e in simple:
                        buf.append(simple[e])
                        j += 2
                    elif e == "x":
                        k = j + 2
                        while k < n and src[k] in "0123456789abcdefABCDEF":
                            k += 1
                        buf.append(int(src[j + 2:k], 16) & 0xFF)
                        j = k
                    elif e in "01234567":
                        k = j + 1
                        while k < j + 4 and src[k] in "01234567":
                            k += 1
                        buf.append(int(src[j + 1:k], 8) & 0xFF)
                        j = k
                    else:
                        buf.append(ord(e))
                        j += 2
                else:
                    buf += src[j].encode("utf-8", "surrogateescape")
                    j += 1
            cur = (cur or b"") + bytes(buf)
            i = j + 1
            continue
        m = re.match(r"[A-Za-z_]\w*", src[i:i + 64])
        if m and m.group(0) in macros:
            cur = (cur or b"") + macros[m.group(0)]
            i += len(m.group(0))
            continue
        if not c.isspace() and cur is not None:
            groups.append(cur)
            cur = None
        i += len(m.group(0)) if m else 1
    if cur is not None:
        groups.append(cur)
    return groups


TRANSCRIPT = re.compile(rb"^[SMXGI]\d+:\d+\[")
CASE_NAME = re.compile(rb"^[a-z0-9][a-z0-9 ,()/+-]* [a-z0-9 ,()/+-]*$")  # "two statements"


def test_inputs(path, macros=None):
    """The string literals of a unit test that could be inputs: no expected transcripts,
    case names or printf formats."""
    out = []
    for s in c_strings(path, macros):
        if TRANSCRIPT.match(s) or CASE_NAME.match(s) or \
                b"%" in s and (b"%s" in s or b"%d" in s or b"%z" in s):
            continue
        out.append(s)
    return out


def meta_args(script):
    """The argument text of each line-initial meta-command of a script."""
    out = []
    for line in script.split(b"\n"):
        line = line.strip()
        if line.startswith(b"\\"):
            parts = line[1:].split(None, 1)
            if len(parts) == 2:
                out.append(parts[1])
    return out


def write(target, seeds):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if not name.startswith("regress-"):
            os.unlink(os.path.join(d, name))
    seen, count, total = set(), 0, 0
    for name, data in seeds:
        data = data[:MAX_SEED]
        if data in seen:
            continue
        seen.add(data)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:80]
        with open(os.path.join(d, safe), "wb") as f:
            f.write(data)
        count += 1
        total += len(data)
    print(f"{target}: {count} seeds, {total} bytes")


def main():
    scripts = files("tests/fixtures/sql", ".sql") + files("migrations", ".sql") + [
        "sql/init/08032025/01_extensions_and_types.sql",
        "sql/init/08032025/10_functions_triggers_views.sql",
        "sql/init/08032025/11_seed_data.sql",
    ]
    bom = {"BOM": b"\xef\xbb\xbf"}
    scan_cases = test_inputs("tests/unit/test_sqlscan.c", bom)
    var_cases = test_inputs("tests/unit/test_sqlvars.c")

    # sqlscan: flags (1 variables mode, 2 standard_conforming_strings off, 4 variables set,
    # >> 3 the encoding), then the chunk size byte
    seeds = []
    for p in scripts:
        text = read(p)
        seeds.append((p, b"\x05\x07" + text))
        if len(text) < 2048:
            seeds.append((p + "-plain", b"\x00\x02" + text))
    for i, s in enumerate(scan_cases):
        seeds.append((f"test_sqlscan-{i:03d}", b"\x00\x00" + s))
    for i, s in enumerate(var_cases):
        seeds.append((f"test_sqlvars-{i:03d}", b"\x05\x00" + s))
    seeds.append(("sjis-std-off", b"\x32\x03SET client_encoding = 'SJIS';\nSELECT '\x95\\';\n"))
    write("sqlscan", seeds)

    # slashscan: flags byte (bits 0-2 flags, 3 variables, 4-7 log2 of the buffer size)
    seeds = []
    args = []
    for p in scripts:
        args += meta_args(read(p))
    for s in scan_cases + var_cases:
        args += meta_args(s)
    for i, a in enumerate(args):
        seeds.append((f"args-{i:03d}", bytes([0xA0 | (i % 8) | (8 if i % 3 == 0 else 0)]) + a))
    seeds.append(("quotes", b"\xa8'a b' \"C d\" e'\\x41\\101\\n'f :x :'q' :\"q\" :{?x} g;;"))
    write("slashscan", seeds)

    seeds = [(p, read(p)) for p in files("migrations", ".sql")]
    seeds += [(p, read(p)) for p in files("tests/fixtures/migrations", ".sql")]
    for i, s in enumerate(test_inputs("tests/unit/test_revfile.c")):
        if b"--" in s:
            seeds.append((f"test_revfile-{i:03d}", s))
    write("revfile", seeds)

    seeds = [("migrate.ini", read("migrate.ini")),
             ("alembic-import.ini", read("tests/fixtures/alembic-import/alembic.ini"))]
    for i, s in enumerate(test_inputs("tests/unit/test_config.c")):
        if b"[" in s and b"]" in s and b"\n" in s:
            seeds.append((f"test_config-{i:03d}", s))
    seeds.append(("expand", b"[database]\nurl = postgresql://u:${FZ_SECRET}@${FZ_HOST:-db}/x$$y\n"
                            b"[init.variables]\napp_user = ${FZ_A}\nempty = ${FZ_EMPTY}\n"))
    write("config", seeds)

    seeds = []
    for i, s in enumerate(test_inputs("tests/unit/test_dburl.c")):
        if b"://" in s or b"=" in s:
            seeds.append((f"test_dburl-{i:03d}", s))
    seeds.append(("readme-url", b"postgresql://synapse_user:secret@postgres:5432/synapse_dt"))
    write("dburl", seeds)

    seeds = []
    for i, s in enumerate(test_inputs("tests/unit/test_services_url.c")):
        if b"://" in s or b":" in s:
            seeds.append((f"test_services_url-{i:03d}", b"\x04" + s))
    write("svcurl", seeds)

    seeds = []
    for i, s in enumerate(test_inputs("tests/unit/test_alembic_parse.c")):
        if re.match(rb"^[a-z.]+ \d+\n", s) or s.startswith(b"Traceback"):
            seeds.append((f"test_alembic_parse-{i:03d}", s))
    write("alembic_parse", seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
