"""Build the shipped RDF data (data/*.ttl, ontology/definitions.ttl) from the legal sources and curation tables.

A little over 400 lines, kept in one module on purpose: each generated file has one builder here, and they
share the helpers that tie every triple to the provision it comes from (``dcterms:source``).
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from ..config import Project
from ..namespaces import (
    A449,
    ACUERDO_449,
    ASPECTS,
    AUTHORITIES,
    CITED,
    COMPETENCIES,
    DCTERMS,
    ELI,
    LIN,
    LINEAMIENTOS,
    OWL,
    PPI,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SUBSYSTEMS,
    XSD,
)
from .legal_texts import ORDINALS, LegalDocument, Provision, load_acuerdo_449, load_lineamientos, normalize_space, roman_to_int

# How each kind of provision is named in labels: (es, en). Words of the UI, not legal text.
_KIND_LABELS = {
    "Preamble": ("Proemio", "Preamble"),
    "Recital": ("Considerando", "Recital"),
    "Chapter": ("Capítulo", "Chapter"),
    "Guideline": ("Lineamiento", "Guideline"),
    "Article": ("artículo", "article"),
    "Fraction": ("fracción", "section"),  # as English translations of Mexican law render it
    "Section": ("apartado", "part"),  # "section" is the fracción
    "Item": ("inciso", "item"),
    "Numeral": ("numeral", "point"),
    "Bullet": ("viñeta", "bullet"),
    "Paragraph": ("párrafo", "paragraph"),
    "TransitoryProvision": ("Transitorio", "Transitory provision"),
    "SigningClause": ("Lugar y fecha de expedición", "Place and date of issue"),
    "Annex": ("Anexo", "Annex"),
    "AnnexColumn": ("columna", "column"),
}
# Cited-provision kinds in citas.csv → (IRI segment, ppi class).
_CITED_KINDS = {
    "articulo": ("articulo", "Article"),
    "fraccion": ("fraccion", "Fraction"),
    "apartado": ("apartado", "Section"),
    "transitorio": ("transitorio", "TransitoryProvision"),
}
_TRAILING = re.compile(r"(,? y|;|\.|:)$")


def read_table(name: str, folder: Path) -> list[dict[str, str]]:
    """Rows of a curation CSV (``folder``/NAME: a project's ``curation_dir``)."""
    with open(folder / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def statement(text: str) -> str:
    """A provision's text without its closing punctuation or connective, for use as a label.

    >>> statement("Diseña, coordina y evalúa la implementación de estrategias para la mejora de la escuela;")
    'Diseña, coordina y evalúa la implementación de estrategias para la mejora de la escuela'
    >>> statement("Ejerce el liderazgo del plantel mediante la administración creativa y eficiente de sus recursos, y")
    'Ejerce el liderazgo del plantel mediante la administración creativa y eficiente de sus recursos'
    """
    return _TRAILING.sub("", text.strip()).strip()


def _new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


@dataclass
class Sources:
    """Everything the build reads: the two parsed instruments and the curation tables."""

    lineamientos: LegalDocument
    acuerdo: LegalDocument
    instruments: list[dict[str, str]]
    citations: list[dict[str, str]]
    subsystems: list[dict[str, str]]
    authorities: list[dict[str, str]]
    entity_names: list[dict[str, str]]  # ISO 3166-2:MX codes the Lineamientos name otherwise, with the reason

    @classmethod
    def load(cls, project: Project) -> "Sources":
        """The legal texts of ``project.sources_dir`` and the tables of ``project.curation_dir``."""
        curation = project.curation_dir
        return cls(
            lineamientos=load_lineamientos(project.sources_dir),
            acuerdo=load_acuerdo_449(project.sources_dir),
            instruments=read_table("instrumentos.csv", curation),
            citations=read_table("citas.csv", curation),
            subsystems=read_table("subsistemas.csv", curation),
            authorities=read_table("autoridades.csv", curation),
            entity_names=read_table("entidades.csv", curation),
        )

    def provision(self, ref: str) -> Provision:
        """A provision by ``lin:PATH`` or ``a449:PATH`` (plain PATH means the Lineamientos)."""
        prefix, _, path = ref.rpartition(":")
        doc = self.acuerdo if prefix == "a449" else self.lineamientos
        return doc.by_path()[path]


def _scheme(g: Graph, scheme: URIRef, label_es: str, label_en: str, source: URIRef) -> URIRef:
    """A SKOS concept scheme with its labels and the provision it comes from."""
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, RDFS.label, Literal(label_es, lang="es")))
    g.add((scheme, RDFS.label, Literal(label_en, lang="en")))
    g.add((scheme, DCTERMS.source, source))
    return scheme


