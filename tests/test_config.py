"""Config files (SPEC section 7, issue 5): where they are found, what they can set, and how they fail."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import by_rule, cli, scan_json

from validator.policydata import PolicyDataError, bundled, validate

AGENT = 'resource "aws_bedrockagent_agent" "{name}" {{\n  foundation_model = "{model}"\n}}\n'
CATALOG = """schema_version: 1
updated: 2024-01-01
models:
  - id: acme.parrot-v1
    name: Parrot v1
    provider: Acme
    lifecycle:
      - regions: all
        legacy: 2023-06-01
        eol: 2023-12-01
        confidence: confirmed
        sources: [{url: "https://example.invalid/parrot"}]
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def legacy_tree(tmp_path: Path, **config: str) -> Path:
    """A tree whose one agent is Legacy on 2024-01-15 (BDR002, a warning), with config files."""
    return write(tmp_path, {"infra/main.tf": AGENT.format(name="a", model="anthropic.claude-v1"), **config})


# -- finding the config ------------------------------------------------------------------------

def test_config_is_found_above_the_scan_root(tmp_path: Path):
    root = legacy_tree(tmp_path, **{".iac-check.yaml": "fail-on: warning\n"})
    assert cli("scan", str(root / "infra"), "--as-of", "2024-01-15")[0] == 1


def test_pyproject_table_is_a_config_and_yaml_wins_beside_it(tmp_path: Path):
    pyproject = '[project]\nname = "x"\n\n[tool.iac-check]\nfail-on = "warning"\n'
    root = legacy_tree(tmp_path, **{"pyproject.toml": pyproject})
    assert cli("scan", str(root / "infra"), "--as-of", "2024-01-15")[0] == 1
    write(root, {".iac-check.yaml": "fail-on: error\n"})
    assert cli("scan", str(root / "infra"), "--as-of", "2024-01-15")[0] == 0


def test_the_nearest_config_wins_and_pyproject_without_a_table_is_skipped(tmp_path: Path):
    root = legacy_tree(tmp_path, **{".iac-check.yaml": "fail-on: warning\n",
                                    "infra/pyproject.toml": '[project]\nname = "iac-check-user"\n'})
    assert cli("scan", str(root / "infra"), "--as-of", "2024-01-15")[0] == 1
    write(root, {"infra/pyproject.toml": '[tool.iac-check]\nfail-on = "never"\n'})
    assert cli("scan", str(root / "infra"), "--as-of", "2024-01-15")[0] == 0


