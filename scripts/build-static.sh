#!/usr/bin/env bash
# Build a fully static x86_64 migrate-entry with musl: build/static/migrate-entry (stripped) and
# build/static/migrate (a link to it).  `make static` runs this script.
#
# The libraries are built from Debian bookworm's source packages (`apt-get source`; libinih
# from trixie's, see FALLBACK_SUITE), with musl-gcc, into a cache outside the source tree:
#   OpenSSL 3 (libcrypto, libssl)                      no shared, no modules, no engines
#   libpq of PostgreSQL 15 (+ libpgcommon, libpgport)  TLS with OpenSSL; no GSSAPI, LDAP, zlib
#   libcurl                                            HTTP and HTTPS only, TLS with OpenSSL
#   inih (ini.c)                                       library defaults, as Debian builds it
#   zlib, liblzma (xz-utils), libzstd                  static libraries only, for compressed
#                                                      init scripts (*.sql.gz, .xz, .zst)
# Each library lives in its own cache directory named after its Debian version, the versions of
# what it links, musl's version and a hash of its build recipe below; a later run reuses it and
# only compiles and links our src/*.c.  The sources are picked as the newest version that the
# deb-src index lists and that can still be downloaded (`apt-get source --download-only`); pin
# one with OPENSSL_DEB_VERSION, POSTGRESQL_DEB_VERSION, CURL_DEB_VERSION, INIH_DEB_VERSION,
# ZLIB_DEB_VERSION, XZ_DEB_VERSION or ZSTD_DEB_VERSION.
#
# Needs: scripts/install-deps.sh --static (musl-tools, dpkg-dev and a deb-src entry), network
# access to the Debian archive for the first run.  No other downloads.
#
# With --deps-only the script stops once the libraries are in the cache (the Dockerfile builds
# them in a layer of their own, so that a change of our sources does not rebuild them).
#
# Environment:
#   MIGRATE_STATIC_CACHE  cache directory (default ~/.cache/migrate-entry-static)
#   JOBS                  parallel make jobs (default: nproc)
# See docs/static-build.md.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(…) stops the script too

# Run from `make static`, the outer make's MAKEFLAGS (variables such as CC or BUILD, -j and its
# jobserver) and MAKELEVEL would leak into the builds below; PostgreSQL's makefiles, for one,
# skip generating their headers when MAKELEVEL is not 0.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS

deps_only=0
case "${1:-}" in
"") ;;
--deps-only) deps_only=1 ;;
*)
	echo "usage: $0 [--deps-only]" >&2
	exit 2
	;;
esac

cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${MIGRATE_STATIC_CACHE:-$HOME/.cache/migrate-entry-static}
JOBS=${JOBS:-$(nproc)}
OUT=build/static
START=$SECONDS

say() { printf 'build-static: %s\n' "$*" >&2; }
die() {
	printf 'build-static: error: %s\n' "$*" >&2
	exit 1
}

# run LOG CMD...: run CMD with its output appended to LOG; on failure show the log's tail.
run() {
	local log=$1
	shift
	printf '\n$ %s\n' "$*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		printf 'build-static: error: command failed: %s\n' "$*" >&2
		printf 'build-static: last lines of %s:\n' "$log" >&2
		tail -n 40 "$log" | sed 's/^/    /' >&2
		exit 1
	fi
}

# ---- preconditions ----------------------------------------------------------------------------

[ "$(uname -m)" = x86_64 ] || die "only x86_64 is supported (this is $(uname -m))"
for tool in musl-gcc apt-get apt-cache dpkg-source make perl strip file; do
	command -v "$tool" >/dev/null ||
		die "\"$tool\" not found: run \"bash scripts/install-deps.sh --static\""
done
for d in /usr/include/linux /usr/include/asm-generic /usr/include/x86_64-linux-gnu/asm; do
	[ -d "$d" ] || die "kernel headers \"$d\" not found: install linux-libc-dev"
done
MUSL_VERSION=$(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null) ||
	die "musl-dev is not installed: run \"bash scripts/install-deps.sh --static\""

mkdir -p "$CACHE/dl"
CACHE=$(cd "$CACHE" && pwd)
exec 9>"$CACHE/.lock"
flock -n 9 || {
	say "another build holds $CACHE/.lock; waiting"
	flock 9
}

