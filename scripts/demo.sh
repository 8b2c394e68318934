#!/usr/bin/env bash
# The newcomer's first command: install what is needed, build, start a
# throwaway PostgreSQL 15 on a free local port, and run the entrypoint the way
# a container would (`migrate-entry -- python3 demo/app.py`).  The server and
# its files are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/throwaway-pg.sh

bash scripts/install-deps.sh
make -s

password=demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
throwaway_pg_start synapse_user "$password"
echo "demo: started a throwaway PostgreSQL 15 on 127.0.0.1:$PG_PORT (data in $PG_BASE)"

export DATABASE_URL="postgresql+psycopg2://synapse_user:$password@127.0.0.1:$PG_PORT/synapse_dt"
echo "demo: DATABASE_URL=postgresql+psycopg2://synapse_user:***@127.0.0.1:$PG_PORT/synapse_dt"
echo "demo: first start, database missing:  migrate-entry -- python3 demo/app.py --port 8000"
build/migrate-entry -- /usr/bin/python3 demo/app.py --port 8000 2>&1
echo "demo: second start, nothing to do:     migrate-entry -- python3 demo/app.py --port 8000"
build/migrate-entry -- /usr/bin/python3 demo/app.py --port 8000 2>&1
