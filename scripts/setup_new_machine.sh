#!/usr/bin/env bash
# Set up the Synapse DT database on a new machine.  Replaces
# scripts/setup_new_machine_with_alembic.sh (see docs/migrating-from-alembic.md):
# wait for PostgreSQL, create the database, run the init scripts that have not
# run, apply the revisions up to head, verify the 126-table baseline.  All of
# that is `migrate bootstrap`; this script only finds the binary and runs it
# from the repository root, where migrate.ini, sql/ and migrations/ are.
#
#   PGPASSWORD=… bash scripts/setup_new_machine.sh [migrate options…]
#
# The database is migrate.ini's (postgresql://synapse_user@localhost:5433/synapse_dt,
# the port docker-compose.container.yml publishes) unless DATABASE_URL says
# otherwise.  Safe to run again: what is done is not redone.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${MIGRATE:-}" ]; then
	migrate=$MIGRATE
elif [ -x build/migrate ]; then
	migrate=build/migrate
elif command -v migrate >/dev/null 2>&1; then
	migrate=migrate
else
	echo "setup_new_machine: building migrate (make)" >&2
	make -s
	migrate=build/migrate
fi
exec "$migrate" bootstrap "$@"
