"""Revisions against real Alembic (Debian's 1.8.1; docs/reference.md §11).

tests/fixtures/alembic is an Alembic script directory whose Python revisions are twins of
tests/fixtures/migrations/{shop,audit}: same ids, down_revisions, branch labels, depends_on and
the same DDL through op.execute.  One database is driven by Alembic, another by migrate, and
after every step the version tables (and the schemas) must agree.
"""
import re

import pytest

from revtools import (AUDIT1, AUDIT2, BASELINE, HEAD, MERGE, ORDERS, PREFS, STATUS, TAGS,
                      Alembic, Mig, alembic_cli, alembic_ini, create_db, offline_shape,
                      pg_dump_schema, psql, tree, version_rows)


@pytest.fixture
def pair(pg, tmp_path):
    """Two fresh databases: "a" for Alembic, "b" for migrate."""
    import uuid
    tag = uuid.uuid4().hex[:10]
    return create_db(pg, f"al_{tag}"), create_db(pg, f"me_{tag}")


def catalog(pg, db):
    """A quick fingerprint of the user schema: columns, indexes, functions, comments."""
    return pg.sql("""
        SELECT 'col', table_schema || '.' || table_name || '.' || column_name || ' ' || data_type
          FROM information_schema.columns
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
           AND table_name NOT LIKE 'migrate\\_entry\\_%'
        UNION ALL
        SELECT 'idx', schemaname || '.' || indexname FROM pg_indexes
         WHERE schemaname NOT IN ('pg_catalog') AND tablename NOT LIKE 'migrate\\_entry\\_%'
        UNION ALL
        SELECT 'fn', p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public'
        UNION ALL
        SELECT 'comment', c.relname || ': ' || obj_description(c.oid, 'pg_class')
          FROM pg_class c WHERE obj_description(c.oid, 'pg_class') IS NOT NULL
        ORDER BY 1, 2""", db=db)


# ---- a database Alembic stamped -------------------------------------------------------------

def test_alembic_stamped_database_is_upgraded_and_alembic_reads_the_result(pg, pair, tmp_path):
    _, db = pair
    # The baseline's schema exists (made by the init scripts), Alembic stamped it.
    pg.sql("CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE)", db=db)
    ini = alembic_ini(tmp_path / "alembic.ini", pg.url(db), "shop")
    r = alembic_cli(ini, "stamp", BASELINE)
    assert r.returncode == 0, r.stderr
    assert version_rows(pg, db) == [BASELINE]

    mig = Mig(pg, db, tree(tmp_path / "migrations", "shop"), tmp_path)
    r = mig.ok("upgrade", "head")
    assert f"upgraded from {BASELINE} to {HEAD}: 6 revisions" in r.stderr
    assert version_rows(pg, db) == [HEAD]

    r = alembic_cli(ini, "current")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{HEAD} (head)\n"
    assert mig.ok("current").stdout == r.stdout
    # Alembic agrees there is nothing left to do: its upgrade runs no revision.
    r = alembic_cli(ini, "upgrade", "head")
    assert r.returncode == 0 and "Running upgrade" not in r.stderr, r.stderr
    assert version_rows(pg, db) == [HEAD]


def test_version_table_ddl_is_alembics(pg, pair, tmp_path):
    a, b = pair
    assert Alembic(pg.url(a), "shop")("stamp", PREFS)[0] is None
    Mig(pg, b, tree(tmp_path / "m", "shop"), tmp_path).ok("upgrade", PREFS)
    dump_a = pg_dump_schema(pg, a, "-t", "alembic_version")
    dump_b = pg_dump_schema(pg, b, "-t", "alembic_version")
    assert "version_num character varying(32) NOT NULL" in dump_a
    assert "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)" in dump_a
    assert dump_b == dump_a


