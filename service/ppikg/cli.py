"""The `ppi` command: a thin shell over the library (build data, query, export, info, serve)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

import pyoxigraph

from . import __version__, media
from .errors import Conflict, InputError, Message, NotFound, PpikgError, msg
from .config import Project, Settings
from .i18n import LANGS, pick_lang
from .conformance.render import FORMATS as REPORT_FORMATS
from .search.documents import KINDS

QUERY_FORMATS = ("table", *media.names("results"))
EXPORT_FORMATS = media.names("graph", "dataset")


class _Refused(argparse.ArgumentTypeError):
    """An option's value refused by its type, with a Message the parser words in its language."""

    def __init__(self, said: Message) -> None:
        super().__init__(str(said))
        self.said = said


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2, and a value refused with a Message
    (:class:`_Refused`) reads in ``lang``."""

    def __init__(self, *args, lang: str = LANGS[0], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lang = lang

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")

    def _get_value(self, action, arg_string):
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as e:
            refused = e.__context__  # argparse words the type's error from str() while handling it
            if isinstance(refused, _Refused):
                raise argparse.ArgumentError(action, refused.said.text(self.lang)) from None
            raise


def _usage_lang(argv: Sequence[str]) -> str:
    """The language ``--lang`` names in ``argv`` (Spanish without one)."""
    for arg, after in zip(argv, [*argv[1:], None]):
        given = arg.partition("=")[2] if arg.startswith("--lang=") else after if arg == "--lang" else None
        if given in LANGS:
            return given
    return LANGS[0]


def _store(args: argparse.Namespace) -> Path:
    """--store, else $PPIKG_STORE, else the project's var/store."""
    return args.store or Path(os.environ.get("PPIKG_STORE", args.project.default_store))


def _open(args: argparse.Namespace, progress: bool = True):
    """The knowledge graph at --store, with the shipped data loaded (a no-op when already current)."""
    from .store.graph import KnowledgeGraph

    endpoint = _endpoint(args)
    if endpoint is not None:
        from .store.remote import RemoteStore

        kg = KnowledgeGraph(None, project=args.project, backend=RemoteStore(endpoint))
    else:
        kg = KnowledgeGraph(None if args.memory else _store(args), project=args.project)
    kg.load_shipped(progress=(lambda line: print(line, file=sys.stderr)) if progress else None)
    return kg


def _endpoint(args: argparse.Namespace):
    """The remote SPARQL store of --store-endpoint (None: the embedded store). Its password comes from
    --store-password-file (first line) or $PPIKG_STORE_PASSWORD, never from the command line."""
    url = getattr(args, "store_endpoint", None)
    if not url:
        return None
    from .store.remote import Endpoint

    for name, value in (("--store-endpoint", url), ("--store-update", args.store_update), ("--store-gsp", args.store_gsp)):
        if value is not None and not value.startswith(("http://", "https://")):
            raise InputError(msg("option_url", option=name, value=value))
    password = os.environ.get("PPIKG_STORE_PASSWORD")
    if args.store_password_file:
        try:
            lines = Path(args.store_password_file).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise InputError(msg("password_file", path=args.store_password_file, detail=e.strerror or e)) from None
        password = lines[0].strip() if lines else ""
    if password and not args.store_user:
        raise InputError(msg("password_needs_user"))
    return Endpoint(url, args.store_update, args.store_gsp, args.store_user, password)


def _read_query(text: str) -> str:
    """The query itself, '-' for standard input, or @FILE."""
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        return Path(text[1:]).read_text(encoding="utf-8")
    return text


def _term_text(term) -> str:
    if term is None:
        return ""
    return term.value if hasattr(term, "value") else str(term)


def _table(variables: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(variables)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(variables), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]) + "\n"


