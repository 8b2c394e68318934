# Reference plans for tests/unit/test_revgraph.c: run Alembic's own RevisionMap,
# RevisionStep and HeadMaintainer on a graph given as JSON (see regen.sh).
# Reference plans from Alembic's own RevisionMap + RevisionStep + HeadMaintainer.
import sys, json, types
from alembic.script.revision import RevisionMap, Revision
from alembic.runtime.migration import RevisionStep, HeadMaintainer
from sqlalchemy import MetaData, Table, Column, String
from sqlalchemy.dialects import postgresql

class R(Revision):
    def __init__(self, rev, down, deps=None, labels=None):
        super().__init__(rev, tuple(down) if down else None, dependencies=tuple(deps) if deps else None,
                         branch_labels=tuple(labels) if labels else None)
        self.module = types.SimpleNamespace(upgrade=lambda: None, downgrade=lambda: None)
        self.doc = ""

spec = json.load(open(sys.argv[1]))
revs = [R(r["id"], r.get("down"), r.get("deps"), r.get("labels")) for r in spec["revs"]]
rmap = RevisionMap(lambda: revs)
t = Table("alembic_version", MetaData(), Column("version_num", String(32)))

for case in spec["cases"]:
    cur, cmd, target = case
    out = []
    class Impl:
        def _exec(self, stmt):
            s = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            out.append(" ".join(s.split()))
    ctx = types.SimpleNamespace(impl=Impl(), _version=t, as_sql=True, dialect=postgresql.dialect(), version_table="alembic_version")
    try:
        if cmd == "up":
            rs = list(rmap.iterate_revisions(target, tuple(cur), implicit_base=True))
            steps = [RevisionStep(rmap, s, True) for s in reversed(rs)]
        else:
            rs = list(rmap.iterate_revisions(tuple(cur), target, select_for_downgrade=True))
            steps = [RevisionStep(rmap, s, False) for s in rs]
        hm = HeadMaintainer(ctx, cur)
        for st in steps:
            out.append("-- " + st.short_log)
            hm.update_to_step(st)
        out.append("heads: " + ",".join(sorted(hm.heads)))
    except Exception as ex:
        out.append("ERROR %s: %s" % (type(ex).__name__, ex))
    print("## %s %s %s" % (",".join(cur) or "-", cmd, target))
    print("\n".join(out))
