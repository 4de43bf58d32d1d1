"""Inline suppressions and how they apply to findings (SPEC section 7).

`iac-check:ignore BDR002 until=2025-06-30 reason="..."` in a comment (`#` or `//` in HCL,
`#` in YAML) suppresses the rules it names: at the end of a line, on that line; alone on a
line, on the next line of code (so several such comments can be stacked); when that line
starts a resource, on the whole resource. CloudFormation Metadata entries (built by the
template reader) cover their resource.

Every doubt fails closed: an expired or unreadable `until`, an unknown rule, an unknown
option or stray text make the suppression stop working, and BDR009 says why. No
suppression outlives the model: at its EOL date a finding becomes BDR001, which only a
suppression naming BDR001 (a deliberate, reasoned choice) covers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from .days import parse_day
from .model import Finding, Span, Suppression, line_breaks
from .rules import BY_ID, bdr009_suppression_expired

MARKER = "iac-check:ignore"
_HCL_SUFFIXES = (".tf", ".tfvars", ".hcl")
# The marker starts a comment only at the start of a line or after a space; an odd number
# of double quotes before it means it sits inside a string.
_COMMENT = {"hcl": re.compile(r"(?:^|(?<=\s))(?:#|//)\s*iac-check:ignore\b"),
            "yaml": re.compile(r"(?:^|(?<=\s))#\s*iac-check:ignore\b")}
_COMMENT_LINE = {"hcl": re.compile(r"^\s*(?:#|//)"), "yaml": re.compile(r"^\s*#")}
_TOKEN = re.compile(
    r"""\s*(?:(?P<key>[A-Za-z_-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s,"']+))"""
    r"""|(?P<rule>[A-Za-z]+\d+)|(?P<comma>,))"""
)
_OPTIONS = ("until", "reason")


def comment_style(path: str) -> str | None:
    """How comments are written in a file: "hcl", "yaml", or None (JSON has no comments)."""
    lower = path.lower()
    if lower.endswith(_HCL_SUFFIXES):
        return "hcl"
    return None if lower.endswith(".json") else "yaml"


def inline_suppressions(text: str, path: str) -> list[Suppression]:
    """Every `iac-check:ignore` comment in a file's text."""
    style = comment_style(path)
    if style is None or MARKER not in text:
        return []
    # Lines are counted as the file's own parser counts them (SPEC 8), or a suppression would
    # cover the line after the one it was written on (`\r`, U+2028 in an HCL comment are text).
    lines = line_breaks(style).split(text)
    following = _next_code_lines(lines, style)
    found: list[Suppression] = []
    for number, line in enumerate(lines, 1):
        m = _marker(line, style) if MARKER in line else None
        if m is None:
            continue
        alone = not line[: m.start()].strip()
        target = following[number - 1] if alone else number
        found.append(parse_suppression(line[m.end():], Span(path, number, m.start() + 1), target))
    return found


def _marker(line: str, style: str) -> re.Match[str] | None:
    quotes, counted = 0, 0
    for m in _COMMENT[style].finditer(line):
        quotes, counted = quotes + line.count('"', counted, m.start()), m.start()
        if quotes % 2 == 0:
            return m
    return None


def _next_code_lines(lines: list[str], style: str) -> list[int]:
    """For each line, the line a comment standing alone there applies to: the next one that
    is not a comment (a blank line ends the reach: it fails closed). One pass from the end,
    so a file of stacked comments stays linear."""
    out = [0] * len(lines)
    target = len(lines) + 1
    for index in range(len(lines) - 1, -1, -1):
        out[index] = target
        if not _COMMENT_LINE[style].match(lines[index]):
            target = index + 1
    return out


def parse_suppression(body: str, span: Span, target_line: int | None = None) -> Suppression:
    """Read the text after the marker: rule IDs, `until=`, `reason=`; anything else is malformed."""
    rules: list[str] = []
    options: dict[str, str] = {}
    problems: list[str] = []
    pos = 0
    body = body.rstrip()
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if m is None or m.end() == pos:
            problems.append(f"unexpected text {body[pos:].strip()!r} (quote a reason: reason=\"...\")")
            break
        pos = m.end()
        if m.group("rule"):
            rules.append(m.group("rule").upper())
        elif m.group("key"):
            problems.extend(_option(m, options))
    return make_suppression(tuple(rules), span, options.get("until"), options.get("reason"),
                            target_line=span.line if target_line is None else target_line,
                            problems=tuple(problems))


def _option(m: re.Match[str], options: dict[str, str]) -> list[str]:
    key = m.group("key").lower()
    value = next(v for v in (m.group("dq"), m.group("sq"), m.group("bare"), "") if v is not None)
    if key not in _OPTIONS:
        return [f"unknown option {m.group('key')!r} (use until= and reason=)"]
    if key in options:
        return [f"{key}= is given twice"]
    options[key] = value
    return []


def make_suppression(rules: tuple[str, ...], span: Span, until: str | None, reason: str | None, *,
                     target_line: int | None = None, problems: tuple[str, ...] = (),
                     resource: str | None = None) -> Suppression:
    """A suppression with its `until` checked; `malformed` says what is wrong.

    With `resource` it is a CloudFormation Metadata entry, covering that resource.
    """
    found = list(problems)
    if not rules:
        found.append(f"it names no rule ({min(BY_ID)}-{max(BY_ID)})")
    parsed = None
    if until is not None:
        try:
            parsed = parse_day(until)
        except ValueError:
            found.append(f"until={until!r} is not a YYYY-MM-DD date")
    scope = "resource" if resource is not None else "line"
    return Suppression(tuple(rules), span, parsed, until, reason, scope, resource, "; ".join(found) or None,
                       target_line)


def apply(findings: Iterable[Finding], suppressions: Iterable[Suppression],
          resource_starts: Mapping[tuple[str, int], set[str]], as_of: date) -> list[Finding]:
    """Mark suppressed findings; add BDR009 for suppressions that no longer (or never) apply.

    `resource_starts` maps (file, first line) to the addresses of the resources written
    there: every instance of a module shares its block's lines.
    """
    active, out = _in_force(suppressions, as_of)
    for f in findings:
        covering = next((s for s in active if _covers(s, f, resource_starts)), None)
        out.append(replace(f, suppressed=True, suppression_reason=covering.reason or "") if covering else f)
    return out


def _in_force(suppressions: Iterable[Suppression], as_of: date) -> tuple[list[Suppression], list[Finding]]:
    """The suppressions that still work, and a BDR009 note for each one that does not."""
    active: list[Suppression] = []
    notes: list[Finding] = []
    for sup in suppressions:
        problem = _problem(sup, as_of)
        if problem:
            notes.append(bdr009_suppression_expired.from_suppression(sup, problem))
        else:
            active.append(sup)
    return active, notes


def _problem(sup: Suppression, as_of: date) -> str | None:
    """Why a suppression does not work (comments and Metadata alike), or None when it does."""
    unknown = [r for r in sup.rules if r not in BY_ID]
    problems = [p for p in (sup.malformed, f"no such rule: {', '.join(unknown)}" if unknown else None) if p]
    if sup.until is not None and sup.until < as_of:
        problems.append(f"it expired on {sup.until}")
    return "; ".join(problems) or None


def _covers(sup: Suppression, f: Finding, resource_starts: Mapping[tuple[str, int], set[str]]) -> bool:
    if f.rule_id not in sup.rules:
        return False
    target = sup.target_line or sup.span.line
    if sup.scope == "line" and f.origin is not None and Span(sup.span.file, target) in f.origin.steps:
        return True  # on a module argument the value passed through
    if f.span.file != sup.span.file:
        return False
    if sup.scope == "resource":
        return f.resource == sup.resource
    # The model's line or its attribute's line: both are the reference's own.
    starting = resource_starts.get((sup.span.file, target), set())
    return target in (f.span.line, f.attribute_line) or f.resource in starting
