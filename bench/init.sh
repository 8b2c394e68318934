#!/usr/bin/env bash
# Init-script benchmark (called by bench/run.sh, runs alone too): migrate init against psql,
# in both of the runner's modes, on one throwaway PostgreSQL 15.
#
# Scripts, generated under /tmp (never committed; removed at exit):
#   dump            pg_dump-like, BENCH_DUMP_MB MB: CREATE TABLEs, COPY … FROM stdin data with
#                   tabs, backslashes, NULLs and non-ASCII, primary keys
#                   (bench/gen_init_script.py dump)
#   inserts         a real `pg_dump --inserts` and a real `pg_dump --column-inserts` of a
#   column-inserts  source database built once per run by bench/init_source.sql: three tables,
#                   BENCH_PGDUMP_ROWS rows of mixed types in all, and BENCH_LO_COUNT large objects
#                   of BENCH_LO_KB KiB (pg_dump writes them near the end inside its own
#                   BEGIN; … COMMIT;, so the file needs autocommit in migrate)
#   inserts-nolo    `pg_dump --inserts --no-blobs` of the same source: no BEGIN … COMMIT, so
#                   migrate runs it in one transaction (the single-transaction comparison)
#   statements      BENCH_STATEMENTS small statements (CREATE TABLE, single-row INSERTs)
#   memory          CREATE TABLE t (v text); then ONE INSERT with a BENCH_BIG_MB MB literal
#
# For each of the first five, ONE hyperfine run with four commands, each run on a freshly
# created database over TCP with scram-sha-256 (max_wal_size raised, CHECKPOINT before each run):
#   migrate init                    default mode: one transaction per file
#   psql -X -q -1 -v ON_ERROR_STOP=1 -f
#   migrate init                    on the same file with a first line -- migrate:no-transaction
#   psql -X -q -v ON_ERROR_STOP=1 -f
# Before each run, and after the last, bench/init_fresh.sh checks what the run before left in the
# database (row counts and hashes of every table, large objects, constraints, indexes): every
# run of every command must leave the same, and for the pg_dump scripts the same as the source
# database.  Peak RSS (GNU time %M) of migrate init and psql -1 -f on the one-statement script,
# and, as before, on the pg_dump-like script (and of migrate init on the statements).
# At the end, one table of mean times and one of peak RSS.
#
# Knobs (defaults; BENCH_QUICK=1 for the smaller ones in brackets, a run of a minute or two):
#   BENCH_ONLY         dump,inserts,column-inserts,inserts-nolo,statements,memory (any subset)
#   BENCH_INIT_RUNS    hyperfine runs per command, 3 [2]; per script: BENCH_DUMP_RUNS,
#                      BENCH_PGDUMP_RUNS (both pg_dump scripts), BENCH_STMT_RUNS
#   BENCH_DUMP_MB      210 [20]
#   BENCH_PGDUMP_ROWS  250000 [20000] (about 53 MB with --inserts, 70 MB with --column-inserts)
#   BENCH_LO_COUNT     20 [4];  BENCH_LO_KB 256 [64]
#   BENCH_STATEMENTS   100000 [10000]
#   BENCH_BIG_MB       200 [20]
#   BENCH_VERIFY       1; 0 skips the content checks between runs
#   BENCH_OUT=PREFIX   also writes hyperfine's markdown tables to PREFIX.init-SCRIPT.md
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

quick() { if [ "${BENCH_QUICK:-0}" = 1 ]; then echo "$2"; else echo "$1"; fi; }
only=,${BENCH_ONLY:-dump,inserts,column-inserts,inserts-nolo,statements,memory},
runs=${BENCH_INIT_RUNS:-$(quick 3 2)}
dump_mb=${BENCH_DUMP_MB:-$(quick 210 20)}
pgdump_rows=${BENCH_PGDUMP_ROWS:-$(quick 250000 20000)}
lo_count=${BENCH_LO_COUNT:-$(quick 20 4)}
lo_kb=${BENCH_LO_KB:-$(quick 256 64)}
statements=${BENCH_STATEMENTS:-$(quick 100000 10000)}
big_mb=${BENCH_BIG_MB:-$(quick 200 20)}
wanted() { [[ $only == *,$1,* ]]; }

command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
throwaway_pg_start bench bench-pw
work=$(mktemp -d /tmp/migrate-bench-init.XXXXXX)
trap 'rm -rf "$work"; throwaway_pg_stop' EXIT

