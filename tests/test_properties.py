"""Properties of the whole scan on generated Terraform and CloudFormation (issue 6).

Documents are generated with model references in random places (direct attributes,
environment variables, IAM policy ARNs, heredocs, variable and parameter defaults) among
noise that only looks like a model (comments, tags, declarations). The scan must find exactly
the references generated, at their lines; mutated or truncated copies must never raise
nor hide the references of the good files beside them; and the output must not change
between runs or with --jobs. The fuzz target's CI share runs here too, for a few seconds.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from conftest import fuzz_target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.catalog import Catalog, load_catalog
from validator.cloudformation.load import load_yaml
from validator.config import Settings
from validator.jsonpos import Node
from validator.model import Report
from validator.report import RenderOptions, render
from validator.scan import run_scan
from validator.workers import PARALLEL_THRESHOLD

AS_OF = date(2026, 6, 1)
# (as written, the model the catalog knows it as)
MODELS = (
    ("anthropic.claude-v1", "anthropic.claude-v1"),
    ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"),
    ("us.anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ("amazon.titan-text-express-v1", "amazon.titan-text-express-v1"),
    ("meta.llama3-8b-instruct-v1:0", "meta.llama3-8b-instruct-v1:0"),
    ("cohere.command-text-v14", "cohere.command-text-v14"),
)
PROPERTIES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CATALOG: Catalog = load_catalog()


@dataclass(frozen=True)
class Doc:
    """A generated file: its text, and the (line, model_id) references it holds."""

    name: str
    text: str
    refs: frozenset[tuple[int, str]]


@dataclass(frozen=True)
class Block:
    """Lines of one generated block; `refs` are (line within the block, model_id)."""

    lines: tuple[str, ...]
    refs: tuple[tuple[int, str], ...] = ()


# -- Terraform -----------------------------------------------------------------------------

def tf_block(kind: str, n: int, model: tuple[str, str]) -> Block:
    raw, model_id = model
    arn = f"arn:aws:bedrock:us-east-1::foundation-model/{raw}"
    blocks = {
        "agent": Block((f'resource "aws_bedrockagent_agent" "r{n}" {{', f'  agent_name       = "agent-{n}"',
                        f'  foundation_model = "{raw}"', "}"), ((2, model_id),)),
        "tag": Block((f'resource "aws_s3_bucket" "r{n}" {{', f'  bucket = "bucket-{n}"', "  tags = {",
                      f'    model = "{raw}"', "  }", "}")),  # tags deploy nothing: a mention
        "env": Block((f'resource "aws_lambda_function" "r{n}" {{', f'  function_name = "fn-{n}"',
                      "  environment {", "    variables = {", f'      MODEL_ID = "{raw}"', "    }", "  }", "}"),
                     ((4, model_id),)),
        "jsonencode": Block((f'resource "aws_iam_policy" "r{n}" {{', "  policy = jsonencode({",
                             '    Statement = [{ Action = "bedrock:InvokeModel",', f'      Resource = "{arn}" }}]',
                             "  })", "}"), ((3, model_id),)),  # the line of the string inside
        "heredoc": Block((f'resource "aws_iam_policy" "r{n}" {{', "  policy = <<-EOT", "    {",
                          f'      "Resource": "{arn}"', "    }", "  EOT", "}"), ((3, model_id),)),
        "variable": Block((f'variable "v{n}" {{', f'  default = "{raw}"', "}",
                           f'resource "aws_bedrockagent_agent" "r{n}" {{', f"  foundation_model = var.v{n}", "}"),
                          ((4, model_id),)),
        "comment": Block((f"# r{n} used to run on {raw}", f'resource "aws_s3_bucket" "r{n}" {{',
                          f'  bucket = "bucket-{n}" // not {raw}', "}")),
        "plain": Block((f'resource "aws_sqs_queue" "r{n}" {{', f'  name = "queue-{n}"', "}")),
    }
    return blocks[kind]


TF_KINDS = ("agent", "tag", "env", "jsonencode", "heredoc", "variable", "comment", "plain")


def terraform_doc(kinds: list[str], models: list[tuple[str, str]], gaps: list[str], newline: str,
                  name: str = "main.tf", prefix: str = "") -> Doc:
    lines: list[str] = []
    refs: set[tuple[int, str]] = set()
    for n, (kind, model, gap) in enumerate(zip(kinds, models, gaps, strict=True)):
        lines.extend(gap.split("\n") if gap else [])
        block = tf_block(kind, n, model)
        renamed = [line.replace(f"r{n}", f"{prefix}r{n}").replace(f"v{n}", f"{prefix}v{n}") for line in block.lines]
        refs |= {(len(lines) + offset + 1, model_id) for offset, model_id in block.refs}
        lines.extend(renamed)
    return Doc(name, newline.join(lines) + newline, frozenset(refs))


@st.composite
def terraform_docs(draw: st.DrawFn, name: str = "main.tf", prefix: str = "") -> Doc:
    kinds = draw(st.lists(st.sampled_from(TF_KINDS), min_size=1, max_size=6))
    size = st.lists(st.sampled_from(MODELS), min_size=len(kinds), max_size=len(kinds))
    gaps = st.lists(st.sampled_from(["", "# note", "/* a\n   b */"]), min_size=len(kinds), max_size=len(kinds))
    return terraform_doc(kinds, draw(size), draw(gaps), draw(st.sampled_from(["\n", "\r\n"])), name, prefix)


# -- CloudFormation --------------------------------------------------------------------------

def cfn_resource(kind: str, n: int, model: tuple[str, str]) -> tuple[Block, tuple[str, ...]]:
    """A resource's lines under `Resources:`, its refs, and the Parameters lines it needs."""
    raw, model_id = model
    head = (f"  R{n}:",)
    if kind == "agent":
        return Block((*head, "    Type: AWS::Bedrock::Agent", "    Properties:", f"      FoundationModel: {raw}"),
                     ((3, model_id),)), ()
    if kind == "parameter":
        return Block((*head, "    Type: AWS::Bedrock::Agent", "    Properties:",
                      f"      FoundationModel: !Ref P{n}"), ((3, model_id),)), \
            (f"  P{n}:", "    Type: String", f"    Default: {raw}")
    if kind == "env":
        return Block((*head, "    Type: AWS::Lambda::Function", "    Properties:", "      Environment:",
                      "        Variables:", f"          MODEL_ID: '{raw}'"), ((5, model_id),)), ()
    if kind == "sub":
        return Block((*head, "    Type: AWS::IAM::ManagedPolicy", "    Properties:", "      PolicyDocument:",
                      "        Statement:", "          - Effect: Allow", "            Action: bedrock:InvokeModel",
                      "            Resource: !Sub 'arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/"
                      f"{raw}'"), ((7, model_id),)), ()
    if kind == "tag":
        return Block((*head, "    Type: AWS::SQS::Queue", "    Properties:", "      Tags:", "        - Key: model",
                      f"          Value: {raw}")), ()  # tags deploy nothing: a mention
    if kind == "comment":
        return Block((*head, f"    # was {raw}", "    Type: AWS::SQS::Queue")), ()
    return Block((*head, "    Type: AWS::SQS::Queue", "    Properties:", f"      QueueName: queue-{n}")), ()


