"""Revision graphs against real Alembic (Debian's 1.8.1; docs/reference.md §11).

Each case builds one graph twice, as Alembic Python revisions and as migrate SQL revisions, with
the same ids, down revisions, depends_on and branch labels.  Every revision's upgrade inserts its
id into a table `steps` (serial column), its downgrade inserts 'down:' + id, so the ORDER of the
steps is in the database.  Each tool works in a schema of its own (its search_path) of one shared
database; both start from the same version rows (stamped by each tool), both run the same command,
and the version rows and the steps must agree; a command Alembic refuses must be refused by
migrate (exit 9) and change nothing.

The order in which Alembic reads the revision files breaks ties (which of several heads goes
first): it is the order of os.listdir() in each version location, which depends on the file
system, so here every Alembic revision lives in a version location of its own, and the locations
are listed in the order of migrate's file names (migrate reads its files sorted by name).

Alembic runs in this process through alembic.command, with an env.py written here.
"""
import contextlib
import io
import os
import re
import sys
import uuid
import warnings

import pytest

from conftest import clean_env
from revtools import Mig, create_db, version_rows, write_rev

# ---- graphs -------------------------------------------------------------------------------------


class Rev:
    """One revision: id, down revisions, depends_on (ids or labels), branch labels, and the file
    name stem (default: the id; migrate and Alembic read files in this name's order)."""

    def __init__(self, rid, down=(), deps=(), labels=(), name=None):
        self.id, self.name = rid, name or rid
        self.down = (down,) if isinstance(down, str) else tuple(down)
        self.deps = (deps,) if isinstance(deps, str) else tuple(deps)
        self.labels = (labels,) if isinstance(labels, str) else tuple(labels)


GRAPHS = {
    # r1 -> r2 -> r3 -> r4
    "linear": [Rev("r1"), Rev("r2", "r1"), Rev("r3", "r2"), Rev("r4", "r3")],
    # a -> b -> c1 -> d1
    #        -> c2 -> d2       (issue 11's example)
    "fork": [Rev("a"), Rev("b", "a"), Rev("c1", "b"), Rev("c2", "b"), Rev("d1", "c1"),
             Rev("d2", "c2")],
    # the same graph, with d2's file read before d1's: the other branch goes first
    "fork_d2_first": [Rev("a", name="1_a"), Rev("b", "a", name="2_b"), Rev("c1", "b", name="3_c1"),
                      Rev("c2", "b", name="4_c2"), Rev("d2", "c2", name="5_d2"),
                      Rev("d1", "c1", name="6_d1")],
    # a -> b1 -> m -> n
    #   -> b2 -/
    "diamond": [Rev("a"), Rev("b1", "a"), Rev("b2", "a"), Rev("m", ("b1", "b2")), Rev("n", "m")],
    # the merge lists its down revisions the other way round
    "diamond_swapped": [Rev("a"), Rev("b1", "a"), Rev("b2", "a"), Rev("m", ("b2", "b1")),
                        Rev("n", "m")],
    # r -> x, y, z -> m (written as z, x, y) -> top
    "merge3": [Rev("r"), Rev("x", "r"), Rev("y", "r"), Rev("z", "r"), Rev("m", ("z", "x", "y")),
               Rev("top", "m")],
    # three roots: p1 -> p2, q1 -> q2 -> q3, s1
    "forest": [Rev("p1"), Rev("p2", "p1"), Rev("q1"), Rev("q2", "q1"), Rev("q3", "q2"), Rev("s1")],
    # core: c1 -> c2 -> c3, feat: c2 -> f1 -> f2, ext: e1 -> e2 (another root)
    "labelled": [Rev("c1", labels="core"), Rev("c2", "c1"), Rev("c3", "c2"),
                 Rev("f1", "c2", labels="feat"), Rev("f2", "f1"), Rev("e1", labels="ext"),
                 Rev("e2", "e1")],
    # a -> b -> c; x1 -> x2 (depends on b) -> x3
    "depends": [Rev("a"), Rev("b", "a"), Rev("c", "b"), Rev("x1"), Rev("x2", "x1", deps="b"),
                Rev("x3", "x2")],
    # a -> l1 -> l2; a -> r1 -> r2 (depends on l1)
    "cross_depends": [Rev("a"), Rev("l1", "a"), Rev("l2", "l1"), Rev("r1", "a"),
                      Rev("r2", "r1", deps="l1")],
    # core: c1 -> c2; ext: e1 (depends on the label core) -> e2 (depends on c2)
    "label_depends": [Rev("c1", labels="core"), Rev("c2", "c1"), Rev("e1", deps="core",
                      labels="ext"), Rev("e2", "e1", deps="c2")],
    # a -> b -> m -> d -> f
    #   -> c -/    -> e
    "merge_fork": [Rev("a"), Rev("b", "a"), Rev("c", "a"), Rev("m", ("b", "c")), Rev("d", "m"),
                   Rev("e", "m"), Rev("f", "d")],
    # side is an effective head: main depends on it
    "effective": [Rev("a"), Rev("side", "a"), Rev("main", "a", deps="side")],
    # Alembic issue #1373: a merge of two revisions one of which depends on the other
    "issue1373": [Rev("a"), Rev("b1", "a"), Rev("b2", "a", deps="b1"), Rev("m", ("b1", "b2")),
                  Rev("n", "m")],
}

