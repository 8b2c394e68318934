#!/usr/bin/env bash
# Benchmarks (make bench).  Starts a throwaway PostgreSQL and compares, with
# hyperfine, a warm `migrate-entry -- true` (database exists: wait, lock,
# exec) against `psql -c 'select 1'` on the same server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
throwaway_pg_start bench bench-pw
export PGPASSWORD=bench-pw
url="postgresql://bench@127.0.0.1:$PG_PORT/benchdb"
DATABASE_URL=$url build/migrate-entry -q -- true   # create the database once

echo "== warm start vs psql (server on 127.0.0.1:$PG_PORT, scram-sha-256) =="
hyperfine -N --warmup 5 --runs "${BENCH_RUNS:-200}" \
	-n "migrate-entry -- true (warm)" "env DATABASE_URL=$url build/migrate-entry -q -- true" \
	-n "psql -c 'select 1'" "psql -X -q -d $url -c 'select 1'" \
	--export-markdown "${BENCH_OUT:-/dev/null}"
bash bench/revisions.sh

# Init scripts: migrate init vs psql -1 -f, peak RSS (docs/benchmarks.md)
bash bench/init.sh

# SQL scanner throughput, in memory, no server (docs/benchmarks.md)
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -Isrc -o build/sqlscan_speed bench/sqlscan_speed.c build/libmigrate.a
build/sqlscan_speed