def _labels(doc: LegalDocument, provision: Provision, prefix: tuple[str, str]) -> tuple[str, str]:
    """Spanish and English labels built from the provision's place, e.g. 'Lineamiento Octavo, fracción III'."""
    es, en = _KIND_LABELS[provision.kind]
    number = provision.number or ""
    own_es, own_en = f"{es} {number}".strip(), f"{en} {number}".strip()
    if provision.kind == "Item":
        own_es, own_en = own_es + ")", own_en + ")"
    if provision.parent is None or provision.kind in ("Guideline", "Article"):
        base = prefix
    else:
        base = _labels(doc, doc.by_path()[provision.parent], prefix)
    if not base[0]:
        return own_es, own_en
    return f"{base[0]}, {own_es}", f"{base[1]}, {own_en}"


def provisions_graph(doc: LegalDocument, act: URIRef, ns, label_prefix: tuple[str, str] = ("", "")) -> Graph:
    """One resource per provision: class, number, parent, chapter, document order and exact text."""
    g = _new_graph()
    g.add((act, RDF.type, ELI.LegalResource))
    g.add((act, ELI.title, Literal(doc.title, lang="es")))
    for p in doc.provisions:
        iri = ns[p.path]
        g.add((iri, RDF.type, PPI[p.kind]))
        g.add((iri, ELI.is_part_of, ns[p.parent] if p.parent else act))
        if p.number:
            g.add((iri, ELI.number, Literal(p.number)))
        if p.chapter:
            g.add((iri, PPI.inChapter, ns[p.chapter]))
        if p.title:
            g.add((iri, ELI.title, Literal(p.title, lang="es")))
        g.add((iri, PPI.text, Literal(p.text, lang="es")))
        g.add((iri, PPI.sequence, Literal(p.sequence)))
        es, en = _labels(doc, p, label_prefix)
        g.add((iri, RDFS.label, Literal(es, lang="es")))
        g.add((iri, RDFS.label, Literal(en, lang="en")))
    return g


def _instrument_iri(key: str) -> URIRef:
    acts = {"lin": LINEAMIENTOS, "a449": ACUERDO_449}
    return URIRef(acts[key]) if key in acts else CITED[key]


def _number_slug(kind: str, number: str) -> str:
    """'IX Bis' → '9bis', '3o.' → '3', 'B' → 'b', 'Décimo Octavo' → '18'."""
    if kind == "transitorio":
        return str(ORDINALS[number])
    m = re.fullmatch(r"([IVXL]+)( Bis)?", number)
    if kind == "fraccion" and m:
        return f"{roman_to_int(m.group(1))}{'bis' if m.group(2) else ''}"
    if kind == "articulo" and (digits := re.match(r"\d+", number)):
        return digits.group(0)  # "3o." is article 3
    return re.sub(r"[^0-9a-z]+", "", number.lower())


def cited_target(sources: Sources, g: Graph, target: str) -> URIRef:
    """The IRI a citation points at, adding the cited article (and its parents) to ``g`` if external.

    ``target`` is ``lin:PATH`` for a provision of the Lineamientos, ``KEY`` for a whole instrument, or
    ``KEY:articulo=26;fraccion=II`` for a part of one.
    """
    key, _, spec = target.partition(":")
    if key == "lin":
        return LIN[spec]
    instrument = next(r for r in sources.instruments if r["key"] == key)
    iri = _instrument_iri(key)
    if not spec:
        return iri
    path, label_es, label_en = "", instrument["title"], instrument["title"]
    for part in spec.split(";"):
        kind, _, number = part.partition("=")
        segment, cls = _CITED_KINDS[kind]
        parent = iri
        path = f"{path}/{segment}_{_number_slug(kind, number)}".lstrip("/")
        iri = CITED[f"{key}/{path}"]
        label_es += f", {segment.replace('articulo', 'artículo').replace('fraccion', 'fracción')} {number}"
        label_en += f", {_KIND_LABELS[cls][1]} {number}"
        g.add((iri, RDF.type, PPI[cls]))
        g.add((iri, ELI.is_part_of, parent))
        g.add((iri, ELI.number, Literal(number)))
        g.add((iri, PPI.textAvailable, Literal(False)))
        g.add((iri, RDFS.label, Literal(label_es, lang="es")))
        g.add((iri, RDFS.label, Literal(label_en, lang="en")))
    return iri


