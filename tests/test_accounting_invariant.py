"""The accounting invariant (SPEC 5) as a property over every fixture, the examples and
generated trees: each model literal a plain text search finds in a scanned file is, in the
report, a reference at its line, an origin at its line, or a mention at its line.

The text search here is deliberately independent of the scanner's own patterns: it is
the `grep` a reviewer would run. A value written over several lines and used at its
attribute's line (a `jsonencode` object, a map default) counts when the reference or
origin at that attribute holds the literal and the lines between belong to it (deeper
indentation or closing brackets).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.catalog import load_catalog
from validator.cloudformation.template import looks_like_template
from validator.config import Settings
from validator.discover import classify
from validator.model import Report
from validator.scan import run_scan
from validator.terraform.load import is_auto_tfvars
from validator.terraform.plan import looks_like_plan

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog()
AS_OF = date(2026, 12, 1)
GREP = re.compile(
    r"(?<![A-Za-z0-9_.-])(?:(?:us-gov|us|eu|apac|jp|au|ca|in|global)\.)?"
    r"(?:anthropic|amazon|meta|cohere|ai21|mistral|stability|deepseek|openai|qwen|writer|twelvelabs|luma)"
    r"\.[a-z0-9][a-z0-9.:-]*"
)
# `amazon.com`, `meta.data`: the shape without a version, a digit or a dash is no model ID.
VERSIONED = re.compile(r"\.[^.]*[-0-9:]")


@dataclass(frozen=True)
class Literal:
    file: str
    line: int
    text: str


def grep(file: str, text: str) -> list[Literal]:
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        for m in GREP.finditer(line):
            if VERSIONED.search(m.group(0)):
                out.append(Literal(file, number, m.group(0).rstrip(".:-")))
    return out


def scanned(directory: Path) -> dict[str, str]:
    """The files the scan parses line by line, by report name: Terraform, auto-loaded
    tfvars, CloudFormation templates and plans (files read by file() are accounted by
    value, and other tfvars only with --var-file)."""
    out = {}
    for path in sorted(directory.rglob("*")):
        kind = classify(path.name)
        if not path.is_file() or kind is None or (kind == "tfvars" and not is_auto_tfvars(path.name)):
            continue
        if ".terraform" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if kind == "structured" and not (looks_like_template(text) or looks_like_plan(text)):
            continue
        out[path.relative_to(directory).as_posix()] = text
    return out


def unaccounted(report: Report, texts: dict[str, str]) -> list[Literal]:
    broken = {f.span.file for f in report.findings if f.rule_id == "BDR000"}
    at_line: set[tuple[str, int]] = {(m.span.file, m.span.line) for m in report.mentions}
    holders: dict[str, list[tuple[int, str]]] = {}
    for ref in report.references:
        at_line.add((ref.span.file, ref.span.line))
        holders.setdefault(ref.span.file, []).append((ref.span.line, ref.raw or ""))
        if ref.origin is not None:
            at_line.add((ref.origin.file, ref.origin.line))
            holders.setdefault(ref.origin.file, []).append((ref.origin.line, ref.raw or ""))
    raws = [ref.raw for ref in report.references if ref.raw]
    missing = []
    for file, text in texts.items():
        if file in broken:
            continue
        if looks_like_plan(text):
            # Plans are accounted by resource address, not by each repeated section (SPEC 5).
            missing.extend(lit for lit in grep(file, text) if not any(lit.text in raw for raw in raws)
                           and (file, lit.line) not in at_line)
            continue
        lines = text.split("\n")
        for lit in grep(file, text):
            if (file, lit.line) in at_line:
                continue
            if not any(lit.text in raw and _belongs(lines, start, lit.line)
                       for start, raw in holders.get(file, ()) if start < lit.line):
                missing.append(lit)
    return missing


def _belongs(lines: list[str], start: int, line: int) -> bool:
    """Lines start+1..line continue the value that begins on line `start`."""
    indent = len(lines[start - 1]) - len(lines[start - 1].lstrip())
    for text in lines[start:line]:
        stripped = text.strip()
        if stripped and len(text) - len(text.lstrip()) <= indent and stripped[0] not in "}])":
            return False
    return True


def scan(directory: Path, *, region: str | None = "us-east-1") -> Report:
    return run_scan(Settings(as_of=AS_OF, paths=(str(directory),), jobs=1, region=region), CATALOG, env={})


@pytest.mark.parametrize("tree", ["examples", "fixtures/terraform", "fixtures/cloudformation", "fixtures/broken",
                                  "fixtures/catalog", "fixtures/fix", "fixtures/ci"])
def test_every_model_literal_of_the_shipped_trees_is_accounted_for(tree: str):
    directory = ROOT / tree
    if not directory.is_dir():
        pytest.skip(f"{tree} is not in this checkout")
    texts = scanned(directory)
    assert texts, tree
    assert unaccounted(scan(directory), texts) == []


# -- generated trees ---------------------------------------------------------------------------

MODELS = ("anthropic.claude-v2", "anthropic.claude-3-haiku-20240307-v1:0",
          "us.anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon.titan-text-express-v1",
          "meta.llama3-8b-instruct-v1:0", "cohere.command-r-v1:0")

# Terraform snippets; {m} is a model, {n} a unique number. Each is a whole top-level block.
TF_SNIPPETS = {
    "agent": ('resource "aws_bedrockagent_agent" "a{n}" {{\n  agent_name       = "a{n}"\n'
              '  foundation_model = "{m}"\n}}\n'),
    "env": ('resource "aws_lambda_function" "f{n}" {{\n  function_name = "f{n}"\n  environment {{\n'
            '    variables = {{\n      MODEL_ID = "{m}"\n    }}\n  }}\n}}\n'),
    "jsonencode": ('resource "aws_iam_policy" "p{n}" {{\n  policy = jsonencode({{\n    Statement = [{{\n'
                   '      Action   = "bedrock:InvokeModel"\n'
                   '      Resource = "arn:aws:bedrock:us-east-1::foundation-model/{m}"\n    }}]\n  }})\n}}\n'),
    "heredoc": ('resource "aws_iam_policy" "h{n}" {{\n  policy = <<-EOT\n    {{"Resource": '
                '"arn:aws:bedrock:*::foundation-model/{m}"}}\n  EOT\n}}\n'),
    "default": ('variable "v{n}" {{\n  description = "The model, e.g. {m}"\n  default     = "{m}"\n}}\n'
                'resource "aws_bedrockagent_agent" "d{n}" {{\n  agent_name       = "d{n}"\n'
                '  foundation_model = var.v{n}\n}}\n'),
    "unused-default": 'variable "u{n}" {{\n  default = "{m}"\n}}\n',
    "map-default": ('variable "stage{n}" {{\n  default = "prod"\n}}\nlocals {{\n  models{n} = {{\n'
                    '    prod = "{m}"\n    dev  = "amazon.nova-lite-v1:0"\n  }}\n}}\n'
                    'resource "aws_bedrockagent_agent" "m{n}" {{\n  agent_name       = "m{n}"\n'
                    '  foundation_model = local.models{n}[var.stage{n}]\n}}\n'),
    "validation": ('variable "w{n}" {{\n  type = string\n  validation {{\n    condition     = var.w{n} != "{m}"\n'
                   '    error_message = "Not {m}."\n  }}\n}}\n'),
    "output": 'output "o{n}" {{\n  value = "{m}"\n}}\n',
    "description": ('resource "aws_sqs_queue" "q{n}" {{\n  name = "q{n}"\n  tags = {{\n    Model = "{m}"\n  }}\n}}\n'
                    'resource "aws_ssm_parameter" "s{n}" {{\n  name        = "s{n}"\n  type        = "String"\n'
                    '  description = "Holds {m}"\n  value       = "{m}"\n}}\n'),
    "comments": '# {m} was retired\n/*\n  {m}\n*/\nresource "aws_sqs_queue" "c{n}" {{\n  name = "c{n}" // {m}\n}}\n',
    "local-unused": 'locals {{\n  spare{n} = "{m}"\n}}\n',
    "remote-module": 'module "r{n}" {{\n  source   = "git::https://example.com/m{n}.git"\n  model_id = "{m}"\n}}\n',
    "non-model-arn": ('data "aws_iam_policy_document" "j{n}" {{\n  statement {{\n    actions   = ["bedrock:GetModel'
                      'CustomizationJob"]\n    resources = ["arn:aws:bedrock:us-east-1:123456789012:model-customization'
                      '-job/{m}/abc{n}"]\n  }}\n}}\n'),
    "for-each": ('resource "aws_bedrockagent_agent" "e{n}" {{\n  for_each         = toset(["{m}"])\n'
                 '  agent_name       = "e{n}"\n  foundation_model = each.value\n}}\n'),
}

CFN_PARAMETERS = {
    "parameter": "  P{n}:\n    Type: String\n    Default: {m}\n    Description: e.g. {m}\n",
}
CFN_RESOURCES = {
    "agent": "  A{n}:\n    Type: AWS::Bedrock::Agent\n    Properties:\n      AgentName: a{n}\n"
             "      FoundationModel: {m}\n",
    "parameter": "  R{n}:\n    Type: AWS::Bedrock::Agent\n    Properties:\n      AgentName: r{n}\n"
                 "      FoundationModel: !Ref P{n}\n",
    "sub": ("  S{n}:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n"
            "          - Effect: Allow\n            Action: bedrock:InvokeModel\n"
            "            Resource: !Sub arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}::foundation-model/{m}\n"),
    "quiet": ("  Q{n}:\n    Type: AWS::SQS::Queue\n    # was {m}\n    Metadata:\n      Note: {m}\n    Properties:\n"
              "      Tags:\n        - Key: model\n          Value: {m}\n"),
    "description": ("  D{n}:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n"
                    "      Description: holds {m}\n      Value: {m}\n"),
    "mapping": ("  M{n}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment:\n        Variables:\n"
                "          MODEL: !FindInMap [Models{n}, !Ref AWS::Region, Id]\n"),
}
CFN_MAPPINGS = {"mapping": "  Models{n}:\n    us-east-1:\n      Id: {m}\n    eu-west-1:\n"
                           "      Id: amazon.nova-pro-v1:0\n"}
CFN_OUTPUTS = "  Out{n}:\n    Value: {m}\n"

PROPERTY = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _scan_files(files: dict[str, str]) -> tuple[Report, dict[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_text(text)
        return scan(Path(tmp)), files


@PROPERTY
@given(st.lists(st.tuples(st.sampled_from(sorted(TF_SNIPPETS)), st.sampled_from(MODELS)), min_size=1, max_size=8),
       st.booleans())
def test_generated_terraform_is_accounted_for(blocks: list[tuple[str, str]], split: bool):
    files: dict[str, str] = {}
    for n, (kind, model) in enumerate(blocks):
        name = f"part{n % 2}.tf" if split else "main.tf"
        files[name] = files.get(name, "") + "\n" + TF_SNIPPETS[kind].format(m=model, n=n)
    report, texts = _scan_files(files)
    assert unaccounted(report, texts) == []
    # What deploys nothing raises nothing: the only findings are about models that deploy.
    quiet = {"validation", "output", "comments", "non-model-arn", "unused-default"}
    if all(kind in quiet for kind, _ in blocks):
        assert report.references == ()


@PROPERTY
@given(st.lists(st.tuples(st.sampled_from(sorted(CFN_RESOURCES)), st.sampled_from(MODELS)), min_size=1, max_size=6),
       st.booleans())
def test_generated_cloudformation_is_accounted_for(blocks: list[tuple[str, str]], output: bool):
    sections = {"Parameters": "", "Mappings": "", "Resources": "", "Outputs": ""}
    for n, (kind, model) in enumerate(blocks):
        sections["Resources"] += CFN_RESOURCES[kind].format(m=model, n=n)
        sections["Parameters"] += CFN_PARAMETERS.get(kind, "").format(m=model, n=n)
        sections["Mappings"] += CFN_MAPPINGS.get(kind, "").format(m=model, n=n)
        if output:
            sections["Outputs"] += CFN_OUTPUTS.format(m=model, n=n)
    text = 'AWSTemplateFormatVersion: "2010-09-09"\nDescription: stack on anthropic.claude-v2\n' + "".join(
        f"{name}:\n{body}" for name, body in sections.items() if body)
    report, texts = _scan_files({"template.yaml": text})
    assert unaccounted(report, texts) == []