export PGPASSWORD=bench-pw PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=bench
db=initbench
url="postgresql://bench@127.0.0.1:$PG_PORT/$db"
bin=$PWD/build/migrate
results=$work/results.tsv
failed=0
: >"$results"
# Less noise from the server: no checkpoint forced by WAL volume during a run,
# and each run starts after a checkpoint.
psql -X -q -d postgres -c "ALTER SYSTEM SET max_wal_size = '8GB'" -c "SELECT pg_reload_conf()" >/dev/null

mib() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf(b < 10485760 ? "%.1f MB" : "%.0f MB", b / 1048576) }'; }

# place KEY FILE: FILE becomes $work/KEY/20240101/01_KEY.sql (the default-mode init dir) and a
# copy with a first line "-- migrate:no-transaction" goes to $work/KEY-nt/20240101/.
place() {
	mkdir -p "$work/$1/20240101" "$work/$1-nt/20240101"
	mv "$2" "$work/$1/20240101/01_$1.sql"
	{ echo "-- migrate:no-transaction"; cat "$work/$1/20240101/01_$1.sql"; } \
		>"$work/$1-nt/20240101/01_$1.sql"
}

# compare KEY LABEL RUNS [EXPECTED_FINGERPRINT_FILE]: one hyperfine run, four commands.
compare() {
	local key=$1 label=$2 n=$3 file=$work/$1/20240101/01_$1.sql fp=$work/$1.fingerprint
	local size md=() t0=$SECONDS
	size=$(mib "$file")
	if [ -n "${4:-}" ]; then cp "$4" "$fp"; else : >"$fp"; fi
	if [ -n "${BENCH_OUT:-}" ]; then md=(--export-markdown "$BENCH_OUT.init-$key.md"); fi
	echo "== $label ($size): migrate init vs psql, with and without one transaction =="
	PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists "$db"
	if hyperfine -N --runs "$n" --prepare "bash bench/init_fresh.sh $db $fp" \
		-n "migrate init" "env DATABASE_URL=$url $bin -q init --init-dir $work/$key" \
		-n "psql -X -1 -f" "psql -X -q -1 -v ON_ERROR_STOP=1 -d $url -f $file" \
		-n "migrate init, -- migrate:no-transaction" \
		"env DATABASE_URL=$url $bin -q init --init-dir $work/$key-nt" \
		-n "psql -X -f" "psql -X -q -v ON_ERROR_STOP=1 -d $url -f $file" \
		--export-json "$work/$key.json" "${md[@]}" &&
		bash bench/init_fresh.sh "$db" "$fp" check; then
		printf 'time\t%s\t%s\t%s\n' "$label" "$size" "$work/$key.json" >>"$results"
		if [ "${BENCH_VERIFY:-1}" = 1 ]; then
			echo "content check: every run left the same $(grep -c ' rows=' "$fp") tables," \
				"$(grep -o ' rows=[0-9]*' "$fp" | awk -F= '{ s += $2 } END { print s + 0 }') rows," \
				"$(sed -n 's/^large objects=\([0-9]*\).*/\1/p' "$fp") large objects${4:+, as the source database}"
		fi
		echo "($((SECONDS - t0)) s with the checks)"
	else
		echo "!! $label: the benchmark failed" >&2
		printf 'fail\t%s\t%s\n' "$label" "$size" >>"$results"
		cat "$fp.mismatch" 2>/dev/null >&2 || true
		failed=1
	fi
}

# rss COMMAND…: peak RSS in KiB of COMMAND on a fresh database, or "failed (exit N)".
rss() {
	local rc=0
	BENCH_VERIFY=0 bash bench/init_fresh.sh "$db" /dev/null >/dev/null
	/usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/rss.err" || rc=$?
	if [ "$rc" = 0 ]; then
		tail -1 "$work/rss"
	else
		echo "!! ${*: -1}: $(tail -1 "$work/rss.err")" >&2
		echo "failed (exit $rc)"
	fi
}
# rss_row SCRIPT SIZE STATEMENT_BYTES MIGRATE_KB PSQL_KB
rss_row() {
	printf 'rss\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"
	[[ $4 =~ ^[0-9]*$ && $5 =~ ^[0-9]*$ ]] || failed=1
}

