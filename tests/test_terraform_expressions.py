"""for-expressions, splats, dynamic blocks, optional() defaults, for_each/count instances,
indexed references and terraform.workspace, each at its file and line."""

from __future__ import annotations

from pathlib import Path

from conftest import by_rule, scan_json


def _refs(report: dict, attribute: str) -> list[tuple[str, int, str | None, int | None]]:
    return [(r["file"], r["line"], r["model_id"], (r["origin"] or {}).get("line"))
            for r in report["references"] if r["attribute"] == attribute]


def _scan(tf_fixture) -> dict:
    return scan_json(tf_fixture("expressions"), "--as-of", "2026-12-01")[1]


def test_for_each_instances_with_an_optional_default(tf_fixture):
    # `triage` sets no model: the type's optional() default is its model.
    assert _refs(_scan(tf_fixture), "foundation_model")[:2] == [
        ("main.tf", 49, "anthropic.claude-v2:1", 10),
        ("main.tf", 49, "anthropic.claude-3-haiku-20240307-v1:0", 7),  # written in the type
    ]


def test_dynamic_blocks_with_the_default_and_a_custom_iterator(tf_fixture):
    refs = _refs(_scan(tf_fixture), "variant.model_id")
    assert refs == [
        ("main.tf", 60, "amazon.titan-text-lite-v1", 26),
        ("main.tf", 60, "meta.llama3-70b-instruct-v1:0", 26),
        ("main.tf", 74, "amazon.titan-text-lite-v1", 26),
        ("main.tf", 74, "meta.llama3-70b-instruct-v1:0", 26),
    ]


def test_a_for_expression_in_a_policy_document(tf_fixture):
    assert _refs(_scan(tf_fixture), "statement.resources") == [
        ("main.tf", 83, "cohere.command-r-v1:0", 38),
        ("main.tf", 83, "mistral.mistral-small-2402-v1:0", 38),
    ]


def test_indexed_references_splats_and_the_workspace(tf_fixture):
    report = _scan(tf_fixture)
    # One instance by its key: only its model.
    assert _refs(report, "environment.variables.SUPPORT_MODEL") == [("main.tf", 96, "anthropic.claude-v2:1", 10)]
    assert [r[2] for r in _refs(report, "environment.variables.ALL_MODELS")] == [
        "anthropic.claude-v2:1", "anthropic.claude-3-haiku-20240307-v1:0"]
    assert [r[2] for r in _refs(report, "environment.variables.VARIANT_MODELS")] == [
        "amazon.titan-text-lite-v1", "meta.llama3-70b-instruct-v1:0"]
    # A map looked up by the workspace: every workspace's model.
    assert _refs(report, "environment.variables.STAGE_MODEL") == [
        ("main.tf", 99, "amazon.titan-text-express-v1", 40),
        ("main.tf", 99, "anthropic.claude-3-5-sonnet-20240620-v1:0", 41),
    ]


def test_a_null_default_reaching_a_model_attribute_is_bdr005(tf_fixture):
    notes = [(f["line"], f["message"]) for f in by_rule(_scan(tf_fixture), "BDR005")]
    assert notes == [(107, "model in foundation_model cannot be resolved: "
                           "variable `fallback_model` defaults to null and no value was given.")]


AGENT = '''resource "aws_bedrockagent_agent" "a" {{
  {meta}
  agent_name       = "a"
  foundation_model = {value}
}}
'''


def test_an_unknown_for_each_is_one_instance_with_every_candidate(tmp_path: Path):
    (tmp_path / "main.tf").write_text('variable "teams" {}\n' + AGENT.format(
        meta="for_each = var.teams",
        value='try(each.value.model, "anthropic.claude-3-haiku-20240307-v1:0")'))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert [(r["line"], r["model_id"]) for r in report["references"]] == [
        (5, "anthropic.claude-3-haiku-20240307-v1:0")]


