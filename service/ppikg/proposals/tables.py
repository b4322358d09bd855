"""Tables → graph: the sheets of a filled-in template as read, every problem found in them, the proposal graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..config import Project
from ..errors import InputError, Message, msg, wording
from .cells import is_empty, text_of
from .kinds import KINDS, BadCell, IdKind, Rows, shipped
from .spec import LIST_SEPARATOR, PROPOSALS, Sheet, load_spec


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a template: where (sheet, spreadsheet row with the header at 1, column) and what."""

    sheet: str | None
    row: int | None
    column: str | None
    said: Message | str

    @property
    def message(self) -> str:
        """What is wrong, in English."""
        return str(self.said)

    def text(self, lang: str) -> str:
        """Where and what, in ``lang``."""
        where = []
        if self.sheet is not None:
            where.append(msg("where_sheet", sheet=self.sheet))
        if self.row is not None:
            where.append(msg("where_row", row=self.row))
        if self.column is not None:
            where.append(msg("where_column", column=self.column))
        what = str(wording(self.said, lang))
        return f"{', '.join(m.text(lang) for m in where)}: {what}" if where else what

    def __str__(self) -> str:
        return self.text("en")


class TemplateError(InputError):
    """A filled-in template that cannot be imported; ``problems`` lists every problem found in the file.

    >>> str(TemplateError([Problem("indicadores", 5, "plazo", "not a date: '31/02/2014'")]))
    "sheet 'indicadores', row 5, column 'plazo': not a date: '31/02/2014'"
    """

    def __init__(self, problems: Sequence[Problem] | Message | str, sheet: str | None = None,
                 row: int | None = None, column: str | None = None):
        if isinstance(problems, (str, Message)):
            problems = [Problem(sheet, row, column, problems)]
        self.problems: list[Problem] = list(problems) or [Problem(None, None, None, msg("invalid_template"))]
        first = self.problems[0]
        self.sheet, self.row, self.column, self.message = first.sheet, first.row, first.column, first.message
        super().__init__(str(self))

    def text(self, lang: str) -> str:
        if len(self.problems) == 1:
            return self.problems[0].text(lang)
        return msg("problems", n=len(self.problems)).text(lang) + "\n" + "\n".join(
            f"  {p.text(lang)}" for p in self.problems)

    def __str__(self) -> str:
        return self.text("en")


@dataclass
class Table:
    """One sheet as read: its header and its data rows as (spreadsheet row number, cell values)."""

    header: list[str]
    rows: list[tuple[int, list[Any]]]


def _items(value: Any, is_list: bool) -> list[Any]:
    if is_empty(value):
        return []
    if is_list and isinstance(value, str):
        return [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()]
    return [value.strip() if isinstance(value, str) else value]


def _positions(spec: Sequence[Sheet], tables: dict[str, Table], problems: list[Problem]) -> dict[str, dict[str, int]]:
    """Where each column of each sheet is in the file; the unknown, missing and repeated ones as problems."""
    for name in tables:
        if name not in {s.name for s in spec}:
            problems.append(Problem(name, None, None, msg("unknown_sheet")))
    positions: dict[str, dict[str, int]] = {}
    for sheet in spec:
        table = tables.get(sheet.name)
        if table is None:
            problems.append(Problem(sheet.name, None, None, msg("missing_sheet")))
            continue
        pos: dict[str, int] = {}
        for i, name in enumerate(table.header):
            if not name:
                problems.append(Problem(sheet.name, 1, None, msg("column_without_name", n=i + 1)))
            elif sheet.column(name) is None:
                problems.append(Problem(sheet.name, 1, name, msg("unknown_column")))
            elif name in pos:
                problems.append(Problem(sheet.name, 1, name, msg("column_twice")))
            else:
                pos[name] = i
        for col in sheet.columns:
            if col.name not in pos and col.required:
                problems.append(Problem(sheet.name, 1, col.name, msg("missing_column")))
        positions[sheet.name] = pos
    return positions


