"""The analysts' canned queries (queries/*.rq) on a large store: the time of each, with its example parameters.

Usage::

    python bench/bench_canned.py                                   # the 1M store of bench_endpoint.py
    python bench/bench_canned.py --store DIR --runs 5 --all-competencies

The store is opened read-only (a running server may hold it). Each query runs ``--runs`` times after one
warm-up; the median and the worst are printed with the row count, as a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "service"))

from ppikg import coverage
from ppikg.sparql import canned  # noqa: E402
from ppikg.store.graph import KnowledgeGraph  # noqa: E402

COMPETENCIES = [f"https://w3id.org/ppikg/competencias/c{i}" for i in range(1, 7)]


def timed(run, runs: int) -> tuple[int, list[float]]:
    rows = run()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - t)
    return rows, times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(HERE / "out" / "endpoint" / "1m" / "ppikg-store"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--all-competencies", action="store_true", help="time the competency query for c1…c6")
    a = ap.parse_args(argv)
    kg = KnowledgeGraph(a.store)
    cases: list[tuple[str, str, dict]] = []
    queries = {q.id: q for q in canned.list_queries(kg.project)}
    for q in queries.values():
        example = q.to_json().get("example") or {}
        cases.append((q.id, ", ".join(f"{k}={v.rsplit('/', 1)[-1]}" for k, v in example.items()), example))
        if q.id == "gaps":
            cases.append((q.id, "every proposal", {}))
        if q.id == "competency" and a.all_competencies:
            cases += [(q.id, f"competency={c.rsplit('/', 1)[-1]}", {"competency": c}) for c in COMPETENCIES]
    print(f"store: {a.store} ({len(kg.store):,} quads), {a.runs} runs after a warm-up\n")
    print("| query | parameters | rows | median (s) | worst (s) |\n|---|---|---:|---:|---:|")
    for qid, label, params in cases:
        rows, times = timed(lambda: sum(1 for _ in canned.run(kg, queries[qid], **params)), a.runs)
        print(f"| {qid} | {label or '—'} | {rows:,} | {statistics.median(times):.3f} | {max(times):.3f} |", flush=True)
    rows, times = timed(lambda: len(coverage.coverage_matrix(kg, kg.project).to_json()["proposals"]), a.runs)
    print(f"| coverage_matrix() (heat-map, /api/coverage) | — | {rows:,} proposals | {statistics.median(times):.3f} | "
          f"{max(times):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
