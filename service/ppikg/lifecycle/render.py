"""A proposal's history, a diff between two of its versions and the check of every proposal as text (es/en),
for the terminal."""

from __future__ import annotations

from collections.abc import Mapping

from ..conformance.render import counted, outcome_word
from ..i18n import words
from ..store.versions import Version
from .batch import Checked
from .diff import Diff
from .reports import StoredReport


def report_summary(report: StoredReport | None, lang: str) -> str:
    """``conforme`` or ``no conforme: 2 violación, 1 advertencia`` (counts of requirements by outcome)."""
    w = words("lifecycle", lang)
    if report is None:
        return "—"
    counts: dict[str, int] = {}
    for outcome, _ in report.outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    failing = ", ".join(counted(counts[o], o, lang) for o in ("violation", "warning", "info") if counts.get(o))
    return w["conforms"] if report.conforms and not failing else f"{w['not_conforms'] if not report.conforms else w['conforms']}: {failing}"


def history_rows(versions: list[Version], reports: Mapping[str, StoredReport | None], lang: str,
                 status_labels: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    """The history as a table: one row per version, oldest first."""
    w = words("lifecycle", lang)
    head = [w["version"], w["time"], w["status"], w["next_revision"], w["file"], "SHA-256", w["role"], w["report"]]
    rows = []
    for v in versions:
        mark = f" ({w['current']})" if v.current else f" ({w['dropped']} {v.dropped})" if v.dropped else ""
        revision = f"{v.next_revision} ({w['overdue']})" if v.overdue() else (v.next_revision or "—")
        rows.append([f"{v.number}{mark}", v.time, status_labels.get(v.status, v.status.rsplit("#", 1)[-1]), revision,
                     v.file_name or "—", (v.sha256 or "")[:12] or "—", (v.role or "").rsplit("#", 1)[-1] or "—",
                     report_summary(reports.get(v.iri), lang)])
    return head, rows


def batch_rows(checked: list[Checked], lang: str) -> tuple[list[str], list[list[str]]]:
    """The check of every proposal as a table: one row per proposal, with its counts of findings."""
    w, r = words("lifecycle", lang), words("report", lang)
    head = [w["proposal"], w["filer"], w["version"], w["conformance"], w["violations"], w["warnings"],
            r["needs-attestation_n"], w["findings"]]
    rows = []
    for c in checked:
        n = c.counts
        rows.append([c.row.name, c.row.filer_label or c.row.filer or "—", str(c.row.version or "—"),
                     w["conforms"] if c.conforms else w["not_conforms"], str(n["violation"]),
                     str(n["warning"]), str(n["needs-attestation"]), str(n["findings"])])
    return head, rows


def diff_text(d: Diff, lang: str, property_labels: dict[str, str] | None = None) -> str:
    """The diff for a reader: items (changed texts word by word, ``[-removed-]{+added+}``), coverage changes,
    requirements fixed and new."""
    w = words("lifecycle", lang)
    labels = property_labels or {}
    out = [f"{w['proposal']} <{d.proposal}>: {w['version']} {d.before.number} ({d.before.time}) → "
           f"{w['version']} {d.after.number} ({d.after.time})", ""]
    s = d.summary()
    out.append(f"{w['items']} — {w['added_pl']}: {s['added']}, {w['removed_pl']}: {s['removed']}, "
               f"{w['changed_pl']}: {s['changed']}")
    sign = {"added": "+", "removed": "-", "changed": "~"}
    for item in d.items:
        out.append(f"  {sign[item.change]} {w[item.kind]} {item.id} ({w[item.change]})")
        for f in item.fields:
            name = labels.get(f.property, f.property.rsplit("#", 1)[-1].rsplit("/", 1)[-1])
            if f.words:
                text = "".join(t if op == "=" else f"[-{t}-]" if op == "-" else f"{{+{t}+}}" for op, t in f.words)
                out.append(f"      {name}: {text}")
            else:
                if f.removed:
                    out.append(f"      {name} -: {' | '.join(f.removed)}")
                if f.added:
                    out.append(f"      {name} +: {' | '.join(f.added)}")
    out += ["", f"{w['coverage']}:"]
    moved = [c for c in d.coverage if c.before != c.after]
    for c in moved:
        out.append(f"  {w[c.level]} {c.notation or c.iri}: {c.before} → {c.after}")
    if not moved:
        out.append(f"  {w['no_changes']}")
    out += ["", f"{w['requirements']}:"]
    changed = [r for r in d.requirements if r.change != "same"]
    for r in changed:
        out.append(f"  {r.id} {w[r.change]}: {outcome_word(r.before, lang)} ({w['findings']}: {r.findings_before}) → "
                   f"{outcome_word(r.after, lang)} ({w['findings']}: {r.findings_after})")
    if not changed:
        out.append(f"  {w['no_changes']}")
    return "\n".join(out) + "\n"
