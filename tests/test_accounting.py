"""The accounting invariant (SPEC 5): every model literal in a scanned file is a reference
at its line, a step of a reference's origin, or a mention with its reason; what nothing
settles is a reference of its own with a BDR005 note. Non-model Bedrock ARNs (agents,
jobs, guardrails ...) are never references (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import by_rule, scan_json

AS_OF = "2026-12-01"


def scan(tmp_path: Path, files: dict[str, str], *args: str) -> dict[str, Any]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return scan_json(str(tmp_path), "--as-of", AS_OF, "--region", "us-east-1", *args)[1]


def mentions(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(m["file"], m["line"], m["reason"]) for m in report["mentions"]]


def refs(report: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    return [(r["file"], r["line"], r["model_id"]) for r in report["references"]]


TF_QUIET = '''# anthropic.claude-v2 was the first model here
variable "model" {
  description = "Model ID, for example anthropic.claude-3-haiku-20240307-v1:0"
  default     = "anthropic.claude-v2:1"
  validation {
    condition     = var.model != "anthropic.claude-instant-v1"
    error_message = "No instant."
  }
}

resource "aws_bedrockagent_agent" "a" {
  agent_name       = "a"
  description      = "Runs amazon.titan-text-express-v1"
  foundation_model = "anthropic.claude-3-5-sonnet-20240620-v1:0" // was meta.llama3-8b-instruct-v1:0
  tags = {
    model = "cohere.command-text-v14"
  }
}

output "model" {
  value = "amazon.nova-lite-v1:0"
}
'''


def test_text_that_deploys_nothing_is_a_mention_with_its_reason(tmp_path: Path):
    report = scan(tmp_path, {"main.tf": TF_QUIET})
    assert mentions(report) == [
        ("main.tf", 1, "comment"),
        ("main.tf", 3, "variable description"),
        ("main.tf", 4, "variable default that no resource uses (overridden, or the variable is not used)"),
        ("main.tf", 6, "variable validation"),
        ("main.tf", 13, "description"),
        ("main.tf", 14, "comment"),
        ("main.tf", 16, "tags"),
        ("main.tf", 21, "output"),
    ]
    assert refs(report) == [("main.tf", 14, "anthropic.claude-3-5-sonnet-20240620-v1:0")]
    assert report["summary"]["mentions"] == 8
    assert not by_rule(report, "BDR005")


def test_a_literal_nothing_follows_is_a_reference_with_a_bdr005_note(tmp_path: Path):
    # A remote module is not downloaded: its argument is still checked where it is written.
    report = scan(tmp_path, {"main.tf": (
        'module "chat" {\n  source = "git::https://example.com/chat.git"\n'
        '  model_id = "anthropic.claude-v2"\n}\n\n'
        'locals {\n  unused = "anthropic.claude-instant-v1"\n}\n')})
    assert ("main.tf", 3, "anthropic.claude-v2") in refs(report)
    assert ("main.tf", 7, "anthropic.claude-instant-v1") in refs(report)
    notes = {(f["line"], f["resource"]) for f in by_rule(report, "BDR005")}
    assert {(1, "module.chat"), (7, "locals")} <= notes
    assert {(f["line"], f["model_id"]) for f in by_rule(report, "BDR001")} == {
        (3, "anthropic.claude-v2"), (7, "anthropic.claude-instant-v1")}


HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


def test_an_arn_with_only_its_region_left_open_is_not_taken_for_another_files_reference(tmp_path: Path):
    # A substitution the state machine never uses names its model whole; that another file
    # uses the same model in another region does not account for it (it was dropped).
    report = scan(tmp_path, {
        "template.yaml": (
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Flow:\n"
            "    Type: AWS::Serverless::StateMachine\n    Properties:\n"
            "      DefinitionUri: sm/flow.asl.json\n      DefinitionSubstitutions:\n"
            f"        ChatModel: !Sub arn:aws:bedrock:${{AWS::Region}}::foundation-model/{HAIKU}\n"),
        "sm/flow.asl.json": (
            '{"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "End": true,\n'
            '  "Resource": "arn:aws:states:::bedrock:invokeModel",\n'
            '  "Parameters": {"ModelId": "amazon.nova-lite-v1:0", "Body": {}}}}}\n'),
        "policy.yaml": (
            "Resources:\n  Invoke:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
            "      PolicyDocument:\n        Statement:\n          - Effect: Allow\n"
            "            Action: bedrock:InvokeModel\n"
            f"            Resource: arn:aws:bedrock:eu-west-1::foundation-model/{HAIKU}\n"),
    })
    assert ("template.yaml", 8, HAIKU) in refs(report)
    assert (8, "Flow") in {(f["line"], f["resource"]) for f in by_rule(report, "BDR005")
                           if f["file"] == "template.yaml"}


def test_an_unused_terraform_arn_with_an_interpolated_region_is_still_checked(tmp_path: Path):
    report = scan(tmp_path, {"main.tf": (
        f'locals {{\n  unused = "arn:aws:bedrock:${{var.region}}::foundation-model/{HAIKU}"\n}}\n\n'
        'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = jsonencode({ Statement = [{\n'
        f'    Resource = "arn:aws:bedrock:eu-west-1::foundation-model/{HAIKU}" }}] }})\n}}\n')})
    assert ("main.tf", 2, HAIKU) in refs(report) and ("main.tf", 8, HAIKU) in refs(report)
    assert [f["line"] for f in by_rule(report, "BDR005")] == [2]


def test_an_entry_not_selected_is_a_mention(tmp_path: Path):
    report = scan(tmp_path, {"main.tf": (
        'variable "env" {\n  default = "prod"\n}\n\nlocals {\n  models = {\n'
        '    prod    = "anthropic.claude-3-5-sonnet-20240620-v1:0"\n'
        '    staging = "anthropic.claude-v2:1"\n  }\n}\n\n'
        'resource "aws_bedrockagent_agent" "a" {\n  agent_name       = "a"\n'
        '  foundation_model = local.models[var.env]\n}\n')})
    [ref] = report["references"]
    # The origin is the entry's own line, not the map's.
    assert (ref["line"], ref["origin"]["line"], ref["model_id"]) == (14, 7, "anthropic.claude-3-5-sonnet-20240620-v1:0")
    assert [(m["line"], m["reason"].split(" (")[0]) for m in report["mentions"]] == [
        (8, "another entry of the same value is the one used")]


CFN_QUIET = '''AWSTemplateFormatVersion: "2010-09-09"
Description: Chat stack on anthropic.claude-3-5-sonnet-20240620-v1:0
Metadata:
  Previous: anthropic.claude-v2
Parameters:
  Model:
    Type: String
    Default: anthropic.claude-3-haiku-20240307-v1:0
    Description: for example amazon.titan-text-express-v1
Conditions:
  IsOld: !Equals [!Ref Model, anthropic.claude-instant-v1]
Mappings:
  Models:
    us-east-1: {Id: amazon.nova-lite-v1:0}
    eu-west-1: {Id: amazon.nova-pro-v1:0}
Resources:
  Agent:
    Type: AWS::Bedrock::Agent
    # used to be meta.llama3-8b-instruct-v1:0
    Metadata:
      Note: cohere.command-text-v14
    Properties:
      AgentName: a
      Description: Calls cohere.command-r-v1:0
      FoundationModel: !Ref Model
      Tags:
        model: cohere.command-r-plus-v1:0
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          MODEL: !FindInMap [Models, !Ref "AWS::Region", Id]
Outputs:
  Model:
    Value: mistral.mistral-large-2402-v1:0
'''


def test_cloudformation_text_that_deploys_nothing_is_a_mention(tmp_path: Path):
    report = scan(tmp_path, {"t.yaml": CFN_QUIET})
    assert [(line, reason) for _, line, reason in mentions(report)] == [
        (2, "description"), (4, "template metadata"), (9, "parameter description"), (11, "condition"),
        (15, "mapping entry that no resource selects (another region or key)"),
        (19, "comment"), (21, "resource metadata"), (24, "description"), (27, "tags"), (36, "output")]
    # The mapping is looked up by the stack's region (us-east-1): the other entry deploys nothing.
    assert sorted(refs(report)) == [
        ("t.yaml", 25, "anthropic.claude-3-haiku-20240307-v1:0"), ("t.yaml", 33, "amazon.nova-lite-v1:0")]


NON_MODEL_KINDS = ("model-customization-job", "agent", "agent-alias", "knowledge-base", "guardrail", "flow",
                   "flow-alias", "prompt", "data-automation-project", "async-invoke", "evaluation-job",
                   "model-evaluation-job", "model-invocation-job", "model-copy-job", "model-import-job")


@pytest.mark.parametrize("kind", NON_MODEL_KINDS)
def test_a_non_model_bedrock_arn_is_not_a_reference(kind: str, tmp_path: Path):
    policy = (f'data "aws_iam_policy_document" "p" {{\n  statement {{\n    actions   = ["bedrock:*"]\n'
              f'    resources = ["arn:aws:bedrock:us-east-1:${{var.account}}:{kind}/*",\n'
              f'                 "arn:aws:bedrock:*:123456789012:{kind}/${{var.id}}",\n'
              f'      "arn:aws:bedrock:us-east-1:123456789012:{kind}/amazon.titan-text-express-v1:0:8k/x1"]\n'
              '  }\n}\n')
    report = scan(tmp_path, {"main.tf": 'variable "account" {}\nvariable "id" {}\n' + policy})
    assert report["references"] == [] and report["findings"] == []
    assert [(m["line"], m["reason"]) for m in report["mentions"]] == [(8, f"{kind} ARN: names no model to call")]


MODEL_ARNS = {
    "foundation-model": ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", "anthropic.claude-v2"),
    "inference-profile": ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0",
                          "amazon.nova-lite-v1:0"),
    "application-inference-profile": (
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6", None),
    "custom-model": ("arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/a1b2c3",
                     "amazon.titan-text-express-v1:0"),
    "imported-model": ("arn:aws:bedrock:us-east-1:123456789012:imported-model/a1b2c3d4e5f6", None),
    "provisioned-model": ("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1b2c3d4e5f6", None),
    "custom-model-deployment": ("arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/a1b2c3d4e5f6", None),
    "default-prompt-router": ("arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1",
                              None),
    "prompt-router": ("arn:aws:bedrock:us-east-1:123456789012:prompt-router/a1b2c3d4e5f6", None),
    "marketplace-endpoint": ("arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-model-endpoint", None),
}


@pytest.mark.parametrize("kind", sorted(MODEL_ARNS))
def test_a_model_arn_is_a_reference(kind: str, tmp_path: Path):
    arn, model_id = MODEL_ARNS[kind]
    report = scan(tmp_path, {"main.tf": (
        f'resource "aws_bedrockagent_agent" "a" {{\n  agent_name       = "a"\n  foundation_model = "{arn}"\n}}\n')})
    assert [(r["line"], r["raw"], r["model_id"]) for r in report["references"]] == [(3, arn, model_id)]
    assert report["mentions"] == []


@pytest.mark.parametrize("kind", ["foundation-model", "inference-profile", "custom-model"])
def test_a_model_arn_with_an_unknown_model_is_a_bdr005_note(kind: str, tmp_path: Path):
    arn = MODEL_ARNS[kind][0].replace("123456789012", "${var.account}").replace("::", ":${var.account}:")
    rest = arn.split(f"{kind}/")[0] + f"{kind}/${{var.id}}"
    report = scan(tmp_path, {"main.tf": (
        'variable "account" {}\nvariable "id" {}\n'
        f'resource "aws_iam_policy" "p" {{\n  policy = jsonencode({{ Resource = "{rest}" }})\n}}\n')})
    assert [f["line"] for f in by_rule(report, "BDR005")] == [4]


def test_a_definition_file_no_template_reads_is_still_checked():
    # CDK source (`DefinitionBody.fromFile`) or the SDK deploys flows/summarise.asl.json; no
    # scanned template reads it, so its model is a reference of its own (BDR005 says why)
    # and its comment a mention. The files a template or a configuration reads are
    # accounted through them, once.
    from conftest import FIXTURES

    _, report = scan_json(str(FIXTURES / "cloudformation" / "definition-files"), "--as-of", AS_OF)
    assert [(r["file"], r["line"], r["column"], r["resource"], r["attribute"]) for r in report["references"]] == [
        ("flows/classify.asl.yaml", 8, 16, "ClassifyFlow", "Definition.States.Classify.Parameters.ModelId"),
        ("flows/summarise.asl.json", 9, 21, "summarise.asl.json", "States.Summarise"),
        ("infra/main.tf", 4, 3, "aws_sfn_state_machine.route", "definition"),
        ("infra/main.tf", 4, 3, "aws_sfn_state_machine.route", "definition"),
    ]
    assert mentions(report) == [("flows/summarise.asl.json", 2, "comment in a state machine definition")]
    assert [(f["file"], f["line"]) for f in by_rule(report, "BDR001")] == [
        ("flows/classify.asl.yaml", 8), ("flows/summarise.asl.json", 9), ("infra/main.tf", 4), ("infra/main.tf", 4)]
    assert [(f["file"], f["line"]) for f in by_rule(report, "BDR005")] == [("flows/summarise.asl.json", 9)]
