"""SPARQL endpoints over HTTP, same machine, same data, same queries: ``ppi serve`` against rdflib-endpoint
and Oxigraph's own server.

For each dataset (``shipped``: ontology + data/*.ttl + the example proposal of data/examples, i.e. what
``ppi serve`` loads plus the example; ``100k``/``1m``: the same plus bench/synth.py proposals):

1. **build** (subprocess): a fresh ``KnowledgeGraph`` store: ``load_shipped()``, then the
   example proposal (unless ``load_shipped`` loads data/examples itself) and the synthetic proposals
   (``add_graph``, one named graph each, inferences materialised, reasoner "rules");
   the seeded list of indicator IRIs for the lookups. A ``probe`` subprocess then times the same queries
   in process (``kg.query`` and JSON serialisation, no HTTP).
2. **export**: ``ppi export --format nq --all`` of that store, so the other two serve exactly the same quads,
   inferences included (the bookkeeping graph ``graph/meta`` is not exported; no query here touches it).
3. **servers**, one at a time, each on 127.0.0.1 and a free port, stopped at the end (also on error):
   * ``ppikg``: ``ppi serve --store DIR`` (``python -m ppikg serve``), ``GET /sparql``;
   * ``rdflib-endpoint``: ``rdflib_endpoint.SparqlEndpoint`` over ``rdflib.Dataset(default_union=True)``
     parsed from the N-Quads file (what ``rdflib-endpoint serve FILE`` does, but uvicorn's access log off,
     as for ``ppi serve``), ``GET /``;
   * ``oxigraph``: ``oxigraph load --location DIR --file X.nq`` then
     ``oxigraph serve-read-only --location DIR --bind 127.0.0.1:PORT --union-default-graph``, ``GET /query``.
4. **load** with ``wrk`` (C; ``--client raw``/``httpx``: an asyncio client in this process, which on 2 cores
   measures itself as much as the server): for each query and each concurrency, a warm-up, then requests
   for ``--duration`` seconds; requests/s, p50, p99, errors,
   server CPU per request (psutil, whole process tree) and client CPU.

Queries (the same text for all three; default graph = union of the named graphs):

* ``lookup``: ``SELECT ?p ?o WHERE { <indicator> ?p ?o }``, a different indicator per request, from a fixed
  seeded list (the same sequence for every server);
* ``trace``: indicators per proposal covering competency c1, on the materialised inferences;
* ``trace-nc``: the same query text followed by a different comment line per request (``# request N``),
  so that no server can answer it from a cache keyed by the request text (``ppi serve`` keeps the last
  1,024 answers; rdflib-endpoint keeps parsed queries); not in the default ``--queries``;
* ``trace-hj``: ``trace-nc`` written as ppikg's join planner rewrites it (the ``inProposal`` pattern in a
  sub-SELECT, which pyoxigraph and Oxigraph evaluate as a hash join): the other servers given the plan by hand;
  not in the default ``--queries``;
* ``ask``: ``ASK {}``, the fixed cost of one request through each server (HTTP, parsing, serialisation).

Usage::

    python bench/bench_endpoint.py                          # shipped and 1m, all three servers
    python bench/bench_endpoint.py --sizes shipped --duration 5
    python bench/bench_endpoint.py --sizes 1m --rdflib-size 100k   # rdflib-endpoint on a smaller dataset

Writes ``bench/out/bench_endpoint.json`` and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
WORK = OUT / "endpoint"
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

PPI = "https://w3id.org/ppikg/ontology#"
LOOKUP = "SELECT ?p ?o WHERE { <%s> ?p ?o }"
TRACE = (f"SELECT ?proposal (COUNT(DISTINCT ?i) AS ?n) WHERE {{ ?i <{PPI}coversCompetency> "
         f"<https://w3id.org/ppikg/competencias/c1> ; <{PPI}inProposal> ?proposal }} GROUP BY ?proposal")
#: The trace query as ppikg's join planner rewrites it (a hash join): what the other servers get when a client
#: writes the better plan by hand.
TRACE_HASH_JOIN = (f"SELECT ?proposal (COUNT(DISTINCT ?i) AS ?n) WHERE {{ ?i <{PPI}coversCompetency> "
                   f"<https://w3id.org/ppikg/competencias/c1> . {{ SELECT * WHERE {{ ?i <{PPI}inProposal> ?proposal }} }} }} "
                   "GROUP BY ?proposal")
ASK = "ASK {}"
JSON_RESULTS = "application/sparql-results+json"
SIZES = {"shipped": 0, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
SERVERS = ("ppikg", "rdflib-endpoint", "oxigraph")
TARGETS = {"trace_vs_rdflib": 30.0, "trace_vs_oxigraph": 2.0, "lookup_vs_rdflib": 8.0, "lookup_p99_ms": 50.0}


# --- phases run in subprocesses ---------------------------------------------------------------------------

def _pct(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-q * len(sorted_values) // 1)) - 1))
    return sorted_values[k]


def phase_build(a: dict) -> dict:
    """Build our store: shipped data, the example proposal, the synthetic proposals; list the indicators."""
    import synth
    from ppikg.store.graph import KnowledgeGraph
    from ppikg.proposals.importer import import_proposal
    from ppikg.proposals.spec import proposal_iri

    store_dir = Path(a["store"])
    shutil.rmtree(store_dir, ignore_errors=True)
    res: dict = {}
    t0 = time.perf_counter()
    # reasoner="rules" as in bench_kg.py: "auto" picks owlrl for a graph whose context is under 20,000 triples,
    # i.e. for every synthetic proposal, and took ~10 s per proposal here (~25 min for 1M) instead of < 1 s.
    kg = KnowledgeGraph(store_dir, reasoner=a.get("reasoner", "rules"))
    res["load_shipped_rebuilt"] = kg.load_shipped()
    res["load_shipped_s"] = time.perf_counter() - t0
    example = import_proposal(kg.project.example_file, project=kg.project)
    iri = str(proposal_iri(example))
    res["example_shipped"] = bool(kg.query(f"ASK {{ <{iri}> a <{PPI}Proposal> }}"))
    if not res["example_shipped"]:  # older load_shipped() does not load data/examples: add it as `ppi import --load`
        t = time.perf_counter()
        kg.add_graph("propuestas/" + iri.rstrip("/").rsplit("/", 1)[-1], example)
        res["add_example_s"] = time.perf_counter() - t
    if a["triples"]:
        graphs = {iri.removeprefix(synth.GRAPH).replace("propuesta/", "propuesta-"): data
                  for iri, data in synth.proposal_graphs(a["triples"], reference=False)}
        res["synth_graphs"] = len(graphs)
        res["synth_triples"] = sum(d.count(b"\n") for d in graphs.values())
        t = time.perf_counter()
        if hasattr(kg, "add_graphs"):
            kg.add_graphs(graphs.items(), "nt")
        else:  # add_graphs was dropped (one inference pass per graph measured faster): one add_graph each
            for name, data in graphs.items():
                kg.add_graph(name, data, "nt", infer=True)
        res["add_graphs_s"] = time.perf_counter() - t
        del graphs
    res["quads"] = len(kg.store)
    inds = sorted(r[0].value for r in kg.query(f"SELECT DISTINCT ?i WHERE {{ ?i a <{PPI}Indicator> }}"))
    res["indicators"] = len(inds)
    rng = random.Random(a["seed"])
    Path(a["lookups"]).write_text(json.dumps([rng.choice(inds) for _ in range(a["n_lookups"])]))
    kg.close()
    res["build_s"] = time.perf_counter() - t0
    return res


def phase_probe(a: dict) -> dict:
    """Our store without HTTP, as the server opens it: time of the query alone and with JSON serialisation."""
    import pyoxigraph as ox
    try:
        from ppikg.store.graph import KnowledgeGraph
    except ImportError:  # a commit from before the store layer, measured side by side with --reuse
        from ppikg.graph import KnowledgeGraph  # type: ignore[no-redef]

    t = time.perf_counter()
    kg = KnowledgeGraph(Path(a["store"]))
    rebuilt = kg.load_shipped()
    res: dict = {"open_s": time.perf_counter() - t, "load_shipped_rebuilt": rebuilt}
    lookups = json.loads(Path(a["lookups"]).read_text())
    queries = {"ask": lambda i: ASK, "lookup": lambda i: LOOKUP % lookups[i % len(lookups)], "trace": lambda i: TRACE}
    for name, make in queries.items():
        runs = 20 if name == "trace" else 500
        for mode in ("query", "query+json"):
            times = []
            for i in range(runs + 1):
                q = make(i)
                t = time.perf_counter()
                r = kg.query(q)
                if mode == "query":
                    _ = bool(r) if isinstance(r, ox.QueryBoolean) else list(r)
                else:
                    r.serialize(format=ox.QueryResultsFormat.JSON)
                if i:  # the first run is the warm-up
                    times.append(time.perf_counter() - t)
            times.sort()
            res[f"{name}/{mode}"] = {"median_ms": statistics.median(times) * 1e3, "p99_ms": _pct(times, 0.99) * 1e3,
                                     "runs": runs}
    kg.close()
    return res


def phase_rdflib_serve(a: dict) -> None:
    """rdflib-endpoint as `rdflib-endpoint serve FILE` runs it (Dataset with default union), access log off."""
    import rdflib
    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    t = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    ds.parse(a["file"], format="nquads")
    print(f"rdflib-endpoint: {len(ds)} triples parsed in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    uvicorn.run(SparqlEndpoint(graph=ds), host="127.0.0.1", port=a["port"], log_level="warning")


PHASES = {"build": phase_build, "probe": phase_probe}


def run_phase(phase: str, args: dict, env: dict, timeout: float = 3600) -> dict:
    out = WORK / f".phase-{os.getpid()}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--phase-args", json.dumps(args),
           "--phase-out", str(out)]
    t = time.perf_counter()
    p = subprocess.run(cmd, timeout=timeout, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"phase {phase} failed: {p.stderr.strip()[-2000:]}")
    res = json.loads(out.read_text())
    out.unlink()
    res["wall_s"] = time.perf_counter() - t
    return res


# --- servers ----------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process (in its own process group), started on 127.0.0.1 and always stopped."""

    def __init__(self, name: str, cmd: list[str], url: str, env: dict, log: Path):
        self.name, self.cmd, self.url, self.env, self.log = name, cmd, url, env, log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float) -> float:
        t = time.perf_counter()
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        import httpx
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                r = httpx.get(self.url, params={"query": ASK}, headers={"Accept": JSON_RESULTS}, timeout=5)
                if r.status_code == 200:
                    return time.perf_counter() - t
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t > timeout:
                raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s")
            time.sleep(0.2)

    def processes(self):
        import psutil
        try:
            p = psutil.Process(self.proc.pid)
            return [p, *p.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_s(self) -> float:
        total = 0.0
        for p in self.processes():
            try:
                c = p.cpu_times()
                total += c.user + c.system
            except Exception:
                pass
        return total

    def rss_mb(self) -> float:
        total = 0
        for p in self.processes():
            try:
                total += p.memory_info().rss
            except Exception:
                pass
        return total / 2**20

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own process group, started above
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        except ProcessLookupError:
            pass
        self.logf.close()


# --- load generator ---------------------------------------------------------------------------------------

class RawConnection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (GET only; Content-Length or chunked bodies).

    On this machine httpx.AsyncClient costs 0.7-1.4 ms of client CPU per request (more with 16 connections
    than with 1) and capped even Oxigraph at ~500-600 requests/s with 16 clients; this client costs
    0.02-0.12 ms, so the server, not the client, is what is measured. ``--client httpx`` uses httpx."""

    def __init__(self, url: str):
        u = urlsplit(url)
        self.host, self.port, self.path = u.hostname, u.port, u.path or "/"
        self.reader = self.writer = None

    async def get(self, query: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {self.path}?query={quote(query, safe='')} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          f"Accept: {JSON_RESULTS}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip().lower() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    break
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            body = b"".join(parts)
        else:  # body until the connection closes
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection") == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except Exception:
                pass
            self.reader = self.writer = None


async def load_cell(url: str, make_query, concurrency: int, duration: float, max_requests: int,
                    warmup_s: float, warmup_n: int, server: Server, client_kind: str = "raw") -> dict:
    """Warm-up, then `concurrency` clients send requests back to back until `duration` s or `max_requests`."""
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=120, headers={"Accept": JSON_RESULTS}) as client:
        conns = [RawConnection(url) for _ in range(concurrency)]
        counter = iter(range(10**9))
        lat: list[float] = []
        errors: list[str] = []

        async def worker(k: int, end: float, limit: int, record: bool) -> None:
            while time.perf_counter() < end:
                i = next(counter)
                if i >= limit:
                    return
                q = make_query(i)
                t = time.perf_counter()
                try:
                    if client_kind == "httpx":
                        r = await client.get(url, params={"query": q})
                        status, body = r.status_code, await r.aread()
                    else:
                        status, body = await asyncio.wait_for(conns[k].get(q), 120)
                    err = None if status == 200 else f"HTTP {status}: {body[:200]!r}"
                except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as e:
                    err = f"{type(e).__name__}: {e}"
                    await conns[k].close()
                if record:
                    if err is None:
                        lat.append(time.perf_counter() - t)
                    else:
                        errors.append(err)

        try:
            await asyncio.gather(*(worker(k, time.perf_counter() + warmup_s, warmup_n, False)
                                   for k in range(concurrency)))
            n_warm = next(counter)
            counter = iter(range(n_warm, 10**9))  # the timed requests continue the same sequence
            cpu0, pcpu0 = server.cpu_s(), time.process_time()
            t0 = time.perf_counter()
            await asyncio.gather(*(worker(k, t0 + duration, n_warm + max_requests, True) for k in range(concurrency)))
            wall = time.perf_counter() - t0
            cpu1, pcpu1 = server.cpu_s(), time.process_time()
        finally:
            for c in conns:
                await c.close()
    lat.sort()
    n = len(lat)
    return {"concurrency": concurrency, "client": client_kind, "requests": n, "errors": len(errors),
            "first_error": errors[0] if errors else None,
            "wall_s": wall, "rps": n / wall if wall else 0.0, "p50_ms": _pct(lat, 0.50) * 1e3,
            "p99_ms": _pct(lat, 0.99) * 1e3, "mean_ms": statistics.fmean(lat) * 1e3 if lat else float("nan"),
            "max_ms": lat[-1] * 1e3 if lat else float("nan"), "warmup_requests": n_warm,
            "server_cpu_ms_per_req": (cpu1 - cpu0) * 1e3 / max(1, n + len(errors)),
            "client_cpu_ms_per_req": (pcpu1 - pcpu0) * 1e3 / max(1, n + len(errors)),
            "client_cpu_frac": (pcpu1 - pcpu0) / wall if wall else 0.0}


#: wrk's Lua side: cycle through a file of request paths (one per line, already URL-encoded), one offset per
#: thread, and print the summary as one JSON line. Percentiles come from wrk's own latency histogram.
WRK_SCRIPT = r"""
local paths, n = {}, 0
local file, accept = "%(file)s", "%(accept)s"
local threads, counter = {}, 0
function setup(thread) thread:set("first", counter * 7919); counter = counter + 1; table.insert(threads, thread) end
function init(args)
  for line in io.lines(file) do paths[#paths + 1] = line end
  n = tonumber(first) or 0
end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], {["Accept"] = accept})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d,"mean_us":%%f,"max_us":%%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
"""


def wrk_cell(url: str, make_query, concurrency: int, duration: float, warmup_s: float, n_paths: int,
             server: Server, work: Path, *, accept: str = JSON_RESULTS, timeout_s: float = 120) -> dict:
    """One cell with wrk (C, event-driven, one thread): a warm-up run, then a timed run of `duration` s.

    The request paths are written to a file first (query i = ``make_query(i)``; the timed run uses indices after
    the warm-up's, so unique texts stay unique), so wrk spends no time building queries. ``accept`` is every
    request's Accept header; a request unanswered after ``timeout_s`` counts as an error (wrk's timeout)."""
    import shutil as _shutil

    wrk = _shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk not found: apt-get install wrk (or --client raw)")
    u = urlsplit(url)
    base = u.path or "/"

    def run(offset: int, seconds: float, tag: str) -> dict:
        paths = work / f"wrk-{tag}.txt"
        paths.write_text("".join(f"{base}?query={quote(make_query(offset + i), safe='')}\n" for i in range(n_paths)))
        script = work / f"wrk-{tag}.lua"
        script.write_text(WRK_SCRIPT % {"file": paths, "accept": accept})
        cmd = [wrk, "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", f"{max(1, round(timeout_s))}s",
               "-s", str(script), f"{u.scheme}://{u.netloc}/"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 180)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk gave no summary: {out.stdout[-500:]} {out.stderr[-500:]}")
        return json.loads(line[len("WRKJSON "):])

    if warmup_s > 0:
        run(0, warmup_s, "warmup")
    cpu0 = server.cpu_s()
    r = run(n_paths, duration, "timed")
    cpu1 = server.cpu_s()
    wall = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    ok = r["requests"] - r["status"]
    return {"concurrency": concurrency, "client": "wrk", "requests": r["requests"], "errors": errors,
            "first_error": None if not errors else {k: r[k] for k in ("connect", "read", "write", "status", "timeout")},
            "wall_s": wall, "rps": ok / wall if wall else 0.0, "p50_ms": r["p50_us"] / 1e3,
            "p99_ms": r["p99_us"] / 1e3, "mean_ms": r["mean_us"] / 1e3, "max_ms": r["max_us"] / 1e3,
            "server_cpu_ms_per_req": (cpu1 - cpu0) * 1e3 / max(1, r["requests"])}


def answers(url: str, lookups: list[str]) -> dict:
    """The answers (values only) of the trace query and the first lookups, to check all servers agree."""
    import httpx

    def rows(q):
        r = httpx.get(url, params={"query": q}, headers={"Accept": JSON_RESULTS}, timeout=600)
        r.raise_for_status()
        b = r.json()["results"]["bindings"]
        return sorted(tuple(sorted((k, "_:b" if v["type"] == "bnode" else v["value"]) for k, v in row.items()))
                      for row in b)

    trace = rows(TRACE)
    look = [rows(LOOKUP % iri) for iri in lookups[:20]]
    return {"trace_rows": len(trace), "trace_indicators": sum(int(dict(r)["n"]) for r in trace),
            "trace_sha": hashlib.sha256(json.dumps(trace).encode()).hexdigest()[:16],
            "lookup_rows": sum(map(len, look)), "lookup_sha": hashlib.sha256(json.dumps(look).encode()).hexdigest()[:16]}


# --- orchestration ----------------------------------------------------------------------------------------

def snapshot_home() -> Path:
    """ontology/, data/, shapes/ and docs/template.md copied to bench/out/endpoint/home (PPIKG_HOME), so that
    edits to the checkout during the run cannot make `ppi serve` rebuild the store."""
    home = WORK / "home"
    shutil.rmtree(home, ignore_errors=True)
    for sub in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / sub, home / sub)
    (home / "docs").mkdir()
    shutil.copy2(ROOT / "docs" / "template.md", home / "docs" / "template.md")
    return home


def code_state() -> dict:
    def sh(*cmd):
        try:
            return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except Exception:
            return None

    files = ["service/ppikg/http/sparql.py", "service/ppikg/executor.py", "service/ppikg/graph.py"]
    return {"git_head": sh("git", "rev-parse", "--short", "HEAD"),
            "modified": sh("git", "status", "--short", "--", "service").splitlines() if sh("git", "status", "--short", "--", "service") else [],
            "sha256": {f: hashlib.sha256((ROOT / f).read_bytes()).hexdigest()[:16] if (ROOT / f).exists() else None
                       for f in files}}


def machine() -> dict:
    import importlib.metadata as md
    import platform

    mem = None
    try:
        mem = next(int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    except Exception:
        pass
    versions = {}
    for d in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "fastapi", "uvicorn", "starlette", "httpx"):
        try:
            versions[d] = md.version(d)
        except md.PackageNotFoundError:
            versions[d] = None
    return {"nproc": os.cpu_count(), "mem_mib": mem, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions}


#: Graphs ``ppi export --all`` writes that ppikg's union default graph does not hold: each version's archived
#: triples and inferences (``graph/versiones/x/N``, ``graph/inferred/versiones/x/N``; the records graph
#: ``graph/versiones`` stays). The peers get the export without them, or their union default graph would hold
#: every current triple twice and superseded versions beside the current ones.
ARCHIVE_GRAPHS = ("<https://w3id.org/ppikg/graph/versiones/", "<https://w3id.org/ppikg/graph/inferred/versiones/")


def without_archives(path: Path) -> tuple[int, int]:
    """Drop the quads of :data:`ARCHIVE_GRAPHS` from an N-Quads file, in place: (quads kept, quads dropped)."""
    prefixes = tuple(g.encode() for g in ARCHIVE_GRAPHS)
    kept = dropped = 0
    tmp = path.with_suffix(".tmp")
    with open(path, "rb") as src, open(tmp, "wb") as dst:
        for line in src:
            graph = line.rstrip().removesuffix(b" .").rsplit(b" ", 1)[-1]
            if graph.startswith(prefixes):
                dropped += 1
            else:
                kept += 1
                dst.write(line)
    tmp.replace(path)
    return kept, dropped


def prepare(size: str, a: argparse.Namespace, env: dict) -> dict:
    """Store, export and Oxigraph directory for one dataset (reused with --reuse if already there; a store
    prepared before the version archives were left out of the export is exported and loaded again)."""
    d = WORK / size
    stamp = d / "prepared.json"
    if a.reuse and stamp.exists():
        info = json.loads(stamp.read_text())
        print(f"[{size}] reusing {d}", file=sys.stderr, flush=True)
        if info.get("export_excludes") != list(ARCHIVE_GRAPHS):
            export(info, a, env)
            stamp.write_text(json.dumps(info, indent=2))
        return info
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    info: dict = {"dir": str(d), "store": str(d / "ppikg-store"), "nq": str(d / "export.nq"),
                  "oxigraph": str(d / "oxigraph-store"), "lookups": str(d / "lookups.json")}
    print(f"[{size}] building our store ...", file=sys.stderr, flush=True)
    info["build"] = run_phase("build", {"store": info["store"], "triples": SIZES[size], "seed": a.seed,
                                        "lookups": info["lookups"], "n_lookups": a.n_lookups}, env)
    print(f"[{size}] built: {info['build']}", file=sys.stderr, flush=True)
    export(info, a, env)
    stamp.write_text(json.dumps(info, indent=2))
    return info


def export(info: dict, a: argparse.Namespace, env: dict) -> None:
    """``ppi export --all`` of our store without the version archives, loaded into a fresh Oxigraph directory."""
    t = time.perf_counter()
    subprocess.run([*ppi_cmd(a), "export", "--store", info["store"], "--format", "nq", "--all", "-o", info["nq"]],
                   env=env, check=True, capture_output=True)
    info["export_quads"], info["export_archived_dropped"] = without_archives(Path(info["nq"]))
    info["export_excludes"] = list(ARCHIVE_GRAPHS)
    info["export_s"] = time.perf_counter() - t
    info["export_mb"] = Path(info["nq"]).stat().st_size / 2**20
    t = time.perf_counter()
    shutil.rmtree(info["oxigraph"], ignore_errors=True)
    subprocess.run([str(VENV_BIN / "oxigraph"), "load", "--location", info["oxigraph"], "--file", info["nq"]],
                   check=True, capture_output=True)
    info["oxigraph_load_s"] = time.perf_counter() - t
    print(f"[{Path(info['dir']).name}] exported {info['export_quads']} quads ({info['export_archived_dropped']} "
          f"of version archives left out) in {info['export_s']:.1f} s, oxigraph load {info['oxigraph_load_s']:.1f} s",
          file=sys.stderr, flush=True)


def ppi_cmd(a: argparse.Namespace) -> list[str]:
    return [sys.executable, "-m", "ppikg"]


def make_server(name: str, info: dict, a: argparse.Namespace, env: dict) -> Server:
    port = free_port()
    log = Path(info["dir"]) / f"{name}.log"
    if name == "ppikg":
        cmd = [*ppi_cmd(a), "serve", "--store", info["store"], "--host", "127.0.0.1", "--port", str(port),
               "--processes", str(getattr(a, "ppikg_processes", 1))]
        return Server(name, cmd, f"http://127.0.0.1:{port}/sparql", env, log)
    if name == "rdflib-endpoint":
        cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", "rdflib-serve", "--phase-args",
               json.dumps({"file": info["nq"], "port": port})]
        return Server(name, cmd, f"http://127.0.0.1:{port}/", env, log)
    cmd = [str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", info["oxigraph"],
           "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    return Server(name, cmd, f"http://127.0.0.1:{port}/query", env, log)


def bench_server(name: str, info: dict, a: argparse.Namespace, env: dict) -> dict:
    lookups = json.loads(Path(info["lookups"]).read_text())
    server = make_server(name, info, a, env)
    res: dict = {"server": name, "cmd": server.cmd}
    try:
        res["startup_s"] = server.start(a.startup_timeout)
        res["rss_ready_mb"] = server.rss_mb()
        res["answers"] = answers(server.url, lookups)
        queries = {"lookup": lambda i: LOOKUP % lookups[i % len(lookups)], "trace": lambda i: TRACE,
                   "trace-nc": lambda i: f"{TRACE}\n# request {i}", "ask": lambda i: ASK,
                   "trace-hj": lambda i: f"{TRACE_HASH_JOIN}\n# request {i}"}
        res["cells"] = []
        for qname in a.queries:
            for c in a.concurrency:
                la = os.getloadavg()[0]
                if a.client == "wrk":
                    cell = wrk_cell(server.url, queries[qname], c, a.duration, a.warmup, a.wrk_paths, server,
                                    Path(info["dir"]))
                else:
                    cell = asyncio.run(load_cell(server.url, queries[qname], c, a.duration, a.max_requests,
                                                 a.warmup, a.warmup_requests, server, a.client))
                cell.update(query=qname, loadavg_1m_before=la)
                res["cells"].append(cell)
                print(f"  {name:16} {qname:6} c={c:<3} {cell['rps']:9.1f} req/s  p50 {cell['p50_ms']:8.2f} ms  "
                      f"p99 {cell['p99_ms']:8.2f} ms  n={cell['requests']} err={cell['errors']} "
                      f"srv {cell['server_cpu_ms_per_req']:.2f} ms CPU/req  "
                      f"client {cell.get('client_cpu_ms_per_req', float('nan')):.2f} ms CPU/req "
                      f"load {la:.2f}", file=sys.stderr, flush=True)
        res["rss_end_mb"] = server.rss_mb()
    except Exception as e:  # recorded, and the next server still runs
        res["error"] = f"{type(e).__name__}: {e}"
        print(f"  {name}: ERROR {res['error']}", file=sys.stderr, flush=True)
    finally:
        server.stop()
    return res


def cell_of(r: dict, q: str, c: int) -> dict | None:
    for cell in r.get("cells", []):
        if cell["query"] == q and cell["concurrency"] == c:
            return cell
    return None


def fmt(x: float) -> str:
    if x != x:
        return "—"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def report(result: dict) -> str:
    out = []
    for ds in result["datasets"]:
        info = ds["prepared"]
        out.append(f"#### {ds['size']}: {info['export_quads']:,} quads ({ds['size_note']})\n")
        out.append("| server | query | clients | req/s | p50 (ms) | p99 (ms) | errors | requests | server CPU (ms/req) |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for r in ds["servers"]:
            if "error" in r and not r.get("cells"):
                out.append(f"| {r['server']} | error: {r['error'][:120]} | | | | | | | |")
                continue
            for cell in r["cells"]:
                out.append(f"| {r['server']}{' ('+r['data']+')' if r.get('data') else ''} | {cell['query']} | "
                           f"{cell['concurrency']} | {fmt(cell['rps'])} | {fmt(cell['p50_ms'])} | {fmt(cell['p99_ms'])} | "
                           f"{cell['errors']} | {cell['requests']:,} | {fmt(cell['server_cpu_ms_per_req'])} |")
        out.append("")
        out.append("| server | start-up to first answer (s) | RSS ready / end (MB) | trace answer (proposals, indicators) | answers agree |")
        out.append("|---|---|---|---|---|")
        ref = next((r.get("answers") for r in ds["servers"] if r["server"] == "ppikg" and "answers" in r), None)
        for r in ds["servers"]:
            ans = r.get("answers")
            agree = "—" if not ans or not ref or r.get("data") else (
                "yes" if (ans["trace_sha"], ans["lookup_sha"]) == (ref["trace_sha"], ref["lookup_sha"]) else "**no**")
            out.append(f"| {r['server']} | {fmt(r.get('startup_s', float('nan')))} | "
                       f"{fmt(r.get('rss_ready_mb', float('nan')))} / {fmt(r.get('rss_end_mb', float('nan')))} | "
                       f"{(ans['trace_rows'], ans['trace_indicators']) if ans else '—'} | {agree} |")
        out.append("")
        t = targets(ds)
        if t:
            out.append("| target (16 clients) | measured | met |")
            out.append("|---|---|---|")
            for row in t:
                out.append(f"| {row[0]} | {row[1]} | {row[2]} |")
            out.append("")
        if ds.get("probe"):
            p = ds["probe"]
            out.append("Our store in-process, no HTTP (median / p99 ms): " + "; ".join(
                f"{k} {fmt(v['median_ms'])} / {fmt(v['p99_ms'])}" for k, v in p.items() if isinstance(v, dict)))
            out.append("")
    return "\n".join(out)


def targets(ds: dict) -> list[tuple[str, str, str]]:
    by = {r["server"]: r for r in ds["servers"]}
    ours = by.get("ppikg")
    if not ours or not ours.get("cells"):
        return []
    rows = []

    def ratio(q, other, target, label):
        a, b = cell_of(ours, q, 16), cell_of(by.get(other, {}), q, 16)
        if not a or not b or not b["rps"]:
            return
        x = a["rps"] / b["rps"]
        note = f" (on {by[other]['data']})" if by[other].get("data") else ""
        rows.append((f"{label} ≥ {target:g}× {other}{note}", f"{fmt(a['rps'])} / {fmt(b['rps'])} = **{x:.1f}×**",
                     "yes" if x >= target else "**no**"))

    ratio("trace", "rdflib-endpoint", TARGETS["trace_vs_rdflib"], "traceability")
    ratio("trace", "oxigraph", TARGETS["trace_vs_oxigraph"], "traceability")
    ratio("trace-nc", "rdflib-endpoint", TARGETS["trace_vs_rdflib"], "traceability, unique text")
    ratio("trace-nc", "oxigraph", TARGETS["trace_vs_oxigraph"], "traceability, unique text")
    ratio("lookup", "rdflib-endpoint", TARGETS["lookup_vs_rdflib"], "lookups")
    c = cell_of(ours, "lookup", 16)
    if c:
        rows.append((f"lookup p99 < {TARGETS['lookup_p99_ms']:g} ms", f"{fmt(c['p99_ms'])} ms",
                     "yes" if c["p99_ms"] < TARGETS["lookup_p99_ms"] else "**no**"))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark ppi serve against rdflib-endpoint and Oxigraph's server.")
    ap.add_argument("--sizes", default="shipped,1m", help="comma list of " + ",".join(SIZES))
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--queries", default="lookup,trace,ask")
    ap.add_argument("--concurrency", default="1,16")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per cell (after the warm-up)")
    ap.add_argument("--max-requests", type=int, default=50_000, help="requests per cell, whichever comes first")
    ap.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per cell")
    ap.add_argument("--warmup-requests", type=int, default=200, help="warm-up requests per cell, whichever first")
    ap.add_argument("--rdflib-size", default=None,
                    help="serve rdflib-endpoint this dataset instead when the run's size is 1m (e.g. 100k)")
    ap.add_argument("--client", choices=["wrk", "raw", "httpx"], default="wrk",
                    help="load generator: wrk (default; Debian package wrk), a minimal asyncio HTTP/1.1 client "
                         "in this process, or httpx.AsyncClient")
    ap.add_argument("--wrk-paths", type=int, default=60_000,
                    help="distinct request paths written for wrk per run (it cycles through them)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--n-lookups", type=int, default=5000)
    ap.add_argument("--startup-timeout", type=float, default=900.0)
    ap.add_argument("--reuse", action="store_true", help="reuse prepared stores/exports in bench/out/endpoint")
    ap.add_argument("--json", type=Path, default=OUT / "bench_endpoint.json")
    ap.add_argument("--phase", choices=[*PHASES, "rdflib-serve"], help=argparse.SUPPRESS)
    ap.add_argument("--phase-args", help=argparse.SUPPRESS)
    ap.add_argument("--phase-out", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.phase == "rdflib-serve":
        phase_rdflib_serve(json.loads(a.phase_args))
        return 0
    if a.phase:
        Path(a.phase_out).write_text(json.dumps(PHASES[a.phase](json.loads(a.phase_args)), default=str))
        return 0
    a.queries = a.queries.split(",")
    a.concurrency = [int(c) for c in a.concurrency.split(",")]
    servers = a.servers.split(",")
    WORK.mkdir(parents=True, exist_ok=True)
    home = WORK / "home" if a.reuse and (WORK / "home").exists() else snapshot_home()
    env = dict(os.environ, PPIKG_HOME=str(home))
    result: dict = {"args": {k: v for k, v in vars(a).items() if not k.startswith("phase")}, "machine": machine(),
                    "code": code_state(), "loadavg_start": os.getloadavg(), "datasets": []}
    result["args"]["json"] = str(a.json)
    print(f"code: {result['code']}", file=sys.stderr, flush=True)

    def stop(signum, frame):  # turn SIGTERM into an exception so that every `finally` stops its server
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    for size in a.sizes.split(","):
        info = prepare(size, a, env)
        ds = {"size": size, "prepared": info, "servers": [],
              "size_note": "shipped + example proposal" if not SIZES[size] else
              f"shipped + example + {SIZES[size]:,} synthetic triples, inferences materialised"}
        ds["probe"] = run_phase("probe", {"store": info["store"], "lookups": info["lookups"]}, env)
        print(f"[{size}] in-process: {ds['probe']}", file=sys.stderr, flush=True)
        for name in servers:
            sinfo = info
            if name == "rdflib-endpoint" and a.rdflib_size and size == "1m":
                sinfo = prepare(a.rdflib_size, a, env)
            r = bench_server(name, sinfo, a, env)
            if sinfo is not info:
                r["data"] = a.rdflib_size
            ds["servers"].append(r)
        result["datasets"].append(ds)
        a.json.write_text(json.dumps(result, indent=2, default=str))
    result["loadavg_end"] = os.getloadavg()
    a.json.write_text(json.dumps(result, indent=2, default=str))
    print(f"Endpoints, same machine ({result['machine']['nproc']} cores), load average at start "
          f"{result['loadavg_start'][0]:.2f}, at end {result['loadavg_end'][0]:.2f}\n")
    print(report(result))
    print(f"(JSON: {a.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
