"""Every filer the Lineamientos name can file: the Subsecretaría, and the Autoridad Educativa Local of each
federal entity (Segundo I), named by its state's ISO 3166-2 code; bodies that do not file (the Instituto, the
Coordinación Nacional) are told so by LIN-03."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pycountry
import pytest
from rdflib import Graph, URIRef

from ppikg.config import Project
from ppikg.conformance.validator import Validator
from ppikg.errors import InputError
from ppikg.namespaces import PPI
from ppikg.proposals.importer import import_proposal

PROJECT = Project.default()
AUT = "https://w3id.org/ppikg/autoridades/"
PROPOSAL = URIRef("https://w3id.org/ppikg/propuestas/ejemplo-dgb")


@pytest.fixture(scope="module")
def shipped() -> Graph:
    return Graph().parse(PROJECT.root / "data" / "subsistemas.ttl")


def test_there_is_one_local_education_authority_per_federal_entity_of_iso_3166_2_mx(shipped):
    codes = {s.code for s in pycountry.subdivisions.get(country_code="MX")}
    assert len(codes) == 32  # 31 states and the one federal entity that is not a state
    authorities = set(shipped.subjects(predicate=None, object=PPI.LocalEducationAuthority))
    assert {str(shipped.value(a, URIRef("http://www.w3.org/2004/02/skos/core#notation"))) for a in authorities} == codes
    source = URIRef("https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_2/fraccion_1")
    assert all((a, URIRef("http://purl.org/dc/terms/source"), source) in shipped for a in authorities)


def test_the_distrito_federal_is_mx_cmx_with_the_reason_recorded(shipped):
    df = URIRef(AUT + "ael/mx-cmx")
    labels = {str(label) for label in shipped.objects(df, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))}
    assert "Autoridad Educativa Local: Distrito Federal" in labels
    reasons = {c.language: str(c) for c in shipped.objects(df, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))}
    assert set(reasons) == {"es", "en"} and all("MX-CMX" in r and "Distrito Federal" in r for r in reasons.values())
    text = (PROJECT.sources_dir / "lineamientos-ppi-directores-ems-2013.txt").read_text(encoding="utf-8")
    assert "de cada uno de los estados de la Federación y del Distrito Federal" in text  # what the reason cites


@pytest.mark.parametrize("written", ["MX-JAL", "mx-jal", "ael/mx-jal"])
def test_a_local_education_authority_files_from_the_template_by_its_state_code(tmp_path: Path, written):
    folder = tmp_path / "propuesta"
    shutil.copytree(PROJECT.templates_dir / "propuesta-ejemplo-dgb", folder)
    sheet = folder / "propuesta.csv"
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    rows[0]["autoridad"] = written
    with sheet.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    graph = import_proposal(folder, project=PROJECT)
    assert graph.value(PROPOSAL, PPI.proposedBy) == URIRef(AUT + "ael/mx-jal")


def test_a_proposal_of_a_local_education_authority_conforms_and_the_instituto_is_told_it_does_not_file():
    example = (PROJECT.examples_dir / "propuesta-ejemplo-dgb.ttl").read_text(encoding="utf-8")
    validator = Validator(PROJECT)
    state = Graph().parse(data=example.replace("aut:subsecretaria", "<" + AUT + "ael/mx-jal>")
                          .replace("sub:dgb", "sub:cobach"), format="turtle")
    assert validator.validate(state).conforms
    instituto = Graph().parse(data=example.replace("aut:subsecretaria", "aut:instituto"), format="turtle")
    report = validator.validate(instituto)
    lin03 = next(r for r in report.results if r.requirement.id == "LIN-03")
    assert any("no es una autoridad responsable" in f.message["es"] and "Instituto authorises" in f.message["en"]
               for f in lin03.findings), [f.message for f in lin03.findings]


def test_a_decentralised_body_files_from_the_template_under_a_key_and_name_of_its_own(tmp_path: Path):
    folder = tmp_path / "propuesta"
    shutil.copytree(PROJECT.templates_dir / "propuesta-ejemplo-dgb", folder)
    sheet = folder / "propuesta.csv"
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    rows[0].update(autoridad="od/cecyte-ejemplo", nombre_de_la_autoridad="Colegio de ejemplo",
                   subsistemas_de_la_autoridad="cecytes", subsistema="cecytes")
    with sheet.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    graph = import_proposal(folder, project=PROJECT)
    body = URIRef(AUT + "od/cecyte-ejemplo")
    assert graph.value(PROPOSAL, PPI.proposedBy) == body
    assert (body, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), PPI.DecentralisedBody) in graph
    assert str(graph.value(body, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))) == "Colegio de ejemplo"
    assert (body, PPI.operatesOrCoordinates, URIRef("https://w3id.org/ppikg/subsistemas/cecytes")) in graph
    report = Validator(PROJECT).validate(graph)
    assert not next(r for r in report.results if r.requirement.id == "LIN-03").findings


def test_an_unknown_authority_key_is_refused_with_the_forms_accepted(tmp_path: Path):
    folder = tmp_path / "propuesta"
    shutil.copytree(PROJECT.templates_dir / "propuesta-ejemplo-dgb", folder)
    sheet = folder / "propuesta.csv"
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    rows[0]["autoridad"] = "MX-XYZ"  # no such state
    with sheet.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(InputError) as raised:
        import_proposal(folder, project=PROJECT)
    assert "MX-XYZ" in str(raised.value) and "MX-JAL" in str(raised.value)
