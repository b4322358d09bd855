"""The floor of a look-up over HTTP in Python: uvicorn as ``ppi serve`` runs it, answering every request with a
fixed body and doing nothing else, under the same wrk cells as bench_catalogue.py.

No look-up answered by ``ppi serve`` can be faster than this: what it measures is uvicorn, uvloop and httptools
receiving a request and sending an answer, and wrk on the same 2 cores. Compared with the look-ups' cells of
the catalogue (docs/benchmarks.md), it says how much of a look-up's time is the web server and how much is
ppikg's lane and the engine.

Usage::

    python bench/bench_floor.py                      # 1 and 16 clients, a 3 KB answer (a look-up's size)
    python bench/bench_floor.py --body 600 --concurrency 1,4,16
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "service"))

import bench_endpoint as be  # noqa: E402

#: The app: one fixed SPARQL JSON answer of ``--body`` bytes for every request (the server reads its size from
#: the environment), in a module of its own so that uvicorn's process imports nothing of ppikg's but its wire.
APP = '''
import os
BODY = b'{"head":{"vars":["x"]},"results":{"bindings":[' + b" " * int(os.environ["FLOOR_BODY"]) + b"]}}"
HEADERS = [(b"content-type", b"application/sparql-results+json"), (b"content-length", str(len(BODY)).encode()),
           (b"vary", b"Accept")]

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
'''

#: uvicorn as ``ppi serve`` configures it (cli.py): warnings only, ppikg's bounded httptools protocol, uvloop.
RUN = '''
import sys, uvicorn
sys.path[:0] = [{work!r}, {service!r}]
from ppikg.http.wire import BoundedHttpToolsProtocol
uvicorn.Server(uvicorn.Config("floor_app:app", host="127.0.0.1", port={port}, log_level="warning",
                              http=BoundedHttpToolsProtocol)).run()
'''


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="uvicorn answering a fixed body: the floor of a look-up in Python.")
    ap.add_argument("--concurrency", default="1,16")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--body", type=int, default=3000, help="bytes of answer (a look-up of ~20 rows: ~3 KB)")
    ap.add_argument("--json", type=Path, default=be.OUT / "bench_floor.json")
    a = ap.parse_args(argv)
    work = be.WORK / "floor"
    work.mkdir(parents=True, exist_ok=True)
    (work / "floor_app.py").write_text(APP)
    port = be.free_port()
    code = RUN.format(work=str(work), service=str(HERE.parent / "service"), port=port)
    env = dict(os.environ, FLOOR_BODY=str(a.body))
    server = be.Server("uvicorn-floor", [sys.executable, "-c", code], f"http://127.0.0.1:{port}/sparql", env,
                       work / "server.log")
    cells = []
    try:
        server.start(timeout=60)
        for c in (int(x) for x in a.concurrency.split(",")):
            cell = be.wrk_cell(server.url, lambda i: f"SELECT ?x WHERE {{ <urn:x:{i}> ?p ?x }}", c, a.duration,
                               a.warmup, 5000, server, work)
            cells.append(cell)
            print(f"| {c} | {cell['rps']:,.0f} | {cell['p50_ms']:.2f} | {cell['p99_ms']:.2f} | {cell['errors']} | "
                  f"{cell['server_cpu_ms_per_req']:.3f} |")
    finally:
        server.stop()
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"machine": be.machine(), "body_bytes": a.body, "cells": cells}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
