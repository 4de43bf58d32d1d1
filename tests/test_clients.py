"""Reports as the clients that show them read them (issue 16 item 4, issue 18): GitHub's
annotation limits and escaping, SARIF run identity, JUnit headlines and passing reports."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import jsonschema
from conftest import FIXTURES, ROOT, cli

from validator.model import Finding, Reference, Report, Span
from validator.report import RenderOptions, render

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "reports-sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
REPO = str(FIXTURES / "ci" / "repo")
SCAN = ("--as-of", "2026-01-15", "--region", "us-east-1")


def _report(*findings: Finding) -> Report:
    return Report(date(2026, 12, 1), "0.1.0", date(2026, 11, 28), 1, 1, (), tuple(findings))


def _finding(severity: str, line: int, eol: date | None = None, file: str = "main.tf") -> Finding:
    rule = {"error": "BDR001", "warning": "BDR002", "note": "BDR005"}[severity]
    return Finding(rule, severity, f"{severity} at {line}", Span(file, line), eol_date=eol)  # type: ignore[arg-type]


# -- GitHub annotations ------------------------------------------------------------------------

def _levels(out: str) -> list[str]:
    return [line.split(" ", 1)[0] for line in out.splitlines() if line.startswith("::")]


def test_github_shows_at_most_ten_per_level_most_severe_first_and_says_how_many_more():
    findings = [_finding("note", n) for n in range(1, 16)] + [_finding("warning", 100 + n) for n in range(12)]
    findings += [_finding("error", 200 + n, date(2026, 1, 1 + n)) for n in range(11)]
    out = render(_report(*findings), "github", RenderOptions())
    levels = _levels(out)
    # 10 errors, 10 warnings, 9 notices and the closing notice: GitHub shows all of them.
    assert levels == ["::error"] * 10 + ["::warning"] * 10 + ["::notice"] * 10
    assert "line=210," not in out  # the error with the latest EOL is the one left out
    last = [line for line in out.splitlines() if line.startswith("::")][-1]
    assert last.startswith("::notice title=iac-check%3A 9 more not annotated::")
    assert "1 error, 2 warnings, 6 notes more are in the SARIF report" in last


def test_github_within_the_limits_adds_no_closing_notice():
    out = render(_report(*(_finding("note", n) for n in range(1, 11))), "github", RenderOptions())
    assert _levels(out) == ["::notice"] * 10 and "more not annotated" not in out


def test_github_escapes_a_file_name_as_the_runner_decodes_it():
    finding = _finding("error", 3, file="dir/we,ird:%na\nme\r.tf")
    out = render(_report(finding), "github", RenderOptions())
    assert out.startswith("::error file=dir/we%2Cird%3A%25na%0Ame%0D.tf,line=3,title=BDR001 ")
    assert out.count("\n") == 2  # the command and the summary line: nothing broke out


# -- SARIF ---------------------------------------------------------------------------------------

def test_sarif_names_the_tool_and_the_scan_and_validates(tmp_path: Path):
    target = tmp_path / "report.sarif"
    with_category = tmp_path / "category.sarif"
    cli("scan", REPO, *SCAN, "--output", f"sarif={target}")
    cli("scan", REPO, *SCAN, "--sarif-category", "iac-check/prod/", "--output", f"sarif={with_category}")
    document = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(document)
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert re.match(r"https://", driver["informationUri"])
    assert driver["fullName"].startswith("iac-check ")
    assert run["automationDetails"] == {"id": f"iac-check/{Path(REPO).as_posix().strip('/')}/"}
    assert json.loads(with_category.read_text(encoding="utf-8"))["runs"][0]["automationDetails"] == {
        "id": "iac-check/prod/"}


def test_sarif_category_names_a_relative_scan_path(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(FIXTURES / "ci")
    target = tmp_path / "report.sarif"
    cli("scan", "./repo", *SCAN, "--output", f"sarif={target}")
    assert json.loads(target.read_text(encoding="utf-8"))["runs"][0]["automationDetails"]["id"] == "iac-check/repo/"


# -- JUnit ---------------------------------------------------------------------------------------

def test_junit_headline_is_the_most_severe_finding():
    warning = Finding("BDR007", "warning", "extended access", Span("main.tf", 3), resource="aws_x.a",
                      attribute="model", model_id="m", raw="m")
    error = Finding("BDR001", "error", "end of life", Span("main.tf", 3), resource="aws_x.a", attribute="model",
                    model_id="m", raw="m")
    ref = Reference(Span("main.tf", 3), "aws_x.a", "aws_x", "model", "m", "m", "on-demand", None)
    report = replace(_report(warning, error), references=(ref,))
    root = ET.fromstring(render(report, "junit", RenderOptions(fail_on="warning")))
    assert len(root.findall("testsuite/testcase")) == 1
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert (failure.get("message"), failure.get("type")) == ("end of life", "BDR001")
    assert failure.text is not None and failure.text.index("end of life") < failure.text.index("extended access")


def test_junit_passing_report_keeps_findings_on_their_testcases(tmp_path: Path):
    target = tmp_path / "junit.xml"
    code, _, _ = cli("scan", REPO, *SCAN, "--fail-on", "never", "--output", f"junit={target}")
    assert code == 0
    root = ET.fromstring(target.read_text(encoding="utf-8"))
    assert root.find(".//failure") is None
    outputs = {c.get("name"): c.findtext("system-out") for s in root for c in s.findall("testcase")}
    retired = outputs["aws_bedrockagent_agent.retired.foundation_model anthropic.claude-v2 (line 14)"]
    assert retired is not None and "error BDR001" in retired
    for suite in root:
        assert "BDR" not in (suite.findtext("system-out") or "")  # nothing only at suite level
