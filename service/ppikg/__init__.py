"""ppikg: knowledge graph, conformance checker and SPARQL service for the 2013 Lineamientos (PPI directores EMS).

The public API, each name imported only when first used (so that ``ppi`` starts fast):

- ``KnowledgeGraph`` — the persistent store of the ontology, the shipped data and the proposals;
- ``import_proposal(data, format=None)`` — a proposal (bytes in a format, or a file or folder) as a graph;
- ``Validator`` and ``validate(data, format=None)`` — a proposal checked against the Lineamientos.

>>> import ppikg
>>> from ppikg.config import Project
>>> workbook = (Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx").read_bytes()
>>> len(ppikg.import_proposal(workbook, "xlsx")) > 100
True
>>> report = ppikg.validate(workbook, "xlsx")
>>> report.conforms, report.proposal
(True, 'https://w3id.org/ppikg/propuestas/ejemplo-dgb')
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Public name → the module that defines it. Moving a class changes its line here, nothing else.
_LAZY = {
    "KnowledgeGraph": "ppikg.store.graph",
    "Validator": "ppikg.conformance.validator",
    "validate": "ppikg.conformance.validator",
    "import_proposal": "ppikg.proposals.importer",
}

__all__ = ["KnowledgeGraph", "Validator", "__version__", "import_proposal", "validate"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
