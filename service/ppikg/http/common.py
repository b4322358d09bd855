"""Pieces the routers share: content negotiation and the size-limited request body."""

from __future__ import annotations

from fastapi import HTTPException, Request


def pick(accept: str, choices, default: str) -> str:
    """The first media type of ``choices`` named in ``accept`` (no q-values yet), else ``default``."""
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if media in choices:
            return media
    return default


async def limited_body(request: Request) -> bytes:
    """The request body, refused with 413 past the app's max_body without reading the rest."""
    limit = request.app.state.settings.max_body
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
