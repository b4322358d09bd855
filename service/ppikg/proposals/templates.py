"""The generated template files — the ``.xlsx`` workbook with its ``LEEME`` sheet, the CSV folders — and
``docs/template.md``, all from the spec; ``ppi build-data`` writes them and ``ppi build-data --check`` checks them."""

from __future__ import annotations

import csv
import datetime as _dt
import io
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal
from rdflib.namespace import RDFS
from rdflib.term import Node

from ..config import Project
from ..namespaces import PPI
from . import importer
from .exporter import export_tables
from .cells import canonical_decimal
from .kinds import KINDS, shipped
from .spec import LISTS_SHEET, PROPOSALS, README_SHEET, curie_of, load_spec

#: The generated templates in ``data/templates``: file or folder name → filled in with the example or not.
GENERATED = {"propuesta-ppi.xlsx": False, "propuesta-ppi": False,
             "propuesta-ejemplo-dgb.xlsx": True, "propuesta-ejemplo-dgb": True}

_DOC_HEADER = ["hoja / sheet", "columna / column", "tipo / kind", "lista / list", "obligatoria / required",
               "propiedad / property", "descripción", "description"]


def example_graph(project: Project) -> Graph:
    """The example proposal shipped in ``data/examples``."""
    g = Graph()
    g.parse(project.example_file, format="turtle")
    return g


def _tables(project: Project, graph: Graph | None) -> dict[str, list[list[Any]]]:
    return export_tables(graph, project) if graph is not None else {s.name: [] for s in load_spec(project.spec_file)}


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return canonical_decimal(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _yes_no(flag: bool) -> str:
    return "sí" if flag else "no"


def _doc_rows(project: Project) -> list[list[str]]:
    rows = []
    for sheet in load_spec(project.spec_file):
        for c in sheet.columns:
            rows.append([sheet.name, c.name, c.kind + (f" → {c.refers_to}" if c.refers_to else ""),
                         _yes_no(c.is_list), _yes_no(c.required), c.property_text or "—",
                         c.description_es, c.description_en])
    return rows


#: Rows a column's drop-down list and date check cover (the template's tables are far shorter).
VALIDATED_ROWS = 1000


def _validation(ws, col, letter: str, ranges: dict[str, str]) -> None:
    """A drop-down list for a column of a kind with choices; a date check for a date column. Both warn rather
    than refuse: an Organismo Descentralizado's od/ key, several values of a list column («I; III»), a date
    written dd/mm/aaaa are right too."""
    from openpyxl.worksheet.datavalidation import DataValidation

    cells = f"{letter}2:{letter}{VALIDATED_ROWS + 1}"
    kind = KINDS[col.kind]
    if kind.name in ranges:
        check = DataValidation(type="list", formula1=ranges[kind.name], allow_blank=True, errorStyle="warning",
                               showErrorMessage=True)
    elif kind.name == "date":
        check = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                               errorStyle="warning", showErrorMessage=True)
    else:
        return
    several = " Varios: sepárelos con «;». / Several: separate them with “;”." if col.is_list else ""
    check.promptTitle, check.prompt = col.name[:32], (f"{kind.es} / {kind.en}"[:255 - len(several)] + several)
    check.errorTitle, check.error = col.name[:32], f"{kind.es} / {kind.en}"[:255]
    check.showInputMessage = True
    check.add(cells)
    ws.add_data_validation(check)


