#!/usr/bin/python3
"""Generate one scenario of the peers benchmark (bench/peers.sh) in four tools' formats.

    peers_gen.py OUTDIR N INIT_DIR

writes, for a chain of N revisions on top of the init scripts of INIT_DIR:

    OUTDIR/migrate/<id>_step_<i>.sql   migrate-entry revision files (12-hex-digit ids, as
                                       `migrate revision` makes them)
    OUTDIR/alembic/                    an Alembic project: alembic.ini, env.py (psycopg2, the URL
                                       from $PEERS_ALEMBIC_URL), versions/<id>_step_<i>.py with
                                       op.execute(\"\"\"<the same SQL>\"\"\") up and down
    OUTDIR/dbmate/<version>_step_<i>.sql  dbmate's format (-- migrate:up / -- migrate:down);
                                       dbmate wants numeric versions, so 000001, 000002, ...
    OUTDIR/bundle.sql                  the init scripts and the upgrade bodies concatenated,
                                       for `psql -1 -f` (the floor)
    OUTDIR/init-files.txt              the init scripts in the order migrate-entry runs them

Every revision is small, realistic DDL plus one row, like bench/revisions.sh: even steps create
a table (with a foreign key to the baseline's users) and insert a row; odd steps add a column
and an index to the table before and insert a row into it.  The SQL has no ':' and no '%', so
Alembic's op.execute (SQLAlchemy text()) passes it through unchanged.
"""
import datetime
import os
import re
import sys


def natural_key(name):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p)
            for p in re.split(r"(\d+)", name) if p != ""]


def dir_date(name):
    """The date of an init directory name, as migrate-entry reads it (reference 8.1)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", name)
    cands = []
    if m:
        cands.append((int(m[1]), int(m[2]), int(m[3])))
    elif re.fullmatch(r"\d{8}", name):
        cands.append((int(name[:4]), int(name[4:6]), int(name[6:])))   # YYYYMMDD
        cands.append((int(name[4:]), int(name[:2]), int(name[2:4])))   # MMDDYYYY
    ok = []
    for y, mo, d in cands:
        if 1900 <= y <= 2999:
            try:
                ok.append(datetime.date(y, mo, d))
            except ValueError:
                pass
    if len(ok) != 1:
        sys.exit(f"peers_gen: init directory {name!r} is not a date migrate-entry accepts")
    return ok[0]


def init_files(init_dir):
    dirs = [d for d in os.listdir(init_dir)
            if not d.startswith(".") and os.path.isdir(os.path.join(init_dir, d))]
    dirs.sort(key=lambda d: (dir_date(d), natural_key(d)))
    out = []
    for d in dirs:
        names = [f for f in os.listdir(os.path.join(init_dir, d))
                 if f.endswith(".sql") and not f.startswith(".")
                 and os.path.isfile(os.path.join(init_dir, d, f))]
        out += [os.path.join(os.path.abspath(init_dir), d, f) for f in sorted(names, key=natural_key)]
    return out


def revisions(n):
    """(id, upgrade SQL, downgrade SQL) for each step of the chain."""
    out = []
    for i in range(n):
        rev = "%012x" % (0x100000000000 + i * 7919)
        if i % 2 == 0:
            t = f"bench_rev_{i}"
            up = (f"CREATE TABLE {t} (\n"
                  f"    id bigserial PRIMARY KEY,\n"
                  f"    user_id integer REFERENCES users (user_id),\n"
                  f"    name text NOT NULL,\n"
                  f"    created_at timestamptz NOT NULL DEFAULT now()\n"
                  f");\n"
                  f"INSERT INTO {t} (user_id, name) VALUES (1, 'row {i}');\n")
            down = f"DROP TABLE {t};\n"
        else:
            t = f"bench_rev_{i - 1}"
            up = (f"ALTER TABLE {t} ADD COLUMN note_{i} text;\n"
                  f"CREATE INDEX {t}_name_idx ON {t} (name);\n"
                  f"INSERT INTO {t} (user_id, name, note_{i}) VALUES (2, 'row {i}', 'note {i}');\n")
            down = (f"DELETE FROM {t} WHERE name = 'row {i}';\n"
                    f"DROP INDEX {t}_name_idx;\n"
                    f"ALTER TABLE {t} DROP COLUMN note_{i};\n")
        out.append((rev, up, down))
    return out


ALEMBIC_INI = """[alembic]
script_location = %(here)s
"""

ENV_PY = '''import os
from alembic import context
from sqlalchemy import create_engine, pool

# The old setup script's Alembic: psycopg2, the URL from the environment, Alembic's defaults
# (one transaction for the whole run: transaction_per_migration = False).
engine = create_engine(os.environ["PEERS_ALEMBIC_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
'''


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: peers_gen.py OUTDIR N INIT_DIR")
    out, n, init_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    for sub in ("migrate", "alembic/versions", "dbmate"):
        os.makedirs(os.path.join(out, sub))
    inits = init_files(init_dir)
    if not inits:
        sys.exit(f"peers_gen: no init scripts under {init_dir}")
    with open(os.path.join(out, "init-files.txt"), "w") as f:
        f.write("".join(p + "\n" for p in inits))
    with open(os.path.join(out, "alembic", "alembic.ini"), "w") as f:
        f.write(ALEMBIC_INI)
    with open(os.path.join(out, "alembic", "env.py"), "w") as f:
        f.write(ENV_PY)
    bundle = open(os.path.join(out, "bundle.sql"), "w")
    for p in inits:
        with open(p) as f:
            text = f.read()
        bundle.write(f"-- {p}\n{text}")
        if not text.endswith("\n"):
            bundle.write("\n")
    prev = None
    for i, (rev, up, down) in enumerate(revisions(n)):
        for s in (up, down):
            assert ":" not in s and "%" not in s and '"""' not in s and "\\" not in s
        with open(os.path.join(out, "migrate", f"{rev}_step_{i}.sql"), "w") as f:
            f.write(f"-- revision: {rev}\n-- down_revision: {prev or 'None'}\n"
                    f"-- branch_labels: None\n-- depends_on: None\n"
                    f"-- create_date: 2025-09-01 10:00:00\n-- message: step {i}\n\n"
                    f"-- migrate:upgrade\n{up}\n-- migrate:downgrade\n{down}")
        with open(os.path.join(out, "alembic", "versions", f"{rev}_step_{i}.py"), "w") as f:
            f.write(f'"""step {i}\n\nRevision ID: {rev}\nRevises: {prev or ""}\n'
                    f'Create Date: 2025-09-01 10:00:00\n"""\n'
                    f"from alembic import op\n\n"
                    f"revision = {rev!r}\ndown_revision = {prev!r}\n"
                    f"branch_labels = None\ndepends_on = None\n\n\n"
                    f'def upgrade():\n    op.execute("""{up}""")\n\n\n'
                    f'def downgrade():\n    op.execute("""{down}""")\n')
        with open(os.path.join(out, "dbmate", f"{i + 1:06d}_step_{i}.sql"), "w") as f:
            f.write(f"-- migrate:up\n{up}\n-- migrate:down\n{down}")
        bundle.write(f"-- revision {rev}\n{up}")
        prev = rev
    bundle.close()


if __name__ == "__main__":
    main()
