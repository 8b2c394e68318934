#!/bin/sh
# Regenerate tests/unit/test_revgraph.c's plan tables from Alembic itself.
# Needs Debian's alembic (apt-get install alembic; /usr/bin/python3).
#   sh tests/unit/alembic-ref/regen.sh
set -e
cd "$(dirname "$0")"
for g in g0 g1 g2 g3 g4 g5; do
	echo "=== $g"
	/usr/bin/python3 -W ignore ref.py $g.json
done > /tmp/alembic-ref.txt
/usr/bin/python3 gen.py /tmp/alembic-ref.txt g0 g1 g2 g3 g4 g5 > /tmp/alembic-cases.inc
cat test_head.c.in /tmp/alembic-cases.inc test_tail.c.in > ../test_revgraph.c
