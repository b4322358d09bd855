"""Import a proposal — bytes with their format, or a file or folder — as its RDF graph, within size limits.

Every input goes through :func:`import_proposal`: an ``.xlsx`` workbook (read from memory), a ``.zip`` of the
sheets' CSV files, a folder of them, Turtle or JSON-LD. The same limits hold for each (``max_bytes`` in all,
``MAX_BYTES`` unless given; ``MAX_ROWS`` and ``MAX_COLUMNS`` per sheet) and JSON-LD must carry its context
inline: nothing is fetched.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, Sequence

from rdflib import Graph

from ..config import Project, Settings
from ..errors import InputError, msg
from .cells import is_empty, text_of
from .spec import LISTS_SHEET, PROPOSALS, README_SHEET, proposal_iri
from .tables import Problem, Table, TemplateError, build_graph

#: Limits against huge or hostile files.
MAX_ROWS = 20_000  # data rows per sheet
MAX_BYTES = Settings.max_body  # per file (xlsx, CSV files in total, RDF), unless the caller gives its own
MAX_COLUMNS = 200  # columns per sheet, header included
#: Bytes the parts of a workbook may expand to: a sheet of 19,000 rows of 16,384 empty cells is 1.35 MB zipped
#: and 1.2 GB of XML, which a reader takes minutes and gigabytes to walk; the filled template expands to ~0.3 MB.
MAX_EXPANDED = 64 * 1024 * 1024
MAX_CELL = 32_767  # characters in one cell: the most a spreadsheet program lets a cell hold
#: Prefixes a Turtle proposal declares, and terms its JSON-LD contexts define: rdflib binds each in time that
#: grows with the number already bound (8,000 prefixes: 9 s; 200,000 held a validation worker to its 60 s
#: limit). A proposal declares about ten.
MAX_PREFIXES = 1_000
_PREFIX_DECLARATION = re.compile(rb"(?:@prefix|\bprefix)\s+[^\s:]*:", re.IGNORECASE)
#: Parts (files) of a workbook: the filled template has 29; a zip of thousands of tiny parts costs every reader
#: seconds to walk (100,000 empty parts: 3.5 s) before it finds one sheet.
MAX_PARTS = 1_000

#: The formats, by every name they go by (a leading dot is ignored: ".xlsx" is "xlsx").
FORMATS = {
    "xlsx": "xlsx",
    "ods": "ods",  # LibreOffice's own format
    "csv-zip": "csv-zip",
    "zip": "csv-zip",
    "csv": "csv",  # a folder: only as a path
    "ttl": "turtle",
    "turtle": "turtle",
    "jsonld": "json-ld",
    "json-ld": "json-ld",
    # every other RDF syntax the store reads (a dataset's graph names are dropped: a proposal is one graph)
    "nt": "nt", "ntriples": "nt", "n-triples": "nt",
    "nq": "nquads", "nquads": "nquads", "n-quads": "nquads",
    "trig": "trig",
    "rdf": "xml", "xml": "xml", "rdfxml": "xml", "owl": "xml",
}
#: The suffix a file of each format has, for messages about bytes without a name.
SUFFIXES = {"xlsx": ".xlsx", "ods": ".ods", "csv-zip": ".zip", "turtle": ".ttl", "json-ld": ".jsonld", "nt": ".nt", "nquads": ".nq",
            "trig": ".trig", "xml": ".rdf"}
#: Syntaxes of several graphs: read as a dataset, their triples merged into the proposal's one graph.
_DATASET_SYNTAXES = {"nquads", "trig"}


def format_of(name: str) -> str:
    """The canonical format of a format name or a file suffix; InputError when unsupported.

    >>> format_of(".TTL"), format_of("zip")
    ('turtle', 'csv-zip')
    """
    fmt = FORMATS.get(name.lower().lstrip("."))
    if fmt is None:
        raise InputError(msg("proposal_format", name=name, formats=", ".join(sorted(FORMATS))))
    return fmt


def check_size(name: str, size: int, limit: int) -> None:
    """TemplateError when an input of ``size`` bytes is over ``limit``."""
    if size > limit:
        raise TemplateError([Problem(None, None, None, msg("file_too_large", name=name, size=size, limit=limit))])


def _header(values: Iterable[Any]) -> list[str]:
    header = [text_of(v).lower() if not is_empty(v) else "" for v in values]
    while header and not header[-1]:
        header.pop()
    return header


def _read_rows(sheet: str, rows: Iterator[Sequence[Any]], problems: list[Problem]) -> Table:
    """Header and non-blank data rows, numbering rows as a spreadsheet does (header = 1)."""
    header: list[str] | None = None
    data: list[tuple[int, list[Any]]] = []
    for rownum, values in enumerate(rows, start=1):
        if rownum > MAX_ROWS + 1:
            raise TemplateError(problems + [Problem(sheet, rownum, None, msg("too_many_rows", limit=MAX_ROWS))])
        if header is None:
            header = _header(values)
            if len(header) > MAX_COLUMNS:
                problems.append(Problem(sheet, 1, None, msg("too_many_columns", limit=MAX_COLUMNS)))
                header = header[:MAX_COLUMNS]
            continue
        values = list(values)
        if all(is_empty(v) for v in values):
            continue
        long = next((i for i, v in enumerate(values) if isinstance(v, str) and len(v) > MAX_CELL), None)
        if long is not None:
            raise TemplateError(problems + [Problem(sheet, rownum, None,
                                                    msg("cell_too_long", n=long + 1, limit=MAX_CELL))])
        extra = [i for i, v in enumerate(values) if i >= len(header) and not is_empty(v)]
        if extra:
            problems.append(Problem(sheet, rownum, None, msg("value_without_header", n=extra[0] + 1)))
        data.append((rownum, values[: len(header)]))
    return Table(header or [], data)


def check_workbook(data: bytes, name: str, kind: str = "kind_xlsx") -> None:
    """InputError unless ``data`` is a sound zip of at most MAX_PARTS parts that expand to at most MAX_EXPANDED
    bytes, without macros or links to other workbooks (:func:`check_workbook_parts`), every part read back with
    its checksum right (a damaged workbook is refused, not read in part). ``kind``: the key of what it is called."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = zf.infolist()
            if len(parts) > MAX_PARTS:
                raise InputError(msg("too_many_parts", name=name, n=len(parts), limit=MAX_PARTS))
            expanded = sum(i.file_size for i in parts)
            if expanded > MAX_EXPANDED:
                raise InputError(msg("expands_too_much", name=name, size=expanded, limit=MAX_EXPANDED))
            check_workbook_parts(zf, name)
            damaged = zf.testzip()  # reads every part, within the sizes its directory declares
    except zipfile.BadZipFile as e:
        raise InputError(msg("unreadable", name=name, kind=msg(kind), detail=str(e))) from None
    except (OSError, ValueError, EOFError, zipfile.LargeZipFile, NotImplementedError) as e:
        raise InputError(msg("damaged", name=name, kind=msg(kind), detail=str(e))) from None
    if damaged is not None:
        raise InputError(msg("damaged_part", name=name, kind=msg(kind), part=damaged))


