#!/usr/bin/env python3
"""The summary tables of bench/init.sh.

  init_report.py RESULTS

RESULTS holds one tab-separated line per measurement:

  time  SCRIPT  SIZE  HYPERFINE.json   the 4 commands of one hyperfine run, in this order:
                                       migrate init, psql -1 -f, migrate init on the
                                       no-transaction copy, psql -f
  fail  SCRIPT  SIZE                   its hyperfine run failed
  rss   SCRIPT  SIZE  STATEMENT_BYTES  MIGRATE_KB  PSQL_KB
                                       peak RSS (GNU time %M); STATEMENT_BYTES, when not
                                       empty, is the size of the script's one statement;
                                       an empty PSQL_KB was not measured
"""
import json
import math
import sys

MODES = ("one transaction (psql -1)", "statement by statement")


def fmt_time(r):
    mean, sd = r["mean"], r.get("stddev")
    if mean >= 1:
        return f"{mean:.3f} s" + (f" ± {sd:.3f}" if sd is not None else "")
    return f"{mean * 1000:.1f} ms" + (f" ± {sd * 1000:.1f}" if sd is not None else "")


def ratio(a, b):
    r = a["mean"] / b["mean"]
    sa, sb = a.get("stddev") or 0.0, b.get("stddev") or 0.0
    err = r * math.sqrt((sa / a["mean"]) ** 2 + (sb / b["mean"]) ** 2)
    return f"{r:.2f} ± {err:.2f}" if a.get("stddev") is not None else f"{r:.2f}"


def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))


def main(path):
    times, rss = [], []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            kind, *fields = raw.rstrip("\n").split("\t")
            (rss if kind == "rss" else times).append([kind] + fields)
    if times:
        rows = []
        for kind, script, size, *js in times:
            if kind == "fail":
                rows.append([script, size, "", "both", "failed (see above)", "", ""])
                continue
            with open(js[0], encoding="utf-8") as f:
                res = json.load(f)["results"]
            runs = len(res[0]["times"])
            for i, mode in enumerate(MODES):
                m, p = res[2 * i], res[2 * i + 1]
                rows.append([script if i == 0 else "", size if i == 0 else "",
                             f"{runs}" if i == 0 else "", mode, fmt_time(m), fmt_time(p), ratio(m, p)])
        print("== init scripts: mean ± σ; ratio = migrate / psql (below 1: migrate is faster) ==")
        table(["script", "size", "runs", "mode", "migrate init", "psql", "ratio"], rows)
    if rss:
        rows = []
        for _, script, size, stmt, mkb, pkb in rss:
            def cell(kb):
                if not kb:
                    return "—"
                if not kb.isdigit():
                    return kb
                mib = f"{int(kb) / 1024:.0f} MiB"
                return f"{mib} ({int(kb) * 1024 / int(stmt):.2f}× the statement)" if stmt else mib
            rows.append([script, size, cell(mkb), cell(pkb)])
        print()
        print("== peak RSS (GNU time %M) ==")
        table(["script", "size", "migrate init", "psql -1 -f"], rows)


if __name__ == "__main__":
    main(sys.argv[1])