# musl-gcc with the kernel headers (linux/, asm/, asm-generic/) that OpenSSL needs.  They are
# linked into a private directory searched after musl's headers; the system is not modified.
KHDR=$CACHE/kernel-headers
mkdir -p "$KHDR" "$CACHE/bin"
ln -sfn /usr/include/linux "$KHDR/linux"
ln -sfn /usr/include/asm-generic "$KHDR/asm-generic"
ln -sfn /usr/include/x86_64-linux-gnu/asm "$KHDR/asm"
MUSL_CC=$CACHE/bin/musl-cc
cat >"$MUSL_CC.tmp" <<EOF
#!/bin/sh
exec musl-gcc -idirafter "$KHDR" "\$@"
EOF
chmod +x "$MUSL_CC.tmp"
mv "$MUSL_CC.tmp" "$MUSL_CC"
# The libraries are built with CC=musl-cc found on PATH, not with the wrapper's full path, and
# OpenSSL with prefix /usr/local: OpenSSL records its compiler and directories in the binary,
# and the cache's location should not show there.
export PATH="$CACHE/bin:$PATH"

# ---- sources ----------------------------------------------------------------------------------

# Debian versions of a source package in the deb-src indexes, newest first.
src_versions() {
	local pkg=$1 v sorted=() i
	while read -r v; do
		i=${#sorted[@]}
		sorted+=("$v")
		while [ "$i" -gt 0 ] && dpkg --compare-versions "${sorted[i - 1]}" lt "$v"; do
			sorted[i]=${sorted[i - 1]}
			sorted[i - 1]=$v
			i=$((i - 1))
		done
	done < <(apt-cache showsrc "$pkg" 2>/dev/null | awk -v p="$pkg" \
		'/^Package: /{ok = ($2 == p)} ok && /^Version: /{print $2}' | sort -u)
	printf '%s\n' "${sorted[@]}"
}

# The fallback suite's deb-src index, kept in a private apt state under the cache (the system's
# apt configuration is not touched).  Used only for a package none of whose bookworm versions can
# be downloaded: this happened to libinih 55-1, whose tarballs 404 on the archive mirror we use.
FALLBACK_SUITE=${MIGRATE_STATIC_FALLBACK_SUITE:-trixie}
FALLBACK_APT=$CACHE/apt-$FALLBACK_SUITE
# fallback_apt apt-get|apt-cache ARGS...
fallback_apt() {
	local tool=$1
	shift
	"$tool" -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$FALLBACK_APT/sources" \
		-o Dir::State::Lists="$FALLBACK_APT/lists" -o Dir::Cache="$FALLBACK_APT/cache" \
		-o APT::Sandbox::User=root "$@"
}
fallback_versions() {
	local pkg=$1
	if [ -z "$(find "$FALLBACK_APT/.updated" -mmin -1440 2>/dev/null)" ]; then # a day old
		mkdir -p "$FALLBACK_APT/sources" "$FALLBACK_APT/lists/partial" \
			"$FALLBACK_APT/cache/archives/partial"
		printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
			"Suites: $FALLBACK_SUITE" 'Components: main' \
			'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
			>"$FALLBACK_APT/sources/debian-src.sources"
		say "fetching the deb-src index of Debian $FALLBACK_SUITE (private, in $FALLBACK_APT)"
		fallback_apt apt-get update -q >"$FALLBACK_APT/update.log" 2>&1 ||
			die "apt-get update for $FALLBACK_SUITE failed; see $FALLBACK_APT/update.log"
		touch "$FALLBACK_APT/.updated"
	fi
	fallback_apt apt-cache -q showsrc "$pkg" 2>/dev/null | sed -n "s/^Version: //p" | head -n 1
}

# download PKG VERSION [APT-PREFIX...]: fetch the source package into $CACHE/dl; true on success.
download() {
	local pkg=$1 v=$2 dsc=$CACHE/dl/${1}_${2#*:}.dsc
	shift 2
	say "downloading source package $pkg=$v"
	if (cd "$CACHE/dl" && "${@:-apt-get}" source --download-only -q \
		-o APT::Sandbox::User=root "$pkg=$v") >"$CACHE/dl/$pkg.log" 2>&1 && [ -f "$dsc" ]; then
		touch "$dsc.ok"
		return 0
	fi
	say "warning: cannot download $pkg=$v:"
	grep -E '^(E|W):' "$CACHE/dl/$pkg.log" | sed 's/^/    /' >&2 || true
	return 1
}

cached() { [ -f "$CACHE/dl/${1}_${2#*:}.dsc.ok" ]; }

# fetch PKG PIN: make sure a source package is in $CACHE/dl and print its version: PIN if set,
# else the newest version in the system's deb-src indexes that is cached or can be downloaded,
# else the fallback suite's version (remembered in $CACHE/dl/PKG.fallback).
fetch() {
	local pkg=$1 pin=$2 v candidates fb memo
	if [ -n "$pin" ]; then
		candidates=$pin
	else
		candidates=$(src_versions "$pkg")
		[ -n "$candidates" ] || die "no deb-src entry lists \"$pkg\": run" \
			"\"bash scripts/install-deps.sh --static\" (it adds deb-src for bookworm)"
	fi
	memo=$(echo $candidates)
	for v in $candidates; do
		if cached "$pkg" "$v"; then
			echo "$v"
			return
		fi
	done
	fb=
	if [ "$(sed -n 1p "$CACHE/dl/$pkg.fallback" 2>/dev/null)" = "$memo" ]; then
		fb=$(sed -n 2p "$CACHE/dl/$pkg.fallback")
	fi
	if [ -n "$fb" ] && cached "$pkg" "$fb"; then
		say "warning: $pkg: using $FALLBACK_SUITE's $fb (bookworm's $(echo $candidates)" \
			"could not be downloaded)"
		echo "$fb"
		return
	fi
	for v in $candidates; do
		if download "$pkg" "$v"; then
			echo "$v"
			return
		fi
	done
	if [ -n "$pin" ]; then
		fallback_versions "$pkg" >/dev/null
		fb=$pin
	else
		fb=$(fallback_versions "$pkg")
	fi
	if [ -n "$fb" ] && download "$pkg" "$fb" fallback_apt apt-get; then
		printf '%s\n' "$memo" "$fb" >"$CACHE/dl/$pkg.fallback"
		say "warning: $pkg: using $FALLBACK_SUITE's $fb (bookworm's $(echo $candidates)" \
			"could not be downloaded)"
		echo "$fb"
		return
	fi
	die "no downloadable version of \"$pkg\" (tried: $memo${fb:+; from $FALLBACK_SUITE: $fb}); see" \
		"$CACHE/dl/$pkg.log"
}

# unpack PKG VERSION DIR: the Debian source tree, with Debian's patches applied, at DIR/src.
unpack() {
	local pkg=$1 v=$2 dir=$3
	rm -rf "$dir"
	mkdir -p "$dir"
	run "$dir/build.log" dpkg-source --no-check -x "$CACHE/dl/${pkg}_${v#*:}.dsc" "$dir/src"
}

# A cache directory name: component, versions, musl, recipe hash; no characters that upset
# configure scripts or make.
cache_dir() {
	local name=$1 recipe=$2
	shift 2
	local key
	key=$(printf '%s\n' "$@" "musl=$MUSL_VERSION" "cflags=$DEP_CFLAGS" "$(declare -f "$recipe")" \
		"$(declare -f component)" |
		sha256sum | cut -c1-12)
	echo "$CACHE/$name-$(printf '%s' "$1" | tr -c 'A-Za-z0-9.\n' '_')-$key"
}

# ---- the libraries ----------------------------------------------------------------------------

# Optimised for size, each function in its own section so the link drops what we never call.
DEP_CFLAGS="-Os -ffunction-sections -fdata-sections"

build_openssl() {
	local d=$1
	cd "$d/src"
	# shellcheck disable=SC2086 # DEP_CFLAGS are several flags
	run "$d/build.log" env CC=musl-cc ./Configure no-shared no-module no-tests no-comp \
		no-zlib no-dso no-engine no-async linux-x86_64 --prefix=/usr/local --libdir=lib \
		--openssldir=/etc/ssl $DEP_CFLAGS
	run "$d/build.log" make -j"$JOBS" build_libs
	run "$d/build.log" make install_dev DESTDIR="$d/dest"
	ln -sfn dest/usr/local "$d/prefix"
	sed -i "s|^prefix=.*|prefix=$d/prefix|" "$d"/prefix/lib/pkgconfig/*.pc
}

build_libpq() {
	local d=$1 ssl=$2
	cd "$d/src"
	run "$d/build.log" env CC=musl-cc CFLAGS="$DEP_CFLAGS" ./configure --without-readline --without-icu \
		--without-gssapi --without-ldap --without-zstd --without-lz4 --without-zlib \
		--with-ssl=openssl --with-includes="$ssl/include" --with-libraries="$ssl/lib"
	run "$d/build.log" make -C src/backend generated-headers
	run "$d/build.log" make -j"$JOBS" -C src/common
	run "$d/build.log" make -j"$JOBS" -C src/port
	run "$d/build.log" make -j"$JOBS" -C src/interfaces/libpq all-static-lib
	mkdir -p "$d/prefix/include" "$d/prefix/lib"
	cp src/interfaces/libpq/libpq.a src/common/libpgcommon_shlib.a src/port/libpgport_shlib.a \
		"$d/prefix/lib/"
	cp src/interfaces/libpq/libpq-fe.h src/interfaces/libpq/libpq-events.h \
		src/include/postgres_ext.h src/include/pg_config_ext.h "$d/prefix/include/"
}

build_curl() {
	local d=$1 ssl=$2
	cd "$d/src"
	run "$d/build.log" env CC=musl-cc CFLAGS="$DEP_CFLAGS" ./configure --prefix="$d/prefix" \
		--disable-shared --enable-static --with-openssl="$ssl" --without-zlib \
		--disable-ldap --disable-ldaps --without-libpsl --without-libidn2 --without-libssh2 \
		--without-nghttp2 --without-brotli --without-zstd --disable-ftp --disable-file \
		--disable-dict --disable-gopher --disable-imap --disable-pop3 --disable-smtp \
		--disable-rtsp --disable-telnet --disable-tftp --disable-smb --disable-mqtt \
		--disable-manual --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-fallback
	run "$d/build.log" make -j"$JOBS" -C lib
	run "$d/build.log" make -C lib install
	run "$d/build.log" make -C include install
}

# inih's defaults (INI_MAX_LINE 200, INI_HANDLER_LINENO 0, …) are what Debian's libinih is built
# with, so the static binary parses config files exactly like the dynamic one.
build_inih() {
	local d=$1
	cd "$d/src"
	mkdir -p "$d/prefix/include" "$d/prefix/lib"
	# shellcheck disable=SC2086
	run "$d/build.log" musl-cc $DEP_CFLAGS -c -o "$d/ini.o" ini.c
	run "$d/build.log" ar rcs "$d/prefix/lib/libinih.a" "$d/ini.o"
	cp ini.h "$d/prefix/include/"
}

build_zlib() {
	local d=$1
	cd "$d/src"
	run "$d/build.log" env CC=musl-cc CFLAGS="$DEP_CFLAGS" ./configure --static --prefix="$d/prefix"
	run "$d/build.log" make -j"$JOBS" libz.a
	mkdir -p "$d/prefix/include" "$d/prefix/lib"
	cp libz.a "$d/prefix/lib/"
	cp zlib.h zconf.h "$d/prefix/include/"
}

build_xz() {
	local d=$1
	cd "$d/src"
	run "$d/build.log" env CC=musl-cc CFLAGS="$DEP_CFLAGS" ./configure --prefix="$d/prefix" \
		--disable-shared --enable-static --disable-xz --disable-xzdec --disable-lzmadec \
		--disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc --disable-nls
	run "$d/build.log" make -j"$JOBS" -C src/liblzma
	run "$d/build.log" make -C src/liblzma install
}

build_zstd() {
	local d=$1
	cd "$d/src"
	run "$d/build.log" make -j"$JOBS" -C lib libzstd.a CC=musl-cc CFLAGS="$DEP_CFLAGS" \
		ZSTD_LEGACY_SUPPORT=0
	mkdir -p "$d/prefix/include" "$d/prefix/lib"
	cp lib/libzstd.a "$d/prefix/lib/"
	cp lib/zstd.h lib/zstd_errors.h lib/zdict.h "$d/prefix/include/"
}

# component NAME PKG VERSION RECIPE [DEP_DIR...]: build NAME into its cache directory unless it
# is there already; prints the directory.
component() {
	local name=$1 pkg=$2 v=$3 recipe=$4
	shift 4
	local d t
	d=$(cache_dir "$name" "$recipe" "$v" "$@")
	if [ -f "$d/.done" ]; then
		say "$name $v: cached ($d)"
	else
		say "$name $v: building (log: $d/build.log)"
		t=$SECONDS
		unpack "$pkg" "$v" "$d"
		# Reproducible: a build records no date of its own (OpenSSL's "built on" line would);
		# the source package's changelog date is used, as Debian's own builds do.
		(
			SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$d/src/debian/changelog" -STimestamp)
			export SOURCE_DATE_EPOCH
			"$recipe" "$d" "$@"
		)
		rm -rf "$d/src" # the build tree (~150 MB); the installed files and build.log stay
		touch "$d/.done"
		say "$name $v: built in $((SECONDS - t))s"
	fi
	echo "$d"
}

say "cache: $CACHE"
OPENSSL_V=$(fetch openssl "${OPENSSL_DEB_VERSION:-}")
PG_V=$(fetch postgresql-15 "${POSTGRESQL_DEB_VERSION:-}")
CURL_V=$(fetch curl "${CURL_DEB_VERSION:-}")
INIH_V=$(fetch libinih "${INIH_DEB_VERSION:-}")
ZLIB_V=$(fetch zlib "${ZLIB_DEB_VERSION:-}")
XZ_V=$(fetch xz-utils "${XZ_DEB_VERSION:-}")
ZSTD_V=$(fetch libzstd "${ZSTD_DEB_VERSION:-}")

SSL=$(component openssl openssl "$OPENSSL_V" build_openssl)/prefix
PQ=$(component libpq postgresql-15 "$PG_V" build_libpq "$SSL")/prefix
CURL=$(component curl curl "$CURL_V" build_curl "$SSL")/prefix
INIH=$(component inih libinih "$INIH_V" build_inih)/prefix
ZLIB=$(component zlib zlib "$ZLIB_V" build_zlib)/prefix
XZ=$(component xz xz-utils "$XZ_V" build_xz)/prefix
ZSTD=$(component zstd libzstd "$ZSTD_V" build_zstd)/prefix

# Entries of earlier versions or recipes are not used again: remove them.
for old in "$CACHE"/{openssl,libpq,curl,inih,zlib,xz,zstd}-*-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*; do
	[ -d "$old" ] || continue
	case "$old/prefix" in "$SSL" | "$PQ" | "$CURL" | "$INIH" | "$ZLIB" | "$XZ" | "$ZSTD") continue ;; esac
	say "removing stale cache entry $old"
	rm -rf "$old"
done

if [ "$deps_only" -eq 1 ]; then
	say "libraries ready in $CACHE ($((SECONDS - START))s)"
	exit 0
fi

# ---- migrate-entry ----------------------------------------------------------------------------

# Our sources go through the Makefile's own rules and warning flags (-Werror), with musl-gcc.
# The Makefile appends "-lpq -lcurl -linih -lcrypto -lz -llzma -lzstd -lpthread" to LDLIBS; those resolve to the
# static libraries above too.  A change of any library rebuilds every object.
DEPS_KEY="openssl=$OPENSSL_V libpq=$PG_V curl=$CURL_V inih=$INIH_V zlib=$ZLIB_V xz=$XZ_V zstd=$ZSTD_V"
DEPS_KEY="$DEPS_KEY musl=$MUSL_VERSION $SSL $PQ $CURL $INIH $ZLIB $XZ $ZSTD"
mkdir -p "$OUT"
if [ "$(cat "$OUT/.deps" 2>/dev/null)" != "$DEPS_KEY" ]; then
	rm -rf "$OUT/obj" "$OUT/libmigrate.a"
	echo "$DEPS_KEY" >"$OUT/.deps"
fi
rm -f "$OUT/migrate-entry" "$OUT/build.log"
# The same settings, for tests/static/run.sh to build the unit tests against these libraries:
# (set -a; . build/static/toolchain.env; make BUILD=build/static CC="$MUSL_CC" OPT=-O2 unit)
printf '%s\n' "MUSL_CC='$MUSL_CC'" \
	"CFLAGS='-I$PQ/include -I$CURL/include -I$SSL/include -I$INIH/include -I$ZLIB/include -I$XZ/include -I$ZSTD/include'" \
	"LDFLAGS='-static -Wl,--gc-sections -L$PQ/lib -L$CURL/lib -L$SSL/lib -L$INIH/lib -L$ZLIB/lib -L$XZ/lib -L$ZSTD/lib'" \
	"LDLIBS='-lpq -lpgcommon_shlib -lpgport_shlib -lcurl -lssl -lcrypto -pthread'" \
	>"$OUT/toolchain.env"
say "compiling src/*.c with musl-gcc and linking $OUT/migrate-entry"
t=$SECONDS
(
	set -a
	. "$OUT/toolchain.env"
	run "$OUT/build.log" make --no-print-directory -j"$JOBS" BUILD="$OUT" CC="$MUSL_CC" OPT=-O2 all
)
strip --strip-all "$OUT/migrate-entry"

file "$OUT/migrate-entry" | grep -q 'statically linked' ||
	die "$OUT/migrate-entry is not statically linked: $(file -b "$OUT/migrate-entry")"
"$OUT/migrate-entry" --version >/dev/null ||
	die "$OUT/migrate-entry --version failed"
say "built $ROOT/$OUT/migrate-entry ($(stat -c %s "$OUT/migrate-entry") bytes, stripped;" \
	"compile and link $((SECONDS - t))s, total $((SECONDS - START))s)"
say "  OpenSSL $OPENSSL_V, PostgreSQL $PG_V (libpq), curl $CURL_V, inih $INIH_V, musl $MUSL_VERSION"
