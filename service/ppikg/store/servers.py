"""SPARQL 1.1 servers started on 127.0.0.1 (random free ports) for the tests and benchmarks of the remote store.

Two servers, each in a temporary folder and stopped at the end: Oxigraph's own server (``oxigraph serve``, from
the ``oxigraph`` package, with ``--union-default-graph`` so that a query's default graph is the union of all
graphs, as the embedded store has it) and Virtuoso Open Source 7 (``virtuoso-t``, Debian's
``virtuoso-opensource-7-bin``), whose default graph is that union already; its updates go through
``/sparql-auth`` with digest authentication (``dba``/``dba``, its initial account).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Server:
    """A running SPARQL server: what ``--store-endpoint``, ``--store-update``, ``--store-gsp`` and the credentials
    take to reach it."""

    name: str
    endpoint: str
    update: str
    gsp: str | None
    user: str | None = None
    password: str | None = None

    def cli_args(self) -> list[str]:
        """The ``ppi`` options naming this server (the password goes by $PPIKG_STORE_PASSWORD, never here)."""
        args = ["--store-endpoint", self.endpoint, "--store-update", self.update]
        if self.gsp:
            args += ["--store-gsp", self.gsp]
        if self.user:
            args += ["--store-user", self.user]
        return args

    def env(self) -> dict[str, str]:
        """The environment a ``ppi`` process needs beside :meth:`cli_args` (the password)."""
        return {**os.environ, **({"PPIKG_STORE_PASSWORD": self.password} if self.password else {})}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped (status {proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server at {url} did not answer within {timeout} s: {log.read_text(errors='replace')[-2000:]}")


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Stop ``proc``: SIGTERM, then SIGKILL past ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def oxigraph_command() -> str:
    """The ``oxigraph`` command beside this Python (the ``oxigraph`` package), else on the PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("no `oxigraph` command: pip install oxigraph==0.5.13")
    return found


@contextmanager
def oxigraph_server(folder: Path | None = None) -> Iterator[Server]:
    """Oxigraph's server on a store in ``folder`` (a temporary one by default)."""
    with tempfile.TemporaryDirectory(prefix="ppikg-oxigraph-") as tmp:
        location = folder or Path(tmp) / "store"
        port = free_port()
        log = Path(tmp) / "log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([oxigraph_command(), "serve", "--location", str(location), "--bind",
                                     f"127.0.0.1:{port}", "--union-default-graph"], stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{base}/query", proc, log, 30)
            yield Server("oxigraph", f"{base}/query", f"{base}/update", f"{base}/store")
        finally:
            stop(proc)


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ServerThreads = 10
DirsAllowed = ., {db}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {db}
ServerThreads = 10
MaxClientConnections = 20
KeepAliveTimeout = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 60
DefaultQuery = ASK {{}}
"""


def virtuoso_command() -> str:
    found = shutil.which("virtuoso-t")
    if found is None:
        raise RuntimeError("no `virtuoso-t` command: apt-get install -y virtuoso-opensource-7-bin")
    return found


@contextmanager
def virtuoso_server() -> Iterator[Server]:
    """Virtuoso Open Source 7 in the foreground on a fresh database in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="ppikg-virtuoso-") as tmp:
        http, sql = free_port(), free_port()
        ini = Path(tmp) / "virtuoso.ini"
        ini.write_text(_VIRTUOSO_INI.format(db=tmp, http=http, sql=sql), encoding="utf-8")
        log = Path(tmp) / "out.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([virtuoso_command(), "-f", "-c", str(ini)], cwd=tmp, stdout=out,
                                    stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{http}"
        try:
            _wait(f"{base}/sparql", proc, log, 60)
            yield Server("virtuoso", f"{base}/sparql", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                         "dba", "dba")
        finally:
            stop(proc)
