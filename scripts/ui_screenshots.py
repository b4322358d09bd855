"""Photograph the web UI in headless Chromium (Debian's, through Playwright) for the README.

    .venv/bin/python scripts/ui_screenshots.py        # writes docs/img/ui-*.png

Starts the service on 127.0.0.1 (a random free port) over a store built in a temporary folder from the
shipped data plus the example proposal, with the browser's network closed, as the browser tests do.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))
sys.path.insert(0, str(ROOT / "tests"))

OUT = ROOT / "docs" / "img"


def main() -> None:
    from playwright.sync_api import sync_playwright

    from browser.conftest import EXAMPLE_XLSX, launch, start_server, status_of

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base, stop = start_server(Path(tmp) / "store")
        try:
            with sync_playwright() as p:
                browser = launch(p)
                page = browser.new_page(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
                page.set_default_timeout(20_000)

                def shot(name: str, full: bool = False) -> None:
                    page.screenshot(path=str(OUT / name), full_page=full)
                    print(f"wrote {(OUT / name).relative_to(ROOT)}")

                page.goto(f"{base}/?lang=es")
                page.wait_for_selector(".yasqe .CodeMirror")
                if status_of(base + "/queries") == 200:
                    page.locator("#canned-list form").first.wait_for()
                page.click(".yasqe_queryButton")
                page.wait_for_selector(".yasr table tbody tr")
                shot("ui-consulta-es.png")

                page.goto(f"{base}/browse?lang=en")
                shot("ui-browse-en.png")

                page.goto(f"{base}/audit?lang=en")
                page.set_input_files("#proposal-file", str(EXAMPLE_XLSX))
                page.get_by_role("button", name="Check").click()
                page.wait_for_selector("#report-section:not([hidden])")
                page.frame_locator("#report-frame").locator("#verdict").wait_for()
                page.locator("#report-h").scroll_into_view_if_needed()
                page.evaluate("window.scrollTo(0, 0)")
                shot("ui-audit-en.png")

                if status_of(base + "/api/coverage.svg") == 200:
                    page.goto(f"{base}/coverage?lang=es")
                    page.wait_for_selector("#coverage-svg")
                    shot("ui-cobertura-es.png", full=True)
                else:
                    print("skipped the coverage page: /api/coverage.svg is not there yet", file=sys.stderr)

                page.goto(f"{base}/citations")
                page.wait_for_selector("#citations-svg")
                shot("ui-citas-en.png")

                page.goto(f"{base}/comparar?p=ejemplo-dgb&p=ejemplo-ael-jal&p=ejemplo-od-cecyte")
                page.locator("#cov-h").scroll_into_view_if_needed()
                shot("ui-comparar-es.png")
                browser.close()
        finally:
            stop()


if __name__ == "__main__":  # the SPARQL endpoint's worker processes are spawned: keep the guard
    main()
