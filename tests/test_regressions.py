"""Bugs found by review, each with the input that showed it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import by_rule, cli, scan_json

AGENT = 'resource "aws_bedrockagent_agent" "a" {{\n  foundation_model = {value}\n}}\n'


@pytest.mark.parametrize("expr", ['format("%s %s", "x")', 'coalesce("", "")', "element([], 0)"])
def test_functions_on_odd_arguments_are_unknown_not_a_crash(tmp_path: Path, expr: str):
    (tmp_path / "main.tf").write_text(AGENT.format(value=expr))
    code, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert code == 0 and [f["rule_id"] for f in report["findings"]] == ["BDR005"]


def test_plan_with_odd_configuration_shapes(tmp_path: Path):
    (tmp_path / "plan.json").write_text(
        '{"format_version": "1.2", "configuration": {"provider_config": [], "root_module": {"module_calls": []}},'
        ' "variables": [], "resource_changes": [{"address": "aws_bedrockagent_agent.a",'
        ' "type": "aws_bedrockagent_agent",'
        ' "change": {"actions": ["create"], "after": {"foundation_model": "anthropic.claude-v1"}}}]}')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert [f["rule_id"] for f in report["findings"]] == ["BDR001"]


@pytest.mark.parametrize(("name", "content"), [
    (".iac-check.yaml", "fail-on: error\n".encode("utf-16")),
    ("pyproject.toml", b'tool = 1\n[x]\ny = "iac-check"\n'),
])
def test_odd_config_files_are_exit_2_or_ignored_never_a_crash(tmp_path: Path, name: str, content: bytes):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "main.tf").write_text(AGENT.format(value='"anthropic.claude-v1"'))
    code, _, err = cli("scan", str(tmp_path), "--as-of", "2024-03-01")
    assert code in (1, 2) and "Traceback" not in err
    if code == 2:
        assert name in err and len(err.strip().splitlines()) == 1


def test_var_file_json_by_extension_and_unreadable_encoding(tmp_path: Path):
    (tmp_path / "main.tf").write_text('variable "m" {}\n' + AGENT.format(value="var.m"))
    (tmp_path / "prod.json").write_text('{"m": "anthropic.claude-v1"}')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01", "--var-file", str(tmp_path / "prod.json"))
    assert [f["rule_id"] for f in report["findings"]] == ["BDR001"]
    (tmp_path / "utf16.tfvars").write_bytes('m = "anthropic.claude-v1"\n'.encode("utf-16"))
    code, _, err = cli("scan", str(tmp_path), "--as-of", "2024-03-01", "--var-file", str(tmp_path / "utf16.tfvars"))
    assert code in (1, 2) and "Traceback" not in err  # read (UTF-16 with BOM) or refused in one line


POLICY_JSON = '{"Resource": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v1"}'
POLICY = 'resource "aws_iam_policy" "p" {{\n  {meta}policy = file("${{path.module}}/policy.json")\n}}\n'


def test_file_in_path_module_is_found_whatever_the_scan_path_spelling(tmp_path: Path, monkeypatch):
    module = tmp_path / "sc"
    module.mkdir()
    (module / "main.tf").write_text(POLICY.format(meta=""))
    (module / "policy.json").write_text(POLICY_JSON)
    monkeypatch.chdir(tmp_path)
    for spelling in ("sc", "./sc", str(module)):
        _, report = scan_json(spelling, "--as-of", "2024-03-01")
        assert [f["rule_id"] for f in report["findings"]] == ["BDR001"], spelling


def test_file_works_inside_for_each_resources(tmp_path: Path):
    (tmp_path / "main.tf").write_text(POLICY.format(meta='for_each = toset(["a", "b"])\n  '))
    (tmp_path / "policy.json").write_text(POLICY_JSON)
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert [f["rule_id"] for f in report["findings"]] == ["BDR001"]


def test_file_outside_the_modules_is_not_read(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("anthropic.claude-v1")
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(
        f'resource "aws_bedrockagent_agent" "a" {{\n  foundation_model = file("{secret}")\n}}\n')
    _, report = scan_json(str(tmp_path / "mod"), "--as-of", "2024-03-01")
    assert [f["rule_id"] for f in report["findings"]] == ["BDR005"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_read_with_file_does_not_block(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "main.tf").write_text(
        'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = file("${path.module}/pipe.txt")\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert [f["rule_id"] for f in report["findings"]] == ["BDR005"]


@pytest.mark.parametrize("day", ["20240301", "2024-W09-5"])
def test_only_yyyy_mm_dd_dates_are_accepted(tmp_path: Path, day: str):
    assert cli("scan", str(tmp_path), "--as-of", day)[0] == 2
    (tmp_path / "main.tf").write_text(
        AGENT.format(value=f'"anthropic.claude-v1" # iac-check:ignore BDR002 until={day.replace("-", "")}'))
    _, report = scan_json(str(tmp_path), "--as-of", "2024-01-15")
    assert by_rule(report, "BDR009") and not report["summary"]["suppressed"]


def test_text_output_omits_an_unknown_column(tmp_path: Path):
    # A `${...}` inside a heredoc is parsed on its own: past its first line the columns
    # of its text are not known (the heredoc's indentation is not in the parsed text).
    (tmp_path / "main.tf").write_text(AGENT.format(
        value='<<-EOT\n    ${var.fast ? "anthropic.claude-v2" :\n      "anthropic.claude-v1"}\n  EOT'))
    _, out, _ = cli("scan", str(tmp_path), "--as-of", "2025-08-01", "--no-color")
    assert "main.tf:3:19 " in out  # on the fragment's first line the column is known
    assert any(line.startswith("main.tf:4 ") for line in out.splitlines())


def test_extended_access_without_an_eol_date_says_so(tmp_path: Path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "schema_version: 1\nupdated: 2026-11-28\nmodels:\n"
        "  - id: anthropic.claude-x-v1\n    name: X\n    provider: Anthropic\n"
        "    lifecycle:\n      - regions: all\n        legacy: 2024-01-01\n        extended_access: 2024-02-01\n"
        "        confidence: confirmed\n        sources: [{url: 'https://example.com/notice'}]\n")
    (tmp_path / "main.tf").write_text(AGENT.format(value='"anthropic.claude-x-v1"'))
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01", "--catalog", str(extra))
    [finding] = by_rule(report, "BDR007")
    assert "None" not in finding["message"] and "no EOL date is published yet" in finding["message"]


def test_models_rejects_an_unknown_state():
    code, _, err = cli("models", "--state", "bogus")
    assert code == 2 and "--state" in err


def test_two_scanned_directories_never_share_a_file_name(tmp_path: Path, monkeypatch):
    for name, comment in (("a", ""), ("b", " # iac-check:ignore BDR001")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(AGENT.format(value=f'"anthropic.claude-v1"{comment}'))
    monkeypatch.chdir(tmp_path)
    code, report = scan_json("a", "b", "--as-of", "2024-03-01")
    states = sorted((f["file"], f["suppressed"]) for f in by_rule(report, "BDR001"))
    assert states == [("a/main.tf", False), ("b/main.tf", True)]
    assert code == 1


def test_parse_cache_round_trips_and_refuses_config_files(tmp_path: Path):
    tree, cache = tmp_path / "tree", tmp_path / "cache"
    tree.mkdir()
    (tree / "main.tf").write_text(AGENT.format(value='"anthropic.claude-v1"'))
    first = scan_json(str(tree), "--as-of", "2024-03-01", "--cache-dir", str(cache))[1]
    assert list(cache.rglob("*.json"))
    second = scan_json(str(tree), "--as-of", "2024-03-01", "--cache-dir", str(cache))[1]
    assert first["findings"] == second["findings"] and [f["rule_id"] for f in first["findings"]] == ["BDR001"]
    (tree / ".iac-check.yaml").write_text(f"cache-dir: {cache}\n")
    code, _, err = cli("scan", str(tree), "--as-of", "2024-03-01")
    assert code == 2 and "cache-dir" in err


def test_metadata_suppressions_fail_closed_like_comments(tmp_path: Path):
    (tmp_path / "t.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Agent:\n    Type: AWS::Bedrock::Agent\n'
        "    Metadata:\n      iac-check:\n        ignore:\n"
        "          - {rule: BDR001, untill: 2099-01-01}\n"
        "          - {rules: [BDR001, BDR9X9]}\n"
        "    Properties:\n      FoundationModel: anthropic.claude-v1\n")
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    assert [f["suppressed"] for f in by_rule(report, "BDR001")] == [False]
    notes = sorted(f["message"] for f in by_rule(report, "BDR009"))
    assert "unknown key 'untill'" in notes[0] + notes[1] and "BDR9X9" in notes[0] + notes[1]


def test_values_built_past_a_million_characters_stay_unknown(tmp_path: Path):
    doubling = "".join(f'  l{i + 1} = "${{local.l{i}}}${{local.l{i}}}"\n' for i in range(24))
    (tmp_path / "main.tf").write_text('locals {\n  l0 = "anthropic.claude-v1 "\n' + doubling + "}\n"
                                      + AGENT.format(value="local.l24"))
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    [too_long] = [f for f in by_rule(report, "BDR005") if f["line"] == 29]
    assert "million characters" in too_long["message"]
    # The literal the value was built from is still checked where it is written (SPEC 5).
    assert [(f["line"], f["model_id"]) for f in by_rule(report, "BDR001")] == [(2, "anthropic.claude-v1")]


def test_module_fan_out_is_bounded(tmp_path: Path):
    for level in range(12):
        calls = "".join(f'module "m{n}" {{\n  source = "../l{level + 1}"\n}}\n' for n in range(3)) if level < 11 else ""
        (tmp_path / f"l{level}").mkdir()
        (tmp_path / f"l{level}" / "main.tf").write_text(calls + AGENT.format(value='"anthropic.claude-v1"'))
    _, report = scan_json(str(tmp_path / "l0"), "--as-of", "2024-03-01")
    assert 1 <= len(by_rule(report, "BDR001")) <= 1001


def test_a_refused_file_is_not_called_a_syntax_error(tmp_path: Path):
    (tmp_path / "big.tf").write_text(AGENT.format(value='"anthropic.claude-v1"') * 12000)
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01")
    [refused] = by_rule(report, "BDR000")
    assert "syntax error" not in refused["message"] and "not parsed" in refused["message"]


def test_verbose_says_which_files_were_skipped_and_the_size_cap_is_settable(tmp_path: Path):
    (tmp_path / "main.tf").write_text(AGENT.format(value='"anthropic.claude-v1"'))
    (tmp_path / "loop.tf").symlink_to(tmp_path / "loop.tf")
    code, _, err = cli("scan", str(tmp_path), "--as-of", "2024-03-01", "--verbose")
    assert code == 1 and "skipped loop.tf: symlink loop" in err
    _, report = scan_json(str(tmp_path), "--as-of", "2024-03-01", "--max-file-bytes", "10")
    assert [f["rule_id"] for f in report["findings"]] == ["BDR000"]


def test_version_answers_without_loading_the_cli_and_says_the_same_as_the_cli():
    import subprocess
    import sys

    probe = ("import sys; sys.argv = ['iac-check', '--version']; from validator.__main__ import main; main(); "
             "print(sorted({'typer', 'yaml', 'jsonschema', 'validator.cli'} & set(sys.modules)))")
    fast = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    line, loaded = fast.splitlines()
    assert loaded == "[]"
    assert line.startswith("iac-check ") and "catalog updated 2026-" in line
    code, out, _ = cli("--version", "scan")  # any other command line goes through typer
    assert (code, out.strip()) == (0, line)


def test_default_jobs_are_the_cores_this_process_may_run_on(monkeypatch):
    from types import SimpleNamespace

    from validator.scan import _jobs

    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert _jobs(SimpleNamespace(jobs=None)) == 2
    assert _jobs(SimpleNamespace(jobs=3)) == 2  # capped at the usable cores
    assert _jobs(SimpleNamespace(jobs=1)) == 1
