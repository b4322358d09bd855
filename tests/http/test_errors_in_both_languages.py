"""The refusals of the Graph Store Protocol, the SPARQL endpoint, the canned queries and the REST views read in
Spanish by default and in English with ``?lang=en``, over a real server, each with its status and code; the
command's own refusals follow ``--lang`` the same way."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from ppikg.http.testing import serving_process

TOKEN = "un-token-de-prueba"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GSP = "/rdf-graphs/service"
ONTOLOGY = "https://w3id.org/ppikg/graph/ontology"

#: (method, path, params, headers, body) → (status, code, Spanish start, English start).
CASES = {
    "one graph": (("GET", GSP, {}, {}, None),
                  (400, "bad-input", "nombre exactamente un grafo", "name exactly one graph")),
    "no such graph": (("GET", GSP, {"graph": "urn:x:ninguno"}, {}, None),
                      (404, "not-found", "no hay ningún grafo <urn:x:ninguno>", "no graph <urn:x:ninguno>")),
    "no token": (("PUT", GSP, {"graph": "urn:x:g"}, {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> <urn:c> ."),
                 (401, "unauthorized", "las actualizaciones necesitan el encabezado",
                  "updates need the header")),
    "content type": (("PUT", GSP, {"graph": "urn:x:g"}, {**AUTH, "Content-Type": "application/msword"}, b"x"),
                     (415, "unsupported-media-type", "tipo de contenido no admitido «application/msword»",
                      "unsupported content type 'application/msword'")),
    "empty body": (("PUT", GSP, {"graph": "urn:x:g"}, {**AUTH, "Content-Type": "text/turtle"}, b" "),
                   (400, "bad-input", "el cuerpo text/turtle está vacío", "the text/turtle body is empty")),
    "malformed body": (("PUT", GSP, {"graph": "urn:x:g"}, {**AUTH, "Content-Type": "text/turtle"}, b"<urn:a> <urn:b"),
                       (400, "bad-input", "cuerpo text/turtle mal formado: ", "malformed text/turtle body: ")),
    "reserved graph": (("POST", "/sparql", {}, {**AUTH, "Content-Type": "application/sparql-update"},
                        f"CLEAR GRAPH <{ONTOLOGY}>".encode()),
                       (403, "forbidden", f"el grafo <{ONTOLOGY}> es del propio proyecto",
                        f"graph <{ONTOLOGY}> is the project's own")),
    "service": (("GET", "/sparql", {"query": "SELECT * WHERE { SERVICE <http://e/> { ?s ?p ?o } }"}, {}, None),
                (400, "bad-input", "SERVICE no se permite en este punto de acceso",
                 "SERVICE is not allowed on this endpoint")),
    "query form": (("POST", "/sparql", {}, {"Content-Type": "application/x-www-form-urlencoded"},
                    b"query=SELECT+%3Fs+WHERE+%7B"),
                   (400, "bad-input", "error de sintaxis SPARQL", "SPARQL syntax error")),
    "update by get": (("GET", "/sparql", {"update": "CLEAR ALL"}, {}, None),

                      (400, "bad-input", "una actualización SPARQL debe enviarse con POST",
                       "a SPARQL update must be sent with POST")),
    "canned query": (("GET", "/queries/ninguna", {}, {}, None),
                     (404, "not-found", "no hay ninguna consulta predefinida «ninguna»", "no canned query 'ninguna'")),
    "canned parameter": (("GET", "/queries/competency", {"competency": "c1"}, {}, None),
                         (400, "bad-input", "no es un IRI absoluto: «c1»", "not an absolute IRI: 'c1'")),

    "rest view": (("GET", "/api/indicator", {}, {}, None),
                  (400, "bad-input", "falta el parámetro «iri»: indique el IRI (indicador)",
                   "missing parameter 'iri': the IRI of the indicator")),
    "not in store": (("GET", "/api/competency", {"iri": "https://w3id.org/ppikg/competencias/c9"}, {}, None),
                     (404, "not-found", "no se encuentra en el almacén: competencia", "no competency")),
}


@pytest.fixture(scope="module")
def server(shipped_store, tmp_path_factory):
    store = shipped_store(tmp_path_factory.mktemp("errors") / "store")
    with serving_process(str(store), "--update", "--token", TOKEN) as (url, _proc):
        yield url


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_refusal_reads_in_spanish_by_default_and_in_english_when_asked(server, case):
    (method, path, params, headers, body), (status, code, es, en) = CASES[case]
    said = {}
    for lang in (None, "es", "en"):
        query = {**params, **({"lang": lang} if lang else {})}
        r = httpx.request(method, server + path, params=query, headers=headers, content=body, timeout=60)
        assert (r.status_code, r.json()["code"], r.json()["status"]) == (status, code, status), (lang, r.text)
        said[lang] = r.json()["error"]
    assert said[None] == said["es"] and said["es"].startswith(es), said
    assert said["en"].startswith(en), said


def ppi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppikg", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, es, en", [
    (["info", "--store-endpoint", "ftp://e/sparql"], "--store-endpoint recibe una URL http:// o https://, no «ftp",
     "--store-endpoint takes an http:// or https:// URL, not 'ftp"),
    (["info", "--store-endpoint", "http://e/sparql", "--store-password-file", "/no/existe"],
     "no se puede leer el archivo de la contraseña /no/existe", "cannot read the password file /no/existe"),
    (["query", "@/no/existe.rq", "--memory"], "/no/existe.rq: no existe el archivo o la carpeta",
     "/no/existe.rq: no such file or directory"),
])
def test_the_command_refuses_in_spanish_unless_told_english(args, es, en):
    spanish, english = ppi(*args), ppi(*args, "--lang", "en")
    assert spanish.returncode == english.returncode == 2, (spanish.stderr, english.stderr)
    assert spanish.stderr.startswith("ppi: error: " + es), spanish.stderr
    assert english.stderr.startswith("ppi: error: " + en), english.stderr


@pytest.mark.parametrize("args, es, en", [
    (["serve", "--memory", "--port", "80000"], "argument --port: no es un puerto TCP: «80000»",
     "argument --port: not a TCP port: '80000'"),
    (["serve", "--memory", "--timeout", "0"], "argument --timeout: debe ser mayor que 0",
     "argument --timeout: must be more than 0"),
    (["serve", "--memory", "--update"], "--update necesita un token", "--update needs a token"),
])
def test_a_usage_error_of_the_command_follows_its_lang_too(args, es, en):
    spanish, english = ppi(*args), ppi(*args, "--lang=en")
    assert spanish.returncode == english.returncode == 2, (spanish.stderr, english.stderr)
    assert spanish.stderr.startswith("ppi serve: error: " + es), spanish.stderr
    assert english.stderr.startswith("ppi serve: error: " + en), english.stderr