def instruments_graph(sources: Sources, g: Graph) -> None:
    """Metadata of each instrument: title, date, issuer — each with the provision it is read from."""
    for row in sources.instruments:
        iri = _instrument_iri(row["key"])
        g.add((iri, RDF.type, ELI.LegalResource))
        g.add((iri, ELI.title, Literal(row["title"], lang="es")))
        g.add((iri, RDFS.label, Literal(row["title"], lang="es")))
        if row["key"] not in ("lin", "a449"):
            g.add((iri, PPI.textAvailable, Literal(False)))
            g.add((iri, RDFS.label, Literal(row["title"], lang="en")))
            g.add((iri, DCTERMS.source, LIN[row["title_in"].split(":", 1)[1]]))
        if row["date_document"]:
            g.add((iri, ELI.date_document, Literal(row["date_document"], datatype=XSD.date)))
        if row["passed_by"]:
            g.add((iri, ELI.passed_by, AUTHORITIES[row["passed_by"]]))


def lineamientos_graph(sources: Sources) -> Graph:
    """data/lineamientos.ttl: the Lineamientos provision by provision, with the citations they make."""
    act = URIRef(LINEAMIENTOS)
    g = provisions_graph(sources.lineamientos, act, LIN)
    g.add((act, RDFS.label, Literal("Lineamientos PPI directores EMS (2013)", lang="es")))
    g.add((act, RDFS.label, Literal("Guidelines on PPI for promotion to director, EMS (2013)", lang="en")))
    g.add((act, DCTERMS.source, LIN["lugar_fecha"]))
    instruments_graph(sources, g)
    for row in sources.citations:
        g.add((LIN[row["citing"]], ELI.cites, cited_target(sources, g, row["target"])))
    return g


def acuerdo_graph(sources: Sources) -> Graph:
    """data/acuerdo-449.ttl: articles 1–5 of Acuerdo 449 and its competencies and attributes as SKOS."""
    doc = sources.acuerdo
    act = URIRef(ACUERDO_449)
    g = provisions_graph(doc, act, A449, ("Acuerdo 449", "Acuerdo 449"))
    g.add((act, RDFS.label, Literal("Acuerdo 449 (2008)", lang="es")))
    g.add((act, RDFS.label, Literal("Acuerdo 449 (2008)", lang="en")))
    scheme = _scheme(g, COMPETENCIES["acuerdo-449"], "Competencias del director (Acuerdo 449)",
                     "Director competencies (Acuerdo 449)", A449["articulo_5"])
    for p in doc.provisions:
        if p.kind == "Numeral":
            concept = COMPETENCIES[f"c{p.number}"]
            g.add((concept, RDF.type, PPI.Competency))
            g.add((concept, SKOS.topConceptOf, scheme))
            g.add((concept, SKOS.notation, Literal(p.number)))
            g.add((concept, RDFS.label, Literal(f"Competencia {p.number} del Acuerdo 449", lang="es")))
            g.add((concept, RDFS.label, Literal(f"Acuerdo 449 competency {p.number}", lang="en")))
        elif p.kind == "Bullet":
            assert p.parent is not None  # a bullet is always inside a numeral
            parent = doc.by_path()[p.parent]
            concept = COMPETENCIES[f"c{parent.number}/a{p.number}"]
            g.add((concept, RDF.type, PPI.CompetencyAttribute))
            g.add((concept, SKOS.inScheme, scheme))
            g.add((concept, PPI.attributeOf, COMPETENCIES[f"c{parent.number}"]))
            g.add((concept, SKOS.notation, Literal(f"{parent.number}.{p.number}")))
            g.add((concept, RDFS.label, Literal(f"Atributo {parent.number}.{p.number} del Acuerdo 449", lang="es")))
            g.add((concept, RDFS.label, Literal(f"Acuerdo 449 attribute {parent.number}.{p.number}", lang="en")))
        else:
            continue
        g.add((concept, SKOS.prefLabel, Literal(statement(p.text), lang="es")))
        g.add((concept, DCTERMS.source, A449[p.path]))
    return g


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalize_space(a).lower(), normalize_space(b).lower()).ratio()