def cmd_query(args: argparse.Namespace) -> int:
    with _open(args, progress=False) as kg:
        results = kg.query(_read_query(args.sparql))
        out = sys.stdout
        if isinstance(results, pyoxigraph.QueryBoolean):
            out.write(("true" if bool(results) else "false") + "\n")
        elif isinstance(results, pyoxigraph.QueryTriples):
            out.write((results.serialize(format=pyoxigraph.RdfFormat.TURTLE) or b"").decode("utf-8"))
        elif args.format == "table":
            variables = [v.value for v in results.variables]
            rows = [[_term_text(s[v]) for v in variables] for s in results]
            out.write(_table(variables, rows))
            print(f"({len(rows)} rows)", file=sys.stderr)
        else:
            fmt = media.find("results", args.format)
            assert fmt is not None  # --format offers only the names of results formats
            out.write((results.serialize(format=fmt.results) or b"").decode("utf-8"))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with _open(args) as kg:
        if args.output:
            with open(args.output, "wb") as f:
                kg.export(f, args.format, which=args.which, graph=args.graph)
        else:
            kg.export(sys.stdout.buffer, args.format, which=args.which, graph=args.graph)
            sys.stdout.buffer.flush()
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    with _open(args) as kg:
        info = kg.info()
    if args.json:
        json.dump(info, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return 0
    for key, value in info.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v}")
        elif isinstance(value, list):
            print(f"{key}:")
            for item in value:
                print(f"  {item}")
        else:
            print(f"{key}: {value}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Full-text search: the hits best first, their matched words in [brackets] (or the answer as JSON)."""
    from .i18n import words

    with _open(args, progress=False) as kg:
        found = kg.search(" ".join(args.text), args.lang, args.kind, args.limit, args.offset)
    if args.format == "json":
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return 0
    w = words("search", args.lang)
    if not found["hits"]:
        print(w["none"].format(query=found["query"]))
        return 0
    print(w["results" if found["total_exact"] else "results_more"].format(total=found["total"], query=found["query"]))
    if found["match"] == "any":
        print(w["any_words"])
    for hit in found["hits"]:
        text, at = hit["snippet"], 0
        marked = ""
        for a, b in hit["highlights"]:
            marked += f"{text[at:a]}[{text[a:b]}]"
            at = b
        print(f"\n{hit['rank']}. {hit['kind_label']}: {hit['label']}\n   <{hit['iri']}>\n   {marked + text[at:]}")
    return 0


def _proposal_graphs(args: argparse.Namespace, validator):
    """The proposal to validate and its inferences if the store made them already (else None): a file or
    folder (Turtle, JSON-LD, xlsx, CSV), or the IRI of a proposal loaded in the store."""
    target = args.proposal
    if "://" in target and not Path(target).exists():
        from .lifecycle.reports import recorded_facts

        with _open(args, progress=False) as kg:
            graph, inferred = kg.proposal_ntriples(target)
            try:
                current = [v for v in kg.history(target) if v.current]
            except NotFound:  # loaded before versions were recorded
                current = []
            for v in current:
                inferred += recorded_facts(v)
            return graph, inferred
    return validator.load(Path(target)), None


def _validate_all(args: argparse.Namespace, validator) -> int:
    """``ppi validate --all``: every proposal of the store; exit 0 when all conform."""
    from .lifecycle.batch import ReportFiles, validate_all
    from .lifecycle.render import batch_rows

    if args.proposal is not None:
        raise InputError(msg("validate_all_and_proposal"))
    reports = ReportFiles(Path(args.reports), args.format, args.lang, args.severity) if args.reports else None
    with _open(args, progress=False) as kg:
        checked = validate_all(kg, validator, args.lang, reports=reports, workers=args.jobs)
    if args.format == "json":
        text = json.dumps([c.summary() for c in checked], ensure_ascii=False, indent=1) + "\n"
    else:
        text = _table(*batch_rows(checked, args.lang))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0 if all(c.conforms for c in checked) else 1


def cmd_validate(args: argparse.Namespace) -> int:
    from .conformance.render import BINARY, render
    from .conformance.validator import Validator

    if not args.output and sys.stdout.isatty() and getattr(media.find("report", args.format), "media", None) in BINARY:
        raise InputError(msg("binary_report", format=args.format))
    validator = Validator(args.project)
    if args.all:
        return _validate_all(args, validator)
    if args.proposal is None:
        raise InputError(msg("validate_nothing"))
    proposal, inferred = _proposal_graphs(args, validator)
    report = validator.validate(proposal, inferred=inferred)
    text = render(report.filtered(args.severity), args.format, args.lang)
    if isinstance(text, bytes):
        if args.output:
            Path(args.output).write_bytes(text)
        else:
            sys.stdout.buffer.write(text)
    elif args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0 if report.conforms else 1


def cmd_import(args: argparse.Namespace) -> int:
    from .proposals.importer import import_proposal
    from .proposals.spec import proposal_iri

    graph = import_proposal(Path(args.source), project=args.project)
    iri = proposal_iri(graph)
    name = str(iri).rstrip("/").rsplit("/", 1)[-1]
    if args.server:
        graph_iri = _load_through(args.server, _token(args), Path(args.source), name, graph,
                                  pick_lang(getattr(args, "lang", None)))
        print(f"loaded {iri} into {graph_iri} on {args.server} ({len(graph)} triples)", file=sys.stderr)
        return 0
    if args.load:
        with _open(args) as kg:
            if kg.read_only:
                raise Conflict(msg("served_load", path=str(kg.store_dir), source=args.source))
            graph_iri = kg.add_graph(f"propuestas/{name}", graph, source=str(Path(args.source).resolve()))
        print(f"loaded {iri} into {graph_iri} ({len(graph)} triples)", file=sys.stderr)
        return 0
    text = graph.serialize(format="turtle")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _load_through(server: str, token: str | None, source: Path, name: str, graph, lang: str = "es") -> str:
    """Load the proposal through the ppikg server at ``server`` (with the update token): the way to load while a
    server holds the store. A workbook, Turtle or JSON-LD file is uploaded as it is (``POST /propuestas``: the
    server records its name and SHA-256); a CSV folder is sent as the Turtle it becomes (Graph Store PUT into
    the proposal's graph). The server words its refusals in ``lang``. Returns what was loaded, for the message."""
    import urllib.error
    import urllib.request
    from urllib.parse import quote

    from .media import find
    from .namespaces import GRAPH

    if not token:
        raise InputError(msg("server_token"))
    headers = {"Authorization": f"Bearer {token}"}
    fmt = find("proposal", source.suffix.lstrip(".")) if source.is_file() else None
    graph_iri = GRAPH + f"propuestas/{name}"
    if fmt is not None:
        url = f"{server.rstrip('/')}/propuestas?lang={lang}"
        body = source.read_bytes()
        headers |= {"Content-Type": fmt.media, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(source.name)}"}
        method = "POST"
    else:
        url = f"{server.rstrip('/')}/rdf-graphs/service?graph={quote(graph_iri, safe='')}&lang={lang}"
        body = graph.serialize(format="turtle").encode("utf-8")
        headers |= {"Content-Type": "text/turtle"}
        method = "PUT"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:
            if fmt is None:
                return graph_iri
            made = json.loads(answer.read())
            return f"{graph_iri} as version {made['number']}" + ("" if made["new"] else " (unchanged)")
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")
        try:
            detail = json.loads(detail)["error"]
        except (ValueError, KeyError, TypeError):
            pass
        raise Conflict(msg("server_refused", server=server, status=e.code, detail=detail)) from None
    except (urllib.error.URLError, OSError) as e:
        raise Conflict(msg("no_server", server=server, detail=getattr(e, "reason", e))) from None


def _versions_table(args: argparse.Namespace, kg, versions) -> tuple[list[str], list[list[str]]]:
    from .conformance.validator import Validator
    from .lifecycle.reports import status_labels, version_report
    from .lifecycle.render import history_rows

    validator = Validator(args.project)
    reports = {v.iri: version_report(kg, validator, v) for v in versions if not v.dropped}
    return history_rows(versions, reports, args.lang, status_labels(kg, args.lang))


def cmd_history(args: argparse.Namespace) -> int:
    """Every version of a proposal, with its status and the summary of its report."""
    with _open(args, progress=False) as kg:
        versions = kg.history(args.proposal)
        if args.format == "json":
            from dataclasses import asdict

            print(json.dumps([asdict(v) for v in versions], ensure_ascii=False, indent=1))
            return 0
        head, rows = _versions_table(args, kg, versions)
    if args.format == "csv":
        import csv

        w = csv.writer(sys.stdout, lineterminator="\r\n")
        w.writerows([head, *rows])
    else:
        print(f"<{versions[0].proposal}>")
        print(_table(head, rows))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """What changed between two versions of a proposal."""
    from .conformance.validator import Validator
    from .lifecycle.diff import diff
    from .lifecycle.render import diff_text

    with _open(args, progress=False) as kg:
        d = diff(kg, Validator(args.project), args.proposal, args.before, args.after)
    if args.format == "json":
        print(json.dumps(d.to_json(), ensure_ascii=False, indent=1))
    elif args.format == "csv":
        sys.stdout.write(d.to_csv())
    else:
        sys.stdout.write(diff_text(d, args.lang))
    return 0


def cmd_drop_version(args: argparse.Namespace) -> int:
    """Drop one version of a proposal (recorded: the record stays, its content goes)."""
    with _open(args, progress=False) as kg:
        if kg.read_only:
            raise Conflict(msg("served_drop", path=str(kg.store_dir), proposal=args.proposal, number=args.number))
        dropped, current = kg.drop_version(args.proposal, args.number)
    print(f"dropped {dropped}; current version: {current or 'none (the proposal left the store)'}", file=sys.stderr)
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    """Record a decision on a version: under review, authorised or not authorised by the Instituto."""
    from .lifecycle.authorisation import decide

    with _open(args, progress=False) as kg:
        if kg.read_only:
            raise Conflict(msg("served_decide", path=str(kg.store_dir), proposal=args.proposal, number=args.number))
        d = decide(kg, args.proposal, args.number, args.state, when=args.date, act=args.act,
                   revise_every=args.revise_every, next_revision=args.next_revision)
    print(f"{d.version}: {d.status.rsplit('#', 1)[-1]} on {d.date}"
          + (f", next revision {d.next_revision}" if d.next_revision else "")
          + "".join(f"; supersedes {v}" for v in d.superseded), file=sys.stderr)
    return 0


def cmd_build_data(args: argparse.Namespace) -> int:
    from .build import data as build
    from .proposals import templates

    project = args.project
    graphs = build.build_all(project)
    if args.check:
        stale = build.stale_files(graphs) + templates.stale_files(project)
        for path in stale:
            print(f"stale: {path.relative_to(project.root)}", file=sys.stderr)
        return 1 if stale else 0
    for path in build.write_all(graphs):
        print(f"wrote {path.relative_to(project.root)} ({len(graphs[path])} triples)")
    for path in templates.write_all(project):  # after the data: the templates name its competencies, aspects, …
        print(f"wrote {path.relative_to(project.root)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .http import create_app
    from .http.processes import FromLookupProcesses, LookupProcesses, listen
    from .http.wire import BoundedHttpToolsProtocol

    token = _token(args)
    extra = args.processes - 1
    if extra and (args.memory or _endpoint(args) is not None):
        raise InputError(msg("processes_need_store", count=args.processes))
    sock = listen(args.host, args.port, reuse_port=bool(extra))  # before the store opens: a busy port is said at once
    kg = _open(args)
    settings = Settings(timeout=args.timeout, update_enabled=args.update, token=token, workers=args.workers,
                        max_results=args.max_results, query_memory_mb=args.query_memory,
                        validation_timeout=args.validation_timeout, write_timeout=args.write_timeout,
                        body_timeout=args.body_timeout, queue_timeout=args.queue_timeout,
                        validation_memory_mb=args.validation_memory, public_url=args.public_url,
                        cors_origins=args.cors)
    app = create_app(kg, settings=settings)
    sockets, lookups = [sock], None
    if extra:  # the look-up processes forward what they do not answer to the primary, on a loopback port of its own
        inner = listen("127.0.0.1", 0)
        sockets.append(inner)
        lookups = LookupProcesses(extra, store=kg.store_dir, host=args.host, port=sock.getsockname()[1],
                                  target=inner.getsockname()[:2],
                                  settings=Settings(max_results=args.max_results, public_url=args.public_url,
                                                    cors_origins=args.cors, body_timeout=args.body_timeout))
        app = FromLookupProcesses(app, inner.getsockname()[:2], lookups.secret)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", http=BoundedHttpToolsProtocol))
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"ppikg {__version__} serving on http://{host}:{sock.getsockname()[1]}/"
          + (f" ({args.processes} processes)" if extra else ""), file=sys.stderr)
    try:
        server.run(sockets=sockets)
    finally:
        if lookups is not None:
            lookups.stop()
        kg.close()
        for s in sockets:
            s.close()
    return 0


def _token(args: argparse.Namespace) -> str | None:
    """The update token: --token-file (its first line), else $PPIKG_TOKEN, else --token (which `ps` shows)."""
    if getattr(args, "token_file", None):
        try:
            lines = Path(args.token_file).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise InputError(msg("token_file", path=args.token_file, detail=e.strerror or str(e))) from None
        token = lines[0].strip() if lines else ""
        if not token:
            raise InputError(msg("token_file_empty", path=args.token_file))
        return token
    return os.environ.get("PPIKG_TOKEN") or args.token


def build_parser(lang: str = LANGS[0]) -> argparse.ArgumentParser:
    """The ``ppi`` command line; a refused option value reads in ``lang``."""
    parser = _Parser(prog="ppi", lang=lang, description="Knowledge graph of the 2013 Lineamientos for director-promotion PPI (EMS).")
    parser.add_argument("--version", action="version", version=f"ppikg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--store", type=Path, help="store folder (default: $PPIKG_STORE or var/store)")
        p.add_argument("--memory", action="store_true", help="use a fresh in-memory store instead")
        remote = p.add_argument_group("a remote SPARQL 1.1 store instead (docs/deployment.md)")
        remote.add_argument("--store-endpoint", metavar="URL", help="its SPARQL query URL")
        remote.add_argument("--store-update", metavar="URL", help="its SPARQL update URL (default: the query URL)")
        remote.add_argument("--store-gsp", metavar="URL", help="its Graph Store Protocol URL (bulk loads)")
        remote.add_argument("--store-user", metavar="NAME", help="the account for updates (Basic or Digest)")
        remote.add_argument("--store-password-file", metavar="FILE",
                            help="a file whose first line is the password (else $PPIKG_STORE_PASSWORD)")
        return p

    q = with_store(sub.add_parser("query", help="run a SPARQL query (asserted + inferred triples)"))
    q.add_argument("sparql", help="the query, '-' for stdin, or @FILE")
    q.add_argument("--format", choices=QUERY_FORMATS, default="table")
    q.set_defaults(func=cmd_query)

    e = with_store(sub.add_parser("export", help="write the graph as RDF"))
    e.add_argument("--format", choices=EXPORT_FORMATS, default="ttl")
    which = e.add_mutually_exclusive_group()
    which.add_argument("--asserted", dest="which", action="store_const", const="asserted")
    which.add_argument("--inferred", dest="which", action="store_const", const="inferred")
    which.add_argument("--all", dest="which", action="store_const", const="all")
    e.set_defaults(which="all")
    e.add_argument("--graph", help="only this named graph (IRI)")
    e.add_argument("--output", "-o", help="file to write (default: stdout)")
    e.set_defaults(func=cmd_export)

    i = with_store(sub.add_parser("info", help="what is loaded: graphs, counts by class, versions"))
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_info)

    se = with_store(sub.add_parser("search", help="full-text search of provisions, definitions, competencies, "
                                                  "aspects, parameters and indicators"))
    se.add_argument("text", nargs="+", help="the words to search for (accents and case do not matter)")
    se.add_argument("--format", choices=("text", "json"), default="text")
    se.add_argument("--lang", choices=LANGS, default=LANGS[0])
    se.add_argument("--kind", choices=KINDS, help="only documents of this kind")
    se.add_argument("--limit", type=int, default=20, help="hits to show (1-100, default 20)")
    se.add_argument("--offset", type=int, default=0, help="hits to skip first")
    se.set_defaults(func=cmd_search)

    v = with_store(sub.add_parser("validate", help="check a proposal against the Lineamientos (exit 0 conforms, 1 not, 2 bad input)"))
    v.add_argument("proposal", nargs="?", help="a .xlsx workbook, a folder of CSV files (or a .zip of them), RDF "
                                               "(.ttl, .jsonld, .nt, .nq, .trig, .rdf) or the IRI of a loaded proposal")
    v.add_argument("--all", action="store_true",
                   help="every proposal in the store: a summary table (JSON with --format json) and, with "
                        "--reports, one report per proposal")
    v.add_argument("--reports", metavar="DIR", help="with --all: write each proposal's report to DIR/NAME.EXT")
    v.add_argument("--jobs", type=_count, metavar="N",
                   help="with --all: processes sharing the work (default: one per core)")
    v.add_argument("--format", choices=REPORT_FORMATS, default="text")
    v.add_argument("--lang", choices=LANGS, default=LANGS[0])
    v.add_argument("--severity", choices=("violation", "warning", "info"), default="info",
                   help="show findings at this severity or above")
    v.add_argument("--output", "-o", help="file to write (default: stdout)")
    v.set_defaults(func=cmd_validate)

    im = with_store(sub.add_parser("import", help="turn a filled template (xlsx or CSV folder) into RDF"))
    im.add_argument("source", help="a .xlsx workbook, a folder of CSV files (or a .zip of them), or RDF (.ttl, .jsonld, .nt, .nq, .trig, .rdf)")
    im.add_argument("--output", "-o", help="Turtle file to write (default: stdout)")
    im.add_argument("--load", action="store_true", help="load it into the store as its own named graph instead")
    im.add_argument("--server", metavar="URL",
                    help="load it through the ppikg server at URL instead (while a server holds the store)")
    im.add_argument("--token", help="the server's update token (or $PPIKG_TOKEN, or --token-file)")
    im.add_argument("--token-file", metavar="FILE", help="read the update token from the first line of FILE")
    im.set_defaults(func=cmd_import)

    hi = with_store(sub.add_parser("history", help="every version of a loaded proposal, its status and report"))
    hi.add_argument("proposal", help="the proposal's IRI or its name under propuestas/ (e.g. ejemplo-dgb)")
    hi.add_argument("--format", choices=("table", "csv", "json"), default="table")
    hi.add_argument("--lang", choices=LANGS, default=LANGS[0])
    hi.set_defaults(func=cmd_history)

    di = with_store(sub.add_parser("diff", help="what changed between two versions of a loaded proposal"))
    di.add_argument("proposal", help="the proposal's IRI or its name under propuestas/")
    di.add_argument("--from", dest="before", metavar="V",
                    help="the earlier version: number or IRI (default: the one before --to)")
    di.add_argument("--to", dest="after", metavar="V", help="the later version (default: the current one)")
    di.add_argument("--format", choices=("text", "json", "csv"), default="text")
    di.add_argument("--lang", choices=LANGS, default=LANGS[0])
    di.set_defaults(func=cmd_diff)

    dv = with_store(sub.add_parser("drop-version", help="drop one version of a proposal (recorded)"))
    dv.add_argument("proposal", help="the proposal's IRI or its name under propuestas/")
    dv.add_argument("number", type=_count, help="the version's number")
    dv.set_defaults(func=cmd_drop_version)

    de = with_store(sub.add_parser("decide", help="record the Instituto's decision on a version (Décimo Sexto)"))
    de.add_argument("proposal", help="the proposal's IRI or its name under propuestas/")
    de.add_argument("number", type=_count, help="the version's number")
    de.add_argument("state", help="en-revision, autorizada or no-autorizada (under-review, authorised, not-authorised)")
    de.add_argument("--date", required=True, help="the date of the act (AAAA-MM-DD or dd/mm/aaaa)")
    de.add_argument("--act", help="the reference of the Instituto's act (needed to authorise or refuse)")
    de.add_argument("--revise-every", metavar="DURATION",
                    help="the revision periodicity the Instituto sets, ISO 8601 (P1Y, P6M): gives the next revision")
    de.add_argument("--next-revision", metavar="DATE", help="or the next revision date itself")
    de.set_defaults(func=cmd_decide)

    b = sub.add_parser("build-data", help="regenerate data/*.ttl, ontology/definitions.ttl, the templates and docs/template.md")
    b.add_argument("--check", action="store_true", help="only report files that differ from the sources (exit 1)")
    b.set_defaults(func=cmd_build_data)

    s = with_store(sub.add_parser("serve", help="serve the SPARQL endpoint and web pages"))
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_port, default=8000, help="TCP port, 1–65535 (0: any free port; default 8000)")
    s.add_argument("--timeout", type=_seconds, default=10.0, metavar="SECONDS",
                   help="stop a query after this many seconds (default 10)")
    s.add_argument("--update", action="store_true",
                   help="accept SPARQL Update and Graph Store Protocol writes (needs --token)")
    s.add_argument("--token", help="bearer token that updates must send (Authorization: Bearer TOKEN); visible to "
                                   "`ps`: prefer --token-file or $PPIKG_TOKEN")
    s.add_argument("--token-file", metavar="FILE", help="read the update token from the first line of FILE")
    s.add_argument("--workers", type=_count, default=Settings.workers, metavar="N",
                   help=f"query worker processes, each killable at the timeout (default {Settings.workers})")
    s.add_argument("--processes", type=_count, default=1, metavar="N",
                   help="processes answering look-ups on the port, the first one also everything else (default 1; "
                        "up to one per core pays: a look-up is CPU work in Python); needs --store")
    s.add_argument("--max-results", type=_count, default=Settings.max_results, metavar="N",
                   help=f"most rows or triples a query may return; more is refused with 413 (default {Settings.max_results:,})")
    s.add_argument("--query-memory", type=_count, default=Settings.query_memory_mb, metavar="MB",
                   help="memory a query worker may reach; a query that needs more is stopped with 503 "
                        f"(default {Settings.query_memory_mb:,})")
    s.add_argument("--queue-timeout", type=_seconds, default=Settings.queue_timeout, metavar="SECONDS",
                   help="refuse a query (503) that waited this long for a free worker; it then has --timeout to run "
                        f"(default {Settings.queue_timeout:g})")
    s.add_argument("--body-timeout", type=_seconds, default=Settings.body_timeout, metavar="SECONDS",
                   help="give up a request whose body stops arriving for this long, with 408 "
                        f"(default {Settings.body_timeout:g})")
    s.add_argument("--write-timeout", type=_seconds, default=Settings.write_timeout, metavar="SECONDS",
                   help="stop a Graph Store write whose parsing and inference take longer "
                        f"(default {Settings.write_timeout:g})")
    s.add_argument("--validation-timeout", type=_seconds, default=Settings.validation_timeout, metavar="SECONDS",
                   help=f"stop validating an upload after this many seconds (default {Settings.validation_timeout:g})")
    s.add_argument("--validation-memory", type=_count, default=Settings.validation_memory_mb, metavar="MB",
                   help="memory a validation worker may reach; an upload that needs more is stopped with 503 "
                        f"(default {Settings.validation_memory_mb:,})")
    s.add_argument("--cors", type=_origins, default=(), metavar="ORIGINS",
                   help="let browser pages of these origins call the service (comma-separated, e.g. "
                        "https://yasgui.example,http://localhost:3000; * for any); off by default")
    s.add_argument("--public-url", metavar="URL",
                   help="the server's URL as clients reach it (e.g. behind a proxy); names the endpoint in the "
                        "service description and is the base IRI of queries (default: the address it listens on)")
    s.set_defaults(func=cmd_serve)
    for command in sub.choices.values():  # every command speaks the language of its errors
        command.lang = lang
        if "--lang" not in command._option_string_actions:
            command.add_argument("--lang", choices=LANGS, default=LANGS[0], help="language of the messages")
    return parser


