"""ppikg on external SPARQL 1.1 servers: how long the shipped data take to load (parsed, inferred, written over
HTTP), how long a synthetic corpus takes to load, and a canned query's latency, for the embedded store, Oxigraph's
server and Virtuoso 7, each started on 127.0.0.1 (ppikg.store.servers).

Usage::

    python bench/bench_remote.py                       # shipped data, coverage query; no synthetic corpus
    python bench/bench_remote.py --triples 1000000     # and the 1M synthetic corpus of bench/synth.py

Each query runs ``--runs`` times after one warm-up (the cache of answers is per process and not used here: each
run sends the query to the server); the median is printed, as a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "service"))
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402

from ppikg.sparql import canned  # noqa: E402
from ppikg.store.graph import KnowledgeGraph  # noqa: E402
from ppikg.store.remote import Endpoint, RemoteStore  # noqa: E402
from ppikg.store.servers import oxigraph_server, virtuoso_server  # noqa: E402


def _median_ms(run, runs: int, budget: float = 60.0) -> float:
    run()
    times: list[float] = []
    deadline = time.monotonic() + budget
    while len(times) < runs and time.monotonic() < deadline:
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def measure(kg: KnowledgeGraph, triples: int, runs: int) -> dict[str, str]:
    t0 = time.perf_counter()
    kg.load_shipped()
    out = {"load of the shipped data": f"{time.perf_counter() - t0:.1f} s"}
    for query_id in ("coverage", "provision"):
        query = canned.get_query(kg.project, query_id)
        ms = _median_ms(lambda: canned.run_rows(kg, query, **query.example), runs)
        out[f"`{query_id}` (shipped data)"] = f"{ms:.0f} ms"
    if triples:
        from synth import proposal_graphs

        graphs = proposal_graphs(triples, reference=False)
        t0 = time.perf_counter()
        with kg.backend.write() as writer:
            for graph, data in graphs:
                writer.add(graph, list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES)))
        out[f"load of {triples:,} synthetic triples"] = f"{time.perf_counter() - t0:.1f} s"
        query = canned.get_query(kg.project, "coverage")
        ms = _median_ms(lambda: canned.run_rows(kg, query), runs)
        out[f"`coverage` ({triples:,} more triples)"] = f"{ms:.0f} ms"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=0, help="also load this many synthetic triples (0: none)")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args(argv)
    results: dict[str, dict[str, str]] = {}
    with KnowledgeGraph(None) as kg:
        results["embedded (memory)"] = measure(kg, args.triples, args.runs)
    for name, start in (("Oxigraph server 0.5.13", oxigraph_server), ("Virtuoso 7.2.5 (Debian 12)", virtuoso_server)):
        with start() as server:
            endpoint = Endpoint(server.endpoint, server.update, server.gsp, server.user, server.password)
            with KnowledgeGraph(None, backend=RemoteStore(endpoint)) as kg:
                results[name] = measure(kg, args.triples, args.runs)
        print(name, results[name], file=sys.stderr)
    rows = list(next(iter(results.values())))
    print("| | " + " | ".join(results) + " |")
    print("|---" * (len(results) + 1) + "|")
    for row in rows:
        print(f"| {row} | " + " | ".join(r.get(row, "") for r in results.values()) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
