# Turn Alembic reference output into C test tables (merge/unmerge rows put in declared order).
import json, re, sys
def cstr(s): return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'
def canon(block):
    out = []; i = 0
    while i < len(block):
        l = block[i]
        m = re.match(r"-- (upgrade|downgrade) (.*) -> (.*)$", l)
        if not m: out.append(l); i += 1; continue
        out.append(l); i += 1
        ops = []
        while i < len(block) and not block[i].startswith("-- ") and not block[i].startswith("heads:"):
            ops.append(block[i]); i += 1
        frm = [x for x in m.group(2).split(", ") if x]; to = [x for x in m.group(3).split(", ") if x]
        dels = [re.search(r"= '(.*)';", o).group(1) for o in ops if o.startswith("DELETE")]
        ins = [re.search(r"VALUES \('(.*)'\)", o).group(1) for o in ops if o.startswith("INSERT")]
        ups = [re.search(r"version_num='(.*)' WHERE .* = '(.*)';", o).groups() for o in ops if o.startswith("UPDATE")]
        if m.group(1) == "upgrade" and dels and ups:   # merge
            rows = dels + [ups[0][1]]
            key = lambda r: frm.index(r) if r in frm else len(frm)
            rows.sort(key=key)
            ops = ["DELETE FROM alembic_version WHERE alembic_version.version_num = '%s';" % r for r in rows[:-1]]
            ops.append("UPDATE alembic_version SET version_num='%s' WHERE alembic_version.version_num = '%s';" % (ups[0][0], rows[-1]))
        elif m.group(1) == "downgrade" and ins and ups:  # unmerge
            rows = ins + [ups[0][0]]
            key = lambda r: to.index(r) if r in to else len(to)
            rows.sort(key=key)
            ops = ["INSERT INTO alembic_version (version_num) VALUES ('%s') RETURNING alembic_version.version_num;" % r for r in rows[:-1]]
            ops.append("UPDATE alembic_version SET version_num='%s' WHERE alembic_version.version_num = '%s';" % (rows[-1], ups[0][1]))
        out.extend(ops)
    return out
text = open(sys.argv[1]).read()
for gname in sys.argv[2:]:
    spec = json.load(open(gname + ".json"))
    sec = text.split("=== " + gname + "\n")[1].split("=== ")[0]
    print("/* %s: generated from Alembic 1.8.1 (RevisionMap, RevisionStep, HeadMaintainer) */" % spec["name"])
    print("static const struct rev_def %s_revs[] = {" % spec["name"])
    for r in spec["revs"]:
        print("\t{ %s, %s, %s, %s }," % (cstr(r["id"]), cstr(",".join(r.get("down", []))), cstr(",".join(r.get("deps", []))), cstr(",".join(r.get("labels", []))) ))
    print("};\n")
    print("static const struct plan_case %s_cases[] = {" % spec["name"])
    for blk in sec.split("## ")[1:]:
        lines = blk.rstrip("\n").split("\n")
        cur, cmd, target = lines[0].split(" ")
        body = []
        for l in lines[1:]:
            l = l.replace("-- <lambda> ", "-- upgrade " if cmd == "up" else "-- downgrade ")
            if l.startswith(("INSERT", "UPDATE", "DELETE")):
                l += ";"
                if l.startswith("INSERT"): l = l[:-1] + " RETURNING alembic_version.version_num;"
            if l.startswith("ERROR"): l = "ERROR"
            body.append(l)
        body = canon(body)
        print("\t{ %s, %s, %s,\n\t  %s }," % (cstr("" if cur == "-" else cur), cstr(cmd), cstr(target),
              "\n\t  ".join(cstr(b + "\n") for b in body)))
    print("};\n")
