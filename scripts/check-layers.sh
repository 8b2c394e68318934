#!/bin/sh
# The layer check (`make check-layers`, part of `make test`).
#
# src/ is in folders by dependency layer; a file may include headers of its
# own folder and of folders in LOWER layers only, never of a folder in its
# own layer or above.  The pure folders (the lexers, the revision graph, the
# configuration and the utilities) and the service waits never include
# libpq; only wait/ includes libcurl.  Every include of ours names its
# folder ("db/lock.h").  A folder missing from the table below is an error,
# so a new folder has to be placed in a layer.
#
# Usage: scripts/check-layers.sh [ROOT]   (ROOT: the tree holding src/, default
# this repository).  Prints one line per violation and exits 1, or one summary
# line and 0.
set -eu
cd "${1:-$(dirname "$0")/..}"

# folder  layer  libpq  curl
layers='
util     0  no   no
conf     1  no   no
sql      1  no   no
rev      1  no   no
db       2  yes  no
wait     2  no   yes
script   3  yes  no
init     4  yes  no
migrate  4  yes  no
entry    5  yes  no
cmd      6  yes  no
.        7  yes  no
'

find src -name '*.[ch]' | sort | awk -v table="$layers" '
BEGIN {
	n = split(table, rows, "\n")
	for (i = 1; i <= n; i++) {
		if (split(rows[i], f, " ") < 4)
			continue
		layer[f[1]] = f[2]; libpq[f[1]] = f[3]; curl[f[1]] = f[4]
	}
}
{
	path = $0
	sub(/^src\//, "", path)
	folder = path ~ /\// ? path : "."
	sub(/\/.*/, "", folder)
	if (!(folder in layer)) {
		printf "check-layers: src/%s: folder \"%s\" has no layer (add it to scripts/check-layers.sh)\n", path, folder
		bad++
		next
	}
	files++
	lineno = 0
	while ((getline line < $0) > 0) {
		lineno++
		if (line !~ /^[ \t]*#[ \t]*include[ \t]*[<"]/)
			continue
		includes++
		if (line ~ /<libpq-fe\.h>/ && libpq[folder] != "yes") {
			printf "check-layers: src/%s:%d: %s/ must not use libpq\n", path, lineno, folder
			bad++
		}
		if (line ~ /<curl\/curl\.h>/ && curl[folder] != "yes") {
			printf "check-layers: src/%s:%d: %s/ must not use libcurl\n", path, lineno, folder
			bad++
		}
		if (line !~ /"/)
			continue
		target = line
		sub(/^[^"]*"/, "", target)
		sub(/".*/, "", target)
		if (target !~ /\//) {
			printf "check-layers: src/%s:%d: include \"%s\" without its folder\n", path, lineno, target
			bad++
			continue
		}
		tfolder = target
		sub(/\/.*/, "", tfolder)
		if (!(tfolder in layer)) {
			printf "check-layers: src/%s:%d: include \"%s\" of an unknown folder\n", path, lineno, target
			bad++
		} else if (tfolder != folder && layer[tfolder] + 0 >= layer[folder] + 0) {
			printf "check-layers: src/%s:%d: %s/ (layer %d) includes \"%s\" (layer %d): only lower layers may be included\n", path, lineno, folder, layer[folder], target, layer[tfolder]
			bad++
		}
	}
	close($0)
}
END {
	if (bad) {
		printf "check-layers: %d violation%s\n", bad, bad == 1 ? "" : "s"
		exit 1
	}
	printf "check-layers: %d files, %d includes, no layer violated\n", files, includes
}'
