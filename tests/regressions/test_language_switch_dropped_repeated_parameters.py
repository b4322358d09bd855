"""The menu's language switch rebuilt the page's URL from the query string as a dict: a parameter given more than
once (the comparison's ``?p=A&p=B``) kept only its last value, so switching language compared one proposal. The
switch now keeps every value, in order."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from ppikg.http import create_app
from ppikg.store.graph import KnowledgeGraph


def test_the_switch_keeps_every_proposal_compared(shipped_store, tmp_path):
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        client = TestClient(create_app(kg))
        page = client.get("/comparar", params=[("p", "ejemplo-dgb"), ("p", "ejemplo-ael-jal")],
                          headers={"Accept": "text/html"})
        assert page.status_code == 200
        switch = unescape(re.search(r'<li class="switch"><a href="([^"]+)"', page.text).group(1))
        assert switch == "/comparar?p=ejemplo-dgb&p=ejemplo-ael-jal&lang=en"
        english = client.get(switch, headers={"Accept": "text/html"}).text
        assert english.count('<li data-proposal="') == 2
