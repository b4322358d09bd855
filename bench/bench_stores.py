"""Store benchmark: rdflib (Graph, Dataset), pyoxigraph (memory, disk) and rdflib-over-oxrdflib.

Each (size, store) pair runs in its own subprocess so that peak RSS is per store. In each worker:

1. load the N-Triples file (``rdflib-graph``) or the N-Quads file, one named graph per proposal
   (every other store; queries then use the union of the named graphs as default graph);
2. traceability, 4 hops, no inference: for one competency, indicators per proposal that cover it
   through an attribute or through their parameter's aspect, GROUP BY proposal;
3. materialise ``ppi:coversCompetency`` (both routes) and ``ppi:inProposal`` with one SPARQL update
   (timed), then the one-hop traceability query on the inferred triples;
4. one-resource lookup ``SELECT ?p ?o WHERE { <indicator> ?p ?o }`` on random indicators.

Latencies: one warm-up run, then ``--runs`` timed runs (results fully consumed); median and p99.
Separate workers time the Turtle load into a fresh store and, for the disk store, the warm reopen
(open the existing directory, first query, then the one-hop query again).

Usage::

    python bench/bench_stores.py                        # all sizes: shipped,10k,100k,1m
    python bench/bench_stores.py --sizes 10k,100k --stores oxigraph-mem,rdflib-graph --runs 20

Writes a Markdown table to stdout and ``bench/out/bench_stores.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

PPI = synth.PPI
STORES = ["rdflib-graph", "rdflib-dataset", "oxigraph-mem", "oxigraph-disk", "oxrdflib"]
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
INFERRED_GRAPH = synth.GRAPH + "inferred"

P = f"PREFIX ppi: <{PPI}>\n"

TRACE_4HOP = P + """SELECT ?proposal (COUNT(DISTINCT ?i) AS ?indicators) WHERE {
  { ?i ppi:coversAttribute ?a . ?a ppi:attributeOf <%(c)s> .
    ?param ppi:hasIndicator ?i . ?proposal ppi:hasParameter ?param }
  UNION
  { ?param ppi:hasIndicator ?i ; ppi:tiedToAspect ?asp . ?asp ppi:correspondsToCompetency <%(c)s> .
    ?proposal ppi:hasParameter ?param }
} GROUP BY ?proposal"""

TRACE_1HOP = P + """SELECT ?proposal (COUNT(DISTINCT ?i) AS ?indicators) WHERE {
  ?i ppi:coversCompetency <%(c)s> ; ppi:inProposal ?proposal .
} GROUP BY ?proposal"""

LOOKUP = "SELECT ?p ?o WHERE { <%(s)s> ?p ?o }"

# Materialisation, for a plain graph (rdflib Graph) ...
MATERIALISE_TRIPLES = P + """
INSERT { ?i ppi:coversCompetency ?c } WHERE {
  { ?i ppi:coversAttribute ?a . ?a ppi:attributeOf ?c }
  UNION
  { ?p ppi:hasIndicator ?i ; ppi:tiedToAspect ?asp . ?asp ppi:correspondsToCompetency ?c }
} ;
INSERT { ?i ppi:inProposal ?prop } WHERE { ?prop ppi:hasParameter ?p . ?p ppi:hasIndicator ?i }
"""
# ... and for a dataset of named graphs (hops may cross graphs: proposal data vs reference data);
# the inferred triples go to their own named graph.
MATERIALISE_QUADS = P + """
INSERT { GRAPH <%(g)s> { ?i ppi:coversCompetency ?c } } WHERE {
  { GRAPH ?g1 { ?i ppi:coversAttribute ?a } GRAPH ?g2 { ?a ppi:attributeOf ?c } }
  UNION
  { GRAPH ?g1 { ?p ppi:hasIndicator ?i ; ppi:tiedToAspect ?asp } GRAPH ?g2 { ?asp ppi:correspondsToCompetency ?c } }
} ;
INSERT { GRAPH <%(g)s> { ?i ppi:inProposal ?prop } } WHERE {
  GRAPH ?g1 { ?prop ppi:hasParameter ?p } GRAPH ?g2 { ?p ppi:hasIndicator ?i }
}
""" % {"g": INFERRED_GRAPH}

FIRST_COMPETENCY = P + "SELECT ?c WHERE { ?c a ppi:Competency } ORDER BY STR(?c) LIMIT 1"
INDICATORS = P + "SELECT ?i WHERE { ?i a ppi:Indicator } ORDER BY STR(?i)"
SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY STR(?s)"


# =============================================================== data preparation

def prepare(size: str) -> dict:
    """Files for one size: {'nt': path, 'nq': path, 'ttl': [paths], 'triples': n}."""
    OUT.mkdir(parents=True, exist_ok=True)
    if size == "shipped":
        from rdflib import Dataset, Graph, URIRef

        files = sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").glob("*.ttl"))
        ds = Dataset()
        merged = Graph()
        for f in files:
            g = ds.graph(URIRef(synth.GRAPH + f"{f.parent.name}/{f.stem}"))
            g.parse(f, format="turtle")
            merged += g
        nt, nq = OUT / "shipped.nt", OUT / "shipped.nq"
        merged.serialize(nt, format="nt", encoding="utf-8")
        ds.serialize(nq, format="nquads", encoding="utf-8")
        return {"nt": str(nt), "nq": str(nq), "ttl": [str(f) for f in files], "triples": len(merged),
                "files": [str(f.relative_to(ROOT)) for f in files]}
    target = SIZES[size]
    synthetic = {fmt: OUT / f"synth-{size}.{fmt}" for fmt in ("nt", "nq", "ttl")}
    n = None
    for fmt, path in synthetic.items():
        if not path.exists():
            with path.open("w", encoding="utf-8", buffering=1 << 20) as f:
                n = synth.write(synth.generate(target), f, fmt)
    if n is None:
        with synthetic["nt"].open("rb") as f:
            n = sum(1 for _ in f)
    return {"nt": str(synthetic["nt"]), "nq": str(synthetic["nq"]), "ttl": [str(synthetic["ttl"])], "triples": n}


# =============================================================== store adapters (worker side)

class RdflibGraph:
    quads = False
    materialise = MATERIALISE_TRIPLES

    def __init__(self, path=None):
        from rdflib import Graph
        self.g = Graph()

    def load(self, files, fmt):
        for f in files:
            self.g.parse(f, format={"nt": "nt", "nq": "nquads", "ttl": "turtle"}[fmt])

    def query(self, q):
        return [tuple(r) for r in self.g.query(q)]

    def update(self, u):
        self.g.update(u)

    def __len__(self):
        return len(self.g)


class RdflibDataset(RdflibGraph):
    """Dataset(default_union=True): queries *and* update WHERE clauses see the union of the named graphs;
    inserted triples go to the default graph. (The GRAPH ?g form of the update is pathological in rdflib:
    it evaluates every pair of graphs, minutes at 1M triples.)"""

    quads = True

    def __init__(self, path=None):
        from rdflib import Dataset
        self.g = Dataset(default_union=True)

    def __len__(self):
        return sum(1 for _ in self.g.quads((None, None, None, None)))


class OxrdflibDataset(RdflibGraph):
    """rdflib's API over pyoxigraph's store (queries and updates are passed to Oxigraph)."""

    quads = True

    def __init__(self, path=None):
        from rdflib import Dataset
        self.g = Dataset(store="Oxigraph", default_union=True)

    def load(self, files, fmt):
        for f in files:
            self.g.parse(f, format={"nt": "ox-nt", "nq": "ox-nquads", "ttl": "ox-turtle"}[fmt], transactional=False)

    def __len__(self):
        return len(self.g.store._inner)


class Oxigraph:
    quads = True
    # Store.update has no "default graph as union" option: hops across named graphs are written with GRAPH.
    materialise = MATERIALISE_QUADS

    def __init__(self, path=None):
        import pyoxigraph as ox
        self.ox = ox
        self.s = ox.Store(str(path)) if path else ox.Store()

    def load(self, files, fmt):
        f = {"nt": self.ox.RdfFormat.N_TRIPLES, "nq": self.ox.RdfFormat.N_QUADS, "ttl": self.ox.RdfFormat.TURTLE}[fmt]
        for p in files:
            self.s.bulk_load(path=p, format=f)

    def query(self, q):
        return [tuple(r) for r in self.s.query(q, use_default_graph_as_union=True)]

    def update(self, u):
        self.s.update(u)

    def __len__(self):
        return len(self.s)


def make_store(name: str, path: Path | None):
    if name == "rdflib-graph":
        return RdflibGraph()
    if name == "rdflib-dataset":
        return RdflibDataset()
    if name == "oxrdflib":
        return OxrdflibDataset()
    if name == "oxigraph-mem":
        return Oxigraph()
    if name == "oxigraph-disk":
        return Oxigraph(path)
    raise ValueError(name)


# =============================================================== measurement helpers

class RssSampler:
    """Peak RSS by psutil, sampled every 20 ms in a thread (cross-checked with ru_maxrss)."""

    def __init__(self):
        import psutil
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def now(self) -> int:
        rss = self.proc.memory_info().rss
        self.peak = max(self.peak, rss)
        return rss

    def stop(self) -> dict:
        self._stop.set()
        self._t.join()
        now = self.now()
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return {"rss_end_mb": now / 2**20, "peak_rss_mb": max(self.peak, maxrss) / 2**20,
                "peak_rss_psutil_mb": self.peak / 2**20, "ru_maxrss_mb": maxrss / 2**20}


def latency(fn, runs: int, max_seconds: float) -> dict:
    """One warm-up, then ``runs`` timed runs (fewer only if the warm-up says they'd exceed max_seconds)."""
    t = time.perf_counter()
    first = fn()
    warm = time.perf_counter() - t
    n = runs if warm * runs <= max_seconds else max(5, int(max_seconds / max(warm, 1e-9)))
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)  if fn.__code__.co_argcount else fn()
        times.append(time.perf_counter() - t)
    times.sort()
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    return {"warmup_ms": warm * 1e3, "median_ms": statistics.median(times) * 1e3, "p99_ms": p99 * 1e3,
            "min_ms": times[0] * 1e3, "runs": n, "result": first}


