"""Settings of the HTTP service: limits, timeout, whether updates are allowed (off by default)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """What `ppi serve` flags set; the defaults are the safe ones."""

    timeout: float = 10.0  # seconds a query may run before it is stopped
    max_body: int = 20 * 1024 * 1024  # bytes accepted in a request body
    max_results: int = 100_000  # rows or triples a query may return
    update_enabled: bool = False  # SPARQL Update and the Graph Store Protocol
    token: str | None = None  # bearer token required for updates when enabled
    workers: int = 2  # query worker processes (each killable when a query runs past the timeout)