# ---- cases: (graph, start rows, command, target[, expectation]) --------------------------------
#
# Expectations: "same" (default) — same rows and steps, or both refuse;
# "error" — both refuse (checked to be a refusal, not a silent success);
# "minus_n_several_heads" — migrate refuses `-N` with several rows (docs 11.6), Alembic picks one;
# "issue1373" — Alembic 1.8.1 leaves both down revisions of the merge as rows, migrate (as
#   Alembic 1.13.1) only the one that does not depend on the other (docs 11.6).

CASES = [
    ("linear", [], "upgrade", "head"),
    ("linear", [], "upgrade", "r2"),
    ("linear", [], "upgrade", "+1"),
    ("linear", ["r1"], "upgrade", "+2"),
    ("linear", ["r2"], "upgrade", "r2+1"),
    ("linear", ["r2"], "upgrade", "r1+3"),
    ("linear", ["r2"], "upgrade", "heads"),
    ("linear", ["r4"], "upgrade", "head"),
    ("linear", ["r4"], "downgrade", "base"),
    ("linear", ["r4"], "downgrade", "-2"),
    ("linear", ["r4"], "downgrade", "r2"),
    ("linear", ["r4"], "downgrade", "head-1"),
    ("linear", ["r3"], "downgrade", "r3-2"),
    ("linear", ["r2"], "upgrade", "+3", "error"),
    ("linear", ["r2"], "upgrade", "-1", "error"),
    ("linear", ["r2"], "downgrade", "+1", "error"),
    ("linear", ["r2"], "downgrade", "-3", "error"),
    ("linear", ["r2"], "downgrade", "r4", "error"),
    ("linear", [], "upgrade", "r9", "error"),
    ("linear", ["r4"], "stamp", "r2"),
    ("linear", [], "stamp", "head"),
    ("linear", ["r3"], "stamp", "base"),

    ("fork", ["a"], "upgrade", "heads"),
    ("fork", [], "upgrade", "heads"),
    ("fork", ["a"], "upgrade", "d2"),
    ("fork", ["c1"], "upgrade", "heads"),
    ("fork", ["d1", "c2"], "upgrade", "heads"),
    ("fork", ["c1", "c2"], "upgrade", "d1"),
    ("fork", ["b"], "upgrade", "+1", "error"),
    ("fork", ["b"], "upgrade", "head", "error"),
    ("fork", ["c1", "c2"], "upgrade", "+1", "error"),
    ("fork", ["d1", "d2"], "downgrade", "base"),
    ("fork", ["d1", "d2"], "downgrade", "b"),
    ("fork", ["d1", "d2"], "downgrade", "a"),
    ("fork", ["d1", "d2"], "downgrade", "c1"),
    ("fork", ["d1", "d2"], "downgrade", "c2@-1"),
    ("fork", ["d1", "d2"], "downgrade", "-1", "minus_n_several_heads"),
    ("fork", ["d1"], "downgrade", "-2"),
    ("fork", ["d1", "d2"], "stamp", "c1"),
    ("fork", ["d1", "d2"], "stamp", "base"),
    ("fork", ["d1"], "stamp", "d2"),

    ("fork_d2_first", ["a"], "upgrade", "heads"),
    ("fork_d2_first", [], "upgrade", "heads"),
    ("fork_d2_first", ["d1", "d2"], "downgrade", "base"),
    ("fork_d2_first", ["d1", "d2"], "downgrade", "b"),

    ("diamond", [], "upgrade", "head"),
    ("diamond", ["a"], "upgrade", "m"),
    ("diamond", ["b1"], "upgrade", "head"),
    ("diamond", ["b1", "b2"], "upgrade", "head"),
    ("diamond", ["n"], "downgrade", "base"),
    ("diamond", ["n"], "downgrade", "a"),
    ("diamond", ["n"], "downgrade", "b1"),
    ("diamond", ["n"], "downgrade", "-2"),
    ("diamond", ["m"], "downgrade", "-1", "error"),
    ("diamond", ["b1", "b2"], "downgrade", "a"),
    ("diamond", ["n"], "stamp", "b1"),
    ("diamond", ["b1", "b2"], "stamp", "m"),

    ("diamond_swapped", [], "upgrade", "head"),
    ("diamond_swapped", ["n"], "downgrade", "base"),
    ("diamond_swapped", ["n"], "downgrade", "a"),

    ("merge3", [], "upgrade", "head"),
    ("merge3", ["r"], "upgrade", "m"),
    ("merge3", ["x", "y"], "upgrade", "head"),
    ("merge3", ["top"], "downgrade", "r"),
    ("merge3", ["top"], "downgrade", "base"),
    ("merge3", ["top"], "downgrade", "x"),

    ("forest", [], "upgrade", "heads"),
    ("forest", ["p1"], "upgrade", "heads"),
    ("forest", ["q1"], "upgrade", "q3"),
    ("forest", ["p2", "q3", "s1"], "downgrade", "base"),
    ("forest", ["p2", "q3", "s1"], "downgrade", "q1"),
    ("forest", ["p2", "q3", "s1"], "downgrade", "q3@base"),
    ("forest", [], "upgrade", "head", "error"),
    ("forest", ["p2", "q3", "s1"], "stamp", "q1"),

    ("labelled", [], "upgrade", "heads"),
    ("labelled", [], "upgrade", "feat@head"),
    ("labelled", [], "upgrade", "ext@head"),
    ("labelled", [], "upgrade", "feat"),
    ("labelled", [], "upgrade", "core@head", "error"),
    ("labelled", ["c2"], "upgrade", "feat@+1"),
    ("labelled", ["c3", "e1"], "upgrade", "ext@+1"),
    ("labelled", ["c3", "f2", "e2"], "downgrade", "ext@base"),
    ("labelled", ["c3", "f2", "e2"], "downgrade", "feat@base"),
    ("labelled", ["c3", "f2", "e2"], "downgrade", "ext@-1"),
    ("labelled", ["c3", "f2", "e2"], "downgrade", "feat@-2"),
    ("labelled", ["c3", "f2", "e2"], "downgrade", "base"),
    ("labelled", ["c3", "f2", "e2"], "stamp", "ext@base"),
    ("labelled", ["c3", "e2"], "stamp", "feat@head"),

    ("depends", [], "upgrade", "x3"),
    ("depends", [], "upgrade", "heads"),
    ("depends", ["a"], "upgrade", "x2"),
    ("depends", ["x3", "c"], "downgrade", "b"),
    ("depends", ["x3", "c"], "downgrade", "x1"),
    ("depends", ["x3", "c"], "downgrade", "base"),

    ("cross_depends", [], "upgrade", "r2"),
    ("cross_depends", ["a"], "upgrade", "heads"),
    ("cross_depends", ["l2", "r2"], "downgrade", "l1"),
    ("cross_depends", ["l2", "r2"], "downgrade", "a"),

    ("label_depends", [], "upgrade", "ext@head"),
    ("label_depends", [], "upgrade", "heads"),
    ("label_depends", ["e2"], "downgrade", "core@base"),
    ("label_depends", ["e2"], "downgrade", "ext@base"),
    ("label_depends", ["e2"], "downgrade", "c1"),

    ("merge_fork", [], "upgrade", "heads"),
    ("merge_fork", ["a"], "upgrade", "d"),
    ("merge_fork", ["f", "e"], "downgrade", "m"),
    ("merge_fork", ["f", "e"], "downgrade", "b"),
    ("merge_fork", ["f", "e"], "downgrade", "base"),
    ("merge_fork", ["b"], "upgrade", "heads"),

    ("effective", [], "upgrade", "heads"),
    ("effective", ["a"], "upgrade", "main"),
    ("effective", [], "upgrade", "side"),

    ("issue1373", [], "upgrade", "head"),
    ("issue1373", ["n"], "downgrade", "a"),
    ("issue1373", ["n"], "downgrade", "b1", "issue1373"),
    ("issue1373", ["m"], "downgrade", "b2", "issue1373"),
]


