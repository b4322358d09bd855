"""Where the project's files are: ontology, data, shapes, queries and the legal sources."""

from __future__ import annotations

import os
from pathlib import Path

#: The checkout (or PPIKG_HOME): the folder holding ontology/, data/, shapes/.
PROJECT_ROOT = Path(os.environ.get("PPIKG_HOME", Path(__file__).resolve().parents[2]))
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
DATA_DIR = PROJECT_ROOT / "data"
SHAPES_DIR = PROJECT_ROOT / "shapes"
DEFAULT_STORE_DIR = PROJECT_ROOT / "var" / "store"


def sources_dir() -> Path:
    """The legal texts: $PPIKG_SOURCES, else ../shared/sources beside the checkout."""
    return Path(os.environ.get("PPIKG_SOURCES", PROJECT_ROOT.parent / "shared" / "sources"))


def ontology_files() -> list[Path]:
    """The ontology proper and the generated definitions, loaded into the ontology graph."""
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))


def data_files() -> list[Path]:
    """The shipped reference data (one named graph per file): provisions, competencies, subsystems."""
    return sorted(DATA_DIR.glob("*.ttl"))
