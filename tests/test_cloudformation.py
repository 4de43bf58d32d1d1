"""The CloudFormation parse+resolve stage, tested through `parse_template` directly."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.attributes import path_matches
from validator.cloudformation import TemplateOptions, load_parameters_file, parse_template
from validator.cloudformation import load as cfn_load
from validator.model import Candidate, Leaf, Origin, ParsedFile, Resource, Span

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cloudformation"
TABLE = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "policies/attributes/cloudformation.yaml").read_text()
)


def parse(name: str, **options: object) -> ParsedFile:
    path = FIXTURES / name
    options.setdefault("base_dir", path.parent)
    parsed = parse_template(path.read_text(), name, TemplateOptions(**options))  # type: ignore[arg-type]
    assert parsed is not None, name
    return parsed


def parse_text(text: str, **options: object) -> ParsedFile:
    parsed = parse_template(text, "inline.yaml", TemplateOptions(**options))  # type: ignore[arg-type]
    assert parsed is not None
    return parsed


def resource(parsed: ParsedFile, address: str) -> Resource:
    return next(r for r in parsed.resources if r.address == address)


def leaves(res: Resource, dotted: str) -> list[Leaf]:
    return [leaf for leaf in res.leaves if leaf.dotted == dotted]


def leaf(res: Resource, dotted: str) -> Leaf:
    (found,) = leaves(res, dotted)
    return found


def texts(item: Leaf) -> list[str | None]:
    return [c.text for c in item.candidates]


def table_matches(rtype: str, item: Leaf) -> bool:
    patterns = TABLE["resources"][rtype]["attributes"]
    return any(path_matches(tuple(p.split(".")), item.path) for p in patterns)


# -- lines ---------------------------------------------------------------------------------


def test_short_form_lines_and_values():
    parsed = parse("short-form.yaml")
    assert parsed.problems == ()
    agent = resource(parsed, "SupportAgent")
    assert (agent.type, agent.span.line, agent.span.column, agent.end_line) == (
        "AWS::Bedrock::Agent", 16, 3, 27)
    model = leaf(agent, "FoundationModel")
    assert (model.span.line, model.span.column) == (20, 24)
    assert model.candidates == (
        Candidate("anthropic.claude-v2",
                  Origin("short-form.yaml", 7, ("parameter AgentModelId default",))),
    )
    first, second = leaves(agent, "PromptOverrideConfiguration.PromptConfigurations.FoundationModel")
    assert first.span.line == 25
    assert texts(first) == ["us.anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert first.candidates[0].line == 25
    assert second.span.line == 27
    assert second.candidates == (
        Candidate(None, reason="parameter RoutingModelId has no Default and no value was given"),
    )


def test_long_form_lines_are_the_value_lines():
    parsed = parse("long-form.yaml")
    agent = resource(parsed, "SupportAgent")
    assert agent.span.line == 11
    model = leaf(agent, "FoundationModel")  # key on line 16, `Ref:` on line 17
    assert model.span.line == 17
    assert texts(model) == ["anthropic.claude-v2"]
    joined = leaf(agent, "PromptOverrideConfiguration.PromptConfigurations.FoundationModel")
    assert joined.span.line == 22
    assert texts(joined) == ["us.anthropic.claude-3-5-sonnet-20240620-v1:0"]
    policy = resource(parsed, "InvokePolicy")
    statement = leaf(policy, "PolicyDocument.Statement.Resource")
    assert statement.span.line == 34
    assert statement.candidates[0].line == 35  # where the Fn::Sub template string is
    assert texts(statement) == ["arn:aws:bedrock:${AWS::Region}::foundation-model/anthropic.claude-v2"]
    topic = leaf(resource(parsed, "Topic"), "TopicName")
    assert topic.candidates[0].text is None
    assert "SupportAgent.AgentId" in (topic.candidates[0].reason or "")


def test_block_scalar_text_starts_on_the_next_line():
    worker = resource(parse("short-form.yaml"), "Worker")
    code = leaf(worker, "Code.ZipFile")
    assert code.span.line == 68
    assert code.candidates[0].line == 69
    assert 'FALLBACK = "meta.llama3-8b-instruct-v1:0"' in (code.candidates[0].text or "")


def test_json_template_lines_and_region():
    parsed = parse("knowledge-base.json", region="eu-west-1")
    kb = resource(parsed, "ManualsKnowledgeBase")
    assert (kb.span.line, kb.end_line) == (11, 26)
    arn = leaf(kb, "KnowledgeBaseConfiguration.VectorKnowledgeBaseConfiguration.EmbeddingModelArn")
    assert (arn.span.line, arn.span.column) == (19, 34)
    assert arn.candidates == (
        Candidate("arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0",
                  Origin("knowledge-base.json", 7, ("parameter EmbeddingModel default",)),
                  line=20),
    )
    assert table_matches("AWS::Bedrock::KnowledgeBase", arn)
    source = resource(parsed, "ManualsSource")
    parsing = leaf(source, "VectorIngestionConfiguration.ParsingConfiguration."
                           "BedrockFoundationModelConfiguration.ModelArn")
    assert (parsing.span.line, parsing.span.column) == (36, 27)
    assert table_matches("AWS::Bedrock::DataSource", parsing)


# -- intrinsics ----------------------------------------------------------------------------


def test_sub_both_forms_and_pseudo_parameters():
    policy = resource(parse("short-form.yaml", region="us-west-2"), "InvokePolicy")
    arns = leaves(policy, "PolicyDocument.Statement.Resource")
    assert texts(arns[0]) == ["arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-v2"]
    # The account is unknown: it stays a placeholder, the rest of the ARN is still seen.
    (profile,) = arns[1].candidates
    assert profile.text == ("arn:aws:bedrock:us-west-2:${AWS::AccountId}:inference-profile/"
                            "us.meta.llama3-8b-instruct-v1:0")
    assert profile.reason == "AWS::AccountId is known only at deploy time"
    assert profile.origin == Origin("short-form.yaml", 13, ("parameter ProfileGeo default",))


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-1", "aws"), (None, "aws")],
)
def test_partition_follows_the_region(region, partition):
    text = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  P:
    Type: AWS::SSM::Parameter
    Properties:
      Value: !Sub "arn:${AWS::Partition}:bedrock:::foundation-model/anthropic.claude-v2"
"""
    value = leaf(resource(parse_text(text, region=region), "P"), "Value")
    assert texts(value) == [f"arn:{partition}:bedrock:::foundation-model/anthropic.claude-v2"]


