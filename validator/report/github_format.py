"""GitHub Actions workflow commands: each finding becomes an annotation on its file and line.

A command is `::LEVEL key=value,...::message` on a line of its own. GitHub decodes `%25`,
`%0D` and `%0A` in the message, and also `%3A` and `%2C` in the values (where `:` and `,`
would end the value); every one of those characters is encoded, so text from scanned
files can neither break out of its annotation nor start a command of its own, and a file
name keeps its every character (a newline in it is `%0A`, not a space).

GitHub shows at most 10 annotations of each level per step (actions/toolkit,
docs/problem-matchers.md) and drops the rest silently: the most severe and most urgent
come first, and when some are left out a last notice says how many and where they are.
Suppressed findings are left out: they do not need anyone's attention.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from ..model import SEVERITY_RANK, Finding, Report
from ..rules import BY_ID
from . import RenderOptions, instances_phrase, origin_phrase
from .safe import clean, clean_keeping_lines
from .text_format import summary

LEVELS = {"error": "error", "warning": "warning", "note": "notice"}
PER_LEVEL = 10
"""Annotations of one level GitHub displays per step."""
_DATA = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY = {**_DATA, ":": "%3A", ",": "%2C"}


def escape_data(text: str) -> str:
    return "".join(_DATA.get(ch, ch) for ch in text)


def escape_property(text: str) -> str:
    return "".join(_PROPERTY.get(ch, ch) for ch in text)


def command(f: Finding, options: RenderOptions) -> str:
    properties = {"file": clean_keeping_lines(options.path(f.span.file)), "line": str(max(f.span.line, 1))}
    if f.span.column:
        properties["col"] = str(f.span.column)
    model = f" {clean(f.model_id or f.raw)}" if (f.model_id or f.raw) else ""
    properties["title"] = f"{f.rule_id} {BY_ID[f.rule_id].NAME}{model}"
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    notes = (origin_phrase(f, options.path), instances_phrase(f))
    message = clean(f.message) + "".join(f" ({clean(part)})" for part in notes if part)
    return f"::{LEVELS[f.severity]} {rendered}::{escape_data(message)}"


def urgency(f: Finding) -> tuple[int, date, str, int]:
    """Most severe first; then the nearest end of life; then in file order."""
    return (-SEVERITY_RANK[f.severity], f.eol_date or date.max, f.span.file, f.span.line)


def shown(report: Report) -> tuple[list[Finding], Counter[str]]:
    """The findings GitHub will display, most urgent first, and how many of each level are left out."""
    ranked = sorted((f for f in report.findings if not f.suppressed), key=urgency)
    counts = Counter(f.severity for f in ranked)
    # When some are left out, the closing notice is one of the notices GitHub counts.
    overflow = any(n > PER_LEVEL for n in counts.values())
    room = {level: PER_LEVEL - (1 if overflow and level == "note" else 0) for level in LEVELS}
    kept: list[Finding] = []
    used: Counter[str] = Counter()
    for f in ranked:
        if used[f.severity] < room[f.severity]:
            used[f.severity] += 1
            kept.append(f)
    return kept, counts - used


def _left_out(missing: Counter[str]) -> str:
    words = {"error": "error", "warning": "warning", "note": "note"}
    parts = [f"{missing[level]} {words[level]}{'' if missing[level] == 1 else 's'}"
             for level in LEVELS if missing[level]]
    total = sum(missing.values())
    return (f"::notice title=iac-check{escape_property(': ')}{total} more not annotated::"
            f"GitHub shows {PER_LEVEL} annotations of each level per step: {', '.join(parts)} more are in the "
            "SARIF report (code scanning) and the Markdown report (job summary).")


def render(report: Report, options: RenderOptions) -> str:
    kept, missing = shown(report)
    lines = [command(f, options) for f in kept]
    if missing:
        lines.append(_left_out(missing))
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
