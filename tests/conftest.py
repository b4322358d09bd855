"""Shared fixtures: the parsed sources and the shipped graphs, built once per test session."""

from __future__ import annotations

import socket
import urllib.request

import pytest
from rdflib import Graph

from ppikg import paths
from ppikg.build import Sources


def pytest_report_header(config):
    return f"ppikg sources: {paths.sources_dir()}"


@pytest.fixture(scope="session")
def sources() -> Sources:
    return Sources.load()


@pytest.fixture(scope="session")
def shipped() -> Graph:
    """Ontology and shipped data as one rdflib graph (asserted only)."""
    g = Graph()
    for path in paths.ontology_files() + paths.data_files():
        g.parse(path)
    return g


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