def summary(rows) -> dict:
    """A checksum of a GROUP BY proposal result: number of proposals and total indicators."""
    return {"proposals": len(rows), "indicators": sum(int(str(r[1].value if hasattr(r[1], "value") else r[1])) for r in rows)}


# =============================================================== workers

def worker_main(a: dict) -> dict:
    rss = RssSampler()
    res = {"rss_start_mb": rss.now() / 2**20}
    path = Path(a["store_dir"]) if a.get("store_dir") else None
    if path:
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    store = make_store(a["store"], path)
    fmt = "nq" if store.quads else "nt"
    t = time.perf_counter()
    store.load([a["files"][fmt]], fmt)
    res["load_s"] = time.perf_counter() - t
    res["load_format"] = fmt
    gc.collect()
    res["rss_after_load_mb"] = rss.now() / 2**20
    res["triples"] = len(store)

    comp = store.query(FIRST_COMPETENCY)
    c = str(comp[0][0].value if hasattr(comp[0][0], "value") else comp[0][0]) if comp else synth.competency(1)
    res["competency"] = c
    subjects = [r[0] for r in store.query(INDICATORS)] or [r[0] for r in store.query(SUBJECTS)]
    subjects = [str(s.value if hasattr(s, "value") else s) for s in subjects]
    rng = random.Random(7)
    picks = [rng.choice(subjects) for _ in range(a["runs"] * 5 + 1)] if subjects else []

    r4 = latency(lambda: store.query(TRACE_4HOP % {"c": c}), a["runs"], a["max_query_s"])
    r4["result"] = summary(r4["result"])
    res["trace_4hop"] = r4

    t = time.perf_counter()
    store.update(store.materialise)
    res["materialise_s"] = time.perf_counter() - t
    res["triples_after_materialise"] = len(store)

    r1 = latency(lambda: store.query(TRACE_1HOP % {"c": c}), a["runs"], a["max_query_s"])
    r1["result"] = summary(r1["result"])
    res["trace_1hop"] = r1

    if picks:
        def lookup(i=-1):
            return len(store.query(LOOKUP % {"s": picks[i + 1]}))
        lk = latency(lookup, a["runs"] * 5, a["max_query_s"])
        res["lookup"] = lk
    if path:
        # Persist the memtable (what KnowledgeGraph.close() does); without it the next open replays the
        # write-ahead log of the materialising update: 2 s and +400 MB RSS at 1M triples.
        t = time.perf_counter()
        store.s.flush()
        res["flush_s"] = time.perf_counter() - t
        del store
        gc.collect()
        res["disk_mb"] = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20
    res.update(rss.stop())
    return res


