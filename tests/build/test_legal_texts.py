"""The source parser: every provision of the Lineamientos and Acuerdo 449, with its exact text."""

from __future__ import annotations

import re

import pytest

from ppikg.build import legal_texts as src
from ppikg.build.legal_texts import normalize_space


def is_noise(line: str) -> bool:
    """A page header, or the description of a signature (in English or Spanish): what the scan adds to the text."""
    return line == "SECRETARÍA DE EDUCACIÓN PÚBLICA" or bool(re.search("handwritten signature|firma manuscrita", line))


def clean_source(text: str) -> str:
    """The source without page headers and signature descriptions, white space normalised."""
    lines = [l for l in text.splitlines() if not is_noise(normalize_space(l))]
    return normalize_space("\n".join(lines))


@pytest.fixture(scope="module")
def raw(project) -> str:
    return src.read_source(src.LINEAMIENTOS_FILE, project.sources_dir)


def test_every_stored_text_occurs_in_the_source(sources, raw):
    haystack = clean_source(raw)
    for p in sources.lineamientos.provisions:
        assert p.text in haystack, p.path
        if p.title:
            assert p.title in haystack, p.path
    assert sources.lineamientos.title in haystack


def test_counts_match_an_independent_count_of_the_source(sources, raw):
    lines = [normalize_space(l) for l in raw.splitlines()]
    kinds = [p.kind for p in sources.lineamientos.provisions]
    body, transitorios = raw.split("\nTransitorios\n")
    ordinal = re.compile(r"^(Primero|Segundo|Tercero|Cuarto|Quinto|Sexto|Séptimo|Octavo|Noveno|Décimo)[ \w]*\. ")
    assert kinds.count("Recital") == sum(l.startswith("Que ") for l in lines) == 10
    assert kinds.count("Chapter") == sum(l.startswith("Capítulo ") for l in lines) == 5
    assert kinds.count("Guideline") == sum(bool(ordinal.match(normalize_space(l))) for l in body.splitlines()) == 17
    assert kinds.count("TransitoryProvision") == sum(
        bool(ordinal.match(normalize_space(l))) for l in transitorios.splitlines()) == 4
    assert kinds.count("Fraction") == sum(bool(re.match(r"^- [IVX]+\. ", l)) for l in lines) == 57
    assert kinds.count("Item") == sum(bool(re.match(r"^- [a-z]\) ", l)) for l in lines) == 5
    assert kinds.count("AnnexColumn") == raw.splitlines()[-2].count("\t") + 1 == 4
    # The unnumbered paragraphs named by the issue: Cuarto, Quinto, Décimo, Décimo Sexto, Décimo Séptimo.
    paragraphs = {p.path for p in sources.lineamientos.provisions if p.kind == "Paragraph"}
    assert paragraphs == {f"lineamiento_{n}/parrafo_2" for n in (4, 5, 10, 16, 17)}


def test_no_line_of_the_source_is_lost(sources, raw):
    stored = " ".join([sources.lineamientos.title] + [p.text for p in sources.lineamientos.provisions]
                      + [p.title or "" for p in sources.lineamientos.provisions])
    for line in raw.splitlines():
        line = normalize_space(line)
        if not line or is_noise(line) or line in ("CONSIDERANDO", "Transitorios"):
            continue
        line = re.sub(r"^(- [IVX]+\. |- [a-z]\) |Capítulo [IVX]+ ?)", "", line)
        line = re.sub(r"^(Primero|Segundo|Tercero|Cuarto|Quinto|Sexto|Séptimo|Octavo|Noveno|Décimo)[ \w]*?\. ", "", line)
        for cell in line.split("\t") if "\t" in line else [line]:
            assert normalize_space(cell) in stored, cell[:80]


def test_a_provision_cut_by_a_page_break_is_joined(raw):
    sentence = "deben ser un referente para la buena práctica profesional y, en general,"
    assert sentence in raw
    broken = raw.replace(
        "buena práctica profesional y, en general,",
        "buena práctica profesional y,\n\nA handwritten signature in black ink.\n\n\n\n"
        "SECRETARÍA DE EDUCACIÓN PÚBLICA\n\nen general,",
    )
    a, b = src.parse_lineamientos(raw), src.parse_lineamientos(broken)
    assert [(p.path, p.text) for p in a.provisions] == [(p.path, p.text) for p in b.provisions]


def test_structure_of_segundo_xix_and_octavo(sources):
    by_path = sources.lineamientos.by_path()
    assert by_path["lineamiento_2/fraccion_19/inciso_e"].parent == "lineamiento_2/fraccion_19"
    assert by_path["lineamiento_8/fraccion_3"].number == "III"
    assert by_path["lineamiento_8/fraccion_3"].chapter == "capitulo_3"
    assert by_path["capitulo_2"].title.endswith("Servicio Profesional Docente")  # heading wrapped over two lines
    assert by_path["anexo_a/columna_1"].title == "Desglose del perfil directivo"


def test_acuerdo_449_competencies_and_attributes(sources, project):
    raw = normalize_space(src.read_source(src.ACUERDO_449_FILE, project.sources_dir).replace("●", ""))
    numerals = [p for p in sources.acuerdo.provisions if p.kind == "Numeral"]
    bullets = [p for p in sources.acuerdo.provisions if p.kind == "Bullet"]
    assert len(numerals) == 6
    body = [l for l in src.read_source(src.ACUERDO_449_FILE, project.sources_dir).splitlines() if not l.startswith("#")]
    assert len(bullets) == sum(l.strip() == "●" for l in body) - 6 == 35  # six bullets are in the recitals
    for p in sources.acuerdo.provisions:
        assert p.text in raw, p.path


def test_bad_source_gives_a_clear_error():
    with pytest.raises(ValueError, match="Anexo A|no body"):
        src.parse_lineamientos("CONSIDERANDO\nQue algo;\nTITULO\nPrimero. Texto.\n")
