"""Reads are confined to the project root (SPEC 5, issue 12 item 1), tried as an attacker would.

The tree is what a hostile pull request could write: module sources, file() and
templatefile() paths, symlinks, a `modules.json`, SAM and nested-stack paths pointing out
of the repository, at a sentinel file beside it. The sentinel (and a CI token in the
environment) must appear in no report of any format and on no stream, while everything
inside the repository (`envs/prod` calling `../../modules/shared`) is still followed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import by_rule, cli, scan_json

from validator.confine import Gate, RootError, work_tree

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
AS_OF = "2026-06-01"
SECRET = "S3NTINEL-8f14e45fceea167a"
TOKEN = "ghp_T0KEN5ENTINELc4ca4238a0b9"
# The secret file holds a model ID too: were it read, its text would reach the reports.
SECRET_TEXT = f"anthropic.claude-v1 {SECRET}\n"
ENV = {"GITHUB_TOKEN": TOKEN, "CI_JOB_TOKEN": TOKEN}

OUTSIDE_MODULE = f'''resource "aws_bedrockagent_agent" "outside" {{
  agent_name       = "{SECRET}"
  foundation_model = "anthropic.claude-v1"
  instruction      = "{SECRET}"
}}
'''

SHARED_MODULE = '''variable "model" {
  type    = string
  default = "anthropic.claude-v2"
}

resource "aws_bedrockagent_agent" "shared" {
  agent_name       = "shared"
  foundation_model = var.model
}
'''


def prod_main(outside: Path) -> str:
    return f'''module "shared" {{
  source = "../../modules/shared"
}}

module "escape" {{
  source = "../../../outside"
  model  = "anthropic.claude-instant-v1"
}}

module "linked" {{
  source = "./linked_module"
}}

module "installed" {{
  source  = "example/agent/aws"
  version = "1.0.0"
  model   = "anthropic.claude-instant-v1"
}}

resource "aws_bedrockagent_agent" "absolute" {{
  agent_name       = "absolute"
  foundation_model = file("{outside / "secret.txt"}")
}}

resource "aws_bedrockagent_agent" "relative" {{
  agent_name       = "relative"
  foundation_model = trimspace(file("${{path.module}}/../../../secret.txt"))
}}

resource "aws_bedrockagent_agent" "template" {{
  agent_name       = "template"
  foundation_model = templatefile("${{path.module}}/../../../outside/prompt.tpl", {{ name = "x" }})
}}

resource "aws_bedrockagent_agent" "git_config" {{
  agent_name       = "git"
  foundation_model = file("${{path.module}}/../../.git/config")
}}

resource "aws_bedrockagent_agent" "backend" {{
  agent_name       = "backend"
  foundation_model = file("${{path.module}}/.terraform/terraform.tfstate")
}}

resource "aws_bedrockagent_agent" "proc" {{
  agent_name       = "proc"
  foundation_model = file("/proc/self/environ")
}}

resource "aws_bedrockagent_agent" "linked" {{
  agent_name       = "linked"
  foundation_model = file("${{path.module}}/link.txt")
}}
'''


SAM_TEMPLATE = '''AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: ../../outside/flow.asl.json
  Nested:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ../../outside/nested.yaml
  App:
    Type: AWS::Serverless::Application
    Properties:
      Location: ../../outside/nested.yaml
  Agent:
    Type: AWS::Bedrock::Agent
    Properties:
      AgentName: inside
      FoundationModel: anthropic.claude-v2
'''

ASL = ('{"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::bedrock:invokeModel",'
       f' "Parameters": {{"ModelId": "anthropic.claude-v1", "Body": "{SECRET}"}}, "End": true}}}}}}\n')

NESTED = f'''AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Leak:
    Type: AWS::Bedrock::Agent
    Properties:
      AgentName: {SECRET}
      FoundationModel: anthropic.claude-v1
'''


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A repository whose code points out of itself at `tmp_path/outside` and `secret.txt`."""
    outside, repo = tmp_path / "outside", tmp_path / "repo"
    (tmp_path / "secret.txt").write_text(SECRET_TEXT)
    outside.mkdir()
    (outside / "main.tf").write_text(OUTSIDE_MODULE)
    (outside / "secret.txt").write_text(SECRET_TEXT)
    (outside / "prompt.tpl").write_text(SECRET_TEXT)
    (outside / "flow.asl.json").write_text(ASL)
    (outside / "nested.yaml").write_text(NESTED)
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(
        f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {TOKEN} anthropic.claude-v1\n')
    prod, shared = repo / "envs" / "prod", repo / "modules" / "shared"
    prod.mkdir(parents=True)
    shared.mkdir(parents=True)
    (shared / "main.tf").write_text(SHARED_MODULE)
    (prod / "main.tf").write_text(prod_main(outside))
    (prod / "leak.tf").symlink_to(outside / "main.tf")
    (prod / "link.txt").symlink_to(tmp_path / "secret.txt")
    (prod / "linked_module").symlink_to(outside, target_is_directory=True)
    manifest = prod / ".terraform" / "modules"
    manifest.mkdir(parents=True)
    (prod / ".terraform" / "terraform.tfstate").write_text(json.dumps({"backend": {"config": {"secret_key": SECRET}},
                                                                     "model": "anthropic.claude-v1"}))
    (manifest / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "installed", "Source": "registry.terraform.io/example/agent/aws", "Dir": str(outside)}]}))
    cfn = repo / "cfn"
    cfn.mkdir()
    (cfn / "template.yaml").write_text(SAM_TEMPLATE)
    return repo


