"""Hostile RDF against a real server: entity expansion ("billion laughs") and deep nesting in RDF/XML written
through the Graph Store Protocol, JSON-LD and Turtle proposals nested 100,000 deep sent to /validate. Each is
a 400 with a message, refused before a parser can expand it or overflow its stack; the server keeps answering."""

from __future__ import annotations

import httpx
import pytest

from .conftest import TOKEN, assert_refused, assert_unharmed

DEEP = 100_000
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:e#"'
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
          + f']><rdf:RDF {RDF}><rdf:Description rdf:about="urn:s"><e:p>&j;</e:p></rdf:Description></rdf:RDF>')
DEEP_XML = (f'<?xml version="1.0"?><rdf:RDF {RDF}><rdf:Description rdf:about="urn:s">'
            + "<e:p><rdf:Description>" * DEEP + "</rdf:Description></e:p>" * DEEP + "</rdf:Description></rdf:RDF>")
DEEP_JSONLD = '{"@id": "urn:s", "urn:p": ' + '{"urn:p": ' * DEEP + '"x"' + "}" * DEEP + "}"
DEEP_TURTLE = "<urn:s> <urn:p> " + "[ <urn:p> " * DEEP + "<urn:o>" + " ]" * DEEP + " ."


@pytest.mark.parametrize("body, media, words", [
    (LAUGHS, "application/rdf+xml", "tipo de documento"),
    (DEEP_XML, "application/rdf+xml", "niveles"),
    (DEEP_JSONLD, "application/ld+json", "mal formado"),
], ids=["billion-laughs", "deep-rdf-xml", "deep-json-ld"])
def test_a_hostile_graph_store_write_is_refused(served, body, media, words):
    def send() -> httpx.Response:
        return httpx.put(served.url + "/rdf-graphs/service", params={"graph": "urn:x:hostile-rdf"},
                         content=body.encode(), timeout=120,
                         headers={"Content-Type": media, "Authorization": f"Bearer {TOKEN}"})

    response, slowest, peak = served.while_probing(send)
    assert_refused(response, 400, words)
    assert_unharmed(slowest, peak)


@pytest.mark.parametrize("body, media", [(DEEP_JSONLD, "application/ld+json"), (DEEP_TURTLE, "text/turtle")],
                         ids=["json-ld", "turtle"])
def test_a_deeply_nested_proposal_is_refused_by_validate(served, body, media):
    def send() -> httpx.Response:
        return httpx.post(served.url + "/validate?lang=en", content=body.encode(), headers={"Content-Type": media},
                          timeout=120)

    response, slowest, peak = served.while_probing(send)
    assert_refused(response, 400, "deep")
    assert_unharmed(slowest, peak)


@pytest.mark.parametrize("command", ["validate", "import"])
def test_the_command_line_refuses_a_deep_proposal_with_one_line(command, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "deep.jsonld"
    path.write_text(DEEP_JSONLD)
    done = subprocess.run([sys.executable, "-m", "ppikg", command, str(path), "--lang", "en"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2, done.stderr[-800:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "deep" in lines[0], lines[:5]
