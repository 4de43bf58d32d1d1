"""Markdown for pull-request comments and `$GITHUB_STEP_SUMMARY`.

A verdict line, a summary table, the findings grouped by file, and the lifecycle timeline
of the referenced models as a Mermaid gantt chart, which GitHub and GitLab draw as a
picture. Text from scanned files goes into code spans or is backslash-escaped, so a file
name or a suppression reason cannot inject links, HTML or formatting into the comment.
"""

from __future__ import annotations

import re
from datetime import date

from ..model import Finding, Report
from ..timeline import PHASE_NAMES, ModelTimeline, Timeline
from . import LIFECYCLE_PAGE, RenderOptions
from .safe import clean, inert

MAX_FINDINGS = 200
"""A PR comment holds 65536 characters: past this many rows the JSON or SARIF report has the rest."""
_ESCAPED = re.compile(r"([\\`*_{}\[\]<>()#+!|~$&])")
_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 ._/()+,:-]")


def escape(text: str | None) -> str:
    """Plain text that Markdown and HTML show as written, mentioning nobody."""
    # `@name` in a pull-request comment notifies that user or team: write the @ as an entity.
    return _ESCAPED.sub(r"\\\1", clean(text)).replace("@", "&#64;")


def code(text: str | None) -> str:
    """A code span around any text: the fence is longer than any backtick run inside it."""
    body = clean(text).replace("|", "\\|")  # a table cell ends at `|`, even inside code
    if not body:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def render(report: Report, options: RenderOptions) -> str:
    lines = [_verdict(report, options), "", *_summary(report, options), ""]
    lines += _findings(report, options)
    lines += _suggestions(report, options)
    if options.timeline is not None:
        lines += ["", *timeline_section(options.timeline)]
    return "\n".join(lines) + "\n"


def _verdict(report: Report, options: RenderOptions) -> str:
    failing = sum(1 for f in report.findings if f.fails(options.fail_on))
    if failing:
        return f"## iac-check: failed — {failing} finding(s) at or above `{options.fail_on}`"
    return f"## iac-check: passed — no finding at or above `{options.fail_on}`"


def _summary(report: Report, options: RenderOptions) -> list[str]:
    return [
        "| errors | warnings | notes | suppressed | in baseline | model references | files |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {report.count('error')} | {report.count('warning')} | {report.count('note')} | {report.suppressed} "
        f"| {report.baseline_matched} | {len(report.references)} | {report.files_scanned} |",
        "",
        f"As of {report.as_of}, lifecycle catalog of {report.catalog_updated} "
        f"([AWS model lifecycle]({LIFECYCLE_PAGE})).",
    ]


def _findings(report: Report, options: RenderOptions) -> list[str]:
    if not report.findings:
        return ["No findings."]
    lines = ["### Findings"]
    shown = report.findings[:MAX_FINDINGS]
    for file in dict.fromkeys(f.span.file for f in shown):
        lines += ["", f"#### {code(options.path(file))}", "",
                  "| line | level | rule | resource | model | message |", "|---:|---|---|---|---|---|"]
        lines += [_row(f) for f in shown if f.span.file == file]
    if len(report.findings) > MAX_FINDINGS:
        lines += ["", f"… and {len(report.findings) - MAX_FINDINGS} more findings: see the JSON or SARIF report."]
    return lines


def _row(f: Finding) -> str:
    level = "suppressed" if f.suppressed else ("**error**" if f.severity == "error" else f.severity)
    subject = ".".join(p for p in (f.resource, f.attribute) if p)
    message = escape(f.message)
    if f.suppressed:
        message += f" (suppressed: {escape(f.suppression_reason) or 'no reason given'})"
    return f"| {f.span.line} | {level} | {f.rule_id} | {code(subject)} | {code(f.model_id or f.raw)} | {message} |"


def _suggestions(report: Report, options: RenderOptions) -> list[str]:
    """A GitHub suggestion block per literal `iac-check fix` would change (the whole new line)."""
    fixes = list({(f.fix.file, f.fix.line, f.fix.column): f.fix for f in report.findings if f.fix}.values())
    if not fixes:
        return []
    lines = ["", "### Suggested fixes", "", "`iac-check fix` makes these edits; "
             "in a review comment on the line, GitHub offers each one as a suggestion.", ""]
    for fix in fixes[:MAX_FINDINGS]:
        body = inert(fix.new_line)
        fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
        lines += [f"{code(options.path(fix.file))} line {fix.line}: {code(fix.old)} → {code(fix.new)}", "",
                  f"{fence}suggestion", body, fence, ""]
    return lines


def timeline_section(timeline: Timeline) -> list[str]:
    """The timeline as a gantt chart and a table of the changes in the window."""
    lines = [f"### Model lifecycle timeline ({timeline.as_of} to {timeline.until})", ""]
    charted = [m for m in timeline.models if m.changes or m.state in ("legacy", "extended-access", "eol")]
    if not charted:
        return [*lines, f"No referenced model changes phase within {timeline.days} days."]
    lines += ["```mermaid", *gantt(timeline, charted), "```", "", "| date | in | model | becomes | usage | region |",
              "|---|---:|---|---|---|---|"]
    lines += [f"| {c.day} | {(c.day - timeline.as_of).days} days | {code(m.model_id)} | {PHASE_NAMES[c.phase]} "
              f"| {m.usage} | {code(m.region) or 'any'} |" for c, m in timeline.events()]
    return lines


def gantt(timeline: Timeline, models: list[ModelTimeline]) -> list[str]:
    """Mermaid gantt lines: per model a bar for each phase and a milestone at its end of life."""
    lines = ["gantt", f"    title Model lifecycle as of {timeline.as_of}", "    dateFormat YYYY-MM-DD",
             "    axisFormat %Y-%m", "    todayMarker off", "    section as of",
             f"    as of {timeline.as_of} :milestone, {timeline.as_of}, 0d"]
    for m in models:
        where = ", ".join(p for p in (m.usage, m.region) if p)
        lines.append(f"    section {_mermaid(m.model_id)} ({_mermaid(where)})")
        lines += [f"    {name} :{_tag(start, end, timeline.as_of)}{start}, {end}"
                  for name, start, end in _bars(m, timeline.until) if start < end]
        if m.eol_date:
            lines.append(f"    End of life :crit, milestone, {m.eol_date}, 0d")
    return lines


def _bars(m: ModelTimeline, until: date) -> list[tuple[str, date, date]]:
    """Legacy runs to extended access (or EOL); an open end stops at the window's end."""
    bars = []
    if m.legacy_date:
        bars.append(("Legacy", m.legacy_date, m.extended_access_date or m.eol_date or max(until, m.legacy_date)))
    if m.extended_access_date:
        bars.append(("Extended access", m.extended_access_date, m.eol_date or max(until, m.extended_access_date)))
    return bars


def _tag(start: date, end: date, as_of: date) -> str:
    if end <= as_of:
        return "done, "
    return "active, " if start <= as_of else ""


def _mermaid(text: str) -> str:
    """Mermaid ends a gantt label at `:`, `;` or `#`: a colon becomes a look-alike, the rest `_`."""
    return _MERMAID_UNSAFE.sub("_", clean(text)).replace(":", "\u2236")
