"""`iac-check scan` on CloudFormation, SAM and CDK output, end to end (SPEC sections 5, 7, 8)."""

from __future__ import annotations

from conftest import FIXTURES, by_rule, cli, scan_json

from validator.account import NOT_CHECKED

CFN = FIXTURES / "cloudformation"


def findings_at(report, file):
    return sorted((f["line"], f["rule_id"], f["model_id"]) for f in report["findings"] if f["file"] == file)


def test_short_form_template_lines_and_parameter_origin():
    _, report = scan_json(str(CFN / "short-form.yaml"), "--as-of", "2025-09-01", "--region", "us-east-1")
    [agent] = [f for f in by_rule(report, "BDR001") if f["attribute"] == "FoundationModel"]
    assert (agent["line"], agent["column"], agent["resource"]) == (20, 24, "SupportAgent")
    assert agent["origin"] == {
        "file": str(CFN / "short-form.yaml"), "line": 7, "chain": ["parameter AgentModelId default"]
    }
    [unresolved] = by_rule(report, "BDR005")
    assert unresolved["line"] == 27 and "RoutingModelId" in unresolved["message"]


def test_parameters_file_overrides_defaults():
    _, report = scan_json(str(CFN / "short-form.yaml"), "--as-of", "2025-09-01", "--region", "us-east-1",
                          "--parameters-file", str(CFN / "parameters" / "cli-parameters.json"))
    agent = [f for f in report["findings"] if f["attribute"] == "FoundationModel" and f["line"] == 20]
    assert [f["model_id"] for f in agent] == ["anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert not by_rule(report, "BDR005")


def test_parameter_option_wins_over_file():
    _, report = scan_json(str(CFN / "short-form.yaml"), "--as-of", "2025-09-01", "--region", "us-east-1",
                          "--parameters-file", str(CFN / "parameters" / "cli-parameters.json"),
                          "--parameter", "AgentModelId=anthropic.claude-v1")
    agent = [f for f in report["findings"] if f["attribute"] == "FoundationModel" and f["line"] == 20]
    assert [f["model_id"] for f in agent] == ["anthropic.claude-v1"]


def test_allowed_values_with_an_eol_model_are_flagged_at_their_line():
    _, report = scan_json(str(CFN / "parameters-mappings.yaml"), "--as-of", "2025-09-01", "--region", "us-east-1")
    allowed = [(f["line"], f["model_id"]) for f in by_rule(report, "BDR001")
               if f["resource"] == "Parameters.ChatModelId"]
    assert allowed == [(15, "anthropic.claude-v2")]


def test_sam_globals_and_local_state_machine_definition():
    _, report = scan_json(str(CFN / "sam-app"), "--as-of", "2025-09-01", "--region", "us-east-1")
    # The Globals line is one place that both functions inherit: one finding naming both.
    functions = [f["instances"] for f in by_rule(report, "BDR001")]
    # ../outside.asl.json is outside the template's directory but inside the project root.
    assert functions == [["EscapingStateMachine"], ["ClassifyFunction", "SummariseFunction"]]
    [state_machine] = [r for r in report["references"] if r["resource"] == "SummariseStateMachine"
                       and r["attribute"] == "Definition.States.Summarise.Parameters.ModelId"]
    # Reported in the definition file where `${SummaryModelId}` is used (SPEC 5).
    assert (state_machine["file"], state_machine["line"]) == ("statemachine/summarise.asl.json", 15)
    assert state_machine["origin"]["chain"][-1] == "DefinitionSubstitutions SummaryModelId"


def test_cdk_template_join_arns_are_found():
    _, report = scan_json(str(CFN / "cdk"), "--as-of", "2025-09-01", "--region", "us-east-1")
    models = {f["model_id"] for f in report["findings"] if f["file"] == "ChatStack.template.json"}
    assert "anthropic.claude-3-5-sonnet-20240620-v1:0" in models


def test_metadata_suppression_expiry_fails_closed():
    _, report = scan_json(str(CFN / "suppressions.yaml"), "--as-of", "2025-09-01", "--region", "us-east-1")
    expired = [f for f in by_rule(report, "BDR009") if "expired on 2025-06-30" in f["message"]]
    assert [f["line"] for f in expired] == [8]
    # The entry that names BDR001 itself is a deliberate choice and does cover the EOL finding.
    assert [f["suppressed"] for f in by_rule(report, "BDR001")] == [True]


def test_other_yaml_and_json_name_their_models_as_not_checked_and_broken_templates_are_bdr000():
    # A CI workflow's `--parameter-overrides`, a Kubernetes ConfigMap: not templates, so not
    # checked, and the report says so for each model they name rather than nothing.
    _, report = scan_json(str(CFN / "not-templates"), "--as-of", "2025-09-01", "--allow-empty")
    assert report["findings"] == [] and report["references"] == [] and report["summary"]["files_scanned"] == 3
    assert [(m["file"], m["line"], m["reason"]) for m in report["mentions"]] == [
        ("ci-workflow.yml", 14, NOT_CHECKED), ("ci-workflow.yml", 16, NOT_CHECKED), ("kubernetes.yaml", 6, NOT_CHECKED)]
    _, broken = scan_json(str(CFN / "broken"), "--as-of", "2025-09-01")
    # The alias bomb holds no model text: the prefilter never parses it (nothing to hide).
    assert sorted((f["file"], f["line"]) for f in by_rule(broken, "BDR000")) == [
        ("duplicate-key.json", 5), ("duplicate-key.yaml", 8), ("syntax-error.json", 6), ("syntax-error.yaml", 7),
    ]


def test_a_repeated_key_fails_the_check_and_every_model_is_still_at_its_line():
    # A SAM function repeats `Runtime` and a variable; CloudFormation deploys the last value of
    # each. The file is read on: each model is a reference at its line, the value a later key
    # replaced is a mention saying so, and each repeated key is a BDR000 where it is written.
    _, report = scan_json(str(CFN / "duplicates"), "--as-of", "2026-12-01")
    errors = [(f["file"], f["line"], f["column"], f["message"].split(":")[0]) for f in by_rule(report, "BDR000")]
    assert errors == [
        ("template.json", 11, 9, "duplicate key 'Runtime' (first at line 8)"),
        ("template.json", 15, 13, "duplicate key 'MODEL_ID' (first at line 14)"),
        ("template.yaml", 17, 7, "duplicate key 'Runtime' (first at line 15)"),
        ("template.yaml", 22, 11, "duplicate key 'DRAFT_MODEL_ID' (first at line 21)"),
    ]
    assert sorted((r["file"], r["line"], r["column"], r["model_id"]) for r in report["references"]) == [
        ("template.json", 15, 26, "anthropic.claude-instant-v1"),
        ("template.json", 22, 67, "meta.llama2-70b-chat-v1"),
        ("template.yaml", 20, 21, "anthropic.claude-v2"),
        ("template.yaml", 22, 27, "amazon.titan-text-express-v1"),
        ("template.yaml", 27, 69, "anthropic.claude-v2"),
        ("template.yaml", 33, 24, "meta.llama2-13b-chat-v1"),
    ]
    assert [(m["file"], m["line"], m["raw"], m["reason"]) for m in report["mentions"]] == [
        ("template.json", 14, "cohere.command-text-v14",
         "a value replaced by the duplicate key 'MODEL_ID' at line 15 (the last value is read)"),
        ("template.yaml", 21, "ai21.j2-mid-v1",
         "a value replaced by the duplicate key 'DRAFT_MODEL_ID' at line 22 (the last value is read)"),
    ]


def test_region_from_environment_applies_to_templates():
    code, out, _ = cli("scan", str(CFN / "long-form.yaml"), "--as-of", "2025-09-01", "--no-color",
                       env={"AWS_DEFAULT_REGION": "us-east-1"})
    assert code == 1 and "BDR001" in out
