"""The GitHub Action: action.yml's shape, and its scan script run as the runner runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = {step["name"]: step for step in ACTION["runs"]["steps"]}
SCRIPT = ROOT / "action" / "scan.sh"


def test_action_sets_up_python_installs_from_its_checkout_and_gates_after_reporting():
    assert set(ACTION["inputs"]) >= {"paths", "as-of", "fail-on", "format", "upload-sarif", "args", "python-version"}
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    python = STEPS["Set up Python"]
    assert python["uses"].startswith("actions/setup-python@")
    # The user's job keeps its own Python on PATH; iac-check runs from a venv of its own.
    assert python["with"]["update-environment"] is False
    assert "steps.python.outputs.python-path" in STEPS["Install iac-check"]["env"]["IAC_CHECK_BASE_PYTHON"]
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "GITHUB_ACTION_PATH" in scripts and 'bash "$GITHUB_ACTION_PATH/action/scan.sh"' in scripts
    assert "${{" not in scripts  # inputs reach scripts through env, never spliced into shell
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert "upload-sarif" in upload["if"]
    assert steps[-1]["run"].strip().startswith("exit")  # the gate closes after the reports are out


def _run_scan(tmp_path: Path, cwd: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """The Scan step as the runner runs it: bash, the step's env, this interpreter as the action's venv."""
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    env = {**os.environ, "RUNNER_TEMP": str(runner), "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_OUTPUT": str(outputs), "IAC_CHECK_PYTHON": sys.executable, "IAC_CHECK_AS_OF": "2026-01-15",
           "IAC_CHECK_FAIL_ON": "error", "IAC_CHECK_FORMAT": "github", "IAC_CHECK_ARGS": "", **inputs}
    step = subprocess.run(["bash", "-e", "-c", STEPS["Scan"]["run"]], cwd=cwd, capture_output=True, text=True,
                          env={**env, "GITHUB_ACTION_PATH": str(ROOT)}, timeout=300)
    lines = outputs.read_text(encoding="utf-8").splitlines() if outputs.exists() else []
    return step, dict(line.split("=", 1) for line in lines)


def test_the_scan_step_writes_the_summary_and_sarif_then_the_gate_fails(tmp_path: Path):
    step, values = _run_scan(tmp_path, FIXTURES / "ci", IAC_CHECK_PATHS="repo", IAC_CHECK_ARGS="--region us-east-1")
    assert step.returncode == 0, step.stderr  # the step reports; the gate fails the job
    assert "::error file=repo/infra/main.tf,line=14" in step.stdout
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("## iac-check: failed")
    assert values["exit-code"] == "1"
    assert json.loads(Path(values["sarif-file"]).read_text(encoding="utf-8"))["version"] == "2.1.0"
    gate = subprocess.run(["bash", "-e", "-c", STEPS["Gate"]["run"]], env={**os.environ, "IAC_CHECK_STATUS": "1"})
    assert gate.returncode == 1


@pytest.mark.parametrize("given", [
    '"my infra" templates',  # one line: shell words, quotes group
    "my infra\ntemplates\n",  # several lines: one path per line
])
def test_paths_with_a_space_reach_the_scan_whole(tmp_path: Path, given: str):
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "ci" / "repo" / "infra", work / "my infra")
    shutil.copytree(FIXTURES / "ci" / "repo" / "templates", work / "templates")
    step, values = _run_scan(tmp_path, work, IAC_CHECK_PATHS=given,
                             IAC_CHECK_ARGS="--region us-east-1 --fail-on 'warning'")
    assert step.returncode == 0, step.stderr
    assert "::error file=my infra/main.tf,line=14" in step.stdout
    assert "file=templates/agent.yaml" in step.stdout
    assert values["exit-code"] == "1"


def test_args_are_words_never_shell(tmp_path: Path):
    marker = tmp_path / "pwned"
    _, values = _run_scan(tmp_path, FIXTURES / "ci", IAC_CHECK_PATHS="repo",
                          IAC_CHECK_ARGS=f"--region us-east-1 $(touch {marker}) `touch {marker}`")
    assert not marker.exists()
    assert values["exit-code"] == "2"  # the words are taken for paths, and there is no such path


def test_an_unbalanced_quote_fails_the_step_naming_the_input(tmp_path: Path):
    step, values = _run_scan(tmp_path, FIXTURES / "ci", IAC_CHECK_PATHS='"repo')
    assert step.returncode != 0 and "IAC_CHECK_PATHS: No closing quotation" in step.stderr
    assert "exit-code" not in values
