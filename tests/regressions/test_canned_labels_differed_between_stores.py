"""The canned queries picked an item's label with SAMPLE(): with two Spanish labels, which one came back was the
store's choice (Virtuoso and Oxigraph chose differently), and coverage.rq's COALESCE(SAMPLE(…)) did not compile
on Virtuoso 7.2. Labels are now the least one (MIN), the count MAX(COALESCE(…, 0)), the same on every store."""

from __future__ import annotations

from ppikg.sparql import canned
from ppikg.store.graph import KnowledgeGraph

COMPETENCY = "https://w3id.org/ppikg/competencias/c9"
EXTRA = f"""
<{COMPETENCY}> a <https://w3id.org/ppikg/ontology#Competency> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "zeta"@es, "alfa"@es, "beta"@es ;
    <http://www.w3.org/2004/02/skos/core#notation> "9" .
<http://e/propuesta> a <https://w3id.org/ppikg/ontology#Proposal> ;
    <http://purl.org/dc/terms/title> "Z", "A" .
"""


def test_the_least_label_is_chosen():
    with KnowledgeGraph(None) as kg:
        kg.add_graph("etiquetas", EXTRA, "ttl", infer=False)
        rows = canned.run_rows(kg, canned.get_query(kg.project, "coverage"))[1]
    assert rows == [{"competency": COMPETENCY, "notation": "9", "label_es": "alfa", "label_en": None, "statement": None,
                     "proposal": "http://e/propuesta", "proposal_title": "A", "indicators": "0"}]


def test_no_canned_query_samples(project):
    for query in canned.list_queries(project):
        assert "SAMPLE(" not in query.sparql.upper(), query.id
