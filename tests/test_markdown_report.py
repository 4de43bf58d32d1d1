"""The Markdown report and its Mermaid gantt (issue 18): the heading's window, an as-of line,
rows by end of life, shared rows merged, a legend, and a size GitHub accepts as a comment.
The Mermaid blocks are also parsed by the `mermaid` package itself, in node, when node exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, cli

from validator.catalog import load_catalog
from validator.model import Finding, Fix, Reference, Report, Span
from validator.report import RenderOptions, render
from validator.report.markdown_format import COMMENT_LIMIT, timeline_section
from validator.timeline import build

REPO = str(FIXTURES / "ci" / "repo")
SCAN = ("--as-of", "2026-01-15", "--region", "us-east-1")
OPUS = "anthropic.claude-opus-4-1-20250805-v1:0"


def charts(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, re.S)


def tasks(chart: str) -> list[tuple[str, str, str]]:
    """(section, label, data) of each task line."""
    section, found = "", []
    for line in chart.splitlines()[1:]:
        text = line.strip()
        if text.startswith("section "):
            section = text.removeprefix("section ")
        elif " :" in text and not text.startswith(("title", "dateFormat", "axisFormat", "todayMarker")):
            label, data = text.split(" :", 1)
            found.append((section, label, data))
    return found


def test_the_chart_draws_the_window_with_an_as_of_line_and_rows_by_end_of_life():
    _, out, _ = cli("timeline", REPO, *SCAN, "-f", "markdown")
    [chart] = charts(out)
    assert "title Model lifecycle from 2026-01-15 to 2026-07-14" in chart
    drawn = tasks(chart)
    assert drawn[0] == ("", "as of 2026-01-15", "vert, asof, 2026-01-15, 0d")
    for _, label, data in drawn[1:]:
        days = re.findall(r"\d{4}-\d\d-\d\d", data)
        assert all("2026-01-15" <= d <= "2026-07-14" for d in days), (label, data)
    sections = list(dict.fromkeys(s for s, _, _ in drawn[1:]))
    assert [s.split(" ")[0] for s in sections] == [
        "anthropic.claude-v2", "anthropic.claude-v2\u22361", "anthropic.claude-3-5-sonnet-20240620-v1\u22360",
        "meta.llama3-2-11b-instruct-v1\u22360", "cohere.command-r-v1\u22360"]  # EOL 2025-07, 2025-09, 2026-03, ...
    # A phase that began before the window starts at its edge and says when it began.
    assert ("meta.llama3-2-11b-instruct-v1\u22360 (on-demand in us-east-1)", "Legacy since 2026-01-07",
            "active, 2026-01-15, 2026-04-07") in drawn
    assert ("anthropic.claude-v2 (on-demand in us-east-1)", "End of life since 2025-07-21",
            "crit, active, 2026-01-15, 2026-07-14") in drawn
    assert "Legend: the vertical line is as of (2026-01-15)" in out and "red bar end of life" in out


def test_rows_with_the_same_model_and_dates_are_one_row_listing_usages_and_regions():
    refs = [Reference(Span("a.tf", n), f"r{n}", "t", "m", OPUS, OPUS, usage, region)
            for n, (usage, region) in enumerate([("on-demand", "us-east-1"), ("on-demand", "us-west-2"),
                                                 ("provisioned", "us-east-1")], 1)]
    timeline = build(refs, load_catalog(), date(2026, 12, 1), 90)
    [chart] = charts("\n".join(timeline_section(timeline)))
    sections = [line.strip() for line in chart.splitlines() if line.strip().startswith("section")]
    assert sections == [f"section {OPUS.replace(':', chr(0x2236))} (on-demand, provisioned in us-east-1, us-west-2)"]


def _large_report() -> Report:
    message = "anthropic.claude-v2 reached end of life on 2025-07-21: on-demand requests to it fail. " * 3
    findings = [Finding(("BDR001", "BDR007", "BDR005")[n % 3], ("error", "warning", "note")[n % 3], message,
                        Span(f"stacks/service-{n // 20:03d}/main.tf", n % 20 + 1, 3),
                        resource=f"aws_bedrockagent_agent.agent_{n}", attribute="foundation_model",
                        model_id="anthropic.claude-v2") for n in range(3000)]
    findings.sort(key=lambda f: f.sort_key)
    refs = tuple(Reference(Span(f"stacks/s{n}.tf", 1), f"r{n}", "t", "m", model, model, "on-demand", "us-east-1")
                 for n, model in enumerate(["anthropic.claude-v2", "cohere.command-r-v1:0", OPUS] * 50))
    return Report(date(2026, 1, 15), "0.1.0", date(2026, 11, 28), 1, 3000, refs, tuple(findings))


def test_a_large_report_stays_under_the_comment_limit_and_points_to_the_sarif():
    report = _large_report()
    timeline = build(report.references, load_catalog(), report.as_of, 180)
    out = render(report, "markdown", RenderOptions(timeline=timeline))
    assert len(out) < COMMENT_LIMIT
    assert "| 1000 | 1000 | 1000 |" in out  # the counts are whole
    listed = out.count("| **error** |"), out.count("| warning |"), out.count("| note |")
    assert listed[0] > 0 and listed[2] == 0  # the most severe first
    assert re.search(r"… and \d+ more findings \(\d+ errors, 1000 warnings, 1000 notes\) not listed", out)
    assert "see the SARIF report" in out and "```mermaid" in out


# -- mermaid's own parser ------------------------------------------------------------------------

NODE = shutil.which("node")
MERMAID = ("mermaid@11", "jsdom@29")


def _mermaid_dir() -> Path:
    """Where mermaid and jsdom are installed for this test: outside the repository, kept between runs."""
    base = Path(os.environ.get("IAC_CHECK_NODE_CACHE") or Path.home() / ".cache" / "iac-check-test-node")
    if not (base / "node_modules" / "mermaid" / "package.json").is_file():
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not: install npm, or mermaid and jsdom into " + str(base)
        base.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(base), "--no-audit", "--no-fund", "--silent", *MERMAID],
                       check=True, timeout=600, capture_output=True)
    return base


def mermaid_parse(diagrams: list[str]) -> list[dict]:
    run = subprocess.run([NODE, str(ROOT / "tests" / "mermaid_parse.mjs"), str(_mermaid_dir())],
                         input=json.dumps(diagrams), capture_output=True, text=True, timeout=300, check=True)
    return json.loads(run.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed: the Mermaid charts are parsed by mermaid in node")
def test_mermaid_parses_every_chart(tmp_path: Path):
    _, timeline_md, _ = cli("timeline", REPO, *SCAN, "-f", "markdown")
    report_md = tmp_path / "report.md"
    cli("scan", REPO, *SCAN, "--output", f"markdown={report_md}")
    report = _large_report()
    large = render(report, "markdown", RenderOptions(timeline=build(report.references, load_catalog(),
                                                                    report.as_of, 180)))
    diagrams = [*charts(timeline_md), *charts(report_md.read_text(encoding="utf-8")), *charts(large)]
    assert len(diagrams) == 3
    # The parser is strict enough to refuse what a browser would not draw.
    parsed = mermaid_parse([*diagrams, "gantt\n    dateFormat YYYY-MM-DD\n    section a\n    x :foo, bar, baz"])
    assert [sorted(p) for p in parsed] == [["tasks", "title"]] * 3 + [["error"]]
    drawn = parsed[0]["tasks"]
    assert parsed[0]["title"] == "Model lifecycle from 2026-01-15 to 2026-07-14"
    assert drawn[0] == {"name": "as of 2026-01-15", "section": "", "start": "2026-01-15", "end": "2026-01-15",
                        "vert": True, "milestone": False, "crit": False, "active": False}
    assert all("2026-01-15" <= t["start"] <= t["end"] <= "2026-07-14" for t in drawn)
    assert any(t["crit"] and t["name"] == "End of life" and t["start"] == "2026-03-01" for t in drawn)
    assert parsed[0] == parsed[1]  # the report draws the same chart as `timeline`


def test_suggested_fixes_share_the_size_budget():
    huge = "x" * 20_000  # a minified template is one line: its suggestion would be the whole line
    findings = tuple(Finding("BDR001", "error", "gone", Span("t.json", n, 5), resource=f"R{n}", model_id="m",
                             fix=Fix("t.json", n, 5, "anthropic.claude-v2", "anthropic.claude-sonnet-4-5", huge))
                     for n in range(1, 30))
    report = Report(date(2026, 1, 15), "0.1.0", date(2026, 11, 28), 1, 1, (), findings)
    out = render(report, "markdown", RenderOptions())
    assert len(out) < COMMENT_LIMIT
    assert huge not in out  # one such line alone would take a third of the comment
    assert "more: run `iac-check fix` to see and make every edit." in out
    assert out.count("| **error** |") == 29  # the findings themselves still fit


def test_markdown_names_the_instances_of_a_place():
    _, out, _ = cli("scan", str(FIXTURES / "terraform" / "instances"), "--as-of", "2026-12-01", "-f", "markdown")
    assert "| `aws_bedrockagent_agent.this.foundation_model` |" in out
    assert "(in 4 module instances: module.billing, module.orders, module.returns, module.support) |" in out
    assert "a place that several module instances share counts once" in out
