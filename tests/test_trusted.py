"""Config in the tree is input, not authority (issue 12 item 2), tried as a pull request would.

A config, catalog, baseline or suppression inside the tree under review is written by
whoever opens the pull request. It may not point the scan at files outside its own tree,
nor (with --trusted) switch the gate off or hide an end-of-life model. Error messages about
files an option names never show their content.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from conftest import by_rule, cli, scan_json

from validator.config import Settings
from validator.scan import _jobs

AS_OF = "2026-06-01"
SECRET = "S3NTINEL-c9f0f895fb98ab91"
EOL_AGENT = '''resource "aws_bedrockagent_agent" "chat" {
  agent_name       = "chat"
  foundation_model = "anthropic.claude-v2"
}
'''
SUPPRESSED_AGENT = '''# iac-check:ignore BDR001 reason="not ours"
resource "aws_bedrockagent_agent" "chat" {
  agent_name       = "chat"
  foundation_model = "anthropic.claude-v2" # iac-check:ignore BDR001 reason="later"
}
'''
METADATA_TEMPLATE = '''AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Agent:
    Type: AWS::Bedrock::Agent
    Metadata:
      iac-check:
        ignore:
          - rule: BDR001
            reason: accepted
    Properties:
      AgentName: chat
      FoundationModel: anthropic.claude-v2
'''
# An overlay that says the EOL model lives on: what a pull request would add to hide BDR001.
REVIVING_CATALOG = '''schema_version: 1
updated: 2026-05-01
models:
  - id: anthropic.claude-v2
    name: Claude v2
    provider: Anthropic
    lifecycle:
      - regions: all
        legacy: 2099-01-01
        eol: 2099-06-01
        confidence: confirmed
        sources: [{url: "https://example.invalid/revived"}]
'''
# What an in-tree config would say to switch the gate off, one way each.
GATE_OFF = ["fail-on: never\n", "rules:\n  BDR001: {enabled: false}\n", "rules:\n  BDR001: {severity: note}\n",
            "exclude: ['*.tf']\n", "catalog: [revive.yaml]\n", "allow: ['anthropic.*']\nfail-on: never\n"]


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    """A git work tree (a `.git` directory is all it takes) under tmp_path, beside a secret."""
    root = tmp_path / "pr"
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (tmp_path / "secret.txt").write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n")
    for name, text in {"main.tf": EOL_AGENT, **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def base_config(tmp_path: Path, text: str = "fail-on: error\n") -> Path:
    """The base branch's config, checked out outside the pull request's tree."""
    base = tmp_path / "base"
    base.mkdir(exist_ok=True)
    (base / ".iac-check.yaml").write_text(text)
    return base / ".iac-check.yaml"


# -- a config's paths stay in its tree -------------------------------------------------------

@pytest.mark.parametrize("key", ["var-file", "catalog", "parameters-file", "paths"])
def test_config_list_paths_outside_its_tree_are_usage_errors(tmp_path, key):
    root = repo(tmp_path, {".iac-check.yaml": f"{key}: [../secret.txt]\n"})
    code, out, err = cli("scan", str(root), "--as-of", AS_OF)
    assert code == 2 and f"{key}: ../secret.txt is outside the config file's directory" in err
    assert SECRET not in out + err


@pytest.mark.parametrize("key", ["baseline", "write-baseline", "output"])
def test_config_file_paths_outside_its_tree_are_usage_errors(tmp_path, key):
    secret = tmp_path / "secret.txt"
    root = repo(tmp_path, {".iac-check.yaml": f"{key}: {secret}\n"})
    code, out, err = cli("scan", str(root), "--as-of", AS_OF)
    assert code == 2 and f"{key}: {secret} is outside the config file's directory" in err
    assert SECRET not in out + err
    assert SECRET in secret.read_text()  # nothing was written over it


def test_config_format_output_outside_its_tree_is_a_usage_error(tmp_path):
    root = repo(tmp_path, {".iac-check.yaml": "output: [sarif=../../report.sarif]\n"})
    code, _, err = cli("scan", str(root), "--as-of", AS_OF)
    assert code == 2 and "output: ../../report.sarif is outside" in err
    assert not (tmp_path.parent / "report.sarif").exists()


def test_config_paths_into_git_metadata_are_refused(tmp_path):
    root = repo(tmp_path, {".iac-check.yaml": "var-file: [.git/config]\n"})
    (root / ".git" / "config").write_text(f"[http]\n\textraheader = AUTHORIZATION: basic {SECRET}\n")
    code, out, err = cli("scan", str(root), "--as-of", AS_OF)
    assert code == 2 and "var-file: .git/config is inside a .git directory" in err
    assert SECRET not in out + err


def test_a_config_symlinked_out_of_the_tree_is_not_read(tmp_path):
    root = repo(tmp_path, {})
    (tmp_path / "elsewhere.yaml").write_text(f"fail-on: never\n# {SECRET}\n")
    (root / ".iac-check.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    code, out, err = cli("scan", str(root), "--as-of", AS_OF)
    assert code == 2 and ".iac-check.yaml: not read" in err and SECRET not in out + err


def test_config_paths_inside_its_tree_still_work(tmp_path):
    root = repo(tmp_path, {".iac-check.yaml": "var-file: [env/prod.tfvars]\noutput: [json=out/report.json]\n",
                           "env/prod.tfvars": "# nothing\n"})
    (root / "out").mkdir()
    code, _, err = cli("scan", str(root), "--as-of", AS_OF)
    assert code == 1, err
    assert by_rule(json.loads((root / "out" / "report.json").read_text()), "BDR001")


# -- messages never quote a file an option names ---------------------------------------------

SECRET_FILES = {
    "passwd": f"root:x:0:0:{SECRET}:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\n",
    "env.json": json.dumps({"GITHUB_TOKEN": SECRET, "models": SECRET}),
    "keys.json": json.dumps({SECRET: {"a": 1}}),
    "bad.yaml": f"token: [{SECRET}\n",
    "tabs.yaml": f"a:\n\t{SECRET}: 1\n",
    "escape.yaml": f'a: "\\q{SECRET}"\n',
    "tag.yaml": f"a: !{SECRET} x\n",
    "creds.tfvars": f'token = "{SECRET}"\n{SECRET} {SECRET}\n',
    "list.json": json.dumps([{"ParameterKey": SECRET}]),
    "nested.json": json.dumps({"Parameters": {SECRET: {"x": 1}}}),
}


@pytest.mark.parametrize("option", ["--var-file", "--catalog", "--baseline", "--parameters-file", "--config"])
@pytest.mark.parametrize("name", sorted(SECRET_FILES))
def test_no_error_message_quotes_a_file_an_option_names(tmp_path, option, name):
    root = repo(tmp_path, {})
    secret = tmp_path / name
    secret.write_text(SECRET_FILES[name])
    code, out, err = cli("scan", str(root), "--as-of", AS_OF, option, str(secret))
    assert SECRET not in out + err
    assert code in (1, 2)


# -- config is bounded -------------------------------------------------------------------------

def test_jobs_are_capped_at_the_usable_cores():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert _jobs(Settings(as_of=date(2026, 6, 1), jobs=100000)) == cores
    assert _jobs(Settings(as_of=date(2026, 6, 1), jobs=1)) == 1
    assert _jobs(Settings(as_of=date(2026, 6, 1))) == cores


# -- trusted mode ------------------------------------------------------------------------------

@pytest.mark.parametrize("config", GATE_OFF)
def test_an_in_tree_config_switches_the_gate_off_only_without_trusted(tmp_path, config):
    root = repo(tmp_path, {".iac-check.yaml": config, "revive.yaml": REVIVING_CATALOG})
    assert cli("scan", str(root), "--as-of", AS_OF)[0] != 1  # the default: the tree's config counts
    code, _, err = cli("scan", str(root), "--as-of", AS_OF, "--trusted", "--config", str(base_config(tmp_path)))
    assert code == 1, err
    code, _, err = cli("scan", str(root), "--as-of", AS_OF, "--trusted")
    assert code == 1, err


def test_an_explicit_config_replaces_every_config_in_the_tree(tmp_path):
    root = repo(tmp_path, {".iac-check.yaml": "fail-on: never\n", "infra/pyproject.toml":
                           '[tool.iac-check]\nfail-on = "never"\n', "infra/main.tf": EOL_AGENT})
    base = base_config(tmp_path)
    assert cli("scan", str(root / "infra"), "--as-of", AS_OF)[0] == 0
    assert cli("scan", str(root / "infra"), "--as-of", AS_OF, "--config", str(base))[0] == 1


def test_trusted_refuses_a_config_from_the_tree_under_review(tmp_path):
    root = repo(tmp_path, {".iac-check.yaml": "fail-on: never\n"})
    code, _, err = cli("scan", str(root), "--as-of", AS_OF, "--trusted", "--config", str(root / ".iac-check.yaml"))
    assert code == 2 and "inside the tree under review" in err


def test_trusted_base_config_keeps_its_own_settings(tmp_path):
    root = repo(tmp_path, {"main.tf": EOL_AGENT.replace("claude-v2", "claude-3-haiku-20240307-v1:0")})
    base = base_config(tmp_path, "deny: ['anthropic.claude-3-haiku*']\n")
    code, report = scan_json(str(root), "--as-of", AS_OF, "--trusted", "--config", str(base))
    assert code == 1 and by_rule(report, "BDR010")


def test_inline_suppressions_cannot_hide_end_of_life_under_trusted(tmp_path):
    root = repo(tmp_path, {"main.tf": SUPPRESSED_AGENT})
    code, report = scan_json(str(root), "--as-of", AS_OF)
    assert code == 0 and [f["suppressed"] for f in by_rule(report, "BDR001")] == [True]
    code, report = scan_json(str(root), "--as-of", AS_OF, "--trusted")
    assert code == 1
    [eol] = by_rule(report, "BDR001")
    assert (eol["suppressed"], eol["suppression_reason"], eol["severity"]) == (False, None, "error")


def test_metadata_suppressions_cannot_hide_end_of_life_under_trusted(tmp_path):
    root = repo(tmp_path, {"main.tf": "# no terraform model here\n", "stack.yaml": METADATA_TEMPLATE})
    assert cli("scan", str(root), "--as-of", AS_OF)[0] == 0
    code, report = scan_json(str(root), "--as-of", AS_OF, "--trusted")
    assert code == 1 and [f["suppressed"] for f in by_rule(report, "BDR001")] == [False]


def test_a_catalog_in_the_tree_cannot_hide_end_of_life_under_trusted(tmp_path):
    root = repo(tmp_path, {"policy/revive.yaml": REVIVING_CATALOG})
    overlay = str(root / "policy" / "revive.yaml")
    code, report = scan_json(str(root), "--as-of", AS_OF, "--catalog", overlay)
    assert code == 0 and not by_rule(report, "BDR001")
    code, report = scan_json(str(root), "--as-of", AS_OF, "--catalog", overlay, "--trusted")
    assert code == 1
    [eol] = by_rule(report, "BDR001")
    assert (eol["model_id"], eol["line"]) == ("anthropic.claude-v2", 3)


def test_a_catalog_outside_the_tree_still_counts_under_trusted(tmp_path):
    root = repo(tmp_path, {})
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "revive.yaml").write_text(REVIVING_CATALOG)
    catalog = str(tmp_path / "base" / "revive.yaml")
    assert cli("scan", str(root), "--as-of", AS_OF, "--trusted", "--catalog", catalog)[0] == 0


def test_a_baseline_in_the_tree_cannot_accept_end_of_life_under_trusted(tmp_path):
    root = repo(tmp_path, {})
    baseline = root / "baseline.json"
    assert cli("scan", str(root), "--as-of", AS_OF, "--write-baseline", str(baseline))[0] == 0
    assert cli("scan", str(root), "--as-of", AS_OF, "--baseline", str(baseline))[0] == 0
    code, report = scan_json(str(root), "--as-of", AS_OF, "--baseline", str(baseline), "--trusted")
    assert code == 1 and by_rule(report, "BDR001")
    outside = tmp_path / "baseline.json"
    outside.write_text(baseline.read_text())
    assert cli("scan", str(root), "--as-of", AS_OF, "--baseline", str(outside), "--trusted")[0] == 0


def test_trusted_and_root_are_not_config_keys(tmp_path):
    root = repo(tmp_path, {".iac-check.yaml": "root: /\n"})
    code, _, err = cli("scan", str(root), "--as-of", AS_OF)
    assert code == 2 and "unknown key" in err
    root = repo(tmp_path, {".iac-check.yaml": "trusted: false\n"})
    assert cli("scan", str(root), "--as-of", AS_OF)[0] == 2


def test_trusted_reads_no_tf_var_from_the_environment(tmp_path):
    # A job that also runs `terraform plan` may hold secrets in TF_VAR_*; code under review
    # could spell one into a model ID that every report prints.
    leak = ('variable "db_password" {}\n'
            'resource "aws_bedrockagent_agent" "x" {\n'
            '  agent_name       = "x"\n'
            '  foundation_model = "anthropic.claude-${var.db_password}-v1"\n}\n')
    root = repo(tmp_path, {"main.tf": leak})
    env = {"TF_VAR_db_password": "hunter2secret"}
    _, out, _ = cli("scan", str(root), "--as-of", AS_OF, "--format", "json", env=env)
    assert "hunter2secret" in out  # without --trusted the environment is Terraform's input
    for fmt in ("text", "json", "sarif", "junit", "github", "markdown"):
        _, out, err = cli("scan", str(root), "--as-of", AS_OF, "--trusted", "--format", fmt, "--verbose", env=env)
        assert "hunter2secret" not in out + err
    _, report = scan_json(str(root), "--as-of", AS_OF, "--trusted", "--var", "db_password=v2", env=env)
    assert [r["model_id"] for r in report["references"]] == ["anthropic.claude-v2-v1"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("option", ["--var-file", "--catalog", "--baseline", "--parameters-file"])
def test_a_fifo_named_by_an_option_does_not_stall_the_run(tmp_path, option):
    import signal

    root = repo(tmp_path, {})
    os.mkfifo(tmp_path / "pipe")

    def stalled(_signum: int, _frame: object) -> None:
        raise TimeoutError("the run blocked on a FIFO")

    previous = signal.signal(signal.SIGALRM, stalled)
    signal.alarm(20)
    try:
        code, _, err = cli("scan", str(root), "--as-of", AS_OF, option, str(tmp_path / "pipe"))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert code == 2 and "pipe" in err