def case_id(case):
    graph, start, cmd, target = case[:4]
    return f"{graph}:{'+'.join(start) or 'empty'}:{cmd}:{target}"


# ---- the two tools ------------------------------------------------------------------------------

ENV_PY = '''\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
tpm = config.get_main_option("transaction_per_migration") == "true"

if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                      transaction_per_migration=tpm)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(config.get_section(config.config_ini_section),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=tpm)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
'''


def _py_tuple(values):
    if not values:
        return "None"
    return repr(values[0]) if len(values) == 1 else repr(tuple(values))


def write_alembic(root, revs, bodies):
    """An Alembic script directory under root: env.py and one version location per revision;
    returns the locations in the order of the file names."""
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "env.py"), "w") as f:
        f.write(ENV_PY)
    locations = []
    for rev in sorted(revs, key=lambda r: r.name):
        loc = os.path.join(root, "versions", rev.name)
        os.makedirs(loc)
        up, down = bodies(rev)
        with open(os.path.join(loc, f"{rev.name}.py"), "w") as f:
            f.write(f'"""{rev.id}\n\nRevision ID: {rev.id}\n"""\n'
                    f"from alembic import op\n\nrevision = {rev.id!r}\n"
                    f"down_revision = {_py_tuple(rev.down)}\n"
                    f"branch_labels = {_py_tuple(rev.labels)}\n"
                    f"depends_on = {_py_tuple(rev.deps)}\n\n\n"
                    f"def upgrade():\n{up}\n\n\ndef downgrade():\n{down}\n")
        locations.append(loc)
    return locations