def scan_all(repo: Path, *args: str) -> tuple[int, str]:
    """Every format of one scan (stdout and files), with stderr, as one text."""
    outputs = [f"{fmt}={repo.parent / ('report.' + fmt)}" for fmt in FORMATS if fmt != "text"]
    code, out, err = cli("scan", str(repo / "envs" / "prod"), str(repo / "cfn"), "--as-of", AS_OF, "--verbose",
                         *(a for o in outputs for a in ("--output", o)), *args, env=ENV)
    files = "".join((repo.parent / f"report.{fmt}").read_text() for fmt in FORMATS if fmt != "text")
    return code, out + err + files


def assert_nothing_leaked(text: str) -> None:
    assert SECRET not in text
    assert TOKEN not in text


def test_no_format_shows_a_file_outside_the_repository(hostile):
    code, text = scan_all(hostile)
    assert code == 1  # the EOL model inside the repository still fails the run
    assert_nothing_leaked(text)
    for fmt in FORMATS:
        _, out, err = cli("scan", str(hostile / "envs" / "prod"), str(hostile / "cfn"), "--as-of", AS_OF,
                          "--format", fmt, "--verbose", env=ENV)
        assert_nothing_leaked(out + err)


def test_modules_inside_the_repository_are_still_followed(hostile):
    code, report = scan_json(str(hostile / "envs" / "prod"), "--as-of", AS_OF, env=ENV)
    assert code == 1
    eol = {(f["resource"], f["model_id"]) for f in by_rule(report, "BDR001")}
    # The modules outside are not read; the models given to them are references all the same.
    assert eol == {("module.shared.aws_bedrockagent_agent.shared", "anthropic.claude-v2"),
                   ("module.escape", "anthropic.claude-instant-v1"),
                   ("module.installed", "anthropic.claude-instant-v1")}


def test_refused_reads_are_unknown_values_naming_the_path(hostile):
    _, report = scan_json(str(hostile / "envs" / "prod"), "--as-of", AS_OF, env=ENV)
    unknown = {f["resource"]: f["message"] for f in by_rule(report, "BDR005")}
    for resource in ("absolute", "relative", "template", "linked"):
        assert "outside the project root" in unknown[f"aws_bedrockagent_agent.{resource}"]
    assert "secret.txt" in unknown["aws_bedrockagent_agent.relative"]
    assert "inside a .git directory" in unknown["aws_bedrockagent_agent.git_config"]
    assert "system directory" in unknown["aws_bedrockagent_agent.proc"]
    assert "inside .terraform" in unknown["aws_bedrockagent_agent.backend"]
    # A module outside the repository, from a relative source or from modules.json, is not
    # read: the model given to it is where the reviewer can see it.
    assert "outside the project root" in unknown["module.escape"]
    assert "outside the project root" in unknown["module.installed"]
    assert "linked_module is outside the project root" in unknown["module.linked"]
    assert not [r for r in report["references"] if r["file"].endswith("outside/main.tf")]


def test_a_symlinked_terraform_file_out_of_the_repository_is_skipped(hostile):
    _, out, err = cli("scan", str(hostile / "envs" / "prod"), "--as-of", AS_OF, "--verbose", env=ENV)
    assert "skipped leak.tf: symlink to a file outside the project root" in err
    assert_nothing_leaked(out + err)


def test_a_symlink_given_on_the_command_line_is_checked_where_it_is_written(hostile):
    # `iac-check scan $(git diff --name-only)` hands the pull request's own symlink over.
    link = hostile / "envs" / "prod" / "leak.tf"
    _, out, err = cli("scan", str(link), str(hostile / "envs" / "prod" / "main.tf"), "--as-of", AS_OF,
                      "--format", "json", "--verbose", env=ENV)
    assert_nothing_leaked(out + err)
    assert f"skipped {link}: outside the project root" in err
    assert "module.shared.aws_bedrockagent_agent.shared" in out


def test_cloudformation_paths_out_of_the_repository_are_not_read(hostile):
    _, report = scan_json(str(hostile / "cfn"), "--as-of", AS_OF, env=ENV)
    assert_nothing_leaked(json.dumps(report))
    assert {f["resource"] for f in by_rule(report, "BDR001")} == {"Agent"}
    [refused] = [f for f in by_rule(report, "BDR000") if "DefinitionUri" in f["message"]]
    assert "../../outside/flow.asl.json is outside the project root" in refused["message"]


