"""The citations of the Lineamientos (ppikg.citations): grouped by cited law, and as a clickable SVG graph."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from ppikg import citations

SVG = "{http://www.w3.org/2000/svg}"
LIN = "https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/"



def test_every_citation_of_the_graph_is_listed_under_its_law(shipped_kg):
    c = citations.citations(shipped_kg, "es")
    _, stated = shipped_kg.query_rows("SELECT ?p ?c WHERE { ?p eli:cites ?c }")
    assert {(r["p"], r["c"]) for r in stated} == {(x.provision, x.cited) for x in c.items}
    laws = {law: items for law, _, items in c.by_law()}
    # Séptimo IV cites art. 26, fr. II of the LGSPD (data/lineamientos.ttl, from the text of the provision).
    lgspd = {item: [p for p, _ in ps] for item, _, ps in laws["https://w3id.org/ppikg/eli/mx/lgspd"]}
    assert f"{LIN}lineamiento_7/fraccion_4" in lgspd["https://w3id.org/ppikg/eli/mx/lgspd/articulo_26/fraccion_2"]
    # Every law heading is the top of its chain: nothing it is part of.
    for law in laws:
        assert shipped_kg.query_rows(f"ASK {{ <{law}> eli:is_part_of ?x }}")[1] == [{"ask": "false"}]
    rows = list(csv.reader(io.StringIO(c.to_csv())))
    assert rows[0] == ["law", "law_label", "cited", "cited_label", "provision", "provision_label"]
    assert len(rows) - 1 == len(c.items)
    assert sum(len(i["cited_by"]) for law in c.to_json()["laws"] for i in law["cited"]) == len(c.items)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_graph_has_a_node_per_provision_and_cited_item_and_an_edge_per_citation(shipped_kg, lang):
    c = citations.citations(shipped_kg, lang)
    root = ET.fromstring(citations.graph_svg(c, lang))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text
    nodes = root.findall(f".//{SVG}a")
    iris = {n.get("data-iri") for n in nodes}
    assert {x.provision for x in c.items} | {x.cited for x in c.items} | {x.law for x in c.items} == iris
    assert len(root.findall(f".//{SVG}g[@class='edges']/{SVG}path")) == len(c.items)
    provision = next(n for n in nodes if n.get("data-iri") == f"{LIN}lineamiento_7/fraccion_4")
    assert provision.get("href") == f"/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_7/fraccion_4?lang={lang}"
    absolute = ET.fromstring(citations.graph_svg(c, lang, "http://127.0.0.1:1/"))
    assert all(a.get("href").startswith("http://127.0.0.1:1/") for a in absolute.iter(f"{SVG}a"))
