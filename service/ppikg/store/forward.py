"""The compiled OWL RL rules run by forward chaining over Python sets: each graph against one indexed context.

:func:`~ppikg.store.inference.compile_rules` reads the ontology's axioms into rules (``atoms`` ⇒
``conclusion``). :class:`ForwardChainer` indexes the context an added graph is inferred against (the ontology,
the shipped data and their inferences) once, then closes each graph under the rules semi-naively: only the
triples the graph asserts, and those derived from them, are joined against the context and the graph's own
triples. The result is what :func:`~ppikg.store.inference.apply_rules` writes for the same graph — the triples
derived that are neither in the graph, nor in the context, nor trivial — and so what owlrl infers
(``tests/store/test_inference.py`` proves both on the shipped data, a hand-made proposal and random graphs).

Terms are held as their N-Triples text (``<http://…>``, ``"texto"@es``, ``_:b0``): one term has one text (the
store's serialiser writes it), Python caches the hash of a ``str`` and not that of a pyoxigraph term, and a
graph's N-Triples — which a write makes anyway — splits into triples without building a term at all.

>>> from rdflib import Graph
>>> from ppikg.store.inference import compile_rules
>>> ont = Graph().parse(data="@prefix : <http://e/> . :p a <http://www.w3.org/2002/07/owl#TransitiveProperty> .", format="turtle")
>>> e = lambda n: ox.NamedNode("http://e/" + n)
>>> chainer = ForwardChainer(compile_rules(ont), [ox.Triple(e("b"), e("p"), e("c"))])
>>> chainer.infer([ox.Triple(e("a"), e("p"), e("b"))])
[<Triple subject=<NamedNode value=http://e/a> predicate=<NamedNode value=http://e/p> object=<NamedNode value=http://e/c>>]
>>> chainer.infer_ntriples(b"<http://e/a> <http://e/p> <http://e/b> .\\n")
b'<http://e/a> <http://e/p> <http://e/c> .\\n'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import MappingProxyType

import pyoxigraph as ox
from rdflib import URIRef

from .inference import _BUILTIN_NAMESPACES, _REFLEXIVE_PREDICATES, _TRIVIAL_OBJECTS, Atom, Rule
from .versions import to_ntriples

Fact = tuple[str, str, str]  # subject, predicate, object: each its N-Triples text

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_BUILTIN = tuple(f"<{ns}" for ns in _BUILTIN_NAMESPACES)
_REFLEXIVE = frozenset(f"<{p}>" for p in _REFLEXIVE_PREDICATES)
_TRIVIAL = MappingProxyType({f"<{p}>": frozenset(f"<{o}>" for o in objects) for p, objects in _TRIVIAL_OBJECTS.items()})


def _bad_subject(term: str) -> bool:
    """A literal, or an IRI of the RDF, RDFS, OWL or XSD namespace: a subject no useful inference has. (A head
    whose object is a constant, checked when the rule was compiled, is trivial only for this.)"""
    return term[0] == '"' or term.startswith(_BUILTIN)


def _trivial(s: str, p: str, o: str) -> bool:
    """:func:`~ppikg.store.inference.is_trivial` for terms in N-Triples."""
    if _bad_subject(s):
        return True
    if p in _REFLEXIVE and s == o:
        return True
    if p == _RDF_TYPE and o.startswith(_BUILTIN):
        return True
    return o in _TRIVIAL.get(p, ())


def is_trivial_fact(s: ox.NamedNode | ox.BlankNode | ox.Literal, p: ox.NamedNode,
                    o: ox.NamedNode | ox.BlankNode | ox.Literal) -> bool:
    """:func:`~ppikg.store.inference.is_trivial` for pyoxigraph terms.

    >>> x = ox.NamedNode("http://example.org/x")
    >>> rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    >>> is_trivial_fact(x, rdf_type, ox.NamedNode("http://www.w3.org/2002/07/owl#Class")), is_trivial_fact(x, rdf_type, x)
    (True, False)
    """
    return _trivial(str(s), str(p), str(o))


def facts(ntriples: bytes | str) -> Iterator[Fact]:
    """The triples of an N-Triples text as the store's serialiser writes it (``S P O .``, one space apart, one
    a line: only a literal, always last, holds spaces).

    >>> list(facts(b'<urn:a> <urn:p> "x y ."@es .\\n'))
    [('<urn:a>', '<urn:p>', '"x y ."@es')]
    """
    text = ntriples.decode() if isinstance(ntriples, bytes) else ntriples
    for line in text.split("\n"):  # not splitlines(): a literal may hold U+2028 and the like unescaped
        if line:
            s, p, rest = line.split(" ", 2)
            yield s, p, rest[:-2]


class _Facts:
    """A set of triples, indexed by predicate, subject and object for the predicates the rules read."""

    def __init__(self, read: frozenset[str]) -> None:
        self.read = read
        self.all: set[Fact] = set()
        self.forward: dict[str, dict[str, set[str]]] = {p: {} for p in read}
        self.backward: dict[str, dict[str, set[str]]] = {p: {} for p in read}

    def add(self, s: str, p: str, o: str) -> bool:
        fact = (s, p, o)
        if fact in self.all:
            return False
        self.all.add(fact)
        if p in self.read:
            self.forward[p].setdefault(s, set()).add(o)
            self.backward[p].setdefault(o, set()).add(s)
        return True


def _var(term: str) -> bool:
    """A rule's variable (``?x``); anything else in a compiled atom is a constant in N-Triples (``<…>``)."""
    return term[0] == "?"