def test_root_option_narrows_the_project(hostile):
    # With --root at envs/prod, ../../modules/shared is outside it: refused, and said so.
    _, report = scan_json(str(hostile / "envs" / "prod"), "--root", str(hostile / "envs" / "prod"),
                          "--as-of", AS_OF, env=ENV)
    assert "module.shared.aws_bedrockagent_agent.shared" not in {f["resource"] for f in by_rule(report, "BDR001")}
    assert not [r for r in report["references"] if "modules/shared" in r["file"]]
    [unknown] = [f for f in by_rule(report, "BDR005") if f["resource"] == "module.shared"]
    assert "../../modules/shared is outside the project root" in unknown["message"]


def test_a_path_outside_root_is_a_usage_error(hostile):
    code, _, err = cli("scan", str(hostile / "cfn"), "--root", str(hostile / "envs"), "--as-of", AS_OF)
    assert code == 2
    assert "outside --root" in err


def test_without_git_the_scanned_paths_are_the_root(tmp_path):
    (tmp_path / "modules" / "x").mkdir(parents=True)
    (tmp_path / "env").mkdir()
    (tmp_path / "modules" / "x" / "main.tf").write_text(SHARED_MODULE)
    (tmp_path / "env" / "main.tf").write_text('module "x" {\n  source = "../modules/x"\n}\n')
    _, report = scan_json(str(tmp_path / "env"), "--as-of", AS_OF)
    assert not by_rule(report, "BDR001")
    assert [f["resource"] for f in by_rule(report, "BDR005")] == ["module.x"]
    _, report = scan_json(str(tmp_path / "env"), "--root", str(tmp_path), "--as-of", AS_OF)
    assert [f["resource"] for f in by_rule(report, "BDR001")] == ["module.x.aws_bedrockagent_agent.shared"]


# -- the gate itself -------------------------------------------------------------------------

def test_work_tree_is_found_by_a_git_directory_or_file(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    assert work_tree(str(tmp_path / "repo" / "a" / "b")) == str((tmp_path / "repo").resolve())
    (tmp_path / "wt" / "x").mkdir(parents=True)
    (tmp_path / "wt" / ".git").write_text("gitdir: ../repo/.git/worktrees/wt\n")
    assert work_tree(str(tmp_path / "wt" / "x")) == str((tmp_path / "wt").resolve())
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "main.tf").write_text("")
    assert work_tree(str(tmp_path / "plain")) == str((tmp_path / "plain").resolve())
    assert work_tree(str(tmp_path / "plain" / "main.tf")) == str((tmp_path / "plain").resolve())


def test_gate_boundaries(tmp_path):
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "repo-sibling").mkdir()
    gate = Gate.at(root)
    assert gate.allows(root)
    assert gate.allows(root / "sub" / "x.tf")
    assert gate.allows(root / "sub" / ".." / "x.tf")
    assert not gate.allows(root / ".." / "x.tf")
    # A sibling whose name starts with the root's is not inside it.
    assert not gate.allows(tmp_path / "repo-sibling" / "x.tf")
    assert "inside a .git directory" in (gate.refusal(root / ".git" / "config") or "")
    assert gate.allows(root / ".github" / "workflows" / "ci.yml")
    assert gate.allows(root / "env" / ".terraform" / "modules" / "chat" / "main.tf")
    assert "inside .terraform" in (gate.refusal(root / "env" / ".terraform" / "terraform.tfstate") or "")
    assert "Terraform state" in (gate.refusal(root / "env" / "terraform.tfstate") or "")
    assert "Terraform state" in (gate.refusal(root / "terraform.tfstate.backup") or "")
    assert "system directory" in (Gate.at("/").refusal("/proc/self/environ") or "")
    os.symlink(tmp_path, root / "up")
    assert not gate.allows(root / "up" / "secret.txt")


def test_gate_read_text_never_shows_the_content(tmp_path):
    (tmp_path / "secret.txt").write_text(SECRET_TEXT)
    (tmp_path / "repo").mkdir()
    text, problem = Gate.at(tmp_path / "repo").read_text(tmp_path / "secret.txt", "../secret.txt", 1000)
    assert text is None and problem is not None
    assert SECRET not in problem.message and "../secret.txt" in problem.message


def test_root_must_be_a_directory(tmp_path):
    with pytest.raises(RootError):
        Gate.for_paths([str(tmp_path)], str(tmp_path / "missing"))


def test_a_definition_file_that_is_not_json_is_reported_without_its_text(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "notes.env").write_text(f"TOKEN: !{SECRET} [\n")
    (tmp_path / "template.yaml").write_text(SAM_TEMPLATE.replace("../../outside/flow.asl.json", "notes.env"))
    _, report = scan_json(str(tmp_path), "--as-of", AS_OF)
    [problem] = [f for f in by_rule(report, "BDR000") if f["file"] == "notes.env"]
    assert problem["message"] == "DefinitionUri notes.env: not valid JSON or YAML"
    assert_nothing_leaked(json.dumps(report))
