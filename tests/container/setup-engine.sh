#!/usr/bin/env bash
# Make podman usable on this kind of machine (idempotent, apt-get only), and the Debian base images
# the project's Dockerfile builds from, made locally with debootstrap (no registry is reachable).
#
#   bash tests/container/setup-engine.sh        # prints "container engine: podman X, base images ok"
#
# Facts it relies on: podman 4.3 with runc (crun refuses the cgroup hybrid mode here); root lacks
# CAP_SYS_RESOURCE, so the default rlimits must fit the hard limits; containers find each other by
# name only with the dnsname plugin.  The base image is cached under $CACHE (a minute to make).
set -euo pipefail
CACHE=${MIGRATE_CONTAINER_CACHE:-$HOME/.cache/migrate-entry-containers}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(podman podman-compose runc containernetworking-plugins golang-github-containernetworking-plugin-dnsname
          debootstrap)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

conf=/etc/containers/containers.conf
marker="# written by migrate-entry tests/container/setup-engine.sh"
if ! grep -qF "$marker" "$conf" 2>/dev/null; then
	hard=$(ulimit -Hn)
	$SUDO mkdir -p /etc/containers
	printf '%s\n[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=32768:32768"]\n\n[engine]\nruntime = "runc"\n' \
		"$marker" "$hard" "$hard" | $SUDO tee "$conf" >/dev/null
fi

# The apt mirror the machine is configured with (deb822 or one-line format).
mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '{print $2}' | grep -v security | head -1)
if [ -z "$mirror" ]; then
	mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -1)
fi
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$CACHE"
tarball="$CACHE/bookworm-minbase.tar"
if [ ! -s "$tarball" ]; then
	root=$(mktemp -d "$CACHE/root.XXXXXX")
	$SUDO debootstrap --variant=minbase bookworm "$root" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
		{ echo "setup-engine: debootstrap failed, see $CACHE/debootstrap.log" >&2; exit 1; }
	$SUDO tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	$SUDO rm -rf "$root"
fi
for tag in docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim; do
	podman image exists "$tag" || podman import -q "$tarball" "$tag" >/dev/null
done
podman run --rm docker.io/library/debian:bookworm true
echo "container engine: $(podman --version), base images ok ($tarball)"
