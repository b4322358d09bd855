"""`ppi search` as a user runs it: a real process over a real store folder, as text and as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def store(shipped_store, tmp_path_factory) -> Path:
    return shipped_store(tmp_path_factory.mktemp("cli-search") / "store")


def ppi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppikg", *args], capture_output=True, text=True, timeout=300)


def test_text_lists_the_hits_with_their_matched_words_in_brackets(store):
    r = ppi("search", "vinculo", "escuela", "--store", str(store), "--kind", "provision")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].endswith("resultados para «vinculo escuela»")
    assert "   Establece [vínculos] entre la [escuela] y su entorno." in lines
    assert "   <https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_8/fraccion_6>" in lines


def test_json_is_the_api_s_answer(store):
    r = ppi("search", "vínculos entre la escuela y su entorno", "--store", str(store), "--format", "json",
            "--lang", "en", "--limit", "2")
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert found["match"] == "all" and found["total"] >= 4 and len(found["hits"]) == 2
    assert set(found["hits"][0]) >= {"rank", "iri", "kind", "kind_label", "label", "snippet", "highlights", "link"}
    assert found["hits"][0]["link"].startswith("/")


def test_nothing_found_is_said_and_is_no_error(store):
    r = ppi("search", "zarzamoraxyz", "--store", str(store), "--lang", "en")
    assert r.returncode == 0 and r.stdout.strip() == "No results for «zarzamoraxyz»."


def test_a_word_in_more_documents_than_are_counted_says_more_than(shipped_store, tmp_path):
    from ppikg.search.index import COUNT_CAP
    from ppikg.store.graph import KnowledgeGraph

    store = shipped_store(tmp_path / "store")
    p = "https://w3id.org/ppikg/propuestas/madronos"
    with KnowledgeGraph(store) as kg:
        kg.add_graph("propuestas/madronos", "\n".join(
            [f"<{p}> a <https://w3id.org/ppikg/ontology#Proposal> ."]
            + [f'<{p}/I{n}> a <https://w3id.org/ppikg/ontology#Indicator> ; '
               f'<https://w3id.org/ppikg/ontology#statement> "Madroño número {n}."@es .' for n in range(COUNT_CAP + 1)]),
            "ttl", infer=False)
    es = ppi("search", "madroño", "--store", str(store), "--limit", "1")
    assert es.returncode == 0, es.stderr
    assert es.stdout.splitlines()[0] == f"Más de {COUNT_CAP} resultados para «madroño»"
    en = ppi("search", "madroño", "--store", str(store), "--lang", "en", "--format", "json", "--limit", "1")
    assert json.loads(en.stdout)["total_exact"] is False
    one = ppi("search", "madroño", "número", "7", "--store", str(store), "--lang", "en", "--limit", "1")
    assert one.stdout.splitlines()[0].endswith(" results for «madroño número 7»")
    assert not one.stdout.startswith("More than")


@pytest.mark.parametrize("args, message", [
    (["--lang", "en", "*"], "ppi: error: The search is empty: type at least one word (letters or digits).\n"),
    (["(", '"', "*"], "ppi: error: La búsqueda está vacía: escriba al menos una palabra (letras o dígitos).\n"),
    (["--limit", "0", "escuela"], "ppi: error: «limit» debe ser un número entero entre 1 y 100.\n"),
])
def test_a_bad_search_is_one_line_on_stderr_and_status_2(store, args, message):
    r = ppi("search", *args, "--store", str(store))
    assert r.returncode == 2 and r.stderr == message and r.stdout == ""
