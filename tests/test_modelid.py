"""Recognising and normalising model IDs and ARNs (SPEC section 5, normalisation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.modelid import EVERY_REGION, GEO_PREFIXES, find_models, in_geography, parse_model

MODEL_IDS = Path(__file__).parent / "data" / "model-ids" / "shared-model-ids.tsv"


def shared_model_ids() -> list[str]:
    """Every model ID in the gathered facts (see the file's header for where each comes from)."""
    lines = MODEL_IDS.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines if line and not line.startswith(("#", "model_id\t"))]


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
        # Variants after the version: multimodal, embedding size, context windows.
        ("amazon.nova-premier-v1:0:mm", "amazon.nova-premier-v1:0", None),
        ("cohere.embed-english-v3:0:512", "cohere.embed-english-v3:0", None),
        ("cohere.command-text-v14:7:4k", "cohere.command-text-v14:7", None),
        ("anthropic.claude-instant-v1:2:100k", "anthropic.claude-instant-v1:2", None),
        ("amazon.nova-premier-v1:0:1000k", "amazon.nova-premier-v1:0", None),
        ("in.anthropic.claude-sonnet-5", "anthropic.claude-sonnet-5", None),
        ("jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", None),
        ("au.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0", None),
        ("ca.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", None),
        ("us-gov.nvidia.nemotron-nano-3-30b", "nvidia.nemotron-nano-3-30b", None),
        ("arn:aws:bedrock:ap-south-1:123456789012:inference-profile/in.anthropic.claude-haiku-4-5-20251001-v1:0",
         "anthropic.claude-haiku-4-5-20251001-v1:0", "ap-south-1"),
        ("arn:aws:bedrock:us-west-2:123456789012:custom-model/cohere.command-text-v14:7:4k/abcdef123456",
         "cohere.command-text-v14:7", "us-west-2"),
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


@pytest.mark.parametrize("model_id", shared_model_ids())
def test_every_gathered_id_parses_to_its_base_version(model_id):
    """Whole values and free text agree; the geo prefix is kept apart, never in the base."""
    ref = parse_model(model_id)
    assert ref is not None and ref.model_id is not None, model_id
    profile = model_id.startswith(tuple(f"{geo}." for geo in GEO_PREFIXES))
    assert ref.model_id.count(":") <= 1 and ref.model_id.split(".")[0] not in GEO_PREFIXES
    assert (ref.geo is not None) == profile and model_id.startswith(ref.model_id) != profile
    [found] = find_models(f'MODEL="{model_id}"')
    assert (found.ref.raw, found.ref.model_id, found.ref.geo) == (model_id, ref.model_id, ref.geo)


@pytest.mark.parametrize(("text", "geo", "reach", "region"), [
    ("eu.anthropic.claude-3-5-sonnet-20240620-v1:0", "eu", "eu", None),
    ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "global", EVERY_REGION, None),
    ("anthropic.claude-3-haiku-20240307-v1:0", None, None, None),
    ("arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", None, EVERY_REGION, None),
    ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", None, None, "us-east-1"),
    ("arn:aws:bedrock:*:123456789012:inference-profile/apac.amazon.nova-pro-v1:0", "apac", "apac", None),
])
def test_reach_of_profiles_and_arns(text, geo, reach, region):
    ref = parse_model(text)
    assert ref is not None and (ref.geo, ref.reach, ref.region) == (geo, reach, region)


@pytest.mark.parametrize(("geo", "region", "inside"), [
    ("eu", "eu-central-2", True), ("eu", "us-east-1", False), ("us", "us-west-2", True),
    ("us", "us-gov-west-1", False), ("us-gov", "us-gov-east-1", True), ("apac", "ap-south-1", True),
    ("jp", "ap-northeast-1", True), ("jp", "ap-northeast-2", False), ("au", "ap-southeast-2", True),
    ("in", "ap-south-2", True), ("in", "ap-southeast-1", False), ("ca", "ca-central-1", True),
    ("global", "sa-east-1", True),
])
def test_geographies(geo, region, inside):
    assert in_geography(geo, region) is inside
