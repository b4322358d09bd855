"""Writes are atomic and readers read snapshots: no reader sees half a write, no crash leaves one behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from ppikg.errors import InputError
from ppikg.sparql.executor import QueryExecutor
from ppikg.sparql.protocol import Job
from ppikg.store.graph import KnowledgeGraph
from ppikg.store.embedded import EmbeddedStore
from ppikg.store.loading import Loader

PPI = "https://w3id.org/ppikg/ontology#"
GRAPH = "https://w3id.org/ppikg/graph/propuestas/viva"
INFERRED = "https://w3id.org/ppikg/graph/inferred/propuestas/viva"
#: Indicators stated in the proposal's graph, and the competencies inferred for them in its inferred graph:
#: equal in every complete state, different in a state that has the data but not (yet) its inferences.
CONSISTENCY = f"""SELECT (COUNT(DISTINCT ?i) AS ?stated) (COUNT(DISTINCT ?j) AS ?inferred) WHERE {{
  {{ GRAPH <{GRAPH}> {{ ?i a <{PPI}Indicator> }} }} UNION {{ GRAPH <{INFERRED}> {{ ?j <{PPI}coversCompetency> ?c }} }} }}"""


def version(n: int) -> str:
    """A proposal with ``n`` indicators, each covering attribute 1.1 (so each gets competency 1 inferred)."""
    lines = [f"<http://e/prop> a <{PPI}Proposal> ; <{PPI}hasParameter> <http://e/par> ."]
    for i in range(n):
        lines.append(f"<http://e/par> <{PPI}hasIndicator> <http://e/ind{i}> . <http://e/ind{i}> a <{PPI}Indicator> ; "
                     f"<{PPI}coversAttribute> <https://w3id.org/ppikg/competencias/c1/a1> .")
    return "\n".join(lines)


def counts(kg: KnowledgeGraph) -> tuple[int, int]:
    row = kg.query_rows(CONSISTENCY)[1][0]
    return int(row["stated"]), int(row["inferred"])


@pytest.fixture
def store_dir(shipped_store, tmp_path: Path) -> Path:
    """A store holding the shipped data (a copy of the session's), on disk."""
    return shipped_store(tmp_path / "store")


def test_readers_never_see_half_a_write(store_dir: Path) -> None:
    """Writers and readers at once, for a bounded time: every answer comes from one complete state."""
    kg = KnowledgeGraph(store_dir)
    executor = QueryExecutor(kg, size=2)
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read_in_workers() -> None:
        job = Job(CONSISTENCY, {"results": "text/csv"}, 100)
        while not done.is_set():
            try:
                _, body = executor.run(job, timeout=30)
                stated, inferred = body.decode().splitlines()[1].split(",")
                seen.append((int(stated), int(inferred)))
            except BaseException as e:  # noqa: BLE001 - every failure counts
                errors.append(e)

    def read_in_process() -> None:
        while not done.is_set():
            try:
                seen.append(counts(kg))
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

    readers = [threading.Thread(target=read_in_workers) for _ in range(2)] + [threading.Thread(target=read_in_process)]
    try:
        for r in readers:
            r.start()
        deadline = time.monotonic() + 60
        for n in range(1, 9):  # bounded in count and time
            kg.add_graph("propuestas/viva", version(n), "ttl")
            kg.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://e/par> <{PPI}hasIndicator> <http://e/extra{n}> . "
                      f"<http://e/extra{n}> a <{PPI}Indicator> ; <{PPI}coversAttribute> <https://w3id.org/ppikg/competencias/c2/a1> }} }}")
            if time.monotonic() > deadline:
                break
        time.sleep(0.5)
    finally:
        done.set()
        for r in readers:
            r.join(timeout=60)
        executor.close()
        kg.close()
    assert not errors, errors[:3]
    assert len(seen) > 20
    assert all(stated == inferred for stated, inferred in seen), [s for s in seen if s[0] != s[1]][:5]
    assert max(stated for stated, _ in seen) > 1  # the readers did see writes land


