"""`ppi serve --processes 2`: a look-up process beside the primary on the same port answers look-ups over the
latest committed state, forwards everything else to the primary unchanged, and stops with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

TOKEN = "tok-processes"
LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/ppikg/competencias/c1> ?p ?o }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh(url: str, method: str = "GET", **kwargs) -> httpx.Response:
    """One request on a connection of its own: the kernel picks the process that takes it."""
    with httpx.Client(timeout=30) as client:
        return client.request(method, url, **kwargs)


def listening(proc: psutil.Process) -> set[int]:
    try:
        return {c.laddr.port for c in proc.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN}
    except psutil.NoSuchProcess:
        return set()


class Served:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"

    def lookup_processes(self) -> list[psutil.Process]:
        """The primary's children listening on the public port (its query workers listen on nothing)."""
        return [c for c in psutil.Process(self.proc.pid).children() if self.port in listening(c)]

    def inner_port(self) -> int:
        [port] = listening(psutil.Process(self.proc.pid)) - {self.port}
        return port


def serve(store: Path, tmp_path: Path, *extra: str) -> Served:
    port = free_port()
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "ppikg", "serve", "--store", str(store), "--port", str(port),
                             "--processes", "2", "--update", *extra], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PPIKG_TOKEN": TOKEN})
    served = Served(proc, port, log)
    deadline = time.monotonic() + 90
    while not (_up(served.url) and served.lookup_processes()):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    return served


def _up(url: str) -> bool:
    try:
        fresh(url + "/health")
        return True
    except httpx.HTTPError:
        return False


def stop(served: Served) -> None:
    """Stop the server as a service manager does (SIGTERM); its look-up processes end with it."""
    if served.proc.poll() is None:
        lookups = served.lookup_processes()
        served.proc.terminate()
        served.proc.wait(timeout=30)
        alive = psutil.wait_procs(lookups, timeout=15)[1]
        assert not alive, "a look-up process outlived the server it served (SIGTERM)"


@pytest.fixture(scope="module")
def served(shipped_store, tmp_path_factory):
    """One server for the tests that only ask it (a test that kills its look-up process leaves a new one)."""
    root = tmp_path_factory.mktemp("processes")
    s = serve(shipped_store(root / "store"), root, "--body-timeout", "1")
    yield s
    stop(s)


def test_the_lookup_process_answers_lookups_over_the_latest_committed_state(served):
    [lookups] = served.lookup_processes()
    before = lookups.cpu_times()
    for k in range(60):
        r = fresh(served.url + "/sparql", params={"query": LOOKUP + f" LIMIT {1000 + k}"},
                  headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200 and r.json()["results"]["bindings"], r.text
    after = lookups.cpu_times()
    assert (after.user + after.system) - (before.user + before.system) > 0.02  # it answered some of them
    # A write the primary acknowledged is seen by the next look-up, whichever process takes it.
    for i in range(8):
        update = f'INSERT DATA {{ GRAPH <urn:x:procesos> {{ <urn:x:t{i}> <urn:x:p> "v{i}" }} }}'
        assert fresh(served.url + "/sparql", "POST", data={"update": update},
                     headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 204
        for _ in range(6):
            r = fresh(served.url + "/sparql", params={"query": f"SELECT ?o WHERE {{ <urn:x:t{i}> <urn:x:p> ?o }}"},
                      headers={"Accept": "application/sparql-results+json"})
            assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == [f"v{i}"]


def test_everything_else_is_the_primarys_answer_whichever_process_takes_it(served):
    for _ in range(10):
        page = fresh(served.url + "/", headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        bad = fresh(served.url + "/sparql", params={"query": "SELEC"})
        assert bad.status_code == 400 and bad.json()["code"] == "bad-input" and "sintaxis" in bad.json()["error"]
        english = fresh(served.url + "/sparql", params={"query": "SELEC", "lang": "en"})
        assert "syntax" in english.json()["error"]
        posted = fresh(served.url + "/sparql", "POST", data={"query": LOOKUP},
                       headers={"Accept": "application/sparql-results+json"})
        assert posted.status_code == 200 and posted.json()["results"]["bindings"]
        head = fresh(served.url + "/sparql", "HEAD", params={"query": LOOKUP})
        assert head.status_code == 200 and head.content == b""
        refused = fresh(served.url + "/sparql", "POST", data={"update": "CLEAR ALL"})
        assert refused.status_code == 401 and refused.headers.get("www-authenticate")
        missing = fresh(served.url + "/no-such-page", headers={"Accept": "application/json"})
        assert missing.status_code == 404 and missing.json()["code"] == "not-found"
        # The service description names the address the client reached, not the primary's loopback port.
        described = fresh(served.url + "/sparql", headers={"Accept": "text/turtle"}).text
        assert f"127.0.0.1:{served.port}/sparql" in described and str(served.inner_port()) not in described


def test_a_forged_hop_header_changes_nothing(served):
    forged = {"x-ppikg-hop": "guessed 203.0.113.9 1 https evil.example 443", "Accept": "text/turtle"}
    for url in (served.url, f"http://127.0.0.1:{served.inner_port()}"):  # the public port, and the primary's own
        for _ in range(4):
            described = fresh(url + "/sparql", headers=forged).text
            assert "evil.example" not in described and "https:" not in described.split("sd:endpoint")[1][:80]


def test_the_lookup_process_stops_with_the_primary_even_when_it_is_killed(shipped_store, tmp_path):
    s = serve(shipped_store(tmp_path / "store"), tmp_path)
    [lookups] = s.lookup_processes()
    os.kill(s.proc.pid, signal.SIGKILL)  # no chance to stop its children: they must notice
    s.proc.wait(timeout=30)
    gone = psutil.wait_procs([lookups], timeout=15)[0]
    assert gone, "the look-up process outlived the primary killed with SIGKILL"


def test_a_lookup_process_that_dies_is_started_again(served):
    [lookups] = served.lookup_processes()
    lookups.kill()
    deadline = time.monotonic() + 30
    while not [p for p in served.lookup_processes() if p.pid != lookups.pid]:
        assert time.monotonic() < deadline, "no look-up process came back"
        time.sleep(0.2)
    for _ in range(10):  # and meanwhile, and after, every connection is answered
        assert fresh(served.url + "/sparql", params={"query": LOOKUP}).status_code == 200


def test_several_processes_need_a_store_on_disk():
    done = subprocess.run([sys.executable, "-m", "ppikg", "serve", "--memory", "--processes", "2", "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "necesita un almacén en disco" in done.stderr, done.stderr


def test_a_body_past_the_limits_is_refused_as_the_primary_refuses_it(served):
    for _ in range(4):  # declared too large: 413 at once, whichever process takes it
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as c:
            c.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                      b"Content-Length: 30000000\r\n\r\nSELECT")
            head = c.recv(4096).decode("latin-1")
        assert head.startswith("HTTP/1.1 413"), head
    for _ in range(4):  # a body that stops arriving: 408 after --body-timeout (1 s here)
        with socket.create_connection(("127.0.0.1", served.port), timeout=20) as c:
            c.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                      b"Content-Length: 100\r\n\r\nSELECT")
            started = time.monotonic()
            head = c.recv(4096).decode("latin-1")
        assert head.startswith("HTTP/1.1 408") and time.monotonic() - started < 10, head
