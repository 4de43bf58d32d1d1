"""Terraform plan JSON (`terraform show -json`): values, actions and lines."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, by_rule, scan_json


def test_deleted_resources_are_not_references(tf_fixture):
    _, report = scan_json(tf_fixture("plan"), "--as-of", "2025-09-01")
    assert not [r for r in report["references"] if r["resource"] == "aws_bedrockagent_agent.retired"]
    assert not by_rule(report, "BDR001")


def test_create_on_legacy_is_an_error_and_update_is_not_provisioning(tf_fixture):
    _, report = scan_json(tf_fixture("plan"), "--as-of", "2025-09-01")
    [created] = by_rule(report, "BDR008")
    assert created["severity"] == "error"
    assert created["resource"] == 'module.batch.aws_bedrock_provisioned_model_throughput.nightly["summaries"]'
    assert (created["file"], created["line"], created["usage"]) == ("tfplan.json", 56, "provisioned")


def test_plan_values_lines_and_regions(tf_fixture):
    _, report = scan_json(tf_fixture("plan"), "--as-of", "2025-09-01")
    refs = {(r["resource"], r["attribute"]): r for r in report["references"]}
    agent = refs[("aws_bedrockagent_agent.support", "foundation_model")]
    assert (agent["line"], agent["region"], agent["model_id"]) == (24, "us-east-1",
                                                                   "anthropic.claude-3-5-sonnet-20240620-v1:0")
    env = refs[("aws_lambda_function.router", "environment.variables.MODEL_ID")]
    assert env["line"] == 75 and env["raw"] == "us.anthropic.claude-3-5-sonnet-20240620-v1:0"


def test_plan_with_its_source_points_at_the_tf_line(tf_fixture):
    _, report = scan_json(tf_fixture("plan-with-source"), "--as-of", "2025-09-01")
    [eol] = by_rule(report, "BDR001")
    assert (eol["file"], eol["line"]) == ("main.tf", 12)
    assert eol["origin"] == {"file": "plan.json", "line": 3, "chain": ["terraform plan"]}
    assert not by_rule(report, "BDR005"), "the plan's value replaces the unresolved variable"


def test_unsupported_plan_version_is_bdr000(tmp_path: Path):
    (tmp_path / "plan.json").write_text(
        '{"format_version": "2.0", "resource_changes": [{"change": {"after": {"m": "anthropic.claude-v2"}}}]}')
    _, report = scan_json(str(tmp_path), "--as-of", "2025-09-01")
    [problem] = by_rule(report, "BDR000")
    assert "2.0" in problem["message"]


def test_unknown_after_apply_in_a_model_attribute_is_bdr005(tmp_path: Path):
    (tmp_path / "plan.json").write_text(
        '{"format_version": "1.2", "resource_changes": [{"address": "aws_bedrockagent_agent.a", "mode": "managed",'
        ' "type": "aws_bedrockagent_agent", "name": "a", "change": {"actions": ["create"],'
        ' "after": {"foundation_model": null}, "after_unknown": {"foundation_model": true}}}]}'
    )
    _, report = scan_json(str(tmp_path), "--as-of", "2025-09-01")
    [unresolved] = by_rule(report, "BDR005")
    assert "after apply" in unresolved["message"]


def test_a_plan_replaces_only_its_own_roots_resources() -> None:
    # Three roots in one scan declare aws_bedrockagent_agent.support; the plan belongs to
    # the root beside it and must not take the others' places.
    _, report = scan_json(str(FIXTURES / "terraform"), "--as-of", "2026-12-01")
    support = {(r["file"], r["line"], r["raw"]) for r in report["references"]
               if r["resource"] == "aws_bedrockagent_agent.support"}
    assert ("plan-with-source/main.tf", 12, "anthropic.claude-v2") in support
    assert ("tfjson/main.tf.json", 13, "anthropic.claude-instant-v1") in support
    assert ("agent/main.tf", 32, "anthropic.claude-v1") in support
    assert not [f for f in report["findings"] if f["rule_id"] == "BDR005" and f["file"] == "agent/main.tf"]
