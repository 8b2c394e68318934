"""wait.services (docs/reference.md §7.2): extra dependencies waited for with PostgreSQL."""
import http.server
import socket
import ssl
import subprocess
import threading

import pytest

from conftest import clean_env
from pgcluster import free_port


class _Health(http.server.BaseHTTPRequestHandler):
    statuses = []

    def do_GET(self):
        status = self.statuses.pop(0) if self.statuses else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_tcp_unix_and_http_services_are_awaited(pg, dbname, runner, tmp_path):
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    unix_path = str(tmp_path / "svc.sock")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(unix_path)
    unix.listen(8)
    _Health.statuses = [503, 503]
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        services = (f"tcp://127.0.0.1:{tcp.getsockname()[1]} unix://{unix_path} "
                    f"http://127.0.0.1:{httpd.server_address[1]}/health")
        r = runner(["--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname),
                                                  MIGRATE_WAIT_SERVICES=services, no_proxy="*"))
        assert r.returncode == 0, r.stderr
        summary = r.stderr.strip().splitlines()[-1]
        assert f"tcp://127.0.0.1:{tcp.getsockname()[1]} (" in summary
        assert f"unix://{unix_path} (" in summary
        assert "/health (" in summary
        assert _Health.statuses == []  # the two 503s were retried
        # each listener really was connected to: a connection waits in its backlog
        for listener in (tcp, unix):
            listener.setblocking(False)
            conn, _ = listener.accept()  # BlockingIOError when nobody connected
            conn.close()
    finally:
        httpd.shutdown()
        tcp.close()
        unix.close()


