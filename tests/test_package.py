"""A package that installs: the wheel built from the checkout, installed in a fresh virtualenv outside it, gives
a working `ppi` — its version, a store built from the ontology, data, shapes and examples it carries, a
validation of the example workbook, and a server answering its page and a query."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import zipfile

import httpx
import pytest

from ppikg import __version__
from ppikg.config import Project

ROOT = Project.default().root


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """``ppi`` of a fresh venv holding the wheel (and its dependencies, from the package index)."""
    where = tmp_path_factory.mktemp("package")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(where / "dist")],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (where / "dist").glob("ppikg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("ppikg/shipped/ontology/ppi.ttl", "ppikg/shipped/data/lineamientos.ttl",
                    "ppikg/shipped/shapes/lineamientos.ttl", "ppikg/shipped/queries/gaps.rq",
                    "ppikg/shipped/data/templates/propuesta-ejemplo-dgb.xlsx", "ppikg/templates/ui_home.html",
                    "ppikg/static/yasgui/yasgui.min.js", "ppikg/words.toml"):
        assert shipped in names, shipped
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    run = where / "elsewhere"  # nowhere near the checkout
    run.mkdir()
    return venv / "bin" / "ppi", run


def ppi(installed, *args: str) -> subprocess.CompletedProcess:
    exe, cwd = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PPIKG_", "PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_the_installed_ppi_builds_its_store_and_validates_the_example(installed):
    assert ppi(installed, "--version").stdout.strip() == f"ppikg {__version__}"
    info = ppi(installed, "info", "--store", "store", "--json")
    assert info.returncode == 0, info.stderr
    import json

    graphs = json.loads(info.stdout)["graphs"]
    assert graphs["https://w3id.org/ppikg/graph/lineamientos"] > 1000 and len(graphs) > 10
    workbook = installed[1] / "mi-propuesta.xlsx"
    shutil.copy(ROOT / "data" / "templates" / "propuesta-ejemplo-dgb.xlsx", workbook)
    report = ppi(installed, "validate", str(workbook), "--lang", "en")
    assert report.returncode == 0 and "CONFORMS" in report.stdout, report.stderr


def test_the_installed_ppi_serves_its_pages_and_queries(installed):
    exe, cwd = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PPIKG_", "PYTHON", "VIRTUAL_ENV"))}
    log = open(cwd / "serve.log", "w+")
    proc = subprocess.Popen([str(exe), "serve", "--store", "store", "--port", "0"], cwd=cwd, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, url = time.monotonic() + 120, None
        while url is None:
            assert proc.poll() is None and time.monotonic() < deadline, (cwd / "serve.log").read_text()
            found = re.search(r"serving on (http://127\.0\.0\.1:\d+)/", (cwd / "serve.log").read_text())
            url = found.group(1) if found else None
            time.sleep(0.2)
        page = httpx.get(url + "/", timeout=30)
        assert page.status_code == 200 and "yasgui" in page.text
        answer = httpx.get(url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?c a ppi:Competency }"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["results"]["bindings"][0]["n"]["value"] == "6"
        assert httpx.get(url + "/static/yasgui/yasgui.min.js", timeout=30).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