def worker_ttl(a: dict) -> dict:
    rss = RssSampler()
    path = Path(a["store_dir"]) if a.get("store_dir") else None
    if path:
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    store = make_store(a["store"], path)
    t = time.perf_counter()
    store.load(a["files"]["ttl"], "ttl")
    res = {"ttl_load_s": time.perf_counter() - t, "ttl_triples": len(store)}
    del store
    if path:
        shutil.rmtree(path, ignore_errors=True)
    res.update({"ttl_" + k: v for k, v in rss.stop().items()})
    return res


def worker_reopen(a: dict) -> dict:
    rss = RssSampler()
    import pyoxigraph as ox
    t = time.perf_counter()
    s = ox.Store(a["store_dir"])
    res = {"reopen_s": time.perf_counter() - t}
    c = a["competency"]
    q = TRACE_1HOP % {"c": c}
    t = time.perf_counter()
    rows = list(s.query(q, use_default_graph_as_union=True))
    res["reopen_first_query_ms"] = (time.perf_counter() - t) * 1e3
    r = latency(lambda: list(s.query(q, use_default_graph_as_union=True)), a["runs"], a["max_query_s"])
    r["result"] = {"proposals": len(rows), "indicators": sum(int(x[1].value) for x in rows)}
    res["reopen_trace_1hop"] = r
    res.update({"reopen_" + k: v for k, v in rss.stop().items()})
    return res