def workbook_bytes(project: Project, graph: Graph | None = None) -> bytes:
    """The ``.xlsx`` template: a ``LEEME`` sheet documenting every column, then one sheet per spec sheet.

    With ``graph`` (one proposal) the sheets are filled in with it; importing the workbook gives it back.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname

    tables = _tables(project, graph)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    intro = [
        ["Plantilla de propuesta de parámetros e indicadores (Lineamientos 2013, Anexo A). "
         "Llene una hoja por tabla; la primera fila de cada hoja es el encabezado. "
         "Las listas se separan con «;». Las fechas, AAAA-MM-DD."],
        ["Template for a proposal of parameters and indicators (Lineamientos 2013, Anexo A). "
         "Fill in one sheet per table; the first row of each sheet is the header. "
         "Lists are separated by “;”. Dates, YYYY-MM-DD."],
        [],
    ]
    for r in intro:
        readme.append(r)
    readme.append(_DOC_HEADER)
    for c in readme[len(intro) + 1]:
        c.font, c.fill = bold, fill
    for r in _doc_rows(project):
        readme.append(r)
    readme.append([])
    readme.append(["tipo / kind", "descripción", "description"])
    for c in readme[readme.max_row]:
        c.font, c.fill = bold, fill
    for kind in KINDS.values():
        readme.append([kind.name, kind.es, kind.en])
    for i, width in enumerate([20, 28, 22, 12, 14, 36, 70, 70], start=1):
        readme.column_dimensions[get_column_letter(i)].width = width
    for row in readme.iter_rows(min_row=len(intro) + 2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")

    data = shipped(project)
    choices = {kind.name: values for kind in KINDS.values() if (values := kind.choices(data))}
    ranges = {name: f"{quote_sheetname(LISTS_SHEET)}!${get_column_letter(i)}$2:${get_column_letter(i)}${len(v) + 1}"
              for i, (name, v) in enumerate(choices.items(), start=1)}

    for sheet in load_spec(project.spec_file):
        ws = wb.create_sheet(sheet.name)
        ws.append([c.name for c in sheet.columns])
        for c in ws[1]:
            c.font, c.fill = bold, fill
        ws.freeze_panes = "A2"
        for values in tables[sheet.name]:
            ws.append(values)
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            longest = max([len(col.name)] + [len(_csv_text(r[i - 1])) for r in tables[sheet.name]])
            ws.column_dimensions[letter].width = min(max(longest + 2, 12), 60)
            # Text columns are formatted as text, so that Excel keeps what is typed (3.10 stays 3.10).
            fmt = KINDS[col.kind].number_format
            ws.column_dimensions[letter].number_format = fmt
            for cell in ws[letter][1:]:
                cell.number_format = fmt
            _validation(ws, col, letter, ranges)
    lists = wb.create_sheet(LISTS_SHEET)  # the drop-down lists' values, one column per kind, last and hidden
    lists.sheet_state = "hidden"
    for i, (name, offered) in enumerate(choices.items(), start=1):
        for row, value in enumerate([name, *offered], start=1):
            lists.cell(row=row, column=i, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_files(project: Project, graph: Graph | None = None) -> dict[str, str]:
    """The CSV template: ``<sheet>.csv`` file name → its text, one per spec sheet, empty or filled in."""
    tables = _tables(project, graph)
    files = {}
    for sheet in load_spec(project.spec_file):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([c.name for c in sheet.columns])
        for values in tables[sheet.name]:
            w.writerow([_csv_text(v) for v in values])
        files[f"{sheet.name}.csv"] = buf.getvalue()
    return files


def _write(path: Path, content: bytes | dict[str, str] | str) -> Path:
    """Write a workbook's bytes, a CSV folder's files (removing CSV files of no sheet) or a text file."""
    path = Path(path)
    if isinstance(content, dict):
        path.mkdir(parents=True, exist_ok=True)
        for old in path.glob("*.csv"):
            if old.name not in content:
                old.unlink()
        for name, text in content.items():
            (path / name).write_text(text, encoding="utf-8")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def write_template(path: Path, project: Project, graph: Graph | None = None) -> Path:
    """Write :func:`workbook_bytes` to ``path`` (its folder created if needed)."""
    return _write(path, workbook_bytes(project, graph))


def write_csv_template(directory: Path, project: Project, graph: Graph | None = None) -> Path:
    """Write :func:`csv_files` into ``directory`` (created if needed), removing CSV files of no sheet."""
    return _write(directory, csv_files(project, graph))


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


@lru_cache(maxsize=4)
def _class_labels(project: Project) -> dict[Node, tuple[str, str]]:
    g = Graph()
    g.parse(project.ontology_file)
    out: dict[Node, tuple[str, str]] = {}
    for s in set(g.subjects(RDFS.label, None)):
        labels = {lab.language: str(lab) for lab in g.objects(s, RDFS.label) if isinstance(lab, Literal)}
        out[s] = (labels.get("es", ""), labels.get("en", ""))
    return out


def render_docs(project: Project) -> str:
    """``docs/template.md``: the template sheet by sheet, column by column, in Spanish and English."""
    labels = _class_labels(project)
    lines = [
        "# Plantilla de propuesta / Proposal template",
        "",
        "<!-- Generated from data/templates/columns.csv by `ppi build-data`. Do not edit by hand. -->",
        "",
        "Las propuestas de parámetros e indicadores (Lineamientos 2013, Transitorio Cuarto y Anexo A) se "
        "entregan como libro `.xlsx` (una hoja por tabla, más la hoja `LEEME`) o como carpeta con un archivo "
        "`<hoja>.csv` (UTF-8) por hoja. La primera fila de cada hoja es el encabezado; las columnas pueden ir "
        "en cualquier orden y las opcionales pueden omitirse. Las listas se separan con `;`. Las plantillas "
        "vacías están en `data/templates/propuesta-ppi.xlsx` y `data/templates/propuesta-ppi/`; el ejemplo "
        "lleno, en `data/templates/propuesta-ejemplo-dgb.xlsx` y `data/templates/propuesta-ejemplo-dgb/`.",
        "",
        "Proposals of parameters and indicators (Lineamientos 2013, Transitorio Cuarto and Anexo A) are "
        "submitted as an `.xlsx` workbook (one sheet per table, plus the `LEEME` sheet) or as a folder with "
        "one `<sheet>.csv` file (UTF-8) per sheet. The first row of each sheet is the header; columns may come "
        "in any order and optional ones may be left out. Lists are separated by `;`. The empty templates are "
        "`data/templates/propuesta-ppi.xlsx` and `data/templates/propuesta-ppi/`; the filled-in example, "
        "`data/templates/propuesta-ejemplo-dgb.xlsx` and `data/templates/propuesta-ejemplo-dgb/`.",
        "",
        f"IRIs: la propuesta es `{PROPOSALS}<id>`; cada fila de otra hoja es `<IRI de la propuesta>/<id>`. / "
        f"The proposal is `{PROPOSALS}<id>`; each row of another sheet is `<proposal IRI>/<id>`.",
        "",
        "Propiedad / property: en la columna `id`, la propiedad con la que la propuesta enlaza cada fila "
        "(vacía si otra columna la enlaza); `^p` indica que la celda nombra el sujeto y la fila es el objeto "
        "(p. ej. `indicadores.parametro`: `<parámetro> ppi:hasIndicator <indicador>`). / On the `id` column, "
        "the property by which the proposal links each row (empty when another column links it); `^p` means "
        "the cell names the subject and the row is the object (e.g. `indicadores.parametro`: "
        "`<parameter> ppi:hasIndicator <indicator>`).",
        "",
        f"Límites / limits: {importer.MAX_ROWS} filas por hoja / rows per sheet; "
        f"{importer.MAX_BYTES // (1024 * 1024)} MB por archivo / per file.",
        "",
        "## Tipos de valor / Value kinds",
        "",
        "| tipo / kind | descripción | description |",
        "|---|---|---|",
    ]
    lines += [f"| `{k.name}` | {_md(k.es)} | {_md(k.en)} |" for k in KINDS.values()]
    for sheet in load_spec(project.spec_file):
        es, en = labels.get(sheet.rdf_class, ("", ""))
        lines += ["", f"## `{sheet.name}`", ""]
        lines.append(f"Cada fila es un(a) *{es}* / each row is a(n) *{en}* (`{curie_of(sheet.rdf_class)}`).")
        if sheet.link is not None:
            lines.append(f"La propuesta la enlaza con / the proposal links it with `{curie_of(sheet.link)}`.")
        lines += [
            "",
            "| columna / column | tipo / kind | lista / list | obligatoria / required | propiedad / property "
            "| descripción | description |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in sheet.columns:
            kind = f"`{c.kind}`" + (f" → `{c.refers_to}`" if c.refers_to else "")
            if c.kind == "class":
                kind += " (" + ", ".join(f"`{str(x)[len(str(PPI)):]}`" for x in c.classes) + ")"
            prop = f"`{c.property_text}`" if c.property_text else "—"
            if c.subject:
                prop += f" (de / of `{c.subject}`)"
            lines.append(f"| `{c.name}` | {kind} | {_yes_no(c.is_list)} | {_yes_no(c.required)} | {prop} "
                         f"| {_md(c.description_es)} | {_md(c.description_en)} |")
    return "\n".join(lines) + "\n"


def cell_values(source: Path | bytes) -> dict[str, list[tuple]]:
    """Every sheet's cell values, row by row: what a workbook says, without its styles and timestamps."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source,
                                read_only=True, data_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _wanted(project: Project, templates_dir: Path | None, docs_file: Path | None) -> dict[Path, bytes | dict[str, str] | str]:
    """Every generated file as it should be: a workbook's bytes, a CSV folder's files, the docs' text; by
    default in the project's ``data/templates`` and ``docs/template.md``."""
    templates_dir = templates_dir or project.templates_dir
    example = example_graph(project)
    wanted: dict[Path, bytes | dict[str, str] | str] = {}
    for name, filled in GENERATED.items():
        graph = example if filled else None
        wanted[templates_dir / name] = (workbook_bytes(project, graph) if name.endswith(".xlsx")
                                        else csv_files(project, graph))
    wanted[docs_file or project.template_doc] = render_docs(project)
    return wanted


