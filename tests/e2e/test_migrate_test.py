"""`migrate test` (docs/reference.md §10.7): every revision up, down and up again on a scratch
database of the target's server, then down to base; the real database is never touched."""
import os
import subprocess

import pytest

from conftest import MIGRATE, clean_env, run
from revtools import Mig, write_rev

A, B, C = "aaaa00000001", "bbbb00000002", "cccc00000003"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def scratch_databases(pg):
    return pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'migrate\\_test\\_%'")


@pytest.fixture
def mdir(tmp_path):
    return tmp_path / "migrations"


@pytest.fixture
def mig(pg, dbname, mdir, tmp_path):
    return Mig(pg, dbname, mdir, tmp_path)


def test_the_example_passes_without_touching_the_target(pg, dbname):
    r = run(["test"], env=clean_env(DATABASE_URL=pg.url(dbname)), cwd=ROOT, binary=MIGRATE,
            timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("migrate test: passed: 4 revisions up, down and up again"), r.stdout
    # the init scripts ran first, on the scratch database
    assert "ran init script 08032025/01_extensions_and_types.sql" in r.stderr
    assert not pg.database_exists(dbname)
    assert scratch_databases(pg) == []


def run_without_server(tmp_path, mdir):
    """migrate test against no server at all: what must fail before any database work."""
    return run(["--migrations-dir", str(mdir), "test"],
               env=clean_env(DATABASE_URL="postgresql://nobody@127.0.0.1:1/x",
                             MIGRATE_WAIT_TIMEOUT="1s"),
               cwd=tmp_path, binary=MIGRATE)


def good_chain(mdir):
    write_rev(mdir, A, upgrade="CREATE TABLE t1 (id int PRIMARY KEY, name text NOT NULL);",
              downgrade="DROP TABLE t1;")
    write_rev(mdir, B, down=A, upgrade="ALTER TABLE t1 ADD COLUMN note text;\n"
                                       "CREATE INDEX t1_name ON t1 (name);",
              downgrade="DROP INDEX t1_name;\nALTER TABLE t1 DROP COLUMN note;")


def test_a_good_chain_passes(pg, mig, mdir):
    good_chain(mdir)
    r = mig("test")
    assert r.returncode == 0, r.stderr
    assert "passed: 2 revisions" in r.stdout
    assert f"revision {B} (2 of 2): upgrade, downgrade, upgrade" in r.stderr
    assert scratch_databases(pg) == []


def test_a_broken_downgrade_names_the_revision_and_the_step(pg, mig, mdir):
    good_chain(mdir)
    write_rev(mdir, C, down=B, upgrade="CREATE TABLE t3 (id int);",
              downgrade="DROP TABLE no_such_table;")
    r = mig("test")
    assert r.returncode == 6, r.stderr
    assert f"revision {C}, downgrade" in r.stderr
    assert 'table "no_such_table" does not exist' in r.stderr
    assert r.stdout == ""
    assert scratch_databases(pg) == []


def test_an_irreversible_downgrade_is_reported_with_the_difference(pg, mig, mdir):
    good_chain(mdir)
    write_rev(mdir, C, down=B, upgrade="CREATE TABLE t3 (id int);\nALTER TABLE t1 ALTER name DROP NOT NULL;",
              downgrade="DROP TABLE t3;")
    r = mig("test")
    assert r.returncode == 7, r.stderr
    assert (f"revision {C}: its downgrade does not restore the schema from before its upgrade "
            "(2 differences: + column public.t1 2 name text; "
            "- column public.t1 2 name text not null)") in r.stderr, r.stderr
    assert scratch_databases(pg) == []


def test_a_revision_without_a_downgrade_fails_before_any_database_work(tmp_path, mdir):
    good_chain(mdir)
    path = write_rev(mdir, C, down=B, upgrade="CREATE TABLE t3 (id int);", downgrade=None)
    r = run_without_server(tmp_path, mdir)
    assert r.returncode == 9, r.stderr
    assert f'{path}: revision {C} has no "-- migrate:downgrade" section' in r.stderr
    assert "an irreversible revision cannot pass" in r.stderr


def test_a_revision_that_is_not_repeatable_fails_the_stairway(pg, mig, mdir):
    """The downgrade restores the schema but leaves a row behind, and the second upgrade,
    which reads it, makes another schema."""
    write_rev(mdir, A, upgrade="CREATE TABLE settings (k text);", downgrade="DROP TABLE settings;")
    write_rev(mdir, B, down=A, upgrade=(
        "CREATE TABLE t (a int);\nINSERT INTO settings VALUES ('t made');\n"
        "DO $$ BEGIN IF (SELECT count(*) FROM settings) > 1 THEN\n"
        "  ALTER TABLE t ADD COLUMN again int;\nEND IF; END $$;"),
        downgrade="DROP TABLE t;")
    r = mig("test")
    assert r.returncode == 7, r.stderr
    assert (f"revision {B}: upgrade, downgrade, upgrade leaves another schema than the first "
            "upgrade (1 difference: + column public.t 2 again integer)") in r.stderr, r.stderr


def test_a_second_upgrade_that_fails_is_named(pg, mig, mdir):
    """The downgrade restores the schema but leaves a row that the upgrade cannot insert
    twice."""
    write_rev(mdir, A, upgrade="CREATE TABLE settings (k text UNIQUE);",
              downgrade="DROP TABLE settings;")
    write_rev(mdir, B, down=A, upgrade="INSERT INTO settings VALUES ('x');\nCREATE TABLE t (a int);",
              downgrade="DROP TABLE t;")
    r = mig("test")
    assert r.returncode == 6, r.stderr
    assert f"revision {B}, upgrade after its downgrade" in r.stderr
    assert "duplicate key value violates unique constraint" in r.stderr
    assert scratch_databases(pg) == []


def test_a_schema_left_behind_is_a_difference(pg, mig, mdir):
    write_rev(mdir, A, upgrade="CREATE SCHEMA side;\nCREATE TABLE side.keep (id int);",
              downgrade="DROP TABLE side.keep;")
    r = mig("test")
    assert r.returncode == 7, r.stderr
    assert (f"revision {A}: its downgrade does not restore the schema from before its upgrade "
            "(1 difference: + schema side)") in r.stderr, r.stderr


def test_several_heads_fail_before_any_database_work(tmp_path, mdir):
    write_rev(mdir, A)
    write_rev(mdir, B, down=A)
    write_rev(mdir, C, down=A)
    # no server at all: the graph is checked first
    r = run_without_server(tmp_path, mdir)
    assert r.returncode == 9, r.stderr
    assert f"the revisions have 2 heads: {B}, {C}" in r.stderr
    assert "migrate merge" in r.stderr


def test_branches_a_merge_and_a_dependency_walk_one_revision_at_a_time(pg, mig, mdir):
    """A, then B and C on two branches from A (C depends on a root of its own, E), merged by
    D: each revision goes up, down and up again alone, the others staying as they are."""
    E = "eeee00000005"
    write_rev(mdir, A, upgrade="CREATE TABLE a (id int);", downgrade="DROP TABLE a;")
    write_rev(mdir, E, upgrade="CREATE TABLE e (id int);", downgrade="DROP TABLE e;",
              labels="other")
    write_rev(mdir, B, down=A, upgrade="CREATE TABLE b (id int);", downgrade="DROP TABLE b;")
    write_rev(mdir, C, down=A, upgrade="CREATE TABLE c (id int);", downgrade="DROP TABLE c;",
              depends=E)
    write_rev(mdir, "dddd00000004", down=[B, C, E], upgrade="CREATE TABLE d (id int);",
              downgrade="DROP TABLE d;")
    r = mig("test")
    assert r.returncode == 0, r.stderr
    assert "passed: 5 revisions" in r.stdout
    assert scratch_databases(pg) == []


def test_a_downgrade_in_a_branch_that_leaves_something_is_named(pg, mig, mdir):
    write_rev(mdir, A, upgrade="CREATE TABLE a (id int);", downgrade="DROP TABLE a;")
    write_rev(mdir, B, down=A, upgrade="CREATE TABLE b (id int);", downgrade="DROP TABLE b;")
    write_rev(mdir, C, down=A, upgrade="CREATE TABLE c (id int);\nCREATE TABLE c2 (id int);",
              downgrade="DROP TABLE c;")
    write_rev(mdir, "dddd00000004", down=[B, C], upgrade="SELECT 1;", downgrade="SELECT 1;")
    r = mig("test")
    assert r.returncode == 7, r.stderr
    assert (f"revision {C}: its downgrade does not restore the schema from before its upgrade "
            "(2 differences: + column public.c2 1 id integer; + table public.c2 (r))") \
        in r.stderr, r.stderr


# ---- check --schema -----------------------------------------------------------------------

SCHEMA = """\
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t1 (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name varchar(40) NOT NULL DEFAULT '' CHECK (name IN ('a', 'b', '')),
    feeling mood,
    note text COLLATE "C"
);
COMMENT ON COLUMN t1.note IS 'free text';
CREATE INDEX t1_name ON t1 (lower(name)) WHERE feeling IS NOT NULL;
CREATE VIEW v1 AS SELECT id, name FROM t1;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t1_touch BEFORE UPDATE ON t1 FOR EACH ROW EXECUTE FUNCTION touch();
"""


def schema_db(pg, dbname, tmp_path, body=SCHEMA):
    """A database made by a revision holding body, and the schema file holding the same."""
    mdir = tmp_path / "migrations"
    write_rev(mdir, A, upgrade=body, downgrade="SELECT 1;")
    pg.sql(f'CREATE DATABASE "{dbname}"')
    mig = Mig(pg, dbname, mdir, tmp_path)
    mig.ok("upgrade", "head")
    schema = tmp_path / "schema.sql"
    schema.write_text(body)
    return mig, schema


def test_check_schema_matches_the_database_it_describes(pg, dbname, tmp_path):
    mig, schema = schema_db(pg, dbname, tmp_path)
    r = mig("check", "--schema", str(schema))
    assert r.returncode == 0, r.stderr + r.stdout
    assert f'the database matches "{schema}"' in r.stderr
    assert r.stdout == ""
    assert scratch_databases(pg) == []


def test_check_schema_matches_a_pg_dump_of_the_database(pg, dbname, tmp_path):
    """pg_dump's script sets an empty search path and prints names qualified; PostgreSQL prints
    a varchar IN list differently once read back: neither is a difference."""
    mig, _ = schema_db(pg, dbname, tmp_path)
    dump = tmp_path / "dump.sql"
    subprocess.run(["/usr/lib/postgresql/15/bin/pg_dump", "--schema-only", "-f", str(dump),
                    pg.url(dbname)], check=True)
    r = mig("check", "--schema", str(dump))
    assert r.returncode == 0, r.stderr + r.stdout


def test_check_schema_lists_the_differences_and_exits_1(pg, dbname, tmp_path):
    mig, schema = schema_db(pg, dbname, tmp_path)
    pg.sql("CREATE TABLE extra (id int)", db=dbname)
    schema.write_text(SCHEMA.replace("    note text COLLATE \"C\"\n",
                                     "    note text COLLATE \"C\",\n    added int NOT NULL\n"))
    r = mig("check", "--schema", str(schema))
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [
        "- column public.extra 1 id integer",
        "+ column public.t1 5 added integer not null",
        "- table public.extra (r)",
    ], r.stdout
    assert "3 differences" in r.stderr
    # the target is as it was
    assert pg.sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 't1'",
                  db=dbname) == [(4,)]
    assert scratch_databases(pg) == []


