"""Calendar days as the project writes them: YYYY-MM-DD and nothing else.

Python 3.11's `date.fromisoformat` also takes `20261128` and `2026-W48-6`, and 3.10 does
not; a gate's dates must mean the same everywhere.
"""

from __future__ import annotations

import re
from datetime import date

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str) -> date:
    """The date written as YYYY-MM-DD; ValueError for anything else or an impossible day."""
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        raise ValueError(f"{text!r} is not a YYYY-MM-DD date")
    return date.fromisoformat(text)
