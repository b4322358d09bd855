"""What keeping versions costs a load: ``add_graph`` of synthetic proposals (one named graph each, ~6,700
triples, inferences included) into a store on disk, with each load recorded as a version (its content digest,
its triples and inferences archived, its record written) and with the recording switched off.

Usage::

    python bench/bench_versions.py                 # 20 proposals; writes bench/out/bench_versions.json
    python bench/bench_versions.py --proposals 50
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

import ppikg.store.graph as graph_module  # noqa: E402
from ppikg.store.graph import KnowledgeGraph  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def load(proposals: list[tuple[str, bytes]]) -> float:
    """Seconds per proposal to add every proposal to a fresh store holding the shipped data."""
    with tempfile.TemporaryDirectory() as folder, KnowledgeGraph(folder) as kg:
        kg.load_shipped()
        start = time.perf_counter()
        for iri, data in proposals:
            kg.add_graph(iri, data, "nt")
        return (time.perf_counter() - start) / len(proposals)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--proposals", type=int, default=20)
    args = ap.parse_args(argv)
    every = synth.proposal_graphs(7_000 * (args.proposals + 1))
    proposals = [(g, nt) for g, nt in every if "/propuesta/" in g][:args.proposals]
    triples = sum(nt.count(b"\n") for _, nt in proposals) / len(proposals)
    with_versions = load(proposals)
    kept = graph_module.record_versions
    graph_module.record_versions = lambda *a, **k: []  # the same loads, nothing recorded
    try:
        without = load(proposals)
    finally:
        graph_module.record_versions = kept
    result = {"proposals": len(proposals), "triples_per_proposal": round(triples),
              "ms_per_load_with_versions": round(with_versions * 1000), "ms_per_load_without": round(without * 1000)}
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_versions.json").write_text(json.dumps(result, indent=1))
    print(f"{result['proposals']} proposals of ~{result['triples_per_proposal']:,} triples: "
          f"{result['ms_per_load_with_versions']} ms per load with versions, {result['ms_per_load_without']} ms without")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
