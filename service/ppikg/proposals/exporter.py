"""Graph → tables: the template rows (typed cell values) for one proposal, the inverse of the importer."""

from __future__ import annotations

import re
from typing import Any, Sequence

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..config import Project
from ..errors import InputError, msg
from .kinds import ID_RE, KINDS, Rows, shipped
from .spec import LIST_SEPARATOR, PROPOSALS, Sheet, load_spec, proposal_iri
from .tables import Table, build_graph


def natural_key(text: str) -> list:
    """Sort key that puts 'P2' before 'P10'."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p]


def _rows_of(spec: Sequence[Sheet], graph: Graph, proposal: URIRef, prefix: str, project: Project):
    """Which resources are rows of which sheet (in order), and the sheet of each row id."""
    sheet_of: dict[str, str] = {}
    rows_of: dict[str, list[URIRef]] = {}
    for sheet in spec:
        if sheet.name == "propuesta":
            rows_of[sheet.name] = [proposal]
            continue
        found: set[URIRef] = set()
        for cls in sheet.row_classes():
            found.update(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef) and str(s).startswith(prefix))
        rows_of[sheet.name] = sorted(found, key=lambda s: natural_key(str(s)[len(prefix):]))
        for s in found:
            rid = str(s)[len(prefix):]
            if rid in sheet_of:
                raise InputError(msg("row_of_two_sheets", row=str(s), sheet=sheet_of[rid], other=sheet.name))
            if not ID_RE.match(rid):
                raise InputError(msg("labelled", label=str(s), detail=msg("cell_bad_id", value=rid)))
            sheet_of[rid] = sheet.name
    sheet_of[str(proposal)[len(str(PROPOSALS)):]] = "propuesta"
    return rows_of, Rows(prefix, sheet_of, shipped(project))


def _row_cells(sheet: Sheet, graph: Graph, subject: URIRef, rid: str, rows: Rows) -> list[Any]:
    cells: list[Any] = [rid]
    for col in sheet.columns[1:]:
        kind = KINDS[col.kind]
        if col.kind == "class":
            types = [t for t in graph.objects(subject, RDF.type) if t in col.classes]
            terms = [t for t in types if t != sheet.rdf_class] if len(types) == 1 else types
        elif col.inverse:
            terms = list(graph.subjects(col.prop, subject))
        elif col.subject:
            subj_col = sheet.column(col.subject)
            assert subj_col is not None  # load_spec checks that the subject column exists
            subjects = [o for o in graph.objects(subject, subj_col.prop)
                        if KINDS[subj_col.kind].cell(o, subj_col, rows) is not None]
            terms = [o for s in subjects for o in graph.objects(s, col.prop)]
        else:
            terms = list(graph.objects(subject, col.prop))
        items = [i for i in (kind.cell(t, col, rows) for t in terms) if i is not None]
        items = sorted(set(items), key=lambda v: natural_key(str(v)))
        if not items:
            cells.append(None)
        elif col.is_list:
            bad = [i for i in items if LIST_SEPARATOR in str(i)]
            if bad:
                raise InputError(msg("list_separator", subject=str(subject), property=col.property_text,
                                     separator=LIST_SEPARATOR, value=bad[0]))
            cells.append(f"{LIST_SEPARATOR} ".join(map(str, items)) if len(items) > 1 else items[0])
        elif len(items) > 1:
            raise InputError(msg("values_for_one", subject=str(subject), n=len(items), property=col.property_text,
                                 column=f"{sheet.name}.{col.name}"))
        else:
            cells.append(items[0])
    return cells


def _typed_tables(spec: Sequence[Sheet], rows: dict[str, list[list[Any]]]) -> dict[str, Table]:
    """Exported rows as the importer's tables (header in the spec's order, rows numbered from 2)."""
    return {s.name: Table([c.name for c in s.columns], [(i + 2, r) for i, r in enumerate(rows.get(s.name, []))])
            for s in spec}


def export_tables(graph: Graph, project: Project) -> dict[str, list[list[Any]]]:
    """The template rows (typed cell values) for the one proposal in ``graph``, by sheet, in the template of
    ``project``.

    Raises InputError when the proposal says something the template cannot hold, so that
    importing the result always gives back the same statements.
    """
    spec = load_spec(project.spec_file)
    proposal = proposal_iri(graph)
    if not str(proposal).startswith(str(PROPOSALS)) or not ID_RE.match(str(proposal)[len(str(PROPOSALS)):]):
        raise InputError(msg("proposal_iri_form", base=str(PROPOSALS), iri=str(proposal)))
    prefix = str(proposal) + "/"
    rows_of, rows = _rows_of(spec, graph, proposal, prefix, project)
    tables: dict[str, list[list[Any]]] = {}
    for sheet in spec:
        tables[sheet.name] = []
        for subject in rows_of[sheet.name]:
            rid = str(subject)[len(prefix):] if sheet.name != "propuesta" else str(subject)[len(str(PROPOSALS)):]
            tables[sheet.name].append(_row_cells(sheet, graph, subject, rid, rows))

    # The round trip must be exact: what the tables say is what the graph says about the proposal.
    back = build_graph(_typed_tables(spec, tables), [], project)
    mine = Graph()
    subject_props = {c.prop for s in spec for c in s.columns if c.subject}
    back_subjects = set(back.subjects())
    for t in graph:
        s = str(t[0])
        if s == str(proposal) or s.startswith(prefix) or (t[1] in subject_props and t[0] in back_subjects):
            mine.add(t)
    missing = [t for t in mine if t not in back]
    extra = [t for t in back if t not in mine]
    if missing or extra:
        lines = [msg("not_representable", triple=" ".join(x.n3() for x in t)) for t in missing[:10]]
        lines += [msg("missing_from_graph", triple=" ".join(x.n3() for x in t)) for t in extra[:10]]
        raise InputError(msg("template_misfit", lines=lines))

    return tables