def test_service_that_never_comes_up_times_out_with_exit_4(pg, dbname, runner):
    port = free_port()
    r = runner(["--wait-timeout", "1s", "--wait", f"tcp://127.0.0.1:{port}", "--", "true"],
               env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 4, r.stderr
    assert f"waiting for tcp://127.0.0.1:{port}" in r.stderr


def test_invalid_service_url_is_a_config_error(pg, dbname, runner):
    r = runner(["--wait", "redis:6379", "--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname)))
    assert r.returncode == 3, r.stderr
    assert 'unsupported service "redis:6379"' in r.stderr
    assert 'hint: write it as "tcp://redis:6379"' in r.stderr


def test_http_password_never_printed(pg, dbname, runner):
    port = free_port()
    r = runner(["--wait-timeout", "500ms", "--wait", f"http://u:HttpS3cret@127.0.0.1:{port}/",
                "--", "true"], env=clean_env(DATABASE_URL=pg.url(dbname), no_proxy="*"))
    assert r.returncode == 4
    assert "HttpS3cret" not in r.stderr
    assert "u:***@127.0.0.1" in r.stderr


# ---------------------------------------------------------------------------
# https behind a private CA (wait.ca_cert, CURL_CA_BUNDLE, SSL_CERT_FILE), certificate errors,
# and the timeout that names every party not ready.

CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE")


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A private CA and a server certificate it signed for 127.0.0.1; another CA that
    signed nothing here.  Paths as a dict."""
    d = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "other-ca"):
        _openssl("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "2",
                 "-subj", f"/CN=migrate-entry test {ca}", cwd=d)
    _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1",
             cwd=d)
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                  "extendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
             cwd=d)
    return {name: str(d / f"{name}.pem") for name in ("ca", "other-ca", "server")} | {
        "server.key": str(d / "server.key"), "dir": str(d)}


class _HttpsServer(http.server.ThreadingHTTPServer):
    """An https server on 127.0.0.1; the handshake runs in each request's thread, so a
    client that gives up on the certificate does not stall the others."""
    daemon_threads = True

    def __init__(self, pki):
        super().__init__(("127.0.0.1", 0), _Health)
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pki["server"], pki["server.key"])
        self.handshakes = 0

    def get_request(self):
        sock, addr = self.socket.accept()
        self.handshakes += 1
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # a client that refused the certificate


@pytest.fixture
def https(pki):
    _Health.statuses = []
    server = _HttpsServer(pki)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, f"https://127.0.0.1:{server.server_address[1]}/health"
    server.shutdown()
    server.server_close()


def _env(**extra):
    env = clean_env(no_proxy="*", **extra)
    for name in CA_VARIABLES:
        if name not in extra:
            env.pop(name, None)
    return env


@pytest.mark.parametrize("how", ["MIGRATE_WAIT_CA_CERT", "config file", "CURL_CA_BUNDLE",
                                 "SSL_CERT_FILE"])
def test_https_service_behind_a_private_ca(pg, dbname, runner, workdir, pki, https, how):
    server, url = https
    extra = {"DATABASE_URL": pg.url(dbname)}
    if how == "config file":
        (workdir / "migrate.ini").write_text(f"[wait]\nca_cert = {pki['ca']}\n")
    else:
        extra[how] = pki["ca"]
    r = runner(["--wait-timeout", "60s", "--wait", url, "--", "true"], env=_env(**extra))
    assert r.returncode == 0, r.stderr
    assert f"{url} (" in r.stderr.strip().splitlines()[-1]


def test_wait_ca_cert_wins_over_the_environment(pg, dbname, runner, pki, https):
    server, url = https
    r = runner(["--wait-timeout", "60s", "--wait", url, "--", "true"],
               env=_env(DATABASE_URL=pg.url(dbname), MIGRATE_WAIT_CA_CERT=pki["ca"],
                        SSL_CERT_FILE=pki["other-ca"], CURL_CA_BUNDLE=pki["other-ca"]))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("ca", [None, "other-ca"])
def test_untrusted_certificate_fails_at_once_with_exit_3(pg, dbname, runner, pki, https, ca):
    # Without a CA (the system's bundle) or with a CA that did not sign it: the same error on
    # every attempt, so no waiting out the 10 minutes (the run's own timeout is 60s).
    server, url = https
    extra = {"MIGRATE_WAIT_CA_CERT": pki[ca]} if ca else {}
    r = runner(["--wait-timeout", "10m", "--wait", url, "--", "true"],
               env=_env(DATABASE_URL=pg.url(dbname), **extra))
    assert r.returncode == 3, r.stderr
    assert f"error: {url}: SSL certificate problem" in r.stderr
    assert "hint: give the CA certificate that signed the service's certificate with " \
           "wait.ca_cert (MIGRATE_WAIT_CA_CERT)" in r.stderr
    assert server.handshakes == 1
    assert not pg.database_exists(dbname)  # stopped before the create step


def test_certificate_error_stops_the_postgresql_wait_too(dbname, runner, pki, https):
    server, url = https
    dead = f"postgresql://postgres:x@127.0.0.1:{free_port()}/{dbname}"
    r = runner(["--wait-timeout", "10m", "--wait", url, "--", "true"], env=_env(DATABASE_URL=dead))
    assert r.returncode == 3, r.stderr
    assert f"error: {url}: SSL certificate problem" in r.stderr
    assert "stopped" not in r.stderr


@pytest.mark.parametrize("var", ["MIGRATE_WAIT_CA_CERT", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_ca_file_that_cannot_be_read_is_a_config_error(pg, dbname, runner, workdir, var):
    missing = str(workdir / "no-such-ca.pem")
    r = runner(["--wait", "https://127.0.0.1:1/", "--", "true"],
               env=_env(DATABASE_URL=pg.url(dbname), **{var: missing}))
    assert r.returncode == 3, r.stderr
    name = "wait.ca_cert" if var.startswith("MIGRATE") else var
    assert f'{name} "{missing}"' in r.stderr and "no such file or directory" in r.stderr
    assert not pg.database_exists(dbname)


def test_ssl_cert_file_is_not_looked_at_without_an_https_service(pg, dbname, runner, workdir):
    r = runner(["--", "true"], env=_env(DATABASE_URL=pg.url(dbname),
                                        SSL_CERT_FILE=str(workdir / "absent.pem")))
    assert r.returncode == 0, r.stderr


def test_timeout_names_every_service_not_ready_with_postgresql(dbname, runner, workdir):
    pg_port, tcp_port = free_port(), free_port()
    sock = workdir / "absent.sock"
    dead = f"postgresql://postgres:x@127.0.0.1:{pg_port}/{dbname}"
    r = runner(["--wait-timeout", "1s", "--wait", f"tcp://127.0.0.1:{tcp_port}",
                "--wait", f"unix://{sock}", "--", "true"], env=_env(DATABASE_URL=dead))
    assert r.returncode == 4, r.stderr
    error = next(l for l in r.stderr.splitlines() if "error: " in l)
    assert "timed out after 1.0s waiting for postgresql at " in error
    assert f"; and for tcp://127.0.0.1:{tcp_port}: connection refused, unix://{sock}: " \
           "no such file or directory" in error, error