def test_unresolvable_whole_values_have_reasons():
    worker = resource(parse("short-form.yaml"), "Worker")
    assert leaf(worker, "Role").candidates == (
        Candidate(None, reason="Fn::ImportValue shared-lambda-role-arn is another stack's export"),
    )
    assert leaf(worker, "Environment.Variables.ZONE").candidates[0].text is None
    agent = resource(parse("short-form.yaml"), "SupportAgent")
    name = leaf(agent, "AgentName").candidates[0]
    assert name.text == "${AWS::StackName}-support"  # some of it is known


def test_join_select_split():
    parsed = parse("short-form.yaml")
    prompt = resource(parsed, "SummaryPrompt")
    model = leaf(prompt, "Variants.ModelId")
    assert texts(model) == ["anthropic.claude-3-haiku-20240307-v1:0"]
    assert table_matches("AWS::Bedrock::Prompt", model)
    worker = resource(parsed, "Worker")
    assert texts(leaf(worker, "Environment.Variables.MODEL_ID")) == [
        "anthropic.claude-3-haiku-20240307-v1:0"]
    assert texts(leaf(worker, "Environment.Variables.EMBEDDING_MODEL_ID")) == [
        "amazon.titan-embed-text-v2:0"]


def test_cdk_join_keeps_placeholders_for_unknown_pieces():
    parsed = parse("cdk/ChatStack.template.json", region="us-east-1")
    policy = resource(parsed, "ChatHandlerServiceRoleDefaultPolicyE2B5A3C1")
    fm, profile = leaves(policy, "PolicyDocument.Statement.Resource")
    assert fm.span.line == 32
    assert texts(fm) == [
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert fm.candidates[0].line == 36  # where the joined text starts
    assert texts(profile) == [
        "arn:aws:bedrock:us-east-1:${AWS::AccountId}:inference-profile/"
        "us.anthropic.claude-3-haiku-20240307-v1:0"]
    function = resource(parsed, "ChatHandler5B9F0C8E")
    assert leaf(function, "Environment.Variables.MODEL_ID").span.line == 91
    assert [r.type for r in parsed.resources].count("AWS::CloudFormation::Parameter") == 0


def test_find_in_map_with_allowed_values_key_and_overrides():
    parsed = parse("parameters-mappings.yaml")
    function = resource(parsed, "ChatFunction")
    chat = leaf(function, "Environment.Variables.CHAT_MODEL_ID")
    assert chat.span.line == 52
    # Env has AllowedValues and no value: each allowed value picks a mapping entry.
    assert chat.candidates == (
        Candidate("anthropic.claude-3-haiku-20240307-v1:0",
                  Origin("parameters-mappings.yaml", 25, ("mapping ModelByEnv.dev.ChatModel",))),
        Candidate("anthropic.claude-3-5-sonnet-20240620-v1:0",
                  Origin("parameters-mappings.yaml", 28, ("mapping ModelByEnv.prod.ChatModel",))),
    )
    prod = parse("parameters-mappings.yaml", parameters={"Env": "prod"})
    assert texts(leaf(resource(prod, "ChatFunction"), "Environment.Variables.CHAT_MODEL_ID")) == [
        "anthropic.claude-3-5-sonnet-20240620-v1:0"]


def test_find_in_map_by_region():
    unknown = resource(parse("parameters-mappings.yaml"), "ChatFunction")
    assert texts(leaf(unknown, "Environment.Variables.REGIONAL_MODEL_ID")) == [
        "us.anthropic.claude-3-5-sonnet-20240620-v1:0", "eu.anthropic.claude-3-5-sonnet-20240620-v1:0"]
    known = resource(parse("parameters-mappings.yaml", region="eu-west-1"), "ChatFunction")
    assert texts(leaf(known, "Environment.Variables.REGIONAL_MODEL_ID")) == [
        "eu.anthropic.claude-3-5-sonnet-20240620-v1:0"]


def test_find_in_map_missing_entry_and_default_value():
    text = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Mappings:
  M:
    a: {x: amazon.titan-embed-text-v2:0}
Resources:
  P:
    Type: AWS::SSM::Parameter
    Properties:
      Value: !FindInMap [M, b, x]
      Description: !FindInMap [M, b, x, {DefaultValue: anthropic.claude-v2}]
"""
    p = resource(parse_text(text), "P")
    assert leaf(p, "Value").candidates[0].text is None
    assert texts(leaf(p, "Description")) == ["anthropic.claude-v2"]


def test_if_gives_each_branch_and_drops_no_value():
    parsed = parse("parameters-mappings.yaml")
    function = resource(parsed, "ChatFunction")
    tier = leaf(function, "Environment.Variables.TIER_MODEL_ID")
    assert tier.span.line == 56
    assert texts(tier) == ["anthropic.claude-3-5-sonnet-20240620-v1:0",
                           "anthropic.claude-3-haiku-20240307-v1:0"]
    assert [c.line for c in tier.candidates] == [58, 59]
    assert texts(leaf(function, "Environment.Variables.FALLBACK_MODEL_ID")) == [
        "meta.llama3-8b-instruct-v1:0"]
    agent = resource(parsed, "ProdOnlyAgent")
    # An Fn::If choosing between structures is followed into the branch.
    inner = leaf(agent, "PromptOverrideConfiguration.PromptConfigurations.FoundationModel")
    assert (inner.span.line, texts(inner)) == (69, ["anthropic.claude-3-5-sonnet-20240620-v1:0"])


def test_ref_to_parameter_with_default_and_allowed_values_uses_the_default():
    function = resource(parse("parameters-mappings.yaml"), "ChatFunction")
    selected = leaf(function, "Environment.Variables.SELECTED_MODEL_ID")
    assert selected.candidates == (
        Candidate("anthropic.claude-3-haiku-20240307-v1:0",
                  Origin("parameters-mappings.yaml", 12, ("parameter ChatModelId default",))),
    )


def test_application_inference_profile_get_att_and_ref():
    parsed = parse("inference-profile.yaml")
    copy_from = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
    origin = Origin("inference-profile.yaml", 10, ("TeamProfile.ModelSource.CopyFrom",))
    agent = leaf(resource(parsed, "Agent"), "FoundationModel")
    assert agent.span.line == 19
    assert agent.candidates == (Candidate(copy_from, origin),)
    router = resource(parsed, "Router")
    by_ref, literal_arn = leaves(router, "Models.ModelArn")
    assert by_ref.candidates == (Candidate(copy_from, origin),)
    assert literal_arn.candidates[0].origin is None
    fallback = leaf(router, "FallbackModel.ModelArn")
    assert texts(fallback) == [copy_from]
    assert fallback.candidates[0].origin == origin
    assert table_matches("AWS::Bedrock::IntelligentPromptRouter", fallback)
    profile = resource(parsed, "TeamProfile")
    assert table_matches("AWS::Bedrock::ApplicationInferenceProfile",
                         leaf(profile, "ModelSource.CopyFrom"))
    other = leaf(resource(parsed, "Dashboard"), "Value").candidates[0]
    assert other.text is None and "TeamProfile.CreatedAt" in (other.reason or "")


def test_profile_that_copies_itself_does_not_loop():
    text = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Loop:
    Type: AWS::Bedrock::ApplicationInferenceProfile
    Properties:
      ModelSource: {CopyFrom: !GetAtt Loop.InferenceProfileArn}
"""
    (cand,) = leaf(resource(parse_text(text), "Loop"), "ModelSource.CopyFrom").candidates
    assert cand.text is None and "refers to itself" in (cand.reason or "")


def test_dynamic_references():
    parsed = parse("dynamic-reference.yaml")
    agent = resource(parsed, "Agent")
    assert leaf(agent, "FoundationModel").candidates == (
        Candidate(None, reason="dynamic reference {{resolve:ssm:/genai/agent-model-id}} "
                               "cannot be resolved statically"),
    )
    ssm_typed = leaf(agent, "PromptOverrideConfiguration.PromptConfigurations.FoundationModel")
    assert "SSM parameter /genai/default-model-id" in (ssm_typed.candidates[0].reason or "")
    policy = leaf(resource(parsed, "Policy"), "PolicyDocument.Statement.Resource")
    (cand,) = policy.candidates
    assert cand.text == ("arn:aws:bedrock:us-east-1::foundation-model/"
                         "${resolve:ssm:/genai/agent-model-id:3}")
    assert cand.reason and "{{resolve:ssm:/genai/agent-model-id:3}}" in cand.reason
    secret = leaf(resource(parsed, "Secret"), "Environment.Variables.API_KEY")
    assert secret.candidates[0].text is None


def test_sub_escapes_undefined_variables_and_list_parameters():
    text = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Models:
    Type: CommaDelimitedList
    Default: "anthropic.claude-v2, amazon.titan-embed-text-v2:0"
Resources:
  G:
    Type: AWS::Bedrock::EnforcedGuardrailConfiguration
    Properties:
      ModelEnforcement:
        IncludedModels: !Ref Models
        ExcludedModels: !Join [",", !Ref Models]
      Note: !Sub "${!Literal} and ${Missing}"
      Second: !Select [1, !Ref Models]
"""
    g = resource(parse_text(text), "G")
    included = leaf(g, "ModelEnforcement.IncludedModels")
    assert texts(included) == ["anthropic.claude-v2", "amazon.titan-embed-text-v2:0"]
    assert table_matches("AWS::Bedrock::EnforcedGuardrailConfiguration", included)
    assert texts(leaf(g, "ModelEnforcement.ExcludedModels")) == [
        "anthropic.claude-v2,amazon.titan-embed-text-v2:0"]
    (note,) = leaf(g, "Note").candidates
    assert note.text == "${Literal} and ${Missing}"
    assert note.reason == "Fn::Sub variable Missing is not defined"
    assert texts(leaf(g, "Second")) == ["amazon.titan-embed-text-v2:0"]


def test_candidates_are_capped():
    choices = ", ".join(f"!If [C, a{i}, b{i}]" for i in range(12))  # 4,096 combinations
    text = f"""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  P:
    Type: AWS::SSM::Parameter
    Properties:
      Value: !Join ["", [{choices}]]
"""
    value = leaf(resource(parse_text(text), "P"), "Value")
    assert len(value.candidates) == 64


def test_yaml_scalars_stay_as_written():
    text = """AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Version:
    Type: String
    Default: 1:0
Resources:
  P:
    Type: AWS::SSM::Parameter
    Properties:
      Value: !Sub "anthropic.claude-v2:${Version}"
      Tier: 010
      Enabled: yes
      Empty:
"""
    p = resource(parse_text(text), "P")
    assert texts(leaf(p, "Value")) == ["anthropic.claude-v2:1:0"]
    assert texts(leaf(p, "Tier")) == ["010"]
    assert texts(leaf(p, "Enabled")) == ["yes"]
    assert leaves(p, "Empty") == []


# -- parameters ----------------------------------------------------------------------------


def test_parameter_overrides_with_origin():
    parsed = parse("short-form.yaml", parameters={"RoutingModelId": "meta.llama3-8b-instruct-v1:0"})
    agent = resource(parsed, "SupportAgent")
    routing = leaves(agent, "PromptOverrideConfiguration.PromptConfigurations.FoundationModel")[1]
    assert routing.candidates == (
        Candidate("meta.llama3-8b-instruct-v1:0",
                  Origin("short-form.yaml", 9, ("parameter RoutingModelId value given to iac-check",))),
    )
    given_origin = Origin("params.json", 3, ("params.json: RoutingModelId",))
    parsed = parse("short-form.yaml", parameters={"RoutingModelId": "x.y"},
                   parameter_origins={"RoutingModelId": given_origin})
    agent = resource(parsed, "SupportAgent")
    routing = leaves(agent, "PromptOverrideConfiguration.PromptConfigurations.FoundationModel")[1]
    assert routing.candidates[0].origin == given_origin


def test_parameters_file_cli_list_form():
    values = load_parameters_file(FIXTURES / "parameters/cli-parameters.json")
    assert values == {"AgentModelId": "anthropic.claude-3-5-sonnet-20240620-v1:0",
                      "RoutingModelId": "meta.llama3-8b-instruct-v1:0"}
    parsed = parse("short-form.yaml", parameters=values)
    model = leaf(resource(parsed, "SupportAgent"), "FoundationModel")
    assert texts(model) == ["anthropic.claude-3-5-sonnet-20240620-v1:0"]


def test_parameters_file_mapping_forms():
    values = load_parameters_file(FIXTURES / "parameters/overrides.yaml")
    assert values == {"AgentModelId": "anthropic.claude-3-haiku-20240307-v1:0",
                      "RoutingModelId": "amazon.titan-embed-text-v2:0", "ProfileGeo": "eu"}
    parsed = parse("short-form.yaml", parameters=values)
    first = leaves(resource(parsed, "SupportAgent"),
                   "PromptOverrideConfiguration.PromptConfigurations.FoundationModel")[0]
    assert texts(first) == ["eu.anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert load_parameters_file(FIXTURES / "parameters/codepipeline-config.json") == {
        "AgentModelId": "anthropic.claude-v2", "ProfileGeo": "apac"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"ParameterValue": "x"}]', "entry 1 has no ParameterKey"),
        ('[{"ParameterKey": "A"}]', "entry 1 has no ParameterValue"),
        ('"just a string"', "expected a list"),
        ("A: [1, {b: 2}]", "the value of entry 1 is not a string"),
        ("A: [unclosed", "not JSON or YAML"),
    ],
)
def test_parameters_file_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad-params.json"
    path.write_text(content)
    with pytest.raises(ValueError) as info:
        load_parameters_file(path)
    text = str(info.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_parameters_file_missing(tmp_path):
    with pytest.raises(ValueError, match="cannot read parameters file"):
        load_parameters_file(tmp_path / "nope.json")


def test_allowed_values_become_parameter_resources():
    parsed = parse("parameters-mappings.yaml")
    chat = resource(parsed, "Parameters.ChatModelId")
    assert (chat.type, chat.span.line, chat.end_line) == ("AWS::CloudFormation::Parameter", 10, 16)
    assert [(x.path, x.span.line, texts(x)) for x in chat.leaves] == [
        (("AllowedValues",), 14, ["anthropic.claude-3-haiku-20240307-v1:0"]),
        (("AllowedValues",), 15, ["anthropic.claude-v2"]),
        (("AllowedValues",), 16, ["meta.llama3-8b-instruct-v1:0"]),
    ]
    assert table_matches("AWS::CloudFormation::Parameter", chat.leaves[0])
    flow = resource(parsed, "Parameters.EnableFallback")
    assert [(x.span.line, x.span.column) for x in flow.leaves] == [(20, 21), (20, 29)]
    # Defaults are declarations, not references: no resource for a parameter without choices.
    assert not [r for r in parse("short-form.yaml").resources if r.address.startswith("Parameters.")]


# -- SAM, Step Functions, Flows ------------------------------------------------------------


def test_sam_globals_merge_into_functions():
    parsed = parse("sam-app/template.yaml")
    summarise = resource(parsed, "SummariseFunction")
    bedrock = leaf(summarise, "Environment.Variables.BEDROCK_MODEL_ID")
    assert (bedrock.span.line, texts(bedrock)) == (16, ["anthropic.claude-v2"])
    own = leaf(summarise, "Environment.Variables.LOG_LEVEL")  # the function's value wins
    assert (own.span.line, texts(own)) == (28, ["DEBUG"])
    assert texts(leaf(summarise, "Environment.Variables.EMBEDDING_MODEL_ID")) == [
        "amazon.titan-embed-text-v2:0"]
    classify = resource(parsed, "ClassifyFunction")
    assert leaf(classify, "Environment.Variables.BEDROCK_MODEL_ID").span.line == 16
    assert texts(leaf(classify, "Environment.Variables.LOG_LEVEL")) == ["INFO"]


def test_sam_definition_uri_json_with_substitutions():
    machine = resource(parse("sam-app/template.yaml"), "SummariseStateMachine")
    model = leaf(machine, "Definition.States.Summarise.Parameters.ModelId")
    # Where the definition file uses the substitution; the substitution is the origin.
    assert model.span == Span("sam-app/statemachine/summarise.asl.json", 15, 20)
    assert model.candidates == (
        Candidate("anthropic.claude-3-haiku-20240307-v1:0",
                  Origin("sam-app/template.yaml", 8,
                         ("parameter SummaryModelId default", "DefinitionSubstitutions SummaryModelId")), line=15),
    )
    task = leaf(machine, "Definition.States.Summarise.Resource")
    assert task.span == Span("sam-app/statemachine/summarise.asl.json", 13, 19)
    assert task.candidates[0].origin is None  # written where it is used
    # With the definition in view, substitutions are reported where they are used.
    assert not [x for x in machine.leaves if x.path[0] == "DefinitionSubstitutions"]


def test_sam_definition_uri_yaml_and_boundaries():
    parsed = parse("sam-app/template.yaml")
    review = resource(parsed, "ReviewStateMachine")
    model = leaf(review, "Definition.States.Review.Parameters.ModelId")
    assert model.span == Span("sam-app/statemachine/review.asl.yaml", 8, 16)
    assert model.candidates == (
        Candidate("meta.llama3-8b-instruct-v1:0",
                  Origin("sam-app/template.yaml", 52, ("DefinitionSubstitutions ReviewModel",)), line=8),
    )
    escaping = resource(parsed, "EscapingStateMachine")  # ../ leaves the template's directory
    assert [x.dotted for x in escaping.leaves] == ["DefinitionUri"]
    no_base = parse("sam-app/template.yaml", base_dir=None)
    assert not [x for x in resource(no_base, "ReviewStateMachine").leaves
                if x.path[0] == "Definition"]
    # The definition is not in view, so the substitution itself is the reference.
    kept = leaf(resource(no_base, "ReviewStateMachine"), "DefinitionSubstitutions.ReviewModel")
    assert (kept.span.line, texts(kept)) == (52, ["meta.llama3-8b-instruct-v1:0"])


def test_definition_file_that_does_not_parse_is_a_problem(tmp_path):
    (tmp_path / "bad.asl.json").write_text('{"StartAt": "A",\n "States": {]}')
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  M:\n"
        "    Type: AWS::Serverless::StateMachine\n    Properties:\n"
        "      DefinitionUri: bad.asl.json\n"
    )
    parsed = parse_template((tmp_path / "template.yaml").read_text(), "app/template.yaml",
                            TemplateOptions(base_dir=tmp_path))
    assert parsed is not None
    (problem,) = parsed.problems
    assert (problem.span.file, problem.span.line) == ("app/bad.asl.json", 2)


def test_flow_definition_string_becomes_pascal_case_leaves():
    flow = resource(parse("flow.yaml"), "TriageFlow")
    inline = leaf(flow, "Definition.Nodes.Configuration.Prompt.SourceConfiguration.Inline.ModelId")
    assert inline.span.line == 27
    assert inline.candidates == (
        Candidate("anthropic.claude-v2",
                  Origin("flow.yaml", 14, ("DefinitionSubstitutions PromptModel",)), line=27),
    )
    kb = leaf(flow, "Definition.Nodes.Configuration.KnowledgeBase.ModelId")
    assert kb.span.line == 38
    assert kb.candidates[0].origin == Origin(
        "flow.yaml", 6, ("parameter KbModel default", "DefinitionSubstitutions KbModel"))
    assert table_matches("AWS::Bedrock::Flow", inline) and table_matches("AWS::Bedrock::Flow", kb)
    # Every scalar of the JSON is a leaf, so the string itself is not handed on twice.
    assert leaves(flow, "DefinitionString") == []


def test_flow_definition_string_that_is_not_json_stays_a_string():
    text = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  F:
    Type: AWS::Bedrock::Flow
    Properties:
      DefinitionString: !Sub "{broken json ${AWS::Region} anthropic.claude-v2"
"""
    raw = leaf(resource(parse_text(text), "F"), "DefinitionString")
    assert raw.span.line == 6 and raw.candidates[0].line == 6
    assert "anthropic.claude-v2" in (raw.candidates[0].text or "")


def test_flow_definition_object_and_state_machine_definition_string():
    parsed = parse("flow.yaml")
    inline = leaf(resource(parsed, "InlineFlow"),
                  "Definition.Nodes.Configuration.Prompt.SourceConfiguration.Inline.ModelId")
    assert (inline.span.line, texts(inline)) == (56, ["meta.llama3-8b-instruct-v1:0"])
    assert table_matches("AWS::Bedrock::Flow", inline)
    machine = resource(parsed, "Machine")
    (cand,) = leaf(machine, "DefinitionString").candidates
    assert '"ModelId": "amazon.titan-embed-text-v2:0"' in (cand.text or "")
    assert cand.origin == Origin("flow.yaml", 63, ("DefinitionSubstitutions ModelId",))
    assert cand.line == 65


# -- suppressions --------------------------------------------------------------------------


def test_metadata_suppressions_yaml():
    parsed = parse("suppressions.yaml")
    first, bare, bad_date, no_rule, listed = parsed.suppressions
    assert (first.rules, first.span.line, first.until, first.until_text, first.reason) == (
        ("BDR002",), 8, date(2025, 6, 30), "2025-06-30", "migration in PLAT-123")
    assert (first.scope, first.resource, first.malformed) == ("resource", "LegacyAgent", None)
    assert (bare.rules, bare.until, bare.malformed) == (("BDR001",), None, None)
    assert bad_date.until is None and bad_date.until_text == "2025-13-45"
    assert bad_date.malformed and "2025-13-45" in bad_date.malformed
    assert no_rule.rules == () and no_rule.malformed
    assert (listed.rules, listed.resource, listed.span.line) == (("BDR004",), "QuietFunction", 23)


def test_metadata_suppressions_json():
    first, second = parse("suppressions.json").suppressions
    assert (first.rules, first.span.line, first.until, first.reason) == (
        ("BDR002",), 9, date(2025, 6, 30), "replaced in Q3")
    assert second.rules == ("BDR001", "BDR007")
    assert second.malformed and "30/06/2025" in second.malformed


# -- detection and problems ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["not-templates/ci-workflow.yml", "not-templates/package.json",
             "not-templates/kubernetes.yaml", "sam-app/statemachine/summarise.asl.json"],
)
def test_other_files_are_not_templates(name):
    assert parse_template((FIXTURES / name).read_text(), name, TemplateOptions()) is None


