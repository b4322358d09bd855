"""Benchmark `ppi validate --all`: every proposal of a store of N synthetic proposals, each validated and reported.

    python bench/bench_validate_all.py [--proposals 150] [--runs 2] [--reuse]

The store (bench/out/validate-all-N/store: the shipped data plus N proposals of bench/synth.py, ~6,700 triples
each, loaded one `add_graph` each, inferences included) is built once and kept with --reuse. Each run is the
command itself, in a new process, writing one JSON report per proposal and the summary table; the time is the
whole command (start, store open, every validation, every report written).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))
sys.path.insert(0, str(ROOT / "bench"))

import synth  # noqa: E402
from ppikg.store.graph import KnowledgeGraph  # noqa: E402

OUT = ROOT / "bench" / "out"
PPI = str(Path(sys.executable).parent / "ppi")


def build(store: Path, proposals: int) -> float:
    """The store of ``proposals`` synthetic proposals; seconds it took."""
    shutil.rmtree(store, ignore_errors=True)
    every = synth.proposal_graphs(7_000 * (proposals + 1))
    chosen = [(g, nt) for g, nt in every if "/propuesta/" in g][:proposals]
    start = time.perf_counter()
    with KnowledgeGraph(store) as kg:
        kg.load_shipped()
        for iri, data in chosen:
            kg.add_graph(iri, data, "nt")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proposals", type=int, default=150)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="keep the store of an earlier run")
    args = ap.parse_args(argv)
    store = OUT / f"validate-all-{args.proposals}" / "store"
    if not (args.reuse and store.exists()):
        print(f"building a store of {args.proposals} proposals: {build(store, args.proposals):.0f} s", file=sys.stderr)
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as reports:
            start = time.perf_counter()
            done = subprocess.run([PPI, "validate", "--all", "--store", str(store), "--format", "json",
                                   "--reports", reports], capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if done.returncode not in (0, 1):
                sys.exit(done.stderr)
            summary = json.loads(done.stdout)
            written = len(list(Path(reports).iterdir()))
    result = {"proposals": len(summary), "reports_written": written, "seconds": [round(t, 1) for t in times],
              "ms_per_proposal": round(min(times) / len(summary) * 1000)}
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_validate_all.json").write_text(json.dumps(result, indent=1))
    print(f"ppi validate --all: {result['proposals']} proposals, {written} reports, runs {result['seconds']} s "
          f"({result['ms_per_proposal']} ms per proposal, best run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
