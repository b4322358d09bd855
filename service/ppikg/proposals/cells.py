"""What a cell holds, as text: empty or not, its text (numbers and dates as written), a canonical decimal."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any


def is_empty(value: Any) -> bool:
    """A cell with nothing in it (None or blanks)."""
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as YYYY-MM-DD.

    >>> text_of(3.0), text_of(_dt.datetime(2014, 1, 31)), text_of(True)
    ('3', '2014-01-31', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).strip()


def canonical_decimal(d: Decimal) -> str:
    """xsd:decimal canonical form.

    >>> [canonical_decimal(Decimal(t)) for t in ("2", "2.50", "-0.250", "-0")]
    ['2.0', '2.5', '-0.25', '0.0']
    """
    text = format(d, "f")
    if "." not in text:
        text += ".0"
    text = text.rstrip("0")
    if text.endswith("."):
        text += "0"
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return text