def test_text_that_mentions_templates_but_is_not_one():
    text = 'docs:\n  - "Resources need Type: AWS::Bedrock::Agent"\n'
    assert parse_template(text, "notes.yaml", TemplateOptions()) is None


def test_detection_without_format_version():
    text = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
    parsed = parse_template(text, "q.yaml", TemplateOptions())
    assert parsed is not None and [r.address for r in parsed.resources] == ["Q"]
    sam = "Transform: [AWS::Serverless-2016-10-31]\nResources: {}\n"
    assert parse_template(sam, "s.yaml", TemplateOptions()) is not None


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        ("broken/syntax-error.yaml", 7, 16, "YAML syntax error: "),
        ("broken/syntax-error.json", 6, 65, "JSON syntax error: "),
    ],
)
def test_broken_templates_are_problems_with_lines(name, line, column, message):
    parsed = parse(name)
    assert parsed.resources == ()
    (problem,) = parsed.problems
    assert (problem.span.file, problem.span.line, problem.span.column) == (name, line, column)
    assert problem.message.startswith(message) and "\n" not in problem.message


@pytest.mark.parametrize(
    ("name", "line", "column", "message", "read"),
    [
        ("broken/duplicate-key.yaml", 8, 7, "duplicate key 'FoundationModel' (first at line 6)",
         [("Agent", 8, "anthropic.claude-3-haiku-20240307-v1:0")]),
        ("broken/duplicate-key.json", 5, 5, "duplicate key 'Agent' (first at line 4)",
         [("Agent", 5, "anthropic.claude-v2")]),
    ],
)
def test_a_duplicate_key_is_a_problem_and_the_last_value_is_read(name, line, column, message, read):
    # As CloudFormation and SAM CLI read it: the last value wins, the rest of the file is read.
    parsed = parse(name)
    (problem,) = parsed.problems
    assert (problem.span.line, problem.span.column) == (line, column)
    assert problem.message.startswith(message) and "is not deployed" in problem.message
    assert [(r.address, leaf.span.line, leaf.candidates[0].text) for r in parsed.resources for leaf in r.leaves
            if leaf.path == ("FoundationModel",)] == read