def test_check_schema_reports_a_failing_schema_file(pg, dbname, tmp_path):
    mig, schema = schema_db(pg, dbname, tmp_path)
    schema.write_text("CREATE TABLE a (id int);\nCREATE TABLE a (id int);\n")
    r = mig("check", "--schema", str(schema))
    assert r.returncode == 6, r.stderr
    assert f"schema file: {schema}:2:1" in r.stderr and "already exists" in r.stderr
    assert scratch_databases(pg) == []


def test_check_schema_needs_a_readable_file(pg, dbname, tmp_path):
    mig, schema = schema_db(pg, dbname, tmp_path)
    r = mig("check", "--schema", str(tmp_path / "missing.sql"))
    assert r.returncode == 3, r.stderr
    assert "cannot read the schema file" in r.stderr
    r = mig("check", "--schema", str(tmp_path))
    assert r.returncode == 3, r.stderr
    assert "not a regular file" in r.stderr
    assert scratch_databases(pg) == []


@pytest.mark.parametrize("change, line", [
    ("ALTER TABLE t1 ENABLE ROW LEVEL SECURITY", "+ table public.t1 (r)"),
    ("ALTER TABLE t1 SET UNLOGGED", "+ table public.t1 (r)"),
    ("ALTER TABLE t1 DISABLE TRIGGER t1_touch", "+ trigger CREATE TRIGGER t1_touch"),
    ("CREATE POLICY p ON t1 USING (id > 0)", "- policy public.t1 p * to public using (id > 0)"),
    ("ALTER TABLE t1 ALTER note SET DEFAULT 'x'", "- column public.t1 4 note text default 'x'::text"),
], ids=["row security", "unlogged", "trigger disabled", "policy", "default"])
def test_check_schema_sees_a_change_made_to_the_database(pg, dbname, tmp_path, change, line):
    mig, schema = schema_db(pg, dbname, tmp_path)
    pg.sql(change, db=dbname)
    r = mig("check", "--schema", str(schema))
    assert r.returncode == 1, r.stderr
    assert any(l.startswith(line) for l in r.stdout.splitlines()), r.stdout