def _stale(path: Path, content: bytes | dict[str, str] | str) -> list[Path]:
    """The files at ``path`` that differ from ``content`` (a workbook by its cell values only)."""
    if isinstance(content, bytes):
        return [] if path.is_file() and cell_values(path) == cell_values(content) else [path]
    if isinstance(content, str):
        return [] if path.is_file() and path.read_text(encoding="utf-8") == content else [path]
    found = {f.name for f in path.glob("*.csv")} if path.is_dir() else set()
    return sorted([path / n for n in found - set(content)] +
                  [path / n for n, text in content.items() if n not in found
                   or (path / n).read_text(encoding="utf-8") != text])


def stale_files(project: Project, templates_dir: Path | None = None, docs_file: Path | None = None) -> list[Path]:
    """Generated templates and docs that are missing or differ from what the spec and the example give now."""
    return [p for path, content in _wanted(project, templates_dir, docs_file).items() for p in _stale(path, content)]


def write_all(project: Project, templates_dir: Path | None = None, docs_file: Path | None = None) -> list[Path]:
    """Regenerate the empty and the example templates (xlsx and CSV) and ``docs/template.md``.

    A workbook whose cell values would not change is left alone (its bytes carry a timestamp, so rewriting
    would always show a diff); delete it to force a rewrite after a change of style.
    """
    wanted = _wanted(project, templates_dir, docs_file)
    return [_write(path, content) if _stale(path, content) else path
            for path, content in wanted.items()]
