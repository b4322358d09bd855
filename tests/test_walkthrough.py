"""The README's auditor walk-through is real: each of its commands, run in a fresh folder beside the shipped
data, prints what the README shows (times excepted), and the dashboard shows the proposal it filed."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from ppikg.config import Project, Settings
from ppikg.http import create_app
from ppikg.store.graph import KnowledgeGraph

ROOT = Project.default().root
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- walk-through -->\n```console\n(.*?)```", re.S)
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def steps(text: str) -> list[tuple[str, str]]:
    """The commands of the README's walk-through (``$ ``-prefixed lines) and the output shown under each."""
    found: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
    return [(command, "\n".join(lines).strip()) for command, lines in found]


def run(command: str, cwd: Path) -> str:
    shell = command.replace(".venv/bin/ppi", f"{sys.executable} -m ppikg")
    done = subprocess.run(["bash", "-c", shell], cwd=cwd, capture_output=True, text=True, timeout=300)
    return (done.stdout + done.stderr).strip()


def test_the_walk_through_prints_what_the_readme_shows(tmp_path):
    (tmp_path / "data").symlink_to(ROOT / "data")
    shown = steps(README)
    assert len(shown) >= 8 and any("ppi diff" in c for c, _ in shown) and any("ppi decide" in c for c, _ in shown)
    for command, expected in shown:
        if command.startswith("curl"):
            continue  # the server's part: checked below, against the same store
        got = run(command, tmp_path)
        assert TIME.sub("TIME", got) == TIME.sub("TIME", expected), f"$ {command}"
    (curl, expected), = [(c, e) for c, e in shown if c.startswith("curl")]
    assert "/propuestas?format=csv" in curl and "grep mi-propuesta" in curl
    with KnowledgeGraph(tmp_path / "var" / "ciclo") as kg, TestClient(create_app(kg, Settings())) as c:
        body = c.get("/propuestas", params={"format": "csv"}).text
    rows = [line for line in body.splitlines() if "mi-propuesta" in line]
    assert rows == expected.splitlines()
    (row,) = csv.DictReader(io.StringIO(body.splitlines()[0] + "\n" + rows[0]))
    assert (row["version"], row["status"], row["in_force"], row["conforms"]) == ("2", "Authorised", "2", "True")
