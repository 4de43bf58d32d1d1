"""Each rule, through a scan: every test here fails if its rule is removed or misfires."""

from __future__ import annotations

import json
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
    assert [r.ID for r in RULES] == [f"BDR{n:03d}" for n in range(13)]


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


# --------------------------------------------------------------------------- catalog examples

EXAMPLES_AS_OF = "2026-12-01"
# resource in fixtures/terraform/catalog-examples -> (the value, the region its provider sets,
# the rules a scan reports for it)
EXAMPLES = {
    "aws_bedrockagent_agent.voice": ("amazon.nova-2-sonic-v1:0", "us-east-1", []),
    "aws_bedrockagent_agent.premier_multimodal": ("amazon.nova-premier-v1:0:mm", "us-east-1", ["BDR001"]),
    "aws_bedrockagent_agent.embed_512": ("cohere.embed-english-v3:0:512", "us-east-1", []),
    "aws_bedrockagent_agent.tuned_command": (
        "arn:aws:bedrock:us-east-1:123456789012:custom-model/cohere.command-text-v14:7:4k/x7q2m9k4w1z8",
        "us-east-1", ["BDR001"]),
    "aws_bedrockagent_agent.instant": ("anthropic.claude-instant-v1:2:100k", "us-east-1", ["BDR001"]),
    "aws_bedrockagent_agent.india": ("in.anthropic.claude-sonnet-5", "ap-south-1", []),
    "aws_bedrockagent_agent.eu_profile": ("eu.anthropic.claude-3-5-sonnet-20240620-v1:0", None, ["BDR001"]),
    "aws_bedrockagent_agent.eu_profile_v2": ("eu.anthropic.claude-3-5-sonnet-20241022-v2:0", None, ["BDR012"]),
    "aws_bedrockagent_agent.eu_profile_from_virginia": (
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1", ["BDR002", "BDR011"]),
    "aws_bedrockagent_agent.haiku_canada": ("anthropic.claude-3-haiku-20240307-v1:0", "ca-central-1", ["BDR012"]),
    "aws_bedrockagent_agent.haiku_virginia": ("anthropic.claude-3-haiku-20240307-v1:0", "us-east-1", ["BDR001"]),
    "aws_bedrockagent_agent.sonnet_v1_virginia": (
        "anthropic.claude-3-5-sonnet-20240620-v1:0", "us-east-1", ["BDR001"]),
    "aws_bedrockagent_agent.typo": ("anthropic.claude-sonet-4-6", "us-east-1", ["BDR004"]),
    "aws_bedrockagent_agent.newer": ("amazon.nova-3-sonic-v1:0", "us-east-1", ["BDR004"]),
    "aws_iam_policy.invoke_anywhere": (
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", "us-east-1", ["BDR001"]),
}
FIELDS = ("rule_id", "severity", "lifecycle", "eol_date", "replacement", "message")


@pytest.fixture(scope="module")
def examples_report():
    _, report = scan_json(str(Path(__file__).parents[1] / "fixtures" / "terraform" / "catalog-examples"),
                          "--as-of", EXAMPLES_AS_OF)
    return report


@pytest.mark.parametrize("resource", list(EXAMPLES))
def test_models_and_scan_agree_on_every_example(examples_report, resource):
    """`iac-check models VALUE` says what a scan reports for the same value in the same region."""
    value, region, rules = EXAMPLES[resource]
    scanned = [{key: f[key] for key in FIELDS} for f in examples_report["findings"] if f["resource"] == resource]
    assert [f["rule_id"] for f in scanned] == rules
    code, out, _ = cli("models", value, "--as-of", EXAMPLES_AS_OF, "--format", "json",
                       *(("--region", region) if region else ()))
    explained = json.loads(out)
    assert code == 0 and explained["known"] == ("BDR004" not in rules)
    assert [{key: f[key] for key in FIELDS} for f in explained["findings"]] == scanned


def test_examples_read_regions_profiles_and_replacements_right(examples_report):
    found = {(f["resource"], f["rule_id"]): f for f in examples_report["findings"]}
    # An eu. profile with no region is judged by the EU rows only (not the APAC row's later EOL).
    eu = found[("aws_bedrockagent_agent.eu_profile", "BDR001")]
    assert eu["eol_date"] == "2026-03-01" and "eu-central-1, eu-west-1, eu-west-3 (the regions of its eu. profile)" \
        in eu["message"]
    # Rows for APAC and us-east-1 only: nothing announced in the EU is not silently Active.
    assert "nothing is announced for the eu. geography" in found[("aws_bedrockagent_agent.eu_profile_v2",
                                                                  "BDR012")]["message"]
    canada = found[("aws_bedrockagent_agent.haiku_canada", "BDR012")]
    assert "reached end of life on 2026-09-10 in ap-northeast-1" in canada["message"]
    assert "nothing is announced for ca-central-1" in canada["message"]
    assert canada["replacement"] == "anthropic.claude-haiku-4-5-20251001-v1:0"
    mismatch = found[("aws_bedrockagent_agent.eu_profile_from_virginia", "BDR011")]
    assert (mismatch["severity"], mismatch["region"]) == ("error", "us-east-1")
    assert "use the us. profile there" in mismatch["message"] and "Replace with" not in mismatch["message"]
    # A grant for every region: the strictest row, and where it applies.
    anywhere = found[("aws_iam_policy.invoke_anywhere", "BDR001")]
    assert "(it can run in every region: the strictest row applies)" in anywhere["message"]
    # Replacements: the first Active one down the chain, or plainly none.
    assert found[("aws_bedrockagent_agent.haiku_virginia", "BDR001")]["replacement"] == \
        "anthropic.claude-haiku-4-5-20251001-v1:0"
    sonnet = found[("aws_bedrockagent_agent.sonnet_v1_virginia", "BDR001")]
    assert sonnet["replacement"] is None and "No version down its replacement chain " \
        "(anthropic.claude-sonnet-4-5-20250929-v1:0) is Active in us-east-1 as of 2026-12-01." \
        in sonnet["message"]
    assert "The catalog names no replacement for it." in found[("aws_bedrockagent_agent.premier_multimodal",
                                                               "BDR001")]["message"]
    # Typos of Active models are warnings with a suggestion; newer models are notes naming sync.
    typo = found[("aws_bedrockagent_agent.typo", "BDR004")]
    assert typo["severity"] == "warning" and typo["message"].endswith("did you mean anthropic.claude-sonnet-4-6?")
    newer = found[("aws_bedrockagent_agent.newer", "BDR004")]
    assert newer["severity"] == "note" and "did you mean" not in newer["message"]
    assert "catalog of 2026-10-07" in newer["message"] and "`iac-check catalog sync`" in newer["message"]


@pytest.mark.parametrize(("model_id", "candidates", "suggested"), [
    ("anthropic.claude-sonet-4-6", ["anthropic.claude-sonnet-4-6", "anthropic.claude-opus-4-6-v1"],
     "anthropic.claude-sonnet-4-6"),
    ("anthropic.claude-sonnet-46", ["anthropic.claude-sonnet-4-6"], None),  # 46 is not 4, 6
    ("amazon.nova-2-sonic-v1:0", ["amazon.nova-sonic-v1:0"], None),  # another version, not a slip
    ("anthropic.claude-opus-4-9", ["anthropic.claude-opus-4-8"], None),
    ("meta.lama3-8b-instruct-v1:0", ["meta.llama3-8b-instruct-v1:0"], "meta.llama3-8b-instruct-v1:0"),
    ("meta.llama3-8b-instrcut-v1:0", ["meta.llama3-8b-instruct-v1:0"], "meta.llama3-8b-instruct-v1:0"),
    ("acme.ab-v1", ["acme.ac-v1", "acme.ad-v1"], None),  # ambiguous: suggest nothing
])
def test_near_typo(model_id, candidates, suggested):
    from validator.rules.bdr004_unknown_model import near_typo

    assert near_typo(model_id, candidates) == suggested


def test_typo_of_a_retired_model_is_not_suggested(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n\n'
        'resource "aws_bedrockagent_agent" "a" {\n  agent_name       = "a"\n'
        '  foundation_model = "anthropic.claud-v2:1"\n}\n'
    )
    _, before_eol = scan_json(str(tmp_path), "--as-of", "2024-01-15")
    assert [f["severity"] for f in by_rule(before_eol, "BDR004")] == ["warning"]
    _, after_eol = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    [note] = by_rule(after_eol, "BDR004")
    assert note["severity"] == "note" and "did you mean" not in note["message"]
