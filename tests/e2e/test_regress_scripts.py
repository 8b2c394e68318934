"""PostgreSQL 15's own regression scripts that use psql's language (\\set, \\gset, \\if,
\\getenv, \\copy, \\lo_import, …), through psql and through `migrate init` (issue 10).

It runs tests/oracle/run-regress.sh on a fixed list of files and requires each to end the same
way on both sides: both succeed with equal databases ("same"), or both stop at the same line
("both-failed": the suite's scripts need its C test module, which is not built here). The
sources come from Debian's postgresql-15 source package, as the static build downloads it; a
machine without them skips this test (CI has them: `make test-static` runs after the static
build fetched them).
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import MIGRATE

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["mvcc", "euc_kr", "prepared_xacts", "advisory_lock", "tuplesort", "stats",
         "btree_index", "tsearch", "copy2", "insert", "rules", "largeobject"]


def _tarball():
    home = Path(os.environ.get("HOME", "/root"))
    dirs = [Path(os.environ.get("MIGRATE_ORACLE_CACHE", home / ".cache/migrate-entry-oracle")),
            Path(os.environ.get("MIGRATE_STATIC_CACHE", home / ".cache/migrate-entry-static"))]
    return [p for d in dirs for p in (d / "dl").glob("postgresql-15_*.orig.tar.*")]


@pytest.mark.skipif(not _tarball(), reason="PostgreSQL 15 sources not downloaded here")
def test_regression_scripts_end_as_under_psql():
    r = subprocess.run(["bash", str(ROOT / "tests/oracle/run-regress.sh"), *NAMES],
                       env={**os.environ, "MIGRATE_ENTRY_BINARY": str(Path(MIGRATE).parent /
                                                                       "migrate-entry")},
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, cwd=ROOT)
    out = r.stdout.decode(errors="replace")
    assert r.returncode == 0, out[-3000:]
    rows = {}
    for line in out.splitlines():
        m = re.match(r"(\S+)\s+(same|both-failed|different|refused|timeout)\s.*"
                     r"psql stop (\S+)\s+tool stop (\S+)", line)
        if m:
            rows[m.group(1)] = m.groups()[1:]
    assert sorted(rows) == sorted(NAMES), out[-3000:]
    for name, (result, psql_stop, tool_stop) in rows.items():
        if name == "largeobject":  # its dump names the large objects by OID, which differ
            assert psql_stop == tool_stop, (name, rows[name])
            continue
        assert result in ("same", "both-failed") and psql_stop == tool_stop, (name, rows[name])
