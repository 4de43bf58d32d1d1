"""`iac-check fix`: each literal form is rewritten at its origin, byte for byte, or refused with a reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, by_rule, cli, scan_json

OLD = "anthropic.claude-3-haiku-20240307-v1:0"
NEW = "anthropic.claude-haiku-4-5-20251001-v1:0"
AS_OF = ("--as-of", "2026-12-01")


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / "fix" / name, target)
    return target


def _edited(original: str, edits: dict[int, tuple[str, str]]) -> str:
    """`original` with, on each 1-based line, the one occurrence of old replaced by new."""
    lines = original.split("\n")
    for number, (old, new) in edits.items():
        assert lines[number - 1].count(old) == 1, lines[number - 1]
        lines[number - 1] = lines[number - 1].replace(old, new)
    return "\n".join(lines)


ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{OLD}"
NEW_ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{NEW}"


def test_terraform_literals_are_rewritten_where_written_and_nothing_else(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    main_before = (tree / "main.tf").read_text()
    tfvars_before = (tree / "terraform.tfvars").read_text()
    code, out, _ = cli("fix", str(tree), *AS_OF)
    assert code == 0, out
    assert (tree / "terraform.tfvars").read_text() == _edited(tfvars_before, {2: (OLD, NEW)})
    assert (tree / "main.tf").read_text() == _edited(main_before, {
        18: (OLD, NEW),                    # a variable default, comment kept
        23: (f"{OLD}:200k", NEW),          # a local; the new version has no 200k variant
        56: (ARN, NEW_ARN),                # an ARN stays an ARN
        69: (ARN, NEW_ARN),                # inside a heredoc
    })
    assert f"fixed terraform.tfvars:2:16  {OLD} -> {NEW}" in out
    assert "5 literal(s) edited in 2 file(s); 0 finding(s) left alone" in out


def test_a_rescan_after_fix_has_none_of_the_findings_it_fixed(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    _, before = scan_json(str(tree), *AS_OF)
    assert len(by_rule(before, "BDR001")) == 5
    cli("fix", str(tree), *AS_OF)
    code, after = scan_json(str(tree), *AS_OF)
    assert by_rule(after, "BDR001") == []
    assert code == 0
    assert {r["model_id"] for r in after["references"]} == {NEW}


def test_diff_prints_the_change_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    before = {p: p.read_bytes() for p in tree.iterdir()}
    code, out, err = cli("fix", str(tree), *AS_OF, "--diff")
    assert code == 1
    assert {p: p.read_bytes() for p in tree.iterdir()} == before
    assert f'-agent_model = "{OLD}"\n+agent_model = "{NEW}"\n' in out
    assert out.count("--- a/") == out.count("+++ b/") == 2
    assert "would fix terraform.tfvars:2:16" in err


def test_diff_with_nothing_to_change_exits_0(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    cli("fix", str(tree), *AS_OF)
    code, out, err = cli("fix", str(tree), *AS_OF, "--diff")
    assert (code, out) == (0, "")
    assert "0 literal(s) to edit" in err


def test_cloudformation_parameter_default_allowed_values_and_mapping(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "cloudformation")
    before = (tree / "agent.yaml").read_text()
    code, out, _ = cli("fix", str(tree), *AS_OF, "--region", "us-east-1")
    assert code == 0, out
    assert (tree / "agent.yaml").read_text() == _edited(before, {
        8: (OLD, NEW),     # Parameters.AgentModelId.Default
        10: (OLD, NEW),    # ... and its AllowedValues entry, so the default stays allowed
        16: (OLD, NEW),    # the mapping entry the region selects
    })


def test_line_endings_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    tfvars = tree / "terraform.tfvars"
    crlf = tfvars.read_text().replace("\n", "\r\n").encode("utf-8")
    tfvars.write_bytes(b"\xef\xbb\xbf" + crlf)
    cli("fix", str(tree), *AS_OF)
    assert tfvars.read_bytes() == b"\xef\xbb\xbf" + crlf.replace(OLD.encode(), NEW.encode())


def test_utf16_file_stays_utf16(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    tfvars = tree / "terraform.tfvars"
    text = tfvars.read_text()
    tfvars.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    cli("fix", str(tree), *AS_OF)
    assert tfvars.read_bytes() == b"\xff\xfe" + text.replace(OLD, NEW).encode("utf-16-le")


def test_refusals_each_say_why_and_change_nothing_else(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "refusals")
    before = (tree / "main.tf").read_text()
    code, out, _ = cli("fix", str(tree), *AS_OF)
    assert code == 0
    assert (tree / "main.tf").read_text() == _edited(before, {49: (OLD, NEW)})
    assert (f"left alone main.tf:15  BDR001 {OLD}: it feeds a provisioned throughput "
            "(aws_bedrock_provisioned_model_throughput.chat): changing the model replaces a paid resource; "
            "create the new one, move traffic to it, then remove the old one") in out
    assert f"left alone main.tf:28  BDR001 {OLD}: a finding on it is suppressed (private extension, LEGAL-42)" in out
    assert "the model ID is written more than once on main.tf:41: edit it by hand" in out


def test_custom_model_base_is_explained_not_edited(tmp_path: Path) -> None:
    tree = tmp_path / "custom"
    shutil.copytree(FIXTURES / "terraform" / "custom-model", tree)
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    _, out, _ = cli("fix", str(tree), *AS_OF)
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before
    assert "fixed" not in out
    assert "a custom model (aws_bedrock_custom_model.support_tone)" in out


def test_different_replacements_by_region_are_refused(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "regions")
    before = (tree / "main.tf").read_bytes()
    _, out, _ = cli("fix", str(tree), *AS_OF, "--catalog", str(tree / "catalog.yaml"))
    assert (tree / "main.tf").read_bytes() == before
    assert f"it feeds references with different replacements: acme.assistant-v2, {NEW}" in out


def test_profiles_arns_and_suffixes_keep_their_form_where_the_replacement_has_it(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "profiles")
    before = (tree / "main.tf").read_text()
    profile_arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
    _, out, _ = cli("fix", str(tree / "main.tf"), *AS_OF, "--catalog", str(tree / "catalog.yaml"))
    assert (tree / "main.tf").read_text() == _edited(before, {
        7: (f"us.{OLD}", f"us.{NEW}"),                                  # reaches an ARN through ${var...}
        19: (f"us.{OLD}", f"us.{NEW}"),
        21: (f"{profile_arn}eu.{OLD}", f"{profile_arn}eu.{NEW}"),     # a profile ARN keeps its profile
        22: (f"{OLD}:48k", f"{NEW}:48k"),                              # the replacement has a 48k variant
    })
    assert (f"main.tf:20  BDR001 apac.{OLD}: the catalog does not list {NEW} under the apac. "
            "inference profile: choose the profile by hand") in out


def test_two_literals_on_one_line_are_both_rewritten(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "same-line")
    before = (tree / "main.tf").read_text()
    cli("fix", str(tree), *AS_OF, "--catalog", str(tree / "catalog.yaml"))
    assert (tree / "main.tf").read_text() == before.replace(
        f'"{OLD},amazon.titan-text-lite-v1"', f'"{NEW},amazon.nova-lite-v1:0"')


def test_first_and_last_line_of_a_file_without_final_newline(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    (tree / "terraform.tfvars").write_text(f'agent_model = "{OLD}"')
    cli("fix", str(tree), *AS_OF)
    assert (tree / "terraform.tfvars").read_text() == f'agent_model = "{NEW}"'


def test_the_replacement_need_only_be_active_where_the_literal_is_used(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "regions")
    main = tree / "main.tf"
    us_only = main.read_text().split('resource "aws_bedrockagent_agent" "eu"')[0]
    main.write_text(us_only)
    _, out, _ = cli("fix", str(tree), *AS_OF, "--catalog", str(tree / "catalog.yaml"))
    assert main.read_text() == us_only.replace('default = "acme.assistant-v1"', 'default = "acme.assistant-v2"')
    assert "1 literal(s) edited in 1 file(s); 0 finding(s) left alone" in out


def test_a_file_keeps_its_mode(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    tfvars = tree / "terraform.tfvars"
    tfvars.chmod(0o640)
    cli("fix", str(tree), *AS_OF)
    assert NEW in tfvars.read_text()
    assert tfvars.stat().st_mode & 0o7777 == 0o640
    assert [p.name for p in tree.iterdir() if p.name.startswith(".")] == []


def test_diff_of_a_utf16_file_shows_its_text(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    tfvars = tree / "terraform.tfvars"
    tfvars.write_bytes(b"\xff\xfe" + tfvars.read_text().encode("utf-16-le"))
    _, out, _ = cli("fix", str(tree), *AS_OF, "--diff")
    assert f'+agent_model = "{NEW}"\n' in out


def test_a_file_outside_the_scanned_tree_is_not_edited(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "module-outside")
    module = tree / "modules" / "agent" / "main.tf"
    before = module.read_bytes()
    _, out, _ = cli("fix", str(tree / "envs" / "prod"), *AS_OF, "--root", str(tree))
    assert module.read_bytes() == before
    assert "modules/agent/main.tf is outside the scanned tree" in out


def test_legacy_versions_move_only_with_include_legacy(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "legacy")
    catalog = ("--catalog", str(tree / "catalog.yaml"))
    before = (tree / "main.tf").read_text()
    _, out, _ = cli("fix", str(tree), *AS_OF, *catalog)
    assert (tree / "main.tf").read_text() == before
    assert "left alone main.tf:14  BDR001 acme.faq-bot-v1: the catalog names no replacement that is Active" in out
    code, _, err = cli("fix", str(tree), *AS_OF, *catalog, "--rule", "BDR002")
    assert code == 2 and "add --include-legacy" in err
    cli("fix", str(tree), *AS_OF, *catalog, "--include-legacy")
    assert (tree / "main.tf").read_text() == _edited(before, {8: ("acme.faq-bot-v2", NEW)})


def test_rule_narrows_the_findings_fixed(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "terraform")
    before = {p: p.read_bytes() for p in tree.iterdir()}
    code, out, _ = cli("fix", str(tree), *AS_OF, "--rule", "BDR007")
    assert code == 0 and "0 literal(s) edited" in out
    assert {p: p.read_bytes() for p in tree.iterdir()} == before
    code, _, err = cli("fix", str(tree), *AS_OF, "--rule", "BDR003")
    assert code == 2 and "BDR001, BDR007, BDR002 only" in err


@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown"])
def test_reports_carry_the_fix(fmt: str) -> None:
    tree = FIXTURES / "fix" / "terraform"
    code, out, _ = cli("scan", str(tree), *AS_OF, "--format", fmt)
    assert code == 1
    if fmt == "json":
        fixed = [f["fix"] for f in json.loads(out)["findings"] if "fix" in f]
        assert {"file": "terraform.tfvars", "line": 2, "column": 16, "old": OLD, "new": NEW} in fixed
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        change = next(r["fixes"][0]["artifactChanges"][0] for r in results if "fixes" in r
                      and r["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"].endswith("terraform.tfvars"))
        assert change["replacements"] == [{
            "deletedRegion": {"startLine": 2, "startColumn": 16, "endLine": 2, "endColumn": 16 + len(OLD)},
            "insertedContent": {"text": NEW},
        }]
    else:
        assert f'```suggestion\nagent_model = "{NEW}"\n```' in out


def test_suppressed_and_provisioned_findings_carry_no_fix() -> None:
    _, report = scan_json(str(FIXTURES / "fix" / "refusals"), *AS_OF)
    assert [f["resource"] for f in report["findings"] if "fix" in f] == ["aws_bedrockagent_agent.faq"]


def test_on_the_bundled_examples_only_explained_findings_remain(tmp_path: Path) -> None:
    tree = tmp_path / "examples"
    shutil.copytree(FIXTURES.parent / "examples", tree)
    _, out, _ = cli("fix", str(tree), *AS_OF)
    explained = {line.split("  ")[0].removeprefix("left alone ") for line in out.splitlines()
                 if line.startswith("left alone ")}
    _, report = scan_json(str(tree), *AS_OF)
    remaining = {f"{f['file']}:{f['line']}" for f in report["findings"]
                 if f["rule_id"] in ("BDR001", "BDR007") and not f["suppressed"]}
    assert remaining <= explained
    assert any(line.startswith("fixed ") for line in out.splitlines())


def test_diff_context_lines_cannot_be_read_as_workflow_commands(tmp_path: Path) -> None:
    # A heredoc line next to the model is a context line of the diff: " ::add-mask::..."
    # would be a command to the Actions runner, which reads a line after leading spaces.
    (tmp_path / "main.tf").write_text(
        'locals {\n  banner = <<EOT\n::stop-commands::forged\nEOT\n'
        f'  model = "{OLD}"\n}}\n\n'
        'resource "aws_bedrockagent_agent" "a" {\n  agent_name = "a"\n  foundation_model = local.model\n}\n')
    code, out, _ = cli("fix", str(tmp_path), *AS_OF, "--region", "us-east-1", "--diff")
    assert code == 1
    assert f'+  model = "{NEW}"' in out
    assert [line for line in out.split("\n") if line.lstrip().startswith("::")] == []


def test_a_file_that_cannot_be_written_is_an_error_not_a_traceback(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _copy(tmp_path, "terraform")

    def refuse(_source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr("validator.fix.os.replace", refuse)
    code, _, err = cli("fix", str(tree), *AS_OF)
    assert code == 2
    assert "Permission denied" in err
    assert [p.name for p in tree.iterdir() if p.name.startswith(".")] == []


def test_a_module_terraform_init_downloaded_is_not_edited(tmp_path: Path) -> None:
    # `terraform init` writes it again from the registry: the edit would be lost, and the
    # summary would claim a fix that never reaches the code under review.
    (tmp_path / "main.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n\n'
                                      'module "bot" {\n  source = "acme/bot/aws"\n}\n')
    installed = tmp_path / ".terraform" / "modules" / "bot"
    installed.mkdir(parents=True)
    module = installed / "main.tf"
    module.write_text(f'variable "model" {{\n  default = "{OLD}"\n}}\n\n'
                      'resource "aws_bedrockagent_agent" "a" {\n  agent_name       = "a"\n'
                      '  foundation_model = var.model\n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules": [{"Key": "", "Source": "", "Dir": "."}, '
        '{"Key": "bot", "Source": "registry.terraform.io/acme/bot/aws", "Dir": ".terraform/modules/bot"}]}')
    before = module.read_bytes()
    code, out, _ = cli("fix", str(tmp_path), *AS_OF)
    assert module.read_bytes() == before
    assert code == 0
    assert "downloaded by terraform init" in out
    assert "0 literal(s) edited" in out


def test_diff_splits_lines_where_the_file_does(tmp_path: Path) -> None:
    # A bare \r ends a YAML line for PyYAML, the report and `fix`, but not for `patch`:
    # the edit lands on the reported line, and the diff numbers lines as `patch` does.
    (tmp_path / "template.yaml").write_bytes(
        b'AWSTemplateFormatVersion: "2010-09-09"\nDescription: "one\rtwo"\nParameters:\n  M:\n'
        b'    Type: String\n    Default: ' + OLD.encode() + b'\nResources:\n  A:\n    Type: AWS::Bedrock::Agent\n'
        b'    Properties:\n      AgentName: a\n      FoundationModel: !Ref M\n')
    code, out, _ = cli("fix", str(tmp_path), *AS_OF, "--region", "us-east-1", "--diff")
    assert code == 1
    assert '@@ -3,7 +3,7 @@\n Parameters:\n' in out
    assert f'-    Default: {OLD}\n+    Default: {NEW}\n' in out


def test_diff_quotes_a_file_name_with_control_characters_as_git_does(tmp_path: Path) -> None:
    # A name from the pull request must not colour the terminal nor start a line of its own.
    (tmp_path / "a\x1b[31m\nb.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n\nresource "aws_bedrockagent_agent" "a" {\n'
        f'  agent_name       = "a"\n  foundation_model = "{OLD}"\n}}\n')
    code, out, _ = cli("fix", str(tmp_path / "a\x1b[31m\nb.tf"), *AS_OF, "--diff")
    assert code == 1
    assert "\x1b" not in out
    headers = [line for line in out.split("\n") if line.startswith(("--- ", "+++ "))]
    assert len(headers) == 2 and all(line.endswith('\\033[31m\\nb.tf"') for line in headers), headers


def test_a_model_inside_jsonencode_is_rewritten_on_its_own_line(tmp_path: Path) -> None:
    tree = _copy(tmp_path, "jsonencode")
    before = (tree / "main.tf").read_text()
    cli("fix", str(tree), *AS_OF)
    assert (tree / "main.tf").read_text() == _edited(before, {12: (ARN, NEW_ARN)})


def test_the_bundled_catalog_keeps_a_profile_only_where_a_source_shows_it(tmp_path: Path) -> None:
    tree = tmp_path / "profiles"
    tree.mkdir()
    (tree / "main.tf").write_text(
        'provider "aws" {\n  region = "ap-northeast-1"\n}\n\n'
        'resource "aws_bedrockagent_agent" "jp" {\n'
        '  agent_name              = "jp"\n'
        '  agent_resource_role_arn = "arn:aws:iam::123456789012:role/agent"\n'
        f'  foundation_model        = "jp.{OLD}"\n'
        "}\n")
    _, _, err = cli("fix", str(tree), *AS_OF, "--diff")
    assert f"would fix main.tf:8:30  jp.{OLD} -> jp.{NEW}" in err
