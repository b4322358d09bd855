"""Soak: a real `ppi serve` under a bounded mixed load with hostile requests in the mix, measured with wrk.

Three wrk processes run side by side against one server (updates on, with a token) for ``--duration`` s:

* **legitimate** (``--clients`` connections): look-ups, fresh traceability queries, canned queries and REST
  answers, linked-data pages, `/validate` uploads of the example workbook, an export, authenticated Graph
  Store writes of a small graph — every answer must be 2xx;
* **hostile** (4 connections): a 256 K-token dotted query, 10,000 nested braces, a text over the size limit,
  a cartesian ORDER BY (stopped at the memory limit or the timeout), a workbook that expands too far, a
  billion-laughs RDF/XML write — every answer must be a 4xx or 5xx error, never a dropped connection;
* **health** (1 connection): `GET /health`, whose p99 is the figure that says whether anyone was stalled.

Before the load, 8 concurrent `/validate` uploads are sent the moment the fresh server answers.

The server's resident memory (its process and workers) is sampled every second. After the load, 20 writes
each followed by a read check that every write is visible to the next read. The store is a copy (hard links)
of the one given, so the run changes nothing of it.

Usage::

    python bench/soak.py --store bench/out/endpoint/1m/ppikg-store --duration 60 --clients 16

Writes ``bench/out/soak.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_endpoint import LOOKUP, TRACE, Server, free_port  # noqa: E402

OUT = HERE / "out"
TOKEN = "soak-token"
EXAMPLE_PROPOSAL = "https://w3id.org/ppikg/propuestas/ejemplo-dgb"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: wrk's Lua side: each line of the plan file is "METHOD<TAB>PATH<TAB>CONTENT-TYPE<TAB>BODY-FILE<TAB>AUTH"
#: (empty fields allowed); the requests cycle through the plan, bodies read once at start.
SCRIPT = r"""
local plan, n = {}, 0
function init(args)
  for line in io.lines("%(plan)s") do
    local m, p, ct, bf, auth = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
    local body = nil
    if bf ~= "" then local f = io.open(bf, "rb"); body = f:read("*a"); f:close() end
    local h = {}
    if ct ~= "" then h["Content-Type"] = ct end
    if auth ~= "" then h["Authorization"] = "Bearer " .. auth end
    plan[#plan + 1] = {m, p, h, body}
  end
end
statuses = {}
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end
function request()
  n = n + 1
  local r = plan[(n %% #plan) + 1]
  return wrk.format(r[1], r[2], r[3], r[4])
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local e = summary.errors
  local counts, total = {}, {}
  for _, thread in ipairs(threads) do  -- each thread counted in its own Lua state
    for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
  end
  for status, count in pairs(total) do counts[#counts + 1] = string.format('"%%d":%%d', status, count) end
  io.write(string.format('WRKJSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d,"statuses":{%%s}}\n', summary.requests,
    summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50),
    latency:percentile(99), latency.max, table.concat(counts, ",")))
end
"""


def write_plan(path: Path, rows: list[tuple[str, str, str, bytes | None, str]], work: Path) -> None:
    lines = []
    for i, (method, target, ctype, body, auth) in enumerate(rows):
        body_file = ""
        if body is not None:
            body_file = str(work / f"{path.stem}-{i}.body")
            Path(body_file).write_bytes(body)
        lines.append("\t".join([method, target, ctype, body_file, auth]))
    path.write_text("\n".join(lines) + "\n")


def q(text: str) -> str:
    return "/sparql?query=" + quote(text, safe="")


def plans(lookups: list[str], example: bytes) -> dict[str, list]:
    legit: list = []
    for i in range(400):
        legit.append(("GET", q(LOOKUP % lookups[i % len(lookups)]), "", None, ""))
        if i % 10 == 0:
            legit.append(("GET", q(f"{TRACE}\n# soak {i}"), "", None, ""))
            legit.append(("GET", "/api/gaps?proposal=" + quote(EXAMPLE_PROPOSAL, safe=""), "", None, ""))
            legit.append(("GET", "/queries/coverage?format=json", "", None, ""))
            legit.append(("GET", "/competencias/c1", "", None, ""))
        if i % 40 == 0:
            legit.append(("POST", "/validate", XLSX, example, ""))
            legit.append(("GET", "/export?format=nt&graph=https://w3id.org/ppikg/graph/aspectos", "", None, ""))
            legit.append(("PUT", f"/rdf-graphs/service?graph=urn:soak:g{i}", "text/turtle",
                          f"<urn:soak:s> <urn:soak:p> {i} .".encode(), TOKEN))
    laughs = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
              + ']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>').encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(example)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, b"<c/>" * (20 * 2**20) if info.filename.endswith("sheet2.xml")
                         else src.read(info.filename))
    hostile = [
        ("POST", "/sparql", "application/sparql-query", ("SELECT * { ?s ?p ?o } LIMIT 1 " + "a." * 2**17).encode(), ""),
        ("POST", "/sparql", "application/sparql-query", ("ASK " + "{" * 10_000 + "}" * 10_000).encode(), ""),
        ("POST", "/sparql", "application/sparql-query", b"ASK {} #" + b"x" * (2 * 2**20), ""),
        ("GET", q("SELECT ?a ?b WHERE { ?a ?p ?o . ?b ?q ?r } ORDER BY ?o ?r LIMIT 1"), "", None, ""),
        ("POST", "/validate", XLSX, out.getvalue(), ""),
        ("PUT", "/rdf-graphs/service?graph=urn:soak:laughs", "application/rdf+xml", laughs, TOKEN),
    ]
    return {"legit": legit, "hostile": hostile, "health": [("GET", "/health", "", None, "")]}


def run_wrk(name: str, url: str, plan: Path, clients: int, duration: float, work: Path) -> subprocess.Popen:
    script = work / f"{name}.lua"
    script.write_text(SCRIPT % {"plan": plan})
    return subprocess.Popen(["wrk", "-t1", f"-c{clients}", f"-d{int(duration)}s", "--timeout", "60s", "-s",
                             str(script), url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def summary(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=600)
    line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out[-400:]} {err[-400:]}")
    return json.loads(line[len("WRKJSON "):])


def first_burst(base: str, example: bytes, uploads: int = 8) -> list[int]:
    """The statuses of ``uploads`` concurrent `/validate` uploads sent as soon as the server answers (a fresh
    server once broke under such a burst)."""
    import httpx

    statuses: list[int] = []

    def upload() -> None:
        r = httpx.post(base + "/validate", content=example, headers={"Content-Type": XLSX}, timeout=300)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=upload) for _ in range(uploads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(320)
    return statuses


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, required=True, help="a ppikg store (copied by hard links first)")
    ap.add_argument("--lookups", type=Path, help="JSON list of indicator IRIs (default: lookups.json beside the store)")
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--hostile", type=int, default=4, help="connections sending hostile requests (0: none, the baseline)")
    ap.add_argument("--json", type=Path, default=OUT / "soak.json")
    a = ap.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    from ppikg.config import Project
    from ppikg.store.embedded import clone_store

    work = OUT / "soak"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store = clone_store(a.store, work / "store")
    lookups = json.loads((a.lookups or a.store.parent / "lookups.json").read_text())
    example = (Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx").read_bytes()
    port = free_port()
    server = Server("ppikg", [sys.executable, "-m", "ppikg", "serve", "--store", str(store), "--port", str(port),
                              "--update", "--token", TOKEN], f"http://127.0.0.1:{port}/sparql", None, work / "server.log")
    result: dict = {"args": {k: str(v) for k, v in vars(a).items()}}
    try:
        result["startup_s"] = server.start(900)
        base = f"http://127.0.0.1:{port}"
        files = {}
        for name, rows in plans(lookups, example).items():
            files[name] = work / f"{name}.plan"
            write_plan(files[name], rows, work)
        result["first_burst"] = first_burst(base, example)
        rss, stop = [], threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss.append(server.rss_mb())
                stop.wait(1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        procs = {"legit": run_wrk("legit", base, files["legit"], a.clients, a.duration, work),
                 "health": run_wrk("health", base, files["health"], 1, a.duration, work)}
        if a.hostile:
            procs["hostile"] = run_wrk("hostile", base, files["hostile"], a.hostile, a.duration, work)
        result["wrk"] = {name: summary(p) for name, p in procs.items()}
        stop.set()
        sampler.join()
        result["rss_mb"] = {"start": rss[0] if rss else None, "max": max(rss) if rss else None,
                            "end": rss[-1] if rss else None}
        import httpx

        seen = 0
        for i in range(20):
            body = f"<urn:soak:after> <urn:soak:n> {i} .".encode()
            httpx.put(base + "/rdf-graphs/service", params={"graph": "urn:soak:after"}, content=body, timeout=60,
                      headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"}).raise_for_status()
            r = httpx.get(base + "/sparql", params={"query": "SELECT ?n { GRAPH <urn:soak:after> { ?s ?p ?n } }"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
            seen += [b["n"]["value"] for b in r.json()["results"]["bindings"]] == [str(i)]
        result["writes_visible"] = f"{seen}/20"
    finally:
        server.stop()
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(result, indent=2))
    w = result["wrk"]
    print(f"First burst of {len(result['first_burst'])} uploads: statuses {sorted(result['first_burst'])}\n")
    print("| load | requests | errors (socket / status ≥ 400) | statuses | p50 (ms) | p99 (ms) | max (ms) |")
    print("|---|---|---|---|---|---|---|")
    for name in [n for n in ("legit", "hostile", "health") if n in w]:
        s = w[name]
        sock = s["connect"] + s["read"] + s["write"] + s["timeout"]
        statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(s["statuses"].items()))
        print(f"| {name} | {s['requests']:,} | {sock} / {s['status']} | {statuses} | {s['p50_us'] / 1e3:.1f} | "
              f"{s['p99_us'] / 1e3:.1f} | {s['max_us'] / 1e3:.1f} |")
    print(f"\nRSS (MB) start / max / end: {result['rss_mb']['start']:.0f} / {result['rss_mb']['max']:.0f} / "
          f"{result['rss_mb']['end']:.0f}; writes visible to the next read: {result['writes_visible']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
