#!/usr/bin/env bash
# Revision benchmarks (make bench).  Starts its own throwaway PostgreSQL (files in /dev/shm when
# it exists, so that the disk's write-back does not decide the figures).
#
# 1. 1,000 generated revisions (each creates a small table, or alters and indexes the one
#    before), each run on a fresh database, in shuffled rounds (every command once per round,
#    in a new random order, after an untimed CHECKPOINT):
#      migrate upgrade head            one transaction per revision, version table, history row
#      the same with transaction_per_migration = false (one transaction for the run)
#      psql -X -1 -v ON_ERROR_STOP=1 -f the same bodies concatenated: the floor, run by the
#      psql binary itself (Debian's psql on PATH is pg_wrapper, a Perl script: that one too)
#    Medians, ranges and the ratio of each median to the floor's.  BENCH_BINARY_B=PATH times
#    another build beside this one (before/after a change).
# 2. `migrate validate` and `migrate history` on 10,000 generated revisions (no database).
#
# BENCH_RUNS (default 10) rounds and runs per command; BENCH_OUT=PREFIX writes the table of 1.
# to PREFIX.upgrade.md and hyperfine's markdown table of 2. to PREFIX.graph.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
runs=${BENCH_RUNS:-10}
export_md() { if [ -n "${BENCH_OUT:-}" ]; then echo --export-markdown "$BENCH_OUT.$1.md"; fi; }
work=$(mktemp -d /tmp/migrate-bench.XXXXXX)
if [ -d /dev/shm ]; then export THROWAWAY_PG_DIR=${THROWAWAY_PG_DIR:-/dev/shm}; fi
throwaway_pg_start bench bench-pw
trap 'throwaway_pg_stop; rm -rf "$work"' EXIT
export PGPASSWORD=bench-pw
bin=$PWD/build/migrate
url="postgresql://bench@127.0.0.1:$PG_PORT/revbench"
PSQL=(psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U bench)

# gen DIR N [BODIES]: N revisions in a chain; ids are 12 hex digits as `migrate revision` makes.
gen() {
	/usr/bin/python3 - "$@" <<'EOF'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
bodies = open(sys.argv[3], "w") if len(sys.argv) > 3 else None
os.makedirs(d)
prev = None
for i in range(n):
    rev = "%012x" % (0x100000000000 + i * 7919)
    if i % 2 == 0:
        up = (f"CREATE TABLE t_{i} (id bigserial PRIMARY KEY, name text NOT NULL,\n"
              f"    created_at timestamptz NOT NULL DEFAULT now());\n"
              f"INSERT INTO t_{i} (name) VALUES ('row {i}');\n")
        down = f"DROP TABLE t_{i};\n"
    else:
        up = (f"ALTER TABLE t_{i - 1} ADD COLUMN note_{i} text;\n"
              f"CREATE INDEX t_{i - 1}_name_idx ON t_{i - 1} (name);\n")
        down = f"DROP INDEX t_{i - 1}_name_idx;\nALTER TABLE t_{i - 1} DROP COLUMN note_{i};\n"
    with open(os.path.join(d, f"{rev}_step_{i}.sql"), "w") as f:
        f.write(f"-- revision: {rev}\n-- down_revision: {prev or 'None'}\n"
                f"-- branch_labels: None\n-- depends_on: None\n"
                f"-- create_date: 2025-09-01 10:00:00\n-- message: step {i}\n\n"
                f"-- migrate:upgrade\n{up}\n-- migrate:downgrade\n{down}")
    if bodies:
        bodies.write(up)
    prev = rev
EOF
}

gen "$work/m1000" 1000 "$work/bodies.sql"
gen "$work/m10000" 10000
echo "== 1,000 revisions: migrate upgrade head vs psql -1 -f of the bodies (server on 127.0.0.1:$PG_PORT, $runs shuffled rounds) =="
psql_bin=/usr/lib/postgresql/15/bin/psql
[ -x "$psql_bin" ] || psql_bin=$(command -v psql)
cp "$bin" "$work/migrate-a" # a rebuild during the run does not change what is measured
commands=(a-default a-one psql-binary psql-path)
if [ -n "${BENCH_BINARY_B:-}" ]; then
	cp "$BENCH_BINARY_B" "$work/migrate-b"
	commands+=(b-default b-one)
fi
run_one() {
	local which=$1 one=()
	case $which in
	*-one) one=(MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION=false) ;;
	esac
	case $which in
	a-* | b-*) env DATABASE_URL="$url" "${one[@]}" "$work/migrate-${which%%-*}" -q \
		--migrations-dir "$work/m1000" upgrade head ;;
	psql-binary) "$psql_bin" -X -q -h 127.0.0.1 -p "$PG_PORT" -U bench -d revbench -1 \
		-v ON_ERROR_STOP=1 -f "$work/bodies.sql" ;;
	psql-path) psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U bench -d revbench -1 \
		-v ON_ERROR_STOP=1 -f "$work/bodies.sql" ;;
	esac
}
: >"$work/times"
for round in $(seq "$runs"); do
	for which in $(printf '%s\n' "${commands[@]}" | shuf); do
		"${PSQL[@]}" -d postgres -c 'DROP DATABASE IF EXISTS revbench' \
			-c 'CREATE DATABASE revbench' -c CHECKPOINT >/dev/null
		start=$(date +%s%N)
		run_one "$which" >/dev/null
		echo "$which $((($(date +%s%N) - start) / 1000))" >>"$work/times"
		tables=$("${PSQL[@]}" -d revbench -Atc "SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\_%'")
		[ "$tables" = 500 ] || { echo "revisions: $which left $tables tables, expected 500" >&2; exit 1; }
	done
done
/usr/bin/python3 - "$work/times" "${BENCH_OUT:+$BENCH_OUT.upgrade.md}" <<'EOF'
import collections, statistics, sys
names = {"a-default": "migrate upgrade head (a transaction per revision)",
         "a-one": "migrate upgrade head, one transaction (transaction_per_migration = false)",
         "b-default": "BENCH_BINARY_B: a transaction per revision",
         "b-one": "BENCH_BINARY_B: one transaction",
         "psql-binary": "psql -1 -f bodies.sql (the psql binary): the floor",
         "psql-path": "psql -1 -f bodies.sql (psql on PATH)"}
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    which, us = line.split()
    runs[which].append(int(us) / 1000)
floor = statistics.median(runs["psql-binary"])
rows = ["| command | median | min … max | × floor |", "|---|---|---|---|"]
for which in names:
    if which in runs:
        t = runs[which]
        rows.append(f"| {names[which]} | {statistics.median(t):.0f} ms | {min(t):.0f} … {max(t):.0f} ms "
                    f"| {statistics.median(t) / floor:.2f}× |")
print("\n".join(rows))
if len(sys.argv) > 2 and sys.argv[2]:
    open(sys.argv[2], "w").write("\n".join(rows) + "\n")
EOF

echo "== 10,000 revisions: validate and history (no database) =="
hyperfine -N --warmup 2 --runs "$runs" \
	-n "migrate validate (10,000 revisions)" "$bin -q --migrations-dir $work/m10000 validate" \
	-n "migrate history (10,000 revisions)" "$bin -q --migrations-dir $work/m10000 history" \
	-n "migrate upgrade head --sql (10,000 revisions)" "$bin -q --migrations-dir $work/m10000 upgrade head --sql" \
	$(export_md graph)
