#!/usr/bin/env bash
# Tests of the static binary (`make test-static`): it is static, how big it is, and that it works
# in an otherwise empty root file system — a chroot holding only the binary, the `migrate` link,
# /etc/hosts and, for the TLS checks, a CA certificate — against a throwaway PostgreSQL 15 on
# 127.0.0.1: plain TCP, a host name from /etc/hosts, TLS with sslmode=require and verify-full,
# and the libcurl service waits over HTTPS.  Then the unit tests, linked with musl and the same
# static libraries, and the end-to-end suite (tests/e2e) against the static binary.
# Prints "ok"/"not ok" per check and ends with "static: N passed, N failed"; exit 1 on a failure.
#
#   MIGRATE_STATIC_BINARY  the binary (default build/static/migrate-entry)
#   STATIC_MAX_BYTES       size limit (default 8 MiB)
# Needs root (chroot) or unprivileged user namespaces, PostgreSQL 15, psql, openssl, python3.
set -uo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$(realpath "${MIGRATE_STATIC_BINARY:-build/static/migrate-entry}" 2>/dev/null) || BIN=
MAX_BYTES=${STATIC_MAX_BYTES:-8388608}
HOSTNAME_PG=pgdb.static.test
PGUSER_T=app
PGPASS_T='s3cret pw'
PGPASS_URL='s3cret%20pw'

passed=0
failed=0
n=0
T=$(mktemp -d /tmp/migrate-static-test.XXXXXX)
chmod 755 "$T"
OUT=$T/out

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	if [ -s "$OUT" ]; then sed 's/^/#   /' "$OUT"; fi
}
# check DESC CMD...: CMD must succeed.  check_fails DESC CMD...: CMD must fail.
check() {
	local desc=$1
	shift
	if "$@" >"$OUT" 2>&1; then ok "$desc"; else not_ok "$desc (exit $?)"; fi
}
check_fails() {
	local desc=$1
	shift
	if "$@" >"$OUT" 2>&1; then not_ok "$desc (it succeeded)"; else ok "$desc"; fi
}
# check_out DESC REGEX: the last command's output matches REGEX; check_no_out: it does not.
check_out() {
	if grep -qE "$2" "$OUT"; then ok "$1"; else not_ok "$1 (no match for /$2/)"; fi
}
check_no_out() {
	if grep -qE "$2" "$OUT"; then not_ok "$1 (/$2/ matched)"; else ok "$1"; fi
}
finish() {
	echo "static: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit
}

if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
	echo "not ok 1 - the static binary exists (run \"make static\" first)" >&2
	failed=1
	finish
fi

# ---- what kind of file it is --------------------------------------------------------------------

file -b "$BIN" >"$OUT"
check_out "file says statically linked: $(cat "$OUT")" 'statically linked'
ldd "$BIN" >"$OUT" 2>&1
check_out "ldd says not a dynamic executable" 'not a dynamic executable|statically linked'
if readelf -lW "$BIN" | grep -q INTERP; then
	echo "PT_INTERP present" >"$OUT"
	not_ok "no program interpreter (PT_INTERP)"
else
	ok "no program interpreter (PT_INTERP)"
fi
size=$(stat -c %s "$BIN")
echo "# size: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MiB)"
: >"$OUT"
if [ "$size" -le "$MAX_BYTES" ]; then ok "size $size <= $MAX_BYTES bytes"; else not_ok "size $size <= $MAX_BYTES bytes"; fi

# ---- the empty root file system ----------------------------------------------------------------

R=$T/root
mkdir -p "$R/etc/ssl/certs"
cp "$BIN" "$R/migrate-entry"
ln -s migrate-entry "$R/migrate"
printf '127.0.0.1 %s\n' "$HOSTNAME_PG" >"$R/etc/hosts"
chmod -R a+rX "$R"
if [ "$(id -u)" -eq 0 ]; then
	IN_ROOT=("$(command -v chroot)" "$R")
else
	IN_ROOT=("$(command -v unshare)" --map-root-user "$(command -v chroot)" "$R")
fi
# in_root CMD...: run CMD inside the chroot, with an empty environment.
in_root() { env -i "${IN_ROOT[@]}" "$@"; }

echo "# root file system: $(cd "$R" && find . -mindepth 1 | sort | tr '\n' ' ')"
check "--version in the empty root" in_root /migrate-entry --version
check_out "it prints its version" '^migrate-entry [0-9]'
check "\"migrate --help\" through the link in the empty root" in_root /migrate --help
check_out "the link name selects migrate's help" '^usage: '

# ---- PostgreSQL over TCP -----------------------------------------------------------------------