def check_workbook_parts(zf: zipfile.ZipFile, name: str) -> None:
    """InputError for a workbook with macros (a ``vbaProject.bin`` part, or the macro-enabled content type of
    an .xlsm) or with links to other workbooks (``xl/externalLinks/``). Neither is run nor fetched by the
    reader, but a proposal is its own cells: macros would have to be trusted and linked values are copies of
    files nobody sent, so both are refused with what to do instead."""
    names = [i.filename for i in zf.infolist()]
    macros = next((n for n in names if PurePosixPath(n).name.lower() == "vbaproject.bin"), None)
    if macros is None and "[Content_Types].xml" in names:
        with zf.open("[Content_Types].xml") as f:
            if b"macroenabled" in f.read(MAX_EXPANDED).lower():
                macros = "[Content_Types].xml"
    if macros is not None:
        raise InputError(msg("macros", name=name, part=macros))
    scripts = next((n for n in names if n.startswith(("Basic/", "Scripts/"))), None)  # an .ods with macros
    if scripts is not None:
        raise InputError(msg("ods_macros", name=name, part=scripts))
    links = next((n for n in names if n.lower().startswith("xl/externallinks/")), None)
    if links is not None:
        raise InputError(msg("external_links", name=name, part=links))


def _read_workbook(data: bytes, name: str, problems: list[Problem]) -> dict[str, Table]:
    import openpyxl

    check_workbook(data, name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as e:  # SyntaxError: malformed XML
        raise InputError(msg("unreadable", name=name, kind=msg("kind_xlsx"), detail=str(e))) from None
    try:
        tables = {}
        for ws in wb.worksheets:
            if ws.title in (README_SHEET, LISTS_SHEET):
                continue
            rows = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
            try:
                tables[ws.title] = _read_rows(ws.title, rows, problems)
            except (SyntaxError, ValueError, KeyError, TypeError) as e:  # the sheet's XML, read as the rows go
                raise InputError(msg("unreadable_sheet", name=name, sheet=ws.title,
                                               detail=f"{type(e).__name__}: {e}")) from None
        return tables
    finally:
        wb.close()


def _read_ods(data: bytes, name: str, problems: list[Problem]) -> dict[str, Table]:
    """An OpenDocument spreadsheet (LibreOffice's .ods), read with python-calamine, sheet by sheet as a
    workbook is; its zip checked first as a workbook's is (parts, size, macros)."""
    from python_calamine import CalamineWorkbook

    check_workbook(data, name, "kind_ods")
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        tables = {}
        for sheet in wb.sheet_names:
            if sheet in (README_SHEET, LISTS_SHEET):
                continue
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            cells = (tuple(None if v == "" else v for v in row[:MAX_COLUMNS + 1]) for row in rows)
            tables[sheet] = _read_rows(sheet, cells, problems)
        return tables
    except InputError:
        raise
    except Exception as e:  # calamine raises its own errors for a sheet it cannot read
        raise InputError(msg("unreadable", name=name, kind=msg("kind_ods"),
                                  detail=f"{type(e).__name__}: {e}")) from None


def _read_csv_files(files: dict[str, bytes], problems: list[Problem]) -> dict[str, Table]:
    """One table per ``<sheet>.csv`` (UTF-8, header on the first line), in the order of the file names."""
    tables = {}
    for fname in sorted(files):
        sheet = PurePosixPath(fname).stem
        try:
            text = files[fname].decode("utf-8-sig")
            tables[sheet] = _read_rows(sheet, iter(csv.reader(io.StringIO(text, newline=""))), problems)
        except UnicodeDecodeError:
            problems.append(Problem(sheet, None, None, msg("not_utf8", name=fname)))
            tables[sheet] = Table([], [])
        except csv.Error as e:
            problems.append(Problem(sheet, None, None, msg("bad_csv", name=fname, detail=str(e))))
            tables[sheet] = Table([], [])
    return tables


def _zip_members(data: bytes, name: str, limit: int) -> dict[str, bytes]:
    """The ``.csv`` files of a zip (at any depth), read within ``limit`` bytes in all, however the zip claims."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise InputError(msg("unreadable", name=name, kind=msg("kind_csv_zip"), detail=str(e))) from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")
                   and not i.filename.startswith("__MACOSX/")]
        check_size(name, sum(i.file_size for i in members), limit)
        files: dict[str, bytes] = {}
        left = limit
        for info in members:
            fname = PurePosixPath(info.filename).name
            if fname in files:
                raise InputError(msg("zip_twice", name=name, file=fname))
            with zf.open(info) as f:
                files[fname] = f.read(left + 1)
            left -= len(files[fname])
            check_size(name, limit - left, limit)
        return files


def _folder_files(path: Path, limit: int) -> dict[str, bytes]:
    files = sorted(path.glob("*.csv"))
    check_size(path.name, sum(f.stat().st_size for f in files), limit)
    return {f.name: f.read_bytes() for f in files}


def reject_remote_contexts(node: Any, where: str = "$") -> None:
    """Only inline JSON-LD contexts: a context given by URL (or @import) would be fetched, so refuse it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                for ctx in value if isinstance(value, list) else [value]:
                    if isinstance(ctx, str):
                        raise InputError(msg("jsonld_remote_context", context=ctx, where=where))
                    if isinstance(ctx, dict) and "@import" in ctx:
                        raise InputError(msg("jsonld_import", where=where))
            reject_remote_contexts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            reject_remote_contexts(item, f"{where}[{i}]")


def context_terms(node: Any) -> int:
    """How many terms the inline JSON-LD contexts in ``node`` define, at any depth."""
    count, todo = 0, [node]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    count += sum(len(c) for c in (value if isinstance(value, list) else [value]) if isinstance(c, dict))
                todo.append(value)
        elif isinstance(item, list):
            todo.extend(item)
    return count


def _parse_rdf(data: bytes, fmt: str, name: str) -> Graph:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(msg("not_utf8", name=name)) from None
    if fmt == "json-ld":
        try:
            doc = json.loads(text)
            reject_remote_contexts(doc)
        except json.JSONDecodeError as e:
            raise InputError(msg("not_json", name=name, detail=str(e))) from None
        except RecursionError:
            raise InputError(msg("json_too_deep", name=name)) from None
        declared = context_terms(doc)
    elif fmt == "xml":
        from ..store.loading import check_xml

        check_xml(data)  # no document type (its entities could expand without bound), no deep nesting
        declared = data.count(b"xmlns:")
    else:
        declared = len(_PREFIX_DECLARATION.findall(data))
    if declared > MAX_PREFIXES:
        what = msg("context_terms" if fmt == "json-ld" else "prefix_declarations")
        raise InputError(msg("too_many_prefixes", name=name, n=declared, what=what, limit=MAX_PREFIXES))
    g = Graph()
    try:
        with warnings.catch_warnings():  # rdflib's JSON-LD parser warns about its own use of ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            if fmt in _DATASET_SYNTAXES:
                from rdflib import Dataset

                dataset = Dataset()
                dataset.parse(data=text, format=fmt, publicID=str(PROPOSALS))
                for s, p, o, _ in dataset.quads():
                    g.add((s, p, o))
            else:
                g.parse(data=text, format=fmt, publicID=str(PROPOSALS))
    except RecursionError:
        raise InputError(msg("rdf_too_deep", name=name, format=fmt)) from None
    except Exception as e:  # rdflib raises many types for malformed input
        raise InputError(msg("bad_rdf", name=name, format=fmt, detail=str(e))) from None
    return g


def _tables_graph(read, project: Project) -> Graph:
    """The graph of the tables ``read(problems)`` gives, the problems of reading and of building together."""
    problems: list[Problem] = []
    return build_graph(read(problems), problems, project)


def _from_bytes(data: bytes, fmt: str, name: str, project: Project, limit: int) -> Graph:
    check_size(name, len(data), limit)
    if fmt == "xlsx":
        return _tables_graph(lambda problems: _read_workbook(data, name, problems), project)
    if fmt == "ods":
        return _tables_graph(lambda problems: _read_ods(data, name, problems), project)
    if fmt == "csv-zip":
        files = _zip_members(data, name, limit)
        return _tables_graph(lambda problems: _read_csv_files(files, problems), project)
    return _parse_rdf(data, fmt, name)


def _read_file(path: Path, name: str, limit: int) -> bytes:
    try:
        check_size(name, path.stat().st_size, limit)  # before reading it: a huge file is refused unread
        return path.read_bytes()
    except OSError as e:
        raise InputError(msg("cannot_read", path=path, detail=e.strerror or str(e))) from None


def _import(data: bytes | Path | str, fmt: str | None, name: str | None, project: Project, limit: int) -> Graph:
    if isinstance(data, (bytes, bytearray, memoryview)):
        if fmt is None:
            if name is None:
                raise InputError(msg("format_needed"))
            fmt = format_of(PurePosixPath(name).suffix or name)
        name = name or f"propuesta{SUFFIXES.get(fmt, '')}"
        path = None
        raw = bytes(data)
    else:
        path = Path(data)
        name = name or path.name
        if path.is_dir() and fmt in (None, "csv"):
            return _tables_graph(lambda problems: _read_csv_files(_folder_files(path, limit), problems), project)
        fmt = fmt or FORMATS.get(path.suffix.lower().lstrip("."))
        if fmt is None and not path.exists():
            raise InputError(msg("no_such_file", path=path))
        if fmt is None:
            raise InputError(msg("proposal_suffix", name=name))
    if fmt == "csv":
        raise InputError(msg("csv_is_a_folder", name=name))
    return _from_bytes(raw if path is None else _read_file(path, name, limit), fmt, name, project, limit)


def import_proposal(data: bytes | Path | str, format: str | None = None, *, name: str | None = None,
                    project: Project | None = None, max_bytes: int | None = None) -> Graph:
    """A proposal as a graph, from bytes in ``format`` or from a file or folder (format from its suffix).

    ``format`` is ``xlsx``, ``csv-zip`` (a ``.zip`` of the sheets' CSV files), ``ttl`` or ``jsonld`` (see
    ``FORMATS``); a folder of CSV files is given by its path. ``name`` names the input in messages (bytes
    without a format take it from its suffix). RDF written directly against the ontology is accepted as is,
    provided it holds exactly one ``ppi:Proposal``; JSON-LD must carry its context inline. Tables are read
    with the template spec of ``project`` (default: :meth:`Project.default`); an input over ``max_bytes``
    (default ``MAX_BYTES``) is refused.
    """
    limit = MAX_BYTES if max_bytes is None else max_bytes
    g = _import(data, format_of(format) if format else None, name, project or Project.default(), limit)
    proposal_iri(g)
    return g


def import_workbook(source: Path | bytes, project: Project | None = None) -> Graph:
    """The proposal in a filled-in ``.xlsx`` template (one sheet per spec sheet; ``LEEME`` is skipped)."""
    return import_proposal(source, "xlsx", project=project)


def import_csv_dir(path: Path, project: Project | None = None) -> Graph:
    """The proposal in a directory holding one ``<sheet>.csv`` (UTF-8, header on the first line) per sheet."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(msg("not_a_folder", path=path))
    return import_proposal(path, project=project)
