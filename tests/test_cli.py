"""The command line as a newcomer and a CI pipeline meet it: nothing to scan, the tool's own
output files in the tree, and the help text."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, cli, scan_json

SCAN = ("--as-of", "2026-01-15", "--region", "us-east-1")
AGENT = 'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = "anthropic.claude-v1"\n}\n'
BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'


# -- nothing to scan is exit 2 ------------------------------------------------------------------

def test_a_directory_without_terraform_or_cloudformation_is_exit_2_naming_it(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n", encoding="utf-8")
    code, out, err = cli("scan", str(tmp_path), *SCAN)
    assert (code, out) == (2, "")
    assert f"no Terraform or CloudFormation files under {tmp_path}" in err


def test_yaml_and_json_that_are_no_template_are_nothing_to_scan():
    code, _, err = cli("scan", str(FIXTURES / "cloudformation" / "not-templates"), *SCAN)
    assert code == 2 and "no Terraform or CloudFormation files under" in err


def test_every_path_is_named_and_an_excluded_tree_is_nothing_to_scan(tmp_path: Path):
    for name in ("infra", "templates"):
        (tmp_path / name).mkdir()
    (tmp_path / "infra" / "main.tf").write_text(AGENT, encoding="utf-8")
    code, _, err = cli("scan", str(tmp_path / "infra"), str(tmp_path / "templates"), "--exclude", "*.tf", *SCAN)
    assert code == 2 and f"under {tmp_path / 'infra'}, {tmp_path / 'templates'}" in err


def test_allow_empty_on_the_command_line_or_in_the_config_makes_it_a_clean_scan(tmp_path: Path):
    code, report = scan_json(str(tmp_path), *SCAN, "--allow-empty")
    assert code == 0 and report["summary"]["files_scanned"] == 0
    (tmp_path / ".iac-check.yaml").write_text("allow-empty: true\n", encoding="utf-8")
    code, _, err = cli("scan", str(tmp_path), *SCAN)
    assert code == 0 and err == ""


def test_iac_without_bedrock_is_a_clean_scan_not_nothing_to_scan(tmp_path: Path):
    # The prefilter never parses these files; found they were, all the same.
    (tmp_path / "main.tf").write_text(BUCKET, encoding="utf-8")
    (tmp_path / "queue.yaml").write_text(
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n", encoding="utf-8")
    assert cli("scan", str(tmp_path / "main.tf"), *SCAN)[0] == 0
    assert cli("scan", str(tmp_path / "queue.yaml"), *SCAN)[0] == 0


def test_the_timeline_of_nothing_is_exit_2_too(tmp_path: Path):
    code, _, err = cli("timeline", str(tmp_path), *SCAN)
    assert code == 2 and "no Terraform or CloudFormation files under" in err
    assert cli("timeline", str(tmp_path), *SCAN, "--allow-empty")[0] == 0


# -- iac-check's own files in the tree are not scanned ------------------------------------------

def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "ci" / "repo", root)
    return root


def test_a_baseline_and_reports_written_into_the_tree_are_not_scanned_next_time(tmp_path: Path):
    root = _repo(tmp_path)
    _, before = scan_json(str(root), *SCAN)
    cli("scan", str(root), *SCAN, "--write-baseline", str(root / ".iac-check-baseline.json"),
        "--output", f"json={root / 'report.json'}", "--output", f"sarif={root / 'report.sarif.json'}")
    code, out, err = cli("scan", str(root), *SCAN, "--format", "json", "--verbose")
    after = json.loads(out)
    assert code == 1 and after["summary"] == before["summary"]
    for name in (".iac-check-baseline.json", "report.json", "report.sarif.json"):
        assert f"skipped {name}: a baseline or report written by iac-check" in err


def test_a_template_that_claims_to_be_a_baseline_is_still_scanned(tmp_path: Path):
    template = {"iac-check-baseline": 1, "tool": {"name": "iac-check"}, "Resources": {"Agent": {
        "Type": "AWS::Bedrock::Agent", "Properties": {"AgentName": "a", "FoundationModel": "anthropic.claude-v1"}}}}
    (tmp_path / "agent.json").write_text(json.dumps(template, indent=2), encoding="utf-8")
    code, report = scan_json(str(tmp_path), *SCAN)
    assert code == 1 and [f["rule_id"] for f in report["findings"]] == ["BDR001"]


# -- help reads like the README -------------------------------------------------------------------

COMMANDS = [(), ("scan",), ("fix",), ("timeline",), ("models",), ("rules",), ("catalog",), ("catalog", "validate"),
            ("catalog", "sync")]
TYPE_TAG = re.compile(r"<(bool|str|int|float|path|list\[[^\]]*\]|[a-z]+ range)>")


def _help(*command: str) -> str:
    code, out, _ = cli(*command, "--help", env={"COLUMNS": "200", "NO_COLOR": "1", "TERMINAL_WIDTH": "200"})
    assert code == 0
    return out


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "iac-check")
def test_help_shows_values_as_the_readme_names_them_never_type_tags(command: tuple[str, ...]):
    out = _help(*command)
    assert not TYPE_TAG.search(out), TYPE_TAG.search(out)
    assert re.search(r"--help\s+-h\s+Show this message", out)  # a flag: no value after it


def test_scan_help_lists_the_most_used_options_first_and_ends_with_examples():
    out = _help("scan")
    order = [out.index(option) for option in ("--as-of", "--fail-on", "--format", "--output", "--region",
                                              "--var-file", "--exclude", "--baseline", "--jobs")]
    assert order == sorted(order)
    assert re.search(r"--as-of\s+DATE", out) and re.search(r"--var\s+NAME=VALUE", out)
    examples = out[out.index("Examples:"):]
    assert "iac-check scan infra" in examples and "Exit code: 0 passed; 1" in examples


def test_every_scan_option_the_readme_lists_is_in_the_help():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("Main `scan` options:"):readme.index("A finding points at")]
    out = _help("scan")
    for option in set(re.findall(r"`(--[a-z-]+)", table)):
        assert option in out, option


def test_models_offers_only_the_formats_it_has():
    out = _help("models")
    assert re.search(r"--format\s+-f\s+FORMAT\s+text or json\.", out) and "sarif" not in out
    assert cli("models", "--format", "json", "--as-of", "2026-01-15")[0] == 0
    code, _, err = cli("models", "--format", "sarif", "--as-of", "2026-01-15")
    assert code == 2 and "text or json" in err


# -- where the model was written, in every format a person reads -------------------------------

ORIGIN_MAIN = '''variable "agent_model" {
  type = string
}

resource "aws_bedrockagent_agent" "support" {
  agent_name       = "support"
  foundation_model = var.agent_model
}

resource "aws_bedrockagent_agent" "triage" {
  agent_name       = "triage"
  foundation_model = "anthropic.claude-v1"
}
'''


def _origin_tree(tmp_path: Path) -> Path:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(ORIGIN_MAIN, encoding="utf-8")
    (infra / "terraform.tfvars").write_text('# production\nagent_model = "anthropic.claude-v1"\n', encoding="utf-8")
    return infra


def _eol_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if "BDR001" in line and "anthropic.claude-v1" in line]


def test_text_names_the_tfvars_line_that_set_the_model_and_nothing_for_a_literal(tmp_path: Path):
    infra = _origin_tree(tmp_path)
    _, out, _ = cli("scan", str(infra), *SCAN, "--no-color")
    support, triage = _eol_lines(out)
    assert support.startswith("main.tf:7:") and support.endswith("(set in terraform.tfvars:2)")
    assert triage.startswith("main.tf:12:") and "set in" not in triage


def test_github_and_markdown_name_the_origin_from_the_current_directory(tmp_path: Path, monkeypatch):
    _origin_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    _, out, _ = cli("scan", "infra", *SCAN, "--format", "github")
    support, triage = _eol_lines(out)
    assert support.startswith("::error file=infra/main.tf,line=7") and "(set in infra/terraform.tfvars:2)" in support
    assert "set in" not in triage
    _, out, _ = cli("scan", "infra", *SCAN, "--format", "markdown")
    support, triage = _eol_lines(out)
    assert support.startswith("| 7 |") and "(set in `infra/terraform.tfvars`:2)" in support
    assert "set in" not in triage


def test_a_finding_merged_over_instances_names_whose_origin_it_shows():
    # Instances are merged by place of use; where each got its value may differ.
    _, out, _ = cli("scan", str(FIXTURES / "terraform" / "instances"), "--as-of", "2026-10-15", "--no-color")
    merged, alone = out.splitlines()[:2]
    assert merged.endswith("(set in modules/agent/main.tf:8 for module.billing) (in 4 module instances: "
                           "module.billing, module.orders, module.returns, module.support)")
    assert alone.endswith("(set in modules/agent/main.tf:8)")


# -- the README's usage examples run as written ------------------------------------------------

def _usage_lines() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("## Usage"):]
    block = block[block.index("```sh\n") + 6:block.index("```\n", block.index("```sh\n") + 6)]
    commands = [shlex.split(line.split("#")[0]) for line in block.splitlines() if line.startswith("iac-check ")]
    # `[PATH ...]` is a pattern; catalog sync calls AWS; validate names a file of the reader's own.
    return [c for c in commands if "[PATH" not in c and c[1:3] not in (["catalog", "sync"], ["catalog", "validate"])]


@pytest.mark.parametrize("command", _usage_lines(), ids=" ".join)
def test_each_usage_example_of_the_readme_runs_and_shows_something(command: list[str], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(ROOT / "examples" / "terraform", tmp_path / "infra")
    monkeypatch.chdir(tmp_path)
    dated = command[1] in ("scan", "models", "timeline", "fix") and "--as-of" not in command
    code, out, err = cli(*command[1:], *(("--as-of", "2026-12-01") if dated else ()))
    assert code in (0, 1), err
    assert out.strip() or (tmp_path / "report.json").is_file()
    assert not re.match(r"0 models", out.splitlines()[-1] if out.strip() else ""), out
