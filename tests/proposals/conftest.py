"""Fixtures of the proposals tests: the example proposal, and a copy of its CSV folder to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from ppikg.proposals.templates import example_graph

from .helpers import EXAMPLE_CSV


@pytest.fixture(scope="session")
def example(project) -> Graph:
    return example_graph(project)


@pytest.fixture
def csv_dir(tmp_path) -> Path:
    d = tmp_path / "propuesta"
    shutil.copytree(EXAMPLE_CSV, d)
    return d