def test_the_current_directory_is_searched_when_the_scan_root_has_none(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    code_dir = legacy_tree(tmp_path / "code")
    write(tmp_path / "work", {".iac-check.yaml": "fail-on: warning\n"})
    monkeypatch.chdir(tmp_path / "work")
    assert cli("scan", str(code_dir), "--as-of", "2024-01-15")[0] == 1


def test_an_explicit_config_file_replaces_the_search(tmp_path: Path):
    root = legacy_tree(tmp_path, **{".iac-check.yaml": "fail-on: warning\n", "ci/strict.yaml": "fail-on: note\n"})
    (root / "ci" / "lenient.yaml").write_text("fail-on: never\n", encoding="utf-8")
    assert cli("scan", str(root), "--as-of", "2024-01-15", "--config", str(root / "ci" / "lenient.yaml"))[0] == 0
    code, _, err = cli("scan", str(root), "--config", str(root / "missing.yaml"))
    assert code == 2 and "missing.yaml" in err


# -- what a config can set ---------------------------------------------------------------------

def test_every_scan_option_can_come_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = write(tmp_path, {
        "infra/main.tf": 'variable "m" {}\n' + AGENT.format(name="a", model="${var.m}"),
        "infra/vendor/skip.tf": AGENT.format(name="skipped", model="anthropic.claude-v1"),
        "infra/extra.tfvars": 'm = "acme.parrot-v1"\n',
        "templates/stack.yaml": ('AWSTemplateFormatVersion: "2010-09-09"\nParameters:\n  Model:\n    Type: String\n'
                                 "Resources:\n  Agent:\n    Type: AWS::Bedrock::Agent\n    Properties:\n"
                                 "      AgentName: a\n      FoundationModel: !Ref Model\n"),
        "templates/params.json": '{"Model": "anthropic.claude-v1"}',
        "policy/catalog.yaml": CATALOG,
        "iac-check.yaml": (
            "paths: [infra, templates]\n"
            "as-of: 2024-01-15\n"
            "format: json\n"
            "output: [out/report.json, sarif=out/report.sarif]\n"
            "fail-on: warning\nfail-within: 45\nregion: us-east-1\njobs: 2\nquiet: true\nno-color: true\n"
            "var-file: [infra/extra.tfvars]\n"
            "parameters-file: [templates/params.json]\n"
            "catalog: [policy/catalog.yaml]\n"
            "exclude: [vendor]\n"
            "days: 30\n"
        ),
    })
    (root / "out").mkdir()
    (root / "ci").mkdir()
    monkeypatch.chdir(root / "ci")
    code, out, err = cli("scan", "--config", "../iac-check.yaml")
    assert (code, out, err) == (1, "", "")
    report = json.loads((root / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["as_of"] == "2024-01-15"
    assert {(f["resource"], f["rule_id"], f["model_id"]) for f in report["findings"]} == {
        ("aws_bedrockagent_agent.a", "BDR001", "acme.parrot-v1"), ("Agent", "BDR002", "anthropic.claude-v1")}
    [legacy] = by_rule(report, "BDR002")
    assert (legacy["region"], legacy["severity"]) == ("us-east-1", "error")  # 44 days left, fail-within 45
    assert json.loads((root / "out" / "report.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_variables_and_parameters_take_scalars(tmp_path: Path):
    root = write(tmp_path, {"main.tf": 'variable "m" {}\nvariable "on" {}\n' + AGENT.format(name="a", model="${var.m}"),
                            ".iac-check.yaml": "var: {m: anthropic.claude-v1, on: true}\n"})
    _, report = scan_json(str(root), "--as-of", "2024-03-01")
    assert [f["model_id"] for f in by_rule(report, "BDR001")] == ["anthropic.claude-v1"]


def test_rule_severity_and_enabled(tmp_path: Path):
    root = legacy_tree(tmp_path, **{".iac-check.yaml": "rules:\n  BDR002: {severity: error}\n"})
    code, report = scan_json(str(root), "--as-of", "2024-01-15")
    assert [f["severity"] for f in by_rule(report, "BDR002")] == ["error"] and code == 1
    write(root, {".iac-check.yaml": "rules:\n  BDR002: {enabled: false}\n"})
    code, report = scan_json(str(root), "--as-of", "2024-01-15", "--fail-on", "note")
    assert report["findings"] == [] and code == 0


@pytest.mark.parametrize(("policy", "denied"), [
    ("deny: ['anthropic.claude-v*']", True),
    ("deny: [meta.*]", False),
    ("allow: [amazon.nova-*, 'anthropic.claude-3*']", True),
    ("allow: ['anthropic.*']", False),
])
def test_organisation_model_policy(tmp_path: Path, policy: str, denied: bool):
    root = legacy_tree(tmp_path, **{".iac-check.yaml": policy + "\n"})
    code, report = scan_json(str(root), "--as-of", "2023-01-01")
    assert bool(by_rule(report, "BDR010")) is denied and code == (1 if denied else 0)


def test_command_line_options_win(tmp_path: Path):
    root = legacy_tree(tmp_path, **{".iac-check.yaml": "fail-on: never\nformat: sarif\nas-of: 2020-01-01\n"
                                                      "exclude: [nothing]\n"})
    code, out, _ = cli("scan", str(root), "--fail-on", "warning", "--format", "json", "--as-of", "2024-01-15")
    assert code == 1 and json.loads(out)["as_of"] == "2024-01-15"
    code, out, _ = cli("scan", str(root), "--exclude", "infra", "--allow-empty")
    assert code == 0 and json.loads(out)["version"] == "2.1.0"  # repeatable options add to the config's


# -- a bad config is exit 2 naming the key -----------------------------------------------------

@pytest.mark.parametrize(("text", "named"), [
    ("fail_on: warning\n", "unknown key 'fail_on' (did you mean 'fail-on'?)"),
    ("fail-on: sometimes\n", "fail-on: expected one of error, warning, note, never"),
    ("fail-within: -3\n", "fail-within"),
    ("catalog: extra.yaml\n", "catalog: expected array"),
    ("rules:\n  BDR002: {severity: fatal}\n", "rules/BDR002/severity"),
    ("rules:\n  BDR099: {enabled: false}\n", "rules/BDR099: no such rule"),
    ("rules:\n  bdr002: {enabled: false}\n", "rules: does not match ^BDR\\d{3}$"),
    ("as-of: 2025-02-30\n", "as-of '2025-02-30' is not a YYYY-MM-DD date"),
    ("output: [xml=report.xml]\n", "output:"),
    ("deny: nope\n", "deny"),
    ("- a list\n", "(top level)"),
    ("fail-on: [\n", ".iac-check.yaml:2: not valid YAML"),
])
def test_a_bad_config_is_a_usage_error_naming_the_key(tmp_path: Path, text: str, named: str):
    root = legacy_tree(tmp_path, **{".iac-check.yaml": text})
    code, _, err = cli("scan", str(root), "--as-of", "2024-01-15")
    assert code == 2 and ".iac-check.yaml" in err and named in err, err


def test_a_bad_pyproject_table_is_a_usage_error(tmp_path: Path):
    root = legacy_tree(tmp_path, **{"pyproject.toml": '[tool.iac-check]\nfail-on = "loud"\n'})
    code, _, err = cli("scan", str(root))
    assert code == 2 and "pyproject.toml [tool.iac-check]: fail-on" in err
    write(root, {"pyproject.toml": "[tool.iac-check\n"})
    code, _, err = cli("scan", str(root))
    assert code == 2 and "not valid TOML" in err


def test_bad_values_on_the_command_line_are_usage_errors(tmp_path: Path):
    root = legacy_tree(tmp_path)
    for args, message in ((["--fail-on", "loud"], "--fail-on 'loud'"), (["--format", "xml"], "--format 'xml'"),
                          (["--as-of", "2024-13-01"], "--as-of '2024-13-01'")):
        code, _, err = cli("scan", str(root), *args)
        assert code == 2 and message in err


def test_the_config_schema_ships_and_validates():
    schema = json.loads(bundled("schemas/config.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    good = {"fail-on": "warning", "rules": {"BDR006": {"enabled": False}}, "deny": ["meta.llama2-*"],
            "output": ["sarif=r.sarif"], "var": {"n": 3}}
    assert validate(good, "config.schema.json", "test") == good
    with pytest.raises(PolicyDataError, match="unknown key"):
        validate({"failon": "warning"}, "config.schema.json", "test")


@pytest.mark.parametrize(("config", "args"), [
    ({".iac-check.yaml": "timeout: .inf\n"}, []),
    ({".iac-check.yaml": "parse-timeout: .inf\n"}, []),
    ({".iac-check.yaml": "timeout: 1.0e+300\n"}, []),
    ({}, ["--timeout", "inf"]),
])
def test_a_timeout_without_bound_is_a_usage_error(tmp_path: Path, config: dict[str, str], args: list[str]):
    # An endless budget would let a config in the tree under review stall the gate.
    root = legacy_tree(tmp_path, **config)
    code, _, err = cli("scan", str(root), "--as-of", "2024-01-15", *args)
    assert code == 2 and "timeout" in err and "at most 86400" in err, err
