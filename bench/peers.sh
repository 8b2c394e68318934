#!/usr/bin/env bash
# Peers benchmark (make bench; docs/benchmarks.md, "Peers: Alembic, dbmate and psql").
#
# What it measures: a missing database brought to head on one throwaway PostgreSQL 15
# (fsync=off, 127.0.0.1, scram-sha-256): the example's 126-table baseline with its seed data
# (the init scripts of sql/init/, in migrate-entry's order) plus N generated revisions, N in
# 10, 100 and 1,000 (small DDL and one row each, as in bench/revisions.sh), by
#   1. migrate-entry --init-dir … --migrations-dir … -- true   (creates the database, runs the
#      init scripts and revisions, verifies the example's 126-table manifest, execs true);
#      also with MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION=false
#   2. the old setup script's way: createdb; psql -X -q -v ON_ERROR_STOP=1 -f per init script;
#      alembic upgrade head (Debian's Alembic; revisions doing op.execute of the same SQL)
#   3. createdb; the same psql loop; dbmate --no-dump-schema up (dbmate from npm)
#   4. the floor: createdb; psql -X -q -1 -v ON_ERROR_STOP=1 -f bundle.sql (init scripts and
#      revision bodies concatenated)
# and the warm start at head (nothing to do) for the largest N, on the database each tool left:
# migrate-entry -- true, alembic upgrade head, dbmate up, and psql -c 'select 1' as the floor;
# also the psql binary itself (Debian's psql on PATH is pg_wrapper, a Perl script that execs it)
# and, when build/static/migrate-entry exists (make static), the static build.
# Shuffled rounds, wall time and peak RSS (GNU time) per run, medians, ranges, ratios to the
# floor; every run must succeed and every tool must leave the same schema.  The work is done by
# bench/peers.py (driver) and bench/peers_gen.py (the four formats of each scenario).
#
# Rerun it on your own machine (Debian/Ubuntu, root or sudo for the installs), from a checkout:
#   make && bash bench/peers.sh
#   BENCH_ROUNDS=3 BENCH_PEERS_SIZES="10 100" bash bench/peers.sh     # a quicker pass
# Settings: BENCH_ROUNDS (10 rounds per size), BENCH_WARM_ROUNDS (3 x BENCH_ROUNDS),
# BENCH_PEERS_SIZES ("10 100 1000"), BENCH_PEERS_WARMUP (1 untimed round per size), BENCH_SEED
# (the shuffle), BENCH_OUT=PREFIX (also writes PREFIX.peers.md and the raw runs to
# PREFIX.peers.json), BENCH_PEERS_CACHE (where dbmate is installed, ~/.cache/migrate-entry-bench).
# What is missing is installed, once: GNU time, Alembic and psycopg2 with apt-get, dbmate with
# npm into the cache directory (never into the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

# --- the tools ----------------------------------------------------------------------------
apt_install() {
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1 ||
		{ "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null; }
}
missing=()
[ -x /usr/bin/time ] || missing+=(time)
[ -x /usr/bin/alembic ] || missing+=(alembic)
/usr/bin/python3 -c 'import psycopg2, sqlalchemy' 2>/dev/null || missing+=(python3-psycopg2 python3-sqlalchemy)
command -v npm >/dev/null || missing+=(npm)
command -v createdb >/dev/null || missing+=(postgresql-client-15)
if [ "${#missing[@]}" -gt 0 ]; then
	echo "peers: installing ${missing[*]}" >&2
	apt_install "${missing[@]}"
fi
cache=${BENCH_PEERS_CACHE:-$HOME/.cache/migrate-entry-bench}
case "$(uname -m)" in
x86_64) dbmate_pkg=@dbmate/linux-x64 ;;
aarch64) dbmate_pkg=@dbmate/linux-arm64 ;;
*) echo "peers: no dbmate package for $(uname -m)" >&2; exit 1 ;;
esac
dbmate=$cache/npm/node_modules/$dbmate_pkg/bin/dbmate
if [ ! -x "$dbmate" ]; then
	echo "peers: installing $dbmate_pkg with npm into $cache/npm" >&2
	mkdir -p "$cache/npm"
	npm install --silent --no-audit --no-fund --prefix "$cache/npm" "$dbmate_pkg@^2" >/dev/null
	[ -x "$dbmate" ] || { echo "peers: npm installed $dbmate_pkg but $dbmate is not there" >&2; exit 1; }
fi
[ -x build/migrate-entry ] || make -s

# --- the server and the scenarios ---------------------------------------------------------
work=$(mktemp -d /tmp/migrate-peers.XXXXXX)
throwaway_pg_start bench bench-pw
trap 'throwaway_pg_stop; rm -rf "$work"' EXIT
# A copy, so that a rebuild during the run does not change the binary under measurement.
cp build/migrate-entry "$work/migrate-entry"
# The static build (make static), when there is one, is timed too in the warm start: it is the
# binary the image ships.
static=()
if [ -x build/static/migrate-entry ]; then
	cp build/static/migrate-entry "$work/migrate-entry-static"
	static=(--migrate-entry-static "$work/migrate-entry-static")
fi
cat >"$work/peers.ini" <<EOF
# bench/peers.sh: the example's verify settings (migrate.ini); the URL comes from DATABASE_URL.
[verify]
min_tables = 126
manifest = $PWD/sql/init/baseline.tables
EOF
echo "== peers: migrate-entry, the old setup script (psql + Alembic), dbmate, psql -1 (server on 127.0.0.1:$PG_PORT) ==" >&2
/usr/bin/python3 bench/peers.py --work "$work" --port "$PG_PORT" --user bench --password bench-pw \
	--migrate-entry "$work/migrate-entry" --dbmate "$dbmate" --alembic /usr/bin/alembic --init-dir "$PWD/sql/init" \
	--config "$work/peers.ini" --gen "$PWD/bench/peers_gen.py" --psql-bin "$PG_BIN/psql" "${static[@]}"