# shellcheck source=scripts/throwaway-pg.sh
. scripts/throwaway-pg.sh
throwaway_pg_start "$PGUSER_T" "$PGPASS_T" || {
	echo "not ok - start a throwaway PostgreSQL" >&2
	failed=$((failed + 1))
	finish
}
HTTP_PID=
cleanup() {
	if [ -n "$HTTP_PID" ]; then kill "$HTTP_PID" 2>/dev/null; fi
	throwaway_pg_stop
	rm -rf "$T"
}
trap cleanup EXIT
echo "# PostgreSQL on 127.0.0.1:$PG_PORT"

psql_t() { psql -X -q -A -t -h "$PG_BASE" -p "$PG_PORT" -U "$PGUSER_T" -d postgres -c "$1"; }
db_exists() { [ "$(psql_t "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }
url() { echo "postgresql://$PGUSER_T:$PGPASS_URL@$1:$PG_PORT/$2${3:+?$3}"; }

check "entrypoint: bootstrap, then exec /migrate-entry --version (127.0.0.1)" \
	in_root /migrate-entry --database-url "$(url 127.0.0.1 static_entry)" -- /migrate-entry --version
check_out "the exec'd program ran" '^migrate-entry [0-9]'
check_out "the summary says the database was created" 'database created'
check "the database static_entry exists" db_exists static_entry
check "a second start finds the database" \
	in_root /migrate-entry --database-url "$(url 127.0.0.1 static_entry)" -- /migrate-entry --version
check_no_out "the second start does not create it again" 'created database'
check "migrate create with a host name from /etc/hosts ($HOSTNAME_PG)" \
	in_root /migrate --database-url "$(url "$HOSTNAME_PG" static_hosts)" create
check "the database static_hosts exists" db_exists static_hosts
check "migrate wait" in_root /migrate --database-url "$(url "$HOSTNAME_PG" static_hosts)" wait
check_fails "a wrong password is refused" \
	in_root /migrate --database-url "postgresql://$PGUSER_T:wrong@127.0.0.1:$PG_PORT/x" create
check_out "with an authentication error" 'password authentication failed'
check_fails "an unknown host name fails (no NSS, no DNS server)" \
	in_root /migrate --wait-timeout 1s --database-url "$(url no-such-host.invalid x)" wait
check_out "with a name resolution error" 'could not translate host name'

# ---- TLS ---------------------------------------------------------------------------------------

# A private CA, and a server certificate for $HOSTNAME_PG and 127.0.0.1 signed by it.
tls_setup() {
	local d=$T/tls
	mkdir -p "$d" && cd "$d" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=migrate-entry test CA" \
		-keyout ca.key -out ca.crt &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
			-keyout other.key -out other.crt &&
		openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$HOSTNAME_PG" \
			-keyout server.key -out server.csr &&
		printf 'subjectAltName = DNS:%s, IP:127.0.0.1\n' "$HOSTNAME_PG" >ext.cnf &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile ext.cnf -out server.crt &&
		cp server.crt server.key "$PG_BASE/data/" &&
		chmod 600 "$PG_BASE/data/server.key" &&
		{ [ "$(id -u)" -ne 0 ] || chown postgres "$PG_BASE/data/server.crt" "$PG_BASE/data/server.key"; } &&
		cp ca.crt "$R/ca.crt" && cp other.crt "$R/other.crt" &&
		cp ca.crt "$R/etc/ssl/certs/ca-certificates.crt" && chmod a+r "$R"/*.crt "$R"/etc/ssl/certs/* &&
		{ printf 'hostnossl all all 0.0.0.0/0 reject\n'; cat "$PG_BASE/data/pg_hba.conf"; } \
			>"$d/hba" && cat "$d/hba" >"$PG_BASE/data/pg_hba.conf" &&
		psql_t "ALTER SYSTEM SET ssl = on" && psql_t "SELECT pg_reload_conf()" >/dev/null &&
		sleep 0.5 && [ "$(psql_t "SHOW ssl")" = on ]
	local rc=$?
	cd "$ROOT" || return 1
	return $rc
}
check "TLS setup: self-signed CA, server certificate, ssl = on, hostnossl rejected" tls_setup

check "sslmode=require: migrate create over TLS" \
	in_root /migrate --database-url "$(url 127.0.0.1 static_tls sslmode=require)" create
check "the database static_tls exists" db_exists static_tls
check "sslmode=verify-full with sslrootcert (host name from /etc/hosts)" \
	in_root /migrate-entry \
	--database-url "$(url "$HOSTNAME_PG" static_tls_full "sslmode=verify-full&sslrootcert=/ca.crt")" \
	-- /migrate-entry --version
check "the database static_tls_full exists" db_exists static_tls_full
check_fails "sslmode=verify-full with another CA fails" \
	in_root /migrate --wait-timeout 2s \
	--database-url "$(url "$HOSTNAME_PG" static_x "sslmode=verify-full&sslrootcert=/other.crt")" create
check_out "with a certificate verification error" 'certificate verify failed'
check_fails "sslmode=disable is rejected by the server (so the TLS checks really used TLS)" \
	in_root /migrate --wait-timeout 2s --database-url "$(url 127.0.0.1 static_x sslmode=disable)" create
check_out "with the pg_hba.conf rejection" 'no encryption'

# ---- one name lookup per run -------------------------------------------------------------------

# A name server that knows the database's name for one lookup only (tests/static/dns_once.py):
# every connection after the first must go to the address resolved then (the lock's, the
# work's), as on a container network where musl asks two name servers at once and one of them
# does not know the network's names.  Needs port 53, so root.
if [ "$(id -u)" -eq 0 ]; then
	DNS_ADDR=127.0.0.77
	python3 tests/static/dns_once.py "$DNS_ADDR" pgonce.static.test 127.0.0.1 "$T/dns.ready" \
		>"$T/dns.log" 2>&1 &
	DNS_PID=$!
	for _ in $(seq 50); do [ -f "$T/dns.ready" ] && break; sleep 0.1; done
	printf 'nameserver %s\n' "$DNS_ADDR" >"$R/etc/resolv.conf"
	chmod a+r "$R/etc/resolv.conf"
	check "bootstrap with a name that resolves only once (one lookup per run)" \
		in_root /migrate-entry --database-url "$(url pgonce.static.test static_dns_once)" \
		-- /migrate-entry --version
	check_out "it created the database and ran the program" 'database created.*exec /migrate-entry'
	check_fails "a second run cannot resolve the name (so the first really looked it up once)" \
		in_root /migrate --wait-timeout 1s --database-url "$(url pgonce.static.test x)" wait
	check_out "with a name resolution error" 'could not translate host name'
	kill "$DNS_PID" 2>/dev/null
	rm -f "$R/etc/resolv.conf"
else
	echo "# skipped the one-lookup check: it needs root for port 53"
fi

# ---- libcurl: HTTP and HTTPS service waits -----------------------------------------------------

# A local HTTPS server with the certificate above; the CA is at the path curl was built to read.
cat >"$T/https.py" <<'EOF'
import http.server, os, ssl, sys
os.chdir(sys.argv[1])
srv = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
if sys.argv[2] == "https":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1] + "/server.crt", sys.argv[1] + "/server.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(sys.argv[3], "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
EOF
/usr/bin/python3 "$T/https.py" "$T/tls" https "$T/https.port" >"$T/https.log" 2>&1 &
HTTP_PID=$!
for _ in $(seq 50); do [ -s "$T/https.port" ] && break; sleep 0.1; done
HTTPS_PORT=$(cat "$T/https.port" 2>/dev/null)
echo "# HTTPS server on 127.0.0.1:${HTTPS_PORT:-?}"

check "wait for tcp:// and https:// services (CA from /etc/ssl/certs/ca-certificates.crt)" \
	in_root /migrate --wait-timeout 5s --wait "tcp://$HOSTNAME_PG:$PG_PORT" \
	--wait "https://$HOSTNAME_PG:$HTTPS_PORT/" \
	--database-url "$(url 127.0.0.1 static_tls sslmode=require)" wait
mv "$R/etc/ssl/certs/ca-certificates.crt" "$R/etc/ssl/certs/moved.crt"
check_fails "without the CA bundle the https:// wait fails" \
	in_root /migrate --wait-timeout 1s --wait "https://$HOSTNAME_PG:$HTTPS_PORT/" \
	--database-url "$(url 127.0.0.1 static_tls sslmode=require)" wait
check_out "with a certificate error" '[Cc]ertificate|SSL'
mv "$R/etc/ssl/certs/moved.crt" "$R/etc/ssl/certs/ca-certificates.crt"

# ---- the test suites, with musl and the static libraries ---------------------------------------

# The unit tests, linked like the static binary (musl, and inih built from Debian's sources).
unit_musl() {
	[ -f build/static/toolchain.env ] || {
		echo "build/static/toolchain.env is missing: run \"make static\""
		return 1
	}
	(
		set -a
		. build/static/toolchain.env
		make --no-print-directory BUILD=build/static CC="$MUSL_CC" OPT=-O2 unit
	)
}
check "unit tests linked statically with musl" unit_musl
echo "# $(grep -E '^unit: ' "$OUT" || echo 'unit: no summary')"

# The end-to-end suite against the static binary (outside the chroot).
check "end-to-end tests (tests/e2e) against the static binary" \
	env MIGRATE_ENTRY_BINARY="$BIN" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e
echo "# e2e: $(tail -n 1 "$OUT")"

finish
