"""The proposal lifecycle over HTTP: a proposal's versions, one version's content, diffs, dropping a version.

``/propuestas/NAME/versiones`` (HTML, JSON, CSV), ``/propuestas/NAME/versiones/N/contenido`` (RDF),
``DELETE /propuestas/NAME/versiones/N`` (with the update token), ``/propuestas/NAME/diferencias?de=V&a=V``
(HTML, JSON, CSV). A version's own IRI, ``/propuestas/NAME/versiones/N``, is its linked-data page.

Reports are made from the kept versions in this process, one at a time (rdflib's SPARQL parser, which pySHACL
uses, is not safe to build from several threads at once), off the event loop; each is made once and kept.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import threading
import time

import pyoxigraph as ox
import rdflib
from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..conformance.validator import Validator
from ..conformance.render import DOWNLOADS, download_links, render
from ..conformance.pool import Upload
from ..errors import InputError, NotAcceptable, PpikgError, UnsupportedMediaType, msg
from ..proposals.spec import proposal_iri
from ..store.trial import prepare_graph
from .validation import report_response, validation_pool
from ..lifecycle.dashboard import SORT_KEYS, dashboard, to_csv, to_json
from ..i18n import pick_lang, words
from ..lifecycle.diff import diff
from ..lifecycle.reports import status_labels, version_report
from ..lifecycle.render import history_rows
from ..media import by_media, choose, find, formats, offers
from ..store.catalog import UPDATE_ROLE
from ..store.graph import KnowledgeGraph
from ..store.versions import Version
from ..lifecycle.authorisation import decide
from .common import check_update_allowed, client_of, limited_body, query_executor, templates
from .pages import render_page

#: A stored proposal's report: a page by default (``*/*``), else JSON, text, Turtle, or the downloads (PDF,
#: the findings as CSV or XLSX).
STORED_REPORT_OFFERS = ["text/html", "application/json", "text/plain", "text/turtle",
                        *(f.media for f in formats("report") if f.name in DOWNLOADS)]
#: The lifecycle's tables: a page (the default), JSON or CSV.
TABLE_OFFERS = ["text/html", "application/json", "text/csv"]


def table_media(request: Request) -> str:
    """``?format=`` (html, json, csv) first, then ``Accept``; InputError / NotAcceptable otherwise."""
    fmt = request.query_params.get("format")
    if fmt is not None and ((named := find("table", fmt)) is None or named.media not in TABLE_OFFERS):
        raise InputError(msg("table_format", format=fmt))
    media = choose("table", fmt, request.headers.get("accept"), TABLE_OFFERS)
    if media is None:
        raise NotAcceptable(msg("offered_as", media=", ".join(TABLE_OFFERS)))
    return media


def upload_name(disposition: str | None, suffix: str) -> str:
    """The file name a ``Content-Disposition`` header gives (its last path segment, at most 200 characters),
    else ``propuesta`` and the format's suffix.

    >>> upload_name('attachment; filename="../mi propuesta.xlsx"', ".xlsx"), upload_name(None, ".ttl")
    ('mi propuesta.xlsx', 'propuesta.ttl')
    """
    import re

    m = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition or "", re.I)
    name = m.group(1).replace("\\", "/").rsplit("/", 1)[-1].strip() if m else ""
    from urllib.parse import unquote

    name = "".join(c for c in unquote(name) if c.isprintable())[:200]
    return name or f"propuesta{suffix}"


def _versions_or_none(kg: KnowledgeGraph, proposal: str) -> list[Version]:
    try:
        return kg.history(proposal)
    except PpikgError:
        return []


class Reviewer:
    """The validator the lifecycle's reports are made with, built on first use, used by one thread at a time."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._lock = threading.Lock()
        self._validator: Validator | None = None

        self._backfill: threading.Thread | None = None

    def run(self, fn, *args):
        with self._lock:
            if self._validator is None:
                self._validator = Validator(self.kg.project)
            return fn(self.kg, self._validator, *args)

    def reports(self, versions: list[Version], budget_s: float) -> list[Version]:
        """Make the reports of ``versions`` for ``budget_s`` seconds; the rest go on in one background thread.
        Returns the versions still waiting."""
        deadline = time.monotonic() + budget_s
        waiting = list(versions)
        while waiting and time.monotonic() < deadline:
            self.run(version_report, waiting.pop(0))
        if waiting and (self._backfill is None or not self._backfill.is_alive()):
            def work(todo: list[Version]) -> None:
                for v in todo:
                    try:
                        self.run(version_report, v)
                    except PpikgError:  # dropped meanwhile, or the store closed: nothing to make
                        continue
            self._backfill = threading.Thread(target=work, args=(list(waiting),), daemon=True, name="ppikg-reports")
            self._backfill.start()
        return waiting


def _history(kg: KnowledgeGraph, validator: Validator, name: str, lang: str):
    versions = kg.history(name)
    reports = {v.iri: version_report(kg, validator, v) for v in versions if not v.dropped}
    head, rows = history_rows(versions, reports, lang, status_labels(kg, lang))
    return versions, reports, head, rows


