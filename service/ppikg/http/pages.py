"""Web pages: the bilingual UI (SPARQL editor and canned queries, browsing, upload-and-validate, coverage).

The pages are Jinja2 templates (``templates/ui_*.html``); their script (``static/ui.js``) talks only to this
server: ``/sparql``, ``/queries``, ``/validate`` and ``/api/*``. YASGUI is vendored in ``static/yasgui/``
(see ``scripts/vendor_yasgui.sh``): nothing is fetched from another host at run time, and the Content
Security Policy of every page says so to the browser as well.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..errors import NotFound
from ..store.graph import KnowledgeGraph
from ..namespaces import LINEAMIENTOS, PPI
from ..describe import local_href
from ..store.snapshot import Snapshot
from ..i18n import pick_lang, words
from ..search.documents import KINDS
from ..search.query import MAX_CHARS
from .common import call, templates

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

#: The browser may load and send to this server only (inline styles: YASGUI sets style attributes;
#: ``blob:`` frames: the validation report shown in the page).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self' data:; frame-src 'self' blob:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'")

#: The UI's pages: path → (template, key of its title among the ``ui`` words, key of its menu entry).
PAGES = {
    "/": ("ui_home.html", "home_title", "nav_query"),
    "/browse": ("ui_browse.html", "browse_title", "nav_browse"),
    "/audit": ("ui_audit.html", "audit_title", "nav_audit"),
    "/coverage": ("ui_coverage.html", "coverage_title", "nav_coverage"),
    "/propuestas": ("lifecycle_dashboard.html", "dashboard_title", "nav_dashboard"),  # http/lifecycle.py
    "/buscar": ("ui_search.html", "nav_search", "nav_search"),  # http/search.py (and /search in English)
}

COMPETENCIES = """
SELECT ?c ?n ?label ?pref ?aspect ?aspectLabel (COUNT(DISTINCT ?a) AS ?attributes) WHERE {
  ?c a ppi:Competency ; skos:notation ?n ; rdfs:label ?label . FILTER(lang(?label) = "%(lang)s")
  OPTIONAL { ?c skos:prefLabel ?pref }
  OPTIONAL { ?c ppi:correspondsToAspect ?aspect .
             OPTIONAL { ?aspect rdfs:label ?aspectLabel . FILTER(lang(?aspectLabel) = "%(lang)s") } }
  OPTIONAL { ?c ppi:hasAttribute ?a }
} GROUP BY ?c ?n ?label ?pref ?aspect ?aspectLabel ORDER BY xsd:integer(?n)
"""
PROVISIONS = """
SELECT ?p ?label ?seq ?text (COUNT(DISTINCT ?up) AS ?depth) WHERE {
  ?p a ppi:Provision ; ppi:isWithin <%(act)s> ; ppi:isWithin ?up ; ppi:sequence ?seq ; rdfs:label ?label .
  FILTER(lang(?label) = "%(lang)s")
  OPTIONAL { ?p ppi:text ?text }
} GROUP BY ?p ?label ?seq ?text ORDER BY xsd:integer(?seq)
"""
PROPOSALS = """
SELECT ?p (SAMPLE(?t) AS ?title) (SAMPLE(?x) AS ?example) WHERE {
  ?p a ppi:Proposal . OPTIONAL { ?p dcterms:title ?t } OPTIONAL { ?p ppi:isExample ?x }
} GROUP BY ?p ORDER BY ?p
"""


#: The search page in each language (http/search.py).
SEARCH_PAGES = {"es": "/buscar", "en": "/search"}

#: The templates a person may download: the blank one and the complete (unofficial) example.
TEMPLATE_FILES = ("propuesta-ppi", "propuesta-ejemplo-dgb")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def zipped(folder: Path) -> bytes:
    """The CSV files of a template folder as one zip (the importer's ``csv-zip``), in name order, stable bytes."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.glob("*.csv")):
            info = zipfile.ZipInfo(f.name, date_time=(2014, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, f.read_bytes())
    return out.getvalue()


def page_href(iri: str | None) -> str:
    """Where a page links an IRI: its linked-data page on this server if the project minted it, else the IRI.

    >>> page_href("https://w3id.org/ppikg/competencias/c3"), page_href("http://example.org/x")
    ('/competencias/c3', 'http://example.org/x')
    """
    return local_href(iri or "", known=False)


def static_files() -> StaticFiles:
    """The package's static files (the vendored YASGUI, the UI's script and style), mounted at /static."""
    return StaticFiles(directory=STATIC_DIR)


def _curie(iri: str) -> str:
    return "ppi:" + iri[len(str(PPI)):] if iri.startswith(str(PPI)) else iri


def render_page(request: Request, template: str, lang: str | None, *, title_key: str | None = None,
                title: str | None = None, current: str | None = None, switch_href: str | None = None,
                **context) -> HTMLResponse:
    """A page of the site in ``lang`` (``ui_base.html``: the menu, the language switch to the same URL, or
    to ``switch_href``): its title one of the ``ui`` words (``title_key``) or given (``title``)."""
    lang = pick_lang(lang)
    w = words("ui", lang)
    other = w["switch_lang"]
    params = {k: v for k, v in request.query_params.items() if k != "lang"} | {"lang": other}
    text = templates(request).get_template(template).render(
        lang=lang, w=w, title=title or w[title_key or "site"], current=current, path=request.url.path,
        version=__version__, nav=[(p, w[PAGES[p][2]], PAGES[p][2]) for p in PAGES],
        switch_href=switch_href or f"{request.url.path}?{urlencode(params)}", other=other, href=page_href, **context,
    )
    return HTMLResponse(text, headers={"Content-Security-Policy": CSP, "Content-Language": lang})


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    @r.get("/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    def page(request: Request, path: str, lang: str | None, **context) -> HTMLResponse:
        template, title, current = PAGES[path]
        return render_page(request, template, lang, title_key=title, current=current, **context)

    @r.get("/", response_class=HTMLResponse)
    async def home(request: Request, lang: str | None = None) -> HTMLResponse:
        counts = await call(request, Snapshot.counts_by_class)  # remembered per state: a scan of every rdf:type
        classes = [(_curie(c), n) for c, n in counts.items() if c.startswith(str(PPI))]
        code = pick_lang(lang)
        return page(request, "/", lang, classes=classes, s=words("search", code), q="", kind="", kinds=KINDS,
                    max_chars=MAX_CHARS, action=SEARCH_PAGES[code])

    @r.get("/browse", response_class=HTMLResponse)
    async def browse(request: Request, lang: str | None = None) -> HTMLResponse:
        code = pick_lang(lang)
        _, competencies = await call(request, Snapshot.query_rows, COMPETENCIES % {"lang": code})
        _, provisions = await call(request, Snapshot.query_rows, PROVISIONS % {"lang": code, "act": LINEAMIENTOS})
        _, proposals = await call(request, Snapshot.query_rows, PROPOSALS)
        return page(request, "/browse", lang, competencies=competencies, provisions=provisions,
                    proposals=proposals)

    @r.get("/plantillas/{name}")
    def template_file(name: str) -> Response:
        """The blank template and the complete example, as the workbook (``.xlsx``) or its CSV folder zipped
        (``.zip``), to download."""
        stem, _, suffix = name.rpartition(".")
        folder = kg.project.templates_dir
        if stem not in TEMPLATE_FILES or suffix not in ("xlsx", "zip"):
            raise NotFound(f"no template {name!r}: there are {', '.join(f'{s}.xlsx, {s}.zip' for s in TEMPLATE_FILES)}")
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if suffix == "xlsx":
            return Response((folder / name).read_bytes(), media_type=XLSX, headers=headers)
        return Response(zipped(folder / stem), media_type="application/zip", headers=headers)

    @r.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, lang: str | None = None) -> HTMLResponse:
        return page(request, "/audit", lang)

    @r.get("/coverage", response_class=HTMLResponse)
    def coverage(request: Request, lang: str | None = None) -> HTMLResponse:
        return page(request, "/coverage", lang)

    return r
