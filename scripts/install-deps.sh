#!/usr/bin/env bash
# Install every build and test dependency of migrate-entry with apt-get.
# Idempotent: packages already present are left alone; safe to run again.
# Usage: scripts/install-deps.sh [--static] [--build-only]
#   --static      also what `make static` and `make test-static` need (musl-gcc, dpkg-source,
#                 file, openssl), and a deb-src entry for Debian bookworm's main archive, so
#                 `apt-get source` can fetch the sources of PostgreSQL, OpenSSL, curl and inih
#                 (scripts/build-static.sh).
#   --build-only  only what building needs, none of the test tools (PostgreSQL's server,
#                 pytest, valgrind, PgBouncer, Alembic): `--build-only` for `make`,
#                 `--static --build-only` for `make static` alone (the Dockerfile's build stage).
set -euo pipefail

static=0
build_only=0
for arg in "$@"; do
  case "$arg" in
    --static) static=1 ;;
    --build-only) build_only=1 ;;
    *) echo "usage: $0 [--static] [--build-only]" >&2; exit 2 ;;
  esac
done

# What compiles the project against the system's libraries (`make`).
build_dynamic=(
  build-essential make pkg-config ca-certificates
  libpq-dev libcurl4-openssl-dev libinih-dev libssl-dev
  zlib1g-dev liblzma-dev libzstd-dev
)
# What `make static` adds: the libraries are built from source with musl.
build_static=(build-essential make pkg-config ca-certificates
  musl-tools musl-dev linux-libc-dev dpkg-dev perl xz-utils file)
# What the test suites run.
test_tools=(
  gzip xz-utils zstd
  postgresql-15 postgresql-client-15
  python3 python3-pytest python3-psycopg2 alembic
  valgrind util-linux procps pgbouncer openssl
)
if [ "$build_only" -eq 1 ] && [ "$static" -eq 1 ]; then
  packages=("${build_static[@]}")
elif [ "$build_only" -eq 1 ]; then
  packages=("${build_dynamic[@]}")
else
  packages=("${build_dynamic[@]}" "${test_tools[@]}")
  if [ "$static" -eq 1 ]; then packages+=("${build_static[@]}"); fi
fi
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)

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
