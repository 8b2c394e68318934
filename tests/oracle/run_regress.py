#!/usr/bin/python3
"""PostgreSQL 15's regression SQL through psql and through `migrate init`, one file at a time.

Not part of `make test`; run through tests/oracle/run-regress.sh, which fetches the sources.

Two throwaway clusters: psql runs every file on one, the tool on the other (regression files
create roles and other cluster-wide objects, so the sides must not share a cluster). On each
cluster a template database is made first with test_setup.sql (through psql, on both sides).
Then, for each file in parallel_schedule's order, a fresh database from the template on each
side:

  - the tool runs the file as sql/init/20240101/01_NAME.sql (`migrate init`); its log says
    whether it ran the file in one transaction or statement by statement;
  - psql runs it with `psql -X -v ON_ERROR_STOP=1 -f`, with -1 when the tool used one
    transaction (or, when the tool stopped before saying, when the file shows no reason for
    autocommit);
  - verdict: `same` (both succeeded, equal pg_dump), `both-failed` (both stopped at the same
    statement with the same message, equal pg_dump; psql names the statement's last line, the
    tool the token's, so the tool's line may be the earlier), `refused` (the tool stopped on a psql feature
    it does not support: meta-commands, variables), `different` (anything else), `timeout`.

Expect some noise: files that store now() or random() differ in their dumps every time.

Most regression files contain statements that fail on purpose, and ON_ERROR_STOP stops both
sides at the first one: what is compared is everything up to it (splitting, transaction mode,
the stopping line and message, the database left behind).

Details per file (both stderrs, the dump diff) go to OUT/NAME.txt; a table and counts to stdout.
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))

from pgcluster import PG_BIN, SUPERUSER, Cluster  # noqa: E402

PSQL = f"{PG_BIN}/psql"
PG_DUMP = f"{PG_BIN}/pg_dump"
TEMPLATE = "oracle_template"
# no schema of that name: the tool then sees an empty database, not one to adopt (§8.6)
NO_SCHEMA = "oracle_no_such_schema"

AUTOCOMMIT_RE = re.compile(
    r"^\s*(BEGIN\b|START\s+TRANSACTION|COMMIT\b|END\b|ROLLBACK\b|ABORT\b|SAVEPOINT\b|RELEASE\b|"
    r"PREPARE\s+TRANSACTION|CREATE\s+DATABASE|DROP\s+DATABASE|CREATE\s+TABLESPACE|"
    r"DROP\s+TABLESPACE|VACUUM\b|ALTER\s+SYSTEM|DISCARD\s+ALL|REINDEX\s+(SCHEMA|DATABASE|SYSTEM)|"
    r".*\bCONCURRENTLY\b|\\c(onnect)?\b|--\s*migrate:no-transaction)",
    re.IGNORECASE | re.MULTILINE)
PSQL_ERR_RE = re.compile(rb"^psql:[^:\n]*:(\d+): (?:ERROR|FATAL):  (.*)$", re.MULTILINE)
TOOL_ERR_RE = re.compile(r"error: sql/init/20240101/01_[^:\s]*\.sql:(\d+)(?::\d+)?: (.*)$",
                         re.MULTILINE)
REFUSED_RE = re.compile(r"unsupported meta-command|is not supported|not allowed|"
                        r"\\connect to another", re.IGNORECASE)


def env(**extra):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("PG", "MIGRATE_", "DATABASE_URL"))}
    e["LC_ALL"] = "C"
    e.update(extra)
    return e


def psql(cluster, db, path, single, cwd, regress, timeout):
    cmd = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cluster.sock, "-p", str(cluster.port),
           "-U", SUPERUSER, "-d", db] + (["-1"] if single else []) + ["-f", str(path)]
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=timeout, env=env(PG_ABS_SRCDIR=str(regress),
                                                   PG_ABS_BUILDDIR=str(regress),
                                                   PG_LIBDIR=str(regress), PG_DLSUFFIX=".so"))


def dump(cluster, db):
    r = subprocess.run([PG_DUMP, "-h", cluster.sock, "-p", str(cluster.port), "-U", SUPERUSER,
                        "-T", "migrate_entry_*", db], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env(), timeout=300)
    if r.returncode != 0:
        return b"pg_dump failed: " + r.stderr
    return b"".join(l for l in r.stdout.splitlines(keepends=True)
                    if not l.startswith((b"\\restrict ", b"\\unrestrict ")))


def schedule_order(regress):
    names = []
    for line in (regress / "parallel_schedule").read_text().splitlines():
        if line.startswith("test:"):
            names += line.split(":", 1)[1].split()
    have = sorted(p.stem for p in (regress / "sql").glob("*.sql"))
    return [n for n in names if n in have] + [n for n in have if n not in names]


def one(name, clusters, regress, binary, work, out_dir, timeout):
    src = regress / "sql" / f"{name}.sql"
    text = src.read_bytes()
    dbname = "o_" + re.sub(r"\W", "_", name) + "_" + uuid.uuid4().hex[:6]
    for c in clusters.values():
        c.sql(f'CREATE DATABASE "{dbname}" TEMPLATE {TEMPLATE}')
    proj = work / name
    init = proj / "sql" / "init" / "20240101"
    init.mkdir(parents=True, exist_ok=True)
    (init / f"01_{name}.sql").write_bytes(text)
    t0 = time.monotonic()
    try:
        tool = subprocess.run(
            [str(Path(binary).parent / "migrate"), "init"], cwd=proj, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, timeout=timeout,
            env=env(DATABASE_URL=clusters["tool"].url(dbname), MIGRATE_VERIFY_SCHEMA=NO_SCHEMA,
                    PG_ABS_SRCDIR=str(regress), PG_ABS_BUILDDIR=str(regress),
                    PG_LIBDIR=str(regress), PG_DLSUFFIX=".so"))
        tool_rc, tool_err = tool.returncode, tool.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        tool_rc, tool_err = None, "timeout"
    if "statement by statement" in tool_err:
        single = False
    elif "ran init script" in tool_err or "nothing of it was applied" in tool_err:
        single = True  # ran in one transaction (and, failing, was rolled back whole)
    else:
        single = not AUTOCOMMIT_RE.search(text.decode(errors="replace"))
    try:
        p = psql(clusters["psql"], dbname, init / f"01_{name}.sql", single, proj, regress, timeout)
        psql_rc, psql_err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        psql_rc, psql_err = None, b"timeout"
    secs = time.monotonic() - t0

    d_psql = dump(clusters["psql"], dbname)
    d_tool = dump(clusters["tool"], dbname)
    same_db = d_psql == d_tool
    pm = PSQL_ERR_RE.search(psql_err)
    tm = TOOL_ERR_RE.search(tool_err)
    p_stop = (int(pm.group(1)), pm.group(2).decode(errors="replace").strip()) if pm else None
    t_stop = (int(tm.group(1)), tm.group(2)) if tm else None

    if tool_rc is None or psql_rc is None:
        verdict = "timeout"
    elif tool_rc == 0 and psql_rc == 0:
        verdict = "same" if same_db else "different"
    elif tool_rc == 6 and REFUSED_RE.search(tool_err):
        verdict = "refused"
    elif tool_rc == 6 and psql_rc == 3:
        # psql names the line where the statement ended, the tool the line of the token the
        # server points at (or the statement's start): the tool's may be earlier, not later
        stop_same = (p_stop and t_stop and t_stop[0] <= p_stop[0]
                     and t_stop[1].startswith(p_stop[1]))
        verdict = "both-failed" if stop_same and same_db else "different"
    else:
        verdict = "different"

    with open(out_dir / f"{name}.txt", "w") as f:
        f.write(f"{name}: {verdict}; psql {'-1 ' if single else ''}exit {psql_rc}, "
                f"tool exit {tool_rc}; dumps {'equal' if same_db else 'differ'}\n"
                f"psql stopped at {p_stop}\ntool stopped at {t_stop}\n\n--- tool stderr\n"
                f"{tool_err}\n--- psql stderr\n{psql_err.decode(errors='replace')}\n")
        if not same_db:
            f.write("--- dump diff (psql -> tool)\n")
            f.writelines(difflib.unified_diff(
                d_psql.decode(errors="replace").splitlines(True),
                d_tool.decode(errors="replace").splitlines(True), "psql", "tool", n=2))
    for c in clusters.values():
        try:
            c.sql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        except Exception:  # e.g. a subscription left behind: keep it, the name is not reused
            pass
    shutil.rmtree(proj, ignore_errors=True)
    return dict(name=name, verdict=verdict, single=single, psql=psql_rc, tool=tool_rc,
                p_stop=p_stop, t_stop=t_stop, secs=secs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--regress-dir", required=True, help="…/src/test/regress of PostgreSQL 15")
    ap.add_argument("--binary", default=os.environ.get("MIGRATE_ENTRY_BINARY") or
                    str(HERE.parents[1] / "build" / "migrate-entry"))
    ap.add_argument("--out", default=None, help="directory for the per-file details")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per run of one side")
    ap.add_argument("names", nargs="*", help="regression tests to run (default: all)")
    a = ap.parse_args()

    # the server reads data files with COPY: give it a world-readable copy of the sources
    work = Path(tempfile.mkdtemp(prefix="oracle-regress-"))
    os.chmod(work, 0o755)
    regress = work / "regress"
    shutil.copytree(a.regress_dir, regress)
    subprocess.run(["chmod", "-R", "a+rX", str(work)], check=True)
    out_dir = Path(a.out or tempfile.mkdtemp(prefix="oracle-regress-out-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    clusters = {}
    try:
        for side in ("psql", "tool"):
            clusters[side] = c = Cluster(f"oracle-{side}").start()
            c.sql(f"CREATE DATABASE {TEMPLATE}")
            # the template: test_setup.sql through psql on both sides, errors allowed (regress.so
            # is not built, so its C functions are missing)
            subprocess.run([PSQL, "-X", "-q", "-h", c.sock, "-p", str(c.port), "-U", SUPERUSER,
                            "-d", TEMPLATE, "-f", str(regress / "sql" / "test_setup.sql")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work,
                           env=env(PG_ABS_SRCDIR=str(regress), PG_ABS_BUILDDIR=str(regress),
                                   PG_LIBDIR=str(regress), PG_DLSUFFIX=".so"))
        names = a.names or [n for n in schedule_order(regress) if n != "test_setup"]
        results = []
        for n in names:
            r = one(n, clusters, regress, a.binary, work, out_dir, a.timeout)
            results.append(r)
            print(f"{r['name']:<28} {r['verdict']:<12} {'-1' if r['single'] else 'ac':<3}"
                  f" psql {r['psql']!s:<4} tool {r['tool']!s:<4} {r['secs']:6.1f}s"
                  f"  psql stop {r['p_stop'][0] if r['p_stop'] else '-'!s:<6}"
                  f" tool stop {r['t_stop'][0] if r['t_stop'] else '-'}", flush=True)
    finally:
        for c in clusters.values():
            c.destroy()
        shutil.rmtree(work, ignore_errors=True)

    counts = {}
    for r in results:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    print("\nsummary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) +
          f" ({len(results)} files); details in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