if wanted dump; then
	/usr/bin/python3 bench/gen_init_script.py dump "$dump_mb" "$work/dump.sql"
	place dump "$work/dump.sql"
	compare dump "pg_dump-like, COPY" "${BENCH_DUMP_RUNS:-$runs}"
	rss_row "pg_dump-like, COPY" "$(mib "$work/dump/20240101/01_dump.sql")" "" \
		"$(rss env DATABASE_URL="$url" "$bin" -q init --init-dir "$work/dump")" \
		"$(rss psql -X -q -1 -v ON_ERROR_STOP=1 -d "$url" -f "$work/dump/20240101/01_dump.sql")"
	rm -rf "$work/dump" "$work/dump-nt"
fi

if wanted inserts || wanted column-inserts || wanted inserts-nolo; then
	echo "== source database: $pgdump_rows rows in 3 tables, $lo_count large objects of $lo_kb KiB =="
	createdb initsource
	psql -X -q -v ON_ERROR_STOP=1 -d initsource -v rows="$pgdump_rows" -v lo_count="$lo_count" \
		-v lo_kb="$lo_kb" -f bench/init_source.sql >/dev/null
	psql -X -Atq -v ON_ERROR_STOP=1 -d initsource -f bench/init_fingerprint.sql >"$work/source.fingerprint"
	for kind in inserts column-inserts inserts-nolo; do
		wanted "$kind" || continue
		if [ "$kind" = inserts-nolo ]; then
			# without the large objects' BEGIN … COMMIT the file runs in one
			# transaction in migrate: the single-transaction comparison
			"$PG_BIN/pg_dump" --inserts --no-blobs -d initsource -f "$work/$kind.sql"
			place "$kind" "$work/$kind.sql"
			compare "$kind" "pg_dump --inserts, no large objects" "${BENCH_PGDUMP_RUNS:-$runs}"
		else
			"$PG_BIN/pg_dump" "--$kind" -d initsource -f "$work/$kind.sql"
			place "$kind" "$work/$kind.sql"
			compare "$kind" "pg_dump --$kind, with large objects" "${BENCH_PGDUMP_RUNS:-$runs}" \
				"$work/source.fingerprint"
		fi
		rm -rf "$work/$kind" "$work/$kind-nt"
	done
	dropdb initsource
fi

if wanted statements; then
	/usr/bin/python3 bench/gen_init_script.py statements "$statements" "$work/statements.sql"
	place statements "$work/statements.sql"
	compare statements "$statements small statements" "${BENCH_STMT_RUNS:-$runs}"
	rss_row "$statements small statements" "$(mib "$work/statements/20240101/01_statements.sql")" "" \
		"$(rss env DATABASE_URL="$url" "$bin" -q init --init-dir "$work/statements")" ""
	rm -rf "$work/statements" "$work/statements-nt"
fi

if wanted memory; then
	echo "== peak RSS: one INSERT with a $big_mb MB literal =="
	mkdir -p "$work/big/20240101"
	read -r stmt_bytes value_bytes < <(/usr/bin/python3 bench/gen_init_script.py bigstatement \
		"$big_mb" "$work/big/20240101/01_big.sql")
	check_big() { # the value arrived whole
		local got
		got=$(psql -X -Atq -d "$db" -c "SELECT octet_length(v) FROM t" 2>/dev/null || true)
		if [ "$got" != "$value_bytes" ]; then
			echo "!! $1 left octet_length(v) = '${got}', expected $value_bytes" >&2
			failed=1
		fi
	}
	m=$(rss env DATABASE_URL="$url" "$bin" -q init --init-dir "$work/big")
	check_big "migrate init"
	p=$(rss psql -X -q -1 -v ON_ERROR_STOP=1 -d "$url" -f "$work/big/20240101/01_big.sql")
	check_big "psql -1 -f"
	kib() { if [[ $1 =~ ^[0-9]+$ ]]; then echo "$1 KiB"; else echo "$1"; fi; }
	echo "migrate init: $(kib "$m"), psql -1 -f: $(kib "$p")"
	rss_row "one INSERT, one literal" "$big_mb MB" "$stmt_bytes" "$m" "$p"
	rm -rf "$work/big"
fi

echo
/usr/bin/python3 bench/init_report.py "$results"
echo "(init benchmark: $SECONDS s)"
exit "$failed"
