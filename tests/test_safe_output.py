"""Text from scanned files is inert in every report (issue 6).

A pull request controls file names, resource names, values, suppression reasons and the
tokens a parser quotes in its error messages. None of it may colour or clear a terminal,
start a GitHub workflow command, break a Markdown table or inject links, HTML or mentions
into a pull-request comment, or make a SARIF or JUnit file invalid. The hostile tree is
scanned for real, then rendered in every format; a format whose module does not exist yet
is skipped by name.
"""

from __future__ import annotations

import importlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from validator.catalog import load_catalog
from validator.config import Settings
from validator.model import Report
from validator.report import FORMATS, RenderOptions, render
from validator.report.safe import clean
from validator.scan import run_scan

# A terminal or a bot acts on these; none may come through from a scanned file.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff"
                    r"\U000e0000-\U000e007f]")
INJECTION = "\x1b[31mRED\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\u202eevil\u2066|<img src=x>@octocat"
SUPPRESSION_REASON = "<script>alert(1)</script> [click](https://evil.example) @octocat | `x` **y**"


def hostile_tree(root: Path) -> None:
    """Files whose names, keys, values and comments carry terminal, Markdown and bot syntax."""
    name = "agent\x1b[2J\r\n::error file=x.tf,line=1::pwned|<b>@octocat"
    value = "\x1b]8;;https://evil.example\x07${var.x}\u202e::warning::fake\r\n| x |"
    resources = {name: {"foundation_model": "anthropic.claude-v1", "instruction": "uses anthropic.claude-v2"},
                 "b": {"foundation_model": value}}
    (root / "main.tf.json").write_text(json.dumps({"resource": {"aws_bedrockagent_agent": resources}}, indent=1))
    (root / "evil\x1b[31m\n::error::x|@octocat <b>.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
        '  "Agent\\e[31m\\u202e<b>|@octocat":\n'
        "    Type: AWS::Bedrock::Agent\n"
        "    Properties:\n"
        f"      FoundationModel: anthropic.claude-v1 # iac-check:ignore BDR001 reason=\"{SUPPRESSION_REASON}\"\n"
        "  Unknown:\n    Type: AWS::Bedrock::Agent\n    Properties:\n"
        "      FoundationModel: \"anthropic.claude-\\e[2Jzz-v9\"\n"
    )
    # The parser quotes the offending token in its message.
    (root / "broken.tf").write_text('resource "x" "y" {\n  model = "anthropic.claude-v1"\n  \x1b[31m\u202e = 1\n}\n')


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("hostile")
    hostile_tree(root)
    return run_scan(Settings(as_of=date(2026, 6, 1), paths=(str(root),), jobs=1), load_catalog(), env={})


def rendered(report: Report, fmt: str) -> str:
    try:
        importlib.import_module(f"validator.report.{fmt}_format")
    except ModuleNotFoundError:
        pytest.skip(f"validator/report/{fmt}_format.py does not exist yet")
    out = render(report, fmt, RenderOptions(color=False, verbose=True))
    out.encode("utf-8")  # every report is written as UTF-8
    return out


def test_the_hostile_tree_reaches_the_reports(report):
    # The test means something only if hostile text is in the findings to begin with.
    texts = [t for f in report.findings for t in (f.span.file, f.resource, f.message, f.raw, f.suppression_reason) if t]
    assert any("\x1b" in t for t in texts) and any("\u202e" in t for t in texts)
    assert any(f.suppressed for f in report.findings)
    assert {"BDR000", "BDR001"} <= {f.rule_id for f in report.findings}


@pytest.mark.parametrize("text", [INJECTION, "a\x00b\x7fc\x85d\u2028e\ufefff\u200bg\U000e0041h\ud800i", "\t\r\n"])
def test_clean_leaves_no_control_or_invisible_character(text):
    assert not UNSAFE.search(clean(text))
    assert "\n" not in clean(text) and "\r" not in clean(text)


def test_text_format(report):
    out = rendered(report, "text")
    lines = out.splitlines()
    assert not UNSAFE.search(out.replace("\n", ""))
    assert len(lines) == len(report.findings) + 2  # one line each, a blank line, the summary


def test_json_format(report):
    out = rendered(report, "json")
    document = json.loads(out)
    assert not UNSAFE.search(out.replace("\n", ""))  # escaped, never raw
    assert len(document["findings"]) == len(report.findings)


def test_sarif_format(report):
    document = json.loads(rendered(report, "sarif"))
    for result in document["runs"][0]["results"]:
        shown = [result["message"]["text"], *(loc.get("fullyQualifiedName", "") for loc in
                                              result["locations"][0].get("logicalLocations", []))]
        shown += [s.get("justification") or "" for s in result.get("suppressions", [])]
        assert not any(UNSAFE.search(text) for text in shown), shown
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not UNSAFE.search(uri) and " " not in uri, uri


def test_junit_format(report):
    root = ET.fromstring(rendered(report, "junit").encode("utf-8"))  # well-formed XML 1.0
    for element in root.iter():
        for text in (element.text or "", *element.attrib.values()):
            assert not UNSAFE.search(text.replace("\n", "")), (element.tag, text)


COMMAND = re.compile(r"^::(error|warning|notice) (?P<properties>[^:]*)::(?P<message>.*)$")


def test_github_format(report):
    lines = rendered(report, "github").splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == sum(1 for f in report.findings if not f.suppressed)
    assert len(lines) == len(commands) + 1  # and the summary: nothing broke out onto a line of its own
    for line in commands:
        match = COMMAND.match(line)
        assert match, line
        keys = [pair.split("=", 1)[0] for pair in match["properties"].split(",")]
        assert set(keys) <= {"file", "line", "col", "title", "endLine", "endColumn"} and len(keys) == len(set(keys))
        assert "::" not in match["message"] and not UNSAFE.search(line), line


def _outside_code(markdown: str) -> str:
    """The text of a Markdown document outside code spans, fences and escapes."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"(`+)(?:(?!\1).)+?\1", "", text)
    return re.sub(r"\\.", "", text)


def test_markdown_format(report):
    out = rendered(report, "markdown")
    assert not UNSAFE.search(out.replace("\n", ""))
    prose = _outside_code(out)
    assert not re.search(r"<[A-Za-z/!]", prose), "raw HTML"
    assert "](https://evil" not in prose and "**y**" not in prose
    rows = [line for line in out.splitlines() if line.startswith("| ") and line.count("|") > 2]
    header = next(line for line in rows if line.startswith("| line |"))
    for row in rows[rows.index(header):]:
        assert len(re.findall(r"(?<!\\)\|", row)) == header.count("|"), row  # a cell never ends early


def test_markdown_mentions_nobody(report):
    assert "@octocat" not in _outside_code(rendered(report, "markdown"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_the_hostile_report(report, fmt):
    assert rendered(report, fmt)
