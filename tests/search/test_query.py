"""Searching the shipped data: ranking, accents and case, Spanish stems, snippets, kinds, links, bad queries."""

from __future__ import annotations

import pytest

from ppikg.errors import InputError
from ppikg.search import index as index_module
from ppikg.store.graph import KnowledgeGraph

LIN = "https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/"
OCTAVO_VI = LIN + "lineamiento_8/fraccion_6"
ASPECT_VI = "https://w3id.org/ppikg/aspectos/VI"
COMPETENCY_6 = "https://w3id.org/ppikg/competencias/c6"


@pytest.fixture(scope="module")
def kg(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("search") / "store")) as kg:
        yield kg


def iris(found: dict) -> list[str]:
    return [h["iri"] for h in found["hits"]]


def marked(hit: dict) -> list[str]:
    return [hit["snippet"][a:b] for a, b in hit["highlights"]]


def test_the_sentence_of_octavo_vi_finds_the_provision_the_aspect_and_the_competency(kg):
    found = kg.search("vínculos entre la escuela y su entorno")
    assert found["match"] == "all"
    assert {OCTAVO_VI, ASPECT_VI, COMPETENCY_6} <= set(iris(found))
    by_iri = {h["iri"]: h for h in found["hits"]}
    assert by_iri[OCTAVO_VI]["kind"] == "provision" and by_iri[OCTAVO_VI]["label"] == "Lineamiento Octavo, fracción VI"
    assert by_iri[ASPECT_VI]["kind"] == "aspect" and by_iri[COMPETENCY_6]["kind"] == "competency"
    assert by_iri[OCTAVO_VI]["link"] == "/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_8/fraccion_6"
    assert [h["rank"] for h in found["hits"]] == list(range(1, len(found["hits"]) + 1))


def test_accents_and_case_do_not_matter(kg):
    answers = [iris(kg.search(q)) for q in ("vínculos entre la escuela", "VINCULOS ENTRE LA ESCUELA",
                                            "Vinculos Entre La Escuéla")]
    assert answers[0] and answers[0] == answers[1] == answers[2]


def test_a_word_finds_its_other_forms_by_its_spanish_stem(kg):
    found = kg.search("vinculo")  # the texts say «vínculos»
    assert OCTAVO_VI in iris(found)
    hit = next(h for h in found["hits"] if h["iri"] == OCTAVO_VI)
    assert marked(hit) == ["vínculos"]
    evaluations = kg.search("evaluaciones")  # «evaluación», «evaluar»... share the stem
    assert any("evaluación" in marked(h) for h in evaluations["hits"])


def test_the_snippet_marks_every_word_that_matched_and_nothing_else(kg):
    hit = next(h for h in kg.search("escuela entorno")["hits"] if h["iri"] == OCTAVO_VI)
    assert hit["snippet"] == "Establece vínculos entre la escuela y su entorno."
    assert marked(hit) == ["escuela", "entorno"]


def test_a_long_text_is_cut_around_the_words_found(kg):
    found = kg.search("Subsecretaría Educación Media Superior Secretaría Educación Pública", kind="definition")
    hit = found["hits"][0]
    assert hit["iri"] == "https://w3id.org/ppikg/ontology#ResponsibleAuthority"
    assert len(hit["snippet"]) <= 260 and "Subsecretaría" in marked(hit)


def test_hits_are_ranked_by_bm25_best_first(kg):
    found = kg.search("vínculos entorno", limit=100)
    scores = [h["score"] for h in found["hits"]]
    assert scores == sorted(scores, reverse=True)
    # the shortest texts that hold both words come before the long definitions and provisions that hold them
    assert found["hits"][0]["snippet"] == "Vínculos con el entorno."


def test_the_kind_narrows_the_search_and_labels_speak_the_language(kg):
    found = kg.search("escuelas", kind="definition", lang="en")
    assert found["hits"] and {h["kind"] for h in found["hits"]} == {"definition"}
    assert found["hits"][0]["kind_label"] == "Definition"
    assert "https://w3id.org/ppikg/ontology#Director" in iris(found)
    assert kg.search("escuelas", kind="definition")["hits"][0]["kind_label"] == "Definición"


def test_the_label_is_searched_too(kg):
    # Lineamiento Segundo defines «Personal con funciones de dirección» (the label) without those words
    found = kg.search("personal con funciones de dirección", kind="definition", lang="en")
    assert found["hits"][0]["iri"] == "https://w3id.org/ppikg/ontology#Director"
    assert found["hits"][0]["label"] == "Staff with management functions (director)"
    assert found["hits"][0]["link"] == "/ontology?term=Director"


