"""Browser tests: Debian's chromium driven by Playwright against a real uvicorn server on 127.0.0.1.

The server runs in this process (a thread) over a store built in a temporary folder from the shipped data,
with the example proposal so that browsing and coverage have a proposal to show. Chromium is launched with
the network closed: every request that is not to 127.0.0.1 goes to a proxy on a closed port and fails, and
each test's requests are recorded and checked to be local. Nothing is installed or downloaded here:
``make test`` installs chromium (apt) and playwright (pip, the ``test`` extra). The fixtures (``base_url``,
``browser``, ``page``) are in tests/conftest.py, so that the regressions of the pages share the one server and
the one browser.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_TTL = ROOT / "data" / "examples" / "propuesta-ejemplo-dgb.ttl"
EXAMPLE_XLSX = ROOT / "data" / "templates" / "propuesta-ejemplo-dgb.xlsx"
CHROMIUM = os.environ.get("PPIKG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 # The network closed: anything not to loopback goes to a proxy nobody listens on.
                 "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>;127.0.0.1"]
LOCAL_HOSTS = {"127.0.0.1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store_dir: Path, with_example: bool = True):
    """A uvicorn server on 127.0.0.1 (random free port) in a thread; returns (base URL, stop function)."""
    kg = KnowledgeGraph(store_dir)
    kg.load_shipped()
    if with_example and not bool(kg.query("ASK { <https://w3id.org/ppikg/propuestas/ejemplo-dgb> a ppi:Proposal }")):
        kg.add_graph("propuestas/ejemplo-dgb", EXAMPLE_TTL)  # (newer stores load the shipped examples themselves)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(kg), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        kg.close()

    return f"http://127.0.0.1:{port}", stop


def launch(playwright):
    """Debian's chromium (never a downloaded browser) with the network closed."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs it (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def needs(base_url: str, path: str) -> None:
    """Skip the calling test if the endpoint ``path`` (built by another part of the project) is not there yet."""
    code = status_of(base_url + path)
    if code in (404, 405):
        pytest.skip(f"{path} answers {code}: the endpoint does not exist yet")


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS
