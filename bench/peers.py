#!/usr/bin/python3
"""Driver of the peers benchmark; bench/peers.sh sets up the server and the tools and runs it.

Shuffled rounds: each round runs every command once, in a random order, so drift on the machine
hits every tool alike.  Every run is one process tree started here and timed here (wall time,
perf_counter around it); GNU time (/usr/bin/time -f %M) wraps it for the peak RSS of its largest
process, and a second GNU time inside the pipelines wraps the tool itself (alembic, dbmate,
psql -1).  Before each cold run the command's database is dropped and the server checkpoints
(not timed).  After each run: its exit code, then the database's schema (tables in public less
each tool's bookkeeping tables, their columns and indexes, the generated rows) and its revision
state; every command must leave the same schema, or the benchmark stops.

Settings from the environment: BENCH_ROUNDS (10), BENCH_WARM_ROUNDS (3 x BENCH_ROUNDS),
BENCH_PEERS_SIZES ("10 100 1000"), BENCH_PEERS_WARMUP (1 untimed round per size),
BENCH_SEED (random), BENCH_OUT (PREFIX: writes PREFIX.peers.md and PREFIX.peers.json).
"""
import argparse
import json
import os
import platform
import random
import shlex
import statistics
import subprocess
import sys
import time

import psycopg2

BOOKKEEPING = ("alembic_version", "schema_migrations")   # and migrate_entry_*


def die(msg):
    print(f"peers: {msg}", file=sys.stderr)
    sys.exit(1)


class Cmd:
    """One benchmarked command.  argv runs under GNU time; tool_rss is the file the inner GNU
    time writes (None: the command is the tool)."""

    def __init__(self, key, label, display, argv, env, db, cold, state):
        self.key, self.label, self.display = key, label, display
        self.argv, self.env, self.db, self.cold, self.state = argv, env, db, cold, state
        self.times, self.rss, self.tool_rss = [], [], []


