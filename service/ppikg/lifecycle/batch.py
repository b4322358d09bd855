"""Every proposal of the store validated in one go: one summary row per proposal, and each one's full report.

The proposals are shared out among worker processes (the shapes run in native code, but reading the store,
building each report and writing it are Python: one process per core pays off). Each worker opens the same
snapshot of the store and builds its own :class:`Validator`.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..config import Project
from ..conformance.validator import ValidationReport, Validator
from ..store.graph import KnowledgeGraph
from ..store.snapshot import Snapshot, open_source
from ..store.versions import Version
from .dashboard import Row, proposals_with_current
from .reports import recorded_facts


@dataclass
class Checked:
    """One proposal of the store and the outcome of its current content."""

    row: Row
    conforms: bool
    counts: dict[str, int]  # requirements by outcome, and findings (ValidationReport.summary)

    def summary(self) -> dict[str, object]:
        """The row of the summary: the proposal, and how many requirements came out each way
        (``conforming``: requirements met; ``conforms``: whether the whole proposal does)."""
        counts = dict(self.counts)
        counts["conforming"] = counts.pop("conforms")
        return {"proposal": self.row.proposal, "name": self.row.name, "title": self.row.title,
                "filer": self.row.filer, "filer_label": self.row.filer_label, "version": self.row.version,
                "conforms": self.conforms, **counts}


@dataclass(frozen=True)
class ReportFiles:
    """Where each proposal's report goes: ``folder/NAME.EXT``, in ``format`` and ``lang``, keeping findings at
    ``severity`` or above."""

    folder: Path
    format: str = "text"
    lang: str = "es"
    severity: str = "info"

    def write(self, row: Row, report: ValidationReport) -> None:
        from ..conformance.render import render
        from ..media import find

        fmt = find("report", self.format)
        suffix = fmt.suffix if fmt else ".txt"
        out = render(report.filtered(self.severity), self.format, self.lang)  # type: ignore[arg-type]
        path = self.folder / (row.name.replace("/", "--") + suffix)
        if isinstance(out, bytes):  # pdf, xlsx
            path.write_bytes(out)
        else:
            path.write_text(out, encoding="utf-8")


def validate_all(kg: KnowledgeGraph, validator: Validator, lang: str = "es", *, reports: ReportFiles | None = None,
                 workers: int | None = None) -> list[Checked]:
    """Each proposal of ``kg`` (in IRI order) with the outcome of what its graph holds now, validated from the
    store's own triples and inferences, with the state its current version is recorded in; each report written
    to ``reports`` if given. ``workers`` processes share the work (default: one per core, at most one per
    eight proposals; 1: all here, with ``validator``)."""
    snapshot = kg.snapshot()
    todo = proposals_with_current(snapshot, lang)
    if reports is not None:
        reports.folder.mkdir(parents=True, exist_ok=True)
    n = workers or max(1, min(os.cpu_count() or 1, len(todo) // 8))
    shareable = snapshot.directory is not None or getattr(snapshot, "remote", False)  # not a store in memory
    if n <= 1 or not shareable:
        return _check(snapshot, validator, todo, reports)
    shares = [todo[i::n] for i in range(n)]
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = list(pool.map(_check_in_worker, [snapshot.source()] * n, [kg.project] * n, shares, [reports] * n))
    by_proposal = {c.row.proposal: c for share in done for c in share}
    return [by_proposal[row.proposal] for row, _ in todo]


def _check(snapshot: Snapshot, validator: Validator, todo: list[tuple[Row, Version | None]],
           reports: ReportFiles | None) -> list[Checked]:
    out = []
    for row, current in todo:
        asserted, inferred = snapshot.proposal_ntriples(row.proposal)
        if current is not None:
            inferred += recorded_facts(current)
        report = validator.validate(asserted, inferred=inferred)
        if reports is not None:
            reports.write(row, report)
        out.append(Checked(row, report.conforms, report.summary()))
    return out


def _check_in_worker(source: tuple, project: Project, todo: list[tuple[Row, Version | None]],
                     reports: ReportFiles | None) -> list[Checked]:
    snapshot = open_source(source)
    try:
        return _check(snapshot, Validator(project), todo, reports)
    finally:
        snapshot.close()
