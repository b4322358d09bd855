"""Photograph the site and the auditor's report for the README, in Debian's headless Chromium through Playwright.

    .venv/bin/python docs/make_screenshots.py        # writes docs/img/*.png (needs chromium and playwright)

The pages come from the browser tests' own server and browser (tests/browser/conftest.py: ``start_server``,
``launch``): the service on 127.0.0.1 (a random free port) over a store built in a temporary folder from the
shipped data and examples, the browser's network closed. The report pictures (``informe-*.png``) are the
example proposal with three requirements broken, rendered by ``ppikg.conformance.render``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from rdflib import Graph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))
sys.path.insert(0, str(ROOT / "tests"))

from ppikg.conformance.render import render  # noqa: E402
from ppikg.conformance.validator import Validator  # noqa: E402

OUT = ROOT / "docs" / "img"
EXAMPLE = ROOT / "data" / "examples" / "propuesta-ejemplo-dgb.ttl"
VARIANTS = ROOT / "data" / "examples" / "variantes"
VIEWPORT = {"width": 1280, "height": 860}


def broken_example() -> Graph:
    """The example with three requirements broken: an Octavo aspect, the years of teaching, a long text."""
    g = Graph().parse(EXAMPLE)
    for name in ("LIN-08", "LIN-07-IV", "LIN-12-VI"):
        g.update((VARIANTS / f"{name}.ru").read_text(encoding="utf-8"))
    return g


def main() -> None:
    from playwright.sync_api import sync_playwright

    from browser.conftest import EXAMPLE_XLSX, launch, start_server

    OUT.mkdir(parents=True, exist_ok=True)
    report = Validator().validate(broken_example())
    with tempfile.TemporaryDirectory() as tmp:
        base, stop = start_server(Path(tmp) / "store")
        try:
            with sync_playwright() as p:
                browser = launch(p)
                page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
                page.set_default_timeout(20_000)

                def shot(name: str, full: bool = False) -> None:
                    page.screenshot(path=str(OUT / name), full_page=full)
                    print(f"wrote {(OUT / name).relative_to(ROOT)}")

                for lang in ("es", "en"):  # the report, as `ppi validate --format html` writes it
                    page.set_viewport_size({"width": 1100, "height": 1500})
                    page.set_content(render(report, "html", lang))
                    shot(f"informe-{lang}.png")
                page.set_viewport_size(VIEWPORT)

                page.goto(f"{base}/?lang=es")  # the query page with a canned query's results
                page.wait_for_selector(".yasqe .CodeMirror")
                page.locator("#canned-list form[data-query-id='competency'] button.run").click()
                page.wait_for_selector(".yasr table tbody tr")
                page.evaluate("window.scrollTo(0, 0)")
                shot("ui-consulta-es.png")

                page.goto(f"{base}/browse?lang=en#proposals")
                shot("ui-browse-en.png")

                page.goto(f"{base}/competencias/c3?lang=en")  # a resource's linked-data page
                shot("ui-recurso-en.png")

                page.goto(f"{base}/propuestas?lang=es")  # the national dashboard
                page.wait_for_selector("table.dashboard tbody tr")
                shot("ui-propuestas-es.png")

                page.goto(f"{base}/audit?lang=en")
                page.set_input_files("#proposal-file", str(EXAMPLE_XLSX))
                page.get_by_role("button", name="Check").click()
                page.wait_for_selector("#report-section:not([hidden])")
                page.frame_locator("#report-frame").locator("#verdict").wait_for()
                page.evaluate("window.scrollTo(0, 0)")
                shot("ui-audit-en.png")

                page.goto(f"{base}/coverage?lang=es")
                page.wait_for_selector("#coverage-svg")
                shot("ui-cobertura-es.png", full=True)

                page.goto(f"{base}/citations")
                page.wait_for_selector("#citations-svg")
                shot("ui-citas-en.png")

                page.goto(f"{base}/buscar?q=v%C3%ADnculos+escuela+entorno")  # the full-text search, words marked
                page.wait_for_selector("li.search-hit")
                shot("ui-buscar-es.png")

                page.goto(f"{base}/comparar?p=ejemplo-dgb&p=ejemplo-ael-jal&p=ejemplo-od-cecyte")
                page.locator("#cov-h").scroll_into_view_if_needed()
                shot("ui-comparar-es.png")
                browser.close()
        finally:
            stop()


if __name__ == "__main__":  # the SPARQL endpoint's worker processes are spawned: keep the guard
    main()