def test_every_kind_of_document_is_searched(kg):
    kinds = {h["kind"] for k in ("competencia", "escuela", "plantel", "director", "evaluación")
             for h in kg.search(k, limit=100)["hits"]}
    assert kinds == {"provision", "definition", "competency", "attribute", "aspect", "parameter", "indicator"}


def test_when_no_document_has_every_word_those_with_some_are_given(kg):
    found = kg.search("entorno zarzamoraxyz")
    assert found["match"] == "any" and OCTAVO_VI in iris(found)


def test_a_phrase_in_quotes_must_appear_as_written(kg):
    assert OCTAVO_VI not in iris(kg.search('"entorno escuela"'))
    assert OCTAVO_VI in iris(kg.search('"la escuela y su entorno"'))


def test_paging(kg):
    first = kg.search("escuela", limit=5)
    second = kg.search("escuela", limit=5, offset=5)
    assert first["total"] == second["total"] > 10
    assert [h["rank"] for h in second["hits"]] == [6, 7, 8, 9, 10]
    assert not set(iris(first)) & set(iris(second))


def test_a_total_past_the_cap_is_a_lower_bound_and_the_hits_stay_the_same(kg, monkeypatch):
    counted = kg.search("escuela", limit=5)
    assert counted["total"] > 5 and counted["total_exact"]
    monkeypatch.setattr(index_module, "COUNT_CAP", 5)
    capped = kg.search("escuela", limit=5)
    assert capped["total"] == 5 and not capped["total_exact"] and capped["hits"] == counted["hits"]
    assert kg.search("escuela", limit=5, offset=5)["hits"]  # pages past the cap still answer
    few = kg.search("idoneidad")
    assert few["total"] == len(few["hits"]) < 5 and few["total_exact"]


def test_ties_are_broken_by_iri_however_few_rows_the_ranking_fetches(kg, monkeypatch):
    whole = kg.search("escuela", limit=100)["hits"]
    assert len({h["score"] for h in whole}) < len(whole)  # the shipped texts have ties
    assert [(-h["score"], h["iri"]) for h in whole] == sorted((-h["score"], h["iri"]) for h in whole)
    monkeypatch.setattr(index_module, "TIE_ROOM", 0)
    paged = [h for at in range(0, len(whole), 7) for h in kg.search("escuela", limit=7, offset=at)["hits"]]
    assert [h["iri"] for h in paged] == [h["iri"] for h in whole]


@pytest.mark.parametrize("kind", ["competency", "provision", "indicator"])
def test_the_name_of_a_kind_is_not_a_word_of_its_documents(kg, kind):
    assert kind not in {h["kind"] for h in kg.search(kind, limit=100)["hits"]}
    narrowed = kg.search("competencia", kind=kind, limit=100)["hits"]
    assert narrowed and {h["kind"] for h in narrowed} == {kind}


@pytest.mark.parametrize("text", ['"', "*", "NEAR(", "escuela*", "NEAR(escuela entorno, 3)", "escuela OR",
                                  "AND escuela", "-escuela", "terms:escuela", "^escuela", 'escuela" entorno',
                                  "(escuela", "escuela)", "{escuela}", "'; DROP TABLE docs; --"])
def test_fts_syntax_is_plain_text(kg, text):
    try:
        found = kg.search(text)
    except InputError as e:  # nothing left to search: a clear message, never a failure of the engine
        assert str(e).startswith("La búsqueda está vacía")
        return
    assert found["total"] >= 0


@pytest.mark.parametrize("text, lang, start", [
    ("", "es", "La búsqueda está vacía"), ("   ", "en", "The search is empty"), ("¿? ¡!", "es", "La búsqueda está vacía"),
    ("a" * 501, "en", "The search has 501 characters"), (" ".join(["escuela"] * 33), "es", "La búsqueda tiene 33 palabras"),
])
def test_bad_searches_are_refused_in_the_reader_s_language(kg, text, lang, start):
    with pytest.raises(InputError) as e:
        kg.search(text, lang)
    assert str(e.value).startswith(start)


def test_bad_kind_and_numbers_are_refused(kg):
    with pytest.raises(InputError, match="Unknown kind «law»"):
        kg.search("escuela", "en", kind="law")
    with pytest.raises(InputError, match="«limit» debe ser"):
        kg.search("escuela", limit=0)
    with pytest.raises(InputError, match="«offset» must be"):
        kg.search("escuela", "en", offset=-1)