def test_a_write_that_fails_leaves_the_store_as_it_was(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with KnowledgeGraph(store_dir) as kg:
        kg.add_graph("propuestas/viva", version(2), "ttl")
        state, graphs = kg.state, kg.graphs()

        def broken(*args, **kwargs):
            raise RuntimeError("inference failed midway")

        monkeypatch.setattr(Loader, "infer_added", broken)
        with pytest.raises(RuntimeError):
            kg.add_graph("propuestas/viva", version(5), "ttl")  # the asserted data were written, then this
        assert kg.state == state and kg.graphs() == graphs and counts(kg) == (2, 2)
        with pytest.raises(InputError):
            kg.update("INSERT DATA { GRAPH <urn:x:g> { <urn:a> <urn:b> <urn:c> } } ; DROP GRAPH <urn:x:nope>")
        assert kg.state == state and kg.graphs() == graphs
        monkeypatch.undo()
        kg.add_graph("propuestas/viva", version(3), "ttl")  # the store still writes
        assert counts(kg) == (3, 3)
    with KnowledgeGraph(store_dir) as kg:
        assert counts(kg) == (3, 3)


CHILD = textwrap.dedent("""
    import sys, time
    from ppikg.store.graph import KnowledgeGraph
    from ppikg.store.loading import parse_rdf
    kg = KnowledgeGraph(sys.argv[1])
    triples, _ = parse_rdf(sys.stdin.read(), "ttl")
    with kg.backend.write() as writer:          # the asserted data, not yet their inferences
        writer.add("https://w3id.org/ppikg/graph/propuestas/viva", triples)
        writer.catalog.set("https://w3id.org/ppikg/graph/propuestas/viva", "added")
        print("inside the write", flush=True)
        time.sleep(60)
""")


def test_a_write_killed_midway_is_rolled_back_at_the_next_open(store_dir: Path) -> None:
    with KnowledgeGraph(store_dir) as kg:
        kg.add_graph("propuestas/viva", version(2), "ttl")
        before = kg.graphs()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(store_dir)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        child.stdin.write(version(7))
        child.stdin.close()
        assert child.stdout.readline().strip() == "inside the write"
        # A reader beside the writer sees the last committed state, not the write under way.
        with KnowledgeGraph(store_dir) as reader:
            assert reader.read_only and counts(reader) == (2, 2)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert (store_dir / "writing").exists()  # the write never finished
    with KnowledgeGraph(store_dir) as kg:
        assert not (store_dir / "writing").exists()
        assert kg.graphs() == before and counts(kg) == (2, 2)
        assert kg.added_graphs() == [GRAPH]
        kg.add_graph("propuestas/viva", version(4), "ttl")
        assert counts(kg) == (4, 4)


def test_old_snapshots_go_once_no_reader_holds_them(store_dir: Path) -> None:
    with KnowledgeGraph(store_dir) as kg:
        first = kg.snapshot()  # a reader holding the current state
        for n in range(3):
            kg.add_graph("propuestas/viva", version(n + 1), "ttl")
        names = sorted(p.name for p in (store_dir / "snapshots").iterdir())
        assert f"{first.state:012d}" in names and len(names) == 2  # the held one and the latest
        assert first.query_rows(f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")[1] == [{"ask": "false"}]  # still readable
        first.close()
        del first
        kg.add_graph("propuestas/viva", version(5), "ttl")
        assert len(list((store_dir / "snapshots").iterdir())) == 1


def test_a_store_written_before_snapshots_is_moved_into_place(tmp_path: Path) -> None:
    """The RocksDB files at the top of the store folder, bookkeeping in graph/meta: added graphs are kept."""
    old = tmp_path / "store"
    store = ox.Store(str(old))
    meta = ox.NamedNode("https://w3id.org/ppikg/graph/meta")
    mine = ox.NamedNode("https://w3id.org/ppikg/graph/propuestas/mia")
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.NamedNode("http://e/b"), mine))
    store.add(ox.Quad(mine, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("https://w3id.org/ppikg/meta#AddedGraph"), meta))
    store.add(ox.Quad(mine, ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"),
                      ox.NamedNode("file:///home/someone/propuesta.ttl"), meta))
    store.flush()
    del store
    backend = EmbeddedStore(old)
    snapshot = backend.snapshot()
    assert snapshot.catalog.graphs_of("added") == [mine.value]
    assert snapshot.graph_names() == [mine.value]  # the bookkeeping graph and its server paths are gone
    assert (old / "db" / "CURRENT").exists() and not (old / "CURRENT").exists()
    backend.close()
