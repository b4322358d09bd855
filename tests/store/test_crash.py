"""Large writes survive ``kill -9`` at any moment: what was acknowledged stays, nothing is ever half there.

Two kinds of writer are killed at random moments, many times over the same store:

* a ``ppi serve --update`` process doing Graph Store Protocol PUTs and POSTs (Turtle and N-Triples) of graphs
  of tens of thousands of triples and SPARQL Updates inserting as many, from two clients at once. After each
  kill the server starts again on the same store, answers ``/health`` and queries, holds every write it had
  acknowledged (2xx) exactly, and every write it had not acknowledged either completely or not at all: each
  graph holds exactly its old content or exactly its new one (its triples counted per write that made
  them), with a competency inferred for each of its indicators.
* ``ppi import FILE --load`` of proposals with many indicators. After each kill a new ``KnowledgeGraph``
  opens the store, the proposals loaded before are intact, and the killed load is either absent (graph,
  inferences and provenance as before it) or complete, identical to what a load of the same file that is not
  interrupted leaves; and the next load succeeds.

Most kills are aimed inside a write (once the store's ``writing`` marker is there, after a random delay), the
others at a random time; at least a few must land inside a write, or the test would prove nothing.

The choices (sizes, kinds of write, delays) come from one seeded ``random.Random``: the seed is in every
assertion message (and printed with any other failure), and ``PPIKG_CRASH_SEED=N`` replays those choices (the moments of the kills also depend on
the machine's speed).
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from ppikg.cli import main
from ppikg.http.testing import serving_process
from ppikg.store.graph import KnowledgeGraph

SEED = int(os.environ.get("PPIKG_CRASH_SEED") or random.SystemRandom().randrange(2**32))
TOKEN = "crash-token"
MARKER = "writing"
EX = "http://e/crash/"
PPI = "https://w3id.org/ppikg/ontology#"
PROV = "http://www.w3.org/ns/prov#"
PROVENANCE = "https://w3id.org/ppikg/graph/provenance"
VERSIONS = "https://w3id.org/ppikg/graph/versiones"  # the version records every load writes too
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
COVERS = PPI + "coversAttribute"
ATTRIBUTE = "https://w3id.org/ppikg/competencias/c1/a1"
#: Kills of each kind of writer, each followed by the checks (PPIKG_CRASH_KILLS=50 for a longer soak).
KILLS = int(os.environ.get("PPIKG_CRASH_KILLS") or 5)
#: Kills that must land inside a write for a run to prove anything.
INSIDE = min(3, KILLS)


def seeded(*parts: object) -> random.Random:
    """A generator of its own for one part of the run, derived from the seed."""
    return random.Random("-".join(map(str, (SEED, *parts))))


def wait_for(path: Path, proc: subprocess.Popen, timeout: float) -> bool:
    """Whether ``path`` appeared within ``timeout`` s (False at once if ``proc`` ends first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def aimed_inside(kill: int) -> bool:
    """Whether kill number ``kill`` aims inside a write: three of every four (the fourth lands anywhere), a
    fixed share so that a seed cannot leave too few kills inside a write to prove anything."""
    return kill % 4 != 3


def kill_inside_a_write(store: Path, proc: subprocess.Popen, rng: random.Random, longest: float,
                        leftovers: list[psutil.Process], tries: int = 5) -> None:
    """``kill -9`` of ``proc`` a random while (up to ``longest`` s) after a write has begun, while it is still
    under way: a write that ends first is let go and the next one aimed at, the last try without waiting."""
    for attempt in range(tries):
        if not wait_for(store / MARKER, proc, timeout=60):
            break
        if attempt < tries - 1:
            time.sleep(rng.uniform(0, longest))
        if (store / MARKER).exists():
            break
    kill_9(proc, leftovers)


def kill_9(proc: subprocess.Popen, leftovers: list[psutil.Process]) -> None:
    """``kill -9`` of ``proc`` alone; the processes it started (query workers) are added to ``leftovers``:
    they end by themselves once it has gone (the fixture ``leftovers`` makes sure)."""
    try:
        leftovers.extend(psutil.Process(proc.pid).children(recursive=True))
    except psutil.NoSuchProcess:
        pass
    proc.kill()
    proc.wait(timeout=30)


@pytest.fixture
def leftovers() -> Iterator[list[psutil.Process]]:
    """Processes started by a killed one: ended, if they have not ended by themselves, when the test ends."""
    processes: list[psutil.Process] = []
    yield processes
    for p in processes:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


# --- the server -----------------------------------------------------------------------------------------------

#: A graph's content: triples per version (the predicate each write uses for its own triples).
Content = dict[str, int]


@dataclass
class Write:
    graph: str
    method: str  # PUT, POST (Graph Store Protocol) or UPDATE (SPARQL Update)
    body: bytes
    content_type: str
    after: Content  # the graph's content once this write has committed


def triples(version: str, n: int, turtle: bool, indicators: int = 0) -> bytes:
    """``n`` triples of ``version`` (each its own subject) and ``indicators`` indicators of its own (each
    covering an attribute, so each gets a competency inferred), as Turtle with prefixes or as N-Triples."""
    if turtle:
        head = f"@prefix c: <{EX}s/> .\n@prefix v: <{EX}v/> .\n@prefix ppi: <{PPI}> .\n"
        return (head + "".join(f'c:s{i} v:{version} "{i}" .\n' for i in range(n))
                + "".join(f"c:ind-{version}-{i} a ppi:Indicator ; ppi:coversAttribute <{ATTRIBUTE}> .\n"
                          for i in range(indicators))).encode()
    return ("".join(f'<{EX}s/s{i}> <{EX}v/{version}> "{i}" .\n' for i in range(n))
            + "".join(f"<{EX}s/ind-{version}-{i}> <{TYPE}> <{PPI}Indicator> .\n"
                      f"<{EX}s/ind-{version}-{i}> <{COVERS}> <{ATTRIBUTE}> .\n" for i in range(indicators))).encode()


def plan_write(rng: random.Random, graphs: list[str], model: dict[str, Content], version: str) -> Write:
    """The next large write of a client: one of its graphs, replaced, merged into, or updated."""
    graph = rng.choice(graphs)
    now = model.get(graph, {})
    kind = rng.choice(["PUT", "POST", "COPY", "DATA"]) if now and sum(now.values()) < 60_000 else "PUT"
    if kind in ("PUT", "POST"):
        n, k = rng.randint(10_000, 20_000), rng.randint(20, 100)
        turtle = rng.random() < 0.5
        after = {version: n, TYPE: k, COVERS: k} if kind == "PUT" else \
            {**now, version: n, TYPE: now.get(TYPE, 0) + k, COVERS: now.get(COVERS, 0) + k}
        return Write(graph, kind, triples(version, n, turtle, k), "text/turtle" if turtle else "application/n-triples",
                     after)
    if kind == "COPY":  # every triple of one version again, under a new one: as many triples as it has
        source = rng.choice(sorted(v for v in now if v not in (TYPE, COVERS)))
        update = (f"INSERT {{ GRAPH <{graph}> {{ ?s <{EX}v/{version}> ?o }} }} "
                  f"WHERE {{ GRAPH <{graph}> {{ ?s <{EX}v/{source}> ?o }} }}")
        return Write(graph, "UPDATE", update.encode(), "application/sparql-update", {**now, version: now[source]})
    n = rng.randint(5_000, 15_000)
    data = triples(version, n, turtle=False).decode()
    update = f"INSERT DATA {{ GRAPH <{graph}> {{\n{data}}} }}"
    return Write(graph, "UPDATE", update.encode(), "application/sparql-update", {**now, version: n})


class Client(threading.Thread):
    """Large writes to its own graphs, one after another, until the server goes away."""

    def __init__(self, url: str, name: str, graphs: list[str], model: dict[str, Content], rng: random.Random,
                 acknowledged: threading.Semaphore) -> None:
        super().__init__(daemon=True, name=name)
        self.url, self.graphs, self.model, self.rng = url, graphs, model, rng
        self.acknowledged = acknowledged
        self.pending: Write | None = None  # sent, not acknowledged
        self.refused: list[str] = []  # answers other than 2xx (none expected)
        self.acks = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as http:
            for i in range(1000):
                w = plan_write(self.rng, self.graphs, self.model, f"{self.name}-{i}")
                self.pending = w
                try:
                    if w.method == "UPDATE":
                        r = http.post("/sparql", content=w.body, headers={"Content-Type": w.content_type})
                    else:
                        r = http.request(w.method, "/rdf-graphs/service", params={"graph": w.graph},
                                         content=w.body, headers={"Content-Type": w.content_type})
                except httpx.TransportError:
                    return  # killed: this write is the one that may or may not have happened
                if not 200 <= r.status_code < 300:
                    self.refused.append(f"{w.method} {w.graph}: {r.status_code} {r.text[:300]}")
                    return
                self.model[w.graph] = w.after
                self.pending = None
                self.acks += 1
                self.acknowledged.release()


COUNTS = f"""SELECT ?g ?p (COUNT(*) AS ?n) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{EX}g/")) }} GROUP BY ?g ?p"""
#: The inferred graph of graph G is ``INFERRED`` + G; it gives each indicator of G its competency.
INFERRED = "https://w3id.org/ppikg/graph/inferred/"
COVERING = f"""SELECT ?g (COUNT(DISTINCT ?i) AS ?n) WHERE {{
  GRAPH ?g {{ ?i ppi:coversCompetency ?c }} FILTER(STRSTARTS(STR(?g), "{INFERRED}{EX}g/")) }} GROUP BY ?g"""


def select(url: str, query: str) -> list[list[str]]:
    r = httpx.get(url + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=60)
    assert r.status_code == 200, f"seed {SEED}: a query failed after a restart: {r.status_code} {r.text[:500]}"
    return [line.rsplit(",", 2) for line in r.text.splitlines()[1:]]


def stored(url: str) -> dict[str, Content]:
    """Every test graph's content as the server answers a query about it; each graph's inferences checked
    against it: a competency for every indicator, nothing for a graph that is not there."""
    out: dict[str, Content] = {}
    for g, p, n in select(url, COUNTS):
        out.setdefault(g, {})[p.removeprefix(f"{EX}v/")] = int(n)
    covering = {g.removeprefix(INFERRED): int(n) for g, n in select(url, COVERING)}
    indicators = {g: c[TYPE] for g, c in out.items() if c.get(TYPE)}
    assert covering == indicators, f"seed {SEED}: the inferences do not match the data: {covering} != {indicators}"
    return out


def test_acknowledged_writes_survive_kill_9_of_the_server_and_none_is_half_there(shipped_store, tmp_path: Path,
                                                                                 leftovers: list[psutil.Process]) -> None:
    print(f"PPIKG_CRASH_SEED={SEED}")  # shown with any failure, an assertion's or not
    store = shipped_store(tmp_path / "store")
    with KnowledgeGraph(store) as kg:
        shipped = dict(kg.graphs())
    rng = seeded("serve")
    model: dict[str, Content] = {}  # what every acknowledged write left
    pending: list[Write] = []  # the writes under way at the last kill
    inside = 0  # kills that found a write under way
    acknowledged_total = 0
    for round_ in range(KILLS + 1):
        with serving_process(str(store), "--update", "--token", TOKEN, "--workers", "1") as (url, proc):
            where = f"seed {SEED}, start {round_} of the server"
            assert not (store / MARKER).exists(), f"{where}: the restarted server left the write under way"
            health = httpx.get(url + "/health", timeout=30)
            assert health.status_code == 200, f"{where}: /health answered {health.status_code}"
            found = stored(url)
            for w in pending:  # either all of it or none of it, and from now on whichever it was
                now = found.get(w.graph, {})
                assert now in (model.get(w.graph, {}), w.after), \
                    (f"{where}: {w.method} of {w.graph} half there: {now}, "
                     f"expected {model.get(w.graph, {})} or {w.after}")
                model[w.graph] = now
            assert found == {g: c for g, c in model.items() if c}, \
                f"{where}: the store differs from the acknowledged writes"
            if round_ == KILLS:
                break
            acknowledged = threading.Semaphore(0)
            clients = [Client(url, f"r{round_}c{c}", [f"{EX}g/{c}-{k}" for k in range(3)], model,
                              seeded("serve", round_, c), acknowledged) for c in range(2)]
            for c in clients:
                c.start()
            for _ in range(rng.randint(0, 1)):  # let some writes be acknowledged first
                assert acknowledged.acquire(timeout=120), f"{where}: no write was acknowledged in time"
            if aimed_inside(round_):
                kill_inside_a_write(store, proc, rng, 0.6, leftovers)
            else:
                time.sleep(rng.uniform(0, 2))
                kill_9(proc, leftovers)
            inside += (store / MARKER).exists()
            for c in clients:
                c.join(timeout=60)
                assert not c.is_alive(), f"{where}: a client still waits for the killed server"
                assert not c.refused, f"seed {SEED}, round {round_}: writes refused: {c.refused}"
            pending = [c.pending for c in clients if c.pending is not None]
            acknowledged_total += sum(c.acks for c in clients)
    assert inside >= INSIDE, f"seed {SEED}: only {inside} of {KILLS} kills landed inside a write"
    assert acknowledged_total > 0, f"seed {SEED}: no write was ever acknowledged"
    with KnowledgeGraph(store) as kg:  # the catalogue and provenance agree; the shipped graphs are untouched
        written = sorted(g for g, c in model.items() if c)
        assert kg.added_graphs() == written, f"seed {SEED}: the catalogue's added graphs differ from the data"
        _, recorded = kg.query_rows(f"SELECT ?g WHERE {{ GRAPH <{PROVENANCE}> {{ ?g a <{PROV}Entity> }} }}")
        assert set(written) <= {r["g"] for r in recorded}, f"seed {SEED}: a written graph has no provenance"
        assert {g: c for g, c in kg.graphs() if g in shipped and g != PROVENANCE} == \
            {g: c for g, c in shipped.items() if g != PROVENANCE}, f"seed {SEED}: the shipped graphs changed"


# --- ppi import --load --------------------------------------------------------------------------------------


def proposal(name: str, n: int, label: str) -> str:
    """A proposal in Turtle for ``ppi import``: one parameter with ``n`` indicators, each covering an
    attribute of competency 1 (so each gets inferences of its own); 3 n + 3 triples."""
    base = f"https://w3id.org/ppikg/propuestas/{name}"
    lines = [f"@prefix ppi: <{PPI}> .", f"@prefix p: <{base}/> .",
             f'<{base}> a ppi:Proposal ; ppi:hasParameter p:par ; <http://www.w3.org/2000/01/rdf-schema#label> "{label}" .']
    for i in range(n):
        lines.append(f"p:par ppi:hasIndicator p:ind{i} . p:ind{i} a ppi:Indicator ; "
                     "ppi:coversAttribute <https://w3id.org/ppikg/competencias/c1/a1> .")
    return "\n".join(lines) + "\n"


def graph_of(name: str) -> tuple[str, str]:
    """The graph ``ppi import --load`` puts proposal ``name`` in, and the graph of its inferences."""
    return (f"https://w3id.org/ppikg/graph/propuestas/{name}",
            f"https://w3id.org/ppikg/graph/inferred/propuestas/{name}")


@dataclass(frozen=True)
class Loaded:
    """What the store holds of one proposal: its graph, its inferences, its provenance, its catalogue entry."""

    triples: int
    inferred: int
    indicators: int  # stated in its graph
    covering: int  # indicators with a competency inferred, in its inferred graph
    sha256: tuple[str, ...]  # of the file(s) its provenance names
    provenance: int  # triples about the graph in the provenance graph
    added: bool  # in the catalogue as an added graph

    def whole(self, n: int, sha: str) -> bool:
        """Whether this is all a load of ``n`` indicators from the file of SHA-256 ``sha`` writes."""
        return (self.triples == 3 * n + 3 and self.indicators == self.covering == n and self.inferred > 0
                and self.sha256 == (sha,) and self.provenance > 0 and self.added)


ABSENT = Loaded(0, 0, 0, 0, (), 0, False)


def loaded(kg: KnowledgeGraph, name: str) -> Loaded:
    graph, inferred = graph_of(name)
    counts = dict(kg.graphs())
    row = kg.query_rows(f"""SELECT (COUNT(DISTINCT ?i) AS ?stated) (COUNT(DISTINCT ?j) AS ?covering) WHERE {{
      {{ GRAPH <{graph}> {{ ?i a ppi:Indicator }} }} UNION {{ GRAPH <{inferred}> {{ ?j ppi:coversCompetency ?c }} }} }}""")[1][0]
    _, sha = kg.query_rows(f"""SELECT ?h WHERE {{ GRAPH <{PROVENANCE}> {{
      <{graph}> <{PROV}wasDerivedFrom> ?src . ?src ppi:sha256 ?h }} }}""")
    _, about = kg.query_rows(f"SELECT ?p WHERE {{ GRAPH <{PROVENANCE}> {{ <{graph}> ?p ?o }} }}")
    return Loaded(counts.get(graph, 0), counts.get(inferred, 0), int(row["stated"] or 0), int(row["covering"] or 0),
                  tuple(sorted(r["h"] or "" for r in sha)), len(about), graph in kg.added_graphs())


def check(kg: KnowledgeGraph, expected: dict[str, Loaded], graphs: dict[str, int], *, but: str, where: str) -> None:
    """Every proposal in ``expected`` but ``but`` as recorded there, every graph that no load of ``but``
    writes of the size in ``graphs``."""
    for other, state in expected.items():
        if other != but:
            assert loaded(kg, other) == state, f"{where}: proposal {other} changed by the load of {but}"
    mine = {*graph_of(but), PROVENANCE, VERSIONS}
    assert {g: c for g, c in kg.graphs() if g not in mine} == {g: c for g, c in graphs.items() if g not in mine}, \
        f"{where}: graphs that the load of {but} does not write changed"


#: ``ppi import ARGS`` (the command's own entry point), in a process started ahead and given its arguments on
#: standard input: the interpreter's start-up is behind it, so that what is killed is the import's own work.
IMPORTER = textwrap.dedent("""
    import sys
    import ppikg.cli, ppikg.proposals.importer, ppikg.store.graph, rdflib.plugins.parsers.notation3
    sys.exit(ppikg.cli.main(sys.stdin.readline().rstrip("\\n").split("\\t")))
""")


def importer() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", IMPORTER], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def load(source: Path, store: Path) -> list[str]:
    return ["import", str(source), "--load", "--store", str(store)]


def test_ppi_import_load_killed_midway_leaves_the_proposal_whole_or_absent(shipped_store, tmp_path: Path,
                                                                           leftovers: list[psutil.Process]) -> None:
    print(f"PPIKG_CRASH_SEED={SEED}")
    store = shipped_store(tmp_path / "store")
    rng = seeded("import")
    expected: dict[str, Loaded] = {}  # every proposal loaded so far, as the store must hold it
    with KnowledgeGraph(store) as kg:
        graphs = dict(kg.graphs())  # every graph's size in the last state checked
    kills = inside = 0
    proc = importer()
    try:
        # A load may end before its kill, or its kill after its write: rounds enough for KILLS kills, enough
        # of them inside a write.
        for round_ in range(6 * KILLS):
            if kills >= KILLS and inside >= INSIDE:
                break
            where = f"seed {SEED}, import round {round_}"
            name = rng.choice(sorted(expected)) if expected and rng.random() < 0.4 else f"crash-{round_}"
            n = rng.randint(300, 900)
            source = tmp_path / f"{name}-{round_}.ttl"
            source.write_text(proposal(name, n, f"round {round_}"), encoding="utf-8")
            sha = hashlib.sha256(source.read_bytes()).hexdigest()
            before = expected.get(name, ABSENT)
            assert proc.stdin is not None
            proc.stdin.write("\t".join(load(source, store)) + "\n")
            proc.stdin.flush()
            if aimed_inside(kills):  # inside the write: once it has begun, after a while
                wait_for(store / MARKER, proc, timeout=120)
                time.sleep(rng.uniform(0, 0.8))
            else:
                time.sleep(rng.uniform(0, 2))
            if proc.poll() is None:
                kill_9(proc, leftovers)
                inside += (store / MARKER).exists()
            _, err = proc.communicate(timeout=120)
            assert proc.returncode in (0, -9), f"{where}: ppi import failed: {err[-2000:]}"
            kills += proc.returncode == -9
            proc = importer()  # the next one starts while this one's outcome is checked

            with KnowledgeGraph(store) as kg:  # the store opens, and finishes or undoes the killed load
                assert not kg.read_only and not (store / MARKER).exists(), where
                check(kg, expected, graphs, but=name, where=where)
                after = loaded(kg, name)
                graphs = dict(kg.graphs())
            complete = after.whole(n, sha)
            assert complete or proc.returncode != 0, f"{where}: ppi import exited 0, the proposal is {after}"
            assert complete or after == before, \
                f"{where}: the killed load of {name} ({n} indicators) is half there: {after}, before it {before}"
            expected[name] = after

            # The next load (of another proposal) succeeds, and changes nothing else: what the killed load
            # had written and not committed is not in the store it writes.
            following = f"after-{round_}"
            small = tmp_path / f"{following}.ttl"
            small.write_text(proposal(following, 20, "after a kill"), encoding="utf-8")
            assert main(load(small, store)) == 0, f"{where}: the load after the kill failed"
            with KnowledgeGraph(store) as kg:
                check(kg, expected, graphs, but=following, where=where)
                expected[following] = loaded(kg, following)
                graphs = dict(kg.graphs())
            assert expected[following].whole(20, hashlib.sha256(small.read_bytes()).hexdigest()), \
                f"{where}: the load after the kill is not complete: {expected[following]}"

            if complete:  # what the killed load left is what a load that runs to the end leaves
                assert main(load(source, store)) == 0, f"{where}: loading {source.name} again failed"
                with KnowledgeGraph(store) as kg:
                    again = loaded(kg, name)
                    graphs = dict(kg.graphs())
                assert after == again, f"{where}: the killed load of {name} left {after}, a whole load leaves {again}"
    finally:
        proc.kill()
        proc.communicate()
    assert kills >= KILLS, f"seed {SEED}: only {kills} loads were still running when killed"
    assert inside >= INSIDE, f"seed {SEED}: only {inside} of {kills} kills landed inside a write"
