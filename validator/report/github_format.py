"""GitHub Actions workflow commands: each finding becomes an annotation on its file and line.

A command is `::LEVEL key=value,...::message` on a line of its own. GitHub decodes `%25`,
`%0D` and `%0A` in the message, and also `%3A` and `%2C` in the values (where `:` and `,`
would end the value); every one of those characters is encoded, so text from a scanned
file can neither break out of its annotation nor start a command of its own.
Suppressed findings are left out: they do not need anyone's attention.
"""

from __future__ import annotations

from ..model import Finding, Report
from ..rules import BY_ID
from . import RenderOptions
from .safe import clean
from .text_format import summary

LEVELS = {"error": "error", "warning": "warning", "note": "notice"}
_DATA = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY = {**_DATA, ":": "%3A", ",": "%2C"}


def escape_data(text: str) -> str:
    return "".join(_DATA.get(ch, ch) for ch in text)


def escape_property(text: str) -> str:
    return "".join(_PROPERTY.get(ch, ch) for ch in text)


def command(f: Finding, options: RenderOptions) -> str:
    properties = {"file": clean(options.path(f.span.file)), "line": str(max(f.span.line, 1))}
    if f.span.column:
        properties["col"] = str(f.span.column)
    model = f" {clean(f.model_id or f.raw)}" if (f.model_id or f.raw) else ""
    properties["title"] = f"{f.rule_id} {BY_ID[f.rule_id].NAME}{model}"
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{LEVELS[f.severity]} {rendered}::{escape_data(clean(f.message))}"


def render(report: Report, options: RenderOptions) -> str:
    lines = [command(f, options) for f in report.findings if not f.suppressed]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
