"""Markdown for pull-request comments and `$GITHUB_STEP_SUMMARY`.

A verdict line, a summary table, the findings grouped by file, and the lifecycle timeline
of the referenced models as a Mermaid gantt chart, which GitHub and GitLab draw as a
picture. Text from scanned files goes into code spans or is backslash-escaped, so a file
name or a suppression reason cannot inject links, HTML or formatting into the comment.

A pull-request comment holds at most 65,536 characters: a large report lists its most
urgent findings that fit and says how many more the SARIF report has, and the chart and
its table keep their soonest rows.
"""

from __future__ import annotations

import re
from datetime import date

from ..model import Finding, Report
from ..timeline import PHASE_NAMES, ModelTimeline, Timeline
from . import LIFECYCLE_PAGE, RenderOptions, instances_phrase, origin_phrase, shared_resource
from .github_format import urgency
from .safe import clean, inert

COMMENT_LIMIT = 65_536
"""Characters GitHub accepts in a pull-request comment (and shows of a job summary section)."""
BUDGET = 60_000
"""What the report may take of it, leaving room for what a workflow puts around it."""
MAX_SUGGESTIONS = 40
MAX_CHART_ROWS = 40
MAX_TABLE_ROWS = 60
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
    head = [_verdict(report, options), "", *_summary(report, options), ""]
    suggestions = _suggestions(report, options)
    tail = ["", *timeline_section(options.timeline)] if options.timeline is not None else []
    room = BUDGET - _size(head) - _size(suggestions) - _size(tail)
    return "\n".join([*head, *_findings(report, options, room), *suggestions, *tail]) + "\n"


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


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
        f"([AWS model lifecycle]({LIFECYCLE_PAGE})). Counts are places in the code; a place that "
        "several module instances share counts once.",
    ]


_TABLE_HEAD = ["| line | level | rule | resource | model | message |", "|---:|---|---|---|---|---|"]


def _findings(report: Report, options: RenderOptions, room: int) -> list[str]:
    """The findings by file; when they do not all fit in `room`, the most urgent that do."""
    if not report.findings:
        return ["No findings."]
    rows = {f: _row(f, options) for f in report.findings}
    files = {f.span.file: f"#### {code(options.path(f.span.file))}" for f in report.findings}
    shown: set[Finding] = set()
    used = _size(["### Findings", "", _left_out(report.findings)])
    for f in sorted(report.findings, key=urgency):
        # A file's heading and table head are paid for by its first finding shown.
        cost = len(rows[f]) + 1 + (0 if any(g.span.file == f.span.file for g in shown)
                                   else _size(["", files[f.span.file], "", *_TABLE_HEAD]))
        if used + cost > room:
            break
        used += cost
        shown.add(f)
    lines = ["### Findings"]
    for file, heading in files.items():
        listed = [rows[f] for f in report.findings if f.span.file == file and f in shown]
        if listed:
            lines += ["", heading, "", *_TABLE_HEAD, *listed]
    missing = [f for f in report.findings if f not in shown]
    if missing:
        lines += ["", _left_out(missing)]
    return lines


def _left_out(missing: tuple[Finding, ...] | list[Finding]) -> str:
    counts = [f"{sum(1 for f in missing if f.severity == level)} {level}s" for level in ("error", "warning", "note")]
    return (f"… and {len(missing)} more findings ({', '.join(counts)}) not listed, to keep this report within "
            f"GitHub's {COMMENT_LIMIT:,}-character comment limit: see the SARIF report (code scanning) "
            "or the JSON report.")


def _row(f: Finding, options: RenderOptions) -> str:
    level = "suppressed" if f.suppressed else ("**error**" if f.severity == "error" else f.severity)
    subject = ".".join(p for p in (shared_resource(f), f.attribute) if p)
    message = escape(f.message)
    origin = origin_phrase(f, lambda file: code(options.path(file)))
    if origin:
        message += f" ({origin})"
    instances = instances_phrase(f)
    if instances:
        message += f" ({escape(instances)})"
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
    shown = 0
    for fix in fixes:
        body = inert(fix.new_line)
        fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
        block = [f"{code(options.path(fix.file))} line {fix.line}: {code(fix.old)} → {code(fix.new)}", "",
                 f"{fence}suggestion", body, fence, ""]
        # Suggestions may take a quarter of the comment: a minified template line can be huge.
        if shown == MAX_SUGGESTIONS or _size(lines) + _size(block) > BUDGET // 4:
            break
        lines += block
        shown += 1
    if shown < len(fixes):
        lines += [f"… and {len(fixes) - shown} more: run `iac-check fix` to see and make every edit.", ""]
    return lines