def test_version_table_name_and_schema_as_alembic(pg, pair, tmp_path):
    """migrations.version_table / .version_table_schema against Alembic's version_table /
    version_table_schema: the same DDL online, the same statements offline."""
    a, b = pair
    for db in pair:
        pg.sql("CREATE SCHEMA meta", db=db)
    alembic = Alembic(pg.url(a), "shop")
    alembic.cfg.set_main_option("version_table", "MyVersion")
    alembic.cfg.set_main_option("version_table_schema", "meta")
    mig = Mig(pg, b, tree(tmp_path / "m", "shop"), tmp_path,
              MIGRATE_MIGRATIONS_VERSION_TABLE="MyVersion",
              MIGRATE_MIGRATIONS_VERSION_TABLE_SCHEMA="meta")
    assert alembic("upgrade", ORDERS)[0] is None
    mig.ok("upgrade", ORDERS)
    assert version_rows(pg, b, 'meta."MyVersion"') == version_rows(pg, a, 'meta."MyVersion"') \
        == [ORDERS]
    assert pg_dump_schema(pg, b, "-n", "meta") == \
        pg_dump_schema(pg, a, "-n", "meta")
    assert version_rows(pg, b) is None  # nothing in public

    def version_lines(text):
        return [l for l in text.splitlines() if "MyVersion" in l or l.startswith("-- Running")]
    for cmd, rng in (("upgrade", "head"), ("downgrade", "head:base")):
        err, expected = alembic(cmd, rng, sql=True)
        assert err is None, err
        ours = mig.ok(cmd, rng, "--sql").stdout
        assert version_lines(ours) == version_lines(expected)
        assert 'meta."MyVersion"' in "\n".join(version_lines(ours))


# ---- branches and merges step by step ----------------------------------------------------------

SHOP_STEPS = [
    ("upgrade", "+1"), ("upgrade", "+1"), ("upgrade", ORDERS), ("upgrade", TAGS),
    # a branch's base with two heads: only that branch's head goes (issue 11)
    ("stamp", f"{ORDERS}@base"), ("stamp", ORDERS), ("stamp", f"{TAGS}@base"),
    ("stamp", TAGS),
    ("upgrade", "+1"), ("upgrade", "heads"), ("downgrade", "-1"), ("downgrade", "-1"), ("downgrade", PREFS),
    ("upgrade", STATUS), ("upgrade", "head"), ("downgrade", "-2"), ("downgrade", "base"),
    ("upgrade", "head-1"), ("upgrade", "7b8c+1"), ("downgrade", "6a7b"), ("downgrade", "base"),
    ("upgrade", "6a7b"), ("upgrade", "+1"), ("upgrade", "+2"), ("stamp", ORDERS),
    ("stamp", TAGS), ("stamp", "5f6a"), ("stamp", "heads"), ("stamp", PREFS),
    ("stamp", "base"),
]

MULTI_STEPS = [
    ("upgrade", "audit@head"), ("upgrade", "heads"), ("downgrade", "audit@base"),
    ("upgrade", "audit@+1"), ("upgrade", "heads"), ("downgrade", ORDERS), ("downgrade", PREFS),
    ("downgrade", "base"), ("upgrade", "b2c3"), ("upgrade", "heads"), ("downgrade", "audit@-1"),
    ("upgrade", "head"), ("upgrade", "audit@head"), ("downgrade", "base"), ("upgrade", AUDIT1),
    ("upgrade", "9c1d"), ("stamp", "audit@head"), ("stamp", "audit@base"), ("stamp", "audit@head"),
    ("stamp", STATUS), ("stamp", "base"),
]


@pytest.mark.parametrize("trees,steps", [(("shop",), SHOP_STEPS), (("shop", "audit"), MULTI_STEPS)],
                         ids=["branch-and-merge", "labels-and-depends_on"])
def test_steps_change_the_version_table_as_alembic_does(pg, pair, tmp_path, trees, steps):
    a, b = pair
    alembic = Alembic(pg.url(a), *trees)
    mig = Mig(pg, b, tree(tmp_path / "m", *trees), tmp_path)
    errors = 0
    for n, (cmd, target) in enumerate(steps, 1):
        err, _ = alembic(cmd, target)
        r = mig(cmd, target)
        where = f"step {n}: {cmd} {target}"
        if err:
            errors += 1
            assert r.returncode == 9, f"{where}: alembic refused ({err}), migrate: {r.stderr}"
            continue
        assert r.returncode == 0, f"{where}: {r.stderr}"
        assert version_rows(pg, b) == version_rows(pg, a), where
        assert catalog(pg, b) == catalog(pg, a), where
    # the sequences include refusals ("Ambiguous walk", "+2 didn't produce 2 migrations", …)
    assert errors >= 1


