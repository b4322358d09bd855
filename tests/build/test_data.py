"""The shipped graphs: generated from the sources, every fact traceable to a provision that exists."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ppikg.build import data as build
from ppikg.config import Project
from ppikg.namespaces import ASPECTS, COMPETENCIES, ELI, LIN, PPI
from ppikg.build.legal_texts import normalize_space


def test_checked_in_data_is_what_the_sources_give(sources, project):
    assert build.stale_files(build.build_all(project, sources)) == []


def test_every_provision_is_stored_with_its_exact_text(sources, shipped):
    for doc, ns in ((sources.lineamientos, LIN), (sources.acuerdo, build.A449)):
        for p in doc.provisions:
            assert shipped.value(ns[p.path], PPI.text) == Literal(p.text, lang="es"), p.path
    stored = set(shipped.subjects(PPI.text, None))
    assert len(stored) == len(sources.lineamientos.provisions) + len(sources.acuerdo.provisions)


def test_every_source_pointer_reaches_an_existing_provision(shipped):
    pointers = set(shipped.objects(None, DCTERMS.source))
    assert len(pointers) > 50
    for target in pointers:
        assert (target, PPI.text, None) in shipped, f"dcterms:source to a missing provision: {target}"


def _text(shipped: Graph, iri: URIRef) -> str:
    return normalize_space(str(shipped.value(iri, PPI.text)))


@pytest.mark.parametrize("row", build.read_table("citas.csv", Project.default().curation_dir), ids=lambda r: f"{r['citing']}->{r['target']}")
def test_each_citation_is_evidenced_by_the_citing_text(row, shipped):
    citing = LIN[row["citing"]]
    assert row["evidence"] in _text(shipped, citing)
    # the numbers of the cited article appear in the evidence (e.g. "26" and "II")
    key, _, spec = row["target"].partition(":")
    for part in filter(None, spec.split(";")) if key != "lin" else []:
        assert part.split("=")[1].rstrip(".") in row["evidence"], part
    assert len(list(shipped.objects(citing, ELI.cites))) >= 1


def test_citations_named_by_the_issue_are_present(shipped):
    cited = {str(o) for o in shipped.objects(None, ELI.cites)}
    base = "https://w3id.org/ppikg/eli/mx/"
    for path in ["constitucion/articulo_3", "constitucion/articulo_73", "loapf/articulo_17", "loapf/articulo_38",
                 "lgspd/articulo_10/fraccion_10", "lgspd/articulo_10/fraccion_11", "lgspd/articulo_26/fraccion_2",
                 "lgspd/articulo_57/fraccion_2", "risep/articulo_1", "risep/articulo_2", "risep/articulo_45",
                 "decreto-cnspd/articulo_4/apartado_b/fraccion_2", "lge/articulo_12/fraccion_9bis",
                 "lge/articulo_13/fraccion_6bis", "lge/articulo_37"]:
        assert base + path in cited, path
    assert str(build.ACUERDO_449) in cited


@pytest.mark.parametrize("table,provision_of", [
    ("subsistemas.csv", lambda r: f"lineamiento_2/fraccion_19/inciso_{r['inciso']}"),
    ("autoridades.csv", lambda r: r["provision"]),
])
def test_curated_names_are_evidenced_by_their_provision(table, provision_of, shipped, project):
    for row in build.read_table(table, project.curation_dir):
        text = _text(shipped, LIN[provision_of(row)])
        assert row["evidence"] in text, row["key"]
        assert row["name"] in row["evidence"] and row.get("acronym", "") in row["evidence"], row["key"]


def test_instrument_titles_and_dates_are_evidenced(sources, project):
    for row in build.read_table("instrumentos.csv", project.curation_dir):
        where, _, path = row["title_in"].partition(":")
        if path == "title":
            assert row["title"] == (sources.lineamientos if where == "lin" else sources.acuerdo).title
        else:
            assert row["title"] in sources.provision(row["title_in"]).text
        if row["date_in"] == "lin:lugar_fecha":
            assert row["date_evidence"] in sources.provision(row["date_in"]).text
        elif row["date_in"] == "a449:source":
            from ppikg.build.legal_texts import ACUERDO_449_FILE, read_source
            assert row["date_evidence"] in normalize_space(read_source(ACUERDO_449_FILE, project.sources_dir))
        if row["passed_by_evidence"]:
            from ppikg.build.legal_texts import ACUERDO_449_FILE, LINEAMIENTOS_FILE, read_source
            both = normalize_space(read_source(LINEAMIENTOS_FILE, project.sources_dir) + read_source(ACUERDO_449_FILE, project.sources_dir))
            assert row["passed_by_evidence"] in both


def test_subsystems_of_segundo_xix(shipped):
    acronyms = {str(a) for a in shipped.objects(None, PPI.acronym)}
    assert {"DGETI", "DGETA", "DGECyTM", "DGB", "COLBACH", "CONALEP", "CETI", "INBA", "CECYTES", "COBACH"} <= acronyms
    assert len(set(shipped.subjects(RDF.type, PPI.Subsystem))) == 12
    for s in shipped.subjects(RDF.type, PPI.Subsystem):
        assert shipped.value(s, PPI.subsystemCategory) is not None


def test_competencies_and_attributes_come_from_acuerdo_449(shipped):
    competencies = set(shipped.subjects(RDF.type, PPI.Competency))
    attributes = set(shipped.subjects(RDF.type, PPI.CompetencyAttribute))
    assert len(competencies) == 6 and len(attributes) == 35
    for concept in competencies | attributes:
        label = str(shipped.value(concept, SKOS.prefLabel))
        source = shipped.value(concept, DCTERMS.source)
        assert label and label in _text(shipped, source)


def test_each_octavo_aspect_corresponds_to_its_own_competency(sources, shipped):
    matches = build.aspect_competency_matches(sources)
    assert len({c.path for _, c, _ in matches}) == 6
    assert min(score for _, _, score in matches) > 0.85
    assert shipped.value(ASPECTS["III"], PPI.correspondsToCompetency) == COMPETENCIES["c3"]


def test_definitions_are_segundo_texts(shipped):
    defined = list(shipped.subject_objects(SKOS.definition))
    assert {PPI.Indicator, PPI.Parameter, PPI.DirectorProfile, PPI.Subsystem} <= {c for c, _ in defined}
    for cls, definition in defined:
        assert str(definition) in _text(shipped, shipped.value(cls, DCTERMS.source))


def test_every_class_and_property_has_spanish_and_english_labels(project):
    onto = Graph()
    for path in project.ontology_files():
        onto.parse(path)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    terms = {s for k in kinds for s in onto.subjects(RDF.type, k)}
    assert len(terms) > 60
    for term in terms:
        langs = {l.language for l in onto.objects(term, RDFS.label)}
        assert {"es", "en"} <= langs, term


def test_ontology_and_data_close_under_owl_rl_without_inconsistency(owlrl_shipped):
    g = owlrl_shipped
    # owlrl reports inconsistencies as triples about rdfs:comment on a bnode typed rdf:type owl:Nothing etc.
    assert not list(g.subjects(RDF.type, OWL.Nothing))
    assert (LIN["lineamiento_8/fraccion_3"], PPI.isWithin, URIRef(build.LINEAMIENTOS)) in g
