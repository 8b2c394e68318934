#!/usr/bin/env bash
# The newcomer's first command: install what is needed, build, start a
# throwaway PostgreSQL 15 on a free local port, and run the entrypoint on the
# shipped Synapse DT example the way a container would
# (`migrate-entry -- python3 demo/app.py`).  It runs from the repository root,
# so migrate.ini, sql/init/ and migrations/ are the example's.  The server and
# its files are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

bash scripts/install-deps.sh
make -s

# Only the example's configuration and the URL below may steer the demo.
unset MIGRATE_CONFIG MIGRATE_DATABASE_URL MIGRATE_DATABASE_URL_FILE DATABASE_URL_FILE

password=demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
throwaway_pg_start synapse_user "$password"
echo "demo: started a throwaway PostgreSQL 15 on 127.0.0.1:$PG_PORT (data in $PG_BASE)"

export DATABASE_URL="postgresql+psycopg2://synapse_user:$password@127.0.0.1:$PG_PORT/synapse_dt"
echo "demo: DATABASE_URL=postgresql+psycopg2://synapse_user:***@127.0.0.1:$PG_PORT/synapse_dt"
echo "demo: the example: migrate.ini, sql/init/08032025/ (126-table baseline), migrations/ (baseline 3be61ad5f00f + 3)"
echo
echo "demo: 1. first start, database missing:  migrate-entry -- python3 demo/app.py --port 8000"
build/migrate-entry -- /usr/bin/python3 demo/app.py --port 8000 2>&1
echo
echo "demo: 2. second start, nothing to do:     migrate-entry -- python3 demo/app.py --port 8000"
build/migrate-entry -- /usr/bin/python3 demo/app.py --port 8000 2>&1
echo
echo "demo: 3. the same binary as the migration CLI:  migrate current; migrate verify"
build/migrate current 2>&1
build/migrate verify 2>&1
echo
echo "demo: done; next, run every test with: make test"
