"""Proposals from the spreadsheet people fill in (the Anexo A format, Transitorio Cuarto), and back.

- :mod:`.spec` — the sheets and columns of ``data/templates/columns.csv``, the one template spec;
- :mod:`.cells` — a cell's value as text;
- :mod:`.kinds` — the registry of cell kinds (each explains itself, reads a cell, writes it back);
- :mod:`.tables` — tables → proposal graph, with every problem found (``TemplateError``);
- :mod:`.importer` — :func:`import_proposal`: bytes + format, or a file or folder, within limits;
- :mod:`.exporter` — proposal graph → tables;
- :mod:`.templates` — the xlsx and CSV templates and ``docs/template.md`` (written by ``ppi build-data``).
"""

from .exporter import export_tables
from .importer import FORMATS, MAX_BYTES, MAX_COLUMNS, MAX_ROWS, import_csv_dir, import_proposal, import_workbook
from .kinds import KINDS, Kind
from .spec import PROPOSALS, README_SHEET, Column, Sheet, load_spec, proposal_iri
from .tables import Problem, TemplateError
from .templates import example_graph, render_docs, write_csv_template, write_template

__all__ = [
    "Column", "FORMATS", "KINDS", "Kind", "MAX_BYTES", "MAX_COLUMNS", "MAX_ROWS", "PROPOSALS",
    "Problem", "README_SHEET", "Sheet", "TemplateError", "example_graph",
    "export_tables", "import_csv_dir", "import_proposal", "import_workbook", "load_spec", "proposal_iri",
    "render_docs", "write_csv_template", "write_template",
]