CFN_KINDS = ("agent", "parameter", "env", "sub", "tag", "comment", "plain")


@st.composite
def cloudformation_docs(draw: st.DrawFn, name: str = "template.yaml") -> Doc:
    kinds = draw(st.lists(st.sampled_from(CFN_KINDS), min_size=1, max_size=6))
    parameters: list[str] = []
    body: list[Block] = []
    for n, kind in enumerate(kinds):
        block, params = cfn_resource(kind, n, draw(st.sampled_from(MODELS)))
        body.append(block)
        parameters.extend(params)
    lines = ['AWSTemplateFormatVersion: "2010-09-09"']
    if parameters:
        lines += ["Parameters:", *parameters]
    lines.append("Resources:")
    refs: set[tuple[int, str]] = set()
    for block in body:
        refs |= {(len(lines) + offset + 1, model_id) for offset, model_id in block.refs}
        lines.extend(block.lines)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return Doc(name, newline.join(lines) + newline, frozenset(refs))


# -- scanning -------------------------------------------------------------------------------

def scan_files(files: dict[str, str | bytes], jobs: int = 1) -> Report:
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            path = Path(tmp) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return run_scan(Settings(as_of=AS_OF, paths=(tmp,), jobs=jobs, region="us-east-1"), CATALOG, env={})


def found(report: Report, name: str) -> frozenset[tuple[int, str]]:
    return frozenset((r.span.line, r.model_id) for r in report.references if r.span.file == name and r.model_id)


@PROPERTIES
@given(terraform_docs())
def test_terraform_references_are_found_exactly(doc):
    assert found(scan_files({doc.name: doc.text}), doc.name) == doc.refs


@PROPERTIES
@given(cloudformation_docs())
def test_cloudformation_references_are_found_exactly(doc):
    assert found(scan_files({doc.name: doc.text}), doc.name) == doc.refs


