"""The template spec (data/templates/columns.csv): its sheets and columns exist in the ontology."""

from __future__ import annotations

from ppikg.namespaces import PPI
from ppikg.proposals.spec import load_spec


def test_spec_sheets_and_properties_exist_in_ontology(shipped, project):
    spec = load_spec(project.spec_file)
    names = [s.name for s in spec]
    assert names[0] == "propuesta"
    for needed in ("parametros", "indicadores", "niveles_desempeno", "anexo_a", "constancias"):
        assert needed in names
    defined = set(shipped.subjects())
    for sheet in spec:
        assert sheet.rdf_class in defined, sheet.rdf_class
        for col in sheet.columns:
            if col.prop is not None and str(col.prop).startswith(str(PPI)):
                assert col.prop in defined, f"{sheet.name}.{col.name}: {col.prop}"
            assert col.description_es and col.description_en, f"{sheet.name}.{col.name}"
