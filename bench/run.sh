#!/usr/bin/env bash
# Benchmarks (make bench).  Starts a throwaway PostgreSQL and compares, with
# hyperfine, a warm `migrate-entry -- true` (database exists: wait, lock,
# exec) against `psql -c 'select 1'` on the same server, then runs bench/revisions.sh,
# bench/init.sh, bench/import_alembic.sh and the SQL scanner's throughput.
#
# BENCH_QUICK=1: a smaller pass of everything (20 warm starts, 3 revision runs, the init
# benchmark's small sizes; see bench/init.sh for its own knobs).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
throwaway_pg_start bench bench-pw
export PGPASSWORD=bench-pw
url="postgresql://bench@127.0.0.1:$PG_PORT/benchdb"
DATABASE_URL=$url build/migrate-entry -q -- true   # create the database once

echo "== warm start vs psql (server on 127.0.0.1:$PG_PORT, scram-sha-256) =="
quick=${BENCH_QUICK:-0}
hyperfine -N --warmup 5 --runs "${BENCH_RUNS:-$([ "$quick" = 1 ] && echo 20 || echo 200)}" \
	-n "migrate-entry -- true (warm)" "env DATABASE_URL=$url build/migrate-entry -q -- true" \
	-n "psql -c 'select 1'" "psql -X -q -d $url -c 'select 1'" \
	--export-markdown "${BENCH_OUT:-/dev/null}"
if [ "$quick" = 1 ]; then BENCH_RUNS=${BENCH_RUNS:-3} bash bench/revisions.sh; else bash bench/revisions.sh; fi

# Init scripts: migrate init vs psql -1 -f and psql -f, peak RSS (docs/benchmarks.md)
bash bench/init.sh

# import-alembic on a generated 100-revision Alembic project (docs/benchmarks.md)
if [ "$quick" = 1 ]; then BENCH_RUNS=${BENCH_RUNS:-3} bash bench/import_alembic.sh; else bash bench/import_alembic.sh; fi

bash bench/template_cache.sh  # a fresh database from the template cache vs a first bootstrap (docs/benchmarks.md)
if [ "$quick" = 1 ]; then BENCH_ROUNDS=${BENCH_ROUNDS:-2} BENCH_PEERS_SIZES=${BENCH_PEERS_SIZES:-10 100} bash bench/peers.sh; else bash bench/peers.sh; fi  # migrate-entry vs Alembic, dbmate and psql -1, shuffled rounds (docs/benchmarks.md)

# SQL scanner throughput, in memory, no server (docs/benchmarks.md)
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Isrc -o build/sqlscan_speed bench/sqlscan_speed.c build/libmigrate.a
build/sqlscan_speed
