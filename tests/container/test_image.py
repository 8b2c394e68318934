"""The default image (FROM scratch): size, content, the binary's two names, reproducibility,
and the COPY --from pattern docs/container.md recommends."""
import hashlib
import os
import re
import subprocess
import time

import pytest

from conftest import IMAGE, ROOT, engine, record

EXPECTED = {
    "etc", "etc/ssl", "etc/ssl/certs", "etc/ssl/certs/ca-certificates.crt",
    "usr", "usr/local", "usr/local/bin", "usr/local/bin/migrate-entry", "usr/local/bin/migrate",
}


def mounted(image):
    return engine("image", "mount", image).stdout.strip()


def test_image_holds_only_the_binary_its_link_and_the_ca_bundle():
    root = mounted(IMAGE)
    try:
        found = set()
        for d, dirs, files in os.walk(root):
            for n in dirs + files:
                found.add(os.path.relpath(os.path.join(d, n), root))
        assert found == EXPECTED
        assert os.readlink(os.path.join(root, "usr/local/bin/migrate")) == "migrate-entry"
        binary = os.path.join(root, "usr/local/bin/migrate-entry")
        kind = subprocess.run(["file", "-b", binary], capture_output=True, text=True).stdout
        assert "statically linked" in kind and "stripped" in kind, kind
        with open(binary, "rb") as f:
            data = f.read()
    finally:
        engine("image", "unmount", IMAGE, check=False)
    size = int(engine("image", "inspect", "-f", "{{.Size}}", IMAGE).stdout)
    record(f"image size: {size / 1e6:.2f} MB ({size} bytes), binary {len(data)} bytes")
    assert size < 8_000_000
    # Reproducible: OpenSSL's "built on" date is its source package's changelog date
    # (SOURCE_DATE_EPOCH), not the day of the build.
    built_on = re.search(rb"built on: ([^\0]+)", data).group(1).decode()
    assert built_on != "reproducible build, date unspecified"
    epoch = changelog_epoch("openssl")
    assert built_on == time.asctime(time.gmtime(epoch)) + " UTC", (built_on, epoch)


def build_stage():
    """The Dockerfile's build stage (from the layer cache: run.sh has built the image)."""
    return engine("build", "-q", "--target", "build", ".", cwd=ROOT,
                  timeout=1800).stdout.strip().splitlines()[-1]


def changelog_epoch(package):
    """The changelog date of the source package the build stage built, read in that stage."""
    script = (f"tar -xOf /root/.cache/migrate-entry-static/dl/{package}_*.debian.tar.xz "
              "debian/changelog | dpkg-parsechangelog -l- -STimestamp")
    return int(engine("run", "--rm", build_stage(), "sh", "-c", script).stdout)


def test_binary_is_the_same_as_make_static_on_the_host():
    """Reproducible across machines: the image's binary, built in a container under /src, is
    byte for byte the one `make static` built on the host from the same sources, when both
    used the same library versions and compiler (make test-static runs before this in CI)."""
    host = os.path.join(ROOT, "build", "static", "migrate-entry")
    if not os.path.exists(host):
        pytest.skip("no build/static/migrate-entry on the host to compare with (make static)")
    newest = max(os.path.getmtime(os.path.join(d, f)) for top in ("src", "scripts")
                 for d, _, files in os.walk(os.path.join(ROOT, top)) for f in files)
    if newest > os.path.getmtime(host):
        pytest.skip("build/static/migrate-entry is older than the sources (make static)")
    probe = "cat /src/build/static/.deps; gcc --version | head -n 1"
    in_stage = engine("run", "--rm", build_stage(), "sh", "-c", probe).stdout
    with open(os.path.join(ROOT, "build", "static", ".deps")) as f:
        on_host = f.read() + subprocess.run("gcc --version | head -n 1", shell=True,
                                            capture_output=True, text=True).stdout
    if in_stage != on_host:
        pytest.skip(f"the host built with other versions: {on_host!r} vs {in_stage!r}")
    root = mounted(IMAGE)
    try:
        with open(os.path.join(root, "usr/local/bin/migrate-entry"), "rb") as f:
            in_image = hashlib.sha256(f.read()).hexdigest()
    finally:
        engine("image", "unmount", IMAGE, check=False)
    with open(host, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == in_image
    record(f"reproducible: the image's binary equals the host's make static (sha256 {in_image[:16]}…)")


def test_both_names_run():
    assert engine("run", "--rm", IMAGE, "--version").stdout.startswith("migrate-entry ")
    # The link's name selects the Alembic-style CLI, which knows commands and says its name.
    out = engine("run", "--rm", "--entrypoint", "migrate", IMAGE, "no-such-command", check=False)
    assert out.returncode == 2 and out.stderr.startswith("migrate: "), out
    # No WORKDIR that the image does not hold (buildah does not create one in a scratch stage,
    # and podman then refuses to start the container).
    workdir = engine("image", "inspect", "-f", "{{.Config.WorkingDir}}", IMAGE).stdout.strip()
    assert workdir in ("", "/"), workdir


def test_copy_from_into_another_image(tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\n"
        f"COPY --from={IMAGE} /usr/local/bin/ /usr/local/bin/\n"
        'ENTRYPOINT ["migrate-entry", "--"]\n'
        'CMD ["sh", "-c", "echo app"]\n')
    tag = "localhost/metest-copy-from:test"
    engine("build", "-q", "-t", tag, str(tmp_path))
    try:
        out = engine("run", "--rm", "--entrypoint", "migrate", tag, "history")
        assert out.returncode == 0
        out = engine("run", "--rm", "--entrypoint", "migrate-entry", tag, "--version").stdout
        assert out.startswith("migrate-entry ")
    finally:
        engine("rmi", "-f", tag, check=False)
