"""Statements go to the server in batches, not one round trip each: counted
in the server log of a cluster of our own with log_statement = all (one
"statement:" entry per simple-query message, however many statements it
holds).  psql -f on the same file is the yardstick: one entry per statement.
"""
import os
import re

import pytest

from initlib import migrate, new_dbname, psql_file, query, write
from pgcluster import Cluster

STATEMENT = re.compile(r"LOG:  statement: ")


@pytest.fixture(scope="module")
def logged():
    c = Cluster("batch")
    with open(os.path.join(c.data, "postgresql.conf"), "a") as f:
        f.write("log_statement = all\n")
    c.start()
    yield c
    c.destroy()


def count_statements(cluster, since):
    return len(STATEMENT.findall(cluster.log_since(since)))


def inserts(n):
    return "".join(f"INSERT INTO t VALUES ({i}, 'row {i}; with a semicolon');\n" for i in range(n))


def test_500_statements_take_far_fewer_than_500_round_trips(logged, tmp_path):
    dbname, ref = new_dbname(), new_dbname()
    logged.sql(f'CREATE DATABASE "{dbname}"')
    logged.sql(f'CREATE DATABASE "{ref}"')
    body = "CREATE TABLE t (id int, v text);\n" + inserts(499)
    write(tmp_path, {"sql/init/20240101/01_many.sql": body})

    before = logged.log_size()
    r = migrate(logged, dbname, tmp_path)
    assert r.returncode == 0, r.stderr
    ours = count_statements(logged, before)
    assert query(logged, dbname, "SELECT count(*) FROM t") == [(499,)]

    before = logged.log_size()
    assert psql_file(logged, ref, tmp_path / "sql/init/20240101/01_many.sql").returncode == 0
    theirs = count_statements(logged, before)

    assert theirs >= 500  # the yardstick sees every statement
    # the tool's own queries (lock, bookkeeping, BEGIN/COMMIT) are a handful
    assert ours < 25, logged.log_since(before)


def test_transaction_blocks_in_an_autocommit_file_are_batched(logged, tmp_path):
    dbname = new_dbname()
    logged.sql(f'CREATE DATABASE "{dbname}"')
    body = ("CREATE TABLE t (id int, v text);\n"
            "CREATE INDEX CONCURRENTLY t_id ON t (id);\n"
            "BEGIN;\n" + inserts(300) + "COMMIT;\n")
    write(tmp_path, {"sql/init/20240101/01_block.sql": body})
    before = logged.log_size()
    r = migrate(logged, dbname, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "statement by statement (CREATE INDEX CONCURRENTLY" in r.stderr
    assert query(logged, dbname, "SELECT count(*) FROM t") == [(300,)]
    assert count_statements(logged, before) < 25


def test_outside_blocks_an_autocommit_file_runs_one_statement_at_a_time(logged, tmp_path):
    """Like psql -f: so that an error stops at exactly the same statement."""
    dbname = new_dbname()
    logged.sql(f'CREATE DATABASE "{dbname}"')
    body = ("-- migrate:no-transaction\nCREATE TABLE t (id int, v text);\n" + inserts(50))
    write(tmp_path, {"sql/init/20240101/01_auto.sql": body})
    before = logged.log_size()
    r = migrate(logged, dbname, tmp_path)
    assert r.returncode == 0, r.stderr
    assert count_statements(logged, before) >= 51
