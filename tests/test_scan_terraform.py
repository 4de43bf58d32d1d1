"""End-to-end behaviour of `iac-check scan` on Terraform trees (SPEC sections 3, 4, 5)."""

from __future__ import annotations

from pathlib import Path

from conftest import by_rule, cli, scan_json


def test_agent_on_claude_v1_is_legacy_then_eol(tf_fixture):
    _, before = scan_json(tf_fixture("agent"), "--as-of", "2024-01-15")
    _, after = scan_json(tf_fixture("agent"), "--as-of", "2024-03-01")
    legacy = [f for f in by_rule(before, "BDR002") if f["attribute"] == "foundation_model"]
    eol = [f for f in by_rule(after, "BDR001") if f["attribute"] == "foundation_model"]
    assert [(f["file"], f["line"], f["severity"]) for f in legacy] == [("main.tf", 32, "warning")]
    assert [(f["file"], f["line"], f["severity"]) for f in eol] == [("main.tf", 32, "error")]
    assert legacy[0]["replacement"] == eol[0]["replacement"] == "anthropic.claude-v2:1"
    assert "anthropic.claude-v2:1" in eol[0]["message"] and "2024-02-28" in eol[0]["message"]
    assert not by_rule(before, "BDR001") and not by_rule(after, "BDR002")


def test_iam_policy_arn_inside_jsonencode_is_an_indirect_reference(tf_fixture):
    _, report = scan_json(tf_fixture("agent"), "--as-of", "2024-03-01")
    policy = [f for f in by_rule(report, "BDR001") if f["resource"] == "aws_iam_role_policy.invoke"]
    # The line of the string inside jsonencode() that holds the ARN; `policy =` is attribute_line.
    assert [(f["line"], f["attribute_line"], f["model_id"], f["region"]) for f in policy] == [
        (45, 40, "anthropic.claude-v1", "us-east-1")]


def test_exit_codes_follow_fail_on(tf_fixture):
    assert cli("scan", tf_fixture("agent"), "--as-of", "2024-03-01")[0] == 1
    assert cli("scan", tf_fixture("agent"), "--as-of", "2024-01-15")[0] == 0
    assert cli("scan", tf_fixture("agent"), "--as-of", "2024-01-15", "--fail-on", "warning")[0] == 1
    assert cli("scan", tf_fixture("agent"), "--as-of", "2024-03-01", "--fail-on", "never")[0] == 0


def test_usage_errors_exit_2(tf_fixture):
    assert cli("scan", "no/such/dir")[0] == 2
    assert cli("scan", tf_fixture("agent"), "--as-of", "yesterday")[0] == 2
    assert cli("scan", tf_fixture("agent"), "--format", "xml")[0] == 2
    assert cli("scan", tf_fixture("agent"), "--var", "novalue")[0] == 2
    assert cli("scan", tf_fixture("agent"), "--no-such-option")[0] == 2


def test_six_month_commitment_outlives_llama2_but_one_month_does_not(tf_fixture):
    _, report = scan_json(tf_fixture("provisioned"), "--as-of", "2024-05-01")
    outlives = by_rule(report, "BDR003")
    assert [(f["resource"], f["line"]) for f in outlives] == [
        ("aws_bedrock_provisioned_model_throughput.chat_six_months", 8)
    ]
    assert "2024-11-01" in outlives[0]["message"] and "2024-08-12" in outlives[0]["message"]
    assert outlives[0]["usage"] == "provisioned"


def test_fail_within_escalates_legacy_to_error(tf_fixture):
    _, relaxed = scan_json(tf_fixture("agent"), "--as-of", "2024-01-15")
    _, strict = scan_json(tf_fixture("agent"), "--as-of", "2024-01-15", "--fail-within", "60")
    assert {f["severity"] for f in by_rule(relaxed, "BDR002")} == {"warning"}
    assert {f["severity"] for f in by_rule(strict, "BDR002")} == {"error"}


def test_ai21_j2_is_end_of_life_only_in_us_west_2(tf_fixture):
    _, report = scan_json(tf_fixture("regions"), "--as-of", "2024-08-01")
    eol = by_rule(report, "BDR001")
    assert [(f["resource"], f["region"]) for f in eol] == [("aws_bedrockagent_agent.west", "us-west-2")]
    east = [r for r in report["references"] if r["resource"] == "aws_bedrockagent_agent.east"]
    assert [(r["region"], r["lifecycle"]) for r in east] == [("us-east-1", "active")]


