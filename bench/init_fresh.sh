#!/usr/bin/env bash
# hyperfine --prepare for bench/init.sh (PG* variables set by it):
#
#   init_fresh.sh DB EXPECTED [check]
#
# If DB exists, the run before left it: its fingerprint (bench/init_fingerprint.sql) must equal
# the file EXPECTED; an empty or missing EXPECTED takes the first one seen.  A difference is
# written to EXPECTED.mismatch and fails the benchmark.  Then, unless "check", DB is dropped and
# created again, followed by a CHECKPOINT.  None of it is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
db=$1 expected=$2
exists=$(psql -X -Atq -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")
if [ "$exists" = 1 ] && [ "${BENCH_VERIFY:-1}" = 1 ]; then
	got=$(psql -X -Atq -v ON_ERROR_STOP=1 -d "$db" -f bench/init_fingerprint.sql)
	if [ ! -s "$expected" ]; then
		printf '%s\n' "$got" >"$expected"
	elif [ "$got" != "$(cat "$expected")" ]; then
		{ echo "database $db differs from the expected content:"
		  diff <(cat "$expected") <(printf '%s\n' "$got") || true; } >"$expected.mismatch"
		cat "$expected.mismatch" >&2
		exit 1
	fi
fi
[ "${3:-}" = check ] && exit 0
dropdb --if-exists "$db"
createdb "$db"
psql -X -q -d postgres -c CHECKPOINT
