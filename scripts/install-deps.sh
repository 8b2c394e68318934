#!/usr/bin/env bash
# Install every build and test dependency of migrate-entry with apt-get.
# Idempotent: packages already present are left alone; safe to run again.
# Usage: scripts/install-deps.sh [--static]
#   --static also installs what `make static` and `make test-static` need (musl-gcc, dpkg-source,
#   file, openssl) and adds a deb-src entry for Debian bookworm's main archive, so `apt-get source`
#   can fetch the sources of PostgreSQL, OpenSSL, curl and inih (scripts/build-static.sh).
set -euo pipefail

static=0
case "${1:-}" in
  "") ;;
  --static) static=1 ;;
  *) echo "usage: $0 [--static]" >&2; exit 2 ;;
esac

packages=(
  build-essential make pkg-config ca-certificates
  libpq-dev libcurl4-openssl-dev libinih-dev libssl-dev
  zlib1g-dev liblzma-dev libzstd-dev gzip xz-utils zstd
  postgresql-15 postgresql-client-15
  python3 python3-pytest python3-psycopg2 alembic
  valgrind util-linux procps pgbouncer openssl
)
if [ "$static" -eq 1 ]; then
  packages+=(musl-tools musl-dev linux-libc-dev dpkg-dev perl xz-utils file openssl)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# deb-src for bookworm's main archive (not the security archive: its older source versions are
# removed and then 404).  Added once, in its own file; an existing deb-src line is respected.
need_update=0
src_list=/etc/apt/sources.list.d/migrate-entry-deb-src.sources
if [ "$static" -eq 1 ] && ! grep -qsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
  echo "install-deps: adding deb-src for bookworm in $src_list"
  printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm' \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
    $SUDO tee "$src_list" >/dev/null
  need_update=1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  if [ "$need_update" -eq 1 ]; then $SUDO apt-get update -qq; fi
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's postgresql-common may create and start a default cluster; our tests use their own
# throwaway clusters and never touch it.
echo "install-deps: done"
