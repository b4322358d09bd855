"""What the query page's regression tests share: the viewport's width, setting the editor's text."""

from __future__ import annotations

#: The width of the browser tests' viewport (tests/browser/conftest.py).
VIEWPORT_WIDTH = 1280


def set_query(page, text: str) -> None:
    """Put ``text`` in the editor, as loading a query does."""
    page.evaluate("q => document.querySelector('.yasqe .CodeMirror').CodeMirror.setValue(q)", text)
