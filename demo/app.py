#!/usr/bin/env python3
"""A tiny stand-in for the Synapse DT backend that migrate-entry execs.

It shows that it runs in place of the entrypoint (same pid) and that the
database is ready when it starts: it connects with DATABASE_URL and prints
the Alembic revision and the number of application tables.  With
`--serve PORT` it then keeps running as a small HTTP server answering the
same as JSON, the way a real backend stays up in its container.

SIGTERM and SIGINT end it at once with exit status 0, the way a container
engine's `stop` expects an application to shut down.  (An application that
handles no signal needs `migrate-entry --init`: as PID 1 it would ignore
SIGTERM and be killed after the engine's grace period.)
"""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

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


def database_state(url):
    dsn = url.replace("postgresql+psycopg2://", "postgresql://")
    secret = os.environ.get("PGPASSWORD_FILE")
    if secret and "PGPASSWORD" not in os.environ:  # Docker secret, as migrate-entry reads it
        with open(secret) as f:
            os.environ["PGPASSWORD"] = f.read().rstrip("\n")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database()")
        db = cur.fetchone()[0]
        cur.execute(TABLES)
        tables = cur.fetchone()[0]
        cur.execute(REVISION)
        revision = cur.fetchone()[0]
    return {"database": db, "revision": revision, "tables": tables}


def stop(signum, _frame):
    print(f"demo app: {signal.Signals(signum).name} received, stopping", flush=True)
    raise SystemExit(0)


def main(argv):
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    url = os.environ.get("DATABASE_URL", "")
    print(f"demo app: started as pid {os.getpid()} ({' '.join(argv) or 'no arguments'})", flush=True)
    if not psycopg2 or not url:
        return 0
    state = database_state(url)
    print(f"demo app: database {state['database']} is at revision {state['revision'] or 'none'} "
          f"with {state['tables']} tables in public", flush=True)
    if len(argv) == 2 and argv[0] == "--serve":
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(database_state(url)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)
        print(f"demo app: serving on port {argv[1]}", flush=True)
        HTTPServer(("", int(argv[1])), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