def test_a_duplicate_key_in_a_mapping_copied_by_an_alias_is_reported_once_at_its_anchor():
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
        "  A:\n    Type: AWS::Bedrock::Agent\n    Properties: &agent\n"
        "      FoundationModel: anthropic.claude-v2\n      FoundationModel: ai21.j2-mid-v1\n"
        "  B:\n    Type: AWS::Bedrock::Agent\n    Properties: *agent\n"
    )
    parsed = parse_text(text)
    assert [(p.span.line, p.span.column) for p in parsed.problems] == [(7, 7)]
    # The replaced value is line 6 alone: the alias use on line 10 deploys the last value.
    assert [(r.start, r.end) for r in parsed.texts[0].regions if r.reason and "replaced" in r.reason] == [(6, 6)]
    assert [(r.address, r.leaves[0].span.line) for r in parsed.resources] == [("A", 7), ("B", 10)]


def test_a_duplicate_key_stays_an_error_for_a_caller_that_does_not_read_on():
    with pytest.raises(cfn_load.LoadError, match=r"^duplicate key 'a' \(first at line 1\)$"):
        cfn_load.load_yaml("a: 1\na: 2\n")
    with pytest.raises(cfn_load.LoadError, match="duplicate key 'a'"):
        cfn_load.load('{"a": 1, "a": 2}', prefer_json=True)


