"""Real SPARQL clients against the running server (127.0.0.1, random port): SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, XML, SPARQLWrapper, TURTLE

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.http.testing import serving

NT = """<http://e/a> <http://e/p> "uno"@es .
<http://e/b> <http://e/p> <http://e/c> .
<http://e/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/T> .
"""
SELECT = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?s"
ASK = "ASK { ?s a <http://e/T> }"
CONSTRUCT = "CONSTRUCT { ?s <http://e/q> ?o } WHERE { ?s <http://e/p> ?o }"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    kg = KnowledgeGraph(tmp_path_factory.mktemp("clients"))
    kg.add_graph("clients", NT, "nt", infer=False)
    with serving(create_app(kg)) as url:
        yield url + "/sparql"
    kg.close()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json_and_xml(endpoint, method):
    sw = SPARQLWrapper(endpoint)
    sw.setMethod(method)
    sw.setQuery(SELECT)
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]
    assert [(r["s"]["value"], r["o"]["value"]) for r in rows] == [("http://e/a", "uno"), ("http://e/b", "http://e/c")]
    assert rows[0]["o"]["xml:lang"] == "es"
    sw.setReturnFormat(XML)
    doc = sw.query().convert()  # an xml.dom.minidom document
    assert len(doc.getElementsByTagName("result")) == 2


def test_sparqlwrapper_ask_and_construct(endpoint):
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(ASK)
    for fmt in (JSON, XML):
        sw.setReturnFormat(fmt)
        result = sw.query().convert()
        assert (result["boolean"] if fmt == JSON else
                result.getElementsByTagName("boolean")[0].firstChild.data == "true") is True
    sw.setQuery(CONSTRUCT)
    for fmt in (XML, TURTLE):
        sw.setReturnFormat(fmt)
        result = sw.query().convert()
        g = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result, format="turtle")
        assert (rdflib.URIRef("http://e/b"), rdflib.URIRef("http://e/q"), rdflib.URIRef("http://e/c")) in g


@pytest.mark.parametrize("returnFormat", ["xml", "json"])
def test_rdflib_sparqlstore(endpoint, returnFormat):
    g = rdflib.Graph(SPARQLStore(endpoint, returnFormat=returnFormat))
    rows = list(g.query(SELECT))
    assert [(str(s), str(o)) for s, o in rows] == [("http://e/a", "uno"), ("http://e/b", "http://e/c")]
    assert rows[0][1] == rdflib.Literal("uno", lang="es")
    assert g.query(ASK).askAnswer is True
    if returnFormat == "xml":  # rdflib asks for graphs only with "xml" (application/rdf+xml), never with "json"
        assert len(g.query(CONSTRUCT).graph) == 2
    assert (rdflib.URIRef("http://e/a"), rdflib.URIRef("http://e/p"), rdflib.Literal("uno", lang="es")) in g