def write_migrate(mdir, revs, bodies):
    for rev in revs:
        up, down = bodies(rev)
        write_rev(mdir, rev.id, down=list(rev.down) or None, upgrade=up, downgrade=down,
                  labels=", ".join(rev.labels) or None, depends=", ".join(rev.deps) or None,
                  message=rev.id, name=f"{rev.name}.sql")


def step_bodies_py(rev):
    return (f"    op.execute(\"INSERT INTO steps (rev) VALUES ('{rev.id}')\")",
            f"    op.execute(\"INSERT INTO steps (rev) VALUES ('down:{rev.id}')\")")


def step_bodies_sql(rev):
    return (f"INSERT INTO steps (rev) VALUES ('{rev.id}');",
            f"INSERT INTO steps (rev) VALUES ('down:{rev.id}');")


class AlembicAt:
    """Alembic 1.8.1 in this process, on a script directory written by write_alembic."""

    def __init__(self, root, locations, url, transaction_per_migration=True):
        from alembic.config import Config
        sys.dont_write_bytecode = True
        self.cfg = Config(stdout=io.StringIO())
        self.cfg.set_main_option("script_location", str(root))
        self.cfg.set_main_option("version_locations", " ".join(locations))
        self.cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        self.cfg.set_main_option("transaction_per_migration",
                                 "true" if transaction_per_migration else "false")

    def __call__(self, name, *args, **kw):
        """alembic.command.<name>: (None, stdout) or (the error, stdout)."""
        from alembic import command
        out = self.cfg.stdout = io.StringIO()  # print_stdout (listings) and --sql output
        try:
            with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                getattr(command, name)(self.cfg, *args, **kw)
        except Exception as exc:  # CommandError, and RevisionError where Alembic lets it out
            return f"{type(exc).__name__}: {exc}", out.getvalue()
        finally:
            self.warnings = seen
        return None, out.getvalue()


