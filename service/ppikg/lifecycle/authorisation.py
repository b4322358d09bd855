"""Authorisation and revision of a proposal's versions (Décimo Sexto, Décimo Séptimo).

A version starts *pending* (``ppi:Pending``, as it is submitted); a decision moves it to *under review*, then
to *authorised* or *not authorised* by the Instituto, each decision recorded (``ppi:AuthorisationDecision``)
with the date and reference of the act, the deciding body, the role that recorded it and when. At most one
version is in force per filer and subsystem: authorising a version supersedes (``ppi:Superseded``) the
authorised versions of the same filer for any of its subsystems. The revision periodicity the Instituto sets
(an ISO 8601 duration, e.g. ``P1Y``) gives the next revision date; a version in force past it is overdue.

A decision for a version that does not exist, a date that cannot be read or that comes before the proposal
was issued or before the version's last decision, a move out of a final state, or an authorisation by another
body than the Instituto, is refused and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from ..errors import InputError, Message, msg
from ..namespaces import AUTHORITIES, PPI
from ..store.catalog import VERSIONS_GRAPH, now
from ..store.graph import KnowledgeGraph
from ..store.versions import Version

#: The states a decision may set, by the names the CLI and HTTP take (es and en).
STATUS_NAMES = {
    "en-revision": PPI.UnderReview, "under-review": PPI.UnderReview,
    "autorizada": PPI.Authorised, "authorised": PPI.Authorised, "authorized": PPI.Authorised,
    "no-autorizada": PPI.Rejected, "not-authorised": PPI.Rejected, "not-authorized": PPI.Rejected,
}
PENDING, UNDER_REVIEW, AUTHORISED, REJECTED, SUPERSEDED = (
    PPI + "Pending", PPI + "UnderReview", PPI + "Authorised", PPI + "Rejected", PPI + "Superseded")
#: Each state, in the messages.
STATE_WORDS = {PENDING: msg("state_pending"), UNDER_REVIEW: msg("state_under_review"),
               AUTHORISED: msg("state_authorised"), REJECTED: msg("state_rejected"),
               SUPERSEDED: msg("state_superseded")}
#: Which state may follow which: authorised, not authorised and superseded are final (a change is a new version).
NEXT = {PENDING: {UNDER_REVIEW, AUTHORISED, REJECTED}, UNDER_REVIEW: {AUTHORISED, REJECTED}}
INSTITUTO = AUTHORITIES + "instituto"

_XSD = "http://www.w3.org/2001/XMLSchema#"
_PROV = "http://www.w3.org/ns/prov#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?")


def parse_date(text: str, what: str | Message) -> date:
    """A date written ``AAAA-MM-DD`` or ``dd/mm/aaaa``; InputError that says the expected form otherwise.

    >>> parse_date("31/12/2014", "the act"), parse_date("2015-01-02", "the act")
    (datetime.date(2014, 12, 31), datetime.date(2015, 1, 2))
    """
    from ..proposals.kinds import read_day

    try:
        return read_day(text)
    except ValueError:
        raise InputError(msg("decision_bad_date", what=what, value=text)) from None


def add_duration(start: date, duration: str) -> date:
    """``start`` plus an ISO 8601 duration of years, months and days (``P1Y``, ``P18M``, ``P2Y6M``).

    >>> add_duration(date(2015, 1, 31), "P1M"), add_duration(date(2015, 3, 1), "P2Y")
    (datetime.date(2015, 2, 28), datetime.date(2017, 3, 1))
    """
    m = _DURATION.fullmatch(duration.strip().upper())
    if not m or not any(m.groups()):
        raise InputError(msg("periodicity", value=duration))
    years, months, days = (int(g or 0) for g in m.groups())
    month = start.month - 1 + months
    year, month = start.year + years + month // 12, month % 12 + 1
    import calendar
    from datetime import timedelta

    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=days)


@dataclass(frozen=True)
class Decision:
    iri: str
    version: str
    status: str
    date: str
    act: str | None
    body: str
    next_revision: str | None
    superseded: tuple[str, ...]  # the versions this authorisation put out of force


def _lit(value: str, datatype: str = "string") -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(_XSD + datatype))


_DECISIONS = """
SELECT ?d ?date ?status WHERE { GRAPH <%(g)s> { ?d ppi:decisionOn <%(v)s> ; dcterms:date ?date ; ppi:toStatus ?status } }
ORDER BY ?date ?d
"""
_IN_FORCE = """
SELECT ?v ?p WHERE { GRAPH <%(g)s> { ?v ppi:versionStatus ppi:Authorised ; dcterms:isVersionOf ?p } }
"""


def _filer_and_subsystems(kg: KnowledgeGraph, version: Version) -> tuple[str | None, set[str], date | None]:
    graph, _ = kg.version_graphs(version)
    p = URIRef(version.proposal)
    filer = graph.value(p, PPI.proposedBy)
    issued = graph.value(p, DCTERMS.issued)
    try:
        when = date.fromisoformat(str(issued)) if issued is not None else None
    except ValueError:
        when = None
    return (str(filer) if filer else None), {str(s) for s in graph.objects(p, PPI.forSubsystem)}, when


def decide(kg: KnowledgeGraph, proposal: str, number: int, status: str, *, when: str, act: str | None = None,
           body: str | None = None, role: str | None = None, revise_every: str | None = None,
           next_revision: str | None = None) -> Decision:
    """Record the decision that moves version ``number`` of ``proposal`` to ``status`` (a name of
    :data:`STATUS_NAMES` or an IRI), dated ``when`` (the act's date). See the module for what is refused."""
    target = STATUS_NAMES.get(status.strip().lower()) if "://" not in status else URIRef(status)
    if target is None or str(target) not in {UNDER_REVIEW, AUTHORISED, REJECTED}:
        raise InputError(msg("decision_state", value=status))
    version = kg.version(proposal, number)
    if version.dropped:
        raise InputError(msg("decision_on_dropped", number=number, proposal=version.proposal))
    allowed = NEXT.get(version.status, set())
    if str(target) not in allowed:
        raise InputError(msg("decision_transition", number=number,
                             status=STATE_WORDS.get(version.status, version.status.rsplit("#", 1)[-1]),
                             target=STATE_WORDS[str(target)]))

    decided = parse_date(when, msg("date_of_act"))
    deciding = body or INSTITUTO
    if str(target) in (AUTHORISED, REJECTED):
        if deciding != INSTITUTO:
            raise InputError(msg("decision_by_instituto", instituto=INSTITUTO))
        if not act:
            raise InputError(msg("decision_needs_act"))
    filer, subsystems, issued = _filer_and_subsystems(kg, version)
    if issued is not None and decided < issued:
        raise InputError(msg("act_before_issue", date=decided.isoformat(), issued=issued.isoformat()))
    _, earlier = kg.query_rows(_DECISIONS % {"g": VERSIONS_GRAPH, "v": version.iri}, plan=False)
    if earlier and decided.isoformat() < (earlier[-1]["date"] or ""):
        raise InputError(msg("act_before_decision", date=decided.isoformat(), last=earlier[-1]["date"]))
    revision = None
    if str(target) == AUTHORISED:
        if revise_every and next_revision:
            raise InputError(msg("revision_twice"))
        if revise_every:
            revision = add_duration(decided, revise_every).isoformat()
        elif next_revision:
            revision = parse_date(next_revision, msg("date_of_next_revision")).isoformat()
            if revision <= decided.isoformat():
                raise InputError(msg("revision_before_act", revision=revision, date=decided.isoformat()))

    superseded: list[str] = []
    if str(target) == AUTHORISED:
        _, in_force = kg.query_rows(_IN_FORCE % {"g": VERSIONS_GRAPH}, plan=False)
        for row in in_force:
            other = next(v for v in kg.history(row["p"] or "") if v.iri == row["v"])
            other_filer, other_subsystems, _ = _filer_and_subsystems(kg, other)
            if other.iri != version.iri and other_filer == filer and other_subsystems & subsystems:
                superseded.append(other.iri)
    g = ox.NamedNode(VERSIONS_GRAPH)
    v = ox.NamedNode(version.iri)
    d = ox.NamedNode(f"{version.iri}/decisiones/{len(earlier) + 1}")
    quads = [ox.Quad(d, _RDF_TYPE, ox.NamedNode(PPI + "AuthorisationDecision"), g),
             ox.Quad(d, ox.NamedNode(PPI + "decisionOn"), v, g),
             ox.Quad(v, ox.NamedNode(PPI + "hasDecision"), d, g),
             ox.Quad(d, ox.NamedNode(PPI + "toStatus"), ox.NamedNode(str(target)), g),
             ox.Quad(d, ox.NamedNode(str(DCTERMS.date)), _lit(decided.isoformat(), "date"), g),
             ox.Quad(d, ox.NamedNode(PPI + "decidedBy"), ox.NamedNode(deciding), g),
             ox.Quad(d, ox.NamedNode(_PROV + "generatedAtTime"), _lit(now(), "dateTime"), g),
             ox.Quad(d, ox.NamedNode(_PROV + "wasAttributedTo"), ox.NamedNode(role or PPI + "commandLineUser"), g)]
    if act:
        quads.append(ox.Quad(d, ox.NamedNode(PPI + "actReference"), _lit(act), g))
    if revise_every:
        quads.append(ox.Quad(d, ox.NamedNode(PPI + "revisionEvery"), _lit(revise_every.strip().upper(), "duration"), g))
    if revision:
        quads.append(ox.Quad(d, ox.NamedNode(PPI + "nextRevisionDate"), _lit(revision, "date"), g))
    for replaced in superseded:
        quads.append(ox.Quad(ox.NamedNode(replaced), ox.NamedNode(PPI + "supersededBy"), v, g))
    kg.set_statuses({version.iri: str(target), **{o: SUPERSEDED for o in superseded}}, quads)
    return Decision(d.value, version.iri, str(target), decided.isoformat(), act, deciding, revision, tuple(superseded))


__all__ = ["decide", "Decision", "STATUS_NAMES", "parse_date", "add_duration"]