def test_downgrade_minus_one_from_several_heads_is_refused(pg, dbname, tmp_path):
    """Alembic warns that this is ambiguous and picks one row; we refuse."""
    create_db(pg, dbname)
    mig = Mig(pg, dbname, tree(tmp_path / "m", "shop", "audit"), tmp_path)
    mig.ok("upgrade", "heads")
    r = mig("downgrade", "-1")
    assert r.returncode == 9
    assert "ambiguous" in r.stderr and "@-1" in r.stderr
    assert version_rows(pg, dbname) == [HEAD, AUDIT2]
    mig.ok("downgrade", "audit@-1")
    assert version_rows(pg, dbname) == [HEAD, AUDIT1]


# ---- offline --sql ----------------------------------------------------------------------------

def test_offline_upgrade_builds_the_same_schema_as_online(pg, pair, tmp_path):
    a, b = pair
    mig_off = Mig(pg, a, tree(tmp_path / "m", "shop", "audit"), tmp_path)
    mig_on = Mig(pg, b, mig_off.mdir, tmp_path)
    sql = mig_off.ok("upgrade", "base:heads", "--sql").stdout
    r = psql(pg, a, sql)
    assert r.returncode == 0, r.stderr
    mig_on.ok("upgrade", "heads")
    assert version_rows(pg, a) == version_rows(pg, b) == [HEAD, AUDIT2]
    assert pg_dump_schema(pg, a) == pg_dump_schema(pg, b)
    assert "CREATE TABLE public.order_tags" in pg_dump_schema(pg, a)

    # and back down to base, offline on a, online on b (Alembic refuses "heads:base")
    sql = mig_off.ok("downgrade", "heads:base", "--sql").stdout
    r = psql(pg, a, sql)
    assert r.returncode == 0, r.stderr
    mig_on.ok("downgrade", "base")
    # Alembic's offline downgrade to base drops the version table; online leaves it empty
    assert version_rows(pg, a) is None and version_rows(pg, b) == []
    assert pg_dump_schema(pg, a, "-T", "alembic_version") == \
        pg_dump_schema(pg, b, "-T", "alembic_version")


def test_offline_from_a_revision_continues_a_database_at_that_revision(pg, pair, tmp_path):
    a, b = pair
    mig_a = Mig(pg, a, tree(tmp_path / "m", "shop"), tmp_path)
    mig_b = Mig(pg, b, mig_a.mdir, tmp_path)
    mig_a.ok("upgrade", ORDERS)
    r = psql(pg, a, mig_a.ok("upgrade", f"{ORDERS}:head", "--sql").stdout)
    assert r.returncode == 0, r.stderr
    mig_b.ok("upgrade", "head")
    assert version_rows(pg, a) == [HEAD]
    assert pg_dump_schema(pg, a) == pg_dump_schema(pg, b)


RANGES = [("upgrade", "head"), ("upgrade", f"{PREFS}:head"), ("upgrade", f"base:{STATUS}"),
          ("upgrade", f"{STATUS}:{HEAD}"), ("downgrade", "head:base"),
          ("downgrade", f"{HEAD}:{PREFS}"), ("downgrade", f"{MERGE}:{TAGS}")]


@pytest.mark.parametrize("cmd,rng", RANGES, ids=[f"{c}-{r}" for c, r in RANGES])
def test_offline_shape_is_alembics(pg, tmp_path, cmd, rng):
    """BEGIN/COMMIT, the version-table DDL, "-- Running …" lines and the version-table statements
    are Alembic's, line for line; only the bodies differ (SQL text vs op.execute)."""
    alembic = Alembic(pg.url("unused"), "shop")
    err, expected = alembic(cmd, rng, sql=True)
    assert err is None, err
    r = Mig(pg, "unused", tree(tmp_path / "m", "shop"), tmp_path).ok(cmd, rng, "--sql")
    assert offline_shape(r.stdout) == offline_shape(expected)
    assert len(offline_shape(expected)) > 4


def _net_rows(shape, start=()):
    """Replay the version-table statements of an offline script; the rows after each step."""
    rows, after = set(start), []
    for line in shape:
        if m := re.match(r"INSERT INTO alembic_version .* VALUES \('(\w+)'\)", line):
            rows.add(m[1])
        elif m := re.match(r"UPDATE alembic_version SET version_num='(\w+)' WHERE .* = '(\w+)';", line):
            rows.remove(m[2])
            rows.add(m[1])
        elif m := re.match(r"DELETE FROM alembic_version WHERE .* = '(\w+)';", line):
            rows.remove(m[1])
        elif line == "COMMIT;":
            after.append(sorted(rows))
    return after