def _term(value: str | URIRef) -> str:
    """A variable stays as it is; a constant becomes its N-Triples text."""
    return f"<{value}>" if isinstance(value, URIRef) else value


class _CompiledRule:
    """A rule in N-Triples terms, with the order its atoms are joined in when atom ``i`` is the one matched."""

    def __init__(self, rule: Rule) -> None:
        self.atoms = [(a.s, f"<{a.p}>", _term(a.o)) for a in rule.atoms]
        c: Atom = rule.conclusion
        self.head = (c.s, f"<{c.p}>", _term(c.o))
        self.head_o_var = _var(self.head[2])
        self.plans = [self._plan(i) for i in range(len(self.atoms))]
        self.triggers = [_Trigger(self, i) for i in range(len(self.atoms))]

    def _plan(self, first: int) -> list[tuple[str, str, str, bool]]:
        """The other atoms, each next one sharing a variable with those before it where there is one; each
        with whether its object is a variable."""
        bound = {t for t in (self.atoms[first][0], self.atoms[first][2]) if _var(t)}
        rest = [a for j, a in enumerate(self.atoms) if j != first]
        plan: list[tuple[str, str, str, bool]] = []
        while rest:
            k = next((j for j, (s, _, o) in enumerate(rest) if s in bound or o in bound or not _var(o)), 0)
            s, p, o = rest.pop(k)
            plan.append((s, p, o, _var(o)))
            bound.update(t for t in (s, o) if _var(t))
        return plan


class _Trigger:
    """How a triple matching atom ``i`` of a rule fires it: the constant object it needs, its variables, and for a
    one-atom rule where the head's subject and object come from (0: the triple's subject, 1: its object, else
    a constant) and whether the head needs the full triviality check or only its subject's."""

    def __init__(self, rule: _CompiledRule, i: int) -> None:
        s, _, o = rule.atoms[i]
        self.s = s
        self.o = o if _var(o) else None
        self.constant = None if _var(o) else o
        self.single = len(rule.atoms) == 1
        hs, hp, ho = rule.head
        where: dict[str, int] = {s: 0, **({o: 1} if _var(o) else {})}
        self.head_s = where.get(hs, 0)
        self.head_o: int | str = where.get(ho, 0) if _var(ho) else ho
        # A constant object was checked when the rule was compiled; a variable one matters for these only.
        self.full_check = _var(ho) and (hp in _REFLEXIVE or hp in _TRIVIAL or hp == _RDF_TYPE)