class Bench:
    def __init__(self, a):
        self.a = a
        self.work = a.work
        self.rounds = int(os.environ.get("BENCH_ROUNDS") or 10)
        self.warm_rounds = int(os.environ.get("BENCH_WARM_ROUNDS") or 3 * self.rounds)
        self.warmup = int(os.environ.get("BENCH_PEERS_WARMUP") or 1)
        self.sizes = [int(x) for x in (os.environ.get("BENCH_PEERS_SIZES") or "10 100 1000").split()]
        self.seed = int(os.environ.get("BENCH_SEED") or random.SystemRandom().randrange(1 << 31))
        self.rng = random.Random(self.seed)
        self.env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(a.port), PGUSER=a.user,
                        PGPASSWORD=a.password)
        for k in ("PGDATABASE", "PGSERVICE", "DATABASE_URL", "MIGRATE_CONFIG"):
            self.env.pop(k, None)
        self.admin = psycopg2.connect(host="127.0.0.1", port=a.port, user=a.user,
                                      password=a.password, dbname="postgres")
        self.admin.autocommit = True
        self.runno = 0

    # ---- database helpers -------------------------------------------------------------
    def sql(self, q, db=None):
        if db is None:
            cur = self.admin.cursor()
            cur.execute(q)
            return cur.fetchall() if cur.description else None
        c = psycopg2.connect(host="127.0.0.1", port=self.a.port, user=self.a.user,
                             password=self.a.password, dbname=db)
        try:
            cur = c.cursor()
            cur.execute(q)
            return cur.fetchall()
        finally:
            c.close()

    def fingerprint(self, db):
        excl = ", ".join("'%s'" % t for t in BOOKKEEPING)
        keep = f"schemaname = 'public' AND tablename NOT IN ({excl}) AND tablename NOT LIKE 'migrate\\_entry\\_%'"
        r = self.sql(f"""
            SELECT (SELECT count(*) FROM pg_tables WHERE {keep}),
                   (SELECT md5(string_agg(tablename, ',' ORDER BY tablename)) FROM pg_tables WHERE {keep}),
                   (SELECT count(*) FROM information_schema.columns c JOIN pg_tables t
                      ON t.schemaname = c.table_schema AND t.tablename = c.table_name WHERE {keep}),
                   (SELECT count(*) FROM pg_indexes WHERE {keep}),
                   (SELECT coalesce(sum((xpath('/row/c/text()', query_to_xml(
                        format('SELECT count(*) AS c FROM public.%I', tablename), false, true, '')))[1]::text::int), 0)
                      FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'bench\\_rev\\_%')""", db)[0]
        return {"tables": r[0], "names_md5": r[1], "columns": r[2], "indexes": r[3], "bench_rows": r[4]}

    # ---- commands -----------------------------------------------------------------------
    def scenario(self, n):
        d = os.path.join(self.work, f"n{n}")
        if not os.path.isdir(d):
            subprocess.run(["/usr/bin/python3", self.a.gen, d, str(n), self.a.init_dir], check=True)
        return d

    def url(self, db, scheme="postgresql"):
        return f"{scheme}://{self.a.user}@127.0.0.1:{self.a.port}/{db}"

    def rssfile(self, key, tag):
        return os.path.join(self.work, f"rss.{key}.{tag}")

    def timed(self, key, argv, tool=False):
        """argv under GNU time writing the peak RSS (KiB) to a file."""
        return ["/usr/bin/time", "-f", "%M", "-o", self.rssfile(key, "tool" if tool else "all")] + argv

    def make_cmds(self, n, warm=False):
        d = self.scenario(n)
        a, q = self.a, shlex.quote
        inits = open(os.path.join(d, "init-files.txt")).read().splitlines()
        last_rev = sorted(os.listdir(os.path.join(d, "migrate")),
                          key=lambda f: int(f.split("_step_")[1].split(".")[0]))[-1].split("_")[0] if n else None
        psql_loop = ("for f in " + " ".join(q(f) for f in inits) + "; do "
                     f"psql -X -q -v ON_ERROR_STOP=1 -d \"$DB\" -f \"$f\" || exit $?; done")
        me_argv = [a.migrate_entry, "-q", "--config", a.config, "--init-dir", a.init_dir,
                   "--migrations-dir", os.path.join(d, "migrate"), "--", "true"]
        alembic_ini = os.path.join(d, "alembic", "alembic.ini")
        dbmate_dir = os.path.join(d, "dbmate")

        def me_state(db):
            v = self.sql("SELECT string_agg(version_num, ',') FROM alembic_version", db)[0][0]
            return None if v == last_rev else f"alembic_version is {v!r}, expected {last_rev!r}"

        def dbmate_state(db):
            v = self.sql("SELECT count(*) FROM schema_migrations", db)[0][0]
            return None if v == n else f"schema_migrations has {v} rows, expected {n}"

        def no_state(db):
            return None

        cmds = []

        def add(key, label, display, argv, db, state, extra_env=None, pipeline=None):
            env = dict(self.env, DB=db, **(extra_env or {}))
            if pipeline is not None:
                argv = ["sh", "-c", "set -e\n" + pipeline]
            k = f"{'warm' if warm else 'cold'}{n}.{key}"
            cmds.append(Cmd(k, label, display, self.timed(k, argv), env, db, not warm, state))

        tool = lambda k, argv: " ".join(q(x) for x in self.timed(f"{'warm' if warm else 'cold'}{n}.{k}", argv, tool=True))
        if not warm:
            db = f"peers_me_{n}"
            add("me", "migrate-entry", "migrate-entry --init-dir … --migrations-dir … -- true",
                me_argv, db, me_state, {"DATABASE_URL": self.url(db)})
            db = f"peers_me1tx_{n}"
            add("me1tx", "migrate-entry, one transaction",
                "same, MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION=false",
                me_argv, db, me_state, {"DATABASE_URL": self.url(db),
                                        "MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION": "false"})
            db = f"peers_alembic_{n}"
            add("alembic", "psql loop + Alembic", "createdb; psql -f each init script; alembic upgrade head",
                None, db, me_state, {"PEERS_ALEMBIC_URL": self.url(db, "postgresql+psycopg2")},
                pipeline=f'createdb "$DB"\n{psql_loop}\n'
                         + tool("alembic", [a.alembic, "-c", alembic_ini, "upgrade", "head"]) + "\n")
            db = f"peers_dbmate_{n}"
            add("dbmate", "psql loop + dbmate", "createdb; psql -f each init script; dbmate up",
                None, db, dbmate_state,
                {"DATABASE_URL": self.url(db, "postgres") + "?sslmode=disable"},
                pipeline=f'createdb "$DB"\n{psql_loop}\n'
                         + tool("dbmate", [a.dbmate, "--no-dump-schema", "--migrations-dir", dbmate_dir, "up"]) + "\n")
            db = f"peers_floor_{n}"
            add("floor", "floor: psql -1 -f bundle.sql", "createdb; psql -1 -f bundle.sql (init scripts + bodies)",
                None, db, no_state,
                pipeline='createdb "$DB"\n'
                         + tool("floor", ["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", db,
                                          "-f", os.path.join(d, "bundle.sql")]) + "\n")
        else:
            db = f"peers_me_{n}"
            add("me", "migrate-entry", "migrate-entry … -- true", me_argv, db, me_state,
                {"DATABASE_URL": self.url(db)})
            if a.migrate_entry_static:
                # the binary the image ships: no dynamic loader, no shared libraries to map
                add("me_static", "migrate-entry, static build", "build/static/migrate-entry … -- true",
                    [a.migrate_entry_static] + me_argv[1:], db, me_state, {"DATABASE_URL": self.url(db)})
            db = f"peers_alembic_{n}"
            add("alembic", "Alembic", "alembic upgrade head", [a.alembic, "-c", alembic_ini, "upgrade", "head"],
                db, me_state, {"PEERS_ALEMBIC_URL": self.url(db, "postgresql+psycopg2")})
            db = f"peers_dbmate_{n}"
            add("dbmate", "dbmate", "dbmate up",
                [a.dbmate, "--no-dump-schema", "--migrations-dir", dbmate_dir, "up"], db, dbmate_state,
                {"DATABASE_URL": self.url(db, "postgres") + "?sslmode=disable"})
            db = f"peers_floor_{n}"
            if a.psql_bin:
                # Debian's psql on PATH is pg_wrapper, a Perl script that picks the cluster's
                # version and execs this binary: the floor's time includes Perl's start
                add("psql_bin", "psql binary -c 'select 1' (no pg_wrapper)", f"{a.psql_bin} -c 'select 1'",
                    [a.psql_bin, "-X", "-q", "-d", db, "-c", "select 1"], db, no_state)
            add("floor", "floor: psql -c 'select 1'", "psql -c 'select 1'",
                ["psql", "-X", "-q", "-d", db, "-c", "select 1"], db, no_state)
        return cmds

    # ---- running --------------------------------------------------------------------------
    def read_rss(self, path):
        try:
            lines = [l for l in open(path).read().split("\n") if l.strip()]
            os.unlink(path)
            return int(lines[-1]) if lines and lines[-1].strip().isdigit() else None
        except FileNotFoundError:
            return None

    def run(self, c, record):
        if c.cold:
            self.sql(f'DROP DATABASE IF EXISTS "{c.db}" WITH (FORCE)')
            self.sql("CHECKPOINT")
        self.runno += 1
        log = os.path.join(self.work, "last-run.log")
        with open(log, "w") as out:
            t0 = time.perf_counter()
            p = subprocess.run(c.argv, env=c.env, cwd=self.work, stdin=subprocess.DEVNULL,
                               stdout=out, stderr=subprocess.STDOUT)
            dt = time.perf_counter() - t0
        rss = self.read_rss(self.rssfile(c.key, "all"))
        tool_rss = self.read_rss(self.rssfile(c.key, "tool"))
        if p.returncode != 0:
            tail = open(log, errors="replace").read()[-3000:]
            die(f"{c.label} ({c.key}) failed with exit code {p.returncode}:\n"
                f"  {' '.join(shlex.quote(x) for x in c.argv)}\n--- output ---\n{tail}")
        if record:
            c.times.append(dt)
            c.rss.append(rss)
            c.tool_rss.append(tool_rss if tool_rss is not None else rss)
        return dt

    def check(self, cmds, n, expected):
        for c in cmds:
            fp = self.fingerprint(c.db)
            if expected.get(n) is None:
                expected[n] = (c.label, fp)
            elif fp != expected[n][1]:
                die(f"N={n}: {c.label} left database {c.db} with {fp}, but {expected[n][0]} "
                    f"left {expected[n][1]} (tables in public without the bookkeeping tables, "
                    f"their columns, indexes and generated rows must be the same)")
            err = c.state(c.db)
            if err:
                die(f"N={n}: {c.label}: database {c.db}: {err}")
        return expected[n][1]

    def phase(self, cmds, rounds, n, expected, title):
        total = self.warmup + rounds if cmds[0].cold else rounds
        for r in range(total):
            record = r >= total - rounds
            order = cmds[:]
            self.rng.shuffle(order)
            t0 = time.perf_counter()
            for c in order:
                self.run(c, record)
                if c.cold:
                    fp = self.check([c], n, expected)
            print(f"  {title}, round {r + 1}/{total}{'' if record else ' (warm-up, not counted)'}: "
                  f"{time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        return self.check(cmds, n, expected)


def fmt_t(s):
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 0.1:
        return f"{s * 1000:.0f} ms"
    return f"{s * 1000:.1f} ms"


def fmt_range(xs, f):
    lo, hi = f(min(xs)), f(max(xs))
    if lo == hi:
        return lo
    lo, hi = lo.split(" "), hi.split(" ")
    if len(lo) == len(hi) and lo[1:] == hi[1:]:
        return " ".join([f"{lo[0]}–{hi[0]}"] + lo[1:])
    return f"{' '.join(lo)} – {' '.join(hi)}"


def mib(k):
    return f"{k / 1024:.0f}"


def table(cmds, n_label):
    floor = statistics.median(cmds[-1].times)
    rows = []
    for i, c in enumerate(cmds):
        med = statistics.median(c.times)
        rss = [x for x in c.rss if x]
        trss = [x for x in c.tool_rss if x]
        rows.append(f"| {n_label if i == 0 else ''} | {c.label} | {fmt_t(med)} | {fmt_range(c.times, fmt_t)} | "
                    f"{med / floor:.2f}× | {mib(statistics.median(rss))} ({fmt_range(rss, mib)}) | "
                    f"{mib(statistics.median(trss))} ({fmt_range(trss, mib)}) |")
    return rows


def main():
    ap = argparse.ArgumentParser()
    for k in ("work", "port", "user", "password", "migrate-entry", "dbmate", "alembic", "init-dir", "config", "gen"):
        ap.add_argument("--" + k, required=True)
    ap.add_argument("--migrate-entry-static", default="")  # also time the static build's warm start
    ap.add_argument("--psql-bin", default="")  # also time the psql binary pg_wrapper runs
    a = ap.parse_args()
    b = Bench(a)
    def out(*argv):
        return subprocess.run(list(argv), capture_output=True, text=True).stdout.strip()
    versions = {
        "migrate-entry": out(a.migrate_entry, "--version"),
        "PostgreSQL": "PostgreSQL " + b.sql("SHOW server_version")[0][0],
        "Alembic": out(a.alembic, "--version") + ", SQLAlchemy "
                   + out("/usr/bin/python3", "-c", "import sqlalchemy; print(sqlalchemy.__version__)"),
        "dbmate": out(a.dbmate, "--version"),
        "psql": out("psql", "--version"),
    }
    load0 = os.getloadavg()
    started = time.time()
    stamp = time.strftime('%Y-%m-%d %H:%M')
    print(f"peers: sizes {b.sizes}, {b.rounds} rounds (+{b.warmup} warm-up), warm start {b.warm_rounds} "
          f"rounds, seed {b.seed}", file=sys.stderr)
    expected, cold, results = {}, [], {}
    for n in b.sizes:
        cmds = b.make_cmds(n)
        fp = b.phase(cmds, b.rounds, n, expected, f"N={n}")
        cold.append((n, cmds, fp))
    nw = max(b.sizes)
    warm = b.make_cmds(nw, warm=True)
    fpw = b.phase(warm, b.warm_rounds, nw, expected, f"warm start, N={nw}")
    load1 = os.getloadavg()
    elapsed = time.time() - started

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    out = []
    out.append(f"Peers, started {stamp}: {os.cpu_count()} cores ({cpu}), "
               f"{platform.system()} {platform.release()}; load average {load0[0]:.2f} at the start, "
               f"{load1[0]:.2f} at the end; {b.rounds} shuffled rounds per size after {b.warmup} warm-up "
               f"round(s), {b.warm_rounds} for the warm start; seed {b.seed}; {elapsed / 60:.1f} minutes in all.")
    out.append("")
    out.append("Versions: " + "; ".join(versions.values()) + ".")
    out.append("")
    ninit = len(open(os.path.join(b.scenario(b.sizes[0]), "init-files.txt")).read().splitlines())
    out.append(f"Cold: a missing database to head (created, {ninit} init scripts, N revisions). Time: median and "
               "min–max of the rounds; × floor: median over the floor's median. Peak RSS in MiB "
               "(GNU time %M): of the largest process of the run, and of the tool's own process "
               "(alembic, dbmate, the floor's psql -1; migrate-entry is one process).")
    out.append("")
    out.append("| N | command | median | min–max | × floor | peak RSS, largest process | the tool's process |")
    out.append("|---|---|---|---|---|---|---|")
    for n, cmds, fp in cold:
        out += table(cmds, f"{n:,}")
    out.append("")
    out.append(f"Warm start at head, N = {nw:,} (nothing to do), on the database each tool left:")
    out.append("")
    out.append("| N | command | median | min–max | × floor | peak RSS, largest process | the tool's process |")
    out.append("|---|---|---|---|---|---|---|")
    out += table(warm, f"{nw:,}")
    out.append("")
    out.append("Every database ended with the same schema: " + "; ".join(
        f"N={n:,}: {fp['tables']} tables in public (bookkeeping tables excluded), {fp['columns']} columns, "
        f"{fp['indexes']} indexes, {fp['bench_rows']} generated rows" for n, _, fp in cold) + ".")
    md = "\n".join(out) + "\n"
    print(md)
    prefix = os.environ.get("BENCH_OUT")
    if prefix:
        with open(prefix + ".peers.md", "w") as f:
            f.write(md)
        raw = {"seed": b.seed, "versions": versions, "load": [load0, load1],
               "runs": {c.key: {"label": c.label, "times": c.times, "rss_kib": c.rss, "tool_rss_kib": c.tool_rss}
                        for _, cmds, _ in cold for c in cmds} | {c.key: {"label": c.label, "times": c.times,
                                                                         "rss_kib": c.rss, "tool_rss_kib": c.tool_rss}
                                                                for c in warm}}
        with open(prefix + ".peers.json", "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