PARTITIONED = """\
CREATE TABLE parent (id int, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parent_zz PARTITION OF parent FOR VALUES IN ('zz');
CREATE TABLE child (id int, region text, FOREIGN KEY (id, region) REFERENCES parent);
CREATE TABLE parent_aa PARTITION OF parent FOR VALUES IN ('aa');
CREATE TABLE d (at date DEFAULT '2020-01-31', span interval DEFAULT '1 day 2 hours');
"""


def test_check_schema_does_not_depend_on_settings_or_partition_order(pg, dbname, tmp_path):
    """A restore numbers a partitioned table's cloned foreign keys in another order, the
    database prints dates in its own style, and the file reads its literals with
    standard_conforming_strings off: none of it is a difference."""
    mig, schema = schema_db(pg, dbname, tmp_path, body=PARTITIONED)
    pg.sql(f"ALTER DATABASE \"{dbname}\" SET datestyle = 'SQL, DMY'")
    pg.sql(f"ALTER DATABASE \"{dbname}\" SET intervalstyle = 'sql_standard'")
    dump = tmp_path / "dump.sql"
    subprocess.run(["/usr/lib/postgresql/15/bin/pg_dump", "--schema-only", "-f", str(dump),
                    pg.url(dbname)], check=True)
    dump.write_text("SET standard_conforming_strings = off;\n" + dump.read_text())
    r = mig("check", "--schema", str(dump))
    assert r.returncode == 0, r.stderr + r.stdout
    # and the partition bounds are compared
    pg.sql("ALTER TABLE parent DETACH PARTITION parent_aa", db=dbname)
    pg.sql("ALTER TABLE parent ATTACH PARTITION parent_aa FOR VALUES IN ('aa', 'ab')", db=dbname)
    r = mig("check", "--schema", str(dump))
    assert r.returncode == 1, r.stderr
    assert "- table public.parent_aa (r) FOR VALUES IN ('aa', 'ab') inherits public.parent" \
        in r.stdout.splitlines(), r.stdout