def test_count_index_picks_from_a_list(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'locals {\n  models = ["amazon.titan-text-express-v1", "meta.llama3-8b-instruct-v1:0"]\n}\n'
        + AGENT.format(meta="count = length(local.models)", value="local.models[count.index]")
        + 'output "first" {\n  value = aws_bedrockagent_agent.a[0].foundation_model\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert [(r["line"], r["model_id"], r["origin"]["line"]) for r in report["references"]] == [
        (7, "amazon.titan-text-express-v1", 2), (7, "meta.llama3-8b-instruct-v1:0", 2)]


def test_module_instances_by_key(tmp_path: Path):
    (tmp_path / "modules" / "agent").mkdir(parents=True)
    (tmp_path / "modules" / "agent" / "main.tf").write_text(
        'variable "model" {}\n' + AGENT.format(meta="", value="var.model")
        + 'output "model" {\n  value = aws_bedrockagent_agent.a.foundation_model\n}\n')
    (tmp_path / "main.tf").write_text(
        'module "agent" {\n  source   = "./modules/agent"\n  for_each = {\n'
        '    chat  = "anthropic.claude-3-haiku-20240307-v1:0"\n    embed = "cohere.command-r-v1:0"\n  }\n'
        '  model = each.value\n}\n\n'
        'resource "aws_ssm_parameter" "chat" {\n  name  = "/chat/model"\n  type  = "String"\n'
        '  value = module.agent["chat"].model\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    refs = [(r["file"], r["line"], r["model_id"], r["origin"]["chain"]) for r in report["references"]]
    assert ("modules/agent/main.tf", 5, "anthropic.claude-3-haiku-20240307-v1:0",
            ["module.agent argument model", "var.model"]) in refs
    assert ("modules/agent/main.tf", 5, "cohere.command-r-v1:0",
            ["module.agent argument model", "var.model"]) in refs
    ssm = [r for r in refs if r[0] == "main.tf"]
    assert [r[:3] for r in ssm] == [("main.tf", 13, "anthropic.claude-3-haiku-20240307-v1:0"),
                                    ("main.tf", 13, "cohere.command-r-v1:0")]


def test_a_module_argument_is_a_step_of_the_origin_and_its_suppression_applies(tf_fixture):
    _, report = scan_json(tf_fixture("module-arguments"), "--as-of", "2026-12-01")
    origins = {r["resource"]: r["origin"] for r in report["references"]}
    assert origins["module.billing.aws_bedrockagent_agent.this"] == {
        "file": "terraform.tfvars", "line": 1,
        "chain": ["terraform.tfvars: legacy_model", "var.legacy_model", "module.billing argument model", "var.model"],
        "steps": [{"file": "main.tf", "line": 13}]}
    assert origins["module.orders.aws_bedrockagent_agent.this"]["steps"] == [{"file": "main.tf", "line": 19}]
    eol = {f["resource"]: (f["file"], f["line"], f["suppressed"]) for f in by_rule(report, "BDR001")}
    # The comment above `model = var.legacy_model` covers the billing instance only.
    assert eol == {"module.billing.aws_bedrockagent_agent.this": ("modules/assistant/main.tf", 12, True),
                   "module.orders.aws_bedrockagent_agent.this": ("modules/assistant/main.tf", 12, False)}


def test_model_ids_as_keys_of_a_lookup_map_are_mentions(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'locals {\n  dimensions = {\n    "amazon.titan-embed-text-v2:0" = 1024\n'
        '    "cohere.embed-english-v3"      = 1024\n  }\n'
        '  embedding = "amazon.titan-embed-text-v2:0"\n}\n\n'
        'resource "aws_ssm_parameter" "dimension" {\n  name  = "/kb/dimension"\n  type  = "String"\n'
        '  value = local.dimensions[local.embedding]\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert [(m["line"], m["raw"]) for m in report["mentions"]] == [
        (3, "amazon.titan-embed-text-v2:0"), (4, "cohere.embed-english-v3")]
    assert all(m["reason"].startswith("map key") for m in report["mentions"])
    assert not [f for f in by_rule(report, "BDR005") if f["line"] in (3, 4)]
