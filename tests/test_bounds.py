"""A pull request's author controls every scanned file: no file may make the scan's work
unbounded, stall it, or hide a model behind a limit (the gate fails closed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import by_rule, cli, scan_json

AGENT = 'resource "aws_bedrockagent_agent" "a" {{\n  {meta}\n  foundation_model = {value}\n}}\n'


@pytest.mark.parametrize("meta", [
    "count = 1000000000",
    "for_each = toset(range(1000000000))",
    'for_each = { for i in range(1000000000) : tostring(i) => "anthropic.claude-v2" }',
])
def test_a_billion_instances_are_never_materialised(tmp_path: Path, meta: str):
    (tmp_path / "main.tf").write_text(AGENT.format(meta=meta, value='"anthropic.claude-v2"'))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert [r["raw"] for r in report["references"]] == ["anthropic.claude-v2"]


def test_count_index_past_the_bound_is_unknown_not_dropped(tmp_path: Path):
    (tmp_path / "main.tf").write_text(AGENT.format(
        meta="count = 1000000000",
        value='element(["anthropic.claude-v2", "amazon.titan-text-express-v1"], count.index)'))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    raws = sorted(r["raw"] for r in report["references"] if r["raw"] and r["model_id"])
    assert raws == ["amazon.titan-text-express-v1", "anthropic.claude-v2"]
    # element() of a known list is one of its elements whatever the index: nothing is unknown.
    assert not by_rule(report, "BDR005")
    (tmp_path / "main.tf").write_text(AGENT.format(meta="count = 1000000000",
                                                   value='"anthropic.claude-v${count.index}"'))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert any("count.index" in f["message"] for f in by_rule(report, "BDR005"))


def test_for_each_instances_are_counted_by_distinct_values(tmp_path: Path):
    items = ", ".join(f'"r{i}" = "anthropic.claude-v2"' for i in range(500))
    (tmp_path / "main.tf").write_text(AGENT.format(meta=f"for_each = {{ {items} }}", value="each.value"))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert len([r for r in report["references"] if r["model_id"] == "anthropic.claude-v2"]) == 1


def _dense(index: int, entries: int = 400) -> str:
    """A file a parser works hard on: a Bedrock agent (so no prefilter skips it) and
    hundreds of short-token expressions."""
    values = "".join(f'  v{i} = [a.b[{i}].c, 1 + 2 * 3, "x${{y}}", {{ k = v, l = [m, n] }}]\n' for i in range(entries))
    return (AGENT.format(meta="", value='"anthropic.claude-v2"').replace('"a"', f'"a{index}"')
            + f"locals {{\n{values}}}\n")


def test_a_file_past_its_parse_time_is_bdr000_naming_the_limit(tmp_path: Path):
    (tmp_path / "main.tf").write_text(_dense(0))
    (tmp_path / "other.tf").write_text(AGENT.format(meta="", value='"anthropic.claude-v2"').replace('"a"', '"b"'))
    code, report = scan_json(str(tmp_path), "--as-of", "2026-12-01", "--parse-timeout", "0.001")
    errors = by_rule(report, "BDR000")
    assert code == 1 and [e["file"] for e in errors] == ["main.tf"]
    assert "too complex to parse in 0.001 s" in errors[0]["message"]
    # The rest of the scan goes on.
    assert [r["resource"] for r in report["references"]] == ["aws_bedrockagent_agent.b"]


def test_the_parse_time_limit_is_settable_in_the_config(tmp_path: Path):
    (tmp_path / "main.tf").write_text(_dense(0))
    (tmp_path / ".iac-check.yaml").write_text("parse-timeout: 0.001\n")
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert "too complex to parse" in by_rule(report, "BDR000")[0]["message"]


def test_fifty_dense_files_cannot_hold_the_gate_past_its_timeout(tmp_path: Path):
    for i in range(50):
        (tmp_path / f"d{i:02}").mkdir()
        (tmp_path / f"d{i:02}" / "main.tf").write_text(_dense(i, entries=1500))
    code, out, err = cli("scan", str(tmp_path), "--as-of", "2026-12-01", "--timeout", "1", "--jobs", "2")
    assert code == 2 and out == ""
    assert "did not finish within 1 s (--timeout)" in err and "unfinished:" in err
    assert "Terraform root modules" in err


def test_a_template_file_is_parsed_once_however_often_templatefile_reads_it(tmp_path: Path, monkeypatch):
    from validator.terraform import parse

    calls: list[str] = []
    split = parse._split_interpolations
    monkeypatch.setattr(parse, "_split_interpolations", lambda body, line: calls.append(body) or split(body, line))
    parse._template_file.cache_clear()
    body = "".join(f"line {i}: ${{region}} ${{name}}\n" for i in range(200))
    (tmp_path / "prompt.tmpl").write_text(body + "model: anthropic.claude-v2\n")
    agents = "".join(
        f'resource "aws_bedrockagent_agent" "a{i}" {{\n  foundation_model = "anthropic.claude-v2"\n'
        f'  instruction = templatefile("${{path.module}}/prompt.tmpl", {{ region = "r{i}", name = "n{i}" }})\n}}\n'
        for i in range(40))
    (tmp_path / "main.tf").write_text(agents)
    scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert len([c for c in calls if c.startswith("line 0")]) == 1


def test_a_cache_dir_anywhere_in_the_repository_is_refused(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "envs" / "prod").mkdir(parents=True)
    (repo / "envs" / "prod" / "main.tf").write_text(AGENT.format(meta="", value='"anthropic.claude-v2"'))
    code, out, err = cli("scan", str(repo / "envs" / "prod"), "--as-of", "2026-12-01",
                         "--cache-dir", str(repo / "tools" / "cache"))
    assert code == 2 and out == "" and "--cache-dir" in err and "inside the project root" in err


@pytest.mark.parametrize("entry", [
    b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94.",  # a pickle
    b'{"t": "ConfigFile", "path": "", "blocks": [], "attributes": [{"t": "Attribute", "name": "x",'
    b' "expr": {"t": "Lit", "value": {"nested": 1}, "line": 1}, "line": "1", "column": 1}]}',
    b'{"t": "ConfigFile", "path": "", "blocks": [{"t": "Block", "type": 1, "labels": [], "line": 1,'
    b' "end_line": 1, "attributes": [], "blocks": []}], "attributes": []}',
    b'{"t": "ConfigFile", "path": "", "blocks": [], "attributes": [{"t": "Attribute", "name": "x",'
    b' "expr": {"t": "Lit", "value": "x", "line": 1, "marks": [{"t": "Mark", "offset": -1, "line": 1,'
    b' "column": 1, "flows": false}]}, "line": 1, "column": 1}]}',
])
def test_cache_entries_are_data_checked_on_load_else_parsed_again(tmp_path: Path, entry: bytes):
    from validator.terraform.load import _cache_file

    text = AGENT.format(meta="", value='"anthropic.claude-v2"')
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "main.tf").write_text(text)
    forged = _cache_file(str(tmp_path / "cache"), "hcl", text)
    forged.parent.mkdir(parents=True)
    forged.write_bytes(entry)
    _, report = scan_json(str(tmp_path / "tree"), "--as-of", "2026-12-01", "--cache-dir", str(tmp_path / "cache"))
    assert [r["model_id"] for r in report["references"]] == ["anthropic.claude-v2"]
    assert forged.read_bytes() != entry


def test_a_stage_that_never_checks_its_deadline_is_ended_by_the_watchdog():
    import subprocess
    import sys

    from conftest import ROOT

    script = (
        "import time\n"
        "from validator import deadline\n"
        "deadline.WATCHDOG_GRACE = 0.2\n"
        "budget = deadline.Deadline(0.2)\n"
        "budget.check('resolving 3 of 3 Terraform root modules')\n"
        "with budget.watchdog():\n"
        "    time.sleep(60)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=50)
    assert done.returncode == 2 and done.stdout == ""
    assert "did not finish within 0.2 s (--timeout); unfinished: resolving 3 of 3" in done.stderr


@pytest.mark.parametrize("seconds", [float("inf"), float("nan"), 0.0, 86400.5])
def test_a_deadline_without_a_finite_bound_is_refused(seconds: float) -> None:
    # A caller of run_scan with its own Settings gets no unbounded scan either.
    from validator.deadline import Deadline

    with pytest.raises(ValueError, match="at most 86400"):
        Deadline(seconds)
