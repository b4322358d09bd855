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
from ..errors import InputError, NotFound, msg
from ..store.graph import KnowledgeGraph
from ..namespaces import LINEAMIENTOS, PPI
from ..describe import local_href
from ..store.snapshot import Snapshot
from ..conformance.render import DOWNLOADS
from ..i18n import LANGS, pick_lang, words
from ..lifecycle.dashboard import proposal_rows
from ..search.documents import KINDS
from ..search.query import MAX_CHARS
from .common import PREFIX_MAP, call, templates

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
    "/coverage": ("ui_coverage.html", "coverage_title", "nav_coverage"),  # http/analysis.py
    "/citas": ("ui_citations.html", "citations_title", "nav_citations"),  # http/analysis.py
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
#: The kinds of filer /browse groups proposals by, in order (ppikg.lifecycle.dashboard's ``filer_kind``).
FILER_KINDS = ("subsecretaria", "ael", "od", "other")
#: Proposals /browse shows a page at a time, unless ``?por_pagina=`` (1 to BROWSE_MAX) says otherwise.
BROWSE_PAGE, BROWSE_MAX = 20, 200
#: The data links of every page's footer: (href, key of its ``ui`` word or None, name when no word).
DATA_LINKS = [("/ontology", "ontology", ""), ("/queries", "queries_api", ""), ("/.well-known/void", None, "VoID"),
              ("/sparql", None, "SPARQL")]


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


def yasgui_words(lang: str) -> list[tuple[str, str]]:
    """(YASGUI's own English label, the label in ``lang``) for each of its labels that ``lang`` words otherwise:
    what static/ui.js swaps as YASGUI draws (none for English)."""
    return [(en, other) for en, other in zip(words("yasgui", "en").values(), words("yasgui", lang).values())
            if en != other]


def keep_lang(lang: str):
    """The function a page links with: a link to this server (``/…``) keeps the page's language when it is not
    the default (``?lang=en``); other links are left alone.

    >>> keep_lang("en")("/competencias/c1"), keep_lang("en")("/x?a=1"), keep_lang("es")("/x"), keep_lang("en")("http://e.org/")
    ('/competencias/c1?lang=en', '/x?a=1&lang=en', '/x', 'http://e.org/')
    """
    def link(url: str) -> str:
        if lang == LANGS[0] or not url.startswith("/") or "lang=" in url:
            return url
        path, hash_, frag = url.partition("#")
        return f"{path}{'&' if '?' in path else '?'}lang={lang}{hash_}{frag}"
    return link


def site(request: Request, lang: str | None, switch_href: str | None = None) -> dict:
    """What every page of the site (``ui_base.html``) is drawn with in ``lang`` (the default if not spoken): the
    ``ui`` words, the menu (one entry per page of :data:`PAGES`, in order), the language switch to the same URL
    (or to ``switch_href``), the data links of the footer, the link helpers."""
    lang = pick_lang(lang)
    w = words("ui", lang)
    other = w["switch_lang"]
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", other)]
    return dict(lang=lang, w=w, path=request.url.path, version=__version__,
                nav=[(SEARCH_PAGES[lang] if p == SEARCH_PAGES["es"] else p, w[PAGES[p][2]], PAGES[p][2]) for p in PAGES],
                data_links=[(href, w[key] if key else key_name) for href, key, key_name in DATA_LINKS],
                switch_href=switch_href or f"{request.url.path}?{urlencode(params)}", other=other, href=page_href,
                lhref=keep_lang(lang))


def site_html(request: Request, template: str, lang: str | None, *, title_key: str | None = None,
              title: str | None = None, current: str | None = None, switch_href: str | None = None,
              **context) -> tuple[str, str]:
    """A page of the site in ``lang`` as HTML, and the language it is in: its title one of the ``ui`` words
    (``title_key``) or given (``title``)."""
    common = site(request, lang, switch_href)
    text = templates(request).get_template(template).render(
        **common, title=title or common["w"][title_key or "site"], current=current, **context)
    return text, common["lang"]


def render_page(request: Request, template: str, lang: str | None, *, title_key: str | None = None,
                title: str | None = None, current: str | None = None, status: int = 200,
                switch_href: str | None = None, **context) -> HTMLResponse:
    """:func:`site_html` as the response, with the site's Content Security Policy."""
    text, code = site_html(request, template, lang, title_key=title_key, title=title, current=current,
                           switch_href=switch_href, **context)
    return page_response(text, code, status)


