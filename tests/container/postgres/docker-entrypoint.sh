#!/bin/sh
# The stand-in postgres:15 image's entrypoint (see Dockerfile).
set -eu

# file_env VAR [DEFAULT]: VAR from VAR, else from the file named by VAR_FILE, else DEFAULT.
file_env() {
	var=$1
	eval "val=\${$var:-}"
	eval "file=\${${var}_FILE:-}"
	if [ -n "$val" ] && [ -n "$file" ]; then
		echo "error: both $var and ${var}_FILE are set" >&2
		exit 1
	fi
	if [ -n "$file" ]; then
		val=$(cat "$file")
	fi
	[ -n "$val" ] || val=${2:-}
	export "$var=$val"
	unset "${var}_FILE"
}

if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	# Secrets are readable by root only; read them before dropping privileges.
	file_env POSTGRES_PASSWORD
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	if [ -z "$POSTGRES_PASSWORD" ]; then
		echo "error: the database is uninitialised and no POSTGRES_PASSWORD(_FILE) is set" >&2
		exit 1
	fi
	pwfile=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
		--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	rm -f "$pwfile"
	echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	# Initialisation on a private socket, as the official image does: clients that try TCP
	# meanwhile are refused, as they would be there.
	pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -k /var/run/postgresql" start >/dev/null
	if [ "$POSTGRES_DB" != postgres ]; then
		psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres -q \
			-c "CREATE DATABASE \"$POSTGRES_DB\""
	fi
	for f in /docker-entrypoint-initdb.d/*.sql; do
		[ -e "$f" ] || continue
		echo "running $f"
		psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -q -f "$f"
	done
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	echo "PostgreSQL init process complete; ready for start up."
fi
unset POSTGRES_PASSWORD
if [ "${1:-}" = postgres ]; then
	shift
	exec postgres -c listen_addresses='*' "$@"
fi
exec "$@"
