"""Text that came from scanned files is made inert before it reaches a terminal or a bot."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None) -> str:
    """Remove ANSI escapes and control characters (bidi overrides included); tabs and newlines become spaces."""
    if not text:
        return ""
    return _CONTROL.sub("", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))
