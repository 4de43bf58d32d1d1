"""Terraform resolution across files, modules and resources (SPEC section 5, Resolution)."""

from __future__ import annotations

from pathlib import Path

from conftest import by_rule, scan_json

TFVARS_CHAIN = ["terraform.tfvars: assistant_model_id", "var.assistant_model_id",
                "module.assistant argument model_id", "var.model_id"]


def refs_of(report, resource):
    return [r for r in report["references"] if r["resource"] == resource]


def test_tfvars_value_flows_through_a_module_to_both_use_sites(tf_fixture):
    _, report = scan_json(tf_fixture("modules"), "--as-of", "2025-09-01")
    agent = refs_of(report, "module.assistant.aws_bedrockagent_agent.this")
    policy = refs_of(report, "module.assistant.data.aws_iam_policy_document.invoke")
    for refs, line in ((agent, 6), (policy, 17)):
        [ref] = refs
        assert (ref["file"], ref["line"], ref["model_id"]) == (
            "modules/assistant/main.tf", line, "anthropic.claude-3-5-sonnet-20240620-v1:0")
        assert ref["origin"] == {"file": "envs/prod/terraform.tfvars", "line": 2, "chain": TFVARS_CHAIN,
                                 "steps": [{"file": "envs/prod/main.tf", "line": 12}]}


def test_provider_passed_to_a_module_sets_its_region(tf_fixture):
    _, report = scan_json(tf_fixture("modules"), "--as-of", "2025-09-01")
    [agent] = refs_of(report, "module.assistant.aws_bedrockagent_agent.this")
    [ssm] = refs_of(report, "aws_ssm_parameter.default_model")
    assert (agent["region"], ssm["region"]) == ("us-west-2", "us-east-1")


def test_nested_module_uses_its_callers_default(tf_fixture):
    _, report = scan_json(tf_fixture("modules"), "--as-of", "2025-09-01")
    [kb] = refs_of(report, "module.assistant.module.kb.aws_bedrockagent_knowledge_base.this")
    assert kb["model_id"] == "amazon.titan-embed-text-v1"
    assert kb["origin"]["chain"] == ["variable embedding_model_id default", "module.kb argument embedding_model",
                                     "var.embedding_model"]


def test_module_output_and_resource_attribute_are_followed(tf_fixture):
    _, report = scan_json(tf_fixture("modules"), "--as-of", "2025-09-01")
    [ssm] = refs_of(report, "aws_ssm_parameter.default_model")
    assert ssm["model_id"] == "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert ssm["origin"]["chain"][-2:] == [
        "aws_bedrockagent_agent.this.foundation_model", "module.assistant.agent_model"
    ]


def test_called_module_is_not_also_scanned_with_its_defaults(tf_fixture):
    _, report = scan_json(tf_fixture("modules"), "--as-of", "2025-09-01")
    assert not [r for r in report["references"] if r["model_id"] == "anthropic.claude-3-haiku-20240307-v1:0"]


def test_module_scanned_on_its_own_uses_its_defaults(tf_fixture):
    _, report = scan_json(tf_fixture("modules") + "/modules/assistant", "--as-of", "2025-09-01")
    [agent] = refs_of(report, "aws_bedrockagent_agent.this")
    assert agent["model_id"] == "anthropic.claude-3-haiku-20240307-v1:0" and agent["file"] == "main.tf"


def test_remote_module_not_downloaded_is_bdr005_only_when_model_related(tf_fixture):
    _, report = scan_json(tf_fixture("modules"), "--as-of", "2025-09-01")
    unresolved = by_rule(report, "BDR005")
    assert [(f["resource"], f["line"]) for f in unresolved] == [("module.bedrock_agent", 25)]
    assert "aws-ia/bedrock/aws" in unresolved[0]["message"]
    [argument] = [f for f in by_rule(report, "BDR001") if f["resource"] == "module.bedrock_agent"]
    assert (argument["line"], argument["model_id"]) == (28, "anthropic.claude-v2")


def test_downloaded_module_is_followed_through_modules_json(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'module "bot" {\n  source = "acme/bot/aws"\n  model = "anthropic.claude-v1"\n}\n')
    installed = tmp_path / ".terraform" / "modules" / "bot"
    installed.mkdir(parents=True)
    (installed / "main.tf").write_text(
        'variable "model" {}\nresource "aws_bedrockagent_agent" "a" {\n  foundation_model = var.model\n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules": [{"Key": "", "Source": "", "Dir": "."}, '
        '{"Key": "bot", "Source": "registry.terraform.io/acme/bot/aws", "Dir": ".terraform/modules/bot"}]}')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    [eol] = by_rule(report, "BDR001")
    assert (eol["resource"], eol["file"], eol["line"]) == ("module.bot.aws_bedrockagent_agent.a",
                                                           ".terraform/modules/bot/main.tf", 3)
    assert not by_rule(report, "BDR005")


