"""Throwaway PostgreSQL 15 clusters for end-to-end tests.

Modelled on PostgreSQL's own PostgreSQL::Test::Cluster: initdb into a private
directory, fsync off, a private socket directory, a free port (retrying on
"address in use"), password (scram) authentication on TCP so authentication
failures can be tested, trust on the private unix socket for the harness's own
checks, log_connections on so tests can count connections. PostgreSQL refuses
to run as root, so as root the server runs as the `postgres` user.
"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
SUPERUSER = "postgres"
PASSWORD = "s3cret-Pa55"


def _as_server_user():
    if os.geteuid() != 0:
        return [], None
    return ["runuser", "-u", "postgres", "--"], pwd.getpwnam("postgres")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, name="main"):
        self.prefix, self.user = _as_server_user()
        self.base = tempfile.mkdtemp(prefix=f"me-pg-{name}-")
        os.chmod(self.base, 0o755)
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "sock")
        self.log = os.path.join(self.base, "server.log")
        os.mkdir(self.sock)
        pwfile = os.path.join(self.base, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.user:
            for p in (self.base, self.sock, pwfile):
                os.chown(p, self.user.pw_uid, self.user.pw_gid)
        subprocess.run(
            self.prefix + [f"{PG_BIN}/initdb", "-D", self.data, "-U", SUPERUSER,
                           "--pwfile", pwfile, "--auth-local=trust",
                           "--auth-host=scram-sha-256", "-N", "-E", "UTF8",
                           "--locale=C"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "log_connections = on\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.sock}'\n"
                    "max_connections = 60\n")
        self.port = None
        self.running = False

    def start(self, port=None):
        for _ in range(10):
            self.port = port or free_port()
            r = subprocess.run(
                self.prefix + [f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log,
                               "-o", f"-p {self.port}", "-w", "-t", "60", "start"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode == 0:
                self.running = True
                return self
            if port:
                break
        raise RuntimeError(f"cannot start PostgreSQL: {r.stdout}\n{self.read_log()}")

    def stop(self, mode="fast"):
        if self.running:
            subprocess.run(self.prefix + [f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode,
                                          "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.running = False

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_size(self):
        try:
            return os.path.getsize(self.log)
        except FileNotFoundError:
            return 0

    def log_since(self, offset):
        with open(self.log, errors="replace") as f:
            f.seek(offset)
            return f.read()

    def url(self, db, user=SUPERUSER, password=PASSWORD, scheme="postgresql"):
        return f"{scheme}://{user}:{password}@127.0.0.1:{self.port}/{db}"

    def connect(self, db="postgres", user=SUPERUSER):
        import psycopg2
        c = psycopg2.connect(host=self.sock, port=self.port, user=user, dbname=db)
        c.autocommit = True
        return c

    def sql(self, query, db="postgres", params=None):
        c = self.connect(db)
        try:
            with c.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall() if cur.description else None
        finally:
            c.close()

    def database_exists(self, db):
        return bool(self.sql("SELECT 1 FROM pg_database WHERE datname = %s", params=(db,)))
