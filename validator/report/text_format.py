"""The terminal report: one line per finding, compact like a linter's, then a summary.

Notes (what could not be evaluated, unpinned aliases, ...) are listed only with
`--verbose` or `--fail-on note`, so a default run shows what needs acting on; the summary
line still counts them, per rule, and says how to see them.
"""

from __future__ import annotations

from collections import Counter

from ..model import Finding, Report
from . import RenderOptions, instances_phrase, origin_phrase, shared_resource
from .safe import clean, no_workflow_commands

_COLORS = {"error": "31", "warning": "33", "note": "36", "suppressed": "2"}


def _paint(text: str, code: str, on: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if on else text


def line(f: Finding, color: bool) -> str:
    where = f"{clean(f.span.file)}:{f.span.line}" + (f":{f.span.column}" if f.span.column else "")
    level = "suppressed" if f.suppressed else f.severity
    subject = ".".join(clean(p) for p in (shared_resource(f), f.attribute) if p)
    if f.construct_path:
        subject += f" ({clean(f.construct_path)})"
    model = f" {clean(f.model_id or f.raw)}" if (f.model_id or f.raw) else ""
    head = f"{_paint(where, '1', color)} {_paint(level.upper(), _COLORS[level], color)} {f.rule_id}"
    subject_part = f" {subject}{model}" if subject else ""
    tail = "".join(f" ({clean(part)})" for part in (origin_phrase(f), instances_phrase(f)) if part)
    return f"{head}{subject_part} — {clean(f.message)}{tail}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _notes(report: Report, shown: bool) -> str:
    """"13 notes (BDR005: 12 places, BDR010: 1 place)", and how to see them when hidden."""
    count = report.count("note")
    by_rule = Counter(f.rule_id for f in report.findings if f.severity == "note" and not f.suppressed)
    groups = [f"{rule}: {_plural(n, 'place')}" for rule, n in sorted(by_rule.items())]
    if count and not shown:
        return f"{_plural(count, 'note')} not shown ({', '.join(groups)}; --verbose lists them)"
    return _plural(count, "note") + (f" ({', '.join(groups)})" if groups else "")


def summary(report: Report, notes_shown: bool = True) -> str:
    """One line: files, references, then findings counted by place (not by module instance)."""
    refs = len(report.references)
    parts = [_plural(report.count("error"), "error"), _plural(report.count("warning"), "warning"),
             _notes(report, notes_shown)]
    if report.suppressed:
        parts.append(f"{report.suppressed} suppressed")
    if report.baseline_matched:
        parts.append(f"{report.baseline_matched} in baseline")
    return (f"{_plural(report.files_scanned, 'file')}, {_plural(refs, 'model reference')}: {', '.join(parts)} "
            f"(as of {report.as_of}, catalog {report.catalog_updated})")


def notes_shown(options: RenderOptions) -> bool:
    return options.verbose or options.fail_on == "note"


def render(report: Report, options: RenderOptions) -> str:
    shown = notes_shown(options)
    lines = [line(f, options.color) for f in report.findings if shown or f.severity != "note"]
    if lines:
        lines.append("")
    lines.append(summary(report, shown))
    return no_workflow_commands("\n".join(lines) + "\n")