def test_offline_with_labels_and_dependencies_matches_alembic(pg, tmp_path):
    """At a merge with other heads present, which row Alembic deletes and which it updates depends
    on Python's string hashing (a set in RevisionStep.merge_branch_idents), so here the steps and
    the rows after each step are compared, not the statements."""
    err, expected = Alembic(pg.url("unused"), "shop", "audit")("upgrade", "heads", sql=True)
    assert err is None, err
    r = Mig(pg, "unused", tree(tmp_path / "m", "shop", "audit"), tmp_path).ok(
        "upgrade", "heads", "--sql")
    ours, theirs = offline_shape(r.stdout), offline_shape(expected)
    assert [l for l in ours if l.startswith("-- Running")] == \
        [l for l in theirs if l.startswith("-- Running")]
    assert _net_rows(ours) == _net_rows(theirs)
    assert _net_rows(ours)[-1] == [HEAD, AUDIT2]


# ---- read-only commands print what alembic prints ----------------------------------------------

def _same_output(alembic_out, ours):
    """Alembic prints paths of .py files and, for sets, in hash order; compare the rest."""
    def norm(text):
        text = re.sub(r"^Path: .*$", "Path:", text, flags=re.M)
        text = re.sub(r"^Branches into: (.*)$",
                      lambda m: "Branches into: " + ", ".join(sorted(m[1].split(", "))),
                      text, flags=re.M)
        return sorted(text.split("\n"))
    return norm(alembic_out) == norm(ours)


@pytest.mark.parametrize("args", [["history"], ["history", "-r", "9c1d:7b8c"],
                                  ["history", "-r", ":9c1d"], ["history", "-v"], ["heads"],
                                  ["heads", "-v"], ["branches"], ["branches", "-v"],
                                  ["show", "7b8c"], ["show", "audit@head"]],
                         ids=lambda a: "-".join(a))
def test_listing_commands_print_what_alembic_prints(pg, tmp_path, args):
    ini = alembic_ini(tmp_path / "alembic.ini", pg.url("unused"), "shop", "audit")
    expected = alembic_cli(ini, *args)
    assert expected.returncode == 0, expected.stderr
    r = Mig(pg, "unused", tree(tmp_path / "m", "shop", "audit"), tmp_path).ok(*args)
    if args[0] in ("history", "heads") and "-v" not in args:
        assert r.stdout == expected.stdout
    else:
        assert _same_output(expected.stdout, r.stdout), r.stdout


def test_current_prints_what_alembic_prints(pg, dbname, tmp_path):
    create_db(pg, dbname)
    ini = alembic_ini(tmp_path / "alembic.ini", pg.url(dbname), "shop", "audit")
    mig = Mig(pg, dbname, tree(tmp_path / "m", "shop", "audit"), tmp_path)
    for target in (ORDERS, TAGS, "heads"):
        mig.ok("upgrade", target)
        for args in (["current"], ["current", "-v"]):
            expected = alembic_cli(ini, *args)
            assert expected.returncode == 0, expected.stderr
            ours = mig.ok(*args).stdout.replace(":***@", ":XXXXX@")
            assert _same_output(expected.stdout, ours), (target, args, ours)


def test_effective_head_is_marked_as_alembic_does(pg, tmp_path):
    """A revision nothing builds on but another depends on is an "effective head"."""
    from revtools import write_rev
    d = tmp_path / "m"
    write_rev(d, "aaaa00000001", upgrade="SELECT 1;", downgrade="SELECT 1;", message="root")
    write_rev(d, "bbbb00000002", down="aaaa00000001", message="side")
    write_rev(d, "cccc00000003", down="aaaa00000001", depends="bbbb00000002", message="main")
    mig = Mig(pg, "unused", d, tmp_path)
    assert mig.ok("heads").stdout == "bbbb00000002 (effective head)\ncccc00000003 (head)\n"
    history = mig.ok("history").stdout.splitlines()
    assert "aaaa00000001 (bbbb00000002) -> cccc00000003 (head), main" in history
    assert "aaaa00000001 -> bbbb00000002 (effective head), side" in history