class MigIn(Mig):
    """migrate on a database whose search_path starts with one schema (its tables land there)."""

    def __init__(self, pg, db, schema, mdir, cwd, **env):
        super().__init__(pg, db, mdir, cwd, **env)
        self.url = schema_url(pg, db, schema)

    def env_for(self, **extra):
        return clean_env(DATABASE_URL=self.url, **{**self.env, **extra})


def schema_url(pg, db, schema):
    return f"{pg.url(db)}?options=-csearch_path%3D{schema}"


class Side:
    """One tool's schema: its version rows and its steps."""

    def __init__(self, pg, db, schema):
        self.pg, self.db, self.schema = pg, db, schema
        pg.sql(f"CREATE SCHEMA {schema}; "
               f"CREATE TABLE {schema}.steps (n serial PRIMARY KEY, rev text NOT NULL)", db=db)

    def rows(self):
        return version_rows(self.pg, self.db, f"{self.schema}.alembic_version")

    def steps(self):
        return [r[0] for r in self.pg.sql(f"SELECT rev FROM {self.schema}.steps ORDER BY n",
                                          db=self.db)]


@pytest.fixture(scope="module")
def graphs_db(pg):
    """One database for the whole file; each case works in two schemas of its own (a schema is
    some 20 times cheaper to create than a database)."""
    return create_db(pg, "graphs_" + uuid.uuid4().hex[:10])


@pytest.fixture
def graph_pair(pg, graphs_db, tmp_path):
    """build(graph, one) -> (alembic, mig, alembic's Side, migrate's Side); one: both with one
    transaction for the run (transaction_per_migration false)."""
    def build(graph, one=False):
        revs = GRAPHS[graph]
        tag = uuid.uuid4().hex[:10]
        side_a, side_m = Side(pg, graphs_db, f"ga_{tag}"), Side(pg, graphs_db, f"gm_{tag}")
        work = tmp_path / tag
        locations = write_alembic(work / "alembic", revs, step_bodies_py)
        write_migrate(work / "m", revs, step_bodies_sql)
        alembic = AlembicAt(work / "alembic", locations, schema_url(pg, graphs_db, side_a.schema),
                            transaction_per_migration=not one)
        mig = MigIn(pg, graphs_db, side_m.schema, work / "m", work,
                    MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION=str(not one).lower())
        return alembic, mig, side_a, side_m
    return build


