#!/usr/bin/env python3
"""A tiny stand-in for the Synapse DT backend that migrate-entry execs.

It shows that it runs in place of the entrypoint (same pid) and that the
database is ready when it starts: it connects with DATABASE_URL and prints
the Alembic revision and the number of application tables.
"""
import os
import sys

try:
    import psycopg2
except ImportError:  # the demo still shows the exec without psycopg2
    psycopg2 = None

# Counted the way `migrate verify` counts: ordinary and partitioned tables in
# public, without alembic_version and the tool's own migrate_entry_* tables.
TABLES = r"""
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      AND c.relname <> 'alembic_version' AND c.relname NOT LIKE 'migrate\_entry\_%'
"""
REVISION = """
    SELECT CASE WHEN to_regclass('alembic_version') IS NOT NULL
                THEN (SELECT string_agg(version_num, ',') FROM alembic_version) END
"""


def main():
    url = os.environ.get("DATABASE_URL", "")
    print(f"demo app: started as pid {os.getpid()} ({' '.join(sys.argv[1:]) or 'no arguments'})")
    if not psycopg2 or not url:
        return 0
    dsn = url.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database()")
        db = cur.fetchone()[0]
        cur.execute(TABLES)
        tables = cur.fetchone()[0]
        cur.execute(REVISION)
        revision = cur.fetchone()[0]
    print(f"demo app: database {db} is at revision {revision or 'none'} with {tables} tables in public")
    return 0


if __name__ == "__main__":
    sys.exit(main())
