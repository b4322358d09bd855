"""Serve an app for real on 127.0.0.1 (random free port) in a thread: for tests and real HTTP clients."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    import subprocess


@contextmanager
def serving(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` with uvicorn on ``host`` and a free port; yields its base URL (no trailing slash)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    from .wire import BoundedHttpToolsProtocol

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", http=BoundedHttpToolsProtocol))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="ppikg-test-server")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def serving_process(store: str, *args: str, timeout: float = 120,
                    env: dict[str, str] | None = None) -> Iterator[tuple[str, "subprocess.Popen"]]:
    """Run ``ppi serve --store STORE ARGS`` in a process of its own on a free port (so that a crash of the
    server cannot take the caller with it); yields its base URL and the process, stops it at the end."""
    import subprocess
    import sys
    import tempfile
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Its output goes to a file, not a pipe nobody reads: a server that logs more than a pipe holds (64 KB of
    # refused requests) would block on its next line.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "ppikg", "serve", "--port", str(port), "--store", str(store), *args],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None:
                    log.seek(0)
                    err = log.read()
                    raise RuntimeError(f"ppi serve exited: {err.decode()[-2000:]}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("ppi serve did not start") from None
                time.sleep(0.3)
        yield url, proc
    finally:
        from ..store.servers import stop

        stop(proc, timeout=20)
        log.close()
