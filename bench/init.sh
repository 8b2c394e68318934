#!/usr/bin/env bash
# Init-script benchmark (called by bench/run.sh, runs alone too).
#
# Generates two scripts under /tmp (never committed; removed at exit):
#   - pg_dump-like, BENCH_DUMP_MB (default 210) MB: CREATE TABLEs, COPY … FROM
#     stdin data with tabs, backslashes, NULLs and non-ASCII, primary keys;
#   - statement-heavy, BENCH_STATEMENTS (default 100000) small statements
#     (CREATE TABLE and single-row INSERTs, no COPY);
# and compares with hyperfine, each run on a freshly created database over
# TCP with scram-sha-256, `migrate init` against
# `psql -X -q -1 -v ON_ERROR_STOP=1 -f` (max_wal_size raised and a CHECKPOINT
# before each run, to keep the server's own noise down).  Then the peak RSS (GNU time,
# "Maximum resident set size") of both on the large script.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
throwaway_pg_start bench bench-pw
work=$(mktemp -d /tmp/migrate-bench-init.XXXXXX)
trap 'rm -rf "$work"; throwaway_pg_stop' EXIT

export PGPASSWORD=bench-pw PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=bench
url="postgresql://bench@127.0.0.1:$PG_PORT/initbench"
bin=$PWD/build/migrate
# Less noise from the server: no checkpoint forced by WAL volume during a run,
# and each run starts after a checkpoint.
psql -X -q -d postgres -c "ALTER SYSTEM SET max_wal_size = '8GB'" -c "SELECT pg_reload_conf()" >/dev/null
fresh="dropdb --if-exists initbench && createdb initbench && psql -X -q -d postgres -c CHECKPOINT"
runs=${BENCH_INIT_RUNS:-5}

mkdir -p "$work/dump/20240101" "$work/stmts/20240101"
/usr/bin/python3 bench/gen_init_script.py dump "${BENCH_DUMP_MB:-210}" "$work/dump/20240101/01_dump.sql"
/usr/bin/python3 bench/gen_init_script.py statements "${BENCH_STATEMENTS:-100000}" \
	"$work/stmts/20240101/01_statements.sql"

compare() { # label, init dir, script, runs
	echo "== $1: migrate init vs psql -1 -f ($(du -m "$3" | cut -f1) MB) =="
	hyperfine --runs "$4" --prepare "$fresh" \
		-n "migrate init" "env DATABASE_URL=$url $bin -q init --init-dir $2" \
		-n "psql -X -1 -f" "psql -X -q -1 -v ON_ERROR_STOP=1 -d $url -f $3" \
		--export-markdown "${BENCH_OUT:-/dev/null}"
}
compare "pg_dump-like script" "$work/dump" "$work/dump/20240101/01_dump.sql" "$runs"
compare "statement-heavy script" "$work/stmts" "$work/stmts/20240101/01_statements.sql" \
	"${BENCH_STMT_RUNS:-5}"

echo "== peak RSS on the pg_dump-like script =="
rss() { /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>&1; echo "$(($(tail -1 "$work/rss") / 1024)) MiB"; }
sh -c "$fresh"
echo "migrate init: $(rss env DATABASE_URL="$url" "$bin" -q init --init-dir "$work/dump")"
sh -c "$fresh"
echo "psql -1 -f:   $(rss psql -X -q -1 -v ON_ERROR_STOP=1 -d "$url" -f "$work/dump/20240101/01_dump.sql")"
sh -c "$fresh"
echo "migrate init, statement-heavy: $(rss env DATABASE_URL="$url" "$bin" -q init --init-dir "$work/stmts")"