def test_region_unknown_applies_the_regional_row_and_says_so(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = "ai21.j2-mid-v1"\n}\n'
    )
    _, report = scan_json(str(tmp_path), "--as-of", "2024-08-01")
    [finding] = by_rule(report, "BDR001")
    assert finding["region"] is None and "us-west-2" in finding["message"] and "--region" in finding["message"]
    _, with_region = scan_json(str(tmp_path), "--as-of", "2024-08-01", "--region", "eu-central-1")
    assert [f["rule_id"] for f in with_region["findings"]] == ["BDR012"]
    _, from_env = scan_json(str(tmp_path), "--as-of", "2024-08-01", env={"AWS_REGION": "us-west-2"})
    assert [f["region"] for f in by_rule(from_env, "BDR001")] == ["us-west-2"]


def test_variable_from_tfvars_reports_use_site_with_origin(tf_fixture):
    _, report = scan_json(tf_fixture("tfvars"), "--as-of", "2025-08-01")
    agent = [f for f in by_rule(report, "BDR001") if f["resource"] == "aws_bedrockagent_agent.assistant"]
    assert [(f["file"], f["line"], f["model_id"]) for f in agent] == [("main.tf", 12, "anthropic.claude-v2")]
    assert agent[0]["origin"] == {
        "file": "terraform.tfvars", "line": 1, "chain": ["terraform.tfvars: chat_model_id", "var.chat_model_id"]
    }
    policy = [f for f in by_rule(report, "BDR001") if f["resource"] == "data.aws_iam_policy_document.invoke"]
    assert [(f["line"], f["origin"]["file"]) for f in policy] == [(32, "terraform.tfvars")]
    env = [f for f in report["findings"] if f["resource"] == "aws_lambda_function.router"]
    assert sorted((f["line"], f["model_id"]) for f in env) == [
        (45, "anthropic.claude-v2"), (46, "meta.llama2-13b-chat-v1")
    ]


def test_var_option_overrides_tfvars(tf_fixture):
    _, report = scan_json(tf_fixture("tfvars"), "--as-of", "2025-08-01", "--var", "chat_model_id=anthropic.claude-v1")
    agent = [f for f in report["findings"] if f["resource"] == "aws_bedrockagent_agent.assistant"]
    assert [f["model_id"] for f in agent] == ["anthropic.claude-v1"]
    assert agent[0]["origin"]["chain"] == ["--var chat_model_id", "var.chat_model_id"]


