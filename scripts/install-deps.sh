#!/usr/bin/env bash
# Install every build and test dependency of migrate-entry with apt-get.
# Idempotent: packages already present are left alone; safe to run again.
# Usage: scripts/install-deps.sh [--static]   (--static adds musl-tools for `make static`)
set -euo pipefail

packages=(
  build-essential make pkg-config ca-certificates
  libpq-dev libcurl4-openssl-dev libinih-dev libssl-dev
  postgresql-15 postgresql-client-15
  python3 python3-pytest python3-psycopg2 alembic
  valgrind util-linux procps pgbouncer
)
if [ "${1:-}" = "--static" ]; then
  packages+=(musl-tools musl-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's postgresql-common may create and start a default cluster; our tests use their own
# throwaway clusters and never touch it.
echo "install-deps: done"
