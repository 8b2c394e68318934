#!/usr/bin/env bash
# `migrate import-alembic` on a generated Alembic project of N revisions (default 100):
# a trunk with a branch and a merge every 20 revisions, each revision doing SQLAlchemy
# operations (create_table, add_column, create_index, bulk_insert) and an op.execute.
# Compared with `alembic upgrade base:heads --sql` on the same project: Alembic rendering every
# revision once, in one run.  No database is needed.  Prints hyperfine's table.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_IMPORT_REVISIONS:-100}
RUNS=${BENCH_RUNS:-10}
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
work=$(mktemp -d /tmp/migrate-import-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work" "$N" <<'PY'
import os, sys
work, n = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(work, "versions"))
open(os.path.join(work, "alembic.ini"), "w").write(
    "[alembic]\nscript_location = %(here)s\nsqlalchemy.url = postgresql://localhost/bench\n")
open(os.path.join(work, "env.py"), "w").write('''from alembic import context
config = context.config
def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()
run_migrations_offline()
''')
ids = ["%012x" % (0xa00000000000 + i) for i in range(n)]
down = {}
for i in range(n):
    if i == 0:
        down[i] = None
    elif i % 20 == 10:            # a branch off i-2, merged at i+2 (see below)
        down[i] = repr(ids[i - 2])
    elif i % 20 == 12:
        down[i] = repr((ids[i - 1], ids[i - 2]))
    elif i % 20 == 11:
        down[i] = repr(ids[i - 1])
    else:
        down[i] = repr(ids[i - 1])
for i, rid in enumerate(ids):
    t = "t%03d" % i
    open(os.path.join(work, "versions", f"{rid}_step_{i}.py"), "w").write(f'''"""step {i}

Revision ID: {rid}
Create Date: 2025-01-01 00:00:{i % 60:02d}.{i:06d}
"""
from alembic import op
import sqlalchemy as sa

revision = {rid!r}
down_revision = {down[i]}
branch_labels = None
depends_on = None


def upgrade():
    tbl = op.create_table("{t}", sa.Column("id", sa.Integer(), primary_key=True),
                          sa.Column("name", sa.String(80), nullable=False),
                          sa.Column("created", sa.DateTime(), server_default=sa.func.now()))
    op.add_column("{t}", sa.Column("note", sa.Text()))
    op.create_index("ix_{t}_name", "{t}", ["name"])
    op.bulk_insert(tbl, [{{"id": k, "name": "row %d of {t}" % k}} for k in range(5)])
    op.execute(sa.text("UPDATE {t} SET note = :n WHERE id > :k").bindparams(n="it's {i}", k=2))


def downgrade():
    op.drop_index("ix_{t}_name", table_name="{t}")
    op.drop_table("{t}")
''')
PY
echo "== import-alembic: $N generated revisions (no database) =="
hyperfine -N --warmup 1 --runs "$RUNS" \
	-n "migrate import-alembic ($N revisions)" \
	"sh -c 'rm -rf $work/out && build/migrate import-alembic $work/alembic.ini --out $work/out -q'" \
	-n "alembic upgrade base:heads --sql (same project)" \
	"sh -c '/usr/bin/alembic -c $work/alembic.ini upgrade base:heads --sql >/dev/null 2>&1'" \
	--export-markdown "${BENCH_OUT:-/dev/null}"
echo "files written: $(ls "$work/out" | wc -l); SQL: $(cat "$work"/out/*.sql | wc -c) bytes"
