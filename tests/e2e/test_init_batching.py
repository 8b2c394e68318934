"""Statements go to the server in pipeline segments, not one round trip
each.  The tool says how many round trips a file took (its debug log); the
server log of a cluster of our own with log_statement = all shows every
statement executed (psql's simple queries as "statement:", the pipeline's
as "execute <unnamed>:"), one entry each.  psql -f on the same file is the
yardstick: one round trip per statement.
"""
import os
import re

import pytest

from initlib import migrate, new_dbname, psql_file, query, write
from pgcluster import Cluster

STATEMENT = re.compile(r"LOG:  (?:statement|execute <unnamed>): ")
ROUND_TRIPS = re.compile(r"init script \S+: (\d+) statements in (\d+) round trips")


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


def round_trips(stderr):
    """(statements, round trips) from the tool's debug line for its one file."""
    m = ROUND_TRIPS.search(stderr)
    assert m, stderr
    return int(m.group(1)), int(m.group(2))


def inserts(n):
    return "".join(f"INSERT INTO t VALUES ({i}, 'row {i}; with a semicolon');\n" for i in range(n))


def test_500_statements_take_far_fewer_than_500_round_trips(logged, tmp_path):
    dbname, ref = new_dbname(), new_dbname()
    logged.sql(f'CREATE DATABASE "{dbname}"')
    logged.sql(f'CREATE DATABASE "{ref}"')
    body = "CREATE TABLE t (id int, v text);\n" + inserts(499)
    write(tmp_path, {"sql/init/20240101/01_many.sql": body})

    before = logged.log_size()
    r = migrate(logged, dbname, tmp_path, "--log-level", "debug")
    assert r.returncode == 0, r.stderr
    assert count_statements(logged, before) >= 500  # each statement executed once
    statements, trips = round_trips(r.stderr)
    assert statements == 500
    assert query(logged, dbname, "SELECT count(*) FROM t") == [(499,)]

    before = logged.log_size()
    assert psql_file(logged, ref, tmp_path / "sql/init/20240101/01_many.sql").returncode == 0
    theirs = count_statements(logged, before)

    assert theirs >= 500  # the yardstick: one message per statement
    assert trips <= 3, r.stderr


def test_transaction_blocks_in_an_autocommit_file_are_batched(logged, tmp_path):
    dbname = new_dbname()
    logged.sql(f'CREATE DATABASE "{dbname}"')
    body = ("CREATE TABLE t (id int, v text);\n"
            "CREATE INDEX CONCURRENTLY t_id ON t (id);\n"
            "BEGIN;\n" + inserts(300) + "COMMIT;\n")
    write(tmp_path, {"sql/init/20240101/01_block.sql": body})
    r = migrate(logged, dbname, tmp_path, "--log-level", "debug")
    assert r.returncode == 0, r.stderr
    assert "statement by statement (CREATE INDEX CONCURRENTLY" in r.stderr
    assert query(logged, dbname, "SELECT count(*) FROM t") == [(300,)]
    statements, trips = round_trips(r.stderr)
    assert statements == 304
    # CREATE TABLE, CREATE INDEX, BEGIN alone; the block up to COMMIT together
    assert trips <= 6, r.stderr


def test_outside_blocks_each_statement_is_its_own_transaction_in_few_round_trips(logged, tmp_path):
    """Like psql -f, each statement commits on its own (50 transaction ids
    for 50 INSERTs, as psql gives), yet they share round trips: each goes
    in the pipeline as BEGIN; statement; COMMIT."""
    dbname, ref = new_dbname(), new_dbname()
    logged.sql(f'CREATE DATABASE "{dbname}"')
    logged.sql(f'CREATE DATABASE "{ref}"')
    body = ("-- migrate:no-transaction\nCREATE TABLE t (id int, x xid8);\n" +
            "".join(f"INSERT INTO t VALUES ({i}, pg_current_xact_id());\n" for i in range(50)))
    write(tmp_path, {"sql/init/20240101/01_auto.sql": body})
    r = migrate(logged, dbname, tmp_path, "--log-level", "debug")
    assert r.returncode == 0, r.stderr
    statements, trips = round_trips(r.stderr)
    assert statements == 51
    assert trips <= 3, r.stderr
    distinct = "SELECT count(DISTINCT x) FROM t"
    assert query(logged, dbname, distinct) == [(50,)]
    r = psql_file(logged, ref, tmp_path / "sql/init/20240101/01_auto.sql", single_transaction=False)
    assert r.returncode == 0
    assert query(logged, ref, distinct) == [(50,)]