class ForwardChainer:
    """The compiled rules of an ontology and one context, indexed once; :meth:`infer` closes a graph against them."""

    def __init__(self, rules: Iterable[Rule], context: Iterable[ox.Triple | ox.Quad] | bytes) -> None:
        self.rules = [_CompiledRule(r) for r in rules]
        self._by_predicate: dict[str, list[tuple[_CompiledRule, int]]] = {}
        for rule in self.rules:
            for i, (_, p, _) in enumerate(rule.atoms):
                self._by_predicate.setdefault(p, []).append((rule, i))
        self._read = frozenset(self._by_predicate)
        # Per predicate, the one-atom rules it fires as plain tuples (the hot loop reads no attributes): the
        # constant object needed (or None), where the head's subject and object come from, its predicate, and
        # whether it needs the full triviality check; and the rules of several atoms, with the atom matched.
        self._single: dict[str, list[tuple[str | None, int, str, int | str, bool]]] = {}
        self._joined: dict[str, list[tuple[_CompiledRule, _Trigger, int]]] = {}
        for p, fired in self._by_predicate.items():
            for rule, i in fired:
                t = rule.triggers[i]
                if t.single:
                    self._single.setdefault(p, []).append((t.constant, t.head_s, rule.head[1], t.head_o, t.full_check))
                else:
                    self._joined.setdefault(p, []).append((rule, t, i))
        self._relevant = self._read | {rule.head[1] for rule in self.rules}
        self.context = _Facts(self._read)
        for s, p, o in facts(context if isinstance(context, bytes) else to_ntriples(context)):
            self.context.add(s, p, o)
        # What the context entails on its own beyond itself: nothing when its inferences are stored with it (as
        # the store keeps them); otherwise it belongs to every graph's inferences, as apply_rules would write it.
        own = _Facts(self._read)
        self._residual = self._close(own, list(self.context.all))

    def infer(self, triples: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple]:
        """The useful inferences of a graph holding ``triples`` in the context: derived, not in the graph or the
        context, not trivial."""
        inferred = self.infer_ntriples(to_ntriples(triples))
        return [q.triple for q in ox.parse(inferred, format=ox.RdfFormat.N_TRIPLES)]

    def infer_ntriples(self, ntriples: bytes) -> bytes:
        """:meth:`infer` for a graph given, and its inferences returned, as N-Triples in the store serialiser's
        form (:func:`facts`), in the order derived."""
        local = _Facts(self._read)
        asserted: list[Fact] = []
        relevant, add, keep = self._relevant, local.add, asserted.append
        for s, p, o in facts(ntriples):  # a triple no rule reads nor derives changes nothing
            if p in relevant and add(s, p, o):
                keep((s, p, o))
        residual = [f for f in self._residual if local.add(*f)]
        return "".join(f"{s} {p} {o} .\n" for s, p, o in (*residual, *self._close(local, asserted + residual))).encode()

    def _close(self, local: _Facts, delta: list[Fact]) -> list[Fact]:
        """Add to ``local`` everything the rules derive from ``delta`` (triples of ``local`` or of the context)
        with the context and ``local``; returns what was added, in the order derived."""
        in_context, add, facts_, out = self.context.all.__contains__, local.add, local.all, []
        single, joined, none = self._single, self._joined, ()
        read, forward, backward, remember = local.read, local.forward, local.backward, facts_.add
        while delta:
            fresh: list[Fact] = []
            keep = fresh.append
            for s, p, o in delta:
                for constant, head_s, hp, where, full_check in single.get(p, none):  # the head read off the triple
                    if constant is not None and constant != o:
                        continue
                    fs = s if head_s == 0 else o
                    fo = where if where.__class__ is str else s if where == 0 else o
                    fact = (fs, hp, fo)
                    if fact in facts_ or in_context(fact) or \
                            (_trivial(fs, hp, fo) if full_check else _bad_subject(fs)):
                        continue
                    remember(fact)  # _Facts.add, inlined: the loop's commonest step
                    if hp in read:
                        forward[hp].setdefault(fs, set()).add(fo)
                        backward[hp].setdefault(fo, set()).add(fs)
                    keep(fact)
                for rule, trigger, i in joined.get(p, none):
                    if trigger.constant is not None and trigger.constant != o:
                        continue
                    hp = rule.head[1]
                    binding: dict[str, str] = {trigger.s: s}
                    if trigger.o is not None:
                        if trigger.o in binding and binding[trigger.o] != o:
                            continue
                        binding[trigger.o] = o
                    hs, _, ho = rule.head
                    head_o_var = rule.head_o_var
                    for b in self._joins(rule.plans[i], 0, binding, local):
                        fs = b[hs]
                        fo = b[ho] if head_o_var else ho
                        if in_context((fs, hp, fo)) or _trivial(fs, hp, fo):
                            continue
                        if add(fs, hp, fo):
                            keep((fs, hp, fo))
            out.extend(fresh)
            delta = fresh
        return out

    def _joins(self, plan, k: int, binding: dict[str, str], local: _Facts) -> Iterator[dict[str, str]]:
        """Every extension of ``binding`` matching atoms ``plan[k:]`` in the context or ``local``."""
        if k == len(plan):
            yield binding
            return
        s, p, o, o_var = plan[k]
        bs = binding.get(s)
        bo = binding.get(o) if o_var else o
        if bs is not None:
            found = [*self.context.forward[p].get(bs, ()), *local.forward[p].get(bs, ())]
            for value in found:
                if bo is not None and value != bo:
                    continue
                yield from self._joins(plan, k + 1, binding if bo is not None else {**binding, o: value}, local)
        elif bo is not None:
            for value in [*self.context.backward[p].get(bo, ()), *local.backward[p].get(bo, ())]:
                yield from self._joins(plan, k + 1, {**binding, s: value}, local)
        else:  # an atom sharing no variable with the others: every triple of its predicate
            for index in (self.context.forward[p], local.forward[p]):
                for subject, objects in list(index.items()):
                    for value in list(objects):
                        yield from self._joins(plan, k + 1, {**binding, s: subject, o: value}, local)


__all__ = ["ForwardChainer", "facts", "is_trivial_fact"]
