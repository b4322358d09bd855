"""`ppi import --load` while a server holds the store: refused with the exact command to use instead, and
`ppi import --server URL --token T` loads through the server (the file uploaded to POST /propuestas),
inferences included, recorded as a version with the file's name and SHA-256."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import httpx

from ppikg.config import Project
from ppikg.http.testing import serving_process

TOKEN = "cli-load"
EXAMPLE = Project.default().examples_dir / "propuesta-ejemplo-dgb.ttl"
GRAPH = "https://w3id.org/ppikg/graph/propuestas/por-servidor"


def ppi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppikg", *args], capture_output=True, text=True, timeout=300)


def test_load_while_serving_says_how_and_loads_through_the_server(shipped_store, tmp_path):
    store = shipped_store(tmp_path / "store")
    source = tmp_path / "por-servidor.ttl"
    source.write_text(EXAMPLE.read_text(encoding="utf-8").replace("ejemplo-dgb", "por-servidor"), encoding="utf-8")
    with serving_process(str(store), "--update", "--token", TOKEN) as (url, _proc):
        refused = ppi("import", str(source), "--load", "--store", str(store))
        assert refused.returncode == 2, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert "--server http://127.0.0.1:8000 --token TOKEN" in lines[-1], lines
        wrong = ppi("import", str(source), "--server", url, "--token", "not-it")
        assert wrong.returncode == 2 and "rechazó la propuesta (401)" in wrong.stderr, wrong.stderr
        done = ppi("import", str(source), "--server", url, "--token", TOKEN)
        assert done.returncode == 0, done.stderr
        assert f"{GRAPH} as version 1" in done.stderr
        again = ppi("import", str(source), "--server", url, "--token", TOKEN)
        assert again.returncode == 0 and "as version 1 (unchanged)" in again.stderr, again.stderr
        history = httpx.get(url + "/propuestas/por-servidor/versiones", params={"format": "json"}, timeout=60).json()
        # The server saw the file itself: its name and SHA-256 are recorded with the version.
        assert [(v["file_name"], v["sha256"]) for v in history] == [
            ("por-servidor.ttl", hashlib.sha256(source.read_bytes()).hexdigest())]
        gaps = httpx.get(url + "/api/gaps", params={"proposal": "https://w3id.org/ppikg/propuestas/por-servidor"},
                         timeout=60)
        example = httpx.get(url + "/api/gaps", params={"proposal": "https://w3id.org/ppikg/propuestas/ejemplo-dgb"},
                            timeout=60)
        assert gaps.status_code == 200
        assert gaps.text.replace("por-servidor", "x") == example.text.replace("ejemplo-dgb", "x")  # inferred alike
    nobody = ppi("import", str(source), "--server", url, "--token", TOKEN)
    assert nobody.returncode == 2 and "ningún servidor de ppikg responde" in nobody.stderr, nobody.stderr
