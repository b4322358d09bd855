"""Every proposal of the store validated in one go: one summary row per proposal, and each one's full report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..conformance.validator import ValidationReport, Validator
from ..store.graph import KnowledgeGraph
from .dashboard import Row, proposals_with_current
from .reports import recorded_facts


@dataclass
class Checked:
    """One proposal of the store and the report of its current content."""

    row: Row
    report: ValidationReport

    def summary(self) -> dict[str, object]:
        """The row of the summary: the proposal, and how many requirements came out each way
        (``conforming``: requirements met; ``conforms``: whether the whole proposal does)."""
        counts = self.report.summary()
        counts["conforming"] = counts.pop("conforms")
        return {"proposal": self.row.proposal, "name": self.row.name, "title": self.row.title,
                "filer": self.row.filer, "filer_label": self.row.filer_label, "version": self.row.version,
                "conforms": self.report.conforms, **counts}


def validate_all(kg: KnowledgeGraph, validator: Validator, lang: str = "es") -> Iterator[Checked]:
    """Each proposal of ``kg`` (in IRI order) with the report of what its graph holds now, validated from the
    store's own triples and inferences, with the state its current version is recorded in."""
    snapshot = kg.snapshot()
    for row, current in proposals_with_current(snapshot, lang):
        asserted, inferred = kg.proposal_ntriples(row.proposal)
        if current is not None:
            inferred = inferred + recorded_facts(current)
        yield Checked(row, validator.validate(asserted, inferred=inferred))
