"""The terminal report: one line per finding, compact like a linter's, then a summary."""

from __future__ import annotations

from ..model import Finding, Report
from . import RenderOptions
from .safe import clean

_COLORS = {"error": "31", "warning": "33", "note": "36", "suppressed": "2"}


def _paint(text: str, code: str, on: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if on else text


def line(f: Finding, color: bool) -> str:
    where = f"{clean(f.span.file)}:{f.span.line}" + (f":{f.span.column}" if f.span.column else "")
    level = "suppressed" if f.suppressed else f.severity
    subject = ".".join(clean(p) for p in (f.resource, f.attribute) if p)
    if f.construct_path:
        subject += f" ({clean(f.construct_path)})"
    model = f" {clean(f.model_id or f.raw)}" if (f.model_id or f.raw) else ""
    head = f"{_paint(where, '1', color)} {_paint(level.upper(), _COLORS[level], color)} {f.rule_id}"
    subject_part = f" {subject}{model}" if subject else ""
    return f"{head}{subject_part} — {clean(f.message)}"


def summary(report: Report) -> str:
    refs = len(report.references)
    parts = [f"{report.count('error')} errors", f"{report.count('warning')} warnings", f"{report.count('note')} notes"]
    if report.suppressed:
        parts.append(f"{report.suppressed} suppressed")
    if report.baseline_matched:
        parts.append(f"{report.baseline_matched} in baseline")
    return (f"{report.files_scanned} files, {refs} model references: {', '.join(parts)} "
            f"(as of {report.as_of}, catalog {report.catalog_updated})")


def render(report: Report, options: RenderOptions) -> str:
    lines = [line(f, options.color) for f in report.findings]
    if lines:
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
