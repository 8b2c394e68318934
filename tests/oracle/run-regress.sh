#!/usr/bin/env bash
# PostgreSQL 15's regression SQL through psql and through `migrate init`, file by file, with a
# summary table (same / both-failed / refused / different / timeout).  Not part of `make test`.
#
#   bash tests/oracle/run-regress.sh [NAME...]     NAME: a regression test (strings, join, …)
#
# The sources come from Debian's postgresql-15 source package: its .orig tarball is taken from
# this script's cache or from the static build's (scripts/build-static.sh), else downloaded with
# `apt-get source --download-only postgresql-15` (needs a deb-src entry:
# `bash scripts/install-deps.sh --static` adds one).  Only src/test/regress is extracted.
#
# Environment:
#   MIGRATE_ENTRY_BINARY   the binary to test (default build/migrate-entry; `make` first)
#   MIGRATE_ORACLE_CACHE   cache directory (default ~/.cache/migrate-entry-oracle)
#   MIGRATE_STATIC_CACHE   the static build's cache, looked in for a tarball already there
#   ORACLE_OUT             directory for the per-file details (default: a new temp directory)
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'run-regress: %s\n' "$*" >&2; }
die() {
	printf 'run-regress: error: %s\n' "$*" >&2
	exit 1
}

CACHE=${MIGRATE_ORACLE_CACHE:-$HOME/.cache/migrate-entry-oracle}
STATIC_DL=${MIGRATE_STATIC_CACHE:-$HOME/.cache/migrate-entry-static}/dl
BIN=${MIGRATE_ENTRY_BINARY:-$PWD/build/migrate-entry}
[ -x "$BIN" ] || die "no binary at $BIN: run make first (or set MIGRATE_ENTRY_BINARY)"
mkdir -p "$CACHE/dl"

shopt -s nullglob
newest() { [ $# -eq 0 ] || printf '%s\n' "$@" | sort -V | tail -n 1; }

tarball=$(newest "$CACHE"/dl/postgresql-15_*.orig.tar.* "$STATIC_DL"/postgresql-15_*.orig.tar.*)
if [ -z "$tarball" ]; then
	apt-cache showsrc postgresql-15 2>/dev/null | grep -q '^Version:' ||
		die "no deb-src entry lists postgresql-15: run \"bash scripts/install-deps.sh --static\""
	say "downloading the source package postgresql-15 into $CACHE/dl"
	(cd "$CACHE/dl" && apt-get source --download-only -q -o APT::Sandbox::User=root \
		postgresql-15) >"$CACHE/dl/postgresql-15.log" 2>&1 ||
		die "apt-get source failed; see $CACHE/dl/postgresql-15.log"
	tarball=$(newest "$CACHE"/dl/postgresql-15_*.orig.tar.*)
	[ -n "$tarball" ] || die "no .orig tarball after apt-get source; see $CACHE/dl/postgresql-15.log"
fi

version=$(basename "$tarball" | sed -E 's/^postgresql-15_([^/]*)\.orig\.tar\..*$/\1/')
src=$CACHE/postgresql-$version
if [ ! -f "$src/.extracted" ]; then
	say "extracting src/test/regress of PostgreSQL $version from $tarball"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1 \
		"postgresql-$version/src/test/regress/sql" "postgresql-$version/src/test/regress/data" \
		"postgresql-$version/src/test/regress/parallel_schedule"
	touch "$src/.extracted"
fi

exec /usr/bin/python3 tests/oracle/run_regress.py --regress-dir "$src/src/test/regress" \
	--binary "$BIN" ${ORACLE_OUT:+--out "$ORACLE_OUT"} "$@"