def test_alias_bomb_is_refused_quickly():
    start = time.perf_counter()
    parsed = parse("broken/alias-bomb.yaml")
    elapsed = time.perf_counter() - start
    (problem,) = parsed.problems
    assert "aliases" in problem.message and problem.span.line == 4
    assert elapsed < 1.0


def test_small_aliases_and_merge_keys_are_expanded():
    text = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  A:
    Type: AWS::Lambda::Function
    Properties:
      Environment: &env
        Variables: {MODEL_ID: anthropic.claude-v2}
  B:
    Type: AWS::Lambda::Function
    Properties:
      <<: {Environment: *env}
      Handler: index.handler
"""
    parsed = parse_text(text)
    b = resource(parsed, "B")
    assert texts(leaf(b, "Environment.Variables.MODEL_ID")) == ["anthropic.claude-v2"]
    # Reported at the alias that B uses, never at A's anchor (SPEC 8).
    assert leaf(b, "Environment.Variables.MODEL_ID").span == Span("inline.yaml", 11, 25)


def test_recursive_alias_and_unknown_tag_are_problems():
    recursive = parse_text('AWSTemplateFormatVersion: "2010-09-09"\nMetadata: &m [*m]\n')
    assert "recursive" in recursive.problems[0].message
    unknown = parse_text('AWSTemplateFormatVersion: "2010-09-09"\nResources: !Bogus x\n')
    assert unknown.problems[0].message == "unknown tag !Bogus"
    assert unknown.problems[0].span.line == 2


GARBAGE = [
    "",
    "\x00\x01AWSTemplateFormatVersion",
    "AWSTemplateFormatVersion",
    "[AWSTemplateFormatVersion, 1]",
    "{AWSTemplateFormatVersion: [",
    '{"AWSTemplateFormatVersion": "x", "Resources": {"A": {"Type": "AWS::X::Y"}}',
    "AWSTemplateFormatVersion: x\nResources: " + "[" * 5000,
    '{"AWSTemplateFormatVersion": ' + "[" * 5000 + "]" * 5000 + "}",
    "AWSTemplateFormatVersion: x\nResources: [1, 2]\n",
    "AWSTemplateFormatVersion: x\nParameters: [a]\nMappings: 3\nGlobals: [x]\nResources:\n"
    "  A: {Type: {Ref: X}}\n  B: 5\n  C: {Type: AWS::X::Y, Properties: nope}\n",
    "AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::X::Y\n    Properties:\n"
    "      a: !Ref [1]\n      b: !Sub 5\n      c: !Join [x]\n      d: !Select [9, [a]]\n"
    "      e: !FindInMap [Nope, a, b]\n      f: !GetAtt [1, 2, 3]\n      g: !If [c]\n"
    "      h: !Select [x, !Split [',', !Ref AWS::Region]]\n      i: !Base64 {Fn::Cidr: [a, 1, 2]}\n"
    "      j: !Sub [a, 5]\n      k: !FindInMap [M, !Ref AWS::Region, x]\n      l: {Fn::Unknown: 1}\n"
    "      m: {Ref: AWS::NoValue}\n      n: !Transform {Name: X}\n      o: !ToJsonString [1]\n"
    "    Metadata: {iac-check: 5}\n"
    "  B:\n    Type: AWS::Serverless::StateMachine\n    Properties: {DefinitionUri: {Bucket: b}}\n"
    "    Metadata: {iac-check: {ignore: [{rule: 5, until: [1]}, 7]}}\n"
    "  C:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      DefinitionString: '{\"nodes\": ['\n"
    "      DefinitionSubstitutions: [1]\n"
    "Mappings: {M: {a: 1}}\n",
    "AWSTemplateFormatVersion: x\nResources:\n  Fn::ForEach::Loop: [N, [a, b], {'R${N}': "
    "{Type: AWS::SSM::Parameter, Properties: {Value: anthropic.claude-v2}}}]\n",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_never_raises(text):
    for path in ("x.yaml", "x.json"):
        result = parse_template(text, path, TemplateOptions(base_dir=FIXTURES))
        assert result is None or isinstance(result, ParsedFile)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_fuzzed_text_never_raises(body):
    for prefix in ("AWSTemplateFormatVersion: x\n", '{"AWSTemplateFormatVersion": "x",'):
        result = parse_template(prefix + body, "f.yaml", TemplateOptions())
        assert result is None or isinstance(result, ParsedFile)


def test_for_each_bodies_are_read_once_per_value():
    parsed = parse_text(GARBAGE[-1])
    assert [r.address for r in parsed.resources] == ["Ra", "Rb"]
    assert all(texts(leaf(r, "Value")) == ["anthropic.claude-v2"] for r in parsed.resources)


def test_byte_order_mark_and_pure_python_loader(monkeypatch):
    text = (FIXTURES / "short-form.yaml").read_text()
    fast = parse_template("\ufeff" + text, "short-form.yaml", TemplateOptions())
    monkeypatch.setattr(cfn_load, "_YamlLoader", yaml.BaseLoader)
    slow = parse_template(text, "short-form.yaml", TemplateOptions())
    assert fast == slow and fast is not None and fast.resources


# -- scale ---------------------------------------------------------------------------------


def test_two_thousand_resources():
    parts = ['AWSTemplateFormatVersion: "2010-09-09"',
             "Parameters:\n  ModelId:\n    Type: String\n    Default: anthropic.claude-v2",
             "Resources:"]
    for i in range(2000):
        parts.append(
            f"  Fn{i}:\n    Type: AWS::Lambda::Function\n    Properties:\n"
            f"      Handler: index.handler\n      Runtime: python3.12\n"
            f"      Role: !GetAtt Role.Arn\n      Environment:\n        Variables:\n"
            f"          MODEL_ID: !Ref ModelId\n"
            f"          PROFILE: !Sub arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:"
            f"${{AWS::AccountId}}:inference-profile/us.${{ModelId}}\n"
            f"      Tags:\n        - Key: n\n          Value: '{i}'"
        )
    text = "\n".join(parts) + "\n"
    start = time.perf_counter()
    parsed = parse_template(text, "big.yaml", TemplateOptions(region="us-east-1"))
    elapsed = time.perf_counter() - start
    assert parsed is not None and len(parsed.resources) == 2000
    json_text = json.dumps(yaml.load(text.replace("!GetAtt Role.Arn", "x").replace(
        "!Ref ModelId", "x").replace("!Sub ", ""), Loader=yaml.SafeLoader), indent=1)
    start_json = time.perf_counter()
    parsed_json = parse_template(json_text, "big.json", TemplateOptions())
    elapsed_json = time.perf_counter() - start_json
    assert parsed_json is not None and len(parsed_json.resources) == 2000
    print(f"\n2,000-resource template: YAML {len(text) // 1024} KiB parsed in {elapsed:.3f} s, "
          f"JSON {len(json_text) // 1024} KiB parsed in {elapsed_json:.3f} s")
