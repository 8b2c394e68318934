#!/usr/bin/env python3
"""A tiny stand-in for the application that migrate-entry execs.

It shows that it runs in place of the entrypoint (same pid) and that the
database is ready when it starts: it connects with DATABASE_URL and reports
what it finds.
"""
import os
import sys

try:
    import psycopg2
except ImportError:  # the demo still shows the exec without psycopg2
    psycopg2 = None


def main():
    url = os.environ.get("DATABASE_URL", "")
    print(f"demo app: running as pid {os.getpid()} with {' '.join(sys.argv[1:]) or 'no arguments'}")
    if not psycopg2 or not url:
        return 0
    dsn = url.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database(), current_setting('server_version'), "
                    "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public')")
        db, version, tables = cur.fetchone()
        cur.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
        revision = None
        if cur.fetchone()[0]:
            cur.execute("SELECT string_agg(version_num, ',') FROM alembic_version")
            revision = cur.fetchone()[0]
    print(f"demo app: database {db!r} on PostgreSQL {version} is ready: "
          f"{tables} tables in public, revision {revision or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
