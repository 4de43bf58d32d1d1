"""The prefilter skips only what cannot hold a model reference (issue: speed at scale)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import by_rule, cli, scan_json

from validator.prefilter import mentions_model, relevant_roots

LAMBDA = '''variable "model" {}
resource "aws_lambda_function" "f" {
  function_name = "f"
  environment {
    variables = { MODEL_ID = var.model }
  }
}
'''


def test_needles():
    assert mentions_model(b'foundation_model = "US.ANTHROPIC.CLAUDE-V2"')
    assert mentions_model(b'resource "awscc_bedrockagent_agent" "x" {}')
    assert not mentions_model(b'resource "aws_s3_bucket" "b" { bucket = "amazon-logs" }')


def test_model_given_on_the_command_line_reaches_a_tree_without_model_text(tmp_path: Path):
    (tmp_path / "main.tf").write_text(LAMBDA)
    _, skipped = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    _, given = scan_json(str(tmp_path), "--as-of", "2024-03-01", "--var", "model=anthropic.claude-v1")
    assert skipped["references"] == []
    assert [f["line"] for f in by_rule(given, "BDR001")] == [5]


def test_model_in_a_callers_tfvars_makes_the_called_module_relevant(tmp_path: Path):
    (tmp_path / "modules" / "fn").mkdir(parents=True)
    (tmp_path / "modules" / "fn" / "main.tf").write_text(LAMBDA)
    (tmp_path / "live").mkdir()
    (tmp_path / "live" / "main.tf").write_text(
        'variable "m" {}\nmodule "fn" {\n  source = "../modules/fn"\n  model = var.m\n}\n')
    (tmp_path / "live" / "terraform.tfvars").write_text('m = "anthropic.claude-v1"\n')
    roots, spanned = relevant_roots([tmp_path / "live", tmp_path / "modules" / "fn"], always=False)
    assert roots == [tmp_path / "live"] and tmp_path / "modules" / "fn" in spanned
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert [(f["file"], f["resource"]) for f in by_rule(report, "BDR001")] == [
        ("modules/fn/main.tf", "module.fn.aws_lambda_function.f")
    ]


def test_trees_without_model_text_are_not_parsed(tmp_path: Path):
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "logs"\n')
    (tmp_path / "chat").mkdir()
    (tmp_path / "chat" / "main.tf").write_text('resource "aws_bedrockagent_agent" "a" {\n  foundation_model = \n')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert [f["file"] for f in by_rule(report, "BDR000")] == ["chat/main.tf"]
    assert report["summary"]["files_scanned"] == 2


def test_template_read_with_templatefile_counts(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = templatefile("${path.module}/p.tpl", {})\n}\n')
    (tmp_path / "p.tpl").write_text('{"Resource": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v1"}')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert [f["line"] for f in by_rule(report, "BDR001")] == [2]


def test_a_file_the_prefilter_may_not_read_counts_as_model_text(tmp_path: Path, monkeypatch):
    # Unreadable is not "no model": the tree is parsed, and the parser reports what it cannot read.
    import os

    from validator import prefilter

    (tmp_path / "main.tf").write_text('locals {\n  prompt = file("prompt.txt")\n}\n')
    (tmp_path / "prompt.txt").write_text("Use anthropic.claude-v1 for this.\n")
    real_stat = os.stat

    def denied(path, *args, **kwargs):
        if str(path).endswith("prompt.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(prefilter.os, "stat", denied)
    assert relevant_roots([tmp_path], always=False)[0] == [tmp_path]


def _scan_targets() -> list[Path]:
    """Every fixture tree and template the scan can be pointed at."""
    from conftest import FIXTURES

    targets = [p for p in sorted((FIXTURES / "terraform").iterdir()) if p.is_dir()]
    targets += sorted(p for p in (FIXTURES / "cloudformation").rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    return targets


def _references(target: Path) -> set[tuple[str, int, str]]:
    code, out, _ = cli("scan", str(target), "--as-of", "2026-12-01", "--format", "json")
    if code == 2:  # nothing to scan there
        return set()
    return {(r["file"], r["line"], r["raw"]) for r in json.loads(out)["references"]}


def test_every_reference_found_without_the_prefilter_is_found_with_it(monkeypatch):
    from validator import prefilter

    with_prefilter = {target: _references(target) for target in _scan_targets()}
    monkeypatch.setattr(prefilter, "mentions_model", lambda _data: True)
    for target, found in with_prefilter.items():
        assert _references(target) <= found, target


def test_a_model_id_built_from_pieces_is_found():
    from conftest import FIXTURES

    assert {raw for _, _, raw in _references(FIXTURES / "terraform" / "pieces")} == {
        "anthropic.claude-v2", "amazon.titan-text-express-v1", "cohere.embed-english-v3", "meta.llama2-13b-chat-v1"}
    assert {raw for _, _, raw in _references(FIXTURES / "cloudformation" / "pieces.yaml")} == {
        "anthropic.claude-v2", "amazon.titan-text-express-v1"}


def test_provider_words_count_alone_but_not_inside_other_words():
    assert mentions_model(b'variable "provider" { default = "anthropic" }')
    assert mentions_model(b"SUMMARY_MODEL: !Join ['.', [amazon, titan-text-express-v1]]")
    assert mentions_model(b'x = "cohere\\u002eembed-english-v3"')
    assert not mentions_model(b'endpoint = "https://s3.amazonaws.com"\nmetadata_options { http_tokens = "required" }')


ENV_READER = '''provider "aws" {
  region = "us-east-1"
}

locals {
  cfg = jsondecode(file(%s))
}

resource "aws_lambda_function" "f" {
  function_name = "f"
  environment {
    variables = { MODEL_ID = local.cfg.model }
  }
}
'''


def test_a_file_read_from_outside_the_module_directory_counts(tmp_path: Path):
    # A `..` path is inside the project root, so the parse reads it: the prefilter must not skip the root.
    (tmp_path / "infra").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(ENV_READER % '"${path.module}/../templates/env.json"')
    (tmp_path / "templates" / "env.json").write_text('{"model": "anthropic.claude-3-haiku-20240307-v1:0"}\n')
    code, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert code != 0
    assert [(f["file"], f["line"]) for f in by_rule(report, "BDR001")] == [("infra/main.tf", 12)]


def test_a_file_call_whose_target_is_not_a_literal_counts(tmp_path: Path):
    for argument in ('"${path.module}/${local.name}.json"', 'format("%s/env.json", path.module)'):
        (tmp_path / "main.tf").write_text(ENV_READER % argument)
        assert relevant_roots([tmp_path], always=False)[0] == [tmp_path], argument


def test_a_literal_file_without_model_text_does_not_count(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = file("${path.module}/p.json")\n}\n'
        'output "ok" {\n  value = fileexists("p.json")\n}\n')
    (tmp_path / "p.json").write_text('{"Resource": "*"}')
    assert relevant_roots([tmp_path], always=False)[0] == []
