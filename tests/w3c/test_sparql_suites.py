"""The W3C SPARQL 1.1 Protocol and Service Description test suites, run over real HTTP against /sparql.

The manifests are read in place from ``$PPIKG_CONFORMANCE`` or ``<repo>/../shared/conformance`` (never copied).
Each ``ht:Request`` is sent as written (method, path with ``/sparql/`` mapped to our ``/sparql``, headers,
body in its declared encoding) and checked against ``mf:expectedStatus``, ``mf:expectedBoolean`` and
``mf:expectedFormat``. Query tests run against a default (read-only) instance; update tests and the
``bad_update_*`` tests against an update-enabled instance, with its bearer token added to every request.
Before each test the store holds the graphs the test's ``ut:graphData`` names (``data1.nt``…), plus an
empty graph ``…/data0.rdf`` (see docs/conformance.md: the suite names it without shipping it).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace, URIRef

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.config import Settings
from ppikg.http.testing import serving

ROOT = Path(__file__).resolve().parents[2]
SUITES = Path(os.environ.get("PPIKG_CONFORMANCE", ROOT.parent / "shared" / "conformance"))
PROTOCOL = SUITES / "w3c-sparql11-protocol" / "manifest.ttl"
SERVICE_DESCRIPTION = SUITES / "w3c-sparql11-service-description" / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
DATA0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"
TOKEN = "conformance-token"

#: Tests this endpoint does not run, with the reason (also listed in docs/conformance.md).
NOT_APPLICABLE: dict[str, str] = {}

RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}

pytestmark = pytest.mark.skipif(not PROTOCOL.exists(), reason=f"W3C suites not found at {SUITES}")


def _manifest(path: Path) -> tuple[rdflib.Graph, list[URIRef]]:
    g = rdflib.Graph().parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    return g, list(rdflib.collection.Collection(g, g.value(manifest, MF.entries)))


def _local(test: URIRef) -> str:
    return str(test).rsplit("#", 1)[-1]


def _protocol_tests() -> list:
    if not PROTOCOL.exists():
        return []
    g, entries = _manifest(PROTOCOL)
    return [pytest.param(t, id=_local(t)) for t in entries]


def _requests(g: rdflib.Graph, test: URIRef) -> list[dict]:
    action = g.value(test, MF.action)
    out = []
    for req in rdflib.collection.Collection(g, g.value(action, HT.requests)):
        headers = {}
        hlist = g.value(req, HT.headers)
        if hlist is not None:
            for h in rdflib.collection.Collection(g, hlist):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
        body = None
        b = g.value(req, HT.body)
        if b is not None:
            body = str(g.value(b, CNT.chars)).encode(str(g.value(b, CNT.characterEncoding) or "UTF-8"))
        resp = g.value(req, HT.resp)
        out.append({
            "method": str(g.value(req, HT.methodName)),
            "path": str(g.value(req, HT.absolutePath)),
            "headers": headers,
            "body": body,
            "status": {str(s).removeprefix(HTS)[0] for s in g.objects(resp, MF.expectedStatus)},
            "boolean": g.value(resp, MF.expectedBoolean),
            "format": g.value(resp, MF.expectedFormat),
        })
    return out


def _graph_data(g: rdflib.Graph, test: URIRef) -> dict[str, Path]:
    return {str(g.value(d, RDFS.label)): Path(str(g.value(d, UT.graph)).removeprefix("file://"))
            for d in g.objects(test, UT.graphData)}


class Instance:
    def __init__(self, kg: KnowledgeGraph, url: str, token: str | None) -> None:
        self.kg, self.url, self.token = kg, url, token

    def reset(self, graphs: dict[str, Path]) -> None:
        """The store holds exactly ``graphs`` (IRI → N-Triples file) and an empty ``data0.rdf``."""
        with self.kg.backend.write() as writer:  # one write: the readers see the new state as a whole
            writer.update(f"DROP ALL ; CREATE GRAPH <{DATA0}>")
            for iri, path in graphs.items():
                writer.load_file(path, ox.RdfFormat.N_TRIPLES, iri)
            writer.catalog.graphs.clear()


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    """A default (read-only) instance and an update-enabled one with a token, each on its own store and port."""
    kgs = [KnowledgeGraph(tmp_path_factory.mktemp("w3c-query")), KnowledgeGraph(tmp_path_factory.mktemp("w3c-update"))]
    settings = [Settings(timeout=10), Settings(timeout=10, update_enabled=True, token=TOKEN)]
    with serving(create_app(kgs[0], settings=settings[0])) as q_url, \
            serving(create_app(kgs[1], settings=settings[1])) as u_url:
        yield {"query": Instance(kgs[0], q_url, None), "update": Instance(kgs[1], u_url, TOKEN)}
    for kg in kgs:
        kg.close()


def _check_format(expected: str, r: httpx.Response) -> None:
    media = r.headers.get("content-type", "").split(";")[0].strip()
    if expected in ("boolean", "tabular"):
        assert media in RESULT_TYPES, f"not a SPARQL results format: {media}"
        if expected == "boolean":
            assert media in ("application/sparql-results+json", "application/sparql-results+xml")
            assert _boolean(r) in (True, False)
    else:
        assert media in RDF_TYPES, f"not an RDF format: {media}"
        rdflib.Graph().parse(data=r.content, format=RDF_TYPES[media])


def _boolean(r: httpx.Response) -> bool:
    media = r.headers.get("content-type", "").split(";")[0].strip()
    if media == "application/sparql-results+json":
        return r.json()["boolean"]
    node = ET.fromstring(r.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return node.text.strip() == "true"


@pytest.mark.parametrize("test", _protocol_tests())
def test_protocol(test, instances):
    name = _local(test)
    if name in NOT_APPLICABLE:
        pytest.skip(NOT_APPLICABLE[name])
    g, _ = _manifest(PROTOCOL)
    which = "update" if name.startswith(("update_", "bad_update_")) else "query"
    inst = instances[which]
    inst.reset(_graph_data(g, test))
    with httpx.Client(base_url=inst.url, timeout=30) as client:
        for req in _requests(g, test):
            headers = dict(req["headers"])
            if inst.token:
                headers["Authorization"] = f"Bearer {inst.token}"
            path = "/sparql" + req["path"][len("/sparql/"):] if req["path"].startswith("/sparql/") else req["path"]
            r = client.request(req["method"], path, headers=headers, content=req["body"])
            assert str(r.status_code)[0] in req["status"], f"{req['method']} {path}: {r.status_code} {r.text[:300]}"
            if name.startswith("bad_update_"):
                assert r.status_code not in (401, 403), "refused for lack of rights, not for the reason tested"
            if req["format"] is not None:
                _check_format(str(req["format"]), r)
            if req["boolean"] is not None:
                assert _boolean(r) is bool(req["boolean"].toPython()), r.text


# --- Service Description ------------------------------------------------------------------------------------


def _sd_tests() -> list:
    if not SERVICE_DESCRIPTION.exists():
        return []
    _, entries = _manifest(SERVICE_DESCRIPTION)
    return [pytest.param(t, id=_local(t)) for t in entries]


LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
#: rdfs:range of the SD properties (SPARQL 1.1 Service Description, §3.3–3.4) that take a node of a class.
RANGES = {SD.defaultDataset: SD.Dataset, SD.defaultGraph: SD.Graph, SD.namedGraph: SD.NamedGraph,
          SD.graph: SD.Graph, SD.availableGraphs: SD.GraphCollection}
DOMAINS = {SD.endpoint: SD.Service, SD.supportedLanguage: SD.Service, SD.resultFormat: SD.Service,
           SD.feature: SD.Service, SD.defaultDataset: SD.Service, SD.defaultGraph: SD.Dataset,
           SD.namedGraph: SD.GraphCollection, SD.name: SD.NamedGraph, SD.graph: SD.NamedGraph}
SUBCLASS = {SD.Dataset: {SD.GraphCollection}}
IRI_VALUED = {SD.endpoint, SD.supportedLanguage, SD.resultFormat, SD.feature, SD.name, SD.defaultEntailmentRegime}


def _types(g: rdflib.Graph, node) -> set:
    found = set(g.objects(node, RDF.type))
    for cls in list(found):
        found |= SUBCLASS.get(cls, set())
    return found


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                                        ("application/ld+json", "json-ld")])
@pytest.mark.parametrize("test", _sd_tests())
def test_service_description(test, accept, fmt, instances):
    inst = instances["query"]
    url = inst.url + "/sparql"
    r = httpx.get(url, headers={"Accept": accept}, timeout=30)
    name = _local(test)
    if name == "returns-rdf":
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
        assert len(rdflib.Graph().parse(data=r.content, format=fmt)) > 0
        return
    g = rdflib.Graph().parse(data=r.content, format=fmt)
    services = list(g.subjects(RDF.type, SD.Service))
    if name == "has-endpoint-triple":
        assert any((s, SD.endpoint, URIRef(url)) in g for s in services), r.text
        return
    assert name == "conforms-to-schema", f"unknown test {name}"
    assert len(services) == 1
    service = services[0]
    assert set(g.objects(service, SD.supportedLanguage)) <= LANGUAGES
    assert SD.SPARQL11Query in set(g.objects(service, SD.supportedLanguage))
    for s, p, o in g:
        if p in IRI_VALUED:
            assert isinstance(o, URIRef), f"{p} must be an IRI, not {o!r}"
        if p in DOMAINS:
            assert DOMAINS[p] in _types(g, s), f"{s} uses {p} but is not a {DOMAINS[p]}"
        if p in RANGES:
            assert RANGES[p] in _types(g, o), f"{o}, object of {p}, is not a {RANGES[p]}"
    named = {g.value(n, SD.name) for n in g.objects(None, SD.namedGraph)}
    assert URIRef(DATA0) in named, "the named graphs of the store are described"
