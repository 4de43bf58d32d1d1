"""What names a model without a model attribute: Bedrock data sources and IAM policies."""

from __future__ import annotations

from conftest import by_rule, scan_json


def _scan(tf_fixture) -> dict:
    return scan_json(tf_fixture("iam-data"), "--as-of", "2026-12-01")[1]


def test_data_sources_give_their_arns_to_policy_documents(tf_fixture):
    refs = [(r["line"], r["resource"], r["model_id"], r["origin"] and r["origin"]["line"])
            for r in _scan(tf_fixture)["references"] if r["model_id"]]
    assert refs == [
        (18, "data.aws_bedrock_foundation_model.embed", "amazon.titan-embed-text-v2:0", None),
        (22, "data.aws_bedrock_inference_profile.chat", "anthropic.claude-3-7-sonnet-20250219-v1:0", 12),
        (30, "data.aws_iam_policy_document.invoke", "amazon.titan-embed-text-v2:0", 17),
        (37, "data.aws_iam_policy_document.invoke", "anthropic.claude-3-7-sonnet-20250219-v1:0", 12),
        (72, "aws_iam_role_policy.heredoc", "mistral.mistral-large-2402-v1:0", None),
    ]


def test_a_policy_whose_model_part_is_unknown_is_bdr005_naming_what_is_missing(tf_fixture):
    notes = {f["line"]: f["message"] for f in by_rule(_scan(tf_fixture), "BDR005")}
    # 55: the Resource line inside jsonencode (SPEC 8), not the `policy =` line.
    assert sorted(notes) == [43, 55, 71]
    assert all("variable `summary_model_id` has no default" in m for m in notes.values())
