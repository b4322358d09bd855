"""Benchmark validate(): a proposal of N indicators, from a file and from a store that holds much more.

    python bench/bench_validate.py [--indicators 300] [--store-triples 1000000] [--runs 5]

The proposal is the shipped example with indicators added to one parameter until it has N; the store
case loads the synthetic graph of bench/synth.py beside it, to show validation does not depend on what
the store holds (it reads only the proposal's own graph plus the fixed context).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))

from ppikg.store.graph import KnowledgeGraph  # noqa: E402
from ppikg.namespaces import PPI  # noqa: E402
from ppikg.conformance.validator import Validator  # noqa: E402

EXAMPLE = ROOT / "data" / "examples" / "propuesta-ejemplo-dgb.ttl"
PROPOSAL = "https://w3id.org/ppikg/propuestas/ejemplo-dgb"
GROWN = "https://w3id.org/ppikg/propuestas/grande"  # the grown example, in the store beside the shipped one


def grown_example(indicators: int) -> Graph:
    """The example with copies of indicator P5-1 (and its levels) until it has ``indicators`` indicators."""
    g = Graph().parse(EXAMPLE)
    base = PROPOSAL + "/"
    template, parameter = URIRef(base + "P5-1"), URIRef(base + "P5")
    have = len(set(g.subjects(None, PPI.Indicator)))
    for i in range(indicators - have):
        copy = URIRef(f"{base}X{i}")
        g.add((parameter, PPI.hasIndicator, copy))
        for p, o in list(g.predicate_objects(template)):
            if p == PPI.hasPerformanceLevel:
                level = URIRef(f"{copy}-{str(o).rsplit('-', 1)[1]}")
                g.add((copy, p, level))
                for p2, o2 in list(g.predicate_objects(o)):
                    g.add((level, p2, o2))
            else:
                g.add((copy, p, o))
    return g


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up: shapes parsed, rules compiled
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--indicators", type=int, default=300)
    ap.add_argument("--store-triples", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    proposal = grown_example(args.indicators)
    validator = Validator()
    rows = []
    med, worst = timed(lambda: validator.validate(proposal), args.runs)
    rows.append(("file (graph in memory)", len(proposal), med, worst))

    with tempfile.TemporaryDirectory() as tmp:
        synth = Path(tmp) / "synth.nt"
        subprocess.run([sys.executable, str(ROOT / "bench" / "synth.py"), "--triples", str(args.store_triples),
                        "--out", str(synth)], check=True, capture_output=True)
        kg = KnowledgeGraph(Path(tmp) / "store", reasoner="rules")
        kg.load_shipped()
        kg.add_graph("synthetic", synth, infer=False)
        # under IRIs of its own: the shipped example keeps ejemplo-dgb in the store
        own = Graph().parse(data=proposal.serialize(format="nt").replace("/propuestas/ejemplo-dgb", "/propuestas/grande"),
                            format="nt")
        kg.add_graph("propuestas/grande", own)
        assert kg.snapshot().proposal_graph(GROWN).endswith("/propuestas/grande")
        total = sum(n for _, n in kg.graphs())
        def from_store():  # the store made the proposal's inferences when it was loaded
            asserted, inferred = kg.proposal_ntriples(GROWN)
            return validator.validate(asserted, inferred=inferred)

        med, worst = timed(from_store, args.runs)
        rows.append((f"IRI in a store of {total:,} triples", len(proposal), med, worst))
        kg.close()

    print(f"validate(): proposal of {args.indicators} indicators, median and worst of {args.runs} runs\n")
    print("| source | proposal triples | median | worst |")
    print("|---|---:|---:|---:|")
    for name, n, med, worst in rows:
        print(f"| {name} | {n:,} | {med * 1000:.0f} ms | {worst * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
