"""The layer check (`make check-layers`, scripts/check-layers.sh): a folder may include its
own headers and those of lower layers only, the pure folders never libpq, and every include
names its folder.  Run on a copy of src/ with one violation planted at a time."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "check-layers.sh")


def check(root):
    return subprocess.run(["sh", SCRIPT, str(root)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def tree(tmp_path):
    shutil.copytree(os.path.join(ROOT, "src"), tmp_path / "src")
    return tmp_path


def plant(tree, path, line):
    p = tree / "src" / path
    text = p.read_text()
    # after the file's first include, so the rest of the file stays as it is
    at = text.index("#include")
    p.write_text(text[:at] + line + "\n" + text[at:])


def test_the_repository_passes():
    r = check(ROOT)
    assert r.returncode == 0, r.stdout
    assert "no layer violated" in r.stdout


@pytest.mark.parametrize("path,line,message", [
    ("db/lock.c", '#include "cmd/commands.h"',
     'db/ (layer 2) includes "cmd/commands.h" (layer 6)'),
    ("sql/sqlscan.c", '#include "rev/revgraph.h"',
     'sql/ (layer 1) includes "rev/revgraph.h" (layer 1)'),
    ("rev/revplan.c", "#include <libpq-fe.h>", "rev/ must not use libpq"),
    ("util/log.c", "#include <libpq-fe.h>", "util/ must not use libpq"),
    ("wait/probe.c", "#include <libpq-fe.h>", "wait/ must not use libpq"),
    ("db/query.c", "#include <curl/curl.h>", "db/ must not use libcurl"),
    ("script/meta.c", '#include "exec.h"', 'include "exec.h" without its folder'),
    ("init/initdir.c", '#include "nowhere/x.h"', 'include "nowhere/x.h" of an unknown folder'),
])
def test_a_violation_fails_and_names_the_file(tree, path, line, message):
    plant(tree, path, line)
    r = check(tree)
    assert r.returncode == 1, r.stdout
    assert f"src/{path}:" in r.stdout and message in r.stdout, r.stdout
    assert "1 violation" in r.stdout


def test_a_folder_without_a_layer_fails(tree):
    (tree / "src" / "newstuff").mkdir()
    (tree / "src" / "newstuff" / "x.c").write_text('#include "util/err.h"\n')
    r = check(tree)
    assert r.returncode == 1
    assert 'folder "newstuff" has no layer' in r.stdout