def timeline_section(timeline: Timeline) -> list[str]:
    """The timeline as a gantt chart of its window, a legend, and a table of the changes in it."""
    lines = [f"### Model lifecycle timeline ({timeline.as_of} to {timeline.until})", ""]
    rows = chart_rows(timeline)
    if not rows:
        return [*lines, f"No referenced model changes phase within {timeline.days} days."]
    shown = rows[:MAX_CHART_ROWS]
    lines += ["```mermaid", *gantt(timeline, shown), "```", "", _legend(timeline)]
    if len(rows) > len(shown):
        lines.append(f"The chart shows the {len(shown)} models that reach end of life first; "
                     f"{len(rows) - len(shown)} more are in `iac-check timeline --format json`.")
    events = timeline.events()
    if not events:
        return [*lines, "", f"No referenced model changes phase within {timeline.days} days."]
    lines += ["", "| date | in | model | becomes | usage | region |", "|---|---:|---|---|---|---|"]
    lines += [f"| {c.day} | {(c.day - timeline.as_of).days} days | {code(m.model_id)} | {PHASE_NAMES[c.phase]} "
              f"| {m.usage} | {code(m.region) or 'any'} |" for c, m in events[:MAX_TABLE_ROWS]]
    if len(events) > MAX_TABLE_ROWS:
        lines += ["", f"… and {len(events) - MAX_TABLE_ROWS} more changes: see `iac-check timeline`."]
    return lines


def _legend(timeline: Timeline) -> str:
    return (f"Legend: the vertical line is as of ({timeline.as_of}); a highlighted bar is the phase a model "
            "is in on that day, a plain bar a phase to come, a red bar end of life. A phase that began before "
            "the window starts at its left edge and gives the day it began.")


ChartRow = tuple[ModelTimeline, list[ModelTimeline]]


def chart_rows(timeline: Timeline) -> list[ChartRow]:
    """One row per model and dates (the usages and regions that share them listed), by end of life."""
    charted = [m for m in timeline.models if m.changes or m.state in ("legacy", "extended-access", "eol")]
    rows: dict[tuple[object, ...], list[ModelTimeline]] = {}
    for m in charted:
        rows.setdefault((m.model_id, m.legacy_date, m.extended_access_date, m.eol_date), []).append(m)
    return sorted(((group[0], group) for group in rows.values()),
                  key=lambda row: (row[0].eol_date or date.max, row[0].model_id))


def gantt(timeline: Timeline, rows: list[ChartRow]) -> list[str]:
    """Mermaid gantt lines for the window: per row a bar for each phase in it, a line at as-of."""
    lines = ["gantt", f"    title Model lifecycle from {timeline.as_of} to {timeline.until}",
             "    dateFormat YYYY-MM-DD", "    axisFormat %Y-%m-%d", "    todayMarker off",
             f"    as of {timeline.as_of} :vert, asof, {timeline.as_of}, 0d"]
    for m, group in rows:
        lines.append(f"    section {_mermaid(m.model_id)} ({_mermaid(_where(group))})")
        for name, start, end, crit in _bars(m, timeline.as_of, timeline.until):
            shown_from = max(start, timeline.as_of)
            label = f"{name} since {start}" if start < timeline.as_of else name
            tags = ("crit, " if crit else "") + ("active, " if start <= timeline.as_of else "")
            if end > shown_from:
                lines.append(f"    {label} :{tags}{shown_from}, {end}")
            else:  # a phase that begins on the window's last day
                lines.append(f"    {label} :{tags}milestone, {shown_from}, 0d")
    return lines


def _where(group: list[ModelTimeline]) -> str:
    usages = ", ".join(dict.fromkeys(m.usage for m in group))
    regions = ", ".join(dict.fromkeys(m.region or "any region" for m in group))
    return f"{usages} in {regions}"


def _bars(m: ModelTimeline, as_of: date, until: date) -> list[tuple[str, date, date, bool]]:
    """(name, began, ends within the window, end of life?) for each phase that overlaps the window."""
    phases = [("Legacy", m.legacy_date, m.extended_access_date or m.eol_date),
              ("Extended access", m.extended_access_date, m.eol_date), ("End of life", m.eol_date, None)]
    bars = []
    for name, start, end in phases:
        if start is None or start > until or (end is not None and end <= as_of):
            continue
        bars.append((name, start, min(end or until, until), name == "End of life"))
    return bars


def _mermaid(text: str) -> str:
    """Mermaid ends a gantt label at `:`, `;` or `#`: a colon becomes a look-alike, the rest `_`."""
    return _MERMAID_UNSAFE.sub("_", clean(text)).replace(":", "\u2236")