def _origins(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated web origins (``scheme://host[:port]``) or ``*``."""
    import re

    origins = tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s?#]+", origin):
            raise _Refused(msg("not_an_origin", value=origin))
    if not origins:
        raise _Refused(msg("no_origin"))
    return origins


def _port(text: str) -> int:
    """An argparse type: a TCP port number, 0–65535 (a usage error, exit 2, otherwise)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise _Refused(msg("not_a_port", value=text))
    return port


def _positive(convert, what: Message):
    """An argparse type: ``convert(text)``, refused with a usage error unless it is a number above 0."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise _Refused(msg("not_a_value", what=what, value=text)) from None
        if not value > 0:
            raise _Refused(msg("not_positive"))
        return value

    return parse


_count = _positive(int, msg("a_whole_number"))
_seconds = _positive(float, msg("a_number_of_seconds"))


def main(argv: Sequence[str] | None = None, project: Project | None = None) -> int:
    """Run ``ppi`` with ``argv`` over ``project`` (default: :meth:`Project.default`); returns the exit code."""
    parser = build_parser(_usage_lang(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    args.project = project or Project.default()
    if getattr(args, "command", None) == "serve" and args.update and not (args.token or args.token_file
                                                                          or os.environ.get("PPIKG_TOKEN")):
        refusal = msg("update_needs_token").text(pick_lang(args.lang))
        parser.exit(2, f"ppi serve: error: {refusal}\n")
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - ppikg's errors and the system's own about files; others propagate
        error = as_error(exc)
        if error is None:
            raise
        print("ppi: error: " + " ".join(error.text(pick_lang(getattr(args, "lang", None))).splitlines()),
              file=sys.stderr)
        return error.exit_code


def as_error(exc: BaseException) -> PpikgError | None:
    """What the command reports for ``exc``: ppikg's own errors as they are; a file that cannot be found or
    read, or is not UTF-8, as the input error it is; None for anything else (a bug: its traceback shows)."""
    if isinstance(exc, PpikgError):
        return exc
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return NotFound(msg("no_such_file", path=exc.filename))
    if isinstance(exc, OSError) and exc.filename:
        return InputError(msg("cannot_read", path=exc.filename, detail=exc.strerror or exc))
    if isinstance(exc, (OSError, UnicodeDecodeError)):
        return InputError(msg("input_unreadable", detail=str(exc)))

    return None

if __name__ == "__main__":
    sys.exit(main())
