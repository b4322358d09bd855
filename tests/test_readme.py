"""The README is checked: its commands exist, its example query gives the answer it shows."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys

import pytest

from ppikg.cli import build_parser
from ppikg.config import Project

README = (Project.default().root / "README.md").read_text(encoding="utf-8")


def test_the_two_commands_are_at_the_top(project):
    head = README[:400]
    assert "make serve" in head and "make test" in head
    makefile = (project.root / "Makefile").read_text()
    assert re.search(r"^serve:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def command_help(command: str) -> str | None:
    """What `ppi COMMAND --help` prints, or None if there is no such command."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()), pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    return out.getvalue() if done.value.code == 0 else None


def test_every_ppi_subcommand_and_option_in_the_readme_exists():
    for line in re.findall(r"^(?:\.venv/bin/)?ppi (\S+)(.*)$", README, re.M):
        command, rest = line
        usage = command_help(command)
        assert usage is not None, command
        options = set(re.findall(r"--[a-z-]+", usage))
        for option in re.findall(r"(--[a-z-]+)", rest.split("#")[0]):
            assert option in options, f"ppi {command} {option}"


def test_the_example_query_answers_as_shown(shipped_store, tmp_path):
    block = re.search(r"```sh\n\.venv/bin/ppi query '(.*?)'\n```", README, re.S).group(1)
    store = shipped_store(tmp_path / "store")
    done = subprocess.run([sys.executable, "-m", "ppikg", "query", block, "--store", str(store)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "lineamiento_7/fraccion_4" in done.stdout and "Lineamiento Séptimo, fracción IV" in done.stdout
    assert "lineamiento_7/fraccion_4 | Lineamiento Séptimo, fracción IV" in README
