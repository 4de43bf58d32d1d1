"""Inline and Metadata suppressions (SPEC section 7): where they apply, and how they fail closed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import by_rule, cli, scan_json

from validator.model import Finding, Span
from validator.suppress import apply, inline_suppressions, parse_suppression

AGENT = 'resource "aws_bedrockagent_agent" "{name}" {{\n  foundation_model = "{model}"{comment}\n}}\n'


def agent(name: str, model: str = "anthropic.claude-v1", comment: str = "") -> str:
    return AGENT.format(name=name, model=model, comment=f" {comment}" if comment else "")


def scan_tree(tmp_path: Path, files: dict[str, str], *args: str) -> tuple[int, dict]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return scan_json(str(tmp_path), *args)


def states(report: dict, rule: str) -> list[tuple[str, bool]]:
    return [(f["resource"], f["suppressed"]) for f in by_rule(report, rule)]


# -- reading comments --------------------------------------------------------------------------

def test_comment_forms_and_the_line_each_applies_to():
    text = (
        "# iac-check:ignore BDR002\n"                   # 1: alone -> line 3 (past the stacked comment)
        "// iac-check:ignore BDR006 reason='x y'\n"     # 2: alone -> line 3
        'resource "a" "b" {\n'                          # 3
        '  m = "v" # iac-check:ignore bdr001, BDR007\n'  # 4: end of line -> line 4
        '  d = "# iac-check:ignore BDR002"\n'           # 5: inside a string: not a comment
        "}\n"
    )
    found = inline_suppressions(text, "main.tf")
    assert [(s.rules, s.span.line, s.target_line, s.reason, s.malformed) for s in found] == [
        (("BDR002",), 1, 3, None, None),
        (("BDR006",), 2, 3, "x y", None),
        (("BDR001", "BDR007"), 4, 4, None, None),
    ]


def test_yaml_has_hash_comments_only_and_json_has_none():
    yaml_text = "a: 1 # iac-check:ignore BDR002\nb: 2 // iac-check:ignore BDR002\n"
    assert [s.span.line for s in inline_suppressions(yaml_text, "template.yaml")] == [1]
    assert inline_suppressions('{"a": "x # iac-check:ignore BDR002"}', "template.json") == []


@pytest.mark.parametrize(("body", "problem"), [
    (" BDR002 until=2025-02-30", "until='2025-02-30' is not a YYYY-MM-DD date"),
    (" BDR002 until=someday", "until='someday' is not a YYYY-MM-DD date"),
    (' until=2025-01-01 reason="no rule"', "it names no rule"),
    (" BDR099", "no such rule: BDR099"),
    (" BDR002 untill=2025-01-01", "unknown option 'untill'"),
    (" BDR002 until=2025-01-01 until=2026-01-01", "until= is given twice"),
    (" BDR002 reason=migration in PLAT-123", "unexpected text 'in PLAT-123'"),
    (" BDR002 -- see the wiki", "unexpected text '-- see the wiki'"),
])
def test_anything_unclear_stops_a_suppression(body: str, problem: str):
    sup = parse_suppression(body, Span("main.tf", 1))
    finding = Finding("BDR002", "warning", "legacy", Span("main.tf", 1))
    result = {f.rule_id: f for f in apply([finding], [sup], {}, date(2024, 1, 1))}
    assert not result["BDR002"].suppressed and problem in result["BDR009"].message


def test_a_well_formed_suppression_reads_its_options():
    sup = parse_suppression(' BDR002,BDR007 until=2025-06-30 reason="migration in PLAT-123"', Span("main.tf", 4))
    assert (sup.rules, sup.until, sup.reason, sup.malformed) == (
        ("BDR002", "BDR007"), date(2025, 6, 30), "migration in PLAT-123", None)


# -- where a suppression applies ---------------------------------------------------------------

def test_end_of_line_and_line_above_cover_the_reference_only(tmp_path: Path):
    code, report = scan_tree(tmp_path, {"main.tf": (
        agent("eol_comment", comment="# iac-check:ignore BDR002 reason=\"end of line\"")
        + agent("next_line")
        + 'resource "aws_bedrockagent_agent" "above" {\n  # iac-check:ignore BDR002\n'
          '  foundation_model = "anthropic.claude-v1"\n}\n'
    )}, "--as-of", "2024-01-15", "--fail-on", "warning")
    assert states(report, "BDR002") == [
        ("aws_bedrockagent_agent.eol_comment", True),
        ("aws_bedrockagent_agent.next_line", False),  # the comment above ends the previous resource's line
        ("aws_bedrockagent_agent.above", True),
    ]
    assert by_rule(report, "BDR002")[0]["suppression_reason"] == "end of line"
    assert code == 1


def test_comment_above_a_resource_covers_all_of_it(tf_fixture, tmp_path: Path):
    text = Path(tf_fixture("provisioned"), "main.tf").read_text(encoding="utf-8")
    text = text.replace('resource "aws_bedrock_provisioned_model_throughput" "chat_six_months"',
                        "# iac-check:ignore BDR003 BDR006 reason=\"renewing monthly\"\n"
                        "# a second comment between the suppression and the resource\n"
                        'resource "aws_bedrock_provisioned_model_throughput" "chat_six_months"')
    code, report = scan_tree(tmp_path, {"main.tf": text}, "--as-of", "2024-05-01")
    six = "aws_bedrock_provisioned_model_throughput.chat_six_months"
    commitment = by_rule(report, "BDR003")
    assert [(f["resource"], f["line"], f["suppressed"]) for f in commitment] == [(six, 10, True)]
    assert (six, True) in states(report, "BDR006")
    assert ("aws_bedrock_provisioned_model_throughput.chat_one_month", False) in states(report, "BDR006")
    assert code == 0


def test_a_blank_line_breaks_the_link_to_the_resource(tmp_path: Path):
    _, report = scan_tree(tmp_path, {"main.tf": "# iac-check:ignore BDR002\n\n" + agent("a")}, "--as-of", "2024-01-15")
    assert states(report, "BDR002") == [("aws_bedrockagent_agent.a", False)]


def test_resource_comment_in_a_module_covers_every_instance(tmp_path: Path):
    _, report = scan_tree(tmp_path, {
        "main.tf": 'module "one" {\n  source = "./mod"\n}\nmodule "two" {\n  source = "./mod"\n}\n',
        "mod/main.tf": "# iac-check:ignore BDR002 reason=\"shared module\"\n" + agent("this"),
    }, "--as-of", "2024-01-15")
    [finding] = by_rule(report, "BDR002")  # one place, both instances suppressed
    assert finding["suppressed"] and finding["instances"] == [
        "module.one.aws_bedrockagent_agent.this", "module.two.aws_bedrockagent_agent.this"]


def test_yaml_comment_above_a_logical_id_covers_the_resource(tmp_path: Path):
    template = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
                "  # iac-check:ignore BDR002 until=2024-06-30 reason=\"PLAT-9\"\n"
                "  Agent:\n    Type: AWS::Bedrock::Agent\n    Properties:\n"
                "      AgentName: a\n      FoundationModel: anthropic.claude-v1\n")
    code, report = scan_tree(tmp_path, {"template.yaml": template}, "--as-of", "2024-01-15", "--fail-on", "warning")
    assert [(f["resource"], f["suppressed"], f["suppression_reason"]) for f in by_rule(report, "BDR002")] == [
        ("Agent", True, "PLAT-9")]
    assert code == 0


def test_metadata_suppression_applies_and_expires(tmp_path: Path):
    template = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Agent:\n    Type: AWS::Bedrock::Agent\n'
                "    Metadata:\n      iac-check:\n        ignore:\n"
                "          - {rule: BDR002, until: 2024-01-31, reason: PLAT-10}\n"
                "    Properties:\n      AgentName: a\n      FoundationModel: anthropic.claude-v1\n")
    _, before = scan_tree(tmp_path, {"template.yaml": template}, "--as-of", "2024-01-15")
    code, after = scan_json(str(tmp_path), "--as-of", "2024-02-01", "--fail-on", "warning")
    assert states(before, "BDR002") == [("Agent", True)] and not by_rule(before, "BDR009")
    assert states(after, "BDR002") == [("Agent", False)]
    [expired] = by_rule(after, "BDR009")
    assert expired["resource"] == "Agent" and "expired on 2024-01-31" in expired["message"] and code == 1


# -- failing closed ----------------------------------------------------------------------------

def test_an_expired_suppression_fails_the_gate_and_says_why(tmp_path: Path):
    files = {"main.tf": agent("a", comment='# iac-check:ignore BDR002 until=2024-01-31 reason="PLAT-1"')}
    code_on_time, _ = scan_tree(tmp_path, files, "--as-of", "2024-01-31", "--fail-on", "warning")
    code, out, _ = cli("scan", str(tmp_path), "--as-of", "2024-02-01", "--fail-on", "warning", "--no-color",
                       "--verbose")
    assert code_on_time == 0  # `until` is the last day it suppresses
    assert code == 1
    assert "WARNING BDR002 aws_bedrockagent_agent.a.foundation_model" in out
    assert "NOTE BDR009" in out and "suppression of BDR002 no longer applies: it expired on 2024-01-31" in out


def test_a_malformed_suppression_suppresses_nothing(tmp_path: Path):
    _, report = scan_tree(tmp_path, {"main.tf": agent("a", comment="# iac-check:ignore BDR002 untill=2099-01-01")},
                          "--as-of", "2024-01-15")
    assert states(report, "BDR002") == [("aws_bedrockagent_agent.a", False)]
    [note] = by_rule(report, "BDR009")
    assert (note["line"], note["severity"]) == (2, "note") and "unknown option 'untill'" in note["message"]


def test_no_suppression_outlives_the_model(tmp_path: Path):
    legacy_forever = agent("legacy", comment="# iac-check:ignore BDR002")
    code, report = scan_tree(tmp_path, {"main.tf": legacy_forever}, "--as-of", "2024-02-28")
    assert states(report, "BDR001") == [("aws_bedrockagent_agent.legacy", False)]
    assert code == 1


def test_only_a_suppression_naming_bdr001_covers_an_eol_model(tmp_path: Path):
    # A private arrangement with the provider keeps a version running past its EOL date.
    eol_named = agent("eol", comment='# iac-check:ignore BDR001 until=2099-01-01 reason="private offer"')
    code, report = scan_tree(tmp_path, {"main.tf": eol_named}, "--as-of", "2024-02-28")
    assert states(report, "BDR001") == [("aws_bedrockagent_agent.eol", True)]
    assert code == 0


def test_suppressed_findings_stay_in_json_and_sarif_and_never_fail(tmp_path: Path):
    files = {"main.tf": agent("a", comment='# iac-check:ignore BDR002 reason="PLAT-2"')}
    code, report = scan_tree(tmp_path, files, "--as-of", "2024-01-15", "--fail-on", "note")
    [finding] = report["findings"]
    assert (finding["suppressed"], finding["suppression_reason"]) == (True, "PLAT-2")
    assert report["summary"]["suppressed"] == 1
    assert code == 0
    _, sarif, _ = cli("scan", str(tmp_path), "--as-of", "2024-01-15", "-f", "sarif")
    [result] = json.loads(sarif)["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "inSource", "status": "accepted", "justification": "PLAT-2"}]


def test_apply_keeps_findings_of_other_rules_and_files():
    sup = parse_suppression(" BDR002", Span("a.tf", 3))
    findings = [Finding("BDR002", "warning", "m", Span("a.tf", 3)), Finding("BDR006", "note", "m", Span("a.tf", 3)),
                Finding("BDR002", "warning", "m", Span("b.tf", 3))]
    assert [f.suppressed for f in apply(findings, [sup], {}, date(2024, 1, 1))] == [True, False, False]


def test_metadata_naming_an_unknown_rule_fails_closed(tmp_path: Path):
    template = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Agent:\n    Type: AWS::Bedrock::Agent\n'
                "    Metadata:\n      iac-check:\n        ignore: [{rule: BDR099, reason: typo}]\n"
                "    Properties:\n      AgentName: a\n      FoundationModel: anthropic.claude-v1\n")
    _, report = scan_tree(tmp_path, {"template.yaml": template}, "--as-of", "2024-01-15")
    assert states(report, "BDR002") == [("Agent", False)]
    assert "no such rule: BDR099" in by_rule(report, "BDR009")[0]["message"]
