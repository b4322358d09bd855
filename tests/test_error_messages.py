"""Every error message is data (the ``errors`` table of words.toml) in Spanish and English with the same
parameters, every message the code raises is in the table with the parameters it fills in, and the shells word
errors in the user's language: ``ppi --lang`` (Spanish by default), ``?lang=`` over HTTP."""

from __future__ import annotations

import ast
import string
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ppikg.errors import InputError, msg
from ppikg.i18n import LANGS, _table
from ppikg.proposals.tables import Problem, TemplateError

PACKAGE = Path(__file__).resolve().parents[1] / "service" / "ppikg"
MESSAGES = _table()["errors"]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def calls() -> list[tuple[str, int, str, set[str]]]:
    """(file, line, key, keyword names) of every ``msg("key", …)`` in the package with a written key."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "msg"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.append((path.name, node.lineno, node.args[0].value, {k.arg for k in node.keywords}))
    return found


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_parameters(key):
    by_lang = MESSAGES[key]
    assert sorted(by_lang) == sorted(LANGS)
    assert fields(by_lang["es"]) == fields(by_lang["en"]), key
    assert all(by_lang[lang].strip() for lang in LANGS)


def test_every_message_raised_is_in_the_table_with_its_parameters():
    used = calls()
    assert len(used) > 80
    for where, line, key, params in used:
        assert key in MESSAGES, f"{where}:{line}: {key} is not in the errors table"
        assert params == fields(MESSAGES[key]["en"]), f"{where}:{line}: {key} fills {params}"


def test_every_message_of_the_table_is_used():
    source = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    built = {"results_rows", "results_triples"}  # msg(f"results_{what}") with what = "rows" or "triples"
    assert {k for k in MESSAGES if f'"{k}"' not in source} == built


def test_a_message_words_its_parameters_in_its_language():
    error = TemplateError([Problem("parametros", 4, "aspecto", msg("cell_unknown", what=msg("what_aspect"),
                                                                       value="VII")),
                           Problem("tareas", 2, "plazo", msg("cell_bad_date", value="31/02/2014"))])
    assert error.text("es").splitlines() == [
        "2 problemas:",
        "  hoja «parametros», fila 4, columna «aspecto»: no se reconoce como aspecto del Octavo (I … VI): «VII»",
        "  hoja «tareas», fila 2, columna «plazo»: no es una fecha: «31/02/2014» (escriba AAAA-MM-DD o dd/mm/aaaa, "
        "p. ej. 2014-12-31 o 31/12/2014)"]
    assert str(error).splitlines()[1] == ("  sheet 'parametros', row 4, column 'aspecto': unknown Octavo aspect "
                                          "(I … VI): 'VII'")
    assert InputError("a plain string").text("es") == "a plain string"


def ppi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppikg", *args], capture_output=True, text=True, timeout=300)


def bad_date_folder(tmp_path: Path) -> Path:
    """The example's CSV folder with a task whose deadline is not a date (row 2 of «tareas»)."""
    import shutil

    folder = tmp_path / "propuesta"
    shutil.copytree(PACKAGE.parents[1] / "data" / "templates" / "propuesta-ejemplo-dgb", folder)
    tasks = folder / "tareas.csv"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("2014-01-31", "31/02/2014"), encoding="utf-8")
    return folder


def test_the_command_words_errors_in_spanish_unless_told_english(tmp_path):
    bad = tmp_path / "mala.ttl"
    bad.write_text("@prefix : <x> . :a :b", encoding="utf-8")
    es, en = ppi("validate", str(bad)), ppi("validate", str(bad), "--lang", "en")
    assert es.returncode == en.returncode == 2
    assert es.stderr.startswith("ppi: error: mala.ttl: no es turtle válido (no se pudo leer)")
    assert en.stderr.startswith("ppi: error: mala.ttl: not valid turtle (could not parse it)")
    folder = bad_date_folder(tmp_path)
    cell = ppi("validate", str(folder))
    assert cell.returncode == 2
    assert cell.stderr.startswith("ppi: error: hoja «tareas», fila 2, columna «plazo»: no es una fecha: «31/02/2014»")
    assert ppi("import", str(folder), "--lang", "en").stderr.startswith(
        "ppi: error: sheet 'tareas', row 2, column 'plazo': not a date: '31/02/2014'")


def test_the_service_words_errors_in_the_language_asked(shipped_store, tmp_path):
    from ppikg.http import create_app
    from ppikg.store.graph import KnowledgeGraph

    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg, TestClient(create_app(kg)) as client:
        def error(lang: str | None, path: str = "/validate", **kw) -> str:
            params = {"lang": lang} if lang else {}
            r = client.post(path, params=params, **kw) if "content" in kw else client.get(path, params=params)
            assert r.status_code >= 400
            return r.json()["error"]

        turtle = {"content": b"@prefix : <x> . :a :b", "headers": {"Content-Type": "text/turtle"}}
        assert error("en", **turtle).startswith("propuesta.ttl: not valid turtle")
        assert error("es", **turtle).startswith("propuesta.ttl: no es turtle válido")
        assert error(None, **turtle).startswith("propuesta.ttl: no es turtle válido")
        docx = {"content": b"x", "headers": {"Content-Type": "application/msword"}}
        assert error("es", **docx).startswith("tipo de contenido no admitido «application/msword»")
        assert error("en", **docx).startswith("unsupported content type 'application/msword'")
        assert error("es", "/no-such-page") == "no se sirve nada en /no-such-page"
        assert error("en", "/no-such-page") == "nothing is served at /no-such-page"
        query = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT x", "lang": "es"})
        assert query.status_code == 400 and query.json()["error"].startswith("error de sintaxis SPARQL")