def page_response(text: str, lang: str, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    """A page of the site as the response: its Content Security Policy and language."""
    return HTMLResponse(text, status_code=status,
                        headers={"Content-Security-Policy": CSP, "Content-Language": lang, **(headers or {})})


def browse_proposals(rows: list, page: int, size: int) -> dict:
    """One page of the proposals of ``rows`` (dashboard rows) for /browse: ordered by the kind of filer (the
    Subsecretaría, the Autoridades Educativas Locales, the Organismos Descentralizados), then filer and title,
    and grouped so (kind → filer → proposals); ``page`` counts from 1 and is brought within the pages there are."""
    rank = {k: i for i, k in enumerate(FILER_KINDS)}
    ordered = sorted(rows, key=lambda r: (rank.get(r.filer_kind, len(rank)), r.filer_label or r.filer or "",
                                          r.title, r.proposal))
    pages = max(1, -(-len(ordered) // size))
    page = min(max(page, 1), pages)
    shown = ordered[(page - 1) * size:page * size]
    groups: list[dict] = []
    for r in shown:
        if not groups or groups[-1]["kind"] != r.filer_kind:
            groups.append({"kind": r.filer_kind, "filers": []})
        filers = groups[-1]["filers"]
        if not filers or filers[-1]["filer"] != r.filer:
            filers.append({"filer": r.filer, "label": r.filer_label, "proposals": []})
        filers[-1]["proposals"].append(r)
    return {"groups": groups, "page": page, "pages": pages, "size": size, "total": len(ordered),
            "first": (page - 1) * size + 1 if shown else 0, "last": (page - 1) * size + len(shown)}


def provision_tree(provisions: list[dict]) -> list[dict]:
    """The provisions of /browse (in the order of the text, each with its depth) as one group per provision of
    the first level (a Lineamiento, a Transitorio, the Anexo) with the parts inside it."""
    groups: list[dict] = []
    for p in provisions:
        if not groups or int(p["depth"] or 0) <= 1:
            groups.append({"head": p, "parts": []})
        else:
            groups[-1]["parts"].append(p)
    return groups


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
        return page(request, "/", lang, classes=classes, prefixes=PREFIX_MAP, yasgui_words=yasgui_words(code),
                    s=words("search", code), q="", kind="", kinds=KINDS, max_chars=MAX_CHARS,
                    action=SEARCH_PAGES[code])

    @r.get("/browse", response_class=HTMLResponse)
    async def browse(request: Request, lang: str | None = None, pagina: int = 1,
                     por_pagina: int = BROWSE_PAGE) -> HTMLResponse:
        """Competencies, provisions (grouped by their first level) and the proposals a page at a time, grouped
        by kind of filer and filer, each with its subsystems and current version."""
        if not 1 <= por_pagina <= BROWSE_MAX:
            raise InputError(msg("per_page", limit=BROWSE_MAX, value=por_pagina))
        code = pick_lang(lang)
        _, competencies = await call(request, Snapshot.query_rows, COMPETENCIES % {"lang": code})
        _, provisions = await call(request, Snapshot.query_rows, PROVISIONS % {"lang": code, "act": LINEAMIENTOS})
        rows = await call(request, proposal_rows, code)
        return page(request, "/browse", lang, competencies=competencies, provisions=provision_tree(provisions),
                    proposals=browse_proposals(rows, pagina, por_pagina))

    @r.get("/plantillas/{name}")
    def template_file(name: str) -> Response:
        """The blank template and the complete example, as the workbook (``.xlsx``) or its CSV folder zipped
        (``.zip``), to download."""
        stem, _, suffix = name.rpartition(".")
        folder = kg.project.templates_dir
        if stem not in TEMPLATE_FILES or suffix not in ("xlsx", "zip"):
            raise NotFound(msg("no_template", name=name, files=", ".join(f"{s}.xlsx, {s}.zip" for s in TEMPLATE_FILES)))

        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if suffix == "xlsx":
            return Response((folder / name).read_bytes(), media_type=XLSX, headers=headers)
        return Response(zipped(folder / stem), media_type="application/zip", headers=headers)

    @r.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, lang: str | None = None) -> HTMLResponse:
        return page(request, "/audit", lang, downloads=DOWNLOADS)

    return r
