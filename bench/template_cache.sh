#!/usr/bin/env bash
# The template cache (make bench; docs/benchmarks.md, "A fresh database from a template").
# Starts its own throwaway PostgreSQL and times, on the shipped example (migrate.ini, sql/init/,
# migrations/), a bootstrap that creates a fresh database:
#
#   first              database.template_cache off: create, 11 init scripts, 4 revisions, verify
#   first, making it   the cache on, on a server without the template: the same, and then the
#                      template made from the new database (the template is dropped before, untimed)
#   from the template  the cache on, the template there: the new database is cloned from it and
#                      the pipeline finds nothing to do
#
# Each round runs the three in a shuffled order, each on a database of its own (dropped after
# the round, untimed) and after a CHECKPOINT (untimed: a run does not pay for the dirty buffers
# of the one before), so that drift hits all alike; medians and ranges at the end, and the
# ratio the issue sets a target for: "from the template" at most 0.2x "first".
#
# The server's files are in /dev/shm when there is one (THROWAWAY_PG_DIR to choose): a copy of a
# database writes its size twice (WAL and files), and on a disk the time then depends on how
# much the runs before (other benchmarks included) left for the kernel to write back.
#
# BENCH_RUNS rounds (default 15; BENCH_QUICK=1: 5); BENCH_BINARY: the binary (default
# build/migrate-entry); BENCH_STRATEGY: database.strategy for every run (wal_log, file_copy;
# default: unset, PostgreSQL's default, wal_log).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

runs=${BENCH_RUNS:-$([ "${BENCH_QUICK:-0}" = 1 ] && echo 5 || echo 15)}
if [ -z "${THROWAWAY_PG_DIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export THROWAWAY_PG_DIR=/dev/shm
fi
throwaway_pg_start bench bench-pw
export PGPASSWORD=bench-pw
echo "== a fresh database: first bootstrap vs from the template (server on 127.0.0.1:$PG_PORT," \
	"files in ${THROWAWAY_PG_DIR:-/tmp}, $runs rounds, database.strategy ${BENCH_STRATEGY:-unset}) =="
/usr/bin/python3 - "$PG_PORT" "$runs" "${BENCH_BINARY:-$PWD/build/migrate-entry}" <<'EOF'
import os, random, re, statistics, subprocess, sys, time, uuid

port, runs, binary = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = {k: v for k, v in os.environ.items() if not k.startswith(("MIGRATE_", "DATABASE_URL"))}
psql = ["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", port, "-U", "bench", "-d", "postgres"]


def sql(q):
    return subprocess.run(psql + ["-c", q], check=True, stdout=subprocess.PIPE,
                          text=True).stdout.split()


def drop_templates():
    for t in sql("SELECT datname FROM pg_database WHERE datname LIKE 'migrate_entry_template_%'"):
        sql(f'ALTER DATABASE "{t}" IS_TEMPLATE false')
        sql(f'DROP DATABASE "{t}"')


def bootstrap(cache):
    db = "bench_" + uuid.uuid4().hex[:10]
    env = dict(base, DATABASE_URL=f"postgresql://bench@127.0.0.1:{port}/{db}",
               MIGRATE_DATABASE_TEMPLATE_CACHE="true" if cache else "false")
    if os.environ.get("BENCH_STRATEGY"):
        env["MIGRATE_DATABASE_STRATEGY"] = os.environ["BENCH_STRATEGY"]
    start = time.perf_counter()
    r = subprocess.run([binary, "--", "true"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"bootstrap failed:\n{r.stderr}")
    return db, took, r.stderr.strip().splitlines()[-1]


kinds = {"first": [], "first, making the template": [], "from the template": []}
parts = {"created from template in": [], "template made in": []}
bootstrap(True)  # the template, once, and a warm server
for _ in range(runs):
    order = list(kinds)
    random.shuffle(order)
    made = []
    for kind in order:
        if kind == "first, making the template":
            drop_templates()
        elif kind == "from the template" and not sql(
                "SELECT 1 FROM pg_database WHERE datname LIKE 'migrate_entry_template_%'"):
            bootstrap(True)
        sql("CHECKPOINT")  # each run starts with no dirty buffers, whatever ran before it
        db, took, summary = bootstrap(kind != "first")
        kinds[kind].append(took * 1000)
        made.append(db)
        m = re.search(r"database created from template \S+ in ([0-9.]+)(ms|s)", summary)
        if kind == "from the template":
            if not m:
                sys.exit(f"not cloned: {summary}")
            parts["created from template in"].append(float(m.group(1)) * (1000 if m.group(2) == "s" else 1))
        m = re.search(r"template \S+ made in ([0-9.]+)(ms|s)", summary)
        if m:
            parts["template made in"].append(float(m.group(1)) * (1000 if m.group(2) == "s" else 1))
    for db in made:
        sql(f'DROP DATABASE "{db}"')

med = {k: statistics.median(v) for k, v in kinds.items()}
print(f"{'':28} {'median':>9} {'min':>9} {'max':>9}")
for k, v in list(kinds.items()) + list(parts.items()):
    print(f"{k:28} {statistics.median(v):8.1f}ms {min(v):8.1f}ms {max(v):8.1f}ms")
ratio = med["from the template"] / med["first"]
rounds = [c / f for c, f in zip(kinds["from the template"], kinds["first"])]
print(f"from the template / first: {ratio:.2f}x of the medians, {statistics.median(rounds):.2f}x "
      f"the median of the rounds' ratios, {min(kinds['from the template']) / min(kinds['first']):.2f}x "
      f"of the minimums (target: at most 0.20x)")
print(f"from the template / first, making the template: "
      f"{med['from the template'] / med['first, making the template']:.2f}x of the medians")
EOF
