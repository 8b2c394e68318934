# Sourced by scripts/demo.sh and bench/run.sh: a throwaway PostgreSQL 15.
#
#   throwaway_pg_start USER PASSWORD   starts a server on a free 127.0.0.1 port,
#                                      sets PG_PORT and PG_BASE, stops it at exit
# THROWAWAY_PG_DIR: where PG_BASE is made (default /tmp).
# fsync is off, TCP uses scram-sha-256, the socket lives in $PG_BASE.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

throwaway_pg_stop() {
	"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$PG_BASE"
}

throwaway_pg_start() {
	local user=$1 password=$2
	PG_BASE=$(mktemp -d "${THROWAWAY_PG_DIR:-/tmp}/migrate-pg.XXXXXX")
	chmod 755 "$PG_BASE"
	PG_AS=()
	if [ "$(id -u)" -eq 0 ]; then PG_AS=(runuser -u postgres --); chown postgres "$PG_BASE"; fi
	PG_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	trap throwaway_pg_stop EXIT
	printf '%s\n' "$password" > "$PG_BASE/pw"
	if [ "${#PG_AS[@]}" -gt 0 ]; then chown postgres "$PG_BASE/pw"; fi
	"${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_BASE/data" -U "$user" --pwfile="$PG_BASE/pw" \
		--auth-host=scram-sha-256 --auth-local=trust -N -E UTF8 --locale=C >/dev/null
	"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -l "$PG_BASE/server.log" -w \
		-o "-p $PG_PORT -k $PG_BASE -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
}
