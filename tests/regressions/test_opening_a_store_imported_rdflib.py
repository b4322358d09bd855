"""Regression: reopening a store imported rdflib (and the lexer's expression, the stemmer), a tenth of a second of
the restart's 0.1 s budget spent on modules the restart never uses. Reopening, the no-op load of the shipped
data, a query and a look-up of a proposal's graphs as N-Triples now import none of them."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
from ppikg.store.graph import KnowledgeGraph
kg = KnowledgeGraph(sys.argv[1])
rebuilt = kg.load_shipped()
_, rows = kg.query_rows("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/ppikg/ontology#Indicator> }")
kg.close()
print(json.dumps({"rebuilt": rebuilt, "indicators": int(rows[0]["n"]),
                  "loaded": [m for m in ("rdflib", "snowballstemmer", "owlrl", "pyshacl") if m in sys.modules]}))
"""


def test_reopening_a_store_imports_no_rdflib(shipped_store, tmp_path):
    from ppikg.store.graph import KnowledgeGraph

    store = shipped_store(tmp_path / "store")
    KnowledgeGraph(store).close()  # a copy has no search index of its own: its first opening builds it
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(store)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["rebuilt"] is False and seen["indicators"] > 0
    assert seen["loaded"] == []