def test_with_a_schema_file_the_schema_at_head_must_be_the_files(pg, mig, mdir, tmp_path):
    good_chain(mdir)
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t1 (id int PRIMARY KEY, name text NOT NULL, note text);\n"
                      "CREATE INDEX t1_name ON t1 (name);\n")
    r = mig("test", "--schema", str(schema))
    assert r.returncode == 0, r.stderr
    assert "the schema at head matching the schema file" in r.stdout
    schema.write_text("CREATE TABLE t1 (id int PRIMARY KEY, name text NOT NULL, note text);\n")
    r = mig("test", "--schema", str(schema))
    assert r.returncode == 7, r.stderr
    assert (f'error: the schema at head does not match "{schema}" (+ what the file has and head '
            "has not, - the reverse) (1 difference: - index CREATE INDEX t1_name ON public.t1 "
            "USING btree (name))") in r.stderr
    assert scratch_databases(pg) == []
    # a file that fails stops the run before any revision runs
    schema.write_text("CREATE TABLE broken (;\n")
    r = mig("test", "--schema", str(schema))
    assert r.returncode == 6, r.stderr
    assert "schema file: " in r.stderr and "schema.sql:1:" in r.stderr
    assert "upgrade, downgrade, upgrade" not in r.stderr


def test_expected_heads_are_named(pg, mig, mdir):
    write_rev(mdir, A, upgrade="CREATE TABLE t1 (id int);", downgrade="DROP TABLE t1;")
    write_rev(mdir, B, down=A, upgrade="CREATE TABLE t2 (id int);", downgrade="DROP TABLE t2;")
    write_rev(mdir, C, down=A, upgrade="CREATE TABLE t3 (id int);", downgrade="DROP TABLE t3;")
    r = mig("test")
    assert r.returncode == 9, r.stderr
    assert f"the revisions have 2 heads: {B}, {C}" in r.stderr
    assert "--expect-heads" in r.stderr
    r = mig("test", "--expect-heads", f"{C},{B[:6]}")
    assert r.returncode == 0, r.stderr
    assert "passed: 3 revisions" in r.stdout
    r = mig("test", "--expect-heads", B)
    assert r.returncode == 9, r.stderr
    assert f"the revisions' heads are {B}, {C}, not the ones expected ({B})" in r.stderr
    r = mig("test", "--expect-heads", "ffffffffffff")
    assert r.returncode == 9, r.stderr
    assert "--expect-heads: " in r.stderr
