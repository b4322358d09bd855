"""Configuration as values: where the project's files are (:class:`Project`) and the service's limits
(:class:`Settings`), passed to whoever needs them.

>>> p = Project(Path("/srv/ppikg"))
>>> p.ontology_dir, p.queries_dir
(PosixPath('/srv/ppikg/ontology'), PosixPath('/srv/ppikg/queries'))
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]
#: In an installed package (a wheel), the project's files are package data here (pyproject.toml's package-data).
_INSTALLED = Path(__file__).resolve().parent / "shipped"


def _home() -> Path:
    """The checkout this module is in, else the installed package's copy of the project's files."""
    return _CHECKOUT if (_CHECKOUT / "ontology").is_dir() and (_CHECKOUT / "service").is_dir() else _INSTALLED


@dataclass(frozen=True)
class Project:
    """A project folder holding ``ontology/``, ``data/`` (with ``examples/``, ``templates/`` and
    ``curation/``), ``shapes/``, ``queries/`` and ``docs/``; ``sources`` is the folder of legal texts
    (default: ``../shared/sources`` beside it)."""

    root: Path
    sources: Path | None = None

    @classmethod
    def default(cls) -> Project:
        """``$PPIKG_HOME`` (else the checkout, or in an installed package its own copy of the ontology, data,
        shapes and queries), with ``$PPIKG_SOURCES`` as the sources if set."""
        root = Path(os.environ["PPIKG_HOME"]) if os.environ.get("PPIKG_HOME") else _home()
        sources = os.environ.get("PPIKG_SOURCES")
        return cls(root, Path(sources) if sources else None)

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def examples_dir(self) -> Path:
        return self.data_dir / "examples"

    @property
    def templates_dir(self) -> Path:
        return self.data_dir / "templates"

    @property
    def curation_dir(self) -> Path:
        """The hand-made tables the build reads beside the legal texts (citations, instruments, subsystems)."""
        return self.data_dir / "curation"

    @property
    def spec_file(self) -> Path:
        """The template spec: the sheets and columns of a proposal."""
        return self.templates_dir / "columns.csv"

    @property
    def example_file(self) -> Path:
        """The shipped example proposal, from which the filled-in templates are written."""
        return self.examples_dir / "propuesta-ejemplo-dgb.ttl"

    @property
    def template_doc(self) -> Path:
        """``docs/template.md``: the template explained column by column (generated from the spec)."""
        return self.docs_dir / "template.md"

    @property
    def ontology_file(self) -> Path:
        """The ontology proper, without the generated definitions."""
        return self.ontology_dir / "ppi.ttl"

    @property
    def sources_dir(self) -> Path:
        return self.sources or self.root.parent / "shared" / "sources"

    @property
    def default_store(self) -> Path:
        return self.root / "var" / "store"

    def ontology_files(self) -> list[Path]:
        """The ontology proper and the generated definitions, loaded into the ontology graph."""
        return sorted(self.ontology_dir.glob("*.ttl"))

    def data_files(self) -> list[Path]:
        """The shipped reference data (one named graph per file): provisions, competencies, subsystems."""
        return sorted(self.data_dir.glob("*.ttl"))

    def shape_files(self) -> list[Path]:
        """``shapes/*.ttl``: the requirements as SHACL shapes."""
        return sorted(self.shapes_dir.glob("*.ttl"))

    def example_files(self) -> list[Path]:
        """``data/examples/*.ttl``: the shipped example proposals."""
        return sorted(self.examples_dir.glob("*.ttl"))

    def example_history(self, example: Path) -> list[Path]:
        """``data/examples/versiones/NAME/N.ttl``: the earlier versions of example ``NAME``, oldest first (the
        store keeps them as its versions 1, 2, …; ``data/examples/NAME.ttl`` is the current one)."""
        folder = self.examples_dir / "versiones" / example.stem
        return sorted((f for f in folder.glob("*.ttl") if f.stem.isdigit()), key=lambda f: int(f.stem))

    def input_files(self) -> list[Path]:
        """Everything the store is built from, in loading order."""
        examples = [h for f in self.example_files() for h in (*self.example_history(f), f)]
        return [*self.ontology_files(), *self.data_files(), *self.shape_files(), *examples]


@dataclass(frozen=True)
class Settings:
    """The limits of the service and of validation (what `ppi serve` flags set); the defaults are the safe ones."""

    timeout: float = 10.0  # seconds a query may run before it is stopped
    queue_timeout: float = 30.0  # seconds a query may wait for a free worker before it is refused (503)
    max_body: int = 20 * 1024 * 1024  # bytes accepted in a request body, and in a proposal the Validator reads
    body_timeout: float = 30.0  # seconds a request body may pause before the request is given up (408)
    max_results: int = 100_000  # rows or triples a query may return
    update_enabled: bool = False  # SPARQL Update and the Graph Store Protocol
    token: str | None = None  # bearer token required for updates when enabled
    workers: int = 2  # query worker processes (each killable when a query runs past the timeout)
    query_memory_mb: int = 1024  # resident memory a query worker may reach before its query is stopped
    write_timeout: float = 120.0  # seconds a Graph Store write may take to parse and infer in a worker
    validation_timeout: float = 60.0  # seconds one uploaded proposal may take to validate
    validation_memory_mb: int = 1024  # resident memory a validation worker may reach
    validation_workers: int = 2  # validation worker processes (started with the first upload)
    cors_origins: tuple[str, ...] = ()  # origins whose browser pages may call the service (``*``: any); none by default
    public_url: str | None = None  # the server's URL as clients reach it (behind a proxy); else its own address
