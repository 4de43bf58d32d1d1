"""Override files merged as Terraform merges them (validator/terraform/override.py)."""

from __future__ import annotations

from conftest import scan_json

from validator.terraform.override import is_override


def test_override_file_names():
    assert [is_override(n) for n in ("override.tf", "dev_override.tf", "override.tf.json",
                                     "x_override.tf.json", "overrides.tf", "override_x.tf", "main.tf")] == [
        True, True, True, True, False, False, False]


def test_overriding_attributes_nested_blocks_variables_and_locals(tf_fixture):
    _, report = scan_json(tf_fixture("override"), "--as-of", "2026-12-01")
    refs = [(r["file"], r["line"], r["model_id"], r["origin"] and (r["origin"]["file"], r["origin"]["line"]))
            for r in report["references"]]
    assert refs == [
        ("main.tf", 32, "meta.llama3-70b-instruct-v1:0", ("override.tf", 13)),
        ("main.tf", 41, "amazon.titan-embed-text-v2:0", ("embeddings_override.tf.json", 3)),
        ("override.tf", 2, "anthropic.claude-3-5-sonnet-20240620-v1:0", None),
        ("override.tf", 7, "anthropic.claude-3-haiku-20240307-v1:0", None),
    ]
    # The replaced text deploys nothing: main.tf lines 7, 11, 18 and 24 are no longer uses.
    assert not [r for r in report["references"] if r["model_id"] in (
        "anthropic.claude-v2", "amazon.titan-embed-text-v1", "anthropic.claude-instant-v1", "anthropic.claude-v2:1")]


def test_an_override_of_nothing_keeps_its_model(tmp_path):
    (tmp_path / "main.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n')
    (tmp_path / "override.tf").write_text(
        'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = "anthropic.claude-v2"\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert [(r["file"], r["line"]) for r in report["references"]] == [("override.tf", 2)]
