"""Render the auditor's HTML report for an example with findings and photograph it in headless Chromium.

    .venv/bin/python docs/make_screenshots.py        # writes docs/img/informe-*.png (needs Debian's chromium)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rdflib import Graph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "service"))

from ppikg.conformance.render import render  # noqa: E402
from ppikg.conformance.validator import Validator  # noqa: E402

EXAMPLE = ROOT / "data" / "examples" / "propuesta-ejemplo-dgb.ttl"
VARIANTS = ROOT / "data" / "examples" / "variantes"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def broken_example() -> Graph:
    """The example with three requirements broken: an Octavo aspect, the years of teaching, a long text."""
    g = Graph().parse(EXAMPLE)
    for name in ("LIN-08", "LIN-07-IV", "LIN-12-VI"):
        g.update((VARIANTS / f"{name}.ru").read_text(encoding="utf-8"))
    return g


def main() -> None:
    chromium = shutil.which("chromium") or sys.exit("chromium not found: apt-get install chromium")
    report = Validator().validate(broken_example())
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for lang in ("es", "en"):
            page = Path(tmp) / f"informe-{lang}.html"
            page.write_text(render(report, "html", lang), encoding="utf-8")
            png = out / f"informe-{lang}.png"
            subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", "--window-size=1100,1500",
                            f"--screenshot={png}", page.as_uri()], check=True, capture_output=True, timeout=120)
            print(f"wrote {png.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
