"""Shared helpers: run the CLI in-process and check every JSON report against its schema."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from validator.cli import app
from validator.policydata import bundled

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
REPORT_SCHEMA = json.loads(bundled("schemas/report.schema.json").read_text(encoding="utf-8"))


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `iac-check ARGS`; returns exit code, stdout and stderr."""
    result = CliRunner().invoke(app, list(args), env={"AWS_REGION": "", "AWS_DEFAULT_REGION": "", **(env or {})})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def scan_json(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Scan with `--format json`; the report is validated against the shipped schema."""
    code, out, _ = cli("scan", "--format", "json", *args, env=env)
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    return code, report


def by_rule(report: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


@pytest.fixture
def tf_fixture():
    return lambda name: str(FIXTURES / "terraform" / name)


def fuzz_target(name: str) -> tuple[Callable[[bytes], None], list[bytes]]:
    """A target of `fuzz/` (its `check` and its `seeds()`), so CI runs every fuzz target's seeds."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "fuzz" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check, list(module.seeds())
