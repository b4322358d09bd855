"""Full-text search at scale: the shipped data plus synthetic proposals (bench/synth.py), in a store on disk.

Steps, timed: ``load_shipped()``; one ``add_graph`` per synthetic proposal (no inference: search reads the
asserted text), with the time the search index takes to follow each write measured apart; a rebuild of the
whole index from the latest snapshot (what opening a store with a stale or missing index costs); then the
queries below, each ``--runs`` times after one warm-up, through ``KnowledgeGraph.search`` (the library) and,
with ``--http``, through ``GET /api/buscar`` of a real ``ppi serve`` on 127.0.0.1 (one client): each request's
text padded with a different number of trailing spaces, so that the server's answer cache never answers, and
then the same text every time (the cache's answer). Every loop
is bounded by its count and by ``--max-seconds``. Target: < 50 ms per query.

Usage::

    python bench/bench_search.py --triples 1000000            # ~2 min on 2 cores; writes bench/out/bench_search.json
    python bench/bench_search.py --triples 100000 --runs 20 --http
    python bench/bench_search.py --triples 1000000 --reuse --http  # the store of the first line again: ~1 min
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "service"))

import synth  # noqa: E402

#: Legal phrases, single common and rare words, a phrase in quotes, hostile syntax, a miss.
QUERIES = [
    "vínculos entre la escuela y su entorno", "vinculo", "director", "evaluación del desempeño",
    "gestión escolar planeación", '"mejora continua"', "liderazgo académico", "transparencia rendición cuentas",
    "competencias genéricas disciplinares", "Subsecretaría de Educación Media Superior", "idoneidad",
    "abandono escolar egresados", "NEAR(escuela* \"entorno", "parámetros e indicadores", "zzzz inexistente",
]


def timed(fn, runs: int, budget_s: float) -> dict:
    fn()  # warm-up
    times: list[float] = []
    deadline = time.monotonic() + budget_s
    while len(times) < runs and time.monotonic() < deadline:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return {"runs": len(times), "median_ms": statistics.median(times) * 1e3,
            "p99_ms": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))] * 1e3, "max_ms": times[-1] * 1e3}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50, help="timed runs per query")
    ap.add_argument("--max-seconds", type=float, default=20, help="time budget per query and client")
    ap.add_argument("--http", action="store_true", help="also through /api/buscar of a real ppi serve")
    ap.add_argument("--store", type=Path, default=OUT / "search-store")
    ap.add_argument("--reuse", action="store_true",
                    help="search the store a previous run left at --store (same --triples) instead of loading it again")
    a = ap.parse_args(argv)

    import ppikg.store.graph as graph_module
    from ppikg.search.index import SearchIndex
    from ppikg.search.sync import build
    from ppikg.store.graph import KnowledgeGraph

    follow_times: list[float] = []
    real_follow = graph_module.follow

    def timed_follow(*args, **kwargs):
        t = time.perf_counter()
        real_follow(*args, **kwargs)
        follow_times.append(time.perf_counter() - t)

    graph_module.follow = timed_follow  # type: ignore[assignment]
    res: dict = {"triples": a.triples, "reused": a.reuse}
    if a.reuse and (a.store / "catalog.json").exists():
        kg = KnowledgeGraph(a.store, reasoner="rules")
        res["proposals"] = len(kg.snapshot().catalog.graphs_of("added"))
    else:
        res["reused"] = False
        shutil.rmtree(a.store, ignore_errors=True)
        graphs = synth.proposal_graphs(a.triples, reference=False)
        kg = KnowledgeGraph(a.store, reasoner="rules")
        t = time.perf_counter()
        kg.load_shipped()
        res["load_shipped_s"] = time.perf_counter() - t
        res["load_shipped_index_s"] = sum(follow_times)
        follow_times.clear()
        t = time.perf_counter()
        for iri, data in graphs:
            kg.add_graph(iri.removeprefix(synth.GRAPH).replace("propuesta/", "propuesta-"), data, "nt", infer=False)
        res["proposals"] = len(graphs)
        res["add_graphs_s"] = time.perf_counter() - t
        res["follow_median_ms"] = statistics.median(follow_times) * 1e3
        res["follow_max_ms"] = max(follow_times) * 1e3
    snapshot = kg.snapshot()
    res["quads"] = len(snapshot.store)
    memory = SearchIndex(None)
    t = time.perf_counter()
    build(memory, snapshot)
    res["rebuild_s"] = time.perf_counter() - t
    (res["documents"],) = memory.db.execute("SELECT COUNT(*) FROM docs").fetchone()
    memory.close()
    res["index_mb"] = sum(f.stat().st_size for f in a.store.glob("search.sqlite*")) / 2**20
    res["library"] = {}
    for q in QUERIES:
        found = kg.search(q)
        res["library"][q] = {"total": found["total"], "total_exact": found["total_exact"], "match": found["match"],
                             **timed(lambda: kg.search(q), a.runs, a.max_seconds)}
    kg.close()
    if a.http:
        import httpx
        from ppikg.http.testing import serving_process

        res["http"] = {}
        with serving_process(str(a.store)) as (url, _proc), httpx.Client(base_url=url, timeout=30) as client:
            for i in range(8):  # every query worker opens the store and the index before anything is timed
                client.get("/api/buscar", params={"q": "escuela" + " " * i}).raise_for_status()
            for q in QUERIES:
                sent = iter(range(10**6))

                def get(cached: bool) -> None:
                    # trailing spaces change the text, not the search: a new key for the server's answer cache
                    r = client.get("/api/buscar", params={"q": q if cached else q + " " * (next(sent) % 400)})
                    r.raise_for_status()
                res["http"][q] = timed(lambda: get(False), a.runs, a.max_seconds)
                res["http"][q]["cached_median_ms"] = timed(lambda: get(True), a.runs, a.max_seconds)["median_ms"]
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_search.json").write_text(json.dumps(res, indent=1, ensure_ascii=False))
    print(f"{res['quads']:,} quads, {res['proposals']} proposals, {res['documents']:,} documents, index {res['index_mb']:.0f} MB")
    if not res["reused"]:
        print(f"load_shipped {res['load_shipped_s']:.1f} s (index {res['load_shipped_index_s']:.2f} s); "
              f"index per add_graph: median {res['follow_median_ms']:.0f} ms, max {res['follow_max_ms']:.0f} ms")
    print(f"full rebuild of the index {res['rebuild_s']:.1f} s")
    print("\n| query | hits | match | library p50 / p99 / max ms |" + (" HTTP p50 / p99 ms | HTTP cached p50 ms |" if a.http else ""))
    print("|---|---|---|---|" + ("---|---|" if a.http else ""))
    for q, r in res["library"].items():
        hits = f"{r['total']:,}" if r["total_exact"] else f"> {r['total']:,}"
        line = f"| `{q}` | {hits} | {r['match']} | {r['median_ms']:.1f} / {r['p99_ms']:.1f} / {r['max_ms']:.1f} |"
        if a.http:
            h = res["http"][q]
            line += f" {h['median_ms']:.1f} / {h['p99_ms']:.1f} | {h['cached_median_ms']:.1f} |"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