def router(kg: KnowledgeGraph, reviewer: Reviewer | None = None) -> APIRouter:
    r = APIRouter()
    reviewer = reviewer or Reviewer(kg)

    @r.get("/propuestas")
    async def national(request: Request, lang: str | None = None, orden: str = "proposal",
                       desc: bool = False) -> Response:
        """Every proposal × filer × subsystems × current version × conformance × state × next revision."""
        media, code = table_media(request), pick_lang(lang)

        def gather():
            rows, missing = reviewer.run(lambda kg, v: dashboard(kg, v, code, sort=orden, descending=desc))
            if missing and reviewer.reports(missing, budget_s=5.0) != missing:
                rows, missing = reviewer.run(lambda kg, v: dashboard(kg, v, code, sort=orden, descending=desc))
            return rows, missing

        rows, missing = await asyncio.to_thread(gather)
        if media == "application/json":
            return JSONResponse({"proposals": to_json(rows), "reports_pending": len(missing)})
        if media == "text/csv":
            return Response(to_csv(rows), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'inline; filename="propuestas.csv"'})
        return render_page(request, "lifecycle_dashboard.html", lang, title_key="dashboard_title",
                           current="nav_dashboard", lw=words("lifecycle", code), rows=rows, pending=len(missing),
                           sort=orden, desc=desc, sort_keys=SORT_KEYS, labels=status_labels(kg, code))

    @r.post("/propuestas")
    async def upload(request: Request) -> Response:
        """Load an uploaded proposal (xlsx, Turtle or JSON-LD; the file's name in ``Content-Disposition``) as a
        new version of it, with the update token: read in a validation worker, inferred in a query worker,
        recorded with the file's name and SHA-256 (201, or 200 when it holds what the current version holds)."""
        check_update_allowed(request)
        proposal = find("proposal", request.headers.get("content-type") or "", media_only=True)
        if proposal is None:
            sent = request.headers.get("content-type", "").split(";")[0].strip()
            raise UnsupportedMediaType(msg("upload_content_type", type=sent or "(none)"))
        body = await limited_body(request)
        if not body.strip():
            raise InputError(msg("upload_empty"))
        file_name = upload_name(request.headers.get("content-disposition"), proposal.suffix)
        pool = validation_pool(request.app)
        upload = Upload(body, proposal.suffix, "", pick_lang(request.query_params.get("lang")), convert=True)
        triples, _ = await asyncio.to_thread(pool.validate, upload)
        assert isinstance(triples, bytes)  # a conversion answers N-Triples as bytes
        settings, executor, client = request.app.state.settings, query_executor(request.app), client_of(request)

        def write() -> tuple[str, str, bool]:
            graph = rdflib.Graph().parse(data=triples, format="nt")
            iri = str(proposal_iri(graph))
            target = kg.graph_iri(f"propuestas/{iri.rstrip('/').rsplit('/', 1)[-1]}")
            with request.app.state.write_lock:
                before = {v.iri for v in _versions_or_none(kg, iri)}
                prepared = executor.call(prepare_graph, target, triples, "application/n-triples", True,
                                         kg.loader.choice, timeout=settings.write_timeout, client=client,
                                         label="write", cache=False)
                kg.write_graph(target, triples, ox.RdfFormat.N_TRIPLES, replace=True, role=UPDATE_ROLE,
                               prepared=prepared, source=(file_name, body))
            current = kg.version(iri)
            return iri, current.iri, current.iri not in before

        iri, version, made = await asyncio.to_thread(write)
        number = int(version.rsplit("/", 1)[-1])
        return JSONResponse({"proposal": iri, "version": version, "number": number, "new": made},
                            status_code=201 if made else 200, headers={"Location": version})

    @r.get("/propuestas/{name:path}/versiones/{number:int}/informe")
    async def report(request: Request, name: str, number: int | None, lang: str | None = None) -> Response:
        """The version's full conformance report (HTML by default, linking its downloads; text, JSON, Turtle,
        PDF, CSV, XLSX by ?format= or Accept)."""
        return await version_report_response(request, name, number, lang)

    @r.get("/validate")
    async def validate_loaded(request: Request, proposal: str | None = None, lang: str | None = None) -> Response:
        """The report of a proposal already in the store, by its IRI (its current version)."""
        if not proposal:
            raise InputError(msg("validate_needs_proposal"))
        if "://" not in proposal:
            raise InputError(msg("not_an_iri", value=proposal))
        return await version_report_response(request, proposal, None, lang)

    async def version_report_response(request: Request, name: str, number: int | None, lang: str | None) -> Response:
        code = pick_lang(lang)
        fmt = request.query_params.get("format")
        media = choose("report", fmt, request.headers.get("accept"), STORED_REPORT_OFFERS)
        if media is None:
            raise NotAcceptable(msg("report_offers", names=", ".join(f.name for f in formats("report")),
                                    media=", ".join(STORED_REPORT_OFFERS)))

        def make(kg: KnowledgeGraph, validator: Validator) -> str | bytes:
            from ..lifecycle.reports import recorded_facts

            version = kg.version(name, number)
            asserted, inferred = kg.version_ntriples(version)
            result = validator.validate(asserted, inferred=inferred + recorded_facts(version))
            return render(result, media, code, templates(request),
                          download_links(dict(request.query_params), code))

        return report_response(await asyncio.to_thread(reviewer.run, make), media, code)

    @r.get("/propuestas/{name:path}/versiones")
    async def versions(request: Request, name: str, lang: str | None = None) -> Response:
        """Every version of the proposal, oldest first, with its status and report summary."""
        media, code = table_media(request), pick_lang(lang)
        found, reports, head, rows = await asyncio.to_thread(reviewer.run, _history, name, code)
        if media == "application/json":
            return JSONResponse([asdict(v) | {"report": asdict(reports[v.iri]) if v.iri in reports else None}
                                 for v in found])
        if media == "text/csv":
            out = io.StringIO()
            csv.writer(out, lineterminator="\r\n").writerows([head, *rows])
            return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
        w = words("lifecycle", code)
        return render_page(request, "lifecycle_history.html", lang, title=f"{w['history']}: {name}",
                           lw=w, name=name, proposal=found[0].proposal, versions=found, rows=rows, head=head)

    @r.get("/propuestas/{name:path}/versiones/{number:int}/contenido")
    async def content(request: Request, name: str, number: int) -> Response:
        """The version's own triples (no inferences), in the RDF format asked for (Turtle by default)."""
        fmt = request.query_params.get("format")
        media = choose("graph", fmt, request.headers.get("accept"))
        if media is None:
            raise NotAcceptable(msg("graphs_offered_as", media=", ".join(offers("graph"))))

        rdf = by_media(media).rdf

        def serialize() -> bytes:
            graph, _ = kg.version_graphs(kg.version(name, number))
            import pyoxigraph as ox

            from ..store.inference import to_oxigraph
            from ..store.snapshot import QUERY_PREFIXES

            triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph]  # type: ignore[arg-type]
            return ox.serialize(triples, format=rdf, prefixes=QUERY_PREFIXES) or b""

        return Response(await asyncio.to_thread(serialize), media_type=media)

    @r.delete("/propuestas/{name:path}/versiones/{number:int}")
    async def drop(request: Request, name: str, number: int) -> Response:
        """Drop one version (recorded, with the update token's role); the one before becomes current."""
        check_update_allowed(request)

        def run() -> tuple[str, str | None]:
            with request.app.state.write_lock:
                return kg.drop_version(name, number, role=UPDATE_ROLE)

        dropped, current = await asyncio.to_thread(run)
        return JSONResponse({"dropped": dropped, "current": current})

    @r.post("/propuestas/{name:path}/versiones/{number:int}/decisiones")
    async def decision(request: Request, name: str, number: int) -> Response:
        """Record a decision on the version (with the update token): a form or JSON with ``estado``
        (en-revision, autorizada, no-autorizada), ``fecha``, ``acto``, and ``periodicidad`` (ISO 8601, P1Y) or
        ``proxima_revision`` (English names too: status, date, act, revise_every, next_revision)."""
        check_update_allowed(request)
        body = await limited_body(request)
        if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
            try:
                fields = json.loads(body or b"{}")
            except ValueError as e:
                raise InputError(msg("json_body", detail=str(e))) from None
            if not isinstance(fields, dict):
                raise InputError(msg("json_body_object"))
        else:
            from urllib.parse import parse_qsl

            fields = dict(parse_qsl(body.decode("utf-8", "replace")))

        def field(*names: str) -> str | None:
            for n in names:
                if fields.get(n) not in (None, ""):
                    return str(fields[n])
            return None

        status, when = field("estado", "status"), field("fecha", "date")
        if not status or not when:
            raise InputError(msg("decision_fields"))

        def run():
            with request.app.state.write_lock:
                return decide(kg, name, number, status, when=when, act=field("acto", "act"), role=UPDATE_ROLE,
                              revise_every=field("periodicidad", "revise_every"),
                              next_revision=field("proxima_revision", "next_revision"))

        made = await asyncio.to_thread(run)
        return JSONResponse(asdict(made), status_code=201, headers={"Location": made.iri})

    @r.get("/propuestas/{name:path}/diferencias")
    async def differences(request: Request, name: str, lang: str | None = None) -> Response:
        """What changed from version ``de`` (default: the one before ``a``) to ``a`` (default: the current)."""
        media, code = table_media(request), pick_lang(lang)
        before, after = request.query_params.get("de"), request.query_params.get("a")
        d = await asyncio.to_thread(reviewer.run, lambda kg, v: diff(kg, v, name, before, after))
        if media == "application/json":
            return Response(json.dumps(d.to_json(), ensure_ascii=False), media_type="application/json")
        if media == "text/csv":
            return Response(d.to_csv(), media_type="text/csv; charset=utf-8")
        w = words("lifecycle", code)
        return render_page(request, "lifecycle_diff.html", lang, title=f"{w['diff']}: {name}", lw=w, name=name,
                           d=d, summary=d.summary(), outcome=words("report", code))

    return r