def test_variable_default_is_used_without_tfvars(tmp_path: Path):
    (tmp_path / "variables.tf").write_text('variable "m" {\n  default = "anthropic.claude-v1"\n}\n')
    (tmp_path / "main.tf").write_text('resource "aws_bedrockagent_agent" "a" {\n  foundation_model = var.m\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    [finding] = by_rule(report, "BDR001")
    assert (finding["file"], finding["line"]) == ("main.tf", 2)
    assert finding["origin"] == {"file": "variables.tf", "line": 2, "chain": ["variable m default"]}


def test_declarations_alone_are_not_references(tmp_path: Path):
    (tmp_path / "variables.tf").write_text('variable "m" {\n  default = "anthropic.claude-v1"\n}\n')
    (tmp_path / "terraform.tfvars").write_text('m = "anthropic.claude-v1"\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert report["references"] == [] and report["findings"] == []


def test_broken_file_is_bdr000_and_the_rest_is_scanned(tf_fixture):
    code, report = scan_json(tf_fixture("broken"), "--as-of", "2024-01-15")
    [parse_error] = by_rule(report, "BDR000")
    assert (parse_error["file"], parse_error["line"], parse_error["severity"]) == ("bad.tf", 7, "error")
    assert [f["file"] for f in by_rule(report, "BDR002")] == ["good.tf"]
    assert code == 1


def test_unresolved_variable_is_reported_not_dropped(tf_fixture):
    _, report = scan_json(tf_fixture("unresolved"), "--as-of", "2024-01-15")
    [unresolved] = by_rule(report, "BDR005")
    assert unresolved["line"] == 9 and unresolved["model_id"] is None and unresolved["severity"] == "note"
    assert "no default" in unresolved["message"]
    refs = [r for r in report["references"] if r["resource"] == "aws_bedrockagent_agent.unknown_model"]
    assert [r["model_id"] for r in refs] == [None]


def test_unknown_version_is_a_note_not_a_typo(tf_fixture):
    """anthropic.claude-v2:2 differs from the known v2:1 by a version digit: another version
    (maybe newer than the catalog), never "did you mean" an older one."""
    _, report = scan_json(tf_fixture("unresolved"), "--as-of", "2024-01-15")
    [unknown] = by_rule(report, "BDR004")
    assert unknown["severity"] == "note" and "did you mean" not in unknown["message"]
    assert "catalog of 2026-10-07" in unknown["message"] and "catalog sync" in unknown["message"]


def test_text_output_is_one_line_per_finding_with_summary(tf_fixture):
    _, out, _ = cli("scan", tf_fixture("agent"), "--as-of", "2024-03-01", "--no-color")
    lines = out.strip().splitlines()
    assert lines[0].startswith("main.tf:32:30 ERROR BDR001 aws_bedrockagent_agent.support.foundation_model")
    assert lines[-1].startswith("1 files, 2 model references: 2 errors") or "2 errors" in lines[-1]
    assert "\x1b[" not in out


def test_output_file_is_written(tf_fixture, tmp_path: Path):
    target = tmp_path / "report.json"
    code, out, _ = cli("scan", tf_fixture("agent"), "--as-of", "2024-03-01", "-f", "json", "--output", str(target))
    assert code == 1 and out == "" and '"rule_id": "BDR001"' in target.read_text()


def test_file_given_directly_keeps_its_path(tf_fixture):
    path = tf_fixture("agent") + "/main.tf"
    _, report = scan_json(path, "--as-of", "2024-03-01")
    assert {f["file"] for f in report["findings"]} == {path}


def test_report_is_deterministic(tf_fixture):
    first = cli("scan", tf_fixture(""), "--as-of", "2024-03-01", "-f", "json")[1]
    second = cli("scan", tf_fixture(""), "--as-of", "2024-03-01", "-f", "json")[1]
    assert first == second


def test_identical_files_are_parsed_once_and_reported_under_their_own_names(tmp_path: Path, monkeypatch):
    from validator.terraform import load

    agent = ('resource "aws_bedrockagent_agent" "a" {\n  agent_name = "a"\n'
             '  foundation_model = "anthropic.claude-v1"\n}\n')
    broken = 'resource "aws_bedrockagent_agent" "b" {\n  foundation_model = "anthropic.claude-v1"\n'
    for name in ("team-a", "team-b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(agent)
        (tmp_path / name / "broken.tf").write_text(broken)
    parsed = []
    real = load.parse_text
    monkeypatch.setattr(load, "parse_text", lambda *args: parsed.append(args[:2]) or real(*args))
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01", "--jobs", "1")
    assert len(parsed) == 2  # one text each, not one per file
    assert sorted((f["rule_id"], f["file"], f["line"]) for f in report["findings"]) == [
        ("BDR000", "team-a/broken.tf", 3), ("BDR000", "team-b/broken.tf", 3),
        ("BDR001", "team-a/main.tf", 3), ("BDR001", "team-b/main.tf", 3)]


def test_attribute_of_a_map_entry_chosen_by_a_variable_is_resolved(tmp_path: Path):
    # `local.models[var.env].id` was an unevaluated expression (a BDR005 note) and hid an EOL model.
    (tmp_path / "main.tf").write_text(
        'variable "env" {\n  default = "prod"\n}\n\nlocals {\n  models = {\n'
        '    prod    = { id = "anthropic.claude-v1" }\n    staging = { id = "anthropic.claude-v2:1" }\n  }\n}\n\n'
        'resource "aws_bedrockagent_agent" "support" {\n  agent_name       = "support"\n'
        '  foundation_model = local.models[var.env].id\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-11-28", "--region", "us-east-1")
    assert [(f["rule_id"], f["line"], f["model_id"]) for f in report["findings"]] == [
        ("BDR001", 14, "anthropic.claude-v1")]


def test_progress_counts_templates_then_terraform_roots(tmp_path: Path):
    from datetime import date

    from validator.catalog import load_catalog
    from validator.config import Settings
    from validator.scan import run_scan

    agent = 'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = "anthropic.claude-v1"\n}\n'
    for name in ("chat", "search"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(agent)
    (tmp_path / "stack.yaml").write_text("Resources:\n  Agent:\n    Type: AWS::Bedrock::Agent\n"
                                         "    Properties:\n      FoundationModel: anthropic.claude-v1\n")
    told: list[tuple[int, int]] = []
    run_scan(Settings(as_of=date(2024, 3, 1), paths=(str(tmp_path),), jobs=1), load_catalog(), env={},
             progress=lambda done, total: told.append((done, total)))
    assert told == [(1, 3), (2, 3), (3, 3), (3, 3)]
