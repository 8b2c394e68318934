#!/usr/bin/env bash
# `make container-test`: the project's images built and run for real (podman with runc).
#
#   1. tests/container/setup-engine.sh: podman and the Debian base images (idempotent, cached);
#      a machine where that fails skips the suite with one line saying why;
#   2. the project's Dockerfile, unchanged: the default (scratch) image and the example backend;
#      the PostgreSQL stand-in (tests/container/postgres) unless a postgres:15 image is present;
#   3. pytest on tests/container: compose, PID 1 and signals, replicas, waiting, secrets, image.
#
# Environment: CONTAINER_TEST_KEEP=1 leaves the containers of failed tests for inspection.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
say() { printf 'container-test: %s\n' "$*"; }

if ! setup=$(bash tests/container/setup-engine.sh 2>&1); then
	say "skipped: no working container engine on this machine ($(printf '%s' "$setup" | tail -n 1))"
	exit 0
fi
say "$(printf '%s' "$setup" | tail -n 1) ($((SECONDS - start))s)"

build_log=$(mktemp)
export CONTAINER_TEST_REPORT
CONTAINER_TEST_REPORT=$(mktemp)
trap 'rm -f "$CONTAINER_TEST_REPORT" "$build_log"' EXIT
build() {
	local what=$1 t=$SECONDS
	shift
	if ! podman build -q "$@" >"$build_log" 2>&1; then
		say "error: building $what failed; the end of its output:"
		tail -n 40 "$build_log"
		exit 1
	fi
	say "built $what ($((SECONDS - t))s)"
}
export MIGRATE_IMAGE=localhost/migrate-entry:test
export MIGRATE_EXAMPLE_IMAGE=localhost/migrate-entry-example:test
export MIGRATE_POSTGRES_IMAGE=docker.io/library/postgres:15
build "the default image ($MIGRATE_IMAGE)" -t "$MIGRATE_IMAGE" .
build "the example backend ($MIGRATE_EXAMPLE_IMAGE)" --target example-backend \
	-t "$MIGRATE_EXAMPLE_IMAGE" .
# A real postgres:15 (pulled by the user) is used as it is; otherwise the stand-in.
label=$(podman image inspect -f '{{index .Labels "org.migrate-entry.stand-in"}}' \
	"$MIGRATE_POSTGRES_IMAGE" 2>/dev/null || echo missing)
if [ "$label" != "<no value>" ] && [ -n "$label" ]; then
	build "the PostgreSQL stand-in ($MIGRATE_POSTGRES_IMAGE)" -t "$MIGRATE_POSTGRES_IMAGE" \
		tests/container/postgres
fi

status=0
/usr/bin/python3 -m pytest -q -rs -p no:cacheprovider tests/container "$@" || status=$?
sed 's/^/container-test: measured: /' "$CONTAINER_TEST_REPORT"
say "finished in $((SECONDS - start))s"
exit "$status"
