"""Each rule, through a scan: every test here fails if its rule is removed or misfires."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import by_rule, cli, scan_json

from validator.rules import RULES
from validator.rules.bdr003_commitment_outlives_model import add_months


def rules_at(report, resource):
    return sorted((f["rule_id"], f["severity"]) for f in report["findings"] if f["resource"] == resource)


@pytest.mark.parametrize(
    ("as_of", "agent"),
    [
        ("2025-06-01", [("BDR006", "note")]),
        ("2025-09-01", [("BDR002", "warning")]),
        ("2025-12-15", [("BDR007", "warning")]),
        ("2026-03-01", [("BDR001", "error")]),
    ],
)
def test_phases_never_fire_together(tf_fixture, as_of, agent):
    _, report = scan_json(tf_fixture("lifecycle"), "--as-of", as_of)
    assert rules_at(report, "aws_bedrockagent_agent.research") == agent


def test_extended_access_escalates_within_fail_within(tf_fixture):
    _, report = scan_json(tf_fixture("lifecycle"), "--as-of", "2026-02-15", "--fail-within", "30")
    assert rules_at(report, "aws_bedrockagent_agent.research") == [("BDR007", "error")]


def test_inference_profile_prefix_is_normalised(tf_fixture):
    _, report = scan_json(tf_fixture("lifecycle"), "--as-of", "2025-12-15")
    [ref] = [r for r in report["references"] if r["resource"] == "aws_bedrockagent_agent.research"]
    assert ref["raw"] == "us.anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert ref["model_id"] == "anthropic.claude-3-5-sonnet-20240620-v1:0"


def test_provisioning_on_legacy_base_is_a_warning_in_source(tf_fixture):
    _, report = scan_json(tf_fixture("lifecycle"), "--as-of", "2025-09-01")
    flagged = {(f["resource"], f["usage"], f["severity"]) for f in by_rule(report, "BDR008")}
    assert flagged == {
        ("aws_bedrock_custom_model.tone", "customization", "warning"),
        ("aws_bedrock_provisioned_model_throughput.tone", "provisioned-custom", "warning"),
    }
    assert not [f for f in by_rule(report, "BDR008") if f["resource"].startswith("aws_bedrockagent")]


def test_commitment_on_custom_model_uses_its_base_model(tf_fixture):
    _, early = scan_json(tf_fixture("lifecycle"), "--as-of", "2026-01-15")
    _, late = scan_json(tf_fixture("lifecycle"), "--as-of", "2026-02-15")
    assert not by_rule(early, "BDR003")
    [outlives] = by_rule(late, "BDR003")
    assert (outlives["line"], outlives["usage"], outlives["eol_date"]) == (25, "provisioned-custom", "2026-03-01")


def test_commitment_end_is_calendar_months():
    from datetime import date

    assert add_months(date(2024, 5, 1), 6) == date(2024, 11, 1)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)


def test_commitment_ending_on_eol_day_is_allowed(tmp_path: Path):
    (tmp_path / "pt.tf").write_text(
        'resource "aws_bedrock_provisioned_model_throughput" "p" {\n'
        '  model_arn = "arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-chat-v1"\n'
        '  commitment_duration = "OneMonth"\n}\n'
    )
    _, on_time = scan_json(str(tmp_path), "--as-of", "2024-07-12")
    _, too_late = scan_json(str(tmp_path), "--as-of", "2024-07-13")
    assert not by_rule(on_time, "BDR003") and by_rule(too_late, "BDR003")


def test_suppressions_expire_and_fail_closed(tf_fixture):
    code, report = scan_json(tf_fixture("suppressed"), "--as-of", "2024-01-15", "--fail-on", "warning")
    suppressed = [f for f in report["findings"] if f["suppressed"]]
    assert [(f["resource"], f["suppression_reason"]) for f in suppressed] == [
        ("aws_bedrockagent_agent.legacy_ok", "migration in PLAT-123")
    ]
    expired = by_rule(report, "BDR009")
    assert [(f["line"], "expired" in f["message"] or "not a YYYY-MM-DD" in f["message"]) for f in expired] == [
        (7, True), (17, True)
    ]
    live = [f["resource"] for f in by_rule(report, "BDR002") if not f["suppressed"]]
    assert live == ["aws_bedrockagent_agent.expired", "aws_bedrockagent_agent.malformed"]
    assert code == 1


def test_no_suppression_outlives_the_model(tf_fixture):
    _, report = scan_json(tf_fixture("suppressed"), "--as-of", "2024-03-01")
    eol = [f for f in by_rule(report, "BDR001") if f["resource"] == "aws_bedrockagent_agent.legacy_ok"]
    assert [f["suppressed"] for f in eol] == [False]


def test_every_rule_is_documented_and_listed():
    _, out, _ = cli("rules")
    for rule in RULES:
        assert f"{rule.ID}  {rule.NAME}  ({rule.SEVERITY})" in out
        assert rule.__doc__ and len(rule.__doc__.split()) > 20
    assert [r.ID for r in RULES] == [f"BDR{n:03d}" for n in range(11)]


def test_catalog_override_changes_the_verdict(tmp_path: Path, tf_fixture):
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "schema_version: 1\nupdated: 2026-11-28\nmodels:\n"
        "  - id: anthropic.claude-v2:2\n    name: Claude v2.2 (internal preview)\n    provider: Anthropic\n"
        "    lifecycle:\n      - regions: all\n        legacy: 2024-01-01\n        eol: 2024-06-01\n"
        "        confidence: confirmed\n        sources: [{url: 'https://example.com/notice'}]\n"
    )
    _, report = scan_json(tf_fixture("unresolved"), "--as-of", "2024-03-01", "--catalog", str(extra))
    assert [f["model_id"] for f in by_rule(report, "BDR002")] == ["anthropic.claude-v2:2"]
    assert not by_rule(report, "BDR004")
    assert report["catalog"]["overrides"] == ["anthropic.claude-v2:2"]


def test_broken_user_catalog_is_exit_2(tmp_path: Path, tf_fixture):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nupdated: 2026-11-28\nmodels:\n  - id: x\n")
    code, _, err = cli("scan", tf_fixture("agent"), "--as-of", "2024-03-01", "--catalog", str(bad))
    assert code == 2 and "bad.yaml" in err
