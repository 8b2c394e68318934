#!/usr/bin/env bash
# Revision benchmarks (make bench).  Starts its own throwaway PostgreSQL.
#
# 1. 1,000 generated revisions (each creates a small table, or alters and indexes the one
#    before), on a fresh database each run:
#      migrate upgrade head            one transaction per revision, version table, history row
#      psql -X -1 -v ON_ERROR_STOP=1 -f the same bodies concatenated, one transaction
# 2. `migrate validate` and `migrate history` on 10,000 generated revisions (no database).
#
# BENCH_RUNS (default 10) runs per command; BENCH_OUT=PREFIX writes hyperfine's markdown tables
# to PREFIX.upgrade.md and PREFIX.graph.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
runs=${BENCH_RUNS:-10}
export_md() { if [ -n "${BENCH_OUT:-}" ]; then echo --export-markdown "$BENCH_OUT.$1.md"; fi; }
work=$(mktemp -d /tmp/migrate-bench.XXXXXX)
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
fresh="${PSQL[*]} -d postgres -c 'DROP DATABASE IF EXISTS revbench' -c 'CREATE DATABASE revbench'"
eval "$fresh"

echo "== 1,000 revisions: migrate upgrade head vs psql -1 -f of the bodies (server on 127.0.0.1:$PG_PORT) =="
hyperfine -N --runs "$runs" --prepare "sh -c \"$fresh\"" \
	-n "migrate upgrade head (1,000 revisions)" \
	"env DATABASE_URL=$url $bin -q --migrations-dir $work/m1000 upgrade head" \
	-n "migrate upgrade head, one transaction (transaction_per_migration = false)" \
	"env DATABASE_URL=$url MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION=false $bin -q --migrations-dir $work/m1000 upgrade head" \
	-n "psql -X -1 -v ON_ERROR_STOP=1 -f bodies.sql" \
	"${PSQL[*]} -d revbench -1 -v ON_ERROR_STOP=1 -f $work/bodies.sql" \
	$(export_md upgrade)

# the result is the same schema either way
eval "$fresh"
DATABASE_URL=$url "$bin" -q --migrations-dir "$work/m1000" upgrade head
tables=$("${PSQL[@]}" -d revbench -Atc "SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\_%'")
echo "tables after migrate: $tables (expected 500)"

echo "== 10,000 revisions: validate and history (no database) =="
hyperfine -N --warmup 2 --runs "$runs" \
	-n "migrate validate (10,000 revisions)" "$bin -q --migrations-dir $work/m10000 validate" \
	-n "migrate history (10,000 revisions)" "$bin -q --migrations-dir $work/m10000 history" \
	-n "migrate upgrade head --sql (10,000 revisions)" "$bin -q --migrations-dir $work/m10000 upgrade head --sql" \
	$(export_md graph)