@pytest.mark.parametrize("one", [False, True], ids=["per-migration", "one"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_graph_step_order_and_rows_as_alembic(graph_pair, case, one):
    """With one transaction for the run, migrate writes the run's net version-table change
    at its end (docs/reference.md 10.3): the rows must still be Alembic's, merges, unmerges
    and branches alike."""
    graph, start, cmd, target = case[:4]
    expect = case[4] if len(case) > 4 else "same"
    alembic, mig, side_a, side_m = graph_pair(graph, one)
    for rev in start:
        err, _ = alembic("stamp", rev)
        assert err is None, f"alembic stamp {rev}: {err}"
        mig.ok("stamp", rev)
    if start:
        assert side_a.rows() == side_m.rows() == sorted(start)

    err, _ = alembic(cmd, target)
    r = mig(cmd, target)
    rows_a, rows_m = side_a.rows(), side_m.rows()
    assert version_rows(side_a.pg, side_a.db) is None  # nothing outside the two schemas
    steps_a, steps_m = side_a.steps(), side_m.steps()

    if expect == "minus_n_several_heads":
        # Alembic warns and walks down from one of the rows; migrate refuses (docs 11.6)
        assert err is None and steps_a, err
        assert "ambiguous" in str(alembic.warnings[0].message)
        assert r.returncode == 9 and "ambiguous" in r.stderr, r.stderr
        assert rows_m == sorted(start) and steps_m == []
        return
    if expect == "issue1373":
        # the same steps; Alembic 1.8.1 leaves b1 and b2 as rows although b2 depends on b1,
        # migrate leaves b2 (as Alembic >= 1.13.1, issue #1373)
        assert err is None and r.returncode == 0, (err, r.stderr)
        assert steps_m == steps_a
        assert rows_a == ["b1", "b2"] and rows_m == ["b2"]
        # ... which Alembic 1.8.1 cannot upgrade from ("b2 overlaps with b1")
        assert "overlaps" in alembic("upgrade", "head")[0]
        mig.ok("upgrade", "head")
        assert side_m.rows() == ["n"]
        return
    if err is not None or expect == "error":
        assert err is not None, f"alembic did not refuse: steps {steps_a}, rows {rows_a}"
        assert r.returncode == 9, f"alembic refused ({err}); migrate: {r.returncode} {r.stderr}"
        assert steps_a == steps_m == []
        assert (rows_a or []) == (rows_m or []) == sorted(start)
        return
    assert r.returncode == 0, r.stderr
    assert steps_m == steps_a
    assert rows_m == rows_a
    assert rows_a is not None and (steps_a or cmd == "stamp" or start)


def test_sibling_branches_run_in_file_name_order(graph_pair):
    """Issue 11's example.  The tie-break between heads is the order the files are read.  With
    d1's file first, `upgrade heads` from a runs the branch of d2 first (Alembic's topological
    sort walks down from the first head, and an upgrade runs its output backwards) and
    `downgrade a` starts with d1's branch; with d2's file first, the other way round."""
    for graph, up, down in (
            ("fork", ["b", "c2", "d2", "c1", "d1"], ["d1", "c1", "d2", "c2", "b"]),
            ("fork_d2_first", ["b", "c1", "d1", "c2", "d2"], ["d2", "c2", "d1", "c1", "b"])):
        alembic, mig, side_a, side_m = graph_pair(graph)
        assert alembic("stamp", "a")[0] is None
        mig.ok("stamp", "a")
        assert alembic("upgrade", "heads")[0] is None
        mig.ok("upgrade", "heads")
        assert alembic("downgrade", "a")[0] is None
        mig.ok("downgrade", "a")
        expected = up + ["down:" + r for r in down]
        assert side_a.steps() == expected, graph
        assert side_m.steps() == expected, graph


# ---- listings -----------------------------------------------------------------------------------

def _sorted_groups(text):
    """Alembic prints a revision's branch labels from a set and `branches` a branch point's
    children from a frozenset: both in string-hash order, which changes from one Python process
    to the next.  Sort those."""
    text = re.sub(r"\(([\w, ]+)\)", lambda m: "(" + ", ".join(sorted(m[1].split(", "))) + ")",
                  text)
    blocks = text.split("\n\n")
    return "\n\n".join("\n".join([b.split("\n")[0]] + sorted(b.split("\n")[1:]))
                       for b in blocks)


@pytest.mark.parametrize("graph", sorted(GRAPHS))
def test_listings_as_alembic(tmp_path, graph):
    """history (newest first: the topological sort from the heads, ties in file order), heads
    (file order) and branches print what Alembic prints."""
    revs = GRAPHS[graph]
    locations = write_alembic(tmp_path / "alembic", revs, step_bodies_py)
    write_migrate(tmp_path / "m", revs, step_bodies_sql)
    alembic = AlembicAt(tmp_path / "alembic", locations, "postgresql://unused/unused")
    mig = Mig(None, "unused", tmp_path / "m", tmp_path)
    for args in (["history"], ["heads"], ["branches"]):
        err, expected = alembic(args[0])
        assert err is None, err
        ours = mig.ok(*args).stdout
        if graph == "labelled" or args == ["branches"]:
            expected, ours = _sorted_groups(expected), _sorted_groups(ours)
        assert ours == expected, args


# ---- offline --sql ------------------------------------------------------------------------------

OFFLINE = [("linear", "upgrade", "base:head"), ("linear", "downgrade", "head:base"),
           ("linear", "upgrade", "r1:r3"), ("linear", "downgrade", "r4:r2"),
           ("diamond", "upgrade", "base:head"), ("diamond", "downgrade", "head:base"),
           ("diamond", "upgrade", "b1:n"), ("diamond", "downgrade", "n:b2"),
           ("fork", "upgrade", "base:heads"), ("fork", "downgrade", "d1:base"),
           ("forest", "upgrade", "base:heads"), ("forest", "downgrade", "q3:base"),
           ("merge_fork", "upgrade", "base:heads"), ("merge_fork", "downgrade", "f:a"),
           ("depends", "upgrade", "base:x3")]


@pytest.mark.parametrize("transaction_per_migration", [True, False], ids=["per-migration", "one"])
@pytest.mark.parametrize("graph,cmd,rng", OFFLINE, ids=["-".join(c) for c in OFFLINE])
def test_offline_text_is_alembics(tmp_path, graph, cmd, rng, transaction_per_migration):
    """The whole --sql text, byte for byte, as Alembic prints it with a plain env.py
    (context.configure(url=..., literal_binds=True, transaction_per_migration=...), then
    run_migrations in begin_transaction()): BEGIN/COMMIT, the version table's CREATE and DROP,
    the "-- Running" lines, the bodies and the version-table statements."""
    revs = GRAPHS[graph]
    locations = write_alembic(tmp_path / "alembic", revs, step_bodies_py)
    write_migrate(tmp_path / "m", revs, step_bodies_sql)
    alembic = AlembicAt(tmp_path / "alembic", locations, "postgresql://unused/unused",
                        transaction_per_migration)
    err, expected = alembic(cmd, rng, sql=True)
    assert err is None, err
    mig = Mig(None, "unused", tmp_path / "m", tmp_path,
              MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION=str(transaction_per_migration).lower())
    ours = mig.ok(cmd, rng, "--sql").stdout
    assert ours == expected
    if rng.endswith(":base"):
        # the version table is dropped inside the run's transaction, or after the last COMMIT
        assert ours.endswith("DROP TABLE alembic_version;\n\nCOMMIT;\n\n" if not
                             transaction_per_migration else
                             "COMMIT;\n\nDROP TABLE alembic_version;\n\n")


@pytest.mark.parametrize("transaction_per_migration", [True, False], ids=["per-migration", "one"])
@pytest.mark.parametrize("cmd", ["upgrade", "downgrade"])
def test_offline_with_nothing_to_run_prints_no_version_table_ddl(tmp_path, cmd,
                                                                  transaction_per_migration):
    """base:base runs nothing.  Alembic still ends with a DROP TABLE of the version table (which,
    for an upgrade, it never created, so psql fails on it); migrate prints no version-table
    statement at all (docs 11.6): only the run's BEGIN/COMMIT with one transaction."""
    revs = GRAPHS["linear"]
    locations = write_alembic(tmp_path / "alembic", revs, step_bodies_py)
    write_migrate(tmp_path / "m", revs, step_bodies_sql)
    alembic = AlembicAt(tmp_path / "alembic", locations, "postgresql://unused/unused",
                        transaction_per_migration)
    err, expected = alembic(cmd, "base:base", sql=True)
    assert err is None, err
    mig = Mig(None, "unused", tmp_path / "m", tmp_path,
              MIGRATE_MIGRATIONS_TRANSACTION_PER_MIGRATION=str(transaction_per_migration).lower())
    ours = mig.ok(cmd, "base:base", "--sql").stdout
    assert "DROP TABLE alembic_version;\n\n" in expected
    assert ours == expected.replace("DROP TABLE alembic_version;\n\n", "")
    assert ours == ("" if transaction_per_migration else "BEGIN;\n\nCOMMIT;\n\n")
