"""Parse the legal source texts (Lineamientos 2013, Acuerdo 449) into provisions with their exact text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

LINEAMIENTOS_FILE = "lineamientos-ppi-directores-ems-2013.txt"
ACUERDO_449_FILE = "acuerdo-449-2008.txt"

# Spanish ordinals as they number the Lineamientos and their Transitorios (language, not legal text).
_UNITS = ["Primero", "Segundo", "Tercero", "Cuarto", "Quinto", "Sexto", "Séptimo", "Octavo", "Noveno"]
ORDINALS: dict[str, int] = {word: i + 1 for i, word in enumerate(_UNITS)}
ORDINALS["Décimo"] = 10
ORDINALS.update({f"Décimo {word}": 11 + i for i, word in enumerate(_UNITS)})

_ORDINAL_START = re.compile(
    r"^(" + "|".join(sorted(map(re.escape, ORDINALS), key=len, reverse=True)) + r")\.\s+(.*)$"
)
_FRACTION_START = re.compile(r"^-\s+([IVXL]+)\.\s+(.*)$")
_ITEM_START = re.compile(r"^-\s+([a-z])\)\s+(.*)$")
_CHAPTER_START = re.compile(r"^Capítulo\s+([IVX]+)\b\s*(.*)$")
# Lines the OCR rendering interleaves that belong to no provision: page headers and signatures.
_PAGE_HEADER = re.compile(r"^SECRETAR[ÍI]A DE EDUCACI[ÓO]N P[ÚU]BLICA$")
_SIGNATURE = re.compile(r"handwritten signature|firma manuscrita", re.IGNORECASE)
_TERMINAL = (".", ";", ":")


def normalize_space(text: str) -> str:
    """Collapse runs of white space and apply Unicode NFC, as the tests compare texts.

    >>> normalize_space("  a \\n\\t b ")
    'a b'
    """
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def roman_to_int(numeral: str) -> int:
    """Value of a Roman numeral.

    >>> roman_to_int("XIX"), roman_to_int("IV")
    (19, 4)
    """
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for i, ch in enumerate(numeral):
        v = values[ch]
        total += -v if i + 1 < len(numeral) and values[numeral[i + 1]] > v else v
    return total


@dataclass
class Provision:
    """One provision: where it sits (``path`` under the act's IRI), what it is, and its exact text."""

    path: str
    kind: str  # a local name of a ppi: class: Guideline, Fraction, Item, Paragraph, …
    number: str | None
    text: str
    parent: str | None  # path of the enclosing provision; None for a direct part of the act
    chapter: str | None = None
    title: str | None = None  # headings of chapters and annex columns
    sequence: int = 0


@dataclass
class LegalDocument:
    """A parsed instrument: its title and its provisions in document order."""

    title: str
    provisions: list[Provision] = field(default_factory=list)

    def by_path(self) -> dict[str, Provision]:
        return {p.path: p for p in self.provisions}

    def add(self, provision: Provision) -> Provision:
        provision.sequence = len(self.provisions) + 1
        self.provisions.append(provision)
        return provision


def read_source(name: str, sources: Path) -> str:
    """The text of a source file in the folder ``sources`` (a project's ``sources_dir``)."""
    path = sources / name
    if not path.is_file():
        raise FileNotFoundError(f"legal source not found: {path} (set PPIKG_SOURCES to the sources folder)")
    return path.read_text(encoding="utf-8")


def _is_noise(line: str) -> bool:
    return bool(_PAGE_HEADER.match(line) or _SIGNATURE.search(line))


def _is_structural(line: str) -> bool:
    return bool(
        _ORDINAL_START.match(line)
        or _FRACTION_START.match(line)
        or _ITEM_START.match(line)
        or _CHAPTER_START.match(line)
        or line in ("CONSIDERANDO", "Transitorios")
        or line.startswith("Que ")
        or line.isupper()
        or "\t" in line
    )


def lineamientos_blocks(text: str) -> list[str]:
    """The source as paragraphs: noise removed, and a paragraph cut by a page break joined again.

    A paragraph that does not end in ``.``, ``;`` or ``:`` continues in the next block unless that
    block opens a new provision. Chapter headings that wrap over several lines are joined too.
    """
    # Tabs separate the cells of Anexo A's table: keep them, normalise each cell.
    lines = ["\t".join(normalize_space(cell) for cell in line.split("\t")) for line in text.splitlines()]
    lines = [line for line in lines if line.strip() and not _is_noise(line)]
    blocks: list[str] = []
    for line in lines:
        if blocks and not _is_structural(line):
            previous = blocks[-1]
            heading = _CHAPTER_START.match(previous)
            if heading or not previous.endswith(_TERMINAL):
                blocks[-1] = f"{previous} {line}"
                continue
        blocks.append(line)
    return blocks


def parse_lineamientos(text: str) -> LegalDocument:
    """Every provision of the Lineamientos, from the preamble to the columns of Anexo A."""
    blocks = lineamientos_blocks(text)
    doc: LegalDocument | None = None
    preamble: list[str] = []
    recitals: list[str] = []
    state = "preamble"
    chapter: str | None = None
    current: Provision | None = None  # the lineamiento or transitorio being read
    last_fraction: Provision | None = None
    paragraphs = 1  # paragraphs of ``current`` so far
    anexo_rows: list[list[str]] = []
    anexo: Provision | None = None

    for block in blocks:
        if state == "preamble":
            if block == "CONSIDERANDO":
                state = "recitals"
            else:
                preamble.append(block)
            continue
        if state == "recitals":
            if block.startswith("Que "):
                recitals.append(block)
                continue
            doc = LegalDocument(title=block)
            for p in preamble:
                doc.add(Provision("preambulo", "Preamble", None, p, None))
            for i, r in enumerate(recitals, 1):
                doc.add(Provision(f"considerando_{i}", "Recital", str(i), r, None))
            state = "body"
            continue
        assert doc is not None
        if state == "anexo":
            anexo_rows.append(block.split("\t"))
            continue
        if m := _CHAPTER_START.match(block):
            number, heading = m.groups()
            chapter = f"capitulo_{roman_to_int(number)}"
            doc.add(Provision(chapter, "Chapter", number, heading, None, chapter=None, title=heading))
            continue
        if block == "Transitorios":
            state, chapter = "transitorios", None
            continue
        if block.startswith("México, "):
            doc.add(Provision("lugar_fecha", "SigningClause", None, block, None))
            current = None
            continue
        if block.startswith("ANEXO A"):
            anexo = doc.add(Provision("anexo_a", "Annex", "A", block, None, title=block))
            state = "anexo"
            continue
        if m := _ORDINAL_START.match(block):
            word, body = m.groups()
            n = ORDINALS[word]
            if state == "transitorios":
                current = doc.add(Provision(f"transitorio_{n}", "TransitoryProvision", word, body, None))
            else:
                current = doc.add(Provision(f"lineamiento_{n}", "Guideline", word, body, chapter, chapter))
            last_fraction, paragraphs = None, 1
            continue
        if current is None:
            raise ValueError(f"text outside any provision: {block[:80]!r}")
        if m := _FRACTION_START.match(block):
            numeral, body = m.groups()
            last_fraction = doc.add(
                Provision(f"{current.path}/fraccion_{roman_to_int(numeral)}", "Fraction", numeral, body,
                          current.path, chapter)
            )
            continue
        if m := _ITEM_START.match(block):
            if last_fraction is None:
                raise ValueError(f"inciso outside a fracción: {block[:80]!r}")
            letter, body = m.groups()
            doc.add(Provision(f"{last_fraction.path}/inciso_{letter}", "Item", letter, body,
                              last_fraction.path, chapter))
            continue
        paragraphs += 1
        doc.add(Provision(f"{current.path}/parrafo_{paragraphs}", "Paragraph", str(paragraphs), block,
                          current.path, chapter))

    if doc is None or anexo is None:
        raise ValueError("the source has no body or no Anexo A: is it the Lineamientos?")
    if len(anexo_rows) != 2 or len({len(r) for r in anexo_rows}) != 1:
        raise ValueError("Anexo A: expected a header row and a description row with the same columns")
    for i, (heading, description) in enumerate(zip(*anexo_rows), 1):
        doc.add(Provision(f"anexo_a/columna_{i}", "AnnexColumn", str(i), normalize_space(description),
                          anexo.path, title=normalize_space(heading)))
    return doc


def load_lineamientos(sources: Path) -> LegalDocument:
    """Parse the Lineamientos from the sources folder."""
    return parse_lineamientos(read_source(LINEAMIENTOS_FILE, sources))


# --- Acuerdo 449 -------------------------------------------------------------------------------

_DOF_LAYOUT = re.compile(r"^(Martes 2 de diciembre de 2008|DIARIO OFICIAL|\(Primera Sección\)\s+\d+|●)$")
_ARTICLE_START = re.compile(r"^Artículo (\d+)\.-\s*(.*)$")
_A449_FRACTION = re.compile(r"^([IVX]+)\.$")
_A449_NUMERAL = re.compile(r"^(\d+)\.$")


def acuerdo_449_lines(text: str) -> list[str]:
    """The Acuerdo's lines without the note (``#``) and the DOF page layout (headers, bullets)."""
    lines = []
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        line = normalize_space(raw)
        if line and not _DOF_LAYOUT.match(line):
            lines.append(line)
    return lines


def parse_acuerdo_449(text: str) -> LegalDocument:
    """Articles 1–5 of Acuerdo 449; article 5's competencies (numerales) and attributes (viñetas).

    Bullets ("●") are layout in the rendering but mark each attribute, so they are read from the raw
    text before being dropped.
    """
    raw_lines = [normalize_space(l) for l in text.splitlines() if not l.startswith("#")]
    raw_lines = [l for l in raw_lines if l and not _DOF_LAYOUT.match(l) or l == "●"]
    title_start = next(i for i, l in enumerate(raw_lines) if l.startswith("ACUERDO número 449"))
    title_end = next(i for i in range(title_start, len(raw_lines)) if raw_lines[i].endswith("."))
    doc = LegalDocument(title=" ".join(raw_lines[title_start:title_end + 1]))
    start = next(i for i, l in enumerate(raw_lines) if re.match(r"^Capítulo [IVX]+$", l))
    end = next(i for i, l in enumerate(raw_lines) if l == "TRANSITORIOS")
    chapter: str | None = None
    chapter_number: str | None = None
    article: Provision | None = None
    numeral: Provision | None = None
    target: Provision | None = None  # the provision whose text the next lines continue
    bullets = 0
    pending: str | None = None  # "fraction:<numeral>" / "numeral:<n>" / "bullet" awaiting its text
    for line in raw_lines[start:end]:
        if m := re.match(r"^Capítulo ([IVX]+)$", line):
            chapter_number, chapter, target = m.group(1), None, None
            continue
        if chapter_number and chapter is None:
            chapter = f"capitulo_{roman_to_int(chapter_number)}"
            doc.add(Provision(chapter, "Chapter", chapter_number, line, None, title=line))
            target = None
            continue
        if m := _ARTICLE_START.match(line):
            n, body = m.groups()
            article = target = doc.add(Provision(f"articulo_{n}", "Article", n, body, chapter, chapter))
            numeral = None
            continue
        assert article is not None
        if line == "●":
            pending = "bullet"
            continue
        if (m := _A449_FRACTION.match(line)) and pending is None:
            pending = f"fraction:{m.group(1)}"
            continue
        if (m := _A449_NUMERAL.match(line)) and pending is None:
            pending = f"numeral:{m.group(1)}"
            continue
        if pending:
            kind, _, label = pending.partition(":")
            if kind == "fraction":
                target = doc.add(Provision(f"{article.path}/fraccion_{roman_to_int(label)}", "Fraction",
                                           label, line, article.path, chapter))
            elif kind == "numeral":
                numeral = target = doc.add(Provision(f"{article.path}/numeral_{label}", "Numeral", label,
                                                     line, article.path, chapter))
                bullets = 0
            else:
                if numeral is None:
                    raise ValueError(f"attribute outside a competency: {line[:60]!r}")
                bullets += 1
                target = doc.add(Provision(f"{numeral.path}/vineta_{bullets}", "Bullet", str(bullets), line,
                                           numeral.path, chapter))
            pending = None
            continue
        if target is None:
            raise ValueError(f"Acuerdo 449: text outside any provision: {line[:60]!r}")
        target.text = f"{target.text} {line}"
    return doc


def load_acuerdo_449(sources: Path) -> LegalDocument:
    """Parse Acuerdo 449 from the sources folder."""
    return parse_acuerdo_449(read_source(ACUERDO_449_FILE, sources))
