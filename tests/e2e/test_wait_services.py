"""wait.services (docs/reference.md §7.2): extra dependencies waited for with PostgreSQL."""
import http.server
import socket
import threading

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