def build_graph(tables: dict[str, Table], problems: list[Problem], project: Project) -> Graph:
    """The proposal graph for the tables (read with the spec and shipped data of ``project``), or
    TemplateError listing every problem (with ``problems``)."""
    spec = load_spec(project.spec_file)
    positions = _positions(spec, tables, problems)

    def cell(sheet: Sheet, values: list[Any], name: str) -> Any:
        i = positions[sheet.name].get(name)
        return values[i] if i is not None and i < len(values) else None

    # Pass 1: the ids.
    ids: dict[str, str] = {}
    proposal_id = None
    for sheet in spec:
        if sheet.name not in positions or "id" not in positions[sheet.name]:
            continue
        n = 0
        for rownum, values in tables[sheet.name].rows:
            raw = cell(sheet, values, "id")
            if is_empty(raw):
                continue  # reported in pass 2
            n += 1
            rid = text_of(raw)
            try:
                IdKind().check(rid)
            except BadCell as e:
                problems.append(Problem(sheet.name, rownum, "id", e.said))
                continue
            if rid in ids:
                problems.append(Problem(sheet.name, rownum, "id", msg("id_used", id=rid, sheet=ids[rid])))
            else:
                ids[rid] = sheet.name
                if sheet.name == "propuesta":
                    proposal_id = rid
        if sheet.name == "propuesta" and n != 1:
            problems.append(Problem(sheet.name, None, None, msg("one_proposal_row", n=n)))
    if proposal_id is None:
        raise TemplateError(problems or [Problem("propuesta", None, "id", msg("no_proposal_id"))])

    proposal = PROPOSALS[proposal_id]
    rows = Rows(str(proposal) + "/", ids, shipped(project))
    g = Graph()
    # Pass 2: every cell.
    for sheet in spec:
        if sheet.name not in positions:
            continue
        for rownum, values in tables[sheet.name].rows:
            rid = cell(sheet, values, "id")
            if is_empty(rid):
                problems.append(Problem(sheet.name, rownum, "id", msg("empty_cell")))
                continue
            rid = text_of(rid)
            if ids.get(rid) != sheet.name:
                continue  # bad or duplicate id, already reported
            subject = proposal if sheet.name == "propuesta" else URIRef(rows.prefix + rid)
            if sheet.link is not None:
                g.add((proposal, sheet.link, subject))
            terms: dict[str, list] = {}
            for col in sheet.columns[1:]:
                items = _items(cell(sheet, values, col.name), col.is_list)
                if not items and col.required and col.name in positions[sheet.name]:  # a missing column: once
                    problems.append(Problem(sheet.name, rownum, col.name, msg("empty_cell")))
                terms[col.name] = []
                for item in items:
                    try:
                        term = KINDS[col.kind].term(item, col, rows)
                    except BadCell as e:
                        problems.append(Problem(sheet.name, rownum, col.name, e.said))
                        continue
                    terms[col.name].append(term)
                    for fact in KINDS[col.kind].facts(term):  # e.g. an od/… authority is a decentralised body
                        g.add(fact)
            cc = sheet.class_column
            for cls in (terms.get(cc.name) if cc else None) or [sheet.rdf_class]:
                g.add((subject, RDF.type, cls))
            for col in sheet.columns[1:]:
                if col.kind == "class":
                    continue
                prop = col.prop
                assert prop is not None  # load_spec gives every column but the id a property
                for term in terms[col.name]:
                    if col.inverse:
                        g.add((term, prop, subject))
                    elif col.subject:
                        subjects = terms.get(col.subject) or []
                        if not subjects and is_empty(cell(sheet, values, col.subject)):
                            problems.append(Problem(sheet.name, rownum, col.name,
                                                    msg("needs_column", column=col.subject)))
                        for s in subjects:
                            g.add((s, prop, term))
                    else:
                        g.add((subject, prop, term))
    if problems:
        raise TemplateError(problems)
    return g