def test_custom_model_from_data_source_commitment_outlives_base(tf_fixture):
    _, report = scan_json(tf_fixture("custom-model"), "--as-of", "2024-05-01")
    [outlives] = by_rule(report, "BDR003")
    assert (outlives["resource"], outlives["line"], outlives["usage"]) == (
        "aws_bedrock_provisioned_model_throughput.support_tone", 27, "provisioned-custom")
    assert outlives["model_id"] == "meta.llama2-13b-chat-v1"
    [alias] = refs_of(report, "aws_bedrockagent_agent_alias.live")
    assert alias["usage"] == "provisioned-custom" and alias["model_id"] == "meta.llama2-13b-chat-v1"


def test_for_each_gives_a_reference_per_distinct_value(tf_fixture):
    _, report = scan_json(tf_fixture("for-each"), "--as-of", "2025-08-01")
    models = sorted(r["model_id"] for r in refs_of(report, "aws_bedrockagent_agent.team"))
    assert models == ["anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-v2"]
    assert [f["model_id"] for f in by_rule(report, "BDR001")] == ["anthropic.claude-v2"]


def test_tf_json_with_tfvars_json(tf_fixture):
    _, report = scan_json(tf_fixture("tfjson"), "--as-of", "2025-10-01")
    found = {(f["resource"], f["line"], f["model_id"]) for f in by_rule(report, "BDR001")}
    assert found == {
        ("aws_bedrockagent_agent.support", 13, "anthropic.claude-instant-v1"),
        ("aws_bedrock_prompt_router.router", 20, "anthropic.claude-v2:1"),
    }
    [agent] = refs_of(report, "aws_bedrockagent_agent.support")
    assert agent["origin"]["file"] == "terraform.tfvars.json" and agent["region"] == "us-east-1"


def test_tf_var_environment_and_var_file(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'variable "m" {}\nresource "aws_bedrockagent_agent" "a" {\n  foundation_model = var.m\n}\n')
    _, from_env = scan_json(str(tmp_path), "--as-of", "2024-03-01", env={"TF_VAR_m": "anthropic.claude-v1"})
    assert [f["origin"]["chain"][0] for f in by_rule(from_env, "BDR001")] == ["TF_VAR_m"]
    var_file = tmp_path / "prod.tfvars"
    var_file.write_text('m = "anthropic.claude-v1"\n')
    _, from_file = scan_json(str(tmp_path), "--as-of", "2024-03-01", "--var-file", str(var_file))
    assert [f["origin"]["line"] for f in by_rule(from_file, "BDR001")] == [1]


def test_auto_tfvars_win_over_terraform_tfvars(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'variable "m" {}\nresource "aws_bedrockagent_agent" "a" {\n  foundation_model = var.m\n}\n')
    (tmp_path / "terraform.tfvars").write_text('m = "anthropic.claude-v2"\n')
    (tmp_path / "prod.auto.tfvars").write_text('m = "anthropic.claude-v1"\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    [ref] = report["references"]
    assert ref["model_id"] == "anthropic.claude-v1" and ref["origin"]["file"] == "prod.auto.tfvars"


def test_templatefile_file_and_jsonencode_are_scanned(tf_fixture):
    _, report = scan_json(tf_fixture("templates"), "--as-of", "2025-09-01")
    found = {(f["resource"], f["line"], f["model_id"]) for f in by_rule(report, "BDR001")}
    assert found == {
        ("aws_iam_policy.invoke", 6, "anthropic.claude-v2"),
        ("aws_iam_policy.static", 10, "anthropic.claude-v1"),
        ("aws_sfn_state_machine.sm", 22, "anthropic.claude-v2"),  # at its interpolation
    }


def test_awscc_nested_attributes_are_model_attributes(tf_fixture):
    _, report = scan_json(tf_fixture("awscc"), "--as-of", "2026-04-01")
    refs = {(r["resource"], r["attribute"], r["line"]): r for r in report["references"]}
    prompt = "prompt_override_configuration.prompt_configurations.foundation_model"
    agent = refs[("awscc_bedrock_agent.concierge", prompt, 16)]
    assert agent["model_id"] == "anthropic.claude-3-haiku-20240307-v1:0"
    inline = "definition.nodes.configuration.prompt.source_configuration.inline.model_id"
    flow = refs[("awscc_bedrock_flow.triage", inline, 34)]
    assert flow["model_id"] == "anthropic.claude-v2"
    sonnet = refs[("awscc_bedrock_agent.concierge", "foundation_model", 11)]
    assert (sonnet["region"], sonnet["lifecycle"]) == ("eu-central-2", "extended-access")


def test_replacement_that_is_not_active_is_not_recommended(tf_fixture):
    _, report = scan_json(tf_fixture("templates"), "--as-of", "2025-09-01")
    [static] = [f for f in by_rule(report, "BDR001") if f["resource"] == "aws_iam_policy.static"]
    assert "Replace with" not in static["message"] and static["replacement"] is None
    assert "No version down its replacement chain (anthropic.claude-v2:1) is Active" in static["message"]
