"""Deterministic synthetic PPI data, shaped like the real proposals, for the store benchmarks.

The graph has two parts:

* **reference** triples (one named graph, ``graph/synth-referencia``): the six competencies
  ``competencias/c1..c6`` (``ppi:Competency``), their attributes ``competencias/c{n}/a{1..6}``
  (``ppi:CompetencyAttribute``, ``ppi:attributeOf``) and the six Octavo aspects ``aspectos/I..VI``
  (``ppi:ProfileAspect``, ``ppi:correspondsToCompetency``, aspect k -> competency k), plus the subsystems
  and authorities the proposals point at. ``--no-reference`` leaves them out (when the real
  reference data is loaded alongside).
* **proposals**, one named graph each (``graph/propuesta/synth-NNNNN``): a ``ppi:Proposal`` with a label,
  ``ppi:forSubsystem`` and ``ppi:proposedBy``; 4 evaluation methods; ~30 parameters (25..35), each
  ``ppi:tiedToAspect`` one aspect; ~10 indicators per parameter (8..12), each with a Spanish-like label,
  1..3 ``ppi:coversAttribute``, one ``ppi:usesEvaluationMethod`` and 3..5 ``ppi:PerformanceLevel``
  with ``ppi:levelOrder``. One proposal is ~6,700 triples, so 1M triples is ~150 proposals.

Generation stops at the first indicator boundary at or after the target triple count (the last
proposal may be short), so the count is exact to within one indicator (~25 triples).

Usage::

    python bench/synth.py --triples 1000000 --out bench/out/synth-1m.nt   # format from the extension
    python bench/synth.py --triples 100000 --out bench/out/synth-100k.nq  # one named graph per proposal
    python bench/synth.py --triples 100000 --out bench/out/synth-100k.ttl # Turtle (also .trig)

From Python: ``for block in generate(100_000): ...`` or ``proposal_graphs(100_000)`` for
``(graph_iri, n_triples_bytes)`` pairs ready for a per-proposal loader.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

BASE = "https://w3id.org/ppikg/"
PPI = BASE + "ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
SKOS_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
COMPETENCIES = BASE + "competencias/"
ASPECTS = BASE + "aspectos/"
SUBSYSTEMS = BASE + "subsistemas/"
AUTHORITIES = BASE + "autoridades/"
PROPOSALS = BASE + "propuestas/"
GRAPH = BASE + "graph/"
REFERENCE_GRAPH = GRAPH + "synth-referencia"

ROMAN = ["I", "II", "III", "IV", "V", "VI"]
N_COMPETENCIES = 6
N_ATTRIBUTES = 6
N_SUBSYSTEMS = 30

PREFIXES = {
    "ppi": PPI,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "comp": COMPETENCIES,
    "asp": ASPECTS,
    "sub": SUBSYSTEMS,
    "aut": AUTHORITIES,
    "prop": PROPOSALS,
}

WORDS = (
    "el director promueve la mejora continua de los aprendizajes en el plantel mediante "
    "estrategias de gestión escolar planeación seguimiento evaluación del desempeño docente "
    "ambiente de convivencia sana pacífica inclusiva comunicación con padres de familia "
    "comunidad educativa uso eficiente de recursos financieros materiales humanos liderazgo "
    "académico formación continua trabajo colegiado academias tutorías orientación educativa "
    "normatividad vigente rendición de cuentas transparencia programas de estudio competencias "
    "genéricas disciplinares profesionales evidencias documentadas indicadores resultados "
    "reuniones acuerdos proyectos institucionales diagnóstico necesidades seguridad protección "
    "civil infraestructura mantenimiento vinculación sector productivo egresados abandono escolar"
).split()
LEVEL_NAMES = ["Insuficiente", "Suficiente", "Bueno", "Destacado", "Excelente"]
METHOD_NAMES = ["Revisión documental", "Observación", "Entrevista", "Portafolio de evidencias"]


# A term is ("i", iri) or ("l", lexical, lang_or_None, datatype_or_None).
def iri(v: str) -> tuple:
    return ("i", v)


def lit(v: str, lang: str | None = None, datatype: str | None = None) -> tuple:
    return ("l", v, lang, datatype)


@dataclass
class Block:
    """All triples of one subject, in one named graph."""

    graph: str
    subject: str
    po: list[tuple[str, tuple]] = field(default_factory=list)


def competency(n: int) -> str:
    return f"{COMPETENCIES}c{n}"


def attribute(n: int, k: int) -> str:
    return f"{COMPETENCIES}c{n}/a{k}"


def _attribute_counts() -> dict[int, int]:
    """Attributes per competency as the shipped Acuerdo 449 data has them (c6 has five), so synthetic
    proposals cite only attributes that exist; N_ATTRIBUTES each if the data is not there."""
    shipped = Path(__file__).resolve().parents[1] / "data" / "acuerdo-449.ttl"
    counts = {n: N_ATTRIBUTES for n in range(1, N_COMPETENCIES + 1)}
    if shipped.is_file():
        found = re.findall(r"competencias/c(\d)/a(\d+)", shipped.read_text(encoding="utf-8"))
        for n in counts:
            counts[n] = max((int(k) for c, k in found if int(c) == n), default=N_ATTRIBUTES)
    return counts


ATTRIBUTES = _attribute_counts()


def aspect(k: int) -> str:
    return ASPECTS + ROMAN[k - 1]


def proposal_iri(n: int) -> str:
    return f"{PROPOSALS}synth-{n:05d}"


def proposal_graph(n: int) -> str:
    return f"{GRAPH}propuesta/synth-{n:05d}"


def reference_blocks() -> Iterator[Block]:
    g = REFERENCE_GRAPH
    for n in range(1, N_COMPETENCIES + 1):
        yield Block(g, competency(n), [
            (RDF_TYPE, iri(PPI + "Competency")),
            (SKOS_PREF, lit(f"Competencia {n}", "es")),
            (SKOS_NOTATION, lit(str(n))),
        ])
        for k in range(1, ATTRIBUTES[n] + 1):
            yield Block(g, attribute(n, k), [
                (RDF_TYPE, iri(PPI + "CompetencyAttribute")),
                (SKOS_PREF, lit(f"Atributo {k} de la competencia {n}", "es")),
                (PPI + "attributeOf", iri(competency(n))),
            ])
    for k in range(1, 7):
        yield Block(g, aspect(k), [
            (RDF_TYPE, iri(PPI + "ProfileAspect")),
            (SKOS_PREF, lit(f"Aspecto {ROMAN[k - 1]}", "es")),
            (PPI + "correspondsToCompetency", iri(competency(k))),
        ])
    for s in range(1, N_SUBSYSTEMS + 1):
        yield Block(g, f"{SUBSYSTEMS}synth-{s}", [
            (RDF_TYPE, iri(PPI + "Subsystem")),
            (RDFS_LABEL, lit(f"Subsistema sintético {s}", "es")),
        ])
        yield Block(g, f"{AUTHORITIES}synth-{s}", [
            (RDF_TYPE, iri(PPI + "ResponsibleAuthority")),
            (RDFS_LABEL, lit(f"Autoridad sintética {s}", "es")),
            (PPI + "operatesOrCoordinates", iri(f"{SUBSYSTEMS}synth-{s}")),
        ])


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def generate(triples: int, seed: int = 42, reference: bool = True) -> Iterator[Block]:
    """Blocks (reference first, then proposals) until at least ``triples`` triples are emitted."""
    rng = random.Random(seed)
    count = 0
    if reference:
        for b in reference_blocks():
            count += len(b.po)
            yield b
    n = 0
    while count < triples:
        n += 1
        g, p_iri = proposal_graph(n), proposal_iri(n)
        s = rng.randint(1, N_SUBSYSTEMS)
        prop = Block(g, p_iri, [
            (RDF_TYPE, iri(PPI + "Proposal")),
            (RDFS_LABEL, lit(f"Propuesta sintética {n} de parámetros e indicadores", "es")),
            (PPI + "forSubsystem", iri(f"{SUBSYSTEMS}synth-{s}")),
            (PPI + "proposedBy", iri(f"{AUTHORITIES}synth-{s}")),
        ])
        methods = [f"{p_iri}/metodo/m{k}" for k in range(1, len(METHOD_NAMES) + 1)]
        pending: list[Block] = []
        for m, name in zip(methods, METHOD_NAMES):
            pending.append(Block(g, m, [(RDF_TYPE, iri(PPI + "EvaluationMethod")), (RDFS_LABEL, lit(name, "es"))]))
        count += len(prop.po) + sum(len(b.po) for b in pending)
        yield from pending
        n_params = rng.randint(25, 35)
        for pk in range(1, n_params + 1):
            if count >= triples:
                break
            par_iri = f"{p_iri}/parametro/{pk}"
            asp = rng.randint(1, 6)
            par = Block(g, par_iri, [
                (RDF_TYPE, iri(PPI + "Parameter")),
                (RDFS_LABEL, lit(_sentence(rng, 4, 9), "es")),
                (PPI + "tiedToAspect", iri(aspect(asp))),
            ])
            prop.po.append((PPI + "hasParameter", iri(par_iri)))
            count += 4  # the parameter's three triples + hasParameter
            for ik in range(1, rng.randint(8, 12) + 1):
                if count >= triples:
                    break
                ind_iri = f"{par_iri}/indicador/{ik}"
                par.po.append((PPI + "hasIndicator", iri(ind_iri)))
                ind = Block(g, ind_iri, [
                    (RDF_TYPE, iri(PPI + "Indicator")),
                    (RDFS_LABEL, lit(_sentence(rng, 8, 18), "es")),
                    (PPI + "usesEvaluationMethod", iri(rng.choice(methods))),
                ])
                attrs = set()
                for _ in range(rng.randint(1, 3)):
                    # mostly attributes of the competency of the parameter's aspect, as in real proposals
                    c = asp if rng.random() < 0.6 else rng.randint(1, N_COMPETENCIES)
                    attrs.add(attribute(c, rng.randint(1, ATTRIBUTES[c])))
                for a in sorted(attrs):
                    ind.po.append((PPI + "coversAttribute", iri(a)))
                levels = []
                for lk in range(1, rng.randint(3, 5) + 1):
                    lv_iri = f"{ind_iri}/nivel/{lk}"
                    ind.po.append((PPI + "hasPerformanceLevel", iri(lv_iri)))
                    levels.append(Block(g, lv_iri, [
                        (RDF_TYPE, iri(PPI + "PerformanceLevel")),
                        (RDFS_LABEL, lit(LEVEL_NAMES[lk - 1], "es")),
                        (PPI + "levelOrder", lit(str(lk), datatype=XSD_INTEGER)),
                    ]))
                count += 1 + len(ind.po) + 3 * len(levels)
                yield ind
                yield from levels
            yield par
        yield prop


# ---------------------------------------------------------------- serialisation

def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def nt_term(t: tuple) -> str:
    if t[0] == "i":
        return f"<{t[1]}>"
    _, v, lang, dt = t
    if lang:
        return f'"{_esc(v)}"@{lang}'
    if dt:
        return f'"{_esc(v)}"^^<{dt}>'
    return f'"{_esc(v)}"'


_PREFIX_ORDER = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_LOCAL_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def ttl_iri(v: str) -> str:
    if v == RDF_TYPE:
        return "a"
    for p, ns in _PREFIX_ORDER:
        if v.startswith(ns):
            local = v[len(ns):]
            if local and set(local) <= _LOCAL_OK and local[-1] != "-":
                return f"{p}:{local}"
    return f"<{v}>"


def ttl_term(t: tuple) -> str:
    if t[0] == "i":
        return ttl_iri(t[1])
    _, v, lang, dt = t
    if dt == XSD_INTEGER:
        return v
    return nt_term(t)


def write(blocks, out: io.TextIOBase, fmt: str) -> int:
    """Serialise blocks as nt, nq, ttl or trig; returns the number of triples written."""
    n = 0
    if fmt in ("nt", "nq"):
        quad = fmt == "nq"
        for b in blocks:
            s = f"<{b.subject}>"
            tail = f" <{b.graph}> .\n" if quad else " .\n"
            out.write("".join(f"{s} <{p}> {nt_term(o)}{tail}" for p, o in b.po))
            n += len(b.po)
        return n
    if fmt not in ("ttl", "trig"):
        raise ValueError(f"unknown format {fmt}")
    for p, ns in PREFIXES.items():
        out.write(f"@prefix {p}: <{ns}> .\n")
    out.write("\n")
    trig, current, indent = fmt == "trig", None, ""
    for b in blocks:
        if trig and b.graph != current:
            if current is not None:
                out.write("}\n\n")
            out.write(f"<{b.graph}> {{\n")
            current, indent = b.graph, "    "
        lines = [f"{ttl_iri(p)} {ttl_term(o)}" for p, o in b.po]
        out.write(f"{indent}{ttl_iri(b.subject)} " + f" ;\n{indent}    ".join(lines) + " .\n")
        n += len(b.po)
    if trig and current is not None:
        out.write("}\n")
    return n


def proposal_graphs(triples: int, seed: int = 42, reference: bool = True) -> list[tuple[str, bytes]]:
    """The data split by named graph: ``[(graph_iri, n_triples_bytes), ...]`` in generation order."""
    buffers: dict[str, io.StringIO] = {}
    for b in generate(triples, seed, reference):
        write([b], buffers.setdefault(b.graph, io.StringIO()), "nt")
    return [(g, buf.getvalue().encode()) for g, buf in buffers.items()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, required=True, help="target number of triples")
    ap.add_argument("--out", type=Path, required=True, help="output file; .nt .nq .ttl .trig ('-' for stdout)")
    ap.add_argument("--format", choices=["nt", "nq", "ttl", "trig"], help="default: from the extension of --out")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-reference", action="store_true", help="leave out competencies, attributes, aspects")
    a = ap.parse_args(argv)
    fmt = a.format or (a.out.suffix.lstrip(".") if str(a.out) != "-" else "nt")
    t0 = time.perf_counter()
    blocks = generate(a.triples, a.seed, not a.no_reference)
    if str(a.out) == "-":
        try:
            n = write(blocks, sys.stdout, fmt)
        except BrokenPipeError:  # e.g. piped into head
            sys.stderr.close()
            return 0
    else:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        with a.out.open("w", encoding="utf-8", buffering=1 << 20) as f:
            n = write(blocks, f, fmt)
    print(f"{n} triples -> {a.out} ({fmt}) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
