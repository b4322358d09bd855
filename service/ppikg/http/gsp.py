"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graphs/service (indirect graph identification).

``?graph=IRI`` names a graph, ``?default`` the default graph (read: the union of all graphs, as in queries;
write: the store's own default graph). GET reads through the query workers (timeout and result limit apply);
PUT (replace), POST (merge) and DELETE write through ``KnowledgeGraph.update`` and, like SPARQL Update, are
off unless the server allows updates, and then need the bearer token.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ..executor import GRAPH_MEDIA, Job, QueryFailed, QueryTimeout
from ..graph import KnowledgeGraph
from .common import limited_body
from .sparql import GRAPHS, _error, check_update_allowed, negotiate, query_executor, run_update

PATH = "/rdf-graphs/service"
#: Content types a PUT or POST body may have.
BODY_TYPES = {**GRAPH_MEDIA, "application/x-turtle": ox.RdfFormat.TURTLE, "text/plain": ox.RdfFormat.N_TRIPLES}


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    def target(request: Request) -> str | None | Response:
        """The graph IRI, None for the default graph, or an error response."""
        params = request.query_params
        graphs = params.getlist("graph")
        if ("default" in params) == bool(graphs) or len(graphs) > 1:
            return _error(400, "name exactly one graph: ?graph=IRI or ?default")
        if not graphs:
            return None
        try:
            ox.NamedNode(graphs[0])
        except ValueError:
            return _error(400, f"not an absolute IRI: {graphs[0]!r}")
        return graphs[0]

    def exists(iri: str) -> bool:
        return kg.store.contains_named_graph(ox.NamedNode(iri))

    @r.api_route(PATH, methods=["GET", "HEAD"])
    async def read(request: Request) -> Response:
        iri = target(request)
        if isinstance(iri, Response):
            return iri
        if iri is not None and not exists(iri):
            return _error(404, f"no graph <{iri}> in this store")
        media = negotiate(request.headers.get("accept"), GRAPHS, {"application/x-turtle": "text/turtle",
                                                                  "text/plain": "application/n-triples"})
        if media is None:
            return _error(406, f"graphs are offered as {', '.join(GRAPHS)}")
        query = "CONSTRUCT WHERE { ?s ?p ?o }" if iri is None else f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        settings = request.app.state.settings
        job = Job(query, {"graph": media}, settings.max_results)
        try:
            media_type, body = await query_executor(request.app).arun(job, settings.timeout)
        except QueryTimeout as e:
            return _error(503, str(e))
        except QueryFailed as e:
            return _error(e.status, str(e))
        if request.method == "HEAD":
            return Response(media_type=media_type, headers={"Content-Length": str(len(body))})
        return Response(body, media_type=media_type, headers={"Vary": "Accept"})

    @r.api_route(PATH, methods=["PUT", "POST", "DELETE"])
    async def write(request: Request) -> Response:
        denied = check_update_allowed(request)
        if denied:
            return denied
        iri = target(request)
        if isinstance(iri, Response):
            return iri
        where = "DEFAULT" if iri is None else f"GRAPH <{iri}>"
        if request.method == "DELETE":
            if iri is not None and not exists(iri):
                return _error(404, f"no graph <{iri}> in this store")
            return await run_update(request, kg, f"DROP {where}" if iri else "CLEAR DEFAULT")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in BODY_TYPES:
            return _error(415, f"unsupported content type {media or '(none)'!r}: send {', '.join(GRAPH_MEDIA)}")
        try:
            body = await limited_body(request)
        except HTTPException as e:
            return _error(e.status_code, str(e.detail))
        try:
            triples = [q.triple if isinstance(q, ox.Quad) else q
                       for q in ox.parse(body, BODY_TYPES[media], base_iri=iri or None)]
        except (SyntaxError, ValueError) as e:
            return _error(400, f"malformed {media} body: {e}")
        data = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
        insert = f"INSERT DATA {{ {'GRAPH <' + iri + '> {' if iri else ''} {data} {'}' if iri else ''} }}"
        created = iri is not None and not exists(iri)
        steps = []
        if request.method == "PUT":
            steps.append(f"DROP SILENT {where}" if iri else "CLEAR DEFAULT")
        if iri is not None:
            steps.append(f"CREATE SILENT GRAPH <{iri}>")
        steps.append(insert)
        answer = await run_update(request, kg, " ;\n".join(steps))
        if answer.status_code == 204 and created:
            return Response(status_code=201, headers={"Location": str(request.url)})
        return answer

    return r