def aspect_competency_matches(sources: Sources) -> list[tuple[Provision, Provision, float]]:
    """Each Octavo fracción with the Acuerdo 449 competency whose statement it reproduces, and the score.

    Transitorio Tercero sends Décimo Primero I to Acuerdo 449; the six aspects of Octavo restate its six
    competencies. The match is computed from the two texts, never written by hand.
    """
    aspects = [p for p in sources.lineamientos.provisions if p.kind == "Fraction" and p.parent == "lineamiento_8"]
    competencies = [p for p in sources.acuerdo.provisions if p.kind == "Numeral"]
    matches = []
    for aspect in aspects:
        scored = sorted(((_similarity(statement(aspect.text), statement(c.text)), c) for c in competencies),
                        key=lambda sc: sc[0], reverse=True)
        matches.append((aspect, scored[0][1], scored[0][0]))
    return matches


def aspects_graph(sources: Sources) -> Graph:
    """data/aspectos.ttl: the six aspects of Octavo as SKOS concepts, each tied to its competency."""
    g = _new_graph()
    scheme = _scheme(g, ASPECTS["lineamiento-octavo"], "Aspectos del Lineamiento Octavo",
                     "Aspects of Guideline Octavo", LIN["lineamiento_8"])
    for aspect, competency, _score in aspect_competency_matches(sources):
        assert aspect.number is not None  # every fracción of Octavo is numbered
        iri = ASPECTS[aspect.number]
        g.add((iri, RDF.type, PPI.ProfileAspect))
        g.add((iri, SKOS.topConceptOf, scheme))
        g.add((iri, SKOS.notation, Literal(aspect.number)))
        g.add((iri, SKOS.prefLabel, Literal(statement(aspect.text), lang="es")))
        g.add((iri, RDFS.label, Literal(f"Aspecto {aspect.number} del Lineamiento Octavo", lang="es")))
        g.add((iri, RDFS.label, Literal(f"Octavo aspect {aspect.number}", lang="en")))
        g.add((iri, DCTERMS.source, LIN[aspect.path]))
        g.add((iri, PPI.correspondsToCompetency, COMPETENCIES[f"c{competency.number}"]))
        g.add((iri, DCTERMS.source, A449[competency.path]))
        g.add((iri, DCTERMS.source, LIN["transitorio_3"]))
    return g


def subsystems_graph(sources: Sources) -> Graph:
    """data/subsistemas.ttl: the categories of Segundo XIX a)–e), the subsystems they name, the authorities."""
    g = _new_graph()
    scheme = _scheme(g, SUBSYSTEMS["categorias"], "Categorías de subsistemas (Lineamiento Segundo, fracción XIX)",
                     "Subsystem categories (Guideline Segundo, section XIX)", LIN["lineamiento_2/fraccion_19"])
    for p in sources.lineamientos.provisions:
        if p.kind == "Item" and p.parent == "lineamiento_2/fraccion_19":
            category = SUBSYSTEMS[f"categoria/{p.number}"]
            heading = p.text.split(":", 1)[0]
            g.add((category, RDF.type, PPI.SubsystemCategory))
            g.add((category, SKOS.topConceptOf, scheme))
            g.add((category, SKOS.notation, Literal(p.number)))
            g.add((category, SKOS.prefLabel, Literal(heading, lang="es")))
            g.add((category, RDFS.label, Literal(heading, lang="es")))
            g.add((category, RDFS.label, Literal(f"Subsystem category {p.number})", lang="en")))
            g.add((category, DCTERMS.source, LIN[p.path]))
    for row in sources.subsystems:
        iri = SUBSYSTEMS[row["key"]]
        label = f"{row['name']} ({row['acronym']})" if row["acronym"] else row["name"]
        g.add((iri, RDF.type, PPI.Subsystem))
        g.add((iri, RDFS.label, Literal(label, lang="es")))
        g.add((iri, RDFS.label, Literal(label, lang="en")))
        if row["acronym"]:
            g.add((iri, PPI.acronym, Literal(row["acronym"])))
        g.add((iri, PPI.subsystemCategory, SUBSYSTEMS[f"categoria/{row['inciso']}"]))
        g.add((iri, DCTERMS.source, LIN[f"lineamiento_2/fraccion_19/inciso_{row['inciso']}"]))
    for row in sources.authorities:
        iri = AUTHORITIES[row["key"]]
        cls = PROV.Organization if row["class"] == "Organization" else PPI[row["class"]]
        g.add((iri, RDF.type, cls))
        g.add((iri, RDFS.label, Literal(row["name"], lang="es")))
        g.add((iri, RDFS.label, Literal(row["name"], lang="en")))
        g.add((iri, DCTERMS.source, LIN[row["provision"]]))
    local_authorities(sources, g)
    return g


