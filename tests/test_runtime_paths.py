"""API Gateway and HTTP integrations that call Bedrock Runtime name the model in the path."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, by_rule, scan_json

from validator.modelid import find_models


@pytest.mark.parametrize(("text", "model", "region"), [
    ("arn:aws:apigateway:us-east-1:bedrock-runtime:path/model/anthropic.claude-v2/invoke",
     "anthropic.claude-v2", "us-east-1"),
    ("arn:aws:apigateway:eu-west-1:bedrock-runtime:path/model/anthropic.claude-v2%3A1/invoke-with-response-stream",
     "anthropic.claude-v2:1", "eu-west-1"),
    ("https://bedrock-runtime.us-west-2.amazonaws.com/model/us.meta.llama3-8b-instruct-v1:0/converse-stream",
     "meta.llama3-8b-instruct-v1:0", "us-west-2"),
    ("arn:aws:apigateway:us-west-2:bedrock-runtime:path/model/arn%3Aaws%3Abedrock%3Aus-east-2%3A123456789012"
     "%3Ainference-profile%2Fus.amazon.nova-pro-v1%3A0/converse", "amazon.nova-pro-v1:0", "us-east-2"),
])
def test_the_model_in_a_runtime_path_is_found_and_decoded(text, model, region):
    (match,) = find_models(text)
    assert text[match.start:].startswith(match.ref.raw)
    assert (match.ref.model_id, match.ref.region) == (model, region)
    assert text[match.start:].startswith(("anthropic", "us.", "arn%3A"))


def test_other_api_gateway_paths_name_no_model():
    assert find_models("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/x/invocations") == []
    assert find_models("arn:aws:apigateway:us-east-1:bedrock-runtime:path/model/x/invokeAll") == []


def test_terraform_integrations_at_their_lines():
    _, report = scan_json(str(FIXTURES / "terraform" / "apigateway"), "--as-of", "2026-12-01")
    refs = [(r["line"], r["attribute"], r["model_id"], r["region"]) for r in report["references"]]
    assert refs == [
        (25, "uri", "anthropic.claude-3-haiku-20240307-v1:0", "us-east-1"),
        (34, "uri", "amazon.titan-text-express-v1:0", "us-east-1"),
        (43, "uri", None, "us-east-1"),
        (50, "integration_uri", "meta.llama3-8b-instruct-v1:0", "us-west-2"),
    ]
    assert [r["origin"]["line"] for r in report["references"][:1]] == [7]
    assert [f["line"] for f in by_rule(report, "BDR005")] == [43]


def test_cloudformation_integrations_at_their_lines():
    _, report = scan_json(str(FIXTURES / "cloudformation" / "apigateway"), "--as-of", "2026-12-01")
    refs = [(r["line"], r["resource"], r["model_id"]) for r in report["references"]]
    assert refs == [(23, "InvokeMethod", "anthropic.claude-3-haiku-20240307-v1:0"),
                    (34, "ConverseMethod", "meta.llama3-8b-instruct-v1:0")]
    assert report["references"][0]["origin"]["line"] == 6