WORKERS = {"main": worker_main, "ttl": worker_ttl, "reopen": worker_reopen}


def run_worker(kind: str, args: dict, timeout: float) -> dict:
    out = OUT / f".worker-{os.getpid()}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--worker-args", json.dumps(args),
           "--worker-out", str(out)]
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, timeout=timeout, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        return {"error": (p.stderr or "").strip().splitlines()[-1:] or [f"exit {p.returncode}"]}
    res = json.loads(out.read_text())
    out.unlink()
    res[f"{kind}_wall_s"] = time.perf_counter() - t
    return res


# =============================================================== report

def versions() -> dict:
    import importlib.metadata as md
    v = {"python": platform.python_version()}
    for pkg in ("rdflib", "pyoxigraph", "oxrdflib", "owlrl", "psutil"):
        try:
            v[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            v[pkg] = None
    return v


def machine() -> dict:
    import psutil
    load = os.getloadavg()
    return {"nproc": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
            "mem_total_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "loadavg_at_start": [round(x, 2) for x in load], "platform": platform.platform()}


def fmt_ms(x):
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.0f}"


def table(results: list[dict]) -> str:
    head = ("| size | store | triples | load (s) | Turtle load (s) | 4-hop trace med / p99 (ms) | "
            "materialise (s) | 1-hop trace med / p99 (ms) | lookup med / p99 (ms) | reopen (s) | peak RSS (MB) |")
    lines = [head, "|" + "---|" * 11]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['size']} | {r['store']} | | error: {r['error']} |" + " |" * 7)
            continue
        def lat(k):
            d = r.get(k)
            if not d:
                return "–"
            s = f"{fmt_ms(d['median_ms'])} / {fmt_ms(d['p99_ms'])}"
            return s + (f" (n={d['runs']})" if d["runs"] < 20 else "")
        reopen = f"{r['reopen_s']:.3f}" if "reopen_s" in r else "–"
        ttl = f"{r['ttl_load_s']:.2f}" if "ttl_load_s" in r else "–"
        lines.append(
            f"| {r['size']} | {r['store']} | {r['triples']:,} | {r['load_s']:.2f} | {ttl} | {lat('trace_4hop')} | "
            f"{r['materialise_s']:.2f} | {lat('trace_1hop')} | {lat('lookup')} | {reopen} | {r['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Compare embedded RDF stores on the ppikg workload.")
    ap.add_argument("--sizes", default="shipped,10k,100k,1m", help="comma list of shipped,10k,100k,1m")
    ap.add_argument("--stores", default=",".join(STORES), help="comma list of " + ",".join(STORES))
    ap.add_argument("--runs", type=int, default=20, help="timed runs per query (after one warm-up)")
    ap.add_argument("--max-query-s", type=float, default=90.0,
                    help="per query type, cut the runs (min 5) if warm-up x runs would exceed this")
    ap.add_argument("--no-ttl", action="store_true", help="skip the separate Turtle-load workers")
    ap.add_argument("--timeout", type=float, default=900.0, help="per worker, seconds")
    ap.add_argument("--json", type=Path, default=OUT / "bench_stores.json")
    ap.add_argument("--keep-stores", action="store_true", help="keep the on-disk stores under bench/out/stores")
    ap.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--worker-args", help=argparse.SUPPRESS)
    ap.add_argument("--worker-out", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.worker:
        res = WORKERS[a.worker](json.loads(a.worker_args))
        Path(a.worker_out).write_text(json.dumps(res, default=str))
        return 0

    t_all = time.perf_counter()
    meta = {"machine": machine(), "versions": versions(), "runs": a.runs, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(f"# machine {meta['machine']}\n# versions {meta['versions']}", file=sys.stderr)
    results = []
    for size in a.sizes.split(","):
        files = prepare(size)
        print(f"## {size}: {files['triples']:,} triples", file=sys.stderr)
        for store in a.stores.split(","):
            store_dir = OUT / "stores" / f"{size}-{store}" if store == "oxigraph-disk" else None
            args = {"store": store, "files": files, "runs": a.runs, "max_query_s": a.max_query_s,
                    "store_dir": str(store_dir) if store_dir else None}
            r = {"size": size, "store": store, "loadavg_before": os.getloadavg()[0]}
            r.update(run_worker("main", args, a.timeout))
            if "error" not in r and store == "oxigraph-disk":
                r.update(run_worker("reopen", dict(args, competency=r["competency"]), a.timeout))
            if "error" not in r and not a.no_ttl:
                ttl_dir = OUT / "stores" / f"{size}-{store}-ttl" if store_dir else None
                r.update(run_worker("ttl", dict(args, store_dir=str(ttl_dir) if ttl_dir else None), a.timeout))
            if store_dir and not a.keep_stores:
                shutil.rmtree(store_dir, ignore_errors=True)
            results.append(r)
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps({"meta": meta, "results": results, "partial": True}, indent=2, default=str))
            brief = {k: r.get(k) for k in ("load_s", "ttl_load_s", "materialise_s", "reopen_s", "peak_rss_mb", "error")}
            brief.update({k: round(r[k]["median_ms"], 2) for k in ("trace_4hop", "trace_1hop", "lookup") if k in r})
            print(f"  {store}: {brief}", file=sys.stderr, flush=True)
    meta["total_s"] = time.perf_counter() - t_all
    meta["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str))
    print(table(results))
    print(f"\n(total {meta['total_s']:.0f} s; JSON: {a.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
