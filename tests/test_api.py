"""The public API of the package: a few names, each imported only when first used."""

from __future__ import annotations

import subprocess
import sys

import ppikg


def test_the_public_names_are_the_lazy_ones():
    assert set(ppikg.__all__) == {*ppikg._LAZY, "__version__"}
    from ppikg.store.graph import KnowledgeGraph
    from ppikg.proposals.importer import import_proposal
    from ppikg.conformance.validator import Validator, validate

    assert ppikg.KnowledgeGraph is KnowledgeGraph and ppikg.Validator is Validator
    assert ppikg.import_proposal is import_proposal
    assert ppikg.validate is validate
    assert set(ppikg.__all__) <= set(dir(ppikg))


def test_importing_the_package_loads_none_of_them():
    code = ("import sys, ppikg; print(sorted(m for m in ('ppikg.store.graph', 'ppikg.conformance.validator', 'ppikg.proposals', "
            "'rdflib', 'pyoxigraph', 'pyshacl') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_validate_is_callable_however_the_package_was_imported():
    """``ppikg.validate`` is the function whichever module was imported first."""
    code = ("import ppikg.conformance.validator, ppikg; from ppikg.config import Project; "
            "print(ppikg.validate(Project.default().example_file.read_bytes(), 'ttl').conforms)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "True", done.stderr