def local_authorities(sources: Sources, g: Graph) -> None:
    """One Autoridad Educativa Local per federal entity (Segundo I: the executive of each state and of the
    Distrito Federal), ``aut:ael/mx-jal``…, the entities read from ISO 3166-2:MX (pycountry), not written
    here; an entity the Lineamientos name otherwise (the Distrito Federal, MX-CMX) keeps their name, with the
    reason of the mapping."""
    import pycountry

    named = {row["iso_code"]: row for row in sources.entity_names}
    for entity in sorted(pycountry.subdivisions.get(country_code="MX"), key=lambda e: e.code):
        iri = AUTHORITIES[f"ael/{entity.code.lower()}"]
        row = named.get(entity.code)
        name = row["lineamientos_name"] if row else entity.name
        g.add((iri, RDF.type, PPI.LocalEducationAuthority))
        g.add((iri, RDFS.label, Literal(f"Autoridad Educativa Local: {name}", lang="es")))
        g.add((iri, RDFS.label, Literal(f"Local education authority: {name}", lang="en")))
        g.add((iri, SKOS.notation, Literal(entity.code)))
        g.add((iri, DCTERMS.spatial, Literal(entity.name)))
        g.add((iri, DCTERMS.source, LIN["lineamiento_2/fraccion_1"]))
        if row:
            g.add((iri, RDFS.comment, Literal(row["reason_es"], lang="es")))
            g.add((iri, RDFS.comment, Literal(row["reason_en"], lang="en")))


def definitions_graph(sources: Sources, ontology: Graph) -> Graph:
    """ontology/definitions.ttl: skos:definition of each class whose source is the definition of its term in Segundo."""
    g = _new_graph()
    segundo = LIN["lineamiento_2/"]
    for cls, source in sorted(ontology.subject_objects(DCTERMS.source)):
        if not str(source).startswith(str(segundo)) or (cls, RDF.type, OWL.Class) not in ontology:
            continue
        provision = sources.provision(str(source)[len(str(LIN)):])
        term, sep, definition = provision.text.partition(": ")
        labels = [str(l).lower() for l in ontology.objects(cls, RDFS.label) if getattr(l, "language", None) == "es"]
        # Only the class that *is* the defined term ("Subsistemas" → Subsistema), not others sourced there.
        if not sep or not any(term.lower().startswith(label) for label in labels):
            continue
        g.add((cls, SKOS.definition, Literal(statement(definition), lang="es")))
    return g


def build_all(project: Project, sources: Sources | None = None) -> dict[Path, Graph]:
    """Every generated file of ``project``, keyed by its path, as graphs (from ``sources``, by default the
    project's own)."""
    sources = sources or Sources.load(project)
    ontology = Graph().parse(project.ontology_file)
    data = project.data_dir
    return {
        data / "lineamientos.ttl": lineamientos_graph(sources),
        data / "acuerdo-449.ttl": acuerdo_graph(sources),
        data / "aspectos.ttl": aspects_graph(sources),
        data / "subsistemas.ttl": subsystems_graph(sources),
        project.ontology_dir / "definitions.ttl": definitions_graph(sources, ontology),
    }


_HEADER = "# Generated by `ppi build-data` from ../shared/sources and data/curation/. Do not edit by hand.\n"


def write_all(graphs: dict[Path, Graph]) -> list[Path]:
    """Write the generated files; returns the paths written."""
    for path, g in graphs.items():
        path.write_text(_HEADER + g.serialize(format="turtle"), encoding="utf-8")
    return list(graphs)


def stale_files(graphs: dict[Path, Graph]) -> list[Path]:
    """Generated files that are missing or differ (as graphs) from what the sources give now."""
    stale = []
    for path, g in graphs.items():
        if not path.is_file() or not isomorphic(Graph().parse(path), g):
            stale.append(path)
    return stale
