"""CloudFormation read as it deploys: Fn::ForEach loops, CDK cloud assemblies, templates too
large to read (SPEC 5, 8)."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, by_rule, cli, scan_json

CFN = FIXTURES / "cloudformation"


def _refs(report: dict) -> list[tuple[int, int | None, str, str | None, int | None]]:
    return [(r["line"], r["column"], r["resource"], r["model_id"], (r["origin"] or {}).get("line"))
            for r in report["references"]]


def test_for_each_binds_its_variable_once_per_distinct_value():
    _, report = scan_json(str(CFN / "positions" / "foreach.yaml"), "--as-of", "2026-12-01")
    assert _refs(report) == [
        # `!Ref ModelId`, for each value of the literal collection (written on lines 16-17)
        (26, 25, "Summarizeranthropicclaudev2", "anthropic.claude-v2", 16),
        (26, 25, "Summarizerai21j2ultrav1", "ai21.j2-ultra-v1", 17),
        # `${ModelId}` inside Fn::Sub
        (27, 95, "Summarizeranthropicclaudev2", "anthropic.claude-v2", 16),
        (27, 95, "Summarizerai21j2ultrav1", "ai21.j2-ultra-v1", 17),
        # a CommaDelimitedList parameter as the collection, the variable as a FindInMap key
        (35, 28, "fastAgent", "anthropic.claude-instant-v1", 10),
        (35, 28, "smartAgent", "anthropic.claude-v2", 12),
    ]
    chain = report["references"][0]["origin"]["chain"]
    assert chain == ["Fn::ForEach::Summarizers ModelId"]


def test_for_each_over_an_unknown_collection_is_unresolved_not_dropped(tmp_path: Path):
    template = tmp_path / "loop.yaml"
    template.write_text("""AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Agents:
    - ModelId
    - !GetAtt Catalog.Models
    - Agent${ModelId}:
        Type: AWS::Bedrock::Agent
        Properties:
          AgentName: agent
          FoundationModel: !Ref ModelId
""")
    _, report = scan_json(str(template), "--as-of", "2026-12-01")
    [note] = by_rule(report, "BDR005")
    assert note["line"] == 11 and "collection cannot be resolved" in note["message"]


def test_cdk_assembly_reads_stack_templates_and_names_construct_paths():
    _, report = scan_json(str(CFN / "cdk-app"), "--as-of", "2026-12-01", "--region", "us-east-1")
    refs = [(r["file"], r["line"], r["column"], r["attribute_line"], r["resource"], r["construct_path"])
            for r in report["references"]]
    assert refs == [
        ("cdk.out/ChatStack.template.json", 22, 49, 14, "ChatFunctionServiceRoleDefaultPolicy5A1B2C3D",
         "ChatStack/ChatFunction/ServiceRole/DefaultPolicy/Resource"),
        ("cdk.out/ChatStack.template.json", 50, 20, 50, "ChatFunction1234ABCD", "ChatStack/ChatFunction/Resource"),
    ]
    # The asset, tree and cloud-assembly manifests are not templates: no reference, no error;
    # the construct tree's copy of the model is a mention that says it is not checked.
    assert {f["file"] for f in report["findings"]} == {"cdk.out/ChatStack.template.json"}
    assert [(m["file"], m["line"]) for m in report["mentions"]] == [("cdk.out/tree.json", 17)]
    _, text, _ = cli("scan", str(CFN / "cdk-app"), "--as-of", "2026-12-01", "--region", "us-east-1")
    assert "ChatFunction1234ABCD.Environment.Variables.MODEL_ID (ChatStack/ChatFunction/Resource)" in text


def test_a_template_too_large_to_read_is_reported_whatever_its_first_bytes(tmp_path: Path):
    # A Description long enough to push `AWS::` far past any head a scan could sniff.
    padding = "x" * 200_000
    (tmp_path / "big.template").write_text(
        f'{{"Description": "{padding}", "Resources": {{"A": {{"Type": "AWS::Bedrock::Agent"}}}}}}')
    (tmp_path / "data.json").write_text('{"rows": ["' + padding + '"]}')
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "x": "' + padding + '"}')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01", "--max-file-bytes", "100000")
    problems = {(f["file"], f["line"]): f["message"] for f in by_rule(report, "BDR000")}
    # Unsure whether data.json is a template: it is reported (fail closed); a lock file is not.
    assert sorted(problems) == [("big.template", 1), ("data.json", 1)]
    assert all("over the" in message for message in problems.values())


def test_inline_code_calling_a_model_is_an_on_demand_reference_at_its_own_line():
    _, report = scan_json(str(CFN / "positions" / "inline-code.yaml"), "--as-of", "2026-12-01")
    found = [(r["line"], r["column"], r["model_id"], r["usage"]) for r in report["references"]]
    assert found == [
        (15, 47, "anthropic.claude-v2", "on-demand"),  # SAM InlineCode (a `|` block)
        (26, 52, "ai21.j2-mid-v1", "on-demand"),  # Code.ZipFile (a folded `>-` block)
        (39, 35, "anthropic.claude-instant-v1", "on-demand"),  # AppSync resolver Code
        (52, 111, "meta.llama2-13b-chat-v1", "on-demand"),  # AppSync request mapping template
    ]


def test_a_definition_uri_file_reports_its_models_where_they_are_written():
    _, report = scan_json(str(CFN / "sam-app"), "--as-of", "2025-09-01", "--region", "us-east-1")
    machine = {(r["file"], r["line"], r["column"]): (r["origin"] or {}).get("line") for r in report["references"]
               if r["resource"] in ("SummariseStateMachine", "ReviewStateMachine")}
    # `${SummaryModelId}` / `${ReviewModel}` in the definition files; the origin is the template line
    # where the value is written (the parameter default the substitution names, the substitution).
    assert machine == {("statemachine/summarise.asl.json", 15, 21): 8, ("statemachine/review.asl.yaml", 8, 16): 52}


def test_nested_stacks_take_their_parents_parameters_and_point_at_the_child():
    _, report = scan_json(str(CFN / "nested"), "--as-of", "2026-12-01")
    found = [(r["file"], r["line"], r["resource"], r["model_id"], r["origin"]["file"], r["origin"]["line"],
              r["origin"]["chain"][-1]) for r in report["references"]]
    assert found == [
        # AWS::CloudFormation::Stack: the parent's `!Ref ChatModel`, written at its default
        ("stacks/agent.yaml", 14, "AgentStack.Agent", "anthropic.claude-v2", "parent.yaml", 6,
         "AgentStack Parameters ModelId"),
        # AWS::Serverless::Application: a literal in the parent's Parameters
        ("stacks/agent.yaml", 14, "SummaryApp.Agent", "anthropic.claude-instant-v1", "parent.yaml", 20,
         "SummaryApp Parameters ModelId"),
        # the child scanned on its own: its default
        ("stacks/agent.yaml", 14, "Agent", "anthropic.claude-3-haiku-20240307-v1:0", "stacks/agent.yaml", 6,
         "parameter ModelId default"),
    ]
    [refused] = by_rule(report, "BDR000")
    assert (refused["file"], refused["line"]) == ("parent.yaml", 25)
    assert "/etc/hosts is outside the project root" in refused["message"]
