"""validate(): the complete example conforms; each variant breaks exactly the requirement it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from ppikg.config import Project
from ppikg.errors import InputError
from ppikg.conformance.validator import Validator, validate

EXAMPLE = Project.default().example_file
VARIANTS = sorted((Project.default().examples_dir / "variantes").glob("*.ru"))
CATALOGUE = Project.default().root.parent / "shared" / "spec" / "requirement-catalogue.md"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def catalogue_rows() -> dict[str, tuple[str, str]]:
    """ID → (severity, kind) from the shared requirement catalogue."""
    rows = {}
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"(LIN|ANEXO)-[\w-]+", cells[0]):
            rows[cells[0]] = (cells[3], cells[4])
    return rows


def variant(path: Path) -> Graph:
    g = Graph().parse(EXAMPLE)
    g.update(path.read_text(encoding="utf-8"))
    return g


def failing(report) -> set[str]:
    return {r.requirement.id for r in report.results if r.findings}


def test_catalogue_and_shapes_cannot_drift(validator):
    rows = catalogue_rows()
    assert len(rows) == 33
    assert set(validator.requirements) == set(rows)
    for rid, (severity, kind) in rows.items():
        req = validator.requirements[rid]
        assert req.severity == severity.lower(), rid
        assert ("attestation" in kind) == ("attestation" in req.kinds), rid
        assert ("heuristic" in kind) == ("heuristic" in req.kinds), rid
        assert req.provisions and all(p.text for p in req.provisions), rid
        assert {"es", "en"} <= set(req.fix), rid


def test_every_shape_has_messages_in_both_languages(validator):
    shapes = validator.shapes
    for shape in set(shapes.subjects(SH.message, None)):
        langs = {m.language for m in shapes.objects(shape, SH.message)}
        assert {"es", "en"} <= langs, shape


def test_the_complete_example_conforms(validator):
    report = validator.validate(Graph().parse(EXAMPLE))
    assert report.conforms
    assert failing(report) == set()
    outcomes = {r.requirement.id: r.outcome for r in report.results}
    assert outcomes["LIN-11-II"] == "needs-attestation" and outcomes["LIN-07-IV"] == "conforms"


def test_every_requirement_has_a_failing_variant():
    named = {p.stem.split("--")[0] for p in VARIANTS}
    assert named == set(catalogue_rows())


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_each_variant_fails_exactly_its_requirement(validator, path):
    rid = path.stem.split("--")[0]
    report = validator.validate(variant(path))
    assert failing(report) == {rid}
    result = next(r for r in report.results if r.requirement.id == rid)
    assert result.outcome == result.requirement.severity
    assert report.conforms == (result.requirement.severity != "violation")
    for finding in result.findings:
        assert finding.message.get("es") and finding.message.get("en"), finding


def test_missing_octavo_aspect_is_named_by_its_fraction(validator):
    report = validator.validate(variant(next(p for p in VARIANTS if p.stem == "LIN-08")))
    (finding,) = next(r for r in report.results if r.requirement.id == "LIN-08").findings
    assert finding.value.endswith("/aspectos/VI")
    assert "fracción VI" in finding.message["es"] and "section VI" in finding.message["en"]


def test_the_report_graph_is_a_standard_shacl_report(validator):
    report = validator.validate(variant(next(p for p in VARIANTS if p.stem == "LIN-07-IV")))
    (node,) = report.graph.subjects(RDF.type, SH.ValidationReport)
    assert str(report.graph.value(node, SH.conforms)) == "false"


def test_bad_input_is_a_clear_error():
    with pytest.raises(InputError, match="parse"):
        validate(b"@prefix : <x> . :a :b", format="turtle")
    with pytest.raises(InputError, match="no ppi:Proposal"):
        validate(Graph())


def test_a_missing_aspect_shows_the_text_of_its_octavo_fraction(validator):
    report = validator.validate(variant(next(p for p in VARIANTS if p.stem == "LIN-08")))
    (finding,) = next(r for r in report.results if r.requirement.id == "LIN-08").findings
    assert finding.related.iri.endswith("lineamiento_8/fraccion_6")
    assert finding.related.text == "Establece vínculos entre la escuela y su entorno."


# --- ppikg.validate: bytes through the importer ---------------------------------------------------

WORKBOOK = Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx"


def test_validate_bytes_gives_the_verdict_of_the_command_line(tmp_path, capsys, validator, project):
    """ppikg.validate on a workbook's bytes and `ppi validate` on the file agree on every requirement (the command
    is called in this process: tests/test_cli.py runs it as a process of its own)."""
    import json

    import ppikg
    from ppikg.cli import main
    from ppikg.proposals.templates import workbook_bytes

    broken = workbook_bytes(project, variant(next(p for p in VARIANTS if p.stem == "LIN-07-IV")))
    path = tmp_path / "rota.xlsx"
    path.write_bytes(broken)
    for data, conforms in ((WORKBOOK.read_bytes(), True), (broken, False)):
        report = ppikg.validate(data, "xlsx", validator=validator)
        assert report.conforms is conforms
        source = WORKBOOK if conforms else path
        capsys.readouterr()
        assert main(["validate", str(source), "--format", "json"]) == (0 if conforms else 1)
        cli = json.loads(capsys.readouterr().out)
        assert cli["conforms"] is conforms
        assert {r["id"]: r["result"] for r in cli["requirements"]} == \
            {r.requirement.id: r.outcome for r in report.results}
    assert failing(report) == {"LIN-07-IV"}  # the broken workbook's report, the last one


def test_validate_refuses_a_remote_jsonld_context(no_network, validator):
    import json

    import ppikg

    doc = {"@context": ["https://example.org/context.jsonld"], "@id": "https://w3id.org/ppikg/propuestas/x",
           "@type": "https://w3id.org/ppikg/ontology#Proposal"}
    with pytest.raises(InputError, match="JSON-LD remote context 'https://example.org/context.jsonld'"):
        ppikg.validate(json.dumps(doc).encode(), "jsonld", validator=validator)


def test_validate_refuses_too_large_bytes(validator):
    import ppikg
    from ppikg.proposals.importer import MAX_BYTES

    with pytest.raises(InputError, match="file too large"):
        ppikg.validate(b"#" * (MAX_BYTES + 1), "ttl", validator=validator)
