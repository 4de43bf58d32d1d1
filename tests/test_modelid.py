"""Recognising and normalising model IDs and ARNs (SPEC section 5, normalisation)."""

from __future__ import annotations

import pytest

from validator.modelid import find_models, parse_model


@pytest.mark.parametrize(
    ("text", "model_id", "region"),
    [
        ("anthropic.claude-v2", "anthropic.claude-v2", None),
        ("anthropic.claude-v2:1", "anthropic.claude-v2:1", None),
        ("anthropic.claude-v2:1:18k", "anthropic.claude-v2:1", None),
        ("anthropic.claude-3-sonnet-20240229-v1:0:200k", "anthropic.claude-3-sonnet-20240229-v1:0", None),
        ("us.anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0", None),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", None),
        ("us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0", None),
        ("apac.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", None),
        ("moonshotai.kimi-k2.5", "moonshotai.kimi-k2.5", None),
        ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", "anthropic.claude-v2", "us-east-1"),
        ("arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/anthropic.claude-v2", "anthropic.claude-v2",
         "us-gov-west-1"),
        ("arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
         "anthropic.claude-sonnet-4-5-20250929-v1:0", None),
        ("arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-3-5-sonnet-20240620-v1:0",
         "anthropic.claude-3-5-sonnet-20240620-v1:0", "eu-central-1"),
        ("arn:aws:bedrock:us-west-2:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/ly16hhi765j4",
         "amazon.titan-text-express-v1:0", "us-west-2"),
    ],
)
def test_normalisation(text, model_id, region):
    ref = parse_model(text)
    assert ref is not None and (ref.model_id, ref.region, ref.raw) == (model_id, region, text)


def test_custom_model_arn_names_its_base():
    ref = parse_model("arn:aws:bedrock:us-west-2:123456789012:custom-model/amazon.titan-text-lite-v1:0:4k/example")
    assert ref is not None and ref.custom and ref.model_id == "amazon.titan-text-lite-v1:0"


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:bedrock:*::foundation-model/*",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.*",
        "arn:aws:bedrock:*:*:inference-profile/*",
    ],
)
def test_wildcards_name_no_model(text):
    ref = parse_model(text)
    assert ref is not None and ref.wildcard and ref.model_id is None


def test_placeholders_are_unresolved():
    ref = parse_model("arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${AgentModelId}")
    assert ref is not None and ref.placeholder and ref.model_id is None and ref.region is None


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234efgh",
        "arn:aws:bedrock:us-west-2:123456789012:provisioned-model/1y5n57gh5y2e",
        "arn:aws:bedrock:us-east-1:123456789012:custom-model/imported/abcdef123456",
    ],
)
def test_opaque_arns_name_no_foundation_model(text):
    ref = parse_model(text)
    assert ref is not None and ref.model_id is None and not ref.placeholder


@pytest.mark.parametrize("text", ["support", "my-agent", "s3://bucket/key", "", "anthropic"])
def test_non_models(text):
    assert parse_model(text) is None


def test_find_models_in_free_text_with_offsets():
    text = (
        '{"Resource": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",\n'
        ' "Env": "MODEL=meta.llama3-8b-instruct-v1:0", "Other": "docs.example.com", "Path": "x.anthropic.claude-v1"}'
    )
    found = find_models(text)
    assert [m.ref.model_id for m in found] == ["anthropic.claude-v2", "meta.llama3-8b-instruct-v1:0"]
    assert text[found[1].start:].startswith("meta.llama3")


def test_sentence_punctuation_is_not_part_of_an_id():
    [match] = find_models("Use anthropic.claude-v2. Then stop.")
    assert match.ref.model_id == "anthropic.claude-v2"
