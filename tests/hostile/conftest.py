"""A real `ppi serve` process (updates on, with a token) for hostile requests, and a probe that asks `/health`
while each one runs: the server must keep answering, stay within its memory, and refuse with a clear error."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest

from ppikg.http.testing import serving_process

TOKEN = "hostile-token"
#: What one query worker may hold (``ppi serve --query-memory``), and the whole server (its process and the
#: workers) while hostile requests run.
QUERY_MEMORY_MB = 400
#: How long a request body may pause (``ppi serve --body-timeout``).
BODY_TIMEOUT_S = 3
#: How long a Graph Store write may take to parse and infer (``ppi serve --write-timeout``).
WRITE_TIMEOUT_S = 8
RSS_LIMIT_MB = 2048
#: The slowest `/health` allowed while a hostile request runs (it answers in milliseconds on an idle machine;
#: the workers run niced below the server, so busy workers do not delay it; the bound allows for the other
#: test process on the same two cores). Before the hostile inputs were bounded, it waited 6 s to minutes, or
#: never answered.
HEALTH_S = 2.0


@dataclass
class Served:
    url: str
    process: psutil.Process
    health_ms: list[float] = field(default_factory=list)

    def rss_mb(self) -> float:
        total = 0
        for p in [self.process, *self.process.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total / 2**20

    def while_probing(self, request: Callable[[], httpx.Response]) -> tuple[httpx.Response, float, float]:
        """Send ``request`` while `/health` is asked every 50 ms; its answer, the slowest `/health` (s) and the
        most memory seen (MB)."""
        done = threading.Event()
        slowest, peak = [0.0], [self.rss_mb()]

        def probe() -> None:
            with httpx.Client(base_url=self.url, timeout=10) as c:
                while not done.is_set():
                    t = time.perf_counter()
                    assert c.get("/health").status_code == 200
                    slowest[0] = max(slowest[0], time.perf_counter() - t)
                    peak[0] = max(peak[0], self.rss_mb())
                    done.wait(0.05)

        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        try:
            response = request()
        finally:
            done.set()
            thread.join(15)
        return response, slowest[0], peak[0]


@pytest.fixture(scope="package")
def served(shipped_store, tmp_path_factory):
    store = shipped_store(tmp_path_factory.mktemp("hostile") / "store")
    # The timeout leaves the queries meant to reach the memory limit time to get there (~8 s alone) when the
    # suite runs two test processes on two cores.
    with serving_process(str(store), "--update", "--token", TOKEN, "--timeout", "20",
                          "--query-memory", str(QUERY_MEMORY_MB), "--write-timeout", str(WRITE_TIMEOUT_S),
                         "--body-timeout", str(BODY_TIMEOUT_S)) as (url, proc):
        yield Served(url, psutil.Process(proc.pid))


def assert_refused(response: httpx.Response, status: int, words: str) -> None:
    """A clear error: the status, the one JSON error body, and a message that says what was wrong."""
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"error", "status", "code"} and body["status"] == status, body
    assert words in body["error"], body


def assert_validate_refuses(path: Path, words: str) -> None:
    """`ppi validate PATH` refuses the file with one line on stderr naming what was wrong, and exit code 2."""
    done = subprocess.run([sys.executable, "-m", "ppikg", "validate", str(path), "--lang", "en"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2, (done.returncode, done.stderr[-800:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], lines[:5]


def assert_unharmed(slowest: float, peak: float) -> None:
    """The server kept answering `/health` and stayed within its memory while the hostile request ran."""
    assert slowest < HEALTH_S, f"/health took {slowest:.2f} s"
    assert peak < RSS_LIMIT_MB, f"the server reached {peak:.0f} MB"
