"""A pull request's author controls every scanned file: no file may make the scan's work
unbounded, stall it, or hide a model behind a limit (the gate fails closed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import by_rule, scan_json

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
