"""Validation of uploaded proposals in worker processes: each one within a time and a memory limit, stopped
when its client goes away, never inside the server process.

A proposal that takes minutes or gigabytes (a workbook bomb past the importer's limits, a graph that makes the
shapes work hard) costs at most ``Settings.validation_timeout`` seconds and ``Settings.validation_memory_mb``
of one worker, which is then killed and replaced. Each worker builds its :class:`Validator` once and runs one
validation at a time: rdflib's SPARQL parser, which pySHACL uses, is not safe to build from several threads at
once (concurrent first uploads used to break it for good).
"""

from __future__ import annotations

import pickle
import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["violation", "warning", "info"]

from ..config import Project, Settings
from ..errors import PpikgError, QueryFailed, QueryTimeout, msg
from ..workers import Died, Stopped, WorkerPool


@dataclass(frozen=True)
class Upload:
    """An uploaded proposal and how its report is wanted."""

    body: bytes
    suffix: str  # the proposal's format as a file suffix (".xlsx", ".ttl", ".jsonld")
    media: str  # the report's media type
    lang: str = "es"
    severity: Severity = "info"  # the least severe finding the report keeps
    convert: bool = False  # only read it: answer the proposal's triples as N-Triples, no report


def _validation_main(conn, project: Project, settings: Settings) -> None:
    from ..templating import environment
    from .render import render
    from .validator import Validator

    validator, templates = Validator(project, settings), environment()
    while True:
        try:
            upload: Upload = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        try:
            if upload.convert:
                graph = validator.load(upload.body, upload.suffix)
                conn.send_bytes(pickle.dumps(("ok", graph.serialize(format="nt", encoding="utf-8"), True)))
                continue
            report = validator.validate(validator.load(upload.body, upload.suffix))
            answer: tuple = ("ok", render(report.filtered(upload.severity), upload.media, upload.lang, templates),
                             report.conforms)
        except Exception as e:
            status = getattr(e, "status", None)
            said = e.text(upload.lang or "es") if isinstance(e, PpikgError) else str(e)  # worded for its client
            answer = ("error", status if isinstance(status, int) else 500, said or type(e).__name__)
        conn.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


class ValidationPool:
    """``settings.validation_workers`` processes validating uploads for one project."""

    def __init__(self, project: Project, settings: Settings) -> None:
        self._settings = settings
        self._pool = WorkerPool(_validation_main, (project, settings), size=settings.validation_workers,
                                name="ppikg-validate")

    def validate(self, upload: Upload, cancelled: Callable[[], bool] | None = None) -> tuple[str | bytes, bool]:
        """Blocking: the rendered report and whether the proposal conforms (with ``upload.convert``, the
        proposal's triples as N-Triples instead of a report). QueryTimeout past the time limit
        (also while waiting for a free worker), QueryFailed with 503 past the memory limit, with 499 when
        ``cancelled()`` turned true, with the error's own status (400, 413) for bad input."""
        timeout = self._settings.validation_timeout
        try:
            raw = self._pool.run(lambda worker: worker.conn.send(upload), timeout,
                                 self._settings.validation_memory_mb, cancelled)
        except queue.Empty:
            raise QueryTimeout(msg("no_validation_worker", seconds=f"{timeout:g}")) from None
        except Stopped as e:
            if e.reason == "memory":
                raise QueryFailed(503, msg("validation_memory",
                                           limit=f"{self._settings.validation_memory_mb:g}")) from None
            if e.reason == "cancelled":
                raise QueryFailed(499, msg("validation_cancelled")) from None
            raise QueryTimeout(msg("validation_timeout", seconds=f"{timeout:g}")) from None
        except Died as e:
            raise QueryFailed(500, msg("validation_worker_died", how=e.how)) from None

        answer = pickle.loads(raw)
        if answer[0] == "error":
            raise QueryFailed(answer[1], answer[2])
        return answer[1], answer[2]

    def pids(self) -> set[int]:
        """The process ids of the live validation workers."""
        return self._pool.pids()

    def close(self) -> None:
        self._pool.close()