@PROPERTIES
@given(cloudformation_docs())
def test_cloudformation_json_references_are_found_exactly(doc):
    # The same template written as JSON (short-form tags become their long form): the same
    # models, each once per place.
    as_json = json.dumps(_plain(load_yaml(doc.text)), indent=1)
    report = scan_files({"template.json": as_json})
    assert sorted(r.model_id for r in report.references) == sorted(model_id for _, model_id in doc.refs)


def _plain(node: Node) -> object:
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


def mutate(text: str, data: st.DataObject) -> bytes:
    """Truncate, or overwrite/insert bytes at random places (never a crash, whatever comes)."""
    raw = text.encode()
    how = data.draw(st.sampled_from(["truncate", "insert", "overwrite"]))
    at = data.draw(st.integers(0, len(raw)))
    if how == "truncate":
        return raw[:at]
    junk = data.draw(st.sampled_from([b"{", b"}", b"\"", b"[", b"<<EOT", b"${", b"\xff", b"\x00", b"\t", b"&a ", b"*a",
                                      b"!Sub ", b"\r", b"\n", b":", b"#"]))
    return raw[:at] + junk + raw[at + (len(junk) if how == "overwrite" else 0):]


def check_well_formed(report: Report, files: dict[str, bytes]) -> None:
    for finding in report.findings:
        assert finding.span.line >= 1 and "\n" not in finding.message, finding
        if finding.rule_id == "BDR000":
            content = files[finding.span.file].decode("utf-8", "replace")
            assert finding.span.line <= len(content.splitlines()) + 1, finding


@PROPERTIES
@given(terraform_docs(), terraform_docs(name="zz.tf", prefix="zz"), st.data())
def test_a_mutated_terraform_file_never_raises_nor_hides_the_good_one(good, other, data):
    broken = mutate(other.text, data)
    report = scan_files({good.name: good.text, "zz.tf": broken})
    check_well_formed(report, {good.name: good.text.encode(), "zz.tf": broken})
    assert found(report, good.name) == good.refs


@PROPERTIES
@given(cloudformation_docs(), cloudformation_docs(), st.data())
def test_a_mutated_template_never_raises_nor_hides_the_good_one(good, other, data):
    broken = mutate(other.text, data)
    report = scan_files({good.name: good.text, "zz.yaml": broken})
    check_well_formed(report, {good.name: good.text.encode(), "zz.yaml": broken})
    assert found(report, good.name) == good.refs


# -- determinism ------------------------------------------------------------------------------

def rendered(report: Report) -> tuple[str, str]:
    options = RenderOptions()
    return render(report, "json", options), render(report, "text", options)


@PROPERTIES
@given(st.lists(st.one_of(terraform_docs(), cloudformation_docs()), min_size=1, max_size=4), st.randoms())
def test_output_does_not_depend_on_file_creation_order(docs, random):
    files = {f"d{i}/{doc.name}": doc.text for i, doc in enumerate(docs)}
    shuffled = dict(random.sample(sorted(files.items()), len(files)))
    assert rendered(scan_files(files)) == rendered(scan_files(shuffled))


def test_output_is_the_same_for_every_jobs_value():
    # Enough files and directories for the prefilter and the parser to use the process pool.
    docs = [terraform_doc([TF_KINDS[i % len(TF_KINDS)], "variable"], [MODELS[i % len(MODELS)]] * 2, ["", "# x"],
                          "\n", f"m{i}.tf", f"m{i}") for i in range(PARALLEL_THRESHOLD + 6)]
    files: dict[str, str | bytes] = {f"mod{i % (PARALLEL_THRESHOLD + 2)}/{d.name}": d.text for i, d in enumerate(docs)}
    files["mod0/broken.tf"] = 'resource "aws_bedrockagent_agent" "b" {\n  foundation_model = "anthropic.claude-v1"\n'
    outputs = {jobs: rendered(scan_files(files, jobs)) for jobs in (1, 2, 3)}
    assert outputs[1] == outputs[2] == outputs[3]
    assert rendered(scan_files(files, 2)) == outputs[2]


# -- the fuzz target's share of CI ----------------------------------------------------------------

CHECK, SEEDS = fuzz_target("fuzz_parsers")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.data())
def test_fuzz_target_on_mutated_seeds(seed, data):
    kind, body = seed[:1], seed[1:].decode("utf-8", "replace")
    CHECK(kind + mutate(body, data))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048))
def test_fuzz_target_on_random_bytes(data):
    CHECK(data)


@pytest.mark.parametrize("seed", SEEDS[:: max(1, len(SEEDS) // 20)])
def test_fuzz_target_accepts_its_seeds(seed):
    CHECK(seed)
