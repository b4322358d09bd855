"""Every error a person can meet is raised with a Message (worded in Spanish or English), never with English
text: the package's source is read as a syntax tree and each construction of one of ppikg's error classes with
a string literal, an f-string, ``str(…)`` or text joined with ``+`` / ``%`` / ``.format`` is reported."""

from __future__ import annotations

import ast
from pathlib import Path

import ppikg.errors

PACKAGE = Path(__file__).resolve().parents[1] / "service" / "ppikg"

#: Errors that are faults of the program or of its setup, never of a request: (file, class, first words).
INTERNAL = {
    ("store/embedded.py", "PpikgError", "the store at"): "the store could not be reopened: restart the process",
    ("store/embedded.py", "PpikgError", "no committed state"): "copying a store the program itself made",
    ("store/graph.py", "InputError", "lifecycle records go to"): "records the program itself builds",
    ("store/snapshot.py", "PpikgError", "the snapshot is closed"): "a snapshot used after the program closed it",
    ("store/snapshot.py", "SnapshotGone", ""): "internal signal, caught to reopen a newer snapshot",
    ("sparql/canned.py", "PpikgError", ""): "a canned query file shipped with the project is malformed",
    ("sparql/executor.py", "QueryFailed", "the knowledge graph is gone"): "a call after the server closed",
}


def error_classes() -> set[str]:
    """The names of ppikg's error classes: those of ppikg.errors and the package's subclasses of them."""
    names = {n for n, v in vars(ppikg.errors).items() if isinstance(v, type) and issubclass(v, ppikg.errors.PpikgError)}
    grew = True
    while grew:
        grew = False
        for path in PACKAGE.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.ClassDef) and node.name not in names
                        and any(isinstance(b, ast.Name) and b.id in names for b in node.bases)):
                    names.add(node.name)
                    grew = True
    return names


def is_text(node: ast.expr) -> bool:
    """Whether ``node`` builds plain text: a literal, an f-string, str(…), text joined or formatted."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return is_text(node.left) or is_text(node.right)
    if isinstance(node, ast.Call):
        func = node.func
        return ((isinstance(func, ast.Name) and func.id in {"str", "repr", "format"})
                or (isinstance(func, ast.Attribute) and func.attr in {"format", "join"} and is_text(func.value)))
    return False


def first_words(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    if isinstance(node, ast.BinOp):
        return first_words(node.left)
    return ""


def plain_errors() -> list[tuple[str, int, str, str]]:
    """(file, line, class, first words) of every error class called with plain text as its message."""
    classes = error_classes()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes):
                continue
            said = node.args[1:2] if node.func.id == "QueryFailed" else node.args[:1]
            said += [k.value for k in node.keywords if k.arg == "message"]
            found += [(where, node.lineno, node.func.id, first_words(a)) for a in said if is_text(a)]
    return found


def internal(where: str, cls: str, words: str) -> bool:
    return any(where == w and cls == c and words.startswith(start) for w, c, start in INTERNAL)


def test_the_walk_finds_the_forms_of_plain_text():
    assert all(map(is_text, (ast.parse(s, mode="eval").body for s in (
        '"x"', 'f"x {y}"', "str(e)", '"a" + b', '"%s" % x', '"{}".format(x)', '", ".join(xs)'))))
    assert not any(map(is_text, (ast.parse(s, mode="eval").body for s in ('msg("k")', "why", "e.said"))))
    assert {"InputError", "NotFound", "QueryFailed", "TemplateError", "ParameterError"} <= error_classes()


def test_every_error_a_person_can_meet_is_a_message():
    plain = [f"{w}:{line}: {c}({words!r}…)" for w, line, c, words in plain_errors() if not internal(w, c, words)]
    assert plain == []


def test_every_internal_exception_is_still_raised():
    found = {(w, c, words) for w, _, c, words in plain_errors()}
    for where, cls, start in INTERNAL:
        assert any(w == where and c == cls and words.startswith(start) for w, c, words in found), (where, cls, start)
