"""Inline suppressions and how they apply to findings (SPEC section 7).

`iac-check:ignore BDR002 until=2025-06-30 reason="..."` in a `#` or `//` comment
suppresses the rules it names on its own line and the line below; on the line above a
resource it covers the whole resource. An expired or unreadable `until` fails closed: the
suppression stops working and BDR009 says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from .model import Finding, Span, Suppression
from .rules import bdr009_suppression_expired

_MARKER = re.compile(r"(?:#|//)\s*iac-check:ignore\b(?P<body>.*)$")
_RULE = re.compile(r"^BDR\d{3}$")
_OPTION = re.compile(r'(?P<key>until|reason)=(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))')


def inline_suppressions(text: str, path: str) -> list[Suppression]:
    """Every `iac-check:ignore` comment in a file's text."""
    if "iac-check:ignore" not in text:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        m = _MARKER.search(line)
        if m:
            found.append(parse_suppression(m.group("body"), Span(path, number, m.start() + 1)))
    return found


def parse_suppression(body: str, span: Span) -> Suppression:
    options = {m.group("key"): m.group("quoted") if m.group("quoted") is not None else m.group("bare")
               for m in _OPTION.finditer(body)}
    words = _OPTION.sub(" ", body).replace(",", " ").split()
    rules = tuple(w for w in words if _RULE.match(w))
    return make_suppression(rules, span, options.get("until"), options.get("reason"))


def make_suppression(rules: tuple[str, ...], span: Span, until: str | None, reason: str | None,
                     scope: str = "line", resource: str | None = None) -> Suppression:
    """A suppression with its `until` checked; shared by comments and CloudFormation Metadata."""
    malformed = None if rules else "it names no rule (BDR000-BDR010)"
    parsed = None
    if until is not None:
        try:
            parsed = date.fromisoformat(until)
        except ValueError:
            malformed = f"until={until!r} is not a YYYY-MM-DD date"
    return Suppression(rules, span, parsed, until, reason, scope, resource, malformed)  # type: ignore[arg-type]


def apply(findings: Iterable[Finding], suppressions: Iterable[Suppression],
          resource_starts: Mapping[tuple[str, int], str], as_of: date) -> list[Finding]:
    """Mark suppressed findings and add BDR009 for suppressions that no longer apply."""
    active: list[Suppression] = []
    out: list[Finding] = []
    for sup in suppressions:
        problem = sup.malformed or (f"it expired on {sup.until}" if sup.until and sup.until < as_of else None)
        if problem:
            out.append(bdr009_suppression_expired.from_suppression(sup, problem))
        else:
            active.append(sup)
    for f in findings:
        sup = next((s for s in active if _covers(s, f, resource_starts)), None)
        out.append(replace(f, suppressed=True, suppression_reason=sup.reason or "") if sup else f)
    return out


def _covers(sup: Suppression, f: Finding, resource_starts: Mapping[tuple[str, int], str]) -> bool:
    if f.rule_id not in sup.rules or f.span.file != sup.span.file:
        return False
    if sup.scope == "resource":
        return f.resource == sup.resource
    if f.span.line in (sup.span.line, sup.span.line + 1):
        return True
    return f.resource is not None and resource_starts.get((sup.span.file, sup.span.line + 1)) == f.resource
